/* Joining shard reports. */
#include "report/merge.h"

#include "aws/error.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int str_eq(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "") == 0;
}

static int gap_eq(const scanner_gap *a, const scanner_gap *b)
{
    return str_eq(a->account_id, b->account_id) && str_eq(a->region, b->region) &&
           str_eq(a->operation, b->operation) && str_eq(a->error_code, b->error_code) &&
           str_eq(a->message, b->message);
}

static int cmp_id(const void *a, const void *b)
{
    return strcmp((*(const scanner_finding *const *)a)->id, (*(const scanner_finding *const *)b)->id);
}

/* The shards must be 1..N of one N, each once; or none sharded. */
static int check_shards(const report_doc *docs, const char *const *names, size_t n,
                        char *why, size_t why_len)
{
    int count = docs[0].st.shard_count;
    for (size_t i = 1; i < n; i++) {
        if ((count > 1) != (docs[i].st.shard_count > 1)) {
            size_t s = count > 1 ? i : 0;
            snprintf(why, why_len, "%s is not a shard's report but %s is \xe2\x80\x94 merge the reports of one "
                     "sharded run (scan --shard K/N)", names[s], names[s ? 0 : i]);
            return AWS_EINVAL;
        }
        if (docs[i].st.shard_count != count) {
            snprintf(why, why_len, "%s is shard %d/%d but %s is shard %d/%d \xe2\x80\x94 merge the shards of one run",
                     names[i], docs[i].st.shard_index, docs[i].st.shard_count, names[0],
                     docs[0].st.shard_index, count);
            return AWS_EINVAL;
        }
    }
    if (count <= 1)
        return 0;
    const char **by = calloc((size_t)count + 1, sizeof(*by));
    if (!by) {
        snprintf(why, why_len, "out of memory");
        return AWS_ENOMEM;
    }
    int rc = 0;
    for (size_t i = 0; i < n && !rc; i++) {
        int k = docs[i].st.shard_index;
        if (by[k]) {
            snprintf(why, why_len, "%s and %s are both shard %d/%d \xe2\x80\x94 pass each shard's report once",
                     by[k], names[i], k, count);
            rc = AWS_EINVAL;
        }
        by[k] = names[i];
    }
    for (int k = 1; k <= count && !rc; k++) {
        if (!by[k]) {
            snprintf(why, why_len, "shard %d/%d is missing \xe2\x80\x94 pass the reports of all %d shards "
                     "(a merged report without it would silently lack its accounts)", k, count, count);
            rc = AWS_EINVAL;
        }
    }
    free(by);
    return rc;
}

/* No finding id in two reports. */
static int check_overlap(const report_doc *docs, const char *const *names, size_t n,
                         char *why, size_t why_len)
{
    size_t total = 0;
    for (size_t i = 0; i < n; i++)
        total += docs[i].f.n;
    if (total < 2)
        return 0;
    const scanner_finding **v = malloc(total * sizeof(*v));
    if (!v) {
        snprintf(why, why_len, "out of memory");
        return AWS_ENOMEM;
    }
    size_t m = 0;
    for (size_t i = 0; i < n; i++)
        for (size_t j = 0; j < docs[i].f.n; j++)
            v[m++] = &docs[i].f.v[j];
    qsort(v, total, sizeof(*v), cmp_id);
    int rc = 0;
    for (size_t j = 1; j < total && !rc; j++) {
        if (strcmp(v[j]->id, v[j - 1]->id) != 0)
            continue;
        const char *a = NULL, *b = NULL;
        for (size_t i = 0; i < n; i++) {
            for (size_t x = 0; x < docs[i].f.n; x++) {
                if (&docs[i].f.v[x] == v[j - 1]) a = names[i];
                if (&docs[i].f.v[x] == v[j]) b = names[i];
            }
        }
        snprintf(why, why_len, "finding %s (%s, %s/%s %s) is in both %s and %s \xe2\x80\x94 the reports "
                 "overlap; merge the shards of one run, each once", v[j]->id, v[j]->rule,
                 v[j]->account_id, v[j]->region, v[j]->resource_id ? v[j]->resource_id : "",
                 a ? a : "?", b ? b : "?");
        rc = AWS_EINVAL;
    }
    free(v);
    return rc;
}

static void move_all(scanner_finding *src, size_t *n, scanner_findings *dst, int resolved, int *fail)
{
    for (size_t j = 0; j < *n; j++) {
        if (*fail || (resolved ? scanner_findings_add_resolved(dst, &src[j])
                               : scanner_findings_add(dst, &src[j])) != 0) {
            scanner_finding_release(&src[j]);
            *fail = 1;
        }
    }
    *n = 0;                         /* ownership moved (or released) */
}

int report_merge(report_doc *docs, const char *const *names, size_t n, report_doc *out,
                 char *why, size_t why_len)
{
    int rc = 0;
    *why = '\0';
    if (n == 0) {
        snprintf(why, why_len, "no report to merge");
        return AWS_EINVAL;
    }
    for (size_t i = 1; i < n && !rc; i++) {
        if (docs[i].as_of != docs[0].as_of) {
            char a[32], b[32];
            scanner_fmt_time(docs[0].as_of, 1, a, sizeof(a));
            scanner_fmt_time(docs[i].as_of, 1, b, sizeof(b));
            snprintf(why, why_len, "%s was judged as of %s but %s as of %s \xe2\x80\x94 merge the shards of one "
                     "run (give every shard the same --as-of)", names[0], a, names[i], b);
            rc = AWS_EINVAL;
        }
    }
    if (!rc)
        rc = check_shards(docs, names, n, why, why_len);
    if (!rc)
        rc = check_overlap(docs, names, n, why, why_len);
    if (rc)
        goto out;

    out->as_of = docs[0].as_of;
    int fail = 0;
    for (size_t i = 0; i < n; i++) {
        scanner_findings *f = &docs[i].f;
        const scanner_stats *st = &docs[i].st;
        move_all(f->v, &f->n, &out->f, 0, &fail);
        move_all(f->resolved, &f->n_resolved, &out->f, 1, &fail);
        for (size_t g = 0; g < f->n_gaps && !fail; g++) {
            int seen = 0;
            for (size_t h = 0; h < out->f.n_gaps && !seen; h++)
                seen = gap_eq(&out->f.gaps[h], &f->gaps[g]);
            if (!seen && scanner_findings_copy_gap(&out->f, &f->gaps[g]) != 0)
                fail = 1;
        }
        out->st.accounts += st->accounts;
        out->st.account_regions += st->account_regions;
        out->st.certificates += st->certificates;
        out->st.api_calls += st->api_calls;
        out->st.retries += st->retries;
        out->st.throttled += st->throttled;
        out->st.describes += st->describes;
        out->st.describes_saved += st->describes_saved;
        out->st.detail_cache_hits += st->detail_cache_hits;
        out->st.apigw_stage_calls += st->apigw_stage_calls;
        out->st.apigw_stage_reads_saved += st->apigw_stage_reads_saved;
        out->st.dns_lookups += st->dns_lookups;
        if (st->regions > out->st.regions)     /* the same regions in every shard */
            out->st.regions = st->regions;
        if (st->wall_ms > out->st.wall_ms)     /* shards run side by side */
            out->st.wall_ms = st->wall_ms;
    }
    if (fail) {
        snprintf(why, why_len, "out of memory");
        rc = AWS_ENOMEM;
        report_doc_finish(out);
        goto out;
    }
    scanner_stats_tally(&out->st, &out->f);
out:
    for (size_t i = 0; i < n; i++)
        report_doc_finish(&docs[i]);
    return rc;
}
