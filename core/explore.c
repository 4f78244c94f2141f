/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer (see explore.h): search by replay over the stepped model.
 *
 * A branch of the search is a schedule prefix; the explorer keeps one live
 * model and, to visit a sibling, rebuilds it with the setup callback and
 * replays the prefix.  The checker's 'violation' events are collected by an
 * observer on the model's bus after every step.
 *
 * ==== The dependency relation ====
 *
 * A step of thread T performs T's pending action ('t->next') and runs T's
 * code to its next scheduling point.  Its footprint (struct ex_fp) is the
 * union of:
 *
 *   - the action: its mutex (a umap shard's lock or a ukey), the umap
 *     shard it reads (lookup) or writes (insert, replace, remove), its
 *     ukey and, for datapath operations and PMD steps, its flow (ufid);
 *   - every event the step emitted: ukey ids, ufids of the events about a
 *     datapath flow or the checker's per-flow figures (traffic, upcall,
 *     dp_put, dp_del, stats_push), umap reads and writes and umap lock
 *     events (the code between two scheduling points may do more than the
 *     action, e.g. ukey_acquire() creating and installing an adopted ukey);
 *   - RCU, split in two: 'rcu_q' when the step wrote its own thread's
 *     quiescent state or 'busy' (quiesce, poll_block() when it leaves or
 *     reaches an idle point), 'rcu_cbs' when it touched the callback list
 *     (postpone; running a callback, which reads every thread's quiescent
 *     state).  Two quiescent states of different threads commute;
 *   - the round bookkeeping, read ('round_r': waiting out a barrier, a
 *     revalidator reading 'paused' to begin a round, the main thread's
 *     pause reading n_in_round) or written ('round_w': barrier arrivals,
 *     and any change of dump_seq, reval_seq, n_rounds, n_in_round or
 *     paused, seen by comparing udpif before and after the step);
 *   - "global" for the actions that read or write everything (datapath
 *     dump and flush, join), for the step of a revalidator that begins a
 *     round with a dump phase (the dump copies every datapath flow), for
 *     the end of a round (the checker runs its liveness rules over every
 *     ukey and flow at the first op_end of a round; a later op_end of the
 *     same round only writes the round), and for shutdown;
 *   - "dp-shape" when it added an entry to the datapath table (dumps walk
 *     the table in insertion order, so two such steps do not commute).
 *
 * Two steps are dependent when either is global, both are dp-shape, one
 * writes what the other reads or writes (round, umap shard, RCU callback
 * list against a quiescent state), they use the same umap lock, or they
 * share a ukey or a ufid.  Per ukey and per flow the relation stays
 * coarse (reads of a ukey's state are not told from writes): the checker
 * keeps a record per ukey and per flow that every event naming them
 * updates.  What it ignores, on purpose: ukey ids and datapath instance
 * numbers (global counters that only name things; final states are
 * compared without them), the statistics totals (sums, which commute),
 * event sequence numbers, and the model clock: it stamps 'used', which no
 * decision reads, and RCU quiescent states and callbacks, whose
 * comparisons only depend on the order of those steps, which are
 * dependent.  should_install_flow() reads the datapath flow count between
 * scheduling points; when the flow limit is within reach of the scenario
 * the reduction is turned off.  tests/unit/test-explore.c checks that
 * final states and violations are the same with and without reduction.
 *
 * Sleep sets (Godefroid): a thread whose step from a node was already
 * explored, or that was asleep in the parent, sleeps in the child while
 * the steps taken are independent of its own; a sleeping thread is not
 * stepped.  Alone, they explore every enabled thread at each node but
 * still exactly one complete schedule per Mazurkiewicz trace, at the cost
 * of prefixes abandoned when every runnable thread sleeps
 * ("sleep-blocked"), which grow fast with the number of threads.  DPOR
 * (see "DPOR" below) explores only the threads that reverse a race it saw,
 * and so avoids most of those.
 *
 * Stopping a model in the middle of a thread's operation leaks what only
 * its coroutine stack points to (a handler's upcall batch), so a model is
 * run to quiescence with the lowest runnable thread first before being
 * destroyed, unless it is already quiescent. */
#include "explore.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "udpif-private.h"
#include "util.h"

#define EX_MAX_THREADS 64
#define EX_FP_UKEYS 8
#define EX_FP_UFIDS 4
#define EX_MAX_PENDING 8

/* ==== Names and options ==== */

static const char *const strategy_names[] = {
#define EXPLORE_STRATEGY_NAME_(NAME, TEXT) TEXT,
    EXPLORE_STRATEGIES(EXPLORE_STRATEGY_NAME_)
#undef EXPLORE_STRATEGY_NAME_
};

const char *
explore_strategy_name(int s)
{
    return s >= 0 && s < N_EXPLORE_STRATEGIES ? strategy_names[s] : "?";
}

int
explore_strategy_from_name(const char *name)
{
    return uk_name_lookup(strategy_names, N_EXPLORE_STRATEGIES, name);
}

static const char *const reduction_names[] = {
#define EXPLORE_REDUCTION_NAME_(NAME, TEXT) TEXT,
    EXPLORE_REDUCTIONS(EXPLORE_REDUCTION_NAME_)
#undef EXPLORE_REDUCTION_NAME_
};

const char *
explore_reduction_name(int r)
{
    return r >= 0 && r < N_EXPLORE_REDUCTIONS ? reduction_names[r] : "?";
}

int
explore_reduction_from_name(const char *name)
{
    return uk_name_lookup(reduction_names, N_EXPLORE_REDUCTIONS, name);
}

void
explore_options_init(struct explore_options *opts)
{
    memset(opts, 0, sizeof *opts);
    opts->strategy = EXPLORE_DFS;
    opts->reduction = EXPLORE_REDUCTION_DPOR;
    opts->preempt_bound = -1;
    opts->max_steps = 100000;
    opts->n_runs = 1000;
    opts->seed = 1;
    opts->pct_depth = 3;
    opts->minimize = true;
    opts->progress_period = 0.5;
}

/* ==== Footprints ==== */

/* What one step touches.  Shared state is split by object and, where two
 * readers commute, into reads and writes. */
struct ex_fp {
    bool global;                /* Conflicts with every step. */
    bool dp_shape;              /* Added a datapath table entry. */
    bool rcu_q;                 /* Wrote its own thread's quiescent state
                                 * or 'busy' (quiesce, poll_block()). */
    bool rcu_cbs;               /* The RCU callback list: postpone, run a
                                 * callback (which reads every thread's
                                 * quiescent state). */
    bool round_r, round_w;      /* Round bookkeeping: barriers, n_in_round,
                                 * paused, dump_seq, n_rounds. */
    uint8_t n_ukeys, n_ufids;
    uint64_t umap_r;            /* Bit (shard % 64): contents read... */
    uint64_t umap_w;            /* ...written... */
    uint64_t umap_lock;         /* ...its mutex taken, tried or released. */
    uint64_t ukeys[EX_FP_UKEYS];
    uint64_t ufids[EX_FP_UFIDS];
};

static void
fp_add_ukey(struct ex_fp *fp, uint64_t id)
{
    if (!id) {
        return;
    }
    for (int i = 0; i < fp->n_ukeys; i++) {
        if (fp->ukeys[i] == id) {
            return;
        }
    }
    if (fp->n_ukeys < EX_FP_UKEYS) {
        fp->ukeys[fp->n_ukeys++] = id;
    } else {
        fp->global = true;      /* Too big to track: conservative. */
    }
}

static void
fp_add_ufid(struct ex_fp *fp, uint64_t ufid)
{
    if (!ufid) {
        return;
    }
    for (int i = 0; i < fp->n_ufids; i++) {
        if (fp->ufids[i] == ufid) {
            return;
        }
    }
    if (fp->n_ufids < EX_FP_UFIDS) {
        fp->ufids[fp->n_ufids++] = ufid;
    } else {
        fp->global = true;
    }
}

static uint64_t
umap_bit(int umap)
{
    return umap >= 0 ? UINT64_C(1) << (umap % 64) : 0;
}

/* The part of a footprint that the kind of an action of a thread of kind
 * 'tk' implies, with what the code up to the next scheduling point does:
 *
 *   idle (begin)   poll_block() left: 'busy' set.  A revalidator reads
 *                  'paused' and enters the round (n_in_round, seen by the
 *                  bookkeeping snapshot); if it leads a round with a dump
 *                  phase it creates the dump from every datapath flow,
 *                  which ex_step() makes global.
 *   barrier        waits for the generation; leaving starts the sweep's
 *                  first umap_collect() (a read of the umaps).
 *   pause          reads n_in_round; the purge's sweep starts
 *                  (umap_collect()).
 *   quiesce        quiescent state; then umap_collect() of the next umap.
 *   postpone/free  the RCU callback list.
 *   dump, flush, join: global.
 * Arrivals at a barrier write the round (their barrier events). */
static void
fp_from_kind(struct ex_fp *fp, enum uk_action_kind kind,
             enum uk_thread_kind tk)
{
    switch (kind) {
    case UK_ACT_LOCK: case UK_ACT_TRYLOCK: case UK_ACT_UNLOCK:
    case UK_ACT_LOOKUP: case UK_ACT_INSERT: case UK_ACT_REPLACE:
    case UK_ACT_REMOVE: case UK_ACT_READ_STATE: case UK_ACT_TRANSITION:
    case UK_ACT_DP_PUT: case UK_ACT_DP_DEL: case UK_ACT_FREE:
        break;
    case UK_ACT_POSTPONE: case UK_ACT_RCU_FREE:
        fp->rcu_cbs = true;
        break;
    case UK_ACT_QUIESCE:
        fp->rcu_q = true;
        fp->umap_r = UINT64_MAX;
        break;
    case UK_ACT_IDLE:
        fp->rcu_q = true;
        fp->round_r = tk == UK_THREAD_REVALIDATOR;
        break;
    case UK_ACT_BARRIER:
        fp->round_r = true;
        fp->umap_r = UINT64_MAX;
        break;
    case UK_ACT_PAUSE:
        fp->round_r = true;
        fp->umap_r = UINT64_MAX;
        break;
    case UK_ACT_DP_DUMP: case UK_ACT_DP_FLUSH: case UK_ACT_JOIN:
    case N_UK_ACTIONS:
        fp->global = true;
        break;
    }
}

/* 'pmd': upcall_cb() reads the datapath flow between two scheduling
 * points, so a PMD's steps touch the flow of their action. */
static void
fp_from_action(struct ex_fp *fp, const struct uk_action *a,
               enum uk_thread_kind tk)
{
    bool pmd = tk == UK_THREAD_PMD;

    memset(fp, 0, sizeof *fp);
    fp_from_kind(fp, a->kind, tk);
    if (a->mutex) {
        if (a->mutex->target == UK_LOCK_UMAP) {
            fp->umap_lock |= umap_bit(a->mutex->umap);
        } else if (a->mutex->ukey) {
            fp_add_ukey(fp, a->mutex->ukey->id);
        }
    }
    if (a->kind == UK_ACT_LOOKUP) {
        fp->umap_r |= umap_bit(a->umap);
    } else if (a->kind == UK_ACT_INSERT || a->kind == UK_ACT_REPLACE
               || a->kind == UK_ACT_REMOVE) {
        fp->umap_w |= umap_bit(a->umap);
    }
    if (a->ukey) {
        fp_add_ukey(fp, a->ukey->id);
    }
    if (pmd || a->kind == UK_ACT_DP_PUT || a->kind == UK_ACT_DP_DEL) {
        fp_add_ufid(fp, a->ufid);
    }
}

static void
fp_from_event(struct ex_fp *fp, const struct ukey_event *e)
{
    fp_add_ukey(fp, e->ukey_id);
    fp_add_ukey(fp, e->ukey2_id);
    switch ((enum uk_event_type) e->type) {
    case UK_EV_TRAFFIC: case UK_EV_UPCALL: case UK_EV_DP_PUT:
    case UK_EV_DP_DEL: case UK_EV_STATS_PUSH:
        /* The datapath flow, and the checker's per-flow figures. */
        fp_add_ufid(fp, e->ufid);
        break;
    default:
        break;
    }
    switch ((enum uk_event_type) e->type) {
    case UK_EV_UMAP_LOOKUP:
        fp->umap_r |= umap_bit(e->umap);
        break;
    case UK_EV_UMAP_INSERT: case UK_EV_UMAP_REPLACE: case UK_EV_UMAP_REMOVE:
        fp->umap_w |= umap_bit(e->umap);
        break;
    case UK_EV_LOCK: case UK_EV_TRYLOCK: case UK_EV_UNLOCK:
        if (e->kind == UK_LOCK_UMAP) {
            fp->umap_lock |= umap_bit(e->umap);
        }
        break;
    case UK_EV_RCU_POSTPONE: case UK_EV_RCU_FREE:
        fp->rcu_cbs = true;
        break;
    case UK_EV_RCU_QUIESCE:
        fp->rcu_q = true;
        break;
    case UK_EV_BARRIER:
        if (e->kind == UK_BARRIER_ARRIVE) {
            fp->round_w = true;
        } else {
            fp->round_r = true;
        }
        break;
    case UK_EV_OP_END:
        /* The checker ends a round at the first op_end of it, and runs
         * its liveness rules over every ukey and flow (ex_observe() sees
         * to the later ones).  An op_begin only sets the thread's round
         * in the checker. */
        if (e->kind == UK_OP_ROUND) {
            fp->global = true;
        }
        break;
    case UK_EV_END: case UK_EV_DP_DUMP:
        fp->global = true;
        break;
    case UK_EV_THREAD_START: case UK_EV_FLOW: case UK_EV_TRAFFIC:
    case UK_EV_UPCALL: case UK_EV_CREATE: case UK_EV_TRANSITION:
    case UK_EV_UKEY_FREE: case UK_EV_DP_PUT: case UK_EV_DP_DEL:
    case UK_EV_REVALIDATE: case UK_EV_STATS_PUSH: case UK_EV_OP_BEGIN:
    case UK_EV_COVERAGE: case UK_EV_VIOLATION:
    case N_UK_EVENT_TYPES:
        break;
    }
}

static bool
fp_dependent(const struct ex_fp *a, const struct ex_fp *b)
{
    if (a->global || b->global || (a->dp_shape && b->dp_shape)
        || (a->rcu_cbs && (b->rcu_cbs || b->rcu_q))
        || (b->rcu_cbs && a->rcu_q)
        || (a->round_w && (b->round_w || b->round_r))
        || (b->round_w && a->round_r)
        || (a->umap_w & (b->umap_w | b->umap_r))
        || (b->umap_w & a->umap_r)
        || (a->umap_lock & b->umap_lock)) {
        return true;
    }
    for (int i = 0; i < a->n_ukeys; i++) {
        for (int j = 0; j < b->n_ukeys; j++) {
            if (a->ukeys[i] == b->ukeys[j]) {
                return true;
            }
        }
    }
    for (int i = 0; i < a->n_ufids; i++) {
        for (int j = 0; j < b->n_ufids; j++) {
            if (a->ufids[i] == b->ufids[j]) {
                return true;
            }
        }
    }
    return false;
}

/* The udpif bookkeeping a step may change between scheduling points. */
struct ex_snap {
    uint64_t dump_seq, reval_seq, n_rounds;
    unsigned int n_in_round;
    bool paused, shut_down, stopped;
    size_t n_rcu_cbs, n_dp_flows;
};

static void
snap_take(const struct udpif *u, struct ex_snap *s)
{
    *s = (struct ex_snap) {
        .dump_seq = u->dump_seq, .reval_seq = u->reval_seq,
        .n_rounds = u->n_rounds, .n_in_round = u->n_in_round,
        .paused = u->paused, .shut_down = u->shut_down,
        .stopped = u->stopped,
        .n_rcu_cbs = u->n_rcu_cbs, .n_dp_flows = u->n_dp_flows,
    };
}

/* ==== The explorer's state ==== */

/* A violation reported during the current step. */
struct ex_pending {
    struct ukey_event event;
    char detail[160];
};

/* A set of threads with the footprint of each one's pending step. */
struct ex_set {
    uint64_t mask;
    struct ex_fp *fps;          /* (owned) [EX_MAX_THREADS]. */
};

struct ex_frame {
    struct ex_set sleep;        /* Asleep on entry to this node. */
    struct ex_set done;         /* Explored from this node. */
    uint64_t runnable;          /* Runnable threads at this node. */
    uint64_t backtrack;         /* To explore from this node (DPOR adds
                                 * to it as it finds races below). */
};

struct ex {
    explore_setup_fn *setup;
    void *aux;
    struct explore_options opts;
    struct explore_result *result;
    int error;

    struct udpif *udpif;        /* (owned) The live model, or NULL. */
    uint32_t *path;             /* (owned) Its schedule so far. */
    size_t n_path, allocated_path;
    bool quiescent;             /* No thread runnable (nothing to drain). */

    /* Collected during one step. */
    bool collecting;
    uint64_t rounds_ended;      /* Highest round number whose op_end the
                                 * live model emitted since setup. */
    struct ex_fp step_fp;
    struct ex_pending pending[EX_MAX_PENDING];
    size_t n_pending;

    struct ex_frame *frames;    /* (owned) DFS stack, by depth. */
    size_t n_frames;
    size_t limit;               /* Depth limit of this search. */
    enum explore_reduction reduction;
    bool stop;

    /* The steps of 'path', for DPOR: each one's footprint, and its vector
     * clock ('stride' entries each: for thread t, 1 + the index of the
     * latest step of t that happens before it, or 0). */
    struct ex_fp *ev_fps;       /* (owned) */
    uint32_t *vcs;              /* (owned) */
    size_t allocated_ev;
    size_t stride;              /* Model threads. */

    /* Minimisation: stop at the first violation like 'target'. */
    const struct ukey_event *target;
    uint32_t *hit;              /* (owned) The schedule that reached it. */
    size_t n_hit;

    uint64_t *states;           /* Open-addressing set of state hashes. */
    size_t n_states, allocated_states;

    struct timespec start;
    double next_progress;       /* Elapsed seconds of the next progress
                                 * call. */
};

static double
ex_elapsed(const struct ex *ex)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double) (now.tv_sec - ex->start.tv_sec)
           + (double) (now.tv_nsec - ex->start.tv_nsec) / 1e9;
}

static void
ex_observe(const struct ukey_event *e, void *ex_)
{
    struct ex *ex = ex_;
    if (!ex->collecting) {
        return;
    }
    if (e->type == UK_EV_OP_END && e->kind == UK_OP_ROUND && e->value) {
        if (e->value <= ex->rounds_ended) {
            /* The checker ignores the op_end of a round that another
             * revalidator ended: only the round's order matters. */
            ex->step_fp.round_w = true;
            return;
        }
        ex->rounds_ended = e->value;
    }
    fp_from_event(&ex->step_fp, e);
    if (e->type == UK_EV_VIOLATION
        && (e->result == UK_SEV_ERROR || ex->opts.warnings)
        && ex->n_pending < EX_MAX_PENDING) {
        struct ex_pending *p = &ex->pending[ex->n_pending++];
        p->event = *e;
        snprintf(p->detail, sizeof p->detail, "%s", e->name ? e->name : "");
        p->event.name = NULL;
    }
}

static void
ex_drain(struct udpif *u)
{
    /* Runs the lowest runnable thread until none is (see the file
     * comment).  Bounded: scenarios are finite, but be safe. */
    for (uint64_t i = 0; i < 10 * 1000 * 1000; i++) {
        struct uk_thread *t;
        if (!udpif_runnable(u, &t, 1)) {
            return;
        }
        udpif_step(u, t);
    }
}

static void
ex_release_model(struct ex *ex)
{
    if (ex->udpif) {
        ex->collecting = false;
        if (!ex->quiescent) {
            ex_drain(ex->udpif);
        }
        udpif_destroy(ex->udpif);
        ex->udpif = NULL;
    }
    ex->n_path = 0;
}

static int
ex_build(struct ex *ex)
{
    ex_release_model(ex);
    ex->udpif = ex->setup(ex->aux);
    if (!ex->udpif) {
        return EINVAL;
    }
    if (ex->udpif->n_threads > EX_MAX_THREADS) {
        return ERANGE;
    }
    event_bus_add(ex->udpif->bus, ex_observe, ex);
    ex->rounds_ended = 0;
    ex->stride = 0;
    for (size_t i = 0; i < ex->udpif->n_threads; i++) {
        uint32_t id = ex->udpif->threads[i]->id;
        if (id >= EX_MAX_THREADS) {
            return ERANGE;
        }
        if (id + 1 > ex->stride) {
            ex->stride = id + 1;
        }
    }
    ex->result->stats.setups++;
    ex->quiescent = false;
    return 0;
}

/* Runnable thread ids of the live model, as a mask. */
static uint64_t
ex_runnable(const struct ex *ex)
{
    uint64_t mask = 0;
    const struct udpif *u = ex->udpif;
    for (size_t i = 0; i < u->n_threads; i++) {
        if (uk_thread_runnable(u->threads[i])) {
            mask |= UINT64_C(1) << u->threads[i]->id;
        }
    }
    return mask;
}

static struct uk_thread *
ex_thread(const struct udpif *u, uint32_t id)
{
    if (id < u->n_threads && u->threads[id]->id == id) {
        return u->threads[id];
    }
    for (size_t i = 0; i < u->n_threads; i++) {
        if (u->threads[i]->id == id) {
            return u->threads[i];
        }
    }
    return NULL;
}

/* Steps thread 'id' of the live model, with its footprint in '*fp' and the
 * violations it reported in ex->pending.  Returns 0 or EAGAIN. */
static int
ex_step(struct ex *ex, uint32_t id, struct ex_fp *fp)
{
    struct udpif *u = ex->udpif;
    struct uk_thread *t = ex_thread(u, id);
    if (!t || !uk_thread_runnable(t)) {
        return EAGAIN;
    }
    struct ex_snap before, after;
    enum uk_action_kind was = t->next.kind;
    snap_take(u, &before);
    fp_from_action(&ex->step_fp, &t->next, t->kind);
    ex->n_pending = 0;
    ex->quiescent = false;
    ex->collecting = true;
    udpif_step(u, t);
    ex->collecting = false;
    ex->result->stats.steps++;

    snap_take(u, &after);
    if (t->next.kind == UK_ACT_IDLE) {
        ex->step_fp.rcu_q = true;       /* poll_block(): 'busy' cleared. */
    }
    if (was == UK_ACT_IDLE && t->kind == UK_THREAD_REVALIDATOR
        && t->cur.kind == UK_REQ_ROUND && t->cur.round
        && t->cur.round->phases & UK_PHASE_DUMP) {
        ex->step_fp.global = true;      /* May have created the dump. */
    }
    if (before.dump_seq != after.dump_seq
        || before.reval_seq != after.reval_seq
        || before.n_rounds != after.n_rounds
        || before.n_in_round != after.n_in_round
        || before.paused != after.paused) {
        ex->step_fp.round_w = true;
    }
    if (before.shut_down != after.shut_down
        || before.stopped != after.stopped) {
        ex->step_fp.global = true;
    }
    if (before.n_rcu_cbs != after.n_rcu_cbs) {
        ex->step_fp.rcu_cbs = true;
    }
    if (before.n_dp_flows != after.n_dp_flows) {
        ex->step_fp.dp_shape = true;
    }
    if (fp) {
        *fp = ex->step_fp;
    }
    ex->path = uk_grow(ex->path, &ex->allocated_path, ex->n_path + 1,
                       sizeof *ex->path);
    if (ex->reduction == EXPLORE_REDUCTION_DPOR) {
        if (ex->n_path >= ex->allocated_ev) {
            size_t n = ex->allocated_ev ? 2 * ex->allocated_ev : 64;
            ex->ev_fps = uk_xrealloc(ex->ev_fps, n * sizeof *ex->ev_fps);
            ex->vcs = uk_xrealloc(ex->vcs,
                                  n * EX_MAX_THREADS * sizeof *ex->vcs);
            ex->allocated_ev = n;
        }
        ex->ev_fps[ex->n_path] = ex->step_fp;
    }
    ex->path[ex->n_path++] = id;
    return 0;
}

/* Brings the live model to the state after 'path[0..n)' (which must be a
 * prefix of ex->path when the model is not rebuilt). */
static int
ex_goto(struct ex *ex, const uint32_t *path, size_t n)
{
    if (ex->udpif && ex->n_path <= n
        && (!ex->n_path
            || !memcmp(ex->path, path, ex->n_path * sizeof *path))) {
        /* Already on the way. */
    } else {
        int error = ex_build(ex);
        if (error) {
            return error;
        }
    }
    while (ex->n_path < n) {
        if (ex_step(ex, path[ex->n_path], NULL)) {
            return EAGAIN;      /* The model is not deterministic. */
        }
    }
    return 0;
}

/* ==== Final states ==== */

static uint64_t
hash_words(const uint64_t *w, size_t n)
{
    uint64_t h = 0x243f6a8885a308d3ULL;
    for (size_t i = 0; i < n; i++) {
        h = uk_mix64(h ^ w[i]) + i;
    }
    return h;
}

uint64_t
explore_state_hash(const struct udpif *u)
    /* Reads guarded ukey fields unlocked: the explorer hashes between
     * steps, in stepped mode, where no model thread is running. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    uint64_t sum = 0;

    /* Multisets (sums of hashes), so that ukey ids and creation order do
     * not matter. */
    for (const struct ukey *k = u->all_ukeys; k; k = k->next_all) {
        uint64_t w[] = {
            1, k->ufid, k->pmd_id, k->state, k->in_umap, k->n_postponed,
            k->n_freed, k->dump_seq, k->reval_seq, k->missed_dumps,
            k->stats_packets, k->actions_version, k->xcache, k->origin,
        };
        sum += hash_words(w, UK_ARRAY_SIZE(w));
    }
    for (size_t i = 0; i < u->n_dp_flows; i++) {
        const struct dp_flow *f = &u->dp_flows[i];
        uint64_t w[] = {
            2, f->flow->ufid, f->pmd_id, f->present, f->packets,
            f->actions_version, (uint64_t) f->fail_put,
            (uint64_t) f->fail_del, (uint64_t) f->fail_modify,
            (uint64_t) f->dup,
        };
        sum += hash_words(w, UK_ARRAY_SIZE(w));
    }
    for (size_t i = 0; i < u->n_threads; i++) {
        const struct uk_thread *t = u->threads[i];
        uint64_t w[] = { 3, t->id, t->n_steps, t->next.kind, t->busy,
                         t->n_reqs - t->head };
        sum += hash_words(w, UK_ARRAY_SIZE(w));
    }
    const struct udpif_stats *s = &u->stats;
    uint64_t w[] = {
        4, sum, s->upcalls, s->installs, s->replacements, s->slowpath_packets,
        s->fastpath_packets, s->dp_puts, s->dp_dels, s->dp_put_errors,
        s->dp_del_errors, s->evictions, s->created, s->freed, s->violations,
        s->warnings, u->dump_seq, u->reval_seq, u->n_rounds, u->n_rcu_cbs,
        u->paused, u->shut_down,
    };
    uint64_t h = hash_words(w, UK_ARRAY_SIZE(w));
    return hash_words(s->coverage, N_UK_COVERAGES) ^ h;
}

static void
states_add(struct ex *ex, uint64_t h)
{
    h |= 1;                     /* 0 marks an empty slot. */
    if (2 * (ex->n_states + 1) > ex->allocated_states) {
        size_t old_n = ex->allocated_states;
        uint64_t *old = ex->states;
        ex->allocated_states = old_n ? 2 * old_n : 1024;
        ex->states = uk_xcalloc(ex->allocated_states, sizeof *ex->states);
        ex->n_states = 0;
        for (size_t i = 0; i < old_n; i++) {
            if (old[i]) {
                states_add(ex, old[i]);
            }
        }
        free(old);
    }
    size_t mask = ex->allocated_states - 1;
    for (size_t i = h & mask;; i = (i + 1) & mask) {
        if (ex->states[i] == h) {
            return;
        }
        if (!ex->states[i]) {
            ex->states[i] = h;
            ex->n_states++;
            return;
        }
    }
}

static int
cmp_u64(const void *a_, const void *b_)
{
    uint64_t a = *(const uint64_t *) a_, b = *(const uint64_t *) b_;
    return a < b ? -1 : a > b;
}

/* ==== Results ==== */

static int replay__(explore_setup_fn *, void *aux, const uint32_t *tids,
                    size_t n, bool warnings, const struct ukey_event *target,
                    struct explore_violation *out, size_t *failed_at);

bool
explore_same_violation(const struct ukey_event *a, const struct ukey_event *b)
{
    return a->kind == b->kind && a->ufid == b->ufid;
}

void
explore_violation_destroy(struct explore_violation *v)
{
    if (!v) {
        return;
    }
    for (size_t i = 0; i < v->schedule.n; i++) {
        free(v->schedule.steps[i].thread);
        free(v->schedule.steps[i].action);
    }
    free(v->schedule.steps);
    free(v->detail);
    free(v->flow);
    memset(v, 0, sizeof *v);
}

void
explore_result_destroy(struct explore_result *r)
{
    if (!r) {
        return;
    }
    for (size_t i = 0; i < r->n_violations; i++) {
        explore_violation_destroy(&r->violations[i]);
    }
    free(r->violations);
    free(r->final_states);
    memset(r, 0, sizeof *r);
}

uint32_t *
explore_schedule_tids(const struct explore_schedule *s, size_t *n)
{
    uint32_t *tids = uk_xcalloc(s->n ? s->n : 1, sizeof *tids);
    for (size_t i = 0; i < s->n; i++) {
        tids[i] = s->steps[i].thread_id;
    }
    *n = s->n;
    return tids;
}

static const struct explore_violation *
result_find(const struct explore_result *r, const struct ukey_event *e)
{
    for (size_t i = 0; i < r->n_violations; i++) {
        if (explore_same_violation(&r->violations[i].event, e)) {
            return &r->violations[i];
        }
    }
    return NULL;
}

/* Handles the violations of the step just taken at ex->path's end.
 * Returns true if the search must not go deeper on this branch. */
static bool
ex_check(struct ex *ex, uint64_t seed)
{
    struct explore_result *r = ex->result;
    bool found = false;

    for (size_t i = 0; i < ex->n_pending; i++) {
        const struct ukey_event *e = &ex->pending[i].event;
        r->kinds_seen |= UINT64_C(1) << (e->kind & 63);
        if (ex->target) {
            if (explore_same_violation(e, ex->target)) {
                free(ex->hit);
                ex->n_hit = ex->n_path;
                ex->hit = uk_xmalloc(ex->n_hit * sizeof *ex->hit);
                memcpy(ex->hit, ex->path, ex->n_hit * sizeof *ex->hit);
                ex->stop = true;
                return true;
            }
            continue;
        }
        found = true;
        if (result_find(r, e)) {
            continue;
        }
        r->violations = uk_grow(r->violations, &r->allocated_violations,
                                r->n_violations + 1, sizeof *r->violations);
        struct explore_violation *v = &r->violations[r->n_violations];
        int error = replay__(ex->setup, ex->aux, ex->path, ex->n_path,
                             ex->opts.warnings, e, v, NULL);
        if (error || v->event.type != UK_EV_VIOLATION) {
            /* The replay must reproduce it: the model is deterministic. */
            explore_violation_destroy(v);
            ex->error = error ? error : EPROTO;
            ex->stop = true;
            return true;
        }
        v->found_length = v->schedule.n;
        v->seed = seed;
        if (!r->n_violations++) {
            r->stats.first_found = ex_elapsed(ex);
            r->stats.first_found_schedules = r->stats.schedules + 1;
        }
    }
    if (found) {
        r->stats.violating++;
        if (!ex->opts.all) {
            ex->stop = true;
        }
        return !ex->opts.all;
    }
    return false;
}

/* Whether the caller's cancel flag is up; if so, stops the search.  Cheap
 * enough to call before every step. */
static bool
ex_cancelled(struct ex *ex)
{
    if (ex->opts.cancel && *ex->opts.cancel) {
        ex->result->stats.interrupted = true;
        ex->result->stats.cancelled = true;
        ex->stop = true;
        return true;
    }
    return false;
}

/* The search's clock: stops it past --time-limit or on the caller's
 * cancel flag, and calls the progress callback when it is due.  Called at
 * the end of every schedule, and for every node the breadth-first search
 * expands (it ends no schedule before its deepest level). */
static void
ex_poll(struct ex *ex)
{
    struct explore_stats *st = &ex->result->stats;
    if (ex->opts.time_limit > 0 && ex_elapsed(ex) > ex->opts.time_limit) {
        st->interrupted = true;
        ex->stop = true;
    }
    ex_cancelled(ex);
    if (ex->opts.progress) {
        double now = ex_elapsed(ex);
        if (now >= ex->next_progress) {
            ex->next_progress = now + ex->opts.progress_period;
            st->elapsed = now;
            ex->opts.progress(st, ex->opts.progress_aux);
        }
    }
}

static void
ex_schedule_done(struct ex *ex, bool complete)
{
    struct explore_stats *st = &ex->result->stats;
    st->schedules++;
    if (ex->n_path > st->max_depth) {
        st->max_depth = ex->n_path;
    }
    if (complete) {
        st->complete++;
        ex->quiescent = true;
        if (ex->opts.hash_states) {
            states_add(ex, explore_state_hash(ex->udpif));
        }
    }
    if (ex->opts.max_schedules && st->schedules >= ex->opts.max_schedules) {
        st->interrupted = true;
        ex->stop = true;
    }
    ex_poll(ex);
}

/* ==== Sleep sets ==== */

static struct ex_frame *
ex_frame(struct ex *ex, size_t depth)
{
    if (depth >= ex->n_frames) {
        size_t n = ex->n_frames ? 2 * ex->n_frames : 64;
        while (n <= depth) {
            n *= 2;
        }
        ex->frames = uk_xrealloc(ex->frames, n * sizeof *ex->frames);
        for (size_t i = ex->n_frames; i < n; i++) {
            ex->frames[i].sleep.fps = uk_xcalloc(EX_MAX_THREADS,
                                                 sizeof(struct ex_fp));
            ex->frames[i].done.fps = uk_xcalloc(EX_MAX_THREADS,
                                                sizeof(struct ex_fp));
        }
        ex->n_frames = n;
    }
    return &ex->frames[depth];
}

static int
lowest_bit(uint64_t mask)
{
    return __builtin_ctzll(mask);
}

/* ==== DPOR ====
 *
 * Source-DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014), with the
 * sleep sets above.  Each step taken is checked, as it is taken, against
 * the steps before it on the path: step k of thread p and the new step j
 * of thread q != p race when they are dependent and nothing between them
 * orders them (no step that k happens before happens before j).  Reversing
 * the race means running, from the node before k, the steps between k and
 * j that do not happen after k, then j: the schedule 'v'.  Its initials
 * are the threads whose first step in 'v' has no step of 'v' before it
 * that it depends on; if none of them is already in the node's backtrack
 * (or sleep) set, one is added, and the search explores it from there.
 *
 * Happens-before is kept as a vector clock per step of the path.  A race
 * cannot be reversed as such when j was not enabled before k (k released
 * the lock j takes, left the round j's pause waits out, ...): then j comes
 * first in 'v' and its thread is not runnable at k.  j may still go before
 * whatever disabled it (the lock taken, the round entered): every earlier
 * step that j depends on is then treated as racing with j (the treatment
 * of locks in Abdulla et al.'s later work, applied to every blocking
 * action).  Without it, an unlock followed by a lock would hide the other
 * order of the two critical sections.
 *
 * DPOR finds races only between steps it ran.  A schedule cut by the depth
 * bound hides the races of its remaining steps, so a bounded search with
 * DPOR is not exhaustive within the bound ('dpor_cut'); the minimiser,
 * which searches with depth bounds, uses sleep sets. */

static uint32_t *
ex_vc(struct ex *ex, size_t i)
{
    return &ex->vcs[i * EX_MAX_THREADS];
}

static void
vc_join(uint32_t *dst, const uint32_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (src[i] > dst[i]) {
            dst[i] = src[i];
        }
    }
}

/* The race of step 'k' with step 'j' of thread 'q': adds an initial of
 * its reversal to the backtrack set of the node before 'k'. */
static void dpor_reverse(struct ex *, size_t k, size_t j, uint32_t q,
                         bool retarget);

/* A race of 'k' with 'j' that cannot be reversed because 'k' enabled 'j'
 * (released the lock 'j' takes, left the round 'j' waits out, ...).  What
 * disabled 'j' before 'k' is an earlier step that 'j' depends on (the lock
 * taken, the round entered): 'j' may go before any such step, so each one
 * is treated as racing with 'j'. */
static void
dpor_retarget(struct ex *ex, size_t k, size_t j, uint32_t q)
{
    for (size_t k2 = k; k2-- > 0;) {
        if (ex->path[k2] != q
            && fp_dependent(&ex->ev_fps[k2], &ex->ev_fps[j])) {
            dpor_reverse(ex, k2, j, q, false);
        }
    }
}

static void
dpor_reverse(struct ex *ex, size_t k, size_t j, uint32_t q, bool retarget)
{
    enum { NONE_ = -1, AFTER_K = -2 };
    long first[EX_MAX_THREADS];
    uint32_t p = ex->path[k];
    size_t n = ex->stride;

    ex->result->stats.races++;
    for (size_t t = 0; t < EX_MAX_THREADS; t++) {
        first[t] = NONE_;
    }
    for (size_t l = k + 1; l < j; l++) {
        uint32_t r = ex->path[l];
        if (first[r] != NONE_) {
            continue;
        }
        first[r] = ex_vc(ex, l)[p] >= k + 1 ? AFTER_K : (long) l;
    }
    if (first[q] == NONE_) {
        first[q] = (long) j;
    }

    /* Initials: first steps in 'v' that no step of 'v' happens before. */
    uint64_t initials = 0;
    for (size_t r = 0; r < n; r++) {
        if (first[r] < 0) {
            continue;
        }
        const uint32_t *vc = ex_vc(ex, (size_t) first[r]);
        bool initial = true;
        for (size_t t = 0; t < n && initial; t++) {
            if (t != r && first[t] >= 0 && first[t] < first[r]
                && vc[t] >= (uint32_t) first[t] + 1) {
                initial = false;
            }
        }
        if (initial) {
            initials |= UINT64_C(1) << r;
        }
    }

    struct ex_frame *f = &ex->frames[k];
    if (first[q] == (long) j && (initials >> q) & 1
        && !((f->runnable >> q) & 1)) {
        /* 'j' comes first in 'v' and was not enabled before 'k': only 'k'
         * could have enabled it (anything else that did would be in 'v'
         * before it, or order 'k' before it).  Not reversible as such. */
        if (retarget) {
            dpor_retarget(ex, k, j, q);
        }
        return;
    }
    if (initials & (f->backtrack | f->sleep.mask)) {
        return;                 /* Already explored, or to be. */
    }
    uint64_t pick = initials & f->runnable;
    if (!pick) {
        /* Cannot happen when the dependency relation covers enabledness;
         * be conservative if it does. */
        pick = f->runnable;
    } else {
        pick &= -pick;          /* The lowest. */
    }
    f->backtrack |= pick;
    ex->result->stats.backtracks++;
}

/* DPOR bookkeeping of the step just taken at depth 'j': its vector clock,
 * and its races with the steps before it. */
static void
dpor_step(struct ex *ex, size_t j)
{
    uint32_t q = ex->path[j];
    const struct ex_fp *fpj = &ex->ev_fps[j];
    size_t n = ex->stride;
    uint32_t *vcj = ex_vc(ex, j);
    uint32_t acc[EX_MAX_THREADS];
    bool seen_prev = false;

    memset(vcj, 0, n * sizeof *vcj);
    memset(acc, 0, n * sizeof *acc);
    for (size_t k = j; k-- > 0;) {
        uint32_t p = ex->path[k];
        const uint32_t *vck = ex_vc(ex, k);
        if (p == q) {
            if (!seen_prev) {
                /* Program order: the previous step of q, and through it
                 * every earlier one. */
                seen_prev = true;
                vc_join(vcj, vck, n);
                vc_join(acc, vck, n);
            }
            continue;
        }
        if (!fp_dependent(&ex->ev_fps[k], fpj)) {
            continue;
        }
        if (acc[p] < k + 1) {
            dpor_reverse(ex, k, j, q, true);
        }
        vc_join(acc, vck, n);
        vc_join(vcj, vck, n);
    }
    vcj[q] = (uint32_t) j + 1;
}

/* ==== The exhaustive search ==== */

/* Ends the schedule at 'depth' if it ends there: nothing is 'runnable'
 * (a complete schedule), or the depth bound cuts it.  Returns true if it
 * ended. */
static bool
ex_leaf(struct ex *ex, size_t depth, uint64_t runnable)
{
    struct explore_stats *st = &ex->result->stats;
    if (!runnable) {
        ex_schedule_done(ex, true);
        return true;
    }
    if (depth >= ex->limit) {
        st->bound_exceeded++;
        if (ex->reduction == EXPLORE_REDUCTION_DPOR) {
            st->dpor_cut = true;    /* DPOR misses races beyond the cut. */
        }
        ex_schedule_done(ex, false);
        return true;
    }
    return false;
}

/* Explores from the node at 'depth' (the live model is at ex->path[0..
 * depth)), whose sleep set is ex->frames[depth].sleep. */
static void
ex_dfs(struct ex *ex, size_t depth, int preemptions)
{
    struct explore_stats *st = &ex->result->stats;
    uint64_t runnable = ex_runnable(ex);

    if (ex_leaf(ex, depth, runnable)) {
        return;
    }

    struct ex_frame *f = ex_frame(ex, depth);
    uint64_t avail = runnable & ~f->sleep.mask;
    if (!avail) {
        st->pruned += (uint64_t) __builtin_popcountll(runnable);
        st->sleep_blocked++;
        return;
    }
    f->done.mask = 0;
    f->runnable = runnable;

    uint32_t last = depth ? ex->path[depth - 1] : UINT32_MAX;
    bool last_runnable = last != UINT32_MAX && (runnable >> last) & 1;
    if (ex->reduction == EXPLORE_REDUCTION_DPOR) {
        /* One to start with, the thread that ran last if it can (no
         * preemption); races found below add the others needed. */
        f->backtrack = last_runnable && (avail >> last) & 1
                       ? UINT64_C(1) << last : avail & -avail;
    } else {
        f->backtrack = avail;
    }
    uint32_t *prefix = uk_xmalloc((depth + 1) * sizeof *prefix);
    if (depth) {
        memcpy(prefix, ex->path, depth * sizeof *prefix);
    }

    uint64_t tried = 0;
    for (;;) {
        f = &ex->frames[depth];
        uint64_t m = f->backtrack & avail & ~tried;
        if (!m || ex->stop || ex_cancelled(ex)) {
            break;
        }
        uint32_t id = (uint32_t) lowest_bit(m);
        tried |= UINT64_C(1) << id;
        int pre = preemptions + (last_runnable && id != last);
        if (ex->opts.preempt_bound >= 0 && pre > ex->opts.preempt_bound) {
            st->bound_exceeded++;
            continue;
        }
        int error = ex_goto(ex, prefix, depth);
        if (error) {
            ex->error = error;
            ex->stop = true;
            break;
        }
        struct ex_fp fp;
        ex_step(ex, id, &fp);
        if (ex->reduction == EXPLORE_REDUCTION_DPOR) {
            dpor_step(ex, depth);
        }

        if (ex_check(ex, 0)) {
            ex_schedule_done(ex, false);
        } else {
            struct ex_frame *c = ex_frame(ex, depth + 1);
            f = &ex->frames[depth];     /* ex_frame() may have moved it. */
            c->sleep.mask = 0;
            if (ex->reduction != EXPLORE_REDUCTION_NONE) {
                uint64_t cand = (f->sleep.mask | f->done.mask)
                                & ~(UINT64_C(1) << id);
                for (uint64_t k = cand; k; k &= k - 1) {
                    int u = lowest_bit(k);
                    const struct ex_fp *ufp = (f->sleep.mask >> u) & 1
                                              ? &f->sleep.fps[u]
                                              : &f->done.fps[u];
                    if (!fp_dependent(ufp, &fp)) {
                        c->sleep.mask |= UINT64_C(1) << u;
                        c->sleep.fps[u] = *ufp;
                    }
                }
            }
            ex_dfs(ex, depth + 1, pre);
            f = &ex->frames[depth];
        }
        if (ex->reduction != EXPLORE_REDUCTION_NONE) {
            f->done.mask |= UINT64_C(1) << id;
            f->done.fps[id] = fp;
        }
    }
    if (!ex->stop) {
        st->pruned += (uint64_t) __builtin_popcountll(runnable & ~tried);
    }
    free(prefix);
}

/* One exhaustive search from a fresh model, within 'limit' steps. */
static void
ex_search(struct ex *ex, size_t limit)
{
    ex->limit = limit;
    ex->stop = false;
    int error = ex_build(ex);
    if (error) {
        ex->error = error;
        return;
    }
    ex_frame(ex, 0)->sleep.mask = 0;
    ex_dfs(ex, 0, 0);
}

/* ==== Breadth-first search ====
 *
 * Level by level: every node of depth d is expanded before any of depth
 * d + 1, so the first violation found is reached by a shortest schedule
 * (and, with 'all', each distinct one first by a shortest).  A node is its
 * path, kept in the frontier; expanding it rebuilds the model and replays
 * the path once per child.  The reduction is sleep sets: the sleep set of
 * a child depends only on its parent's and on the siblings before it, not
 * on the order in which subtrees are searched, so the tree is the one the
 * depth-first search with sleep sets walks, and sleep sets keep every
 * reachable state, at the same depth.  DPOR adds branches to a node after
 * its subtree has been searched, which breadth first cannot do: --bfs
 * uses sleep sets instead.  The frontier is bounded ('bfs_max_bytes'):
 * the search stops, not exhaustive, when the next level outgrows it. */

/* The nodes of one depth. */
struct ex_level {
    size_t depth;               /* Steps in each node's path. */
    size_t n, allocated;        /* Nodes. */
    uint32_t *paths;            /* (owned) 'depth' thread ids per node. */
    size_t allocated_paths;     /* Thread ids room in 'paths'. */
    uint64_t *sleep;            /* (owned) Each node's sleep set... */
    size_t *fp_start;           /* (owned) ...whose footprints are 'fps'
                                 * from fp_start[i], in thread order. */
    int *preemptions;           /* (owned) */
    struct ex_fp *fps;          /* (owned) */
    size_t n_fps, allocated_fps;
};

static size_t
level_bytes(const struct ex_level *l)
{
    return l->allocated_paths * sizeof *l->paths
           + l->allocated * (sizeof *l->sleep + sizeof *l->fp_start
                             + sizeof *l->preemptions)
           + l->allocated_fps * sizeof *l->fps;
}

static void
level_reset(struct ex_level *l, size_t depth)
{
    l->depth = depth;
    l->n = 0;
    l->n_fps = 0;
}

static void
level_free(struct ex_level *l)
{
    free(l->paths);
    free(l->sleep);
    free(l->fp_start);
    free(l->preemptions);
    free(l->fps);
    memset(l, 0, sizeof *l);
}

/* Appends a node: 'path' (l->depth - 1 steps) then 'id', asleep in
 * 'sleep' with footprints 'fps' (indexed by thread). */
static void
level_add(struct ex_level *l, const uint32_t *path, uint32_t id,
          uint64_t sleep, const struct ex_fp *fps, int preemptions)
{
    if ((l->n + 1) * l->depth > l->allocated_paths) {
        size_t n = l->allocated_paths ? 2 * l->allocated_paths : 1024;
        while (n < (l->n + 1) * l->depth) {
            n *= 2;
        }
        l->paths = uk_xrealloc(l->paths, n * sizeof *l->paths);
        l->allocated_paths = n;
    }
    if (l->n >= l->allocated) {
        size_t n = l->allocated ? 2 * l->allocated : 64;
        l->sleep = uk_xrealloc(l->sleep, n * sizeof *l->sleep);
        l->fp_start = uk_xrealloc(l->fp_start, n * sizeof *l->fp_start);
        l->preemptions = uk_xrealloc(l->preemptions,
                                     n * sizeof *l->preemptions);
        l->allocated = n;
    }
    uint32_t *p = &l->paths[l->n * l->depth];
    if (l->depth > 1) {
        memcpy(p, path, (l->depth - 1) * sizeof *p);
    }
    p[l->depth - 1] = id;
    l->sleep[l->n] = sleep;
    l->fp_start[l->n] = l->n_fps;
    l->preemptions[l->n] = preemptions;
    l->n++;
    size_t k = (size_t) __builtin_popcountll(sleep);
    if (l->n_fps + k > l->allocated_fps) {
        size_t n = l->allocated_fps ? 2 * l->allocated_fps : 64;
        while (n < l->n_fps + k) {
            n *= 2;
        }
        l->fps = uk_xrealloc(l->fps, n * sizeof *l->fps);
        l->allocated_fps = n;
    }
    for (uint64_t m = sleep; m; m &= m - 1) {
        l->fps[l->n_fps++] = fps[lowest_bit(m)];
    }
}

/* Expands node 'i' of 'cur' into 'next'. */
static void
ex_bfs_expand(struct ex *ex, const struct ex_level *cur, size_t i,
              struct ex_level *next)
{
    struct explore_stats *st = &ex->result->stats;
    size_t depth = cur->depth;
    const uint32_t *path = &cur->paths[i * depth];
    struct ex_fp sfps[EX_MAX_THREADS];      /* Sleep, then done, by id. */
    uint64_t sleep = cur->sleep[i], done = 0;
    int preemptions = cur->preemptions[i];

    if (depth > st->max_depth) {
        st->max_depth = depth;      /* The level reached, for progress. */
    }
    ex_poll(ex);
    if (ex->stop) {
        return;
    }

    size_t k = cur->fp_start[i];
    for (uint64_t m = sleep; m; m &= m - 1) {
        sfps[lowest_bit(m)] = cur->fps[k++];
    }
    int error = ex_goto(ex, path, depth);
    if (error) {
        ex->error = error;
        ex->stop = true;
        return;
    }
    uint64_t runnable = ex_runnable(ex);
    if (ex_leaf(ex, depth, runnable)) {
        return;
    }
    uint64_t avail = runnable & ~sleep;
    if (!avail) {
        st->pruned += (uint64_t) __builtin_popcountll(runnable);
        st->sleep_blocked++;
        return;
    }
    st->pruned += (uint64_t) __builtin_popcountll(runnable & sleep);

    uint32_t last = depth ? path[depth - 1] : UINT32_MAX;
    bool last_runnable = last != UINT32_MAX && (runnable >> last) & 1;
    for (uint64_t m = avail; m && !ex->stop && !ex_cancelled(ex);
         m &= m - 1) {
        uint32_t id = (uint32_t) lowest_bit(m);
        int pre = preemptions + (last_runnable && id != last);
        if (ex->opts.preempt_bound >= 0 && pre > ex->opts.preempt_bound) {
            st->bound_exceeded++;
            continue;
        }
        error = ex_goto(ex, path, depth);
        if (error) {
            ex->error = error;
            ex->stop = true;
            return;
        }
        struct ex_fp fp;
        ex_step(ex, id, &fp);
        if (ex_check(ex, 0)) {
            ex_schedule_done(ex, false);
        } else {
            uint64_t child = 0;
            if (ex->reduction != EXPLORE_REDUCTION_NONE) {
                for (uint64_t c = (sleep | done) & ~(UINT64_C(1) << id); c;
                     c &= c - 1) {
                    if (!fp_dependent(&sfps[lowest_bit(c)], &fp)) {
                        child |= c & -c;
                    }
                }
            }
            level_add(next, path, id, child, sfps, pre);
        }
        if (ex->reduction != EXPLORE_REDUCTION_NONE) {
            done |= UINT64_C(1) << id;
            sfps[id] = fp;
        }
    }
}

/* A breadth-first search from a fresh model, within 'limit' steps. */
static void
ex_bfs(struct ex *ex, size_t limit)
{
    struct explore_stats *st = &ex->result->stats;
    struct ex_level levels[2];
    size_t max_bytes = ex->opts.bfs_max_bytes ? ex->opts.bfs_max_bytes
                                              : EXPLORE_BFS_MAX_BYTES;

    memset(levels, 0, sizeof levels);
    ex->limit = limit;
    ex->stop = false;
    if (ex->reduction == EXPLORE_REDUCTION_DPOR) {
        ex->reduction = EXPLORE_REDUCTION_SLEEP;    /* See above. */
    }
    st->reduction = ex->reduction;

    /* The root: the empty path, nothing asleep. */
    struct ex_level *cur = &levels[0], *next = &levels[1];
    level_reset(cur, 0);
    cur->allocated = 1;
    cur->sleep = uk_xcalloc(1, sizeof *cur->sleep);
    cur->fp_start = uk_xcalloc(1, sizeof *cur->fp_start);
    cur->preemptions = uk_xcalloc(1, sizeof *cur->preemptions);
    cur->n = 1;
    while (cur->n && !ex->stop) {
        level_reset(next, cur->depth + 1);
        for (size_t i = 0; i < cur->n && !ex->stop; i++) {
            ex_bfs_expand(ex, cur, i, next);
            if (level_bytes(cur) + level_bytes(next) > max_bytes) {
                st->interrupted = true;
                st->frontier_full = true;
                ex->stop = true;
            }
        }
        struct ex_level *tmp = cur;
        cur = next;
        next = tmp;
    }
    level_free(&levels[0]);
    level_free(&levels[1]);
}

/* ==== Random and PCT ==== */

static uint32_t
pick_random(struct uk_rng *rng, uint64_t runnable)
{
    uint64_t k = uk_rng_below(rng, (uint64_t) __builtin_popcountll(runnable));
    for (uint64_t m = runnable;; m &= m - 1) {
        if (!k--) {
            return (uint32_t) lowest_bit(m);
        }
    }
}

/* Runs one schedule chosen by 'rng' (uniform), or by PCT priorities when
 * 'prio' is not NULL. */
static void
ex_run_one(struct ex *ex, uint64_t seed, size_t pct_k)
{
    struct uk_rng rng = { .state = uk_mix64(seed ^ 0x5ca1ab1eULL) };
    int64_t prio[EX_MAX_THREADS];
    uint64_t changes[64];
    unsigned int d = ex->opts.pct_depth;
    bool pct = ex->opts.strategy == EXPLORE_PCT;

    int error = ex_build(ex);
    if (error) {
        ex->error = error;
        ex->stop = true;
        return;
    }
    size_t n = ex->udpif->n_threads;
    if (pct) {
        /* Distinct initial priorities d .. d+n-1, in random order. */
        for (size_t i = 0; i < n; i++) {
            prio[i] = (int64_t) (d + i);
        }
        for (size_t i = n; i > 1; i--) {
            size_t j = uk_rng_below(&rng, i);
            int64_t tmp = prio[i - 1];
            prio[i - 1] = prio[j];
            prio[j] = tmp;
        }
        for (unsigned int j = 0; j + 1 < d && j < 64; j++) {
            changes[j] = 1 + uk_rng_below(&rng, pct_k ? pct_k : 1);
        }
    }
    size_t cap = ex->limit;
    for (uint64_t s = 1;; s++) {
        uint64_t runnable = ex_runnable(ex);
        if (!runnable) {
            ex_schedule_done(ex, true);
            return;
        }
        if (ex_cancelled(ex)) {
            ex_schedule_done(ex, false);
            return;
        }
        if (ex->n_path >= cap) {
            ex->result->stats.bound_exceeded++;
            ex_schedule_done(ex, false);
            return;
        }
        uint32_t id;
        if (pct) {
            id = UINT32_MAX;
            for (uint64_t m = runnable; m; m &= m - 1) {
                uint32_t c = (uint32_t) lowest_bit(m);
                if (id == UINT32_MAX || prio[c] > prio[id]) {
                    id = c;
                }
            }
            for (unsigned int j = 0; j + 1 < d && j < 64; j++) {
                if (changes[j] == s) {
                    prio[id] = (int64_t) d - 1 - j;  /* Below all others. */
                }
            }
        } else {
            id = pick_random(&rng, runnable);
        }
        ex_step(ex, id, NULL);
        if (ex_check(ex, seed)) {
            ex_schedule_done(ex, false);
            return;
        }
    }
}

static void
ex_sample(struct ex *ex)
{
    size_t pct_k = 0;
    ex->limit = ex->opts.depth_bound ? ex->opts.depth_bound
                                     : ex->opts.max_steps;
    if (ex->opts.strategy == EXPLORE_PCT) {
        /* k, the number of steps: that of the lowest-thread-first run. */
        int error = ex_build(ex);
        if (error) {
            ex->error = error;
            return;
        }
        while (ex->n_path < ex->limit && !ex_cancelled(ex)) {
            uint64_t runnable = ex_runnable(ex);
            if (!runnable) {
                ex->quiescent = true;
                break;
            }
            ex_step(ex, (uint32_t) lowest_bit(runnable), NULL);
        }
        pct_k = ex->n_path;
    }
    for (uint64_t i = 0; i < ex->opts.n_runs && !ex->stop; i++) {
        ex_run_one(ex, ex->opts.seed + i, pct_k);
    }
}

/* ==== Entry points ==== */

static void
ex_init(struct ex *ex, explore_setup_fn *setup, void *aux,
        const struct explore_options *opts, struct explore_result *result)
{
    memset(ex, 0, sizeof *ex);
    ex->setup = setup;
    ex->aux = aux;
    if (opts) {
        ex->opts = *opts;
    } else {
        explore_options_init(&ex->opts);
    }
    if (!ex->opts.max_steps) {
        ex->opts.max_steps = 100000;
    }
    if (!(ex->opts.progress_period > 0)) {
        ex->opts.progress_period = 0.5;
    }
    ex->next_progress = 0;
    ex->result = result;
    ex->reduction = ex->opts.preempt_bound < 0 ? ex->opts.reduction
                                               : EXPLORE_REDUCTION_NONE;
    clock_gettime(CLOCK_MONOTONIC, &ex->start);
}

static void
ex_fini(struct ex *ex)
{
    ex_release_model(ex);
    for (size_t i = 0; i < ex->n_frames; i++) {
        free(ex->frames[i].sleep.fps);
        free(ex->frames[i].done.fps);
    }
    free(ex->frames);
    free(ex->path);
    free(ex->ev_fps);
    free(ex->vcs);
    free(ex->hit);
    free(ex->states);
}

/* Whether should_install_flow()'s unlogged read of the datapath flow count
 * could matter (see the file comment). */
static bool
ex_flow_limit_reachable(explore_setup_fn *setup, void *aux)
{
    struct udpif *u = setup(aux);
    if (!u) {
        return false;
    }
    bool reachable = u->cfg.flow_limit
                     <= 2 * (u->n_flows + 1) * (u->n_threads + 1);
    udpif_destroy(u);
    return reachable;
}

int
explore_run(explore_setup_fn *setup, void *aux,
            const struct explore_options *opts,
            struct explore_result *result)
{
    struct ex ex;

    memset(result, 0, sizeof *result);
    ex_init(&ex, setup, aux, opts, result);
    if (ex.opts.strategy >= N_EXPLORE_STRATEGIES
        || ex.opts.reduction >= N_EXPLORE_REDUCTIONS
        || (ex.opts.strategy == EXPLORE_PCT && !ex.opts.pct_depth)) {
        ex_fini(&ex);
        return EINVAL;
    }
    if (ex.reduction != EXPLORE_REDUCTION_NONE
        && ex_flow_limit_reachable(setup, aux)) {
        ex.reduction = EXPLORE_REDUCTION_NONE;
    }
    if (ex.opts.strategy == EXPLORE_DFS || ex.opts.strategy == EXPLORE_BFS) {
        result->stats.reduction = ex.reduction;
    }

    switch (ex.opts.strategy) {
    case EXPLORE_DFS:
    case EXPLORE_BFS: {
        size_t limit = ex.opts.depth_bound ? ex.opts.depth_bound
                                           : ex.opts.max_steps;
        if (ex.opts.strategy == EXPLORE_BFS) {
            ex_bfs(&ex, limit);
        } else {
            ex_search(&ex, limit);
        }
        result->stats.exhausted = !ex.error && !result->stats.interrupted
                                  && !result->stats.dpor_cut
                                  && (ex.opts.all || !result->n_violations);
        break;
    }
    case EXPLORE_RANDOM:
    case EXPLORE_PCT:
        ex_sample(&ex);
        break;
    case N_EXPLORE_STRATEGIES:
        break;
    }
    ex_release_model(&ex);

    /* Breadth first found the shortest schedules already. */
    bool shorten = ex.opts.minimize && ex.opts.strategy != EXPLORE_BFS;
    for (size_t i = 0; shorten && !ex.error && !result->stats.cancelled
                       && i < result->n_violations; i++) {
        struct explore_options mopts = ex.opts;
        mopts.minimize = true;
        mopts.progress = NULL;
        int error = explore_minimize(setup, aux, &mopts,
                                     &result->violations[i]);
        if (error) {
            ex.error = error;
        }
    }

    if (ex.opts.hash_states) {
        result->final_states = uk_xcalloc(ex.n_states ? ex.n_states : 1,
                                          sizeof *result->final_states);
        for (size_t i = 0; i < ex.allocated_states; i++) {
            if (ex.states[i]) {
                result->final_states[result->n_final_states++]
                    = ex.states[i];
            }
        }
        qsort(result->final_states, result->n_final_states,
              sizeof *result->final_states, cmp_u64);
        result->stats.states = result->n_final_states;
    }
    result->stats.elapsed = ex_elapsed(&ex);
    int error = ex.error;
    ex_fini(&ex);
    return error;
}

/* ==== Replay ==== */

static void
schedule_add(struct explore_schedule *s, const struct uk_thread *t)
{
    char buf[256];
    uk_action_format(&t->next, buf, sizeof buf);
    s->steps = uk_grow(s->steps, &s->allocated, s->n + 1, sizeof *s->steps);
    s->steps[s->n++] = (struct explore_step) {
        .thread_id = t->id, .thread = uk_xstrdup(t->name),
        .action = uk_xstrdup(buf), .kind = t->next.kind,
    };
}

int
explore_replay(explore_setup_fn *setup, void *aux, const uint32_t *tids,
               size_t n, bool warnings, struct explore_violation *out,
               size_t *failed_at)
{
    return replay__(setup, aux, tids, n, warnings, NULL, out, failed_at);
}

/* explore_replay(), stopping only at a violation like 'target' if it is
 * not NULL. */
static int
replay__(explore_setup_fn *setup, void *aux, const uint32_t *tids, size_t n,
         bool warnings, const struct ukey_event *target,
         struct explore_violation *out, size_t *failed_at)
{
    struct explore_result scratch;
    struct explore_options opts;
    struct ex ex;
    int error = 0;

    explore_options_init(&opts);
    opts.warnings = warnings;
    memset(&scratch, 0, sizeof scratch);
    ex_init(&ex, setup, aux, &opts, &scratch);
    if (out) {
        memset(out, 0, sizeof *out);
    }
    error = ex_build(&ex);
    for (size_t i = 0; !error && i < n; i++) {
        struct uk_thread *t = ex_thread(ex.udpif, tids[i]);
        if (!t || !uk_thread_runnable(t)) {
            if (failed_at) {
                *failed_at = i;
            }
            error = EAGAIN;
            break;
        }
        if (out) {
            schedule_add(&out->schedule, t);
        }
        ex_step(&ex, tids[i], NULL);
        const struct ex_pending *p = NULL;
        for (size_t j = 0; !p && j < ex.n_pending; j++) {
            if (!target || explore_same_violation(&ex.pending[j].event,
                                                  target)) {
                p = &ex.pending[j];
            }
        }
        if (p) {
            if (out) {
                out->event = p->event;
                out->detail = uk_xstrdup(p->detail);
                out->event.name = out->detail;
                for (size_t j = 0; j < ex.udpif->n_flows; j++) {
                    if (ex.udpif->flows[j]->ufid == p->event.ufid) {
                        out->flow = uk_xstrdup(ex.udpif->flows[j]->name);
                    }
                }
            }
            break;
        }
    }
    ex.quiescent = !error && ex.udpif && !ex_runnable(&ex);
    ex_fini(&ex);
    return error;
}

/* ==== Minimisation ==== */

/* Whether 'tids[0..n)' reaches a violation like 'target'; if so '*len' is
 * the length of the prefix that does. */
static bool
reaches(explore_setup_fn *setup, void *aux, const uint32_t *tids, size_t n,
        const struct explore_options *opts, const struct ukey_event *target,
        size_t *len)
{
    struct explore_result scratch;
    struct ex ex;
    bool hit = false;

    memset(&scratch, 0, sizeof scratch);
    ex_init(&ex, setup, aux, opts, &scratch);
    if (ex_build(&ex)) {
        ex_fini(&ex);
        return false;
    }
    for (size_t i = 0; i < n && !hit; i++) {
        if (ex_step(&ex, tids[i], NULL)) {
            break;
        }
        for (size_t j = 0; j < ex.n_pending; j++) {
            if (explore_same_violation(&ex.pending[j].event, target)) {
                hit = true;
                *len = i + 1;
            }
        }
    }
    ex_fini(&ex);
    return hit;
}

/* Which threads the violation names. */
static bool
involved(const struct ukey_event *e, uint32_t id)
{
    return id == e->thread_id || (e->thread2 && id == e->thread2);
}

int
explore_minimize(explore_setup_fn *setup, void *aux,
                 const struct explore_options *opts,
                 struct explore_violation *v)
{
    struct ukey_event target = v->event;
    size_t n;
    uint32_t *best = explore_schedule_tids(&v->schedule, &n);
    struct explore_options o = *opts;
    o.all = true;
    o.progress = NULL;
    o.hash_states = false;
    o.strategy = EXPLORE_DFS;
    if (o.reduction == EXPLORE_REDUCTION_DPOR) {
        o.reduction = EXPLORE_REDUCTION_SLEEP;  /* Depth-bounded searches. */
    }
    if (!o.max_schedules) {
        o.max_schedules = 200000;   /* Per re-search: a budget. */
    }

    /* Shortest: re-search with a depth bound below the best length. */
    while (n > 1) {
        struct explore_result scratch;
        struct ex ex;
        memset(&scratch, 0, sizeof scratch);
        ex_init(&ex, setup, aux, &o, &scratch);
        if (ex_flow_limit_reachable(setup, aux)) {
            ex.reduction = EXPLORE_REDUCTION_NONE;
        }
        ex.target = &target;
        ex_search(&ex, n - 1);
        bool shorter = ex.hit && ex.n_hit < n;
        if (shorter) {
            memcpy(best, ex.hit, ex.n_hit * sizeof *best);
            n = ex.n_hit;
        }
        ex_fini(&ex);
        if (!shorter) {
            break;
        }
    }

    /* Drop the steps of uninvolved threads that do not matter. */
    uint32_t *trial = uk_xmalloc((n ? n : 1) * sizeof *trial);
    for (bool progress = true; progress && !(o.cancel && *o.cancel);) {
        progress = false;
        for (size_t i = n; i-- > 0;) {
            if (involved(&target, best[i])) {
                continue;
            }
            memcpy(trial, best, i * sizeof *trial);
            memcpy(trial + i, best + i + 1, (n - i - 1) * sizeof *trial);
            size_t len;
            if (reaches(setup, aux, trial, n - 1, &o, &target, &len)) {
                memcpy(best, trial, len * sizeof *best);
                n = len;
                progress = true;
                break;
            }
        }
    }
    free(trial);

    struct explore_violation nv;
    int error = replay__(setup, aux, best, n, opts->warnings, &target, &nv,
                         NULL);
    if (!error && nv.event.type == UK_EV_VIOLATION
        && explore_same_violation(&nv.event, &target)) {
        nv.found_length = v->found_length;
        nv.seed = v->seed;
        explore_violation_destroy(v);
        *v = nv;
    } else {
        explore_violation_destroy(&nv);
    }
    free(best);
    return error == EINVAL ? EINVAL : 0;
}

/* ==== Scripts ==== */

int
explore_write_script(FILE *stream, const struct explore_violation *v,
                     bool group)
{
    const char *kind = uk_violation_kind_name(v->event.kind);

    fprintf(stream, "# %s on %s (ukey#%llu): %s\n", kind,
            v->flow ? v->flow : "?", (unsigned long long) v->event.ukey_id,
            v->detail ? v->detail : "");
    fprintf(stream, "# %zu step%s (first found: %zu)", v->schedule.n,
            v->schedule.n == 1 ? "" : "s", v->found_length);
    if (v->seed) {
        fprintf(stream, ", seed %llu", (unsigned long long) v->seed);
    }
    fputs("\n", stream);
    for (size_t i = 0; i < v->schedule.n;) {
        const struct explore_step *s = &v->schedule.steps[i];
        size_t j = i + 1;
        while (group && j < v->schedule.n
               && v->schedule.steps[j].thread_id == s->thread_id) {
            j++;
        }
        if (j - i == 1) {
            fprintf(stream, "step %s  # %s\n", s->thread, s->action);
        } else {
            fprintf(stream, "step %s %zu  # %s ... %s\n", s->thread, j - i,
                    s->action, v->schedule.steps[j - 1].action);
        }
        i = j;
    }
    fprintf(stream, "expect violation %s\n", kind);
    return ferror(stream) ? EIO : 0;
}
