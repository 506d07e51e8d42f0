#include "scanner/finding.h"
#include "aws/error.h"
#include "aws/secret.h"
#include "aws/text.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const sev_names[] = {
    "INFORMATIONAL", "LOW", "MEDIUM", "HIGH", "CRITICAL",
};

const char *scanner_severity_name(scanner_severity s)
{
    if ((unsigned)s > SCANNER_SEV_CRITICAL)
        return "UNKNOWN";
    return sev_names[s];
}

int scanner_severity_parse(const char *s, scanner_severity *out)
{
    for (int i = 0; i <= SCANNER_SEV_CRITICAL; i++) {
        if (strcasecmp(s, sev_names[i]) == 0) {
            *out = (scanner_severity)i;
            return 0;
        }
    }
    if (strcasecmp(s, "info") == 0) {
        *out = SCANNER_SEV_INFORMATIONAL;
        return 0;
    }
    return AWS_EINVAL;
}

void scanner_findings_init(scanner_findings *f)
{
    memset(f, 0, sizeof(*f));
}

void scanner_finding_release(scanner_finding *fd)
{
    free(fd->account_id);
    free(fd->region);
    free(fd->resource_type);
    free(fd->resource_arn);
    free(fd->resource_id);
    free(fd->domain);
    free(fd->title);
    free(fd->details);
    free(fd->details_json);
    free(fd->console_url);
    free(fd->suppressed_by);
    free(fd->suppressed_reason);
    free(fd->account_name);
    free(fd->ou_path);
    scanner_tags_finish(&fd->tags);
    scanner_tags_finish(&fd->account_tags);
}

size_t scanner_findings_keep(scanner_findings *f,
                             int (*keep)(const scanner_finding *fd, void *ud), void *ud)
{
    size_t w = 0, dropped = 0;
    for (size_t i = 0; i < f->n; i++) {
        if (keep(&f->v[i], ud)) {
            if (w != i)
                f->v[w] = f->v[i];
            w++;
        } else {
            scanner_finding_release(&f->v[i]);
            dropped++;
        }
    }
    f->n = w;
    return dropped;
}

const char *scanner_label_name(scanner_label l)
{
    switch (l) {
    case SCANNER_LABEL_NONE:      return "";
    case SCANNER_LABEL_NEW:       return "new";
    case SCANNER_LABEL_ESCALATED: return "escalated";
    case SCANNER_LABEL_UNCHANGED: return "unchanged";
    case SCANNER_LABEL_RESOLVED:  return "resolved";
    }
    return "";
}

void scanner_findings_finish(scanner_findings *f)
{
    for (size_t i = 0; i < f->n; i++)
        scanner_finding_release(&f->v[i]);
    free(f->v);
    for (size_t i = 0; i < f->n_resolved; i++)
        scanner_finding_release(&f->resolved[i]);
    free(f->resolved);
    for (size_t i = 0; i < f->n_gaps; i++) {
        scanner_gap *g = &f->gaps[i];
        free(g->account_id);
        free(g->region);
        free(g->operation);
        free(g->error_code);
        free(g->message);
        free(g->account_name);
    }
    free(f->gaps);
    scanner_findings_init(f);
}

/* Sinks write these strings into reports, ASFF documents and requests:
 * each is made valid UTF-8 here, whatever reached it (a message cut in
 * the middle of a character, text decoded from a JSON escape). */
static int fix_utf8(char **s)
{
    if (!*s || aws_utf8_valid(*s, strlen(*s)))
        return 0;
    char *c = aws_utf8_repair(*s, strlen(*s), NULL);
    if (!c)
        return AWS_ENOMEM;
    free(*s);
    *s = c;
    return 0;
}

static int push_finding(scanner_finding **v, size_t *n, size_t *cap, scanner_finding *fd)
{
    if (fix_utf8(&fd->account_id) || fix_utf8(&fd->region) || fix_utf8(&fd->resource_type) ||
        fix_utf8(&fd->resource_arn) || fix_utf8(&fd->resource_id) || fix_utf8(&fd->domain) ||
        fix_utf8(&fd->title) || fix_utf8(&fd->details) || fix_utf8(&fd->details_json) ||
        fix_utf8(&fd->console_url)) {
        scanner_finding_release(fd);
        return AWS_ENOMEM;
    }
    if (*n == *cap) {
        size_t ncap = *cap ? *cap * 2 : 32;
        scanner_finding *nv = realloc(*v, ncap * sizeof(*nv));
        if (!nv) {
            scanner_finding_release(fd);
            return AWS_ENOMEM;
        }
        *v = nv;
        *cap = ncap;
    }
    (*v)[(*n)++] = *fd;
    return 0;
}

int scanner_findings_add(scanner_findings *f, scanner_finding *fd)
{
    return push_finding(&f->v, &f->n, &f->cap, fd);
}

int scanner_findings_add_resolved(scanner_findings *f, scanner_finding *fd)
{
    return push_finding(&f->resolved, &f->n_resolved, &f->cap_resolved, fd);
}

static char *dup_or_empty(const char *s)
{
    s = s ? s : "";
    return aws_utf8_repair(s, strlen(s), NULL);
}

int scanner_findings_add_gap(scanner_findings *f, const char *account,
                             const char *region, const char *operation,
                             const char *code, const char *message)
{
    if (f->n_gaps == f->cap_gaps) {
        size_t cap = f->cap_gaps ? f->cap_gaps * 2 : 8;
        scanner_gap *v = realloc(f->gaps, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        f->gaps = v;
        f->cap_gaps = cap;
    }
    scanner_gap *g = &f->gaps[f->n_gaps];
    g->account_name = NULL;         /* scanner_enrich_finish names it */
    g->account_id = dup_or_empty(account);
    g->region = dup_or_empty(region);
    g->operation = dup_or_empty(operation);
    /* the code and message are remote text: no secret we hold is kept */
    g->error_code = aws_secret_redact(code ? code : "");
    g->message = aws_secret_redact(message ? message : "");
    /* ... and valid UTF-8, whatever cut it (a message cut in a character). */
    if (g->error_code && g->message && (fix_utf8(&g->error_code) || fix_utf8(&g->message))) {
        free(g->error_code);
        free(g->message);
        g->error_code = g->message = NULL;
    }
    if (!g->account_id || !g->region || !g->operation || !g->error_code ||
        !g->message) {
        free(g->account_id);
        free(g->region);
        free(g->operation);
        free(g->error_code);
        free(g->message);
        return AWS_ENOMEM;
    }
    f->n_gaps++;
    return 0;
}

int scanner_findings_copy_gap(scanner_findings *f, const scanner_gap *g)
{
    int rc = scanner_findings_add_gap(f, g->account_id, g->region, g->operation, g->error_code,
                                      g->message);
    if (!rc && g->account_name &&
        !(f->gaps[f->n_gaps - 1].account_name = strdup(g->account_name)))
        rc = AWS_ENOMEM;
    return rc;
}

static int cmp_str(const char *a, const char *b)
{
    return strcmp(a ? a : "", b ? b : "");
}

int scanner_finding_cmp(const scanner_finding *a, const scanner_finding *b)
{
    if (a->severity != b->severity)
        return a->severity > b->severity ? -1 : 1;
    /* Findings with an expiry date come before those without; sooner first. */
    if ((a->not_after != 0) != (b->not_after != 0))
        return a->not_after != 0 ? -1 : 1;
    if (a->not_after != b->not_after)
        return a->not_after < b->not_after ? -1 : 1;
    int c;
    if ((c = cmp_str(a->account_id, b->account_id)) ||
        (c = cmp_str(a->region, b->region)) ||
        (c = cmp_str(a->resource_arn, b->resource_arn)) ||
        (c = cmp_str(a->rule, b->rule)))
        return c;
    return 0;
}

static int cmp_finding(const void *pa, const void *pb)
{
    return scanner_finding_cmp(pa, pb);
}

void scanner_findings_sort(scanner_findings *f)
{
    if (f->n > 1)
        qsort(f->v, f->n, sizeof(f->v[0]), cmp_finding);
}

static void to_hex(const unsigned char *md, int ok, char out[65])
{
    static const char hex[] = "0123456789abcdef";
    for (unsigned i = 0; i < 32; i++) {
        unsigned char b = ok ? md[i] : 0;
        out[2 * i] = hex[b >> 4];
        out[2 * i + 1] = hex[b & 15];
    }
    out[64] = '\0';
}

void scanner_finding_id(const char *account, const char *region,
                        const char *resource, const char *rule, char out[65])
{
    const char *parts[4] = { account, region, resource, rule };
    unsigned char md[32];
    unsigned int mdlen = 0;
    EVP_MD_CTX *ctx = EVP_MD_CTX_new();
    int ok = ctx && EVP_DigestInit_ex(ctx, EVP_sha256(), NULL);
    for (int i = 0; ok && i < 4; i++) {
        const char *p = parts[i] ? parts[i] : "";
        ok = EVP_DigestUpdate(ctx, p, strlen(p)) &&
             (i == 3 || EVP_DigestUpdate(ctx, "|", 1));
    }
    ok = ok && EVP_DigestFinal_ex(ctx, md, &mdlen);
    EVP_MD_CTX_free(ctx);
    to_hex(md, ok, out);
}

void scanner_sha256_hex(const char *s, char out[65])
{
    unsigned char md[32];
    unsigned int mdlen = 0;
    int ok = EVP_Digest(s, strlen(s), md, &mdlen, EVP_sha256(), NULL) && mdlen == 32;
    to_hex(md, ok, out);
}

void scanner_fmt_time(int64_t t, int with_time, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    size_t len = 0;
    if (gmtime_r(&tt, &tm))
        len = with_time ? strftime(buf, n, "%Y-%m-%dT%H:%M:%SZ", &tm)
                        : strftime(buf, n, "%Y-%m-%d", &tm);
    if (len == 0)
        snprintf(buf, n, "?");
}

void scanner_stats_init(scanner_stats *st)
{
    memset(st, 0, sizeof(*st));
}

void scanner_stats_tally(scanner_stats *st, const scanner_findings *f)
{
    memset(st->findings, 0, sizeof(st->findings));
    for (size_t i = 0; i < f->n; i++)
        if ((unsigned)f->v[i].severity <= SCANNER_SEV_CRITICAL)
            st->findings[f->v[i].severity]++;
    st->gaps = f->n_gaps;
}

int scanner_findings_fail(const scanner_findings *f, const char *fail_on)
{
    scanner_severity min;
    if (!fail_on || strcmp(fail_on, "none") == 0 || scanner_severity_parse(fail_on, &min) != 0)
        return 0;
    for (size_t i = 0; i < f->n; i++)
        if (f->v[i].severity >= min && !f->v[i].suppressed_by)
            return 1;
    return 0;
}
