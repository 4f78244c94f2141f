/* SPDX-License-Identifier: Apache-2.0 */
/* The motions on a trace (repl/trace.h): the cursor's seek by the nearest
 * checkpoint, step, back, goto, continue, reverse-continue and last, and
 * the breakpoints and watches that stop and report them. */
#include "repl/trace.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"

/* ==== Seeking ==== */

/* Applies event 'pos' (from 0) and the losses right after it. */
static void
advance(struct trace_cursor *tc)
{
    uint64_t pos = tc->cur.pos;
    trace_state_apply(&tc->cur, &tc->events[pos]);
    /* Losses are few: a linear scan from a binary search's start. */
    size_t lo = 0, hi = tc->n_losses;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tc->losses[mid].pos < pos + 1) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (; lo < tc->n_losses && tc->losses[lo].pos == pos + 1; lo++) {
        trace_state_lose(&tc->cur, &tc->losses[lo]);
    }
}

void
trace_seek(struct trace_cursor *tc, uint64_t pos)
{
    if (pos > tc->n_events) {
        pos = tc->n_events;
    }
    if (!tc->n_checkpoints) {
        return;                 /* A live session without events yet. */
    }
    /* A live session's last checkpoint may not be taken yet. */
    uint64_t cp = pos / tc->every;
    if (cp >= tc->n_checkpoints) {
        cp = tc->n_checkpoints - 1;
    }
    if (pos < tc->cur.pos || cp * tc->every > tc->cur.pos) {
        trace_state_copy(&tc->cur, &tc->checkpoints[cp]);
    }
    while (tc->cur.pos < pos) {
        advance(tc);
    }
}

/* ==== Breakpoints and watches ==== */

static bool
trace_flow_arg(struct repl *r, const char *cmd, const char *name,
               uint64_t *ufid)
{
    *ufid = trace_flow_ufid(r->trace, name);
    if (!*ufid) {
        repl_usage_error(r, cmd, "'%s': no such flow in the trace", name);
        return false;
    }
    return true;
}

static bool
trace_thread_arg(struct repl *r, const char *cmd, const char *name,
                 int *thread_id)
{
    if (trace_thread_id(r->trace, name, thread_id)) {
        return true;
    }
    repl_usage_error(r, cmd, "'%s': no such thread in the trace", name);
    return false;
}

/* The fold's violation at event 'i': the event that breaks the rule, as
 * "show violations" numbers it.  The checker's own violation event (in a
 * trace from ukdb) comes after it, in free-running mode maybe long after:
 * see checker_reported(). */
static const struct ukey_event *
folded_violation_at(const struct trace_cursor *tc, size_t i)
{
    /* By index, in order: a binary search. */
    size_t lo = 0, hi = tc->n_violations;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tc->violations[mid].index < i) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (lo < tc->n_violations && tc->violations[lo].index == i
            ? &tc->violations[lo].e : NULL);
}

/* True if 'e' is a violation event of the trace that the fold found too
 * (same kind, ukey and seq): a breakpoint stopped at the fold's already.
 * One the fold did not find (events lost) still stops. */
static bool
checker_reported(const struct trace_cursor *tc, const struct ukey_event *e)
{
    if (e->type != UK_EV_VIOLATION) {
        return false;
    }
    for (size_t k = 0; k < tc->n_violations; k++) {
        const struct ukey_event *v = &tc->violations[k].e;
        if (v->kind == e->kind && v->ukey_id == e->ukey_id
            && v->value == e->value) {
            return true;
        }
    }
    return false;
}

/* The first enabled breakpoint that event 'i' hits and that stops there
 * (its condition true at the cursor just past the event, its ignore count
 * spent), or NULL.  Counts the hits.  A condition is judged with the
 * cursor there: "reverse-continue" moves it to each such event. */
static struct breakpoint *
bp_hit(struct repl *r, size_t i)
{
    struct trace_cursor *tc = r->trace;
    const struct ukey_event *v = folded_violation_at(tc, i);
    const struct ukey_event *e = &tc->events[i];
    bool own = !checker_reported(tc, e);
    for (size_t k = 0; k < r->sess.n_bps; k++) {
        struct breakpoint *bp = &r->sess.bps[k];
        if ((own && repl_bp_matches(bp, e))
            || (v && repl_bp_matches(bp, v))) {
            if (bp->cond && tc->cur.pos != i + 1) {
                trace_seek(tc, i + 1);
            }
            if (repl_bp_hit(r, bp)) {
                return bp;
            }
        }
    }
    return NULL;
}

static void
report_bp(struct repl *r, struct breakpoint *bp, size_t i)
{
    char what[300];
    const struct ukey_event *v = folded_violation_at(r->trace, i);
    uk_event_format(v && repl_bp_matches(bp, v) ? v : &r->trace->events[i],
                    what, sizeof what);
    printf("%s %d: %s\n", bp->temporary ? "Temporary breakpoint"
           : "Breakpoint", bp->number, what);
    repl_bp_stopped(r, bp);
}

/* ==== Motions ==== */

static void
print_position(struct repl *r)
{
    const struct trace_cursor *tc = r->trace;
    if (r->quiet || r->replaying) {
        return;
    }
    if (!tc->cur.pos) {
        printf("at event 0 of %zu (before the first)\n", tc->n_events);
        return;
    }
    printf("at event %" PRIu64 " of %zu:\n", tc->cur.pos, tc->n_events);
    trace_print_event(tc, tc->cur.pos - 1);
    trace_print_losses_at(tc, tc->cur.pos);
}

/* Moves forward up to 'n' events, printing each if 'verbose', stopping
 * after an event that hits a breakpoint.  On a live session, reads on at
 * the last event read: what is there now, or, if 'follow', until new
 * events come. */
static void
forward(struct repl *r, uint64_t n, bool verbose, bool follow)
{
    struct trace_cursor *tc = r->trace;
    uint64_t done = 0;
    bool starved = false, announced = false;
    if (tc->cur.pos >= tc->n_events
        && !trace_live_more(r, follow, &announced)) {
        if (tc->live) {
            trace_print_starved(tc);
        } else {
            printf("at the end of the trace (event %zu)\n", tc->n_events);
        }
        return;
    }
    while (done < n) {
        if (tc->cur.pos >= tc->n_events
            && !trace_live_more(r, follow, &announced)) {
            starved = tc->live != NULL;
            break;
        }
        if (repl_interrupted) {
            break;
        }
        size_t i = tc->cur.pos;
        advance(tc);
        done++;
        if (verbose && !r->quiet) {
            trace_print_event(tc, i);
            trace_print_losses_at(tc, i + 1);
        }
        char late[96];
        repl_print_watch_lines(r, &tc->events[i],
                               trace_late_note(tc, i, late, sizeof late));
        struct breakpoint *bp = bp_hit(r, i);
        if (bp) {
            if (!verbose) {
                trace_print_event(tc, i);
            }
            report_bp(r, bp, i);
            return;
        }
        if (repl_interrupted) {
            break;
        }
    }
    if (!verbose) {
        print_position(r);
    }
    if (starved) {
        trace_print_starved(tc);
    } else if (tc->cur.pos == tc->n_events && !tc->live) {
        printf("end of the trace (event %zu)\n", tc->n_events);
    }
}

/* "step THREAD": on to the next event of THREAD (the events of the other
 * threads in between are not printed; breakpoints still stop). */
static enum cmd_status
step_thread(struct repl *r, const char *cmd, int thread_id)
{
    struct trace_cursor *tc = r->trace;
    bool announced = false;

    /* As gdb with nothing to step to: no event of THREAD ahead (read so
     * far, live) is an error, and the cursor stays. */
    size_t next = tc->cur.pos;
    for (;; next++) {
        if (next >= tc->n_events && !trace_live_more(r, false, &announced)) {
            repl_error(r, "%s: no %s events of %s %s: staying at event %"
                       PRIu64 " of %zu", cmd,
                       tc->live ? "new" : "more",
                       trace_thread_name(tc, (uint32_t) thread_id),
                       tc->live ? "yet (the session is still live)"
                       : "in the trace", tc->cur.pos, tc->n_events);
            return CMD_ERROR;
        }
        if (tc->events[next].thread_id == (uint32_t) thread_id) {
            break;
        }
    }
    while (tc->cur.pos <= next) {
        size_t i = tc->cur.pos;
        advance(tc);
        char late[96];
        repl_print_watch_lines(r, &tc->events[i],
                               trace_late_note(tc, i, late, sizeof late));
        struct breakpoint *bp = bp_hit(r, i);
        if (tc->events[i].thread_id == (uint32_t) thread_id || bp) {
            trace_print_event(tc, i);
            if (bp) {
                report_bp(r, bp, i);
            }
            return repl_motion_status(r);
        }
    }
    return CMD_OK;
}

enum cmd_status
trace_step(struct repl *r, int argc, char *argv[])
{
    uint64_t n = 1;
    int thread_id;
    if (argc == 2 && !repl_is_number(argv[1])) {
        return (trace_thread_arg(r, argv[0], argv[1], &thread_id)
                ? step_thread(r, argv[0], thread_id) : CMD_ERROR);
    }
    if (argc > 2) {
        repl_usage_error(r, argv[0], "on a trace: %s [N|THREAD]", argv[0]);
        return CMD_ERROR;
    }
    if (argc == 2 && !repl_number_arg(r, argv[0], argv[1], 1,
                                      UINT64_MAX / 2, &n)) {
        return CMD_ERROR;
    }
    forward(r, n, true, false);
    return repl_motion_status(r);
}

enum cmd_status
trace_back(struct repl *r, int argc, char *argv[])
{
    struct trace_cursor *tc = r->trace;
    uint64_t n = 1;
    if (argc > 1 && !repl_number_arg(r, "back", argv[1], 1, UINT64_MAX / 2,
                                     &n)) {
        return CMD_ERROR;
    }
    if (n > tc->cur.pos) {
        repl_usage_error(r, "back", "'%s': only %" PRIu64 " event%s "
                         "happened", argc > 1 ? argv[1] : "1", tc->cur.pos,
                         tc->cur.pos == 1 ? "" : "s");
        return CMD_ERROR;
    }
    trace_seek(tc, tc->cur.pos - n);
    print_position(r);
    return CMD_OK;
}

/* The position of the event of seq 's', for "goto 'arg'" ('live_note'
 * ends its messages).  Returns true with '*pos', or false after an
 * error. */
static bool
seq_position(struct repl *r, const char *arg, unsigned long long s,
             const char *live_note, uint64_t *pos)
{
    const struct trace_cursor *tc = r->trace;
    /* Not the first event of a seq at least 's', in order: a late one
     * comes after events of higher seqs ("goto seq:16" of a late event
     * said "no event has seq 16 (lost?)").  Seqs start at 1. */
    for (size_t i = 0; s && i < tc->n_events; i++) {
        if (tc->events[i].seq == s) {
            *pos = i + 1;
            return true;
        }
    }
    if (s >= tc->seq_min && s <= tc->seq_max) {
        repl_error(r, "goto: '%s': no event has seq %llu (lost?)", arg, s);
        return false;
    }
    /* Those before the first event were not recorded (not lost). */
    char range[UK_NUMBER_TEXT_SIZE], problem[UK_NUMBER_TEXT_SIZE];
    snprintf(range, sizeof range, "seqs %" PRIu64 " to %" PRIu64 "%s",
             tc->seq_min, tc->seq_max, live_note);
    repl_error(r, "goto: '%s': %s", arg,
               uk_number_problem(problem, sizeof problem, UK_NUMBER_OK,
                                 range));
    return false;
}

/* The position of the first event at 'p' ("1.5ms", "200us", "3s",
 * "1000ns": decimal notation then a unit) from the trace's first event, for
 * "goto 'arg'" ('live_note' ends its messages).  Returns 1 with '*pos', 0
 * after an error (out of range), or -1 if 'p' is no time. */
static int
time_position(struct repl *r, const char *arg, const char *p,
              const char *live_note, uint64_t *pos)
{
    static const struct { const char *unit; double ns; } units[] = {
        { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
    };
    const struct trace_cursor *tc = r->trace;
    /* Decimal notation only: strtod() also takes "nan", "inf" and
     * hexadecimal ("goto 0x10" went to event 16).  A number too large for
     * a double is HUGE_VAL, out of range below. */
    size_t len = uk_decimal_span(p);
    for (size_t u = 0; len && u < UK_ARRAY_SIZE(units); u++) {
        if (strcmp(p + len, units[u].unit)) {
            continue;
        }
        uint64_t span = (tc->events[tc->n_events - 1].ts
                         - tc->events[0].ts);
        /* Compared as doubles first: a time past the trace may not fit a
         * uint64_t ("goto 1e300ns" went to its first event). */
        double ns = strtod(p, NULL) * units[u].ns;
        for (size_t i = 0; ns <= (double) span && i < tc->n_events;
             i++) {
            if (tc->events[i].ts >= tc->events[0].ts + (uint64_t) ns) {
                *pos = i + 1;
                return 1;
            }
        }
        char range[UK_NUMBER_TEXT_SIZE], problem[UK_NUMBER_TEXT_SIZE];
        snprintf(range, sizeof range, "the trace spans 0 to %" PRIu64
                 ".%06" PRIu64 " ms from its first event%s",
                 span / 1000000, span % 1000000, live_note);
        repl_error(r, "goto: '%s': %s", arg,
                   uk_number_problem(problem, sizeof problem, UK_NUMBER_OK,
                                     range));
        return 0;
    }
    return -1;
}

/* Parses "N" (a position), "seq:S" (the event of seq S; "#S" too: a '#'
 * followed by a digit does not start a comment), or a time from the
 * first event (time_position()).  N and S are whole numbers in digits, as
 * the REPL's other numbers ("goto 1e1" went to event 10).  Returns true
 * with '*pos', or false after an error. */
static bool
parse_target(struct repl *r, const char *arg, uint64_t *pos)
{
    const struct trace_cursor *tc = r->trace;
    const char *live_note = (tc->live ? " read so far; the session is still "
                             "live" : "");
    const char *p = arg;
    char problem[UK_NUMBER_TEXT_SIZE] = "", range[UK_NUMBER_TEXT_SIZE];
    bool seq = false;
    if (!strcmp(p, "end")) {
        *pos = tc->n_events;
        return true;
    }
    if (!tc->n_events) {
        goto range;
    }
    if (*p == '#') {
        p++, seq = true;
    } else if (!strncmp(p, "seq:", 4)) {
        p += 4, seq = true;
    }
    uint64_t n;
    enum uk_number kind = uk_parse_number(p, &n);
    if (kind == UK_NUMBER_FRACTION || kind == UK_NUMBER_NOT_DIGITS) {
        /* No range: which one depends on the form meant. */
        uk_number_problem(problem, sizeof problem, kind, NULL);
        goto bad;
    }
    if (seq && kind != UK_NUMBER_NONE) {
        /* A seq of 2^64 or more is UINT64_MAX here, a negative one 0: out
         * of range too. */
        return seq_position(r, arg, kind == UK_NUMBER_NEGATIVE ? 0 : n,
                            live_note, pos);
    }
    if (kind == UK_NUMBER_OK && n <= tc->n_events) {
        *pos = n;
        return true;
    }
    if (kind != UK_NUMBER_NONE) {
        goto range;
    }
    int found = seq ? -1 : time_position(r, arg, p, live_note, pos);
    if (found >= 0) {
        return found == 1;
    }
bad:
    repl_usage_error(r, "goto", "'%s': %s%sexpected an event number, seq:S "
                     "or a time such as 1.5ms", arg, problem,
                     *problem ? "; " : "");
    return false;
range:
    snprintf(range, sizeof range, "events 0 to %zu%s", tc->n_events,
             live_note);
    repl_error(r, "goto: '%s': %s", arg,
               uk_number_problem(problem, sizeof problem, UK_NUMBER_OK,
                                 range));
    return false;
}

enum cmd_status
trace_goto(struct repl *r, int argc, char *argv[])
{
    uint64_t pos;
    if (argc != 2) {
        repl_usage_error(r, "goto", "expected N, seq:S or TIME");
        return CMD_ERROR;
    }
    /* "goto end" is the last event so far, and a later one may be
     * there now. */
    trace_live_drain(r);
    if (!parse_target(r, argv[1], &pos)) {
        return CMD_ERROR;
    }
    trace_seek(r->trace, pos);
    print_position(r);
    return CMD_OK;
}

/* "continue", or "run [MAXSTEPS]": on to a breakpoint or the end, at
 * most MAXSTEPS events on (before, "run 5" went to the end). */
enum cmd_status
trace_continue(struct repl *r, int argc, char *argv[])
{
    uint64_t n = UINT64_MAX;
    if (argc > 1 && !repl_number_arg(r, argv[0], argv[1], 1,
                                     UINT64_MAX / 2, &n)) {
        return CMD_ERROR;
    }
    forward(r, n, false, true);
    return repl_motion_status(r);
}

enum cmd_status
cmd_reverse_continue(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    struct trace_cursor *tc = r->trace;
    if (!tc) {
        repl_error(r, "%s: only on a trace (\"open TRACE\"); on the model, "
                   "\"back\" and \"last\"", argv[0]);
        return CMD_ERROR;
    }
    /* The event at the cursor is event pos - 1: stop at an earlier one. */
    for (size_t i = tc->cur.pos > 1 ? tc->cur.pos - 1 : 0; i-- > 0;) {
        struct breakpoint *bp = bp_hit(r, i);
        if (bp) {
            trace_seek(tc, i + 1);
            trace_print_event(tc, i);
            report_bp(r, bp, i);
            return repl_motion_status(r);
        }
        if (repl_interrupted) {
            break;
        }
    }
    trace_seek(tc, 0);
    printf("beginning of the trace (event 0)\n");
    return CMD_OK;
}

/* "last ukey ID|flow NAME": back to just before its last transition. */
enum cmd_status
trace_last(struct repl *r, int argc, char *argv[])
{
    struct trace_cursor *tc = r->trace;
    uint64_t ukey_id, ufid = 0;
    const char *flow;
    if (!repl_target_parse(r, "last", argc, argv, &ukey_id, &flow)
        || (flow && !trace_flow_arg(r, "last", flow, &ufid))) {
        return CMD_ERROR;
    }
    for (size_t i = tc->cur.pos; i-- > 0;) {
        const struct ukey_event *e = &tc->events[i];
        if (e->type == UK_EV_TRANSITION
            && ((ukey_id && e->ukey_id == ukey_id)
                || (ufid && e->ufid == ufid))) {
            char what[300], late[96];
            uk_event_format(e, what, sizeof what);
            trace_seek(tc, i);
            printf("back to event %zu, before: %s%s\n", i, what,
                   trace_late_note(tc, i, late, sizeof late));
            return CMD_OK;
        }
    }
    repl_error(r, "last: no transition of '%s' before the cursor", argv[2]);
    return CMD_ERROR;
}

