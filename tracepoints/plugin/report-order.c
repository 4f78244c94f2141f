/* SPDX-License-Identifier: Apache-2.0 */
/* The fold's order (report-private.h): the events of a run, taken in the
 * streams' time order, folded in the order of their seqs; the seqs that
 * never come told as losses or given up on. */
#include "report.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#include "core/compiler.h"
#include "core/event.h"
#include "core/lifecycle.h"
#include "report-private.h"

/* ==== The fold's order ====
 *
 * The fold takes the events of a run in the order of their seqs, the
 * order in which the model's own checker folded them (core/event-bus.c
 * numbers an event and hands it to the checker in that order), not in the
 * order of their timestamps.  The two differ in a free-running trace: a
 * thread takes its event's seq, then LTTng-UST reads the clock when it
 * records it, without the bus lock, so a thread preempted in between
 * records its event after events of later seqs.  The seq order is the
 * causal one (an event emitted under a lock is numbered before the next
 * holder's), the timestamp order is not: a dp_del folded before the
 * dp_put it followed, or a transition before the round end it preceded,
 * changes what the liveness rules count (stuck ukey, slowpath), and the
 * audit of "ukdb load --record" once reported a stuck ukey more or fewer
 * than the load's checker.
 *
 * So the events the streams give (merged by time, which orders each
 * thread's own events) are held (report-hold.c) while a lower seq is
 * missing: until it comes; or until more seqs are missing than the threads
 * can hold in flight (a loss); or a loss LTTng reports, the end of the
 * input or of the run; or until REPORT_HOLD_MAX events wait.  Then the
 * fold gives up on the seq (report_order_give_up()): lost, or its thread
 * waited for a CPU that long, it cannot tell yet.  Either way it goes on
 * without it, so what is live becomes doubtful there, as at a loss, and
 * the seq is kept: if it comes, it is folded where it comes, a late event
 * that the audit's summary counts; if the run ends without it, it is a
 * loss, counted then.  A late event is judged against nothing newer than
 * itself: the records the fold keeps changed since with the events of
 * later seqs (a put judged against a deletion numbered after it would be
 * a false use after delete), so it judges no rule of the order, and its
 * ukey and flow become doubtful, as at a loss (core/lifecycle.c, "Late
 * events"); an event folded in order is judged as ever.
 *
 * Within a run, at most the threads' in-flight seqs are missing at a time
 * in a complete trace, but with more threads than CPUs one of them is
 * nearly always missing (its thread preempted between taking it and
 * recording its event): most events are held a while, a few thousand at
 * a time, each put and taken out in constant time. */

static void report_order_late(struct report *, uint64_t seq);

/* Folds the held event of the lowest seq. */
static void
report_release(struct report *r)
{
    struct ukey_event e;
    report_hold_pop(&r->held, &e);
    if (e.seq >= r->fold_next) {
        r->fold_next = e.seq + 1;
    } else {
        report_order_late(r, e.seq);    /* A seq held twice. */
    }
    report_fold(r, &e);
}

/* The seqs missing between the next the fold expects and the highest
 * taken so far, those neither folded nor held, but for the wide gaps
 * ahead: those are lost (mostly), and whether a narrow gap below them is
 * still in flight is a question of the narrow gaps alone.  (A seq that
 * comes within a wide gap is then counted twice: the count is a little
 * low, as was the per-gap rule's.) */
static uint64_t
report_order_missing(struct report *r)
{
    if (!r->held.n || r->order_high < r->fold_next) {
        r->n_wide = 0;
        return 0;
    }
    uint64_t span = r->order_high - r->fold_next + 1;
    uint64_t missing = span > r->held.n ? span - r->held.n : 0;
    size_t n = 0;
    for (size_t i = 0; i < r->n_wide; i++) {
        if (r->wide[i].last < r->fold_next) {
            continue;                   /* Passed. */
        }
        uint64_t first = (r->wide[i].first > r->fold_next
                          ? r->wide[i].first : r->fold_next);
        uint64_t width = r->wide[i].last - first + 1;
        missing = missing > width ? missing - width : 0;
        r->wide[n++] = r->wide[i];
    }
    r->n_wide = n;
    return missing;
}

/* Notes the gap in seq that 'e' opens above the highest so far, if it is
 * wider than the threads can hold. */
static void
report_order_note_wide(struct report *r, const struct ukey_event *e)
{
    if (r->order_high && e->seq > r->order_high + 1
        && e->seq - r->order_high - 1 >= REPORT_SEQ_GAP_MIN(r->order_threads)
        && r->n_wide < REPORT_MAX_WIDE) {
        r->wide[r->n_wide].first = r->order_high + 1;
        r->wide[r->n_wide].last = e->seq - 1;
        r->n_wide++;
    }
}

/* True if the gap before the lowest held event is one the threads cannot
 * hold: it is not coming. */
static bool
report_order_wide_head(const struct report *r)
{
    if (!r->held.n) {
        return false;
    }
    uint64_t first = report_hold_first_seq(&r->held);
    return (r->fold_next && first > r->fold_next
            && (first - r->fold_next
                >= REPORT_SEQ_GAP_MIN(r->order_threads)));
}

/* The seqs from the fold's next to 'seq_last' are missing in [begin, end],
 * as part of a loss told already ('by', if one of LTTng's covers them, or
 * the one the gaps before them opened; NULL if it is not kept): what is
 * live becomes doubtful, with no other report, and that loss's count takes
 * them in, unless LTTng counted it (report_loss_info).  A consumer counts
 * them in the loss of LTTng's they name ('covered_by'), else on their own:
 * the same sum. */
static void
report_loss_more(struct report *r, uint64_t begin, uint64_t end,
                 uint64_t seq_last, struct report_discard *by)
{
    uint64_t seqs = seq_last - r->fold_next + 1;
    if (r->opts.on_loss) {
        struct report_loss_info l = {
            .kind = REPORT_LOSS_MORE, .ts_begin = begin, .ts_end = end,
            .seq_first = r->fold_next, .seq_last = seq_last, .seqs = seqs,
            .covered_by = by && !by->from_seq ? by->number : 0,
            .what = "events",
        };
        r->opts.on_loss(&l, r->opts.aux);
        return;
    }
    lifecycle_doubt(r->lc, end);
    if (!by || !by->n) {
        lifecycle_discard_more(r->lc, seqs, by && !by->seqs);
    }
    if (by) {
        by->seqs += seqs;
    }
}

/* The missing seqs from the fold's next to the lowest held one were lost:
 * told as a loss from the last event folded to that one, unless a loss
 * known already covers it (LTTng's own count of what it discarded).  A
 * lost packet leaves many small gaps among the other CPUs' events: those
 * that follow the last one told, with no other loss between, widen it.
 * What is live becomes doubtful at each, as at any loss. */
static void
report_order_lost(struct report *r, const char *why)
{
    const struct ukey_event *next = report_hold_first(&r->held);
    uint64_t begin, end;
    report_since_last(r, next->ts, &begin, &end);
    if (!r->fold_next || next->seq <= r->fold_next) {
        return;                 /* Nothing missing before it. */
    }
    /* One gap this wide is no lost packet among other CPUs' events. */
    bool wide = (next->seq - r->fold_next
                 >= REPORT_SEQ_GAP_MIN(r->order_threads));
    if (wide) {
        why = "was tracing stopped and started again?";
    }
    struct report_discard *last = (!wide && r->order_loss != SIZE_MAX
                                   && r->order_loss + 1 == r->n_discards
                                   ? &r->discards[r->order_loss] : NULL);
    struct report_discard *by;
    if (!last && report_loss_known(r, begin, end, &by)) {
        report_loss_more(r, begin, end, next->seq - 1, by);
        return;
    }
    char what[sizeof last->what];
    uint64_t first = last ? r->order_loss_first : r->fold_next;
    why = last ? r->order_loss_why : why;
    char seqs[64];
    if (first == next->seq - 1) {
        snprintf(seqs, sizeof seqs, "of seq %" PRIu64, first);
    } else {
        snprintf(seqs, sizeof seqs, "%s seq %" PRIu64 " to %" PRIu64,
                 last ? "among" : "of", first, next->seq - 1);
    }
    snprintf(what, sizeof what, "events %s (never recorded: %s)", seqs, why);
    if (last) {
        last->ts_end = end > last->ts_end ? end : last->ts_end;
        snprintf(last->what, sizeof last->what, "%s", what);
        report_loss_more(r, begin, end, next->seq - 1, last);
        return;
    }
    size_t n = r->n_discards;
    report_loss_seq(r, begin, end, r->fold_next, next->seq - 1,
                    next->seq - r->fold_next, what, false);
    r->order_loss = r->n_discards > n && !wide ? n : SIZE_MAX;
    r->order_loss_first = first;
    r->order_loss_why = why;
}

/* The lowest held event waited for the seqs below it until
 * REPORT_HOLD_MAX events were held, fewer seqs missing than the threads
 * can hold in flight: the fold goes on without them.  Lost, or their
 * thread waited that long for a CPU: only the end of the run tells, and
 * they are kept until then (report_order_given_up_end()), no loss yet.
 * But the fold judges the events after them without them either way:
 * what is live becomes doubtful here, where they went missing, as at a
 * loss. */
static void
report_order_give_up(struct report *r)
{
    const struct ukey_event *next = report_hold_first(&r->held);
    uint64_t begin, end;
    report_since_last(r, next->ts, &begin, &end);
    uint64_t first = r->fold_next, last = next->seq - 1;

    if (r->n_given_up == REPORT_MAX_GIVEN_UP) {
        /* No room: one range with the last (in seq order, as they come),
         * its 'n' the seqs missing in it. */
        struct report_given_up *g = &r->given_up[r->n_given_up - 1];
        g->last = last;
        g->n += last - first + 1;
        g->ts_begin = begin < g->ts_begin ? begin : g->ts_begin;
        g->ts_end = end > g->ts_end ? end : g->ts_end;
    } else {
        r->given_up[r->n_given_up++] = (struct report_given_up) {
            .first = first, .last = last, .n = last - first + 1,
            .ts_begin = begin, .ts_end = end,
        };
    }
    r->order_loss = SIZE_MAX;   /* The gaps after it widen no loss. */
    if (r->opts.on_loss) {
        struct report_loss_info l = {
            .kind = REPORT_LOSS_HELD, .ts_begin = begin, .ts_end = end,
            .seq_first = first, .seq_last = last, .seqs = last - first + 1,
            .what = "events",
        };
        r->opts.on_loss(&l, r->opts.aux);
        return;
    }
    lifecycle_doubt(r->lc, end);
}

/* Seq 'seq' comes after the fold went past it: counted for the summary
 * (report-audit.c), and no longer missing if it was given up on.  One in
 * the middle of a range splits it, or without room, leaves it one seq
 * fewer missing. */
static void
report_order_late(struct report *r, uint64_t seq)
{
    if (!r->n_late++) {
        r->late_seq = seq;
        r->late_after = r->order_high;
    }
    for (size_t i = 0; i < r->n_given_up; i++) {
        struct report_given_up *g = &r->given_up[i];
        if (seq < g->first || seq > g->last) {
            continue;
        }
        bool exact = g->n == g->last - g->first + 1;
        if (exact && seq == g->first) {
            g->first++;
        } else if (exact && seq == g->last) {
            g->last--;
        } else if (exact && r->n_given_up < REPORT_MAX_GIVEN_UP) {
            memmove(g + 2, g + 1, (r->n_given_up - i - 1) * sizeof *g);
            r->n_given_up++;
            g[1] = *g;
            g[1].first = seq + 1;
            g[1].n = g->last - seq;
            g->last = seq - 1;
            g->n = seq - g->first;
            return;
        }
        if (!--g->n) {
            memmove(g, g + 1, (r->n_given_up - i - 1) * sizeof *g);
            r->n_given_up--;
        }
        return;
    }
}

/* At the end of a run or of the input, the seqs given up on that never
 * came were lost: a report for each range, counted now.  What is live
 * now does not become doubtful: that was done where they went missing
 * (report_order_give_up()), and a ukey created since is not theirs.  A
 * loss that LTTng reported over their time counts them already. */
static void
report_order_given_up_end(struct report *r)
{
    for (size_t i = 0; i < r->n_given_up; i++) {
        const struct report_given_up *g = &r->given_up[i];
        if (report_loss_counted(r, g->ts_begin, g->ts_end)) {
            continue;
        }
        char what[sizeof r->discards[0].what];
        bool exact = g->n == g->last - g->first + 1;
        char seqs[64];
        if (g->first == g->last) {
            snprintf(seqs, sizeof seqs, "of seq %" PRIu64, g->first);
        } else {
            snprintf(seqs, sizeof seqs, "%s seq %" PRIu64 " to %" PRIu64,
                     exact ? "of" : "among", g->first, g->last);
        }
        char n[32] = "";
        if (!exact) {
            snprintf(n, sizeof n, "%" PRIu64 " of them ", g->n);
        }
        snprintf(what, sizeof what, "events %s (%snever recorded: given up "
                 "on after %u later events)", seqs, n, REPORT_HOLD_MAX);
        /* Merged ranges hold seqs that came: not contiguous, but
         * counted. */
        report_loss_seq(r, g->ts_begin, g->ts_end, exact ? g->first : 0,
                        exact ? g->last : 0, g->n, what, true);
    }
    r->n_given_up = 0;
}

/* Folds every held event, in seq order: what is missing is not coming.
 * At the end of a run or of the input, that is a loss ('lost'); before a
 * loss LTTng reports, that loss is it, but for a gap wider than the
 * threads can hold (never recorded: report_order_lost() says why). */
void
report_order_flush(struct report *r, bool lost)
{
    while (r->held.n) {
        if (lost || report_order_wide_head(r)) {
            report_order_lost(r, "the run went on without them");
        }
        report_release(r);
    }
    if (lost) {
        report_order_given_up_end(r);
    }
}

/* True if 'e' starts another run of the program (lifecycle-run.c): a
 * thread start whose seq goes back to the first few, unless the run
 * skipped that seq: then it is the run's own, given up on or told lost,
 * and comes late (lifecycle_head_late(), as the fold takes it). */
static bool
report_order_new_run(const struct report *r, const struct ukey_event *e)
{
    return (e->type == UK_EV_THREAD_START && e->seq <= 3
            && e->seq < r->fold_next
            && !lifecycle_head_late(&r->order_head, e));
}

void
report_order(struct report *r, const struct ukey_event *e)
{
    if (UK_UNLIKELY(report_order_new_run(r, e))) {
        report_order_flush(r, true);
        r->fold_next = r->order_high = r->order_threads = 0;
        r->n_wide = 0;
        r->order_head = (struct lifecycle_head) { 0 };
    }
    lifecycle_head_note(&r->order_head, e->seq);
    if (e->thread_id >= r->order_threads) {
        r->order_threads = (uint64_t) e->thread_id + 1;
    }
    if (e->seq > r->order_high) {
        report_order_note_wide(r, e);
        r->order_high = e->seq;
    }
    if (!e->seq || (e->seq < r->fold_next)) {
        if (e->seq) {
            report_order_late(r, e->seq);   /* Given up on, or seen twice. */
        }
        report_fold(r, e);
        return;
    }
    if (!r->held.n && (!r->fold_next || e->seq == r->fold_next)) {
        r->fold_next = e->seq + 1;  /* In order: the common case. */
        report_fold(r, e);
        return;
    }
    report_hold_put(&r->held, e);
    /* More seqs missing than the threads can hold in flight at once: some
     * of them are lost, and the lowest ones have waited longest. */
    uint64_t in_flight = REPORT_SEQ_GAP_MIN(r->order_threads);
    while (r->held.n) {
        bool lost = (report_order_wide_head(r)
                     || report_order_missing(r) > in_flight);
        uint64_t first = report_hold_first_seq(&r->held);
        if (!lost && first > r->fold_next && r->held.n <= REPORT_HOLD_MAX) {
            break;                      /* Its seq may still come. */
        }
        if (lost) {
            report_order_lost(r, "more seqs missing than the threads hold");
        } else if (first > r->fold_next) {
            report_order_give_up(r);    /* REPORT_HOLD_MAX events held. */
        }
        report_release(r);
    }
}
