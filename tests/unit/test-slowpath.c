/* SPDX-License-Identifier: Apache-2.0 */
/* The slowpath window the 2016 patch set out to close: traffic to a flow
 * that the dump phase deleted.  Before try_ukey_replace() ('pre-replace')
 * the old ukey blocks every new install until the sweep deletes it, so the
 * traffic stays slowpathed for the rest of the round; with it ('upstream',
 * 'landed-2016', 'v1-replace') the next upcall replaces the EVICTED ukey
 * and the traffic is back on the fastpath at once. */
#include "tests/unit/model-helpers.h"
#include "tests/tap.h"

/* f1 installed by its first packet, a round, 5 packets on the fastpath,
 * then idle: r0 is stopped after the next dump phase deleted its datapath
 * flow. */
static void
setup(struct fixture *x, const char *variant)
{
    fixture_init(x, variant, UK_DP_KERNEL);
    struct udpif *u = x->udpif;
    udpif_traffic(u, x->f, 1);
    run_all(u);
    /* A first round: a 2016 variant's new ukey has the current dump_seq
     * (before 8f0e86f84), so only the next dump can delete the flow. */
    round_all(x);
    udpif_traffic(u, x->f, 5);
    udpif_expire(u, x->f);
    udpif_round(u, x->r, UK_PHASE_ALL);
    step_to_barrier(u, x->r, 1);
}

/* Sends 'n' packets of f1 and lets the handler take the miss, if any. */
static void
send(struct fixture *x, uint64_t n)
{
    udpif_traffic(x->udpif, x->f, n);
    udpif_finish_op(x->udpif, x->h, 10000);
}

static void
test_pre_replace(void)
{
    struct fixture x;
    setup(&x, "pre-replace");
    struct udpif *u = x.udpif;
    struct ukey *old = udpif_flow_ukey(u, x.f, 0);
    ok(old && old->state == UKEY_EVICTED && !udpif_dp_flow(u, x.f, 0),
       "pre-replace: dump deleted the flow, ukey EVICTED");
    uint64_t instances = u->dp_instances;

    send(&x, 3);
    is_int(u->stats.slowpath_packets, 1 + 3, "pre-replace: 3 slowpathed");
    is_int(u->stats.coverage[UK_COV_handler_duplicate_upcall], 1,
           "pre-replace: the upcall is a handler_duplicate_upcall");
    ok(!udpif_dp_flow(u, x.f, 0) && u->dp_instances == instances,
       "pre-replace: no new datapath flow");
    ok(udpif_flow_ukey(u, x.f, 0) == old, "pre-replace: old ukey stays");
    send(&x, 2);
    is_int(u->stats.slowpath_packets, 1 + 3 + 2,
           "pre-replace: still slowpathed");
    is_int(u->stats.coverage[UK_COV_handler_duplicate_upcall], 2,
           "pre-replace: and again a duplicate");
    is_int(u->stats.fastpath_packets, 5, "pre-replace: fastpath unchanged");

    ok(step_to_barrier(u, x.r, 2) && old->state == UKEY_DELETED,
       "pre-replace: the sweep deleted the old ukey");
    ok(!udpif_dp_flow(u, x.f, 0) && u->dp_instances == instances,
       "pre-replace: no datapath flow until the next upcall");
    send(&x, 1);
    struct ukey *k = udpif_flow_ukey(u, x.f, 0);
    ok(k && k != old && k->state == UKEY_OPERATIONAL
       && udpif_dp_flow(u, x.f, 0),
       "pre-replace: the upcall after the sweep installs the flow");
    send(&x, 4);
    is_int(u->stats.slowpath_packets, 1 + 3 + 2 + 1,
           "pre-replace: 7 packets slowpathed in all");
    is_int(u->stats.fastpath_packets, 5 + 4,
           "pre-replace: back on the fastpath after the sweep");
    run_all(u);
    is_int(u->stats.coverage[UK_COV_upcall_ukey_replace], 0,
           "pre-replace: no replacement");
    fixture_destroy(&x);
}

static void
test_replace(const char *variant)
{
    struct fixture x;
    setup(&x, variant);
    struct udpif *u = x.udpif;
    struct ukey *old = udpif_flow_ukey(u, x.f, 0);
    ok(old && old->state == UKEY_EVICTED && !udpif_dp_flow(u, x.f, 0),
       "%s: dump deleted the flow, ukey EVICTED", variant);

    send(&x, 3);
    is_int(u->stats.slowpath_packets, 1 + 3, "%s: 3 slowpathed", variant);
    is_int(u->stats.coverage[UK_COV_upcall_ukey_replace], 1,
           "%s: the upcall replaced the ukey", variant);
    struct ukey *k = udpif_flow_ukey(u, x.f, 0);
    ok(k && k != old && k->state == UKEY_OPERATIONAL
       && udpif_dp_flow(u, x.f, 0),
       "%s: flow back in the datapath before the sweep", variant);
    is_int(x.r->next.kind, UK_ACT_BARRIER,
           "%s: the revalidator has not swept yet", variant);
    send(&x, 2);
    is_int(u->stats.slowpath_packets, 1 + 3, "%s: no more slowpath",
           variant);
    is_int(u->stats.fastpath_packets, 5 + 2, "%s: fastpath at once",
           variant);
    fixture_destroy(&x);
}

int
main(void)
{
    test_pre_replace();
    test_replace("upstream");
    test_replace("landed-2016");
    test_replace("v1-replace");
    return done_testing();
}
