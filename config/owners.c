/* certsweep — e-mail addresses and the [email] account_owners map. */
#include "config/config.h"
#include "config/options.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"

int config_is_email(const char *s)
{
    if (!s)
        return 0;
    const char *at = strchr(s, '@');
    size_t n = strlen(s);
    if (!at || at == s || strchr(at + 1, '@') || n > 254)
        return 0;
    const char *dom = at + 1;
    if (!*dom || !strchr(dom, '.') || dom[0] == '.' || s[n - 1] == '.')
        return 0;
    for (const char *p = s; *p; p++) {
        unsigned char c = (unsigned char)*p;
        if (c <= ' ' || c >= 0x7f || strchr("<>()[]\\,;:\"", c))
            return 0;
    }
    return 1;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s))
        s++;
    size_t n = strlen(s);
    while (n > 0 && isspace((unsigned char)s[n - 1]))
        s[--n] = '\0';
    return s;
}

int config_owners_parse(const char *text,
                        int (*cb)(const char *account, const char *mail, void *ud),
                        void *ud, char *why, size_t whylen)
{
    char *copy = strdup(text ? text : "");
    if (!copy)
        return AWS_ENOMEM;
    int rc = 0;
    char *p = copy;
    while (rc == 0 && p) {
        char *semi = strchr(p, ';');
        if (semi)
            *semi = '\0';
        char *entry = trim(p);
        p = semi ? semi + 1 : NULL;
        if (!*entry)
            continue;                   /* "a; ; b" and a trailing ';' are fine */
        char *colon = strchr(entry, ':');
        if (!colon) {
            snprintf(why, whylen, "'%s' has no ':' after the account id", entry);
            rc = AWS_EINVAL;
            break;
        }
        *colon = '\0';
        char *acct = trim(entry);
        if (!option_is_account(acct)) {
            snprintf(why, whylen, "'%s' is not an account id (12 digits)", acct);
            rc = AWS_EINVAL;
            break;
        }
        char *mails = colon + 1;
        int count = 0;
        while (rc == 0 && mails) {
            char *comma = strchr(mails, ',');
            if (comma)
                *comma = '\0';
            char *m = trim(mails);
            mails = comma ? comma + 1 : NULL;
            if (!*m)
                continue;
            if (!config_is_email(m)) {
                snprintf(why, whylen, "'%s' (account %s) is not an e-mail address", m, acct);
                rc = AWS_EINVAL;
                break;
            }
            count++;
            if (cb)
                rc = cb(acct, m, ud);
        }
        if (rc == 0 && count == 0) {
            snprintf(why, whylen, "account %s has no e-mail address", acct);
            rc = AWS_EINVAL;
        }
    }
    free(copy);
    return rc;
}
