/*
 * cmd_migrate.c — `painpath migrate [--db PATH]`: create the database or bring its schema
 * up to the newest numbered migration this binary knows (re-running is a no-op; a newer
 * schema than the binary's is an error).
 */
#include <stdio.h>
#include <string.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/store.h"
#include "util/banned.h"

static const char pp_migrate_usage[] = "usage: painpath migrate [--db PATH]\n";

int pp_cmd_migrate(int argc, char **argv)
{
    const char *db = PP_STORE_DEFAULT_DB;
    struct pp_store *s;
    struct pp_diag d;
    enum pp_err e;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(pp_migrate_usage, stdout);
            return 0;
        } else {
            fprintf(stderr, "painpath migrate: unexpected argument '%s'\n%s", argv[i],
                    pp_migrate_usage);
            return 2;
        }
    }
    pp_diag_clear(&d);
    if ((e = pp_store_open(db, &s, &d)) != PP_OK) {
        pp_cli_print_diag("migrate", &d);
        return pp_err_exit_code(e);
    }
    printf("%s: schema version %d (newest known %d)\n", db, pp_store_schema_version(s),
           pp_store_schema_latest());
    pp_store_close(s);
    return 0;
}
