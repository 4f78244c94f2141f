/* SPDX-License-Identifier: Apache-2.0 */
/* The step sequences of shared/ovs-ukey-lifecycle.md §1.5 (H, P, A, D, S,
 * M), one test each: the order of the events a thread emits, written in
 * the specification's notation (L/TL/U = lock/trylock/unlock, K<n> = ukey
 * id n, see event_token() in model-helpers.h), and the locks it holds at
 * chosen steps ('t->held' and each mutex's 'owner').  The expected strings
 * are transcribed from the specification, not from the model's output. */
#include "tests/unit/model-helpers.h"
#include "tests/tap.h"

#include "core/udpif-private.h"

static char sig[8192];

/* fixture_destroy(), after checking that the checker reported nothing. */
static void
fixture_finish(struct fixture *x)
{
    is_int(count_violations(&x->rec, 0, -1), 0, "  no violation");
    fixture_destroy(x);
}

static const char *
thread_sig(const struct fixture *x, size_t from, const struct uk_thread *t,
           bool all)
{
    return event_sig(&x->rec, from, x->rec.n, (int) t->id, all, sig,
                     sizeof sig);
}

static struct umap *
umap_of(struct udpif *u, const struct ukey *k)
{
    return &u->umaps[k->umap];
}

/* ==== H ==== */

static void
test_h_insert(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    size_t mark = x.rec.n;

    udpif_upcall(u, x.h, x.f, 1);
    step_until(u, x.h, UK_ACT_INSERT, NULL);
    struct ukey *k = udpif_find_ukey(u, 1);
    struct umap *um = umap_of(u, k);
    ok(x.h->n_held == 2 && thread_holds(x.h, &um->mutex)
       && thread_holds(x.h, &k->mutex),
       "H3: umap and K locked at cmap_insert");
    step_until(u, x.h, UK_ACT_UNLOCK, NULL);
    ok(x.h->next.mutex == &um->mutex && k->state == UKEY_VISIBLE,
       "H3: VISIBLE before the umap is unlocked");
    step_until(u, x.h, UK_ACT_DP_PUT, NULL);
    ok(x.h->n_held == 0 && !um->mutex.owner && !k->mutex.owner,
       "H4: no lock held across dpif_operate()");
    step_until(u, x.h, UK_ACT_TRANSITION, "handle_upcalls");
    ok(x.h->n_held == 1 && thread_holds(x.h, &k->mutex),
       "H5: K (only) locked for the transition");
    udpif_finish_op(u, x.h, 1000);
    is_int(x.h->n_held, 0, "H: nothing held at the end");
    is_str(thread_sig(&x, mark, x.h, false),
           "upcall create(K1) "
           "L(umap) lookup=none L(K1) insert(K1) K1:CREATED>VISIBLE "
           "U(umap) U(K1) "
           "put(K1) "
           "L(K1) K1:VISIBLE>OPERATIONAL U(K1)",
           "H: insert path, in the order of §1.5 H");
    fixture_finish(&x);
}

static void
test_h_replace(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;

    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_PUT, false, ENOSPC);
    struct ukey *old = fixture_install(&x);
    size_t mark = x.rec.n;
    udpif_upcall(u, x.h, x.f, 1);
    step_until(u, x.h, UK_ACT_REPLACE, NULL);
    struct ukey *k = udpif_find_ukey(u, 2);
    struct umap *um = umap_of(u, old);
    ok(x.h->n_held == 3 && thread_holds(x.h, &um->mutex)
       && thread_holds(x.h, &old->mutex) && thread_holds(x.h, &k->mutex),
       "H3 replace: umap, old (trylock) and new locked at cmap_replace");
    udpif_finish_op(u, x.h, 1000);
    is_str(thread_sig(&x, mark, x.h, false),
           "upcall create(K2) "
           "L(umap) lookup=K1 TL(K1) L(K2) replace(K1>K2) postpone(K1) "
           "K1:EVICTED>DELETED K2:CREATED>VISIBLE cov:upcall_ukey_replace "
           "U(K1) U(umap) U(K2) "
           "put(K2) "
           "L(K2) K2:VISIBLE>OPERATIONAL U(K2)",
           "H: try_ukey_replace() path, in the order of §1.5 H");
    fixture_finish(&x);
}

static void
test_h_put_failure_and_duplicate(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    size_t mark = x.rec.n;

    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_PUT, false, ENOSPC);
    udpif_upcall(u, x.h, x.f, 1);
    udpif_upcall(u, x.h, x.f, 1);
    run_all(u);
    /* Both upcalls are processed (H2) before any install (H3); the
     * second finds K1 VISIBLE (a duplicate); the put fails (H5: T5); K2
     * dies in upcall_uninit() (H6). */
    is_str(thread_sig(&x, mark, x.h, false),
           "upcall create(K1) upcall create(K2) "
           "L(umap) lookup=none L(K1) insert(K1) K1:CREATED>VISIBLE "
           "U(umap) U(K1) "
           "L(umap) lookup=K1 TL(K1) cov:handler_duplicate_upcall U(K1) "
           "U(umap) "
           "put(K1)=ENOSPC "
           "L(K1) K1:VISIBLE>EVICTED U(K1) "
           "free(K2)",
           "H: batch of two, duplicate and failed put (§1.5 H, H6)");
    fixture_finish(&x);
}

/* try_ukey_replace()'s trylock fails while the sweeper holds the old
 * ukey: ukey_replace_contention, and this packet gets no flow. */
static void
test_h_replace_contention(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;

    struct ukey *k = fixture_install(&x);
    udpif_expire(u, x.f);
    udpif_round(u, x.r, UK_PHASE_ALL);
    step_until(u, x.r, UK_ACT_READ_STATE, "revalidator_sweep__");
    ok(thread_holds(x.r, &k->mutex) && k->state == UKEY_EVICTED,
       "S2: sweeper holds EVICTED K1 (trylock)");
    size_t mark = x.rec.n;
    udpif_upcall(u, x.h, x.f, 1);
    udpif_finish_op(u, x.h, 1000);
    is_str(thread_sig(&x, mark, x.h, false),
           "upcall create(K2) L(umap) lookup=K1 TL(K1)=EBUSY "
           "cov:ukey_replace_contention U(umap) free(K2)",
           "H: replace contention, no put");
    run_all(u);
    fixture_finish(&x);
}

/* ==== P ==== */

static void
test_p(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_NETDEV);
    struct udpif *u = x.udpif;
    size_t mark = x.rec.n;

    udpif_upcall(u, x.h, x.f, 1);
    step_until(u, x.h, UK_ACT_DP_PUT, NULL);
    struct ukey *k = udpif_find_ukey(u, 1);
    ok(x.h->n_held == 0 && k->state == UKEY_VISIBLE,
       "P4: flow added with nothing locked, K VISIBLE");
    udpif_finish_op(u, x.h, 1000);
    is_str(thread_sig(&x, mark, x.h, false),
           "upcall create(K1) "
           "L(umap) lookup=none L(K1) insert(K1) K1:CREATED>VISIBLE "
           "U(umap) U(K1) "
           "put(K1)",
           "P: upcall_cb(), in the order of §1.5 P");
    is_int(k->state, UKEY_VISIBLE, "P: no step moves K past VISIBLE");
    fixture_finish(&x);
}

/* ==== A and D ==== */

static void
test_a_found_and_d_keep(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    struct ukey *k = fixture_install(&x);
    udpif_traffic(u, x.f, 3);
    size_t mark = x.rec.n;

    udpif_round(u, x.r, UK_PHASE_DUMP);
    step_until(u, x.r, UK_ACT_TRANSITION, "revalidate");
    ok(x.r->n_held == 1 && thread_holds(x.r, &k->mutex),
       "A2/D3: K locked (trylock), no umap lock");
    step_to_barrier(u, x.r, 1);
    is_str(thread_sig(&x, mark, x.r, true),
           "begin:ROUND barrier> barrier< begin:DUMP "
           "dump lookup=K1 TL(K1) K1:OPERATIONAL>OPERATIONAL(noop) "
           "push(K1,3) reval(K1)=KEEP U(K1) quiesce end:DUMP barrier>",
           "A+D: found, KEEP with stats (§1.5 A1-A2, D0-D5)");
    run_all(u);
    fixture_finish(&x);
}

static void
test_d_delete(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    struct ukey *k = fixture_install(&x);
    udpif_traffic(u, x.f, 2);
    udpif_expire(u, x.f);
    size_t mark = x.rec.n;

    udpif_round(u, x.r, UK_PHASE_DUMP);
    step_until_ukey(u, x.r, UK_ACT_DP_DEL, k);
    ok(x.r->n_held == 0 && k->state == UKEY_EVICTING,
       "D4: flow_del with nothing locked, K EVICTING");
    step_until(u, x.r, UK_ACT_TRANSITION, "push_dp_ops");
    ok(x.r->n_held == 1 && thread_holds(x.r, &k->mutex),
       "D4: K locked for EVICTING -> EVICTED");
    step_to_barrier(u, x.r, 1);
    is_str(thread_sig(&x, mark, x.r, false),
           "dump lookup=K1 TL(K1) K1:OPERATIONAL>OPERATIONAL(noop) "
           "reval(K1)=DELETE:FLOW_IDLE K1:OPERATIONAL>EVICTING U(K1) "
           "del(K1) L(K1) K1:EVICTING>EVICTED push(K1,2) U(K1)",
           "D: idle flow deleted (§1.5 D3-D4, T7, T12)");
    ok(k->in_umap, "D: no ukey is removed in the dump phase");
    run_all(u);
    fixture_finish(&x);
}

static void
test_a_adopt(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    /* A flow with no ukey: its del fails, the sweep deletes the ukey. */
    fixture_install(&x);
    udpif_expire(u, x.f);
    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_DEL, false, EIO);
    round_all(&x);
    size_t mark = x.rec.n;

    udpif_round(u, x.r, UK_PHASE_DUMP);
    step_until(u, x.r, UK_ACT_TRANSITION, "revalidate");
    struct ukey *k = udpif_find_ukey(u, 2);
    ok(k && x.r->n_held == 1 && thread_holds(x.r, &k->mutex),
       "A3: adopted K returned locked, umap unlocked");
    step_to_barrier(u, x.r, 1);
    is_str(thread_sig(&x, mark, x.r, false),
           "dump lookup=none create(K2) "
           "L(umap) lookup=none L(K2) insert(K2) K2:CREATED>VISIBLE U(umap) "
           "K2:VISIBLE>OPERATIONAL reval(K2)=KEEP U(K2)",
           "A: ukey_create_from_dpif_flow() + ukey_install__() (§1.5 A3)");
    ok(k && k->origin == UK_CREATE_DPIF_FLOW, "A3: origin DPIF_FLOW");
    run_all(u);
    fixture_finish(&x);
}

/* ukey_acquire()'s trylock against the handler's H5 lock. */
static void
test_a_contention(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    udpif_upcall(u, x.h, x.f, 1);
    step_until(u, x.h, UK_ACT_TRANSITION, "handle_upcalls");
    struct ukey *k = udpif_find_ukey(u, 1);
    ok(thread_holds(x.h, &k->mutex), "H5: handler holds K");
    size_t mark = x.rec.n;
    udpif_round(u, x.r, UK_PHASE_DUMP);
    step_to_barrier(u, x.r, 1);
    is_str(thread_sig(&x, mark, x.r, false),
           "dump lookup=K1 TL(K1)=EBUSY cov:upcall_ukey_contention",
           "A2: trylock fails -> EBUSY, upcall_ukey_contention, skipped");
    run_all(u);
    fixture_finish(&x);
}

static void
test_d_modify(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    fixture_install(&x);
    udpif_modify(u, x.f);
    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_PUT, true, EIO);
    size_t mark = x.rec.n;

    udpif_round(u, x.r, UK_PHASE_DUMP);
    step_to_barrier(u, x.r, 1);
    is_str(thread_sig(&x, mark, x.r, false),
           "dump lookup=K1 TL(K1) K1:OPERATIONAL>OPERATIONAL(noop) "
           "reval(K1)=MODIFY U(K1) modify(K1)=EIO "
           "L(K1) K1:OPERATIONAL>INCONSISTENT U(K1)",
           "D: failed modify -> INCONSISTENT (§1.5 D4, T11)");
    run_all(u);
    mark = x.rec.n;
    udpif_round(u, x.r, UK_PHASE_DUMP);
    step_to_barrier(u, x.r, 1);
    is_str(thread_sig(&x, mark, x.r, false),
           "dump lookup=K1 TL(K1) reval(K1)=DELETE:UPDATE_FAIL "
           "K1:INCONSISTENT>EVICTING cov:dumped_inconsistent_flow U(K1) "
           "del(K1) L(K1) K1:EVICTING>EVICTED U(K1)",
           "D: dumped INCONSISTENT -> delete (§1.5 D3, T8)");
    run_all(u);
    fixture_finish(&x);
}

/* ==== S ==== */

static void
test_s_evicted(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    struct ukey *k = fixture_install(&x);
    struct umap *um = umap_of(u, k);
    udpif_expire(u, x.f);
    udpif_round(u, x.r, UK_PHASE_ALL);
    step_to_barrier(u, x.r, 1);
    size_t mark = x.rec.n;
    udpif_step(u, x.r);         /* Leaves R3. */

    step_until(u, x.r, UK_ACT_READ_STATE, "revalidator_sweep__");
    ok(x.r->n_held == 1 && thread_holds(x.r, &k->mutex),
       "S2: K locked (trylock) when its state is read");
    step_until(u, x.r, UK_ACT_LOCK, "revalidator_sweep__");
    is_int(x.r->n_held, 0, "S2: K unlocked before the umap is locked");
    step_until(u, x.r, UK_ACT_REMOVE, "ukey_delete");
    ok(x.r->n_held == 2 && thread_holds(x.r, &um->mutex)
       && thread_holds(x.r, &k->mutex),
       "ukey_delete: umap then K locked at cmap_remove");
    step_to_barrier(u, x.r, 2);
    /* Umaps 0..3: K1 is in umap[k->umap]; one quiesce per umap. */
    char want[1024];
    size_t len = 0;
    len += (size_t) snprintf(want + len, sizeof want - len,
                             "barrier< begin:SWEEP");
    for (int i = 0; i < 4; i++) {
        if (i == k->umap) {
            len += (size_t) snprintf(want + len, sizeof want - len,
                                     " TL(K1) U(K1) L(umap) L(K1) remove(K1) "
                                     "postpone(K1) K1:EVICTED>DELETED U(K1) "
                                     "U(umap)");
        }
        len += (size_t) snprintf(want + len, sizeof want - len, " quiesce");
    }
    snprintf(want + len, sizeof want - len, " end:SWEEP barrier>");
    is_str(thread_sig(&x, mark, x.r, true), want,
           "S: EVICTED ukey deleted, quiesce after each umap (§1.5 S)");
    run_all(u);
    fixture_finish(&x);
}

static void
test_s_missed(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    fixture_install(&x);
    udpif_dp_ext_del(u, x.f, 0);
    for (int i = 0; i < 3; i++) {
        udpif_round(u, x.r, UK_PHASE_ALL);
    }
    run_all(u);
    size_t mark = x.rec.n;
    round_all(&x);
    is_str(thread_sig(&x, mark, x.r, false),
           "TL(K1) cov:revalidate_missing_dp_flow "
           "reval(K1)=DELETE:FLOW_MISSING_DP K1:OPERATIONAL>EVICTING U(K1) "
           "del(K1)=ENOENT L(K1) K1:EVICTING>EVICTED U(K1) "
           "L(umap) L(K1) remove(K1) postpone(K1) K1:EVICTED>DELETED U(K1) "
           "U(umap)",
           "S: 4th missed dump -> delete, push_ukey_ops (§1.5 S, T9, T13)");
    fixture_finish(&x);
}

/* ==== M ==== */

static void
test_m_purge(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    struct uk_thread *m = u->threads[0];
    struct ukey *k = fixture_install(&x);
    size_t mark = x.rec.n;

    udpif_purge(u);
    step_until(u, m, UK_ACT_PAUSE, NULL);
    udpif_step(u, m);
    ok(u->paused, "M purge: revalidators paused first");
    step_until(u, m, UK_ACT_TRANSITION, "revalidator_sweep__");
    ok(m->n_held == 1 && thread_holds(m, &k->mutex),
       "M purge: K locked (trylock) for OPERATIONAL -> EVICTING");
    udpif_finish_op(u, m, 1000);
    ok(!u->paused, "M purge: resumed at the end");
    is_str(thread_sig(&x, mark, m, false),
           "TL(K1) reval(K1)=DELETE:PURGE K1:OPERATIONAL>EVICTING U(K1) "
           "del(K1) L(K1) K1:EVICTING>EVICTED U(K1) "
           "L(umap) L(K1) remove(K1) postpone(K1) K1:EVICTED>DELETED U(K1) "
           "U(umap)",
           "M: revalidator/purge (§1.5 M, sweep with purge)");
    run_all(u);
    fixture_finish(&x);
}

static void
test_m_dp_purge(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_NETDEV);
    struct udpif *u = x.udpif;
    struct uk_thread *m = u->threads[0];
    struct ukey *k = fixture_install(&x);
    size_t mark = x.rec.n;

    udpif_dp_purge(u, x.h);
    step_until(u, m, UK_ACT_TRANSITION, "dp_purge_cb");
    ok(m->n_held == 0 && !k->mutex.owner,
       "M dp_purge_cb: -> EVICTING with no ukey lock (T10)");
    udpif_finish_op(u, m, 1000);
    is_str(thread_sig(&x, mark, m, false),
           "K1:VISIBLE>EVICTING del(K1) L(K1) K1:EVICTING>EVICTED U(K1) "
           "L(umap) L(K1) remove(K1) postpone(K1) K1:EVICTED>DELETED U(K1) "
           "U(umap)",
           "M: dp_purge_cb() (§1.5 M)");
    run_all(u);
    fixture_finish(&x);
}

static void
test_m_destroy(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    struct uk_thread *m = u->threads[0];
    fixture_install(&x);
    size_t mark = x.rec.n;

    udpif_shutdown(u);
    run_all(u);
    is_str(thread_sig(&x, mark, m, true),
           "begin:DESTROY free(K1) end:DESTROY end",
           "M: udpif_destroy() frees directly (T16), then end");
    fixture_finish(&x);
}

int
main(void)
{
    test_h_insert();
    test_h_replace();
    test_h_put_failure_and_duplicate();
    test_h_replace_contention();
    test_p();
    test_a_found_and_d_keep();
    test_d_delete();
    test_a_adopt();
    test_a_contention();
    test_d_modify();
    test_s_evicted();
    test_s_missed();
    test_m_purge();
    test_m_dp_purge();
    test_m_destroy();
    return done_testing();
}
