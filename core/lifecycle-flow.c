/* SPDX-License-Identifier: Apache-2.0 */
/* The lifecycle fold's flow records: one per flow instance (ufid, pmd_id)
 * in use, indexed by open addressing and retired by a sweep once nothing
 * depends on it (lc_flow_sweep()), its figures then kept in the list of
 * retired flows; the rules about flows (traffic, upcalls, datapath
 * operations, and at the end of each round the slowpath and stuck-ukey
 * rules); and the flows' figures for the end report
 * (lifecycle_for_each_flow()). */
#include "lifecycle-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ==== Flows ==== */

static size_t
lc_flow_hash(uint64_t ufid, uint32_t pmd_id)
{
    return (size_t) uk_mix64(ufid ^ ((uint64_t) pmd_id << 32 | pmd_id));
}

static void
lc_flow_rehash(struct lifecycle *lc)
{
    size_t capacity = (lc->flow_mask + 1) * 2;
    free(lc->flow_index);
    lc->flow_index = uk_xcalloc(capacity, sizeof *lc->flow_index);
    lc->flow_mask = capacity - 1;
    for (size_t k = 0; k < lc->n_flows; k++) {
        if (lc->flows[k].retired) {
            continue;
        }
        size_t i = lc_flow_hash(lc->flows[k].ufid, lc->flows[k].pmd_id);
        for (i &= lc->flow_mask; lc->flow_index[i];
             i = (i + 1) & lc->flow_mask) {
            continue;
        }
        lc->flow_index[i] = k + 1;
    }
}

/* The figures of flow record 'f', as the report shows them. */
static struct lifecycle_flow
lc_flow_figures(const struct lifecycle *lc, const struct lc_flow *f)
{
    struct lifecycle_flow out = {
        .ufid = f->ufid,
        .pmd_id = f->pmd_id,
        .upcalls = f->upcalls,
        .slowpath_packets = f->slow_packets,
        .fastpath_packets = f->fast_packets,
        .attributed_packets = f->attributed,
        .slowpath_windows = f->windows,
        .longest_window_rounds = f->longest_rounds,
        .longest_window_ns = f->longest_ns,
    };
    if (f->window_open) {
        /* A window still open counts up to now. */
        uint64_t rounds = lc->n_rounds - f->window_round;
        uint64_t ns = lc->last_ts > f->window_ts
                      ? lc->last_ts - f->window_ts : 0;
        if (rounds > out.longest_window_rounds) {
            out.longest_window_rounds = rounds;
        }
        if (ns > out.longest_window_ns) {
            out.longest_window_ns = ns;
        }
    }
    return out;
}

void
lifecycle_flow_add(struct lifecycle_flow *a, const struct lifecycle_flow *b)
{
    a->upcalls += b->upcalls;
    a->slowpath_packets += b->slowpath_packets;
    a->fastpath_packets += b->fastpath_packets;
    a->attributed_packets += b->attributed_packets;
    a->slowpath_windows += b->slowpath_windows;
    if (b->longest_window_rounds > a->longest_window_rounds) {
        a->longest_window_rounds = b->longest_window_rounds;
    }
    if (b->longest_window_ns > a->longest_window_ns) {
        a->longest_window_ns = b->longest_window_ns;
    }
}

/* The entry of ('ufid', 'pmd_id') in 'lc->listed', or NULL.  With 'add',
 * creates it (ranked 'order') if there is room. */
static struct lc_listed *
lc_listed_get(struct lifecycle *lc, uint64_t ufid, uint32_t pmd_id,
              bool add, uint64_t order)
{
    if (!lc->listed_index) {
        if (!add) {
            return NULL;
        }
        lc->listed_mask = 2 * LIFECYCLE_MAX_FLOWS - 1;
        lc->listed_index = uk_xcalloc(lc->listed_mask + 1,
                                      sizeof *lc->listed_index);
        lc->listed_filter = uk_xcalloc(LC_LISTED_FILTER_BITS / 64,
                                       sizeof *lc->listed_filter);
    }
    size_t hash = lc_flow_hash(ufid, pmd_id);
    size_t bit = (hash >> 40) % LC_LISTED_FILTER_BITS;
    uint64_t *word = &lc->listed_filter[bit / 64];
    bool maybe = (*word >> (bit % 64)) & 1;
    if (!maybe && (!add || lc->n_listed >= LIFECYCLE_MAX_FLOWS)) {
        return NULL;
    }
    size_t i = hash & lc->listed_mask;
    for (; lc->listed_index[i].index; i = (i + 1) & lc->listed_mask) {
        const struct lc_listed_slot *slot = &lc->listed_index[i];
        if (slot->ufid == ufid && slot->pmd_id == pmd_id) {
            return &lc->listed[slot->index - 1];
        }
    }
    if (!add || lc->n_listed >= LIFECYCLE_MAX_FLOWS) {
        return NULL;
    }
    lc->listed = uk_grow(lc->listed, &lc->allocated_listed, lc->n_listed + 1,
                         sizeof *lc->listed);
    struct lc_listed *l = &lc->listed[lc->n_listed++];
    memset(l, 0, sizeof *l);
    l->order = order;
    l->fig.ufid = ufid;
    l->fig.pmd_id = pmd_id;
    lc->listed_index[i] = (struct lc_listed_slot) {
        .ufid = ufid, .pmd_id = pmd_id, .index = (uint32_t) lc->n_listed,
    };
    *word |= UINT64_C(1) << (bit % 64);
    return l;
}

/* Retires flow record 'k': its figures go to 'lc->listed' (or the
 * omitted sums), its slot is unindexed and recycled. */
void
lc_flow_retire(struct lifecycle *lc, uint32_t k)
{
    struct lc_flow *f = &lc->flows[k];
    struct lifecycle_flow fig = lc_flow_figures(lc, f);
    struct lc_listed *l = lc_listed_get(lc, f->ufid, f->pmd_id, true,
                                        f->order);
    if (l) {
        lifecycle_flow_add(&l->fig, &fig);
    } else {
        lc->n_omitted++;
        lifecycle_flow_add(&lc->omitted, &fig);
    }

    /* Unindex, by backward shift as in lc_map_remove(). */
    size_t mask = lc->flow_mask;
    size_t i = lc_flow_hash(f->ufid, f->pmd_id) & mask;
    while (lc->flow_index[i] != k + 1) {
        i = (i + 1) & mask;
    }
    for (size_t j = (i + 1) & mask; lc->flow_index[j]; j = (j + 1) & mask) {
        const struct lc_flow *g = &lc->flows[lc->flow_index[j] - 1];
        size_t home = lc_flow_hash(g->ufid, g->pmd_id) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            lc->flow_index[i] = lc->flow_index[j];
            i = j;
        }
    }
    lc->flow_index[i] = 0;

    f->retired = true;
    f->next_free = lc->free_flows;
    lc->free_flows = k;
    lc->n_live_flows--;
}

/* Retires every flow record whose state a new record of the same flow
 * would reproduce, so that a flow seen again behaves as if its record had
 * stayed: no live ukey refers to it, no ukey is in a umap for it
 * ('map_ukey'), its datapath flow is absent, no slowpath window is open,
 * and it is exactly as unsure as a new record would be.  What is left of
 * it then (the run of slowpathed rounds, this round's traffic flags, the
 * evidence of its last dp_del) cannot change a verdict; the stats sums
 * restart: see "Stats double" in lifecycle.h.  Two corners only where
 * events may be missing: after a loss (or in an input that starts
 * mid-run) a retired flow declared again by a 'flow' event gets a sure
 * record, as any declared flow; and a ukey first seen mid-life that moves
 * to a retired flow counts its stuck rounds from then.  Called when the
 * live records double, so the cost per record is constant. */
static void
lc_flow_sweep(struct lifecycle *lc)
{
    uint32_t gen = ++lc->sweep_gen;
    for (size_t i = 0; i <= lc->ukeys.mask; i++) {
        const struct lc_ukey *u = lc->ukeys.slots[i].value;
        if (u && u->flow != LC_NO_FLOW) {
            lc->flows[u->flow].mark = gen;
        }
    }

    bool unsure = lc->discard_seen || !lc_from_start(lc);
    for (uint32_t k = 0; k < lc->n_flows; k++) {
        const struct lc_flow *f = &lc->flows[k];
        if (!f->retired && f->mark != gen && !f->dp_present && !f->map_ukey
            && !f->window_open && f->unsure == unsure
            && f->presence_unsure == unsure) {
            lc_flow_retire(lc, k);
        }
    }

    size_t n = 0;
    for (size_t i = 0; i < lc->n_touched; i++) {
        if (!lc->flows[lc->touched[i]].retired) {
            lc->touched[n++] = lc->touched[i];
        }
    }
    lc->n_touched = n;

    size_t at = LC_FLOW_SWEEP_GROWTH * lc->n_live_flows;
    size_t min = LC_FLOW_SWEEP_MIN;
    lc->flow_sweep_at = at > min ? at : min;
}

/* Returns the index of flow ('ufid', 'pmd_id'), creating it if needed (then
 * '*created' is set). */
static uint32_t
lc_flow_get(struct lifecycle *lc, uint64_t ufid, uint32_t pmd_id,
            bool *created)
{
    size_t hash = lc_flow_hash(ufid, pmd_id);
    size_t i = hash & lc->flow_mask;
    for (; lc->flow_index[i]; i = (i + 1) & lc->flow_mask) {
        uint32_t k = lc->flow_index[i] - 1;
        if (lc->flows[k].ufid == ufid && lc->flows[k].pmd_id == pmd_id) {
            return k;
        }
    }

    if (lc->n_live_flows >= lc->flow_sweep_at) {
        lc_flow_sweep(lc);
        for (i = hash & lc->flow_mask; lc->flow_index[i];
             i = (i + 1) & lc->flow_mask) {
            continue;
        }
    }
    uint32_t k;
    if (lc->free_flows != LC_NO_FLOW) {
        k = lc->free_flows;
        lc->free_flows = lc->flows[k].next_free;
    } else {
        uk_assert(lc->n_flows < LC_NO_FLOW - 1);
        lc->flows = uk_grow(lc->flows, &lc->allocated_flows,
                            lc->n_flows + 1, sizeof *lc->flows);
        k = lc->n_flows++;
    }
    struct lc_flow *f = &lc->flows[k];
    memset(f, 0, sizeof *f);
    f->ufid = ufid;
    f->pmd_id = pmd_id;
    f->order = lc->next_order++;
    f->absent_round = lc->n_swept;
    lc->flow_index[i] = k + 1;
    lc->n_live_flows++;
    if (lc->n_live_flows * 2 > lc->flow_mask + 1) {
        lc_flow_rehash(lc);
    }
    if (created) {
        *created = true;
    }
    return k;
}

/* The flow an event names, or LC_NO_FLOW.  A flow first seen after events
 * were lost, or in an input that does not start at seq 1, other than
 * through its 'flow' declaration, may have events outside the input: it is
 * marked unsure. */
uint32_t
lc_event_flow(struct lifecycle *lc, const struct ukey_event *e,
              uint32_t pmd_id)
{
    if (!e->ufid) {
        return LC_NO_FLOW;
    }
    bool created = false;
    uint32_t k = lc_flow_get(lc, e->ufid, pmd_id, &created);
    if (created && e->type != UK_EV_FLOW
        && (lc->discard_seen || !lc_from_start(lc))) {
        lc->flows[k].unsure = lc->flows[k].presence_unsure = true;
    }
    return k;
}

static void
lc_touch(struct lifecycle *lc, struct lc_flow *f)
{
    if (!f->in_round) {
        f->in_round = true;
        lc->touched = uk_grow(lc->touched, &lc->allocated_touched,
                              lc->n_touched + 1, sizeof *lc->touched);
        lc->touched[lc->n_touched++] = f - lc->flows;
    }
}

/* ==== Flow rules ==== */

static void
lc_close_window(struct lifecycle *lc, struct lc_flow *f, uint64_t ts)
{
    uint64_t rounds = lc->n_rounds - f->window_round;
    uint64_t ns = ts > f->window_ts ? ts - f->window_ts : 0;
    if (rounds > f->longest_rounds) {
        f->longest_rounds = rounds;
    }
    if (ns > f->longest_ns) {
        f->longest_ns = ns;
    }
    f->window_open = false;
}

void
lc_traffic(struct lifecycle *lc, const struct ukey_event *e,
           const struct lifecycle_evidence *now)
{
    uint32_t k = lc_event_flow(lc, e, e->pmd_id);
    if (k == LC_NO_FLOW) {
        return;
    }
    struct lc_flow *f = &lc->flows[k];
    lc_touch(lc, f);
    if (e->result == UK_PATH_FASTPATH) {
        f->fast_packets += e->value;
        f->fast_ev = *now;
        f->fast_in_round = true;
        if (f->window_open) {
            lc_close_window(lc, f, e->ts);
        }
        f->slow_rounds = 0;
    } else {
        f->slow_packets += e->value;
        f->slow_in_round = true;
        if (!f->window_open) {
            /* The round counts as slowpathed if nothing but slowpath
             * traffic came since the window opened, whatever came before
             * it: then a flow's earlier traffic this round, which a
             * retired record no longer remembers, cannot matter. */
            f->fast_in_round = false;
            f->window_open = true;
            f->window_reported = false;
            f->windows++;
            f->window_round = lc->n_rounds;
            f->window_ts = e->ts;
            f->window_ev = *now;
            f->refused_seq = 0;
            f->slow_rounds = 0;
            f->miss_handled = false;
        }
    }
}

void
lc_dp_op(struct lifecycle *lc, const struct ukey_event *e,
         const struct lifecycle_evidence *now)
{
    uint32_t k = lc_event_flow(lc, e, e->pmd_id);
    if (k == LC_NO_FLOW) {
        return;
    }
    struct lc_flow *f = &lc->flows[k];
    /* Within a loss's range, the flow's other dp ops may be lost. */
    bool sure = !lc_in_loss(lc, e->ts);
    lc_stale_dp_op(lc, k, e, now);
    if (e->type == UK_EV_DP_PUT) {
        if (e->kind != UK_PUT_MODIFY) {
            if (!e->result) {
                f->dp_present = true;
                f->presence_unsure = !sure;
                f->present_ev = *now;
                /* Traffic from now on is fastpath: the slowpath so far was
                 * served, so its window ends here (a flow that goes quiet
                 * once installed was not in the slowpath until the end of
                 * the run). */
                if (f->window_open) {
                    lc_close_window(lc, f, e->ts);
                }
            } else if (f->window_open) {
                /* The datapath refused the flow (an injected fault, say):
                 * the traffic stays slowpathed, the measured window stays
                 * open. */
                f->refused_seq = now->seq;
            }
            /* Made or refused, the miss was handled and the flow put, all
             * that the ukey code can do: the run of slowpathed rounds
             * starts again (the liveness bugs put nothing: their
             * ukey_install() refuses the miss). */
            f->slow_rounds = 0;
            f->slow_in_round = f->miss_handled = false;
        }
    } else if (e->result && e->result != ENOENT) {
        /* A delete that failed otherwise left the flow where it was. */
        if (f->dp_present) {
            f->del_failed_ev = *now;
            f->del_failed_ukey = e->ukey_id;
        }
    } else {
        if (f->dp_present || f->presence_unsure) {
            f->absent_round = lc->n_swept;
            f->absent_ev = *now;
        }
        f->dp_present = false;
        f->presence_unsure = !sure;
    }
}

/* A miss of the flow of 'e' was handled (an upcall, in a handler or in a
 * PMD's upcall_cb()): while its window is open, the next round with only
 * slowpath traffic extends its run. */
void
lc_upcall(struct lifecycle *lc, const struct ukey_event *e)
{
    uint32_t k = lc_event_flow(lc, e, e->pmd_id);
    if (k == LC_NO_FLOW) {
        return;
    }
    struct lc_flow *f = &lc->flows[k];
    f->upcalls++;
    f->attributed += e->value;
    f->miss_handled = f->window_open;
}

void
lc_flow_late(struct lifecycle *lc, const struct ukey_event *e)
{
    uint32_t k = lc_event_flow(lc, e, e->pmd_id);
    if (k == LC_NO_FLOW) {
        return;
    }
    struct lc_flow *f = &lc->flows[k];
    lc_flow_doubt(f);
    if (e->type == UK_EV_TRAFFIC && e->result == UK_PATH_FASTPATH) {
        f->fast_packets += e->value;
    } else if (e->type == UK_EV_TRAFFIC) {
        f->slow_packets += e->value;
    } else if (e->type == UK_EV_UPCALL) {
        f->upcalls++;
        f->attributed += e->value;
    }
}

/* Slowpath: each touched flow that got slowpath and no fastpath traffic in
 * the round that just ended extends its run of slowpathed rounds, if a
 * miss of it was handled since the window opened or the run last grew.
 * Without one, its miss was still waiting in its handler's queue: a
 * handler busy with others, or starved of CPU on a loaded machine, is
 * late, not a flow that nothing installs (the liveness bugs, such as
 * 180ab2fd6's, handle every miss and install nothing); such a round
 * neither extends nor resets the run.  A put of the flow, made or refused
 * by the datapath, starts the run again (lc_dp_op()). */
static void
lc_round_slowpath(struct lifecycle *lc, const struct lifecycle_evidence *now)
{
    /* A round that ends within a loss's range may have lost its fastpath
     * traffic: the runs restart, as at the loss. */
    bool lossy = lc_in_loss(lc, now->ts);
    for (size_t i = 0; i < lc->n_touched; i++) {
        struct lc_flow *f = &lc->flows[lc->touched[i]];
        if (f->fast_in_round || lossy) {
            f->slow_rounds = 0;
        } else if (f->slow_in_round && f->miss_handled) {
            f->miss_handled = false;
            f->slow_rounds++;
            if (f->slow_rounds >= lc->opts.slowpath_rounds
                && f->window_open && !f->window_reported) {
                struct lc_subject subj = { .ufid = f->ufid,
                                           .pmd_id = f->pmd_id };
                const char *flow_name = lc_flow_name(lc, f->ufid);
                char refused[96] = "";
                f->window_reported = true;
                if (f->refused_seq) {
                    lc_format(refused, sizeof refused, "; its put at seq "
                              "%llu failed, and the rounds count from "
                              "there", (unsigned long long) f->refused_seq);
                }
                lc_report(lc, UK_VIOL_SLOWPATH, UK_SEV_ERROR, &subj, now,
                          &f->window_ev,
                          "slowpath: flow %s pmd %u got only slowpath "
                          "traffic for %llu round%s, since seq %llu%s",
                          flow_name ? flow_name : "?", f->pmd_id,
                          (unsigned long long) f->slow_rounds,
                          uk_plural(f->slow_rounds),
                          (unsigned long long) f->window_ev.seq, refused);
            }
        }
        f->in_round = f->slow_in_round = f->fast_in_round = false;
    }
    lc->n_touched = 0;
}

/* Stuck: a ukey not deleted whose datapath flow has been gone for
 * 'stuck_rounds' rounds, with no transition in that time; or a ukey left
 * EVICTING or EVICTED that long, whatever its datapath flow.  The rounds
 * are those that may have swept ('lc->n_swept', see lc_round_end()). */
static void
lc_round_stuck(struct lifecycle *lc, const struct lifecycle_evidence *now)
{
    for (size_t i = 0; i <= lc->ukeys.mask; i++) {
        struct lc_ukey *u = lc->ukeys.slots[i].value;
        if (!u || u->doubt == LC_LOST || u->deleted || !u->state_known
            || u->state == UKEY_DELETED || u->flow == LC_NO_FLOW
            || (u->reported >> UK_VIOL_STUCK_UKEY) & 1) {
            continue;
        }
        /* Liveness assumes fair scheduling: a ukey whose last mover is
         * still inside its operation (a handler between create and put,
         * a revalidator in its dump or sweep) is waiting for that thread
         * to be scheduled, not stuck; also when the input lacks that
         * operation's op_begin.  A revalidator merely inside its ROUND
         * is not: udpif_revalidator() is in one from one barrier to the
         * next, and when another revalidator ends the round it is always
         * in it (past R5), so a ukey it moved would never be stuck. */
        const struct lifecycle_evidence *mover
            = u->tr_ev.seq ? &u->tr_ev : &u->first_ev;
        const struct lc_thread *owner = lc_thread(lc, mover->thread_id);
        if ((owner && (owner->n_open || owner->ops_unseen))
            || u->lock_holder) {
            continue;       /* ...or it holds the ukey's lock. */
        }
        if (u->state == UKEY_EVICTING || u->state == UKEY_EVICTED) {
            /* A ukey whose eviction began must reach DELETED within the
             * next sweep of its slice (§1.10 7), datapath flow or not. */
            uint64_t from = u->tr_round > u->busy_round ? u->tr_round
                                                        : u->busy_round;
            if (lc->n_swept - from >= lc->opts.stuck_rounds) {
                const struct lifecycle_evidence *earlier
                    = u->tr_ev.seq ? &u->tr_ev : &u->first_ev;
                struct lc_subject subj = { .u = u };
                lc_report(lc, UK_VIOL_STUCK_UKEY, UK_SEV_ERROR, &subj, now,
                          earlier, "stuck ukey: ukey %llu stayed %s for "
                          "%llu round%s: its deletion never finished "
                          "(since seq %llu, by %s)",
                          (unsigned long long) u->id,
                          ukey_state_name(u->state),
                          (unsigned long long) (lc->n_swept - from),
                          uk_plural(lc->n_swept - from),
                          (unsigned long long) earlier->seq,
                          lc_tname(lc, earlier->thread_id, 1));
            }
            continue;
        }
        const struct lc_flow *f = &lc->flows[u->flow];
        if (f->dp_present || f->presence_unsure) {
            continue;
        }
        bool since_del = f->absent_round >= u->tr_round;
        uint64_t since = since_del ? f->absent_round : u->tr_round;
        if (u->busy_round > since) {
            since = u->busy_round;  /* Contention: not stuck meanwhile. */
        }
        if (lc->n_swept - since < lc->opts.stuck_rounds) {
            continue;
        }
        /* The evidence is the later of its last move and the dp_del
         * (by position, not by round: a dp_del before the ukey existed,
         * such as that of a retired flow record, is not about it). */
        const struct lifecycle_evidence *mine
            = u->tr_ev.seq ? &u->tr_ev : &u->first_ev;
        const struct lifecycle_evidence *earlier
            = (since_del && f->absent_ev.seq
               && f->absent_ev.index >= mine->index) ? &f->absent_ev : mine;
        struct lc_subject subj = { .u = u };
        lc_report(lc, UK_VIOL_STUCK_UKEY, UK_SEV_ERROR, &subj, now, earlier,
                  "stuck ukey: ukey %llu stayed %s for %llu round%s without "
                  "its datapath flow (since seq %llu, by %s)",
                  (unsigned long long) u->id, ukey_state_name(u->state),
                  (unsigned long long) (lc->n_swept - since),
                  uk_plural(lc->n_swept - since),
                  (unsigned long long) earlier->seq,
                  lc_tname(lc, earlier->thread_id, 1));
    }
}

void
lc_round_end(struct lifecycle *lc, const struct ukey_event *e,
             const struct lifecycle_evidence *now)
{
    struct lc_thread *t = lc_thread(lc, e->thread_id);
    uint64_t round = e->value ? e->value : t ? t->round : 0;
    if (round) {
        if (round <= lc->last_round) {
            return;             /* Another revalidator ended it already. */
        }
        lc->last_round = round;
    }
    if (round) {
        lc_stale_round_end(lc, round, now);
    }
    lc->n_rounds++;
    lc->sum.n_rounds = lc->n_rounds;
    /* Only a sweep deletes a ukey whose datapath flow is gone or whose
     * eviction began (revalidator_sweep__()): a round that dumped and did
     * not sweep (the REPL's "dump"; OVS never runs one) gave such a ukey
     * no chance to move on, and does not count toward a stuck ukey, as a
     * round whose miss still waits for its handler does not count toward
     * a slowpath.  A round's participants all run its phases: those of
     * the thread that ends it tell.  A round whose phases are unknown (no
     * op_begin ROUND) counts. */
    const unsigned int dump_only = 1u << UK_OP_DUMP;
    if (!t || (t->round_phases & (dump_only | 1u << UK_OP_SWEEP))
              != dump_only) {
        lc->n_swept++;
    }
    lc_round_slowpath(lc, now);
    lc_round_stuck(lc, now);
}

/* ==== Flow figures ==== */

struct lc_ranked {
    uint64_t order;
    uint32_t k;
};

static int
lc_compare_ranked(const void *a_, const void *b_)
{
    const struct lc_ranked *a = a_;
    const struct lc_ranked *b = b_;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* The records not retired, in order of first appearance: an array that
 * the caller frees, of '*n' indexes. */
uint32_t *
lc_live_flows(const struct lifecycle *lc, size_t *n)
{
    struct lc_ranked *ranked = uk_xmalloc((lc->n_live_flows + 1)
                                          * sizeof *ranked);
    size_t m = 0;
    for (uint32_t k = 0; k < lc->n_flows; k++) {
        if (!lc->flows[k].retired) {
            ranked[m++] = (struct lc_ranked) { lc->flows[k].order, k };
        }
    }
    qsort(ranked, m, sizeof *ranked, lc_compare_ranked);
    uint32_t *live = uk_xmalloc((m + 1) * sizeof *live);
    for (size_t i = 0; i < m; i++) {
        live[i] = ranked[i].k;
    }
    free(ranked);
    *n = m;
    return live;
}

static int
lc_compare_listed(const void *a_, const void *b_)
{
    const struct lc_listed *a = a_;
    const struct lc_listed *b = b_;
    return a->order < b->order ? -1 : a->order > b->order;
}

uint64_t
lifecycle_for_each_flow(const struct lifecycle *lc,
                        void (*fn)(const struct lifecycle_flow *, void *aux),
                        void *aux, struct lifecycle_flow *omitted)
{
    /* The retired figures, then each live record merged into its flow's
     * entry or, when the list is full, into the omitted sums. */
    size_t n_live = 0;
    uint32_t *live = lc_live_flows(lc, &n_live);
    size_t n = lc->n_listed;
    struct lc_listed *list = uk_xmalloc((n + n_live + 1) * sizeof *list);
    if (n) {
        memcpy(list, lc->listed, n * sizeof *list);
    }
    struct lifecycle_flow rest = lc->omitted;
    uint64_t n_rest = lc->n_omitted;
    for (size_t i = 0; i < n_live; i++) {
        const struct lc_flow *f = &lc->flows[live[i]];
        struct lifecycle_flow fig = lc_flow_figures(lc, f);
        struct lc_listed *l = NULL;
        if (lc->listed_index) {
            size_t j = lc_flow_hash(f->ufid, f->pmd_id) & lc->listed_mask;
            for (; lc->listed_index[j].index;
                 j = (j + 1) & lc->listed_mask) {
                const struct lc_listed_slot *slot = &lc->listed_index[j];
                if (slot->ufid == f->ufid && slot->pmd_id == f->pmd_id) {
                    l = &list[slot->index - 1];
                    break;
                }
            }
        }
        if (l) {
            lifecycle_flow_add(&l->fig, &fig);
        } else if (n < LIFECYCLE_MAX_FLOWS) {
            /* Not retired yet, hence seen once: no merging needed. */
            list[n++] = (struct lc_listed) { .order = f->order, .fig = fig };
        } else {
            n_rest++;
            lifecycle_flow_add(&rest, &fig);
        }
    }
    free(live);

    qsort(list, n, sizeof *list, lc_compare_listed);
    for (size_t i = 0; i < n; i++) {
        list[i].fig.flow_name = lc_flow_name(lc, list[i].fig.ufid);
        fn(&list[i].fig, aux);
    }
    free(list);
    if (omitted) {
        *omitted = rest;
    }
    return n_rest;
}
