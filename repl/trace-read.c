/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a trace into the cursor (repl/trace.h): each event the plugin's
 * report hands over (tracepoints/plugin/graph.h), the thread and flow
 * names, the losses (gaps in 'seq', LTTng's discarded-events messages),
 * babeltrace2's errors kept aside to say in one line, and the index: the
 * lifecycle fold's violations and the checkpoints of the state. */
#include "repl/trace.h"

#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "core/lifecycle.h"
#include "core/util.h"
#include "tracepoints/plugin/graph.h"
#include "tracepoints/plugin/report.h"

/* ==== Reading ==== */

/* The losses come from the report (tracepoints/plugin/report.c), which
 * decides them as the audit does, and tells each where the audit's fold
 * takes it: before the next event it gives.  A gap in 'seq' is a loss
 * when more seqs are missing than the threads can hold in flight
 * (REPORT_SEQ_GAP_MIN), when the run ends without them, or when LTTng
 * reports a loss in its range; a seq that comes late (its thread waited
 * for a CPU) fills its gap, unless the fold gave up on it after
 * REPORT_HOLD_MAX later events: then the gap is told there ('held': what
 * is alive becomes uncertain, no report), the seq is stepped where it
 * comes, and if it never comes, the end of its run tells a loss.  So the
 * cursor's losses, its violations and its event numbers are the
 * audit's. */

/* Loss 'number' (report_loss_info's), numbered but maybe not told yet
 * (its 'index' SIZE_MAX), or NULL for 0. */
static struct trace_told *
told_loss(struct trace_cursor *tc, uint64_t number)
{
    if (!number) {
        return NULL;
    }
    if (number > tc->n_told) {
        tc->told = uk_grow(tc->told, &tc->allocated_told, number,
                           sizeof *tc->told);
        while (tc->n_told < number) {
            tc->told[tc->n_told++] = (struct trace_told) {
                .index = SIZE_MAX,
            };
        }
    }
    return &tc->told[number - 1];
}

/* Loss 'l' of LTTng's takes in 'seqs' more seqs missing: they are its
 * count if LTTng gave none (report_loss_count()). */
static void
add_seqs(struct trace_loss *l, uint64_t seqs)
{
    l->seqs += seqs;
    l->n = report_loss_count(l->reported, l->seqs);
}

static void
read_loss(const struct report_loss_info *info, void *tc_)
{
    struct trace_cursor *tc = tc_;
    uint64_t seqs = info->seqs;
    struct trace_loss l = {
        .pos = tc->n_events, .seq_first = info->seq_first,
        .ts_begin = info->ts_begin, .ts_end = info->ts_end,
        .from_seq = seqs != 0 || info->held,
        .more = info->kind == REPORT_LOSS_MORE,
        .held = info->kind == REPORT_LOSS_HELD,
        .held_lost = info->held,
    };
    struct trace_told *by = told_loss(tc, info->covered_by);
    if (by) {
        /* A gap of the events LTTng reported lost earlier (per-CPU
         * streams: at the beginning of its range): they are these seqs,
         * that loss's count if LTTng gave none, as the audit counts it.
         * (A stream's loss before its first packet is told when the
         * packet comes, after the gaps it covers.  Live, an earlier
         * checkpoint may still count that loss as of an unknown
         * number.) */
        if (by->index != SIZE_MAX) {
            add_seqs(&tc->losses[by->index], seqs);
        } else {
            by->early_seqs += seqs;
        }
        l.seqs = seqs;
    } else if (seqs) {
        l.seqs = seqs;
        l.n = l.held ? 0 : seqs;    /* Given up on: none lost yet. */
    } else {
        l.reported = l.n = info->n;
    }
    if (!l.more && !l.held) {
        struct trace_told *t = told_loss(tc, info->number);
        if (t) {
            if (t->early_seqs) {
                add_seqs(&l, t->early_seqs);
            }
            t->index = tc->n_losses;
        }
        tc->n_reports++;
    }
    tc->losses = uk_grow(tc->losses, &tc->allocated_losses, tc->n_losses + 1,
                         sizeof *tc->losses);
    tc->losses[tc->n_losses++] = l;
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
    if (e.seq) {
        /* Not the first and last events': a late one may be last. */
        tc->seq_min = tc->seq_min && tc->seq_min < e.seq ? tc->seq_min
                                                         : e.seq;
        tc->seq_max = e.seq > tc->seq_max ? e.seq : tc->seq_max;
    }
    tc->events = uk_grow(tc->events, &tc->allocated_events,
                         tc->n_events + 1, sizeof *tc->events);
    tc->events[tc->n_events++] = e;
}

/* The message of the last "ukdb: error: WHAT: WHY" line in 'text' (what
 * graph.c prints of a babeltrace2 error), in 'buf'.  Returns that line,
 * or NULL. */
static const char *
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
        return NULL;
    }
    size_t len = strcspn(best, "\n");
    snprintf(buf, size, "%.*s", (int) len, best);
    return best - (sizeof prefix - 1);
}

/* What 'c' captured, whole (owned; "" if nothing). */
static char *
captured_text(struct trace_stderr *c)
{
    long size = c->tmp && !fseek(c->tmp, 0, SEEK_END) ? ftell(c->tmp) : 0;
    char *text = uk_xmalloc(size > 0 ? (size_t) size + 1 : 1);
    size_t n = 0;
    if (size > 0 && !fseek(c->tmp, 0, SEEK_SET)) {
        n = fread(text, 1, (size_t) size, c->tmp);
    }
    text[n] = '\0';
    return text;
}

void
trace_capture_stderr(struct trace_stderr *c)
{
    c->tmp = tmpfile();
    c->saved = -1;
    fflush(stderr);
    if (c->tmp) {
        /* Neither is for the record's lttng (record.c execs it). */
        fcntl(fileno(c->tmp), F_SETFD, FD_CLOEXEC);
        c->saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
        if (c->saved < 0 || dup2(fileno(c->tmp), STDERR_FILENO) < 0) {
            if (c->saved >= 0) {
                close(c->saved);
                c->saved = -1;
            }
            fclose(c->tmp);         /* stderr as it is, then. */
            c->tmp = NULL;
            return;
        }
        graph_set_abort_output(c->saved, fileno(c->tmp));
    }
}

/* Restores stderr; if 'failed', says the innermost cause as "WHAT: why".
 * If the user asked for babeltrace2's log (graph_log_wanted()), what was
 * captured goes to stderr first, as it came, but for that cause's line:
 * the log may be megabytes, and is theirs. */
void
trace_release_stderr(struct repl *r, struct trace_stderr *c, bool failed,
                     const char *what)
{
    fflush(stderr);
    if (c->saved >= 0) {
        graph_set_abort_output(STDERR_FILENO, -1);
        dup2(c->saved, STDERR_FILENO);
        close(c->saved);
        c->saved = -1;
    }
    char *text = captured_text(c);
    char why[512];
    const char *cause = failed ? last_cause(text, why, sizeof why) : NULL;
    if (graph_log_wanted()) {
        size_t len = cause ? strcspn(cause, "\n") : 0;
        len += cause && cause[len] == '\n';
        size_t before = cause ? (size_t) (cause - text) : strlen(text);
        fwrite(text, 1, before, stderr);
        if (cause) {
            fputs(cause + len, stderr);
        }
    }
    free(text);
    if (failed) {
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
        .on_event = read_event, .on_loss = read_loss, .aux = tc,
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
    if (!tc->lc) {
        return;
    }
    /* Not final: the losses after the last event may not all be told. */
    uint64_t end = final ? tc->n_events + 1 : tc->n_events;
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
            if (l->more || l->held) {
                lifecycle_doubt(tc->lc, l->ts_end);
            } else if (l->held_lost) {
                lifecycle_discard_count(tc->lc, l->n, l->ts_begin,
                                        l->ts_end);
            } else {
                lifecycle_discarded(tc->lc, l->n, l->ts_begin, l->ts_end);
            }
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
            if (trace_state_apply(&tc->indexed, &tc->events[i])) {
                tc->lates = uk_grow(tc->lates, &tc->allocated_lates,
                                    tc->n_lates + 1, sizeof *tc->lates);
                tc->lates[tc->n_lates++] = (struct trace_late) {
                    .index = i, .after = tc->indexed.max_seq,
                };
            }
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
