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

/* ==== More helpers (test-handler, test-revalidator, test-sequences) ==== */

/* model_new() with a full configuration ('cfg->checker' etc.). */
static inline struct udpif *
model_new_cfg(const struct udpif_config *cfg, struct recorder *r)
{
    struct udpif *udpif = udpif_create(cfg);
    if (r) {
        memset(r, 0, sizeof *r);
        event_bus_add(udpif->bus, recorder_observe, r);
    }
    return udpif;
}

static inline void
recorder_free(struct recorder *r)
{
    free(r->events);
    memset(r, 0, sizeof *r);
}

/* Number of events of 'type' that name ukey 'ukey_id'. */
static inline size_t
count_ukey_events(const struct recorder *r, int type, uint64_t ukey_id)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        n += r->events[i].type == type && r->events[i].ukey_id == ukey_id;
    }
    return n;
}

/* Number of 'violation' events of 'kind' (any kind if < 0) recorded from
 * index 'from' on. */
static inline size_t
count_violations(const struct recorder *r, size_t from, int kind)
{
    size_t n = 0;
    for (size_t i = from; i < r->n; i++) {
        n += r->events[i].type == UK_EV_VIOLATION
             && (kind < 0 || r->events[i].kind == kind);
    }
    return n;
}

/* Prints every violation recorded (as TAP diagnostics). */
static inline void
diag_violations(const struct recorder *r)
{
    for (size_t i = 0; i < r->n; i++) {
        if (r->events[i].type == UK_EV_VIOLATION) {
            char buf[512];
            uk_event_format(&r->events[i], buf, sizeof buf);
            printf("# violation: %s\n", buf);
        }
    }
}

/* Sum of the 'value' of the events of 'type' (stats_push: the packets
 * attributed through a ukey). */
static inline uint64_t
sum_event_values(const struct recorder *r, int type)
{
    uint64_t sum = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->events[i].type == type) {
            sum += r->events[i].value;
        }
    }
    return sum;
}

/* One compact token per event, in the notation of the specification's
 * step sequences (L/TL/U for locks, K<id> for ukeys), so a test compares
 * the order of what a thread did with one string. */
static inline int
event_token(const struct ukey_event *e, char *buf, size_t size)
{
    unsigned long long k = (unsigned long long) e->ukey_id;
    const char *error = !e->result ? ""
                        : uk_errno_name(e->result) ? uk_errno_name(e->result)
                        : "?";
    switch ((enum uk_event_type) e->type) {
    case UK_EV_UPCALL:
        return snprintf(buf, size, "upcall");
    case UK_EV_CREATE:
        return snprintf(buf, size, "create(K%llu)", k);
    case UK_EV_TRANSITION:
        return snprintf(buf, size, "K%llu:%s>%s%s", k,
                        ukey_state_name(e->from), ukey_state_name(e->to),
                        e->result == UK_TR_OK ? ""
                        : e->result == UK_TR_NOOP ? "(noop)"
                        : e->result == UK_TR_WARN ? "(warn)" : "(abort)");
    case UK_EV_LOCK:
    case UK_EV_TRYLOCK:
    case UK_EV_UNLOCK: {
        const char *op = e->type == UK_EV_LOCK ? "L"
                         : e->type == UK_EV_TRYLOCK ? "TL" : "U";
        const char *fail = e->result ? "=EBUSY" : "";
        if (e->kind == UK_LOCK_UMAP) {
            return snprintf(buf, size, "%s(umap)%s", op, fail);
        }
        return snprintf(buf, size, "%s(K%llu)%s", op, k, fail);
    }
    case UK_EV_UMAP_LOOKUP:
        return k ? snprintf(buf, size, "lookup=K%llu", k)
                 : snprintf(buf, size, "lookup=none");
    case UK_EV_UMAP_INSERT:
        return snprintf(buf, size, "insert(K%llu)", k);
    case UK_EV_UMAP_REPLACE:
        return snprintf(buf, size, "replace(K%llu>K%llu)", k,
                        (unsigned long long) e->ukey2_id);
    case UK_EV_UMAP_REMOVE:
        return snprintf(buf, size, "remove(K%llu)%s", k,
                        e->result ? "=ENOENT" : "");
    case UK_EV_RCU_POSTPONE:
        return snprintf(buf, size, "postpone(K%llu)", k);
    case UK_EV_RCU_QUIESCE:
        return snprintf(buf, size, "quiesce");
    case UK_EV_RCU_FREE:
        return snprintf(buf, size, "rcu_free(K%llu)", k);
    case UK_EV_UKEY_FREE:
        return snprintf(buf, size, "free(K%llu)", k);
    case UK_EV_DP_PUT:
        return snprintf(buf, size, "%s(K%llu)%s%s",
                        e->kind == UK_PUT_MODIFY ? "modify" : "put", k,
                        e->result ? "=" : "", error);
    case UK_EV_DP_DEL:
        return snprintf(buf, size, "del(K%llu)%s%s", k,
                        e->result ? "=" : "", error);
    case UK_EV_DP_DUMP:
        return snprintf(buf, size, "dump%s",
                        e->kind == UK_DUMP_DUPLICATE ? "(dup)" : "");
    case UK_EV_REVALIDATE:
        return snprintf(buf, size, "reval(K%llu)=%s%s%s", k,
                        uk_reval_result_name(e->kind),
                        e->result ? ":" : "",
                        e->result ? uk_del_reason_name(e->result) : "");
    case UK_EV_STATS_PUSH:
        return snprintf(buf, size, "push(K%llu,%llu)", k,
                        (unsigned long long) e->value);
    case UK_EV_OP_BEGIN:
        return snprintf(buf, size, "begin:%s", uk_op_name(e->kind));
    case UK_EV_OP_END:
        return snprintf(buf, size, "end:%s", uk_op_name(e->kind));
    case UK_EV_BARRIER:
        return snprintf(buf, size, "barrier%s",
                        e->kind == UK_BARRIER_ARRIVE ? ">" : "<");
    case UK_EV_COVERAGE:
        return snprintf(buf, size, "cov:%s", uk_coverage_name(e->kind));
    case UK_EV_VIOLATION:
        return snprintf(buf, size, "VIOLATION:%s",
                        uk_violation_kind_name(e->kind));
    case UK_EV_THREAD_START: case UK_EV_FLOW: case UK_EV_TRAFFIC:
    case UK_EV_END: case N_UK_EVENT_TYPES:
    default:
        return snprintf(buf, size, "%s", uk_event_type_name(e->type));
    }
}

/* Writes into 'buf' the tokens of the events recorded in [from, to) by
 * thread 'thread_id' (every thread if < 0), separated by spaces, leaving
 * out op_begin/op_end, barrier and rcu_quiesce events unless 'all'.
 * Returns 'buf'. */
static inline const char *
event_sig(const struct recorder *r, size_t from, size_t to, int thread_id,
          bool all, char *buf, size_t size)
{
    size_t len = 0;
    buf[0] = '\0';
    for (size_t i = from; i < to && i < r->n; i++) {
        const struct ukey_event *e = &r->events[i];
        if (thread_id >= 0 && e->thread_id != (uint32_t) thread_id) {
            continue;
        }
        if (!all && (e->type == UK_EV_OP_BEGIN || e->type == UK_EV_OP_END
                     || e->type == UK_EV_BARRIER
                     || e->type == UK_EV_RCU_QUIESCE)) {
            continue;
        }
        char tok[128];
        event_token(e, tok, sizeof tok);
        int n = snprintf(buf + len, size - len, "%s%s", len ? " " : "",
                         tok);
        if (n < 0 || (size_t) n >= size - len) {
            break;
        }
        len += (size_t) n;
    }
    return buf;
}

/* Whether 't' holds 'm' (in 't->held') and 'm' names 't' as its owner. */
static inline bool
thread_holds(const struct uk_thread *t, const struct uk_mutex *m)
{
    bool listed = false;
    for (int i = 0; i < t->n_held; i++) {
        listed |= t->held[i] == m;
    }
    return listed && m->owner == t;
}

/* Steps 't' until its next action is the barrier wait of generation 'gen'
 * of its round (R1 is 0, R3 is 1, R5 is 2 for a single participant). */
static inline bool
step_to_barrier(struct udpif *udpif, struct uk_thread *t, uint64_t gen)
{
    for (int i = 0; i < 100000; i++) {
        if (t->next.kind == UK_ACT_BARRIER && t->next.arg == gen) {
            return true;
        }
        if (udpif_step(udpif, t)) {
            return false;
        }
    }
    return false;
}

/* Steps 't' until its next action is 'kind' on 'ukey'. */
static inline bool
step_until_ukey(struct udpif *udpif, struct uk_thread *t,
                enum uk_action_kind kind, const struct ukey *ukey)
{
    for (int i = 0; i < 100000; i++) {
        if (t->next.kind == kind && t->next.ukey == ukey) {
            return true;
        }
        if (udpif_step(udpif, t)) {
            return false;
        }
    }
    return false;
}

/* Steps runnable threads chosen by 'rng' until none is runnable or
 * 'max_steps' were taken.  Returns the steps taken. */
static inline uint64_t
run_random(struct udpif *udpif, struct uk_rng *rng, uint64_t max_steps)
{
    struct uk_thread *ts[64];
    uint64_t steps = 0;
    while (steps < max_steps) {
        size_t n = udpif_runnable(udpif, ts, 64);
        if (!n) {
            break;
        }
        n = n < 64 ? n : 64;
        udpif_step(udpif, ts[uk_rng_below(rng, n)]);
        steps++;
    }
    return steps;
}

/* Whether every ukey ever created was freed exactly once. */
static inline bool
all_ukeys_freed_once(const struct udpif *udpif)
{
    for (const struct ukey *u = udpif->all_ukeys; u; u = u->next_all) {
        if (u->n_freed != 1) {
            return false;
        }
    }
    return true;
}

/* ==== The common fixture: an upcall thread, a revalidator, a flow ==== */

struct fixture {
    struct udpif *udpif;
    struct recorder rec;        /* Every event of 'udpif'. */
    struct uk_thread *h, *r;    /* Handler "h0" (a PMD under dpif-netdev),
                                 * revalidator "r0". */
    struct uk_flow *f;          /* Flow "f1". */
    struct ukey *k;             /* f1's ukey once fixture_install()ed. */
};

/* A model of 'variant' on datapath 'dp' with the threads and the flow of
 * struct fixture; nothing queued. */
static inline void
fixture_init(struct fixture *x, const char *variant, enum uk_datapath dp)
{
    x->udpif = model_new(variant, dp, &x->rec);
    x->h = udpif_add_thread(x->udpif, dp == UK_DP_KERNEL ? UK_THREAD_HANDLER
                            : UK_THREAD_PMD, "h0", NULL);
    x->r = udpif_add_thread(x->udpif, UK_THREAD_REVALIDATOR, "r0", NULL);
    x->f = udpif_add_flow(x->udpif, "f1");
    x->k = NULL;
}

/* A miss upcall of f1 on 'x->h', then every thread run until none is
 * runnable.  Returns f1's ukey in the umap then (OPERATIONAL after a good
 * put on the kernel path), also kept in 'x->k'. */
static inline struct ukey *
fixture_install(struct fixture *x)
{
    udpif_upcall(x->udpif, x->h, x->f, 1);
    run_all(x->udpif);
    x->k = udpif_flow_ukey(x->udpif, x->f, x->h->pmd_id);
    return x->k;
}

/* A full round (dump and sweep) on 'x->r', then every thread run until none
 * is runnable. */
static inline void
round_all(struct fixture *x)
{
    udpif_round(x->udpif, x->r, UK_PHASE_ALL);
    run_all(x->udpif);
}

static inline void
fixture_destroy(struct fixture *x)
{
    udpif_destroy(x->udpif);
    recorder_free(&x->rec);
}

/* The explorer scenarios' start on 'u': threads handler0 and revalidator0
 * (in '*h', '*r'), flow f1 installed by a miss upcall run to its end.
 * Returns f1. */
static inline struct uk_flow *
install_f1(struct udpif *u, struct uk_thread **h, struct uk_thread **r)
{
    *h = udpif_add_thread(u, UK_THREAD_HANDLER, "handler0", NULL);
    *r = udpif_add_thread(u, UK_THREAD_REVALIDATOR, "revalidator0", NULL);
    struct uk_flow *f = udpif_add_flow(u, "f1");
    udpif_upcall(u, *h, f, 1);
    run_all(u);
    return f;
}

/* The explorer's 2016-race scenario on 'u' (test-explore, bench-explore):
 * handler0 and revalidator0; f1 installed, a full round (a 2016 variant's
 * new ukey has the current dump_seq, before 8f0e86f84: that round skips
 * f1), then f1 evicted by a dump-only round stepped to its end; then a miss
 * upcall of f1 queued on handler0 and a sweep on revalidator0, nothing of
 * those stepped.  Returns 'u'. */
static inline struct udpif *
queue_race(struct udpif *u)
{
    struct uk_thread *h, *r;
    struct uk_flow *f = install_f1(u, &h, &r);
    udpif_round(u, r, UK_PHASE_ALL);
    run_all(u);
    udpif_expire(u, f);
    udpif_round(u, r, UK_PHASE_DUMP);
    run_all(u);
    udpif_upcall(u, h, f, 1);
    udpif_round(u, r, UK_PHASE_SWEEP);
    return u;
}

#endif /* UKDB_TESTS_MODEL_HELPERS_H */
