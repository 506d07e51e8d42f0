/* certsweep test helper: signs the requests described by a JSON array on
 * stdin with aws_sigv4_sign and prints a JSON array with, per case, the
 * Authorization header and the canonical request.  Driven by
 * sigv4_oracle.py, which compares the output with botocore.
 *
 * Input case: {"method", "url", "headers": [[name, value], ...],
 *              "body_hex", "service", "region", "now", "akid", "secret",
 *              "token" (or null), "flags"}
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/creds.h"
#include "aws/headers.h"
#include "aws/sigv4.h"

static const char *str(json_object *o, const char *k)
{
    json_object *v;
    if (json_object_object_get_ex(o, k, &v) && json_object_is_type(v, json_type_string))
        return json_object_get_string(v);
    return NULL;
}

static int hexval(char c)
{
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

static unsigned char *unhex(const char *s, size_t *n)
{
    size_t len = s ? strlen(s) : 0;
    unsigned char *out = malloc(len / 2 + 1);
    if (!out)
        return NULL;
    for (size_t i = 0; i + 1 < len; i += 2)
        out[i / 2] = (unsigned char)(hexval(s[i]) * 16 + hexval(s[i + 1]));
    *n = len / 2;
    return out;
}

static json_object *sign_one(json_object *c)
{
    json_object *res = json_object_new_object();
    json_object *hs = NULL, *v = NULL;
    aws_headers h;
    aws_headers_init(&h);
    if (json_object_object_get_ex(c, "headers", &hs)) {
        for (size_t i = 0; i < json_object_array_length(hs); i++) {
            json_object *pair = json_object_array_get_idx(hs, i);
            aws_headers_add(&h, json_object_get_string(json_object_array_get_idx(pair, 0)),
                            json_object_get_string(json_object_array_get_idx(pair, 1)));
        }
    }
    size_t body_len = 0;
    unsigned char *body = unhex(str(c, "body_hex"), &body_len);
    aws_sigv4_request req = {
        .method = str(c, "method"),
        .url = str(c, "url"),
        .headers = &h,
        .body = body,
        .body_len = body_len,
        .service = str(c, "service"),
        .region = str(c, "region"),
        .now = json_object_object_get_ex(c, "now", &v) ? (time_t)json_object_get_int64(v) : 0,
        .flags = json_object_object_get_ex(c, "flags", &v) ? (unsigned)json_object_get_int(v) : 0,
    };
    aws_creds *cr = aws_creds_new(str(c, "akid"), str(c, "secret"), str(c, "token"), 0, "test");
    int rc = cr ? aws_sigv4_sign(&req, cr) : -1;
    json_object_object_add(res, "rc", json_object_new_int(rc));
    const char *authz = aws_headers_get(&h, "Authorization");
    json_object_object_add(res, "authz", json_object_new_string(authz ? authz : ""));
    aws_buf creq, sh;
    aws_buf_init(&creq, 1 << 20);
    aws_buf_init(&sh, 1 << 20);
    if (aws_sigv4_canonical_request(&req, &creq, &sh) == 0)
        json_object_object_add(res, "creq", json_object_new_string(creq.data ? creq.data : ""));
    aws_buf_finish(&creq);
    aws_buf_finish(&sh);
    aws_creds_unref(cr);
    aws_headers_finish(&h);
    free(body);
    return res;
}

int main(void)
{
    aws_buf in;
    aws_buf_init(&in, 256u << 20);
    char chunk[65536];
    size_t n;
    while ((n = fread(chunk, 1, sizeof(chunk), stdin)) > 0)
        if (aws_buf_append(&in, chunk, n) != 0) {
            fprintf(stderr, "sigv4_tool: input too large\n");
            return 2;
        }
    json_object *cases = json_tokener_parse(in.data ? in.data : "");
    aws_buf_finish(&in);
    if (!cases || !json_object_is_type(cases, json_type_array)) {
        fprintf(stderr, "sigv4_tool: expected a JSON array on stdin\n");
        json_object_put(cases);
        return 2;
    }
    json_object *out = json_object_new_array();
    for (size_t i = 0; i < json_object_array_length(cases); i++)
        json_object_array_add(out, sign_one(json_object_array_get_idx(cases, i)));
    fputs(json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN), stdout);
    fputc('\n', stdout);
    json_object_put(out);
    json_object_put(cases);
    return 0;
}
