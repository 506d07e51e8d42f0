/* HTTP transport: libcurl's multi-socket interface driven by a libuv loop.
 *
 * The shape of curl's docs/examples/multi-uv.c: curl tells us which sockets
 * to watch (CURLMOPT_SOCKETFUNCTION -> one uv_poll_t per socket) and when to
 * call it back (CURLMOPT_TIMERFUNCTION -> one one-shot uv_timer_t).  Both
 * callbacks only start/stop libuv handles; curl_multi_socket_action and
 * curl_multi_info_read run from the libuv callbacks (on_poll, on_timer),
 * never from inside curl's callbacks, and finished transfers are collected
 * after every socket event and timer firing.
 *
 * curl_global_init: done lazily by the first aws_http_new (certsweep is
 * single-threaded; a program that uses curl from several threads calls
 * curl_global_init itself before starting them).  curl_global_cleanup is
 * never called: the process exits instead.
 */
#include "aws/http.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/secret.h"

#include <curl/curl.h>
#include <errno.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>
#include <openssl/crypto.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* curl's receive buffer per transfer, in bytes (its minimum is 1 KB). */
#define AWS_HTTP_RECV_BUFFER 4096L

/* Response headers are remote data too: cap their total size. */
#define MAX_HEADER_BYTES (64u * 1024)

typedef struct sock_ctx {
    uv_poll_t poll;
    curl_socket_t fd;
    aws_http *h;
    struct sock_ctx *prev, *next;
} sock_ctx;

typedef struct xfer {
    struct xfer *prev, *next;
    aws_http *h;
    CURL *easy;
    struct curl_slist *hdrs;
    aws_http_cb cb;
    void *ud;
    aws_http_response resp;
    size_t header_bytes;
    int body_err;            /* write callback refused data: ETOOBIG/ENOMEM */
    int hdr_err;             /* header callback refused data */
    char method[16];
    char errbuf[CURL_ERROR_SIZE];
} xfer;

struct aws_http {
    uv_loop_t *loop;
    CURLM *multi;
    uv_timer_t timer;
    xfer *xfers;             /* transfers in flight */
    size_t in_flight;
    sock_ctx *socks;         /* sockets curl asked us to watch */
    char *ca_bundle;
    /* Proxies from the environment, read once as the AWS CLI does
     * (HTTP_PROXY / HTTPS_PROXY / NO_PROXY, either case): URLs may carry
     * credentials, so they are wiped on free and never logged. */
    char *http_proxy, *https_proxy, *no_proxy;
    int proxy_registered;    /* their passwords are in aws/secret.h's registry */
    long connect_timeout_ms;
    int debug;
    int closing;
    int canceled;             /* aws_http_cancel: no new transfers */
    int open_handles;        /* uv handles not yet through their close callback */
};

static int s_curl_ready;

static int global_init(void)
{
    if (s_curl_ready)
        return 0;
    if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK)
        return AWS_EHTTP;
    s_curl_ready = 1;
    return 0;
}

/* ---- lifetime of uv handles ----------------------------------------------- */

static void free_secret(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

/* The password of a proxy URL's "user:password@" (aws/secret.h), while
 * the URL is held: a proxy's error page that echoes it is redacted. */
static void proxy_password(const char *url, int on)
{
    const char *p = url ? strstr(url, "://") : NULL;
    if (!p)
        return;
    p += 3;
    size_t hostpart = strcspn(p, "/?#");
    const char *at = memchr(p, '@', hostpart);
    const char *colon = at ? memchr(p, ':', (size_t)(at - p)) : NULL;
    if (!colon || at - colon - 1 <= 0)
        return;
    char *pw = strndup(colon + 1, (size_t)(at - colon - 1));
    if (!pw)
        return;
    if (on)
        aws_secret_register(pw);
    else
        aws_secret_unregister(pw);
    OPENSSL_cleanse(pw, strlen(pw));
    free(pw);
}

static void http_release(aws_http *h)
{
    free(h->ca_bundle);
    if (h->proxy_registered) {
        proxy_password(h->http_proxy, 0);
        proxy_password(h->https_proxy, 0);
    }
    free_secret(h->http_proxy);
    free_secret(h->https_proxy);
    free(h->no_proxy);
    free(h);
}

static void handle_gone(aws_http *h)
{
    if (--h->open_handles == 0 && h->closing)
        http_release(h);
}

/* The first of two environment variables that is set and not empty, as
 * a copy (NULL when neither is).  *oom is set when the copy failed. */
static char *env_copy(const char *upper, const char *lower, int *oom)
{
    const char *v = getenv(upper);
    if (!v || !*v)
        v = getenv(lower);
    if (!v || !*v)
        return NULL;
    char *c = strdup(v);
    if (!c)
        *oom = 1;
    return c;
}

static void on_sock_closed(uv_handle_t *hd)
{
    sock_ctx *sc = hd->data;
    aws_http *h = sc->h;
    free(sc);
    handle_gone(h);
}

static void on_timer_closed(uv_handle_t *hd)
{
    handle_gone(hd->data);
}

static void sock_close(aws_http *h, sock_ctx *sc)
{
    if (sc->prev)
        sc->prev->next = sc->next;
    else
        h->socks = sc->next;
    if (sc->next)
        sc->next->prev = sc->prev;
    sc->prev = sc->next = NULL;
    uv_poll_stop(&sc->poll);
    uv_close((uv_handle_t *)&sc->poll, on_sock_closed);
}

/* ---- completion ------------------------------------------------------------- */

static int map_curl(CURLcode rc, const xfer *x)
{
    if (x->body_err == AWS_ETOOBIG || x->hdr_err == AWS_ETOOBIG)
        return AWS_ETOOBIG;
    if (x->body_err || x->hdr_err)
        return AWS_EHTTP;
    switch (rc) {
    case CURLE_OK:
        return 0;
    case CURLE_OPERATION_TIMEDOUT:
        return AWS_ETIMEDOUT;
    case CURLE_COULDNT_RESOLVE_HOST:
    case CURLE_COULDNT_RESOLVE_PROXY:
    case CURLE_COULDNT_CONNECT:
    case CURLE_SEND_ERROR:
    case CURLE_RECV_ERROR:
    case CURLE_GOT_NOTHING:
    case CURLE_PARTIAL_FILE:
    case CURLE_HTTP2:
    case CURLE_HTTP2_STREAM:
        return AWS_ECONN;
    case CURLE_SSL_CONNECT_ERROR:
    case CURLE_PEER_FAILED_VERIFICATION:
    case CURLE_SSL_CERTPROBLEM:
    case CURLE_SSL_CIPHER:
    case CURLE_SSL_CACERT_BADFILE:
    case CURLE_SSL_ENGINE_NOTFOUND:
    case CURLE_SSL_ENGINE_SETFAILED:
    case CURLE_SSL_ENGINE_INITFAILED:
    case CURLE_SSL_SHUTDOWN_FAILED:
    case CURLE_SSL_CRL_BADFILE:
    case CURLE_SSL_ISSUER_ERROR:
    case CURLE_SSL_PINNEDPUBKEYNOTMATCH:
    case CURLE_SSL_INVALIDCERTSTATUS:
    case CURLE_USE_SSL_FAILED:
#if LIBCURL_VERSION_NUM >= 0x074d00
    case CURLE_SSL_CLIENTCERT:
#endif
        return AWS_ETLS;
    default:
        return AWS_EHTTP;
    }
}

static void wipe_slist(struct curl_slist *l)
{
    /* The request headers carry Authorization and X-Amz-Security-Token. */
    for (struct curl_slist *p = l; p; p = p->next)
        if (p->data)
            OPENSSL_cleanse(p->data, strlen(p->data));
    curl_slist_free_all(l);
}

static void xfer_free(xfer *x)
{
    if (x->easy)
        curl_easy_cleanup(x->easy);
    wipe_slist(x->hdrs);
    aws_headers_finish(&x->resp.headers);
    aws_buf_finish(&x->resp.body);
    free(x);
}

static void xfer_unlink(aws_http *h, xfer *x)
{
    if (x->prev)
        x->prev->next = x->next;
    else
        h->xfers = x->next;
    if (x->next)
        x->next->prev = x->prev;
    x->prev = x->next = NULL;
    h->in_flight--;
}

static void complete(aws_http *h, xfer *x, CURLcode rc)
{
    long status = 0, version = 0, connects = 0;
    curl_easy_getinfo(x->easy, CURLINFO_RESPONSE_CODE, &status);
    x->resp.status = status;
    curl_easy_getinfo(x->easy, CURLINFO_NUM_CONNECTS, &connects);
    x->resp.new_connections = connects;
    if (status > 0 && curl_easy_getinfo(x->easy, CURLINFO_HTTP_VERSION, &version) == CURLE_OK) {
        switch (version) {
        case CURL_HTTP_VERSION_1_0: x->resp.http_version = 10; break;
        case CURL_HTTP_VERSION_1_1: x->resp.http_version = 11; break;
        case CURL_HTTP_VERSION_2_0: x->resp.http_version = 20; break;
#if LIBCURL_VERSION_NUM >= 0x074200
        case CURL_HTTP_VERSION_3:   x->resp.http_version = 30; break;
#endif
        default:                    x->resp.http_version = 0; break;
        }
    }
    int err = map_curl(rc, x);
    if (err == AWS_ETOOBIG)
        snprintf(x->resp.error, sizeof(x->resp.error),
                 "response larger than its cap of %zu bytes", x->resp.body.max);
    else if (err && x->errbuf[0])
        snprintf(x->resp.error, sizeof(x->resp.error), "%s", x->errbuf);
    else if (err)
        snprintf(x->resp.error, sizeof(x->resp.error), "%s",
                 x->hdr_err || x->body_err ? aws_strerror(x->hdr_err ? x->hdr_err : x->body_err)
                                          : curl_easy_strerror(rc));
    if (h->debug) {
        const char *url = NULL;
        curl_easy_getinfo(x->easy, CURLINFO_EFFECTIVE_URL, &url);
        if (err)
            aws_log_debug("http: %s %s: %s", x->method, url ? url : "?", x->resp.error);
        else
            aws_log_debug("http: %s %s: %ld (%zu bytes, HTTP/%s%s)", x->method, url ? url : "?",
                          status, x->resp.body.len,
                          x->resp.http_version == 20 ? "2" :
                          x->resp.http_version == 30 ? "3" :
                          x->resp.http_version == 10 ? "1.0" : "1.1",
                          x->resp.new_connections ? ", new connection" : "");
    }
    x->cb(err, &x->resp, x->ud);
    xfer_free(x);
}

/* Collects finished transfers.  A callback may free the transport: stop
 * as soon as it is closing (h itself lives until its close callbacks). */
static void drain(aws_http *h)
{
    CURLMsg *m;
    int pending;
    while (!h->closing && (m = curl_multi_info_read(h->multi, &pending))) {
        if (m->msg != CURLMSG_DONE)
            continue;
        CURL *e = m->easy_handle;
        CURLcode rc = m->data.result;
        char *priv = NULL;
        curl_easy_getinfo(e, CURLINFO_PRIVATE, &priv);
        xfer *x = (xfer *)priv;
        curl_multi_remove_handle(h->multi, e);
        xfer_unlink(h, x);
        complete(h, x, rc);
    }
}

/* ---- libuv callbacks: the only places that drive curl --------------------- */

static void on_poll(uv_poll_t *p, int status, int events)
{
    sock_ctx *sc = p->data;
    aws_http *h = sc->h;
    int flags = 0;
    if (status < 0)
        flags = CURL_CSELECT_ERR;
    else {
        if (events & UV_READABLE)
            flags |= CURL_CSELECT_IN;
        if (events & UV_WRITABLE)
            flags |= CURL_CSELECT_OUT;
    }
    if (h->closing)
        return;
    int running;
    curl_multi_socket_action(h->multi, sc->fd, flags, &running);
    drain(h);
}

static void on_timer(uv_timer_t *t)
{
    aws_http *h = t->data;
    if (h->closing)
        return;
    int running;
    curl_multi_socket_action(h->multi, CURL_SOCKET_TIMEOUT, 0, &running);
    drain(h);
}

/* ---- curl callbacks: only start and stop libuv handles ------------------- */

static sock_ctx *find_sock(aws_http *h, curl_socket_t fd)
{
    for (sock_ctx *sc = h->socks; sc; sc = sc->next)
        if (sc->fd == fd)
            return sc;
    return NULL;
}

static int on_curl_socket(CURL *e, curl_socket_t fd, int what, void *userp, void *socketp)
{
    (void)e;
    (void)socketp;
    aws_http *h = userp;
    sock_ctx *sc = find_sock(h, fd);
    if (what == CURL_POLL_REMOVE) {
        if (sc)
            sock_close(h, sc);
        return 0;
    }
    if (!sc) {
        sc = calloc(1, sizeof(*sc));
        if (!sc)
            return -1;
        if (uv_poll_init_socket(h->loop, &sc->poll, fd) != 0) {
            free(sc);
            return -1;
        }
        sc->fd = fd;
        sc->h = h;
        sc->poll.data = sc;
        h->open_handles++;
        sc->next = h->socks;
        if (h->socks)
            h->socks->prev = sc;
        h->socks = sc;
    }
    int ev = 0;
    if (what & CURL_POLL_IN)
        ev |= UV_READABLE;
    if (what & CURL_POLL_OUT)
        ev |= UV_WRITABLE;
    if (uv_poll_start(&sc->poll, ev, on_poll) != 0)
        return -1;
    return 0;
}

static int on_curl_timer(CURLM *m, long timeout_ms, void *userp)
{
    (void)m;
    aws_http *h = userp;
    if (timeout_ms < 0) {
        uv_timer_stop(&h->timer);
        return 0;
    }
    /* 0 means "act now": do it from the loop, 1 ms from now. */
    if (uv_timer_start(&h->timer, on_timer, timeout_ms == 0 ? 1 : (uint64_t)timeout_ms, 0) != 0)
        return -1;
    return 0;
}

static size_t on_write(char *p, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    int rc = aws_buf_append(&x->resp.body, p, len);
    if (rc) {
        x->body_err = rc;
        return 0;    /* != len: curl aborts with CURLE_WRITE_ERROR */
    }
    return len;
}

static int is_ws(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static size_t on_header(char *buf, size_t size, size_t n, void *ud)
{
    xfer *x = ud;
    size_t len = size * n;
    if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0) {
        /* A new response (after 100-continue or a 1xx): forget the last one. */
        aws_headers_finish(&x->resp.headers);
        aws_buf_reset(&x->resp.body);
        x->header_bytes = 0;
    }
    x->header_bytes += len;
    if (x->header_bytes > MAX_HEADER_BYTES) {
        x->hdr_err = AWS_ETOOBIG;
        return 0;
    }
    if (len >= 5 && memcmp(buf, "HTTP/", 5) == 0)
        return len;
    if (len == 0 || buf[0] == ' ' || buf[0] == '\t')
        return len;          /* obsolete line folding: ignored */
    const char *colon = memchr(buf, ':', len);
    if (!colon)
        return len;          /* the blank line that ends the block */
    size_t nl = (size_t)(colon - buf);
    while (nl > 0 && is_ws(buf[nl - 1]))
        nl--;
    const char *v = colon + 1;
    const char *end = buf + len;
    while (v < end && is_ws(*v))
        v++;
    while (end > v && is_ws(end[-1]))
        end--;
    if (nl == 0)
        return len;
    char *name = strndup(buf, nl);
    char *value = strndup(v, (size_t)(end - v));
    int rc = (name && value) ? aws_headers_add(&x->resp.headers, name, value) : AWS_ENOMEM;
    free(name);
    if (value) {
        OPENSSL_cleanse(value, strlen(value));
        free(value);
    }
    if (rc) {
        x->hdr_err = rc;
        return 0;
    }
    return len;
}

/* ---- public interface ------------------------------------------------------- */

int aws_http_new(uv_loop_t *loop, const aws_http_opts *opts, aws_http **out)
{
    static const aws_http_opts none;
    if (!loop || !out)
        return AWS_EINVAL;
    *out = NULL;
    if (!opts)
        opts = &none;
    int rc = global_init();
    if (rc)
        return rc;
    aws_http *h = calloc(1, sizeof(*h));
    if (!h)
        return AWS_ENOMEM;
    h->loop = loop;
    h->debug = opts->debug;
    h->connect_timeout_ms = opts->connect_timeout_ms > 0 ? opts->connect_timeout_ms : 10000;
    aws_ca_source from = { opts->ca_bundle, opts->profile_ca_bundle, NULL };
    const char *ca = aws_http_ca_bundle(&from, NULL);
    if (ca) {
        h->ca_bundle = strdup(ca);
        if (!h->ca_bundle)
            goto nomem;
    }
    int oom = 0;
    h->http_proxy = env_copy("HTTP_PROXY", "http_proxy", &oom);
    h->https_proxy = env_copy("HTTPS_PROXY", "https_proxy", &oom);
    h->no_proxy = env_copy("NO_PROXY", "no_proxy", &oom);
    if (oom)
        goto nomem;
    proxy_password(h->http_proxy, 1);        /* unregistered in http_release */
    proxy_password(h->https_proxy, 1);
    h->proxy_registered = 1;
    h->multi = curl_multi_init();
    if (!h->multi)
        goto nomem;
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETFUNCTION, on_curl_socket);
    curl_multi_setopt(h->multi, CURLMOPT_SOCKETDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERFUNCTION, on_curl_timer);
    curl_multi_setopt(h->multi, CURLMOPT_TIMERDATA, h);
    curl_multi_setopt(h->multi, CURLMOPT_PIPELINING, (long)CURLPIPE_MULTIPLEX);
    curl_multi_setopt(h->multi, CURLMOPT_MAX_TOTAL_CONNECTIONS,
                      opts->max_connections > 0 ? opts->max_connections : 64L);
    curl_multi_setopt(h->multi, CURLMOPT_MAX_HOST_CONNECTIONS,
                      opts->max_host_connections > 0 ? opts->max_host_connections : 8L);
    if (uv_timer_init(loop, &h->timer) != 0) {
        curl_multi_cleanup(h->multi);
        http_release(h);
        return AWS_EIO;
    }
    h->timer.data = h;
    h->open_handles = 1;
    *out = h;
    return 0;
nomem:
    http_release(h);
    return AWS_ENOMEM;
}

static int method_ok(const char *m)
{
    size_t n = 0;
    for (; m[n]; n++)
        if (m[n] < 'A' || m[n] > 'Z')
            return 0;
    return n > 0 && n < 16;
}

static int add_header_line(struct curl_slist **l, const char *name, const char *value)
{
    /* "Name;" is curl's way of sending a header with an empty value. */
    size_t n = strlen(name) + strlen(value) + 3;
    char *line = malloc(n);
    if (!line)
        return AWS_ENOMEM;
    if (*value)
        snprintf(line, n, "%s: %s", name, value);
    else
        snprintf(line, n, "%s;", name);
    struct curl_slist *nl = curl_slist_append(*l, line);
    OPENSSL_cleanse(line, n);
    free(line);
    if (!nl)
        return AWS_ENOMEM;
    *l = nl;
    return 0;
}

static int header_ok(const char *name, const char *value)
{
    if (!*name)
        return 0;
    for (const char *p = name; *p; p++)
        if (*p <= ' ' || *p == ':' || *p == 127)
            return 0;
    for (const char *p = value; *p; p++)
        if (*p == '\r' || *p == '\n')
            return 0;
    return 1;
}

#define SET(opt, val) do { if (curl_easy_setopt(e, opt, val) != CURLE_OK) goto fail; } while (0)

const char *aws_http_ca_bundle(const aws_ca_source *from, const char **source)
{
    static const aws_ca_source none;
    if (!from)
        from = &none;
    const char *env = getenv("AWS_CA_BUNDLE"), *curl = getenv("SSL_CERT_FILE");
    const struct { const char *value, *name; } order[] = {
        { from->configured, "[aws] ca_bundle" },
        { env, "AWS_CA_BUNDLE" },
        { from->profile, from->profile_label ? from->profile_label : "the profile's ca_bundle" },
        { curl, "SSL_CERT_FILE" },
    };
    for (size_t i = 0; i < sizeof(order) / sizeof(order[0]); i++) {
        if (order[i].value && *order[i].value) {
            if (source)
                *source = order[i].name;
            return order[i].value;
        }
    }
    if (source)
        *source = NULL;
    return NULL;
}

int aws_http_ca_bundle_check(const aws_ca_source *from, char *err, size_t errlen)
{
    const char *src;
    const char *ca = aws_http_ca_bundle(from, &src);
    if (errlen)
        err[0] = '\0';
    if (!ca)
        return 0;
    int fd = open(ca, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    int e = fd < 0 ? errno : fstat(fd, &st) != 0 ? errno : S_ISREG(st.st_mode) ? 0 : -1;
    if (fd >= 0)
        close(fd);
    if (e == 0)
        return 0;
    snprintf(err, errlen, "%s '%s': %s \xe2\x80\x94 point it at a PEM file of CA certificates",
             src, ca, e < 0 ? "not a regular file" : strerror(e));
    return AWS_EINVAL;
}

int aws_http_send(aws_http *h, const aws_http_request *req, aws_http_cb cb, void *ud)
{
    if (!h || !req || !req->url || !cb)
        return AWS_EINVAL;
    if (h->closing || h->canceled)
        return AWS_ECANCELED;
    const char *method = req->method ? req->method : "GET";
    if (!method_ok(method) || (req->body_len && !req->body))
        return AWS_EINVAL;
    xfer *x = calloc(1, sizeof(*x));
    if (!x)
        return AWS_ENOMEM;
    int rc = AWS_EHTTP;
    x->h = h;
    x->cb = cb;
    x->ud = ud;
    snprintf(x->method, sizeof(x->method), "%s", method);
    aws_headers_init(&x->resp.headers);
    aws_buf_init(&x->resp.body, req->max_response ? req->max_response : AWS_HTTP_DEFAULT_MAX_RESPONSE);

    int has_ctype = 0;
    if (req->headers) {
        for (size_t i = 0; i < req->headers->n; i++) {
            const aws_header *hd = &req->headers->v[i];
            if (!header_ok(hd->name, hd->value)) {
                rc = AWS_EINVAL;
                goto fail;
            }
            if (strcasecmp(hd->name, "Content-Type") == 0)
                has_ctype = 1;
            if ((rc = add_header_line(&x->hdrs, hd->name, hd->value)) != 0)
                goto fail;
        }
    }
    rc = AWS_ENOMEM;
    /* No "Expect: 100-continue" round trip. */
    struct curl_slist *nl = curl_slist_append(x->hdrs, "Expect:");
    if (!nl)
        goto fail;
    x->hdrs = nl;

    int with_body = req->body_len > 0 || strcmp(method, "POST") == 0 ||
                    strcmp(method, "PUT") == 0 || strcmp(method, "PATCH") == 0;
    if (with_body && !has_ctype) {
        /* Keep curl from adding a form Content-Type nobody signed. */
        nl = curl_slist_append(x->hdrs, "Content-Type:");
        if (!nl)
            goto fail;
        x->hdrs = nl;
    }

    rc = AWS_EHTTP;
    CURL *e = x->easy = curl_easy_init();
    if (!e)
        goto fail;
    SET(CURLOPT_URL, req->url);
    SET(CURLOPT_PRIVATE, (void *)x);
    SET(CURLOPT_ERRORBUFFER, x->errbuf);
    SET(CURLOPT_NOSIGNAL, 1L);
#if LIBCURL_VERSION_NUM >= 0x075500
    SET(CURLOPT_PROTOCOLS_STR, "http,https");
#else
    SET(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
    SET(CURLOPT_FOLLOWLOCATION, 0L);
    SET(CURLOPT_SSL_VERIFYPEER, 1L);
    SET(CURLOPT_SSL_VERIFYHOST, 2L);
    if (h->ca_bundle)
        SET(CURLOPT_CAINFO, h->ca_bundle);
    /* The proxy for the URL's scheme, or none ("" turns off curl's own
     * reading of the environment, which ignores HTTP_PROXY in capitals). */
    {
        int tls = strncasecmp(req->url, "https://", 8) == 0;
        const char *proxy = tls ? h->https_proxy : h->http_proxy;
        SET(CURLOPT_PROXY, proxy ? proxy : "");
        if (proxy && h->no_proxy)
            SET(CURLOPT_NOPROXY, h->no_proxy);
    }
    SET(CURLOPT_HTTP_VERSION, (long)CURL_HTTP_VERSION_2TLS);
    /* HTTP/2 only over TLS, where ALPN tells at the handshake whether a
     * connection multiplexes: wait for that rather than open another.
     * Over plain http curl would learn it only from the first answer, so
     * every other request to the host would wait for that answer, their
     * timeouts running, without being sent. */
    if (strncasecmp(req->url, "https://", 8) == 0)
        SET(CURLOPT_PIPEWAIT, 1L);
    SET(CURLOPT_TCP_KEEPALIVE, 1L);
    /* AWS requests are small: curl's own upload buffer (64 KB a transfer
     * by default) at its minimum keeps a scan's calls in flight from
     * holding megabytes that never carry anything. */
    SET(CURLOPT_UPLOAD_BUFFERSIZE, 16384L);
    /* The same for the receive buffer (16 KB by default, allocated when
     * the transfer starts): answers are read through it a piece at a
     * time, so a small one costs a few more reads of a large answer. */
    SET(CURLOPT_BUFFERSIZE, AWS_HTTP_RECV_BUFFER);
    SET(CURLOPT_TIMEOUT_MS, req->timeout_ms > 0 ? req->timeout_ms : AWS_HTTP_DEFAULT_TIMEOUT_MS);
    SET(CURLOPT_CONNECTTIMEOUT_MS, h->connect_timeout_ms);
    SET(CURLOPT_WRITEFUNCTION, on_write);
    SET(CURLOPT_WRITEDATA, (void *)x);
    SET(CURLOPT_HEADERFUNCTION, on_header);
    SET(CURLOPT_HEADERDATA, (void *)x);
    SET(CURLOPT_HTTPHEADER, x->hdrs);
    if (with_body) {
        /* curl keeps its own copy of the body: the caller's may go away. */
        SET(CURLOPT_POSTFIELDSIZE_LARGE, (curl_off_t)req->body_len);
        SET(CURLOPT_COPYPOSTFIELDS, req->body_len ? (const char *)req->body : "");
        if (strcmp(method, "POST") != 0)
            SET(CURLOPT_CUSTOMREQUEST, method);
    } else if (strcmp(method, "HEAD") == 0) {
        SET(CURLOPT_NOBODY, 1L);
    } else if (strcmp(method, "GET") == 0) {
        SET(CURLOPT_HTTPGET, 1L);
    } else {
        SET(CURLOPT_CUSTOMREQUEST, method);
    }
    if (curl_multi_add_handle(h->multi, e) != CURLM_OK)
        goto fail;
    /* curl only armed its timer: the transfer and its callback happen from
     * the loop, never from inside this function. */
    x->next = h->xfers;
    if (h->xfers)
        h->xfers->prev = x;
    h->xfers = x;
    h->in_flight++;
    return 0;
fail:
    xfer_free(x);
    return rc;
}

#undef SET

size_t aws_http_in_flight(const aws_http *h)
{
    return h ? h->in_flight : 0;
}

/* Ends every transfer in flight: each callback gets AWS_ECANCELED, once.
 * Set canceled or closing first: aws_http_send then refuses the new
 * transfers a callback may try to start. */
static void fail_all(aws_http *h)
{
    xfer *x;
    while ((x = h->xfers) != NULL) {
        xfer_unlink(h, x);
        curl_multi_remove_handle(h->multi, x->easy);
        snprintf(x->resp.error, sizeof(x->resp.error), "canceled");
        x->cb(AWS_ECANCELED, &x->resp, x->ud);
        xfer_free(x);
    }
}

void aws_http_cancel(aws_http *h)
{
    if (!h || h->closing)
        return;
    h->canceled = 1;
    fail_all(h);
}

void aws_http_free(aws_http *h)
{
    if (!h || h->closing)
        return;
    h->closing = 1;
    fail_all(h);
    /* May call on_curl_socket (REMOVE) and on_curl_timer one last time. */
    curl_multi_cleanup(h->multi);
    h->multi = NULL;
    while (h->socks)
        sock_close(h, h->socks);
    uv_timer_stop(&h->timer);
    uv_close((uv_handle_t *)&h->timer, on_timer_closed);
}
