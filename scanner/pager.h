/* certsweep — one pager for every paginated AWS listing.
 *
 * A listing (ListCertificates, ListAccounts, GetDomainNames, GetFindings,
 * ...) follows the paging token of each page until a page has none.  A
 * server that repeats a token, or that never stops handing out new ones,
 * would keep that going forever; the pager stops both:
 *  - a token seen before in this listing (on any earlier page, not only
 *    the previous one): PagingTokenRepeated;
 *  - a page that asks for more after SCANNER_PAGE_LIMIT pages:
 *    PageLimitExceeded.
 * Either way the listing is incomplete: the caller records a coverage gap
 * with scanner_pager_code() and scanner_pager_message(), and nothing is
 * resolved on the strength of that listing.
 *
 * Tokens are remembered as SHA-256 digests (32 bytes each), so memory per
 * listing is bounded by the page limit whatever the servers send.
 */
#ifndef SCANNER_PAGER_H
#define SCANNER_PAGER_H

#include <stddef.h>

/* Pages one listing may take.  The largest listings certsweep reads are
 * GetFindings at 100 findings a page (100,000 findings of one account)
 * and ListCertificates at 1,000 a page. */
#define SCANNER_PAGE_LIMIT 1000

enum scanner_pager_verdict {
    SCANNER_PAGER_DONE     = 0,     /* no token: the listing is complete */
    SCANNER_PAGER_MORE     = 1,     /* request the page of scanner_pager_token() */
    SCANNER_PAGER_REPEATED = 2,     /* stopped: a token came back */
    SCANNER_PAGER_LIMIT    = 3,     /* stopped: more than SCANNER_PAGE_LIMIT pages */
};

typedef struct scanner_pager {
    char *token;                    /* for the next request; NULL before the first page */
    size_t pages;                   /* pages answered so far */
    size_t limit;                   /* SCANNER_PAGE_LIMIT (tests may lower it) */
    unsigned char (*seen)[32];      /* digests of the tokens handed out so far */
    size_t n_seen, cap_seen;
    size_t repeat_of;               /* REPEATED: the page whose token came back (1-based) */
} scanner_pager;

void scanner_pager_init(scanner_pager *p);
void scanner_pager_finish(scanner_pager *p);
/* Heap versions for listings whose pages are answered in callbacks. */
scanner_pager *scanner_pager_new(void);
void scanner_pager_free(scanner_pager *p);              /* accepts NULL */

/* The token to send with the next request (NULL: the first page). */
const char *scanner_pager_token(const scanner_pager *p);

/* A page was answered with paging token `next` (NULL or "" when it is the
 * last page).  Returns a verdict, or AWS_ENOMEM (the listing is then
 * incomplete too). */
int scanner_pager_next(scanner_pager *p, const char *next);

/* The coverage-gap code of a stop verdict ("PagingTokenRepeated",
 * "PageLimitExceeded"; "OutOfMemory" for AWS_ENOMEM) and a one-line message
 * saying what happened, for "account/region/Operation: code: message". */
const char *scanner_pager_code(int verdict);
void scanner_pager_message(const scanner_pager *p, int verdict, char *buf, size_t n);

#endif
