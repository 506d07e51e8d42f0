/* certsweep — the scan: discover -> assume -> collect -> judge.
 *
 * One libuv loop, one aws_client.  Accounts are prepared a few at a time
 * (AssumeRole once per account through a caching provider, then its enabled
 * regions); each (account, region) target runs its collectors concurrently,
 * and as soon as a target completes its records are judged
 * (scanner_rules_judge) and freed, so memory is bounded by the targets in
 * flight while findings accumulate.  Every account / region / operation
 * that fails becomes a coverage gap with the AWS error code; the scan goes
 * on for the others.
 */
#ifndef SCANNER_SCAN_H
#define SCANNER_SCAN_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "aws/client.h"
#include "config/config.h"
#include "scanner/detail.h"
#include "scanner/finding.h"
#include "scanner/shard.h"
#include "scanner/inventory.h"
#include "scanner/resolve.h"

typedef struct scanner_progress {
    size_t accounts_done, accounts_total;
    size_t targets_done, targets_total;     /* account-regions, IAM's "global" included */
    size_t findings;
    size_t gaps;
} scanner_progress;

typedef struct scanner_scan_opts {
    uv_loop_t *loop;
    aws_client *client;
    aws_creds_provider *caller;     /* the scanning identity's credentials */
    const config *cfg;              /* accounts, regions, role, collectors, rules */
    const char *home_region;        /* STS, Organizations, EC2 DescribeRegions, IAM */
    int64_t as_of;                  /* judge as of this unix time */
    size_t max_targets;             /* targets in their ACM stage at once; 0: 8 x cfg->concurrency */
    size_t max_accounts;            /* accounts being prepared at once; 0: concurrency / 4, 8 to 32 */
    void (*progress)(const scanner_progress *p, void *ud);   /* may be NULL */
    void *progress_ud;
    scanner_shard shard;            /* scan only this shard's accounts; count 0: all */
    /* Non-NULL: each record's expiry is copied here before its target's
     * records are freed (for the metrics; capped by its max). */
    scanner_inventory *inventory;
    /* Reading less (issue 14): cached DescribeCertificate answers (NULL:
     * none; every certificate a rule needs detail for is described) and
     * the wall clock their ages are measured against (0: time()). */
    const scanner_detail_cache *detail_cache;
    int64_t now;
} scanner_scan_opts;

/* Runs the whole scan on o->loop (returns when it is done).  Findings and
 * gaps are appended to out; st (may be NULL) gets accounts, regions,
 * account_regions, api_calls, retries, throttled, certificates, wall_ms.
 * Returns 0 when the scan ran (gaps possible), or a negative error when it
 * could not run at all (no credentials, the organization could not be
 * listed), with a one-line reason in err. */
int scanner_scan_run(const scanner_scan_opts *o, scanner_findings *out,
                     scanner_stats *st, char *err, size_t errlen);

/* ---- what the scan hands on ---------------------------------------------- */

/* One account of the scan as the sinks read it. */
typedef struct scanner_scanned_account {
    const char *account_id;
    aws_creds_provider *creds;      /* borrowed; NULL: not reachable (nothing imported, nothing archived) */
    const char *const *regions;     /* regions this scan ran for the account ("global" for IAM) */
    size_t n_regions;
    const char *name;               /* Organizations account name; NULL when not listed */
    const char *email;              /* Organizations account e-mail; NULL when not listed */
    const char *ou_path;            /* "Root/Production/Payments"; NULL when not found */
    /* The account's Organizations tags (ListTagsForResource), read for
     * accounts with findings; tags_read 0: not read (no finding, no
     * organization, or the call failed: a gap). */
    scanner_tags tags;
    int tags_read;
} scanner_scanned_account;

typedef struct scanner_scanned_accounts {
    const scanner_scanned_account *v;
    size_t n;
} scanner_scanned_accounts;

/* Besides findings, the Security Hub export needs to know who scanned and,
 * per account, the credentials the scan used and the regions it ran.  The
 * scan fills this plain struct; the caller passes it on and finishes it
 * when the last reader is done (the providers stay alive until then). */
typedef struct scanner_scan_result {
    char scanning_account[16];      /* the caller's account; "" when unknown */
    char partition[16];             /* "aws", "aws-cn", ... */
    /* One entry per account of the scan, in discovery order.  account_id,
     * the regions (each queued target: regions, and "global" when IAM ran)
     * and a reference to creds are owned here; creds is NULL for an account
     * the scan could not enter (AssumeRole failed). */
    scanner_scanned_account *accounts;
    size_t n_accounts;
    /* What was read completely, per account, region and source: the input
     * of the resolution rule (scanner/resolve.h). */
    scanner_coverage coverage;
} scanner_scan_result;

void scanner_scan_result_init(scanner_scan_result *r);
void scanner_scan_result_finish(scanner_scan_result *r);   /* accepts NULL */
/* The accounts as the sinks read them (valid while r is). */
scanner_scanned_accounts scanner_scan_result_accounts(const scanner_scan_result *r);

/* scanner_scan_run, also filling res (which must be initialised; it is
 * filled even when the scan could not run, with what was known). */
int scanner_scan_run_result(const scanner_scan_opts *o, scanner_findings *out,
                            scanner_stats *st, scanner_scan_result *res,
                            char *err, size_t errlen);

/* The AWS error code inside an sts message "AssumeRole <arn>: <code>:
 * <message>" (or "GetCallerIdentity: <code>: ..."); "AssumeRoleFailed" when
 * none can be found.  Writes to buf. */
const char *scanner_sts_error_code(const char *msg, char *buf, size_t n);

#endif
