/* certsweep — the digest model: sections, counts and when to send. */
#include "notify/digest.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"

const char *notify_account_name(const scanner_scanned_accounts *accts, const char *id)
{
    for (size_t i = 0; accts && id && i < accts->n; i++)
        if (accts->v[i].account_id && strcmp(accts->v[i].account_id, id) == 0)
            return accts->v[i].name ? accts->v[i].name : "";
    return "";
}

const char *notify_account_path(const scanner_scanned_accounts *accts, const char *id)
{
    for (size_t i = 0; accts && id && i < accts->n; i++)
        if (accts->v[i].account_id && strcmp(accts->v[i].account_id, id) == 0)
            return accts->v[i].ou_path ? accts->v[i].ou_path : "";
    return "";
}

static int push_item(notify_digest *d, digest_section s, const scanner_finding *f, size_t cap)
{
    if (!d->items[s] && !(d->items[s] = calloc(cap ? cap : 1, sizeof(*d->items[s]))))
        return AWS_ENOMEM;
    d->items[s][d->n_items[s]++] = f;
    return 0;
}

static digest_account *account_slot(notify_digest *d, const char *id, size_t cap)
{
    for (size_t i = 0; i < d->n_accounts; i++)
        if (strcmp(d->accounts[i].id, id) == 0)
            return &d->accounts[i];
    if (!d->accounts && !(d->accounts = calloc(cap ? cap : 1, sizeof(*d->accounts))))
        return NULL;
    digest_account *a = &d->accounts[d->n_accounts++];
    a->id = id;
    a->name = notify_account_name(d->names, id);
    a->ou_path = notify_account_path(d->names, id);
    return a;
}

static int cmp_items(const void *a, const void *b)
{
    return scanner_finding_cmp(*(const scanner_finding *const *)a,
                               *(const scanner_finding *const *)b);
}

/* Worst first: most critical, then high, ..., then most findings, then id. */
static int cmp_accounts(const void *pa, const void *pb)
{
    const digest_account *a = pa, *b = pb;
    for (int s = SCANNER_SEV_CRITICAL; s >= 0; s--)
        if (a->by_sev[s] != b->by_sev[s])
            return a->by_sev[s] > b->by_sev[s] ? -1 : 1;
    if (a->total != b->total)
        return a->total > b->total ? -1 : 1;
    return strcmp(a->id, b->id);
}

static digest_section section_of(const scanner_finding *f)
{
    switch (f->label) {
    case SCANNER_LABEL_NEW:       return DIGEST_NEW;
    case SCANNER_LABEL_ESCALATED: return DIGEST_ESCALATED;
    case SCANNER_LABEL_RESOLVED:  return DIGEST_RESOLVED;
    default:                      return DIGEST_OPEN;
    }
}

int notify_digest_build(notify_digest *d, const scanner_findings *f,
                        const scanner_scanned_accounts *accts, const char *account,
                        scanner_severity min, const char *const *unowned, size_t n_unowned)
{
    memset(d, 0, sizeof(*d));
    d->names = accts;
    d->account_id = account;
    d->account_name = account ? notify_account_name(accts, account) : "";
    snprintf(d->key, sizeof(d->key), account ? "account:%s" : "org", account);
    size_t cap = f->n + f->n_resolved;
    int rc = 0;
    for (size_t pass = 0; rc == 0 && pass < 2; pass++) {
        const scanner_finding *v = pass ? f->resolved : f->v;
        size_t n = pass ? f->n_resolved : f->n;
        for (size_t i = 0; rc == 0 && i < n; i++) {
            const scanner_finding *x = &v[i];
            if (account && strcmp(x->account_id, account) != 0)
                continue;
            if (!pass && x->suppressed_by) {
                d->suppressed++;        /* "we know": kept out of digests */
                continue;
            }
            if (!pass) {
                d->total++;
                if (x->severity <= SCANNER_SEV_CRITICAL)
                    d->by_sev[x->severity]++;
            }
            if (!account) {
                digest_account *a = account_slot(d, x->account_id, cap);
                if (!a) {
                    rc = AWS_ENOMEM;
                    break;
                }
                /* A saved report's findings carry what the scan knew. */
                if (!*a->name && x->account_name)
                    a->name = x->account_name;
                if (!*a->ou_path && x->ou_path)
                    a->ou_path = x->ou_path;
                if (pass)
                    a->resolved++;
                else {
                    a->total++;
                    if (x->severity <= SCANNER_SEV_CRITICAL)
                        a->by_sev[x->severity]++;
                }
            }
            if (x->severity < min) {
                d->unlisted++;
                continue;
            }
            rc = push_item(d, pass ? DIGEST_RESOLVED : section_of(x), x, cap);
        }
    }
    for (size_t s = 0; s < DIGEST__SECTIONS; s++)
        if (d->n_items[s] > 1)
            qsort(d->items[s], d->n_items[s], sizeof(*d->items[s]), cmp_items);
    if (d->n_accounts > 1)
        qsort(d->accounts, d->n_accounts, sizeof(*d->accounts), cmp_accounts);
    if (rc == 0 && f->n_gaps) {
        if (!(d->gaps = calloc(f->n_gaps, sizeof(*d->gaps))))
            rc = AWS_ENOMEM;
        for (size_t i = 0; rc == 0 && i < f->n_gaps; i++)
            if (!account || strcmp(f->gaps[i].account_id, account) == 0)
                d->gaps[d->n_gaps++] = &f->gaps[i];
    }
    if (rc == 0 && !account && n_unowned) {
        if (!(d->unowned = calloc(n_unowned, sizeof(*d->unowned))))
            rc = AWS_ENOMEM;
        for (size_t i = 0; rc == 0 && i < n_unowned; i++)
            d->unowned[d->n_unowned++] = unowned[i];
    }
    if (rc)
        notify_digest_finish(d);
    return rc;
}

void notify_digest_finish(notify_digest *d)
{
    if (!d)
        return;
    for (size_t s = 0; s < DIGEST__SECTIONS; s++)
        free(d->items[s]);
    free(d->accounts);
    free(d->gaps);
    free(d->unowned);
    memset(d, 0, sizeof(*d));
}

int notify_digest_changed(const notify_digest *d)
{
    return d->n_items[DIGEST_NEW] || d->n_items[DIGEST_ESCALATED] ||
           d->n_items[DIGEST_RESOLVED];
}

int notify_digest_due(const notify_digest *d, notify_when when, int64_t last_queued,
                      int64_t now, int repeat_days)
{
    if (when == NOTIFY_NEVER)
        return 0;
    if (when == NOTIFY_ALWAYS || notify_digest_changed(d))
        return 1;
    if (!d->n_items[DIGEST_OPEN] && !d->n_gaps)
        return 0;                   /* nothing to repeat */
    return last_queued <= 0 || now - last_queued >= (int64_t)repeat_days * 86400;
}
