/* SPDX-License-Identifier: Apache-2.0 */
/* Breakpoints and watches: "break", "tbreak", "condition", "delete",
 * "enable", "disable", "ignore", "info", "watch" and "unwatch", on the
 * model and on a trace alike (their flows and threads are kept by name,
 * looked up where they apply: repl_bp_resolve()), and whether a
 * breakpoint matches an event and stops there.  A breakpoint's condition
 * is any condition of "expect" (repl/cmd-expect.c parses and judges
 * both), tested as gdb tests one: after the step that hit it, on the state
 * where the motion would stop. */
#include "repl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "repl/trace.h"

/* ==== Breakpoints ==== */

/* Where the breakpoints apply now, for messages. */
static const char *
bp_place(const struct repl *r)
{
    return r->trace ? "the trace" : "the model";
}

/* What the breakpoints name may not be there yet: ukdb declares threads
 * and flows by command, often after the breakpoints ("break" on top of
 * a script), a live session's program starts its threads and declares
 * its flows as it goes, and a breakpoint or watch set on a trace is in
 * the session's script, which a configuration change runs again
 * (repl_rescript()) and the explorer hands back: run on a fresh model, it
 * names what only the trace had.  As gdb with "set breakpoint pending
 * on", such a name is no error (one typed at the prompt neither, rather
 * than a query): it is said, and
 *
 *   - a thread or flow that a breakpoint's filter or a watch names
 *     makes it pending ('unresolved'): its id (a flow's ufid) is where
 *     it applies, so it is looked up by name again wherever that changes
 *     (repl_bp_resolve());
 *
 *   - a condition's names are judged at each hit (repl/cmd-expect.c).
 *
 * The notes say so after the line that says the breakpoint is set:
 * nothing is said of a command that fails after all. */
void
repl_bp_note(struct repl *r, const char *what, const char *name,
             const char *then)
{
    size_t len = strlen(r->bp_notes);
    snprintf(r->bp_notes + len, sizeof r->bp_notes - len,
             "Note: %s has no %s %s yet; %s.\n", bp_place(r), what, name,
             then);
}

/* Says the notes of the breakpoint or condition just set. */
static void
bp_say_notes(struct repl *r)
{
    repl_printf(r, "%s", r->bp_notes);
    r->bp_notes[0] = '\0';
}

/* The filter that gives each enum bp_name, as typed. */
static const char *const bp_name_filter[N_BP_NAMES] = {
    [BP_NAME_FLOW] = "flow",
    [BP_NAME_THREAD] = "thread",
};

/* The id of 'name', a thread or a flow ('which'), where the breakpoints
 * apply now (a thread's id, a flow's ufid), into '*id'.  False if there
 * is none of that name. */
static bool
bp_name_id(const struct repl *r, enum bp_name which, const char *name,
           uint64_t *id)
{
    if (which == BP_NAME_FLOW) {
        if (r->trace) {
            *id = trace_flow_ufid(r->trace, name);
        } else {
            const struct uk_flow *f = (r->udpif
                                       ? udpif_find_flow(r->udpif, name)
                                       : NULL);
            *id = f ? f->ufid : 0;
        }
        return *id != 0;        /* (A ufid of 0 means "none".) */
    }
    int thread_id = 0;
    bool found;
    if (r->trace) {
        found = trace_thread_id(r->trace, name, &thread_id);
    } else {
        const struct uk_thread *t = (r->udpif
                                     ? udpif_find_thread(r->udpif, name)
                                     : NULL);
        found = t != NULL;
        thread_id = t ? (int) t->id : 0;
    }
    *id = (uint64_t) thread_id;
    return found;
}

/* Looks up the names of 't' where the breakpoints apply now, into its
 * 'thread_id' and 'ufid' ("any" for one missing), and sets 'unresolved'
 * unless all are there.  True if that changed it. */
static bool
bp_lookup(const struct repl *r, struct bp_target *t)
{
    bool all = true;
    for (int k = 0; k < N_BP_NAMES; k++) {
        uint64_t id = 0;
        bool found = t->names[k] && bp_name_id(r, k, t->names[k], &id);
        all = all && (found || !t->names[k]);
        if (k == BP_NAME_THREAD) {
            t->thread_id = found ? (int) id : -1;
        } else {
            t->ufid = found ? id : 0;
        }
    }
    bool changed = all == t->unresolved;
    t->unresolved = !all;
    return changed;
}

/* "Breakpoint N (TEXT) pending: the model has no thread NAME.", for the
 * names 't' lacks ("... has no flow F and no thread T."), or, once it
 * has them all, "... resolved: the trace has flow F and thread T.", as
 * gdb says a pending breakpoint; 'what' is "Breakpoint", "Temporary
 * breakpoint" or "Watch". */
static void
bp_say_pending(struct repl *r, const char *what, int number,
               const char *text, const struct bp_target *t)
{
    char names[256] = "";
    size_t len = 0;
    for (int k = 0; k < N_BP_NAMES; k++) {
        uint64_t id;
        if (t->names[k] && len < sizeof names
            && (!t->unresolved || !bp_name_id(r, k, t->names[k], &id))) {
            len += (size_t) snprintf(names + len, sizeof names - len,
                                     "%s%s %s", !len ? ""
                                     : t->unresolved ? " and no " : " and ",
                                     bp_name_filter[k], t->names[k]);
        }
    }
    repl_printf(r, "%s %d (%s) %s: %s %s %s.\n", what, number, text,
                t->unresolved ? "pending" : "resolved", bp_place(r),
                t->unresolved ? "has no" : "has", names);
}

/* Whether event 'e' is of the ukey, flow and thread 't' names (each
 * "any" if not given); never while 't' is pending. */
static bool
bp_target_matches(const struct bp_target *t, const struct ukey_event *e)
{
    return (!t->unresolved
            && (t->thread_id < 0 || (uint32_t) t->thread_id == e->thread_id)
            && (!t->ukey_id || t->ukey_id == e->ukey_id)
            && (!t->ufid || t->ufid == e->ufid));
}

static void
bp_target_free(struct bp_target *t)
{
    for (int k = 0; k < N_BP_NAMES; k++) {
        free(t->names[k]);
    }
}

/* "Breakpoint" or "Temporary breakpoint", as the messages call 'bp'. */
static const char *
bp_noun(const struct breakpoint *bp)
{
    return bp->temporary ? "Temporary breakpoint" : "Breakpoint";
}

/* The filters of "break"/"tbreak" ('argv[0]'), from argv[i] on. */
static bool
parse_filters(struct repl *r, struct breakpoint *bp, int argc, char *argv[],
              int i)
{
    const char *cmd = argv[0];
    static const char *const filters[] = { "ukey", "flow", "thread" };
    bool given[UK_ARRAY_SIZE(filters)] = { false };
    for (; i < argc; i += 2) {
        bool known = false;
        for (size_t k = 0; k < UK_ARRAY_SIZE(filters); k++) {
            if (!strcmp(argv[i], filters[k]) && given[k]) {
                repl_usage_error(r, cmd, "'%s': given twice", argv[i]);
                return false;
            }
            known = known || !strcmp(argv[i], filters[k]);
            given[k] = given[k] || !strcmp(argv[i], filters[k]);
        }
        if (!known) {
            repl_usage_error(r, cmd, "'%s': expected ukey, flow or "
                             "thread", argv[i]);
            return false;
        }
        if (i + 1 >= argc) {
            repl_usage_error(r, cmd, "'%s' needs a value", argv[i]);
            return false;
        }
        if (!strcmp(argv[i], "ukey")) {
            uint64_t id;
            if (!repl_ukey_id_arg(r, cmd, argv[i + 1], &id)) {
                return false;
            }
            bp->target.ukey_id = id;
            continue;
        }
        /* Kept by name, looked up where the breakpoint applies (it may
         * be pending: see repl_bp_note()) and again wherever that
         * changes (repl_bp_resolve()). */
        for (int k = 0; k < N_BP_NAMES; k++) {
            if (!strcmp(argv[i], bp_name_filter[k])) {
                bp->target.names[k] = uk_xstrdup(argv[i + 1]);
            }
        }
    }
    if (given[0] && given[1]) {
        /* A ukey has one flow: both say one thing twice, or nothing. */
        repl_usage_error(r, cmd, "give ukey ID or flow NAME, not both");
        return false;
    }
    return true;
}

static bool
parse_transition(struct repl *r, const char *cmd, struct breakpoint *bp,
                 const char *spec)
{
    char buf[64];
    snprintf(buf, sizeof buf, "%s", spec);
    char *arrow = strstr(buf, "->");
    const char *to = buf;
    if (arrow) {
        *arrow = '\0';
        to = arrow + 2;
        bp->from = ukey_state_from_name(buf);
        if (bp->from < 0) {
            repl_usage_error(r, cmd, "'%s': no such state", buf);
            return false;
        }
    }
    bp->to = ukey_state_from_name(to);
    if (bp->to < 0) {
        repl_usage_error(r, cmd, "'%s': no such state", to);
        return false;
    }
    return true;
}

/* The position of "if" in argv[] of "break"/"tbreak" ('argv[0]'), as gdb
 * writes a condition ("break ... if COND"), or 'argc' without one; -1
 * after an error (nothing after it). */
static int
find_if(struct repl *r, int argc, char *argv[])
{
    for (int i = 2; i < argc; i++) {
        if (!strcmp(argv[i], "if")) {
            if (i + 1 == argc) {
                repl_usage_error(r, argv[0], "'if' needs a condition, as "
                                 "\"expect\" takes one");
                return -1;
            }
            return i;
        }
    }
    return argc;
}

void
repl_bp_free(struct breakpoint *bp)
{
    free(bp->text);
    bp_target_free(&bp->target);
    repl_cond_free(bp->cond);
}

static bool break_parse__(struct repl *r, int argc, char *argv[],
                          struct breakpoint *bp);

/* "break" and "tbreak" ('argv[0]'), on the model or on a trace: the
 * words are parsed in their order (a note, or the first error, goes with
 * the first word that calls for it), the condition after "if" last. */
enum cmd_status
cmd_break(struct repl *r, int argc, char *argv[])
{
    struct breakpoint bp = {
        .from = -1, .to = -1, .violation = -1, .target.thread_id = -1,
        .enabled = true, .temporary = !strcmp(argv[0], "tbreak"),
    };
    r->bp_notes[0] = '\0';
    int if_at = find_if(r, argc, argv);
    if (if_at < 0 || !break_parse__(r, if_at, argv, &bp)
        || (if_at < argc
            && !(bp.cond = repl_cond_parse(r, argv[0], argc - if_at - 1,
                                           argv + if_at + 1, true)))) {
        repl_bp_free(&bp);
        return CMD_ERROR;
    }
    bp_lookup(r, &bp.target);
    char text[256];
    repl_join(text, sizeof text, argv + 1, (size_t) if_at - 1, " ");
    bp.number = ++r->sess.next_bp_number;
    bp.text = uk_xstrdup(text);
    r->sess.bps = uk_grow(r->sess.bps, &r->sess.allocated_bps,
                          r->sess.n_bps + 1, sizeof *r->sess.bps);
    r->sess.bps[r->sess.n_bps++] = bp;
    if (bp.target.unresolved) {
        /* As gdb: only that. */
        bp_say_pending(r, bp_noun(&bp), bp.number, bp.text, &bp.target);
    } else {
        repl_printf(r, "%s %d: %s\n", bp_noun(&bp), bp.number, text);
    }
    bp_say_notes(r);
    return CMD_OK;
}

/* The kind and filters of a breakpoint, the 'argc' words before "if". */
static bool
break_parse__(struct repl *r, int argc, char *argv[], struct breakpoint *bp)
{
    int i = 2;
    if (!strcmp(argv[1], "transition")) {
        bp->kind = BP_TRANSITION;
        if (argc < 3) {
            repl_usage_error(r, argv[0], "transition needs [FROM->]TO");
            return false;
        }
        if (!parse_transition(r, argv[0], bp, argv[2])) {
            return false;
        }
        i = 3;
    } else if (!strcmp(argv[1], "violation")) {
        bp->kind = BP_VIOLATION;
        if (argc > 2) {
            bp->violation = uk_violation_kind_from_name(argv[2]);
            if (bp->violation < 0) {
                repl_usage_error(r, argv[0], "'%s': no such violation kind",
                                 argv[2]);
                return false;
            }
            i = 3;
        }
    } else if (!strcmp(argv[1], "event")) {
        bp->kind = BP_EVENT;
        if (argc < 3) {
            /* Before: "'': no such event". */
            repl_usage_error(r, argv[0], "event needs a NAME");
            return false;
        }
        bp->event_type = uk_event_type_from_name(argv[2]);
        if (bp->event_type < 0) {
            repl_usage_error(r, argv[0], "'%s': no such event", argv[2]);
            return false;
        }
        i = 3;
    } else {
        repl_usage_error(r, argv[0], "'%s': expected transition, violation "
                         "or event", argv[1]);
        return false;
    }
    return parse_filters(r, bp, argc, argv, i);
}

bool
repl_bp_matches(const struct breakpoint *bp, const struct ukey_event *e)
{
    if (!bp->enabled || !bp_target_matches(&bp->target, e)) {
        return false;
    }
    switch (bp->kind) {
    case BP_TRANSITION:
        return e->type == UK_EV_TRANSITION
               && (e->result == UK_TR_OK || e->result == UK_TR_ABORT
                   || e->result == UK_TR_WARN)
               && (bp->from < 0 || bp->from == e->from)
               && (bp->to < 0 || bp->to == e->to);
    case BP_VIOLATION:
        return e->type == UK_EV_VIOLATION
               && (bp->violation < 0 || bp->violation == e->kind);
    case BP_EVENT:
        return e->type == bp->event_type;
    }
    return false;
}

/* Counts a hit of 'bp', and whether it is a trace's (repl_bp_carry()). */
static void
bp_count_hit(const struct repl *r, struct breakpoint *bp)
{
    bp->hits++;
    bp->trace_hits += r->trace != NULL;
}

/* As gdb (bpstat_check_breakpoint_conditions()): the condition first; a
 * hit where it is false is none at all, neither counted nor taken off the
 * ignore count, so "ignore N COUNT" passes the next COUNT hits where it
 * holds.  (gdb's manual says the condition is not checked while an ignore
 * count is positive; gdb's code has always checked it first, and that is
 * what gdb does and this follows.)  A condition gdb cannot evaluate counts
 * as true there, with "Error in testing condition for breakpoint N:"; here
 * it stops whatever the ignore count, so that a hit the condition cannot
 * judge (events lost) is never passed silently. */
bool
repl_bp_hit(struct repl *r, struct breakpoint *bp)
{
    if (bp->cond) {
        char why[256];
        switch (repl_cond_eval(r, bp->cond, why, sizeof why)) {
        case REPL_COND_FALSE:
            return false;
        case REPL_COND_UNKNOWN:
            repl_error(r, "Error in testing condition for breakpoint %d: %s",
                       bp->number, why);
            r->bp_cond_error = true;
            bp_count_hit(r, bp);
            return true;
        case REPL_COND_TRUE:
            break;
        }
    }
    bp_count_hit(r, bp);
    if (bp->ignore) {
        bp->ignore--;
        bp->trace_ignored |= r->trace != NULL;
        return false;
    }
    return true;
}

/* A configuration change runs the session's script again on a fresh
 * model: the model's motions are in it, and count their hits and use up
 * ignore counts again, under the new code (as gdb's "run" counts hits
 * anew).  A trace's motions are not, and the trace does not change: what
 * its events did to the breakpoints stays.  Its hits are carried over
 * (repl_bp_carry()); an ignore count it used up goes into the script as
 * the "ignore N COUNT" that leaves it so, where it was used up, so that
 * the model's motions after it are run again with the count they had (as
 * the deletion of a tbreak it hit: repl_bp_stopped()). */
void
repl_bp_trace_done(struct repl *r)
{
    for (size_t i = 0; i < r->sess.n_bps; i++) {
        struct breakpoint *bp = &r->sess.bps[i];
        if (bp->trace_ignored && !r->replaying && !r->rescripting) {
            char line[64];
            snprintf(line, sizeof line, "ignore %d %" PRIu64, bp->number,
                     bp->ignore);
            repl_script_add(r, line);
        }
        bp->trace_ignored = false;
    }
}

void
repl_bp_carry(struct repl *r, const struct repl_session *old)
{
    for (size_t i = 0; i < old->n_bps; i++) {
        const struct breakpoint *o = &old->bps[i];
        for (size_t k = 0; k < r->sess.n_bps; k++) {
            struct breakpoint *bp = &r->sess.bps[k];
            if (bp->number == o->number) {
                bp->hits += o->trace_hits;
                bp->trace_hits = o->trace_hits;
            }
        }
    }
}

/* A breakpoint or watch holds its thread's id and its flow's ufid, as
 * gdb's breakpoint holds an address: thread ids are given in the order
 * threads start, so one trace's revalidator1 may be another's h1, or the
 * model's h0; a flow's ufid is the model's hash of its name, but another
 * program's trace names its own (the f1 of one may be the f2 of
 * another); and a thread or flow only a trace has is none at all on the
 * model.  As gdb's breakpoint_re_set() when shared libraries come and go,
 * each is looked up again by name here; one whose name is gone stays,
 * pending, and works again once it is back (a breakpoint's condition,
 * ignore count, hits and enabled state untouched). */
void
repl_bp_resolve(struct repl *r)
{
    if (r->replaying) {
        /* Rebuilding: no breakpoint hits before it is over, and then
         * repl_rebuild() resolves them against what it left. */
        return;
    }
    for (size_t i = 0; i < r->sess.n_bps; i++) {
        struct breakpoint *bp = &r->sess.bps[i];
        if (bp_lookup(r, &bp->target)) {
            bp_say_pending(r, bp_noun(bp), bp->number, bp->text,
                           &bp->target);
        }
    }
    for (size_t i = 0; i < r->sess.n_watches; i++) {
        struct watch *w = &r->sess.watches[i];
        if (bp_lookup(r, &w->target)) {
            bp_say_pending(r, "Watch", w->number, w->text, &w->target);
        }
    }
}

/* Makes 'bp' the breakpoint the motion stops at, for event 'i' of the
 * session. */
static void
bp_stop_at(struct repl *r, const struct breakpoint *bp, size_t i)
{
    char what[200];
    uk_event_format(&r->sess.events[i].e, what, sizeof what);
    r->bp_hit = bp;
    r->bp_hit_event = i;
    snprintf(r->bp_message, sizeof r->bp_message, "%s %d: %s", bp_noun(bp),
             bp->number, what);
}

void
repl_bp_observe(struct repl *r, const struct ukey_event *e)
{
    for (size_t i = 0; i < r->sess.n_bps && !r->bp_hit && !r->passing_bps;
         i++) {
        struct breakpoint *bp = &r->sess.bps[i];
        if (!repl_bp_matches(bp, e)) {
            continue;
        }
        if (bp->cond) {
            /* Judged after the step: halfway through it, the state is
             * not one a motion stops at. */
            if (!bp->pending) {
                bp->pending = true;
                bp->pending_event = r->sess.n_events - 1;
            }
        } else if (repl_bp_hit(r, bp)) {
            bp_stop_at(r, bp, r->sess.n_events - 1);
        }
    }
}

void
repl_bp_judge(struct repl *r)
{
    for (size_t i = 0; i < r->sess.n_bps; i++) {
        struct breakpoint *bp = &r->sess.bps[i];
        if (bp->pending) {
            bp->pending = false;
            if (repl_bp_hit(r, bp)
                && (!r->bp_hit || bp->pending_event < r->bp_hit_event)) {
                bp_stop_at(r, bp, bp->pending_event);
            }
        }
    }
}

void
repl_bp_forget(struct repl *r)
{
    r->bp_hit = NULL;
    for (size_t i = 0; i < r->sess.n_bps; i++) {
        r->sess.bps[i].pending = false;
    }
}

enum cmd_status
repl_motion_status(const struct repl *r)
{
    return r->bp_cond_error ? CMD_ERROR : CMD_OK;
}

void
repl_bp_stopped(struct repl *r, const struct breakpoint *bp)
{
    if (bp->temporary && r->trace && !r->replaying && !r->rescripting) {
        /* A configuration change runs the session's script again,
         * which sets it again and, on the model, runs again the motion
         * that hit it, deleting it again.  A trace's motions are not in
         * the script: its deletion goes in instead, as "delete N" (a
         * re-run numbers the script's breakpoints as they were). */
        char line[32];
        snprintf(line, sizeof line, "delete %d", bp->number);
        repl_script_add(r, line);
    }
    if (bp->temporary) {
        size_t k = (size_t) (bp - r->sess.bps);
        repl_bp_free(&r->sess.bps[k]);
        memmove(&r->sess.bps[k], &r->sess.bps[k + 1],
                (r->sess.n_bps - k - 1) * sizeof *r->sess.bps);
        r->sess.n_bps--;
    }
}

/* Whether breakpoint (or, not 'bps', watch) number 'n' exists. */
static bool
number_exists(const struct repl *r, bool bps, uint64_t n)
{
    size_t count = bps ? r->sess.n_bps : r->sess.n_watches;
    for (size_t i = 0; i < count; i++) {
        int number = bps ? r->sess.bps[i].number : r->sess.watches[i].number;
        if ((uint64_t) number == n) {
            return true;
        }
    }
    return false;
}

/* The breakpoint (or, not 'bps', watch) numbers argv[1...], in a new
 * array, or NULL after an error message if one is not a number or names
 * none: a command on a list does all or nothing. */
static uint64_t *
numbers_arg(struct repl *r, int argc, char *argv[], bool bps)
{
    uint64_t *numbers = uk_xcalloc((size_t) argc, sizeof *numbers);
    for (int i = 1; i < argc; i++) {
        uint64_t *n = &numbers[i - 1];
        if (!repl_number_arg(r, argv[0], argv[i], 1, INT32_MAX, n)) {
            free(numbers);
            return NULL;
        }
        if (!number_exists(r, bps, *n)) {
            repl_usage_error(r, argv[0], "'%s': no such %s", argv[i],
                             bps ? "breakpoint" : "watch");
            free(numbers);
            return NULL;
        }
        for (int k = 0; k < i - 1; k++) {
            if (numbers[k] == *n) {
                repl_usage_error(r, argv[0], "'%s': given twice", argv[i]);
                free(numbers);
                return NULL;
            }
        }
    }
    return numbers;
}

/* Whether a command of 'argc' words names number 'n' among 'numbers' (a
 * command without numbers names them all). */
static bool
is_listed(const uint64_t *numbers, int argc, int n)
{
    for (int i = 0; i < argc - 1; i++) {
        if (numbers[i] == (uint64_t) n) {
            return true;
        }
    }
    return argc == 1;
}

/* "delete [N...]": the breakpoints listed, or all of them. */
enum cmd_status
cmd_delete(struct repl *r, int argc, char *argv[])
{
    uint64_t *listed = numbers_arg(r, argc, argv, true);
    if (!listed) {
        return CMD_ERROR;
    }
    size_t kept = 0;
    for (size_t i = 0; i < r->sess.n_bps; i++) {
        if (is_listed(listed, argc, r->sess.bps[i].number)) {
            repl_bp_free(&r->sess.bps[i]);
        } else {
            r->sess.bps[kept++] = r->sess.bps[i];
        }
    }
    r->sess.n_bps = kept;
    free(listed);
    return CMD_OK;
}

/* "enable [N...]" and "disable [N...]": the breakpoints listed, or all of
 * them.  A disabled breakpoint neither stops nor counts hits. */
enum cmd_status
cmd_enable(struct repl *r, int argc, char *argv[])
{
    uint64_t *listed = numbers_arg(r, argc, argv, true);
    if (!listed) {
        return CMD_ERROR;
    }
    for (size_t i = 0; i < r->sess.n_bps; i++) {
        if (is_listed(listed, argc, r->sess.bps[i].number)) {
            r->sess.bps[i].enabled = !strcmp(argv[0], "enable");
        }
    }
    free(listed);
    return CMD_OK;
}

/* "ignore N COUNT": breakpoint N lets its next COUNT hits pass (as gdb's:
 * they still count in "info breakpoints").  0 cancels. */
enum cmd_status
cmd_ignore(struct repl *r, int argc, char *argv[])
{
    (void) argc;                /* Always 3. */
    uint64_t *listed = numbers_arg(r, 2, argv, true);
    uint64_t count;
    if (!listed
        || !repl_number_arg(r, "ignore", argv[2], 0, INT32_MAX, &count)) {
        free(listed);
        return CMD_ERROR;
    }
    struct breakpoint *bp = r->sess.bps;
    while ((uint64_t) bp->number != listed[0]) {
        bp++;                   /* numbers_arg() found it. */
    }
    free(listed);
    bp->ignore = count;
    if (!r->quiet && !r->replaying) {
        if (count) {
            printf("Will ignore next %" PRIu64 " hit%s of breakpoint %d.\n",
                   count, count == 1 ? "" : "s", bp->number);
        } else {
            printf("Will stop next time breakpoint %d is hit.\n",
                   bp->number);
        }
    }
    return CMD_OK;
}

/* "condition N [COND]": breakpoint N stops only where COND, any
 * condition of "expect", holds; without COND, wherever it hits (gdb's
 * "condition").  COND is checked now: a bad one changes nothing. */
enum cmd_status
cmd_condition(struct repl *r, int argc, char *argv[])
{
    uint64_t *listed = numbers_arg(r, 2, argv, true);
    if (!listed) {
        return CMD_ERROR;
    }
    struct breakpoint *bp = r->sess.bps;
    while ((uint64_t) bp->number != listed[0]) {
        bp++;                   /* numbers_arg() found it. */
    }
    free(listed);
    struct repl_cond *cond = NULL;
    r->bp_notes[0] = '\0';
    if (argc > 2) {
        cond = repl_cond_parse(r, "condition", argc - 2, argv + 2, true);
        if (!cond) {
            return CMD_ERROR;
        }
    }
    repl_cond_free(bp->cond);
    bp->cond = cond;
    if (!cond) {
        repl_printf(r, "Breakpoint %d now unconditional.\n", bp->number);
    }
    bp_say_notes(r);
    return CMD_OK;
}

void
complete_condition(struct repl *r, int argi, char *argv[],
                   void (*add)(void *, const char *), void *aux)
{
    if (argi == 1) {
        for (size_t i = 0; i < r->sess.n_bps; i++) {
            char n[16];
            snprintf(n, sizeof n, "%d", r->sess.bps[i].number);
            add(aux, n);
        }
    } else {
        /* The words after N are those after "expect". */
        complete_expect(r, argi - 1, argv + 1, add, aux);
    }
}

void
complete_info(struct repl *r, int argi, char *argv[],
              void (*add)(void *, const char *), void *aux)
{
    (void) r;
    (void) argv;
    if (argi == 1) {
        add(aux, "breakpoints");
        add(aux, "watches");
    }
}

/* "info breakpoints" (or, not 'bps', "info watches") in JSON. */
static void
info_json(const struct repl *r, bool bps)
{
    printf("[");
    for (size_t i = 0; bps && i < r->sess.n_bps; i++) {
        const struct breakpoint *bp = &r->sess.bps[i];
        printf("%s{\"number\":%d,\"temporary\":%s,\"what\":", i ? "," : "",
               bp->number, bp->temporary ? "true" : "false");
        repl_json_string(bp->text);
        printf(",\"enabled\":%s,\"hits\":%" PRIu64 ",\"ignore\":%" PRIu64,
               bp->enabled ? "true" : "false", bp->hits, bp->ignore);
        if (bp->target.unresolved) {
            /* Only when so, as "condition". */
            printf(",\"pending\":true");
        }
        if (bp->cond) {
            /* Only when set, as gdb/MI's "cond". */
            printf(",\"condition\":");
            repl_json_string(repl_cond_text(bp->cond));
        }
        printf("}");
    }
    for (size_t i = 0; !bps && i < r->sess.n_watches; i++) {
        const struct watch *w = &r->sess.watches[i];
        printf("%s{\"number\":%d,\"what\":", i ? "," : "", w->number);
        repl_json_string(w->text);
        printf("%s}", w->target.unresolved ? ",\"pending\":true" : "");
    }
    printf("]\n");
}

/* The end of the line of "info" for a breakpoint or watch on 't'. */
static void
print_pending(const struct repl *r, const struct bp_target *t)
{
    if (t->unresolved) {
        printf("  [pending: names what %s lacks]", bp_place(r));
    }
    putchar('\n');
}

enum cmd_status
cmd_info(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    if (r->json && (!strncmp(argv[1], "breakpoints", strlen(argv[1]))
                    || !strncmp(argv[1], "watches", strlen(argv[1])))) {
        info_json(r, argv[1][0] == 'b');
        return CMD_OK;
    }
    if (!strncmp(argv[1], "breakpoints", strlen(argv[1]))) {
        if (!r->sess.n_bps) {
            printf("No breakpoints.\n");
        }
        for (size_t i = 0; i < r->sess.n_bps; i++) {
            const struct breakpoint *bp = &r->sess.bps[i];
            printf("%-3d %-5s %s  (hit %llu time%s", bp->number,
                   bp->temporary ? "tbrk" : "break", bp->text,
                   (unsigned long long) bp->hits, bp->hits == 1 ? "" : "s");
            if (bp->ignore) {
                printf("; ignore next %llu", (unsigned long long) bp->ignore);
            }
            printf(")%s", bp->enabled ? "" : "  [disabled]");
            print_pending(r, &bp->target);
            if (bp->cond) {
                /* Under it, as gdb lays it out. */
                printf("    stop only if %s\n", repl_cond_text(bp->cond));
            }
        }
        return CMD_OK;
    }
    if (!strncmp(argv[1], "watches", strlen(argv[1]))) {
        if (!r->sess.n_watches) {
            printf("No watches.\n");
        }
        for (size_t i = 0; i < r->sess.n_watches; i++) {
            const struct watch *w = &r->sess.watches[i];
            printf("%-3d %s", w->number, w->text);
            print_pending(r, &w->target);
        }
        return CMD_OK;
    }
    repl_usage_error(r, "info", "'%s': expected breakpoints or watches",
                     argv[1]);
    return CMD_ERROR;
}

bool
repl_target_parse(struct repl *r, const char *cmd, int argc, char *argv[],
                  uint64_t *ukey_id, const char **flow)
{
    *ukey_id = 0;
    *flow = NULL;
    if (argc != 3) {
        repl_usage_error(r, cmd, "expected 'ukey ID' or 'flow NAME'");
        return false;
    } else if (!strcmp(argv[1], "ukey")) {
        return repl_ukey_id_arg(r, cmd, argv[2], ukey_id);
    } else if (!strcmp(argv[1], "flow")) {
        *flow = argv[2];
        return true;
    }
    repl_usage_error(r, cmd, "'%s': expected 'ukey' or 'flow'", argv[1]);
    return false;
}

void
repl_watch_free(struct watch *w)
{
    free(w->text);
    bp_target_free(&w->target);
}

/* "watch ukey ID|flow NAME", on the model or on a trace.  Its flow is
 * kept by name, as a breakpoint's: pending where there is none of that
 * name, looked up again wherever the flows change (repl_bp_resolve()). */
enum cmd_status
cmd_watch(struct repl *r, int argc, char *argv[])
{
    struct watch w = { .target.thread_id = -1 };
    const char *flow;
    if (!repl_target_parse(r, "watch", argc, argv, &w.target.ukey_id,
                           &flow)) {
        return CMD_ERROR;
    }
    if (flow) {
        w.target.names[BP_NAME_FLOW] = uk_xstrdup(flow);
    }
    bp_lookup(r, &w.target);
    w.text = uk_xasprintf("%s %s", argv[1], argv[2]);
    w.number = ++r->sess.next_watch_number;
    r->sess.watches = uk_grow(r->sess.watches, &r->sess.allocated_watches,
                         r->sess.n_watches + 1, sizeof *r->sess.watches);
    r->sess.watches[r->sess.n_watches++] = w;
    if (w.target.unresolved) {
        bp_say_pending(r, "Watch", w.number, w.text, &w.target);
    } else {
        repl_printf(r, "Watch %d: %s\n", w.number, w.text);
    }
    return CMD_OK;
}

void
repl_print_watch_lines(const struct repl *r, const struct ukey_event *e,
                       const char *note)
{
    if (e->type != UK_EV_TRANSITION || e->result == UK_TR_NOOP) {
        return;
    }
    for (size_t i = 0; i < r->sess.n_watches; i++) {
        const struct watch *w = &r->sess.watches[i];
        if (bp_target_matches(&w->target, e)) {
            printf("watch %s: ukey#%" PRIu64 " %s -> %s by %s at %s%s%s\n",
                   w->text, e->ukey_id, ukey_state_name(e->from),
                   ukey_state_name(e->to),
                   r->trace ? trace_thread_name(r->trace, e->thread_id)
                            : udpif_thread_name(r->udpif, e->thread_id),
                   e->where ? e->where : "?", uk_transition_note(e->result),
                   note);
        }
    }
}

/* "unwatch [N...]": the watches listed, or all of them (all or nothing). */
enum cmd_status
cmd_unwatch(struct repl *r, int argc, char *argv[])
{
    uint64_t *listed = numbers_arg(r, argc, argv, false);
    if (!listed) {
        return CMD_ERROR;
    }
    size_t kept = 0;
    for (size_t i = 0; i < r->sess.n_watches; i++) {
        if (is_listed(listed, argc, r->sess.watches[i].number)) {
            repl_watch_free(&r->sess.watches[i]);
        } else {
            r->sess.watches[kept++] = r->sess.watches[i];
        }
    }
    r->sess.n_watches = kept;
    free(listed);
    return CMD_OK;
}

