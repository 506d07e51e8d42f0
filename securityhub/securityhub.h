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
#include "config/config.h"
#include "scanner/resolve.h"
#include "scanner/scan.h"
#include "securityhub/asff.h"
#include "scanner/finding.h"
#include "scanner/pager.h"
#include "state/state.h"

struct json_object;

#define SHUB_MAX_BATCH        100                 /* findings per call */
#define SHUB_MAX_BATCH_BYTES  (6u * 1024 * 1024)  /* request body */

/* ---- accounts ---------------------------------------------------------------- */

/* The accounts of the scan (scanner/scan.h) as the export reads them. */
typedef scanner_scanned_account shub_account;
typedef scanner_scanned_accounts shub_accounts;

/* ---- what was imported before ------------------------------------------------ */

typedef struct shub_prev {
    char *id;                       /* ASFF Id */
    char *account;                  /* the certificate's account */
    char *region;                   /* the certificate's region */
    char *rule;
    int source;                     /* ProductFields certsweep/Source; -1 when absent */
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
 * "certsweep/", RecordState ACTIVE, AwsAccountId == importer, ProductArn of
 * the importer in home_region, and a certificate account (ProductFields
 * "certsweep/AccountId"; in member mode the importer when absent).  A
 * finding of another account in a member's hub is one that a central run
 * imported: it is kept, for the lifecycle to decide.  *next is the
 * NextToken (NULL when last page; caller frees).  AWS_EPARSE when the body is
 * not a GetFindings answer. */
int shub_parse_findings(const char *body, size_t len, const char *importer,
                                const char *home_region, shub_mode mode,
                                shub_prevset *out, char **next);

/* The GetFindings request body (filters above, MaxResults 100). Caller frees. */
char *shub_get_body(const char *importer, const char *home_region,
                            const char *next_token);

/* ---- lifecycle decision (pure) ------------------------------------------------ */

/* What the lifecycle decision reads: this run's findings, its coverage,
 * the config (disabled rules), whether it is a what-if run, and where each
 * finding belongs in this mode. */
typedef struct shub_lifecycle {
    const scanner_findings *cur;
    const scanner_coverage *coverage;
    const config *cfg;
    int what_if;
    shub_mode mode;
    const char *scanning_account;   /* central mode: the importer of every finding */
} shub_lifecycle;

/* The account whose hub a finding of `account` belongs in, in lc's mode. */
const char *shub_home_of(const shub_lifecycle *lc, const char *account);

/* Indexes into prev (ascending) of the findings of importer's hub to
 * archive.  The lifecycle rule: an ACTIVE certsweep finding
 *   - still produced by this run and belonging in this hub: stays (it is
 *     re-imported);
 *   - still produced but belonging in another hub (the mode or the
 *     scanning account changed): archived here, imported there;
 *   - no longer produced: archived only when scanner_resolvable() says this
 *     run resolved it (its source read in full for its account and region,
 *     its rule enabled, not a what-if run); otherwise it keeps its state.
 * *idx is malloc'd (NULL when *n == 0). */
int shub_decide_archive(const shub_prevset *prev, const char *importer,
                        const shub_lifecycle *lc, size_t **idx, size_t *n);

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
    uv_loop_t *loop;                /* the jobs' timers */
    const char *home_region;        /* required */
    shub_mode mode;
    const char *scanning_account;   /* required in central mode */
    aws_creds_provider *scanning_creds; /* central mode: the importer's credentials */
    state_db *state;                /* may be NULL */
    /* The lifecycle (shub_decide_archive): this run's coverage and config;
     * NULL coverage archives nothing that is gone. */
    const scanner_coverage *coverage;
    const config *cfg;
    int what_if;
    size_t max_batch;               /* 0: SHUB_MAX_BATCH */
} shub_opts;

typedef struct shub_failure {
    const char *account;            /* importing account */
    const char *id;                 /* ASFF Id */
    const char *code;
    const char *message;
} shub_failure;

typedef struct shub_result {
    int64_t updated_ms;             /* the UpdatedAt sent */
    size_t kept_elsewhere;          /* ACTIVE findings another mode imported that stay
                                     * (not read in full, or no credentials for that hub) */
    size_t imported;                /* ACTIVE findings accepted */
    size_t archived;                /* ARCHIVED findings accepted */
    size_t failed;                  /* findings Security Hub refused or that could not be sent */
    size_t skipped;                 /* no credentials for the account, or too big */
    size_t batches;                 /* BatchImportFindings calls made */
    size_t max_batch_seen;          /* largest batch sent */
    const shub_failure *failures;
    size_t n_failures;
    const scanner_gap *gaps;        /* export problems (Security Hub not enabled, calls
                                     * that failed): not coverage gaps of the scan */
    size_t n_gaps;
} shub_result;

/* r is valid only during the callback. */
typedef void (*shub_done_cb)(const shub_result *r, void *ud);

/* The UpdatedAt of this run's imports, in milliseconds: now_ms, or 1 ms
 * after the last one sent (the state's "shub_last_updated_ms") when that is
 * not earlier, so that Security Hub, which ignores an update that is not
 * later than the finding it has, takes every run's.  db may be NULL. */
int64_t shub_updated_ms(state_db *db, int64_t now_ms);

/* What is known of a finding's earlier imports: the local state's
 * CreatedAt (o->state), else the first run that produced it (f->first_seen,
 * from the labels).  An asff_history_fn with ud = the state (may be NULL). */
void shub_history(const scanner_finding *f, const char *asff_id, asff_history *h, void *ud);

/* Starts the export on o->loop.  Every hub that may hold certsweep's
 * findings is read (GetFindings) and updated: the importers of this mode,
 * and the hubs where the state says another mode (or scanning account)
 * imported findings that are still ACTIVE; those are archived by the
 * lifecycle rule (shub_decide_archive) and never get new findings.
 * UpdatedAt is shub_updated_ms(o->state, now_ms); what was imported, where
 * and in which mode, and that UpdatedAt are recorded in the state. */
int shub_export(aws_client *c, const shub_opts *o,
                               const scanner_findings *f,
                               const shub_accounts *accounts, int64_t now_ms,
                               shub_done_cb cb, void *ud);

/* --dry-run FILE: writes the BatchImportFindings bodies the export would
 * send for the current findings (one batch per line, JSON lines), grouped by
 * importing account, with shub_history().  Makes no calls and writes no
 * state; archiving needs GetFindings, so it is not part of a dry run.
 * Returns 0, AWS_ENOMEM or AWS_EIO; *batches (may be NULL) gets the number
 * of lines written. */
int shub_dry_run(FILE *out, const shub_opts *o,
                                const scanner_findings *f, int64_t now_ms,
                                size_t *batches);

/* --format asff: {"Findings":[...]} as the import would send them now:
 * shub_history() for CreatedAt / FirstObservedAt, UpdatedAt from
 * shub_updated_ms() (the wall clock, never the --as-of instant).  Writes no
 * state. */
int shub_write_asff(FILE *out, const shub_opts *o, const scanner_findings *f,
                    int64_t now_ms);

#endif
