/* certsweep — the HTML report: one self-contained page.
 *
 * Inline CSS only; a Content-Security-Policy meta tag forbids anything
 * else (no script, no image, no style sheet, no font is loaded, from
 * anywhere).  Every string is escaped (& < > " ') and made valid UTF-8:
 * an invalid byte sequence becomes U+FFFD, and so do the characters HTML
 * forbids in text (C0 controls other than tab and line feed, DEL, C1
 * controls, noncharacters); bidirectional controls are shown as "\u202e"
 * (aws/text.h), so a remote name cannot reorder what is shown around it.
 * Console links are written only for https:// URLs.
 *
 * Sections: summary (counts by severity, gaps warning), findings (worst
 * first, severity colours, details folded), coverage gaps, resolved,
 * run statistics. */
#include "report/writers.h"

#include <stdlib.h>
#include <string.h>

#include "aws/error.h"
#include "aws/text.h"

static const char k_style[] =
    "body{font:14px/1.4 system-ui,-apple-system,\"Segoe UI\",Roboto,sans-serif;"
    "margin:1.5em;color:#1b1f23;background:#fff}\n"
    "h1{font-size:1.5em;margin:0 0 .2em}h2{font-size:1.15em;margin:1.6em 0 .5em;"
    "border-bottom:1px solid #d0d7de;padding-bottom:.2em}\n"
    ".asof{color:#57606a;margin:0}\n"
    ".counts{display:flex;flex-wrap:wrap;gap:.5em;list-style:none;padding:0}\n"
    ".counts li{padding:.35em .8em;border-radius:4px;color:#fff;font-weight:600}\n"
    ".warn{background:#fff8c5;border:1px solid #d4a72c;padding:.5em .8em;border-radius:4px}\n"
    "table{border-collapse:collapse;width:100%;margin:.3em 0}\n"
    "th,td{text-align:left;vertical-align:top;padding:.35em .5em;border-bottom:1px solid #eaeef2}\n"
    "th{background:#f6f8fa;font-weight:600;white-space:nowrap}\n"
    "td.num{text-align:right;white-space:nowrap}\n"
    "table.stats{width:auto}table.stats th{text-align:left}\n"
    "td.nw{white-space:nowrap}\n"
    ".arn{color:#57606a;font-size:.85em;word-break:break-all}\n"
    ".sev{display:inline-block;min-width:7.5em;text-align:center;padding:.1em .4em;"
    "border-radius:3px;color:#fff;font-weight:600;font-size:.85em}\n"
    ".sev-CRITICAL{background:#a40e26}.sev-HIGH{background:#d1480a}"
    ".sev-MEDIUM{background:#b08800}.sev-LOW{background:#0969da}"
    ".sev-INFORMATIONAL{background:#6e7781}\n"
    "tr.row-CRITICAL td:first-child{border-left:4px solid #a40e26}"
    "tr.row-HIGH td:first-child{border-left:4px solid #d1480a}"
    "tr.row-MEDIUM td:first-child{border-left:4px solid #b08800}"
    "tr.row-LOW td:first-child{border-left:4px solid #0969da}"
    "tr.row-INFORMATIONAL td:first-child{border-left:4px solid #6e7781}\n"
    "tr.suppressed{opacity:.6}\n"
    ".pre{white-space:pre-wrap;font-family:ui-monospace,Menlo,Consolas,monospace;"
    "font-size:.85em;background:#f6f8fa;padding:.4em;border-radius:3px}\n"
    "details summary{cursor:pointer;color:#0969da}\n"
    ".none{color:#57606a}\n"
    "footer{margin-top:2em;color:#57606a;font-size:.85em}\n";

/* Appends one code point as UTF-8. */
static void put_cp(FILE *out, uint32_t cp)
{
    if (cp < 0x80) {
        fputc((int)cp, out);
    } else if (cp < 0x800) {
        fputc((int)(0xC0 | (cp >> 6)), out);
        fputc((int)(0x80 | (cp & 0x3F)), out);
    } else if (cp < 0x10000) {
        fputc((int)(0xE0 | (cp >> 12)), out);
        fputc((int)(0x80 | ((cp >> 6) & 0x3F)), out);
        fputc((int)(0x80 | (cp & 0x3F)), out);
    } else {
        fputc((int)(0xF0 | (cp >> 18)), out);
        fputc((int)(0x80 | ((cp >> 12) & 0x3F)), out);
        fputc((int)(0x80 | ((cp >> 6) & 0x3F)), out);
        fputc((int)(0x80 | (cp & 0x3F)), out);
    }
}

#define REPLACEMENT 0xFFFDu

/* HTML forbids these in text (parse errors): show U+FFFD instead. */
static int forbidden(uint32_t cp)
{
    if (cp == '\t' || cp == '\n')
        return 0;
    if (cp < 0x20 || (cp >= 0x7F && cp <= 0x9F))
        return 1;
    if (cp >= 0xFDD0 && cp <= 0xFDEF)
        return 1;
    return (cp & 0xFFFE) == 0xFFFE;
}

/* s (NULL: nothing) as HTML text or attribute value. */
static void put_text(FILE *out, const char *s)
{
    size_t n = s ? strlen(s) : 0, i = 0;
    while (i < n) {
        uint32_t cp;
        size_t k = aws_utf8_char(s + i, n - i, &cp);
        if (!k) {                          /* one U+FFFD per invalid sequence */
            put_cp(out, REPLACEMENT);
            i++;
            while (i < n && ((unsigned char)s[i] & 0xC0) == 0x80)
                i++;
            continue;
        }
        i += k;
        switch (cp) {
        case '&':  fputs("&amp;", out); continue;
        case '<':  fputs("&lt;", out); continue;
        case '>':  fputs("&gt;", out); continue;
        case '"':  fputs("&quot;", out); continue;
        case '\'': fputs("&#39;", out); continue;
        case '\r': fputc('\n', out); continue;
        default:   break;
        }
        if (forbidden(cp))
            put_cp(out, REPLACEMENT);
        else if (aws_text_escaped(cp))
            fprintf(out, "\\u%04x", (unsigned)cp);
        else
            fwrite(s + i - k, 1, k, out);
    }
}

static void put_td(FILE *out, const char *cls, const char *s)
{
    if (cls)
        fprintf(out, "<td class=\"%s\">", cls);
    else
        fputs("<td>", out);
    put_text(out, s);
    fputs("</td>", out);
}

static const char *resource_label(const scanner_finding *fd)
{
    if (fd->domain && *fd->domain)
        return fd->domain;
    if (fd->resource_id && *fd->resource_id)
        return fd->resource_id;
    return fd->resource_arn ? fd->resource_arn : "";
}

static void put_sev(FILE *out, scanner_severity s)
{
    const char *name = scanner_severity_name(s);
    fprintf(out, "<span class=\"sev sev-%s\">%s</span>", name, name);
}

static void put_resource(FILE *out, const scanner_finding *fd)
{
    fputs("<td>", out);
    put_text(out, resource_label(fd));
    if (fd->resource_arn && *fd->resource_arn &&
        strcmp(fd->resource_arn, resource_label(fd)) != 0) {
        fputs("<div class=\"arn\">", out);
        put_text(out, fd->resource_arn);
        fputs("</div>", out);
    }
    fputs("</td>", out);
}

static void put_status(FILE *out, const scanner_finding *fd)
{
    fputs("<td>", out);
    if (fd->label != SCANNER_LABEL_NONE) {
        put_text(out, scanner_label_name(fd->label));
        if (fd->label == SCANNER_LABEL_ESCALATED) {
            fputs(" (was ", out);
            put_text(out, scanner_severity_name(fd->prev_severity));
            fputc(')', out);
        }
    }
    if (fd->suppressed_by) {
        char until[32] = "";
        if (fd->suppressed_until)
            scanner_fmt_time(fd->suppressed_until, 0, until, sizeof(until));
        fputs(fd->label != SCANNER_LABEL_NONE ? "<br>" : "", out);
        fputs("suppressed by ", out);
        put_text(out, fd->suppressed_by);
        if (*until) {
            fputs(" until ", out);
            put_text(out, until);
        }
        fputs(": ", out);
        put_text(out, fd->suppressed_reason);
    }
    fputs("</td>", out);
}

/* The account's id, with its name and OU path under it when known. */
static void put_account(FILE *out, const scanner_finding *fd)
{
    fputs("<td class=\"nw\">", out);
    put_text(out, fd->account_id);
    if (fd->account_name && *fd->account_name) {
        fputs("<br>", out);
        put_text(out, fd->account_name);
    }
    if (fd->ou_path && *fd->ou_path) {
        fputs("<br><span class=\"arn\">", out);
        put_text(out, fd->ou_path);
        fputs("</span>", out);
    }
    fputs("</td>", out);
}

/* "<p><b>Tags:</b> k=v; k2=v2</p>"; nothing when there are none. */
static void put_tags(FILE *out, const char *what, const scanner_tags *t)
{
    if (!t->n)
        return;
    fputs("<p><b>", out);
    put_text(out, what);
    fputs(":</b> ", out);
    for (size_t i = 0; i < t->n; i++) {
        if (i)
            fputs("; ", out);
        put_text(out, t->k[i]);
        fputc('=', out);
        put_text(out, t->v[i]);
    }
    fputs("</p>", out);
}

static void put_finding(FILE *out, const scanner_finding *fd)
{
    const char *sev = scanner_severity_name(fd->severity);
    char days[32] = "-", date[32] = "-";
    if (fd->not_after) {
        snprintf(days, sizeof(days), "%lld", (long long)fd->days_to_expiry);
        scanner_fmt_time(fd->not_after, 0, date, sizeof(date));
    }
    /* the id is 64 hex digits (scanner_finding_id): an anchor as it is */
    fprintf(out, "<tr class=\"row-%s%s\" id=\"f-", sev, fd->suppressed_by ? " suppressed" : "");
    put_text(out, fd->id);
    fputs("\"><td>", out);
    put_sev(out, fd->severity);
    fputs("</td>", out);
    put_td(out, "num", days);
    put_account(out, fd);
    put_td(out, "nw", fd->region);
    put_td(out, "nw", fd->rule);
    put_resource(out, fd);
    put_td(out, "nw", date);
    fputs("<td>", out);
    put_text(out, fd->title);
    if ((fd->details && *fd->details) || fd->remediation || fd->console_url) {
        fputs("<details><summary>details</summary>", out);
        if (fd->details && *fd->details) {
            fputs("<div class=\"pre\">", out);
            put_text(out, fd->details);
            fputs("</div>", out);
        }
        if (fd->remediation && *fd->remediation) {
            fputs("<p><b>Remediation:</b> ", out);
            put_text(out, fd->remediation);
            fputs("</p>", out);
        }
        /* a link only to the console (https); never javascript: or data: */
        if (fd->console_url && strncmp(fd->console_url, "https://", 8) == 0) {
            fputs("<p><a rel=\"noopener noreferrer\" href=\"", out);
            put_text(out, fd->console_url);
            fputs("\">Open in the AWS console</a></p>", out);
        }
        put_tags(out, "Tags", &fd->tags);
        put_tags(out, "Account tags", &fd->account_tags);
        fputs("<p class=\"arn\">id ", out);
        put_text(out, fd->id);
        fputs("</p></details>", out);
    }
    fputs("</td>", out);
    put_status(out, fd);
    fputs("</tr>\n", out);
}

static void put_summary(FILE *out, const scanner_findings *f)
{
    uint64_t by_sev[SCANNER_SEV_CRITICAL + 1] = { 0 };
    size_t supp = 0;
    for (size_t i = 0; i < f->n; i++) {
        if ((unsigned)f->v[i].severity <= SCANNER_SEV_CRITICAL)
            by_sev[f->v[i].severity]++;
        supp += f->v[i].suppressed_by != NULL;
    }
    fputs("<section id=\"summary\"><h2>Summary</h2>\n<ul class=\"counts\">", out);
    for (int s = SCANNER_SEV_CRITICAL; s >= SCANNER_SEV_INFORMATIONAL; s--) {
        const char *name = scanner_severity_name((scanner_severity)s);
        fprintf(out, "<li class=\"sev-%s\">%llu %s</li>", name,
                (unsigned long long)by_sev[s], name);
    }
    fprintf(out, "</ul>\n<p>%zu finding%s", f->n, f->n == 1 ? "" : "s");
    if (supp)
        fprintf(out, " (%zu suppressed: not in the exit status)", supp);
    fprintf(out, ", %zu coverage gap%s, %zu resolved.</p>\n", f->n_gaps,
            f->n_gaps == 1 ? "" : "s", f->n_resolved);
    if (f->n_gaps)
        fputs("<p class=\"warn\">Some accounts, regions or APIs could not be read (see "
              "<a href=\"#gaps\">coverage gaps</a>): findings may be missing there.</p>\n",
              out);
    fputs("</section>\n", out);
}

static void put_findings(FILE *out, const scanner_findings *f, const scanner_finding **v)
{
    fprintf(out, "<section id=\"findings\"><h2>Findings (%zu)</h2>\n", f->n);
    if (!f->n) {
        fputs("<p class=\"none\">No findings.</p>\n</section>\n", out);
        return;
    }
    fputs("<table><thead><tr><th>Severity</th><th>Days</th><th>Account</th><th>Region</th>"
          "<th>Rule</th><th>Resource</th><th>Expires</th><th>Title</th><th>Status</th>"
          "</tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < f->n; i++)
        put_finding(out, v[i]);
    fputs("</tbody></table>\n</section>\n", out);
}

static void put_gaps(FILE *out, const scanner_findings *f)
{
    fprintf(out, "<section id=\"gaps\"><h2>Coverage gaps (%zu)</h2>\n", f->n_gaps);
    if (!f->n_gaps) {
        fputs("<p class=\"none\">None: every account, region and API was read.</p>\n"
              "</section>\n", out);
        return;
    }
    fputs("<table><thead><tr><th>Account</th><th>Region</th><th>Operation</th>"
          "<th>Error code</th><th>Message</th></tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < f->n_gaps; i++) {
        const scanner_gap *g = &f->gaps[i];
        fputs("<tr>", out);
        put_td(out, "nw", g->account_id);
        put_td(out, "nw", g->region);
        put_td(out, "nw", g->operation);
        put_td(out, "nw", g->error_code);
        put_td(out, NULL, g->message);
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n</section>\n", out);
}

static void put_resolved(FILE *out, const scanner_findings *f)
{
    fprintf(out, "<section id=\"resolved\"><h2>Resolved (%zu)</h2>\n", f->n_resolved);
    if (!f->n_resolved) {
        fputs("<p class=\"none\">No finding of an earlier run was resolved by this run.</p>\n"
              "</section>\n", out);
        return;
    }
    fputs("<table><thead><tr><th>Severity</th><th>Account</th><th>Region</th><th>Rule</th>"
          "<th>Resource</th><th>Title</th></tr></thead>\n<tbody>\n", out);
    for (size_t i = 0; i < f->n_resolved; i++) {
        const scanner_finding *fd = &f->resolved[i];
        fputs("<tr><td>", out);
        put_sev(out, fd->severity);
        fputs("</td>", out);
        put_td(out, "nw", fd->account_id);
        put_td(out, "nw", fd->region);
        put_td(out, "nw", fd->rule);
        put_resource(out, fd);
        put_td(out, NULL, fd->title);
        fputs("</tr>\n", out);
    }
    fputs("</tbody></table>\n</section>\n", out);
}

static void put_stats(FILE *out, const scanner_stats *st)
{
    const struct { const char *name; uint64_t v; } rows[] = {
        { "Accounts", st->accounts },
        { "Regions", st->regions },
        { "Account-regions", st->account_regions },
        { "Certificates judged", st->certificates },
        { "API calls", st->api_calls },
        { "Retries", st->retries },
        { "Throttled", st->throttled },
        { "ACM DescribeCertificate calls", st->describes },
        { "ACM certificates judged from the summary", st->describes_saved },
        { "ACM certificates judged from a cached describe", st->detail_cache_hits },
        { "API Gateway GetRestApis/GetStages calls", st->apigw_stage_calls },
        { "API Gateway account-regions whose stages no rule needed", st->apigw_stage_reads_saved },
        { "DNS validation record lookups", st->dns_lookups },
    };
    fputs("<section id=\"stats\"><h2>Run statistics</h2>\n<table class=\"stats\"><tbody>\n",
          out);
    for (size_t i = 0; i < sizeof(rows) / sizeof(rows[0]); i++)
        fprintf(out, "<tr><th>%s</th><td class=\"num\">%llu</td></tr>\n", rows[i].name,
                (unsigned long long)rows[i].v);
    fprintf(out, "<tr><th>Duration</th><td class=\"num\">%lld.%03lld s</td></tr>\n",
            (long long)(st->wall_ms / 1000), (long long)(st->wall_ms % 1000));
    if (st->shard_count > 1)
        fprintf(out, "<tr><th>Shard</th><td class=\"num\">%d/%d</td></tr>\n",
                st->shard_index, st->shard_count);
    fputs("</tbody></table>\n</section>\n", out);
}

int report_write_html(FILE *out, const scanner_findings *f, const scanner_stats *st,
                      int64_t as_of)
{
    const scanner_finding **v = report_sorted(f);
    if (f->n && !v)
        return AWS_ENOMEM;
    scanner_stats zero;
    if (!st) {
        scanner_stats_init(&zero);
        st = &zero;
    }
    char asof[32];
    scanner_fmt_time(as_of, 1, asof, sizeof(asof));
    fputs("<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n"
          "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; "
          "style-src 'unsafe-inline'\">\n"
          "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
          "<meta name=\"generator\" content=\"certsweep\">\n<title>certsweep report, as of ",
          out);
    put_text(out, asof);
    fprintf(out, "</title>\n<style>\n%s</style>\n</head>\n<body>\n"
            "<header><h1>certsweep report</h1><p class=\"asof\">As of <time datetime=\"",
            k_style);
    put_text(out, asof);
    fputs("\">", out);
    put_text(out, asof);
    fputs("</time></p></header>\n", out);
    put_summary(out, f);
    put_findings(out, f, v);
    put_gaps(out, f);
    put_resolved(out, f);
    put_stats(out, st);
    fputs("<footer>Written by certsweep. This page loads nothing from elsewhere.</footer>\n"
          "</body>\n</html>\n", out);
    free(v);
    return 0;
}
