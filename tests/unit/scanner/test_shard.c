/* Unit tests: scanner/shard.c — which accounts shard K of N scans. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <string.h>

#include "scanner/shard.h"

/* The split is SHA-256 based and documented: the same figures as
 * Python's int.from_bytes(hashlib.sha256(id).digest()[:8], "big") % n. */
static void shard_of_is_the_documented_hash(void **state)
{
    (void)state;
    static const struct { const char *id; int of3, of7, of1000; } cases[] = {
        { "111111111111", 1, 4, 226 },
        { "222222222222", 2, 4, 615 },
        { "123456789012", 1, 1, 834 },
        { "000000000000", 0, 2, 819 },
        { "999999999999", 1, 0, 132 },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        assert_int_equal(scanner_shard_of(cases[i].id, 3), cases[i].of3);
        assert_int_equal(scanner_shard_of(cases[i].id, 7), cases[i].of7);
        assert_int_equal(scanner_shard_of(cases[i].id, 1000), cases[i].of1000);
        assert_int_equal(scanner_shard_of(cases[i].id, 1), 0);
    }
}

/* Every account is in exactly one shard, the shards are about even, and an
 * account's shard does not depend on which other accounts exist. */
static void every_account_once_and_even(void **state)
{
    (void)state;
    int per[4] = { 0 };
    char id[16];
    for (int i = 0; i < 3000; i++) {
        snprintf(id, sizeof(id), "%012d", 100000000 + i * 7919);
        int in = 0;
        for (int k = 1; k <= 4; k++) {
            scanner_shard sh = { k, 4 };
            if (scanner_shard_has(&sh, id)) {
                in++;
                per[k - 1]++;
            }
        }
        assert_int_equal(in, 1);
        scanner_shard none = { 0, 0 };
        assert_true(scanner_shard_has(&none, id));
        assert_true(scanner_shard_has(NULL, id));
    }
    for (int k = 0; k < 4; k++)
        assert_in_range(per[k], 650, 850);
}

static void parse(void **state)
{
    (void)state;
    static const struct {
        const char *spec, *jci, *batch;
        int rc, k, n;
        const char *why;            /* a part of the message */
    } cases[] = {
        { "1/3", NULL, NULL, 0, 1, 3, NULL },
        { "3/3", NULL, NULL, 0, 3, 3, NULL },
        { "1/1", NULL, NULL, 0, 1, 1, NULL },
        { "7/10000", NULL, NULL, 0, 7, 10000, NULL },
        { "env/3", "0", NULL, 0, 1, 3, NULL },
        { "env/3", NULL, "2", 0, 3, 3, NULL },
        { "env/3", "1", "1", 0, 2, 3, NULL },
        { "2/3", "0", NULL, 0, 2, 3, NULL },          /* K/N wins: env only when asked */
        { "0/3", NULL, NULL, -1, 0, 0, "K must be a number from 1 to 3" },
        { "4/3", NULL, NULL, -1, 0, 0, "K must be a number from 1 to 3" },
        { "1/0", NULL, NULL, -1, 0, 0, "write K/N" },
        { "1/10001", NULL, NULL, -1, 0, 0, "write K/N" },
        { "1/3x", NULL, NULL, -1, 0, 0, "write K/N" },
        { "x/3", NULL, NULL, -1, 0, 0, "K must be" },
        { "-1/3", NULL, NULL, -1, 0, 0, "K must be" },
        { "3", NULL, NULL, -1, 0, 0, "write K/N" },
        { "", NULL, NULL, -1, 0, 0, "write K/N" },
        { "env/3", NULL, NULL, -1, 0, 0, "neither JOB_COMPLETION_INDEX" },
        { "env/3", "3", NULL, -1, 0, 0, "JOB_COMPLETION_INDEX is \"3\", not an index from 0 to 2" },
        { "env/3", NULL, "-1", -1, 0, 0, "AWS_BATCH_JOB_ARRAY_INDEX is \"-1\"" },
        { "env/3", "", NULL, -1, 0, 0, "not an index" },
        { "env/3", "0", "1", -1, 0, 0, "disagree" },
        { "envx/3", "0", NULL, -1, 0, 0, "K must be" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
        scanner_shard sh = { -7, -7 };
        char why[300] = "";
        int rc = scanner_shard_parse(cases[i].spec, cases[i].jci, cases[i].batch, &sh, why, sizeof(why));
        if (rc != cases[i].rc)
            fail_msg("case %zu (%s): rc %d, %s", i, cases[i].spec, rc, why);
        if (rc == 0 && (sh.index != cases[i].k || sh.count != cases[i].n))
            fail_msg("case %zu (%s): %d/%d", i, cases[i].spec, sh.index, sh.count);
        if (rc != 0 && !strstr(why, cases[i].why))
            fail_msg("case %zu (%s): '%s' lacks '%s'", i, cases[i].spec, why, cases[i].why);
    }
    scanner_shard sh;
    char why[300];
    assert_int_equal(scanner_shard_parse(NULL, NULL, NULL, &sh, why, sizeof(why)), -1);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(shard_of_is_the_documented_hash),
        cmocka_unit_test(every_account_once_and_even),
        cmocka_unit_test(parse),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
