/* certsweep — the JSON Lines report: one complete JSON object per line,
 * for log pipelines (each line stands alone).
 *
 * Every line starts with "type" and "as_of":
 *   {"type":"finding", "as_of":..., <the json report's finding object>}
 *       one per finding, worst first;
 *   {"type":"resolved", "as_of":..., <the same object>}
 *       one per finding of an earlier run this run resolved;
 *   {"type":"coverage_gap", "as_of":..., "account_id", "region",
 *    "operation", "error_code", "message"}
 *       one per account, region or API that could not be read.
 * Strings are escaped by json-c: no line break inside a line; each line
 * is made valid UTF-8 (an invalid sequence becomes U+FFFD). */
#include "report/writers.h"

#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "aws/text.h"

/* Writes {"type":type,"as_of":as_of, ...o's members} on one line; takes o. */
static int put_line(FILE *out, const char *type, const char *as_of, json_object *o)
{
    json_object *line = json_object_new_object();
    if (!o || !line) {
        json_object_put(o);
        json_object_put(line);
        return AWS_ENOMEM;
    }
    json_object_object_add(line, "type", json_object_new_string(type));
    json_object_object_add(line, "as_of", as_of ? json_object_new_string(as_of) : NULL);
    json_object_object_foreach(o, key, val)
        json_object_object_add(line, key, json_object_get(val));
    json_object_put(o);
    const char *s = json_object_to_json_string_ext(line, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
    /* valid UTF-8 whatever the strings held (json-c copies bytes >= 0x80) */
    size_t len = 0;
    char *fixed = s ? aws_utf8_repair(s, strlen(s), &len) : NULL;
    int rc = fixed ? 0 : AWS_ENOMEM;
    if (fixed) {
        fwrite(fixed, 1, len, out);
        fputc('\n', out);
    }
    free(fixed);
    json_object_put(line);
    return rc;
}

int report_write_jsonl(FILE *out, const scanner_findings *f, int64_t as_of)
{
    const scanner_finding **v = report_sorted(f);
    if (f->n && !v)
        return AWS_ENOMEM;
    char asof[32];
    const char *a = NULL;
    if (as_of) {
        scanner_fmt_time(as_of, 1, asof, sizeof(asof));
        a = asof;
    }
    int rc = 0;
    for (size_t i = 0; i < f->n && !rc; i++)
        rc = put_line(out, "finding", a, report_finding_json(v[i]));
    for (size_t i = 0; i < f->n_resolved && !rc; i++)
        rc = put_line(out, "resolved", a, report_finding_json(&f->resolved[i]));
    for (size_t i = 0; i < f->n_gaps && !rc; i++)
        rc = put_line(out, "coverage_gap", a, report_gap_json(&f->gaps[i]));
    free(v);
    return rc;
}
