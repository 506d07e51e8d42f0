/* certsweep — generic webhook: the event document itself, signed.
 *
 * POST <url> with the event (notify/tickets.h, README "Tickets") as the
 * body, Content-Type application/json, and
 *   X-Certsweep-Event: new | escalated | updated | resolved | digest
 *   X-Certsweep-Signature: sha256=<hex HMAC-SHA256 of the body, keyed with the secret>
 * Any 2xx acknowledges it; the receiver deduplicates on "key" and
 * "event_id" (a retried event is sent again byte for byte). */
#include "notify/tickets.h"

#include "aws/error.h"

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <stdio.h>
#include <string.h>

int tk_generic_signature(const char *key, const char *body, size_t len, char out[72])
{
    unsigned char mac[EVP_MAX_MD_SIZE];
    unsigned int n = 0;
    if (!HMAC(EVP_sha256(), key, (int)strlen(key), (const unsigned char *)body, len, mac, &n))
        return AWS_EINVAL;
    memcpy(out, "sha256=", 7);
    for (unsigned int i = 0; i < n; i++)
        snprintf(out + 7 + 2 * i, 3, "%02x", mac[i]);
    OPENSSL_cleanse(mac, sizeof(mac));
    return 0;
}

static int generic_next(tk_delivery *d, const aws_http_response *resp, tk_request *q,
                        char *msg, size_t msglen)
{
    if (resp) {
        if (resp->status / 100 == 2)
            return TK_NEXT_DONE;
        tk_refusal(resp, msg, msglen);
        return TK_NEXT_REFUSED;
    }
    int rc = tk_request_json(q, "POST", d->ch->url, d->event);
    char sig[72];
    if (rc == 0)
        rc = tk_generic_signature(d->ch->secret, q->body, q->body_len, sig);
    if (rc == 0 && (aws_headers_set(&q->headers, "X-Certsweep-Signature", sig) != 0 ||
                    aws_headers_set(&q->headers, "X-Certsweep-Event", tk_str(d->event, "event")) != 0))
        rc = AWS_ENOMEM;
    return rc == 0 ? TK_NEXT_SEND : rc;
}

const tk_vendor tk_vendor_generic = {
    .type = "generic", .tickets = 1, .digests = 1, .next = generic_next,
};
