/* Unit tests: config/config.c, config/options.c */
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
#include "aws/ratelimit.h"
#include "config/config.h"
#include "config/ini_lines.h"
#include "config/options.h"

#define DASH "\xe2\x80\x94"

/* Captures what a function writes to its errs stream. */
struct capture {
    char *buf;
    size_t len;
    FILE *f;
};

static FILE *cap_open(struct capture *c)
{
    c->buf = NULL;
    c->len = 0;
    c->f = open_memstream(&c->buf, &c->len);
    assert_non_null(c->f);
    return c->f;
}

static const char *cap_text(struct capture *c)
{
    fflush(c->f);
    return c->buf;
}

static void cap_close(struct capture *c)
{
    fclose(c->f);
    free(c->buf);
}

static int count_lines(const char *s)
{
    int n = 0;
    for (; *s; s++)
        n += *s == '\n';
    return n;
}

/* ---- every error class: exact "name:line: problem — fix" output ---- */

static const struct {
    const char *text;
    const char *errors;   /* the whole errs output */
} bad_cases[] = {
    /* syntax */
    { "[aws]\nthis is not a setting\n",
      "t.conf:2: expected 'key = value', a [section] or a comment " DASH " comment the line out with #\n" },
    { "[aws\nfips = yes\n",
      "t.conf:1: section header without ']' " DASH " write it as [section]\n"
      "t.conf:2: key 'fips' is outside any section " DASH " put it under [aws]\n" },
    { "[aws]\n= 3\n",
      "t.conf:2: missing key before '=' " DASH " write 'key = value'\n" },
    { "fips = yes\n",
      "t.conf:1: key 'fips' is outside any section " DASH " put it under [aws]\n" },
    /* unknown section / key */
    { "\n[nope]\nkey = 1\n",
      "t.conf:2: unknown section [nope] " DASH " known sections: [aws], [scan], [rules], [dns], [securityhub], [notify], [email], [sns], [state], [probe], [metrics], [webhook NAME]\n" },
    { "[sacn]\n",
      "t.conf:1: unknown section [sacn] " DASH " did you mean [scan]?\n" },
    { "[scan]\nregoins = all\n",
      "t.conf:2: unknown key 'regoins' in [scan] " DASH " did you mean 'regions'?\n" },
    { "[aws]\nrole_name = x\n",
      "t.conf:2: unknown key 'role_name' in [aws] " DASH " it belongs in [scan]\n" },
    { "[rules]\nzzzzzzzz = 1\n",
      "t.conf:2: unknown key 'zzzzzzzz' in [rules] " DASH " 'certsweep check-config --print-example' lists the known keys\n" },
    /* integers */
    { "[aws]\nmax_attempts = abc\n",
      "t.conf:2: [aws] max_attempts: 'abc' is not a whole number " DASH " write an integer from 1 to 20\n" },
    { "[aws]\nmax_attempts = 3x\n",
      "t.conf:2: [aws] max_attempts: '3x' is not a whole number " DASH " write an integer from 1 to 20\n" },
    { "[aws]\nmax_attempts =\n",
      "t.conf:2: [aws] max_attempts: '' is not a whole number " DASH " write an integer from 1 to 20\n" },
    { "[aws]\nmax_attempts = 21\n",
      "t.conf:2: [aws] max_attempts: 21 is out of range " DASH " use a value from 1 to 20\n" },
    { "[aws]\nmax_attempts = 0\n",
      "t.conf:2: [aws] max_attempts: 0 is out of range " DASH " use a value from 1 to 20\n" },
    { "[aws]\nretry_budget = 99999999999999999999999\n",
      "t.conf:2: [aws] retry_budget: 99999999999999999999999 is out of range " DASH " use a value from 0 to 100000\n" },
    { "[scan]\nconcurrency = -5\n",
      "t.conf:2: [scan] concurrency: -5 is out of range " DASH " use a value from 1 to 1024\n" },
    /* booleans */
    { "[aws]\nfips = maybe\n",
      "t.conf:2: [aws] fips: 'maybe' is not a boolean " DASH " use true/false, yes/no, on/off or 1/0\n" },
    /* enumerations */
    { "[scan]\nformat = xml\n",
      "t.conf:2: [scan] format: 'xml' is not allowed " DASH " use one of: table, json, csv, asff, html, jsonl, prometheus\n" },
    { "[scan]\nfail_on = severe\n",
      "t.conf:2: [scan] fail_on: 'severe' is not allowed " DASH " use one of: critical, high, medium, low, informational, none\n" },
    { "[securityhub]\nmode = centrl\n",
      "t.conf:2: [securityhub] mode: 'centrl' is not allowed " DASH " use one of: member, central\n" },
    { "[scan]\ncollectors = acm, ec2\n",
      "t.conf:2: [scan] collectors: 'ec2' is not allowed " DASH " use some of: acm, apigateway, apigatewayv2, iam\n" },
    /* tiers */
    { "[rules]\nexpiring = 45,30\n",
      "t.conf:2: [rules] expiring: '45,30' is not three day counts " DASH " write medium,high,critical, e.g. 45,30,7\n" },
    { "[rules]\nexpiring = 45,30,7,1\n",
      "t.conf:2: [rules] expiring: '45,30,7,1' is not three day counts " DASH " write medium,high,critical, e.g. 45,30,7\n" },
    { "[rules]\nexpiring = 45,x,7\n",
      "t.conf:2: [rules] expiring: 'x' is not a whole number " DASH " write medium,high,critical day counts, e.g. 45,30,7\n" },
    { "[rules]\nexpiring = 45,30,-1\n",
      "t.conf:2: [rules] expiring: -1 is out of range " DASH " each tier is from 0 to 3650 days (0 turns it off)\n" },
    { "[rules]\nexpiring_managed = 7,14,30\n",
      "t.conf:2: [rules] expiring_managed: medium (7 days) is less than high (14 days) " DASH " order the tiers medium >= high >= critical, e.g. 45,30,7\n" },
    { "[rules]\nclient_certificate = 45,0,60\n",
      "t.conf:2: [rules] client_certificate: medium (45 days) is less than critical (60 days) " DASH " order the tiers medium >= high >= critical, e.g. 45,30,7\n" },
    /* duplicates */
    { "[aws]\nfips = no\n\n[scan]\n[aws]\nfips = yes\n",
      "t.conf:6: duplicate key [aws] fips (first set on line 2) " DASH " keep only one\n" },
    /* identifiers */
    { "[aws]\nregion = us-east1\n",
      "t.conf:2: [aws] region: 'us-east1' is not a region name " DASH " write a name like us-east-1\n" },
    { "[scan]\nregions = eu-west-1, EU-WEST-2\n",
      "t.conf:2: [scan] regions: 'EU-WEST-2' is not a region name " DASH " write all, or names like us-east-1, eu-west-2\n" },
    { "[scan]\nregions = all, us-east-1\n",
      "t.conf:2: [scan] regions: 'all' is mixed with region names " DASH " write either all or a list of regions\n" },
    { "[scan]\nregions =\n",
      "t.conf:2: [scan] regions: must not be empty " DASH " write at least one item (default: all)\n" },
    { "[scan]\naccounts = 123456789012, 12345678901\n",
      "t.conf:2: [scan] accounts: '12345678901' is not an account id " DASH " an account id is 12 digits, e.g. 123456789012\n" },
    { "[scan]\nexclude_accounts = 12345678901a\n",
      "t.conf:2: [scan] exclude_accounts: '12345678901a' is not an account id " DASH " an account id is 12 digits, e.g. 123456789012\n" },
    { "[scan]\naccounts = 123456789012, 123456789012\n",
      "t.conf:2: [scan] accounts: '123456789012' is listed twice " DASH " list each item once\n" },
    { "[scan]\naccounts = 123456789012,,210987654321\n",
      "t.conf:2: [scan] accounts: empty item or unbalanced quote in '123456789012,,210987654321' " DASH " separate items with single commas\n" },
    { "[scan]\norganizational_units = ou-ab12-abcd1234, ou-ab12\n",
      "t.conf:2: [scan] organizational_units: 'ou-ab12' is not an organizational unit id " DASH " write ou-xxxx-xxxxxxxx, or a root id r-xxxx\n" },
    { "[scan]\nexclude_ous = r-AB12\n",
      "t.conf:2: [scan] exclude_ous: 'r-AB12' is not an organizational unit id " DASH " write ou-xxxx-xxxxxxxx, or a root id r-xxxx\n" },
    { "[scan]\nrole_name = has space\n",
      "t.conf:2: [scan] role_name: 'has space' is not a role name " DASH " use 1 to 64 letters, digits and +=,.@_-\n" },
    { "[scan]\nrole_name =\n",
      "t.conf:2: [scan] role_name: must not be empty " DASH " write a value (default: CertSweepAudit)\n" },
    { "[aws]\nendpoint_url = localhost:4566\n",
      "t.conf:2: [aws] endpoint_url: 'localhost:4566' is not a URL " DASH " write http://host[:port] or https://host[:port]\n" },
    { "[state]\ndir = var/lib\n",
      "t.conf:2: [state] dir: 'var/lib' is not an absolute path " DASH " write a path starting with /\n" },
    { "[rules]\ndisabled_rules = expiring, no such rule\n",
      "t.conf:2: [rules] disabled_rules: 'no such rule' is not a rule id " DASH " rule ids are made of letters, digits and _.-\n" },
    { "[dns]\nservers = 127.0.0.1:5353, resolver.example\n",
      "t.conf:2: [dns] servers: 'resolver.example' is not a name server " DASH " write an IP address with an optional port: 10.0.0.2, 127.0.0.1:5353, [2001:db8::53]:53\n" },
    { "[dns]\nservers = 127.0.0.1:0\n",
      "t.conf:2: [dns] servers: '127.0.0.1:0' is not a name server " DASH " write an IP address with an optional port: 10.0.0.2, 127.0.0.1:5353, [2001:db8::53]:53\n" },
    /* quotes and continuation lines */
    { "[scan]\naccounts = \"123456789012, 210987654321\n",
      "t.conf:2: [scan] accounts: empty item or unbalanced quote in '\"123456789012, 210987654321' " DASH " separate items with single commas\n" },
    { "[scan]\nformat = \"json\n",
      "t.conf:2: [scan] format: unbalanced quote in '\"json' " DASH " close the quote\n" },
    { "[scan]\nformat = json\n  csv\n",
      "t.conf:3: [scan] format: an indented line continues the value, but only lists may span lines " DASH " remove the indentation or join the lines\n" },
    { "[scan]\nformat = json\n  fail_on = low\n",
      "t.conf:3: [scan] format: an indented line continues the value, but only lists may span lines " DASH " remove the indentation if this line is a new key\n" },
    { "[scan]\nregions = us-east-1,\n    eu-west-1, bogus\n",
      "t.conf:3: [scan] regions: 'bogus' is not a region name " DASH " write all, or names like us-east-1, eu-west-2\n" },
    { "[scan]\nregions = us-east-1,\n    all\n",
      "t.conf:3: [scan] regions: 'all' is mixed with region names " DASH " write either all or a list of regions\n" },
};

static void load_reports_each_error_class(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(bad_cases) / sizeof(bad_cases[0]); i++) {
        config c;
        struct capture cap;
        config_init(&c);
        int rc = config_load_string(&c, "t.conf", bad_cases[i].text, cap_open(&cap));
        const char *got = cap_text(&cap);
        if (strcmp(got ? got : "", bad_cases[i].errors) != 0)
            fail_msg("case %zu: input\n%s--- expected\n%s--- got\n%s", i,
                     bad_cases[i].text, bad_cases[i].errors, got ? got : "");
        assert_int_equal(rc, AWS_EINVAL);
        cap_close(&cap);
        config_finish(&c);
    }
}

/* A rejected value leaves the option as it was. */
static void bad_value_keeps_previous(void **state)
{
    (void)state;
    config c;
    config_init(&c);
    assert_int_equal(config_load_string(&c, "t", "[aws]\nmax_attempts = 0\n[scan]\nregions = us-east-1, xx\n"
                                        "[rules]\nexpiring = 1,2,3\n", NULL), AWS_EINVAL);
    assert_int_equal(c.max_attempts, 8);
    assert_int_equal(c.regions.n, 1);
    assert_string_equal(c.regions.v[0], "all");
    assert_int_equal(c.expiring.medium, 45);
    config_finish(&c);
}

/* Every problem is reported (loading goes on), each with its own line. */
static void all_errors_reported_with_lines(void **state)
{
    (void)state;
    const char *text =
        "; comment\n"
        "# comment\n"
        "[aws]\n"
        "fips = 2\n"                      /* 4 */
        "max_attempts = 5 ; inline comment\n"
        "\n"
        "[scan]\r\n"                      /* CRLF */
        "format = json\r\n"
        "fail_on = bad\r\n"               /* 9 */
        "[bogus]\n"                       /* 10 */
        "anything = goes\n"               /* not reported again */
        "[rules]\n"
        "expiring = 1,2\n";               /* 13 */
    config c;
    struct capture cap;
    config_init(&c);
    assert_int_equal(config_load_string(&c, "multi.conf", text, cap_open(&cap)), AWS_EINVAL);
    const char *got = cap_text(&cap);
    assert_int_equal(count_lines(got), 4);
    assert_non_null(strstr(got, "multi.conf:4: [aws] fips: '2' is not a boolean"));
    assert_non_null(strstr(got, "multi.conf:9: [scan] fail_on: 'bad' is not allowed"));
    assert_non_null(strstr(got, "multi.conf:10: unknown section [bogus]"));
    assert_non_null(strstr(got, "multi.conf:13: [rules] expiring: '1,2' is not three day counts"));
    /* The good lines in between were applied. */
    assert_int_equal(c.max_attempts, 5);
    assert_string_equal(c.format, "json");
    cap_close(&cap);
    config_finish(&c);
}

/* A "key = value" line longer than inih's buffer is read whole (a
 * 1,224-character external_id, a long list); a long continuation line is
 * an error at its own line, whatever inih's build. */
static void long_line_is_reported(void **state)
{
    (void)state;
    char text[1200];
    int n = snprintf(text, sizeof(text), "[scan]\naccounts = ");
    for (int i = 0; i < 40; i++)
        n += snprintf(text + n, sizeof(text) - (size_t)n, "%s%012ld", i ? "," : "", 100000000000L + i);
    snprintf(text + n, sizeof(text) - (size_t)n, "\nformat = csv\nfips = x\n");
    config c;
    struct capture cap;
    config_init(&c);
    assert_int_equal(config_load_string(&c, "long.conf", text, cap_open(&cap)), AWS_EINVAL);
    const char *got = cap_text(&cap);
    assert_non_null(strstr(got, "long.conf:4: unknown key 'fips' in [scan] " DASH " it belongs in [aws]\n"));
    assert_int_equal(count_lines(got), 1);
    assert_string_equal(c.format, "csv");
    assert_int_equal(c.accounts.n, 40);
    cap_close(&cap);
    config_finish(&c);

    /* the documented maximum external id, with an inline comment */
    char *big = malloc(1400);
    assert_non_null(big);
    n = snprintf(big, 1400, "[scan]\nexternal_id = ");
    memset(big + n, 'e', 1224);
    snprintf(big + n + 1224, 1400 - (size_t)n - 1224, " ; the vendor's id\nformat = json\n");
    config_init(&c);
    assert_int_equal(config_load_string(&c, "long.conf", big, cap_open(&cap)), 0);
    assert_int_equal(strlen(c.external_id), 1224);
    assert_string_equal(c.format, "json");
    cap_close(&cap);
    config_finish(&c);
    /* one more character is the option's own error, not a line error */
    big[n + 1224] = 'e';
    config_init(&c);
    assert_int_equal(config_load_string(&c, "long.conf", big, cap_open(&cap)), AWS_EINVAL);
    assert_non_null(strstr(cap_text(&cap), "long.conf:2: [scan] external_id is invalid"));
    cap_close(&cap);
    config_finish(&c);

    /* a long continuation line is still reported at its line */
    n = snprintf(big, 1400, "[scan]\naccounts = 111111111111,\n  ");
    for (int i = 0; i < 20; i++)
        n += snprintf(big + n, 1400 - (size_t)n, "%s%012ld", i ? "," : "", 100000000000L + i);
    snprintf(big + n, 1400 - (size_t)n, "\n");
    config_init(&c);
    assert_int_equal(config_load_string(&c, "long.conf", big, cap_open(&cap)), AWS_EINVAL);
    assert_non_null(strstr(cap_text(&cap), "long.conf:3: line longer than "));
    cap_close(&cap);
    config_finish(&c);
    free(big);
}

/* external_id is a secret: no message ever contains its value. */
static void external_id_never_echoed(void **state)
{
    (void)state;
    static const char *const values[] = {
        "secret value with spaces", "\"secret-unbalanced", "x",
        "secretvalue" "\x01",
    };
    for (size_t i = 0; i < sizeof(values) / sizeof(values[0]); i++) {
        char text[256];
        snprintf(text, sizeof(text), "[scan]\nexternal_id = %s\n", values[i]);
        config c;
        struct capture cap;
        config_init(&c);
        assert_int_equal(config_load_string(&c, "s.conf", text, cap_open(&cap)), AWS_EINVAL);
        const char *got = cap_text(&cap);
        assert_non_null(strstr(got, "s.conf:2: [scan] external_id is invalid"));
        assert_null(strstr(got, "secret"));
        assert_null(c.external_id);
        cap_close(&cap);
        struct capture cap2;
        assert_int_equal(config_set(&c, "scan.external_id", values[i], cap_open(&cap2)), AWS_EINVAL);
        got = cap_text(&cap2);
        assert_non_null(strstr(got, "scan.external_id is invalid"));
        assert_null(strstr(got, "secret"));
        cap_close(&cap2);
        config_finish(&c);
    }
    config c;
    config_init(&c);
    assert_int_equal(config_load_string(&c, "s.conf", "[scan]\nexternal_id = \"Ab12:/+=,.@-_\"\n", NULL), 0);
    assert_string_equal(c.external_id, "Ab12:/+=,.@-_");
    config_finish(&c);
}

/* ---- defaults ---- */

static void defaults(void **state)
{
    (void)state;
    config c;
    config_init(&c);
    assert_null(c.profile);
    assert_null(c.region);
    assert_null(c.ca_bundle);
    assert_null(c.endpoint_url);
    assert_int_equal(c.fips, 0);
    assert_int_equal(c.max_attempts, 8);
    assert_int_equal(c.retry_budget, 500);
    assert_int_equal(c.timeout_seconds, 30);
    assert_int_equal(c.accounts.n, 0);
    assert_int_equal(c.organizational_units.n, 0);
    assert_int_equal(c.include_accounts.n, 0);
    assert_int_equal(c.exclude_accounts.n, 0);
    assert_int_equal(c.exclude_ous.n, 0);
    assert_int_equal(c.regions.n, 1);
    assert_string_equal(c.regions.v[0], "all");
    assert_string_equal(c.role_name, "CertSweepAudit");
    assert_string_equal(c.role_session_name, "certsweep");
    assert_null(c.external_id);
    assert_int_equal(c.role_duration_seconds, 3600);
    assert_int_equal(c.assume_role_in_caller_account, 0);
    assert_int_equal(c.collectors.n, 4);
    assert_string_equal(c.collectors.v[0], "acm");
    assert_string_equal(c.collectors.v[1], "apigateway");
    assert_string_equal(c.collectors.v[2], "apigatewayv2");
    assert_string_equal(c.collectors.v[3], "iam");
    assert_int_equal(c.concurrency, 128);
    assert_string_equal(c.fail_on, "high");
    assert_string_equal(c.format, "table");
    assert_int_equal(c.expiring.medium, 45);
    assert_int_equal(c.expiring.high, 30);
    assert_int_equal(c.expiring.critical, 7);
    assert_int_equal(c.expiring_managed.medium, 30);
    assert_int_equal(c.expiring_managed.high, 14);
    assert_int_equal(c.expiring_managed.critical, 7);
    assert_int_equal(c.client_certificate.medium, 45);
    assert_int_equal(c.client_certificate.critical, 7);
    assert_int_equal(c.iam_server_certificate.medium, 45);
    assert_int_equal(c.iam_server_certificate.high, 30);
    assert_int_equal(c.pending_validation_max_days, 3);
    assert_int_equal(c.renewal_pending_days, 30);
    assert_int_equal(c.domain_upload_max_days, 395);
    assert_int_equal(c.stage_without_client_certificate, 0);
    assert_int_equal(c.disabled_rules.n, 0);
    assert_int_equal(c.securityhub_enabled, 1);
    assert_null(c.securityhub_region);
    assert_string_equal(c.securityhub_mode, "member");
    assert_non_null(c.state_dir);
    assert_int_equal(config_validate(&c, NULL), 0);
    config_finish(&c);
    config_finish(NULL);
}

static void state_dir_systemd(void **state)
{
    (void)state;
    /* systemd's StateDirectory= sets STATE_DIRECTORY (':'-separated when
     * several are configured): the first one wins over every default. */
    setenv("STATE_DIRECTORY", "/var/lib/certsweep-unit:/var/lib/other", 1);
    config c;
    config_init(&c);
    assert_string_equal(c.state_dir, "/var/lib/certsweep-unit");
    config_finish(&c);
    /* A relative value is not a directory systemd would give: ignored. */
    setenv("STATE_DIRECTORY", "relative", 1);
    config_init(&c);
    assert_string_not_equal(c.state_dir, "relative");
    config_finish(&c);
    unsetenv("STATE_DIRECTORY");
}

static void state_dir_default(void **state)
{
    (void)state;
    unsetenv("STATE_DIRECTORY");
    if (geteuid() == 0) {
        config c;
        config_init(&c);
        assert_string_equal(c.state_dir, "/var/lib/certsweep");
        config_finish(&c);
        return;
    }
    char *old_home = getenv("HOME") ? strdup(getenv("HOME")) : NULL;
    char *old_xdg = getenv("XDG_STATE_HOME") ? strdup(getenv("XDG_STATE_HOME")) : NULL;
    config c;
    setenv("XDG_STATE_HOME", "/xdg/state", 1);
    config_init(&c);
    assert_string_equal(c.state_dir, "/xdg/state/certsweep");
    config_finish(&c);
    unsetenv("XDG_STATE_HOME");
    setenv("HOME", "/home/someone", 1);
    config_init(&c);
    assert_string_equal(c.state_dir, "/home/someone/.local/state/certsweep");
    /* A relative XDG_STATE_HOME is ignored (XDG spec). */
    setenv("XDG_STATE_HOME", "relative", 1);
    assert_int_equal(config_set(&c, "state.dir", "", NULL), 0);
    assert_string_equal(c.state_dir, "/home/someone/.local/state/certsweep");
    assert_int_equal(config_set(&c, "state.dir", "/srv/cs", NULL), 0);
    assert_string_equal(c.state_dir, "/srv/cs");
    config_finish(&c);
    if (old_home)
        setenv("HOME", old_home, 1);
    if (old_xdg)
        setenv("XDG_STATE_HOME", old_xdg, 1);
    else
        unsetenv("XDG_STATE_HOME");
    free(old_home);
    free(old_xdg);
}

/* ---- good files ---- */

static void load_good_file(void **state)
{
    (void)state;
    const char *text =
        "\xef\xbb\xbf# a BOM first\n"
        "[aws]\n"
        "profile = audit\n"
        "region: eu-central-1\n"
        "endpoint_url = \"http://127.0.0.1:5000\"\n"
        "fips = ON\n"
        "timeout_seconds = 3600\n"
        "[scan]\n"
        "organizational_units = ou-ab12-abcdefgh, r-ab12\n"
        "exclude_accounts = '111111111111', 222222222222\n"
        "include_accounts = \"111111111112, 222222222223\"\n"
        "regions = us-east-1,\n"
        "  eu-west-1, ap-southeast-2,\n"
        "  us-gov-west-1\n"
        "\n"
        "collectors = IAM, acm\n"
        "fail_on = None\n"
        "format = asff\n"
        "role_duration_seconds = 900\n"
        "[rules]\n"
        "expiring = 60, 0, 10\n"
        "disabled_rules = expiring_managed\n"
        "stage_without_client_certificate = yes\n"
        "[securityhub]\n"
        "enabled = off\n"
        "region = us-west-2\n"
        "mode = central\n"
        "[state]\n"
        "dir = /srv/certsweep\n";
    config c;
    struct capture cap;
    config_init(&c);
    int rc = config_load_string(&c, "good.conf", text, cap_open(&cap));
    const char *got = cap_text(&cap);
    if (rc != 0)
        fail_msg("unexpected errors:\n%s", got);
    assert_string_equal(got ? got : "", "");
    assert_string_equal(c.profile, "audit");
    assert_string_equal(c.region, "eu-central-1");
    assert_string_equal(c.endpoint_url, "http://127.0.0.1:5000");
    assert_int_equal(c.fips, 1);
    assert_int_equal(c.timeout_seconds, 3600);
    assert_int_equal(c.organizational_units.n, 2);
    assert_string_equal(c.organizational_units.v[1], "r-ab12");
    assert_int_equal(c.exclude_accounts.n, 2);
    assert_string_equal(c.exclude_accounts.v[0], "111111111111");
    assert_int_equal(c.include_accounts.n, 2);
    assert_string_equal(c.include_accounts.v[1], "222222222223");
    assert_int_equal(c.regions.n, 4);
    assert_string_equal(c.regions.v[0], "us-east-1");
    assert_string_equal(c.regions.v[1], "eu-west-1");
    assert_string_equal(c.regions.v[2], "ap-southeast-2");
    assert_string_equal(c.regions.v[3], "us-gov-west-1");
    assert_int_equal(c.collectors.n, 2);
    assert_string_equal(c.collectors.v[0], "iam");
    assert_string_equal(c.fail_on, "none");
    assert_string_equal(c.format, "asff");
    assert_int_equal(c.role_duration_seconds, 900);
    assert_int_equal(c.expiring.medium, 60);
    assert_int_equal(c.expiring.high, 0);
    assert_int_equal(c.expiring.critical, 10);
    assert_true(config_list_contains(&c.disabled_rules, "expiring_managed"));
    assert_int_equal(c.stage_without_client_certificate, 1);
    assert_int_equal(c.securityhub_enabled, 0);
    assert_string_equal(c.securityhub_region, "us-west-2");
    assert_string_equal(c.securityhub_mode, "central");
    assert_string_equal(c.state_dir, "/srv/certsweep");
    assert_int_equal(config_validate(&c, NULL), 0);
    cap_close(&cap);
    config_finish(&c);
}

static void load_file_errors(void **state)
{
    (void)state;
    config c;
    struct capture cap;
    config_init(&c);
    assert_int_equal(config_load_file(&c, "/nonexistent/certsweep.conf", cap_open(&cap)), AWS_ENOTFOUND);
    assert_non_null(strstr(cap_text(&cap), "/nonexistent/certsweep.conf: cannot open: No such file or directory"));
    cap_close(&cap);

    char path[] = "/tmp/certsweep-cfg-XXXXXX";
    int fd = mkstemp(path);
    assert_true(fd >= 0);
    const char *text = "[scan]\nformat = json\nconcurrency = 0\n";
    assert_int_equal(write(fd, text, strlen(text)), (ssize_t)strlen(text));
    close(fd);
    assert_int_equal(config_load_file(&c, path, cap_open(&cap)), AWS_EINVAL);
    char want[128];
    snprintf(want, sizeof(want), "%s:3: [scan] concurrency: 0 is out of range", path);
    assert_non_null(strstr(cap_text(&cap), want));
    assert_string_equal(c.format, "json");
    cap_close(&cap);
    unlink(path);
    config_finish(&c);
}

/* ---- config_set ---- */

static const struct {
    const char *key, *value;
    int rc;
    const char *errors;
} set_cases[] = {
    { "scan.regions", "us-east-1,eu-west-1", 0, "" },
    { "aws.max_attempts", "3", 0, "" },
    { "rules.expiring", "30,20,10", 0, "" },
    { "securityhub.enabled", "false", 0, "" },
    { "aws.max_attempts", "30", AWS_EINVAL,
      "aws.max_attempts: 30 is out of range " DASH " use a value from 1 to 20\n" },
    { "scan.regions", "us-east-1,nowhere", AWS_EINVAL,
      "scan.regions: 'nowhere' is not a region name " DASH " write all, or names like us-east-1, eu-west-2\n" },
    { "scan.regoins", "all", AWS_EINVAL,
      "unknown option scan.regoins " DASH " did you mean scan.regions?\n" },
    { "nosuch.key", "1", AWS_EINVAL,
      "unknown option nosuch.key " DASH " 'certsweep check-config --print-example' lists the options\n" },
    { "regions", "all", AWS_EINVAL,
      "'regions' is not an option name " DASH " write section.key, e.g. scan.regions\n" },
    /* [aws] rate_overrides: checked against the published table (aws/rates.h). */
    { "aws.rate_overrides", "acm:DescribeCertificate=20, securityhub:*=12.5, apigatewayv2:*=15", 0, "" },
    { "aws.rate_overrides", "acm:DescribeCertificate", AWS_EINVAL,
      "aws.rate_overrides: \"acm:DescribeCertificate\" is not service:Operation=RATE " DASH " write e.g. acm:DescribeCertificate=20\n" },
    { "aws.rate_overrides", "acme:DescribeCertificate=20", AWS_EINVAL,
      "aws.rate_overrides: unknown service \"acme\" in \"acme:DescribeCertificate=20\" " DASH " use acm, apigateway, apigatewayv2, iam, sts, organizations, ec2, securityhub or sns\n" },
    { "aws.rate_overrides", "acm:DescribeCertificates=20", AWS_EINVAL,
      "aws.rate_overrides: \"DescribeCertificates\" has no published rate of its own in \"acm:DescribeCertificates=20\" " DASH " name an operation certsweep paces (README, Pacing, lists them) or use acm:*\n" },
    { "aws.rate_overrides", "acm:ListCertificates=0", AWS_EINVAL,
      "aws.rate_overrides: rate \"0\" in \"acm:ListCertificates=0\" is not a number of requests per second between 0.1 and 100000\n" },
    { "aws.rate_overrides", "acm:ListCertificates=fast", AWS_EINVAL,
      "aws.rate_overrides: rate \"fast\" in \"acm:ListCertificates=fast\" is not a number of requests per second between 0.1 and 100000\n" },
};

static void set_table(void **state)
{
    (void)state;
    config c;
    config_init(&c);
    for (size_t i = 0; i < sizeof(set_cases) / sizeof(set_cases[0]); i++) {
        struct capture cap;
        int rc = config_set(&c, set_cases[i].key, set_cases[i].value, cap_open(&cap));
        const char *got = cap_text(&cap);
        if (rc != set_cases[i].rc || strcmp(got ? got : "", set_cases[i].errors) != 0)
            fail_msg("case %zu (%s=%s): rc %d, errors:\n%s", i, set_cases[i].key,
                     set_cases[i].value, rc, got ? got : "");
        cap_close(&cap);
    }
    /* The good ones stuck, the bad ones changed nothing. */
    assert_int_equal(c.regions.n, 2);
    assert_string_equal(c.regions.v[1], "eu-west-1");
    assert_int_equal(c.max_attempts, 3);
    assert_int_equal(c.expiring.medium, 30);
    assert_int_equal(c.expiring.critical, 10);
    assert_int_equal(c.securityhub_enabled, 0);
    assert_int_equal(c.rate_overrides.n, 3);
    assert_string_equal(c.rate_overrides.v[1], "securityhub:*=12.5");
    config_finish(&c);
}

/* ---- lists ---- */

static void list_parse(void **state)
{
    (void)state;
    config_list l = { NULL, 0 };
    assert_int_equal(config_list_parse(&l, " a , \"b c\" ,'d',"), 0);
    assert_int_equal(l.n, 3);
    assert_string_equal(l.v[0], "a");
    assert_string_equal(l.v[1], "b c");
    assert_string_equal(l.v[2], "d");
    assert_true(config_list_contains(&l, "d"));
    assert_false(config_list_contains(&l, "e"));
    assert_false(config_list_contains(NULL, "a"));
    /* A failed parse leaves the list as it was. */
    assert_int_equal(config_list_parse(&l, "x,,y"), AWS_EINVAL);
    assert_int_equal(config_list_parse(&l, "\"x"), AWS_EINVAL);
    assert_int_equal(config_list_parse(&l, ","), AWS_EINVAL);
    assert_int_equal(l.n, 3);
    assert_int_equal(config_list_parse(&l, "   "), 0);
    assert_int_equal(l.n, 0);
    assert_null(l.v);
    assert_int_equal(config_list_parse(&l, "one"), 0);
    assert_int_equal(l.n, 1);
    config_list_free(&l);
    assert_int_equal(l.n, 0);
    config_list_free(NULL);
}

/* ---- cross-field validation ---- */

static const struct {
    const char *text;
    const char *errors;
} validate_cases[] = {
    { "[scan]\naccounts = 123456789012\norganizational_units = ou-ab12-abcdefgh\n",
      "v.conf: [scan] accounts and [scan] organizational_units are both set " DASH " keep one of them\n" },
    { "[scan]\naccounts = 123456789012\nexclude_ous = r-ab12\n",
      "v.conf: [scan] exclude_ous needs the organization's accounts, but [scan] accounts lists them " DASH " remove exclude_ous or accounts\n" },
    { "[scan]\ninclude_accounts = 123456789012, 111111111111\nexclude_accounts = 111111111111\n",
      "v.conf: account 111111111111 is both in [scan] include_accounts and exclude_accounts " DASH " remove it from one\n" },
};

static void validate_cross_fields(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(validate_cases) / sizeof(validate_cases[0]); i++) {
        config c;
        struct capture cap;
        config_init(&c);
        assert_int_equal(config_load_string(&c, "v.conf", validate_cases[i].text, NULL), 0);
        assert_int_equal(config_validate_as(&c, "v.conf", cap_open(&cap)), AWS_EINVAL);
        assert_string_equal(cap_text(&cap), validate_cases[i].errors);
        cap_close(&cap);
        config_finish(&c);
    }
    /* Values put into the struct directly are checked too. */
    config c;
    struct capture cap;
    config_init(&c);
    free(c.securityhub_mode);
    c.securityhub_mode = strdup("sideways");
    assert_int_equal(config_list_parse(&c.regions, "all,us-east-1"), 0);
    free(c.state_dir);
    c.state_dir = NULL;
    assert_int_equal(config_validate(&c, cap_open(&cap)), AWS_EINVAL);
    const char *got = cap_text(&cap);
    assert_int_equal(count_lines(got), 3);
    assert_non_null(strstr(got, "config: [scan] regions mixes 'all' with region names"));
    assert_non_null(strstr(got, "config: [securityhub] mode is not set to an allowed value"));
    assert_non_null(strstr(got, "config: [state] dir is not an absolute path"));
    cap_close(&cap);
    config_finish(&c);
}

/* ---- the example file and the help ---- */

static char *example_text(void)
{
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    assert_non_null(f);
    config_write_example(f);
    fclose(f);
    return buf;
}

static char *read_all(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f)
        return NULL;
    char *buf = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&buf, &len);
    char chunk[4096];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), f)) > 0)
        fwrite(chunk, 1, n, m);
    fclose(f);
    fclose(m);
    return buf;
}

/* The type shown for a list names what its items are (the example file,
 * check-config, the man page): only region lists say "regions". */
static void list_types_name_their_items(void **state)
{
    (void)state;
    static const struct { const char *section, *key, *type; } want[] = {
        { "scan", "regions", "list of regions" },
        { "scan", "accounts", "list of account ids" },
        { "aws", "rate_overrides", "list of service:Operation=rate items" },
        { "probe", "hosts", "list of host[:port][@address] endpoints" },
        { "dns", "servers", "list of name servers" },
    };
    size_t found = 0;
    for (size_t i = 0; i < config_option_count(); i++) {
        config_option_info info;
        config_option_describe(i, &info);
        int region = strcmp(info.key, "regions") == 0;
        if (strcmp(info.type, "list of regions") == 0 && !region)
            fail_msg("[%s] %s is shown as a list of regions", info.section, info.key);
        for (size_t w = 0; w < sizeof(want) / sizeof(want[0]); w++)
            if (strcmp(info.section, want[w].section) == 0 && strcmp(info.key, want[w].key) == 0) {
                assert_string_equal(info.type, want[w].type);
                found++;
            }
    }
    assert_int_equal(found, sizeof(want) / sizeof(want[0]));
}

/* packaging/certsweep.conf.example is exactly what the code writes. */
static void example_matches_committed_file(void **state)
{
    (void)state;
    const char *src = getenv("SRCDIR");
    if (!src)
        src = "../..";
    char path[4096];
    snprintf(path, sizeof(path), "%s/packaging/certsweep.conf.example", src);
    char *committed = read_all(path);
    if (!committed)
        fail_msg("cannot read %s", path);
    char *now = example_text();
    if (strcmp(committed, now) != 0)
        fail_msg("%s differs from config_write_example(); regenerate it with "
                 "'certsweep check-config --print-example > packaging/certsweep.conf.example'", path);
    free(committed);
    free(now);
}

/* Rows of the option table outside named sections ([webhook NAME]). */
static size_t plain_options(void)
{
    size_t n = 0;
    for (size_t i = 0; i < config_options_count; i++)
        n += !(config_options[i].flags & OPT_NAMED);
    return n;
}

/* The example loads cleanly as is, and with every option uncommented it
 * gives the defaults (named sections are a '#' template: they stay
 * commented). */
static void example_round_trips(void **state)
{
    (void)state;
    char *text = example_text();
    config c, d;
    config_init(&d);
    config_init(&c);
    assert_int_equal(config_load_string(&c, "example", text, stderr), 0);
    /* Uncomment: ";key = value" lines become "key = value". */
    size_t options = 0;
    for (char *p = text; (p = strstr(p, "\n;")) != NULL; p++) {
        memmove(p + 1, p + 2, strlen(p + 2) + 1);
        options++;
    }
    assert_int_equal(options, plain_options());  /* every option of the table */
    assert_true(plain_options() < config_options_count);
    assert_int_equal(c.n_webhooks, 0);
    struct capture cap;
    int rc = config_load_string(&c, "example", text, cap_open(&cap));
    if (rc != 0)
        fail_msg("uncommented example: %s", cap_text(&cap));
    cap_close(&cap);
    assert_int_equal(c.max_attempts, d.max_attempts);
    assert_int_equal(c.regions.n, 1);
    assert_string_equal(c.regions.v[0], "all");
    assert_int_equal(c.collectors.n, 4);
    assert_int_equal(c.expiring_managed.high, 14);
    assert_string_equal(c.fail_on, "high");
    assert_string_equal(c.securityhub_mode, "member");
    assert_int_equal(c.securityhub_enabled, 1);
    assert_null(c.profile);
    assert_null(c.external_id);
    assert_string_equal(c.state_dir, d.state_dir);
    config_finish(&c);
    config_finish(&d);
    free(text);
}

static void help_lists_every_option(void **state)
{
    (void)state;
    char *ex = example_text();
    char *buf = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&buf, &len);
    config_write_help(f);
    fclose(f);
    assert_non_null(strstr(buf, "  aws.max_attempts (integer, 1..20; default: 8)\n"));
    assert_non_null(strstr(buf, "  scan.format (one of: table, json, csv, asff, html, jsonl, prometheus; default: table)\n"));
    assert_non_null(strstr(buf, "  scan.external_id (string; default: unset)\n"));
    /* Every key of the example has a help entry. */
    const char *section = NULL;
    size_t seen = 0;
    char *save = NULL;
    char sec[32] = "";
    for (char *line = strtok_r(ex, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line[0] == '[') {
            snprintf(sec, sizeof(sec), "%.*s", (int)(strlen(line) - 2), line + 1);
            section = sec;
        } else if (line[0] == '#' && line[1] == '[') {
            /* "#[webhook NAME]": help names its keys webhook.NAME.key */
            snprintf(sec, sizeof(sec), "%.*s", (int)(strlen(line) - 3), line + 2);
            char *sp = strchr(sec, ' ');
            if (sp)
                *sp = '.';
            section = sec;
        } else if (line[0] == ';' || (line[0] == '#' && line[1] >= 'a' && line[1] <= 'z')) {
            char want[96];
            snprintf(want, sizeof(want), "  %s.%.*s (", section, (int)strcspn(line + 1, " "), line + 1);
            if (!strstr(buf, want))
                fail_msg("help lacks '%s'", want);
            seen++;
        }
    }
    assert_int_equal(seen, config_options_count);
    free(buf);
    free(ex);
}

/* The help of [aws] retry_budget describes the token pool the transport
 * really uses (aws/ratelimit.h), not a count of retries. */
static void retry_budget_help_states_costs(void **state)
{
    (void)state;
    const struct option_def *o = option_find("aws", "retry_budget");
    assert_non_null(o);
    char want[128];
    snprintf(want, sizeof(want), "a retry costs %d (%d after a timeout)",
             AWS_RETRY_COST, AWS_RETRY_COST_TIMEOUT);
    if (!strstr(o->help, want))
        fail_msg("help '%s' lacks '%s'", o->help, want);
    snprintf(want, sizeof(want), "%d pays for about %d retries",
             AWS_RETRY_QUOTA_DEFAULT, AWS_RETRY_QUOTA_DEFAULT / AWS_RETRY_COST);
    if (!strstr(o->help, want))
        fail_msg("help '%s' lacks '%s'", o->help, want);
    assert_non_null(strstr(o->help, "a success gives tokens back"));
    assert_non_null(strstr(o->help, "0 disables retries"));
    assert_string_equal(o->def, "500");
}

/* config_ini_parse: lines numbered from 1 (CRLF as LF), every line shown
 * to the owner first; a shortened line reaches inih as shortened, a blanked
 * one and one left longer than inih's buffer not at all. */
struct ini_seen {
    char keys[8][64];
    int lines[8];
    size_t n;
    int shown;
};

static config_ini_verdict ini_line(void *ud, char *line, int lineno, size_t max)
{
    struct ini_seen *s = ud;
    s->shown++;
    assert_int_equal(lineno, s->shown);
    if (strncmp(line, "drop", 4) == 0)
        return CONFIG_INI_BLANK;
    if (strncmp(line, "short", 5) == 0 && strlen(line) > max)
        memcpy(line, "short=", 7);
    return CONFIG_INI_PASS;
}

static int ini_key(void *ud, const char *section, const char *name, const char *value, int lineno)
{
    struct ini_seen *s = ud;
    assert_true(s->n < 8);
    snprintf(s->keys[s->n], sizeof(s->keys[0]), "%s.%s=%s", section, name, value);
    s->lines[s->n++] = lineno;
    return 1;
}

static void ini_lines_numbered(void **state)
{
    (void)state;
    char text[2048];
    char longv[600];
    memset(longv, 'v', sizeof(longv) - 1);
    longv[sizeof(longv) - 1] = '\0';
    snprintf(text, sizeof(text), "[a]\r\nx = 1\r\n\ndrop = 2\nshort = %s\nlong = %s\n"
             "[b]\ny=3", longv, longv);
    struct ini_seen s = { .n = 0 };
    assert_int_equal(config_ini_parse(text, strlen(text), ini_line, ini_key, &s), 0);
    assert_int_equal(s.shown, 8);
    assert_int_equal(s.n, 3);
    assert_string_equal(s.keys[0], "a.x=1");
    assert_int_equal(s.lines[0], 2);
    assert_string_equal(s.keys[1], "a.short=");
    assert_int_equal(s.lines[1], 5);
    assert_string_equal(s.keys[2], "b.y=3");
    assert_int_equal(s.lines[2], 8);
}

/* One edit distance for every did-you-mean (config keys, sections, rule
 * ids): letters compared without case; too long is never close. */
static void edit_distance_table(void **state)
{
    (void)state;
    char long64[65], long65[66];
    memset(long64, 'a', 64);
    long64[64] = '\0';
    memset(long65, 'a', 65);
    long65[65] = '\0';
    static const struct { const char *a, *b; size_t d; } rows[] = {
        { "", "", 0 },
        { "", "abc", 3 },
        { "kitten", "sitting", 3 },
        { "expird", "expired", 1 },
        { "Expired", "expired", 0 },
        { "WEAK-KEY", "weak-key", 0 },
        { "weak_key", "weak-key", 1 },
        { "timeout_secnds", "timeout_seconds", 1 },
    };
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++) {
        assert_int_equal(config_edit_distance(rows[i].a, rows[i].b), rows[i].d);
        assert_int_equal(config_edit_distance(rows[i].b, rows[i].a), rows[i].d);
    }
    assert_int_equal(config_edit_distance(long64, long64), 0);
    assert_int_equal(config_edit_distance(long64, ""), 64);
    assert_true(config_edit_distance(long65, long65) == SIZE_MAX);
    assert_true(config_edit_distance("a", long65) == SIZE_MAX);
}

static void default_path(void **state)
{
    (void)state;
    setenv("CERTSWEEP_CONFIG", "/some/where.conf", 1);
    assert_string_equal(config_default_path(), "/some/where.conf");
    setenv("CERTSWEEP_CONFIG", "", 1);
    const char *p = config_default_path();
    if (access("/etc/certsweep/certsweep.conf", F_OK) == 0)
        assert_string_equal(p, "/etc/certsweep/certsweep.conf");
    else
        assert_null(p);
    unsetenv("CERTSWEEP_CONFIG");
}

/* [webhook NAME] sections: one instance per name, defaults from the table,
 * errors naming the section, per-type requirements in validation, and no
 * way to reach a named key through config_set. */
static void webhook_sections(void **state)
{
    (void)state;
    config c;
    config_init(&c);
    const char *text =
        "[webhook jira1]\ntype = jira\nurl = https://x.atlassian.net\nsecret_file = /etc/j\n"
        "project = SEC\n\n[scan]\nfail_on = none\n\n[webhook pd]\ntype = pagerduty\n"
        "secret_env = PD_KEY\nmin_severity = medium\n";
    assert_int_equal(config_load_string(&c, "w.conf", text, stderr), 0);
    assert_int_equal(c.n_webhooks, 2);
    const config_webhook *j = config_webhook_find(&c, "jira1");
    assert_non_null(j);
    assert_string_equal(j->type, "jira");
    assert_string_equal(j->project, "SEC");
    assert_string_equal(j->issue_type, "Task");
    assert_string_equal(j->group_by, "finding");
    assert_string_equal(j->min_severity, "high");
    assert_int_equal(j->timeout_seconds, 15);
    const config_webhook *p = config_webhook_find(&c, "pd");
    assert_string_equal(p->min_severity, "medium");
    assert_null(p->url);
    assert_string_equal(c.fail_on, "none");
    assert_int_equal(config_validate(&c, stderr), 0);
    config_finish(&c);

    static const struct { const char *text, *want; } bad[] = {
        { "[webhook]\n", "w.conf:1: [webhook] needs a name " DASH },
        { "[webhook a]\n[webhook a]\n", "w.conf:2: [webhook a] appears twice " DASH },
        { "[webhook a b]\n", "w.conf:1: [webhook a b]: not a section name " DASH },
        { "[webhook a]\ntpye = jira\n", "w.conf:2: unknown key 'tpye' in [webhook a] " DASH " did you mean 'type'?" },
        { "[webhook a]\ntype = jira\ntype = generic\n", "w.conf:3: duplicate key" },
        { "[webhook a]\ngroup_by = team\n", "w.conf:2: [webhook a] group_by: 'team' is not allowed " DASH },
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
        config_init(&c);
        struct capture cap;
        assert_int_equal(config_load_string(&c, "w.conf", bad[i].text, cap_open(&cap)), AWS_EINVAL);
        if (strncmp(cap_text(&cap), bad[i].want, strlen(bad[i].want)) != 0)
            fail_msg("case %zu: got %s", i, cap_text(&cap));
        cap_close(&cap);
        config_finish(&c);
    }
    static const struct { const char *text, *want; } invalid[] = {
        { "[webhook a]\ntype = jira\nurl = https://j\nsecret_file = /s\n",
          "v: [webhook a] has no project " DASH },
        { "[webhook a]\ntype = generic\nsecret_file = /s\n", "v: [webhook a] has no url " DASH },
        { "[webhook a]\ntype = pagerduty\n", "v: [webhook a] has no secret " DASH },
        { "[webhook a]\ntype = slack\nurl = https://hooks\nsecret_env = S\n",
          "v: [webhook a] url is set, but a slack webhook URL is a secret " DASH },
        { "[webhook a]\ntype = pagerduty\nsecret_env = A\nsecret_file = /b\n",
          "v: [webhook a] sets both secret_file and secret_env " DASH },
    };
    for (size_t i = 0; i < sizeof(invalid) / sizeof(invalid[0]); i++) {
        config_init(&c);
        assert_int_equal(config_load_string(&c, "w.conf", invalid[i].text, stderr), 0);
        struct capture cap;
        assert_int_equal(config_validate_as(&c, "v", cap_open(&cap)), AWS_EINVAL);
        if (strncmp(cap_text(&cap), invalid[i].want, strlen(invalid[i].want)) != 0)
            fail_msg("case %zu: got %s", i, cap_text(&cap));
        cap_close(&cap);
        config_finish(&c);
    }
    config_init(&c);
    struct capture cap;
    assert_int_equal(config_set(&c, "webhook.type", "jira", cap_open(&cap)), AWS_EINVAL);
    assert_non_null(strstr(cap_text(&cap), "sections are set in the config file only"));
    cap_close(&cap);
    config_finish(&c);
}

/* The Security Hub export is asked for by a [securityhub] section (even
 * an empty one), never by the built-in defaults. */
static void securityhub_section_asks_for_the_export(void **state)
{
    (void)state;
    config c;
    config_init(&c);
    assert_int_equal(c.securityhub_section, 0);
    assert_int_equal(config_load_string(&c, "a.conf", "[scan]\nregions = all\n", NULL), 0);
    assert_int_equal(c.securityhub_section, 0);
    assert_int_equal(config_load_string(&c, "b.conf", "[securityhub]\n", NULL), 0);
    assert_int_equal(c.securityhub_section, 1);
    assert_int_equal(c.securityhub_enabled, 1);
    config_finish(&c);
    config_init(&c);
    assert_int_equal(config_load_string(&c, "c.conf", "[securityhub]\nenabled = false\n", NULL), 0);
    assert_int_equal(c.securityhub_section, 1);
    assert_int_equal(c.securityhub_enabled, 0);
    config_finish(&c);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(load_reports_each_error_class),
        cmocka_unit_test(bad_value_keeps_previous),
        cmocka_unit_test(all_errors_reported_with_lines),
        cmocka_unit_test(long_line_is_reported),
        cmocka_unit_test(external_id_never_echoed),
        cmocka_unit_test(defaults),
        cmocka_unit_test(state_dir_default),
        cmocka_unit_test(state_dir_systemd),
        cmocka_unit_test(load_good_file),
        cmocka_unit_test(load_file_errors),
        cmocka_unit_test(set_table),
        cmocka_unit_test(list_parse),
        cmocka_unit_test(validate_cross_fields),
        cmocka_unit_test(list_types_name_their_items),
        cmocka_unit_test(example_matches_committed_file),
        cmocka_unit_test(example_round_trips),
        cmocka_unit_test(help_lists_every_option),
        cmocka_unit_test(retry_budget_help_states_costs),
        cmocka_unit_test(edit_distance_table),
        cmocka_unit_test(ini_lines_numbered),
        cmocka_unit_test(default_path),
        cmocka_unit_test(securityhub_section_asks_for_the_export),
        cmocka_unit_test(webhook_sections),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
