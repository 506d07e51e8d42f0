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
    run_summary *sum;
} export_wait;

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
    sum->kept_elsewhere = r->kept_elsewhere;
    /* Each was logged by the export with its account, code and fix; they
     * are the export's problems, not gaps in what the scan read. */
    sum->export_problems = r->n_gaps + r->n_failures;
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
        scan_rc == AWS_ECANCELED ? "interrupted" : scan_rc != 0 ? "failed"
        : f->n_gaps ? "partial" : "complete"));
    if (o->what_if)
        json_object_object_add(j, "what_if", json_object_new_boolean(1));
    json_object_object_add(j, "findings", json_object_new_int64((int64_t)f->n));
    json_object_object_add(j, "gaps", json_object_new_int64((int64_t)f->n_gaps));
    if (st) {
        json_object_object_add(j, "accounts", json_object_new_int64((int64_t)st->accounts));
        json_object_object_add(j, "regions", json_object_new_int64((int64_t)st->regions));
        json_object_object_add(j, "account_regions",
                               json_object_new_int64((int64_t)st->account_regions));
        json_object_object_add(j, "certificates", json_object_new_int64((int64_t)st->certificates));
        json_object_object_add(j, "api_calls", json_object_new_int64((int64_t)st->api_calls));
        json_object_object_add(j, "describes", json_object_new_int64((int64_t)st->describes));
        json_object_object_add(j, "describes_saved",
                               json_object_new_int64((int64_t)st->describes_saved));
        json_object_object_add(j, "detail_cache_hits",
                               json_object_new_int64((int64_t)st->detail_cache_hits));
        json_object_object_add(j, "apigw_stage_calls",
                               json_object_new_int64((int64_t)st->apigw_stage_calls));
        json_object_object_add(j, "apigw_stage_reads_saved",
                               json_object_new_int64((int64_t)st->apigw_stage_reads_saved));
        json_object_object_add(j, "dns_lookups", json_object_new_int64((int64_t)st->dns_lookups));
    }
    json_object *sh = json_object_new_object();
    const char *mode = o->dry_run ? "dry-run" : !o->securityhub ? "disabled"
                     : sum->what_if_skipped ? "what-if-skipped"
                     : sum->exported ? "exported" : "not-run";
    json_object_object_add(sh, "mode", json_object_new_string(mode));
    if (sum->exported) {
        json_object_object_add(sh, "imported", json_object_new_int64((int64_t)sum->imported));
        json_object_object_add(sh, "archived", json_object_new_int64((int64_t)sum->archived));
        json_object_object_add(sh, "failed", json_object_new_int64((int64_t)sum->failed));
        json_object_object_add(sh, "skipped", json_object_new_int64((int64_t)sum->skipped));
        json_object_object_add(sh, "batches", json_object_new_int64((int64_t)sum->batches));
        json_object_object_add(sh, "problems",
                               json_object_new_int64((int64_t)sum->export_problems));
        json_object_object_add(sh, "kept_in_other_hubs",
                               json_object_new_int64((int64_t)sum->kept_elsewhere));
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

typedef enum outside_sink { SINK_SECURITYHUB, SINK_NOTIFY } outside_sink;

/* The one gate of every write to a system outside certsweep: a run judged
 * at another instant than now (--as-of) writes to none, except Security
 * Hub when --what-if-writes asks (its findings then carry a real UpdatedAt
 * and nothing is archived); the notification channels never hear of a
 * what-if run. */
static int writes_outside(const run_opts *o, outside_sink sink)
{
    if (!o->what_if)
        return 1;
    return sink == SINK_SECURITYHUB && o->what_if_writes;
}

/* The wall clock in milliseconds (o->now, when set, in seconds). */
static int64_t wall_ms(const run_opts *o)
{
    if (o->now)
        return o->now * 1000;
    struct timespec ts;
    if (clock_gettime(CLOCK_REALTIME, &ts) != 0)
        return (int64_t)time(NULL) * 1000;
    return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Security Hub after a scan that ran: the dry run, or the export (waited
 * for on the scan's loop). */
static int export_findings(const run_opts *o, state_db *db, scanner_findings *out,
                           scanner_scan_result *res, run_summary *sum, int64_t now_ms,
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
        .coverage = &res->coverage,
        .cfg = o->scan.cfg,
        .what_if = o->what_if,
    };
    if (o->dry_run) {
        int rc = shub_dry_run(o->dry_run, &so, out, now_ms, &sum->dry_run_batches);
        if (rc != 0)
            snprintf(err, errlen, "cannot write the Security Hub dry run: %s", aws_strerror(rc));
        return rc;
    }
    if (!o->securityhub)
        return 0;
    if (!writes_outside(o, SINK_SECURITYHUB)) {
        aws_log_info("securityhub: not written: this run judges at --as-of, not now (a "
                     "what-if); --what-if-writes imports its findings anyway");
        sum->what_if_skipped = 1;
        return 0;
    }
    shub_accounts accounts = scanner_scan_result_accounts(res);
    export_wait w = { .sum = sum };
    int rc = shub_export(o->scan.client, &so, out, &accounts, now_ms,
                                        on_exported, &w);
    if (rc != 0) {
        aws_log_error("securityhub: %s: could not start the export: %s", so.home_region,
                      aws_strerror(rc));
        sum->export_problems++;
        return 0;
    }
    while (!w.done)
        uv_run(o->scan.loop, UV_RUN_ONCE);
    return 0;
}

/* ---- notification ------------------------------------------------------------ */

/* The notification sinks, after Security Hub: digests and tickets, each
 * family independent of the other (one failing never stops the other).
 * Never in a what-if run (writes_outside). */
static void notify_sinks(const run_opts *o, state_db *db, const scanner_findings *out,
                         const scanner_scan_result *res, run_summary *sum, int64_t now)
{
    if (!writes_outside(o, SINK_NOTIFY))
        return;
    scanner_scanned_accounts accounts = scanner_scan_result_accounts(res);
    notify_run nr = {
        .loop = o->scan.loop,
        .client = o->scan.client,
        .caller = o->scan.caller,
        .cfg = o->scan.cfg,
        .state = db,
        .findings = out,
        .accounts = &accounts,
        .home_region = o->scan.home_region,
        .now = now,
        .run_id = sum->run_id,
        .when = o->notify,
        .dry_run_dir = o->notify_dry_run,
    };
    notify_result digests = { 0 };
    if (notify_digests(&nr, &digests) != 0)
        digests.pending++;          /* could not even queue: the run must say so */
    notify_result_add(&sum->notify, &digests);
    if (notify_tickets(&nr, &sum->tickets) != 0)
        aws_log_error("tickets: could not start (out of memory): nothing sent");
    sum->notified = 1;
}

/* ---- labels against the state ------------------------------------------- */

typedef struct known_list {
    scanner_known *v;
    size_t n, cap;
    int oom;
} known_list;

static char *dupn(const char *s)
{
    return s ? strdup(s) : NULL;
}

static int collect_known(const state_finding_row *r, void *ud)
{
    known_list *l = ud;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 64;
        scanner_known *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return l->oom = AWS_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    scanner_known *k = &l->v[l->n];
    memset(k, 0, sizeof(*k));
    k->id = dupn(r->id);
    k->account = dupn(r->account);
    k->region = dupn(r->region);
    k->rule = dupn(r->rule);
    k->source = scanner_source_parse(r->source);
    k->severity = r->severity >= SCANNER_SEV_INFORMATIONAL && r->severity <= SCANNER_SEV_CRITICAL
                      ? (scanner_severity)r->severity : SCANNER_SEV_CRITICAL;
    k->resource_arn = dupn(r->resource_arn);
    k->resource_id = dupn(r->resource_id);
    k->domain = dupn(r->domain);
    k->title = dupn(r->title);
    k->not_after = r->not_after;
    k->first_seen = r->first_seen;
    l->n++;
    if (!k->id || !k->account || !k->region || !k->rule)
        return l->oom = AWS_ENOMEM;
    return 0;
}

static void known_finish(known_list *l)
{
    for (size_t i = 0; i < l->n; i++) {
        scanner_known *k = &l->v[i];
        free((char *)k->id);
        free((char *)k->account);
        free((char *)k->region);
        free((char *)k->rule);
        free((char *)k->resource_arn);
        free((char *)k->resource_id);
        free((char *)k->domain);
        free((char *)k->title);
    }
    free(l->v);
}

/* Labels out's findings against the state's open findings. */
static void label_findings(const run_opts *o, state_db *db, scanner_findings *out,
                           const scanner_scan_result *res, run_summary *sum, int64_t now)
{
    known_list kl = { 0 };
    int rc = state_finding_each(db, "open", collect_known, &kl);
    if (rc == 0 && kl.oom)
        rc = kl.oom;
    if (rc == 0)
        rc = scanner_label_findings(out, kl.v, kl.n, &res->coverage, o->scan.cfg, o->what_if,
                                    o->scan.as_of, now, &sum->unverified);
    if (rc != 0)
        aws_log_warn("state: cannot label the findings against earlier runs (%s)",
                     rc == AWS_ENOMEM ? "out of memory" : state_errmsg(db));
    else
        sum->labelled = 1;
    known_finish(&kl);
}

static void fill_row(state_finding_row *r, const scanner_finding *f, int64_t now)
{
    memset(r, 0, sizeof(*r));
    r->id = f->id;
    r->account = f->account_id;
    r->region = f->region;
    r->rule = f->rule;
    r->source = scanner_source_name(f->source);
    r->severity = (int)f->severity;
    r->resource_arn = f->resource_arn;
    r->resource_id = f->resource_id;
    r->domain = f->domain;
    r->title = f->title;
    r->not_after = f->not_after;
    r->first_seen = f->first_seen ? f->first_seen : now;
    r->last_seen = now;
}

/* Records this run's findings as open and its resolved ones as resolved, in
 * one transaction. */
static void record_labels(state_db *db, const scanner_findings *out, int64_t now)
{
    int rc = state_begin(db);
    for (size_t i = 0; rc == 0 && i < out->n; i++) {
        state_finding_row r;
        fill_row(&r, &out->v[i], now);
        rc = state_finding_open(db, &r);
    }
    for (size_t i = 0; rc == 0 && i < out->n_resolved; i++) {
        rc = state_finding_resolve(db, out->resolved[i].id, now);
        if (rc == AWS_ENOTFOUND)
            rc = 0;
    }
    if (rc == 0)
        rc = state_commit(db);
    if (rc != 0) {
        aws_log_warn("state: cannot record this run's findings (%s): the next run "
                     "labels against the earlier state", state_errmsg(db));
        state_rollback(db);
    }
}

/* ---- the scan's detail cache, kept in the state -------------------------- */

/* Fresh describes are written in short transactions of at most this many
 * entries or bytes, so that memory stays bounded and no other certsweep
 * waits on the state for a whole scan. */
#define DETAIL_BATCH_MAX   256
#define DETAIL_BATCH_BYTES (4u * 1024 * 1024)

typedef struct detail_entry {
    char *arn;
    char fingerprint[SCANNER_FINGERPRINT_LEN];
    int64_t fetched_at;
    char *body;
    size_t len;
} detail_entry;

typedef struct detail_writer {
    state_db *db;
    detail_entry v[DETAIL_BATCH_MAX];
    size_t n, bytes;
    int warned;
} detail_writer;

static void detail_flush(detail_writer *w)
{
    int rc = w->n ? state_begin(w->db) : 0;
    for (size_t i = 0; rc == 0 && i < w->n; i++)
        rc = state_detail_put(w->db, w->v[i].arn, w->v[i].fingerprint, w->v[i].fetched_at,
                              w->v[i].body, w->v[i].len);
    if (w->n && rc == 0)
        rc = state_commit(w->db);
    if (rc != 0) {
        if (!w->warned)
            aws_log_warn("state: cannot keep certificate details (%s): the next run "
                         "describes them again", state_errmsg(w->db));
        w->warned = 1;
        state_rollback(w->db);
    }
    for (size_t i = 0; i < w->n; i++) {
        free(w->v[i].arn);
        free(w->v[i].body);
    }
    w->n = w->bytes = 0;
}

static int detail_get(void *ud, const char *arn, char fingerprint[SCANNER_FINGERPRINT_LEN],
                      int64_t *fetched_at, char **body, size_t *len)
{
    detail_writer *w = ud;
    return state_detail_get(w->db, arn, fingerprint, SCANNER_FINGERPRINT_LEN, fetched_at, body,
                            len);
}

static int detail_put(void *ud, const char *arn, const char *fingerprint, int64_t fetched_at,
                      const char *body, size_t len)
{
    detail_writer *w = ud;
    detail_entry *e = &w->v[w->n];
    memset(e, 0, sizeof(*e));
    if (!(e->arn = strdup(arn)) || !(e->body = malloc(len + 1))) {
        free(e->arn);
        return AWS_ENOMEM;
    }
    memcpy(e->body, body, len);
    e->body[len] = '\0';
    e->len = len;
    e->fetched_at = fetched_at;
    snprintf(e->fingerprint, sizeof(e->fingerprint), "%s", fingerprint);
    w->bytes += len;
    if (++w->n == DETAIL_BATCH_MAX || w->bytes >= DETAIL_BATCH_BYTES)
        detail_flush(w);
    return 0;
}

/* Runs the scan with the state's detail cache (when there is a state).  A
 * what-if run (--as-of) reads and writes the cache too: an entry is what
 * AWS answered at the wall-clock time it records, whatever instant the
 * run judges at, and it is local state no outside system sees.  Entries
 * not refreshed for four times [scan] detail_max_age are pruned after the
 * scan (certificates deleted since). */
static int scan_with_cache(const run_opts *o, state_db *db, int64_t now,
                           scanner_findings *out, scanner_stats *st,
                           scanner_scan_result *res, char *err, size_t errlen)
{
    scanner_scan_opts so = o->scan;
    detail_writer *w = db && so.cfg ? calloc(1, sizeof(*w)) : NULL;
    scanner_detail_cache cache = { detail_get, detail_put, w };
    if (w) {
        w->db = db;
        so.detail_cache = &cache;
        so.now = now;
    } else if (db) {
        aws_log_warn("state: out of memory: certificate details are not cached in this run");
    }
    int rc = scanner_scan_run_result(&so, out, st, res, err, errlen);
    if (w) {
        detail_flush(w);
        int64_t keep = (int64_t)(so.cfg->detail_max_age > 0 ? so.cfg->detail_max_age : 7) *
                       4 * 86400;
        if (state_detail_prune(db, now - keep) != 0)
            aws_log_warn("state: cannot prune cached certificate details (%s)",
                         state_errmsg(db));
        free(w);
    }
    return rc;
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

    int rc = scan_with_cache(o, db, now, out, st, res, err, errlen);
    if (aws_client_canceled(o->scan.client)) {
        /* interrupted: what was read is incomplete, nothing is labelled,
         * exported or written */
        rc = AWS_ECANCELED;
        snprintf(err, errlen, "interrupted");
    }
    if (rc == 0 && o->suppressions)
        sum->suppressed = scanner_suppressions_apply(o->suppressions, out, now);
    if (rc == 0 && db)
        label_findings(o, db, out, res, sum, now);
    if (rc == 0) {
        rc = export_findings(o, db, out, res, sum, wall_ms(o), err, errlen);
        if (st)
            scanner_stats_tally(st, out);       /* Security Hub's gaps count too */
        if (aws_client_canceled(o->scan.client)) {
            rc = AWS_ECANCELED;                 /* interrupted during the export */
            snprintf(err, errlen, "interrupted");
        }
    }
    if (rc == 0)
        notify_sinks(o, db, out, res, sum, now);
    /* The labels are recorded after the sinks had them: a run cut short
     * before this point labels the same way next time. */
    if (rc == 0 && db && sum->labelled && !o->what_if)
        record_labels(db, out, now);

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
