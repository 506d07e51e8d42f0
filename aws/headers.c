#include "aws/headers.h"
#include "aws/error.h"

#include <openssl/crypto.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

void aws_headers_init(aws_headers *h)
{
    h->v = NULL;
    h->n = h->cap = 0;
}

int aws_headers_add(aws_headers *h, const char *name, const char *value)
{
    if (h->n == h->cap) {
        size_t cap = h->cap ? h->cap * 2 : 8;
        aws_header *v = realloc(h->v, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        h->v = v;
        h->cap = cap;
    }
    char *n = strdup(name), *val = strdup(value ? value : "");
    if (!n || !val) {
        free(n);
        free(val);
        return AWS_ENOMEM;
    }
    h->v[h->n].name = n;
    h->v[h->n].value = val;
    h->n++;
    return 0;
}

static void free_one(aws_header *e)
{
    free(e->name);
    if (e->value) {
        OPENSSL_cleanse(e->value, strlen(e->value));
        free(e->value);
    }
}

int aws_headers_set(aws_headers *h, const char *name, const char *value)
{
    for (size_t i = 0; i < h->n; i++) {
        if (strcasecmp(h->v[i].name, name) == 0) {
            char *val = strdup(value ? value : "");
            if (!val)
                return AWS_ENOMEM;
            OPENSSL_cleanse(h->v[i].value, strlen(h->v[i].value));
            free(h->v[i].value);
            h->v[i].value = val;
            return 0;
        }
    }
    return aws_headers_add(h, name, value);
}

const char *aws_headers_get(const aws_headers *h, const char *name)
{
    for (size_t i = 0; i < h->n; i++)
        if (strcasecmp(h->v[i].name, name) == 0)
            return h->v[i].value;
    return NULL;
}

void aws_headers_remove(aws_headers *h, const char *name)
{
    size_t j = 0;
    for (size_t i = 0; i < h->n; i++) {
        if (strcasecmp(h->v[i].name, name) == 0)
            free_one(&h->v[i]);
        else
            h->v[j++] = h->v[i];
    }
    h->n = j;
}

void aws_headers_finish(aws_headers *h)
{
    for (size_t i = 0; i < h->n; i++)
        free_one(&h->v[i]);
    free(h->v);
    aws_headers_init(h);
}
