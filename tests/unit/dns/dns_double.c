/* A UDP name server double for the unit tests of dns/ and scanner/'s DNS
 * checks: answers on 127.0.0.1 (an ephemeral port) on the test's own libuv
 * loop, by name (see dns_double.h). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <netinet/in.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "dns_double.h"

/* ---- building DNS messages ---------------------------------------------- */


void dns_msg_put16(dns_msg *m, unsigned v)
{
    m->b[m->n++] = (unsigned char)(v >> 8);
    m->b[m->n++] = (unsigned char)v;
}

void dns_msg_put_name(dns_msg *m, const char *name)
{
    while (*name) {
        const char *dot = strchr(name, '.');
        size_t l = dot ? (size_t)(dot - name) : strlen(name);
        m->b[m->n++] = (unsigned char)l;
        memcpy(m->b + m->n, name, l);
        m->n += l;
        name += l + (dot ? 1 : 0);
    }
    m->b[m->n++] = 0;
}

/* A response header + one question (name, type). */
void dns_msg_put_header(dns_msg *m, unsigned id, unsigned rcode, unsigned ancount,
                       const char *qname, unsigned qtype)
{
    m->n = 0;
    dns_msg_put16(m, id);
    dns_msg_put16(m, 0x8180 | rcode);
    dns_msg_put16(m, 1);
    dns_msg_put16(m, ancount);
    dns_msg_put16(m, 0);
    dns_msg_put16(m, 0);
    dns_msg_put_name(m, qname);
    dns_msg_put16(m, qtype);
    dns_msg_put16(m, 1);
}

void dns_msg_put_cname_rr(dns_msg *m, const char *target)
{
    dns_msg_put16(m, 0xC00C);   /* the question's name */
    dns_msg_put16(m, 5);
    dns_msg_put16(m, 1);
    dns_msg_put16(m, 0);
    dns_msg_put16(m, 300);
    size_t rdlen_at = m->n;
    dns_msg_put16(m, 0);
    size_t start = m->n;
    dns_msg_put_name(m, target);
    size_t rdlen = m->n - start;
    m->b[rdlen_at] = (unsigned char)(rdlen >> 8);
    m->b[rdlen_at + 1] = (unsigned char)rdlen;
}

/* ---- a UDP name server double on the loop -------------------------------- */


static void srv_alloc(uv_handle_t *h, size_t size, uv_buf_t *b)
{
    (void)size;
    dns_double *s = h->data;
    *b = uv_buf_init(s->buf, sizeof(s->buf));
}

typedef struct send_req { uv_udp_send_t req; dns_msg m; } send_req;

static void srv_sent(uv_udp_send_t *req, int status)
{
    (void)status;
    free(req->data);
}

/* The question's name as text ("a.b"), its type; 0 or -1. */
static int read_question(const unsigned char *p, size_t n, char *name, size_t cap,
                         unsigned *qtype)
{
    size_t pos = 12, o = 0;
    if (n < 12)
        return -1;
    while (pos < n && p[pos]) {
        size_t l = p[pos++];
        if (pos + l > n || o + l + 2 > cap)
            return -1;
        if (o)
            name[o++] = '.';
        memcpy(name + o, p + pos, l);
        o += l;
        pos += l;
    }
    name[o] = '\0';
    if (pos + 5 > n)
        return -1;
    *qtype = ((unsigned)p[pos + 1] << 8) | p[pos + 2];
    return 0;
}

/* Answers by name: ok.test (CNAME), upper.test (CNAME in capitals, with
 * the trailing dot the wire always has), nx.test (NXDOMAIN), nodata.test,
 * fail.test (SERVFAIL), refused.test, bad.test (malformed), a.test (A
 * 192.0.2.7, no AAAA), silent.test (no answer at all). */
static void srv_recv(uv_udp_t *h, ssize_t nread, const uv_buf_t *b,
                     const struct sockaddr *from, unsigned flags)
{
    (void)flags;
    dns_double *s = h->data;
    char name[256];
    unsigned qtype = 0;
    if (nread <= 0 || !from)
        return;
    const unsigned char *p = (const unsigned char *)b->base;
    if (read_question(p, (size_t)nread, name, sizeof(name), &qtype) != 0)
        return;
    s->queries++;
    unsigned id = ((unsigned)p[0] << 8) | p[1];
    send_req *r = calloc(1, sizeof(*r));
    assert_non_null(r);
    dns_msg *m = &r->m;
    if (strcmp(name, "ok.test") == 0 && qtype == 5) {
        dns_msg_put_header(m, id, 0, 1, name, qtype);
        dns_msg_put_cname_rr(m, "_target.acm-validations.aws");
    } else if (strcmp(name, "upper.test") == 0 && qtype == 5) {
        dns_msg_put_header(m, id, 0, 1, name, qtype);
        dns_msg_put_cname_rr(m, "_TARGET.ACM-Validations.AWS");
    } else if (strcmp(name, "nx.test") == 0) {
        dns_msg_put_header(m, id, 3, 0, name, qtype);
    } else if (strcmp(name, "fail.test") == 0) {
        dns_msg_put_header(m, id, 2, 0, name, qtype);
    } else if (strcmp(name, "refused.test") == 0) {
        dns_msg_put_header(m, id, 5, 0, name, qtype);
    } else if (strcmp(name, "bad.test") == 0) {
        dns_msg_put_header(m, id, 0, 1, name, qtype);
        dns_msg_put16(m, 0xC00C);
        dns_msg_put16(m, 5);   /* and then nothing */
    } else if (strcmp(name, "a.test") == 0 && qtype == 1) {
        dns_msg_put_header(m, id, 0, 1, name, qtype);
        dns_msg_put16(m, 0xC00C); dns_msg_put16(m, 1); dns_msg_put16(m, 1); dns_msg_put16(m, 0); dns_msg_put16(m, 60);
        dns_msg_put16(m, 4); dns_msg_put16(m, 0xC000); dns_msg_put16(m, 0x0207);
    } else if (strcmp(name, "silent.test") == 0) {
        free(r);
        return;
    } else {
        dns_msg_put_header(m, id, 0, 0, name, qtype);   /* NOERROR, no answer */
    }
    r->req.data = r;
    uv_buf_t out = uv_buf_init((char *)m->b, (unsigned)m->n);
    assert_int_equal(uv_udp_send(&r->req, h, &out, 1, from, srv_sent), 0);
}

void dns_double_start(uv_loop_t *loop, dns_double *s)
{
    struct sockaddr_in a;
    struct sockaddr_storage got;
    int len = sizeof(got);
    memset(s, 0, sizeof(*s));
    assert_int_equal(uv_udp_init(loop, &s->udp), 0);
    s->udp.data = s;
    uv_ip4_addr("127.0.0.1", 0, &a);
    assert_int_equal(uv_udp_bind(&s->udp, (const struct sockaddr *)&a, 0), 0);
    assert_int_equal(uv_udp_getsockname(&s->udp, (struct sockaddr *)&got, &len), 0);
    s->port = ntohs(((struct sockaddr_in *)&got)->sin_port);
    assert_int_equal(uv_udp_recv_start(&s->udp, srv_alloc, srv_recv), 0);
}

void dns_double_stop(dns_double *s)
{
    uv_close((uv_handle_t *)&s->udp, NULL);
}

