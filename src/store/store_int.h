/*
 * store_int.h — private to src/store: the compiled-in schema migrations and the helpers
 * the Bundle importer shares with the SQLite backend.
 */
#ifndef PP_STORE_STORE_INT_H
#define PP_STORE_STORE_INT_H
#include <stdbool.h>
#include <stddef.h>
#include "util/err.h"

/* The migrations, [0] is version 1; *count receives how many (the newest version). */
const char *const *pp_store_migrations(int *count);
struct pp_store;
/* End a transaction the caller opened itself (own): commit when e is PP_OK, else roll back.
 * Not own: return e untouched (the outer transaction decides). */
enum pp_err pp_store_end_own(struct pp_store *s, bool own, enum pp_err e, struct pp_diag *d);
/* The SQLite connection under a store (store/accounts.c and store/audit.c prepare their own
 * statements on it; prepared SQL with bound parameters only). */
struct sqlite3;
struct sqlite3 *pp_store_sqlite(struct pp_store *s);
/* The prepared statement for `sql` on this connection, reset with bindings cleared. `sql`
 * must be a string with static storage (it is the cache key, by address); the store
 * finalizes the statement when it closes. NULL after a diag. */
struct sqlite3_stmt;
struct sqlite3_stmt *pp_store_stmt(struct pp_store *s, const char *sql, struct pp_diag *d);
/* The first column of the first row of `sql` (static, no parameters) as a long; a query
 * that returns no row is PP_ERR_IO. */
enum pp_err pp_store_scalar(struct pp_store *s, const char *sql, long *out, struct pp_diag *d);
/* sqlite3_step, counted in the connection's database timing (pp_store_take_timing). */
int pp_store_step(struct pp_store *s, struct sqlite3_stmt *st);
/* The current time as ISO 8601 UTC with milliseconds ("2026-11-27T11:46:40.123Z"). */
void pp_store_now_iso(char out[32]);
/* The database file's path (the audit key lives beside it). */
const char *pp_store_path(const struct pp_store *s);
/* A new random UUID (lowercase, 36 chars + NUL) from SQLite's CSPRNG. */
void pp_store_new_uuid(char out[37]);
#endif
