/* certsweep — INI text fed to libinih one physical line at a time.
 *
 * inih reads through a reader callback and calls its handler for a line
 * before it reads the next, so a reader that numbers the lines knows the
 * line of every key the handler sees.  Both INI files of certsweep (the
 * configuration, config.c; the suppressions, scanner/suppress.c) are read
 * through this one reader: it splits the text into physical lines, numbers
 * them from 1, drops the CR of a CRLF, and shows each line to its owner
 * before inih sees it.  The owner may shorten the line in place (a long
 * "key = value" handed on as "key=", its value kept aside), or have inih
 * see an empty line instead (a line it has reported).
 */
#ifndef CONFIG_INI_LINES_H
#define CONFIG_INI_LINES_H

#include <stddef.h>

typedef enum config_ini_verdict {
    CONFIG_INI_PASS,      /* hand the (possibly shortened) line to inih */
    CONFIG_INI_BLANK,     /* hand inih an empty line instead */
} config_ini_verdict;

/* One physical line, NUL-terminated, without its newline; it may be
 * rewritten in place, no longer than it is.  max is the longest line inih
 * takes (its buffer less newline and NUL): a line still longer than max
 * when passed is handed on as an empty line, so the owner reports it. */
typedef config_ini_verdict (*config_ini_line_fn)(void *ud, char *line, int lineno, size_t max);

/* inih's handler, with the physical line of the key. */
typedef int (*config_ini_key_fn)(void *ud, const char *section, const char *name,
                                 const char *value, int lineno);

/* Parses text[0..len) with inih.  Returns 0, the first line inih could
 * not parse or whose handler returned 0 (> 0), or -2: out of memory. */
int config_ini_parse(const char *text, size_t len, config_ini_line_fn on_line,
                     config_ini_key_fn on_key, void *ud);

#endif
