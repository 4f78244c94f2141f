/* SPDX-License-Identifier: Apache-2.0 */
/* From a babeltrace2 event message to a 'struct ukey_event'.
 *
 * The trace field contract (tracepoints/provider/tp.h): events are named
 * "ukey:<type>", payload members are named like the members of 'struct
 * ukey_event'.  Decoding is generic by member name: unknown members are
 * ignored, missing ones read as 0; an enumeration member must hold a value
 * of its enumeration.  What to read from each event class (its
 * type and the index of each known member) is computed once per event class
 * and cached, because decoding runs once per event of traces of millions of
 * events.  The 'where' and 'name' strings are interned, so that the 'const
 * char *' of the decoded events stay valid as long as the decoder.
 *
 * Synchronization: none; one decoder per sink component. */
#ifndef UKDB_TRACEPOINTS_PLUGIN_DECODE_H
#define UKDB_TRACEPOINTS_PLUGIN_DECODE_H 1

#include <stdint.h>

#include <babeltrace2/babeltrace.h>

#include "core/event.h"

struct decode;

enum decode_status {
    DECODE_OK,                  /* '*out' holds a ukey event. */
    DECODE_SKIP,                /* An event of another provider. */
    DECODE_ERROR,               /* A cause was appended. */
    DECODE_INCOMPLETE,          /* The first event of a trace whose metadata
                                 * declares some "ukey:" event types but not
                                 * all (its session enabled only some):
                                 * decode_missing() says which; decode the
                                 * event again. */
};

/* Creates a decoder whose error causes are appended on behalf of
 * 'self_comp' (borrowed; must outlive the decoder). */
struct decode *decode_create(bt_self_component *self_comp);

/* Frees 'dec' and its interned strings, and puts the references it holds on
 * event classes.  Accepts NULL. */
void decode_destroy(struct decode *dec);

/* Decodes the event message 'msg', of time 'ns' (nanoseconds from origin
 * of its default clock snapshot, INT64_MIN without one: the sink reads it
 * to merge its inputs), into '*out'.  Returns DECODE_OK, or
 * DECODE_SKIP for an event that is not of the "ukey" provider, or
 * DECODE_ERROR after appending a cause to the current thread's error (a
 * member of an unexpected field class, or an enumeration member whose value
 * none of its mappings names: a corrupt trace). */
enum decode_status decode_event(struct decode *dec, const bt_message *msg,
                                int64_t ns, struct ukey_event *out);

/* After DECODE_INCOMPLETE: the event types the trace lacks in 'buf'
 * ("rcu_free, umap_remove and 3 more"). */
void decode_missing(struct decode *dec, char *buf, size_t size);

/* The "ukey:" event types that stream class 'sc' declares, a bit per
 * enum uk_event_type (0: a stream of another provider). */
uint64_t decode_stream_class_types(const bt_stream_class *sc);

/* Returns the number of "ukey:" events decoded so far. */
uint64_t decode_n_events(const struct decode *dec);

#endif /* UKDB_TRACEPOINTS_PLUGIN_DECODE_H */
