// Comparing a value as a user writes it ("2GB", "30s", "on") with pg_settings.setting, which
// is in the setting's base unit (pg_settings.unit: "8kB", "kB", "MB", "ms", "s", "min" ...).
// Pure functions.
#pragma once

#include <optional>
#include <string>
#include <string_view>

namespace vitals {

// `value` ("64kB", "2GB", "16384", "5min") expressed in `unit` (a pg_settings unit: "8kB",
// "kB", "B", "MB", "ms", "s", "min"; "" for unitless).  A value without a suffix is already in
// `unit`.  nullopt when it is not a number with a known suffix of the unit's family.
std::optional<double> PgValueInUnit(std::string_view value, std::string_view unit);

// True when pg_settings' `setting` (in `unit`, of `vartype` bool|integer|real|enum|string)
// equals `value` as ALTER SYSTEM would store it: numbers compared in the base unit (integers
// to the nearest unit, as PostgreSQL rounds), booleans by meaning (on/true/yes/1), enums and
// strings case-insensitively.
bool PgSettingEquals(std::string_view setting, std::string_view unit, std::string_view vartype,
                     std::string_view value);

// A setting name as ALTER SYSTEM takes it: [a-z_][a-z0-9_.]* (custom options have a dot).
bool IsPgSettingName(std::string_view name);

}  // namespace vitals
