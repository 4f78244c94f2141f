/* SPDX-License-Identifier: Apache-2.0 */
/* "open TRACE" and the cursor over a trace's events (repl/trace.h): the
 * cursor's strings and names, opening a trace (read once, trace-read.c,
 * or followed live, trace-live.c) and closing it, and the dispatch of
 * every command while a trace is open.  The motions, breakpoints and
 * watches are trace-motion.c's. */
#include "repl/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>

#include "core/lifecycle.h"
#include "core/util.h"
#include "tracepoints/plugin/graph.h"

/* ==== Strings and names ==== */

const char *
trace_intern(struct trace_cursor *tc, const char *s)
{
    if (!s) {
        return NULL;
    }
    if (2 * (tc->n_strings + 1) > tc->n_string_slots) {
        size_t n = tc->n_string_slots ? 2 * tc->n_string_slots : 256;
        char **slots = uk_xcalloc(n, sizeof *slots);
        for (size_t i = 0; i < tc->n_string_slots; i++) {
            char *old = tc->strings[i];
            if (old) {
                size_t j = uk_hash_string(old) & (n - 1);
                while (slots[j]) {
                    j = (j + 1) & (n - 1);
                }
                slots[j] = old;
            }
        }
        free(tc->strings);
        tc->strings = slots;
        tc->n_string_slots = n;
    }
    size_t mask = tc->n_string_slots - 1;
    size_t j = uk_hash_string(s) & mask;
    for (; tc->strings[j]; j = (j + 1) & mask) {
        if (!strcmp(tc->strings[j], s)) {
            return tc->strings[j];
        }
    }
    tc->strings[j] = uk_xstrdup(s);
    tc->n_strings++;
    return tc->strings[j];
}

const struct trace_name *
trace_find_thread(const struct trace_cursor *tc, uint32_t id)
{
    for (size_t i = 0; i < tc->n_threads; i++) {
        if (tc->threads[i].key == id) {
            return &tc->threads[i];
        }
    }
    return NULL;
}

bool
trace_thread_seen(const struct trace_cursor *tc, uint32_t id)
{
    return id < tc->n_seen_threads && tc->seen_threads[id];
}

/* Threads started or seen acting in the trace. */
static size_t
trace_count_threads(const struct trace_cursor *tc)
{
    size_t n = tc->n_threads;
    for (uint32_t id = 0; id < tc->n_seen_threads; id++) {
        n += tc->seen_threads[id] && !trace_find_thread(tc, id);
    }
    return n;
}

const char *
trace_thread_name(const struct trace_cursor *tc, uint32_t id)
{
    static char buf[32];
    const struct trace_name *t = trace_find_thread(tc, id);
    if (t) {
        return t->name;
    }
    if (id <= 1) {
        return id ? "urcu" : "main";    /* Started before any observer. */
    }
    snprintf(buf, sizeof buf, "thread#%u", id);
    return buf;
}

bool
trace_thread_id(const struct trace_cursor *tc, const char *name, int *id)
{
    for (size_t i = 0; i < tc->n_threads; i++) {
        if (!strcmp(tc->threads[i].name, name)) {
            *id = (int) tc->threads[i].key;
            return true;
        }
    }
    if (!strcmp(name, "main") || !strcmp(name, "urcu")) {
        *id = !strcmp(name, "urcu");    /* As trace_thread_name(). */
        return true;
    }
    return false;
}

const char *
trace_flow_name(const struct trace_cursor *tc, uint64_t ufid)
{
    for (size_t i = 0; i < tc->n_flows; i++) {
        if (tc->flows[i].key == ufid) {
            return tc->flows[i].name;
        }
    }
    return NULL;
}

uint64_t
trace_flow_ufid(const struct trace_cursor *tc, const char *name)
{
    for (size_t i = 0; i < tc->n_flows; i++) {
        if (!strcmp(tc->flows[i].name, name)) {
            return tc->flows[i].key;
        }
    }
    return 0;
}

void
trace_format_time(const struct trace_cursor *tc, uint64_t ts, char *buf,
                  size_t size)
{
    uint64_t t0 = tc->n_events ? tc->events[0].ts : 0;
    uint64_t d = ts >= t0 ? ts - t0 : 0;
    snprintf(buf, size, "+%" PRIu64 ".%06" PRIu64 " ms", d / 1000000,
             d % 1000000);
}

const struct trace_late *
trace_late_at(const struct trace_cursor *tc, size_t i)
{
    /* By index, in order (trace_index_more()): a binary search. */
    size_t lo = 0, hi = tc->n_lates;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tc->lates[mid].index < i) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (lo < tc->n_lates && tc->lates[lo].index == i
            ? &tc->lates[lo] : NULL);
}

const char *
trace_late_note(const struct trace_cursor *tc, size_t i, char *buf,
                size_t size)
{
    const struct trace_late *l = trace_late_at(tc, i);
    if (!l) {
        return "";
    }
    /* The audit's words ("late events: 1 (the first: seq 14, after seq
     * 65652), folded where they came"): stepped here, it is older than
     * what the events before it made of what it names. */
    snprintf(buf, size, "  (late: seq %" PRIu64 ", folded after seq %"
             PRIu64 ")", tc->events[i].seq, l->after);
    return buf;
}

/* ==== Open and close ==== */

static void
cursor_destroy(struct trace_cursor *tc)
{
    if (!tc) {
        return;
    }
    graph_close(tc->live);
    if (tc->lc) {
        lifecycle_destroy(tc->lc);
        trace_state_destroy(&tc->indexed);
    }
    free(tc->path);
    free(tc->mixed);
    free(tc->events);
    free(tc->losses);
    free(tc->told);
    free(tc->violations);
    free(tc->lates);
    free(tc->flows);
    free(tc->threads);
    free(tc->seen_threads);
    for (size_t i = 0; i < tc->n_string_slots; i++) {
        free(tc->strings[i]);
    }
    free(tc->strings);
    trace_state_destroy(&tc->cur);
    for (size_t i = 0; i < tc->n_checkpoints; i++) {
        trace_state_destroy(&tc->checkpoints[i]);
    }
    free(tc->checkpoints);
    free(tc);
}

void
trace_close(struct repl *r)
{
    cursor_destroy(r->trace);
    r->trace = NULL;
}

/* "close": back to the model, as it was before "open" (the model session
 * goes on untouched while a trace is open). */
static enum cmd_status
trace_close_cmd(struct repl *r)
{
    printf("closed %s; back to the model at step %" PRIu64 "\n",
           r->trace->path, r->udpif ? r->udpif->time : 0);
    trace_close(r);
    repl_bp_resolve(r);     /* The model's threads again. */
    return CMD_OK;
}

enum cmd_status
cmd_close(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    repl_error(r, "%s: no trace is open", argv[0]);
    return CMD_ERROR;
}

enum cmd_status
cmd_wait(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    repl_error(r, "%s: only on a live session (\"open net://...\")",
               argv[0]);
    return CMD_ERROR;
}

/* Checks 'path' before babeltrace2 sees it.  Returns true, or false after
 * printing one line of error. */
static bool
check_path(struct repl *r, const char *path)
{
    struct stat st;
    if (graph_is_live(path)) {
        return true;
    }
    if (stat(path, &st)) {
        repl_error(r, "open: '%s': %s", path, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        repl_error(r, "open: '%s': not a trace directory", path);
        return false;
    }
    return true;
}

/* What "open" says of the trace 'tc' it opened at 'path'. */
static void
print_opened(struct repl *r, const struct trace_cursor *tc, const char *path)
{
    uint64_t lost = 0, n_unknown = 0;
    for (size_t i = 0; i < tc->n_losses; i++) {
        lost += tc->losses[i].n;
        n_unknown += (!tc->losses[i].n && !tc->losses[i].more
                      && !tc->losses[i].held);
    }
    if (!tc->n_events) {
        repl_printf(r, "%s: live session, no event yet\n", path);
    } else {
        char span[64];
        trace_format_time(tc, tc->events[tc->n_events - 1].ts, span,
                          sizeof span);
        size_t n_threads = trace_count_threads(tc);
        repl_printf(r, "%s: %s%zu event%s (seq %" PRIu64 " to %" PRIu64
                    "), %zu thread%s, %zu flow%s, %s", path,
                    tc->live ? "live session, so far " : "", tc->n_events,
                    uk_plural(tc->n_events), tc->seq_min, tc->seq_max,
                    n_threads,
                    uk_plural(n_threads), tc->n_flows,
                    uk_plural(tc->n_flows), span + 1);
        if (tc->n_reports) {
            char what[64];
            lifecycle_format_lost(what, sizeof what, lost, n_unknown);
            repl_printf(r, ", %zu loss%s (%s%s lost)", tc->n_reports,
                        tc->n_reports == 1 ? "" : "es", what,
                        n_unknown ? " of events"
                        : lost == 1 ? " event" : " events");
        }
        repl_printf(r, "\n");
    }
    repl_printf(r, "%zu violation%s found by the lifecycle rules%s.  "
                "At event 0 (before the first); \"step\", \"goto N\"%s.\n",
                tc->n_violations, tc->n_violations == 1 ? "" : "s",
                tc->live ? " so far" : "",
                tc->live ? ", \"wait\" and \"continue\" follow the session"
                         : "");
}

enum cmd_status
cmd_open(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    const char *path = argv[1];
    if (!check_path(r, path)) {
        return CMD_ERROR;
    }
    double start = trace_now_us();
    struct trace_cursor *tc = uk_xzalloc(sizeof *tc);
    tc->path = uk_xstrdup(path);
    trace_state_init(&tc->cur);
    trace_index_start(tc);
    if (graph_is_live(path)) {
        if (!trace_open_live(r, tc, path)) {
            cursor_destroy(tc);
            return CMD_ERROR;
        }
    } else if (!trace_read(r, tc, path)) {
        cursor_destroy(tc);
        return CMD_ERROR;
    }
    if (!tc->n_events && !tc->live) {
        repl_error(r, "open: '%s': not a ukey trace (no \"ukey:\" event)",
                   path);
        cursor_destroy(tc);
        return CMD_ERROR;
    }
    double read = trace_now_us();
    trace_index_more(tc, !tc->live);
    if (tc->mixed) {
        repl_error(r, "open: '%s': %s", path, tc->mixed);
        cursor_destroy(tc);
        return CMD_ERROR;
    }
    if (tc->n_checkpoints) {
        trace_state_copy(&tc->cur, &tc->checkpoints[0]);
    }
    trace_close(r);
    r->trace = tc;
    if (getenv("UKDB_TRACE_TIMING")) {
        fprintf(stderr, "ukdb: timing: open read: %.1f us\n"
                "ukdb: timing: open index: %.1f us\n", read - start,
                trace_now_us() - read);
    }
    print_opened(r, tc, path);
    repl_bp_resolve(r);     /* This trace's threads. */
    return CMD_OK;
}

void
trace_prompt(const struct repl *r, char *buf, size_t size)
{
    const struct trace_cursor *tc = r->trace;
    snprintf(buf, size, "(ukdb %s %" PRIu64 "/%zu) ",
             tc->live ? "live" : "trace", tc->cur.pos, tc->n_events);
}

/* ==== Dispatch ==== */

/* UKDB_TRACE_TIMING=1: the time of each command on stderr, for
 * tests/bench/bench-trace-seek.sh. */
double
trace_now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static enum cmd_status trace_execute__(struct repl *, int argc,
                                       char *argv[]);

/* A configuration change runs the session's script again on a new model
 * (repl_rescript()), which is the model's, not the trace's: run with the
 * trace open, it sent the script's model commands to the trace, which
 * refused the change at the first ("handler: not available on a trace"),
 * or, with none, changed a setting the trace does not use.  The trace is
 * what was recorded, whatever the configuration: the change is the
 * model's, after "close", which returns to it as it was. */
enum cmd_status
trace_refuse_config(struct repl *r, const char *what)
{
    repl_error(r, "%s: a setting of the model, not available on a trace "
               "(\"close\" returns to the model)", what);
    return CMD_ERROR;
}

enum cmd_status
trace_execute(struct repl *r, int argc, char *argv[])
{
    if (!getenv("UKDB_TRACE_TIMING")) {
        return trace_execute__(r, argc, argv);
    }
    double start = trace_now_us();
    enum cmd_status status = trace_execute__(r, argc, argv);
    fflush(stdout);
    fprintf(stderr, "ukdb: timing: %s%s%s: %.1f us\n", argv[0],
            argc > 1 ? " " : "", argc > 1 ? argv[1] : "",
            trace_now_us() - start);
    return status;
}

static enum cmd_status
trace_execute__(struct repl *r, int argc, char *argv[])
{
    const char *c = argv[0];
    if (!strcmp(c, "step") || !strcmp(c, "next")) {
        return trace_step(r, argc, argv);
    } else if (!strcmp(c, "back")) {
        return trace_back(r, argc, argv);
    } else if (!strcmp(c, "goto")) {
        return trace_goto(r, argc, argv);
    } else if (!strcmp(c, "continue") || !strcmp(c, "run")) {
        return trace_continue(r, argc, argv);
    } else if (!strcmp(c, "reverse-continue")) {
        return cmd_reverse_continue(r, argc, argv);
    } else if (!strcmp(c, "break") || !strcmp(c, "tbreak")) {
        return cmd_break(r, argc, argv);
    } else if (!strcmp(c, "watch")) {
        return cmd_watch(r, argc, argv);
    } else if (!strcmp(c, "last")) {
        return trace_last(r, argc, argv);
    } else if (!strcmp(c, "show")) {
        return trace_show(r, argc, argv);
    } else if (!strcmp(c, "history")) {
        return trace_history(r, argc, argv);
    } else if (!strcmp(c, "log")) {
        return trace_log(r, argc, argv);
    } else if (!strcmp(c, "when")) {
        trace_live_drain(r);
        return trace_when(r, argc, argv);
    } else if (!strcmp(c, "wait")) {
        return trace_wait(r, argc, argv);
    } else if (!strcmp(c, "close")) {
        return trace_close_cmd(r);
    } else if (!strcmp(c, "reproduce")) {
        return trace_reproduce(r, argc, argv);
    } else if (!strcmp(c, "delete")) {
        return cmd_delete(r, argc, argv);
    } else if (!strcmp(c, "enable") || !strcmp(c, "disable")) {
        return cmd_enable(r, argc, argv);
    } else if (!strcmp(c, "ignore")) {
        return cmd_ignore(r, argc, argv);
    } else if (!strcmp(c, "condition")) {
        return cmd_condition(r, argc, argv);
    } else if (!strcmp(c, "unwatch")) {
        return cmd_unwatch(r, argc, argv);
    } else if (!strcmp(c, "info")) {
        return cmd_info(r, argc, argv);
    } else if (!strcmp(c, "expect")) {
        return cmd_expect(r, argc, argv);
    } else if (!strcmp(c, "source")) {
        return cmd_source(r, argc, argv);
    } else if (!strcmp(c, "echo")) {
        return cmd_echo(r, argc, argv);
    } else if (!strcmp(c, "set")) {
        return cmd_set(r, argc, argv);     /* Model settings: refused. */
    } else if (!strcmp(c, "variant") && argc == 1) {
        return cmd_variant(r, argc, argv);  /* The list: no change. */
    } else if (!strcmp(c, "variant") || !strcmp(c, "datapath")
               || !strcmp(c, "umaps")) {
        return trace_refuse_config(r, c);
    } else if (!strcmp(c, "apropos")) {
        return cmd_apropos(r, argc, argv);
    }
    repl_error(r, "%s: not available on a trace (\"reproduce\" turns the "
               "trace into a script of the model)", c);
    return CMD_ERROR;
}
