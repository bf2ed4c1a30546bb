// Schema migrations of the run store.  The schema version is PRAGMA user_version; migration
// N takes a store from version N-1 to N.  Migrations are append-only: never edit a shipped
// one, add the next.  docs/store-schema.md documents the resulting tables.
#pragma once

#include <sqlite3.h>

#include <string>

#include "core/status.h"

namespace vitals::detail {

struct Migration {
  int version;              // the user_version after this migration
  const char* description;  // one line, for docs and errors
  const char* sql;          // DDL/DML run inside the migration transaction
};

// The highest schema version this binary knows.
int LatestSchemaVersion();

// Brings the store at `path` (open as `db`) to LatestSchemaVersion(): all pending migrations
// and the new user_version commit in ONE BEGIN IMMEDIATE transaction, so two processes
// opening a new store at once migrate it once, and a crash leaves the previous version.
// InvalidArgument when the file's version is newer than this binary knows.
Status Migrate(sqlite3* db, const std::string& path);

}  // namespace vitals::detail
