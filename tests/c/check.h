/* Tiny assertion helpers for the C API tests (C99): failures are counted and reported with the
 * last insitu error, and main() returns non-zero if any check failed. */
#ifndef INSITU_TESTS_C_CHECK_H
#define INSITU_TESTS_C_CHECK_H

#include <insitu/insitu.h>

#include <stdio.h>
#include <string.h>

static int check_failures = 0;
static int check_count = 0;

#define CHECK(cond)                                                                           \
    do {                                                                                      \
        ++check_count;                                                                        \
        if (!(cond)) {                                                                        \
            ++check_failures;                                                                 \
            fprintf(stderr, "%s:%d: CHECK failed: %s (last error: '%s' at '%s')\n", __FILE__, \
                    __LINE__, #cond, SRGetLastError(), SRGetLastErrorLocation());             \
        }                                                                                     \
    } while (0)

/* The call must return `code`. */
#define CHECK_RC(call, code)                                                                   \
    do {                                                                                       \
        SRError rc_ = (call);                                                                  \
        ++check_count;                                                                         \
        if (rc_ != (code)) {                                                                   \
            ++check_failures;                                                                  \
            fprintf(stderr, "%s:%d: %s returned %s, expected %s (last error: '%s' at '%s')\n", \
                    __FILE__, __LINE__, #call, SRErrorName(rc_), SRErrorName(code),            \
                    SRGetLastError(), SRGetLastErrorLocation());                               \
        }                                                                                      \
    } while (0)

#define CHECK_OK(call) CHECK_RC(call, SRNoError)

/* The last error's text must contain `needle`. */
#define CHECK_ERROR_TEXT(needle) CHECK(strstr(SRGetLastError(), (needle)) != NULL)

#define S(literal) literal, (sizeof(literal) - 1)

static int check_report(const char* name) {
    printf("%s: %d checks, %d failed\n", name, check_count, check_failures);
    return check_failures == 0 ? 0 : 1;
}

#endif
