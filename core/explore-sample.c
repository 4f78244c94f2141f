/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer's sampling strategies: random schedules, and PCT
 * (probabilistic concurrency testing: random thread priorities with a few
 * changes). */
#include "explore-private.h"

#include "udpif-private.h"
#include "util.h"

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
            if (!ex->opts.depth_bound) {
                ex->result->stats.capped = true;
            }
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

void
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
    uint64_t i;
    for (i = 0; i < ex->opts.n_runs && !ex->stop && !ex->probing; i++) {
        ex_run_one(ex, ex->opts.seed + i, pct_k);
    }
    if (i < ex->opts.n_runs) {
        ex->result->stats.interrupted = ex->probing || ex->limit_hit;
    }
}
