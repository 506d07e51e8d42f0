/* certsweep — [probe] hosts items: "host[:port][@address]". */
#include "config/config.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <stdio.h>
#include <string.h>

#include "aws/error.h"

static int is_ip(const char *s)
{
    unsigned char buf[sizeof(struct in6_addr)];
    return inet_pton(AF_INET, s, buf) == 1 || inet_pton(AF_INET6, s, buf) == 1;
}

static int host_char_ok(char c)
{
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
           c == '-' || c == '.' || c == '_';
}

int config_probe_target_parse(const char *s, char *host, size_t hostlen, int *port,
                       char *address, size_t addrlen, char *why, size_t whylen)
{
    const char *at = s ? strchr(s, '@') : NULL;
    size_t hp_len = at ? (size_t)(at - s) : (s ? strlen(s) : 0);
    *port = 443;
    if (hostlen)
        host[0] = '\0';
    if (addrlen)
        address[0] = '\0';
    if (!s || hp_len == 0) {
        snprintf(why, whylen, "empty host");
        return AWS_EINVAL;
    }
    const char *h = s, *hend = s + hp_len, *colon = NULL;
    if (*s == '[') {
        const char *close = memchr(s, ']', hp_len);
        if (!close) {
            snprintf(why, whylen, "'[' without ']' (write [IPv6]:port)");
            return AWS_EINVAL;
        }
        h = s + 1;
        hend = close;
        if (close + 1 < s + hp_len) {
            if (close[1] != ':') {
                snprintf(why, whylen, "unexpected text after ']'");
                return AWS_EINVAL;
            }
            colon = close + 1;
        }
    } else {
        colon = memchr(s, ':', hp_len);
        if (colon && memchr(colon + 1, ':', (size_t)(s + hp_len - colon - 1))) {
            snprintf(why, whylen, "an IPv6 address needs brackets: [address]:port");
            return AWS_EINVAL;
        }
        if (colon)
            hend = colon;
    }
    size_t hl = (size_t)(hend - h);
    if (hl == 0 || hl > CONFIG_MAX_HOST || hl >= hostlen) {
        snprintf(why, whylen, hl == 0 ? "empty host" : "host name longer than 253 characters");
        return AWS_EINVAL;
    }
    memcpy(host, h, hl);
    host[hl] = '\0';
    if (*s == '[') {
        unsigned char b[sizeof(struct in6_addr)];
        if (inet_pton(AF_INET6, host, b) != 1) {
            snprintf(why, whylen, "'%s' is not an IPv6 address", host);
            return AWS_EINVAL;
        }
    } else {
        if (strchr(host, '*')) {
            snprintf(why, whylen, "a wildcard name cannot be probed (list the hosts behind it)");
            return AWS_EINVAL;
        }
        for (size_t i = 0; i < hl; i++)
            if (!host_char_ok(host[i])) {
                snprintf(why, whylen, "not a host name (letters, digits, '-', '.', '_')");
                return AWS_EINVAL;
            }
    }
    if (colon) {
        const char *ps = colon + 1, *pe = s + hp_len;
        long v = 0;
        if (ps == pe || pe - ps > 5) {
            snprintf(why, whylen, "bad port");
            return AWS_EINVAL;
        }
        for (const char *c = ps; c < pe; c++) {
            if (*c < '0' || *c > '9') {
                snprintf(why, whylen, "bad port");
                return AWS_EINVAL;
            }
            v = v * 10 + (*c - '0');
        }
        if (v < 1 || v > 65535) {
            snprintf(why, whylen, "port %ld is outside 1..65535", v);
            return AWS_EINVAL;
        }
        *port = (int)v;
    }
    if (at) {
        const char *a = at + 1;
        size_t al = strlen(a);
        if (al >= 2 && a[0] == '[' && a[al - 1] == ']') {
            a++;
            al -= 2;
        }
        if (al == 0 || al >= addrlen || al >= 64) {
            snprintf(why, whylen, "empty or too long address after '@'");
            return AWS_EINVAL;
        }
        memcpy(address, a, al);
        address[al] = '\0';
        if (!is_ip(address)) {
            snprintf(why, whylen, "'%s' after '@' is not an IP address", address);
            return AWS_EINVAL;
        }
    }
    return 0;
}

