/* Unit tests: scanner/pager.c (the pager of every paginated listing). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "scanner/pager.h"

static void follows_tokens_to_the_end(void **state)
{
    (void)state;
    scanner_pager p;
    scanner_pager_init(&p);
    assert_null(scanner_pager_token(&p));
    assert_int_equal(scanner_pager_next(&p, "t1"), SCANNER_PAGER_MORE);
    assert_string_equal(scanner_pager_token(&p), "t1");
    assert_int_equal(scanner_pager_next(&p, "t2"), SCANNER_PAGER_MORE);
    assert_string_equal(scanner_pager_token(&p), "t2");
    assert_int_equal(scanner_pager_next(&p, ""), SCANNER_PAGER_DONE);
    assert_null(scanner_pager_token(&p));
    assert_int_equal(p.pages, 3);
    scanner_pager_finish(&p);
    scanner_pager_init(&p);
    assert_int_equal(scanner_pager_next(&p, NULL), SCANNER_PAGER_DONE);
    scanner_pager_finish(&p);
}

static void stops_on_any_repeated_token(void **state)
{
    (void)state;
    char msg[256];
    /* The same token again (what made 6,787 requests in 300 s). */
    scanner_pager *p = scanner_pager_new();
    assert_non_null(p);
    assert_int_equal(scanner_pager_next(p, "SAME"), SCANNER_PAGER_MORE);
    assert_int_equal(scanner_pager_next(p, "SAME"), SCANNER_PAGER_REPEATED);
    assert_null(scanner_pager_token(p));
    assert_string_equal(scanner_pager_code(SCANNER_PAGER_REPEATED), "PagingTokenRepeated");
    scanner_pager_message(p, SCANNER_PAGER_REPEATED, msg, sizeof(msg));
    assert_non_null(strstr(msg, "page 2 returned the paging token page 1 already returned"));
    assert_non_null(strstr(msg, "incomplete"));
    scanner_pager_free(p);
    /* A cycle a -> b -> c -> a: not only the previous token counts. */
    p = scanner_pager_new();
    assert_int_equal(scanner_pager_next(p, "a"), SCANNER_PAGER_MORE);
    assert_int_equal(scanner_pager_next(p, "b"), SCANNER_PAGER_MORE);
    assert_int_equal(scanner_pager_next(p, "c"), SCANNER_PAGER_MORE);
    assert_int_equal(scanner_pager_next(p, "a"), SCANNER_PAGER_REPEATED);
    assert_int_equal(p->repeat_of, 1);
    scanner_pager_free(p);
    scanner_pager_free(NULL);
}

/* SCANNER_PAGE_LIMIT pages are read; a page past it is not requested. */
static void stops_at_the_page_limit(void **state)
{
    (void)state;
    char tok[32], msg[256];
    assert_int_equal(SCANNER_PAGE_LIMIT, 1000);
    /* Page 1000 is the last one: complete. */
    scanner_pager p;
    scanner_pager_init(&p);
    for (int i = 1; i < SCANNER_PAGE_LIMIT; i++) {
        snprintf(tok, sizeof(tok), "token-%d", i);
        assert_int_equal(scanner_pager_next(&p, tok), SCANNER_PAGER_MORE);
    }
    assert_int_equal(scanner_pager_next(&p, NULL), SCANNER_PAGER_DONE);
    assert_int_equal(p.pages, SCANNER_PAGE_LIMIT);
    scanner_pager_finish(&p);
    /* Page 1000 asks for one more: stopped. */
    scanner_pager_init(&p);
    for (int i = 1; i < SCANNER_PAGE_LIMIT; i++) {
        snprintf(tok, sizeof(tok), "token-%d", i);
        assert_int_equal(scanner_pager_next(&p, tok), SCANNER_PAGER_MORE);
    }
    assert_int_equal(scanner_pager_next(&p, "token-1000"), SCANNER_PAGER_LIMIT);
    assert_null(scanner_pager_token(&p));
    assert_string_equal(scanner_pager_code(SCANNER_PAGER_LIMIT), "PageLimitExceeded");
    scanner_pager_message(&p, SCANNER_PAGER_LIMIT, msg, sizeof(msg));
    assert_non_null(strstr(msg, "after 1000 pages"));
    scanner_pager_finish(&p);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(follows_tokens_to_the_end),
        cmocka_unit_test(stops_on_any_repeated_token),
        cmocka_unit_test(stops_at_the_page_limit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
