/* certsweep — the served-certificate stage of a scan: which endpoints to
 * probe, and what their answers mean.
 *
 * Endpoints: every name (not a wildcard) of every in-use ACM certificate,
 * every API Gateway v1/v2 custom domain name (port 443), and [probe] hosts.
 * The scan hands each judged target's records here before it frees them;
 * probes start at once on the scan's loop (probe/probe.h) and run while the
 * scan goes on.  What the comparison needs of ACM certificates (in use, or
 * holding a name a [probe] hosts entry asks for: serial, issuer, NotAfter,
 * names) is copied, so memory is bounded by those certificates and the
 * endpoints, not the organization.
 *
 * When the scan is done, scanner_served_finish waits for the last probe
 * and judges each endpoint:
 *  - served-certificate-mismatch: ACM holds certificates for the name, and
 *    the served leaf is none of them (serial and issuer); the finding
 *    compares it with the one the endpoint should serve (the certificate in
 *    use or behind the custom domain, else the newest) and says which of
 *    serial, NotAfter and issuer differ;
 *  - served-certificate-expiring: a [probe] hosts endpoint whose leaf no
 *    scanned ACM certificate holds, within the [rules] expiring tiers;
 *  - served-chain-invalid: the chain does not verify, or the leaf does not
 *    name the host (both said, with OpenSSL's verify error).
 * An endpoint that cannot be reached (resolution, refused, unreachable,
 * timeout, handshake) is a coverage gap (operation "Probe"), never a
 * finding.  Findings and gaps go to the account and region of the ACM
 * certificate compared with (else of the resource that named the endpoint,
 * else the scanning account, region "global").  Each completed probe is
 * recorded in the coverage (scanner_coverage_add_endpoint): a probe finding
 * resolves only when its endpoint was probed to the end in this run.
 */
#ifndef SCANNER_SERVED_H
#define SCANNER_SERVED_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "config/config.h"
#include "probe/probe.h"
#include "scanner/finding.h"
#include "scanner/record.h"
#include "scanner/resolve.h"

typedef struct scanner_served scanner_served;

typedef struct scanner_served_stats {
    uint64_t endpoints;             /* probed (after removing duplicates) */
    uint64_t completed;             /* handshakes that returned a leaf */
    uint64_t unreachable;           /* coverage gaps */
    size_t peak_in_flight;
} scanner_served_stats;

/* Starts the probes of [probe] hosts at once (unless with_hosts is 0:
 * another shard probes them).  Names are resolved through dns (the scan's
 * resolver, which must outlive s; NULL: getaddrinfo).  0; AWS_EINVAL with err set
 * ([probe] ca_file unreadable); AWS_ENOMEM. */
int  scanner_served_new(uv_loop_t *loop, const config *cfg, int64_t as_of, int with_hosts,
                        dns_resolver *dns, scanner_served **out, char *err, size_t errlen);
/* Run the loop once more after it (handles close there).  Accepts NULL. */
void scanner_served_free(scanner_served *s);
/* The endpoints and comparison data of one account-region's records
 * (before they are freed).  0 or AWS_ENOMEM. */
int  scanner_served_add_set(scanner_served *s, const scanner_record_set *set);
/* Waits (running the loop) for every probe, then judges: findings and
 * gaps are appended to out, completed endpoints recorded in cov (may be
 * NULL).  scanning_account: where endpoints no inventory names are
 * attributed.  0 or AWS_ENOMEM (what could be judged was). */
int  scanner_served_finish(scanner_served *s, const char *scanning_account,
                           scanner_findings *out, scanner_coverage *cov,
                           scanner_served_stats *st);

/* ---- pure helpers (unit-tested) ------------------------------------------ */

/* 1 when certificate name `pattern` covers `host` (case-insensitive; a
 * leading "*." covers exactly one label, never the bare parent). */
int scanner_name_covers(const char *pattern, const char *host);

/* 1 when the probe needs record r (an ACM summary or detail) described:
 * [probe] enabled and one of r's names covers a [probe] hosts name. */
int scanner_served_wants(const scanner_record *r, const config *cfg);

/* What ACM says of a certificate, as the comparison reads it. */
typedef struct scanner_served_expect {
    const char *serial;             /* ACM Serial: "0f:a1:..." (AWS) or decimal (moto); NULL: unknown */
    const char *issuer;             /* ACM Issuer; NULL: unknown */
    int64_t not_after;              /* 0: unknown */
} scanner_served_expect;

enum {
    SCANNER_DIFF_SERIAL    = 1u << 0,
    SCANNER_DIFF_NOT_AFTER = 1u << 1,
    SCANNER_DIFF_ISSUER    = 1u << 2,
};

/* 1 when ACM's Serial names the leaf's serial: hex with or without colons
 * (leading zeros ignored), or, for digits only, the decimal value too. */
int scanner_serial_matches(const char *acm_serial, const probe_leaf *leaf);
/* 1 when ACM's Issuer names the leaf's issuer: its commonName, its
 * organizationName or its whole one-line DN (case-insensitive). */
int scanner_issuer_matches(const char *acm_issuer, const probe_leaf *leaf);
/* The SCANNER_DIFF_* bits that differ (unknown fields never differ). */
unsigned scanner_served_compare(const scanner_served_expect *e, const probe_leaf *leaf);

#endif
