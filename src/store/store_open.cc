// Opening the store, the environment of a run, and helpers shared by the other store files.
#include <sqlite3.h>
#include <sys/utsname.h>
#include <unistd.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <thread>

#include <fmt/format.h>

#include "core/hdr_log.h"
#include "store/migrations.h"
#include "store/store.h"
#include "store/store_internal.h"

namespace vitals {

std::string ResolveStorePath(const std::string& flag) {
  if (!flag.empty()) return flag;
  const char* env = std::getenv(kStoreEnvVar);
  if (env != nullptr && *env != '\0') return env;
  return kDefaultStorePath;
}

RunEnvironment CurrentEnvironment(std::string vitals_version) {
  RunEnvironment env;
  char host[256] = {};
  if (gethostname(host, sizeof host - 1) == 0) env.host = host;
  const long n = sysconf(_SC_NPROCESSORS_ONLN);
  env.cores = n > 0 ? int(n) : int(std::thread::hardware_concurrency());
  utsname u{};
  if (uname(&u) == 0) env.kernel = std::string(u.sysname) + " " + u.release;
  env.vitals_version = vitals_version.empty() ? "unknown" : std::move(vitals_version);
  return env;
}

const char* RunStatusName(RunStatus s) {
  switch (s) {
    case RunStatus::kRunning:
      return "running";
    case RunStatus::kCompleted:
      return "completed";
    case RunStatus::kFailed:
      return "failed";
    case RunStatus::kInterrupted:
      return "interrupted";
  }
  return "running";
}

const char* RunInfo::DisplayStatus() const {
  return status == RunStatus::kRunning ? "incomplete" : RunStatusName(status);
}

Result<Store> Store::Open(const std::string& path, OpenMode mode) {
  namespace fs = std::filesystem;
  if (path.empty()) {
    return Status::InvalidArgument(
        "run store path is empty: pass --store PATH or set VITALS_STORE");
  }
  std::error_code ec;
  const bool exists = fs::exists(path, ec);
  if (mode == OpenMode::kExisting && !exists) {
    return Status::NotFound(fmt::format(
        "no run store at '{}' yet: `vitals load` creates it with the first run; pass --store "
        "PATH or set VITALS_STORE to read another",
        path));
  }
  if (!exists) {
    const fs::path parent = fs::path(path).parent_path();
    if (!parent.empty() && !fs::is_directory(parent, ec)) {
      fs::create_directories(parent, ec);
      if (ec) {
        return Status::Io(fmt::format(
            "cannot create directory '{}' for run store '{}': {}: pass a writable --store PATH "
            "or set VITALS_STORE",
            parent.string(), path, ec.message()));
      }
    }
  }
  if (fs::is_directory(path, ec)) {
    return Status::InvalidArgument(fmt::format(
        "run store '{}' is a directory: pass a file path, e.g. '{}/vitals.db'", path, path));
  }

  sqlite3* db = nullptr;
  const int flags = SQLITE_OPEN_READWRITE | (mode == OpenMode::kCreate ? SQLITE_OPEN_CREATE : 0);
  int rc = sqlite3_open_v2(path.c_str(), &db, flags, nullptr);
  Store store(db, path);  // owns db from here, even on error
  if (rc != SQLITE_OK) return detail::SqliteError(db, rc, path, "opening");
  sqlite3_extended_result_codes(db, 1);
  sqlite3_busy_timeout(db, kBusyTimeoutMs);
  // The first statement reads the header: "not a database" and corruption show up here.
  // WAL lets readers (`vitals runs`) work while a load writes; synchronous=NORMAL is durable
  // against a killed process (the case that matters for a load generator), and may lose only
  // the last transactions on power loss.
  // Switching to WAL while another process opens (and switches) the same new file can answer
  // SQLITE_BUSY at once, without the busy handler (SQLite takes the lock non-blocking there),
  // so retry it for the same budget as any other lock wait.
  const auto give_up = std::chrono::steady_clock::now() + std::chrono::milliseconds(kBusyTimeoutMs);
  for (;;) {
    rc = sqlite3_exec(db, "PRAGMA journal_mode = WAL", nullptr, nullptr, nullptr);
    if ((rc & 0xff) != SQLITE_BUSY || std::chrono::steady_clock::now() >= give_up) break;
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  if (rc != SQLITE_OK) return detail::SqliteError(db, rc, path, "opening");
  VITALS_RETURN_IF_ERROR(
      detail::Exec(db, store.path_, "PRAGMA synchronous = NORMAL; PRAGMA foreign_keys = ON"));
  VITALS_RETURN_IF_ERROR(detail::Migrate(db, store.path_));
  return store;
}

Store::Store(Store&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), path_(std::move(other.path_)) {}

Store& Store::operator=(Store&& other) noexcept {
  if (this != &other) {
    Close();
    db_ = std::exchange(other.db_, nullptr);
    path_ = std::move(other.path_);
  }
  return *this;
}

Store::~Store() { Close(); }

void Store::Close() {
  // close_v2 defers the close until any statement still alive is finalized (none should be).
  if (db_ != nullptr) sqlite3_close_v2(db_);
  db_ = nullptr;
}

Result<int> Store::SchemaVersion() {
  auto st = detail::Stmt::Prepare(db_, path_, "PRAGMA user_version");
  if (!st.ok()) return st.status();
  auto row = st->Step();
  if (!row.ok()) return row.status();
  return int(st->Int(0));
}

Status Store::CheckIntegrity() {
  auto st = detail::Stmt::Prepare(db_, path_, "PRAGMA integrity_check(20)");
  if (!st.ok()) return st.status();
  std::string problems;
  for (;;) {
    auto row = st->Step();
    if (!row.ok()) return row.status();
    if (!*row) break;
    std::string line = st->Text(0);
    if (line == "ok") continue;
    if (!problems.empty()) problems += "; ";
    problems += line;
  }
  if (problems.empty()) return Status::Ok();
  return Status::Io(fmt::format("run store '{}' failed its integrity check: {}", path_, problems));
}

namespace detail {

int64_t NowUnixMs() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

std::string EncodeHistogram(const Histogram& h) { return EncodeCompressedV2(h); }

Result<Histogram> DecodeHistogram(std::string_view text, const std::string& path,
                                  const std::string& run_id, std::string_view what) {
  auto h = DecodeCompressedV2(text);
  if (!h.ok()) {
    return Status::Io(fmt::format("run store '{}': run {}: stored {} histogram is damaged: {}",
                                  path, run_id, what, h.status().message()));
  }
  return std::move(h).value();
}

namespace {
bool IsIdChar(char c, bool allow_colon) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '.' ||
         c == '_' || c == '-' || (allow_colon && c == ':');
}
bool IsName(std::string_view s, bool allow_colon) {
  if (s.empty() || s.size() > 64) return false;
  for (char c : s) {
    if (!IsIdChar(c, allow_colon)) return false;
  }
  return true;
}
}  // namespace

bool IsValidRunId(std::string_view id) { return IsName(id, true); }
bool IsValidBaselineName(std::string_view name) { return IsName(name, false); }

const char* const kRunNamingHelp =
    "name a run by its id or a unique prefix of it (as `vitals runs list` shows), `latest` "
    "(the newest completed run), `latest~N` (the N-th completed run before it) or "
    "`baseline:NAME`";

}  // namespace detail
}  // namespace vitals
