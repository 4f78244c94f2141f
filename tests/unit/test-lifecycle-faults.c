/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the lifecycle fold under datapath faults
 * (core/lifecycle-rules.c, lifecycle-flow.c): the explanation of what a
 * handler does too late in the window of handle_upcalls() (its put failed,
 * or came after a revalidator moved its ukey on), and the slowpath run
 * that a put the datapath refused starts again.  Hand-written event
 * sequences, each with near misses. */
#include "core/lifecycle.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "tests/tap.h"
#include "tests/unit/lifecycle-helpers.h"

/* ==== The window of handle_upcalls() ==== */

static const char race_put_failed[]
    = ": handler0's datapath put of it failed (seq %llu, %s) and "
      "revalidator0 had moved it on from VISIBLE (to OPERATIONAL, seq "
      "%llu), but handle_upcalls() moves a ukey whose put failed to EVICTED "
      "without re-checking its state (an OVS race)";

/* The handler installs ukey 'id' of flow 0xf1: VISIBLE, in its umap. */
static void
race_install(struct rec *r, uint64_t id)
{
    F(r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = id,
      .ufid = 0xf1, .umap = 0);
    F(r, .type = UK_EV_UMAP_INSERT, .thread_id = T_HANDLER, .ukey_id = id,
      .ufid = 0xf1, .umap = 0);
    tr(r, T_HANDLER, id, 0xf1, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
}

/* The handler's put of 'id', failing with 'error' (0: it succeeds).
 * Returns its seq. */
static uint64_t
race_put(struct rec *r, uint64_t id, int error)
{
    F(r, .type = UK_EV_DP_PUT, .thread_id = T_HANDLER, .ukey_id = id,
      .ufid = 0xf1, .kind = UK_PUT_CREATE, .result = error);
    return r->seq;
}

/* A dump by 'thread' adopts the VISIBLE 'id' (T6): returns the seq of
 * that move. */
static uint64_t
race_adopt(struct rec *r, uint32_t thread, uint64_t id)
{
    tr(r, thread, id, 0xf1, UKEY_VISIBLE, UKEY_OPERATIONAL, UK_TR_OK);
    return r->seq;
}

/* The sweep deletes the EVICTED 'id' (ukey_delete()), not yet freed. */
static void
race_sweep(struct rec *r, uint64_t id)
{
    F(r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = id,
      .ufid = 0xf1, .umap = 0);
    F(r, .type = UK_EV_RCU_POSTPONE, .thread_id = T_REVAL, .ukey_id = id,
      .ufid = 0xf1);
    tr(r, T_REVAL, id, 0xf1, UKEY_EVICTED, UKEY_DELETED, UK_TR_OK);
}

/* The name of the latest violation of 'kind', or "". */
static const char *
last_name(const struct rec *r, enum uk_violation_kind kind)
{
    for (int i = (r->n_v < MAX_RECORDED ? r->n_v : MAX_RECORDED); i-- > 0;) {
        if (r->v[i].event.kind == (int) kind) {
            return r->v[i].event.name ? r->v[i].event.name : "";
        }
    }
    return "";
}

/* EEXIST, then the dump adopts and evicts the ukey: the handler's T5 is
 * EVICTED->EVICTED.  Also with the adoption before the failed put (the
 * dump may find the ukey while the put is in flight), with the T5 while
 * the dump deletes the flow, and near misses. */
static void
test_race_evicted(void)
{
    struct rec r;
    char expect[512], cause[320];

    rec_init(&r, NULL);
    threads(&r);
    race_install(&r, 1);
    uint64_t put = race_put(&r, 1, EEXIST);
    uint64_t moved = race_adopt(&r, T_REVAL, 1);
    evict(&r, 1, 0xf1, 0);
    uint64_t evicted = r.seq;
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_EVICTED, UKEY_EVICTED, UK_TR_WARN);
    snprintf(cause, sizeof cause, race_put_failed,
             (unsigned long long) put, "EEXIST", (unsigned long long) moved);
    snprintf(expect, sizeof expect, "invalid transition EVICTED->EVICTED "
             "of ukey 1 by handler0 at core/test.c:1 (seq %llu), state "
             "stays EVICTED%s", (unsigned long long) r.seq, cause);
    is_int(n_kind(&r, UK_VIOL_INVALID_TRANSITION), 1,
           "evicted: invalid-transition");
    is_str(last_name(&r, UK_VIOL_INVALID_TRANSITION), expect,
           "evicted: the failed put and the adoption named");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_INVALID_TRANSITION);
    ok(v && v->event.result == UK_SEV_WARNING && v->event.value2 == evicted,
       "evicted: still a WARNING, earlier evidence the eviction");
    lifecycle_destroy(r.lc);

    /* The dump adopts the ukey before the put fails. */
    rec_init(&r, NULL);
    threads(&r);
    race_install(&r, 1);
    moved = race_adopt(&r, T_REVAL, 1);
    put = race_put(&r, 1, EIO);
    evict(&r, 1, 0xf1, 0);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_EVICTED, UKEY_EVICTED, UK_TR_WARN);
    snprintf(cause, sizeof cause, race_put_failed,
             (unsigned long long) put, "EIO", (unsigned long long) moved);
    ok(strstr(last_name(&r, UK_VIOL_INVALID_TRANSITION), cause),
       "evicted: adopted before the put failed, named too: '%s'",
       last_name(&r, UK_VIOL_INVALID_TRANSITION));
    lifecycle_destroy(r.lc);

    /* The handler's T5 comes while the dump deletes the flow (EVICTING):
     * legal, but then the dump's own move to EVICTED is EVICTED->EVICTED,
     * explained by the T5 before it. */
    rec_init(&r, NULL);
    threads(&r);
    race_install(&r, 1);
    put = race_put(&r, 1, EEXIST);
    moved = race_adopt(&r, T_REVAL, 1);
    tr(&r, T_REVAL, 1, 0xf1, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .kind = UK_DEL_REVALIDATOR);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
    uint64_t t5 = r.seq;
    is_int(r.n_v, 0, "evicting: the handler's T5 is legal");
    tr(&r, T_REVAL, 1, 0xf1, UKEY_EVICTED, UKEY_EVICTED, UK_TR_WARN);
    snprintf(expect, sizeof expect, "invalid transition EVICTED->EVICTED "
             "of ukey 1 by revalidator0 at core/test.c:1 (seq %llu), state "
             "stays EVICTED: handler0's datapath put of it failed (seq %llu, "
             "EEXIST) and revalidator0 had moved it on from VISIBLE (to "
             "OPERATIONAL, seq %llu), but handle_upcalls() moved it to "
             "EVICTED (seq %llu) without re-checking its state (an OVS "
             "race)", (unsigned long long) r.seq, (unsigned long long) put,
             (unsigned long long) moved, (unsigned long long) t5);
    is_str(last_name(&r, UK_VIOL_INVALID_TRANSITION), expect,
           "evicting: the dump's EVICTED->EVICTED explained by the T5");
    lifecycle_destroy(r.lc);

    /* Near miss: the put failed, but no other thread moved the ukey out
     * of VISIBLE (its own T5 did): no race to explain. */
    rec_init(&r, NULL);
    threads(&r);
    race_install(&r, 1);
    race_put(&r, 1, EEXIST);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_VISIBLE, UKEY_EVICTED, UK_TR_OK);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_EVICTED, UKEY_EVICTED, UK_TR_WARN);
    snprintf(expect, sizeof expect, "invalid transition EVICTED->EVICTED "
             "of ukey 1 by handler0 at core/test.c:1 (seq %llu), state "
             "stays EVICTED", (unsigned long long) r.seq);
    is_str(last_name(&r, UK_VIOL_INVALID_TRANSITION), expect,
           "evicted: nobody else moved it: bare");
    lifecycle_destroy(r.lc);

    /* Near miss: the failed put is the handler's, the transition another
     * revalidator's. */
    rec_init(&r, NULL);
    threads(&r);
    race_install(&r, 1);
    race_put(&r, 1, EEXIST);
    race_adopt(&r, T_REVAL, 1);
    evict(&r, 1, 0xf1, 0);
    tr(&r, T_REVAL2, 1, 0xf1, UKEY_EVICTED, UKEY_EVICTED, UK_TR_WARN);
    ok(!strstr(last_name(&r, UK_VIOL_INVALID_TRANSITION), "OVS race"),
       "evicted: by a thread whose put did not fail: bare");
    lifecycle_destroy(r.lc);
}

/* The round's sweep deleted the ukey too: DELETED->EVICTED, an ERROR (OVS
 * aborts). */
static void
test_race_deleted(void)
{
    struct rec r;
    char expect[512], cause[320];

    rec_init(&r, NULL);
    threads(&r);
    race_install(&r, 1);
    uint64_t put = race_put(&r, 1, EEXIST);
    uint64_t moved = race_adopt(&r, T_REVAL, 1);
    evict(&r, 1, 0xf1, 0);
    race_sweep(&r, 1);
    uint64_t deleted = r.seq;
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_DELETED, UKEY_EVICTED, UK_TR_ABORT);
    snprintf(cause, sizeof cause, race_put_failed,
             (unsigned long long) put, "EEXIST", (unsigned long long) moved);
    snprintf(expect, sizeof expect, "backward transition DELETED->EVICTED "
             "of ukey 1 by handler0 at core/test.c:1 (seq %llu)%s",
             (unsigned long long) r.seq, cause);
    is_int(r.n_v, 1, "deleted: one violation");
    is_str(last_name(&r, UK_VIOL_BACKWARD_TRANSITION), expect,
           "deleted: the failed put and the adoption named");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_BACKWARD_TRANSITION);
    ok(v && v->event.result == UK_SEV_ERROR && v->event.value2 == deleted,
       "deleted: still an ERROR, earlier evidence the deletion");
    F(&r, .type = UK_EV_RCU_FREE, .thread_id = T_URCU, .ukey_id = 1,
      .ufid = 0xf1);
    ok(strstr(explanation_of(&r, 1), "(an OVS race)"),
       "deleted: the verdict's explanation says it: '%s'",
       explanation_of(&r, 1));
    lifecycle_destroy(r.lc);

    /* Near miss: a backward transition to EVICTED whose put succeeded. */
    rec_init(&r, NULL);
    threads(&r);
    race_install(&r, 1);
    race_put(&r, 1, 0);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_VISIBLE, UKEY_OPERATIONAL, UK_TR_OK);
    evict(&r, 1, 0xf1, 0);
    race_sweep(&r, 1);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_DELETED, UKEY_EVICTED, UK_TR_ABORT);
    snprintf(expect, sizeof expect, "backward transition DELETED->EVICTED "
             "of ukey 1 by handler0 at core/test.c:1 (seq %llu)",
             (unsigned long long) r.seq);
    is_str(last_name(&r, UK_VIOL_BACKWARD_TRANSITION), expect,
           "deleted: no failed put: bare");
    lifecycle_destroy(r.lc);
}

/* The whole round came before the put: a put of a deleted ukey. */
static void
test_race_put_after_delete(void)
{
    struct rec r;
    char expect[512];

    rec_init(&r, NULL);
    threads(&r);
    race_install(&r, 1);
    uint64_t moved = race_adopt(&r, T_REVAL, 1);
    evict(&r, 1, 0xf1, 0);
    race_sweep(&r, 1);
    uint64_t removed = r.seq - 2;
    race_put(&r, 1, 0);
    snprintf(expect, sizeof expect, "use after delete: dp_put of ukey 1 by "
             "handler0 (seq %llu) after its umap_remove by revalidator0 "
             "(seq %llu): revalidator0 had moved it on from VISIBLE (to "
             "OPERATIONAL, seq %llu) before handler0's put, but "
             "handle_upcalls() puts a new ukey's flow without re-checking "
             "its state (an OVS race)", (unsigned long long) r.seq,
             (unsigned long long) removed, (unsigned long long) moved);
    is_str(last_name(&r, UK_VIOL_USE_AFTER_DELETE), expect,
           "put after delete: the adoption named");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_USE_AFTER_DELETE);
    ok(v && v->event.result == UK_SEV_ERROR && v->event.value2 == removed,
       "put after delete: still an ERROR, earlier evidence the removal");
    lifecycle_destroy(r.lc);

    /* Near miss: the dump moved the ukey on after its put succeeded (the
     * ordinary race of T4 and T6); a later put of it is bare. */
    rec_init(&r, NULL);
    threads(&r);
    race_install(&r, 1);
    race_put(&r, 1, 0);
    race_adopt(&r, T_REVAL, 1);
    evict(&r, 1, 0xf1, 0);
    race_sweep(&r, 1);
    race_put(&r, 1, 0);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_DELETE), 1,
           "put after delete, moved after a put: use-after-delete");
    ok(!strstr(last_name(&r, UK_VIOL_USE_AFTER_DELETE), "OVS race"),
       "put after delete, moved after a put: bare");
    lifecycle_destroy(r.lc);
}

/* ==== Slowpath and refused puts ==== */

/* Round 'round' of flow 0xf1: slowpath traffic, a miss handled, then
 * with 'put' a put of 'kind' that the datapath refuses with EIO. */
static void
refused_round(struct rec *r, uint64_t round, bool put, enum uk_put_op kind)
{
    F(r, .type = UK_EV_TRAFFIC, .ufid = 0xf1, .value = 2,
      .result = UK_PATH_SLOWPATH, .ts = round * 1000);
    F(r, .type = UK_EV_UPCALL, .thread_id = T_HANDLER, .ufid = 0xf1,
      .value = 2, .ts = round * 1000 + 100);
    if (put) {
        F(r, .type = UK_EV_DP_PUT, .thread_id = T_HANDLER, .ufid = 0xf1,
          .kind = kind, .result = EIO, .ts = round * 1000 + 200);
    }
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL,
      .kind = UK_OP_ROUND, .value = round);
    F(r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_ROUND,
      .value = round, .ts = round * 1000 + 500);
}

static void
get_first_flow(const struct lifecycle_flow *f, void *aux)
{
    struct lifecycle_flow *out = aux;
    if (!out->ufid) {
        *out = *f;
    }
}

static void
test_slowpath_refused(void)
{
    struct lifecycle_options opts = { .slowpath_rounds = 3 };
    struct rec r;

    /* Every round, the miss is handled and the datapath refuses the put:
     * not the ukey code's fault, however long; the window is measured
     * all the same. */
    rec_init(&r, &opts);
    threads(&r);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf1, .name = "f1");
    uint64_t opened = r.seq + 1;
    for (uint64_t round = 1; round <= 6; round++) {
        refused_round(&r, round, true, UK_PUT_CREATE);
    }
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 0,
           "every put refused: no slowpath");
    struct lifecycle_flow fig = { .ufid = 0 };
    lifecycle_for_each_flow(r.lc, get_first_flow, &fig, NULL);
    ok(fig.slowpath_windows == 1 && fig.longest_window_rounds == 6,
       "every put refused: one window, still open after 6 rounds");

    /* Then misses handled without a put: the run counts from the last
     * refused put, and the report names it. */
    uint64_t refused = r.seq - 2;
    refused_round(&r, 7, false, UK_PUT_CREATE);
    refused_round(&r, 8, false, UK_PUT_CREATE);
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 0, "2 rounds without a put");
    refused_round(&r, 9, false, UK_PUT_CREATE);
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 1,
           "3 rounds since the refused put: reported");
    char expect[256];
    snprintf(expect, sizeof expect, "slowpath: flow f1 pmd 0 got only "
             "slowpath traffic for 3 rounds, since seq %llu; its put at "
             "seq %llu failed, and the rounds count from there",
             (unsigned long long) opened, (unsigned long long) refused);
    const struct lifecycle_violation *v = first_kind(&r, UK_VIOL_SLOWPATH);
    is_str(v ? v->event.name : "", expect, "slowpath: names the put");
    ok(v && v->event.value2 == opened,
       "slowpath: earlier evidence the traffic that opened the window");
    lifecycle_destroy(r.lc);

    /* Near miss: a refused modify installs nothing either, but is not an
     * attempt to install the flow: the rounds count. */
    rec_init(&r, &opts);
    threads(&r);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf1, .name = "f1");
    for (uint64_t round = 1; round <= 3; round++) {
        refused_round(&r, round, true, UK_PUT_MODIFY);
    }
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 1, "refused modifies: reported");
    v = first_kind(&r, UK_VIOL_SLOWPATH);
    ok(v && !strstr(v->event.name, "its put"),
       "refused modifies: no put named: '%s'", v ? v->event.name : "");
    lifecycle_destroy(r.lc);
}

int
main(void)
{
    test_race_evicted();
    test_race_deleted();
    test_race_put_after_delete();
    test_slowpath_refused();
    return done_testing();
}
