/* certsweep — what this run read, and the one rule that decides "resolved".
 *
 * A finding that an earlier run produced and this run does not may have
 * gone away (the certificate was renewed) or may simply not have been looked
 * at (an API was denied, a collector was turned off, a rule was disabled,
 * an account could not be entered).  Only the first is "resolved".  Every
 * sink that acts on a resolution (Security Hub archiving, the labels in
 * reports and digests, ticket resolution) asks scanner_resolvable(), so they
 * can never disagree.
 *
 * The rule: a finding of rule R about a resource of source S in (account,
 * region) is resolved when it is absent from this run's findings, the run
 * judged at the present instant (not a what-if), every source R reads for a
 * resource of S (S itself, plus the sources R joins, e.g. a custom domain's
 * ACM certificate) was read completely for that account and region in this
 * run, and R was enabled.  Anything else keeps its state.
 *
 * Labels: each finding of this run is NEW (not open before), ESCALATED (open
 * before at a lower severity) or UNCHANGED (open before, same or lower
 * severity); each finding open before and absent now is either RESOLVED (the
 * rule above) or left open, unverified.
 */
#ifndef SCANNER_RESOLVE_H
#define SCANNER_RESOLVE_H

#include <stddef.h>
#include <stdint.h>

#include "config/config.h"
#include "scanner/finding.h"
#include "scanner/record.h"

/* ---- coverage: what this run read completely --------------------------- */

/* Not a source: set with the sources when DNS checks ran for (account,
 * region) and every validation record looked up got a clear answer (the
 * renewal-at-risk rule joins it, so its findings resolve only then). */
#define SCANNER_COVER_DNS (1u << 16)

typedef struct scanner_coverage_entry {
    char account[16];
    char region[32];                /* "global" for IAM */
    unsigned read;                  /* bit (1u << scanner_source): listed and described completely */
} scanner_coverage_entry;

typedef struct scanner_coverage {
    scanner_coverage_entry *v;
    size_t n, cap;
    /* Endpoints the served-certificate probe completed this run, as
     * "account\x1fregion\x1fresource" (scanner_coverage_add_endpoint). */
    char **endpoints;
    size_t n_endpoints, cap_endpoints;
} scanner_coverage;

void scanner_coverage_init(scanner_coverage *c);
void scanner_coverage_finish(scanner_coverage *c);         /* accepts NULL */
/* Records that the sources in read_mask were read completely for (account,
 * region); masks of the same pair are OR-ed.  0 or AWS_ENOMEM. */
int  scanner_coverage_add(scanner_coverage *c, const char *account,
                          const char *region, unsigned read_mask);
/* The sources read completely for (account, region); 0 when not scanned. */
unsigned scanner_coverage_read(const scanner_coverage *c, const char *account,
                               const char *region);
/* Records that the probe of endpoint `resource` (a finding's resource_arn,
 * "tls://host:port") completed for (account, region).  0 or AWS_ENOMEM. */
int  scanner_coverage_add_endpoint(scanner_coverage *c, const char *account,
                                   const char *region, const char *resource);
/* 1 when it was recorded. */
int  scanner_coverage_has_endpoint(const scanner_coverage *c, const char *account,
                                   const char *region, const char *resource);

/* ---- the resolution rule ---------------------------------------------- */

/* The sources rule `rule` must have read completely in an account and
 * region to say that it no longer holds for a resource of source src (src <
 * 0: unknown, every source the rule judges).  0 for an unknown rule (its
 * findings are never resolved). */
unsigned scanner_rule_needs(const char *rule, int src);

/* 1 when a finding of `rule` about a resource of source src (< 0: unknown)
 * in (account, region), absent from this run, is resolved by this run
 * (see the rule above); 0 when it must keep its state.  what_if: the run
 * judged at another instant than now (--as-of), which never resolves. */
int scanner_resolvable(const scanner_coverage *cov, const config *cfg, int what_if,
                       const char *account, const char *region, const char *rule,
                       int src);
/* The same for the finding's resource (its resource_arn; NULL: unknown).
 * The served-certificate rules need it: their findings resolve only when
 * the probe of that endpoint completed in this run. */
int scanner_resolvable_at(const scanner_coverage *cov, const config *cfg, int what_if,
                          const char *account, const char *region, const char *rule,
                          int src, const char *resource);

/* ---- labels --------------------------------------------------------------- */

/* A finding as the state remembers it from earlier runs (open ones). */
typedef struct scanner_known {
    const char *id;
    const char *account;
    const char *region;
    const char *rule;
    int source;                     /* scanner_source, -1 when unknown */
    scanner_severity severity;
    const char *resource_arn;
    const char *resource_id;
    const char *domain;
    const char *title;
    int64_t not_after;
    int64_t first_seen;
} scanner_known;

/* Labels this run's findings (f->v[i].label, .first_seen) against the open
 * findings of earlier runs, and appends to f's resolved list a copy of each
 * known finding this run resolves (label SCANNER_LABEL_RESOLVED, its last
 * severity, days_to_expiry from as_of).  *unverified (may be NULL) counts
 * known findings absent now that could not be resolved.  0 or AWS_ENOMEM. */
int scanner_label_findings(scanner_findings *f, const scanner_known *known, size_t n_known,
                           const scanner_coverage *cov, const config *cfg, int what_if,
                           int64_t as_of, int64_t now, size_t *unverified);

#endif
