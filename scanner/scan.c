/* certsweep — scan orchestration. */
#include "scanner/scan.h"

#include "aws/error.h"
#include "aws/log.h"
#include "scanner/collect.h"
#include "scanner/discover.h"
#include "scanner/rules.h"
#include "sts/sts.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

typedef struct scan scan;
typedef struct account account;

typedef struct tgt {
    scanner_target t;               /* first: callbacks get &t */
    account *a;
    unsigned collected;             /* sources whose collectors ran (1u << scanner_source) */
    struct tgt *next;
} tgt;

struct account {
    scan *s;
    char id[16];
    aws_creds_provider *creds;      /* NULL once the account failed */
    int own;                        /* the caller's own account, caller's creds */
    size_t targets_left;
    scanner_strv regions;           /* targets queued: regions, "global" */
    char *name, *email;             /* from Organizations; NULL when not listed */
    account *next;                  /* in the preparation queue */
};

struct scan {
    const scanner_scan_opts *o;
    scanner_findings *out;
    int keep_creds;                 /* a result wants the providers after the account */
    scanner_coverage *coverage;     /* the result's; NULL without a result */
    char partition[16];
    char caller_account[16];

    int failed;                     /* could not run */
    char err[512];
    int identity_done;
    int discovery_done;

    account **accounts;
    size_t n_accounts;
    size_t next_account;            /* next to prepare */
    size_t accounts_preparing;
    size_t accounts_done;

    tgt *queue_head, *queue_tail;   /* targets waiting */
    size_t targets_queued;
    size_t targets_active;
    size_t targets_total, targets_done;
    size_t max_targets, max_accounts;
    int pumping;

    scanner_strv regions_seen;
    uint64_t certificates;
    uint64_t describes, describes_saved, cache_hits;
    uint64_t stage_calls, stage_reads_saved;
    scanner_acm_reading acm;        /* what the ACM collectors read */
    scanner_apigw_reading apigw;    /* what the API Gateway collectors read */
    uint64_t extra_calls;           /* discovery, assume, regions */
    int collect_acm, collect_apigw, collect_apigwv2, collect_iam;
};

const char *scanner_sts_error_code(const char *msg, char *buf, size_t n)
{
    snprintf(buf, n, "AssumeRoleFailed");
    if (!msg)
        return buf;
    /* "<Op> <arn>: <code>: <message>" or "<Op>: <code>: <message>" */
    const char *p = strstr(msg, ": ");
    if (!p)
        return buf;
    p += 2;
    size_t len = strcspn(p, ": ");
    if (len == 0 || p[len] != ':' || len >= n)
        return buf;
    for (size_t i = 0; i < len; i++) {
        char c = p[i];
        if (!((c >= 'A' && c <= 'Z') || (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') ||
              c == '.' || c == '_' || c == '-'))
            return buf;
    }
    memcpy(buf, p, len);
    buf[len] = '\0';
    return buf;
}

static void progress(scan *s)
{
    if (!s->o->progress)
        return;
    scanner_progress p = {
        .accounts_done = s->accounts_done,
        .accounts_total = s->n_accounts,
        .targets_done = s->targets_done,
        .targets_total = s->targets_total,
        .findings = s->out->n,
        .gaps = s->out->n_gaps,
    };
    s->o->progress(&p, s->o->progress_ud);
}

static void pump(scan *s);

/* ---- accounts ----------------------------------------------------------- */

static void account_finish(account *a)
{
    scan *s = a->s;
    if (!s->keep_creds) {
        aws_creds_provider_unref(a->creds);
        a->creds = NULL;
    }
    s->accounts_done++;
    progress(s);
}

static void target_done(scanner_target *t)
{
    tgt *g = (tgt *)t;
    account *a = g->a;
    scan *s = a->s;
    /* Judge and release at once: memory stays bounded by the targets in
     * flight. */
    for (size_t i = 0; i < t->set.n; i++)
        if (t->set.v[i]->source != SCANNER_SRC_APIGW_STAGE)
            s->certificates++;
    size_t first = s->out->n;
    s->describes += t->describes;
    s->describes_saved += t->describes_saved;
    s->cache_hits += t->cache_hits;
    s->stage_calls += t->stage_calls;
    s->stage_reads_saved += t->stage_reads_saved;
    char err[512];
    int jrc = scanner_rules_judge_ex(&t->set, s->o->cfg, s->o->as_of, s->out, err, sizeof(err));
    if (jrc != 0) {
        aws_log_warn("%s/%s/Judge: %s: %s", a->id, t->region, aws_error_code(jrc), err);
        scanner_findings_add_gap(s->out, a->id, t->region, "Judge", aws_error_code(jrc), err);
    }
    if (s->o->inventory && scanner_inventory_add_set(s->o->inventory, &t->set, s->out, first) != 0)
        scanner_findings_add_gap(s->out, a->id, t->region, "Inventory", "InternalError",
                                 "out of memory while keeping certificate expiry dates");
    /* What this target read in full: the sources it collected, less those
     * a failed call left incomplete; nothing when judging failed. */
    unsigned read = jrc != 0 ? 0 : g->collected & ~t->set.incomplete;
    if (s->coverage && scanner_coverage_add(s->coverage, a->id, t->region, read) != 0)
        scanner_findings_add_gap(s->out, a->id, t->region, "Scan", "InternalError",
                                 "out of memory while recording coverage");
    aws_log_debug("%s/%s: %zu records, %llu calls", a->id, t->region, t->set.n,
                  (unsigned long long)t->api_calls);
    scanner_target_finish(t);
    free(g);
    s->targets_active--;
    s->targets_done++;
    if (--a->targets_left == 0)
        account_finish(a);
    progress(s);
    pump(s);
}

static void start_target(scan *s, tgt *g)
{
    scanner_target *t = &g->t;
    s->targets_active++;
    scanner_target_hold(t);
    if (strcmp(t->region, "global") == 0) {
        g->collected = 1u << SCANNER_SRC_IAM_SERVER_CERT;
        scanner_collect_iam(t);
    } else {
        /* A source that [scan] collectors turned off is not "complete and
         * empty": rules that join across sources must not judge on it. */
        if (s->collect_acm) {
            g->collected |= 1u << SCANNER_SRC_ACM;
            scanner_collect_acm(t);
        } else
            scanner_record_set_mark_incomplete(&t->set, SCANNER_SRC_ACM);
        if (s->collect_apigw) {
            g->collected |= 1u << SCANNER_SRC_APIGW_CLIENT_CERT | 1u << SCANNER_SRC_APIGW_STAGE |
                            1u << SCANNER_SRC_APIGW_DOMAIN;
            scanner_collect_apigw(t);
        } else {
            scanner_record_set_mark_incomplete(&t->set, SCANNER_SRC_APIGW_CLIENT_CERT);
            scanner_record_set_mark_incomplete(&t->set, SCANNER_SRC_APIGW_STAGE);
            scanner_record_set_mark_incomplete(&t->set, SCANNER_SRC_APIGW_DOMAIN);
        }
        if (s->collect_apigwv2) {
            g->collected |= 1u << SCANNER_SRC_APIGWV2_DOMAIN;
            scanner_collect_apigwv2(t);
        } else
            scanner_record_set_mark_incomplete(&t->set, SCANNER_SRC_APIGWV2_DOMAIN);
    }
    scanner_target_release(t);      /* may run target_done now */
}

static int queue_target(account *a, const char *region)
{
    scan *s = a->s;
    /* Listed before it runs: a target that fails leaves a gap, and the
     * gap is what tells the region was not covered. */
    if (scanner_strv_add(&a->regions, region) != 0)
        return AWS_ENOMEM;
    tgt *g = calloc(1, sizeof(*g));
    if (!g)
        return AWS_ENOMEM;
    scanner_target *t = &g->t;
    scanner_target_init(t);
    g->a = a;
    t->client = s->o->client;
    t->creds = a->creds;
    t->account_id = a->id;
    snprintf(t->region, sizeof(t->region), "%s", region);
    snprintf(t->call_region, sizeof(t->call_region), "%s",
             strcmp(region, "global") == 0 ? s->o->home_region : region);
    snprintf(t->partition, sizeof(t->partition), "%s", s->partition);
    t->gaps = s->out;
    t->done = target_done;
    t->ud = g;
    t->acm = &s->acm;
    t->apigw = &s->apigw;
    if (strcmp(region, "global") != 0 && !scanner_strv_contains(&s->regions_seen, region))
        scanner_strv_add(&s->regions_seen, region);
    if (s->queue_tail)
        s->queue_tail->next = g;
    else
        s->queue_head = g;
    s->queue_tail = g;
    s->targets_queued++;
    a->targets_left++;
    s->targets_total++;
    return 0;
}

/* Queues the account's targets: one per region, plus IAM once ("global"). */
static void account_targets(account *a, const scanner_strv *regions)
{
    scan *s = a->s;
    int regional = s->collect_acm || s->collect_apigw || s->collect_apigwv2;
    for (size_t i = 0; regional && regions && i < regions->n; i++)
        if (queue_target(a, regions->v[i]) != 0)
            scanner_findings_add_gap(s->out, a->id, regions->v[i], "Scan", "InternalError",
                                     "out of memory");
    if (s->collect_iam && queue_target(a, "global") != 0)
        scanner_findings_add_gap(s->out, a->id, "global", "Scan", "InternalError",
                                 "out of memory");
    s->accounts_preparing--;
    if (a->targets_left == 0)
        account_finish(a);
    progress(s);
    pump(s);
}

static int regions_all(const config_list *cl)
{
    return cl->n == 0 || (cl->n == 1 && strcmp(cl->v[0], "all") == 0);
}

static void on_regions(int err, const char *code, const char *message,
                       scanner_strv *regions, void *ud)
{
    account *a = ud;
    scan *s = a->s;
    const config_list *cl = &s->o->cfg->regions;
    s->extra_calls++;
    if (!regions_all(cl)) {
        /* An explicit list: scan the listed regions that are enabled in
         * this account; one gap for each that is not (its calls would all
         * fail).  Without DescribeRegions, scan the list as it is. */
        scanner_strv list;
        scanner_strv_init(&list);
        if (err)
            aws_log_info("%s: DescribeRegions: %s: %s (scanning the listed regions)",
                         a->id, code, message);
        for (size_t i = 0; i < cl->n; i++) {
            if (!err && !scanner_strv_contains(regions, cl->v[i])) {
                char msg[160];
                snprintf(msg, sizeof(msg), "region %s is not enabled in account %s "
                         "(opt-in region not opted in, or unknown)", cl->v[i], a->id);
                scanner_findings_add_gap(s->out, a->id, cl->v[i], "DescribeRegions",
                                         "RegionNotEnabled", msg);
                aws_log_warn("%s/%s: RegionNotEnabled: %s", a->id, cl->v[i], msg);
                continue;
            }
            scanner_strv_add(&list, cl->v[i]);
        }
        account_targets(a, &list);
        scanner_strv_finish(&list);
        return;
    }
    if (err) {
        scanner_findings_add_gap(s->out, a->id, "*", "DescribeRegions", code, message);
        aws_log_warn("%s/*/DescribeRegions: %s: %s", a->id, code, message);
        account_targets(a, NULL);   /* IAM is global: still scanned */
        return;
    }
    account_targets(a, regions);
}

static void account_regions(account *a)
{
    scan *s = a->s;
    int regional = s->collect_acm || s->collect_apigw || s->collect_apigwv2;
    if (!regional) {
        account_targets(a, NULL);
        return;
    }
    int rc = scanner_discover_regions(s->o->client, a->creds, a->id, s->o->home_region,
                                      on_regions, a);
    if (rc != 0) {
        scanner_strv none;
        scanner_strv_init(&none);
        on_regions(rc, "InternalError", aws_strerror(rc), &none, a);
        s->extra_calls--;
    }
}

static void on_assumed(int err, aws_creds *creds, const char *msg, void *ud)
{
    (void)creds;
    account *a = ud;
    scan *s = a->s;
    s->extra_calls++;
    if (err) {
        char code[64];
        scanner_sts_error_code(msg, code, sizeof(code));
        scanner_findings_add_gap(s->out, a->id, "*", "AssumeRole", code, msg ? msg : "");
        aws_log_warn("%s: not scanned: %s", a->id, msg ? msg : aws_strerror(err));
        aws_creds_provider_unref(a->creds);     /* not entered: nothing to hand on */
        a->creds = NULL;
        s->accounts_preparing--;
        account_finish(a);
        pump(s);
        return;
    }
    account_regions(a);
}

static void prepare_account(scan *s, account *a)
{
    const config *cfg = s->o->cfg;
    s->accounts_preparing++;
    a->own = strcmp(a->id, s->caller_account) == 0 && !cfg->assume_role_in_caller_account;
    if (a->own) {
        a->creds = aws_creds_provider_ref(s->o->caller);
        account_regions(a);
        return;
    }
    char arn[256];
    snprintf(arn, sizeof(arn), "arn:%s:iam::%s:role/%s", s->partition, a->id,
             cfg->role_name ? cfg->role_name : "CertSweepAudit");
    char name[64];
    snprintf(name, sizeof(name), "assume-role:%s", a->id);
    sts_assume_opts ao = {
        .role_arn = arn,
        .session_name = cfg->role_session_name,
        .external_id = cfg->external_id,
        .duration_seconds = cfg->role_duration_seconds,
        .region = s->o->home_region,
        .name = name,
        .rate_key = a->id,
    };
    int rc = sts_assume_role_provider_new(s->o->client, s->o->caller, &ao, &a->creds);
    if (rc == 0) {
        /* Assume once now (the provider caches and refreshes); every region
         * of the account reuses it. */
        rc = aws_creds_provider_get(a->creds, on_assumed, a);
        if (rc == 0)
            return;
    }
    scanner_findings_add_gap(s->out, a->id, "*", "AssumeRole", "InternalError", aws_strerror(rc));
    aws_creds_provider_unref(a->creds);
    a->creds = NULL;
    s->accounts_preparing--;
    account_finish(a);
}

/* Starts what can start: account preparations, then targets.  A new
 * account is prepared only while fewer than max_targets targets wait:
 * otherwise every account of a large organization would be assumed at
 * once and its targets queued, and memory would grow with accounts x
 * regions instead of the targets in flight. */
static void pump(scan *s)
{
    if (s->pumping)
        return;
    s->pumping = 1;
    int again = 1;
    while (again) {
        again = 0;
        while (s->discovery_done && s->next_account < s->n_accounts &&
               s->accounts_preparing < s->max_accounts && s->targets_queued < s->max_targets) {
            prepare_account(s, s->accounts[s->next_account++]);
            again = 1;
        }
        while (s->queue_head && s->targets_active < s->max_targets) {
            tgt *g = s->queue_head;
            s->queue_head = g->next;
            if (!s->queue_head)
                s->queue_tail = NULL;
            g->next = NULL;
            s->targets_queued--;
            start_target(s, g);
            again = 1;
        }
    }
    s->pumping = 0;
}

static int finished(const scan *s)
{
    if (s->failed)
        return 1;
    return s->identity_done && s->discovery_done && s->accounts_done == s->n_accounts;
}

/* ---- discovery ----------------------------------------------------------- */

/* The accounts to scan: every path (the config's list, the organization,
 * the caller alone) ends here, and --shard keeps this host's share. */
static int set_accounts(scan *s, const scanner_strv *ids, const scanner_strv *meta)
{
    s->accounts = calloc(ids->n ? ids->n : 1, sizeof(*s->accounts));
    if (!s->accounts)
        return AWS_ENOMEM;
    for (size_t i = 0; i < ids->n; i++) {
        if (!scanner_shard_has(&s->o->shard, ids->v[i]))
            continue;
        account *a = calloc(1, sizeof(*a));
        if (!a)
            return AWS_ENOMEM;
        a->s = s;
        scanner_strv_init(&a->regions);
        snprintf(a->id, sizeof(a->id), "%s", ids->v[i]);
        s->accounts[s->n_accounts++] = a;
        const char *name = scanner_account_meta_name(meta, a->id);
        const char *email = scanner_account_meta_email(meta, a->id);
        if ((name && *name && !(a->name = strdup(name))) ||
            (email && *email && !(a->email = strdup(email))))
            return AWS_ENOMEM;
    }
    if (s->o->shard.count > 1)
        aws_log_info("shard %d/%d: %zu of %zu accounts", s->o->shard.index, s->o->shard.count,
                     s->n_accounts, ids->n);
    s->discovery_done = 1;
    progress(s);
    return 0;
}

static void caller_only(scan *s)
{
    scanner_strv one;
    scanner_strv_init(&one);
    scanner_strv_add(&one, s->caller_account);
    if (set_accounts(s, &one, NULL) != 0) {
        s->failed = 1;
        snprintf(s->err, sizeof(s->err), "out of memory");
    }
    scanner_strv_finish(&one);
}

static void on_discovered(scanner_discovery *d, void *ud)
{
    scan *s = ud;
    s->extra_calls += d->api_calls;
    if (!d->err && *d->paging_code) {
        /* The organization's listing was cut short: scan what was listed,
         * and an account-wide gap on the caller makes the run partial so
         * that nothing is resolved on its strength. */
        char msg[400];
        snprintf(msg, sizeof(msg), "the organization's accounts could not all be listed "
                 "(%s); scanned the %zu listed", d->paging_message, d->listed);
        aws_log_warn("%s/*/%s: %s: %s", s->caller_account, d->paging_operation,
                     d->paging_code, msg);
        scanner_findings_add_gap(s->out, s->caller_account, "*", d->paging_operation,
                                 d->paging_code, msg);
    }
    if (d->err) {
        if (scanner_org_error_refused(d->code)) {
            /* An organization may exist whose other accounts go unseen:
             * a gap on the caller's whole account makes the run partial
             * (exit 3) and keeps Security Hub from archiving anything. */
            char msg[400];
            const char *op = *d->operation ? d->operation : "ListAccounts";
            snprintf(msg, sizeof(msg), "cannot list the organization's accounts (%s); "
                     "scanned only the caller's account", d->message);
            aws_log_warn("%s/*/%s: %s: %s", s->caller_account, op, d->code, msg);
            if (scanner_findings_add_gap(s->out, s->caller_account, "*", op, d->code, msg) != 0) {
                s->failed = 1;
                snprintf(s->err, sizeof(s->err), "out of memory");
            } else {
                caller_only(s);
            }
        } else if (scanner_org_error_falls_back(d->code)) {
            aws_log_warn("cannot list the organization's accounts (%s): scanning only the "
                         "caller's account %s", d->code, s->caller_account);
            caller_only(s);
        } else {
            s->failed = 1;
            snprintf(s->err, sizeof(s->err), "could not list the organization's accounts: %s: %s",
                     d->code, d->message);
        }
    } else if (d->listed == 0 && s->o->cfg->organizational_units.n == 0) {
        /* An organization always lists at least its management account;
         * an empty answer means there is none to list (emulators answer
         * so instead of AWSOrganizationsNotInUseException). */
        aws_log_warn("AWS Organizations listed no account: scanning only the caller's "
                     "account %s", s->caller_account);
        caller_only(s);
    } else {
        if (d->accounts.n == 0)
            aws_log_warn("no account left to scan after [scan] include/exclude filters");
        if (set_accounts(s, &d->accounts, &d->meta) != 0) {
            s->failed = 1;
            snprintf(s->err, sizeof(s->err), "out of memory");
        }
    }
    scanner_discovery_free(d);
    pump(s);
}

static void start_discovery(scan *s)
{
    const config *cfg = s->o->cfg;
    if (cfg->accounts.n) {
        scanner_strv ids;
        scanner_strv_init(&ids);
        for (size_t i = 0; i < cfg->accounts.n; i++)
            scanner_strv_add(&ids, cfg->accounts.v[i]);
        scanner_accounts_filter(&ids, cfg, NULL);
        if (set_accounts(s, &ids, NULL) != 0) {
            s->failed = 1;
            snprintf(s->err, sizeof(s->err), "out of memory");
        }
        scanner_strv_finish(&ids);
        pump(s);
        return;
    }
    int rc = scanner_discover_accounts(s->o->client, s->o->caller, s->o->home_region, cfg,
                                       on_discovered, s);
    if (rc != 0) {
        s->failed = 1;
        snprintf(s->err, sizeof(s->err), "could not start listing accounts: %s",
                 aws_strerror(rc));
    }
}

static void on_identity(int err, const sts_identity *id, const char *msg, void *ud)
{
    scan *s = ud;
    s->extra_calls++;
    s->identity_done = 1;
    if (err) {
        s->failed = 1;
        snprintf(s->err, sizeof(s->err), "%s", msg ? msg : aws_strerror(err));
        return;
    }
    snprintf(s->caller_account, sizeof(s->caller_account), "%s", id->account ? id->account : "");
    scanner_arn_partition(id->arn, s->partition, sizeof(s->partition));
    aws_log_info("scanning as %s (account %s)", id->arn ? id->arn : "?", s->caller_account);
    start_discovery(s);
}

/* ---- run ------------------------------------------------------------------ */

void scanner_scan_result_init(scanner_scan_result *r)
{
    memset(r, 0, sizeof(*r));
}

void scanner_scan_result_finish(scanner_scan_result *r)
{
    if (!r)
        return;
    for (size_t i = 0; i < r->n_accounts; i++) {
        scanner_scanned_account *a = &r->accounts[i];
        aws_creds_provider_unref(a->creds);
        for (size_t k = 0; k < a->n_regions; k++)
            free((char *)a->regions[k]);
        free((void *)a->regions);
        free((char *)a->account_id);
        free((char *)a->name);
        free((char *)a->email);
    }
    free(r->accounts);
    scanner_coverage_finish(&r->coverage);
    memset(r, 0, sizeof(*r));
}

scanner_scanned_accounts scanner_scan_result_accounts(const scanner_scan_result *r)
{
    scanner_scanned_accounts a = { r ? r->accounts : NULL, r ? r->n_accounts : 0 };
    return a;
}

/* Moves the accounts' providers and regions into res. */
static int fill_result(scan *s, scanner_scan_result *res)
{
    snprintf(res->scanning_account, sizeof(res->scanning_account), "%s", s->caller_account);
    snprintf(res->partition, sizeof(res->partition), "%s", s->partition);
    if (s->n_accounts == 0)
        return 0;
    res->accounts = calloc(s->n_accounts, sizeof(*res->accounts));
    if (!res->accounts)
        return AWS_ENOMEM;
    for (size_t i = 0; i < s->n_accounts; i++) {
        account *a = s->accounts[i];
        scanner_scanned_account *r = &res->accounts[res->n_accounts];
        if (!(r->account_id = strdup(a->id)))
            return AWS_ENOMEM;
        res->n_accounts++;
        r->name = a->name;              /* moves */
        r->email = a->email;
        a->name = a->email = NULL;
        r->creds = a->creds;            /* the reference moves */
        a->creds = NULL;
        /* The strings move too: the list keeps only its array. */
        r->regions = (const char *const *)a->regions.v;
        r->n_regions = a->regions.n;
        scanner_strv_init(&a->regions);
    }
    return 0;
}

static int scan_run(const scanner_scan_opts *o, scanner_findings *out, scanner_stats *st,
                    scanner_scan_result *res, char *err, size_t errlen)
{
    scan s;
    memset(&s, 0, sizeof(s));
    s.o = o;
    s.out = out;
    s.keep_creds = res != NULL;
    s.coverage = res ? &res->coverage : NULL;
    snprintf(s.partition, sizeof(s.partition), "aws");
    scanner_strv_init(&s.regions_seen);
    size_t conc = o->cfg->concurrency > 0 ? (size_t)o->cfg->concurrency : 32;
    s.max_targets = o->max_targets ? o->max_targets : (conc < 4 ? 4 : conc);
    s.max_accounts = o->max_accounts ? o->max_accounts : 8;
    const config_list *cl = &o->cfg->collectors;
    int all = cl->n == 0;
    s.collect_acm = all || config_list_contains(cl, "acm");
    s.collect_apigw = all || config_list_contains(cl, "apigateway");
    s.collect_apigwv2 = all || config_list_contains(cl, "apigatewayv2");
    s.collect_iam = all || config_list_contains(cl, "iam");
    s.acm.cfg = o->cfg;
    s.acm.as_of = o->as_of;
    s.acm.now = o->now ? o->now : (int64_t)time(NULL);
    s.acm.cache = o->detail_cache;
    s.apigw.cfg = o->cfg;
    s.apigw.as_of = o->as_of;

    uint64_t t0 = uv_hrtime();
    aws_client_stats cs0;
    aws_client_get_stats(o->client, &cs0);

    int rc = sts_get_caller_identity(o->client, o->caller, o->home_region, on_identity, &s);
    if (rc != 0) {
        snprintf(err, errlen, "could not start GetCallerIdentity: %s", aws_strerror(rc));
        scanner_strv_finish(&s.regions_seen);
        return rc;
    }
    while (!finished(&s))
        uv_run(o->loop, UV_RUN_ONCE);

    /* A failure (identity, discovery) is reported only once every call
     * of that step has answered: nothing of ours is in flight here. */

    if (st) {
        aws_client_stats cs;
        aws_client_get_stats(o->client, &cs);
        st->accounts = s.n_accounts;
        st->regions = s.regions_seen.n;
        st->account_regions = s.targets_done;
        st->api_calls = cs.calls - cs0.calls;
        st->retries = cs.retries - cs0.retries;
        st->throttled = cs.throttled - cs0.throttled;
        for (size_t i = 0; i < AWS_SVC__COUNT; i++) {
            st->api_calls_by_service[i] = cs.calls_by_service[i] - cs0.calls_by_service[i];
            st->throttled_by_service[i] = cs.throttled_by_service[i] - cs0.throttled_by_service[i];
        }
        st->certificates = s.certificates;
        st->describes = s.describes;
        st->describes_saved = s.describes_saved;
        st->detail_cache_hits = s.cache_hits;
        st->apigw_stage_calls = s.stage_calls;
        st->apigw_stage_reads_saved = s.stage_reads_saved;
        st->wall_ms = (int64_t)((uv_hrtime() - t0) / 1000000u);
        st->shard_index = o->shard.count > 1 ? o->shard.index : 0;
        st->shard_count = o->shard.count > 1 ? o->shard.count : 0;
        scanner_stats_tally(st, out);
    }
    int frc = res ? fill_result(&s, res) : 0;
    for (size_t i = 0; i < s.n_accounts; i++) {
        aws_creds_provider_unref(s.accounts[i]->creds);
        scanner_strv_finish(&s.accounts[i]->regions);
        free(s.accounts[i]->name);
        free(s.accounts[i]->email);
        free(s.accounts[i]);
    }
    free(s.accounts);
    scanner_strv_finish(&s.regions_seen);
    if (s.failed) {
        snprintf(err, errlen, "%s", s.err);
        return AWS_EINVAL;
    }
    if (frc != 0) {
        snprintf(err, errlen, "out of memory");
        return frc;
    }
    return 0;
}

int scanner_scan_run(const scanner_scan_opts *o, scanner_findings *out,
                     scanner_stats *st, char *err, size_t errlen)
{
    return scan_run(o, out, st, NULL, err, errlen);
}

int scanner_scan_run_result(const scanner_scan_opts *o, scanner_findings *out,
                            scanner_stats *st, scanner_scan_result *res,
                            char *err, size_t errlen)
{
    if (!res)
        return AWS_EINVAL;
    return scan_run(o, out, st, res, err, errlen);
}
