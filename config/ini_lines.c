/* certsweep — INI text fed to libinih one physical line at a time.
 *
 * The line number of each key is not taken from inih's handler: whether the
 * library passes one is a build option of the library that its installed
 * header does not reveal (Debian's libinih1 55 passes it, yet its ini.h says
 * INI_HANDLER_LINENO 0).  The handler is declared with the lineno parameter
 * to match the packaged library's calls; its value is never used, so a
 * library built without it is equally fine.
 */
#include "config/ini_lines.h"

#define INI_HANDLER_LINENO 1
#include <ini.h>
#include <stdlib.h>
#include <string.h>

struct feed {
    const char *text;
    size_t len, pos;
    int line;                   /* number of the line last handed to inih */
    int oom;
    config_ini_line_fn on_line;
    config_ini_key_fn on_key;
    void *ud;
};

static char *feed_line(char *str, int num, void *stream)
{
    struct feed *F = stream;
    if (F->pos >= F->len || num < 3)
        return NULL;
    const char *p = F->text + F->pos;
    const char *nl = memchr(p, '\n', F->len - F->pos);
    size_t n = nl ? (size_t)(nl - p) : F->len - F->pos;
    F->pos += n + (nl ? 1 : 0);
    F->line++;
    if (n > 0 && p[n - 1] == '\r')
        n--;
    size_t max = (size_t)num - 2;
    char *line = str, *heap = NULL;
    if (n > max) {              /* longer than inih's buffer: the owner sees it whole */
        if (!(heap = malloc(n + 1))) {
            F->oom = 1;
            return NULL;
        }
        line = heap;
    }
    memcpy(line, p, n);
    line[n] = '\0';
    config_ini_verdict v = F->on_line(F->ud, line, F->line, max);
    size_t m = strlen(line);
    if (v == CONFIG_INI_BLANK || m > max) {
        m = 0;
    } else if (line != str) {
        memmove(str, line, m);
    }
    str[m] = '\n';
    str[m + 1] = '\0';
    if (heap) {
        explicit_bzero(heap, n);        /* a long line may hold a secret */
        free(heap);
    }
    return str;
}

/* inih calls the handler for a line before it reads the next: the key's
 * line is the one the reader handed on last. */
static int feed_key(void *user, const char *section, const char *name, const char *value,
                    int lineno_unused)
{
    struct feed *F = user;
    (void)lineno_unused;
    return F->on_key(F->ud, section, name, value, F->line);
}

int config_ini_parse(const char *text, size_t len, config_ini_line_fn on_line,
                     config_ini_key_fn on_key, void *ud)
{
    struct feed F = { .text = text ? text : "", .len = text ? len : 0, .on_line = on_line,
                      .on_key = on_key, .ud = ud };
    int r = ini_parse_stream(feed_line, &F, feed_key, &F);
    return F.oom ? -2 : r;
}
