/* SPDX-License-Identifier: Apache-2.0 */
/* uk_tp_observer(): the event bus observer that fires the "ukey"
 * tracepoints (tp.h).  Generated from UK_EVENT_TYPES, so a new event type
 * without a tracepoint does not compile.  The hot path, no session
 * enabling the event, is one jump table and one load of the tracepoint's
 * state; recording is in out-of-line functions so that the hot path saves
 * no registers. */
#include "tracepoints/provider/tp-observer.h"

#include "core/compiler.h"
#include "core/event.h"
#include "tracepoints/provider/tp.h"

/* uk_tp_fire_<tp>(e): records 'e' as "ukey:<tp>". */
#define UK_TP_FIRE_(NAME, TP)                                   \
    static void __attribute__((noinline, cold))                 \
    uk_tp_fire_##TP(const struct ukey_event *e)                 \
    {                                                           \
        lttng_ust_do_tracepoint(ukey, TP, e);                   \
    }
UK_EVENT_TYPES(UK_TP_FIRE_)
#undef UK_TP_FIRE_

bool
uk_tp_observer_wants(int type)
{
    switch ((enum uk_event_type) type) {
#define UK_TP_WANTS_(NAME, TP)                                  \
    case UK_EV_##NAME:                                          \
        return lttng_ust_tracepoint_enabled(ukey, TP);
    UK_EVENT_TYPES(UK_TP_WANTS_)
#undef UK_TP_WANTS_
    case N_UK_EVENT_TYPES:
        break;
    }
    return false;
}

/* The state word of each tracepoint, which lttng_ust_tracepoint_enabled()
 * reads (LTTng-UST sets it when a session enables the event). */
static const struct uk_event_words tp_words = { .word = {
#define UK_TP_WORD_(NAME, TP) \
    [UK_EV_##NAME] = &lttng_ust_tracepoint_ukey___##TP.state,
    UK_EVENT_TYPES(UK_TP_WORD_)
#undef UK_TP_WORD_
} };

const struct uk_event_words *
uk_tp_observer_words(void)
{
    return &tp_words;
}

void
uk_tp_observer(const struct ukey_event *e, void *aux)
{
    switch ((enum uk_event_type) e->type) {
#define UK_TP_CASE_(NAME, TP)                                   \
    case UK_EV_##NAME:                                          \
        if (lttng_ust_tracepoint_enabled(ukey, TP)) {           \
            uk_tp_fire_##TP(e);                                 \
        }                                                       \
        break;
    UK_EVENT_TYPES(UK_TP_CASE_)
#undef UK_TP_CASE_
    case N_UK_EVENT_TYPES:
        break;
    }
}
