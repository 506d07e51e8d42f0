/* Unit tests: report/report.c (table, json, csv writers). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "config/config.h"
#include "scanner/finding.h"
#include "scanner/record.h"
#include "report/merge.h"
#include "report/read.h"
#include "report/report.h"
#include "scanner/rules.h"

#define AS_OF ((int64_t)1795430728)     /* 2026-11-23T10:45:28Z */
#define DAY   ((int64_t)86400)

static char *dup(const char *s)
{
    char *c = s ? strdup(s) : NULL;
    if (s)
        assert_non_null(c);
    return c;
}

static void add(scanner_findings *f, const char *rule, scanner_severity sev,
                const char *account, const char *region, const char *arn,
                const char *resource_id, const char *domain, int64_t not_after,
                const char *title, const char *details, const char *details_json)
{
    scanner_finding fd;
    memset(&fd, 0, sizeof(fd));
    scanner_finding_id(account, region, arn, rule, fd.id);
    fd.rule = scanner_rule_find(rule)->id;
    fd.severity = sev;
    fd.account_id = dup(account);
    fd.region = dup(region);
    fd.source = SCANNER_SRC_ACM;
    fd.resource_type = dup("AwsCertificateManagerCertificate");
    fd.resource_arn = dup(arn);
    fd.resource_id = dup(resource_id);
    fd.domain = dup(domain);
    fd.not_after = not_after;
    fd.days_to_expiry = not_after ? scanner_days_until(not_after, AS_OF) : 0;
    fd.title = dup(title);
    fd.details = dup(details);
    fd.details_json = dup(details_json);
    fd.remediation = scanner_rule_find(rule)->remediation;
    fd.console_url = dup("https://us-east-1.console.aws.amazon.com/acm/home?region=us-east-1");
    assert_int_equal(scanner_findings_add(f, &fd), 0);
}

/* Three findings, deliberately not in report order, and one gap. */
static void sample(scanner_findings *f)
{
    scanner_findings_init(f);
    add(f, "weak-key", SCANNER_SEV_LOW, "222222222222", "eu-west-1",
        "arn:aws:acm:eu-west-1:222222222222:certificate/weak", "weak", "weak.example.org",
        AS_OF + 100 * DAY, "ACM certificate weak.example.org uses a 1024-bit RSA key",
        "Key algorithm: RSA_1024\n", "{\"key_algorithm\":\"RSA_1024\"}");
    add(f, "expiring", SCANNER_SEV_HIGH, "111111111111", "us-east-1",
        "arn:aws:acm:us-east-1:111111111111:certificate/soon", "soon", "shop.example.com",
        AS_OF + 12 * DAY, "ACM certificate shop.example.com expires in 12 days (2026-12-05)",
        "Type: IMPORTED\nIn use by: nothing\n",
        "{\"type\":\"IMPORTED\",\"in_use_by\":[\"arn:a\",\"arn:b\"]}");
    add(f, "stage-client-certificate", SCANNER_SEV_CRITICAL, "111111111111", "us-east-1",
        "arn:aws:apigateway:us-east-1::/restapis/api1/stages/prod", "api1/prod", NULL, 0,
        "Stage api1/prod, \"quoted\", with comma", "line one\nline \"two\", end",
        "not json");
    assert_int_equal(scanner_findings_add_gap(f, "333333333333", "ap-south-1", "AssumeRole",
                                              "AccessDenied", "not authorized to assume"), 0);
    /* Who and what: names, the OU path and tags on the expiring one. */
    scanner_finding *x = &f->v[1];
    x->account_name = dup("shop-prod");
    x->ou_path = dup("Root/Production/Payments");
    assert_int_equal(scanner_tags_add(&x->tags, "team", "payments"), 0);
    assert_int_equal(scanner_tags_add(&x->tags, "a=b", "c;d\\e"), 0);
    assert_int_equal(scanner_tags_add(&x->account_tags, "owner", "=sec@example.com"), 0);
    f->gaps[0].account_name = dup("audit-denied");
}

/* Not inlined: GCC 12 at -O3 otherwise takes the memstream's buffer for
 * the local `buf` and warns of dangling pointers in every caller. */
__attribute__((noinline))
static char *render(const char *format, const scanner_findings *f, const scanner_stats *st,
                    int color, int expect_rc)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(report_write(m, format, f, st, AS_OF, color), expect_rc);
    fclose(m);
    return buf;
}

static json_object *get(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!json_object_object_get_ex(o, key, &v))
        fail_msg("missing key %s", key);
    return v;
}

static void assert_keys(json_object *o, const char *const *keys, size_t n)
{
    size_t i = 0;
    json_object_object_foreach(o, k, val) {
        (void)val;
        assert_true(i < n);
        assert_string_equal(k, keys[i]);
        i++;
    }
    assert_int_equal(i, n);
}

static void json_document(void **state)
{
    (void)state;
    scanner_findings f;
    scanner_stats st;
    sample(&f);
    scanner_stats_init(&st);
    st.accounts = 3;
    st.regions = 2;
    st.account_regions = 6;
    st.api_calls = 42;
    st.retries = 4;
    st.throttled = 1;
    st.certificates = 17;
    st.wall_ms = 1234;
    char *out = render("json", &f, &st, 1, 0);
    assert_null(strchr(out, '\033'));          /* color is ignored */
    json_object *doc = json_tokener_parse(out);
    assert_non_null(doc);
    static const char *const top[] = { "schema", "as_of", "findings", "coverage_gaps", "stats" };
    assert_keys(doc, top, 5);
    assert_string_equal(json_object_get_string(get(doc, "schema")), "certsweep.scan/1");
    assert_string_equal(json_object_get_string(get(doc, "as_of")), "2026-11-23T10:45:28Z");

    json_object *fa = get(doc, "findings");
    assert_int_equal(json_object_array_length(fa), 3);
    /* Worst first; the caller's array keeps its order. */
    json_object *f0 = json_object_array_get_idx(fa, 0);
    json_object *f1 = json_object_array_get_idx(fa, 1);
    json_object *f2 = json_object_array_get_idx(fa, 2);
    assert_string_equal(json_object_get_string(get(f0, "severity")), "CRITICAL");
    assert_string_equal(json_object_get_string(get(f1, "severity")), "HIGH");
    assert_string_equal(json_object_get_string(get(f2, "severity")), "LOW");
    assert_string_equal(f.v[0].rule, "weak-key");

    static const char *const keys[] = {
        "id", "rule", "severity", "account_id", "account_name", "ou_path", "region", "source",
        "resource_type", "resource_arn", "resource_id", "domain", "not_after", "days_to_expiry",
        "title", "details", "details_text", "remediation", "console_url", "tags", "account_tags",
    };
    assert_keys(f1, keys, sizeof(keys) / sizeof(keys[0]));
    assert_string_equal(json_object_get_string(get(f1, "account_name")), "shop-prod");
    assert_string_equal(json_object_get_string(get(f1, "ou_path")), "Root/Production/Payments");
    assert_string_equal(json_object_get_string(get(get(f1, "tags"), "a=b")), "c;d\\e");
    assert_string_equal(json_object_get_string(get(get(f1, "account_tags"), "owner")),
                        "=sec@example.com");
    assert_true(json_object_is_type(get(f2, "account_name"), json_type_null));
    assert_int_equal(json_object_object_length(get(f2, "tags")), 0);
    const scanner_finding *src = &f.v[1];
    assert_string_equal(json_object_get_string(get(f1, "id")), src->id);
    assert_int_equal(strlen(src->id), 64);
    assert_string_equal(json_object_get_string(get(f1, "rule")), "expiring");
    assert_string_equal(json_object_get_string(get(f1, "account_id")), "111111111111");
    assert_string_equal(json_object_get_string(get(f1, "region")), "us-east-1");
    assert_string_equal(json_object_get_string(get(f1, "resource_type")),
                        "AwsCertificateManagerCertificate");
    assert_string_equal(json_object_get_string(get(f1, "resource_arn")),
                        "arn:aws:acm:us-east-1:111111111111:certificate/soon");
    assert_string_equal(json_object_get_string(get(f1, "resource_id")), "soon");
    assert_string_equal(json_object_get_string(get(f1, "domain")), "shop.example.com");
    assert_string_equal(json_object_get_string(get(f1, "not_after")), "2026-12-05T10:45:28Z");
    assert_true(json_object_is_type(get(f1, "days_to_expiry"), json_type_int));
    assert_int_equal(json_object_get_int64(get(f1, "days_to_expiry")), 12);
    assert_string_equal(json_object_get_string(get(f1, "title")), src->title);
    json_object *d = get(f1, "details");
    assert_true(json_object_is_type(d, json_type_object));
    assert_string_equal(json_object_get_string(get(d, "type")), "IMPORTED");
    assert_int_equal(json_object_array_length(get(d, "in_use_by")), 2);
    assert_string_equal(json_object_get_string(get(f1, "details_text")), src->details);
    assert_string_equal(json_object_get_string(get(f1, "remediation")),
                        scanner_rule_find("expiring")->remediation);
    assert_string_equal(json_object_get_string(get(f1, "console_url")), src->console_url);

    /* No expiry: nulls; details_json that is not JSON: an empty object. */
    assert_true(json_object_is_type(get(f0, "not_after"), json_type_null));
    assert_true(json_object_is_type(get(f0, "days_to_expiry"), json_type_null));
    assert_true(json_object_is_type(get(f0, "domain"), json_type_null));
    assert_true(json_object_is_type(get(f0, "details"), json_type_object));
    assert_int_equal(json_object_object_length(get(f0, "details")), 0);
    assert_string_equal(json_object_get_string(get(f0, "title")),
                        "Stage api1/prod, \"quoted\", with comma");

    json_object *ga = get(doc, "coverage_gaps");
    assert_int_equal(json_object_array_length(ga), 1);
    json_object *g = json_object_array_get_idx(ga, 0);
    static const char *const gkeys[] = { "account_id", "account_name", "region", "operation",
                                         "error_code", "message" };
    assert_keys(g, gkeys, 6);
    assert_string_equal(json_object_get_string(get(g, "account_id")), "333333333333");
    assert_string_equal(json_object_get_string(get(g, "account_name")), "audit-denied");
    assert_string_equal(json_object_get_string(get(g, "region")), "ap-south-1");
    assert_string_equal(json_object_get_string(get(g, "operation")), "AssumeRole");
    assert_string_equal(json_object_get_string(get(g, "error_code")), "AccessDenied");
    assert_string_equal(json_object_get_string(get(g, "message")), "not authorized to assume");

    json_object *s = get(doc, "stats");
    assert_int_equal(json_object_get_int64(get(s, "accounts")), 3);
    assert_int_equal(json_object_get_int64(get(s, "regions")), 2);
    assert_int_equal(json_object_get_int64(get(s, "account_regions")), 6);
    assert_int_equal(json_object_get_int64(get(s, "certificates")), 17);
    assert_int_equal(json_object_get_int64(get(s, "api_calls")), 42);
    assert_int_equal(json_object_get_int64(get(s, "retries")), 4);
    assert_int_equal(json_object_get_int64(get(s, "throttled")), 1);
    assert_int_equal(json_object_get_int64(get(s, "coverage_gaps")), 1);
    assert_int_equal(json_object_get_int64(get(s, "wall_ms")), 1234);
    json_object *byf = get(s, "findings");
    static const char *const skeys[] = { "CRITICAL", "HIGH", "MEDIUM", "LOW",
                                         "INFORMATIONAL", "total" };
    assert_keys(byf, skeys, 6);
    assert_int_equal(json_object_get_int64(get(byf, "CRITICAL")), 1);
    assert_int_equal(json_object_get_int64(get(byf, "HIGH")), 1);
    assert_int_equal(json_object_get_int64(get(byf, "MEDIUM")), 0);
    assert_int_equal(json_object_get_int64(get(byf, "LOW")), 1);
    assert_int_equal(json_object_get_int64(get(byf, "total")), 3);

    /* Pretty printed, one document, newline-terminated. */
    assert_non_null(strstr(out, "\n  \"schema\": \"certsweep.scan/1\""));
    assert_int_equal(out[strlen(out) - 1], '\n');
    json_object_put(doc);
    free(out);

    /* Stable: the same input renders byte for byte the same. */
    char *a = render("json", &f, &st, 0, 0), *b = render("json", &f, &st, 0, 0);
    assert_string_equal(a, b);
    free(a);
    free(b);
    scanner_findings_finish(&f);
}

static void json_empty(void **state)
{
    (void)state;
    scanner_findings f;
    scanner_findings_init(&f);
    char *out = render("json", &f, NULL, 0, 0);
    json_object *doc = json_tokener_parse(out);
    assert_non_null(doc);
    assert_int_equal(json_object_array_length(get(doc, "findings")), 0);
    assert_int_equal(json_object_array_length(get(doc, "coverage_gaps")), 0);
    assert_int_equal(json_object_get_int64(get(get(get(doc, "stats"), "findings"), "total")), 0);
    assert_int_equal(json_object_get_int64(get(get(doc, "stats"), "accounts")), 0);
    json_object_put(doc);
    free(out);
}

/* A small RFC 4180 reader: returns the fields of the record at *p. */
static size_t csv_record(const char **p, char fields[][512], size_t max)
{
    size_t n = 0;
    const char *s = *p;
    for (;;) {
        char *o = fields[n];
        size_t len = 0;
        if (*s == '"') {
            s++;
            for (;;) {
                assert_true(*s != '\0');
                if (*s == '"' && s[1] == '"') {
                    o[len++] = '"';
                    s += 2;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    o[len++] = *s++;
                }
                assert_true(len < 511);
            }
        } else {
            while (*s && *s != ',' && *s != '\r' && *s != '\n') {
                assert_true(*s != '"');     /* quotes only inside quoted fields */
                o[len++] = *s++;
                assert_true(len < 511);
            }
        }
        o[len] = '\0';
        n++;
        if (*s == ',') {
            s++;
            assert_true(n < max);
            continue;
        }
        assert_true(s[0] == '\r' && s[1] == '\n');   /* CRLF record ends */
        *p = s + 2;
        return n;
    }
}

static void csv_quoting(void **state)
{
    (void)state;
    scanner_findings f;
    sample(&f);
    char *out = render("csv", &f, NULL, 1, 0);
    assert_null(strchr(out, '\033'));
    const char *header = "row_type,id,severity,rule,account_id,region,resource_type,"
                         "resource_arn,resource_id,domain,not_after,days_to_expiry,title,"
                         "details,remediation,console_url,account_name,ou_path,tags,"
                         "account_tags,operation,error_code,message\r\n";
    assert_memory_equal(out, header, strlen(header));

    static char fields[32][512];
    const char *p = out;
    assert_int_equal(csv_record(&p, fields, 32), 23);
    /* Worst first: the CRITICAL stage finding with the awkward text. */
    assert_int_equal(csv_record(&p, fields, 32), 23);
    assert_string_equal(fields[2], "CRITICAL");
    assert_string_equal(fields[3], "stage-client-certificate");
    assert_string_equal(fields[9], "");         /* no domain */
    assert_string_equal(fields[10], "");         /* no expiry */
    assert_string_equal(fields[11], "");
    assert_string_equal(fields[12], "Stage api1/prod, \"quoted\", with comma");
    assert_string_equal(fields[13], "line one\nline \"two\", end");
    assert_non_null(strstr(out, ",\"Stage api1/prod, \"\"quoted\"\", with comma\","));
    assert_non_null(strstr(out, ",\"line one\nline \"\"two\"\", end\","));
    assert_string_equal(fields[16], "");         /* no name, path or tags */
    assert_string_equal(fields[19], "");
    assert_int_equal(csv_record(&p, fields, 32), 23);
    assert_string_equal(fields[1], f.v[1].id);
    assert_string_equal(fields[2], "HIGH");
    assert_string_equal(fields[4], "111111111111");
    assert_string_equal(fields[9], "shop.example.com");
    assert_string_equal(fields[10], "2026-12-05T10:45:28Z");
    assert_string_equal(fields[11], "12");
    assert_string_equal(fields[16], "shop-prod");
    assert_string_equal(fields[17], "Root/Production/Payments");
    assert_string_equal(fields[18], "team=payments;a\\=b=c\\;d\\\\e");   /* escaped */
    assert_string_equal(fields[19], "owner=\\=sec@example.com");
    assert_int_equal(csv_record(&p, fields, 32), 23);
    assert_string_equal(fields[2], "LOW");
    assert_string_equal(fields[11], "100");
    assert_string_equal(fields[0], "finding");
    assert_string_equal(fields[20], "");         /* the gap columns of a finding */
    assert_string_equal(fields[22], "");
    /* The coverage gap after the findings: its account and region in their
     * columns, the finding columns empty, the gap in the last three. */
    assert_int_equal(csv_record(&p, fields, 32), 23);
    assert_string_equal(fields[0], "coverage_gap");
    assert_string_equal(fields[1], "");
    assert_string_equal(fields[2], "");
    assert_string_equal(fields[4], "333333333333");
    assert_string_equal(fields[5], "ap-south-1");
    assert_string_equal(fields[12], "");
    assert_string_equal(fields[16], "audit-denied");     /* the account's name */
    assert_string_equal(fields[17], "");
    assert_string_equal(fields[20], "AssumeRole");
    assert_string_equal(fields[21], "AccessDenied");
    assert_string_equal(fields[22], "not authorized to assume");
    assert_string_equal(p, "");                  /* nothing after the last record */
    free(out);
    scanner_findings_finish(&f);
}

/* The line of `out` that contains needle (start offset), or -1. */
static long line_with(const char *out, const char *needle)
{
    const char *hit = strstr(out, needle);
    if (!hit)
        return -1;
    while (hit > out && hit[-1] != '\n')
        hit--;
    return hit - out;
}

static void table_rows_in_order(void **state)
{
    (void)state;
    scanner_findings f;
    scanner_stats st;
    sample(&f);
    scanner_stats_init(&st);
    st.accounts = 3;
    st.regions = 2;
    st.account_regions = 6;
    st.certificates = 17;
    st.api_calls = 42;
    st.wall_ms = 1234;
    char *out = render("table", &f, &st, 0, 0);
    assert_null(strchr(out, '\033'));

    long hdr = line_with(out, "SEVERITY");
    long crit = line_with(out, "CRITICAL  ");
    long high = line_with(out, "HIGH  ");
    long low = line_with(out, "LOW  ");
    long summary = line_with(out, "3 findings as of 2026-11-23T10:45:28Z: 1 critical, 1 high, "
                                  "0 medium, 1 low, 0 informational\n");
    long gaps = line_with(out, "Coverage gaps (1)");
    long gap = line_with(out, "  333333333333/ap-south-1/AssumeRole: AccessDenied: "
                              "not authorized to assume\n");
    assert_int_equal(hdr, 0);
    assert_true(crit > hdr && high > crit && low > high && summary > low);
    assert_true(gaps > summary && gap > gaps);
    assert_non_null(strstr(out, "Scanned 3 accounts, 2 regions (6 account-regions), "
                                "17 certificates; 42 API calls, 0 retries, 0 throttled; 1.234 s\n"));
    assert_null(strstr(out, "API Gateway:"));      /* nothing read less: no line */
    free(out);
    st.apigw_stage_calls = 3;
    st.apigw_stage_reads_saved = 5;
    out = render("table", &f, &st, 0, 0);
    assert_non_null(strstr(out, "\nAPI Gateway: 3 GetRestApis/GetStages calls; stages not read "
                                "in 5 account-regions (no rule needed them)\n"));

    /* Columns line up: RULE starts at the same column on every row. */
    const char *h = out + hdr;
    long rule_col = strstr(h, "RULE") - h;
    assert_int_equal(strncmp(out + crit + rule_col, "stage-client-certificate", 24), 0);
    assert_int_equal(strncmp(out + high + rule_col, "expiring", 8), 0);
    assert_int_equal(strncmp(out + low + rule_col, "weak-key", 8), 0);
    long res_col = strstr(h, "RESOURCE") - h;
    assert_int_equal(strncmp(out + crit + res_col, "api1/prod", 9), 0);   /* short id */
    assert_int_equal(strncmp(out + high + res_col, "shop.example.com", 16), 0);
    /* Days and expiry date; "-" when none. */
    assert_non_null(strstr(out + high, "   12  111111111111"));
    assert_non_null(strstr(out + high, "2026-12-05\n"));
    assert_true(strstr(out + crit, "-\n") < out + high);
    free(out);

    /* Colour only when asked. */
    out = render("table", &f, &st, 1, 0);
    assert_non_null(strstr(out, "\033[1;31mCRITICAL\033[0m"));
    assert_non_null(strstr(out, "\033[31mHIGH\033[0m"));
    free(out);
    scanner_findings_finish(&f);
}

static void table_truncates_and_sanitizes(void **state)
{
    (void)state;
    scanner_findings f;
    scanner_findings_init(&f);
    char longdom[128];
    memset(longdom, 'a', 60);
    memcpy(longdom + 60, ".tail.example.com", 18);        /* 77 chars */
    add(&f, "expiring", SCANNER_SEV_MEDIUM, "111111111111", "us-east-1",
        "arn:aws:acm:us-east-1:111111111111:certificate/long", "long", longdom,
        AS_OF + 40 * DAY, "t", "d", "{}");
    add(&f, "expiring", SCANNER_SEV_MEDIUM, "111111111111", "us-east-1",
        "arn:aws:acm:us-east-1:111111111111:certificate/esc", "esc", "evil\033[2Jname",
        AS_OF + 41 * DAY, "t", "d", "{}");
    assert_int_equal(scanner_findings_add_gap(&f, "1", "r", "op", "code", "multi\nline"), 0);
    char *out = render("table", &f, NULL, 0, 0);
    /* Middle ellipsis keeps both ends of the long domain, in 44 columns. */
    const char *e = strstr(out, "\xe2\x80\xa6");
    assert_non_null(e);
    assert_int_equal(strncmp(e - 21, "aaaaaaaaaaaaaaaaaaaaa", 21), 0);
    assert_int_equal(strncmp(e + 3, "aaaa.tail.example.com  ", 23), 0);
    assert_true(e[-22] == 'a' && e[-23] == ' ');       /* 22 head + … + 21 tail */
    assert_null(strstr(out, longdom));
    /* Remote text cannot send escape sequences or break lines. */
    assert_null(strchr(out, '\033'));
    assert_non_null(strstr(out, "evil?[2Jname"));
    assert_non_null(strstr(out, "multi?line\n"));
    free(out);
    scanner_findings_finish(&f);
}

static void table_empty(void **state)
{
    (void)state;
    scanner_findings f;
    scanner_findings_init(&f);
    char *out = render("table", &f, NULL, 0, 0);
    assert_string_equal(out, "No findings as of 2026-11-23T10:45:28Z.\n");
    free(out);
    assert_int_equal(scanner_findings_add_gap(&f, "111111111111", "*", "ListRegions",
                                              "Timeout", "no answer"), 0);
    out = render("table", &f, NULL, 0, 0);
    assert_string_equal(out, "No findings as of 2026-11-23T10:45:28Z.\n\n"
                             "Coverage gaps (1): these were not scanned, findings may be missing\n"
                             "  111111111111/*/ListRegions: Timeout: no answer\n");
    free(out);
    scanner_findings_finish(&f);
}

static void formats_and_errors(void **state)
{
    (void)state;
    scanner_findings f;
    sample(&f);
    assert_int_equal(report_format_known("table"), 1);
    assert_int_equal(report_format_known("json"), 1);
    assert_int_equal(report_format_known("csv"), 1);
    assert_int_equal(report_format_known("xml"), 0);
    assert_int_equal(report_format_known(NULL), 0);
    char *out = render("yaml", &f, NULL, 0, AWS_EINVAL);
    assert_string_equal(out, "");
    free(out);
    assert_int_equal(report_write(stdout, "json", NULL, NULL, AS_OF, 0), AWS_EINVAL);

    /* A stream that cannot be written is an error, not silence. */
    FILE *full = fopen("/dev/full", "w");
    if (full) {
        assert_int_equal(report_write(full, "json", &f, NULL, AS_OF, 0), AWS_EIO);
        fclose(full);
    }

    scanner_stats st;
    scanner_stats_init(&st);
    scanner_stats_tally(&st, &f);
    assert_int_equal(st.findings[SCANNER_SEV_CRITICAL], 1);
    assert_int_equal(st.findings[SCANNER_SEV_HIGH], 1);
    assert_int_equal(st.findings[SCANNER_SEV_MEDIUM], 0);
    assert_int_equal(st.findings[SCANNER_SEV_LOW], 1);
    assert_int_equal(st.gaps, 1);
    scanner_findings_finish(&f);
}

/* From records through the judge to a JSON report. */
static void judge_then_json(void **state)
{
    (void)state;
    config c;
    config_init(&c);
    scanner_record_set set;
    scanner_record_set_init(&set);
    scanner_record *r = scanner_record_new(SCANNER_SRC_ACM, "111111111111", "us-east-1");
    assert_int_equal(scanner_str_set(&r->arn,
        "arn:aws:acm:us-east-1:111111111111:certificate/abc"), 0);
    assert_int_equal(scanner_str_set(&r->domain, "example.com"), 0);
    assert_int_equal(scanner_str_set(&r->status, "ISSUED"), 0);
    assert_int_equal(scanner_str_set(&r->type, "IMPORTED"), 0);
    r->not_after = AS_OF - 1;
    assert_int_equal(scanner_record_set_add(&set, r), 0);
    scanner_findings f;
    scanner_findings_init(&f);
    assert_int_equal(scanner_rules_judge(&set, &c, AS_OF, &f), 0);
    char *out = render("json", &f, NULL, 0, 0);
    json_object *doc = json_tokener_parse(out);
    json_object *f0 = json_object_array_get_idx(get(doc, "findings"), 0);
    assert_string_equal(json_object_get_string(get(f0, "rule")), "expired");
    assert_int_equal(json_object_get_int64(get(f0, "days_to_expiry")), 0);   /* less than a day ago */
    assert_string_equal(json_object_get_string(get(get(f0, "details"), "type")), "IMPORTED");
    assert_string_equal(json_object_get_string(get(f0, "console_url")),
        "https://us-east-1.console.aws.amazon.com/acm/home?region=us-east-1#/certificates/abc");
    json_object_put(doc);
    free(out);
    scanner_findings_finish(&f);
    scanner_record_set_finish(&set);
    config_finish(&c);
}

/* ---- reading back, merging ------------------------------------------------ */

/* The sample, plus a labelled and suppressed finding and a resolved one. */
static void rich_sample(scanner_findings *f)
{
    sample(f);
    add(f, "expired", SCANNER_SEV_CRITICAL, "444444444444", "eu-central-1",
        "arn:aws:acm:eu-central-1:444444444444:certificate/old", "old", "old.example.net",
        AS_OF - 3 * DAY, "ACM certificate old.example.net expired", "Expired\n", "{\"x\":[1,2]}");
    scanner_finding *last = &f->v[f->n - 1];
    last->label = SCANNER_LABEL_ESCALATED;
    last->prev_severity = SCANNER_SEV_HIGH;
    last->first_seen = AS_OF - 20 * DAY;
    last->suppressed_by = dup("freeze");
    last->suppressed_reason = dup("until the migration");
    last->suppressed_until = AS_OF + 30 * DAY;
    last->source = SCANNER_SRC_IAM_SERVER_CERT;
    scanner_findings r;
    scanner_findings_init(&r);
    add(&r, "weak-key", SCANNER_SEV_LOW, "444444444444", "eu-central-1",
        "arn:aws:acm:eu-central-1:444444444444:certificate/gone", "gone", NULL, 0,
        "gone", NULL, NULL);
    r.v[0].label = SCANNER_LABEL_RESOLVED;
    r.v[0].prev_severity = SCANNER_SEV_LOW;
    assert_int_equal(scanner_findings_add_resolved(f, &r.v[0]), 0);
    r.n = 0;
    scanner_findings_finish(&r);
}

/* The JSON report is written one finding at a time; the text is exactly
 * json-c's pretty form of the whole document (what it was when the
 * document was built in memory first), with and without findings, gaps
 * and resolved ones. */
static void assert_pretty_form(const char *out)
{
    json_object *doc = json_tokener_parse(out);
    assert_non_null(doc);
    const char *s = json_object_to_json_string_ext(doc, JSON_C_TO_STRING_PRETTY |
                                                   JSON_C_TO_STRING_SPACED |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
    size_t n = strlen(s);
    assert_int_equal(strlen(out), n + 1);
    assert_memory_equal(out, s, n);
    assert_int_equal(out[n], '\n');
    json_object_put(doc);
}

static void json_streamed_is_pretty_form(void **state)
{
    (void)state;
    scanner_findings f;
    scanner_stats st;
    scanner_stats_init(&st);
    st.accounts = 2;
    rich_sample(&f);
    char *out = render("json", &f, &st, 0, 0);
    assert_pretty_form(out);
    assert_non_null(strstr(out, "\n  \"resolved\": [\n    {\n      \"id\": "));
    free(out);
    scanner_findings_finish(&f);
    scanner_findings_init(&f);
    out = render("json", &f, NULL, 0, 0);
    assert_pretty_form(out);
    assert_non_null(strstr(out, "\"findings\": [\n  ],"));
    free(out);
    scanner_findings_finish(&f);
}

__attribute__((noinline))
static char *render_doc(const report_doc *d)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(report_write(m, "json", &d->f, &d->st, d->as_of, 0), 0);
    fclose(m);
    return buf;
}

static void read_doc(const char *text, report_doc *d)
{
    char why[300] = "";
    report_doc_init(d);
    if (report_read_doc(text, strlen(text), d, why, sizeof(why)) != 0)
        fail_msg("read: %s", why);
}

/* What the JSON writer writes, the reader reads back whole: writing it
 * again gives the same document, byte for byte. */
static void json_round_trip(void **state)
{
    (void)state;
    scanner_findings f;
    rich_sample(&f);
    scanner_stats st;
    scanner_stats_init(&st);
    st.accounts = 4;
    st.regions = 3;
    st.account_regions = 12;
    st.api_calls = 321;
    st.retries = 2;
    st.throttled = 1;
    st.certificates = 77;
    st.describes = 5;
    st.describes_saved = 70;
    st.detail_cache_hits = 2;
    st.apigw_stage_calls = 9;
    st.apigw_stage_reads_saved = 4;
    st.dns_lookups = 6;
    st.wall_ms = 12345;
    st.shard_index = 2;
    st.shard_count = 3;
    char *text = render("json", &f, &st, 0, 0);
    report_doc d;
    read_doc(text, &d);
    assert_int_equal(d.as_of, AS_OF);
    assert_int_equal(d.f.n, 4);
    assert_int_equal(d.f.n_gaps, 1);
    assert_int_equal(d.f.n_resolved, 1);
    assert_int_equal(d.st.shard_index, 2);
    assert_int_equal(d.st.shard_count, 3);
    assert_int_equal(d.st.api_calls, 321);
    assert_int_equal(d.st.describes, 5);
    assert_int_equal(d.st.describes_saved, 70);
    assert_int_equal(d.st.detail_cache_hits, 2);
    assert_int_equal(d.st.apigw_stage_calls, 9);
    assert_int_equal(d.st.apigw_stage_reads_saved, 4);
    assert_int_equal(d.st.dns_lookups, 6);
    assert_string_equal(d.f.gaps[0].account_name, "audit-denied");
    for (size_t i = 0; i < d.f.n; i++) {
        const scanner_finding *fd = &d.f.v[i];
        assert_ptr_equal(fd->rule, scanner_rule_find(fd->rule)->id);      /* the table's own */
        assert_ptr_equal(fd->remediation, scanner_rule_find(fd->rule)->remediation);
        if (strcmp(fd->rule, "expired") == 0) {
            assert_int_equal(fd->source, SCANNER_SRC_IAM_SERVER_CERT);
            assert_int_equal(fd->label, SCANNER_LABEL_ESCALATED);
            assert_int_equal(fd->prev_severity, SCANNER_SEV_HIGH);
            assert_int_equal(fd->first_seen, AS_OF - 20 * DAY);
            assert_string_equal(fd->suppressed_by, "freeze");
            assert_int_equal(fd->suppressed_until, AS_OF + 30 * DAY);
        }
        if (strcmp(fd->rule, "expiring") == 0) {
            assert_string_equal(fd->account_name, "shop-prod");
            assert_string_equal(fd->ou_path, "Root/Production/Payments");
            assert_string_equal(scanner_tags_get(&fd->tags, "a=b"), "c;d\\e");
            assert_string_equal(scanner_tags_get(&fd->account_tags, "owner"), "=sec@example.com");
        }
    }
    char *again = render_doc(&d);
    assert_string_equal(again, text);
    free(again);
    free(text);
    report_doc_finish(&d);
    report_doc_finish(NULL);
    scanner_findings_finish(&f);
}

/* A report written before names, paths and tags (issue 11) still reads:
 * the new members are optional, and API Gateway tags that then lived in
 * details.tags become the finding's tags. */
static void read_report_without_names(void **state)
{
    (void)state;
    scanner_findings f;
    sample(&f);
    char *text = render("json", &f, NULL, 0, 0);
    scanner_findings_finish(&f);
    json_object *doc = json_tokener_parse(text);
    assert_non_null(doc);
    json_object *fa = get(doc, "findings");
    for (size_t i = 0; i < json_object_array_length(fa); i++) {
        json_object *fo = json_object_array_get_idx(fa, i);
        json_object_object_del(fo, "account_name");
        json_object_object_del(fo, "ou_path");
        json_object_object_del(fo, "tags");
        json_object_object_del(fo, "account_tags");
        if (i == 0)
            json_object_object_add(fo, "details",
                                   json_tokener_parse("{\"tags\": {\"team\": \"web\"}}"));
    }
    report_doc d;
    read_doc(json_object_to_json_string(doc), &d);
    assert_int_equal(d.f.n, 3);
    for (size_t i = 0; i < d.f.n; i++) {
        assert_null(d.f.v[i].account_name);
        assert_null(d.f.v[i].ou_path);
        assert_int_equal(d.f.v[i].account_tags.n, 0);
    }
    assert_int_equal(d.f.v[0].tags.n, 1);
    assert_string_equal(scanner_tags_get(&d.f.v[0].tags, "team"), "web");
    assert_int_equal(d.f.v[1].tags.n, 0);
    /* A tags member that is not {"key": "string"} is refused, with where. */
    json_object_object_add(json_object_array_get_idx(fa, 1), "tags",
                           json_tokener_parse("{\"team\": 1}"));
    char why[200] = "";
    report_doc_finish(&d);
    report_doc bad;
    report_doc_init(&bad);
    const char *t = json_object_to_json_string(doc);
    assert_int_equal(report_read_doc(t, strlen(t), &bad, why, sizeof(why)), AWS_EPARSE);
    assert_string_equal(why, "findings[1]: tags.team is not a string");
    report_doc_finish(&bad);
    json_object_put(doc);
    free(text);
}

/* A document that is not a report this build writes is refused with the
 * place of the problem; the document stays empty. */
static void read_rejects(void **state)
{
    (void)state;
    scanner_findings f;
    sample(&f);
    char *good = render("json", &f, NULL, 0, 0);
    scanner_findings_finish(&f);
    static const struct { const char *from, *to, *why; int rc; } cases[] = {
        { "\"schema\": \"certsweep.scan/1\"", "\"schema\": \"certsweep.scan/2\"",
          "schema is \"certsweep.scan/2\", this certsweep reads \"certsweep.scan/1\"", AWS_EINVAL },
        { "\"schema\": \"certsweep.scan/1\"", "\"schemata\": 1", "not a certsweep JSON report", AWS_EPARSE },
        { "\"rule\": \"weak-key\"", "\"rule\": \"weak-keys\"",
          "findings[2]: rule \"weak-keys\" is not one this certsweep knows", AWS_EPARSE },
        { "\"severity\": \"LOW\"", "\"severity\": \"LOUD\"", "findings[2]: severity is not a severity", AWS_EPARSE },
        { "\"as_of\": \"2026-11-23T10:45:28Z\"", "\"as_of\": null", "no as_of", AWS_EPARSE },
        { "\"as_of\": \"2026-11-23T10:45:28Z\"", "\"as_of\": \"soon\"", "as_of is not a time", AWS_EPARSE },
        { "\"source\": \"acm\"", "\"source\": \"dns\"", "findings[0]: source is not a certificate source", AWS_EPARSE },
        { "\"account_id\": \"333333333333\"", "\"account_id\": 3", "coverage_gaps[0]: account_id is not a string", AWS_EPARSE },
        { "\"wall_ms\": 0", "\"wall_ms\": 0, \"shard\": \"4/3\"", "stats: shard is not K/N", AWS_EPARSE },
        { "\"findings\": [", "\"findingz\": [", "no findings", AWS_EPARSE },
        { "}\n", "", "not a JSON document", AWS_EPARSE },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *at = strstr(good, cases[i].from);
        if (!at)
            fail_msg("case %zu: '%s' not in the document", i, cases[i].from);
        if (strcmp(cases[i].from, "}\n") == 0)
            at = strrchr(good, '}');
        size_t pre = (size_t)(at - good), fl = strlen(cases[i].from), tl = strlen(cases[i].to);
        char *bad = malloc(strlen(good) - fl + tl + 1);
        assert_non_null(bad);
        memcpy(bad, good, pre);
        memcpy(bad + pre, cases[i].to, tl);
        strcpy(bad + pre + tl, at + fl);
        report_doc d;
        report_doc_init(&d);
        char why[300] = "";
        int rc = report_read_doc(bad, strlen(bad), &d, why, sizeof(why));
        if (rc != cases[i].rc || !strstr(why, cases[i].why))
            fail_msg("case %zu: rc %d '%s', want '%s'", i, rc, why, cases[i].why);
        assert_int_equal(d.f.n, 0);
        assert_int_equal(d.f.n_gaps, 0);
        free(bad);
    }
    free(good);
    report_doc d;
    report_doc_init(&d);
    char why[300];
    assert_int_equal(report_read_doc("[1, 2]", 6, &d, why, sizeof(why)), AWS_EPARSE);
    assert_non_null(strstr(why, "not a certsweep JSON report"));
}

/* Splits the rich sample by account into three shard documents. */
static void shard_docs(report_doc docs[3])
{
    scanner_findings f;
    rich_sample(&f);
    for (int k = 0; k < 3; k++) {
        report_doc_init(&docs[k]);
        docs[k].as_of = AS_OF;
        docs[k].st.shard_index = k + 1;
        docs[k].st.shard_count = 3;
        docs[k].st.api_calls = 10 * (uint64_t)(k + 1);
        docs[k].st.describes = (uint64_t)(k + 1);
        docs[k].st.regions = 2;
        docs[k].st.wall_ms = 1000 * (k + 1);
    }
    for (size_t i = 0; i < f.n; i++) {
        int k = f.v[i].account_id[0] - '1';          /* 1.. -> shard 1, 2.. -> 2, others 3 */
        if (k > 2)
            k = 2;
        assert_int_equal(scanner_findings_add(&docs[k].f, &f.v[i]), 0);
    }
    f.n = 0;
    assert_int_equal(scanner_findings_add_resolved(&docs[2].f, &f.resolved[0]), 0);
    f.n_resolved = 0;
    /* The same gap in two shards (kept once), another in one. */
    for (int k = 0; k < 2; k++)
        assert_int_equal(scanner_findings_add_gap(&docs[k].f, "123456789012", "*", "ListAccounts",
                                                  "AccessDenied", "cannot list"), 0);
    assert_int_equal(scanner_findings_add_gap(&docs[2].f, f.gaps[0].account_id, f.gaps[0].region,
                                              f.gaps[0].operation, f.gaps[0].error_code,
                                              f.gaps[0].message), 0);
    scanner_findings_finish(&f);
}

static void merge_shards(void **state)
{
    (void)state;
    report_doc docs[3], out;
    const char *names[3] = { "s1.json", "s2.json", "s3.json" };
    shard_docs(docs);
    report_doc_init(&out);
    char why[600] = "";
    /* In any order. */
    report_doc tmp = docs[0];
    docs[0] = docs[2];
    docs[2] = tmp;
    if (report_merge(docs, names, 3, &out, why, sizeof(why)) != 0)
        fail_msg("merge: %s", why);
    assert_int_equal(out.as_of, AS_OF);
    assert_int_equal(out.f.n, 4);
    assert_int_equal(out.f.n_resolved, 1);
    assert_int_equal(out.f.n_gaps, 2);
    assert_int_equal(out.st.api_calls, 60);
    assert_int_equal(out.st.describes, 6);
    assert_int_equal(out.st.regions, 2);
    assert_int_equal(out.st.wall_ms, 3000);
    assert_int_equal(out.st.shard_count, 0);             /* the merged report is whole */
    assert_int_equal(out.st.findings[SCANNER_SEV_CRITICAL], 2);
    /* The merged report equals the one the whole sample gives (but stats). */
    scanner_findings whole;
    rich_sample(&whole);
    assert_int_equal(scanner_findings_add_gap(&whole, "123456789012", "*", "ListAccounts",
                                              "AccessDenied", "cannot list"), 0);
    char *a = render("json", &whole, &out.st, 0, 0);
    char *b = render_doc(&out);
    json_object *ja = json_tokener_parse(a), *jb = json_tokener_parse(b);
    assert_true(json_object_equal(get(ja, "findings"), get(jb, "findings")));
    assert_true(json_object_equal(get(ja, "resolved"), get(jb, "resolved")));
    assert_int_equal(json_object_array_length(get(jb, "coverage_gaps")), 2);
    json_object_put(ja);
    json_object_put(jb);
    free(a);
    free(b);
    scanner_findings_finish(&whole);
    report_doc_finish(&out);
}

static void merge_refuses(void **state)
{
    (void)state;
    const char *names[3] = { "s1.json", "s2.json", "s3.json" };
    static const struct { int what; const char *why; } cases[] = {
        { 0, "s1.json was judged as of 2026-11-23T10:45:28Z but s2.json as of 2026-11-23T10:45:29Z" },
        { 1, "s1.json and s3.json are both shard 1/3" },
        { 2, "shard 3/3 is missing" },
        { 3, "s2.json is shard 2/4 but s1.json is shard 1/3" },
        { 4, "s3.json is not a shard's report but s1.json is" },
        { 5, "is in both s1.json and s3.json" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        report_doc docs[3], out;
        shard_docs(docs);
        size_t n = 3;
        switch (cases[i].what) {
        case 0: docs[1].as_of++; break;
        case 1: docs[2].st.shard_index = 1; break;
        case 2: n = 2; break;
        case 3: docs[1].st.shard_count = 4; break;
        case 4: docs[2].st.shard_count = 0; docs[2].st.shard_index = 0; break;
        case 5: {
            scanner_finding fd = docs[0].f.v[0];
            fd.account_id = dup(fd.account_id);
            fd.region = dup(fd.region);
            fd.resource_type = fd.resource_arn = fd.domain = fd.title = fd.details = NULL;
            fd.details_json = fd.console_url = fd.suppressed_by = fd.suppressed_reason = NULL;
            fd.account_name = fd.ou_path = NULL;
            scanner_tags_init(&fd.tags);
            scanner_tags_init(&fd.account_tags);
            fd.resource_id = dup(fd.resource_id);
            assert_int_equal(scanner_findings_add(&docs[2].f, &fd), 0);
            break;
        }
        }
        report_doc_init(&out);
        char why[600] = "";
        int rc = report_merge(docs, names, n, &out, why, sizeof(why));
        if (rc != AWS_EINVAL || !strstr(why, cases[i].why))
            fail_msg("case %zu: rc %d '%s', want '%s'", i, rc, why, cases[i].why);
        assert_int_equal(out.f.n, 0);
        for (size_t k = 0; k < 3; k++) {
            if (k < n)
                assert_int_equal(docs[k].f.n, 0);        /* emptied either way */
            report_doc_finish(&docs[k]);
        }
    }
    report_doc none;
    char why[100];
    report_doc_init(&none);
    assert_int_equal(report_merge(NULL, NULL, 0, &none, why, sizeof(why)), AWS_EINVAL);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(json_document),
        cmocka_unit_test(json_empty),
        cmocka_unit_test(csv_quoting),
        cmocka_unit_test(table_rows_in_order),
        cmocka_unit_test(table_truncates_and_sanitizes),
        cmocka_unit_test(table_empty),
        cmocka_unit_test(formats_and_errors),
        cmocka_unit_test(judge_then_json),
        cmocka_unit_test(json_round_trip),
        cmocka_unit_test(json_streamed_is_pretty_form),
        cmocka_unit_test(read_rejects),
        cmocka_unit_test(read_report_without_names),
        cmocka_unit_test(merge_shards),
        cmocka_unit_test(merge_refuses),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
