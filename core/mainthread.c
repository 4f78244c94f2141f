/* SPDX-License-Identifier: Apache-2.0 */
/* The main thread's operations on ukeys (sequence M of the specification):
 * revalidator/purge and dp_purge_cb() (its PMD joined first) pause the
 * revalidators while handlers and PMDs keep running; udpif_flush() and
 * udpif_destroy() first stop every other thread (udpif_stop_threads()). */
#include "udpif-private.h"

#include <stdlib.h>

#include "util.h"

/* udpif_pause_revalidators(): the main thread sets the pause latch and
 * blocks at 'pause_barrier' until every revalidator has seen the latch and
 * arrived, so it waits there in poll_block(), quiescent ('at_barrier').
 * udpif_flush() has no such barrier: it joins the threads. */
static void
pause_revalidators(struct uk_thread *t, bool at_barrier)
{
    if (at_barrier) {
        uk_point_quiescent(t, UK_ACT_PAUSE, "udpif_pause_revalidators");
    } else {
        uk_point(t, UK_ACT_PAUSE, "udpif_pause_revalidators", NULL, -1);
    }
    uk_set_paused(t, true);     /* Free-running: waits for the rounds. */
}

static void
resume_revalidators(struct uk_thread *t)
{
    uk_set_paused(t, false);
}

/* upcall_unixctl_purge(): revalidator_purge() of every slice, from the main
 * thread (bd86266ea: with revalidators paused). */
static void
upcall_unixctl_purge(struct uk_thread *t)
{
    uk_op_begin(t, UK_OP_PURGE, 0);
    pause_revalidators(t, true);
    revalidator_sweep__(t, 0, 1, true);
    resume_revalidators(t);
    uk_op_end(t, UK_OP_PURGE, 0);
}

/* T10: OVS's dp_purge_cb() (OVS_NO_THREAD_SAFETY_ANALYSIS there too). */
static void
dp_purge_evict(struct uk_thread *t, struct ukey *ukey, const char *func)
    /* Unlocked like OVS, which calls it once the PMD has exited (no
     * upcall_cb() on its ukeys) with the revalidators paused. */
    UK_NO_THREAD_SAFETY_ANALYSIS
{
    transition_ukey(t, ukey, UKEY_EVICTING, func);
}

/* dp_purge_cb(): every ukey of 'pmd' to EVICTING with no ukey lock and no
 * state check (T10), then push_ukey_ops() per umap. */
static void
dp_purge_cb(struct uk_thread *t, struct uk_thread *pmd)
{
    static const char func[] = "dp_purge_cb";
    struct udpif *udpif = t->udpif;
    struct ukey **ukeys = NULL, **victims = NULL;
    size_t allocated = 0, allocated_victims = 0;

    uk_scratch_push(t, &ukeys);
    uk_scratch_push(t, &victims);
    uk_op_begin(t, UK_OP_DP_PURGE, pmd->pmd_id);
    if (!udpif->free_running) {
        /* dp_netdev_del_pmd() joins the PMD before it calls dp_purge_cb():
         * no upcall_cb() of it can race the unlocked transitions below. */
        struct uk_action join = {
            .kind = UK_ACT_JOIN, .func = "dp_netdev_del_pmd", .umap = -1,
            .where = UK_SOURCE_LOCATOR, .arg = pmd->id + 1,
        };
        uk_sched_point(t, &join);
        pmd->deleted = true;
    }
    pause_revalidators(t, true);
    for (unsigned int i = 0; i < udpif->cfg.n_umaps; i++) {
        struct umap *umap = &udpif->umaps[i];
        size_t n = umap_collect(umap, &ukeys, &allocated);
        size_t n_victims = 0;
        for (size_t j = 0; j < n; j++) {
            if (ukeys[j]->pmd_id == pmd->pmd_id) {
                dp_purge_evict(t, ukeys[j], func);
                victims = uk_grow(victims, &allocated_victims, n_victims + 1,
                                  sizeof *victims);
                victims[n_victims++] = ukeys[j];
            }
        }
        push_ukey_ops_for(t, umap, victims, n_victims);
        uk_rcu_quiesce(t, func, UK_SOURCE_LOCATOR);
    }
    resume_revalidators(t);
    uk_op_end(t, UK_OP_DP_PURGE, pmd->pmd_id);
    uk_scratch_pop(t, &victims);
    uk_scratch_pop(t, &ukeys);
    free(ukeys);
    free(victims);
}

/* udpif_flush(): udpif_stop_threads(true) -- handlers and revalidators
 * finish what they are doing and stop, then the purge --, then
 * dpif_flow_flush(), then the threads start again.  (Free-running mode
 * only pauses the revalidators: its threads are joined once, at the
 * end.) */
static void
udpif_flush__(struct uk_thread *t)
{
    struct udpif *udpif = t->udpif;
    uk_op_begin(t, UK_OP_FLUSH, 0);
    if (!udpif->free_running) {
        uk_point(t, UK_ACT_JOIN, "udpif_stop_threads", NULL, -1);
        udpif->stopped = true;
    }
    pause_revalidators(t, false);
    revalidator_sweep__(t, 0, 1, true);
    dp_flush(t);
    resume_revalidators(t);
    udpif->stopped = false;                 /* udpif_start_threads(). */
    uk_op_end(t, UK_OP_FLUSH, 0);
}

/* udpif_destroy(): threads joined, then every ukey still in a umap freed
 * directly with ukey_delete__() (T16), then the RCU callbacks run
 * (ovsrcu_barrier()) and the run ends. */
static void
udpif_destroy__(struct uk_thread *t)
{
    struct udpif *udpif = t->udpif;
    struct ukey **ukeys = NULL;
    size_t allocated = 0;

    uk_op_begin(t, UK_OP_DESTROY, 0);
    uk_point(t, UK_ACT_JOIN, "udpif_stop_threads", NULL, -1);
    if (udpif->free_running) {
        freerun_join(t);
    }
    udpif->shut_down = true;
    for (unsigned int i = 0; i < udpif->cfg.n_umaps; i++) {
        size_t n = umap_collect(&udpif->umaps[i], &ukeys, &allocated);
        for (size_t j = 0; j < n; j++) {
            struct ukey *ukey = ukeys[j];
            ukey->n_freed++;
            uk_counter_add(udpif, &udpif->stats.freed, 1);
            struct ukey_event e = {
                .type = UK_EV_UKEY_FREE, .ukey_id = ukey->id,
                .ufid = ukey->ufid, .pmd_id = ukey->pmd_id,
                .umap = ukey->umap, .kind = UK_FREE_DESTROY,
                .where = "udpif_destroy",
            };
            udpif_emit(udpif, t, &e);
            if (udpif->free_running) {
                freerun_ukey_destroy(t, ukey);  /* After the barrier. */
            }
        }
    }
    free(ukeys);
    uk_op_end(t, UK_OP_DESTROY, 0);
    uk_rcu_barrier(udpif);

    uint64_t live = 0;
    for (struct ukey *u = udpif->all_ukeys; u; u = u->next_all) {
        live += u->n_freed == 0;
    }
    if (udpif->free_running) {
        live = freerun_live(udpif);     /* Ukeys are not kept there. */
    }
    struct ukey_event end = { .type = UK_EV_END, .umap = -1, .value = live };
    udpif_emit(udpif, t, &end);
}

void
main_thread_run(struct uk_thread *t)
{
    for (;;) {
        uk_thread_wait_req(t);
        switch (t->cur.kind) {
        case UK_REQ_PURGE:
            upcall_unixctl_purge(t);
            break;
        case UK_REQ_DP_PURGE:
            dp_purge_cb(t, t->cur.pmd);
            break;
        case UK_REQ_FLUSH:
            udpif_flush__(t);
            break;
        case UK_REQ_SHUTDOWN:
            udpif_destroy__(t);
            break;
        case UK_REQ_UPCALL:
        case UK_REQ_ROUND:
            uk_assert(!"not a main-thread request");
        }
    }
}
