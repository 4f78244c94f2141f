/* SPDX-License-Identifier: Apache-2.0 */
/* Revalidators and the main thread (core/revalidator.c,
 * core/mainthread.c): the dump phase (idle flows, modify, stale actions
 * left by an adoption or a new ukey (B-14, B-16), failed modify,
 * failed delete, duplicate dump entries), the sweep (EVICTED ukeys, missed
 * dumps), revalidator/purge with the revalidators paused, dp_purge_cb() for
 * a PMD, flush and shutdown. */
#include "tests/unit/model-helpers.h"
#include "tests/tap.h"

#include "core/lifecycle.h"
#include "core/udpif-private.h"

/* A handler, a revalidator and flow f1 installed (OPERATIONAL) in 'x->k'. */
static void
setup(struct fixture *x, const char *variant)
{
    fixture_init(x, variant, UK_DP_KERNEL);
    fixture_install(x);
}

/* setup(), then a round: a 2016 variant's new ukey has the current
 * dump_seq (before 8f0e86f84), so that round's dump skips f1 and its sweep
 * keeps it; only the next round revalidates f1. */
static void
setup_past_new(struct fixture *x, const char *variant)
{
    setup(x, variant);
    round_all(x);
}

/* The coverage events 'kind' of ukey 'id'. */
static size_t
count_coverage(const struct recorder *r, int kind, uint64_t id)
{
    size_t n = 0;
    for (size_t i = 0; i < r->n; i++) {
        const struct ukey_event *e = &r->events[i];
        n += e->type == UK_EV_COVERAGE && e->kind == kind && e->ukey_id == id;
    }
    return n;
}

/* The last 'revalidate' event for 'k'. */
static const struct ukey_event *
last_decision(const struct recorder *r, const struct ukey *k)
{
    for (size_t i = r->n; i-- > 0;) {
        if (r->events[i].type == UK_EV_REVALIDATE
            && r->events[i].ukey_id == k->id) {
            return &r->events[i];
        }
    }
    return NULL;
}

/* ==== Dump phase ==== */

static void
test_idle(void)
{
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;

    udpif_traffic(u, x.f, 4);
    udpif_expire(u, x.f);
    udpif_round(u, x.r, UK_PHASE_ALL);
    ok(step_until_ukey(u, x.r, UK_ACT_DP_DEL, x.k),
       "idle: revalidator about to delete the flow");
    is_int(x.k->state, UKEY_EVICTING, "idle: EVICTING while the del is "
           "queued");
    const struct ukey_event *d = last_decision(&x.rec, x.k);
    ok(d && d->kind == UK_REVAL_DELETE && d->result == UK_FDR_FLOW_IDLE,
       "idle: DELETE, reason FLOW_IDLE");
    ok(x.r->n_held == 0 && !x.k->mutex.owner,
       "idle: ukey unlocked across the datapath op");
    ok(step_to_barrier(u, x.r, 1), "idle: end of the dump phase");
    is_int(x.k->state, UKEY_EVICTED, "idle: EVICTED after the del");
    ok(!udpif_dp_flow(u, x.f, 0), "idle: datapath flow deleted");
    ok(x.k->in_umap, "idle: still in its umap until the sweep");
    is_int(sum_event_values(&x.rec, UK_EV_STATS_PUSH), 4,
           "idle: the del's stats pushed");
    ok(step_to_barrier(u, x.r, 2), "idle: end of the sweep");
    is_int(x.k->state, UKEY_DELETED, "idle: DELETED by the sweep");
    ok(!x.k->in_umap, "idle: removed from its umap");
    run_all(u);
    is_int(x.k->n_freed, 1, "idle: freed once");
    is_int(u->n_rounds, 1, "idle: one round");
    is_int(count_violations(&x.rec, 0, -1), 0, "idle: no violation");
    fixture_destroy(&x);
}

static void
test_modify(void)
{
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;

    round_all(&x);
    udpif_modify(u, x.f);
    size_t mark = x.rec.n;
    round_all(&x);
    const struct ukey_event *d = last_decision(&x.rec, x.k);
    ok(d && d->kind == UK_REVAL_KEEP, "modify: the sweep keeps it after");
    size_t n_modify = 0;
    for (size_t i = mark; i < x.rec.n; i++) {
        const struct ukey_event *e = &x.rec.events[i];
        n_modify += e->type == UK_EV_REVALIDATE && e->kind == UK_REVAL_MODIFY
                    && e->ukey_id == x.k->id;
    }
    is_int(n_modify, 1, "modify: one MODIFY decision in the dump");
    const struct ukey_event *p = last_event(&x.rec, UK_EV_DP_PUT);
    ok(p && p->kind == UK_PUT_MODIFY && p->result == 0,
       "modify: FLOW_PUT(MODIFY) ok");
    is_int(x.k->state, UKEY_OPERATIONAL, "modify: stays OPERATIONAL");
    struct dp_flow *df = udpif_dp_flow(u, x.f, 0);
    ok(df && df->actions_version == x.f->actions_version
       && x.k->actions_version == x.f->actions_version,
       "modify: new actions in the ukey and the datapath");
    ok(x.k->reval_seq == u->reval_seq, "modify: ukey reval_seq updated");
    is_int(count_violations(&x.rec, 0, -1), 0, "modify: no violation");
    fixture_destroy(&x);
}

/* The decisions 'kind' about 'k' recorded from event 'from' on. */
static size_t
count_decisions(const struct recorder *r, size_t from, int kind,
                const struct ukey *k)
{
    size_t n = 0;
    for (size_t i = from; i < r->n; i++) {
        const struct ukey_event *e = &r->events[i];
        n += e->type == UK_EV_REVALIDATE && e->kind == kind
             && e->ukey_id == k->id;
    }
    return n;
}

/* B-14: a flow in the datapath with no ukey ("dp add"), then new rules;
 * the round adopts it.  Upstream's adopted ukey has the dumped actions and
 * reval_seq - 1: the dump modifies the flow.  pre-57db02104's has the
 * current reval_seq: the round keeps the old actions, stale-actions. */
static void
test_adopt_stale(const char *variant, bool fixed)
{
    struct fixture x;
    fixture_init(&x, variant, UK_DP_KERNEL);
    struct udpif *u = x.udpif;

    is_int(udpif_dp_ext_add(u, x.f, 0), 0, "%s: dp add", variant);
    is_int(udpif_dp_ext_add(u, x.f, 0), EEXIST, "%s: dp add again: EEXIST",
           variant);
    const struct ukey_event *p = last_event(&x.rec, UK_EV_DP_PUT);
    ok(p && p->kind == UK_PUT_EXTERNAL && !p->ukey_id && !p->value,
       "%s: dp_put EXTERNAL, no ukey, rules v0", variant);
    udpif_modify(u, x.f);
    const struct ukey_event *c = last_event(&x.rec, UK_EV_RULE_CHANGE);
    ok(c && c->ufid == x.f->ufid && c->value == 1
       && c->value2 == u->reval_seq, "%s: rule_change v1 with reval_seq",
       variant);
    round_all(&x);
    struct ukey *k = udpif_flow_ukey(u, x.f, 0);
    ok(k && k->origin == UK_CREATE_DPIF_FLOW, "%s: the round adopted f1",
       variant);
    struct dp_flow *df = udpif_dp_flow(u, x.f, 0);
    is_int(k ? count_decisions(&x.rec, 0, UK_REVAL_MODIFY, k) : 9,
           fixed ? 1 : 0, "%s: %s", variant,
           fixed ? "the adopting dump modifies it" : "never modified");
    is_int(df ? df->actions_version : 9, fixed ? 1 : 0,
           "%s: datapath actions of rules v%d", variant, fixed ? 1 : 0);
    is_int(count_violations(&x.rec, 0, UK_VIOL_STALE_ACTIONS),
           fixed ? 0 : 1, "%s: %s", variant,
           fixed ? "no violation" : "stale-actions");
    is_int(count_violations(&x.rec, 0, -1), fixed ? 0 : 1,
           "%s: nothing else", variant);
    fixture_destroy(&x);
}

/* B-14 again, with another flow's rules changed after the dump read
 * reval_seq (D0) and before it adopts f1: the adopted ukey's "reval_seq -
 * 1" must still differ from the dump's, as in OVS, where no two values of
 * one seq are consecutive (lib/seq.c's counter is the process's).  With a
 * reval_seq that moved by one per change, it was the dump's: the round kept
 * f1's old actions, and "ukdb load --faults" (its failed deletes leave
 * flows to adopt) reported stale-actions. */
static void
test_adopt_reval_seq_moved(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    struct udpif *u = x.udpif;
    struct uk_flow *f2 = udpif_add_flow(u, "f2");

    is_int(udpif_dp_ext_add(u, x.f, 0), 0, "reval_seq moved: dp add f1");
    udpif_modify(u, x.f);
    udpif_round(u, x.r, UK_PHASE_ALL);
    ok(step_until(u, x.r, UK_ACT_DP_DUMP, "dpif_flow_dump_next"),
       "reval_seq moved: the dump read reval_seq, at its first dump_next");
    uint64_t v = u->reval_seq;
    udpif_modify(u, f2);
    run_all(u);
    struct ukey *k = udpif_flow_ukey(u, x.f, 0);
    ok(k && k->origin == UK_CREATE_DPIF_FLOW,
       "reval_seq moved: the round adopted f1");
    ok(u->reval_seq - 1 != v,
       "reval_seq moved: reval_seq - 1 is no value the dump read");
    is_int(k ? count_decisions(&x.rec, 0, UK_REVAL_MODIFY, k) : 9, 1,
           "reval_seq moved: the adopting dump modifies f1");
    struct dp_flow *df = udpif_dp_flow(u, x.f, 0);
    is_int(df ? df->actions_version : 9, 1,
           "reval_seq moved: datapath actions of rules v1");
    is_int(count_violations(&x.rec, 0, -1), 0,
           "reval_seq moved: no violation");
    diag_violations(&x.rec);
    fixture_destroy(&x);
}

/* B-16: f1 installed, then new rules (the controller's answer to its
 * packet-in).  pre-8f0e86f84's new ukey has the next round's dump_seq:
 * that round skips f1 (dumped_new_flow), and only the round after
 * modifies it. */
static void
test_new_stale(const char *variant, bool fixed)
{
    struct fixture x;
    setup(&x, variant);
    struct udpif *u = x.udpif;

    udpif_modify(u, x.f);
    round_all(&x);
    struct dp_flow *df = udpif_dp_flow(u, x.f, 0);
    is_int(df ? df->actions_version : 9, fixed ? 1 : 0,
           "%s: after the first round, rules v%d in the datapath", variant,
           fixed ? 1 : 0);
    is_int(count_coverage(&x.rec, UK_COV_dumped_new_flow, x.k->id),
           fixed ? 0 : 1, "%s: dumped_new_flow %d", variant, fixed ? 0 : 1);
    is_int(count_violations(&x.rec, 0, UK_VIOL_STALE_ACTIONS),
           fixed ? 0 : 1, "%s: %s", variant,
           fixed ? "no violation" : "stale-actions");
    round_all(&x);
    is_int(df ? df->actions_version : 9, 1,
           "%s: after the second round, rules v1", variant);
    is_int(count_violations(&x.rec, 0, -1), fixed ? 0 : 1,
           "%s: nothing else", variant);
    fixture_destroy(&x);
}

static void
test_modify_failure(void)
{
    /* A dump-only round: the modify fails, INCONSISTENT (T11); the next
     * dump deletes it (T8, dumped_inconsistent_flow). */
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;

    udpif_modify(u, x.f);
    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_PUT, true, EIO);
    udpif_round(u, x.r, UK_PHASE_DUMP);
    run_all(u);
    is_int(x.k->state, UKEY_INCONSISTENT, "modify failure: INCONSISTENT");
    ok(udpif_dp_flow(u, x.f, 0) != NULL,
       "modify failure: old datapath flow still there");
    ok(x.k->actions_version == x.f->actions_version,
       "modify failure: ukey already has the new actions");
    round_all(&x);
    is_int(u->stats.coverage[UK_COV_dumped_inconsistent_flow], 1,
           "modify failure: dumped_inconsistent_flow");
    const struct ukey_event *d = last_decision(&x.rec, x.k);
    ok(d && d->kind == UK_REVAL_DELETE && d->result == UK_FDR_UPDATE_FAIL,
       "modify failure: DELETE, reason UPDATE_FAIL");
    is_int(x.k->state, UKEY_DELETED, "modify failure: deleted next round");
    ok(!udpif_dp_flow(u, x.f, 0), "modify failure: datapath flow deleted");
    is_int(count_violations(&x.rec, 0, -1), 0,
           "modify failure: no violation");
    fixture_destroy(&x);

    /* A full round: the sweep of the same round deletes it (T8). */
    setup(&x, "upstream");
    u = x.udpif;
    udpif_modify(u, x.f);
    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_PUT, true, EIO);
    udpif_round(u, x.r, UK_PHASE_ALL);
    ok(step_to_barrier(u, x.r, 1) && x.k->state == UKEY_INCONSISTENT,
       "modify failure: INCONSISTENT after the dump phase");
    run_all(u);
    is_int(x.k->state, UKEY_DELETED, "modify failure: the sweep deleted it");
    is_int(u->stats.coverage[UK_COV_dumped_inconsistent_flow], 0,
           "modify failure: not by the dump");
    fixture_destroy(&x);

    /* Before cf11766cb the ukey stays OPERATIONAL with the new actions. */
    setup_past_new(&x, "landed-2016");
    u = x.udpif;
    udpif_modify(u, x.f);
    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_PUT, true, EIO);
    round_all(&x);
    is_int(x.k->state, UKEY_OPERATIONAL,
           "modify failure: landed-2016 stays OPERATIONAL");
    ok(x.k->actions_version == x.f->actions_version,
       "modify failure: landed-2016 ukey has the new actions");
    fixture_destroy(&x);
}

static void
test_delete_failure(void)
{
    /* Upstream (a1d6cce78): EVICTED even though the del failed; no stats
     * (e83c93573); the sweep deletes the ukey; the surviving flow is
     * adopted by the next dump. */
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;

    udpif_traffic(u, x.f, 5);
    udpif_expire(u, x.f);
    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_DEL, false, EIO);
    udpif_round(u, x.r, UK_PHASE_ALL);
    ok(step_to_barrier(u, x.r, 1), "del failure: dump phase done");
    is_int(x.k->state, UKEY_EVICTED, "del failure: upstream EVICTED anyway");
    ok(udpif_dp_flow(u, x.f, 0) != NULL, "del failure: dp flow survived");
    is_int(count_events(&x.rec, UK_EV_STATS_PUSH, -1), 0,
           "del failure: no stats pushed");
    run_all(u);
    is_int(x.k->state, UKEY_DELETED, "del failure: the sweep deleted it");
    round_all(&x);
    struct ukey *k2 = udpif_flow_ukey(u, x.f, 0);
    ok(k2 && k2 != x.k && k2->origin == UK_CREATE_DPIF_FLOW
       && k2->state == UKEY_OPERATIONAL,
       "del failure: the next dump adopted the flow");
    ok(k2 && k2->reval_seq == u->reval_seq,
       "del failure: adopted ukey revalidated (reval_seq - 1, 57db02104)");
    is_int(k2 ? count_coverage(&x.rec, UK_COV_dumped_new_flow, k2->id) : 9,
           0, "del failure: the adopting dump handled it (dump_seq 0)");
    is_int(count_violations(&x.rec, 0, -1), 0, "del failure: no violation");
    fixture_destroy(&x);

    /* landed-2016 (before a1d6cce78): stays EVICTING. */
    setup_past_new(&x, "landed-2016");
    u = x.udpif;
    udpif_expire(u, x.f);
    udpif_dp_fail(u, x.f, 0, UK_ACT_DP_DEL, false, EIO);
    round_all(&x);
    is_int(x.k->state, UKEY_EVICTING, "del failure: landed-2016 EVICTING");
    ok(x.k->in_umap, "del failure: landed-2016 ukey left in its umap");
    fixture_destroy(&x);
}

/* Before the state machine (pre-replace, and v1 on top of it) a failed
 * flow_del left 'flow_exists' clear, as revalidate() had cleared it at the
 * decision, and nothing asserted: the sweep deleted the ukey, and a dump
 * that found the surviving flow first revalidated it.  Neither the stuck
 * EVICTING of a1d6cce78 nor the abort of 6997d54e1 belongs there. */
static void
test_delete_failure_flow_exists(void)
{
    static const char *const names[] = { "v1-replace", "pre-replace" };
    for (size_t i = 0; i < 2; i++) {
        struct fixture x;
        setup_past_new(&x, names[i]);
        struct udpif *u = x.udpif;

        udpif_traffic(u, x.f, 5);
        udpif_expire(u, x.f);
        udpif_dp_fail(u, x.f, 0, UK_ACT_DP_DEL, false, EIO);
        udpif_round(u, x.r, UK_PHASE_DUMP);
        run_all(u);
        is_int(x.k->state, UKEY_EVICTED,
               "flow_exists %s: failed del leaves a ukey to delete", names[i]);
        ok(udpif_dp_flow(u, x.f, 0) != NULL,
           "flow_exists %s: dp flow survived", names[i]);
        udpif_round(u, x.r, UK_PHASE_DUMP);     /* Finds it again. */
        run_all(u);
        is_int(count_violations(&x.rec, 0, UK_VIOL_BACKWARD_TRANSITION), 0,
               "flow_exists %s: a second dump does not abort", names[i]);
        round_all(&x);
        is_int(x.k->state, UKEY_DELETED,
               "flow_exists %s: the sweep deleted the ukey", names[i]);
        round_all(&x);
        struct ukey *k2 = udpif_flow_ukey(u, x.f, 0);
        ok(k2 && k2 != x.k && k2->origin == UK_CREATE_DPIF_FLOW,
           "flow_exists %s: the next dump adopted the flow", names[i]);
        /* 2016: the current dump_seq and reval_seq, before 8f0e86f84 and
         * 57db02104: the adopting dump skips it, nothing revalidated. */
        is_int(k2 ? count_coverage(&x.rec, UK_COV_dumped_new_flow, k2->id)
               : 9, 1, "flow_exists %s: the adopting dump skipped it",
               names[i]);
        ok(k2 && k2->reval_seq == u->reval_seq,
           "flow_exists %s: adopted with the current reval_seq", names[i]);
        is_int(count_violations(&x.rec, 0, -1), 0,
               "flow_exists %s: no violation", names[i]);
        diag_violations(&x.rec);
        fixture_destroy(&x);
    }
}

static void
test_duplicate_dump(void)
{
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;

    round_all(&x);              /* Gives the ukey an xcache. */
    udpif_traffic(u, x.f, 5);
    ok(udpif_dp_dup(u, x.f, 0) == 0, "duplicate dump: injected");
    round_all(&x);
    is_int(count_events(&x.rec, UK_EV_DP_DUMP, UK_DUMP_DUPLICATE), 1,
           "duplicate dump: the flow dumped twice");
    is_int(u->stats.coverage[UK_COV_dumped_duplicate_flow], 1,
           "duplicate dump: dumped_duplicate_flow");
    is_int(sum_event_values(&x.rec, UK_EV_STATS_PUSH), 5,
           "duplicate dump: 5 packets attributed once");
    is_int(x.k->stats_packets, 5, "duplicate dump: ukey stats 5");
    udpif_traffic(u, x.f, 2);
    udpif_dp_dup(u, x.f, 0);
    udpif_dp_dup(u, x.f, 0);
    round_all(&x);
    is_int(sum_event_values(&x.rec, UK_EV_STATS_PUSH), 7,
           "duplicate dump: then 7 in all, never doubled");
    is_int(count_violations(&x.rec, 0, -1), 0, "duplicate dump: no "
           "violation");
    fixture_destroy(&x);

    /* A duplicate of a ukey with no xcache yet is a "new" flow. */
    setup(&x, "upstream");
    u = x.udpif;
    udpif_dp_dup(u, x.f, 0);
    udpif_expire(u, x.f);
    round_all(&x);
    is_int(u->stats.coverage[UK_COV_dumped_new_flow], 1,
           "duplicate dump: dumped_new_flow without an xcache");
    fixture_destroy(&x);
}

/* ==== Sweep ==== */

static void
test_missed_dumps(void)
{
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;

    ok(udpif_dp_ext_del(u, x.f, 0) == 0, "missed: flow deleted externally");
    for (int i = 1; i <= 3; i++) {
        round_all(&x);
        ok(x.k->state == UKEY_OPERATIONAL && x.k->missed_dumps == (unsigned) i,
           "missed: round %d: OPERATIONAL, missed_dumps %d", i, i);
    }
    round_all(&x);
    is_int(u->stats.coverage[UK_COV_revalidate_missing_dp_flow], 1,
           "missed: revalidate_missing_dp_flow after 4 rounds");
    const struct ukey_event *d = last_decision(&x.rec, x.k);
    ok(d && d->kind == UK_REVAL_DELETE && d->result == UK_FDR_FLOW_MISSING_DP,
       "missed: DELETE, reason FLOW_MISSING_DP");
    const struct ukey_event *del = last_event(&x.rec, UK_EV_DP_DEL);
    ok(del && del->result == ENOENT, "missed: flow_del fails with ENOENT");
    is_int(x.k->state, UKEY_DELETED, "missed: ukey deleted");
    run_all(u);
    is_int(x.k->n_freed, 1, "missed: freed");
    is_int(count_violations(&x.rec, 0, -1), 0, "missed: no violation");
    fixture_destroy(&x);

    /* A dump resets the count. */
    setup(&x, "upstream");
    u = x.udpif;
    udpif_round(u, x.r, UK_PHASE_SWEEP);
    udpif_round(u, x.r, UK_PHASE_SWEEP);
    run_all(u);
    is_int(x.k->missed_dumps, 2, "missed: 2 sweeps without a dump");
    round_all(&x);
    is_int(x.k->missed_dumps, 0, "missed: a dump resets missed_dumps");
    fixture_destroy(&x);

    /* Rounds that only dump (the REPL's "dump") do not count missed
     * dumps, which only the sweep does: the ukey waits for a sweep, and
     * the checker does not call it stuck meanwhile (it did, after the
     * sixth).  Full rounds then delete it within four. */
    setup(&x, "upstream");
    u = x.udpif;
    udpif_dp_ext_del(u, x.f, 0);
    for (int i = 0; i < 8; i++) {
        udpif_round(u, x.r, UK_PHASE_DUMP);
    }
    run_all(u);
    ok(x.k->state == UKEY_OPERATIONAL && x.k->missed_dumps == 0,
       "missed: 8 dump-only rounds: OPERATIONAL, no missed dump counted");
    is_int(count_violations(&x.rec, 0, UK_VIOL_STUCK_UKEY), 0,
           "missed: 8 dump-only rounds: not stuck");
    for (int i = 0; i < 4; i++) {
        round_all(&x);
    }
    is_int(x.k->state, UKEY_DELETED, "missed: then 4 full rounds delete it");
    is_int(count_violations(&x.rec, 0, -1), 0,
           "missed: dump-only rounds: no violation");
    fixture_destroy(&x);

    /* Before 180ab2fd6 the ukey stays for ever (B-24); the checker calls
     * it stuck after 'stuck_rounds' rounds. */
    setup(&x, "landed-2016");
    u = x.udpif;
    udpif_dp_ext_del(u, x.f, 0);
    for (int i = 0; i < 8; i++) {
        round_all(&x);
    }
    is_int(x.k->state, UKEY_OPERATIONAL, "missed: landed-2016 never deletes");
    is_int(count_violations(&x.rec, 0, UK_VIOL_STUCK_UKEY), 1,
           "missed: landed-2016 stuck-ukey reported once");
    fixture_destroy(&x);
}

/* revalidator/purge counts missed dumps too, as revalidator_sweep__()
 * does whether or not it purges: the 4th one names the purged flow's delete
 * FLOW_MISSING_DP and counts revalidate_missing_dp_flow. */
static void
test_missed_dumps_purge(void)
{
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;
    udpif_dp_ext_del(u, x.f, 0);
    for (int i = 0; i < 3; i++) {
        round_all(&x);
    }
    is_int(x.k->missed_dumps, 3, "missed purge: 3 sweeps without a dump");
    ok(udpif_purge(u) == 0, "missed purge: purge queued");
    run_all(u);
    is_int(x.k->state, UKEY_DELETED, "missed purge: purged");
    is_int(x.k->missed_dumps, 4, "missed purge: the purge counted a 4th");
    is_int(u->stats.coverage[UK_COV_revalidate_missing_dp_flow], 1,
           "missed purge: revalidate_missing_dp_flow");
    const struct ukey_event *d = last_decision(&x.rec, x.k);
    ok(d && d->kind == UK_REVAL_DELETE && d->result == UK_FDR_FLOW_MISSING_DP,
       "missed purge: DELETE, reason FLOW_MISSING_DP");
    is_int(count_violations(&x.rec, 0, -1), 0, "missed purge: no violation");
    fixture_destroy(&x);
}

/* ==== RCU at the barriers ==== */

/* Whether the postponed free of 'k' is ready to run (and the only one
 * pending). */
static bool
free_ready(const struct udpif *u, const struct ukey *k)
{
    size_t ready;
    return (udpif_rcu_pending(u, &ready) == 1 && ready == 1
            && u->rcu_cbs[0].ukey == k);
}

/* ovs_barrier_block(): a revalidator that waits at the round's barrier
 * waits in poll_block(), in an extended quiescent state, so it holds up no
 * grace period; the last one to arrive does not block, nor quiesce.  Here
 * a handler replaces an EVICTED ukey (try_ukey_replace() postpones its
 * free) while two revalidators are at the barriers of a dump-only round
 * with nothing to dump (so neither quiesces in its dump phase). */
static void
test_barrier_quiesces(void)
{
    struct recorder r;
    struct udpif *u = model_new("upstream", UK_DP_KERNEL, &r);
    struct uk_thread *h = udpif_add_thread(u, UK_THREAD_HANDLER, "h0", NULL);
    struct uk_thread *r0 = udpif_add_thread(u, UK_THREAD_REVALIDATOR, "r0",
                                            NULL);
    struct uk_thread *r1 = udpif_add_thread(u, UK_THREAD_REVALIDATOR, "r1",
                                            NULL);
    struct uk_thread *urcu = u->threads[1];
    struct uk_flow *f = udpif_add_flow(u, "f1");
    udpif_upcall(u, h, f, 1);
    run_all(u);
    struct ukey *k = udpif_flow_ukey(u, f, 0);
    udpif_expire(u, f);
    udpif_round(u, NULL, UK_PHASE_DUMP);
    run_all(u);
    ok(k && k->state == UKEY_EVICTED && k->in_umap
       && !udpif_dp_flow(u, f, 0),
       "barrier: f1 idled out, its ukey EVICTED and still in its umap");

    /* r0 blocks at R1, r1 arrives last: the barrier opens, r1 goes on. */
    udpif_round(u, NULL, UK_PHASE_DUMP);
    ok(step_to_barrier(u, r0, 0) && !uk_thread_runnable(r0),
       "barrier: r0 blocked at R1");
    ok(step_to_barrier(u, r1, 0) && uk_thread_runnable(r0)
       && uk_thread_runnable(r1), "barrier: r1 arrives last, R1 opens");

    /* A miss upcall of f1 replaces k: its free is postponed. */
    udpif_upcall(u, h, f, 1);
    udpif_finish_op(u, h, 10000);
    ok(k->state == UKEY_DELETED && k->n_postponed == 1 && !h->busy,
       "barrier: the handler replaced k and went idle");
    ok(!free_ready(u, k),
       "barrier: r1, the last to arrive, did not quiesce: k waits for it");
    ok(udpif_step(u, urcu) == EAGAIN, "barrier: urcu has nothing to run");

    /* r1 leaves R1, dumps nothing and blocks at R3; r0 has not woken. */
    ok(step_to_barrier(u, r1, 1) && !uk_thread_runnable(r1),
       "barrier: r1 blocked at R3");
    ok(r0->next.kind == UK_ACT_BARRIER && r0->next.arg == 0,
       "barrier: r0 still waits at R1");
    ok(free_ready(u, k),
       "barrier: both revalidators wait quiescent: k's free is ready");
    ok(udpif_step(u, urcu) == 0 && k->n_freed == 1,
       "barrier: k freed while both revalidators wait");

    run_all(u);
    ok(!r0->busy && !r1->busy && u->n_rounds == 2,
       "barrier: the round ends");
    is_int(count_violations(&r, 0, -1), 0, "barrier: no violation");
    udpif_destroy(u);
    recorder_free(&r);
}

/* ==== Main thread ==== */

static void
test_purge(void)
{
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;
    struct uk_flow *f2 = udpif_add_flow(u, "f2");
    udpif_upcall(u, x.h, f2, 1);
    run_all(u);
    struct uk_thread *m = u->threads[0];

    /* A round in progress: the purge cannot pause the revalidators. */
    udpif_round(u, x.r, UK_PHASE_ALL);
    udpif_step(u, x.r);
    ok(u->n_in_round == 1, "purge: a round is in progress");
    udpif_purge(u);
    ok(step_until(u, m, UK_ACT_PAUSE, NULL), "purge: main about to pause");
    ok(!uk_thread_runnable(m), "purge: pause waits for the round to end");
    udpif_finish_op(u, x.r, 10000);
    ok(u->n_in_round == 0 && uk_thread_runnable(m),
       "purge: pause runnable once the round ended");
    udpif_step(u, m);
    ok(u->paused, "purge: revalidators paused");

    /* While paused, no round begins; handlers keep running. */
    udpif_round(u, x.r, UK_PHASE_ALL);
    ok(x.r->next.kind == UK_ACT_IDLE && !uk_thread_runnable(x.r),
       "purge: a queued round cannot begin");
    struct uk_flow *f3 = udpif_add_flow(u, "f3");
    udpif_upcall(u, x.h, f3, 1);
    ok(uk_thread_runnable(x.h), "purge: handler runnable during purge");
    udpif_finish_op(u, m, 10000);
    ok(!u->paused && uk_thread_runnable(x.r),
       "purge: round can begin after the purge");

    struct ukey *k2 = udpif_find_ukey(u, 2);
    ok(x.k->state == UKEY_DELETED && k2 && k2->state == UKEY_DELETED,
       "purge: every ukey deleted");
    ok(!udpif_dp_flow(u, x.f, 0) && !udpif_dp_flow(u, f2, 0),
       "purge: datapath flows deleted");
    const struct ukey_event *d = last_decision(&x.rec, x.k);
    ok(d && d->kind == UK_REVAL_DELETE && d->result == UK_FDR_PURGE,
       "purge: reason PURGE");
    run_all(u);
    ok(udpif_flow_ukey(u, f3, 0) != NULL, "purge: f3 installed meanwhile");
    is_int(count_violations(&x.rec, 0, -1), 0, "purge: no violation");
    fixture_destroy(&x);
}

/* A handler idle in poll_block() is quiescent all along: a free that
 * became ready while it waited stays ready when new work wakes it (OVS's
 * urcu thread may have seen it quiescent then), as after a barrier. */
static void
test_idle_wake_keeps_ready(void)
{
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;
    struct uk_thread *urcu = u->threads[1];
    struct uk_thread *h1 = udpif_add_thread(u, UK_THREAD_HANDLER, "h1",
                                            NULL);
    struct uk_flow *f2 = udpif_add_flow(u, "f2");

    udpif_expire(u, x.f);
    udpif_round(u, NULL, UK_PHASE_DUMP);
    run_all(u);
    ok(x.k->state == UKEY_EVICTED && x.k->in_umap && !x.h->busy,
       "wake: f1's ukey EVICTED, h0 idle");
    udpif_upcall(u, h1, x.f, 1);
    udpif_finish_op(u, h1, 10000);
    ok(x.k->state == UKEY_DELETED && x.k->n_postponed == 1 && !h1->busy,
       "wake: h1 replaced it, its free postponed, and went idle");
    ok(free_ready(u, x.k), "wake: every thread waits: the free is ready");
    udpif_upcall(u, x.h, f2, 1);
    udpif_step(u, x.h);
    ok(x.h->busy, "wake: a miss of f2 wakes h0");
    ok(free_ready(u, x.k), "wake: the free stays ready");
    ok(udpif_step(u, urcu) == 0 && x.k->n_freed == 1,
       "wake: freed while h0 handles f2");
    run_all(u);
    is_int(count_violations(&x.rec, 0, -1), 0, "wake: no violation");
    fixture_destroy(&x);
}

/* udpif_pause_revalidators() blocks at the pause barrier in poll_block(),
 * quiescent: a ukey that the round in progress deletes can be freed while
 * the main thread waits for the round to end. */
static void
test_pause_quiesces(void)
{
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;
    struct uk_thread *m = u->threads[0], *urcu = u->threads[1];

    udpif_expire(u, x.f);
    udpif_round(u, x.r, UK_PHASE_ALL);
    udpif_step(u, x.r);
    udpif_purge(u);
    ok(step_until(u, m, UK_ACT_PAUSE, NULL) && !uk_thread_runnable(m),
       "pause: main waits for the round");
    udpif_finish_op(u, x.r, 10000);
    ok(x.k->state == UKEY_DELETED && !x.r->busy,
       "pause: the round deleted idle f1's ukey and ended");
    ok(m->next.kind == UK_ACT_PAUSE && free_ready(u, x.k),
       "pause: main, still at the barrier, holds up no free");
    ok(udpif_step(u, urcu) == 0 && x.k->n_freed == 1,
       "pause: the ukey freed before main wakes");
    run_all(u);
    ok(!u->paused && !m->busy, "pause: the purge ends");
    is_int(count_violations(&x.rec, 0, -1), 0, "pause: no violation");
    fixture_destroy(&x);
}

static void
test_dp_purge(void)
{
    struct recorder r;
    struct udpif *u = model_new("upstream", UK_DP_NETDEV, &r);
    struct uk_thread *p1 = udpif_add_thread(u, UK_THREAD_PMD, "pmd1", NULL);
    struct uk_thread *p2 = udpif_add_thread(u, UK_THREAD_PMD, "pmd2", NULL);
    struct uk_thread *rv = udpif_add_thread(u, UK_THREAD_REVALIDATOR, "r0",
                                            NULL);
    struct uk_flow *f1 = udpif_add_flow(u, "f1");
    struct uk_flow *f2 = udpif_add_flow(u, "f2");
    udpif_upcall(u, p1, f1, 1);
    udpif_upcall(u, p1, f2, 1);
    udpif_upcall(u, p2, f1, 1);
    run_all(u);
    udpif_round(u, rv, UK_PHASE_ALL);
    run_all(u);
    struct ukey *a = udpif_flow_ukey(u, f1, 1), *b = udpif_flow_ukey(u, f2, 1);
    struct ukey *c = udpif_flow_ukey(u, f1, 2);
    ok(a && b && c && a->state == UKEY_OPERATIONAL,
       "dp_purge: three ukeys on two PMDs");

    ok(udpif_dp_purge(u, p1) == 0, "dp_purge: queued for pmd1");
    run_all(u);
    ok(a->state == UKEY_DELETED && b->state == UKEY_DELETED,
       "dp_purge: pmd1's ukeys deleted");
    ok(c->state == UKEY_OPERATIONAL && c->in_umap,
       "dp_purge: pmd2's ukey untouched");
    ok(!udpif_dp_flow(u, f1, 1) && !udpif_dp_flow(u, f2, 1)
       && udpif_dp_flow(u, f1, 2),
       "dp_purge: only pmd1's datapath flows deleted");
    ok(a->n_freed == 1 && b->n_freed == 1, "dp_purge: freed by RCU");
    is_int(count_events(&r, UK_EV_OP_BEGIN, UK_OP_DP_PURGE), 1,
           "dp_purge: one DP_PURGE operation");
    ok(udpif_dp_purge(u, rv) == EINVAL, "dp_purge: EINVAL for a non-PMD");

    /* A VISIBLE ukey (never dumped) is purged too (T10, no state check). */
    struct uk_flow *f3 = udpif_add_flow(u, "f3");
    udpif_upcall(u, p2, f3, 1);
    run_all(u);
    struct ukey *d = udpif_flow_ukey(u, f3, 2);
    ok(d && d->state == UKEY_VISIBLE, "dp_purge: VISIBLE ukey on pmd2");
    udpif_dp_purge(u, p2);
    run_all(u);
    ok(d && d->state == UKEY_DELETED && c->state == UKEY_DELETED,
       "dp_purge: pmd2's VISIBLE and OPERATIONAL ukeys deleted");
    is_int(count_violations(&r, 0, -1), 0, "dp_purge: no violation");
    udpif_destroy(u);
    recorder_free(&r);
}

static void
test_flush(void)
{
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;
    struct uk_flow *f2 = udpif_add_flow(u, "f2");
    udpif_upcall(u, x.h, f2, 1);
    run_all(u);

    ok(udpif_flush(u) == 0, "flush: queued");
    run_all(u);
    is_int(count_events(&x.rec, UK_EV_OP_END, UK_OP_FLUSH), 1,
           "flush: one FLUSH operation");
    is_int(dp_count(u), 0, "flush: no datapath flow left");
    size_t live = 0;
    for (struct ukey *k = u->all_ukeys; k; k = k->next_all) {
        live += k->in_umap;
    }
    is_int(live, 0, "flush: no ukey left in a umap");
    ok(all_ukeys_freed_once(u), "flush: every ukey freed once");
    ok(!u->paused, "flush: revalidators resumed");

    /* Traffic comes back through a new upcall. */
    udpif_traffic(u, x.f, 1);
    run_all(u);
    ok(udpif_dp_flow(u, x.f, 0) != NULL, "flush: flow reinstalled");
    is_int(count_violations(&x.rec, 0, -1), 0, "flush: no violation");
    fixture_destroy(&x);
}

/* A lifecycle fold of 'r''s events, finished: its leak verdicts. */
static uint64_t
offline_leaks(const struct recorder *r, uint64_t skip_free_of)
{
    struct lifecycle *lc = lifecycle_create(NULL, NULL);
    for (size_t i = 0; i < r->n; i++) {
        const struct ukey_event *e = &r->events[i];
        if (skip_free_of && e->ukey_id == skip_free_of
            && (e->type == UK_EV_RCU_FREE || e->type == UK_EV_UKEY_FREE)) {
            continue;
        }
        lifecycle_feed(lc, e, i);
    }
    lifecycle_finish(lc);
    struct lifecycle_summary sum;
    lifecycle_get_summary(lc, &sum);
    lifecycle_destroy(lc);
    return sum.complete ? sum.by_violation[UK_VIOL_LEAK] : UINT64_MAX;
}

static void
test_shutdown(void)
{
    struct fixture x;
    setup(&x, "upstream");
    struct udpif *u = x.udpif;
    /* Ukeys in several states: OPERATIONAL (f1), EVICTED (f2, put failed),
     * DELETED and waiting for RCU (f3, replaced). */
    struct uk_flow *f2 = udpif_add_flow(u, "f2");
    struct uk_flow *f3 = udpif_add_flow(u, "f3");
    udpif_dp_fail(u, f2, 0, UK_ACT_DP_PUT, false, ENOSPC);
    udpif_dp_fail(u, f3, 0, UK_ACT_DP_PUT, false, ENOSPC);
    udpif_upcall(u, x.h, f2, 1);
    udpif_upcall(u, x.h, f3, 1);
    run_all(u);
    udpif_upcall(u, x.h, f3, 1);
    udpif_round(u, x.r, UK_PHASE_ALL);

    ok(udpif_shutdown(u) == 0, "shutdown: queued");
    run_all(u);
    ok(u->shut_down, "shutdown: done");
    ok(all_ukeys_freed_once(u), "shutdown: every ukey freed exactly once");
    is_int(udpif_rcu_pending(u, NULL), 0, "shutdown: no RCU callback left");
    const struct ukey_event *end = last_event(&x.rec, UK_EV_END);
    ok(end && end->value == 0, "shutdown: end event, 0 live ukeys");
    ok(end && end == &x.rec.events[x.rec.n - 1], "shutdown: end is last");
    ok(count_events(&x.rec, UK_EV_UKEY_FREE, UK_FREE_DESTROY) >= 2,
       "shutdown: ukeys in umaps freed by udpif_destroy (T16)");
    is_int(count_violations(&x.rec, 0, -1), 0, "shutdown: no violation");
    is_int(offline_leaks(&x.rec, 0), 0,
           "shutdown: the finished fold finds no leak");
    is_int(offline_leaks(&x.rec, x.k->id), 1,
           "shutdown: (control) dropping one free makes a leak");

    /* Nothing begins after the shutdown. */
    udpif_upcall(u, x.h, x.f, 1);
    ok(!uk_thread_runnable(x.h), "shutdown: threads stay stopped");
    fixture_destroy(&x);
}

int
main(void)
{
    test_idle();
    test_modify();
    test_adopt_stale("upstream", true);
    test_adopt_stale("pre-57db02104", false);
    test_adopt_reval_seq_moved();
    test_new_stale("upstream", true);
    test_new_stale("pre-8f0e86f84", false);
    test_modify_failure();
    test_delete_failure();
    test_delete_failure_flow_exists();
    test_duplicate_dump();
    test_missed_dumps();
    test_missed_dumps_purge();
    test_barrier_quiesces();
    test_idle_wake_keeps_ready();
    test_purge();
    test_pause_quiesces();
    test_dp_purge();
    test_flush();
    test_shutdown();
    return done_testing();
}
