/* SPDX-License-Identifier: Apache-2.0 */
/* Helpers for the model's unit tests: build a small udpif, record its
 * events, and step threads to a chosen action. */
#ifndef UKDB_TESTS_MODEL_HELPERS_H
#define UKDB_TESTS_MODEL_HELPERS_H 1

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "core/udpif.h"
#include "core/util.h"

struct recorder {
    struct ukey_event *events;
    size_t n, allocated;
};

static void
recorder_observe(const struct ukey_event *e, void *r_)
{
    struct recorder *r = r_;
    r->events = uk_grow(r->events, &r->allocated, r->n + 1,
                        sizeof *r->events);
    r->events[r->n++] = *e;
}

/* Number of events of 'type' (and 'kind' if >= 0) recorded. */
static inline size_t
count_events(const struct recorder *r, int type, int kind)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        n += r->events[i].type == type && (kind < 0
                                           || r->events[i].kind == kind);
    }
    return n;
}

/* The last event of 'type', or NULL. */
static inline const struct ukey_event *
last_event(const struct recorder *r, int type)
{
    for (size_t i = r->n; i-- > 0;) {
        if (r->events[i].type == type) {
            return &r->events[i];
        }
    }
    return NULL;
}

static inline struct udpif *
model_new(const char *variant, enum uk_datapath dp, struct recorder *r)
{
    struct udpif_config cfg;
    udpif_config_init(&cfg);
    cfg.variant = uk_variant_find(variant);
    cfg.datapath = dp;
    struct udpif *udpif = udpif_create(&cfg);
    if (r) {
        memset(r, 0, sizeof *r);
        event_bus_add(udpif->bus, recorder_observe, r);
    }
    return udpif;
}

/* Steps 't' until its next action is 'kind' in OVS function 'func' (or any
 * function if NULL).  Returns true if it got there. */
static inline bool
step_until(struct udpif *udpif, struct uk_thread *t, enum uk_action_kind kind,
           const char *func)
{
    for (int i = 0; i < 10000; i++) {
        if (t->next.kind == kind
            && (!func || (t->next.func && !strcmp(t->next.func, func)))) {
            return true;
        }
        if (udpif_step(udpif, t)) {
            return false;
        }
    }
    return false;
}

/* Steps every runnable thread round-robin until none is runnable. */
static inline uint64_t
run_all(struct udpif *udpif)
{
    uint64_t steps = 0;
    struct uk_thread *ts[64];
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

#endif /* UKDB_TESTS_MODEL_HELPERS_H */
