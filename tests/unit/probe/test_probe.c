/* Unit tests of the probe transport (probe/probe.h) against plain TCP
 * servers on the test's own loop: what a probe says when the endpoint is
 * silent (timeout), not TLS (handshake), closes at once, or refuses; the
 * concurrency cap; cancelling at free; the loop closes cleanly.  Handshakes
 * that succeed are covered by the integration test `probe` (TLS servers
 * with generated certificates). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "aws/error.h"
#include "probe/probe.h"

typedef enum { SRV_SILENT, SRV_GARBAGE, SRV_CLOSE } srv_mode;

typedef struct server {
    uv_tcp_t listener;
    srv_mode mode;
    int port;
} server;

typedef struct conn {
    uv_tcp_t tcp;
    server *s;
    uv_write_t w;
} conn;

static void conn_closed(uv_handle_t *h)
{
    free(h->data);
}

static void srv_alloc(uv_handle_t *h, size_t n, uv_buf_t *b)
{
    (void)h;
    static char buf[4096];
    (void)n;
    *b = uv_buf_init(buf, sizeof(buf));
}

static void srv_written(uv_write_t *w, int status)
{
    (void)status;
    conn *c = w->data;
    uv_close((uv_handle_t *)&c->tcp, conn_closed);
}

static void srv_read(uv_stream_t *st, ssize_t n, const uv_buf_t *b)
{
    (void)b;
    conn *c = st->data;
    if (n < 0) {
        if (!uv_is_closing((uv_handle_t *)st))
            uv_close((uv_handle_t *)st, conn_closed);
        return;
    }
    if (n > 0 && c->s->mode == SRV_GARBAGE) {
        static char reply[] = "HTTP/1.0 400 Bad Request\r\n\r\nthis is not TLS\r\n";
        uv_buf_t r = uv_buf_init(reply, sizeof(reply) - 1);
        uv_read_stop(st);
        c->w.data = c;
        uv_write(&c->w, st, &r, 1, srv_written);
    }
}

static void on_conn(uv_stream_t *l, int status)
{
    server *s = l->data;
    assert_int_equal(status, 0);
    conn *c = calloc(1, sizeof(*c));
    assert_non_null(c);
    c->s = s;
    uv_tcp_init(l->loop, &c->tcp);
    c->tcp.data = c;
    assert_int_equal(uv_accept(l, (uv_stream_t *)&c->tcp), 0);
    if (s->mode == SRV_CLOSE) {
        uv_close((uv_handle_t *)&c->tcp, conn_closed);
        return;
    }
    uv_read_start((uv_stream_t *)&c->tcp, srv_alloc, srv_read);
}

static void server_start(uv_loop_t *loop, server *s, srv_mode mode)
{
    struct sockaddr_in a;
    memset(s, 0, sizeof(*s));
    s->mode = mode;
    uv_ip4_addr("127.0.0.1", 0, &a);
    uv_tcp_init(loop, &s->listener);
    s->listener.data = s;
    assert_int_equal(uv_tcp_bind(&s->listener, (const struct sockaddr *)&a, 0), 0);
    assert_int_equal(uv_listen((uv_stream_t *)&s->listener, 128, on_conn), 0);
    struct sockaddr_storage ss;
    int len = sizeof(ss);
    uv_tcp_getsockname(&s->listener, (struct sockaddr *)&ss, &len);
    s->port = ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

/* A port nothing listens on: bound, then closed. */
static int closed_port(uv_loop_t *loop)
{
    server s;
    server_start(loop, &s, SRV_SILENT);
    int port = s.port;
    uv_close((uv_handle_t *)&s.listener, NULL);
    uv_run(loop, UV_RUN_NOWAIT);
    return port;
}

typedef struct seen {
    int calls;
    probe_status status;
    char code[40];
    char message[256];
} seen;

static void on_probe(const probe_result *r, void *ud)
{
    seen *s = ud;
    s->calls++;
    s->status = r->status;
    snprintf(s->code, sizeof(s->code), "%s", r->code);
    snprintf(s->message, sizeof(s->message), "%s", r->message);
}

static void run_until(uv_loop_t *loop, prober *p)
{
    while (prober_pending(p) > 0)
        uv_run(loop, UV_RUN_ONCE);
}

static void finish_loop(uv_loop_t *loop, prober *p, server *s, size_t n_servers)
{
    prober_free(p);
    for (size_t i = 0; i < n_servers; i++)
        uv_close((uv_handle_t *)&s[i].listener, NULL);
    uv_run(loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(loop), 0);
}

static void test_outcomes(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    server srv[3];
    server_start(&loop, &srv[0], SRV_SILENT);
    server_start(&loop, &srv[1], SRV_GARBAGE);
    server_start(&loop, &srv[2], SRV_CLOSE);
    int refused = closed_port(&loop);
    probe_options o = { .timeout_ms = 300, .concurrency = 8 };
    prober *p = NULL;
    char err[200];
    assert_int_equal(prober_new(&loop, &o, &p, err, sizeof(err)), 0);
    seen silent = { 0 }, garbage = { 0 }, closing = { 0 }, ref = { 0 };
    assert_int_equal(prober_add(p, "silent.test", srv[0].port, "127.0.0.1", on_probe, &silent), 0);
    assert_int_equal(prober_add(p, "garbage.test", srv[1].port, "127.0.0.1", on_probe, &garbage), 0);
    assert_int_equal(prober_add(p, "127.0.0.1", srv[2].port, NULL, on_probe, &closing), 0);
    assert_int_equal(prober_add(p, "refused.test", refused, "127.0.0.1", on_probe, &ref), 0);
    /* Never from inside prober_add. */
    assert_int_equal(silent.calls + garbage.calls + closing.calls + ref.calls, 0);
    run_until(&loop, p);
    assert_int_equal(silent.calls, 1);
    assert_int_equal(silent.status, PROBE_TIMEOUT);
    assert_string_equal(silent.code, "Timeout");
    assert_non_null(strstr(silent.message, "within 300 ms"));
    assert_int_equal(garbage.calls, 1);
    assert_int_equal(garbage.status, PROBE_HANDSHAKE);
    assert_string_equal(garbage.code, "Handshake");
    assert_int_equal(closing.calls, 1);
    assert_int_equal(closing.status, PROBE_HANDSHAKE);
    assert_non_null(strstr(closing.message, "closed the connection"));
    assert_int_equal(ref.calls, 1);
    assert_int_equal(ref.status, PROBE_REFUSED);
    assert_string_equal(ref.code, "ConnectRefused");
    finish_loop(&loop, p, srv, 3);
}

static void test_concurrency_cap_and_cancel(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    server srv;
    server_start(&loop, &srv, SRV_SILENT);
    probe_options o = { .timeout_ms = 100, .concurrency = 3 };
    prober *p = NULL;
    char err[200];
    assert_int_equal(prober_new(&loop, &o, &p, err, sizeof(err)), 0);
    seen s[10];
    memset(s, 0, sizeof(s));
    for (int i = 0; i < 10; i++)
        assert_int_equal(prober_add(p, "silent.test", srv.port, "127.0.0.1", on_probe, &s[i]), 0);
    assert_int_equal(prober_pending(p), 10);
    run_until(&loop, p);
    assert_int_equal(prober_peak(p), 3);
    for (int i = 0; i < 10; i++) {
        assert_int_equal(s[i].calls, 1);
        assert_int_equal(s[i].status, PROBE_TIMEOUT);
    }
    /* Queued and in flight at free: each callback runs once, cancelled. */
    seen c[5];
    memset(c, 0, sizeof(c));
    for (int i = 0; i < 5; i++)
        assert_int_equal(prober_add(p, "silent.test", srv.port, "127.0.0.1", on_probe, &c[i]), 0);
    uv_run(&loop, UV_RUN_NOWAIT);   /* three start */
    prober_free(p);
    for (int i = 0; i < 5; i++) {
        assert_int_equal(c[i].calls, 1);
        assert_string_equal(c[i].code, "Cancelled");
    }
    uv_close((uv_handle_t *)&srv.listener, NULL);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

static void test_bad_arguments(void **state)
{
    (void)state;
    uv_loop_t loop;
    uv_loop_init(&loop);
    prober *p = NULL;
    char err[200];
    probe_options bad = { .ca_file = "/nonexistent/ca.pem" };
    assert_int_equal(prober_new(&loop, &bad, &p, err, sizeof(err)), AWS_EINVAL);
    assert_null(p);
    assert_non_null(strstr(err, "/nonexistent/ca.pem"));
    assert_int_equal(prober_new(&loop, NULL, &p, err, sizeof(err)), 0);
    seen s = { 0 };
    char longname[300];
    memset(longname, 'a', 254);
    longname[254] = '\0';
    assert_int_equal(prober_add(p, "", 443, NULL, on_probe, &s), AWS_EINVAL);
    assert_int_equal(prober_add(p, longname, 443, NULL, on_probe, &s), AWS_EINVAL);
    assert_int_equal(prober_add(p, "a.test", 0, NULL, on_probe, &s), AWS_EINVAL);
    assert_int_equal(prober_add(p, "a.test", 65536, NULL, on_probe, &s), AWS_EINVAL);
    assert_int_equal(prober_add(p, "a.test", 443, "not-an-ip", on_probe, &s), AWS_EINVAL);
    assert_int_equal(prober_add(p, "a.test", 443, NULL, NULL, &s), AWS_EINVAL);
    assert_int_equal(prober_pending(p), 0);
    assert_true(probe_is_ip("127.0.0.1"));
    assert_true(probe_is_ip("::1"));
    assert_false(probe_is_ip("example.com"));
    assert_string_equal(probe_status_code(PROBE_UNREACHABLE), "Unreachable");
    prober_free(p);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_outcomes),
        cmocka_unit_test(test_concurrency_cap_and_cancel),
        cmocka_unit_test(test_bad_arguments),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
