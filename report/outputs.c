/* certsweep — the --output files of one run and their formats. */
#include "report/outputs.h"

#include <stdarg.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "aws/error.h"

#define DASH "\xe2\x80\x94"

/* Longest extension first: ".asff.json" before ".json". */
static const struct {
    const char *ext;
    const char *format;
} k_extensions[] = {
    { ".asff.json", "asff" },
    { ".jsonl",     "jsonl" },
    { ".json",      "json" },
    { ".csv",       "csv" },
    { ".html",      "html" },
    { ".prom",      "prometheus" },
    { ".txt",       "table" },
};
#define N_EXT (sizeof(k_extensions) / sizeof(k_extensions[0]))

/* Table order for REPORT_OUTPUT_EXTENSIONS (as people read the list). */
static const char *const k_listed[] = {
    ".json", ".csv", ".asff.json", ".html", ".jsonl", ".prom", ".txt", NULL,
};

const char *const *report_output_extensions(void)
{
    return k_listed;
}

const char *report_format_by_extension(const char *path)
{
    size_t n = path ? strlen(path) : 0;
    for (size_t i = 0; i < N_EXT; i++) {
        size_t k = strlen(k_extensions[i].ext);
        /* a name, not only the extension: ".json" alone is a hidden file */
        if (n > k && strcmp(path + n - k, k_extensions[i].ext) == 0 && path[n - k - 1] != '/')
            return k_extensions[i].format;
    }
    return NULL;
}

static int writable_has(const char *const *writable, const char *format)
{
    for (size_t i = 0; writable && writable[i]; i++)
        if (strcmp(writable[i], format) == 0)
            return 1;
    return 0;
}

static int fail(char *err, size_t errlen, const char *fmt, ...)
    __attribute__((format(printf, 3, 4)));

static int fail(char *err, size_t errlen, const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    if (errlen)
        vsnprintf(err, errlen, fmt, ap);
    va_end(ap);
    return AWS_EINVAL;
}

int report_outputs_plan(const char *const *paths, size_t n, const char *format_flag,
                        const char *default_format, const char *const *writable,
                        report_output *out, size_t *n_out, char *err, size_t errlen)
{
    const char *std_format = format_flag ? format_flag : default_format ? default_format : "table";
    if (errlen)
        err[0] = '\0';
    *n_out = 0;
    static const char *const std_only[] = { "-" };
    if (n == 0) {
        paths = std_only;
        n = 1;
    }
    if (n > REPORT_OUTPUTS_MAX) {
        return fail(err, errlen, "--output is given %zu times " DASH " a run writes at "
                    "most %d reports", n, REPORT_OUTPUTS_MAX);
    }
    int flag_used = 0;
    for (size_t i = 0; i < n; i++) {
        const char *p = paths[i];
        const char *fmt;
        if (!p || !*p)
            return fail(err, errlen, "--output needs a file name (or - for standard output)");
        for (size_t j = 0; j < i; j++)
            if (strcmp(paths[j], p) == 0)
                return fail(err, errlen, "--output '%s' is given twice " DASH " name each file once",
                            p);
        if (strcmp(p, "-") == 0) {
            fmt = std_format;
            flag_used |= format_flag != NULL;
        } else if (n == 1 && format_flag) {
            fmt = format_flag;
            flag_used = 1;
        } else if ((fmt = report_format_by_extension(p)) == NULL) {
            if (!format_flag)
                return fail(err, errlen, "--output '%s': unknown extension " DASH " use %s, "
                            "or name the format with --format", p, REPORT_OUTPUT_EXTENSIONS);
            fmt = format_flag;
            flag_used = 1;
        }
        if (!writable_has(writable, fmt))
            return fail(err, errlen, "--output '%s': this command does not write %s reports",
                        p, fmt);
        out[i] = (report_output){ p, fmt };
    }
    if (format_flag && !flag_used)
        return fail(err, errlen, "--format %s applies to no --output: each file takes its "
                    "format from its extension " DASH " use - for standard output in that format",
                    format_flag);
    *n_out = n;
    return 0;
}

int report_outputs_have(const report_output *o, size_t n, const char *format)
{
    for (size_t i = 0; i < n; i++)
        if (strcmp(o[i].format, format) == 0)
            return 1;
    return 0;
}

FILE *report_output_stream(const report_output *o, FILE *file, int pass, int *color)
{
    int to_stdout = strcmp(o->path, "-") == 0;
    *color = to_stdout && strcmp(o->format, "table") == 0 && isatty(STDOUT_FILENO);
    if (to_stdout != pass)
        return NULL;
    return to_stdout ? stdout : file;
}
