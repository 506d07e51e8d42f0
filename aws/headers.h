/* certsweep — an ordered list of HTTP headers (names compared
 * case-insensitively). */
#ifndef AWS_HEADERS_H
#define AWS_HEADERS_H

#include <stddef.h>

typedef struct aws_header {
    char *name;
    char *value;
} aws_header;

typedef struct aws_headers {
    aws_header *v;
    size_t n, cap;
} aws_headers;

void aws_headers_init(aws_headers *h);
/* Appends a copy; does not replace an existing header of the same name. */
int  aws_headers_add(aws_headers *h, const char *name, const char *value);
/* Replaces the first header of that name (or appends). */
int  aws_headers_set(aws_headers *h, const char *name, const char *value);
const char *aws_headers_get(const aws_headers *h, const char *name);
void aws_headers_remove(aws_headers *h, const char *name);
/* Frees everything; values are wiped first (they may hold tokens). */
void aws_headers_finish(aws_headers *h);

#endif
