/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation, assertions and string helpers (see util.h). */
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

/* Ends the process at once: exit() would run the destructors of the
 * libraries loaded, and LTTng-UST's cancels its threads, which makes glibc
 * load libgcc_s: with no memory left, that fails and aborts.  What stdout
 * holds is written first. */
static UK_NORETURN void
out_of_memory(void)
{
    fflush(stdout);
    static const char msg[] = "ukdb: out of memory\n";
    if (write(STDERR_FILENO, msg, sizeof msg - 1) < 0) {
        /* Nothing else to tell. */
    }
    _exit(2);
}

void *
uk_xmalloc(size_t size)
{
    void *p = malloc(size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

void *
uk_xzalloc(size_t size)
{
    return uk_xcalloc(1, size);
}

void *
uk_xcalloc(size_t n, size_t size)
{
    void *p = calloc(n ? n : 1, size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

/* malloc() of 'size' bytes aligned on 'align', a power of two and a
 * multiple of sizeof(void *); free() frees it. */
void *
uk_xmalloc_aligned(size_t align, size_t size)
{
    void *p;
    if (posix_memalign(&p, align, size ? size : 1)) {
        out_of_memory();
    }
    return p;
}

void *
uk_xrealloc(void *p, size_t size)
{
    p = realloc(p, size ? size : 1);
    if (!p) {
        out_of_memory();
    }
    return p;
}

char *
uk_xstrdup(const char *s)
{
    size_t size = strlen(s) + 1;
    return memcpy(uk_xmalloc(size), s, size);
}

int
uk_name_lookup(const char *const *table, int n, const char *name)
{
    for (int i = 0; i < n; i++) {
        if (!strcasecmp(table[i], name)) {
            return i;
        }
    }
    return -1;
}

char *
uk_xasprintf(const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int len = vsnprintf(NULL, 0, fmt, args);
    va_end(args);
    if (len < 0) {
        out_of_memory();
    }
    char *s = uk_xmalloc((size_t) len + 1);
    va_start(args, fmt);
    vsnprintf(s, (size_t) len + 1, fmt, args);
    va_end(args);
    return s;
}

void *
uk_grow(void *array, size_t *allocated, size_t n, size_t elem_size)
{
    if (n <= *allocated) {
        return array;
    }
    size_t new_allocated = *allocated ? *allocated : 8;
    while (new_allocated < n) {
        if (new_allocated > SIZE_MAX / 2 / elem_size) {
            out_of_memory();
        }
        new_allocated *= 2;
    }
    array = uk_xrealloc(array, new_allocated * elem_size);
    *allocated = new_allocated;
    return array;
}

void *
uk_insert_gap(void *array, size_t *allocated, size_t *n, size_t i,
              size_t elem_size)
{
    array = uk_grow(array, allocated, *n + 1, elem_size);
    char *p = (char *) array + i * elem_size;
    memmove(p + elem_size, p, (*n - i) * elem_size);
    ++*n;
    return array;
}

void
uk_assert_failure(const char *where, const char *cond)
{
    fprintf(stderr, "ukdb: %s: assertion %s failed\n", where, cond);
    signal(SIGABRT, SIG_DFL);   /* A bug of ours: no handler hides it. */
    abort();
}

const char *
uk_ukey_id_digits(const char *arg)
{
    return arg + (!strncmp(arg, "ukey#", 5) ? 5 : arg[0] == '#' ? 1 : 0);
}

size_t
uk_decimal_span(const char *s)
{
    const char *p = s + strspn(s, "0123456789");
    size_t n_digits = (size_t) (p - s);
    if (*p == '.') {
        size_t n_frac = strspn(p + 1, "0123456789");
        n_digits += n_frac;
        p += 1 + n_frac;
    }
    if (!n_digits) {
        return 0;
    }
    /* An 'e' with no digits after it is not part of the number ("1es"
     * is 1 then "es", as for strtod()). */
    if (*p == 'e' || *p == 'E') {
        const char *e = p + 1 + (p[1] == '+' || p[1] == '-');
        size_t n_exp = strspn(e, "0123456789");
        if (n_exp) {
            p = e + n_exp;
        }
    }
    return (size_t) (p - s);
}

/* Whether the decimal notation that makes up the whole of 's' (as
 * uk_decimal_span() has it) has no fraction: whether its last digit other
 * than 0, if any, stands for a multiple of 1 once the exponent has moved
 * the point.  Read from the text, not a double: "1.0000000000000000001"
 * is a double's 1. */
static bool
decimal_is_whole(const char *s)
{
    long long n = 0;            /* Digits so far. */
    long long place = -1;       /* Of the last nonzero digit: 1 to 'n'. */
    long long point = -1;       /* The digits before the '.', if any. */
    const char *p = s;
    for (; isdigit((unsigned char) *p) || *p == '.'; p++) {
        if (*p == '.') {
            point = n;
            continue;
        }
        n++;
        if (*p != '0') {
            place = n;
        }
    }
    if (place < 0) {
        return true;            /* 0, however written. */
    }
    /* The exponent only matters up to a few more than the digits: beyond,
     * it is clamped, so that it cannot overflow. */
    long long exp = 0;
    if (*p == 'e' || *p == 'E') {
        p++;
        bool minus = *p == '-';
        p += *p == '-' || *p == '+';
        for (; isdigit((unsigned char) *p); p++) {
            exp = exp > n + 1 ? exp : exp * 10 + (*p - '0');
        }
        exp = minus ? -exp : exp;
    }
    /* That digit stands for a multiple of 10^(point - place + exp), with
     * the point after the last digit if there is no '.'. */
    return (point < 0 ? n : point) - place + exp >= 0;
}

enum uk_number
uk_parse_number(const char *s, uint64_t *out)
{
    /* Digits only: strtoull() takes leading blanks, a sign ("-1" as
     * 2^64 - 1) and, with base 0, hexadecimal. */
    if (isdigit((unsigned char) *s) && !s[strspn(s, "0123456789")]) {
        errno = 0;
        unsigned long long v = strtoull(s, NULL, 10);
        *out = v;               /* UINT64_MAX on ERANGE. */
        return errno == ERANGE ? UK_NUMBER_TOO_LARGE : UK_NUMBER_OK;
    }
    if (uk_is_negative_number(s)) {
        return UK_NUMBER_NEGATIVE;
    }
    size_t span = uk_decimal_span(s);
    if (!span || s[span]) {
        return UK_NUMBER_NONE;
    }
    return decimal_is_whole(s) ? UK_NUMBER_NOT_DIGITS : UK_NUMBER_FRACTION;
}

const char *
uk_number_range(char *buf, size_t size, uint64_t min, uint64_t max,
                enum uk_number kind)
{
    /* "1 to 18446744073709551615", "1 to 4294967295" and "1 to
     * 2147483647" were three ways of saying the type's end, none
     * readable, where other commands said "1 or more". */
    if (max < INT32_MAX) {
        snprintf(buf, size, "%" PRIu64 " to %" PRIu64, min, max);
    } else if (kind != UK_NUMBER_TOO_LARGE) {
        snprintf(buf, size, "%" PRIu64 " or more", min);
    } else if (!(max & (max + 1))) {
        /* 2^bits - 1: all ones. */
        int bits = 64 - __builtin_clzll(max);
        snprintf(buf, size, "%" PRIu64 " to 2^%d - 1", min, bits);
    } else {
        snprintf(buf, size, "%" PRIu64 " to %" PRIu64, min, max);
    }
    return buf;
}

const char *
uk_number_problem(char *buf, size_t size, enum uk_number kind,
                  const char *range)
{
    const char *words = "not a number";
    switch (kind) {
    case UK_NUMBER_OK:
    case UK_NUMBER_TOO_LARGE:
    case UK_NUMBER_NEGATIVE:
        /* A number all the same, below or above what is taken: "-1" is
         * no more "not a number" than 0 is where 1 is the least. */
        words = "out of range";
        break;
    case UK_NUMBER_FRACTION:
        words = "not a whole number";
        break;
    case UK_NUMBER_NOT_DIGITS:
        words = "not written in digits";
        break;
    case UK_NUMBER_NONE:
        break;
    }
    snprintf(buf, size, "%s%s%s%s", words, range ? " (" : "",
             range ? range : "", range ? ")" : "");
    return buf;
}

bool
uk_is_negative_number(const char *s)
{
    s += strspn(s, " \t");
    if (*s++ != '-') {
        return false;
    }
    /* Decimal notation only: no "inf", "nan" or hexadecimal.  A value too
     * large for a double is still a negative number. */
    size_t span = uk_decimal_span(s);
    return span && !s[span];
}

bool
uk_parse_ukey_id(const char *arg, uint64_t *id)
{
    uint64_t v;
    if (uk_parse_number(uk_ukey_id_digits(arg), &v) != UK_NUMBER_OK || !v) {
        return false;
    }
    *id = v;
    return true;
}

uint64_t
uk_hash_string(const char *s)
{
    uint64_t h = 0xcbf29ce484222325ULL;
    for (; *s; s++) {
        h ^= (unsigned char) *s;
        h *= 0x100000001b3ULL;
    }
    return h ? h : 1;
}

/* The length of the UTF-8 sequence at 's' (1 to 4 bytes), with its code
 * point in '*cpp', or 0 if the bytes there are not a valid one: a stray
 * continuation byte, one cut short, an overlong form, a surrogate, or past
 * U+10FFFF. */
static size_t
utf8_decode(const unsigned char *s, uint32_t *cpp)
{
    size_t n;
    uint32_t cp, min;
    if (s[0] < 0x80) {
        *cpp = s[0];
        return 1;
    } else if ((s[0] & 0xe0) == 0xc0) {
        n = 2, cp = s[0] & 0x1f, min = 0x80;
    } else if ((s[0] & 0xf0) == 0xe0) {
        n = 3, cp = s[0] & 0x0f, min = 0x800;
    } else if ((s[0] & 0xf8) == 0xf0) {
        n = 4, cp = s[0] & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    for (size_t i = 1; i < n; i++) {
        if ((s[i] & 0xc0) != 0x80) {    /* Also the terminating NUL. */
            return 0;
        }
        cp = cp << 6 | (s[i] & 0x3f);
    }
    *cpp = cp;
    return (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)
            ? 0 : n);
}

static size_t
utf8_length(const unsigned char *s)
{
    uint32_t cp;
    return utf8_decode(s, &cp);
}

struct cp_range {
    uint32_t lo, hi;
};

static bool
cp_in(uint32_t cp, const struct cp_range *r, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (cp >= r[i].lo && cp <= r[i].hi) {
            return true;
        }
    }
    return false;
}

/* The columns of code point 'cp': the main ranges of Unicode's combining
 * marks, zero-width characters and East Asian Wide/Fullwidth ones (after
 * Markus Kuhn's wcwidth()), not the whole tables: names are short words,
 * and a rare character off by a column only shifts its own line. */
static int
cp_width(uint32_t cp)
{
    static const struct cp_range zero[] = {
        { 0x0300, 0x036f }, { 0x0483, 0x0489 }, { 0x0591, 0x05bd },
        { 0x0610, 0x061a }, { 0x064b, 0x065f }, { 0x0e31, 0x0e31 },
        { 0x0e34, 0x0e3a }, { 0x1ab0, 0x1aff }, { 0x1dc0, 0x1dff },
        { 0x200b, 0x200f }, { 0x202a, 0x202e }, { 0x2060, 0x2064 },
        { 0x20d0, 0x20ff }, { 0xfe00, 0xfe0f }, { 0xfe20, 0xfe2f },
        { 0xfeff, 0xfeff }, { 0xe0100, 0xe01ef },
    };
    static const struct cp_range wide[] = {
        { 0x1100, 0x115f }, { 0x2e80, 0x303e }, { 0x3041, 0x33ff },
        { 0x3400, 0x4dbf }, { 0x4e00, 0x9fff }, { 0xa000, 0xa4cf },
        { 0xac00, 0xd7a3 }, { 0xf900, 0xfaff }, { 0xfe30, 0xfe4f },
        { 0xff00, 0xff60 }, { 0xffe0, 0xffe6 }, { 0x1f300, 0x1f64f },
        { 0x1f900, 0x1f9ff }, { 0x20000, 0x2fffd }, { 0x30000, 0x3fffd },
    };
    if (cp < 0x300) {
        return 1;                       /* ASCII and Latin-1: the most. */
    }
    if (cp_in(cp, zero, UK_ARRAY_SIZE(zero))) {
        return 0;
    }
    return cp_in(cp, wide, UK_ARRAY_SIZE(wide)) ? 2 : 1;
}

size_t
uk_utf8_width(const char *s)
{
    size_t columns = 0;
    for (const unsigned char *p = (const unsigned char *) s; p && *p;) {
        uint32_t cp;
        size_t n = utf8_decode(p, &cp);
        if (!n) {
            columns++;                  /* Shown as one replacement. */
            p++;
        } else {
            columns += cp_width(cp);
            p += n;
        }
    }
    return columns;
}

int
uk_pad(const char *s, int columns)
{
    if (!s) {
        return columns;
    }
    size_t bytes = strlen(s), width = uk_utf8_width(s);
    return columns + (int) (bytes - width);     /* width <= bytes. */
}

void
uk_json_string(FILE *f, const char *s)
{
    putc('"', f);
    for (const unsigned char *p = (const unsigned char *) s; p && *p;) {
        size_t n = utf8_length(p);
        if (!n) {
            fputs("\\ufffd", f);     /* Not UTF-8: the replacement. */
            p++;
        } else if (*p == '"' || *p == '\\') {
            putc('\\', f);
            putc(*p++, f);
        } else if (*p < 0x20) {
            fprintf(f, "\\u%04x", *p++);
        } else {
            fwrite(p, 1, n, f);
            p += n;
        }
    }
    putc('"', f);
}
