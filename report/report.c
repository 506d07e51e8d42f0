/* certsweep — report writers (table, json, csv; html.c and jsonl.c). */
#include "report/report.h"
#include "report/writers.h"

#include "aws/buf.h"
#include "aws/error.h"
#include "aws/text.h"

#include <json-c/json.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define LINE_MAX_BYTES (64 * 1024)
#define CELL_MAX_BYTES 2048         /* display cells are cut before measuring */
#define GAP_MSG_COLS   160
#define CSV_CELL_MAX   (1024 * 1024)  /* past the longest details text */


int report_format_known(const char *format)
{
    return format && (strcmp(format, "table") == 0 || strcmp(format, "json") == 0 ||
                      strcmp(format, "csv") == 0 || strcmp(format, "html") == 0 ||
                      strcmp(format, "jsonl") == 0);
}

/* ---- shared ------------------------------------------------------------- */

static const char *nz(const char *s)
{
    return s ? s : "";
}

/* Same order as scanner_findings_sort: worst first, soonest expiry first. */
static int cmp_finding(const void *pa, const void *pb)
{
    return scanner_finding_cmp(*(const scanner_finding *const *)pa,
                               *(const scanner_finding *const *)pb);
}

/* Pointers to the findings in report order (caller frees; NULL on ENOMEM
 * unless there are no findings). */
static const scanner_finding **sorted(const scanner_findings *f)
{
    if (f->n == 0)
        return NULL;
    const scanner_finding **v = malloc(f->n * sizeof(*v));
    if (!v)
        return NULL;
    for (size_t i = 0; i < f->n; i++)
        v[i] = &f->v[i];
    qsort(v, f->n, sizeof(*v), cmp_finding);
    return v;
}

static void count(const scanner_findings *f, uint64_t by_sev[SCANNER_SEV_CRITICAL + 1])
{
    memset(by_sev, 0, (SCANNER_SEV_CRITICAL + 1) * sizeof(by_sev[0]));
    for (size_t i = 0; i < f->n; i++)
        if ((unsigned)f->v[i].severity <= SCANNER_SEV_CRITICAL)
            by_sev[f->v[i].severity]++;
}

static const char *resource_label(const scanner_finding *fd)
{
    if (fd->domain && *fd->domain)
        return fd->domain;
    if (fd->resource_id && *fd->resource_id)
        return fd->resource_id;
    return nz(fd->resource_arn);
}

/* ---- json --------------------------------------------------------------- */

static json_object *jstr(const char *s)
{
    return s ? json_object_new_string(s) : NULL;
}

static json_object *jtime(int64_t t)
{
    char buf[32];
    if (t == 0)
        return NULL;
    scanner_fmt_time(t, 1, buf, sizeof(buf));
    return json_object_new_string(buf);
}

static json_object *finding_json(const scanner_finding *fd)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object *details = fd->details_json ? json_tokener_parse(fd->details_json) : NULL;
    if (details && !json_object_is_type(details, json_type_object)) {
        json_object_put(details);
        details = NULL;
    }
    if (!details)
        details = json_object_new_object();
    json_object_object_add(o, "id", json_object_new_string(fd->id));
    json_object_object_add(o, "rule", jstr(fd->rule));
    json_object_object_add(o, "severity", json_object_new_string(scanner_severity_name(fd->severity)));
    json_object_object_add(o, "account_id", jstr(fd->account_id));
    json_object_object_add(o, "account_name", jstr(fd->account_name));
    json_object_object_add(o, "ou_path", jstr(fd->ou_path));
    json_object_object_add(o, "region", jstr(fd->region));
    json_object_object_add(o, "source", jstr(scanner_source_name(fd->source)));
    json_object_object_add(o, "resource_type", jstr(fd->resource_type));
    json_object_object_add(o, "resource_arn", jstr(fd->resource_arn));
    json_object_object_add(o, "resource_id", jstr(fd->resource_id));
    json_object_object_add(o, "domain", jstr(fd->domain));
    json_object_object_add(o, "not_after", jtime(fd->not_after));
    json_object_object_add(o, "days_to_expiry",
                           fd->not_after ? json_object_new_int64(fd->days_to_expiry) : NULL);
    json_object_object_add(o, "title", jstr(fd->title));
    json_object_object_add(o, "details", details);
    json_object_object_add(o, "details_text", jstr(fd->details));
    json_object_object_add(o, "remediation", jstr(fd->remediation));
    json_object_object_add(o, "console_url", jstr(fd->console_url));
    json_object_object_add(o, "tags", scanner_tags_json(&fd->tags));
    json_object_object_add(o, "account_tags", scanner_tags_json(&fd->account_tags));
    if (fd->suppressed_by) {
        json_object *sp = json_object_new_object();
        json_object_object_add(sp, "by", jstr(fd->suppressed_by));
        json_object_object_add(sp, "reason", jstr(fd->suppressed_reason));
        json_object_object_add(sp, "until", jtime(fd->suppressed_until));
        json_object_object_add(o, "suppressed", sp);
    }
    if (fd->label != SCANNER_LABEL_NONE) {
        json_object_object_add(o, "label", json_object_new_string(scanner_label_name(fd->label)));
        if (fd->label != SCANNER_LABEL_NEW)
            json_object_object_add(o, "previous_severity",
                                   json_object_new_string(scanner_severity_name(fd->prev_severity)));
        json_object_object_add(o, "first_seen", jtime(fd->first_seen));
    }
    return o;
}

static json_object *gap_json(const scanner_gap *g)
{
    json_object *o = json_object_new_object();
    if (!o)
        return NULL;
    json_object_object_add(o, "account_id", jstr(g->account_id));
    json_object_object_add(o, "account_name", jstr(g->account_name));
    json_object_object_add(o, "region", jstr(g->region));
    json_object_object_add(o, "operation", jstr(g->operation));
    json_object_object_add(o, "error_code", jstr(g->error_code));
    json_object_object_add(o, "message", jstr(g->message));
    return o;
}

static json_object *ju64(uint64_t v)
{
    return json_object_new_int64(v > INT64_MAX ? INT64_MAX : (int64_t)v);
}

static json_object *stats_json(const scanner_findings *f, const scanner_stats *st)
{
    scanner_stats zero;
    uint64_t by_sev[SCANNER_SEV_CRITICAL + 1];
    if (!st) {
        scanner_stats_init(&zero);
        st = &zero;
    }
    count(f, by_sev);
    json_object *o = json_object_new_object();
    json_object *fs = json_object_new_object();
    if (!o || !fs) {
        json_object_put(o);
        json_object_put(fs);
        return NULL;
    }
    json_object_object_add(o, "accounts", ju64(st->accounts));
    json_object_object_add(o, "regions", ju64(st->regions));
    json_object_object_add(o, "account_regions", ju64(st->account_regions));
    json_object_object_add(o, "certificates", ju64(st->certificates));
    json_object_object_add(o, "api_calls", ju64(st->api_calls));
    json_object_object_add(o, "retries", ju64(st->retries));
    json_object_object_add(o, "throttled", ju64(st->throttled));
    json_object_object_add(o, "describes", ju64(st->describes));
    json_object_object_add(o, "describes_saved", ju64(st->describes_saved));
    json_object_object_add(o, "detail_cache_hits", ju64(st->detail_cache_hits));
    json_object_object_add(o, "apigw_stage_calls", ju64(st->apigw_stage_calls));
    json_object_object_add(o, "apigw_stage_reads_saved", ju64(st->apigw_stage_reads_saved));
    json_object_object_add(o, "dns_lookups", ju64(st->dns_lookups));
    for (int s = SCANNER_SEV_CRITICAL; s >= SCANNER_SEV_INFORMATIONAL; s--)
        json_object_object_add(fs, scanner_severity_name((scanner_severity)s),
                               ju64(by_sev[s]));
    json_object_object_add(fs, "total", ju64(f->n));
    json_object_object_add(o, "findings", fs);
    json_object_object_add(o, "coverage_gaps", ju64(f->n_gaps));
    json_object_object_add(o, "wall_ms", json_object_new_int64(st->wall_ms));
    if (st->shard_count > 1) {
        char sh[32];
        snprintf(sh, sizeof(sh), "%d/%d", st->shard_index, st->shard_count);
        json_object_object_add(o, "shard", json_object_new_string(sh));
    }
    return o;
}

#define JSON_FLAGS (JSON_C_TO_STRING_PRETTY | JSON_C_TO_STRING_SPACED | \
                    JSON_C_TO_STRING_NOSLASHESCAPE)

/* Writes v (NULL: null) as json-c pretty-prints it at nesting `depth`
 * (two spaces a level): strings are escaped, so every line break is the
 * layout's.  Takes v. */
static int put_value(FILE *out, json_object *v, int depth)
{
    const char *s = v ? json_object_to_json_string_ext(v, JSON_FLAGS) : "null";
    int rc = s ? 0 : AWS_ENOMEM;
    for (const char *nl; s && (nl = strchr(s, '\n')) != NULL; s = nl + 1) {
        fwrite(s, 1, (size_t)(nl - s + 1), out);
        fprintf(out, "%*s", depth * 2, "");
    }
    if (s)
        fputs(s, out);
    json_object_put(v);
    return rc;
}

/* One member of the top-level object: `"key": value`. */
static int put_member(FILE *out, int first, const char *key, json_object *v)
{
    fprintf(out, "%s  \"%s\": ", first ? "" : ",\n", key);
    return put_value(out, v, 1);
}

typedef json_object *(*item_json_fn)(const void *item);

static json_object *finding_item(const void *p) { return finding_json(p); }
static json_object *gap_item(const void *p) { return gap_json(p); }

/* A top-level array member, one item built, written and freed at a time:
 * a report of many findings never holds their JSON all at once. */
static int put_array(FILE *out, const char *key, const void *const *items, size_t n,
                     item_json_fn fn)
{
    fprintf(out, ",\n  \"%s\": [\n", key);
    for (size_t i = 0; i < n; i++) {
        json_object *o = fn(items[i]);
        if (!o)
            return AWS_ENOMEM;
        fputs(i ? ",\n    " : "    ", out);
        int rc = put_value(out, o, 2);
        if (rc)
            return rc;
    }
    fputs(n ? "\n  ]" : "  ]", out);
    return 0;
}

/* The document is json-c's pretty form of {schema, as_of, findings,
 * coverage_gaps, resolved?, stats}, written piece by piece. */
static int write_json(FILE *out, const scanner_findings *f, const scanner_stats *st,
                      int64_t as_of)
{
    int rc = AWS_ENOMEM;
    const scanner_finding **v = sorted(f);
    const void **gaps = f->n_gaps ? calloc(f->n_gaps, sizeof(*gaps)) : NULL;
    const void **res = f->n_resolved ? calloc(f->n_resolved, sizeof(*res)) : NULL;
    if ((f->n && !v) || (f->n_gaps && !gaps) || (f->n_resolved && !res))
        goto done;
    for (size_t i = 0; i < f->n_gaps; i++)
        gaps[i] = &f->gaps[i];
    for (size_t i = 0; i < f->n_resolved; i++)
        res[i] = &f->resolved[i];
    json_object *stats = stats_json(f, st);
    if (!stats)
        goto done;
    fputs("{\n", out);
    if ((rc = put_member(out, 1, "schema", json_object_new_string(REPORT_SCHEMA))) ||
        (rc = put_member(out, 0, "as_of", jtime(as_of))) ||
        (rc = put_array(out, "findings", (const void *const *)v, f->n, finding_item)) ||
        (rc = put_array(out, "coverage_gaps", gaps, f->n_gaps, gap_item)) ||
        /* Findings of earlier runs this run resolved: only when the run
         * labelled against a state (scanner/resolve.h decides). */
        (f->n_resolved &&
         (rc = put_array(out, "resolved", res, f->n_resolved, finding_item)))) {
        json_object_put(stats);
        goto done;
    }
    if ((rc = put_member(out, 0, "stats", stats)) == 0)
        fputs("\n}\n", out);
done:
    free(v);
    free(gaps);
    free(res);
    return rc;
}

/* ---- csv ---------------------------------------------------------------- */

/* A plain number ("-3", "+12", "1.5"): left as it is. */
static int plain_number(const char *s)
{
    if (*s == '-' || *s == '+')
        s++;
    if (!(*s >= '0' && *s <= '9'))
        return 0;
    while (*s >= '0' && *s <= '9')
        s++;
    if (*s == '.') {
        s++;
        if (!(*s >= '0' && *s <= '9'))
            return 0;
        while (*s >= '0' && *s <= '9')
            s++;
    }
    return *s == '\0';
}

/* A cell a spreadsheet reads as data, never as a formula (OWASP "CSV
 * injection"): invalid UTF-8 becomes U+FFFD, control characters other
 * than tab, CR and LF are dropped (C0, DEL, C1), and a cell that starts
 * with = + - @ tab or CR gets a leading ' unless it is a plain number. */
static int csv_cell(const char *s, aws_buf *cell)
{
    s = s ? s : "";
    size_t n = strlen(s), i = 0;
    int rc = 0;
    while (i < n && rc == 0) {
        uint32_t cp;
        size_t k = aws_utf8_char(s + i, n - i, &cp);
        if (!k) {
            rc = aws_buf_puts(cell, "\xef\xbf\xbd");
            i++;
            while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
                i++;
            continue;
        }
        int ctl = cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp <= 0x9f);
        if (!ctl || cp == '\t' || cp == '\r' || cp == '\n')
            rc = aws_buf_append(cell, s + i, k);
        i += k;
    }
    if (rc)
        return rc;
    const char *c = cell->data ? cell->data : "";
    if (*c && strchr("=+-@\t\r", *c) && !plain_number(c)) {
        aws_buf quoted;
        aws_buf_init(&quoted, cell->max);
        if ((rc = aws_buf_putc(&quoted, '\'')) || (rc = aws_buf_puts(&quoted, c))) {
            aws_buf_finish(&quoted);
            return rc;
        }
        aws_buf_finish(cell);
        *cell = quoted;
    }
    return 0;
}

static int csv_field(FILE *out, const char *raw, int last)
{
    aws_buf cell;
    aws_buf_init(&cell, CSV_CELL_MAX);
    int rc = csv_cell(raw, &cell);
    const char *s = rc == 0 && cell.data ? cell.data : "";
    if (strpbrk(s, ",\"\r\n")) {
        fputc('"', out);
        for (const char *p = s; *p; p++) {
            if (*p == '"')
                fputc('"', out);
            fputc(*p, out);
        }
        fputc('"', out);
    } else {
        fputs(s, out);
    }
    fputs(last ? "\r\n" : ",", out);
    aws_buf_finish(&cell);
    return rc;
}

/* The last three columns: a coverage gap's operation, error code and
 * message (empty on a finding's row). */
static int csv_gap_cells(FILE *out, const scanner_gap *g)
{
    int rc = csv_field(out, g ? g->operation : NULL, 0);
    rc |= csv_field(out, g ? g->error_code : NULL, 0);
    rc |= csv_field(out, g ? g->message : NULL, 1);
    return rc;
}

/* A coverage gap after the findings: row_type coverage_gap, its account,
 * the account's name (when known) and region in their columns, the other
 * finding columns between empty. */
static int csv_gap_row(FILE *out, const scanner_gap *g, const char *const *header,
                       size_t ncols)
{
    int rc = csv_field(out, "coverage_gap", 0);
    for (size_t c = 1; c + 3 < ncols; c++) {
        const char *v = strcmp(header[c], "account_id") == 0 ? g->account_id
                      : strcmp(header[c], "account_name") == 0 ? g->account_name
                      : strcmp(header[c], "region") == 0 ? g->region : NULL;
        rc |= csv_field(out, v, 0);
    }
    return rc | csv_gap_cells(out, g);
}

static int write_csv(FILE *out, const scanner_findings *f)
{
    static const char *const header[] = {
        "row_type", "id", "severity", "rule", "account_id", "region", "resource_type",
        "resource_arn", "resource_id", "domain", "not_after", "days_to_expiry",
        "title", "details", "remediation", "console_url",
        "account_name", "ou_path", "tags", "account_tags",
        "operation", "error_code", "message",
    };
    const size_t nh = sizeof(header) / sizeof(header[0]);
    const scanner_finding **v = sorted(f);
    if (f->n && !v)
        return AWS_ENOMEM;
    int rc = 0;
    for (size_t i = 0; i < nh; i++)
        rc |= csv_field(out, header[i], i + 1 == nh);
    for (size_t i = 0; i < f->n; i++) {
        const scanner_finding *fd = v[i];
        char date[32] = "", days[32] = "";
        if (fd->not_after) {
            scanner_fmt_time(fd->not_after, 1, date, sizeof(date));
            snprintf(days, sizeof(days), "%lld", (long long)fd->days_to_expiry);
        }
        rc |= csv_field(out, "finding", 0);
        rc |= csv_field(out, fd->id, 0);
        rc |= csv_field(out, scanner_severity_name(fd->severity), 0);
        rc |= csv_field(out, fd->rule, 0);
        rc |= csv_field(out, fd->account_id, 0);
        rc |= csv_field(out, fd->region, 0);
        rc |= csv_field(out, fd->resource_type, 0);
        rc |= csv_field(out, fd->resource_arn, 0);
        rc |= csv_field(out, fd->resource_id, 0);
        rc |= csv_field(out, fd->domain, 0);
        rc |= csv_field(out, date, 0);
        rc |= csv_field(out, days, 0);
        rc |= csv_field(out, fd->title, 0);
        rc |= csv_field(out, fd->details, 0);
        rc |= csv_field(out, fd->remediation, 0);
        rc |= csv_field(out, fd->console_url, 0);
        rc |= csv_field(out, fd->account_name, 0);
        rc |= csv_field(out, fd->ou_path, 0);
        char *tags = scanner_tags_text(&fd->tags), *atags = scanner_tags_text(&fd->account_tags);
        rc |= (tags && atags) ? 0 : AWS_ENOMEM;
        rc |= csv_field(out, tags, 0);
        rc |= csv_field(out, atags, 0);
        free(tags);
        free(atags);
        rc |= csv_gap_cells(out, NULL);
    }
    for (size_t i = 0; i < f->n_gaps; i++)
        rc |= csv_gap_row(out, &f->gaps[i], header, nh);
    free(v);
    return rc ? AWS_ENOMEM : 0;
}

/* ---- table -------------------------------------------------------------- */

enum { C_SEV, C_DAYS, C_ACCOUNT, C_OU, C_REGION, C_RULE, C_RESOURCE, C_EXPIRES, C_N };

static const struct {
    const char *name;
    size_t max;         /* widest a column grows */
    int right;          /* right-aligned */
    int middle;         /* truncate in the middle (keeps both ends) */
} cols[C_N] = {
    [C_SEV]      = { "SEVERITY", 13, 0, 0 },
    [C_DAYS]     = { "DAYS", 7, 1, 0 },
    [C_ACCOUNT]  = { "ACCOUNT", 32, 0, 0 },     /* "id name": the id is never cut */
    [C_OU]       = { "OU", 28, 0, 1 },          /* shown when some finding has a path */
    [C_REGION]   = { "REGION", 16, 0, 0 },
    [C_RULE]     = { "RULE", 29, 0, 0 },
    [C_RESOURCE] = { "RESOURCE", 44, 0, 1 },
    [C_EXPIRES]  = { "EXPIRES", 10, 0, 0 },
};

static int is_cont(unsigned char c)
{
    return (c & 0xC0) == 0x80;
}

/* Copies s for display through the one display sanitiser (aws/text.h):
 * remote data cannot drive the terminal (controls, C1, bidi overrides),
 * and at most CELL_MAX_BYTES bytes are kept, cut on a character boundary. */
static void sanitize(const char *s, char *out, size_t n)
{
    aws_text_show_buf(nz(s), out, n);
}

/* Columns a string takes (code points; the table does not try to know
 * about double-width characters). */
static size_t width_of(const char *s)
{
    size_t w = 0;
    for (; *s; s++)
        if (!is_cont((unsigned char)*s))
            w++;
    return w;
}

/* Byte offset of code point number cp. */
static size_t offset_of(const char *s, size_t cp)
{
    size_t i = 0, seen = 0;
    for (; s[i]; i++) {
        if (!is_cont((unsigned char)s[i])) {
            if (seen == cp)
                return i;
            seen++;
        }
    }
    return i;
}

/* Appends s fitted to exactly `width` columns ("…" marks a cut). */
static int put_cell(aws_buf *b, const char *raw, size_t width, int right, int middle,
                    const char *pre, const char *post)
{
    char s[CELL_MAX_BYTES];
    char t[CELL_MAX_BYTES + 8];
    const char *disp = s;
    int rc;
    sanitize(raw, s, sizeof(s));
    size_t w = width_of(s);
    if (w > width) {
        size_t keep = width > 0 ? width - 1 : 0;   /* the ellipsis takes one */
        size_t head = middle ? (keep + 1) / 2 : keep;
        size_t tail = keep - head;
        size_t hb = offset_of(s, head);
        size_t tb = offset_of(s, w - tail);
        if (width == 0)
            t[0] = '\0';
        else
            snprintf(t, sizeof(t), "%.*s\xe2\x80\xa6%s", (int)hb, s, s + tb);
        disp = t;
        w = width;
    }
    size_t pad = width - w;
    if (right)
        for (size_t i = 0; i < pad; i++)
            if ((rc = aws_buf_putc(b, ' ')))
                return rc;
    if ((pre && (rc = aws_buf_puts(b, pre))) || (rc = aws_buf_puts(b, disp)) ||
        (post && (rc = aws_buf_puts(b, post))))
        return rc;
    if (!right)
        for (size_t i = 0; i < pad; i++)
            if ((rc = aws_buf_putc(b, ' ')))
                return rc;
    return 0;
}

static const char *sev_color(scanner_severity s)
{
    switch (s) {
    case SCANNER_SEV_CRITICAL:      return "\033[1;31m";
    case SCANNER_SEV_HIGH:          return "\033[31m";
    case SCANNER_SEV_MEDIUM:        return "\033[33m";
    case SCANNER_SEV_LOW:           return "\033[36m";
    case SCANNER_SEV_INFORMATIONAL: return "\033[2m";
    }
    return NULL;
}

static void row_cells(const scanner_finding *fd, char cells[C_N][CELL_MAX_BYTES])
{
    snprintf(cells[C_SEV], CELL_MAX_BYTES, "%s", scanner_severity_name(fd->severity));
    if (fd->not_after) {
        snprintf(cells[C_DAYS], CELL_MAX_BYTES, "%lld", (long long)fd->days_to_expiry);
        scanner_fmt_time(fd->not_after, 0, cells[C_EXPIRES], CELL_MAX_BYTES);
    } else {
        snprintf(cells[C_DAYS], CELL_MAX_BYTES, "-");
        snprintf(cells[C_EXPIRES], CELL_MAX_BYTES, "-");
    }
    char acct[CELL_MAX_BYTES];
    snprintf(acct, sizeof(acct), "%s%s%s", nz(fd->account_id),
             fd->account_name && *fd->account_name ? " " : "", nz(fd->account_name));
    sanitize(acct, cells[C_ACCOUNT], CELL_MAX_BYTES);
    sanitize(fd->ou_path, cells[C_OU], CELL_MAX_BYTES);
    sanitize(fd->region, cells[C_REGION], CELL_MAX_BYTES);
    sanitize(fd->rule, cells[C_RULE], CELL_MAX_BYTES);
    sanitize(resource_label(fd), cells[C_RESOURCE], CELL_MAX_BYTES);
}

static int emit_line(FILE *out, aws_buf *b)
{
    /* no trailing blanks */
    while (b->len > 0 && b->data[b->len - 1] == ' ')
        b->data[--b->len] = '\0';
    if (b->len)
        fwrite(b->data, 1, b->len, out);
    fputc('\n', out);
    aws_buf_reset(b);
    return 0;
}

static int write_table(FILE *out, const scanner_findings *f, const scanner_stats *st,
                       int64_t as_of, int color)
{
    int rc = 0;
    aws_buf b;
    size_t width[C_N];
    char (*cells)[C_N][CELL_MAX_BYTES] = NULL;
    const scanner_finding **v = sorted(f);
    aws_buf_init(&b, LINE_MAX_BYTES);
    if (f->n && !v)
        return AWS_ENOMEM;
    if (f->n && !(cells = malloc(sizeof(*cells)))) {
        free(v);
        return AWS_ENOMEM;
    }

    if (f->n) {
        int shown[C_N];
        for (int c = 0; c < C_N; c++) {
            width[c] = strlen(cols[c].name);
            shown[c] = c != C_OU;
        }
        for (size_t i = 0; i < f->n; i++) {
            row_cells(v[i], *cells);
            for (int c = 0; c < C_N; c++) {
                size_t w = width_of((*cells)[c]);
                if (w > cols[c].max)
                    w = cols[c].max;
                if (w > width[c])
                    width[c] = w;
                if (w)
                    shown[c] = 1;
            }
        }
        int last = C_N - 1;
        while (last > 0 && !shown[last])
            last--;
        for (int c = 0; c < C_N && !rc; c++)
            if (shown[c])
                rc = put_cell(&b, cols[c].name, width[c], cols[c].right, 0, NULL,
                              c < last ? "  " : NULL);
        if (rc)
            goto done;
        emit_line(out, &b);
        for (size_t i = 0; i < f->n; i++) {
            row_cells(v[i], *cells);
            for (int c = 0; c < C_N && !rc; c++) {
                const char *pre = NULL, *post = NULL;
                if (!shown[c])
                    continue;
                if (c == C_SEV && color) {
                    pre = sev_color(v[i]->severity);
                    post = "\033[0m";
                }
                rc = put_cell(&b, (*cells)[c], width[c], cols[c].right, cols[c].middle,
                              pre, post);
                if (!rc && c < last)
                    rc = aws_buf_puts(&b, "  ");
            }
            if (rc)
                goto done;
            emit_line(out, &b);
        }
        fputc('\n', out);
    }

    /* Summary. */
    uint64_t by_sev[SCANNER_SEV_CRITICAL + 1];
    count(f, by_sev);
    char asof[32];
    scanner_fmt_time(as_of, 1, asof, sizeof(asof));
    if (f->n == 0)
        fprintf(out, "No findings as of %s.\n", asof);
    else
        fprintf(out, "%zu finding%s as of %s: %llu critical, %llu high, %llu medium, "
                "%llu low, %llu informational\n", f->n, f->n == 1 ? "" : "s", asof,
                (unsigned long long)by_sev[SCANNER_SEV_CRITICAL],
                (unsigned long long)by_sev[SCANNER_SEV_HIGH],
                (unsigned long long)by_sev[SCANNER_SEV_MEDIUM],
                (unsigned long long)by_sev[SCANNER_SEV_LOW],
                (unsigned long long)by_sev[SCANNER_SEV_INFORMATIONAL]);
    size_t n_supp = 0;
    for (size_t i = 0; i < f->n; i++)
        n_supp += f->v[i].suppressed_by != NULL;
    if (n_supp)
        fprintf(out, "%zu of them suppressed (not in the exit status; --format json shows "
                "by which entry and why)\n", n_supp);
    if (f->n_resolved)
        fprintf(out, "%zu finding%s of earlier runs resolved\n", f->n_resolved,
                f->n_resolved == 1 ? "" : "s");
    if (st)
        fprintf(out, "Scanned %llu account%s, %llu region%s (%llu account-regions), "
                "%llu certificate%s; %llu API calls, %llu retries, %llu throttled; "
                "%lld.%03lld s\n",
                (unsigned long long)st->accounts, st->accounts == 1 ? "" : "s",
                (unsigned long long)st->regions, st->regions == 1 ? "" : "s",
                (unsigned long long)st->account_regions,
                (unsigned long long)st->certificates, st->certificates == 1 ? "" : "s",
                (unsigned long long)st->api_calls, (unsigned long long)st->retries,
                (unsigned long long)st->throttled,
                (long long)(st->wall_ms / 1000), (long long)(st->wall_ms % 1000));
    if (st && (st->describes || st->describes_saved || st->detail_cache_hits))
        fprintf(out, "ACM: %llu DescribeCertificate call%s, %llu certificate%s judged from "
                "the summary, %llu from a cached describe\n",
                (unsigned long long)st->describes, st->describes == 1 ? "" : "s",
                (unsigned long long)st->describes_saved, st->describes_saved == 1 ? "" : "s",
                (unsigned long long)st->detail_cache_hits);
    if (st && (st->apigw_stage_calls || st->apigw_stage_reads_saved))
        fprintf(out, "API Gateway: %llu GetRestApis/GetStages call%s; stages not read in %llu "
                "account-region%s (no rule needed them)\n",
                (unsigned long long)st->apigw_stage_calls, st->apigw_stage_calls == 1 ? "" : "s",
                (unsigned long long)st->apigw_stage_reads_saved,
                st->apigw_stage_reads_saved == 1 ? "" : "s");

    /* Coverage gaps: what was not scanned. */
    if (f->n_gaps) {
        fprintf(out, "\nCoverage gaps (%zu): these were not scanned, findings may be missing\n",
                f->n_gaps);
        for (size_t i = 0; i < f->n_gaps && !rc; i++) {
            const scanner_gap *g = &f->gaps[i];
            char acct[CELL_MAX_BYTES], reg[CELL_MAX_BYTES], op[CELL_MAX_BYTES],
                 code[CELL_MAX_BYTES];
            sanitize(g->account_id, acct, sizeof(acct));
            sanitize(g->region, reg, sizeof(reg));
            sanitize(g->operation, op, sizeof(op));
            sanitize(g->error_code, code, sizeof(code));
            if ((rc = aws_buf_printf(&b, "  %s/%s/%s: %s: ", acct, reg, op, code)))
                break;
            size_t msgw = width_of(g->message ? g->message : "");
            rc = put_cell(&b, g->message, msgw < GAP_MSG_COLS ? msgw : GAP_MSG_COLS, 0, 0,
                          NULL, NULL);
            if (!rc)
                emit_line(out, &b);
        }
    }
done:
    aws_buf_finish(&b);
    free(cells);
    free(v);
    return rc;
}

int report_write(FILE *out, const char *format, const scanner_findings *f,
                         const scanner_stats *st, int64_t as_of, int color)
{
    int rc;
    if (!out || !f || !report_format_known(format))
        return AWS_EINVAL;
    if (strcmp(format, "json") == 0)
        rc = write_json(out, f, st, as_of);
    else if (strcmp(format, "csv") == 0)
        rc = write_csv(out, f);
    else if (strcmp(format, "html") == 0)
        rc = report_write_html(out, f, st, as_of);
    else if (strcmp(format, "jsonl") == 0)
        rc = report_write_jsonl(out, f, as_of);
    else
        rc = write_table(out, f, st, as_of, color);
    if (rc == 0 && (fflush(out) != 0 || ferror(out)))
        rc = AWS_EIO;
    return rc;
}

/* ---- for the other writers (writers.h) ----------------------------------- */

json_object *report_finding_json(const scanner_finding *fd)
{
    return finding_json(fd);
}

json_object *report_gap_json(const scanner_gap *g)
{
    return gap_json(g);
}

const scanner_finding **report_sorted(const scanner_findings *f)
{
    return sorted(f);
}
