/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer's final states: the hash of a quiescent model that ignores
 * ukey ids and creation order (explore_state_hash()), and the set of the
 * hashes a search reached ('hash_states'). */
#include "explore-private.h"

#include <stdlib.h>

#include "udpif-private.h"
#include "util.h"

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
                         t->n_reqs - t->head, t->rcu_offline };
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

void
ex_states_add(struct ex *ex, uint64_t h)
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
                ex_states_add(ex, old[i]);
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

/* Puts the final states the search saw, sorted, in 'result'. */
void
ex_states_collect(struct ex *ex, struct explore_result *result)
{
    result->final_states = uk_xcalloc(ex->n_states ? ex->n_states : 1,
                                      sizeof *result->final_states);
    for (size_t i = 0; i < ex->allocated_states; i++) {
        if (ex->states[i]) {
            result->final_states[result->n_final_states++]
                = ex->states[i];
        }
    }
    qsort(result->final_states, result->n_final_states,
          sizeof *result->final_states, cmp_u64);
    result->stats.states = result->n_final_states;
}
