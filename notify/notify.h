/* certsweep — notification fan-out: digests and tickets.
 *
 * notify/ is a sink of the run result (run/run.h hands it over after the
 * Security Hub export): it reads labelled findings (scanner/finding.h:
 * label NEW / ESCALATED / UNCHANGED, the resolved list decided by
 * scanner/resolve.h), the coverage gaps and the scanned accounts, never AWS
 * response shapes.  Two families share this interface:
 *
 *  - digests (notify/digest*.c, smtp.c, sns.c): one organization digest and
 *    one digest per account with owners, through SMTP (libesmtp, on libuv's
 *    thread pool) and SNS (aws_client, query protocol);
 *  - tickets (notify/tickets.c, webhook*.c): one ticket per problem in
 *    generic webhooks, Jira, ServiceNow and PagerDuty, updated as it changes
 *    and resolved when the finding resolves.
 *
 * Reliability: intent is written to the state (state/) before anything is
 * sent, and a delivery is marked done only when the receiver acknowledged
 * it; what failed waits for the next run or `certsweep notify --retry`.  A
 * channel's failure never stops another channel.  Secrets of channels
 * (SMTP passwords, webhook tokens, routing keys) come from files or the
 * environment, are registered with the log redaction, wiped on free and
 * never logged.
 *
 * A what-if run (--as-of) never reaches notify: run/ does not call it.
 */
#ifndef NOTIFY_NOTIFY_H
#define NOTIFY_NOTIFY_H

#include <stddef.h>
#include <stdint.h>
#include <uv.h>

#include "aws/client.h"
#include "config/config.h"
#include "scanner/finding.h"
#include "scanner/scan.h"
#include "state/state.h"

/* When to send a digest. */
typedef enum notify_when {
    NOTIFY_AUTO = 0,                /* something new, escalated or resolved, or repeat_days passed */
    NOTIFY_ALWAYS,                  /* --notify always */
    NOTIFY_NEVER,                   /* --no-notify */
} notify_when;

/* What one run hands to the channels (all borrowed for the call). */
typedef struct notify_run {
    uv_loop_t *loop;
    aws_client *client;             /* SNS and any AWS call */
    aws_creds_provider *caller;     /* the scanning identity */
    const config *cfg;
    state_db *state;                /* NULL: no state (then nothing is sent: no dedup possible) */
    const scanner_findings *findings;   /* labelled findings, resolved list, gaps */
    const scanner_scanned_accounts *accounts;
    const char *home_region;
    int64_t now;
    int64_t run_id;
    notify_when when;
    const char *dry_run_dir;        /* non-NULL: write every message into this directory, send nothing */
} notify_run;

/* What the channels did; every count is over all channels of a family. */
typedef struct notify_result {
    size_t sent;                    /* deliveries acknowledged by their receiver */
    size_t skipped;                 /* nothing to say (no change, below min_severity, ...) */
    size_t pending;                 /* failed now, kept for a retry */
    size_t failed;                  /* refused for good (a 4xx a retry cannot fix): kept for a person */
    size_t written;                 /* dry run: files written */
} notify_result;

void notify_result_add(notify_result *into, const notify_result *r);

/* The digests of one run (organization and per account) through every
 * configured digest channel.  Runs on r->loop until done.  Returns 0 (see
 * res for what failed) or a negative error when nothing could start. */
int notify_digests(const notify_run *r, notify_result *res);

/* Delivers what waits in the outbox now (`certsweep notify --retry`: the
 * backoff is not waited for; rows refused for good stay as they are). */
int notify_retry(const notify_run *r, notify_result *res);

/* The tickets of one run through every configured [webhook NAME] channel.
 * Same conventions. */
int notify_tickets(const notify_run *r, notify_result *res);

/* Sends the ticket events and webhook digests that wait in the state
 * (`certsweep notify --retry`): nothing new is planned (r->findings is not
 * read), the backoff is not waited for, and events held after a refusal
 * are tried again too (a person fixed the cause and asks now). */
int notify_tickets_retry(const notify_run *r, notify_result *res);

#endif
