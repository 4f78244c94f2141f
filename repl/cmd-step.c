/* SPDX-License-Identifier: Apache-2.0 */
/* Stepping: the journal, exact reverse stepping by deterministic replay,
 * the motion commands (choices, step, next, run, continue, back, goto,
 * last), breakpoints and watches.
 *
 * The journal holds every command that changed the model and every single
 * step, in order.  Rebuilding a model from the configuration and replaying
 * a prefix of the journal lands on exactly the state that prefix produced,
 * because stepped runs are deterministic.  "back" keeps what it undid as
 * the recorded future, which "step" and "continue" follow until the user
 * chooses differently. */
#include "repl.h"

#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/util.h"
#include "repl/trace.h"
#include "tracepoints/provider/tp-observer.h"

/* ==== Journal ==== */

static void
journal_push(struct repl *r, char *line, uint32_t thread_id)
{
    struct repl_session *s = &r->sess;
    s->journal = uk_grow(s->journal, &s->allocated_journal, s->n_journal + 1,
                         sizeof *s->journal);
    s->journal[s->n_journal++] = (struct repl_jentry) { line, thread_id };
}

/* Moves the journal's entries from 'cut' on to the recorded future, which
 * is a stack: the next entry to replay is at its end. */
static void
journal_cut(struct repl *r, size_t cut)
{
    struct repl_session *s = &r->sess;
    for (size_t k = s->n_journal; k-- > cut;) {
        s->redo = uk_grow(s->redo, &s->allocated_redo, s->n_redo + 1,
                          sizeof *s->redo);
        s->redo[s->n_redo++] = s->journal[k];
    }
    s->n_journal = cut;
}

static void
redo_clear(struct repl *r)
{
    for (size_t i = 0; i < r->sess.n_redo; i++) {
        free(r->sess.redo[i].line);
    }
    r->sess.n_redo = 0;
}

void
repl_journal_cmd(struct repl *r, const char *line)
{
    if (!r->replaying) {
        journal_push(r, uk_xstrdup(line), 0);
        if (!r->redoing) {
            redo_clear(r);
        }
    }
}

uint64_t
repl_steps(const struct repl *r)
{
    return r->udpif ? r->udpif->time : 0;
}

/* ==== Observers: the event log, breakpoints, watches ==== */

bool
repl_bp_matches(const struct breakpoint *bp, const struct ukey_event *e)
{
    if (!bp->enabled) {
        return false;
    }
    if (bp->thread_id >= 0 && (uint32_t) bp->thread_id != e->thread_id) {
        return false;
    }
    if (bp->ukey_id && bp->ukey_id != e->ukey_id) {
        return false;
    }
    if (bp->ufid && bp->ufid != e->ufid) {
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

/* Prints a line for each watch that 'e' concerns. */
static void
print_watch_lines(struct repl *r, const struct ukey_event *e)
{
    if (e->type != UK_EV_TRANSITION || e->result == UK_TR_NOOP) {
        return;
    }
    for (size_t i = 0; i < r->sess.n_watches; i++) {
        const struct watch *w = &r->sess.watches[i];
        if ((w->ukey_id && w->ukey_id == e->ukey_id)
            || (w->ufid && w->ufid == e->ufid)) {
            printf("watch %s: ukey#%" PRIu64 " %s -> %s by %s at %s%s\n",
                   w->text, e->ukey_id, ukey_state_name(e->from),
                   ukey_state_name(e->to),
                   udpif_thread_name(r->udpif, e->thread_id),
                   e->where ? e->where : "?",
                   e->result == UK_TR_OK ? "" : " (rejected)");
        }
    }
}

void
repl_session_observe(const struct ukey_event *e, void *r_)
{
    struct repl *r = r_;
    struct repl_session *s = &r->sess;
    s->events = uk_grow(s->events, &s->allocated_events, s->n_events + 1,
                        sizeof *s->events);
    s->events[s->n_events++] = (struct repl_event) {
        .e = *e, .step = r->udpif ? r->udpif->time : 0,
    };
    if (!r->replaying && !r->mute_output) {
        /* Recorded by "ukdb record"; a rebuild does not record twice. */
        uk_tp_observer(e, NULL);
    }
    if (r->events_out && !r->replaying && !r->mute_output) {
        char buf[512];
        uk_event_format_canonical(e, buf, sizeof buf);
        fprintf(r->events_out, "%s\n", buf);
    }
    if (r->replaying) {
        return;
    }
    for (size_t i = 0; i < r->sess.n_bps && !r->bp_hit; i++) {
        struct breakpoint *bp = &r->sess.bps[i];
        if (repl_bp_matches(bp, e) && repl_bp_hit(bp)) {
            r->bp_hit = bp;
            char what[200];
            uk_event_format(e, what, sizeof what);
            snprintf(r->bp_message, sizeof r->bp_message,
                     "Breakpoint %d: %s", bp->number, what);
        }
    }
    if (!r->stepping && !r->quiet) {
        /* A step's watch lines follow its step line (print_step()).
         * Quiet: a rescript or "goto" replays what was printed. */
        print_watch_lines(r, e);
    }
}

/* At the end of a script: shuts the model down (udpif_destroy(), the RCU
 * barrier, the 'end' event), so that its events and its trace describe a
 * complete run whose leaks can be judged.  Only when every thread is idle:
 * a run stopped in the middle of an operation is left as it is. */
void
repl_end_run(struct repl *r)
{
    if (!r->udpif || r->udpif->shut_down || r->trace) {
        return;
    }
    for (size_t i = 0; i < r->udpif->n_threads; i++) {
        if (r->udpif->threads[i]->busy) {
            return;
        }
    }
    bool saved = r->quiet;
    r->quiet = true;
    udpif_shutdown(r->udpif);
    udpif_finish_op(r->udpif, r->udpif->threads[0], UINT64_MAX);
    r->quiet = saved;
}

struct udpif *
repl_detach_model(struct repl *r)
{
    struct udpif *udpif = r->udpif;
    event_bus_remove(udpif->bus, repl_session_observe, r);
    r->udpif = NULL;
    return udpif;
}

/* ==== Rebuild ==== */

/* Makes --events FILE the log of the session's current history, as a
 * fresh run of it would write: the events of this model, which a rebuild
 * replays without writing them.  After "back", the events of the steps
 * undone are gone; after a variant change, the old run's.  A FILE that
 * cannot be rewritten (a pipe) keeps what it has, and goes on. */
void
repl_events_rewrite(struct repl *r)
{
    if (!r->events_out) {
        return;
    }
    fflush(r->events_out);
    if (fseek(r->events_out, 0, SEEK_SET)
        || ftruncate(fileno(r->events_out), 0)) {
        fseek(r->events_out, 0, SEEK_END);
        return;
    }
    for (size_t i = 0; i < r->sess.n_events; i++) {
        char buf[512];
        uk_event_format_canonical(&r->sess.events[i].e, buf, sizeof buf);
        fprintf(r->events_out, "%s\n", buf);
    }
}

static void
print_divergence(struct repl *r, size_t i, const struct uk_thread *t)
{
    char next[256] = "it does not exist";
    if (t) {
        uk_action_format(&t->next, next, sizeof next);
    }
    repl_error(r, "replay diverged at journal entry %zu (step %llu): "
               "%s is not runnable (next: %s)", i,
               (unsigned long long) repl_steps(r),
               t ? t->name : "the thread", next);
}

int
repl_rebuild(struct repl *r)
{
    /* A model that has done nothing yet emitted only its main and urcu
     * threads' starts, which the new one emits again, identical: those
     * are not written to the trace or --events a second time. */
    bool pristine = r->udpif && event_bus_next_seq(r->udpif->bus) <= 3;
    bool rebuilt = r->udpif != NULL;    /* A model the trace has seen. */
    udpif_destroy(r->udpif);
    r->udpif = NULL;        /* repl_session_observe() runs during create. */
    r->sess.n_events = 0;
    struct udpif_config cfg = r->cfg;
    cfg.observer = repl_session_observe;
    cfg.observer_aux = r;
    FILE *events_out = r->events_out;   /* Rewritten at the end. */
    r->events_out = NULL;
    /* Replaying from the start: the new model's thread starts are no
     * more new than the steps replayed after them, so no breakpoint
     * counts or hits them.  They are traced below. */
    bool saved = r->replaying;
    r->replaying = true;
    r->udpif = udpif_create(&cfg);
    size_t n_created = r->sess.n_events;
    bool traced = !saved && !r->mute_output && !pristine;
    if (traced && !rebuilt) {
        for (size_t k = 0; k < n_created; k++) {
            uk_tp_observer(&r->sess.events[k].e, NULL);
        }
    }

    int error = 0;
    size_t i;
    for (i = 0; i < r->sess.n_journal; i++) {
        struct repl_jentry *j = &r->sess.journal[i];
        if (j->line) {
            char buf[4096];
            snprintf(buf, sizeof buf, "%s", j->line);
            if (repl_execute(r, buf) != CMD_OK) {
                error = EINVAL;
                break;
            }
        } else {
            struct uk_thread *t = j->thread_id < r->udpif->n_threads
                                  ? r->udpif->threads[j->thread_id] : NULL;
            if (!t || udpif_step(r->udpif, t)) {
                print_divergence(r, i, t);
                error = EINVAL;
                break;
            }
        }
    }
    if (error) {
        /* Keep what replayed; the rest becomes the recorded future. */
        journal_cut(r, i);
    }
    r->replaying = saved;
    if (traced && rebuilt) {
        /* The trace is append-only: the run the rebuild left stays in it,
         * cut short, and the new model's run follows from its start, all
         * of it, as one more run (as after repl_rescript()). */
        for (size_t k = 0; k < r->sess.n_events; k++) {
            uk_tp_observer(&r->sess.events[k].e, NULL);
        }
    }
    r->first_new_event = r->sess.n_events;
    r->events_out = events_out;
    repl_events_rewrite(r);
    return error;
}

/* Truncates the journal so that exactly 'steps' steps remain (commands
 * issued after that step are undone too), moving the rest to the recorded
 * future, and rebuilds. */
static int
rewind_to(struct repl *r, uint64_t steps)
{
    uint64_t seen = 0;
    size_t cut = r->sess.n_journal;
    for (size_t i = 0; i < r->sess.n_journal; i++) {
        if (!r->sess.journal[i].line) {
            if (seen == steps) {
                cut = i;
                break;
            }
            seen++;
        }
    }
    journal_cut(r, cut);
    return repl_rebuild(r);
}

/* ==== Stepping ==== */

static void
print_event_line(struct repl *r, const struct repl_event *le)
{
    const struct ukey_event *e = &le->e;
    char buf[300];
    uk_event_format(e, buf, sizeof buf);
    if (e->type == UK_EV_VIOLATION) {
        printf("      *** VIOLATION %s: %s\n", uk_violation_kind_name(e->kind),
               uk_violation_detail(e->kind, e->name));
    } else {
        printf("      %s\n", buf);
    }
}

/* Whether 'e' only repeats what the step's action line says. */
static bool
event_is_echo(const struct ukey_event *e)
{
    switch (e->type) {
    case UK_EV_LOCK:
    case UK_EV_UNLOCK:
    case UK_EV_RCU_QUIESCE:
    case UK_EV_BARRIER:
        return true;
    case UK_EV_TRYLOCK:
        return e->result == 0;
    default:
        return false;
    }
}

void
repl_print_new_events(struct repl *r)
{
    if (!r->replaying && !r->quiet) {
        for (size_t i = r->first_new_event; i < r->sess.n_events; i++) {
            print_event_line(r, &r->sess.events[i]);
        }
    }
    r->first_new_event = r->sess.n_events;
}

static void
print_step(struct repl *r, const struct uk_thread *t,
           const struct uk_action *a)
    /* Reads guarded ukey fields unlocked: the REPL runs between steps,
     * when no model thread is running. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    char what[256];
    if (a->kind == UK_ACT_IDLE) {
        snprintf(what, sizeof what, "begins its next operation");
    } else {
        uk_action_format(a, what, sizeof what);
    }
    /* "[N]" padded to "[999]": the columns stay aligned up to step 999
     * (a step list longer than that shifts them once per decade). */
    char step[32];
    snprintf(step, sizeof step, "[%llu]", (unsigned long long) repl_steps(r));
    printf("%-5s %-13s %s", step, t->name, what);
    if (a->kind == UK_ACT_READ_STATE && a->ukey) {
        printf(" -> %s", ukey_state_name(a->ukey->state));
    }
    putchar('\n');
    for (size_t i = r->first_new_event; i < r->sess.n_events; i++) {
        const struct ukey_event *e = &r->sess.events[i].e;
        if (!event_is_echo(e)) {
            print_event_line(r, &r->sess.events[i]);
        }
        print_watch_lines(r, e);
    }
    r->first_new_event = r->sess.n_events;
}

/* Takes one step of 't', journals it, prints its events.  Returns 0 or
 * EAGAIN. */
int
repl_step_thread(struct repl *r, struct uk_thread *t)
{
    struct uk_action action = t->next;
    r->first_new_event = r->sess.n_events;
    r->stepping = true;
    int error = udpif_step(r->udpif, t);
    r->stepping = false;
    if (error) {
        return error;
    }
    journal_push(r, NULL, t->id);
    if (r->sess.n_redo) {
        struct repl_jentry *next = &r->sess.redo[r->sess.n_redo - 1];
        if (!next->line && next->thread_id == t->id) {
            r->sess.n_redo--;        /* Followed the recorded future. */
        } else {
            redo_clear(r);
        }
    }
    if (!r->replaying && !r->quiet) {
        print_step(r, t, &action);
    }
    r->first_new_event = r->sess.n_events;
    return 0;
}

static void
print_next(struct repl *r, const struct uk_thread *t)
{
    if (r->replaying || r->quiet) {
        return;
    }
    char buf[256];
    uk_action_format(&t->next, buf, sizeof buf);
    if (t->next.kind == UK_ACT_IDLE && !uk_thread_runnable(t)) {
        printf("  %s is idle\n", t->name);
    } else {
        printf("  next: %s will %s%s\n", t->name, buf,
               uk_thread_runnable(t) ? "" : "  (blocked)");
    }
}

static bool
motion_should_stop(struct repl *r)
{
    if (r->bp_hit) {
        if (!r->quiet && !r->replaying) {
            printf("%s\n", r->bp_message);
        }
        const struct breakpoint *bp = r->bp_hit;
        r->bp_hit = NULL;
        repl_bp_stopped(r, bp);
        return true;
    }
    if (repl_interrupted) {
        return true;
    }
    return false;
}

/* The thread a plain "step" takes: the recorded future, else the first
 * runnable thread other than the urcu thread, else urcu. */
static struct uk_thread *
default_thread(struct repl *r)
{
    if (r->sess.n_redo) {
        struct repl_jentry *next = &r->sess.redo[r->sess.n_redo - 1];
        if (!next->line && next->thread_id < r->udpif->n_threads) {
            struct uk_thread *t = r->udpif->threads[next->thread_id];
            if (uk_thread_runnable(t)) {
                return t;
            }
        }
    }
    struct uk_thread *ts[64];
    size_t n = udpif_runnable(r->udpif, ts, 64);
    for (size_t i = 0; i < n && i < 64; i++) {
        if (ts[i]->kind != UK_THREAD_URCU) {
            return ts[i];
        }
    }
    return n ? ts[0] : NULL;
}

enum cmd_status
cmd_choices(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    (void) argv;
    int n = 0;
    for (size_t i = 0; i < r->udpif->n_threads; i++) {
        struct uk_thread *t = r->udpif->threads[i];
        char buf[256];
        if (!uk_thread_runnable(t)) {
            continue;
        }
        if (t->next.kind == UK_ACT_IDLE) {
            const struct uk_req *req = &t->reqs[t->head];
            static const char *const names[] = {
                "upcall", "round", "purge", "dp_purge_cb", "flush",
                "shutdown",
            };
            snprintf(buf, sizeof buf, "begin %s%s%s", names[req->kind],
                     req->flow ? " " : "", req->flow ? req->flow->name : "");
        } else {
            uk_action_format(&t->next, buf, sizeof buf);
        }
        printf("  %d. %-14s %s\n", ++n, t->name, buf);
    }
    if (!n) {
        printf("  nothing is runnable\n");
    }
    for (size_t i = 0; i < r->udpif->n_threads; i++) {
        struct uk_thread *t = r->udpif->threads[i];
        if (!uk_thread_runnable(t) && t->busy) {
            char buf[256];
            uk_action_format(&t->next, buf, sizeof buf);
            printf("     %-14s blocked: %s\n", t->name, buf);
        }
    }
    return CMD_OK;
}

void
repl_redo_commands(struct repl *r)
{
    while (r->sess.n_redo && r->sess.redo[r->sess.n_redo - 1].line) {
        char *line = r->sess.redo[--r->sess.n_redo].line;
        r->redoing = true;
        repl_execute(r, line);
        r->redoing = false;
        free(line);
    }
}

/* "step N" picks choice N. */
static struct uk_thread *
choice_thread(struct repl *r, uint64_t n)
{
    uint64_t k = 0;
    for (size_t i = 0; i < r->udpif->n_threads; i++) {
        struct uk_thread *t = r->udpif->threads[i];
        if (uk_thread_runnable(t) && ++k == n) {
            return t;
        }
    }
    return NULL;
}

static enum cmd_status
step_n(struct repl *r, struct uk_thread *t, uint64_t count, const char *cmd)
{
    uint64_t done = 0;
    struct uk_thread *last = t;
    while (done < count) {
        if (!t) {
            repl_redo_commands(r);
        }
        struct uk_thread *s = t ? t : default_thread(r);
        if (!s) {
            if (!done) {
                repl_printf(r, "nothing is runnable\n");
            }
            break;
        }
        if (repl_step_thread(r, s)) {
            if (!done) {
                char buf[256];
                uk_action_format(&s->next, buf, sizeof buf);
                repl_error(r, "%s: '%s' is not runnable (%s: %s)", cmd,
                           s->name,
                           s->next.kind == UK_ACT_IDLE ? "idle" : "blocked",
                           buf);
                return CMD_ERROR;
            }
            break;
        }
        last = s;
        done++;
        if (motion_should_stop(r)) {
            break;
        }
    }
    if (last) {
        print_next(r, last);
    }
    return CMD_OK;
}

/* "step [THREAD] [N]": N steps of THREAD, or of the recorded future /
 * the first runnable thread (gdb's "step N"). */
enum cmd_status
cmd_step(struct repl *r, int argc, char *argv[])
{
    struct uk_thread *t = NULL;
    uint64_t count = 1;
    int i = 1;
    if (argc > 1 && !(argv[1][0] >= '0' && argv[1][0] <= '9')) {
        t = repl_thread_arg(r, "step", argv[1]);
        if (!t) {
            return CMD_ERROR;
        }
        i = 2;
    }
    if (i < argc && !repl_number_arg(r, "step", argv[i], 1, 100000000,
                                     &count)) {
        return CMD_ERROR;
    }
    if (i + 1 < argc) {
        repl_usage_error(r, "step", "'%s': unexpected argument",
                         argv[i + 1]);
        return CMD_ERROR;
    }
    return step_n(r, t, count, "step");
}

/* "choose N [COUNT]": the thread of choice N of "choices" (spin's
 * interactive simulation). */
enum cmd_status
cmd_choose(struct repl *r, int argc, char *argv[])
{
    uint64_t n, count = 1;
    if (!repl_number_arg(r, "choose", argv[1], 1, UINT32_MAX, &n)
        || (argc > 2 && !repl_number_arg(r, "choose", argv[2], 1, 100000000,
                                         &count))) {
        return CMD_ERROR;
    }
    struct uk_thread *t = choice_thread(r, n);
    if (!t) {
        repl_usage_error(r, "choose", "'%s': no such choice (see "
                         "\"choices\")", argv[1]);
        return CMD_ERROR;
    }
    return step_n(r, t, count, "choose");
}

enum cmd_status
cmd_next(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    struct uk_thread *t = repl_thread_arg(r, "next", argv[1]);
    if (!t) {
        return CMD_ERROR;
    }
    if (!uk_thread_runnable(t)) {
        repl_error(r, "next: '%s' is not runnable", t->name);
        return CMD_ERROR;
    }
    bool started = t->busy;
    uint64_t n = 0;
    while (uk_thread_runnable(t) && n < 1000000) {
        if (started && t->next.kind == UK_ACT_IDLE) {
            break;
        }
        repl_step_thread(r, t);
        started = true;
        n++;
        if (!t->busy || motion_should_stop(r)) {
            break;
        }
    }
    print_next(r, t);
    return CMD_OK;
}

static enum cmd_status
run_until_idle(struct repl *r, uint64_t max, bool follow_redo)
{
    uint64_t n = 0;
    size_t rr = 0;
    while (n < max) {
        struct uk_thread *t = NULL;
        if (follow_redo) {
            repl_redo_commands(r);
        }
        if (follow_redo && r->sess.n_redo) {
            t = default_thread(r);
        } else {
            struct uk_thread *ts[64];
            size_t k = udpif_runnable(r->udpif, ts, 64);
            if (!k) {
                break;
            }
            t = ts[rr++ % (k < 64 ? k : 64)];
        }
        if (!t || repl_step_thread(r, t)) {
            break;
        }
        n++;
        if (motion_should_stop(r)) {
            return CMD_OK;
        }
    }
    if (!r->quiet && !r->replaying) {
        struct uk_thread *ts[1];
        printf("%s after %llu step%s (step %llu)\n",
               udpif_runnable(r->udpif, ts, 1) ? "stopped" : "idle",
               (unsigned long long) n, n == 1 ? "" : "s",
               (unsigned long long) repl_steps(r));
    }
    return CMD_OK;
}

enum cmd_status
cmd_run(struct repl *r, int argc, char *argv[])
{
    uint64_t max = 10000000;
    if (argc > 1 && !repl_number_arg(r, "run", argv[1], 1, UINT64_MAX / 2,
                                     &max)) {
        return CMD_ERROR;
    }
    return run_until_idle(r, max, false);
}

enum cmd_status
cmd_continue(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    (void) argv;
    return run_until_idle(r, 10000000, true);
}

static void
print_position(struct repl *r)
{
    if (r->quiet || r->replaying) {
        return;
    }
    printf("at step %llu\n", (unsigned long long) repl_steps(r));
    for (size_t i = 0; i < r->udpif->n_threads; i++) {
        struct uk_thread *t = r->udpif->threads[i];
        if (t->busy) {
            print_next(r, t);
        }
    }
}

enum cmd_status
cmd_back(struct repl *r, int argc, char *argv[])
{
    uint64_t n = 1;
    if (argc > 1 && !repl_number_arg(r, "back", argv[1], 1, UINT64_MAX / 2,
                                     &n)) {
        return CMD_ERROR;
    }
    uint64_t now = repl_steps(r);
    if (n > now) {
        /* Without N, "back" goes back 1: name that, not a missing word. */
        repl_usage_error(r, "back", "'%s': only %llu step%s taken",
                         argc > 1 ? argv[1] : "1", (unsigned long long) now,
                         now == 1 ? "" : "s");
        return CMD_ERROR;
    }
    if (rewind_to(r, now - n)) {
        return CMD_ERROR;
    }
    print_position(r);
    return CMD_OK;
}

enum cmd_status
cmd_goto(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    uint64_t target;
    uint64_t now = repl_steps(r);
    if (!repl_number_arg(r, "goto", argv[1], 0, UINT64_MAX / 2, &target)) {
        return CMD_ERROR;
    }
    if (target <= now) {
        if (rewind_to(r, target)) {
            return CMD_ERROR;
        }
    } else {
        uint64_t future = 0;
        for (size_t i = 0; i < r->sess.n_redo; i++) {
            future += !r->sess.redo[i].line;
        }
        if (target - now > future) {
            repl_usage_error(r, "goto", "'%s': out of range (steps 0 to "
                             "%llu are known)", argv[1],
                             (unsigned long long) (now + future));
            return CMD_ERROR;
        }
        bool saved = r->quiet;
        r->quiet = true;
        while (repl_steps(r) < target && r->sess.n_redo) {
            struct repl_jentry *j = &r->sess.redo[r->sess.n_redo - 1];
            if (j->line) {
                repl_redo_commands(r);
            } else {
                struct uk_thread *t = r->udpif->threads[j->thread_id];
                if (repl_step_thread(r, t)) {
                    break;
                }
            }
        }
        r->quiet = saved;
    }
    print_position(r);
    return CMD_OK;
}

/* "last ukey ID": back to just before the step of its last transition. */
enum cmd_status
cmd_last(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    uint64_t ukey_id = 0, ufid = 0;
    if (!strcmp(argv[1], "ukey")) {
        struct ukey *k = repl_ukey_arg(r, "last", argv[2]);
        if (!k) {
            return CMD_ERROR;
        }
        ukey_id = k->id;
    } else if (!strcmp(argv[1], "flow")) {
        struct uk_flow *f = repl_flow_arg(r, "last", argv[2]);
        if (!f) {
            return CMD_ERROR;
        }
        ufid = f->ufid;
    } else {
        repl_usage_error(r, "last", "'%s': expected 'ukey' or 'flow'",
                         argv[1]);
        return CMD_ERROR;
    }
    for (size_t i = r->sess.n_events; i-- > 0;) {
        const struct repl_event *le = &r->sess.events[i];
        if (le->e.type == UK_EV_TRANSITION
            && ((ukey_id && le->e.ukey_id == ukey_id)
                || (ufid && le->e.ufid == ufid)) && le->step > 0) {
            char what[200];
            uk_event_format(&le->e, what, sizeof what);
            if (rewind_to(r, le->step - 1)) {
                return CMD_ERROR;
            }
            repl_printf(r, "back to step %llu, before: %s\n",
                        (unsigned long long) repl_steps(r), what);
            print_position(r);
            return CMD_OK;
        }
    }
    repl_error(r, "last: no transition of '%s' yet", argv[2]);
    return CMD_ERROR;
}

/* ==== Breakpoints ==== */

static bool
model_flow_name(struct repl *r, const char *cmd, const char *name,
                uint64_t *ufid)
{
    struct uk_flow *f = repl_flow_arg(r, cmd, name);
    if (f) {
        *ufid = f->ufid;
    }
    return f != NULL;
}

static bool
model_thread_name(struct repl *r, const char *cmd, const char *name,
                  int *thread_id)
{
    struct uk_thread *t = repl_thread_arg(r, cmd, name);
    if (t) {
        *thread_id = (int) t->id;
    }
    return t != NULL;
}

/* Names resolved in the model (the trace has its own, repl/trace-motion.c). */
static const struct repl_bp_names model_names = {
    model_flow_name, model_thread_name,
};

/* The filters of "break"/"tbreak" ('argv[0]'), from argv[i] on. */
static bool
parse_filters(struct repl *r, const struct repl_bp_names *names,
              struct breakpoint *bp, int argc, char *argv[], int i)
{
    const char *cmd = argv[0];
    static const char *const filters[] = { "ukey", "flow", "thread" };
    bool given[UK_ARRAY_SIZE(filters)] = { false };
    for (; i < argc; i += 2) {
        for (size_t k = 0; k < UK_ARRAY_SIZE(filters); k++) {
            if (!strcmp(argv[i], filters[k]) && given[k]) {
                repl_usage_error(r, cmd, "'%s': given twice", argv[i]);
                return false;
            }
            given[k] = given[k] || !strcmp(argv[i], filters[k]);
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
            bp->ukey_id = id;
        } else if (!strcmp(argv[i], "flow")) {
            if (!names->flow(r, cmd, argv[i + 1], &bp->ufid)) {
                return false;
            }
        } else if (!strcmp(argv[i], "thread")) {
            if (!names->thread(r, cmd, argv[i + 1], &bp->thread_id)) {
                return false;
            }
        } else {
            repl_usage_error(r, cmd, "'%s': expected ukey, flow or "
                             "thread", argv[i]);
            return false;
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

enum cmd_status
repl_break_parse(struct repl *r, int argc, char *argv[],
                 const struct repl_bp_names *names)
{
    struct breakpoint bp = {
        .from = -1, .to = -1, .violation = -1, .thread_id = -1,
        .enabled = true, .temporary = !strcmp(argv[0], "tbreak"),
    };
    int i = 2;
    if (!strcmp(argv[1], "transition")) {
        bp.kind = BP_TRANSITION;
        if (argc < 3) {
            repl_usage_error(r, argv[0], "transition needs [FROM->]TO");
            return CMD_ERROR;
        }
        if (!parse_transition(r, argv[0], &bp, argv[2])) {
            return CMD_ERROR;
        }
        i = 3;
    } else if (!strcmp(argv[1], "violation")) {
        bp.kind = BP_VIOLATION;
        if (argc > 2) {
            bp.violation = uk_violation_kind_from_name(argv[2]);
            if (bp.violation < 0) {
                repl_usage_error(r, argv[0], "'%s': no such violation kind",
                                 argv[2]);
                return CMD_ERROR;
            }
            i = 3;
        }
    } else if (!strcmp(argv[1], "event")) {
        bp.kind = BP_EVENT;
        if (argc < 3 || (bp.event_type = uk_event_type_from_name(argv[2]))
                        < 0) {
            repl_usage_error(r, argv[0], "'%s': no such event",
                             argc < 3 ? "" : argv[2]);
            return CMD_ERROR;
        }
        i = 3;
    } else {
        repl_usage_error(r, argv[0], "'%s': expected transition, violation "
                         "or event", argv[1]);
        return CMD_ERROR;
    }
    if (!parse_filters(r, names, &bp, argc, argv, i)) {
        return CMD_ERROR;
    }
    char text[256];
    repl_join(text, sizeof text, argv + 1, (size_t) argc - 1, " ");
    bp.number = ++r->sess.next_bp_number;
    bp.text = uk_xstrdup(text);
    r->sess.bps = uk_grow(r->sess.bps, &r->sess.allocated_bps,
                          r->sess.n_bps + 1, sizeof *r->sess.bps);
    r->sess.bps[r->sess.n_bps++] = bp;
    repl_printf(r, "%s %d: %s\n", bp.temporary ? "Temporary breakpoint"
                                                : "Breakpoint", bp.number,
                text);
    return CMD_OK;
}

enum cmd_status
cmd_break(struct repl *r, int argc, char *argv[])
{
    return repl_break_parse(r, argc, argv, &model_names);
}

bool
repl_bp_hit(struct breakpoint *bp)
{
    bp->hits++;
    if (bp->ignore) {
        bp->ignore--;
        return false;
    }
    return true;
}

void
repl_bp_stopped(struct repl *r, const struct breakpoint *bp)
{
    if (bp->temporary) {
        size_t k = (size_t) (bp - r->sess.bps);
        free(r->sess.bps[k].text);
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
            free(r->sess.bps[i].text);
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
        printf(",\"enabled\":%s,\"hits\":%" PRIu64 ",\"ignore\":%" PRIu64
               "}", bp->enabled ? "true" : "false", bp->hits, bp->ignore);
    }
    for (size_t i = 0; !bps && i < r->sess.n_watches; i++) {
        printf("%s{\"number\":%d,\"what\":", i ? "," : "",
               r->sess.watches[i].number);
        repl_json_string(r->sess.watches[i].text);
        printf("}");
    }
    printf("]\n");
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
            printf(")%s\n", bp->enabled ? "" : "  [disabled]");
        }
        return CMD_OK;
    }
    if (!strncmp(argv[1], "watches", strlen(argv[1]))) {
        if (!r->sess.n_watches) {
            printf("No watches.\n");
        }
        for (size_t i = 0; i < r->sess.n_watches; i++) {
            const struct watch *w = &r->sess.watches[i];
            printf("%-3d %s\n", w->number, w->text);
        }
        return CMD_OK;
    }
    repl_usage_error(r, "info", "'%s': expected breakpoints or watches",
                     argv[1]);
    return CMD_ERROR;
}

bool
repl_target_parse(struct repl *r, const char *cmd, int argc, char *argv[],
                  const struct repl_bp_names *names, uint64_t *ukey_id,
                  uint64_t *ufid)
{
    *ukey_id = *ufid = 0;
    if (argc != 3) {
        repl_usage_error(r, cmd, "expected 'ukey ID' or 'flow NAME'");
        return false;
    } else if (!strcmp(argv[1], "ukey")) {
        return repl_ukey_id_arg(r, cmd, argv[2], ukey_id);
    } else if (!strcmp(argv[1], "flow")) {
        return names->flow(r, cmd, argv[2], ufid);
    }
    repl_usage_error(r, cmd, "'%s': expected 'ukey' or 'flow'", argv[1]);
    return false;
}

enum cmd_status
repl_watch_parse(struct repl *r, int argc, char *argv[],
                 const struct repl_bp_names *names)
{
    struct watch w = { 0 };
    if (!repl_target_parse(r, "watch", argc, argv, names, &w.ukey_id,
                           &w.ufid)) {
        return CMD_ERROR;
    }
    w.text = uk_xasprintf("%s %s", argv[1], argv[2]);
    w.number = ++r->sess.next_watch_number;
    r->sess.watches = uk_grow(r->sess.watches, &r->sess.allocated_watches,
                         r->sess.n_watches + 1, sizeof *r->sess.watches);
    r->sess.watches[r->sess.n_watches++] = w;
    repl_printf(r, "Watch %d: %s\n", w.number, w.text);
    return CMD_OK;
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
            free(r->sess.watches[i].text);
        } else {
            r->sess.watches[kept++] = r->sess.watches[i];
        }
    }
    r->sess.n_watches = kept;
    free(listed);
    return CMD_OK;
}

enum cmd_status
cmd_watch(struct repl *r, int argc, char *argv[])
{
    return repl_watch_parse(r, argc, argv, &model_names);
}

/* ==== Session ==== */

void
repl_init(struct repl *r)
{
    memset(r, 0, sizeof *r);
    udpif_config_init(&r->cfg);
}

void
repl_destroy(struct repl *r)
{
    udpif_destroy(r->udpif);
    repl_session_free(&r->sess);
    free(r->last_motion);
    for (size_t i = 0; i < r->n_script; i++) {
        free(r->script[i]);
    }
    free(r->script);
    if (r->events_out) {
        fclose(r->events_out);
    }
    trace_close(r);
}
