#include "tune/pg_preflight.h"

#include <fmt/format.h>

#include "collect/postgres_conn.h"
#include "collect/postgres_logic.h"
#include "tune/pg_objects.h"

namespace vitals::tuneobj {

std::string ItemIndex(const PlanItem& item) {
  return Qualified(item.detail.value("schema", ""), item.detail.value("index", ""));
}

std::string ItemTable(const PlanItem& item) { return item.detail.value("table", ""); }

bool OwnerPreflight(TuneSession& s, const std::vector<const PlanItem*>& items,
                    std::string_view verb, PreflightObjectFn object,
                    std::vector<std::string>* needs) {
  detail::PgConn& pg = *s.pg();
  auto who = pg.Query(
      "SELECT pg_is_in_recovery(), pg_catalog.quote_ident(current_user), "
      "current_setting('is_superuser') = 'on'");
  if (!who.ok()) {
    needs->push_back(fmt::format("postgres: cannot check {} privileges on {}: {}", verb,
                                 s.pg_display(), who.status().message()));
    return false;
  }
  if (who->Bool(0, 0)) {
    needs->push_back(fmt::format(
        "postgres: a primary for {}: {} is a replica (pg_is_in_recovery() is true); run vitals "
        "tune against the primary",
        verb, s.pg_display()));
    return false;
  }
  if (who->Bool(0, 2)) return true;
  for (const PlanItem* i : items) {
    const std::string table = i->detail.value("table", "");
    auto own =
        pg.Query(fmt::format("SELECT pg_catalog.pg_has_role(c.relowner, 'USAGE'), "
                             "pg_catalog.quote_ident(pg_catalog.pg_get_userbyid(c.relowner)) "
                             "FROM pg_catalog.pg_class c WHERE c.oid = pg_catalog.to_regclass({})",
                             detail::PgQuoteLiteral(table)));
    if (own.ok() && own->rows() > 0 && own->Bool(0, 0)) continue;
    const std::string owner =
        own.ok() && own->rows() > 0 ? std::string(own->Text(0, 1)) : std::string("<owner>");
    needs->push_back(fmt::format(
        "postgres: ownership of {} for {} {} on {} (only the table's owner or a superuser may): "
        "run vitals tune as the owner, or GRANT {} TO {};",
        table, verb, object(*i), s.pg_display(), owner, who->Text(0, 1)));
  }
  return true;
}

}  // namespace vitals::tuneobj
