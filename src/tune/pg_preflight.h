// The one preflight of vitals tune's PostgreSQL OBJECT changes (CREATE INDEX, VACUUM, REINDEX,
// DROP INDEX): each needs a primary (a replica refuses every write) and the owner of the table
// it acts on (or a superuser).  One wording for every statement, so a user reads the same
// "what is missing, where, how to fix" whichever kind refused.
//
// Thread-safety: one thread (the TuneSession's).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "tune/plan.h"
#include "tune/session.h"

namespace vitals::tuneobj {

// What one item's statement acts on, as a refusal names it ("public.orders_v_idx").
using PreflightObjectFn = std::string (*)(const PlanItem& item);

// The objects of the kinds' items: detail "schema" + "index" qualified ("public.orders_v_idx",
// DROP INDEX and REINDEX items), and detail "table" (VACUUM items).
std::string ItemIndex(const PlanItem& item);
std::string ItemTable(const PlanItem& item);

// Reads pg_is_in_recovery(), the role and whether it is a superuser, then, for a role that is
// not, pg_has_role(relowner, 'USAGE') of each item's table.  Only reads.
//
// REQUIRES: s.pg() is open; each item's detail["table"] is the schema-qualified table whose
// owner may run `verb` (for DROP INDEX and REINDEX: the index's table, not the index).
//
// Appends to `needs` (the server is named by its display, never with its password):
//   "postgres: cannot check <verb> privileges on <server>: <error>"   (the facts cannot be read)
//   "postgres: a primary for <verb>: <server> is a replica (pg_is_in_recovery() is true); run
//    vitals tune against the primary"
//   per item whose table the role does not own (or cannot find):
//   "postgres: ownership of <table> for <verb> <object> on <server> (only the table's owner or
//    a superuser may): run vitals tune as the owner, or GRANT <owner> TO <role>;"
// with <owner> and <role> quoted as identifiers ("<owner>" itself when the table is not found).
//
// Returns true when the server is a primary (the ownership lines, if any, are appended): the
// caller may go on to other checks that need one, such as the advisory lock.
bool OwnerPreflight(TuneSession& s, const std::vector<const PlanItem*>& items,
                    std::string_view verb, PreflightObjectFn object,
                    std::vector<std::string>* needs);

}  // namespace vitals::tuneobj
