/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a trace into the cursor (repl/trace.h): each event the plugin's
 * report hands over (tracepoints/plugin/graph.h), the thread and flow
 * names, the losses (gaps in 'seq', LTTng's discarded-events messages),
 * babeltrace2's errors kept aside to say in one line, and the index: the
 * lifecycle fold's violations and the checkpoints of the state. */
#include "repl/trace.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/lifecycle.h"
#include "core/util.h"
#include "tracepoints/plugin/graph.h"
#include "tracepoints/plugin/report.h"

/* ==== Reading ==== */

/* When a gap in 'seq' is a loss.  A thread numbers an event and records it
 * a moment later: preempted in between, the others record events of later
 * seqs for as long as it waits for a CPU, however long that is (a loaded
 * machine, a CPU quota, a stopped process), so the time a gap stays open
 * says nothing.  It once did: a gap still open 100 ms of trace time later
 * was a loss, and a thread that waited longer made a false one.  What
 * the trace does say: LTTng's discarded-events and discarded-packets
 * messages (exact: the counters of each stream), a gap wider than the
 * threads can hold at once (REPORT_SEQ_GAP_MIN: seqs never recorded), and
 * the end of the trace (a seq that never came).  A pending discard message
 * that no gap placed stays where it came TRACE_SETTLE_NS of trace time
 * later: that decides where a loss LTTng reported is shown, not whether
 * there is one.  A gap is also closed after so many events (memory). */
#define TRACE_SETTLE_NS 100000000ull
#define TRACE_HOLE_EVENTS (1u << 20)
/* At most so many gaps open at once: a few per thread in a sound trace;
 * a corrupt one (seqs at random) would otherwise split gaps without end.
 * Past it, the oldest is a loss. */
#define TRACE_HOLES_MAX 256

/* Widens the time range of 'l' to take in [begin, end]. */
static void
loss_widen(struct trace_loss *l, uint64_t begin, uint64_t end)
{
    l->ts_begin = begin < l->ts_begin ? begin : l->ts_begin;
    l->ts_end = end > l->ts_end ? end : l->ts_end;
}

/* Adds loss 'l' in position order.  A gap in 'seq' found where a discarded
 * events message was (or another gap: a split one) adds its count to that
 * report instead of making a second one. */
static void
add_loss(struct trace_cursor *tc, const struct trace_loss *l)
{
    size_t i = tc->n_losses;
    while (i > 0 && tc->losses[i - 1].pos > l->pos) {
        i--;
    }
    if (l->from_seq && i > 0 && tc->losses[i - 1].pos == l->pos) {
        struct trace_loss *m = &tc->losses[i - 1];
        m->n += l->n;
        m->reported += l->reported;
        loss_widen(m, l->ts_begin, l->ts_end);
        return;
    }
    tc->losses = uk_insert_gap(tc->losses, &tc->allocated_losses,
                               &tc->n_losses, i, sizeof *tc->losses);
    tc->losses[i] = *l;
}

/* Whether time ranges [b1, e1] and [b2, e2] meet. */
static bool
ranges_meet(uint64_t b1, uint64_t e1, uint64_t b2, uint64_t e2)
{
    return b1 <= e2 && b2 <= e1;
}

/* The gap holes[i] is a loss.  It takes in the pending discarded-events
 * messages whose time range meets its own: with per-CPU streams, LTTng
 * reports a loss at the beginning of its range, which may be well before
 * the events that went missing, and the gap in 'seq' says where they were
 * and how many (LTTng's count is the stream's, of any provider). */
static void
close_hole(struct trace_cursor *tc, size_t i)
{
    const struct trace_hole *h = &tc->holes[i];
    struct trace_loss l = {
        .pos = h->pos, .n = h->hi - h->lo + 1, .from_seq = true,
        .ts_begin = h->ts_begin, .ts_end = h->ts_end,
    };
    size_t n = 0;
    for (size_t k = 0; k < tc->n_pending; k++) {
        const struct trace_loss *d = &tc->pending[k];
        if (ranges_meet(d->ts_begin, d->ts_end, h->ts_begin, h->ts_end)) {
            l.reported += d->reported;
            loss_widen(&l, d->ts_begin, d->ts_end);
        } else {
            tc->pending[n++] = *d;
        }
    }
    tc->n_pending = n;
    add_loss(tc, &l);
    memmove(&tc->holes[i], &tc->holes[i + 1],
            (--tc->n_holes - i) * sizeof *tc->holes);
}

/* Settles the pending losses that no gap in 'seq' will place: 'final', or
 * TRACE_SETTLE_NS of trace time ('now') after their range (or
 * TRACE_HOLE_EVENTS events later) with no open gap that began in it (the
 * gaps are in position order, so in time order).  They stay where the
 * message was, of an unknown count. */
static void
settle_losses(struct trace_cursor *tc, uint64_t now, bool final)
{
    size_t n = 0;
    for (size_t i = 0; i < tc->n_pending; i++) {
        const struct trace_loss *d = &tc->pending[i];
        bool late = ((d->ts_end <= UINT64_MAX - TRACE_SETTLE_NS
                      && now >= d->ts_end + TRACE_SETTLE_NS)
                     || d->pos + TRACE_HOLE_EVENTS <= tc->n_events);
        bool gap_open = tc->n_holes && tc->holes[0].ts_begin <= d->ts_end;
        if (final || (late && !gap_open)) {
            add_loss(tc, d);
        } else {
            tc->pending[n++] = *d;
        }
    }
    tc->n_pending = n;
}

static void
add_hole(struct trace_cursor *tc, size_t i, const struct trace_hole *h)
{
    tc->holes = uk_insert_gap(tc->holes, &tc->allocated_holes, &tc->n_holes,
                              i, sizeof *tc->holes);
    tc->holes[i] = *h;
}

/* Seq 's', at most the highest read: it fills a gap, or it was read
 * already (a second run in the same session numbers from 1 again).  The
 * holes are disjoint and in seq order (as in position order): a binary
 * search finds the one holding 's'. */
static void
fill_hole(struct trace_cursor *tc, uint64_t s)
{
    size_t lo = 0, hi = tc->n_holes;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tc->holes[mid].hi < s) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    if (lo == tc->n_holes || s < tc->holes[lo].lo) {
        return;
    }
    struct trace_hole *h = &tc->holes[lo];
    if (h->lo == h->hi) {
        memmove(h, h + 1, (--tc->n_holes - lo) * sizeof *h);
    } else if (s == h->lo) {
        h->lo++;
    } else if (s == h->hi) {
        h->hi--;
    } else {
        struct trace_hole upper = *h;
        upper.lo = s + 1;
        h->hi = s - 1;
        add_hole(tc, lo + 1, &upper);
    }
}

/* True if a pending discard message's time range meets that of gap
 * 'h': LTTng says events went missing there. */
static bool
hole_discarded(const struct trace_cursor *tc, const struct trace_hole *h)
{
    for (size_t i = 0; i < tc->n_pending; i++) {
        const struct trace_loss *d = &tc->pending[i];
        if (ranges_meet(d->ts_begin, d->ts_end, h->ts_begin, h->ts_end)) {
            return true;
        }
    }
    return false;
}

/* Follows the seqs read: a gap opens a hole, which the seqs that come
 * later fill; a hole is a loss (see TRACE_SETTLE_NS) when LTTng reports a
 * loss in its range, when it opened wider than the threads can hold, at
 * the end of the trace (trace_index_more()), or when it is the oldest of
 * more than TRACE_HOLES_MAX or TRACE_HOLE_EVENTS events old (memory). */
static void
note_seq(struct trace_cursor *tc, const struct ukey_event *e)
{
    if (e->type != UK_EV_VIOLATION && e->thread_id >= tc->seq_threads) {
        tc->seq_threads = (uint64_t) e->thread_id + 1;
    }
    bool wide = false;
    if (!tc->hi_seq) {
        tc->hi_seq = e->seq;    /* The first: what came before, if anything,
                                 * was not recorded, not lost. */
    } else if (e->seq > tc->hi_seq) {
        if (e->seq > tc->hi_seq + 1) {
            add_hole(tc, tc->n_holes, &(struct trace_hole) {
                .lo = tc->hi_seq + 1, .hi = e->seq - 1, .pos = tc->n_events,
                .ts_begin = tc->n_events ? tc->events[tc->n_events - 1].ts
                                         : 0,
                .ts_end = e->ts });
            wide = (e->seq - tc->hi_seq - 1
                    >= REPORT_SEQ_GAP_MIN(tc->seq_threads));
        }
        tc->hi_seq = e->seq;
    } else {
        fill_hole(tc, e->seq);
    }
    if (wide) {
        close_hole(tc, tc->n_holes - 1);
    }
    while (tc->n_holes
           && (hole_discarded(tc, &tc->holes[0])
               || tc->holes[0].pos + TRACE_HOLE_EVENTS <= tc->n_events
               || tc->n_holes > TRACE_HOLES_MAX)) {
        close_hole(tc, 0);
    }
    settle_losses(tc, e->ts, false);
}

static void
add_name(struct trace_name **names, size_t *n, size_t *allocated,
         const struct trace_name *name)
{
    for (size_t i = 0; i < *n; i++) {
        if ((*names)[i].key == name->key) {
            (*names)[i] = *name;
            return;
        }
    }
    *names = uk_grow(*names, allocated, *n + 1, sizeof **names);
    (*names)[(*n)++] = *name;
}

static void
read_event(const struct ukey_event *e_, void *tc_)
{
    struct trace_cursor *tc = tc_;
    struct ukey_event e = *e_;

    e.where = trace_intern(tc, e.where);
    e.name = trace_intern(tc, e.name);
    note_seq(tc, &e);
    if (e.thread_id < TRACE_MAX_SEEN_THREADS && e.type != UK_EV_VIOLATION) {
        if (e.thread_id >= tc->n_seen_threads) {
            size_t n = tc->n_seen_threads ? tc->n_seen_threads : 16;
            while (n <= e.thread_id) {
                n *= 2;
            }
            tc->seen_threads = uk_xrealloc(tc->seen_threads, n);
            memset(tc->seen_threads + tc->n_seen_threads, 0,
                   n - tc->n_seen_threads);
            tc->n_seen_threads = n;
        }
        tc->seen_threads[e.thread_id] = true;
    }

    if (e.type == UK_EV_THREAD_START && e.name) {
        add_name(&tc->threads, &tc->n_threads, &tc->allocated_threads,
                 &(struct trace_name) { .key = e.thread_id, .name = e.name,
                                        .kind = e.kind,
                                        .pmd_id = e.pmd_id });
    } else if (e.type == UK_EV_FLOW && e.name) {
        add_name(&tc->flows, &tc->n_flows, &tc->allocated_flows,
                 &(struct trace_name) { .key = e.ufid, .name = e.name });
    } else if (e.type == UK_EV_VIOLATION) {
        tc->has_violation_events = true;
    }
    tc->events = uk_grow(tc->events, &tc->allocated_events,
                         tc->n_events + 1, sizeof *tc->events);
    tc->events[tc->n_events++] = e;
}

static void
read_discarded(uint64_t n, uint64_t ts_begin, uint64_t ts_end, void *tc_)
{
    struct trace_cursor *tc = tc_;
    /* The count is the stream's: the gap in 'seq' that follows says how
     * many of the run's events are missing here, without counting twice. */
    struct trace_loss l = { .pos = tc->n_events, .reported = n,
                            .ts_begin = ts_begin, .ts_end = ts_end };
    if (!ts_end) {
        add_loss(tc, &l);       /* No time: no gap can be matched to it. */
        return;
    }
    tc->pending = uk_grow(tc->pending, &tc->allocated_pending,
                          tc->n_pending + 1, sizeof *tc->pending);
    tc->pending[tc->n_pending++] = l;
}

/* The message of the last "ukdb: error: WHAT: WHY" line in 'text' (what
 * graph.c prints of a babeltrace2 error), in 'buf'. */
static void
last_cause(const char *text, char *buf, size_t size)
{
    static const char prefix[] = "ukdb: error: ";
    const char *best = NULL;
    for (const char *p = text; p && *p; p = strchr(p, '\n')) {
        if (*p == '\n') {
            p++;
        }
        if (!strncmp(p, prefix, sizeof prefix - 1)) {
            best = p + sizeof prefix - 1;
        }
    }
    if (!best) {
        snprintf(buf, size, "cannot read it");
        return;
    }
    size_t len = strcspn(best, "\n");
    snprintf(buf, size, "%.*s", (int) len, best);
}

void
trace_capture_stderr(struct trace_stderr *c)
{
    c->tmp = tmpfile();
    c->saved = -1;
    fflush(stderr);
    if (c->tmp) {
        c->saved = dup(STDERR_FILENO);
        dup2(fileno(c->tmp), STDERR_FILENO);
        graph_set_abort_output(c->saved, fileno(c->tmp));
    }
}

/* Restores stderr; if 'failed', says the innermost cause as "WHAT: why". */
void
trace_release_stderr(struct repl *r, struct trace_stderr *c, bool failed,
                     const char *what)
{
    fflush(stderr);
    if (c->saved >= 0) {
        graph_set_abort_output(STDERR_FILENO, -1);
        dup2(c->saved, STDERR_FILENO);
        close(c->saved);
    }
    if (failed) {
        char text[8192] = "", why[512];
        if (c->tmp) {
            rewind(c->tmp);
            size_t n = fread(text, 1, sizeof text - 1, c->tmp);
            text[n] = '\0';
        }
        last_cause(text, why, sizeof why);
        if (strstr(what, "://") && (strstr(why, "no \"ukey:\" event")
                                    || strcasestr(why, "no event"))) {
            /* What lttng-live does with a session that does not exist:
             * it ends at once, without events. */
            snprintf(why, sizeof why, "no such live session, or it ended "
                     "without \"ukey:\" events");
        }
        repl_error(r, "%s: %s", what, why);
    }
    if (c->tmp) {
        fclose(c->tmp);
    }
}

const struct report_options *
trace_read_options(struct trace_cursor *tc)
{
    static struct report_options o;
    o = (struct report_options) {
        .mode = REPORT_VIEW, .format = REPORT_RAW,
        .on_event = read_event, .on_discarded = read_discarded, .aux = tc,
    };
    return &o;
}

bool
trace_read(struct repl *r, struct trace_cursor *tc, const char *path)
{
    struct trace_stderr c;
    char *inputs[] = { (char *) path };
    char what[300];

    trace_capture_stderr(&c);
    int status = graph_run(trace_read_options(tc), 1, inputs);
    snprintf(what, sizeof what, "open: '%s'", path);
    trace_release_stderr(r, &c, status == 2, what);
    return status != 2;
}

/* ==== Violations and checkpoints ==== */

static void
on_violation(const struct lifecycle_violation *v, void *tc_)
{
    struct trace_cursor *tc = tc_;
    tc->violations = uk_grow(tc->violations, &tc->allocated_violations,
                             tc->n_violations + 1, sizeof *tc->violations);
    struct trace_violation *tv = &tc->violations[tc->n_violations++];
    tv->index = v->evidence[0].index;
    tv->e = v->event;
    tv->e.name = trace_intern(tc, v->event.name);
    tv->e.where = trace_intern(tc, v->event.where);
}

void
trace_index_start(struct trace_cursor *tc)
{
    struct lifecycle_callbacks cbs = { .violation = on_violation,
                                       .aux = tc };
    tc->lc = lifecycle_create(NULL, &cbs);
    trace_state_init(&tc->indexed);
    const char *every = getenv("UKDB_TRACE_CHECKPOINT_EVERY");
    tc->every = every && atoi(every) > 0 ? (uint64_t) atoi(every)
                                         : TRACE_CHECKPOINT_EVERY;
}

void
trace_index_more(struct trace_cursor *tc, bool final)
{
    while (final && tc->n_holes) {
        close_hole(tc, 0);
    }
    if (final) {
        settle_losses(tc, 0, true);
    }
    if (!tc->lc) {
        return;
    }
    /* Not final: up to the first open hole, where a loss may be added. */
    uint64_t end = final ? tc->n_events + 1 : tc->n_events;
    if (tc->n_holes && tc->holes[0].pos < end) {
        end = tc->holes[0].pos;
    }
    if (tc->n_pending && tc->pending[0].pos < end) {
        end = tc->pending[0].pos;
    }
    for (uint64_t i = tc->n_indexed; i < end; i++) {
        if (i == 0 && tc->n_events && tc->events[0].seq == 3
            && tc->events[0].type == UK_EV_THREAD_START) {
            /* Recorded from ukdb: the model's main and urcu threads
             * started (seq 1 and 2) before any observer, so the run is
             * complete. */
            for (uint32_t id = 0; id < 2; id++) {
                struct ukey_event e = {
                    .seq = id + 1, .ts = tc->events[0].ts, .thread_id = id,
                    .type = UK_EV_THREAD_START, .name = id ? "urcu" : "main",
                    .kind = id ? UK_THREAD_URCU : UK_THREAD_MAIN,
                };
                lifecycle_feed(tc->lc, &e, 0);
            }
        }
        for (; tc->next_loss < tc->n_losses
               && tc->losses[tc->next_loss].pos == i; tc->next_loss++) {
            const struct trace_loss *l = &tc->losses[tc->next_loss];
            lifecycle_discarded(tc->lc, l->n, l->ts_begin, l->ts_end);
            trace_state_lose(&tc->indexed, l);
        }
        if (!(i % tc->every) && i / tc->every == tc->n_checkpoints) {
            tc->checkpoints = uk_grow(tc->checkpoints,
                                      &tc->allocated_checkpoints,
                                      tc->n_checkpoints + 1,
                                      sizeof *tc->checkpoints);
            struct trace_state *cp = &tc->checkpoints[tc->n_checkpoints++];
            trace_state_init(cp);
            trace_state_copy(cp, &tc->indexed);
        }
        if (i < tc->n_events) {
            lifecycle_feed(tc->lc, &tc->events[i], i);
            trace_state_apply(&tc->indexed, &tc->events[i]);
        }
    }
    tc->n_indexed = final ? tc->n_events : end;
    char why[512];
    if (!tc->mixed && tc->n_events
        && lifecycle_mixed_programs(tc->lc, tc->events[0].ts, why,
                                    sizeof why)) {
        tc->mixed = uk_xstrdup(why);
    }
    if (final) {
        lifecycle_destroy(tc->lc);
        tc->lc = NULL;
        trace_state_destroy(&tc->indexed);
    }
}
