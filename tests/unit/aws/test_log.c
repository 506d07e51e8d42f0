/* Unit tests: aws/log.c — syslog priority prefixes under systemd. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "aws/log.h"

/* Logs one line of each level to a temporary file and returns its text. */
static char *log_all_levels(FILE *f)
{
    aws_log_set_stream(f);
    aws_log_set_level(AWS_LOG_DEBUG);
    aws_log_error("e %d", 1);
    aws_log_warn("w");
    aws_log_info("i");
    aws_log_debug("d");
    aws_log_set_stream(NULL);
    aws_log_set_level(AWS_LOG_WARN);
    long n = ftell(f);
    assert_true(n > 0);
    char *text = calloc(1, (size_t)n + 1);
    assert_non_null(text);
    rewind(f);
    assert_int_equal(fread(text, 1, (size_t)n, f), (size_t)n);
    return text;
}

static void set_journal_stream(FILE *f, int match)
{
    struct stat st;
    assert_int_equal(fstat(fileno(f), &st), 0);
    char v[64];
    snprintf(v, sizeof(v), "%llu:%llu", (unsigned long long)st.st_dev,
             (unsigned long long)st.st_ino + (match ? 0 : 1));
    assert_int_equal(setenv("JOURNAL_STREAM", v, 1), 0);
}

/* The stream JOURNAL_STREAM names: every line carries its priority. */
static void journal_lines_have_priorities(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    set_journal_stream(f, 1);
    assert_int_equal(aws_log_is_journal(f), 1);
    char *text = log_all_levels(f);
    assert_string_equal(text, "<3>certsweep: error: e 1\n"
                              "<4>certsweep: warning: w\n"
                              "<6>certsweep: info: i\n"
                              "<7>certsweep: debug: d\n");
    free(text);
    fclose(f);
    unsetenv("JOURNAL_STREAM");
}

/* Another stream (a terminal, a file, a pipe) gets no prefix, also when
 * JOURNAL_STREAM is set (inherited by a child whose stderr was redirected),
 * or malformed. */
static void other_streams_have_none(void **state)
{
    (void)state;
    const char *bad[] = { NULL, "", "12", "1:2:3", "x:y", "1:2x" };
    for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]) + 1; i++) {
        FILE *f = tmpfile();
        assert_non_null(f);
        if (i == sizeof(bad) / sizeof(bad[0]))
            set_journal_stream(f, 0);              /* a different inode */
        else if (bad[i])
            setenv("JOURNAL_STREAM", bad[i], 1);
        else
            unsetenv("JOURNAL_STREAM");
        assert_int_equal(aws_log_is_journal(f), 0);
        char *text = log_all_levels(f);
        assert_string_equal(text, "certsweep: error: e 1\ncertsweep: warning: w\n"
                                  "certsweep: info: i\ncertsweep: debug: d\n");
        free(text);
        fclose(f);
    }
    unsetenv("JOURNAL_STREAM");
}

/* Forced on or off, the environment does not matter. */
static void forced(void **state)
{
    (void)state;
    FILE *f = tmpfile();
    assert_non_null(f);
    unsetenv("JOURNAL_STREAM");
    aws_log_set_syslog_prefix(1);
    char *text = log_all_levels(f);
    assert_non_null(strstr(text, "<4>certsweep: warning: w\n"));
    free(text);
    fclose(f);

    f = tmpfile();
    assert_non_null(f);
    set_journal_stream(f, 1);
    aws_log_set_syslog_prefix(0);
    text = log_all_levels(f);
    assert_null(strchr(text, '<'));
    free(text);
    fclose(f);
    aws_log_set_syslog_prefix(-1);
    unsetenv("JOURNAL_STREAM");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(journal_lines_have_priorities),
        cmocka_unit_test(other_streams_have_none),
        cmocka_unit_test(forced),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
