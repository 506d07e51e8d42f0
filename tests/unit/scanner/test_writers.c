/* Unit tests: report/outputs.c (the --output plan), report/html.c and
 * report/jsonl.c. */
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
#include "aws/text.h"
#include "report/outputs.h"
#include "report/report.h"
#include "scanner/finding.h"
#include "scanner/rules.h"

#define AS_OF ((int64_t)1795430728)     /* 2026-11-23T10:45:28Z */
#define DAY   ((int64_t)86400)

/* ---- the --output plan ---------------------------------------------------- */

static const char *const k_all[] = {
    "table", "json", "csv", "asff", "html", "jsonl", "prometheus", NULL,
};
static const char *const k_no_prom[] = { "table", "json", "csv", "asff", "html", "jsonl", NULL };

static void extensions_pick_formats(void **state)
{
    (void)state;
    static const struct { const char *path, *format; } cases[] = {
        { "r.json", "json" }, { "r.csv", "csv" }, { "r.asff.json", "asff" },
        { "out/r.html", "html" }, { "r.jsonl", "jsonl" }, { "/var/lib/x/certsweep.prom", "prometheus" },
        { "r.txt", "table" }, { "r.xml", NULL }, { "r", NULL }, { "r.JSON", NULL },
        { ".json", NULL }, { "dir/.json", NULL }, { "r.json.bak", NULL }, { "-", NULL },
        { "", NULL }, { "x.asff", NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const char *got = report_format_by_extension(cases[i].path);
        if (!cases[i].format)
            assert_null(got);
        else {
            assert_non_null(got);
            assert_string_equal(got, cases[i].format);
        }
    }
}

/* REPORT_OUTPUT_EXTENSIONS (quoted by --help, the man page and README) is
 * the table's list, and every listed extension picks a format. */
static void extension_help_matches_table(void **state)
{
    (void)state;
    char buf[256] = "";
    const char *const *e = report_output_extensions();
    for (size_t i = 0; e[i]; i++) {
        char name[32];
        snprintf(name, sizeof(name), "r%s", e[i]);
        assert_non_null(report_format_by_extension(name));
        if (i)
            strncat(buf, ", ", sizeof(buf) - strlen(buf) - 1);
        strncat(buf, e[i], sizeof(buf) - strlen(buf) - 1);
    }
    assert_string_equal(buf, REPORT_OUTPUT_EXTENSIONS);
}

typedef struct plan_case {
    const char *paths[4];
    size_t n;
    const char *flag;          /* --format */
    const char *want[4];       /* formats; NULL want[0] with err: refused */
    const char *err;           /* a piece of the one-line error */
} plan_case;

static void plan_rules(void **state)
{
    (void)state;
    static const plan_case cases[] = {
        /* no --output: standard output, --format else the default */
        { { NULL }, 0, NULL, { "table" }, NULL },
        { { NULL }, 0, "json", { "json" }, NULL },
        /* one file: --format wins over the extension */
        { { "r.txt" }, 1, "json", { "json" }, NULL },
        { { "r.csv" }, 1, "json", { "json" }, NULL },
        { { "r.csv" }, 1, NULL, { "csv" }, NULL },
        { { "r.data" }, 1, "csv", { "csv" }, NULL },
        /* several: extensions; --format for - and unknown extensions */
        { { "a.json", "b.csv", "c.html", "d.jsonl" }, 4, NULL,
          { "json", "csv", "html", "jsonl" }, NULL },
        { { "a.json", "-", "r.asff.json" }, 3, "csv", { "json", "csv", "asff" }, NULL },
        { { "a.json", "r.out" }, 2, "csv", { "json", "csv" }, NULL },
        { { "-" }, 1, NULL, { "table" }, NULL },
        { { "a.json", "b.prom" }, 2, NULL, { "json", "prometheus" }, NULL },
        /* refused */
        { { "r.xml" }, 1, NULL, { NULL },
          "--output 'r.xml': unknown extension \xe2\x80\x94 use " REPORT_OUTPUT_EXTENSIONS
          ", or name the format with --format" },
        { { "a.json", "b" }, 2, NULL, { NULL }, "--output 'b': unknown extension" },
        { { "a.json", "b.csv" }, 2, "html", { NULL }, "--format html applies to no --output" },
        { { "a.json", "a.json" }, 2, NULL, { NULL }, "--output 'a.json' is given twice" },
        { { "-", "-" }, 2, NULL, { NULL }, "--output '-' is given twice" },
        { { "" }, 1, NULL, { NULL }, "--output needs a file name" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        const plan_case *c = &cases[i];
        report_output out[REPORT_OUTPUTS_MAX];
        size_t n = 99;
        char err[400];
        int rc = report_outputs_plan(c->paths, c->n, c->flag, "table", k_all, out, &n, err,
                                     sizeof(err));
        if (!c->want[0]) {
            assert_int_equal(rc, AWS_EINVAL);
            assert_int_equal(n, 0);
            if (!strstr(err, c->err))
                fail_msg("case %zu: '%s' lacks '%s'", i, err, c->err);
            assert_null(strchr(err, '\n'));
            continue;
        }
        assert_int_equal(rc, 0);
        assert_int_equal(n, c->n ? c->n : 1);
        for (size_t k = 0; k < n; k++) {
            assert_string_equal(out[k].path, c->n ? c->paths[k] : "-");
            assert_string_equal(out[k].format, c->want[k]);
        }
    }
}

static void plan_default_and_writable(void **state)
{
    (void)state;
    report_output out[REPORT_OUTPUTS_MAX];
    size_t n;
    char err[400];
    /* [scan] format is the format of standard output only */
    const char *std[] = { "-", "r.csv" };
    assert_int_equal(report_outputs_plan(std, 2, NULL, "json", k_all, out, &n, err,
                                         sizeof(err)), 0);
    assert_string_equal(out[0].format, "json");
    assert_string_equal(out[1].format, "csv");
    /* merge writes no metrics */
    const char *prom[] = { "m.prom" };
    assert_int_equal(report_outputs_plan(prom, 1, NULL, "table", k_no_prom, out, &n, err,
                                         sizeof(err)), AWS_EINVAL);
    assert_string_equal(err, "--output 'm.prom': this command does not write prometheus "
                             "reports");
}

/* REPORT_OUTPUTS_MAX files are taken, one more is refused. */
static void plan_limit(void **state)
{
    (void)state;
    char names[REPORT_OUTPUTS_MAX + 1][32];
    const char *paths[REPORT_OUTPUTS_MAX + 1];
    for (size_t i = 0; i <= REPORT_OUTPUTS_MAX; i++) {
        snprintf(names[i], sizeof(names[i]), "r%zu.json", i);
        paths[i] = names[i];
    }
    report_output out[REPORT_OUTPUTS_MAX];
    size_t n;
    char err[400];
    assert_int_equal(report_outputs_plan(paths, REPORT_OUTPUTS_MAX, NULL, "table", k_all, out,
                                         &n, err, sizeof(err)), 0);
    assert_int_equal(n, REPORT_OUTPUTS_MAX);
    assert_int_equal(report_outputs_plan(paths, REPORT_OUTPUTS_MAX + 1, NULL, "table", k_all,
                                         out, &n, err, sizeof(err)), AWS_EINVAL);
    assert_non_null(strstr(err, "at most 16 reports"));
}

/* ---- the findings the writers get ---------------------------------------- */

static char *dup(const char *s)
{
    char *c = s ? strdup(s) : NULL;
    if (s)
        assert_non_null(c);
    return c;
}

static void add(scanner_findings *f, int resolved, const char *rule, scanner_severity sev,
                const char *account, const char *arn, const char *domain, int64_t not_after,
                const char *title, const char *details, const char *console)
{
    scanner_finding fd;
    memset(&fd, 0, sizeof(fd));
    scanner_finding_id(account, "us-east-1", arn, rule, fd.id);
    fd.rule = scanner_rule_find(rule)->id;
    fd.severity = sev;
    fd.account_id = dup(account);
    fd.region = dup("us-east-1");
    fd.source = SCANNER_SRC_ACM;
    fd.resource_type = dup("AwsCertificateManagerCertificate");
    fd.resource_arn = dup(arn);
    fd.domain = dup(domain);
    fd.not_after = not_after;
    fd.days_to_expiry = not_after ? scanner_days_until(not_after, AS_OF) : 0;
    fd.title = dup(title);
    fd.details = dup(details);
    fd.remediation = scanner_rule_find(rule)->remediation;
    fd.console_url = dup(console);
    if (resolved) {
        fd.label = SCANNER_LABEL_RESOLVED;
        assert_int_equal(scanner_findings_add_resolved(f, &fd), 0);
    } else
        assert_int_equal(scanner_findings_add(f, &fd), 0);
}

#define HOSTILE_DOMAIN "<script src=\"http://evil.example/x.js\"></script>&amp;'\xe2\x80\xae.example.com"

/* Hostile text everywhere a remote string goes, out of order, a gap, a
 * resolved finding. */
static void sample(scanner_findings *f)
{
    scanner_findings_init(f);
    add(f, 0, "weak-key", SCANNER_SEV_LOW, "222222222222",
        "arn:aws:acm:us-east-1:222222222222:certificate/weak", "weak.example.org",
        AS_OF + 100 * DAY, "weak key", "Key algorithm: RSA_1024\n",
        "https://us-east-1.console.aws.amazon.com/acm/home");
    add(f, 0, "expired", SCANNER_SEV_CRITICAL, "111111111111",
        "arn:aws:acm:us-east-1:111111111111:certificate/<img src=x onerror=alert(1)>",
        HOSTILE_DOMAIN, AS_OF - 3 * DAY,
        "bad \xff\xfe bytes, \x01 control, \xc2\x9b C1, \"quotes\" <b>bold</b>",
        "line one\nline <two> & \"three\"\r\n", "javascript:alert(1)");
    add(f, 0, "expiring", SCANNER_SEV_HIGH, "111111111111",
        "arn:aws:acm:us-east-1:111111111111:certificate/soon", "shop.example.com",
        AS_OF + 12 * DAY, "expires in 12 days", "", NULL);
    add(f, 1, "expiring", SCANNER_SEV_MEDIUM, "111111111111",
        "arn:aws:acm:us-east-1:111111111111:certificate/renewed", "renewed.example.com",
        AS_OF + 40 * DAY, "was expiring </td></tr></table>", NULL, NULL);
    assert_int_equal(scanner_findings_add_gap(f, "333333333333", "ap-south-1", "AssumeRole",
                                              "AccessDenied", "not <authorized> & \xc3 cut"), 0);
}

static char *render(const char *format, const scanner_findings *f, const scanner_stats *st)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    assert_non_null(m);
    assert_int_equal(report_write(m, format, f, st, AS_OF, 0), 0);
    assert_int_equal(fclose(m), 0);
    assert_true(aws_utf8_valid(buf, len));
    return buf;
}

/* ---- html ------------------------------------------------------------------ */

static size_t count(const char *s, const char *needle)
{
    size_t n = 0;
    for (const char *p = s; (p = strstr(p, needle)) != NULL; p += strlen(needle))
        n++;
    return n;
}

/* Every '<' opens one of the tags the writer itself writes: remote text
 * never becomes markup. */
static void assert_only_page_tags(const char *out)
{
    static const char *const tags[] = {
        "!DOCTYPE", "html", "head", "meta", "title", "style", "body", "header", "h1", "h2",
        "p", "time", "section", "ul", "li", "table", "thead", "tbody", "tr", "th", "td",
        "span", "div", "details", "summary", "b", "a", "br", "footer", NULL,
    };
    for (const char *p = out; (p = strchr(p, '<')) != NULL; p++) {
        const char *name = p + 1 + (p[1] == '/');
        size_t n = strspn(name, "!ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789");
        int ok = 0;
        for (size_t i = 0; tags[i] && !ok; i++)
            ok = strlen(tags[i]) == n && strncmp(tags[i], name, n) == 0;
        if (!ok)
            fail_msg("unexpected tag at: %.40s", p);
    }
}

static void html_escapes_everything(void **state)
{
    (void)state;
    scanner_findings f;
    sample(&f);
    char *out = render("html", &f, NULL);
    /* nothing is loaded or run: the only tags are the page's own */
    assert_only_page_tags(out);
    assert_null(strstr(out, "url("));
    assert_null(strstr(out, "@import"));
    assert_null(strstr(out, "javascript:alert(1)\""));   /* shown as text, never a link */
    assert_non_null(strstr(out, "default-src 'none'"));
    /* the remote strings, escaped */
    assert_non_null(strstr(out, "&lt;script src=&quot;http://evil.example/x.js&quot;&gt;"
                                "&lt;/script&gt;&amp;amp;&#39;\\u202e.example.com"));
    assert_non_null(strstr(out, "certificate/&lt;img src=x onerror=alert(1)&gt;"));
    assert_non_null(strstr(out, "bad \xef\xbf\xbd"));    /* invalid bytes: U+FFFD */
    assert_non_null(strstr(out, " \xef\xbf\xbd control"));
    assert_non_null(strstr(out, " \xef\xbf\xbd C1"));
    assert_non_null(strstr(out, "&quot;quotes&quot; &lt;b&gt;bold&lt;/b&gt;"));
    assert_non_null(strstr(out, "line one\nline &lt;two&gt; &amp; &quot;three&quot;"));
    assert_non_null(strstr(out, "was expiring &lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;"));
    assert_non_null(strstr(out, "not &lt;authorized&gt; &amp; \xef\xbf\xbd cut"));
    for (const unsigned char *p = (const unsigned char *)out; *p; p++)
        if ((*p < 0x20 && *p != '\n') || *p == 0x7f)
            fail_msg("raw control 0x%02x in the page", *p);
    /* the only link to the outside is the https console URL */
    assert_int_equal(count(out, "href=\""), 2);           /* that one and #gaps */
    assert_non_null(strstr(out, "href=\"https://us-east-1.console.aws.amazon.com/acm/home\""));
    assert_non_null(strstr(out, "href=\"#gaps\""));
    free(out);
    scanner_findings_finish(&f);
}

static void html_sections_in_order(void **state)
{
    (void)state;
    scanner_findings f;
    sample(&f);
    scanner_stats st;
    scanner_stats_init(&st);
    st.accounts = 3;
    st.api_calls = 1234;
    st.apigw_stage_reads_saved = 7;
    st.wall_ms = 4567;
    char *out = render("html", &f, &st);
    /* worst first, whatever the order of the input */
    const char *crit = strstr(out, "<tr class=\"row-CRITICAL\" id=\"f-");
    const char *high = strstr(out, "<tr class=\"row-HIGH\" id=\"f-");
    const char *low = strstr(out, "<tr class=\"row-LOW\" id=\"f-");
    assert_non_null(crit);
    assert_true(crit < high && high < low);
    assert_non_null(strstr(out, ".sev-CRITICAL{background:"));     /* severity colours */
    assert_non_null(strstr(out, "<span class=\"sev sev-CRITICAL\">CRITICAL</span>"));
    const char *gaps = strstr(out, "<h2>Coverage gaps (1)</h2>");
    const char *resolved = strstr(out, "<h2>Resolved (1)</h2>");
    const char *stats = strstr(out, "<h2>Run statistics</h2>");
    assert_true(strstr(out, "<h2>Findings (3)</h2>") < gaps && gaps < resolved &&
                resolved < stats);
    assert_non_null(strstr(out, "<td class=\"nw\">AssumeRole</td><td class=\"nw\">AccessDenied"));
    assert_non_null(strstr(out, "renewed.example.com"));
    assert_non_null(strstr(out, "<tr><th>API calls</th><td class=\"num\">1234</td></tr>"));
    assert_non_null(strstr(out, "<tr><th>API Gateway account-regions whose stages no rule "
                                "needed</th><td class=\"num\">7</td></tr>"));
    assert_non_null(strstr(out, "<td class=\"num\">4.567 s</td>"));
    assert_non_null(strstr(out, "<td class=\"num\">-3</td>"));   /* days of the expired one */
    assert_non_null(strstr(out, "2026-11-23T10:45:28Z"));
    assert_int_equal(count(out, "<tr class=\"row-"), 3);
    free(out);
    scanner_findings_finish(&f);
}

/* The account's name and OU path under its id, the tags in the fold, all
 * escaped (issue 11). */
static void html_names_and_tags(void **state)
{
    (void)state;
    scanner_findings f;
    sample(&f);
    for (size_t i = 0; i < f.n; i++) {
        if (f.v[i].severity != SCANNER_SEV_HIGH)
            continue;
        f.v[i].account_name = strdup("<b>shop</b>");
        f.v[i].ou_path = strdup("Root/Prod & Co");
        assert_int_equal(scanner_tags_add(&f.v[i].tags, "team", "<x>"), 0);
        assert_int_equal(scanner_tags_add(&f.v[i].account_tags, "owner", "sec"), 0);
    }
    char *out = render("html", &f, NULL);
    assert_only_page_tags(out);
    assert_non_null(strstr(out, "<br>&lt;b&gt;shop&lt;/b&gt;<br><span class=\"arn\">Root/Prod &amp; Co"
                                "</span></td>"));
    assert_non_null(strstr(out, "<p><b>Tags:</b> team=&lt;x&gt;</p><p><b>Account tags:</b> owner=sec</p>"));
    assert_int_equal(count(out, "Tags:</b>"), 1);
    free(out);
    scanner_findings_finish(&f);
}

static void html_empty_report(void **state)
{
    (void)state;
    scanner_findings f;
    scanner_findings_init(&f);
    char *out = render("html", &f, NULL);
    assert_true(strncmp(out, "<!DOCTYPE html>\n", 16) == 0);
    assert_non_null(strstr(out, "<p class=\"none\">No findings.</p>"));
    assert_non_null(strstr(out, "<h2>Coverage gaps (0)</h2>"));
    assert_null(strstr(out, "<table><thead>"));
    assert_null(strstr(out, "class=\"warn\""));
    assert_non_null(strstr(out, "</html>\n"));
    free(out);
    scanner_findings_finish(&f);
}

/* ---- jsonl ----------------------------------------------------------------- */

static void jsonl_one_object_a_line(void **state)
{
    (void)state;
    scanner_findings f;
    sample(&f);
    char *out = render("jsonl", &f, NULL);
    static const char *const want_type[] = {
        "finding", "finding", "finding", "resolved", "coverage_gap",
    };
    static const char *const want_sev[] = { "CRITICAL", "HIGH", "LOW", "MEDIUM", NULL };
    size_t line = 0;
    for (char *p = out, *nl; *p; p = nl + 1, line++) {
        nl = strchr(p, '\n');
        assert_non_null(nl);                      /* every line ends */
        *nl = '\0';
        assert_true(line < 5);
        json_tokener *tok = json_tokener_new();
        json_object *o = json_tokener_parse_ex(tok, p, (int)strlen(p));
        assert_int_equal(json_tokener_get_error(tok), json_tokener_success);
        assert_int_equal(json_tokener_get_parse_end(tok), strlen(p));   /* one object, whole */
        json_tokener_free(tok);
        assert_true(json_object_is_type(o, json_type_object));
        json_object_object_foreach(o, key, val) {      /* "type" comes first */
            (void)val;
            assert_string_equal(key, "type");
            break;
        }
        json_object *v;
        assert_true(json_object_object_get_ex(o, "type", &v));
        assert_string_equal(json_object_get_string(v), want_type[line]);
        assert_true(json_object_object_get_ex(o, "as_of", &v));
        assert_string_equal(json_object_get_string(v), "2026-11-23T10:45:28Z");
        if (want_sev[line]) {
            assert_true(json_object_object_get_ex(o, "severity", &v));
            assert_string_equal(json_object_get_string(v), want_sev[line]);
            assert_true(json_object_object_get_ex(o, "id", &v));
        } else {
            assert_true(json_object_object_get_ex(o, "operation", &v));
            assert_string_equal(json_object_get_string(v), "AssumeRole");
        }
        if (line == 0) {
            /* the details' line breaks stay inside the string */
            assert_true(json_object_object_get_ex(o, "details_text", &v));
            assert_string_equal(json_object_get_string(v), "line one\nline <two> & \"three\"\r\n");
        }
        json_object_put(o);
    }
    assert_int_equal(line, 5);
    free(out);
    scanner_findings_finish(&f);
}

static void jsonl_empty_report(void **state)
{
    (void)state;
    scanner_findings f;
    scanner_findings_init(&f);
    char *out = render("jsonl", &f, NULL);
    assert_string_equal(out, "");
    free(out);
    scanner_findings_finish(&f);
}

static void formats_known(void **state)
{
    (void)state;
    assert_int_equal(report_format_known("html"), 1);
    assert_int_equal(report_format_known("jsonl"), 1);
    assert_int_equal(report_format_known("xml"), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(extensions_pick_formats),
        cmocka_unit_test(extension_help_matches_table),
        cmocka_unit_test(plan_rules),
        cmocka_unit_test(plan_default_and_writable),
        cmocka_unit_test(plan_limit),
        cmocka_unit_test(html_escapes_everything),
        cmocka_unit_test(html_sections_in_order),
        cmocka_unit_test(html_names_and_tags),
        cmocka_unit_test(html_empty_report),
        cmocka_unit_test(jsonl_one_object_a_line),
        cmocka_unit_test(jsonl_empty_report),
        cmocka_unit_test(formats_known),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
