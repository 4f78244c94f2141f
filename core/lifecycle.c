/* SPDX-License-Identifier: Apache-2.0 */
/* The lifecycle fold (see lifecycle.h): one pass over 'struct ukey_event's
 * that keeps a record per live ukey and per flow in use, checks the rules
 * of shared/ovs-ukey-lifecycle.md §1.10 as each event arrives, drops a
 * ukey's record as soon as it is freed, and retires a flow's record once
 * nothing depends on it (lc_flow_sweep()).  Lookups are open-addressing
 * hash tables (ukey id -> record, (ufid, pmd_id) -> flow); records are
 * recycled through free lists, so the steady state allocates nothing per
 * event.
 * Freed ids are one bit each in a bitmap whose fully-freed prefix is
 * dropped as it forms.
 *
 * This file holds the public entry points and the dispatch of each event
 * (lifecycle_feed(), and lc_late_event() for one that comes late);
 * lifecycle-private.h the records and the fold's state; lifecycle-records.c
 * the maps and per-ukey records; lifecycle-flow.c the flow records and the
 * rules about flows and rounds; lifecycle-rules.c the rules about one ukey;
 * lifecycle-stale.c the stale-actions rule; lifecycle-report.c the
 * violation and verdict reports; lifecycle-run.c losses and runs. */
#include "lifecycle.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "lifecycle-private.h"
#include "util.h"

const char *
lifecycle_verdict_name(int v)
{
    static const char *const names[] = {
#define LIFECYCLE_VERDICT_NAME_(NAME) #NAME,
        LIFECYCLE_VERDICTS(LIFECYCLE_VERDICT_NAME_)
#undef LIFECYCLE_VERDICT_NAME_
    };
    return v >= 0 && v < N_LIFECYCLE_VERDICTS ? names[v] : "?";
}

/* ==== Public functions ==== */

struct lifecycle *
lifecycle_create(const struct lifecycle_options *options,
                 const struct lifecycle_callbacks *cbs)
{
    struct lifecycle *lc = uk_xzalloc(sizeof *lc);
    if (options) {
        lc->opts = *options;
    }
    if (!lc->opts.stuck_rounds) {
        lc->opts.stuck_rounds = LIFECYCLE_STUCK_ROUNDS;
    }
    if (!lc->opts.slowpath_rounds) {
        lc->opts.slowpath_rounds = LIFECYCLE_SLOWPATH_ROUNDS;
    }
    if (cbs) {
        lc->cbs = *cbs;
    }
    lc_map_init(&lc->ukeys, 1024);
    lc_map_init(&lc->names, 64);
    lc_map_init(&lc->rules, 64);
    lc_map_init(&lc->old_freed, 64);
    lc->flow_index = uk_xcalloc(64, sizeof *lc->flow_index);
    lc->flow_mask = 63;
    lc->free_flows = LC_NO_FLOW;
    lc->flow_sweep_at = LC_FLOW_SWEEP_MIN;
    return lc;
}

void
lifecycle_destroy(struct lifecycle *lc)
{
    if (!lc) {
        return;
    }
    for (size_t i = 0; i < lc->n_chunks; i++) {
        for (size_t j = 0; j < LC_CHUNK_UKEYS; j++) {
            free(lc->chunks[i][j].steps);
            free(lc->chunks[i][j].expl);
        }
        free(lc->chunks[i]);
    }
    free(lc->chunks);
    free(lc->ukeys.slots);
    free(lc->names.slots);
    lc_stale_destroy(lc);
    free(lc->old_freed.slots);
    free(lc->flows);
    free(lc->flow_index);
    free(lc->listed);
    free(lc->listed_index);
    free(lc->listed_filter);
    free(lc->touched);
    free(lc->fb_words);
    free(lc->threads);
    free(lc->free_cache);
    while (lc->arena) {
        struct lc_arena_chunk *next = lc->arena->next;
        free(lc->arena);
        lc->arena = next;
    }
    free(lc);
}

static void
lc_name_event(struct lifecycle *lc, const struct ukey_event *e)
{
    if (!e->name) {
        return;
    }
    if (e->type == UK_EV_THREAD_START) {
        struct lc_thread *t = lc_thread(lc, e->thread_id);
        if (t && (!t->name || strcmp(t->name, e->name))) {
            t->name = lc_intern(lc, e->name, strlen(e->name));
        }
    } else if (e->ufid) {
        const char *old = lc_map_get(&lc->names, e->ufid);
        if (!old || strcmp(old, e->name)) {
            lc_map_put(&lc->names, e->ufid,
                       (void *) lc_intern(lc, e->name, strlen(e->name)));
        }
    }
}

/* Notes the seq of 'e' in its thread: a seq that goes back is counted,
 * and the first one kept for lifecycle_mixed_programs(). */
static void
lc_thread_seq(struct lifecycle *lc, const struct ukey_event *e)
{
    struct lc_thread *t = lc_thread(lc, e->thread_id);
    if (t) {
        if (UK_UNLIKELY(e->seq <= t->last_seq)
            && !lc->sum.n_seq_back++) {
            lc->sum.seq_back_thread = e->thread_id;
            lc->sum.seq_back_name = t->name;
            lc->sum.seq_back_from = t->last_seq;
            lc->sum.seq_back_to = e->seq;
            lc->sum.seq_back_ts = e->ts;
        }
        t->last_seq = e->seq;
    }
}

/* Whether operations of kind 'op' run outside of any other: all but a
 * round's phases. */
static bool
lc_op_outermost(int op)
{
    return op != UK_OP_DUMP && op != UK_OP_SWEEP;
}

static void
lc_op_begin(struct lifecycle *lc, const struct ukey_event *e,
            const struct lifecycle_evidence *now)
{
    struct lc_thread *t = lc_thread(lc, e->thread_id);
    if (t) {
        if (lc_op_outermost(e->kind)) {
            /* It was in none, whatever a loss left open (an op_end
             * lost). */
            t->ops_unseen = false;
            t->n_open = 0;
            /* A purge is outermost: in one from here, or in none. */
            t->purging = lc_op_purges(e->kind);
        }
        /* A revalidator is inside its ROUND all its life: only what it
         * runs in it counts as an operation under way (lc_round_stuck()). */
        t->n_open += e->kind != UK_OP_ROUND;
        if (e->kind == UK_OP_ROUND) {
            t->round = e->value;
        }
        lc_stale_op_begin(lc, t, e, now);
    }
}

/* What an op_end tells of its thread. */
static void
lc_op_end_thread(struct lifecycle *lc, const struct ukey_event *e)
{
    struct lc_thread *t = lc_thread(lc, e->thread_id);
    if (t && lc_op_outermost(e->kind)) {
        t->ops_unseen = false;          /* It is in none now. */
        t->n_open = 0;
        t->purging = false;
    } else if (t && t->n_open) {
        t->n_open--;
    }
}

static void
lc_op_end(struct lifecycle *lc, const struct ukey_event *e,
          const struct lifecycle_evidence *now)
{
    lc_op_end_thread(lc, e);
    if (e->kind == UK_OP_ROUND) {
        lc_round_end(lc, e, now);
    }
}

/* ==== Late events ====
 *
 * An event comes late when its seq is not above every seq fed so far in
 * its run: the audit's fold gave up on it, or told it lost, and went on
 * without it (tracepoints/plugin/report-order.c), or it came twice.  The
 * fold takes it where it comes, but what it would be judged against is
 * newer than itself: records that events of later seqs changed since (a
 * put of a VISIBLE ukey judged against its deletion, numbered after it,
 * is no use after delete).  So a late event is judged against nothing
 * newer than itself, and changes nothing that later events made: its ukey
 * becomes INCONCLUSIVE (as at a loss: created or first seen here too),
 * its flow unsure with its slowpath run restarted, and no rule but one
 * judges it: a use after free when its seq is above its ukey's free, or
 * a second free whatever its seq (lc_use_after_free()).  It still brings what does not depend on the
 * order: names, the figures (packets, upcalls and pushes are sums), a
 * free (nothing about the ukey after it is legitimate), a rule change
 * (judged only by the rounds that begin after it), an excuse of stale
 * actions, and what its own thread does (op_begin, op_end but for a
 * round's end): a thread records its events in the order of their seqs,
 * so its later ones come after this one.  An event that comes in order
 * is judged as ever, and pays one comparison for this (lifecycle_feed()):
 * late events are rare, and take this cold path. */
static void
lc_late_event(struct lifecycle *lc, const struct ukey_event *e,
              const struct lifecycle_evidence *now)
{
    switch ((enum uk_event_type) e->type) {
    case UK_EV_VIOLATION:
        return;
    case UK_EV_THREAD_START:
        lc_name_event(lc, e);
        return;
    case UK_EV_FLOW:
        lc_name_event(lc, e);
        lc_flow_late(lc, e);
        return;
    case UK_EV_TRAFFIC:
    case UK_EV_UPCALL:
    case UK_EV_DP_DUMP:
        lc_flow_late(lc, e);
        return;
    case UK_EV_OP_BEGIN:
        lc_op_begin(lc, e, now);
        return;
    case UK_EV_OP_END:
        lc_op_end_thread(lc, e);
        return;
    case UK_EV_END:
        lc->sum.complete = true;
        lc->end_ev = *now;
        return;
    case UK_EV_RULE_CHANGE:
        lc_stale_rule_change(lc, e, now);
        return;
    case UK_EV_COVERAGE:
        lc_stale_coverage(lc, e, now);
        break;
    case UK_EV_DP_PUT:
    case UK_EV_DP_DEL:
        lc_flow_late(lc, e);
        break;
    case UK_EV_CREATE: case UK_EV_TRANSITION: case UK_EV_LOCK:
    case UK_EV_TRYLOCK: case UK_EV_UNLOCK: case UK_EV_UMAP_LOOKUP:
    case UK_EV_UMAP_INSERT: case UK_EV_UMAP_REPLACE: case UK_EV_UMAP_REMOVE:
    case UK_EV_RCU_POSTPONE: case UK_EV_RCU_QUIESCE: case UK_EV_RCU_FREE:
    case UK_EV_UKEY_FREE: case UK_EV_REVALIDATE: case UK_EV_STATS_PUSH:
    case UK_EV_BARRIER: case N_UK_EVENT_TYPES:
    default:
        break;
    }
    if (e->ukey_id) {
        lc_late_ukey(lc, e->ukey_id, e, now);
    }
    if (e->type == UK_EV_UMAP_REPLACE && e->ukey2_id) {
        lc_late_ukey(lc, e->ukey2_id, e, now);
    }
}

void
lifecycle_feed(struct lifecycle *lc, const struct ukey_event *e,
               uint64_t index)
{
    struct lifecycle_evidence now = lc_evidence(e, index);

    if (lc->started && lc_starts_run(lc, e)) {
        lc_new_run(lc, e);
    }
    lc->sum.n_events++;
    bool late = lc_late(lc, e);
    lc->late_after = late ? lc->max_seq : 0;
    lifecycle_head_note(&lc->head, e->seq);
    if (e->seq > lc->max_seq) {
        lc->max_seq = e->seq;
    }
    if (!lc->started) {
        lc->started = true;
        lc->sum.n_runs++;
        lc->sum.first_seq = e->seq;
    }
    if (e->ts > lc->last_ts) {
        lc->last_ts = e->ts;
    }
    /* A violation is the checker's, emitted on behalf of a thread, maybe
     * from a thread of its own (event_bus_start_async()). */
    if (e->seq && e->type != UK_EV_VIOLATION) {
        lc_thread_seq(lc, e);
    }
    if (UK_UNLIKELY(late)) {
        lc_late_event(lc, e, &now);
        return;
    }

    switch ((enum uk_event_type) e->type) {
    case UK_EV_VIOLATION:
        return;
    case UK_EV_THREAD_START:
        lc_name_event(lc, e);
        return;
    case UK_EV_FLOW:
        lc_name_event(lc, e);
        lc_event_flow(lc, e, e->pmd_id);
        return;
    case UK_EV_TRAFFIC:
        lc_traffic(lc, e, &now);
        return;
    case UK_EV_UPCALL:
        lc_upcall(lc, e);
        return;
    case UK_EV_OP_BEGIN:
        lc_op_begin(lc, e, &now);
        return;
    case UK_EV_OP_END:
        lc_op_end(lc, e, &now);
        return;
    case UK_EV_END:
        lc->sum.complete = true;
        lc->end_ev = now;
        return;
    case UK_EV_RULE_CHANGE:
        lc_stale_rule_change(lc, e, &now);
        return;
    case UK_EV_DP_DUMP:
        lc_stale_dump(lc, e, &now);
        return;
    case UK_EV_COVERAGE:
        lc_stale_coverage(lc, e, &now);
        break;
    case UK_EV_CREATE:
        lc_stale_create(lc, e, &now);
        break;
    case UK_EV_DP_PUT:
    case UK_EV_DP_DEL:
        lc_dp_op(lc, e, &now);
        break;
    case UK_EV_TRANSITION: case UK_EV_LOCK:
    case UK_EV_TRYLOCK: case UK_EV_UNLOCK: case UK_EV_UMAP_LOOKUP:
    case UK_EV_UMAP_INSERT: case UK_EV_UMAP_REPLACE: case UK_EV_UMAP_REMOVE:
    case UK_EV_RCU_POSTPONE: case UK_EV_RCU_QUIESCE: case UK_EV_RCU_FREE:
    case UK_EV_UKEY_FREE: case UK_EV_REVALIDATE: case UK_EV_STATS_PUSH:
    case UK_EV_BARRIER: case N_UK_EVENT_TYPES:
    default:
        break;
    }

    if (e->ukey_id) {
        lc_ukey_event(lc, e->ukey_id, false, e, &now);
    }
    if (e->type == UK_EV_UMAP_REPLACE && e->ukey2_id) {
        lc_ukey_event(lc, e->ukey2_id, true, e, &now);
    }
}

uint64_t
lifecycle_late_after(const struct lifecycle *lc)
{
    return lc->late_after;
}

char *
lifecycle_format_lost(char *buf, size_t size, uint64_t known,
                      uint64_t n_unknown)
{
    if (!n_unknown) {
        snprintf(buf, size, "%" PRIu64, known);
    } else if (!known) {
        snprintf(buf, size, "an unknown number");
    } else {
        snprintf(buf, size, "%" PRIu64 " and an unknown number", known);
    }
    return buf;
}

void
lifecycle_get_summary(const struct lifecycle *lc,
                      struct lifecycle_summary *out)
{
    *out = lc->sum;
}

size_t
lifecycle_footprint(const struct lifecycle *lc)
{
    size_t size = sizeof *lc;
    size += (lc->ukeys.mask + 1) * sizeof *lc->ukeys.slots;
    size += (lc->names.mask + 1) * sizeof *lc->names.slots;
    size += lc_stale_footprint(lc);
    size += (lc->old_freed.mask + 1) * sizeof *lc->old_freed.slots;
    size += lc->allocated_chunks * sizeof *lc->chunks;
    for (size_t i = 0; i < lc->n_chunks; i++) {
        size += LC_CHUNK_UKEYS * sizeof **lc->chunks;
        for (size_t j = 0; j < LC_CHUNK_UKEYS; j++) {
            size += lc->chunks[i][j].allocated_steps
                    * sizeof *lc->chunks[i][j].steps;
            size += lc->chunks[i][j].expl ? sizeof lc->buf : 0;
        }
    }
    size += lc->allocated_flows * sizeof *lc->flows;
    size += lc->allocated_listed * sizeof *lc->listed;
    if (lc->listed_index) {
        size += (lc->listed_mask + 1) * sizeof *lc->listed_index;
        size += LC_LISTED_FILTER_BITS / 8;
    }
    size += (lc->flow_mask + 1) * sizeof *lc->flow_index;
    size += lc->allocated_touched * sizeof *lc->touched;
    size += lc->fb_allocated * sizeof *lc->fb_words;
    size += lc->n_threads * sizeof *lc->threads;
    if (lc->free_cache) {
        size += LC_FREE_CACHE * sizeof *lc->free_cache;
    }
    for (const struct lc_arena_chunk *c = lc->arena; c; c = c->next) {
        size += sizeof *c + c->size;
    }
    return size;
}

bool
lifecycle_mixed_programs(const struct lifecycle *lc, uint64_t ts0,
                         char *buf, size_t size)
{
    const struct lifecycle_summary *s = &lc->sum;
    if (!s->n_seq_back) {
        return false;
    }
    uint64_t rel = s->seq_back_ts >= ts0 ? s->seq_back_ts - ts0 : 0;
    const char *name = s->seq_back_name;
    snprintf(buf, size, "the events of thread %" PRIu32 "%s%s%s go back "
             "from seq %" PRIu64 " to seq %" PRIu64 " at +%" PRIu64 ".%09"
             PRIu64 " (%" PRIu64 " time%s): the input mixes the events of "
             "two programs (record each in a session of its own), or is "
             "corrupt", s->seq_back_thread, name ? " (" : "",
             name ? name : "", name ? ")" : "", s->seq_back_from,
             s->seq_back_to, rel / 1000000000, rel % 1000000000,
             s->n_seq_back, s->n_seq_back == 1 ? "" : "s");
    return true;
}

const char *
lifecycle_thread_name(const struct lifecycle *lc, uint32_t id)
{
    return id < lc->n_threads ? lc->threads[id].name : NULL;
}

size_t
lifecycle_n_flow_records(const struct lifecycle *lc)
{
    return lc->n_live_flows;
}
