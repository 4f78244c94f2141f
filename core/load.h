/* SPDX-License-Identifier: Apache-2.0 */
/* The load generator of "ukdb load": a free-running model (core/freerun.h)
 * fed by a traffic generator thread.
 *
 * Traffic: 'n_flows' flows, declared before the threads start, sent bursts
 * of packets with a Zipf-like popularity over ranks (rank r has weight
 * 1/(r+1)^zipf); the flow at each rank changes over time (churn: a hot rank
 * and a cold rank swap flows), so flows go cold, idle out and come back.
 * Every 'idle_ms' the flows that got no packet since the last tick are
 * marked idle (udpif_expire(): the next dump deletes their datapath flow);
 * a fraction of packets changes a flow's actions (udpif_modify()) or
 * injects a one-shot datapath fault (put, modify or delete fails with EIO).
 * Misses go to the handlers through udpif_traffic(); the revalidators run
 * rounds back to back (at most two queued).
 *
 * Synchronization: load_create(), load_start(), load_stop() and
 * load_destroy() from one thread; load_snapshot() and load_finished() from
 * any thread while it runs; load_interrupt() also from a signal handler. */
#ifndef UKDB_CORE_LOAD_H
#define UKDB_CORE_LOAD_H 1

#include <stdbool.h>
#include <stdint.h>

#include "freerun.h"

struct load;
struct udpif;
struct uk_variant;

struct load_config {
    unsigned int n_handlers;    /* Kernel datapath: >= 1. */
    unsigned int n_pmds;        /* >= 1: the userspace datapath (netdev),
                                 * its PMD threads upcalling themselves
                                 * (upcall_cb()); then no handlers. */
    unsigned int n_revalidators;    /* >= 1. */
    unsigned int n_umaps;       /* Default 64. */
    uint64_t n_flows;           /* >= 1. */
    const struct uk_variant *variant;   /* Default upstream. */
    double seconds;             /* Run time; 0 = until 'max_upcalls'. */
    uint64_t max_upcalls;       /* Stop after this many (or when none
                                 * comes any more); 0 = no limit. */
    uint64_t seed;              /* Traffic PRNG seed. */
    uint64_t rate;              /* Traffic calls per second; 0 = flat out. */
    unsigned int burst;         /* Packets per call: 1..burst. */
    double zipf;                /* Popularity exponent (1.0). */
    double churn;               /* Per call: probability of a rank swap. */
    unsigned int idle_ms;       /* Idle expiry tick; 0 = never idle. */
    double modify;              /* Per call: probability of a modify. */
    double faults;              /* Per call: probability of a fault. */
    unsigned int flow_limit;    /* Datapath flow limit (OVS 200000). */
    bool checker;               /* Run the lifecycle checker (default). */
    uk_event_observer_fn *observer; /* Attached before the first event
                                     * (e.g. the tracepoints), or NULL. */
    void *observer_aux;
    uk_event_filter_fn *observer_filter;    /* Its filter, or NULL. */
    bool observer_concurrent;   /* Thread-safe (event_bus_add_concurrent). */
    const struct uk_event_words *observer_words;    /* Or its filter as
                                                     * words (udpif.h). */
};

/* Fills 'cfg' with the defaults (2 handlers, 2 revalidators, 10000 flows,
 * 10 s, 200000 calls/s...). */
void load_config_init(struct load_config *cfg);

/* Checks 'cfg': returns NULL if it is usable, else a static message naming
 * the bad setting ("--handlers must be between 1 and 256"). */
const char *load_config_check(const struct load_config *cfg);

/* Memory a load of 'cfg' takes at most, roughly: its flows, and as many
 * ukeys at once as it may have (flows, up to the flow limit).  With
 * 'address_space', also what its threads reserve without touching
 * (stacks, malloc arenas), which counts against "ulimit -v". */
uint64_t load_memory_need(const struct load_config *cfg, bool address_space);

/* Creates the model (free-running, with the checker if asked) and its
 * threads and flows, not started.  'cfg' must pass load_config_check(). */
struct load *load_create(const struct load_config *cfg);

/* The model, to add observers (a tracepoint observer, a recorder) before
 * load_start(). */
struct udpif *load_udpif(const struct load *);

/* Starts the model's threads and the traffic generator.  Returns 0 or a
 * positive errno value. */
int load_start(struct load *);

/* True once the generator has stopped: time or upcall limit reached, or
 * load_interrupt(). */
bool load_finished(const struct load *);

/* True if the generator stopped short of 'max_upcalls' because none came
 * for load_stall_seconds(): every flow kept its datapath flow, so none
 * would come again. */
bool load_stalled(const struct load *);

/* How long a load of 'cfg' with 'max_upcalls' waits for an upcall before
 * it stops: three idle ticks, at least 5 s. */
double load_stall_seconds(const struct load_config *cfg);

/* Asks the generator to stop (Ctrl-C).  Async-signal-safe. */
void load_interrupt(struct load *);

/* Stops the generator, then the model (udpif_stop(): threads joined, every
 * ukey freed after the final grace period, 'end' emitted). */
void load_stop(struct load *);

/* Live figures. */
struct load_stats {
    struct freerun_stats fr;
    double elapsed;             /* Seconds since load_start(). */
    uint64_t calls;             /* udpif_traffic() calls. */
    uint64_t packets;
    uint64_t expiries;          /* udpif_expire() calls. */
    uint64_t modifies, faults, churns;
    uint64_t backlog;           /* Upcalls queued on handlers now. */
};

void load_snapshot(const struct load *, struct load_stats *);

/* Frees everything.  Stops it first if needed.  NULL ok. */
void load_destroy(struct load *);

#endif /* UKDB_CORE_LOAD_H */
