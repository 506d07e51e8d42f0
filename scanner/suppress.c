/* certsweep — suppressions: load, validate, apply, report. */
#include "scanner/suppress.h"

#include "aws/awstime.h"
#include "aws/buf.h"
#include "aws/error.h"
#include "config/ini_lines.h"
#include "scanner/rules.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <fnmatch.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#define DASH "\xe2\x80\x94"
#define SUPPRESS_MAX_ENTRIES 10000
#define SUPPRESS_MAX_FILE (16 * 1024 * 1024)
#define SUPPRESS_SECTION "suppress "

void scanner_suppressions_init(scanner_suppressions *s)
{
    memset(s, 0, sizeof(*s));
}

static void entry_free(scanner_suppression *e)
{
    free(e->name);
    free(e->account);
    free(e->region);
    free(e->rule);
    free(e->resource);
    free(e->domain);
    free(e->reason);
}

void scanner_suppressions_finish(scanner_suppressions *s)
{
    if (!s)
        return;
    for (size_t i = 0; i < s->n; i++)
        entry_free(&s->v[i]);
    free(s->v);
    free(s->path);
    scanner_suppressions_init(s);
}

/* ---- loading ---------------------------------------------------------------- */

typedef struct loader {
    scanner_suppressions *s;
    FILE *errs;
    const char *path;
    int line;                       /* of the line inih is reading (config_ini_parse counts) */
    int errors;
    int oom;
    scanner_suppression *cur;       /* the entry being read; NULL outside [suppress NAME] */
    int expires_line;
    int bad_matcher;                /* a matcher of the current entry was refused (reported) */
    int outside_reported;
} loader;

static void report(loader *L, int line, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static void report(loader *L, int line, const char *fmt, ...)
{
    L->errors++;
    if (!L->errs)
        return;
    va_list ap;
    fprintf(L->errs, "%s:%d: ", L->path, line);
    va_start(ap, fmt);
    vfprintf(L->errs, fmt, ap);
    va_end(ap);
    fputc('\n', L->errs);
}

/* Checks the entry just finished (mandatory keys, at least one matcher). */
static void finish_entry(loader *L)
{
    scanner_suppression *e = L->cur;
    if (!e)
        return;
    L->cur = NULL;
    if (!e->reason)
        report(L, e->line, "[suppress %s] has no reason " DASH " say why it is suppressed "
               "(reason = ...)", e->name);
    if (!e->expires && !L->expires_line)
        report(L, e->line, "[suppress %s] has no expires date " DASH " add expires = YYYY-MM-DD "
               "(every suppression ends)", e->name);
    if (!e->account && !e->region && !e->rule && !e->resource && !e->domain && !L->bad_matcher)
        report(L, e->line, "[suppress %s] matches every finding " DASH " add account, region, "
               "rule, resource or domain", e->name);
    L->expires_line = 0;
    L->bad_matcher = 0;
}

/* A section header: starts an entry (or reports a wrong header). */
static void start_entry(loader *L, const char *section)
{
    finish_entry(L);
    if (strncmp(section, SUPPRESS_SECTION, strlen(SUPPRESS_SECTION)) != 0 ||
        !section[strlen(SUPPRESS_SECTION)]) {
        report(L, L->line, "unknown section [%s] " DASH " each entry is [suppress NAME]",
               section);
        return;
    }
    const char *nm = section + strlen(SUPPRESS_SECTION);
    for (size_t i = 0; i < L->s->n; i++)
        if (strcmp(L->s->v[i].name, nm) == 0) {
            report(L, L->line, "duplicate entry [suppress %s] " DASH " give each entry its "
                   "own name", nm);
            return;
        }
    if (L->s->n == SUPPRESS_MAX_ENTRIES) {
        report(L, L->line, "more than 10000 entries " DASH " use globs to cover many "
               "findings with one entry");
        return;
    }
    if (L->s->n == L->s->cap) {
        size_t cap = L->s->cap ? L->s->cap * 2 : 16;
        scanner_suppression *v = realloc(L->s->v, cap * sizeof(*v));
        if (!v) {
            L->oom = 1;
            return;
        }
        L->s->v = v;
        L->s->cap = cap;
    }
    scanner_suppression *e = &L->s->v[L->s->n];
    memset(e, 0, sizeof(*e));
    if (!(e->name = strdup(nm))) {
        L->oom = 1;
        return;
    }
    e->line = L->line;
    L->s->n++;
    L->cur = e;
}

/* config_ini_line_fn: inih calls the handler for a line before reading
 * the next, so L->line is the line of the key the handler sees, and section
 * headers are seen here, with their line, even when they hold no key. */
static config_ini_verdict check_line(void *ud, char *line, int lineno, size_t max)
{
    loader *L = ud;
    L->line = lineno;
    if (strlen(line) > max) {
        report(L, L->line, "line longer than %zu characters " DASH " shorten it", max);
        return CONFIG_INI_BLANK;
    }
    const char *p = line + strspn(line, " \t");
    if (*p == '[') {
        const char *close = strchr(p, ']');
        if (!close) {
            report(L, L->line, "section header without ']' " DASH " write [suppress NAME]");
            finish_entry(L);
            return CONFIG_INI_BLANK;
        }
        char name[256];
        size_t len = (size_t)(close - p - 1);
        if (len >= sizeof(name))
            len = sizeof(name) - 1;
        memcpy(name, p + 1, len);
        name[len] = '\0';
        while (len && (name[len - 1] == ' ' || name[len - 1] == '\t'))
            name[--len] = '\0';
        const char *nm = name + strspn(name, " \t");
        start_entry(L, nm);
        L->outside_reported = 0;
    }
    return CONFIG_INI_PASS;
}

static int set_str(loader *L, char **field, const char *value, const char *key)
{
    if (*field) {
        report(L, L->line, "duplicate key '%s' in [suppress %s] " DASH " keep only one", key,
               L->cur->name);
        return 1;
    }
    if (!*value) {
        report(L, L->line, "'%s' is empty in [suppress %s] " DASH " give a value or drop the "
               "line", key, L->cur->name);
        return 1;
    }
    if (!(*field = strdup(value)))
        L->oom = 1;
    return 1;
}

/* Every rule a rule glob names must exist: a glob that matches no rule
 * is a typo. */
static int rule_glob_known(const char *glob)
{
    for (size_t i = 0; i < scanner_rule_count(); i++)
        if (fnmatch(glob, scanner_rule_at(i)->id, 0) == 0)
            return 1;
    return 0;
}

static int handler(void *ud, const char *section, const char *name, const char *value,
                   int lineno)
{
    loader *L = ud;
    L->line = lineno;
    if (!name || !value)            /* new-section or no-value callbacks of some builds */
        return !L->oom;
    if (!L->cur || strcmp(section, "") == 0) {
        if (!*section && !L->outside_reported) {
            report(L, L->line, "'%s' outside an entry " DASH " put it under a [suppress NAME] "
                   "header", name);
            L->outside_reported = 1;
        }
        return !L->oom;             /* a wrong header was reported at its line */
    }
    scanner_suppression *e = L->cur;
    if (strcmp(name, "account") == 0)
        return set_str(L, &e->account, value, name);
    if (strcmp(name, "region") == 0)
        return set_str(L, &e->region, value, name);
    if (strcmp(name, "resource") == 0)
        return set_str(L, &e->resource, value, name);
    if (strcmp(name, "domain") == 0)
        return set_str(L, &e->domain, value, name);
    if (strcmp(name, "reason") == 0)
        return set_str(L, &e->reason, value, name);
    if (strcmp(name, "rule") == 0) {
        if (*value && !rule_glob_known(value)) {
            const char *near = strpbrk(value, "*?[") ? NULL : scanner_rule_suggest(value);
            if (near)
                report(L, L->line, "rule '%s' names no rule " DASH " did you mean '%s'? "
                       "'certsweep rules' lists them", value, near);
            else
                report(L, L->line, "rule '%s' names no rule " DASH " 'certsweep rules' lists "
                       "them", value);
            L->bad_matcher = 1;
            return 1;
        }
        return set_str(L, &e->rule, value, name);
    }
    if (strcmp(name, "expires") == 0) {
        int64_t t = 0;
        if (L->expires_line) {
            report(L, L->line, "duplicate key 'expires' in [suppress %s] " DASH " keep only "
                   "one", e->name);
            return 1;
        }
        L->expires_line = L->line;
        if (strlen(value) < 10 || value[4] != '-' || aws_time_parse(value, &t) != 0 || t <= 0) {
            report(L, L->line, "expires '%s' is not a date " DASH " write YYYY-MM-DD or an "
                   "ISO 8601 time", value);
            return 1;
        }
        /* A bare date means "through that day" (UTC). */
        e->expires = strlen(value) == 10 ? t + 86400 : t;
        return 1;
    }
    report(L, L->line, "unknown key '%s' " DASH " use account, region, rule, resource, domain, "
           "reason or expires", name);
    return 1;
}

int scanner_suppressions_load(scanner_suppressions *s, const char *path, FILE *errs)
{
    struct stat st;
    int serr = stat(path, &st) != 0 ? errno : 0;
    if (serr || !S_ISREG(st.st_mode)) {
        if (errs)
            fprintf(errs, "%s: %s " DASH " point [scan] suppressions at a readable file\n",
                    path, serr ? strerror(serr) : "not a regular file");
        return AWS_EIO;
    }
    aws_buf text;
    aws_buf_init(&text, SUPPRESS_MAX_FILE);
    int rc = aws_buf_read_file(&text, path);
    if (rc) {
        if (errs && rc == AWS_ETOOBIG)
            fprintf(errs, "%s: larger than %d bytes " DASH " split it, or cover many resources "
                    "with globs\n", path, SUPPRESS_MAX_FILE);
        else if (errs && rc != AWS_ENOMEM)
            fprintf(errs, "%s: %s " DASH " point [scan] suppressions at a readable file\n",
                    path, strerror(errno));
        aws_buf_finish(&text);
        return rc == AWS_ENOMEM ? rc : AWS_EIO;
    }
    free(s->path);
    if (!(s->path = strdup(path))) {
        aws_buf_finish(&text);
        return AWS_ENOMEM;
    }
    loader L = { .s = s, .errs = errs, .path = path };
    int r = config_ini_parse(text.data, text.len, check_line, handler, &L);
    aws_buf_finish(&text);
    if (!L.oom)
        finish_entry(&L);
    if (L.oom || r == -2)
        return AWS_ENOMEM;
    if (r > 0 && L.errors == 0)
        report(&L, r, "cannot parse this line " DASH " check its syntax");
    return L.errors ? AWS_EINVAL : 0;
}

/* ---- applying ------------------------------------------------------------------- */

static int glob_ok(const char *glob, const char *value)
{
    return !glob || fnmatch(glob, value ? value : "", 0) == 0;
}

static int entry_matches(const scanner_suppression *e, const scanner_finding *f)
{
    return glob_ok(e->account, f->account_id) && glob_ok(e->region, f->region) &&
           glob_ok(e->rule, f->rule) && glob_ok(e->resource, f->resource_arn) &&
           glob_ok(e->domain, f->domain);
}

size_t scanner_suppressions_apply(scanner_suppressions *s, scanner_findings *f, int64_t now)
{
    size_t n = 0;
    for (size_t k = 0; s && k < s->n; k++)
        s->v[k].matched = 0;
    for (size_t i = 0; s && i < f->n; i++) {
        scanner_finding *fd = &f->v[i];
        for (size_t k = 0; k < s->n; k++) {
            scanner_suppression *e = &s->v[k];
            if (now >= e->expires || !entry_matches(e, fd))
                continue;
            free(fd->suppressed_by);
            free(fd->suppressed_reason);
            fd->suppressed_by = strdup(e->name);
            fd->suppressed_reason = strdup(e->reason ? e->reason : "");
            fd->suppressed_until = e->expires;
            if (!fd->suppressed_by || !fd->suppressed_reason) {
                /* Out of memory: not suppressed rather than half marked. */
                free(fd->suppressed_by);
                free(fd->suppressed_reason);
                fd->suppressed_by = fd->suppressed_reason = NULL;
                break;
            }
            e->matched++;
            n++;
            break;
        }
    }
    return n;
}

void scanner_suppressions_report(const scanner_suppressions *s, int64_t now,
                                 void (*warn)(const char *line, void *ud), void *ud)
{
    for (size_t k = 0; s && k < s->n; k++) {
        const scanner_suppression *e = &s->v[k];
        char line[1024], date[32];
        if (now >= e->expires) {
            scanner_fmt_time(e->expires - 1, 0, date, sizeof(date));
            snprintf(line, sizeof(line), "%s:%d: [suppress %s] expired on %s and no longer "
                     "applies " DASH " fix what it covered, or extend expires", s->path, e->line,
                     e->name, date);
            warn(line, ud);
        } else if (e->matched == 0) {
            snprintf(line, sizeof(line), "%s:%d: [suppress %s] matched no finding in this run "
                     DASH " remove it if what it covered is gone", s->path, e->line, e->name);
            warn(line, ud);
        }
    }
}
