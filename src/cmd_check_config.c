/* certsweep check-config: loads and validates a configuration file. */
#include "src/cli.h"
#include "aws/endpoints.h"

#include <stdio.h>

#include "aws/error.h"
#include "config/config.h"
#include "scanner/rules.h"
#include "scanner/suppress.h"

static void option_list(FILE *f)
{
    fputs("Configuration options (section.key):\n", f);
    config_write_help(f);
}

enum { OPT_PRINT_EXAMPLE = 256 };

static const cli_flag check_config_flags[] = {
    { "config", 'c', "FILE",
      "file to check (default: $CERTSWEEP_CONFIG, else /etc/certsweep/certsweep.conf if it exists, else the built-in defaults)" },
    { "print-example", OPT_PRINT_EXAMPLE, NULL,
      "print an example file with every option and its default, and exit" },
    { "help", 'h', NULL, "show this help" },
    { NULL, 0, NULL, NULL },
};

static int cli_check_config(int argc, char **argv);

const cli_command cli_command_check_config = {
    .name = "check-config",
    .run = cli_check_config,
    .summary = "validate a configuration file",
    .description = "Checks a configuration file and prints every problem as FILE:LINE: problem.",
    .flags = check_config_flags,
    .exit_status = "0 valid, 2 problems found or bad usage.",
    .help_tail = option_list,
    .man_tail = "The options it checks are listed in certsweep.conf(5).",
};

static int cli_check_config(int argc, char **argv)
{
    const char *path = NULL;
    int example = 0;
    cli_args a;
    cli_args_init_flags(&a, "check-config", argc, argv, check_config_flags);
    for (int c; (c = cli_args_next(&a)) != CLI_ARGS_END;) {
        switch (c) {
        case 'h':
            cli_command_usage(stdout, &cli_command_check_config);
            return CLI_EXIT_OK;
        case OPT_PRINT_EXAMPLE:
            example = 1;
            break;
        case 'c':
            path = a.value;
            break;
        default:                        /* CLI_ARGS_ERROR, printed */
            return CLI_EXIT_USAGE;
        }
    }
    if (example) {
        config_write_example(stdout);
        return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
    }
    if (path && !*path) {
        return cli_usage_error("check-config", "--config needs a file name");
    }
    if (!path)
        path = config_default_path();

    config c;
    config_init(&c);
    c.rule_check = scanner_rule_check;      /* unknown rule ids are errors too */
    const char *name = path ? path : "built-in defaults";
    int rc = path ? config_load_file(&c, path, stderr) : 0;
    /* After line errors, still report the cross-field ones. */
    if (rc == 0 || rc == AWS_EINVAL) {
        if (config_validate_as(&c, name, stderr) != 0 && rc == 0)
            rc = AWS_EINVAL;
        aws_endpoint_cfg ec = { .endpoint_url = c.endpoint_url,
                                .allow_insecure = c.allow_insecure_endpoints };
        char why[700];
        if (aws_endpoint_check_insecure(&ec, why, sizeof(why)) != 0) {
            fprintf(stderr, "%s: %s\n", name, why);
            if (rc == 0)
                rc = AWS_EINVAL;
        }
    }
    /* The files the config names are part of it. */
    if ((rc == 0 || rc == AWS_EINVAL) && c.suppressions) {
        scanner_suppressions sup;
        scanner_suppressions_init(&sup);
        int src = scanner_suppressions_load(&sup, c.suppressions, stderr);
        if (src != 0 && rc == 0)
            rc = src == AWS_ENOMEM ? AWS_ENOMEM : AWS_EINVAL;
        scanner_suppressions_finish(&sup);
    }
    config_finish(&c);
    if (rc == AWS_ENOMEM) {
        fprintf(stderr, "certsweep: check-config: out of memory\n");
        return CLI_EXIT_FAILURE;
    }
    if (rc != 0)
        return CLI_EXIT_USAGE;
    printf("%s: OK\n", name);
    return CLI_EXIT_OK;
}
