/* certsweep — an asynchronous DNS resolver on c-ares, driven by the
 * caller's libuv loop.
 *
 * Shared by the scan's renewal check (the validation CNAMEs of ACM
 * certificates) and the served-certificate probe (the addresses of the
 * endpoints): one resolver per scan, on the scan's loop, so a thousand
 * lookups cost a few round trips, never a blocking call or a thread.
 *
 * c-ares tells the resolver which sockets it wants watched (its socket
 * state callback): each gets a uv_poll_t, and one uv_timer_t follows
 * ares_timeout().  Lookups are started from a queue released by a pacing
 * timer: at most max_qps per second (when capped) and at most max_inflight
 * at once; the rest wait, the loop sleeping meanwhile.  A callback never
 * runs from inside dns_resolve_* (a lookup always starts from the loop).
 *
 * Answers are told apart: a clear NXDOMAIN or an empty answer (NODATA) is
 * what the name server said; SERVFAIL, REFUSED and timeouts say nothing
 * about the name.  Knows nothing of AWS, certificates or rules.
 */
#ifndef DNS_DNS_H
#define DNS_DNS_H

#include <stddef.h>
#include <sys/socket.h>
#include <uv.h>

typedef struct dns_resolver dns_resolver;

typedef struct dns_options {
    /* Name servers, "IP", "IP:port", "[IPv6]" or "[IPv6]:port"; none:
     * the system's (resolv.conf). */
    const char *const *servers;
    size_t n_servers;
    int timeout_ms;         /* per try; <= 0: DNS_DEFAULT_TIMEOUT_MS */
    int tries;              /* <= 0: DNS_DEFAULT_TRIES */
    double max_qps;         /* lookups started per second; 0: no cap */
    size_t max_inflight;    /* lookups at once; 0: DNS_DEFAULT_MAX_INFLIGHT */
} dns_options;

enum {
    DNS_DEFAULT_TIMEOUT_MS = 2000,
    DNS_DEFAULT_TRIES = 2,
    DNS_DEFAULT_MAX_INFLIGHT = 256,
    DNS_MAX_SERVERS = 16,
    DNS_MAX_NAME = 253,     /* a longer name is refused (AWS_EINVAL) */
};

typedef enum dns_status {
    DNS_OK,
    DNS_NXDOMAIN,   /* the name does not exist */
    DNS_NODATA,     /* the name exists, with no record of the type asked */
    DNS_SERVFAIL,
    DNS_REFUSED,
    DNS_TIMEOUT,
    DNS_ERROR,      /* anything else: bad answer, no server, cancelled */
} dns_status;

/* "OK", "NXDOMAIN", "NODATA", "SERVFAIL", "REFUSED", "TIMEOUT", "ERROR". */
const char *dns_status_name(dns_status s);

/* A c-ares status (ARES_*) as a dns_status. */
dns_status dns_status_from_ares(int ares_status);

/* dns_server_check(): one server string as dns_options.servers takes it. */
#include "dns/server.h"

/* 0, or AWS_EINVAL (a bad server, with the reason logged nowhere: check
 * them with dns_server_check first), AWS_ENOMEM, AWS_EIO (c-ares could
 * not start). */
int dns_resolver_new(uv_loop_t *loop, const dns_options *o, dns_resolver **out);

/* NULL ok.  Pending callbacks run first, with DNS_ERROR (cancelled).  The
 * handles close on the loop: run it once more before uv_loop_close.  Not
 * from inside a dns callback. */
void dns_resolver_free(dns_resolver *r);

/* A and AAAA (and the hosts file; an IP literal answers itself): addrs
 * are valid during the callback only; n == 0 unless DNS_OK. */
typedef void (*dns_addr_cb)(dns_status st, const struct sockaddr *const *addrs,
                            size_t n, void *ud);
int dns_resolve_addr(dns_resolver *r, const char *host, dns_addr_cb cb, void *ud);

/* The CNAME record of name (no search domains, no following): target
 * (no trailing dot) is valid during the callback only, NULL unless
 * DNS_OK.  0, AWS_EINVAL (empty or too long name), AWS_ENOMEM. */
typedef void (*dns_cname_cb)(dns_status st, const char *target, void *ud);
int dns_resolve_cname(dns_resolver *r, const char *name, dns_cname_cb cb, void *ud);

/* Lookups started so far (the pacing test and the stats read it). */
size_t dns_resolver_started(const dns_resolver *r);

#endif
