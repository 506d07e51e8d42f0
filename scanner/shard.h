/* certsweep — sharding: which accounts one of N hosts scans.
 *
 * Shard K of N (1 <= K <= N) owns the accounts whose id hashes to K - 1:
 * the first 8 bytes of SHA-256(account id), big-endian, modulo N.  An
 * account's shard depends only on its id and N, so adding or removing
 * accounts never moves another account to another shard, and every host
 * computes the same split without talking to the others.
 */
#ifndef SCANNER_SHARD_H
#define SCANNER_SHARD_H

#include <stddef.h>
#include <stdint.h>

#define SCANNER_SHARD_MAX 10000

typedef struct scanner_shard {
    int index;                      /* 1..count */
    int count;                      /* 0: not sharded (every account) */
} scanner_shard;

/* Parses --shard: "K/N", or "env/N" where K - 1 is the 0-based index a job
 * array gives each task: job_completion_index (JOB_COMPLETION_INDEX, a
 * Kubernetes Indexed Job) or batch_array_index (AWS_BATCH_JOB_ARRAY_INDEX,
 * an AWS Batch array job); pass the environment values (NULL when unset).
 * 0, or -1 with a one-line reason and its fix in why. */
int scanner_shard_parse(const char *spec, const char *job_completion_index,
                        const char *batch_array_index, scanner_shard *out,
                        char *why, size_t why_len);

/* The 0-based shard of an account among n. */
int scanner_shard_of(const char *account_id, int n);

/* 1 when the shard scans this account (always when not sharded). */
int scanner_shard_has(const scanner_shard *sh, const char *account_id);

#endif
