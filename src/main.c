#include "certsweep_config.h"
#include "src/cli.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

static const struct {
    const char *name;
    int (*run)(int, char **);
    const char *help;
} commands[] = {
    { "scan",         cli_scan,         "scan the organization for certificate risks" },
    { "whoami",       cli_whoami,       "show the identity the credential chain resolves to" },
    { "check-config", cli_check_config, "validate a configuration file" },
    { "notify",       cli_notify,       "send the digests of saved reports, or retry the outbox" },
    { "rules",        cli_rules,        "list what certsweep checks, or explain one rule" },
    { "merge",        cli_merge,        "join the JSON reports of a sharded scan into one" },
};

static void usage(FILE *f)
{
    fprintf(f,
        "Usage: certsweep [--version] [--help] <command> [options]\n"
        "\n"
        "Finds TLS certificate risks across an AWS Organization.\n"
        "\n"
        "Options:\n"
        "      --version  print the version and exit\n"
        "  -h, --help     show this help\n"
        "\n"
        "Commands:\n");
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        fprintf(f, "  %-14s %s\n", commands[i].name, commands[i].help);
    fprintf(f,
        "\n"
        "Run 'certsweep <command> --help' for the options of a command.\n"
        "\n"
        "Exit codes: 0 clean, 1 findings at or above --fail-on, 2 usage or\n"
        "config error, 3 partial coverage, 4 could not run, 5 a notification could\n"
        "not be delivered.\n");
}

static int run(int argc, char **argv)
{
    enum { OPT_VERSION = 256 };
    static const struct option options[] = {
        { "version", no_argument, NULL, OPT_VERSION },
        { "help",    no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    cli_args a;
    cli_args_init(&a, NULL, argc, argv, options);
    a.operands_ok = 1;                  /* the command and its own flags */
    for (int c; (c = cli_args_next(&a)) != CLI_ARGS_END;) {
        switch (c) {
        case OPT_VERSION:
            printf("certsweep %s\n", CERTSWEEP_VERSION);
            return CLI_EXIT_OK;
        case 'h':
            usage(stdout);
            return CLI_EXIT_OK;
        default:                        /* CLI_ARGS_ERROR, printed */
            return CLI_EXIT_USAGE;
        }
    }
    if (a.first_operand >= argc) {
        usage(stderr);
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
            for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
                if (strcmp(argv[at + 1], commands[i].name) == 0) {
                    char *hargv[] = { argv[at + 1], (char *)"--help", NULL };
                    return commands[i].run(2, hargv);
                }
            fprintf(stderr, "certsweep: help: unknown command '%s'; run 'certsweep --help' "
                    "for the list\n", argv[at + 1]);
            return CLI_EXIT_USAGE;
        }
        usage(stdout);
        return CLI_EXIT_OK;
    }
    for (size_t i = 0; i < sizeof(commands) / sizeof(commands[0]); i++)
        if (strcmp(cmd, commands[i].name) == 0)
            return commands[i].run(argc - at, argv + at);
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
