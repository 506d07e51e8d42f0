/* certsweep — suppressions: saying "we know" with a reason and an end date.
 *
 * A suppressions file (INI, named by [scan] suppressions) holds one section
 * per entry:
 *
 *   [suppress legacy-lb]             ; a name of the entry's own
 *   account  = 222222222222          ; each matcher is a glob (fnmatch)
 *   region   = eu-west-1
 *   rule     = expiring              ; must name known rules (globs allowed)
 *   resource = arn:aws:acm:*:222222222222:certificate/abcd*
 *   domain   = *.legacy.example.com
 *   reason   = Load balancer retired in Q1 (SEC-1234)    ; mandatory
 *   expires  = 2027-03-31                                ; mandatory, ISO 8601
 *
 * An entry matches a finding when every matcher it has matches (it needs at
 * least one).  A suppressed finding stays in the report (marked), is kept
 * out of the exit status and the digests, and goes to Security Hub with
 * Workflow SUPPRESSED.  An entry past its expires date no longer applies
 * and is reported; an entry that matched nothing in a run is reported as
 * stale.
 */
#ifndef SCANNER_SUPPRESS_H
#define SCANNER_SUPPRESS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scanner/finding.h"

typedef struct scanner_suppression {
    char *name;
    char *account, *region, *rule, *resource, *domain;   /* globs; NULL: any */
    char *reason;
    int64_t expires;                /* unix time: the entry applies before it */
    int line;                       /* of its section header */
    size_t matched;                 /* findings it suppressed in the last apply */
} scanner_suppression;

typedef struct scanner_suppressions {
    char *path;
    scanner_suppression *v;
    size_t n, cap;
} scanner_suppressions;

void scanner_suppressions_init(scanner_suppressions *s);
void scanner_suppressions_finish(scanner_suppressions *s);   /* accepts NULL */

/* Loads and validates a file; every problem is one line on errs
 * ("file:line: problem — fix").  Returns 0, AWS_EINVAL (problems, all
 * reported), AWS_EIO (cannot read) or AWS_ENOMEM. */
int scanner_suppressions_load(scanner_suppressions *s, const char *path, FILE *errs);

/* Marks the findings the entries that have not expired at `now` match
 * (first entry wins), counting each entry's matches.  Returns the number of
 * findings suppressed. */
size_t scanner_suppressions_apply(scanner_suppressions *s, scanner_findings *f, int64_t now);

/* Warnings after apply: an entry past its expires date, an entry that
 * matched nothing.  Calls warn once per line (no trailing newline). */
void scanner_suppressions_report(const scanner_suppressions *s, int64_t now,
                                 void (*warn)(const char *line, void *ud), void *ud);

#endif
