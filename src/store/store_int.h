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
/* A new random UUID (lowercase, 36 chars + NUL) from SQLite's CSPRNG. */
void pp_store_new_uuid(char out[37]);
#endif
