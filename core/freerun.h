/* SPDX-License-Identifier: Apache-2.0 */
/* Free-running mode: the model's thread programs on real pthreads.
 *
 * DESIGN.md, "Thread programs written once": the handler, revalidator and
 * main-thread programs that the REPL steps run here unchanged, one pthread
 * per model thread.  The primitives of core/sched.c, ukey.c, umap.c and
 * dp.c take a free-running branch (udpif->free_running) into this file:
 *
 *   - scheduling points do nothing;
 *   - model mutexes are error-checking pthread mutexes (misuse aborts);
 *   - an idle thread waits on its inbox (mutex + condition variable),
 *     offline for RCU; the traffic generator and udpif_round() fill it;
 *   - the revalidators' barrier, the main thread's pause and its join are
 *     real waits;
 *   - RCU is liburcu QSBR: model threads are registered, quiesce in
 *     uk_rcu_quiesce() and when they wait for work, and a postponed free is
 *     a call_rcu() callback run by liburcu's call_rcu thread, which plays the
 *     model's urcu thread (it emits 'rcu_free');
 *   - a ukey's memory is freed once, by whichever of its pending callbacks
 *     runs last ('ukey->n_pending'), so a double postpone of the modelled
 *     code is two 'rcu_free' events for the checker and one real free;
 *   - the datapath table is an array indexed by (flow, pmd) with striped
 *     locks, O(1), allocated by udpif_start() for the flows declared then;
 *   - events are emitted while the lock that orders the action is held, and
 *     the bus serialises emission, so 'seq' order is a real order.
 *
 * Synchronization: udpif_start(), udpif_stop() and udpif_destroy() from the
 * thread that created the udpif.  Between them, from any thread:
 * udpif_traffic(), udpif_round(), udpif_expire(), udpif_modify(),
 * udpif_dp_fail(), udpif_dp_ext_del(), udpif_purge(), udpif_flush() and
 * udpif_upcall(), freerun_snapshot(), freerun_backlog(),
 * freerun_rounds() and freerun_flow_pmd().  Nothing else of udpif.h: in
 * particular no flow or thread may be added once started, and nothing
 * steps. */
#ifndef UKDB_CORE_FREERUN_H
#define UKDB_CORE_FREERUN_H 1

#include <stdbool.h>
#include <stdint.h>

#include "udpif.h"

/* Starts one pthread per model thread of 'udpif' (created with
 * 'cfg.free_running'), except the urcu thread, whose part liburcu's call_rcu
 * thread plays.  Sizes the datapath table for the flows declared now.  The
 * calling thread goes offline for RCU until udpif_stop().  Returns 0, or a
 * positive errno value (EINVAL: not free-running or already started;
 * otherwise pthread_create()'s error, with nothing left running).
 * (Named udpif_* against the file prefix rule: it is the udpif's API.) */
int udpif_start(struct udpif *udpif);

/* Stops a started 'udpif' cleanly: every thread finishes the work already
 * queued (stop feeding it first), then the main thread runs
 * udpif_destroy__(): it joins the others, frees the ukeys still in the
 * umaps, waits for every RCU callback (rcu_barrier) and emits 'end'.  Joins
 * the main thread.  Afterwards every ukey has been freed and the udpif may
 * only be inspected and destroyed.  No-op if not started. */
void udpif_stop(struct udpif *udpif);

/* A consistent-enough snapshot for live statistics: every counter is read
 * with a relaxed atomic load, so the totals may be a few events apart. */
struct freerun_stats {
    struct udpif_stats stats;
    uint64_t by_state[N_UKEY_STATES];   /* Ukeys now in each state. */
    uint64_t live;              /* Ukeys allocated and not freed. */
    uint64_t real_frees;        /* Ukeys whose memory was freed (once each). */
    uint64_t rounds;            /* Revalidator rounds completed. */
    uint64_t dp_flows;          /* Datapath flows present. */
    uint64_t events;            /* Events emitted so far. */
};

/* Fills 'out'.  Thread-safe; also valid before udpif_start() and after
 * udpif_stop(). */
void freerun_snapshot(const struct udpif *udpif, struct freerun_stats *out);

/* The number of upcall requests queued on handler/PMD inboxes now. */
uint64_t freerun_backlog(const struct udpif *udpif);

/* Revalidator rounds completed so far. */
uint64_t freerun_rounds(const struct udpif *udpif);

/* The datapath instance that holds 'flow''s datapath flow once started:
 * the pmd_id of the PMD thread that takes its misses on the userspace
 * datapath, 0 on the kernel one (and before udpif_start()). */
uint32_t freerun_flow_pmd(const struct udpif *udpif,
                          const struct uk_flow *flow);

#endif /* UKDB_CORE_FREERUN_H */
