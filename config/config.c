/* certsweep — loading, validating and describing the configuration.
 *
 * INI files are split by libinih, read through config/ini_lines.h, which
 * numbers the physical lines; each line is checked here (sections, "key =
 * value", continuation lines) the same way inih will, and inih is handed
 * only lines it can parse.
 */
#include "config/config.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
/* Before ini.h: the handler type the packaged library calls. */
#include <stdlib.h>
#include <stdint.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "aws/error.h"
#include "config/ini_lines.h"
#include "config/options.h"

#define DASH "\xe2\x80\x94"
#define CONFIG_MAX_FILE (1024 * 1024)
#define CONFIG_SYSTEM_PATH "/etc/certsweep/certsweep.conf"

/* ---- init / finish ---- */

void config_init(config *c)
{
    memset(c, 0, sizeof(*c));
    struct cfg_where w = { stderr, "certsweep: built-in default", 0, 0, 0, NULL };
    for (size_t i = 0; i < config_options_count; i++) {
        const struct option_def *o = &config_options[i];
        if (o->flags & OPT_NAMED)
            continue;               /* defaults of a named section: config_webhook_add */
        if (o->def || (o->flags & OPT_COMPUTED))
            (void)option_set(c, o, o->def ? o->def : "", 0, &w);
    }
}

static void webhook_finish(config_webhook *wh)
{
    for (size_t i = 0; i < config_options_count; i++)
        if (config_options[i].flags & OPT_NAMED)
            option_clear_in(wh, &config_options[i]);
    free(wh->name);
    wh->name = NULL;
}

void config_finish(config *c)
{
    if (!c)
        return;
    for (size_t i = 0; i < config_options_count; i++)
        if (!(config_options[i].flags & OPT_NAMED))
            option_clear(c, &config_options[i]);
    for (size_t i = 0; i < c->n_webhooks; i++)
        webhook_finish(&c->webhooks[i]);
    free(c->webhooks);
    c->webhooks = NULL;
    c->n_webhooks = 0;
}

const config_webhook *config_webhook_find(const config *c, const char *name)
{
    for (size_t i = 0; c && name && i < c->n_webhooks; i++)
        if (strcmp(c->webhooks[i].name, name) == 0)
            return &c->webhooks[i];
    return NULL;
}

int config_webhook_add(config *c, const char *name, size_t *out)
{
    if (!name || !option_is_instance_name(name) || config_webhook_find(c, name))
        return AWS_EINVAL;
    config_webhook *v = realloc(c->webhooks, (c->n_webhooks + 1) * sizeof(*v));
    if (!v)
        return AWS_ENOMEM;
    c->webhooks = v;
    config_webhook *wh = &v[c->n_webhooks];
    memset(wh, 0, sizeof(*wh));
    if (!(wh->name = strdup(name)))
        return AWS_ENOMEM;
    struct cfg_where w = { stderr, "certsweep: built-in default", 0, 0, 0, name };
    for (size_t i = 0; i < config_options_count; i++) {
        const struct option_def *o = &config_options[i];
        if ((o->flags & OPT_NAMED) && o->def)
            (void)option_set_in(wh, o, o->def, 0, &w);
    }
    if (out)
        *out = c->n_webhooks;
    c->n_webhooks++;
    return 0;
}

/* ---- suggestions ---- */

size_t config_edit_distance(const char *a, const char *b)
{
    size_t la = strlen(a), lb = strlen(b);
    if (la > CONFIG_EDIT_DISTANCE_MAX_LEN || lb > CONFIG_EDIT_DISTANCE_MAX_LEN)
        return SIZE_MAX;
    size_t row[CONFIG_EDIT_DISTANCE_MAX_LEN + 1];
    for (size_t j = 0; j <= lb; j++)
        row[j] = j;
    for (size_t i = 1; i <= la; i++) {
        size_t diag = row[0];
        row[0] = i;
        for (size_t j = 1; j <= lb; j++) {
            size_t up = row[j];
            size_t cost = tolower((unsigned char)a[i - 1]) != tolower((unsigned char)b[j - 1]);
            size_t best = diag + cost;
            if (up + 1 < best)
                best = up + 1;
            if (row[j - 1] + 1 < best)
                best = row[j - 1] + 1;
            row[j] = best;
            diag = up;
        }
    }
    return row[lb];
}

static int close_enough(const char *known, size_t d)
{
    size_t n = strlen(known);
    size_t limit = n / 3 > 2 ? n / 3 : 2;
    return d <= limit;
}

/* The known key of `section` closest to `key`, or NULL. */
static const struct option_def *closest_key(const char *section, const char *key)
{
    const struct option_def *best = NULL;
    size_t bd = SIZE_MAX;
    for (size_t i = 0; i < config_options_count; i++) {
        const struct option_def *o = &config_options[i];
        if (strcmp(o->section, section) != 0)
            continue;
        size_t d = config_edit_distance(key, o->key);
        if (d < bd && close_enough(o->key, d)) {
            bd = d;
            best = o;
        }
    }
    return best;
}

/* The first option named `key` in any section, or NULL. */
static const struct option_def *key_anywhere(const char *key)
{
    for (size_t i = 0; i < config_options_count; i++)
        if (strcmp(config_options[i].key, key) == 0)
            return &config_options[i];
    return NULL;
}

static void sections_text(char *out, size_t cap)
{
    size_t used = 0;
    out[0] = '\0';
    for (size_t i = 0; i < config_options_count; i++) {
        const char *s = config_options[i].section;
        if (i > 0 && strcmp(config_options[i - 1].section, s) == 0)
            continue;
        int n = snprintf(out + used, cap - used, "%s[%s%s]", used ? ", " : "", s,
                         (config_options[i].flags & OPT_NAMED) ? " NAME" : "");
        if (n < 0 || (size_t)n >= cap - used)
            return;
        used += (size_t)n;
    }
}

static const char *closest_section(const char *section)
{
    const char *best = NULL;
    size_t bd = SIZE_MAX;
    for (size_t i = 0; i < config_options_count; i++) {
        const char *s = config_options[i].section;
        size_t d = config_edit_distance(section, s);
        if (d < bd && close_enough(s, d)) {
            bd = d;
            best = s;
        }
    }
    return best;
}

/* ---- the loader ---- */

enum line_kind { LINE_OTHER, LINE_KEY, LINE_CONT };

struct loader {
    config *c;
    struct cfg_where w;
    const char *text;
    size_t len;
    enum line_kind kind;      /* of the line inih is processing */
    int have_key;             /* inih's prev_name is set */
    int in_section;           /* a [section] line has been seen */
    int section_known;        /* ... and it is one of ours */
    const struct option_def *last_opt;  /* option of the last key line, if valid */
    char *long_value;         /* value of a "key = value" line longer than inih's buffer */
    int *first_line;          /* per option: line it was first set on, 0 */
    long named;               /* index of the [webhook NAME] being read, or -1 */
    const char *named_kind;   /* its kind ("webhook"), from the option table */
};

/* Where option o of the current section is stored. */
static void *option_base(struct loader *L, const struct option_def *o)
{
    if (!(o->flags & OPT_NAMED))
        return L->c;
    return L->named >= 0 ? (void *)&L->c->webhooks[L->named] : NULL;
}

/* A [KIND NAME] header (KIND a named section kind): opens a new instance.
 * Returns 1 when the header was one (known or reported), 0 otherwise. */
static int named_section(struct loader *L, const char *name)
{
    char kind[64];
    size_t k = strcspn(name, " \t");
    if (k >= sizeof(kind))
        return 0;
    memcpy(kind, name, k);
    kind[k] = '\0';
    if (!option_section_named(kind))
        return 0;
    const char *inst = name + k;
    while (*inst == ' ' || *inst == '\t')
        inst++;
    L->named = -1;
    L->section_known = 0;
    if (!*inst) {
        cfg_report(&L->w, "[%s] needs a name " DASH " write [%s NAME], e.g. [%s tickets]", kind, kind, kind);
        return 1;
    }
    if (!option_is_instance_name(inst)) {
        cfg_report(&L->w, "[%s %s]: not a section name " DASH " use 1 to 32 letters, digits, '_' and '-'", kind, inst);
        return 1;
    }
    size_t idx = 0;
    int rc = config_webhook_add(L->c, inst, &idx);
    if (rc == AWS_EINVAL) {
        cfg_report(&L->w, "[%s %s] appears twice " DASH " give each section its own name", kind, inst);
        return 1;
    }
    if (rc != 0) {
        cfg_report(&L->w, "out of memory");
        return 1;
    }
    L->named = (long)idx;
    L->section_known = 1;
    for (size_t i = 0; i < config_options_count; i++)
        if (strcmp(config_options[i].section, kind) == 0)
            L->named_kind = config_options[i].section;
    L->w.instance = L->c->webhooks[idx].name;
    for (size_t i = 0; i < config_options_count; i++)
        if (config_options[i].flags & OPT_NAMED)
            L->first_line[i] = 0;
    return 1;
}

/* inih's find_chars_or_comment with inline ';' comments: the first of
 * `chars`, or a ';' preceded by whitespace, or the end. */
static const char *find_chars_or_comment(const char *s, const char *chars)
{
    int was_space = 0;
    while (*s && (!chars || !strchr(chars, *s)) && !(was_space && *s == ';')) {
        was_space = isspace((unsigned char)*s);
        s++;
    }
    return s;
}

/* Checks one physical line (NUL-terminated, no newline) the way inih will
 * read it; returns 0 to pass it on, -1 to hand inih an empty line. */
static int classify(struct loader *L, const char *line, int lineno)
{
    const char *start = line;
    if (lineno == 1 && (unsigned char)start[0] == 0xEF &&
        (unsigned char)start[1] == 0xBB && (unsigned char)start[2] == 0xBF)
        start += 3;
    while (isspace((unsigned char)*start))
        start++;
    L->kind = LINE_OTHER;
    if (!*start || *start == ';' || *start == '#')
        return 0;
    if (L->have_key && start > line) {
        L->kind = LINE_CONT;
        return 0;
    }
    if (*start == '[') {
        const char *end = find_chars_or_comment(start + 1, "]");
        if (*end != ']') {
            cfg_report(&L->w, "section header without ']' " DASH " write it as [section]");
            return -1;
        }
        char name[64];
        size_t n = (size_t)(end - (start + 1));
        L->in_section = 1;
        L->have_key = 0;
        L->last_opt = NULL;
        if (n >= sizeof(name)) {
            L->section_known = 0;
            cfg_report(&L->w, "unknown section (name too long) " DASH " known sections are listed by 'certsweep check-config --print-example'");
            return 0;
        }
        memcpy(name, start + 1, n);
        name[n] = '\0';
        L->named = -1;
        L->w.instance = NULL;
        if (named_section(L, name))
            return 0;
        L->section_known = option_section_known(name) && !option_section_named(name);
        if (strcmp(name, "securityhub") == 0)
            L->c->securityhub_section = 1;     /* the export is asked for */
        if (!L->section_known) {
            char all[256];
            sections_text(all, sizeof(all));
            const char *near = closest_section(name);
            if (near)
                cfg_report(&L->w, "unknown section [%s] " DASH " did you mean [%s]?", name, near);
            else
                cfg_report(&L->w, "unknown section [%s] " DASH " known sections: %s", name, all);
        }
        return 0;
    }
    const char *end = find_chars_or_comment(start, "=:");
    if (*end != '=' && *end != ':') {
        cfg_report(&L->w, "expected 'key = value', a [section] or a comment " DASH " comment the line out with #");
        return -1;
    }
    if (end == start) {
        cfg_report(&L->w, "missing key before '%c' " DASH " write 'key = value'", *end);
        return -1;
    }
    L->kind = LINE_KEY;
    L->have_key = 1;
    L->last_opt = NULL;
    return 0;
}

/* config_ini_line_fn: checks each line before inih sees it. */
static config_ini_verdict check_line(void *ud, char *line, int lineno, size_t max)
{
    struct loader *L = ud;
    L->w.line = lineno;
    int cls = classify(L, line, lineno);        /* reports its own errors */
    if (strlen(line) <= max) {
        if (cls < 0) {
            L->kind = LINE_OTHER;
            return CONFIG_INI_BLANK;
        }
        return CONFIG_INI_PASS;
    }
    /* Longer than inih's line buffer (200 on Debian): a "key = value" line
     * (a 1,224-character external_id) is handed on as "key=" and its value
     * kept aside for the handler; anything else is an error (inih builds
     * differ on long lines: split or grown buffer). */
    if (cls == 0 && L->kind == LINE_OTHER)
        return CONFIG_INI_BLANK;                 /* a long comment */
    if (cls == 0 && L->kind == LINE_KEY) {
        char *start = line;
        while (isspace((unsigned char)*start))
            start++;
        char *eq = (char *)find_chars_or_comment(start, "=:");
        char *key_end = eq;
        while (key_end > start && isspace((unsigned char)key_end[-1]))
            key_end--;
        char *val = eq + 1;
        char *cut = (char *)find_chars_or_comment(val, NULL);   /* inline comment */
        *cut = '\0';
        while (isspace((unsigned char)*val))
            val++;
        size_t vl = strlen(val);
        while (vl && isspace((unsigned char)val[vl - 1]))
            val[--vl] = '\0';
        size_t kl = (size_t)(key_end - start);
        if (kl + 1 <= max && (L->long_value = strdup(val)) != NULL) {
            memmove(line, start, kl);
            memcpy(line + kl, "=", 2);
            return CONFIG_INI_PASS;
        }
    }
    if (cls == 0)       /* a continuation line, or a key too long */
        cfg_report(&L->w, "line longer than %zu characters " DASH " split a long list over indented continuation lines",
                   max);
    L->kind = LINE_OTHER;
    return CONFIG_INI_BLANK;
}

static int handle(struct loader *L, const char *section, const char *name, const char *value);

static int handler(void *user, const char *section, const char *name, const char *value,
                   int lineno)
{
    struct loader *L = user;
    (void)lineno;                          /* L->w.line, set by check_line */
    char *long_value = L->long_value;      /* this line's, when it was long */
    L->long_value = NULL;
    if (long_value && value && !*value)
        value = long_value;
    int r = handle(L, section, name, value);
    if (long_value) {
        explicit_bzero(long_value, strlen(long_value));
        free(long_value);
    }
    return r;
}

static int handle(struct loader *L, const char *section, const char *name, const char *value)
{
    if (!name || !value)          /* new-section or no-value callbacks of some builds */
        return 1;
    if (L->kind == LINE_CONT) {
        if (L->last_opt && option_base(L, L->last_opt))
            (void)option_set_in(option_base(L, L->last_opt), L->last_opt, value, 1, &L->w);
        return 1;
    }
    if (!L->in_section) {
        const struct option_def *o = key_anywhere(name);
        if (o)
            cfg_report(&L->w, "key '%s' is outside any section " DASH " put it under [%s]", name, o->section);
        else
            cfg_report(&L->w, "key '%s' is outside any section " DASH " put it under a [section]", name);
        return 1;
    }
    if (!L->section_known)
        return 1;                 /* reported at the section line */
    const char *kind = L->named >= 0 ? L->named_kind : section;
    const struct option_def *o = option_find(kind, name);
    if (!o) {
        const struct option_def *near = closest_key(kind, name);
        const struct option_def *other = key_anywhere(name);
        if (near)
            cfg_report(&L->w, "unknown key '%s' in [%s] " DASH " did you mean '%s'?", name, section, near->key);
        else if (other)
            cfg_report(&L->w, "unknown key '%s' in [%s] " DASH " it belongs in [%s]", name, section, other->section);
        else
            cfg_report(&L->w, "unknown key '%s' in [%s] " DASH " 'certsweep check-config --print-example' lists the known keys",
                       name, section);
        return 1;
    }
    size_t idx = (size_t)(o - config_options);
    if (L->first_line[idx]) {
        cfg_report(&L->w, "duplicate key [%s] %s (first set on line %d) " DASH " keep only one",
                   o->section, o->key, L->first_line[idx]);
        return 1;
    }
    L->first_line[idx] = L->w.line;
    void *base = option_base(L, o);
    if (base && option_set_in(base, o, value, 0, &L->w) == 0)
        L->last_opt = o;
    return 1;
}

int config_load_string(config *c, const char *name, const char *text, FILE *errs)
{
    struct loader L;
    memset(&L, 0, sizeof(L));
    L.c = c;
    L.w.errs = errs;
    L.w.name = name ? name : "config";
    L.text = text ? text : "";
    L.len = strlen(L.text);
    L.named = -1;
    L.first_line = calloc(config_options_count, sizeof(int));
    if (!L.first_line)
        return AWS_ENOMEM;
    int r = config_ini_parse(L.text, L.len, check_line, handler, &L);
    free(L.first_line);
    if (L.long_value) {
        explicit_bzero(L.long_value, strlen(L.long_value));
        free(L.long_value);
    }
    if (r == -2)
        return AWS_ENOMEM;
    if (r != 0 && L.w.errors == 0) {
        /* Cannot happen: every line inih sees was checked. */
        L.w.line = r > 0 ? r : 0;
        cfg_report(&L.w, "cannot parse this line " DASH " check its syntax");
    }
    return L.w.errors ? AWS_EINVAL : 0;
}

/* The first option marked secret (external ids, later secret paths of
 * notify) that has a value. */
static const struct option_def *first_secret_set(const config *c)
{
    for (size_t i = 0; i < config_options_count; i++) {
        const struct option_def *o = &config_options[i];
        if (!(o->flags & OPT_SECRET) || o->type != OPT_STRING)
            continue;
        const char *v = *(char *const *)((const char *)c + o->offset);
        if (v && *v)
            return o;
    }
    return NULL;
}

int config_load_file(config *c, const char *path, FILE *errs)
{
    /* O_NONBLOCK: a FIFO at the path is refused below instead of hanging
     * the open until a writer comes. */
    int fd = open(path, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
    struct stat st;
    if (fd < 0 || fstat(fd, &st) != 0) {
        int e = errno;
        if (fd >= 0)
            close(fd);
        if (errs)
            fprintf(errs, "%s: cannot open: %s " DASH " check the path and its permissions\n",
                    path, strerror(e));
        return e == ENOENT ? AWS_ENOTFOUND : AWS_EIO;
    }
    if (!S_ISREG(st.st_mode)) {
        close(fd);
        if (errs)
            fprintf(errs, "%s: not a regular file " DASH " give the path of a configuration file\n",
                    path);
        return AWS_EIO;
    }
    FILE *f = fdopen(fd, "rb");
    if (!f) {
        close(fd);
        return AWS_ENOMEM;
    }
    char *buf = malloc(CONFIG_MAX_FILE + 1);
    int rc = 0;
    if (!buf) {
        fclose(f);
        return AWS_ENOMEM;
    }
    size_t n = fread(buf, 1, CONFIG_MAX_FILE + 1, f);
    if (ferror(f)) {
        if (errs)
            fprintf(errs, "%s: cannot read " DASH " check that it is a regular file\n", path);
        rc = AWS_EIO;
    } else if (n > CONFIG_MAX_FILE) {
        if (errs)
            fprintf(errs, "%s: larger than %d bytes " DASH " this is not a certsweep configuration\n",
                    path, CONFIG_MAX_FILE);
        rc = AWS_EINVAL;
    } else if (memchr(buf, '\0', n)) {
        if (errs)
            fprintf(errs, "%s: contains NUL bytes " DASH " this is not a text file\n", path);
        rc = AWS_EINVAL;
    } else {
        buf[n] = '\0';
        rc = config_load_string(c, path, buf, errs);
        /* A file holding a secret that others may change: they could
         * point the scan elsewhere or read the secret. */
        const struct option_def *secret = rc == 0 && (st.st_mode & (S_IWGRP | S_IWOTH))
                                        ? first_secret_set(c) : NULL;
        if (secret && errs)
            fprintf(errs, "%s: warning: writable by %s, and it holds [%s] %s " DASH
                    " chmod go-w %s\n", path, (st.st_mode & S_IWOTH) ? "every user" : "its group",
                    secret->section, secret->key, path);
    }
    fclose(f);
    free(buf);
    return rc;
}

/* ---- validation across options ---- */

static int loopback_host(const char *h)
{
    return strcmp(h, "localhost") == 0 || strncmp(h, "127.", 4) == 0 ||
           strcmp(h, "::1") == 0 || strcmp(h, "[::1]") == 0;
}

static void validate_email(const config *c, struct cfg_where *w)
{
    if (c->email_password_file && c->email_password_env)
        cfg_report(w, "[email] password_file and password_env are both set " DASH " keep one of them");
    if (!c->email_smtp_host)
        return;
    if (!c->email_from)
        cfg_report(w, "[email] smtp_host is set but from is not " DASH " set [email] from to the sender address");
    if (c->email_tls && strcmp(c->email_tls, "none") == 0 && !loopback_host(c->email_smtp_host))
        cfg_report(w, "[email] tls = none sends mail and passwords in clear text to %s " DASH " use tls = starttls (none is only for a loopback host)",
                   c->email_smtp_host);
    if (c->email_username && !c->email_password_file && !c->email_password_env)
        cfg_report(w, "[email] username is set without a password " DASH " set password_file or password_env");
    if ((c->email_password_file || c->email_password_env) && !c->email_username)
        cfg_report(w, "[email] a password is set without username " DASH " set [email] username");
}

/* What each receiver type needs besides its defaults. */
static void validate_webhook(const config_webhook *wh, struct cfg_where *w)
{
    const char *t = wh->type ? wh->type : "";
    const char *n = wh->name;
    int chat = strcmp(t, "slack") == 0 || strcmp(t, "teams") == 0;
    if (wh->secret_file && wh->secret_env)
        cfg_report(w, "[webhook %s] sets both secret_file and secret_env " DASH " keep one of them", n);
    else if (!wh->secret_file && !wh->secret_env)
        cfg_report(w, "[webhook %s] has no secret " DASH " set secret_file (or secret_env) to where the %s is kept",
                   n, strcmp(t, "generic") == 0 ? "HMAC key" : strcmp(t, "pagerduty") == 0 ? "routing key"
                      : chat ? "webhook URL" : "credentials (user:token)");
    if (wh->secret_env && !option_is_instance_name(wh->secret_env))
        cfg_report(w, "[webhook %s] secret_env: '%s' is not a variable name " DASH " use letters, digits and '_'",
                   n, wh->secret_env);
    if (chat && wh->url)
        cfg_report(w, "[webhook %s] url is set, but a %s webhook URL is a secret " DASH " remove url and put the URL in secret_file",
                   n, t);
    if ((strcmp(t, "generic") == 0 || strcmp(t, "jira") == 0 || strcmp(t, "servicenow") == 0) && !wh->url)
        cfg_report(w, "[webhook %s] has no url " DASH " set url to the %s", n,
                   strcmp(t, "generic") == 0 ? "endpoint that receives the events" : "site's base URL");
    if (strcmp(t, "jira") == 0 && !wh->project)
        cfg_report(w, "[webhook %s] has no project " DASH " set project to the key of the Jira project", n);
    int ok = 0;
    for (size_t i = 0; i < config_options_count; i++) {
        const struct option_def *o = &config_options[i];
        if (!(o->flags & OPT_NAMED) || o->type != OPT_ENUM)
            continue;
        const char *v = *(char *const *)((const char *)wh + o->offset);
        ok = 0;
        for (size_t j = 0; v && o->choices[j]; j++)
            if (strcmp(o->choices[j], v) == 0)
                ok = 1;
        if (!ok)
            cfg_report(w, "[webhook %s] %s is not set to an allowed value " DASH " see 'certsweep check-config --print-example'",
                       n, o->key);
    }
}

int config_validate_as(const config *c, const char *name, FILE *errs)
{
    struct cfg_where w = { errs, name ? name : "config", 0, 0, 0, NULL };
    if (c->accounts.n && c->organizational_units.n)
        cfg_report(&w, "[scan] accounts and [scan] organizational_units are both set " DASH " keep one of them");
    if (c->accounts.n && c->exclude_ous.n)
        cfg_report(&w, "[scan] exclude_ous needs the organization's accounts, but [scan] accounts lists them " DASH " remove exclude_ous or accounts");
    for (size_t i = 0; i < c->include_accounts.n; i++)
        if (config_list_contains(&c->exclude_accounts, c->include_accounts.v[i]))
            cfg_report(&w, "account %s is both in [scan] include_accounts and exclude_accounts " DASH " remove it from one",
                       c->include_accounts.v[i]);
    if (c->regions.n == 0)
        cfg_report(&w, "[scan] regions is empty " DASH " write all or a list of regions");
    else if (c->regions.n > 1 && config_list_contains(&c->regions, "all"))
        cfg_report(&w, "[scan] regions mixes 'all' with region names " DASH " write either all or a list of regions");
    if (c->collectors.n == 0)
        cfg_report(&w, "[scan] collectors is empty " DASH " name at least one certificate source");
    /* Enumerations, for values set outside the loader. */
    for (size_t i = 0; i < config_options_count; i++) {
        const struct option_def *o = &config_options[i];
        if (o->type != OPT_ENUM || (o->flags & OPT_NAMED))
            continue;
        const char *v = *(char *const *)((const char *)c + o->offset);
        int ok = 0;
        for (size_t j = 0; v && o->choices[j]; j++)
            if (strcmp(o->choices[j], v) == 0)
                ok = 1;
        if (!ok)
            cfg_report(&w, "[%s] %s is not set to an allowed value " DASH " see 'certsweep check-config --print-example'",
                       o->section, o->key);
    }
    if (!c->state_dir || c->state_dir[0] != '/')
        cfg_report(&w, "[state] dir is not an absolute path " DASH " set [state] dir, or HOME/XDG_STATE_HOME");
    if (c->role_name && !c->role_name[0])
        cfg_report(&w, "[scan] role_name is empty " DASH " name the role to assume");
    validate_email(c, &w);
    for (size_t i = 0; i < c->n_webhooks; i++)
        validate_webhook(&c->webhooks[i], &w);
    if (c->ca_bundle && *c->ca_bundle) {
        /* O_NONBLOCK: a FIFO must not hang the check */
        int fd = open(c->ca_bundle, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
        struct stat st;
        int e = fd < 0 ? errno : fstat(fd, &st) != 0 ? errno : S_ISREG(st.st_mode) ? 0 : -1;
        if (fd >= 0)
            close(fd);
        if (e)
            cfg_report(&w, "[aws] ca_bundle '%s': %s " DASH " point it at a readable PEM file of CA certificates",
                       c->ca_bundle, e < 0 ? "not a regular file" : strerror(e));
    }
    return w.errors ? AWS_EINVAL : 0;
}

int config_validate(const config *c, FILE *errs)
{
    return config_validate_as(c, "config", errs);
}

/* ---- flags ---- */

int config_set(config *c, const char *dotted_key, const char *value, FILE *errs)
{
    struct cfg_where w = { errs, NULL, 0, 1, 0, NULL };
    const char *dot = dotted_key ? strchr(dotted_key, '.') : NULL;
    char section[64];
    if (!dot || (size_t)(dot - dotted_key) >= sizeof(section)) {
        cfg_report(&w, "'%s' is not an option name " DASH " write section.key, e.g. scan.regions",
                   dotted_key ? dotted_key : "");
        return AWS_EINVAL;
    }
    memcpy(section, dotted_key, (size_t)(dot - dotted_key));
    section[dot - dotted_key] = '\0';
    const char *key = dot + 1;
    const struct option_def *o = option_find(section, key);
    if (option_section_named(section)) {
        cfg_report(&w, "%s: [%s NAME] sections are set in the config file only " DASH " write a [%s NAME] section",
                   dotted_key, section, section);
        return AWS_EINVAL;
    }
    if (!o) {
        const struct option_def *near = option_section_known(section) ? closest_key(section, key) : NULL;
        if (near)
            cfg_report(&w, "unknown option %s " DASH " did you mean %s.%s?", dotted_key, near->section, near->key);
        else
            cfg_report(&w, "unknown option %s " DASH " 'certsweep check-config --print-example' lists the options", dotted_key);
        return AWS_EINVAL;
    }
    return option_set(c, o, value ? value : "", 0, &w);
}

/* ---- descriptions ---- */

static void type_text(const struct option_def *o, char *out, size_t cap)
{
    size_t used = 0;
    switch (o->type) {
    case OPT_STRING:
        snprintf(out, cap, "%s", o->check == CHK_PATH ? "path" : o->check == CHK_URL ? "URL" :
                                 o->check == CHK_REGION ? "region" : "string");
        return;
    case OPT_BOOL:
        snprintf(out, cap, "boolean");
        return;
    case OPT_INT:
        snprintf(out, cap, "integer, %ld..%ld", o->min, o->max);
        return;
    case OPT_TIERS:
        snprintf(out, cap, "days medium,high,critical, each %ld..%ld", o->min, o->max);
        return;
    case OPT_LIST:
        if (o->check == CHK_CHOICE)
            used = (size_t)snprintf(out, cap, "list of: ");
        else {
            snprintf(out, cap, "list of %s", o->check == CHK_ACCOUNT ? "account ids" :
                     o->check == CHK_OU ? "OU or root ids" : o->check == CHK_RULE_ID ? "rule ids" :
                     o->check == CHK_EMAIL ? "e-mail addresses" :
                     o->check == CHK_DNS_SERVER ? "name servers" :
                     o->check == CHK_RATE_OVERRIDE ? "service:Operation=rate items" :
                     o->check == CHK_PROBE_TARGET ? "host[:port][@address] endpoints" :
                     o->check == CHK_REGION || o->check == CHK_REGION_OR_ALL ? "regions" :
                     "values");
            return;
        }
        break;
    case OPT_ENUM:
        used = (size_t)snprintf(out, cap, "one of: ");
        break;
    }
    for (size_t i = 0; o->choices[i] && used < cap; i++) {
        int n = snprintf(out + used, cap - used, "%s%s", i ? ", " : "", o->choices[i]);
        if (n < 0)
            return;
        used += (size_t)n;
    }
}

/* Writes `text` as comment lines "# ..." no wider than 78 columns. */
static void write_wrapped(FILE *out, const char *prefix, const char *text)
{
    const size_t width = 78 - strlen(prefix);
    while (*text) {
        size_t n = strlen(text);
        if (n > width) {
            n = width;
            while (n > 0 && text[n] != ' ')
                n--;
            if (n == 0)
                n = strcspn(text, " ");
        }
        fprintf(out, "%s%.*s\n", prefix, (int)n, text);
        text += n;
        while (*text == ' ')
            text++;
    }
}

void config_write_example(FILE *out)
{
    fputs("# certsweep configuration.\n"
          "#\n"
          "# Every option is listed with its built-in default, commented out with ';'.\n"
          "# Remove the ';' to change a value.  Lists are comma-separated; a long list\n"
          "# may continue on indented lines.  Values may be quoted.\n"
          "# Check a file with: certsweep check-config --config FILE\n", out);
    const char *section = "";
    char type[160];
    for (size_t i = 0; i < config_options_count; i++) {
        const struct option_def *o = &config_options[i];
        /* A named section is a template: commented with '#', so that the
         * example, even uncommented, opens no channel. */
        const char *c = (o->flags & OPT_NAMED) ? "#" : ";";
        if (strcmp(o->section, section) != 0) {
            section = o->section;
            if (o->flags & OPT_NAMED)
                fprintf(out, "\n# As many [%s NAME] sections as wanted, each one channel; copy\n"
                        "# the lines below without their '#' and give the section a name.\n"
                        "#[%s NAME]\n", section, section);
            else
                fprintf(out, "\n[%s]\n", section);
        }
        type_text(o, type, sizeof(type));
        fputs((o->flags & OPT_NAMED) ? "#\n" : "\n", out);
        write_wrapped(out, "# ", o->help);
        fprintf(out, "# (%s)\n", type);
        fprintf(out, "%s%s =%s%s\n", c, o->key, o->def && *o->def ? " " : "", o->def ? o->def : "");
    }
}

void config_write_help(FILE *out)
{
    char type[160], name[64];
    for (size_t i = 0; i < config_options_count; i++) {
        const struct option_def *o = &config_options[i];
        type_text(o, type, sizeof(type));
        snprintf(name, sizeof(name), "%s%s.%s", o->section,
                 (o->flags & OPT_NAMED) ? ".NAME" : "", o->key);
        fprintf(out, "  %s (%s; default: %s)\n", name, type,
                o->def && *o->def ? o->def : "unset");
        write_wrapped(out, "      ", o->help);
    }
}

size_t config_option_count(void)
{
    return config_options_count;
}

void config_option_describe(size_t i, config_option_info *out)
{
    const struct option_def *o = &config_options[i];
    out->section = o->section;
    out->key = o->key;
    type_text(o, out->type, sizeof(out->type));
    out->def = o->def && *o->def ? o->def : NULL;
    out->help = o->help;
    out->secret = (o->flags & OPT_SECRET) != 0;
    out->named = (o->flags & OPT_NAMED) != 0;
}

const char *config_default_path(void)
{
    const char *env = getenv("CERTSWEEP_CONFIG");
    if (env && *env)
        return env;
    struct stat st;
    if (stat(CONFIG_SYSTEM_PATH, &st) == 0)
        return CONFIG_SYSTEM_PATH;
    return NULL;
}
