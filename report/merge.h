/* certsweep — joining the reports of shards (scan --shard K/N) into one.
 *
 * The merged report is the one a single host would have written for the
 * same accounts: every finding, coverage gap and resolved finding of every
 * report, the counters added up (wall time: the longest shard).  Refused,
 * with the reason: reports judged at different instants (as_of); a finding
 * in two reports (they overlap); shards of different N, the same shard
 * twice, or a shard missing; shard reports mixed with unsharded ones.
 * Identical coverage gaps (one per shard when the organization could not
 * be listed) are kept once.
 */
#ifndef REPORT_MERGE_H
#define REPORT_MERGE_H

#include <stddef.h>

#include "report/read.h"

/* Moves the contents of docs[0..n) (named names[i] in messages) into out
 * (initialised, empty); docs are left empty either way.  0, or AWS_EINVAL /
 * AWS_ENOMEM with a one-line reason and its fix in why. */
int report_merge(report_doc *docs, const char *const *names, size_t n, report_doc *out,
                 char *why, size_t why_len);

#endif
