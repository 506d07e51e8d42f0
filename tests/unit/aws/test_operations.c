/* Unit tests: aws/operations.c and its enforcement in aws_client_call. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "aws/client.h"
#include "aws/error.h"
#include "aws/log.h"
#include "aws/operations.h"

/* Every row: a unique (service, op), an IAM action of the service's prefix
 * when a policy must grant it, nothing when none does. */
static void table_rows(void **state)
{
    (void)state;
    size_t n;
    const aws_operation *t = aws_operations_table(&n);
    assert_true(n > 10);
    for (size_t i = 0; i < n; i++) {
        assert_ptr_equal(aws_operation_find(t[i].service, t[i].op), &t[i]);
        assert_non_null(t[i].why);
        if (t[i].policy == AWS_POLICY_NONE) {
            assert_null(t[i].action);
            continue;
        }
        assert_non_null(t[i].action);
        assert_non_null(t[i].resource);
        const char *svc = aws_service_name(t[i].service);
        if (strcmp(svc, "apigatewayv2") == 0)
            svc = "apigateway";                 /* one IAM prefix for both */
        size_t len = strlen(svc);
        assert_true(strncmp(t[i].action, svc, len) == 0 && t[i].action[len] == ':');
    }
    assert_null(aws_operation_find(AWS_SVC_ACM, "DeleteCertificate"));
    assert_null(aws_operation_find(AWS_SVC_IAM, "ListCertificates"));    /* right op, wrong service */
    assert_null(aws_operation_find(AWS_SVC_ACM, NULL));
    assert_string_equal(aws_policy_name(AWS_POLICY_AUDIT), "audit");
    assert_string_equal(aws_policy_name(AWS_POLICY_SCANNER), "scanner");
    assert_string_equal(aws_policy_name(AWS_POLICY_NONE), "none");
}

static int s_called;
static void on_result(const aws_result *r, void *ud)
{
    (void)r;
    (void)ud;
    s_called++;
}

static int call_once(int any_operation, aws_service svc, const char *op, char **log_text)
{
    uv_loop_t loop;
    assert_int_equal(uv_loop_init(&loop), 0);
    aws_client_opts o;
    memset(&o, 0, sizeof(o));
    o.any_operation = any_operation;
    o.endpoints.endpoint_url = "http://127.0.0.1:9";    /* never reached: freed first */
    aws_client *c = NULL;
    assert_int_equal(aws_client_new(&loop, &o, &c), 0);
    size_t len = 0;
    FILE *log = open_memstream(log_text, &len);
    assert_non_null(log);
    aws_log_set_stream(log);
    aws_call call = { .service = svc, .region = "eu-west-1", .proto = AWS_PROTO_QUERY,
                      .op = op, .body = "Action=X", .body_len = 8 };
    int rc = aws_client_call(c, &call, on_result, NULL);
    aws_log_set_stream(NULL);
    fclose(log);
    aws_client_free(c);
    uv_run(&loop, UV_RUN_DEFAULT);
    assert_int_equal(uv_loop_close(&loop), 0);
    return rc;
}

/* A call whose operation is not in the table is refused before anything is
 * sent, with one error line naming the row to add. */
static void unlisted_operation_refused(void **state)
{
    (void)state;
    char *text = NULL;
    s_called = 0;
    assert_int_equal(call_once(0, AWS_SVC_ACM, "DeleteCertificate", &text), AWS_EINVAL);
    assert_int_equal(s_called, 0);
    assert_non_null(strstr(text, "acm DeleteCertificate is not in aws/operations.c"));
    free(text);

    text = NULL;
    assert_int_equal(call_once(0, AWS_SVC_ACM, NULL, &text), AWS_EINVAL);
    free(text);

    /* A listed operation starts (then is canceled by the free). */
    text = NULL;
    s_called = 0;
    assert_int_equal(call_once(0, AWS_SVC_IAM, "ListServerCertificates", &text), 0);
    assert_string_equal(text, "");
    assert_int_equal(s_called, 1);
    free(text);

    /* Tests' own tool may call anything. */
    text = NULL;
    s_called = 0;
    assert_int_equal(call_once(1, AWS_SVC_ACM, "DeleteCertificate", &text), 0);
    assert_int_equal(s_called, 1);
    free(text);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(table_rows),
        cmocka_unit_test(unlisted_operation_refused),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
