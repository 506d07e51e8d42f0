/* shub_export — drives scanner_securityhub_export (or the dry run) from a
 * JSON description, for the Security Hub integration test, until the scan
 * command passes per-account credentials to the exporter itself.
 *
 *   shub_export SPEC.json
 *
 * SPEC: {"home_region", "mode", "scanning_account", "scanning_creds",
 *        "state_dir", "now", "max_batch", "dry_run" (path),
 *        "accounts": [{"id", "regions": [..], "creds": {"akid","secret","token"} | null}],
 *        "findings": [{"account","region","source","resource","rule","severity",
 *                      "title","details","details_json","not_after","domain"}],
 *        "gaps": [{"account","region","operation","code","message"}]}
 * The endpoint comes from AWS_ENDPOINT_URL.  Prints one JSON object with
 * the result.  Exit 0 when the export ran and the loop closed cleanly, 2 on
 * bad input, 3 when it could not start, 4 when uv_loop_close() failed.
 */
#include <json-c/json.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <uv.h>

#include "aws/client.h"
#include "aws/creds.h"
#include "aws/error.h"
#include "aws/log.h"
#include "scanner/securityhub.h"
#include "state/state.h"

static const char *js(json_object *o, const char *k)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v) || json_object_is_type(v, json_type_null))
        return NULL;
    return json_object_get_string(v);
}

static int64_t ji(json_object *o, const char *k)
{
    json_object *v;
    return o && json_object_object_get_ex(o, k, &v) ? json_object_get_int64(v) : 0;
}

static char *dup(const char *s)
{
    return s ? strdup(s) : NULL;
}

static aws_creds_provider *provider(json_object *c)
{
    if (!c || !json_object_is_type(c, json_type_object))
        return NULL;
    aws_creds *cr = aws_creds_new(js(c, "akid"), js(c, "secret"), js(c, "token"), 0, "test");
    if (!cr)
        return NULL;
    aws_creds_provider *p = aws_creds_provider_static_new(cr);
    aws_creds_unref(cr);
    return p;
}

static void on_done(const scanner_shub_result *r, void *ud)
{
    json_object *out = ud;
    json_object_object_add(out, "imported", json_object_new_int64((int64_t)r->imported));
    json_object_object_add(out, "archived", json_object_new_int64((int64_t)r->archived));
    json_object_object_add(out, "failed", json_object_new_int64((int64_t)r->failed));
    json_object_object_add(out, "skipped", json_object_new_int64((int64_t)r->skipped));
    json_object_object_add(out, "batches", json_object_new_int64((int64_t)r->batches));
    json_object_object_add(out, "max_batch", json_object_new_int64((int64_t)r->max_batch_seen));
    json_object *fl = json_object_new_array();
    for (size_t i = 0; i < r->n_failures; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "account", json_object_new_string(r->failures[i].account));
        json_object_object_add(e, "id", json_object_new_string(r->failures[i].id));
        json_object_object_add(e, "code", json_object_new_string(r->failures[i].code));
        json_object_array_add(fl, e);
    }
    json_object_object_add(out, "failures", fl);
    json_object *gl = json_object_new_array();
    for (size_t i = 0; i < r->n_gaps; i++) {
        json_object *e = json_object_new_object();
        json_object_object_add(e, "account", json_object_new_string(r->gaps[i].account_id));
        json_object_object_add(e, "region", json_object_new_string(r->gaps[i].region));
        json_object_object_add(e, "operation", json_object_new_string(r->gaps[i].operation));
        json_object_object_add(e, "code", json_object_new_string(r->gaps[i].error_code));
        json_object_array_add(gl, e);
    }
    json_object_object_add(out, "gaps", gl);
    json_object_object_add(out, "done", json_object_new_boolean(1));
}

int main(int argc, char **argv)
{
    if (argc != 2) {
        fprintf(stderr, "usage: shub_export SPEC.json\n");
        return 2;
    }
    aws_log_set_level(AWS_LOG_INFO);
    json_object *spec = json_object_from_file(argv[1]);
    if (!spec) {
        fprintf(stderr, "shub_export: cannot read %s\n", argv[1]);
        return 2;
    }
    int code = 0;
    scanner_findings f;
    scanner_findings_init(&f);
    json_object *arr = NULL;
    if (json_object_object_get_ex(spec, "findings", &arr)) {
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
            json_object *e = json_object_array_get_idx(arr, i);
            scanner_finding fd;
            memset(&fd, 0, sizeof(fd));
            const char *src = js(e, "source");
            fd.source = src && strcmp(src, "iam") == 0 ? SCANNER_SRC_IAM_SERVER_CERT
                      : src && strcmp(src, "apigateway-client-certificate") == 0
                          ? SCANNER_SRC_APIGW_CLIENT_CERT : SCANNER_SRC_ACM;
            static const char *const rules[] = { "expiring", "expired", "renewal-failed",
                                                 "pending-validation", "weak-key" };
            fd.rule = rules[0];
            for (size_t k = 0; k < sizeof(rules) / sizeof(rules[0]); k++)
                if (js(e, "rule") && strcmp(js(e, "rule"), rules[k]) == 0)
                    fd.rule = rules[k];
            if (!js(e, "severity") || scanner_severity_parse(js(e, "severity"), &fd.severity))
                fd.severity = SCANNER_SEV_HIGH;
            fd.account_id = dup(js(e, "account"));
            fd.region = dup(js(e, "region"));
            fd.resource_type = dup(scanner_source_resource_type(fd.source));
            fd.resource_arn = dup(js(e, "resource"));
            fd.resource_id = dup(js(e, "domain"));
            fd.domain = dup(js(e, "domain"));
            fd.not_after = ji(e, "not_after");
            fd.title = dup(js(e, "title") ? js(e, "title") : "certificate finding");
            fd.details = dup(js(e, "details") ? js(e, "details") : "details");
            fd.details_json = dup(js(e, "details_json") ? js(e, "details_json") : "{}");
            fd.remediation = "Renew the certificate.";
            fd.console_url = dup("https://console.aws.amazon.com/acm/home");
            scanner_finding_id(fd.account_id, fd.region, fd.resource_arn, fd.rule, fd.id);
            if (scanner_findings_add(&f, &fd))
                return 2;
        }
    }
    if (json_object_object_get_ex(spec, "gaps", &arr))
        for (size_t i = 0; i < json_object_array_length(arr); i++) {
            json_object *e = json_object_array_get_idx(arr, i);
            scanner_findings_add_gap(&f, js(e, "account"), js(e, "region"), js(e, "operation"),
                                     js(e, "code"), js(e, "message"));
        }

    size_t na = 0;
    json_object *accts = NULL;
    if (json_object_object_get_ex(spec, "accounts", &accts))
        na = json_object_array_length(accts);
    scanner_shub_account *av = calloc(na ? na : 1, sizeof(*av));
    const char ***regs = calloc(na ? na : 1, sizeof(*regs));
    for (size_t i = 0; i < na; i++) {
        json_object *e = json_object_array_get_idx(accts, i), *r = NULL, *c = NULL;
        av[i].account_id = js(e, "id");
        json_object_object_get_ex(e, "creds", &c);
        av[i].creds = provider(c);
        if (json_object_object_get_ex(e, "regions", &r)) {
            size_t nr = json_object_array_length(r);
            regs[i] = calloc(nr ? nr : 1, sizeof(char *));
            for (size_t k = 0; k < nr; k++)
                regs[i][k] = json_object_get_string(json_object_array_get_idx(r, k));
            av[i].regions = regs[i];
            av[i].n_regions = nr;
        }
    }
    scanner_shub_accounts accounts = { av, na };

    state_db *db = NULL;
    if (js(spec, "state_dir") && state_open(js(spec, "state_dir"), NULL, &db) != 0) {
        fprintf(stderr, "shub_export: cannot open the state\n");
        return 3;
    }
    json_object *sc = NULL;
    json_object_object_get_ex(spec, "scanning_creds", &sc);
    aws_creds_provider *scanning = provider(sc);
    uv_loop_t loop;
    uv_loop_init(&loop);
    scanner_shub_opts o = {
        .loop = &loop,
        .home_region = js(spec, "home_region"),
        .scanning_account = js(spec, "scanning_account"),
        .scanning_creds = scanning,
        .state = db,
        .max_batch = (size_t)ji(spec, "max_batch"),
    };
    if (scanner_shub_mode_parse(js(spec, "mode"), &o.mode) != 0)
        return 2;
    int64_t now = ji(spec, "now");
    json_object *out = json_object_new_object();
    aws_client *client = NULL;
    if (js(spec, "dry_run")) {
        FILE *d = fopen(js(spec, "dry_run"), "w");
        size_t nb = 0;
        int rc = d ? scanner_securityhub_dry_run(d, &o, &f, now, &nb) : AWS_EIO;
        if (d)
            fclose(d);
        json_object_object_add(out, "dry_run_batches", json_object_new_int64((int64_t)nb));
        json_object_object_add(out, "rc", json_object_new_int(rc));
    } else {
        aws_client_opts co = { .endpoints = { .use_env = 1 }, .max_attempts = 2 };
        int rc = aws_client_new(&loop, &co, &client);
        if (rc == 0)
            rc = scanner_securityhub_export(client, &o, &f, &accounts, now, on_done, out);
        if (rc != 0) {
            fprintf(stderr, "shub_export: cannot start: %s\n", aws_strerror(rc));
            code = 3;
        }
        uv_run(&loop, UV_RUN_DEFAULT);
    }
    aws_client_free(client);
    uv_run(&loop, UV_RUN_DEFAULT);
    if (uv_loop_close(&loop) != 0) {
        fprintf(stderr, "shub_export: uv_loop_close failed\n");
        code = 4;
    }
    printf("%s\n", json_object_to_json_string_ext(out, JSON_C_TO_STRING_PLAIN));
    json_object_put(out);
    state_close(db);
    aws_creds_provider_unref(scanning);
    for (size_t i = 0; i < na; i++) {
        aws_creds_provider_unref(av[i].creds);
        free(regs[i]);
    }
    free(regs);
    free(av);
    scanner_findings_finish(&f);
    json_object_put(spec);
    return code;
}
