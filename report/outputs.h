/* certsweep — which report goes where: the --output files of one run and
 * the format of each.
 *
 * One table (outputs.c) names every report format a command can write and
 * the file extensions that pick it; --help, the man page and README quote
 * REPORT_OUTPUT_EXTENSIONS, and a unit test checks that it lists the
 * table's extensions.  Pure: no file is opened here.
 *
 * The rules (report_outputs_plan):
 *  - no --output: one report on standard output, in --format, else the
 *    default (the config's [scan] format, else "table");
 *  - "-" is standard output (at most once), in --format, else the default;
 *  - one file with --format: that format, whatever the extension (so
 *    `--format json --output report.txt` writes JSON);
 *  - otherwise a file's extension decides (.json, .csv, .asff.json, .html,
 *    .jsonl, .prom, .txt); a file without a known extension takes
 *    --format, and without --format it is a usage error naming the file and
 *    the extensions;
 *  - with several outputs, a --format that no output takes is an error
 *    (it would be silently ignored);
 *  - the same file named twice is an error; at most REPORT_OUTPUTS_MAX.
 */
#ifndef REPORT_OUTPUTS_H
#define REPORT_OUTPUTS_H

#include <stddef.h>
#include <stdio.h>

/* --output may be repeated this many times (and the number as text, for
 * help texts). */
#define REPORT_OUTPUTS_MAX 16
#define REPORT_STR_(x) #x
#define REPORT_STR(x) REPORT_STR_(x)
#define REPORT_OUTPUTS_MAX_TEXT REPORT_STR(REPORT_OUTPUTS_MAX)

/* The extensions of the table below, for help texts (a test keeps them in
 * step). */
#define REPORT_OUTPUT_EXTENSIONS ".json, .csv, .asff.json, .html, .jsonl, .prom, .txt"

typedef struct report_output {
    const char *path;        /* borrowed from the caller; "-": standard output */
    const char *format;      /* "table", "json", "csv", "asff", "html", "jsonl",
                              * "prometheus": static, or the caller's format_flag */
} report_output;

/* The format an extension picks ("report.asff.json": "asff"), or NULL.
 * Extensions are matched in lower case only, the longest first. */
const char *report_format_by_extension(const char *path);

/* The extensions the table knows, in table order, NULL-terminated (for the
 * test that checks REPORT_OUTPUT_EXTENSIONS). */
const char *const *report_output_extensions(void);

/* Plans the outputs of one run.  paths[0..n) are the --output values in
 * order (n may be 0); format_flag is --format (NULL: not given, its value
 * already validated by the caller); default_format is the format of
 * standard output without --format; writable (NULL-terminated) the formats
 * this command writes.  Fills out[0..*n_out) (room for REPORT_OUTPUTS_MAX,
 * at least one).  Returns 0, or AWS_EINVAL with one line in err, e.g.
 *   "'report.xml': unknown extension — use .json, .csv, ... or name the format with --format"
 */
int report_outputs_plan(const char *const *paths, size_t n, const char *format_flag,
                        const char *default_format, const char *const *writable,
                        report_output *out, size_t *n_out, char *err, size_t errlen);

/* 1 when one of the planned outputs has that format. */
int report_outputs_have(const report_output *o, size_t n, const char *format);

/* Outputs are written in two passes: 0, the files (file: the open
 * temporary file), which the caller then puts in place; 1, standard
 * output, last, so that a file that fails is reported before anything is
 * printed.  The stream o is written to in that pass, or NULL when o
 * belongs to the other one; *color is 1 for a table on a terminal. */
FILE *report_output_stream(const report_output *o, FILE *file, int pass, int *color);

#endif
