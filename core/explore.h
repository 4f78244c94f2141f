/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer: searches the interleavings of a scenario for violations of
 * the lifecycle checker, and hands back the failing schedule.
 *
 * A scenario is a model built by the caller's setup callback: threads,
 * flows and queued operations, nothing stepped.  A schedule is the list of
 * thread ids stepped; because stepped runs are deterministic, a schedule
 * replayed on a fresh setup gives the same events, so the explorer visits a
 * branch by rebuilding the model and replaying its prefix.  After every step
 * it looks at the checker's 'violation' events (ERROR ones by default,
 * liveness ones included: the checker emits those at round boundaries).  A
 * schedule ends when no thread is runnable.
 *
 * Strategies: exhaustive depth-first search with partial-order reduction
 * over the dependency relation of the model's steps (explore-footprint.c):
 * source-DPOR with sleep sets (the default), sleep sets alone, or none;
 * breadth-first search (sleep sets or none) for shortest counterexamples,
 * preemption and depth bounds, random schedules and PCT.  Every run is
 * reproducible from its options and seed.  core/ prints nothing: the
 * caller formats results, with explore_write_script() for the replayable
 * script.
 *
 * Synchronization: none; one explorer runs on the OS thread that may create
 * models (udpif_create()). */
#ifndef UKDB_CORE_EXPLORE_H
#define UKDB_CORE_EXPLORE_H 1

#include <signal.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include "event.h"
#include "udpif.h"

/* Builds a fresh model with the scenario applied and nothing stepped.
 * Must be deterministic: the same model (threads, ids, queued work) every
 * call.  Returns NULL on error (the search then fails with EINVAL).  The
 * explorer owns the result and frees it with udpif_destroy(). */
typedef struct udpif *explore_setup_fn(void *aux);

#define EXPLORE_STRATEGIES(X) \
    X(DFS, "dfs")       /* Exhaustive depth-first, with reduction. */ \
    X(BFS, "bfs")       /* Breadth first: shortest first. */ \
    X(RANDOM, "random") /* 'n_runs' uniformly random schedules. */ \
    X(PCT, "pct")       /* 'n_runs' PCT schedules of depth 'pct_depth'. */

enum explore_strategy {
#define EXPLORE_STRATEGY_ENUM_(NAME, TEXT) EXPLORE_##NAME,
    EXPLORE_STRATEGIES(EXPLORE_STRATEGY_ENUM_)
#undef EXPLORE_STRATEGY_ENUM_
    N_EXPLORE_STRATEGIES
};

const char *explore_strategy_name(int);
int explore_strategy_from_name(const char *);  /* -1 if unknown. */

/* Partial-order reduction of the exhaustive strategies (DFS, BFS). */
#define EXPLORE_REDUCTIONS(X) \
    X(NONE, "none")     /* Every interleaving. */ \
    X(SLEEP, "sleep")   /* Sleep sets alone. */ \
    X(DPOR, "dpor")     /* Source-DPOR with sleep sets. */

enum explore_reduction {
#define EXPLORE_REDUCTION_ENUM_(NAME, TEXT) EXPLORE_REDUCTION_##NAME,
    EXPLORE_REDUCTIONS(EXPLORE_REDUCTION_ENUM_)
#undef EXPLORE_REDUCTION_ENUM_
    N_EXPLORE_REDUCTIONS
};

const char *explore_reduction_name(int);
int explore_reduction_from_name(const char *); /* -1 if unknown. */

struct explore_stats;

/* Called when a schedule ends: after the first one, then at most once
 * every 'progress_period' seconds (and never when NULL).  'stats' is the
 * search so far ('elapsed' up to date). */
typedef void explore_progress_fn(const struct explore_stats *, void *aux);

/* The schedules one minimisation may run when 'max_schedules' is 0. */
#define EXPLORE_MINIMIZE_BUDGET 200000

/* The default bound on the memory of a breadth-first search's frontier. */
#define EXPLORE_BFS_MAX_BYTES ((size_t) 512 << 20)

struct explore_options {
    enum explore_strategy strategy;
    enum explore_reduction reduction; /* DFS/BFS.  Default DPOR (sleep
                                 * sets under BFS, see explore-bfs.c).  Forced
                                 * to NONE under a preemption bound, whose
                                 * combination with either reduction would
                                 * be unsound.  DPOR under a depth bound
                                 * (or 'max_steps') is not exhaustive once
                                 * a schedule is cut: see 'dpor_cut'. */
    int preempt_bound;          /* Max preemptions per schedule; -1 none. */
    uint32_t last_thread;       /* The thread that took the step before
                                 * the search, for the preemption bound:
                                 * a first step of another thread while it
                                 * is runnable preempts it.  UINT32_MAX
                                 * (the default): none. */
    size_t depth_bound;         /* Max steps per schedule; 0 = none (a
                                 * safety cap of 'max_steps' applies). */
    size_t max_steps;           /* Hard cap per schedule (default 100000). */
    uint64_t n_runs;            /* RANDOM, PCT: schedules to run. */
    uint64_t seed;              /* RANDOM, PCT: run i uses seed + i. */
    unsigned int pct_depth;     /* PCT: bug depth d (>= 1, default 3). */
    bool all;                   /* Keep going: every distinct (kind, flow). */
    bool minimize;              /* Shortest found, then drop the steps that
                                 * do not matter.  Default true. */
    bool warnings;              /* Count WARNING violations too. */
    uint64_t max_schedules;     /* Schedules of the whole run: the
                                 * search's, then the minimiser's (its
                                 * re-searches and trial replays) out of
                                 * what is left; 0 = no limit (each
                                 * minimisation then has its own budget,
                                 * EXPLORE_MINIMIZE_BUDGET). */
    double time_limit;          /* Seconds; 0 = none.  Checked after
                                 * every schedule. */
    const volatile sig_atomic_t *cancel; /* (borrowed) Stop as soon as
                                 * '*cancel' is nonzero (a SIGINT
                                 * handler's flag), or NULL.  Checked
                                 * before every step. */
    bool hash_states;           /* Count distinct final states. */
    const struct ukey_event *known; /* (borrowed) 'n_known' violations
                                 * already reported (the scenario's own):
                                 * one like them (same kind, same flow) is
                                 * neither reported nor stops the search. */
    size_t n_known;
    size_t bfs_max_bytes;       /* BFS: memory for the frontier (two
                                 * levels); 0 = EXPLORE_BFS_MAX_BYTES. */
    explore_progress_fn *progress;
    void *progress_aux;
    double progress_period;     /* Seconds between progress calls;
                                 * default 0.5. */
};

/* Fills 'opts' with the defaults: DFS with DPOR, no bounds,
 * minimisation on, seed 1, 1000 runs, PCT depth 3. */
void explore_options_init(struct explore_options *opts);

struct explore_stats {
    uint64_t schedules;         /* Schedules the search ran to their end
                                 * (or to a violation, or to a bound);
                                 * minimisation not included. */
    uint64_t complete;          /* ...of which ended with no runnable
                                 * thread. */
    uint64_t steps;             /* Model steps the search executed,
                                 * replays included. */
    uint64_t setups;            /* Models built. */
    uint64_t pruned;            /* Branches skipped by the reduction. */
    uint64_t sleep_blocked;     /* Prefixes abandoned: every runnable
                                 * thread asleep (already covered). */
    uint64_t bound_exceeded;    /* Branches cut by the depth or preemption
                                 * bound. */
    uint64_t races;             /* DPOR: races found in explored
                                 * schedules... */
    uint64_t backtracks;        /* ...and the branches added to reverse
                                 * them. */
    enum explore_reduction reduction; /* The reduction used. */
    bool dpor_cut;              /* DPOR and some schedule was cut by the
                                 * depth bound: races past the cut are not
                                 * seen, so schedules within the bound may
                                 * be missed ('exhausted' is false). */
    bool capped;                /* Some schedule was cut by 'max_steps'
                                 * (no 'depth_bound' given): not
                                 * exhaustive ('exhausted' is false). */
    bool frontier_full;         /* BFS stopped: the next level would
                                 * not fit in 'bfs_max_bytes'. */
    uint64_t states;            /* Distinct final states (hash_states). */
    uint64_t violating;         /* Schedules that ended on a violation. */
    size_t max_depth;           /* Longest schedule seen. */
    uint64_t min_schedules;     /* Minimisation: schedules run (each
                                 * re-search's and each trial replay)... */
    uint64_t min_steps;         /* ...and model steps executed. */
    bool min_cut;               /* A minimisation stopped early, on
                                 * 'max_schedules', its own budget or
                                 * 'time_limit': a schedule reported may
                                 * not be as short as it could be. */
    double elapsed;             /* Seconds, minimisation included. */
    double first_found;         /* Seconds to the first violation. */
    uint64_t first_found_schedules; /* Schedules run until then. */
    bool exhausted;             /* The whole space within the bounds was
                                 * covered, up to the reordering of
                                 * independent steps (DFS/BFS, no early
                                 * stop, no DPOR cut, none capped). */
    bool interrupted;           /* Stopped by max_schedules, time_limit
                                 * or 'cancel'... */
    bool cancelled;             /* ...by 'cancel'. */
};

/* One step of a schedule. */
struct explore_step {
    uint32_t thread_id;
    char *thread;               /* (owned) Thread name. */
    char *action;               /* (owned) uk_action_format() of the
                                 * action taken: "trylock ukey#3
                                 * (revalidator_sweep__ core/...:212)". */
    enum uk_action_kind kind;
};

struct explore_schedule {
    struct explore_step *steps; /* (owned) */
    size_t n, allocated;
};

/* A violation found, with the schedule that reaches it (ending with the
 * step during which it was reported). */
struct explore_violation {
    struct ukey_event event;    /* The 'violation' event.  'where' is
                                 * static; 'name' points to 'detail'. */
    char *detail;               /* (owned) The event's one-line detail. */
    char *flow;                 /* (owned) Name of the flow, or NULL. */
    struct explore_schedule schedule;
    size_t found_length;        /* Length as first found (before
                                 * minimisation). */
    uint64_t seed;              /* RANDOM/PCT: the run's seed. */
};

struct explore_result {
    struct explore_violation *violations; /* (owned) Distinct (kind, ufid),
                                           * in order found. */
    size_t n_violations, allocated_violations;
    uint64_t kinds_seen;        /* Bit mask (1 << kind) of the violation
                                 * kinds reached. */
    uint64_t *final_states;     /* (owned) With 'hash_states': the sorted
                                 * distinct final-state hashes. */
    size_t n_final_states;
    struct explore_stats stats;
};

/* Explores the scenario built by 'setup' ('aux' is passed to it) with
 * 'opts' (NULL for the defaults).  Fills 'result' (which the caller
 * releases with explore_result_destroy()).  Returns 0 when the search ran
 * (look at 'result->n_violations'), EINVAL for bad options or a setup that
 * failed, or ERANGE when a model has more than 64 threads.  Must be called
 * from an OS thread that may create models. */
int explore_run(explore_setup_fn *setup, void *aux,
                const struct explore_options *opts,
                struct explore_result *result);

void explore_result_destroy(struct explore_result *);

/* Replays the schedule 'tids[0..n)' on a fresh model from 'setup'.  Fills
 * 'out' (if not NULL) with the first violation (of at least WARNING
 * severity if 'warnings', else ERROR) and the steps up to and including
 * the one that reported it (all 'n' steps if none).  Returns 0 if the
 * whole schedule was replayable or a violation was reached, EAGAIN if step
 * 'i' named a thread that was not runnable ('*failed_at' = i, when not
 * NULL), EINVAL if setup failed.  'out->event.type' is UK_EV_VIOLATION
 * only when a violation was found; release 'out' with
 * explore_violation_destroy(). */
int explore_replay(explore_setup_fn *setup, void *aux, const uint32_t *tids,
                   size_t n, bool warnings, struct explore_violation *out,
                   size_t *failed_at);

/* Minimises 'v' in place: re-searches with decreasing depth bounds for a
 * shorter schedule reaching the same violation kind on the same flow, then
 * deletes each step of threads not named by the violation that the
 * violation does not need.  'opts' gives the reduction and limits used:
 * 'max_schedules' bounds the schedules of the whole minimisation (its
 * re-searches and trial replays together; 0: EXPLORE_MINIMIZE_BUDGET) and
 * 'time_limit' its time.  Adds the schedules and steps it ran to
 * 'stats->min_schedules' and 'stats->min_steps', and sets 'stats->min_cut'
 * when a limit stopped it ('stats' may be NULL).  Returns 0 (even if
 * nothing got shorter), or EINVAL. */
int explore_minimize(explore_setup_fn *setup, void *aux,
                     const struct explore_options *opts,
                     struct explore_violation *v,
                     struct explore_stats *stats);

void explore_violation_destroy(struct explore_violation *);

/* Whether two violations are "the same": same kind on the same flow (ukey
 * ids may differ between schedules). */
bool explore_same_violation(const struct ukey_event *,
                            const struct ukey_event *);

/* Writes 'v''s schedule as a REPL script fragment to 'stream': a comment
 * naming the violation, one "step THREAD" line per step (or "step THREAD
 * N" for N consecutive steps of one thread when 'group'), each with a
 * trailing "# action (func where)" comment, then "expect violation KIND".
 * Returns 0 or the errno of a write error. */
int explore_write_script(FILE *stream, const struct explore_violation *v,
                         bool group);

/* Thread ids of 'v''s schedule, into a new array (free() it); '*n' gets
 * the length. */
uint32_t *explore_schedule_tids(const struct explore_schedule *, size_t *n);

/* A hash of the model's observable state (each ukey's flow, state and
 * counters, the datapath flows, the totals), independent of ukey ids and
 * of the order in which independent steps ran.  For tests and 'states'. */
uint64_t explore_state_hash(const struct udpif *);

#endif /* UKDB_CORE_EXPLORE_H */
