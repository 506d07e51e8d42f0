/* certsweep — a small logic-less template engine (a subset of Mustache).
 *
 * The digests are rendered from templates that users may replace
 * ([notify] templates_dir), so their syntax is small and documented:
 *
 *   {{name}}              the value of name, HTML-escaped in an HTML template
 *   {{{name}}}            the value, never escaped
 *   {{#name}}...{{/name}} a list: the block once per item (the item's names
 *                         first, then the outer ones); a value: the block
 *                         once when it is not empty
 *   {{^name}}...{{/name}} the block when name is missing, empty or an empty list
 *   {{! comment }}        nothing
 *
 * A line holding only a section tag or a comment (and blanks) leaves no
 * blank line behind.  An unknown name renders as nothing; an unclosed or
 * crossed section is an error naming its line.  No Debian package offers a
 * C Mustache library, hence this one (about 300 lines).
 */
#ifndef NOTIFY_TEMPLATE_H
#define NOTIFY_TEMPLATE_H

#include <stddef.h>

#include "aws/buf.h"

typedef struct tpl_ctx tpl_ctx;

tpl_ctx *tpl_ctx_new(void);
void tpl_ctx_free(tpl_ctx *c);                 /* accepts NULL */
/* Sets name to a copy of value (NULL: ""); 0 or AWS_ENOMEM. */
int tpl_set(tpl_ctx *c, const char *name, const char *value);
int tpl_setf(tpl_ctx *c, const char *name, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));
/* Appends a new item to the list name (created empty when missing) and
 * returns it (owned by c); NULL when out of memory. */
tpl_ctx *tpl_add(tpl_ctx *c, const char *name);
/* Makes name an empty list when it is not set (for {{^name}}). */
int tpl_list(tpl_ctx *c, const char *name);

/* Renders tmpl (len bytes) with c into out.  html: escape {{name}} values
 * for HTML.  Returns 0, AWS_EPARSE (a one-line reason with the line number
 * in err) or AWS_ENOMEM / AWS_ETOOBIG. */
int tpl_render(const char *tmpl, size_t len, const tpl_ctx *c, int html, aws_buf *out,
               char *err, size_t errlen);

#endif
