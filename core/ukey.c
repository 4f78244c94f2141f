/* SPDX-License-Identifier: Apache-2.0 */
/* Ukeys: creation, OVS's transition rule, installation (insert or
 * try_ukey_replace()) and ukey_delete().  Each function names the OVS
 * function of ofproto-dpif-upcall.c it models. */
#include "udpif-private.h"

#include <errno.h>
#include <stdlib.h>

#include "util.h"

/* The seqs a new ukey starts with, read before its actions are, as
 * upcall_xlate() reads reval_seq before it translates.  An upcall's ukey
 * gets that reval_seq; an adopted one, since 57db02104, one less, so that
 * the dump revalidates it.  Since 8f0e86f84 dump_seq starts at 0, which no
 * round has; before, it was the dump_seq at translation or adoption, that
 * of the running round or, between rounds, of the next: its dump skips the
 * flow (dumped_new_flow) and its sweep keeps the ukey. */
static void
ukey_create_seqs(const struct udpif *udpif, struct ukey *ukey,
                 enum uk_create_origin origin)
    /* Writes the guarded fields unlocked: nobody else can see it yet. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    const struct uk_variant *v = udpif->variant;
    uint64_t reval_seq = uk_reval_seq(udpif);

    if (origin == UK_CREATE_DPIF_FLOW && v->adopt_reval_seq_behind) {
        reval_seq--;
    }
    ukey->reval_seq = reval_seq;
    ukey->dump_seq = v->new_dump_seq_zero ? 0 : uk_dump_seq(udpif);
}

/* ukey_create__(), from ukey_create_from_upcall() or
 * ukey_create_from_dpif_flow() (T1).  The new ukey is private to 't'. */
struct ukey *
ukey_create(struct uk_thread *t, struct uk_flow *flow, uint32_t pmd_id,
            enum uk_create_origin origin)
    /* Writes the guarded fields unlocked: nobody else can see it yet. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    struct udpif *udpif = t->udpif;
    struct ukey *ukey = uk_xzalloc(sizeof *ukey);
    ukey->id = uk_counter_next(udpif, &udpif->next_ukey_id);
    ukey->flow = flow;
    ukey->ufid = flow->ufid;
    ukey->pmd_id = pmd_id;
    ukey->hash = ukey_hash(flow->ufid, pmd_id);
    ukey->umap = (int) (ukey->hash % udpif->cfg.n_umaps);
    ukey->origin = origin;
    uk_mutex_init(&ukey->mutex, UK_LOCK_UKEY, ukey->umap, ukey);
    ukey->state = UKEY_CREATED;
    ukey->state_thread = t->id;
    ukey->state_where = UK_SOURCE_LOCATOR;
    ukey_create_seqs(udpif, ukey, origin);
    ukey_set_actions(ukey, uk_actions_version(flow));
    /* Kept until udpif_destroy(); free-running: freed for real. */
    ukey_track(udpif, ukey);
    uk_counter_add(udpif, &udpif->stats.created, 1);

    if (udpif_wants(udpif, UK_EV_CREATE)) {
        struct ukey_event e = { .type = UK_EV_CREATE, .ukey_id = ukey->id,
                                .ufid = ukey->ufid, .pmd_id = pmd_id,
                                .umap = ukey->umap, .kind = (int32_t) origin,
                                .where = UK_SOURCE_LOCATOR };
        udpif_emit__(udpif, t, &e);
    }
    return ukey;
}

/* ukey_delete__() of a ukey that never reached a umap (T15): upcall_uninit()
 * or a failed install in ukey_acquire().  Not deferred through RCU. */
void
ukey_free_unpublished(struct uk_thread *t, struct ukey *ukey)
{
    uk_point(t, UK_ACT_FREE, "ukey_delete__", ukey, -1);
    ukey->n_freed++;
    uk_counter_add(t->udpif, &t->udpif->stats.freed, 1);
    struct ukey_event e = { .type = UK_EV_UKEY_FREE, .ukey_id = ukey->id,
                            .ufid = ukey->ufid, .pmd_id = ukey->pmd_id,
                            .umap = ukey->umap,
                            .kind = UK_FREE_UNPUBLISHED,
                            .where = UK_SOURCE_LOCATOR };
    ukey_emit_free(t, ukey, &e);
}

enum ukey_state
ukey_read_state_at(struct uk_thread *t, struct ukey *ukey, const char *func,
                   const char *where)
{
    uk_point_at(t, UK_ACT_READ_STATE, func, ukey, ukey->umap, where);
    return ukey->state;
}

/* transition_ukey_at(), OVS's rule (as of 353fe1e14 and b5a758781):
 *
 *   dst < state                     -> VLOG_ABORT (backward).
 *   state == dst == OPERATIONAL     -> nothing.
 *   state == dst - 1,
 *   or state == VISIBLE && dst < DELETED,
 *   or state == OPERATIONAL && dst == EVICTING
 *                                   -> state = dst.
 *   anything else                   -> VLOG_WARN_RL, state unchanged.
 *
 * 'state_thread' and 'state_where' record every attempt but the aborting
 * one and the OPERATIONAL no-op (OVS returns before recording it).  The
 * model does not abort: the result goes into the event and the checker
 * makes it a violation. */
enum uk_transition_result
transition_ukey_at(struct uk_thread *t, struct ukey *ukey,
                   enum ukey_state dst, const char *func, const char *where)
{
    uk_point_at(t, UK_ACT_TRANSITION, func, ukey, ukey->umap, where);
    enum ukey_state src = ukey->state;
    enum uk_transition_result result;

    if (dst < src) {
        result = UK_TR_ABORT;
    } else if (src == dst && dst == UKEY_OPERATIONAL) {
        result = UK_TR_NOOP;
    } else if ((src + 1 == dst)
               || (src == UKEY_VISIBLE && dst < UKEY_DELETED)
               || (src == UKEY_OPERATIONAL && dst == UKEY_EVICTING)) {
        result = UK_TR_OK;
        ukey->state = dst;
    } else {
        result = UK_TR_WARN;
    }
    if (result == UK_TR_OK || result == UK_TR_WARN) {
        /* Not on abort, and not on the no-op: OVS returns before. */
        ukey->state_thread = t->id;
        ukey->state_where = where;
    }
    if (result == UK_TR_OK) {
        ukey_count_transition(t->udpif, src, dst);
    }
    if (udpif_wants(t->udpif, UK_EV_TRANSITION)) {
        struct ukey_event e = {
            .type = UK_EV_TRANSITION, .ukey_id = ukey->id,
            .ufid = ukey->ufid, .pmd_id = ukey->pmd_id, .umap = ukey->umap,
            .from = (uint8_t) src, .to = (uint8_t) dst,
            .result = (int32_t) result, .where = where };
        udpif_emit__(t->udpif, t, &e);
    }
    return result;
}

/* try_ukey_replace(): called with the umap locked, 'old' found in it with
 * the same key.  Replaces 'old' if it is in one of the variant's
 * replaceable states (EVICTED upstream; v1's '!flow_exists').  Returns true
 * with 'new' locked. */
static bool
try_ukey_replace(struct uk_thread *t, struct umap *umap, struct ukey *old,
                 struct ukey *new)
    UK_REQUIRES(umap->mutex) UK_TRY_LOCK(true, new->mutex)
{
    static const char func[] = "try_ukey_replace";
    const struct uk_variant *v = t->udpif->variant;
    bool replaced = false;

    if (!uk_mutex_trylock(t, &old->mutex, func)) {
        uk_coverage(t, UK_COV_ukey_replace_contention, old);
        return false;
    }
    enum ukey_state state = ukey_read_state(t, old, func);
    if (v->replace_states & (1u << state)) {
        uk_mutex_lock(t, &new->mutex, func);
        umap_replace(t, umap, old, new, func);
        if (v->inherit_dump_seq) {
            new->dump_seq = old->dump_seq;      /* 5dfc8309d. */
        }
        uk_rcu_postpone(t, old, func, UK_SOURCE_LOCATOR);
        transition_ukey(t, old, UKEY_DELETED, func);
        transition_ukey(t, new, UKEY_VISIBLE, func);
        uk_coverage(t, UK_COV_upcall_ukey_replace, old);
        uk_counter_add(t->udpif, &t->udpif->stats.replacements, 1);
        replaced = true;
    } else {
        uk_coverage(t, UK_COV_handler_duplicate_upcall, old);
    }
    uk_mutex_unlock(t, &old->mutex, func);
    return replaced;
}

bool
ukey_install__(struct uk_thread *t, struct ukey *new)
{
    static const char func[] = "ukey_install__";
    struct udpif *udpif = t->udpif;
    struct umap *umap = &udpif->umaps[new->umap];
    bool locked = false;

    uk_mutex_lock(t, &umap->mutex, func);
    struct ukey *old = umap_lookup(t, umap, new->ufid, new->pmd_id, func);
    if (old) {
        if (old->flow == new->flow && old->pmd_id == new->pmd_id) {
            if (udpif->variant->replace) {
                locked = try_ukey_replace(t, umap, old, new);
            } else {
                uk_coverage(t, UK_COV_handler_duplicate_upcall, old);
            }
        } else {
            uk_coverage(t, UK_COV_ukey_conflict, old);
        }
    } else {
        uk_mutex_lock(t, &new->mutex, func);
        umap_insert(t, umap, new, func);
        transition_ukey(t, new, UKEY_VISIBLE, func);
        locked = true;
    }
    uk_mutex_unlock(t, &umap->mutex, func);
    if (locked) {
        uk_counter_add(udpif, &udpif->stats.installs, 1);
    }
    return locked;
}

bool
ukey_install(struct uk_thread *t, struct ukey *new)
    /* Returns with 'new' locked only if the variant keeps it locked across
     * the put (v1): conditional, which the analysis cannot express. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    bool installed = ukey_install__(t, new);
    if (installed && !t->udpif->variant->lock_over_put) {
        uk_mutex_unlock(t, &new->mutex, "ukey_install");
    }
    return installed;
}

/* ukey_delete(): with 'umap->mutex' held.  Since 154781666 the state is
 * checked again under the ukey lock; before it, a ukey that a handler had
 * already replaced was removed and postponed a second time. */
void
ukey_delete(struct uk_thread *t, struct umap *umap, struct ukey *ukey)
{
    static const char func[] = "ukey_delete";
    bool guard = t->udpif->variant->delete_guard;

    uk_mutex_lock(t, &ukey->mutex, func);
    if (!guard || ukey_read_state(t, ukey, func) < UKEY_DELETED) {
        umap_remove(t, umap, ukey, func);
        uk_rcu_postpone(t, ukey, func, UK_SOURCE_LOCATOR);
        transition_ukey(t, ukey, UKEY_DELETED, func);
    }
    uk_mutex_unlock(t, &ukey->mutex, func);
}

/* ==== Accounting (kept after the thread programs: udpif-private.h) ==== */

void
ukey_track(struct udpif *udpif, struct ukey *ukey)
{
    if (udpif->free_running) {
        freerun_ukey_created(udpif, ukey);
    } else {
        ukey->next_all = udpif->all_ukeys;
        udpif->all_ukeys = ukey;
    }
}

void
ukey_emit_free(struct uk_thread *t, struct ukey *ukey, struct ukey_event *e)
{
    udpif_emit(t->udpif, t, e);
    if (t->udpif->free_running) {
        freerun_ukey_free(t->udpif, ukey);      /* Nobody else saw it. */
    }
}

void
ukey_count_transition(struct udpif *udpif, enum ukey_state from,
                      enum ukey_state to)
{
    if (to == UKEY_EVICTING) {
        uk_counter_add(udpif, &udpif->stats.evictions, 1);
    }
    if (udpif->free_running) {
        freerun_state_moved(udpif, from, to);
    }
}
