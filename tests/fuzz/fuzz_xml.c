/* certsweep — fuzz aws_xml_parse (expat) and the path lookups over its tree. */
#include <stdlib.h>

#include "aws/error.h"
#include "aws/proto.h"
#include "fuzz.h"

static size_t walk(const aws_xml_node *n, int depth)
{
    size_t count = 0;
    for (; n; n = n->next) {
        FUZZ_CHECK(n->name != NULL && n->text != NULL);
        FUZZ_CHECK(depth < 10000);
        count++;
        (void)aws_xml_child(n, n->name);
        (void)aws_xml_text(n, "Error/Code");
        count += walk(n->children, depth + 1);
    }
    return count;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    aws_xml_node *root = NULL;
    int rc = aws_xml_parse((const char *)data, size, &root);
    if (rc == 0) {
        FUZZ_CHECK(root != NULL);
        walk(root, 0);
        (void)aws_xml_path(root, "a/b/c");
        (void)aws_xml_text(root, "ListServerCertificatesResult/IsTruncated");
    } else {
        FUZZ_CHECK(root == NULL);
    }
    aws_xml_free(root);
    return 0;
}
