/* certsweep — the four AWS wire styles certsweep speaks, and their error
 * shapes.
 *
 *   AWS_PROTO_JSON       POST /, X-Amz-Target, application/x-amz-json-1.x
 *                        (ACM, Organizations)
 *   AWS_PROTO_REST_JSON  method + path + query, JSON bodies
 *                        (API Gateway v1/v2, Security Hub)
 *   AWS_PROTO_QUERY      POST / form body Action=..&Version=.., XML answers
 *                        wrapped in <OpResponse><OpResult> (STS, IAM, SNS,
 *                        CloudWatch)
 *   AWS_PROTO_EC2        like query; XML answers without the Result wrapper,
 *                        errors as <Response><Errors><Error>
 */
#ifndef AWS_PROTO_H
#define AWS_PROTO_H

#include <stddef.h>

#include "aws/buf.h"
#include "aws/headers.h"

typedef enum aws_proto {
    AWS_PROTO_JSON = 0,
    AWS_PROTO_REST_JSON,
    AWS_PROTO_QUERY,
    AWS_PROTO_EC2,
} aws_proto;

/* ---- errors ------------------------------------------------------------- */

/* Decodes the AWS error code and message of a non-2xx answer: `__type` (with
 * any "namespace#" prefix removed), X-Amzn-ErrorType (any ":..." suffix
 * removed), `code`, `message`/`Message`, <Error><Code>/<Message>.  When the
 * body names no code, code is derived from the status ("HTTP 503").
 * Always fills both strings (NUL-terminated, truncated to their size). */
void aws_error_decode(aws_proto proto, long status, const aws_headers *headers,
                      const char *body, size_t len,
                      char *code, size_t code_len, char *msg, size_t msg_len);

/* ---- query / ec2 form bodies -------------------------------------------- */

/* Appends "&key=value" (no '&' when b is empty), both percent-encoded as
 * the query protocol requires. */
int aws_query_add(aws_buf *b, const char *key, const char *value);

/* ---- XML (expat underneath) --------------------------------------------- */

typedef struct aws_xml_node {
    char *name;                     /* local name, namespace prefix dropped */
    char *text;                     /* concatenated character data, trimmed; "" when none */
    struct aws_xml_node *children;  /* first child */
    struct aws_xml_node *next;      /* next sibling */
} aws_xml_node;

/* Parses a whole document.  Depth and size are capped; on error returns
 * AWS_EPARSE and *out is NULL. */
int aws_xml_parse(const char *data, size_t len, aws_xml_node **out);
void aws_xml_free(aws_xml_node *n);                       /* accepts NULL */
const aws_xml_node *aws_xml_child(const aws_xml_node *n, const char *name);
/* "AssumeRoleResult/Credentials/AccessKeyId", relative to n (n itself is
 * not matched against the first component). */
const aws_xml_node *aws_xml_path(const aws_xml_node *n, const char *path);
/* Text at path, or NULL when absent. */
const char *aws_xml_text(const aws_xml_node *n, const char *path);

#endif
