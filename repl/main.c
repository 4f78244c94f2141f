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
          "            [-f FILE | -c 'CMD; CMD' | FILE.ukdb | TRACE [-c 'CMD; CMD']]\n"
          "       ukdb record -o DIR | --live URL [--] [OPTION...] SCRIPT.ukdb\n"
          "       ukdb audit [--format text|json] TRACE...\n"
          "       ukdb view [--ukey ID] [--flow NAME] [--thread NAME] "
          "[--begin B]\n"
          "                 [--end E] [--format text|json|chrome|raw] "
          "TRACE...\n"
          "       ukdb explore [OPTIONS] SCRIPT.ukdb\n"
          "       ukdb load --handlers N --revalidators M --flows F ...\n"
          "       ukdb help [COMMAND|SUBCOMMAND]\n"
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

/* The subcommand whose --help "ukdb help 'name'" prints: one that is no
 * REPL command too ("help load", not "help explore"), else NULL.  "help
 * load" was "nothing about 'load'", and "help record" the apropos of the
 * word. */
static const struct subcommand *
help_subcommand(const char *name)
{
    bool ambiguous;
    if (repl_find_command(name, &ambiguous)) {
        return NULL;
    }
    for (size_t i = 0; i < UK_ARRAY_SIZE(subcommands); i++) {
        if (!strcmp(name, subcommands[i].name)) {
            return &subcommands[i];
        }
    }
    return NULL;
}

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

/* Whether --events FILE, if any, got all of its lines: as for standard
 * output (check_stdout()), a full disk is an error, not a cut file and a
 * success. */
static bool
events_written(const struct repl *r, const char *file)
{
    errno = 0;
    if (r->events_out && (fflush(r->events_out) || ferror(r->events_out))) {
        fprintf(stderr, "ukdb: error: %s: cannot write%s%s\n", file,
                errno ? ": " : "", errno ? strerror(errno) : "");
        return false;
    }
    return true;
}

/* The command line of the REPL and scripts (not a subcommand's). */
struct main_args {
    const char *file, *commands, *events, *init;
    char *joined;               /* (owned) Several -c: their commands, in
                                 * order. */
    bool echo, keep_going;
    bool script;                /* 'file' came with -f: a script, never a
                                 * TRACE. */
};

/* Appends the commands of one more -c to 'a' (as gdb's -ex: each -c runs,
 * in order; before, only the last one ran). */
static void
add_commands(struct main_args *a, const char *c)
{
    if (!a->commands) {
        a->commands = c;
        return;
    }
    char *both = uk_xmalloc(strlen(a->commands) + strlen(c) + 2);
    sprintf(both, "%s\n%s", a->commands, c);
    free(a->joined);
    a->commands = a->joined = both;
}

/* Parses the command line into 'a'.  Returns -1 to go on, else the exit
 * status (after --help, or a usage error, reported). */
static int
parse_args(int argc, char *argv[], struct main_args *a)
{
    for (int i = 1; i < argc; i++) {
        const char *o = argv[i];
        bool is_init = !strcmp(o, "-x") || !strcmp(o, "--init");
        bool takes_arg = (!strcmp(o, "-f") || !strcmp(o, "-c") || is_init
                          || !strcmp(o, "--events"));
        if (takes_arg && i + 1 >= argc) {
            return ukdb_usage_error(NULL, "option '%s' needs an argument",
                                    o);
        }
        /* Before, the last -f, -x or --events silently won. */
        if (!strcmp(o, "-f") && a->file) {
            return ukdb_usage_error(NULL, "give only one of -f FILE, "
                                    "FILE.ukdb and -c 'CMD; CMD'");
        }
        if ((is_init && a->init) || (!strcmp(o, "--events") && a->events)) {
            return ukdb_usage_error(NULL, "option '%s' given twice", o);
        }
        if (!strcmp(o, "-f")) {
            a->file = argv[++i];
            a->script = true;
        } else if (!strcmp(o, "-c")) {
            add_commands(a, argv[++i]);
        } else if (is_init) {
            a->init = argv[++i];
        } else if (!strcmp(o, "--events")) {
            a->events = argv[++i];
        } else if (!strcmp(o, "--echo")) {
            a->echo = true;
        } else if (!strcmp(o, "--keep-going")) {
            a->keep_going = true;
        } else if (!strcmp(o, "-h") || !strcmp(o, "--help")) {
            usage(stdout);
            return 0;
        } else if (o[0] == '-' && o[1]) {
            return ukdb_usage_error(NULL, "unknown option '%s'", o);
        } else if (!a->file) {
            a->file = o;
        } else {
            return ukdb_usage_error(NULL, "extra argument '%s'", o);
        }
    }
    if (a->file && a->commands && (a->script || !is_trace(a->file))) {
        return ukdb_usage_error(NULL, "give only one of -f FILE, FILE.ukdb "
                                "and -c 'CMD; CMD'");
    }
    return -1;
}

/* Opens the command line's TRACE (as "open TRACE"). */
static enum cmd_status
open_trace(struct repl *r, const char *trace)
{
    char *open_argv[] = { (char *) "open", (char *) trace, NULL };
    r->from_command_line = true;
    enum cmd_status status = cmd_open(r, 2, open_argv);
    r->from_command_line = false;
    return status;
}

/* Runs the session's input, after its TRACE, if any, is open: -c's
 * commands, a script, the REPL on a tty, or stdin's commands. */
static enum cmd_status
run_input(struct repl *r, const struct main_args *a, bool trace)
{
    enum cmd_status status;
    if (a->commands) {
        repl_catch_sigint();
        status = run_commands(r, a->commands);
    } else if (a->file && !trace) {
        /* A directory opens for reading; only -f FILE can name one here,
         * and it is no script (nor a trace: see run_session()). */
        struct stat st;
        FILE *fp = fopen(a->file, "r");
        int error = !fp ? errno : fstat(fileno(fp), &st) ? errno
                    : S_ISDIR(st.st_mode) ? EISDIR : 0;
        if (error) {
            if (fp) {
                fclose(fp);
            }
            fprintf(stderr, "ukdb: error: %s: %s\n", a->file,
                    strerror(error));
            return CMD_ERROR;
        }
        repl_catch_sigint();
        status = repl_run_file(r, fp, a->file);
        fclose(fp);
    } else if (isatty(STDIN_FILENO)
               || (!trace && getenv("UKDB_FAKE_TTY"))) {
        status = repl_run_tty(r);
    } else {
        /* Commands on a stdin that is not a terminal: a script, trace or
         * not ("<stdin>:LINE: error: ..."). */
        repl_catch_sigint();
        status = repl_run_file(r, stdin, "<stdin>");
    }
    return status;
}

/* Runs -x INITFILE (gdb -x: run FILE, then go on with the session).
 * Returns -1 to go on, else the exit status. */
static int
run_init(struct repl *r, const char *init)
{
    /* A file that cannot be read is said as -f FILE says it, not as the
     * "source" command it runs as. */
    struct stat st;
    FILE *fp = fopen(init, "r");
    int error = !fp ? errno : fstat(fileno(fp), &st) ? errno
                : S_ISDIR(st.st_mode) ? EISDIR : 0;
    if (fp) {
        fclose(fp);
    }
    if (error) {
        fprintf(stderr, "ukdb: error: %s: %s\n", init, strerror(error));
        return 2;
    }
    char *source_argv[] = { (char *) "source", (char *) init, NULL };
    r->from_command_line = true;
    enum cmd_status status = cmd_source(r, 2, source_argv);
    r->from_command_line = false;
    if (status != CMD_OK || repl_expect_stops(r, 0)) {
        return status_to_exit(r, status == CMD_EXIT ? CMD_OK : status);
    }
    return -1;
}

/* The session of 'a', from its start to its exit status. */
static int
run_session(struct repl *r, const struct main_args *a)
{
    r->echo = a->echo;
    r->keep_going = a->keep_going;
    /* The model's events fire the "ukey" tracepoints: their probes are
     * loaded at the first command that changes or steps the model
     * (repl_execute()), not to read a trace, nor by the subcommands that
     * read traces.  A viewer, and a REPL started to watch a live session
     * before it runs the model, write nothing into a session. */
    r->tp_pending = true;
    if (a->events) {
        r->events_out = fopen(a->events, "w");
        if (!r->events_out) {
            fprintf(stderr, "ukdb: error: %s: %s\n", a->events,
                    strerror(errno));
            return 2;
        }
    }
    repl_rebuild(r);
    if (getenv("UKDB_RECORD_CHILD")) {
        /* Run by "ukdb record": the whole scenario is recorded, even one
         * that never changes the model (its threads' starts). */
        repl_start_tracing(r);
    }
    /* A TRACE is open before -x and -c run (as gdb loads its program
     * before -x and -ex), so that they can work on it. */
    bool trace = a->file && !a->script && is_trace(a->file);
    enum cmd_status status = trace ? open_trace(r, a->file) : CMD_OK;
    int code = status == CMD_OK && a->init ? run_init(r, a->init) : -1;
    if (code >= 0) {
        return code;
    }
    if (status == CMD_OK) {
        status = run_input(r, a, trace);
    }
    if (!r->interactive) {
        repl_end_run(r);
    }
    return status_to_exit(r, status);
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

    const struct subcommand *sc = (argc == 3 && !strcmp(argv[1], "help")
                                   && access(argv[1], F_OK)
                                   ? help_subcommand(argv[2]) : NULL);
    if (sc) {
        char *help_argv[] = { argv[2], (char *) "--help", NULL };
        return sc->main(2, help_argv);
    }

    struct repl r;
    repl_init(&r);
    int code;
    if (argc > 1 && argc <= 3 && !strcmp(argv[1], "help")
        && access(argv[1], F_OK)) {
        /* "ukdb help [CMD]": the REPL's help, as git's (unless a script
         * is named so). */
        r.from_command_line = true;
        code = cmd_help(&r, argc - 1, argv + 1) == CMD_OK ? 0 : 2;
    } else {
        struct main_args a = { .file = NULL };
        code = parse_args(argc, argv, &a);
        if (code < 0) {
            code = run_session(&r, &a);
            if (!events_written(&r, a.events)) {
                code = 2;
            }
        }
        free(a.joined);
    }
    repl_destroy(&r);
    return code;
}
