/* SPDX-License-Identifier: Apache-2.0 */
/* libFuzzer target for the REPL's command parser and commands: the input
 * is split into lines, and each line goes through repl_execute() on a
 * fresh session, exactly as a script line would (errors included).  The
 * session's stdout and stderr go to /dev/null; libFuzzer and the
 * sanitizers keep the real stderr (they captured it at start-up).
 *
 * Commands that reach outside the session are skipped: "source" and
 * "open" (they read arbitrary paths, e.g. /dev/zero), "reproduce" and
 * "explore" (they write files or search for a long time).  Built by
 * "make fuzz" into build-fuzz/tests/fuzz/fuzz-repl; run by
 * tests/t0400-fuzz-smoke.sh with a seed corpus made of examples/. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "repl/repl.h"

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerInitialize(int *argc, char ***argv)
{
    (void) argc;
    (void) argv;
    FILE *devnull = fopen("/dev/null", "w");
    if (devnull) {
        /* The FILE pointers only: fd 2 stays libFuzzer's. */
        stdout = devnull;
        stderr = devnull;
    }
    return 0;
}

/* True if 'line' runs a command the fuzzer must not run. */
static bool
is_excluded(const char *line)
{
    char word[64];
    size_t i = 0;
    while (*line == ' ' || *line == '\t') {
        line++;
    }
    if (*line == '"') {
        line++;
    }
    while (line[i] && line[i] != ' ' && line[i] != '\t' && line[i] != '"'
           && i < sizeof word - 1) {
        word[i] = line[i];
        i++;
    }
    word[i] = '\0';
    if (!i) {
        return false;
    }
    bool ambiguous;
    const struct repl_cmd *c = repl_find_command(word, &ambiguous);
    return c && (c->run == cmd_source || c->run == cmd_open
                 || c->run == cmd_explore || c->run == cmd_reproduce);
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    struct repl r;
    repl_init(&r);
    r.input_name = "fuzz";
    r.keep_going = true;
    repl_rebuild(&r);

    char *text = malloc(size + 1);
    if (!text) {
        return 0;
    }
    memcpy(text, data, size);
    text[size] = '\0';

    char *line = text;
    while (line < text + size) {
        char *nl = memchr(line, '\n', (size_t) (text + size - line));
        if (nl) {
            *nl = '\0';
        }
        size_t len = strlen(line);
        r.input_line++;
        /* A NUL inside the line: the script reader rejects it too. */
        if (len == (size_t) ((nl ? nl : text + size) - line)
            && !is_excluded(line)) {
            if (repl_execute(&r, line) == CMD_EXIT) {
                break;
            }
        }
        if (!nl) {
            break;
        }
        line = nl + 1;
    }
    fflush(stdout);
    free(text);
    repl_destroy(&r);
    return 0;
}
