/* certsweep notify: the digests of saved JSON reports, or what waits in
 * the outbox, without scanning. */
#include "src/cli.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <uv.h>

#include "aws/buf.h"
#include "aws/client.h"
#include "aws/error.h"
#include "aws/log.h"
#include "config/config.h"
#include "notify/notify.h"
#include "report/read.h"
#include "state/state.h"
#include "sts/profile.h"
#include "sts/providers.h"

enum { OPT_REPORT = 256, OPT_RETRY, OPT_NOTIFY, OPT_DRY_RUN };

static int cli_notify(int argc, char **argv);

static const cli_flag notify_flags_table[] = {
    { "config", 'c', "FILE",
      "configuration file (default: $CERTSWEEP_CONFIG, else /etc/certsweep/certsweep.conf if it exists)" },
    { "report", OPT_REPORT, "FILE", "the JSON report to send the digests of; more reports may follow" },
    { "retry", OPT_RETRY, NULL, "deliver what waits: digests in the outbox, ticket events" },
    { "notify", OPT_NOTIFY, "WHEN",
      "auto (default): only digests with news, or due to repeat; always: regardless" },
    { "dry-run", OPT_DRY_RUN, "DIR", "write the messages (.eml, SNS payloads) into DIR and send nothing" },
    { "verbose", 'v', NULL, "more log lines (-vv: debug)" },
    { "quiet", 'q', NULL, "errors only" },
    { "help", 'h', NULL, "show this help" },
    { NULL, 0, NULL, NULL },
};

const cli_command cli_command_notify = {
    .name = "notify",
    .run = cli_notify,
    .summary = "send the digests of saved reports, or retry the outbox",
    .operands = "[FILE...]",
    .description =
        "Sends the digests ([email], [sns]) of saved 'certsweep scan --format json' "
        "reports instead of scanning: one report (--report FILE), or several shard reports "
        "merged (--report FILE FILE...; a finding in two of them counts once). Their labels "
        "(new, escalated, resolved) decide, as after a scan; the state remembers what was "
        "sent. --retry delivers what waits now, without waiting for its backoff: the "
        "digests in the outbox and the ticket events and webhook digests of the [webhook "
        "NAME] channels (those held after a refusal too). Give --report or --retry.",
    .flags = notify_flags_table,
    .exit_status =
        "0 delivered (or nothing to send), 2 usage or config error, 4 could not run "
        "(state, report), 5 a delivery failed (kept in the outbox or the tickets).",
};

typedef struct notify_flags {
    const char *config_path, *notify, *dry_run;
    const char **reports;
    size_t n_reports;
    int retry, verbose, quiet;
} notify_flags;

/* 0: flags read; 1: --help printed; -1: usage error printed. */
static int parse_flags(int argc, char **argv, notify_flags *f)
{
    cli_args a;
    cli_args_init_flags(&a, "notify", argc, argv, notify_flags_table);
    a.operands_ok = 1;              /* more report files after --report FILE */
    f->reports = calloc((size_t)argc + 1, sizeof(*f->reports));
    if (!f->reports)
        return -1;
    for (;;) {
        int c = cli_args_next(&a);
        switch (c) {
        case CLI_ARGS_END:
            for (int i = a.first_operand; i < argc; i++) {
                if (!f->n_reports) {
                    cli_usage_error("notify", "unexpected argument '%s'; run 'certsweep "
                                    "notify --help'", argv[i]);
                    return -1;
                }
                f->reports[f->n_reports++] = argv[i];
            }
            return 0;
        case CLI_ARGS_ERROR: return -1;
        case 'h':            cli_command_usage(stdout, &cli_command_notify); return 1;
        case 'v':            f->verbose++; break;
        case 'q':            f->quiet = 1; break;
        case 'c':            f->config_path = a.value; break;
        case OPT_REPORT:     f->reports[f->n_reports++] = a.value; break;
        case OPT_RETRY:      f->retry = 1; break;
        case OPT_NOTIFY:     f->notify = a.value; break;
        case OPT_DRY_RUN:    f->dry_run = a.value; break;
        default:             return -1;
        }
    }
}

static int load_report(const char *path, scanner_findings *f)
{
    aws_buf b;
    aws_buf_init(&b, REPORT_READ_MAX);
    int rc = aws_buf_read_file(&b, path);
    if (rc == AWS_ENOTFOUND || rc == AWS_EIO) {
        aws_log_error("notify: cannot read %s: %s", path, strerror(errno));
        aws_buf_finish(&b);
        return rc;
    }
    char err[512] = "";
    if (rc == 0)
        rc = report_read_json(b.data ? b.data : "", b.len, f, NULL, err, sizeof(err));
    else
        snprintf(err, sizeof(err), "%s", rc == AWS_ETOOBIG ? "larger than 256 MiB"
                                                            : "cannot be read");
    aws_buf_finish(&b);
    if (rc)
        aws_log_error("notify: %s: %s", path, err);
    return rc;
}

static int cli_notify(int argc, char **argv)
{
    notify_flags fl;
    memset(&fl, 0, sizeof(fl));
    int pr = parse_flags(argc, argv, &fl);
    if (pr != 0) {
        free(fl.reports);
        return pr > 0 ? CLI_EXIT_OK : CLI_EXIT_USAGE;
    }
    aws_log_set_level(fl.quiet ? AWS_LOG_ERROR : fl.verbose >= 2 ? AWS_LOG_DEBUG
                      : fl.verbose ? AWS_LOG_INFO : AWS_LOG_WARN);
    int exit_code = CLI_EXIT_FAILURE;
    config cfg;
    config_init(&cfg);
    scanner_findings findings;
    scanner_findings_init(&findings);
    state_db *db = NULL;
    uv_loop_t loop;
    int loop_ok = 0;
    aws_client *client = NULL;
    aws_creds_provider *caller = NULL;
    notify_when when = NOTIFY_AUTO;

    if (!fl.retry && !fl.n_reports) {
        exit_code = cli_usage_error("notify", "name --report FILE... or --retry");
        goto out;
    }
    if (fl.retry && (fl.n_reports || fl.dry_run || fl.notify)) {
        exit_code = cli_usage_error("notify", "--retry goes alone (no --report, --dry-run "
                                    "or --notify)");
        goto out;
    }
    if (fl.notify && strcmp(fl.notify, "always") == 0)
        when = NOTIFY_ALWAYS;
    else if (fl.notify && strcmp(fl.notify, "auto") != 0) {
        exit_code = cli_usage_error("notify", "--notify takes always or auto, not '%s'",
                                    fl.notify);
        goto out;
    }
    const char *path = fl.config_path ? fl.config_path : config_default_path();
    if ((path && config_load_file(&cfg, path, stderr) != 0) ||
        config_validate_as(&cfg, path ? path : "command line", stderr) != 0) {
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    if (!cfg.email_smtp_host && !cfg.sns_topic_arn && !(fl.retry && cfg.n_webhooks)) {
        exit_code = cli_usage_error("notify", fl.retry
                                    ? "no channel is configured: set [email] smtp_host, "
                                      "[sns] topic_arn or a [webhook NAME]"
                                    : "no digest channel is configured: set [email] "
                                      "smtp_host or [sns] topic_arn");
        goto out;
    }
    for (size_t i = 0; i < fl.n_reports; i++)
        if (load_report(fl.reports[i], &findings) != 0)
            goto out;
    if (!fl.dry_run) {
        char why[1400];
        if (state_open_why(cfg.state_dir, NULL, &db, why, sizeof(why)) != 0) {
            aws_log_error("notify: cannot open the state (%s): nothing is sent without it", why);
            goto out;
        }
    }
    char region[64];
    if (cfg.region && *cfg.region)
        snprintf(region, sizeof(region), "%s", cfg.region);
    else
        sts_resolve_region(NULL, cfg.profile, region, sizeof(region));
    if (cli_check_transport(&cfg, "notify") != 0) {
        exit_code = CLI_EXIT_USAGE;
        goto out;
    }
    if (uv_loop_init(&loop) != 0)
        goto out;
    loop_ok = 1;
    aws_client_opts co;
    cli_client_opts(&cfg, &co);
    if (aws_client_new(&loop, &co, &client) != 0 ||
        sts_default_chain_new(&loop, client, cfg.profile, region, &caller) != 0) {
        fprintf(stderr, "certsweep: notify: cannot set up the AWS client\n");
        goto out;
    }
    scanner_scanned_accounts none = { NULL, 0 };
    notify_run nr = {
        .loop = &loop, .client = client, .caller = caller, .cfg = &cfg, .state = db,
        .findings = &findings, .accounts = &none, .home_region = region,
        .now = (int64_t)time(NULL), .when = when, .dry_run_dir = fl.dry_run,
    };
    notify_result res = { 0 }, tickets = { 0 };
    int rc = fl.retry ? notify_retry(&nr, &res) : notify_digests(&nr, &res);
    /* --retry: the ticket events wait in the state too. */
    int trc = fl.retry && cfg.n_webhooks ? notify_tickets_retry(&nr, &tickets) : 0;
    if (!fl.quiet)
        fprintf(stderr, "Notifications: %zu delivered, %zu kept for a retry, %zu refused, "
                "%zu not due%s%zu written\n", res.sent, res.pending, res.failed, res.skipped,
                fl.dry_run ? ", " : "", fl.dry_run ? res.written : 0);
    if (!fl.quiet && fl.retry && cfg.n_webhooks)
        fprintf(stderr, "Tickets: %zu sent, %zu waiting for the next run, %zu refused\n",
                tickets.sent, tickets.pending, tickets.failed);
    if (rc == 0)
        rc = trc;
    notify_result_add(&res, &tickets);
    exit_code = rc != 0 ? CLI_EXIT_FAILURE : res.pending || res.failed ? CLI_EXIT_DELIVERY
                                                                       : CLI_EXIT_OK;
out:
    aws_creds_provider_unref(caller);
    if (client)
        aws_client_free(client);
    if (loop_ok) {
        uv_run(&loop, UV_RUN_DEFAULT);
        uv_loop_close(&loop);
    }
    state_close(db);
    scanner_findings_finish(&findings);
    config_finish(&cfg);
    free(fl.reports);
    return exit_code;
}
