/* certsweep — the run as Prometheus metrics (text exposition format 0.0.4),
 * for node_exporter's textfile collector (the caller writes it through
 * aws/atomicfile.h, so that the collector never reads half a file).
 *
 * Pure formatting of one run result (findings, gaps, stats, the scanned
 * accounts' names); the clock is the caller's.  Every family is written
 * with HELP and TYPE, its samples together; label values are escaped as
 * the format requires (\\ for a backslash, \" for a double quote, \n for a
 * newline).  The series and their cardinality:
 *
 *   certsweep_findings{severity,rule}            gauge: rules x 5 severities,
 *                                                 every pair (0 included)
 *   certsweep_findings_suppressed                gauge: 1 series
 *   certsweep_coverage_gaps                      gauge: 1
 *   certsweep_certificates_judged                gauge: 1
 *   certsweep_scan_duration_seconds              gauge: 1
 *   certsweep_last_success_timestamp_seconds    gauge: 1
 *   certsweep_api_calls_total{service},
 *   certsweep_api_throttles_total{service}       counter (of this run): one per
 *                                                 aws_service (AWS_SVC__COUNT)
 *   certsweep_api_retries_total                  counter (of this run): 1
 *   certsweep_certificates_unlisted               gauge: 1 (past the inventory's cap)
 *   certsweep_certificate_not_after_timestamp_seconds
 *     {account,account_name,region,resource,domain,type}
 *                                                 gauge: one per certificate
 *                                                 with an expiry date that the
 *                                                 inventory kept (at most its
 *                                                 max) or that has a finding
 */
#ifndef REPORT_METRICS_H
#define REPORT_METRICS_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scanner/finding.h"
#include "scanner/inventory.h"
#include "scanner/scan.h"

/* Writes s as a label value body (without the quotes), escaped.  Returns 0
 * or AWS_EIO. */
int report_metrics_label_value(FILE *out, const char *s);

/* Writes the metrics.  accounts (may be NULL) gives account_name labels;
 * inv (may be NULL) the certificates the scan read, listed together with
 * every certificate of a finding (one series per certificate);
 * st may be NULL (counters 0); now is the run's end, the value of
 * certsweep_last_success_timestamp_seconds.  Returns 0, AWS_ENOMEM or
 * AWS_EIO. */
int report_metrics_write(FILE *out, const scanner_findings *f, const scanner_stats *st,
                         const scanner_scanned_accounts *accounts,
                         const scanner_inventory *inv, int64_t now);

#endif
