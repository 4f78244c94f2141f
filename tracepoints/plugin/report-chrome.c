/* SPDX-License-Identifier: Apache-2.0 */
/* "ukdb view --format chrome": Chrome trace-event JSON, for Perfetto and
 * chrome://tracing.  One process; per model thread a track with its
 * operations (op_begin/op_end as strictly nested B/E slices) and its
 * transitions (X slices); per ukey an async track of its states (b/e pairs,
 * id = ukey id); a flow arrow (s/f) from each operation to each transition
 * it made; violations and lost events as instant events (i); thread names
 * as metadata (M).  Timestamps are microseconds from the first event. */
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>

#include "core/event.h"
#include "core/lifecycle.h"
#include "core/util.h"
#include "report-private.h"

#define CHROME_PID 1

/* Prints the opening of the file once. */
static FILE *
chrome_out(struct report *r)
{
    if (!r->started) {
        fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n"
              "{\"ph\":\"M\",\"name\":\"process_name\",\"pid\":1,\"tid\":0,"
              "\"args\":{\"name\":\"ukdb\"}}", r->out);
        r->started = true;
    }
    fputs(",\n", r->out);
    return r->out;
}

/* Prints '"ts":T' in microseconds from the first event. */
static void
chrome_ts(const struct report *r, FILE *f, uint64_t ts)
{
    uint64_t rel = ts >= r->ts0 ? ts - r->ts0 : 0;
    fprintf(f, "\"ts\":%" PRIu64 ".%03" PRIu64, rel / 1000, rel % 1000);
}

static struct report_thread *
chrome_thread(struct report *r, uint32_t id)
{
    for (size_t i = 0; i < r->n_threads; i++) {
        if (r->threads[i].id == id) {
            return &r->threads[i];
        }
    }
    r->threads = uk_grow(r->threads, &r->allocated_threads,
                         r->n_threads + 1, sizeof *r->threads);
    struct report_thread *t = &r->threads[r->n_threads++];
    memset(t, 0, sizeof *t);
    t->id = id;
    return t;
}

/* ==== Thread slices ==== */

static void
chrome_slice_end(struct report *r, struct report_thread *t, uint64_t ts)
{
    t->depth--;
    if (t->kind[t->depth] < 0) {
        return;                 /* Its B was filtered out. */
    }
    FILE *f = chrome_out(r);
    fprintf(f, "{\"ph\":\"E\",\"pid\":%d,\"tid\":%" PRIu32 ",", CHROME_PID,
            t->id);
    chrome_ts(r, f, ts);
    putc('}', f);
}

static void
chrome_op_begin(struct report *r, const struct ukey_event *e, bool selected,
                uint64_t late)
{
    struct report_thread *t = chrome_thread(r, e->thread_id);
    if (t->depth >= REPORT_MAX_STACK) {
        return;
    }
    unsigned int d = t->depth++;
    t->begin_ts[d] = e->ts;
    t->flow_id[d] = 0;
    /* A negative kind marks a slice whose B is not printed. */
    t->kind[d] = selected ? e->kind : -1 - e->kind;
    if (!selected) {
        return;
    }
    r->n_printed++;
    FILE *f = chrome_out(r);
    fprintf(f, "{\"ph\":\"B\",\"pid\":%d,\"tid\":%" PRIu32 ",\"name\":\"%s\""
            ",\"cat\":\"op\",", CHROME_PID, e->thread_id,
            uk_op_name(e->kind));
    chrome_ts(r, f, e->ts);
    fprintf(f, ",\"args\":{\"seq\":%" PRIu64 ",\"round\":%" PRIu64,
            e->seq, e->value);
    report_print_late_json(f, late, false);
    fputs("}}", f);
}

static void
chrome_op_end(struct report *r, const struct ukey_event *e)
{
    struct report_thread *t = chrome_thread(r, e->thread_id);
    for (unsigned int d = t->depth; d > 0; d--) {
        int32_t k = t->kind[d - 1];
        if (k == e->kind || -1 - k == e->kind) {
            /* Close what was left open inside it, then it. */
            while (t->depth >= d) {
                chrome_slice_end(r, t, e->ts);
            }
            return;
        }
    }
    /* An end without its begin (the trace began mid-operation). */
}

/* ==== Ukey states ==== */

static void
chrome_state_end(struct report *r, uint64_t ukey_id, uint64_t ts)
{
    uint64_t state;
    if (!report_map_get(&r->open_state, ukey_id, &state)) {
        return;
    }
    FILE *f = chrome_out(r);
    fprintf(f, "{\"ph\":\"e\",\"pid\":%d,\"tid\":0,\"cat\":\"ukey\","
            "\"id\":%" PRIu64 ",\"name\":\"%s\",", CHROME_PID, ukey_id,
            ukey_state_name((int) state - 1));
    chrome_ts(r, f, ts);
    putc('}', f);
    report_map_remove(&r->open_state, ukey_id);
}

static void
chrome_state_begin(struct report *r, const struct ukey_event *e, int state,
                   uint64_t late)
{
    r->n_printed++;
    FILE *f = chrome_out(r);
    fprintf(f, "{\"ph\":\"b\",\"pid\":%d,\"tid\":0,\"cat\":\"ukey\","
            "\"id\":%" PRIu64 ",\"name\":\"%s\",", CHROME_PID, e->ukey_id,
            ukey_state_name(state));
    chrome_ts(r, f, e->ts);
    fprintf(f, ",\"args\":{\"ukey\":%" PRIu64 ",\"ufid\":\"%016" PRIx64
            "\",\"seq\":%" PRIu64, e->ukey_id, e->ufid, e->seq);
    report_print_late_json(f, late, false);
    fputs("}}", f);
    report_map_put(&r->open_state, e->ukey_id, (uint64_t) state + 1);
}

/* A transition that came late ('late', its after_seq) is its thread's
 * slice, marked, but leaves its ukey's track as the transitions of later
 * seqs made it: the fold changes nothing newer with it (core/lifecycle.c,
 * "Late events"), and the track would show a state the ukey left before
 * (OPERATIONAL after EVICTED). */
static void
chrome_transition(struct report *r, const struct ukey_event *e,
                  bool selected, uint64_t late)
{
    if (e->result == UK_TR_OK && e->from != e->to && !late) {
        chrome_state_end(r, e->ukey_id, e->ts);
        if (selected) {
            chrome_state_begin(r, e, e->to, 0);
        }
    }
    if (!selected) {
        return;
    }

    /* The transition as a slice of its thread... */
    r->n_printed++;
    FILE *f = chrome_out(r);
    fprintf(f, "{\"ph\":\"X\",\"pid\":%d,\"tid\":%" PRIu32 ",\"dur\":0,"
            "\"cat\":\"transition\",\"name\":\"ukey#%" PRIu64 " %s->%s\",",
            CHROME_PID, e->thread_id, e->ukey_id, ukey_state_name(e->from),
            ukey_state_name(e->to));
    chrome_ts(r, f, e->ts);
    fprintf(f, ",\"args\":{\"seq\":%" PRIu64 ",\"result\":\"%s\","
            "\"where\":", e->seq, uk_transition_result_name(e->result));
    report_json_string(f, e->where);
    report_print_late_json(f, late, false);
    fputs("}}", f);

    /* ...and an arrow from the operation that made it. */
    struct report_thread *t = chrome_thread(r, e->thread_id);
    if (!t->depth || t->kind[t->depth - 1] < 0) {
        return;
    }
    uint64_t id = ++r->next_flow_id;
    f = chrome_out(r);
    fprintf(f, "{\"ph\":\"s\",\"pid\":%d,\"tid\":%" PRIu32 ",\"cat\":"
            "\"cause\",\"name\":\"%s\",\"id\":%" PRIu64 ",", CHROME_PID,
            e->thread_id, uk_op_name(t->kind[t->depth - 1]), id);
    chrome_ts(r, f, t->begin_ts[t->depth - 1]);
    fputs("}", f);
    f = chrome_out(r);
    fprintf(f, "{\"ph\":\"f\",\"bp\":\"e\",\"pid\":%d,\"tid\":%" PRIu32
            ",\"cat\":\"cause\",\"name\":\"%s\",\"id\":%" PRIu64 ",",
            CHROME_PID, e->thread_id, uk_op_name(t->kind[t->depth - 1]),
            id);
    chrome_ts(r, f, e->ts);
    fputs("}", f);
}

/* ==== Entry points ==== */

void
report_chrome_event(struct report *r, const struct ukey_event *e)
{
    bool selected = report_event_selected(r, e);
    /* Fed to the fold just before (report_fold()). */
    uint64_t late = lifecycle_late_after(r->lc);

    switch ((enum uk_event_type) e->type) {
    case UK_EV_THREAD_START: {
        FILE *f = chrome_out(r);
        fprintf(f, "{\"ph\":\"M\",\"name\":\"thread_name\",\"pid\":%d,"
                "\"tid\":%" PRIu32 ",\"args\":{\"name\":", CHROME_PID,
                e->thread_id);
        report_json_string(f, e->name ? e->name : "?");
        if (late) {
            /* A metadata event has no time, only its args ("name" for
             * the viewers, which leave other keys alone): the mark, with
             * the seq that a slice has, goes there. */
            fprintf(f, ",\"seq\":%" PRIu64, e->seq);
            report_print_late_json(f, late, false);
        }
        fputs("}}", f);
        break;
    }
    case UK_EV_CREATE:
        if (selected) {
            chrome_state_begin(r, e, UKEY_CREATED, late);
        }
        break;
    case UK_EV_TRANSITION:
        chrome_transition(r, e, selected, late);
        break;
    case UK_EV_RCU_FREE:
    case UK_EV_UKEY_FREE:
        chrome_state_end(r, e->ukey_id, e->ts);
        break;
    case UK_EV_OP_BEGIN:
        chrome_op_begin(r, e, selected && !r->opts.ukey_id
                              && !r->opts.flow, late);
        break;
    case UK_EV_OP_END:
        chrome_op_end(r, e);
        break;
    case UK_EV_FLOW: case UK_EV_TRAFFIC: case UK_EV_UPCALL:
    case UK_EV_LOCK: case UK_EV_TRYLOCK: case UK_EV_UNLOCK:
    case UK_EV_UMAP_LOOKUP: case UK_EV_UMAP_INSERT: case UK_EV_UMAP_REPLACE:
    case UK_EV_UMAP_REMOVE: case UK_EV_RCU_POSTPONE: case UK_EV_RCU_QUIESCE:
    case UK_EV_DP_PUT: case UK_EV_DP_DEL: case UK_EV_DP_DUMP:
    case UK_EV_REVALIDATE: case UK_EV_STATS_PUSH: case UK_EV_BARRIER:
    case UK_EV_COVERAGE: case UK_EV_VIOLATION: case UK_EV_END:
    case UK_EV_RULE_CHANGE: case N_UK_EVENT_TYPES:
        break;
    }
}

void
report_chrome_violation(struct report *r, const struct lifecycle_violation *v)
{
    /* The filters of the text and JSON views: a violation of the ukeys
     * they select (--ukey, --flow), at a selected event (--thread and
     * the range).  One without a ukey (a flow's) is shown, unless --ukey
     * is given: this output is not made of ukey timelines. */
    const struct ukey_event *e = &v->event;
    if ((r->opts.ukey_id && e->ukey_id != r->opts.ukey_id)
        || !report_flow_selected(r, e->ufid)
        || !report_violation_selected(r, v)) {
        return;
    }
    r->n_printed++;
    FILE *f = chrome_out(r);
    fprintf(f, "{\"ph\":\"i\",\"s\":\"t\",\"pid\":%d,\"tid\":%" PRIu32
            ",\"cat\":\"violation\",\"name\":\"%s %s ukey#%" PRIu64 "\",",
            CHROME_PID, v->evidence[0].thread_id,
            uk_severity_name(e->result), uk_violation_kind_name(e->kind),
            e->ukey_id);
    chrome_ts(r, f, v->evidence[0].ts);
    fprintf(f, ",\"args\":{\"seq\":%" PRIu64 ",\"earlier_seq\":%" PRIu64
            ",\"detail\":", v->evidence[0].seq, v->evidence[1].seq);
    report_json_string(f, e->name);
    fputs("}}", f);
}

void
report_chrome_discarded(struct report *r, const struct report_discard *d)
{
    FILE *f = chrome_out(r);
    fprintf(f, "{\"ph\":\"i\",\"s\":\"g\",\"pid\":%d,\"tid\":0,"
            "\"cat\":\"lost\",\"name\":\"lost %" PRIu64 " %s\",",
            CHROME_PID, report_loss_count(d->n, d->seqs), d->what);
    chrome_ts(r, f, d->ts_begin ? d->ts_begin : d->told_ts);
    if (d->ts_end == UINT64_MAX) {
        fputs(",\"args\":{\"ts_end\":null}}", f);   /* The end. */
    } else {
        fprintf(f, ",\"args\":{\"ts_end\":%" PRIu64 "}}", d->ts_end);
    }
}

void
report_chrome_finish(struct report *r)
{
    for (size_t i = 0; i < r->n_threads; i++) {
        struct report_thread *t = &r->threads[i];
        while (t->depth) {
            chrome_slice_end(r, t, r->last_ts);
        }
    }
    size_t n_open = r->open_state.n;
    uint64_t *open = uk_xcalloc(n_open ? n_open : 1, sizeof *open);
    for (size_t i = 0, j = 0; i < r->open_state.n_slots; i++) {
        if (r->open_state.keys[i]) {
            open[j++] = r->open_state.keys[i];
        }
    }
    for (size_t i = 0; i < n_open; i++) {
        chrome_state_end(r, open[i], r->last_ts);
    }
    free(open);
    if (!r->started) {
        fputs("{\"displayTimeUnit\":\"ns\",\"traceEvents\":[\n", r->out);
        fputs("]}\n", r->out);
        return;
    }
    fputs("\n]}\n", r->out);
}
