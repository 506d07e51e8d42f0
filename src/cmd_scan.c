#include "src/cli.h"

#include <stdio.h>

/* Placeholder until the command is built: says so and fails. */
int cli_scan(int argc, char **argv)
{
    (void)argc;
    fprintf(stderr, "certsweep: %s: not built yet\n", argv[0]);
    return CLI_EXIT_FAILURE;
}
