/* SPDX-License-Identifier: Apache-2.0 */
/* The udpif: creation and destruction of the model, its threads and flows,
 * the stimuli a scenario queues (upcalls, traffic, rounds, main-thread
 * operations, datapath changes) and the live checker, which is the lifecycle
 * fold of core/lifecycle.c fed from the event bus. */
#include "udpif-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "coro.h"
#include "freerun.h"
#include "lifecycle.h"
#include "util.h"

void
udpif_config_init(struct udpif_config *cfg)
{
    memset(cfg, 0, sizeof *cfg);
    cfg->n_umaps = 4;
    cfg->datapath = UK_DP_KERNEL;
    cfg->variant = uk_variant_find("upstream");
    cfg->dump_batch = 50;
    cfg->upcall_batch = 64;
    cfg->flow_limit = 200000;
    cfg->checker = true;
    cfg->stuck_rounds = LIFECYCLE_STUCK_ROUNDS;
    cfg->slowpath_rounds = LIFECYCLE_SLOWPATH_ROUNDS;
}

/* ==== Checker ==== */

static void
checker_violation(const struct lifecycle_violation *v, void *udpif_)
{
    struct udpif *udpif = udpif_;
    if (v->event.result == UK_SEV_WARNING) {
        uk_counter_add(udpif, &udpif->stats.warnings, 1);
    } else {
        uk_counter_add(udpif, &udpif->stats.violations, 1);
    }
    event_emit_deferred(udpif->bus, &v->event);
}

static void
checker_observe(const struct ukey_event *e, void *udpif_)
{
    struct udpif *udpif = udpif_;
    if (e->type == UK_EV_VIOLATION) {
        return;             /* The fold recomputes its own. */
    }
    lifecycle_feed(udpif->checker, e, e->seq - 1);
    if (e->type == UK_EV_END) {
        lifecycle_finish(udpif->checker);   /* Leaks: the run is over. */
    }
}

/* ==== Threads ==== */

void
uk_thread_body(void *t_)
{
    struct uk_thread *t = t_;
    switch (t->kind) {
    case UK_THREAD_MAIN:
        main_thread_run(t);
        break;
    case UK_THREAD_URCU:
        urcu_thread_run(t);
        break;
    case UK_THREAD_HANDLER:
        handler_run(t);
        break;
    case UK_THREAD_PMD:
        pmd_run(t);
        break;
    case UK_THREAD_REVALIDATOR:
        revalidator_run(t);
        break;
    case N_UK_THREAD_KINDS:
        break;
    }
    uk_assert(!"thread program returned");
}

static struct uk_thread *
thread_create(struct udpif *udpif, enum uk_thread_kind kind,
              const char *name)
{
    struct uk_thread *t = uk_xzalloc(sizeof *t);
    t->id = (uint32_t) udpif->n_threads;
    t->kind = kind;
    t->name = uk_xstrdup(name);
    t->udpif = udpif;
    if (kind == UK_THREAD_PMD) {
        uint32_t n_pmds = 0;
        for (size_t i = 0; i < udpif->n_threads; i++) {
            n_pmds += udpif->threads[i]->kind == UK_THREAD_PMD;
        }
        t->pmd_id = n_pmds + 1;
    }
    udpif->threads = uk_grow(udpif->threads, &udpif->allocated_threads,
                             udpif->n_threads + 1, sizeof *udpif->threads);
    udpif->threads[udpif->n_threads++] = t;

    struct ukey_event e = { .type = UK_EV_THREAD_START, .kind = (int32_t) kind,
                            .name = t->name, .pmd_id = t->pmd_id,
                            .umap = -1 };
    udpif_emit(udpif, t, &e);

    if (udpif->free_running) {
        freerun_thread_init(t);     /* Runs from udpif_start(). */
        return t;
    }
    /* Run it to its first scheduling point: it parks, idle. */
    t->coro = coro_create(uk_thread_body, t, 0);
    struct uk_thread *saved = udpif->current;
    udpif->current = t;
    coro_resume(t->coro);
    udpif->current = saved;
    return t;
}

static __thread bool rcu_registered;

struct udpif *
udpif_create(const struct udpif_config *cfg)
{
    struct udpif *udpif = uk_xzalloc(sizeof *udpif);
    if (cfg) {
        udpif->cfg = *cfg;
    } else {
        udpif_config_init(&udpif->cfg);
    }
    if (!udpif->cfg.variant) {
        udpif->cfg.variant = uk_variant_find("upstream");
    }
    if (!udpif->cfg.n_umaps) {
        udpif->cfg.n_umaps = 4;
    }
    udpif->variant = udpif->cfg.variant;
    udpif->free_running = udpif->cfg.free_running;
    udpif->bus = event_bus_create();
    udpif->dump_seq = 1;
    udpif->reval_seq = 1;

    if (!rcu_registered) {
        urcu_qsbr_register_thread();
        rcu_registered = true;
    }
    udpif->umaps = uk_xcalloc(udpif->cfg.n_umaps, sizeof *udpif->umaps);
    for (unsigned int i = 0; i < udpif->cfg.n_umaps; i++) {
        umap_init(&udpif->umaps[i], (int) i, 64,
                  udpif->free_running ? UMAP_AUTO_RESIZE : 0);
    }
    if (udpif->free_running) {
        udpif->fr = freerun_create(udpif);
        event_bus_set_threaded(udpif->bus, true);
    }
    if (udpif->cfg.checker) {
        struct lifecycle_options opts = {
            .stuck_rounds = udpif->cfg.stuck_rounds,
            .slowpath_rounds = udpif->cfg.slowpath_rounds,
        };
        struct lifecycle_callbacks cbs = { .violation = checker_violation,
                                           .aux = udpif };
        udpif->checker = lifecycle_create(&opts, &cbs);
        event_bus_add(udpif->bus, checker_observe, udpif);
    }
    if (udpif->cfg.observer && udpif->cfg.observer_words) {
        /* Before the first event: the main and urcu threads' starts. */
        event_bus_add_concurrent_words(udpif->bus, udpif->cfg.observer,
                                       udpif->cfg.observer_words,
                                       udpif->cfg.observer_aux);
    } else if (udpif->cfg.observer) {
        (udpif->cfg.observer_concurrent ? event_bus_add_concurrent
         : event_bus_add_filtered)(udpif->bus, udpif->cfg.observer,
                                   udpif->cfg.observer_filter,
                                   udpif->cfg.observer_aux);
    }
    thread_create(udpif, UK_THREAD_MAIN, "main");
    thread_create(udpif, UK_THREAD_URCU, "urcu");
    return udpif;
}

void
uk_scratch_push(struct uk_thread *t, void *pointer)
{
    uk_assert(t->n_scratch < (int) UK_ARRAY_SIZE(t->scratch));
    t->scratch[t->n_scratch++] = pointer;
}

void
uk_scratch_pop(struct uk_thread *t, void *pointer)
{
    uk_assert(t->n_scratch > 0 && t->scratch[t->n_scratch - 1] == pointer);
    t->n_scratch--;
}

void
udpif_destroy(struct udpif *udpif)
{
    if (!udpif) {
        return;
    }
    if (udpif->free_running) {
        freerun_destroy(udpif);     /* Stops it first if it runs. */
        urcu_qsbr_thread_offline(); /* cds_lfht_destroy() may wait for a
                                     * resize that waits for a grace. */
    }
    for (size_t i = 0; i < udpif->n_threads; i++) {
        struct uk_thread *t = udpif->threads[i];
        while (t->n_scratch > 0) {      /* Before its stack goes. */
            free(*(void **) t->scratch[--t->n_scratch]);
        }
        coro_destroy(t->coro);
        free(t->upcall_batch);
        free(t->reqs);
        free(t->name);
        free(t);
    }
    free(udpif->threads);
    for (unsigned int i = 0; i < udpif->cfg.n_umaps; i++) {
        umap_destroy(&udpif->umaps[i]);
    }
    free(udpif->umaps);
    for (struct ukey *u = udpif->all_ukeys, *next; u; u = next) {
        next = u->next_all;
        free(u);                /* Its node: the umap's, freed above. */
    }
    for (struct uk_round *r = udpif->rounds, *next; r; r = next) {
        next = r->next;
        free(r->entries);
        free(r);
    }
    for (size_t i = 0; i < udpif->n_flows; i++) {
        free(udpif->flows[i]->name);
        free(udpif->flows[i]);
    }
    free(udpif->flows);
    free(udpif->dp_flows);
    free(udpif->rcu_cbs);
    if (udpif->free_running) {
        urcu_qsbr_thread_online();
    }
    lifecycle_destroy(udpif->checker);
    event_bus_destroy(udpif->bus);
    free(udpif);
}

const char *
udpif_thread_name(const struct udpif *udpif, uint32_t id)
{
    return id < udpif->n_threads ? udpif->threads[id]->name : "?";
}

struct uk_thread *
udpif_add_thread(struct udpif *udpif, enum uk_thread_kind kind,
                 const char *name, int *error)
{
    int err = 0;
    if (udpif_find_thread(udpif, name) || udpif_find_flow(udpif, name)) {
        err = EEXIST;
    } else if (kind != UK_THREAD_HANDLER && kind != UK_THREAD_PMD
               && kind != UK_THREAD_REVALIDATOR) {
        err = EINVAL;
    } else if ((kind == UK_THREAD_HANDLER
                && udpif->cfg.datapath != UK_DP_KERNEL)
               || (kind == UK_THREAD_PMD
                   && udpif->cfg.datapath != UK_DP_NETDEV)) {
        err = EINVAL;
    }
    if (error) {
        *error = err;
    }
    return err ? NULL : thread_create(udpif, kind, name);
}

struct uk_thread *
udpif_find_thread(const struct udpif *udpif, const char *name)
{
    for (size_t i = 0; i < udpif->n_threads; i++) {
        if (!strcmp(udpif->threads[i]->name, name)) {
            return udpif->threads[i];
        }
    }
    return NULL;
}

/* ==== Flows and ukeys ==== */

struct uk_flow *
udpif_add_flow(struct udpif *udpif, const char *name)
{
    struct uk_flow *flow = udpif_find_flow(udpif, name);
    if (flow) {
        return flow;
    }
    return udpif_add_flow_new(udpif, name);
}

struct uk_flow *
udpif_add_flow_new(struct udpif *udpif, const char *name)
{
    struct uk_flow *flow = uk_xzalloc(sizeof *flow);
    flow->name = uk_xstrdup(name);
    flow->ufid = uk_hash_string(name);
    flow->index = udpif->n_flows;
    udpif->flows = uk_grow(udpif->flows, &udpif->allocated_flows,
                           udpif->n_flows + 1, sizeof *udpif->flows);
    udpif->flows[udpif->n_flows++] = flow;
    struct ukey_event e = { .type = UK_EV_FLOW, .ufid = flow->ufid,
                            .name = flow->name, .umap = -1 };
    udpif_emit(udpif, udpif->threads[0], &e);
    return flow;
}

struct uk_flow *
udpif_find_flow(const struct udpif *udpif, const char *name)
{
    for (size_t i = 0; i < udpif->n_flows; i++) {
        if (!strcmp(udpif->flows[i]->name, name)) {
            return udpif->flows[i];
        }
    }
    return NULL;
}

struct ukey *
udpif_find_ukey(const struct udpif *udpif, uint64_t id)
{
    for (struct ukey *u = udpif->all_ukeys; u; u = u->next_all) {
        if (u->id == id) {
            return u;
        }
    }
    return NULL;
}

struct ukey *
udpif_flow_ukey(const struct udpif *udpif, const struct uk_flow *flow,
                uint32_t pmd_id)
{
    for (struct ukey *u = udpif->all_ukeys; u; u = u->next_all) {
        if (u->flow == flow && u->pmd_id == pmd_id && u->in_umap) {
            return u;
        }
    }
    return NULL;
}

size_t
udpif_umap_ukeys(const struct udpif *udpif, int i, struct ukey **out,
                 size_t max)
{
    struct ukey **all = NULL;
    size_t allocated = 0;
    size_t n = umap_collect(&udpif->umaps[i], &all, &allocated);
    for (size_t j = 0; j < n && j < max; j++) {
        out[j] = all[j];
    }
    free(all);
    return n;
}

size_t
udpif_umap_node_capacity(const struct udpif *udpif)
{
    size_t n = 0;
    for (unsigned int i = 0; i < udpif->cfg.n_umaps; i++) {
        n += umap_node_capacity(&udpif->umaps[i]);
    }
    return n;
}

/* ==== Stimuli ==== */

static void
queue_req(struct uk_thread *t, const struct uk_req *req)
{
    if (t->udpif->free_running) {
        freerun_queue_req(t, req);      /* The thread's locked inbox. */
        return;
    }
    t->reqs = uk_grow(t->reqs, &t->allocated_reqs, t->n_reqs + 1,
                      sizeof *t->reqs);
    t->reqs[t->n_reqs++] = *req;
}

int
udpif_upcall(struct udpif *udpif, struct uk_thread *t, struct uk_flow *flow,
             uint64_t packets)
{
    if ((t->kind != UK_THREAD_HANDLER && t->kind != UK_THREAD_PMD)
        || t->deleted) {
        return EINVAL;
    }
    (void) udpif;
    struct uk_req req = { .kind = UK_REQ_UPCALL, .flow = flow,
                          .packets = packets ? packets : 1 };
    queue_req(t, &req);
    return 0;
}

/* The handler (kernel) or PMD (netdev) that receives 'flow''s misses: its
 * own if set, else by hash, as the datapath spreads upcalls. */
static struct uk_thread *
flow_upcall_thread(struct udpif *udpif, struct uk_flow *flow)
{
    if (flow->handler && !flow->handler->deleted) {
        return flow->handler;
    }
    enum uk_thread_kind kind = udpif->cfg.datapath == UK_DP_KERNEL
                               ? UK_THREAD_HANDLER : UK_THREAD_PMD;
    size_t n = 0;
    for (size_t i = 0; i < udpif->n_threads; i++) {
        n += udpif->threads[i]->kind == kind && !udpif->threads[i]->deleted;
    }
    if (!n) {
        return NULL;
    }
    size_t pick = (size_t) (flow->ufid % n);
    for (size_t i = 0; i < udpif->n_threads; i++) {
        if (udpif->threads[i]->kind == kind && !udpif->threads[i]->deleted
            && !pick--) {
            return udpif->threads[i];
        }
    }
    return NULL;
}

int
udpif_traffic(struct udpif *udpif, struct uk_flow *flow, uint64_t n)
{
    if (udpif->free_running) {
        return freerun_traffic(udpif, flow, n);
    }
    struct uk_thread *t = flow_upcall_thread(udpif, flow);
    uint32_t pmd_id = t ? t->pmd_id : 0;
    struct dp_flow *f = udpif_dp_flow(udpif, flow, pmd_id);
    struct ukey_event e = { .type = UK_EV_TRAFFIC, .ufid = flow->ufid,
                            .pmd_id = pmd_id, .umap = -1, .value = n };
    if (f) {
        f->packets += n;
        f->used = udpif->time;
        udpif->stats.fastpath_packets += n;
        e.result = UK_PATH_FASTPATH;
        udpif_emit(udpif, udpif->threads[0], &e);
        return 0;
    }
    if (!t) {
        return EINVAL;
    }
    udpif->stats.slowpath_packets += n;
    e.result = UK_PATH_SLOWPATH;
    udpif_emit(udpif, udpif->threads[0], &e);
    /* One miss upcall carries the packets; a miss already queued for the
     * flow on that thread absorbs them (the kernel queue). */
    for (size_t i = t->head; i < t->n_reqs; i++) {
        if (t->reqs[i].kind == UK_REQ_UPCALL && t->reqs[i].flow == flow) {
            t->reqs[i].packets += n;
            return 0;
        }
    }
    return udpif_upcall(udpif, t, flow, n);
}

int
udpif_round(struct udpif *udpif, struct uk_thread *r, unsigned int phases)
{
    if (udpif->free_running) {
        return freerun_round(udpif, r, phases);
    }
    struct uk_round *round = uk_xzalloc(sizeof *round);
    round->phases = phases ? phases : UK_PHASE_ALL;
    round->number = ++udpif->n_rounds_queued;   /* Unique, in order. */
    for (size_t i = 0; i < udpif->n_threads; i++) {
        struct uk_thread *t = udpif->threads[i];
        if (t->kind == UK_THREAD_REVALIDATOR && (!r || r == t)) {
            struct uk_req req = { .kind = UK_REQ_ROUND, .round = round,
                                  .slice = round->n_participants++ };
            queue_req(t, &req);
        }
    }
    round->refs = round->n_participants;
    round->next = udpif->rounds;
    udpif->rounds = round;
    return round->n_participants ? 0 : EINVAL;
}

static int
queue_main(struct udpif *udpif, enum uk_req_kind kind, struct uk_thread *pmd)
{
    struct uk_req req = { .kind = kind, .pmd = pmd };
    queue_req(udpif->threads[0], &req);
    return 0;
}

int
udpif_purge(struct udpif *udpif)
{
    return queue_main(udpif, UK_REQ_PURGE, NULL);
}

int
udpif_dp_purge(struct udpif *udpif, struct uk_thread *pmd)
{
    if (pmd->kind != UK_THREAD_PMD) {
        return EINVAL;
    }
    return queue_main(udpif, UK_REQ_DP_PURGE, pmd);
}

int
udpif_flush(struct udpif *udpif)
{
    return queue_main(udpif, UK_REQ_FLUSH, NULL);
}

int
udpif_shutdown(struct udpif *udpif)
{
    return queue_main(udpif, UK_REQ_SHUTDOWN, NULL);
}

void
udpif_expire(struct udpif *udpif, struct uk_flow *flow)
{
    if (udpif->free_running) {
        freerun_expire(udpif, flow);
        return;
    }
    flow->expire = true;
}

/* udpif_revalidate(): the OpenFlow tables changed. */
void
udpif_modify(struct udpif *udpif, struct uk_flow *flow)
{
    if (udpif->free_running) {
        freerun_modify(udpif, flow);
        return;
    }
    flow->actions_version++;
    udpif->reval_seq += UK_REVAL_SEQ_STEP;
    udpif_emit_rule_change(udpif, flow);
}

void
udpif_emit_rule_change(struct udpif *udpif, struct uk_flow *flow)
{
    struct ukey_event e = { .type = UK_EV_RULE_CHANGE, .ufid = flow->ufid,
                            .umap = -1, .value = uk_actions_version(flow),
                            .value2 = uk_reval_seq(udpif) };
    udpif_emit(udpif, udpif->threads[0], &e);
}
