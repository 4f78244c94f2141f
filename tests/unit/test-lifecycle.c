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

#define MAX_RECORDED 64

/* What the callbacks saw. */
struct rec {
    struct lifecycle *lc;
    uint64_t seq;
    uint64_t now;               /* 'ts' of events fed without one. */
    struct lifecycle_violation v[MAX_RECORDED];
    int n_v;
    struct {
        uint64_t id;
        enum lifecycle_verdict verdict;
        enum uk_violation_kind rule;
        bool freed, created_seen;
        size_t n_steps;
        uint8_t last_to;
        char explanation[256];
    } done[MAX_RECORDED];
    int n_done;
};

static void
on_violation(const struct lifecycle_violation *v, void *aux)
{
    struct rec *r = aux;
    if (r->n_v < MAX_RECORDED) {
        r->v[r->n_v] = *v;
    }
    r->n_v++;
}

static void
on_done(const struct lifecycle_ukey *u, void *aux)
{
    struct rec *r = aux;
    if (r->n_done < MAX_RECORDED) {
        r->done[r->n_done].id = u->ukey_id;
        r->done[r->n_done].verdict = u->verdict;
        r->done[r->n_done].rule = u->rule;
        r->done[r->n_done].freed = u->freed;
        r->done[r->n_done].created_seen = u->created_seen;
        r->done[r->n_done].n_steps = u->n_steps;
        r->done[r->n_done].last_to = u->n_steps
                                     ? u->steps[u->n_steps - 1].to : 0;
        snprintf(r->done[r->n_done].explanation,
                 sizeof r->done[r->n_done].explanation, "%s",
                 u->explanation);
    }
    r->n_done++;
}

static void
rec_init(struct rec *r, const struct lifecycle_options *opts)
{
    memset(r, 0, sizeof *r);
    struct lifecycle_callbacks cbs = {
        .violation = on_violation, .ukey_done = on_done, .aux = r,
    };
    r->lc = lifecycle_create(opts, &cbs);
}

static void
rec_feed(struct rec *r, struct ukey_event e)
{
    e.seq = ++r->seq;
    if (!e.ts) {
        e.ts = r->now;
    }
    lifecycle_feed(r->lc, &e, r->seq - 1);
}

/* Feeds one event built from designated initializers. */
#define F(R, ...) rec_feed(R, (struct ukey_event) { __VA_ARGS__ })

static int
n_kind(const struct rec *r, enum uk_violation_kind kind)
{
    int n = 0;
    for (int i = 0; i < r->n_v && i < MAX_RECORDED; i++) {
        n += r->v[i].event.kind == (int) kind;
    }
    return n;
}

static const struct lifecycle_violation *
first_kind(const struct rec *r, enum uk_violation_kind kind)
{
    for (int i = 0; i < r->n_v && i < MAX_RECORDED; i++) {
        if (r->v[i].event.kind == (int) kind) {
            return &r->v[i];
        }
    }
    return NULL;
}

static int
verdict_of(const struct rec *r, uint64_t id)
{
    for (int i = 0; i < r->n_done && i < MAX_RECORDED; i++) {
        if (r->done[i].id == id) {
            return r->done[i].verdict;
        }
    }
    return -1;
}

static const char *
explanation_of(const struct rec *r, uint64_t id)
{
    for (int i = 0; i < r->n_done && i < MAX_RECORDED; i++) {
        if (r->done[i].id == id) {
            return r->done[i].explanation;
        }
    }
    return "";
}

/* Threads of the scenarios. */
enum { T_MAIN, T_URCU, T_HANDLER, T_REVAL, T_REVAL2 };

static void
threads(struct rec *r)
{
    F(r, .type = UK_EV_THREAD_START, .thread_id = T_MAIN,
      .kind = UK_THREAD_MAIN, .name = "main");
    F(r, .type = UK_EV_THREAD_START, .thread_id = T_URCU,
      .kind = UK_THREAD_URCU, .name = "urcu");
    F(r, .type = UK_EV_THREAD_START, .thread_id = T_HANDLER,
      .kind = UK_THREAD_HANDLER, .name = "handler0");
    F(r, .type = UK_EV_THREAD_START, .thread_id = T_REVAL,
      .kind = UK_THREAD_REVALIDATOR, .name = "revalidator0");
    F(r, .type = UK_EV_THREAD_START, .thread_id = T_REVAL2,
      .kind = UK_THREAD_REVALIDATOR, .name = "revalidator1");
}

static void
tr(struct rec *r, uint32_t thread, uint64_t id, uint64_t ufid,
   enum ukey_state from, enum ukey_state to, enum uk_transition_result res)
{
    F(r, .type = UK_EV_TRANSITION, .thread_id = thread, .ukey_id = id,
      .ufid = ufid, .from = from, .to = to, .result = res,
      .where = "core/test.c:1");
}

/* create -> insert -> VISIBLE -> dp_put -> OPERATIONAL. */
static void
install(struct rec *r, uint64_t id, uint64_t ufid, uint32_t pmd)
{
    F(r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = id,
      .ufid = ufid, .pmd_id = pmd, .umap = 0);
    F(r, .type = UK_EV_UMAP_INSERT, .thread_id = T_HANDLER, .ukey_id = id,
      .ufid = ufid, .umap = 0);
    tr(r, T_HANDLER, id, ufid, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
    F(r, .type = UK_EV_DP_PUT, .thread_id = T_HANDLER, .ukey_id = id,
      .ufid = ufid, .pmd_id = pmd, .kind = UK_PUT_CREATE);
    tr(r, T_HANDLER, id, ufid, UKEY_VISIBLE, UKEY_OPERATIONAL, UK_TR_OK);
}

/* OPERATIONAL -> EVICTING -> dp_del -> EVICTED. */
static void
evict(struct rec *r, uint64_t id, uint64_t ufid, uint32_t pmd)
{
    tr(r, T_REVAL, id, ufid, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    F(r, .type = UK_EV_DP_DEL, .thread_id = T_REVAL, .ukey_id = id,
      .ufid = ufid, .pmd_id = pmd, .kind = UK_DEL_REVALIDATOR);
    tr(r, T_REVAL, id, ufid, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
}

/* ukey_delete(): remove, postpone, DELETED; then the RCU free. */
static void
delete_and_free(struct rec *r, uint64_t id, uint64_t ufid)
{
    F(r, .type = UK_EV_UMAP_REMOVE, .thread_id = T_REVAL, .ukey_id = id,
      .ufid = ufid, .umap = 0);
    F(r, .type = UK_EV_RCU_POSTPONE, .thread_id = T_REVAL, .ukey_id = id,
      .ufid = ufid);
    tr(r, T_REVAL, id, ufid, UKEY_EVICTED, UKEY_DELETED, UK_TR_OK);
    F(r, .type = UK_EV_RCU_FREE, .thread_id = T_URCU, .ukey_id = id,
      .ufid = ufid);
}

static void
round_end(struct rec *r, uint32_t thread, uint64_t round)
{
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = thread, .kind = UK_OP_ROUND,
      .value = round);
    F(r, .type = UK_EV_OP_END, .thread_id = thread, .kind = UK_OP_ROUND);
}

static void
finish(struct rec *r, bool end)
{
    if (end) {
        F(r, .type = UK_EV_END);
    }
    lifecycle_finish(r->lc);
}

static void
summary(const struct rec *r, struct lifecycle_summary *s)
{
    lifecycle_get_summary(r->lc, s);
}

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
}

static void
test_stuck(void)
{
    struct rec r;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    install(&r, 2, 0xf2, 0);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_MAIN, .ufid = 0xf1,
      .kind = UK_DEL_EXTERNAL);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_MAIN, .ufid = 0xf2,
      .kind = UK_DEL_EXTERNAL);
    for (int i = 1; i <= 5; i++) {
        round_end(&r, T_REVAL, i);
        round_end(&r, T_REVAL2, i);     /* Same round: counts once. */
        if (i == 3) {
            tr(&r, T_REVAL, 2, 0xf2, UKEY_OPERATIONAL, UKEY_EVICTING,
               UK_TR_OK);
        }
    }
    struct lifecycle_summary s;
    summary(&r, &s);
    is_int(s.n_rounds, 5, "two revalidators ending a round count once");
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 0, "5 rounds: not stuck yet");
    round_end(&r, T_REVAL, 6);
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 1, "6 rounds: stuck");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_STUCK_UKEY);
    is_int(v ? v->event.ukey_id : 0, 1, "the ukey without progress");
    round_end(&r, T_REVAL, 7);
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 1, "stuck reported once");
    lifecycle_destroy(r.lc);
}

/* Round 'round' of revalidator 'thread' with its dump phase and, if
 * 'sweep', its sweep phase. */
static void
round_phased(struct rec *r, uint32_t thread, uint64_t round, bool sweep)
{
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = thread, .kind = UK_OP_ROUND,
      .value = round);
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = thread, .kind = UK_OP_DUMP,
      .value = round);
    F(r, .type = UK_EV_OP_END, .thread_id = thread, .kind = UK_OP_DUMP,
      .value = round);
    if (sweep) {
        F(r, .type = UK_EV_OP_BEGIN, .thread_id = thread,
          .kind = UK_OP_SWEEP, .value = round);
        F(r, .type = UK_EV_OP_END, .thread_id = thread, .kind = UK_OP_SWEEP,
          .value = round);
    }
    F(r, .type = UK_EV_OP_END, .thread_id = thread, .kind = UK_OP_ROUND,
      .value = round);
}

/* Only a sweep deletes a ukey whose datapath flow is gone, or whose
 * eviction began: rounds that only dumped (the REPL's "dump") do not count
 * toward a stuck ukey, whichever revalidator ends them; they do count as
 * rounds. */
static void
test_stuck_dump_only(void)
{
    struct rec r;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    install(&r, 2, 0xf2, 0);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_MAIN, .ufid = 0xf1,
      .kind = UK_DEL_EXTERNAL);
    tr(&r, T_REVAL, 2, 0xf2, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_REVAL, .ukey_id = 2,
      .ufid = 0xf2, .kind = UK_DEL_REVALIDATOR);
    tr(&r, T_REVAL, 2, 0xf2, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
    uint64_t n = 0;
    for (int i = 0; i < 8; i++) {
        round_phased(&r, i % 2 ? T_REVAL2 : T_REVAL, ++n, false);
    }
    struct lifecycle_summary s;
    summary(&r, &s);
    is_int(s.n_rounds, 8, "dump-only rounds are rounds");
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 0,
           "8 dump-only rounds: neither ukey is stuck");
    for (int i = 0; i < 5; i++) {
        round_phased(&r, T_REVAL, ++n, true);
        round_phased(&r, T_REVAL, ++n, false);
    }
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 0,
           "5 rounds that swept: not stuck yet");
    round_phased(&r, T_REVAL2, ++n, true);
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 2,
           "6 rounds that swept: both stuck");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_STUCK_UKEY);
    ok(v && v->event.name && strstr(v->event.name, "for 6 rounds"),
       "the rounds that swept are counted: '%s'",
       v && v->event.name ? v->event.name : "");
    lifecycle_destroy(r.lc);
}

/* The handler's batch whose op_begin the input lacks installs ukey 'id'
 * of flow 'ufid' (VISIBLE), after a dp_del that left no doubt its
 * datapath flow is gone; its handler, late (preempted), has not put it
 * when 8 rounds end.  Then its batch ends without a put (as none of
 * OVS's does: a stand-in for a ukey truly left without a flow by an idle
 * handler), and another round ends. */
static void
late_batch(struct rec *r, uint64_t id, uint64_t ufid, uint64_t round)
{
    F(r, .type = UK_EV_DP_DEL, .thread_id = T_MAIN, .ufid = ufid,
      .kind = UK_DEL_EXTERNAL);
    F(r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = id,
      .ufid = ufid, .umap = 0);
    F(r, .type = UK_EV_UMAP_INSERT, .thread_id = T_HANDLER, .ukey_id = id,
      .ufid = ufid, .umap = 0);
    tr(r, T_HANDLER, id, ufid, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
    for (int i = 0; i < 8; i++) {
        round_end(r, T_REVAL, round++);
    }
    is_int(n_kind(r, UK_VIOL_STUCK_UKEY), 0,
           "8 rounds in a batch whose op_begin is unseen: not stuck");
    F(r, .type = UK_EV_OP_END, .thread_id = T_HANDLER,
      .kind = UK_OP_UPCALL_BATCH);
    round_end(r, T_REVAL, round);
    const struct lifecycle_violation *v = first_kind(r, UK_VIOL_STUCK_UKEY);
    is_int(n_kind(r, UK_VIOL_STUCK_UKEY), 1,
           "its op_end seen: stuck at the next round's end");
    ok(v && v->event.name && strstr(v->event.name, "for 9 rounds"),
       "...counted from its install: '%s'",
       v && v->event.name ? v->event.name : "");
}

/* A thread may be inside an operation whose op_begin the input lacks: lost,
 * or before the input began (a session cleared, a snapshot).  Its mover
 * still inside it is not stuck, as one whose op_begin was seen; its op_end
 * (or the next op_begin of an outermost operation) shows it outside. */
static void
test_stuck_unseen_op(void)
{
    struct rec r;

    /* Lost: the handler's op_begin was in a loss's range. */
    rec_init(&r, NULL);
    threads(&r);
    r.now = 100;
    lifecycle_discarded(r.lc, 1, 100, 150);
    r.now = 200;
    late_batch(&r, 1, 0xf1, 1);
    lifecycle_destroy(r.lc);

    /* Before the input: it starts mid-run. */
    rec_init(&r, NULL);
    r.seq = 500;
    late_batch(&r, 7, 0xf1, 30);
    lifecycle_destroy(r.lc);

    /* An op_begin seen after the loss: that batch is known. */
    rec_init(&r, NULL);
    threads(&r);
    r.now = 100;
    lifecycle_discarded(r.lc, 1, 100, 150);
    r.now = 200;
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_HANDLER,
      .kind = UK_OP_UPCALL_BATCH);
    F(&r, .type = UK_EV_OP_END, .thread_id = T_HANDLER,
      .kind = UK_OP_UPCALL_BATCH);
    install(&r, 1, 0xf1, 0);    /* No op: as an idle handler's. */
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_MAIN, .ufid = 0xf1,
      .kind = UK_DEL_EXTERNAL);
    for (int i = 1; i <= 6; i++) {
        round_end(&r, T_REVAL, i);
    }
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 1,
           "a handler seen between batches after a loss: its ukey stuck");
    lifecycle_destroy(r.lc);
}

/* Liveness assumes fair scheduling: contention on a ukey, a lock held on
 * it, or its mover still inside its operation do not count as "stuck". */
static void
test_stuck_fairness(void)
{
    struct rec r;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    install(&r, 2, 0xf2, 0);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_MAIN, .ufid = 0xf1,
      .kind = UK_DEL_EXTERNAL);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_MAIN, .ufid = 0xf2,
      .kind = UK_DEL_EXTERNAL);
    /* The handler holds ukey 2's lock for rounds 1-6; the sweeper's
     * trylocks of it fail. */
    F(&r, .type = UK_EV_LOCK, .thread_id = T_HANDLER, .kind = UK_LOCK_UKEY,
      .ukey_id = 2, .ufid = 0xf2);
    for (int i = 1; i <= 6; i++) {
        F(&r, .type = UK_EV_TRYLOCK, .thread_id = T_REVAL,
          .kind = UK_LOCK_UKEY, .ukey_id = 2, .ufid = 0xf2, .result = EBUSY);
        round_end(&r, T_REVAL, i);
    }
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_STUCK_UKEY);
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 1,
           "6 rounds: only the uncontended ukey is stuck");
    is_int(v ? v->event.ukey_id : 0, 1, "...ukey 1, not the locked one");
    F(&r, .type = UK_EV_UNLOCK, .thread_id = T_HANDLER, .kind = UK_LOCK_UKEY,
      .ukey_id = 2, .ufid = 0xf2);
    /* The last failed trylock was during round 6 (5 rounds done). */
    for (int i = 7; i <= 10; i++) {
        round_end(&r, T_REVAL, i);
    }
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 1,
           "5 rounds after the contention: not stuck yet");
    round_end(&r, T_REVAL, 11);
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 2, "6 rounds after it: stuck");
    lifecycle_destroy(r.lc);
}

/* Round 'round' of flow 0xf1, whose traffic went 'path'; a miss of it is
 * handled (an upcall of its packets) with 'upcall'. */
static void
slow_round_upcall(struct rec *r, uint64_t round, enum uk_path path,
                  bool upcall)
{
    F(r, .type = UK_EV_TRAFFIC, .ufid = 0xf1, .value = 2, .result = path,
      .ts = round * 1000);
    if (upcall) {
        F(r, .type = UK_EV_UPCALL, .thread_id = T_HANDLER, .ufid = 0xf1,
          .value = 2, .ts = round * 1000 + 100);
    }
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL,
      .kind = UK_OP_ROUND, .value = round);
    F(r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_ROUND,
      .value = round, .ts = round * 1000 + 500);
}

/* A round of flow 0xf1 whose slowpath traffic (not its fastpath traffic)
 * makes a miss its handler handles. */
static void
slow_round(struct rec *r, uint64_t round, enum uk_path path)
{
    slow_round_upcall(r, round, path, path == UK_PATH_SLOWPATH);
}

struct flow_figures {
    int n;
    struct lifecycle_flow f;
};

static void
get_flow(const struct lifecycle_flow *f, void *aux)
{
    struct flow_figures *ff = aux;
    if (!ff->n++) {
        ff->f = *f;
    }
}

/* ==== Stale actions ==== */

/* What a stale_round() leaves out or adds: each makes the round a near
 * miss of the stale-actions rule. */
enum {
    SR_FIX = 1 << 0,            /* The dump modifies the flow: fixed. */
    SR_LATE_CHANGE = 1 << 1,    /* The rules change after the round began. */
    SR_NO_SWEEP = 1 << 2,       /* A dump-only round. */
    SR_BUSY = 1 << 3,           /* A trylock of the ukey fails in it. */
    SR_PUT_ERROR = 1 << 4,      /* A failed put of the flow in it. */
    SR_CONTENTION = 1 << 5,     /* An adoption loses a race (no ukey). */
    SR_DUPLICATE = 1 << 6,      /* Only a duplicate dump entry. */
    SR_NO_CHANGE = 1 << 7,      /* No rule_change: an older trace. */
};

/* Round 'round' of T_REVAL: a dump that returns f1 (ufid 0xf1, in the
 * datapath with the actions of rules v0 since 'stale_setup()') and, the
 * first time, adopts it into ukey 1, which the dump and the sweep keep;
 * 'flags' as above. */
static void
stale_round(struct rec *r, uint64_t round, bool adopt, unsigned int flags)
{
    if (!(flags & (SR_LATE_CHANGE | SR_NO_CHANGE)) && round == 1) {
        F(r, .type = UK_EV_RULE_CHANGE, .thread_id = T_MAIN, .ufid = 0xf1,
          .value = 1, .value2 = 2);
    }
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_ROUND,
      .value = round);
    if (flags & SR_LATE_CHANGE) {
        F(r, .type = UK_EV_RULE_CHANGE, .thread_id = T_MAIN, .ufid = 0xf1,
          .value = 1, .value2 = 2);
    }
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_DUMP,
      .value = round);
    F(r, .type = UK_EV_DP_DUMP, .thread_id = T_REVAL, .ufid = 0xf1,
      .kind = flags & SR_DUPLICATE ? UK_DUMP_DUPLICATE : UK_DUMP_FRESH);
    if (adopt) {
        F(r, .type = UK_EV_CREATE, .thread_id = T_REVAL, .ukey_id = 1,
          .ufid = 0xf1, .kind = UK_CREATE_DPIF_FLOW);
        F(r, .type = UK_EV_UMAP_INSERT, .thread_id = T_REVAL, .ukey_id = 1,
          .ufid = 0xf1);
        tr(r, T_REVAL, 1, 0xf1, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
        tr(r, T_REVAL, 1, 0xf1, UKEY_VISIBLE, UKEY_OPERATIONAL, UK_TR_OK);
    }
    if (flags & SR_BUSY) {
        F(r, .type = UK_EV_TRYLOCK, .thread_id = T_REVAL,
          .kind = UK_LOCK_UKEY, .ukey_id = 1, .result = EBUSY);
    }
    if (flags & SR_CONTENTION) {
        F(r, .type = UK_EV_COVERAGE, .thread_id = T_REVAL,
          .kind = UK_COV_upcall_ukey_contention);
    }
    F(r, .type = UK_EV_REVALIDATE, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xf1, .kind = flags & SR_FIX ? UK_REVAL_MODIFY : UK_REVAL_KEEP);
    if (flags & (SR_FIX | SR_PUT_ERROR)) {
        F(r, .type = UK_EV_DP_PUT, .thread_id = T_REVAL, .ukey_id = 1,
          .ufid = 0xf1, .kind = UK_PUT_MODIFY, .value = 1,
          .result = flags & SR_PUT_ERROR ? EFBIG : 0);
    }
    F(r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_DUMP);
    if (!(flags & SR_NO_SWEEP)) {
        F(r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL,
          .kind = UK_OP_SWEEP, .value = round);
        F(r, .type = UK_EV_REVALIDATE, .thread_id = T_REVAL, .ukey_id = 1,
          .ufid = 0xf1, .kind = UK_REVAL_KEEP);
        F(r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_SWEEP);
    }
    F(r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_ROUND,
      .value = round);
}

/* f1 declared and in the datapath with no ukey, with rules v0: "dp add". */
static void
stale_setup(struct rec *r)
{
    rec_init(r, NULL);
    threads(r);
    F(r, .type = UK_EV_FLOW, .thread_id = T_MAIN, .ufid = 0xf1,
      .name = "f1");
    F(r, .type = UK_EV_DP_PUT, .thread_id = T_MAIN, .ufid = 0xf1,
      .kind = UK_PUT_EXTERNAL);
}

static void
test_stale_actions(void)
{
    struct rec r;

    /* B-14: the adopting round kept the flow with v0's actions. */
    stale_setup(&r);
    stale_round(&r, 1, true, 0);
    is_int(n_kind(&r, UK_VIOL_STALE_ACTIONS), 1,
           "stale actions after a round that dumped and kept the flow");
    const struct lifecycle_violation *v
        = first_kind(&r, UK_VIOL_STALE_ACTIONS);
    ok(v && v->event.result == UK_SEV_ERROR && v->event.ukey_id == 1
       && v->event.ufid == 0xf1, "...an ERROR about the ukey that kept it");
    ok(v && strstr(v->event.name, "actions of rules v0 after round 1")
       && strstr(v->event.name, "became v1"), "...saying which rules: %s",
       v ? v->event.name : "(none)");
    ok(v && v->evidence[1].seq && v->evidence[1].seq < v->evidence[0].seq,
       "...with the rule change as earlier evidence");
    stale_round(&r, 2, false, 0);
    is_int(n_kind(&r, UK_VIOL_STALE_ACTIONS), 1,
           "reported once per instance and rules version");
    F(&r, .type = UK_EV_RULE_CHANGE, .thread_id = T_MAIN, .ufid = 0xf1,
      .value = 2, .value2 = 3);
    stale_round(&r, 3, false, 0);
    is_int(n_kind(&r, UK_VIOL_STALE_ACTIONS), 2,
           "a newer rules version is reported again");
    finish(&r, false);
    lifecycle_destroy(r.lc);

    /* The near misses. */
    static const struct {
        unsigned int flags;
        const char *what;
    } misses[] = {
        { SR_FIX, "the dump modified the flow" },
        { SR_LATE_CHANGE, "the rules changed after the round began" },
        { SR_NO_SWEEP, "a round without its sweep" },
        { SR_BUSY, "a trylock of the ukey failed in the round" },
        { SR_PUT_ERROR, "the modify failed in the round" },
        { SR_CONTENTION, "an adoption lost a race in the round" },
        { SR_DUPLICATE, "only a duplicate dump entry returned it" },
        { SR_NO_CHANGE, "no rule_change event (an older trace)" },
    };
    for (size_t i = 0; i < UK_ARRAY_SIZE(misses); i++) {
        stale_setup(&r);
        stale_round(&r, 1, true, misses[i].flags);
        is_int(n_kind(&r, UK_VIOL_STALE_ACTIONS), 0, "no stale actions: %s",
               misses[i].what);
        lifecycle_destroy(r.lc);
    }

    /* A late change is the next round's to apply. */
    stale_setup(&r);
    stale_round(&r, 1, true, SR_LATE_CHANGE);
    stale_round(&r, 2, false, 0);
    is_int(n_kind(&r, UK_VIOL_STALE_ACTIONS), 1,
           "a change during round 1 is due by the end of round 2");
    lifecycle_destroy(r.lc);

    /* The ukey the round kept is not the one that holds the actions: a
     * handler's, whose put of the flow failed (EEXIST). */
    stale_setup(&r);
    F(&r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = 1,
      .ufid = 0xf1, .kind = UK_CREATE_UPCALL);
    F(&r, .type = UK_EV_UMAP_INSERT, .thread_id = T_HANDLER, .ukey_id = 1,
      .ufid = 0xf1);
    tr(&r, T_HANDLER, 1, 0xf1, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
    stale_round(&r, 1, false, 0);
    is_int(n_kind(&r, UK_VIOL_STALE_ACTIONS), 0,
           "no stale actions: the kept ukey does not hold the flow's");
    lifecycle_destroy(r.lc);

    /* A new instance since the dump: not the one the round saw. */
    stale_setup(&r);
    F(&r, .type = UK_EV_RULE_CHANGE, .thread_id = T_MAIN, .ufid = 0xf1,
      .value = 1, .value2 = 2);
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_ROUND,
      .value = 1);
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_DUMP);
    F(&r, .type = UK_EV_DP_DUMP, .thread_id = T_REVAL, .ufid = 0xf1);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_MAIN, .ufid = 0xf1,
      .kind = UK_DEL_EXTERNAL);
    F(&r, .type = UK_EV_DP_PUT, .thread_id = T_MAIN, .ufid = 0xf1,
      .kind = UK_PUT_EXTERNAL);
    F(&r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_DUMP);
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_SWEEP);
    F(&r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_SWEEP);
    F(&r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_ROUND,
      .value = 1);
    is_int(n_kind(&r, UK_VIOL_STALE_ACTIONS), 0,
           "no stale actions: the flow was put again after the dump");
    lifecycle_destroy(r.lc);
}

static void
test_slowpath(void)
{
    struct rec r;
    struct lifecycle_options opts = { .slowpath_rounds = 3 };

    rec_init(&r, &opts);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf1, .name = "f1");
    slow_round(&r, 1, UK_PATH_SLOWPATH);
    slow_round(&r, 2, UK_PATH_SLOWPATH);
    slow_round(&r, 3, UK_PATH_FASTPATH);
    slow_round(&r, 4, UK_PATH_SLOWPATH);
    slow_round(&r, 5, UK_PATH_SLOWPATH);
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 0, "fastpath in between: fine");
    slow_round(&r, 6, UK_PATH_SLOWPATH);
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 1, "3 slowpathed rounds");
    slow_round(&r, 7, UK_PATH_SLOWPATH);
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 1, "once per window");
    slow_round(&r, 8, UK_PATH_FASTPATH);
    F(&r, .type = UK_EV_UPCALL, .ufid = 0xf1, .value = 1);

    struct flow_figures ff = { .n = 0 };
    lifecycle_for_each_flow(r.lc, get_flow, &ff, NULL);
    is_int(ff.n, 1, "one flow");
    is_str(ff.f.flow_name, "f1", "flow name from the flow event");
    is_int(ff.f.slowpath_packets, 12, "slowpath packets");
    is_int(ff.f.fastpath_packets, 4, "fastpath packets");
    is_int(ff.f.upcalls, 6 + 1, "upcalls");
    is_int(ff.f.attributed_packets, 6 * 2 + 1, "attributed packets");
    is_int(ff.f.slowpath_windows, 2, "two windows");
    is_int(ff.f.longest_window_rounds, 4, "longest window in rounds");
    is_int(ff.f.longest_window_ns, 4000, "longest window in ns");
    lifecycle_destroy(r.lc);

    /* Rounds that end within a loss's range may have lost their fastpath
     * traffic (another stream's events come after the loss): they do not
     * extend a run. */
    rec_init(&r, &opts);
    threads(&r);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf1, .name = "f1");
    slow_round(&r, 1, UK_PATH_SLOWPATH);
    lifecycle_discarded(r.lc, 5, 1600, 5600);
    for (uint64_t round = 2; round <= 5; round++) {
        slow_round(&r, round, UK_PATH_SLOWPATH);
    }
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 0,
           "rounds within a loss's range: no slowpath run");
    for (uint64_t round = 6; round <= 8; round++) {
        slow_round(&r, round, UK_PATH_SLOWPATH);
    }
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 1,
           "3 slowpathed rounds after the range: reported");
    lifecycle_destroy(r.lc);

    /* A handler late to take the flow's miss (busy with the others'
     * misses, or starved of CPU on a loaded machine, while the
     * revalidators go on): the rounds the miss waits in its queue neither
     * extend nor reset the run; the rounds that handle a miss and install
     * nothing do, even if the upcall comes a round after the traffic. */
    rec_init(&r, &opts);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf1, .name = "f1");
    slow_round_upcall(&r, 1, UK_PATH_SLOWPATH, true);
    for (uint64_t round = 2; round <= 9; round++) {
        slow_round_upcall(&r, round, UK_PATH_SLOWPATH, false);
    }
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 0,
           "a miss waiting in a late handler: no slowpath run");
    F(&r, .type = UK_EV_UPCALL, .thread_id = T_HANDLER, .ufid = 0xf1,
      .value = 2, .ts = 9900);
    slow_round_upcall(&r, 10, UK_PATH_SLOWPATH, false);
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 0, "2 rounds with a miss handled");
    slow_round_upcall(&r, 11, UK_PATH_SLOWPATH, true);
    is_int(n_kind(&r, UK_VIOL_SLOWPATH), 1,
           "3 rounds with a miss handled, nothing installed: reported");
    lifecycle_destroy(r.lc);

    /* A window ends when the datapath has the flow again, not at the
     * flow's next packet: a flow that sends one burst, is installed and
     * then goes quiet spent a round in the slowpath, not the whole run. */
    rec_init(&r, &opts);
    F(&r, .type = UK_EV_FLOW, .ufid = 0xf1, .name = "f1");
    F(&r, .type = UK_EV_TRAFFIC, .ufid = 0xf1, .value = 2,
      .result = UK_PATH_SLOWPATH, .ts = 1000);
    F(&r, .type = UK_EV_UPCALL, .thread_id = T_HANDLER, .ufid = 0xf1,
      .value = 2, .ts = 1100);
    F(&r, .type = UK_EV_DP_PUT, .thread_id = T_HANDLER, .ufid = 0xf1,
      .kind = UK_PUT_CREATE, .ts = 1300);
    for (uint64_t round = 1; round <= 6; round++) {
        F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL,
          .kind = UK_OP_ROUND, .value = round);
        F(&r, .type = UK_EV_OP_END, .thread_id = T_REVAL,
          .kind = UK_OP_ROUND, .value = round, .ts = round * 1000 + 500);
    }
    ff = (struct flow_figures) { .n = 0 };
    lifecycle_for_each_flow(r.lc, get_flow, &ff, NULL);
    is_int(ff.f.slowpath_windows, 1, "installed: one window");
    is_int(ff.f.longest_window_rounds, 0, "closed by the put: no round");
    is_int(ff.f.longest_window_ns, 300, "from the packet to the put");
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

/* ==== Retired flow records ==== */

/* A clean lifecycle of ukey 'id' on flow 'ufid', its traffic pushed. */
static void
churn_one(struct rec *r, uint64_t id, uint64_t ufid)
{
    install(r, id, ufid, 0);
    F(r, .type = UK_EV_TRAFFIC, .ufid = ufid, .value = 2,
      .result = UK_PATH_FASTPATH);
    evict(r, id, ufid, 0);
    F(r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = id,
      .ufid = ufid, .value = 2);
    delete_and_free(r, id, ufid);
}

enum { N_CHURN = 200 };

/* Flow 0xa1 lives, dies and comes back, in the same round, after
 * N_CHURN other ukeys: each on its own flow when 'distinct' (then the
 * record of 0xa1 is retired meanwhile), or all on one flow (then it is
 * not).  The events are the same otherwise, seqs included. */
static void
reseen_scenario(struct rec *r, bool distinct)
{
    threads(r);
    F(r, .type = UK_EV_FLOW, .ufid = 0xa1, .name = "a1");
    F(r, .type = UK_EV_UPCALL, .ufid = 0xa1, .value = 1);
    F(r, .type = UK_EV_TRAFFIC, .ufid = 0xa1, .value = 3,
      .result = UK_PATH_SLOWPATH, .ts = 100);
    round_end(r, T_REVAL, 1);
    round_end(r, T_REVAL, 2);
    install(r, 1, 0xa1, 0);
    /* Closes the window, and is fastpath traffic of the current round. */
    F(r, .type = UK_EV_TRAFFIC, .ufid = 0xa1, .value = 5,
      .result = UK_PATH_FASTPATH, .ts = 3000);
    evict(r, 1, 0xa1, 0);
    F(r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = 1,
      .ufid = 0xa1, .value = 5);
    delete_and_free(r, 1, 0xa1);

    for (uint64_t i = 0; i < N_CHURN; i++) {
        churn_one(r, 100 + i, distinct ? 0x1000 + i : 0xc1);
    }

    /* Back in the same round: slowpathed at once; a ukey that never gets
     * its datapath flow is stuck, since its own transition (not since the
     * dp_del of ukey 1, before it existed). */
    F(r, .type = UK_EV_UPCALL, .ufid = 0xa1, .value = 1);
    F(r, .type = UK_EV_TRAFFIC, .ufid = 0xa1, .value = 4,
      .result = UK_PATH_SLOWPATH, .ts = 5000);
    F(r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = 2,
      .ufid = 0xa1, .umap = 0);
    F(r, .type = UK_EV_UMAP_INSERT, .thread_id = T_HANDLER, .ukey_id = 2,
      .ufid = 0xa1, .umap = 0);
    tr(r, T_HANDLER, 2, 0xa1, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
    for (uint64_t round = 3; round <= 10; round++) {
        round_end(r, T_REVAL, round);
        F(r, .type = UK_EV_TRAFFIC, .ufid = 0xa1, .value = 1,
          .result = UK_PATH_SLOWPATH, .ts = round * 1000 + 5000);
        F(r, .type = UK_EV_UPCALL, .ufid = 0xa1, .value = 1);
    }
    F(r, .type = UK_EV_TRAFFIC, .ufid = 0xa1, .value = 2,
      .result = UK_PATH_FASTPATH, .ts = 20000);
}

static void
test_flow_reseen(void)
{
    struct lifecycle_options opts = { .slowpath_rounds = 3 };
    struct rec x, y;

    rec_init(&x, &opts);
    rec_init(&y, &opts);
    reseen_scenario(&x, true);
    reseen_scenario(&y, false);
    ok(lifecycle_n_flow_records(x.lc) < N_CHURN / 2,
       "distinct flows: records retired (%zu held)",
       lifecycle_n_flow_records(x.lc));
    is_int(lifecycle_n_flow_records(y.lc), 2, "one churn flow: 2 records");
    finish(&x, true);
    finish(&y, true);

    is_int(n_kind(&x, UK_VIOL_SLOWPATH), 1, "slowpath reported");
    is_int(n_kind(&x, UK_VIOL_STUCK_UKEY), 1, "stuck ukey reported");
    const struct lifecycle_violation *v = first_kind(&x, UK_VIOL_STUCK_UKEY);
    ok(v && v->evidence[1].seq > x.seq - 50,
       "stuck since its own transition (seq %llu)",
       v ? (unsigned long long) v->evidence[1].seq : 0ULL);
    is_int(x.n_v, y.n_v, "retired or not: as many violations");
    bool same = x.n_v == y.n_v;
    for (int i = 0; same && i < x.n_v && i < MAX_RECORDED; i++) {
        const struct lifecycle_violation *a = &x.v[i], *b = &y.v[i];
        same = (a->event.kind == b->event.kind
                && a->event.ukey_id == b->event.ukey_id
                && a->event.ufid == b->event.ufid
                && a->evidence[0].seq == b->evidence[0].seq
                && a->evidence[1].seq == b->evidence[1].seq
                && !strcmp(a->event.name, b->event.name));
        if (!same) {
            diag("violation %d: '%s' vs '%s'", i, a->event.name,
                 b->event.name);
        }
    }
    ok(same, "retired or not: the same violations, evidence and details");
    for (uint64_t id = 1; id <= 2; id++) {
        is_int(verdict_of(&x, id), verdict_of(&y, id),
               "retired or not: same verdict of ukey %llu",
               (unsigned long long) id);
        is_str(explanation_of(&x, id), explanation_of(&y, id),
               "retired or not: same explanation of ukey %llu",
               (unsigned long long) id);
    }

    struct flow_figures fx = { .n = 0 }, fy = { .n = 0 };
    struct lifecycle_flow rest;
    is_int(lifecycle_for_each_flow(x.lc, get_flow, &fx, &rest), 0,
           "nothing omitted");
    lifecycle_for_each_flow(y.lc, get_flow, &fy, NULL);
    is_int(fx.n, N_CHURN + 1, "each flow once");
    is_int(fx.f.ufid, 0xa1, "first appearance first");
    is_str(fx.f.flow_name, "a1", "flow name kept");
    is_int(fx.f.upcalls, 2 + 8, "upcalls of both records");
    is_int(fx.f.slowpath_packets, 3 + 4 + 8, "slowpath packets");
    ok(!memcmp(&fx.f.upcalls, &fy.f.upcalls,
               sizeof fx.f - offsetof(struct lifecycle_flow, upcalls)),
       "retired or not: the same figures");
    is_int(fx.f.slowpath_windows, 2, "two windows");
    lifecycle_destroy(x.lc);
    lifecycle_destroy(y.lc);

    /* The one difference, on purpose: stats sums are per record.  A
     * surplus of traffic before does not hide a double count after. */
    rec_init(&x, NULL);
    rec_init(&y, NULL);
    for (int pass = 0; pass < 2; pass++) {
        struct rec *r = pass ? &y : &x;
        install(r, 1, 0xb1, 0);
        F(r, .type = UK_EV_TRAFFIC, .ufid = 0xb1, .value = 10,
          .result = UK_PATH_FASTPATH);
        evict(r, 1, 0xb1, 0);
        F(r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = 1,
          .ufid = 0xb1, .value = 4);
        delete_and_free(r, 1, 0xb1);
        for (uint64_t i = 0; i < N_CHURN; i++) {
            churn_one(r, 100 + i, pass ? 0xc1 : 0x1000 + i);
        }
        install(r, 2, 0xb1, 0);
        F(r, .type = UK_EV_STATS_PUSH, .thread_id = T_REVAL, .ukey_id = 2,
          .ufid = 0xb1, .value = 3);
    }
    is_int(n_kind(&x, UK_VIOL_STATS_DOUBLE), 1,
           "new record: 3 pushed, none counted since: stats double");
    is_int(n_kind(&y, UK_VIOL_STATS_DOUBLE), 0,
           "same record: hidden by the surplus of the first ukey");
    lifecycle_destroy(x.lc);
    lifecycle_destroy(y.lc);
}

/* Short-lived ukeys each on its own flow (as tests/helper/tp-emit makes
 * them), a stats double each: the flow records, and the memory, stay
 * bounded by the live ukeys. */
static void
test_flow_memory(void)
{
    enum { N = 200000 };
    struct lifecycle_options opts = { .transient_details = true };
    struct lifecycle *lc = lifecycle_create(&opts, NULL);
    struct ukey_event e;
    uint64_t seq = 0;
    size_t max_records = 0;

#define FEED(...)                                                   \
    do {                                                            \
        e = (struct ukey_event) { __VA_ARGS__ };                    \
        e.seq = ++seq;                                              \
        lifecycle_feed(lc, &e, seq - 1);                            \
    } while (0)
    for (uint64_t id = 1; id <= N; id++) {
        uint64_t ufid = uk_mix64(id) | 1;
        FEED(.type = UK_EV_UPCALL, .ufid = ufid, .value = 1);
        FEED(.type = UK_EV_CREATE, .ukey_id = id, .ufid = ufid, .umap = 0);
        FEED(.type = UK_EV_UMAP_INSERT, .ukey_id = id, .ufid = ufid);
        FEED(.type = UK_EV_DP_PUT, .ukey_id = id, .ufid = ufid,
             .kind = UK_PUT_CREATE);
        FEED(.type = UK_EV_TRAFFIC, .ufid = ufid, .value = 3,
             .result = UK_PATH_FASTPATH);
        FEED(.type = UK_EV_DP_DEL, .ukey_id = id, .ufid = ufid);
        FEED(.type = UK_EV_STATS_PUSH, .ukey_id = id, .ufid = ufid,
             .value = 5);
        FEED(.type = UK_EV_UMAP_REMOVE, .ukey_id = id, .ufid = ufid);
        FEED(.type = UK_EV_RCU_POSTPONE, .ukey_id = id, .ufid = ufid);
        if (id > 8) {
            FEED(.type = UK_EV_RCU_FREE, .ukey_id = id - 8);
        }
        size_t n = lifecycle_n_flow_records(lc);
        if (n > max_records) {
            max_records = n;
        }
        /* No round at all for the first half, as in tp-emit's mix. */
        if (id > N / 2 && id % 100 == 0) {
            FEED(.type = UK_EV_OP_END, .kind = UK_OP_ROUND);
        }
    }
    for (uint64_t id = N - 7; id <= N; id++) {
        FEED(.type = UK_EV_RCU_FREE, .ukey_id = id);
    }
#undef FEED

    size_t footprint = lifecycle_footprint(lc);
    diag("flow records at most %zu, footprint %zu bytes", max_records,
         footprint);
    ok(max_records <= 256, "flow records bounded (max %zu)", max_records);
    ok(footprint < 2 * 1024 * 1024, "memory does not grow with the flows");
    struct lifecycle_summary s;
    lifecycle_get_summary(lc, &s);
    is_int(s.by_violation[UK_VIOL_STATS_DOUBLE], N, "a stats double each");
    is_int(s.by_verdict[LIFECYCLE_FAIL], N, "every ukey FAILs");

    struct flow_figures ff = { .n = 0 };
    struct lifecycle_flow rest;
    uint64_t n_rest = lifecycle_for_each_flow(lc, get_flow, &ff, &rest);
    is_int(ff.n, LIFECYCLE_MAX_FLOWS, "flows listed up to the limit");
    is_int(n_rest, N - LIFECYCLE_MAX_FLOWS, "the others counted");
    is_int(ff.f.ufid, uk_mix64(1) | 1, "first flow first");
    is_int(rest.fastpath_packets, 3 * (uint64_t) n_rest,
           "their figures summed");
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
    test_duplicate();
    test_stats();
    test_leak();
    test_dp_flow_without_ukey();
    test_stuck();
    test_stuck_dump_only();
    test_stuck_unseen_op();
    test_stuck_fairness();
    test_slowpath();
    test_stale_actions();
    test_far_freed_id();
    test_open_loss();
    test_loss_counted_late();
    test_seq_back();
    test_runs();
    test_lost_events();
    test_freed_ids();
    test_memory();
    test_flow_reseen();
    test_flow_memory();
    lifecycle_destroy(NULL);
    return done_testing();
}
