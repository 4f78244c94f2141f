/* SPDX-License-Identifier: Apache-2.0 */
/* transition_ukey_at(), OVS's rule (shared/ovs-ukey-lifecycle.md §1.2):
 * every (from, to) pair of states, driven directly from a test coroutine,
 * against the rule as the specification states it; the bookkeeping of
 * 'state_thread' and 'state_where'; and the checker's verdicts (an invalid
 * forward transition is an invalid-transition WARNING, a backward one a
 * backward-transition ERROR).  Then the same through scenarios: the real
 * code paths' transitions, and landed-2016's backward transition of an
 * EVICTING ukey that a later dump finds (B-13, fixed by 6997d54e1). */
#include "tests/unit/model-helpers.h"
#include "tests/tap.h"

#include "core/coro.h"
#include "core/udpif-private.h"

/* ==== Driving transition_ukey_at() from a coroutine ==== */

/* transition_ukey_at() is a scheduling point: it must run inside a
 * coroutine.  The driver coroutine takes one request at a time. */
struct driver {
    struct coro *coro;
    struct uk_thread *t;        /* Acting thread (a private copy). */
    struct ukey *ukey;
    enum ukey_state dst;
    const char *where;
    enum uk_transition_result result;
    bool parked;                /* At the scheduling point. */
};

static struct driver drv;

static void
driver_body(void *aux)
{
    struct driver *d = aux;
    for (;;) {
        d->parked = true;
        d->result = transition_ukey_at(d->t, d->ukey, d->dst, "test",
                                       d->where);
        d->parked = false;
        coro_yield();
    }
}

/* Calls transition_ukey_at('t', 'ukey', 'dst') and returns its result. */
static enum uk_transition_result
transition(struct uk_thread *t, struct ukey *ukey, enum ukey_state dst,
           const char *where)
{
    drv.t = t;
    drv.ukey = ukey;
    drv.dst = dst;
    drv.where = where;
    coro_resume(drv.coro);      /* To the scheduling point. */
    uk_assert(drv.parked && t->next.kind == UK_ACT_TRANSITION);
    coro_resume(drv.coro);      /* The transition itself. */
    return drv.result;
}

/* The rule as the specification writes it. */
static enum uk_transition_result
spec_rule(enum ukey_state src, enum ukey_state dst)
{
    if (dst < src) {
        return UK_TR_ABORT;
    }
    if (src == dst && dst == UKEY_OPERATIONAL) {
        return UK_TR_NOOP;
    }
    if (src + 1 == dst || (src == UKEY_VISIBLE && dst < UKEY_DELETED)
        || (src == UKEY_OPERATIONAL && dst == UKEY_EVICTING)) {
        return UK_TR_OK;
    }
    return UK_TR_WARN;
}

static void
test_all_pairs(void)
{
    struct recorder r;
    struct udpif *udpif = model_new("upstream", UK_DP_KERNEL, &r);
    struct uk_thread *h = udpif_add_thread(udpif, UK_THREAD_HANDLER,
                                           "handler0", NULL);
    struct uk_flow *flow = udpif_add_flow(udpif, "f1");

    /* Private copies: the real threads stay parked where they are. */
    struct uk_thread walker = *udpif->threads[0];
    struct uk_thread actor = *h;
    drv.coro = coro_create(driver_body, &drv, 0);

    int n_mismatch = 0, n_bad_state = 0, n_bad_where = 0, n_bad_event = 0;
    int n_bad_checker = 0, n_ok = 0;
    for (int src = 0; src < N_UKEY_STATES; src++) {
        for (int dst = 0; dst < N_UKEY_STATES; dst++) {
            struct ukey *k = ukey_create(&walker, flow, 0, UK_CREATE_UPCALL);
            for (int s = UKEY_VISIBLE; s <= src; s++) {
                uk_assert(transition(&walker, k, s, "walk") == UK_TR_OK);
            }
            uk_assert(k->state == (enum ukey_state) src);

            static char wheres[N_UKEY_STATES][N_UKEY_STATES][32];
            char *where = wheres[src][dst];
            snprintf(where, sizeof wheres[0][0], "test:%d->%d", src, dst);
            size_t mark = r.n;
            enum uk_transition_result want = spec_rule(src, dst);
            enum uk_transition_result got = transition(&actor, k, dst,
                                                       where);
            const char *sname = ukey_state_name(src);
            const char *dname = ukey_state_name(dst);
            if (got != want) {
                diag("%s->%s: got %s, the rule says %s", sname, dname,
                     uk_transition_result_name(got),
                     uk_transition_result_name(want));
                n_mismatch++;
            }
            enum ukey_state after = want == UK_TR_OK ? dst : src;
            if (k->state != after) {
                diag("%s->%s: state %s after", sname, dname,
                     ukey_state_name(k->state));
                n_bad_state++;
            }
            /* Rule 5: recorded in the OK and WARN cases only. */
            bool recorded = want == UK_TR_OK || want == UK_TR_WARN;
            bool has_actor = k->state_thread == actor.id
                             && k->state_where == where;
            bool has_walker = k->state_thread == walker.id
                              && (src == UKEY_CREATED
                                  || !strcmp(k->state_where, "walk"));
            if (recorded ? !has_actor : !has_walker) {
                diag("%s->%s: state_thread %u state_where %s", sname,
                     dname, k->state_thread, k->state_where);
                n_bad_where++;
            }
            const struct ukey_event *e = mark < r.n ? &r.events[mark] : NULL;
            if (!e || e->type != UK_EV_TRANSITION || e->ukey_id != k->id
                || e->from != src || e->to != dst
                || e->result != (int32_t) want || e->where != where
                || e->thread_id != actor.id) {
                diag("%s->%s: bad transition event", sname, dname);
                n_bad_event++;
            }
            /* The checker: backward ERROR, invalid WARNING, else none.
             * DELETED->DELETED is its more specific double delete. */
            size_t n_v = count_violations(&r, mark, -1);
            const struct ukey_event *v = last_event(&r, UK_EV_VIOLATION);
            bool checker_ok;
            if (want == UK_TR_ABORT) {
                checker_ok = n_v == 1
                             && v->kind == UK_VIOL_BACKWARD_TRANSITION
                             && v->result == UK_SEV_ERROR;
            } else if (src == UKEY_DELETED && dst == UKEY_DELETED) {
                checker_ok = n_v == 1 && v->kind == UK_VIOL_DOUBLE_DELETE
                             && v->result == UK_SEV_ERROR;
            } else if (want == UK_TR_WARN) {
                checker_ok = n_v == 1
                             && v->kind == UK_VIOL_INVALID_TRANSITION
                             && v->result == UK_SEV_WARNING;
            } else {
                checker_ok = n_v == 0;
            }
            if (checker_ok && n_v) {
                checker_ok = v->ukey_id == k->id && v->value == e->seq;
            }
            if (!checker_ok) {
                diag("%s->%s: checker reported %zu violations", sname,
                     dname, n_v);
                n_bad_checker++;
            }
            n_ok += want == UK_TR_OK;
        }
    }
    is_int(n_mismatch, 0, "all 49 pairs: result follows the rule of §1.2");
    is_int(n_bad_state, 0, "state changes exactly on OK");
    is_int(n_bad_where, 0,
           "state_thread/state_where updated on OK and WARN only");
    is_int(n_bad_event, 0, "one transition event with from, to, result");
    is_int(n_bad_checker, 0,
           "checker: backward ERROR, invalid WARNING, allowed silent");
    /* 6 x (dst == src+1), VISIBLE -> VISIBLE, INCONSISTENT, EVICTING,
     * EVICTED, OPERATIONAL -> EVICTING. */
    is_int(n_ok, 11, "11 allowed pairs");

    coro_destroy(drv.coro);
    udpif_destroy(udpif);
    recorder_free(&r);
}

/* Named cases, one assertion each, for the record. */
static void
test_named_cases(void)
{
    struct recorder r;
    struct udpif *udpif = model_new("upstream", UK_DP_KERNEL, &r);
    struct uk_flow *flow = udpif_add_flow(udpif, "f1");
    struct uk_thread walker = *udpif->threads[0];
    struct uk_thread actor = *udpif->threads[1];
    drv.coro = coro_create(driver_body, &drv, 0);

    static const struct {
        enum ukey_state src, dst;
        enum uk_transition_result result;
        const char *why;
    } cases[] = {
        { UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK, "T2 insert" },
        { UKEY_VISIBLE, UKEY_OPERATIONAL, UK_TR_OK, "T4 handler put ok" },
        { UKEY_VISIBLE, UKEY_INCONSISTENT, UK_TR_OK,
          "VISIBLE -> INCONSISTENT (allowed, no code path)" },
        { UKEY_VISIBLE, UKEY_EVICTING, UK_TR_OK, "T9 purge of VISIBLE" },
        { UKEY_VISIBLE, UKEY_EVICTED, UK_TR_OK, "T5 put failed" },
        { UKEY_OPERATIONAL, UKEY_OPERATIONAL, UK_TR_NOOP,
          "T6 OPERATIONAL no-op" },
        { UKEY_OPERATIONAL, UKEY_INCONSISTENT, UK_TR_OK, "T11 modify fail" },
        { UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK, "T7 delete" },
        { UKEY_INCONSISTENT, UKEY_EVICTING, UK_TR_OK, "T8" },
        { UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK, "T12" },
        { UKEY_EVICTED, UKEY_DELETED, UK_TR_OK, "T13" },
        { UKEY_CREATED, UKEY_OPERATIONAL, UK_TR_WARN, "skips VISIBLE" },
        { UKEY_OPERATIONAL, UKEY_EVICTED, UK_TR_WARN, "skips EVICTING" },
        { UKEY_EVICTING, UKEY_DELETED, UK_TR_WARN, "skips EVICTED" },
        { UKEY_EVICTED, UKEY_EVICTED, UK_TR_WARN, "same state" },
        { UKEY_VISIBLE, UKEY_DELETED, UK_TR_WARN, "VISIBLE -> DELETED" },
        { UKEY_EVICTED, UKEY_OPERATIONAL, UK_TR_ABORT, "backward" },
        { UKEY_OPERATIONAL, UKEY_VISIBLE, UK_TR_ABORT, "backward by one" },
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        struct ukey *k = ukey_create(&walker, flow, 0, UK_CREATE_UPCALL);
        for (int s = UKEY_VISIBLE; s <= (int) cases[i].src; s++) {
            transition(&walker, k, s, "walk");
        }
        enum uk_transition_result got = transition(&actor, k, cases[i].dst,
                                                   "case");
        ok(got == cases[i].result && k->state == (got == UK_TR_OK
                                                  ? cases[i].dst
                                                  : cases[i].src),
           "%s -> %s: %s (%s)", ukey_state_name(cases[i].src),
           ukey_state_name(cases[i].dst),
           uk_transition_result_name(cases[i].result), cases[i].why);
    }
    coro_destroy(drv.coro);
    udpif_destroy(udpif);
    recorder_free(&r);
}

/* ==== Through the thread programs ==== */

/* A kernel-path lifecycle: every transition the code makes is allowed, and
 * the checker stays silent. */
static void
test_scenario_allowed(void)
{
    struct fixture x;
    fixture_init(&x, "upstream", UK_DP_KERNEL);
    fixture_install(&x);
    round_all(&x);                              /* OPERATIONAL no-op. */
    udpif_expire(x.udpif, x.f);
    round_all(&x);                              /* Evict, delete. */

    const struct recorder *r = &x.rec;
    char sig[1024];
    size_t n = 0, n_bad = 0;
    for (size_t i = 0; i < r->n; i++) {
        if (r->events[i].type == UK_EV_TRANSITION) {
            n++;
            n_bad += r->events[i].result != UK_TR_OK
                     && r->events[i].result != UK_TR_NOOP;
        }
    }
    is_int(n_bad, 0, "scenario: no rejected transition");
    size_t len = 0;
    sig[0] = '\0';
    for (size_t i = 0; i < r->n; i++) {
        if (r->events[i].type == UK_EV_TRANSITION) {
            char tok[64];
            event_token(&r->events[i], tok, sizeof tok);
            len += (size_t) snprintf(sig + len, sizeof sig - len, "%s%s",
                                     len ? " " : "", tok);
        }
    }
    is_str(sig, "K1:CREATED>VISIBLE K1:VISIBLE>OPERATIONAL "
           "K1:OPERATIONAL>OPERATIONAL(noop) K1:OPERATIONAL>OPERATIONAL(noop) "
           "K1:OPERATIONAL>EVICTING K1:EVICTING>EVICTED K1:EVICTED>DELETED",
           "scenario: the transitions of one lifecycle, in order");
    is_int(count_violations(r, 0, -1), 0, "scenario: checker silent");
    fixture_destroy(&x);
}

/* landed-2016: a failed flow_del leaves K EVICTING (before a1d6cce78) and
 * its datapath flow alive; the next dump finds it and, without 6997d54e1's
 * skip, moves it back to OPERATIONAL: OVS's assert (B-13). */
static void
test_scenario_backward(void)
{
    struct fixture x;
    fixture_init(&x, "landed-2016", UK_DP_KERNEL);
    struct udpif *udpif = x.udpif;
    const struct recorder *r = &x.rec;
    struct ukey *k = fixture_install(&x);
    round_all(&x);      /* Skips the new flow: its dump_seq is current. */
    udpif_expire(udpif, x.f);
    udpif_dp_fail(udpif, x.f, 0, UK_ACT_DP_DEL, false, EIO);
    round_all(&x);
    is_int(k->state, UKEY_EVICTING, "landed-2016: failed del leaves EVICTING");
    ok(udpif_dp_flow(udpif, x.f, 0) != NULL, "landed-2016: dp flow survived");

    const char *where_before = k->state_where;
    uint32_t thread_before = k->state_thread;
    size_t mark = r->n;
    round_all(&x);
    const struct ukey_event *tr = NULL;
    for (size_t i = mark; i < r->n; i++) {
        if (r->events[i].type == UK_EV_TRANSITION
            && r->events[i].ukey_id == k->id) {
            tr = &r->events[i];
            break;
        }
    }
    ok(tr && tr->from == UKEY_EVICTING && tr->to == UKEY_OPERATIONAL
       && tr->result == UK_TR_ABORT,
       "landed-2016: dump moves EVICTING -> OPERATIONAL: ABORT");
    is_int(k->state, UKEY_EVICTING, "landed-2016: state unchanged");
    ok(k->state_where == where_before && k->state_thread == thread_before,
       "landed-2016: state_where/thread not updated by the abort");
    const struct ukey_event *v = last_event(r, UK_EV_VIOLATION);
    ok(count_violations(r, mark, UK_VIOL_BACKWARD_TRANSITION) >= 1
       && v && v->result == UK_SEV_ERROR && v->ukey_id == k->id,
       "landed-2016: checker reports a backward-transition ERROR");

    /* Upstream skips it (6997d54e1) and evicts it anyway (a1d6cce78). */
    struct fixture y;
    fixture_init(&y, "upstream", UK_DP_KERNEL);
    fixture_install(&y);
    udpif_expire(y.udpif, y.f);
    udpif_dp_fail(y.udpif, y.f, 0, UK_ACT_DP_DEL, false, EIO);
    udpif_round(y.udpif, y.r, UK_PHASE_ALL);
    round_all(&y);
    is_int(count_violations(&y.rec, 0, UK_VIOL_BACKWARD_TRANSITION), 0,
           "upstream: no backward transition");
    fixture_destroy(&y);
    fixture_destroy(&x);
}

int
main(void)
{
    test_all_pairs();
    test_named_cases();
    test_scenario_allowed();
    test_scenario_backward();
    return done_testing();
}
