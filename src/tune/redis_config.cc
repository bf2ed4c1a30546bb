// Change kind "redis.config": Redis parameters changed with ONE multi-parameter CONFIG SET
// (Redis 7 applies the pairs atomically: a failure leaves every parameter as it was), and
// restored the same way from the CONFIG GET values in the backup.  CONFIG REWRITE only with
// --rewrite and when the server has a config file.
#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <cstring>
#include <map>

#include <fmt/format.h>

#include "tune/kinds.h"
#include "tune/redis_value.h"
#include "tune/secret_params.h"

namespace vitals {
namespace {

using detail::ConfigGet;
using detail::RedisSession;
using detail::ReplyString;

constexpr const char* kRunbook = "docs/runbooks/redis.md";

int64_t ToInt(const std::string& s) { return std::strtoll(s.c_str(), nullptr, 10); }
double ToDouble(const std::string& s) { return std::strtod(s.c_str(), nullptr); }

std::string Get(const std::map<std::string, std::string>& m, const std::string& k) {
  auto it = m.find(k);
  return it == m.end() ? std::string() : it->second;
}

// "keys=10,expires=3,avg_ttl=0" summed over the db* lines.
void CountKeys(const std::map<std::string, std::string>& info, int64_t* keys, int64_t* expires) {
  for (const auto& [k, v] : info) {
    if (k.rfind("db", 0) != 0) continue;
    auto field = [&](const char* name) -> int64_t {
      auto p = v.find(std::string(name) + "=");
      return p == std::string::npos
                 ? 0
                 : std::strtoll(v.c_str() + p + std::strlen(name) + 1, nullptr, 10);
    };
    *keys += field("keys");
    *expires += field("expires");
  }
}

// A CONFIG parameter name as Redis spells them: maxmemory-policy, hash-max-listpack-entries.
bool IsRedisParameterName(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n) {
    if (!(std::islower(static_cast<unsigned char>(c)) ||
          std::isdigit(static_cast<unsigned char>(c)) || c == '-')) {
      return false;
    }
  }
  return true;
}

std::string Mib(int64_t b) { return fmt::format("{} MiB", b >> 20); }

// The message a refused CONFIG gets, naming what is missing and how to grant it.
std::string ConfigRefusal(const std::string& display, const Status& st) {
  const std::string& m = st.message();
  if (m.find("unknown command") != std::string::npos) {
    return fmt::format(
        "redis: the CONFIG command: {} does not know it (renamed or disabled with "
        "`rename-command CONFIG ...` in redis.conf): remove that line and restart Redis, or tune "
        "it by hand",
        display);
  }
  if (m.find("NOPERM") != std::string::npos) {
    return fmt::format(
        "redis: CONFIG GET and CONFIG SET for this ACL user on {} (NOPERM): ACL SETUSER <user> "
        "+config|get +config|set",
        display);
  }
  return fmt::format("redis: CONFIG on {}: {}", display, m);
}

class RedisConfig final : public ChangeKind {
 public:
  const char* name() const override { return "redis.config"; }
  const char* component() const override { return "redis"; }

  Status Plan(TuneSession& s, const TuneOptions& o, vitals::Plan* plan) const override {
    RedisSession& r = *s.redis();
    auto info = detail::Info(r);
    if (!info.ok()) return info.status();
    const char* params[] = {"maxmemory",
                            "maxmemory-policy",
                            "maxmemory-samples",
                            "activedefrag",
                            "latency-monitor-threshold",
                            "slowlog-log-slower-than",
                            "slowlog-max-len",
                            "save",
                            "appendonly"};
    std::map<std::string, std::string> cfg;
    for (const char* p : params) {
      auto v = ConfigGet(r, p);
      if (!v.ok()) {
        plan->apply_needs.push_back(ConfigRefusal(s.redis_display(), v.status()));
        plan->notes.push_back("redis: no plan: its settings cannot be read without CONFIG GET");
        return Status::Ok();
      }
      if (*v) cfg[p] = **v;
    }
    auto add = [&](const std::string& name, const std::string& proposed, std::string rule,
                   std::string source, std::string effect) -> PlanItem& {
      PlanItem i;
      i.kind = this->name();
      i.component = "redis";
      i.name = name;
      i.current = cfg[name];
      i.proposed = proposed;
      i.rule = std::move(rule);
      i.source = std::move(source);
      i.effect = std::move(effect);
      plan->items.push_back(std::move(i));
      return plan->items.back();
    };
    const bool conservative = o.strategy == TuneStrategy::kConservative;

    const int64_t used = ToInt(Get(*info, "used_memory"));
    const int64_t rss = ToInt(Get(*info, "used_memory_rss"));
    if (cfg.count("maxmemory") && ToInt(cfg["maxmemory"]) == 0 && o.ram_bytes > 0) {
      const int64_t others = std::max<int64_t>(0, o.host_used_bytes - rss);
      int64_t budget = o.ram_bytes * 3 / 4 - others;
      const int64_t floor = 2 * used;
      budget = std::max(budget, floor);
      add("maxmemory", std::to_string(budget),
          fmt::format("maxmemory = 75 % of RAM ({}) - what the rest of the host uses ({}), at "
                      "least 2 x used_memory ({}) = {}",
                      Mib(o.ram_bytes), Mib(others), Mib(used), Mib(budget)),
          std::string(kRunbook) + "#noeviction-full",
          "immediate; when reached Redis evicts by maxmemory-policy (or refuses writes with "
          "noeviction)");
    }
    int64_t keys = 0, expires = 0;
    CountKeys(*info, &keys, &expires);
    const bool persistent = !cfg["save"].empty() || cfg["appendonly"] == "yes";
    const bool ttl_heavy = keys > 0 && expires * 2 >= keys;
    const std::string evidence = fmt::format(
        "{} of {} keys have a TTL; persistence: {}", expires, keys,
        persistent ? fmt::format("save '{}', appendonly {}", cfg["save"], cfg["appendonly"])
                   : std::string("none (save '', appendonly no)"));
    if (cfg["maxmemory-policy"] == "noeviction") {
      if (!persistent || ttl_heavy) {
        const std::string policy = persistent ? "volatile-lru" : "allkeys-lru";
        add("maxmemory-policy", policy,
            fmt::format("looks like a cache ({}): evict {} instead of refusing writes", evidence,
                        persistent ? "keys with a TTL, least recently used first"
                                   : "the least recently used keys"),
            std::string(kRunbook) + "#noeviction-full", "immediate");
      } else {
        plan->notes.push_back(
            "redis: maxmemory-policy stays noeviction: the instance does not "
            "look like a cache (" +
            evidence + ")");
      }
    }
    if (!conservative && ToInt(cfg["maxmemory-samples"]) < 10 && cfg.count("maxmemory-samples")) {
      add("maxmemory-samples", "10",
          "maxmemory-samples = 10: eviction closer to true LRU/LFU for a little CPU",
          std::string(kRunbook) + "#evictions", "immediate");
    }
    const double frag = ToDouble(Get(*info, "mem_fragmentation_ratio"));
    const int64_t excess = rss - used;
    if (frag > 1.4 && excess > (int64_t{10} << 20) && cfg["activedefrag"] != "yes") {
      const std::string alloc = Get(*info, "mem_allocator");
      if (alloc.find("jemalloc") == std::string::npos) {
        plan->notes.push_back(fmt::format(
            "redis: fragmentation {:.2f} ({} beyond used_memory) but activedefrag is not "
            "supported by this build (mem_allocator={}; CONFIG SET activedefrag yes needs "
            "jemalloc): restart the instance to compact it",
            frag, Mib(excess), alloc));
      } else {
        add("activedefrag", "yes",
            fmt::format("fragmentation {:.2f} and {} beyond used_memory (MEMORY DOCTOR: > 1.4 "
                        "and > 10 MB)",
                        frag, Mib(excess)),
            std::string(kRunbook) + "#fragmentation", "immediate; defrag uses some CPU");
      }
    }
    if (cfg.count("latency-monitor-threshold") && ToInt(cfg["latency-monitor-threshold"]) == 0) {
      add("latency-monitor-threshold", "100",
          "latency-monitor-threshold = 100 ms: LATENCY LATEST records events slower than that",
          std::string(kRunbook) + "#latency", "immediate");
    }
    if (cfg.count("slowlog-log-slower-than")) {
      const int64_t v = ToInt(cfg["slowlog-log-slower-than"]);
      if (v < 0 || v > 10000) {
        add("slowlog-log-slower-than", "10000", "slowlog-log-slower-than = 10000 us (10 ms)",
            std::string(kRunbook) + "#slow-commands", "immediate");
      }
    }
    if (!conservative && cfg.count("slowlog-max-len") && ToInt(cfg["slowlog-max-len"]) < 1024) {
      add("slowlog-max-len", "1024", "slowlog-max-len = 1024 entries (128 rolls over fast)",
          std::string(kRunbook) + "#slow-commands", "immediate");
    }
    for (const auto& m : o.manual) {
      if (m.component != "redis") continue;
      if (IsSecretBearingParameter("redis", m.name)) {  // never CONFIG GET a secret
        return Status::InvalidArgument(SecretParameterRefusal("redis", m.name));
      }
      auto v = ConfigGet(r, m.name);
      if (!v.ok()) return v.status();
      if (!*v) {
        return Status::InvalidArgument(fmt::format(
            "--set redis:{}={}: CONFIG GET {} answers nothing: Redis has no such parameter", m.name,
            m.value, m.name));
      }
      cfg[m.name] = **v;
      std::erase_if(plan->items,
                    [&](const PlanItem& i) { return i.component == "redis" && i.name == m.name; });
      PlanItem& i = add(m.name, m.value, "asked for with --set", "--set", "immediate");
      if (RedisConfigEquals(**v, m.value)) i.skip = "already at that value";
    }
    const std::string config_file = Get(*info, "config_file");
    const bool rewrite = o.redis_rewrite && !config_file.empty();
    for (auto& i : plan->items) {
      if (i.kind != this->name()) continue;
      i.detail["rewrite"] = rewrite;
      if (rewrite) {
        i.effect += "; CONFIG REWRITE " + config_file;
        i.exact_undo = false;
        i.detail["undo"] = "rollback rewrites " + config_file +
                           " again (CONFIG REWRITE may reformat it; the values are restored)";
      }
    }
    if (o.redis_rewrite && config_file.empty()) {
      plan->notes.push_back(
          "redis: --rewrite ignored: the server has no config file (INFO config_file is "
          "empty); the changes last until Redis restarts");
    } else if (!o.redis_rewrite) {
      plan->notes.push_back(
          "redis: CONFIG SET lasts until Redis restarts; --rewrite also writes "
          "it to the config file (CONFIG REWRITE) when the server has one");
    }
    return Status::Ok();
  }

  void Preflight(TuneSession& s, const std::vector<const PlanItem*>& items,
                 std::vector<std::string>* needs) const override {
    // ACL DRYRUN (Redis 7) asks whether this user may run the CONFIG SET, without running it.
    RedisSession& r = *s.redis();
    auto who = r.Run({"ACL", "WHOAMI"});
    if (!who.ok()) return;  // an older server or ACL refused: CONFIG SET's own answer decides
    std::vector<std::string> dry = {"ACL", "DRYRUN", ReplyString(who->get()), "CONFIG", "SET"};
    for (const PlanItem* i : items) {
      dry.push_back(i->name);
      dry.push_back(i->proposed);
    }
    auto answer = r.Run(dry);
    if (answer.ok() && ReplyString(answer->get()) != "OK") {
      needs->push_back(fmt::format(
          "redis: CONFIG SET for ACL user {} ({}): ACL SETUSER {} +config|set",
          ReplyString(who->get()), ReplyString(answer->get()), ReplyString(who->get())));
    }
  }

  Result<nlohmann::json> Snapshot(TuneSession& s, const PlanItem& item) const override {
    auto v = ConfigGet(*s.redis(), item.name);
    if (!v.ok()) return v.status();
    if (!*v) return Status::NotFound("redis: CONFIG GET " + item.name + " answers nothing");
    return nlohmann::json{{"value", **v}, {"rewrite", item.detail.value("rewrite", false)}};
  }

  Status Apply(TuneSession& s, const std::vector<const PlanItem*>& items,
               const TuneOptions&) const override {
    std::vector<std::string> cmd = {"CONFIG", "SET"};
    bool rewrite = false;
    for (const PlanItem* i : items) {
      cmd.push_back(i->name);
      cmd.push_back(i->proposed);
      rewrite = rewrite || i->detail.value("rewrite", false);
    }
    VITALS_RETURN_IF_ERROR(Run(s, cmd));
    for (const PlanItem* i : items) {
      auto v = ConfigGet(*s.redis(), i->name);
      if (!v.ok()) return v.status();
      if (!*v || !RedisConfigEquals(**v, i->proposed)) {
        return Status::Internal(fmt::format("redis: {} reads {} after CONFIG SET, not {}", i->name,
                                            *v ? **v : "nothing", i->proposed));
      }
    }
    if (rewrite) {
      s.Pause();
      VITALS_RETURN_IF_ERROR(Run(s, {"CONFIG", "REWRITE"}));
    }
    return Status::Ok();
  }

  std::string CheckEntry(const BackupEntry& e) const override {
    if (!IsRedisParameterName(e.name)) {
      return "'" + e.name + "' is not a Redis parameter name (lower case letters, digits and -)";
    }
    if (IsSecretBearingParameter("redis", e.name)) {
      return "vitals tune never changes secret-bearing parameters";
    }
    return "";
  }

  Status Undo(TuneSession& s, const std::vector<const BackupEntry*>& entries) const override {
    std::vector<std::string> cmd = {"CONFIG", "SET"};
    bool rewrite = false;
    for (const BackupEntry* e : entries) {
      cmd.push_back(e->name);
      cmd.push_back(e->old.value("value", ""));
      rewrite = rewrite || e->old.value("rewrite", false);
    }
    VITALS_RETURN_IF_ERROR(Run(s, cmd));
    if (rewrite) VITALS_RETURN_IF_ERROR(Run(s, {"CONFIG", "REWRITE"}));
    return Status::Ok();
  }

  std::vector<std::string> Verify(TuneSession& s,
                                  const std::vector<const BackupEntry*>& entries) const override {
    std::vector<std::string> bad;
    for (const BackupEntry* e : entries) {
      auto v = ConfigGet(*s.redis(), e->name);
      const std::string old = e->old.value("value", "");
      if (!v.ok()) {
        bad.push_back(
            fmt::format("redis {}: cannot read it back: {}", e->name, v.status().message()));
      } else if (!*v || !RedisConfigEquals(**v, old)) {
        bad.push_back(fmt::format("redis {}: is {}, was {}", e->name, *v ? **v : "(none)", old));
      }
    }
    return bad;
  }

 private:
  static Status Run(TuneSession& s, const std::vector<std::string>& cmd) {
    std::string text;
    for (const auto& a : cmd) text += (text.empty() ? "" : " ") + a;
    auto r = s.redis()->Run(cmd);
    VITALS_RETURN_IF_ERROR(s.Audit("redis", text, r.ok() ? "ok" : r.status().message()));
    if (!r.ok()) return Status::Unavailable("redis: " + text + ": " + r.status().message());
    return Status::Ok();
  }
};

}  // namespace

const ChangeKind& RedisConfigKind() {
  static const RedisConfig kKind;
  return kKind;
}

}  // namespace vitals
