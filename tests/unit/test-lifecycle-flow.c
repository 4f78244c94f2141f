/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of core/lifecycle.c's rules over flows and rounds
 * (core/lifecycle-flow.c, lifecycle-stale.c): stuck ukeys, slowpath
 * windows and runs, stale datapath actions, and the records of retired
 * flows; the other rules are test-lifecycle.c's. */
#include "core/lifecycle.h"

#include <errno.h>
#include <stddef.h>
#include <string.h>

#include "core/util.h"
#include "tests/tap.h"
#include "tests/unit/lifecycle-helpers.h"

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

/* An op_end may be lost too: the thread's next outermost op_begin or
 * op_end shows it in no other operation, whatever the loss left open.
 * Revalidator0's sweep of round 1 was open when events were lost,
 * its op_end among them; then, in round 2, it evicts ukey 1 and its
 * eviction never goes on.  The handler's batch was open too; then its
 * next batch makes ukey 2, whose flow is gone. */
static void
test_stuck_lost_op_end(void)
{
    struct rec r;

    rec_init(&r, NULL);
    threads(&r);
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_ROUND,
      .value = 1);
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_SWEEP,
      .value = 1);
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_HANDLER,
      .kind = UK_OP_UPCALL_BATCH);
    r.now = 100;
    lifecycle_discarded(r.lc, 1, 100, 150);
    r.now = 200;
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_HANDLER,
      .kind = UK_OP_UPCALL_BATCH);
    install(&r, 1, 0xf1, 0);
    install(&r, 2, 0xf2, 0);
    F(&r, .type = UK_EV_OP_END, .thread_id = T_HANDLER,
      .kind = UK_OP_UPCALL_BATCH);
    F(&r, .type = UK_EV_DP_DEL, .thread_id = T_MAIN, .ufid = 0xf2,
      .kind = UK_DEL_EXTERNAL);
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_ROUND,
      .value = 2);
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_DUMP,
      .value = 2);
    tr(&r, T_REVAL, 1, 0xf1, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    F(&r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_DUMP,
      .value = 2);
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_SWEEP,
      .value = 2);
    F(&r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_SWEEP,
      .value = 2);
    F(&r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_ROUND,
      .value = 2);
    for (uint64_t n = 3; n <= 6; n++) {
        round_end(&r, T_REVAL2, n);
    }
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 0, "5 rounds: not stuck yet");
    round_end(&r, T_REVAL2, 7);
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 2,
           "6 rounds: stuck, though the loss hid where their movers' "
           "earlier operations ended");
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

/* Round 'round' of revalidators 'first' and 'second' as revalidator_round()
 * runs it: each dumps, both wait at the barrier (R3), each sweeps, both
 * wait again (R5), then 'first' ends the round and 'second', still inside
 * its ROUND, ends it after.  'in_dump', if not NULL, runs inside the dump
 * of 'second'. */
static void
round_pair(struct rec *r, uint32_t first, uint32_t second, uint64_t round,
           void (*in_dump)(struct rec *))
{
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = first, .kind = UK_OP_ROUND,
      .value = round);
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = second, .kind = UK_OP_ROUND,
      .value = round);
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = first, .kind = UK_OP_DUMP,
      .value = round);
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = second, .kind = UK_OP_DUMP,
      .value = round);
    if (in_dump) {
        in_dump(r);
    }
    F(r, .type = UK_EV_OP_END, .thread_id = first, .kind = UK_OP_DUMP,
      .value = round);
    F(r, .type = UK_EV_OP_END, .thread_id = second, .kind = UK_OP_DUMP,
      .value = round);
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = second, .kind = UK_OP_SWEEP,
      .value = round);
    F(r, .type = UK_EV_OP_BEGIN, .thread_id = first, .kind = UK_OP_SWEEP,
      .value = round);
    F(r, .type = UK_EV_OP_END, .thread_id = first, .kind = UK_OP_SWEEP,
      .value = round);
    F(r, .type = UK_EV_OP_END, .thread_id = second, .kind = UK_OP_SWEEP,
      .value = round);
    F(r, .type = UK_EV_OP_END, .thread_id = first, .kind = UK_OP_ROUND,
      .value = round);
    F(r, .type = UK_EV_OP_END, .thread_id = second, .kind = UK_OP_ROUND,
      .value = round);
}

/* In revalidator1's dump: ukey 1 is evicted and its eviction never goes
 * on (EVICTING); ukey 2, installed by the handler but for its last
 * transition, is made OPERATIONAL (T6, as revalidate_flow()), then its
 * datapath flow is deleted under OVS's feet. */
static void
reval2_moves(struct rec *r)
{
    tr(r, T_REVAL2, 1, 0xf1, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    tr(r, T_REVAL2, 2, 0xf2, UKEY_VISIBLE, UKEY_OPERATIONAL, UK_TR_OK);
    F(r, .type = UK_EV_DP_DEL, .thread_id = T_MAIN, .ufid = 0xf2,
      .kind = UK_DEL_EXTERNAL);
}

/* A revalidator is inside its ROUND from its op_begin to its op_end: the
 * round is the thread's whole life, not an operation that a ukey it moved
 * waits on.  When the other revalidator ends each round, the mover is
 * still inside its ROUND (past the last barrier): that alone must not
 * excuse the ukeys it left stuck, or they are never reported. */
static void
test_stuck_round_mover(void)
{
    struct rec r;

    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_CREATE, .thread_id = T_HANDLER, .ukey_id = 2,
      .ufid = 0xf2, .umap = 0);
    F(&r, .type = UK_EV_UMAP_INSERT, .thread_id = T_HANDLER, .ukey_id = 2,
      .ufid = 0xf2, .umap = 0);
    tr(&r, T_HANDLER, 2, 0xf2, UKEY_CREATED, UKEY_VISIBLE, UK_TR_OK);
    F(&r, .type = UK_EV_DP_PUT, .thread_id = T_HANDLER, .ukey_id = 2,
      .ufid = 0xf2, .kind = UK_PUT_CREATE);
    round_pair(&r, T_REVAL, T_REVAL2, 1, reval2_moves);
    for (uint64_t n = 2; n <= 5; n++) {
        round_pair(&r, T_REVAL, T_REVAL2, n, NULL);
    }
    struct lifecycle_summary s;
    summary(&r, &s);
    is_int(s.n_rounds, 5, "5 rounds, each ended by revalidator0");
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 0, "5 rounds: not stuck yet");
    round_pair(&r, T_REVAL, T_REVAL2, 6, NULL);
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 2,
           "6 rounds: both ukeys revalidator1 moved are stuck, though "
           "it was inside its round");
    for (int i = 0; i < r.n_v && i < MAX_RECORDED; i++) {
        const struct ukey_event *v = &r.v[i].event;
        if (v->kind == UK_VIOL_STUCK_UKEY) {
            /* Ukey 2's evidence is the later dp_del, by main. */
            const char *by = v->ukey_id == 1 ? "by revalidator1"
                                             : "by main";
            ok(v->name && strstr(v->name, "for 6 rounds")
               && strstr(v->name, by),
               "ukey %llu stuck for 6 rounds, %s: '%s'",
               (unsigned long long) v->ukey_id, by,
               v->name ? v->name : "");
        }
    }
    lifecycle_destroy(r.lc);

    /* Its mover inside an operation nested in the round (a sweep that
     * has not reached it yet) is still waiting for the CPU. */
    rec_init(&r, NULL);
    threads(&r);
    install(&r, 1, 0xf1, 0);
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_ROUND,
      .value = 1);
    F(&r, .type = UK_EV_OP_BEGIN, .thread_id = T_REVAL, .kind = UK_OP_SWEEP,
      .value = 1);
    tr(&r, T_REVAL, 1, 0xf1, UKEY_OPERATIONAL, UKEY_EVICTING, UK_TR_OK);
    for (uint64_t n = 1; n <= 8; n++) {
        round_end(&r, T_REVAL2, n);
    }
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 0,
           "its mover inside its sweep: not stuck");
    F(&r, .type = UK_EV_OP_END, .thread_id = T_REVAL, .kind = UK_OP_SWEEP,
      .value = 1);
    round_end(&r, T_REVAL2, 9);
    is_int(n_kind(&r, UK_VIOL_STUCK_UKEY), 1,
           "its sweep over, still in its round: stuck");
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
    test_stuck();
    test_stuck_dump_only();
    test_stuck_unseen_op();
    test_stuck_lost_op_end();
    test_stuck_fairness();
    test_stuck_round_mover();
    test_slowpath();
    test_stale_actions();
    test_flow_reseen();
    test_flow_memory();
    return done_testing();
}
