#include "securityhub/asff.h"
#include "aws/buf.h"
#include "aws/error.h"
#include "aws/text.h"

#include "certsweep_config.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

/* Text fields of the details objects: the Details.Other limit. */
#define MAX_FIELD_VALUE  ASFF_MAX_OTHER_VALUE
/* Resources[].Tags: keys up to 128, values up to 256 characters. */
#define MAX_TAG_KEY      128
#define MAX_TAG_VALUE    256
#define MAX_TAGS         50
/* ASFF ProductFields: at most 50 pairs, keys of 128 characters, values
 * of 2048 (the values here are cut at the Other limit, 1023). */
#define MAX_PRODUCT_FIELDS 50
#define MAX_PRODUCT_KEY    128
#define MAX_PRODUCT_VALUE  ASFF_MAX_OTHER_VALUE

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

void asff_time_ms(int64_t ms, char *buf, size_t n)
{
    int64_t sec = ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000);
    int frac = (int)(ms - sec * 1000);
    time_t tt = (time_t)sec;
    struct tm tm;
    char day[32];
    if (!gmtime_r(&tt, &tm) || strftime(day, sizeof(day), "%Y-%m-%dT%H:%M:%S", &tm) == 0) {
        snprintf(buf, n, "1970-01-01T00:00:00.000Z");
        return;
    }
    snprintf(buf, n, "%s.%03dZ", day, frac);
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

/* A string cut to at most max bytes, never inside a UTF-8 sequence and
 * marked "…" when cut (aws/text.h, the one cutter of shown text). */
static json_object *str_cut(const char *s, size_t max)
{
    aws_buf b;
    aws_buf_init(&b, max);
    json_object *o = NULL;
    if (aws_text_cut(&b, s ? s : "", max) == 0)
        o = json_object_new_string_len(b.data ? b.data : "", (int)b.len);
    aws_buf_finish(&b);
    return o;
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

static int add_time_ms(json_object *o, const char *k, int64_t ms)
{
    char buf[40];
    asff_time_ms(ms, buf, sizeof(buf));
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

/* The string of a scalar list item; NULL for an object, list or empty. */
static const char *item_str(json_object *a, size_t i)
{
    json_object *v = json_object_array_get_idx(a, i);
    if (!v || json_object_is_type(v, json_type_object) || json_object_is_type(v, json_type_array))
        return NULL;
    const char *s = json_object_get_string(v);
    return nonempty(s) ? s : NULL;
}

/* Bytes of s that fit in max, never cutting a UTF-8 sequence. */
static size_t utf8_fit(const char *s, size_t len, size_t max)
{
    if (len <= max)
        return len;
    size_t n = max;
    while (n > 0 && ((unsigned char)s[n] & 0xC0) == 0x80)
        n--;
    return n;
}

/* A list of scalars as one Details.Other value, "a, b, c": whole items
 * only, fewer than 1024 characters, the items left out counted as
 * " (+N more)" (never a cut list).  A first item too long by itself is cut
 * on a UTF-8 boundary.  NULL (nothing to say) for an empty list. */
static json_object *list_value(json_object *a, int *oom)
{
    size_t n = json_object_array_length(a), total = 0, shown = 0;
    for (size_t i = 0; i < n; i++)
        total += item_str(a, i) != NULL;
    if (total == 0)
        return NULL;
    char buf[ASFF_MAX_OTHER_VALUE + 1];
    size_t len = 0;
    for (size_t i = 0; i < n; i++) {
        const char *s = item_str(a, i);
        if (!s)
            continue;
        size_t left = total - shown - 1;        /* items after this one */
        char tail[32];
        int tl = left ? snprintf(tail, sizeof(tail), " (+%zu more)", left) : 0;
        size_t sl = strlen(s), sep = shown ? 2 : 0;
        if (len + sep + sl + (size_t)tl > ASFF_MAX_OTHER_VALUE) {
            if (shown)
                break;
            /* The first item alone is too long: keep its start. */
            sl = utf8_fit(s, sl, ASFF_MAX_OTHER_VALUE - (size_t)tl);
        }
        memcpy(buf + len, ", ", sep);
        len += sep;
        memcpy(buf + len, s, sl);
        len += sl;
        shown++;
    }
    if (shown < total)
        len += (size_t)snprintf(buf + len, sizeof(buf) - len, " (+%zu more)", total - shown);
    json_object *out = json_object_new_string_len(buf, (int)len);
    if (!out)
        *oom = 1;
    return out;
}

/* Details.Other: a flat string map of the scalar (and list) facts.  Keys
 * are fewer than 128 characters, values fewer than 1024, at most 50. */
static json_object *other_details(const scanner_finding *f, json_object *d, int lists)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    int rc = 0, count = 0, oom = 0;
    if (nonempty(f->resource_type) && strcmp(f->resource_type, "Other") != 0) {
        rc = add_str(o, "ResourceType", f->resource_type);
        count++;
    }
    if (!rc && nonempty(f->resource_id)) {
        rc = add(o, "ResourceId", str_cut(f->resource_id, ASFF_MAX_OTHER_VALUE));
        count++;
    }
    if (!rc && nonempty(f->domain)) {
        rc = add(o, "DomainName", str_cut(f->domain, ASFF_MAX_OTHER_VALUE));
        count++;
    }
    if (d && json_object_is_type(d, json_type_object)) {
        json_object_object_foreach(d, key, val) {
            if (rc || count >= ASFF_MAX_OTHER_FIELDS)
                break;
            if (!val || strlen(key) > ASFF_MAX_OTHER_KEY || json_object_object_get_ex(o, key, NULL))
                continue;
            json_type t = json_object_get_type(val);
            if (t == json_type_object)
                continue;
            if (t == json_type_array) {
                if (!lists)
                    continue;
                json_object *v = list_value(val, &oom);
                if (oom) {
                    rc = AWS_ENOMEM;
                    break;
                }
                if (!v)
                    continue;
                rc = add(o, key, v);
                count++;
                continue;
            }
            const char *s = json_object_get_string(val);
            if (!nonempty(s))
                continue;
            rc = add(o, key, str_cut(s, ASFF_MAX_OTHER_VALUE));
            count++;
        }
    }
    if (rc) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* Details.AwsApiGatewayStage of a stage finding: StageName (the part of
 * "restApiId/stage" after the slash) and ClientCertificateId. */
static json_object *stage_details(const scanner_finding *f, json_object *d)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    const char *id = jget_str(d, "stage");
    if (!nonempty(id))
        id = f->resource_id;
    const char *slash = id ? strrchr(id, '/') : NULL;
    int rc = add_opt(o, "StageName", slash ? slash + 1 : id, MAX_FIELD_VALUE);
    if (!rc)
        rc = add_opt(o, "ClientCertificateId", jget_str(d, "client_certificate_id"),
                     MAX_FIELD_VALUE);
    if (rc) {
        json_object_put(o);
        return NULL;
    }
    return o;
}

/* Resources[].Tags: the finding's tags (older reports: the details'
 * "tags" object), at most MAX_TAGS, keys past MAX_TAG_KEY left out,
 * values cut at MAX_TAG_VALUE. */
static int add_tags(json_object *res, const scanner_finding *f, json_object *d)
{
    scanner_tags from_details;
    scanner_tags_init(&from_details);
    const scanner_tags *t = &f->tags;
    if (t->n == 0) {
        if (scanner_tags_from_json(&from_details, jget(d, "tags")) != 0)
            return AWS_ENOMEM;
        t = &from_details;
    }
    json_object *o = t->n ? json_object_new_object() : NULL;
    int rc = (t->n && !o) ? AWS_ENOMEM : 0, n = 0;
    for (size_t i = 0; o && rc == 0 && i < t->n && n < MAX_TAGS; i++) {
        if (strlen(t->k[i]) > MAX_TAG_KEY)
            continue;
        rc = add(o, t->k[i], str_cut(t->v[i], MAX_TAG_VALUE));
        n++;
    }
    scanner_tags_finish(&from_details);
    if (rc || n == 0) {
        json_object_put(o);
        return rc;
    }
    return add(res, "Tags", o);
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
    if (!rc && level > 1)
        rc = add_tags(res, f, dj);
    if (!rc && level > 0) {
        int stage = f->source == SCANNER_SRC_APIGW_STAGE;
        json_object *det = json_object_new_object();
        json_object *inner = acm ? acm_details(f, dj, level > 1)
                           : stage ? stage_details(f, dj)
                                   : other_details(f, dj, level > 1);
        if (!det || !inner) {
            json_object_put(det);
            json_object_put(inner);
            rc = AWS_ENOMEM;
        } else {
            rc = add(det, acm ? "AwsCertificateManagerCertificate"
                              : stage ? "AwsApiGatewayStage" : "Other", inner);
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
    if (!rc) rc = add_str(pf, "ProviderVersion", CERTSWEEP_VERSION);
    if (!rc) rc = add_str(pf, "certsweep/FindingId", f->id);
    if (!rc) rc = add_str(pf, "certsweep/Rule", f->rule);
    if (!rc) rc = add_str(pf, "certsweep/AccountId", f->account_id);
    if (!rc) rc = add_str(pf, "certsweep/Region", f->region);
    if (!rc) rc = add_str(pf, "certsweep/Source", scanner_source_name(f->source));
    if (!rc && f->not_after) rc = add_str(pf, "certsweep/DaysToExpiry", days);
    if (!rc && trimmed) rc = add_str(pf, "certsweep/DetailsTrimmed", "true");
    if (!rc) rc = add_opt(pf, "certsweep/AccountName", f->account_name, MAX_PRODUCT_VALUE);
    if (!rc) rc = add_opt(pf, "certsweep/OuPath", f->ou_path, MAX_PRODUCT_VALUE);
    /* The account's tags, one field each ("certsweep/AccountTag/team"),
     * so that Security Hub filters and automation rules can route on
     * them; ProductFields holds at most 50 pairs: what does not fit is
     * left out and said. */
    size_t left = 0;
    for (size_t i = 0; !rc && i < f->account_tags.n; i++) {
        char key[MAX_PRODUCT_KEY + 1];
        int k = snprintf(key, sizeof(key), "certsweep/AccountTag/%s", f->account_tags.k[i]);
        if (k < 0 || (size_t)k > MAX_PRODUCT_KEY ||
            json_object_object_length(pf) >= MAX_PRODUCT_FIELDS - 1) {
            left++;
            continue;
        }
        rc = add(pf, key, str_cut(f->account_tags.v[i], MAX_PRODUCT_VALUE));
    }
    if (!rc && left) {
        char n[32];
        snprintf(n, sizeof(n), "%zu", left);
        rc = add_str(pf, "certsweep/AccountTagsLeftOut", n);
    }
    if (rc) {
        json_object_put(pf);
        return rc;
    }
    return add(fo, "ProductFields", pf);
}

/* ["Software and Configuration Checks/..."] */
static json_object *types_array(void)
{
    json_object *types = json_object_new_array();
    json_object *t = json_object_new_string(ASFF_TYPE);
    if (types && t && json_object_array_add(types, t) == 0)
        return types;
    json_object_put(t);
    json_object_put(types);
    return NULL;
}

/* {"Label": label, "Original": original} (original may be NULL). */
static json_object *severity_object(const char *label, const char *original)
{
    json_object *sev = json_object_new_object();
    int rc = sev ? add_str(sev, "Label", label) : AWS_ENOMEM;
    if (!rc && nonempty(original))
        rc = add_str(sev, "Original", original);
    if (rc) {
        json_object_put(sev);
        return NULL;
    }
    return sev;
}

/* FindingProviderFields {Severity, Types}: where AWS asks a provider to
 * put them, so that Security Hub keeps a customer's own changes of the
 * top-level fields (which are sent too, for a first import).  Takes sev
 * and types (either may be NULL on ENOMEM). */
static int add_provider_fields(json_object *fo, json_object *sev, json_object *types)
{
    json_object *pf = json_object_new_object();
    if (!pf || !sev || !types) {
        json_object_put(pf);
        json_object_put(sev);
        json_object_put(types);
        return AWS_ENOMEM;
    }
    int rc = add(pf, "Severity", sev);
    if (!rc)
        rc = add(pf, "Types", types);
    else
        json_object_put(types);
    if (rc) {
        json_object_put(pf);
        return rc;
    }
    return add(fo, "FindingProviderFields", pf);
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
    int64_t updated = o->updated_ms ? o->updated_ms : o->now * 1000;

    json_object *fo = json_object_new_object();
    if (!fo)
        return NULL;
    int rc = add_str(fo, "SchemaVersion", ASFF_SCHEMA);
    if (!rc) rc = add_str(fo, "Id", id);
    if (!rc) rc = add_str(fo, "ProductArn", arn);
    if (!rc) rc = add_str(fo, "GeneratorId", gen);
    if (!rc) rc = add_str(fo, "AwsAccountId", importer);
    if (!rc) rc = add_str(fo, "ProductName", ASFF_PRODUCT_NAME);
    if (!rc) rc = add_str(fo, "CompanyName", ASFF_COMPANY_NAME);
    if (!rc) rc = add(fo, "Types", types_array());
    if (!rc) rc = add_time(fo, "CreatedAt", created);
    if (!rc) rc = add_time_ms(fo, "UpdatedAt", updated);
    if (!rc) rc = add_time(fo, "FirstObservedAt", first);
    if (!rc) rc = add_time_ms(fo, "LastObservedAt", updated);
    const char *sev = scanner_severity_name(f->severity);
    if (!rc) rc = add(fo, "Severity", severity_object(sev, sev));
    if (!rc) rc = add_provider_fields(fo, severity_object(sev, sev), types_array());
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
    /* A suppressed finding (scanner/suppress.h) goes in with its workflow
     * SUPPRESSED.  Security Hub takes a provider's Workflow for a new
     * finding; an existing one keeps the workflow its users gave it. */
    if (!rc && f->suppressed_by) {
        json_object *wf = json_object_new_object();
        rc = wf ? add_str(wf, "Status", "SUPPRESSED") : AWS_ENOMEM;
        if (wf)
            rc = rc ? (json_object_put(wf), rc) : add(fo, "Workflow", wf);
    }
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

json_object *asff_archive(json_object *prev, int64_t updated_ms)
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
    const char *old = jget_str(jget(prev, "Severity"), "Label");
    if (!rc) rc = add(o, "Severity", severity_object("INFORMATIONAL", old));
    if (!rc) {
        json_object *types = NULL, *pt = jget(prev, "Types");
        if (pt && json_object_is_type(pt, json_type_array)) {
            if (json_object_deep_copy(pt, &types, NULL) != 0)
                types = NULL;
        } else {
            types = types_array();
        }
        rc = add_provider_fields(o, severity_object("INFORMATIONAL", old), types);
    }
    if (!rc) rc = add_time_ms(o, "UpdatedAt", updated_ms);
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

int asff_write(FILE *out, const scanner_findings *f, const asff_opts *o,
               asff_history_fn hist, void *ud)
{
    json_object *root = json_object_new_object(), *arr = json_object_new_array();
    int rc = (root && arr) ? 0 : AWS_ENOMEM;
    for (size_t i = 0; !rc && i < f->n; i++) {
        asff_history h = { 0, 0 };
        if (hist) {
            char id[128];
            asff_id(&f->v[i], id, sizeof(id));
            hist(&f->v[i], id, &h, ud);
        }
        json_object *a = asff_build(&f->v[i], o, &h);
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
