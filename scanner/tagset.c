/* certsweep — tag sets. */
#include "scanner/tagset.h"

#include "aws/buf.h"
#include "aws/error.h"

#include <stdlib.h>
#include <string.h>

void scanner_tags_init(scanner_tags *t)
{
    memset(t, 0, sizeof(*t));
}

void scanner_tags_finish(scanner_tags *t)
{
    if (!t)
        return;
    for (size_t i = 0; i < t->n; i++) {
        free(t->k[i]);
        free(t->v[i]);
    }
    free(t->k);
    free(t->v);
    scanner_tags_init(t);
}

int scanner_tags_add(scanner_tags *t, const char *key, const char *value)
{
    if (!key || !*key)
        return AWS_EINVAL;
    char *v = strdup(value ? value : "");
    if (!v)
        return AWS_ENOMEM;
    for (size_t i = 0; i < t->n; i++) {
        if (strcmp(t->k[i], key) == 0) {
            free(t->v[i]);
            t->v[i] = v;
            return 0;
        }
    }
    if (t->n >= SCANNER_TAGS_MAX) {
        free(v);
        t->dropped++;
        return 0;
    }
    char *k = strdup(key);
    char **nk = k ? realloc(t->k, (t->n + 1) * sizeof(*nk)) : NULL;
    if (nk)
        t->k = nk;
    char **nv = nk ? realloc(t->v, (t->n + 1) * sizeof(*nv)) : NULL;
    if (!nv) {
        free(k);
        free(v);
        return AWS_ENOMEM;
    }
    t->v = nv;
    t->k[t->n] = k;
    t->v[t->n] = v;
    t->n++;
    return 0;
}

int scanner_tags_copy(scanner_tags *dst, const scanner_tags *src)
{
    for (size_t i = 0; src && i < src->n; i++) {
        int rc = scanner_tags_add(dst, src->k[i], src->v[i]);
        if (rc)
            return rc;
    }
    if (src)
        dst->dropped += src->dropped;
    return 0;
}

const char *scanner_tags_get(const scanner_tags *t, const char *key)
{
    for (size_t i = 0; t && key && i < t->n; i++)
        if (strcmp(t->k[i], key) == 0)
            return t->v[i];
    return NULL;
}

json_object *scanner_tags_json(const scanner_tags *t)
{
    json_object *o = json_object_new_object();
    for (size_t i = 0; o && t && i < t->n; i++) {
        json_object *s = json_object_new_string(t->v[i]);
        if (!s || json_object_object_add(o, t->k[i], s) != 0) {
            json_object_put(s);
            json_object_put(o);
            return NULL;
        }
    }
    return o;
}

int scanner_tags_from_json(scanner_tags *t, json_object *o)
{
    if (!o || !json_object_is_type(o, json_type_object))
        return 0;
    json_object_object_foreach(o, k, v) {
        if (!*k || !v || !json_object_is_type(v, json_type_string))
            continue;
        int rc = scanner_tags_add(t, k, json_object_get_string(v));
        if (rc)
            return rc;
    }
    return 0;
}

int scanner_tags_from_list(scanner_tags *t, json_object *list)
{
    if (!list || !json_object_is_type(list, json_type_array))
        return 0;
    for (size_t i = 0; i < json_object_array_length(list); i++) {
        json_object *it = json_object_array_get_idx(list, i), *k = NULL, *v = NULL;
        if (!json_object_object_get_ex(it, "Key", &k) || !json_object_is_type(k, json_type_string) ||
            !*json_object_get_string(k))
            continue;
        json_object_object_get_ex(it, "Value", &v);
        const char *val = v && json_object_is_type(v, json_type_string) ? json_object_get_string(v) : "";
        int rc = scanner_tags_add(t, json_object_get_string(k), val);
        if (rc)
            return rc;
    }
    return 0;
}

static int put_escaped(aws_buf *b, const char *s)
{
    int rc = 0;
    for (; *s && rc == 0; s++) {
        if (*s == '\\' || *s == ';' || *s == '=')
            rc = aws_buf_putc(b, '\\');
        if (rc == 0)
            rc = aws_buf_putc(b, *s);
    }
    return rc;
}

char *scanner_tags_text(const scanner_tags *t)
{
    aws_buf b;
    aws_buf_init(&b, 1024 * 1024);
    int rc = aws_buf_puts(&b, "");
    for (size_t i = 0; rc == 0 && t && i < t->n; i++) {
        if (i)
            rc = aws_buf_putc(&b, ';');
        if (rc == 0)
            rc = put_escaped(&b, t->k[i]);
        if (rc == 0)
            rc = aws_buf_putc(&b, '=');
        if (rc == 0)
            rc = put_escaped(&b, t->v[i]);
    }
    char *out = rc == 0 ? aws_buf_take(&b) : NULL;
    aws_buf_finish(&b);
    return out;
}
