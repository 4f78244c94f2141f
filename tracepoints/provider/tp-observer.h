/* SPDX-License-Identifier: Apache-2.0 */
/* The bridge from the core's event bus to LTTng-UST: an observer that fires
 * the "ukey" tracepoint of each event.  The core registers it like any
 * other observer and never sees an LTTng header:
 *
 *     event_bus_add(bus, uk_tp_observer, NULL);
 */
#ifndef UKDB_TRACEPOINTS_PROVIDER_TP_OBSERVER_H
#define UKDB_TRACEPOINTS_PROVIDER_TP_OBSERVER_H 1

#include <stdbool.h>

struct ukey_event;
struct uk_event_words;

/* Fires the tracepoint "ukey:<type>" of 'e' (see tracepoints/README.md for
 * the fields each records); 'aux' is unused.  An event of an unknown type
 * is ignored.
 *
 * Costs a jump table and one load of the tracepoint's state (2-3 ns) when no
 * session enables the event; ~150 ns when it is recorded.  Thread-safe: may
 * be called from any thread, concurrently (LTTng-UST's per-CPU buffers);
 * the order of the records of concurrent callers follows 'e->seq' only if
 * the caller serialises emission (event_bus_set_threaded()). */
void uk_tp_observer(const struct ukey_event *e, void *aux);

/* Whether a session enables the tracepoint of events of 'type' now: the
 * filter to register uk_tp_observer() with (event_bus_add_filtered(), or
 * 'observer_filter' of udpif_config), so that in free-running mode an
 * untraced event costs no bus lock.  Thread-safe. */
bool uk_tp_observer_wants(int type);

/* The same answers as uk_tp_observer_wants(), as the words it reads (the
 * tracepoints' states): the filter to register uk_tp_observer() with as a
 * concurrent observer ('observer_words' of udpif_config), which the model's
 * threads test inline, with no call, for each event. */
const struct uk_event_words *uk_tp_observer_words(void);

#endif /* UKDB_TRACEPOINTS_PROVIDER_TP_OBSERVER_H */
