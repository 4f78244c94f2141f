/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the events of a free-running model whose only observer is
 * filtered by words, as "ukdb load" attaches the tracepoints: an event
 * nobody wants is skipped before it is built (udpif_wants()) and only
 * counted, so that freerun_snapshot()'s 'events' is the same whether the
 * observer wants every event, none, or starts wanting them mid-run (a
 * session started then), and in that case every event from then on, of
 * every step of the install path, reaches it. */
#include "core/freerun.h"

#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <time.h>

#include "core/event.h"
#include "tests/tap.h"

/* The word of every type: one "session" enabling them all. */
static int session_on;
static struct uk_event_words words;

static atomic_ulong delivered[N_UK_EVENT_TYPES];

static void
count(const struct ukey_event *e, void *aux)
{
    (void) aux;
    atomic_fetch_add(&delivered[e->type], 1);
}

static unsigned long
n_delivered(void)
{
    unsigned long n = 0;
    for (int i = 0; i < N_UK_EVENT_TYPES; i++) {
        n += atomic_load(&delivered[i]);
    }
    return n;
}

#define N_FLOWS 2000

/* Queues the misses of flows [begin, end) and waits for their installs. */
static void
install(struct udpif *udpif, struct uk_thread *handler,
        struct uk_flow **flows, int begin, int end)
{
    for (int i = begin; i < end; i++) {
        udpif_upcall(udpif, handler, flows[i], 1);
    }
    for (;;) {
        struct freerun_stats s;
        freerun_snapshot(udpif, &s);
        if (s.by_state[UKEY_OPERATIONAL] >= (uint64_t) end) {
            return;
        }
        nanosleep(&(struct timespec) { 0, 100000 }, NULL);
    }
}

/* N_FLOWS installs by one handler, the session on from the start
 * ('from' 0), from the second half ('from' N_FLOWS / 2), or never
 * ('from' N_FLOWS).  Returns the 'events' of the run. */
static uint64_t
run(int from)
{
    for (int i = 0; i < N_UK_EVENT_TYPES; i++) {
        words.word[i] = &session_on;
        atomic_store(&delivered[i], 0);
    }
    __atomic_store_n(&session_on, from == 0, __ATOMIC_RELAXED);

    struct udpif_config cfg;
    udpif_config_init(&cfg);
    cfg.free_running = true;
    cfg.checker = false;
    cfg.upcall_batch = 1;       /* Batches (op_begin, op_end) as many as
                                 * upcalls, however the inbox fills. */
    cfg.observer = count;
    cfg.observer_words = &words;
    cfg.observer_concurrent = true;
    struct udpif *udpif = udpif_create(&cfg);
    struct uk_thread *handler = udpif_add_thread(udpif, UK_THREAD_HANDLER,
                                                 "handler0", NULL);
    struct uk_flow **flows = calloc(N_FLOWS, sizeof *flows);
    for (int i = 0; i < N_FLOWS; i++) {
        char name[32];
        snprintf(name, sizeof name, "f%d", i);
        flows[i] = udpif_add_flow_new(udpif, name);
    }
    if (udpif_start(udpif)) {
        diag("cannot start the model's threads");
        exit(1);
    }
    install(udpif, handler, flows, 0, from);
    unsigned long before = n_delivered();
    __atomic_store_n(&session_on, from < N_FLOWS, __ATOMIC_RELAXED);
    install(udpif, handler, flows, from, N_FLOWS);
    unsigned long after = n_delivered();
    udpif_stop(udpif);

    struct freerun_stats s;
    freerun_snapshot(udpif, &s);
    if (from == N_FLOWS) {
        is_int(n_delivered(), 0, "never on: nothing delivered");
    } else {
        int n = N_FLOWS - from;
        if (from == 0) {
            is_int(n_delivered(), s.events, "always on: every event "
                   "delivered, and counted once");
        } else {
            is_int(before, 0, "on mid-run: nothing delivered before");
            ok(n_delivered() < s.events, "on mid-run: but counted");
        }
        /* Each step of the install path, once per install ... */
        static const int once[] = {
            UK_EV_UPCALL, UK_EV_CREATE, UK_EV_UMAP_LOOKUP, UK_EV_UMAP_INSERT,
            UK_EV_DP_PUT,
        };
        for (size_t i = 0; i < sizeof once / sizeof once[0]; i++) {
            is_int(atomic_load(&delivered[once[i]]), n,
                   "session from install %d: %s of each install seen",
                   from, uk_event_type_name(once[i]));
        }
        /* ... the two transitions, and three locks and unlocks. */
        ok(after - before >= 15ul * (unsigned long) n,
           "session from install %d: 15 events per install seen (with "
           "its batch's op_begin and op_end)", from);
        ok(atomic_load(&delivered[UK_EV_TRANSITION]) >= 2ul * (unsigned) n
           && atomic_load(&delivered[UK_EV_LOCK]) >= 3ul * (unsigned) n
           && atomic_load(&delivered[UK_EV_UNLOCK]) >= 3ul * (unsigned) n,
           "session from install %d: transitions, locks, unlocks seen",
           from);
    }
    udpif_destroy(udpif);
    free(flows);
    return s.events;
}

int
main(void)
{
    uint64_t all = run(0);
    uint64_t mid = run(N_FLOWS / 2);
    uint64_t none = run(N_FLOWS);
    ok(all > 15ull * N_FLOWS, "events counted: %llu",
       (unsigned long long) all);
    is_int(mid, all, "events: the same with a session from mid-run");
    is_int(none, all, "events: the same with no session");
    return done_testing();
}
