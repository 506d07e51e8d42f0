/* certsweep — the tool layer: main() and one file per command.  Everything
 * a command calls lives in the libraries, usable from tests. */
#ifndef SRC_CLI_H
#define SRC_CLI_H

#include <getopt.h>

/* Exit codes (documented in the man page and README). */
enum {
    CLI_EXIT_OK       = 0,   /* clean: nothing at or above --fail-on */
    CLI_EXIT_FINDINGS = 1,   /* findings at or above --fail-on */
    CLI_EXIT_USAGE    = 2,   /* usage or config error */
    CLI_EXIT_PARTIAL  = 3,   /* scan completed with coverage gaps (no findings at/above --fail-on) */
    CLI_EXIT_FAILURE  = 4,   /* could not run at all (no credentials, network, ...) */
    CLI_EXIT_DELIVERY = 5,   /* the scan was clean, but a sink failed: the Security Hub
                              * export had a problem (not enabled, a call failed, findings
                              * refused), or a notification could not be delivered (kept in
                              * the outbox for the next run / notify --retry) */
};

/* ---- flag parsing (cli.c) ------------------------------------------------
 *
 * glibc's getopt_long over argv[0] = command name (NULL cmd: the tool
 * itself): --name VALUE and --name=VALUE, long names only as spelled (a
 * prefix is an error naming the option it would match);
 * short aliases may be clustered (-vv is -v twice, -fjson).  A long option
 * whose val is an ASCII letter also has that letter as its short alias; give
 * long-only options a val of 256 or more.  Parsing stops at the first
 * non-option (or "--"): a positional argument is an error unless
 * operands_ok is set (then first_operand indexes it).  Every error is
 * one line on stderr in the tool's style, e.g.
 *   certsweep: scan: unknown option '--x'; run 'certsweep scan --help'
 *   certsweep: scan: --format needs a value
 * Only one parse at a time (getopt's state is global). */
typedef struct cli_args {
    const char *cmd;
    int argc;
    char **argv;
    const struct option *longopts;   /* terminated by an all-zero entry */
    char shortopts[64];
    int operands_ok;                 /* set after init: positionals may follow */
    int first_operand;               /* at CLI_ARGS_END: argv index after the options */
    const char *value;               /* the value of the option just returned */
} cli_args;

enum {
    CLI_ARGS_END   = -1,             /* all options read */
    CLI_ARGS_ERROR = -2,             /* a usage error, already printed */
};

void cli_args_init(cli_args *a, const char *cmd, int argc, char **argv,
                   const struct option *longopts);
/* The next option's val (its value in a->value), CLI_ARGS_END or
 * CLI_ARGS_ERROR. */
int  cli_args_next(cli_args *a);

/* Prints "certsweep: CMD: MESSAGE" (one line) and returns CLI_EXIT_USAGE. */
int  cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The AWS client options of a config ([aws] ca_bundle, fips, endpoint_url,
 * max_attempts, retry_budget, timeout_seconds; [scan] concurrency). */
struct config;
struct aws_client_opts;
void cli_client_opts(const struct config *cfg, struct aws_client_opts *co);
/* Before a command talks to AWS: refuses (one line on stderr, naming cmd;
 * returns -1) a plain http:// endpoint to a host that is not loopback
 * unless [aws] allow_insecure_endpoints (then warns), and a CA bundle
 * ([aws] ca_bundle, AWS_CA_BUNDLE, SSL_CERT_FILE) that is not a readable
 * regular file.  0: go on. */
int  cli_check_transport(const struct config *cfg, const char *cmd);

/* Each command parses its own flags from argv[0] = command name. */
int cli_whoami(int argc, char **argv);
int cli_scan(int argc, char **argv);
int cli_check_config(int argc, char **argv);
int cli_notify(int argc, char **argv);
int cli_rules(int argc, char **argv);
int cli_merge(int argc, char **argv);

#endif
