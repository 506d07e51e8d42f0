/* certsweep — one run: the scan, then its sinks, recorded in the state.
 *
 * The scan (scanner/) produces one result: findings, coverage gaps, stats
 * and the accounts it entered.  This room hands that result to the sinks
 * (the Security Hub export, later the notification channels) in order and
 * records the run in the state; the sinks never call back into the scan.
 */
#ifndef RUN_RUN_H
#define RUN_RUN_H

#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "scanner/finding.h"
#include "scanner/scan.h"
#include "scanner/suppress.h"
#include "notify/notify.h"
#include "securityhub/securityhub.h"
#include "state/state.h"

typedef struct run_opts {
    scanner_scan_opts scan;
    const char *state_dir;          /* NULL: no local state (no runs row, no import history) */
    int securityhub;                /* 1: import the findings into Security Hub */
    const char *shub_region;        /* home region of Security Hub; NULL/"": scan.home_region */
    shub_mode shub_mode;
    FILE *dry_run;                  /* non-NULL: write the batches here instead of importing
                                     * (whatever securityhub says); no Security Hub call */
    int64_t now;                    /* wall clock: UpdatedAt, runs; 0: time(NULL) */
    scanner_suppressions *suppressions; /* applied to the findings before any sink; may be NULL */
    int what_if;                    /* judged at another instant (--as-of): label, but
                                     * resolve nothing, record no labels, notify nobody,
                                     * and write to no outside system (Security Hub) */
    int what_if_writes;             /* --what-if-writes: a what-if run writes to the
                                     * outside systems all the same */
    notify_when notify;             /* --notify always / --no-notify */
    const char *notify_dry_run;     /* non-NULL: write the messages into this directory */
} run_opts;

typedef struct run_summary {
    int exported;                   /* the Security Hub export ran to its end */
    int what_if_skipped;            /* Security Hub was asked for, but not written: what-if */
    size_t export_problems;         /* Security Hub not enabled, calls that failed, findings
                                     * refused (each logged): exit CLI_EXIT_DELIVERY */
    size_t kept_elsewhere;          /* findings another mode imported that stay ACTIVE */
    size_t imported, archived, failed, skipped, batches, max_batch;
    size_t dry_run_batches;
    int64_t run_id;                 /* row in the runs table; 0: not recorded */
    int labelled;                   /* findings carry labels (the state was read) */
    size_t unverified;              /* open before, absent now, not resolvable (not read in full) */
    size_t suppressed;              /* findings a suppression matched */
    int notified;                   /* the notification sinks ran */
    notify_result notify;           /* the digests (e-mail, SNS) */
    notify_result tickets;          /* the [webhook NAME] channels */
} run_summary;

/* Opens the state (a failure is a warning: the run goes on without it),
 * records the run's start, runs the scan, labels its findings against the
 * state's open findings (scanner/resolve.h: new, escalated, unchanged, and
 * the resolved list in out->resolved), then either writes the dry run or
 * exports to Security Hub and waits for it, sends the tickets (not in a
 * what-if run unless what_if_writes: one gate for every outside system;
 * sum->tickets), records the run's end with its counts, records the labels
 * (not in a what-if run) and closes the state.  Security Hub's problems
 * (not enabled, calls that failed, findings refused) are logged and counted
 * in sum->export_problems; they are not coverage gaps of the scan.  res
 * (initialised by the caller) and sum (may be NULL) are filled.  Returns 0 when the scan ran
 * (gaps possible), or a negative error with a one-line reason in err when
 * the scan could not run or the dry run could not be written.  When the
 * client was canceled (aws_client_cancel: an interrupted run) it returns
 * AWS_ECANCELED, labels, exports and writes nothing, and records the run
 * as "interrupted". */
int run_execute(const run_opts *o, scanner_findings *out, scanner_stats *st,
                scanner_scan_result *res, run_summary *sum,
                char *err, size_t errlen);

#endif
