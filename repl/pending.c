/* SPDX-License-Identifier: Apache-2.0 */
/* Commands whose implementation lands in its own file: until it does, each
 * says so and fails.  Weak, so that the real definition wins at link
 * time. */
#include "repl.h"

#include <stdio.h>

#include "repl/subcommands.h"

#define PENDING_(WHAT)                                                  \
    fprintf(stderr, "ukdb: error: %s is not available in this build\n", \
            WHAT)

__attribute__((weak)) enum cmd_status
cmd_explore(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    repl_error(r, "%s: not available in this build", argv[0]);
    return CMD_ERROR;
}

__attribute__((weak)) enum cmd_status
cmd_open(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    repl_error(r, "%s: not available in this build", argv[0]);
    return CMD_ERROR;
}

__attribute__((weak)) enum cmd_status
cmd_reproduce(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    repl_error(r, "%s: not available in this build", argv[0]);
    return CMD_ERROR;
}

enum cmd_status trace_execute(struct repl *, int, char *[]);
void trace_prompt(const struct repl *, char *, size_t);
void trace_close(struct repl *);

__attribute__((weak)) enum cmd_status
trace_execute(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    repl_error(r, "%s: not available on a trace in this build", argv[0]);
    return CMD_ERROR;
}

__attribute__((weak)) void
trace_prompt(const struct repl *r, char *buf, size_t size)
{
    (void) r;
    snprintf(buf, size, "(ukdb trace) ");
}

__attribute__((weak)) void
trace_close(struct repl *r)
{
    (void) r;
}

__attribute__((weak)) int
explore_main(int argc, char *argv[])
{
    (void) argc;
    (void) argv;
    PENDING_("explore");
    return 2;
}

__attribute__((weak)) int
load_main(int argc, char *argv[])
{
    (void) argc;
    (void) argv;
    PENDING_("load");
    return 2;
}
