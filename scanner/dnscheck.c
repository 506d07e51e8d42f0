/* certsweep — looking up the validation records of ACM certificates. */
#include "scanner/dnscheck.h"

#include "aws/error.h"
#include "aws/log.h"
#include "scanner/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef struct check {
    scanner_findings *gaps;
    const config *cfg;
    int64_t as_of;
    char account[16];
    char region[32];
    size_t pending;
    int clean;
    scanner_dnscheck_done done;
    void *ud;
} check;

typedef struct lookup {
    check *c;
    scanner_record *r;
    size_t v;                       /* the first validation with this record name */
} lookup;

void scanner_dns_options(const config *cfg, dns_options *o)
{
    memset(o, 0, sizeof(*o));
    o->servers = (const char *const *)cfg->dns_servers.v;
    o->n_servers = cfg->dns_servers.n;
    o->timeout_ms = cfg->dns_timeout_ms;
    o->tries = cfg->dns_tries;
    o->max_qps = cfg->dns_max_lookups_per_second;
}

/* Writes what DNS said into every wanted validation of r with v's name. */
static void record_answer(check *c, scanner_record *r, size_t v, scanner_dns_seen seen,
                          const char *status, const char *answer)
{
    const char *name = r->validations[v].rr_name;
    for (size_t i = v; i < r->n_validations; i++) {
        scanner_domain_validation *w = &r->validations[i];
        if (!scanner_rule_dns_wanted(r, w, c->cfg, c->as_of) ||
            !scanner_dns_name_eq(w->rr_name, name))
            continue;
        w->dns_status = status;
        w->dns_seen = seen;
        if (answer && seen != SCANNER_DNS_MISSING && scanner_str_set(&w->dns_answer, answer))
            w->dns_seen = SCANNER_DNS_UNKNOWN;   /* out of memory: not judged */
        if (!answer && seen == SCANNER_DNS_CHANGED)
            w->dns_seen = SCANNER_DNS_UNKNOWN;
    }
}

static void gap(check *c, const scanner_record *r, size_t v, const char *code, const char *why)
{
    const scanner_domain_validation *w = &r->validations[v];
    char msg[1024];
    snprintf(msg, sizeof(msg), "CNAME %.300s (DNS validation of %.253s, certificate %.200s) "
             "could not be checked: %s; renewal-at-risk did not judge it", w->rr_name,
             w->domain ? w->domain : "?", r->arn ? r->arn : "?", why);
    aws_log_warn("%s/%s/DNS: %s: %s", c->account, c->region, code, msg);
    scanner_findings_add_gap(c->gaps, c->account, c->region, "DNS", code, msg);
    c->clean = 0;
}

static void on_cname(dns_status st, const char *target, void *ud)
{
    lookup *l = ud;
    check *c = l->c;
    scanner_record *r = l->r;
    size_t v = l->v;
    free(l);
    const scanner_domain_validation *w = &r->validations[v];
    switch (st) {
    case DNS_OK:
        record_answer(c, r, v, scanner_dns_name_eq(target, w->rr_value) ? SCANNER_DNS_MATCH
                                                                         : SCANNER_DNS_CHANGED,
                      dns_status_name(st), target);
        break;
    case DNS_NXDOMAIN:
    case DNS_NODATA:
        record_answer(c, r, v, SCANNER_DNS_MISSING, dns_status_name(st), NULL);
        break;
    default: {
        char why[96];
        snprintf(why, sizeof(why), "the resolver answered %s",
                 st == DNS_TIMEOUT ? "nothing in time (TIMEOUT)" : dns_status_name(st));
        record_answer(c, r, v, SCANNER_DNS_UNKNOWN, dns_status_name(st), NULL);
        gap(c, r, v, dns_status_name(st), why);
        break;
    }
    }
    if (--c->pending == 0) {
        scanner_dnscheck_done done = c->done;
        void *dud = c->ud;
        int clean = c->clean;
        free(c);
        done(dud, clean);
    }
}

/* 1 when an earlier validation of r already looks up v's record. */
static int looked_up(const scanner_record *r, size_t v, const config *cfg, int64_t as_of)
{
    for (size_t k = 0; k < v; k++)
        if (scanner_rule_dns_wanted(r, &r->validations[k], cfg, as_of) &&
            scanner_dns_name_eq(r->validations[k].rr_name, r->validations[v].rr_name))
            return 1;
    return 0;
}

size_t scanner_dnscheck_start(dns_resolver *res, scanner_record_set *set, const config *cfg,
                              int64_t as_of, scanner_findings *gaps, const char *account,
                              const char *region, scanner_dnscheck_done done, void *ud,
                              int *clean_out)
{
    if (clean_out)
        *clean_out = 1;
    check *c = calloc(1, sizeof(*c));
    if (!c) {
        scanner_findings_add_gap(gaps, account, region, "DNS", "InternalError", "out of memory");
        if (clean_out)
            *clean_out = 0;
        return 0;
    }
    c->gaps = gaps;
    c->cfg = cfg;
    c->as_of = as_of;
    snprintf(c->account, sizeof(c->account), "%s", account);
    snprintf(c->region, sizeof(c->region), "%s", region);
    c->clean = 1;
    c->done = done;
    c->ud = ud;
    /* Counted up front: a callback never runs inside dns_resolve_cname,
     * so pending cannot reach 0 while lookups are still being started. */
    for (size_t i = 0; i < set->n; i++) {
        scanner_record *r = set->v[i];
        for (size_t v = 0; r && v < r->n_validations; v++) {
            if (!scanner_rule_dns_wanted(r, &r->validations[v], cfg, as_of) ||
                looked_up(r, v, cfg, as_of))
                continue;
            lookup *l = calloc(1, sizeof(*l));
            char name[DNS_MAX_NAME + 2];
            int rc = AWS_ENOMEM;
            if (l) {
                l->c = c;
                l->r = r;
                l->v = v;
                snprintf(name, sizeof(name), "%s", r->validations[v].rr_name);
                rc = strlen(r->validations[v].rr_name) >= sizeof(name) ? AWS_EINVAL
                     : dns_resolve_cname(res, name, on_cname, l);
            }
            if (rc != 0) {
                free(l);
                record_answer(c, r, v, SCANNER_DNS_UNKNOWN, "ERROR", NULL);
                gap(c, r, v, rc == AWS_EINVAL ? "InvalidName" : "InternalError",
                    rc == AWS_EINVAL ? "the name is not a valid DNS name" : aws_strerror(rc));
                continue;
            }
            c->pending++;
        }
    }
    if (clean_out)
        *clean_out = c->clean;
    size_t started = c->pending;
    if (started == 0)
        free(c);
    return started;
}
