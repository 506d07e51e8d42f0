#include "aws/log.h"

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/secret.h"
#include "aws/text.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>

/* Bytes of one shown log line (cut with an ellipsis beyond). */
#define LOG_LINE_MAX (16 * 1024)

static int s_level = AWS_LOG_WARN;
static int s_syslog_forced = -1;   /* aws_log_set_syslog_prefix; -1: detect */
static int s_journal = -1;         /* is the stream the journal; -1: not checked yet */
static FILE *s_stream;
static void (*s_hook)(void *);
static void *s_hook_ud;

void aws_log_set_level(int level) { s_level = level; }
int aws_log_get_level(void) { return s_level; }
void aws_log_set_stream(FILE *f)
{
    s_stream = f;
    s_journal = -1;             /* another stream: check again */
}

void aws_log_set_hook(void (*before_line)(void *), void *ud)
{
    s_hook = before_line;
    s_hook_ud = ud;
}

void aws_log_set_syslog_prefix(int on) { s_syslog_forced = on < 0 ? -1 : on != 0; }

int aws_log_is_journal(FILE *f)
{
    const char *js = getenv("JOURNAL_STREAM");
    unsigned long long dev, ino;
    char tail;
    struct stat st;
    if (!js || sscanf(js, "%llu:%llu%c", &dev, &ino, &tail) != 2)
        return 0;
    if (fstat(fileno(f), &st) != 0)
        return 0;
    return (unsigned long long)st.st_dev == dev && (unsigned long long)st.st_ino == ino;
}

void aws_log(int level, const char *fmt, ...)
{
    static const char *names[] = { "error", "warning", "info", "debug" };
    static const int priority[] = { 3, 4, 6, 7 };   /* LOG_ERR, LOG_WARNING, LOG_INFO, LOG_DEBUG */
    if (level > s_level)
        return;
    FILE *f = s_stream ? s_stream : stderr;
    if (s_hook)
        s_hook(s_hook_ud);
    if (level < 0)
        level = 0;
    if (level > AWS_LOG_DEBUG)
        level = AWS_LOG_DEBUG;
    /* The whole line first: a registered secret that a server echoed
     * (an error message quoting request headers) never reaches it.  Then
     * the one display sanitiser: log lines quote remote text (names,
     * messages), and each stays a single line that cannot steer the
     * terminal, cut with an ellipsis past LOG_LINE_MAX bytes. */
    char stack[1024], *line = stack, *heap = NULL;
    va_list ap, ap2;
    va_start(ap, fmt);
    va_copy(ap2, ap);
    int n = vsnprintf(stack, sizeof(stack), fmt, ap);
    va_end(ap);
    if (n >= (int)sizeof(stack) && (heap = malloc((size_t)n + 1)) != NULL) {
        vsnprintf(heap, (size_t)n + 1, fmt, ap2);
        line = heap;
    }
    va_end(ap2);
    if (n < 0)
        snprintf(stack, sizeof(stack), "(unprintable log line)");
    char *clean = aws_secret_redact(line);
    aws_buf shown;
    aws_buf_init(&shown, LOG_LINE_MAX);
    int rc = clean ? aws_text_show(&shown, clean, LOG_LINE_MAX) : AWS_ENOMEM;
    if (s_syslog_forced < 0 && s_journal < 0)
        s_journal = aws_log_is_journal(f);
    if (s_syslog_forced >= 0 ? s_syslog_forced : s_journal)
        fprintf(f, "<%d>", priority[level]);
    fprintf(f, "certsweep: %s: %s\n", names[level],
            rc == 0 ? (shown.data ? shown.data : "")
            : clean ? "(log line dropped: out of memory while showing it)"
                    : "(log line dropped: out of memory while removing secrets)");
    fflush(f);
    aws_buf_finish(&shown);
    free(clean);
    free(heap);
}
