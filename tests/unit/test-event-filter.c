/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the event bus's filtered observers (event_bus_add_filtered)
 * and of its threaded mode: an event that no observer wants is neither
 * delivered nor, in threaded mode, numbered (no lock, no shared write);
 * delivered events are numbered densely, in delivery order, with several
 * emitting threads. */
#include "core/event.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>

#include "tests/tap.h"

/* Which types the filter wants: a bit per type, changed by the test (a
 * tracing session enabling and disabling events). */
static atomic_uint wanted;

static bool
filter(int type)
{
    return atomic_load(&wanted) & (1u << type);
}

#define MAX_SEEN 50000

struct seen {
    uint64_t seqs[MAX_SEEN];
    int types[MAX_SEEN];
    int n;
};

static void
record(const struct ukey_event *e, void *aux)
{
    struct seen *s = aux;
    if (s->n < MAX_SEEN) {
        s->seqs[s->n] = e->seq;
        s->types[s->n] = e->type;
    }
    s->n++;
}

static uint64_t
emit(struct uk_event_bus *bus, int type)
{
    struct ukey_event e = { .type = (uint16_t) type, .umap = -1 };
    return event_emit(bus, &e);
}

struct emitter {
    struct uk_event_bus *bus;
    int n;
};

#define N_PER_THREAD 10000

static void *
emitter_main(void *aux)
{
    struct emitter *em = aux;
    for (int i = 0; i < em->n; i++) {
        emit(em->bus, i % 3 ? UK_EV_LOCK : UK_EV_TRANSITION);
    }
    return NULL;
}

static void
test_single_thread(bool threaded)
{
    struct seen *f = calloc(1, sizeof *f);
    struct seen *all = calloc(1, sizeof *all);
    struct uk_event_bus *bus = event_bus_create();
    event_bus_set_threaded(bus, threaded);
    const char *mode = threaded ? "threaded" : "stepped";
    /* seq(S, T): the seq expected in stepped mode, in threaded mode. */
#define seq(STEPPED, THREADED) (threaded ? (THREADED) : (STEPPED))

    atomic_store(&wanted, 1u << UK_EV_TRANSITION);
    ok(!event_bus_add_filtered(bus, record, filter, f),
       "%s: filtered observer added", mode);
    is_int(emit(bus, UK_EV_CREATE), seq(1, 0),
           "%s: unwanted event numbered only when stepped", mode);
    is_int(f->n, 0, "%s: and not delivered", mode);
    is_int(emit(bus, UK_EV_TRANSITION), seq(2, 1), "%s: wanted event numbered",
           mode);
    ok(f->n == 1 && f->seqs[0] == (uint64_t) seq(2, 1)
       && f->types[0] == UK_EV_TRANSITION,
       "%s: wanted event delivered with its seq", mode);

    atomic_store(&wanted, 0);   /* The session stops. */
    is_int(emit(bus, UK_EV_TRANSITION), seq(3, 0),
           "%s: numbered only when stepped", mode);
    is_int(f->n, 1, "%s: no longer delivered", mode);
    is_int(event_bus_next_seq(bus), seq(4, 2),
           "%s: counts every event (stepped), the delivered ones (threaded)",
           mode);

    ok(!event_bus_add(bus, record, all), "%s: unfiltered observer added",
       mode);
    is_int(emit(bus, UK_EV_CREATE), seq(4, 2), "%s: numbered", mode);
    ok(all->n == 1 && all->seqs[0] == (uint64_t) seq(4, 2) && f->n == 1,
       "%s: delivered to the unfiltered observer only", mode);
    event_bus_remove(bus, record, all);
    is_int(emit(bus, UK_EV_CREATE), seq(5, 0), "%s: observer removed", mode);
    is_int(all->n, 1, "%s: removed observer sees nothing", mode);
#undef seq
    event_bus_destroy(bus);
    free(f);
    free(all);
}

/* Two threads emit concurrently; the observer wants only transitions: the
 * seqs it sees are 1, 2, 3...: numbered in delivery order, with no gap
 * left by the events nobody wanted. */
static void
test_threads(void)
{
    struct seen *f = calloc(1, sizeof *f);
    struct uk_event_bus *bus = event_bus_create();
    event_bus_set_threaded(bus, true);
    atomic_store(&wanted, 1u << UK_EV_TRANSITION);
    event_bus_add_filtered(bus, record, filter, f);

    struct emitter em = { bus, N_PER_THREAD };
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        pthread_create(&threads[i], NULL, emitter_main, &em);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
    }
    int expected = 2 * ((N_PER_THREAD + 2) / 3);
    is_int(f->n, expected, "threads: every wanted event delivered");
    bool dense = true, types_ok = true;
    for (int i = 0; i < f->n && i < MAX_SEEN; i++) {
        dense &= f->seqs[i] == (uint64_t) i + 1;
        types_ok &= f->types[i] == UK_EV_TRANSITION;
    }
    ok(dense, "threads: delivery order is seq order, without gaps");
    ok(types_ok, "threads: only wanted events delivered");
    is_int(event_bus_next_seq(bus), expected + 1,
           "threads: every delivered event numbered once");
    event_bus_destroy(bus);
    free(f);
}

int
main(void)
{
    test_single_thread(false);
    test_single_thread(true);
    test_threads();
    return done_testing();
}
