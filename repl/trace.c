/* SPDX-License-Identifier: Apache-2.0 */
/* "open TRACE" and the cursor over a trace's events (repl/trace.h): reading
 * the trace once through the plugin's graph (tracepoints/plugin/graph.h,
 * whose report hands each decoded event to this file), the lifecycle fold's
 * violations, checkpoints, the motions (step, back, goto, continue,
 * reverse-continue, last), breakpoints and watches on a trace, and the
 * dispatch of every command while a trace is open. */
#include "repl/trace.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/lifecycle.h"
#include "core/util.h"
#include "tracepoints/plugin/graph.h"
#include "tracepoints/plugin/report.h"
#include "tracepoints/provider/tp-load.h"

static double now_us(void);

/* ==== Strings and names ==== */

const char *
trace_intern(struct trace_cursor *tc, const char *s)
{
    if (!s) {
        return NULL;
    }
    if (2 * (tc->n_strings + 1) > tc->n_string_slots) {
        size_t n = tc->n_string_slots ? 2 * tc->n_string_slots : 256;
        char **slots = uk_xcalloc(n, sizeof *slots);
        for (size_t i = 0; i < tc->n_string_slots; i++) {
            char *old = tc->strings[i];
            if (old) {
                size_t j = uk_hash_string(old) & (n - 1);
                while (slots[j]) {
                    j = (j + 1) & (n - 1);
                }
                slots[j] = old;
            }
        }
        free(tc->strings);
        tc->strings = slots;
        tc->n_string_slots = n;
    }
    size_t mask = tc->n_string_slots - 1;
    size_t j = uk_hash_string(s) & mask;
    for (; tc->strings[j]; j = (j + 1) & mask) {
        if (!strcmp(tc->strings[j], s)) {
            return tc->strings[j];
        }
    }
    tc->strings[j] = uk_xstrdup(s);
    tc->n_strings++;
    return tc->strings[j];
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

const struct trace_name *
trace_find_thread(const struct trace_cursor *tc, uint32_t id)
{
    for (size_t i = 0; i < tc->n_threads; i++) {
        if (tc->threads[i].key == id) {
            return &tc->threads[i];
        }
    }
    return NULL;
}

bool
trace_thread_seen(const struct trace_cursor *tc, uint32_t id)
{
    return id < tc->n_seen_threads && tc->seen_threads[id];
}

/* Threads started or seen acting in the trace. */
static size_t
trace_count_threads(const struct trace_cursor *tc)
{
    size_t n = tc->n_threads;
    for (uint32_t id = 0; id < tc->n_seen_threads; id++) {
        n += tc->seen_threads[id] && !trace_find_thread(tc, id);
    }
    return n;
}

const char *
trace_thread_name(const struct trace_cursor *tc, uint32_t id)
{
    static char buf[32];
    const struct trace_name *t = trace_find_thread(tc, id);
    if (t) {
        return t->name;
    }
    if (id <= 1) {
        return id ? "urcu" : "main";    /* Started before any observer. */
    }
    snprintf(buf, sizeof buf, "thread#%u", id);
    return buf;
}

const char *
trace_flow_name(const struct trace_cursor *tc, uint64_t ufid)
{
    for (size_t i = 0; i < tc->n_flows; i++) {
        if (tc->flows[i].key == ufid) {
            return tc->flows[i].name;
        }
    }
    return NULL;
}

uint64_t
trace_flow_ufid(const struct trace_cursor *tc, const char *name)
{
    for (size_t i = 0; i < tc->n_flows; i++) {
        if (!strcmp(tc->flows[i].name, name)) {
            return tc->flows[i].key;
        }
    }
    return 0;
}

void
trace_format_time(const struct trace_cursor *tc, uint64_t ts, char *buf,
                  size_t size)
{
    uint64_t t0 = tc->n_events ? tc->events[0].ts : 0;
    uint64_t d = ts >= t0 ? ts - t0 : 0;
    snprintf(buf, size, "+%" PRIu64 ".%06" PRIu64 " ms", d / 1000000,
             d % 1000000);
}

/* ==== Reading ==== */

/* How long a gap in 'seq' may stay open before it counts as a loss.  A
 * thread numbers an event and records it a moment later: preempted in
 * between, the others record events of later seqs for as long as it waits
 * for a CPU, a few ms at most on a loaded machine; 100 ms of trace time is
 * generous.  A gap is also closed after so many events (memory), and every
 * gap at the end of the trace (index_more()). */
#define TRACE_HOLE_NS 100000000ull
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

/* The gap holes[0] is a loss.  It takes in the pending discarded-events
 * messages whose time range meets its own: with per-CPU streams, LTTng
 * reports a loss at the beginning of its range, which may be well before
 * the events that went missing, and the gap in 'seq' says where they were
 * and how many (LTTng's count is the stream's, of any provider). */
static void
close_first_hole(struct trace_cursor *tc)
{
    const struct trace_hole *h = &tc->holes[0];
    struct trace_loss l = {
        .pos = h->pos, .n = h->hi - h->lo + 1, .from_seq = true,
        .ts_begin = h->ts_begin, .ts_end = h->ts_end,
    };
    size_t n = 0;
    for (size_t i = 0; i < tc->n_pending; i++) {
        const struct trace_loss *d = &tc->pending[i];
        if (ranges_meet(d->ts_begin, d->ts_end, h->ts_begin, h->ts_end)) {
            l.reported += d->reported;
            loss_widen(&l, d->ts_begin, d->ts_end);
        } else {
            tc->pending[n++] = *d;
        }
    }
    tc->n_pending = n;
    add_loss(tc, &l);
    memmove(&tc->holes[0], &tc->holes[1],
            --tc->n_holes * sizeof *tc->holes);
}

/* Settles the pending losses that no gap in 'seq' will place: 'final', or
 * TRACE_HOLE_NS of trace time ('now') after their range (or
 * TRACE_HOLE_EVENTS events later) with no open gap that began in it (the
 * gaps are in position order, so in time order).  They stay where the
 * message was, of an unknown count. */
static void
settle_losses(struct trace_cursor *tc, uint64_t now, bool final)
{
    size_t n = 0;
    for (size_t i = 0; i < tc->n_pending; i++) {
        const struct trace_loss *d = &tc->pending[i];
        bool late = ((d->ts_end <= UINT64_MAX - TRACE_HOLE_NS
                      && now >= d->ts_end + TRACE_HOLE_NS)
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

/* Follows the seqs read: a gap opens a hole; a hole still open
 * TRACE_HOLE_NS later in the trace (or TRACE_HOLE_EVENTS events later, or
 * the oldest of more than TRACE_HOLES_MAX) is a loss. */
static void
note_seq(struct trace_cursor *tc, const struct ukey_event *e)
{
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
        }
        tc->hi_seq = e->seq;
    } else {
        fill_hole(tc, e->seq);
    }
    while (tc->n_holes
           && (e->ts >= tc->holes[0].ts_end + TRACE_HOLE_NS
               || tc->holes[0].pos + TRACE_HOLE_EVENTS <= tc->n_events
               || tc->n_holes > TRACE_HOLES_MAX)) {
        close_first_hole(tc);
    }
    settle_losses(tc, e->ts, false);
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

/* The graph's functions print babeltrace2's error on stderr: these keep
 * it aside, to say it after the command's name and argument. */
struct stderr_capture {
    FILE *tmp;
    int saved;
};

static void
capture_stderr(struct stderr_capture *c)
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
static void
release_stderr(struct repl *r, struct stderr_capture *c, bool failed,
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

static const struct report_options *
read_options(struct trace_cursor *tc)
{
    static struct report_options o;
    o = (struct report_options) {
        .mode = REPORT_VIEW, .format = REPORT_RAW,
        .on_event = read_event, .on_discarded = read_discarded, .aux = tc,
    };
    return &o;
}

/* Reads the trace at 'path' into 'tc'.  Returns true, or false after
 * printing one line of error. */
static bool
read_trace(struct repl *r, struct trace_cursor *tc, const char *path)
{
    struct stderr_capture c;
    char *inputs[] = { (char *) path };
    char what[300];

    capture_stderr(&c);
    int status = graph_run(read_options(tc), 1, inputs);
    snprintf(what, sizeof what, "open: '%s'", path);
    release_stderr(r, &c, status == 2, what);
    return status != 2;
}

/* ==== Live sessions ==== */

/* A read that waits for new events ("wait", "continue") and sees them
 * keep coming stops after this long, to let the motion see them. */
#define LIVE_BUSY_MS 300
#define LIVE_POLL_MS 20         /* Sleep after "no data now". */
/* A read that does not wait (open, a motion at the last event, "when")
 * stops after this long of a session that records faster than ukdb reads
 * it: the relay daemon always has more. */
#define LIVE_DRAIN_MAX_MS 500

static void index_more(struct trace_cursor *, bool final);

/* Ends the live reading of 'tc', after the session ended ('ok') or the
 * connection failed. */
static void
live_end(struct trace_cursor *tc, bool ok)
{
    graph_close(tc->live);
    tc->live = NULL;
    tc->live_failed = !ok;
    index_more(tc, true);
    if (!tc->opening) {
        printf("%s: the live session %s: %zu events in all\n", tc->path,
               ok ? "ended" : "was lost", tc->n_events);
    }
}

/* The time now in nanoseconds since the Epoch: what an LTTng trace's
 * clock gives (LTTng-UST's monotonic clock, with its offset from the
 * Epoch), on the traced host. */
static uint64_t
live_now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_REALTIME, &ts);
    return (uint64_t) ts.tv_sec * 1000000000u + (uint64_t) ts.tv_nsec;
}

/* Reads from the live session of 'tc', if it is still going, until Ctrl-C
 * or the session ends, and:
 *
 * - unless 'need_new', as soon as babeltrace2 has nothing more now (its
 *   lttng-live source says "try again": the relay daemon has no more data
 *   that it can put in order), or it gives an event traced after this read
 *   began (by the traced host's clock); it never sleeps;
 * - if 'need_new', once new events came and babeltrace2 has nothing more
 *   now (or after LIVE_BUSY_MS, if they keep coming);
 *
 * and in either case after 'timeout_ms' (negative: no limit; callers give
 * a read that does not wait LIVE_DRAIN_MAX_MS).
 *
 * Returns the number of new events. */
static size_t
live_read(struct repl *r, struct trace_cursor *tc, long timeout_ms,
          bool need_new)
{
    size_t before = tc->n_events;
    double start = now_us();
    uint64_t start_ns = live_now_ns();
    struct stderr_capture c;
    enum graph_poll_status status = GRAPH_POLL_OK;
    char what[300];

    snprintf(what, sizeof what, "%s'%s'", tc->opening ? "open: " : "",
             tc->path);
    capture_stderr(&c);
    while (tc->live) {
        status = graph_poll(tc->live);
        if (status == GRAPH_POLL_END || status == GRAPH_POLL_ERROR) {
            break;
        }
        double now = now_us();
        if (repl_interrupted
            || (timeout_ms >= 0 && now - start >= timeout_ms * 1e3)) {
            break;
        }
        if (!need_new) {
            if (status == GRAPH_POLL_AGAIN
                || (tc->n_events > before
                    && tc->events[tc->n_events - 1].ts >= start_ns)) {
                break;
            }
        } else if (tc->n_events > before
                   && (status == GRAPH_POLL_AGAIN
                       || now - start >= LIVE_BUSY_MS * 1e3)) {
            break;
        } else if (status == GRAPH_POLL_AGAIN) {
            nanosleep(&(struct timespec) { 0, LIVE_POLL_MS * 1000000L },
                      NULL);
        }
    }
    release_stderr(r, &c, status == GRAPH_POLL_ERROR, what);
    if (status == GRAPH_POLL_END || status == GRAPH_POLL_ERROR) {
        live_end(tc, status == GRAPH_POLL_END);
    }
    index_more(tc, !tc->live);
    if (tc->mixed && !tc->mixed_told && !tc->opening) {
        tc->mixed_told = true;
        repl_error(r, "'%s': %s", tc->path, tc->mixed);
    }
    return tc->n_events - before;
}

/* What a motion at the last event read does on a live session: reads what
 * the relay daemon has now (quickly), or, if 'follow', waits for new events
 * (or the end), saying so the first time ('*announced').  Returns true if
 * there are new events. */
static bool
live_more(struct repl *r, bool follow, bool *announced)
{
    struct trace_cursor *tc = r->trace;
    if (!tc->live) {
        return false;
    }
    if (follow) {
        if (!*announced) {
            printf("following the live session until a breakpoint or its "
                   "end (Ctrl-C stops)\n");
            fflush(stdout);
            *announced = true;
        }
        return live_read(r, tc, -1, true) > 0;
    }
    return live_read(r, tc, LIVE_DRAIN_MAX_MS, false) > 0;
}

/* Says why a motion stopped at the last event of a live session. */
static void
print_starved(const struct trace_cursor *tc)
{
    if (repl_interrupted) {
        printf("interrupted at event %zu read so far; the session is still "
               "live\n", tc->n_events);
        return;
    }
    printf("no new event yet; the session is still live (event %zu read so "
           "far; \"wait\" or \"continue\" follows it)\n", tc->n_events);
}

/* "wait [SECONDS]": reads until new events come (default: for 10 s at
 * most; 0: no limit), without moving the cursor. */
static enum cmd_status
trace_wait(struct repl *r, int argc, char *argv[])
{
    struct trace_cursor *tc = r->trace;
    uint64_t seconds = 10;
    if (argc > 2 || (argc == 2 && !repl_number_arg(r, "wait", argv[1], 0,
                                                   86400, &seconds))) {
        if (argc > 2) {
            repl_usage_error(r, "wait", "expected [SECONDS]");
        }
        return CMD_ERROR;
    }
    if (!tc->live) {
        printf("%s is not live (any more): all %zu events are read\n",
               tc->path, tc->n_events);
        return CMD_OK;
    }
    size_t n = live_read(r, tc, seconds ? (long) seconds * 1000 : -1, true);
    if (n) {
        printf("%zu new event%s (%zu read so far)%s\n", n, n == 1 ? "" : "s",
               tc->n_events, tc->live ? "; the session is still live" : "");
    } else if (tc->live) {
        printf("no new event yet; the session is still live (event %zu read "
               "so far)\n", tc->n_events);
    }
    return CMD_OK;
}

/* Opens the live session at 'url' into 'tc' and reads what is there.
 * Returns true, or false after printing one line of error. */
static bool
open_live(struct repl *r, struct trace_cursor *tc, const char *url)
{
    struct stderr_capture c;
    char what[300];
    char *inputs[] = { (char *) url };

    snprintf(what, sizeof what, "open: '%s'", url);
    capture_stderr(&c);
    tc->live = graph_open(read_options(tc), 1, inputs);
    release_stderr(r, &c, !tc->live, what);
    if (!tc->live) {
        return false;
    }
    tc->was_live = true;
    /* The first poll connects and takes the metadata; then what
     * babeltrace2 has now, without waiting for more. */
    tc->opening = true;
    live_read(r, tc, LIVE_DRAIN_MAX_MS, false);
    tc->opening = false;
    if (!tc->live && !tc->n_events) {
        if (!tc->live_failed) {
            repl_error(r, "open: '%s': no such live session, or it ended "
                       "without \"ukey:\" events", url);
        }
        return false;
    }
    if (!tc->live) {
        printf("%s: the live session %s: %zu events in all\n", tc->path,
               tc->live_failed ? "was lost" : "ended", tc->n_events);
    }
    return true;
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

/* Starts the index: the lifecycle fold (for its violations) and the state
 * that checkpoints copy. */
static void
index_start(struct trace_cursor *tc)
{
    struct lifecycle_callbacks cbs = { .violation = on_violation,
                                       .aux = tc };
    tc->lc = lifecycle_create(NULL, &cbs);
    trace_state_init(&tc->indexed);
    const char *every = getenv("UKDB_TRACE_CHECKPOINT_EVERY");
    tc->every = every && atoi(every) > 0 ? (uint64_t) atoi(every)
                                         : TRACE_CHECKPOINT_EVERY;
}

/* Indexes the events read since the last call: the lifecycle fold's
 * violations, and a checkpoint of the state every 'every' events.  The
 * losses after the last event read are left for the next call (more may
 * come at the same position), unless 'final': then the index is complete
 * and its fold is freed. */
static void
index_more(struct trace_cursor *tc, bool final)
{
    while (final && tc->n_holes) {
        close_first_hole(tc);
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

/* Applies event 'pos' (from 0) and the losses right after it. */
static void
advance(struct trace_cursor *tc)
{
    uint64_t pos = tc->cur.pos;
    trace_state_apply(&tc->cur, &tc->events[pos]);
    /* Losses are few: a linear scan from a binary search's start. */
    size_t lo = 0, hi = tc->n_losses;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tc->losses[mid].pos < pos + 1) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    for (; lo < tc->n_losses && tc->losses[lo].pos == pos + 1; lo++) {
        trace_state_lose(&tc->cur, &tc->losses[lo]);
    }
}

void
trace_seek(struct trace_cursor *tc, uint64_t pos)
{
    if (pos > tc->n_events) {
        pos = tc->n_events;
    }
    if (!tc->n_checkpoints) {
        return;                 /* A live session without events yet. */
    }
    /* A live session's last checkpoint may not be taken yet. */
    uint64_t cp = pos / tc->every;
    if (cp >= tc->n_checkpoints) {
        cp = tc->n_checkpoints - 1;
    }
    if (pos < tc->cur.pos || cp * tc->every > tc->cur.pos) {
        trace_state_copy(&tc->cur, &tc->checkpoints[cp]);
    }
    while (tc->cur.pos < pos) {
        advance(tc);
    }
}

/* ==== Open and close ==== */

static void
cursor_destroy(struct trace_cursor *tc)
{
    if (!tc) {
        return;
    }
    graph_close(tc->live);
    if (tc->lc) {
        lifecycle_destroy(tc->lc);
        trace_state_destroy(&tc->indexed);
    }
    free(tc->path);
    free(tc->mixed);
    free(tc->events);
    free(tc->losses);
    free(tc->holes);
    free(tc->pending);
    free(tc->violations);
    free(tc->flows);
    free(tc->threads);
    free(tc->seen_threads);
    for (size_t i = 0; i < tc->n_string_slots; i++) {
        free(tc->strings[i]);
    }
    free(tc->strings);
    trace_state_destroy(&tc->cur);
    for (size_t i = 0; i < tc->n_checkpoints; i++) {
        trace_state_destroy(&tc->checkpoints[i]);
    }
    free(tc->checkpoints);
    free(tc);
}

void
trace_close(struct repl *r)
{
    cursor_destroy(r->trace);
    r->trace = NULL;
}

/* "close": back to the model, as it was before "open" (the model session
 * goes on untouched while a trace is open). */
static enum cmd_status
trace_close_cmd(struct repl *r)
{
    printf("closed %s; back to the model at step %" PRIu64 "\n",
           r->trace->path, r->udpif ? r->udpif->time : 0);
    trace_close(r);
    uk_tp_load();               /* "ukdb TRACE" did not (main.c). */
    return CMD_OK;
}

enum cmd_status
cmd_close(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    repl_error(r, "%s: no trace is open", argv[0]);
    return CMD_ERROR;
}

enum cmd_status
cmd_wait(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    repl_error(r, "%s: only on a live session (\"open net://...\")",
               argv[0]);
    return CMD_ERROR;
}

/* Checks 'path' before babeltrace2 sees it.  Returns true, or false after
 * printing one line of error. */
static bool
check_path(struct repl *r, const char *path)
{
    struct stat st;
    if (graph_is_live(path)) {
        return true;
    }
    if (stat(path, &st)) {
        repl_error(r, "open: '%s': %s", path, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        repl_error(r, "open: '%s': not a trace directory", path);
        return false;
    }
    return true;
}

enum cmd_status
cmd_open(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    const char *path = argv[1];
    if (!check_path(r, path)) {
        return CMD_ERROR;
    }
    double start = now_us();
    struct trace_cursor *tc = uk_xzalloc(sizeof *tc);
    tc->path = uk_xstrdup(path);
    trace_state_init(&tc->cur);
    index_start(tc);
    if (graph_is_live(path)) {
        if (!open_live(r, tc, path)) {
            cursor_destroy(tc);
            return CMD_ERROR;
        }
    } else if (!read_trace(r, tc, path)) {
        cursor_destroy(tc);
        return CMD_ERROR;
    }
    if (!tc->n_events && !tc->live) {
        repl_error(r, "open: '%s': not a ukey trace (no \"ukey:\" event)",
                   path);
        cursor_destroy(tc);
        return CMD_ERROR;
    }
    double read = now_us();
    index_more(tc, !tc->live);
    if (tc->mixed) {
        repl_error(r, "open: '%s': %s", path, tc->mixed);
        cursor_destroy(tc);
        return CMD_ERROR;
    }
    if (tc->n_checkpoints) {
        trace_state_copy(&tc->cur, &tc->checkpoints[0]);
    }
    trace_close(r);
    r->trace = tc;
    if (getenv("UKDB_TRACE_TIMING")) {
        fprintf(stderr, "ukdb: timing: open read: %.1f us\n"
                "ukdb: timing: open index: %.1f us\n", read - start,
                now_us() - read);
    }

    uint64_t lost = 0, n_unknown = 0;
    for (size_t i = 0; i < tc->n_losses; i++) {
        lost += tc->losses[i].n;
        n_unknown += !tc->losses[i].n;
    }
    if (!tc->n_events) {
        repl_printf(r, "%s: live session, no event yet\n", path);
    } else {
        char span[64];
        trace_format_time(tc, tc->events[tc->n_events - 1].ts, span,
                          sizeof span);
        size_t n_threads = trace_count_threads(tc);
        repl_printf(r, "%s: %s%zu event%s (seq %" PRIu64 " to %" PRIu64
                    "), %zu thread%s, %zu flow%s, %s", path,
                    tc->live ? "live session, so far " : "", tc->n_events,
                    uk_plural(tc->n_events), tc->events[0].seq,
                    tc->events[tc->n_events - 1].seq, n_threads,
                    uk_plural(n_threads), tc->n_flows,
                    uk_plural(tc->n_flows), span + 1);
        if (tc->n_losses) {
            char what[64];
            lifecycle_format_lost(what, sizeof what, lost, n_unknown);
            repl_printf(r, ", %zu loss%s (%s%s lost)", tc->n_losses,
                        tc->n_losses == 1 ? "" : "es", what,
                        n_unknown ? " of events"
                        : lost == 1 ? " event" : " events");
        }
        repl_printf(r, "\n");
    }
    repl_printf(r, "%zu violation%s found by the lifecycle rules%s.  "
                "At event 0 (before the first); \"step\", \"goto N\"%s.\n",
                tc->n_violations, tc->n_violations == 1 ? "" : "s",
                tc->live ? " so far" : "",
                tc->live ? ", \"wait\" and \"continue\" follow the session"
                         : "");
    return CMD_OK;
}

void
trace_prompt(const struct repl *r, char *buf, size_t size)
{
    const struct trace_cursor *tc = r->trace;
    snprintf(buf, size, "(ukdb %s %" PRIu64 "/%zu) ",
             tc->live ? "live" : "trace", tc->cur.pos, tc->n_events);
}

/* ==== Breakpoints and watches ==== */

static bool
trace_flow_arg(struct repl *r, const char *cmd, const char *name,
               uint64_t *ufid)
{
    *ufid = trace_flow_ufid(r->trace, name);
    if (!*ufid) {
        repl_usage_error(r, cmd, "'%s': no such flow in the trace", name);
        return false;
    }
    return true;
}

static bool
trace_thread_arg(struct repl *r, const char *cmd, const char *name,
                 int *thread_id)
{
    const struct trace_cursor *tc = r->trace;
    for (size_t i = 0; i < tc->n_threads; i++) {
        if (!strcmp(tc->threads[i].name, name)) {
            *thread_id = (int) tc->threads[i].key;
            return true;
        }
    }
    if (!strcmp(name, "main") || !strcmp(name, "urcu")) {
        *thread_id = !strcmp(name, "urcu");
        return true;
    }
    repl_usage_error(r, cmd, "'%s': no such thread in the trace", name);
    return false;
}

static const struct repl_bp_names trace_bp_names = {
    trace_flow_arg, trace_thread_arg,
};

/* The fold's violation at event 'i': the event that breaks the rule, as
 * "show violations" numbers it.  The checker's own violation event (in a
 * trace from ukdb) comes after it, in free-running mode maybe long after:
 * see checker_reported(). */
static const struct ukey_event *
folded_violation_at(const struct trace_cursor *tc, size_t i)
{
    /* By index, in order: a binary search. */
    size_t lo = 0, hi = tc->n_violations;
    while (lo < hi) {
        size_t mid = lo + (hi - lo) / 2;
        if (tc->violations[mid].index < i) {
            lo = mid + 1;
        } else {
            hi = mid;
        }
    }
    return (lo < tc->n_violations && tc->violations[lo].index == i
            ? &tc->violations[lo].e : NULL);
}

/* True if 'e' is a violation event of the trace that the fold found too
 * (same kind, ukey and seq): a breakpoint stopped at the fold's already.
 * One the fold did not find (events lost) still stops. */
static bool
checker_reported(const struct trace_cursor *tc, const struct ukey_event *e)
{
    if (e->type != UK_EV_VIOLATION) {
        return false;
    }
    for (size_t k = 0; k < tc->n_violations; k++) {
        const struct ukey_event *v = &tc->violations[k].e;
        if (v->kind == e->kind && v->ukey_id == e->ukey_id
            && v->value == e->value) {
            return true;
        }
    }
    return false;
}

/* The first enabled breakpoint that event 'i' hits and that stops there
 * (its ignore count spent), or NULL.  Counts the hits. */
static struct breakpoint *
bp_hit(struct repl *r, size_t i)
{
    const struct trace_cursor *tc = r->trace;
    const struct ukey_event *v = folded_violation_at(tc, i);
    const struct ukey_event *e = &tc->events[i];
    bool own = !checker_reported(tc, e);
    for (size_t k = 0; k < r->sess.n_bps; k++) {
        struct breakpoint *bp = &r->sess.bps[k];
        if (((own && repl_bp_matches(bp, e))
             || (v && repl_bp_matches(bp, v)))
            && repl_bp_hit(bp)) {
            return bp;
        }
    }
    return NULL;
}

static void
report_bp(struct repl *r, struct breakpoint *bp, size_t i)
{
    char what[300];
    const struct ukey_event *v = folded_violation_at(r->trace, i);
    uk_event_format(v && repl_bp_matches(bp, v) ? v : &r->trace->events[i],
                    what, sizeof what);
    printf("Breakpoint %d: %s\n", bp->number, what);
    repl_bp_stopped(r, bp);
}

static void
print_watches(struct repl *r, size_t i)
{
    const struct trace_cursor *tc = r->trace;
    const struct ukey_event *e = &tc->events[i];
    if (e->type != UK_EV_TRANSITION || e->result == UK_TR_NOOP) {
        return;
    }
    for (size_t k = 0; k < r->sess.n_watches; k++) {
        const struct watch *w = &r->sess.watches[k];
        if ((w->ukey_id && w->ukey_id == e->ukey_id)
            || (w->ufid && w->ufid == e->ufid)) {
            printf("watch %s: ukey#%" PRIu64 " %s -> %s by %s at %s%s\n",
                   w->text, e->ukey_id, ukey_state_name(e->from),
                   ukey_state_name(e->to),
                   trace_thread_name(tc, e->thread_id),
                   e->where ? e->where : "?",
                   e->result == UK_TR_OK ? "" : " (rejected)");
        }
    }
}

/* ==== Motions ==== */

static void
print_position(struct repl *r)
{
    const struct trace_cursor *tc = r->trace;
    if (r->quiet || r->replaying) {
        return;
    }
    if (!tc->cur.pos) {
        printf("at event 0 of %zu (before the first)\n", tc->n_events);
        return;
    }
    printf("at event %" PRIu64 " of %zu:\n", tc->cur.pos, tc->n_events);
    trace_print_event(tc, tc->cur.pos - 1);
    trace_print_losses_at(tc, tc->cur.pos);
}

/* Moves forward up to 'n' events, printing each if 'verbose', stopping
 * after an event that hits a breakpoint.  On a live session, reads on at
 * the last event read: what is there now, or, if 'follow', until new
 * events come. */
static void
forward(struct repl *r, uint64_t n, bool verbose, bool follow)
{
    struct trace_cursor *tc = r->trace;
    uint64_t done = 0;
    bool starved = false, announced = false;
    if (tc->cur.pos >= tc->n_events && !live_more(r, follow, &announced)) {
        if (tc->live) {
            print_starved(tc);
        } else {
            printf("at the end of the trace (event %zu)\n", tc->n_events);
        }
        return;
    }
    while (done < n) {
        if (tc->cur.pos >= tc->n_events
            && !live_more(r, follow, &announced)) {
            starved = tc->live != NULL;
            break;
        }
        if (repl_interrupted) {
            break;
        }
        size_t i = tc->cur.pos;
        advance(tc);
        done++;
        if (verbose && !r->quiet) {
            trace_print_event(tc, i);
            trace_print_losses_at(tc, i + 1);
        }
        print_watches(r, i);
        struct breakpoint *bp = bp_hit(r, i);
        if (bp) {
            if (!verbose) {
                trace_print_event(tc, i);
            }
            report_bp(r, bp, i);
            return;
        }
        if (repl_interrupted) {
            break;
        }
    }
    if (!verbose) {
        print_position(r);
    }
    if (starved) {
        print_starved(tc);
    } else if (tc->cur.pos == tc->n_events && !tc->live) {
        printf("end of the trace (event %zu)\n", tc->n_events);
    }
}

/* "step THREAD": on to the next event of THREAD (the events of the other
 * threads in between are not printed; breakpoints still stop). */
static enum cmd_status
step_thread(struct repl *r, const char *cmd, int thread_id)
{
    struct trace_cursor *tc = r->trace;
    bool announced = false;

    /* As gdb with nothing to step to: no event of THREAD ahead (read so
     * far, live) is an error, and the cursor stays. */
    size_t next = tc->cur.pos;
    for (;; next++) {
        if (next >= tc->n_events && !live_more(r, false, &announced)) {
            repl_error(r, "%s: no %s events of %s %s: staying at event %"
                       PRIu64 " of %zu", cmd,
                       tc->live ? "new" : "more",
                       trace_thread_name(tc, (uint32_t) thread_id),
                       tc->live ? "yet (the session is still live)"
                       : "in the trace", tc->cur.pos, tc->n_events);
            return CMD_ERROR;
        }
        if (tc->events[next].thread_id == (uint32_t) thread_id) {
            break;
        }
    }
    while (tc->cur.pos <= next) {
        size_t i = tc->cur.pos;
        advance(tc);
        print_watches(r, i);
        struct breakpoint *bp = bp_hit(r, i);
        if (tc->events[i].thread_id == (uint32_t) thread_id || bp) {
            trace_print_event(tc, i);
            if (bp) {
                report_bp(r, bp, i);
            }
            return CMD_OK;
        }
    }
    return CMD_OK;
}

static enum cmd_status
trace_step(struct repl *r, int argc, char *argv[])
{
    uint64_t n = 1;
    int thread_id;
    if (argc == 2 && (argv[1][0] < '0' || argv[1][0] > '9')) {
        return (trace_thread_arg(r, argv[0], argv[1], &thread_id)
                ? step_thread(r, argv[0], thread_id) : CMD_ERROR);
    }
    if (argc > 2) {
        repl_usage_error(r, argv[0], "on a trace: %s [N|THREAD]", argv[0]);
        return CMD_ERROR;
    }
    if (argc == 2 && !repl_number_arg(r, argv[0], argv[1], 1,
                                      UINT64_MAX / 2, &n)) {
        return CMD_ERROR;
    }
    forward(r, n, true, false);
    return CMD_OK;
}

static enum cmd_status
trace_back(struct repl *r, int argc, char *argv[])
{
    struct trace_cursor *tc = r->trace;
    uint64_t n = 1;
    if (argc > 1 && !repl_number_arg(r, "back", argv[1], 1, UINT64_MAX / 2,
                                     &n)) {
        return CMD_ERROR;
    }
    if (n > tc->cur.pos) {
        repl_usage_error(r, "back", "'%s': only %" PRIu64 " event%s "
                         "happened", argc > 1 ? argv[1] : "1", tc->cur.pos,
                         tc->cur.pos == 1 ? "" : "s");
        return CMD_ERROR;
    }
    trace_seek(tc, tc->cur.pos - n);
    print_position(r);
    return CMD_OK;
}

/* Parses "N" (a position), "seq:S" (the event of seq S; "#S" too: a '#'
 * followed by a digit does not start a comment), or a
 * time from the first event ("1.5ms", "200us", "3s", "1000ns").  Returns
 * true with '*pos', or false after an error. */
static bool
parse_target(struct repl *r, const char *arg, uint64_t *pos)
{
    const struct trace_cursor *tc = r->trace;
    const char *live_note = (tc->live ? " read so far; the session is still "
                             "live" : "");
    char *end;
    const char *p = arg;
    bool seq = false;
    if (!strcmp(p, "end")) {
        *pos = tc->n_events;
        return true;
    }
    if (!tc->n_events) {
        goto range;
    }
    if (*p == '#') {
        p++, seq = true;
    } else if (!strncmp(p, "seq:", 4)) {
        p += 4, seq = true;
    }
    errno = 0;
    if (seq) {
        unsigned long long s = strtoull(p, &end, 10);
        if (*p < '0' || *p > '9' || *end || errno) {
            goto bad;
        }
        /* Seqs start at 1; those before the first event were not
         * recorded (not lost). */
        for (size_t i = 0; s && s >= tc->events[0].seq && i < tc->n_events;
             i++) {
            if (tc->events[i].seq >= s) {
                if (tc->events[i].seq != s) {
                    repl_error(r, "goto: '%s': no event has seq %llu (lost?)",
                               arg, s);
                    return false;
                }
                *pos = i + 1;
                return true;
            }
        }
        repl_error(r, "goto: '%s': out of range (seqs %" PRIu64 " to %"
                   PRIu64 "%s)", arg, tc->events[0].seq,
                   tc->events[tc->n_events - 1].seq, live_note);
        return false;
    }
    double v = strtod(p, &end);
    if (end == p || errno || v < 0) {
        goto bad;
    }
    static const struct { const char *unit; double ns; } units[] = {
        { "ns", 1 }, { "us", 1e3 }, { "ms", 1e6 }, { "s", 1e9 },
    };
    if (!*end) {
        if (strchr(p, '.') || v > (double) UINT64_MAX / 2) {
            goto bad;
        }
        *pos = (uint64_t) v;
        if (*pos > tc->n_events) {
            goto range;
        }
        return true;
    }
    for (size_t u = 0; u < UK_ARRAY_SIZE(units); u++) {
        if (!strcmp(end, units[u].unit)) {
            uint64_t ts = tc->events[0].ts + (uint64_t) (v * units[u].ns);
            for (size_t i = 0; i < tc->n_events; i++) {
                if (tc->events[i].ts >= ts) {
                    *pos = i + 1;
                    return true;
                }
            }
            uint64_t span = (tc->events[tc->n_events - 1].ts
                             - tc->events[0].ts);
            repl_error(r, "goto: '%s': out of range (the trace spans 0 to %"
                       PRIu64 ".%06" PRIu64 " ms from its first event%s)",
                       arg, span / 1000000, span % 1000000, live_note);
            return false;
        }
    }
bad:
    repl_usage_error(r, "goto", "'%s': expected an event number, seq:S or "
                     "a time such as 1.5ms", arg);
    return false;
range:
    repl_error(r, "goto: '%s': out of range (events 0 to %zu%s)", arg,
               tc->n_events, live_note);
    return false;
}

static enum cmd_status
trace_goto(struct repl *r, int argc, char *argv[])
{
    uint64_t pos;
    if (argc != 2) {
        repl_usage_error(r, "goto", "expected N, seq:S or TIME");
        return CMD_ERROR;
    }
    if (r->trace->live) {
        /* "goto end" is the last event so far, and a later one may be
         * there now. */
        live_read(r, r->trace, LIVE_DRAIN_MAX_MS, false);
    }
    if (!parse_target(r, argv[1], &pos)) {
        return CMD_ERROR;
    }
    trace_seek(r->trace, pos);
    print_position(r);
    return CMD_OK;
}

static enum cmd_status
trace_continue(struct repl *r)
{
    forward(r, UINT64_MAX, false, true);
    return CMD_OK;
}

enum cmd_status
cmd_reverse_continue(struct repl *r, int argc, char *argv[])
{
    (void) argc;
    struct trace_cursor *tc = r->trace;
    if (!tc) {
        repl_error(r, "%s: only on a trace (\"open TRACE\"); on the model, "
                   "\"back\" and \"last\"", argv[0]);
        return CMD_ERROR;
    }
    /* The event at the cursor is event pos - 1: stop at an earlier one. */
    for (size_t i = tc->cur.pos > 1 ? tc->cur.pos - 1 : 0; i-- > 0;) {
        struct breakpoint *bp = bp_hit(r, i);
        if (bp) {
            trace_seek(tc, i + 1);
            trace_print_event(tc, i);
            report_bp(r, bp, i);
            return CMD_OK;
        }
        if (repl_interrupted) {
            break;
        }
    }
    trace_seek(tc, 0);
    printf("beginning of the trace (event 0)\n");
    return CMD_OK;
}

/* "last ukey ID|flow NAME": back to just before its last transition. */
static enum cmd_status
trace_last(struct repl *r, int argc, char *argv[])
{
    struct trace_cursor *tc = r->trace;
    uint64_t ukey_id, ufid;
    if (!repl_target_parse(r, "last", argc, argv, &trace_bp_names, &ukey_id,
                           &ufid)) {
        return CMD_ERROR;
    }
    for (size_t i = tc->cur.pos; i-- > 0;) {
        const struct ukey_event *e = &tc->events[i];
        if (e->type == UK_EV_TRANSITION
            && ((ukey_id && e->ukey_id == ukey_id)
                || (ufid && e->ufid == ufid))) {
            char what[300];
            uk_event_format(e, what, sizeof what);
            trace_seek(tc, i);
            printf("back to event %zu, before: %s\n", i, what);
            return CMD_OK;
        }
    }
    repl_error(r, "last: no transition of '%s' before the cursor", argv[2]);
    return CMD_ERROR;
}

/* ==== Dispatch ==== */

/* UKDB_TRACE_TIMING=1: the time of each command on stderr, for
 * tests/bench/bench-trace-seek.sh. */
static double
now_us(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e6 + (double) ts.tv_nsec / 1e3;
}

static enum cmd_status trace_execute__(struct repl *, int argc,
                                       char *argv[]);

enum cmd_status
trace_execute(struct repl *r, int argc, char *argv[])
{
    if (!getenv("UKDB_TRACE_TIMING")) {
        return trace_execute__(r, argc, argv);
    }
    double start = now_us();
    enum cmd_status status = trace_execute__(r, argc, argv);
    fflush(stdout);
    fprintf(stderr, "ukdb: timing: %s%s%s: %.1f us\n", argv[0],
            argc > 1 ? " " : "", argc > 1 ? argv[1] : "", now_us() - start);
    return status;
}

static enum cmd_status
trace_execute__(struct repl *r, int argc, char *argv[])
{
    const char *c = argv[0];
    if (!strcmp(c, "step") || !strcmp(c, "next")) {
        return trace_step(r, argc, argv);
    } else if (!strcmp(c, "back")) {
        return trace_back(r, argc, argv);
    } else if (!strcmp(c, "goto")) {
        return trace_goto(r, argc, argv);
    } else if (!strcmp(c, "continue") || !strcmp(c, "run")) {
        return trace_continue(r);
    } else if (!strcmp(c, "reverse-continue")) {
        return cmd_reverse_continue(r, argc, argv);
    } else if (!strcmp(c, "break") || !strcmp(c, "tbreak")) {
        return repl_break_parse(r, argc, argv, &trace_bp_names);
    } else if (!strcmp(c, "watch")) {
        return repl_watch_parse(r, argc, argv, &trace_bp_names);
    } else if (!strcmp(c, "last")) {
        return trace_last(r, argc, argv);
    } else if (!strcmp(c, "show")) {
        return trace_show(r, argc, argv);
    } else if (!strcmp(c, "history")) {
        return trace_history(r, argc, argv);
    } else if (!strcmp(c, "log")) {
        return trace_log(r, argc, argv);
    } else if (!strcmp(c, "when")) {
        if (r->trace->live) {
            live_read(r, r->trace, LIVE_DRAIN_MAX_MS, false);
        }
        return trace_when(r, argc, argv);
    } else if (!strcmp(c, "wait")) {
        return trace_wait(r, argc, argv);
    } else if (!strcmp(c, "close")) {
        return trace_close_cmd(r);
    } else if (!strcmp(c, "reproduce")) {
        return trace_reproduce(r, argc, argv);
    } else if (!strcmp(c, "delete")) {
        return cmd_delete(r, argc, argv);
    } else if (!strcmp(c, "enable") || !strcmp(c, "disable")) {
        return cmd_enable(r, argc, argv);
    } else if (!strcmp(c, "ignore")) {
        return cmd_ignore(r, argc, argv);
    } else if (!strcmp(c, "unwatch")) {
        return cmd_unwatch(r, argc, argv);
    } else if (!strcmp(c, "info")) {
        return cmd_info(r, argc, argv);
    } else if (!strcmp(c, "source")) {
        return cmd_source(r, argc, argv);
    } else if (!strcmp(c, "echo")) {
        return cmd_echo(r, argc, argv);
    } else if (!strcmp(c, "set")) {
        return cmd_set(r, argc, argv);
    } else if (!strcmp(c, "apropos")) {
        return cmd_apropos(r, argc, argv);
    }
    repl_error(r, "%s: not available on a trace (\"reproduce\" turns the "
               "trace into a script of the model)", c);
    return CMD_ERROR;
}
