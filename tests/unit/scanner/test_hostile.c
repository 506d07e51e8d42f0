/* Unit tests: hostile remote data end to end, offline — oversized names,
 * timestamps out of range, invalid UTF-8, formula cells, terminal control
 * characters, mistyped rule ids.  Parsers (scanner/collect_*.c), rules,
 * findings and the report writers (report/report.c), the log (aws/log.c). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/text.h"
#include "config/config.h"
#include "report/report.h"
#include "scanner/collect.h"
#include "scanner/finding.h"
#include "scanner/rules.h"

#define AS_OF ((int64_t)1795430728)     /* 2026-11-23T10:45:28Z */
#define DAY   ((int64_t)86400)
#define ACCT  "123456789012"
#define REG   "us-east-1"

/* A DescribeCertificate answer: DomainName as raw bytes (not escaped),
 * NotAfter as raw JSON text. */
static char *describe_body(int n, const char *domain, const char *not_after)
{
    aws_buf b;
    aws_buf_init(&b, 1 << 20);
    assert_int_equal(aws_buf_printf(&b,
        "{\"Certificate\":{\"CertificateArn\":\"arn:aws:acm:us-east-1:" ACCT
        ":certificate/0000-%04d\",\"DomainName\":\"%s\",\"Status\":\"ISSUED\","
        "\"Type\":\"IMPORTED\",\"KeyAlgorithm\":\"RSA_2048\",\"NotAfter\":%s,"
        "\"InUseBy\":[]}}", n, domain, not_after), 0);
    return aws_buf_take(&b);
}

static int parse_describe(int n, const char *domain, const char *not_after,
                          scanner_record **r, char *err, size_t errlen)
{
    char *body = describe_body(n, domain, not_after);
    int rc = scanner_acm_parse_describe(body, strlen(body), ACCT, REG, r, err, errlen);
    free(body);
    return rc;
}

static char *write_report(const scanner_findings *f, const char *format)
{
    char *out = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&out, &len);
    assert_non_null(m);
    assert_int_equal(report_write(m, format, f, NULL, AS_OF, 0), 0);
    fclose(m);
    return out;
}

/* Strict: json-c refuses invalid UTF-8 with this flag. */
static json_object *parse_strict(const char *s)
{
    json_tokener *tok = json_tokener_new();
    assert_non_null(tok);
    json_tokener_set_flags(tok, JSON_TOKENER_STRICT | JSON_TOKENER_VALIDATE_UTF8);
    json_object *o = json_tokener_parse_ex(tok, s, (int)strlen(s));
    if (json_tokener_get_error(tok) != json_tokener_success) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(tok);
    return o;
}

/* ---- 2: one oversized name never drops other findings -------------------- */

static void oversized_domain_keeps_every_finding(void **state)
{
    (void)state;
    config c;
    config_init(&c);
    char *big = malloc(5001);
    assert_non_null(big);
    memset(big, 'a', 5000);
    big[5000] = '\0';
    memcpy(big + 4990, ".example.", 9);
    char na[32];
    snprintf(na, sizeof(na), "%lld", (long long)(AS_OF + 5 * DAY));
    scanner_record_set set;
    scanner_record_set_init(&set);
    /* The big one first: the old judge stopped at it. */
    const char *names[] = { big, "one.example.com", "two.example.com", "three.example.com" };
    for (int i = 0; i < 4; i++) {
        scanner_record *r = NULL;
        char err[256];
        assert_int_equal(parse_describe(i, names[i], na, &r, err, sizeof(err)), 0);
        assert_int_equal(scanner_record_set_add(&set, r), 0);
    }
    scanner_findings f;
    scanner_findings_init(&f);
    char err[512];
    assert_int_equal(scanner_rules_judge_ex(&set, &c, AS_OF, &f, err, sizeof(err)), 0);
    assert_string_equal(err, "");
    assert_int_equal(f.n, 4);
    for (size_t i = 0; i < f.n; i++) {
        assert_string_equal(f.v[i].rule, "expiring");
        assert_true(strlen(f.v[i].title) < 1024);
    }
    /* The long name is cut where it is shown, whole in the data. */
    const scanner_finding *fd = &f.v[0];
    assert_non_null(strstr(fd->title, AWS_TEXT_ELLIPSIS " expires in 5 days"));
    assert_string_equal(fd->domain, big);
    json_object *dj = json_tokener_parse(fd->details_json);
    assert_non_null(dj);
    json_object_put(dj);
    scanner_findings_finish(&f);
    scanner_record_set_finish(&set);
    config_finish(&c);
    free(big);
}

/* ---- 3: timestamps --------------------------------------------------------- */

static void timestamps_have_one_range(void **state)
{
    (void)state;
    static const struct { const char *not_after; int ok; } cases[] = {
        { "-9223372036854775808", 0 },          /* INT64_MIN: was days 106751991146502 */
        { "99999999999999", 0 },                /* was a healthy certificate */
        { "18446744073709551615", 0 },
        { "253402300799", 1 },                  /* 9999-12-31T23:59:59Z */
        { "253402300800", 0 },
        { "-62135596800", 1 },                  /* 0001-01-01T00:00:00Z */
        { "-62135596801", 0 },
        { "253402300799.5", 1 },
        { "253402300800.0", 0 },
        { "\"99999999999999\"", 0 },            /* the same as a string */
        { "\"10000-01-01T00:00:00Z\"", 0 },
        { "\"0000-12-31T00:00:00Z\"", 0 },
        { "\"9999-12-31T23:59:59Z\"", 1 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        scanner_record *r = NULL;
        char err[256] = "";
        int rc = parse_describe((int)i, "t.example.com", cases[i].not_after, &r, err, sizeof(err));
        if ((rc == 0) != cases[i].ok)
            fail_msg("NotAfter %s: rc %d (%s)", cases[i].not_after, rc, err);
        if (!cases[i].ok) {
            assert_int_equal(rc, AWS_EPARSE);
            assert_non_null(strstr(err, "NotAfter is not a timestamp"));
        }
        scanner_record_free(r);
    }
    int64_t t = 5;
    assert_int_equal(aws_time_parse("99999999999999", &t), AWS_EINVAL);
    assert_int_equal(aws_time_parse("0000-01-01", &t), AWS_EINVAL);
    assert_int_equal(t, 5);
    assert_true(aws_time_in_range(AWS_TIME_MAX) && !aws_time_in_range(AWS_TIME_MAX + 1));
    assert_true(aws_time_in_range(AWS_TIME_MIN) && !aws_time_in_range(AWS_TIME_MIN - 1));
    /* Day arithmetic never overflows, whatever a record holds. */
    assert_int_equal(scanner_days_until(INT64_MIN, AS_OF), INT64_MIN / DAY);
    assert_int_equal(scanner_days_until(INT64_MAX, INT64_MIN), INT64_MAX / DAY);
    assert_int_equal(scanner_days_until(AWS_TIME_MAX, AWS_TIME_MIN),
                     (AWS_TIME_MAX - AWS_TIME_MIN) / DAY);
    config c;
    config_init(&c);
    scanner_record_set set;
    scanner_record_set_init(&set);
    scanner_record *r = scanner_record_new(SCANNER_SRC_ACM, ACCT, REG);
    assert_non_null(r);
    assert_int_equal(scanner_str_set(&r->arn, "arn:aws:acm:us-east-1:" ACCT ":certificate/x"), 0);
    assert_int_equal(scanner_str_set(&r->status, "PENDING_VALIDATION"), 0);
    r->not_after = INT64_MIN;
    r->created_at = INT64_MIN;
    assert_int_equal(scanner_record_set_add(&set, r), 0);
    scanner_findings f;
    scanner_findings_init(&f);
    assert_int_equal(scanner_rules_judge(&set, &c, INT64_MAX, &f), 0);   /* UBSan: no overflow */
    scanner_findings_finish(&f);
    scanner_record_set_finish(&set);
    config_finish(&c);
}

/* ---- the odd strings ---------------------------------------------------------- */

static const char *const odd[] = {
    "bad\xff\xfe\xc0\xaf.example.com",                  /* invalid UTF-8 */
    "=HYPERLINK(\\\"http://x.example/\\\",\\\"click\\\")",
    "+cmd|' /C calc'!A0",
    "@SUM(1+1)",
    "-2+3",
    "\\tstarts.with.tab",
    "\\rstarts.with.cr",
    "csi\xc2\x9b" "2J.example.com",                     /* U+009B */
    "evil\xe2\x80\xaegpj.example.com",                  /* U+202E */
    "iso\xe2\x81\xa6late\xe2\x81\xa9.example.com",      /* U+2066, U+2069 */
    "esc\\u001b[31m.example.com",
    "lone\\ud800surrogate.example.com",                 /* a JSON escape of nothing */
};
#define N_ODD (sizeof(odd) / sizeof(odd[0]))

static void judge_odd(scanner_findings *f)
{
    config c;
    config_init(&c);
    char na[32];
    snprintf(na, sizeof(na), "%lld", (long long)(AS_OF - 3 * DAY));   /* expired: -3 days */
    scanner_record_set set;
    scanner_record_set_init(&set);
    for (size_t i = 0; i < N_ODD; i++) {
        scanner_record *r = NULL;
        char err[256] = "";
        int rc = parse_describe((int)i, odd[i], na, &r, err, sizeof(err));
        if (rc != 0)
            fail_msg("%zu: %s", i, err);
        /* Read as valid UTF-8 already. */
        assert_true(aws_utf8_valid(r->domain, strlen(r->domain)));
        assert_int_equal(scanner_record_set_add(&set, r), 0);
    }
    scanner_findings_init(f);
    assert_int_equal(scanner_rules_judge(&set, &c, AS_OF, f), 0);
    assert_int_equal(f->n, N_ODD);
    /* A gap quoting remote text cut in the middle of a character. */
    assert_int_equal(scanner_findings_add_gap(f, ACCT, REG, "DescribeCertificate", "ParseError",
                                              "cut \xe2\x80 in \xe2\x80\xae half \xc2\x9b"), 0);
    scanner_record_set_finish(&set);
    config_finish(&c);
}

/* ---- 4: every output is valid UTF-8 ------------------------------------------ */

static void outputs_are_valid_utf8(void **state)
{
    (void)state;
    scanner_findings f;
    judge_odd(&f);
    const char *formats[] = { "json", "csv", "table", "html", "jsonl" };
    for (size_t k = 0; k < sizeof(formats) / sizeof(formats[0]); k++) {
        char *out = write_report(&f, formats[k]);
        if (!aws_utf8_valid(out, strlen(out)))
            fail_msg("%s report is not valid UTF-8", formats[k]);
        if (k == 0) {
            json_object *doc = parse_strict(out);
            assert_non_null(doc);
            json_object *fs = json_object_object_get(doc, "findings");
            assert_int_equal(json_object_array_length(fs), N_ODD);
            json_object_put(doc);
        }
        free(out);
    }
    /* The bytes read as four replacement characters. */
    int seen = 0;
    for (size_t i = 0; i < f.n; i++)
        if (f.v[i].domain && strcmp(f.v[i].domain, "bad\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd"
                                                   "\xef\xbf\xbd.example.com") == 0)
            seen = 1;
    assert_true(seen);
    scanner_findings_finish(&f);
}

/* ---- 5: CSV cells are neutral -------------------------------------------------- */

/* Splits RFC 4180 text into cells: calls cb(cell, row, col). */
static void csv_cells(const char *s, void (*cb)(const char *, size_t, size_t, void *), void *ud)
{
    aws_buf cell;
    aws_buf_init(&cell, 1 << 20);
    size_t row = 0, col = 0;
    while (*s) {
        aws_buf_reset(&cell);
        if (*s == '"') {
            for (s++; *s; s++) {
                if (*s == '"' && s[1] == '"') {
                    aws_buf_putc(&cell, '"');
                    s++;
                } else if (*s == '"') {
                    s++;
                    break;
                } else {
                    aws_buf_putc(&cell, *s);
                }
            }
        } else {
            while (*s && *s != ',' && *s != '\r')
                aws_buf_putc(&cell, *s++);
        }
        cb(cell.data ? cell.data : "", row, col, ud);
        if (*s == ',') {
            s++;
            col++;
        } else if (*s == '\r' && s[1] == '\n') {
            s += 2;
            row++;
            col = 0;
        } else {
            assert_int_equal(*s, '\0');
        }
    }
    aws_buf_finish(&cell);
}

static int plain_number(const char *s)
{
    char *end;
    if (!*s)
        return 0;
    strtod(s, &end);
    return *end == '\0' && strspn(s, "+-0123456789.") == strlen(s);
}

typedef struct csv_seen {
    size_t quoted;          /* domain cells given a leading ' */
    size_t gap_rows;
    int gap_row;            /* the row being read is a coverage gap */
} csv_seen;

static void check_cell(const char *c, size_t row, size_t col, void *ud)
{
    csv_seen *seen = ud;
    if (col == 0) {
        seen->gap_row = strcmp(c, "coverage_gap") == 0;
        seen->gap_rows += seen->gap_row;
        if (row > 0 && !seen->gap_row)
            assert_string_equal(c, "finding");
    }
    if (*c && strchr("=+-@\t\r", *c) && !plain_number(c))
        fail_msg("row %zu col %zu starts a formula: %s", row, col, c);
    for (const unsigned char *p = (const unsigned char *)c; *p; p++)
        if ((*p < 0x20 && *p != '\n' && *p != '\t' && *p != '\r') || *p == 0x7f ||
            (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f))
            fail_msg("row %zu col %zu holds a control character", row, col);
    if (col == 9 && *c == '\'')
        seen->quoted++;
    if (row > 0 && col == 11 && !seen->gap_row)
        assert_string_equal(c, "-3");               /* a plain number stays one */
}

static void csv_cells_are_neutral(void **state)
{
    (void)state;
    scanner_findings f;
    judge_odd(&f);
    char *out = write_report(&f, "csv");
    csv_seen seen = { 0, 0, 0 };
    csv_cells(out, check_cell, &seen);
    assert_int_equal(seen.quoted, 6);               /* = + @ -2+3 tab CR */
    assert_int_equal(seen.gap_rows, f.n_gaps);      /* gap rows are neutral too */
    assert_non_null(strstr(out, "'=HYPERLINK("));
    assert_non_null(strstr(out, ",'-2+3,"));
    assert_non_null(strstr(out, ",'@SUM(1+1),"));
    free(out);
    scanner_findings_finish(&f);
}

/* ---- 6: nothing raw reaches the terminal --------------------------------------- */

static void no_raw_controls(const char *what, const char *s)
{
    for (const unsigned char *p = (const unsigned char *)s; *p; p++) {
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            fail_msg("%s: raw control 0x%02x", what, *p);
        if (p[0] == 0xc2 && p[1] >= 0x80 && p[1] <= 0x9f)
            fail_msg("%s: raw C1 control", what);
        if (p[0] == 0xe2 && p[1] == 0x80 && (p[2] == 0x8e || p[2] == 0x8f ||
                                             (p[2] >= 0xaa && p[2] <= 0xae)))
            fail_msg("%s: raw bidi control", what);
        if (p[0] == 0xe2 && p[1] == 0x81 && p[2] >= 0xa6 && p[2] <= 0xa9)
            fail_msg("%s: raw bidi isolate", what);
        if (p[0] == 0xd8 && p[1] == 0x9c)
            fail_msg("%s: raw arabic letter mark", what);
    }
}

static void table_and_log_show_controls_escaped(void **state)
{
    (void)state;
    scanner_findings f;
    judge_odd(&f);
    char *out = write_report(&f, "table");
    no_raw_controls("table", out);
    assert_non_null(strstr(out, "\\u009b"));
    assert_non_null(strstr(out, "\\u202e"));
    assert_non_null(strstr(out, "\\u2066"));
    free(out);
    scanner_findings_finish(&f);

    char *log = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&log, &len);
    assert_non_null(m);
    aws_log_set_stream(m);
    aws_log_warn("%s/%s: %s", ACCT, "evil\xe2\x80\xae" "1ge", "a\xc2\x9b" "2J\x1b[0m\nb \xff \xd8\x9c");
    /* A line longer than 16 KiB is cut, marked, never dropped. */
    char *big = malloc(20001);
    assert_non_null(big);
    memset(big, 'x', 20000);
    big[20000] = '\0';
    aws_log_warn("%s", big);
    free(big);
    aws_log_set_stream(NULL);
    fclose(m);
    char *second = strchr(log, '\n');
    assert_non_null(second);
    *second++ = '\0';
    assert_true(strlen(second) <= strlen("certsweep: warning: ") + 16 * 1024 + 1);
    assert_true(strlen(second) > 16 * 1000);
    assert_string_equal(second + strlen(second) - 4, AWS_TEXT_ELLIPSIS "\n");
    no_raw_controls("log", log);
    assert_string_equal(log, "certsweep: warning: " ACCT "/evil\\u202e1ge: a\\u009b2J?[0m?b "
                             "\xef\xbf\xbd \\u061c");
    free(log);
}

/* ---- 7: mistyped rule ids -------------------------------------------------------- */

static void unknown_rule_ids_are_config_errors(void **state)
{
    (void)state;
    assert_string_equal(scanner_rule_suggest("expird"), "expired");
    assert_string_equal(scanner_rule_suggest("weak_key"), "weak-key");
    assert_string_equal(scanner_rule_suggest("Expired"), "expired");
    assert_null(scanner_rule_suggest("foo"));
    char *msg = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&msg, &len);
    config c;
    config_init(&c);
    c.rule_check = scanner_rule_check;
    assert_int_equal(config_load_string(&c, "t.conf", "[rules]\n"
                                        "disabled_rules = expird,weak_key, nosuchrule\n", m),
                     AWS_EINVAL);
    fclose(m);
    assert_non_null(strstr(msg, "t.conf:2: [rules] disabled_rules: 'expird' is not a rule "
                                "\xe2\x80\x94 did you mean 'expired'? rules are: expired,"));
    assert_non_null(strstr(msg, "t.conf:2: [rules] disabled_rules: 'weak_key' is not a rule "
                                "\xe2\x80\x94 did you mean 'weak-key'?"));
    assert_non_null(strstr(msg, "'nosuchrule' is not a rule \xe2\x80\x94 rules are: expired,"));
    free(msg);
    config_finish(&c);
    /* Known ids load; so does a flag naming them. */
    config_init(&c);
    c.rule_check = scanner_rule_check;
    assert_int_equal(config_load_string(&c, "t.conf", "[rules]\ndisabled_rules = expired, weak-key\n",
                                        NULL), 0);
    assert_int_equal(c.disabled_rules.n, 2);
    assert_int_equal(config_set(&c, "rules.disabled_rules", "expird", NULL), AWS_EINVAL);
    config_finish(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(oversized_domain_keeps_every_finding),
        cmocka_unit_test(timestamps_have_one_range),
        cmocka_unit_test(outputs_are_valid_utf8),
        cmocka_unit_test(csv_cells_are_neutral),
        cmocka_unit_test(table_and_log_show_controls_escaped),
        cmocka_unit_test(unknown_rule_ids_are_config_errors),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
