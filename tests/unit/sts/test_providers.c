/* Unit tests: env provider, JSON credential documents, ECS URI rules,
 * credential_process (on a real libuv loop) and the default chain's order. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <signal.h>
#include <unistd.h>
#include <uv.h>

#include "aws/error.h"
#include "aws/log.h"
#include "sts/providers.h"

typedef struct got {
    int calls;
    int err;
    char akid[64];
    char secret[64];
    char token[64];
    int64_t exp;
    char source[48];
    char msg[1024];
} got;

static void record(int err, aws_creds *c, const char *msg, void *ud)
{
    got *g = ud;
    g->calls++;
    g->err = err;
    if (c) {
        snprintf(g->akid, sizeof(g->akid), "%s", c->access_key_id);
        snprintf(g->secret, sizeof(g->secret), "%s", c->secret_access_key);
        snprintf(g->token, sizeof(g->token), "%s", c->session_token ? c->session_token : "");
        snprintf(g->source, sizeof(g->source), "%s", c->source);
        g->exp = c->expiration;
    }
    snprintf(g->msg, sizeof(g->msg), "%s", msg ? msg : "");
}

static void clear_env(void)
{
    static const char *vars[] = {
        "AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
        "AWS_CREDENTIAL_EXPIRATION", "AWS_PROFILE", "AWS_DEFAULT_PROFILE",
        "AWS_CONTAINER_CREDENTIALS_RELATIVE_URI", "AWS_CONTAINER_CREDENTIALS_FULL_URI",
        "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_ROLE_ARN", "AWS_ROLE_SESSION_NAME",
    };
    for (size_t i = 0; i < sizeof(vars) / sizeof(vars[0]); i++)
        unsetenv(vars[i]);
    setenv("AWS_EC2_METADATA_DISABLED", "true", 1);
    setenv("AWS_CONFIG_FILE", "/nonexistent/config", 1);
    setenv("AWS_SHARED_CREDENTIALS_FILE", "/nonexistent/credentials", 1);
}

static void env_provider(void **state)
{
    (void)state;
    clear_env();
    aws_creds_provider *p = sts_env_provider_new();
    got g = { 0 };
    aws_creds_provider_get(p, record, &g);
    assert_int_equal(g.err, AWS_ENOCREDS);
    assert_string_equal(g.msg, "not set");

    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    memset(&g, 0, sizeof(g));
    aws_creds_provider_get(p, record, &g);
    assert_int_equal(g.err, AWS_EINVAL);        /* half set: an error, not "nothing" */

    setenv("AWS_SECRET_ACCESS_KEY", "envsecret", 1);
    setenv("AWS_SECURITY_TOKEN", "oldtoken", 1);
    memset(&g, 0, sizeof(g));
    aws_creds_provider_get(p, record, &g);
    assert_int_equal(g.err, 0);
    assert_string_equal(g.akid, "AKIAENV");
    assert_string_equal(g.secret, "envsecret");
    assert_string_equal(g.token, "oldtoken");     /* fallback */
    assert_string_equal(g.source, "env");
    assert_int_equal(g.exp, 0);

    setenv("AWS_SESSION_TOKEN", "newtoken", 1);
    setenv("AWS_CREDENTIAL_EXPIRATION", "2030-01-02T03:04:05Z", 1);
    memset(&g, 0, sizeof(g));
    aws_creds_provider_get(p, record, &g);
    assert_string_equal(g.token, "newtoken");     /* AWS_SESSION_TOKEN wins */
    assert_int_equal(g.exp, 1893553445);

    setenv("AWS_CREDENTIAL_EXPIRATION", "tomorrow", 1);
    memset(&g, 0, sizeof(g));
    aws_creds_provider_get(p, record, &g);
    assert_int_equal(g.err, AWS_EINVAL);
    aws_creds_provider_unref(p);
    clear_env();
}

static void json_documents(void **state)
{
    (void)state;
    static const struct {
        const char *doc;
        int process;
        int rc;
        const char *token;
    } cases[] = {
        { "{\"Code\":\"Success\",\"AccessKeyId\":\"AKIA1\",\"SecretAccessKey\":\"s\",\"Token\":\"t\","
          "\"Expiration\":\"2030-01-02T03:04:05Z\"}", 0, 0, "t" },
        { "{\"AccessKeyId\":\"AKIA1\",\"SecretAccessKey\":\"s\",\"SessionToken\":\"st\"}", 0, 0, "st" },
        { "{\"Version\":1,\"AccessKeyId\":\"AKIA1\",\"SecretAccessKey\":\"s\"}", 1, 0, "" },
        { "{\"AccessKeyId\":\"AKIA1\",\"SecretAccessKey\":\"s\"}", 1, AWS_EPARSE, NULL },     /* no Version */
        { "{\"Version\":2,\"AccessKeyId\":\"AKIA1\",\"SecretAccessKey\":\"s\"}", 1, AWS_EPARSE, NULL },
        { "{\"Code\":\"Failure\",\"AccessKeyId\":\"AKIA1\",\"SecretAccessKey\":\"s\"}", 0, AWS_EPARSE, NULL },
        { "{\"AccessKeyId\":\"AKIA1\"}", 0, AWS_EPARSE, NULL },
        { "{\"AccessKeyId\":\"AKIA1\",\"SecretAccessKey\":\"s\",\"Expiration\":\"soon\"}", 0, AWS_EPARSE, NULL },
        { "not json", 0, AWS_EPARSE, NULL },
        { "[1,2]", 0, AWS_EPARSE, NULL },
        /* a NUL in a value would cut it silently: refused */
        { "{\"AccessKeyId\":\"AKIA1\",\"SecretAccessKey\":\"s\\u0000tail\"}", 0, AWS_EPARSE, NULL },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        aws_creds *c = NULL;
        char msg[256] = "";
        int rc = sts_creds_from_json(cases[i].doc, strlen(cases[i].doc), cases[i].process, "x", &c,
                                     msg, sizeof(msg));
        if (rc != cases[i].rc)
            fail_msg("case %zu: rc=%d msg=%s", i, rc, msg);
        if (rc == 0) {
            assert_string_equal(c->access_key_id, "AKIA1");
            assert_string_equal(c->session_token ? c->session_token : "", cases[i].token);
            assert_string_equal(c->source, "x");
        } else {
            assert_null(c);
            assert_true(msg[0] != '\0');
            assert_null(strstr(msg, "\"s\""));
        }
        aws_creds_unref(c);
    }
}

static void ecs_full_uri_rules(void **state)
{
    (void)state;
    static const struct { const char *uri; int ok; } cases[] = {
        { "https://example.com/creds", 1 },
        { "http://127.0.0.1:8080/creds", 1 },
        { "http://127.1.2.3/creds", 1 },
        { "http://localhost/creds", 1 },
        { "http://[::1]:80/creds", 1 },
        { "http://169.254.170.2/v2/credentials", 1 },
        { "http://169.254.170.23/v1/credentials", 1 },
        { "http://[fd00:ec2::23]/v1/credentials", 1 },
        { "http://192.0.2.1/creds", 0 },
        { "http://127.0.0.1.evil.example/creds", 0 },
        { "http://user@127.0.0.1/creds", 0 },
        { "http://example.com/creds", 0 },
        { "ftp://127.0.0.1/creds", 0 },
        { "http://256.0.0.1/", 0 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++)
        if ((sts_ecs_check_full_uri(cases[i].uri) == 0) != cases[i].ok)
            fail_msg("%s: expected %s", cases[i].uri, cases[i].ok ? "allowed" : "refused");
}

/* ---- credential_process on a real loop ------------------------------------- */

static uint64_t last_run_ms;      /* how long the latest run_process took */

static got run_process_limit(const char *cmd, uint64_t timeout_ms)
{
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    aws_creds_provider *p = sts_process_provider_new(&loop, cmd, "process:profile:t");
    assert_non_null(p);
    if (timeout_ms)
        sts_process_provider_set_timeout(p, timeout_ms);
    uint64_t t0 = uv_hrtime();
    got g = { 0 };
    assert_int_equal(aws_creds_provider_get(p, record, &g), 0);
    assert_int_equal(g.calls, 0);              /* asynchronous */
    aws_creds_provider_unref(p);               /* the run keeps it alive */
    uv_run(&loop, UV_RUN_DEFAULT);
    last_run_ms = (uv_hrtime() - t0) / 1000000u;
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(g.calls, 1);
    return g;
}

static got run_process(const char *cmd)
{
    return run_process_limit(cmd, 0);
}

static void process_provider(void **state)
{
    (void)state;
    got g = run_process("printf '%s' '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
                        "\"SecretAccessKey\": \"procsecret\", \"SessionToken\": \"proctok\", "
                        "\"Expiration\": \"2030-01-02T03:04:05Z\"}'");
    assert_int_equal(g.err, 0);
    assert_string_equal(g.akid, "AKIAPROC");
    assert_string_equal(g.token, "proctok");
    assert_string_equal(g.source, "process:profile:t");
    assert_int_equal(g.exp, 1893553445);

    g = run_process("echo '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", \"SecretAccessKey\": \"x\"}'; exit 7");
    assert_int_equal(g.err, AWS_EIO);
    assert_string_equal(g.msg, "credential_process exited with status 7");

    g = run_process("echo 'not json at all'");
    assert_int_equal(g.err, AWS_EPARSE);
    assert_non_null(strstr(g.msg, "credential_process:"));
    assert_null(strstr(g.msg, "not json at all"));   /* output is never echoed */

    /* more than the cap: an error, not a truncated parse */
    g = run_process("head -c 70000 /dev/zero | tr '\\0' ' '; echo '{}'");
    assert_int_equal(g.err, AWS_ETOOBIG);

    g = run_process("kill -9 $$");
    assert_int_equal(g.err, AWS_EIO);
    assert_non_null(strstr(g.msg, "signal 9"));
}

/* The helper's stderr is captured, not passed to the terminal: logged
 * after the run, one line per line, prefixed with the profile, control
 * characters as '?' — as warnings when the run failed, only at -v (info)
 * when it worked.  stdout (the secret) never reaches the log. */
static char *process_log(const char *cmd, int level, got *g)
{
    char *text = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&text, &len);
    assert_non_null(f);
    aws_log_set_stream(f);
    aws_log_set_level(level);
    *g = run_process_limit(cmd, 2000);
    aws_log_set_level(AWS_LOG_WARN);
    aws_log_set_stream(stderr);
    fclose(f);
    return text;
}

static void process_provider_stderr(void **state)
{
    (void)state;
    static const char doc[] = "{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
                              "\"SecretAccessKey\": \"procsecret\"}";
    char cmd[512];
    got g;

    /* Failed: every stderr line as a warning, sanitised; no stdout. */
    snprintf(cmd, sizeof(cmd), "printf 'token expired\\033[31m red\\r\\n\\nlog in\\tagain' >&2; "
             "echo '%s'; exit 3", doc);
    char *log = process_log(cmd, AWS_LOG_WARN, &g);
    assert_int_equal(g.err, AWS_EIO);
    assert_string_equal(log,
        "certsweep: warning: credential_process (profile t): token expired?[31m red\n"
        "certsweep: warning: credential_process (profile t): log in?again\n");
    free(log);

    /* Worked: nothing at the default level ... */
    snprintf(cmd, sizeof(cmd), "echo 'helper ran' >&2; echo '%s'", doc);
    log = process_log(cmd, AWS_LOG_WARN, &g);
    assert_int_equal(g.err, 0);
    assert_string_equal(log, "");
    free(log);
    /* ... and an info line at -v. */
    log = process_log(cmd, AWS_LOG_INFO, &g);
    assert_int_equal(g.err, 0);
    assert_string_equal(log, "certsweep: info: credential_process (profile t): helper ran\n");
    free(log);

    /* More than the cap: the first 8 KiB shown, the rest counted. */
    snprintf(cmd, sizeof(cmd), "head -c 10000 /dev/zero | tr '\\0' 'e' >&2; exit 1");
    log = process_log(cmd, AWS_LOG_WARN, &g);
    assert_int_equal(g.err, AWS_EIO);
    assert_non_null(strstr(log, "[line cut]\n"));
    assert_non_null(strstr(log, "credential_process (profile t): 1808 more bytes of stderr not shown\n"));
    free(log);

    /* A background process holding stderr open is not waited for, and
     * what the helper wrote before exiting is still shown. */
    log = process_log("echo 'bye' >&2; sleep 3 >/dev/null & exit 2", AWS_LOG_WARN, &g);
    assert_int_equal(g.err, AWS_EIO);
    assert_true(last_run_ms < 1500);
    assert_string_equal(log, "certsweep: warning: credential_process (profile t): bye\n");
    free(log);
}

/* A helper that never ends, or that ends but leaves a process holding its
 * stdout, is stopped at the time limit with an error naming the profile. */
static void process_provider_timeout(void **state)
{
    (void)state;
    /* (exec: the helper itself is what hangs, and SIGKILL ends it.) */
    got g = run_process_limit("exec sleep 20", 300);
    assert_int_equal(g.err, AWS_ETIMEDOUT);
    assert_string_equal(g.msg, "credential_process for profile 't' timed out after 300 ms "
                               "and was stopped");
    assert_int_equal(g.akid[0], '\0');
    assert_true(last_run_ms >= 250 && last_run_ms < 5000);

    /* The shell exits at once; its background child keeps stdout open
     * (not stderr, which the test runner waits on). */
    g = run_process_limit("sleep 3 2>/dev/null & echo '{\"Version\": 1}'", 300);
    assert_int_equal(g.err, AWS_ETIMEDOUT);
    assert_non_null(strstr(g.msg, "profile 't'"));
    assert_true(last_run_ms >= 250 && last_run_ms < 2500);

    /* A helper that answers in time is not affected by a limit. */
    g = run_process_limit("sleep 0.2; printf '%s' '{\"Version\": 1, \"AccessKeyId\": \"AKIAPROC\", "
                          "\"SecretAccessKey\": \"procsecret\"}'", 5000);
    assert_int_equal(g.err, 0);
    assert_string_equal(g.akid, "AKIAPROC");
    assert_true(last_run_ms < 5000);

    /* Whole seconds read as seconds; other providers ignore the setter. */
    g = run_process_limit("exec sleep 20", 1000);
    assert_int_equal(g.err, AWS_ETIMEDOUT);
    assert_non_null(strstr(g.msg, "timed out after 1 s"));
    aws_creds_provider *env = sts_env_provider_new();
    sts_process_provider_set_timeout(env, 1);
    sts_process_provider_set_timeout(NULL, 1);
    aws_creds_provider_unref(env);
}

/* 1 when pid is running (a zombie waiting for a reaper counts as gone). */
static int pid_running(long pid)
{
    char path[64], buf[512];
    snprintf(path, sizeof(path), "/proc/%ld/stat", pid);
    FILE *f = fopen(path, "r");
    if (!f)
        return 0;
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    fclose(f);
    buf[n] = '\0';
    const char *rp = strrchr(buf, ')');
    return rp && rp[1] == ' ' && rp[2] != 'Z' && rp[2] != 'X';
}

static long read_pid(const char *path)
{
    FILE *f = fopen(path, "r");
    long pid = 0;
    if (f) {
        if (fscanf(f, "%ld", &pid) != 1)
            pid = 0;
        fclose(f);
    }
    return pid;
}

/* A helper that starts a grandchild and hangs: at the time limit the whole
 * process group goes, the grandchild too (SIGTERM); one that ignores
 * SIGTERM is killed after the grace. */
static void process_provider_timeout_group(void **state)
{
    (void)state;
    char dir[] = "/tmp/certsweep-proc-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char pidfile[64], cmd[512];
    snprintf(pidfile, sizeof(pidfile), "%s/pid", dir);

    snprintf(cmd, sizeof(cmd), "sleep 30 </dev/null >/dev/null 2>&1 & echo $! > %s; wait", pidfile);
    got g = run_process_limit(cmd, 300);
    assert_int_equal(g.err, AWS_ETIMEDOUT);
    long pid = read_pid(pidfile);
    assert_true(pid > 0);
    for (int i = 0; i < 50 && pid_running(pid); i++)
        usleep(20000);
    if (pid_running(pid)) {
        kill((pid_t)pid, SIGKILL);
        fail_msg("the helper's grandchild %ld outlived the timeout", pid);
    }
    assert_true(last_run_ms < 300 + STS_PROCESS_KILL_GRACE_MS + 2000);

    /* The grandchild ignores SIGTERM: SIGKILL after the grace. */
    unlink(pidfile);
    snprintf(cmd, sizeof(cmd), "(trap '' TERM; exec sleep 30) </dev/null >/dev/null 2>&1 & "
             "echo $! > %s; wait", pidfile);
    g = run_process_limit(cmd, 300);
    assert_int_equal(g.err, AWS_ETIMEDOUT);
    pid = read_pid(pidfile);
    assert_true(pid > 0);
    for (int i = 0; i < 50 && pid_running(pid); i++)
        usleep(20000);
    if (pid_running(pid)) {
        kill((pid_t)pid, SIGKILL);
        fail_msg("the helper's SIGTERM-proof grandchild %ld outlived the grace", pid);
    }
    assert_true(last_run_ms >= 300 + STS_PROCESS_KILL_GRACE_MS - 100);
    unlink(pidfile);
    rmdir(dir);
}

/* sts_process_stop_all (an interrupted scan) ends a run at once, with
 * AWS_ECANCELED. */
static void stop_all_cb(uv_timer_t *t)
{
    (void)t;
    sts_process_stop_all();
}

static void process_provider_stop_all(void **state)
{
    (void)state;
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    aws_creds_provider *p = sts_process_provider_new(&loop, "exec sleep 30", "process:profile:t");
    got g = { 0 };
    assert_int_equal(aws_creds_provider_get(p, record, &g), 0);
    aws_creds_provider_unref(p);
    uv_timer_t t;
    uv_timer_init(&loop, &t);
    uv_timer_start(&t, stop_all_cb, 100, 0);
    uint64_t t0 = uv_hrtime();
    uv_run(&loop, UV_RUN_DEFAULT);
    uv_close((uv_handle_t *)&t, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(g.calls, 1);
    assert_int_equal(g.err, AWS_ECANCELED);
    assert_non_null(strstr(g.msg, "interrupted"));
    assert_true((uv_hrtime() - t0) / 1000000u < 2000);
}

/* ---- default chain ------------------------------------------------------------ */

static void default_chain_order(void **state)
{
    (void)state;
    clear_env();
    char dir[] = "/tmp/certsweep-chain-XXXXXX";
    assert_non_null(mkdtemp(dir));
    char creds[300];
    snprintf(creds, sizeof(creds), "%s/credentials", dir);
    FILE *f = fopen(creds, "w");
    assert_non_null(f);
    fputs("[default]\naws_access_key_id = AKIAPROFILE\naws_secret_access_key = p\n"
          "[other]\naws_access_key_id = AKIAOTHER\naws_secret_access_key = o\n", f);
    fclose(f);
    setenv("AWS_SHARED_CREDENTIALS_FILE", creds, 1);

    /* The chain never reaches ECS/IMDS here, so no client is needed. */
    aws_creds_provider *ch = NULL;
    got g = { 0 };

    /* env first */
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "e", 1);
    assert_int_equal(sts_default_chain_new(NULL, NULL, NULL, "us-east-1", &ch), 0);
    aws_creds_provider_get(ch, record, &g);
    assert_string_equal(g.source, "env");
    aws_creds_provider_unref(ch);

    /* an explicit profile skips env */
    memset(&g, 0, sizeof(g));
    assert_int_equal(sts_default_chain_new(NULL, NULL, "other", "us-east-1", &ch), 0);
    aws_creds_provider_get(ch, record, &g);
    assert_string_equal(g.akid, "AKIAOTHER");
    assert_string_equal(g.source, "profile:other");
    aws_creds_provider_unref(ch);

    /* without env keys: the default profile */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    memset(&g, 0, sizeof(g));
    assert_int_equal(sts_default_chain_new(NULL, NULL, NULL, "us-east-1", &ch), 0);
    aws_creds_provider_get(ch, record, &g);
    assert_string_equal(g.source, "profile:default");
    assert_string_equal(ch->name, "profile:default");
    aws_creds_provider_unref(ch);

    /* AWS_PROFILE naming a missing profile: the chain moves on and says why */
    setenv("AWS_PROFILE", "ghost", 1);
    memset(&g, 0, sizeof(g));
    assert_int_equal(sts_default_chain_new(NULL, NULL, NULL, "us-east-1", &ch), 0);
    aws_creds_provider_get(ch, record, &g);
    assert_int_equal(g.err, AWS_ENOCREDS);
    assert_non_null(strstr(g.msg, "no credentials: tried env (not set), profile 'ghost' (not in "));
    assert_non_null(strstr(g.msg, "ECS (not configured), IMDS (disabled by AWS_EC2_METADATA_DISABLED)"));
    aws_creds_provider_unref(ch);

    /* --profile naming a missing profile is an error of its own */
    memset(&g, 0, sizeof(g));
    assert_int_equal(sts_default_chain_new(NULL, NULL, "ghost", "us-east-1", &ch), 0);
    aws_creds_provider_get(ch, record, &g);
    assert_int_equal(g.err, AWS_EINVAL);
    assert_non_null(strstr(g.msg, "profile 'ghost': not in "));
    aws_creds_provider_unref(ch);
    unsetenv("AWS_PROFILE");

    /* web identity comes after env keys: env keys win over it */
    setenv("AWS_WEB_IDENTITY_TOKEN_FILE", "/nonexistent/token", 1);
    setenv("AWS_ACCESS_KEY_ID", "AKIAENV", 1);
    setenv("AWS_SECRET_ACCESS_KEY", "e", 1);
    memset(&g, 0, sizeof(g));
    assert_int_equal(sts_default_chain_new(NULL, NULL, NULL, "us-east-1", &ch), 0);
    aws_creds_provider_get(ch, record, &g);
    assert_int_equal(g.err, 0);
    assert_string_equal(g.source, "env");
    aws_creds_provider_unref(ch);
    /* ... and before the profile's keys: a token file without AWS_ROLE_ARN
     * stops the chain with that configuration error */
    unsetenv("AWS_ACCESS_KEY_ID");
    unsetenv("AWS_SECRET_ACCESS_KEY");
    memset(&g, 0, sizeof(g));
    assert_int_equal(sts_default_chain_new(NULL, NULL, NULL, "us-east-1", &ch), 0);
    aws_creds_provider_get(ch, record, &g);
    assert_int_equal(g.err, AWS_EINVAL);
    assert_non_null(strstr(g.msg, "web identity: AWS_WEB_IDENTITY_TOKEN_FILE is set but AWS_ROLE_ARN is not"));
    aws_creds_provider_unref(ch);
    /* --profile ignores the environment's web identity */
    memset(&g, 0, sizeof(g));
    assert_int_equal(sts_default_chain_new(NULL, NULL, "other", "us-east-1", &ch), 0);
    aws_creds_provider_get(ch, record, &g);
    assert_int_equal(g.err, 0);
    assert_string_equal(g.source, "profile:other");
    aws_creds_provider_unref(ch);

    unlink(creds);
    rmdir(dir);
    clear_env();
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(env_provider),
        cmocka_unit_test(json_documents),
        cmocka_unit_test(ecs_full_uri_rules),
        cmocka_unit_test(process_provider),
        cmocka_unit_test(process_provider_timeout),
        cmocka_unit_test(process_provider_timeout_group),
        cmocka_unit_test(process_provider_stop_all),
        cmocka_unit_test(process_provider_stderr),
        cmocka_unit_test(default_chain_order),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
