// The change kinds vitals ships (one factory per kind, each a stateless singleton) and the
// registry that orders them.  Adding a kind: declare its factory here, define it in its own
// .cc, add one line to kKinds in registry.cc.
#pragma once

#include <string_view>
#include <vector>

#include "tune/change.h"

namespace vitals {

const ChangeKind& PgSettingKind();    // pg_settings.cc: ALTER SYSTEM SET / RESET
const ChangeKind& RedisConfigKind();  // redis_config.cc: one multi-parameter CONFIG SET
const ChangeKind& HostSysctlKind();   // host_sysctl.cc: /proc/sys strings
const ChangeKind& PgVacuumKind();     // pg_maintenance.cc: VACUUM (ANALYZE), nothing to undo
const ChangeKind& PgReindexKind();    // pg_maintenance.cc: REINDEX INDEX CONCURRENTLY
const ChangeKind& PgIndexDropKind();  // pg_index_drop.cc: DROP INDEX CONCURRENTLY (aggressive)
const ChangeKind& PgIndexKind();      // pg_index.cc: CREATE INDEX CONCURRENTLY candidates

// Every kind, in apply order (rollback undoes in reverse).
const std::vector<const ChangeKind*>& AllChangeKinds();
// nullptr when no kind has that name (a backup written by a newer vitals).
const ChangeKind* FindChangeKind(std::string_view name);

}  // namespace vitals
