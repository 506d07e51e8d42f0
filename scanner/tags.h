/* certsweep — an Organizations account's tags (ListTagsForResource).
 *
 * The one reader of account tags: the scan puts them on each finding of
 * the account, and the digests find an account's owners in one of them
 * ([email] owner_tag) when the config does not name them.  The call and
 * its answer's shape stay here, with discovery's other Organizations
 * calls, so that notify/ reads only tag values.
 */
#ifndef SCANNER_TAGS_H
#define SCANNER_TAGS_H

#include <stddef.h>

#include "aws/client.h"
#include "scanner/tagset.h"

/* ListTagsForResource answer -> its tags added to *tags, and the next
 * page token (new string or NULL).  0 or AWS_EPARSE / AWS_ENOMEM. */
int scanner_org_parse_tags(const char *body, size_t len, scanner_tags *tags, char **next);

/* tags: every tag of the account (err == 0); err != 0: the call failed
 * (code and message say why, tags NULL).  Valid during the call. */
typedef void (*scanner_tags_cb)(int err, const char *code, const char *message,
                                const scanner_tags *tags, void *ud);

/* Reads every tag of account `account` (all pages) with creds, paced in
 * the "organizations" lane.  cb runs exactly once when 0 is returned. */
int scanner_account_tags(aws_client *client, aws_creds_provider *creds, const char *region,
                         const char *account, scanner_tags_cb cb, void *ud);

#endif
