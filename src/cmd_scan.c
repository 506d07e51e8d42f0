/* certsweep scan: discover the organization's accounts and regions, collect
 * every certificate, judge them and write the report. */
#include "src/cli.h"

#include <errno.h>
#include <signal.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <uv.h>

#include "aws/atomicfile.h"
#include "aws/awstime.h"
#include "aws/client.h"
#include "aws/rates.h"
#include "aws/endpoints.h"
#include "aws/error.h"
#include "aws/log.h"
#include "config/config.h"
#include "report/metrics.h"
#include "report/outputs.h"
#include "report/report.h"
#include "run/run.h"
#include "scanner/finding.h"
#include "scanner/rules.h"
#include "scanner/scan.h"
#include "scanner/suppress.h"
#include "securityhub/asff.h"
#include "sts/profile.h"
#include "sts/providers.h"

/* ---- progress line (only when stderr is a terminal) ----------------------- */

typedef struct progress_line {
    int enabled;
    int shown;
    uint64_t last_ns;
    scanner_progress last;
} progress_line;

static void progress_clear(void *ud)
{
    progress_line *p = ud;
    if (p->shown) {
        fputs("\r\033[K", stderr);
        p->shown = 0;
    }
}

static void progress_draw(progress_line *p)
{
    fprintf(stderr, "\r\033[K[accounts %zu/%zu] [regions %zu/%zu] findings %zu",
            p->last.accounts_done, p->last.accounts_total, p->last.targets_done,
            p->last.targets_total, p->last.findings);
    if (p->last.gaps)
        fprintf(stderr, " gaps %zu", p->last.gaps);
    fflush(stderr);
    p->shown = 1;
}

static void on_progress(const scanner_progress *sp, void *ud)
{
    progress_line *p = ud;
    if (!p->enabled)
        return;
    p->last = *sp;
    uint64_t now = uv_hrtime();
    if (p->shown && now - p->last_ns < 100000000u)    /* at most ~10 a second */
        return;
    p->last_ns = now;
    progress_draw(p);
}

/* ---- flags --------------------------------------------------------------- */

typedef struct scan_flags {
    const char *config_path;
    const char *accounts, *regions, *as_of, *format, *fail_on, *concurrency;
    const char *outputs[REPORT_OUTPUTS_MAX];   /* --output, in order */
    size_t n_outputs;                          /* may pass the array: the plan refuses it */
    const char *dry_run, *profile, *region, *severity, *rule, *notify, *notify_dry_run, *shard;
    int verbose, quiet, no_securityhub, no_notify, securityhub, what_if_writes;
} scan_flags;

enum {
    OPT_AS_OF = 256, OPT_FAIL_ON, OPT_CONCURRENCY, OPT_NO_SECURITYHUB, OPT_DRY_RUN,
    OPT_PROFILE, OPT_REGION, OPT_SEVERITY, OPT_RULE,
    OPT_NOTIFY, OPT_NO_NOTIFY, OPT_NOTIFY_DRY_RUN, OPT_SHARD,
    OPT_SECURITYHUB, OPT_WHAT_IF_WRITES,
};

static int cli_scan(int argc, char **argv);

static const cli_flag scan_flags_table[] = {
    { "config", 'c', "FILE",
      "configuration file (default: $CERTSWEEP_CONFIG, else /etc/certsweep/certsweep.conf if it exists)" },
    { "accounts", 'a', "ID,...", "scan these accounts instead of listing the organization" },
    { "regions", 'r', "R,...|all", "regions to scan; all = each account's enabled regions" },
    { "profile", OPT_PROFILE, "NAME", "AWS profile of the scanning identity ([aws] profile)" },
    { "region", OPT_REGION, "REGION", "home region ([aws] region; not the regions to scan)" },
    { "severity", OPT_SEVERITY, "LIST",
      "report only findings of these severities (the scan, Security Hub and the state still see every finding)" },
    { "rule", OPT_RULE, "LIST", "report only findings of these rules ('certsweep rules')" },
    { "as-of", OPT_AS_OF, "DATE",
      "judge as of this ISO 8601 date or time (default: now); a what-if: writes the report, but nothing to Security Hub (or any other outside system) and no labels" },
    { "what-if-writes", OPT_WHAT_IF_WRITES, NULL,
      "with --as-of, import into Security Hub all the same (nothing is archived; notifications are never sent)" },
    { "format", 'f', "FMT",
      "table (default), json, csv (a first column row_type: one finding row each, worst first, then one coverage_gap row each, with its operation, error_code and message in the last three columns), asff (the findings in the AWS Security Finding Format as the import would send them now: CreatedAt from the state, UpdatedAt the clock), html (one self-contained page), jsonl (one JSON object a line, its type finding, resolved or coverage_gap) or prometheus (metrics in the Prometheus text format). With a single output file it is that file's format; with several, the format of - (standard output) and of a file without a known extension" },
    { "output", 'o', "FILE",
      "write the report to FILE instead of standard output (- is standard output); may be given up to " REPORT_OUTPUTS_MAX_TEXT " times, each file in the format its extension names (" REPORT_OUTPUT_EXTENSIONS "; .txt is the table) unless --format says otherwise for a single file; every file is replaced only when complete" },
    { "fail-on", OPT_FAIL_ON, "SEVERITY",
      "exit 1 when a finding is at or above SEVERITY: critical, high (default), medium, low, informational, or none" },
    { "concurrency", OPT_CONCURRENCY, "N", "AWS calls in flight (default 128)" },
    { "shard", OPT_SHARD, "K/N",
      "scan shard K of N: the accounts whose id hashes to K (SHA-256, stable when accounts come and go); N hosts share one organization, 'certsweep merge' joins their JSON reports. env/N: K from JOB_COMPLETION_INDEX (Kubernetes Indexed Job) or AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job), both 0-based" },
    { "securityhub", OPT_SECURITYHUB, NULL,
      "import into Security Hub even without a [securityhub] section (its defaults: member mode, the home region)" },
    { "no-securityhub", OPT_NO_SECURITYHUB, NULL, "do not import into Security Hub" },
    { "dry-run", OPT_DRY_RUN, "FILE",
      "write the BatchImportFindings requests Security Hub would get to FILE (one JSON request a line) and call nothing there; the state records the run only" },
    { "notify", OPT_NOTIFY, "WHEN",
      "digests ([email], [sns]): auto (default) sends a digest when it holds something new, escalated or resolved, else repeats open findings every [notify] repeat_days; always sends regardless" },
    { "no-notify", OPT_NO_NOTIFY, NULL, "send no digest" },
    { "notify-dry-run", OPT_NOTIFY_DRY_RUN, "DIR",
      "write the digests (.eml, SNS payloads) into DIR and send nothing" },
    { "verbose", 'v', NULL, "more log lines (-vv: debug)" },
    { "quiet", 'q', NULL, "errors only" },
    { "help", 'h', NULL, "show this help" },
    { NULL, 0, NULL, NULL },
};

const cli_command cli_command_scan = {
    .name = "scan",
    .run = cli_scan,
    .summary = "scan the organization for certificate risks",
    .description =
        "Scans the AWS Organization (or the listed accounts) for TLS certificate risks in "
        "ACM, API Gateway (client certificates, stages, custom domains) and IAM server "
        "certificates and writes one report. With a [securityhub] section in the config "
        "(or --securityhub) it also imports the findings into AWS Security Hub in one "
        "home region: in member mode (recommended) into each certificate's own account, "
        "in central mode all into the account that runs the scan. A finding imported "
        "earlier is archived only when this run read its source in full for its account "
        "and region and its rule ran (or when it moved to another hub); anything not "
        "read keeps its state.\n\n"
        "The home region (STS, Organizations, and Security Hub unless [securityhub] "
        "region is set) is [aws] region, else AWS_REGION, AWS_DEFAULT_REGION, the "
        "profile's region ([aws] profile, else AWS_PROFILE), else us-east-1: the same "
        "as 'certsweep whoami'.\n\n"
        "Each option overrides the configuration file.",
    .flags = scan_flags_table,
    .exit_status =
        "0 clean, 1 findings at or above --fail-on, 2 usage or config error, "
        "3 scan completed with coverage gaps (and no finding at or above --fail-on), "
        "4 could not run, 5 the scan was clean but a sink failed: the Security Hub "
        "export had a problem (not enabled in an account, a call failed, findings "
        "refused; each is logged with its fix) or a notification could not be delivered "
        "(a digest kept in the outbox for the next run or 'certsweep notify --retry', a "
        "ticket kept for the next run or for a person). Findings take precedence over "
        "gaps, gaps over 5: a partial scan with failing findings exits 1. A --as-of run "
        "notifies nobody and writes nothing to Security Hub. "
        "130 / 143: interrupted by SIGINT / SIGTERM (no report or dry run written; "
        "earlier files are left as they were).",
};

/* 0: flags read; 1: --help printed; -1: usage error printed. */
static int parse_flags(int argc, char **argv, scan_flags *f)
{
    cli_args a;
    cli_args_init_flags(&a, "scan", argc, argv, scan_flags_table);
    for (;;) {
        int c = cli_args_next(&a);
        switch (c) {
        case CLI_ARGS_END:       return 0;
        case CLI_ARGS_ERROR:     return -1;
        case 'h':                cli_command_usage(stdout, &cli_command_scan); return 1;
        case 'v':                f->verbose++; break;
        case 'q':                f->quiet = 1; break;
        case OPT_NO_SECURITYHUB: f->no_securityhub = 1; break;
        case OPT_SECURITYHUB:    f->securityhub = 1; break;
        case OPT_WHAT_IF_WRITES: f->what_if_writes = 1; break;
        case 'c':                f->config_path = a.value; break;
        case 'a':                f->accounts = a.value; break;
        case 'r':                f->regions = a.value; break;
        case OPT_AS_OF:          f->as_of = a.value; break;
        case 'f':                f->format = a.value; break;
        case 'o':
            if (f->n_outputs < REPORT_OUTPUTS_MAX)
                f->outputs[f->n_outputs] = a.value;
            f->n_outputs++;
            break;
        case OPT_FAIL_ON:        f->fail_on = a.value; break;
        case OPT_CONCURRENCY:    f->concurrency = a.value; break;
        case OPT_DRY_RUN:        f->dry_run = a.value; break;
        case OPT_PROFILE:        f->profile = a.value; break;
        case OPT_REGION:         f->region = a.value; break;
        case OPT_SEVERITY:       f->severity = a.value; break;
        case OPT_RULE:           f->rule = a.value; break;
        case OPT_NOTIFY:         f->notify = a.value; break;
        case OPT_NO_NOTIFY:      f->no_notify = 1; break;
        case OPT_NOTIFY_DRY_RUN: f->notify_dry_run = a.value; break;
        case OPT_SHARD:          f->shard = a.value; break;
        default:                 return -1;     /* an option missing from the switch */
        }
    }
}

/* The home region (STS, Organizations, global services, Security Hub's
 * default): [aws] region, else what the AWS CLI would use for the profile
 * (AWS_REGION, AWS_DEFAULT_REGION, the profile's region, us-east-1). */
static void home_region(const config *c, char *buf, size_t n)
{
    if (c->region && *c->region)
        snprintf(buf, n, "%s", c->region);
    else
        sts_resolve_region(NULL, c->profile, buf, n);
}

/* config_set() for a flag's value; its message ("scan.format: 'x' is not
 * allowed ...") is reported as the flag's: "certsweep: scan: --format: 'x'
 * is not allowed ...". */
static int set_from_flag(config *c, const char *flag, const char *key, const char *value)
{
    char *msg = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&msg, &len);
    int rc = config_set(c, key, value, errs ? errs : stderr);
    if (errs && fclose(errs) == 0 && msg) {
        const char *m = msg;
        size_t k = strlen(key);
        if (strncmp(m, key, k) == 0 && strncmp(m + k, ": ", 2) == 0)
            m += k + 2;
        for (const char *line = m; *line;) {
            size_t n = strcspn(line, "\n");
            fprintf(stderr, "certsweep: scan: %s: %.*s\n", flag, (int)n, line);
            line += n + (line[n] == '\n');
        }
    }
    free(msg);
    return rc;
}

/* --severity and --rule: what the report shows.  Each list is parsed into
 * a bit set (severities) or a list of known rule ids. */
typedef struct report_filter {
    unsigned severities;            /* bit per scanner_severity; 0: all */
    config_list rules;              /* empty: all */
} report_filter;

static int filter_keep(const scanner_finding *fd, void *ud)
{
    const report_filter *rf = ud;
    if (rf->severities && !(rf->severities & (1u << (unsigned)fd->severity)))
        return 0;
    return rf->rules.n == 0 || config_list_contains(&rf->rules, fd->rule);
}

/* 0, or CLI_EXIT_USAGE with the problem printed. */
static int filter_parse(report_filter *rf, const char *severity, const char *rule)
{
    config_list l;
    memset(&l, 0, sizeof(l));
    if (severity) {
        if (config_list_parse(&l, severity) != 0 || l.n == 0)
            return cli_usage_error("scan", "--severity needs a list of severities "
                                   "(critical, high, medium, low, informational)");
        for (size_t i = 0; i < l.n; i++) {
            scanner_severity sv;
            if (scanner_severity_parse(l.v[i], &sv) != 0) {
                int rc = cli_usage_error("scan", "--severity: '%s' is not a severity \u2014 use "
                                         "critical, high, medium, low or informational", l.v[i]);
                config_list_free(&l);
                return rc;
            }
            rf->severities |= 1u << (unsigned)sv;
        }
        config_list_free(&l);
    }
    if (rule) {
        if (config_list_parse(&rf->rules, rule) != 0 || rf->rules.n == 0)
            return cli_usage_error("scan", "--rule needs a list of rule ids ('certsweep rules')");
        for (size_t i = 0; i < rf->rules.n; i++) {
            char hint[512];
            if (!scanner_rule_check(rf->rules.v[i], hint, sizeof(hint)))
                return cli_usage_error("scan", "--rule: '%s' is not a rule \xe2\x80\x94 %s",
                                       rf->rules.v[i], hint);
        }
    }
    return 0;
}

static void warn_line(const char *line, void *ud)
{
    (void)ud;
    aws_log_warn("suppressions: %s", line);
}

/* --as-of takes an ISO 8601 date or time, as its help says: it starts
 * with YYYY-, never an epoch number (aws_time_parse reads those too). */
static int starts_with_year(const char *s)
{
    for (int i = 0; i < 4; i++)
        if (s[i] < '0' || s[i] > '9')
            return 0;
    return s[4] == '-';
}

/* ---- SIGINT / SIGTERM ----------------------------------------------------
 * Signals arrive as libuv handles on the loop (no work in a signal
 * handler): the first one cancels every AWS call and stops running
 * credential_process helpers, the scan then ends at once, nothing is
 * exported or written (no report, no dry run; earlier files stay as they
 * were), the run is recorded as interrupted and the exit status is
 * 128 + the signal.  A second signal ends the process at once. */

typedef struct interrupt {
    uv_signal_t h[2];
    int started;
    int signum;                  /* the first signal seen; 0: none */
    aws_client *client;          /* set once it exists (callbacks run only in the scan) */
    aws_atomic_file *files[REPORT_OUTPUTS_MAX + 2]; /* removed before a second signal ends the process */
    size_t n_files;
} interrupt;

static void on_signal(uv_signal_t *h, int signum)
{
    interrupt *in = h->data;
    if (in->signum) {
        /* the second one: the default action, now (no temporary file left) */
        for (size_t i = 0; i < in->n_files; i++)
            aws_atomic_file_abort(in->files[i]);
        signal(signum, SIG_DFL);
        raise(signum);
        return;
    }
    in->signum = signum;
    aws_log_warn("scan: %s received: stopping (no report is written; the run is "
                 "recorded as interrupted)", signum == SIGINT ? "SIGINT" : "SIGTERM");
    aws_client_cancel(in->client);
    sts_process_stop_all();
}

static void interrupt_start(interrupt *in, uv_loop_t *loop)
{
    static const int sigs[2] = { SIGINT, SIGTERM };
    for (int i = 0; i < 2; i++) {
        if (uv_signal_init(loop, &in->h[i]) != 0)
            break;
        in->h[i].data = in;
        in->started = i + 1;
        uv_signal_start(&in->h[i], on_signal, sigs[i]);
        uv_unref((uv_handle_t *)&in->h[i]);      /* never keeps the loop alive */
    }
}

static void interrupt_stop(interrupt *in)
{
    for (int i = 0; i < in->started; i++)
        uv_close((uv_handle_t *)&in->h[i], NULL);
    in->started = 0;
}

/* What every report writer of one run reads. */
typedef struct report_ctx {
    const scanner_findings *findings;
    const scanner_stats *st;
    const scanner_scanned_accounts *accounts;
    const scanner_inventory *inv;
    int64_t as_of;
    const config *cfg;
    const char *shub_home;
    shub_mode mode;
    const char *scanning_account;
} report_ctx;

/* Writes one report in its format to dst.  0 or an AWS_E* code. */
static int write_report(FILE *dst, const char *format, int color, const report_ctx *x)
{
    if (strcmp(format, "prometheus") == 0)
        return report_metrics_write(dst, x->findings, x->st, x->accounts, x->inv,
                                    (int64_t)time(NULL));
    if (strcmp(format, "asff") != 0)
        return report_write(dst, format, x->findings, x->st, x->as_of, color);
    /* What the import would send now: the state's history, UpdatedAt
     * from the clock (never --as-of). */
    state_db *db = NULL;
    char swhy[1400];
    const config *cfg = x->cfg;
    if (cfg->state_dir && *cfg->state_dir &&
        state_open_why(cfg->state_dir, NULL, &db, swhy, sizeof(swhy)) != 0) {
        aws_log_warn("state: cannot open the state (%s): CreatedAt of the ASFF findings "
                     "is their first run, or now", swhy);
        db = NULL;
    }
    shub_opts so = {
        .home_region = x->shub_home,
        .mode = x->mode,
        .scanning_account = x->scanning_account,
        .state = db,
    };
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    int rc = shub_write_asff(dst, &so, x->findings,
                             (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000);
    state_close(db);
    return rc;
}

/* The formats scan writes (report/outputs.h). */
static const char *const scan_formats[] = {
    "table", "json", "csv", "asff", "html", "jsonl", "prometheus", NULL,
};

static int cli_scan(int argc, char **argv)
{
    scan_flags fl;
    memset(&fl, 0, sizeof(fl));
    int pr = parse_flags(argc, argv, &fl);
    if (pr > 0)
        return CLI_EXIT_OK;
    if (pr < 0)
        return CLI_EXIT_USAGE;

    aws_log_set_level(fl.quiet ? AWS_LOG_ERROR : fl.verbose >= 2 ? AWS_LOG_DEBUG
                      : fl.verbose ? AWS_LOG_INFO : AWS_LOG_WARN);

    int exit_code = CLI_EXIT_FAILURE;
    config cfg;
    config_init(&cfg);
    cfg.rule_check = scanner_rule_check;    /* unknown rule ids are errors too */
    uv_loop_t loop;
    int loop_ok = 0;
    aws_client *client = NULL;
    aws_creds_provider *caller = NULL;
    scanner_findings findings;
    scanner_findings_init(&findings);
    /* --output and --dry-run go to temporary files renamed into place when
     * complete: a run that fails or is interrupted leaves earlier ones. */
    report_output outs[REPORT_OUTPUTS_MAX];
    size_t n_outs = 0;
    aws_atomic_file outf[REPORT_OUTPUTS_MAX], dry, textfile;
    memset(outf, 0, sizeof(outf));
    memset(&dry, 0, sizeof(dry));
    memset(&textfile, 0, sizeof(textfile));
    scanner_inventory inv;
    scanner_inventory_init(&inv, 0);
    interrupt intr;
    memset(&intr, 0, sizeof(intr));
    scanner_scan_result res;
    scanner_scan_result_init(&res);
    progress_line prog;
    memset(&prog, 0, sizeof(prog));
    scanner_suppressions supp;
    scanner_suppressions_init(&supp);
    report_filter filter;
    memset(&filter, 0, sizeof(filter));

    scanner_shard shard = { 0, 0 };
    if (fl.shard) {
        char why[300];
        if (scanner_shard_parse(fl.shard, getenv("JOB_COMPLETION_INDEX"),
                                getenv("AWS_BATCH_JOB_ARRAY_INDEX"), &shard, why, sizeof(why)) != 0) {
            exit_code = cli_usage_error("scan", "%s", why);
            goto out;
        }
    }
    const char *path = fl.config_path ? fl.config_path : config_default_path();
    if (fl.config_path && !*fl.config_path) {
        fprintf(stderr, "certsweep: scan: --config needs a file name\n");
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    if (path && config_load_file(&cfg, path, stderr) != 0) {
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    {
        const struct { const char *flag, *key, *value; } sets[] = {
            { "--accounts", "scan.accounts", fl.accounts },
            { "--regions", "scan.regions", fl.regions },
            { "--format", "scan.format", fl.format },
            { "--fail-on", "scan.fail_on", fl.fail_on },
            { "--concurrency", "scan.concurrency", fl.concurrency },
            { "--profile", "aws.profile", fl.profile },
            { "--region", "aws.region", fl.region },
        };
        for (size_t i = 0; i < sizeof(sets) / sizeof(sets[0]); i++) {
            if (sets[i].value && !*sets[i].value) {
                fprintf(stderr, "certsweep: scan: %s needs a value\n", sets[i].flag);
                exit_code = CLI_EXIT_USAGE;
                goto out;
            }
            if (sets[i].value && set_from_flag(&cfg, sets[i].flag, sets[i].key, sets[i].value) != 0) {
                exit_code = CLI_EXIT_USAGE;
                goto out;
            }
        }
    }
    /* The command line overrides the file: --accounts replaces the
     * accounts the file would list, OUs included. */
    if (fl.accounts)
        config_list_free(&cfg.organizational_units);
    if (config_validate_as(&cfg, path ? path : "command line", stderr) != 0) {
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    if ((fl.severity || fl.rule) && filter_parse(&filter, fl.severity, fl.rule) != 0) {
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    if (cfg.suppressions) {
        int src = scanner_suppressions_load(&supp, cfg.suppressions, stderr);
        if (src != 0) {
            exit_code = src == AWS_ENOMEM ? CLI_EXIT_FAILURE : CLI_EXIT_USAGE;
            goto out;
        }
    }
    notify_when when = NOTIFY_AUTO;
    if (fl.notify && strcmp(fl.notify, "always") == 0)
        when = NOTIFY_ALWAYS;
    else if (fl.notify && strcmp(fl.notify, "auto") != 0) {
        exit_code = cli_usage_error("scan", "--notify takes always or auto, not '%s'", fl.notify);
        goto out;
    }
    if (fl.no_notify && fl.notify) {
        exit_code = cli_usage_error("scan", "--notify and --no-notify contradict each other");
        goto out;
    }
    if (fl.no_notify)
        when = NOTIFY_NEVER;
    if (fl.notify_dry_run && !*fl.notify_dry_run) {
        exit_code = cli_usage_error("scan", "--notify-dry-run needs a directory");
        goto out;
    }
    if (fl.securityhub && fl.no_securityhub) {
        fprintf(stderr, "certsweep: scan: --securityhub and --no-securityhub contradict each "
                "other; give one\n");
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    if (fl.what_if_writes && !fl.as_of) {
        fprintf(stderr, "certsweep: scan: --what-if-writes only applies with --as-of\n");
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    /* Security Hub only when asked: a [securityhub] section (not set to
     * enabled = false) or --securityhub; --no-securityhub wins. */
    int want_shub = !fl.no_securityhub &&
                    (fl.securityhub || (cfg.securityhub_section && cfg.securityhub_enabled));
    {
        /* --format was checked against [scan] format's choices above. */
        char why[700];
        if (report_outputs_plan(fl.outputs, fl.n_outputs, fl.format, cfg.format, scan_formats,
                                outs, &n_outs, why, sizeof(why)) != 0) {
            exit_code = cli_usage_error("scan", "%s", why);
            goto out;
        }
    }
    int prom = report_outputs_have(outs, n_outs, "prometheus");
    shub_mode mode;
    if (shub_mode_parse(cfg.securityhub_mode, &mode) != 0) {
        fprintf(stderr, "certsweep: scan: [securityhub] mode '%s' is not member or central\n",
                cfg.securityhub_mode);
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    int64_t as_of = (int64_t)time(NULL);
    /* A year before 1970 (0000 included, which no timestamp parses) says so. */
    int early = fl.as_of && starts_with_year(fl.as_of) && strncmp(fl.as_of, "1970", 4) < 0;
    if (fl.as_of && !early &&
        (!starts_with_year(fl.as_of) || aws_time_parse(fl.as_of, &as_of) != 0)) {
        fprintf(stderr, "certsweep: scan: --as-of '%s' is not an ISO 8601 date or time "
                "(e.g. 2026-11-23 or 2026-11-23T08:00:00Z)\n", fl.as_of);
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    if (fl.as_of && (early || as_of < 0)) {
        fprintf(stderr, "certsweep: scan: --as-of '%s' is before 1970-01-01 \xe2\x80\x94 "
                "give a date from 1970 on\n", fl.as_of);
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    char region[64];
    home_region(&cfg, region, sizeof(region));
    if (!aws_region_valid(region)) {
        fprintf(stderr, "certsweep: scan: '%s' is not a valid region (set [aws] region, "
                "AWS_REGION or the profile's region)\n", region);
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    aws_log_info("scan: home region %s", region);
    if (cli_check_transport(&cfg, "scan") != 0) {
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    if (uv_loop_init(&loop) != 0) {
        fprintf(stderr, "certsweep: scan: cannot start the event loop\n");
        goto out;
    }
    loop_ok = 1;
    interrupt_start(&intr, &loop);
    intr.files[intr.n_files++] = &dry;
    intr.files[intr.n_files++] = &textfile;
    for (size_t i = 0; i < n_outs; i++) {
        /* Opened now, so that an unwritable path fails before the scan
         * (after the signal handles: an interrupt removes them). */
        char why[1200];
        intr.files[intr.n_files++] = &outf[i];
        if (strcmp(outs[i].path, "-") == 0)
            continue;
        if (aws_atomic_file_open(&outf[i], outs[i].path, why, sizeof(why)) != 0) {
            fprintf(stderr, "certsweep: scan: cannot write '%s': %s\n", outs[i].path, why);
            exit_code = CLI_EXIT_USAGE;
            goto out;
        }
    }
    if (fl.dry_run) {
        char why[1200];
        if (aws_atomic_file_open(&dry, fl.dry_run, why, sizeof(why)) != 0) {
            fprintf(stderr, "certsweep: scan: cannot write '%s': %s\n", fl.dry_run, why);
            exit_code = CLI_EXIT_USAGE;
            goto out;
        }
    }
    /* [metrics] textfile: not in a what-if run, which dashboards must not
     * take for the present (the file is left as it was). */
    if (cfg.metrics_textfile && fl.as_of)
        aws_log_info("scan: --as-of: [metrics] textfile %s left as it was",
                     cfg.metrics_textfile);
    else if (cfg.metrics_textfile) {
        char why[1200];
        if (aws_atomic_file_open(&textfile, cfg.metrics_textfile, why, sizeof(why)) != 0) {
            fprintf(stderr, "certsweep: scan: cannot write '%s': %s\n", cfg.metrics_textfile,
                    why);
            exit_code = CLI_EXIT_USAGE;
            goto out;
        }
    }
    /* Metrics list every certificate's expiry: keep them (capped). */
    if (prom || textfile.f)
        scanner_inventory_init(&inv, (size_t)cfg.metrics_max_certificates);
    aws_client_opts co;
    cli_client_opts(&cfg, &co);
    if (aws_client_new(&loop, &co, &client) != 0) {
        fprintf(stderr, "certsweep: scan: cannot set up the HTTP client\n");
        goto out;
    }
    /* [aws] rate_overrides: validated when the config was loaded. */
    for (size_t i = 0; i < cfg.rate_overrides.n; i++) {
        const aws_rate_limit *row;
        double rate;
        char why[320] = "the transport refused it";
        if (aws_rates_parse_override(cfg.rate_overrides.v[i], &row, &rate, why, sizeof(why)) != 0 ||
            aws_client_set_rate(client, row->scope, rate) != 0) {
            fprintf(stderr, "certsweep: scan: [aws] rate_overrides: %s\n", why);
            goto out;
        }
    }
    if (sts_default_chain_new(&loop, client, cfg.profile, region, &caller) != 0) {
        fprintf(stderr, "certsweep: scan: out of memory\n");
        goto out;
    }

    intr.client = client;
    prog.enabled = isatty(STDERR_FILENO) && !fl.quiet;
    if (prog.enabled)
        aws_log_set_hook(progress_clear, &prog);

    run_opts ro = {
        .scan = {
            .loop = &loop,
            .client = client,
            .caller = caller,
            .cfg = &cfg,
            .home_region = region,
            .as_of = as_of,
            .progress = on_progress,
            .progress_ud = &prog,
            .shard = shard,
            .inventory = prom || textfile.f ? &inv : NULL,
        },
        .state_dir = cfg.state_dir,
        .securityhub = want_shub,
        .shub_region = cfg.securityhub_region,
        .shub_mode = mode,
        .dry_run = dry.f,
        .what_if = fl.as_of != NULL,
        .suppressions = cfg.suppressions ? &supp : NULL,
        .notify = when,
        .notify_dry_run = fl.notify_dry_run,
        .what_if_writes = fl.what_if_writes,
    };
    const char *shub_home = cfg.securityhub_region && *cfg.securityhub_region
                          ? cfg.securityhub_region : region;
    scanner_stats st;
    scanner_stats_init(&st);
    char err[512] = "";
    run_summary sum;
    memset(&sum, 0, sizeof(sum));
    int rc = run_execute(&ro, &findings, &st, &res, &sum, err, sizeof(err));
    if (prog.enabled) {
        progress_clear(&prog);
        aws_log_set_hook(NULL, NULL);
    }
    if (intr.signum) {
        aws_log_error("scan: interrupted by %s: no report written%s", intr.signum == SIGINT
                      ? "SIGINT" : "SIGTERM", fl.n_outputs || fl.dry_run
                      ? " (earlier output files are left as they were)" : "");
        exit_code = 128 + intr.signum;
        goto out;
    }
    if (dry.f && rc == 0) {
        char why[400];
        if (aws_atomic_file_commit(&dry, why, sizeof(why)) != 0) {
            rc = AWS_EIO;
            snprintf(err, sizeof(err), "cannot write '%.300s': %.100s", fl.dry_run, why);
        }
    }
    if (rc != 0) {
        aws_log_error("scan: %s", err);
        exit_code = CLI_EXIT_FAILURE;
        goto out;
    }
    scanner_scanned_accounts accts = scanner_scan_result_accounts(&res);
    int metrics_failed = 0;
    /* [metrics] textfile: every finding (before --severity / --rule). */
    if (textfile.f) {
        char e[200];
        int mrc = report_metrics_write(textfile.f, &findings, &st, &accts, &inv,
                                       (int64_t)time(NULL));
        if (mrc == 0)
            mrc = aws_atomic_file_commit(&textfile, e, sizeof(e));
        else
            snprintf(e, sizeof(e), "%s", aws_strerror(mrc));
        if (mrc != 0) {
            aws_log_error("scan: cannot write '%s': %s", cfg.metrics_textfile, e);
            metrics_failed = 1;
        }
    }
    /* --severity / --rule: after every sink, for the report and the exit
     * status only. */
    if (fl.severity || fl.rule)
        scanner_findings_keep(&findings, filter_keep, &filter);
    report_ctx rx = {
        .findings = &findings,
        .st = &st,
        .accounts = &accts,
        .inv = &inv,
        .as_of = as_of,
        .cfg = &cfg,
        .shub_home = shub_home,
        .mode = mode,
        .scanning_account = res.scanning_account,
    };
    /* Every file report is written in full before any file is put in
     * place (a writer that fails leaves every earlier file as it was), and
     * the files are in place before standard output gets its report: a
     * file that fails is reported before anything is printed. */
    int wfail = 0;
    for (int pass = 0; pass < 2 && !wfail; pass++) {       /* files, then stdout */
        for (size_t i = 0; i < n_outs && !wfail; i++) {
            int color, to_stdout = pass;
            FILE *dst = report_output_stream(&outs[i], outf[i].f, pass, &color);
            if (!dst)
                continue;
            int wrc = write_report(dst, outs[i].format, color, &rx);
            if (wrc == 0 && to_stdout && (fflush(stdout) != 0 || ferror(stdout)))
                wrc = AWS_EIO;
            if (wrc != 0) {
                aws_log_error("scan: cannot write the %s report to %s: %s", outs[i].format,
                              to_stdout ? "standard output" : outs[i].path,
                              wrc == AWS_EIO && to_stdout ? strerror(errno)
                                                          : aws_strerror(wrc));
                wfail = 1;
            }
        }
        int cfail = 0;
        for (size_t i = 0; i < n_outs && !wfail && pass == 0; i++) {
            char e[200];
            /* one that cannot be renamed into place does not hold back the others */
            if (outf[i].f && aws_atomic_file_commit(&outf[i], e, sizeof(e)) != 0) {
                aws_log_error("scan: cannot write the report: '%s': %s", outs[i].path, e);
                cfail = 1;
            }
        }
        if (cfail)
            wfail = 1;
    }
    if (wfail) {
        exit_code = CLI_EXIT_FAILURE;
        goto out;
    }
    if (!fl.quiet && sum.exported)
        fprintf(stderr, "Security Hub %s (%s mode): %zu imported, %zu archived, %zu refused, "
                "%zu skipped in %zu call%s\n", shub_home, cfg.securityhub_mode, sum.imported,
                sum.archived, sum.failed, sum.skipped, sum.batches, sum.batches == 1 ? "" : "s");
    else if (!fl.quiet && sum.what_if_skipped)
        fprintf(stderr, "Security Hub not written: --as-of makes this a what-if run "
                "(--what-if-writes to import anyway)\n");
    else if (!fl.quiet && ro.dry_run)
        fprintf(stderr, "Security Hub dry run: %zu batch%s written to %s\n", sum.dry_run_batches,
                sum.dry_run_batches == 1 ? "" : "es", fl.dry_run);
    if (cfg.suppressions)
        scanner_suppressions_report(&supp, (int64_t)time(NULL), warn_line, NULL);
    if (!fl.quiet && sum.notified && (sum.notify.sent || sum.notify.pending ||
                                      sum.notify.failed || sum.notify.written))
        fprintf(stderr, "Notifications: %zu delivered, %zu kept for a retry, %zu refused%s",
                sum.notify.sent, sum.notify.pending, sum.notify.failed,
                sum.notify.written ? "" : "\n");
    if (!fl.quiet && sum.notify.written)
        fprintf(stderr, ", %zu written to %s\n", sum.notify.written, fl.notify_dry_run);
    if (!fl.quiet && (sum.tickets.sent || sum.tickets.pending || sum.tickets.failed))
        fprintf(stderr, "Tickets: %zu sent, %zu waiting for the next run, %zu refused\n",
                sum.tickets.sent, sum.tickets.pending, sum.tickets.failed);
    if (!fl.quiet && sum.export_problems)
        fprintf(stderr, "Security Hub export: %zu problem%s (above); every certificate was "
                "scanned\n", sum.export_problems, sum.export_problems == 1 ? "" : "s");
    if (scanner_findings_fail(&findings, cfg.fail_on))
        exit_code = CLI_EXIT_FINDINGS;
    else if (findings.n_gaps)
        exit_code = CLI_EXIT_PARTIAL;
    else if (sum.export_problems || sum.notify.pending || sum.notify.failed ||
             sum.tickets.pending || sum.tickets.failed)
        exit_code = CLI_EXIT_DELIVERY;
    else
        exit_code = CLI_EXIT_OK;
    if (metrics_failed)
        exit_code = CLI_EXIT_FAILURE;

out:
    for (size_t i = 0; i < REPORT_OUTPUTS_MAX; i++)
        aws_atomic_file_abort(&outf[i]);    /* nothing when committed */
    aws_atomic_file_abort(&dry);
    aws_atomic_file_abort(&textfile);
    interrupt_stop(&intr);
    scanner_scan_result_finish(&res);       /* the accounts' providers, before the client */
    aws_creds_provider_unref(caller);
    if (client)
        aws_client_free(client);
    if (loop_ok) {
        uv_run(&loop, UV_RUN_DEFAULT);
        if (uv_loop_close(&loop) != 0)
            aws_log_debug("scan: event loop still had handles at exit");
    }
    scanner_findings_finish(&findings);
    scanner_inventory_finish(&inv);
    scanner_suppressions_finish(&supp);
    config_list_free(&filter.rules);
    config_finish(&cfg);
    return exit_code;
}
