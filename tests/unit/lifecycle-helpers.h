/* SPDX-License-Identifier: Apache-2.0 */
/* What the unit tests of core/lifecycle.c share (test-lifecycle.c,
 * test-lifecycle-flow.c): a lifecycle whose callbacks record what they
 * saw, and events fed by designated initializers (F()), with the threads
 * and the steps of an ordinary lifecycle. */
#ifndef UKDB_TESTS_UNIT_LIFECYCLE_HELPERS_H
#define UKDB_TESTS_UNIT_LIFECYCLE_HELPERS_H 1

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/lifecycle.h"
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
        size_t n_late_steps;        /* With an 'after_seq', */
        size_t late_step;           /* the last: its place, */
        uint64_t late_seq, late_after;  /* seq and 'after_seq'. */
        char explanation[512];      /* As long as the fold's lines. */
    } done[MAX_RECORDED];
    int n_done;
    struct {                    /* 'ukey_late_step' calls. */
        uint64_t id, seq, after;
        uint8_t to;
    } late[MAX_RECORDED];
    int n_late;
};

static inline void
on_violation(const struct lifecycle_violation *v, void *aux)
{
    struct rec *r = aux;
    if (r->n_v < MAX_RECORDED) {
        r->v[r->n_v] = *v;
    }
    r->n_v++;
}

static inline void
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
        r->done[r->n_done].n_late_steps = 0;
        for (size_t i = 0; i < u->n_steps; i++) {
            if (u->steps[i].after_seq) {
                r->done[r->n_done].n_late_steps++;
                r->done[r->n_done].late_step = i;
                r->done[r->n_done].late_seq = u->steps[i].seq;
                r->done[r->n_done].late_after = u->steps[i].after_seq;
            }
        }
        snprintf(r->done[r->n_done].explanation,
                 sizeof r->done[r->n_done].explanation, "%s",
                 u->explanation);
    }
    r->n_done++;
}

static inline void
on_late_step(uint64_t id, const struct lifecycle_step *s, void *aux)
{
    struct rec *r = aux;
    if (r->n_late < MAX_RECORDED) {
        r->late[r->n_late].id = id;
        r->late[r->n_late].seq = s->seq;
        r->late[r->n_late].after = s->after_seq;
        r->late[r->n_late].to = s->to;
    }
    r->n_late++;
}

static inline void
rec_init(struct rec *r, const struct lifecycle_options *opts)
{
    memset(r, 0, sizeof *r);
    struct lifecycle_callbacks cbs = {
        .violation = on_violation, .ukey_done = on_done,
        .ukey_late_step = on_late_step, .aux = r,
    };
    r->lc = lifecycle_create(opts, &cbs);
}

static inline void
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

static inline int
n_kind(const struct rec *r, enum uk_violation_kind kind)
{
    int n = 0;
    for (int i = 0; i < r->n_v && i < MAX_RECORDED; i++) {
        n += r->v[i].event.kind == (int) kind;
    }
    return n;
}

static inline const struct lifecycle_violation *
first_kind(const struct rec *r, enum uk_violation_kind kind)
{
    for (int i = 0; i < r->n_v && i < MAX_RECORDED; i++) {
        if (r->v[i].event.kind == (int) kind) {
            return &r->v[i];
        }
    }
    return NULL;
}

static inline int
verdict_of(const struct rec *r, uint64_t id)
{
    for (int i = 0; i < r->n_done && i < MAX_RECORDED; i++) {
        if (r->done[i].id == id) {
            return r->done[i].verdict;
        }
    }
    return -1;
}

static inline const char *
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

static inline void
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

static inline void
tr(struct rec *r, uint32_t thread, uint64_t id, uint64_t ufid,
   enum ukey_state from, enum ukey_state to, enum uk_transition_result res)
{
    F(r, .type = UK_EV_TRANSITION, .thread_id = thread, .ukey_id = id,
      .ufid = ufid, .from = from, .to = to, .result = res,
      .where = "core/test.c:1");
}

/* create -> insert -> VISIBLE -> dp_put -> OPERATIONAL. */
static inline void
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
static inline void
evict(struct rec *r, uint64_t id, uint64_t ufid, uint32_t pmd)
{
    tr(r, T_REVAL, id, ufid, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    F(r, .type = UK_EV_DP_DEL, .thread_id = T_REVAL, .ukey_id = id,
      .ufid = ufid, .pmd_id = pmd, .kind = UK_DEL_REVALIDATOR);
    tr(r, T_REVAL, id, ufid, UKEY_EVICTING, UKEY_EVICTED, UK_TR_OK);
}

/* ukey_delete(): remove, postpone, DELETED; then the RCU free. */
static inline void
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

static inline void
round_end(struct rec *r, uint32_t thread, uint64_t round)
{
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = thread, .kind = UK_OP_ROUND,
      .value = round);
    F(r, .type = UK_EV_OP_END, .thread_id = thread, .kind = UK_OP_ROUND);
}

static inline void
finish(struct rec *r, bool end)
{
    if (end) {
        F(r, .type = UK_EV_END);
    }
    lifecycle_finish(r->lc);
}

static inline void
summary(const struct rec *r, struct lifecycle_summary *s)
{
    lifecycle_get_summary(r->lc, s);
}

#endif /* UKDB_TESTS_UNIT_LIFECYCLE_HELPERS_H */
