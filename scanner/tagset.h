/* certsweep — a resource's or an account's tags (key, value pairs).
 *
 * Keys may hold '=' (AWS allows it), so a pair is two strings, never
 * "key=value".  One type for every tag source: records (API Gateway list
 * answers), findings (ACM ListTagsForCertificate, IAM
 * ListServerCertificateTags, Organizations ListTagsForResource) and the
 * report reader.
 */
#ifndef SCANNER_TAGSET_H
#define SCANNER_TAGSET_H

#include <stddef.h>

#include <json-c/json.h>

/* Most tags kept per resource or account: AWS allows 50 user tags per
 * resource; anything past this is dropped (counted in `dropped`). */
#define SCANNER_TAGS_MAX 64

typedef struct scanner_tags {
    char **k, **v;
    size_t n;
    size_t dropped;                 /* pairs past SCANNER_TAGS_MAX */
} scanner_tags;

void scanner_tags_init(scanner_tags *t);
void scanner_tags_finish(scanner_tags *t);                  /* accepts NULL */
/* Appends a copy of (key, value); a key already there gets the new value.
 * value NULL is "".  0 or AWS_ENOMEM / AWS_EINVAL (key NULL or ""). */
int  scanner_tags_add(scanner_tags *t, const char *key, const char *value);
/* dst (initialised) becomes a copy of src. */
int  scanner_tags_copy(scanner_tags *dst, const scanner_tags *src);
/* The value of key; NULL when absent. */
const char *scanner_tags_get(const scanner_tags *t, const char *key);
/* {"key": "value", ...} (a new object; NULL on ENOMEM). */
json_object *scanner_tags_json(const scanner_tags *t);
/* Adds the string members of a {"key": "value"} object (others ignored);
 * o may be NULL or not an object (nothing added). */
int  scanner_tags_from_json(scanner_tags *t, json_object *o);
/* Adds the pairs of an AWS [{"Key": k, "Value": v}, ...] list (items
 * without a string Key are ignored).  list may be NULL. */
int  scanner_tags_from_list(scanner_tags *t, json_object *list);
/* One cell: "k=v;k2=v2" in key order as added, with '\\', ';' and '='
 * escaped by a backslash ("a\=b=c\;d").  A new string (NULL on ENOMEM);
 * "" when there are no tags. */
char *scanner_tags_text(const scanner_tags *t);

#endif
