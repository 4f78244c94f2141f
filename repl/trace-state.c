/* SPDX-License-Identifier: Apache-2.0 */
/* The state a trace's events describe at a position (repl/trace.h): ukeys
 * with their state, umap membership and lock, the datapath's flows, what
 * each thread is doing and the umap locks.  A pure fold: the same events
 * give the same state, so a checkpoint plus the events after it is the
 * state at any later position.  Memory is bounded by the live ukeys and
 * the flows: freed ukeys beyond the most recent TRACE_FREED_KEPT are
 * dropped. */
#include "repl/trace.h"

#include <stdlib.h>
#include <string.h>

#include "core/lifecycle.h"
#include "core/util.h"

void
trace_state_init(struct trace_state *st)
{
    memset(st, 0, sizeof *st);
}

void
trace_state_destroy(struct trace_state *st)
{
    free(st->ukeys);
    free(st->dp);
    free(st->threads);
    free(st->umaps);
    memset(st, 0, sizeof *st);
}

/* Copies 'n' elements of 'size' bytes from 'src' into '*dst', which has
 * room for '*allocated' and grows if needed (a move reuses the cursor's
 * arrays rather than freeing and allocating them again). */
static void
copy_array(void **dst, size_t *allocated, const void *src, size_t n,
           size_t size)
{
    if (n > *allocated) {
        *dst = uk_xrealloc(*dst, n * size);
        *allocated = n;
    }
    if (n) {
        memcpy(*dst, src, n * size);
    }
}

void
trace_state_copy(struct trace_state *dst, const struct trace_state *src)
{
    struct trace_state old = *dst;
    size_t allocated_threads = old.n_threads, allocated_umaps = old.n_umaps;

    *dst = *src;
    dst->ukeys = old.ukeys;
    dst->allocated_ukeys = old.allocated_ukeys;
    copy_array((void **) &dst->ukeys, &dst->allocated_ukeys, src->ukeys,
               src->n_ukeys, sizeof *src->ukeys);
    dst->dp = old.dp;
    dst->allocated_dp = old.allocated_dp;
    copy_array((void **) &dst->dp, &dst->allocated_dp, src->dp, src->n_dp,
               sizeof *src->dp);
    /* 'threads' and 'umaps' have room for at least their 'n' elements
     * (thread_get() and umap_get() grow them with realloc()). */
    dst->threads = old.threads;
    copy_array((void **) &dst->threads, &allocated_threads, src->threads,
               src->n_threads, sizeof *src->threads);
    dst->umaps = old.umaps;
    copy_array((void **) &dst->umaps, &allocated_umaps, src->umaps,
               src->n_umaps, sizeof *src->umaps);
}

/* ==== Lookups (sorted arrays, binary search) ==== */

static size_t
ukey_slot(const struct trace_state *st, uint64_t id)
{
    size_t lo = 0, hi = st->n_ukeys;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (st->ukeys[mid].id < id) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

struct trace_ukey *
trace_state_ukey(const struct trace_state *st, uint64_t id)
{
    size_t i = ukey_slot(st, id);
    return i < st->n_ukeys && st->ukeys[i].id == id ? &st->ukeys[i] : NULL;
}

/* The ukey 'id', added (first seen mid-life) if unknown.  For an event
 * that came 'late' (trace_state_apply()) about a ukey the state knows, a
 * stand-in that nothing shows: the events of later seqs, stepped before
 * it, made what the ukey is now, and it changes none of that, as the
 * audit's fold takes it (core/lifecycle.c, "Late events"): a live ukey
 * keeps its state, umap and lock (note_late() makes it uncertain; what
 * does not depend on the order comes through ukey_sum()), a freed one
 * stays freed, kept or dropped (prune_freed(): ids are not reused within
 * a run, so an unknown id at most the highest dropped is one of those). */
static struct trace_ukey *
ukey_get(struct trace_state *st, uint64_t id, const struct ukey_event *e,
         bool late)
{
    size_t i = ukey_slot(st, id);
    bool known = i < st->n_ukeys && st->ukeys[i].id == id;
    if (UK_UNLIKELY(late) && (known || id <= st->max_pruned)) {
        static struct trace_ukey stand_in;
        stand_in = (struct trace_ukey) { .id = id, .umap = -1,
                                         .lock_owner = -1, .n_freed = 1 };
        return &stand_in;
    }
    if (known) {
        return &st->ukeys[i];
    }
    st->ukeys = uk_insert_gap(st->ukeys, &st->allocated_ukeys, &st->n_ukeys,
                              i, sizeof *st->ukeys);
    struct trace_ukey *k = &st->ukeys[i];
    *k = (struct trace_ukey) {
        .id = id, .ufid = e->ufid, .pmd_id = e->pmd_id, .umap = -1,
        .lock_owner = -1, .state = UKEY_CREATED,
        /* First seen mid-life: what happened before is unknown; created
         * within a loss's range: what happened after may be lost; first
         * seen late: what came after it was folded first. */
        .doubt = ((e->type != UK_EV_CREATE ? TRACE_DOUBT_MID_LIFE : 0)
                  | (late ? TRACE_DOUBT_LATE : 0)
                  | (st->n_losses && e->ts <= st->lost_until
                     ? st->lost_until_doubt : 0)),
        .state_thread = e->thread_id,
    };
    return k;
}

/* The ukey 'id' for what event 'e' brings that does not depend on the
 * order (a sum, a count, its free): the live ukey the state knows even if
 * 'e' came 'late', else as ukey_get(). */
static struct trace_ukey *
ukey_sum(struct trace_state *st, uint64_t id, const struct ukey_event *e,
         bool late)
{
    struct trace_ukey *k = late ? trace_state_ukey(st, id) : NULL;
    return k && !k->n_freed ? k : ukey_get(st, id, e, late);
}

static int
dp_cmp(uint64_t ufid_a, uint32_t pmd_a, uint64_t ufid_b, uint32_t pmd_b)
{
    if (ufid_a != ufid_b) {
        return ufid_a < ufid_b ? -1 : 1;
    }
    return pmd_a < pmd_b ? -1 : pmd_a > pmd_b;
}

static size_t
dp_slot(const struct trace_state *st, uint64_t ufid, uint32_t pmd_id)
{
    size_t lo = 0, hi = st->n_dp;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (dp_cmp(st->dp[mid].ufid, st->dp[mid].pmd_id, ufid, pmd_id) < 0) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return lo;
}

struct trace_dpflow *
trace_state_dp(const struct trace_state *st, uint64_t ufid, uint32_t pmd_id)
{
    size_t i = dp_slot(st, ufid, pmd_id);
    return (i < st->n_dp && st->dp[i].ufid == ufid
            && st->dp[i].pmd_id == pmd_id) ? &st->dp[i] : NULL;
}

static struct trace_dpflow *
dp_get(struct trace_state *st, uint64_t ufid, uint32_t pmd_id)
{
    size_t i = dp_slot(st, ufid, pmd_id);
    if (i < st->n_dp && st->dp[i].ufid == ufid
        && st->dp[i].pmd_id == pmd_id) {
        return &st->dp[i];
    }
    st->dp = uk_insert_gap(st->dp, &st->allocated_dp, &st->n_dp, i,
                           sizeof *st->dp);
    st->dp[i] = (struct trace_dpflow) { .ufid = ufid, .pmd_id = pmd_id };
    return &st->dp[i];
}

/* Thread and umap ids index arrays up to these (a corrupt or synthetic
 * trace may have any 32-bit value): beyond, they are not tracked. */
#define TRACE_MAX_THREADS 4096
#define TRACE_MAX_UMAPS 65536

static struct trace_thread *
thread_get(struct trace_state *st, uint32_t id)
{
    static struct trace_thread untracked;
    if (id >= TRACE_MAX_THREADS) {
        untracked = (struct trace_thread) { .op = -1 };
        return &untracked;
    }
    if (id >= st->n_threads) {
        size_t n = (size_t) id + 1;
        st->threads = uk_xrealloc(st->threads, n * sizeof *st->threads);
        for (size_t i = st->n_threads; i < n; i++) {
            st->threads[i] = (struct trace_thread) { .op = -1 };
        }
        st->n_threads = n;
    }
    return &st->threads[id];
}

static struct trace_umap *
umap_get(struct trace_state *st, int32_t index)
{
    if (index < 0 || index >= TRACE_MAX_UMAPS) {
        return NULL;
    }
    if ((size_t) index >= st->n_umaps) {
        size_t n = (size_t) index + 1;
        st->umaps = uk_xrealloc(st->umaps, n * sizeof *st->umaps);
        for (size_t i = st->n_umaps; i < n; i++) {
            st->umaps[i] = (struct trace_umap) { .owner = -1 };
        }
        st->n_umaps = n;
    }
    return &st->umaps[index];
}

/* Drops the oldest freed ukeys once there are twice TRACE_FREED_KEPT. */
static void
prune_freed(struct trace_state *st)
{
    if (st->n_freed < 2 * TRACE_FREED_KEPT) {
        return;
    }
    size_t drop = st->n_freed - TRACE_FREED_KEPT;
    size_t j = 0;
    for (size_t i = 0; i < st->n_ukeys; i++) {
        if (drop && st->ukeys[i].n_freed) {
            drop--;
            st->n_freed--;
            if (st->ukeys[i].id > st->max_pruned) {
                st->max_pruned = st->ukeys[i].id;
            }
            continue;
        }
        st->ukeys[j++] = st->ukeys[i];
    }
    st->n_ukeys = j;
}

/* ==== The fold ==== */

static void
apply_lock(struct trace_state *st, const struct ukey_event *e, bool late)
{
    bool taken = e->type != UK_EV_UNLOCK && !e->result;
    int32_t owner = taken ? (int32_t) e->thread_id : -1;
    if (e->type == UK_EV_TRYLOCK && e->result) {
        return;                 /* Contended: nothing changes. */
    }
    if (e->kind == UK_LOCK_UMAP) {
        /* Late: the holder now is what later seqs made it (a thread
         * records its own events in order, so its unlock comes after). */
        struct trace_umap *m = late ? NULL : umap_get(st, e->umap);
        if (m) {
            m->owner = owner;
            m->where = taken ? e->where : NULL;
        }
    } else if (e->ukey_id) {
        struct trace_ukey *k = ukey_get(st, e->ukey_id, e, late);
        k->lock_owner = owner;
        k->lock_where = taken ? e->where : NULL;
    }
}

static void
apply_free(struct trace_state *st, struct trace_ukey *k)
{
    st->n_frees++;
    if (!k->n_freed++) {
        st->n_freed++;
    }
    k->in_umap = false;
    k->lock_owner = -1;
}

static void
apply_dp(struct trace_state *st, const struct ukey_event *e, bool late)
{
    if (UK_UNLIKELY(late) && e->type != UK_EV_TRAFFIC) {
        return;     /* Whether the flow is there is what later seqs say. */
    } else if (e->type == UK_EV_DP_PUT) {
        if (!e->result && (e->kind == UK_PUT_CREATE
                           || e->kind == UK_PUT_EXTERNAL)) {
            struct trace_dpflow *f = dp_get(st, e->ufid, e->pmd_id);
            f->present = true;
            f->packets = 0;
            f->instance++;
        }
    } else if (e->type == UK_EV_DP_DEL) {
        struct trace_dpflow *f = trace_state_dp(st, e->ufid, e->pmd_id);
        if (f && !e->result) {
            f->present = false;
        }
    } else if (e->type == UK_EV_TRAFFIC && e->result == UK_PATH_FASTPATH) {
        struct trace_dpflow *f = trace_state_dp(st, e->ufid, e->pmd_id);
        if (f) {
            f->packets += e->value;
        }
    }
}

/* An insert, replace or remove in a umap. */
static void
apply_umap(struct trace_state *st, const struct ukey_event *e, bool late)
{
    struct trace_ukey *k = ukey_get(st, e->ukey_id, e, late);
    if (e->type == UK_EV_UMAP_INSERT) {
        k->in_umap = true;
        k->umap = e->umap;
        return;
    }
    k->in_umap = false;         /* Replaced or removed. */
    if (e->type == UK_EV_UMAP_REPLACE) {
        k = ukey_get(st, e->ukey2_id, e, late);
        k->in_umap = true;
        k->umap = e->umap;
    }
}

/* Whether 'e' starts another run of the model after events of a first
 * one: the main thread's start, seq 1, which a run has once.  That is how
 * a session that rebuilt its model ("back", "goto", "variant") is
 * recorded: the run it left, cut short, then the new model's from its
 * start (as the audit's core/lifecycle-run.c sees it).  Not one whose seq
 * the run skipped: that one is the run's own, late (lifecycle_head_late()),
 * and forgets nothing. */
static bool
starts_run(const struct trace_state *st, const struct ukey_event *e)
{
    return st->pos > 0 && e->type == UK_EV_THREAD_START && e->seq == 1
           && e->kind == UK_THREAD_MAIN && !lifecycle_head_late(&st->head, e);
}

/* Whether 'e' comes late: its seq is not above every seq of its run so
 * far, which the audit counts as a late event (report-order.c: a seq
 * given up on that came after all, lost and found, or seen twice).  A
 * thread start of seq 1 to 3 below them starts another run there, as
 * report_order_new_run() takes it, unless the run skipped its seq: then it
 * is late like any other. */
static bool
note_late(struct trace_state *st, const struct ukey_event *e)
{
    if (e->type == UK_EV_THREAD_START && e->seq <= 3
        && e->seq <= st->max_seq && !lifecycle_head_late(&st->head, e)) {
        st->max_seq = 0;
        st->head = (struct lifecycle_head) { 0 };
    }
    lifecycle_head_note(&st->head, e->seq);
    if (!e->seq) {
        return false;           /* No place in the order. */
    } else if (e->seq > st->max_seq) {
        st->max_seq = e->seq;
        return false;
    }
    st->n_late++;
    st->n_given_up_missing -= st->n_given_up_missing > 0;
    /* The events of later seqs, stepped before it, made what a live ukey
     * it names is now, which it does not change (ukey_get()): uncertain,
     * as the audit's fold makes it inconclusive.  A freed one stays
     * freed. */
    struct trace_ukey *k = trace_state_ukey(st, e->ukey_id);
    if (k && !k->n_freed) {
        k->doubt |= TRACE_DOUBT_LATE;
    }
    k = (e->type == UK_EV_UMAP_REPLACE
         ? trace_state_ukey(st, e->ukey2_id) : NULL);
    if (k && !k->n_freed) {
        k->doubt |= TRACE_DOUBT_LATE;
    }
    return true;
}

/* Forgets what the runs before described: a new run has no ukeys, flows
 * in the datapath, operations or locks yet.  The losses, the late events
 * and the position are the trace's, and stay. */
static void
start_run(struct trace_state *st)
{
    struct trace_state run;
    trace_state_init(&run);
    run.pos = st->pos;
    run.n_late = st->n_late;
    run.ukeys = st->ukeys;
    run.allocated_ukeys = st->allocated_ukeys;
    run.dp = st->dp;
    run.allocated_dp = st->allocated_dp;
    run.n_lost = st->n_lost;
    run.n_losses = st->n_losses;
    run.n_loss_reports = st->n_loss_reports;
    run.n_losses_unknown = st->n_losses_unknown;
    run.first_lost_pos = st->first_lost_pos;
    run.lost_until = st->lost_until;
    run.lost_until_doubt = st->lost_until_doubt;
    run.n_given_up_missing = st->n_given_up_missing;
    free(st->threads);
    free(st->umaps);
    *st = run;
}

bool
trace_state_apply(struct trace_state *st, const struct ukey_event *e)
{
    struct trace_ukey *k = NULL;

    if (starts_run(st, e)) {
        start_run(st);
    }
    bool late = note_late(st, e);
    st->pos++;
    thread_get(st, e->thread_id)->n_events++;
    switch ((enum uk_event_type) e->type) {
    case UK_EV_CREATE:
        /* (ukey_get() first: it adds a ukey first seen here, which
         * ukey_sum() then finds.) */
        k = ukey_get(st, e->ukey_id, e, late);
        ukey_sum(st, e->ukey_id, e, late)->created_seen = true;
        st->n_created++;
        k->ufid = e->ufid;
        k->pmd_id = e->pmd_id;
        k->umap = e->umap;
        k->state_thread = e->thread_id;
        break;
    case UK_EV_TRANSITION:
        k = ukey_get(st, e->ukey_id, e, late);
        /* As the model (core/ukey.c) and the checker: only an accepted
         * transition moves the state; a rejected one (WARN) is recorded
         * as the last change, as OVS records it; an abort and the
         * OPERATIONAL no-op are not. */
        if (e->result == UK_TR_OK) {
            k->state = e->to;
        }
        if (e->result == UK_TR_OK || e->result == UK_TR_WARN) {
            k->state_thread = e->thread_id;
            k->state_where = e->where;
        }
        break;
    case UK_EV_LOCK:
    case UK_EV_TRYLOCK:
    case UK_EV_UNLOCK:
        apply_lock(st, e, late);
        break;
    case UK_EV_UMAP_INSERT:
    case UK_EV_UMAP_REPLACE:
    case UK_EV_UMAP_REMOVE:
        apply_umap(st, e, late);
        break;
    case UK_EV_RCU_POSTPONE:
        ukey_get(st, e->ukey_id, e, late);      /* Seen, if first here. */
        ukey_sum(st, e->ukey_id, e, late)->n_postponed++;
        break;
    case UK_EV_RCU_FREE:
    case UK_EV_UKEY_FREE:
        /* Late too: nothing of the ukey after its free is legitimate. */
        apply_free(st, ukey_sum(st, e->ukey_id, e, late));
        prune_freed(st);
        break;
    case UK_EV_STATS_PUSH:
        ukey_sum(st, e->ukey_id, e, late)->stats_packets += e->value;
        break;
    case UK_EV_DP_PUT:
    case UK_EV_DP_DEL:
    case UK_EV_TRAFFIC:
        apply_dp(st, e, late);
        break;
    case UK_EV_OP_BEGIN:
        thread_get(st, e->thread_id)->op = e->kind;
        break;
    case UK_EV_OP_END:
        /* Operations nest (a round's dump and sweep): back to ROUND. */
        thread_get(st, e->thread_id)->op =
            (e->kind == UK_OP_DUMP || e->kind == UK_OP_SWEEP)
            ? UK_OP_ROUND : -1;
        break;
    case UK_EV_THREAD_START:
    case UK_EV_FLOW:
    case UK_EV_UPCALL:
    case UK_EV_UMAP_LOOKUP:
    case UK_EV_RCU_QUIESCE:
    case UK_EV_DP_DUMP:
    case UK_EV_REVALIDATE:
    case UK_EV_BARRIER:
    case UK_EV_COVERAGE:
    case UK_EV_VIOLATION:
    case UK_EV_END:
    case N_UK_EVENT_TYPES:
    default:
        break;
    }
    return late;
}

void
trace_state_lose(struct trace_state *st, const struct trace_loss *l)
{
    st->n_lost += l->n;
    if (l->held_lost) {
        /* Told lost now: no longer given up on, but a loss. */
        st->n_given_up_missing -= (l->seqs < st->n_given_up_missing
                                   ? l->seqs : st->n_given_up_missing);
    } else {
        /* (Seqs given up on that never came made what was alive where
         * they went missing uncertain, at their 'held': the audit's
         * lifecycle_discard_count().) */
        uint8_t doubt = l->held ? TRACE_DOUBT_GIVEN_UP : TRACE_DOUBT_LOST;
        for (size_t i = 0; i < st->n_ukeys; i++) {
            if (!st->ukeys[i].n_freed) {
                st->ukeys[i].doubt |= doubt;
            }
        }
        /* Why a ukey created by 'lost_until' is uncertain: the loss, or
         * losses, whose range ends the latest. */
        uint64_t until = lifecycle_lost_until(st->lost_until, l->ts_end);
        st->lost_until_doubt = (until == st->lost_until
                                ? st->lost_until_doubt | doubt : doubt);
        st->lost_until = until;
        st->n_given_up_missing += l->held ? l->seqs : 0;
        if (!st->n_losses++) {
            st->first_lost_pos = l->pos + 1;
        }
    }
    if (!l->held && (!l->more || !st->n_loss_reports)) {
        /* More of a loss told before is no other report (the audit's
         * lifecycle_doubt()), nor are seqs given up on, until the end
         * of their run finds them lost. */
        st->n_losses_unknown += !l->n;
        st->n_loss_reports++;
    }
}

unsigned int
trace_state_doubt(const struct trace_state *st)
{
    if (!st->n_losses) {
        return 0;
    }
    /* A loss report: a loss of LTTng's, a gap, or seqs given up on that
     * the run ended without (trace_state_lose()); seqs given up on while
     * some may still come. */
    return ((st->n_loss_reports ? TRACE_DOUBT_LOST : 0)
            | (st->n_given_up_missing ? TRACE_DOUBT_GIVEN_UP : 0)
            | (st->n_late ? TRACE_DOUBT_LATE : 0));
}
