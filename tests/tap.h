/* SPDX-License-Identifier: Apache-2.0 */
/* A minimal TAP producer for the C unit tests: plan(), ok(), is_int(),
 * is_str(), diag() and done_testing().  Header-only, so each test program
 * is one file.  Output is read by tests/run (or prove). */
#ifndef UKDB_TESTS_TAP_H
#define UKDB_TESTS_TAP_H 1

#include <inttypes.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int tap_n_run_;
static int tap_n_failed_;
static int tap_planned_ = -1;

static inline void
tap_plan(int n)
{
    tap_planned_ = n;
    printf("1..%d\n", n);
}

__attribute__((format(printf, 1, 2))) static inline void
diag(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fputs("# ", stdout);
    vprintf(fmt, args);
    fputc('\n', stdout);
    va_end(args);
}

__attribute__((format(printf, 4, 5))) static inline bool
tap_ok_at(bool cond, const char *file, int line, const char *fmt, ...)
{
    va_list args;
    tap_n_run_++;
    printf("%sok %d - ", cond ? "" : "not ", tap_n_run_);
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
    putchar('\n');
    if (!cond) {
        tap_n_failed_++;
        printf("#   Failed test at %s:%d\n", file, line);
    }
    fflush(stdout);
    return cond;
}

#define ok(COND, ...) tap_ok_at(!!(COND), __FILE__, __LINE__, __VA_ARGS__)

#define is_int(GOT, WANT, ...)                                          \
    do {                                                                \
        long long got_ = (long long) (GOT);                             \
        long long want_ = (long long) (WANT);                           \
        if (!tap_ok_at(got_ == want_, __FILE__, __LINE__, __VA_ARGS__)) { \
            diag("     got: %lld", got_);                               \
            diag("expected: %lld", want_);                              \
        }                                                               \
    } while (0)

#define is_str(GOT, WANT, ...)                                          \
    do {                                                                \
        const char *got_ = (GOT);                                       \
        const char *want_ = (WANT);                                     \
        bool same_ = got_ && want_ ? !strcmp(got_, want_) : got_ == want_; \
        if (!tap_ok_at(same_, __FILE__, __LINE__, __VA_ARGS__)) {       \
            diag("     got: \"%s\"", got_ ? got_ : "(null)");           \
            diag("expected: \"%s\"", want_ ? want_ : "(null)");         \
        }                                                               \
    } while (0)

/* Prints the plan if none was given, and returns the exit status. */
static inline int
done_testing(void)
{
    if (tap_planned_ < 0) {
        printf("1..%d\n", tap_n_run_);
    } else if (tap_planned_ != tap_n_run_) {
        printf("# planned %d tests but ran %d\n", tap_planned_, tap_n_run_);
        return 1;
    }
    return tap_n_failed_ ? 1 : 0;
}

#endif /* UKDB_TESTS_TAP_H */
