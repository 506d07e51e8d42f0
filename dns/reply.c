/* certsweep — reading a DNS answer: the CNAME target of a CNAME query. */
#include "dns/reply.h"

#include <ares.h>
#include <stdint.h>
#include <string.h>

enum { HEADER_LEN = 12, RR_FIXED_LEN = 10, TYPE_CNAME = 5, CLASS_IN = 1 };

static unsigned get16(const unsigned char *p)
{
    return ((unsigned)p[0] << 8) | p[1];
}

/* Skips the (possibly compressed) name at *pos, checking it decodes. */
static int skip_name(const unsigned char *abuf, size_t alen, size_t *pos)
{
    char *name = NULL;
    long enclen = 0;
    if (*pos >= alen ||
        ares_expand_name(abuf + *pos, abuf, (int)alen, &name, &enclen) != ARES_SUCCESS)
        return ARES_EBADRESP;
    ares_free_string(name);
    if (enclen <= 0 || (size_t)enclen > alen - *pos)
        return ARES_EBADRESP;
    *pos += (size_t)enclen;
    return ARES_SUCCESS;
}

int dns_reply_cname(const unsigned char *abuf, size_t alen, char *out, size_t outlen)
{
    if (!abuf || alen < HEADER_LEN || alen > INT32_MAX || !out || outlen == 0)
        return ARES_EBADRESP;
    unsigned qdcount = get16(abuf + 4), ancount = get16(abuf + 6);
    size_t pos = HEADER_LEN;
    for (unsigned i = 0; i < qdcount; i++) {
        if (skip_name(abuf, alen, &pos) != ARES_SUCCESS || alen - pos < 4)
            return ARES_EBADRESP;
        pos += 4;   /* type, class */
    }
    for (unsigned i = 0; i < ancount; i++) {
        if (skip_name(abuf, alen, &pos) != ARES_SUCCESS || alen - pos < RR_FIXED_LEN)
            return ARES_EBADRESP;
        unsigned type = get16(abuf + pos), klass = get16(abuf + pos + 2);
        size_t rdlen = get16(abuf + pos + 8);
        pos += RR_FIXED_LEN;
        if (rdlen > alen - pos)
            return ARES_EBADRESP;
        if (type == TYPE_CNAME && klass == CLASS_IN) {
            char *target = NULL;
            long enclen = 0;
            if (ares_expand_name(abuf + pos, abuf, (int)alen, &target, &enclen) != ARES_SUCCESS)
                return ARES_EBADRESP;
            size_t n = strlen(target);
            while (n > 0 && target[n - 1] == '.')
                n--;
            int rc = ARES_SUCCESS;
            if (n >= outlen || (size_t)enclen > rdlen) {
                rc = ARES_EBADRESP;
            } else {
                memcpy(out, target, n);
                out[n] = '\0';
            }
            ares_free_string(target);
            return rc;
        }
        pos += rdlen;
    }
    return ARES_ENODATA;
}
