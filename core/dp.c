/* SPDX-License-Identifier: Apache-2.0 */
/* The datapath model: a flow table with put, del, modify and dump, one-shot
 * injected faults, and duplicate dump entries on demand.  Each operation
 * called by a thread program is one scheduling point and emits its event.
 * (dpif_operate() is modelled one op per step, in batch order.) */
#include "udpif-private.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"

struct dp_flow *
dp_find(struct udpif *udpif, const struct uk_flow *flow, uint32_t pmd_id)
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

size_t
dp_count(const struct udpif *udpif)
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

int
dp_put(struct uk_thread *t, struct ukey *ukey, bool modify, const char *func)
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
            f->instance = ++udpif->dp_instances;
            f->actions_version = ukey->actions_version;
        }
    } else {
        error = !f->present ? ENOENT : take_fault(&f->fail_modify);
        if (!error) {
            f->actions_version = ukey->actions_version;
        }
    }
    udpif->stats.dp_puts++;
    udpif->stats.dp_put_errors += error != 0;
    struct ukey_event e = { .type = UK_EV_DP_PUT, .ukey_id = ukey->id,
                            .ufid = ukey->ufid, .pmd_id = ukey->pmd_id,
                            .umap = -1, .result = error,
                            .kind = modify ? UK_PUT_MODIFY : UK_PUT_CREATE,
                            .where = func };
    udpif_emit(udpif, t, &e);
    return error;
}

int
dp_del(struct uk_thread *t, struct ukey *ukey, uint64_t *packets,
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
    udpif->stats.dp_dels++;
    udpif->stats.dp_del_errors += error != 0;
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
void
dp_flush(struct uk_thread *t)
{
    struct udpif *udpif = t->udpif;
    uk_point(t, UK_ACT_DP_FLUSH, "dpif_flow_flush", NULL, -1);
    for (size_t i = 0; i < udpif->n_dp_flows; i++) {
        if (udpif->dp_flows[i].present) {
            emit_external_del(udpif, t, &udpif->dp_flows[i], UK_DEL_FLUSH);
        }
    }
}

int
udpif_dp_ext_del(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id)
{
    struct dp_flow *f = dp_find(udpif, flow, pmd_id);
    if (!f || !f->present) {
        return ENOENT;
    }
    emit_external_del(udpif, udpif->threads[0], f, UK_DEL_EXTERNAL);
    return 0;
}

int
udpif_dp_fail(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id,
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

int
udpif_dp_dup(struct udpif *udpif, struct uk_flow *flow, uint32_t pmd_id)
{
    struct dp_flow *f = dp_find(udpif, flow, pmd_id);
    if (!f || !f->present) {
        return ENOENT;
    }
    f->dup++;
    return 0;
}

struct dp_flow *
udpif_dp_flow(const struct udpif *udpif, const struct uk_flow *flow,
              uint32_t pmd_id)
{
    struct dp_flow *f = dp_find((struct udpif *) udpif, flow, pmd_id);
    return f && f->present ? f : NULL;
}

static void
dump_add(struct uk_round *round, const struct dp_flow *f, bool duplicate)
{
    round->entries = uk_grow(round->entries, &round->allocated,
                             round->n_entries + 1, sizeof *round->entries);
    round->entries[round->n_entries++] = (struct uk_dump_item) {
        .flow = f->flow, .pmd_id = f->pmd_id, .packets = f->packets,
        .used = f->used, .idle = f->flow->expire, .duplicate = duplicate,
    };
}

/* dpif_flow_dump_create(): the flows present now, each followed by the
 * duplicates injected with "dp dup" (stale copies: their stats are those
 * of the dump's creation). */
void
dp_dump_create(struct udpif *udpif, struct uk_round *round)
{
    round->n_entries = round->pos = 0;
    for (size_t i = 0; i < udpif->n_dp_flows; i++) {
        struct dp_flow *f = &udpif->dp_flows[i];
        if (f->present) {
            dump_add(round, f, false);
            for (; f->dup > 0; f->dup--) {
                dump_add(round, f, true);
            }
        }
    }
    for (size_t i = 0; i < udpif->n_flows; i++) {
        udpif->flows[i]->expire = false;
    }
    round->dump_created = true;
}

size_t
dp_dump_next(struct uk_thread *t, struct uk_round *round,
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
        }
        out[n++] = *entry;
        struct ukey_event e = {
            .type = UK_EV_DP_DUMP, .ufid = entry->flow->ufid,
            .pmd_id = entry->pmd_id, .umap = -1, .value = entry->packets,
            .kind = entry->duplicate ? UK_DUMP_DUPLICATE : UK_DUMP_FRESH,
        };
        udpif_emit(udpif, t, &e);
    }
    return n;
}
