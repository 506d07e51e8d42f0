/* Unit tests: aws/atomicfile.c (write to a temporary name, rename when
 * complete). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <dirent.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/atomicfile.h"
#include "aws/error.h"

static char s_dir[64];
static char s_path[128];

static int setup(void **state)
{
    (void)state;
    snprintf(s_dir, sizeof(s_dir), "/tmp/certsweep-atomic-XXXXXX");
    if (!mkdtemp(s_dir))
        return -1;
    snprintf(s_path, sizeof(s_path), "%s/report.json", s_dir);
    return 0;
}

static int teardown(void **state)
{
    (void)state;
    DIR *d = opendir(s_dir);
    struct dirent *e;
    char p[512];
    while (d && (e = readdir(d)) != NULL) {
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, "..")) {
            snprintf(p, sizeof(p), "%s/%s", s_dir, e->d_name);
            unlink(p);
        }
    }
    if (d)
        closedir(d);
    rmdir(s_dir);
    return 0;
}

static char *slurp(const char *path)
{
    FILE *f = fopen(path, "r");
    if (!f)
        return NULL;
    static char buf[256];
    size_t n = fread(buf, 1, sizeof(buf) - 1, f);
    buf[n] = '\0';
    fclose(f);
    return buf;
}

static size_t entries(void)
{
    size_t n = 0;
    DIR *d = opendir(s_dir);
    struct dirent *e;
    while (d && (e = readdir(d)) != NULL)
        if (strcmp(e->d_name, ".") && strcmp(e->d_name, ".."))
            n++;
    if (d)
        closedir(d);
    return n;
}

static void commit_and_abort(void **state)
{
    (void)state;
    char err[256];
    aws_atomic_file af;
    FILE *f = fopen(s_path, "w");
    fputs("earlier", f);
    fclose(f);
    chmod(s_path, 0640);

    /* while writing, the old file is whole and untouched */
    assert_int_equal(aws_atomic_file_open(&af, s_path, err, sizeof(err)), 0);
    fputs("new report", af.f);
    fflush(af.f);
    assert_string_equal(slurp(s_path), "earlier");
    assert_int_equal(entries(), 2);
    assert_int_equal(aws_atomic_file_commit(&af, err, sizeof(err)), 0);
    assert_null(af.f);
    assert_string_equal(slurp(s_path), "new report");
    struct stat st;
    assert_int_equal(stat(s_path, &st), 0);
    assert_int_equal(st.st_mode & 0777, 0640);        /* the mode is kept */
    assert_int_equal(entries(), 1);
    aws_atomic_file_abort(&af);                        /* after commit: nothing */
    assert_string_equal(slurp(s_path), "new report");

    /* abort: the earlier file stays, no temporary file is left */
    assert_int_equal(aws_atomic_file_open(&af, s_path, err, sizeof(err)), 0);
    fputs("partial", af.f);
    aws_atomic_file_abort(&af);
    assert_string_equal(slurp(s_path), "new report");
    assert_int_equal(entries(), 1);

    /* a new file is not created until commit */
    char fresh[160];
    snprintf(fresh, sizeof(fresh), "%s/fresh.csv", s_dir);
    assert_int_equal(aws_atomic_file_open(&af, fresh, err, sizeof(err)), 0);
    assert_int_not_equal(access(fresh, F_OK), 0);
    aws_atomic_file_abort(&af);
    assert_int_not_equal(access(fresh, F_OK), 0);
    assert_int_equal(entries(), 1);
}

static void errors_and_devices(void **state)
{
    (void)state;
    char err[256];
    aws_atomic_file af;
    assert_int_equal(aws_atomic_file_open(&af, "", err, sizeof(err)), AWS_EINVAL);
    assert_int_equal(aws_atomic_file_open(&af, "/nonexistent-dir/x", err, sizeof(err)), AWS_EIO);
    assert_string_equal(err, "No such file or directory");
    assert_int_equal(aws_atomic_file_open(&af, s_dir, err, sizeof(err)), AWS_EIO);
    /* a device is written directly */
    assert_int_equal(aws_atomic_file_open(&af, "/dev/null", err, sizeof(err)), 0);
    assert_null(af.tmp);
    fputs("x", af.f);
    assert_int_equal(aws_atomic_file_commit(&af, err, sizeof(err)), 0);
    /* a write error shows at commit: /dev/full */
    if (access("/dev/full", W_OK) == 0) {
        assert_int_equal(aws_atomic_file_open(&af, "/dev/full", err, sizeof(err)), 0);
        fputs("x", af.f);
        assert_int_equal(aws_atomic_file_commit(&af, err, sizeof(err)), AWS_EIO);
        assert_string_equal(err, "No space left on device");
    }
    /* a link: its target is replaced, the link stays a link */
    char target[160], link_path[160];
    snprintf(target, sizeof(target), "%s/target", s_dir);
    snprintf(link_path, sizeof(link_path), "%s/link", s_dir);
    FILE *f = fopen(target, "w");
    fputs("old", f);
    fclose(f);
    assert_int_equal(symlink(target, link_path), 0);
    assert_int_equal(aws_atomic_file_open(&af, link_path, err, sizeof(err)), 0);
    fputs("via link", af.f);
    assert_int_equal(aws_atomic_file_commit(&af, err, sizeof(err)), 0);
    struct stat st;
    assert_int_equal(lstat(link_path, &st), 0);
    assert_true(S_ISLNK(st.st_mode));
    assert_string_equal(slurp(target), "via link");
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test_setup_teardown(commit_and_abort, setup, teardown),
        cmocka_unit_test_setup_teardown(errors_and_devices, setup, teardown),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
