/* Unit tests: scanner/suppress.c (load, validate, apply, report). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "aws/error.h"
#include "scanner/finding.h"
#include "scanner/suppress.h"

#define NOW ((int64_t)1795430728)       /* 2026-11-23T10:45:28Z */

static char *write_tmp(const char *text)
{
    char *path = strdup("/tmp/certsweep-supp-XXXXXX");
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    return path;
}

/* Loads text; returns the return code and what was said on errs. */
static int load(scanner_suppressions *s, const char *text, char **said)
{
    char *path = write_tmp(text);
    size_t len = 0;
    FILE *errs = open_memstream(said, &len);
    int rc = scanner_suppressions_load(s, path, errs);
    fclose(errs);
    unlink(path);
    free(path);
    return rc;
}

static void good_file(void **state)
{
    (void)state;
    scanner_suppressions s;
    scanner_suppressions_init(&s);
    char *said = NULL;
    int rc = load(&s,
        "; our known exceptions\n"
        "[suppress legacy-lb]\n"
        "account = 222222222222\n"
        "rule = expir*\n"
        "reason = retired in Q1 (SEC-1)\n"
        "expires = 2027-03-31\n"
        "\n"
        "[suppress lab]\n"
        "domain = *.lab.example.com\n"
        "reason = lab certificates\n"
        "expires = 2026-01-01T00:00:00Z\n", &said);
    assert_int_equal(rc, 0);
    assert_string_equal(said, "");
    assert_int_equal(s.n, 2);
    assert_string_equal(s.v[0].name, "legacy-lb");
    assert_int_equal(s.v[0].line, 2);
    assert_string_equal(s.v[0].rule, "expir*");
    /* A bare date is "through that day". */
    assert_int_equal(s.v[0].expires, 1806451200 + 86400);
    assert_int_equal(s.v[1].expires, 1767225600);
    free(said);
    scanner_suppressions_finish(&s);
    scanner_suppressions_finish(NULL);
}

static void every_problem_with_its_line(void **state)
{
    (void)state;
    scanner_suppressions s;
    scanner_suppressions_init(&s);
    char *said = NULL;
    int rc = load(&s,
        "stray = 1\n"                       /* 1 */
        "[suppress a]\n"                    /* 2: no reason, no expires */
        "rule = expird\n"                   /* 3: unknown rule */
        "[suppress b]\n"                    /* 4: matches everything */
        "reason = x\n"
        "expires = soon\n"                  /* 6 */
        "colour = red\n"                    /* 7 */
        "[suppress b]\n"                    /* 8: duplicate */
        "[other]\n",                        /* 9 */
        &said);
    assert_int_equal(rc, AWS_EINVAL);
    const char *want[] = {
        ":1: 'stray' outside an entry",
        ":2: [suppress a] has no reason",
        ":2: [suppress a] has no expires date",
        ":3: rule 'expird' names no rule",
        ":4: [suppress b] matches every finding",
        ":6: expires 'soon' is not a date",
        ":7: unknown key 'colour'",
        ":8: duplicate entry [suppress b]",
        ":9: unknown section [other]",
    };
    for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++)
        if (!strstr(said, want[i]))
            fail_msg("missing '%s' in:\n%s", want[i], said);
    /* One line per problem. */
    size_t lines = 0;
    for (const char *p = said; *p; p++)
        lines += *p == '\n';
    assert_int_equal(lines, sizeof(want) / sizeof(want[0]));
    free(said);
    scanner_suppressions_finish(&s);

    scanner_suppressions_init(&s);
    said = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&said, &len);
    assert_int_equal(scanner_suppressions_load(&s, "/nonexistent/supp.ini", errs), AWS_EIO);
    fclose(errs);
    assert_non_null(strstr(said, "/nonexistent/supp.ini: No such file"));
    free(said);
    scanner_suppressions_finish(&s);
}

static void add(scanner_findings *f, const char *account, const char *rule,
                const char *arn, const char *domain, scanner_severity sev)
{
    scanner_finding fd;
    memset(&fd, 0, sizeof(fd));
    scanner_finding_id(account, "eu-west-1", arn, rule, fd.id);
    fd.rule = rule;
    fd.severity = sev;
    fd.account_id = strdup(account);
    fd.region = strdup("eu-west-1");
    fd.resource_arn = strdup(arn);
    fd.domain = domain ? strdup(domain) : NULL;
    assert_int_equal(scanner_findings_add(f, &fd), 0);
}

static void collect(const char *line, void *ud)
{
    char *buf = ud;
    strncat(buf, line, 4095 - strlen(buf));
    strncat(buf, "\n", 4095 - strlen(buf));
}

static void apply_and_report(void **state)
{
    (void)state;
    scanner_suppressions s;
    scanner_suppressions_init(&s);
    char *said = NULL;
    assert_int_equal(load(&s,
        "[suppress legacy]\naccount = 2222*\nrule = expir*\nreason = retired\nexpires = 2027-03-31\n"
        "[suppress old]\ndomain = *.old.example.com\nreason = gone\nexpires = 2026-01-01\n"
        "[suppress unused]\nresource = arn:nothing:*\nreason = r\nexpires = 2030-01-01\n",
        &said), 0);
    free(said);
    scanner_findings f;
    scanner_findings_init(&f);
    add(&f, "222222222222", "expiring", "arn:a", "a.example.com", SCANNER_SEV_HIGH);
    add(&f, "222222222222", "weak-key", "arn:a", "a.example.com", SCANNER_SEV_LOW);
    add(&f, "111111111111", "expired", "arn:b", "www.old.example.com", SCANNER_SEV_CRITICAL);
    assert_int_equal(scanner_suppressions_apply(&s, &f, NOW), 1);
    assert_string_equal(f.v[0].suppressed_by, "legacy");
    assert_string_equal(f.v[0].suppressed_reason, "retired");
    assert_int_equal(f.v[0].suppressed_until, 1806451200 + 86400);
    assert_null(f.v[1].suppressed_by);          /* rule glob does not match weak-key */
    assert_null(f.v[2].suppressed_by);          /* its entry has expired */
    char buf[4096] = "";
    scanner_suppressions_report(&s, NOW, collect, buf);
    assert_non_null(strstr(buf, "[suppress old] expired on 2026-01-01 and no longer applies"));
    assert_non_null(strstr(buf, "[suppress unused] matched no finding in this run"));
    assert_null(strstr(buf, "[suppress legacy]"));
    /* After the entry's end, the finding is no longer suppressed. */
    scanner_findings g;
    scanner_findings_init(&g);
    add(&g, "222222222222", "expiring", "arn:a", NULL, SCANNER_SEV_HIGH);
    assert_int_equal(scanner_suppressions_apply(&s, &g, 1806451200 + 86400), 0);
    assert_null(g.v[0].suppressed_by);
    scanner_findings_finish(&g);
    scanner_findings_finish(&f);
    scanner_suppressions_finish(&s);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(good_file),
        cmocka_unit_test(every_problem_with_its_line),
        cmocka_unit_test(apply_and_report),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
