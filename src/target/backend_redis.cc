// --redis URL: cache-aside against a real Redis over hiredis (see backend.h).
#include <hiredis/hiredis.h>

#include <charconv>

#include <fmt/format.h>

#include "core/redact.h"
#include "target/backend.h"

namespace vitals::detail {
namespace {

constexpr timeval kTimeout{5, 0};

// redis://[[user]:password@]host[:port][/db], or host[:port].
struct RedisAddress {
  std::string host = "127.0.0.1";
  int port = 6379;
  std::string user, password;
  int db = 0;
};

Result<RedisAddress> ParseUrl(std::string_view url) {
  auto bad = [&](std::string_view why) {
    return Status::InvalidArgument(
        fmt::format("--redis '{}': {}; expected redis://[[user]:password@]host[:port][/db], "
                    "e.g. redis://127.0.0.1:6379/0",
                    RedactSecrets(url), why));
  };
  RedisAddress a;
  std::string_view rest = url;
  if (size_t s = rest.find("://"); s != std::string_view::npos) {
    if (rest.substr(0, s) != "redis") return bad("only redis:// is supported (no TLS)");
    rest.remove_prefix(s + 3);
  }
  if (size_t at = rest.rfind('@'); at != std::string_view::npos) {
    std::string_view cred = rest.substr(0, at);
    rest.remove_prefix(at + 1);
    if (size_t colon = cred.find(':'); colon != std::string_view::npos) {
      a.user = std::string(cred.substr(0, colon));
      a.password = std::string(cred.substr(colon + 1));
    } else {
      a.password = std::string(cred);
    }
  }
  if (size_t slash = rest.find('/'); slash != std::string_view::npos) {
    std::string_view db = rest.substr(slash + 1);
    rest = rest.substr(0, slash);
    if (!db.empty()) {
      auto [p, ec] = std::from_chars(db.data(), db.data() + db.size(), a.db);
      if (ec != std::errc() || p != db.data() + db.size() || a.db < 0) return bad("bad db number");
    }
  }
  if (size_t colon = rest.rfind(':'); colon != std::string_view::npos) {
    std::string_view port = rest.substr(colon + 1);
    auto [p, ec] = std::from_chars(port.data(), port.data() + port.size(), a.port);
    if (ec != std::errc() || p != port.data() + port.size() || a.port < 1 || a.port > 65535) {
      return bad("port must be 1..65535");
    }
    rest = rest.substr(0, colon);
  }
  if (!rest.empty()) a.host = std::string(rest);
  return a;
}

struct ReplyFree {
  void operator()(redisReply* r) const { freeReplyObject(r); }
};
using Reply = std::unique_ptr<redisReply, ReplyFree>;

class RedisBackend final : public Backend {
 public:
  RedisBackend(RedisAddress address, std::string display, int thread, int64_t value_bytes)
      : Backend("redis"),
        address_(std::move(address)),
        display_(std::move(display)),
        prefix_(fmt::format("vitals:item:{}:", thread)),
        value_(size_t(value_bytes), 'v') {}
  ~RedisBackend() override { Drop(); }

  // Connects, authenticates, selects the db and PINGs; the error names display_.
  Status Connect() {
    Drop();
    ctx_ = redisConnectWithTimeout(address_.host.c_str(), address_.port, kTimeout);
    if (ctx_ == nullptr || ctx_->err) {
      std::string why = ctx_ ? ctx_->errstr : "out of memory";
      Drop();
      return Status::Unavailable(fmt::format("cannot connect to Redis {}: {}", display_, why));
    }
    redisSetTimeout(ctx_, kTimeout);
    if (!address_.password.empty()) {
      Reply r = address_.user.empty()
                    ? Command("AUTH %b", address_.password.data(), address_.password.size())
                    : Command("AUTH %b %b", address_.user.data(), address_.user.size(),
                              address_.password.data(), address_.password.size());
      if (Status st = Expect(r, "AUTH"); !st.ok()) return st;
    }
    if (address_.db != 0) {
      if (Status st = Expect(Command("SELECT %d", address_.db), "SELECT"); !st.ok()) return st;
    }
    return Expect(Command("PING"), "PING");
  }

  BackendAnswer Call(uint64_t key, FastRng&) override {
    if (ctx_ == nullptr) {
      if (Status st = Connect(); !st.ok()) return Fail(st.message());
    }
    key_.assign(prefix_);
    key_ += std::to_string(key);
    Reply get = Command("GET %b", key_.data(), key_.size());
    if (Status st = Expect(get, "GET"); !st.ok()) return Fail(st.message());
    if (get->type == REDIS_REPLY_STRING) {
      Bump(hits_);
      return BackendAnswer{200, "hit", -1};
    }
    Reply set = Command("SET %b %b", key_.data(), key_.size(), value_.data(), value_.size());
    if (Status st = Expect(set, "SET"); !st.ok()) return Fail(st.message());
    Bump(misses_);
    return BackendAnswer{200, "miss", -1};
  }

 private:
  template <typename... Args>
  Reply Command(const char* format, Args... args) {
    return Reply(static_cast<redisReply*>(redisCommand(ctx_, format, args...)));
  }
  // Ok for a non-error reply; otherwise the reason, dropping the connection when it broke.
  Status Expect(const Reply& r, const char* what) {
    if (!r) {
      std::string why = ctx_->errstr;
      Drop();
      return Status::Unavailable(fmt::format("Redis {} {}: {}", display_, what, why));
    }
    if (r->type == REDIS_REPLY_ERROR) {
      return Status::Unavailable(
          fmt::format("Redis {} {}: {}", display_, what, std::string(r->str, r->len)));
    }
    return Status::Ok();
  }
  void Drop() {
    if (ctx_ != nullptr) redisFree(ctx_);
    ctx_ = nullptr;
  }

  const RedisAddress address_;
  const std::string display_, prefix_, value_;
  std::string key_;
  redisContext* ctx_ = nullptr;
};

}  // namespace

Result<std::unique_ptr<Backend>> ConnectRedisBackend(const BackendOptions& options, int thread,
                                                     int64_t value_bytes) {
  auto address = ParseUrl(options.url);
  if (!address.ok()) return address.status();
  auto b =
      std::make_unique<RedisBackend>(*address, RedactSecrets(options.url), thread, value_bytes);
  if (Status st = b->Connect(); !st.ok()) return Status::Unavailable(RedactSecrets(st.message()));
  return std::unique_ptr<Backend>(std::move(b));
}

}  // namespace vitals::detail
