/* certsweep — notification channels (design; not built yet).
 *
 * notify/ turns findings into consolidated digests (SNS, SMTP through
 * libesmtp: one organization digest and one digest per account) and tickets
 * (generic webhook, Jira, ServiceNow, PagerDuty).  It reads findings only
 * (scanner/finding.h), never AWS response shapes, and it is built when the
 * notification issue is filed.  The shape it will have, so that the scan and
 * the state store are ready for it today:
 *
 *  - A channel is a vtable { name, deliver(delivery, cb) } driven by the
 *    same libuv loop and aws_http transport as the scan; SNS goes through
 *    aws_client (query protocol).
 *  - Dedup: a ticket's key is the finding id (scanner_finding.id, stable
 *    across runs); a digest's key is (channel, account or "org", run id).
 *  - Nothing is lost when a channel is down: every delivery is written to the
 *    state database's outbox (state/) in a transaction BEFORE it is sent, and
 *    removed only when the channel acknowledged it; failed deliveries are
 *    retried with backoff on the next run.
 *  - Secrets of channels (SMTP passwords, webhook tokens) come from files or
 *    environment variables named in the config, are wiped on free and never
 *    logged.
 */
#ifndef NOTIFY_NOTIFY_H
#define NOTIFY_NOTIFY_H
#endif
