/* Unit tests: sts/profile.c (shared config files, resolution plans, region). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/stat.h>

#include "aws/error.h"
#include "aws/http.h"
#include "sts/profile.h"

static char s_dir[256];
static char s_config[300];
static char s_creds[300];

static void write_file(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    fputs(text, f);
    fclose(f);
}

static int setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof(s_dir), "/tmp/certsweep-sts-XXXXXX");
    if (!mkdtemp(s_dir))
        return -1;
    snprintf(s_config, sizeof(s_config), "%s/config", s_dir);
    snprintf(s_creds, sizeof(s_creds), "%s/credentials", s_dir);
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_DEFAULT_PROFILE");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    unlink(s_config);
    unlink(s_creds);
    rmdir(s_dir);
    return 0;
}

static sts_profiles *load(const char *config, const char *creds)
{
    unlink(s_config);
    unlink(s_creds);
    if (config)
        write_file(s_config, config);
    if (creds)
        write_file(s_creds, creds);
    sts_profiles *p = NULL;
    char err[256];
    int rc = sts_profiles_load(s_config, s_creds, &p, err, sizeof(err));
    if (rc)
        fail_msg("load failed: %s", err);
    return p;
}

static void sections_default_vs_profile(void **state)
{
    (void)state;
    sts_profiles *p = load(
        "[default]\nregion = eu-west-1\n"
        "[profile dev]\nregion=eu-central-1\n"
        "[dev2]\nregion = us-west-2\n"          /* no "profile " prefix: not a profile in config */
        "[sso-session x]\nsso_region = us-east-1\n",
        "[prod]\naws_access_key_id = AKIAPROD\naws_secret_access_key = prodsecret\n");
    assert_string_equal(sts_profiles_get(p, "default", "region"), "eu-west-1");
    assert_string_equal(sts_profiles_get(p, "dev", "region"), "eu-central-1");
    assert_string_equal(sts_profiles_get(p, "dev", "REGION"), "eu-central-1");
    assert_false(sts_profiles_has(p, "dev2"));
    assert_false(sts_profiles_has(p, "sso-session x"));
    assert_false(sts_profiles_has(p, "x"));
    assert_true(sts_profiles_has(p, "prod"));
    assert_null(sts_profiles_get(p, "prod", "region"));
    sts_profiles_free(p);
}

static void credentials_file_wins(void **state)
{
    (void)state;
    sts_profiles *p = load(
        "[profile dev]\naws_access_key_id = AKIACONFIG\naws_secret_access_key = cfgsecret\nregion = eu-west-3\n",
        "[dev]\naws_access_key_id = AKIACREDS\naws_secret_access_key = credsecret\n"
        "aws_session_token = tok\n");
    assert_string_equal(sts_profiles_get(p, "dev", "aws_access_key_id"), "AKIACREDS");
    assert_string_equal(sts_profiles_get(p, "dev", "region"), "eu-west-3");
    sts_plan plan;
    char err[256];
    assert_int_equal(sts_profile_plan(p, "dev", &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.base, STS_BASE_STATIC);
    assert_string_equal(plan.base_profile, "dev");
    assert_string_equal(plan.access_key_id, "AKIACREDS");
    assert_string_equal(plan.secret_access_key, "credsecret");
    assert_string_equal(plan.session_token, "tok");
    assert_int_equal(plan.nhops, 0);
    sts_profiles_free(p);
}

static void missing_files_and_profiles(void **state)
{
    (void)state;
    sts_profiles *p = NULL;
    char err[256];
    assert_int_equal(sts_profiles_load("/nonexistent/a", "/nonexistent/b", &p, err, sizeof(err)), 0);
    assert_non_null(p);
    sts_plan plan;
    assert_int_equal(sts_profile_plan(p, "default", &plan, err, sizeof(err)), AWS_ENOCREDS);
    assert_non_null(strstr(err, "'default'"));
    sts_profiles_free(p);

    p = load("[profile empty]\nregion = us-east-2\n", NULL);
    assert_int_equal(sts_profile_plan(p, "empty", &plan, err, sizeof(err)), AWS_ENOCREDS);
    assert_non_null(strstr(err, "no credentials"));
    sts_profiles_free(p);
}

static void malformed_file_names_line(void **state)
{
    (void)state;
    write_file(s_config, "[default]\nregion = x\nthis line is wrong\n");
    unlink(s_creds);
    sts_profiles *p = NULL;
    char err[256];
    assert_int_equal(sts_profiles_load(s_config, s_creds, &p, err, sizeof(err)), AWS_EINVAL);
    assert_null(p);
    char want[320];
    snprintf(want, sizeof(want), "%s:3:", s_config);
    assert_non_null(strstr(err, want));
}

static void long_session_token_kept_whole(void **state)
{
    (void)state;
    char tok[1501];
    for (int i = 0; i < 1500; i++)
        tok[i] = (char)('A' + i % 26);
    tok[1500] = '\0';
    char text[2000];
    snprintf(text, sizeof(text),
             "[t]\naws_access_key_id = AKIAT\naws_secret_access_key = s\naws_session_token = %s   \n"
             "region = ap-south-1\n", tok);
    sts_profiles *p = load(NULL, text);
    assert_string_equal(sts_profiles_get(p, "t", "aws_session_token"), tok);
    assert_string_equal(sts_profiles_get(p, "t", "region"), "ap-south-1");
    sts_profiles_free(p);
}

static void source_profile_chain(void **state)
{
    (void)state;
    sts_profiles *p = load(
        "[profile base]\ncredential_process = /bin/echo hi\n"
        "[profile mid]\nrole_arn = arn:aws:iam::111111111111:role/Mid\nsource_profile = base\n"
        "external_id = ext-1\nrole_session_name = sess\nduration_seconds = 1800\n"
        "[profile top]\nrole_arn = arn:aws:iam::222222222222:role/Top\nsource_profile = mid\n",
        NULL);
    sts_plan plan;
    char err[256];
    assert_int_equal(sts_profile_plan(p, "top", &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.base, STS_BASE_PROCESS);
    assert_string_equal(plan.base_profile, "base");
    assert_string_equal(plan.process, "/bin/echo hi");
    assert_int_equal(plan.nhops, 2);
    assert_string_equal(plan.hops[0].profile, "mid");
    assert_string_equal(plan.hops[0].role_arn, "arn:aws:iam::111111111111:role/Mid");
    assert_string_equal(plan.hops[0].external_id, "ext-1");
    assert_string_equal(plan.hops[0].session_name, "sess");
    assert_int_equal(plan.hops[0].duration_seconds, 1800);
    assert_string_equal(plan.hops[1].profile, "top");
    assert_null(plan.hops[1].external_id);
    assert_int_equal(plan.hops[1].duration_seconds, 0);
    sts_profiles_free(p);
}

static void self_source_uses_own_keys(void **state)
{
    (void)state;
    sts_profiles *p = load(
        "[profile me]\nrole_arn = arn:aws:iam::111111111111:role/R\nsource_profile = me\n",
        "[me]\naws_access_key_id = AKIAME\naws_secret_access_key = mesecret\n");
    sts_plan plan;
    char err[256];
    assert_int_equal(sts_profile_plan(p, "me", &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.base, STS_BASE_STATIC);
    assert_string_equal(plan.access_key_id, "AKIAME");
    assert_int_equal(plan.nhops, 1);
    sts_profiles_free(p);
}

static void cycles_and_config_errors(void **state)
{
    (void)state;
    static const struct {
        const char *config;
        const char *profile;
        const char *needle;
    } cases[] = {
        { "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
          "[profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = a\n", "a", "cycle" },
        { "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n"
          "[profile b]\nrole_arn = arn:aws:iam::1:role/B\nsource_profile = c\n"
          "[profile c]\nrole_arn = arn:aws:iam::1:role/C\nsource_profile = b\n", "a", "cycle" },
        { "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = nope\n", "a", "does not exist" },
        { "[profile a]\nrole_arn = arn:aws:iam::1:role/A\n", "a", "source_profile or credential_source" },
        { "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\ncredential_source = Environment\n"
          "[profile b]\naws_access_key_id = x\naws_secret_access_key = y\n", "a", "mutually exclusive" },
        { "[profile a]\nrole_arn = arn:aws:iam::1:role/A\ncredential_source = Laptop\n", "a", "unknown credential_source" },
        { "[profile a]\nrole_arn = arn:aws:iam::1:role/A\ncredential_source = Environment\nduration_seconds = 60\n",
          "a", "duration_seconds" },
        { "[profile a]\nrole_arn = arn:aws:iam::1:role/A\nsource_profile = b\n[profile b]\nregion = x\n",
          "a", "has no credentials" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        sts_profiles *p = load(cases[i].config, NULL);
        sts_plan plan;
        char err[256];
        int rc = sts_profile_plan(p, cases[i].profile, &plan, err, sizeof(err));
        if (rc != AWS_EINVAL || !strstr(err, cases[i].needle))
            fail_msg("case %zu: rc=%d err=%s", i, rc, err);
        assert_int_equal(plan.nhops, 0);
        sts_profiles_free(p);
    }
}

static void credential_sources(void **state)
{
    (void)state;
    static const struct { const char *src; sts_base_kind kind; } cases[] = {
        { "Environment", STS_BASE_ENV },
        { "Ec2InstanceMetadata", STS_BASE_IMDS },
        { "EcsContainer", STS_BASE_ECS },
    };
    for (size_t i = 0; i < 3; i++) {
        char cfg[256];
        snprintf(cfg, sizeof(cfg), "[profile r]\nrole_arn = arn:aws:iam::1:role/R\ncredential_source = %s\n",
                 cases[i].src);
        sts_profiles *p = load(cfg, NULL);
        sts_plan plan;
        char err[256];
        assert_int_equal(sts_profile_plan(p, "r", &plan, err, sizeof(err)), 0);
        assert_int_equal(plan.base, cases[i].kind);
        assert_int_equal(plan.nhops, 1);
        assert_string_equal(plan.hops[0].role_arn, "arn:aws:iam::1:role/R");
        sts_profiles_free(p);
    }
}

static void precedence_keys_process(void **state)
{
    (void)state;
    /* credentials-file keys > credential_process > config-file keys */
    sts_profiles *p = load(
        "[profile x]\ncredential_process = cmd\naws_access_key_id = AKIACFG\naws_secret_access_key = c\n",
        NULL);
    sts_plan plan;
    char err[256];
    assert_int_equal(sts_profile_plan(p, "x", &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.base, STS_BASE_PROCESS);
    sts_profiles_free(p);
    p = load("[profile x]\ncredential_process = cmd\n",
             "[x]\naws_access_key_id = AKIACRED\naws_secret_access_key = c\n");
    assert_int_equal(sts_profile_plan(p, "x", &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.base, STS_BASE_STATIC);
    assert_string_equal(plan.access_key_id, "AKIACRED");
    sts_profiles_free(p);
}

static void profile_name_and_region(void **state)
{
    (void)state;
    assert_string_equal(sts_profile_name(NULL), "default");
    setenv("AWS_DEFAULT_PROFILE", "b", 1);
    assert_string_equal(sts_profile_name(NULL), "b");
    setenv("AWS_PROFILE", "a", 1);
    assert_string_equal(sts_profile_name(""), "a");
    assert_string_equal(sts_profile_name("flag"), "flag");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_DEFAULT_PROFILE");

    sts_profiles *p = load("[default]\nregion = eu-north-1\n[profile dev]\nregion = ca-central-1\n", NULL);
    char r[32];
    sts_resolve_region(p, NULL, r, sizeof(r));
    assert_string_equal(r, "eu-north-1");
    sts_resolve_region(p, "dev", r, sizeof(r));
    assert_string_equal(r, "ca-central-1");
    sts_resolve_region(p, "none", r, sizeof(r));
    assert_string_equal(r, "us-east-1");
    setenv("AWS_DEFAULT_REGION", "sa-east-1", 1);
    sts_resolve_region(p, "dev", r, sizeof(r));
    assert_string_equal(r, "sa-east-1");
    setenv("AWS_REGION", "af-south-1", 1);
    sts_resolve_region(p, "dev", r, sizeof(r));
    assert_string_equal(r, "af-south-1");
    unsetenv("AWS_REGION");
    unsetenv("AWS_DEFAULT_REGION");
    /* without a loaded set: the files named by the environment */
    setenv("AWS_CONFIG_FILE", s_config, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds", 1);
    setenv("AWS_PROFILE", "dev", 1);
    sts_resolve_region(NULL, NULL, r, sizeof(r));
    assert_string_equal(r, "ca-central-1");
    unsetenv("AWS_PROFILE");
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    sts_profiles_free(p);
}

/* ca_bundle of a profile, and its place among the other CA sources:
 * [aws] ca_bundle, AWS_CA_BUNDLE, the profile's, SSL_CERT_FILE. */
static void profile_ca_bundle(void **state)
{
    (void)state;
    sts_profiles *p = load("[default]\nca_bundle = /etc/ssl/proxy-ca.pem\n"
                           "[profile plain]\nregion = eu-west-1\n"
                           "[profile empty]\nca_bundle =\n", NULL);
    char path[256], label[128];
    assert_int_equal(sts_resolve_ca_bundle(p, NULL, path, sizeof(path), label, sizeof(label)), 1);
    assert_string_equal(path, "/etc/ssl/proxy-ca.pem");
    assert_string_equal(label, "ca_bundle of AWS profile 'default'");
    assert_int_equal(sts_resolve_ca_bundle(p, "plain", path, sizeof(path), label,
                                           sizeof(label)), 0);
    assert_string_equal(path, "");
    assert_int_equal(sts_resolve_ca_bundle(p, "empty", path, sizeof(path), label,
                                           sizeof(label)), 0);
    /* without a loaded set: the files named by the environment, AWS_PROFILE */
    setenv("AWS_CONFIG_FILE", s_config, 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/creds", 1);
    setenv("AWS_PROFILE", "plain", 1);
    assert_int_equal(sts_resolve_ca_bundle(NULL, NULL, path, sizeof(path), label,
                                           sizeof(label)), 0);
    unsetenv("AWS_PROFILE");
    assert_int_equal(sts_resolve_ca_bundle(NULL, NULL, path, sizeof(path), label,
                                           sizeof(label)), 1);
    unsetenv("AWS_CONFIG_FILE");
    unsetenv("AWS_SHARED_CREDENTIALS_FILE");
    sts_profiles_free(p);

    /* the order */
    unsetenv("AWS_CA_BUNDLE");
    unsetenv("SSL_CERT_FILE");
    const char *src = "x";
    aws_ca_source all = { "/cfg.pem", "/profile.pem", "ca_bundle of AWS profile 'p'" };
    assert_null(aws_http_ca_bundle(NULL, &src));
    assert_null(src);
    assert_string_equal(aws_http_ca_bundle(&all, &src), "/cfg.pem");
    assert_string_equal(src, "[aws] ca_bundle");
    setenv("AWS_CA_BUNDLE", "/env.pem", 1);
    setenv("SSL_CERT_FILE", "/curl.pem", 1);
    assert_string_equal(aws_http_ca_bundle(&all, &src), "/cfg.pem");
    all.configured = "";
    assert_string_equal(aws_http_ca_bundle(&all, &src), "/env.pem");
    assert_string_equal(src, "AWS_CA_BUNDLE");
    unsetenv("AWS_CA_BUNDLE");
    assert_string_equal(aws_http_ca_bundle(&all, &src), "/profile.pem");
    assert_string_equal(src, "ca_bundle of AWS profile 'p'");
    all.profile = NULL;
    assert_string_equal(aws_http_ca_bundle(&all, &src), "/curl.pem");
    assert_string_equal(src, "SSL_CERT_FILE");
    unsetenv("SSL_CERT_FILE");
    /* the check names where a bad one came from */
    char err[300];
    aws_ca_source bad = { NULL, "/nonexistent/ca.pem", "ca_bundle of AWS profile 'p'" };
    assert_int_equal(aws_http_ca_bundle_check(&bad, err, sizeof(err)), AWS_EINVAL);
    assert_string_equal(err, "ca_bundle of AWS profile 'p' '/nonexistent/ca.pem': No such file "
                             "or directory \xe2\x80\x94 point it at a PEM file of CA certificates");
}

/* web identity: env first per key, then the profile; --profile ignores env */
static void web_identity_detection(void **state)
{
    (void)state;
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_ARN");
    unsetenv("AWS_ROLE_SESSION_NAME");
    sts_profiles *p = load("[profile wi]\nweb_identity_token_file = /var/run/tok\n"
                           "role_arn = arn:aws:iam::123456789012:role/Wi\nrole_session_name = s1\n"
                           "[profile noarn]\nweb_identity_token_file = /t\n"
                           "[profile keys]\naws_access_key_id = AKIAK\naws_secret_access_key = k\n"
                           "[profile both]\nweb_identity_token_file = /t\n"
                           "role_arn = arn:aws:iam::123456789012:role/B\n"
                           "aws_access_key_id = AKIAB\naws_secret_access_key = b\n", NULL);
    sts_webid_cfg w;
    char err[256];

    /* nothing configured */
    assert_int_equal(sts_web_identity_config(p, "keys", 1, &w, err, sizeof(err)), AWS_ENOCREDS);
    assert_int_equal(sts_web_identity_config(NULL, NULL, 1, &w, err, sizeof(err)), AWS_ENOCREDS);

    /* from the profile */
    assert_int_equal(sts_web_identity_config(p, "wi", 1, &w, err, sizeof(err)), 0);
    assert_string_equal(w.token_file, "/var/run/tok");
    assert_string_equal(w.role_arn, "arn:aws:iam::123456789012:role/Wi");
    assert_string_equal(w.session_name, "s1");
    assert_int_equal(w.from_env, 0);

    /* token file without role ARN: a configuration error naming the profile */
    assert_int_equal(sts_web_identity_config(p, "noarn", 1, &w, err, sizeof(err)), AWS_EINVAL);
    assert_non_null(strstr(err, "profile 'noarn'"));
    assert_non_null(strstr(err, "role_arn"));

    /* env wins per key over the profile */
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/env/tok", 1);
    setenv("AWS_ROLE_ARN", "arn:aws:iam::210987654321:role/Env", 1);
    assert_int_equal(sts_web_identity_config(p, "wi", 1, &w, err, sizeof(err)), 0);
    assert_string_equal(w.token_file, "/env/tok");
    assert_string_equal(w.role_arn, "arn:aws:iam::210987654321:role/Env");
    assert_string_equal(w.session_name, "s1");
    assert_int_equal(w.from_env, 1);
    setenv("AWS_ROLE_SESSION_NAME", "envsess", 1);
    assert_int_equal(sts_web_identity_config(p, "keys", 1, &w, err, sizeof(err)), 0);
    assert_string_equal(w.session_name, "envsess");
    assert_string_equal(w.token_file, "/env/tok");

    /* an explicit profile (use_env 0) ignores the environment */
    assert_int_equal(sts_web_identity_config(p, "keys", 0, &w, err, sizeof(err)), AWS_ENOCREDS);
    assert_int_equal(sts_web_identity_config(p, "wi", 0, &w, err, sizeof(err)), 0);
    assert_string_equal(w.token_file, "/var/run/tok");
    assert_string_equal(w.session_name, "s1");

    /* env token file without AWS_ROLE_ARN */
    unsetenv("AWS_ROLE_ARN");
    assert_int_equal(sts_web_identity_config(p, "keys", 1, &w, err, sizeof(err)), AWS_EINVAL);
    assert_non_null(strstr(err, "AWS_ROLE_ARN"));
    /* empty values count as unset */
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "", 1);
    assert_int_equal(sts_web_identity_config(p, "keys", 1, &w, err, sizeof(err)), AWS_ENOCREDS);
    unsetenv("AWS_WEB_IDENTITY_TOKEN_FILE");
    unsetenv("AWS_ROLE_SESSION_NAME");

    /* role_arn beside web_identity_token_file is no AssumeRole hop: the
     * profile plan sees only its keys (or nothing) */
    sts_plan plan;
    assert_int_equal(sts_profile_plan(p, "wi", &plan, err, sizeof(err)), AWS_ENOCREDS);
    assert_int_equal(sts_profile_plan(p, "both", &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.nhops, 0);
    assert_int_equal(plan.base, STS_BASE_STATIC);
    assert_string_equal(plan.access_key_id, "AKIAB");
    sts_profiles_free(p);
}

/* One SSO profile per account: 1,000 profiles of 6 keys (6,000+ entries,
 * past the old 4,096-entry table), default first and last; every profile
 * resolves, and a later assignment in a repeated section still wins. */
static void many_profiles(void **state)
{
    (void)state;
    size_t cap = 1024 * 1024, len = 0;
    char *text = malloc(cap);
    assert_non_null(text);
    len += (size_t)snprintf(text + len, cap - len,
                            "[default]\naws_access_key_id = AKIDDEFAULT\n"
                            "aws_secret_access_key = SECRETDEFAULT\n");
    for (int i = 0; i < 1000; i++) {
        if (i % 2 == 0)         /* SSO, one per account */
            len += (size_t)snprintf(text + len, cap - len,
                                    "[profile acct%04d]\nsso_start_url = https://example.awsapps.com/start\n"
                                    "sso_region = us-east-1\nsso_account_id = %012d\n"
                                    "sso_role_name = ReadOnly\nregion = eu-west-1\n", i, i);
        else
            len += (size_t)snprintf(text + len, cap - len,
                                    "[profile acct%04d]\nregion = eu-west-1\noutput = json\n"
                                    "cli_pager =\nduration_seconds = 3600\n"
                                    "credential_process = /bin/echo %d\n", i, i);
    }
    len += (size_t)snprintf(text + len, cap - len, "[default]\nregion = ap-south-1\n");
    assert_true(len < cap);
    sts_profiles *p = load(text, "[acct0999]\naws_access_key_id = AKID999\n"
                                 "aws_secret_access_key = SECRET999\n");
    free(text);
    assert_non_null(p);
    assert_string_equal(sts_profiles_get(p, "default", "aws_access_key_id"), "AKIDDEFAULT");
    assert_string_equal(sts_profiles_get(p, "default", "region"), "ap-south-1");
    assert_string_equal(sts_profiles_get(p, "acct0000", "SSO_ACCOUNT_ID"), "000000000000");
    assert_string_equal(sts_profiles_get(p, "acct0501", "credential_process"), "/bin/echo 501");
    assert_true(sts_profiles_has(p, "acct0999"));
    assert_false(sts_profiles_has(p, "acct1000"));
    sts_plan plan;
    char err[256];
    if (sts_profile_plan(p, "acct0999", &plan, err, sizeof(err)) != 0)
        fail_msg("acct0999: %s", err);
    assert_int_equal(plan.base, STS_BASE_STATIC);        /* credentials file first */
    assert_string_equal(plan.access_key_id, "AKID999");
    assert_int_equal(sts_profile_plan(p, "acct0123", &plan, err, sizeof(err)), 0);
    assert_int_equal(plan.base, STS_BASE_PROCESS);
    if (sts_profile_plan(p, "acct0500", &plan, err, sizeof(err)) != 0)
        fail_msg("acct0500: %s", err);
    assert_int_equal(plan.base, STS_BASE_SSO);
    assert_int_equal(sts_profile_plan(p, "default", &plan, err, sizeof(err)), 0);
    sts_profiles_free(p);
}

/* The one size limit left: a file past 64 MiB is refused, naming the file
 * and the limit (a sparse file: nothing is written). */
static void oversized_file(void **state)
{
    (void)state;
    unlink(s_config);
    unlink(s_creds);
    write_file(s_config, "[default]\nregion = eu-west-1\n");
    assert_int_equal(truncate(s_config, 64L * 1024 * 1024 + 1), 0);
    sts_profiles *p = NULL;
    char err[512];
    assert_int_equal(sts_profiles_load(s_config, s_creds, &p, err, sizeof(err)), AWS_ETOOBIG);
    assert_null(p);
    assert_non_null(strstr(err, s_config));
    assert_non_null(strstr(err, "64 MiB"));
    unlink(s_config);
}

/* A FIFO at the config path is an error naming it, not a hang. */
static void fifo_config(void **state)
{
    (void)state;
    unlink(s_config);
    unlink(s_creds);
    assert_int_equal(mkfifo(s_config, 0600), 0);
    sts_profiles *p = NULL;
    char err[512];
    assert_int_equal(sts_profiles_load(s_config, s_creds, &p, err, sizeof(err)), AWS_EINVAL);
    assert_null(p);
    assert_non_null(strstr(err, s_config));
    assert_non_null(strstr(err, "not a regular file"));
    unlink(s_config);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(sections_default_vs_profile),
        cmocka_unit_test(credentials_file_wins),
        cmocka_unit_test(missing_files_and_profiles),
        cmocka_unit_test(malformed_file_names_line),
        cmocka_unit_test(long_session_token_kept_whole),
        cmocka_unit_test(source_profile_chain),
        cmocka_unit_test(self_source_uses_own_keys),
        cmocka_unit_test(cycles_and_config_errors),
        cmocka_unit_test(credential_sources),
        cmocka_unit_test(precedence_keys_process),
        cmocka_unit_test(profile_name_and_region),
        cmocka_unit_test(web_identity_detection),
        cmocka_unit_test(many_profiles),
        cmocka_unit_test(profile_ca_bundle),
        cmocka_unit_test(fifo_config),
        cmocka_unit_test(oversized_file),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
