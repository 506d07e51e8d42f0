#include "aws/secret.h"
#include "aws/error.h"

#include <openssl/crypto.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>

typedef struct secret {
    char *v;
    size_t len;
    int refs;
} secret;

/* The registry; every access holds s_lock (a log line may be written on
 * the thread pool while the loop registers a secret). */
static pthread_mutex_t s_lock = PTHREAD_MUTEX_INITIALIZER;
static secret *s_v;
static size_t s_n, s_cap;

static int register_locked(const char *s, size_t len)
{
    for (size_t i = 0; i < s_n; i++)
        if (s_v[i].len == len && memcmp(s_v[i].v, s, len) == 0) {
            s_v[i].refs++;
            return 0;
        }
    if (s_n == s_cap) {
        size_t cap = s_cap ? s_cap * 2 : 16;
        secret *v = realloc(s_v, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        s_v = v;
        s_cap = cap;
    }
    char *copy = malloc(len + 1);
    if (!copy)
        return AWS_ENOMEM;
    memcpy(copy, s, len + 1);
    s_v[s_n++] = (secret){ copy, len, 1 };
    return 0;
}

int aws_secret_register(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len < AWS_SECRET_MIN_LEN)
        return 0;
    pthread_mutex_lock(&s_lock);
    int rc = register_locked(s, len);
    pthread_mutex_unlock(&s_lock);
    return rc;
}

static void unregister_locked(const char *s, size_t len)
{
    for (size_t i = 0; i < s_n; i++)
        if (s_v[i].len == len && memcmp(s_v[i].v, s, len) == 0) {
            if (--s_v[i].refs > 0)
                return;
            OPENSSL_cleanse(s_v[i].v, len);
            free(s_v[i].v);
            s_v[i] = s_v[--s_n];
            if (s_n == 0) {
                free(s_v);
                s_v = NULL;
                s_cap = 0;
            }
            return;
        }
}

void aws_secret_unregister(const char *s)
{
    size_t len = s ? strlen(s) : 0;
    if (len < AWS_SECRET_MIN_LEN)
        return;
    pthread_mutex_lock(&s_lock);
    unregister_locked(s, len);
    pthread_mutex_unlock(&s_lock);
}

size_t aws_secret_count(void)
{
    pthread_mutex_lock(&s_lock);
    size_t n = s_n;
    pthread_mutex_unlock(&s_lock);
    return n;
}

/* The registered secret that starts earliest in s (longest on a tie). */
static const secret *first_match(const char *s, const char **at)
{
    const secret *best = NULL;
    *at = NULL;
    for (size_t i = 0; i < s_n; i++) {
        const char *p = strstr(s, s_v[i].v);
        if (p && (!*at || p < *at || (p == *at && s_v[i].len > best->len))) {
            *at = p;
            best = &s_v[i];
        }
    }
    return best;
}

static size_t redact_locked(char *buf, size_t cap)
{
    if (s_n == 0)
        return 0;
    size_t count = 0, mlen = strlen(AWS_SECRET_MARKER);
    char *pos = buf;
    const char *at;
    const secret *m;
    while ((m = first_match(pos, &at)) != NULL) {
        char *p = (char *)at;
        size_t tail = strlen(p + m->len);             /* after the secret */
        size_t off = (size_t)(p - buf);
        /* room for the marker and as much of the tail as fits */
        size_t room = cap - 1 - off;
        size_t mk = mlen < room ? mlen : room;
        size_t keep = room - mk < tail ? room - mk : tail;
        memmove(p + mk, p + m->len, keep);
        memcpy(p, AWS_SECRET_MARKER, mk);
        p[mk + keep] = '\0';
        count++;
        pos = p + mk;
        if (mk < mlen)
            break;
    }
    return count;
}

size_t aws_secret_redact_buf(char *buf, size_t cap)
{
    if (!buf || cap == 0)
        return 0;
    pthread_mutex_lock(&s_lock);
    size_t count = redact_locked(buf, cap);
    pthread_mutex_unlock(&s_lock);
    return count;
}

char *aws_secret_redact(const char *s)
{
    if (!s)
        return NULL;
    size_t len = strlen(s);
    /* each replacement grows the text by at most marker - min length */
    size_t grow = strlen(AWS_SECRET_MARKER) > AWS_SECRET_MIN_LEN
                ? strlen(AWS_SECRET_MARKER) - AWS_SECRET_MIN_LEN : 0;
    size_t cap = len + 1 + (grow ? (len / AWS_SECRET_MIN_LEN + 1) * grow : 0);
    char *out = malloc(cap);
    if (!out)
        return NULL;
    memcpy(out, s, len + 1);
    aws_secret_redact_buf(out, cap);
    return out;
}
