/*
 * cmd_backup.c — `painpath backup FILE [--db PATH]`: a consistent copy of the database
 * made with SQLite's online backup API while the server may keep writing. Refuses to
 * overwrite an existing FILE.
 */
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>

#include "cli/cli.h"
#include "cli/common.h"
#include "store/store.h"
#include "util/banned.h"

static const char pp_backup_usage[] = "usage: painpath backup FILE [--db PATH]\n";

int pp_cmd_backup(int argc, char **argv)
{
    const char *db = PP_STORE_DEFAULT_DB, *dest = NULL;
    struct pp_store *s;
    struct pp_diag d;
    struct stat sb;
    enum pp_err e;
    for (int i = 1; i < argc; i++) {
        if (strcmp(argv[i], "--db") == 0 && i + 1 < argc) {
            db = argv[++i];
        } else if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0) {
            fputs(pp_backup_usage, stdout);
            return 0;
        } else if (argv[i][0] != '-' && !dest) {
            dest = argv[i];
        } else {
            fprintf(stderr, "painpath backup: unexpected argument '%s'\n%s", argv[i],
                    pp_backup_usage);
            return 2;
        }
    }
    if (!dest) {
        fprintf(stderr, "painpath backup: FILE is required\n%s", pp_backup_usage);
        return 2;
    }
    if (stat(dest, &sb) == 0) {
        fprintf(stderr, "painpath backup: %s: already exists (not overwritten)\n", dest);
        return 2;
    }
    pp_diag_clear(&d);
    if ((e = pp_store_open(db, &s, &d)) != PP_OK) {
        pp_cli_print_diag("backup", &d);
        return pp_err_exit_code(e);
    }
    e = pp_store_backup(s, dest, &d);
    pp_store_close(s);
    if (e != PP_OK) {
        pp_cli_print_diag("backup", &d);
        return pp_err_exit_code(e);
    }
    printf("%s: backed up to %s\n", db, dest);
    return 0;
}
