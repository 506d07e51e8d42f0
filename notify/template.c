/* certsweep — the digest templates' engine (see template.h). */
#include "notify/template.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"

typedef struct tpl_entry {
    char *name;
    char *value;                    /* a value, or NULL for a list */
    tpl_ctx **items;
    size_t n_items, cap_items;
} tpl_entry;

struct tpl_ctx {
    tpl_entry *v;
    size_t n, cap;
};

tpl_ctx *tpl_ctx_new(void)
{
    return calloc(1, sizeof(tpl_ctx));
}

void tpl_ctx_free(tpl_ctx *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < c->n; i++) {
        free(c->v[i].name);
        free(c->v[i].value);
        for (size_t k = 0; k < c->v[i].n_items; k++)
            tpl_ctx_free(c->v[i].items[k]);
        free(c->v[i].items);
    }
    free(c->v);
    free(c);
}

static tpl_entry *entry(tpl_ctx *c, const char *name, int create)
{
    for (size_t i = 0; i < c->n; i++)
        if (strcmp(c->v[i].name, name) == 0)
            return &c->v[i];
    if (!create)
        return NULL;
    if (c->n == c->cap) {
        size_t cap = c->cap ? c->cap * 2 : 16;
        tpl_entry *v = realloc(c->v, cap * sizeof(*v));
        if (!v)
            return NULL;
        c->v = v;
        c->cap = cap;
    }
    tpl_entry *e = &c->v[c->n];
    memset(e, 0, sizeof(*e));
    if (!(e->name = strdup(name)))
        return NULL;
    c->n++;
    return e;
}

int tpl_set(tpl_ctx *c, const char *name, const char *value)
{
    tpl_entry *e = entry(c, name, 1);
    char *v = strdup(value ? value : "");
    if (!e || !v) {
        free(v);
        return AWS_ENOMEM;
    }
    free(e->value);
    e->value = v;
    return 0;
}

int tpl_setf(tpl_ctx *c, const char *name, const char *fmt, ...)
{
    char buf[1024];
    va_list ap;
    va_start(ap, fmt);
    vsnprintf(buf, sizeof(buf), fmt, ap);
    va_end(ap);
    return tpl_set(c, name, buf);
}

int tpl_list(tpl_ctx *c, const char *name)
{
    return entry(c, name, 1) ? 0 : AWS_ENOMEM;
}

tpl_ctx *tpl_add(tpl_ctx *c, const char *name)
{
    tpl_entry *e = entry(c, name, 1);
    if (!e)
        return NULL;
    if (e->n_items == e->cap_items) {
        size_t cap = e->cap_items ? e->cap_items * 2 : 8;
        tpl_ctx **v = realloc(e->items, cap * sizeof(*v));
        if (!v)
            return NULL;
        e->items = v;
        e->cap_items = cap;
    }
    tpl_ctx *item = tpl_ctx_new();
    if (item)
        e->items[e->n_items++] = item;
    return item;
}

/* ---- parsing ------------------------------------------------------------ */

enum { T_TEXT, T_VAR, T_RAW, T_SECTION, T_INVERTED, T_CLOSE, T_COMMENT };

typedef struct token {
    int type;
    const char *s;                  /* text, or the name */
    size_t n;
    size_t end;                     /* sections: index of the matching close */
    int line;
} token;

typedef struct tokens {
    token *v;
    size_t n, cap;
} tokens;

static int push(tokens *t, int type, const char *s, size_t n, int line)
{
    if (t->n == t->cap) {
        size_t cap = t->cap ? t->cap * 2 : 64;
        token *v = realloc(t->v, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        t->v = v;
        t->cap = cap;
    }
    t->v[t->n++] = (token){ type, s, n, 0, line };
    return 0;
}

static int blank(char ch)
{
    return ch == ' ' || ch == '\t' || ch == '\r';
}

static int line_of(const char *base, const char *p)
{
    int line = 1;
    for (const char *q = base; q < p; q++)
        line += *q == '\n';
    return line;
}

static int tokenize(const char *tmpl, size_t len, tokens *t, char *err, size_t errlen)
{
    const char *p = tmpl, *end = tmpl + len;
    while (p < end) {
        const char *open = NULL;
        for (const char *q = p; q + 1 < end; q++)
            if (q[0] == '{' && q[1] == '{') {
                open = q;
                break;
            }
        if (!open)
            return push(t, T_TEXT, p, (size_t)(end - p), 0);
        int triple = open + 2 < end && open[2] == '{';
        const char *nb = open + (triple ? 3 : 2);
        const char *close = NULL;
        for (const char *q = nb; q + 1 < end; q++)
            if (q[0] == '}' && q[1] == '}') {
                close = q;
                break;
            }
        int line = line_of(tmpl, open);
        if (!close || (triple && (close + 2 >= end || close[2] != '}'))) {
            snprintf(err, errlen, "line %d: '{{' without its '}}%s'", line, triple ? "}" : "");
            return AWS_EPARSE;
        }
        const char *after = close + (triple ? 3 : 2);
        int type = triple ? T_RAW : T_VAR;
        if (!triple) {
            switch (*nb) {
            case '#': type = T_SECTION; nb++; break;
            case '^': type = T_INVERTED; nb++; break;
            case '/': type = T_CLOSE; nb++; break;
            case '!': type = T_COMMENT; break;
            case '{': type = T_RAW; nb++; break;
            default: break;
            }
        }
        const char *ns = nb, *ne = close;
        while (ns < ne && blank(*ns))
            ns++;
        while (ne > ns && blank(ne[-1]))
            ne--;
        if (type != T_COMMENT && ns == ne) {
            snprintf(err, errlen, "line %d: a tag without a name", line);
            return AWS_EPARSE;
        }
        /* A section tag or comment alone on its line takes the line with it. */
        const char *text_end = open, *next = after;
        if (type >= T_SECTION) {
            const char *ls = open;
            while (ls > p && blank(ls[-1]))
                ls--;
            const char *le = after;
            while (le < end && blank(*le))
                le++;
            if ((ls == tmpl || ls[-1] == '\n') && (le == end || *le == '\n')) {
                text_end = ls;
                next = le < end ? le + 1 : le;
            }
        }
        int rc = 0;
        if (text_end > p)
            rc = push(t, T_TEXT, p, (size_t)(text_end - p), 0);
        if (rc == 0 && type != T_COMMENT)
            rc = push(t, type, ns, (size_t)(ne - ns), line);
        if (rc)
            return rc;
        p = next;
    }
    return 0;
}

/* Pairs each section with its close; names must match. */
static int match(tokens *t, char *err, size_t errlen)
{
    size_t stack[64], depth = 0;
    for (size_t i = 0; i < t->n; i++) {
        token *k = &t->v[i];
        if (k->type == T_SECTION || k->type == T_INVERTED) {
            if (depth == sizeof(stack) / sizeof(stack[0])) {
                snprintf(err, errlen, "line %d: sections nested too deep", k->line);
                return AWS_EPARSE;
            }
            stack[depth++] = i;
        } else if (k->type == T_CLOSE) {
            if (depth == 0) {
                snprintf(err, errlen, "line %d: {{/%.*s}} closes no section", k->line,
                         (int)k->n, k->s);
                return AWS_EPARSE;
            }
            token *o = &t->v[stack[--depth]];
            if (o->n != k->n || memcmp(o->s, k->s, k->n) != 0) {
                snprintf(err, errlen, "line %d: {{/%.*s}} closes {{#%.*s}} of line %d",
                         k->line, (int)k->n, k->s, (int)o->n, o->s, o->line);
                return AWS_EPARSE;
            }
            o->end = i;
        }
    }
    if (depth) {
        token *o = &t->v[stack[depth - 1]];
        snprintf(err, errlen, "line %d: {{#%.*s}} is never closed", o->line, (int)o->n, o->s);
        return AWS_EPARSE;
    }
    return 0;
}

/* ---- rendering ------------------------------------------------------------ */

typedef struct scope {
    const tpl_ctx *c;
    const struct scope *up;
} scope;

static const tpl_entry *lookup(const scope *sc, const char *name, size_t n)
{
    for (; sc; sc = sc->up)
        for (size_t i = 0; sc->c && i < sc->c->n; i++)
            if (strlen(sc->c->v[i].name) == n && memcmp(sc->c->v[i].name, name, n) == 0)
                return &sc->c->v[i];
    return NULL;
}

static int put_escaped(aws_buf *out, const char *s)
{
    int rc = 0;
    for (; rc == 0 && *s; s++) {
        switch (*s) {
        case '&':  rc = aws_buf_puts(out, "&amp;"); break;
        case '<':  rc = aws_buf_puts(out, "&lt;"); break;
        case '>':  rc = aws_buf_puts(out, "&gt;"); break;
        case '"':  rc = aws_buf_puts(out, "&quot;"); break;
        case '\'': rc = aws_buf_puts(out, "&#39;"); break;
        default:   rc = aws_buf_putc(out, *s); break;
        }
    }
    return rc;
}

static int render(const tokens *t, size_t from, size_t to, const scope *sc, int html,
                  aws_buf *out)
{
    int rc = 0;
    for (size_t i = from; rc == 0 && i < to; i++) {
        const token *k = &t->v[i];
        const tpl_entry *e;
        switch (k->type) {
        case T_TEXT:
            rc = aws_buf_append(out, k->s, k->n);
            break;
        case T_VAR:
        case T_RAW:
            e = lookup(sc, k->s, k->n);
            if (e && e->value)
                rc = html && k->type == T_VAR ? put_escaped(out, e->value)
                                              : aws_buf_puts(out, e->value);
            break;
        case T_SECTION:
        case T_INVERTED: {
            e = lookup(sc, k->s, k->n);
            int truthy = e && (e->value ? *e->value != '\0' : e->n_items > 0);
            if (k->type == T_INVERTED) {
                if (!truthy)
                    rc = render(t, i + 1, k->end, sc, html, out);
            } else if (e && !e->value) {
                for (size_t j = 0; rc == 0 && j < e->n_items; j++) {
                    scope inner = { e->items[j], sc };
                    rc = render(t, i + 1, k->end, &inner, html, out);
                }
            } else if (truthy) {
                rc = render(t, i + 1, k->end, sc, html, out);
            }
            i = k->end;
            break;
        }
        default:
            break;
        }
    }
    return rc;
}

int tpl_render(const char *tmpl, size_t len, const tpl_ctx *c, int html, aws_buf *out,
               char *err, size_t errlen)
{
    tokens t = { 0 };
    int rc = tokenize(tmpl, len, &t, err, errlen);
    if (rc == 0)
        rc = match(&t, err, errlen);
    if (rc == 0) {
        scope top = { c, NULL };
        rc = render(&t, 0, t.n, &top, html, out);
    }
    free(t.v);
    return rc;
}
