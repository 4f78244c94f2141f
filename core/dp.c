/* SPDX-License-Identifier: Apache-2.0 */
/* The datapath model: a flow table with put, del, modify and dump, one-shot
 * injected faults, and duplicate dump entries on demand.  Each operation
 * called by a thread program is one scheduling point and emits its event
 * (dpif_operate(): one op per step, in batch order).  Free-running: at end. */
#include "udpif-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

static struct dp_flow *
dp_lookup(struct udpif *udpif, const struct uk_flow *flow, uint32_t pmd_id)
{
    for (size_t i = 0; i < udpif->n_dp_flows; i++) {
        struct dp_flow *f = &udpif->dp_flows[i];
        if (f->flow == flow && f->pmd_id == pmd_id) {
            return f;
        }
    }
    return NULL;
}

static struct dp_flow *
dp_find_or_add(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id)
{
    struct dp_flow *f = dp_find(udpif, flow, pmd_id);
    if (!f) {
        udpif->dp_flows = uk_grow(udpif->dp_flows,
                                  &udpif->allocated_dp_flows,
                                  udpif->n_dp_flows + 1,
                                  sizeof *udpif->dp_flows);
        f = &udpif->dp_flows[udpif->n_dp_flows++];
        memset(f, 0, sizeof *f);
        f->flow = flow;
        f->pmd_id = pmd_id;
    }
    return f;
}

static size_t
dp_count_linear(const struct udpif *udpif)
{
    size_t n = 0;
    for (size_t i = 0; i < udpif->n_dp_flows; i++) {
        n += udpif->dp_flows[i].present;
    }
    return n;
}

static int
take_fault(int *fault)
{
    int error = *fault;
    *fault = 0;
    return error;
}

static int
dp_put__(struct uk_thread *t, struct ukey *ukey, bool modify, const char *func)
{
    struct udpif *udpif = t->udpif;
    uk_point(t, UK_ACT_DP_PUT, func, ukey, -1);
    struct dp_flow *f = dp_find_or_add(udpif, ukey->flow, ukey->pmd_id);
    int error;
    if (!modify) {
        error = f->present ? EEXIST : take_fault(&f->fail_put);
        if (!error) {
            f->present = true;
            f->packets = 0;
            f->used = udpif->time;
            f->instance = uk_counter_next(udpif, &udpif->dp_instances);
            f->actions_version = ukey_get_actions(ukey);
        }
    } else {
        error = !f->present ? ENOENT : take_fault(&f->fail_modify);
        if (!error) {
            f->actions_version = ukey_get_actions(ukey);
        }
    }
    uk_counter_add(udpif, &udpif->stats.dp_puts, 1);
    uk_counter_add(udpif, &udpif->stats.dp_put_errors, error != 0);
    if (udpif_wants(udpif, UK_EV_DP_PUT)) {
        struct ukey_event e = {
            .type = UK_EV_DP_PUT, .ukey_id = ukey->id, .ufid = ukey->ufid,
            .pmd_id = ukey->pmd_id, .umap = -1, .result = error,
            .kind = modify ? UK_PUT_MODIFY : UK_PUT_CREATE,
            .value = ukey_get_actions(ukey), .where = func };
        udpif_emit__(udpif, t, &e);
    }
    return error;
}

static int
dp_del__(struct uk_thread *t, struct ukey *ukey, uint64_t *packets,
         const char *func)
{
    struct udpif *udpif = t->udpif;
    uk_point(t, UK_ACT_DP_DEL, func, ukey, -1);
    struct dp_flow *f = dp_find(udpif, ukey->flow, ukey->pmd_id);
    int error = !f || !f->present ? ENOENT : take_fault(&f->fail_del);
    *packets = 0;
    if (!error) {
        f->present = false;
        *packets = f->packets;
    }
    uk_counter_add(udpif, &udpif->stats.dp_dels, 1);
    uk_counter_add(udpif, &udpif->stats.dp_del_errors, error != 0);
    struct ukey_event e = { .type = UK_EV_DP_DEL, .ukey_id = ukey->id,
                            .ufid = ukey->ufid, .pmd_id = ukey->pmd_id,
                            .umap = -1, .result = error,
                            .kind = UK_DEL_REVALIDATOR, .value = *packets,
                            .where = func };
    udpif_emit(udpif, t, &e);
    return error;
}

static void
emit_external_del(struct udpif *udpif, struct uk_thread *t,
                  struct dp_flow *f, enum uk_del_origin origin)
{
    struct ukey_event e = { .type = UK_EV_DP_DEL, .ufid = f->flow->ufid,
                            .pmd_id = f->pmd_id, .umap = -1,
                            .kind = (int32_t) origin, .value = f->packets };
    f->present = false;
    udpif_emit(udpif, t, &e);
}

/* dpif_flow_flush(). */
static void
dp_flush_stepped(struct uk_thread *t)
{
    struct udpif *udpif = t->udpif;
    uk_point(t, UK_ACT_DP_FLUSH, "dpif_flow_flush", NULL, -1);
    for (size_t i = 0; i < udpif->n_dp_flows; i++) {
        if (udpif->dp_flows[i].present) {
            emit_external_del(udpif, t, &udpif->dp_flows[i], UK_DEL_FLUSH);
        }
    }
}

/* A flow put from outside OVS, with the flow's actions of now. */
static int
dp_ext_add__(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id)
{
    struct dp_flow *f = dp_find_or_add(udpif, flow, pmd_id);
    if (f->present) {
        return EEXIST;
    }
    f->present = true;
    f->packets = 0;
    f->used = udpif->time;
    f->instance = uk_counter_next(udpif, &udpif->dp_instances);
    f->actions_version = uk_actions_version(flow);
    struct ukey_event e = { .type = UK_EV_DP_PUT, .ufid = flow->ufid,
                            .pmd_id = pmd_id, .umap = -1,
                            .kind = UK_PUT_EXTERNAL,
                            .value = f->actions_version };
    udpif_emit(udpif, udpif->threads[0], &e);
    return 0;
}

static int
dp_ext_del__(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id)
{
    struct dp_flow *f = dp_find(udpif, flow, pmd_id);
    if (!f || !f->present) {
        return ENOENT;
    }
    emit_external_del(udpif, udpif->threads[0], f, UK_DEL_EXTERNAL);
    return 0;
}

static int
dp_fail__(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id,
          enum uk_action_kind op, bool modify, int error)
{
    struct dp_flow *f = dp_find_or_add(udpif, flow, pmd_id);
    if (op == UK_ACT_DP_PUT && !modify) {
        f->fail_put = error;
    } else if (op == UK_ACT_DP_PUT) {
        f->fail_modify = error;
    } else if (op == UK_ACT_DP_DEL) {
        f->fail_del = error;
    } else {
        return EINVAL;
    }
    return 0;
}

static int
dp_dup__(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id)
{
    struct dp_flow *f = dp_find(udpif, flow, pmd_id);
    if (!f || !f->present) {
        return ENOENT;
    }
    f->dup++;
    return 0;
}

static struct dp_flow *
dp_flow__(const struct udpif *udpif, const struct uk_flow *flow,
          uint32_t pmd_id)
{
    struct dp_flow *f = dp_find((struct udpif *) udpif, flow, pmd_id);
    return f && f->present ? f : NULL;
}

/* Appends 'f' to the dump of 'round'; 'idle' is whether its flow expired
 * (read by the caller: free-running mode also clears it). */
static void
dump_add(struct uk_round *round, const struct dp_flow *f, bool idle,
         bool duplicate)
{
    round->entries = uk_grow(round->entries, &round->allocated,
                             round->n_entries + 1, sizeof *round->entries);
    round->entries[round->n_entries++] = (struct uk_dump_item) {
        .flow = f->flow, .pmd_id = f->pmd_id, .packets = f->packets,
        .used = f->used, .actions_version = f->actions_version,
        .idle = idle, .duplicate = duplicate,
    };
}

/* dpif_flow_dump_create(): the flows present now, each followed by the
 * duplicates injected with "dp dup" (stale copies: their stats are those
 * of the dump's creation). */
static void
dump_create_stepped(struct udpif *udpif, struct uk_round *round)
{
    round->n_entries = round->pos = 0;
    for (size_t i = 0; i < udpif->n_dp_flows; i++) {
        struct dp_flow *f = &udpif->dp_flows[i];
        if (f->present) {
            dump_add(round, f, f->flow->expire, false);
            for (; f->dup > 0; f->dup--) {
                dump_add(round, f, f->flow->expire, true);
            }
        }
    }
    for (size_t i = 0; i < udpif->n_flows; i++) {
        udpif->flows[i]->expire = false;
    }
    round->dump_created = true;
}

/* The dp_dump event of 'entry', returned by dpif_flow_dump_next(). */
static void
dump_emit(struct uk_thread *t, const struct uk_dump_item *entry)
{
    struct ukey_event e = {
        .type = UK_EV_DP_DUMP, .ufid = entry->flow->ufid,
        .pmd_id = entry->pmd_id, .umap = -1, .value = entry->packets,
        .kind = entry->duplicate ? UK_DUMP_DUPLICATE : UK_DUMP_FRESH,
    };
    udpif_emit(t->udpif, t, &e);
}

static size_t
dump_next_stepped(struct uk_thread *t, struct uk_round *round,
                  struct uk_dump_item *out, size_t max)
{
    struct udpif *udpif = t->udpif;
    uk_point(t, UK_ACT_DP_DUMP, "dpif_flow_dump_next", NULL, -1);
    size_t n = 0;
    while (n < max && round->pos < round->n_entries) {
        struct uk_dump_item *entry = &round->entries[round->pos++];
        if (!entry->duplicate) {
            /* A fresh entry reads the flow as it is now; a flow deleted
             * since the dump began is not returned. */
            struct dp_flow *f = dp_find(udpif, entry->flow, entry->pmd_id);
            if (!f || !f->present) {
                continue;
            }
            entry->packets = f->packets;
            entry->used = f->used;
            entry->actions_version = f->actions_version;
        }
        out[n++] = *entry;
        dump_emit(t, entry);
    }
    return n;
}

/* ==== Mode dispatch ====
 *
 * Stepped mode: the functions above on the linear table.  Free-running mode
 * (core/freerun.h): the table is freerun.c's array indexed by (flow, pmd),
 * O(1) and never moved; the "__" functions above run with the stripe lock of
 * their flow held, across the change and its event, so that events are in
 * the order the changes happened; dumps lock one entry at a time.  Kept
 * after the stepped code so that every "file:line" it records is the same
 * in both modes. */

struct dp_flow *
dp_find(struct udpif *udpif, const struct uk_flow *flow, uint32_t pmd_id)
{
    if (udpif->free_running) {
        return freerun_dp_find(udpif, flow, pmd_id);
    }
    return dp_lookup(udpif, flow, pmd_id);
}

size_t
dp_count(const struct udpif *udpif)
{
    if (udpif->free_running) {
        return freerun_dp_count(udpif);
    }
    return dp_count_linear(udpif);
}

/* Free-running: the slot of ('flow', 'pmd_id'), locked, with whether it is
 * present now in '*present'; NULL for a flow added after udpif_start(). */
static struct dp_flow *
dp_lock_fr(struct udpif *udpif, const struct uk_flow *flow, uint32_t pmd_id,
           bool *present)
{
    struct dp_flow *f = freerun_dp_find(udpif, flow, pmd_id);
    if (f) {
        freerun_dp_lock(udpif, f);
        *present = f->present;
    }
    return f;
}

/* Unlocks 'f' after an operation that found it 'was' present. */
static void
dp_unlock_fr(struct udpif *udpif, struct dp_flow *f, bool was)
{
    freerun_dp_present(udpif, was, f->present);
    freerun_dp_unlock(udpif, f);
}

/* What one of the "__" functions above holds of its flow's slot.
 * Free-running: the slot's stripe lock, across the change and its event,
 * and whether the flow was present before, for freerun_dp_present().
 * Stepped: nothing. */
struct dp_guard {
    struct dp_flow *f;          /* NULL if nothing is locked. */
    bool was;
};

/* Free-running: locks the slot of ('flow', 'pmd_id') into '*g'; returns
 * false, with nothing locked, for a flow added after udpif_start().
 * Stepped: returns true. */
static bool
dp_guard_lock(struct udpif *udpif, const struct uk_flow *flow,
              uint32_t pmd_id, struct dp_guard *g)
{
    g->f = NULL;
    g->was = false;
    if (!udpif->free_running) {
        return true;
    }
    g->f = dp_lock_fr(udpif, flow, pmd_id, &g->was);
    return g->f != NULL;
}

static void
dp_guard_unlock(struct udpif *udpif, const struct dp_guard *g)
{
    if (g->f) {
        dp_unlock_fr(udpif, g->f, g->was);
    }
}

int
dp_put(struct uk_thread *t, struct ukey *ukey, bool modify, const char *func)
{
    struct dp_guard g;
    bool locked = dp_guard_lock(t->udpif, ukey->flow, ukey->pmd_id, &g);
    uk_assert(locked);          /* A ukey's flow was declared at start. */
    int error = dp_put__(t, ukey, modify, func);
    dp_guard_unlock(t->udpif, &g);
    return error;
}

int
dp_del(struct uk_thread *t, struct ukey *ukey, uint64_t *packets,
       const char *func)
{
    struct dp_guard g;
    bool locked = dp_guard_lock(t->udpif, ukey->flow, ukey->pmd_id, &g);
    uk_assert(locked);
    int error = dp_del__(t, ukey, packets, func);
    dp_guard_unlock(t->udpif, &g);
    return error;
}

void
dp_flush(struct uk_thread *t)
{
    struct udpif *udpif = t->udpif;
    if (!udpif->free_running) {
        dp_flush_stepped(t);
        return;
    }
    for (size_t i = 0; i < freerun_dp_n(udpif); i++) {
        struct dp_flow *f = freerun_dp_at(udpif, i);
        freerun_dp_lock(udpif, f);
        bool was = f->present;
        if (was) {
            emit_external_del(udpif, t, f, UK_DEL_FLUSH);
        }
        dp_unlock_fr(udpif, f, was);
    }
}

int
udpif_dp_ext_add(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id)
{
    struct dp_guard g;
    if (!dp_guard_lock(udpif, flow, pmd_id, &g)) {
        return ENOENT;
    }
    int error = dp_ext_add__(udpif, flow, pmd_id);
    dp_guard_unlock(udpif, &g);
    return error;
}

int
udpif_dp_ext_del(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id)
{
    struct dp_guard g;
    if (!dp_guard_lock(udpif, flow, pmd_id, &g)) {
        return ENOENT;
    }
    int error = dp_ext_del__(udpif, flow, pmd_id);
    dp_guard_unlock(udpif, &g);
    return error;
}

int
udpif_dp_fail(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id,
              enum uk_action_kind op, bool modify, int error)
{
    struct dp_guard g;
    if (!dp_guard_lock(udpif, flow, pmd_id, &g)) {
        return EINVAL;
    }
    int status = dp_fail__(udpif, flow, pmd_id, op, modify, error);
    dp_guard_unlock(udpif, &g);
    return status;
}

int
udpif_dp_dup(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id)
{
    struct dp_guard g;
    if (!dp_guard_lock(udpif, flow, pmd_id, &g)) {
        return ENOENT;
    }
    int error = dp_dup__(udpif, flow, pmd_id);
    dp_guard_unlock(udpif, &g);
    return error;
}

/* Free-running: the returned slot is stable, but only its presence at the
 * time of the call is meaningful. */
struct dp_flow *
udpif_dp_flow(const struct udpif *udpif, const struct uk_flow *flow,
              uint32_t pmd_id)
{
    if (!udpif->free_running) {
        return dp_flow__(udpif, flow, pmd_id);
    }
    bool was;
    struct udpif *u = (struct udpif *) udpif;
    struct dp_flow *f = dp_lock_fr(u, flow, pmd_id, &was);
    if (!f) {
        return NULL;
    }
    freerun_dp_unlock(u, f);
    return was ? f : NULL;
}

/* dp_dump_create() in free-running mode: each present flow read under its
 * stripe lock.  A flow's 'expire' is exchanged rather than read and then
 * cleared, so that one set meanwhile is not lost, once per flow, at its
 * first slot (PMD 0), for all its instances: the table holds a slot per
 * flow and PMD, most of them absent (a flow is on one PMD), and PMD ids
 * start at 1, so an exchange at each slot cleared the flag at an absent
 * one, and no flow of the userspace datapath ever idled out. */
static void
dump_create_fr(struct udpif *udpif, struct uk_round *round)
{
    bool idle = false;
    round->n_entries = round->pos = 0;
    for (size_t i = 0; i < freerun_dp_n(udpif); i++) {
        struct dp_flow *f = freerun_dp_at(udpif, i);
        if (!f->pmd_id) {
            idle = atomic_exchange_explicit((_Atomic bool *) &f->flow->expire,
                                            false, memory_order_relaxed);
        }
        freerun_dp_lock(udpif, f);
        if (f->present) {
            dump_add(round, f, idle, false);
            for (; f->dup > 0; f->dup--) {
                dump_add(round, f, idle, true);
            }
        }
        freerun_dp_unlock(udpif, f);
    }
    round->dump_created = true;
}

void
dp_dump_create(struct udpif *udpif, struct uk_round *round)
{
    if (udpif->free_running) {
        dump_create_fr(udpif, round);
    } else {
        dump_create_stepped(udpif, round);
    }
}

/* dp_dump_next() in free-running mode: entries claimed one at a time from
 * the shared cursor; each fresh entry re-read, and its event emitted, under
 * the stripe lock of its flow. */
static size_t
dump_next_fr(struct uk_thread *t, struct uk_round *round,
             struct uk_dump_item *out, size_t max)
{
    struct udpif *udpif = t->udpif;
    size_t n = 0;
    while (n < max) {
        /* The revalidators share the cursor (dpif_flow_dump_next() is
         * thread-safe); the dump was created before the barrier. */
        size_t i = atomic_fetch_add_explicit((_Atomic size_t *) &round->pos,
                                             1, memory_order_relaxed);
        if (i >= round->n_entries) {
            break;
        }
        struct uk_dump_item *entry = &round->entries[i];
        struct dp_flow *f = freerun_dp_find(udpif, entry->flow,
                                            entry->pmd_id);
        freerun_dp_lock(udpif, f);
        if (!entry->duplicate) {
            if (!f->present) {
                freerun_dp_unlock(udpif, f);
                continue;
            }
            entry->packets = f->packets;
            entry->used = f->used;
            entry->actions_version = f->actions_version;
        }
        out[n++] = *entry;
        dump_emit(t, entry);
        freerun_dp_unlock(udpif, f);
    }
    return n;
}

size_t
dp_dump_next(struct uk_thread *t, struct uk_round *round,
             struct uk_dump_item *out, size_t max)
{
    if (!t->udpif->free_running) {
        return dump_next_stepped(t, round, out, max);
    }
    return dump_next_fr(t, round, out, max);
}
