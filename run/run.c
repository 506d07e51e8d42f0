/* certsweep — one run: scan, then Security Hub, recorded in the state. */
#include "run/run.h"

#include "aws/error.h"
#include "aws/log.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct export_wait {
    int done;
    const char *home_region;
    scanner_findings *out;
    run_summary *sum;
} export_wait;

/* One gap per (importing account, error code) for the findings Security Hub
 * refused, so that they reach the report and the exit status. */
static void failures_to_gaps(const shub_result *r, const char *home,
                             scanner_findings *out)
{
    for (size_t i = 0; i < r->n_failures; i++) {
        const shub_failure *f = &r->failures[i];
        int first = 1;
        for (size_t k = 0; k < i && first; k++)
            first = strcmp(r->failures[k].account, f->account) != 0 ||
                    strcmp(r->failures[k].code, f->code) != 0;
        if (!first)
            continue;
        size_t n = 0;
        for (size_t k = i; k < r->n_failures; k++)
            if (strcmp(r->failures[k].account, f->account) == 0 &&
                strcmp(r->failures[k].code, f->code) == 0)
                n++;
        char msg[512];
        snprintf(msg, sizeof(msg), "Security Hub refused %zu finding%s, e.g. %s: %s", n,
                 n == 1 ? "" : "s", f->id, f->message && *f->message ? f->message : "(no message)");
        scanner_findings_add_gap(out, f->account, home, "BatchImportFindings", f->code, msg);
    }
}

static void on_exported(const shub_result *r, void *ud)
{
    export_wait *w = ud;
    run_summary *sum = w->sum;
    sum->exported = 1;
    sum->imported = r->imported;
    sum->archived = r->archived;
    sum->failed = r->failed;
    sum->skipped = r->skipped;
    sum->batches = r->batches;
    sum->max_batch = r->max_batch_seen;
    for (size_t i = 0; i < r->n_gaps; i++) {
        const scanner_gap *g = &r->gaps[i];
        scanner_findings_add_gap(w->out, g->account_id, g->region, g->operation,
                                 g->error_code, g->message);
    }
    if (r->n_failures)
        failures_to_gaps(r, w->home_region, w->out);
    w->done = 1;
}

/* The counts of the runs row, as a JSON object (caller frees). */
static char *run_counts(int scan_rc, const scanner_findings *f, const scanner_stats *st,
                        const run_summary *sum, const run_opts *o)
{
    json_object *j = json_object_new_object();
    if (!j)
        return NULL;
    json_object_object_add(j, "status", json_object_new_string(
        scan_rc != 0 ? "failed" : f->n_gaps ? "partial" : "complete"));
    json_object_object_add(j, "findings", json_object_new_int64((int64_t)f->n));
    json_object_object_add(j, "gaps", json_object_new_int64((int64_t)f->n_gaps));
    if (st) {
        json_object_object_add(j, "accounts", json_object_new_int64((int64_t)st->accounts));
        json_object_object_add(j, "regions", json_object_new_int64((int64_t)st->regions));
        json_object_object_add(j, "account_regions",
                               json_object_new_int64((int64_t)st->account_regions));
        json_object_object_add(j, "certificates", json_object_new_int64((int64_t)st->certificates));
        json_object_object_add(j, "api_calls", json_object_new_int64((int64_t)st->api_calls));
    }
    json_object *sh = json_object_new_object();
    const char *mode = o->dry_run ? "dry-run" : !o->securityhub ? "disabled"
                     : sum->exported ? "exported" : "not-run";
    json_object_object_add(sh, "mode", json_object_new_string(mode));
    if (sum->exported) {
        json_object_object_add(sh, "imported", json_object_new_int64((int64_t)sum->imported));
        json_object_object_add(sh, "archived", json_object_new_int64((int64_t)sum->archived));
        json_object_object_add(sh, "failed", json_object_new_int64((int64_t)sum->failed));
        json_object_object_add(sh, "skipped", json_object_new_int64((int64_t)sum->skipped));
        json_object_object_add(sh, "batches", json_object_new_int64((int64_t)sum->batches));
    }
    if (o->dry_run)
        json_object_object_add(sh, "batches",
                               json_object_new_int64((int64_t)sum->dry_run_batches));
    json_object_object_add(j, "securityhub", sh);
    const char *txt = json_object_to_json_string_ext(j, JSON_C_TO_STRING_PLAIN);
    char *copy = txt ? strdup(txt) : NULL;
    json_object_put(j);
    return copy;
}

/* Security Hub after a scan that ran: the dry run, or the export (waited
 * for on the scan's loop). */
static int export_findings(const run_opts *o, state_db *db, scanner_findings *out,
                           scanner_scan_result *res, run_summary *sum, int64_t now,
                           char *err, size_t errlen)
{
    shub_opts so = {
        .loop = o->scan.loop,
        .home_region = o->shub_region && *o->shub_region ? o->shub_region
                                                         : o->scan.home_region,
        .mode = o->shub_mode,
        .scanning_account = res->scanning_account,
        .scanning_creds = o->scan.caller,
        .state = db,
    };
    if (o->dry_run) {
        int rc = shub_dry_run(o->dry_run, &so, out, now, &sum->dry_run_batches);
        if (rc != 0)
            snprintf(err, errlen, "cannot write the Security Hub dry run: %s", aws_strerror(rc));
        return rc;
    }
    if (!o->securityhub)
        return 0;
    shub_accounts accounts = scanner_scan_result_accounts(res);
    export_wait w = { .home_region = so.home_region, .out = out, .sum = sum };
    int rc = shub_export(o->scan.client, &so, out, &accounts, now,
                                        on_exported, &w);
    if (rc != 0) {
        aws_log_error("securityhub: %s: could not start the export: %s", so.home_region,
                      aws_strerror(rc));
        scanner_findings_add_gap(out, "*", so.home_region, "BatchImportFindings",
                                 "InternalError", aws_strerror(rc));
        return 0;
    }
    while (!w.done)
        uv_run(o->scan.loop, UV_RUN_ONCE);
    return 0;
}

int run_execute(const run_opts *o, scanner_findings *out, scanner_stats *st,
                scanner_scan_result *res, run_summary *sum,
                char *err, size_t errlen)
{
    run_summary local;
    if (!sum)
        sum = &local;
    memset(sum, 0, sizeof(*sum));
    if (!o || !out || !res)
        return AWS_EINVAL;
    int64_t now = o->now ? o->now : (int64_t)time(NULL);

    state_db *db = NULL;
    if (o->state_dir && *o->state_dir) {
        char why[1400];
        if (state_open_why(o->state_dir, NULL, &db, why, sizeof(why)) != 0) {
            aws_log_warn("state: cannot open the state (%s): going on without it "
                         "(no run record, CreatedAt of earlier imports from Security Hub only)",
                         why);
            db = NULL;
        } else if (state_run_begin(db, now, &sum->run_id) != 0) {
            aws_log_warn("state: cannot record the run (%s)", state_errmsg(db));
            sum->run_id = 0;
        }
    }

    int rc = scanner_scan_run_result(&o->scan, out, st, res, err, errlen);
    if (rc == 0) {
        rc = export_findings(o, db, out, res, sum, now, err, errlen);
        if (st)
            scanner_stats_tally(st, out);       /* Security Hub's gaps count too */
    }

    if (db && sum->run_id) {
        char *counts = run_counts(rc, out, st, sum, o);
        int64_t fin = (int64_t)time(NULL);
        if (!counts || state_run_finish(db, sum->run_id, fin < now ? now : fin, counts) != 0)
            aws_log_warn("state: cannot record the end of run %lld (%s)",
                         (long long)sum->run_id, counts ? state_errmsg(db) : "out of memory");
        free(counts);
    }
    state_close(db);
    return rc;
}
