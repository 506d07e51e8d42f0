#include "certsweep_config.h"
#include "src/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static int run(int argc, char **argv)
{
    cli_args a;
    cli_args_init_flags(&a, NULL, argc, argv, cli_tool_flags);
    a.operands_ok = 1;                  /* the command and its own flags */
    for (int c; (c = cli_args_next(&a)) != CLI_ARGS_END;) {
        switch (c) {
        case CLI_FLAG_VERSION:
            printf("certsweep %s\n", CERTSWEEP_VERSION);
            return CLI_EXIT_OK;
        case 'h':
            cli_command_usage(stdout, NULL);
            return CLI_EXIT_OK;
        default:                        /* CLI_ARGS_ERROR, printed */
            return CLI_EXIT_USAGE;
        }
    }
    if (a.first_operand >= argc) {
        cli_command_usage(stderr, NULL);
        return CLI_EXIT_USAGE;
    }
    int at = a.first_operand;
    const char *cmd = argv[at];
    if (strcmp(cmd, "version") == 0) {
        printf("certsweep %s\n", CERTSWEEP_VERSION);
        return CLI_EXIT_OK;
    }
    if (strcmp(cmd, "help") == 0) {
        /* "certsweep help scan" is "certsweep scan --help". */
        if (at + 1 < argc) {
            const cli_command *hc = cli_command_find(argv[at + 1]);
            if (hc) {
                char *hargv[] = { argv[at + 1], (char *)"--help", NULL };
                return hc->run(2, hargv);
            }
            fprintf(stderr, "certsweep: help: unknown command '%s'; run 'certsweep --help' "
                    "for the list\n", argv[at + 1]);
            return CLI_EXIT_USAGE;
        }
        cli_command_usage(stdout, NULL);
        return CLI_EXIT_OK;
    }
    const cli_command *c = cli_command_find(cmd);
    if (c)
        return c->run(argc - at, argv + at);
    fprintf(stderr, "certsweep: unknown command '%s'; run 'certsweep --help' for the list\n", cmd);
    return CLI_EXIT_USAGE;
}

/* Whatever a command printed must have reached standard output: a full
 * disk or a closed pipe is an error, not a silent exit 0. */
int main(int argc, char **argv)
{
    int rc = run(argc, argv);
    errno = 0;
    if (fflush(stdout) != 0 || ferror(stdout)) {
        fprintf(stderr, "certsweep: cannot write to standard output: %s\n",
                errno ? strerror(errno) : "write error");
        if (rc == CLI_EXIT_OK || rc == CLI_EXIT_FINDINGS || rc == CLI_EXIT_PARTIAL)
            rc = CLI_EXIT_FAILURE;
    }
    return rc;
}
