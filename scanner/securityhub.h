/* certsweep — Security Hub export: batching, lifecycle, import.
 *
 * Findings from every account and region land in one home region.  In
 * member mode each finding is imported into its own account's hub with that
 * account's credentials; in central mode all go to the scanning account's
 * hub (scanner/asff.h says how the certificate's account is carried).
 *
 * Lifecycle: a finding certsweep imported before (read back with
 * GetFindings, GeneratorId PREFIX "certsweep/", RecordState ACTIVE, every
 * page, and re-checked here field by field whatever the server filtered)
 * that this scan no longer produces is re-imported ARCHIVED / PASSED — but
 * only when this scan covered its account and region completely.  CreatedAt
 * is kept from the first import (Security Hub's copy, else the local
 * state).  What was imported is recorded in the local state.
 *
 * Security Hub not enabled in an account (InvalidAccessException, "not
 * subscribed") becomes a coverage gap for that account and the home region,
 * never an abort.  Partial failures of BatchImportFindings (HTTP 200 with
 * FailedCount > 0) are logged one line per finding id with its error code.
 */
#ifndef SCANNER_SECURITYHUB_H
#define SCANNER_SECURITYHUB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "aws/client.h"
#include "scanner/asff.h"
#include "scanner/finding.h"
#include "state/state.h"

struct json_object;

#define SCANNER_SHUB_MAX_BATCH        100                 /* findings per call */
#define SCANNER_SHUB_MAX_BATCH_BYTES  (6u * 1024 * 1024)  /* request body */
#define SCANNER_SHUB_IMPORT_TPS       10.0
#define SCANNER_SHUB_GET_TPS          3.0
#define SCANNER_SHUB_MAX_PAGES        1000                /* GetFindings pages per account */

/* ---- accounts and coverage ------------------------------------------------- */

typedef struct scanner_shub_account {
    const char *account_id;
    aws_creds_provider *creds;      /* borrowed; NULL: not reachable (nothing imported, nothing archived) */
    const char *const *regions;     /* regions this scan ran for the account ("global" for IAM) */
    size_t n_regions;
} scanner_shub_account;

typedef struct scanner_shub_accounts {
    const scanner_shub_account *v;
    size_t n;
} scanner_shub_accounts;

/* 1 when this scan covered (account, region) completely: the account is
 * listed with credentials, the region is one of its regions, and no
 * coverage gap of f names that account (or "*" / "") with that region (or
 * "*" / ""). */
int scanner_shub_covered(const scanner_shub_accounts *a, const scanner_findings *f,
                         const char *account, const char *region);

/* ---- what was imported before ------------------------------------------------ */

typedef struct scanner_shub_prev {
    char *id;                       /* ASFF Id */
    char *account;                  /* the certificate's account */
    char *region;                   /* the certificate's region */
    char *rule;
    int64_t created_at, first_observed_at;
    struct json_object *raw;        /* the finding as returned */
} scanner_shub_prev;

typedef struct scanner_shub_prevset {
    scanner_shub_prev *v;
    size_t n, cap;
    size_t rejected;                /* returned by the server but not ours / not ACTIVE / wrong account or region */
} scanner_shub_prevset;

void scanner_shub_prevset_init(scanner_shub_prevset *p);
void scanner_shub_prevset_finish(scanner_shub_prevset *p);
const scanner_shub_prev *scanner_shub_prevset_find(const scanner_shub_prevset *p, const char *id);

/* Reads one GetFindings answer.  Keeps only findings that pass the
 * client-side check: GeneratorId starts with "certsweep/", Id starts with
 * "certsweep/", RecordState ACTIVE, AwsAccountId == importer, ProductArn in
 * home_region, and the certificate's account (ProductFields
 * "certsweep/AccountId") equal to importer in member mode.  *next is the
 * NextToken (NULL when last page; caller frees).  AWS_EPARSE when the body is
 * not a GetFindings answer. */
int scanner_shub_parse_findings(const char *body, size_t len, const char *importer,
                                const char *home_region, scanner_shub_mode mode,
                                scanner_shub_prevset *out, char **next);

/* The GetFindings request body (filters above, MaxResults 100). Caller frees. */
char *scanner_shub_get_body(const char *importer, const char *home_region,
                            const char *next_token);

/* ---- lifecycle decision (pure) ------------------------------------------------ */

/* Indexes into prev (ascending) of the findings to archive: ACTIVE and ours,
 * not produced by this scan (no finding of cur has that ASFF Id), and in an
 * (account, region) that scanner_shub_covered() says this scan covered.
 * *idx is malloc'd (NULL when *n == 0). */
int scanner_shub_decide_archive(const scanner_shub_prevset *prev,
                                const scanner_findings *cur,
                                const scanner_shub_accounts *accounts,
                                size_t **idx, size_t *n);

/* ---- batching (pure) ------------------------------------------------------------ */

typedef struct scanner_shub_batch {
    char *body;                     /* {"Findings":[...]} */
    size_t len;
    char **ids;                     /* ASFF Ids in the batch */
    size_t n;
} scanner_shub_batch;

typedef struct scanner_shub_batches {
    scanner_shub_batch *v;
    size_t n, cap;
    size_t skipped;                 /* findings over SCANNER_ASFF_MAX_FINDING, left out */
} scanner_shub_batches;

void scanner_shub_batches_init(scanner_shub_batches *b);
void scanner_shub_batches_finish(scanner_shub_batches *b);
/* Packs findings, in order, into batches of at most max_count findings and
 * max_bytes of body (0: the Security Hub limits).  A finding whose own size
 * passes SCANNER_ASFF_MAX_FINDING is left out, counted in skipped and logged
 * with its Id. */
int scanner_shub_make_batches(struct json_object *const *findings, size_t n,
                              size_t max_count, size_t max_bytes,
                              scanner_shub_batches *out);

/* ---- the export ---------------------------------------------------------------- */

typedef struct scanner_shub_opts {
    uv_loop_t *loop;                /* pacing timers */
    const char *home_region;        /* required */
    scanner_shub_mode mode;
    const char *scanning_account;   /* required in central mode */
    aws_creds_provider *scanning_creds; /* central mode: the importer's credentials */
    state_db *state;                /* may be NULL */
    double import_tps;              /* per account; 0: SCANNER_SHUB_IMPORT_TPS */
    double get_tps;                 /* per account; 0: SCANNER_SHUB_GET_TPS */
    size_t max_batch;               /* 0: SCANNER_SHUB_MAX_BATCH */
} scanner_shub_opts;

typedef struct scanner_shub_failure {
    const char *account;            /* importing account */
    const char *id;                 /* ASFF Id */
    const char *code;
    const char *message;
} scanner_shub_failure;

typedef struct scanner_shub_result {
    size_t imported;                /* ACTIVE findings accepted */
    size_t archived;                /* ARCHIVED findings accepted */
    size_t failed;                  /* findings Security Hub refused or that could not be sent */
    size_t skipped;                 /* no credentials for the account, or too big */
    size_t batches;                 /* BatchImportFindings calls made */
    size_t max_batch_seen;          /* largest batch sent */
    const scanner_shub_failure *failures;
    size_t n_failures;
    const scanner_gap *gaps;        /* add these to the scan's coverage gaps */
    size_t n_gaps;
} scanner_shub_result;

/* r is valid only during the callback. */
typedef void (*scanner_shub_done_cb)(const scanner_shub_result *r, void *ud);

/* Starts the export on o->loop.  f and accounts (and the strings and
 * providers they point to) must live until cb.  0: cb runs exactly once,
 * never from inside this call, after every handle of the export is closed.
 * Negative: cb never runs. */
int scanner_securityhub_export(aws_client *c, const scanner_shub_opts *o,
                               const scanner_findings *f,
                               const scanner_shub_accounts *accounts, int64_t now,
                               scanner_shub_done_cb cb, void *ud);

/* --dry-run FILE: writes the BatchImportFindings bodies the export would
 * send for the current findings (one batch per line, JSON lines), grouped by
 * importing account, with CreatedAt from the local state when known.  Makes
 * no calls and writes no state; archiving needs GetFindings, so it is not
 * part of a dry run.  Returns 0, AWS_ENOMEM or AWS_EIO; *batches (may be
 * NULL) gets the number of lines written. */
int scanner_securityhub_dry_run(FILE *out, const scanner_shub_opts *o,
                                const scanner_findings *f, int64_t now,
                                size_t *batches);

#endif
