/* SPDX-License-Identifier: Apache-2.0 */
/* Benchmark of free-running mode (built by "make bench", not part of
 * check; tests/bench/bench-load.sh runs it untraced and under an LTTng
 * session and prints the tracing ratio).
 *
 * Measures, in one run:
 *   - installs per second of the handlers alone: N miss upcalls of N
 *     distinct flows queued before the threads start, timed until every
 *     ukey is installed (OPERATIONAL), with 1 and with 2 handler threads,
 *     with the lifecycle checker and without it;
 *   - a baseline: bare cds_lfht lookups + adds (QSBR flavour, auto-resize)
 *     of the same keys (ufid, pmd 0) in 64 tables sharded, sized and
 *     hashed as the umaps are, a node malloc'ed per add, on one thread;
 *   - the install path against that baseline (process CPU ns per install
 *     with 1 handler, no checker, over process CPU ns per lookup+add, so
 *     that both include liburcu's resize work, and neither the wait for a
 *     CPU on a loaded machine nor the bench's own polling for the end of
 *     a run): goal <= 5.
 *
 * Each figure is the best of BENCH_BEST_OF runs (default 3; the installs:
 * after one run not counted), on a warm heap (see main()).  The tracepoint
 * observer is registered with its filter, as "ukdb load" does it.
 *
 * The tracepoint observer is always attached (as "ukdb load" does): run
 * outside a session it costs one test per event, run under
 * "ukdb record --exec" it records every event.
 *
 * Usage: bench-load [FLOWS [HANDLERS CHECKER]]   (default 100000 flows).
 * With HANDLERS (1 or more) and CHECKER (0 or 1), runs only that
 * configuration, BENCH_REPS times (default once), and no baseline, and
 * prints each run with its page faults: for profiling and A/B runs.
 * Environment: BENCH_VERBOSE=1 prints every repetition; BENCH_COLD_HEAP=1
 * lets the heap shrink between runs; BENCH_PERF_CTL=FIFO and
 * BENCH_PERF_SKIP=N: see perf_ctl().
 * Output: one "name value unit" line per figure. */
#include <inttypes.h>
#include <malloc.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <sys/resource.h>

#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "core/freerun.h"
#include "core/udpif-private.h"
#include "core/util.h"
#include "tracepoints/provider/tp-observer.h"

static double
wall_sec(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* CPU time of the whole process (every model thread): on a loaded machine
 * the wall clock measures the neighbours too. */
static double
cpu_sec(clockid_t clock)
{
    struct timespec ts;
    clock_gettime(clock, &ts);
    return (double) ts.tv_sec + (double) ts.tv_nsec * 1e-9;
}

/* With BENCH_PERF_CTL=FIFO, writes 'cmd' to that FIFO: run under
 * "perf record -D -1 --control=fifo:FIFO", perf samples only the timed
 * part of each run. */
static void
perf_ctl(const char *cmd)
{
    static int n_calls;
    const char *fifo = getenv("BENCH_PERF_CTL");
    const char *skip = getenv("BENCH_PERF_SKIP");     /* Runs not sampled. */
    if (fifo && n_calls++ / 2 >= (skip ? atoi(skip) : 0)) {
        FILE *f = fopen(fifo, "w");
        if (f) {
            fputs(cmd, f);
            fclose(f);
        }
    }
}

/* CPU ns per install, page faults and events per install of the last
 * bench_installs(). */
static double last_cpu_ns;
static long last_faults;
static double last_events;

/* Installs per second of 'n_handlers' handlers for 'n_flows' misses. */
static double
bench_installs(unsigned int n_handlers, uint64_t n_flows, bool checker)
{
    struct udpif_config cfg;
    udpif_config_init(&cfg);
    cfg.free_running = true;
    cfg.checker = checker;
    cfg.n_umaps = 64;
    cfg.flow_limit = UINT32_MAX;
    cfg.observer = uk_tp_observer;
    cfg.observer_words = uk_tp_observer_words();
    cfg.observer_concurrent = true;     /* As "ukdb load" attaches it. */
    struct udpif *udpif = udpif_create(&cfg);

    struct uk_thread **handlers = uk_xcalloc(n_handlers, sizeof *handlers);
    for (unsigned int i = 0; i < n_handlers; i++) {
        char name[32];
        snprintf(name, sizeof name, "handler%u", i);
        handlers[i] = udpif_add_thread(udpif, UK_THREAD_HANDLER, name, NULL);
    }
    for (uint64_t i = 0; i < n_flows; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%" PRIu64, i);
        struct uk_flow *flow = udpif_add_flow_new(udpif, name);
        udpif_upcall(udpif, handlers[i % n_handlers], flow, 1);
    }

    struct freerun_stats s;
    freerun_snapshot(udpif, &s);
    uint64_t events0 = s.events;        /* Thread starts, flows. */
    struct rusage ru0;
    getrusage(RUSAGE_SELF, &ru0);
    perf_ctl("enable\n");
    double t0 = wall_sec();
    double c0 = cpu_sec(CLOCK_PROCESS_CPUTIME_ID);
    if (udpif_start(udpif)) {
        fprintf(stderr, "bench-load: cannot start threads\n");
        exit(1);
    }
    /* Waits for the last install, polling the counters.  This thread's
     * CPU time from here on is the bench's, not the install path's (a
     * wake-up every 200 us costs 5-10 us of CPU on a VM: 5-15% of the
     * process's CPU time per install), and the baseline has no poller:
     * it is not counted.  udpif_start(), which creates the threads, is. */
    double w0 = cpu_sec(CLOCK_THREAD_CPUTIME_ID);
    for (;;) {
        freerun_snapshot(udpif, &s);
        if (s.by_state[UKEY_OPERATIONAL] >= n_flows) {
            break;
        }
        struct timespec ts = { .tv_sec = 0, .tv_nsec = 200 * 1000 };
        nanosleep(&ts, NULL);
    }
    double t1 = wall_sec();
    double waited = cpu_sec(CLOCK_THREAD_CPUTIME_ID) - w0;
    perf_ctl("disable\n");
    last_cpu_ns = (cpu_sec(CLOCK_PROCESS_CPUTIME_ID) - c0 - waited) * 1e9
                  / (double) n_flows;
    struct rusage ru1;
    getrusage(RUSAGE_SELF, &ru1);
    last_faults = ru1.ru_minflt - ru0.ru_minflt;
    last_events = (double) (s.events - events0) / (double) n_flows;
    udpif_stop(udpif);
    udpif_destroy(udpif);
    free(handlers);
    return (double) n_flows / (t1 - t0);
}

struct bench_node {
    struct cds_lfht_node node;
    uint64_t ufid;
};

static int
bench_match(struct cds_lfht_node *node, const void *key)
{
    const struct bench_node *n = caa_container_of(node, struct bench_node,
                                                  node);
    return n->ufid == *(const uint64_t *) key;
}

/* ns per lookup (a miss) + add, as ukey_install__() does per new ukey. */
static double
bench_lfht(uint64_t n_flows)
{
    /* The same structure as the model's umaps in bench_installs(): 64
     * shards chosen by 'hash % 64', each table created as umap_init()
     * does, keyed by the hash rotated as table_hash() does in free-running
     * mode; a node allocated per insert, as a new ukey is.  What the
     * model adds over this is its own work: the ukey, its locks, states
     * and events. */
    enum { N_SHARDS = 64 };
    urcu_qsbr_register_thread();
    struct cds_lfht *ht[N_SHARDS];
    for (int i = 0; i < N_SHARDS; i++) {
        ht[i] = cds_lfht_new_flavor(64, 64, 0, UMAP_AUTO_RESIZE,
                                    &urcu_qsbr_flavor, NULL);
    }
    uint64_t *ufids = uk_xcalloc(n_flows, sizeof *ufids);
    uint32_t *hashes = uk_xcalloc(n_flows, sizeof *hashes);
    for (uint64_t i = 0; i < n_flows; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%" PRIu64, i);
        ufids[i] = uk_hash_string(name);
        hashes[i] = ukey_hash(ufids[i], 0);
    }
    uint64_t found = 0;
    struct rusage ru0;
    getrusage(RUSAGE_SELF, &ru0);
    double t0 = cpu_sec(CLOCK_PROCESS_CPUTIME_ID);    /* Resizes too. */
    for (uint64_t i = 0; i < n_flows; i++) {
        struct cds_lfht *t = ht[hashes[i] % N_SHARDS];
        uint32_t h = (hashes[i] >> 16) | (hashes[i] << 16);
        struct cds_lfht_iter iter;
        cds_lfht_lookup(t, h, bench_match, &ufids[i], &iter);
        found += cds_lfht_iter_get_node(&iter) != NULL;
        struct bench_node *node = uk_xmalloc(sizeof *node);
        node->ufid = ufids[i];
        cds_lfht_node_init(&node->node);
        cds_lfht_add(t, h, &node->node);
        if (!(i & 1023)) {
            urcu_qsbr_quiescent_state();
        }
    }
    double t1 = cpu_sec(CLOCK_PROCESS_CPUTIME_ID);
    struct rusage ru1;
    getrusage(RUSAGE_SELF, &ru1);
    last_faults = ru1.ru_minflt - ru0.ru_minflt;
    if (found) {
        fprintf(stderr, "bench-load: %" PRIu64 " ufid collisions\n", found);
    }
    for (int i = 0; i < N_SHARDS; i++) {
        struct cds_lfht_iter iter;
        struct bench_node *n;
        cds_lfht_for_each_entry (ht[i], &iter, n, node) {
            cds_lfht_del(ht[i], &n->node);
            free(n);            /* Unreachable by readers: one thread. */
        }
        urcu_qsbr_thread_offline();
        cds_lfht_destroy(ht[i], NULL);
        urcu_qsbr_thread_online();
    }
    urcu_qsbr_unregister_thread();
    free(ufids);
    free(hashes);
    return (t1 - t0) * 1e9 / (double) n_flows;
}

int
main(int argc, char *argv[])
{
    uint64_t n_flows = argc > 1 ? strtoull(argv[1], NULL, 10) : 100000;
    if (!getenv("BENCH_COLD_HEAP")) {
        /* A warm heap, as in a long-running ovs-vswitchd: memory freed by
         * one run is reused by the next instead of going back to the
         * kernel, so that the repetitions measure the install path, not
         * first-touch page faults (very expensive in some VMs); the
         * baseline, run first, has the same heap settings. */
        mallopt(M_TRIM_THRESHOLD, 1 << 30);
        mallopt(M_MMAP_THRESHOLD, 1 << 30);
    }
    if (!n_flows || argc == 3 || argc > 4) {
        fprintf(stderr, "usage: bench-load [FLOWS [HANDLERS CHECKER]]\n");
        return 2;
    }
    if (argc == 4) {
        unsigned int h = (unsigned int) strtoul(argv[2], NULL, 10);
        bool checker = atoi(argv[3]) != 0;
        if (!h || h > 64) {
            fprintf(stderr, "bench-load: HANDLERS must be 1 to 64\n");
            return 2;
        }
        int reps = getenv("BENCH_REPS") ? atoi(getenv("BENCH_REPS")) : 1;
        for (int rep = 0; rep < reps || !rep; rep++) {
            double rate = bench_installs(h, n_flows, checker);
            printf("installs_per_s handlers=%u checker=%s %.0f /s "
                   "(%.0f cpu ns/install, %ld page faults)\n", h,
                   checker ? "on" : "off", rate, last_cpu_ns, last_faults);
        }
        return 0;
    }
    /* Best of BENCH_BEST_OF runs (default 3): a run of 20000 lookups and
     * adds lasts a few ms, which one preemption or host steal doubles. */
    int best_of = getenv("BENCH_BEST_OF") ? atoi(getenv("BENCH_BEST_OF")) : 3;
    best_of = best_of > 0 ? best_of : 3;
    double base_ns = 0;
    for (int rep = 0; rep < best_of; rep++) {
        double ns = bench_lfht(n_flows);
        if (getenv("BENCH_VERBOSE")) {
            fprintf(stderr, "  rep %d lfht %.1f ns %ld faults\n", rep, ns,
                    last_faults);
        }
        base_ns = !base_ns || ns < base_ns ? ns : base_ns;
    }
    printf("lfht_lookup_add %.1f cpu ns\n", base_ns);

    double best_cpu_ns = 0;
    for (int checker = 0; checker <= 1; checker++) {
        for (unsigned int h = 1; h <= 2; h++) {
            double rate = 0, cpu_ns = 0;
            /* Best of 'best_of', after one run not counted: the first run
             * of a configuration still grows the heap of its threads. */
            for (int rep = -1; rep < best_of; rep++) {
                double r = bench_installs(h, n_flows, checker);
                if (getenv("BENCH_VERBOSE")) {
                    fprintf(stderr, "  rep %d h=%u c=%d %.0f ns %ld faults\n",
                            rep, h, checker, last_cpu_ns, last_faults);
                }
                if (rep < 0) {
                    continue;
                }
                rate = r > rate ? r : rate;
                cpu_ns = !cpu_ns || last_cpu_ns < cpu_ns ? last_cpu_ns
                                                         : cpu_ns;
            }
            printf("installs_per_s handlers=%u checker=%s %.0f /s "
                   "(%.0f cpu ns/install)\n", h, checker ? "on" : "off",
                   rate, cpu_ns);
            if (h == 1 && !checker) {
                best_cpu_ns = cpu_ns;
                printf("events_per_install %.2f\n", last_events);
            }
        }
    }
    printf("install_vs_lfht %.2f x (cpu time, handlers=1 checker=off; "
           "goal <= 5)\n", best_cpu_ns / base_ns);
    return 0;
}
