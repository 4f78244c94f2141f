/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark of the explorer (core/explore.c): time to the first
 * counterexample of the 2016 race, schedules per second, and the reduction
 * factor (schedules explored without reduction / with sleep sets / with
 * DPOR) on the race and on a scenario with two handlers and two
 * revalidators.  Prints one "name: value" line per figure, line-buffered.
 * Every measurement is bounded by a time limit.  The models have one umap
 * shard ("umaps 1"): fewer sweep steps, the same races.
 *
 * 2 handlers + 2 revalidators: the unreduced space is far too big to
 * enumerate, so it is measured two ways: (a) all three reductions under
 * the same depth bounds, which understates the reduction (it prunes most
 * deep in the tree, and DPOR under a depth bound is not exhaustive, see
 * explore.h); (b) unbounded, where DPOR and sleep sets are exhaustive and
 * the number of unreduced schedules is estimated with Knuth's estimator
 * (the mean, over random walks from the root, of the product of the
 * numbers of runnable threads met: an unbiased estimate of the number of
 * complete schedules).  Usage: bench-explore [SECONDS [DEPTH...]] (the
 * time limit of each measurement, default 20; the depth bounds of (a)). */
#include <stdbool.h>
#include <stdio.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "core/explore.h"
#include "core/util.h"
#include "tests/unit/model-helpers.h"

/* model_new() with a single umap shard. */
static struct udpif *
model_new1(const char *variant)
{
    struct udpif_config cfg;
    udpif_config_init(&cfg);
    cfg.variant = uk_variant_find(variant);
    cfg.datapath = UK_DP_KERNEL;
    cfg.n_umaps = 1;
    return udpif_create(&cfg);
}

/* f1 installed and evicted by a dump; a miss upcall of f1 on handler0 and a
 * sweep on revalidator0 queued, nothing stepped. */
static struct udpif *
setup_race(void *variant)
{
    struct udpif *u = model_new1(variant);
    return queue_race(u);
}

/* Two handlers, two revalidators: f1 and f2 installed, then a miss upcall
 * of each on its own handler and a sweep round on both revalidators. */
static struct udpif *
setup_2h2r(void *variant)
{
    struct udpif *u = model_new1(variant);
    struct uk_thread *h0 = udpif_add_thread(u, UK_THREAD_HANDLER,
                                            "handler0", NULL);
    struct uk_thread *h1 = udpif_add_thread(u, UK_THREAD_HANDLER,
                                            "handler1", NULL);
    udpif_add_thread(u, UK_THREAD_REVALIDATOR, "revalidator0", NULL);
    udpif_add_thread(u, UK_THREAD_REVALIDATOR, "revalidator1", NULL);
    struct uk_flow *f1 = udpif_add_flow(u, "f1");
    struct uk_flow *f2 = udpif_add_flow(u, "f2");
    udpif_upcall(u, h0, f1, 1);
    udpif_upcall(u, h1, f2, 1);
    run_all(u);
    udpif_upcall(u, h0, f1, 1);
    udpif_upcall(u, h1, f2, 1);
    udpif_round(u, NULL, UK_PHASE_SWEEP);
    return u;
}

static void
report(const char *name, const struct explore_result *r)
{
    const struct explore_stats *s = &r->stats;
    printf("%s: %llu schedules (%llu complete, %llu sleep-blocked, "
           "%llu pruned, %llu bound, %llu races), %llu steps, %.3f s, "
           "%.0f schedules/s, %.0f steps/s%s\n", name,
           (unsigned long long) s->schedules,
           (unsigned long long) s->complete,
           (unsigned long long) s->sleep_blocked,
           (unsigned long long) s->pruned,
           (unsigned long long) s->bound_exceeded,
           (unsigned long long) s->races,
           (unsigned long long) s->steps, s->elapsed,
           s->elapsed > 0 ? (double) s->schedules / s->elapsed : 0,
           s->elapsed > 0 ? (double) s->steps / s->elapsed : 0,
           s->interrupted ? " (budget exhausted)" : "");
}

static double budget = 20;

static void
first_counterexample(const char *name, struct explore_options *opts)
{
    struct explore_result r;
    opts->time_limit = budget;
    explore_run(setup_race, (void *) "v1-replace", opts, &r);
    printf("first counterexample (%s): %.3f s after %llu schedules, "
           "%zu steps, %s\n", name, r.stats.first_found,
           (unsigned long long) r.stats.first_found_schedules,
           r.n_violations ? r.violations[0].schedule.n : 0,
           r.n_violations ? "found" : "NOT FOUND");
    explore_result_destroy(&r);
}

/* Explores 'setup' (upstream) with 'reduction' within 'depth' steps (0:
 * none); fills 'r'. */
static void
run_reduction(struct udpif *(*setup)(void *), const char *what,
              enum explore_reduction reduction, size_t depth,
              struct explore_result *r)
{
    struct explore_options opts;
    char name[128];

    explore_options_init(&opts);
    opts.reduction = reduction;
    opts.depth_bound = depth;
    opts.time_limit = budget;
    explore_run(setup, (void *) "upstream", &opts, r);
    snprintf(name, sizeof name, "%s, %s, depth %zu", what,
             explore_reduction_name(reduction), depth);
    report(name, r);
}

/* Knuth's estimate of the number of complete schedules of 'setup'
 * (upstream), from 'n' random walks. */
static double
knuth_estimate(struct udpif *(*setup)(void *), unsigned int n,
               double *rsd)
{
    struct uk_rng rng = { .state = 12345 };
    struct uk_thread *ts[64];
    double sum = 0, sum2 = 0;

    for (unsigned int i = 0; i < n; i++) {
        struct udpif *u = setup((void *) "upstream");
        double product = 1;
        for (;;) {
            size_t k = udpif_runnable(u, ts, 64);
            if (!k) {
                break;
            }
            product *= (double) k;
            udpif_step(u, ts[uk_rng_below(&rng, k)]);
        }
        udpif_destroy(u);
        sum += product;
        sum2 += product * product;
    }
    double mean = sum / n;
    double var = sum2 / n - mean * mean;
    *rsd = mean > 0 && var > 0 ? sqrt(var / n) / mean : 0;
    return mean;
}

/* Without reduction, with sleep sets and with DPOR, all within 'depth'
 * steps (0: none), and the factors. */
static void
reduction_factor(struct udpif *(*setup)(void *), const char *what,
                 size_t depth)
{
    struct explore_result r[N_EXPLORE_REDUCTIONS];
    bool cut = false;

    for (int i = 0; i < N_EXPLORE_REDUCTIONS; i++) {
        run_reduction(setup, what, i, depth, &r[i]);
        cut |= r[i].stats.interrupted;
    }
    uint64_t none = r[EXPLORE_REDUCTION_NONE].stats.schedules;
    for (int i = EXPLORE_REDUCTION_SLEEP; i < N_EXPLORE_REDUCTIONS; i++) {
        const struct explore_stats *s = &r[i].stats;
        printf("reduction factor (%s, depth bound %zu, %s): %s%.1fx "
               "(%llu / %llu schedules)%s%s\n", what, depth,
               explore_reduction_name(i),
               r[EXPLORE_REDUCTION_NONE].stats.interrupted
               && !s->interrupted ? ">= " : "",
               (double) none / (double) (s->schedules ? s->schedules : 1),
               (unsigned long long) none, (unsigned long long) s->schedules,
               s->dpor_cut ? " (DPOR cut by the depth bound: not "
                             "exhaustive)" : "",
               cut ? " (time limit hit: not comparable)" : "");
    }
    for (int i = 0; i < N_EXPLORE_REDUCTIONS; i++) {
        explore_result_destroy(&r[i]);
    }
}

/* The unbounded comparison: sleep sets and DPOR explore the whole space;
 * the unreduced count is Knuth's estimate. */
static void
reduction_factor_unbounded(struct udpif *(*setup)(void *), const char *what)
{
    struct explore_result sleep, dpor;
    double rsd;
    double none = knuth_estimate(setup, 20000, &rsd);

    printf("%s, none: about %.3g complete schedules (Knuth's estimate, "
           "20000 random walks, relative standard error %.0f%%)\n", what,
           none, 100 * rsd);
    run_reduction(setup, what, EXPLORE_REDUCTION_SLEEP, 0, &sleep);
    run_reduction(setup, what, EXPLORE_REDUCTION_DPOR, 0, &dpor);
    const struct explore_result *rs[] = { &sleep, &dpor };
    for (int i = 0; i < 2; i++) {
        const struct explore_stats *s = &rs[i]->stats;
        printf("reduction factor (%s, unbounded, %s): %s%.3gx (about %.3g "
               "/ %llu schedules)%s\n", what,
               explore_reduction_name(s->reduction),
               s->exhausted ? "" : "<= ", none / (double) (s->schedules
                                                        ? s->schedules : 1),
               none, (unsigned long long) s->schedules,
               s->exhausted ? ", exhaustive" : " (time limit hit)");
    }
    printf("reduction factor (%s, unbounded, dpor vs sleep): %s%.1fx "
           "schedules, %.1fx steps, %.1fx time (%llu vs %llu "
           "sleep-blocked prefixes)\n",
           what, sleep.stats.exhausted ? "" : ">= ",
           (double) sleep.stats.schedules
           / (double) (dpor.stats.schedules ? dpor.stats.schedules : 1),
           (double) sleep.stats.steps
           / (double) (dpor.stats.steps ? dpor.stats.steps : 1),
           sleep.stats.elapsed / (dpor.stats.elapsed > 0
                                  ? dpor.stats.elapsed : 1),
           (unsigned long long) sleep.stats.sleep_blocked,
           (unsigned long long) dpor.stats.sleep_blocked);
    explore_result_destroy(&sleep);
    explore_result_destroy(&dpor);
}

int
main(int argc, char *argv[])
{
    struct explore_options opts;
    struct explore_result r;

    setvbuf(stdout, NULL, _IOLBF, 0);
    if (argc > 1) {
        budget = atof(argv[1]);
    }

    /* Time to the first counterexample, after a warm-up run (page faults,
     * caches). */
    explore_options_init(&opts);
    opts.minimize = false;
    explore_run(setup_race, (void *) "v1-replace", &opts, &r);
    explore_result_destroy(&r);
    first_counterexample("dfs + dpor", &opts);
    opts.reduction = EXPLORE_REDUCTION_SLEEP;
    first_counterexample("dfs + sleep sets", &opts);
    opts.reduction = EXPLORE_REDUCTION_NONE;
    first_counterexample("dfs, no reduction", &opts);
    opts.reduction = EXPLORE_REDUCTION_DPOR;
    opts.preempt_bound = 1;
    first_counterexample("dfs, preemption bound 1", &opts);
    explore_options_init(&opts);
    first_counterexample("dfs + dpor, minimised", &opts);
    explore_options_init(&opts);
    opts.strategy = EXPLORE_BFS;
    opts.minimize = false;
    first_counterexample("bfs (shortest)", &opts);
    explore_options_init(&opts);
    opts.minimize = false;
    opts.strategy = EXPLORE_PCT;
    opts.n_runs = 100000;
    first_counterexample("pct depth 3, seed 1", &opts);
    opts.strategy = EXPLORE_RANDOM;
    first_counterexample("random, seed 1", &opts);

    /* Schedules per second: the upstream race space, exhaustively. */
    explore_options_init(&opts);
    opts.hash_states = true;
    opts.time_limit = budget;
    explore_run(setup_race, (void *) "upstream", &opts, &r);
    report("upstream race, exhaustive", &r);
    printf("upstream race: %zu violations, %llu final states, exhausted: "
           "%s\n", r.n_violations, (unsigned long long) r.stats.states,
           r.stats.exhausted ? "yes" : "no");
    explore_result_destroy(&r);

    /* Reduction factor.  The race (1 handler, 1 revalidator): every
     * search exhausts the space.  2 handlers + 2 revalidators: see the
     * file comment. */
    reduction_factor(setup_race, "race, 1 handler, 1 revalidator", 0);
    for (int i = 2; i < argc; i++) {
        reduction_factor(setup_2h2r, "2 handlers, 2 revalidators",
                         (size_t) atoi(argv[i]));
    }
    if (argc <= 2) {
        reduction_factor(setup_2h2r, "2 handlers, 2 revalidators", 10);
        reduction_factor(setup_2h2r, "2 handlers, 2 revalidators", 12);
    }
    reduction_factor_unbounded(setup_2h2r, "2 handlers, 2 revalidators");
    return 0;
}
