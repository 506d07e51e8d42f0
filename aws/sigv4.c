/* certsweep — AWS Signature Version 4.
 *
 * The canonical form follows botocore's SigV4Auth (botocore/auth.py) so that
 * the oracle test (tests/unit/aws/sigv4_oracle.py) can compare the two byte
 * for byte:
 *   - path: for every service but S3, dot segments and empty segments are
 *     removed (botocore.utils.remove_dot_segments) and the wire path is
 *     percent-encoded once more ('/' and unreserved kept), so "%2F" becomes
 *     "%252F"; an empty path is "/".
 *   - query: split on '&', each pair on its first '='; key and value are
 *     percent-decoded and re-encoded with the RFC 3986 unreserved set, then
 *     sorted by key and value (byte order); "k" becomes "k=".
 *   - headers: lower-case names, values with leading/trailing whitespace
 *     removed and inner runs collapsed to one space, repeated names joined
 *     with ',' in the order they were added; hop-by-hop headers and
 *     User-Agent are never signed (botocore's SIGNED_HEADERS_BLACKLIST).
 */
#include "aws/sigv4.h"
#include "aws/awstime.h"
#include "aws/error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <ctype.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

/* Canonical requests are built from local data (URL, headers we set); the
 * cap only guards against a runaway caller. */
#define SIGV4_MAX (1u << 20)

static const char *const unsigned_headers[] = {
    "authorization", "connection", "expect", "keep-alive",
    "proxy-authenticate", "proxy-authorization", "te", "trailer",
    "transfer-encoding", "upgrade", "user-agent", "x-amzn-trace-id",
};

static const char hexdig[] = "0123456789abcdef";

static void to_hex(const unsigned char *in, size_t n, char *out)
{
    for (size_t i = 0; i < n; i++) {
        out[2 * i] = hexdig[in[i] >> 4];
        out[2 * i + 1] = hexdig[in[i] & 15];
    }
    out[2 * n] = '\0';
}

void aws_sha256_hex(const void *data, size_t len, char out[65])
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int mdlen = 0;
    if (!EVP_Digest(data ? data : "", len, md, &mdlen, EVP_sha256(), NULL) ||
        mdlen != 32) {
        /* Cannot happen with a working libcrypto; never emit a bogus hash
         * that could look valid. */
        memset(out, '0', 64);
        out[64] = '\0';
        return;
    }
    to_hex(md, 32, out);
}

/* ---- URL pieces ----------------------------------------------------------- */

typedef struct url_parts {
    const char *scheme; size_t scheme_len;
    const char *host;   size_t host_len;   /* without userinfo and port */
    const char *port;   size_t port_len;   /* digits, may be empty */
    const char *path;   size_t path_len;   /* may be empty */
    const char *query;  size_t query_len;  /* without '?', may be empty */
} url_parts;

static int split_url(const char *url, url_parts *u)
{
    memset(u, 0, sizeof(*u));
    const char *p = strstr(url, "://");
    if (!p || p == url)
        return AWS_EINVAL;
    u->scheme = url;
    u->scheme_len = (size_t)(p - url);
    const char *auth = p + 3;
    size_t alen = strcspn(auth, "/?#");
    const char *rest = auth + alen;
    /* Drop userinfo. */
    for (size_t i = alen; i > 0; i--) {
        if (auth[i - 1] == '@') {
            alen -= i;
            auth += i;
            break;
        }
    }
    if (alen == 0)
        return AWS_EINVAL;
    const char *host_end = auth + alen;
    if (auth[0] == '[') {                     /* IPv6 literal */
        const char *rb = memchr(auth, ']', alen);
        if (!rb)
            return AWS_EINVAL;
        u->host = auth;
        u->host_len = (size_t)(rb - auth) + 1;
        if (rb + 1 < host_end) {
            if (rb[1] != ':')
                return AWS_EINVAL;
            u->port = rb + 2;
            u->port_len = (size_t)(host_end - (rb + 2));
        }
    } else {
        const char *colon = memchr(auth, ':', alen);
        u->host = auth;
        u->host_len = colon ? (size_t)(colon - auth) : alen;
        if (colon) {
            u->port = colon + 1;
            u->port_len = (size_t)(host_end - (colon + 1));
        }
    }
    if (u->host_len == 0)
        return AWS_EINVAL;
    for (size_t i = 0; i < u->port_len; i++)
        if (!isdigit((unsigned char)u->port[i]))
            return AWS_EINVAL;
    u->path = rest;
    u->path_len = strcspn(rest, "?#");
    if (rest[u->path_len] == '?') {
        u->query = rest + u->path_len + 1;
        u->query_len = strcspn(u->query, "#");
    }
    return 0;
}

/* Host header value: lower-case host, and the port unless it is the
 * scheme's default (http 80, https 443). */
static int host_header(const url_parts *u, aws_buf *out)
{
    for (size_t i = 0; i < u->host_len; i++) {
        int rc = aws_buf_putc(out, (char)tolower((unsigned char)u->host[i]));
        if (rc)
            return rc;
    }
    if (u->port_len == 0)
        return 0;
    long port = 0;
    for (size_t i = 0; i < u->port_len; i++) {
        port = port * 10 + (u->port[i] - '0');
        if (port > 65535)
            return AWS_EINVAL;
    }
    long def = -1;
    if (u->scheme_len == 4 && strncasecmp(u->scheme, "http", 4) == 0)
        def = 80;
    else if (u->scheme_len == 5 && strncasecmp(u->scheme, "https", 5) == 0)
        def = 443;
    if (port == def)
        return 0;
    return aws_buf_printf(out, ":%ld", port);
}

/* ---- path ----------------------------------------------------------------- */

/* botocore.utils.remove_dot_segments: drops "", "." and applies ".."; keeps a
 * leading '/' and a trailing '/' when something is left. */
static int normalize_path(const char *path, size_t len, aws_buf *out)
{
    if (len == 0)
        return aws_buf_putc(out, '/');
    size_t cap = len / 2 + 2;
    const char **seg = calloc(cap, sizeof(*seg));
    size_t *seglen = calloc(cap, sizeof(*seglen));
    size_t n = 0;
    int rc = 0;
    if (!seg || !seglen) {
        rc = AWS_ENOMEM;
        goto out;
    }
    size_t i = 0;
    while (i <= len) {
        size_t j = i;
        while (j < len && path[j] != '/')
            j++;
        size_t sl = j - i;
        if (sl == 0 || (sl == 1 && path[i] == '.')) {
            /* skip */
        } else if (sl == 2 && path[i] == '.' && path[i + 1] == '.') {
            if (n > 0)
                n--;
        } else {
            seg[n] = path + i;
            seglen[n] = sl;
            n++;
        }
        i = j + 1;
    }
    if (path[0] == '/')
        rc = aws_buf_putc(out, '/');
    for (size_t k = 0; rc == 0 && k < n; k++) {
        if (k > 0)
            rc = aws_buf_putc(out, '/');
        if (rc == 0)
            rc = aws_buf_append(out, seg[k], seglen[k]);
    }
    if (rc == 0 && path[len - 1] == '/' && n > 0)
        rc = aws_buf_putc(out, '/');
out:
    free(seg);
    free(seglen);
    return rc;
}

static int canonical_path(const aws_sigv4_request *req, const url_parts *u,
                          aws_buf *out)
{
    if (req->flags & AWS_SIGV4_NO_DOUBLE_ENCODE) {
        if (u->path_len == 0)
            return aws_buf_putc(out, '/');
        return aws_buf_append(out, u->path, u->path_len);
    }
    aws_buf norm;
    aws_buf_init(&norm, SIGV4_MAX);
    int rc = normalize_path(u->path, u->path_len, &norm);
    if (rc == 0)
        rc = aws_buf_urlencode(out, norm.data ? norm.data : "", norm.len, 1);
    aws_buf_finish(&norm);
    return rc;
}

/* ---- query ---------------------------------------------------------------- */

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

/* Percent-decodes s[0..n) and appends it AWS-encoded to out.  '+' is a
 * literal plus (SigV4 does not use form encoding); a stray '%' stays a
 * literal '%'. */
static int reencode(const char *s, size_t n, aws_buf *out)
{
    aws_buf dec;
    aws_buf_init(&dec, SIGV4_MAX);
    int rc = 0;
    for (size_t i = 0; rc == 0 && i < n; i++) {
        int hi, lo;
        if (s[i] == '%' && i + 2 < n && (hi = hexval(s[i + 1])) >= 0 &&
            (lo = hexval(s[i + 2])) >= 0) {
            rc = aws_buf_putc(&dec, (char)(hi * 16 + lo));
            i += 2;
        } else {
            rc = aws_buf_putc(&dec, s[i]);
        }
    }
    if (rc == 0)
        rc = aws_buf_urlencode(out, dec.data ? dec.data : "", dec.len, 0);
    aws_buf_finish(&dec);
    return rc;
}

typedef struct qpair {
    char *key;
    char *val;
} qpair;

static int qpair_cmp(const void *a, const void *b)
{
    const qpair *x = a, *y = b;
    int c = strcmp(x->key, y->key);
    return c ? c : strcmp(x->val, y->val);
}

static int canonical_query(const url_parts *u, aws_buf *out)
{
    if (u->query_len == 0)
        return 0;
    size_t npairs = 1;
    for (size_t i = 0; i < u->query_len; i++)
        if (u->query[i] == '&')
            npairs++;
    qpair *pairs = calloc(npairs, sizeof(*pairs));
    if (!pairs)
        return AWS_ENOMEM;
    int rc = 0;
    size_t n = 0, i = 0;
    while (rc == 0 && n < npairs) {
        const char *p = u->query + i;
        size_t plen = 0;
        while (i + plen < u->query_len && p[plen] != '&')
            plen++;
        const char *eq = memchr(p, '=', plen);
        size_t klen = eq ? (size_t)(eq - p) : plen;
        size_t vlen = eq ? plen - klen - 1 : 0;
        aws_buf k, v;
        aws_buf_init(&k, SIGV4_MAX);
        aws_buf_init(&v, SIGV4_MAX);
        rc = reencode(p, klen, &k);
        if (rc == 0 && eq)
            rc = reencode(eq + 1, vlen, &v);
        if (rc == 0) {
            pairs[n].key = aws_buf_take(&k);
            pairs[n].val = aws_buf_take(&v);
            if (!pairs[n].key || !pairs[n].val) {
                free(pairs[n].key);
                free(pairs[n].val);
                rc = AWS_ENOMEM;
            } else {
                n++;
            }
        }
        aws_buf_finish(&k);
        aws_buf_finish(&v);
        i += plen + 1;
    }
    if (rc == 0) {
        qsort(pairs, n, sizeof(*pairs), qpair_cmp);
        for (size_t j = 0; rc == 0 && j < n; j++)
            rc = aws_buf_printf(out, "%s%s=%s", j ? "&" : "", pairs[j].key,
                                pairs[j].val);
    }
    for (size_t j = 0; j < n; j++) {
        free(pairs[j].key);
        free(pairs[j].val);
    }
    free(pairs);
    return rc;
}

/* ---- headers -------------------------------------------------------------- */

typedef struct hdr_ref {
    char *lname;          /* lower-cased copy */
    const char *value;
    size_t idx;           /* original position: keeps same-name order */
} hdr_ref;

static int hdr_cmp(const void *a, const void *b)
{
    const hdr_ref *x = a, *y = b;
    int c = strcmp(x->lname, y->lname);
    if (c)
        return c;
    return x->idx < y->idx ? -1 : x->idx > y->idx;
}

static int is_unsigned(const char *lname)
{
    for (size_t i = 0; i < sizeof(unsigned_headers) / sizeof(*unsigned_headers); i++)
        if (strcmp(lname, unsigned_headers[i]) == 0)
            return 1;
    return 0;
}

static int is_ws(unsigned char c)
{
    return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\v' ||
           c == '\f';
}

/* Trimall: ' '.join(value.split()) for ASCII whitespace. */
static int put_trimmed(aws_buf *out, const char *v)
{
    int first = 1, rc = 0;
    const unsigned char *s = (const unsigned char *)v;
    while (rc == 0 && *s) {
        while (*s && is_ws(*s))
            s++;
        if (!*s)
            break;
        const unsigned char *w = s;
        while (*s && !is_ws(*s))
            s++;
        if (!first)
            rc = aws_buf_putc(out, ' ');
        if (rc == 0)
            rc = aws_buf_append(out, w, (size_t)(s - w));
        first = 0;
    }
    return rc;
}

static int canonical_headers(const aws_headers *h, aws_buf *out,
                             aws_buf *signed_headers)
{
    size_t n = h ? h->n : 0;
    hdr_ref *refs = calloc(n ? n : 1, sizeof(*refs));
    if (!refs)
        return AWS_ENOMEM;
    int rc = 0;
    size_t m = 0;
    for (size_t i = 0; i < n; i++) {
        char *l = strdup(h->v[i].name);
        if (!l) {
            rc = AWS_ENOMEM;
            goto out;
        }
        for (char *c = l; *c; c++)
            *c = (char)tolower((unsigned char)*c);
        if (is_unsigned(l)) {
            free(l);
            continue;
        }
        refs[m].lname = l;
        refs[m].value = h->v[i].value ? h->v[i].value : "";
        refs[m].idx = i;
        m++;
    }
    qsort(refs, m, sizeof(*refs), hdr_cmp);
    for (size_t i = 0; rc == 0 && i < m; i++) {
        int same = i > 0 && strcmp(refs[i].lname, refs[i - 1].lname) == 0;
        if (same) {
            rc = aws_buf_putc(out, ',');
        } else {
            if (i > 0) {
                rc = aws_buf_putc(out, '\n');
                if (rc == 0)
                    rc = aws_buf_putc(signed_headers, ';');
            }
            if (rc == 0)
                rc = aws_buf_printf(out, "%s:", refs[i].lname);
            if (rc == 0)
                rc = aws_buf_puts(signed_headers, refs[i].lname);
        }
        if (rc == 0)
            rc = put_trimmed(out, refs[i].value);
    }
    if (rc == 0)
        rc = aws_buf_putc(out, '\n');
out:
    for (size_t i = 0; i < m; i++)
        free(refs[i].lname);
    free(refs);
    return rc;
}

/* ---- canonical request, string to sign ------------------------------------ */

int aws_sigv4_canonical_request(const aws_sigv4_request *req, aws_buf *out,
                                aws_buf *signed_headers)
{
    if (!req || !req->method || !req->url || !out || !signed_headers)
        return AWS_EINVAL;
    url_parts u;
    int rc = split_url(req->url, &u);
    if (rc)
        return rc;
    for (const char *m = req->method; *m && rc == 0; m++)
        rc = aws_buf_putc(out, (char)toupper((unsigned char)*m));
    if (rc == 0)
        rc = aws_buf_putc(out, '\n');
    if (rc == 0)
        rc = canonical_path(req, &u, out);
    if (rc == 0)
        rc = aws_buf_putc(out, '\n');
    if (rc == 0)
        rc = canonical_query(&u, out);
    if (rc == 0)
        rc = aws_buf_putc(out, '\n');
    if (rc == 0)
        rc = canonical_headers(req->headers, out, signed_headers);
    if (rc == 0)
        rc = aws_buf_putc(out, '\n');
    if (rc == 0)
        rc = aws_buf_append(out, signed_headers->data ? signed_headers->data : "",
                            signed_headers->len);
    if (rc == 0)
        rc = aws_buf_putc(out, '\n');
    if (rc == 0) {
        const char *given = req->headers ?
            aws_headers_get(req->headers, "x-amz-content-sha256") : NULL;
        if (given) {
            rc = aws_buf_puts(out, given);
        } else {
            char hex[65];
            aws_sha256_hex(req->body, req->body ? req->body_len : 0, hex);
            rc = aws_buf_puts(out, hex);
        }
    }
    return rc;
}

static int scope_ok(const char *s)
{
    if (!s || !*s)
        return 0;
    for (; *s; s++)
        if (*s == '/' || *s == '\n' || *s == ' ' || *s == ',')
            return 0;
    return 1;
}

int aws_sigv4_string_to_sign(const aws_sigv4_request *req, const char *canonical,
                             aws_buf *out)
{
    if (!req || !canonical || !out || !scope_ok(req->region) ||
        !scope_ok(req->service))
        return AWS_EINVAL;
    char amz[17], hex[65];
    aws_time_amz((int64_t)req->now, amz, sizeof(amz));
    aws_sha256_hex(canonical, strlen(canonical), hex);
    return aws_buf_printf(out, "AWS4-HMAC-SHA256\n%s\n%.8s/%s/%s/aws4_request\n%s",
                          amz, amz, req->region, req->service, hex);
}

/* ---- signing --------------------------------------------------------------- */

static int hmac(const void *key, size_t klen, const void *msg, size_t mlen,
                unsigned char out[32])
{
    unsigned int len = 0;
    if (!HMAC(EVP_sha256(), key, (int)klen, msg, mlen, out, &len) || len != 32)
        return AWS_EINVAL;
    return 0;
}

/* kSigning = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, date), region), service),
 * "aws4_request"); the signature is hex(HMAC(kSigning, string_to_sign)). */
static int signature(const char *secret, const char *date8, const char *region,
                     const char *service, const char *sts, char hex[65])
{
    unsigned char k[32], sig[32];
    aws_buf seed;
    aws_buf_init(&seed, 4096);
    int rc = aws_buf_printf(&seed, "AWS4%s", secret);
    if (rc == 0)
        rc = hmac(seed.data, seed.len, date8, 8, k);
    if (rc == 0)
        rc = hmac(k, 32, region, strlen(region), k);
    if (rc == 0)
        rc = hmac(k, 32, service, strlen(service), k);
    if (rc == 0)
        rc = hmac(k, 32, "aws4_request", 12, k);
    if (rc == 0)
        rc = hmac(k, 32, sts, strlen(sts), sig);
    if (rc == 0)
        to_hex(sig, 32, hex);
    OPENSSL_cleanse(k, sizeof(k));
    OPENSSL_cleanse(sig, sizeof(sig));
    aws_buf_finish_secret(&seed);
    return rc;
}

int aws_sigv4_sign(const aws_sigv4_request *req, const aws_creds *creds)
{
    if (!req || !req->headers || !req->method || !req->url || !creds ||
        !creds->access_key_id || !*creds->access_key_id ||
        !creds->secret_access_key || !*creds->secret_access_key ||
        !scope_ok(req->region) || !scope_ok(req->service) ||
        !scope_ok(creds->access_key_id))
        return AWS_EINVAL;
    url_parts u;
    int rc = split_url(req->url, &u);
    if (rc)
        return rc;

    aws_buf host, creq, sh, sts;
    aws_buf_init(&host, 1024);
    aws_buf_init(&creq, SIGV4_MAX);
    aws_buf_init(&sh, SIGV4_MAX);
    aws_buf_init(&sts, 4096);
    char amz[17], sig[65];

    /* A retry re-signs the same headers: drop the old signature first. */
    aws_headers_remove(req->headers, "Authorization");
    if ((rc = host_header(&u, &host)) != 0)
        goto out;
    if ((rc = aws_headers_set(req->headers, "Host", host.data)) != 0)
        goto out;
    aws_time_amz((int64_t)req->now, amz, sizeof(amz));
    if ((rc = aws_headers_set(req->headers, "X-Amz-Date", amz)) != 0)
        goto out;
    if (creds->session_token && *creds->session_token) {
        rc = aws_headers_set(req->headers, "X-Amz-Security-Token",
                             creds->session_token);
        if (rc)
            goto out;
    } else {
        /* Refreshed credentials without a token must not carry a stale one. */
        aws_headers_remove(req->headers, "X-Amz-Security-Token");
    }
    if (req->flags & AWS_SIGV4_CONTENT_SHA256) {
        char hex[65];
        aws_sha256_hex(req->body, req->body ? req->body_len : 0, hex);
        if ((rc = aws_headers_set(req->headers, "X-Amz-Content-SHA256", hex)) != 0)
            goto out;
    }
    if ((rc = aws_sigv4_canonical_request(req, &creq, &sh)) != 0)
        goto out;
    if ((rc = aws_sigv4_string_to_sign(req, creq.data, &sts)) != 0)
        goto out;
    if ((rc = signature(creds->secret_access_key, amz, req->region, req->service,
                        sts.data, sig)) != 0)
        goto out;
    aws_buf_reset(&sts);
    rc = aws_buf_printf(&sts, "AWS4-HMAC-SHA256 Credential=%s/%.8s/%s/%s/aws4_request, "
                        "SignedHeaders=%s, Signature=%s", creds->access_key_id, amz,
                        req->region, req->service, sh.data ? sh.data : "", sig);
    if (rc == 0)
        rc = aws_headers_set(req->headers, "Authorization", sts.data);
out:
    aws_buf_finish(&host);
    aws_buf_finish_secret(&creq);   /* holds the session token */
    aws_buf_finish(&sh);
    aws_buf_finish(&sts);
    return rc;
}
