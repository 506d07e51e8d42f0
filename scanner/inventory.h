/* certsweep — the expiry of every certificate the scan read, kept small.
 *
 * The scan frees each target's records as soon as they are judged; what the
 * metrics need of them (account, region, resource, domain, type, NotAfter)
 * is copied here first, one allocation per certificate, up to a cap fixed
 * at init so that memory stays bounded whatever the organization holds.
 * Certificates past the cap are counted, not kept.
 */
#ifndef SCANNER_INVENTORY_H
#define SCANNER_INVENTORY_H

#include <stddef.h>
#include <stdint.h>

#include "scanner/finding.h"
#include "scanner/record.h"

/* Default cap: about 2.5 MB of entries; [metrics] max_certificates. */
#define SCANNER_INVENTORY_DEFAULT_MAX 10000

typedef struct scanner_cert_entry {
    const char *account;
    const char *region;
    const char *resource;           /* ARN, else the short id */
    const char *domain;             /* "" when none */
    const char *type;               /* scanner_source_resource_type() */
    int64_t not_after;
    char *blk;                      /* owns the strings above */
} scanner_cert_entry;

typedef struct scanner_inventory {
    scanner_cert_entry *v;
    size_t n, cap;
    size_t max;                     /* entries kept at most */
    size_t dropped;                 /* certificates past max, not kept */
} scanner_inventory;

void scanner_inventory_init(scanner_inventory *inv, size_t max);
void scanner_inventory_finish(scanner_inventory *inv);       /* accepts NULL */
/* Copies what the metrics need of r.  A record without an expiry date
 * (NotAfter 0: a pending request, an API Gateway stage) is skipped; past
 * max it is counted in dropped unless has_finding (a finding with an expiry
 * date names it, so the metrics list it from the findings).  0 or
 * AWS_ENOMEM. */
int  scanner_inventory_add(scanner_inventory *inv, const scanner_record *r, int has_finding);
/* scanner_inventory_add for each record of a judged set; its findings are
 * f->v[first..f->n).  Stops at the first AWS_ENOMEM. */
int  scanner_inventory_add_set(scanner_inventory *inv, const scanner_record_set *set,
                               const scanner_findings *f, size_t first);

#endif
