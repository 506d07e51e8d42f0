#include "aws/atomicfile.h"
#include "aws/error.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

static void finish(aws_atomic_file *af)
{
    free(af->path);
    free(af->tmp);
    af->f = NULL;
    af->path = af->tmp = NULL;
}

/* "DIR/.BASE.XXXXXX" beside path. */
static char *temp_name(const char *path)
{
    const char *slash = strrchr(path, '/');
    size_t dirlen = slash ? (size_t)(slash - path) + 1 : 0;
    const char *base = path + dirlen;
    size_t n = dirlen + 1 + strlen(base) + 8 + 1;
    char *t = malloc(n);
    if (t)
        snprintf(t, n, "%.*s.%s.XXXXXX", (int)dirlen, path, base);
    return t;
}

int aws_atomic_file_open(aws_atomic_file *af, const char *path, char *err, size_t errlen)
{
    memset(af, 0, sizeof(*af));
    if (errlen)
        err[0] = '\0';
    if (!path || !*path) {
        snprintf(err, errlen, "empty file name");
        return AWS_EINVAL;
    }
    struct stat st;
    int exists = stat(path, &st) == 0;
    if (exists && S_ISDIR(st.st_mode)) {
        snprintf(err, errlen, "is a directory");
        return AWS_EIO;
    }
    if (exists && !S_ISREG(st.st_mode)) {
        /* A device or a FIFO: nothing to rename over. */
        af->f = fopen(path, "w");
        if (!af->f) {
            snprintf(err, errlen, "%s", strerror(errno));
            return AWS_EIO;
        }
        af->path = strdup(path);
        if (!af->path) {
            fclose(af->f);
            af->f = NULL;
            return AWS_ENOMEM;
        }
        return 0;
    }
    /* Replace a link's target, not the link. */
    char *real = NULL;
    struct stat lst;
    if (exists && lstat(path, &lst) == 0 && S_ISLNK(lst.st_mode))
        real = realpath(path, NULL);
    af->path = strdup(real ? real : path);
    free(real);
    af->tmp = af->path ? temp_name(af->path) : NULL;
    if (!af->path || !af->tmp) {
        finish(af);
        return AWS_ENOMEM;
    }
    int fd = mkstemp(af->tmp);
    if (fd < 0) {
        snprintf(err, errlen, "%s", strerror(errno));
        finish(af);
        return AWS_EIO;
    }
    mode_t mode;
    if (exists) {
        mode = st.st_mode & 07777;
    } else {
        mode_t um = umask(0);
        umask(um);
        mode = 0666 & ~um;
    }
    if (fchmod(fd, mode) != 0 || !(af->f = fdopen(fd, "w"))) {
        snprintf(err, errlen, "%s", strerror(errno));
        close(fd);
        unlink(af->tmp);
        finish(af);
        return AWS_EIO;
    }
    return 0;
}

int aws_atomic_file_commit(aws_atomic_file *af, char *err, size_t errlen)
{
    if (errlen)
        err[0] = '\0';
    if (!af->f) {
        snprintf(err, errlen, "not open");
        finish(af);
        return AWS_EIO;
    }
    int e = 0;
    if (fflush(af->f) != 0 || ferror(af->f))
        e = errno ? errno : EIO;
    if (!e && af->tmp && fsync(fileno(af->f)) != 0)
        e = errno;
    if (fclose(af->f) != 0 && !e)
        e = errno ? errno : EIO;
    af->f = NULL;
    if (!e && af->tmp && rename(af->tmp, af->path) != 0)
        e = errno;
    if (e) {
        snprintf(err, errlen, "%s", strerror(e));
        if (af->tmp)
            unlink(af->tmp);
        finish(af);
        return AWS_EIO;
    }
    finish(af);
    return 0;
}

void aws_atomic_file_abort(aws_atomic_file *af)
{
    if (!af)
        return;
    if (af->f)
        fclose(af->f);
    if (af->tmp && af->path)
        unlink(af->tmp);
    finish(af);
}
