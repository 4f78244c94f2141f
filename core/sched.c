/* SPDX-License-Identifier: Apache-2.0 */
/* The stepped scheduler and the synchronization primitives of the model:
 * scheduling points, model mutexes, the revalidators' barrier and the RCU
 * grace-period model.
 *
 * A model thread is a coroutine parked at a scheduling point with its next
 * action in 't->next'.  udpif_step() resumes it: the action is performed and
 * the thread runs on to its next scheduling point.  Whether a parked thread
 * can be stepped depends only on its next action (a lock on a held mutex, a
 * barrier not yet complete, an idle thread with nothing queued), so the
 * runnable set is a pure function of the model's state and runs are
 * deterministic.
 *
 * RCU: ovsrcu_postpone() records a callback stamped with the model time;
 * it may run once every thread has quiesced (or gone idle, which quiesces,
 * as poll_block() does in OVS) after the stamp, or waits at a barrier
 * (in poll_block() too: an extended quiescent state).  The urcu thread
 * runs ready callbacks one step each, so a person or the explorer decides
 * when frees happen.  Free-running mode: see "Mode dispatch" at the end. */
#include "udpif-private.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "coro.h"
#include "util.h"

/* ==== Actions ==== */

static const char *const action_names[] = {
#define UK_ACTION_NAME_(NAME, TEXT) TEXT,
    UK_ACTIONS(UK_ACTION_NAME_)
#undef UK_ACTION_NAME_
};

const char *
uk_action_name(int kind)
{
    return kind >= 0 && kind < N_UK_ACTIONS ? action_names[kind] : "?";
}

static int
format_mutex(const struct uk_mutex *m, char *buf, size_t size)
{
    if (m->target == UK_LOCK_UMAP) {
        return snprintf(buf, size, "umap[%d]", m->umap);
    }
    return snprintf(buf, size, "ukey#%llu",
                    (unsigned long long) (m->ukey ? m->ukey->id : 0));
}

int
uk_action_format(const struct uk_action *a, char *buf, size_t size)
{
    char obj[64] = "";
    if (a->mutex) {
        format_mutex(a->mutex, obj, sizeof obj);
    } else if (a->ukey) {
        snprintf(obj, sizeof obj, "ukey#%llu",
                 (unsigned long long) a->ukey->id);
    } else if (a->umap >= 0) {
        snprintf(obj, sizeof obj, "umap[%d]", a->umap);
    }
    return snprintf(buf, size, "%s%s%s (%s %s)", uk_action_name(a->kind),
                    *obj ? " " : "", obj, a->func ? a->func : "-",
                    a->where ? a->where : "-");
}

/* ==== Scheduling points ==== */

bool
uk_thread_holds_rcu_cb(const struct uk_thread *t, const struct uk_rcu_cb *cb)
{
    return (t->kind != UK_THREAD_URCU && t->busy && !t->rcu_offline
            && t->quiesced_at <= cb->stamp);
}

static bool
rcu_cb_ready(const struct udpif *udpif, const struct uk_rcu_cb *cb)
{
    for (size_t i = 0; i < udpif->n_threads; i++) {
        if (uk_thread_holds_rcu_cb(udpif->threads[i], cb)) {
            return false;
        }
    }
    return true;
}

size_t
udpif_rcu_pending(const struct udpif *udpif, size_t *n_ready)
{
    size_t ready = 0;
    for (size_t i = 0; i < udpif->n_rcu_cbs; i++) {
        ready += rcu_cb_ready(udpif, &udpif->rcu_cbs[i]);
    }
    if (n_ready) {
        *n_ready = ready;
    }
    return udpif->n_rcu_cbs;
}

static bool
thread_can_begin(const struct uk_thread *t)
{
    if (t->head >= t->n_reqs) {
        return false;
    }
    const struct uk_req *req = &t->reqs[t->head];
    if (req->kind == UK_REQ_ROUND && t->udpif->paused) {
        return false;           /* udpif_pause_revalidators(). */
    }
    if (t->deleted) {
        return false;           /* A PMD that dp_purge_cb() removed. */
    }
    if (t->udpif->stopped && t->kind != UK_THREAD_MAIN) {
        return false;           /* udpif_stop_threads() during a flush. */
    }
    return !t->udpif->shut_down || req->kind == UK_REQ_SHUTDOWN;
}

bool
uk_thread_runnable(const struct uk_thread *t)
{
    const struct uk_action *a = &t->next;
    switch (a->kind) {
    case UK_ACT_IDLE:
        return thread_can_begin(t);
    case UK_ACT_LOCK:
        return a->mutex->owner == NULL;
    case UK_ACT_BARRIER:
        return t->busy && t->cur.round->generation > a->arg;
    case UK_ACT_PAUSE:
        return t->udpif->n_in_round == 0;
    case UK_ACT_JOIN:
        /* 'arg': one thread (its id + 1) or, 0, every one but main and
         * urcu. */
        for (size_t i = 0; i < t->udpif->n_threads; i++) {
            const struct uk_thread *o = t->udpif->threads[i];
            if ((a->arg ? o->id + 1 == a->arg
                        : o->kind != UK_THREAD_MAIN
                          && o->kind != UK_THREAD_URCU)
                && o->busy) {
                return false;
            }
        }
        return true;
    case UK_ACT_RCU_FREE: {
        size_t n_ready;
        udpif_rcu_pending(t->udpif, &n_ready);
        return n_ready > 0;
    }
    case UK_ACT_TRYLOCK:
    case UK_ACT_UNLOCK: case UK_ACT_LOOKUP: case UK_ACT_INSERT:
    case UK_ACT_REPLACE: case UK_ACT_REMOVE: case UK_ACT_READ_STATE:
    case UK_ACT_TRANSITION: case UK_ACT_DP_PUT: case UK_ACT_DP_DEL:
    case UK_ACT_DP_DUMP: case UK_ACT_DP_FLUSH: case UK_ACT_POSTPONE:
    case UK_ACT_QUIESCE: case UK_ACT_FREE: case N_UK_ACTIONS:
        break;
    }
    return true;
}

size_t
udpif_runnable(const struct udpif *udpif, struct uk_thread **out, size_t max)
{
    size_t n = 0;
    for (size_t i = 0; i < udpif->n_threads; i++) {
        struct uk_thread *t = udpif->threads[i];
        if (uk_thread_runnable(t)) {
            if (n < max) {
                out[n] = t;
            }
            n++;
        }
    }
    return n;
}

static void
sched_point_stepped(struct uk_thread *t, const struct uk_action *action)
{
    t->next = *action;
    coro_yield();
}

void
uk_point_at__(struct uk_thread *t, enum uk_action_kind kind,
              const char *func, struct ukey *ukey, int umap,
              const char *where)
{
    struct uk_action a = {
        .kind = kind, .func = func, .where = where, .ukey = ukey,
        .umap = umap, .ufid = ukey ? ukey->ufid : 0,
    };
    uk_sched_point(t, &a);
}

/* A scheduling point at which 't' blocks in poll_block(), which brackets
 * its wait with ovsrcu_quiesce_start() and ovsrcu_quiesce_end() (see
 * time_poll()): until it is stepped, 't' holds up no callback, its own
 * included (quiesce_start flushes them), and it wakes as if it had just
 * quiesced.  It reads nothing under RCU meanwhile: it is parked. */
static void
sched_point_quiescent(struct uk_thread *t, const struct uk_action *action)
{
    t->rcu_offline = true;
    sched_point_stepped(t, action);
    t->rcu_offline = false;
    t->quiesced_at = t->udpif->time;
}

void
uk_point_quiescent_at__(struct uk_thread *t, enum uk_action_kind kind,
                        const char *func, const char *where)
{
    struct uk_action a = {
        .kind = kind, .func = func, .where = where, .umap = -1,
    };
    sched_point_quiescent(t, &a);
}

int
udpif_step(struct udpif *udpif, struct uk_thread *t)
{
    if (!uk_thread_runnable(t)) {
        return EAGAIN;
    }
    udpif->current = t;
    udpif->time++;
    t->n_steps++;
    coro_resume(t->coro);
    udpif->current = NULL;
    return 0;
}

uint64_t
udpif_finish_op(struct udpif *udpif, struct uk_thread *t, uint64_t max_steps)
{
    uint64_t n = 0;
    bool started = t->busy;
    while (n < max_steps && uk_thread_runnable(t)) {
        if (t->next.kind == UK_ACT_IDLE && started) {
            break;              /* Done: would begin the next operation. */
        }
        udpif_step(udpif, t);
        n++;
        started = true;
        if (!t->busy && t->next.kind == UK_ACT_IDLE) {
            break;
        }
    }
    return n;
}

/* ==== Events ==== */

void
udpif_emit__(struct udpif *udpif, struct uk_thread *t, struct ukey_event *e)
{
    if (!t) {
        t = udpif->current ? udpif->current : udpif->threads[0];
    }
    e->thread_id = t->id;
    if (!event_emit(udpif->bus, e)) {
        freerun_quiet_event(udpif);     /* Threaded, and nobody wanted it. */
    }
}

void
uk_coverage(struct uk_thread *t, enum uk_coverage counter, struct ukey *ukey)
{
    struct udpif *udpif = t->udpif;
    uk_counter_add(udpif, &udpif->stats.coverage[counter], 1);
    struct ukey_event e = {
        .type = UK_EV_COVERAGE, .kind = (int32_t) counter, .umap = -1,
        .ukey_id = ukey ? ukey->id : 0, .ufid = ukey ? ukey->ufid : 0,
        .pmd_id = ukey ? ukey->pmd_id : 0,
    };
    udpif_emit(udpif, t, &e);
}

void
uk_op_begin(struct uk_thread *t, enum uk_op op, uint64_t value)
{
    t->cur_op = op;
    struct ukey_event e = { .type = UK_EV_OP_BEGIN, .kind = (int32_t) op,
                            .value = value, .umap = -1 };
    udpif_emit(t->udpif, t, &e);
}

void
uk_op_end(struct uk_thread *t, enum uk_op op, uint64_t value)
{
    struct ukey_event e = { .type = UK_EV_OP_END, .kind = (int32_t) op,
                            .value = value, .umap = -1 };
    udpif_emit(t->udpif, t, &e);
}

static void
wait_req_stepped(struct uk_thread *t)
{
    t->busy = false;
    struct uk_action a = { .kind = UK_ACT_IDLE, .func = "poll_block",
                           .umap = -1, .where = UK_SOURCE_LOCATOR };
    uk_sched_point(t, &a);
    uk_assert(t->head < t->n_reqs);
    t->cur = t->reqs[t->head++];
    if (t->head == t->n_reqs) {
        t->head = t->n_reqs = 0;
    }
    /* poll_block() quiesced all along: 't' wakes as if it had just
     * quiesced (as at a barrier, sched_point_quiescent()), so that a
     * callback that became ready while it waited stays ready. */
    t->quiesced_at = t->udpif->time;
    t->busy = true;
}

/* ==== Mutexes ==== */

void
uk_mutex_init(struct uk_mutex *m, enum uk_lock_target target, int umap,
              struct ukey *ukey)
{
    memset(m, 0, sizeof *m);
    m->target = target;
    m->umap = umap;
    m->ukey = ukey;
}

static void
emit_lock_event(struct uk_thread *t, enum uk_event_type type,
                struct uk_mutex *m, int result, const char *where)
{
    if (!udpif_wants(t->udpif, type)) {
        return;                 /* Six per install: see udpif_wants(). */
    }
    struct ukey_event e = {
        .type = (uint16_t) type, .kind = (int32_t) m->target,
        .result = result, .where = where,
        .umap = m->target == UK_LOCK_UMAP ? m->umap : -1,
        .ukey_id = m->ukey ? m->ukey->id : 0,
        .ufid = m->ukey ? m->ukey->ufid : 0,
    };
    udpif_emit__(t->udpif, t, &e);
}

static void
mutex_take(struct uk_thread *t, struct uk_mutex *m, const char *where)
{
    uk_assert(!m->owner);
    m->owner = t;
    m->where = where;
    uk_assert(t->n_held < (int) UK_ARRAY_SIZE(t->held));
    t->held[t->n_held++] = m;
}

static struct uk_action
mutex_action(enum uk_action_kind kind, struct uk_mutex *m, const char *func,
             const char *where)
{
    return (struct uk_action) {
        .kind = kind, .mutex = m, .func = func, .where = where,
        .umap = m->target == UK_LOCK_UMAP ? m->umap : -1,
        .ukey = m->ukey, .ufid = m->ukey ? m->ukey->ufid : 0,
    };
}

static void
mutex_lock_stepped(struct uk_thread *t, struct uk_mutex *m, const char *func,
                   const char *where)
{
    struct uk_action a = mutex_action(UK_ACT_LOCK, m, func, where);
    uk_sched_point(t, &a);
    mutex_take(t, m, where);
    emit_lock_event(t, UK_EV_LOCK, m, 0, where);
}

static bool
mutex_trylock_stepped(struct uk_thread *t, struct uk_mutex *m,
                      const char *func, const char *where)
{
    struct uk_action a = mutex_action(UK_ACT_TRYLOCK, m, func, where);
    uk_sched_point(t, &a);
    if (m->owner) {
        emit_lock_event(t, UK_EV_TRYLOCK, m, EBUSY, where);
        return false;
    }
    mutex_take(t, m, where);
    emit_lock_event(t, UK_EV_TRYLOCK, m, 0, where);
    return true;
}

static void
mutex_unlock_stepped(struct uk_thread *t, struct uk_mutex *m,
                     const char *func, const char *where)
{
    struct uk_action a = mutex_action(UK_ACT_UNLOCK, m, func, where);
    uk_sched_point(t, &a);
    uk_assert(m->owner == t);
    m->owner = NULL;
    m->where = NULL;
    for (int i = 0; i < t->n_held; i++) {
        if (t->held[i] == m) {
            t->held[i] = t->held[--t->n_held];
            break;
        }
    }
    emit_lock_event(t, UK_EV_UNLOCK, m, 0, where);
}

/* ==== Barrier ==== */

uint64_t
uk_barrier_arrive(struct uk_thread *t, struct uk_round *round)
{
    uint64_t gen = round->generation;
    struct ukey_event arrive = { .type = UK_EV_BARRIER, .umap = -1,
                                 .kind = UK_BARRIER_ARRIVE, .value = gen };
    udpif_emit(t->udpif, t, &arrive);
    if (++round->n_waiting == round->n_participants) {
        round->n_waiting = 0;
        round->generation++;
    }
    return gen;
}

void
uk_barrier_leave(struct uk_thread *t, uint64_t gen)
{
    struct ukey_event leave = { .type = UK_EV_BARRIER, .umap = -1,
                                .kind = UK_BARRIER_LEAVE, .value = gen };
    udpif_emit(t->udpif, t, &leave);
}

/* ovs_barrier_block(): a participant that is not the last to arrive waits
 * in poll_block(), quiescent; the last one opens the barrier without
 * blocking, or quiescing. */
static void
barrier_wait_stepped(struct uk_thread *t, struct uk_round *round)
{
    uint64_t gen = uk_barrier_arrive(t, round);
    struct uk_action a = { .kind = UK_ACT_BARRIER, .func = "ovs_barrier_block",
                           .where = UK_SOURCE_LOCATOR, .umap = -1,
                           .arg = gen };
    if (round->generation > gen) {
        sched_point_stepped(t, &a);
    } else {
        sched_point_quiescent(t, &a);
    }
    uk_barrier_leave(t, gen);
}

/* ==== RCU ==== */

static void
rcu_postpone_stepped(struct uk_thread *t, struct ukey *ukey,
                     const char *func, const char *where)
{
    struct udpif *udpif = t->udpif;
    uk_point_at(t, UK_ACT_POSTPONE, func, ukey, ukey->umap, where);
    udpif->rcu_cbs = uk_grow(udpif->rcu_cbs, &udpif->allocated_rcu_cbs,
                             udpif->n_rcu_cbs + 1, sizeof *udpif->rcu_cbs);
    udpif->rcu_cbs[udpif->n_rcu_cbs++] = (struct uk_rcu_cb) {
        .ukey = ukey, .stamp = udpif->time, .thread_id = t->id,
    };
    ukey->n_postponed++;
    struct ukey_event e = { .type = UK_EV_RCU_POSTPONE, .ukey_id = ukey->id,
                            .ufid = ukey->ufid, .pmd_id = ukey->pmd_id,
                            .umap = ukey->umap, .where = where };
    udpif_emit(udpif, t, &e);
}

static void
rcu_quiesce_stepped(struct uk_thread *t, const char *func, const char *where)
{
    uk_point_at(t, UK_ACT_QUIESCE, func, NULL, -1, where);
    t->quiesced_at = t->udpif->time;
    struct ukey_event e = { .type = UK_EV_RCU_QUIESCE, .umap = -1,
                            .where = where };
    udpif_emit(t->udpif, t, &e);
}

/* ukey_delete__() run as an RCU callback (T14).  The model frees nothing
 * here: a ukey's memory lives until udpif_destroy(), so a double free in
 * the modelled code is recorded (a second rcu_free event) and never done. */
static void
rcu_run_cb(struct uk_thread *t, size_t i)
{
    struct udpif *udpif = t->udpif;
    struct ukey *ukey = udpif->rcu_cbs[i].ukey;
    memmove(&udpif->rcu_cbs[i], &udpif->rcu_cbs[i + 1],
            (udpif->n_rcu_cbs - i - 1) * sizeof udpif->rcu_cbs[0]);
    udpif->n_rcu_cbs--;
    ukey->n_freed++;
    udpif->stats.freed++;
    struct ukey_event e = { .type = UK_EV_RCU_FREE, .ukey_id = ukey->id,
                            .ufid = ukey->ufid, .pmd_id = ukey->pmd_id,
                            .umap = ukey->umap, .where = "ukey_delete__" };
    udpif_emit(udpif, t, &e);
}

void
urcu_thread_run(struct uk_thread *t)
{
    for (;;) {
        struct uk_action a = { .kind = UK_ACT_RCU_FREE,
                               .func = "ovsrcu_call_postponed",
                               .where = UK_SOURCE_LOCATOR, .umap = -1 };
        uk_sched_point(t, &a);
        struct udpif *udpif = t->udpif;
        for (size_t i = 0; i < udpif->n_rcu_cbs; i++) {
            if (rcu_cb_ready(udpif, &udpif->rcu_cbs[i])) {
                rcu_run_cb(t, i);
                break;
            }
        }
    }
}

static void
rcu_barrier_stepped(struct udpif *udpif)
{
    struct uk_thread *urcu = udpif->threads[1];
    while (udpif->n_rcu_cbs) {
        rcu_run_cb(urcu, 0);
    }
}

/* ==== Mode dispatch ====
 *
 * The public entry points pick the stepped primitive above or the real one
 * of free-running mode (core/freerun.h): no scheduling point, real locks
 * and waits, the same events, each emitted while the lock that orders it is
 * held.  Kept here, after the stepped code, so that the stepped code and
 * every "file:line" it records are untouched by free-running mode. */

void
uk_sched_point__(struct uk_thread *t, const struct uk_action *action)
{
    sched_point_stepped(t, action);
}

void
uk_thread_wait_req(struct uk_thread *t)
{
    if (t->udpif->free_running) {
        freerun_wait_req(t);
    } else {
        wait_req_stepped(t);
    }
}

/* mutex_take() without 't->held' (kept for "show threads" in stepped
 * mode, with room for 8): a handler of a 'lock_over_put' variant holds one
 * lock per upcall of its batch. */
static void
mutex_take_fr(struct uk_thread *t, struct uk_mutex *m, const char *where)
{
    uk_assert(!m->owner);
    m->owner = t;
    m->where = where;
}

void
uk_mutex_lock_at(struct uk_thread *t, struct uk_mutex *m, const char *func,
                 const char *where)
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    if (!t->udpif->free_running) {
        mutex_lock_stepped(t, m, func, where);
        return;
    }
    freerun_mutex_lock(m);
    mutex_take_fr(t, m, where);
    emit_lock_event(t, UK_EV_LOCK, m, 0, where);
}

bool
uk_mutex_trylock_at(struct uk_thread *t, struct uk_mutex *m,
                    const char *func, const char *where)
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    if (!t->udpif->free_running) {
        return mutex_trylock_stepped(t, m, func, where);
    }
    if (!freerun_mutex_trylock(m)) {
        emit_lock_event(t, UK_EV_TRYLOCK, m, EBUSY, where);
        return false;
    }
    mutex_take_fr(t, m, where);
    emit_lock_event(t, UK_EV_TRYLOCK, m, 0, where);
    return true;
}

void
uk_mutex_unlock_at(struct uk_thread *t, struct uk_mutex *m, const char *func,
                   const char *where)
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    if (!t->udpif->free_running) {
        mutex_unlock_stepped(t, m, func, where);
        return;
    }
    uk_assert(m->owner == t);
    m->owner = NULL;
    m->where = NULL;
    emit_lock_event(t, UK_EV_UNLOCK, m, 0, where);
    freerun_mutex_unlock(m);    /* After its event: 'seq' order. */
}

void
uk_barrier_wait(struct uk_thread *t, struct uk_round *round)
{
    if (t->udpif->free_running) {
        freerun_barrier_wait(t, round);
    } else {
        barrier_wait_stepped(t, round);
    }
}

void
uk_round_enter(struct uk_thread *t)
{
    if (t->udpif->free_running) {
        freerun_round_enter(t);
    } else {
        t->udpif->n_in_round++;
    }
}

bool
uk_round_leave(struct uk_thread *t, struct uk_round *round)
{
    if (t->udpif->free_running) {
        freerun_round_leave(t, round);      /* Frees the round if last. */
        return false;
    }
    t->udpif->n_in_round--;
    return --round->refs == 0;
}

void
uk_set_paused(struct uk_thread *t, bool paused)
{
    if (!t->udpif->free_running) {
        t->udpif->paused = paused;
    } else if (paused) {
        freerun_pause(t);
    } else {
        freerun_resume(t);
    }
}

void
uk_rcu_postpone(struct uk_thread *t, struct ukey *ukey, const char *func,
                const char *where)
{
    if (!t->udpif->free_running) {
        rcu_postpone_stepped(t, ukey, func, where);
        return;
    }
    ukey->n_postponed++;        /* Under 'ukey->mutex'. */
    struct ukey_event e = { .type = UK_EV_RCU_POSTPONE, .ukey_id = ukey->id,
                            .ufid = ukey->ufid, .pmd_id = ukey->pmd_id,
                            .umap = ukey->umap, .where = where };
    udpif_emit(t->udpif, t, &e);
    freerun_postpone(t, ukey);  /* After its event: 'seq' order. */
}

void
uk_rcu_quiesce(struct uk_thread *t, const char *func, const char *where)
{
    if (!t->udpif->free_running) {
        rcu_quiesce_stepped(t, func, where);
        return;
    }
    freerun_quiesce(t);
    struct ukey_event e = { .type = UK_EV_RCU_QUIESCE, .umap = -1,
                            .where = where };
    udpif_emit(t->udpif, t, &e);
}

void
uk_rcu_barrier(struct udpif *udpif)
{
    if (udpif->free_running) {
        freerun_rcu_barrier(udpif);
    } else {
        rcu_barrier_stepped(udpif);
    }
}
