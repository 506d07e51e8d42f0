/* certsweep — logging.
 *
 * One line per message on stderr: "certsweep: LEVEL: message".  When the
 * stream is the systemd journal ($JOURNAL_STREAM names its device and
 * inode) each line starts with its syslog priority, "<3>" error, "<4>"
 * warning, "<6>" info, "<7>" debug, so that the journal shows levels.  Nothing that
 * is a secret (secret keys, session tokens, passwords, webhook tokens) is
 * ever passed to these functions; callers log key ids at most.
 */
#ifndef AWS_LOG_H
#define AWS_LOG_H

#include <stdio.h>

enum aws_log_level {
    AWS_LOG_ERROR = 0,
    AWS_LOG_WARN  = 1,
    AWS_LOG_INFO  = 2,   /* shown with -v */
    AWS_LOG_DEBUG = 3,   /* shown with -vv */
};

void aws_log_set_level(int level);
int  aws_log_get_level(void);
/* Where log lines go (default stderr).  Used by tests. */
void aws_log_set_stream(FILE *f);
/* Called before each log line is written, e.g. to clear a progress line. */
/* 1: prefix every line with its syslog priority; 0: never; -1 (default):
 * when the stream is the journal (decided at the next line). */
void aws_log_set_syslog_prefix(int on);
/* 1 when f is the stream $JOURNAL_STREAM names ("DEVICE:INODE"). */
int aws_log_is_journal(FILE *f);
void aws_log_set_hook(void (*before_line)(void *), void *ud);

void aws_log(int level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#define aws_log_error(...) aws_log(AWS_LOG_ERROR, __VA_ARGS__)
#define aws_log_warn(...)  aws_log(AWS_LOG_WARN, __VA_ARGS__)
#define aws_log_info(...)  aws_log(AWS_LOG_INFO, __VA_ARGS__)
#define aws_log_debug(...) aws_log(AWS_LOG_DEBUG, __VA_ARGS__)

#endif
