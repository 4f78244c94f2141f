/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer (see explore.h): search by replay over the stepped model.
 *
 * A branch of the search is a schedule prefix; the explorer keeps one live
 * model and, to visit a sibling, rebuilds it with the setup callback and
 * replays the prefix.  The checker's 'violation' events are collected by an
 * observer on the model's bus after every step.
 *
 * The dependency relation of two steps is in explore-footprint.c; the
 * searches in explore-dfs.c, explore-bfs.c and explore-sample.c; final
 * states in explore-state.c; replay, minimisation and scripts in
 * explore-replay.c.
 *
 * Sleep sets (Godefroid): a thread whose step from a node was already
 * explored, or that was asleep in the parent, sleeps in the child while
 * the steps taken are independent of its own; a sleeping thread is not
 * stepped.  Alone, they explore every enabled thread at each node but
 * still exactly one complete schedule per Mazurkiewicz trace, at the cost
 * of prefixes abandoned when every runnable thread sleeps
 * ("sleep-blocked"), which grow fast with the number of threads.  DPOR
 * (see "DPOR" in explore-dfs.c) explores only the threads that reverse a
 * race it saw, and so avoids most of those.
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

#include "explore-private.h"
#include "udpif-private.h"
#include "util.h"

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
    opts->last_thread = UINT32_MAX;
    opts->max_steps = 100000;
    opts->n_runs = 1000;
    opts->seed = 1;
    opts->pct_depth = 3;
    opts->minimize = true;
    opts->progress_period = 0.5;
}

/* ==== The live model ==== */

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
    ex_fp_from_event(&ex->step_fp, e);
    if (e->type == UK_EV_CREATE && ex->udpif
        && !ex->udpif->variant->new_dump_seq_zero) {
        /* ukey_create_seqs() read udpif->dump_seq, which R6 writes. */
        ex->step_fp.round_r = true;
    }
    if (e->type == UK_EV_VIOLATION
        && (e->result == UK_SEV_ERROR || ex->opts.warnings)) {
        ex->pending = uk_grow(ex->pending, &ex->allocated_pending,
                              ex->n_pending + 1, sizeof *ex->pending);
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

int
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
uint64_t
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

struct uk_thread *
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
int
ex_step(struct ex *ex, uint32_t id, struct ex_fp *fp)
{
    struct udpif *u = ex->udpif;
    struct uk_thread *t = ex_thread(u, id);
    if (!t || !uk_thread_runnable(t)) {
        return EAGAIN;
    }
    struct ex_snap before, after;
    enum uk_action_kind was = t->next.kind;
    bool was_offline = t->rcu_offline;
    snap_take(u, &before);
    ex_fp_from_action(&ex->step_fp, &t->next, t->kind);
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
    if (t->rcu_offline != was_offline) {
        ex->step_fp.rcu_q = true;       /* Blocked at a barrier, or woke. */
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
int
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

/* ==== Results ==== */

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

/* Whether 'e' is like one of the violations the caller already reported
 * (explore_options's 'known'). */
static bool
ex_known(const struct ex *ex, const struct ukey_event *e)
{
    for (size_t i = 0; i < ex->opts.n_known; i++) {
        if (explore_same_violation(&ex->opts.known[i], e)) {
            return true;
        }
    }
    return false;
}

/* Handles the violations of the step just taken at ex->path's end.
 * Returns true if the search must not go deeper on this branch. */
bool
ex_check(struct ex *ex, uint64_t seed)
{
    struct explore_result *r = ex->result;
    bool found = false;

    if (ex->probing) {
        /* Past --max-schedules: a violation ends a schedule that is not
         * counted (ex_schedule_done() stops the search). */
        for (size_t i = 0; i < ex->n_pending; i++) {
            if (!ex->target
                || explore_same_violation(&ex->pending[i].event,
                                          ex->target)) {
                return true;
            }
        }
        return false;
    }
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
        if (ex_known(ex, e)) {
            continue;
        }
        found = true;
        if (result_find(r, e)) {
            continue;
        }
        r->violations = uk_grow(r->violations, &r->allocated_violations,
                                r->n_violations + 1, sizeof *r->violations);
        struct explore_violation *v = &r->violations[r->n_violations];
        int error = ex_replay(ex->setup, ex->aux, ex->path, ex->n_path,
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
bool
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
void
ex_poll(struct ex *ex)
{
    struct explore_stats *st = &ex->result->stats;
    if (ex->opts.time_limit > 0 && ex_elapsed(ex) > ex->opts.time_limit) {
        ex->limit_hit = true;
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

void
ex_schedule_done(struct ex *ex, bool complete)
{
    struct explore_stats *st = &ex->result->stats;
    if (ex->probing) {
        /* One more schedule than --max-schedules: there was more. */
        st->interrupted = true;
        ex->stop = true;
        return;
    }
    st->schedules++;
    if (ex->n_path > st->max_depth) {
        st->max_depth = ex->n_path;
    }
    if (complete) {
        st->complete++;
        ex->quiescent = true;
        if (ex->opts.hash_states) {
            ex_states_add(ex, explore_state_hash(ex->udpif));
        }
    }
    if (ex->opts.max_schedules && st->schedules >= ex->opts.max_schedules) {
        /* Stop at the next schedule, if there is one: a space of exactly
         * 'max_schedules' schedules is covered. */
        ex->probing = true;
    }
    ex_poll(ex);
}

/* Called by a search that stopped with work left to do: if --time-limit
 * stopped it, it is 'interrupted'.  A limit reached with the last
 * schedule of the space leaves the search complete. */
void
ex_limit_left(struct ex *ex)
{
    if (ex->limit_hit) {
        ex->result->stats.interrupted = true;
    }
}

/* ==== Entry points ==== */

void
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

void
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
    free(ex->pending);
    free(ex->states);
}

/* Whether should_install_flow()'s unlogged read of the datapath flow count
 * could matter (see explore-footprint.c): 1 yes, 0 no, -1 the setup
 * failed. */
int
ex_flow_limit_reachable(explore_setup_fn *setup, void *aux)
{
    struct udpif *u = setup(aux);
    if (!u) {
        return -1;
    }
    bool reachable = u->cfg.flow_limit
                     <= 2 * (u->n_flows + 1) * (u->n_threads + 1);
    udpif_destroy(u);
    return reachable;
}

/* Minimises each violation of the search, within what is left of the
 * run's --time-limit and --max-schedules. */
static void
ex_minimize_all(struct ex *ex)
{
    struct explore_result *result = ex->result;
    struct explore_stats *st = &result->stats;
    for (size_t i = 0; !ex->error && !st->cancelled
                       && i < result->n_violations; i++) {
        struct explore_options mopts = ex->opts;
        mopts.minimize = true;
        mopts.progress = NULL;
        if (ex->opts.time_limit > 0) {
            /* --time-limit bounds the whole run, minimisation included:
             * what is left of it, if anything. */
            mopts.time_limit = ex->opts.time_limit - ex_elapsed(ex);
        }
        if (ex->opts.max_schedules) {
            /* So does --max-schedules: the search's schedules and every
             * minimisation's, together. */
            uint64_t used = st->schedules + st->min_schedules;
            mopts.max_schedules = used < ex->opts.max_schedules
                                  ? ex->opts.max_schedules - used : 0;
        }
        if ((ex->opts.time_limit > 0 && !(mopts.time_limit > 0))
            || (ex->opts.max_schedules && !mopts.max_schedules)) {
            st->min_cut = true;     /* Nothing left: reported as found. */
            break;
        }
        int error = explore_minimize(ex->setup, ex->aux, &mopts,
                                     &result->violations[i], st);
        if (error) {
            ex->error = error;
        }
        if (ex->opts.cancel && *ex->opts.cancel) {
            /* Cancelled while it shortened: the search was interrupted. */
            st->interrupted = st->cancelled = true;
        }
    }
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
    /* A setup that fails fails the search now, not at some later build
     * (after which a caller's setup might build a scenario cut short). */
    int limit_reachable = ex_flow_limit_reachable(setup, aux);
    if (limit_reachable < 0) {
        ex_fini(&ex);
        return EINVAL;
    }
    if (limit_reachable) {
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
                                  && !result->stats.capped
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
    if (ex.opts.minimize && ex.opts.strategy != EXPLORE_BFS) {
        ex_minimize_all(&ex);
    }

    if (ex.opts.hash_states) {
        ex_states_collect(&ex, result);
    }
    result->stats.elapsed = ex_elapsed(&ex);
    int error = ex.error;
    ex_fini(&ex);
    return error;
}
