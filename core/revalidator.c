/* SPDX-License-Identifier: Apache-2.0 */
/* Revalidator threads: udpif_revalidator() rounds with a dump phase
 * (revalidate(), ukey_acquire(), push_dp_ops(): sequences D and A of the
 * specification), barriers, and a sweep phase over the revalidator's slice
 * of umaps (revalidator_sweep__(), push_ukey_ops(): sequence S). */
#include "udpif-private.h"

#include <errno.h>
#include <stdlib.h>

#include "util.h"

/* ==== Ops ==== */

/* A queued datapath operation ('struct ukey_op'). */
struct reval_op {
    struct ukey *ukey;
    bool del;                   /* FLOW_DEL, else FLOW_PUT(MODIFY). */
    int error;
    uint64_t packets;           /* Stats returned by the delete. */
};

struct reval_ops {
    struct reval_op *ops;
    size_t n, allocated;
};

/* Pushes 'packets' attributed to the rules through 'ukey' (xlate_push_stats
 * via the xcache, or xlate_key()). */
static void
push_stats(struct uk_thread *t, struct ukey *ukey, uint64_t packets)
{
    if (packets) {
        struct ukey_event e = { .type = UK_EV_STATS_PUSH,
                                .ukey_id = ukey->id, .ufid = ukey->ufid,
                                .pmd_id = ukey->pmd_id, .umap = ukey->umap,
                                .value = packets };
        udpif_emit(t->udpif, t, &e);
    }
}

/* reval_op_init(): DELETE moves the ukey to EVICTING (T7/T8/T9) and queues
 * a flow_del; MODIFY installs the new actions (ukey_set_actions()) and
 * queues a modify. */
static void
reval_op_init(struct uk_thread *t, struct reval_ops *ops, struct ukey *ukey,
              enum uk_reval_result result, const char *func)
    UK_REQUIRES(ukey->mutex)
{
    ops->ops = uk_grow(ops->ops, &ops->allocated, ops->n + 1,
                       sizeof *ops->ops);
    ops->ops[ops->n++] = (struct reval_op) {
        .ukey = ukey, .del = result == UK_REVAL_DELETE,
    };
    if (result == UK_REVAL_DELETE) {
        transition_ukey(t, ukey, UKEY_EVICTING, func);
    } else {
        ukey_set_actions(ukey, uk_actions_version(ukey->flow));
    }
}

/* push_dp_ops(): the ops to the datapath (ukeys unlocked), then the
 * transitions: a delete moves to EVICTED (T12; since a1d6cce78 even when it
 * failed) and pushes the last stats; a failed modify moves to INCONSISTENT
 * (T11, cf11766cb). */
static void
push_dp_ops(struct uk_thread *t, struct reval_ops *ops)
{
    static const char func[] = "push_dp_ops";
    const struct uk_variant *v = t->udpif->variant;

    for (size_t i = 0; i < ops->n; i++) {
        struct reval_op *op = &ops->ops[i];
        op->error = op->del ? dp_del(t, op->ukey, &op->packets, func)
                            : dp_put(t, op->ukey, true, func);
    }
    for (size_t i = 0; i < ops->n; i++) {
        struct reval_op *op = &ops->ops[i];
        struct ukey *ukey = op->ukey;
        if (op->del) {
            if (op->error && !v->del_error_evicts) {
                continue;       /* Before a1d6cce78: left in EVICTING. */
            }
            uk_mutex_lock(t, &ukey->mutex, func);
            transition_ukey(t, ukey, UKEY_EVICTED, func);
            if (!op->error && op->packets > ukey->stats_packets) {
                push_stats(t, ukey, op->packets - ukey->stats_packets);
                ukey->stats_packets = op->packets;
            }
            uk_mutex_unlock(t, &ukey->mutex, func);
        } else if (op->error && v->inconsistent) {
            uk_mutex_lock(t, &ukey->mutex, func);
            transition_ukey(t, ukey, UKEY_INCONSISTENT, func);
            uk_mutex_unlock(t, &ukey->mutex, func);
        }
    }
}

/* push_ukey_ops(): push_dp_ops(), then, under the umap lock, ukey_delete()
 * for every delete (not for modifies: c56eba3b7).  The gap between the two
 * is B-10's second window. */
static void
push_ukey_ops(struct uk_thread *t, struct umap *umap, struct reval_ops *ops)
{
    if (!ops->n) {
        return;
    }
    push_dp_ops(t, ops);
    uk_mutex_lock(t, &umap->mutex, "push_ukey_ops");
    for (size_t i = 0; i < ops->n; i++) {
        if (ops->ops[i].del) {
            ukey_delete(t, umap, ops->ops[i].ukey);
        }
    }
    uk_mutex_unlock(t, &umap->mutex, "push_ukey_ops");
    ops->n = 0;
}

void
push_ukey_ops_for(struct uk_thread *t, struct umap *umap, struct ukey **ukeys,
                  size_t n)
{
    struct reval_ops ops = { .n = 0 };
    uk_scratch_push(t, &ops.ops);
    for (size_t i = 0; i < n; i++) {
        ops.ops = uk_grow(ops.ops, &ops.allocated, ops.n + 1,
                          sizeof *ops.ops);
        ops.ops[ops.n++] = (struct reval_op) { .ukey = ukeys[i],
                                               .del = true };
    }
    push_ukey_ops(t, umap, &ops);
    uk_scratch_pop(t, &ops.ops);
    free(ops.ops);
}

/* ==== Revalidation ==== */

/* revalidate_ukey(): pushes the stats delta and decides KEEP or MODIFY
 * (the model's translation: the flow's OpenFlow actions changed since the
 * ukey's).  A datapath counter below the cached one pushes nothing and
 * resets the cache (ukey_invalid_stat_reset). */
static enum uk_reval_result
revalidate_ukey(struct uk_thread *t, struct ukey *ukey, uint64_t packets,
                uint64_t reval_seq)
    UK_REQUIRES(ukey->mutex)
{
    enum uk_reval_result result = UK_REVAL_KEEP;
    if (ukey->reval_seq != reval_seq
        && uk_actions_version(ukey->flow) != ukey_get_actions(ukey)) {
        result = UK_REVAL_MODIFY;
    }
    if (packets > ukey->stats_packets) {
        push_stats(t, ukey, packets - ukey->stats_packets);
    }
    ukey->stats_packets = packets;
    ukey->reval_seq = reval_seq;
    ukey->xcache = true;
    return result;
}

static void
emit_decision(struct uk_thread *t, struct ukey *ukey,
              enum uk_reval_result result, enum uk_del_reason reason)
{
    struct ukey_event e = { .type = UK_EV_REVALIDATE, .ukey_id = ukey->id,
                            .ufid = ukey->ufid, .pmd_id = ukey->pmd_id,
                            .umap = ukey->umap, .kind = (int32_t) result,
                            .result = (int32_t) reason };
    udpif_emit(t->udpif, t, &e);
}

/* ukey_acquire(): 0 with '*result' the ukey of a dumped flow, locked, or
 * EBUSY with '*result' NULL.  A flow without a ukey is adopted
 * (ukey_create_from_dpif_flow()). */
static int
ukey_acquire(struct uk_thread *t, const struct uk_dump_item *f,
             struct ukey **result)
    UK_TRY_LOCK(0, (*result)->mutex)
{
    static const char func[] = "ukey_acquire";
    struct udpif *udpif = t->udpif;
    uint32_t hash = ukey_hash(f->flow->ufid, f->pmd_id);
    struct umap *umap = &udpif->umaps[hash % udpif->cfg.n_umaps];

    struct ukey *ukey = umap_lookup(t, umap, f->flow->ufid, f->pmd_id, func);
    *result = NULL;
    if (ukey) {
        if (!uk_mutex_trylock(t, &ukey->mutex, func)) {
            uk_coverage(t, UK_COV_upcall_ukey_contention, ukey);
            return EBUSY;
        }
        *result = ukey;
        return 0;
    }
    ukey = ukey_create_from_dpif_flow(t, f);
    if (!ukey_install__(t, ukey)) {
        ukey_free_unpublished(t, ukey);
        uk_coverage(t, UK_COV_upcall_ukey_contention, NULL);
        return EBUSY;
    }
    *result = ukey;
    return 0;
}

/* One dumped flow of revalidate(), 'ukey' locked on entry, unlocked on
 * return. */
static void
revalidate_flow(struct uk_thread *t, struct reval_ops *ops, struct ukey *ukey,
                const struct uk_dump_item *f, bool kill_them_all,
                uint64_t dump_seq, uint64_t reval_seq)
    UK_RELEASES(ukey->mutex)
{
    static const char func[] = "revalidate";
    const struct uk_variant *v = t->udpif->variant;

    if (ukey->dump_seq == dump_seq) {
        uk_coverage(t, ukey->xcache ? UK_COV_dumped_duplicate_flow
                                    : UK_COV_dumped_new_flow, ukey);
        goto out;
    }
    enum ukey_state state = ukey_read_state(t, ukey, func);
    if (state == UKEY_INCONSISTENT) {
        ukey->dump_seq = dump_seq;
        emit_decision(t, ukey, UK_REVAL_DELETE, UK_FDR_UPDATE_FAIL);
        reval_op_init(t, ops, ukey, UK_REVAL_DELETE, func);          /* T8 */
        uk_coverage(t, UK_COV_dumped_inconsistent_flow, ukey);
        goto out;
    }
    if (state <= UKEY_OPERATIONAL || !v->dump_skips_evicting) {
        transition_ukey(t, ukey, UKEY_OPERATIONAL, func);            /* T6 */
    } else {
        uk_coverage(t, UK_COV_unexpected_ukey_state, ukey);
        goto out;
    }

    enum uk_reval_result result;
    enum uk_del_reason reason = UK_FDR_NONE;
    if (kill_them_all) {
        result = UK_REVAL_DELETE;
        reason = UK_FDR_FLOW_LIMIT;
    } else if (f->idle) {
        result = UK_REVAL_DELETE;
        reason = UK_FDR_FLOW_IDLE;
    } else {
        result = revalidate_ukey(t, ukey, f->packets, reval_seq);
    }
    ukey->dump_seq = dump_seq;
    emit_decision(t, ukey, result, reason);
    if (result != UK_REVAL_KEEP) {
        reval_op_init(t, ops, ukey, result, func);                   /* T7 */
    }
out:
    uk_mutex_unlock(t, &ukey->mutex, func);
}

/* revalidate(): the dump phase. */
static void
revalidate(struct uk_thread *t, struct uk_round *round)
{
    struct udpif *udpif = t->udpif;
    uint64_t dump_seq = udpif->dump_seq;
    uint64_t reval_seq = uk_reval_seq(udpif);
    size_t max = udpif->cfg.dump_batch;
    struct uk_dump_item *batch = uk_xcalloc(max, sizeof *batch);
    struct reval_ops ops = { .n = 0 };
    uk_scratch_push(t, &batch);
    uk_scratch_push(t, &ops.ops);

    uk_op_begin(t, UK_OP_DUMP, round->number);
    for (;;) {
        size_t n = dp_dump_next(t, round, batch, max);
        if (!n) {
            break;
        }
        /* udpif_get_n_flows() against the flow limit: at it, a hit (as in
         * should_install_flow()); over twice it, every flow of the batch is
         * deleted (upcall_flow_limit_kill). */
        size_t n_dp_flows = dp_count(udpif);
        bool kill_them_all = revalidate_flow_limit(t, n_dp_flows);
        for (size_t i = 0; i < n; i++) {
            struct ukey *ukey;
            if (!ukey_acquire(t, &batch[i], &ukey)) {
                revalidate_flow(t, &ops, ukey, &batch[i], kill_them_all,
                                dump_seq, reval_seq);
            }
        }
        push_dp_ops(t, &ops);           /* No ukey is removed here. */
        ops.n = 0;
        uk_rcu_quiesce(t, "revalidate", UK_SOURCE_LOCATOR);
    }
    uk_op_end(t, UK_OP_DUMP, round->number);
    uk_scratch_pop(t, &ops.ops);
    uk_scratch_pop(t, &batch);
    free(ops.ops);
    free(batch);
}

/* ==== Sweep ==== */

/* The decision of the sweep for one ukey in 'state' (OPERATIONAL,
 * INCONSISTENT, or VISIBLE when purging), 'ukey' locked. */
static void
sweep_decide(struct uk_thread *t, struct reval_ops *ops, struct ukey *ukey,
             enum ukey_state state, bool purge, uint64_t dump_seq,
             uint64_t reval_seq)
    UK_REQUIRES(ukey->mutex)
{
    static const char func[] = "revalidator_sweep__";
    const struct uk_variant *v = t->udpif->variant;
    enum uk_reval_result result = UK_REVAL_KEEP;
    enum uk_del_reason reason = UK_FDR_NONE;

    if (purge || state == UKEY_INCONSISTENT) {
        result = UK_REVAL_DELETE;
        reason = purge ? UK_FDR_PURGE : UK_FDR_UPDATE_FAIL;
    } else if (ukey->dump_seq != dump_seq && ukey->reval_seq != reval_seq) {
        uk_coverage(t, UK_COV_revalidate_missed_dp_flow, ukey);
        result = revalidate_ukey(t, ukey,
                                 v->sweep_last_stats ? ukey->stats_packets : 0,
                                 reval_seq);
    }
    if (v->missed_dumps) {     /* Purging or not, as OVS. */
        if (ukey->dump_seq != dump_seq) {
            if (++ukey->missed_dumps >= 4) {
                uk_coverage(t, UK_COV_revalidate_missing_dp_flow, ukey);
                result = UK_REVAL_DELETE;
                reason = UK_FDR_FLOW_MISSING_DP;
            }
        } else {
            ukey->missed_dumps = 0;
        }
    }
    emit_decision(t, ukey, result, reason);
    if (result != UK_REVAL_KEEP) {
        reval_op_init(t, ops, ukey, result, func);                   /* T9 */
    }
}

void
revalidator_sweep__(struct uk_thread *t, unsigned int slice,
                    unsigned int n_slices, bool purge)
{
    static const char func[] = "revalidator_sweep__";
    struct udpif *udpif = t->udpif;
    uint64_t dump_seq = udpif->dump_seq;
    uint64_t reval_seq = uk_reval_seq(udpif);
    struct reval_ops ops = { .n = 0 };
    struct ukey **ukeys = NULL;
    size_t allocated = 0;

    uk_scratch_push(t, &ops.ops);
    uk_scratch_push(t, &ukeys);
    for (unsigned int i = slice; i < udpif->cfg.n_umaps; i += n_slices) {
        struct umap *umap = &udpif->umaps[i];
        size_t n = umap_collect(umap, &ukeys, &allocated);
        for (size_t j = 0; j < n; j++) {
            struct ukey *ukey = ukeys[j];
            if (!uk_mutex_trylock(t, &ukey->mutex, func)) {
                uk_coverage(t, UK_COV_upcall_ukey_contention, ukey);
                continue;
            }
            enum ukey_state state = ukey_read_state(t, ukey, func);
            if (state == UKEY_OPERATIONAL || state == UKEY_INCONSISTENT
                || (state == UKEY_VISIBLE && purge)) {
                sweep_decide(t, &ops, ukey, state, purge, dump_seq,
                             reval_seq);
            }
            uk_mutex_unlock(t, &ukey->mutex, func);
            if (state == UKEY_EVICTED) {
                /* The seed race: the decision was made under the ukey
                 * lock, the deletion happens under the umap lock. */
                uk_mutex_lock(t, &umap->mutex, func);
                ukey_delete(t, umap, ukey);
                uk_mutex_unlock(t, &umap->mutex, func);
            }
            if (ops.n >= udpif->cfg.dump_batch) {
                push_ukey_ops(t, umap, &ops);
            }
        }
        push_ukey_ops(t, umap, &ops);
        uk_rcu_quiesce(t, func, UK_SOURCE_LOCATOR);
    }
    uk_scratch_pop(t, &ukeys);
    uk_scratch_pop(t, &ops.ops);
    free(ops.ops);
    free(ukeys);
}

/* ==== Rounds ==== */

/* One udpif_revalidator() round (R0..R6) of 't' in 'round'. */
static void
revalidator_round(struct uk_thread *t, struct uk_round *round,
                  unsigned int slice)
{
    struct udpif *udpif = t->udpif;
    bool leader = slice == 0;

    uk_round_enter(t);
    uk_op_begin(t, UK_OP_ROUND, round->number);
    if (leader && (round->phases & UK_PHASE_DUMP)) {
        dp_dump_create(udpif, round);                            /* R0 */
    }
    uk_barrier_wait(t, round);                                   /* R1 */
    if (round->phases & UK_PHASE_DUMP) {
        revalidate(t, round);                                    /* R2 */
    }
    uk_barrier_wait(t, round);                                   /* R3 */
    if (round->phases & UK_PHASE_SWEEP) {
        uk_op_begin(t, UK_OP_SWEEP, round->number);
        revalidator_sweep__(t, slice, round->n_participants, false); /* R4 */
        uk_op_end(t, UK_OP_SWEEP, round->number);
    }
    uk_barrier_wait(t, round);                                   /* R5 */
    if (leader) {
        uk_dump_seq_next(udpif);                                 /* R6 */
        udpif->n_rounds++;
    }
    uk_op_end(t, UK_OP_ROUND, round->number);
    if (uk_round_leave(t, round)) {
        free(round->entries);   /* The round itself is udpif's. */
        round->entries = NULL;
        round->n_entries = round->allocated = 0;
    }
}

void
revalidator_run(struct uk_thread *t)
{
    for (;;) {
        uk_thread_wait_req(t);
        revalidator_round(t, t->cur.round, t->cur.slice);
    }
}

/* ==== Kept after the thread programs (file:line in traces) ==== */

bool
revalidate_flow_limit(struct uk_thread *t, size_t n_dp_flows)
{
    size_t limit = t->udpif->cfg.flow_limit;
    if (n_dp_flows >= limit) {
        uk_coverage(t, UK_COV_upcall_flow_limit_hit, NULL);
    }
    if (n_dp_flows > 2 * limit) {
        uk_coverage(t, UK_COV_upcall_flow_limit_kill, NULL);
        return true;
    }
    return false;
}

/* ukey_create_from_dpif_flow(): the ukey of a dumped flow that has none.
 * It keeps the flow's actions as dumped, not a new translation: they are
 * what revalidate_ukey() then compares with the rules. */
struct ukey *
ukey_create_from_dpif_flow(struct uk_thread *t, const struct uk_dump_item *f)
{
    struct ukey *ukey = ukey_create(t, f->flow, f->pmd_id,
                                    UK_CREATE_DPIF_FLOW);
    ukey_set_actions(ukey, f->actions_version);
    return ukey;
}
