/* certsweep — the served-certificate probe: TLS handshakes on the caller's
 * libuv loop, reading the certificate an endpoint serves.
 *
 * Each probe resolves its host (an IP literal or an address given with the
 * target answers itself; a name goes through probe_resolve, one small
 * function: dns/ on the same loop), connects with uv_tcp, and runs an OpenSSL client handshake
 * through memory BIOs (non-blocking, SNI = the host name), so thousands of
 * endpoints share one thread and one loop.  At most `concurrency` probes
 * are in flight; the rest wait in a queue.  One timer per probe bounds
 * resolution, connect and handshake together.
 *
 * The handshake never stops on a bad chain: the chain is verified (the
 * system trust store or a CA file) and the host name checked after it, and
 * both verdicts are part of the result, with OpenSSL's verify error text.
 *
 * Knows nothing of AWS, certificates in an inventory or rules: the scanner
 * judges the results (scanner/served.h).
 */
#ifndef PROBE_PROBE_H
#define PROBE_PROBE_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "dns/dns.h"

/* Longest host name (DNS) and the longest text kept of a remote name. */
#define PROBE_MAX_HOST 253
/* Names (SANs) kept of a served leaf; more are counted, not kept. */
#define PROBE_MAX_NAMES 100

typedef enum probe_status {
    PROBE_OK = 0,           /* handshake done, leaf read (chain and name verdicts below) */
    PROBE_RESOLVE,          /* the name did not resolve */
    PROBE_REFUSED,          /* connection refused */
    PROBE_UNREACHABLE,      /* no route, network down, address not available */
    PROBE_TIMEOUT,          /* resolve + connect + handshake took longer than the timeout */
    PROBE_HANDSHAKE,        /* the TLS handshake failed (or the peer closed) */
    PROBE_ERROR,            /* anything else (out of memory, a socket error) */
} probe_status;

/* The coverage-gap code of a status: "ConnectRefused", "Timeout", ... */
const char *probe_status_code(probe_status s);

/* The leaf certificate an endpoint served. */
typedef struct probe_leaf {
    char serial_hex[132];           /* lower-case hex, no colons, no leading zeros ("0" for 0) */
    char serial_dec[164];           /* decimal */
    char issuer[512];               /* one-line DN (RFC 2253), cut at the buffer */
    char issuer_cn[256];            /* issuer commonName, "" when none */
    char issuer_o[256];             /* issuer organizationName, "" when none */
    char subject[512];              /* one-line DN */
    int64_t not_before, not_after;  /* unix seconds */
    char **names;                   /* DNS SANs (the subject CN when there are none) */
    size_t n_names;
    size_t n_names_dropped;         /* past PROBE_MAX_NAMES */
} probe_leaf;

typedef struct probe_result {
    probe_status status;
    char code[40];                  /* coverage-gap code: probe_status_code(), or "DnsNXDOMAIN", ... */
    char message[256];              /* what went wrong (status != PROBE_OK), one line */
    char address[64];               /* the address connected to ("" when none) */
    /* PROBE_OK only: */
    probe_leaf leaf;
    size_t chain_len;               /* certificates the server sent */
    int chain_ok;                   /* 1: the chain verified against the trust store */
    long verify_error;              /* X509_V_* (0 when ok) */
    char verify_message[160];       /* X509_verify_cert_error_string, "" when ok */
    int name_ok;                    /* 1: the leaf is valid for the host (X509_check_host / _ip) */
    char tls_version[16];           /* "TLSv1.3", ... */
} probe_result;

typedef struct probe_options {
    const char *ca_file;            /* PEM bundle to trust instead of the system store; NULL: system */
    int timeout_ms;                 /* per probe; <= 0: 10,000 */
    size_t concurrency;             /* probes in flight; 0: 64 */
    int64_t verify_time;            /* verify chains as of this unix time; 0: now */
    /* The name resolver, shared with the scan (NULL: libuv's getaddrinfo
     * on the thread pool, for tools without a resolver). */
    dns_resolver *resolver;
} probe_options;

typedef struct prober prober;

/* 0; AWS_EINVAL with err set (a CA file that cannot be read), AWS_ENOMEM. */
int  prober_new(uv_loop_t *loop, const probe_options *o, prober **out, char *err, size_t errlen);
/* Cancels what is queued or in flight (callbacks run with PROBE_ERROR
 * "cancelled" first) and frees the prober once its handles have closed:
 * run the loop once more before uv_loop_close.  Accepts NULL.  Never from
 * inside a probe callback. */
void prober_free(prober *p);

/* Called once per probe, from the loop; res is valid during the call. */
typedef void (*probe_cb)(const probe_result *res, void *ud);

/* Queues a probe of host:port with SNI host (no SNI for an IP literal).
 * address (may be NULL): connect to this IP literal instead of resolving
 * host.  The callback never runs from inside prober_add.  0, AWS_EINVAL
 * (an empty or too long host, a bad port or address), AWS_ENOMEM. */
int  prober_add(prober *p, const char *host, int port, const char *address,
                probe_cb cb, void *ud);
/* Probes queued or in flight. */
size_t prober_pending(const prober *p);
/* Peak number of probes in flight (for tests and the benchmark). */
size_t prober_peak(const prober *p);

/* Frees what a probe_leaf owns (names). */
void probe_leaf_finish(probe_leaf *l);

/* 1 when host is an IPv4 or IPv6 literal. */
int probe_is_ip(const char *host);

#endif
