#include "tune/engine.h"

#include <openssl/evp.h>

#include <chrono>
#include <map>
#include <set>

#include <fmt/format.h>

#include "core/redact.h"
#include "tune/kinds.h"
#include "tune/secret_params.h"

namespace vitals {
namespace {

int64_t NowMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

bool Wanted(const TuneOptions& o, std::string_view component) {
  if (component == "postgres") return o.postgres;
  if (component == "redis") return o.redis;
  if (component == "host") return o.host;
  return false;
}

bool SessionHas(TuneSession& s, std::string_view component) {
  if (component == "postgres") return s.pg() != nullptr;
  if (component == "redis") return s.redis() != nullptr;
  if (component == "host") return s.host();
  return false;
}

std::string SessionTarget(TuneSession& s, std::string_view component) {
  if (component == "postgres") return s.pg_display();
  if (component == "redis") return s.redis_display();
  return s.proc_sys_root();
}

const char* FlagFor(std::string_view component) {
  if (component == "postgres") return "--postgres DSN";
  if (component == "redis") return "--redis URL";
  return "--host (and --proc-sys-root DIR)";
}

bool OnlyMatches(const std::vector<std::string>& only, const std::string& name) {
  for (const auto& o : only) {
    if (o == name) return true;
    if (!o.empty() && o.back() == '*' && name.rfind(o.substr(0, o.size() - 1), 0) == 0) {
      return true;
    }
  }
  return false;
}

// Items of `kind` among `items`.
template <typename T>
std::vector<const T*> OfKind(const std::vector<T>& items, const ChangeKind& kind) {
  std::vector<const T*> out;
  for (const T& i : items) {
    if (i.kind == kind.name()) out.push_back(&i);
  }
  return out;
}

std::vector<BackupEntry> EntriesFromJson(const nlohmann::json& doc) {
  std::vector<BackupEntry> out;
  for (const auto& e : doc.value("items", nlohmann::json::array())) {
    out.push_back({e.value("kind", ""), e.value("component", ""), e.value("name", ""),
                   e.value("proposed", ""), e.value("old", nlohmann::json::object())});
  }
  return out;
}

// Undo + Verify of every entry, kinds in reverse registry order.
std::vector<std::string> UndoAll(TuneSession& session, const std::vector<BackupEntry>& entries) {
  std::vector<std::string> problems;
  const auto& kinds = AllChangeKinds();
  for (auto it = kinds.rbegin(); it != kinds.rend(); ++it) {
    std::vector<const BackupEntry*> mine;
    for (const BackupEntry* e : OfKind(entries, **it)) {
      if (std::string why = (*it)->CheckEntry(*e); !why.empty()) {
        problems.push_back(
            fmt::format("{} {}: refused, not restored: {}", e->component, e->name, why));
      } else {
        mine.push_back(e);
      }
    }
    if (mine.empty()) continue;
    Status st = (*it)->Undo(session, mine);
    if (!st.ok())
      problems.push_back(fmt::format("{}: undo failed: {}", (*it)->name(), st.message()));
    for (auto& line : (*it)->Verify(session, mine)) problems.push_back(std::move(line));
  }
  for (const auto& e : entries) {
    if (FindChangeKind(e.kind) == nullptr) {
      problems.push_back(
          fmt::format("{} {}: kind '{}' is unknown to this vitals (a newer one wrote "
                      "the backup); restore it with that version",
                      e.component, e.name, e.kind));
    }
  }
  return problems;
}

}  // namespace

int Plan::ApplicableCount() const {
  int n = 0;
  for (const auto& i : items) n += i.skip.empty() ? 1 : 0;
  return n;
}

std::string Sha256Hex(const std::string& text) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  EVP_Digest(text.data(), text.size(), md, &len, EVP_sha256(), nullptr);
  std::string out;
  for (unsigned int i = 0; i < len; ++i) out += fmt::format("{:02x}", md[i]);
  return out;
}

Result<Plan> BuildPlan(TuneSession& session, const TuneOptions& options) {
  Plan plan;
  plan.options = options;
  for (const char* c : {"postgres", "redis", "host"}) {
    if (Wanted(options, c) && SessionHas(session, c)) plan.targets[c] = SessionTarget(session, c);
  }
  for (const ChangeKind* k : AllChangeKinds()) {
    if (!Wanted(options, k->component()) || !SessionHas(session, k->component())) continue;
    VITALS_RETURN_IF_ERROR(k->Plan(session, options, &plan));
  }
  for (const auto& m : options.manual) {
    if (!Wanted(options, m.component) || !SessionHas(session, m.component)) {
      return Status::InvalidArgument(
          fmt::format("--set {}:{}={}: this run does not tune {}; add {}", m.component, m.name,
                      m.value, m.component, FlagFor(m.component)));
    }
  }
  if (!options.only.empty()) {
    for (auto& i : plan.items) {
      if (!i.skip.empty() || OnlyMatches(options.only, i.name)) continue;
      i.skip = "not named by --only";
    }
  }
  int restart_items = 0;
  for (const auto& i : plan.items) restart_items += i.skip.empty() && i.restart ? 1 : 0;
  if (restart_items > 0) {
    plan.notes.push_back(fmt::format(
        "{} setting{} take effect only after a restart: they are written now and show "
        "pending_restart; {}",
        restart_items, restart_items == 1 ? "" : "s",
        options.allow_restart && options.strategy == TuneStrategy::kAggressive
            ? "--allow-restart: restart needed: run `pg_ctlcluster <version> <cluster> restart` "
              "(or `systemctl restart postgresql`) on the database host; vitals reaches the "
              "server over a connection and cannot restart it itself"
            : "vitals never restarts a server: restart it on its host when convenient"));
  }
  for (const ChangeKind* k : AllChangeKinds()) {
    std::vector<const PlanItem*> todo;
    for (const auto& i : plan.items) {
      if (i.kind == k->name() && i.skip.empty()) todo.push_back(&i);
    }
    if (!todo.empty()) k->Preflight(session, todo, &plan.apply_needs);
  }
  return plan;
}

Result<ApplyOutcome> ApplyPlan(TuneSession& session, const Plan& plan, Store& store) {
  if (!plan.apply_needs.empty()) {
    std::string lines;
    for (const auto& l : plan.apply_needs) lines += "\n  " + l;
    return Status::Permission("refusing to apply; nothing was changed:" + lines);
  }
  if (plan.ApplicableCount() == 0) {
    return Status::InvalidArgument(
        "nothing to apply: every item of the plan is skipped or the "
        "settings are already at the proposed values");
  }
  // 1. Snapshots of every applicable item, before anything changes.
  nlohmann::json items = nlohmann::json::array();
  std::set<std::string> components;
  for (const auto& i : plan.items) {
    if (!i.skip.empty()) continue;
    const ChangeKind* k = FindChangeKind(i.kind);
    if (k == nullptr) return Status::Internal("plan item of unknown kind " + i.kind);
    if (IsSecretBearingParameter(i.component, i.name)) {
      // Never snapshot a secret: the backup, plan and audit would hold it.
      return Status::InvalidArgument(SecretParameterRefusal(i.component, i.name));
    }
    auto old = k->Snapshot(session, i);
    if (!old.ok()) return old.status();
    items.push_back({{"kind", i.kind},
                     {"component", i.component},
                     {"name", i.name},
                     {"proposed", i.proposed},
                     {"old", *old}});
    components.insert(i.component);
  }
  nlohmann::json doc = {{"format", 1},
                        {"targets", plan.targets},
                        {"strategy", TuneStrategyName(plan.options.strategy)},
                        {"items", items}};
  // 2. The backup, fsynced, with its checksum over exactly the stored text.
  const std::string text = RedactSecrets(doc.dump());
  TuneBackupInfo info;
  info.created_unix_ms = NowMs();
  for (const auto& c : components) info.components += (info.components.empty() ? "" : ",") + c;
  info.targets_json = nlohmann::json(plan.targets).dump();
  info.items = static_cast<int>(items.size());
  info.state = "saved";
  info.checksum = Sha256Hex(text);
  auto id = store.SaveTuneBackup(info, text);
  if (!id.ok()) return id.status();
  ApplyOutcome out;
  out.backup_id = *id;
  session.SetAudit([&store, bid = *id](const std::string& component, const std::string& stmt,
                                       const std::string& result) {
    return store.AppendTuneAudit(bid, {NowMs(), component, stmt, result});
  });
  VITALS_RETURN_IF_ERROR(session.Audit(
      "tune", fmt::format("backup {} saved: {} items, sha256 {}", *id, info.items, info.checksum),
      "ok"));
  VITALS_RETURN_IF_ERROR(store.SetTuneBackupState(*id, "applying"));

  // 3. Apply, kind by kind.
  Status failed;
  for (const ChangeKind* k : AllChangeKinds()) {
    std::vector<const PlanItem*> todo;
    for (const auto& i : plan.items) {
      if (i.kind == k->name() && i.skip.empty()) todo.push_back(&i);
    }
    if (todo.empty()) continue;
    failed = k->Apply(session, todo, plan.options);
    if (!failed.ok()) break;
    out.applied += static_cast<int>(todo.size());
    session.Pause();
  }
  if (failed.ok()) {
    VITALS_RETURN_IF_ERROR(store.SetTuneBackupState(*id, "applied"));
    return out;
  }
  // 4. A step failed: undo everything from the backup.
  out.problems.push_back(failed.message());
  (void)session.Audit("tune", "apply failed; rolling back from backup " + *id, failed.message());
  auto undo = UndoAll(session, EntriesFromJson(doc));
  out.rolled_back = true;
  for (auto& p : undo) out.problems.push_back("not restored: " + p);
  (void)store.SetTuneBackupState(*id, undo.empty() ? "rolled_back" : "rollback_incomplete",
                                 "apply failed: " + failed.message());
  out.applied = 0;
  return out;
}

Result<RollbackOutcome> RollbackBackup(TuneSession& session, Store& store, const std::string& id,
                                       const std::string& reason) {
  auto stored = store.GetTuneBackup(id);
  if (!stored.ok()) return stored.status();
  const std::string& bid = stored->info.id;
  if (Sha256Hex(stored->backup_json) != stored->info.checksum) {
    return Status::Parse(fmt::format(
        "tune backup {} fails its checksum (sha256 {} stored, the text hashes to {}): the store "
        "was edited or damaged; nothing was restored",
        bid, stored->info.checksum, Sha256Hex(stored->backup_json)));
  }
  auto doc = nlohmann::json::parse(stored->backup_json, nullptr, false);
  if (doc.is_discarded()) return Status::Parse("tune backup " + bid + " is not JSON");
  auto entries = EntriesFromJson(doc);
  std::map<std::string, std::string> targets =
      doc.value("targets", std::map<std::string, std::string>{});
  for (const auto& e : entries) {
    if (!SessionHas(session, e.component)) {
      return Status::InvalidArgument(fmt::format(
          "tune backup {} changed {} at {}: pass {} to roll it back (nothing was restored)", bid,
          e.component, targets[e.component], FlagFor(e.component)));
    }
    const std::string now = SessionTarget(session, e.component);
    if (!targets[e.component].empty() && targets[e.component] != now) {
      return Status::InvalidArgument(fmt::format(
          "tune backup {} changed {} at {}, but this run connects to {}: pass the backed-up "
          "target (nothing was restored)",
          bid, e.component, targets[e.component], now));
    }
  }
  session.SetAudit([&store, bid](const std::string& component, const std::string& stmt,
                                 const std::string& result) {
    return store.AppendTuneAudit(bid, {NowMs(), component, stmt, result});
  });
  VITALS_RETURN_IF_ERROR(session.Audit("tune", "rollback (" + reason + ")", "started"));
  RollbackOutcome out;
  out.backup_id = bid;
  out.items = static_cast<int>(entries.size());
  out.not_restored = UndoAll(session, entries);
  std::string result = out.not_restored.empty()
                           ? std::string("ok")
                           : fmt::format("{} not restored", out.not_restored.size());
  VITALS_RETURN_IF_ERROR(session.Audit("tune", "rollback (" + reason + ") verified", result));
  VITALS_RETURN_IF_ERROR(store.SetTuneBackupState(
      bid, out.not_restored.empty() ? "rolled_back" : "rollback_incomplete", reason));
  return out;
}

}  // namespace vitals
