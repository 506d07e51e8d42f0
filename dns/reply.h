/* certsweep — reading a DNS answer (internal to dns/, and its tests). */
#ifndef DNS_REPLY_H
#define DNS_REPLY_H

#include <stddef.h>

/* The target of the first CNAME record in the answer section of a DNS
 * message (abuf, alen), without a trailing dot, into out.  Returns an
 * ARES_* status: ARES_SUCCESS; ARES_ENODATA (no CNAME record);
 * ARES_EBADRESP (a malformed message, or a target longer than outlen-1). */
int dns_reply_cname(const unsigned char *abuf, size_t alen, char *out, size_t outlen);

#endif
