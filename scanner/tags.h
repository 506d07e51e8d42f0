/* certsweep — an Organizations account tag (ListTagsForResource).
 *
 * The digests find an account's owners in a tag ([email] owner_tag) when
 * the config does not name them; the call and its answer's shape stay
 * here, with discovery's other Organizations calls, so that notify/ reads
 * only the tag's value.
 */
#ifndef SCANNER_TAGS_H
#define SCANNER_TAGS_H

#include <stddef.h>

#include "aws/client.h"

/* ListTagsForResource answer -> the value of tag `key` (new string, NULL
 * when absent) and the next page token (new string or NULL).  0 or
 * AWS_EPARSE / AWS_ENOMEM. */
int scanner_org_parse_tag(const char *body, size_t len, const char *key, char **value,
                          char **next);

/* value: the tag's value (NULL: the account has no such tag); err != 0:
 * the call failed (code and message say why).  Valid during the call. */
typedef void (*scanner_tag_cb)(int err, const char *code, const char *message,
                               const char *value, void *ud);

/* Reads tag `key` of account `account` (all pages) with creds.  cb runs
 * exactly once when 0 is returned. */
int scanner_account_tag(aws_client *client, aws_creds_provider *creds, const char *region,
                        const char *account, const char *key, scanner_tag_cb cb, void *ud);

#endif
