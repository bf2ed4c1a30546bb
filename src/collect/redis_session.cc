#include "collect/redis_session.h"

#include <fmt/format.h>

#include "collect/dsn.h"
#include "collect/redis.h"

namespace vitals::detail {
namespace {

void ArgvOf(const std::vector<std::string>& args, std::vector<const char*>* argv,
            std::vector<size_t>* lens) {
  for (const auto& a : args) {
    argv->push_back(a.data());
    lens->push_back(a.size());
  }
}

}  // namespace

Result<ReplyPtr> RedisSession::Check(redisReply* raw) {
  ReplyPtr reply(raw);
  if (!reply) {
    return Status::Unavailable(
        fmt::format("{}: {}", display_, ScrubSecrets(ctx_->errstr, secrets_)));
  }
  if (reply->type == REDIS_REPLY_ERROR) {
    return Status::Permission(ScrubSecrets(std::string(reply->str, reply->len), secrets_));
  }
  return reply;
}

Result<ReplyPtr> RedisSession::Run(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  ArgvOf(args, &argv, &lens);
  return Check(static_cast<redisReply*>(
      redisCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data())));
}

Status RedisSession::Append(const std::vector<std::string>& args) {
  std::vector<const char*> argv;
  std::vector<size_t> lens;
  ArgvOf(args, &argv, &lens);
  if (redisAppendCommandArgv(ctx_.get(), static_cast<int>(argv.size()), argv.data(), lens.data()) !=
      REDIS_OK) {
    return Status::Unavailable(
        fmt::format("{}: {}", display_, ScrubSecrets(ctx_->errstr, secrets_)));
  }
  return Status::Ok();
}

Status RedisSession::Flush() {
  int done = 0;
  while (done == 0) {
    if (redisBufferWrite(ctx_.get(), &done) != REDIS_OK) {
      return Status::Unavailable(
          fmt::format("{}: {}", display_, ScrubSecrets(ctx_->errstr, secrets_)));
    }
  }
  return Status::Ok();
}

Result<ReplyPtr> RedisSession::Next() {
  void* raw = nullptr;
  if (redisGetReply(ctx_.get(), &raw) != REDIS_OK) return Check(nullptr);
  return Check(static_cast<redisReply*>(raw));
}

std::string ReplyString(const redisReply* r) {
  if (r && (r->type == REDIS_REPLY_STRING || r->type == REDIS_REPLY_STATUS)) {
    return std::string(r->str, r->len);
  }
  return "";
}

Result<std::optional<std::string>> ConfigGet(RedisSession& s, const std::string& name) {
  auto reply = s.Run({"CONFIG", "GET", name});
  if (!reply.ok()) return reply.status();
  const redisReply* r = reply->get();
  if (r->type == REDIS_REPLY_ARRAY && r->elements >= 2) {
    return std::optional<std::string>(ReplyString(r->element[1]));
  }
  return std::optional<std::string>();
}

Result<OpenedRedis> OpenRedisSession(const std::string& url_text, int64_t timeout_ms) {
  auto url = ParseRedisUrl(url_text);
  if (!url.ok()) return url.status();
  const std::string masked = MaskDsn(url_text);
  const std::vector<std::string> secrets =
      url->password.empty() ? std::vector<std::string>{} : std::vector<std::string>{url->password};
  OpenedRedis out;
  out.subject = url->host.find(':') != std::string::npos
                    ? fmt::format("[{}]:{}", url->host, url->port)
                    : fmt::format("{}:{}", url->host, url->port);
  timeval tv{static_cast<time_t>(timeout_ms / 1000),
             static_cast<suseconds_t>((timeout_ms % 1000) * 1000)};
  redisContext* raw = redisConnectWithTimeout(url->host.c_str(), url->port, tv);
  if (raw == nullptr)
    return Status::Unavailable(fmt::format("cannot connect to {}: out of memory", masked));
  if (raw->err) {
    std::string err = ScrubSecrets(raw->errstr, secrets);
    redisFree(raw);
    return Status::Unavailable(fmt::format("cannot connect to {}: {}", masked, err));
  }
  redisSetTimeout(raw, tv);
  out.session = std::make_unique<RedisSession>(raw, masked, secrets);
  if (!url->password.empty()) {
    std::vector<std::string> auth = {"AUTH"};
    if (!url->user.empty()) auth.push_back(url->user);
    auth.push_back(url->password);
    auto reply = out.session->Run(auth);
    if (!reply.ok()) {
      return Status::Unavailable(
          fmt::format("{}: authentication failed: {}", masked, reply.status().message()));
    }
  }
  return out;
}

Result<std::map<std::string, std::string>> Info(RedisSession& s) {
  auto reply = s.Run({"INFO"});
  if (!reply.ok()) {
    if (reply.status().code() == Status::Code::kUnavailable) return reply.status();
    return Status::Unavailable(
        fmt::format("{}: INFO refused: {}", s.display(), reply.status().message()));
  }
  return ParseRedisInfo(ReplyString(reply->get()));
}

}  // namespace vitals::detail
