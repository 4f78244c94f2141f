/* SPDX-License-Identifier: Apache-2.0 */
/* Generated scenarios for the explorer's tests (test-explore-gen.c,
 * test-explore-commute.c): for each seed, a small model (a variant, a
 * datapath, umaps, checker settings, handlers or PMDs, revalidators, flows
 * installed, then queued work (upcalls, rounds, expiries, modifies, purge,
 * flush, a PMD's purge, shutdown) and datapath faults, sometimes a few
 * steps taken). */
#ifndef UKDB_TESTS_EXPLORE_GEN_H
#define UKDB_TESTS_EXPLORE_GEN_H 1

#include "tests/unit/model-helpers.h"

/* ==== Scenarios ==== */

#define GEN_MAX_THREADS 3
#define GEN_MAX_FLOWS 2

struct gen {
    uint64_t seed;
    bool big;                   /* Up to 3 handlers or PMDs and
                                 * revalidators, 3 to 5 operations; the
                                 * reference is sleep sets, not "none". */
};

/* Queues one piece of work drawn from 'rng'. */
static inline void
gen_queue(struct udpif *u, struct uk_rng *rng, struct uk_thread **hs,
          size_t n_h, struct uk_thread **rs, size_t n_r,
          struct uk_flow **fs, size_t n_f)
{
    size_t fi = uk_rng_below(rng, n_f);
    struct uk_flow *f = fs[fi];
    struct uk_thread *h = hs[uk_rng_below(rng, n_h)];
    struct uk_thread *r = rs[uk_rng_below(rng, n_r)];
    uint32_t pmd = hs[fi % n_h]->pmd_id;
    static const enum uk_action_kind faults[] = {
        UK_ACT_DP_PUT, UK_ACT_DP_DEL, UK_ACT_DP_PUT,
    };

    switch (uk_rng_below(rng, 14)) {
    case 0: case 1:
        udpif_upcall(u, h, f, 1);
        break;
    case 2:
        udpif_expire(u, f);
        udpif_round(u, r, UK_PHASE_DUMP);
        break;
    case 3:
        udpif_round(u, r, UK_PHASE_SWEEP);
        break;
    case 4:
        udpif_round(u, uk_rng_below(rng, 2) ? r : NULL, UK_PHASE_ALL);
        break;
    case 5:
        udpif_dp_ext_del(u, f, pmd);
        break;
    case 6: {
        size_t k = uk_rng_below(rng, UK_ARRAY_SIZE(faults));
        udpif_dp_fail(u, f, pmd, faults[k], k == 2,
                      uk_rng_below(rng, 2) ? EIO : ENOENT);
        break;
    }
    case 7:
        udpif_dp_dup(u, f, pmd);
        break;
    case 8:
        udpif_traffic(u, f, 1);
        break;
    case 9:
        udpif_modify(u, f);
        udpif_round(u, r, UK_PHASE_DUMP);
        break;
    case 10:
        uk_rng_below(rng, 2) ? udpif_purge(u) : udpif_flush(u);
        break;
    case 11:
        if (h->kind == UK_THREAD_PMD) {
            udpif_dp_purge(u, h);
        } else {
            udpif_shutdown(u);
        }
        break;
    default:
        udpif_expire(u, f);
        break;
    }
}

/* explore_setup_fn: the scenario of seed 'g->seed'. */
static inline struct udpif *
setup_gen(void *g_)
{
    const struct gen *g = g_;
    struct uk_rng rng = { .state = uk_mix64(g->seed + 1) };
    struct udpif_config cfg;
    udpif_config_init(&cfg);
    cfg.variant = uk_variant_at(uk_rng_below(&rng, uk_variant_count()));
    cfg.datapath = uk_rng_below(&rng, 4) ? UK_DP_KERNEL : UK_DP_NETDEV;
    cfg.n_umaps = 1 + (unsigned int) uk_rng_below(&rng, 3);
    if (!uk_rng_below(&rng, 5)) {
        cfg.flow_limit = 1 + (unsigned int) uk_rng_below(&rng, 2);
    }
    if (!uk_rng_below(&rng, 3)) {
        cfg.stuck_rounds = cfg.slowpath_rounds = 1;
    }
    if (!uk_rng_below(&rng, 4)) {
        cfg.dump_batch = cfg.upcall_batch = 1;
    }
    struct udpif *u = udpif_create(&cfg);

    struct uk_thread *hs[GEN_MAX_THREADS], *rs[GEN_MAX_THREADS];
    struct uk_flow *fs[GEN_MAX_FLOWS];
    size_t max_threads = g->big ? GEN_MAX_THREADS : 2;
    size_t n_h = 1 + uk_rng_below(&rng, max_threads);
    size_t n_r = 1 + uk_rng_below(&rng, max_threads);
    size_t n_f = 1 + uk_rng_below(&rng, GEN_MAX_FLOWS);
    enum uk_thread_kind hk = (cfg.datapath == UK_DP_NETDEV
                              ? UK_THREAD_PMD : UK_THREAD_HANDLER);
    for (size_t i = 0; i < n_h; i++) {
        char name[16];
        snprintf(name, sizeof name, "h%zu", i);
        hs[i] = udpif_add_thread(u, hk, name, NULL);
    }
    for (size_t i = 0; i < n_r; i++) {
        char name[16];
        snprintf(name, sizeof name, "r%zu", i);
        rs[i] = udpif_add_thread(u, UK_THREAD_REVALIDATOR, name, NULL);
    }
    for (size_t i = 0; i < n_f; i++) {
        char name[16];
        snprintf(name, sizeof name, "f%zu", i + 1);
        fs[i] = udpif_add_flow(u, name);
        if (uk_rng_below(&rng, 4)) {
            udpif_upcall(u, hs[i % n_h], fs[i], 1);
        }
    }
    run_all(u);
    size_t n_ops = g->big ? 3 + uk_rng_below(&rng, 3)
                          : 2 + uk_rng_below(&rng, 2);
    for (size_t i = 0; i < n_ops; i++) {
        gen_queue(u, &rng, hs, n_h, rs, n_r, fs, n_f);
    }
    if (!uk_rng_below(&rng, 3)) {
        /* The search then starts in the middle of operations. */
        for (size_t i = uk_rng_below(&rng, 8); i > 0; i--) {
            struct uk_thread *ts[16];
            size_t n = udpif_runnable(u, ts, 16);
            if (!n) {
                break;
            }
            udpif_step(u, ts[uk_rng_below(&rng, n)]);
        }
    }
    return u;
}

#endif /* tests/unit/explore-gen.h */
