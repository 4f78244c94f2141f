/* SPDX-License-Identifier: Apache-2.0 */
/* Free-running mode (see freerun.h): the pthreads, inboxes, barrier, pause
 * gate, RCU callbacks and datapath table behind the free-running branches
 * of the model's primitives.  Nothing here changes what a thread program
 * does; it only makes each primitive a real one.
 *
 * Locking order (outermost first): umap mutex, ukey mutex, pause gate or
 * barrier, datapath stripe, inbox, event bus.  The event bus is innermost:
 * observers take no other lock. */
#include "freerun.h"

#include <errno.h>
#include <setjmp.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/urcu-qsbr.h>

#include "udpif-private.h"
#include "util.h"

_Static_assert(sizeof(_Atomic uint64_t) == sizeof(uint64_t)
               && _Alignof(_Atomic uint64_t) == _Alignof(uint64_t),
               "counters are accessed through _Atomic casts");
_Static_assert(sizeof(struct udpif_stats) % sizeof(uint64_t) == 0,
               "udpif_stats is made of uint64_t only");

#define FR_N_STRIPES 256        /* Datapath stripe locks. */

/* One model thread's pthread and inbox. */
struct freerun_thread {
    struct uk_thread *t;        /* (weak) */
    pthread_t pthread;
    bool started;               /* pthread_create() succeeded. */
    bool joined;
    jmp_buf exit;               /* freerun_wait_req() leaves through it. */

    pthread_mutex_t mutex;      /* Guards the following. */
    pthread_cond_t cond;        /* Signalled when 'idle' and work comes. */
    struct uk_req *inbox;       /* Queued operations, FIFO. */
    size_t n_inbox, allocated;
    uint64_t gen;               /* Inbox hand-overs to the thread. */
    bool idle;                  /* Waiting on 'cond'. */

    char pad_[64];              /* 'local' off the inbox's cache lines. */
    struct fr_local local;
};

/* The model thread that this pthread runs, if any: its model and
 * counters (udpif-private.h). */
__thread struct freerun_tls freerun_tls;

/* Where a flow's queued miss upcall is, to add packets to it (the kernel's
 * queue absorbs them, as udpif_traffic() does in stepped mode).  Guarded by
 * the inbox mutex of the flow's handler. */
struct fr_pending {
    uint64_t gen;               /* Inbox generation it was queued in. */
    size_t slot;                /* Index in that inbox. */
};

struct freerun {
    struct udpif *udpif;        /* (weak) */
    bool started, stopped;      /* By the creating thread only. */
    atomic_bool stopping;       /* Threads exit once their inbox is empty. */
    pthread_mutexattr_t errorcheck;

    /* Pause gate: udpif_pause_revalidators() against rounds. */
    pthread_mutex_t gate;
    pthread_cond_t gate_cond;
    unsigned int n_in_round;    /* Revalidators inside a round. */
    bool pause_requested;       /* No new round may start. */
    bool paused;

    /* The revalidators' barrier (every round uses these). */
    pthread_mutex_t barrier;
    pthread_cond_t barrier_cond;

    /* Datapath table: slot flow->index * n_pmd_slots + pmd_id. */
    struct dp_flow *dp;         /* (owned) Allocated by udpif_start(). */
    size_t n_dp;
    uint32_t n_pmd_slots;
    pthread_mutex_t stripes[FR_N_STRIPES];
    _Atomic uint64_t n_dp_present;

    /* Upcall routing, fixed at udpif_start(). */
    struct uk_thread **upcall_threads;  /* (owned array) */
    size_t n_upcall_threads;
    struct fr_pending *pending;         /* (owned) Per flow. */

    /* Accounting. */
    _Atomic uint64_t live, real_frees, rounds, next_round, backlog;
    _Atomic uint64_t by_state[N_UKEY_STATES];
    _Atomic uint64_t quiet_events;      /* From other threads than the
                                         * model's (fr_local otherwise). */
};

/* An RCU callback: one per ovsrcu_postpone() of a ukey (or per ukey freed
 * by udpif_destroy(), which emits no rcu_free). */
struct fr_rcu {
    struct rcu_head head;
    struct udpif *udpif;
    struct ukey *ukey;
    bool emit;                  /* A postpone: emit 'rcu_free'. */
};

/* TSan: the "grace period" edge (see uk_tsan_acquire()). */
static char fr_rcu_edge;

static void
fr_lock(pthread_mutex_t *m)
{
    int error = pthread_mutex_lock(m);
    uk_assert(!error);
}

static void
fr_unlock(pthread_mutex_t *m)
{
    int error = pthread_mutex_unlock(m);
    uk_assert(!error);
}

/* Goes offline for RCU around a blocking wait (OVS: poll_block()). */
static void
fr_offline(void)
{
    uk_tsan_release(&fr_rcu_edge);
    urcu_qsbr_thread_offline();
}

static void
fr_online(void)
{
    urcu_qsbr_thread_online();
}

/* ==== Creation ==== */

struct freerun *
freerun_create(struct udpif *udpif)
{
    struct freerun *fr = uk_xzalloc(sizeof *fr);
    fr->udpif = udpif;
    atomic_init(&fr->stopping, false);
    pthread_mutexattr_init(&fr->errorcheck);
    pthread_mutexattr_settype(&fr->errorcheck, PTHREAD_MUTEX_ERRORCHECK);
    pthread_mutex_init(&fr->gate, NULL);
    pthread_cond_init(&fr->gate_cond, NULL);
    pthread_mutex_init(&fr->barrier, NULL);
    pthread_cond_init(&fr->barrier_cond, NULL);
    for (size_t i = 0; i < FR_N_STRIPES; i++) {
        pthread_mutex_init(&fr->stripes[i], NULL);
    }
    for (unsigned int i = 0; i < udpif->cfg.n_umaps; i++) {
        pthread_mutex_init(&udpif->umaps[i].mutex.real, &fr->errorcheck);
    }
    return fr;
}

void
freerun_thread_init(struct uk_thread *t)
{
    struct freerun_thread *ft = uk_xzalloc(sizeof *ft);
    ft->t = t;
    pthread_mutex_init(&ft->mutex, NULL);
    pthread_cond_init(&ft->cond, NULL);
    t->fr = ft;
}

void
freerun_destroy(struct udpif *udpif)
{
    struct freerun *fr = udpif->fr;
    if (!fr) {
        return;
    }
    udpif_stop(udpif);
    for (size_t i = 0; i < udpif->n_threads; i++) {
        struct freerun_thread *ft = udpif->threads[i]->fr;
        if (ft) {
            pthread_mutex_destroy(&ft->mutex);
            pthread_cond_destroy(&ft->cond);
            free(ft->inbox);
            free(ft);
            udpif->threads[i]->fr = NULL;
        }
    }
    for (unsigned int i = 0; i < udpif->cfg.n_umaps; i++) {
        pthread_mutex_destroy(&udpif->umaps[i].mutex.real);
    }
    for (size_t i = 0; i < FR_N_STRIPES; i++) {
        pthread_mutex_destroy(&fr->stripes[i]);
    }
    pthread_mutex_destroy(&fr->gate);
    pthread_cond_destroy(&fr->gate_cond);
    pthread_mutex_destroy(&fr->barrier);
    pthread_cond_destroy(&fr->barrier_cond);
    pthread_mutexattr_destroy(&fr->errorcheck);
    free(fr->dp);
    free(fr->upcall_threads);
    free(fr->pending);
    free(fr);
    udpif->fr = NULL;
}

/* ==== Threads ==== */

static void *
fr_thread_main(void *t_)
{
    struct uk_thread *t = t_;
    urcu_qsbr_register_thread();
    freerun_tls.udpif = t->udpif;
    freerun_tls.local = &t->fr->local;
    if (!setjmp(t->fr->exit)) {
        uk_thread_body(t);      /* Returns only through 'exit'. */
    }
    freerun_tls.udpif = NULL;
    uk_tsan_release(&fr_rcu_edge);
    urcu_qsbr_unregister_thread();
    return NULL;
}

/* The datapath table and the upcall routing for the flows and threads
 * declared now. */
static void
fr_build_tables(struct udpif *udpif)
{
    struct freerun *fr = udpif->fr;
    enum uk_thread_kind kind = udpif->cfg.datapath == UK_DP_KERNEL
                               ? UK_THREAD_HANDLER : UK_THREAD_PMD;
    uint32_t max_pmd = 0;
    fr->upcall_threads = uk_xcalloc(udpif->n_threads + 1,
                                    sizeof *fr->upcall_threads);
    for (size_t i = 0; i < udpif->n_threads; i++) {
        struct uk_thread *t = udpif->threads[i];
        if (t->kind == kind) {
            fr->upcall_threads[fr->n_upcall_threads++] = t;
        }
        if (t->pmd_id > max_pmd) {
            max_pmd = t->pmd_id;
        }
    }
    fr->n_pmd_slots = max_pmd + 1;
    fr->n_dp = udpif->n_flows * fr->n_pmd_slots;
    fr->dp = uk_xcalloc(fr->n_dp ? fr->n_dp : 1, sizeof *fr->dp);
    for (size_t i = 0; i < udpif->n_flows; i++) {
        for (uint32_t p = 0; p < fr->n_pmd_slots; p++) {
            struct dp_flow *f = &fr->dp[i * fr->n_pmd_slots + p];
            f->flow = udpif->flows[i];
            f->pmd_id = p;
        }
    }
    fr->pending = uk_xcalloc(udpif->n_flows ? udpif->n_flows : 1,
                             sizeof *fr->pending);
    for (size_t i = 0; i < udpif->n_flows; i++) {
        fr->pending[i].gen = UINT64_MAX;
    }
}

static void
fr_wake_all(struct udpif *udpif)
{
    atomic_store_explicit(&udpif->fr->stopping, true, memory_order_release);
    for (size_t i = 0; i < udpif->n_threads; i++) {
        struct freerun_thread *ft = udpif->threads[i]->fr;
        fr_lock(&ft->mutex);
        pthread_cond_signal(&ft->cond);
        fr_unlock(&ft->mutex);
    }
}

static void
fr_join(struct udpif *udpif, bool main_too)
{
    for (size_t i = 0; i < udpif->n_threads; i++) {
        struct uk_thread *t = udpif->threads[i];
        if (t->fr->started && !t->fr->joined
            && (main_too || t->kind != UK_THREAD_MAIN)) {
            int error = pthread_join(t->fr->pthread, NULL);
            uk_assert(!error);
            t->fr->joined = true;
        }
    }
}

int
udpif_start(struct udpif *udpif)
{
    struct freerun *fr = udpif->fr;
    if (!fr || fr->started) {
        return EINVAL;
    }
    if (udpif->checker) {
        /* The checker folds on a thread of its own: the model's threads
         * do not wait for it, nor for each other. */
        int error = event_bus_start_async(udpif->bus);
        if (error) {
            return error;
        }
    }
    fr_build_tables(udpif);
    fr->started = true;
    fr_offline();               /* The caller reads nothing under RCU. */
    for (size_t i = 0; i < udpif->n_threads; i++) {
        struct uk_thread *t = udpif->threads[i];
        if (t->kind == UK_THREAD_URCU) {
            continue;           /* liburcu's call_rcu thread plays it. */
        }
        int error = pthread_create(&t->fr->pthread, NULL, fr_thread_main, t);
        if (error) {
            fr_wake_all(udpif);
            fr_join(udpif, true);
            fr->stopped = true;
            fr_online();
            return error;
        }
        t->fr->started = true;
    }
    return 0;
}

void
udpif_stop(struct udpif *udpif)
{
    struct freerun *fr = udpif->fr;
    if (!fr || !fr->started || fr->stopped) {
        return;
    }
    udpif_shutdown(udpif);      /* Before 'stopping': main must run it. */
    fr_wake_all(udpif);
    fr_join(udpif, true);
    fr->stopped = true;
    fr_online();
    event_bus_drain(udpif->bus);    /* The checker has seen it all. */
}

/* ==== Inboxes ==== */

void
freerun_queue_req(struct uk_thread *t, const struct uk_req *req)
{
    struct freerun_thread *ft = t->fr;
    fr_lock(&ft->mutex);
    ft->inbox = uk_grow(ft->inbox, &ft->allocated, ft->n_inbox + 1,
                        sizeof *ft->inbox);
    ft->inbox[ft->n_inbox++] = *req;
    if (req->kind == UK_REQ_UPCALL) {
        atomic_fetch_add_explicit(&t->udpif->fr->backlog, 1,
                                  memory_order_relaxed);
    }
    if (ft->idle) {
        pthread_cond_signal(&ft->cond);
    }
    fr_unlock(&ft->mutex);
}

/* uk_thread_wait_req() on a real thread: quiesces (poll_block()), then
 * takes the next operation, from the private queue that the last hand-over
 * filled ('t->reqs', which recv_upcalls() drains directly) or, when that is
 * empty, by swapping in the whole inbox, offline while it waits.  Once
 * stopping and out of work, the thread leaves through 'ft->exit'. */
void
freerun_wait_req(struct uk_thread *t)
{
    struct freerun_thread *ft = t->fr;
    struct freerun *fr = t->udpif->fr;

    t->busy = false;
    uk_tsan_release(&fr_rcu_edge);
    urcu_qsbr_quiescent_state();
    if (t->head >= t->n_reqs) {
        t->head = t->n_reqs = 0;
        fr_lock(&ft->mutex);
        while (!ft->n_inbox) {
            if (atomic_load_explicit(&fr->stopping, memory_order_acquire)) {
                fr_unlock(&ft->mutex);
                fr_offline();
                longjmp(ft->exit, 1);
            }
            ft->idle = true;
            fr_offline();
            pthread_cond_wait(&ft->cond, &ft->mutex);
            fr_online();
            ft->idle = false;
        }
        struct uk_req *reqs = t->reqs;
        size_t allocated = t->allocated_reqs;
        t->reqs = ft->inbox;
        t->allocated_reqs = ft->allocated;
        t->n_reqs = ft->n_inbox;
        ft->inbox = reqs;
        ft->allocated = allocated;
        ft->n_inbox = 0;
        ft->gen++;
        fr_unlock(&ft->mutex);
        uint64_t n_upcalls = 0;
        for (size_t i = 0; i < t->n_reqs; i++) {
            n_upcalls += t->reqs[i].kind == UK_REQ_UPCALL;
        }
        atomic_fetch_sub_explicit(&fr->backlog, n_upcalls,
                                  memory_order_relaxed);
    }
    t->cur = t->reqs[t->head++];
    if (t->head == t->n_reqs) {
        t->head = t->n_reqs = 0;
    }
    t->busy = true;
}

uint64_t
freerun_backlog(const struct udpif *udpif)
{
    return udpif->fr ? atomic_load_explicit(&udpif->fr->backlog,
                                            memory_order_relaxed) : 0;
}

uint64_t
freerun_rounds(const struct udpif *udpif)
{
    return udpif->fr ? atomic_load_explicit(&udpif->fr->rounds,
                                            memory_order_relaxed) : 0;
}

/* ==== Mutexes ==== */

void
freerun_mutex_lock(struct uk_mutex *m)
{
    fr_lock(&m->real);          /* Error-checking: a relock aborts. */
}

bool
freerun_mutex_trylock(struct uk_mutex *m)
{
    int error = pthread_mutex_trylock(&m->real);
    uk_assert(!error || error == EBUSY);
    return !error;
}

void
freerun_mutex_unlock(struct uk_mutex *m)
{
    fr_unlock(&m->real);
}

/* ==== Rounds, barrier, pause, join ==== */

int
freerun_round(struct udpif *udpif, struct uk_thread *r, unsigned int phases)
{
    struct freerun *fr = udpif->fr;
    struct uk_round *round = uk_xzalloc(sizeof *round);
    round->phases = phases ? phases : UK_PHASE_ALL;
    round->number = atomic_fetch_add_explicit(&fr->next_round, 1,
                                              memory_order_relaxed) + 1;
    for (size_t i = 0; i < udpif->n_threads; i++) {
        struct uk_thread *t = udpif->threads[i];
        round->n_participants += (t->kind == UK_THREAD_REVALIDATOR
                                  && (!r || r == t));
    }
    if (!round->n_participants) {
        free(round);
        return EINVAL;
    }
    round->refs = round->n_participants;
    unsigned int slice = 0;
    for (size_t i = 0; i < udpif->n_threads; i++) {
        struct uk_thread *t = udpif->threads[i];
        if (t->kind == UK_THREAD_REVALIDATOR && (!r || r == t)) {
            struct uk_req req = { .kind = UK_REQ_ROUND, .round = round,
                                  .slice = slice++ };
            freerun_queue_req(t, &req);
        }
    }
    return 0;
}

/* ovs_barrier_block() among the round's participants.  One that has to
 * wait does so offline, as poll_block() waits in an extended quiescent
 * state (so does the stepped model's barrier).  No ukey pointer is held
 * across a barrier: the dump phase quiesces after each batch, the sweep
 * after each umap, and the dump holds flows, which are not under RCU.
 * The last to arrive does not block. */
void
freerun_barrier_wait(struct uk_thread *t, struct uk_round *round)
{
    struct freerun *fr = t->udpif->fr;
    fr_lock(&fr->barrier);
    uint64_t gen = uk_barrier_arrive(t, round);
    if (round->generation > gen) {
        pthread_cond_broadcast(&fr->barrier_cond);     /* The last one. */
    } else {
        fr_offline();
        while (round->generation <= gen) {
            pthread_cond_wait(&fr->barrier_cond, &fr->barrier);
        }
        fr_online();
    }
    fr_unlock(&fr->barrier);
    uk_barrier_leave(t, gen);
}

/* A round may not start while paused, nor once a pause is requested; a
 * round that another participant entered may still be joined (or its
 * barrier would never open). */
void
freerun_round_enter(struct uk_thread *t)
{
    struct freerun *fr = t->udpif->fr;
    struct uk_round *round = t->cur.round;
    fr_lock(&fr->gate);
    while (fr->paused || (fr->pause_requested && !round->n_entered)) {
        fr_offline();
        pthread_cond_wait(&fr->gate_cond, &fr->gate);
        fr_online();
    }
    round->n_entered++;
    fr->n_in_round++;
    fr_unlock(&fr->gate);
}

void
freerun_round_leave(struct uk_thread *t, struct uk_round *round)
{
    struct freerun *fr = t->udpif->fr;
    fr_lock(&fr->gate);
    if (!--fr->n_in_round) {
        pthread_cond_broadcast(&fr->gate_cond);
    }
    fr_unlock(&fr->gate);
    if (atomic_fetch_sub_explicit((_Atomic unsigned int *) &round->refs, 1,
                                  memory_order_acq_rel) == 1) {
        free(round->entries);
        free(round);
        atomic_fetch_add_explicit(&fr->rounds, 1, memory_order_relaxed);
    }
}

void
freerun_pause(struct uk_thread *t)
{
    struct freerun *fr = t->udpif->fr;
    fr_lock(&fr->gate);
    fr->pause_requested = true;
    while (fr->n_in_round) {
        fr_offline();
        pthread_cond_wait(&fr->gate_cond, &fr->gate);
        fr_online();
    }
    fr->paused = true;
    fr_unlock(&fr->gate);
}

void
freerun_resume(struct uk_thread *t)
{
    struct freerun *fr = t->udpif->fr;
    fr_lock(&fr->gate);
    fr->paused = fr->pause_requested = false;
    pthread_cond_broadcast(&fr->gate_cond);
    fr_unlock(&fr->gate);
}

/* udpif_stop_threads(), from the main thread: every other thread finishes
 * its queued work and exits. */
void
freerun_join(struct uk_thread *t)
{
    fr_offline();
    fr_wake_all(t->udpif);
    fr_join(t->udpif, false);
    fr_online();
}

/* ==== RCU and ukey memory ==== */

/* The calling thread's own counters, if it is a model thread of 'udpif'
 * (not liburcu's call_rcu thread, nor the caller of udpif_start()). */
static struct fr_local *
fr_local(const struct udpif *udpif)
{
    return freerun_tls.udpif == udpif ? freerun_tls.local : NULL;
}

/* Adds 'delta' to the ukeys in 'state' (or, 'state' < 0, to the live
 * ones).  Inline: six per install. */
static inline void
fr_count(struct udpif *udpif, int state, int64_t delta)
{
    struct fr_local *l = fr_local(udpif);
    if (l) {
        fr_local_add(state < 0 ? &l->live : &l->by_state[state], delta);
    } else {
        _Atomic uint64_t *c = state < 0 ? &udpif->fr->live
                                        : &udpif->fr->by_state[state];
        atomic_fetch_add_explicit(c, (uint64_t) delta, memory_order_relaxed);
    }
}

/* The shared counter 'shared' plus every thread's own one, at 'offset' in
 * its 'struct fr_local'. */
static uint64_t
fr_sum(const struct udpif *udpif, _Atomic uint64_t *shared, size_t offset)
{
    int64_t sum = (int64_t) atomic_load_explicit(shared, memory_order_relaxed);
    for (size_t i = 0; i < udpif->n_threads; i++) {
        struct freerun_thread *ft = udpif->threads[i]->fr;
        if (ft) {
            _Atomic int64_t *c =
                (_Atomic int64_t *) ((char *) &ft->local + offset);
            sum += atomic_load_explicit(c, memory_order_relaxed);
        }
    }
    return sum > 0 ? (uint64_t) sum : 0;    /* Read mid-move: clamp. */
}

/* The shared counters, for any thread but a model thread of the model
 * (the inline freerun_counter_add() and freerun_quiet_event() count on
 * those threads' own). */
void
freerun_counter_add__(uint64_t *p, uint64_t n)
{
    atomic_fetch_add_explicit((_Atomic uint64_t *) p, n,
                              memory_order_relaxed);
}

void
freerun_quiet_event__(struct udpif *udpif)
{
    if (udpif->fr) {
        atomic_fetch_add_explicit(&udpif->fr->quiet_events, 1,
                                  memory_order_relaxed);
    }
}

void
freerun_ukey_created(struct udpif *udpif, struct ukey *ukey)
{
    struct freerun *fr = udpif->fr;
    pthread_mutex_init(&ukey->mutex.real, &fr->errorcheck);
    atomic_init((_Atomic unsigned int *) &ukey->n_pending, 0);
    fr_count(udpif, -1, 1);
    fr_count(udpif, UKEY_CREATED, 1);
}

void
freerun_state_moved(struct udpif *udpif, enum ukey_state from,
                    enum ukey_state to)
{
    fr_count(udpif, (int) from, -1);
    fr_count(udpif, (int) to, 1);
}

/* The one real free of 'ukey': no other thread may reach it any more. */
void
freerun_ukey_free(struct udpif *udpif, struct ukey *ukey)
    UK_NO_THREAD_SAFETY_ANALYSIS    /* Reads 'state' unlocked: see above. */
{
    struct freerun *fr = udpif->fr;
    fr_count(udpif, (int) ukey->state, -1);
    fr_count(udpif, -1, -1);
    atomic_fetch_add_explicit(&fr->real_frees, 1, memory_order_relaxed);
    int error = pthread_mutex_destroy(&ukey->mutex.real);
    uk_assert(!error);          /* EBUSY: freed while locked. */
    umap_release_node(&udpif->umaps[ukey->umap], ukey);
    free(ukey);
}

/* ukey_delete__() as a call_rcu() callback, on liburcu's call_rcu thread,
 * which acts as the model's urcu thread. */
static void
fr_rcu_cb(struct rcu_head *head)
{
    uk_tsan_acquire(&fr_rcu_edge);
    struct fr_rcu *cb = caa_container_of(head, struct fr_rcu, head);
    struct udpif *udpif = cb->udpif;
    struct ukey *ukey = cb->ukey;

    if (cb->emit) {
        ukey->n_freed++;
        uk_counter_add(udpif, &udpif->stats.freed, 1);
        struct ukey_event e = { .type = UK_EV_RCU_FREE, .ukey_id = ukey->id,
                                .ufid = ukey->ufid, .pmd_id = ukey->pmd_id,
                                .umap = ukey->umap, .where = "ukey_delete__" };
        udpif_emit(udpif, udpif->threads[1], &e);
    }
    /* Pairs with itself in the other callbacks of this ukey. */
    if (atomic_fetch_sub_explicit((_Atomic unsigned int *) &ukey->n_pending,
                                  1, memory_order_acq_rel) == 1) {
        freerun_ukey_free(udpif, ukey);
    }
    free(cb);
    uk_tsan_release(&fr_rcu_edge);  /* For freerun_rcu_barrier(). */
}

static void
fr_call_rcu(struct udpif *udpif, struct ukey *ukey, bool emit)
{
    struct fr_rcu *cb = uk_xzalloc(sizeof *cb);
    cb->udpif = udpif;
    cb->ukey = ukey;
    cb->emit = emit;
    atomic_fetch_add_explicit((_Atomic unsigned int *) &ukey->n_pending, 1,
                              memory_order_relaxed);
    urcu_qsbr_call_rcu(&cb->head, fr_rcu_cb);
}

void
freerun_postpone(struct uk_thread *t, struct ukey *ukey)
{
    fr_call_rcu(t->udpif, ukey, true);
}

void
freerun_quiesce(struct uk_thread *t)
{
    uk_tsan_release(&fr_rcu_edge);
    urcu_qsbr_quiescent_state();
}

/* udpif_destroy() frees a ukey still in its umap (T16): it is unlinked and
 * freed by a silent callback, so that liburcu's own readers (a table
 * resize) are done with its node. */
void
freerun_ukey_destroy(struct uk_thread *t, struct ukey *ukey)
{
    struct udpif *udpif = t->udpif;
    umap_unlink(&udpif->umaps[ukey->umap], ukey);
    fr_call_rcu(udpif, ukey, false);
}

/* ovsrcu_barrier(): every callback queued so far has run. */
void
freerun_rcu_barrier(struct udpif *udpif)
{
    (void) udpif;
    fr_offline();
    urcu_qsbr_barrier();
    fr_online();
    uk_tsan_acquire(&fr_rcu_edge);
}

uint64_t
freerun_live(const struct udpif *udpif)
{
    return fr_sum(udpif, &udpif->fr->live, offsetof(struct fr_local, live));
}

/* ==== Datapath table ==== */

struct dp_flow *
freerun_dp_find(struct udpif *udpif, const struct uk_flow *flow,
                uint32_t pmd_id)
{
    struct freerun *fr = udpif->fr;
    if (!fr->dp || flow->index >= udpif->n_flows
        || pmd_id >= fr->n_pmd_slots) {
        return NULL;
    }
    return &fr->dp[flow->index * fr->n_pmd_slots + pmd_id];
}

size_t
freerun_dp_n(const struct udpif *udpif)
{
    return udpif->fr->n_dp;
}

struct dp_flow *
freerun_dp_at(struct udpif *udpif, size_t i)
{
    return &udpif->fr->dp[i];
}

static pthread_mutex_t *
fr_stripe(struct udpif *udpif, const struct dp_flow *f)
{
    struct freerun *fr = udpif->fr;
    return &fr->stripes[(size_t) (f - fr->dp) % FR_N_STRIPES];
}

void
freerun_dp_lock(struct udpif *udpif, const struct dp_flow *f)
{
    fr_lock(fr_stripe(udpif, f));
}

void
freerun_dp_unlock(struct udpif *udpif, const struct dp_flow *f)
{
    fr_unlock(fr_stripe(udpif, f));
}

void
freerun_dp_present(struct udpif *udpif, bool was, bool is)
{
    if (!was && is) {
        atomic_fetch_add_explicit(&udpif->fr->n_dp_present, 1,
                                  memory_order_relaxed);
    } else if (was && !is) {
        atomic_fetch_sub_explicit(&udpif->fr->n_dp_present, 1,
                                  memory_order_relaxed);
    }
}

size_t
freerun_dp_count(const struct udpif *udpif)
{
    return (size_t) atomic_load_explicit(&udpif->fr->n_dp_present,
                                         memory_order_relaxed);
}

/* ==== Stimuli ==== */

/* flow_upcall_thread() of udpif.c, with the routing fixed at start. */
static struct uk_thread *
fr_upcall_thread(const struct freerun *fr, const struct uk_flow *flow)
{
    if (flow->handler) {
        return flow->handler;
    }
    if (!fr->n_upcall_threads) {
        return NULL;
    }
    return fr->upcall_threads[flow->ufid % fr->n_upcall_threads];
}

uint32_t
freerun_flow_pmd(const struct udpif *udpif, const struct uk_flow *flow)
{
    const struct uk_thread *t = (udpif->fr
                                 ? fr_upcall_thread(udpif->fr, flow) : NULL);
    return t ? t->pmd_id : 0;
}

/* udpif_traffic(): fastpath on the datapath flow under its stripe lock, or
 * slowpath and a miss upcall queued on the flow's handler, merged into one
 * already queued there. */
int
freerun_traffic(struct udpif *udpif, struct uk_flow *flow, uint64_t n)
{
    struct freerun *fr = udpif->fr;
    struct uk_thread *t = fr_upcall_thread(fr, flow);
    uint32_t pmd_id = t ? t->pmd_id : 0;
    struct dp_flow *f = freerun_dp_find(udpif, flow, pmd_id);
    if (!f) {
        return EINVAL;          /* Not started, or a flow added since. */
    }
    struct ukey_event e = { .type = UK_EV_TRAFFIC, .ufid = flow->ufid,
                            .pmd_id = pmd_id, .umap = -1, .value = n };
    freerun_dp_lock(udpif, f);
    if (f->present) {
        f->packets += n;
        uk_counter_add(udpif, &udpif->stats.fastpath_packets, n);
        e.result = UK_PATH_FASTPATH;
        udpif_emit(udpif, udpif->threads[0], &e);
        freerun_dp_unlock(udpif, f);
        return 0;
    }
    if (!t) {
        freerun_dp_unlock(udpif, f);
        return EINVAL;
    }
    uk_counter_add(udpif, &udpif->stats.slowpath_packets, n);
    e.result = UK_PATH_SLOWPATH;
    udpif_emit(udpif, udpif->threads[0], &e);
    freerun_dp_unlock(udpif, f);

    struct freerun_thread *ft = t->fr;
    struct fr_pending *p = &fr->pending[flow->index];
    fr_lock(&ft->mutex);
    if (p->gen == ft->gen && p->slot < ft->n_inbox
        && ft->inbox[p->slot].kind == UK_REQ_UPCALL
        && ft->inbox[p->slot].flow == flow) {
        ft->inbox[p->slot].packets += n;
    } else {
        ft->inbox = uk_grow(ft->inbox, &ft->allocated, ft->n_inbox + 1,
                            sizeof *ft->inbox);
        p->gen = ft->gen;
        p->slot = ft->n_inbox;
        ft->inbox[ft->n_inbox++] = (struct uk_req) {
            .kind = UK_REQ_UPCALL, .flow = flow, .packets = n ? n : 1,
        };
        atomic_fetch_add_explicit(&fr->backlog, 1, memory_order_relaxed);
        if (ft->idle) {
            pthread_cond_signal(&ft->cond);
        }
    }
    fr_unlock(&ft->mutex);
    return 0;
}

void
freerun_expire(struct udpif *udpif, struct uk_flow *flow)
{
    (void) udpif;
    atomic_store_explicit((_Atomic bool *) &flow->expire, true,
                          memory_order_relaxed);
}

void
freerun_modify(struct udpif *udpif, struct uk_flow *flow)
{
    atomic_fetch_add_explicit((_Atomic unsigned int *) &flow->actions_version,
                              1, memory_order_relaxed);
    /* Pairs with the acquire in uk_load_reval_seq(). */
    atomic_fetch_add_explicit((_Atomic uint64_t *) &udpif->reval_seq,
                              UK_REVAL_SEQ_STEP, memory_order_release);
    udpif_emit_rule_change(udpif, flow);
}

/* ==== Statistics ==== */

void
freerun_snapshot(const struct udpif *udpif, struct freerun_stats *out)
{
    memset(out, 0, sizeof *out);
    const uint64_t *src = (const uint64_t *) &udpif->stats;
    uint64_t *dst = (uint64_t *) &out->stats;
    for (size_t i = 0; i < FR_N_STATS; i++) {
        dst[i] = fr_sum(udpif, (_Atomic uint64_t *) &src[i],
                        offsetof(struct fr_local, stats)
                        + i * sizeof(_Atomic int64_t));
    }
    struct freerun *fr = udpif->fr;
    if (!fr) {
        return;
    }
    for (int i = 0; i < N_UKEY_STATES; i++) {
        out->by_state[i] = fr_sum(udpif, &fr->by_state[i],
                                  offsetof(struct fr_local, by_state)
                                  + (size_t) i * sizeof(_Atomic int64_t));
    }
    out->live = fr_sum(udpif, &fr->live, offsetof(struct fr_local, live));
    out->real_frees = atomic_load_explicit(&fr->real_frees,
                                           memory_order_relaxed);
    out->rounds = atomic_load_explicit(&fr->rounds, memory_order_relaxed);
    out->dp_flows = atomic_load_explicit(&fr->n_dp_present,
                                         memory_order_relaxed);
    out->events = (event_bus_next_seq(udpif->bus) - 1
                   + fr_sum(udpif, &fr->quiet_events,
                            offsetof(struct fr_local, quiet_events)));
}
