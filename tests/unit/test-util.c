/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of core/util.c: JSON strings, numbers, ukey ids, and the
 * display width of names. */
#include "core/util.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "tests/tap.h"

/* 's' as uk_json_string() writes it (owned by the caller). */
static char *
json(const char *s)
{
    char *buf = NULL;
    size_t size = 0;
    FILE *f = open_memstream(&buf, &size);
    uk_json_string(f, s);
    fclose(f);
    return buf;
}

static void
check_json(const char *s, const char *want, const char *what)
{
    char *got = json(s);
    is_str(got, want, "%s", what);
    free(got);
}

int
main(void)
{
    check_json("f1", "\"f1\"", "plain ASCII");
    check_json(NULL, "\"\"", "NULL is empty");
    check_json("a\"b\\c", "\"a\\\"b\\\\c\"", "quote and backslash escaped");
    check_json("t\tn\n\x01", "\"t\\u0009n\\u000a\\u0001\"",
               "control characters as \\u");
    check_json("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b",
               "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x90\x9b\"",
               "valid UTF-8 of 2, 3 and 4 bytes kept");
    /* Before, these bytes went out as they were: invalid JSON. */
    check_json("f\xff", "\"f\\ufffd\"", "a byte that is never UTF-8");
    check_json("\x80x", "\"\\ufffdx\"", "a stray continuation byte");
    check_json("a\xc3", "\"a\\ufffd\"", "a sequence cut by the end");
    check_json("\xc3(", "\"\\ufffd(\"", "a sequence cut by ASCII");
    check_json("\xc0\xaf", "\"\\ufffd\\ufffd\"", "an overlong form");
    check_json("\xed\xa0\x80", "\"\\ufffd\\ufffd\\ufffd\"", "a surrogate");
    check_json("\xf4\x90\x80\x80", "\"\\ufffd\\ufffd\\ufffd\\ufffd\"",
               "past U+10FFFF");
    check_json("\xf4\x8f\xbf\xbf", "\"\xf4\x8f\xbf\xbf\"", "U+10FFFF kept");

    uint64_t v;
    is_int(uk_parse_number("0", &v), UK_NUMBER_OK, "0");
    ok(v == 0, "0 parsed");
    is_int(uk_parse_number("18446744073709551615", &v), UK_NUMBER_OK,
           "2^64 - 1");
    ok(v == UINT64_MAX, "2^64 - 1 parsed");
    is_int(uk_parse_number("18446744073709551616", &v), UK_NUMBER_TOO_LARGE,
           "2^64 is too large");
    ok(v == UINT64_MAX, "too large gives UINT64_MAX");
    is_int(uk_parse_number(" 1", &v), UK_NUMBER_NONE, "a blank first");
    is_int(uk_parse_number("+1", &v), UK_NUMBER_NONE, "a plus sign");
    is_int(uk_parse_number("-1", &v), UK_NUMBER_NEGATIVE, "-1 is negative");
    is_int(uk_parse_number("-1.5", &v), UK_NUMBER_NEGATIVE,
           "-1.5 is negative first");
    is_int(uk_parse_number("0x10", &v), UK_NUMBER_NONE, "hexadecimal");
    is_int(uk_parse_number("12a", &v), UK_NUMBER_NONE, "trailing garbage");
    is_int(uk_parse_number("", &v), UK_NUMBER_NONE, "empty");
    is_int(uk_parse_number("nan", &v), UK_NUMBER_NONE, "nan");
    is_int(uk_parse_number("1e", &v), UK_NUMBER_NONE, "1e");
    is_int(uk_parse_number(".", &v), UK_NUMBER_NONE, ". alone");
    is_int(uk_parse_number("1.5s", &v), UK_NUMBER_NONE, "1.5s");

    /* Decimal notation other than digits: "1.5" and "1e3" were "not a
     * valid number" like "x".  A fraction or not is read from the text. */
    is_int(uk_parse_number("1.5", &v), UK_NUMBER_FRACTION, "1.5");
    is_int(uk_parse_number(".5", &v), UK_NUMBER_FRACTION, ".5");
    is_int(uk_parse_number("1e-3", &v), UK_NUMBER_FRACTION, "1e-3");
    is_int(uk_parse_number("150e-2", &v), UK_NUMBER_FRACTION, "150e-2");
    is_int(uk_parse_number("1.0000000000000000001", &v), UK_NUMBER_FRACTION,
           "a fraction a double would lose");
    is_int(uk_parse_number("1e-99999999999999999999", &v),
           UK_NUMBER_FRACTION, "an exponent past 2^64 below 0");
    is_int(uk_parse_number("1e3", &v), UK_NUMBER_NOT_DIGITS, "1e3");
    is_int(uk_parse_number("1E+3", &v), UK_NUMBER_NOT_DIGITS, "1E+3");
    is_int(uk_parse_number("1.0", &v), UK_NUMBER_NOT_DIGITS, "1.0");
    is_int(uk_parse_number("1.", &v), UK_NUMBER_NOT_DIGITS, "1.");
    is_int(uk_parse_number("1.5e1", &v), UK_NUMBER_NOT_DIGITS, "1.5e1");
    is_int(uk_parse_number("1500e-2", &v), UK_NUMBER_NOT_DIGITS, "1500e-2");
    is_int(uk_parse_number("0.000", &v), UK_NUMBER_NOT_DIGITS, "0.000");
    is_int(uk_parse_number("0e-5", &v), UK_NUMBER_NOT_DIGITS, "0e-5");
    is_int(uk_parse_number("1e999", &v), UK_NUMBER_NOT_DIGITS, "1e999");
    is_int(uk_parse_number("1e99999999999999999999", &v),
           UK_NUMBER_NOT_DIGITS, "an exponent past 2^64");

    /* The words of every command that refuses a number: load said "not a
     * valid number" and "must not be negative" where the REPL said "not a
     * number" and "out of range", and the REPL "too large" where view said
     * "out of range". */
    char buf[UK_NUMBER_TEXT_SIZE];
    is_str(uk_number_problem(buf, sizeof buf, UK_NUMBER_NONE, NULL),
           "not a number", "no number, no range");
    is_str(uk_number_problem(buf, sizeof buf, UK_NUMBER_FRACTION, NULL),
           "not a whole number", "a fraction is not a whole number");
    is_str(uk_number_problem(buf, sizeof buf, UK_NUMBER_NOT_DIGITS, NULL),
           "not written in digits", "1e3 is not written in digits");
    is_str(uk_number_problem(buf, sizeof buf, UK_NUMBER_NEGATIVE, "1 to 64"),
           "out of range (1 to 64)", "a negative number is out of range");
    is_str(uk_number_problem(buf, sizeof buf, UK_NUMBER_TOO_LARGE,
                             "1 to 64"),
           "out of range (1 to 64)", "2^64 or more is out of range");
    is_str(uk_number_problem(buf, sizeof buf, UK_NUMBER_OK, "0 to 1"),
           "out of range (0 to 1)", "a number the caller refused");
    is_str(uk_number_problem(buf, sizeof buf, UK_NUMBER_NONE, "1 or more"),
           "not a number (1 or more)", "the range after the words");
    is_str(uk_number_range(buf, sizeof buf, 1, 64, UK_NUMBER_NONE),
           "1 to 64", "a range with an end");
    is_str(uk_number_range(buf, sizeof buf, 0, UINT64_MAX, UK_NUMBER_NEGATIVE),
           "0 or more", "no end worth telling");
    is_str(uk_number_range(buf, sizeof buf, 1, UINT64_MAX / 2,
                           UK_NUMBER_FRACTION),
           "1 or more", "UINT64_MAX / 2 is no end worth telling either");
    is_str(uk_number_range(buf, sizeof buf, 1, UINT32_MAX, UK_NUMBER_OK),
           "1 or more", "nor UINT32_MAX (was \"1 to 4294967295\")");
    is_str(uk_number_range(buf, sizeof buf, 0, INT32_MAX, UK_NUMBER_NEGATIVE),
           "0 or more", "nor INT32_MAX (was \"0 to 2147483647\")");
    is_str(uk_number_range(buf, sizeof buf, 1, INT32_MAX - 1, UK_NUMBER_OK),
           "1 to 2147483646", "an end below INT32_MAX is meant");
    is_str(uk_number_range(buf, sizeof buf, 1, UINT64_MAX,
                           UK_NUMBER_TOO_LARGE),
           "1 to 2^64 - 1", "told for a number past it, readably");
    is_str(uk_number_range(buf, sizeof buf, 1, UINT64_MAX / 2,
                           UK_NUMBER_TOO_LARGE),
           "1 to 2^63 - 1", "whichever it is");
    is_str(uk_number_range(buf, sizeof buf, 0, INT32_MAX,
                           UK_NUMBER_TOO_LARGE),
           "0 to 2^31 - 1", "INT32_MAX too");
    is_str(uk_number_range(buf, sizeof buf, 1, 3000000000,
                           UK_NUMBER_TOO_LARGE),
           "1 to 3000000000", "an end of no power of two in full");

    /* The span of decimal notation, as a time's before its unit. */
    is_int((int) uk_decimal_span("1.5ms"), 3, "span of 1.5ms");
    is_int((int) uk_decimal_span("1e3ns"), 3, "span of 1e3ns");
    is_int((int) uk_decimal_span("1es"), 1, "span of 1es");
    is_int((int) uk_decimal_span("2e-s"), 1, "span of 2e-s");
    is_int((int) uk_decimal_span(".5"), 2, "span of .5");
    is_int((int) uk_decimal_span(".e3"), 0, "span of .e3");
    is_int((int) uk_decimal_span("0x10"), 1, "span of 0x10");
    is_int((int) uk_decimal_span("inf"), 0, "span of inf");

    /* What a refused number was, for its error: "-x" once said "must not
     * be negative". */
    ok(uk_is_negative_number("-1"), "-1 is negative");
    ok(uk_is_negative_number(" -0.5"), "-0.5 after a blank is negative");
    ok(uk_is_negative_number("-.5e3"), "-.5e3 is negative");
    ok(uk_is_negative_number("-1e999"), "-1e999 is negative");
    ok(!uk_is_negative_number("1"), "1 is not negative");
    ok(!uk_is_negative_number("-x"), "-x is no number");
    ok(!uk_is_negative_number("--variant"), "--variant is no number");
    ok(!uk_is_negative_number("-"), "- alone is no number");
    ok(!uk_is_negative_number("-."), "-. is no number");
    ok(!uk_is_negative_number("-nan"), "-nan is no number");
    ok(!uk_is_negative_number("-inf"), "-inf is no number");
    ok(!uk_is_negative_number("-0x10"), "-0x10 is no number");
    ok(!uk_is_negative_number("-10x"), "-10x is no number");
    ok(!uk_is_negative_number("-1 "), "-1 and a blank is no number");

    /* Tables pad names by columns, not bytes: before, "caf\xc3\xa9"
     * (5 bytes) pushed its row's next columns one to the left. */
    is_int((int) uk_utf8_width("f1"), 2, "width: ASCII");
    is_int((int) uk_utf8_width(NULL), 0, "width: NULL");
    is_int((int) uk_utf8_width("caf\xc3\xa9"), 4,
           "width: precomposed e-acute");
    is_int((int) uk_utf8_width("cafe\xcc\x81"), 4,
           "width: combining acute takes no column");
    is_int((int) uk_utf8_width("\xe6\xbc\xa2\xe5\xad\x97"), 4,
           "width: two CJK ideographs, two columns each");
    is_int((int) uk_utf8_width("\xea\xb0\x80"), 2, "width: Hangul, wide");
    is_int((int) uk_utf8_width("\xf0\x9f\x90\x9b"), 2, "width: an emoji");
    is_int((int) uk_utf8_width("\xe2\x82\xac"), 1, "width: the euro sign");
    is_int((int) uk_utf8_width("a\xff" "b"), 3,
           "width: a byte that is not UTF-8 takes one");
    is_int((int) uk_utf8_width("a\xe2\x80\x8b" "b"), 2,
           "width: a zero-width space");
    is_int(uk_pad("f1", 8), 8, "pad: ASCII as printf");
    is_int(uk_pad("caf\xc3\xa9", 8), 9, "pad: one byte more for e-acute");
    is_int(uk_pad("\xe6\xbc\xa2\xe5\xad\x97", 8), 10,
           "pad: 6 bytes in 4 columns");
    is_int(uk_pad(NULL, 8), 8, "pad: NULL");
    char row[64];
    snprintf(row, sizeof row, "%-*s|", uk_pad("h\xc3\xa4nd0", 8),
             "h\xc3\xa4nd0");
    is_int((int) uk_utf8_width(row), 9, "pad: the bar in column 9");

    uint64_t id;
    ok(uk_parse_ukey_id("ukey#12", &id) && id == 12, "ukey#12");
    ok(uk_parse_ukey_id("#3", &id) && id == 3, "#3");
    ok(!uk_parse_ukey_id("x3", &id), "x3 is no ukey id");
    return done_testing();
}
