/* SPDX-License-Identifier: Apache-2.0 */
/* Live sessions (repl/trace.h): "open net://HOST/host/NAME/SESSION" reads
 * what the relay daemon has, the reads as the user goes (a motion at the
 * last event read, "wait", "continue", "when"), and the end of the session
 * or the loss of its connection. */
#include "repl/trace.h"

#include <stdio.h>
#include <time.h>

#include "tracepoints/plugin/graph.h"

/* ==== Live sessions ==== */

/* A read that waits for new events ("wait", "continue") and sees them
 * keep coming stops after this long, to let the motion see them. */
#define LIVE_BUSY_MS 300
#define LIVE_POLL_MS 20         /* Sleep after "no data now". */
/* A read that does not wait (open, a motion at the last event, "when")
 * stops after this long of a session that records faster than ukdb reads
 * it: the relay daemon always has more. */
#define LIVE_DRAIN_MAX_MS 500

/* Ends the live reading of 'tc', after the session ended ('ok') or the
 * connection failed. */
static void
live_end(struct trace_cursor *tc, bool ok)
{
    graph_close(tc->live);
    tc->live = NULL;
    tc->live_failed = !ok;
    trace_index_more(tc, true);
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

size_t
trace_live_read(struct repl *r, struct trace_cursor *tc, long timeout_ms,
                bool need_new)
{
    size_t before = tc->n_events;
    double start = trace_now_us();
    uint64_t start_ns = live_now_ns();
    struct trace_stderr c;
    enum graph_poll_status status = GRAPH_POLL_OK;
    char what[300];

    snprintf(what, sizeof what, "%s'%s'", tc->opening ? "open: " : "",
             tc->path);
    trace_capture_stderr(&c);
    while (tc->live) {
        status = graph_poll(tc->live);
        if (status == GRAPH_POLL_END || status == GRAPH_POLL_ERROR) {
            break;
        }
        double now = trace_now_us();
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
    trace_release_stderr(r, &c, status == GRAPH_POLL_ERROR, what);
    if (status == GRAPH_POLL_END || status == GRAPH_POLL_ERROR) {
        live_end(tc, status == GRAPH_POLL_END);
    }
    trace_index_more(tc, !tc->live);
    if (tc == r->trace && tc->n_events > before) {
        repl_bp_resolve(r);     /* Threads that have just started. */
    }
    if (tc->mixed && !tc->mixed_told && !tc->opening) {
        tc->mixed_told = true;
        repl_error(r, "'%s': %s", tc->path, tc->mixed);
    }
    return tc->n_events - before;
}

bool
trace_live_more(struct repl *r, bool follow, bool *announced)
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
        return trace_live_read(r, tc, -1, true) > 0;
    }
    return trace_live_read(r, tc, LIVE_DRAIN_MAX_MS, false) > 0;
}

void
trace_live_drain(struct repl *r)
{
    if (r->trace->live) {
        trace_live_read(r, r->trace, LIVE_DRAIN_MAX_MS, false);
    }
}

void
trace_print_starved(const struct trace_cursor *tc)
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
enum cmd_status
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
    size_t n = trace_live_read(r, tc, seconds ? (long) seconds * 1000 : -1,
                               true);
    if (n) {
        printf("%zu new event%s (%zu read so far)%s\n", n, n == 1 ? "" : "s",
               tc->n_events, tc->live ? "; the session is still live" : "");
    } else if (tc->live) {
        printf("no new event yet; the session is still live (event %zu read "
               "so far)\n", tc->n_events);
    }
    return CMD_OK;
}

bool
trace_open_live(struct repl *r, struct trace_cursor *tc, const char *url)
{
    struct trace_stderr c;
    char what[300];
    char *inputs[] = { (char *) url };

    snprintf(what, sizeof what, "open: '%s'", url);
    trace_capture_stderr(&c);
    tc->live = graph_open(trace_read_options(tc), 1, inputs);
    trace_release_stderr(r, &c, !tc->live, what);
    if (!tc->live) {
        return false;
    }
    tc->was_live = true;
    /* The first poll connects and takes the metadata; then what
     * babeltrace2 has now, without waiting for more. */
    tc->opening = true;
    trace_live_read(r, tc, LIVE_DRAIN_MAX_MS, false);
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
