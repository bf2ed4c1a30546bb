// Pieces shared by the store's .cc files (open / write / read / baselines / rebuild).
// Internal to src/store.
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/histogram.h"
#include "core/status.h"
#include "store/sqlite_util.h"
#include "store/store.h"

namespace vitals::detail {

int64_t NowUnixMs();
// A new id "YYYYMMDDTHHMMSS-xxxx" (UTC time of unix_ms + 16 random bits): runs, checks,
// incidents.
std::string NewRecordId(int64_t unix_ms);
// Ok when `text` is the `vitals check --format json` document (an object whose "findings",
// when present, is an array); InvalidArgument naming the store and what is wrong otherwise.
Status ValidateFindings(const std::string& path, const std::string& text);

// A histogram as stored: HdrHistogram V2 compressed, base64 (core/hdr_log.h).
std::string EncodeHistogram(const Histogram& h);
// Io error naming the store, the run and `what` when the stored text does not decode
// (the file was edited or damaged).
Result<Histogram> DecodeHistogram(std::string_view text, const std::string& path,
                                  const std::string& run_id, std::string_view what);

// The SELECT list that ReadRunInfo reads, over `runs r`.  For runs that never completed the
// headline requests/errors/duration come from their all-requests intervals.
extern const char* const kRunInfoColumns;
// Reads the columns of kRunInfoColumns starting at column 0 (tags not included).
RunInfo ReadRunInfo(const Stmt& st);
// Fills info->tags from run_tags.
Status ReadTags(sqlite3* db, const std::string& path, RunInfo* info);
// Fills run->findings_json from run_findings ("" when none was set).
Status ReadFindings(sqlite3* db, const std::string& path, StoredRun* run);
Status ReadAlerts(sqlite3* db, const std::string& path, StoredRun* run);
Status ReadSegments(sqlite3* db, const std::string& path, StoredRun* run);
Status ReadSeries(sqlite3* db, const std::string& path, StoredRun* run);

// Fails with InvalidArgument ("cannot <doing> run <id>: it is completed") unless the run is
// running; NotFound when there is no such run.
Status RequireRunning(sqlite3* db, const std::string& path, const std::string& run_id,
                      const char* doing);
// Noise rows (store/noise.cc): insert-or-replace by (run, start_s); read in time order.
Status InsertNoise(sqlite3* db, const std::string& path, const std::string& run_id,
                   const std::vector<NoiseInterval>& noise);
Status ReadNoise(sqlite3* db, const std::string& path, StoredRun* run);

// 1..64 characters of [A-Za-z0-9._:-] (run ids) or [A-Za-z0-9._-] (baseline names).
bool IsValidRunId(std::string_view id);
bool IsValidBaselineName(std::string_view name);

// The help appended to "no run named ..." errors.
extern const char* const kRunNamingHelp;

}  // namespace vitals::detail
