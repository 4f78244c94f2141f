/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the event bus's filtered observers (event_bus_add_filtered)
 * and of its threaded mode: an event that no observer wants is neither
 * delivered nor, in threaded mode, numbered (no lock, no shared write);
 * delivered events are numbered densely, in delivery order, with several
 * emitting threads; concurrent observers (event_bus_add_concurrent) are
 * called by several threads at once, and their events still numbered
 * densely, each thread's in its order; and the serial observers' own
 * thread (event_bus_start_async()); observers filtered by words
 * (event_bus_add_concurrent_words()) and event_bus_quiet(). */
#include "core/event.h"

#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

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

static bool
locks_only(int type)
{
    return type == UK_EV_LOCK;
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

/* A concurrent observer: each emitting thread records into its own slot;
 * the first call of each thread waits (at most 2 s) for the other to be
 * inside too, which happens only if nothing serialises the calls. */
struct conc_seen {
    atomic_int inside, most_inside;
    uint64_t seqs[2][MAX_SEEN];
    int n[2];
};

static _Thread_local int conc_slot = -1;
static _Thread_local bool conc_waited;

static void
conc_record(const struct ukey_event *e, void *aux)
{
    struct conc_seen *s = aux;
    if (!conc_waited) {
        conc_waited = true;
        int now = atomic_fetch_add(&s->inside, 1) + 1;
        struct timespec t0, t;
        clock_gettime(CLOCK_MONOTONIC, &t0);
        do {
            now = atomic_load(&s->inside);
            clock_gettime(CLOCK_MONOTONIC, &t);
        } while (now < 2 && t.tv_sec - t0.tv_sec < 2);
        int most = atomic_load(&s->most_inside);
        while (now > most
               && !atomic_compare_exchange_weak(&s->most_inside, &most, now)) {
            continue;
        }
        atomic_fetch_sub(&s->inside, 1);
    }
    int slot = conc_slot;
    if (slot >= 0 && s->n[slot] < MAX_SEEN) {
        s->seqs[slot][s->n[slot]++] = e->seq;
    }
}

struct conc_emitter {
    struct uk_event_bus *bus;
    int slot;
};

static void *
conc_emitter_main(void *aux)
{
    struct conc_emitter *em = aux;
    conc_slot = em->slot;
    for (int i = 0; i < N_PER_THREAD; i++) {
        emit(em->bus, i % 3 ? UK_EV_LOCK : UK_EV_TRANSITION);
    }
    return NULL;
}

static int
cmp_u64(const void *a_, const void *b_)
{
    uint64_t a = *(const uint64_t *) a_, b = *(const uint64_t *) b_;
    return a < b ? -1 : a > b;
}

/* Two threads emit to a concurrent observer that wants only transitions,
 * and 'serial' (if not NULL), a serial one that wants only locks. */
static void
test_concurrent(struct seen *serial)
{
    const char *what = serial ? "concurrent+serial" : "concurrent";
    struct conc_seen *c = calloc(1, sizeof *c);
    struct uk_event_bus *bus = event_bus_create();
    event_bus_set_threaded(bus, true);
    atomic_store(&wanted, 1u << UK_EV_TRANSITION);
    event_bus_add_concurrent(bus, conc_record, filter, c);
    if (serial) {
        event_bus_add_filtered(bus, record, locks_only, serial);
    }

    struct conc_emitter em[2] = { { bus, 0 }, { bus, 1 } };
    pthread_t threads[2];
    for (int i = 0; i < 2; i++) {
        pthread_create(&threads[i], NULL, conc_emitter_main, &em[i]);
    }
    for (int i = 0; i < 2; i++) {
        pthread_join(threads[i], NULL);
    }
    int per_thread = (N_PER_THREAD + 2) / 3;
    int n_locks = serial ? 2 * (N_PER_THREAD - per_thread) : 0;
    ok(c->n[0] == per_thread && c->n[1] == per_thread,
       "%s: every wanted event delivered (%d, %d)", what, c->n[0], c->n[1]);
    is_int(atomic_load(&c->most_inside), 2,
           "%s: two threads inside the observer at once (no bus lock)",
           what);
    bool each_in_order = true;
    uint64_t *all = calloc(2 * (size_t) per_thread, sizeof *all);
    for (int t = 0; t < 2; t++) {
        for (int i = 0; i < c->n[t]; i++) {
            each_in_order &= !i || c->seqs[t][i] > c->seqs[t][i - 1];
            all[t * per_thread + i] = c->seqs[t][i];
        }
    }
    ok(each_in_order, "%s: each thread's events in its seq order", what);
    qsort(all, 2 * (size_t) per_thread, sizeof *all, cmp_u64);
    bool together_dense = true;
    if (serial) {
        /* The serial observer's seqs, with the concurrent one's, are
         * 1..N once each; the serial one's in delivery order. */
        bool serial_in_order = serial->n == n_locks;
        uint64_t *every = calloc((size_t) (n_locks + 2 * per_thread),
                                 sizeof *every);
        for (int i = 0; i < serial->n && i < MAX_SEEN; i++) {
            serial_in_order &= !i || serial->seqs[i] > serial->seqs[i - 1];
            every[i] = serial->seqs[i];
        }
        memcpy(&every[n_locks], all, 2 * (size_t) per_thread * sizeof *all);
        qsort(every, (size_t) (n_locks + 2 * per_thread), sizeof *every,
              cmp_u64);
        for (int i = 0; i < n_locks + 2 * per_thread; i++) {
            together_dense &= every[i] == (uint64_t) i + 1;
        }
        ok(serial_in_order, "%s: the serial observer's in seq order",
           what);
        free(every);
    } else {
        for (int i = 0; i < 2 * per_thread; i++) {
            together_dense &= all[i] == (uint64_t) i + 1;
        }
    }
    ok(together_dense, "%s: seqs 1..N, each once", what);
    is_int(event_bus_next_seq(bus), n_locks + 2 * per_thread + 1,
           "%s: nothing else numbered", what);
    event_bus_destroy(bus);
    free(all);
    free(c);
}

/* The serial observers' thread (event_bus_start_async()): four threads
 * emit; the serial observer is called on one thread, its own, with every
 * event in seq order without a gap, each thread's events in their order,
 * and the events it defers after their causes. */
#define ASYNC_THREADS 4
#define ASYNC_PER_THREAD 20000

struct async_seen {
    struct uk_event_bus *bus;
    pthread_t caller;
    bool one_caller, dense, in_order, deferred_after;
    uint64_t n, n_deferred, last_seq;
    uint64_t last_i[ASYNC_THREADS];
    uint64_t cause_seq;         /* Of the last umap_remove. */
};

static void
async_record(const struct ukey_event *e, void *aux)
{
    struct async_seen *s = aux;
    if (!s->n++) {
        s->caller = pthread_self();
    }
    s->one_caller &= pthread_equal(s->caller, pthread_self());
    s->dense &= e->seq == s->last_seq + 1;
    s->last_seq = e->seq;
    if (e->type == UK_EV_VIOLATION) {
        s->n_deferred++;
        s->deferred_after &= e->value > 0 && e->value < e->seq;
        return;
    }
    if (e->thread_id < ASYNC_THREADS) {
        s->in_order &= e->value2 + 1 > s->last_i[e->thread_id];
        s->last_i[e->thread_id] = e->value2 + 1;
    }
    if (e->type == UK_EV_UMAP_REMOVE) {
        struct ukey_event v = { .type = UK_EV_VIOLATION, .value = e->seq,
                                .umap = -1 };
        event_emit_deferred(s->bus, &v);
    }
}

struct async_emitter {
    struct uk_event_bus *bus;
    uint32_t id;
};

static void *
async_emitter_main(void *aux)
{
    struct async_emitter *em = aux;
    for (uint64_t i = 0; i < ASYNC_PER_THREAD; i++) {
        struct ukey_event e = {
            .type = i % 100 ? UK_EV_LOCK : UK_EV_UMAP_REMOVE,
            .thread_id = em->id, .value2 = i, .umap = -1,
        };
        event_emit(em->bus, &e);
    }
    return NULL;
}

static void
test_async(void)
{
    struct async_seen s = { .one_caller = true, .dense = true,
                            .in_order = true, .deferred_after = true };
    s.bus = event_bus_create();
    event_bus_set_threaded(s.bus, true);
    event_bus_add(s.bus, async_record, &s);
    ok(event_bus_start_async(s.bus) == 0, "the observers' thread starts");

    struct async_emitter em[ASYNC_THREADS];
    pthread_t threads[ASYNC_THREADS];
    for (uint32_t i = 0; i < ASYNC_THREADS; i++) {
        em[i] = (struct async_emitter) { s.bus, i };
        pthread_create(&threads[i], NULL, async_emitter_main, &em[i]);
    }
    for (int i = 0; i < ASYNC_THREADS; i++) {
        pthread_join(threads[i], NULL);
    }
    event_bus_drain(s.bus);     /* Then 's' is ours to read. */
    uint64_t n_causes = ASYNC_THREADS * (ASYNC_PER_THREAD / 100);
    is_int(s.n, ASYNC_THREADS * ASYNC_PER_THREAD + n_causes,
           "async: every event and every deferred one delivered");
    is_int(s.n_deferred, n_causes, "async: the deferred events");
    ok(s.dense, "async: delivered in seq order, without a gap");
    ok(s.in_order, "async: each thread's events in their order");
    ok(s.deferred_after, "async: a deferred event after its cause");
    ok(s.one_caller, "async: the serial observer runs on one thread");
    ok(!pthread_equal(s.caller, pthread_self()),
       "async: its own, not the emitters'");
    is_int(event_bus_next_seq(s.bus), s.n + 1,
           "async: every delivered event numbered once");
    event_bus_destroy(s.bus);
}

/* An observer filtered by words (event_bus_add_concurrent_words(), as
 * "ukdb load" attaches the tracepoints): event_bus_quiet() reads the word
 * of the event's type at every call, so that a session enabling it
 * mid-run is seen at the next event; it tells only when the bus is
 * threaded and every observer is filtered by words. */
static void
test_words(void)
{
    static int transition_on;           /* A tracepoint's state. */
    static const struct uk_event_words words = {
        .word = { [UK_EV_TRANSITION] = &transition_on },
    };
    struct seen *w = calloc(1, sizeof *w);
    struct seen *all = calloc(1, sizeof *all);
    struct uk_event_bus *bus = event_bus_create();

    ok(!event_bus_add_concurrent_words(bus, record, &words, w),
       "words: observer added");
    ok(!event_bus_quiet(bus, UK_EV_CREATE)
       && !event_bus_quiet(bus, UK_EV_TRANSITION),
       "words: never quiet when stepped (every event numbered)");
    is_int(emit(bus, UK_EV_TRANSITION), 1, "words: stepped: numbered");
    is_int(w->n, 0, "words: stepped: not delivered while its word is 0");

    event_bus_set_threaded(bus, true);
    ok(event_bus_quiet(bus, UK_EV_CREATE), "words: no word: quiet");
    ok(event_bus_quiet(bus, UK_EV_TRANSITION), "words: word 0: quiet");
    ok(!event_bus_quiet(bus, N_UK_EVENT_TYPES),
       "words: an unknown type is left to event_emit()");
    is_int(emit(bus, UK_EV_TRANSITION), 0, "words: word 0: not numbered");

    __atomic_store_n(&transition_on, 1, __ATOMIC_RELAXED);  /* Enabled. */
    ok(!event_bus_quiet(bus, UK_EV_TRANSITION),
       "words: word set: no longer quiet, at once");
    ok(event_bus_quiet(bus, UK_EV_CREATE), "words: the other types still");
    is_int(emit(bus, UK_EV_TRANSITION), 2, "words: word set: numbered");
    ok(w->n == 1 && w->seqs[0] == 2 && w->types[0] == UK_EV_TRANSITION,
       "words: and delivered");
    is_int(emit(bus, UK_EV_CREATE), 0, "words: other types not delivered");
    is_int(w->n, 1, "words: still one delivered");

    ok(!event_bus_add_filtered(bus, record, filter, all),
       "words: a filter function added");
    atomic_store(&wanted, 0);
    ok(!event_bus_quiet(bus, UK_EV_CREATE),
       "words: a filter function: quiet cannot tell");
    is_int(emit(bus, UK_EV_CREATE), 0, "words: event_emit() still does");
    event_bus_remove(bus, record, all);
    ok(event_bus_quiet(bus, UK_EV_CREATE), "words: quiet again once removed");
    ok(!event_bus_add(bus, record, all), "words: an unfiltered one added");
    ok(!event_bus_quiet(bus, UK_EV_CREATE),
       "words: an unfiltered observer: never quiet");
    is_int(emit(bus, UK_EV_CREATE), 3, "words: numbered for it");
    ok(all->n == 1 && w->n == 1, "words: delivered to it only");
    event_bus_remove(bus, record, all);

    __atomic_store_n(&transition_on, 0, __ATOMIC_RELAXED);  /* Stopped. */
    ok(event_bus_quiet(bus, UK_EV_TRANSITION), "words: word 0 again: quiet");
    is_int(emit(bus, UK_EV_TRANSITION), 0, "words: not numbered");
    is_int(w->n, 1, "words: nor delivered");
    event_bus_destroy(bus);
    free(w);
    free(all);
}

int
main(void)
{
    test_single_thread(false);
    test_single_thread(true);
    test_words();
    test_threads();
    test_concurrent(NULL);
    struct seen *serial = calloc(1, sizeof *serial);
    test_concurrent(serial);
    free(serial);
    test_async();
    return done_testing();
}
