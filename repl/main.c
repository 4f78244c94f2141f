/* SPDX-License-Identifier: Apache-2.0 */
/* ukdb's main(): subcommands (audit, view, record, explore, load), then the
 * REPL on a tty, a script (-f FILE or FILE.ukdb), commands (-c), or
 * commands on a non-tty stdin.  Exit codes per DESIGN.md: 0 all expects
 * held, 1 an expect failed, 2 an error. */
#include "repl.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "repl/subcommands.h"
#include "core/util.h"
#include "tracepoints/plugin/graph.h"

static void
usage(FILE *fp)
{
    fputs("usage: ukdb [--echo] [--keep-going] [--events FILE] "
          "[-x INITFILE]\n"
          "            [-f FILE | -c 'CMD; CMD' | FILE.ukdb | TRACE]\n"
          "       ukdb record -o DIR | --live URL [--] [OPTION...] SCRIPT.ukdb\n"
          "       ukdb audit [--format text|json] TRACE...\n"
          "       ukdb view [--ukey ID] [--flow NAME] [--thread NAME] "
          "[--begin B]\n"
          "                 [--end E] [--format text|json|chrome|raw] "
          "TRACE...\n"
          "       ukdb explore [OPTIONS] SCRIPT.ukdb\n"
          "       ukdb load --handlers N --revalidators M --flows F ...\n"
          "With no file and stdin a terminal, ukdb starts its REPL "
          "(\"help\" lists the commands).\n", fp);
}

struct subcommand {
    const char *name;
    int (*main)(int argc, char *argv[]);
};

static const struct subcommand subcommands[] = {
    { "audit", audit_main },
    { "view", view_main },
    { "record", record_main },
    { "explore", explore_main },
    { "load", load_main },
};

static int
status_to_exit(const struct repl *r, enum cmd_status status)
{
    if (status == CMD_ERROR || (r->n_errors && !r->interactive)) {
        return 2;
    }
    return r->n_expect_failed ? 1 : 0;
}

/* Runs "CMD; CMD" from -c. */
/* Cuts the next command off -c's text at '*p': up to a ';' or a newline
 * outside a quoted word (a '"' that starts a word, as the command line is
 * split into words), and moves '*p' past it.  An unterminated quote takes
 * the rest (its error comes from the split).  NULL at the end. */
static char *
next_command(char **p)
{
    char *start = *p, *s = start;
    if (!*s) {
        return NULL;
    }
    for (bool word_start = true; *s && *s != ';' && *s != '\n'; s++) {
        if (*s == '"' && word_start) {
            char *end = strchr(s + 1, '"');
            s = end ? end : s + strlen(s) - 1;
            word_start = false;
        } else {
            word_start = isspace((unsigned char) *s);
        }
    }
    *p = *s ? s + 1 : s;
    *s = '\0';
    return start;
}

static enum cmd_status
run_commands(struct repl *r, const char *text)
{
    char *copy = uk_xstrdup(text);
    enum cmd_status result = CMD_OK;
    r->from_command_line = true;
    char *p = copy;
    for (char *cmd; (cmd = next_command(&p)) != NULL;) {
        if (cmd[strspn(cmd, " \t")] && !repl_run_next(r, cmd, &result)) {
            break;
        }
    }
    result = repl_run_end(r, result);
    free(copy);
    return result;
}

/* Whether the command line's FILE names a trace: a directory, or a live
 * session's URL (as "open" takes them). */
static bool
is_trace(const char *path)
{
    struct stat st;
    return graph_is_live(path)
           || (!stat(path, &st) && S_ISDIR(st.st_mode));
}

/* At exit, as coreutils' close_stdout(): output that could not all be
 * written (a full disk) is an error, not a success with a cut result. */
static void
check_stdout(void)
{
    errno = 0;
    if (fflush(stdout) || ferror(stdout)) {
        fprintf(stderr, "ukdb: error: cannot write standard output%s%s\n",
                errno ? ": " : "", errno ? strerror(errno) : "");
        _exit(2);
    }
}

int
main(int argc, char *argv[])
{
    atexit(check_stdout);
    if (argc > 1) {
        for (size_t i = 0; i < UK_ARRAY_SIZE(subcommands); i++) {
            if (!strcmp(argv[1], subcommands[i].name)) {
                return subcommands[i].main(argc - 1, argv + 1);
            }
        }
    }

    struct repl r;
    repl_init(&r);
    if (argc > 1 && argc <= 3 && !strcmp(argv[1], "help")
        && access(argv[1], F_OK)) {
        /* "ukdb help [CMD]": the REPL's help, as git's (unless a script
         * is named so). */
        int rc = cmd_help(&r, argc - 1, argv + 1) == CMD_OK ? 0 : 2;
        repl_destroy(&r);
        return rc;
    }
    const char *file = NULL, *commands = NULL, *events = NULL;
    const char *init = NULL;
    char *joined = NULL;        /* Several -c: their commands, in order. */
    int i;
    for (i = 1; i < argc; i++) {
        const char *a = argv[i];
        static const char *const with_arg[] = {
            "-f", "-c", "-x", "--init", "--events",
        };
        for (size_t j = 0; j < UK_ARRAY_SIZE(with_arg); j++) {
            if (!strcmp(a, with_arg[j]) && i + 1 >= argc) {
                repl_destroy(&r);
                free(joined);
                return ukdb_usage_error(NULL, "option '%s' needs an "
                                        "argument", a);
            }
        }
        /* Before, the last -f, -x or --events silently won. */
        if (!strcmp(a, "-f") && file) {
            free(joined);
            repl_destroy(&r);
            return ukdb_usage_error(NULL, "give only one of -f FILE, "
                                    "FILE.ukdb and -c 'CMD; CMD'");
        }
        if (((!strcmp(a, "-x") || !strcmp(a, "--init")) && init)
            || (!strcmp(a, "--events") && events)) {
            free(joined);
            repl_destroy(&r);
            return ukdb_usage_error(NULL, "option '%s' given twice", a);
        }
        if (!strcmp(a, "-f") && i + 1 < argc) {
            file = argv[++i];
        } else if (!strcmp(a, "-c") && i + 1 < argc) {
            /* As gdb's -ex: each -c runs, in order (before, only the last
             * one ran). */
            const char *c = argv[++i];
            if (commands) {
                char *both = uk_xmalloc(strlen(commands) + strlen(c) + 2);
                sprintf(both, "%s\n%s", commands, c);
                free(joined);
                commands = joined = both;
            } else {
                commands = c;
            }
        } else if ((!strcmp(a, "-x") || !strcmp(a, "--init"))
                   && i + 1 < argc) {
            init = argv[++i];
        } else if (!strcmp(a, "--events") && i + 1 < argc) {
            events = argv[++i];
        } else if (!strcmp(a, "--echo")) {
            r.echo = true;
        } else if (!strcmp(a, "--keep-going")) {
            r.keep_going = true;
        } else if (!strcmp(a, "-h") || !strcmp(a, "--help")) {
            usage(stdout);
            repl_destroy(&r);
            free(joined);
            return 0;
        } else if (a[0] == '-' && a[1]) {
            repl_destroy(&r);
            free(joined);
            return ukdb_usage_error(NULL, "unknown option '%s'", a);
        } else if (!file) {
            file = a;
        } else {
            repl_destroy(&r);
            free(joined);
            return ukdb_usage_error(NULL, "extra argument '%s'", a);
        }
    }
    if (file && commands) {
        repl_destroy(&r);
        free(joined);
        return ukdb_usage_error(NULL, "give only one of -f FILE, FILE.ukdb "
                                "and -c 'CMD; CMD'");
    }
    /* The model's events fire the "ukey" tracepoints: their probes are
     * loaded at the first command that changes or steps the model
     * (repl_execute()), not to read a trace, nor by the subcommands above
     * that read traces.  A viewer, and a REPL started to watch a live
     * session before it runs the model, write nothing into a session. */
    r.tp_pending = true;
    if (events) {
        r.events_out = fopen(events, "w");
        if (!r.events_out) {
            fprintf(stderr, "ukdb: error: %s: %s\n", events,
                    strerror(errno));
            repl_destroy(&r);
            free(joined);
            return 2;
        }
    }
    repl_rebuild(&r);

    enum cmd_status status = CMD_OK;
    if (init) {
        /* gdb -x: run FILE, then go on with the session. */
        char *source_argv[] = { (char *) "source", (char *) init, NULL };
        r.from_command_line = true;
        status = cmd_source(&r, 2, source_argv);
        r.from_command_line = false;
        if (status != CMD_OK || repl_expect_stops(&r, 0)) {
            int code = status_to_exit(&r, status == CMD_EXIT ? CMD_OK
                                                             : status);
            repl_destroy(&r);
            free(joined);
            return code;
        }
    }
    if (file && is_trace(file)) {
        char *open_argv[] = { (char *) "open", (char *) file, NULL };
        r.from_command_line = true;
        status = cmd_open(&r, 2, open_argv);
        r.from_command_line = false;
        if (status == CMD_OK && isatty(STDIN_FILENO)) {
            status = repl_run_tty(&r);
        } else if (status == CMD_OK) {
            /* Commands on a stdin that is not a terminal: a script, as
             * without a trace ("<stdin>:LINE: error: ..."). */
            repl_catch_sigint();
            status = repl_run_file(&r, stdin, "<stdin>");
        }
    } else if (file) {
        FILE *fp = fopen(file, "r");
        if (!fp) {
            fprintf(stderr, "ukdb: error: %s: %s\n", file, strerror(errno));
            status = CMD_ERROR;
        } else {
            repl_catch_sigint();
            status = repl_run_file(&r, fp, file);
            fclose(fp);
        }
    } else if (commands) {
        repl_catch_sigint();
        status = run_commands(&r, commands);
    } else if (isatty(STDIN_FILENO) || getenv("UKDB_FAKE_TTY")) {
        status = repl_run_tty(&r);
    } else {
        repl_catch_sigint();
        status = repl_run_file(&r, stdin, "<stdin>");
    }
    if (!r.interactive) {
        repl_end_run(&r);
    }
    int code = status_to_exit(&r, status);
    repl_destroy(&r);
    free(joined);
    return code;
}
