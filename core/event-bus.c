/* SPDX-License-Identifier: Apache-2.0 */
/* The event bus (see event.h): it numbers events and hands them to
 * observers: the lifecycle checker, the REPL's breakpoints and log, and the
 * LTTng-UST provider. */
#include "event.h"

#include <errno.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "util.h"

/* ==== Bus ==== */

#define UK_MAX_OBSERVERS 16
#define UK_MAX_DEFERRED 64

struct uk_observer {
    uk_event_observer_fn *fn;
    uk_event_filter_fn *filter;         /* NULL: see 'words'. */
    const struct uk_event_words *words; /* Or NULL: every event. */
    void *aux;
    bool concurrent;                    /* See event_bus_add_concurrent(). */
};

/* Whether 'o' wants events of 'type' now. */
static bool
observer_wants(const struct uk_observer *o, int type)
{
    if (o->filter) {
        return o->filter(type);
    }
    if (o->words) {
        const int *w = ((unsigned int) type < N_UK_EVENT_TYPES
                        ? o->words->word[type] : NULL);
        return w && __atomic_load_n(w, __ATOMIC_RELAXED);
    }
    return true;
}

/* Laid out for threaded mode: the read-mostly part that every emitter
 * reads unlocked, the part written under the lock, and 'next_seq' (written
 * under the lock, read by event_bus_next_seq() without it), each on cache
 * lines of its own. */
struct uk_event_bus {
    /* Read-mostly: set up before the bus is threaded.  'head' first:
     * event_bus_quiet() reads it through a cast. */
    struct uk_event_bus_head head;
    struct uk_observer observers[UK_MAX_OBSERVERS];
    int n_observers;
    bool serial_all_wanted;     /* Some serial observer has no filter. */
    char pad0_[64];

    /* Under 'mutex' in threaded mode. */
    pthread_mutex_t mutex;      /* Used only when 'threaded'. */
    bool delivering;
    int n_deferred;
    struct ukey_event deferred[UK_MAX_DEFERRED];
    char pad1_[64];

    _Atomic uint64_t next_seq;
    char pad2_[64];

    /* The serial observers' own thread (event_bus_start_async()). */
    struct uk_async *async;     /* (owned) Or NULL. */
};

/* ==== The serial observers' thread ====
 *
 * With it, an event a serial observer wants is numbered by one atomic add,
 * put in the emitting thread's ring, and delivered to the concurrent
 * observers, all without the bus lock; the thread takes the events from
 * the rings in 'seq' order and delivers them to the serial observers (the
 * lifecycle checker), with the events they defer.  Every numbered event
 * goes through a ring, so that seqs are dense and the thread never waits
 * for one that is not coming: the next is at the head of some ring, since
 * each ring holds its thread's events in the order of their seqs, or its
 * thread is about to put it there. */

#define UK_RING_SIZE 1024           /* Events per ring: a power of 2 (the
                                     * thread sleeps 50 us at most). */
#define UK_MAX_RINGS 1024           /* Emitting threads per bus: "ukdb load"
                                     * runs up to 512 and a few others. */

/* One emitting thread's events: one producer, one consumer. */
struct uk_ring {
    _Atomic uint64_t tail;          /* Written by the producer. */
    char pad0_[56];
    _Atomic uint64_t head;          /* Written by the consumer. */
    char pad1_[56];
    struct ukey_event ev[UK_RING_SIZE];
};

struct uk_async {
    uint64_t id;                    /* Tells buses apart (see my_ring()). */
    pthread_t thread;
    pthread_mutex_t rings_mutex;    /* Adding a ring. */
    struct uk_ring *rings[UK_MAX_RINGS];
    _Atomic int n_rings;
    /* The deferred events, numbered but not delivered to the serial
     * observers yet: the thread's own, so a queue without a bound (it must
     * not wait for itself). */
    struct ukey_event *own;
    size_t own_head, own_n, own_allocated;  /* A circular buffer. */
    _Atomic uint64_t delivered;     /* Seq of the last event delivered. */
    _Atomic bool stopping;
};

/* The ring of the calling thread on the bus of 'a', once per thread and
 * bus (a bus's id, not its address, which a later bus may take). */
static _Thread_local uint64_t tl_ring_bus;
static _Thread_local struct uk_ring *tl_ring;

static struct uk_ring *
ring_add(struct uk_async *a)
{
    struct uk_ring *r = uk_xmalloc(sizeof *r);
    atomic_init(&r->tail, 0);
    atomic_init(&r->head, 0);
    pthread_mutex_lock(&a->rings_mutex);
    int n = atomic_load_explicit(&a->n_rings, memory_order_relaxed);
    uk_assert(n < UK_MAX_RINGS);
    a->rings[n] = r;
    atomic_store_explicit(&a->n_rings, n + 1, memory_order_release);
    pthread_mutex_unlock(&a->rings_mutex);
    return r;
}

static struct uk_ring *
my_ring(struct uk_async *a)
{
    if (UK_UNLIKELY(tl_ring_bus != a->id)) {
        tl_ring = ring_add(a);
        tl_ring_bus = a->id;
    }
    return tl_ring;
}

/* Waits a little: a spin, then a yield, then a sleep, as 'n' grows. */
static void
backoff(unsigned int *n)
{
    if (++*n < 8) {
        sched_yield();
    } else {
        nanosleep(&(struct timespec) { 0, 50000 }, NULL);
    }
}

static void
ring_push(struct uk_ring *r, const struct ukey_event *e)
{
    uint64_t t = atomic_load_explicit(&r->tail, memory_order_relaxed);
    unsigned int n = 0;
    while (t - atomic_load_explicit(&r->head, memory_order_acquire)
           >= UK_RING_SIZE) {
        backoff(&n);            /* Full: the checker is behind. */
    }
    r->ev[t & (UK_RING_SIZE - 1)] = *e;
    atomic_store_explicit(&r->tail, t + 1, memory_order_release);
}

static void async_stop(struct uk_event_bus *);

struct uk_event_bus *
event_bus_create(void)
{
    struct uk_event_bus *bus = uk_xzalloc(sizeof *bus);
    atomic_init(&bus->next_seq, 1);
    pthread_mutexattr_t attr;
    pthread_mutexattr_init(&attr);
    pthread_mutexattr_settype(&attr, PTHREAD_MUTEX_ADAPTIVE_NP);
    pthread_mutex_init(&bus->mutex, &attr);
    pthread_mutexattr_destroy(&attr);
    return bus;
}

void
event_bus_destroy(struct uk_event_bus *bus)
{
    if (bus) {
        async_stop(bus);
        pthread_mutex_destroy(&bus->mutex);
        free(bus);
    }
}

/* Recomputes what the observers' filters let the emitters skip cheaply:
 * 'serial_all_wanted' and the head's 'ask' and 'words'. */
static void
update_all_wanted(struct uk_event_bus *bus)
{
    struct uk_event_bus_head *h = &bus->head;
    bus->serial_all_wanted = false;
    h->ask = false;
    h->n_words = 0;
    for (int i = 0; i < bus->n_observers; i++) {
        const struct uk_observer *o = &bus->observers[i];
        bool unfiltered = !o->filter && !o->words;
        bus->serial_all_wanted |= unfiltered && !o->concurrent;
        if (o->words && h->n_words < UK_BUS_MAX_WORDS) {
            h->words[h->n_words++] = o->words;
        } else {
            h->ask = true;
        }
    }
}

static int
bus_add(struct uk_event_bus *bus, const struct uk_observer *o)
{
    if (bus->n_observers >= UK_MAX_OBSERVERS) {
        return ENOSPC;
    }
    bus->observers[bus->n_observers++] = *o;
    update_all_wanted(bus);
    return 0;
}

int
event_bus_add_filtered(struct uk_event_bus *bus, uk_event_observer_fn *fn,
                       uk_event_filter_fn *filter, void *aux)
{
    return bus_add(bus, &(struct uk_observer) {
        .fn = fn, .filter = filter, .aux = aux });
}

int
event_bus_add_concurrent(struct uk_event_bus *bus, uk_event_observer_fn *fn,
                         uk_event_filter_fn *filter, void *aux)
{
    return bus_add(bus, &(struct uk_observer) {
        .fn = fn, .filter = filter, .aux = aux, .concurrent = true });
}

int
event_bus_add_concurrent_words(struct uk_event_bus *bus,
                               uk_event_observer_fn *fn,
                               const struct uk_event_words *words, void *aux)
{
    return bus_add(bus, &(struct uk_observer) {
        .fn = fn, .words = words, .aux = aux, .concurrent = true });
}

int
event_bus_add(struct uk_event_bus *bus, uk_event_observer_fn *fn, void *aux)
{
    return event_bus_add_filtered(bus, fn, NULL, aux);
}

void
event_bus_remove(struct uk_event_bus *bus, uk_event_observer_fn *fn,
                 void *aux)
{
    for (int i = 0; i < bus->n_observers; i++) {
        if (bus->observers[i].fn == fn && bus->observers[i].aux == aux) {
            memmove(&bus->observers[i], &bus->observers[i + 1],
                    (size_t) (bus->n_observers - i - 1)
                    * sizeof bus->observers[0]);
            bus->n_observers--;
            update_all_wanted(bus);
            return;
        }
    }
}

/* The next seq.  In threaded mode, several threads take them at once. */
static uint64_t
next_seq(struct uk_event_bus *bus)
{
    if (UK_UNLIKELY(bus->head.threaded)) {
        return atomic_fetch_add_explicit(&bus->next_seq, 1,
                                         memory_order_relaxed);
    }
    uint64_t seq = atomic_load_explicit(&bus->next_seq, memory_order_relaxed);
    atomic_store_explicit(&bus->next_seq, seq + 1, memory_order_relaxed);
    return seq;
}

/* Which observers deliver_to() calls. */
enum uk_deliver_to {
    UK_TO_ALL,                  /* Stepped mode. */
    UK_TO_SERIAL,               /* Threaded mode, under the lock. */
    UK_TO_CONCURRENT,           /* Threaded mode, without it. */
};

/* Hands 'e', numbered, to the observers of 'to' that want it.  A filtered
 * observer is asked again here: its answer may have changed since
 * event_emit() asked. */
static void
deliver_to(const struct uk_event_bus *bus, const struct ukey_event *e,
           enum uk_deliver_to to)
{
    for (int i = 0; i < bus->n_observers; i++) {
        const struct uk_observer *o = &bus->observers[i];
        if ((to == UK_TO_ALL || o->concurrent == (to == UK_TO_CONCURRENT))
            && observer_wants(o, e->type)) {
            o->fn(e, o->aux);
        }
    }
}

/* Whether any observer wants events of 'type' now: UK_WANTED_SERIAL if a
 * serial one does, UK_WANTED_CONCURRENT if only concurrent ones do. */
enum uk_wanted { UK_WANTED_NONE, UK_WANTED_CONCURRENT, UK_WANTED_SERIAL };

static enum uk_wanted
bus_wants(const struct uk_event_bus *bus, int type)
{
    if (bus->serial_all_wanted) {
        return UK_WANTED_SERIAL;
    }
    enum uk_wanted wanted = UK_WANTED_NONE;
    for (int i = 0; i < bus->n_observers; i++) {
        const struct uk_observer *o = &bus->observers[i];
        if (observer_wants(o, type)) {
            if (!o->concurrent) {
                return UK_WANTED_SERIAL;
            }
            wanted = UK_WANTED_CONCURRENT;
        }
    }
    return wanted;
}

/* Threaded mode, an event a serial observer wants: numbered and delivered
 * to the serial observers under the lock, with the events they defer; then
 * to the concurrent ones, without the lock, so that LTTng-UST's recording
 * never makes another thread wait. */
static uint64_t
emit_serial(struct uk_event_bus *bus, struct ukey_event *e)
{
    struct ukey_event later[UK_MAX_DEFERRED];
    int n_later = 0;

    pthread_mutex_lock(&bus->mutex);
    bus->delivering = true;
    e->seq = next_seq(bus);
    deliver_to(bus, e, UK_TO_SERIAL);
    /* Deferred events may defer more; deliver them in order. */
    for (int i = 0; i < bus->n_deferred; i++) {
        struct ukey_event *d = &later[n_later++];
        *d = bus->deferred[i];
        d->seq = next_seq(bus);
        deliver_to(bus, d, UK_TO_SERIAL);
    }
    bus->n_deferred = 0;
    bus->delivering = false;
    pthread_mutex_unlock(&bus->mutex);

    deliver_to(bus, e, UK_TO_CONCURRENT);
    for (int i = 0; i < n_later; i++) {
        deliver_to(bus, &later[i], UK_TO_CONCURRENT);
    }
    return e->seq;
}

/* Threaded mode with the serial observers' thread: see "The serial
 * observers' thread". */
static uint64_t
emit_async(struct uk_event_bus *bus, struct ukey_event *e)
{
    if (bus_wants(bus, e->type) == UK_WANTED_NONE) {
        e->seq = 0;
        return 0;
    }
    e->seq = next_seq(bus);
    ring_push(my_ring(bus->async), e);
    deliver_to(bus, e, UK_TO_CONCURRENT);
    return e->seq;
}

uint64_t
event_emit(struct uk_event_bus *bus, struct ukey_event *e)
{
    if (UK_UNLIKELY(bus->head.threaded)) {
        if (bus->async) {
            return emit_async(bus, e);
        }
        switch (bus_wants(bus, e->type)) {
        case UK_WANTED_NONE:
            /* Nobody sees it, so nothing orders it against other events:
             * it needs neither the lock nor a number, and taking one would
             * make every emitting thread write one shared counter (with
             * two handlers, most of an install's cost).  Delivered events
             * are numbered densely: a gap in 'seq' is still an event an
             * observer missed.  Nor can it lead to a deferred event: those
             * come from observers. */
            e->seq = 0;
            return 0;
        case UK_WANTED_CONCURRENT:
            /* Numbered by one atomic add, delivered without the lock to
             * the concurrent observers (a serial one that changed its mind
             * since bus_wants() misses it, as it would a moment earlier). */
            e->seq = next_seq(bus);
            deliver_to(bus, e, UK_TO_CONCURRENT);
            return e->seq;
        case UK_WANTED_SERIAL:
            return emit_serial(bus, e);
        }
    }
    bus->delivering = true;
    e->seq = next_seq(bus);
    deliver_to(bus, e, UK_TO_ALL);
    uint64_t seq = e->seq;
    for (int i = 0; i < bus->n_deferred; i++) {
        struct ukey_event d = bus->deferred[i];
        d.seq = next_seq(bus);
        deliver_to(bus, &d, UK_TO_ALL);
    }
    bus->n_deferred = 0;
    bus->delivering = false;
    return seq;
}

void
event_emit_deferred(struct uk_event_bus *bus, const struct ukey_event *e)
{
    uk_assert(bus->delivering);
    if (bus->n_deferred < UK_MAX_DEFERRED) {
        bus->deferred[bus->n_deferred++] = *e;
    }
}

uint64_t
event_bus_next_seq(const struct uk_event_bus *bus)
{
    return atomic_load_explicit(&((struct uk_event_bus *) bus)->next_seq,
                                memory_order_relaxed);
}

void
event_bus_set_threaded(struct uk_event_bus *bus, bool threaded)
{
    bus->head.threaded = threaded;
}

/* ==== The serial observers' thread: running it ==== */

static void
own_push(struct uk_async *a, const struct ukey_event *e)
{
    if (a->own_n == a->own_allocated) {
        size_t n = a->own_allocated ? 2 * a->own_allocated : 64;
        struct ukey_event *q = uk_xmalloc(n * sizeof *q);
        for (size_t i = 0; i < a->own_n; i++) {
            q[i] = a->own[(a->own_head + i) % a->own_allocated];
        }
        free(a->own);
        a->own = q;
        a->own_head = 0;
        a->own_allocated = n;
    }
    a->own[(a->own_head + a->own_n++) % a->own_allocated] = *e;
}

/* Delivers 'e', the event of seq a->delivered + 1, to the serial
 * observers, and the events they defer: numbered now, put in the thread's
 * own ring (their seqs come later), and delivered to the concurrent
 * observers at once. */
static void
async_deliver(struct uk_event_bus *bus, const struct ukey_event *e)
{
    struct uk_async *a = bus->async;
    bus->delivering = true;
    deliver_to(bus, e, UK_TO_SERIAL);
    for (int i = 0; i < bus->n_deferred; i++) {
        struct ukey_event d = bus->deferred[i];
        d.seq = next_seq(bus);
        own_push(a, &d);
        deliver_to(bus, &d, UK_TO_CONCURRENT);
    }
    bus->n_deferred = 0;
    bus->delivering = false;
    atomic_store_explicit(&a->delivered, e->seq, memory_order_release);
}

static void *
async_main(void *bus_)
{
    struct uk_event_bus *bus = bus_;
    struct uk_async *a = bus->async;
    uint64_t next = atomic_load_explicit(&a->delivered,
                                         memory_order_relaxed) + 1;
    int last = 0;               /* A thread's events often come in a row. */
    unsigned int idle = 0;

    for (;;) {
        int n = atomic_load_explicit(&a->n_rings, memory_order_acquire);
        bool found = false;
        if (a->own_n && a->own[a->own_head].seq == next) {
            struct ukey_event d = a->own[a->own_head];
            a->own_head = (a->own_head + 1) % a->own_allocated;
            a->own_n--;
            async_deliver(bus, &d);
            next++;
            found = true;
        }
        for (int k = 0; k < n && !found; k++) {
            int i = (last + k) % n;
            struct uk_ring *r = a->rings[i];
            uint64_t h = atomic_load_explicit(&r->head,
                                              memory_order_relaxed);
            if (h == atomic_load_explicit(&r->tail, memory_order_acquire)) {
                continue;
            }
            const struct ukey_event *e = &r->ev[h & (UK_RING_SIZE - 1)];
            if (e->seq == next) {
                async_deliver(bus, e);
                atomic_store_explicit(&r->head, h + 1, memory_order_release);
                next++;
                last = i;
                found = true;
            }
        }
        if (found) {
            idle = 0;
        } else if (atomic_load_explicit(&a->stopping, memory_order_acquire)
                   && next == atomic_load_explicit(&bus->next_seq,
                                                   memory_order_acquire)) {
            return NULL;
        } else {
            backoff(&idle);
        }
    }
}

int
event_bus_start_async(struct uk_event_bus *bus)
{
    static _Atomic uint64_t next_id = 1;
    uk_assert(bus->head.threaded && !bus->async);
    struct uk_async *a = uk_xzalloc(sizeof *a);
    a->id = atomic_fetch_add_explicit(&next_id, 1, memory_order_relaxed);
    pthread_mutex_init(&a->rings_mutex, NULL);
    atomic_init(&a->n_rings, 0);
    atomic_init(&a->stopping, false);
    atomic_init(&a->delivered,
                atomic_load_explicit(&bus->next_seq, memory_order_relaxed)
                - 1);
    bus->async = a;
    int error = pthread_create(&a->thread, NULL, async_main, bus);
    if (error) {
        bus->async = NULL;      /* Observers stay called as events go. */
        pthread_mutex_destroy(&a->rings_mutex);
        free(a);
    }
    return error;
}

void
event_bus_drain(struct uk_event_bus *bus)
{
    struct uk_async *a = bus->async;
    unsigned int n = 0;
    /* Deferred events take seqs as the thread goes: until none is left. */
    while (a && atomic_load_explicit(&a->delivered, memory_order_acquire)
                + 1 != atomic_load_explicit(&bus->next_seq,
                                            memory_order_acquire)) {
        backoff(&n);
    }
}

/* Stops the thread once it delivered every event; frees the rings. */
static void
async_stop(struct uk_event_bus *bus)
{
    struct uk_async *a = bus->async;
    if (!a) {
        return;
    }
    atomic_store_explicit(&a->stopping, true, memory_order_release);
    pthread_join(a->thread, NULL);
    for (int i = 0; i < atomic_load(&a->n_rings); i++) {
        free(a->rings[i]);
    }
    free(a->own);
    pthread_mutex_destroy(&a->rings_mutex);
    free(a);
    bus->async = NULL;
}
