/* certsweep merge: the shard reports of one sharded scan joined into one
 * report, in any output format. */
#include "src/cli.h"

#include <errno.h>
#include <stdio.h>
#include <time.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/atomicfile.h"
#include "aws/error.h"
#include "config/config.h"
#include "report/merge.h"
#include "report/outputs.h"
#include "report/read.h"
#include "report/report.h"
#include "securityhub/asff.h"
#include "securityhub/securityhub.h"
#include "sts/profile.h"

enum { OPT_FAIL_ON = 256 };

static int cli_merge(int argc, char **argv);

static const cli_flag merge_flags[] = {
    { "format", 'f', "FMT",
      "table (default), json, csv (with coverage_gap rows, as in scan), asff (member mode only; home region from the config, as in scan), html or jsonl. With a single output file it is that file's format; with several, the format of - (standard output) and of a file without a known extension" },
    { "output", 'o', "FILE",
      "write the report to FILE instead of standard output (- is standard output); may be given up to " REPORT_OUTPUTS_MAX_TEXT " times, each file in the format its extension names (" REPORT_OUTPUT_EXTENSIONS " but .prom, which only scan writes; .txt is the table) unless --format says otherwise for a single file; every file is replaced only when complete" },
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
        "that cannot be merged (no file is written), 3 coverage gaps, 4 a report cannot be "
        "written.",
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

/* The formats merge writes (report/outputs.h); metrics need a scan. */
static const char *const merge_formats[] = {
    "table", "json", "csv", "asff", "html", "jsonl", NULL,
};

/* One report in its format to dst: CLI_EXIT_OK, CLI_EXIT_FAILURE (cannot
 * write) or CLI_EXIT_USAGE (asff: the configuration). */
static int write_one(FILE *dst, const char *format, int color, const report_doc *m,
                     const char *config_path)
{
    if (strcmp(format, "asff") == 0)
        return write_asff(dst, m, config_path);
    return report_write(dst, format, &m->f, &m->st, m->as_of, color) ? CLI_EXIT_FAILURE
                                                                      : CLI_EXIT_OK;
}

static int cli_merge(int argc, char **argv)
{
    const char *format = NULL, *fail_on = "high", *config_path = NULL;
    const char *paths[REPORT_OUTPUTS_MAX];
    size_t n_paths = 0;
    cli_args a;
    cli_args_init_flags(&a, "merge", argc, argv, merge_flags);
    a.operands_ok = 1;
    for (int c; (c = cli_args_next(&a)) != CLI_ARGS_END;) {
        switch (c) {
        case 'f':         format = a.value; break;
        case 'o':
            if (n_paths < REPORT_OUTPUTS_MAX)
                paths[n_paths] = a.value;
            n_paths++;                       /* past the array: the plan refuses it */
            break;
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
    if (format && strcmp(format, "asff") != 0 && !report_format_known(format))
        return cli_usage_error("merge", "unknown format '%s' (table, json, csv, asff, html or "
                               "jsonl)", format);
    report_output outs[REPORT_OUTPUTS_MAX];
    size_t n_outs = 0;
    {
        char why[700];
        if (report_outputs_plan(paths, n_paths, format, "table", merge_formats, outs, &n_outs,
                                why, sizeof(why)) != 0)
            return cli_usage_error("merge", "%s", why);
    }
    size_t n = (size_t)(argc - a.first_operand);
    if (a.first_operand >= argc)
        return cli_usage_error("merge", "no report given; run 'certsweep merge --help'");

    const char *const *names = (const char *const *)argv + a.first_operand;
    report_doc *docs = calloc(n, sizeof(*docs));
    report_doc merged;
    report_doc_init(&merged);
    aws_atomic_file outf[REPORT_OUTPUTS_MAX];
    memset(outf, 0, sizeof(outf));
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
    for (size_t i = 0; i < n_outs; i++) {
        char e[400];
        if (strcmp(outs[i].path, "-") != 0 &&
            aws_atomic_file_open(&outf[i], outs[i].path, e, sizeof(e)) != 0) {
            fprintf(stderr, "certsweep: merge: cannot write '%s': %s\n", outs[i].path, e);
            goto out;                                       /* 2, as scan */
        }
    }
    /* Every file report in full before any file is put in place, and the
     * files in place before standard output gets its report (as scan). */
    int cfail = 0;
    for (int pass = 0; pass < 2 && !cfail; pass++) {        /* files, then stdout */
        for (size_t i = 0; i < n_outs; i++) {
            int color, to_stdout = pass;
            FILE *dst = report_output_stream(&outs[i], outf[i].f, pass, &color);
            if (!dst)
                continue;
            int wrc = write_one(dst, outs[i].format, color, &merged, config_path);
            if (wrc == CLI_EXIT_OK && to_stdout && (fflush(stdout) != 0 || ferror(stdout)))
                wrc = CLI_EXIT_FAILURE;
            if (wrc != CLI_EXIT_OK) {
                if (wrc == CLI_EXIT_FAILURE)
                    fprintf(stderr, "certsweep: merge: cannot write the %s report to %s\n",
                            outs[i].format, to_stdout ? "standard output" : outs[i].path);
                exit_code = wrc;
                goto out;
            }
        }
        for (size_t i = 0; i < n_outs && pass == 0; i++) {
            char e[200];
            if (outf[i].f && aws_atomic_file_commit(&outf[i], e, sizeof(e)) != 0) {
                fprintf(stderr, "certsweep: merge: cannot write '%s': %s\n", outs[i].path, e);
                cfail = 1;
            }
        }
    }
    if (cfail)
        exit_code = CLI_EXIT_FAILURE;
    else if (scanner_findings_fail(&merged.f, fail_on))
        exit_code = CLI_EXIT_FINDINGS;
    else if (merged.f.n_gaps)
        exit_code = CLI_EXIT_PARTIAL;
    else
        exit_code = CLI_EXIT_OK;
out:
    for (size_t i = 0; i < REPORT_OUTPUTS_MAX; i++)
        aws_atomic_file_abort(&outf[i]);
    for (size_t i = 0; i < n; i++)
        report_doc_finish(&docs[i]);
    free(docs);
    report_doc_finish(&merged);
    return exit_code;
}
