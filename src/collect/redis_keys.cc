#include "collect/redis_keys.h"

#include <algorithm>
#include <cmath>
#include <unordered_map>

#include "core/clock.h"

namespace vitals::detail {
namespace {
constexpr size_t kMaxPrefixes = 10'000;
}  // namespace

std::string KeyPrefix(std::string_view key) {
  const size_t colon = key.find(':');
  if (colon == std::string_view::npos || colon == 0) return "(no prefix)";
  return std::string(key.substr(0, std::min<size_t>(colon, 62))) + ":*";
}

int64_t SampleEvery(int64_t dbsize, const KeyScanOptions& o) {
  const double per_budget =
      std::max(1.0, double(o.budget_ns) / 1e9 * double(o.sampled_keys_per_budget_s));
  return std::max<int64_t>(1, int64_t(std::ceil(double(dbsize) / per_budget)));
}

KeyStats::Prefix& KeyStats::PrefixOf(std::string_view key) {
  // Bounded: keys without a common prefix scheme would make one prefix per key.
  std::string prefix = KeyPrefix(key);
  auto found = index_.find(prefix);
  if (found == index_.end()) {
    if (prefixes_.size() >= kMaxPrefixes) prefix = "(other prefixes)";
    found = index_.find(prefix);
    if (found == index_.end()) {
      found = index_.emplace(prefix, prefixes_.size()).first;
      prefixes_.push_back({prefix});
    }
  }
  return prefixes_[found->second];
}

void KeyStats::Count(std::string_view key) {
  ++scanned_;
  ++PrefixOf(key).keys;
}

void KeyStats::Add(std::string_view key, int64_t memory_bytes, int64_t pttl_ms) {
  if (pttl_ms == -2) return;  // gone between SCAN and the lookup
  ++scanned_;
  ++sampled_;
  const int64_t mem = std::max<int64_t>(0, memory_bytes);
  memory_ += mem;
  const bool no_ttl = pttl_ms == -1;
  no_ttl_ += no_ttl;
  Prefix* it = &PrefixOf(key);
  ++it->keys;
  ++it->sampled;
  it->memory += mem;
  it->no_ttl += no_ttl;
  if (o_.top_keys <= 0) return;
  if (int(top_.size()) < o_.top_keys || mem > top_.back().memory) {
    if (int(top_.size()) == o_.top_keys) top_.pop_back();
    Key k{std::string(key.substr(0, 128)), mem, pttl_ms};
    top_.insert(std::upper_bound(top_.begin(), top_.end(), k,
                                 [](const Key& a, const Key& b) { return a.memory > b.memory; }),
                std::move(k));
  }
}

std::vector<Fact> KeyStats::Facts(const std::string& subject, int64_t dbsize, bool complete,
                                  double scan_s, int64_t sample_every) const {
  std::vector<Fact> out;
  auto fact = [&](const char* kind, std::string subj) {
    Fact f;
    f.component = "redis";
    f.kind = kind;
    f.subject = std::move(subj);
    f.num["cache"] = o_.cache ? 1 : 0;
    f.num["volatile_policy"] = o_.volatile_policy ? 1 : 0;
    return f;
  };
  Fact ks = fact("redis.keyspace", subject);
  ks.num["keys"] = double(dbsize);
  ks.num["scanned"] = double(scanned_);
  ks.num["complete"] = complete ? 1 : 0;
  ks.num["scan_s"] = scan_s;
  // A prefix's memory and keys without TTL: its sample scaled by its exact key count (a
  // prefix no sampled key fell in gets the keyspace's average bytes per sampled key).
  const double avg_all = sampled_ > 0 ? double(memory_) / double(sampled_) : 0;
  const double no_ttl_all = sampled_ > 0 ? double(no_ttl_) / double(sampled_) : 0;
  struct Scaled {
    const Prefix* p;
    double memory, no_ttl;
  };
  std::vector<Scaled> order;
  double memory_total = 0, no_ttl_total = 0;
  for (const Prefix& p : prefixes_) {
    Scaled sc{&p, 0, 0};
    if (p.sampled > 0 && p.sampled == p.keys) {
      sc.memory = double(p.memory), sc.no_ttl = double(p.no_ttl);
    } else if (p.sampled > 0) {
      const double scale = double(p.keys) / double(p.sampled);
      sc.memory = double(p.memory) * scale, sc.no_ttl = double(p.no_ttl) * scale;
    } else {
      sc.memory = avg_all * double(p.keys), sc.no_ttl = no_ttl_all * double(p.keys);
    }
    memory_total += sc.memory;
    no_ttl_total += sc.no_ttl;
    order.push_back(sc);
  }
  const bool sampled = sampled_ < scanned_;
  ks.num["memory_bytes"] = std::round(memory_total);
  ks.num["no_ttl_keys"] = std::round(no_ttl_total);
  if (scanned_ > 0) ks.num["no_ttl_ratio"] = no_ttl_total / double(scanned_);
  ks.num["sampled"] = double(sampled_);
  ks.num["sample_every"] = double(sample_every);
  ks.text["memory"] = sampled ? "sampled: MEMORY USAGE and PTTL of 1 key in " +
                                    std::to_string(sample_every) + " (" + std::to_string(sampled_) +
                                    " keys), scaled by each prefix's exact key count"
                              : "every scanned key measured";
  out.push_back(std::move(ks));

  std::sort(order.begin(), order.end(), [](const Scaled& a, const Scaled& b) {
    return a.memory != b.memory ? a.memory > b.memory : a.p->keys > b.p->keys;
  });
  for (size_t i = 0; i < order.size() && int(i) < o_.top_prefixes; ++i) {
    const Prefix& p = *order[i].p;
    Fact f = fact("redis.key_prefix", subject + " " + p.name);
    f.text["prefix"] = p.name;
    f.num["rank"] = double(i + 1);
    f.num["keys"] = double(p.keys);
    f.num["sampled_keys"] = double(p.sampled);
    f.num["memory_bytes"] = std::round(order[i].memory);
    f.num["avg_bytes"] = p.keys > 0 ? order[i].memory / double(p.keys) : 0;
    f.num["memory_share"] = memory_total > 0 ? order[i].memory / memory_total : 0;
    f.num["key_share"] = scanned_ > 0 ? double(p.keys) / double(scanned_) : 0;
    f.num["no_ttl_keys"] = std::round(order[i].no_ttl);
    f.num["no_ttl_ratio"] = p.keys > 0 ? order[i].no_ttl / double(p.keys) : 0;
    f.text["memory"] = sampled ? "estimated from a sample" : "measured";
    out.push_back(std::move(f));
  }
  for (size_t i = 0; i < top_.size(); ++i) {
    Fact f = fact("redis.big_key", subject + " " + top_[i].name);
    f.text["key"] = top_[i].name;
    f.num["rank"] = double(i + 1);
    f.num["memory_bytes"] = double(top_[i].memory);
    f.num["ttl_s"] = top_[i].pttl_ms >= 0 ? double(top_[i].pttl_ms) / 1e3 : -1;
    f.text["found_in"] = sampled ? "the sampled keys" : "every key";
    out.push_back(std::move(f));
  }
  return out;
}

namespace {

// Reads the MEMORY USAGE and PTTL replies of one page (sent in that order per key).
Status ReadPage(RedisSession& s, const std::vector<std::string>& keys, KeyStats* stats) {
  Status refused = Status::Ok();
  for (const std::string& k : keys) {
    auto mem = s.Next();
    auto ttl = s.Next();  // read both before returning: the pipeline stays in step
    if (!mem.ok() && mem.status().code() == Status::Code::kUnavailable) return mem.status();
    if (!ttl.ok() && ttl.status().code() == Status::Code::kUnavailable) return ttl.status();
    if (!mem.ok()) refused = mem.status();
    if (!ttl.ok()) refused = ttl.status();
    if (!mem.ok() || !ttl.ok()) continue;
    const int64_t bytes = (*mem)->type == REDIS_REPLY_INTEGER ? (*mem)->integer : -1;
    stats->Add(k, bytes, (*ttl)->integer);
  }
  return refused;
}

}  // namespace

Result<std::vector<Fact>> ScanKeyDistribution(RedisSession& s, const KeyScanOptions& o,
                                              const std::string& subject) {
  const int64_t start = MonotonicNs();
  auto dbsize = s.Run({"DBSIZE"});
  if (!dbsize.ok()) return dbsize.status();
  const int64_t keys = (*dbsize)->integer;
  const int64_t every = SampleEvery(keys, o);
  int64_t seen = 0;
  KeyStats stats(o);
  const std::string count = std::to_string(o.scan_count);
  // Two pages in flight, so the server always has queued work while we parse: the stream is
  // SCAN(c0) | SCAN(c1) cmds(page0) | SCAN(c2) cmds(page1) | ...; each turn reads one SCAN
  // reply, sends the next SCAN and the page's commands, then reads the previous page.
  VITALS_RETURN_IF_ERROR(s.Append({"SCAN", "0", "COUNT", count}));
  bool scan_pending = true, complete = false;
  std::vector<std::string> previous, page;
  bool have_previous = false;
  while (scan_pending) {
    auto reply = s.Next();
    scan_pending = false;
    if (!reply.ok()) {
      if (have_previous) (void)ReadPage(s, previous, &stats);
      return reply.status();
    }
    const redisReply* r = reply->get();
    if (r->type != REDIS_REPLY_ARRAY || r->elements < 2) {
      return Status::Unavailable(s.display() + ": SCAN returned an unexpected reply");
    }
    const std::string cursor = ReplyString(r->element[0]);
    complete = cursor == "0";
    if (!complete && MonotonicNs() - start < o.budget_ns) {
      // Out at once: the server scans the next page while this one is parsed (SCAN is
      // sequential, so this overlap is the only one there is).
      VITALS_RETURN_IF_ERROR(s.Append({"SCAN", cursor, "COUNT", count}));
      VITALS_RETURN_IF_ERROR(s.Flush());
      scan_pending = true;
    }
    // Keys not sampled are only counted; the sampled ones wait in `page` for their replies.
    page.clear();
    for (size_t i = 0; i < r->element[1]->elements; ++i) {
      const redisReply* e = r->element[1]->element[i];
      if (seen++ % every != 0) {
        stats.Count(std::string_view(e->str != nullptr ? e->str : "", e->len));
        continue;
      }
      page.push_back(ReplyString(e));
      VITALS_RETURN_IF_ERROR(s.Append({"MEMORY", "USAGE", page.back()}));
      VITALS_RETURN_IF_ERROR(s.Append({"PTTL", page.back()}));
    }
    VITALS_RETURN_IF_ERROR(s.Flush());
    if (have_previous) VITALS_RETURN_IF_ERROR(ReadPage(s, previous, &stats));
    previous.swap(page);
    have_previous = true;
  }
  if (have_previous) VITALS_RETURN_IF_ERROR(ReadPage(s, previous, &stats));
  return stats.Facts(subject, keys, complete, double(MonotonicNs() - start) / 1e9, every);
}

}  // namespace vitals::detail
