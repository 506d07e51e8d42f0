#include "aws/log.h"

#include <stdarg.h>

static int s_level = AWS_LOG_WARN;
static FILE *s_stream;
static void (*s_hook)(void *);
static void *s_hook_ud;

void aws_log_set_level(int level) { s_level = level; }
int aws_log_get_level(void) { return s_level; }
void aws_log_set_stream(FILE *f) { s_stream = f; }

void aws_log_set_hook(void (*before_line)(void *), void *ud)
{
    s_hook = before_line;
    s_hook_ud = ud;
}

void aws_log(int level, const char *fmt, ...)
{
    static const char *names[] = { "error", "warning", "info", "debug" };
    if (level > s_level)
        return;
    FILE *f = s_stream ? s_stream : stderr;
    if (s_hook)
        s_hook(s_hook_ud);
    if (level < 0)
        level = 0;
    if (level > AWS_LOG_DEBUG)
        level = AWS_LOG_DEBUG;
    fprintf(f, "certsweep: %s: ", names[level]);
    va_list ap;
    va_start(ap, fmt);
    vfprintf(f, fmt, ap);
    va_end(ap);
    fputc('\n', f);
    fflush(f);
}
