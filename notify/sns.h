/* certsweep — the organization digest through Amazon SNS (Publish).
 *
 * SNS takes at most 256 KB per message (attributes included) and a Subject
 * under 100 characters.  A longer digest is split into numbered parts
 * (cut between lines, never inside a UTF-8 character) whose messages,
 * joined in order, are the whole text; each part says "part N of M" in
 * its subject and in the message attributes part/parts, next to the
 * severity counts.
 */
#ifndef NOTIFY_SNS_H
#define NOTIFY_SNS_H

#include <stddef.h>

#include "aws/client.h"
#include "notify/mail.h"

#define NOTIFY_SNS_MAX_MESSAGE (256u * 1024)
/* The part size: room left for the attributes. */
#define NOTIFY_SNS_PART (NOTIFY_SNS_MAX_MESSAGE - 4096)
#define NOTIFY_SNS_MAX_SUBJECT 99

/* Splits text into parts of at most max bytes: *n_parts offsets (starts),
 * the last part ending at the text's end.  starts must hold
 * len / (max / 2) + 2 entries. */
size_t notify_sns_split(const char *text, size_t len, size_t max, size_t *starts);

/* subject cut to at most NOTIFY_SNS_MAX_SUBJECT bytes (UTF-8 safe), with
 * " (part N/M)" when parts > 1; printable ASCII only as SNS requires. */
void notify_sns_subject(const char *subject, size_t part, size_t parts, char *out, size_t n);

typedef void (*notify_sns_cb)(notify_outcome outcome, const char *reply, void *ud);

/* Publishes one message.  attributes: a JSON object of name -> number
 * (as string) or NULL.  cb runs once when 0 is returned. */
int notify_sns_publish(aws_client *client, aws_creds_provider *creds, const char *topic_arn,
                       const char *subject, const char *message, size_t len,
                       const char *attributes, notify_sns_cb cb, void *ud);

#endif
