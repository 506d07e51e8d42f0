/* Unit tests: aws/proto.c — error shapes, query bodies, the XML tree.
 * Error bodies follow the shapes the services send (and botocore's parser
 * tests use): awsJson __type with a namespace, REST-JSON X-Amzn-ErrorType,
 * query <ErrorResponse>, EC2 <Response><Errors>. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/headers.h"
#include "aws/proto.h"

typedef struct err_case {
    const char *what;
    aws_proto proto;
    long status;
    const char *error_type;      /* X-Amzn-ErrorType header or NULL */
    const char *body;
    const char *code, *msg;
} err_case;

static const err_case err_cases[] = {
    { "acm json", AWS_PROTO_JSON, 400, NULL,
      "{\"__type\":\"com.amazonaws.acm#ResourceNotFoundException\","
      "\"message\":\"Could not find certificate arn:aws:acm:us-east-1:123456789012:certificate/x.\"}",
      "ResourceNotFoundException",
      "Could not find certificate arn:aws:acm:us-east-1:123456789012:certificate/x." },
    { "organizations json, Message", AWS_PROTO_JSON, 400, NULL,
      "{\"__type\":\"AWSOrganizationsNotInUseException\","
      "\"Message\":\"Your account is not a member of an organization.\"}",
      "AWSOrganizationsNotInUseException", "Your account is not a member of an organization." },
    { "json throttling", AWS_PROTO_JSON, 400, NULL,
      "{\"__type\":\"ThrottlingException\",\"message\":\"Rate exceeded\"}",
      "ThrottlingException", "Rate exceeded" },
    { "json __type with namespace and suffix", AWS_PROTO_JSON, 400, NULL,
      "{\"__type\": \"aws.protocoltests.restjson#FooError:http://internal.amazon.com/coral/com.amazon.coral.validate/\", \"message\": \"Hi\"}",
      "FooError", "Hi" },
    { "json body code wins over header for awsJson", AWS_PROTO_JSON, 400, "Other:http://x/",
      "{\"__type\":\"com.amazon.coral.service#UnrecognizedClientException\",\"message\":\"The security token included in the request is invalid.\"}",
      "UnrecognizedClientException", "The security token included in the request is invalid." },
    { "apigateway rest-json header", AWS_PROTO_REST_JSON, 404,
      "NotFoundException:http://internal.amazon.com/coral/com.amazonaws.backplane.controlplane/",
      "{\"message\":\"Invalid certificate identifier specified\"}",
      "NotFoundException", "Invalid certificate identifier specified" },
    { "apigateway 429", AWS_PROTO_REST_JSON, 429, "TooManyRequestsException",
      "{\"message\":\"Too Many Requests\"}", "TooManyRequestsException", "Too Many Requests" },
    { "rest-json header wins over body", AWS_PROTO_REST_JSON, 403, "AccessDeniedException:http://x/",
      "{\"code\":\"Other\",\"Message\":\"User is not authorized\"}",
      "AccessDeniedException", "User is not authorized" },
    { "securityhub rest-json body Code", AWS_PROTO_REST_JSON, 401, NULL,
      "{\"Code\":\"InvalidAccessException\",\"Message\":\"Account 123456789012 is not subscribed to AWS Security Hub\"}",
      "InvalidAccessException", "Account 123456789012 is not subscribed to AWS Security Hub" },
    { "rest-json body code", AWS_PROTO_REST_JSON, 400, NULL,
      "{\"code\":\"BadRequestException\",\"message\":\"bad\"}", "BadRequestException", "bad" },
    { "rest-json code wins over __type", AWS_PROTO_REST_JSON, 400, NULL,
      "{\"__type\":\"ns#Typed\",\"code\":\"Coded\",\"message\":\"m\"}", "Coded", "m" },
    { "json __type wins over code", AWS_PROTO_JSON, 400, NULL,
      "{\"__type\":\"ns#Typed\",\"code\":\"Coded\",\"message\":\"m\"}", "Typed", "m" },
    { "errorMessage", AWS_PROTO_REST_JSON, 502, NULL,
      "{\"errorMessage\":\"boom\",\"errorType\":\"Runtime.Crash\"}", "HTTP 502", "boom" },
    { "sts query xml", AWS_PROTO_QUERY, 403, NULL,
      "<ErrorResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
      "  <Error>\n    <Type>Sender</Type>\n    <Code>AccessDenied</Code>\n"
      "    <Message>User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: "
      "sts:AssumeRole on resource: arn:aws:iam::111111111111:role/certsweep</Message>\n"
      "  </Error>\n  <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n</ErrorResponse>\n",
      "AccessDenied",
      "User: arn:aws:iam::123456789012:user/scanner is not authorized to perform: "
      "sts:AssumeRole on resource: arn:aws:iam::111111111111:role/certsweep" },
    { "iam query xml", AWS_PROTO_QUERY, 404, NULL,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
      "<ErrorResponse xmlns=\"https://iam.amazonaws.com/doc/2010-05-08/\"><Error><Type>Sender</Type>"
      "<Code>NoSuchEntity</Code><Message>The Server Certificate with name x cannot be found.</Message>"
      "</Error><RequestId>4fd5f6a1-0000-0000-0000-000000000000</RequestId></ErrorResponse>",
      "NoSuchEntity", "The Server Certificate with name x cannot be found." },
    { "sns throttling", AWS_PROTO_QUERY, 400, NULL,
      "<ErrorResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\"><Error><Type>Sender</Type>"
      "<Code>Throttling</Code><Message>Rate exceeded</Message></Error></ErrorResponse>",
      "Throttling", "Rate exceeded" },
    { "ec2 xml", AWS_PROTO_EC2, 403, NULL,
      "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<Response><Errors><Error>"
      "<Code>UnauthorizedOperation</Code><Message>You are not authorized to perform this operation.</Message>"
      "</Error></Errors><RequestID>b5ad6e41-0000-0000-0000-000000000000</RequestID></Response>",
      "UnauthorizedOperation", "You are not authorized to perform this operation." },
    { "ec2 request limit", AWS_PROTO_EC2, 503, NULL,
      "<Response><Errors><Error><Code>RequestLimitExceeded</Code><Message>Request limit exceeded.</Message>"
      "</Error></Errors><RequestID>x</RequestID></Response>",
      "RequestLimitExceeded", "Request limit exceeded." },
    { "xml message with entities and newlines", AWS_PROTO_QUERY, 400, NULL,
      "<ErrorResponse><Error><Code>ValidationError</Code><Message>a &lt;b&gt;\n\tc &amp; d</Message>"
      "</Error></ErrorResponse>", "ValidationError", "a <b> c & d" },
    { "empty body", AWS_PROTO_JSON, 403, NULL, "", "HTTP 403", "" },
    { "whitespace body", AWS_PROTO_QUERY, 500, NULL, " \r\n ", "HTTP 500", "" },
    { "plain text", AWS_PROTO_JSON, 503, NULL, "Service Unavailable\r\n", "HTTP 503", "Service Unavailable" },
    { "html from a proxy", AWS_PROTO_QUERY, 502, NULL,
      "<html>\n<body>\n<h1>502 Bad Gateway</h1>\n</body>\n</html>\n",
      "HTTP 502", "<html> <body> <h1>502 Bad Gateway</h1> </body> </html>" },
    { "broken json", AWS_PROTO_JSON, 500, NULL, "{\"__type\": \"X\"", "HTTP 500", "{\"__type\": \"X\"" },
    { "json that is not an object", AWS_PROTO_JSON, 500, NULL, "[1,2]", "HTTP 500", "[1,2]" },
    { "header only", AWS_PROTO_QUERY, 400, "SomethingBad:http://x", "", "SomethingBad", "" },
};

static void decodes_errors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(err_cases) / sizeof(*err_cases); i++) {
        const err_case *c = &err_cases[i];
        aws_headers h;
        aws_headers_init(&h);
        aws_headers_add(&h, "Content-Type", "text/plain");
        if (c->error_type)
            aws_headers_add(&h, "x-amzn-errortype", c->error_type);
        char code[128], msg[512];
        memset(code, 'X', sizeof(code));
        memset(msg, 'X', sizeof(msg));
        aws_error_decode(c->proto, c->status, &h, c->body, strlen(c->body), code, sizeof(code),
                         msg, sizeof(msg));
        if (strcmp(code, c->code) || strcmp(msg, c->msg))
            fail_msg("%s: got [%s] [%s], want [%s] [%s]", c->what, code, msg, c->code, c->msg);
        aws_headers_finish(&h);
    }
}

static void decode_truncates_and_tolerates_null(void **state)
{
    (void)state;
    const char *body = "{\"__type\":\"ThrottlingException\",\"message\":\"caf\xc3\xa9 latte\"}";
    char code[6], msg[5];
    aws_error_decode(AWS_PROTO_JSON, 400, NULL, body, strlen(body), code, sizeof(code), msg,
                     sizeof(msg));
    assert_string_equal(code, "Throt");
    assert_string_equal(msg, "caf");      /* no half of the two-byte 'é' */
    char code2[32], msg2[32];
    aws_error_decode(AWS_PROTO_EC2, 500, NULL, NULL, 0, code2, sizeof(code2), msg2, sizeof(msg2));
    assert_string_equal(code2, "HTTP 500");
    assert_string_equal(msg2, "");
    /* body length is honoured: nothing past len is read */
    const char *two = "{\"__type\":\"A\"}{\"__type\":\"B\"}";
    aws_error_decode(AWS_PROTO_JSON, 400, NULL, two, 14, code2, sizeof(code2), msg2, sizeof(msg2));
    assert_string_equal(code2, "A");
    /* a NUL inside the message (\u0000) is shown, never cuts the rest */
    const char *nul = "{\"__type\":\"X\",\"message\":\"before\\u0000after\"}";
    char msg3[64];
    aws_error_decode(AWS_PROTO_JSON, 400, NULL, nul, strlen(nul), code2, sizeof(code2), msg3,
                     sizeof(msg3));
    assert_string_equal(msg3, "before\\u0000after");
}

static void query_bodies(void **state)
{
    (void)state;
    aws_buf b;
    aws_buf_init(&b, 4096);
    assert_int_equal(aws_query_add(&b, "Action", "ListServerCertificates"), 0);
    assert_int_equal(aws_query_add(&b, "Version", "2010-05-08"), 0);
    assert_int_equal(aws_query_add(&b, "Marker", "a b/c+d=e&f\xc3\xa9~*"), 0);
    assert_int_equal(aws_query_add(&b, "Filter.1.Name", NULL), 0);
    assert_string_equal(b.data, "Action=ListServerCertificates&Version=2010-05-08"
                        "&Marker=a%20b%2Fc%2Bd%3De%26f%C3%A9~%2A&Filter.1.Name=");
    assert_int_equal(aws_query_add(&b, "", "x"), AWS_EINVAL);
    aws_buf_finish(&b);

    /* over the cap: an error, and the body is left as it was */
    aws_buf_init(&b, 20);
    assert_int_equal(aws_query_add(&b, "Action", "Publish"), 0);
    assert_int_equal(aws_query_add(&b, "Message", "too long for the cap"), AWS_ETOOBIG);
    assert_string_equal(b.data, "Action=Publish");
    assert_int_equal(b.len, 14);
    aws_buf_finish(&b);
}

static const char assume_role[] =
    "<AssumeRoleResponse xmlns=\"https://sts.amazonaws.com/doc/2011-06-15/\">\n"
    "  <AssumeRoleResult>\n"
    "    <SourceIdentity>DevUser123</SourceIdentity>\n"
    "    <AssumedRoleUser>\n"
    "      <Arn>arn:aws:sts::123456789012:assumed-role/demo/John</Arn>\n"
    "      <AssumedRoleId>ARO123EXAMPLE123:John</AssumedRoleId>\n"
    "    </AssumedRoleUser>\n"
    "    <Credentials>\n"
    "      <AccessKeyId>ASIAIOSFODNN7EXAMPLE</AccessKeyId>\n"
    "      <SecretAccessKey>wJalrXUtnFEMI/K7MDENG/bPxRfiCYzEXAMPLEKEY</SecretAccessKey>\n"
    "      <SessionToken>\n        AQoDYXdzEPT//////////wEXAMPLEtc764\n      </SessionToken>\n"
    "      <Expiration>2019-11-09T13:34:41Z</Expiration>\n"
    "    </Credentials>\n"
    "    <PackedPolicySize>6</PackedPolicySize>\n"
    "  </AssumeRoleResult>\n"
    "  <ResponseMetadata>\n    <RequestId>c6104cbe-af31-11e0-8154-cbc7ccf896c7</RequestId>\n"
    "  </ResponseMetadata>\n"
    "</AssumeRoleResponse>\n";

static void xml_tree(void **state)
{
    (void)state;
    aws_xml_node *doc = NULL;
    assert_int_equal(aws_xml_parse(assume_role, strlen(assume_role), &doc), 0);
    assert_non_null(doc);
    assert_string_equal(doc->name, "AssumeRoleResponse");
    assert_string_equal(doc->text, "");
    assert_string_equal(aws_xml_text(doc, "AssumeRoleResult/Credentials/AccessKeyId"),
                        "ASIAIOSFODNN7EXAMPLE");
    assert_string_equal(aws_xml_text(doc, "AssumeRoleResult/Credentials/SessionToken"),
                        "AQoDYXdzEPT//////////wEXAMPLEtc764");
    assert_string_equal(aws_xml_text(doc, "AssumeRoleResult/Credentials/Expiration"),
                        "2019-11-09T13:34:41Z");
    assert_string_equal(aws_xml_text(doc, "ResponseMetadata/RequestId"),
                        "c6104cbe-af31-11e0-8154-cbc7ccf896c7");
    /* the path is relative: n itself is not matched */
    assert_null(aws_xml_text(doc, "AssumeRoleResponse/AssumeRoleResult"));
    assert_null(aws_xml_text(doc, "AssumeRoleResult/Nope"));
    assert_null(aws_xml_text(doc, "AssumeRoleResult/Credentials/AccessKeyId/Deeper"));
    assert_null(aws_xml_path(NULL, "a"));
    const aws_xml_node *res = aws_xml_child(doc, "AssumeRoleResult");
    assert_non_null(res);
    assert_string_equal(aws_xml_text(res, ""), "");
    assert_string_equal(aws_xml_text(aws_xml_child(res, "PackedPolicySize"), ""), "6");
    assert_null(aws_xml_child(NULL, "x"));
    assert_null(aws_xml_child(doc, "Credentials"));   /* children only, not descendants */
    /* order of children */
    const char *want[] = { "SourceIdentity", "AssumedRoleUser", "Credentials", "PackedPolicySize" };
    size_t i = 0;
    for (const aws_xml_node *c = res->children; c; c = c->next, i++) {
        assert_true(i < 4);
        assert_string_equal(c->name, want[i]);
    }
    assert_int_equal(i, 4);
    aws_xml_free(doc);
    aws_xml_free(NULL);
}

static void xml_names_text_and_lists(void **state)
{
    (void)state;
    const char *x =
        "<?xml version=\"1.0\"?>\n"
        "<s:Root xmlns:s=\"urn:a\" xmlns:t=\"urn:b\">"
        "<t:Item> one </t:Item><Item>two<![CDATA[ <&> ]]>three</Item>"
        "<Item>&lt;&amp;&gt;&quot;&#233;</Item><Empty/><Blank>   \n\t </Blank>"
        "</s:Root>";
    aws_xml_node *doc = NULL;
    assert_int_equal(aws_xml_parse(x, strlen(x), &doc), 0);
    assert_string_equal(doc->name, "Root");
    const aws_xml_node *c = doc->children;
    assert_string_equal(c->name, "Item");
    assert_string_equal(c->text, "one");
    c = c->next;
    assert_string_equal(c->text, "two <&> three");
    c = c->next;
    assert_string_equal(c->text, "<&>\"\xc3\xa9");
    c = c->next;
    assert_string_equal(c->name, "Empty");
    assert_string_equal(c->text, "");
    c = c->next;
    assert_string_equal(c->name, "Blank");
    assert_string_equal(c->text, "");
    assert_null(c->next);
    aws_xml_free(doc);
}

static char *nested(int depth)
{
    aws_buf b;
    aws_buf_init(&b, 1 << 20);
    for (int i = 0; i < depth; i++)
        aws_buf_puts(&b, "<a>");
    aws_buf_puts(&b, "x");
    for (int i = 0; i < depth; i++)
        aws_buf_puts(&b, "</a>");
    return aws_buf_take(&b);
}

static void xml_limits_and_errors(void **state)
{
    (void)state;
    aws_xml_node *doc = (aws_xml_node *)1;
    char *ok = nested(64), *deep = nested(65);
    assert_int_equal(aws_xml_parse(ok, strlen(ok), &doc), 0);
    const aws_xml_node *n = doc;
    int d = 1;
    while (n->children) {
        n = n->children;
        d++;
    }
    assert_int_equal(d, 64);
    assert_string_equal(n->text, "x");
    aws_xml_free(doc);
    doc = (aws_xml_node *)1;
    assert_int_equal(aws_xml_parse(deep, strlen(deep), &doc), AWS_EPARSE);
    assert_null(doc);
    free(ok);
    free(deep);

    static const char *bad[] = {
        "", "   ", "not xml", "<a><b></a>", "<a>", "<a/><b/>", "<a>&undefined;</a>",
        "<!DOCTYPE a [<!ENTITY e \"x\">]><a>&e;</a>",
        "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">"
        "<!ENTITY lol2 \"&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;\">]><lolz>&lol2;</lolz>",
        "<!DOCTYPE a SYSTEM \"file:///etc/passwd\"><a/>",
    };
    for (size_t i = 0; i < sizeof(bad) / sizeof(*bad); i++) {
        doc = (aws_xml_node *)1;
        if (aws_xml_parse(bad[i], strlen(bad[i]), &doc) != AWS_EPARSE)
            fail_msg("accepted: %s", bad[i]);
        assert_null(doc);
    }
    assert_int_equal(aws_xml_parse(NULL, 0, &doc), AWS_EPARSE);
    assert_int_equal(aws_xml_parse("<a/>", 4, NULL), AWS_EINVAL);
}

static void xml_node_cap(void **state)
{
    (void)state;
    /* 10,000 siblings are fine */
    aws_buf b;
    aws_buf_init(&b, 64u << 20);
    aws_buf_puts(&b, "<r>");
    for (int i = 0; i < 10000; i++)
        aws_buf_puts(&b, "<m/>");
    aws_buf_puts(&b, "</r>");
    aws_xml_node *doc = NULL;
    assert_int_equal(aws_xml_parse(b.data, b.len, &doc), 0);
    size_t count = 0;
    for (const aws_xml_node *c = doc->children; c; c = c->next)
        count++;
    assert_int_equal(count, 10000);
    aws_xml_free(doc);
    /* the root and 1,000,000 children: one node over the cap */
    aws_buf_reset(&b);
    aws_buf_puts(&b, "<r>");
    for (int i = 0; i < 1000000; i++)
        assert_int_equal(aws_buf_puts(&b, "<m/>"), 0);
    aws_buf_puts(&b, "</r>");
    doc = (aws_xml_node *)1;
    assert_int_equal(aws_xml_parse(b.data, b.len, &doc), AWS_EPARSE);
    assert_null(doc);
    aws_buf_finish(&b);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(decodes_errors),
        cmocka_unit_test(decode_truncates_and_tolerates_null),
        cmocka_unit_test(query_bodies),
        cmocka_unit_test(xml_tree),
        cmocka_unit_test(xml_names_text_and_lists),
        cmocka_unit_test(xml_limits_and_errors),
        cmocka_unit_test(xml_node_cap),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
