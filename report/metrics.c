/* certsweep — the run as Prometheus metrics (see metrics.h). */
#include "report/metrics.h"

#include <stdlib.h>
#include <string.h>

#include "aws/endpoints.h"
#include "aws/error.h"
#include "scanner/rules.h"

int report_metrics_label_value(FILE *out, const char *s)
{
    for (const char *p = s ? s : ""; *p; p++) {
        int rc;
        switch (*p) {
        case '\\': rc = fputs("\\\\", out); break;
        case '"':  rc = fputs("\\\"", out); break;
        case '\n': rc = fputs("\\n", out); break;
        default:   rc = putc(*p, out); break;
        }
        if (rc == EOF)
            return AWS_EIO;
    }
    return 0;
}

static void family(FILE *out, const char *name, const char *type, const char *help)
{
    fprintf(out, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

static void label(FILE *out, const char *sep, const char *name, const char *value)
{
    fprintf(out, "%s%s=\"", sep, name);
    report_metrics_label_value(out, value);
    putc('"', out);
}

static const char *account_name(const scanner_scanned_accounts *a, const char *id)
{
    for (size_t i = 0; a && id && i < a->n; i++)
        if (a->v[i].account_id && strcmp(a->v[i].account_id, id) == 0)
            return a->v[i].name ? a->v[i].name : "";
    return "";
}

static const char *resource_of(const scanner_finding *fd)
{
    return fd->resource_arn ? fd->resource_arn : fd->resource_id ? fd->resource_id : "";
}

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* One certificate: account, region, resource. */
static int cert_key_cmp(const scanner_cert_entry *a, const scanner_cert_entry *b)
{
    int c = strcmp(a->account, b->account);
    if (!c)
        c = strcmp(a->region, b->region);
    if (!c)
        c = strcmp(a->resource, b->resource);
    return c;
}

/* The key, then the record's own NotAfter (blk set: from the inventory)
 * before a finding's, so that the output does not depend on qsort. */
static int cert_cmp(const void *pa, const void *pb)
{
    const scanner_cert_entry *a = pa, *b = pb;
    int c = cert_key_cmp(a, b);
    if (!c)
        c = (b->blk != NULL) - (a->blk != NULL);
    if (!c)
        c = (a->not_after > b->not_after) - (a->not_after < b->not_after);
    return c;
}

/* The inventory's certificates and those of the findings (which name
 * certificates the inventory may have had no room for), one series each. */
static int write_certificates(FILE *out, const scanner_findings *f,
                              const scanner_scanned_accounts *accounts,
                              const scanner_inventory *inv)
{
    size_t cap = f->n + (inv ? inv->n : 0), n = 0;
    scanner_cert_entry *v = NULL;
    if (cap && !(v = calloc(cap, sizeof(*v))))
        return AWS_ENOMEM;
    for (size_t i = 0; inv && i < inv->n; i++)
        v[n++] = inv->v[i];
    for (size_t i = 0; i < f->n; i++) {
        const scanner_finding *fd = &f->v[i];
        if (fd->not_after)
            v[n++] = (scanner_cert_entry){
                .account = nz(fd->account_id), .region = nz(fd->region),
                .resource = resource_of(fd), .domain = nz(fd->domain),
                .type = nz(fd->resource_type), .not_after = fd->not_after,
            };
    }
    if (n)
        qsort(v, n, sizeof(*v), cert_cmp);
    family(out, "certsweep_certificate_not_after_timestamp_seconds", "gauge",
           "Expiry (NotAfter) of the certificates the last scan read (up to [metrics] "
           "max_certificates) and of every certificate with a finding, unix seconds.");
    for (size_t i = 0; i < n; i++) {
        if (i && cert_key_cmp(&v[i - 1], &v[i]) == 0)
            continue;
        fputs("certsweep_certificate_not_after_timestamp_seconds", out);
        label(out, "{", "account", v[i].account);
        label(out, ",", "account_name", account_name(accounts, v[i].account));
        label(out, ",", "region", v[i].region);
        label(out, ",", "resource", v[i].resource);
        label(out, ",", "domain", v[i].domain);
        label(out, ",", "type", v[i].type);
        fprintf(out, "} %lld\n", (long long)v[i].not_after);
    }
    free(v);
    return 0;
}

/* One sample per service (every service, 0 included: a fixed set). */
static void by_service(FILE *out, const char *name, const uint64_t *v)
{
    for (size_t i = 0; i < AWS_SVC__COUNT; i++) {
        fputs(name, out);
        label(out, "{", "service", aws_service_name((aws_service)i));
        fprintf(out, "} %llu\n", (unsigned long long)v[i]);
    }
}

int report_metrics_write(FILE *out, const scanner_findings *f, const scanner_stats *st,
                         const scanner_scanned_accounts *accounts,
                         const scanner_inventory *inv, int64_t now)
{
    scanner_stats zero;
    if (!st) {
        scanner_stats_init(&zero);
        st = &zero;
    }
    size_t n_rules = scanner_rule_count();
    size_t *count = calloc(n_rules * (SCANNER_SEV_CRITICAL + 1) + 1, sizeof(*count));
    if (!count)
        return AWS_ENOMEM;
    size_t suppressed = 0;
    for (size_t i = 0; i < f->n; i++) {
        const scanner_finding *fd = &f->v[i];
        if (fd->suppressed_by) {
            suppressed++;
            continue;
        }
        for (size_t r = 0; r < n_rules; r++)
            if (strcmp(scanner_rule_at(r)->id, fd->rule) == 0)
                count[r * (SCANNER_SEV_CRITICAL + 1) + (size_t)fd->severity]++;
    }
    family(out, "certsweep_findings", "gauge",
           "Findings of the last scan by severity and rule (suppressed ones left out).");
    for (size_t r = 0; r < n_rules; r++)
        for (int s = SCANNER_SEV_CRITICAL; s >= SCANNER_SEV_INFORMATIONAL; s--) {
            char sev[16];
            const char *name = scanner_severity_name((scanner_severity)s);
            size_t k = 0;
            for (; name[k] && k + 1 < sizeof(sev); k++)
                sev[k] = (char)(name[k] >= 'A' && name[k] <= 'Z' ? name[k] - 'A' + 'a' : name[k]);
            sev[k] = '\0';
            fputs("certsweep_findings", out);
            label(out, "{", "severity", sev);
            label(out, ",", "rule", scanner_rule_at(r)->id);
            fprintf(out, "} %zu\n", count[r * (SCANNER_SEV_CRITICAL + 1) + (size_t)s]);
        }
    free(count);
    family(out, "certsweep_findings_suppressed", "gauge",
           "Findings of the last scan that a suppression matched.");
    fprintf(out, "certsweep_findings_suppressed %zu\n", suppressed);
    family(out, "certsweep_coverage_gaps", "gauge",
           "Accounts, regions or operations the last scan could not read.");
    fprintf(out, "certsweep_coverage_gaps %zu\n", f->n_gaps);
    family(out, "certsweep_certificates_judged", "gauge",
           "Certificate records the last scan judged.");
    fprintf(out, "certsweep_certificates_judged %llu\n", (unsigned long long)st->certificates);
    family(out, "certsweep_scan_duration_seconds", "gauge", "Wall time of the last scan.");
    fprintf(out, "certsweep_scan_duration_seconds %lld.%03lld\n",
            (long long)(st->wall_ms / 1000), (long long)(st->wall_ms % 1000));
    family(out, "certsweep_last_success_timestamp_seconds", "gauge",
           "When the last scan that ran to its end finished, unix seconds.");
    fprintf(out, "certsweep_last_success_timestamp_seconds %lld\n", (long long)now);
    family(out, "certsweep_api_calls_total", "counter", "AWS API calls of the last scan, by service.");
    by_service(out, "certsweep_api_calls_total", st->api_calls_by_service);
    family(out, "certsweep_api_retries_total", "counter", "AWS API calls retried in the last scan.");
    fprintf(out, "certsweep_api_retries_total %llu\n", (unsigned long long)st->retries);
    family(out, "certsweep_api_throttles_total", "counter",
           "AWS API answers classified as throttling in the last scan, by service.");
    by_service(out, "certsweep_api_throttles_total", st->throttled_by_service);
    family(out, "certsweep_certificates_unlisted", "gauge",
           "Certificates the last scan read but did not list below ([metrics] max_certificates "
           "reached); those with findings are listed all the same.");
    fprintf(out, "certsweep_certificates_unlisted %zu\n", inv ? inv->dropped : 0);
    int rc = write_certificates(out, f, accounts, inv);
    if (rc == 0 && ferror(out))
        rc = AWS_EIO;
    return rc;
}
