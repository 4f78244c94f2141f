/* SPDX-License-Identifier: Apache-2.0 */
/* The lifecycle fold's rules about one ukey (shared/ovs-ukey-lifecycle.md
 * §1.10): its transitions, umap removals and insertions, RCU postpone and
 * free, datapath puts and stats pushes, checked as each event naming it
 * arrives (lc_ukey_event()). */
#include "lifecycle-private.h"

#include <errno.h>
#include <stdio.h>

#include "util.h"

/* ==== Ukey rules ==== */

/* Whether an operation of kind 'op' purges ukeys: the main thread's
 * purges and flushes, which may delete a ukey its handler has yet to put
 * (lc_put_after_delete()). */
bool
lc_op_purges(int op)
{
    return op == UK_OP_PURGE || op == UK_OP_DP_PURGE || op == UK_OP_FLUSH;
}

static void
lc_mark_deleted(struct lifecycle *lc, struct lc_ukey *u,
                const struct ukey_event *e,
                const struct lifecycle_evidence *now)
{
    if (!u->deleted) {
        const struct lc_thread *t = lc_thread(lc, now->thread_id);
        u->deleted = true;
        u->del_by_purge = t && t->purging;
        u->del_ev = *now;
        u->del_type = e->type;
    }
}

/* A use of 'u' after its deletion, of 'severity'; 'why' (or "") ends the
 * explanation. */
static void
lc_use_after_delete__(struct lifecycle *lc, struct lc_ukey *u,
                      const struct ukey_event *e,
                      const struct lifecycle_evidence *now,
                      enum uk_severity severity, const char *why)
{
    struct lc_subject subj = { .u = u };
    lc_report(lc, UK_VIOL_USE_AFTER_DELETE, severity, &subj, now,
              &u->del_ev,
              "use after delete: %s of ukey %llu by %s (seq %llu) after "
              "its %s by %s (seq %llu)%s",
              uk_event_type_name(e->type), (unsigned long long) u->id,
              lc_tname(lc, now->thread_id, 0),
              (unsigned long long) now->seq,
              uk_event_type_name(u->del_type),
              lc_tname(lc, u->del_ev.thread_id, 1),
              (unsigned long long) u->del_ev.seq, why);
}

/* A modification of 'u' after its deletion. */
static void
lc_use_after_delete(struct lifecycle *lc, struct lc_ukey *u,
                    const struct ukey_event *e,
                    const struct lifecycle_evidence *now)
{
    lc_use_after_delete__(lc, u, e, now, UK_SEV_ERROR, "");
}

/* Reports that 'u', 'first' at 'earlier', is deleted 'again' at 'now'. */
static void
lc_double_delete(struct lifecycle *lc, struct lc_ukey *u,
                 const struct lifecycle_evidence *now,
                 const struct lifecycle_evidence *earlier,
                 const char *first, const char *again)
{
    struct lc_subject subj = { .u = u };
    char seq[24];
    lc_report(lc, UK_VIOL_DOUBLE_DELETE, UK_SEV_ERROR, &subj, now,
              earlier->seq ? earlier : NULL,
              "double delete: ukey %llu %s by %s (seq %s) and %s by %s "
              "(seq %llu)",
              (unsigned long long) u->id, first,
              earlier->seq ? lc_tname(lc, earlier->thread_id, 1) : "?",
              earlier->seq ? lc_seq_str(seq, sizeof seq, earlier) : "?",
              again, lc_tname(lc, now->thread_id, 0),
              (unsigned long long) now->seq);
}

/* The step of transition 'e'. */
static struct lifecycle_step
lc_step(const struct lifecycle *lc, const struct ukey_event *e,
        const struct lifecycle_evidence *now)
{
    return (struct lifecycle_step) {
        .seq = now->seq, .index = now->index, .ts = now->ts,
        .thread_id = now->thread_id, .from = e->from, .to = e->to,
        .result = e->result, .where = e->where,
        .after_seq = lc->late_after,
    };
}

static void
lc_add_step(struct lifecycle *lc, struct lc_ukey *u,
            const struct ukey_event *e, const struct lifecycle_evidence *now)
{
    if (!lc->opts.keep_steps) {
        return;
    }
    u->steps = uk_grow(u->steps, &u->allocated_steps, u->n_steps + 1,
                       sizeof *u->steps);
    u->steps[u->n_steps++] = lc_step(lc, e, now);
}

/* ==== The window of handle_upcalls() ==== */

/* Follows what the explanation of lc_race_cause() needs of 'u': its puts,
 * and whether another thread moved it out of VISIBLE before one of them
 * succeeded.  Only a failed put and a move in that window touch the
 * record's last line (see struct lc_ukey). */
static void
lc_race_note_put(struct lc_ukey *u, const struct ukey_event *e,
                 const struct lifecycle_evidence *now)
{
    if (!e->result) {
        u->put_ok = true;
    } else if (e->kind == UK_PUT_CREATE) {
        u->put_failed_ev = *now;
        u->put_failed_error = (e->result > 0 && e->result <= UINT8_MAX
                               ? (uint8_t) e->result : 0);
    }
}

/* Before the transition 'e' of 'u' updates 'u->tr_ev': a move out of
 * VISIBLE by a thread other than the one that made it VISIBLE (its
 * installer, whose put may be in flight), before a put of it succeeded. */
static void
lc_race_note_move(struct lc_ukey *u, const struct ukey_event *e,
                  const struct lifecycle_evidence *now)
{
    if (e->result == UK_TR_OK && e->from == UKEY_VISIBLE && !u->put_ok
        && u->tr_ev.seq && u->tr_ev.thread_id != now->thread_id
        && !u->moved_ev.seq) {
        u->moved_ev = *now;
        u->moved_to = e->to;
    }
}

/* The end of the explanation of a violation by event 'e' of 'u' that the
 * window of handle_upcalls() explains, in 'buf', or "".  A handler
 * installs 'u' VISIBLE, unlocks it, puts its flow, then locks it again
 * and moves it to EVICTED if the put failed (T5), all without looking
 * at the state it left it in: meanwhile a revalidator's dump may adopt
 * the VISIBLE ukey (its flow already in the datapath, the reason of an
 * EEXIST), evict it and its sweep delete it.  Then the handler's T5 is
 * EVICTED->EVICTED or DELETED->EVICTED, or, when it comes while the
 * revalidator is deleting the flow (EVICTING), the revalidator's own
 * move to EVICTED is EVICTED->EVICTED; or, when the round came before
 * the put, the put is of a deleted ukey (put-eexist-upstream.ukdb). */
static const char *
lc_race_cause(struct lifecycle *lc, const struct lc_ukey *u,
              const struct ukey_event *e,
              const struct lifecycle_evidence *now, char *buf, size_t size)
{
    const struct lifecycle_evidence *moved = &u->moved_ev;
    const struct lifecycle_evidence *put = &u->put_failed_ev;
    *buf = '\0';
    if (!moved->seq) {
        return buf;
    }
    if (e->type == UK_EV_DP_PUT) {
        if (e->kind == UK_PUT_CREATE && moved->thread_id != now->thread_id
            && u->insert_ev.seq
            && u->insert_ev.thread_id == now->thread_id) {
            lc_format(buf, size, ": %s had moved it on from VISIBLE (to "
                      "%s, seq %llu) before %s's put, but handle_upcalls() "
                      "puts a new ukey's flow without re-checking its state "
                      "(an OVS race)",
                      lc_tname(lc, moved->thread_id, 1),
                      ukey_state_name(u->moved_to),
                      (unsigned long long) moved->seq,
                      lc_tname(lc, now->thread_id, 0));
        }
        return buf;
    }
    if (e->type != UK_EV_TRANSITION || e->to != UKEY_EVICTED || !put->seq
        || moved->thread_id == put->thread_id) {
        return buf;
    }

    /* The handler's T5 is the violation, or came just before it. */
    char t5[64];
    if (put->thread_id == now->thread_id) {
        lc_format(t5, sizeof t5, "moves a ukey whose put failed to EVICTED");
    } else if (u->tr_ev.seq && u->tr_ev.thread_id == put->thread_id
               && u->state_known && u->state == UKEY_EVICTED) {
        lc_format(t5, sizeof t5, "moved it to EVICTED (seq %llu)",
                  (unsigned long long) u->tr_ev.seq);
    } else {
        return buf;
    }
    const char *error = uk_errno_name(u->put_failed_error);
    char number[24];
    if (!error) {
        lc_format(number, sizeof number, "errno %d", u->put_failed_error);
        error = number;
    }
    lc_format(buf, size, ": %s's datapath put of it failed (seq %llu, %s) "
              "and %s had moved it on from VISIBLE (to %s, seq %llu), but "
              "handle_upcalls() %s without re-checking its state (an OVS "
              "race)",
              lc_tname(lc, put->thread_id, 0),
              (unsigned long long) put->seq, error,
              lc_tname(lc, moved->thread_id, 1),
              ukey_state_name(u->moved_to), (unsigned long long) moved->seq,
              t5);
    return buf;
}

/* ==== Transitions ==== */

static void
lc_transition(struct lifecycle *lc, struct lc_ukey *u,
              const struct ukey_event *e,
              const struct lifecycle_evidence *now)
{
    struct lc_subject subj = { .u = u };
    bool to_deleted = e->to == UKEY_DELETED;
    char cause[384];

    if (!u->state_known) {
        u->state = e->from;
        u->state_known = true;
    }
    lc_add_step(lc, u, e, now);

    if (e->result == UK_TR_ABORT) {
        lc_race_cause(lc, u, e, now, cause, sizeof cause);
        lc_report(lc, UK_VIOL_BACKWARD_TRANSITION, UK_SEV_ERROR, &subj, now,
                  u->tr_ev.seq ? &u->tr_ev : NULL,
                  "backward transition %s->%s of ukey %llu by %s at %s "
                  "(seq %llu)%s",
                  ukey_state_name(e->from), ukey_state_name(e->to),
                  (unsigned long long) u->id,
                  lc_tname(lc, now->thread_id, 0),
                  e->where ? e->where : "?", (unsigned long long) now->seq,
                  cause);
    } else if (to_deleted && (e->from == UKEY_DELETED
                              || u->state == UKEY_DELETED)) {
        const struct lifecycle_evidence *earlier
            = u->deleted_ev.seq ? &u->deleted_ev : &u->del_ev;
        lc_double_delete(lc, u, now, earlier, "became DELETED",
                         "again");
    } else if (u->deleted && !to_deleted) {
        lc_use_after_delete__(lc, u, e, now, UK_SEV_ERROR,
                              lc_race_cause(lc, u, e, now, cause,
                                            sizeof cause));
    } else if (e->result == UK_TR_WARN) {
        lc_race_cause(lc, u, e, now, cause, sizeof cause);
        lc_report(lc, UK_VIOL_INVALID_TRANSITION, UK_SEV_WARNING, &subj, now,
                  u->tr_ev.seq ? &u->tr_ev : NULL,
                  "invalid transition %s->%s of ukey %llu by %s at %s "
                  "(seq %llu), state stays %s%s",
                  ukey_state_name(e->from), ukey_state_name(e->to),
                  (unsigned long long) u->id,
                  lc_tname(lc, now->thread_id, 0),
                  e->where ? e->where : "?", (unsigned long long) now->seq,
                  ukey_state_name(e->from), cause);
    }
    lc_race_note_move(u, e, now);

    if (e->result == UK_TR_OK) {
        u->state = e->to;
        u->tr_round = lc->n_swept;
        if (to_deleted && !u->deleted_ev.seq) {
            u->deleted_ev = *now;
            lc_mark_deleted(lc, u, e, now);
        }
    }
    u->tr_ev = *now;
}

/* umap_remove of 'u', or 'u' replaced out by umap_replace. */
static void
lc_remove(struct lifecycle *lc, struct lc_ukey *u,
          const struct ukey_event *e, const struct lifecycle_evidence *now)
{
    const char *first = (u->replaced_out ? "replaced out of its umap"
                         : "removed from its umap");
    bool replace = e->type == UK_EV_UMAP_REPLACE;

    if (!replace && e->result == ENOENT) {
        struct lc_subject subj = { .u = u };
        char earlier[96] = "";
        if (u->removed) {
            snprintf(earlier, sizeof earlier, ": it was %s by %s (seq %llu)",
                     first,
                     lc_tname(lc, u->remove_ev.thread_id, 1),
                     (unsigned long long) u->remove_ev.seq);
        }
        lc_report(lc, UK_VIOL_DOUBLE_DELETE, UK_SEV_ERROR, &subj, now,
                  u->removed ? &u->remove_ev : NULL,
                  "double delete: ukey %llu removed by %s (seq %llu) but it "
                  "is not in its umap (ENOENT)%s",
                  (unsigned long long) u->id,
                  lc_tname(lc, now->thread_id, 0),
                  (unsigned long long) now->seq, earlier);
    } else if (u->removed) {
        lc_double_delete(lc, u, now, &u->remove_ev, first,
                         replace ? "replaced out again" : "removed again");
    } else {
        u->removed = true;
        u->replaced_out = replace;
        u->remove_ev = *now;
    }
    lc_mark_deleted(lc, u, e, now);
    u->in_map = false;
    if (u->flow != LC_NO_FLOW && lc->flows[u->flow].map_ukey == u->id) {
        lc->flows[u->flow].map_ukey = 0;
    }
}

static void
lc_postpone(struct lifecycle *lc, struct lc_ukey *u,
            const struct ukey_event *e, const struct lifecycle_evidence *now)
{
    if (u->postponed) {
        lc_double_delete(lc, u, now, &u->postpone_ev,
                         "postponed for free", "again");
    } else {
        u->postponed = true;
        u->postpone_ev = *now;
        lc_mark_deleted(lc, u, e, now);
    }
}

/* The handler's datapath put of 'u' after a purge deleted it: a purge
 * (revalidator_purge(), dp_purge_cb(), a flush) may delete a VISIBLE ukey
 * while its handler is between ukey_install() and dpif_operate().  Under
 * RCU the handler may still read it, and OVS leaves the flow it puts to
 * the next dump, which adopts it (shared/ovs-ukey-lifecycle.md §1.10,
 * invariant 6): a warning, and the flow is followed as one without ukey. */
static void
lc_put_after_delete(struct lifecycle *lc, struct lc_ukey *u,
                    const struct ukey_event *e,
                    const struct lifecycle_evidence *now)
{
    lc_use_after_delete__(lc, u, e, now, UK_SEV_WARNING,
                          ": its datapath flow has no ukey until a dump "
                          "adopts it");
}

/* umap_insert of 'u', or 'u' replaced in by umap_replace. */
static void
lc_insert(struct lifecycle *lc, struct lc_ukey *u,
          const struct ukey_event *e, const struct lifecycle_evidence *now)
{
    if (u->deleted) {
        lc_use_after_delete(lc, u, e, now);
        return;
    }
    if (u->flow == LC_NO_FLOW && e->ufid) {
        lc_ukey_set_flow(lc, u, e, u->pmd_id);
    }
    if (e->umap >= 0) {
        u->umap = e->umap;
    }
    u->in_map = true;
    u->insert_ev = *now;
    if (u->flow == LC_NO_FLOW) {
        return;
    }

    struct lc_flow *f = &lc->flows[u->flow];
    if (e->type == UK_EV_UMAP_INSERT && f->map_ukey && f->map_ukey != u->id) {
        struct lc_ukey *other = lc_map_get(&lc->ukeys, f->map_ukey);
        /* Another ukey's removal may be among lost events: judge only
         * when the other one was followed from its create, losslessly. */
        if (other && other->in_map && other->doubt == LC_SURE) {
            struct lc_subject subj = { .u = u };
            const char *flow_name = lc_flow_name(lc, f->ufid);
            lc_report(lc, UK_VIOL_DUPLICATE_UKEY, UK_SEV_ERROR, &subj, now,
                      &other->insert_ev,
                      "duplicate ukey: ukey %llu inserted by %s (seq %llu) "
                      "while ukey %llu (inserted by %s, seq %llu) is in a "
                      "umap for flow %s pmd %u",
                      (unsigned long long) u->id,
                      lc_tname(lc, now->thread_id, 0),
                      (unsigned long long) now->seq,
                      (unsigned long long) other->id,
                      lc_tname(lc, other->insert_ev.thread_id, 1),
                      (unsigned long long) other->insert_ev.seq,
                      flow_name ? flow_name : "?", f->pmd_id);
        }
    }
    f->map_ukey = u->id;
    f->mapped_seq = now->seq;
}

/* Writes into 'buf' the clause that names 'f''s failed datapath delete
 * as the cause of a violation: ": the datapath delete of ukey N by T
 * failed (seq S) and left " 'what'. */
void
lc_del_failed_cause(struct lifecycle *lc, const struct lc_flow *f,
                    char *buf, size_t size, const char *what)
{
    lc_format(buf, size, ": the datapath delete of ukey %llu by %s failed "
              "(seq %llu) and left %s",
              (unsigned long long) f->del_failed_ukey,
              lc_tname(lc, f->del_failed_ev.thread_id, 1),
              (unsigned long long) f->del_failed_ev.seq, what);
}

static void
lc_stats_push(struct lifecycle *lc, struct lc_ukey *u,
              const struct ukey_event *e,
              const struct lifecycle_evidence *now)
{
    if (u->deleted) {
        lc_use_after_delete(lc, u, e, now);
    }
    if (u->flow == LC_NO_FLOW) {
        return;
    }
    struct lc_flow *f = &lc->flows[u->flow];
    f->pushed += e->value;
    f->attributed += e->value;
    if (f->pushed > f->fast_packets && !f->stats_reported && !f->unsure) {
        struct lc_subject subj = { .u = u };
        const char *flow_name = lc_flow_name(lc, f->ufid);
        f->stats_reported = true;
        const struct lifecycle_evidence *earlier
            = f->fast_ev.seq ? &f->fast_ev : NULL;
        char cause[192] = "";
        if (f->del_failed_ev.seq && f->del_failed_ukey != u->id) {
            /* The likely cause, said: OVS's push_dp_ops() evicts a ukey
             * whose flow_del failed, its flow stays, and the next dump
             * adopts it with zeroed stats (ukey_create_from_dpif_flow()):
             * what the old ukey pushed is pushed again. */
            earlier = &f->del_failed_ev;
            lc_del_failed_cause(lc, f, cause, sizeof cause,
                                "the flow, which a dump adopted with zeroed "
                                "stats");
        }
        lc_report(lc, UK_VIOL_STATS_DOUBLE, UK_SEV_ERROR, &subj, now,
                  earlier,
                  "stats double: revalidators pushed %llu packets for flow "
                  "%s pmd %u but the datapath counted %llu (push of ukey "
                  "%llu by %s, seq %llu)%s",
                  (unsigned long long) f->pushed,
                  flow_name ? flow_name : "?", f->pmd_id,
                  (unsigned long long) f->fast_packets,
                  (unsigned long long) u->id,
                  lc_tname(lc, now->thread_id, 0),
                  (unsigned long long) now->seq, cause);
    }
}

/* 'at_destroy': freed by udpif_destroy() (T16) with its flow still
 * covered: its datapath flow had a ukey until the end. */
static void
lc_free(struct lifecycle *lc, struct lc_ukey *u,
        const struct lifecycle_evidence *now, bool at_destroy)
{
    if (!at_destroy && u->flow != LC_NO_FLOW
        && lc->flows[u->flow].map_ukey == u->id) {
        lc->flows[u->flow].map_ukey = 0;
    }
    if (!lc->free_cache) {
        lc->free_cache = uk_xcalloc(LC_FREE_CACHE, sizeof *lc->free_cache);
    }
    struct lc_free_entry *fe = &lc->free_cache[u->id % LC_FREE_CACHE];
    fe->id = u->id;
    fe->ev = *now;
    fe->uaf_reported = false;
    lc_mark_freed(lc, u->id);
    lc_done(lc, u, true, now);
    lc_ukey_drop(lc, u);
}

/* Any event naming 'id' after its free.  The record is gone: the earlier
 * evidence is known only while the free is in the small cache.
 *
 * "After" is in the order of the seqs, which the fold follows but for a
 * 'late' event (lifecycle.c, "Late events"): one late enough to come
 * after the free of its ukey may have been numbered before it, in the
 * ukey's life.  Then it is no use after free, and nothing of it is
 * judged: the ukey's lifecycle was reported (doubtful: the fold went on
 * without the event), its record may serve another ukey by now.  So a
 * late event is one only if its seq is above the free's, known while the
 * free is in the cache; otherwise it is not judged.  But a free: a ukey
 * has one, so another one is a double free whichever is numbered first
 * (a free held up, the other folded), unless it is the same one come
 * twice (its seq the free's).  Returns false for a late event it does
 * not judge so. */
static bool
lc_use_after_free(struct lifecycle *lc, uint64_t id,
                  const struct ukey_event *e,
                  const struct lifecycle_evidence *now, bool late)
{
    struct lc_free_entry *fe = (lc->free_cache
                                ? &lc->free_cache[id % LC_FREE_CACHE]
                                : NULL);
    bool known = fe && fe->id == id;
    bool is_free = e->type == UK_EV_RCU_FREE || e->type == UK_EV_UKEY_FREE;
    if (late && (is_free
                 ? known && e->seq == fe->ev.seq
                 : !known || e->seq <= fe->ev.seq)) {
        return false;           /* Before the free, or maybe; or itself. */
    }
    if (known && fe->uaf_reported) {
        lc->sum.n_suppressed++;
        return true;
    }

    struct lc_subject subj = { .ukey_id = id, .ufid = e->ufid };
    char seq[24];
    lc_report(lc, UK_VIOL_USE_AFTER_FREE, UK_SEV_ERROR, &subj, now,
              known ? &fe->ev : NULL,
              "%s: %s of ukey %llu by %s (seq %llu)%s its free by %s "
              "(seq %s)",
              is_free ? "double free" : "use after free",
              uk_event_type_name(e->type), (unsigned long long) id,
              lc_tname(lc, now->thread_id, 0),
              (unsigned long long) now->seq,
              /* A late free numbered before the other one. */
              known && e->seq < fe->ev.seq ? ", folded late, as well as"
                                           : " after",
              known ? lc_tname(lc, fe->ev.thread_id, 1) : "?",
              known ? lc_seq_str(seq, sizeof seq, &fe->ev) : "?");
    if (known) {
        fe->uaf_reported = true;
    }
    return true;
}

/* The first event that gives the pmd_id of 'u' (a dp_put, dp_del or
 * umap_lookup): its flow is that of the right instance, which takes over
 * the old one's ukey in a umap. */
static void
lc_ukey_pmd_seen(struct lifecycle *lc, struct lc_ukey *u,
                 const struct ukey_event *e)
{
    uint32_t old = u->flow;
    lc_ukey_set_flow(lc, u, e, e->pmd_id);
    u->pmd_known = true;
    if (old != LC_NO_FLOW && old != u->flow
        && lc->flows[old].map_ukey == u->id) {
        lc->flows[old].map_ukey = 0;
        if (!lc->flows[u->flow].map_ukey) {
            lc->flows[u->flow].map_ukey = u->id;
        }
    }
}

/* Handles event 'e' for ukey 'id' ('e->ukey_id', or 'e->ukey2_id' of a
 * umap_replace when 'new_side'). */
void
lc_ukey_event(struct lifecycle *lc, uint64_t id, bool new_side,
              const struct ukey_event *e,
              const struct lifecycle_evidence *now)
{
    /* A freed id never reaches a record: lc_free() took it out of
     * 'lc->ukeys', the only way from an id to its record, and the record
     * went on 'lc->free_ukeys' for the next ukey (records are freed only
     * by lifecycle_destroy()).  Ids are not reused within a run (a new
     * run forgets the freed ones with the records: lc_new_run()), so an
     * event about a freed ukey, even one folded late, is checked here
     * first and never touches the record of the ukey that reuses its
     * slot. */
    if (lc_is_freed(lc, id)) {
        lc_use_after_free(lc, id, e, now, false);
        return;
    }
    struct lc_ukey *u = lc_ukey_get(lc, id, e, now->index);

    if (!u->pmd_known && e->ufid
        && (e->type == UK_EV_DP_PUT || e->type == UK_EV_DP_DEL
            || e->type == UK_EV_UMAP_LOOKUP)) {
        lc_ukey_pmd_seen(lc, u, e);
    }

    switch ((enum uk_event_type) e->type) {
    case UK_EV_TRANSITION:
        lc_transition(lc, u, e, now);
        break;
    case UK_EV_UMAP_INSERT:
        lc_insert(lc, u, e, now);
        break;
    case UK_EV_UMAP_REPLACE:
        if (new_side) {
            lc_insert(lc, u, e, now);
        } else {
            lc_remove(lc, u, e, now);
        }
        break;
    case UK_EV_UMAP_REMOVE:
        lc_remove(lc, u, e, now);
        break;
    case UK_EV_RCU_POSTPONE:
        lc_postpone(lc, u, e, now);
        break;
    case UK_EV_RCU_FREE:
    case UK_EV_UKEY_FREE:
        lc_free(lc, u, now, e->type == UK_EV_UKEY_FREE
                            && e->kind == UK_FREE_DESTROY);
        return;
    case UK_EV_DP_PUT:
        if (u->deleted && u->del_by_purge && e->kind == UK_PUT_CREATE) {
            lc_put_after_delete(lc, u, e, now);
        } else if (u->deleted) {
            char cause[384];
            lc_use_after_delete__(lc, u, e, now, UK_SEV_ERROR,
                                  lc_race_cause(lc, u, e, now, cause,
                                                sizeof cause));
        }
        lc_race_note_put(u, e, now);
        break;
    case UK_EV_STATS_PUSH:
        lc_stats_push(lc, u, e, now);
        break;
    case UK_EV_LOCK:
    case UK_EV_TRYLOCK:
        if (e->kind == UK_LOCK_UKEY && !e->result) {
            u->lock_holder = e->thread_id + 1;
        } else if (e->kind == UK_LOCK_UKEY) {
            u->busy_round = lc->n_swept;
            lc_stale_excuse(lc, u->flow, now);
        }
        break;
    case UK_EV_UNLOCK:
        if (e->kind == UK_LOCK_UKEY) {
            u->lock_holder = 0;
        }
        break;
    case UK_EV_CREATE:
    case UK_EV_THREAD_START: case UK_EV_FLOW: case UK_EV_TRAFFIC:
    case UK_EV_UPCALL: case UK_EV_UMAP_LOOKUP: case UK_EV_RCU_QUIESCE:
    case UK_EV_DP_DEL: case UK_EV_DP_DUMP: case UK_EV_REVALIDATE:
    case UK_EV_OP_BEGIN: case UK_EV_OP_END: case UK_EV_BARRIER:
    case UK_EV_COVERAGE: case UK_EV_VIOLATION: case UK_EV_END:
    case UK_EV_RULE_CHANGE: case N_UK_EVENT_TYPES:
        break;
    }
    u->last_ev = *now;
}

/* ==== Late events ==== */

void
lc_late_ukey(struct lifecycle *lc, uint64_t id, const struct ukey_event *e,
             const struct lifecycle_evidence *now)
{
    /* A freed id never reaches a record (lc_ukey_event()). */
    if (lc_is_freed(lc, id)) {
        if (!lc_use_after_free(lc, id, e, now, true)
            && e->type == UK_EV_TRANSITION && lc->opts.keep_steps
            && lc->cbs.ukey_late_step) {
            /* Numbered in its life (or maybe): a step of its timeline,
             * reported already, where it came, marked as below.  Left
             * out, the timeline hid the event that makes it uncertain. */
            struct lifecycle_step step = lc_step(lc, e, now);
            lc->cbs.ukey_late_step(id, &step, lc->cbs.aux);
        }
        return;
    }
    /* Live, or first seen here: the events of later seqs folded without
     * this one leave its record uncertain.  Its verdict stays FAIL if an
     * error was proven in order. */
    struct lc_ukey *u = lc_ukey_get(lc, id, e, now->index);
    u->doubt = LC_LOST;
    if (e->type == UK_EV_TRANSITION) {
        /* In its timeline where it came, marked (its 'after_seq'): left
         * out, the timeline hid why the ukey is uncertain. */
        lc_add_step(lc, u, e, now);
    }
    if (u->flow != LC_NO_FLOW) {
        struct lc_flow *f = &lc->flows[u->flow];
        lc_flow_doubt(f);
        if (e->type == UK_EV_STATS_PUSH) {
            f->pushed += e->value;
            f->attributed += e->value;
        }
    }
    if (e->type == UK_EV_RCU_FREE || e->type == UK_EV_UKEY_FREE) {
        lc_free(lc, u, now, e->type == UK_EV_UKEY_FREE
                            && e->kind == UK_FREE_DESTROY);
    }
}
