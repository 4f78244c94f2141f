/* SPDX-License-Identifier: Apache-2.0 */
/* The traffic generator of "ukdb load" (see load.h).  One pthread, not an
 * RCU reader: it only calls the stimuli that freerun.h lists as
 * thread-safe. */
#include "load.h"

#include <errno.h>
#include <math.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "udpif.h"
#include "util.h"

#define LOAD_STALL_MIN_S 5.0    /* See load_stall_seconds(). */
#define LOAD_SLICE_S 0.005      /* Longest sleep of the generator. */

struct load {
    struct load_config cfg;
    struct udpif *udpif;        /* (owned) */
    struct uk_flow **flows;     /* (borrowed from 'udpif') */
    uint64_t n_flows;

    pthread_t thread;
    bool started, stopped;
    atomic_bool interrupted;    /* load_interrupt(). */
    atomic_bool finished;       /* The generator returned. */
    atomic_bool stalled;        /* It returned for lack of upcalls. */
    struct timespec t0;

    /* Generator state (its thread only). */
    double *cdf;                /* (owned) Zipf CDF over ranks. */
    uint32_t *perm;             /* (owned) Rank -> flow index. */
    uint32_t *last_tick;        /* (owned) Per flow: tick of its last send. */
    uint32_t tick;
    struct uk_rng rng;
    uint64_t rounds_queued;
    double last_round;          /* When the last round was queued (s). */
    uint64_t last_upcalls;      /* Upcalls at the last check... */
    double last_upcall_time;    /* ...and when that count last grew (s). */

    /* Counters the stats reader loads (relaxed; single writer). */
    _Atomic uint64_t calls, packets, expiries, modifies, faults, churns;
};

void
load_config_init(struct load_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->n_handlers = 2;
    cfg->n_revalidators = 2;
    cfg->n_umaps = 64;
    cfg->n_flows = 10000;
    cfg->variant = uk_variant_find("upstream");
    cfg->seconds = 10;
    cfg->seed = 1;
    cfg->rate = 200000;
    cfg->burst = 4;
    cfg->zipf = 1.0;
    cfg->churn = 0.001;
    cfg->idle_ms = 100;
    cfg->modify = 0.0005;
    cfg->faults = 0;
    cfg->flow_limit = 200000;
    cfg->checker = true;
}

const char *
load_config_check(const struct load_config *cfg)
{
    if (cfg->n_pmds && cfg->n_handlers) {
        return "give --handlers (kernel datapath) or --pmds (userspace "
               "datapath), not both";
    } else if (cfg->n_pmds > 256) {
        return "--pmds must be between 1 and 256";
    } else if (!cfg->n_pmds
               && (cfg->n_handlers < 1 || cfg->n_handlers > 256)) {
        return "--handlers must be between 1 and 256";
    }
    if (cfg->n_revalidators < 1 || cfg->n_revalidators > 256) {
        return "--revalidators must be between 1 and 256";
    }
    if (cfg->n_umaps < 1 || cfg->n_umaps > 65536) {
        return "--umaps must be between 1 and 65536";
    }
    if (cfg->n_flows < 1 || cfg->n_flows > 100000000) {
        return "--flows must be between 1 and 100000000";
    }
    if (!cfg->variant) {
        return "unknown variant";
    }
    if (!(cfg->seconds >= 0) || cfg->seconds > 1e6) {
        return "--seconds must be more than 0 and at most 1000000";
    }
    if (!cfg->seconds && !cfg->max_upcalls) {
        return "give --seconds or --upcalls";
    }
    if (cfg->burst < 1 || cfg->burst > 1000000) {
        return "--burst must be between 1 and 1000000";
    }
    if (!(cfg->zipf >= 0 && cfg->zipf <= 10)) {
        return "--zipf must be between 0 and 10";
    }
    if (!(cfg->churn >= 0 && cfg->churn <= 1)
        || !(cfg->modify >= 0 && cfg->modify <= 1)
        || !(cfg->faults >= 0 && cfg->faults <= 1)) {
        return "--churn, --modify and --faults are probabilities (0..1)";
    }
    if (cfg->flow_limit < 1) {
        return "--flow-limit must be at least 1";
    }
    return NULL;
}

/* Measured with "ukdb load" on x86-64 glibc (peak RSS against --flows and
 * installs): ~190 bytes per flow (its record in the model and its name,
 * the generator's permutation, popularity and idle tick), ~400 per ukey
 * (the ukey, its umap node, its datapath flow), and ~10 MB to start. */
#define LOAD_BYTES_FIXED (16ull << 20)
#define LOAD_BYTES_PER_FLOW 200ull
#define LOAD_BYTES_PER_UKEY 450ull
/* Per thread, in address space only: an 8 MB stack and a 64 MB malloc
 * arena (glibc's HEAP_MAX_SIZE), for the load's threads and the six
 * others: main, urcu, liburcu's call_rcu and hash-table resize workers,
 * LTTng-UST's two listeners. */
#define LOAD_AS_PER_THREAD (72ull << 20)
#define LOAD_OTHER_THREADS 6ull
/* Per emitting thread, with the checker: its ring of events (event.c). */
#define LOAD_BYTES_PER_THREAD (112ull << 10)

uint64_t
load_memory_need(const struct load_config *cfg, bool address_space)
{
    uint64_t ukeys = cfg->n_flows < cfg->flow_limit ? cfg->n_flows
                                                    : cfg->flow_limit;
    uint64_t threads = ((uint64_t) cfg->n_handlers + cfg->n_pmds
                        + cfg->n_revalidators + LOAD_OTHER_THREADS);
    uint64_t need = LOAD_BYTES_FIXED + cfg->n_flows * LOAD_BYTES_PER_FLOW
                    + ukeys * LOAD_BYTES_PER_UKEY
                    + (cfg->checker ? threads * LOAD_BYTES_PER_THREAD : 0);
    if (address_space) {
        need += threads * LOAD_AS_PER_THREAD;
    }
    return need;
}

static double
elapsed_since(const struct timespec *t0)
{
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    return (double) (now.tv_sec - t0->tv_sec)
           + (double) (now.tv_nsec - t0->tv_nsec) / 1e9;
}

struct load *
load_create(const struct load_config *cfg)
{
    struct load *load = uk_xzalloc(sizeof *load);
    load->cfg = *cfg;
    atomic_init(&load->interrupted, false);
    atomic_init(&load->finished, false);
    atomic_init(&load->stalled, false);

    struct udpif_config ucfg;
    udpif_config_init(&ucfg);
    ucfg.free_running = true;
    ucfg.datapath = cfg->n_pmds ? UK_DP_NETDEV : UK_DP_KERNEL;
    ucfg.variant = cfg->variant;
    ucfg.n_umaps = cfg->n_umaps;
    ucfg.flow_limit = cfg->flow_limit;
    ucfg.checker = cfg->checker;
    ucfg.observer = cfg->observer;
    ucfg.observer_aux = cfg->observer_aux;
    ucfg.observer_filter = cfg->observer_filter;
    ucfg.observer_concurrent = cfg->observer_concurrent;
    ucfg.observer_words = cfg->observer_words;
    load->udpif = udpif_create(&ucfg);

    char name[32];
    for (unsigned int i = 0; i < cfg->n_pmds; i++) {
        snprintf(name, sizeof name, "pmd%u", i);
        udpif_add_thread(load->udpif, UK_THREAD_PMD, name, NULL);
    }
    for (unsigned int i = 0; i < cfg->n_handlers; i++) {
        snprintf(name, sizeof name, "handler%u", i);
        udpif_add_thread(load->udpif, UK_THREAD_HANDLER, name, NULL);
    }
    for (unsigned int i = 0; i < cfg->n_revalidators; i++) {
        snprintf(name, sizeof name, "revalidator%u", i);
        udpif_add_thread(load->udpif, UK_THREAD_REVALIDATOR, name, NULL);
    }
    load->n_flows = cfg->n_flows;
    load->flows = uk_xcalloc(load->n_flows, sizeof *load->flows);
    load->perm = uk_xcalloc(load->n_flows, sizeof *load->perm);
    load->last_tick = uk_xcalloc(load->n_flows, sizeof *load->last_tick);
    load->cdf = uk_xcalloc(load->n_flows, sizeof *load->cdf);
    for (uint64_t i = 0; i < load->n_flows; i++) {
        snprintf(name, sizeof name, "f%llu", (unsigned long long) i);
        load->flows[i] = udpif_add_flow_new(load->udpif, name);
        load->perm[i] = (uint32_t) i;
    }
    double sum = 0;
    for (uint64_t r = 0; r < load->n_flows; r++) {
        sum += 1.0 / pow((double) (r + 1), cfg->zipf);
        load->cdf[r] = sum;
    }
    for (uint64_t r = 0; r < load->n_flows; r++) {
        load->cdf[r] /= sum;
    }
    load->rng.state = cfg->seed;
    /* A seeded shuffle, so that popularity is not the declaration order. */
    for (uint64_t i = load->n_flows; i > 1; i--) {
        uint64_t j = uk_rng_below(&load->rng, i);
        uint32_t tmp = load->perm[i - 1];
        load->perm[i - 1] = load->perm[j];
        load->perm[j] = tmp;
    }
    return load;
}

struct udpif *
load_udpif(const struct load *load)
{
    return load->udpif;
}

static double
rng_unit(struct uk_rng *rng)
{
    return (double) (uk_rng_next(rng) >> 11) * (1.0 / 9007199254740992.0);
}

/* The rank of a Zipf-distributed draw: binary search of the CDF. */
static uint64_t
zipf_rank(struct load *load)
{
    double u = rng_unit(&load->rng);
    uint64_t lo = 0, hi = load->n_flows - 1;
    while (lo < hi) {
        uint64_t mid = lo + (hi - lo) / 2;
        if (load->cdf[mid] < u) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

static void
count(_Atomic uint64_t *c, uint64_t n)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed)
                          + n, memory_order_relaxed);
}

/* A hot rank (top tenth) and a cold one (bottom half) swap flows. */
static void
churn(struct load *load)
{
    uint64_t n = load->n_flows;
    uint64_t hot = uk_rng_below(&load->rng, n / 10 ? n / 10 : 1);
    uint64_t cold = n / 2 + uk_rng_below(&load->rng, n - n / 2);
    uint32_t tmp = load->perm[hot];
    load->perm[hot] = load->perm[cold];
    load->perm[cold] = tmp;
    count(&load->churns, 1);
}

/* The idle expiry tick: every flow that got nothing since the last one. */
static void
expire_idle(struct load *load)
{
    uint64_t n = 0;
    for (uint64_t i = 0; i < load->n_flows; i++) {
        if (load->last_tick[i] != load->tick) {
            udpif_expire(load->udpif, load->flows[i]);
            n++;
        }
    }
    load->tick++;
    count(&load->expiries, n);
}

/* A one-shot fault of a flow's datapath flow, where its traffic goes: on
 * the userspace datapath, the instance of its PMD (pmd_id 0 there is no
 * PMD's: a fault armed on it never fired).  A put that creates a flow
 * fails only on the kernel datapath: dpif-netdev's PMD adds the flow of
 * its own miss itself (dp_netdev_flow_add(), after upcall_cb()), which
 * cannot fail; a fault there left the new ukey VISIBLE with no flow, a
 * stuck ukey and a slowpathed flow that OVS cannot have. */
static void
fault(struct load *load)
{
    struct uk_flow *flow = load->flows[uk_rng_below(&load->rng,
                                                    load->n_flows)];
    uint32_t pmd = freerun_flow_pmd(load->udpif, flow);
    uint32_t first = load->cfg.n_pmds ? 1 : 0;     /* No create on netdev. */
    switch (first + uk_rng_below(&load->rng, 3 - first)) {
    case 0:
        udpif_dp_fail(load->udpif, flow, pmd, UK_ACT_DP_PUT, false, EIO);
        break;
    case 1:
        udpif_dp_fail(load->udpif, flow, pmd, UK_ACT_DP_PUT, true, EIO);
        break;
    default:
        udpif_dp_fail(load->udpif, flow, pmd, UK_ACT_DP_DEL, false, EIO);
        break;
    }
    count(&load->faults, 1);
}

/* A load whose flows all keep their datapath flows (few flows, each sent
 * something every idle tick) never upcalls again: with --upcalls it would
 * run, and record, until the disk is full.  A few idle ticks, and never
 * less than LOAD_STALL_MIN_S, without an upcall stop it. */
double
load_stall_seconds(const struct load_config *cfg)
{
    double ticks = 3.0 * cfg->idle_ms / 1000.0;
    return ticks > LOAD_STALL_MIN_S ? ticks : LOAD_STALL_MIN_S;
}

static bool
limit_reached(struct load *load, double elapsed)
{
    if (load->cfg.seconds && elapsed >= load->cfg.seconds) {
        return true;
    }
    if (load->cfg.max_upcalls) {
        struct freerun_stats s;
        freerun_snapshot(load->udpif, &s);
        if (s.stats.upcalls >= load->cfg.max_upcalls) {
            return true;
        }
        if (s.stats.upcalls != load->last_upcalls) {
            load->last_upcalls = s.stats.upcalls;
            load->last_upcall_time = elapsed;
        } else if (elapsed - load->last_upcall_time
                   >= load_stall_seconds(&load->cfg)) {
            atomic_store_explicit(&load->stalled, true,
                                  memory_order_relaxed);
            return true;
        }
    }
    return false;
}

/* Keeps the revalidators busy: at most two rounds queued, and at least
 * 5 ms between round starts, as OVS's leader waits (70d0cd067), so that
 * rounds measure time as the liveness checks expect. */
static void
feed_rounds(struct load *load)
{
    if (load->rounds_queued < freerun_rounds(load->udpif) + 2) {
        double now = elapsed_since(&load->t0);
        if (now - load->last_round >= 0.005) {
            udpif_round(load->udpif, NULL, UK_PHASE_ALL);
            load->rounds_queued++;
            load->last_round = now;
        }
    }
}

/* Sleeps 'seconds' (less than one). */
static void
sleep_for(double seconds)
{
    struct timespec ts = { .tv_sec = 0, .tv_nsec = (long) (seconds * 1e9) };
    nanosleep(&ts, NULL);
}

/* The generator's look at the clock, once every few calls: returns true
 * to stop (an interrupt, a limit); marks the idle flows at each tick; and
 * while 'calls' is ahead of the rate, sleeps in slices short enough to
 * keep the revalidators' rounds coming and to see a limit or an interrupt
 * in time, as traffic pauses do not pause OVS's revalidators. */
static bool
generator_check(struct load *load, uint64_t calls, double *next_tick)
{
    const struct load_config *cfg = &load->cfg;
    for (;;) {
        double elapsed = elapsed_since(&load->t0);
        if (atomic_load_explicit(&load->interrupted, memory_order_relaxed)
            || limit_reached(load, elapsed)) {
            return true;
        }
        if (cfg->idle_ms && elapsed >= *next_tick) {
            expire_idle(load);
            *next_tick = elapsed + cfg->idle_ms / 1000.0;
        }
        double ahead = cfg->rate
                       ? (double) calls / (double) cfg->rate - elapsed : 0;
        if (ahead <= 0) {
            return false;
        }
        sleep_for(ahead < LOAD_SLICE_S ? ahead : LOAD_SLICE_S);
        feed_rounds(load);
    }
}

static void *
load_generator(void *load_)
{
    struct load *load = load_;
    const struct load_config *cfg = &load->cfg;
    double next_tick = cfg->idle_ms / 1000.0;
    /* About one look at the clock per millisecond of traffic at the set
     * rate: at 10 calls/s, before each call; flat out, every 256. */
    uint64_t every = cfg->rate ? cfg->rate / 1000 : 256;
    every = every < 1 ? 1 : every > 256 ? 256 : every;
    uint64_t calls = 0;

    for (;;) {
        if (!(calls % every) && generator_check(load, calls, &next_tick)) {
            break;
        }
        feed_rounds(load);

        uint64_t rank = zipf_rank(load);
        uint32_t i = load->perm[rank];
        uint64_t n = 1 + uk_rng_below(&load->rng, cfg->burst);
        udpif_traffic(load->udpif, load->flows[i], n);
        load->last_tick[i] = load->tick;
        calls++;
        count(&load->calls, 1);
        count(&load->packets, n);

        if (cfg->churn && rng_unit(&load->rng) < cfg->churn) {
            churn(load);
        }
        if (cfg->modify && rng_unit(&load->rng) < cfg->modify) {
            udpif_modify(load->udpif,
                         load->flows[uk_rng_below(&load->rng,
                                                  load->n_flows)]);
            count(&load->modifies, 1);
        }
        if (cfg->faults && rng_unit(&load->rng) < cfg->faults) {
            fault(load);
        }
    }
    atomic_store_explicit(&load->finished, true, memory_order_release);
    return NULL;
}

int
load_start(struct load *load)
{
    int error = udpif_start(load->udpif);
    if (error) {
        return error;
    }
    clock_gettime(CLOCK_MONOTONIC, &load->t0);
    error = pthread_create(&load->thread, NULL, load_generator, load);
    if (error) {
        udpif_stop(load->udpif);
        return error;
    }
    load->started = true;
    return 0;
}

bool
load_stalled(const struct load *load)
{
    return atomic_load_explicit(&load->stalled, memory_order_relaxed);
}

bool
load_finished(const struct load *load)
{
    return atomic_load_explicit(&load->finished, memory_order_acquire);
}

void
load_interrupt(struct load *load)
{
    atomic_store_explicit(&load->interrupted, true, memory_order_relaxed);
}

void
load_stop(struct load *load)
{
    if (load->started && !load->stopped) {
        load_interrupt(load);
        pthread_join(load->thread, NULL);
        udpif_stop(load->udpif);
        load->stopped = true;
    }
}

void
load_snapshot(const struct load *load, struct load_stats *out)
{
    memset(out, 0, sizeof *out);
    freerun_snapshot(load->udpif, &out->fr);
    if (load->started) {
        out->elapsed = elapsed_since(&load->t0);
    }
    out->calls = atomic_load_explicit(&load->calls, memory_order_relaxed);
    out->packets = atomic_load_explicit(&load->packets, memory_order_relaxed);
    out->expiries = atomic_load_explicit(&load->expiries,
                                         memory_order_relaxed);
    out->modifies = atomic_load_explicit(&load->modifies,
                                         memory_order_relaxed);
    out->faults = atomic_load_explicit(&load->faults, memory_order_relaxed);
    out->churns = atomic_load_explicit(&load->churns, memory_order_relaxed);
    out->backlog = freerun_backlog(load->udpif);
}

void
load_destroy(struct load *load)
{
    if (load) {
        load_stop(load);
        udpif_destroy(load->udpif);
        free(load->flows);
        free(load->perm);
        free(load->last_tick);
        free(load->cdf);
        free(load);
    }
}
