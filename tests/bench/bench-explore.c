/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark of the explorer (core/explore.c): time to the first
 * counterexample of the 2016 race, schedules per second, and the reduction
 * factor (schedules explored without / with sleep sets) on a scenario with
 * two handlers and two revalidators.  Prints one "name: value" line per
 * figure, line-buffered.  Every measurement is bounded (a time limit, and
 * the reduction factor a depth bound that both searches finish), so the
 * whole run takes well under two minutes.  The models have one umap shard
 * ("umaps 1"): fewer sweep steps, the same races.  Usage: bench-explore
 * [SECONDS [DEPTH...]] (the time limit of each measurement, default 20;
 * the depth bounds of the 2-handler, 2-revalidator comparison). */
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/explore.h"
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
    struct uk_thread *h = udpif_add_thread(u, UK_THREAD_HANDLER, "handler0",
                                           NULL);
    struct uk_thread *r = udpif_add_thread(u, UK_THREAD_REVALIDATOR,
                                           "revalidator0", NULL);
    struct uk_flow *f = udpif_add_flow(u, "f1");
    udpif_upcall(u, h, f, 1);
    run_all(u);
    udpif_expire(u, f);
    udpif_round(u, r, UK_PHASE_DUMP);
    run_all(u);
    udpif_upcall(u, h, f, 1);
    udpif_round(u, r, UK_PHASE_SWEEP);
    return u;
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
           "%llu pruned, %llu bound), %llu steps, %.3f s, %.0f schedules/s, "
           "%.0f steps/s%s\n", name, (unsigned long long) s->schedules,
           (unsigned long long) s->complete,
           (unsigned long long) s->sleep_blocked,
           (unsigned long long) s->pruned,
           (unsigned long long) s->bound_exceeded,
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

/* Explores 'setup' (upstream) with and without reduction, both with the
 * same depth bound 'depth' (0: none) and time limit, and prints the
 * factor. */
static void
reduction_factor(struct udpif *(*setup)(void *), const char *what,
                 size_t depth)
{
    struct explore_options opts;
    struct explore_result with, without;
    char name[96];

    explore_options_init(&opts);
    opts.depth_bound = depth;
    opts.time_limit = budget;
    explore_run(setup, (void *) "upstream", &opts, &with);
    snprintf(name, sizeof name, "%s with reduction, depth %zu", what,
             depth);
    report(name, &with);
    opts.reduction = false;
    explore_run(setup, (void *) "upstream", &opts, &without);
    snprintf(name, sizeof name, "%s without reduction, depth %zu", what,
             depth);
    report(name, &without);
    bool cut = with.stats.interrupted || without.stats.interrupted;
    printf("reduction factor (%s, depth bound %zu): "
           "%s%.1fx (%llu / %llu schedules)%s\n", what, depth,
           without.stats.interrupted && !with.stats.interrupted ? ">= " : "",
           (double) without.stats.schedules
           / (double) (with.stats.schedules ? with.stats.schedules : 1),
           (unsigned long long) without.stats.schedules,
           (unsigned long long) with.stats.schedules,
           cut ? " (time limit hit: not comparable)" : "");
    explore_result_destroy(&with);
    explore_result_destroy(&without);
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

    /* Time to the first counterexample. */
    explore_options_init(&opts);
    opts.minimize = false;
    first_counterexample("dfs + sleep sets", &opts);
    opts.preempt_bound = 1;
    first_counterexample("dfs, preemption bound 1", &opts);
    explore_options_init(&opts);
    first_counterexample("dfs + sleep sets, minimised", &opts);
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

    /* Reduction factor.  The race (1 handler, 1 revalidator): both
     * searches exhaust the space.  2 handlers + 2 revalidators: the
     * unreduced space is too big to finish, so both searches get the same
     * depth bound (which understates the reduction: sleep sets prune most
     * deep in the tree). */
    reduction_factor(setup_race, "race, 1 handler, 1 revalidator", 0);
    for (int i = 2; i < argc; i++) {
        reduction_factor(setup_2h2r, "2 handlers, 2 revalidators",
                         (size_t) atoi(argv[i]));
    }
    if (argc <= 2) {
        reduction_factor(setup_2h2r, "2 handlers, 2 revalidators", 10);
        reduction_factor(setup_2h2r, "2 handlers, 2 revalidators", 11);
        reduction_factor(setup_2h2r, "2 handlers, 2 revalidators", 12);
    }
    return 0;
}
