/* certsweep — the tool layer: main() and one file per command.  Everything
 * a command calls lives in the libraries, usable from tests. */
#ifndef SRC_CLI_H
#define SRC_CLI_H

/* Exit codes (documented in the man page and README). */
enum {
    CLI_EXIT_OK       = 0,   /* clean: nothing at or above --fail-on */
    CLI_EXIT_FINDINGS = 1,   /* findings at or above --fail-on */
    CLI_EXIT_USAGE    = 2,   /* usage or config error */
    CLI_EXIT_PARTIAL  = 3,   /* scan completed with coverage gaps (no findings at/above --fail-on) */
    CLI_EXIT_FAILURE  = 4,   /* could not run at all (no credentials, network, ...) */
};

/* Each command parses its own flags from argv[0] = command name. */
int cli_whoami(int argc, char **argv);
int cli_scan(int argc, char **argv);
int cli_check_config(int argc, char **argv);

#endif
