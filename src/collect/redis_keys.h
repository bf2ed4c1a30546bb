// Key distribution for `vitals check --redis`: the keyspace walked with SCAN (never KEYS) and
// MEMORY USAGE and PTTL of every key, or of every k-th key on a large keyspace (pipelined),
// within a time budget, so the runbooks' "analyze key distribution, top N" is safe on a
// production server.  Internal to src/collect; the facts
// are documented in redis.h.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "collect/fact.h"
#include "collect/redis_session.h"
#include "core/status.h"

namespace vitals::detail {

struct KeyScanOptions {
  int64_t budget_ns = 2'000'000'000;  // stop walking when it is spent (the result says so)
  int scan_count = 1000;              // SCAN ... COUNT
  int top_keys = 10;
  int top_prefixes = 10;
  bool cache = false;            // maxmemory set and a policy that evicts
  bool volatile_policy = false;  // volatile-*: only keys with a TTL are evicted
  // Every key is counted (SCAN gives exact counts per prefix), but MEMORY USAGE and PTTL run
  // on every k-th key only, k = ceil(DBSIZE / (budget seconds x this)), at least 1: a
  // keyspace this size or smaller per budget second is measured key by key.  Memory and
  // no-TTL figures of a prefix are its sample scaled by its exact key count.
  int64_t sampled_keys_per_budget_s = 50'000;
};

// The sampling step for a keyspace of `dbsize` keys (see sampled_keys_per_budget_s).
int64_t SampleEvery(int64_t dbsize, const KeyScanOptions& o);

// The prefix a key is grouped under: its text up to the first ':' plus ":*" ("user:42" ->
// "user:*"), or "(no prefix)".  Cut to 64 bytes.
std::string KeyPrefix(std::string_view key);

// Aggregates keys as they are scanned; a unit of its own so it can be tested without a server.
class KeyStats {
 public:
  explicit KeyStats(const KeyScanOptions& o) : o_(o) {}
  // One scanned and sampled key: its MEMORY USAGE (< 0: unknown, e.g. it expired meanwhile)
  // and PTTL (-1: no TTL, -2: gone).
  void Add(std::string_view key, int64_t memory_bytes, int64_t pttl_ms);
  // One scanned key that was not sampled: counted under its prefix only.
  void Count(std::string_view key);
  // redis.keyspace, the top prefixes by memory (redis.key_prefix) and the biggest keys
  // (redis.big_key).  `sample_every` is the step the walk used (1: every key measured).
  std::vector<Fact> Facts(const std::string& subject, int64_t dbsize, bool complete, double scan_s,
                          int64_t sample_every = 1) const;
  int64_t scanned() const { return scanned_; }

 private:
  struct Prefix {
    std::string name;
    int64_t keys = 0;                             // every scanned key
    int64_t sampled = 0, memory = 0, no_ttl = 0;  // of the sampled keys
  };
  Prefix& PrefixOf(std::string_view key);
  struct Key {
    std::string name;
    int64_t memory = 0, pttl_ms = 0;
  };
  KeyScanOptions o_;
  int64_t scanned_ = 0, sampled_ = 0, memory_ = 0, no_ttl_ = 0;
  std::vector<Prefix> prefixes_;                   // unsorted, at most kMaxPrefixes + 1
  std::unordered_map<std::string, size_t> index_;  // prefix name -> position in prefixes_
  std::vector<Key> top_;                           // the biggest keys so far, at most o_.top_keys
};

// Walks the keyspace of the session's database.  Errors: Unavailable (connection); a
// refused SCAN / MEMORY (ACL, renamed) is Permission, which the caller reports as limited.
Result<std::vector<Fact>> ScanKeyDistribution(RedisSession& s, const KeyScanOptions& o,
                                              const std::string& subject);

}  // namespace vitals::detail
