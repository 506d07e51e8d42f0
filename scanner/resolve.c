/* certsweep — coverage of a run, the resolution rule, labels. */
#include "scanner/resolve.h"

#include "aws/error.h"
#include "scanner/rules.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ---- coverage ------------------------------------------------------------ */

void scanner_coverage_init(scanner_coverage *c)
{
    memset(c, 0, sizeof(*c));
}

void scanner_coverage_finish(scanner_coverage *c)
{
    if (!c)
        return;
    free(c->v);
    for (size_t i = 0; i < c->n_endpoints; i++)
        free(c->endpoints[i]);
    free(c->endpoints);
    scanner_coverage_init(c);
}

static scanner_coverage_entry *cov_find(const scanner_coverage *c, const char *account,
                                        const char *region)
{
    for (size_t i = 0; c && account && region && i < c->n; i++)
        if (strcmp(c->v[i].account, account) == 0 && strcmp(c->v[i].region, region) == 0)
            return &c->v[i];
    return NULL;
}

int scanner_coverage_add(scanner_coverage *c, const char *account, const char *region,
                         unsigned read_mask)
{
    if (!c || !account || !region)
        return AWS_EINVAL;
    scanner_coverage_entry *e = cov_find(c, account, region);
    if (e) {
        e->read |= read_mask;
        return 0;
    }
    if (strlen(account) >= sizeof(e->account) || strlen(region) >= sizeof(e->region))
        return AWS_EINVAL;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 64;
        scanner_coverage_entry *v = realloc(c->v, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        c->v = v;
        c->cap = cap;
    }
    e = &c->v[c->n++];
    memset(e, 0, sizeof(*e));
    memcpy(e->account, account, strlen(account) + 1);
    memcpy(e->region, region, strlen(region) + 1);
    e->read = read_mask;
    return 0;
}

unsigned scanner_coverage_read(const scanner_coverage *c, const char *account,
                               const char *region)
{
    const scanner_coverage_entry *e = cov_find(c, account, region);
    return e ? e->read : 0;
}

static char *endpoint_key(const char *account, const char *region, const char *resource)
{
    size_t n = strlen(account) + strlen(region) + strlen(resource) + 3;
    char *k = malloc(n);
    if (k)
        snprintf(k, n, "%s\x1f%s\x1f%s", account, region, resource);
    return k;
}

int scanner_coverage_add_endpoint(scanner_coverage *c, const char *account,
                                  const char *region, const char *resource)
{
    if (!c || !account || !region || !resource)
        return AWS_EINVAL;
    if (c->n_endpoints == c->cap_endpoints) {
        size_t cap = c->cap_endpoints ? c->cap_endpoints * 2 : 64;
        char **v = realloc(c->endpoints, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        c->endpoints = v;
        c->cap_endpoints = cap;
    }
    char *k = endpoint_key(account, region, resource);
    if (!k)
        return AWS_ENOMEM;
    c->endpoints[c->n_endpoints++] = k;
    return 0;
}

int scanner_coverage_has_endpoint(const scanner_coverage *c, const char *account,
                                  const char *region, const char *resource)
{
    if (!c || !account || !region || !resource || c->n_endpoints == 0)
        return 0;
    char *k = endpoint_key(account, region, resource);
    int hit = 0;
    for (size_t i = 0; k && !hit && i < c->n_endpoints; i++)
        hit = strcmp(c->endpoints[i], k) == 0;
    free(k);
    return hit;
}

/* ---- the rule -------------------------------------------------------------- */

int scanner_resolvable_at(const scanner_coverage *cov, const config *cfg, int what_if,
                          const char *account, const char *region, const char *rule,
                          int src, const char *resource)
{
    if (what_if || !cov || !account || !region || !rule)
        return 0;
    if (!scanner_rule_enabled(cfg, rule))
        return 0;
    unsigned need = scanner_rule_needs(rule, src);
    if (need == 0)
        return 0;
    const unsigned served = 1u << SCANNER_SRC_SERVED;
    if (need & served) {
        /* Per endpoint: the probe of this one completed now. */
        if (!scanner_coverage_has_endpoint(cov, account, region, resource))
            return 0;
        need &= ~served;
    }
    return (scanner_coverage_read(cov, account, region) & need) == need;
}

int scanner_resolvable(const scanner_coverage *cov, const config *cfg, int what_if,
                       const char *account, const char *region, const char *rule,
                       int src)
{
    return scanner_resolvable_at(cov, cfg, what_if, account, region, rule, src, NULL);
}

/* ---- labels ------------------------------------------------------------------ */

/* Both sides are looked up by id through sorted pointer arrays, so an
 * organization with tens of thousands of findings labels in n log n. */
static int cmp_known(const void *a, const void *b)
{
    const scanner_known *x = *(const scanner_known *const *)a;
    const scanner_known *y = *(const scanner_known *const *)b;
    return strcmp(x->id, y->id);
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static const scanner_known *known_find(const scanner_known *const *sorted, size_t n,
                                       const char *id)
{
    if (n == 0)
        return NULL;                /* bsearch takes no NULL array, even empty */
    scanner_known key = { .id = id };
    const scanner_known *kp = &key;
    const scanner_known *const *hit = bsearch(&kp, sorted, n, sizeof(*sorted), cmp_known);
    return hit ? *hit : NULL;
}

static char *dup0(const char *s)
{
    return s ? strdup(s) : NULL;
}

/* A resolved finding, rebuilt from what the state remembers. */
static int add_resolved(scanner_findings *f, const scanner_known *k, int64_t as_of)
{
    const scanner_rule *r = scanner_rule_find(k->rule);
    scanner_finding fd;
    memset(&fd, 0, sizeof(fd));
    snprintf(fd.id, sizeof(fd.id), "%s", k->id);
    fd.rule = r ? r->id : "unknown";
    fd.severity = k->severity;
    fd.prev_severity = k->severity;
    fd.source = k->source >= 0 ? (scanner_source)k->source : SCANNER_SRC_ACM;
    fd.not_after = k->not_after;
    fd.days_to_expiry = k->not_after ? scanner_days_until(k->not_after, as_of) : 0;
    fd.label = SCANNER_LABEL_RESOLVED;
    fd.first_seen = k->first_seen;
    fd.account_id = dup0(k->account);
    fd.region = dup0(k->region);
    fd.resource_type = dup0(scanner_source_resource_type(fd.source));
    fd.resource_arn = dup0(k->resource_arn ? k->resource_arn : "");
    fd.resource_id = dup0(k->resource_id ? k->resource_id : "");
    fd.domain = dup0(k->domain);
    fd.title = dup0(k->title ? k->title : "");
    if (!fd.account_id || !fd.region || !fd.resource_type || !fd.resource_arn ||
        !fd.resource_id || !fd.title || (k->domain && !fd.domain)) {
        scanner_finding_release(&fd);
        return AWS_ENOMEM;
    }
    return scanner_findings_add_resolved(f, &fd);
}

int scanner_label_findings(scanner_findings *f, const scanner_known *known, size_t n_known,
                           const scanner_coverage *cov, const config *cfg, int what_if,
                           int64_t as_of, int64_t now, size_t *unverified)
{
    const scanner_known **ks = NULL;
    const char **ids = NULL;
    size_t nk = 0, unv = 0;
    int rc = 0;
    if (n_known && !(ks = malloc(n_known * sizeof(*ks))))
        return AWS_ENOMEM;
    if (f->n && !(ids = malloc(f->n * sizeof(*ids)))) {
        free(ks);
        return AWS_ENOMEM;
    }
    for (size_t i = 0; i < n_known; i++)
        if (known[i].id)
            ks[nk++] = &known[i];
    if (nk)
        qsort(ks, nk, sizeof(*ks), cmp_known);
    for (size_t i = 0; i < f->n; i++) {
        scanner_finding *fd = &f->v[i];
        ids[i] = fd->id;
        const scanner_known *k = known_find(ks, nk, fd->id);
        if (!k) {
            fd->label = SCANNER_LABEL_NEW;
            fd->prev_severity = fd->severity;
            fd->first_seen = now;
        } else {
            fd->label = fd->severity > k->severity ? SCANNER_LABEL_ESCALATED
                                                   : SCANNER_LABEL_UNCHANGED;
            fd->prev_severity = k->severity;
            fd->first_seen = k->first_seen ? k->first_seen : now;
        }
    }
    if (f->n)
        qsort(ids, f->n, sizeof(*ids), cmp_str);
    for (size_t i = 0; i < nk && rc == 0; i++) {
        const scanner_known *k = ks[i];
        if (f->n && bsearch(&k->id, ids, f->n, sizeof(*ids), cmp_str))
            continue;
        if (!scanner_resolvable_at(cov, cfg, what_if, k->account, k->region, k->rule,
                                   k->source, k->resource_arn))
            unv++;
        else
            rc = add_resolved(f, k, as_of);
    }
    free(ks);
    free(ids);
    if (unverified)
        *unverified = unv;
    return rc;
}
