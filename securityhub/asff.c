#include "securityhub/asff.h"
#include "aws/error.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define MAX_OTHER_FIELDS 50
#define MAX_FIELD_VALUE  1024
#define MAX_FIELD_KEY    128

int shub_mode_parse(const char *s, shub_mode *out)
{
    if (!s || strcmp(s, "member") == 0) {
        *out = SHUB_MEMBER;
        return 0;
    }
    if (strcmp(s, "central") == 0) {
        *out = SHUB_CENTRAL;
        return 0;
    }
    return AWS_EINVAL;
}

const char *asff_partition(const char *region)
{
    if (region && strncmp(region, "cn-", 3) == 0)
        return "aws-cn";
    if (region && strncmp(region, "us-gov-", 7) == 0)
        return "aws-us-gov";
    return "aws";
}

const char *asff_importer(const scanner_finding *f, const asff_opts *o)
{
    if (o->mode == SHUB_CENTRAL && o->scanning_account && *o->scanning_account)
        return o->scanning_account;
    return f->account_id;
}

void asff_id(const scanner_finding *f, char *buf, size_t n)
{
    snprintf(buf, n, "%s%s", ASFF_ID_PREFIX, f->id);
}

void asff_time(int64_t t, char *buf, size_t n)
{
    time_t tt = (time_t)t;
    struct tm tm;
    if (!gmtime_r(&tt, &tm)) {
        snprintf(buf, n, "1970-01-01T00:00:00.000Z");
        return;
    }
    if (strftime(buf, n, "%Y-%m-%dT%H:%M:%S.000Z", &tm) == 0 && n)
        buf[0] = '\0';
}

size_t asff_size(json_object *o)
{
    size_t len = 0;
    json_object_to_json_string_length(o, JSON_C_TO_STRING_PLAIN |
                                      JSON_C_TO_STRING_NOSLASHESCAPE, &len);
    return len;
}

/* ---- helpers -------------------------------------------------------------- */

static int nonempty(const char *s)
{
    if (!s)
        return 0;
    for (; *s; s++)
        if (*s != ' ' && *s != '\t' && *s != '\n' && *s != '\r')
            return 1;
    return 0;
}

/* A string cut to at most max bytes, never inside a UTF-8 sequence. */
static json_object *str_cut(const char *s, size_t max)
{
    size_t n = strlen(s);
    if (n > max) {
        n = max;
        while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
            n--;
    }
    return json_object_new_string_len(s, (int)n);
}

static int add(json_object *o, const char *k, json_object *v)
{
    if (!v)
        return AWS_ENOMEM;
    if (json_object_object_add(o, k, v) != 0) {
        json_object_put(v);
        return AWS_ENOMEM;
    }
    return 0;
}

static int add_str(json_object *o, const char *k, const char *v)
{
    return add(o, k, json_object_new_string(v));
}

/* Adds k: v only when v is a non-empty string. */
static int add_opt(json_object *o, const char *k, const char *v, size_t max)
{
    if (!nonempty(v))
        return 0;
    return add(o, k, str_cut(v, max));
}

static const char *jget_str(json_object *o, const char *k)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v) || !json_object_is_type(v, json_type_string))
        return NULL;
    return json_object_get_string(v);
}

static json_object *jget(json_object *o, const char *k)
{
    json_object *v;
    if (!o || !json_object_object_get_ex(o, k, &v))
        return NULL;
    return v;
}

static int add_time(json_object *o, const char *k, int64_t t)
{
    char buf[32];
    asff_time(t, buf, sizeof(buf));
    return add_str(o, k, buf);
}

/* A JSON array of non-empty strings (copied), or NULL when none. */
static json_object *str_list(json_object *a, int *oom)
{
    if (!a || !json_object_is_type(a, json_type_array))
        return NULL;
    json_object *out = NULL;
    size_t n = json_object_array_length(a);
    for (size_t i = 0; i < n; i++) {
        const char *s = json_object_get_string(json_object_array_get_idx(a, i));
        if (!nonempty(s))
            continue;
        if (!out && !(out = json_object_new_array())) {
            *oom = 1;
            return NULL;
        }
        json_object *v = json_object_new_string(s);
        if (!v || json_object_array_add(out, v) != 0) {
            json_object_put(v);
            json_object_put(out);
            *oom = 1;
            return NULL;
        }
    }
    return out;
}

/* ---- resource details ---------------------------------------------------- */

/* Details.AwsCertificateManagerCertificate from the rules' details_json
 * (keys: type, status, renewal_eligibility, renewal_status,
 * renewal_status_reason, failure_reason, key_algorithm,
 * transparency_logging, created_at, not_before, not_after, in_use_by,
 * validations[{domain,status,method}]).  lists = 0 leaves the lists out. */
static json_object *acm_details(const scanner_finding *f, json_object *d, int lists)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    int rc = 0, oom = 0;
    const struct { const char *asff, *key; } plain[] = {
        { "Type", "type" },
        { "Status", "status" },
        { "RenewalEligibility", "renewal_eligibility" },
        { "FailureReason", "failure_reason" },
        { "KeyAlgorithm", "key_algorithm" },
        { "CreatedAt", "created_at" },
        { "NotBefore", "not_before" },
        { "NotAfter", "not_after" },
    };
    rc = add_opt(o, "DomainName", f->domain, MAX_FIELD_VALUE);
    for (size_t i = 0; !rc && i < sizeof(plain) / sizeof(plain[0]); i++)
        rc = add_opt(o, plain[i].asff, jget_str(d, plain[i].key), MAX_FIELD_VALUE);
    if (!rc && !jget_str(d, "not_after") && f->not_after) {
        rc = add_time(o, "NotAfter", f->not_after);
    }
    if (!rc && nonempty(jget_str(d, "renewal_status"))) {
        json_object *rs = json_object_new_object();
        rc = rs ? 0 : AWS_ENOMEM;
        if (!rc)
            rc = add_opt(rs, "RenewalStatus", jget_str(d, "renewal_status"), MAX_FIELD_VALUE);
        if (!rc)
            rc = add_opt(rs, "RenewalStatusReason", jget_str(d, "renewal_status_reason"),
                         MAX_FIELD_VALUE);
        if (rs)
            rc = rc ? (json_object_put(rs), rc) : add(o, "RenewalSummary", rs);
    }
    if (!rc && nonempty(jget_str(d, "transparency_logging"))) {
        json_object *op = json_object_new_object();
        rc = op ? add_str(op, "CertificateTransparencyLoggingPreference",
                          jget_str(d, "transparency_logging")) : AWS_ENOMEM;
        if (op)
            rc = rc ? (json_object_put(op), rc) : add(o, "Options", op);
    }
    if (!rc && lists) {
        json_object *inuse = str_list(jget(d, "in_use_by"), &oom);
        if (inuse)
            rc = add(o, "InUseBy", inuse);
        json_object *va = jget(d, "validations");
        if (!rc && va && json_object_is_type(va, json_type_array) &&
            json_object_array_length(va) > 0) {
            json_object *out = json_object_new_array();
            rc = out ? 0 : AWS_ENOMEM;
            for (size_t i = 0; !rc && i < json_object_array_length(va); i++) {
                json_object *v = json_object_array_get_idx(va, i);
                json_object *e = json_object_new_object();
                if (!e) {
                    rc = AWS_ENOMEM;
                    break;
                }
                rc = add_opt(e, "DomainName", jget_str(v, "domain"), MAX_FIELD_VALUE);
                if (!rc)
                    rc = add_opt(e, "ValidationStatus", jget_str(v, "status"), MAX_FIELD_VALUE);
                if (!rc)
                    rc = add_opt(e, "ValidationMethod", jget_str(v, "method"), MAX_FIELD_VALUE);
                if (!rc && json_object_array_add(out, e) != 0)
                    rc = AWS_ENOMEM;
                if (rc)
                    json_object_put(e);
            }
            if (out)
                rc = rc ? (json_object_put(out), rc) : add(o, "DomainValidationOptions", out);
        }
    }
    if (rc || oom) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* Details.Other: a flat string map of the scalar (and list) facts. */
static json_object *other_details(const scanner_finding *f, json_object *d, int lists)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    int rc = 0, count = 0;
    if (nonempty(f->resource_type) && strcmp(f->resource_type, "Other") != 0) {
        rc = add_str(o, "ResourceType", f->resource_type);
        count++;
    }
    if (!rc && nonempty(f->resource_id)) {
        rc = add(o, "ResourceId", str_cut(f->resource_id, MAX_FIELD_VALUE));
        count++;
    }
    if (!rc && nonempty(f->domain)) {
        rc = add(o, "DomainName", str_cut(f->domain, MAX_FIELD_VALUE));
        count++;
    }
    if (d && json_object_is_type(d, json_type_object)) {
        json_object_object_foreach(d, key, val) {
            if (rc || count >= MAX_OTHER_FIELDS)
                break;
            if (!val || strlen(key) > MAX_FIELD_KEY || json_object_object_get_ex(o, key, NULL))
                continue;
            const char *s = NULL;
            json_type t = json_object_get_type(val);
            if (t == json_type_object)
                continue;
            if (t == json_type_array) {
                if (!lists)
                    continue;
                /* Lists of scalars become "a, b, c" (cut at the limit). */
                s = json_object_to_json_string_ext(val, JSON_C_TO_STRING_PLAIN |
                                                   JSON_C_TO_STRING_NOSLASHESCAPE);
            } else {
                s = json_object_get_string(val);
            }
            if (!nonempty(s) || (t == json_type_array && strcmp(s, "[]") == 0))
                continue;
            rc = add(o, key, str_cut(s, MAX_FIELD_VALUE));
            count++;
        }
    }
    if (rc) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* Detail levels: 2 full, 1 without lists, 0 none. */
static int add_resource(json_object *fo, const scanner_finding *f,
                        const asff_opts *o, json_object *dj, int level)
{
    json_object *res = json_object_new_object();
    json_object *arr = json_object_new_array();
    int rc = (res && arr) ? 0 : AWS_ENOMEM;
    int acm = f->source == SCANNER_SRC_ACM;
    const char *type = acm ? "AwsCertificateManagerCertificate"
                           : (f->source == SCANNER_SRC_APIGW_STAGE ? "AwsApiGatewayStage"
                                                                   : "Other");
    const char *rid = nonempty(f->resource_arn) ? f->resource_arn : f->resource_id;
    /* Resources[].Region is a real region; IAM's "global" maps to the
     * home region (the original stays in ProductFields). */
    const char *region = (f->region && strcmp(f->region, "global") != 0 && *f->region)
                         ? f->region : o->home_region;
    if (!rc)
        rc = add_str(res, "Type", type);
    if (!rc)
        rc = add_str(res, "Id", rid ? rid : f->id);
    if (!rc)
        rc = add_str(res, "Partition", asff_partition(region));
    if (!rc)
        rc = add_str(res, "Region", region);
    if (!rc && level > 0) {
        json_object *det = json_object_new_object();
        json_object *inner = acm ? acm_details(f, dj, level > 1)
                                 : other_details(f, dj, level > 1);
        if (!det || !inner) {
            json_object_put(det);
            json_object_put(inner);
            rc = AWS_ENOMEM;
        } else {
            rc = add(det, acm ? "AwsCertificateManagerCertificate" : "Other", inner);
            rc = rc ? (json_object_put(det), rc) : add(res, "Details", det);
        }
    }
    if (!rc && json_object_array_add(arr, res) == 0)
        res = NULL;
    else if (!rc)
        rc = AWS_ENOMEM;
    json_object_put(res);
    if (!rc)
        return add(fo, "Resources", arr);
    json_object_put(arr);
    return rc;
}

static int add_product_fields(json_object *fo, const scanner_finding *f, int trimmed)
{
    json_object *pf = json_object_new_object();
    if (!pf)
        return AWS_ENOMEM;
    char days[32];
    snprintf(days, sizeof(days), "%lld", (long long)f->days_to_expiry);
    int rc = add_str(pf, "ProviderName", "certsweep");
    if (!rc) rc = add_str(pf, "certsweep/FindingId", f->id);
    if (!rc) rc = add_str(pf, "certsweep/Rule", f->rule);
    if (!rc) rc = add_str(pf, "certsweep/AccountId", f->account_id);
    if (!rc) rc = add_str(pf, "certsweep/Region", f->region);
    if (!rc) rc = add_str(pf, "certsweep/Source", scanner_source_name(f->source));
    if (!rc && f->not_after) rc = add_str(pf, "certsweep/DaysToExpiry", days);
    if (!rc && trimmed) rc = add_str(pf, "certsweep/DetailsTrimmed", "true");
    if (rc) {
        json_object_put(pf);
        return rc;
    }
    return add(fo, "ProductFields", pf);
}

static json_object *build_level(const scanner_finding *f, const asff_opts *o,
                                const asff_history *h, json_object *dj, int level)
{
    const char *importer = asff_importer(f, o);
    char id[128], gen[128], arn[256];
    asff_id(f, id, sizeof(id));
    snprintf(gen, sizeof(gen), "%s%s", ASFF_ID_PREFIX, f->rule);
    snprintf(arn, sizeof(arn), "arn:%s:securityhub:%s:%s:product/%s/default",
             asff_partition(o->home_region), o->home_region, importer, importer);
    int64_t created = h && h->created_at ? h->created_at : o->now;
    int64_t first = h && h->first_observed_at ? h->first_observed_at : created;

    json_object *fo = json_object_new_object();
    if (!fo)
        return NULL;
    int rc = add_str(fo, "SchemaVersion", ASFF_SCHEMA);
    if (!rc) rc = add_str(fo, "Id", id);
    if (!rc) rc = add_str(fo, "ProductArn", arn);
    if (!rc) rc = add_str(fo, "GeneratorId", gen);
    if (!rc) rc = add_str(fo, "AwsAccountId", importer);
    if (!rc) {
        json_object *types = json_object_new_array();
        json_object *t = json_object_new_string(ASFF_TYPE);
        if (types && t && json_object_array_add(types, t) == 0) {
            rc = add(fo, "Types", types);
        } else {
            json_object_put(t);
            json_object_put(types);
            rc = AWS_ENOMEM;
        }
    }
    if (!rc) rc = add_time(fo, "CreatedAt", created);
    if (!rc) rc = add_time(fo, "UpdatedAt", o->now);
    if (!rc) rc = add_time(fo, "FirstObservedAt", first);
    if (!rc) rc = add_time(fo, "LastObservedAt", o->now);
    if (!rc) {
        json_object *sev = json_object_new_object();
        rc = sev ? add_str(sev, "Label", scanner_severity_name(f->severity)) : AWS_ENOMEM;
        if (!rc) rc = add_str(sev, "Original", scanner_severity_name(f->severity));
        if (sev)
            rc = rc ? (json_object_put(sev), rc) : add(fo, "Severity", sev);
    }
    if (!rc) rc = add(fo, "Title", str_cut(f->title, ASFF_MAX_TITLE));
    if (!rc) rc = add(fo, "Description", str_cut(nonempty(f->details) ? f->details : f->title,
                                                 ASFF_MAX_DESC));
    if (!rc) {
        json_object *rem = json_object_new_object(), *recm = json_object_new_object();
        char text[160];
        const char *rt = f->remediation;
        if (!nonempty(rt)) {
            snprintf(text, sizeof(text), "See the certsweep documentation of rule %s.", f->rule);
            rt = text;
        }
        rc = rem && recm ? add(recm, "Text", str_cut(rt, ASFF_MAX_REC_TEXT)) : AWS_ENOMEM;
        if (!rc) rc = add_opt(recm, "Url", f->console_url, 2048);
        if (!rc) {
            rc = add(rem, "Recommendation", recm);
            recm = NULL;
        }
        json_object_put(recm);
        if (rem)
            rc = rc ? (json_object_put(rem), rc) : add(fo, "Remediation", rem);
    }
    if (!rc && nonempty(f->console_url))
        rc = add_str(fo, "SourceUrl", f->console_url);
    if (!rc) rc = add_product_fields(fo, f, level < 2);
    if (!rc) rc = add_resource(fo, f, o, dj, level);
    if (!rc) {
        json_object *c = json_object_new_object();
        rc = c ? add_str(c, "Status", "FAILED") : AWS_ENOMEM;
        if (c)
            rc = rc ? (json_object_put(c), rc) : add(fo, "Compliance", c);
    }
    if (!rc) rc = add_str(fo, "RecordState", "ACTIVE");
    if (rc) {
        json_object_put(fo);
        return NULL;
    }
    return fo;
}

json_object *asff_build(const scanner_finding *f, const asff_opts *o,
                                const asff_history *h)
{
    if (!f || !o || !nonempty(o->home_region) || !nonempty(f->account_id) ||
        !f->rule || !nonempty(f->title) || !f->id[0])
        return NULL;
    if (o->mode == SHUB_CENTRAL && !nonempty(o->scanning_account))
        return NULL;
    json_object *dj = NULL;
    if (f->details_json && *f->details_json)
        dj = json_tokener_parse(f->details_json);   /* unreadable: no details */
    json_object *fo = NULL;
    for (int level = 2; level >= 0; level--) {
        fo = build_level(f, o, h, dj, level);
        if (!fo || asff_size(fo) < ASFF_MAX_FINDING)
            break;
        json_object_put(fo);
        fo = NULL;
    }
    json_object_put(dj);
    return fo;
}

/* ---- archive --------------------------------------------------------------- */

json_object *asff_archive(json_object *prev, int64_t now)
{
    static const char *const keep[] = {
        "SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId",
        "Types", "CreatedAt", "FirstObservedAt", "LastObservedAt", "Title",
        "Description", "Remediation", "SourceUrl", "Resources",
    };
    static const char *const required[] = {
        "SchemaVersion", "Id", "ProductArn", "GeneratorId", "AwsAccountId",
        "CreatedAt", "Title", "Description", "Resources",
    };
    if (!prev || !json_object_is_type(prev, json_type_object))
        return NULL;
    for (size_t i = 0; i < sizeof(required) / sizeof(required[0]); i++)
        if (!jget(prev, required[i]))
            return NULL;
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    int rc = 0;
    for (size_t i = 0; !rc && i < sizeof(keep) / sizeof(keep[0]); i++) {
        json_object *v = jget(prev, keep[i]), *copy = NULL;
        if (!v)
            continue;
        if (json_object_deep_copy(v, &copy, NULL) != 0)
            rc = AWS_ENOMEM;
        else
            rc = add(o, keep[i], copy);
    }
    /* ProductFields without the keys Security Hub adds itself (aws/...). */
    json_object *pf = jget(prev, "ProductFields");
    if (!rc && pf && json_object_is_type(pf, json_type_object)) {
        json_object *npf = json_object_new_object();
        rc = npf ? 0 : AWS_ENOMEM;
        json_object_object_foreach(pf, k, v) {
            if (rc)
                break;
            if (strncmp(k, "aws/", 4) == 0 || !json_object_is_type(v, json_type_string))
                continue;
            rc = add_str(npf, k, json_object_get_string(v));
        }
        if (npf)
            rc = rc ? (json_object_put(npf), rc) : add(o, "ProductFields", npf);
    }
    if (!rc) {
        json_object *sev = json_object_new_object();
        const char *old = jget_str(jget(prev, "Severity"), "Label");
        rc = sev ? add_str(sev, "Label", "INFORMATIONAL") : AWS_ENOMEM;
        if (!rc && nonempty(old))
            rc = add_str(sev, "Original", old);
        if (sev)
            rc = rc ? (json_object_put(sev), rc) : add(o, "Severity", sev);
    }
    if (!rc) rc = add_time(o, "UpdatedAt", now);
    if (!rc) {
        json_object *c = json_object_new_object();
        rc = c ? add_str(c, "Status", "PASSED") : AWS_ENOMEM;
        if (c)
            rc = rc ? (json_object_put(c), rc) : add(o, "Compliance", c);
    }
    if (!rc) rc = add_str(o, "RecordState", "ARCHIVED");
    if (rc) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* ---- --format asff ---------------------------------------------------------- */

int asff_write(FILE *out, const scanner_findings *f, const asff_opts *o)
{
    json_object *root = json_object_new_object(), *arr = json_object_new_array();
    int rc = (root && arr) ? 0 : AWS_ENOMEM;
    for (size_t i = 0; !rc && i < f->n; i++) {
        json_object *a = asff_build(&f->v[i], o, NULL);
        if (!a || json_object_array_add(arr, a) != 0) {
            json_object_put(a);
            rc = AWS_ENOMEM;
        }
    }
    if (!rc) {
        rc = add(root, "Findings", arr);
        arr = NULL;
    }
    if (!rc) {
        const char *s = json_object_to_json_string_ext(root,
            JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED |
            JSON_C_TO_STRING_NOSLASHESCAPE);
        if (!s)
            rc = AWS_ENOMEM;
        else if (fputs(s, out) == EOF || fputc('\n', out) == EOF || fflush(out) != 0)
            rc = AWS_EIO;
    }
    json_object_put(arr);
    json_object_put(root);
    return rc;
}
