/* SPDX-License-Identifier: Apache-2.0 */
/* The upcall paths (core/handler.c): the kernel path H of handler threads
 * (install, datapath put with the ukey unlocked, OPERATIONAL or EVICTED),
 * try_ukey_replace() of an EVICTED ukey, duplicate upcalls in one batch,
 * the flow limit, and the PMD path P of upcall_cb() under dpif-netdev,
 * whose ukey stays VISIBLE until a dump sees its flow. */
#include "tests/unit/model-helpers.h"
#include "tests/tap.h"

/* H: miss upcall -> CREATED -> VISIBLE (insert) -> dp put -> OPERATIONAL,
 * observed between steps. */
static void
test_install(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;

    udpif_upcall(u, x.h, x.f, 3);
    ok(step_until(u, x.h, UK_ACT_LOCK, "ukey_install__"),
       "install: handler about to lock the umap");
    const struct ukey_event *c = last_event(&x.rec, UK_EV_CREATE);
    struct ukey *k = c ? udpif_find_ukey(u, c->ukey_id) : NULL;
    ok(k && k->state == UKEY_CREATED && !k->in_umap
       && k->origin == UK_CREATE_UPCALL,
       "install: ukey CREATED from the upcall, not in a umap");
    ok(k && k->dump_seq == 0 && k->reval_seq == u->reval_seq
       && k->missed_dumps == 0 && k->stats_packets == 0,
       "install: dump_seq 0, reval_seq of the translation, no stats");
    is_int(x.h->n_held, 0, "install: no lock held before install");

    ok(step_until(u, x.h, UK_ACT_DP_PUT, "handle_upcalls"),
       "install: handler about to put the flow");
    is_int(k->state, UKEY_VISIBLE, "install: VISIBLE before the put");
    ok(k->in_umap && udpif_flow_ukey(u, x.f, 0) == k,
       "install: ukey in its umap");
    ok(x.h->n_held == 0 && !k->mutex.owner,
       "install: ukey unlocked across the put (54ebeff4c)");
    ok(!udpif_dp_flow(u, x.f, 0), "install: no datapath flow yet");
    udpif_step(u, x.h);
    ok(udpif_dp_flow(u, x.f, 0) != NULL, "install: datapath flow put");
    udpif_finish_op(u, x.h, 1000);
    is_int(k->state, UKEY_OPERATIONAL, "install: OPERATIONAL after the put");
    is_int(u->stats.installs, 1, "install: stats.installs");
    is_int(u->stats.upcalls, 1, "install: stats.upcalls");
    is_int(count_ukey_events(&x.rec, UK_EV_UKEY_FREE, k->id), 0,
           "install: persisted ukey not freed by upcall_uninit");
    is_int(count_violations(&x.rec, 0, -1), 0, "install: no violation");
    fixture_destroy(&x);
}

/* The seqs of a new ukey, one round after the start (dump_seq 2): since
 * 8f0e86f84 dump_seq 0, so the next dump handles the flow; the 2016
 * variants give it the current dump_seq, so the next dump skips it as
 * dumped_new_flow.  Both take the reval_seq of the translation.  A bug-zoo
 * variant keeps today's seqs. */
static void
test_create_seqs(void)
{
    static const struct {
        const char *variant;
        bool v2016;
    } cases[] = {
        { "upstream", false }, { "pre-154781666", false },
        { "landed-2016", true }, { "v1-replace", true },
        { "pre-replace", true },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        const char *name = cases[i].variant;
        struct fixture x;
        fixture_init(&x, name, UK_DP_KERNEL);
        struct udpif *u = x.udpif;
        round_all(&x);
        struct ukey *k = fixture_install(&x);
        ok(k && k->dump_seq == (cases[i].v2016 ? u->dump_seq : 0)
           && u->dump_seq == 2 && k->reval_seq == u->reval_seq,
           "create %s: dump_seq %s, reval_seq of the translation", name,
           cases[i].v2016 ? "current" : "0");
        round_all(&x);
        is_int(u->stats.coverage[UK_COV_dumped_new_flow],
               cases[i].v2016 ? 1 : 0, "create %s: the next dump %s it",
               name, cases[i].v2016 ? "skips" : "handles");
        ok(k && k->state == UKEY_OPERATIONAL,
           "create %s: kept by that round", name);
        fixture_destroy(&x);
    }
}

/* H5 with a failed put: EVICTED (T5); the sweep deletes it; the urcu
 * thread frees it. */
static void
test_put_failure(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;

    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_PUT, false, ENOSPC);
    struct ukey *k = fixture_install(&x);
    ok(k && k->state == UKEY_EVICTED, "put failure: ukey EVICTED");
    ok(!udpif_dp_flow(u, x.f, 0), "put failure: no datapath flow");
    const struct ukey_event *p = last_event(&x.rec, UK_EV_DP_PUT);
    ok(p && p->result == ENOSPC, "put failure: dp_put event has the error");
    is_int(u->stats.dp_put_errors, 1, "put failure: counted");

    udpif_round(u, x.r, UK_PHASE_ALL);
    ok(step_to_barrier(u, x.r, 2), "put failure: through the sweep");
    is_int(k->state, UKEY_DELETED, "put failure: sweep deleted it");
    ok(!k->in_umap && k->n_postponed == 1,
       "put failure: removed and postponed once");
    is_int(k->n_freed, 0, "put failure: not freed before a grace period");
    run_all(u);
    is_int(k->n_freed, 1, "put failure: freed once by the urcu thread");
    const struct ukey_event *fr = last_event(&x.rec, UK_EV_RCU_FREE);
    ok(fr && fr->ukey_id == k->id && fr->thread_id == 1,
       "put failure: rcu_free by urcu");
    is_int(count_violations(&x.rec, 0, -1), 0, "put failure: no violation");
    fixture_destroy(&x);
}

/* try_ukey_replace() of an EVICTED ukey (T3): the next miss replaces it
 * and the flow is back in the datapath before any sweep. */
static void
test_replace(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;

    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_PUT, false, ENOSPC);
    struct ukey *old = fixture_install(&x);
    old->dump_seq = 7;          /* To see it inherited (5dfc8309d). */

    struct ukey *k = fixture_install(&x);
    ok(k && k != old, "replace: a new ukey is in the umap");
    is_int(old->state, UKEY_DELETED, "replace: old ukey DELETED");
    ok(k && k->state == UKEY_OPERATIONAL, "replace: new ukey OPERATIONAL");
    ok(k && k->dump_seq == 7, "replace: new ukey inherited dump_seq");
    is_int(u->stats.coverage[UK_COV_upcall_ukey_replace], 1,
           "replace: upcall_ukey_replace coverage");
    is_int(u->stats.replacements, 1, "replace: stats.replacements");
    const struct ukey_event *rp = last_event(&x.rec, UK_EV_UMAP_REPLACE);
    ok(rp && rp->ukey_id == old->id && k && rp->ukey2_id == k->id,
       "replace: umap_replace old -> new");
    ok(udpif_dp_flow(u, x.f, 0) != NULL, "replace: datapath flow put");
    is_int(old->n_freed, 1, "replace: old ukey freed by RCU");
    is_int(old->n_postponed, 1, "replace: old ukey postponed once");

    /* A later sweep must not delete the old one again. */
    round_all(&x);
    is_int(old->n_postponed, 1, "replace: the sweep left the old one alone");
    is_int(count_violations(&x.rec, 0, -1), 0, "replace: no violation");
    fixture_destroy(&x);
}

/* Two upcalls for one flow in one batch: the first installs K1, the second
 * finds K1 VISIBLE (handler_duplicate_upcall), gets no put, and its K2 is
 * freed in upcall_uninit() without ever being published (T15). */
static void
test_duplicate_upcalls(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;

    udpif_upcall(u, x.h, x.f, 1);
    udpif_upcall(u, x.h, x.f, 1);
    run_all(u);
    is_int(count_events(&x.rec, UK_EV_OP_BEGIN, UK_OP_UPCALL_BATCH), 1,
           "duplicate: one batch");
    is_int(count_events(&x.rec, UK_EV_CREATE, -1), 2,
           "duplicate: two ukeys created");
    struct ukey *k1 = udpif_find_ukey(u, 1), *k2 = udpif_find_ukey(u, 2);
    ok(k1 && k1->state == UKEY_OPERATIONAL && k1->in_umap,
       "duplicate: K1 installed, OPERATIONAL");
    ok(k2 && k2->state == UKEY_CREATED && !k2->in_umap,
       "duplicate: K2 never published");
    is_int(u->stats.coverage[UK_COV_handler_duplicate_upcall], 1,
           "duplicate: handler_duplicate_upcall");
    is_int(count_events(&x.rec, UK_EV_DP_PUT, -1), 1,
           "duplicate: one put only");
    const struct ukey_event *fr = last_event(&x.rec, UK_EV_UKEY_FREE);
    ok(fr && fr->ukey_id == 2 && fr->kind == UK_FREE_UNPUBLISHED,
       "duplicate: K2 freed unpublished");
    ok(k2 && k2->n_freed == 1 && k2->n_postponed == 0,
       "duplicate: K2 freed once, not through RCU");
    is_int(count_violations(&x.rec, 0, -1), 0, "duplicate: no violation");
    fixture_destroy(&x);
}

/* H5 when the datapath already has the flow: a failed flow_del left it
 * (EVICTED since a1d6cce78), a miss replaces the ukey, the put fails with
 * EEXIST and the new ukey goes EVICTED too (T5).  The dump after the
 * round skips it ("Unexpected ukey transition"), the sweep deletes it and
 * the next dump adopts the flow. */
static void
test_put_eexist(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    struct ukey *old = fixture_install(&x);

    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_DEL, false, EIO);
    udpif_expire(u, x.f);
    udpif_round(u, x.r, UK_PHASE_DUMP);
    run_all(u);
    struct ukey *k = fixture_install(&x);
    ok(k && k != old && old->state == UKEY_DELETED,
       "eexist: the EVICTED ukey replaced");
    const struct ukey_event *p = last_event(&x.rec, UK_EV_DP_PUT);
    ok(p && k && p->ukey_id == k->id && p->result == EEXIST,
       "eexist: the put fails with EEXIST");
    ok(k && k->state == UKEY_EVICTED, "eexist: the new ukey EVICTED");
    round_all(&x);
    is_int(u->stats.coverage[UK_COV_unexpected_ukey_state], 1,
           "eexist: the dump skips it");
    ok(k && k->state == UKEY_DELETED, "eexist: the sweep deletes it");
    round_all(&x);
    struct ukey *k3 = udpif_flow_ukey(u, x.f, 0);
    ok(k3 && k3->origin == UK_CREATE_DPIF_FLOW
       && k3->state == UKEY_OPERATIONAL, "eexist: the flow adopted");
    is_int(count_violations(&x.rec, 0, -1), 0, "eexist: no violation");
    fixture_destroy(&x);
}

/* Race R-1 (no OVS fix yet; found by the free-running load with datapath
 * faults): the e34bbe31b window on the error path.  f1 is in the datapath
 * without a ukey (a failed delete left it, or a restart, or
 * dpctl/add-flow), and a miss for f1 queued before that reaches the
 * handler.  The handler installs K (VISIBLE) and puts the flow with K
 * unlocked; the put fails with EEXIST.  Before H5 a dump returns the
 * existing flow, finds K VISIBLE, takes it to OPERATIONAL (T6) and, f1
 * being idle, evicts it.  H5 then moves K to EVICTED whatever its state
 * (T5: unconditional since 54ebeff4c; e34bbe31b made only T4
 * conditional).  These tests pin the model to that code: upstream is not
 * clean here, and the checker is right to say so, and says why. */
static void
race_setup(struct fixture *x)
{
    fixture_init(x, "upstream", UK_DP_KERNEL);
    is_int(udpif_dp_ext_add(x->udpif, x->f, 0), 0,
           "race: f1 in the datapath, no ukey");
    udpif_upcall(x->udpif, x->h, x->f, 1);
    ok(step_until(x->udpif, x->h, UK_ACT_DP_PUT, "handle_upcalls"),
       "race: handler about to put f1, its ukey unlocked");
    udpif_expire(x->udpif, x->f);
}

/* The ukey of the handler's upcall (the last one created so far). */
static struct ukey *
race_ukey(const struct fixture *x)
{
    const struct ukey_event *c = last_event(&x->rec, UK_EV_CREATE);
    return c ? udpif_find_ukey(x->udpif, c->ukey_id) : NULL;
}

/* How the checker explains a violation of the window. */
enum race_cause {
    RACE_T5,            /* H5's T5 itself, after the put failed. */
    RACE_AFTER_T5,      /* The dump's own move to EVICTED, after H5's T5. */
    RACE_PUT,           /* The put, after the round deleted K. */
};

/* Whether the name of the last violation recorded ends with the checker's
 * explanation of the window, 'cause': h0's put of K failed with EEXIST
 * (but with RACE_PUT), r0's dump took K from VISIBLE to OPERATIONAL, and
 * (RACE_AFTER_T5) h0's T5 came before the violation. */
static bool
race_explained(const struct fixture *x, enum race_cause cause)
{
    const struct ukey_event *v = last_event(&x->rec, UK_EV_VIOLATION);
    const struct ukey_event *put = NULL, *moved = NULL, *t5 = NULL;
    for (size_t i = 0; i < x->rec.n; i++) {
        const struct ukey_event *e = &x->rec.events[i];
        if (e->type == UK_EV_DP_PUT && e->kind == UK_PUT_CREATE
            && e->ukey_id && !put) {
            put = e;
        } else if (e->type == UK_EV_TRANSITION && e->from == UKEY_VISIBLE
                   && e->thread_id == x->r->id && !moved) {
            moved = e;
        } else if (e->type == UK_EV_TRANSITION && e->to == UKEY_EVICTED
                   && e->thread_id == x->h->id && !t5) {
            t5 = e;
        }
    }
    if (!v || !v->name || !put || !moved || (cause == RACE_AFTER_T5 && !t5)) {
        return false;
    }
    char expect[320], how[64];
    if (cause == RACE_PUT) {
        snprintf(expect, sizeof expect, ": r0 had moved it on from VISIBLE "
                 "(to OPERATIONAL, seq %llu) before h0's put, but "
                 "handle_upcalls() puts a new ukey's flow without "
                 "re-checking its state (an OVS race)",
                 (unsigned long long) moved->seq);
    } else {
        if (cause == RACE_T5) {
            snprintf(how, sizeof how,
                     "moves a ukey whose put failed to EVICTED");
        } else {
            snprintf(how, sizeof how, "moved it to EVICTED (seq %llu)",
                     (unsigned long long) t5->seq);
        }
        snprintf(expect, sizeof expect, ": h0's datapath put of it failed "
                 "(seq %llu, EEXIST) and r0 had moved it on from VISIBLE (to "
                 "OPERATIONAL, seq %llu), but handle_upcalls() %s without "
                 "re-checking its state (an OVS race)",
                 (unsigned long long) put->seq,
                 (unsigned long long) moved->seq, how);
    }
    size_t len = strlen(v->name), n = strlen(expect);
    if (len < n || strcmp(v->name + len - n, expect)) {
        diag("violation: %s", v->name);
        diag("   expected to end with: %s", expect);
        return false;
    }
    return true;
}

/* The dump evicts K while the failed put is in flight; both threads then
 * move it to EVICTED: EVICTED->EVICTED, OVS's "Invalid state transition"
 * warning, and the state stays. */
static void
test_race_put_error_evicted(void)
{
    struct fixture x;
    race_setup(&x);
    struct udpif *u = x.udpif;
    struct ukey *k = race_ukey(&x);

    udpif_step(u, x.h);
    const struct ukey_event *p = last_event(&x.rec, UK_EV_DP_PUT);
    ok(p && p->result == EEXIST, "evicted: the put fails with EEXIST");
    udpif_round(u, x.r, UK_PHASE_DUMP);
    udpif_finish_op(u, x.r, 10000);
    ok(k && k->state == UKEY_EVICTED, "evicted: the dump evicted K");
    ok(!udpif_dp_flow(u, x.f, 0), "evicted: and deleted f1");
    size_t from = x.rec.n;
    udpif_finish_op(u, x.h, 1000);
    const struct ukey_event *t = last_event(&x.rec, UK_EV_TRANSITION);
    ok(t && t->from == UKEY_EVICTED && t->to == UKEY_EVICTED
       && t->result == UK_TR_WARN, "evicted: H5 EVICTED->EVICTED (warn)");
    is_int(count_violations(&x.rec, from, UK_VIOL_INVALID_TRANSITION), 1,
           "evicted: invalid-transition");
    ok(race_explained(&x, RACE_T5),
       "evicted: explained by the failed put and the adoption");
    round_all(&x);
    ok(k && k->state == UKEY_DELETED, "evicted: the sweep deletes K");
    is_int(count_violations(&x.rec, 0, -1), 1, "evicted: nothing else");
    diag_violations(&x.rec);
    fixture_destroy(&x);
}

/* H5 comes while the dump is deleting f1 (K EVICTING): its T5 is legal,
 * and the dump's own move to EVICTED (T12) then finds K EVICTED:
 * EVICTED->EVICTED by the revalidator, the same race seen from the other
 * side. */
static void
test_race_put_error_evicting(void)
{
    struct fixture x;
    race_setup(&x);
    struct udpif *u = x.udpif;
    struct ukey *k = race_ukey(&x);

    udpif_step(u, x.h);
    udpif_round(u, x.r, UK_PHASE_DUMP);
    ok(step_until(u, x.r, UK_ACT_DP_DEL, "push_dp_ops"),
       "evicting: the dump about to delete f1");
    ok(k && k->state == UKEY_EVICTING, "evicting: K EVICTING");
    udpif_finish_op(u, x.h, 1000);
    const struct ukey_event *t = last_event(&x.rec, UK_EV_TRANSITION);
    ok(t && t->from == UKEY_EVICTING && t->to == UKEY_EVICTED
       && t->result == UK_TR_OK, "evicting: H5 EVICTING->EVICTED (ok)");
    is_int(count_violations(&x.rec, 0, -1), 0, "evicting: fine so far");
    udpif_finish_op(u, x.r, 10000);
    t = last_event(&x.rec, UK_EV_TRANSITION);
    ok(t && t->from == UKEY_EVICTED && t->to == UKEY_EVICTED
       && t->thread_id == x.r->id && t->result == UK_TR_WARN,
       "evicting: T12 EVICTED->EVICTED (warn)");
    is_int(count_violations(&x.rec, 0, UK_VIOL_INVALID_TRANSITION), 1,
           "evicting: invalid-transition");
    ok(race_explained(&x, RACE_AFTER_T5),
       "evicting: explained by the failed put, the adoption and H5");
    round_all(&x);
    is_int(count_violations(&x.rec, 0, -1), 1, "evicting: nothing else");
    diag_violations(&x.rec);
    fixture_destroy(&x);
}

/* The round's sweep deletes K before H5: DELETED->EVICTED, a backward
 * transition.  OVS aborts there ("Invalid ukey transition 6->5"). */
static void
test_race_put_error_deleted(void)
{
    struct fixture x;
    race_setup(&x);
    struct udpif *u = x.udpif;
    struct ukey *k = race_ukey(&x);

    udpif_step(u, x.h);
    udpif_round(u, x.r, UK_PHASE_ALL);
    udpif_finish_op(u, x.r, 10000);
    ok(k && k->state == UKEY_DELETED, "deleted: the round deleted K");
    size_t from = x.rec.n;
    udpif_finish_op(u, x.h, 1000);
    const struct ukey_event *t = last_event(&x.rec, UK_EV_TRANSITION);
    ok(t && t->from == UKEY_DELETED && t->to == UKEY_EVICTED
       && t->result == UK_TR_ABORT, "deleted: H5 DELETED->EVICTED (abort)");
    is_int(count_violations(&x.rec, from, UK_VIOL_BACKWARD_TRANSITION), 1,
           "deleted: backward-transition");
    ok(race_explained(&x, RACE_T5),
       "deleted: explained by the failed put and the adoption");
    is_int(count_violations(&x.rec, 0, -1), 1, "deleted: nothing else");
    diag_violations(&x.rec);
    fixture_destroy(&x);
}

/* The round runs before the put: the dump deletes the old flow, the sweep
 * K, and then the handler's put succeeds with K DELETED (H5 does nothing:
 * DELETED is not below OPERATIONAL).  A put of a deleted ukey: the flow
 * has no ukey until the next dump adopts it. */
static void
test_race_put_after_delete(void)
{
    struct fixture x;
    race_setup(&x);
    struct udpif *u = x.udpif;
    struct ukey *k = race_ukey(&x);

    udpif_round(u, x.r, UK_PHASE_ALL);
    udpif_finish_op(u, x.r, 10000);
    ok(k && k->state == UKEY_DELETED && !udpif_dp_flow(u, x.f, 0),
       "put after delete: the round deleted f1 and K");
    size_t from = x.rec.n;
    udpif_finish_op(u, x.h, 1000);
    const struct ukey_event *p = last_event(&x.rec, UK_EV_DP_PUT);
    ok(p && k && p->ukey_id == k->id && p->result == 0
       && udpif_dp_flow(u, x.f, 0), "put after delete: the put succeeds");
    is_int(count_violations(&x.rec, from, UK_VIOL_USE_AFTER_DELETE), 1,
           "put after delete: use-after-delete");
    ok(race_explained(&x, RACE_PUT),
       "put after delete: explained by the adoption before the put");
    round_all(&x);
    struct ukey *k2 = udpif_flow_ukey(u, x.f, 0);
    ok(k2 && k2->origin == UK_CREATE_DPIF_FLOW,
       "put after delete: the next dump adopts f1");
    is_int(count_violations(&x.rec, 0, -1), 1,
           "put after delete: nothing else");
    diag_violations(&x.rec);
    fixture_destroy(&x);
}

/* should_install_flow(): at the flow limit the upcall installs nothing. */
static void
test_flow_limit(void)
{
    struct udpif_config cfg;
    udpif_config_init(&cfg);
    cfg.flow_limit = 1;
    struct recorder r;
    struct udpif *u = model_new_cfg(&cfg, &r);
    struct uk_thread *h = udpif_add_thread(u, UK_THREAD_HANDLER, "h0", NULL);
    struct uk_flow *f1 = udpif_add_flow(u, "f1");
    struct uk_flow *f2 = udpif_add_flow(u, "f2");

    udpif_upcall(u, h, f1, 1);
    run_all(u);
    udpif_upcall(u, h, f2, 1);
    run_all(u);
    ok(udpif_dp_flow(u, f1, 0) && !udpif_dp_flow(u, f2, 0),
       "flow limit: second flow not installed");
    is_int(u->stats.coverage[UK_COV_upcall_flow_limit_hit], 1,
           "flow limit: upcall_flow_limit_hit");
    ok(!udpif_flow_ukey(u, f2, 0), "flow limit: no ukey for f2 in a umap");
    /* revalidate() counts a hit per dump batch at the limit too. */
    struct uk_thread *r0 = udpif_add_thread(u, UK_THREAD_REVALIDATOR, "r0",
                                            NULL);
    udpif_round(u, r0, UK_PHASE_ALL);
    run_all(u);
    is_int(u->stats.coverage[UK_COV_upcall_flow_limit_hit], 2,
           "flow limit: the dump at the limit counts upcall_flow_limit_hit");
    is_int(u->stats.coverage[UK_COV_upcall_flow_limit_kill], 0,
           "flow limit: not over twice the limit, nothing killed");
    const struct ukey_event *fr = last_event(&r, UK_EV_UKEY_FREE);
    ok(fr && fr->kind == UK_FREE_UNPUBLISHED && fr->ufid == f2->ufid,
       "flow limit: f2's ukey freed unpublished");
    is_int(count_violations(&r, 0, -1), 0, "flow limit: no violation");
    udpif_destroy(u);
    recorder_free(&r);
}

/* P: upcall_cb() installs, dpif-netdev adds the flow, the ukey stays
 * VISIBLE until a dump moves it to OPERATIONAL (T6). */
static void
test_pmd(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_NETDEV);
    struct udpif *u = x.udpif;
    ok(x.h->kind == UK_THREAD_PMD && x.h->pmd_id == 1, "pmd: PMD with id 1");

    struct ukey *k = fixture_install(&x);
    ok(k && k->state == UKEY_VISIBLE, "pmd: VISIBLE after upcall_cb");
    ok(k && k->pmd_id == 1, "pmd: ukey of pmd 1");
    ok(udpif_dp_flow(u, x.f, 1) != NULL, "pmd: flow added by dpif-netdev");
    const struct ukey_event *p = last_event(&x.rec, UK_EV_DP_PUT);
    ok(p && p->where && !strcmp(p->where, "dp_netdev_flow_add"),
       "pmd: put by dp_netdev_flow_add");
    is_int(count_events(&x.rec, UK_EV_OP_BEGIN, UK_OP_UPCALL_CB), 1,
           "pmd: one upcall_cb");

    /* The sweep alone does not touch a VISIBLE ukey. */
    udpif_round(u, x.r, UK_PHASE_SWEEP);
    run_all(u);
    ok(k && k->state == UKEY_VISIBLE, "pmd: the sweep leaves VISIBLE alone");
    round_all(&x);
    ok(k && k->state == UKEY_OPERATIONAL, "pmd: OPERATIONAL after a dump");

    /* A second miss for the same flow on that PMD: duplicate, no put. */
    size_t puts = count_events(&x.rec, UK_EV_DP_PUT, -1);
    udpif_upcall(u, x.h, x.f, 1);
    run_all(u);
    is_int(count_events(&x.rec, UK_EV_DP_PUT, -1), puts,
           "pmd: duplicate upcall puts nothing");
    is_int(u->stats.coverage[UK_COV_handler_duplicate_upcall], 1,
           "pmd: handler_duplicate_upcall");
    is_int(count_violations(&x.rec, 0, -1), 0, "pmd: no violation");
    fixture_destroy(&x);

    /* Two PMDs: one ukey per PMD for the same flow (5f2ccb1c0). */
    struct recorder r;
    u = model_new("upstream", UK_DP_NETDEV, &r);
    struct uk_thread *p1 = udpif_add_thread(u, UK_THREAD_PMD, "pmd1", NULL);
    struct uk_thread *p2 = udpif_add_thread(u, UK_THREAD_PMD, "pmd2", NULL);
    struct uk_flow *f = udpif_add_flow(u, "f1");
    udpif_upcall(u, p1, f, 1);
    udpif_upcall(u, p2, f, 1);
    run_all(u);
    struct ukey *k1 = udpif_flow_ukey(u, f, p1->pmd_id);
    struct ukey *k2 = udpif_flow_ukey(u, f, p2->pmd_id);
    ok(k1 && k2 && k1 != k2 && k1->state == UKEY_VISIBLE
       && k2->state == UKEY_VISIBLE, "two pmds: two ukeys for one flow");
    ok(udpif_dp_flow(u, f, p1->pmd_id) && udpif_dp_flow(u, f, p2->pmd_id),
       "two pmds: two datapath flows");
    is_int(count_violations(&r, 0, -1), 0, "two pmds: no violation");
    udpif_destroy(u);
    recorder_free(&r);

    /* A handler cannot be added to a netdev datapath. */
    u = model_new("upstream", UK_DP_NETDEV, NULL);
    int error = 0;
    ok(!udpif_add_thread(u, UK_THREAD_HANDLER, "h0", &error)
       && error == EINVAL, "netdev: no handler threads");
    udpif_destroy(u);
}

int
main(void)
{
    test_install();
    test_create_seqs();
    test_put_failure();
    test_replace();
    test_duplicate_upcalls();
    test_put_eexist();
    test_race_put_error_evicted();
    test_race_put_error_evicting();
    test_race_put_error_deleted();
    test_race_put_after_delete();
    test_flow_limit();
    test_pmd();
    return done_testing();
}
