/* SPDX-License-Identifier: Apache-2.0 */
/* Allocation, assertions and string helpers (see util.h). */
#include "util.h"

#include <ctype.h>
#include <errno.h>
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

int
uk_parse_u64(const char *s, uint64_t *out)
{
    /* Digits only: strtoull() takes leading blanks, a sign ("-1" as
     * 2^64 - 1) and, with base 0, hexadecimal. */
    if (!isdigit((unsigned char) *s) || s[strspn(s, "0123456789")]) {
        return EINVAL;
    }
    errno = 0;
    unsigned long long v = strtoull(s, NULL, 10);
    *out = v;                   /* UINT64_MAX on ERANGE. */
    return errno == ERANGE ? ERANGE : 0;
}

bool
uk_parse_ukey_id(const char *arg, uint64_t *id)
{
    uint64_t v;
    if (uk_parse_u64(uk_ukey_id_digits(arg), &v) || !v) {
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

/* The length of the UTF-8 sequence at 's' (1 to 4 bytes), or 0 if the
 * bytes there are not a valid one: a stray continuation byte, one cut
 * short, an overlong form, a surrogate, or past U+10FFFF. */
static size_t
utf8_length(const unsigned char *s)
{
    size_t n;
    uint32_t cp, min;
    if (s[0] < 0x80) {
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
    return (cp < min || cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)
            ? 0 : n);
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
