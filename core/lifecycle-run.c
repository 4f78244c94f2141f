/* SPDX-License-Identifier: Apache-2.0 */
/* The lifecycle fold's runs and losses: what a loss of events makes of the
 * ukeys and flows seen so far (lifecycle_discarded() and its kin), the end
 * of a run (leaks, datapath flows without ukey, the verdicts of the ukeys
 * still live), and the start of another run in the same input. */
#include "lifecycle-private.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ==== Losses ==== */

void
lc_flow_doubt(struct lc_flow *f)
{
    f->unsure = f->presence_unsure = true;
    f->slow_rounds = 0;
    f->slow_in_round = f->fast_in_round = false;
}

/* What a loss makes of the ukeys and flows seen so far: nothing the lost
 * events could have changed is judged any more. */
static void
lc_doubt_all(struct lifecycle *lc)
{
    lc->discard_seen = true;
    for (size_t i = 0; i <= lc->ukeys.mask; i++) {
        struct lc_ukey *u = lc->ukeys.slots[i].value;
        if (u) {
            /* A ukey first seen mid-life is now also one that may have
             * lost its free: exempt it as well. */
            u->doubt = LC_LOST;
        }
    }
    for (size_t i = 0; i < lc->n_flows; i++) {
        if (!lc->flows[i].retired) {
            lc_flow_doubt(&lc->flows[i]);
        }
    }
    /* An op_begin may be among the lost events. */
    for (size_t i = 0; i < lc->n_threads; i++) {
        lc->threads[i].ops_unseen = true;
    }
}

/* lifecycle_discarded() and lifecycle_discard_open(): the summary's
 * count, and what a loss makes of the ukeys and flows seen so far. */
static void
lc_discard(struct lifecycle *lc, uint64_t n, uint64_t ts_begin)
{
    lc->sum.discarded_events += n;
    lc->sum.n_discard_unknown += !n;
    if (!lc->sum.n_discard_reports++) {
        lc->sum.first_discard_ts = ts_begin;
    }
    lc_doubt_all(lc);
}

void
lifecycle_discarded(struct lifecycle *lc, uint64_t n, uint64_t ts_begin,
                    uint64_t ts_end)
{
    lc_discard(lc, n, ts_begin);
    lc->sum.last_discard_ts = ts_end;
    lc->lost_until = lifecycle_lost_until(lc->lost_until, ts_end);
}

void
lifecycle_doubt(struct lifecycle *lc, uint64_t ts_end)
{
    lc_doubt_all(lc);
    lc->lost_until = lifecycle_lost_until(lc->lost_until, ts_end);
}

void
lifecycle_discard_count(struct lifecycle *lc, uint64_t n, uint64_t ts_begin,
                        uint64_t ts_end)
{
    /* Told late: its range may be before those of losses told before. */
    if (!lc->sum.n_discard_reports || ts_begin < lc->sum.first_discard_ts) {
        lc->sum.first_discard_ts = ts_begin;
    }
    if (!lc->sum.n_discard_reports || ts_end > lc->sum.last_discard_ts) {
        lc->sum.last_discard_ts = ts_end;
    }
    lc->sum.n_discard_reports++;
    lc->sum.discarded_events += n;
    lc->sum.n_discard_unknown += !n;
}

void
lifecycle_discard_more(struct lifecycle *lc, uint64_t n, bool was_unknown)
{
    uk_assert(!was_unknown || lc->sum.n_discard_unknown > 0);
    lc->sum.discarded_events += n;
    lc->sum.n_discard_unknown -= was_unknown;
}

void
lifecycle_discard_open(struct lifecycle *lc, uint64_t ts_begin)
{
    lc_discard(lc, 0, ts_begin);
    lc->sum.last_discard_ts = UINT64_MAX;
    lc->n_open_losses++;
}

void
lifecycle_discard_close(struct lifecycle *lc, uint64_t ts_end)
{
    uk_assert(lc->n_open_losses > 0);
    lc->n_open_losses--;
    lc->sum.last_discard_ts = ts_end;
    lc->lost_until = lifecycle_lost_until(lc->lost_until, ts_end);
}

/* ==== Runs ==== */

static int
lc_compare_ids(const void *a_, const void *b_)
{
    const struct lc_ukey *const *a = a_;
    const struct lc_ukey *const *b = b_;
    return (*a)->id < (*b)->id ? -1 : (*a)->id > (*b)->id;
}

/* End-of-run rule: a datapath flow that no ukey in a umap covers. */
static void
lc_finish_flows(struct lifecycle *lc)
{
    size_t n = 0;
    uint32_t *live = lc_live_flows(lc, &n);
    for (size_t i = 0; i < n; i++) {
        struct lc_flow *f = &lc->flows[live[i]];
        if (f->dp_present && !f->presence_unsure && !f->unsure
            && !f->map_ukey) {
            struct lc_subject subj = { .ufid = f->ufid,
                                       .pmd_id = f->pmd_id };
            const char *flow_name = lc_flow_name(lc, f->ufid);
            const struct lifecycle_evidence *earlier
                = f->present_ev.seq ? &f->present_ev : NULL;
            char cause[192] = "";
            if (f->del_failed_ev.seq > f->present_ev.seq
                && f->del_failed_ev.seq > f->mapped_seq) {
                /* The likely cause, said: push_dp_ops() evicts a ukey
                 * whose flow_del failed, the sweep deletes the ukey, and
                 * the flow stays until a dump adopts it
                 * (ukey_create_from_dpif_flow()); none came before the
                 * end.  If a ukey went into a umap for it since (a dump
                 * did adopt it), that one left it: not said. */
                earlier = &f->del_failed_ev;
                lc_del_failed_cause(lc, f, cause, sizeof cause,
                                    "it, and no dump adopted it since");
            }
            lc_report(lc, UK_VIOL_DP_FLOW_WITHOUT_UKEY, UK_SEV_WARNING,
                      &subj, &lc->end_ev, earlier,
                      "datapath flow %s pmd %u (put at seq %llu) has no "
                      "ukey in a umap at the end%s",
                      flow_name ? flow_name : "?", f->pmd_id,
                      (unsigned long long) f->present_ev.seq, cause);
        }
    }
    free(live);
}

/* Ends the run being folded: leaks and datapath flows left, if its 'end'
 * was seen, and the verdicts of the ukeys still live. */
static void
lc_finish_run(struct lifecycle *lc)
{
    size_t n = 0;
    struct lc_ukey **live = uk_xmalloc((lc->ukeys.n + 1) * sizeof *live);
    for (size_t i = 0; i <= lc->ukeys.mask; i++) {
        if (lc->ukeys.slots[i].value) {
            live[n++] = lc->ukeys.slots[i].value;
        }
    }
    qsort(live, n, sizeof *live, lc_compare_ids);

    if (lc->sum.complete) {
        for (size_t i = 0; i < n; i++) {
            struct lc_ukey *u = live[i];
            if (u->doubt != LC_LOST) {
                struct lc_subject subj = { .u = u };
                lc_report(lc, UK_VIOL_LEAK, UK_SEV_ERROR, &subj, &lc->end_ev,
                          &u->last_ev,
                          "leak: ukey %llu never freed (state %s, last "
                          "event seq %llu by %s)",
                          (unsigned long long) u->id,
                          ukey_state_name(u->state),
                          (unsigned long long) u->last_ev.seq,
                          lc_tname(lc, u->last_ev.thread_id, 0));
            }
        }
        lc_finish_flows(lc);
    }
    for (size_t i = 0; i < n; i++) {
        lc_done(lc, live[i], false, &live[i]->last_ev);
        lc_ukey_drop(lc, live[i]);
    }
    free(live);
}

/* Another run of the program (or a restart) follows in the same input,
 * from event 'e': it numbers its ukeys, threads and rounds from 1 again,
 * and starts with an empty datapath.  Ends the run being folded, then
 * forgets what was only its own: freed ids, threads, flow states (their
 * figures go on), and losses whose range ended before 'e'. */
void
lc_new_run(struct lifecycle *lc, const struct ukey_event *e)
{
    lc_finish_run(lc);

    size_t n = 0;
    uint32_t *live = lc_live_flows(lc, &n);
    for (size_t i = 0; i < n; i++) {
        lc_flow_retire(lc, live[i]);
    }
    free(live);
    lc->n_touched = 0;
    lc_stale_forget(lc);

    lc->fb_started = false;
    lc->min_id = lc->fb_floor = lc->fb_base = 0;
    lc->fb_head = lc->fb_n = 0;
    lc->n_far_freed = 0;
    free(lc->old_freed.slots);
    lc_map_init(&lc->old_freed, 64);
    free(lc->free_cache);
    lc->free_cache = NULL;

    if (lc->threads) {
        memset(lc->threads, 0, lc->n_threads * sizeof *lc->threads);
    }
    lc->last_round = 0;
    lc->started = false;
    lc->max_seq = 0;
    lc->head = (struct lifecycle_head) { 0 };
    if (!lc_in_loss(lc, e->ts)) {
        lc->discard_seen = false;
        lc->lost_until = 0;
    }
    lc->sum.complete = false;
}

/* Whether 'e' starts another run: it follows the 'end' of the run being
 * folded, unless it comes late, its seq not above the end's (one of that
 * run, numbered before its end and recorded after it: lifecycle.c, "Late
 * events"), and is no thread start that only a run's first events can be
 * (seq 1 to 3: the main and urcu threads, or the first one an observer
 * sees); or it is such a thread start well into the run; or the main
 * thread's start, seq 1, which a run has once, after the run being folded
 * got past its own first two events.  The last is how a session that
 * rebuilt its model ("back", "variant" in the REPL) looks: the model it
 * left, with no 'end', then the new one from its start.  Two programs
 * that start together still mix their first events, and their seqs go
 * back (lifecycle_feed()).  But a thread start of a seq that the run
 * skipped is the run's own, late (lifecycle_head_late()): it starts no
 * run, whatever came before it, as the audit's order takes it. */
bool
lc_starts_run(const struct lifecycle *lc, const struct ukey_event *e)
{
    if (UK_UNLIKELY(lifecycle_head_late(&lc->head, e))) {
        return false;
    }
    bool head = e->type == UK_EV_THREAD_START && e->seq <= 3;
    return ((lc->sum.complete && (head || !lc_late(lc, e)))
            || (head && lc->max_seq > LC_RUN_RESTART_SEQ)
            || (e->type == UK_EV_THREAD_START && e->seq == 1
                && e->kind == UK_THREAD_MAIN && lc->max_seq > 2));
}

void
lifecycle_finish(struct lifecycle *lc)
{
    if (lc->finished) {
        return;
    }
    lc->finished = true;
    lc_finish_run(lc);
}
