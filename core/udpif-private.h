/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the files of the model (core/sched.c, ukey.c, umap.c,
 * dp.c, handler.c, revalidator.c, mainthread.c, udpif.c).  Each primitive
 * here is one scheduling point followed by one action, and emits the event
 * of that action; the thread programs are written with them only. */
#ifndef UKDB_CORE_UDPIF_PRIVATE_H
#define UKDB_CORE_UDPIF_PRIVATE_H 1

#include <stdatomic.h>

#include "udpif.h"

/* ==== umap (core/umap.c) ==== */

/* 'lfht_flags': cds_lfht_new() flags; free-running mode passes
 * UMAP_AUTO_RESIZE, so that the table follows the flows (accounting makes
 * the resize decision on the node count, not on one chain's length). */
void umap_init(struct umap *, int index, size_t expected, int lfht_flags);
#define UMAP_AUTO_RESIZE (CDS_LFHT_AUTO_RESIZE | CDS_LFHT_ACCOUNTING)
void umap_destroy(struct umap *);

/* ukey_lookup(): returns the ukey for ('ufid', 'pmd_id') or NULL.  A
 * scheduling point; takes no lock. */
struct ukey *umap_lookup(struct uk_thread *, struct umap *, uint64_t ufid,
                         uint32_t pmd_id, const char *func);

/* cmap_insert(), cmap_replace(), cmap_remove().  Call with 'umap->mutex'
 * held.  umap_remove() of a ukey not in the table records the failure (OVS
 * asserts) and returns ENOENT. */
void umap_insert(struct uk_thread *, struct umap *umap, struct ukey *,
                 const char *func) UK_REQUIRES(umap->mutex);
void umap_replace(struct uk_thread *, struct umap *umap, struct ukey *old,
                  struct ukey *new, const char *func) UK_REQUIRES(umap->mutex);
int umap_remove(struct uk_thread *, struct umap *umap, struct ukey *,
                const char *func) UK_REQUIRES(umap->mutex);

/* Free-running shutdown: unlinks 'ukey' (still in the table) without an
 * event or a scheduling point.  Call with no other model thread running. */
void umap_unlink(struct umap *, struct ukey *);
/* Gives 'ukey''s node back to 'umap' (its own), once no reader can reach
 * it: when the ukey is freed.  Any thread. */
void umap_release_node(struct umap *, struct ukey *);
size_t umap_node_capacity(const struct umap *);

/* The hash of a ukey: ufid and pmd_id, as OVS's hash_2words(). */
uint32_t ukey_hash(uint64_t ufid, uint32_t pmd_id);

/* Snapshot of the ukeys in 'umap' (CMAP_FOR_EACH), into a growing array. */
size_t umap_collect(const struct umap *, struct ukey ***array,
                    size_t *allocated);

/* ==== Mutexes, barriers, RCU (core/sched.c) ==== */

void uk_mutex_init(struct uk_mutex *, enum uk_lock_target, int umap,
                   struct ukey *);

#define uk_mutex_lock(T, M, FUNC) uk_mutex_lock_at(T, M, FUNC, \
                                                   UK_SOURCE_LOCATOR)
#define uk_mutex_trylock(T, M, FUNC) uk_mutex_trylock_at(T, M, FUNC, \
                                                         UK_SOURCE_LOCATOR)
#define uk_mutex_unlock(T, M, FUNC) uk_mutex_unlock_at(T, M, FUNC, \
                                                       UK_SOURCE_LOCATOR)
void uk_mutex_lock_at(struct uk_thread *, struct uk_mutex *m, const char *func,
                      const char *where) UK_ACQUIRES(*m);
bool uk_mutex_trylock_at(struct uk_thread *, struct uk_mutex *m,
                         const char *func, const char *where)
    UK_TRY_LOCK(true, *m);
void uk_mutex_unlock_at(struct uk_thread *, struct uk_mutex *m,
                        const char *func, const char *where) UK_RELEASES(*m);

/* A revalidator round: its participants, barrier and shared dump. */
struct uk_dump_item {
    struct uk_flow *flow;
    uint32_t pmd_id;
    uint64_t packets;
    uint64_t used;
    unsigned int actions_version;   /* The datapath flow's actions. */
    bool idle;
    bool duplicate;
};

struct uk_round {
    unsigned int n_participants;
    unsigned int phases;        /* UK_PHASE_*. */
    unsigned int refs;          /* Participants that have not finished. */
    uint64_t number;            /* 1, 2, ... in the order queued. */
    /* Barrier. */
    unsigned int n_waiting;
    uint64_t generation;
    /* The shared dump cursor (udpif->dump). */
    struct uk_dump_item *entries;
    size_t n_entries, pos, allocated;
    bool dump_created;
    unsigned int n_entered;     /* Free-running: participants that entered
                                 * (under the pause gate). */
    struct uk_round *next;      /* udpif->rounds list (owned there). */
};

/* Waits at 'round''s barrier with the other participants. */
void uk_barrier_wait(struct uk_thread *, struct uk_round *);

/* The two halves of a barrier wait shared by both modes: arrival (the
 * event, and the count; the last participant opens the barrier by moving
 * 'round->generation' on) returns the generation waited for; leaving emits
 * its event.  The caller waits in between, as its mode does. */
uint64_t uk_barrier_arrive(struct uk_thread *, struct uk_round *);
void uk_barrier_leave(struct uk_thread *, uint64_t gen);

/* Registers '*pointer' (a local of 't''s operation in progress, NULL or a
 * heap buffer, possibly reallocated later) to be freed if the model is
 * destroyed while 't' is suspended; uk_scratch_pop() unregisters it, in
 * LIFO order, just before the operation frees it. */
void uk_scratch_push(struct uk_thread *, void *pointer);
void uk_scratch_pop(struct uk_thread *, void *pointer);

/* A revalidator enters a round (udpif->n_in_round++), and leaves it:
 * returns true if it was the last participant, which then frees the round's
 * dump entries (in free-running mode the round is freed there and this
 * returns false). */
void uk_round_enter(struct uk_thread *);
bool uk_round_leave(struct uk_thread *, struct uk_round *);

/* udpif->paused = 'paused', from the main thread after its PAUSE point;
 * free-running, a real wait for the rounds in progress to end. */
void uk_set_paused(struct uk_thread *, bool paused);

/* ovsrcu_postpone(ukey_delete__, ukey) and ovsrcu_quiesce(). */
void uk_rcu_postpone(struct uk_thread *, struct ukey *, const char *func,
                     const char *where);
void uk_rcu_quiesce(struct uk_thread *, const char *func, const char *where);

/* Runs every pending callback now (ovsrcu_barrier() at shutdown), as the
 * urcu thread. */
void uk_rcu_barrier(struct udpif *);

/* A bare scheduling point for 'kind' with 'func', at the caller (inline
 * as uk_sched_point(): free-running, nothing). */
#define uk_point(T, KIND, FUNC, UKEY, UMAP) \
    uk_point_at(T, KIND, FUNC, UKEY, UMAP, UK_SOURCE_LOCATOR)
void uk_point_at__(struct uk_thread *, enum uk_action_kind, const char *func,
                   struct ukey *, int umap, const char *where);

static inline void
uk_point_at(struct uk_thread *t, enum uk_action_kind kind, const char *func,
            struct ukey *ukey, int umap, const char *where)
{
    if (!t->udpif->free_running) {
        uk_point_at__(t, kind, func, ukey, umap, where);
    }
}

/* uk_point() at which 't' blocks in poll_block(), as a thread blocked in
 * ovs_barrier_block() does: in an extended quiescent state until it is
 * stepped (it holds up no RCU callback, and must hold no pointer it read
 * under RCU).  Free-running, nothing: the wait that follows goes offline
 * itself. */
#define uk_point_quiescent(T, KIND, FUNC) \
    uk_point_quiescent_at(T, KIND, FUNC, UK_SOURCE_LOCATOR)
void uk_point_quiescent_at__(struct uk_thread *, enum uk_action_kind,
                             const char *func, const char *where);

static inline void
uk_point_quiescent_at(struct uk_thread *t, enum uk_action_kind kind,
                      const char *func, const char *where)
{
    if (!t->udpif->free_running) {
        uk_point_quiescent_at__(t, kind, func, where);
    }
}

/* Emits a coverage event and counts it. */
void uk_coverage(struct uk_thread *, enum uk_coverage, struct ukey *);

/* Parks 't' until it has an operation, then takes it into 't->cur'. */
void uk_thread_wait_req(struct uk_thread *t);

/* op_begin/op_end events. */
void uk_op_begin(struct uk_thread *, enum uk_op, uint64_t value);
void uk_op_end(struct uk_thread *, enum uk_op, uint64_t value);

/* ==== Ukeys (core/ukey.c) ==== */

struct ukey *ukey_create(struct uk_thread *, struct uk_flow *,
                         uint32_t pmd_id, enum uk_create_origin);

/* ukey_delete__() of a ukey that was never published (T15). */
void ukey_free_unpublished(struct uk_thread *, struct ukey *);

/* Reads 'ukey->state' (a scheduling point).  Call with 'ukey->mutex'
 * held. */
#define ukey_read_state(T, K, FUNC) \
    ukey_read_state_at(T, K, FUNC, UK_SOURCE_LOCATOR)
enum ukey_state ukey_read_state_at(struct uk_thread *, struct ukey *ukey,
                                   const char *func, const char *where)
    UK_REQUIRES(ukey->mutex);

/* transition_ukey_at(): OVS's rule (see ukey.c).  Returns the result.
 * Call with 'ukey->mutex' held (dp_purge_cb() does not, like OVS: T10). */
#define transition_ukey(T, K, DST, FUNC) \
    transition_ukey_at(T, K, DST, FUNC, UK_SOURCE_LOCATOR)
enum uk_transition_result transition_ukey_at(struct uk_thread *,
                                             struct ukey *ukey,
                                             enum ukey_state dst,
                                             const char *func,
                                             const char *where)
    UK_REQUIRES(ukey->mutex);

/* ukey_install__(): inserts or replaces 'new' in its umap.  On success
 * returns true with 'new->mutex' held. */
bool ukey_install__(struct uk_thread *, struct ukey *new)
    UK_TRY_LOCK(true, new->mutex);

/* ukey_install(): ukey_install__() and, unless the variant keeps it locked
 * across the put, unlocks 'new'. */
bool ukey_install(struct uk_thread *, struct ukey *new);

/* ukey_delete(): call with the umap's mutex held. */
void ukey_delete(struct uk_thread *, struct umap *umap, struct ukey *)
    UK_REQUIRES(umap->mutex);

/* 'ukey->actions_version', OVS's 'ukey->actions': not guarded by the ukey
 * lock but RCU-published (ukey_get_actions(), ukey_set_actions()), because
 * the datapath ops read it with the ukey unlocked.  Relaxed atomics: the
 * writer holds the ukey lock, readers may not; plain accesses in effect in
 * stepped mode. */
static inline unsigned int
ukey_get_actions(const struct ukey *ukey)
{
    return atomic_load_explicit(
        (_Atomic unsigned int *) &ukey->actions_version,
        memory_order_relaxed);
}

static inline void
ukey_set_actions(struct ukey *ukey, unsigned int actions_version)
{
    atomic_store_explicit((_Atomic unsigned int *) &ukey->actions_version,
                          actions_version, memory_order_relaxed);
}

/* Accounting of ukey.c, kept apart from the thread programs' code:
 * ukey_track() a created ukey (udpif->all_ukeys, or free-running counts);
 * ukey_emit_free() emits 'e', the free of an unpublished 'ukey', and frees
 * it for real when free-running; ukey_count_transition() counts an OK
 * transition (evictions, free-running per-state counts). */
void ukey_track(struct udpif *, struct ukey *);
void ukey_emit_free(struct uk_thread *, struct ukey *, struct ukey_event *e);
void ukey_count_transition(struct udpif *, enum ukey_state from,
                           enum ukey_state to);

/* ==== Datapath (core/dp.c) ==== */

struct dp_flow *dp_find(struct udpif *, const struct uk_flow *,
                        uint32_t pmd_id);

/* Each is one scheduling point and one datapath operation.  Return 0 or a
 * positive errno. */
int dp_put(struct uk_thread *, struct ukey *, bool modify, const char *func);
int dp_del(struct uk_thread *, struct ukey *, uint64_t *packets,
           const char *func);
void dp_flush(struct uk_thread *);

/* Creates the round's dump: every present flow, with injected duplicates.
 * Not a scheduling point by itself. */
void dp_dump_create(struct udpif *, struct uk_round *);

/* dpif_flow_dump_next(): up to 'max' entries into 'out'.  One scheduling
 * point.  Returns the number taken (0 = dump done). */
size_t dp_dump_next(struct uk_thread *, struct uk_round *,
                    struct uk_dump_item *out, size_t max);

/* Number of present datapath flows. */
size_t dp_count(const struct udpif *);

/* ==== Shared counters and fields ==== */

/* Free-running: the accounting kept by one model thread, deltas to the
 * shared counters of 'struct freerun' (core/freerun.c), written only by
 * their thread (a load and a store, no locked instruction, no cache line
 * shared with the other threads), summed by the readers.  A handler counts
 * two transitions per install: with shared counters, two handlers would
 * bounce their cache line on each. */
#define FR_N_STATS (sizeof(struct udpif_stats) / sizeof(uint64_t))

struct fr_local {
    _Atomic int64_t by_state[N_UKEY_STATES];
    _Atomic int64_t live;
    _Atomic int64_t quiet_events;   /* Emitted, wanted by no observer. */
    _Atomic int64_t stats[FR_N_STATS];  /* Its share of 'udpif->stats'. */
};

/* The calling pthread's, if it runs a model thread (set by freerun.c):
 * one TLS load and a compare find them, inline, on the install path. */
struct freerun_tls {
    const struct udpif *udpif;  /* The model of that thread, or NULL, */
    struct fr_local *local;     /* and its counters. */
};
extern __thread struct freerun_tls freerun_tls;

/* Adds 'delta' to a counter that only the calling thread writes. */
static inline void
fr_local_add(_Atomic int64_t *c, int64_t delta)
{
    atomic_store_explicit(c, atomic_load_explicit(c, memory_order_relaxed)
                          + delta, memory_order_relaxed);
}

/* Adds 'n' to the counter '*p': for a counter of 'udpif->stats' and a model
 * thread, to that thread's own share of it (freerun_snapshot() sums them),
 * so that threads do not write one cache line; else atomically
 * (freerun_counter_add__()). */
void freerun_counter_add__(uint64_t *p, uint64_t n);

static inline void
freerun_counter_add(const struct udpif *udpif, uint64_t *p, uint64_t n)
{
    uintptr_t offset = (uintptr_t) p - (uintptr_t) &udpif->stats;
    if (UK_LIKELY(freerun_tls.udpif == udpif
                  && offset < sizeof udpif->stats)) {
        fr_local_add(&freerun_tls.local->stats[offset / sizeof *p],
                     (int64_t) n);
    } else {
        freerun_counter_add__(p, n);
    }
}

/* Counters and fields that several OS threads touch in free-running mode
 * use C11 atomics on a cast pointer ('_Atomic uint64_t' has the size and
 * alignment of 'uint64_t' here: checked in core/freerun.c).  In stepped mode
 * one OS thread runs everything and these are plain accesses, so behaviour
 * there is unchanged.  Relaxed: totals for statistics, ids that need only
 * be unique. */
static inline void
uk_counter_add(const struct udpif *udpif, uint64_t *p, uint64_t n)
{
    if (UK_LIKELY(!udpif->free_running)) {
        *p += n;
    } else if (n) {
        freerun_counter_add(udpif, p, n);
    }
}

/* Returns '++*p'. */
static inline uint64_t
uk_counter_next(const struct udpif *udpif, uint64_t *p)
{
    if (UK_LIKELY(!udpif->free_running)) {
        return ++*p;
    }
    return atomic_fetch_add_explicit((_Atomic uint64_t *) p, 1,
                                     memory_order_relaxed) + 1;
}

/* How far udpif_revalidate()'s seq_change() moves 'udpif->reval_seq'.  In
 * OVS the values of every seq come from one counter of the process
 * (lib/seq.c), and between two changes of reval_seq other seqs take some:
 * at least RCU's global_seqno, in xlate_txn_commit()'s ovsrcu_synchronize()
 * just before each udpif_revalidate() and in every poll_block() of the main
 * loop.  No two values of reval_seq are consecutive, so that an adopted
 * ukey's "reval_seq - 1" (57db02104) is never a value a running dump read.
 * With a step of 1 it was the dump's whenever the rules changed once
 * between the dump's start and the adoption: the flow kept stale
 * actions. */
#define UK_REVAL_SEQ_STEP 2

/* Loads of fields the traffic generator writes while model threads read
 * them: 'udpif->reval_seq' (acquire: pairs with the release in
 * udpif_modify(), so the flow's new 'actions_version' is visible to whoever
 * sees the new reval_seq) and 'flow->actions_version' (relaxed).  Plain
 * loads in effect in stepped mode. */
static inline uint64_t
uk_reval_seq(const struct udpif *udpif)
{
    return atomic_load_explicit((_Atomic uint64_t *) &udpif->reval_seq,
                                memory_order_acquire);
}

/* 'udpif->dump_seq', which a handler reads (a 2016 variant's new ukey)
 * while the leader moves it in R6: uk_dump_seq_next(). */
static inline uint64_t
uk_dump_seq(const struct udpif *udpif)
{
    return atomic_load_explicit((_Atomic uint64_t *) &udpif->dump_seq,
                                memory_order_relaxed);
}

static inline void
uk_dump_seq_next(struct udpif *udpif)
{
    atomic_store_explicit((_Atomic uint64_t *) &udpif->dump_seq,
                          udpif->dump_seq + 1, memory_order_relaxed);
}

static inline unsigned int
uk_actions_version(const struct uk_flow *flow)
{
    return atomic_load_explicit(
        (_Atomic unsigned int *) &flow->actions_version,
        memory_order_relaxed);
}

/* ThreadSanitizer does not see the synchronization inside liburcu 0.13 (no
 * annotations, not instrumented): these tell it about the two edges the
 * model relies on.  A node published with cds_lfht_add()/replace() is
 * released before and acquired by whoever finds it; RCU is one "release at
 * every quiescent state, acquire in every callback" edge.  No-ops
 * otherwise. */
#if defined(__SANITIZE_THREAD__)
#define UK_TSAN 1
#elif defined(__has_feature)
#if __has_feature(thread_sanitizer)
#define UK_TSAN 1
#endif
#endif
#ifdef UK_TSAN
void __tsan_acquire(void *addr);
void __tsan_release(void *addr);
#define uk_tsan_acquire(P) __tsan_acquire((void *) (P))
#define uk_tsan_release(P) __tsan_release((void *) (P))
#else
#define uk_tsan_acquire(P) ((void) (P))
#define uk_tsan_release(P) ((void) (P))
#endif

/* Emits the rule_change event of udpif_modify(): 'flow''s rules version
 * and reval_seq as they are now, on the main thread's behalf (core/udpif.c).
 * Free-running: from the traffic thread, like traffic events. */
void udpif_emit_rule_change(struct udpif *, struct uk_flow *);

/* ==== Free-running hooks (core/freerun.c) ====
 *
 * Called by the primitives above only when 'udpif->free_running'. */

void freerun_thread_init(struct uk_thread *);
void freerun_wait_req(struct uk_thread *);
void freerun_queue_req(struct uk_thread *, const struct uk_req *);
void freerun_mutex_lock(struct uk_mutex *);
bool freerun_mutex_trylock(struct uk_mutex *);
void freerun_mutex_unlock(struct uk_mutex *);
void freerun_barrier_wait(struct uk_thread *, struct uk_round *);
void freerun_round_enter(struct uk_thread *);
void freerun_round_leave(struct uk_thread *, struct uk_round *);
void freerun_pause(struct uk_thread *);
void freerun_resume(struct uk_thread *);
void freerun_join(struct uk_thread *);
void freerun_postpone(struct uk_thread *, struct ukey *);
void freerun_quiesce(struct uk_thread *);
void freerun_rcu_barrier(struct udpif *);
void freerun_ukey_created(struct udpif *, struct ukey *);
void freerun_ukey_free(struct udpif *, struct ukey *);
void freerun_ukey_destroy(struct uk_thread *, struct ukey *);
void freerun_state_moved(struct udpif *, enum ukey_state from,
                         enum ukey_state to);
uint64_t freerun_live(const struct udpif *);
struct freerun *freerun_create(struct udpif *);
void freerun_destroy(struct udpif *);
int freerun_round(struct udpif *, struct uk_thread *r, unsigned int phases);
int freerun_traffic(struct udpif *, struct uk_flow *, uint64_t n);
void freerun_expire(struct udpif *, struct uk_flow *);
void freerun_modify(struct udpif *, struct uk_flow *);

/* The datapath table: slot of ('flow', 'pmd_id') or NULL, slot 'i' of
 * freerun_dp_n(), its stripe lock, and the present-flow counter. */
struct dp_flow *freerun_dp_find(struct udpif *, const struct uk_flow *,
                                uint32_t pmd_id);
size_t freerun_dp_n(const struct udpif *);
struct dp_flow *freerun_dp_at(struct udpif *, size_t i);
void freerun_dp_lock(struct udpif *, const struct dp_flow *);
void freerun_dp_unlock(struct udpif *, const struct dp_flow *);
void freerun_dp_present(struct udpif *, bool was, bool is);
size_t freerun_dp_count(const struct udpif *);

/* ==== Events ==== */

/* Counts an event that event_emit() did not number (no observer wanted
 * it), for freerun_snapshot()'s 'events': on a model thread, its own
 * counter, inline (the install path has 13 of them per install); else
 * freerun_quiet_event__(). */
void freerun_quiet_event__(struct udpif *);

static inline void
freerun_quiet_event(struct udpif *udpif)
{
    if (UK_LIKELY(freerun_tls.udpif == udpif)) {
        fr_local_add(&freerun_tls.local->quiet_events, 1);
    } else {
        freerun_quiet_event__(udpif);
    }
}

/* Whether an event of 'type' is to be built and emitted now: false only
 * in free-running mode when no observer wants it (event_bus_quiet()), and
 * then it is counted as emitted (freerun_snapshot()'s 'events') as
 * event_emit() would have left it: unnumbered, undelivered.  The install
 * path asks before it builds each of its events: 13 per install, each 96
 * bytes to fill, would be a good part of its cost when nobody traces. */
static inline bool
udpif_wants(struct udpif *udpif, enum uk_event_type type)
{
    if (event_bus_quiet(udpif->bus, type)) {
        freerun_quiet_event(udpif);
        return false;
    }
    return true;
}

/* Emits 'e' stamped with 'udpif->current' (or 't' if given), unless
 * udpif_wants() says no.  udpif_emit__() emits it unconditionally: for
 * the callers that asked udpif_wants() before building 'e'. */
void udpif_emit__(struct udpif *, struct uk_thread *t, struct ukey_event *e);

static inline void
udpif_emit(struct udpif *udpif, struct uk_thread *t, struct ukey_event *e)
{
    if (udpif_wants(udpif, e->type)) {
        udpif_emit__(udpif, t, e);
    }
}

/* ==== Thread programs ==== */

/* Runs the program of model thread 't' (never returns). */
void uk_thread_body(void *t);


void handler_run(struct uk_thread *);          /* core/handler.c */
void pmd_run(struct uk_thread *);              /* core/handler.c */
void revalidator_run(struct uk_thread *);      /* core/revalidator.c */
void main_thread_run(struct uk_thread *);      /* core/mainthread.c */
void urcu_thread_run(struct uk_thread *);      /* core/sched.c */

/* revalidate()'s flow limit test of a dump batch: counts the coverage and
 * returns whether every flow of it is to be deleted (core/revalidator.c,
 * kept after the thread programs so that their file:line stay put). */
bool revalidate_flow_limit(struct uk_thread *, size_t n_dp_flows);

/* ukey_acquire()'s ukey_create_from_dpif_flow() (core/revalidator.c, also
 * kept after the thread programs). */
struct ukey *ukey_create_from_dpif_flow(struct uk_thread *,
                                        const struct uk_dump_item *);

/* Revalidator pieces the main thread reuses (core/revalidator.c). */
void revalidator_sweep__(struct uk_thread *, unsigned int slice,
                         unsigned int n_slices, bool purge);
void push_ukey_ops_for(struct uk_thread *, struct umap *, struct ukey **,
                       size_t n);

#endif /* UKDB_CORE_UDPIF_PRIVATE_H */
