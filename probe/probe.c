/* certsweep — the served-certificate probe (see probe.h). */
#include "probe/probe.h"

#include "aws/error.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <openssl/bn.h>
#include <openssl/err.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define DEFAULT_TIMEOUT_MS  10000
#define DEFAULT_CONCURRENCY 64
/* Bytes read from a server before the handshake ends: a chain is a few KB;
 * a server that sends more without finishing is not a TLS server. */
#define HANDSHAKE_MAX_BYTES (256 * 1024)

typedef struct queued {
    struct queued *next;
    char host[PROBE_MAX_HOST + 1];
    char address[64];
    int port;
    probe_cb cb;
    void *ud;
} queued;

typedef struct job {
    prober *p;
    queued q;                       /* what was asked */
    uv_timer_t timer;
    uv_tcp_t tcp;
    uv_connect_t connect_req;
    uv_getaddrinfo_t gai;
    int open_handles;               /* initialised handles not yet closed */
    int gai_active;                 /* a lookup (getaddrinfo or dns) the job must outlive */
    int done;                       /* the callback has run */
    int tcp_init;
    int reading;
    size_t received;
    SSL *ssl;
    BIO *rbio, *wbio;               /* owned by ssl */
    probe_result res;
    struct job *next, *prev;        /* in flight */
} job;

struct prober {
    uv_loop_t *loop;
    SSL_CTX *ctx;
    int timeout_ms;
    size_t concurrency;
    dns_resolver *resolver;
    queued *head, *tail;
    size_t queued_n;
    job *active;
    size_t active_n, peak;
    uv_timer_t kick;                /* starts queued probes from the loop */
    int freeing;
    int kick_closed;
    size_t live_jobs;               /* allocated, not yet freed */
};

const char *probe_status_code(probe_status s)
{
    switch (s) {
    case PROBE_OK:          return "OK";
    case PROBE_RESOLVE:     return "ResolveFailed";
    case PROBE_REFUSED:     return "ConnectRefused";
    case PROBE_UNREACHABLE: return "Unreachable";
    case PROBE_TIMEOUT:     return "Timeout";
    case PROBE_HANDSHAKE:   return "Handshake";
    case PROBE_ERROR:       return "ProbeError";
    }
    return "ProbeError";
}

void probe_leaf_finish(probe_leaf *l)
{
    if (!l)
        return;
    for (size_t i = 0; i < l->n_names; i++)
        free(l->names[i]);
    free(l->names);
    l->names = NULL;
    l->n_names = 0;
}

int probe_is_ip(const char *host)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return host && (inet_pton(AF_INET, host, buf) == 1 || inet_pton(AF_INET6, host, buf) == 1);
}

/* ---- the prober ---------------------------------------------------------- */

static void pump(prober *p);

static void kick_cb(uv_timer_t *t)
{
    pump(t->data);
}

int prober_new(uv_loop_t *loop, const probe_options *o, prober **out, char *err, size_t errlen)
{
    *out = NULL;
    prober *p = calloc(1, sizeof(*p));
    if (!p)
        return AWS_ENOMEM;
    p->loop = loop;
    p->timeout_ms = o && o->timeout_ms > 0 ? o->timeout_ms : DEFAULT_TIMEOUT_MS;
    p->concurrency = o && o->concurrency ? o->concurrency : DEFAULT_CONCURRENCY;
    p->resolver = o ? o->resolver : NULL;
    p->ctx = SSL_CTX_new(TLS_client_method());
    if (!p->ctx) {
        free(p);
        return AWS_ENOMEM;
    }
    SSL_CTX_set_min_proto_version(p->ctx, TLS1_VERSION);
    /* The handshake goes on whatever the chain: it is verified all the
     * same, and the verdict read after it (SSL_get_verify_result). */
    SSL_CTX_set_verify(p->ctx, SSL_VERIFY_NONE, NULL);
    int ok = o && o->ca_file ? SSL_CTX_load_verify_locations(p->ctx, o->ca_file, NULL)
                             : SSL_CTX_set_default_verify_paths(p->ctx);
    if (ok != 1) {
        unsigned long e = ERR_get_error();
        snprintf(err, errlen, "cannot load the CA %s: %s",
                 o && o->ca_file ? o->ca_file : "store", ERR_reason_error_string(e)
                     ? ERR_reason_error_string(e) : "unknown error");
        ERR_clear_error();
        SSL_CTX_free(p->ctx);
        free(p);
        return AWS_EINVAL;
    }
    if (o && o->verify_time > 0)
        X509_VERIFY_PARAM_set_time(SSL_CTX_get0_param(p->ctx), (time_t)o->verify_time);
    uv_timer_init(loop, &p->kick);
    p->kick.data = p;
    *out = p;
    return 0;
}

size_t prober_pending(const prober *p)
{
    return p ? p->queued_n + p->active_n : 0;
}

size_t prober_peak(const prober *p)
{
    return p ? p->peak : 0;
}

int prober_add(prober *p, const char *host, int port, const char *address,
               probe_cb cb, void *ud)
{
    if (!p || !host || !*host || strlen(host) > PROBE_MAX_HOST || port < 1 || port > 65535 ||
        !cb || p->freeing)
        return AWS_EINVAL;
    if (address && *address && (strlen(address) >= 64 || !probe_is_ip(address)))
        return AWS_EINVAL;
    queued *q = calloc(1, sizeof(*q));
    if (!q)
        return AWS_ENOMEM;
    snprintf(q->host, sizeof(q->host), "%s", host);
    snprintf(q->address, sizeof(q->address), "%s", address ? address : "");
    q->port = port;
    q->cb = cb;
    q->ud = ud;
    if (p->tail)
        p->tail->next = q;
    else
        p->head = q;
    p->tail = q;
    p->queued_n++;
    /* Started from the loop: a callback never runs inside prober_add. */
    if (!uv_is_active((uv_handle_t *)&p->kick))
        uv_timer_start(&p->kick, kick_cb, 0, 0);
    return 0;
}

/* ---- one probe ------------------------------------------------------------- */

static void job_maybe_free(job *j)
{
    if (j->open_handles > 0 || j->gai_active)
        return;
    prober *p = j->p;
    if (j->ssl)
        SSL_free(j->ssl);
    probe_leaf_finish(&j->res.leaf);
    free(j);
    if (--p->live_jobs == 0 && p->kick_closed)
        free(p);
}

static void on_handle_closed(uv_handle_t *h)
{
    job *j = h->data;
    j->open_handles--;
    job_maybe_free(j);
}

/* Runs the callback once, then takes the job down. */
static void finish(job *j, probe_status st, const char *code, const char *fmt, ...)
    __attribute__((format(printf, 4, 5)));

static void finish(job *j, probe_status st, const char *code, const char *fmt, ...)
{
    if (j->done)
        return;
    j->done = 1;
    prober *p = j->p;
    j->res.status = st;
    snprintf(j->res.code, sizeof(j->res.code), "%s", code ? code : probe_status_code(st));
    if (fmt) {
        va_list ap;
        va_start(ap, fmt);
        vsnprintf(j->res.message, sizeof(j->res.message), fmt, ap);
        va_end(ap);
    }
    /* Out of the in-flight list first: the callback may add probes. */
    if (j->prev)
        j->prev->next = j->next;
    else
        p->active = j->next;
    if (j->next)
        j->next->prev = j->prev;
    p->active_n--;
    j->q.cb(&j->res, j->q.ud);
    probe_leaf_finish(&j->res.leaf);
    uv_timer_stop(&j->timer);
    if (!uv_is_closing((uv_handle_t *)&j->timer))
        uv_close((uv_handle_t *)&j->timer, on_handle_closed);
    if (j->tcp_init && !uv_is_closing((uv_handle_t *)&j->tcp))
        uv_close((uv_handle_t *)&j->tcp, on_handle_closed);
    if (j->gai_active && !p->resolver)
        uv_cancel((uv_req_t *)&j->gai);
    if (!p->freeing)
        pump(p);
}

static probe_status uv_status(int e)
{
    switch (e) {
    case UV_ECONNREFUSED:
        return PROBE_REFUSED;
    case UV_ENETUNREACH:
    case UV_EHOSTUNREACH:
    case UV_EADDRNOTAVAIL:
    case UV_ENETDOWN:
        return PROBE_UNREACHABLE;
    case UV_ETIMEDOUT:
        return PROBE_TIMEOUT;
    default:
        return PROBE_ERROR;
    }
}

static void on_timeout(uv_timer_t *t)
{
    job *j = t->data;
    finish(j, PROBE_TIMEOUT, NULL, "no TLS handshake with %s port %d within %d ms",
           j->q.host, j->q.port, j->p->timeout_ms);
}

typedef struct wreq {
    uv_write_t req;
    char data[];
} wreq;

static void on_written(uv_write_t *req, int status)
{
    (void)status;   /* a failed write shows as a closed connection or a timeout */
    free(req);
}

/* Sends what OpenSSL wrote into the memory BIO. */
static int flush(job *j)
{
    size_t n = (size_t)BIO_ctrl_pending(j->wbio);
    if (n == 0)
        return 0;
    wreq *w = malloc(sizeof(*w) + n);
    if (!w)
        return AWS_ENOMEM;
    int got = BIO_read(j->wbio, w->data, (int)n);
    if (got <= 0) {
        free(w);
        return AWS_EIO;
    }
    uv_buf_t b = uv_buf_init(w->data, (unsigned)got);
    int rc = uv_write(&w->req, (uv_stream_t *)&j->tcp, &b, 1, on_written);
    if (rc != 0) {
        free(w);
        return AWS_EIO;
    }
    return 0;
}

static int64_t asn1_unix(const ASN1_TIME *t)
{
    int days = 0, secs = 0;
    ASN1_TIME *epoch = ASN1_TIME_set(NULL, 0);
    if (!epoch)
        return 0;
    int ok = t && ASN1_TIME_diff(&days, &secs, epoch, t);
    ASN1_TIME_free(epoch);
    return ok ? (int64_t)days * 86400 + secs : 0;
}

static void name_line(X509_NAME *n, char *buf, size_t len)
{
    buf[0] = '\0';
    BIO *b = BIO_new(BIO_s_mem());
    if (!b)
        return;
    if (X509_NAME_print_ex(b, n, 0, XN_FLAG_RFC2253 & ~ASN1_STRFLGS_ESC_MSB) >= 0) {
        int got = BIO_read(b, buf, (int)len - 1);
        buf[got > 0 ? got : 0] = '\0';
    }
    BIO_free(b);
}

static void name_entry(X509_NAME *n, int nid, char *buf, size_t len)
{
    buf[0] = '\0';
    int i = X509_NAME_get_index_by_NID(n, nid, -1);
    if (i < 0)
        return;
    ASN1_STRING *d = X509_NAME_ENTRY_get_data(X509_NAME_get_entry(n, i));
    unsigned char *u = NULL;
    int l = d ? ASN1_STRING_to_UTF8(&u, d) : -1;
    if (l < 0)
        return;
    size_t k = (size_t)l < len - 1 ? (size_t)l : len - 1;
    memcpy(buf, u, k);
    buf[k] = '\0';                  /* an embedded NUL ends the text there */
    OPENSSL_free(u);
}

static void serial_text(const ASN1_INTEGER *ai, probe_leaf *l)
{
    snprintf(l->serial_hex, sizeof(l->serial_hex), "?");
    snprintf(l->serial_dec, sizeof(l->serial_dec), "?");
    BIGNUM *bn = ai ? ASN1_INTEGER_to_BN(ai, NULL) : NULL;
    if (!bn)
        return;
    char *hex = BN_bn2hex(bn), *dec = BN_bn2dec(bn);
    if (hex) {
        const char *h = hex;
        int neg = *h == '-';
        if (neg)
            h++;
        while (h[0] == '0' && h[1])
            h++;
        snprintf(l->serial_hex, sizeof(l->serial_hex), "%s%s", neg ? "-" : "", h);
        for (char *c = l->serial_hex; *c; c++)
            if (*c >= 'A' && *c <= 'F')
                *c = (char)(*c - 'A' + 'a');
    }
    if (dec)
        snprintf(l->serial_dec, sizeof(l->serial_dec), "%s", dec);
    OPENSSL_free(hex);
    OPENSSL_free(dec);
    BN_free(bn);
}

static int add_name(probe_leaf *l, const char *s, size_t n)
{
    if (n == 0 || memchr(s, '\0', n))
        return 0;
    if (l->n_names >= PROBE_MAX_NAMES) {
        l->n_names_dropped++;
        return 0;
    }
    if (!l->names && !(l->names = calloc(PROBE_MAX_NAMES, sizeof(*l->names))))
        return AWS_ENOMEM;
    char *c = malloc(n + 1);
    if (!c)
        return AWS_ENOMEM;
    memcpy(c, s, n);
    c[n] = '\0';
    l->names[l->n_names++] = c;
    return 0;
}

static void read_leaf(X509 *x, probe_leaf *l)
{
    serial_text(X509_get0_serialNumber(x), l);
    X509_NAME *iss = X509_get_issuer_name(x);
    name_line(iss, l->issuer, sizeof(l->issuer));
    name_entry(iss, NID_commonName, l->issuer_cn, sizeof(l->issuer_cn));
    name_entry(iss, NID_organizationName, l->issuer_o, sizeof(l->issuer_o));
    name_line(X509_get_subject_name(x), l->subject, sizeof(l->subject));
    l->not_before = asn1_unix(X509_get0_notBefore(x));
    l->not_after = asn1_unix(X509_get0_notAfter(x));
    GENERAL_NAMES *gens = X509_get_ext_d2i(x, NID_subject_alt_name, NULL, NULL);
    for (int i = 0; gens && i < sk_GENERAL_NAME_num(gens); i++) {
        const GENERAL_NAME *g = sk_GENERAL_NAME_value(gens, i);
        if (g->type != GEN_DNS)
            continue;
        const ASN1_STRING *s = g->d.dNSName;
        (void)add_name(l, (const char *)ASN1_STRING_get0_data(s), (size_t)ASN1_STRING_length(s));
    }
    GENERAL_NAMES_free(gens);
    if (l->n_names == 0) {
        char cn[256];
        name_entry(X509_get_subject_name(x), NID_commonName, cn, sizeof(cn));
        (void)add_name(l, cn, strlen(cn));
    }
}

static void handshake_done(job *j)
{
    X509 *leaf = SSL_get_peer_certificate(j->ssl);
    if (!leaf) {
        finish(j, PROBE_HANDSHAKE, NULL, "the server sent no certificate");
        return;
    }
    probe_result *r = &j->res;
    read_leaf(leaf, &r->leaf);
    STACK_OF(X509) *chain = SSL_get_peer_cert_chain(j->ssl);
    r->chain_len = chain ? (size_t)sk_X509_num(chain) : 1;
    r->verify_error = SSL_get_verify_result(j->ssl);
    r->chain_ok = r->verify_error == X509_V_OK;
    if (!r->chain_ok)
        snprintf(r->verify_message, sizeof(r->verify_message), "%s",
                 X509_verify_cert_error_string(r->verify_error));
    if (probe_is_ip(j->q.host))
        r->name_ok = X509_check_ip_asc(leaf, j->q.host, 0) == 1;
    else
        r->name_ok = X509_check_host(leaf, j->q.host, strlen(j->q.host),
                                     X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS, NULL) == 1;
    snprintf(r->tls_version, sizeof(r->tls_version), "%s", SSL_get_version(j->ssl));
    X509_free(leaf);
    finish(j, PROBE_OK, NULL, NULL);
}

static void step(job *j)
{
    ERR_clear_error();
    int rc = SSL_do_handshake(j->ssl);
    int e = rc == 1 ? SSL_ERROR_NONE : SSL_get_error(j->ssl, rc);
    if (flush(j) != 0) {
        finish(j, PROBE_ERROR, NULL, "cannot send to %s port %d", j->q.host, j->q.port);
        return;
    }
    if (rc == 1) {
        handshake_done(j);
        return;
    }
    if (e == SSL_ERROR_WANT_READ)
        return;
    unsigned long oe = ERR_peek_last_error();
    char buf[200];
    ERR_error_string_n(oe, buf, sizeof(buf));
    ERR_clear_error();
    finish(j, PROBE_HANDSHAKE, NULL, "TLS handshake with %s port %d failed: %s", j->q.host,
           j->q.port, oe ? buf : "the server ended it");
}

static void on_alloc(uv_handle_t *h, size_t suggested, uv_buf_t *buf)
{
    (void)h;
    if (suggested > 16384)
        suggested = 16384;
    buf->base = malloc(suggested);
    buf->len = buf->base ? suggested : 0;
}

static void on_read(uv_stream_t *s, ssize_t n, const uv_buf_t *buf)
{
    job *j = s->data;
    if (n > 0 && !j->done) {
        j->received += (size_t)n;
        if (j->received > HANDSHAKE_MAX_BYTES) {
            free(buf->base);
            finish(j, PROBE_HANDSHAKE, NULL, "%s port %d sent more than %d KiB without "
                   "finishing the handshake", j->q.host, j->q.port, HANDSHAKE_MAX_BYTES / 1024);
            return;
        }
        if (BIO_write(j->rbio, buf->base, (int)n) != (int)n) {
            free(buf->base);
            finish(j, PROBE_ERROR, NULL, "out of memory");
            return;
        }
        free(buf->base);
        step(j);
        return;
    }
    free(buf->base);
    if (n < 0 && !j->done)
        finish(j, PROBE_HANDSHAKE, NULL, "%s port %d closed the connection during the TLS "
               "handshake (%s)", j->q.host, j->q.port,
               n == UV_EOF ? "end of stream" : uv_strerror((int)n));
}

static void on_connect(uv_connect_t *req, int status)
{
    job *j = req->data;
    if (j->done)
        return;
    if (status < 0) {
        probe_status st = uv_status(status);
        finish(j, st, NULL, "connect to %s port %d (%s): %s", j->q.host, j->q.port,
               j->res.address, uv_strerror(status));
        return;
    }
    j->ssl = SSL_new(j->p->ctx);
    j->rbio = BIO_new(BIO_s_mem());
    j->wbio = BIO_new(BIO_s_mem());
    if (!j->ssl || !j->rbio || !j->wbio) {
        BIO_free(j->rbio);
        BIO_free(j->wbio);
        j->rbio = j->wbio = NULL;
        finish(j, PROBE_ERROR, NULL, "out of memory");
        return;
    }
    SSL_set_bio(j->ssl, j->rbio, j->wbio);
    SSL_set_connect_state(j->ssl);
    if (!probe_is_ip(j->q.host))
        SSL_set_tlsext_host_name(j->ssl, j->q.host);
    if (uv_read_start((uv_stream_t *)&j->tcp, on_alloc, on_read) != 0) {
        finish(j, PROBE_ERROR, NULL, "cannot read from %s", j->q.host);
        return;
    }
    step(j);
}

static void connect_addr(job *j, const struct sockaddr *sa)
{
    char ip[64] = "";
    if (sa->sa_family == AF_INET)
        uv_ip4_name((const struct sockaddr_in *)sa, ip, sizeof(ip));
    else if (sa->sa_family == AF_INET6)
        uv_ip6_name((const struct sockaddr_in6 *)sa, ip, sizeof(ip));
    snprintf(j->res.address, sizeof(j->res.address), "%s", ip);
    if (uv_tcp_init(j->p->loop, &j->tcp) != 0) {
        finish(j, PROBE_ERROR, NULL, "cannot open a socket");
        return;
    }
    j->tcp_init = 1;
    j->open_handles++;
    j->tcp.data = j;
    j->connect_req.data = j;
    int rc = uv_tcp_connect(&j->connect_req, &j->tcp, sa, on_connect);
    if (rc != 0)
        finish(j, uv_status(rc), NULL, "connect to %s port %d (%s): %s", j->q.host, j->q.port,
               ip, uv_strerror(rc));
}

static int literal_addr(const char *ip, int port, struct sockaddr_storage *ss)
{
    memset(ss, 0, sizeof(*ss));
    if (uv_ip4_addr(ip, port, (struct sockaddr_in *)ss) == 0)
        return 0;
    if (uv_ip6_addr(ip, port, (struct sockaddr_in6 *)ss) == 0)
        return 0;
    return AWS_EINVAL;
}

static void connect_first(job *j, const struct sockaddr *sa, socklen_t len)
{
    struct sockaddr_storage ss;
    memset(&ss, 0, sizeof(ss));
    memcpy(&ss, sa, len < sizeof(ss) ? len : sizeof(ss));
    if (ss.ss_family == AF_INET)
        ((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)j->q.port);
    else
        ((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)j->q.port);
    connect_addr(j, (struct sockaddr *)&ss);
}

static void on_resolved(uv_getaddrinfo_t *req, int status, struct addrinfo *ai)
{
    job *j = req->data;
    j->gai_active = 0;
    if (j->done) {
        uv_freeaddrinfo(ai);
        job_maybe_free(j);
        return;
    }
    if (status < 0 || !ai) {
        finish(j, PROBE_RESOLVE, status == UV_EAI_NONAME ? "DnsNXDOMAIN" : "ResolveFailed",
               "cannot resolve %s: %s", j->q.host, status < 0 ? uv_strerror(status) : "no address");
        uv_freeaddrinfo(ai);
        return;
    }
    struct sockaddr_storage ss;
    socklen_t len = ai->ai_addrlen < sizeof(ss) ? ai->ai_addrlen : sizeof(ss);
    memcpy(&ss, ai->ai_addr, len);
    uv_freeaddrinfo(ai);
    connect_first(j, (struct sockaddr *)&ss, len);
}

static void on_dns(dns_status st, const struct sockaddr *const *addrs, size_t n, void *ud)
{
    job *j = ud;
    j->gai_active = 0;
    if (j->done) {
        job_maybe_free(j);
        return;
    }
    if (st != DNS_OK || n == 0) {
        char code[40];
        snprintf(code, sizeof(code), "Dns%s", dns_status_name(st));
        finish(j, PROBE_RESOLVE, code, "cannot resolve %s: %s", j->q.host,
               st == DNS_OK ? "no address" : dns_status_name(st));
        return;
    }
    const struct sockaddr *sa = addrs[0];
    connect_first(j, sa, sa->sa_family == AF_INET6 ? sizeof(struct sockaddr_in6)
                                                   : sizeof(struct sockaddr_in));
}

/* The one place a name becomes an address: the scan's resolver (c-ares),
 * else getaddrinfo on libuv's thread pool.  The first address is tried. */
static void probe_resolve(job *j)
{
    if (j->p->resolver) {
        int rc = dns_resolve_addr(j->p->resolver, j->q.host, on_dns, j);
        if (rc != 0) {
            finish(j, PROBE_RESOLVE, "ResolveFailed", "cannot resolve %s: %s", j->q.host,
                   aws_strerror(rc));
            return;
        }
        j->gai_active = 1;
        return;
    }
    struct addrinfo hints;
    memset(&hints, 0, sizeof(hints));
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    j->gai.data = j;
    int rc = uv_getaddrinfo(j->p->loop, &j->gai, on_resolved, j->q.host, NULL, &hints);
    if (rc != 0) {
        finish(j, PROBE_RESOLVE, "ResolveFailed", "cannot resolve %s: %s", j->q.host,
               uv_strerror(rc));
        return;
    }
    j->gai_active = 1;
}

static void start(prober *p, queued *q)
{
    job *j = calloc(1, sizeof(*j));
    if (!j) {
        probe_result r;
        memset(&r, 0, sizeof(r));
        r.status = PROBE_ERROR;
        snprintf(r.code, sizeof(r.code), "%s", probe_status_code(PROBE_ERROR));
        snprintf(r.message, sizeof(r.message), "out of memory");
        q->cb(&r, q->ud);
        return;
    }
    p->live_jobs++;
    j->p = p;
    j->q = *q;
    j->q.next = NULL;
    j->next = p->active;
    if (p->active)
        p->active->prev = j;
    p->active = j;
    if (++p->active_n > p->peak)
        p->peak = p->active_n;
    uv_timer_init(p->loop, &j->timer);
    j->timer.data = j;
    j->open_handles++;
    uv_timer_start(&j->timer, on_timeout, (uint64_t)p->timeout_ms, 0);
    const char *ip = *j->q.address ? j->q.address : probe_is_ip(j->q.host) ? j->q.host : NULL;
    if (ip) {
        struct sockaddr_storage ss;
        if (literal_addr(ip, j->q.port, &ss) != 0) {
            finish(j, PROBE_ERROR, NULL, "'%s' is not an IP address", ip);
            return;
        }
        connect_addr(j, (struct sockaddr *)&ss);
        return;
    }
    probe_resolve(j);
}

static void pump(prober *p)
{
    while (p->head && p->active_n < p->concurrency && !p->freeing) {
        queued *q = p->head;
        p->head = q->next;
        if (!p->head)
            p->tail = NULL;
        p->queued_n--;
        start(p, q);
        free(q);
    }
}

static void on_kick_closed(uv_handle_t *h)
{
    prober *p = h->data;
    p->kick_closed = 1;
    if (p->live_jobs == 0)
        free(p);
}

void prober_free(prober *p)
{
    if (!p)
        return;
    p->freeing = 1;
    uv_timer_stop(&p->kick);
    while (p->head) {
        queued *q = p->head;
        p->head = q->next;
        p->queued_n--;
        probe_result r;
        memset(&r, 0, sizeof(r));
        r.status = PROBE_ERROR;
        snprintf(r.code, sizeof(r.code), "Cancelled");
        snprintf(r.message, sizeof(r.message), "cancelled");
        q->cb(&r, q->ud);
        free(q);
    }
    p->tail = NULL;
    while (p->active)
        finish(p->active, PROBE_ERROR, "Cancelled", "cancelled");
    SSL_CTX_free(p->ctx);
    p->ctx = NULL;
    /* The jobs' SSL objects hold their own reference to the context; p
     * goes when the last job and the kick timer have closed. */
    uv_close((uv_handle_t *)&p->kick, on_kick_closed);
}
