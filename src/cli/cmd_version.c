/*
 * cmd_version.c — `painpath version`.
 */
#include <stdio.h>

#include "cli/cli.h"

#ifndef PP_VERSION
#define PP_VERSION "0.1.0"
#endif

int pp_cmd_version(int argc, char **argv)
{
    (void)argc;
    (void)argv;
    printf("painpath %s\n", PP_VERSION);
    return 0;
}
