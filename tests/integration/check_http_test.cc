// `vitals check --http` against Debian's nginx, started here twice on loopback: once without
// gzip, caching headers or keep-alive (the hygiene findings must appear) and once with them
// (they must disappear).  Needs nginx (scripts/setup installs nginx-light).
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>
#include <thread>

#include "integration/check_cli.h"
#include "integration/require_server.h"

namespace vitals {
namespace {

namespace fs = std::filesystem;
using testing::JsonFindings;
using testing::RunCheck;

int FreePort() {
  int fd = socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof a;
  if (bind(fd, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0 ||
      getsockname(fd, reinterpret_cast<sockaddr*>(&a), &len) != 0) {
    close(fd);
    return -1;
  }
  const int port = ntohs(a.sin_port);
  close(fd);
  return port;
}

// An nginx serving `dir/www` with `extra` in its server block, on a free loopback port;
// `listen_options` go on its listen line (" ssl", " ssl http2").
class Nginx {
 public:
  Nginx(const fs::path& dir, const std::string& extra, const std::string& listen_options = "")
      : dir_(dir), tls_(listen_options.find("ssl") != std::string::npos) {
    fs::create_directories(dir / "www");
    fs::create_directories(dir / "tmp");
    std::string js;
    for (int i = 0; i < 400; ++i) js += "function f" + std::to_string(i) + "() { return 42; }\n";
    std::ofstream(dir / "www" / "app.js") << js;
    std::ofstream(dir / "www" / "healthz") << "ok\n";
    port_ = FreePort();
    std::ofstream conf(dir / "nginx.conf");
    conf << "worker_processes 1; daemon on; pid " << (dir / "nginx.pid").string() << ";\n"
         << "error_log " << (dir / "error.log").string() << " warn;\n"
         << "events { worker_connections 64; }\n"
         << "http { access_log off; types { application/javascript js; text/plain txt; }\n"
         << "  default_type text/plain;\n"
         << "  client_body_temp_path " << (dir / "tmp").string() << "; proxy_temp_path "
         << (dir / "tmp").string() << "; fastcgi_temp_path " << (dir / "tmp").string()
         << "; uwsgi_temp_path " << (dir / "tmp").string() << "; scgi_temp_path "
         << (dir / "tmp").string() << ";\n"
         << "  server { listen 127.0.0.1:" << port_ << listen_options << "; root "
         << (dir / "www").string() << ";\n    " << extra << "\n  }\n}\n";
    conf.close();
    const std::string cmd = "nginx -c " + (dir / "nginx.conf").string() + " -p " + dir.string() +
                            " -e " + (dir / "error.log").string() + " 2>&1";
    ok_ = std::system(cmd.c_str()) == 0;
    for (int i = 0; ok_ && i < 50 && !fs::exists(dir / "nginx.pid"); ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
  }
  // Stops nginx and waits until it has gone (it removes its pid file as it exits).
  ~Nginx() {
    std::ifstream pid(dir_ / "nginx.pid");
    int p = 0;
    if (!(pid >> p) || p <= 0) return;
    kill(p, SIGTERM);
    for (int i = 0; i < 100 && kill(p, 0) == 0; ++i) {
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
  }
  bool ok() const { return ok_ && port_ > 0; }
  std::string Url(const std::string& path) const {
    return std::string(tls_ ? "https" : "http") + "://127.0.0.1:" + std::to_string(port_) + path;
  }

 private:
  fs::path dir_;
  bool tls_ = false;
  int port_ = -1;
  bool ok_ = false;
};

bool HaveNginx() { return std::system("command -v nginx >/dev/null 2>&1") == 0; }

class HttpCheck : public ::testing::Test {
 protected:
  void SetUp() override {
    VITALS_REQUIRE(HaveNginx(), "nginx", "scripts/setup installs it (apt-get install nginx-light)");
    dir_ = fs::temp_directory_path() /
           ("vitals-http-" + std::to_string(getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::error_code ec;
    fs::remove_all(dir_, ec);
  }
  void TearDown() override {
    std::error_code ec;  // never throw from here: a leftover temp dir is not a failure
    fs::remove_all(dir_, ec);
  }
  fs::path dir_;
};

TEST_F(HttpCheck, FindingsAppearWithoutHygieneAndDisappearWithIt) {
  testing::CliResult bad, good;
  {
    Nginx plain(dir_ / "plain", "keepalive_timeout 0; gzip off; etag off;");
    ASSERT_TRUE(plain.ok());
    bad = RunCheck({"--http", plain.Url("/app.js"), "--http", plain.Url("/healthz")});
  }
  ASSERT_TRUE(bad.doc.is_object()) << bad.out << bad.err;
  EXPECT_EQ(JsonFindings(bad, "http.no_compression").size(), 1u) << bad.out;
  EXPECT_EQ(JsonFindings(bad, "http.static_no_cache").size(), 1u) << bad.out;
  EXPECT_EQ(JsonFindings(bad, "http.no_keepalive").size(), 2u) << bad.out;
  bool timing = false;
  for (const auto& f : bad.doc["observed"]) {
    if (f["kind"] != "http.endpoint") continue;
    for (const char* k : {"dns_s", "connect_s", "ttfb_s", "total_s", "body_bytes"}) {
      EXPECT_TRUE(f["num"].contains(k)) << k;
    }
    if (f["subject"].get<std::string>().find("app.js") != std::string::npos) {
      EXPECT_GT(f["num"]["body_bytes"].get<double>(), 10'000);
      EXPECT_EQ(f["num"]["health"].get<double>(), 0);
      timing = true;
    } else {
      EXPECT_EQ(f["num"]["health"].get<double>(), 1);
    }
  }
  EXPECT_TRUE(timing);

  {
    Nginx tuned(dir_ / "tuned",
                "keepalive_timeout 30s; gzip on; gzip_types application/javascript; "
                "location ~ \\.js$ { expires 1h; }");
    ASSERT_TRUE(tuned.ok());
    good = RunCheck({"--http", tuned.Url("/app.js"), "--http", tuned.Url("/healthz")});
  }
  ASSERT_TRUE(good.doc.is_object()) << good.out << good.err;
  for (const char* id : {"http.no_compression", "http.static_no_cache", "http.no_keepalive"}) {
    EXPECT_TRUE(JsonFindings(good, id).empty()) << id << "\n" << good.out;
  }
  for (const auto& f : good.doc["observed"]) {
    if (f["kind"] == "http.endpoint" &&
        f["subject"].get<std::string>().find("app.js") != std::string::npos) {
      EXPECT_EQ(f["text"]["content_encoding"], "gzip");
      EXPECT_LT(f["num"]["body_bytes"].get<double>(), 5'000);  // compressed on the wire
      EXPECT_EQ(f["num"]["keep_alive"].get<double>(), 1);
    }
  }
}

// HTTP/2 offered by ALPN on a TLS listener: nginx with and without `http2` on it, with the
// certificate start_nginx_tls made (signed by its CA, valid for 127.0.0.1).
TEST_F(HttpCheck, Http2OfferedByAlpnOrNot) {
  const char* tls_dir = std::getenv("VITALS_TEST_TLS_DIR");
  VITALS_REQUIRE_SERVER("VITALS_TEST_TLS_DIR", "source scripts/lib/servers.sh; start_nginx_tls");
  const std::string certs = std::string("ssl_certificate ") + tls_dir + "/server.pem; " +
                            "ssl_certificate_key " + tls_dir + "/server.key;";
  const std::string ca = std::string(tls_dir) + "/ca.pem";
  testing::CliResult h1, h2;
  {
    Nginx nginx(dir_ / "h1", certs, " ssl");
    ASSERT_TRUE(nginx.ok());
    h1 = RunCheck({"--http", nginx.Url("/healthz"), "--http-cacert", ca});
  }
  ASSERT_TRUE(h1.doc.is_object()) << h1.out << h1.err;
  auto no_h2 = JsonFindings(h1, "http.no_http2");
  ASSERT_EQ(no_h2.size(), 1u) << h1.out;
  EXPECT_NE(no_h2[0].value("evidence", "").find("the server chose http/1.1"), std::string::npos)
      << no_h2[0].dump();
  {
    Nginx nginx(dir_ / "h2", certs, " ssl http2");
    ASSERT_TRUE(nginx.ok());
    h2 = RunCheck({"--http", nginx.Url("/healthz"), "--http-cacert", ca});
  }
  ASSERT_TRUE(h2.doc.is_object()) << h2.out << h2.err;
  EXPECT_TRUE(JsonFindings(h2, "http.no_http2").empty()) << h2.out;
  bool seen = false;
  for (const auto& f : h2.doc["observed"]) {
    if (f["kind"] != "http.endpoint") continue;
    EXPECT_EQ(f["num"]["h2_offered"].get<double>(), 1);
    EXPECT_EQ(f["text"]["alpn"], "h2");
    seen = true;
  }
  EXPECT_TRUE(seen) << h2.out;
}

TEST_F(HttpCheck, AClosedPortIsACheckErrorNamingTheUrl) {
  const int port = FreePort();  // nothing listens there
  const std::string url = "http://127.0.0.1:" + std::to_string(port) + "/healthz";
  testing::CliResult r = RunCheck({"--http", url});
  EXPECT_EQ(r.exit_code, 1) << r.out << r.err;
  EXPECT_NE(r.err.find("could not check http"), std::string::npos) << r.err;
  EXPECT_NE(r.err.find(url), std::string::npos) << r.err;
}

}  // namespace
}  // namespace vitals
