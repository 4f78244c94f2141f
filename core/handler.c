/* SPDX-License-Identifier: Apache-2.0 */
/* Upcall handling: the handler threads of the kernel datapath
 * (recv_upcalls() and handle_upcalls(), step sequence H of the
 * specification) and the PMD threads of the userspace datapath
 * (upcall_cb(), sequence P). */
#include "udpif-private.h"

#include <errno.h>
#include <stdlib.h>

#include "util.h"

/* One received upcall ('struct upcall'). */
struct upcall {
    struct uk_flow *flow;
    uint64_t packets;
    struct ukey *ukey;          /* Created by process_upcall(). */
    bool ukey_persists;         /* Installed: not freed by upcall_uninit(). */
    bool put;                   /* A FLOW_PUT was queued for it. */
    int put_error;
};

/* should_install_flow(): the flow limit. */
static bool
should_install_flow(struct uk_thread *t)
{
    struct udpif *udpif = t->udpif;
    if (dp_count(udpif) >= udpif->cfg.flow_limit) {
        uk_coverage(t, UK_COV_upcall_flow_limit_hit, NULL);
        return false;
    }
    return true;
}

/* process_upcall() / upcall_xlate() for a MISS: the packets are attributed
 * to the rules by the translation itself, and a ukey is created (T1). */
static void
process_upcall(struct uk_thread *t, struct upcall *up)
{
    struct udpif *udpif = t->udpif;
    if (udpif_wants(udpif, UK_EV_UPCALL)) {
        struct ukey_event e = { .type = UK_EV_UPCALL, .ufid = up->flow->ufid,
                                .pmd_id = t->pmd_id, .umap = -1,
                                .value = up->packets };
        udpif_emit__(udpif, t, &e);
    }
    uk_counter_add(udpif, &udpif->stats.upcalls, 1);
    up->ukey = ukey_create(t, up->flow, t->pmd_id, UK_CREATE_UPCALL);
}

/* upcall_uninit(): a ukey that was not installed dies with its upcall
 * (T15). */
static void
upcall_uninit(struct uk_thread *t, struct upcall *up)
{
    if (up->ukey && !up->ukey_persists) {
        ukey_free_unpublished(t, up->ukey);
    }
    up->ukey = NULL;
}

/* H5 takes 'ukey''s lock again, unless the variant keeps it locked across
 * the put (v1: still held since ukey_install()). */
#define ukey_lock_after_put(T, K, FUNC) \
    ukey_lock_after_put_at(T, K, FUNC, UK_SOURCE_LOCATOR)
static void
ukey_lock_after_put_at(struct uk_thread *t, struct ukey *ukey,
                       const char *func, const char *where)
    /* Held on return either way; only the taking is conditional, which
     * the analysis cannot express (nor v1's lock held across the batch). */
    UK_ACQUIRES(ukey->mutex) UK_NO_THREAD_SAFETY_ANALYSIS
{
    if (!t->udpif->variant->lock_over_put) {
        uk_mutex_lock_at(t, &ukey->mutex, func, where);
    }
}

/* handle_upcalls(): install, then one dpif_operate() for the batch with the
 * ukeys unlocked (since 54ebeff4c), then the transitions H5. */
static void
handle_upcalls(struct uk_thread *t, struct upcall *ups, size_t n)
{
    static const char func[] = "handle_upcalls";
    const struct uk_variant *v = t->udpif->variant;

    for (size_t i = 0; i < n; i++) {
        if (should_install_flow(t) && ukey_install(t, ups[i].ukey)) {
            ups[i].ukey_persists = true;
            ups[i].put = true;
        }
    }
    for (size_t i = 0; i < n; i++) {            /* H4: dpif_operate(). */
        if (ups[i].put) {
            ups[i].put_error = dp_put(t, ups[i].ukey, false, func);
        }
    }
    for (size_t i = 0; i < n; i++) {            /* H5. */
        struct ukey *ukey = ups[i].ukey;
        if (!ups[i].put) {
            continue;
        }
        ukey_lock_after_put(t, ukey, func);
        if (ups[i].put_error) {
            transition_ukey(t, ukey, UKEY_EVICTED, func);              /* T5 */
        } else if (!v->conditional_operational
                   || ukey_read_state(t, ukey, func) < UKEY_OPERATIONAL) {
            transition_ukey(t, ukey, UKEY_OPERATIONAL, func);          /* T4 */
        }
        uk_mutex_unlock(t, &ukey->mutex, func);
    }
}

/* recv_upcalls(): takes the upcall that woke the handler and every other
 * queued one, up to a batch. */
static void
recv_upcalls(struct uk_thread *t)
{
    struct udpif *udpif = t->udpif;
    size_t max = udpif->cfg.upcall_batch;
    if (!t->upcall_batch) {
        t->upcall_batch = uk_xcalloc(max, sizeof(struct upcall));
    }
    struct upcall *ups = t->upcall_batch;
    size_t n = 0;

    uk_op_begin(t, UK_OP_UPCALL_BATCH, 0);
    ups[n++] = (struct upcall) { .flow = t->cur.flow,
                                 .packets = t->cur.packets };
    while (n < max && t->head < t->n_reqs
           && t->reqs[t->head].kind == UK_REQ_UPCALL) {
        const struct uk_req *req = &t->reqs[t->head++];
        ups[n++] = (struct upcall) { .flow = req->flow,
                                     .packets = req->packets };
    }
    for (size_t i = 0; i < n; i++) {
        process_upcall(t, &ups[i]);
    }
    handle_upcalls(t, ups, n);
    for (size_t i = 0; i < n; i++) {
        upcall_uninit(t, &ups[i]);                               /* H6 */
    }
    uk_op_end(t, UK_OP_UPCALL_BATCH, n);
}

void
handler_run(struct uk_thread *t)
{
    for (;;) {
        uk_thread_wait_req(t);          /* H7: poll_block() quiesces. */
        recv_upcalls(t);
    }
}

/* upcall_cb(): a dpif-netdev miss handled in the PMD thread itself.  The
 * ukey stays VISIBLE: only a dump moves it to OPERATIONAL (T6). */
static void
upcall_cb(struct uk_thread *t)
{
    static const char func[] = "upcall_cb";
    struct upcall up = { .flow = t->cur.flow, .packets = t->cur.packets };
    int error = 0;

    uk_op_begin(t, UK_OP_UPCALL_CB, 0);
    process_upcall(t, &up);
    if (!should_install_flow(t)) {
        error = ENOSPC;
    } else if (!ukey_install__(t, up.ukey)) {
        error = ENOSPC;
    } else {
        up.ukey_persists = true;
        uk_mutex_unlock(t, &up.ukey->mutex, func);
    }
    if (!error && !udpif_dp_flow(t->udpif, up.flow, t->pmd_id)) {
        /* dp_netdev_flow_add() under the PMD's flow_mutex. */
        dp_put(t, up.ukey, false, "dp_netdev_flow_add");
    }
    upcall_uninit(t, &up);
    uk_op_end(t, UK_OP_UPCALL_CB, (uint64_t) error);
}

void
pmd_run(struct uk_thread *t)
{
    for (;;) {
        uk_thread_wait_req(t);
        upcall_cb(t);
    }
}
