/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the files of the explorer (core/explore.c,
 * explore-footprint.c, explore-state.c, explore-dfs.c, explore-bfs.c,
 * explore-sample.c, explore-replay.c): a step's footprint, the explorer's
 * state, and the functions one file calls in another.  An explorer is used
 * by one thread at a time. */
#ifndef UKDB_CORE_EXPLORE_PRIVATE_H
#define UKDB_CORE_EXPLORE_PRIVATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#include "explore.h"

#define EX_MAX_THREADS 64
#define EX_FP_UKEYS 8
#define EX_FP_UFIDS 4

/* ==== Footprints (core/explore-footprint.c) ==== */

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
    bool blocking;              /* Its action can be disabled (a lock, a
                                 * barrier, a pause, a join, an RCU
                                 * callback, the start of an operation):
                                 * for DPOR, not a dependency. */
    uint8_t n_ukeys, n_ufids;
    uint64_t umap_r;            /* Bit (shard % 64): contents read... */
    uint64_t umap_w;            /* ...written... */
    uint64_t umap_lock;         /* ...its mutex taken, tried or released. */
    uint64_t ukeys[EX_FP_UKEYS];
    uint64_t ufids[EX_FP_UFIDS];
};

void ex_fp_from_action(struct ex_fp *, const struct uk_action *,
                       enum uk_thread_kind);
void ex_fp_from_event(struct ex_fp *, const struct ukey_event *);
bool ex_fp_dependent(const struct ex_fp *, const struct ex_fp *);

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
    /* The depth-first search's place at this node (it keeps its stack
     * here, not on the C stack: schedules run to 100000 steps). */
    uint64_t avail;             /* Runnable and not asleep. */
    uint64_t tried;             /* Children taken. */
    uint32_t id;                /* The child being explored... */
    struct ex_fp fp;            /* ...and the footprint of its step. */
    int preemptions;            /* Up to this node. */
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
    struct ex_pending *pending; /* (owned) As many as the step reported
                                 * (the liveness rules at a round's end
                                 * report one per ukey or flow). */
    size_t n_pending, allocated_pending;

    struct ex_frame *frames;    /* (owned) DFS stack, by depth. */
    size_t n_frames;
    size_t limit;               /* Depth limit of this search. */
    enum explore_reduction reduction;
    bool stop;
    bool limit_hit;             /* --time-limit stopped the search: it
                                 * is 'interrupted' if work was left
                                 * (ex_limit_left()). */
    bool probing;               /* --max-schedules reached: the search
                                 * goes on only to see whether another
                                 * schedule is left, and stops, interrupted,
                                 * as soon as one ends. */

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

/* ==== The live model and the search clock (core/explore.c) ==== */

int ex_build(struct ex *);
uint64_t ex_runnable(const struct ex *);
struct uk_thread *ex_thread(const struct udpif *, uint32_t id);
int ex_step(struct ex *, uint32_t id, struct ex_fp *);
int ex_goto(struct ex *, const uint32_t *path, size_t n);
bool ex_check(struct ex *, uint64_t seed);
bool ex_cancelled(struct ex *);
void ex_poll(struct ex *);
void ex_schedule_done(struct ex *, bool complete);
void ex_limit_left(struct ex *);
void ex_init(struct ex *, explore_setup_fn *, void *aux,
             const struct explore_options *, struct explore_result *);
void ex_fini(struct ex *);
int ex_flow_limit_reachable(explore_setup_fn *, void *aux);

/* ==== Final states (core/explore-state.c) ==== */

void ex_states_add(struct ex *, uint64_t h);
void ex_states_collect(struct ex *, struct explore_result *);

/* ==== Searches (core/explore-dfs.c, explore-bfs.c, explore-sample.c) ==== */

static inline int
lowest_bit(uint64_t mask)
{
    return __builtin_ctzll(mask);
}

bool ex_leaf(struct ex *, size_t depth, uint64_t runnable);
void ex_search(struct ex *, size_t limit);
void ex_bfs(struct ex *, size_t limit);
void ex_sample(struct ex *);

/* ==== Replay (core/explore-replay.c) ==== */

int ex_replay(explore_setup_fn *, void *aux, const uint32_t *tids, size_t n,
              bool warnings, const struct ukey_event *target,
              struct explore_violation *out, size_t *failed_at);

#endif /* core/explore-private.h */
