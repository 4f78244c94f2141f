/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer's dependency relation: what one step of the model touches
 * (its footprint), and whether two steps commute.
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
 *     reaches an idle point, or when it blocks at a barrier or wakes
 *     there), 'rcu_cbs' when it touched the callback list
 *     (postpone; running a callback, which reads every thread's quiescent
 *     state).  Two quiescent states of different threads commute;
 *   - the round bookkeeping, read ('round_r': waiting out a barrier, a
 *     revalidator reading 'paused' to begin a round, the main thread's
 *     pause reading n_in_round) or written ('round_w': barrier arrivals,
 *     and any change of dump_seq, reval_seq, n_rounds, n_in_round or
 *     paused, seen by comparing udpif before and after the step); a
 *     variant whose new ukeys take the current dump_seq (2016) reads it
 *     when it creates one (ex_observe());
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
 * final states and violations are the same with and without reduction. */
#include "explore-private.h"

#include <string.h>

#include "udpif-private.h"

/* ==== Footprints ==== */

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
    /* The kinds uk_thread_runnable() may say no to. */
    fp->blocking = (kind == UK_ACT_LOCK || kind == UK_ACT_BARRIER
                    || kind == UK_ACT_PAUSE || kind == UK_ACT_JOIN
                    || kind == UK_ACT_RCU_FREE || kind == UK_ACT_IDLE);
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
void
ex_fp_from_action(struct ex_fp *fp, const struct uk_action *a,
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

void
ex_fp_from_event(struct ex_fp *fp, const struct ukey_event *e)
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
    case UK_EV_RULE_CHANGE:     /* Never a step's (udpif_modify()). */
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

/* What needs the clauses that the first scenarios of test-explore.c and
 * the seeds of test-explore-gen.c did not:
 *
 *   - The round: a purge's pause (reads n_in_round, writes 'paused') and
 *     the step of a revalidator that begins a sweep round (reads 'paused',
 *     writes n_in_round) conflict only through it.  When DPOR first runs
 *     two rounds back to back, the pause, enabled only by the end of the
 *     second, is retargeted to the earlier steps it depends on; without
 *     this clause the beginning of the second round is not one of them and
 *     the purge is never put between the rounds (test-explore.c, "purge
 *     between two sweeps").
 *   - A write of a umap shard against a read of it, in either argument
 *     order: sleep sets pass the sleeping step first and DPOR the earlier
 *     one, so a read explored before the write (a sweep's umap_collect(),
 *     which has no event, before a handler's insert) comes first
 *     (test-explore.c, "sweep against a new ukey's insert").
 *   - dp-shape: two steps that add entries for different flows, in
 *     different shards, with no ukey in common, leave the table in a
 *     different order, which the next dump follows.  Final states hash
 *     the table as a multiset, and no scenario searched has shown a
 *     different outcome of the dump; kept, as the two orders differ.
 *   - A shared ufid: steps about one flow through different ukeys, e.g. a
 *     2016 replace variant's new ukey put while the replaced one's dp_del
 *     is pending (EEXIST, or the new flow deleted), a PMD's upcall_cb()
 *     reading whether its flow is in the datapath, and the checker's
 *     per-flow record.  No scenario searched misses a final state or a
 *     violation without it (such steps also meet in their umap shard, the
 *     same for one ufid, or through the ukeys a replace names); kept, as
 *     the two orders differ. */
bool
ex_fp_dependent(const struct ex_fp *a, const struct ex_fp *b)
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
