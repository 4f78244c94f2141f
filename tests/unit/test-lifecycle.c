/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of core/lifecycle.c: for each rule, a synthetic event sequence
 * that breaks it and a near miss that must not; verdicts with lost events
 * and mid-life traces; bounded memory over a million lifecycles. */
#include "core/lifecycle.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

#include "core/util.h"
#include "tests/tap.h"
#include "tests/unit/lifecycle-helpers.h"

/* ==== Tests ==== */

static void
test_clean(void)
{
    struct lifecycle_options opts = { .keep_steps = true };
    struct rec r;
    struct lifecycle_summary s;

    rec_init(&r, &opts);
    threads(&r);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf1, .name = "f1");
    install(&r, 1, 0xf1, 0);
    /* Reads of a deleted, not yet freed ukey are legal. */
    evict(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    F(&r, .type = UK_EV_LOCK, .thread_id = T_HANDLER, .kind = UK_LOCK_UKEY,
      .ukey_id = 1);
    F(&r, .type = UK_EV_TRYLOCK, .thread_id = T_REVAL2,
      .kind = UK_LOCK_UKEY, .ukey_id = 1, .result = EBUSY);
    F(&r, .type = UK_EV_UNLOCK, .thread_id = T_HANDLER,
      .kind = UK_LOCK_UKEY, .ukey_id = 1);
    F(&r, .type = UK_EV_UMAP_LOOKUP, .thread_id = T_HANDLER, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    F(&r, .type = UK_EV_RCU_POSTPONE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1);
    tr(&r, T_REVAL, 1, 0xf1, UKEY_EVICTED, UKEY_DELETED, UK_TR_OK);
    F(&r, .type = UK_EV_LOCK, .thread_id = T_REVAL2, .kind = UK_LOCK_UKEY,
      .ukey_id = 1);
    F(&r, .type = UK_EV_RCU_FREE, .thread_id = T_URCU, .ukey_id = 1,
      .ufid = 0xf1);
    is_int(r.n_v, 0, "clean lifecycle: no violation");
    is_int(r.n_done, 1, "clean lifecycle: reported when freed");
    is_int(verdict_of(&r, 1), LIFECYCLE_PASS, "clean lifecycle: PASS");
    ok(!strncmp(explanation_of(&r, 1), "pass:", 5),
       "clean lifecycle: explanation '%s'", explanation_of(&r, 1));
    is_int(r.done[0].n_steps, 5, "keep_steps: five transitions kept");
    is_int(r.done[0].last_to, UKEY_DELETED, "keep_steps: last is DELETED");
    summary(&r, &s);
    is_int(s.n_live, 0, "clean lifecycle: nothing live");
    is_int(s.by_verdict[LIFECYCLE_PASS], 1, "summary counts the PASS");
    is_str(lifecycle_thread_name(r.lc, T_HANDLER), "handler0",
           "thread names from thread_start");
    ok(!lifecycle_thread_name(r.lc, 77), "unknown thread has no name");
    finish(&r, true);
    is_int(r.n_v, 0, "clean lifecycle: no leak at the end");
    lifecycle_destroy(r.lc);

    /* Without keep_steps, no steps. */
    rec_init(&r, NULL);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    delete_and_free(&r, 1, 0xf1);
    is_int(r.done[0].n_steps, 0, "no keep_steps: no steps");
    lifecycle_destroy(r.lc);
}

static void
test_replace(void)
{
    struct rec r;

    /* try_ukey_replace(): old EVICTED -> DELETED, new in. */
    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = 2,
      .ufid = 0xf1, .umap = 0);
    F(&r, .type = UK_EV_TRYLOCK, .thread_id = T_HANDLER,
      .kind = UK_LOCK_UKEY, .ukey_id = 1);
    F(&r, .type = UK_EV_UMAP_REPLACE, .thread_id = T_HANDLER, .ukey_id = 1,
      .ukey2_id = 2, .ufid = 0xf1, .umap = 0);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_EVICTED, UKEY_DELETED, UK_TR_OK);
    F(&r, .type = UK_EV_RCU_POSTPONE, .thread_id = T_HANDLER, .ukey_id = 1,
      .ufid = 0xf1);
    tr(&r, T_HANDLER, 2, 0xf1, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
    F(&r, .type = UK_EV_UNLOCK, .thread_id = T_HANDLER,
      .kind = UK_LOCK_UKEY, .ukey_id = 1);
    F(&r, .type = UK_EV_RCU_FREE, .thread_id = T_URCU, .ukey_id = 1,
      .ufid = 0xf1);
    is_int(r.n_v, 0, "replace: the legit path is clean");

    /* The 2016 race: the sweep then deletes the replaced-out ukey. */
    install(&r, 3, 0xf2, 0);
    evict(&r, 3, 0xf2, 0);
    F(&r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = 4,
      .ufid = 0xf2, .umap = 0);
    F(&r, .type = UK_EV_UMAP_REPLACE, .thread_id = T_HANDLER, .ukey_id = 3,
      .ukey2_id = 4, .ufid = 0xf2, .umap = 0);
    uint64_t replace_seq = r.seq;
    F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = 3,
      .ufid = 0xf2, .umap = 0);
    uint64_t remove_seq = r.seq;
    is_int(n_kind(&r, UK_VIOL_DOUBLE_DELETE), 1,
           "replace then remove: double delete");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_DOUBLE_DELETE);
    if (v) {
        is_int(v->event.ukey_id, 3, "double delete names the old ukey");
        is_int(v->event.value, remove_seq, "value = violating seq");
        is_int(v->event.value2, replace_seq, "value2 = earlier seq");
        is_int(v->event.thread_id, T_REVAL, "thread = violating thread");
        is_int(v->event.thread2, T_HANDLER, "thread2 = earlier thread");
        is_int(v->event.type, UK_EV_VIOLATION, "violation event type");
        is_int(v->event.result, UK_SEV_ERROR, "double delete is an ERROR");
        is_int(v->evidence[0].index, remove_seq - 1, "evidence index");
        ok(v->event.name && strstr(v->event.name, "handler0")
           && strstr(v->event.name, "revalidator0"),
           "detail names both threads: '%s'",
           v->event.name ? v->event.name : "");
    } else {
        for (int i = 0; i < 9; i++) {
            ok(false, "double delete violation missing");
        }
    }
    F(&r, .type = UK_EV_RCU_POSTPONE, .thread_id = T_REVAL, .ukey_id = 3,
      .ufid = 0xf2);
    F(&r, .type = UK_EV_RCU_POSTPONE, .thread_id = T_HANDLER, .ukey_id = 3,
      .ufid = 0xf2);
    tr(&r, T_HANDLER, 3, 0xf2, UKEY_DELETED, UKEY_DELETED, UK_TR_WARN);
    is_int(n_kind(&r, UK_VIOL_DOUBLE_DELETE), 1,
           "double delete reported once per ukey");
    struct lifecycle_summary s;
    summary(&r, &s);
    is_int(s.n_suppressed, 2, "later double deletes counted as suppressed");
    F(&r, .type = UK_EV_RCU_FREE, .thread_id = T_URCU, .ukey_id = 3,
      .ufid = 0xf2);
    is_int(verdict_of(&r, 3), LIFECYCLE_FAIL, "double-deleted ukey FAILs");
    ok(strstr(explanation_of(&r, 3), "double delete") != NULL,
       "explanation: '%s'", explanation_of(&r, 3));
    is_int(verdict_of(&r, 1), LIFECYCLE_PASS, "replaced ukey PASSes");
    lifecycle_destroy(r.lc);
}

static void
test_double_delete(void)
{
    struct rec r;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_HANDLER, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    is_int(n_kind(&r, UK_VIOL_DOUBLE_DELETE), 1, "second remove");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_DOUBLE_DELETE);
    ok(v && strstr(v->event.name, "handler0 (seq")
       && strstr(v->event.name, "revalidator0 (seq"),
       "one-line detail: '%s'", v ? v->event.name : "");
    lifecycle_destroy(r.lc);

    rec_init(&r, NULL);
    install(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0, .result = ENOENT);
    is_int(n_kind(&r, UK_VIOL_DOUBLE_DELETE), 1, "remove with ENOENT");
    lifecycle_destroy(r.lc);

    rec_init(&r, NULL);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_RCU_POSTPONE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1);
    F(&r, .type = UK_EV_RCU_POSTPONE, .thread_id = T_REVAL2, .ukey_id = 1,
      .ufid = 0xf1);
    is_int(n_kind(&r, UK_VIOL_DOUBLE_DELETE), 1, "second postpone");
    lifecycle_destroy(r.lc);

    rec_init(&r, NULL);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    tr(&r, T_REVAL, 1, 0xf1, UKEY_EVICTED, UKEY_DELETED, UK_TR_OK);
    tr(&r, T_REVAL2, 1, 0xf1, UKEY_DELETED, UKEY_DELETED, UK_TR_WARN);
    is_int(n_kind(&r, UK_VIOL_DOUBLE_DELETE), 1, "DELETED -> DELETED");
    is_int(n_kind(&r, UK_VIOL_INVALID_TRANSITION), 0,
           "DELETED -> DELETED is not also an invalid transition");
    lifecycle_destroy(r.lc);
}

static void
test_transitions(void)
{
    struct rec r;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_EVICTED, UKEY_VISIBLE, UK_TR_ABORT);
    is_int(n_kind(&r, UK_VIOL_BACKWARD_TRANSITION), 1, "backward");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_BACKWARD_TRANSITION);
    is_int(v ? v->event.result : -1, UK_SEV_ERROR, "backward is an ERROR");
    ok(v && v->event.value2 == r.seq - 1,
       "backward: earlier evidence is the last transition");
    delete_and_free(&r, 1, 0xf1);
    is_int(verdict_of(&r, 1), LIFECYCLE_FAIL, "backward: FAIL");
    is_int(r.done[0].rule, UK_VIOL_BACKWARD_TRANSITION, "backward: rule");

    install(&r, 2, 0xf1, 0);
    tr(&r, T_REVAL, 2, 0xf1, UKEY_OPERATIONAL, UKEY_EVICTED, UK_TR_WARN);
    is_int(n_kind(&r, UK_VIOL_INVALID_TRANSITION), 1, "invalid forward");
    v = first_kind(&r, UK_VIOL_INVALID_TRANSITION);
    is_int(v ? v->event.result : -1, UK_SEV_WARNING, "invalid: WARNING");
    tr(&r, T_REVAL, 2, 0xf1, UKEY_OPERATIONAL, UKEY_OPERATIONAL,
       UK_TR_NOOP);
    is_int(n_kind(&r, UK_VIOL_INVALID_TRANSITION), 1,
           "OPERATIONAL -> OPERATIONAL is silent");
    evict(&r, 2, 0xf1, 0);
    delete_and_free(&r, 2, 0xf1);
    is_int(r.n_v, 2, "no other violation");
    is_int(verdict_of(&r, 2), LIFECYCLE_PASS, "a warning leaves PASS");
    lifecycle_destroy(r.lc);
}

static void
test_use_after(void)
{
    struct rec r;

    /* Use after free. */
    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    delete_and_free(&r, 1, 0xf1);
    uint64_t free_seq = r.seq;
    is_int(r.n_v, 0, "use after free: clean so far");
    F(&r, .type = UK_EV_LOCK, .thread_id = T_REVAL2, .kind = UK_LOCK_UKEY,
      .ukey_id = 1);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_FREE), 1, "lock after free");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_USE_AFTER_FREE);
    is_int(v ? v->event.value2 : 0, free_seq, "evidence: the free");
    is_int(v ? v->event.thread2 : 0, T_URCU, "thread2: urcu");
    F(&r, .type = UK_EV_UNLOCK, .thread_id = T_REVAL2,
      .kind = UK_LOCK_UKEY, .ukey_id = 1);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_FREE), 1,
           "use after free reported once per ukey");
    install(&r, 2, 0xf1, 0);
    evict(&r, 2, 0xf1, 0);
    delete_and_free(&r, 2, 0xf1);
    F(&r, .type = UK_EV_UKEY_FREE, .thread_id = T_MAIN, .ukey_id = 2,
      .ufid = 0xf1, .kind = UK_FREE_DESTROY);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_FREE), 2, "double free");
    v = first_kind(&r, UK_VIOL_USE_AFTER_FREE);
    ok(r.n_v == 2 && strstr(r.v[1].event.name, "double free"),
       "double free detail: '%s'", r.n_v == 2 ? r.v[1].event.name : "");
    (void) v;
    F(&r, .type = UK_EV_VIOLATION, .ukey_id = 2);
    is_int(r.n_v, 2, "input violation events are ignored");
    lifecycle_destroy(r.lc);

    /* Use after delete. */
    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    F(&r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL2, .ukey_id = 1,
      .ufid = 0xf1, .value = 0);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_DELETE), 1, "stats_push after remove");
    lifecycle_destroy(r.lc);

    rec_init(&r, NULL);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_RCU_POSTPONE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1);
    F(&r, .type = UK_EV_DP_PUT, .thread_id = T_HANDLER, .ukey_id = 1,
      .ufid = 0xf1, .kind = UK_PUT_MODIFY);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_DELETE), 1, "dp_put after postpone");
    lifecycle_destroy(r.lc);

    /* A handler's CREATE put after a delete: a warning only if a purge
     * deleted it (OVS's purge of a VISIBLE ukey), an error otherwise. */
    for (int purge = 0; purge < 2; purge++) {
        rec_init(&r, NULL);
        threads(&r);
        install(&r, 1, 0xf1, 0);
        int deleter = purge ? T_MAIN : T_REVAL;
        if (purge) {
            F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_MAIN,
              .kind = UK_OP_PURGE);
        }
        F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = deleter, .ukey_id = 1,
          .ufid = 0xf1, .umap = 0);
        F(&r, .type = UK_EV_RCU_POSTPONE, .thread_id = deleter, .ukey_id = 1,
          .ufid = 0xf1);
        if (purge) {
            F(&r, .type = UK_EV_OP_END, .thread_id = T_MAIN,
              .kind = UK_OP_PURGE);
        }
        F(&r, .type = UK_EV_DP_PUT, .thread_id = T_HANDLER, .ukey_id = 1,
          .ufid = 0xf1, .kind = UK_PUT_CREATE);
        const struct lifecycle_violation *d
            = first_kind(&r, UK_VIOL_USE_AFTER_DELETE);
        is_int(d ? d->event.result : -1,
               purge ? UK_SEV_WARNING : UK_SEV_ERROR,
               purge ? "create put after a purge's delete: a warning"
                     : "create put after a sweep's delete: an error");
        lifecycle_destroy(r.lc);
    }

    rec_init(&r, NULL);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    delete_and_free(&r, 1, 0xf1);
    install(&r, 2, 0xf1, 0);
    evict(&r, 2, 0xf1, 0);
    F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = 2,
      .ufid = 0xf1, .umap = 0);
    F(&r, .type = UK_EV_UMAP_INSERT, .thread_id = T_HANDLER, .ukey_id = 2,
      .ufid = 0xf1, .umap = 0);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_DELETE), 1, "insert after remove");
    lifecycle_destroy(r.lc);

    rec_init(&r, NULL);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    tr(&r, T_REVAL, 1, 0xf1, UKEY_EVICTED, UKEY_DELETED, UK_TR_OK);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_DELETED, UKEY_EVICTED, UK_TR_ABORT);
    is_int(n_kind(&r, UK_VIOL_BACKWARD_TRANSITION), 1,
           "backward after delete: backward");
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_DELETE), 0,
           "backward after delete: one violation per event");
    lifecycle_destroy(r.lc);
}

/* Feeds 'e' with seq 'seq', below the highest fed so far: an event that
 * the audit folds late, where it comes (tracepoints/plugin/report-order.c:
 * its seq given up on, then recorded after all).  Each such event here is
 * of a thread of its own, whose seqs do not go back. */
static void
feed_late(struct rec *r, uint64_t seq, struct ukey_event e)
{
    e.seq = seq;
    e.ts = r->now;
    lifecycle_feed(r->lc, &e, r->seq);
}

/* An event folded late may name a ukey freed since, in the fold's order:
 * no use after free if it was numbered before the free, and none judged
 * if the free's seq is gone from the cache; one if it was numbered after
 * the free.  It never reaches the record, which another ukey uses now. */
static void
test_late_after_free(void)
{
    struct lifecycle_summary s;
    struct rec r;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    uint64_t in_life = r.seq;           /* Its OPERATIONAL. */
    evict(&r, 1, 0xf1, 0);
    delete_and_free(&r, 1, 0xf1);
    uint64_t free_seq = r.seq;
    r.seq += 10;                        /* Seqs still to come, late. */
    /* Ukey 10 takes the record ukey 1 left (a free list: the last one
     * dropped first). */
    install(&r, 10, 0xf2, 0);
    is_int(r.n_v, 0, "late events: clean so far");

    /* Ukey 1's removal, numbered before its free, folded after: had it
     * reached the record, ukey 10 would be deleted, and its stats push
     * below a use after delete. */
    feed_late(&r, in_life + 1, (struct ukey_event) {
        .type = UK_EV_UMAP_REMOVE, .thread_id = 7, .ukey_id = 1,
        .ufid = 0xf1, .umap = 0, .result = ENOENT });
    is_int(r.n_v, 0, "an event numbered before its ukey's free, folded "
           "after it: not a use after free");
    F(&r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = 10,
      .ufid = 0xf2, .value = 0);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_DELETE), 0,
           "the record's new ukey untouched");

    /* Numbered after the free: a use after free, late or not. */
    feed_late(&r, free_seq + 5, (struct ukey_event) {
        .type = UK_EV_LOCK, .thread_id = 8, .ukey_id = 1,
        .kind = UK_LOCK_UKEY });
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_FREE), 1,
           "an event numbered after its ukey's free, folded late: use "
           "after free");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_USE_AFTER_FREE);
    is_int(v ? v->event.value2 : 0, free_seq, "evidence: the free");

    /* Ukey 2's free leaves the cache (ukey 2 + LC_FREE_CACHE takes its
     * entry): a late event about it cannot be placed, and is not
     * judged; one in order is a use after free, as ever. */
    install(&r, 2, 0xf3, 0);
    evict(&r, 2, 0xf3, 0);
    delete_and_free(&r, 2, 0xf3);
    uint64_t free2 = r.seq;
    r.seq += 10;
    install(&r, 2 + 4096, 0xf4, 0);
    evict(&r, 2 + 4096, 0xf4, 0);
    delete_and_free(&r, 2 + 4096, 0xf4);
    feed_late(&r, free2 + 5, (struct ukey_event) {
        .type = UK_EV_LOCK, .thread_id = 9, .ukey_id = 2,
        .kind = UK_LOCK_UKEY });
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_FREE), 1,
           "late, its ukey's free out of the cache: not judged");
    F(&r, .type = UK_EV_LOCK, .thread_id = T_REVAL2, .ukey_id = 2,
      .kind = UK_LOCK_UKEY);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_FREE), 2,
           "in order, its free out of the cache: use after free");

    evict(&r, 10, 0xf2, 0);
    delete_and_free(&r, 10, 0xf2);
    F(&r, .type = UK_EV_END, .thread_id = T_MAIN);
    lifecycle_finish(r.lc);
    is_int(verdict_of(&r, 1), LIFECYCLE_PASS, "ukey 1: its verdict stays");
    is_int(verdict_of(&r, 10), LIFECYCLE_PASS, "ukey 10: pass");
    is_int(r.n_v, 2, "no other violation");
    summary(&r, &s);
    is_int(s.n_seq_back, 0, "no thread's seqs went back");
    lifecycle_destroy(r.lc);
}

/* A ukey is freed once (an RCU_FREE, or a UKEY_FREE for one never
 * published or freed by udpif_destroy()): a second free is a double free
 * whichever of the two is numbered first.  A late free of a ukey freed
 * since, in the fold's order, but numbered before that free was taken for
 * an event of the ukey's life, and not judged: the double free vanished
 * (it was one before late events were set apart).  Only the very same
 * free, come twice, is none. */
static void
test_late_double_free(void)
{
    struct rec r;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    uint64_t in_life = r.seq;
    evict(&r, 1, 0xf1, 0);
    delete_and_free(&r, 1, 0xf1);
    uint64_t free_seq = r.seq;
    r.seq += 10;
    install(&r, 10, 0xf2, 0);
    is_int(r.n_v, 0, "late double free: clean so far");

    /* The same free, come twice: nothing. */
    feed_late(&r, free_seq, (struct ukey_event) {
        .type = UK_EV_RCU_FREE, .thread_id = T_URCU, .ukey_id = 1,
        .ufid = 0xf1 });
    is_int(r.n_v, 0, "the free itself, come twice: no double free");

    /* Another free of it, numbered before the one folded (ukey_delete__()
     * run twice, one of them held up): a double free. */
    feed_late(&r, in_life + 1, (struct ukey_event) {
        .type = UK_EV_UKEY_FREE, .thread_id = 7, .ukey_id = 1,
        .ufid = 0xf1, .kind = UK_FREE_UNPUBLISHED });
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_FREE), 1,
           "a second free, numbered before the first one folded: double "
           "free");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_USE_AFTER_FREE);
    ok(v && strstr(v->event.name, "double free"), "said so: %s",
       v ? v->event.name : "(none)");
    is_int(v ? v->event.value2 : 0, free_seq, "evidence: the other free");
    is_int(r.n_v, 1, "no other violation");
    lifecycle_destroy(r.lc);
}

/* A late event is the fold's to tell (lifecycle_late_after()), what the
 * views mark: the highest seq fed before it, for the event just fed only.
 * A late transition is a step of its ukey's timeline, where it came, with
 * that seq as its 'after_seq'; the others have none. */
static void
test_late_steps(void)
{
    struct lifecycle_options opts = { .keep_steps = true };
    struct rec r;

    rec_init(&r, &opts);
    threads(&r);
    is_int(lifecycle_late_after(r.lc), 0, "in order: not late");
    F(&r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    F(&r, .type = UK_EV_UMAP_INSERT, .thread_id = T_HANDLER, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
    /* The handler's transition to OPERATIONAL waits to be recorded while
     * a revalidator evicts the ukey. */
    uint64_t late = ++r.seq;
    tr(&r, T_REVAL, 1, 0xf1, UKEY_VISIBLE, UKEY_EVICTING, UK_TR_OK);
    tr(&r, T_REVAL, 1, 0xf1, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
    uint64_t high = r.seq;
    feed_late(&r, late, (struct ukey_event) {
        .type = UK_EV_TRANSITION, .thread_id = T_HANDLER, .ukey_id = 1,
        .ufid = 0xf1, .from = UKEY_VISIBLE, .to = UKEY_OPERATIONAL,
        .result = UK_TR_OK, .where = "core/test.c:2" });
    is_int(lifecycle_late_after(r.lc), high,
           "a late event: the highest seq fed before it");
    delete_and_free(&r, 1, 0xf1);
    is_int(lifecycle_late_after(r.lc), 0, "the next, in order: not late");
    is_int(r.n_done, 1, "late steps: the ukey reported");
    is_int(verdict_of(&r, 1), LIFECYCLE_INCONCLUSIVE,
           "late steps: the ukey inconclusive");
    is_int(r.done[0].n_steps, 5, "late steps: the late transition kept");
    is_int(r.done[0].n_late_steps, 1, "late steps: one has an after_seq");
    is_int(r.done[0].late_step, 3, "late steps: where it came");
    is_int(r.done[0].late_seq, late, "late steps: its own seq");
    is_int(r.done[0].late_after, high, "late steps: its after_seq");
    is_int(r.done[0].last_to, UKEY_DELETED, "late steps: DELETED last");
    lifecycle_destroy(r.lc);
}

/* A late transition of a ukey freed (and reported) since, numbered in
 * its life, is a step of its timeline all the same: the fold hands it to
 * 'ukey_late_step', with its 'after_seq', and judges it not.  One
 * numbered after the free is a use after free instead; without
 * 'keep_steps', there are no steps to hand. */
static void
test_late_step_after_free(void)
{
    struct lifecycle_options opts = { .keep_steps = true };
    struct rec r;

    for (int keep = 1; keep >= 0; keep--) {
        opts.keep_steps = keep;
        rec_init(&r, &opts);
        threads(&r);
        F(&r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = 1,
          .ufid = 0xf1, .umap = 0);
        tr(&r, T_HANDLER, 1, 0xf1, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
        /* The handler's transition to OPERATIONAL waits to be recorded
         * while the ukey is evicted, deleted and freed. */
        uint64_t late = ++r.seq;
        tr(&r, T_REVAL, 1, 0xf1, UKEY_VISIBLE, UKEY_EVICTING, UK_TR_OK);
        tr(&r, T_REVAL, 1, 0xf1, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
        delete_and_free(&r, 1, 0xf1);
        uint64_t free_seq = r.seq;
        r.seq += 10;
        is_int(r.n_done, 1, "late step after free: the ukey reported");
        feed_late(&r, late, (struct ukey_event) {
            .type = UK_EV_TRANSITION, .thread_id = T_HANDLER, .ukey_id = 1,
            .ufid = 0xf1, .from = UKEY_VISIBLE, .to = UKEY_OPERATIONAL,
            .result = UK_TR_OK, .where = "core/test.c:3" });
        is_int(r.n_v, 0, "late step after free: not judged");
        is_int(r.n_late, keep, keep ? "late step after free: handed over"
                                    : "no keep_steps: no late step");
        is_int(r.late[0].id, keep ? 1 : 0, "late step after free: its ukey");
        is_int(r.late[0].seq, keep ? late : 0, "late step after free: seq");
        is_int(r.late[0].after, keep ? free_seq : 0,
               "late step after free: after_seq");
        is_int(r.late[0].to, keep ? UKEY_OPERATIONAL : 0,
               "late step after free: the transition");
        /* Numbered after the free: a use after free, no step. */
        feed_late(&r, free_seq + 5, (struct ukey_event) {
            .type = UK_EV_TRANSITION, .thread_id = T_REVAL2, .ukey_id = 1,
            .ufid = 0xf1, .from = UKEY_DELETED, .to = UKEY_DELETED,
            .result = UK_TR_OK, .where = "core/test.c:4" });
        is_int(n_kind(&r, UK_VIOL_USE_AFTER_FREE), 1,
               "late, after the free: use after free");
        is_int(r.n_late, keep, "late, after the free: no step");
        is_int(r.n_done, 1, "late step after free: reported once");
        lifecycle_destroy(r.lc);
    }
}

/* An event folded late about a live ukey or its flow is judged against
 * nothing newer than itself (core/lifecycle.c, "Late events"): a rule of
 * the order that the record, changed by later seqs, would break reports
 * nothing; the ukey becomes INCONCLUSIVE, its flow unsure.  Late as in
 * the audit: a seq given up on, after which the fold doubts what is live
 * (lifecycle_doubt()), or one that came twice; and, to show that the late
 * path alone holds the rules back, seqs skipped with no doubt. */
static void
test_late_live(void)
{
    struct lifecycle_summary s;
    struct rec r;

    rec_init(&r, NULL);
    r.now = 100;
    threads(&r);

    /* The handler's put of VISIBLE ukey 1 waits to be recorded; the fold
     * gives up on it, a revalidator deletes the ukey, then the put comes:
     * no use after delete, nor after DELETED. */
    F(&r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    F(&r, .type = UK_EV_UMAP_INSERT, .thread_id = T_HANDLER, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
    uint64_t put = ++r.seq;
    lifecycle_doubt(r.lc, r.now);
    r.now = 200;
    tr(&r, T_REVAL, 1, 0xf1, UKEY_VISIBLE, UKEY_EVICTING, UK_TR_OK);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .kind = UK_DEL_REVALIDATOR);
    tr(&r, T_REVAL, 1, 0xf1, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
    F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    F(&r, .type = UK_EV_RCU_POSTPONE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1);
    tr(&r, T_REVAL, 1, 0xf1, UKEY_EVICTED, UKEY_DELETED, UK_TR_OK);
    feed_late(&r, put, (struct ukey_event) {
        .type = UK_EV_DP_PUT, .thread_id = T_HANDLER, .ukey_id = 1,
        .ufid = 0xf1, .kind = UK_PUT_CREATE });
    is_int(r.n_v, 0, "a put numbered before its ukey's deletion, folded "
           "after it: no use after delete");
    install(&r, 9, 0xf9, 0);            /* A bystander: PASS. */

    /* Ukey 2's transition to DELETED comes twice, the second time late,
     * with nothing given up on: no double delete, and the ukey is
     * inconclusive. */
    install(&r, 2, 0xf2, 0);
    evict(&r, 2, 0xf2, 0);
    F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = 2,
      .ufid = 0xf2, .umap = 0);
    F(&r, .type = UK_EV_RCU_POSTPONE, .thread_id = T_REVAL, .ukey_id = 2,
      .ufid = 0xf2);
    tr(&r, T_REVAL, 2, 0xf2, UKEY_EVICTED, UKEY_DELETED, UK_TR_OK);
    feed_late(&r, r.seq, (struct ukey_event) {
        .type = UK_EV_TRANSITION, .thread_id = 7, .ukey_id = 2,
        .ufid = 0xf2, .from = UKEY_EVICTED, .to = UKEY_DELETED,
        .result = UK_TR_OK, .where = "core/test.c:2" });
    is_int(r.n_v, 0, "a transition to DELETED that came twice: no double "
           "delete");

    /* Ukey 3 is in the umap for f3; ukey 4's insert for f3, numbered
     * before ukey 3's (it was removed since, in events lost), comes
     * late: no duplicate. */
    uint64_t insert4 = ++r.seq;
    install(&r, 3, 0xf3, 0);
    feed_late(&r, insert4, (struct ukey_event) {
        .type = UK_EV_UMAP_INSERT, .thread_id = 8, .ukey_id = 4,
        .ufid = 0xf3, .umap = 0 });
    is_int(n_kind(&r, UK_VIOL_DUPLICATE_UKEY), 0,
           "an insert numbered before the other ukey's: no duplicate");

    /* Ukey 5's flow was deleted from the datapath (an external delete)
     * before its put, the delete recorded late: the flow stays there as
     * far as the fold can tell, no stuck ukey. */
    uint64_t del = ++r.seq;
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_HANDLER,
      .kind = UK_OP_UPCALL_BATCH);
    install(&r, 5, 0xf5, 0);
    F(&r, .type = UK_EV_OP_END, .thread_id = T_HANDLER,
      .kind = UK_OP_UPCALL_BATCH);
    feed_late(&r, del, (struct ukey_event) {
        .type = UK_EV_DP_DEL, .thread_id = 9, .ufid = 0xf5,
        .kind = UK_DEL_EXTERNAL });
    for (uint64_t round = 1; round <= 8; round++) {
        round_end(&r, T_REVAL, round);
    }
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 0,
           "a datapath delete numbered before the put: no stuck ukey");

    /* Ukey 6's free comes late: its lifecycle ends there, and a use
     * numbered after it is one. */
    install(&r, 6, 0xf6, 0);
    uint64_t free6 = r.seq - 1;
    feed_late(&r, free6, (struct ukey_event) {
        .type = UK_EV_RCU_FREE, .thread_id = 10, .ukey_id = 6,
        .ufid = 0xf6 });
    is_int(verdict_of(&r, 6), LIFECYCLE_INCONCLUSIVE,
           "a live ukey freed late: its lifecycle done, inconclusive");
    F(&r, .type = UK_EV_LOCK, .thread_id = T_REVAL2, .kind = UK_LOCK_UKEY,
      .ukey_id = 6);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_FREE), 1,
           "an event in order after a late free: use after free");

    F(&r, .type = UK_EV_RCU_FREE, .thread_id = T_URCU, .ukey_id = 1,
      .ufid = 0xf1);
    F(&r, .type = UK_EV_RCU_FREE, .thread_id = T_URCU, .ukey_id = 2,
      .ufid = 0xf2);
    static const uint64_t installed[] = { 3, 5, 9 };
    for (size_t i = 0; i < UK_ARRAY_SIZE(installed); i++) {
        uint64_t id = installed[i];
        evict(&r, id, 0xf0 + id, 0);
        delete_and_free(&r, id, 0xf0 + id);
    }
    finish(&r, true);
    is_int(r.n_v, 1, "no other violation: no leak of ukey 4, first seen "
           "late");
    is_int(verdict_of(&r, 1), LIFECYCLE_INCONCLUSIVE, "ukey 1 inconclusive");
    is_int(verdict_of(&r, 2), LIFECYCLE_INCONCLUSIVE,
           "ukey 2 inconclusive: its event came twice");
    is_int(verdict_of(&r, 4), LIFECYCLE_INCONCLUSIVE,
           "ukey 4, first seen late: inconclusive");
    is_int(verdict_of(&r, 3), LIFECYCLE_PASS,
           "ukey 3, in the umap before ukey 4's late insert: judged");
    is_int(verdict_of(&r, 9), LIFECYCLE_PASS, "the bystander passes");
    summary(&r, &s);
    is_int(s.n_seq_back, 0, "no thread's seqs went back");
    lifecycle_destroy(r.lc);
}

/* Deletes VISIBLE ukey 'id' by thread 'deleter' (umap_remove, postpone),
 * then its handler puts its flow: the severity of the use after delete
 * that makes, or -1 if none. */
static int
put_after_delete(struct rec *r, uint32_t deleter, uint64_t id, uint64_t ufid)
{
    F(r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = id,
      .ufid = ufid, .umap = 0);
    F(r, .type = UK_EV_UMAP_INSERT, .thread_id = T_HANDLER, .ukey_id = id,
      .ufid = ufid, .umap = 0);
    tr(r, T_HANDLER, id, ufid, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
    F(r, .type = UK_EV_UMAP_REMOVE, .thread_id = deleter, .ukey_id = id,
      .ufid = ufid, .umap = 0);
    F(r, .type = UK_EV_RCU_POSTPONE, .thread_id = deleter, .ukey_id = id,
      .ufid = ufid);
    int before = r->n_v;
    F(r, .type = UK_EV_DP_PUT, .thread_id = T_HANDLER, .ukey_id = id,
      .ufid = ufid, .kind = UK_PUT_CREATE);
    return (r->n_v > before && r->n_v <= MAX_RECORDED
            && r->v[r->n_v - 1].event.kind == UK_VIOL_USE_AFTER_DELETE
            ? r->v[r->n_v - 1].event.result : -1);
}

/* The op_end of a purge may be lost: the thread's next outermost op_begin
 * or op_end shows it in no purge, whatever the loss left open, as for
 * its open operations (test_stuck_lost_op_end()).  Main's purge was
 * open when events were lost, its op_end among them; a deletion by main
 * after its next op_begin of another operation (its destroy stands in:
 * main runs no other), or after the op_end of its next purge, is no
 * purge's: a handler's put after it is an error, not the warning of a
 * purge's race (lc_put_after_delete()). */
static void
test_purge_lost_op_end(void)
{
    struct rec r;

    for (int next = 0; next < 2; next++) {
        rec_init(&r, NULL);
        threads(&r);
        F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_MAIN,
          .kind = UK_OP_PURGE);
        is_int(put_after_delete(&r, T_MAIN, 1, 0xf1), UK_SEV_WARNING,
               "create put after a purge's delete: a warning");
        r.now = 100;
        lifecycle_discarded(r.lc, 1, 100, 150);
        r.now = 200;
        if (!next) {
            F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_MAIN,
              .kind = UK_OP_DESTROY);
        } else {
            F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_MAIN,
              .kind = UK_OP_PURGE);
            F(&r, .type = UK_EV_OP_END, .thread_id = T_MAIN,
              .kind = UK_OP_PURGE);
        }
        is_int(put_after_delete(&r, T_MAIN, 2, 0xf2), UK_SEV_ERROR,
               next ? "after the op_end of the next purge: an error"
                    : "after the op_begin of another operation: an error");
        lifecycle_destroy(r.lc);
    }
}

static void
test_duplicate(void)
{
    struct rec r;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    install(&r, 2, 0xf1, 3);     /* Another PMD: its own ukey. */
    is_int(r.n_v, 0, "same ufid on another pmd is not a duplicate");
    F(&r, .type = UK_EV_CREATE, .thread_id = T_REVAL, .ukey_id = 3,
      .ufid = 0xf1, .pmd_id = 0);
    F(&r, .type = UK_EV_UMAP_INSERT, .thread_id = T_REVAL, .ukey_id = 3,
      .ufid = 0xf1, .umap = 0);
    is_int(n_kind(&r, UK_VIOL_DUPLICATE_UKEY), 1, "duplicate ukey");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_DUPLICATE_UKEY);
    is_int(v ? v->event.ukey_id : 0, 3, "names the inserted ukey");
    lifecycle_destroy(r.lc);

    /* Near miss: insert after the first one was removed. */
    rec_init(&r, NULL);
    install(&r, 1, 0xf1, 0);
    evict(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .umap = 0);
    install(&r, 2, 0xf1, 0);
    is_int(r.n_v, 0, "insert after the old one left: fine");
    lifecycle_destroy(r.lc);
}

static void
test_stats(void)
{
    struct rec r;

    rec_init(&r, NULL);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf1, .name = "f1");
    F(&r, .type = UK_EV_UPCALL, .ufid = 0xf1, .value = 1);
    install(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_TRAFFIC, .ufid = 0xf1, .value = 10,
      .result = UK_PATH_FASTPATH);
    F(&r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .value = 10);
    is_int(r.n_v, 0, "pushed == counted: fine");
    F(&r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .value = 5);
    is_int(n_kind(&r, UK_VIOL_STATS_DOUBLE), 1, "pushed > counted");
    F(&r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .value = 5);
    is_int(n_kind(&r, UK_VIOL_STATS_DOUBLE), 1, "once per flow");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_STATS_DOUBLE);
    ok(v && strstr(v->event.name, "f1"), "detail names the flow: '%s'",
       v ? v->event.name : "");
    ok(v && !strstr(v->event.name, "delete"), "no failed delete to name");
    lifecycle_destroy(r.lc);

    /* upstream's own double count: ukey 1's flow_del fails (EIO), the
     * flow stays; push_dp_ops() evicts ukey 1 all the same, a dump adopts
     * the flow as ukey 2 with zeroed stats, and pushes the 10 packets ukey
     * 1 pushed again.  The detail says so, with the failed delete as the
     * earlier evidence. */
    rec_init(&r, NULL);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf1, .name = "f1");
    install(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_TRAFFIC, .ufid = 0xf1, .value = 10,
      .result = UK_PATH_FASTPATH);
    F(&r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .value = 10);
    tr(&r, T_REVAL, 1, 0xf1, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .kind = UK_DEL_REVALIDATOR, .result = EIO);
    uint64_t failed_seq = r.seq;
    tr(&r, T_REVAL, 1, 0xf1, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
    delete_and_free(&r, 1, 0xf1);
    F(&r, .type = UK_EV_CREATE, .thread_id = T_REVAL, .ukey_id = 2,
      .ufid = 0xf1, .umap = 0, .kind = UK_CREATE_DPIF_FLOW);
    F(&r, .type = UK_EV_UMAP_INSERT, .thread_id = T_REVAL, .ukey_id = 2,
      .ufid = 0xf1, .umap = 0);
    tr(&r, T_REVAL, 2, 0xf1, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
    tr(&r, T_REVAL, 2, 0xf1, UKEY_VISIBLE, UKEY_OPERATIONAL, UK_TR_OK);
    is_int(r.n_v, 0, "failed delete, flow adopted: nothing wrong yet");
    F(&r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = 2,
      .ufid = 0xf1, .value = 10);
    is_int(n_kind(&r, UK_VIOL_STATS_DOUBLE), 1,
           "adopted with zeroed stats: stats double");
    v = first_kind(&r, UK_VIOL_STATS_DOUBLE);
    ok(v && strstr(v->event.name, "the datapath delete of ukey 1 by ")
       && strstr(v->event.name, "failed")
       && strstr(v->event.name, "adopted with zeroed stats"),
       "detail names the failed delete: '%s'", v ? v->event.name : "");
    is_int(v ? v->event.value2 : 0, failed_seq,
           "earlier evidence: the failed delete");
    lifecycle_destroy(r.lc);
}

static void
test_leak(void)
{
    struct rec r;

    rec_init(&r, NULL);
    install(&r, 1, 0xf1, 0);
    install(&r, 2, 0xf2, 0);
    evict(&r, 2, 0xf2, 0);
    delete_and_free(&r, 2, 0xf2);
    finish(&r, true);
    is_int(n_kind(&r, UK_VIOL_LEAK), 1, "leak at the end");
    const struct lifecycle_violation *v = first_kind(&r, UK_VIOL_LEAK);
    is_int(v ? v->event.value : 0, r.seq, "leak: violating event is end");
    is_int(v ? v->event.ukey_id : 0, 1, "leak: names the ukey");
    is_int(verdict_of(&r, 1), LIFECYCLE_FAIL, "leaked ukey FAILs");
    is_int(verdict_of(&r, 2), LIFECYCLE_PASS, "freed ukey PASSes");
    lifecycle_destroy(r.lc);

    rec_init(&r, NULL);
    install(&r, 1, 0xf1, 0);
    finish(&r, false);
    is_int(r.n_v, 0, "no end event: no leak");
    is_int(verdict_of(&r, 1), LIFECYCLE_INCONCLUSIVE,
           "no end event: live ukey INCONCLUSIVE");
    lifecycle_destroy(r.lc);
}

static void
test_dp_flow_without_ukey(void)
{
    struct rec r;

    rec_init(&r, NULL);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf1, .name = "f1");
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf2, .name = "f2");
    F(&r, .type = UK_EV_DP_PUT, .ufid = 0xf1, .kind = UK_PUT_CREATE);
    install(&r, 1, 0xf2, 0);
    evict(&r, 1, 0xf2, 0);
    delete_and_free(&r, 1, 0xf2);
    finish(&r, true);
    is_int(n_kind(&r, UK_VIOL_DP_FLOW_WITHOUT_UKEY), 1,
           "datapath flow without ukey");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_DP_FLOW_WITHOUT_UKEY);
    is_int(v ? v->event.result : -1, UK_SEV_WARNING, "it is a WARNING");
    is_int(v ? v->event.ufid : 0, 0xf1, "names the flow");
    lifecycle_destroy(r.lc);

    /* A delete that failed left the flow, the sweep deleted its ukey,
     * and no dump adopted the flow before the end: the warning says so,
     * with the failed delete as its evidence. */
    rec_init(&r, NULL);
    threads(&r);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf3, .name = "f3");
    install(&r, 3, 0xf3, 0);
    tr(&r, T_REVAL, 3, 0xf3, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_REVAL, .ukey_id = 3,
      .ufid = 0xf3, .kind = UK_DEL_REVALIDATOR, .result = EIO);
    uint64_t del_seq = r.seq;
    tr(&r, T_REVAL, 3, 0xf3, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
    delete_and_free(&r, 3, 0xf3);
    finish(&r, true);
    v = first_kind(&r, UK_VIOL_DP_FLOW_WITHOUT_UKEY);
    is_int(n_kind(&r, UK_VIOL_DP_FLOW_WITHOUT_UKEY), 1,
           "failed delete: datapath flow without ukey");
    is_int(v ? v->event.value2 : 0, del_seq,
           "its evidence is the failed delete");
    ok(v && strstr(v->event.name, "delete of ukey 3 by revalidator0 "
                   "failed") && strstr(v->event.name, "no dump adopted"),
       "and it says so: %s", v ? v->event.name : "(none)");
    lifecycle_destroy(r.lc);

    /* The same failed delete, but a dump adopted the flow as ukey 4,
     * which then left its umap without deleting it: the flow is left by
     * ukey 4, not by the failed delete, and a dump did adopt it.  The
     * warning said "and no dump adopted it since" all the same. */
    rec_init(&r, NULL);
    threads(&r);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf3, .name = "f3");
    install(&r, 3, 0xf3, 0);
    tr(&r, T_REVAL, 3, 0xf3, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_REVAL, .ukey_id = 3,
      .ufid = 0xf3, .kind = UK_DEL_REVALIDATOR, .result = EIO);
    tr(&r, T_REVAL, 3, 0xf3, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
    delete_and_free(&r, 3, 0xf3);
    F(&r, .type = UK_EV_CREATE, .thread_id = T_REVAL, .ukey_id = 4,
      .ufid = 0xf3, .umap = 0, .kind = UK_CREATE_DPIF_FLOW);
    F(&r, .type = UK_EV_UMAP_INSERT, .thread_id = T_REVAL, .ukey_id = 4,
      .ufid = 0xf3, .umap = 0);
    tr(&r, T_REVAL, 4, 0xf3, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
    tr(&r, T_REVAL, 4, 0xf3, UKEY_VISIBLE, UKEY_OPERATIONAL, UK_TR_OK);
    tr(&r, T_REVAL, 4, 0xf3, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    tr(&r, T_REVAL, 4, 0xf3, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
    delete_and_free(&r, 4, 0xf3);
    finish(&r, true);
    v = first_kind(&r, UK_VIOL_DP_FLOW_WITHOUT_UKEY);
    is_int(n_kind(&r, UK_VIOL_DP_FLOW_WITHOUT_UKEY), 1,
           "adopted, then left: datapath flow without ukey");
    ok(v && !strstr(v->event.name, "no dump adopted"),
       "not blamed on the delete a dump made good: %s",
       v ? v->event.name : "(none)");
    lifecycle_destroy(r.lc);
}
/* Two runs in one input, ids from 1 again; a loss between them reaches
 * into the second. */
static void
test_runs(void)
{
    struct rec r;
    struct lifecycle_summary s;

    rec_init(&r, NULL);
    r.now = 100;
    threads(&r);
    install(&r, 1, 0xf1, 0);
    delete_and_free(&r, 1, 0xf1);
    F(&r, .type = UK_EV_END);
    lifecycle_discarded(r.lc, 3, 150, 300);
    r.seq = 0;
    r.now = 200;
    threads(&r);
    install(&r, 1, 0xf1, 0);    /* Its free is among the lost. */
    r.now = 400;
    install(&r, 2, 0xf2, 0);
    delete_and_free(&r, 2, 0xf2);
    finish(&r, true);
    is_int(r.n_v, 0, "no use after free, no leak");
    summary(&r, &s);
    is_int(s.n_runs, 2, "two runs");
    is_int(s.by_verdict[LIFECYCLE_PASS], 2, "run 1's ukey 1, run 2's ukey 2");
    is_int(s.by_verdict[LIFECYCLE_INCONCLUSIVE], 1,
           "run 2's ukey 1, created within the loss's range");
    lifecycle_destroy(r.lc);
}

/* An event of a run numbered before its end and folded after it (late)
 * is that run's: it starts no other, whose mid-life ukey it would make.
 * A thread start of seq 1 still starts one. */
static void
test_late_after_end(void)
{
    struct rec r;
    struct lifecycle_summary s;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    uint64_t lock = ++r.seq;
    install(&r, 2, 0xf2, 0);
    evict(&r, 1, 0xf1, 0);
    delete_and_free(&r, 1, 0xf1);
    evict(&r, 2, 0xf2, 0);
    delete_and_free(&r, 2, 0xf2);
    F(&r, .type = UK_EV_END);
    feed_late(&r, lock, (struct ukey_event) {
        .type = UK_EV_LOCK, .thread_id = 7, .kind = UK_LOCK_UKEY,
        .ukey_id = 1 });
    summary(&r, &s);
    is_int(s.n_runs, 1, "a late event after the end: no other run");
    is_int(s.n_ukeys, 2, "...nor another ukey");
    ok(s.complete, "the run is still complete");
    r.seq = 0;
    threads(&r);
    summary(&r, &s);
    is_int(s.n_runs, 2, "a thread start of seq 1 after it: another run");
    finish(&r, true);
    is_int(r.n_v, 0, "no violation");
    lifecycle_destroy(r.lc);
}

/* A thread start of the first seqs (1 to 3) below the seqs fed starts
 * another run, unless the run skipped its seq: then it is the run's own,
 * come late (given up on, its thread waiting for a CPU), amid the run or
 * after its end; a late event never starts a run. */
static void
test_late_head(void)
{
    struct rec r;
    struct lifecycle_summary s;
    const struct ukey_event urcu = {
        .type = UK_EV_THREAD_START, .thread_id = T_URCU,
        .kind = UK_THREAD_URCU, .name = "urcu" };
    const struct ukey_event handler = {
        .type = UK_EV_THREAD_START, .thread_id = T_HANDLER,
        .kind = UK_THREAD_HANDLER, .name = "handler0" };

    rec_init(&r, NULL);
    F(&r, .type = UK_EV_THREAD_START, .thread_id = T_MAIN,
      .kind = UK_THREAD_MAIN, .name = "main");
    r.seq += 2;                         /* urcu's and handler0's starts. */
    install(&r, 1, 0xf1, 0);
    r.seq += 2000;                      /* Past LC_RUN_RESTART_SEQ. */
    F(&r, .type = UK_EV_TRAFFIC, .thread_id = T_MAIN, .ufid = 0xf1,
      .value = 1, .result = UK_PATH_FASTPATH);
    feed_late(&r, 3, handler);
    summary(&r, &s);
    is_int(s.n_runs, 1, "a late thread start of seq 3 amid the run: one run");
    is_int(s.n_ukeys, 1, "...and its ukey");
    evict(&r, 1, 0xf1, 0);
    delete_and_free(&r, 1, 0xf1);
    F(&r, .type = UK_EV_END);
    feed_late(&r, 2, urcu);
    summary(&r, &s);
    is_int(s.n_runs, 1, "a late thread start of seq 2 after the end: one run");
    ok(s.complete, "the run is still complete");
    feed_late(&r, 2, urcu);
    summary(&r, &s);
    is_int(s.n_runs, 2, "seq 2 again, had by the run: another run");
    finish(&r, true);
    is_int(r.n_v, 0, "no violation");
    lifecycle_destroy(r.lc);

    /* A run that began past the first seqs (a snapshot, a run killed)
     * skipped none of them. */
    rec_init(&r, NULL);
    r.seq = 5000;
    install(&r, 1, 0xf1, 0);
    feed_late(&r, 2, urcu);
    summary(&r, &s);
    is_int(s.n_runs, 2, "seq 2 below a run begun at seq 5001: another run");
    lifecycle_destroy(r.lc);
}

/* A loss whose end comes later (a stream behind a muxer, until its first
 * packet): every ukey first seen while it is open is inconclusive, and
 * those after its end are judged. */
static void
test_open_loss(void)
{
    struct rec r;
    struct lifecycle_summary s;

    rec_init(&r, NULL);
    r.now = 100;
    threads(&r);
    lifecycle_discard_open(r.lc, 100);
    r.now = 5000;
    install(&r, 1, 0xf1, 0);            /* Its free may be among the lost. */
    summary(&r, &s);
    is_int(s.last_discard_ts, UINT64_MAX, "open: its end is not known");
    lifecycle_discard_close(r.lc, 6000);
    summary(&r, &s);
    is_int(s.last_discard_ts, 6000, "closed: its end");
    is_int(s.n_discard_unknown, 1, "one loss of an unknown number");
    r.now = 6000;
    install(&r, 2, 0xf2, 0);            /* Within the range: unsure. */
    r.now = 7000;
    install(&r, 3, 0xf3, 0);            /* After it: a leak. */
    finish(&r, true);
    is_int(verdict_of(&r, 1), LIFECYCLE_INCONCLUSIVE,
           "created while the loss was open: INCONCLUSIVE");
    is_int(verdict_of(&r, 2), LIFECYCLE_INCONCLUSIVE,
           "created at the loss's end: INCONCLUSIVE");
    is_int(verdict_of(&r, 3), LIFECYCLE_FAIL,
           "created after the loss's end and leaked: FAIL");
    is_int(n_kind(&r, UK_VIOL_LEAK), 1, "one leak");
    lifecycle_destroy(r.lc);
}

/* A loss whose doubt was taken where its events went missing
 * (lifecycle_doubt()), counted when they are known never to come
 * (lifecycle_discard_count()): the ukey live then is inconclusive, the
 * one created after it and leaked fails, and the summary counts one
 * report over the range where the events went missing. */
static void
test_loss_counted_late(void)
{
    struct rec r;
    struct lifecycle_summary s;

    rec_init(&r, NULL);
    r.now = 100;
    threads(&r);
    install(&r, 1, 0xf1, 0);
    r.now = 500;
    lifecycle_doubt(r.lc, 500);         /* A seq missing here. */
    r.now = 1000;
    install(&r, 2, 0xf2, 0);
    lifecycle_discarded(r.lc, 4, 2000, 3000);
    summary(&r, &s);
    is_int(s.n_discard_reports, 1, "the doubt alone is no report");
    r.now = 4000;
    install(&r, 3, 0xf3, 0);
    lifecycle_discard_count(r.lc, 0, 400, 500);   /* Never came. */
    summary(&r, &s);
    is_int(s.n_discard_reports, 2, "counted at the end: two reports");
    is_int(s.n_discard_unknown, 1, "one of an unknown number");
    is_int(s.discarded_events, 4, "the other's count");
    is_int(s.first_discard_ts, 400, "the first range: the missing seqs'");
    is_int(s.last_discard_ts, 3000, "the last range: the discard's");
    finish(&r, true);
    is_int(verdict_of(&r, 1), LIFECYCLE_INCONCLUSIVE,
           "live when the seq went missing: INCONCLUSIVE");
    is_int(verdict_of(&r, 3), LIFECYCLE_FAIL,
           "live at the count, created after the losses, leaked: FAIL");
    lifecycle_destroy(r.lc);
}

/* The seqs of gaps found after a loss was told (lifecycle_discard_more()):
 * they count in it, and one told of an unknown number no longer is; the
 * verdicts are those of the losses and doubts alone. */
static void
test_loss_counted_more(void)
{
    struct rec r;
    struct lifecycle_summary s;

    rec_init(&r, NULL);
    r.now = 100;
    threads(&r);
    install(&r, 1, 0xf1, 0);
    lifecycle_discarded(r.lc, 0, 200, 300);     /* A lost packet. */
    lifecycle_discarded(r.lc, 0, 300, 400);     /* Another. */
    r.now = 500;
    install(&r, 2, 0xf2, 0);
    lifecycle_doubt(r.lc, 500);                 /* A gap the first covers: */
    lifecycle_discard_more(r.lc, 16, true);
    lifecycle_discard_more(r.lc, 3, false);     /* and the next one. */
    summary(&r, &s);
    is_int(s.n_discard_reports, 2, "the gaps are no other report");
    is_int(s.n_discard_unknown, 1, "the other is still of an unknown number");
    is_int(s.discarded_events, 19, "the seqs missing counted");
    finish(&r, true);
    is_int(verdict_of(&r, 2), LIFECYCLE_INCONCLUSIVE,
           "live at the gap: INCONCLUSIVE");
    lifecycle_destroy(r.lc);
}

/* A thread takes its seqs in order: one that goes back is another
 * program's thread of the same id (or a corrupt trace). */
static void
test_seq_back(void)
{
    struct rec r;
    struct lifecycle_summary s;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    install(&r, 2, 0xf2, 0);
    summary(&r, &s);
    is_int(s.n_seq_back, 0, "one program: seqs go up on every thread");
    uint64_t high = r.seq;
    r.seq = 3;
    install(&r, 3, 0xf3, 0);
    summary(&r, &s);
    ok(s.n_seq_back > 0, "seqs going back on a thread are counted (%"
       PRIu64 ")", s.n_seq_back);
    is_int(s.seq_back_from, high, "from the thread's last seq");
    is_int(s.seq_back_to, 4, "to the first seq that went back");
    lifecycle_destroy(r.lc);
}

/* A freed id far above the others (a corrupt trace) is remembered without
 * a bitmap spanning the gap: it asked for 2^59 bytes and aborted. */
static void
test_far_freed_id(void)
{
    struct rec r;
    const uint64_t far = UINT64_C(1) << 62;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    delete_and_free(&r, 1, 0xf1);
    install(&r, far, 0xf2, 0);
    delete_and_free(&r, far, 0xf2);
    is_int(r.n_v, 0, "a far id freed: no violation");
    F(&r, .type = UK_EV_TRANSITION, .thread_id = T_REVAL, .ukey_id = far,
      .ufid = 0xf2, .from = UKEY_DELETED, .to = UKEY_EVICTED,
      .result = UK_TR_ABORT);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_FREE), 1,
           "an event of the far id after its free: use after free");
    install(&r, 2, 0xf3, 0);
    is_int(r.n_v, 1, "the ids between are not freed");
    ok(lifecycle_footprint(r.lc) < (16u << 20),
       "footprint %zu bytes", lifecycle_footprint(r.lc));
    lifecycle_destroy(r.lc);
}

static void
test_lost_events(void)
{
    struct rec r;

    /* A ukey live across a discard: no leak, no stuck, INCONCLUSIVE. */
    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    install(&r, 2, 0xf2, 0);
    F(&r, .type = UK_EV_TRAFFIC, .ufid = 0xf1, .value = 1,
      .result = UK_PATH_FASTPATH);
    r.now = 100;
    lifecycle_discarded(r.lc, 10, 100, 200);
    /* Created in the loss's range, by a thread whose events another
     * stream recorded: its free may be among those lost. */
    r.now = 150;
    install(&r, 4, 0xf4, 0);
    r.now = 300;
    F(&r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .value = 50);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_MAIN, .ufid = 0xf2,
      .kind = UK_DEL_EXTERNAL);
    for (int i = 1; i <= 8; i++) {
        round_end(&r, T_REVAL, i);
    }
    /* Its first insert may have been lost: no duplicate for the later
     * one either. */
    install(&r, 3, 0xf1, 0);
    evict(&r, 2, 0xf2, 0);
    delete_and_free(&r, 2, 0xf2);
    is_int(verdict_of(&r, 2), LIFECYCLE_INCONCLUSIVE,
           "freed after a loss: INCONCLUSIVE");
    is_int(r.n_v, 0, "lost events: no violation at all");
    finish(&r, true);
    is_int(r.n_v, 1, "only the leak of the ukey created after the loss");
    is_int(n_kind(&r, UK_VIOL_LEAK), 1, "that one is a leak");
    is_int(verdict_of(&r, 1), LIFECYCLE_INCONCLUSIVE,
           "live across a loss: INCONCLUSIVE");
    ok(strstr(explanation_of(&r, 1), "lost") != NULL,
       "explanation: '%s'", explanation_of(&r, 1));
    is_int(verdict_of(&r, 3), LIFECYCLE_FAIL,
           "created after the loss and leaked: FAIL");
    is_int(verdict_of(&r, 4), LIFECYCLE_INCONCLUSIVE,
           "created within the loss's range and never freed: INCONCLUSIVE");
    struct lifecycle_summary s;
    summary(&r, &s);
    is_int(s.discarded_events, 10, "discarded events counted");
    is_int(s.n_discard_reports, 1, "discard reports counted");
    lifecycle_destroy(r.lc);

    /* A trace that starts mid-life. */
    rec_init(&r, NULL);
    r.seq = 1000;
    tr(&r, T_REVAL, 7, 0xf1, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    F(&r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = 7,
      .ufid = 0xf1, .value = 50);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_REVAL, .ukey_id = 7,
      .ufid = 0xf1);
    tr(&r, T_REVAL, 7, 0xf1, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
    delete_and_free(&r, 7, 0xf1);
    is_int(r.n_v, 0, "mid-life: no violation");
    is_int(verdict_of(&r, 7), LIFECYCLE_INCONCLUSIVE, "mid-life: "
           "INCONCLUSIVE");
    is_int(r.done[0].created_seen, 0, "mid-life: created_seen false");
    lifecycle_destroy(r.lc);
}

static void
free_id(struct rec *r, uint64_t id)
{
    F(r, .type = UK_EV_RCU_FREE, .thread_id = T_URCU, .ukey_id = id);
}

static void
lock_id(struct rec *r, uint64_t id)
{
    F(r, .type = UK_EV_LOCK, .thread_id = T_REVAL, .kind = UK_LOCK_UKEY,
      .ukey_id = id);
}

static void
test_freed_ids(void)
{
    struct rec r;

    /* Frees out of order, in a trace that begins mid-run. */
    rec_init(&r, NULL);
    r.seq = 500;
    for (uint64_t id = 1024; id < 1424; id++) {
        lock_id(&r, id);
    }
    for (uint64_t id = 1399; id >= 1024; id -= 2) {
        free_id(&r, id);
    }
    for (uint64_t id = 1024; id < 1400; id += 2) {
        free_id(&r, id);
    }
    free_id(&r, 1410);
    lock_id(&r, 7);             /* First seen below the bitmap. */
    free_id(&r, 7);
    is_int(r.n_v, 0, "out-of-order frees: no violation");
    lock_id(&r, 1030);
    lock_id(&r, 1410);
    lock_id(&r, 7);
    is_int(n_kind(&r, UK_VIOL_USE_AFTER_FREE), 3,
           "use after free in the dropped prefix, the bitmap, below it");
    lock_id(&r, 1400);
    lock_id(&r, 1423);
    lock_id(&r, 6);
    is_int(r.n_v, 3, "ids never freed are not flagged");
    lifecycle_finish(r.lc);
    struct lifecycle_summary s;
    summary(&r, &s);
    is_int(s.by_verdict[LIFECYCLE_INCONCLUSIVE], 402,
           "ukeys first seen mid-life are INCONCLUSIVE");
    lifecycle_destroy(r.lc);
}

static void
test_memory(void)
{
    enum { N = 1000000, N_FLOWS = 64 };
    struct lifecycle *lc = lifecycle_create(NULL, NULL);
    struct ukey_event e;
    uint64_t seq = 0, max_live = 0;
    struct timespec t0, t1;

    clock_gettime(CLOCK_MONOTONIC, &t0);
#define FEED(...)                                                   \
    do {                                                            \
        e = (struct ukey_event) { __VA_ARGS__ };                    \
        e.seq = ++seq;                                              \
        lifecycle_feed(lc, &e, seq - 1);                            \
    } while (0)
    for (uint64_t id = 1; id <= N; id++) {
        uint64_t ufid = 1 + id % N_FLOWS;
        FEED(.type = UK_EV_CREATE, .ukey_id = id, .ufid = ufid, .umap = 0);
        FEED(.type = UK_EV_UMAP_INSERT, .ukey_id = id, .ufid = ufid);
        FEED(.type = UK_EV_TRANSITION, .ukey_id = id, .ufid = ufid,
             .from = UKEY_CREATED, .to = UKEY_VISIBLE);
        FEED(.type = UK_EV_DP_PUT, .ukey_id = id, .ufid = ufid,
             .kind = UK_PUT_CREATE);
        FEED(.type = UK_EV_TRANSITION, .ukey_id = id, .ufid = ufid,
             .from = UKEY_VISIBLE, .to = UKEY_OPERATIONAL);
        FEED(.type = UK_EV_TRAFFIC, .ufid = ufid, .value = 3);
        FEED(.type = UK_EV_TRANSITION, .ukey_id = id, .ufid = ufid,
             .from = UKEY_OPERATIONAL, .to = UKEY_EVICTING);
        FEED(.type = UK_EV_DP_DEL, .ukey_id = id, .ufid = ufid);
        FEED(.type = UK_EV_TRANSITION, .ukey_id = id, .ufid = ufid,
             .from = UKEY_EVICTING, .to = UKEY_EVICTED);
        FEED(.type = UK_EV_UMAP_REMOVE, .ukey_id = id, .ufid = ufid);
        FEED(.type = UK_EV_RCU_POSTPONE, .ukey_id = id, .ufid = ufid);
        FEED(.type = UK_EV_TRANSITION, .ukey_id = id, .ufid = ufid,
             .from = UKEY_EVICTED, .to = UKEY_DELETED);
        /* Frees lag behind by a few ukeys, as after a grace period. */
        if (id > 8) {
            FEED(.type = UK_EV_RCU_FREE, .ukey_id = id - 8);
        }
        if (id % 1000 == 0) {
            struct lifecycle_summary s;
            lifecycle_get_summary(lc, &s);
            if (s.n_live > max_live) {
                max_live = s.n_live;
            }
            FEED(.type = UK_EV_OP_END, .kind = UK_OP_ROUND);
        }
    }
    for (uint64_t id = N - 7; id <= N; id++) {
        FEED(.type = UK_EV_RCU_FREE, .ukey_id = id);
    }
#undef FEED
    clock_gettime(CLOCK_MONOTONIC, &t1);

    struct lifecycle_summary s;
    lifecycle_get_summary(lc, &s);
    double secs = (t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9;
    diag("%llu events in %.3f s: %.1f M events/s",
         (unsigned long long) s.n_events, secs, s.n_events / secs / 1e6);
    struct rusage ru;
    if (!getrusage(RUSAGE_SELF, &ru)) {
        diag("max RSS %ld KiB", ru.ru_maxrss);
    }
    size_t footprint = lifecycle_footprint(lc);
    diag("footprint after %d lifecycles: %zu bytes", N, footprint);
    ok(footprint < 512 * 1024, "memory does not grow with the ukeys fed");
    ok(max_live <= 16, "live records stay small (max %llu)",
       (unsigned long long) max_live);
    is_int(s.n_live, 0, "nothing live at the end");
    is_int(s.n_ukeys, N, "every ukey seen");
    is_int(s.by_verdict[LIFECYCLE_PASS], N, "every ukey PASSes");
    is_int(s.n_violations, 0, "no violation");
    lifecycle_finish(lc);
    lifecycle_destroy(lc);
}

int
main(void)
{
    test_clean();
    test_replace();
    test_double_delete();
    test_transitions();
    test_use_after();
    test_late_after_free();
    test_late_double_free();
    test_late_live();
    test_late_steps();
    test_late_step_after_free();
    test_purge_lost_op_end();
    test_duplicate();
    test_stats();
    test_leak();
    test_dp_flow_without_ukey();
    test_far_freed_id();
    test_open_loss();
    test_loss_counted_late();
    test_loss_counted_more();
    test_seq_back();
    test_runs();
    test_late_after_end();
    test_late_head();
    test_lost_events();
    test_freed_ids();
    test_memory();
    lifecycle_destroy(NULL);
    return done_testing();
}
