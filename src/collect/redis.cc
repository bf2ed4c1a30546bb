#include "collect/redis.h"

#include <hiredis/hiredis.h>
#include <sys/time.h>

#include <algorithm>
#include <cctype>
#include <chrono>
#include <ctime>
#include <memory>
#include <optional>
#include <thread>

#include <fmt/format.h>

#include "collect/dsn.h"
#include "collect/redis_keys.h"
#include "collect/redis_latency.h"
#include "collect/redis_session.h"
#include "core/clock.h"

namespace vitals {
namespace detail {
namespace {

using InfoMap = std::map<std::string, std::string>;

std::optional<double> InfoNum(const InfoMap& m, const std::string& key) {
  auto it = m.find(key);
  if (it == m.end() || it->second.empty()) return std::nullopt;
  char* end = nullptr;
  double v = std::strtod(it->second.c_str(), &end);
  if (end == it->second.c_str()) return std::nullopt;
  return v;
}

std::string InfoText(const InfoMap& m, const std::string& key) {
  auto it = m.find(key);
  return it == m.end() ? std::string() : it->second;
}

Fact NewFact(std::string kind, const std::string& subject) {
  Fact f;
  f.component = "redis";
  f.kind = std::move(kind);
  f.subject = subject;
  return f;
}

std::string Upper(std::string s) {
  for (char& c : s) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
  return s;
}

}  // namespace

std::map<std::string, std::string> ParseRedisInfo(std::string_view info) {
  InfoMap out;
  size_t pos = 0;
  while (pos < info.size()) {
    size_t nl = info.find('\n', pos);
    std::string_view line =
        info.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? info.size() : nl + 1;
    while (!line.empty() && (line.back() == '\r' || line.back() == ' ')) line.remove_suffix(1);
    if (line.empty() || line.front() == '#') continue;
    size_t colon = line.find(':');
    if (colon == std::string_view::npos || colon == 0) continue;
    out[std::string(line.substr(0, colon))] = std::string(line.substr(colon + 1));
  }
  return out;
}

std::vector<Fact> RedisInfoFacts(const InfoMap& first, const InfoMap* second, double window_s,
                                 const std::string& subject) {
  const bool windowed = second != nullptr && window_s > 0;
  const InfoMap& last = windowed ? *second : first;
  const double uptime_s = InfoNum(last, "uptime_in_seconds").value_or(0);
  // Counter change over the window, or the lifetime value without a window.
  auto delta = [&](const std::string& key) -> std::optional<double> {
    auto b = InfoNum(last, key);
    if (!b) return std::nullopt;
    if (!windowed) return *b;
    auto a = InfoNum(first, key);
    if (!a || *b < *a) return std::nullopt;  // restarted or reset in between
    return *b - *a;
  };
  const double span_s = windowed ? window_s : uptime_s;
  auto rate = [&](const std::string& key) -> std::optional<double> {
    auto d = delta(key);
    if (!d || span_s <= 0) return std::nullopt;
    return *d / span_s;
  };

  std::vector<Fact> out;
  {
    Fact f = NewFact("redis.stats", subject);
    auto hits = delta("keyspace_hits"), misses = delta("keyspace_misses");
    std::string basis = windowed ? fmt::format("the {:.3g} s window", window_s)
                                 : "the server's lifetime (no window)";
    if (windowed && hits && misses && *hits + *misses == 0) {
      // Nothing was read during the window: the lifetime ratio is the best we have.
      hits = InfoNum(last, "keyspace_hits");
      misses = InfoNum(last, "keyspace_misses");
      basis = "the server's lifetime (no lookups during the window)";
    }
    if (hits && misses) {
      f.num["lookups"] = *hits + *misses;
      if (*hits + *misses > 0) f.num["hit_ratio"] = *hits / (*hits + *misses);
    }
    f.text["hit_ratio_basis"] = basis;
    for (const char* key : {"keyspace_hits", "keyspace_misses", "evicted_keys", "expired_keys"}) {
      if (auto r = rate(key)) {
        std::string name(key);
        if (name == "keyspace_hits") name = "hits";
        if (name == "keyspace_misses") name = "misses";
        f.num[name + "_per_s"] = *r;
      }
    }
    if (auto v = InfoNum(last, "evicted_keys")) f.num["evicted_keys"] = *v;
    if (auto v = InfoNum(last, "total_commands_processed")) f.num["commands"] = *v;
    if (auto r = rate("total_commands_processed")) f.num["commands_per_s"] = *r;
    f.num["window_s"] = windowed ? window_s : 0;
    f.num["uptime_s"] = uptime_s;
    out.push_back(std::move(f));
  }
  {
    Fact f = NewFact("redis.memory", subject);
    double used = InfoNum(last, "used_memory").value_or(0);
    double max = InfoNum(last, "maxmemory").value_or(0);
    std::string policy = InfoText(last, "maxmemory_policy");
    f.num["used_memory_bytes"] = used;
    f.num["maxmemory_bytes"] = max;
    if (max > 0) {
      // Redis compares used memory minus replication/AOF buffers to maxmemory.
      double counted = used - InfoNum(last, "mem_not_counted_for_evict").value_or(0);
      f.num["used_ratio"] = counted / max;
    }
    f.num["noeviction"] = policy == "noeviction" ? 1 : 0;
    f.text["maxmemory_policy"] = policy;
    if (auto v = InfoNum(last, "used_memory_rss")) f.num["rss_bytes"] = *v;
    if (auto v = InfoNum(last, "mem_fragmentation_ratio")) f.num["fragmentation_ratio"] = *v;
    if (auto v = InfoNum(last, "mem_fragmentation_bytes")) {
      f.num["fragmentation_excess_bytes"] = *v;
    } else if (auto rss = InfoNum(last, "used_memory_rss")) {
      f.num["fragmentation_excess_bytes"] = *rss - used;  // before Redis 6.2
    }
    if (auto r = rate("evicted_keys")) f.num["evicted_keys_per_s"] = *r;
    // MEMORY DOCTOR's inputs (its report names the same conditions).
    if (auto peak = InfoNum(last, "used_memory_peak"); peak && used > 0) {
      f.num["peak_memory_bytes"] = *peak;
      f.num["peak_ratio"] = *peak / used;
    }
    for (const char* key : {"allocator_frag_ratio", "allocator_frag_bytes", "rss_overhead_ratio",
                            "rss_overhead_bytes"}) {
      if (auto v = InfoNum(last, key)) f.num[key] = *v;
    }
    const double clients = InfoNum(last, "connected_clients").value_or(0);
    if (auto v = InfoNum(last, "mem_clients_normal"); v && clients > 0) {
      f.num["clients_memory_bytes"] = *v;
      f.num["client_buffer_avg_bytes"] = *v / clients;
    }
    const double replicas = InfoNum(last, "connected_slaves").value_or(0);
    if (auto v = InfoNum(last, "mem_clients_slaves"); v && replicas > 0) {
      f.num["replica_buffer_avg_bytes"] = *v / replicas;
    }
    out.push_back(std::move(f));
  }
  {
    Fact f = NewFact("redis.clients", subject);
    double clients = InfoNum(last, "connected_clients").value_or(0);
    f.num["connected_clients"] = clients;
    if (auto v = InfoNum(last, "maxclients"); v && *v > 0) {
      f.num["maxclients"] = *v;
      f.num["used_ratio"] = clients / *v;
    }
    if (auto v = InfoNum(last, "blocked_clients")) f.num["blocked_clients"] = *v;
    if (auto v = InfoNum(last, "rejected_connections")) f.num["rejected_connections"] = *v;
    if (windowed) {
      if (auto d = delta("rejected_connections")) f.num["rejected_connections_delta"] = *d;
    }
    out.push_back(std::move(f));
  }
  {
    Fact f = NewFact("redis.persistence", subject);
    if (auto v = InfoNum(last, "latest_fork_usec")) f.num["latest_fork_s"] = *v / 1e6;
    f.num["rdb_last_bgsave_ok"] = InfoText(last, "rdb_last_bgsave_status") == "err" ? 0 : 1;
    if (auto v = InfoNum(last, "aof_enabled")) f.num["aof_enabled"] = *v;
    out.push_back(std::move(f));
  }
  return out;
}

std::string MaskRedisCommand(const std::vector<std::string>& args, size_t max_chars) {
  if (args.empty()) return "";
  std::string name = Upper(args[0]);
  std::string out = name;
  const bool secret = name == "AUTH" || name == "HELLO";
  for (size_t i = 1; i < args.size(); ++i) {
    if (i == 1 && !secret) {
      std::string first = args[1].substr(0, 64);
      for (char& c : first) {
        if (static_cast<unsigned char>(c) < 0x20) c = '.';
      }
      out += " " + first + (args[1].size() > 64 ? "..." : "");
    } else {
      out += " ?";
    }
    if (out.size() > max_chars) break;
  }
  if (out.size() > max_chars) {
    size_t cut = max_chars;
    while (cut > 0 && (static_cast<unsigned char>(out[cut]) & 0xC0) == 0x80) --cut;
    out.resize(cut);
    out += "...";
  }
  return out;
}

std::vector<Fact> SlowlogFacts(const std::vector<SlowlogEntry>& entries, int64_t now_unix_s,
                               double slower_than_s, const std::string& subject) {
  std::map<std::string, std::vector<const SlowlogEntry*>> by_command;
  for (const SlowlogEntry& e : entries) {
    if (e.args.empty()) continue;
    by_command[Upper(e.args[0])].push_back(&e);
  }
  std::vector<Fact> out;
  for (const auto& [name, list] : by_command) {
    Fact f = NewFact("redis.slow_command", subject + " " + name);
    const SlowlogEntry* slowest = list.front();
    double total = 0;
    int64_t newest = 0;
    for (const SlowlogEntry* e : list) {
      total += static_cast<double>(e->duration_us) / 1e6;
      newest = std::max(newest, e->unix_time_s);
      if (e->duration_us > slowest->duration_us) slowest = e;
    }
    f.num["count"] = static_cast<double>(list.size());
    f.num["max_duration_s"] = static_cast<double>(slowest->duration_us) / 1e6;
    f.num["total_duration_s"] = total;
    f.num["newest_age_s"] = static_cast<double>(std::max<int64_t>(0, now_unix_s - newest));
    if (slower_than_s >= 0) f.num["slower_than_s"] = slower_than_s;
    f.text["command"] = name;
    f.text["example"] = MaskRedisCommand(slowest->args);
    f.text["client"] = slowest->client;
    out.push_back(std::move(f));
  }
  return out;
}

namespace {

std::vector<SlowlogEntry> ParseSlowlog(const redisReply* r) {
  std::vector<SlowlogEntry> out;
  if (r->type != REDIS_REPLY_ARRAY) return out;
  for (size_t i = 0; i < r->elements; ++i) {
    const redisReply* e = r->element[i];
    if (e->type != REDIS_REPLY_ARRAY || e->elements < 4) continue;
    SlowlogEntry entry;
    entry.id = e->element[0]->integer;
    entry.unix_time_s = e->element[1]->integer;
    entry.duration_us = e->element[2]->integer;
    const redisReply* args = e->element[3];
    if (args->type == REDIS_REPLY_ARRAY) {
      for (size_t j = 0; j < args->elements; ++j)
        entry.args.push_back(ReplyString(args->element[j]));
    }
    if (e->elements >= 5) entry.client = ReplyString(e->element[4]);
    if (e->elements >= 6) {
      std::string name = ReplyString(e->element[5]);
      if (!name.empty()) entry.client += " (" + name + ")";
    }
    out.push_back(std::move(entry));
  }
  return out;
}

}  // namespace
}  // namespace detail

Result<Collection> CollectRedis(const RedisOptions& options) {
  auto opened = detail::OpenRedisSession(options.url, options.timeout_ms);
  if (!opened.ok()) return opened.status();
  detail::RedisSession& session = *opened->session;
  const std::string& subject = opened->subject;

  const int64_t start_ns = MonotonicNs();
  auto first = detail::Info(session);
  if (!first.ok()) return first.status();

  Collection out;
  out.component = "redis";
  double slower_than_s = -1;
  if (auto v = detail::ConfigGet(session, "slowlog-log-slower-than"); v.ok()) {
    if (*v && !(*v)->empty()) slower_than_s = std::strtod((*v)->c_str(), nullptr) / 1e6;
  } else if (v.status().code() == Status::Code::kUnavailable) {
    return v.status();
  } else {
    out.limited.push_back("CONFIG GET refused (" + v.status().message() +
                          "): slowlog threshold unknown; maxclients read from INFO only");
  }
  if (first->find("maxclients") == first->end()) {  // INFO has it since Redis 7.0
    if (auto v = detail::ConfigGet(session, "maxclients"); v.ok() && *v) {
      (*first)["maxclients"] = **v;
    }
  }
  std::vector<detail::SlowlogEntry> slowlog;
  if (auto reply = session.Run({"SLOWLOG", "GET", std::to_string(options.slowlog_entries)});
      reply.ok()) {
    slowlog = detail::ParseSlowlog(reply->get());
  } else if (reply.status().code() == Status::Code::kUnavailable) {
    return reply.status();
  } else {
    out.limited.push_back("SLOWLOG GET refused (" + reply.status().message() +
                          "): slow commands not checked");
  }

  // The server's latency monitor: its events, and the doctor's advice when it has any.
  double monitor_threshold_s = 0;
  if (auto v = detail::ConfigGet(session, "latency-monitor-threshold"); v.ok() && *v) {
    monitor_threshold_s = std::strtod((*v)->c_str(), nullptr) / 1e3;
  }
  std::vector<Fact> latency_facts;
  std::string doctor;
  if (monitor_threshold_s > 0) {
    if (auto reply = session.Run({"LATENCY", "LATEST"}); reply.ok()) {
      latency_facts = detail::LatencyEventFacts(detail::ParseLatencyLatest(reply->get()),
                                                std::time(nullptr), monitor_threshold_s, subject);
      if (!latency_facts.empty()) {
        if (auto d = session.Run({"LATENCY", "DOCTOR"}); d.ok()) {
          doctor = detail::ReplyString(d->get());
        }
      }
    } else if (reply.status().code() == Status::Code::kUnavailable) {
      return reply.status();
    } else {
      out.limited.push_back("LATENCY LATEST refused (" + reply.status().message() +
                            "): the server's latency events not checked");
    }
  }

  std::optional<detail::InfoMap> second;
  double window_s = 0;
  if (options.window_ns > 0) {
    // PING round trips through the window, like `redis-cli --latency`.
    auto pings = detail::SamplePingLatency(session, start_ns + options.window_ns);
    if (!pings.ok()) return pings.status();
    Fact latency = detail::RedisLatencyFact(
        *pings, static_cast<double>(MonotonicNs() - start_ns) / 1e9, subject);
    if (!doctor.empty()) latency.text["doctor"] = doctor.substr(0, 2000);
    latency.num["monitor_threshold_s"] = monitor_threshold_s;  // 0: the monitor is off
    latency_facts.insert(latency_facts.begin(), std::move(latency));
    auto again = detail::Info(session);
    if (!again.ok()) return again.status();
    window_s = static_cast<double>(MonotonicNs() - start_ns) / 1e9;
    if (again->find("maxclients") == again->end() && first->count("maxclients")) {
      (*again)["maxclients"] = (*first)["maxclients"];
    }
    second = std::move(again.value());
  }
  out.facts = detail::RedisInfoFacts(*first, second ? &*second : nullptr, window_s, subject);
  for (Fact& f : detail::SlowlogFacts(slowlog, std::time(nullptr), slower_than_s, subject)) {
    out.facts.push_back(std::move(f));
  }
  for (Fact& f : latency_facts) out.facts.push_back(std::move(f));

  if (options.key_budget_ns > 0) {
    const detail::InfoMap& info = second ? *second : *first;
    const std::string policy = detail::InfoText(info, "maxmemory_policy");
    detail::KeyScanOptions ko;
    ko.budget_ns = options.key_budget_ns;
    ko.cache = detail::InfoNum(info, "maxmemory").value_or(0) > 0 && policy != "noeviction";
    ko.volatile_policy = policy.rfind("volatile-", 0) == 0;
    auto keys = detail::ScanKeyDistribution(session, ko, subject);
    if (keys.ok()) {
      for (Fact& f : *keys) out.facts.push_back(std::move(f));
    } else if (keys.status().code() == Status::Code::kUnavailable) {
      return keys.status();
    } else {
      out.limited.push_back("SCAN / MEMORY USAGE refused (" + keys.status().message() +
                            "): key distribution not checked");
    }
  }
  return out;
}

}  // namespace vitals
