/* certsweep — reading a JSON report back (report_write's "json"), for
 * `certsweep merge` and `certsweep notify --report`.
 *
 * Everything the writer puts in comes back: findings (with their labels and
 * suppressions), coverage gaps, the resolved list, the statistics, as_of and
 * the shard.  Rule ids and remediations are this build's own (a report
 * naming a rule this build does not know is refused).
 */
#ifndef REPORT_READ_H
#define REPORT_READ_H

#include <stddef.h>
#include <stdint.h>

#include "scanner/finding.h"

/* Largest report read (a cap, not a truncation: bigger is an error). */
#define REPORT_READ_MAX (256u * 1024 * 1024)

typedef struct report_doc {
    int64_t as_of;
    scanner_findings f;
    scanner_stats st;               /* shard_index/shard_count from stats.shard */
} report_doc;

void report_doc_init(report_doc *d);
void report_doc_finish(report_doc *d);      /* accepts NULL */

/* Parses one JSON report into d (initialised, empty).  0, or AWS_EPARSE /
 * AWS_EINVAL / AWS_ENOMEM with a one-line reason in why ("schema is ...",
 * "findings[3]: no rule", ...); d is then left empty. */
int report_read_doc(const char *text, size_t len, report_doc *d,
                    char *why, size_t why_len);

/* Reads a report file whole, capped at REPORT_READ_MAX, then
 * report_read_doc.  why names nothing of the path: the caller does. */
int report_read_file(const char *path, report_doc *d, char *why, size_t why_len);

/* For digests of several reports: parses one report and appends its
 * findings, resolved findings and gaps to f, a finding id already in f kept
 * once; *as_of (may be NULL) gets its as_of.  A report that cannot be read
 * leaves f unchanged (the reason in err, as report_read_doc); out of memory
 * (AWS_ENOMEM) may leave part of it in f. */
int report_read_json(const char *text, size_t len, scanner_findings *f, int64_t *as_of,
                     char *err, size_t errlen);

#endif
