// A hiredis connection with our error mapping, shared by the Redis collector's files.
// Internal to src/collect (see redis.h for the collector's contract).
//
// Thread-safety: one session per thread.
#pragma once

#include <hiredis/hiredis.h>

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"

namespace vitals::detail {

struct ContextDeleter {
  void operator()(redisContext* c) const { redisFree(c); }
};
struct ReplyDeleter {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using ReplyPtr = std::unique_ptr<redisReply, ReplyDeleter>;

class RedisSession {
 public:
  // Takes ownership of `c`.  `display` is the masked URL for messages; `secrets` are scrubbed
  // from every message the server or hiredis produces.
  RedisSession(redisContext* c, std::string display, std::vector<std::string> secrets)
      : ctx_(c), display_(std::move(display)), secrets_(std::move(secrets)) {}

  // A reply that is not an error, or Unavailable (connection) / Permission (error reply:
  // renamed command, ACL, NOAUTH).
  Result<ReplyPtr> Run(const std::vector<std::string>& args);

  // Pipelining: Append queues a command without waiting; Next reads the reply of the oldest
  // queued one (same errors as Run).  Every Append must be matched by one Next.
  Status Append(const std::vector<std::string>& args);
  Result<ReplyPtr> Next();
  // Sends what Append queued now.  Next sends only when no reply is buffered yet, so a
  // pipeline that wants the server busy while it parses must flush itself.  Errors:
  // Unavailable (connection).
  Status Flush();

  const std::string& display() const { return display_; }

 private:
  Result<ReplyPtr> Check(redisReply* raw);

  std::unique_ptr<redisContext, ContextDeleter> ctx_;
  std::string display_;
  std::vector<std::string> secrets_;
};

// The text of a string or status reply, "" otherwise.
std::string ReplyString(const redisReply* r);

// A session opened from a redis:// URL (AUTH done when the URL has a password), with the
// subject facts are about ("host:port", "[::1]:port").
struct OpenedRedis {
  std::unique_ptr<RedisSession> session;
  std::string subject;
};
// Errors: InvalidArgument for a bad URL; Unavailable when the server cannot be reached or
// refuses AUTH (the message names the URL with its password masked).  `timeout_ms` bounds the
// connect and every later command.
Result<OpenedRedis> OpenRedisSession(const std::string& url, int64_t timeout_ms);

// INFO parsed (ParseRedisInfo); Unavailable when it fails or is refused.
Result<std::map<std::string, std::string>> Info(RedisSession& s);

// CONFIG GET <name> -> value, or nullopt when the reply has no such entry.
Result<std::optional<std::string>> ConfigGet(RedisSession& s, const std::string& name);

}  // namespace vitals::detail
