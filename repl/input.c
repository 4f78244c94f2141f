/* SPDX-License-Identifier: Apache-2.0 */
/* The one input loop: tokenizing and dispatching a line, scripts (-f,
 * "source", a non-tty stdin), and the interactive prompt with libedit
 * (history in ~/.ukdb_history, TAB completion from the command table). */
#include "repl.h"

#include <ctype.h>
#include <errno.h>
#include <limits.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <editline/readline.h>

#include "core/util.h"
#include "repl/subcommands.h"
#include "repl/trace.h"
#include "tracepoints/provider/tp-load.h"

#define REPL_MAX_LINE 4096
#define REPL_MAX_ARGS 32
#define REPL_MAX_SOURCE_DEPTH 16

volatile sig_atomic_t repl_interrupted;

/* ==== Messages ==== */

static void vprint_error(struct repl *, const char *fmt, va_list)
    UK_PRINTF(2, 0);

static void
vprint_error(struct repl *r, const char *fmt, va_list args)
{
    if (r->capturing_errors) {
        if (!r->captured_error[0]) {
            vsnprintf(r->captured_error, sizeof r->captured_error, fmt,
                      args);
        }
        return;
    }
    fflush(stdout);
    if (r->input_name) {
        fprintf(stderr, "%s:%u: error: ", r->input_name, r->input_line);
    } else if (r->from_command_line) {
        fputs("ukdb: error: ", stderr);
    } else {
        fputs("error: ", stderr);
    }
    vfprintf(stderr, fmt, args);
    fputc('\n', stderr);
    r->n_errors++;
}

void
repl_error(struct repl *r, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    vprint_error(r, fmt, args);
    va_end(args);
}

void
repl_usage_error(struct repl *r, const char *cmd, const char *fmt, ...)
{
    char msg[512];
    va_list args;
    va_start(args, fmt);
    vsnprintf(msg, sizeof msg, fmt, args);
    va_end(args);
    if (r->capturing_errors) {
        repl_error(r, "%s: %s", cmd, msg);  /* Within another's message. */
    } else if (r->subcommand && !strcmp(r->subcommand, cmd)) {
        r->n_errors++;
        ukdb_usage_error(cmd, "%s", msg);
    } else {
        repl_error(r, "%s: %s; try \"help %s\"", cmd, msg, cmd);
    }
}

/* Here, not in main.c: the subcommands call it, and the fuzz target
 * (tests/fuzz) links them without main.c. */
int
ukdb_usage_error(const char *subcommand, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    fflush(stdout);
    fputs("ukdb: error: ", stderr);
    if (subcommand) {
        fprintf(stderr, "%s: ", subcommand);
    }
    vfprintf(stderr, fmt, args);
    fprintf(stderr, " (see \"ukdb %s%s--help\")\n",
            subcommand ? subcommand : "", subcommand ? " " : "");
    va_end(args);
    return 2;
}

void
repl_printf(struct repl *r, const char *fmt, ...)
{
    if (r->replaying || r->quiet) {
        return;
    }
    va_list args;
    va_start(args, fmt);
    vprintf(fmt, args);
    va_end(args);
}

/* ==== Tokenizing and dispatch ==== */

/* Splits 'line' in place.  A '#' at the start of a word (at the start of
 * the line or after white space) starts a comment, unless a digit follows
 * it: "#1" is a ukey id (as "show ukeys" prints them) or a seq, "# note"
 * and "#note" are comments.  Double quotes group.  Returns argc, or -1
 * with an error printed. */
static int
tokenize(struct repl *r, char *line, char *argv[])
{
    int argc = 0;
    char *p = line;
    for (;;) {
        while (isspace((unsigned char) *p)) {
            p++;
        }
        if (!*p || (*p == '#' && !isdigit((unsigned char) p[1]))) {
            break;
        }
        if (argc == REPL_MAX_ARGS) {
            repl_error(r, "too many words (at most %d)", REPL_MAX_ARGS);
            return -1;
        }
        if (*p == '"') {
            argv[argc++] = ++p;
            char *end = strchr(p, '"');
            if (!end) {
                repl_error(r, "unterminated quote");
                return -1;
            }
            *end = '\0';
            p = end + 1;
        } else {
            argv[argc++] = p;
            while (*p && !isspace((unsigned char) *p)) {
                p++;
            }
            if (*p) {
                *p++ = '\0';
            }
        }
    }
    return argc;
}

static bool
line_is_printable(const char *line)
{
    for (const unsigned char *p = (const unsigned char *) line; *p; p++) {
        if (*p < 0x20 && *p != '\t') {
            return false;
        }
        if (*p == 0x7f) {
            return false;
        }
    }
    return true;
}

char *
repl_join(char *buf, size_t size, char *const words[], size_t n,
          const char *sep)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = 0; i < n && len < size; i++) {
        len += (size_t) snprintf(buf + len, size - len, "%s%s",
                                 i ? sep : "", words[i]);
    }
    return buf;
}

/* The command 'argv[0]' names, with a number of arguments it takes; else
 * NULL, after an error. */
static const struct repl_cmd *
lookup_command(struct repl *r, int argc, char *argv[])
{
    bool ambiguous;
    const struct repl_cmd *c = repl_find_command(argv[0], &ambiguous);
    if (!c) {
        if (ambiguous) {
            char names[512];
            repl_command_candidates(argv[0], names, sizeof names);
            repl_error(r, "'%s': ambiguous command: %s; try \"help\"",
                       argv[0], names);
        } else {
            repl_error(r, "'%s': unknown command; try \"help\"", argv[0]);
        }
        return NULL;
    }
    int n_args = argc - 1;
    if (n_args < c->min_args || (c->max_args >= 0 && n_args > c->max_args)) {
        repl_usage_error(r, c->name, "%s arguments (usage: %s%s%s)",
                         n_args < c->min_args ? "too few" : "too many",
                         c->name, *c->args ? " " : "", c->args);
        return NULL;
    }
    return c;
}

void
repl_start_tracing(struct repl *r)
{
    r->tp_pending = false;
    if (uk_tp_load()) {
        repl_trace_events(r, 0);
    }
}

/* Whether command 'c' is refused because the model has shut down: its
 * threads take no more work, so a command that sets up or queues some
 * would do nothing.  Says so. */
static bool
refused_after_shutdown(struct repl *r, const struct repl_cmd *c,
                       char *argv[])
{
    if (!(c->flags & REPL_CMD_JOURNAL) || !r->udpif
        || !r->udpif->shut_down
        || (c->run == cmd_dp && !strcmp(argv[1], "show"))) {
        return false;
    }
    repl_error(r, "%s: the model has shut down (\"back\" or \"goto\" "
               "returns before it)", c->name);
    return true;
}

/* Keeps 'line', the motion command 'c', for an empty line at the prompt
 * to repeat, on the model and on a trace alike.  "open" and "close" leave
 * nothing to repeat, as gdb's "target" and "file" (dont_repeat()): a
 * motion of the model means something else on a trace, and the reverse
 * ("continue" went to the end of a trace just opened, "back 8" out of its
 * range). */
static void
remember_motion(struct repl *r, const struct repl_cmd *c, const char *line)
{
    if (c->run == cmd_open || c->run == cmd_close) {
        free(r->last_motion);
        r->last_motion = NULL;
    } else if ((c->flags & REPL_CMD_MOTION) && r->interactive) {
        free(r->last_motion);
        r->last_motion = uk_xstrdup(line);
    }
}

/* After command 'c' (typed as 'line'). */
static void
command_done(struct repl *r, const struct repl_cmd *c, const char *line)
{
    remember_motion(r, c, line);
    if (!(c->flags & REPL_CMD_MOTION)) {
        r->first_new_event = r->sess.n_events;  /* Setup is silent. */
        if (!r->redoing) {
            /* A hit by what is no motion ("traffic", "rcu step") stops
             * nothing: left set, it stopped the next motion after a
             * step.  (A command of the recorded future runs within a
             * motion, after the step that may have hit one.) */
            repl_bp_forget(r);
        }
    }
}

void
repl_script_add(struct repl *r, const char *line)
{
    r->script = uk_grow(r->script, &r->allocated_script, r->n_script + 1,
                        sizeof *r->script);
    r->script[r->n_script++] = uk_xstrdup(line + strspn(line, " \t"));
}

enum cmd_status
repl_execute(struct repl *r, char *line)
{
    if (strlen(line) >= REPL_MAX_LINE) {
        repl_error(r, "line too long (at most %d characters)",
                   REPL_MAX_LINE - 1);
        return CMD_ERROR;
    }
    if (!line_is_printable(line)) {
        repl_error(r, "invalid character in input (binary data?)");
        return CMD_ERROR;
    }
    char copy[REPL_MAX_LINE];
    snprintf(copy, sizeof copy, "%s", line);

    char *argv[REPL_MAX_ARGS + 1];
    int argc = tokenize(r, line, argv);
    if (argc <= 0) {
        return argc < 0 ? CMD_ERROR : CMD_OK;
    }
    argv[argc] = NULL;

    const struct repl_cmd *c = lookup_command(r, argc, argv);
    if (!c) {
        return CMD_ERROR;
    }
    argv[0] = (char *) c->name;
    if (!r->redoing) {
        /* (A command of the recorded future runs within a motion.) */
        r->bp_cond_error = false;
    }
    if (r->echo && !r->replaying && !r->rescripting) {
        printf("(ukdb) %s\n", copy + strspn(copy, " \t"));
    }
    if (r->trace && c->run != cmd_open && c->run != cmd_help
        && c->run != cmd_quit) {
        /* Trace mode: the same commands, on the trace's cursor.  Those of
         * breakpoints and watches go into the script too: they stay after
         * "close", and a configuration change, which runs the script again,
         * must not drop them. */
        enum cmd_status status = trace_execute(r, argc, argv);
        repl_bp_trace_done(r);
        remember_motion(r, c, copy);
        if (status == CMD_OK && (c->flags & REPL_CMD_ANY_MODE)
            && !r->replaying && !r->rescripting && !r->redoing) {
            repl_script_add(r, copy);
        }
        return status;
    }
    if (refused_after_shutdown(r, c, argv)) {
        return CMD_ERROR;
    }
    if (r->tp_pending && (c->flags & (REPL_CMD_JOURNAL | REPL_CMD_MOTION))
        && !r->replaying) {
        repl_start_tracing(r);
    }
    size_t journal_mark = r->sess.n_journal;
    if ((c->flags & REPL_CMD_RECORD) && !r->replaying && !r->rescripting
        && !r->redoing) {
        repl_script_add(r, copy);
    }
    r->only_shown = false;
    enum cmd_status status = c->run(r, argc, argv);
    /* A motion that stopped at a condition it could not judge failed, but
     * its steps stand: it stays part of the script. */
    bool changed = ((status == CMD_OK || r->bp_cond_error)
                    && !r->only_shown);
    r->only_shown = false;
    if (!changed && (c->flags & REPL_CMD_RECORD) && !r->replaying
        && !r->rescripting && !r->redoing) {
        /* Failed or only printed: not part of it. */
        free(r->script[--r->n_script]);
    }
    if (changed && (c->flags & REPL_CMD_JOURNAL) && !r->replaying
        && r->sess.n_journal == journal_mark) {
        /* Canonical form, so a replay re-executes the full name. */
        char canon[REPL_MAX_LINE];
        char *words[REPL_MAX_ARGS + 1];
        memcpy(words, argv, (size_t) argc * sizeof *words);
        words[0] = (char *) c->name;
        repl_journal_cmd(r, repl_join(canon, sizeof canon, words,
                                      (size_t) argc, " "));
    }
    command_done(r, c, copy);
    return status;
}

/* ==== Scripts ==== */

/* Reads a line of 'fp' into 'buf' (REPL_MAX_LINE bytes), without its
 * newline, nor a CR before it (a script saved with DOS line endings).
 * Returns its length, -1 at the end of the file, or -2 for a line too long
 * for 'buf': it stops there, so that a file with no newline (/dev/zero) is
 * not read whole.  Sets '*nul' if the line holds a NUL byte. */
static ssize_t
read_line(FILE *fp, char *buf, bool *nul)
{
    size_t n = 0;
    int c;
    *nul = false;
    while ((c = getc_unlocked(fp)) != EOF && c != '\n') {
        if (c == '\r') {
            int next = getc_unlocked(fp);
            if (next == '\n') {
                break;          /* CRLF: the CR does not count. */
            }
            ungetc(next, fp);
        }
        if (n + 1 >= REPL_MAX_LINE) {
            return -2;
        }
        *nul |= c == '\0';
        buf[n++] = (char) c;
    }
    if (c == EOF && !n) {
        return -1;
    }
    buf[n] = '\0';
    return (ssize_t) n;
}

bool
repl_expect_stops(const struct repl *r, int failed_before)
{
    return r->n_expect_failed > failed_before && !r->keep_going;
}

bool
repl_run_next(struct repl *r, char *line, enum cmd_status *result)
{
    int failed_before = r->n_expect_failed;
    enum cmd_status status = CMD_ERROR;
    if (line) {
        status = repl_execute(r, line);
    } else {
        repl_error(r, "invalid character in input (binary data?)");
    }
    if (status == CMD_EXIT) {
        *result = CMD_EXIT;
        return false;
    }
    if (status == CMD_ERROR) {
        *result = CMD_ERROR;
    }
    return !((status == CMD_ERROR && !r->keep_going)
             || repl_expect_stops(r, failed_before) || repl_interrupted);
}

enum cmd_status
repl_run_end(struct repl *r, enum cmd_status result)
{
    if (repl_interrupted && result != CMD_EXIT) {
        /* Also when the signal cut a read short (a read then fails with
         * EINTR), or made the command fail. */
        if (result != CMD_ERROR) {
            repl_error(r, "interrupted");
        }
        result = CMD_ERROR;
    }
    return result;
}

enum cmd_status
repl_run_file(struct repl *r, FILE *fp, const char *name)
{
    const char *saved_name = r->input_name;
    unsigned int saved_line = r->input_line;
    enum cmd_status result = CMD_OK;
    char *line = uk_xmalloc(REPL_MAX_LINE);
    ssize_t len;
    bool nul;

    r->input_name = name;
    r->input_line = 0;
    while ((len = read_line(fp, line, &nul)) != -1) {
        r->input_line++;
        if (len == -2) {
            /* The rest of the line may never end: the file stops here,
             * --keep-going or not. */
            repl_error(r, "line too long (at most %d characters)",
                       REPL_MAX_LINE - 1);
            result = CMD_ERROR;
            break;
        }
        if (!repl_run_next(r, nul ? NULL : line, &result)) {
            break;
        }
    }
    result = repl_run_end(r, result);
    free(line);
    r->input_name = saved_name;
    r->input_line = saved_line;
    return result;
}

enum cmd_status
cmd_source(struct repl *r, int argc, char *argv[])
{
    if (r->source_depth >= REPL_MAX_SOURCE_DEPTH) {
        repl_error(r, "source: '%s': nested too deep (at most %d)", argv[1],
                   REPL_MAX_SOURCE_DEPTH);
        return CMD_ERROR;
    }
    /* A relative name is looked up next to the including script first,
     * so that examples can include each other from any directory. */
    FILE *fp = NULL;
    char *path = NULL;
    const char *slash = r->input_name ? strrchr(r->input_name, '/') : NULL;
    if (argv[1][0] != '/' && slash) {
        path = uk_xasprintf("%.*s/%s", (int) (slash - r->input_name),
                            r->input_name, argv[1]);
        fp = fopen(path, "r");
    }
    if (!fp) {
        free(path);
        path = uk_xstrdup(argv[1]);
        fp = fopen(path, "r");
    }
    struct stat st;
    if (fp && !fstat(fileno(fp), &st) && S_ISDIR(st.st_mode)) {
        fclose(fp);             /* It reads as empty: say why. */
        fp = NULL;
        errno = EISDIR;
    }
    if (!fp) {
        repl_error(r, "source: '%s': %s", argv[1], strerror(errno));
        free(path);
        return CMD_ERROR;
    }
    r->source_depth++;
    enum cmd_status status = repl_run_file(r, fp, path);
    r->source_depth--;
    fclose(fp);
    free(path);
    return status;
}

/* ==== The prompt ==== */

static struct repl *completing;

static char **completion_matches_;
static size_t n_matches, allocated_matches;

static void
add_match(void *prefix_, const char *candidate)
{
    const char *prefix = prefix_;
    if (!strncmp(candidate, prefix, strlen(prefix))) {
        completion_matches_ = uk_grow(completion_matches_, &allocated_matches,
                                      n_matches + 1,
                                      sizeof *completion_matches_);
        completion_matches_[n_matches++] = uk_xstrdup(candidate);
    }
}

static char *
match_generator(const char *text, int state)
{
    static size_t next;
    if (!state) {
        next = 0;
    }
    (void) text;
    return next < n_matches ? uk_xstrdup(completion_matches_[next++]) : NULL;
}

static void
collect_candidates(const char *text, int start)
{
    for (size_t i = 0; i < n_matches; i++) {
        free(completion_matches_[i]);
    }
    n_matches = 0;

    char buf[REPL_MAX_LINE];
    snprintf(buf, sizeof buf, "%.*s", start, rl_line_buffer);
    char *argv[REPL_MAX_ARGS + 1];
    int argc = 0;
    for (char *tok = strtok(buf, " \t"); tok && argc < REPL_MAX_ARGS;
         tok = strtok(NULL, " \t")) {
        argv[argc++] = tok;
    }
    if (argc > 1 && start > 0 && rl_line_buffer[start - 1] != ' '
        && rl_line_buffer[start - 1] != '\t') {
        /* 'text' is the end of a word that a word-break character cut
         * ("EVICTED->DEL" at the '>'): it completes that word, not the
         * next one. */
        argc--;
    }
    argv[argc] = NULL;
    if (!argc) {
        for (const struct repl_cmd *c = repl_commands; c->name; c++) {
            add_match((void *) text, c->name);
        }
        return;
    }
    bool ambiguous;
    const struct repl_cmd *c = repl_find_command(argv[0], &ambiguous);
    if (c && c->complete) {
        c->complete(completing, argc, argv, add_match, (void *) text);
    }
}

static char **
ukdb_completion(const char *text, int start, int end)
{
    (void) end;
    collect_candidates(text, start);
    rl_attempted_completion_over = 1;
    return rl_completion_matches(text, match_generator);
}

static void
history_path(char *buf, size_t size)
{
    const char *home = getenv("HOME");
    snprintf(buf, size, "%s/.ukdb_history", home ? home : ".");
}

static void
make_prompt(const struct repl *r, char *buf, size_t size)
{
    if (r->trace) {
        trace_prompt(r, buf, size);
        return;
    }
    snprintf(buf, size, "(ukdb %s step %llu) ", r->cfg.variant->name,
             (unsigned long long) repl_steps(r));
}

static void
on_sigint(int sig)
{
    (void) sig;
    if (repl_interrupted) {
        signal(SIGINT, SIG_DFL);        /* A second Ctrl-C kills. */
        raise(SIGINT);
    }
    repl_interrupted = 1;
}

/* Ctrl-C at the prompt: libedit's own handler restores the terminal,
 * passes the signal on to this one, and readline() returns NULL, as at
 * the end of the input.  Before, with SIGINT ignored there, that NULL
 * ended the session (exit 0); now it gives a fresh prompt, as in gdb and
 * the shells. */
static volatile sig_atomic_t prompt_interrupted;

static void
on_prompt_sigint(int sig)
{
    (void) sig;
    prompt_interrupted = 1;
}

void
repl_catch_sigint(void)
{
    struct sigaction sa = { .sa_handler = on_sigint };
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, NULL);
    repl_interrupted = 0;
}

enum cmd_status
repl_run_tty(struct repl *r)
{
    char hist[PATH_MAX];
    char prompt[128];
    enum cmd_status result = CMD_OK;

    completing = r;
    r->interactive = true;
    rl_readline_name = "ukdb";
    rl_attempted_completion_function = ukdb_completion;
    history_path(hist, sizeof hist);
    read_history(hist);
    for (;;) {
        make_prompt(r, prompt, sizeof prompt);
        struct sigaction sa = { .sa_handler = on_prompt_sigint };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGINT, &sa, NULL);
        prompt_interrupted = 0;
        char *line = readline(prompt);
        if (!line && prompt_interrupted) {
            putchar('\n');     /* The line is dropped; a new prompt. */
            continue;
        }
        if (!line) {
            putchar('\n');
            break;
        }
        repl_catch_sigint();
        char *p = line;
        while (isspace((unsigned char) *p)) {
            p++;
        }
        if (!*p && r->last_motion) {
            snprintf(line, strlen(line) + 1, "%s", "");
            free(line);
            line = uk_xstrdup(r->last_motion);
        } else if (*p) {
            add_history(line);
            write_history(hist);
        }
        enum cmd_status status = repl_execute(r, line);
        free(line);
        if (status == CMD_EXIT) {
            break;
        }
        if (repl_interrupted) {
            printf("\nInterrupted at step %llu.\n",
                   (unsigned long long) repl_steps(r));
        }
    }
    signal(SIGINT, SIG_DFL);
    for (size_t i = 0; i < n_matches; i++) {
        free(completion_matches_[i]);
    }
    free(completion_matches_);
    completion_matches_ = NULL;
    n_matches = allocated_matches = 0;
    return result;
}
