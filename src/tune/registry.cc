// The kind registry: one line per change kind, in apply order.
#include "tune/kinds.h"

namespace vitals {

const std::vector<const ChangeKind*>& AllChangeKinds() {
  static const std::vector<const ChangeKind*> kKinds = {
      &PgSettingKind(), &PgVacuumKind(),    &PgReindexKind(),  &PgIndexDropKind(),
      &PgIndexKind(),   &RedisConfigKind(), &HostSysctlKind(),
  };
  return kKinds;
}

const ChangeKind* FindChangeKind(std::string_view name) {
  for (const ChangeKind* k : AllChangeKinds()) {
    if (name == k->name()) return k;
  }
  return nullptr;
}

}  // namespace vitals
