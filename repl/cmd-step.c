/* SPDX-License-Identifier: Apache-2.0 */
/* Stepping: the session's observer of the model (the event log,
 * breakpoints, watches) and the motion commands (choices, step, next, run,
 * continue, back, goto, last).  The journal that they keep and that "back",
 * "goto" and "last" replay is repl/journal.c's; breakpoints and watches
 * are set in repl/cmd-break.c. */
#include "repl.h"

#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tracepoints/provider/tp-observer.h"

/* ==== Observers: the event log, breakpoints, watches ==== */

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
    repl_bp_observe(r, e);
    if (!r->stepping && !r->quiet) {
        /* A step's watch lines follow its step line (print_step()).
         * Quiet: a rescript or "goto" replays what was printed. */
        repl_print_watch_lines(r, e, "");
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
    printf("%-5s %-*s %s", step, uk_pad(t->name, 13), t->name, what);
    if (a->kind == UK_ACT_READ_STATE && a->ukey) {
        printf(" -> %s", ukey_state_name(a->ukey->state));
    }
    putchar('\n');
    for (size_t i = r->first_new_event; i < r->sess.n_events; i++) {
        const struct ukey_event *e = &r->sess.events[i].e;
        if (!event_is_echo(e)) {
            print_event_line(r, &r->sess.events[i]);
        }
        repl_print_watch_lines(r, e, "");
    }
    r->first_new_event = r->sess.n_events;
}

/* Takes one step of 't', journals it, prints its events; a step that
 * follows the recorded future re-applies the commands recorded after it.
 * Returns 0 or EAGAIN. */
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
    bool followed = repl_journal_step(r, t->id);
    if (!r->replaying && !r->quiet) {
        print_step(r, t, &action);
    }
    r->first_new_event = r->sess.n_events;
    if (followed) {
        /* Step N of the recorded future is the state after the commands
         * issued at step N too, as "back" and "goto" rebuild it: apply
         * them now, not before the next step, which an explicit "step
         * THREAD" or "next" (or none, at "goto N") would not do. */
        repl_redo_commands(r);
    }
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

/* After each step of a motion, once the step is complete (with the
 * commands of the recorded future it re-applies): whether a breakpoint,
 * its condition judged now, or Ctrl-C stops the motion. */
static bool
motion_should_stop(struct repl *r)
{
    repl_bp_judge(r);
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
        printf("  %d. %-*s %s\n", ++n, uk_pad(t->name, 14), t->name, buf);
    }
    if (!n) {
        printf("  nothing is runnable\n");
    }
    for (size_t i = 0; i < r->udpif->n_threads; i++) {
        struct uk_thread *t = r->udpif->threads[i];
        if (!uk_thread_runnable(t) && t->busy) {
            char buf[256];
            uk_action_format(&t->next, buf, sizeof buf);
            printf("     %-*s blocked: %s\n", uk_pad(t->name, 14), t->name,
                   buf);
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

/* The error of 'cmd' for thread 't', which cannot step: whether it is
 * idle or blocked, and on what ("step" and "next" alike). */
static void
not_runnable_error(struct repl *r, const char *cmd, const struct uk_thread *t)
{
    char buf[256];
    uk_action_format(&t->next, buf, sizeof buf);
    repl_error(r, "%s: '%s' is not runnable (%s: %s)", cmd, t->name,
               t->next.kind == UK_ACT_IDLE ? "idle" : "blocked", buf);
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
                not_runnable_error(r, cmd, s);
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
    return repl_motion_status(r);
}

/* "step [THREAD] [N]": N steps of THREAD, or of the recorded future /
 * the first runnable thread (gdb's "step N"). */
enum cmd_status
cmd_step(struct repl *r, int argc, char *argv[])
{
    struct uk_thread *t = NULL;
    uint64_t count = 1;
    int i = 1;
    /* "-1" is a count out of range, not a thread ("no such thread"). */
    if (argc > 1 && !repl_is_number(argv[1])) {
        t = repl_thread_arg(r, "step", argv[1]);
        if (!t) {
            return CMD_ERROR;
        }
        i = 2;
    }
    /* A count of steps takes what "run" and "step" on a trace take. */
    if (i < argc && !repl_number_arg(r, "step", argv[i], 1, UINT64_MAX / 2,
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
        || (argc > 2 && !repl_number_arg(r, "choose", argv[2], 1,
                                         UINT64_MAX / 2, &count))) {
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
        not_runnable_error(r, "next", t);
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
        /* The last step too: a breakpoint it hits stops this motion, not
         * the next one. */
        if (motion_should_stop(r) || !t->busy) {
            break;
        }
    }
    print_next(r, t);
    return repl_motion_status(r);
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
            return repl_motion_status(r);
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
    if (repl_rewind_to(r, now - n)) {
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
        if (repl_rewind_to(r, target)) {
            return CMD_ERROR;
        }
    } else {
        uint64_t future = 0;
        for (size_t i = 0; i < r->sess.n_redo; i++) {
            future += !r->sess.redo[i].line;
        }
        if (target - now > future) {
            char range[UK_NUMBER_TEXT_SIZE], problem[UK_NUMBER_TEXT_SIZE];
            snprintf(range, sizeof range, "steps 0 to %" PRIu64
                     " are known", now + future);
            repl_usage_error(r, "goto", "'%s': %s", argv[1],
                             uk_number_problem(problem, sizeof problem,
                                               UK_NUMBER_OK, range));
            return CMD_ERROR;
        }
        bool saved = r->quiet;
        r->quiet = r->passing_bps = true;
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
        r->passing_bps = false;
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
            if (repl_rewind_to(r, le->step - 1)) {
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

