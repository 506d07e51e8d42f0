/* certsweep — scan orchestration. */
#include "scanner/scan.h"

#include "aws/error.h"
#include "aws/log.h"
#include "scanner/collect.h"
#include "scanner/discover.h"
#include "scanner/dnscheck.h"
#include "scanner/enrich.h"
#include "scanner/rules.h"
#include "scanner/served.h"
#include "sts/sts.h"

#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* A regional target runs in two stages: ACM first, then the other
 * sources.  ACM is where one account-region can take a minute (hundreds of
 * DescribeCertificate calls at 10/s), and only its listing tells which one:
 * listing every account-region's certificates before reading the other
 * sources starts the slowest ones early, so the scan ends near the time of
 * its slowest account-region instead of that plus the time to reach it. */
enum { STAGE_ACM = 1, STAGE_REST = 2 };

/* Targets whose ACM stage ended, waiting for the other one, hold their
 * ACM records (a few hundred bytes a target): past this many the ACM
 * stage waits for them, so memory stays bounded in any organization (1,000
 * accounts x 17 regions is 17,000 targets). */
#define SCAN_MAX_HELD 16384

typedef struct scan scan;
typedef struct account account;

typedef struct tgt {
    scanner_target t;               /* first: callbacks get &t */
    account *a;
    unsigned collected;             /* sources whose collectors ran (1u << scanner_source) */
    int dns_checked;                /* the validation record lookups ran (or were not needed) */
    int dns_clean;                  /* every lookup had a clear answer */
    int stage;                      /* STAGE_* it is in or waits for */
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
    char *ou_path;                  /* "Root/Production/Payments"; NULL when not found */
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
    int from_org;                   /* the accounts came from Organizations */
    int paths_pending;              /* the OU walk from the root has not answered */
    scanner_strv paths;             /* its (account, path) pairs */
    char place_code[64];            /* the walk's first failure ("" none) */
    char place_operation[40];
    char place_message[256];

    account **accounts;
    size_t n_accounts, cap_accounts;
    int streamed;                   /* accounts came page by page from ListAccounts */
    size_t next_account;            /* next to prepare */
    size_t accounts_preparing;
    size_t accounts_done;

    tgt *queue_head, *queue_tail;   /* targets waiting for their ACM stage */
    tgt *rest_head, *rest_tail;     /* targets waiting for their other sources */
    size_t targets_queued;          /* in the ACM queue */
    size_t rest_queued;
    size_t acm_active, rest_active; /* targets in each stage */
    size_t targets_total, targets_done;
    size_t max_targets;             /* in the ACM stage at once */
    size_t max_rest;                /* in the other stage at once */
    size_t max_accounts;
    int pumping;

    scanner_strv regions_seen;
    uint64_t certificates;
    uint64_t describes, describes_saved, cache_hits;
    uint64_t stage_calls, stage_reads_saved;
    scanner_acm_reading acm;        /* what the ACM collectors read */
    scanner_enrich *enrich;         /* the tags of what has findings */
    scanner_apigw_reading apigw;    /* what the API Gateway collectors read */
    uint64_t extra_calls;           /* discovery, assume, regions */
    int collect_acm, collect_apigw, collect_apigwv2, collect_iam;
    scanner_served *served;         /* [probe] enabled: the served-certificate probe */
    /* DNS checks ([dns] enabled): one resolver on the scan's loop, made at
     * the first target that needs it. */
    int dns_on;
    dns_resolver *dns;
    int dns_broken;                 /* the resolver could not be made */
    char dns_err[160];
    uint64_t dns_lookups;
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

static void push(tgt **head, tgt **tail, tgt *g)
{
    g->next = NULL;
    if (*tail)
        (*tail)->next = g;
    else
        *head = g;
    *tail = g;
}

static tgt *pop(tgt **head, tgt **tail)
{
    tgt *g = *head;
    *head = g->next;
    if (!*head)
        *tail = NULL;
    g->next = NULL;
    return g;
}

static void target_judge(tgt *g);

static void on_dns_checked(void *ud, int clean)
{
    tgt *g = ud;
    g->dns_clean = g->dns_clean && clean;
    target_judge(g);
}

/* Starts the scan's one resolver ([dns] options) the first time it is
 * wanted; when it cannot start, says why once (dns_err, warning with the
 * caller's note) and stays NULL for the rest of the scan. */
static dns_resolver *resolver_start(scan *s, const char *note)
{
    if (!s->dns && !s->dns_broken) {
        dns_options o;
        scanner_dns_options(s->o->cfg, &o);
        int rc = dns_resolver_new(s->o->loop, &o, &s->dns);
        if (rc != 0) {
            s->dns = NULL;
            s->dns_broken = 1;
            snprintf(s->dns_err, sizeof(s->dns_err), "the DNS resolver could not start: %s",
                     aws_strerror(rc));
            aws_log_warn("DNS: %s%s", s->dns_err, note);
        }
    }
    return s->dns;
}

/* The resolver, made once; NULL (and one gap per target) when it cannot be. */
static dns_resolver *scan_resolver(scan *s, const char *account_id, const char *region)
{
    if (!resolver_start(s, ""))
        scanner_findings_add_gap(s->out, account_id, region, "DNS", "ResolverError", s->dns_err);
    return s->dns;
}

/* Collection is over: look up the validation records the renewal-at-risk
 * rule reads (the target stays in flight meanwhile), then judge. */
static void target_done(scanner_target *t)
{
    tgt *g = (tgt *)t;
    scan *s = g->a->s;
    /* After the ACM stage (the records come from it), once per target: the
     * second stage's end keeps what the lookups found. */
    if (s->dns_on && !g->dns_checked && (g->collected & (1u << SCANNER_SRC_ACM))) {
        g->dns_checked = 1;
        g->dns_clean = 1;
        size_t want = 0;
        for (size_t i = 0; i < t->set.n; i++)
            for (size_t v = 0; v < t->set.v[i]->n_validations; v++)
                want += scanner_rule_dns_wanted(t->set.v[i], &t->set.v[i]->validations[v],
                                                s->o->cfg, s->o->as_of) ? 1 : 0;
        dns_resolver *r = want ? scan_resolver(s, g->a->id, t->region) : NULL;
        if (want && !r) {
            g->dns_clean = 0;
        } else if (want) {
            size_t n = scanner_dnscheck_start(r, &t->set, s->o->cfg, s->o->as_of, s->out,
                                              g->a->id, t->region, on_dns_checked, g,
                                              &g->dns_clean);
            s->dns_lookups += n;
            if (n > 0)
                return;   /* on_dns_checked judges */
        }
    }
    target_judge(g);
}

static void target_judge(tgt *g)
{
    scanner_target *t = &g->t;
    account *a = g->a;
    scan *s = a->s;
    if (g->stage == STAGE_ACM) {
        /* Its certificates are read: the other sources wait their turn. */
        s->acm_active--;
        g->stage = STAGE_REST;
        push(&s->rest_head, &s->rest_tail, g);
        s->rest_queued++;
        pump(s);
        return;
    }
    s->rest_active--;
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
    if (s->served && scanner_served_add_set(s->served, &t->set) != 0)
        scanner_findings_add_gap(s->out, a->id, t->region, "Probe", "InternalError",
                                 "out of memory while queueing endpoints to probe");
    if (jrc == 0)
        scanner_enrich_add(s->enrich, first, a->creds, s->from_org);
    if (s->o->inventory && scanner_inventory_add_set(s->o->inventory, &t->set, s->out, first) != 0)
        scanner_findings_add_gap(s->out, a->id, t->region, "Inventory", "InternalError",
                                 "out of memory while keeping certificate expiry dates");
    /* What this target read in full: the sources it collected, less those
     * a failed call left incomplete; nothing when judging failed. */
    unsigned read = jrc != 0 ? 0 : g->collected & ~t->set.incomplete;
    if (read & (1u << SCANNER_SRC_ACM) && s->dns_on && g->dns_clean)
        read |= SCANNER_COVER_DNS;
    if (s->coverage && scanner_coverage_add(s->coverage, a->id, t->region, read) != 0)
        scanner_findings_add_gap(s->out, a->id, t->region, "Scan", "InternalError",
                                 "out of memory while recording coverage");
    aws_log_debug("%s/%s: %zu records, %llu calls", a->id, t->region, t->set.n,
                  (unsigned long long)t->api_calls);
    scanner_target_finish(t);
    free(g);
    s->targets_done++;
    if (--a->targets_left == 0)
        account_finish(a);
    progress(s);
    pump(s);
}

/* A record is complete: the tags of what already has a finding are asked
 * now, beside the rest of its account-region's reads. */
static void target_record_read(scanner_target *t, const scanner_record *r)
{
    account *a = ((tgt *)t)->a;
    scanner_enrich_record(a->s->enrich, r, t->creds, a->s->from_org);
}

static void start_acm(scan *s, tgt *g)
{
    scanner_target *t = &g->t;
    s->acm_active++;
    g->stage = STAGE_ACM;
    g->collected |= 1u << SCANNER_SRC_ACM;
    scanner_target_hold(t);
    scanner_collect_acm(t);
    scanner_target_release(t);      /* may run target_done now */
}

static void start_rest(scan *s, tgt *g)
{
    scanner_target *t = &g->t;
    s->rest_active++;
    g->stage = STAGE_REST;
    scanner_target_hold(t);
    if (strcmp(t->region, "global") == 0) {
        g->collected = 1u << SCANNER_SRC_IAM_SERVER_CERT;
        scanner_collect_iam(t);
    } else {
        /* A source that [scan] collectors turned off is not "complete and
         * empty": rules that join across sources must not judge on it. */
        if (!s->collect_acm)
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
    t->record_read = target_record_read;
    t->ud = g;
    t->acm = &s->acm;
    t->apigw = &s->apigw;
    if (strcmp(region, "global") != 0 && !scanner_strv_contains(&s->regions_seen, region))
        scanner_strv_add(&s->regions_seen, region);
    if (s->collect_acm && strcmp(region, "global") != 0) {
        push(&s->queue_head, &s->queue_tail, g);
        s->targets_queued++;
    } else {
        g->stage = STAGE_REST;
        push(&s->rest_head, &s->rest_tail, g);
        s->rest_queued++;
    }
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
        /* STS's limit is the calling account's (600/s per account and
         * region): every AssumeRole of the scan shares one lane. */
        .rate_key = s->caller_account,
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

/* How many targets may read their other sources at once: a quarter of
 * the cap while account-regions still wait for their ACM listing, so
 * that listing goes first (see STAGE_ACM), all of it afterwards. */
static size_t rest_cap(const scan *s)
{
    int acm_left = s->rest_queued < SCAN_MAX_HELD &&
                   (s->queue_head || s->accounts_preparing ||
                    !s->discovery_done || s->next_account < s->n_accounts);
    size_t cap = acm_left ? s->max_rest / 4 : s->max_rest;
    return cap ? cap : 1;
}

/* Starts what can start: account preparations, ACM stages, then the
 * other stages.  A new account is prepared only while fewer than
 * max_targets targets wait for their ACM stage: otherwise every account of
 * a large organization would be assumed at once and its targets queued. */
static void pump(scan *s)
{
    if (s->pumping)
        return;
    s->pumping = 1;
    int again = 1;
    while (again) {
        again = 0;
        while (s->next_account < s->n_accounts &&
               s->accounts_preparing < s->max_accounts && s->targets_queued < s->max_targets) {
            prepare_account(s, s->accounts[s->next_account++]);
            again = 1;
        }
        while (s->queue_head && s->acm_active < s->max_targets &&
               s->rest_queued < SCAN_MAX_HELD) {
            s->targets_queued--;
            start_acm(s, pop(&s->queue_head, &s->queue_tail));
            again = 1;
        }
        while (s->rest_head && s->rest_active < rest_cap(s)) {
            s->rest_queued--;
            start_rest(s, pop(&s->rest_head, &s->rest_tail));
            again = 1;
        }
    }
    s->pumping = 0;
}

static int finished(const scan *s)
{
    if (s->paths_pending)
        return 0;
    if (s->failed)
        return 1;
    return s->identity_done && s->discovery_done && s->accounts_done == s->n_accounts;
}

/* ---- discovery ----------------------------------------------------------- */

/* Adds accounts to scan: every path (the config's list, the organization,
 * page by page or at once, the caller alone) comes here, and --shard keeps
 * this host's share.  An id already added is skipped (a listing may repeat
 * one). */
static int add_accounts(scan *s, const scanner_strv *ids, const scanner_strv *meta,
                        const scanner_discovery *d)
{
    if (s->n_accounts + ids->n > s->cap_accounts) {
        size_t nc = s->cap_accounts ? s->cap_accounts : 16;
        while (nc < s->n_accounts + ids->n)
            nc *= 2;
        account **na = realloc(s->accounts, nc * sizeof(*na));
        if (!na)
            return AWS_ENOMEM;
        s->accounts = na;
        s->cap_accounts = nc;
    }
    for (size_t i = 0; i < ids->n; i++) {
        if (!scanner_shard_has(&s->o->shard, ids->v[i]))
            continue;
        int dup = 0;
        for (size_t k = 0; k < s->n_accounts && !dup; k++)
            dup = strcmp(s->accounts[k]->id, ids->v[i]) == 0;
        if (dup)
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
        const char *path = scanner_discovery_path(d, a->id);
        if ((name && *name && !(a->name = strdup(name))) ||
            (email && *email && !(a->email = strdup(email))) ||
            (path && *path && !(a->ou_path = strdup(path))))
            return AWS_ENOMEM;
    }
    return 0;
}

/* Every account is known: the scan can end once they are done. */
static void accounts_known(scan *s, size_t listed)
{
    if (s->o->shard.count > 1)
        aws_log_info("shard %d/%d: %zu of %zu accounts", s->o->shard.index, s->o->shard.count,
                     s->n_accounts, listed);
    s->discovery_done = 1;
    progress(s);
}

static int set_accounts(scan *s, const scanner_strv *ids, const scanner_strv *meta,
                        const scanner_discovery *d)
{
    int rc = add_accounts(s, ids, meta, d);
    if (rc == 0)
        accounts_known(s, ids->n);
    return rc;
}

/* Streaming (scanner_discover_accounts_stream): a ListAccounts page's
 * accounts start at once, before the listing ends. */
static int on_accounts_page(const scanner_strv *ids, const scanner_strv *meta, void *ud)
{
    scan *s = ud;
    s->streamed = 1;
    s->from_org = 1;                /* their tags are asked from the first finding on */
    int rc = add_accounts(s, ids, meta, NULL);
    if (rc == 0)
        pump(s);
    return rc;
}

static void caller_only(scan *s)
{
    scanner_strv one;
    scanner_strv_init(&one);
    scanner_strv_add(&one, s->caller_account);
    if (set_accounts(s, &one, NULL, NULL) != 0) {
        s->failed = 1;
        snprintf(s->err, sizeof(s->err), "out of memory");
    }
    scanner_strv_finish(&one);
}

/* The first failure of the OU walk: a gap once the accounts are known to
 * come from the organization (place_gap). */
static void keep_place_failure(scan *s, const scanner_discovery *d)
{
    if (!*d->place_code || *s->place_code)
        return;
    snprintf(s->place_code, sizeof(s->place_code), "%s", d->place_code);
    snprintf(s->place_operation, sizeof(s->place_operation), "%s", d->place_operation);
    snprintf(s->place_message, sizeof(s->place_message), "%s", d->place_message);
}

/* Without the walk the findings lack their OU path: a gap on the caller
 * for that call; the scan went on. */
static void place_gap(scan *s)
{
    if (!s->from_org || !*s->place_code)
        return;
    char msg[400];
    snprintf(msg, sizeof(msg), "the OU path of accounts could not be read (%s)", s->place_message);
    aws_log_warn("%s/*/%s: %s: %s", s->caller_account, s->place_operation, s->place_code, msg);
    scanner_findings_add_gap(s->out, s->caller_account, "*", s->place_operation,
                             s->place_code, msg);
}

static void on_paths(scanner_discovery *d, void *ud)
{
    scan *s = ud;
    s->extra_calls += d->api_calls;
    s->paths = d->paths;
    scanner_strv_init(&d->paths);
    keep_place_failure(s, d);
    scanner_discovery_free(d);
    s->paths_pending = 0;
}

/* The whole organization: where each account sits, walked from the root
 * once the listing is done (the walk shares the Organizations lane with
 * it; the targets do not wait for the walk). */
static void start_paths(scan *s)
{
    if (s->o->cfg->organizational_units.n == 0 && !s->paths_pending &&
        scanner_discover_paths(s->o->client, s->o->caller, s->o->home_region, on_paths, s) == 0)
        s->paths_pending = 1;
}

/* The organization's listing was cut short: what was listed is scanned,
 * and an account-wide gap on the caller makes the run partial so that
 * nothing is resolved on its strength.  0 or AWS_ENOMEM. */
static int listing_cut(scan *s, const char *op, const char *code, const char *why,
                       size_t scanned)
{
    char msg[400];
    snprintf(msg, sizeof(msg), "the organization's accounts could not all be listed "
             "(%s); scanned the %zu listed", why, scanned);
    aws_log_warn("%s/*/%s: %s: %s", s->caller_account, op, code, msg);
    return scanner_findings_add_gap(s->out, s->caller_account, "*", op, code, msg);
}

/* The listing ended after some of its accounts were streamed into the
 * scan: those are scanned whatever happened next, and a failure is an
 * account-wide gap on the caller that makes the run partial. */
static void streamed_end(scan *s, scanner_discovery *d)
{
    if (d->err && listing_cut(s, *d->operation ? d->operation : "ListAccounts",
                              *d->code ? d->code : "Error", d->message, s->n_accounts) != 0) {
        s->failed = 1;
        snprintf(s->err, sizeof(s->err), "out of memory");
    }
    keep_place_failure(s, d);
    accounts_known(s, d->err ? s->n_accounts : d->accounts.n);
    start_paths(s);
}

static void on_discovered(scanner_discovery *d, void *ud)
{
    scan *s = ud;
    s->extra_calls += d->api_calls;
    if (!d->err && *d->paging_code)
        listing_cut(s, d->paging_operation, d->paging_code, d->paging_message, d->listed);
    if (s->streamed) {
        streamed_end(s, d);
    } else if (d->err) {
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
        keep_place_failure(s, d);
        s->from_org = 1;
        if (set_accounts(s, &d->accounts, &d->meta, d) != 0) {
            s->failed = 1;
            snprintf(s->err, sizeof(s->err), "out of memory");
        } else {
            start_paths(s);
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
        if (set_accounts(s, &ids, NULL, NULL) != 0) {
            s->failed = 1;
            snprintf(s->err, sizeof(s->err), "out of memory");
        }
        scanner_strv_finish(&ids);
        pump(s);
        return;
    }
    int rc = scanner_discover_accounts_stream(s->o->client, s->o->caller, s->o->home_region,
                                              cfg, on_accounts_page, on_discovered, s);
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
        free((char *)a->ou_path);
        scanner_tags_finish(&a->tags);
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
        const char *path = scanner_paths_find(&s->paths, a->id);
        if (!a->ou_path && path && *path && !(a->ou_path = strdup(path)))
            return AWS_ENOMEM;
        r->name = a->name;              /* moves */
        r->email = a->email;
        r->ou_path = a->ou_path;
        a->name = a->email = a->ou_path = NULL;
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
    s.keep_creds = 1;               /* the tags of findings are read after the targets */
    s.coverage = res ? &res->coverage : NULL;
    snprintf(s.partition, sizeof(s.partition), "aws");
    scanner_strv_init(&s.regions_seen);
    scanner_strv_init(&s.paths);
    size_t conc = o->cfg->concurrency > 0 ? (size_t)o->cfg->concurrency : 32;
    /* A target in its ACM stage mostly waits in its DescribeCertificate
     * lane, holding no in-flight slot: many more of them than slots. */
    s.max_targets = o->max_targets ? o->max_targets : 8 * (conc < 4 ? 4 : conc);
    s.max_rest = conc < 4 ? 4 : conc;
    /* Accounts are prepared (AssumeRole, DescribeRegions) a few at a time:
     * enough to keep the ACM stage fed, never a burst of every account. */
    size_t prep = conc / 4;
    s.max_accounts = o->max_accounts ? o->max_accounts : prep < 8 ? 8 : prep > 32 ? 32 : prep;
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
    s.dns_on = o->cfg->dns_enabled && scanner_rule_enabled(o->cfg, "renewal-at-risk");

    scanner_enrich_opts eo = {
        .loop = o->loop,
        .client = o->client,
        .caller = o->caller,
        .home_region = o->home_region,
        .account_tags = o->cfg->tags,
        .resource_tags = o->cfg->tags,
        .cfg = o->cfg,
        .as_of = o->as_of,
    };
    if (!(s.enrich = scanner_enrich_new(&eo, out))) {
        snprintf(err, errlen, "out of memory");
        scanner_strv_finish(&s.regions_seen);
        scanner_strv_finish(&s.paths);
        return AWS_ENOMEM;
    }
    s.apigw.cfg = o->cfg;
    s.apigw.as_of = o->as_of;

    uint64_t t0 = uv_hrtime();
    aws_client_stats cs0;
    aws_client_get_stats(o->client, &cs0);
    if (o->cfg->probe_enabled) {
        /* [probe] hosts are probed by one shard only (merged reports must
         * not hold the same finding twice). */
        int hosts = !(o->shard.count > 1 && o->shard.index != 1);
        char perr[300];
        /* Endpoint names go through the scan's resolver ([dns] servers). */
        resolver_start(&s, " (the probe resolves names with getaddrinfo)");
        int prc = scanner_served_new(o->loop, o->cfg, o->as_of, hosts, s.dns, &s.served, perr,
                                     sizeof(perr));
        if (prc == 0 && !hosts && o->cfg->probe_hosts.n != 0)
            aws_log_info("shard %d/%d: [probe] hosts are probed by shard 1", o->shard.index,
                         o->shard.count);
        if (prc != 0) {
            snprintf(err, errlen, "[probe] %s", perr);
            dns_resolver_free(s.dns);
            uv_run(o->loop, UV_RUN_NOWAIT);
            scanner_strv_finish(&s.regions_seen);
            return prc;
        }
    }

    int rc = sts_get_caller_identity(o->client, o->caller, o->home_region, on_identity, &s);
    if (rc != 0) {
        snprintf(err, errlen, "could not start GetCallerIdentity: %s", aws_strerror(rc));
        scanner_served_free(s.served);
        dns_resolver_free(s.dns);
        uv_run(o->loop, UV_RUN_NOWAIT);
        scanner_strv_finish(&s.regions_seen);
        scanner_strv_finish(&s.paths);
        scanner_enrich_finish(s.enrich, NULL, 0);
        return rc;
    }
    while (!finished(&s))
        uv_run(o->loop, UV_RUN_ONCE);

    /* A failure (identity, discovery) is reported only once every call
     * of that step has answered: nothing of ours is in flight here. */

    if (s.served) {
        /* The probes started as targets completed; wait for the last ones
         * and judge every endpoint against what the scan kept. */
        scanner_served_stats ps;
        memset(&ps, 0, sizeof(ps));
        uint64_t p0 = uv_hrtime();
        if (!s.failed &&
            scanner_served_finish(s.served, s.caller_account, out, s.coverage, &ps) != 0)
            scanner_findings_add_gap(out, s.caller_account, "*", "Probe", "InternalError",
                                     "out of memory while judging probed endpoints");
        aws_log_info("probe: %llu endpoints, %llu read, %llu unreachable (%.1f s after the scan)",
                     (unsigned long long)ps.endpoints, (unsigned long long)ps.completed,
                     (unsigned long long)ps.unreachable, (double)(uv_hrtime() - p0) / 1e9);
        scanner_served_free(s.served);
        s.served = NULL;
        uv_run(o->loop, UV_RUN_NOWAIT);     /* the probe's handles close */
    }
    if (s.dns) {
        aws_log_info("DNS: %llu validation record lookups", (unsigned long long)s.dns_lookups);
        dns_resolver_free(s.dns);       /* nothing pending: targets and probes are done */
        uv_run(o->loop, UV_RUN_NOWAIT); /* its handles close */
    }
    place_gap(&s);
    scanner_scan_result local;
    scanner_scan_result_init(&local);
    scanner_scan_result *rr = res ? res : &local;
    int frc = fill_result(&s, rr);
    int erc = scanner_enrich_finish(s.enrich, rr->accounts, rr->n_accounts);
    if (frc == 0)
        frc = erc;

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
        st->dns_lookups = s.dns_lookups;
        st->wall_ms = (int64_t)((uv_hrtime() - t0) / 1000000u);
        st->shard_index = o->shard.count > 1 ? o->shard.index : 0;
        st->shard_count = o->shard.count > 1 ? o->shard.count : 0;
        scanner_stats_tally(st, out);
    }
    scanner_scan_result_finish(&local);
    for (size_t i = 0; i < s.n_accounts; i++) {
        aws_creds_provider_unref(s.accounts[i]->creds);
        scanner_strv_finish(&s.accounts[i]->regions);
        free(s.accounts[i]->name);
        free(s.accounts[i]->email);
        free(s.accounts[i]->ou_path);
        free(s.accounts[i]);
    }
    free(s.accounts);
    scanner_strv_finish(&s.regions_seen);
    scanner_strv_finish(&s.paths);
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
