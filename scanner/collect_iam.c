/* certsweep — IAM server certificates (global; query protocol, XML
 * answers; pages with Marker while IsTruncated). */
#include "scanner/collect.h"

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/proto.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

int scanner_iam_parse_server_certs(const char *body, size_t len,
                                   const char *account,
                                   scanner_record_set *out, char **marker,
                                   char *err, size_t errlen)
{
    *marker = NULL;
    aws_xml_node *doc = scanner_xml_parse(body, len, "ListServerCertificatesResponse",
                                          err, errlen);
    if (!doc)
        return AWS_EPARSE;
    int rc = 0;
    size_t bad = 0;
    const aws_xml_node *res = aws_xml_child(doc, "ListServerCertificatesResult");
    if (!res) {
        snprintf(err, errlen, "response is not a ListServerCertificatesResponse");
        rc = AWS_EPARSE;
        goto out;
    }
    const aws_xml_node *list = aws_xml_child(res, "ServerCertificateMetadataList");
    size_t i = 0;
    for (const aws_xml_node *m = list ? list->children : NULL; m && rc == 0; m = m->next, i++) {
        if (strcmp(m->name, "member") != 0)
            continue;
        const char *name = aws_xml_text(m, "ServerCertificateName");
        const char *arn = aws_xml_text(m, "Arn");
        int64_t expires = 0, uploaded = 0;
        if (!name || !*name || !arn || !*arn) {
            scanner_note_bad(&bad, err, errlen, "member[%zu]: no ServerCertificateName or Arn", i);
            continue;
        }
        if (scanner_xml_time(aws_xml_text(m, "Expiration"), &expires) != 1) {
            scanner_note_bad(&bad, err, errlen, "%s: Expiration missing or not a timestamp", name);
            continue;
        }
        if (scanner_xml_time(aws_xml_text(m, "UploadDate"), &uploaded) < 0) {
            scanner_note_bad(&bad, err, errlen, "%s: UploadDate is not a timestamp", name);
            continue;
        }
        scanner_record *r = scanner_record_new(SCANNER_SRC_IAM_SERVER_CERT, account, "global");
        if (!r || scanner_str_set(&r->id, name) || scanner_str_set(&r->arn, arn)) {
            scanner_record_free(r);
            rc = AWS_ENOMEM;
            break;
        }
        r->not_after = expires;
        r->uploaded_at = uploaded;
        rc = scanner_record_set_add(out, r);   /* frees r on failure */
    }
    if (rc == 0) {
        const char *trunc = aws_xml_text(res, "IsTruncated");
        const char *mk = aws_xml_text(res, "Marker");
        if (trunc && strcmp(trunc, "true") == 0) {
            if (!mk || !*mk) {
                snprintf(err, errlen, "IsTruncated is true but no Marker was sent");
                rc = AWS_EPARSE;
            } else if (!(*marker = strdup(mk))) {
                rc = AWS_ENOMEM;
            }
        }
    }
    if (rc == 0)
        rc = scanner_bad_result(bad, err, errlen);
out:
    aws_xml_free(doc);
    return rc;
}

/* ---- I/O ----------------------------------------------------------------- */

static void list_page(scanner_target *t, scanner_pager *pg);

static void on_page(scanner_target *t, const aws_result *res, void *ud)
{
    scanner_pager *pg = ud;
    if (res->err != 0) {
        scanner_pager_free(pg);
        return;
    }
    char err[256] = "";
    char *marker = NULL;
    size_t from = t->set.n;
    int rc = scanner_iam_parse_server_certs(res->body, res->body_len, t->account_id,
                                            &t->set, &marker, err, sizeof(err));
    scanner_target_records_read(t, from);
    if (rc != 0)
        scanner_target_parse_gap(t, SCANNER_SRC_IAM_SERVER_CERT, "ListServerCertificates",
                                 NULL, rc, err);
    if (scanner_target_page(t, SCANNER_SRC_IAM_SERVER_CERT, "ListServerCertificates", pg,
                            marker))
        list_page(t, pg);
    else
        scanner_pager_free(pg);
    free(marker);
}

static void list_page(scanner_target *t, scanner_pager *pg)
{
    const char *marker = scanner_pager_token(pg);
    aws_buf body;
    aws_buf_init(&body, 8192);
    if (aws_query_add(&body, "Action", "ListServerCertificates") ||
        aws_query_add(&body, "Version", "2010-05-08") ||
        aws_query_add(&body, "MaxItems", "1000") ||
        (marker && aws_query_add(&body, "Marker", marker))) {
        scanner_target_source_gap(t, SCANNER_SRC_IAM_SERVER_CERT, "ListServerCertificates",
                                  "InternalError", "paging marker too long");
        aws_buf_finish(&body);
        scanner_pager_free(pg);
        return;
    }
    aws_call call = scanner_target_call_init(t, AWS_SVC_IAM, AWS_PROTO_QUERY,
                                             "ListServerCertificates");
    call.body = body.data;
    call.body_len = body.len;
    if (scanner_target_call_src(t, SCANNER_SRC_IAM_SERVER_CERT, &call, on_page, pg) != 0)
        scanner_pager_free(pg);
    aws_buf_finish(&body);
}

void scanner_collect_iam(scanner_target *t)
{
    scanner_pager *pg = scanner_pager_new();
    if (!pg)
        scanner_target_oom(t, SCANNER_SRC_IAM_SERVER_CERT, "ListServerCertificates");
    else
        list_page(t, pg);
}
