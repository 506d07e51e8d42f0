/* certsweep — report/ internals shared by the writers (one file per
 * format: report.c table/json/csv, html.c, jsonl.c).  Not for callers
 * outside report/: they go through report_write(). */
#ifndef REPORT_WRITERS_H
#define REPORT_WRITERS_H

#include <json-c/json.h>
#include <stdint.h>
#include <stdio.h>

#include "scanner/finding.h"

/* The JSON report's object of one finding / coverage gap (new reference;
 * NULL when out of memory). */
json_object *report_finding_json(const scanner_finding *fd);
json_object *report_gap_json(const scanner_gap *g);
/* Pointers to the findings in report order, worst first (caller frees;
 * NULL when out of memory or when there are no findings). */
const scanner_finding **report_sorted(const scanner_findings *f);

/* html.c: one self-contained page (inline CSS, nothing loaded from
 * elsewhere, every string escaped, valid UTF-8).  0, AWS_ENOMEM. */
int report_write_html(FILE *out, const scanner_findings *f, const scanner_stats *st,
                      int64_t as_of);
/* jsonl.c: one JSON object a line: "type" finding, resolved or
 * coverage_gap.  0, AWS_ENOMEM. */
int report_write_jsonl(FILE *out, const scanner_findings *f, int64_t as_of);

#endif
