/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark of stepped mode (built by "make bench", not part of check).
 *
 * Measures, in one run:
 *   - steps per second of a long scenario (many flows, upcalls from two
 *     handlers, rounds of two revalidators, idle flows, modifies, external
 *     deletions, a purge), with the lifecycle checker attached and without
 *     it (cfg.checker = false); the goal is >= 1,000,000 steps/s;
 *   - the cost of one full handler install (miss upcall -> OPERATIONAL)
 *     among 1000 flows, in ns and in steps;
 *   - a baseline: a bare cds_lfht add + lookup (liburcu QSBR flavour, as
 *     core/umap.c uses it), so the other figures can be read as ratios
 *     that do not depend on the machine.
 *
 * Usage: bench-step [SCALE]   (SCALE multiplies the work, default 1).
 * Output: one "name value unit" line per figure, then the ratios. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "core/udpif.h"
#include "core/util.h"

/* Stepped mode runs on one OS thread: its CPU time is the measure (the
 * wall clock of a loaded machine is reported too, for the scenario). */
static double
now_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

static double
wall_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* Steps runnable threads round-robin until none is runnable. */
static uint64_t
run_all(struct udpif *udpif)
{
    struct uk_thread *ts[64];
    uint64_t steps = 0;
    for (;;) {
        size_t n = udpif_runnable(udpif, ts, 64);
        if (!n) {
            return steps;
        }
        for (size_t i = 0; i < n && i < 64; i++) {
            if (!udpif_step(udpif, ts[i])) {
                steps++;
            }
        }
    }
}

/* ==== The long scenario ==== */

struct scenario_result {
    uint64_t steps;
    uint64_t events;
    double seconds;             /* Thread CPU time. */
    double wall;                /* Wall clock. */
};

static void
count_event(const struct ukey_event *e, void *n_)
{
    uint64_t *n = n_;
    (void) e;
    (*n)++;
}

static void
scenario(bool checker, unsigned int n_flows, unsigned int n_phases,
         struct scenario_result *res)
{
    struct udpif_config cfg;
    udpif_config_init(&cfg);
    cfg.checker = checker;
    cfg.n_umaps = 64;
    struct udpif *u = udpif_create(&cfg);
    uint64_t events = 0;
    event_bus_add(u->bus, count_event, &events);

    udpif_add_thread(u, UK_THREAD_HANDLER, "handler0", NULL);
    udpif_add_thread(u, UK_THREAD_HANDLER, "handler1", NULL);
    udpif_add_thread(u, UK_THREAD_REVALIDATOR, "revalidator0", NULL);
    udpif_add_thread(u, UK_THREAD_REVALIDATOR, "revalidator1", NULL);
    struct uk_flow **flows = uk_xcalloc(n_flows, sizeof *flows);
    for (unsigned int i = 0; i < n_flows; i++) {
        char name[32];
        snprintf(name, sizeof name, "flow%u", i);
        flows[i] = udpif_add_flow(u, name);
    }

    struct uk_rng rng = { 1 };
    uint64_t steps = 0;
    double start = now_sec(), wall_start = wall_sec();
    for (unsigned int phase = 0; phase < n_phases; phase++) {
        /* Traffic on a third of the flows: misses become upcalls. */
        for (unsigned int i = 0; i < n_flows; i++) {
            if (uk_rng_below(&rng, 3) == 0) {
                udpif_traffic(u, flows[i], 1 + uk_rng_below(&rng, 9));
            }
        }
        /* Some flows go idle, some change, some vanish under OVS. */
        for (unsigned int i = 0; i < n_flows / 20; i++) {
            struct uk_flow *f = flows[uk_rng_below(&rng, n_flows)];
            switch (uk_rng_below(&rng, 3)) {
            case 0:
                udpif_expire(u, f);
                break;
            case 1:
                udpif_modify(u, f);
                break;
            default:
                udpif_dp_ext_del(u, f, 0);
                break;
            }
        }
        udpif_round(u, NULL, UK_PHASE_ALL);
        if (phase % 16 == 15) {
            udpif_purge(u);
        }
        steps += run_all(u);
    }
    udpif_shutdown(u);
    steps += run_all(u);
    res->seconds = now_sec() - start;
    res->wall = wall_sec() - wall_start;
    res->steps = steps;
    res->events = events;
    free(flows);
    udpif_destroy(u);
}

/* ==== One handler install ==== */

struct install_result {
    double ns_per_install;
    double steps_per_install;
};

/* 'n_flows' flows installed one by one on one handler, in 'reps' fresh
 * models: the time from queueing each miss upcall to its ukey being
 * OPERATIONAL. */
static void
installs(bool checker, unsigned int n_flows, unsigned int reps,
         struct install_result *res)
{
    uint64_t steps = 0;
    double seconds = 0;
    for (unsigned int r = 0; r < reps; r++) {
        struct udpif_config cfg;
        udpif_config_init(&cfg);
        cfg.checker = checker;
        cfg.n_umaps = 64;
        struct udpif *u = udpif_create(&cfg);
        struct uk_thread *h = udpif_add_thread(u, UK_THREAD_HANDLER,
                                               "handler0", NULL);
        struct uk_flow **flows = uk_xcalloc(n_flows, sizeof *flows);
        for (unsigned int i = 0; i < n_flows; i++) {
            char name[32];
            snprintf(name, sizeof name, "flow%u", i);
            flows[i] = udpif_add_flow(u, name);
        }
        double start = now_sec();
        for (unsigned int i = 0; i < n_flows; i++) {
            udpif_upcall(u, h, flows[i], 1);
            steps += udpif_finish_op(u, h, 1000);
        }
        seconds += now_sec() - start;
        free(flows);
        udpif_destroy(u);
    }
    res->ns_per_install = seconds * 1e9 / ((double) n_flows * reps);
    res->steps_per_install = (double) steps / ((double) n_flows * reps);
}

/* ==== Baseline: cds_lfht add + lookup ==== */

struct node {
    struct cds_lfht_node node;
    uint64_t key;
};

static int
match_key(struct cds_lfht_node *node, const void *key)
{
    return caa_container_of(node, struct node, node)->key
           == *(const uint64_t *) key;
}

static double
lfht_ns_per_add_lookup(unsigned int n, unsigned int reps)
{
    struct node *nodes = uk_xcalloc(n, sizeof *nodes);
    double total = 0;
    uint64_t found = 0;
    for (unsigned int r = 0; r < reps; r++) {
        /* Sized for 'n', as a umap sized for its flows. */
        unsigned long size = 1;
        while (size < n) {
            size <<= 1;
        }
        struct cds_lfht *ht = cds_lfht_new_flavor(size, size, 0, 0,
                                                  &urcu_qsbr_flavor, NULL);
        double start = now_sec();
        for (unsigned int i = 0; i < n; i++) {
            nodes[i].key = uk_mix64(i + 1);
            cds_lfht_node_init(&nodes[i].node);
            unsigned long hash = (unsigned long) nodes[i].key;
            cds_lfht_add(ht, hash, &nodes[i].node);
            struct cds_lfht_iter iter;
            cds_lfht_lookup(ht, hash, match_key, &nodes[i].key, &iter);
            found += cds_lfht_iter_get_node(&iter) != NULL;
        }
        total += now_sec() - start;
        for (unsigned int i = 0; i < n; i++) {
            cds_lfht_del(ht, &nodes[i].node);
        }
        urcu_qsbr_quiescent_state();
        cds_lfht_destroy(ht, NULL);
    }
    free(nodes);
    if (found != (uint64_t) n * reps) {
        fprintf(stderr, "bench-step: lfht lookup failed\n");
        exit(1);
    }
    return total * 1e9 / ((double) n * reps);
}

int
main(int argc, char *argv[])
{
    unsigned int scale = argc > 1 ? (unsigned int) atoi(argv[1]) : 1;
    if (!scale) {
        scale = 1;
    }
    /* Warm up (page faults, caches).  udpif_create() registers this
     * thread with liburcu QSBR, which the baseline below relies on. */
    struct scenario_result warm;
    scenario(true, 200, 4, &warm);

    struct scenario_result with, without;
    scenario(true, 1000, 128 * scale, &with);
    scenario(false, 1000, 128 * scale, &without);
    struct install_result inst, inst_nc;
    installs(true, 1000, 20 * scale, &inst);
    installs(false, 1000, 20 * scale, &inst_nc);
    double lfht = lfht_ns_per_add_lookup(1000, 1000 * scale);

    double sps_with = (double) with.steps / with.seconds;
    double sps_without = (double) without.steps / without.seconds;
    printf("bench-step: stepped mode (1000 flows, 2 handlers, "
           "2 revalidators, 64 umaps), thread CPU time\n");
    printf("steps_with_checker          %12" PRIu64 " steps\n", with.steps);
    printf("steps_per_sec_checker       %12.0f steps/s\n", sps_with);
    printf("steps_per_sec_checker_wall  %12.0f steps/s\n",
           (double) with.steps / with.wall);
    printf("events_per_step             %12.2f events\n",
           (double) with.events / (double) with.steps);
    printf("steps_per_sec_no_checker    %12.0f steps/s\n", sps_without);
    printf("ns_per_step_checker         %12.1f ns\n", 1e9 / sps_with);
    printf("ns_per_step_no_checker      %12.1f ns\n", 1e9 / sps_without);
    printf("install_ns_checker          %12.1f ns\n", inst.ns_per_install);
    printf("install_ns_no_checker       %12.1f ns\n",
           inst_nc.ns_per_install);
    printf("install_steps               %12.1f steps\n",
           inst.steps_per_install);
    printf("install_ns_per_step         %12.1f ns\n",
           inst.ns_per_install / inst.steps_per_install);
    printf("lfht_add_lookup_ns          %12.1f ns\n", lfht);
    printf("ratio checker_cost          %12.2f x (step time with/without "
           "checker)\n", sps_without / sps_with);
    printf("ratio step/lfht             %12.2f x (one step vs one "
           "lfht add+lookup)\n", 1e9 / sps_with / lfht);
    printf("ratio install/lfht          %12.2f x (one install vs one "
           "lfht add+lookup)\n", inst.ns_per_install / lfht);
    printf("goal 1000000 steps/s        %12s\n",
           sps_with >= 1e6 ? "met" : "NOT MET");
    return 0;
}
