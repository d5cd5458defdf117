/*
 * migrations.c — the numbered schema migrations of the SQLite store, as SQL text compiled
 * into the binary (no build step, no files at run time). Migration N brings a database from
 * version N-1 to N; they are applied in order, each in its own transaction, by store/sqlite.c.
 * Never edit a published migration: add the next number.
 */
#include "store/store_int.h"

/* 1: resources (current row + every version), search index rows, users, sessions, audit. */
static const char pp_migration_1[] =
    "CREATE TABLE resource (\n"
    "  rid INTEGER PRIMARY KEY,\n"
    "  type TEXT NOT NULL,\n"
    "  id TEXT NOT NULL,\n"
    "  version INTEGER NOT NULL,\n"
    "  last_updated TEXT NOT NULL,\n"
    "  deleted INTEGER NOT NULL DEFAULT 0,\n"
    "  patient TEXT,\n"
    "  UNIQUE (type, id)\n"
    ");\n"
    "CREATE INDEX resource_patient ON resource (patient, type);\n"
    "CREATE TABLE resource_version (\n"
    "  rid INTEGER NOT NULL REFERENCES resource (rid),\n"
    "  version INTEGER NOT NULL,\n"
    "  last_updated TEXT NOT NULL,\n"
    "  deleted INTEGER NOT NULL DEFAULT 0,\n"
    "  body TEXT,\n"
    "  PRIMARY KEY (rid, version)\n"
    ");\n"
    "CREATE TABLE search_index (\n"
    "  rid INTEGER NOT NULL REFERENCES resource (rid),\n"
    "  param TEXT NOT NULL,\n"
    "  system TEXT NOT NULL DEFAULT '',\n"
    "  value TEXT NOT NULL,\n"
    "  PRIMARY KEY (rid, param, value, system)\n"
    ") WITHOUT ROWID;\n"
    "CREATE INDEX search_index_value ON search_index (param, value, system);\n"
    "CREATE TABLE users (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  username TEXT NOT NULL UNIQUE,\n"
    "  password_hash TEXT NOT NULL,\n"
    "  role TEXT NOT NULL,\n"
    "  practitioner TEXT,\n"
    "  disabled INTEGER NOT NULL DEFAULT 0,\n"
    "  created TEXT NOT NULL\n"
    ");\n"
    "CREATE TABLE sessions (\n"
    "  token_hash TEXT PRIMARY KEY,\n"
    "  user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,\n"
    "  created TEXT NOT NULL,\n"
    "  last_seen TEXT NOT NULL,\n"
    "  expires TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX sessions_user ON sessions (user_id);\n"
    "CREATE TABLE audit (\n"
    "  seq INTEGER PRIMARY KEY,\n"
    "  at TEXT NOT NULL,\n"
    "  user_id INTEGER REFERENCES users (id),\n"
    "  action TEXT NOT NULL,\n"
    "  resource_type TEXT,\n"
    "  resource_id TEXT,\n"
    "  patient TEXT,\n"
    "  outcome TEXT NOT NULL,\n"
    "  reason TEXT,\n"
    "  prev_hash TEXT NOT NULL,\n"
    "  hash TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX audit_patient ON audit (patient, seq);\n";

/* 2: CDS Hooks feedback (CDS Hooks 2.0 "feedback": one row per item, as received). */
static const char pp_migration_2[] =
    "CREATE TABLE cds_feedback (\n"
    "  seq INTEGER PRIMARY KEY,\n"
    "  received TEXT NOT NULL,\n"
    "  service TEXT NOT NULL,\n"
    "  card TEXT NOT NULL,\n"
    "  outcome TEXT NOT NULL,\n"
    "  outcome_timestamp TEXT,\n"
    "  body TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX cds_feedback_card ON cds_feedback (service, card);\n";

/* 3: search index rows of dates carry the range they cover (lo, hi: ms since 1970 UTC), and
 * the version of the index extraction the rows were made by (0: re-index on open). */
static const char pp_migration_3[] = "ALTER TABLE search_index ADD COLUMN lo INTEGER;\n"
                                     "ALTER TABLE search_index ADD COLUMN hi INTEGER;\n"
                                     "CREATE TABLE search_index_version (\n"
                                     "  version INTEGER NOT NULL\n"
                                     ");\n"
                                     "INSERT INTO search_index_version (version) VALUES (0);\n";

/* 4: accounts: the user's Patient (patient role) and lockout, the session's CSRF hash,
 * bearer tokens (integration, or personal: user_id), break-glass grants, login failures per
 * client address. */
static const char pp_migration_4[] =
    "ALTER TABLE users ADD COLUMN patient TEXT;\n"
    "ALTER TABLE users ADD COLUMN failed_logins INTEGER NOT NULL DEFAULT 0;\n"
    "ALTER TABLE users ADD COLUMN locked_until TEXT;\n"
    "ALTER TABLE sessions ADD COLUMN csrf_hash TEXT NOT NULL DEFAULT '';\n"
    "CREATE TABLE tokens (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  token_hash TEXT NOT NULL UNIQUE,\n"
    "  name TEXT NOT NULL,\n"
    "  role TEXT NOT NULL,\n"
    "  scope TEXT NOT NULL,\n"
    "  created TEXT NOT NULL,\n"
    "  expires TEXT,\n"
    "  revoked INTEGER NOT NULL DEFAULT 0,\n"
    "  user_id INTEGER REFERENCES users (id)\n"
    ");\n"
    "CREATE TABLE break_glass (\n"
    "  id INTEGER PRIMARY KEY,\n"
    "  user_id INTEGER NOT NULL REFERENCES users (id),\n"
    "  patient TEXT NOT NULL,\n"
    "  reason TEXT NOT NULL,\n"
    "  started TEXT NOT NULL,\n"
    "  expires TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX break_glass_user ON break_glass (user_id, patient, expires);\n"
    "CREATE TABLE login_failures (\n"
    "  client TEXT PRIMARY KEY,\n"
    "  failures INTEGER NOT NULL,\n"
    "  first_failure TEXT NOT NULL,\n"
    "  locked_until TEXT\n"
    ");\n";

/* 5: the audit chain: who (agent name, role, client address), its head (for a deleted
 * last record; mac: the head's HMAC under the chain key), triggers that make the table
 * append-only, and the read-audit journal generations already imported into the chain
 * (store/audit_journal.c). */
static const char pp_migration_5[] =
    "ALTER TABLE audit ADD COLUMN agent TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE audit ADD COLUMN role TEXT NOT NULL DEFAULT '';\n"
    "ALTER TABLE audit ADD COLUMN client TEXT NOT NULL DEFAULT '';\n"
    "CREATE TABLE audit_head (\n"
    "  one INTEGER PRIMARY KEY CHECK (one = 1),\n"
    "  seq INTEGER NOT NULL,\n"
    "  hash TEXT NOT NULL,\n"
    "  mac TEXT NOT NULL\n"
    ");\n"
    "CREATE INDEX audit_agent ON audit (agent, seq);\n"
    "CREATE INDEX audit_at ON audit (at);\n"
    "CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit\n"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;\n"
    "CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit\n"
    "  BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;\n"
    "CREATE TABLE audit_journal_done (\n"
    "  generation INTEGER PRIMARY KEY\n"
    ");\n";

static const char *const pp_migrations[] = {pp_migration_1, pp_migration_2, pp_migration_3,
                                            pp_migration_4, pp_migration_5};

const char *const *pp_store_migrations(int *count)
{
    *count = (int)(sizeof(pp_migrations) / sizeof(pp_migrations[0]));
    return pp_migrations;
}
