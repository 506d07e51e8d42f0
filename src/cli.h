/* certsweep — the tool layer: main() and one file per command.  Everything
 * a command calls lives in the libraries, usable from tests. */
#ifndef SRC_CLI_H
#define SRC_CLI_H

#include <getopt.h>
#include <stdio.h>

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
    struct option longopts_buf[32];  /* cli_args_init_flags: built from the flag table */
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

/* ---- the command and flag tables (commands.c) ----------------------------
 *
 * One row per flag drives the parser (cli_args_init_flags), --help
 * (cli_command_usage) and the man page (src/manpage.c); one row per command
 * drives dispatch, the tool's --help and the man page.  There is no second
 * list of flags or commands anywhere. */
enum { CLI_FLAG_VERSION = 256 };  /* certsweep --version */

typedef struct cli_flag {
    const char *name;           /* long name, without "--" */
    int val;                    /* its short letter ('c'), or >= 256: long only */
    const char *arg;            /* value placeholder ("FILE"); NULL: takes no value */
    const char *help;           /* one paragraph, wrapped when printed */
} cli_flag;                     /* tables end with an all-NULL row */

typedef struct cli_command {
    const char *name;
    int (*run)(int argc, char **argv);
    const char *summary;        /* one line, lower case, no full stop */
    const char *operands;       /* after the flags in the synopsis ("[RULE]"), or NULL */
    const char *description;    /* paragraphs separated by blank lines */
    const cli_flag *flags;
    const char *exit_status;    /* one paragraph */
    /* Printed at the end of --help (check-config: the option list); the
     * man page says instead: */
    void (*help_tail)(FILE *f);
    const char *man_tail;       /* one paragraph, or NULL */
} cli_command;

typedef struct cli_exit_code {
    int code;
    const char *brief;          /* "clean" */
    const char *meaning;        /* one sentence */
} cli_exit_code;

typedef struct cli_env_var {
    const char *name;
    const char *meaning;
} cli_env_var;

extern const cli_command *const cli_commands[];   /* NULL-terminated */
extern const cli_flag cli_tool_flags[];           /* certsweep's own flags */
extern const cli_exit_code cli_exit_codes[];      /* ends with brief NULL */
extern const cli_env_var cli_environment[];       /* ends with name NULL */

const cli_command *cli_command_find(const char *name);
/* Like cli_args_init, with the long options built from a flag table. */
void cli_args_init_flags(cli_args *a, const char *cmd, int argc, char **argv,
                         const cli_flag *flags);
/* The --help text of a command (NULL: the tool itself). */
void cli_command_usage(FILE *f, const cli_command *cmd);
/* Writes text wrapped at 79 columns, each line starting with indent
 * (the first line with first_indent, which may be longer). */
void cli_write_wrapped(FILE *f, const char *first_indent, const char *indent,
                       const char *text);
/* The next option's val (its value in a->value), CLI_ARGS_END or
 * CLI_ARGS_ERROR. */
int  cli_args_next(cli_args *a);

/* Prints "certsweep: CMD: MESSAGE" (one line) and returns CLI_EXIT_USAGE. */
int  cli_usage_error(const char *cmd, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

/* The AWS client options of a config ([aws] ca_bundle and the AWS
 * profile's ca_bundle, fips, endpoint_url, max_attempts, retry_budget,
 * timeout_seconds; [scan] concurrency).  The strings are valid until the
 * next call or the config's end; aws_client_new copies them. */
struct config;
struct aws_client_opts;
void cli_client_opts(const struct config *cfg, struct aws_client_opts *co);
/* Before a command talks to AWS: refuses (one line on stderr, naming cmd;
 * returns -1) a plain http:// endpoint to a host that is not loopback
 * unless [aws] allow_insecure_endpoints (then warns), and a CA bundle
 * ([aws] ca_bundle, AWS_CA_BUNDLE, the AWS profile's ca_bundle,
 * SSL_CERT_FILE: the first set) that is not a readable regular file.
 * 0: go on. */
int  cli_check_transport(const struct config *cfg, const char *cmd);

/* Each command parses its own flags from argv[0] = command name; its row
 * is in its own file. */
extern const cli_command cli_command_scan;
extern const cli_command cli_command_whoami;
extern const cli_command cli_command_check_config;
extern const cli_command cli_command_notify;
extern const cli_command cli_command_rules;
extern const cli_command cli_command_merge;

#endif
