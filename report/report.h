/* certsweep — report writers: table (people), json and csv (programs).
 *
 * Pure formatting of a scanner_findings (findings + coverage gaps) and the
 * run statistics; no AWS knowledge, no clock (the caller passes as_of).
 * Findings are written worst first (the scanner_findings_sort order)
 * without modifying the caller's array.
 */
#ifndef REPORT_REPORT_H
#define REPORT_REPORT_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scanner/finding.h"


/* The schema of the JSON report; a reader takes only this one. */
#define REPORT_SCHEMA "certsweep.scan/1"

/* 1 when format is one report_write knows: "table", "json", "csv", "html",
 * "jsonl" (asff is securityhub/asff.h's, prometheus report/metrics.h's). */
int report_format_known(const char *format);

/* Writes the report.  st may be NULL (counters then 0); the finding and gap
 * counts are always recounted from f.  color adds ANSI colours to the table
 * (ignored by json/csv).  Returns 0, AWS_EINVAL (unknown format), AWS_ENOMEM
 * or AWS_EIO (write error on out).
 *
 *  json:  {"schema":"certsweep.scan/1","as_of":..,"findings":[..],
 *          "coverage_gaps":[..],"stats":{..}}, pretty printed, stable keys;
 *          stats.shard is "K/N" in a shard's report (scan --shard).
 *          report/read.h reads it back.
 *  table: fixed-width rows worst first, a summary line, then coverage gaps.
 *  csv:   RFC 4180 (CRLF line ends, header row), every cell neutralised
 *         against spreadsheet formulas.  The first column, row_type, is
 *         "finding" (one row per finding, worst first) or "coverage_gap"
 *         (one row per gap, after the findings: account_id, account_name
 *         (when known) and region in their columns, the gap's operation, error_code and message in the
 *         last three columns, which are empty on a finding's row).
 *  html:  one self-contained page (report/html.c).
 *  jsonl: one JSON object per line (report/jsonl.c): "type" is "finding"
 *         (the json report's finding object), "resolved" or
 *         "coverage_gap". */
int report_write(FILE *out, const char *format, const scanner_findings *f,
                         const scanner_stats *st, int64_t as_of, int color);

#endif
