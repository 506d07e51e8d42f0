/* certsweep — tickets: event documents, their text forms, the requests the
 * receivers build and the one decision table (tk_decide). */
#include "notify/tickets.h"

#include "aws/error.h"
#include "aws/secret.h"

#include <ctype.h>
#include <fcntl.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static const char *const action_names[] = { "", "create", "update", "resolve", "digest" };

const char *tk_action_name(tk_action a)
{
    return a >= TK_CREATE && a <= TK_DIGEST ? action_names[a] : "";
}

int tk_action_parse(const char *s)
{
    for (int a = TK_CREATE; s && a <= TK_DIGEST; a++)
        if (strcmp(s, action_names[a]) == 0)
            return a;
    return 0;
}

int64_t tk_backoff(int attempts)
{
    if (attempts <= 1)
        return 0;
    int64_t d = TK_BACKOFF_BASE;
    for (int i = 2; i < attempts && d < TK_BACKOFF_MAX; i++)
        d *= 2;
    return d < TK_BACKOFF_MAX ? d : TK_BACKOFF_MAX;
}

/* ---- the decision table -------------------------------------------------- */

static int in_sorted(const char *const *v, size_t n, const char *s)
{
    size_t lo = 0, hi = n;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        int c = strcmp(v[mid], s);
        if (c == 0)
            return 1;
        if (c < 0)
            lo = mid + 1;
        else
            hi = mid;
    }
    return 0;
}

static int cmp_str(const void *a, const void *b)
{
    return strcmp(*(const char *const *)a, *(const char *const *)b);
}

static int push_id(tk_decision *d, const char *s)
{
    for (size_t i = 0; i < d->n_members; i++)
        if (strcmp(d->members[i], s) == 0)
            return 0;
    char **v = realloc(d->members, (d->n_members + 1) * sizeof(*v));
    if (!v)
        return AWS_ENOMEM;
    d->members = v;
    if (!(v[d->n_members] = strdup(s)))
        return AWS_ENOMEM;
    d->n_members++;
    return 0;
}

void tk_decision_finish(tk_decision *d)
{
    if (!d)
        return;
    for (size_t i = 0; i < d->n_members; i++)
        free(d->members[i]);
    free(d->members);
    memset(d, 0, sizeof(*d));
}

int tk_decide(const tk_known *k, const char *const *present, const int *present_sev,
              size_t n_present, const char *const *eligible, size_t n_eligible,
              const char *const *resolved, size_t n_resolved, tk_decision *out)
{
    memset(out, 0, sizeof(*out));
    const char *st = k->status ? k->status : "";
    int fresh = !*st || strcmp(st, "resolved") == 0;
    int maxsev = -1;
    for (size_t i = 0; i < n_present; i++)
        if (present_sev[i] > maxsev)
            maxsev = present_sev[i];
    int rc = 0;
    if (fresh) {
        if (n_eligible == 0)
            return 0;
        for (size_t i = 0; i < n_present && rc == 0; i++)
            rc = push_id(out, present[i]);
        out->action = TK_CREATE;
        out->event = "new";
        out->severity = maxsev;
        goto sort;
    }
    /* The members: what is present now, and what was not read (neither
     * present nor resolved); resolved members leave. */
    size_t n_resolved_now = 0, n_unknown = 0, n_added = 0;
    for (size_t i = 0; i < k->n_members && rc == 0; i++) {
        const char *m = k->members[i];
        if (in_sorted(present, n_present, m))
            continue;
        if (in_sorted(resolved, n_resolved, m)) {
            n_resolved_now++;
            continue;
        }
        n_unknown++;
        rc = push_id(out, m);
    }
    for (size_t i = 0; i < n_present && rc == 0; i++)
        rc = push_id(out, present[i]);
    for (size_t i = 0; i < n_eligible; i++) {
        int member = 0;
        for (size_t j = 0; j < k->n_members && !member; j++)
            member = strcmp(k->members[j], eligible[i]) == 0;
        n_added += !member;
    }
    if (rc != 0)
        goto sort;
    out->severity = maxsev >= 0 ? maxsev : k->severity;
    int creating = strcmp(st, "creating") == 0;
    if (out->n_members == 0 && n_resolved_now > 0) {
        out->action = TK_RESOLVE;
        out->event = "resolved";
        out->search_first = creating;       /* no ticket id known */
        out->severity = k->severity;
    } else if (creating) {
        out->action = TK_CREATE;
        out->search_first = 1;
        if (n_present > 0 && (n_added || n_resolved_now || maxsev != k->severity))
            out->event = "new";
        else
            out->resend = 1;
    } else if (strcmp(st, "resolving") == 0 && n_present > 0) {
        out->action = TK_UPDATE;
        out->event = "updated";
    } else if (n_present > 0 && maxsev > k->severity) {
        out->action = TK_UPDATE;
        out->event = "escalated";
    } else if (n_added || (n_resolved_now && out->n_members)) {
        out->action = TK_UPDATE;
        out->event = "updated";
    } else if (k->has_pending) {
        out->resend = 1;
    }
    (void)n_unknown;
sort:
    if (rc != 0) {
        tk_decision_finish(out);
        return rc;
    }
    if (out->n_members > 1)
        qsort(out->members, out->n_members, sizeof(char *), cmp_str);
    return 0;
}

/* ---- small JSON helpers -------------------------------------------------- */

const char *tk_str(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string))
        return "";
    return json_object_get_string(v);
}

json_object *tk_arr(json_object *o, const char *key)
{
    json_object *v = NULL;
    if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_array))
        return NULL;
    return v;
}

json_object *tk_parse(const aws_http_response *resp)
{
    if (!resp || !resp->body.data || !resp->body.len)
        return NULL;
    json_tokener *t = json_tokener_new();
    if (!t)
        return NULL;
    json_object *o = json_tokener_parse_ex(t, resp->body.data, (int)resp->body.len);
    if (json_tokener_get_error(t) != json_tokener_success) {
        json_object_put(o);
        o = NULL;
    }
    json_tokener_free(t);
    return o;
}

void tk_refusal(const aws_http_response *resp, char *msg, size_t msglen)
{
    char snip[TK_ERROR_SNIPPET + 1];
    size_t n = 0;
    const char *b = resp && resp->body.data ? resp->body.data : "";
    for (size_t i = 0; b[i] && n < TK_ERROR_SNIPPET; i++) {
        unsigned char c = (unsigned char)b[i];
        if (c == '\n' || c == '\r' || c == '\t')
            c = ' ';
        snip[n++] = (c < 0x20 || c == 0x7f) ? '?' : (char)c;
    }
    snip[n] = '\0';
    snprintf(msg, msglen, "HTTP %ld: %s%s", resp ? resp->status : 0L, n ? snip : "(no message)",
             b[n] ? "..." : "");
}

int tk_url(aws_buf *b, const char *base, const char *path, const char *query_name,
           const char *query_value)
{
    int rc = aws_buf_puts(b, base);
    if (rc == 0 && path)
        rc = aws_buf_puts(b, path);
    if (rc == 0 && query_name) {
        rc = aws_buf_printf(b, "?%s=", query_name);
        if (rc == 0)
            rc = aws_buf_urlencode(b, query_value, strlen(query_value), 0);
    }
    return rc;
}

/* ---- requests -------------------------------------------------------------- */

void tk_request_init(tk_request *q)
{
    memset(q, 0, sizeof(*q));
    aws_headers_init(&q->headers);
}

void tk_request_finish(tk_request *q)
{
    if (!q)
        return;
    free(q->url);
    free(q->body);
    aws_headers_finish(&q->headers);
    memset(q, 0, sizeof(*q));
    aws_headers_init(&q->headers);
}

int tk_request_json(tk_request *q, const char *method, const char *url, json_object *body)
{
    q->method = method;
    free(q->url);
    free(q->body);
    q->body = NULL;
    q->body_len = 0;
    if (!(q->url = strdup(url)))
        return AWS_ENOMEM;
    if (body) {
        const char *txt = json_object_to_json_string_ext(body, JSON_C_TO_STRING_PLAIN |
                                                               JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!txt || !(q->body = strdup(txt)))
            return AWS_ENOMEM;
        q->body_len = strlen(q->body);
        if (aws_headers_set(&q->headers, "Content-Type", "application/json") != 0)
            return AWS_ENOMEM;
    }
    return aws_headers_set(&q->headers, "Accept", "application/json") != 0 ? AWS_ENOMEM : 0;
}

/* base64 of secret, malloc'd (NULL: out of memory). */
static char *base64_of(const char *secret)
{
    size_t n = strlen(secret);
    char *b64 = malloc(4 * ((n + 2) / 3) + 1);
    if (b64)
        EVP_EncodeBlock((unsigned char *)b64, (const unsigned char *)secret, (int)n);
    return b64;
}

static void free_secret(char *s)
{
    if (s) {
        OPENSSL_cleanse(s, strlen(s));
        free(s);
    }
}

int tk_request_basic_auth(tk_request *q, const char *secret)
{
    char *b64 = base64_of(secret);
    size_t cap = b64 ? strlen(b64) + 8 : 0;
    char *hdr = b64 ? malloc(cap) : NULL;
    int rc = AWS_ENOMEM;
    if (hdr) {
        snprintf(hdr, cap, "Basic %s", b64);
        rc = aws_headers_set(&q->headers, "Authorization", hdr) != 0 ? AWS_ENOMEM : 0;
    }
    free_secret(b64);
    free_secret(hdr);
    return rc;
}

/* ---- text forms ------------------------------------------------------------ */

static int finding_line(aws_buf *b, json_object *f)
{
    json_object *d = NULL;
    const char *days = "";
    char dbuf[32] = "";
    if (json_object_object_get_ex(f, "days_to_expiry", &d) && json_object_is_type(d, json_type_int)) {
        snprintf(dbuf, sizeof(dbuf), ", %lld days to expiry", (long long)json_object_get_int64(d));
        days = dbuf;
    }
    /* "account 111111111111 shop-prod in Root/Production" */
    char who[512];
    const char *name = tk_str(f, "account_name"), *path = tk_str(f, "ou_path");
    snprintf(who, sizeof(who), "%s%s%s%s%s", tk_str(f, "account_id"), *name ? " " : "", name,
             *path ? " in " : "", path);
    int rc = aws_buf_printf(b, "- [%s] %s (account %s, %s, %s%s)\n", tk_str(f, "severity"),
                            tk_str(f, "title"), who, tk_str(f, "region"),
                            tk_str(f, "resource_id"), days);
    if (rc == 0 && *tk_str(f, "console_url"))
        rc = aws_buf_printf(b, "  %s\n", tk_str(f, "console_url"));
    return rc;
}

/* "Tags: k=v; k2=v2" from a {"k": "v"} member; nothing when absent. */
static int tags_line(aws_buf *b, json_object *f, const char *key, const char *lead)
{
    json_object *t = NULL;
    if (!json_object_object_get_ex(f, key, &t) || !json_object_is_type(t, json_type_object) ||
        json_object_object_length(t) == 0)
        return 0;
    int rc = aws_buf_puts(b, lead), first = 1;
    json_object_object_foreach(t, k, v) {
        if (rc == 0)
            rc = aws_buf_printf(b, "%s%s=%s", first ? "" : "; ", k,
                                json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "");
        first = 0;
    }
    return rc ? rc : aws_buf_putc(b, '\n');
}

static int finding_lines(aws_buf *b, json_object *arr, const char *heading)
{
    size_t n = arr ? json_object_array_length(arr) : 0;
    if (!n)
        return 0;
    int rc = aws_buf_printf(b, "%s:\n", heading);
    for (size_t i = 0; rc == 0 && i < n; i++)
        rc = finding_line(b, json_object_array_get_idx(arr, i));
    return rc;
}

int tk_event_text(json_object *ev, aws_buf *out)
{
    int rc = aws_buf_printf(out, "%s\n\n", tk_str(ev, "summary"));
    if (rc == 0 && strcmp(tk_str(ev, "event"), "escalated") == 0)
        rc = aws_buf_printf(out, "Severity rose from %s to %s.\n\n",
                            tk_str(ev, "previous_severity"), tk_str(ev, "severity"));
    if (rc == 0)
        rc = finding_lines(out, tk_arr(ev, "findings"), "Open");
    if (rc == 0)
        rc = finding_lines(out, tk_arr(ev, "resolved_findings"), "Resolved in this run");
    json_object *fs = tk_arr(ev, "findings");
    if (rc == 0 && fs && json_object_array_length(fs) == 1) {
        json_object *f = json_object_array_get_idx(fs, 0);
        if (*tk_str(f, "details"))
            rc = aws_buf_printf(out, "\n%s\n", tk_str(f, "details"));
        if (rc == 0 && *tk_str(f, "remediation"))
            rc = aws_buf_printf(out, "\nRemediation: %s\n", tk_str(f, "remediation"));
        if (rc == 0)
            rc = tags_line(out, f, "tags", "\nTags: ");
        if (rc == 0)
            rc = tags_line(out, f, "account_tags", "Account tags: ");
    }
    if (rc == 0)
        rc = aws_buf_printf(out, "\ncertsweep key: %s\n", tk_str(ev, "key"));
    return rc;
}

int tk_digest_text(json_object *ev, aws_buf *out)
{
    json_object *c = NULL;
    json_object_object_get_ex(ev, "counts", &c);
    int64_t nw = 0, es = 0, rs = 0, op = 0;
    json_object *v = NULL;
    if (c && json_object_object_get_ex(c, "new", &v))
        nw = json_object_get_int64(v);
    if (c && json_object_object_get_ex(c, "escalated", &v))
        es = json_object_get_int64(v);
    if (c && json_object_object_get_ex(c, "resolved", &v))
        rs = json_object_get_int64(v);
    if (c && json_object_object_get_ex(c, "open", &v))
        op = json_object_get_int64(v);
    int rc = aws_buf_printf(out, "certsweep: %lld new, %lld escalated, %lld resolved, %lld open\n",
                            (long long)nw, (long long)es, (long long)rs, (long long)op);
    json_object *fs = tk_arr(ev, "findings");
    size_t n = fs ? json_object_array_length(fs) : 0;
    for (size_t i = 0; rc == 0 && i < n && i < 20; i++) {
        json_object *f = json_object_array_get_idx(fs, i);
        rc = aws_buf_printf(out, "%s [%s] %s (%s %s)\n", tk_str(f, "label"), tk_str(f, "severity"),
                            tk_str(f, "title"), tk_str(f, "account_id"), tk_str(f, "region"));
    }
    if (rc == 0 && n > 20)
        rc = aws_buf_printf(out, "... and %zu more\n", n - 20);
    json_object *rsv = tk_arr(ev, "resolved_findings");
    size_t m = rsv ? json_object_array_length(rsv) : 0;
    for (size_t i = 0; rc == 0 && i < m && i < 20; i++) {
        json_object *f = json_object_array_get_idx(rsv, i);
        rc = aws_buf_printf(out, "resolved [%s] %s (%s %s)\n", tk_str(f, "severity"),
                            tk_str(f, "title"), tk_str(f, "account_id"), tk_str(f, "region"));
    }
    if (rc == 0 && m > 20)
        rc = aws_buf_printf(out, "... and %zu more resolved\n", m - 20);
    return rc;
}

/* ---- channels ---------------------------------------------------------------- */

const tk_vendor *tk_vendor_find(const char *type)
{
    static const tk_vendor *const all[] = {
        &tk_vendor_generic, &tk_vendor_jira, &tk_vendor_servicenow,
        &tk_vendor_pagerduty, &tk_vendor_slack, &tk_vendor_teams,
    };
    for (size_t i = 0; type && i < sizeof(all) / sizeof(all[0]); i++)
        if (strcmp(all[i]->type, type) == 0)
            return all[i];
    return NULL;
}

/* The secret: a file (at most TK_SECRET_MAX bytes, trailing white space
 * removed) or an environment variable. */
static int read_secret(const config_webhook *cfg, char **out, char *why, size_t whylen)
{
    *out = NULL;
    if (cfg->secret_env) {
        const char *v = getenv(cfg->secret_env);
        if (!v || !*v) {
            snprintf(why, whylen, "environment variable %s is not set " "\xe2\x80\x94"
                     " export it, or set secret_file", cfg->secret_env);
            return AWS_ENOTFOUND;
        }
        return (*out = strdup(v)) ? 0 : AWS_ENOMEM;
    }
    if (!cfg->secret_file) {
        snprintf(why, whylen, "no secret_file or secret_env " "\xe2\x80\x94" " set one of them");
        return AWS_ENOTFOUND;
    }
    int fd = open(cfg->secret_file, O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        snprintf(why, whylen, "cannot open secret_file %s " "\xe2\x80\x94"
                 " check the path and its permissions", cfg->secret_file);
        return AWS_ENOTFOUND;
    }
    char *buf = malloc(TK_SECRET_MAX + 1);
    size_t n = 0;
    ssize_t got = 0;
    while (buf && n <= TK_SECRET_MAX &&
           (got = read(fd, buf + n, TK_SECRET_MAX + 1 - n)) > 0)
        n += (size_t)got;
    close(fd);
    if (!buf)
        return AWS_ENOMEM;
    int rc = 0;
    if (got < 0) {
        snprintf(why, whylen, "cannot read secret_file %s", cfg->secret_file);
        rc = AWS_EIO;
    } else if (n > TK_SECRET_MAX) {
        snprintf(why, whylen, "secret_file %s is larger than %d bytes " "\xe2\x80\x94"
                 " it should hold one secret", cfg->secret_file, TK_SECRET_MAX);
        rc = AWS_EINVAL;
    } else {
        while (n > 0 && isspace((unsigned char)buf[n - 1]))
            n--;
        buf[n] = '\0';
        if (n == 0 || memchr(buf, '\0', n)) {
            snprintf(why, whylen, "secret_file %s is empty " "\xe2\x80\x94" " write the secret in it",
                     cfg->secret_file);
            rc = AWS_EINVAL;
        }
    }
    if (rc != 0) {
        OPENSSL_cleanse(buf, TK_SECRET_MAX + 1);
        free(buf);
        return rc;
    }
    *out = buf;
    return 0;
}

/* The part of a secret that is secret on its own, or NULL: the path of a
 * webhook URL (Slack, Teams: a receiver may quote its request line), the
 * password of user:password (Jira, ServiceNow). */
static const char *secret_part(const char *secret)
{
    const char *scheme = strstr(secret, "://");
    if (scheme)
        return strchr(scheme + 3, '/');
    const char *colon = strchr(secret, ':');
    return colon ? colon + 1 : NULL;
}

int tk_channel_init(tk_channel *ch, const config_webhook *cfg, char *why, size_t whylen)
{
    memset(ch, 0, sizeof(*ch));
    ch->cfg = cfg;
    ch->vendor = tk_vendor_find(cfg->type);
    if (!ch->vendor) {
        snprintf(why, whylen, "unknown type");
        return AWS_EINVAL;
    }
    scanner_severity sev = SCANNER_SEV_HIGH;
    if (cfg->min_severity)
        (void)scanner_severity_parse(cfg->min_severity, &sev);
    ch->min_sev = sev;
    ch->by_account = cfg->group_by && strcmp(cfg->group_by, "account") == 0;
    int rc = read_secret(cfg, &ch->secret, why, whylen);
    if (rc != 0)
        return rc;
    if (!(ch->secret_b64 = base64_of(ch->secret))) {
        tk_channel_finish(ch);
        return AWS_ENOMEM;
    }
    /* Registration copies; a failure leaves the value unprotected only. */
    (void)aws_secret_register(ch->secret);
    (void)aws_secret_register(ch->secret_b64);
    const char *part = secret_part(ch->secret);
    if (part)
        (void)aws_secret_register(part);
    ch->registered = 1;
    const char *url = cfg->url ? cfg->url : ch->vendor->default_url;
    if (!url && ch->vendor->digests && !ch->vendor->tickets)
        url = ch->secret;               /* slack, teams: the URL is the secret */
    if (!url || (strncmp(url, "https://", 8) != 0 && strncmp(url, "http://", 7) != 0)) {
        snprintf(why, whylen, "%s", cfg->url || ch->vendor->default_url
                 ? "url is not a URL" : "the secret is not an https:// webhook URL");
        tk_channel_finish(ch);
        return AWS_EINVAL;
    }
    if (!(ch->url = strdup(url))) {
        tk_channel_finish(ch);
        return AWS_ENOMEM;
    }
    size_t n = strlen(ch->url);
    while (n > 0 && ch->url[n - 1] == '/' && ch->vendor->tickets && ch->vendor != &tk_vendor_generic)
        ch->url[--n] = '\0';
    return 0;
}

void tk_channel_finish(tk_channel *ch)
{
    if (!ch)
        return;
    if (ch->registered) {
        const char *part = secret_part(ch->secret);
        if (part)
            aws_secret_unregister(part);
        aws_secret_unregister(ch->secret_b64);
        aws_secret_unregister(ch->secret);
    }
    free_secret(ch->secret_b64);
    free_secret(ch->secret);
    if (ch->url) {
        OPENSSL_cleanse(ch->url, strlen(ch->url));      /* slack, teams: a secret */
        free(ch->url);
    }
    memset(ch, 0, sizeof(*ch));
}
