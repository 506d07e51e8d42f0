/* certsweep — fuzz harness entry point, shared by the libFuzzer builds
 * (-Dfuzz=true, clang) and the plain corpus replay driver (replay.c). */
#ifndef TESTS_FUZZ_FUZZ_H
#define TESTS_FUZZ_FUZZ_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* A NUL-terminated copy of the input (abort on ENOMEM: not a finding). */
char *fuzz_strndup(const uint8_t *data, size_t size);

/* Fails the run loudly: a broken invariant is a finding. */
#define FUZZ_CHECK(cond) \
    do { if (!(cond)) fuzz_fail(__FILE__, __LINE__, #cond); } while (0)
void fuzz_fail(const char *file, int line, const char *what) __attribute__((noreturn));

/* 1 when s is a non-empty line without control characters (an error
 * message that quotes remote text must not break a log line or a terminal). */
int fuzz_one_line(const char *s);

/* 1 when s is NULL or valid UTF-8 (what a parser keeps of remote text is
 * repaired on input: every report and request built from it stays valid). */
int fuzz_utf8(const char *s);

#endif
