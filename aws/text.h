/* certsweep — remote text: UTF-8 validation and repair, and the one
 * sanitiser for everything shown to a person.
 *
 * Text from AWS (names, ARNs, messages) is whatever a server sent.  Two
 * rules follow from that:
 *  - on input, invalid UTF-8 is replaced (each maximal invalid sequence by
 *    U+FFFD), so every report, ASFF document and request built from it is
 *    valid UTF-8 (aws_utf8_repair);
 *  - on a terminal or in a log line, nothing remote may steer the display:
 *    aws_text_show() is the single place that decides how a string is
 *    shown (the table, warnings, every log line).
 */
#ifndef AWS_TEXT_H
#define AWS_TEXT_H

#include <stddef.h>
#include <stdint.h>

#include "aws/buf.h"

/* "…" (U+2026), the mark of a cut. */
#define AWS_TEXT_ELLIPSIS "\xe2\x80\xa6"

/* 1 when s[0..n) is well-formed UTF-8 (RFC 3629: no overlong forms, no
 * surrogates, nothing above U+10FFFF). */
int aws_utf8_valid(const char *s, size_t n);

/* Length (1..4) of the well-formed character at s[0..n) and its code point
 * in *cp; 0 when s does not start with one (n == 0 included). */
size_t aws_utf8_char(const char *s, size_t n, uint32_t *cp);

/* A NUL-terminated copy of s[0..n) in which every invalid byte sequence is
 * replaced by U+FFFD; *outlen (may be NULL) gets its length.  NULL when out
 * of memory.  Caller frees. */
char *aws_utf8_repair(const char *s, size_t n, size_t *outlen);

/* 1 when the code point is shown escaped by aws_text_show: C1 controls
 * (U+0080..U+009F) and the bidirectional formatting characters (U+061C,
 * U+200E, U+200F, U+202A..U+202E, U+2066..U+2069) and the line and
 * paragraph separators U+2028, U+2029. */
int aws_text_escaped(uint32_t cp);

/* Appends s to b as it may be shown to a person, on one line: invalid
 * UTF-8 becomes U+FFFD, C0 controls and DEL become '?', the characters of
 * aws_text_escaped() become "\u202e" (lowercase hex, 4 digits).  At most
 * max bytes are appended (max >= 4; less is taken as 4): a longer result
 * is cut on a character boundary and ends with "…".  NULL s is "".
 * Returns 0 or the aws_buf error (b unchanged then). */
int aws_text_show(aws_buf *b, const char *s, size_t max);

/* The same into out[0..n) (n >= 5; always NUL-terminated unless n == 0),
 * at most n - 1 bytes.  Returns out. */
char *aws_text_show_buf(const char *s, char *out, size_t n);

/* Appends s to b cut to at most max bytes (max >= 4), on a character
 * boundary, ending with "…" when cut; nothing else is changed (a
 * multi-line text keeps its lines).  For long remote fields written into
 * titles and details. */
int aws_text_cut(aws_buf *b, const char *s, size_t max);

/* The same into out[0..n) (n >= 5).  Returns out. */
char *aws_text_cut_buf(const char *s, char *out, size_t n);

#endif
