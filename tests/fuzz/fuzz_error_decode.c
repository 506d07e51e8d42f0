/* certsweep — fuzz aws_error_decode for every wire style, with and without
 * an X-Amzn-ErrorType header (taken from the input's first line). */
#include <stdlib.h>
#include <string.h>

#include "aws/headers.h"
#include "aws/proto.h"
#include "fuzz.h"

static void check_out(const char *s, size_t cap)
{
    FUZZ_CHECK(memchr(s, '\0', cap) != NULL);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const aws_proto protos[] = {
        AWS_PROTO_JSON, AWS_PROTO_REST_JSON, AWS_PROTO_QUERY, AWS_PROTO_EC2,
    };
    const char *body = (const char *)data;

    aws_headers h;
    aws_headers_init(&h);
    const uint8_t *nl = memchr(data, '\n', size < 256 ? size : 256);
    if (nl) {
        char *v = fuzz_strndup(data, (size_t)(nl - data));
        if (!memchr(v, '\r', strlen(v)))
            (void)aws_headers_set(&h, "X-Amzn-ErrorType", v);
        free(v);
    }
    for (size_t i = 0; i < sizeof(protos) / sizeof(protos[0]); i++) {
        char code[64], msg[256];
        char tiny_code[4], tiny_msg[2];
        aws_error_decode(protos[i], 400, NULL, body, size, code, sizeof(code), msg, sizeof(msg));
        check_out(code, sizeof(code));
        check_out(msg, sizeof(msg));
        FUZZ_CHECK(code[0] != '\0');
        aws_error_decode(protos[i], 503, &h, body, size, tiny_code, sizeof(tiny_code),
                         tiny_msg, sizeof(tiny_msg));
        check_out(tiny_code, sizeof(tiny_code));
        check_out(tiny_msg, sizeof(tiny_msg));
    }
    aws_headers_finish(&h);
    return 0;
}
