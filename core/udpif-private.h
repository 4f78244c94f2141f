/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the files of the model (core/sched.c, ukey.c, umap.c,
 * dp.c, handler.c, revalidator.c, mainthread.c, udpif.c).  Each primitive
 * here is one scheduling point followed by one action, and emits the event
 * of that action; the thread programs are written with them only. */
#ifndef UKDB_CORE_UDPIF_PRIVATE_H
#define UKDB_CORE_UDPIF_PRIVATE_H 1

#include "udpif.h"

/* ==== umap (core/umap.c) ==== */

void umap_init(struct umap *, int index, size_t expected);
void umap_destroy(struct umap *);

/* ukey_lookup(): returns the ukey for ('ufid', 'pmd_id') or NULL.  A
 * scheduling point; takes no lock. */
struct ukey *umap_lookup(struct uk_thread *, struct umap *, uint64_t ufid,
                         uint32_t pmd_id, const char *func);

/* cmap_insert(), cmap_replace(), cmap_remove().  Call with 'umap->mutex'
 * held.  umap_remove() of a ukey not in the table records the failure (OVS
 * asserts) and returns ENOENT. */
void umap_insert(struct uk_thread *, struct umap *, struct ukey *,
                 const char *func) UK_REQUIRES(umap->mutex);
void umap_replace(struct uk_thread *, struct umap *, struct ukey *old,
                  struct ukey *new, const char *func) UK_REQUIRES(umap->mutex);
int umap_remove(struct uk_thread *, struct umap *, struct ukey *,
                const char *func) UK_REQUIRES(umap->mutex);

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
void uk_mutex_lock_at(struct uk_thread *, struct uk_mutex *, const char *func,
                      const char *where) UK_ACQUIRES(*m);
bool uk_mutex_trylock_at(struct uk_thread *, struct uk_mutex *,
                         const char *func, const char *where)
    UK_TRY_LOCK(true, *m);
void uk_mutex_unlock_at(struct uk_thread *, struct uk_mutex *,
                        const char *func, const char *where) UK_RELEASES(*m);

/* A revalidator round: its participants, barrier and shared dump. */
struct uk_dump_item {
    struct uk_flow *flow;
    uint32_t pmd_id;
    uint64_t packets;
    uint64_t used;
    bool idle;
    bool duplicate;
};

struct uk_round {
    unsigned int n_participants;
    unsigned int phases;        /* UK_PHASE_*. */
    unsigned int refs;          /* Participants that have not finished. */
    uint64_t number;            /* udpif->n_rounds + 1 at creation. */
    /* Barrier. */
    unsigned int n_waiting;
    uint64_t generation;
    /* The shared dump cursor (udpif->dump). */
    struct uk_dump_item *entries;
    size_t n_entries, pos, allocated;
    bool dump_created;
    struct uk_round *next;      /* udpif->rounds list (owned there). */
};

/* Waits at 'round''s barrier with the other participants. */
void uk_barrier_wait(struct uk_thread *, struct uk_round *);

/* ovsrcu_postpone(ukey_delete__, ukey) and ovsrcu_quiesce(). */
void uk_rcu_postpone(struct uk_thread *, struct ukey *, const char *func,
                     const char *where);
void uk_rcu_quiesce(struct uk_thread *, const char *func, const char *where);

/* Runs every pending callback now (ovsrcu_barrier() at shutdown), as the
 * urcu thread. */
void uk_rcu_barrier(struct udpif *);

/* A bare scheduling point for 'kind' with 'func', at the caller. */
#define uk_point(T, KIND, FUNC, UKEY, UMAP) \
    uk_point_at(T, KIND, FUNC, UKEY, UMAP, UK_SOURCE_LOCATOR)
void uk_point_at(struct uk_thread *, enum uk_action_kind, const char *func,
                 struct ukey *, int umap, const char *where);

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

/* Reads 'ukey->state' (a scheduling point).  Call with 'ukey->mutex' held
 * (except dp_purge_cb(), which reads without it, like OVS). */
#define ukey_read_state(T, K, FUNC) \
    ukey_read_state_at(T, K, FUNC, UK_SOURCE_LOCATOR)
enum ukey_state ukey_read_state_at(struct uk_thread *, struct ukey *,
                                   const char *func, const char *where);

/* transition_ukey_at(): OVS's rule (see ukey.c).  Returns the result. */
#define transition_ukey(T, K, DST, FUNC) \
    transition_ukey_at(T, K, DST, FUNC, UK_SOURCE_LOCATOR)
enum uk_transition_result transition_ukey_at(struct uk_thread *,
                                             struct ukey *,
                                             enum ukey_state dst,
                                             const char *func,
                                             const char *where);

/* ukey_install__(): inserts or replaces 'new' in its umap.  On success
 * returns true with 'new->mutex' held. */
bool ukey_install__(struct uk_thread *, struct ukey *new);

/* ukey_install(): ukey_install__() and, unless the variant keeps it locked
 * across the put, unlocks 'new'. */
bool ukey_install(struct uk_thread *, struct ukey *new);

/* ukey_delete(): call with the umap's mutex held. */
void ukey_delete(struct uk_thread *, struct umap *, struct ukey *);

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

/* ==== Thread programs ==== */

void handler_run(struct uk_thread *);          /* core/handler.c */
void pmd_run(struct uk_thread *);              /* core/handler.c */
void revalidator_run(struct uk_thread *);      /* core/revalidator.c */
void main_thread_run(struct uk_thread *);      /* core/mainthread.c */
void urcu_thread_run(struct uk_thread *);      /* core/sched.c */

/* Revalidator pieces the main thread reuses (core/revalidator.c). */
void revalidator_sweep__(struct uk_thread *, unsigned int slice,
                         unsigned int n_slices, bool purge);
void push_ukey_ops_for(struct uk_thread *, struct umap *, struct ukey **,
                       size_t n);

#endif /* UKDB_CORE_UDPIF_PRIVATE_H */
