/* certsweep — the pager of every paginated listing. */
#include "scanner/pager.h"

#include "aws/error.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void scanner_pager_init(scanner_pager *p)
{
    memset(p, 0, sizeof(*p));
    p->limit = SCANNER_PAGE_LIMIT;
}

void scanner_pager_finish(scanner_pager *p)
{
    free(p->token);
    free(p->seen);
    memset(p, 0, sizeof(*p));
}

scanner_pager *scanner_pager_new(void)
{
    scanner_pager *p = malloc(sizeof(*p));
    if (p)
        scanner_pager_init(p);
    return p;
}

void scanner_pager_free(scanner_pager *p)
{
    if (!p)
        return;
    scanner_pager_finish(p);
    free(p);
}

const char *scanner_pager_token(const scanner_pager *p)
{
    return p->token;
}

int scanner_pager_next(scanner_pager *p, const char *next)
{
    p->pages++;
    free(p->token);
    p->token = NULL;
    if (!next || !*next)
        return SCANNER_PAGER_DONE;
    unsigned char d[32];
    unsigned int dl = 0;
    if (!EVP_Digest(next, strlen(next), d, &dl, EVP_sha256(), NULL) || dl != sizeof(d))
        return AWS_ENOMEM;
    for (size_t i = 0; i < p->n_seen; i++) {
        if (memcmp(p->seen[i], d, sizeof(d)) == 0) {
            p->repeat_of = i + 1;
            return SCANNER_PAGER_REPEATED;
        }
    }
    if (p->pages >= p->limit)
        return SCANNER_PAGER_LIMIT;
    if (p->n_seen == p->cap_seen) {
        size_t cap = p->cap_seen ? p->cap_seen * 2 : 8;
        unsigned char (*v)[32] = realloc(p->seen, cap * sizeof(*v));
        if (!v)
            return AWS_ENOMEM;
        p->seen = v;
        p->cap_seen = cap;
    }
    if (!(p->token = strdup(next)))
        return AWS_ENOMEM;
    memcpy(p->seen[p->n_seen++], d, sizeof(d));
    return SCANNER_PAGER_MORE;
}

const char *scanner_pager_code(int verdict)
{
    switch (verdict) {
    case SCANNER_PAGER_REPEATED: return "PagingTokenRepeated";
    case SCANNER_PAGER_LIMIT:    return "PageLimitExceeded";
    default:                     return aws_error_code(verdict < 0 ? verdict : AWS_EINVAL);
    }
}

void scanner_pager_message(const scanner_pager *p, int verdict, char *buf, size_t n)
{
    switch (verdict) {
    case SCANNER_PAGER_REPEATED:
        snprintf(buf, n, "page %zu returned the paging token page %zu already returned; "
                 "stopped after %zu pages, the listing is incomplete",
                 p->pages, p->repeat_of, p->pages);
        break;
    case SCANNER_PAGER_LIMIT:
        snprintf(buf, n, "still more after %zu pages, the most certsweep reads of one "
                 "listing; stopped, the listing is incomplete", p->pages);
        break;
    default:
        snprintf(buf, n, "paging stopped after %zu pages: %s; the listing is incomplete",
                 p->pages, aws_strerror(verdict < 0 ? verdict : AWS_EINVAL));
    }
}
