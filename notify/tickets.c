/* certsweep — tickets: one ticket per problem in every [webhook NAME]
 * channel, updated as it changes, resolved when the finding resolves, and
 * never lost or duplicated (see notify/tickets.h).
 *
 * Per channel: read its rows from the state, decide per key (tk_decide),
 * write every intent (the event, status creating / resolving) in one
 * transaction, then send the events one after another through the
 * receiver; each acknowledgement is written as soon as it arrives.  All
 * channels run at once on the run's loop: a receiver that is down costs its
 * own channel the rest of this run (its events wait for the next run), and
 * no other channel anything. */
#include "notify/notify.h"
#include "notify/tickets.h"

#include "aws/error.h"
#include "aws/log.h"
#include "aws/secret.h"

#include <errno.h>
#include <openssl/rand.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

/* ---- rows ----------------------------------------------------------------- */

typedef struct tk_row {
    char *key, *status, *external_id, *members, *pending, *event, *last_error;
    int severity, attempts, held, dirty;
    int64_t next_attempt, created_at;
} tk_row;

typedef struct row_list {
    tk_row *v;
    size_t n, cap;
    int oom;
} row_list;

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

static void row_free(tk_row *r)
{
    free(r->key);
    free(r->status);
    free(r->external_id);
    free(r->members);
    free(r->pending);
    free(r->event);
    free(r->last_error);
}

/* Replaces *dst with a copy of s (NULL allowed); AWS_ENOMEM. */
static int set_str(char **dst, const char *s)
{
    char *n = NULL;
    if (s && !(n = strdup(s)))
        return AWS_ENOMEM;
    free(*dst);
    *dst = n;
    return 0;
}

static int collect_row(const state_ticket_row *r, void *ud)
{
    row_list *l = ud;
    if (l->n == l->cap) {
        size_t cap = l->cap ? l->cap * 2 : 32;
        tk_row *v = realloc(l->v, cap * sizeof(*v));
        if (!v)
            return l->oom = AWS_ENOMEM;
        l->v = v;
        l->cap = cap;
    }
    tk_row *t = &l->v[l->n++];
    memset(t, 0, sizeof(*t));
    t->key = dup0(r->key);
    t->status = dup0(r->status);
    t->external_id = dup0(r->external_id);
    t->members = dup0(r->members ? r->members : "");
    t->pending = dup0(r->pending ? r->pending : "");
    t->event = dup0(r->event);
    t->last_error = dup0(r->last_error);
    t->severity = r->severity;
    t->attempts = r->attempts;
    t->held = r->held;
    t->next_attempt = r->next_attempt;
    t->created_at = r->created_at;
    if (!t->key || !t->status || !t->members || !t->pending)
        return l->oom = AWS_ENOMEM;
    return 0;
}

static void rows_finish(row_list *l)
{
    for (size_t i = 0; i < l->n; i++)
        row_free(&l->v[i]);
    free(l->v);
    memset(l, 0, sizeof(*l));
}

static int put_row(state_db *db, const char *channel, const tk_row *t, int64_t now)
{
    state_ticket_row r = {
        .channel = channel, .key = t->key, .status = t->status,
        .external_id = t->external_id, .severity = t->severity, .members = t->members,
        .pending = t->pending, .event = t->event, .attempts = t->attempts,
        .next_attempt = t->next_attempt, .held = t->held, .last_error = t->last_error,
        .created_at = t->created_at ? t->created_at : now, .updated_at = now,
    };
    return state_ticket_put(db, &r);
}

/* ---- jobs and channels -------------------------------------------------------- */

typedef struct tk_job {
    size_t row;                     /* index into the channel's rows */
    tk_action action;
    json_object *event;
    int search_first;
} tk_job;

typedef struct tk_engine tk_engine;

typedef struct tk_chan {
    tk_engine *eng;
    tk_channel ch;
    int ch_ok;
    char why[512];
    row_list rows;
    tk_job *jobs;
    size_t n_jobs, cap_jobs;
    size_t next;
    int broken;                     /* the receiver is down: the rest waits */
    int steps;
    tk_delivery d;
    tk_request q;
    notify_result res;
    int done;
} tk_chan;

struct tk_engine {
    const notify_run *r;
    aws_http *http;
    tk_chan *chans;
    size_t n_chans;
    size_t running;
    int retry;                      /* notify --retry: send what waits, now */
};

static int add_job(tk_chan *c, size_t row, tk_action a, json_object *ev, int search_first)
{
    if (c->n_jobs == c->cap_jobs) {
        size_t cap = c->cap_jobs ? c->cap_jobs * 2 : 16;
        tk_job *v = realloc(c->jobs, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        c->jobs = v;
        c->cap_jobs = cap;
    }
    c->jobs[c->n_jobs++] = (tk_job){ .row = row, .action = a, .event = ev,
                                     .search_first = search_first };
    return 0;
}

static size_t add_row(tk_chan *c, const char *key)
{
    if (c->rows.n == c->rows.cap) {
        size_t cap = c->rows.cap ? c->rows.cap * 2 : 32;
        tk_row *v = realloc(c->rows.v, cap * sizeof(*v));
        if (!v)
            return (size_t)-1;
        c->rows.v = v;
        c->rows.cap = cap;
    }
    tk_row *t = &c->rows.v[c->rows.n];
    memset(t, 0, sizeof(*t));
    t->key = strdup(key);
    t->status = strdup("");
    t->members = strdup("");
    t->pending = strdup("");
    if (!t->key || !t->status || !t->members || !t->pending) {
        row_free(t);
        return (size_t)-1;
    }
    return c->rows.n++;
}

static void chan_finish(tk_chan *c)
{
    for (size_t i = 0; i < c->n_jobs; i++)
        json_object_put(c->jobs[i].event);
    free(c->jobs);
    rows_finish(&c->rows);
    free(c->d.external_id);
    free(c->d.scratch);
    tk_request_finish(&c->q);
    tk_channel_finish(&c->ch);
}

/* ---- events ----------------------------------------------------------------- */

static void add_str(json_object *o, const char *k, const char *v)
{
    if (v)
        json_object_object_add(o, k, json_object_new_string(v));
}

static json_object *finding_json(const scanner_finding *f)
{
    json_object *o = json_object_new_object();
    char t[32];
    add_str(o, "id", f->id);
    add_str(o, "rule", f->rule);
    add_str(o, "severity", scanner_severity_name(f->severity));
    add_str(o, "label", scanner_label_name(f->label));
    if (f->label == SCANNER_LABEL_ESCALATED || f->label == SCANNER_LABEL_RESOLVED)
        add_str(o, "previous_severity", scanner_severity_name(f->prev_severity));
    add_str(o, "account_id", f->account_id);
    add_str(o, "account_name", f->account_name);
    add_str(o, "ou_path", f->ou_path);
    add_str(o, "region", f->region);
    add_str(o, "resource_type", f->resource_type);
    add_str(o, "resource_arn", f->resource_arn);
    add_str(o, "resource_id", f->resource_id);
    add_str(o, "domain", f->domain);
    if (f->not_after) {
        scanner_fmt_time(f->not_after, 1, t, sizeof(t));
        add_str(o, "not_after", t);
        json_object_object_add(o, "days_to_expiry", json_object_new_int64(f->days_to_expiry));
    }
    add_str(o, "title", f->title);
    add_str(o, "details", f->details);
    add_str(o, "remediation", f->remediation);
    add_str(o, "console_url", f->console_url);
    if (f->tags.n)
        json_object_object_add(o, "tags", scanner_tags_json(&f->tags));
    if (f->account_tags.n)
        json_object_object_add(o, "account_tags", scanner_tags_json(&f->account_tags));
    return o;
}

static json_object *envelope(const tk_chan *c, const char *event, int64_t now)
{
    json_object *o = json_object_new_object();
    unsigned char rnd[12];
    char id[32] = "";
    if (RAND_bytes(rnd, sizeof(rnd)) == 1)
        for (size_t i = 0; i < sizeof(rnd); i++)
            snprintf(id + 2 * i, 3, "%02x", rnd[i]);
    char t[32];
    scanner_fmt_time(now, 1, t, sizeof(t));
    add_str(o, "schema", TK_SCHEMA);
    json_object_object_add(o, "version", json_object_new_int(TK_VERSION));
    add_str(o, "event", event);
    add_str(o, "event_id", id);
    add_str(o, "channel", c->ch.cfg->name);
    add_str(o, "created_at", t);
    return o;
}

/* The event of one ticket: its open findings and those resolved now. */
static json_object *ticket_event(const tk_chan *c, const char *key, const char *event,
                                 const scanner_finding *const *open, size_t n_open,
                                 const scanner_finding *const *gone, size_t n_gone,
                                 int severity, int prev_severity, int64_t now)
{
    json_object *o = envelope(c, event, now);
    add_str(o, "key", key);
    add_str(o, "group_by", c->ch.by_account ? "account" : "finding");
    const char *acct = n_open ? open[0]->account_id : n_gone ? gone[0]->account_id
                     : strncmp(key, "account:", 8) == 0 ? key + 8 : "";
    add_str(o, "account_id", acct);
    if (severity >= 0)
        add_str(o, "severity", scanner_severity_name((scanner_severity)severity));
    if (strcmp(event, "escalated") == 0 && prev_severity >= 0)
        add_str(o, "previous_severity", scanner_severity_name((scanner_severity)prev_severity));
    char summary[512];
    const scanner_finding *one = n_open == 1 && !c->ch.by_account ? open[0]
                               : n_open == 0 && n_gone == 1 && !c->ch.by_account ? gone[0] : NULL;
    /* "111111111111 shop-prod", as the ticket text names the account */
    const char *name = n_open ? open[0]->account_name : n_gone ? gone[0]->account_name : NULL;
    char who[160];
    snprintf(who, sizeof(who), "%s%s%s", acct, name && *name ? " " : "", name ? name : "");
    if (one)
        snprintf(summary, sizeof(summary), "%s[%s] %s (account %s, %s)",
                 strcmp(event, "resolved") == 0 ? "Resolved: " : "",
                 scanner_severity_name(one->severity), one->title ? one->title : one->rule,
                 who, one->region);
    else if (strcmp(event, "resolved") == 0)
        snprintf(summary, sizeof(summary), "Resolved: certsweep findings of account %s", who);
    else
        snprintf(summary, sizeof(summary), "certsweep: %zu open finding%s in account %s, worst %s",
                 n_open, n_open == 1 ? "" : "s", who,
                 severity >= 0 ? scanner_severity_name((scanner_severity)severity) : "?");
    add_str(o, "summary", summary);
    json_object *a = json_object_new_array();
    for (size_t i = 0; i < n_open; i++)
        json_object_array_add(a, finding_json(open[i]));
    json_object_object_add(o, "findings", a);
    a = json_object_new_array();
    for (size_t i = 0; i < n_gone; i++)
        json_object_array_add(a, finding_json(gone[i]));
    json_object_object_add(o, "resolved_findings", a);
    return o;
}

/* ---- planning ------------------------------------------------------------------- */

typedef struct entry {
    char key[80];
    const scanner_finding *f;
    int resolved;
} entry;

static int cmp_entry(const void *a, const void *b)
{
    const entry *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    if (c)
        return c;
    if (x->resolved != y->resolved)
        return x->resolved - y->resolved;
    return strcmp(x->f->id, y->f->id);
}

static int cmp_row(const void *a, const void *b)
{
    return strcmp(((const tk_row *)a)->key, ((const tk_row *)b)->key);
}

static int cmp_cstr(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static void key_of(const tk_chan *c, const scanner_finding *f, char *out, size_t n)
{
    if (c->ch.by_account)
        snprintf(out, n, "account:%s", f->account_id);
    else
        snprintf(out, n, "%s", f->id);
}

static tk_row *find_row(tk_chan *c, const char *key, size_t n_sorted)
{
    if (n_sorted == 0)
        return NULL;                /* bsearch takes no NULL array, even empty */
    tk_row probe = { .key = (char *)key };
    return bsearch(&probe, c->rows.v, n_sorted, sizeof(tk_row), cmp_row);
}

/* Splits a space-separated list in place into sorted pointers. */
static size_t split_members(char *s, const char **out, size_t cap)
{
    size_t n = 0;
    while (*s && n < cap) {
        while (*s == ' ')
            *s++ = '\0';
        if (!*s)
            break;
        out[n++] = s;
        while (*s && *s != ' ')
            s++;
    }
    qsort(out, n, sizeof(*out), cmp_cstr);
    return n;
}

static int is_member(const char *const *m, size_t n, const char *id)
{
    return n && bsearch(&id, m, n, sizeof(*m), cmp_cstr) != NULL;
}

/* One key: its row (may be NULL) and its entries [b, e). */
static int plan_key(tk_chan *c, const char *key, tk_row *row, const entry *b, const entry *e,
                    int64_t now)
{
    size_t n = (size_t)(e - b);
    char *mcopy = row ? strdup(row->members) : NULL;
    size_t mcap = row ? strlen(row->members) / 2 + 1 : 1;
    const char **members = calloc(mcap, sizeof(char *));
    const char **present = calloc(n + 1, sizeof(char *));
    const char **eligible = calloc(n + 1, sizeof(char *));
    const char **resolved = calloc(n + 1, sizeof(char *));
    const scanner_finding **open_f = calloc(n + 1, sizeof(*open_f));
    const scanner_finding **gone_f = calloc(n + 1, sizeof(*gone_f));
    int *sev = calloc(n + 1, sizeof(int));
    tk_decision dec;
    memset(&dec, 0, sizeof(dec));
    int rc = AWS_ENOMEM;
    if ((row && !mcopy) || !members || !present || !eligible || !resolved || !open_f ||
        !gone_f || !sev)
        goto out;
    size_t n_m = row ? split_members(mcopy, members, mcap) : 0;
    int fresh = !row || !*row->status || strcmp(row->status, "resolved") == 0;
    size_t np = 0, ne = 0, nr = 0, ngone = 0;
    for (const entry *x = b; x < e; x++) {
        const scanner_finding *f = x->f;
        int member = !fresh && is_member(members, n_m, f->id);
        if (x->resolved) {
            if (member) {
                resolved[nr++] = f->id;
                gone_f[ngone++] = f;
            }
            continue;
        }
        /* A suppressed finding opens no ticket; one it already has stays. */
        int elig = f->severity >= c->ch.min_sev && !f->suppressed_by;
        if (elig)
            eligible[ne++] = f->id;
        if (elig || member) {
            open_f[np] = f;
            sev[np] = (int)f->severity;
            present[np++] = f->id;
        }
    }
    /* present and resolved sorted by id: entries of a key are. */
    tk_known k = {
        .status = row ? row->status : "", .severity = row ? row->severity : -1,
        .members = members, .n_members = n_m,
        .has_pending = row && *row->pending && row->event,
    };
    if ((rc = tk_decide(&k, present, sev, np, eligible, ne, resolved, nr, &dec)) != 0)
        goto out;
    if (!dec.action && !dec.resend) {
        rc = 0;
        goto out;
    }
    size_t ri;
    if (row)
        ri = (size_t)(row - c->rows.v);
    else if ((ri = add_row(c, key)) == (size_t)-1)
        goto out;
    row = &c->rows.v[ri];
    json_object *ev = NULL;
    tk_action act = dec.action;
    if (dec.resend) {
        act = tk_action_parse(row->pending);
        ev = row->event ? json_tokener_parse(row->event) : NULL;
        if (!act || !ev) {
            json_object_put(ev);
            rc = 0;                 /* a damaged row: nothing to resend */
            goto out;
        }
    } else {
        int prev = row->severity;
        if (fresh) {
            set_str(&row->external_id, NULL);
            row->attempts = 0;
            row->held = 0;
            row->next_attempt = 0;
            row->created_at = now;
        }
        ev = ticket_event(c, key, dec.event, open_f, np, gone_f, ngone, dec.severity, prev, now);
        const char *txt = ev ? json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN |
                                                                  JSON_C_TO_STRING_NOSLASHESCAPE) : NULL;
        aws_buf m;
        aws_buf_init(&m, 1u << 24);
        int mrc = 0;
        for (size_t i = 0; i < dec.n_members && mrc == 0; i++)
            mrc = aws_buf_printf(&m, "%s%s", i ? " " : "", dec.members[i]);
        if (!txt || mrc != 0 || set_str(&row->event, txt) != 0 ||
            set_str(&row->members, m.data ? m.data : "") != 0 ||
            set_str(&row->pending, tk_action_name(act)) != 0 ||
            set_str(&row->status, act == TK_CREATE ? "creating" : act == TK_RESOLVE ? "resolving"
                                  : "open") != 0) {
            aws_buf_finish(&m);
            json_object_put(ev);
            goto out;
        }
        aws_buf_finish(&m);
        row->severity = dec.severity;
        row->dirty = 1;
    }
    rc = add_job(c, ri, act, ev, dec.search_first || (act == TK_CREATE && !fresh));
    if (rc != 0)
        json_object_put(ev);
out:
    tk_decision_finish(&dec);
    free(mcopy);
    free(members);
    free(present);
    free(eligible);
    free(resolved);
    free(open_f);
    free(gone_f);
    free(sev);
    return rc;
}

static int plan_tickets(tk_chan *c, const scanner_findings *fs, int64_t now)
{
    size_t n = fs->n + fs->n_resolved;
    entry *es = calloc(n + 1, sizeof(*es));
    if (!es)
        return AWS_ENOMEM;
    for (size_t i = 0; i < fs->n; i++) {
        key_of(c, &fs->v[i], es[i].key, sizeof(es[i].key));
        es[i].f = &fs->v[i];
    }
    for (size_t i = 0; i < fs->n_resolved; i++) {
        entry *x = &es[fs->n + i];
        key_of(c, &fs->resolved[i], x->key, sizeof(x->key));
        x->f = &fs->resolved[i];
        x->resolved = 1;
    }
    qsort(es, n, sizeof(*es), cmp_entry);
    size_t n_rows = c->rows.n;      /* sorted by key (state order); new rows go after */
    int rc = 0;
    /* Keys with findings (current or resolved now). */
    for (size_t i = 0; i < n && rc == 0;) {
        size_t j = i;
        while (j < n && strcmp(es[j].key, es[i].key) == 0)
            j++;
        rc = plan_key(c, es[i].key, find_row(c, es[i].key, n_rows), &es[i], &es[j], now);
        i = j;
    }
    /* Keys this run knows nothing of: only a pending event is resent. */
    for (size_t r = 0; r < n_rows && rc == 0; r++) {
        tk_row *row = &c->rows.v[r];
        if (strncmp(row->key, "digest:", 7) == 0 || !*row->pending)
            continue;
        entry probe;
        snprintf(probe.key, sizeof(probe.key), "%s", row->key);
        int seen = 0;
        size_t lo = 0, hi = n;
        while (lo < hi && !seen) {
            size_t mid = lo + (hi - lo) / 2;
            int cmp = strcmp(es[mid].key, probe.key);
            if (cmp == 0)
                seen = 1;
            else if (cmp < 0)
                lo = mid + 1;
            else
                hi = mid;
        }
        if (!seen)
            rc = plan_key(c, row->key, row, NULL, NULL, now);
    }
    free(es);
    return rc;
}

/* The run's digest (generic, slack, teams): when something at or above
 * min_severity is new, escalated or resolved; plus digests still waiting. */
static int plan_digest(tk_chan *c, const notify_run *r, int64_t now)
{
    const scanner_findings *fs = r->findings;
    size_t nw = 0, es = 0, rs = 0, op = 0;
    json_object *changed = json_object_new_array(), *gone = json_object_new_array();
    for (size_t i = 0; i < fs->n; i++) {
        const scanner_finding *f = &fs->v[i];
        if (f->severity < c->ch.min_sev || f->suppressed_by)
            continue;
        op++;
        if (f->label == SCANNER_LABEL_NEW || f->label == SCANNER_LABEL_ESCALATED) {
            f->label == SCANNER_LABEL_NEW ? nw++ : es++;
            json_object_array_add(changed, finding_json(f));
        }
    }
    for (size_t i = 0; i < fs->n_resolved; i++)
        if (fs->resolved[i].severity >= c->ch.min_sev) {
            rs++;
            json_object_array_add(gone, finding_json(&fs->resolved[i]));
        }
    int rc = 0;
    /* Earlier digests first (keys sort by run). */
    for (size_t i = 0; i < c->rows.n && rc == 0; i++) {
        tk_row *row = &c->rows.v[i];
        if (strncmp(row->key, "digest:", 7) != 0 || strcmp(row->pending, "digest") != 0)
            continue;
        json_object *ev = row->event ? json_tokener_parse(row->event) : NULL;
        if (ev && (rc = add_job(c, i, TK_DIGEST, ev, 0)) != 0)
            json_object_put(ev);
    }
    if (rc != 0 || nw + es + rs == 0) {
        json_object_put(changed);
        json_object_put(gone);
        return rc;
    }
    json_object *ev = envelope(c, "digest", now);
    json_object_object_add(ev, "run_id", json_object_new_int64(r->run_id));
    json_object *cnt = json_object_new_object();
    json_object_object_add(cnt, "new", json_object_new_int64((int64_t)nw));
    json_object_object_add(cnt, "escalated", json_object_new_int64((int64_t)es));
    json_object_object_add(cnt, "resolved", json_object_new_int64((int64_t)rs));
    json_object_object_add(cnt, "open", json_object_new_int64((int64_t)op));
    json_object_object_add(ev, "counts", cnt);
    json_object_object_add(ev, "findings", changed);
    json_object_object_add(ev, "resolved_findings", gone);
    char key[64];
    snprintf(key, sizeof(key), "digest:%012lld", (long long)(r->run_id ? r->run_id : now));
    size_t ri = add_row(c, key);
    const char *txt = json_object_to_json_string_ext(ev, JSON_C_TO_STRING_PLAIN |
                                                         JSON_C_TO_STRING_NOSLASHESCAPE);
    if (ri == (size_t)-1 || !txt) {
        json_object_put(ev);
        return AWS_ENOMEM;
    }
    tk_row *row = &c->rows.v[ri];
    row->created_at = now;
    row->dirty = 1;
    if (set_str(&row->event, txt) || set_str(&row->pending, "digest") ||
        set_str(&row->status, "sending") || (rc = add_job(c, ri, TK_DIGEST, ev, 0)) != 0) {
        json_object_put(ev);
        return AWS_ENOMEM;
    }
    return 0;
}

/* ---- sending ---------------------------------------------------------------------- */

static void chan_step(tk_chan *c);

static void count_waiting(tk_chan *c, const tk_row *row)
{
    if (row->held)
        c->res.failed++;
    else
        c->res.pending++;
}

static void record(tk_chan *c, tk_row *row)
{
    const notify_run *r = c->eng->r;
    if (put_row(r->state, c->ch.cfg->name, row, r->now) != 0)
        aws_log_warn("webhook %s: %s: cannot record the delivery (%s)", c->ch.cfg->name,
                     row->key, state_errmsg(r->state));
}

static void job_done(tk_chan *c, tk_job *j)
{
    tk_row *row = &c->rows.v[j->row];
    const char *st = j->action == TK_RESOLVE ? "resolved" : j->action == TK_DIGEST ? "sent" : "open";
    /* PagerDuty and generic receivers know the ticket by its key. */
    int by_key = c->ch.vendor == &tk_vendor_pagerduty || c->ch.vendor == &tk_vendor_generic;
    const char *ext = c->d.external_id ? c->d.external_id
                    : j->action != TK_DIGEST && by_key ? row->key : row->external_id;
    char *keep = dup0(ext);
    free(row->external_id);
    row->external_id = keep;
    set_str(&row->status, st);
    set_str(&row->pending, "");
    set_str(&row->event, NULL);
    set_str(&row->last_error, NULL);
    row->attempts = 0;
    row->held = 0;
    row->next_attempt = 0;
    record(c, row);
    c->res.sent++;
}

static void job_failed(tk_chan *c, tk_job *j, int transient, const char *remote_msg)
{
    tk_row *row = &c->rows.v[j->row];
    const notify_run *r = c->eng->r;
    /* A receiver may quote what it was sent: no secret is stored or shown. */
    char *clean = aws_secret_redact(remote_msg);
    const char *msg = clean ? clean : "(error text withheld: out of memory)";
    row->attempts++;
    set_str(&row->last_error, msg);
    if (transient) {
        row->next_attempt = r->now + tk_backoff(row->attempts);
        row->held = 0;
        c->res.pending++;
        if (!c->broken)
            aws_log_warn("webhook %s: %s %s: %s (kept; the next run sends it again)",
                         c->ch.cfg->name, tk_action_name(j->action), row->key, msg);
        c->broken = 1;
    } else {
        row->next_attempt = r->now + TK_HELD_RETRY;
        row->held = 1;
        c->res.failed++;
        aws_log_error("webhook %s: %s %s refused: %s " "\xe2\x80\x94"
                      " kept for a person (retried once a day)",
                      c->ch.cfg->name, tk_action_name(j->action), row->key, msg);
    }
    record(c, row);
    free(clean);
}

static void delivery_reset(tk_chan *c, tk_job *j)
{
    free(c->d.external_id);
    free(c->d.scratch);
    tk_row *row = &c->rows.v[j->row];
    c->d = (tk_delivery){
        .ch = &c->ch, .action = j->action, .key = row->key, .event = j->event,
        .external_id = dup0(row->external_id), .search_first = j->search_first,
    };
    if (j->action == TK_CREATE && j->search_first) {
        free(c->d.external_id);
        c->d.external_id = NULL;
    }
    c->steps = 0;
}

static void on_http(int err, const aws_http_response *resp, void *ud);

/* Acts on a receiver's answer to `next`; returns 1 when a request is in
 * flight. */
static int handle(tk_chan *c, tk_job *j, int rc, const char *msg)
{
    if (rc == TK_NEXT_SEND) {
        if (++c->steps > TK_MAX_STEPS) {
            job_failed(c, j, 0, "too many requests for one delivery");
            return 0;
        }
        aws_http_request req = {
            .method = c->q.method, .url = c->q.url, .headers = &c->q.headers,
            .body = c->q.body, .body_len = c->q.body_len,
            .timeout_ms = (long)c->ch.cfg->timeout_seconds * 1000,
            .max_response = TK_MAX_RESPONSE,
        };
        int src = aws_http_send(c->eng->http, &req, on_http, c);
        tk_request_finish(&c->q);
        if (src == 0)
            return 1;
        job_failed(c, j, 1, aws_strerror(src));
        return 0;
    }
    if (rc == TK_NEXT_DONE)
        job_done(c, j);
    else if (rc == TK_NEXT_REFUSED)
        job_failed(c, j, 0, msg);
    else
        job_failed(c, j, 1, aws_strerror(rc));
    return 0;
}

static void on_http(int err, const aws_http_response *resp, void *ud)
{
    tk_chan *c = ud;
    tk_job *j = &c->jobs[c->next];
    char msg[TK_ERROR_SNIPPET + 64] = "";
    int busy = 0;
    if (err == AWS_ECANCELED) {
        c->res.pending++;
        c->next = c->n_jobs;            /* shutting down: the rest waits */
    } else if (err || !resp) {
        snprintf(msg, sizeof(msg), "%s%s%s", aws_strerror(err), resp && *resp->error ? ": " : "",
                 resp ? resp->error : "");
        job_failed(c, j, 1, msg);
    } else if (resp->status >= 500 || resp->status == 408 || resp->status == 429) {
        tk_refusal(resp, msg, sizeof(msg));
        job_failed(c, j, 1, msg);
    } else {
        int rc = c->ch.vendor->next(&c->d, resp, &c->q, msg, sizeof(msg));
        busy = handle(c, j, rc, msg);
    }
    if (!busy) {
        if (c->next < c->n_jobs)
            c->next++;
        chan_step(c);
    }
}

static void chan_step(tk_chan *c)
{
    const notify_run *r = c->eng->r;
    while (c->next < c->n_jobs) {
        tk_job *j = &c->jobs[c->next];
        tk_row *row = &c->rows.v[j->row];
        /* --retry sends what waits without waiting for its time. */
        if (c->broken || (!c->eng->retry && row->next_attempt > r->now)) {
            count_waiting(c, row);
            c->next++;
            continue;
        }
        if (!c->ch_ok) {
            row->attempts++;
            set_str(&row->last_error, c->why);
            record(c, row);
            c->res.failed++;
            c->next++;
            continue;
        }
        delivery_reset(c, j);
        char msg[TK_ERROR_SNIPPET + 64] = "";
        int rc = c->ch.vendor->next(&c->d, NULL, &c->q, msg, sizeof(msg));
        if (handle(c, j, rc, msg))
            return;                     /* on_http goes on */
        c->next++;
    }
    if (!c->done) {
        c->done = 1;
        c->eng->running--;
    }
}

/* ---- dry run ---------------------------------------------------------------------- */

static void write_dry(tk_chan *c, const char *dir)
{
    for (size_t i = 0; i < c->n_jobs; i++) {
        const tk_job *j = &c->jobs[i];
        char path[4096], name[160];
        snprintf(name, sizeof(name), "%s", c->rows.v[j->row].key);
        for (char *p = name; *p; p++)
            if (*p == ':' || *p == '/')
                *p = '-';
        snprintf(path, sizeof(path), "%s/webhook-%s-%s-%s.json", dir, c->ch.cfg->name, name,
                 tk_action_name(j->action));
        FILE *f = fopen(path, "w");
        const char *txt = json_object_to_json_string_ext(j->event, JSON_C_TO_STRING_PRETTY |
                                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!f || fprintf(f, "%s\n", txt) < 0 || fclose(f) != 0) {
            aws_log_error("webhook %s: cannot write %s: %s", c->ch.cfg->name, path, strerror(errno));
            c->res.failed++;
            continue;
        }
        c->res.written++;
    }
}

/* ---- the family's entry point -------------------------------------------------------- */

static int plan_channel(tk_chan *c, const notify_run *r)
{
    int rc = state_ticket_each(r->state, c->ch.cfg->name, collect_row, &c->rows);
    if (rc == 0 && c->rows.oom)
        rc = c->rows.oom;
    if (rc == 0 && c->ch.vendor->tickets)
        rc = plan_tickets(c, r->findings, r->now);
    if (rc == 0 && c->ch.vendor->digests)
        rc = plan_digest(c, r, r->now);
    return rc;
}

/* Every intent of every channel, in one transaction, before anything is
 * sent. */
static int record_intents(tk_engine *e)
{
    const notify_run *r = e->r;
    int rc = state_begin(r->state);
    if (rc == 0)
        rc = state_ticket_prune_digests(r->state, r->now - TK_DIGEST_KEEP);
    for (size_t i = 0; rc == 0 && i < e->n_chans; i++) {
        tk_chan *c = &e->chans[i];
        for (size_t k = 0; rc == 0 && k < c->rows.n; k++)
            if (c->rows.v[k].dirty)
                rc = put_row(r->state, c->ch.cfg->name, &c->rows.v[k], r->now);
    }
    if (rc == 0)
        rc = state_commit(r->state);
    if (rc != 0)
        state_rollback(r->state);
    return rc;
}

static int run_tickets(const notify_run *run, notify_result *res, int retry)
{
    if (!run || !run->cfg || !run->findings)
        return AWS_EINVAL;
    notify_run copy = *run;
    if (!copy.now)
        copy.now = (int64_t)time(NULL);
    /* --retry plans from the state alone: with no findings only the events
     * that wait are planned (a key this run knows nothing of is never
     * resolved or changed, only its pending event resent). */
    scanner_findings none;
    if (retry) {
        scanner_findings_init(&none);
        copy.findings = &none;
        copy.dry_run_dir = NULL;
    }
    const notify_run *r = &copy;
    const config *cfg = r->cfg;
    if (cfg->n_webhooks == 0 || r->when == NOTIFY_NEVER)
        return 0;                       /* NOTIFY_NEVER: --no-notify */
    if (!r->state && !r->dry_run_dir) {
        aws_log_warn("tickets: no state database: no ticket is sent (one ticket per problem "
                     "needs the state) " "\xe2\x80\x94" " check [state] dir");
        return 0;
    }
    tk_engine e = { .r = r, .http = r->client ? aws_client_http(r->client) : NULL,
                    .retry = retry };
    e.chans = calloc(cfg->n_webhooks, sizeof(*e.chans));
    if (!e.chans)
        return AWS_ENOMEM;
    e.n_chans = cfg->n_webhooks;
    int rc = 0;
    for (size_t i = 0; i < e.n_chans && rc == 0; i++) {
        tk_chan *c = &e.chans[i];
        c->eng = &e;
        const config_webhook *wh = &cfg->webhooks[i];
        int crc = tk_channel_init(&c->ch, wh, c->why, sizeof(c->why));
        if (crc == AWS_ENOMEM) {
            rc = crc;
            break;
        }
        if (crc != 0) {
            /* Plan anyway, so that nothing is lost: the events wait. */
            aws_log_error("webhook %s: %s", wh->name, c->why);
            c->ch.cfg = wh;
            c->ch.vendor = tk_vendor_find(wh->type);
            scanner_severity sev = SCANNER_SEV_HIGH;
            if (wh->min_severity)
                (void)scanner_severity_parse(wh->min_severity, &sev);
            c->ch.min_sev = sev;
            c->ch.by_account = wh->group_by && strcmp(wh->group_by, "account") == 0;
            if (!c->ch.vendor)
                continue;
        } else {
            c->ch_ok = 1;
        }
        if (r->dry_run_dir && !r->state)
            rc = c->ch.vendor->tickets ? plan_tickets(c, r->findings, r->now) : 0;
        else
            rc = plan_channel(c, r);
        if (rc == 0 && c->ch.vendor->digests && r->dry_run_dir && !r->state)
            rc = plan_digest(c, r, r->now);
        if (rc != 0 && rc != AWS_ENOMEM) {
            aws_log_error("webhook %s: cannot read its tickets from the state (%s): nothing sent",
                          wh->name, r->state ? state_errmsg(r->state) : "");
            c->n_jobs = 0;
            rc = 0;
        }
    }
    if (rc == 0 && r->dry_run_dir) {
        for (size_t i = 0; i < e.n_chans; i++)
            if (e.chans[i].ch.cfg)
                write_dry(&e.chans[i], r->dry_run_dir);
    } else if (rc == 0 && (rc = record_intents(&e)) != 0) {
        aws_log_error("tickets: cannot record what is about to be sent (%s): nothing sent",
                      state_errmsg(r->state));
        for (size_t i = 0; i < e.n_chans; i++)
            e.chans[i].res.pending += e.chans[i].n_jobs;
        rc = 0;
    } else if (rc == 0) {
        e.running = e.n_chans;
        for (size_t i = 0; i < e.n_chans; i++) {
            tk_chan *c = &e.chans[i];
            if (!c->ch.vendor || !e.http) {
                c->res.pending += c->n_jobs;
                c->done = 1;
                e.running--;
                continue;
            }
            chan_step(c);
        }
        while (e.running > 0)
            uv_run(r->loop, UV_RUN_ONCE);
    }
    for (size_t i = 0; i < e.n_chans; i++) {
        tk_chan *c = &e.chans[i];
        if (c->ch.cfg && (c->res.sent || c->res.pending || c->res.failed))
            aws_log_info("webhook %s: %zu sent, %zu waiting for the next run, %zu refused",
                         c->ch.cfg->name, c->res.sent, c->res.pending, c->res.failed);
        if (res)
            notify_result_add(res, &c->res);
        chan_finish(c);
    }
    free(e.chans);
    return rc;
}

int notify_tickets(const notify_run *r, notify_result *res)
{
    return run_tickets(r, res, 0);
}

int notify_tickets_retry(const notify_run *r, notify_result *res)
{
    if (!r || !r->state)
        return AWS_EINVAL;
    return run_tickets(r, res, 1);
}
