// Shared by the `vitals tune` integration tests: the state a tune may change, read so that
// "before" and "after" can be compared byte for byte, and the dedicated servers
// (scripts/lib/servers.sh start_postgres_tune / start_redis_tune; never the shared ones other
// tests read in parallel).
#pragma once

#include <hiredis/hiredis.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "collect/dsn.h"
#include "integration/child_process.h"
#include "integration/pg_fixture.h"
#include "integration/require_server.h"

namespace vitals::tunetest {

inline std::string PgDsn() { return testing::EnvOrEmpty("VITALS_TEST_TUNE_PG_DSN"); }
inline std::string PgReplicaDsn() { return testing::EnvOrEmpty("VITALS_TEST_TUNE_PG_REPLICA_DSN"); }
inline std::string RedisUrl() { return testing::EnvOrEmpty("VITALS_TEST_TUNE_REDIS_URL"); }
inline std::string RedisNoConfigUrl() {
  return testing::EnvOrEmpty("VITALS_TEST_TUNE_REDIS_NOCONFIG_URL");
}

#define VITALS_REQUIRE_TUNE_SERVERS()                                            \
  do {                                                                           \
    VITALS_REQUIRE_SERVER("VITALS_TEST_TUNE_PG_DSN",                             \
                          "source scripts/lib/servers.sh; start_postgres_tune"); \
    VITALS_REQUIRE_SERVER("VITALS_TEST_TUNE_REDIS_URL",                          \
                          "source scripts/lib/servers.sh; start_redis_tune");    \
  } while (0)

// pg_settings' name|setting|source of every setting, and postgresql.auto.conf's bytes.
struct PgState {
  std::string settings;
  std::string auto_conf;
  bool operator==(const PgState&) const = default;
};

inline PgState ReadPg(const std::string& dsn) {
  pgtest::TestConn c(dsn);
  EXPECT_TRUE(c.ok()) << c.Error();
  PgState s;
  s.settings = c.Exec(
      "SELECT string_agg(name || '|' || setting || '|' || source, E'\\n' ORDER BY name) "
      "FROM pg_settings");
  s.auto_conf = c.Exec("SELECT pg_read_file('postgresql.auto.conf')");
  return s;
}

inline std::string PgShow(const std::string& dsn, const std::string& name) {
  pgtest::TestConn c(dsn);
  return c.Exec("SELECT current_setting('" + name + "')");
}

// CONFIG GET * as "name=value" lines, sorted.
inline std::string ReadRedis(const std::string& url) {
  auto port = std::stoi(url.substr(url.rfind(':') + 1));
  redisContext* c = redisConnect("127.0.0.1", port);
  EXPECT_TRUE(c != nullptr && c->err == 0);
  std::map<std::string, std::string> kv;
  auto* r = static_cast<redisReply*>(redisCommand(c, "CONFIG GET *"));
  EXPECT_TRUE(r != nullptr && r->type == REDIS_REPLY_ARRAY);
  for (size_t i = 0; r != nullptr && i + 1 < r->elements; i += 2) {
    kv[r->element[i]->str] = r->element[i + 1]->str;
  }
  freeReplyObject(r);
  redisFree(c);
  std::string out;
  for (const auto& [k, v] : kv) out += k + "=" + v + "\n";
  return out;
}

inline std::string RedisGet(const std::string& url, const std::string& name) {
  std::string all = ReadRedis(url);
  std::istringstream in(all);
  for (std::string line; std::getline(in, line);) {
    if (line.rfind(name + "=", 0) == 0) return line.substr(name.size() + 1);
  }
  return "";
}

// A --proc-sys-root fixture: the sysctls tune reads, with a distro's defaults.
class SysFixture {
 public:
  SysFixture() {
    char tmpl[] = "/tmp/vitals-tune-sys.XXXXXX";
    root_ = mkdtemp(tmpl);
    Write("net/core/somaxconn", "128\n");
    Write("net/ipv4/ip_local_port_range", "32768\t60999\n");
    Write("net/ipv4/tcp_tw_reuse", "2\n");
    Write("vm/swappiness", "60\n");
    Write("vm/overcommit_memory", "0\n");
    Write("fs/file-max", "9223372036854775807\n");
  }
  ~SysFixture() { std::filesystem::remove_all(root_); }
  const std::string& root() const { return root_; }
  void Write(const std::string& rel, const std::string& text) {
    std::filesystem::create_directories(std::filesystem::path(root_ + "/" + rel).parent_path());
    std::ofstream(root_ + "/" + rel, std::ios::binary | std::ios::trunc) << text;
  }
  std::string Read(const std::string& rel) const {
    std::ifstream in(root_ + "/" + rel, std::ios::binary);
    std::ostringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  // Every file's path and bytes.
  std::string Snapshot() const {
    std::map<std::string, std::string> files;
    for (const auto& e : std::filesystem::recursive_directory_iterator(root_)) {
      if (e.is_regular_file()) files[e.path().string()] = Read(e.path().lexically_relative(root_));
    }
    std::string out;
    for (const auto& [p, b] : files) out += p + "\n" + b + "\n--\n";
    return out;
  }

 private:
  std::string root_;
};

struct TuneRun {
  int exit_code = -1;
  std::string out, err;
};

inline TuneRun RunTune(std::vector<std::string> args, int timeout_ms = 120000) {
  args.insert(args.begin(), "tune");
  TuneRun r;
  r.exit_code = testing::RunVitals(args, &r.out, &r.err, timeout_ms);
  return r;
}

// The backup id from "Backup <id> (vitals tune --rollback ...", or "".
inline std::string BackupId(const std::string& out) {
  std::smatch m;
  static const std::regex kId(R"(Backup (\d{8}T\d{6}-[0-9a-f]{4}) )");
  return std::regex_search(out, m, kId) ? m[1].str() : "";
}

// A fresh store path in a temp dir (removed with the object).
class TempStore {
 public:
  TempStore() {
    char tmpl[] = "/tmp/vitals-tune-store.XXXXXX";
    dir_ = mkdtemp(tmpl);
  }
  ~TempStore() { std::filesystem::remove_all(dir_); }
  std::string path() const { return dir_ + "/v.db"; }

 private:
  std::string dir_;
};

}  // namespace vitals::tunetest
