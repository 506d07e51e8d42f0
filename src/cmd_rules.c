/* certsweep rules: what certsweep checks, from the rule table. */
#include "src/cli.h"

#include <stdio.h>
#include <string.h>

#include "config/config.h"
#include "scanner/finding.h"
#include "scanner/rules.h"

static int cli_rules(int argc, char **argv);

static const cli_flag rules_flags[] = {
    { "config", 'c', "FILE",
      "read thresholds and disabled_rules from FILE (default: $CERTSWEEP_CONFIG, else /etc/certsweep/certsweep.conf if it exists, else the built-in defaults)" },
    { "help", 'h', NULL, "show this help" },
    { NULL, 0, NULL, NULL },
};

const cli_command cli_command_rules = {
    .name = "rules",
    .run = cli_rules,
    .summary = "list what certsweep checks, or explain one rule",
    .operands = "[RULE]",
    .description =
        "Lists every rule with its default severity, whether the configuration enables "
        "it and its thresholds as configured; with RULE, explains that one rule: what it "
        "checks and why, its thresholds, the AWS documentation and the remediation.",
    .flags = rules_flags,
    .exit_status = "0 done, 2 unknown rule or bad usage.",
};

static void list_rules(const config *cfg)
{
    printf("%-30s %-9s %-8s %s\n", "RULE", "SEVERITY", "STATE", "THRESHOLDS");
    for (size_t i = 0; i < scanner_rule_count(); i++) {
        const scanner_rule *r = scanner_rule_at(i);
        char th[256];
        scanner_rule_thresholds(cfg, r->id, th, sizeof(th));
        printf("%-30s %-9s %-8s %s\n", r->id, scanner_severity_name(r->severity),
               scanner_rule_enabled(cfg, r->id) ? "enabled" : "disabled", *th ? th : "-");
    }
    printf("\nRun 'certsweep rules RULE' for what a rule checks and how to fix its findings.\n");
}

static void explain(const config *cfg, const scanner_rule *r)
{
    char th[256];
    scanner_rule_thresholds(cfg, r->id, th, sizeof(th));
    printf("%s: %s\n\n", r->id, r->title);
    printf("Severity:      %s%s\n", scanner_severity_name(r->severity),
           *th && strstr(th, "MEDIUM / HIGH / CRITICAL") ? " (worst tier)" : "");
    printf("State:         %s\n", scanner_rule_enabled(cfg, r->id)
                                      ? "enabled" : "disabled ([rules] disabled_rules)");
    if (*th)
        printf("Thresholds:    %s\n", th);
    printf("Documentation: %s\n\n", scanner_rule_doc_url(r->id));
    printf("What it checks:\n  %s\n\n", r->description);
    printf("Remediation:\n  %s\n", r->remediation);
}

static int cli_rules(int argc, char **argv)
{
    const char *path = NULL;
    cli_args a;
    cli_args_init_flags(&a, "rules", argc, argv, rules_flags);
    a.operands_ok = 1;
    for (int c; (c = cli_args_next(&a)) != CLI_ARGS_END;) {
        switch (c) {
        case 'h':
            cli_command_usage(stdout, &cli_command_rules);
            return fflush(stdout) == 0 ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
        case 'c':
            if (!*a.value)
                return cli_usage_error("rules", "--config needs a file name");
            path = a.value;
            break;
        default:                        /* CLI_ARGS_ERROR, printed */
            return CLI_EXIT_USAGE;
        }
    }
    if (argc - a.first_operand > 1)
        return cli_usage_error("rules", "one rule at a time (got %d)", argc - a.first_operand);
    const char *id = a.first_operand < argc ? argv[a.first_operand] : NULL;
    const scanner_rule *r = NULL;
    char hint[512];
    if (id && !(r = scanner_rule_find(id))) {
        scanner_rule_check(id, hint, sizeof(hint));
        return cli_usage_error("rules", "'%s' is not a rule \xe2\x80\x94 %s", id, hint);
    }

    config cfg;
    config_init(&cfg);
    cfg.rule_check = scanner_rule_check;    /* unknown rule ids are errors too */
    if (!path)
        path = config_default_path();
    int exit_code = CLI_EXIT_OK;
    if (path && (config_load_file(&cfg, path, stderr) != 0 ||
                 config_validate_as(&cfg, path, stderr) != 0)) {
        exit_code = CLI_EXIT_USAGE;
    } else {
        if (r)
            explain(&cfg, r);
        else
            list_rules(&cfg);
        if (fflush(stdout) != 0 || ferror(stdout)) {
            fprintf(stderr, "certsweep: rules: cannot write to standard output\n");
            exit_code = CLI_EXIT_FAILURE;
        }
    }
    config_finish(&cfg);
    return exit_code;
}
