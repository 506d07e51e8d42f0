/* Unit tests: aws/secret.c (the registry of held secrets and redaction). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/creds.h"
#include "aws/http.h"
#include "aws/log.h"
#include "aws/secret.h"

/* The loop registers while a pool thread logs: a worker redacting in a
 * loop while this thread registers and drops secrets (the registry grows
 * and shrinks, so an unlocked reader would read freed memory under ASan)
 * always sees a held secret redacted. */
static void *redact_worker(void *arg)
{
    int *stop = arg;
    long rounds = 0;
    while (!__atomic_load_n(stop, __ATOMIC_ACQUIRE) || rounds < 1000) {
        char *out = aws_secret_redact("held=HELDSECRET01 x");
        if (!out || strcmp(out, "held=" AWS_SECRET_MARKER " x") != 0) {
            free(out);
            return (void *)1;
        }
        free(out);
        rounds++;
    }
    return NULL;
}

static void registry_shared_with_a_thread(void **state)
{
    (void)state;
    assert_int_equal(aws_secret_register("HELDSECRET01"), 0);
    int stop = 0;
    pthread_t t;
    assert_int_equal(pthread_create(&t, NULL, redact_worker, &stop), 0);
    char v[32];
    for (int i = 0; i < 20000; i++) {
        snprintf(v, sizeof(v), "churn-secret-%d", i % 40);
        assert_int_equal(aws_secret_register(v), 0);
        if (i % 40 == 39)
            for (int k = 0; k < 40; k++) {
                snprintf(v, sizeof(v), "churn-secret-%d", k);
                aws_secret_unregister(v);
            }
    }
    __atomic_store_n(&stop, 1, __ATOMIC_RELEASE);
    void *bad = NULL;
    assert_int_equal(pthread_join(t, &bad), 0);
    assert_null(bad);
    aws_secret_unregister("HELDSECRET01");
    assert_int_equal(aws_secret_count(), 0);
}

static void redact_copy(void **state)
{
    (void)state;
    assert_int_equal(aws_secret_register("TOKEN123456"), 0);
    assert_int_equal(aws_secret_register("abc"), 0);           /* too short: ignored */
    assert_int_equal(aws_secret_count(), 1);
    char *s = aws_secret_redact("X-Amz-Security-Token: TOKEN123456, again TOKEN123456.");
    assert_string_equal(s, "X-Amz-Security-Token: " AWS_SECRET_MARKER ", again "
                           AWS_SECRET_MARKER ".");
    free(s);
    s = aws_secret_redact("abc stays");
    assert_string_equal(s, "abc stays");
    free(s);
    /* registered twice: still held after one unregister */
    assert_int_equal(aws_secret_register("TOKEN123456"), 0);
    aws_secret_unregister("TOKEN123456");
    s = aws_secret_redact("TOKEN123456");
    assert_string_equal(s, AWS_SECRET_MARKER);
    free(s);
    aws_secret_unregister("TOKEN123456");
    assert_int_equal(aws_secret_count(), 0);
    s = aws_secret_redact("TOKEN123456");
    assert_string_equal(s, "TOKEN123456");
    free(s);
}

/* Fixed buffers: the marker is longer than a short secret; what no longer
 * fits is cut, never overflowed; overlapping secrets take the longest. */
static void redact_in_place(void **state)
{
    (void)state;
    aws_secret_register("sixsix");
    aws_secret_register("sixsixseven");
    char buf[40] = "a sixsix b sixsixseven";
    assert_int_equal(aws_secret_redact_buf(buf, sizeof(buf)), 2);
    assert_string_equal(buf, "a " AWS_SECRET_MARKER " b " AWS_SECRET_MARKER);
    char small[12] = "xx sixsix";
    aws_secret_redact_buf(small, sizeof(small));
    assert_string_equal(small, "xx [REDACTE");
    assert_null(strstr(small, "sixsix"));
    aws_secret_unregister("sixsix");
    aws_secret_unregister("sixsixseven");
}

/* Credentials register their secret key and session token while they
 * live; a log line quoting them shows the marker. */
static void creds_and_log(void **state)
{
    (void)state;
    aws_creds *c = aws_creds_new("AKIDEXAMPLE", "SECRETKEYVALUE", "SESSIONTOKENVALUE", 0, "test");
    assert_non_null(c);
    char *out = NULL;
    size_t len = 0;
    FILE *f = open_memstream(&out, &len);
    assert_non_null(f);
    aws_log_set_stream(f);
    aws_log_error("server said: X-Amz-Security-Token: %s key %s id %s", c->session_token,
                  c->secret_access_key, c->access_key_id);
    aws_log_set_stream(NULL);
    fclose(f);
    assert_null(strstr(out, "SESSIONTOKENVALUE"));
    assert_null(strstr(out, "SECRETKEYVALUE"));
    assert_non_null(strstr(out, "AKIDEXAMPLE"));       /* key ids are not secret */
    assert_non_null(strstr(out, "X-Amz-Security-Token: " AWS_SECRET_MARKER));
    free(out);
    aws_creds_unref(c);
    assert_int_equal(aws_secret_count(), 0);
}

/* A proxy URL's password is held (and redacted) while the transport lives. */
static void proxy_password(void **state)
{
    (void)state;
    setenv("HTTPS_PROXY", "http://me:proxyPassw0rd@127.0.0.1:9", 1);
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    aws_http *h = NULL;
    assert_int_equal(aws_http_new(&loop, NULL, &h), 0);
    char *s = aws_secret_redact("proxy said: bad password proxyPassw0rd for me");
    assert_string_equal(s, "proxy said: bad password " AWS_SECRET_MARKER " for me");
    free(s);
    aws_http_free(h);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    assert_int_equal(aws_secret_count(), 0);
    unsetenv("HTTPS_PROXY");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(redact_copy),
        cmocka_unit_test(redact_in_place),
        cmocka_unit_test(creds_and_log),
        cmocka_unit_test(proxy_password),
        cmocka_unit_test(registry_shared_with_a_thread),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
