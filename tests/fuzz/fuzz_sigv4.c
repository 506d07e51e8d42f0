/* certsweep — fuzz SigV4 canonicalisation of arbitrary URLs and headers.
 * Input: the URL on the first line, then "name:value" header lines. */
#include <stdlib.h>
#include <string.h>

#include "aws/buf.h"
#include "aws/creds.h"
#include "aws/error.h"
#include "aws/headers.h"
#include "aws/sigv4.h"
#include "fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size > 64 * 1024)
        return 0;
    char *text = fuzz_strndup(data, size);
    char *save = text;
    char *nl = strchr(text, '\n');
    if (nl)
        *nl = '\0';
    const char *url = text;

    aws_headers h;
    aws_headers_init(&h);
    for (char *line = nl ? nl + 1 : NULL; line && *line;) {
        char *end = strchr(line, '\n');
        if (end)
            *end = '\0';
        char *colon = strchr(line, ':');
        if (colon && colon != line) {
            *colon = '\0';
            (void)aws_headers_add(&h, line, colon + 1);
        }
        line = end ? end + 1 : NULL;
    }

    for (unsigned flags = 0; flags < 4; flags++) {
        aws_sigv4_request req = {
            .method = (flags & 1) ? "post" : "GET",
            .url = url,
            .headers = &h,
            .body = "{}",
            .body_len = 2,
            .service = "acm",
            .region = "us-east-1",
            .now = 1795430728,
            .flags = flags,
        };
        aws_buf out, sh;
        aws_buf_init(&out, 1u << 20);
        aws_buf_init(&sh, 1u << 16);
        int rc = aws_sigv4_canonical_request(&req, &out, &sh);
        if (rc == 0) {
            FUZZ_CHECK(out.data != NULL);
            aws_buf sts;
            aws_buf_init(&sts, 1u << 20);
            FUZZ_CHECK(aws_sigv4_string_to_sign(&req, out.data, &sts) == 0);
            aws_buf_finish(&sts);
        }
        aws_buf_finish(&out);
        aws_buf_finish(&sh);
    }

    aws_creds *c = aws_creds_new("AKIDEXAMPLE", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                                 "token", 0, "fuzz");
    if (!c)
        abort();
    aws_sigv4_request req = {
        .method = "GET", .url = url, .headers = &h, .service = "sts",
        .region = "us-east-1", .now = 1795430728, .flags = 0,
    };
    int rc = aws_sigv4_sign(&req, c);
    if (rc == 0)
        FUZZ_CHECK(aws_headers_get(&h, "Authorization") != NULL);
    aws_creds_unref(c);
    aws_headers_finish(&h);
    free(save);
    return 0;
}
