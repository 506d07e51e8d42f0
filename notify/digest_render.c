/* certsweep — the digests as text, HTML and a subject, from templates. */
#include "notify/digest.h"
#include "notify/template.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/error.h"

#define TEMPLATE_MAX (256u * 1024)
#define RENDERED_MAX (64u * 1024 * 1024)

static const char *const section_titles[DIGEST__SECTIONS] = {
    "New", "Escalated", "Still open", "Resolved" };

/* Inline colours (e-mail clients drop style sheets). */
static const char *sev_color(scanner_severity s)
{
    switch (s) {
    case SCANNER_SEV_CRITICAL: return "#b00020";
    case SCANNER_SEV_HIGH:     return "#d9480f";
    case SCANNER_SEV_MEDIUM:   return "#b08900";
    case SCANNER_SEV_LOW:      return "#2f6f9f";
    default:                   return "#666666";
    }
}

static void days_text(const scanner_finding *f, char *buf, size_t n)
{
    if (!f->not_after)
        snprintf(buf, n, "-");
    else if (f->days_to_expiry < 0)
        snprintf(buf, n, "expired %lld day%s ago", (long long)-f->days_to_expiry,
                 f->days_to_expiry == -1 ? "" : "s");
    else if (f->days_to_expiry == 0)
        snprintf(buf, n, "expires today");
    else
        snprintf(buf, n, "%lld day%s", (long long)f->days_to_expiry,
                 f->days_to_expiry == 1 ? "" : "s");
}

static int count(tpl_ctx *c, const char *name, size_t v)
{
    return tpl_setf(c, name, "%zu", v);
}

static int add_item(tpl_ctx *sec, const notify_digest *d, const scanner_finding *f)
{
    tpl_ctx *it = tpl_add(sec, "items");
    if (!it)
        return AWS_ENOMEM;
    char days[64];
    days_text(f, days, sizeof(days));
    const char *name = notify_account_name(d->names, f->account_id);
    const char *path = notify_account_path(d->names, f->account_id);
    if (!*name && f->account_name)
        name = f->account_name;
    if (!*path && f->ou_path)
        path = f->ou_path;
    char *tags = scanner_tags_text(&f->tags);
    if (!tags)
        return AWS_ENOMEM;
    int rc = 0;
    rc |= tpl_set(it, "ou_path", path);
    rc |= tpl_set(it, "tags", tags);
    free(tags);
    rc |= tpl_set(it, "severity", scanner_severity_name(f->severity));
    rc |= tpl_set(it, "color", sev_color(f->severity));
    if (f->label == SCANNER_LABEL_ESCALATED || f->label == SCANNER_LABEL_RESOLVED)
        rc |= tpl_set(it, "previous_severity",
                      f->label == SCANNER_LABEL_ESCALATED ? scanner_severity_name(f->prev_severity)
                                                          : "");
    rc |= tpl_set(it, "account_id", f->account_id);
    rc |= tpl_set(it, "account_name", *name ? name : f->account_id);
    rc |= tpl_set(it, "region", f->region);
    rc |= tpl_set(it, "resource", f->domain && *f->domain ? f->domain
                                  : f->resource_id ? f->resource_id : "");
    rc |= tpl_set(it, "resource_arn", f->resource_arn);
    rc |= tpl_set(it, "rule", f->rule);
    rc |= tpl_set(it, "title", f->title);
    rc |= tpl_set(it, "days", days);
    rc |= tpl_set(it, "console_url", f->console_url);
    return rc ? AWS_ENOMEM : 0;
}

static tpl_ctx *build_ctx(const notify_digest *d, int64_t now)
{
    tpl_ctx *c = tpl_ctx_new();
    if (!c)
        return NULL;
    int rc = 0;
    char date[32], when[32], scope[256];
    scanner_fmt_time(now, 0, date, sizeof(date));
    scanner_fmt_time(now, 1, when, sizeof(when));
    if (d->account_id)
        snprintf(scope, sizeof(scope), "%s%s%s%s", *d->account_name ? d->account_name : "",
                 *d->account_name ? " (" : "", d->account_id, *d->account_name ? ")" : "");
    else
        snprintf(scope, sizeof(scope), "AWS Organization");
    rc |= tpl_set(c, "is_org", d->account_id ? "" : "1");
    rc |= tpl_set(c, "scope", scope);
    rc |= tpl_set(c, "account_id", d->account_id);
    rc |= tpl_set(c, "account_name", d->account_name);
    rc |= tpl_set(c, "date", date);
    rc |= tpl_set(c, "generated", when);
    rc |= count(c, "total", d->total);
    rc |= count(c, "unlisted", d->unlisted);
    if (d->unlisted)
        rc |= tpl_set(c, "has_unlisted", "1");
    if (d->suppressed)
        rc |= count(c, "suppressed", d->suppressed);
    static const char *const keys[DIGEST__SECTIONS] = {
        "new_count", "escalated_count", "open_count", "resolved_count" };
    char changes[160];
    size_t used = 0;
    changes[0] = '\0';
    for (int s = 0; s < DIGEST__SECTIONS; s++) {
        rc |= count(c, keys[s], d->n_items[s]);
        if (s != DIGEST_OPEN && d->n_items[s] && used < sizeof(changes)) {
            int n = snprintf(changes + used, sizeof(changes) - used, "%s%zu %s", used ? ", " : "",
                             d->n_items[s], s == DIGEST_NEW ? "new" : s == DIGEST_ESCALATED
                             ? "escalated" : "resolved");
            used += n > 0 ? (size_t)n : 0;
        }
    }
    rc |= tpl_set(c, "changes", used ? changes : "no change");
    if (d->n_accounts)
        rc |= tpl_set(c, "has_accounts", "1");
    if (d->n_gaps)
        rc |= tpl_set(c, "has_gaps", "1");
    if (d->n_unowned)
        rc |= tpl_set(c, "has_unowned", "1");
    rc |= tpl_list(c, "severities");
    for (int s = SCANNER_SEV_CRITICAL; s >= SCANNER_SEV_INFORMATIONAL; s--) {
        tpl_ctx *sv = tpl_add(c, "severities");
        if (!sv)
            goto oom;
        rc |= tpl_set(sv, "name", scanner_severity_name((scanner_severity)s));
        rc |= tpl_set(sv, "color", sev_color((scanner_severity)s));
        rc |= count(sv, "count", d->by_sev[s]);
    }
    rc |= tpl_list(c, "accounts");
    for (size_t i = 0; i < d->n_accounts; i++) {
        const digest_account *a = &d->accounts[i];
        tpl_ctx *ac = tpl_add(c, "accounts");
        if (!ac)
            goto oom;
        rc |= tpl_set(ac, "id", a->id);
        rc |= tpl_set(ac, "name", *a->name ? a->name : "-");
        rc |= tpl_set(ac, "ou_path", a->ou_path);
        rc |= count(ac, "critical", a->by_sev[SCANNER_SEV_CRITICAL]);
        rc |= count(ac, "high", a->by_sev[SCANNER_SEV_HIGH]);
        rc |= count(ac, "medium", a->by_sev[SCANNER_SEV_MEDIUM]);
        rc |= count(ac, "low", a->by_sev[SCANNER_SEV_LOW] + a->by_sev[SCANNER_SEV_INFORMATIONAL]);
        rc |= count(ac, "total", a->total);
        if (a->resolved)
            rc |= count(ac, "resolved", a->resolved);
    }
    rc |= tpl_list(c, "sections");
    for (int s = 0; s < DIGEST__SECTIONS; s++) {
        if (!d->n_items[s])
            continue;
        tpl_ctx *sec = tpl_add(c, "sections");
        if (!sec)
            goto oom;
        rc |= tpl_set(sec, "title", section_titles[s]);
        rc |= count(sec, "count", d->n_items[s]);
        for (size_t i = 0; i < d->n_items[s]; i++)
            rc |= add_item(sec, d, d->items[s][i]);
    }
    rc |= tpl_list(c, "gaps");
    for (size_t i = 0; i < d->n_gaps; i++) {
        const scanner_gap *g = d->gaps[i];
        tpl_ctx *gc = tpl_add(c, "gaps");
        if (!gc)
            goto oom;
        const char *name = notify_account_name(d->names, g->account_id);
        rc |= tpl_set(gc, "account_id", g->account_id);
        rc |= tpl_set(gc, "account_name", *name ? name : g->account_id);
        rc |= tpl_set(gc, "region", g->region);
        rc |= tpl_set(gc, "operation", g->operation);
        rc |= tpl_set(gc, "code", g->error_code);
        rc |= tpl_set(gc, "message", g->message);
    }
    rc |= tpl_list(c, "unowned");
    for (size_t i = 0; i < d->n_unowned; i++) {
        tpl_ctx *u = tpl_add(c, "unowned");
        if (!u)
            goto oom;
        const char *name = notify_account_name(d->names, d->unowned[i]);
        rc |= tpl_set(u, "id", d->unowned[i]);
        rc |= tpl_set(u, "name", *name ? name : "-");
    }
    if (rc == 0)
        return c;
oom:
    tpl_ctx_free(c);
    return NULL;
}

/* Reads dir/name into a new string; AWS_ENOTFOUND when it does not exist. */
static int read_template(const char *dir, const char *name, char **out, size_t *len,
                         char *err, size_t errlen)
{
    char path[4096];
    if (snprintf(path, sizeof(path), "%s/%s", dir, name) >= (int)sizeof(path)) {
        snprintf(err, errlen, "%s/%s: path too long", dir, name);
        return AWS_EINVAL;
    }
    aws_buf b;
    aws_buf_init(&b, TEMPLATE_MAX);
    int rc = aws_buf_read_file(&b, path);
    if (rc == AWS_ENOTFOUND)
        return rc;
    if (rc) {
        snprintf(err, errlen, "%s: %s", path, rc == AWS_ETOOBIG ? "larger than 256 KiB"
                 : strerror(errno));
        aws_buf_finish(&b);
        return rc;
    }
    *len = b.len;
    *out = aws_buf_take(&b);
    return *out ? 0 : AWS_ENOMEM;
}

static int render_one(const char *name, const tpl_ctx *c, const notify_render_opts *o,
                      int html, char **out, char *err, size_t errlen)
{
    char *own = NULL;
    const char *tmpl = NULL;
    size_t len = 0;
    char where[4200];
    int rc = AWS_ENOTFOUND;
    const char *dirs[] = { o->templates_dir, o->installed_dir };
    for (size_t i = 0; i < 2 && rc == AWS_ENOTFOUND; i++) {
        if (!dirs[i] || !*dirs[i])
            continue;
        rc = read_template(dirs[i], name, &own, &len, err, errlen);
        if (rc == 0) {
            tmpl = own;
            snprintf(where, sizeof(where), "%s/%s", dirs[i], name);
        } else if (rc != AWS_ENOTFOUND) {
            return rc;
        }
    }
    if (!tmpl) {
        tmpl = notify_builtin_template(name, &len);
        snprintf(where, sizeof(where), "built-in %s", name);
        if (!tmpl) {
            snprintf(err, errlen, "template %s: not found", name);
            return AWS_ENOTFOUND;
        }
    }
    aws_buf b;
    aws_buf_init(&b, RENDERED_MAX);
    char why[256] = "";
    rc = tpl_render(tmpl, len, c, html, &b, why, sizeof(why));
    free(own);
    if (rc) {
        snprintf(err, errlen, "%s: %s", where, rc == AWS_EPARSE ? why : aws_strerror(rc));
        aws_buf_finish(&b);
        return rc;
    }
    *out = aws_buf_take(&b);
    return *out ? 0 : AWS_ENOMEM;
}

int notify_digest_render(const notify_digest *d, const notify_render_opts *o,
                         notify_rendered *out, char *err, size_t errlen)
{
    memset(out, 0, sizeof(*out));
    tpl_ctx *c = build_ctx(d, o->now);
    if (!c) {
        snprintf(err, errlen, "out of memory");
        return AWS_ENOMEM;
    }
    int rc = render_one("subject.txt", c, o, 0, &out->subject, err, errlen);
    if (rc == 0)
        rc = render_one("digest.txt", c, o, 0, &out->text, err, errlen);
    if (rc == 0)
        rc = render_one("digest.html", c, o, 1, &out->html, err, errlen);
    tpl_ctx_free(c);
    if (rc == 0) {
        /* One line: the first, without control characters. */
        char *s = out->subject;
        s[strcspn(s, "\r\n")] = '\0';
        for (char *p = s; *p; p++)
            if ((unsigned char)*p < 0x20)
                *p = ' ';
    } else {
        notify_rendered_finish(out);
    }
    return rc;
}

void notify_rendered_finish(notify_rendered *r)
{
    if (!r)
        return;
    free(r->subject);
    free(r->text);
    free(r->html);
    memset(r, 0, sizeof(*r));
}
