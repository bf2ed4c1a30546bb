// vitals tune: plan (default, changes nothing), --apply (backup first, then every step
// audited), --rollback ID, --list, and --validate (cli/tune_validate.h).  The logic is in
// src/tune/ (engine.h); this file parses flags, opens the session and prints.
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <string>
#include <tuple>
#include <vector>

#include <fmt/format.h>
#include <CLI/CLI.hpp>

#include "cli/cli_util.h"
#include "cli/commands.h"
#include "cli/tune_validate.h"
#include "collect/host_parse.h"
#include "core/redact.h"
#include "core/units.h"
#include "store/store.h"
#include "tune/engine.h"
#include "tune/pg_value.h"
#include "tune/plan.h"
#include "tune/secret_params.h"
#include "tune/target_host.h"

namespace vitals::cli {
namespace {

constexpr const char* kCmd = "vitals tune";

constexpr const char* kExamples = R"(
Examples:
  vitals tune --postgres 'postgresql://postgres@127.0.0.1/app' --redis redis://127.0.0.1:6379 --host
  vitals tune --postgres DSN --strategy conservative --json        # the plan as JSON
  vitals tune --postgres DSN --workload oltp --ram 16GB --cores 8   # size of the database host
  vitals tune --postgres DSN --redis URL --apply                   # backup, apply, print backup id
  vitals tune --list                                               # stored backups
  vitals tune --rollback 20261206T081500-1a2b --postgres DSN --redis URL
  vitals tune --postgres DSN --set postgres:work_mem=32MB --apply  # one change of your own
  vitals tune --host --only 'net.*' --apply                        # only these items
  vitals tune --postgres DSN --apply --validate scenario.yaml --settle 10s
      # baseline load, apply, settle, same load, gate; rolls back on a regression

Strategies: conservative = reloadable planner/checkpoint settings still at their defaults,
somaxconn and the port range; balanced (default) = every reloadable setting plus restart-only
ones written with ALTER SYSTEM (pending_restart; vitals never restarts), all Redis and host
items; aggressive = also huge_pages (and, with --allow-restart, the restart command to run).

Nothing changes without --apply.  Before the first change the backup (every old value and
where it came from) is written to the store and fsynced; every step goes to the audit log.
Exit codes: 0 ok; 1 refused (the "apply needs" lines say what to grant), failed or not fully
restored; 2 usage error (or --validate could not decide: the change is kept); 99 --validate
found a regression and rolled it back.  Formulas, sources and the safety contract: docs/tune.md.
Passwords in DSNs and URLs are never printed or stored.)";

struct TuneFlags {
  std::string postgres, redis, proc_sys_root;
  bool host = false;
  std::string strategy = "balanced", workload = "web", storage = "ssd";
  std::vector<std::string> components, sets, only;
  std::string ram;
  int cores = 0;
  bool override_manual = false, allow_restart = false, rewrite = false;
  bool apply = false, json = false, list = false;
  std::string rollback, store_flag;
  std::string index_lock_timeout = "5s", index_statement_timeout = "30m";
  ValidateFlags validate;
};

// "postgres on db.example" when a component to tune runs on another host and --ram / --cores
// do not give its size; "" otherwise.  Read from the DSN / URL text: nothing is contacted.
std::string RemoteWithoutSize(const TuneFlags& f, const TuneOptions& o) {
  if (!f.ram.empty() && f.cores > 0) return "";
  if (o.postgres) {
    if (std::string h = PgRemoteHost(f.postgres); !h.empty()) return "postgres on " + h;
  }
  if (o.redis) {
    if (std::string h = RedisRemoteHost(f.redis); !h.empty()) return "redis on " + h;
  }
  return "";
}

int Usage(const std::string& msg) {
  std::fprintf(stderr, "%s: %s\n(see vitals tune --help)\n", kCmd, msg.c_str());
  return kExitUsage;
}

// Fills the options from the flags; "" or the usage error.
std::string BuildOptions(const TuneFlags& f, TuneOptions* o) {
  if (f.strategy == "conservative") {
    o->strategy = TuneStrategy::kConservative;
  } else if (f.strategy == "balanced") {
    o->strategy = TuneStrategy::kBalanced;
  } else if (f.strategy == "aggressive") {
    o->strategy = TuneStrategy::kAggressive;
  } else {
    return "--strategy must be conservative, balanced or aggressive, not '" + f.strategy + "'";
  }
  if (f.workload == "web") {
    o->workload = TuneWorkload::kWeb;
  } else if (f.workload == "oltp") {
    o->workload = TuneWorkload::kOltp;
  } else if (f.workload == "dw") {
    o->workload = TuneWorkload::kDw;
  } else if (f.workload == "mixed") {
    o->workload = TuneWorkload::kMixed;
  } else {
    return "--workload must be web, oltp, dw or mixed, not '" + f.workload + "'";
  }
  if (f.storage == "ssd") {
    o->storage = TuneStorage::kSsd;
  } else if (f.storage == "hdd") {
    o->storage = TuneStorage::kHdd;
  } else if (f.storage == "san") {
    o->storage = TuneStorage::kSan;
  } else {
    return "--storage must be ssd, hdd or san, not '" + f.storage + "'";
  }
  for (auto [flag, text, out] :
       {std::tuple{"--index-lock-timeout", &f.index_lock_timeout, &o->index_lock_timeout_ms},
        std::tuple{"--index-statement-timeout", &f.index_statement_timeout,
                   &o->index_statement_timeout_ms}}) {
    auto ns = ParseDurationNs(*text);
    if (!ns.ok() || *ns < 1'000'000) {
      return fmt::format("{} '{}': give a duration of at least 1ms, like 5s or 30m", flag, *text);
    }
    *out = *ns / 1'000'000;
  }
  const bool host = f.host || !f.proc_sys_root.empty();
  o->postgres = !f.postgres.empty();
  o->redis = !f.redis.empty();
  o->host = host;
  if (!f.components.empty()) {
    o->postgres = o->redis = o->host = false;
    for (const auto& c : f.components) {
      if (c == "postgres") {
        if (f.postgres.empty()) return "--component postgres needs --postgres DSN";
        o->postgres = true;
      } else if (c == "redis") {
        if (f.redis.empty()) return "--component redis needs --redis URL";
        o->redis = true;
      } else if (c == "host") {
        if (!host) return "--component host needs --host (or --proc-sys-root DIR)";
        o->host = true;
      } else {
        return "--component must be postgres, redis or host, not '" + c + "'";
      }
    }
  }
  if (!f.ram.empty()) {
    // PostgreSQL's (and pgtune's) memory units: 1GB = 1024MB.
    auto b = PgValueInUnit(f.ram, "B");
    if (!b || *b < 1024 * 1024) {
      return "--ram '" + f.ram + "': give a size like 16GB or 4096MB (1GB = 1024MB)";
    }
    o->ram_bytes = static_cast<int64_t>(*b);
    o->ram_source = "--ram";
  } else {
    auto text = detail::ReadProcFile("/proc/meminfo");
    if (text.ok()) {
      auto mem = detail::ParseMeminfo(*text, "/proc/meminfo");
      if (mem.ok() && mem->count("MemTotal")) {
        o->ram_bytes = static_cast<int64_t>((*mem)["MemTotal"]);
        o->ram_source = "MemTotal of this host; --ram when the server runs elsewhere";
        if (mem->count("MemAvailable")) {
          o->host_used_bytes = o->ram_bytes - static_cast<int64_t>((*mem)["MemAvailable"]);
        }
      }
    }
  }
  if (f.cores > 0) {
    o->cores = f.cores;
    o->cores_source = "--cores";
  } else {
    o->cores = static_cast<int>(std::max(1L, sysconf(_SC_NPROCESSORS_ONLN)));
    o->cores_source = "online CPUs of this host; --cores when the server runs elsewhere";
  }
  o->override_manual = f.override_manual;
  o->allow_restart = f.allow_restart;
  o->redis_rewrite = f.rewrite;
  for (const auto& s : f.sets) {
    auto colon = s.find(':');
    auto eq = s.find('=');
    if (colon == std::string::npos || eq == std::string::npos || eq < colon || colon == 0 ||
        eq == colon + 1) {
      return "--set '" + s +
             "': write component:name=value (postgres:work_mem=32MB, "
             "redis:maxmemory-samples=10, host:net.core.somaxconn=4096)";
    }
    ManualSet m{s.substr(0, colon), s.substr(colon + 1, eq - colon - 1), s.substr(eq + 1)};
    if (m.component != "postgres" && m.component != "redis" && m.component != "host") {
      return "--set '" + s + "': the component must be postgres, redis or host";
    }
    if (IsSecretBearingParameter(m.component, m.name)) {
      return SecretParameterRefusal(m.component, m.name);
    }
    o->manual.push_back(std::move(m));
  }
  o->only = f.only;
  return "";
}

Status OpenSession(const TuneFlags& f, bool postgres, bool redis, bool host, TuneSession* s) {
  if (postgres) VITALS_RETURN_IF_ERROR(s->OpenPostgres(f.postgres));
  if (redis) VITALS_RETURN_IF_ERROR(s->OpenRedis(f.redis));
  if (host) s->SetProcSysRoot(f.proc_sys_root.empty() ? "/proc/sys" : f.proc_sys_root);
  return Status::Ok();
}

int List(Store& store, bool json) {
  auto list = store.ListTuneBackups();
  if (!list.ok()) return ReportError(kCmd, list.status());
  if (json) {
    nlohmann::json out = nlohmann::json::array();
    for (const auto& b : *list) {
      out.push_back({{"id", b.id},
                     {"created_unix_ms", b.created_unix_ms},
                     {"updated_unix_ms", b.updated_unix_ms},
                     {"components", b.components},
                     {"targets", nlohmann::json::parse(b.targets_json, nullptr, false)},
                     {"items", b.items},
                     {"state", b.state},
                     {"note", b.note},
                     {"checksum", b.checksum}});
    }
    std::printf("%s\n", out.dump(2).c_str());
    return kExitOk;
  }
  if (list->empty()) {
    std::printf("no tune backups in %s\n", store.path().c_str());
    return kExitOk;
  }
  std::printf("%-22s %-20s %-20s %5s  %-19s %s\n", "ID", "CREATED (UTC)", "COMPONENTS", "ITEMS",
              "STATE", "NOTE");
  for (const auto& b : *list) {
    std::printf("%-22s %-20s %-20s %5d  %-19s %s\n", b.id.c_str(),
                FormatUtcTimeMs(b.created_unix_ms).c_str(), b.components.c_str(), b.items,
                b.state.c_str(), b.note.c_str());
  }
  return kExitOk;
}

int Rollback(const TuneFlags& f, Store& store) {
  auto stored = store.GetTuneBackup(f.rollback);
  if (!stored.ok()) return ReportError(kCmd, stored.status());
  const std::string& comps = stored->info.components;
  TuneSession session;
  Status st = OpenSession(
      f, comps.find("postgres") != std::string::npos && !f.postgres.empty(),
      comps.find("redis") != std::string::npos && !f.redis.empty(),
      comps.find("host") != std::string::npos && (f.host || !f.proc_sys_root.empty()), &session);
  if (!st.ok()) return ReportError(kCmd, st);
  auto out = RollbackBackup(session, store, f.rollback, "--rollback");
  if (!out.ok()) return ReportError(kCmd, out.status());
  if (out->ok()) {
    std::printf("rolled back tune backup %s: %d item%s restored and verified\n",
                out->backup_id.c_str(), out->items, out->items == 1 ? "" : "s");
    return kExitOk;
  }
  std::printf("rolled back tune backup %s, but %zu of %d items are not as they were:\n",
              out->backup_id.c_str(), out->not_restored.size(), out->items);
  for (const auto& l : out->not_restored) std::printf("  - %s\n", l.c_str());
  return kExitFailure;
}

}  // namespace

int RunTune(int argc, char** argv) {
  TuneFlags f;
  CLI::App app{
      "Plan, back up, apply, validate under load and roll back PostgreSQL, Redis and "
      "host settings (prints the plan and changes nothing without --apply)",
      kCmd};
  app.footer(kExamples);
  app.add_option("--postgres", f.postgres,
                 "PostgreSQL connection string (a superuser, or a "
                 "role granted ALTER SYSTEM on the parameters)")
      ->type_name("DSN");
  app.add_option("--redis", f.redis, "Redis URL (redis://[:password@]host:port)")->type_name("URL");
  app.add_flag("--host", f.host, "Tune this machine's sysctls (/proc/sys)");
  app.add_option("--proc-sys-root", f.proc_sys_root,
                 "Read and write sysctls under DIR instead of /proc/sys; implies --host")
      ->type_name("DIR");
  app.add_option("--strategy", f.strategy, "conservative | balanced | aggressive")
      ->capture_default_str();
  app.add_option("--component", f.components,
                 "Only these of the components given (postgres, redis, host; repeatable)")
      ->type_name("NAME")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--workload", f.workload, "pgtune's workload type: web | oltp | dw | mixed")
      ->capture_default_str();
  app.add_option("--storage", f.storage, "Data storage for the planner costs: ssd | hdd | san")
      ->capture_default_str();
  app.add_option("--ram", f.ram, "RAM of the server (default: MemTotal of this host)")
      ->type_name("SIZE");
  app.add_option("--cores", f.cores, "CPU cores of the server (default: this host's)")
      ->type_name("N")
      ->check(CLI::Range(1, 4096));
  app.add_option("--set", f.sets,
                 "Plan this change too: component:name=value (repeatable), e.g. "
                 "postgres:work_mem=32MB")
      ->type_name("C:NAME=VALUE")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_option("--only", f.only,
                 "Apply only the items with these names ('net.*' matches a prefix; repeatable)")
      ->type_name("NAME")
      ->expected(1)
      ->multi_option_policy(CLI::MultiOptionPolicy::TakeAll);
  app.add_flag("--override", f.override_manual,
               "Also change PostgreSQL values set by hand (source user, database, command line)");
  app.add_flag("--allow-restart", f.allow_restart,
               "aggressive: say which restart the pending settings need (vitals never restarts "
               "a server it reaches over a connection)");
  app.add_flag("--rewrite", f.rewrite,
               "Redis: CONFIG REWRITE after CONFIG SET when the server has a config file");
  app.add_option("--index-lock-timeout", f.index_lock_timeout,
                 "PostgreSQL indexes: lock_timeout for CREATE / DROP / REINDEX INDEX "
                 "CONCURRENTLY (a build that waits longer fails and its leftover is dropped)")
      ->type_name("DURATION")
      ->capture_default_str();
  app.add_option("--index-statement-timeout", f.index_statement_timeout,
                 "PostgreSQL indexes: statement_timeout for each index build")
      ->type_name("DURATION")
      ->capture_default_str();
  app.add_flag("--apply", f.apply, "Apply the plan (backup first; prints the backup id)");
  app.add_flag("--json", f.json, "Print the plan (and outcome) as JSON");
  app.add_flag("--list", f.list, "List the stored backups");
  app.add_option("--rollback", f.rollback,
                 "Restore backup ID (give the same --postgres / --redis / --host)")
      ->type_name("ID");
  app.add_option("--store", f.store_flag,
                 "Run store (default $VITALS_STORE or ./.vitals/vitals.db)")
      ->type_name("PATH");
  AddValidateFlags(app, &f.validate);
  int rc = ParseOrExit(app, argc, argv);
  if (rc >= 0) return rc;

  const std::string store_path = ResolveStorePath(f.store_flag);
  if (f.list) {
    if (access(store_path.c_str(), F_OK) != 0) {  // read-only: never create a store to list it
      if (f.json) {
        std::printf("[]\n");
      } else {
        std::printf("no tune backups in %s\n", store_path.c_str());
      }
      return kExitOk;
    }
    auto store = Store::Open(store_path, Store::OpenMode::kExisting);
    if (!store.ok()) return ReportError(kCmd, store.status());
    return List(*store, f.json);
  }
  if (!f.rollback.empty()) {
    auto store = Store::Open(store_path, Store::OpenMode::kExisting);
    if (!store.ok()) return ReportError(kCmd, store.status());
    return Rollback(f, *store);
  }
  TuneOptions o;
  if (std::string err = BuildOptions(f, &o); !err.empty()) return Usage(err);
  if (!o.postgres && !o.redis && !o.host) {
    return Usage("nothing to tune: give --postgres DSN, --redis URL and/or --host");
  }

  const std::string remote = RemoteWithoutSize(f, o);
  if (!remote.empty() && f.apply) {
    return Usage(fmt::format(
        "{} is not this machine: --apply needs --ram and --cores of that server (without them "
        "the sizes come from this machine's RAM and CPUs, and shared_buffers sized for the "
        "wrong host can stop the server at its next restart)",
        remote));
  }
  if (f.validate.enabled() && !f.apply) {
    return Usage("--validate runs loads around an apply: add --apply");
  }
  if (std::string err = CheckValidateFlags(f.validate); !err.empty()) return Usage(err);

  TuneSession session;
  Status st = OpenSession(f, o.postgres, o.redis, o.host, &session);
  if (!st.ok()) return ReportError(kCmd, st);
  auto plan = BuildPlan(session, o);
  if (!plan.ok()) return ReportError(kCmd, plan.status());
  if (!remote.empty()) {
    plan->notes.push_back(fmt::format(
        "{} is not this machine: the sizes assume this machine's RAM and cores; give --ram "
        "and --cores of that server (--apply requires them)",
        remote));
  }

  if (!f.apply) {
    if (f.json) {
      std::printf("%s\n", PlanToJson(*plan).dump(2).c_str());
    } else {
      std::fputs(PlanToText(*plan).c_str(), stdout);
      std::printf("Dry run: nothing was changed; --apply makes these changes.\n");
    }
    return kExitOk;
  }
  if (!f.json) std::fputs(PlanToText(*plan).c_str(), stdout);
  std::fflush(stdout);
  auto store = Store::Open(store_path, Store::OpenMode::kCreate);
  if (!store.ok()) return ReportError(kCmd, store.status());
  if (f.validate.enabled()) return RunValidated(f.validate, session, *plan, *store, f.json);
  auto out = ApplyPlan(session, *plan, *store);
  if (!out.ok()) return ReportError(kCmd, out.status());
  if (f.json) {
    nlohmann::json j = {{"plan", PlanToJson(*plan)},
                        {"backup_id", out->backup_id},
                        {"applied", out->applied},
                        {"rolled_back", out->rolled_back},
                        {"problems", out->problems}};
    std::printf("%s\n", j.dump(2).c_str());
  } else if (out->ok()) {
    std::printf("Applied %d change%s. Backup %s (vitals tune --rollback %s restores them).\n",
                out->applied, out->applied == 1 ? "" : "s", out->backup_id.c_str(),
                out->backup_id.c_str());
  } else {
    std::printf("Apply failed and was rolled back from backup %s:\n", out->backup_id.c_str());
    for (const auto& p : out->problems) std::printf("  - %s\n", p.c_str());
  }
  return out->ok() ? kExitOk : kExitFailure;
}

}  // namespace vitals::cli
