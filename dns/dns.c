/* certsweep — the c-ares resolver on the caller's libuv loop.
 *
 * Three kinds of handle: one uv_poll_t per socket c-ares asks to watch
 * (its socket state callback opens and closes them), one uv_timer_t that
 * follows ares_timeout(), and one uv_timer_t that starts queued lookups
 * (pacing and the in-flight cap).  Every handle is closed with uv_close
 * and its memory freed in the close callback; the resolver itself is freed
 * when its last handle has closed.
 */
#include "dns/dns.h"
#include "dns/reply.h"

#include <arpa/inet.h>
#include <ares.h>
#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/error.h"

enum { CLASS_IN = 1, TYPE_CNAME = 5 };

typedef enum query_kind { Q_ADDR, Q_CNAME } query_kind;

typedef struct dns_query {
    struct dns_query *next;
    dns_resolver *r;
    query_kind kind;
    dns_addr_cb addr_cb;
    dns_cname_cb cname_cb;
    void *ud;
    char name[];
} dns_query;

typedef struct dns_sock {
    uv_poll_t poll;
    struct dns_sock *next;
    dns_resolver *r;
    ares_socket_t fd;
    int events;
} dns_sock;

struct dns_resolver {
    uv_loop_t *loop;
    ares_channel channel;
    uv_timer_t ares_timer;      /* c-ares' own timeouts */
    uv_timer_t pace_timer;      /* starts queued lookups */
    size_t handles_open;        /* initialised handles not yet closed */
    dns_sock *socks;            /* watched sockets */
    dns_query *head, *tail;     /* waiting to start */
    size_t inflight, max_inflight;
    size_t started;
    double interval_ns;         /* between starts; 0: no cap */
    uint64_t next_start_ns;     /* earliest start of the next lookup */
    int closing;
};

const char *dns_status_name(dns_status s)
{
    switch (s) {
    case DNS_OK: return "OK";
    case DNS_NXDOMAIN: return "NXDOMAIN";
    case DNS_NODATA: return "NODATA";
    case DNS_SERVFAIL: return "SERVFAIL";
    case DNS_REFUSED: return "REFUSED";
    case DNS_TIMEOUT: return "TIMEOUT";
    case DNS_ERROR: break;
    }
    return "ERROR";
}

dns_status dns_status_from_ares(int st)
{
    switch (st) {
    case ARES_SUCCESS: return DNS_OK;
    case ARES_ENOTFOUND: return DNS_NXDOMAIN;
    case ARES_ENODATA: return DNS_NODATA;
    case ARES_ESERVFAIL: return DNS_SERVFAIL;
    case ARES_EREFUSED: return DNS_REFUSED;
    case ARES_ETIMEOUT: return DNS_TIMEOUT;
    default: return DNS_ERROR;
    }
}

/* ---- servers --------------------------------------------------------- */

/* "a,b,c" for ares_set_servers_ports_csv (a bare IPv6 address bracketed). */
static int servers_csv(const dns_options *o, aws_buf *csv)
{
    unsigned char addr[16];
    for (size_t i = 0; i < o->n_servers; i++) {
        const char *s = o->servers[i];
        if (dns_server_check(s) != 0)
            return AWS_EINVAL;
        int rc = i ? aws_buf_append(csv, ",", 1) : 0;
        if (rc == 0 && s[0] != '[' && inet_pton(AF_INET6, s, addr) == 1)
            rc = aws_buf_printf(csv, "[%s]", s);
        else if (rc == 0)
            rc = aws_buf_append(csv, s, strlen(s));
        if (rc != 0)
            return rc;
    }
    return 0;   /* aws_buf keeps it NUL-terminated */
}

/* ---- handles ---------------------------------------------------------- */

static void maybe_free(dns_resolver *r)
{
    if (r->closing && r->handles_open == 0) {
        free(r);
    }
}

static void on_handle_closed(uv_handle_t *h)
{
    dns_resolver *r = h->data;
    r->handles_open--;
    maybe_free(r);
}

static void on_sock_closed(uv_handle_t *h)
{
    dns_sock *s = h->data;
    dns_resolver *r = s->r;
    free(s);
    r->handles_open--;
    maybe_free(r);
}

static void sock_close(dns_sock *s)
{
    uv_poll_stop(&s->poll);
    uv_close((uv_handle_t *)&s->poll, on_sock_closed);
}

static void on_ares_timer(uv_timer_t *t);
static void on_pace_timer(uv_timer_t *t);

/* After every call into c-ares: its next timeout, or none. */
static void rearm_ares_timer(dns_resolver *r)
{
    struct timeval tv;
    if (r->closing)
        return;
    if (!ares_timeout(r->channel, NULL, &tv)) {
        uv_timer_stop(&r->ares_timer);
        return;
    }
    uint64_t ms = (uint64_t)tv.tv_sec * 1000u + ((uint64_t)tv.tv_usec + 999u) / 1000u;
    uv_timer_start(&r->ares_timer, on_ares_timer, ms, 0);
}

static void on_ares_timer(uv_timer_t *t)
{
    dns_resolver *r = t->data;
    ares_process_fd(r->channel, ARES_SOCKET_BAD, ARES_SOCKET_BAD);
    rearm_ares_timer(r);
}

static void on_poll(uv_poll_t *h, int status, int events)
{
    dns_sock *s = h->data;
    dns_resolver *r = s->r;
    ares_socket_t fd = s->fd;   /* s may be closed by what follows */
    ares_socket_t rfd = ARES_SOCKET_BAD, wfd = ARES_SOCKET_BAD;
    if (status < 0) {
        rfd = wfd = fd;   /* let c-ares find the error on the socket */
    } else {
        if (events & UV_READABLE)
            rfd = fd;
        if (events & UV_WRITABLE)
            wfd = fd;
    }
    ares_process_fd(r->channel, rfd, wfd);
    rearm_ares_timer(r);
}

/* c-ares' socket state callback: watch fd for what it wants, or stop. */
static void on_sock_state(void *data, ares_socket_t fd, int readable, int writable)
{
    dns_resolver *r = data;
    dns_sock **pp = &r->socks;
    while (*pp && (*pp)->fd != fd)
        pp = &(*pp)->next;
    dns_sock *s = *pp;
    if (!readable && !writable) {
        if (s) {
            *pp = s->next;
            sock_close(s);
        }
        return;
    }
    if (!s) {
        s = calloc(1, sizeof(*s));
        if (!s)
            return;   /* unwatched: the query times out */
        if (uv_poll_init_socket(r->loop, &s->poll, fd) != 0) {
            free(s);
            return;
        }
        s->poll.data = s;
        s->r = r;
        s->fd = fd;
        s->next = r->socks;
        r->socks = s;
        r->handles_open++;
    }
    int events = (readable ? UV_READABLE : 0) | (writable ? UV_WRITABLE : 0);
    if (events != s->events || !uv_is_active((uv_handle_t *)&s->poll)) {
        s->events = events;
        uv_poll_start(&s->poll, events, on_poll);
    }
}

/* ---- lookups ---------------------------------------------------------- */

static void query_done(dns_query *q)
{
    dns_resolver *r = q->r;
    free(q);
    r->inflight--;
    if (!r->closing && r->head && !uv_is_active((uv_handle_t *)&r->pace_timer))
        uv_timer_start(&r->pace_timer, on_pace_timer, 0, 0);
}

static void on_cname(void *arg, int status, int timeouts, unsigned char *abuf, int alen)
{
    (void)timeouts;
    dns_query *q = arg;
    char target[DNS_MAX_NAME + 2];
    if (status == ARES_SUCCESS)
        status = dns_reply_cname(abuf, alen > 0 ? (size_t)alen : 0, target, sizeof(target));
    dns_status st = dns_status_from_ares(status);
    if (q->r->closing)
        st = DNS_ERROR;
    q->cname_cb(st, st == DNS_OK ? target : NULL, q->ud);
    query_done(q);
}

enum { MAX_ADDRS = 64 };

static void on_addr(void *arg, int status, int timeouts, struct ares_addrinfo *res)
{
    (void)timeouts;
    dns_query *q = arg;
    const struct sockaddr *addrs[MAX_ADDRS];
    size_t n = 0;
    dns_status st = dns_status_from_ares(status);
    if (q->r->closing)
        st = DNS_ERROR;
    if (st == DNS_OK && res) {
        for (struct ares_addrinfo_node *a = res->nodes; a && n < MAX_ADDRS; a = a->ai_next)
            if (a->ai_addr && (a->ai_family == AF_INET || a->ai_family == AF_INET6))
                addrs[n++] = a->ai_addr;
        if (n == 0)
            st = DNS_NODATA;
    }
    q->addr_cb(st, st == DNS_OK ? addrs : NULL, st == DNS_OK ? n : 0, q->ud);
    if (res)
        ares_freeaddrinfo(res);
    query_done(q);
}

static void start_query(dns_resolver *r, dns_query *q)
{
    r->inflight++;
    r->started++;
    if (q->kind == Q_CNAME) {
        ares_query(r->channel, q->name, CLASS_IN, TYPE_CNAME, on_cname, q);
    } else {
        struct ares_addrinfo_hints hints;
        memset(&hints, 0, sizeof(hints));
        hints.ai_family = AF_UNSPEC;
        hints.ai_socktype = SOCK_STREAM;
        hints.ai_flags = ARES_AI_NOSORT;   /* no probing connect() per address */
        ares_getaddrinfo(r->channel, q->name, NULL, &hints, on_addr, q);
    }
}

/* Starts what the in-flight cap and the pacing allow; arms the pace timer
 * for the rest (a completion re-arms it when the cap was the limit). */
static void pump(dns_resolver *r)
{
    while (r->head && r->inflight < r->max_inflight && !r->closing) {
        if (r->interval_ns > 0) {
            uint64_t now = uv_hrtime();
            if (now < r->next_start_ns) {
                uint64_t wait_ms = (r->next_start_ns - now + 999999u) / 1000000u;
                uv_timer_start(&r->pace_timer, on_pace_timer, wait_ms, 0);
                break;
            }
            uint64_t base = r->next_start_ns;
            /* an idle lane earns no burst: the schedule restarts from now */
            if (now > base)
                base = now;
            r->next_start_ns = base + (uint64_t)r->interval_ns;
        }
        dns_query *q = r->head;
        r->head = q->next;
        if (!r->head)
            r->tail = NULL;
        q->next = NULL;
        start_query(r, q);
    }
    rearm_ares_timer(r);
}

static void on_pace_timer(uv_timer_t *t)
{
    pump(t->data);
}

static int enqueue(dns_resolver *r, query_kind kind, const char *name,
                   dns_addr_cb acb, dns_cname_cb ccb, void *ud)
{
    if (!r || !name || (!acb && !ccb))
        return AWS_EINVAL;
    if (r->closing)
        return AWS_ECANCELED;
    size_t len = strlen(name);
    if (len == 0 || len > DNS_MAX_NAME + 1)
        return AWS_EINVAL;
    dns_query *q = calloc(1, sizeof(*q) + len + 1);
    if (!q)
        return AWS_ENOMEM;
    q->r = r;
    q->kind = kind;
    q->addr_cb = acb;
    q->cname_cb = ccb;
    q->ud = ud;
    memcpy(q->name, name, len + 1);
    if (r->tail)
        r->tail->next = q;
    else
        r->head = q;
    r->tail = q;
    /* started from the loop, so a callback never runs inside this call */
    if (!uv_is_active((uv_handle_t *)&r->pace_timer))
        uv_timer_start(&r->pace_timer, on_pace_timer, 0, 0);
    return 0;
}

int dns_resolve_addr(dns_resolver *r, const char *host, dns_addr_cb cb, void *ud)
{
    if (!cb)
        return AWS_EINVAL;
    return enqueue(r, Q_ADDR, host, cb, NULL, ud);
}

int dns_resolve_cname(dns_resolver *r, const char *name, dns_cname_cb cb, void *ud)
{
    if (!cb)
        return AWS_EINVAL;
    return enqueue(r, Q_CNAME, name, NULL, cb, ud);
}

size_t dns_resolver_started(const dns_resolver *r)
{
    return r ? r->started : 0;
}

/* ---- lifetime ---------------------------------------------------------- */

static int library_ready(void)
{
    static int done;
    if (!done) {
        if (ares_library_init(ARES_LIB_INIT_ALL) != ARES_SUCCESS)
            return AWS_EIO;
        done = 1;   /* kept for the process's life, as curl_global_init */
    }
    return 0;
}

int dns_resolver_new(uv_loop_t *loop, const dns_options *o, dns_resolver **out)
{
    static const dns_options none;
    if (!loop || !out)
        return AWS_EINVAL;
    *out = NULL;
    if (!o)
        o = &none;
    if (o->n_servers > DNS_MAX_SERVERS || (o->n_servers && !o->servers) || o->max_qps < 0)
        return AWS_EINVAL;
    int rc = library_ready();
    if (rc != 0)
        return rc;

    aws_buf csv;
    aws_buf_init(&csv, 4096);
    if (o->n_servers && (rc = servers_csv(o, &csv)) != 0) {
        aws_buf_finish(&csv);
        return rc == AWS_ETOOBIG ? AWS_EINVAL : rc;
    }

    dns_resolver *r = calloc(1, sizeof(*r));
    if (!r) {
        aws_buf_finish(&csv);
        return AWS_ENOMEM;
    }
    r->loop = loop;
    r->max_inflight = o->max_inflight ? o->max_inflight : DNS_DEFAULT_MAX_INFLIGHT;
    r->interval_ns = o->max_qps > 0 ? 1e9 / o->max_qps : 0;

    struct ares_options ao;
    memset(&ao, 0, sizeof(ao));
    ao.sock_state_cb = on_sock_state;
    ao.sock_state_cb_data = r;
    ao.timeout = o->timeout_ms > 0 ? o->timeout_ms : DNS_DEFAULT_TIMEOUT_MS;
    ao.tries = o->tries > 0 ? o->tries : DNS_DEFAULT_TRIES;
    /* NOCHECKRESP: a SERVFAIL or REFUSED answer is reported as such (c-ares
     * would otherwise move on and end with ECONNREFUSED, hiding which). */
    ao.flags = ARES_FLAG_NOCHECKRESP;
    int mask = ARES_OPT_SOCK_STATE_CB | ARES_OPT_TIMEOUTMS | ARES_OPT_TRIES | ARES_OPT_FLAGS;
    int ast = ares_init_options(&r->channel, &ao, mask);
    if (ast != ARES_SUCCESS) {
        aws_buf_finish(&csv);
        free(r);
        return ast == ARES_ENOMEM ? AWS_ENOMEM : AWS_EIO;
    }
    if (o->n_servers && ares_set_servers_ports_csv(r->channel, csv.data) != ARES_SUCCESS) {
        aws_buf_finish(&csv);
        ares_destroy(r->channel);
        free(r);
        return AWS_EINVAL;
    }
    aws_buf_finish(&csv);

    uv_timer_init(loop, &r->ares_timer);
    uv_timer_init(loop, &r->pace_timer);
    r->ares_timer.data = r;
    r->pace_timer.data = r;
    r->handles_open = 2;
    *out = r;
    return 0;
}

void dns_resolver_free(dns_resolver *r)
{
    if (!r)
        return;
    r->closing = 1;   /* nothing new starts; callbacks get DNS_ERROR */
    /* Waiting lookups: cancelled, in order. */
    while (r->head) {
        dns_query *q = r->head;
        r->head = q->next;
        if (q->kind == Q_CNAME)
            q->cname_cb(DNS_ERROR, NULL, q->ud);
        else
            q->addr_cb(DNS_ERROR, NULL, 0, q->ud);
        free(q);
    }
    r->tail = NULL;
    /* In flight: c-ares calls them back with ARES_ECANCELLED (DNS_ERROR),
     * then closes its sockets (the state callback closes their polls). */
    ares_cancel(r->channel);
    ares_destroy(r->channel);
    while (r->socks) {
        dns_sock *s = r->socks;
        r->socks = s->next;
        sock_close(s);
    }
    uv_timer_stop(&r->ares_timer);
    uv_timer_stop(&r->pace_timer);
    uv_close((uv_handle_t *)&r->ares_timer, on_handle_closed);
    uv_close((uv_handle_t *)&r->pace_timer, on_handle_closed);
}
