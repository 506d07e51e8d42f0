/* certsweep — writing a file all at once or not at all.
 *
 * Every file certsweep writes (reports, the Security Hub dry run, digests)
 * goes to a temporary file beside its final name ("DIR/.NAME.XXXXXX", same
 * directory so the rename cannot cross file systems) and is renamed into
 * place only by aws_atomic_file_commit(): a run that fails, is interrupted
 * or is killed leaves an earlier file as it was and never a partial one.
 *
 *     aws_atomic_file af;
 *     if (aws_atomic_file_open(&af, path, err, sizeof(err)) != 0) ...  // "cannot write PATH: err"
 *     fprintf(af.f, ...);
 *     rc = aws_atomic_file_commit(&af, err, sizeof(err));   // or aws_atomic_file_abort(&af)
 *
 * The new file keeps the mode of the file it replaces (a new one gets 0666
 * less the umask, as fopen would); a symbolic link is followed and its
 * target replaced.  A path that is not a regular file (/dev/stdout, a FIFO,
 * a terminal) cannot be replaced: it is written directly, and abort then
 * only closes it.  Not async-signal-safe: call from ordinary code (signals
 * arrive as libuv handles on the loop).
 */
#ifndef AWS_ATOMICFILE_H
#define AWS_ATOMICFILE_H

#include <stddef.h>
#include <stdio.h>

typedef struct aws_atomic_file {
    FILE *f;          /* write here; NULL after commit/abort */
    char *path;       /* final name (a link's target) */
    char *tmp;        /* temporary name; NULL when writing directly */
} aws_atomic_file;

/* 0: af->f is open for writing.  AWS_EIO, AWS_EINVAL (empty path),
 * AWS_ENOMEM; err says why (strerror's words; the caller names the path).
 * On failure af needs no abort. */
int  aws_atomic_file_open(aws_atomic_file *af, const char *path, char *err, size_t errlen);
/* Flushes, syncs, closes and renames into place.  0, or AWS_EIO with err
 * saying why (without the path) (the temporary file is removed and the old file kept).  af is
 * finished either way. */
int  aws_atomic_file_commit(aws_atomic_file *af, char *err, size_t errlen);
/* Closes and removes the temporary file; the final name is untouched.
 * Accepts an af that was committed, aborted or zeroed. */
void aws_atomic_file_abort(aws_atomic_file *af);

#endif
