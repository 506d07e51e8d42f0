/* Sharding of the accounts between hosts. */
#include "scanner/shard.h"

#include <openssl/evp.h>
#include <stdio.h>
#include <string.h>

int scanner_shard_of(const char *account_id, int n)
{
    unsigned char md[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    if (n <= 1 || !account_id)
        return 0;
    if (!EVP_Digest(account_id, strlen(account_id), md, &len, EVP_sha256(), NULL) || len < 8)
        return 0;
    uint64_t h = 0;
    for (int i = 0; i < 8; i++)
        h = (h << 8) | md[i];
    return (int)(h % (uint64_t)n);
}

int scanner_shard_has(const scanner_shard *sh, const char *account_id)
{
    if (!sh || sh->count <= 1)
        return 1;
    return scanner_shard_of(account_id, sh->count) == sh->index - 1;
}

/* A decimal in [lo, hi] and nothing else. */
static int number(const char *s, size_t len, long lo, long hi, long *out)
{
    long v = 0;
    if (len == 0 || len > 6)
        return -1;
    for (size_t i = 0; i < len; i++) {
        if (s[i] < '0' || s[i] > '9')
            return -1;
        v = v * 10 + (s[i] - '0');
    }
    if (v < lo || v > hi)
        return -1;
    *out = v;
    return 0;
}

int scanner_shard_parse(const char *spec, const char *job_completion_index,
                        const char *batch_array_index, scanner_shard *out,
                        char *why, size_t why_len)
{
    const char *slash = spec ? strchr(spec, '/') : NULL;
    long k, n;
    if (!slash || number(slash + 1, strlen(slash + 1), 1, SCANNER_SHARD_MAX, &n) != 0) {
        snprintf(why, why_len, "--shard %s: write K/N (shard K of N, 1 <= K <= N <= %d) or env/N",
                 spec ? spec : "", SCANNER_SHARD_MAX);
        return -1;
    }
    if ((size_t)(slash - spec) == 3 && strncmp(spec, "env", 3) == 0) {
        const char *name = "JOB_COMPLETION_INDEX", *v = job_completion_index;
        if (v && batch_array_index && strcmp(v, batch_array_index) != 0) {
            snprintf(why, why_len, "--shard %s: JOB_COMPLETION_INDEX (%s) and AWS_BATCH_JOB_ARRAY_INDEX (%s) disagree "
                     "\xe2\x80\x94 unset the one that does not belong to this job", spec, v, batch_array_index);
            return -1;
        }
        if (!v) {
            name = "AWS_BATCH_JOB_ARRAY_INDEX";
            v = batch_array_index;
        }
        if (!v) {
            snprintf(why, why_len, "--shard %s: neither JOB_COMPLETION_INDEX (Kubernetes Indexed Job) nor "
                     "AWS_BATCH_JOB_ARRAY_INDEX (AWS Batch array job) is set \xe2\x80\x94 run it as such a job, "
                     "or give the shard as K/N", spec);
            return -1;
        }
        long idx;
        if (number(v, strlen(v), 0, n - 1, &idx) != 0) {
            snprintf(why, why_len, "--shard %s: %s is \"%.40s\", not an index from 0 to %ld "
                     "\xe2\x80\x94 give the job %ld completions (array size %ld)", spec, name, v, n - 1, n, n);
            return -1;
        }
        k = idx + 1;
    } else if (number(spec, (size_t)(slash - spec), 1, n, &k) != 0) {
        snprintf(why, why_len, "--shard %s: K must be a number from 1 to %ld (shard K of N)", spec, n);
        return -1;
    }
    out->index = (int)k;
    out->count = (int)n;
    return 0;
}
