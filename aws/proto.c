/* certsweep — AWS wire formats: error shapes, query form bodies, XML tree.
 *
 * Error decoding follows botocore's parsers (botocore/parsers.py):
 *   JSON       __type, "namespace#Code" -> "Code"; message / Message
 *   REST-JSON  X-Amzn-ErrorType "Code:http://..." -> "Code" (wins over the
 *              body), else body code / Code / __type; message / Message
 *   query      <ErrorResponse><Error><Code>..</Code><Message>..</Message>
 *   EC2        <Response><Errors><Error><Code>..</Code><Message>..
 * The body is sniffed rather than trusted to match the protocol: a proxy or
 * load balancer may answer a JSON service with HTML, and some services
 * answer errors in the other style.
 */
#include "aws/proto.h"
#include "aws/error.h"

#include <expat.h>
#include <json-c/json.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define XML_MAX_DEPTH  64
#define XML_MAX_NODES  1000000u
#define XML_MAX_TEXT   (64u << 20)

/* ---- small string helpers ---------------------------------------------- */

/* Copies s[0..n) into dst as one line: control characters become spaces,
 * runs of spaces collapse, leading/trailing spaces go, and a truncated
 * UTF-8 sequence at the cut is dropped. */
static void put_line(char *dst, size_t cap, const char *s, size_t n)
{
    if (!dst || cap == 0)
        return;
    size_t o = 0;
    int space = 0;
    for (size_t i = 0; i < n; i++) {
        unsigned char c = (unsigned char)s[i];
        if (c == 0) {
            /* a NUL inside a JSON string (\u0000): shown, never a cut */
            static const char nul[] = "\\u0000";
            if (space && o + 1 < cap)
                dst[o++] = ' ';
            space = 0;
            if (o + sizeof(nul) > cap)
                break;
            memcpy(dst + o, nul, sizeof(nul) - 1);
            o += sizeof(nul) - 1;
            continue;
        }
        if (c < 0x20 || c == 0x7f || c == ' ') {
            space = o > 0;
            continue;
        }
        if (space) {
            if (o + 1 >= cap)
                break;
            dst[o++] = ' ';
            space = 0;
        }
        if (o + 1 >= cap)
            break;
        dst[o++] = (char)c;
    }
    /* Do not leave half a UTF-8 character behind. */
    size_t k = o;
    while (k > 0 && ((unsigned char)dst[k - 1] & 0xC0) == 0x80)
        k--;
    if (k > 0 && ((unsigned char)dst[k - 1] & 0x80)) {
        unsigned char lead = (unsigned char)dst[k - 1];
        size_t want = (lead & 0xE0) == 0xC0 ? 2 : (lead & 0xF0) == 0xE0 ? 3 :
                      (lead & 0xF8) == 0xF0 ? 4 : 1;
        if (o - (k - 1) < want)
            o = k - 1;
    }
    dst[o] = '\0';
}

/* "aws.foo#Code:http://..." -> "Code" */
static void put_code(char *dst, size_t cap, const char *s)
{
    const char *h = strrchr(s, '#');
    if (h)
        s = h + 1;
    put_line(dst, cap, s, strcspn(s, ":"));
}

static const char *skip_ws(const char *s, size_t len, size_t *left)
{
    size_t i = 0;
    while (i < len && (s[i] == ' ' || s[i] == '\t' || s[i] == '\r' || s[i] == '\n'))
        i++;
    *left = len - i;
    return s + i;
}

/* ---- errors ---------------------------------------------------------------- */

/* A string member; *len (may be NULL) gets its whole length, which may
 * hold NULs (\u0000) that strlen would stop at. */
static const char *json_str_len(json_object *o, const char *key, size_t *len)
{
    json_object *v;
    if (json_object_object_get_ex(o, key, &v) && json_object_is_type(v, json_type_string)) {
        if (len)
            *len = (size_t)json_object_get_string_len(v);
        return json_object_get_string(v);
    }
    return NULL;
}

static const char *json_str(json_object *o, const char *key)
{
    return json_str_len(o, key, NULL);
}

static void decode_json(aws_proto proto, const char *body, size_t len, char *code,
                        size_t code_len, char *msg, size_t msg_len)
{
    if (len > INT_MAX)
        return;
    json_tokener *tok = json_tokener_new_ex(32);
    if (!tok)
        return;
    json_object *o = json_tokener_parse_ex(tok, body, (int)len);
    if (o && json_tokener_get_error(tok) == json_tokener_success &&
        json_object_is_type(o, json_type_object)) {
        /* botocore: awsJson reads __type; REST-JSON prefers code / Code and
         * falls back to __type. */
        const char *c = NULL;
        if (proto == AWS_PROTO_REST_JSON) {
            c = json_str(o, "code");
            if (!c)
                c = json_str(o, "Code");
        }
        if (!c)
            c = json_str(o, "__type");
        if (!c)
            c = json_str(o, "code");
        if (!c)
            c = json_str(o, "Code");
        if (c)
            put_code(code, code_len, c);
        size_t mlen = 0;
        const char *m = json_str_len(o, "message", &mlen);
        if (!m)
            m = json_str_len(o, "Message", &mlen);
        if (!m)
            m = json_str_len(o, "errorMessage", &mlen);
        if (m)
            put_line(msg, msg_len, m, mlen);
    }
    json_object_put(o);
    json_tokener_free(tok);
}

/* Depth-first search for an <Error> element that has a <Code>. */
static const aws_xml_node *find_error(const aws_xml_node *n, int depth)
{
    for (; n && depth < XML_MAX_DEPTH; n = n->next) {
        if (strcmp(n->name, "Error") == 0 && aws_xml_child(n, "Code"))
            return n;
        const aws_xml_node *e = find_error(n->children, depth + 1);
        if (e)
            return e;
    }
    return NULL;
}

static void decode_xml(const char *body, size_t len, char *code, size_t code_len,
                       char *msg, size_t msg_len)
{
    aws_xml_node *doc = NULL;
    if (aws_xml_parse(body, len, &doc) != 0)
        return;
    const aws_xml_node *e = find_error(doc, 0);
    if (e) {
        const char *c = aws_xml_text(e, "Code");
        const char *m = aws_xml_text(e, "Message");
        if (c && *c)
            put_code(code, code_len, c);
        if (m)
            put_line(msg, msg_len, m, strlen(m));
    }
    aws_xml_free(doc);
}

void aws_error_decode(aws_proto proto, long status, const aws_headers *headers,
                      const char *body, size_t len,
                      char *code, size_t code_len, char *msg, size_t msg_len)
{
    if (code && code_len)
        code[0] = '\0';
    if (msg && msg_len)
        msg[0] = '\0';
    if (!code || !code_len || !msg || !msg_len)
        return;
    size_t left = 0;
    const char *b = body ? skip_ws(body, len, &left) : "";
    if (left > 0 && b[0] == '{')
        decode_json(proto, b, left, code, code_len, msg, msg_len);
    else if (left > 0 && b[0] == '<')
        decode_xml(b, left, code, code_len, msg, msg_len);
    int from_body = code[0] || msg[0];
    const char *et = headers ? aws_headers_get(headers, "X-Amzn-ErrorType") : NULL;
    if (et && *et && (proto == AWS_PROTO_REST_JSON || !code[0]))
        put_code(code, code_len, et);
    if (!code[0])
        snprintf(code, code_len, "HTTP %ld", status);
    /* A body that named nothing (a proxy's HTML page, plain text): its
     * beginning, on one line, is the best message there is. */
    if (!from_body && left > 0)
        put_line(msg, msg_len, b, left < 200 ? left : 200);
}

/* ---- query bodies ---------------------------------------------------------- */

int aws_query_add(aws_buf *b, const char *key, const char *value)
{
    if (!b || !key || !*key)
        return AWS_EINVAL;
    if (!value)
        value = "";
    size_t mark = b->len;
    int rc = 0;
    if (b->len > 0)
        rc = aws_buf_putc(b, '&');
    if (rc == 0)
        rc = aws_buf_urlencode(b, key, strlen(key), 0);
    if (rc == 0)
        rc = aws_buf_putc(b, '=');
    if (rc == 0)
        rc = aws_buf_urlencode(b, value, strlen(value), 0);
    if (rc && b->data) {            /* all or nothing */
        b->len = mark;
        b->data[mark] = '\0';
    }
    return rc;
}

/* ---- XML -------------------------------------------------------------------- */

typedef struct frame {
    aws_xml_node *node;
    aws_xml_node *last;       /* last child, for O(1) appends */
    aws_buf text;
} frame;

typedef struct xml_ctx {
    XML_Parser p;
    aws_xml_node *root;
    frame stack[XML_MAX_DEPTH];
    int depth;
    size_t nodes;
    int err;
} xml_ctx;

static void fail(xml_ctx *x, int err)
{
    if (!x->err)
        x->err = err;
    XML_StopParser(x->p, XML_FALSE);
}

static void XMLCALL on_start(void *ud, const XML_Char *name, const XML_Char **atts)
{
    (void)atts;
    xml_ctx *x = ud;
    if (x->err)
        return;
    if (x->depth >= XML_MAX_DEPTH || ++x->nodes > XML_MAX_NODES ||
        (x->depth == 0 && x->root)) {
        fail(x, AWS_EPARSE);
        return;
    }
    const char *local = strrchr(name, ':');
    local = local ? local + 1 : name;
    aws_xml_node *n = calloc(1, sizeof(*n));
    if (!n || !(n->name = strdup(local))) {
        free(n);
        fail(x, AWS_ENOMEM);
        return;
    }
    if (x->depth == 0) {
        x->root = n;
    } else {
        frame *parent = &x->stack[x->depth - 1];
        if (parent->last)
            parent->last->next = n;
        else
            parent->node->children = n;
        parent->last = n;
    }
    frame *f = &x->stack[x->depth++];
    f->node = n;
    f->last = NULL;
    aws_buf_init(&f->text, XML_MAX_TEXT);
}

static int is_space(char c)
{
    return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

static void XMLCALL on_end(void *ud, const XML_Char *name)
{
    (void)name;
    xml_ctx *x = ud;
    if (x->err || x->depth == 0)
        return;
    frame *f = &x->stack[--x->depth];
    const char *s = f->text.data ? f->text.data : "";
    size_t n = f->text.len;
    while (n > 0 && is_space(*s)) {
        s++;
        n--;
    }
    while (n > 0 && is_space(s[n - 1]))
        n--;
    char *t = malloc(n + 1);
    if (!t) {
        aws_buf_finish(&f->text);
        fail(x, AWS_ENOMEM);
        return;
    }
    memcpy(t, s, n);
    t[n] = '\0';
    f->node->text = t;
    aws_buf_finish(&f->text);
}

static void XMLCALL on_text(void *ud, const XML_Char *s, int len)
{
    xml_ctx *x = ud;
    if (x->err || x->depth == 0 || len <= 0)
        return;
    int rc = aws_buf_append(&x->stack[x->depth - 1].text, s, (size_t)len);
    if (rc)
        fail(x, rc == AWS_ENOMEM ? AWS_ENOMEM : AWS_EPARSE);
}

/* AWS never sends a DTD; refusing one rules out entity tricks. */
static void XMLCALL on_doctype(void *ud, const XML_Char *name, const XML_Char *sysid,
                               const XML_Char *pubid, int has_internal)
{
    (void)name; (void)sysid; (void)pubid; (void)has_internal;
    fail(ud, AWS_EPARSE);
}

void aws_xml_free(aws_xml_node *n)
{
    while (n) {
        aws_xml_node *next = n->next;
        aws_xml_free(n->children);      /* depth is capped at 64 */
        free(n->name);
        free(n->text);
        free(n);
        n = next;
    }
}

int aws_xml_parse(const char *data, size_t len, aws_xml_node **out)
{
    if (!out)
        return AWS_EINVAL;
    *out = NULL;
    if (!data || len == 0)
        return AWS_EPARSE;
    xml_ctx x;
    memset(&x, 0, sizeof(x));
    x.p = XML_ParserCreate("UTF-8");
    if (!x.p)
        return AWS_ENOMEM;
    XML_SetUserData(x.p, &x);
    XML_SetElementHandler(x.p, on_start, on_end);
    XML_SetCharacterDataHandler(x.p, on_text);
    XML_SetStartDoctypeDeclHandler(x.p, on_doctype);
    int ok = 1;
    size_t off = 0;
    while (ok && off < len) {
        size_t chunk = len - off > (1u << 30) ? (1u << 30) : len - off;
        int final = off + chunk == len;
        ok = XML_Parse(x.p, data + off, (int)chunk, final) == XML_STATUS_OK;
        off += chunk;
    }
    XML_ParserFree(x.p);
    /* Frames left open after an error still own their text buffers. */
    for (int i = 0; i < x.depth; i++)
        aws_buf_finish(&x.stack[i].text);
    if (!ok || x.err || !x.root || x.depth != 0) {
        aws_xml_free(x.root);
        return x.err == AWS_ENOMEM ? AWS_ENOMEM : AWS_EPARSE;
    }
    *out = x.root;
    return 0;
}

const aws_xml_node *aws_xml_child(const aws_xml_node *n, const char *name)
{
    if (!n || !name)
        return NULL;
    for (const aws_xml_node *c = n->children; c; c = c->next)
        if (strcmp(c->name, name) == 0)
            return c;
    return NULL;
}

const aws_xml_node *aws_xml_path(const aws_xml_node *n, const char *path)
{
    if (!n || !path)
        return NULL;
    const char *p = path;
    while (n && *p) {
        size_t len = strcspn(p, "/");
        const aws_xml_node *found = NULL;
        for (const aws_xml_node *c = n->children; c; c = c->next)
            if (strlen(c->name) == len && strncmp(c->name, p, len) == 0) {
                found = c;
                break;
            }
        n = found;
        p += len;
        if (*p == '/')
            p++;
    }
    return n;
}

const char *aws_xml_text(const aws_xml_node *n, const char *path)
{
    const aws_xml_node *t = aws_xml_path(n, path ? path : "");
    return t ? (t->text ? t->text : "") : NULL;
}
