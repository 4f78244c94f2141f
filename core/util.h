/* SPDX-License-Identifier: Apache-2.0 */
/* Cross-cutting helpers: allocation that aborts on exhaustion (the model has
 * no sensible way to go on without memory), ukdb's own assertions, and small
 * string helpers. */
#ifndef UKDB_CORE_UTIL_H
#define UKDB_CORE_UTIL_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "compiler.h"

/* Allocation.  On failure these print "ukdb: out of memory" and exit with
 * status 2: running out of memory is reported, never a crash. */
void *uk_xmalloc(size_t size);
void *uk_xzalloc(size_t size);
void *uk_xcalloc(size_t n, size_t size);
void *uk_xmalloc_aligned(size_t align, size_t size);
void *uk_xrealloc(void *p, size_t size);
char *uk_xstrdup(const char *s);
char *uk_xasprintf(const char *fmt, ...) UK_PRINTF(1, 2);

/* Grows '*array' (of '*allocated' elements of 'elem_size' bytes) so that it
 * holds at least 'n' elements, doubling.  OVS's x2nrealloc, in short. */
void *uk_grow(void *array, size_t *allocated, size_t n, size_t elem_size);

/* Opens a gap at index 'i' of '*array' (of '*n' elements of 'elem_size'
 * bytes, '*allocated' allocated), growing it with uk_grow() and moving the
 * elements from 'i' on up by one; increments '*n'.  Returns the array: the
 * caller fills element 'i'. */
void *uk_insert_gap(void *array, size_t *allocated, size_t *n, size_t i,
                    size_t elem_size);

/* Aborts with "file:line: assertion X failed" when ukdb's own invariant is
 * broken.  Never used for a violation of the modelled code: those are data. */
#define uk_assert(COND)                                                 \
    do {                                                                \
        if (UK_UNLIKELY(!(COND))) {                                     \
            uk_assert_failure(UK_SOURCE_LOCATOR, #COND);                \
        }                                                               \
    } while (0)
UK_NORETURN void uk_assert_failure(const char *where, const char *cond);

/* The index of 'name' in the 'n' names of 'table' (compared without regard
 * to case: names of states, event types, formats, strategies...), or -1. */
int uk_name_lookup(const char *const *table, int n, const char *name);

/* 64-bit FNV-1a of 's', never 0: how a flow name becomes its ufid. */
uint64_t uk_hash_string(const char *s);

/* Writes 's' (NULL: empty) to 'f' as a JSON string: quoted, escaped, and
 * valid UTF-8 whatever its bytes (each byte that is not part of a valid
 * sequence becomes U+FFFD), as JSON requires. */
void uk_json_string(FILE *f, const char *s);

/* The columns a terminal takes to show 's' (UTF-8; NULL: 0): each code
 * point 1, a combining mark or zero-width one 0, a wide or fullwidth one
 * (CJK, Hangul, emoji) 2, a byte that is not UTF-8 1.  Whatever the
 * locale: ukdb sets none (LC_NUMERIC would put a comma in the JSON's
 * numbers, and LC_CTYPE's "C" gives wcswidth() nothing but -1), its names
 * (flows, threads, from scripts and traces) are UTF-8, and a table is to
 * print the same everywhere. */
size_t uk_utf8_width(const char *s);

/* The field width to give "%-*s" for 's' so that it takes 'columns'
 * columns, as printf() pads by bytes: 'columns' plus the bytes of 's'
 * that take no column of their own. */
int uk_pad(const char *s, int columns);

/* The length of the number in decimal notation at the start of 's':
 * digits with at most one '.' among them, at least one digit, then
 * maybe an exponent ("e3", "E-3"); 0 if 's' starts with none.  What
 * strtod() takes less what is no number to ukdb: blanks, a sign,
 * hexadecimal, "inf" and "nan". */
size_t uk_decimal_span(const char *s);

/* What a string is as a whole number in digits, the one form ukdb takes
 * for counts, ids, seqs and event numbers, so that an error can say why one
 * is refused (uk_number_problem()). */
enum uk_number {
    UK_NUMBER_OK,               /* Digits only, below 2^64. */
    UK_NUMBER_TOO_LARGE,        /* Digits only, 2^64 or more. */
    UK_NUMBER_NEGATIVE,         /* A '-' then decimal notation. */
    UK_NUMBER_FRACTION,         /* Decimal notation with a fraction. */
    UK_NUMBER_NOT_DIGITS,       /* A whole number otherwise: "1e3", "1.0". */
    UK_NUMBER_NONE,             /* No number: "x", "1x", " 1", "0x10". */
};

/* Parses the whole of 's' as a whole number in decimal digits (no blank,
 * sign or prefix) into '*out'.  Returns UK_NUMBER_OK, or what else 's' is:
 * UK_NUMBER_TOO_LARGE ('*out' is then UINT64_MAX); UK_NUMBER_NEGATIVE if
 * uk_is_negative_number(); UK_NUMBER_FRACTION or UK_NUMBER_NOT_DIGITS if
 * it is decimal notation ("1.5", ".5", "1e-3"; "1e3", "1.0", "1e999")
 * with or without a fraction; else UK_NUMBER_NONE ("", "x", "1x", " 1",
 * "+1", "0x10", "nan"). */
enum uk_number uk_parse_number(const char *s, uint64_t *out);

/* Room for a range, uk_number_range()'s or a caller's of up to 150
 * characters, and for uk_number_problem()'s text with it. */
#define UK_NUMBER_TEXT_SIZE 192

/* Writes into 'buf' ('size' bytes) the whole numbers [min, max] as an
 * error message tells them: "1 to 64", or "1 or more" when 'max' is
 * INT32_MAX or more, only a guard against overflow that no one means as
 * an end.  For a number past such an end, which 'kind' says with
 * UK_NUMBER_TOO_LARGE, the end is told as a power of two ("1 to 2^64 -
 * 1", "0 to 2^31 - 1") so that one can read it.  Returns 'buf'. */
const char *uk_number_range(char *buf, size_t size, uint64_t min,
                            uint64_t max, enum uk_number kind);

/* Writes into 'buf' ('size' bytes) what is wrong with a number refused as
 * 'kind', in the words of every command, so that the same value is
 * refused alike everywhere: "not a number" (UK_NUMBER_NONE), "not a whole
 * number" (UK_NUMBER_FRACTION), "not written in digits"
 * (UK_NUMBER_NOT_DIGITS), or "out of range" (UK_NUMBER_NEGATIVE,
 * UK_NUMBER_TOO_LARGE, and UK_NUMBER_OK for a number the caller found
 * outside 'range'); then, if 'range' is not NULL, the values taken in
 * parentheses: uk_number_range()'s text, or words of the caller's for
 * other numbers ("more than 0, at most 1000000").  Returns 'buf'. */
const char *uk_number_problem(char *buf, size_t size, enum uk_number kind,
                              const char *range);

/* Whether 's', after blanks, is a '-' then a number in decimal notation
 * ("-1", "-0.5", "-1e3"), for an error to say "out of range" rather than
 * "not a number" ("-x", "--variant", "-nan", "-0x10"). */
bool uk_is_negative_number(const char *s);

/* A ukey id as "show ukeys" prints it or as typed: "N", "#N" or "ukey#N".
 * uk_ukey_id_digits() returns 'arg' past its "#" or "ukey#", if any;
 * uk_parse_ukey_id() parses the whole of 'arg' into '*id' (N decimal, from
 * 1, no overflow), or returns false. */
const char *uk_ukey_id_digits(const char *arg);
bool uk_parse_ukey_id(const char *arg, uint64_t *id);

/* A 64-bit mixer (splitmix64 finaliser), for hashes and seeded RNGs. */
static inline uint64_t
uk_mix64(uint64_t x)
{
    x ^= x >> 30;
    x *= 0xbf58476d1ce4e5b9ULL;
    x ^= x >> 27;
    x *= 0x94d049bb133111ebULL;
    x ^= x >> 31;
    return x;
}

/* Deterministic PRNG (splitmix64): the same seed gives the same sequence on
 * every machine. */
struct uk_rng {
    uint64_t state;
};

static inline uint64_t
uk_rng_next(struct uk_rng *rng)
{
    rng->state += 0x9e3779b97f4a7c15ULL;
    return uk_mix64(rng->state);
}

/* Uniform in [0, n), n > 0. */
static inline uint64_t
uk_rng_below(struct uk_rng *rng, uint64_t n)
{
    return uk_rng_next(rng) % n;
}

/* "s" unless 'n' is 1: "%" PRIu64 " round%s", n, uk_plural(n). */
static inline const char *
uk_plural(uint64_t n)
{
    return n == 1 ? "" : "s";
}

#endif /* UKDB_CORE_UTIL_H */
