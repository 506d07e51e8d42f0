/* certsweep merge: the shard reports of one sharded scan joined into one
 * report, in any output format. */
#include "src/cli.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/error.h"
#include "config/config.h"
#include "report/merge.h"
#include "report/read.h"
#include "report/report.h"
#include "securityhub/asff.h"
#include "securityhub/securityhub.h"
#include "sts/profile.h"

enum { OPT_FAIL_ON = 256 };

static int cli_merge(int argc, char **argv);

static const cli_flag merge_flags[] = {
    { "format", 'f', "FMT",
      "table (default), json, csv, or asff (member mode only; home region from the config, as in scan)" },
    { "output", 'o', "FILE", "write the report to FILE instead of standard output" },
    { "fail-on", OPT_FAIL_ON, "SEVERITY",
      "exit 1 when a finding is at or above SEVERITY: critical, high (default), medium, low, informational, or none" },
    { "config", 'c', "FILE", "configuration for --format asff ([securityhub])" },
    { "help", 'h', NULL, "show this help" },
    { NULL, 0, NULL, NULL },
};

const cli_command cli_command_merge = {
    .name = "merge",
    .run = cli_merge,
    .summary = "join the JSON reports of a sharded scan into one",
    .operands = "REPORT...",
    .description =
        "Joins the JSON reports of the shards of one scan (certsweep scan --shard K/N "
        "--format json) into the report one host would have written: every finding, "
        "coverage gap and resolved finding, the counters added up. Refuses reports "
        "judged at different instants (as_of), of another schema, overlapping ones, "
        "and an incomplete or repeated set of shards. REPORT may be - (standard input).",
    .flags = merge_flags,
    .exit_status =
        "as scan: 0 clean, 1 findings at or above --fail-on, 2 usage error or a report "
        "that cannot be merged, 3 coverage gaps, 4 the report cannot be written.",
};


/* ASFF needs Security Hub's home region and mode, as scan finds them. */
static int write_asff(FILE *dst, const report_doc *m, const char *config_path)
{
    config cfg;
    config_init(&cfg);
    const char *path = config_path ? config_path : config_default_path();
    int rc = CLI_EXIT_USAGE;
    char region[64];
    shub_mode mode;
    if (path && config_load_file(&cfg, path, stderr) != 0)
        goto out;
    if (shub_mode_parse(cfg.securityhub_mode, &mode) != 0 || mode != SHUB_MEMBER) {
        fprintf(stderr, "certsweep: merge: --format asff needs [securityhub] mode = member "
                "(central mode imports from the scanning account: let each shard import)\n");
        goto out;
    }
    if (cfg.securityhub_region && *cfg.securityhub_region)
        snprintf(region, sizeof(region), "%s", cfg.securityhub_region);
    else if (cfg.region && *cfg.region)
        snprintf(region, sizeof(region), "%s", cfg.region);
    else
        sts_resolve_region(NULL, cfg.profile, region, sizeof(region));
    /* As the import would send them now: UpdatedAt from the clock, never
     * the reports' as_of; CreatedAt from the findings' first run. */
    shub_opts so = { .home_region = region, .mode = mode };
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    rc = shub_write_asff(dst, &so, &m->f, (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000) == 0
             ? CLI_EXIT_OK : CLI_EXIT_FAILURE;
out:
    config_finish(&cfg);
    return rc;
}

static int cli_merge(int argc, char **argv)
{
    const char *format = "table", *output = NULL, *fail_on = "high", *config_path = NULL;
    cli_args a;
    cli_args_init_flags(&a, "merge", argc, argv, merge_flags);
    a.operands_ok = 1;
    for (int c; (c = cli_args_next(&a)) != CLI_ARGS_END;) {
        switch (c) {
        case 'f':         format = a.value; break;
        case 'o':         output = a.value; break;
        case OPT_FAIL_ON: fail_on = a.value; break;
        case 'c':         config_path = a.value; break;
        case 'h':         cli_command_usage(stdout, &cli_command_merge); return CLI_EXIT_OK;
        default:          return CLI_EXIT_USAGE;
        }
    }
    scanner_severity sev;
    if (strcmp(fail_on, "none") != 0 && scanner_severity_parse(fail_on, &sev) != 0)
        return cli_usage_error("merge", "--fail-on: '%s' is not a severity (critical, high, "
                               "medium, low, informational or none)", fail_on);
    int asff = strcmp(format, "asff") == 0;
    if (!asff && !report_format_known(format))
        return cli_usage_error("merge", "unknown format '%s' (table, json, csv or asff)", format);
    size_t n = (size_t)(argc - a.first_operand);
    if (a.first_operand >= argc)
        return cli_usage_error("merge", "no report given; run 'certsweep merge --help'");

    const char *const *names = (const char *const *)argv + a.first_operand;
    report_doc *docs = calloc(n, sizeof(*docs));
    report_doc merged;
    report_doc_init(&merged);
    int exit_code = CLI_EXIT_USAGE;
    char why[600];
    if (!docs) {
        fprintf(stderr, "certsweep: merge: out of memory\n");
        return CLI_EXIT_FAILURE;
    }
    for (size_t i = 0; i < n; i++)
        report_doc_init(&docs[i]);
    for (size_t i = 0; i < n; i++) {
        int rc = report_read_file(names[i], &docs[i], why, sizeof(why));
        if (rc) {
            fprintf(stderr, "certsweep: merge: %s: %s\n", names[i], why);
            exit_code = rc == AWS_ENOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
            goto out;
        }
    }
    int rc = report_merge(docs, names, n, &merged, why, sizeof(why));
    if (rc) {
        fprintf(stderr, "certsweep: merge: %s\n", why);
        exit_code = rc == AWS_ENOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
        goto out;
    }
    FILE *dst = stdout;
    if (output && (!*output || !(dst = fopen(output, "w")))) {
        fprintf(stderr, "certsweep: merge: cannot write '%s': %s\n", output,
                *output ? strerror(errno) : "empty file name");
        goto out;
    }
    int wrc;
    if (asff)
        wrc = write_asff(dst, &merged, config_path);
    else
        wrc = report_write(dst, format, &merged.f, &merged.st, merged.as_of,
                           !output && strcmp(format, "table") == 0 && isatty(STDOUT_FILENO))
              ? CLI_EXIT_FAILURE : CLI_EXIT_OK;
    if (fflush(dst) != 0 && wrc == CLI_EXIT_OK)
        wrc = CLI_EXIT_FAILURE;
    if (dst != stdout && fclose(dst) != 0 && wrc == CLI_EXIT_OK)
        wrc = CLI_EXIT_FAILURE;
    if (wrc != CLI_EXIT_OK) {
        if (wrc == CLI_EXIT_FAILURE)
            fprintf(stderr, "certsweep: merge: cannot write the report\n");
        exit_code = wrc;
        goto out;
    }
    if (scanner_findings_fail(&merged.f, fail_on))
        exit_code = CLI_EXIT_FINDINGS;
    else if (merged.f.n_gaps)
        exit_code = CLI_EXIT_PARTIAL;
    else
        exit_code = CLI_EXIT_OK;
out:
    for (size_t i = 0; i < n; i++)
        report_doc_finish(&docs[i]);
    free(docs);
    report_doc_finish(&merged);
    return exit_code;
}
