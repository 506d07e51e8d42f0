/* Unit tests of notify/: the template engine, the digest model and
 * rendering, SNS splitting, quoted-printable, and the outbox (state/). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "aws/buf.h"
#include "config/config.h"
#include "aws/error.h"
#include "notify/digest.h"
#include "notify/mail.h"
#include "notify/sns.h"
#include "notify/template.h"
#include "state/outbox.h"

static char *render(const char *tmpl, const tpl_ctx *c, int html, int *rc)
{
    aws_buf b;
    aws_buf_init(&b, 1 << 20);
    char err[200] = "";
    *rc = tpl_render(tmpl, strlen(tmpl), c, html, &b, err, sizeof(err));
    if (*rc) {
        aws_buf_finish(&b);
        return strdup(err);
    }
    return aws_buf_take(&b);
}

static void template_sections_and_escaping(void **state)
{
    (void)state;
    tpl_ctx *c = tpl_ctx_new();
    assert_int_equal(tpl_set(c, "title", "a<b & \"c\""), 0);
    tpl_ctx *i1 = tpl_add(c, "items");
    tpl_set(i1, "name", "one");
    tpl_ctx *i2 = tpl_add(c, "items");
    tpl_set(i2, "name", "two");
    tpl_list(c, "empty");
    int rc;
    char *out = render("{{title}}|{{{title}}}\n{{#items}}\n- {{name}} of {{title}}\n{{/items}}\n"
                       "{{^empty}}none{{/empty}}{{#empty}}x{{/empty}}{{! gone }}{{missing}}.",
                       c, 1, &rc);
    assert_int_equal(rc, 0);
    assert_string_equal(out, "a&lt;b &amp; &quot;c&quot;|a<b & \"c\"\n"
                             "- one of a&lt;b &amp; &quot;c&quot;\n"
                             "- two of a&lt;b &amp; &quot;c&quot;\nnone.");
    free(out);
    out = render("{{#items}}\n{{name}}\n{{/other}}", c, 0, &rc);
    assert_int_equal(rc, AWS_EPARSE);
    assert_non_null(strstr(out, "line 3"));
    free(out);
    out = render("{{#items}}x", c, 0, &rc);
    assert_int_equal(rc, AWS_EPARSE);
    assert_non_null(strstr(out, "never closed"));
    free(out);
    tpl_ctx_free(c);
}

static void add(scanner_findings *f, const char *acct, scanner_severity sev, scanner_label l,
                const char *res, int resolved)
{
    scanner_finding x;
    memset(&x, 0, sizeof(x));
    snprintf(x.id, sizeof(x.id), "%s-%s", acct, res);
    x.rule = "expiring";
    x.severity = sev;
    x.account_id = strdup(acct);
    x.region = strdup("eu-west-1");
    x.resource_id = strdup(res);
    x.title = strdup("expires soon");
    x.console_url = strdup("https://console.example/x");
    x.not_after = 1000;
    x.days_to_expiry = 3;
    x.label = l;
    x.prev_severity = SCANNER_SEV_MEDIUM;
    if (resolved)
        assert_int_equal(scanner_findings_add_resolved(f, &x), 0);
    else
        assert_int_equal(scanner_findings_add(f, &x), 0);
}

static void digest_model(void **state)
{
    (void)state;
    scanner_findings f;
    scanner_findings_init(&f);
    add(&f, "111111111111", SCANNER_SEV_HIGH, SCANNER_LABEL_NEW, "high-new", 0);
    add(&f, "111111111111", SCANNER_SEV_CRITICAL, SCANNER_LABEL_NEW, "crit-new", 0);
    add(&f, "222222222222", SCANNER_SEV_HIGH, SCANNER_LABEL_ESCALATED, "esc", 0);
    add(&f, "222222222222", SCANNER_SEV_LOW, SCANNER_LABEL_NEW, "low", 0);
    add(&f, "222222222222", SCANNER_SEV_MEDIUM, SCANNER_LABEL_UNCHANGED, "open", 0);
    add(&f, "111111111111", SCANNER_SEV_HIGH, SCANNER_LABEL_RESOLVED, "gone", 1);
    add(&f, "111111111111", SCANNER_SEV_CRITICAL, SCANNER_LABEL_NEW, "quiet-lb", 0);
    f.v[f.n - 1].suppressed_by = strdup("legacy");
    assert_int_equal(scanner_tags_add(&f.v[1].tags, "team", "web"), 0);     /* crit-new */
    /* A saved report's finding names its account and path itself. */
    f.v[2].account_name = strdup("dev-from-report");
    f.v[2].ou_path = strdup("Root/Dev");
    scanner_findings_add_gap(&f, "222222222222", "us-east-1", "ListCertificates",
                             "AccessDenied", "denied");
    scanner_scanned_account acc[] = {
        { .account_id = "111111111111", .name = "prod", .email = "p@example.com",
          .ou_path = "Root/Production" },
        { .account_id = "222222222222", .name = "dev" },
    };
    scanner_scanned_accounts A = { acc, 2 };
    const char *unowned[] = { "222222222222" };
    notify_digest d;
    assert_int_equal(notify_digest_build(&d, &f, &A, NULL, SCANNER_SEV_MEDIUM, unowned, 1), 0);
    assert_string_equal(d.key, "org");
    assert_int_equal(d.total, 5);
    assert_int_equal(d.unlisted, 1);            /* the LOW one: counted, not listed */
    assert_int_equal(d.suppressed, 1);          /* quiet-lb: neither counted nor listed */
    assert_int_equal(d.by_sev[SCANNER_SEV_LOW], 1);
    assert_int_equal(d.n_items[DIGEST_NEW], 2);
    assert_string_equal(d.items[DIGEST_NEW][0]->resource_id, "crit-new");   /* worst first */
    assert_int_equal(d.n_items[DIGEST_ESCALATED], 1);
    assert_int_equal(d.n_items[DIGEST_OPEN], 1);
    assert_int_equal(d.n_items[DIGEST_RESOLVED], 1);
    assert_int_equal(d.n_accounts, 2);
    assert_string_equal(d.accounts[0].id, "111111111111");   /* has a CRITICAL */
    assert_string_equal(d.accounts[0].name, "prod");
    assert_int_equal(d.n_gaps, 1);
    assert_true(notify_digest_changed(&d));
    notify_render_opts ro = { .now = 1764547200 };
    notify_rendered r;
    char err[300];
    assert_int_equal(notify_digest_render(&d, &ro, &r, err, sizeof(err)), 0);
    assert_non_null(strstr(r.text, "== New (2)"));
    assert_non_null(strstr(r.text, "== Resolved (1)"));
    assert_non_null(strstr(r.text, "prod (111111111111, Root/Production)"));
    assert_non_null(strstr(r.text, "tags: team=web\n"));
    assert_non_null(strstr(r.text, "  dev (222222222222, Root/Dev): "));   /* from the finding */
    assert_non_null(strstr(r.html, "tags: team=web"));
    assert_non_null(strstr(r.html, "<br>Root/Production</span>"));
    assert_true(strstr(r.text, "crit-new") < strstr(r.text, "high-new"));
    assert_non_null(strstr(r.text, "1 finding(s) below"));
    assert_non_null(strstr(r.text, "AccessDenied"));
    assert_null(strstr(r.text, "quiet-lb"));
    assert_non_null(strstr(r.text, "1 suppressed finding(s)"));
    assert_non_null(strstr(r.text, "dev (222222222222)"));   /* unowned */
    assert_non_null(strstr(r.html, "<table"));
    assert_null(strstr(r.html, "<script"));
    assert_null(strstr(r.html, "<img"));
    assert_null(strchr(r.subject, '\n'));
    notify_rendered_finish(&r);
    notify_digest_finish(&d);

    /* One account: its findings and gaps only. */
    assert_int_equal(notify_digest_build(&d, &f, &A, "222222222222", SCANNER_SEV_MEDIUM,
                                         NULL, 0), 0);
    assert_string_equal(d.key, "account:222222222222");
    assert_int_equal(d.total, 3);
    assert_int_equal(d.n_items[DIGEST_RESOLVED], 0);
    assert_int_equal(d.n_gaps, 1);
    notify_digest_finish(&d);

    /* When: unchanged digests repeat only after repeat_days. */
    scanner_findings g;
    scanner_findings_init(&g);
    add(&g, "111111111111", SCANNER_SEV_HIGH, SCANNER_LABEL_UNCHANGED, "open", 0);
    assert_int_equal(notify_digest_build(&d, &g, &A, NULL, SCANNER_SEV_MEDIUM, NULL, 0), 0);
    assert_false(notify_digest_changed(&d));
    int64_t now = 100 * 86400;
    assert_true(notify_digest_due(&d, NOTIFY_AUTO, 0, now, 7));
    assert_false(notify_digest_due(&d, NOTIFY_AUTO, now - 6 * 86400, now, 7));
    assert_true(notify_digest_due(&d, NOTIFY_AUTO, now - 7 * 86400, now, 7));
    assert_true(notify_digest_due(&d, NOTIFY_ALWAYS, now, now, 7));
    assert_false(notify_digest_due(&d, NOTIFY_NEVER, 0, now, 7));
    notify_digest_finish(&d);
    scanner_findings_finish(&g);
    scanner_findings_finish(&f);
}

static void sns_split_joins(void **state)
{
    (void)state;
    size_t len = 10000;
    char *text = malloc(len + 1);
    for (size_t i = 0; i < len; i++)
        text[i] = i % 37 == 36 ? '\n' : (char)('a' + i % 26);
    /* a 2-byte UTF-8 character across a would-be cut */
    memcpy(text + 999, "\xc3\xa9", 2);
    text[len] = '\0';
    size_t starts[64];
    size_t n = notify_sns_split(text, len, 1000, starts);
    assert_true(n >= 10);
    assert_int_equal(starts[0], 0);
    for (size_t i = 0; i < n; i++) {
        size_t end = i + 1 < n ? starts[i + 1] : len;
        assert_true(end - starts[i] <= 1000);
        assert_true(end > starts[i]);
        assert_true(((unsigned char)text[starts[i]] & 0xc0) != 0x80);
    }
    free(text);
    char subj[128];
    notify_sns_subject("[certsweep] \xc3\xa9 a very long subject line that goes on and on and on "
                       "and on and on and on and on and on", 2, 3, subj, sizeof(subj));
    assert_true(strlen(subj) < 100);
    assert_non_null(strstr(subj, "(part 2/3)"));
    for (const char *p = subj; *p; p++)
        assert_true((unsigned char)*p >= 0x20 && (unsigned char)*p < 0x7f);
}

static void qp_encoding(void **state)
{
    (void)state;
    aws_buf b;
    aws_buf_init(&b, 1 << 16);
    const char *in = "caf\xc3\xa9 = ok \nline";
    assert_int_equal(notify_qp_encode(in, strlen(in), &b), 0);
    assert_string_equal(b.data, "caf=C3=A9 =3D ok=20\r\nline");
    aws_buf_reset(&b);
    char longline[300];
    memset(longline, 'x', sizeof(longline) - 1);
    longline[sizeof(longline) - 1] = '\0';
    assert_int_equal(notify_qp_encode(longline, strlen(longline), &b), 0);
    for (char *p = b.data, *e; *p; p = e + (*e ? 2 : 0)) {
        e = strstr(p, "\r\n");
        if (!e)
            e = p + strlen(p);
        assert_true(e - p <= 76);
    }
    aws_buf_finish(&b);
}

static void outbox_lifecycle(void **state)
{
    (void)state;
    state_db *db = NULL;
    assert_int_equal(state_open_file(":memory:", NULL, &db), 0);
    int64_t at = 0, id1 = 0, id2 = 0;
    assert_int_equal(state_outbox_last_queued(db, "email", "org", &at), AWS_ENOTFOUND);
    state_outbox_row r = { .channel = "email", .key = "org", .created = 1000,
                           .recipients = "a@example.com", .subject = "s",
                           .payload = "msg\0bin", .payload_len = 7 };
    assert_int_equal(state_begin(db), 0);
    assert_int_equal(state_outbox_add(db, &r, &id1), 0);
    r.channel = "sns";
    r.created = 1001;
    assert_int_equal(state_outbox_add(db, &r, &id2), 0);
    assert_int_equal(state_commit(db), 0);
    assert_int_equal(state_outbox_last_queued(db, "email", "org", &at), 0);
    assert_int_equal(at, 1000);
    /* a retry later (backoff 300 s), then due again */
    assert_int_equal(state_outbox_retry_later(db, id1, 2000, 300, "421 busy"), 0);
    assert_int_equal(state_outbox_failed(db, id2, "554 refused"), 0);
    assert_int_equal(state_outbox_last_queued(db, "sns", "org", &at), AWS_ENOTFOUND);
    assert_int_equal(state_outbox_backoff(1, 300), 300);
    assert_int_equal(state_outbox_backoff(3, 300), 1200);
    assert_int_equal(state_outbox_backoff(30, 300), 86400);
    assert_int_equal(state_outbox_backoff(5, 0), 0);
    assert_int_equal(state_outbox_sent(db, id1, 3000), 0);
    assert_int_equal(state_outbox_sent(db, 999, 3000), AWS_ENOTFOUND);
    state_close(db);
}

static int count_row(const state_outbox_row *r, void *ud)
{
    (*(int *)ud)++;
    assert_int_equal(r->payload_len, 7);
    assert_memory_equal(r->payload, "msg\0bin", 7);
    return 0;
}

static void outbox_due(void **state)
{
    (void)state;
    state_db *db = NULL;
    assert_int_equal(state_open_file(":memory:", NULL, &db), 0);
    int64_t id = 0;
    state_outbox_row r = { .channel = "email", .key = "org", .created = 1000,
                           .recipients = "a@example.com", .subject = "s",
                           .payload = "msg\0bin", .payload_len = 7 };
    assert_int_equal(state_outbox_add(db, &r, &id), 0);
    assert_int_equal(state_outbox_retry_later(db, id, 2000, 300, "timeout"), 0);
    int n = 0;
    assert_int_equal(state_outbox_each(db, "pending", 2299, count_row, &n), 0);
    assert_int_equal(n, 0);                     /* not due yet */
    assert_int_equal(state_outbox_each(db, "pending", 2300, count_row, &n), 0);
    assert_int_equal(n, 1);
    assert_int_equal(state_outbox_each(db, "pending", -1, count_row, &n), 0);
    assert_int_equal(n, 2);                     /* --retry: any time */
    state_close(db);
}

/* The [email] checks: tls = none only to loopback, the owners map's
 * syntax, one password source, no password in any message. */
static char *check(const char *text, int *rc)
{
    config c;
    config_init(&c);
    char *buf = NULL;
    size_t len = 0;
    FILE *errs = open_memstream(&buf, &len);
    *rc = config_load_string(&c, "t.conf", text, errs);
    if (*rc == 0)
        *rc = config_validate_as(&c, "t.conf", errs);
    fclose(errs);
    config_finish(&c);
    return buf;
}

static void email_config_checks(void **state)
{
    (void)state;
    static const struct { const char *text; int rc; const char *says; } cases[] = {
        { "[email]\nsmtp_host = mail.example.com\nfrom = a@example.com\ntls = none\n",
          AWS_EINVAL, "only for a loopback host" },
        { "[email]\nsmtp_host = 127.0.0.1\nfrom = a@example.com\ntls = none\n", 0, "" },
        { "[email]\naccount_owners = 111111111111: a@example.com; 22222: b@example.com\n",
          AWS_EINVAL, "t.conf:2: [email] account_owners: '22222' is not an account id" },
        { "[email]\naccount_owners = 111111111111: not-a-mail\n",
          AWS_EINVAL, "not an e-mail address" },
        { "[email]\nsmtp_host = 127.0.0.1\nfrom = a@example.com\nusername = u\n"
          "password_file = /x\npassword_env = SMTP_PW\n", AWS_EINVAL, "keep one of them" },
        { "[email]\norg_to = secops@example.com, nope\n",
          AWS_EINVAL, "'nope' is not an e-mail address" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        int rc;
        char *m = check(cases[i].text, &rc);
        if (rc != cases[i].rc || !strstr(m ? m : "", cases[i].says))
            fail_msg("case %zu: rc %d, said:\n%s", i, rc, m ? m : "");
        free(m);
    }
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(template_sections_and_escaping),
        cmocka_unit_test(digest_model),
        cmocka_unit_test(sns_split_joins),
        cmocka_unit_test(qp_encoding),
        cmocka_unit_test(outbox_lifecycle),
        cmocka_unit_test(outbox_due),
        cmocka_unit_test(email_config_checks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
