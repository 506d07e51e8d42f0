/* certsweep — Security Hub export: batching, lifecycle, import.
 *
 * Findings from every account and region land in one home region.  In
 * member mode each finding is imported into its own account's hub with that
 * account's credentials; in central mode all go to the scanning account's
 * hub (securityhub/asff.h says how the certificate's account is carried).
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
#ifndef SECURITYHUB_SECURITYHUB_H
#define SECURITYHUB_SECURITYHUB_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <uv.h>

#include "aws/client.h"
#include "scanner/scan.h"
#include "securityhub/asff.h"
#include "scanner/finding.h"
#include "state/state.h"

struct json_object;

#define SHUB_MAX_BATCH        100                 /* findings per call */
#define SHUB_MAX_BATCH_BYTES  (6u * 1024 * 1024)  /* request body */
#define SHUB_IMPORT_TPS       10.0
#define SHUB_GET_TPS          3.0
#define SHUB_MAX_PAGES        1000                /* GetFindings pages per account */

/* ---- accounts and coverage ------------------------------------------------- */

/* The accounts of the scan (scanner/scan.h) as the export reads them. */
typedef scanner_scanned_account shub_account;
typedef scanner_scanned_accounts shub_accounts;

/* 1 when this scan covered (account, region) completely: the account is
 * listed with credentials, the region is one of its regions, and no
 * coverage gap of f names that account (or "*" / "") with that region (or
 * "*" / ""). */
int shub_covered(const shub_accounts *a, const scanner_findings *f,
                         const char *account, const char *region);

/* ---- what was imported before ------------------------------------------------ */

typedef struct shub_prev {
    char *id;                       /* ASFF Id */
    char *account;                  /* the certificate's account */
    char *region;                   /* the certificate's region */
    char *rule;
    int64_t created_at, first_observed_at;
    struct json_object *raw;        /* the finding as returned */
} shub_prev;

typedef struct shub_prevset {
    shub_prev *v;
    size_t n, cap;
    size_t rejected;                /* returned by the server but not ours / not ACTIVE / wrong account or region */
} shub_prevset;

void shub_prevset_init(shub_prevset *p);
void shub_prevset_finish(shub_prevset *p);
const shub_prev *shub_prevset_find(const shub_prevset *p, const char *id);

/* Reads one GetFindings answer.  Keeps only findings that pass the
 * client-side check: GeneratorId starts with "certsweep/", Id starts with
 * "certsweep/", RecordState ACTIVE, AwsAccountId == importer, ProductArn in
 * home_region, and the certificate's account (ProductFields
 * "certsweep/AccountId") equal to importer in member mode.  *next is the
 * NextToken (NULL when last page; caller frees).  AWS_EPARSE when the body is
 * not a GetFindings answer. */
int shub_parse_findings(const char *body, size_t len, const char *importer,
                                const char *home_region, shub_mode mode,
                                shub_prevset *out, char **next);

/* The GetFindings request body (filters above, MaxResults 100). Caller frees. */
char *shub_get_body(const char *importer, const char *home_region,
                            const char *next_token);

/* ---- lifecycle decision (pure) ------------------------------------------------ */

/* Indexes into prev (ascending) of the findings to archive: ACTIVE and ours,
 * not produced by this scan (no finding of cur has that ASFF Id), and in an
 * (account, region) that shub_covered() says this scan covered.
 * *idx is malloc'd (NULL when *n == 0). */
int shub_decide_archive(const shub_prevset *prev,
                                const scanner_findings *cur,
                                const shub_accounts *accounts,
                                size_t **idx, size_t *n);

/* ---- batching (pure) ------------------------------------------------------------ */

typedef struct shub_batch {
    char *body;                     /* {"Findings":[...]} */
    size_t len;
    char **ids;                     /* ASFF Ids in the batch */
    size_t n;
} shub_batch;

typedef struct shub_batches {
    shub_batch *v;
    size_t n, cap;
    size_t skipped;                 /* findings over ASFF_MAX_FINDING, left out */
} shub_batches;

void shub_batches_init(shub_batches *b);
void shub_batches_finish(shub_batches *b);
/* Packs findings, in order, into batches of at most max_count findings and
 * max_bytes of body (0: the Security Hub limits).  A finding whose own size
 * passes ASFF_MAX_FINDING is left out, counted in skipped and logged
 * with its Id. */
int shub_make_batches(struct json_object *const *findings, size_t n,
                              size_t max_count, size_t max_bytes,
                              shub_batches *out);

/* ---- the export ---------------------------------------------------------------- */

typedef struct shub_opts {
    uv_loop_t *loop;                /* pacing timers */
    const char *home_region;        /* required */
    shub_mode mode;
    const char *scanning_account;   /* required in central mode */
    aws_creds_provider *scanning_creds; /* central mode: the importer's credentials */
    state_db *state;                /* may be NULL */
    double import_tps;              /* per account; 0: SHUB_IMPORT_TPS */
    double get_tps;                 /* per account; 0: SHUB_GET_TPS */
    size_t max_batch;               /* 0: SHUB_MAX_BATCH */
} shub_opts;

typedef struct shub_failure {
    const char *account;            /* importing account */
    const char *id;                 /* ASFF Id */
    const char *code;
    const char *message;
} shub_failure;

typedef struct shub_result {
    size_t imported;                /* ACTIVE findings accepted */
    size_t archived;                /* ARCHIVED findings accepted */
    size_t failed;                  /* findings Security Hub refused or that could not be sent */
    size_t skipped;                 /* no credentials for the account, or too big */
    size_t batches;                 /* BatchImportFindings calls made */
    size_t max_batch_seen;          /* largest batch sent */
    const shub_failure *failures;
    size_t n_failures;
    const scanner_gap *gaps;        /* add these to the scan's coverage gaps */
    size_t n_gaps;
} shub_result;

/* r is valid only during the callback. */
typedef void (*shub_done_cb)(const shub_result *r, void *ud);

/* Starts the export on o->loop.  f and accounts (and the strings and
 * providers they point to) must live until cb.  0: cb runs exactly once,
 * never from inside this call, after every handle of the export is closed.
 * Negative: cb never runs. */
int shub_export(aws_client *c, const shub_opts *o,
                               const scanner_findings *f,
                               const shub_accounts *accounts, int64_t now,
                               shub_done_cb cb, void *ud);

/* --dry-run FILE: writes the BatchImportFindings bodies the export would
 * send for the current findings (one batch per line, JSON lines), grouped by
 * importing account, with CreatedAt from the local state when known.  Makes
 * no calls and writes no state; archiving needs GetFindings, so it is not
 * part of a dry run.  Returns 0, AWS_ENOMEM or AWS_EIO; *batches (may be
 * NULL) gets the number of lines written. */
int shub_dry_run(FILE *out, const shub_opts *o,
                                const scanner_findings *f, int64_t now,
                                size_t *batches);

#endif
