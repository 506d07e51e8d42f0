/* certsweep — the served-certificate stage (see served.h). */
#include "scanner/served.h"

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/text.h"
#include "scanner/rules.h"

#include <ctype.h>
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define BUCKETS      16384          /* endpoint hash buckets */
#define TITLE_MAX    4096
#define DETAILS_MAX  (64 * 1024)
#define NAME_SHOW    256
#define VALUE_SHOW   1024
#define NAMES_SHOWN  20             /* served names kept and listed */

typedef struct cert {
    char *account, *region, *arn, *domain, *serial, *issuer, *console;
    char **names;
    size_t n_names;
    int64_t not_after;
    int in_use;
} cert;

typedef struct endpoint {
    struct endpoint *hnext;
    scanner_served *s;
    char *host;
    char address[64];
    int port;
    int listed;
    char *pref_arn;                 /* the certificate the resource that named it holds */
    char origin_account[16], origin_region[32];
    int done;
    probe_result res;               /* copied from the probe; leaf.names owned */
} endpoint;

struct scanner_served {
    uv_loop_t *loop;
    const config *cfg;
    int64_t as_of;
    prober *p;
    endpoint *buckets[BUCKETS];
    endpoint **eps;
    size_t n_eps, cap_eps;
    cert *certs;
    size_t n_certs, cap_certs;
    int oom;
};

/* ---- names ------------------------------------------------------------------- */

int scanner_name_covers(const char *pattern, const char *host)
{
    if (!pattern || !host || !*pattern || !*host)
        return 0;
    size_t pl = strlen(pattern), hl = strlen(host);
    /* A trailing dot is the same name. */
    if (pattern[pl - 1] == '.')
        pl--;
    if (host[hl - 1] == '.')
        hl--;
    if (pl == hl && strncasecmp(pattern, host, pl) == 0)
        return 1;
    if (pl > 2 && pattern[0] == '*' && pattern[1] == '.') {
        const char *dot = memchr(host, '.', hl);
        if (!dot || dot == host)
            return 0;
        size_t rest = hl - (size_t)(dot - host);     /* ".example.com" */
        return rest == pl - 1 && strncasecmp(dot, pattern + 1, rest) == 0;
    }
    return 0;
}

static int wildcard(const char *name)
{
    return name && strchr(name, '*') != NULL;
}

static int record_covers(const scanner_record *r, const char *host)
{
    if (scanner_name_covers(r->domain, host))
        return 1;
    for (size_t i = 0; i < r->n_sans; i++)
        if (scanner_name_covers(r->sans[i], host))
            return 1;
    return 0;
}

int scanner_served_wants(const scanner_record *r, const config *cfg)
{
    if (!r || !cfg || !cfg->probe_enabled)
        return 0;
    for (size_t i = 0; i < cfg->probe_hosts.n; i++) {
        char host[CONFIG_MAX_HOST + 1], addr[64], why[160];
        int port;
        if (config_probe_target_parse(cfg->probe_hosts.v[i], host, sizeof(host), &port, addr,
                                      sizeof(addr), why, sizeof(why)) == 0 &&
            record_covers(r, host))
            return 1;
    }
    return 0;
}

/* ---- comparison -------------------------------------------------------------- */

/* Lower-case hex digits of s without colons, spaces and leading zeros;
 * 0 when s holds anything else. */
static int norm_hex(const char *s, char *out, size_t n)
{
    size_t k = 0;
    int digits = 0;
    for (; *s; s++) {
        char c = (char)tolower((unsigned char)*s);
        if (c == ':' || c == ' ')
            continue;
        if (!isxdigit((unsigned char)c))
            return 0;
        digits = 1;
        if (k == 0 && c == '0')
            continue;
        if (k + 1 >= n)
            return 0;
        out[k++] = c;
    }
    if (!digits)
        return 0;
    if (k == 0)
        out[k++] = '0';
    out[k] = '\0';
    return 1;
}

int scanner_serial_matches(const char *acm_serial, const probe_leaf *leaf)
{
    if (!acm_serial || !leaf)
        return 0;
    char hex[200];
    if (norm_hex(acm_serial, hex, sizeof(hex)) && strcmp(hex, leaf->serial_hex) == 0)
        return 1;
    /* Digits only: moto (and nothing else known) sends the decimal value. */
    const char *d = acm_serial;
    while (*d == '0' && d[1])
        d++;
    for (const char *c = d; *c; c++)
        if (*c < '0' || *c > '9')
            return 0;
    return *d && strcmp(d, leaf->serial_dec) == 0;
}

int scanner_issuer_matches(const char *acm_issuer, const probe_leaf *leaf)
{
    if (!acm_issuer || !leaf || !*acm_issuer)
        return 0;
    return (leaf->issuer_cn[0] && strcasecmp(acm_issuer, leaf->issuer_cn) == 0) ||
           (leaf->issuer_o[0] && strcasecmp(acm_issuer, leaf->issuer_o) == 0) ||
           (leaf->issuer[0] && strcasecmp(acm_issuer, leaf->issuer) == 0);
}

unsigned scanner_served_compare(const scanner_served_expect *e, const probe_leaf *leaf)
{
    unsigned d = 0;
    if (!e || !leaf)
        return 0;
    if (e->serial && *e->serial && !scanner_serial_matches(e->serial, leaf))
        d |= SCANNER_DIFF_SERIAL;
    if (e->not_after && e->not_after != leaf->not_after)
        d |= SCANNER_DIFF_NOT_AFTER;
    if (e->issuer && *e->issuer && !scanner_issuer_matches(e->issuer, leaf))
        d |= SCANNER_DIFF_ISSUER;
    return d;
}

static scanner_served_expect expect_of(const cert *c)
{
    scanner_served_expect e = { c->serial, c->issuer, c->not_after };
    return e;
}

/* ---- endpoints --------------------------------------------------------------- */

static unsigned long hash_key(const char *host, int port, const char *address)
{
    unsigned long h = 1469598103934665603ul;
    for (const char *c = host; *c; c++)
        h = (h ^ (unsigned char)tolower((unsigned char)*c)) * 1099511628211ul;
    h = (h ^ (unsigned long)port) * 1099511628211ul;
    for (const char *c = address; *c; c++)
        h = (h ^ (unsigned char)*c) * 1099511628211ul;
    return h % BUCKETS;
}

static void on_probed(const probe_result *res, void *ud)
{
    endpoint *ep = ud;
    ep->done = 1;
    ep->res = *res;
    /* The names belong to the prober's copy: take our own. */
    ep->res.leaf.names = NULL;
    ep->res.leaf.n_names = 0;
    /* The first NAMES_SHOWN are kept (the finding lists no more), the
     * rest counted: memory stays small for certificates with many names. */
    size_t keep = res->leaf.n_names < NAMES_SHOWN ? res->leaf.n_names : NAMES_SHOWN;
    ep->res.leaf.n_names_dropped = res->leaf.n_names_dropped + (res->leaf.n_names - keep);
    for (size_t i = 0; i < keep; i++) {
        if (!ep->res.leaf.names &&
            !(ep->res.leaf.names = calloc(keep, sizeof(char *)))) {
            ep->s->oom = 1;
            break;
        }
        char *n = strdup(res->leaf.names[i]);
        if (!n) {
            ep->s->oom = 1;
            break;
        }
        ep->res.leaf.names[ep->res.leaf.n_names++] = n;
    }
    aws_log_debug("probe %s:%d: %s%s%s", ep->host, ep->port, res->code,
                  res->status == PROBE_OK ? "" : ": ", res->status == PROBE_OK ? "" : res->message);
}

/* The endpoint host:port(@address), created (and its probe queued) when new. */
static endpoint *endpoint_get(scanner_served *s, const char *host, int port, const char *address)
{
    unsigned long b = hash_key(host, port, address);
    for (endpoint *e = s->buckets[b]; e; e = e->hnext)
        if (e->port == port && strcasecmp(e->host, host) == 0 && strcmp(e->address, address) == 0)
            return e;
    if (s->n_eps == s->cap_eps) {
        size_t cap = s->cap_eps ? s->cap_eps * 2 : 256;
        endpoint **v = realloc(s->eps, cap * sizeof(*v));
        if (!v)
            return NULL;
        s->eps = v;
        s->cap_eps = cap;
    }
    endpoint *e = calloc(1, sizeof(*e));
    if (!e || !(e->host = strdup(host))) {
        free(e);
        return NULL;
    }
    for (char *c = e->host; *c; c++)
        *c = (char)tolower((unsigned char)*c);
    e->s = s;
    e->port = port;
    snprintf(e->address, sizeof(e->address), "%s", address);
    if (prober_add(s->p, e->host, port, *address ? address : NULL, on_probed, e) != 0) {
        free(e->host);
        free(e);
        return NULL;
    }
    e->hnext = s->buckets[b];
    s->buckets[b] = e;
    s->eps[s->n_eps++] = e;
    return e;
}

/* An endpoint named by a resource of (account, region) that holds arn. */
static int endpoint_from(scanner_served *s, const char *host, const scanner_record *r,
                         const char *arn)
{
    if (!host || !*host || wildcard(host) || strlen(host) > CONFIG_MAX_HOST)
        return 0;
    endpoint *e = endpoint_get(s, host, 443, "");
    if (!e)
        return AWS_ENOMEM;
    if (!e->pref_arn && arn && *arn && !(e->pref_arn = strdup(arn)))
        return AWS_ENOMEM;
    if (!e->origin_account[0]) {
        snprintf(e->origin_account, sizeof(e->origin_account), "%s", r->account_id ? r->account_id : "");
        snprintf(e->origin_region, sizeof(e->origin_region), "%s", r->region ? r->region : "");
    }
    return 0;
}

/* ---- certificates kept for the comparison ---------------------------------- */

static void cert_finish(cert *c)
{
    free(c->account);
    free(c->region);
    free(c->arn);
    free(c->domain);
    free(c->serial);
    free(c->issuer);
    free(c->console);
    for (size_t i = 0; i < c->n_names; i++)
        free(c->names[i]);
    free(c->names);
}

static char *dup0(const char *s, int *oom)
{
    if (!s)
        return NULL;
    char *c = strdup(s);
    if (!c)
        *oom = 1;
    return c;
}

static int keep_cert(scanner_served *s, const scanner_record *r)
{
    if (s->n_certs == s->cap_certs) {
        size_t cap = s->cap_certs ? s->cap_certs * 2 : 64;
        cert *v = realloc(s->certs, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        s->certs = v;
        s->cap_certs = cap;
    }
    cert *c = &s->certs[s->n_certs];
    memset(c, 0, sizeof(*c));
    int oom = 0;
    c->account = dup0(r->account_id ? r->account_id : "", &oom);
    c->region = dup0(r->region ? r->region : "", &oom);
    c->arn = dup0(r->arn ? r->arn : "", &oom);
    c->domain = dup0(r->domain, &oom);
    c->serial = dup0(r->serial, &oom);
    c->issuer = dup0(r->issuer, &oom);
    c->console = scanner_console_url(r);
    if (!c->console)
        oom = 1;
    c->not_after = r->not_after;
    c->in_use = r->n_in_use_by > 0;
    size_t n = (r->domain ? 1 : 0) + r->n_sans;
    if (n && !(c->names = calloc(n, sizeof(*c->names))))
        oom = 1;
    if (!oom && r->domain && !(c->names[c->n_names++] = strdup(r->domain)))
        oom = 1;
    for (size_t i = 0; !oom && i < r->n_sans; i++)
        if (!(c->names[c->n_names++] = strdup(r->sans[i] ? r->sans[i] : "")))
            oom = 1;
    if (oom) {
        cert_finish(c);
        return AWS_ENOMEM;
    }
    s->n_certs++;
    return 0;
}

static int cert_covers(const cert *c, const char *host)
{
    for (size_t i = 0; i < c->n_names; i++)
        if (scanner_name_covers(c->names[i], host))
            return 1;
    return 0;
}

/* ---- life cycle ---------------------------------------------------------------- */

int scanner_served_new(uv_loop_t *loop, const config *cfg, int64_t as_of, int with_hosts,
                       dns_resolver *dns, scanner_served **out, char *err, size_t errlen)
{
    *out = NULL;
    scanner_served *s = calloc(1, sizeof(*s));
    if (!s)
        return AWS_ENOMEM;
    s->loop = loop;
    s->cfg = cfg;
    s->as_of = as_of;
    probe_options po = {
        .ca_file = cfg->probe_ca_file,
        .timeout_ms = cfg->probe_timeout > 0 ? cfg->probe_timeout * 1000 : 0,
        .concurrency = cfg->probe_concurrency > 0 ? (size_t)cfg->probe_concurrency : 0,
        /* Chains are verified as they stand now, also in a what-if run
         * (--as-of judges the expiry tiers only). */
        .verify_time = 0,
        .resolver = dns,
    };
    int rc = prober_new(loop, &po, &s->p, err, errlen);
    if (rc != 0) {
        free(s);
        return rc;
    }
    for (size_t i = 0; with_hosts && i < cfg->probe_hosts.n; i++) {
        char host[CONFIG_MAX_HOST + 1], addr[64], why[160];
        int port;
        if (config_probe_target_parse(cfg->probe_hosts.v[i], host, sizeof(host), &port, addr,
                                      sizeof(addr), why, sizeof(why)) != 0)
            continue;               /* config validation refused it already */
        endpoint *e = endpoint_get(s, host, port, addr);
        if (!e) {
            scanner_served_free(s);
            snprintf(err, errlen, "out of memory");
            return AWS_ENOMEM;
        }
        e->listed = 1;
    }
    *out = s;
    return 0;
}

void scanner_served_free(scanner_served *s)
{
    if (!s)
        return;
    prober_free(s->p);              /* pending callbacks run first */
    for (size_t i = 0; i < s->n_eps; i++) {
        probe_leaf_finish(&s->eps[i]->res.leaf);
        free(s->eps[i]->host);
        free(s->eps[i]->pref_arn);
        free(s->eps[i]);
    }
    free(s->eps);
    for (size_t i = 0; i < s->n_certs; i++)
        cert_finish(&s->certs[i]);
    free(s->certs);
    free(s);
}

static int acm_live(const scanner_record *r)
{
    return r->status && (strcmp(r->status, "ISSUED") == 0 || strcmp(r->status, "INACTIVE") == 0);
}

int scanner_served_add_set(scanner_served *s, const scanner_record_set *set)
{
    if (!s || !set)
        return 0;
    for (size_t i = 0; i < set->n; i++) {
        const scanner_record *r = set->v[i];
        int rc = 0;
        if (!r)
            continue;
        if (r->source == SCANNER_SRC_ACM && acm_live(r)) {
            int in_use = r->n_in_use_by > 0;
            if (in_use || scanner_served_wants(r, s->cfg))
                rc = keep_cert(s, r);
            if (!rc && in_use) {
                rc = endpoint_from(s, r->domain, r, r->arn);
                for (size_t k = 0; !rc && k < r->n_sans; k++)
                    rc = endpoint_from(s, r->sans[k], r, r->arn);
            }
        } else if (r->source == SCANNER_SRC_APIGW_DOMAIN ||
                   r->source == SCANNER_SRC_APIGWV2_DOMAIN) {
            rc = endpoint_from(s, r->domain ? r->domain : r->id, r, r->certificate_arn);
        }
        if (rc)
            return rc;
    }
    return 0;
}

/* ---- judging ------------------------------------------------------------------- */

typedef struct verdict {
    scanner_served *s;
    endpoint *ep;
    const cert *pref;
    const char *account, *region;
    char resource[420];
    char resource_id[400];
    scanner_findings *out;
} verdict;

static void put_time(aws_buf *b, const char *key, int64_t t)
{
    char iso[32];
    scanner_fmt_time(t, 1, iso, sizeof(iso));
    aws_buf_printf(b, "%s: %s\n", key, t ? iso : "unknown");
}

static void put_val(aws_buf *b, const char *key, const char *v)
{
    aws_buf_printf(b, "%s: ", key);
    aws_text_cut(b, v && *v ? v : "unknown", VALUE_SHOW);
    aws_buf_putc(b, '\n');
}

static json_object *served_json(const endpoint *ep)
{
    const probe_result *r = &ep->res;
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    char iso[32];
    json_object_object_add(o, "serial", json_object_new_string(r->leaf.serial_hex));
    json_object_object_add(o, "issuer", json_object_new_string(r->leaf.issuer));
    json_object_object_add(o, "subject", json_object_new_string(r->leaf.subject));
    scanner_fmt_time(r->leaf.not_before, 1, iso, sizeof(iso));
    json_object_object_add(o, "not_before", json_object_new_string(iso));
    scanner_fmt_time(r->leaf.not_after, 1, iso, sizeof(iso));
    json_object_object_add(o, "not_after", json_object_new_string(iso));
    json_object *names = json_object_new_array();
    for (size_t i = 0; names && i < r->leaf.n_names; i++)
        json_object_array_add(names, json_object_new_string(r->leaf.names[i]));
    json_object_object_add(o, "names", names);
    json_object_object_add(o, "names_total",
                           json_object_new_int64((int64_t)(r->leaf.n_names + r->leaf.n_names_dropped)));
    json_object_object_add(o, "chain_length", json_object_new_int64((int64_t)r->chain_len));
    json_object_object_add(o, "tls_version", json_object_new_string(r->tls_version));
    return o;
}

static void put_served(aws_buf *b, const endpoint *ep)
{
    const probe_result *r = &ep->res;
    put_val(b, "Served serial", r->leaf.serial_hex);
    put_val(b, "Served issuer", r->leaf.issuer);
    put_val(b, "Served subject", r->leaf.subject);
    put_time(b, "Served not after", r->leaf.not_after);
    if (r->leaf.n_names) {
        aws_buf_printf(b, "Served names (%zu):", r->leaf.n_names + r->leaf.n_names_dropped);
        for (size_t i = 0; i < r->leaf.n_names && i < NAMES_SHOWN; i++) {
            aws_buf_putc(b, ' ');
            aws_text_cut(b, r->leaf.names[i], NAME_SHOW);
        }
        if (r->leaf.n_names_dropped)
            aws_buf_printf(b, " ... and %zu more", r->leaf.n_names_dropped);
        aws_buf_putc(b, '\n');
    }
}

/* A finding being written: title (begun with the endpoint), details and
 * structured details. */
typedef struct draft {
    aws_buf t, d;
    json_object *j;
} draft;

static void subject(aws_buf *t, const verdict *v);

static int draft_begin(draft *f, const verdict *v)
{
    aws_buf_init(&f->t, TITLE_MAX);
    aws_buf_init(&f->d, DETAILS_MAX);
    if (!(f->j = json_object_new_object())) {
        aws_buf_finish(&f->t);
        aws_buf_finish(&f->d);
        return AWS_ENOMEM;
    }
    subject(&f->t, v);
    return 0;
}

static int emit(verdict *v, const char *rule_id, scanner_severity sev, draft *f)
{
    aws_buf *title = &f->t, *details = &f->d;
    json_object *json = f->j;
    const scanner_rule *rule = scanner_rule_find(rule_id);
    endpoint *ep = v->ep;
    scanner_finding fd;
    int oom = 0;
    memset(&fd, 0, sizeof(fd));
    json_object_object_add(json, "source", json_object_new_string("served-endpoint"));
    json_object_object_add(json, "endpoint", json_object_new_string(v->resource_id));
    json_object_object_add(json, "address", json_object_new_string(ep->res.address));
    json_object_object_add(json, "listed", json_object_new_boolean(ep->listed));
    json_object_object_add(json, "served", served_json(ep));
    scanner_finding_id(v->account, v->region, v->resource, rule->id, fd.id);
    fd.rule = rule->id;
    fd.severity = sev;
    fd.source = SCANNER_SRC_SERVED;
    fd.account_id = dup0(v->account, &oom);
    fd.region = dup0(v->region, &oom);
    fd.resource_type = dup0(scanner_source_resource_type(SCANNER_SRC_SERVED), &oom);
    fd.resource_arn = dup0(v->resource, &oom);
    fd.resource_id = dup0(v->resource_id, &oom);
    fd.domain = dup0(ep->host, &oom);
    fd.not_after = ep->res.leaf.not_after;
    fd.days_to_expiry = fd.not_after ? scanner_days_until(fd.not_after, v->s->as_of) : 0;
    while (details->len > 0 && details->data[details->len - 1] == '\n')
        details->data[--details->len] = '\0';
    fd.title = aws_buf_take_fit(title);
    fd.details = aws_buf_take_fit(details);
    const char *js = json_object_to_json_string_ext(json, JSON_C_TO_STRING_PLAIN |
                                                          JSON_C_TO_STRING_NOSLASHESCAPE);
    fd.details_json = dup0(js ? js : "{}", &oom);
    json_object_put(json);
    aws_buf_finish(title);
    aws_buf_finish(details);
    fd.remediation = rule->remediation;
    fd.console_url = dup0(v->pref ? v->pref->console : "", &oom);
    if (oom || !fd.title || !fd.details) {
        scanner_finding_release(&fd);
        return AWS_ENOMEM;
    }
    return scanner_findings_add(v->out, &fd);
}

static void subject(aws_buf *t, const verdict *v)
{
    aws_buf_puts(t, "TLS endpoint ");
    aws_text_cut(t, v->resource_id, NAME_SHOW);
    aws_buf_putc(t, ' ');
}

static int judge_mismatch(verdict *v, unsigned diff)
{
    const cert *c = v->pref;
    endpoint *ep = v->ep;
    draft f;
    if (draft_begin(&f, v) != 0)
        return AWS_ENOMEM;
    aws_buf *t = &f.t, *d = &f.d;
    json_object *j = f.j;
    json_object *dj = json_object_new_array();
    json_object *ej = json_object_new_object();
    json_object_object_add(j, "expected", ej);
    json_object_object_add(j, "differs", dj);
    char what[64] = "";
    static const struct { unsigned bit; const char *text, *key; } fields[] = {
        { SCANNER_DIFF_SERIAL, "serial", "serial" },
        { SCANNER_DIFF_NOT_AFTER, "NotAfter", "not_after" },
        { SCANNER_DIFF_ISSUER, "issuer", "issuer" },
    };
    size_t np = 0, total = 0;
    for (size_t i = 0; i < 3; i++)
        total += (diff & fields[i].bit) != 0;
    for (size_t i = 0; i < 3; i++) {
        if (!(diff & fields[i].bit))
            continue;
        size_t l = strlen(what);
        snprintf(what + l, sizeof(what) - l, "%s%s",
                 np == 0 ? "" : np + 1 == total ? " and " : ", ", fields[i].text);
        json_object_array_add(dj, json_object_new_string(fields[i].key));
        np++;
    }
    if (np == 0)
        snprintf(what, sizeof(what), "certificate");
    aws_buf_puts(t, "serves another certificate than ACM certificate ");
    aws_text_cut(t, c->domain ? c->domain : c->arn, NAME_SHOW);
    aws_buf_printf(t, " (%s differ%s", what, np == 1 ? "s" : "");
    if ((diff & SCANNER_DIFF_NOT_AFTER) && ep->res.leaf.not_after && c->not_after) {
        char a[16], b[16];
        scanner_fmt_time(ep->res.leaf.not_after, 0, a, sizeof(a));
        scanner_fmt_time(c->not_after, 0, b, sizeof(b));
        aws_buf_printf(t, "; served expires %s, ACM's %s", a, b);
    }
    aws_buf_putc(t, ')');
    put_val(d, "Endpoint", v->resource_id);
    put_val(d, "Address", ep->res.address);
    put_val(d, "ACM certificate", c->arn);
    put_val(d, "ACM certificate in use", c->in_use ? "yes" : "no");
    put_val(d, "Differs", what);
    put_val(d, "ACM serial", c->serial);
    put_val(d, "ACM issuer", c->issuer);
    put_time(d, "ACM not after", c->not_after);
    put_served(d, ep);
    json_object_object_add(ej, "certificate_arn", json_object_new_string(c->arn));
    json_object_object_add(ej, "serial", c->serial ? json_object_new_string(c->serial) : NULL);
    json_object_object_add(ej, "issuer", c->issuer ? json_object_new_string(c->issuer) : NULL);
    char iso[32];
    scanner_fmt_time(c->not_after, 1, iso, sizeof(iso));
    json_object_object_add(ej, "not_after", json_object_new_string(iso));
    return emit(v, "served-certificate-mismatch", SCANNER_SEV_HIGH, &f);
}

static int judge_chain(verdict *v)
{
    endpoint *ep = v->ep;
    const probe_result *r = &ep->res;
    draft f;
    if (draft_begin(&f, v) != 0)
        return AWS_ENOMEM;
    aws_buf *t = &f.t, *d = &f.d;
    json_object *j = f.j;
    if (!r->chain_ok) {
        aws_buf_puts(t, "serves a chain that does not verify: ");
        aws_text_cut(t, r->verify_message, VALUE_SHOW);
    }
    if (!r->name_ok) {
        aws_buf_puts(t, r->chain_ok ? "serves a certificate that is not valid for "
                                     : "; and the certificate is not valid for ");
        aws_text_cut(t, ep->host, NAME_SHOW);
    }
    put_val(d, "Endpoint", v->resource_id);
    put_val(d, "Address", r->address);
    put_val(d, "Chain", r->chain_ok ? "verifies" : "does not verify");
    if (!r->chain_ok)
        aws_buf_printf(d, "Verify error: %ld (%s)\n", r->verify_error, r->verify_message);
    put_val(d, "Name", r->name_ok ? "matches the host" : "does not match the host (SNI)");
    aws_buf_printf(d, "Certificates sent: %zu\n", r->chain_len);
    aws_buf_printf(d, "Trust store: %s\n",
                   v->s->cfg->probe_ca_file ? v->s->cfg->probe_ca_file : "the system's");
    put_served(d, ep);
    json_object *pj = json_object_new_array();
    if (pj && !r->chain_ok)
        json_object_array_add(pj, json_object_new_string("chain"));
    if (pj && !r->name_ok)
        json_object_array_add(pj, json_object_new_string("name"));
    json_object_object_add(j, "problems", pj);
    json_object_object_add(j, "verify_error", json_object_new_int64(r->verify_error));
    json_object_object_add(j, "verify_message",
                           r->chain_ok ? NULL : json_object_new_string(r->verify_message));
    return emit(v, "served-chain-invalid", SCANNER_SEV_HIGH, &f);
}

static int judge_expiring(verdict *v)
{
    endpoint *ep = v->ep;
    const config *cfg = v->s->cfg;
    int64_t na = ep->res.leaf.not_after;
    if (na == 0)
        return 0;
    int64_t days = scanner_days_until(na, v->s->as_of);
    scanner_severity sev = SCANNER_SEV_CRITICAL;
    if (na > v->s->as_of && !scanner_tier_severity(&cfg->expiring, days, &sev))
        return 0;
    draft f;
    if (draft_begin(&f, v) != 0)
        return AWS_ENOMEM;
    aws_buf *t = &f.t, *d = &f.d;
    json_object *j = f.j;
    char date[16];
    scanner_fmt_time(na, 0, date, sizeof(date));
    if (na <= v->s->as_of)
        aws_buf_printf(t, "serves a certificate that expired %lld day%s ago (%s)",
                       (long long)-days, days == -1 ? "" : "s", date);
    else
        aws_buf_printf(t, "serves a certificate that expires in %lld day%s (%s)",
                       (long long)days, days == 1 ? "" : "s", date);
    aws_buf_puts(t, "; no scanned inventory holds it");
    put_val(d, "Endpoint", v->resource_id);
    put_val(d, "Address", ep->res.address);
    put_served(d, ep);
    aws_buf_printf(d, "No ACM certificate scanned in this run has this serial and issuer, "
                   "so no other rule watches it ([rules] expiring tiers %d/%d/%d days).\n",
                   cfg->expiring.medium, cfg->expiring.high, cfg->expiring.critical);
    json_object *tj = json_object_new_object();
    if (tj) {
        json_object_object_add(tj, "medium", json_object_new_int(cfg->expiring.medium));
        json_object_object_add(tj, "high", json_object_new_int(cfg->expiring.high));
        json_object_object_add(tj, "critical", json_object_new_int(cfg->expiring.critical));
    }
    json_object_object_add(j, "thresholds", tj);
    return emit(v, "served-certificate-expiring", sev, &f);
}

/* The certificate the endpoint should serve: the one its resource holds,
 * else one in use, else the newest; *matched: the leaf is one of those
 * that hold the name. */
static const cert *expected(const scanner_served *s, const endpoint *ep, int *matched)
{
    const cert *pref = NULL, *in_use = NULL, *newest = NULL;
    *matched = 0;
    for (size_t i = 0; i < s->n_certs; i++) {
        const cert *c = &s->certs[i];
        int named = ep->pref_arn && strcmp(c->arn, ep->pref_arn) == 0;
        if (!named && !cert_covers(c, ep->host))
            continue;
        scanner_served_expect e = expect_of(c);
        if (c->serial && scanner_served_compare(&e, &ep->res.leaf) == 0)
            *matched = 1;
        if (named)
            pref = c;
        if (c->in_use && (!in_use || c->not_after > in_use->not_after))
            in_use = c;
        if (!newest || c->not_after > newest->not_after)
            newest = c;
    }
    return pref ? pref : in_use ? in_use : newest;
}

static int judge_endpoint(scanner_served *s, endpoint *ep, const char *scanning_account,
                          scanner_findings *out, scanner_coverage *cov,
                          scanner_served_stats *st)
{
    verdict v;
    memset(&v, 0, sizeof(v));
    v.s = s;
    v.ep = ep;
    v.out = out;
    snprintf(v.resource_id, sizeof(v.resource_id), "%s:%d%s%s", ep->host, ep->port,
             *ep->address ? "@" : "", ep->address);
    snprintf(v.resource, sizeof(v.resource), "tls://%s", v.resource_id);
    int matched = 0;
    if (ep->done && ep->res.status == PROBE_OK)
        v.pref = expected(s, ep, &matched);
    if (v.pref) {
        v.account = v.pref->account;
        v.region = v.pref->region;
    } else if (ep->origin_account[0]) {
        v.account = ep->origin_account;
        v.region = ep->origin_region;
    } else {
        v.account = scanning_account && *scanning_account ? scanning_account : "unknown";
        v.region = "global";
    }
    if (!ep->done || ep->res.status != PROBE_OK) {
        if (st)
            st->unreachable++;
        char msg[700];
        snprintf(msg, sizeof(msg), "%s: %s", v.resource_id,
                 ep->done ? ep->res.message : "not probed");
        aws_log_warn("%s/%s/Probe: %s: %s", v.account, v.region,
                     ep->done ? ep->res.code : "ProbeError", msg);
        return scanner_findings_add_gap(out, v.account, v.region, "Probe",
                                        ep->done ? ep->res.code : "ProbeError", msg);
    }
    if (st)
        st->completed++;
    if (cov && scanner_coverage_add_endpoint(cov, v.account, v.region, v.resource) != 0)
        return AWS_ENOMEM;
    int rc = 0;
    const config *cfg = s->cfg;
    if (v.pref && !matched && scanner_rule_enabled(cfg, "served-certificate-mismatch")) {
        scanner_served_expect e = expect_of(v.pref);
        if ((rc = judge_mismatch(&v, scanner_served_compare(&e, &ep->res.leaf))))
            return rc;
    }
    if ((!ep->res.chain_ok || !ep->res.name_ok) &&
        scanner_rule_enabled(cfg, "served-chain-invalid") && (rc = judge_chain(&v)))
        return rc;
    if (ep->listed && !matched && scanner_rule_enabled(cfg, "served-certificate-expiring") &&
        (rc = judge_expiring(&v)))
        return rc;
    return 0;
}

int scanner_served_finish(scanner_served *s, const char *scanning_account,
                          scanner_findings *out, scanner_coverage *cov,
                          scanner_served_stats *st)
{
    if (!s)
        return 0;
    while (prober_pending(s->p) > 0)
        uv_run(s->loop, UV_RUN_ONCE);
    if (st) {
        st->endpoints = s->n_eps;
        st->peak_in_flight = prober_peak(s->p);
    }
    int first = s->oom ? AWS_ENOMEM : 0;
    for (size_t i = 0; i < s->n_eps; i++) {
        int rc = judge_endpoint(s, s->eps[i], scanning_account, out, cov, st);
        if (rc && !first)
            first = rc;
    }
    return first;
}
