/* SPDX-License-Identifier: Apache-2.0 */
/* Reading a sink's input ports (sink-private.h): their messages merged by
 * time, as flt.utils.muxer would give them but only those the report
 * reads, and each message handed to the decoder and the report. */
#include "sink-private.h"

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include <babeltrace2/babeltrace.h>

#include "core/compiler.h"
#include "decode.h"
#include "report.h"

/* Puts the references 'in' holds: the rest of its batch, its iterator. */
void
sink_input_release(struct sink_input *in)
{
    for (; in->pos < in->count; in->pos++) {
        bt_message_put_ref(in->msgs[in->pos]);
    }
    BT_MESSAGE_ITERATOR_PUT_REF_AND_RESET(in->iter);
}

/* ==== Messages ==== */

/* A trace whose session enabled only some "ukey:" events, first seen at
 * 'ns': every event of the others is missing, from then to the end, as a
 * loss of an unknown number.  (A trace of another provider declares none,
 * and is not one.) */
static void
sink_incomplete_trace(struct sink *sink, struct report *r, int64_t ns)
{
    char types[160], what[256];
    decode_missing(sink->dec, types, sizeof types);
    snprintf(what, sizeof what, "events of the types its session did not "
             "enable (%s)", types);
    report_discarded(r, 0, ns == INT64_MIN ? 0 : (uint64_t) ns, UINT64_MAX,
                     what);
}

/* Handles one message, of time 'ns' (sink_message_time()).  Returns false
 * after appending a cause. */
static bool
sink_message(struct sink *sink, const bt_message *msg, int64_t ns)
{
    struct report *r = sink->report;
    switch (bt_message_get_type(msg)) {
    case BT_MESSAGE_TYPE_EVENT:
        if (sink->n_traces > 1 && sink->per_trace) {
            /* Its stream's trace's report.  Streams come in long runs: the
             * lookup is mostly sink_stream()'s first comparison. */
            r = sink_stream(sink, bt_event_borrow_stream_const(
                                bt_message_event_borrow_event_const(msg)))
                ->report;
            r = r ? r : sink->report;   /* Another provider's: skipped. */
        }
        /* Decoded in place in the report's buffer: no copy. */
        switch (decode_event(sink->dec, msg, ns, report_event_slot(r))) {
        case DECODE_OK:
            report_event_commit(r);
            break;
        case DECODE_SKIP:
            break;
        case DECODE_ERROR:
            return false;
        case DECODE_INCOMPLETE:
            sink_incomplete_trace(sink, r, ns);
            return sink_message(sink, msg, ns);
        }
        break;
    case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
        sink_discarded_events(sink, msg);
        break;
    case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
        sink_discarded_packets(sink, msg);
        break;
    default:
        break;
    }
    return true;
}

/* ==== Merging the inputs ==== */

/* If 'msg' is one the sink reads (an event, discarded events or packets),
 * stores in '*ns' the time it is merged at (its default clock snapshot, or
 * its range's beginning; INT64_MIN, "now", without one) and returns true.
 * Stream and packet boundaries and the like only matter to the muxer.  A
 * time that overflows (a corrupt trace) sets 'sink->bad_time'. */
static bool
sink_message_time(struct sink *sink, const bt_message *msg, int64_t *ns)
{
    const bt_clock_snapshot *cs = NULL;
    const bt_stream_class *sc;

    switch (bt_message_get_type(msg)) {
    case BT_MESSAGE_TYPE_EVENT:
        if (bt_message_event_borrow_stream_class_default_clock_class_const(
                msg)) {
            cs = bt_message_event_borrow_default_clock_snapshot_const(msg);
        }
        break;
    case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
        sc = bt_stream_borrow_class_const(
            bt_message_discarded_events_borrow_stream_const(msg));
        if (bt_stream_class_discarded_events_have_default_clock_snapshots(
                sc)) {
            cs = SINK_DE_BEGIN_CS_(msg);
        }
        break;
    case BT_MESSAGE_TYPE_DISCARDED_PACKETS:
        sc = bt_stream_borrow_class_const(
            bt_message_discarded_packets_borrow_stream_const(msg));
        if (bt_stream_class_discarded_packets_have_default_clock_snapshots(
                sc)) {
            cs = SINK_DP_BEGIN_CS_(msg);
        }
        break;
    default:
        return false;
    }
    if (!cs) {
        *ns = INT64_MIN;
    } else if (!cs_to_ns(cs, ns)) {
        sink->bad_time = true;      /* Said by sink_consume(). */
        *ns = INT64_MIN;
    }
    return true;
}

/* The stream of 'msg', one sink_message_time() takes. */
static const bt_stream *
sink_message_stream(const bt_message *msg)
{
    switch (bt_message_get_type(msg)) {
    case BT_MESSAGE_TYPE_EVENT:
        return bt_event_borrow_stream_const(
            bt_message_event_borrow_event_const(msg));
    case BT_MESSAGE_TYPE_DISCARDED_EVENTS:
        return bt_message_discarded_events_borrow_stream_const(msg);
    default:
        return bt_message_discarded_packets_borrow_stream_const(msg);
    }
}

/* Orders messages 'a' and 'b' of the same time from different inputs as
 * flt.utils.muxer does (babeltrace2's common_muxing_compare_messages()):
 * by trace UUID, then trace name (a trace with one before a trace
 * without), then stream class id, then stream id; then by type, an event
 * before a discarded-events message before a discarded-packets one.  The
 * order matters beyond looks: a discarded-events message folded before
 * or after an event of another CPU's stream decides whether that event
 * is late (report-order.c, "The fold's order"), and the audit must say what
 * the babeltrace2 CLI's graph says.  Returns true if 'a' comes first. */
static bool
sink_tie_first(const bt_message *a, const bt_message *b)
{
    const bt_stream *sa = sink_message_stream(a);
    const bt_stream *sb = sink_message_stream(b);
    const bt_trace *ta = bt_stream_borrow_trace_const(sa);
    const bt_trace *tb = bt_stream_borrow_trace_const(sb);
    if (ta != tb) {
        bt_uuid ua = bt_trace_get_uuid(ta), ub = bt_trace_get_uuid(tb);
        if (!ua != !ub) {
            return ua;
        }
        int c = ua ? memcmp(ua, ub, 16) : 0;     /* 16-byte UUIDs. */
        if (c) {
            return c < 0;
        }
        const char *na = bt_trace_get_name(ta), *nb = bt_trace_get_name(tb);
        if (!na != !nb) {
            return na;
        }
        c = na ? strcmp(na, nb) : 0;
        if (c) {
            return c < 0;
        }
    }
    uint64_t ca = bt_stream_class_get_id(bt_stream_borrow_class_const(sa));
    uint64_t cb = bt_stream_class_get_id(bt_stream_borrow_class_const(sb));
    if (ca != cb) {
        return ca < cb;
    }
    uint64_t ia = bt_stream_get_id(sa), ib = bt_stream_get_id(sb);
    if (ia != ib) {
        return ia < ib;
    }
    /* The muxer's weights: event 5, discarded events 4, packets 1. */
    bt_message_type ka = bt_message_get_type(a);
    bt_message_type kb = bt_message_get_type(b);
    return (ka != kb
            && (ka == BT_MESSAGE_TYPE_EVENT
                || (ka == BT_MESSAGE_TYPE_DISCARDED_EVENTS
                    && kb == BT_MESSAGE_TYPE_DISCARDED_PACKETS)));
}

/* True if the head of input 'a' comes before that of input 'b'. */
static inline bool
sink_input_first(const struct sink_input *a, const struct sink_input *b)
{
    return (a->head_ns < b->head_ns
            || (UK_UNLIKELY(a->head_ns == b->head_ns)
                && sink_tie_first(a->msgs[a->pos], b->msgs[b->pos])));
}

/* Moves 'in' to the next message of its batch that the sink reads, from
 * 'in->pos' on, dropping the others.  Returns false if there is none. */
static inline bool
sink_input_advance(struct sink *sink, struct sink_input *in)
{
    for (; in->pos < in->count; in->pos++) {
        if (sink_message_time(sink, in->msgs[in->pos], &in->head_ns)) {
            return true;
        }
        sink_note(sink, in->msgs[in->pos]);
        bt_message_put_ref(in->msgs[in->pos]);
    }
    return false;
}

/* Gives 'in' a head, fetching new batches as needed: returns OK with a
 * head in 'in->msgs[in->pos]', END (its iterator released), AGAIN or an
 * error (after appending a cause). */
static bt_component_class_sink_consume_method_status
sink_input_fill(struct sink *sink, struct sink_input *in)
{
    for (;;) {
        if (sink_input_advance(sink, in)) {
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
        }
        in->pos = in->count = 0;
        switch (bt_message_iterator_next(in->iter, &in->msgs, &in->count)) {
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_OK:
            break;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_AGAIN:
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_AGAIN;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_END:
            BT_MESSAGE_ITERATOR_PUT_REF_AND_RESET(in->iter);
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_MEMORY_ERROR:
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(
                sink->self_comp, "Cannot get next messages: out of memory");
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_MEMORY_ERROR;
        case BT_MESSAGE_ITERATOR_NEXT_STATUS_ERROR:
        default:
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(
                sink->self_comp,
                "Cannot get next messages from upstream message iterator");
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
        }
    }
}

/* Reads the messages of the inputs in time order, as flt.utils.muxer would
 * give them, but only those the report reads: each call takes messages
 * from the input with the earliest head for as long as they come no later
 * than every other input's head (a run), to the end of its batch.  Streams
 * of LTTng's per-CPU buffers come in long runs, so this costs about one
 * comparison per message (the muxer: a queue push and pop and a heap
 * comparison per message, for every message).  Equal times are ordered by
 * 'seq' in the report anyway. */
bt_component_class_sink_consume_method_status
sink_consume(bt_self_component_sink *self_sink)
{
    bt_self_component *self_comp =
        bt_self_component_sink_as_self_component(self_sink);
    struct sink *sink = bt_self_component_get_data(self_comp);
    bt_component_class_sink_consume_method_status status;

    /* Every input still going needs a head before one can be chosen. */
    struct sink_input *first = NULL, *second = NULL;
    for (uint64_t i = 0; i < sink->n_inputs; i++) {
        struct sink_input *in = &sink->inputs[i];
        if (!in->iter) {
            continue;
        }
        if (in->pos == in->count) {     /* Else its head is known. */
            status = sink_input_fill(sink, in);
            if (status == BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END) {
                continue;
            } else if (status
                       != BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK) {
                return status;
            }
        }
        if (!first || sink_input_first(in, first)) {
            second = first;
            first = in;
        } else if (!second || sink_input_first(in, second)) {
            second = in;
        }
    }
    if (sink->bad_time) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_COMPONENT(sink->self_comp,
            "A message's time overflows the signed 64-bit range of "
            "nanoseconds from origin: the trace is corrupt");
        return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
    }
    /* Every stream began (each input has a head): before any output. */
    if (!sink_check_one_trace(sink)) {
        return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
    }
    if (!first) {
        return (sink_end(sink)
                ? BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_END
                : BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR);
    }

    /* The run: 'first' while its head comes before the second's. */
    do {
        const bt_message *msg = first->msgs[first->pos++];
        bool ok = sink_message(sink, msg, first->head_ns);
        bt_message_put_ref(msg);
        if (!ok) {
            return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_ERROR;
        }
    } while (sink_input_advance(sink, first) && !sink->bad_time
             && (!second || sink_input_first(first, second)));
    /* A later head waits for the next call, which compares it again; an
     * exhausted batch, which fetches the next one. */
    return BT_COMPONENT_CLASS_SINK_CONSUME_METHOD_STATUS_OK;
}
