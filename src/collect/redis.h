// Redis collector for `vitals check --redis URL`.
//
// Connects with hiredis (URL redis://[[user]:password@]host[:port][/db], AUTH
// when a password is given) and sends read-only commands only: INFO,
// CONFIG GET, SLOWLOG GET, PING, LATENCY LATEST and LATENCY DOCTOR.  INFO is sampled at the start
// and at the end of the window so counters become rates over the window.
//
// Facts (component "redis", subject "host:port"; units per docs/rules.md):
//   redis.stats    hit_ratio (keyspace_hits / (hits + misses) over the window;
//                  over the lifetime when the window saw no lookups, with
//                  text hit_ratio_basis saying which), lookups,
//                  hits_per_s, misses_per_s, evicted_keys_per_s,
//                  expired_keys_per_s, evicted_keys (lifetime), window_s
//   redis.memory   used_memory_bytes, maxmemory_bytes, used_ratio (only with a
//                  maxmemory), noeviction (0/1), rss_bytes,
//                  fragmentation_ratio, fragmentation_excess_bytes,
//                  evicted_keys_per_s; MEMORY DOCTOR's inputs: peak_memory_bytes,
//                  peak_ratio (peak / used), allocator_frag_ratio, allocator_frag_bytes,
//                  rss_overhead_ratio, rss_overhead_bytes, clients_memory_bytes,
//                  client_buffer_avg_bytes, replica_buffer_avg_bytes;
//                  text maxmemory_policy
//   redis.clients  connected_clients, maxclients, used_ratio, blocked_clients,
//                  rejected_connections (lifetime), rejected_connections_delta
//                  (over the window; absent without a window)
//   redis.persistence  latest_fork_s, rdb_last_bgsave_ok (0/1), aof_enabled
//   redis.slow_command one per command name in SLOWLOG GET <slowlog_entries>:
//                  count, max_duration_s, total_duration_s, newest_age_s,
//                  slower_than_s (the server's slowlog-log-slower-than);
//                  text example (arguments masked and truncated), client
//   redis.latency  PING round trips through the window (one every 10 ms, like
//                  `redis-cli --latency`): p50_s, p99_s, max_s, mean_s, samples,
//                  window_s, monitor_threshold_s (latency-monitor-threshold; 0 = off);
//                  text doctor (LATENCY DOCTOR's advice, when the monitor has events)
//   redis.latency_event  one per LATENCY LATEST event (subject "host:port event"):
//                  latest_s, max_s, age_s, threshold_s; text event
//   redis.keyspace keys (DBSIZE), scanned, complete (0/1: the walk ended within
//                  --redis-key-budget), scan_s, memory_bytes (sum of MEMORY USAGE,
//                  scaled when sampled), no_ttl_keys, no_ttl_ratio, sampled (keys
//                  measured), sample_every (1: all), cache (0/1: maxmemory and an
//                  evicting policy), volatile_policy (0/1); text memory (says
//                  whether memory was sampled, and the sample size)
//   redis.key_prefix  the top 10 prefixes by memory ("user:*" for "user:42"; subject
//                  "host:port prefix"): rank, keys (exact), sampled_keys,
//                  memory_bytes, avg_bytes, memory_share, key_share, no_ttl_keys,
//                  no_ttl_ratio, cache, volatile_policy; text prefix, memory
//   redis.big_key  the 10 biggest keys (subject "host:port key"): rank,
//                  memory_bytes, ttl_s (-1: none); text key, found_in
//   The walk uses SCAN (never KEYS) and counts every key it scans; MEMORY USAGE /
//   PTTL (pipelined) run on every key of a keyspace up to 50,000 keys per budget
//   second (100,000 with the default 2 s), else on every k-th key
//   (k = ceil(DBSIZE / that)), each prefix's sample scaled by its exact count.
//   It stops when the budget is spent: on a huge keyspace the figures cover
//   what was scanned (complete 0).
// Limited: CONFIG GET refused (renamed or ACL) -> maxclients from INFO only,
// slower_than_s absent; SLOWLOG refused -> no slow_command facts; LATENCY
// refused -> no latency_event facts.  The monitor off (its default) gives no
// latency_event facts either; no window gives no redis.latency.  SCAN or MEMORY
// refused -> no key distribution facts.
//
// Errors: Unavailable when the server cannot be reached or refuses AUTH or
// INFO; InvalidArgument for a bad URL.  Messages show the URL with its
// password masked and never the password.
//
// Thread-safety: CollectRedis may run on any thread; calls share nothing.
#pragma once

#include <cstdint>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "collect/fact.h"
#include "core/status.h"

namespace vitals {

struct RedisOptions {
  std::string url;
  int64_t window_ns = 0;  // 0: one INFO sample, rates over the server's uptime
  int64_t timeout_ms = 5000;
  int slowlog_entries = 10;
  // Time for the key distribution walk (SCAN + MEMORY USAGE + PTTL); 0 skips it.
  int64_t key_budget_ns = 2'000'000'000;
};

Result<Collection> CollectRedis(const RedisOptions& options);

namespace detail {

// "# Section\r\nkey:value\r\n..." -> {key: value}.  Comment and blank lines are
// skipped; lines without ':' are ignored.
std::map<std::string, std::string> ParseRedisInfo(std::string_view info);

// The INFO-derived facts from one or two samples.  `second` may be null (no
// window): rates are then averages over uptime_in_seconds.  `window_s` is the
// time between the samples.
std::vector<Fact> RedisInfoFacts(const std::map<std::string, std::string>& first,
                                 const std::map<std::string, std::string>* second, double window_s,
                                 const std::string& subject);

struct SlowlogEntry {
  int64_t id = 0;
  int64_t unix_time_s = 0;
  int64_t duration_us = 0;
  std::vector<std::string> args;  // command name first
  std::string client;             // "addr" or "addr (name)"; Redis >= 4.0
};

// Command and arguments for display: the command name and its first argument
// (usually the key, cut to 64 bytes), every other argument as '?', AUTH and
// HELLO fully masked, at most `max_chars` in all.
std::string MaskRedisCommand(const std::vector<std::string>& args, size_t max_chars = 120);

// One redis.slow_command fact per command name (upper-cased).
std::vector<Fact> SlowlogFacts(const std::vector<SlowlogEntry>& entries, int64_t now_unix_s,
                               double slower_than_s, const std::string& subject);

}  // namespace detail
}  // namespace vitals
