/* SPDX-License-Identifier: Apache-2.0 */
/* The 2016 try_ukey_replace() double delete, step by step as the reviewer
 * described it: the sweeper reads K EVICTED and unlocks it; a handler
 * replaces K and postpones its free; the sweeper then deletes K again.
 * Under v1-replace and landed-2016 that is a double delete naming both
 * threads; under upstream ukey_delete() finds K DELETED and does nothing. */
#include "tests/unit/model-helpers.h"
#include "tests/tap.h"

/* Installs f1, runs a round, and lets r0's next dump evict it, then stops
 * r0 in the sweep right after it unlocked K (state read as EVICTED). */
static void
race_setup(struct fixture *x, const char *variant)
{
    /* fixture_init() with the threads named as in the REPL's race scripts
     * (examples/race-setup.ukdb), which the diagnostics below quote. */
    x->udpif = model_new(variant, UK_DP_KERNEL, &x->rec);
    x->h = udpif_add_thread(x->udpif, UK_THREAD_HANDLER, "handler0", NULL);
    x->r = udpif_add_thread(x->udpif, UK_THREAD_REVALIDATOR, "revalidator0",
                            NULL);
    x->f = udpif_add_flow(x->udpif, "f1");
    fixture_install(x);
    /* A first round: a 2016 variant's new ukey has the current dump_seq
     * (before 8f0e86f84), so only the next round can evict f1. */
    round_all(x);
    udpif_expire(x->udpif, x->f);
    udpif_round(x->udpif, x->r, UK_PHASE_ALL);
    /* Through the dump phase to the sweep's unlock of K. */
    step_until(x->udpif, x->r, UK_ACT_READ_STATE, "revalidator_sweep__");
    udpif_step(x->udpif, x->r);        /* Reads EVICTED. */
    udpif_step(x->udpif, x->r);        /* Unlocks K. */
}

static void
test_variant(const char *variant, bool racy)
{
    struct fixture x;
    race_setup(&x, variant);
    is_int(count_events(&x.rec, UK_EV_COVERAGE, UK_COV_dumped_new_flow),
           racy ? 1 : 0, "%s: the first round %s the new flow", variant,
           racy ? "skipped" : "revalidated");
    ok(x.k && x.k->state == UKEY_EVICTED, "%s: K evicted by the dump",
       variant);
    is_int(x.r->next.kind, UK_ACT_LOCK, "%s: sweeper about to lock the umap",
           variant);

    /* The flow's traffic comes back: a miss on the handler. */
    udpif_traffic(x.udpif, x.f, 1);
    ok(step_until(x.udpif, x.h, UK_ACT_UNLOCK, "ukey_install__"),
       "%s: handler replaced K and is about to unlock the umap", variant);
    is_int(x.k->state, UKEY_DELETED, "%s: K deleted by try_ukey_replace",
           variant);
    ok(!uk_thread_runnable(x.r), "%s: sweeper blocked on the umap mutex",
       variant);
    udpif_step(x.udpif, x.h);
    ok(uk_thread_runnable(x.r), "%s: sweeper runnable again", variant);

    /* The sweeper deletes K again (or, upstream, finds it DELETED). */
    udpif_finish_op(x.udpif, x.r, 1000);
    run_all(x.udpif);

    size_t postpones = count_ukey_events(&x.rec, UK_EV_RCU_POSTPONE,
                                         x.k->id);
    const struct ukey_event *v = NULL;
    for (size_t i = 0; i < x.rec.n; i++) {
        const struct ukey_event *e = &x.rec.events[i];
        if (e->type == UK_EV_VIOLATION) {
            char buf[256];
            uk_event_format(e, buf, sizeof buf);
            diag("%s: thread %u/%u: %s", variant, e->thread_id, e->thread2,
                 buf);
            v = v ? v : e;
        }
    }
    if (racy) {
        is_int(postpones, 2, "%s: K postponed twice", variant);
        ok(v && v->kind == UK_VIOL_DOUBLE_DELETE, "%s: double delete flagged",
           variant);
        ok(v && v->ukey_id == x.k->id, "%s: violation names K", variant);
        ok(v && ((v->thread_id == x.r->id && v->thread2 == x.h->id)
                 || (v->thread_id == x.h->id && v->thread2 == x.r->id)),
           "%s: violation names the handler and the revalidator", variant);
    } else {
        is_int(postpones, 1, "%s: K postponed once", variant);
        ok(!v, "%s: no violation", variant);
        struct ukey *k2 = udpif_flow_ukey(x.udpif, x.f, 0);
        ok(k2 && k2 != x.k && k2->state == UKEY_OPERATIONAL,
           "%s: the new ukey reached OPERATIONAL", variant);
    }
    fixture_destroy(&x);
}

int
main(void)
{
    test_variant("v1-replace", true);
    test_variant("landed-2016", true);
    test_variant("upstream", false);
    return done_testing();
}
