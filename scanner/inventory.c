/* certsweep — the expiry of every certificate the scan read (inventory.h). */
#include "scanner/inventory.h"

#include <stdlib.h>
#include <string.h>

#include "aws/error.h"

void scanner_inventory_init(scanner_inventory *inv, size_t max)
{
    memset(inv, 0, sizeof(*inv));
    inv->max = max;
}

void scanner_inventory_finish(scanner_inventory *inv)
{
    if (!inv)
        return;
    for (size_t i = 0; i < inv->n; i++)
        free(inv->v[i].blk);
    free(inv->v);
    memset(inv, 0, sizeof(*inv));
}

/* A finding's resource (rules.c: the ARN, else the short id). */
static const char *resource_of(const scanner_record *r)
{
    return r->arn && *r->arn ? r->arn : r->id ? r->id : "";
}

int scanner_inventory_add(scanner_inventory *inv, const scanner_record *r, int has_finding)
{
    if (!r->not_after)
        return 0;
    if (inv->n >= inv->max) {
        if (!has_finding)
            inv->dropped++;
        return 0;
    }
    if (inv->n == inv->cap) {
        size_t cap = inv->cap ? inv->cap * 2 : 64;
        if (cap > inv->max)
            cap = inv->max;
        scanner_cert_entry *v = realloc(inv->v, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        inv->v = v;
        inv->cap = cap;
    }
    const char *s[5] = {
        r->account_id ? r->account_id : "",
        r->region ? r->region : "",
        resource_of(r),
        r->domain ? r->domain : "",
        scanner_source_resource_type(r->source),
    };
    size_t len[5], total = 0;
    for (size_t i = 0; i < 5; i++) {
        if (!s[i])
            s[i] = "";
        len[i] = strlen(s[i]) + 1;
        total += len[i];
    }
    char *blk = malloc(total);
    if (!blk)
        return AWS_ENOMEM;
    const char *p[5];
    char *w = blk;
    for (size_t i = 0; i < 5; i++) {
        memcpy(w, s[i], len[i]);
        p[i] = w;
        w += len[i];
    }
    inv->v[inv->n++] = (scanner_cert_entry){
        .account = p[0], .region = p[1], .resource = p[2], .domain = p[3], .type = p[4],
        .not_after = r->not_after, .blk = blk,
    };
    return 0;
}

int scanner_inventory_add_set(scanner_inventory *inv, const scanner_record_set *set,
                              const scanner_findings *f, size_t first)
{
    for (size_t i = 0; i < set->n; i++) {
        const scanner_record *r = set->v[i];
        if (!r->not_after)
            continue;
        int has_finding = 0;
        /* Only past the cap does it matter: spare the search before. */
        for (size_t k = first; inv->n >= inv->max && !has_finding && k < f->n; k++)
            has_finding = f->v[k].not_after && f->v[k].resource_arn &&
                          strcmp(f->v[k].resource_arn, resource_of(r)) == 0;
        int rc = scanner_inventory_add(inv, r, has_finding);
        if (rc != 0)
            return rc;
    }
    return 0;
}
