/* SPDX-License-Identifier: Apache-2.0 */
/* The model of OVS's ukey core: 'struct udpif' and everything it owns.
 *
 * This is the model of ofproto/ofproto-dpif-upcall.c's 'struct udpif':
 * handler, PMD and revalidator threads, the main thread, sharded umaps of
 * ukeys (liburcu cds_lfht), a datapath flow table, RCU-deferred deletion, a
 * variant naming which historical version of the code runs, and an event bus
 * on which every action is reported (core/event.h).
 *
 * The thread programs (core/handler.c, core/revalidator.c,
 * core/mainthread.c) are written once, as sequential C that reads like the
 * OVS functions they model, with a scheduling point before each action on
 * shared state.  In stepped mode each model thread is a coroutine and the
 * caller picks who steps next (udpif_step()); runs are deterministic.
 *
 * Synchronization (stepped mode): everything runs on the OS thread that
 * created the udpif; nothing here is thread-safe.
 *
 * Free-running mode ('cfg.free_running', core/freerun.h): udpif_start()
 * runs every model thread on its own pthread with the same programs;
 * scheduling points are no-ops, model mutexes are real, RCU is liburcu
 * QSBR.  Between udpif_start() and udpif_stop() only the functions that
 * core/freerun.h lists as thread-safe may be called. */
#ifndef UKDB_CORE_UDPIF_H
#define UKDB_CORE_UDPIF_H 1

#include <pthread.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "compiler.h"
#include "event.h"

struct coro;
struct cds_lfht;
struct freerun;
struct freerun_thread;
struct lifecycle;
struct udpif;
struct ukey;
struct uk_thread;

/* ==== Variants ==== */

/* A variant: a named, small set of differences from upstream OVS. */
struct uk_variant {
    const char *name;           /* "upstream", "v1-replace"... */
    const char *commit;         /* OVS commit(s) it stands for. */
    const char *summary;        /* One line for "variant" listings. */

    bool replace;               /* try_ukey_replace() exists (67f08985d). */
    unsigned int replace_states;/* Bit mask of states an old ukey may be
                                 * replaced in ({EVICTED} upstream; v1's
                                 * '!flow_exists' also covers EVICTING). */
    bool delete_guard;          /* ukey_delete() re-checks the state under
                                 * the lock (154781666). */
    bool lock_over_put;         /* The handler keeps the new ukey locked
                                 * across dpif_operate() (before 54ebeff4c). */
    bool conditional_operational; /* H5 moves to OPERATIONAL only from a
                                   * lower state (e34bbe31b). */
    bool dump_skips_evicting;   /* The dump skips ukeys past OPERATIONAL
                                 * (6997d54e1). */
    bool del_error_evicts;      /* A failed flow_del still moves the ukey
                                 * to EVICTED (a1d6cce78). */
    bool inherit_dump_seq;      /* A replacing ukey inherits dump_seq
                                 * (5dfc8309d). */
    bool missed_dumps;          /* Sweep deletes flows missed 4 dumps in a
                                 * row (180ab2fd6). */
    bool inconsistent;          /* A failed modify goes to INCONSISTENT
                                 * (cf11766cb); before, the ukey stayed
                                 * OPERATIONAL with the new actions. */
    bool new_dump_seq_zero;     /* A new ukey starts with dump_seq 0, not
                                 * yet dumped (8f0e86f84); before, it took
                                 * the current dump_seq, which that round's
                                 * dump and sweep read as "dumped". */
    bool adopt_reval_seq_behind; /* An adopted ukey gets reval_seq - 1, so
                                 * it is revalidated (57db02104); before,
                                 * the current reval_seq. */
    bool sweep_last_stats;      /* The sweep revalidates missed flows with
                                 * the last known stats (6c24851f4). */
};

/* Returns the variant named 'name', or NULL. */
const struct uk_variant *uk_variant_find(const char *name);

/* The variants, in listing order, and their number. */
const struct uk_variant *uk_variant_at(size_t i);
size_t uk_variant_count(void);

/* ==== Model mutexes ==== */

/* A model mutex.  In stepped mode a thread that wants a held mutex is not
 * runnable; 'owner' and 'where' are what "show locks" prints. */
struct UK_LOCKABLE uk_mutex {
    pthread_mutex_t real;       /* Free-running mode: error-checking. */
    struct uk_thread *owner;    /* NULL when free. */
    const char *where;          /* Where it was taken. */
    enum uk_lock_target target;
    int umap;                   /* UK_LOCK_UMAP: the shard. */
    struct ukey *ukey;          /* UK_LOCK_UKEY: (weak) the ukey. */
};

/* ==== Actions: what a thread will do at its next step ==== */

#define UK_ACTIONS(X) \
    X(IDLE, "begin operation")      /* Idle until an operation comes. */ \
    X(LOCK, "lock")                 \
    X(TRYLOCK, "trylock")           \
    X(UNLOCK, "unlock")             \
    X(LOOKUP, "umap lookup")        \
    X(INSERT, "umap insert")        \
    X(REPLACE, "umap replace")      \
    X(REMOVE, "umap remove")        \
    X(READ_STATE, "read state")     \
    X(TRANSITION, "transition")     \
    X(DP_PUT, "dp put")             \
    X(DP_DEL, "dp del")             \
    X(DP_DUMP, "dp dump")           \
    X(DP_FLUSH, "dp flush")         \
    X(POSTPONE, "rcu postpone")     \
    X(QUIESCE, "rcu quiesce")       \
    X(RCU_FREE, "rcu free")         \
    X(BARRIER, "barrier")           \
    X(PAUSE, "pause revalidators")  \
    X(JOIN, "join threads")         \
    X(FREE, "free")

enum uk_action_kind {
#define UK_ACTION_ENUM_(NAME, TEXT) UK_ACT_##NAME,
    UK_ACTIONS(UK_ACTION_ENUM_)
#undef UK_ACTION_ENUM_
    N_UK_ACTIONS
};

const char *uk_action_name(int);

/* The action a parked thread takes next: what "choices" lists, and what the
 * explorer's dependency relation looks at ('mutex', 'umap', 'ukey' and
 * 'ufid' are its footprint). */
struct uk_action {
    enum uk_action_kind kind;
    const char *where;          /* Source position of the scheduling point. */
    const char *func;           /* The OVS function it is part of. */
    struct uk_mutex *mutex;     /* LOCK, TRYLOCK, UNLOCK. */
    int umap;                   /* Shard touched, or -1. */
    struct ukey *ukey;          /* (weak) Ukey touched, or NULL. */
    uint64_t ufid;              /* Flow touched, or 0. */
    uint64_t arg;               /* BARRIER: generation waited for. */
};

/* Writes "trylock ukey#3 (revalidator_sweep__ core/revalidator.c:212)". */
int uk_action_format(const struct uk_action *, char *buf, size_t size);

/* ==== Flows and the datapath ==== */

/* A flow of the scenario: what packets match.  The model's "key". */
struct uk_flow {
    char *name;                 /* (owned) "f1". */
    uint64_t ufid;              /* Hash of the name. */
    size_t index;               /* In udpif->flows. */
    unsigned int actions_version; /* Bumped by "modify": OpenFlow changed. */
    bool expire;                /* The next dump finds it idle. */
    struct uk_thread *handler;  /* Where its misses go (NULL: by hash). */
};

/* A datapath flow: one instance of 'flow' on 'pmd_id'. */
struct dp_flow {
    struct uk_flow *flow;       /* (weak) */
    uint32_t pmd_id;
    bool present;               /* False once deleted. */
    uint64_t packets;           /* Counter of this instance. */
    uint64_t used;              /* Model time of the last packet. */
    unsigned int actions_version;
    uint64_t instance;          /* Which install this is (1, 2, ...). */
    /* Faults, one shot each: the next op of that kind fails with it. */
    int fail_put, fail_del, fail_modify;
    int dup;                    /* Extra dump entries for the next dumps. */
};

/* ==== Ukeys ==== */

/* A ukey: the model of OVS's 'struct udpif_key'. */
struct ukey {
    /* Immutable after ukey_create(). */
    uint64_t id;                /* Never reused. */
    struct uk_flow *flow;       /* (weak) Its key. */
    uint64_t ufid;
    uint32_t pmd_id;
    uint32_t hash;              /* ufid and pmd_id, as hash_2words(). */
    int umap;                   /* hash % n_umaps. */
    enum uk_create_origin origin;

    struct uk_mutex mutex;      /* Guards the following. */
    enum ukey_state state UK_GUARDED; /* Forward-only: transition_ukey_at(). */
    uint32_t state_thread UK_GUARDED; /* Thread of the last transition. */
    const char *state_where UK_GUARDED; /* "file:line" of it. */
    uint64_t dump_seq UK_GUARDED;
    uint64_t reval_seq UK_GUARDED;
    unsigned int missed_dumps UK_GUARDED;
    uint64_t stats_packets UK_GUARDED; /* Last datapath stats seen. */
    unsigned int actions_version; /* Not guarded: ukey_get_actions(). */
    bool xcache UK_GUARDED;     /* Has a translation cache. */

    /* Model bookkeeping (not OVS state). */
    bool in_umap;               /* Linked in its umap's table. */
    unsigned int n_postponed;   /* ovsrcu_postpone() calls on it. */
    unsigned int n_freed;       /* Frees that ran (more than 1 = bug). */
    struct ukey *next_all;      /* udpif->all_ukeys list. */
    void *node;                 /* Its node in its umap's table, once
                                 * inserted (owned by the umap). */
    unsigned int n_pending;     /* Free-running: postpones whose callback
                                 * has not run (atomic); the last frees. */
};

/* ==== Threads ==== */

/* One queued operation of a thread. */
enum uk_req_kind {
    UK_REQ_UPCALL,              /* Handler/PMD: a miss upcall. */
    UK_REQ_ROUND,               /* Revalidator: a round (or one phase). */
    UK_REQ_PURGE,               /* Main: revalidator/purge. */
    UK_REQ_DP_PURGE,            /* Main: dp_purge_cb(pmd). */
    UK_REQ_FLUSH,               /* Main: udpif_flush(). */
    UK_REQ_SHUTDOWN,            /* Main: udpif_destroy() + RCU barrier. */
};

struct uk_round;

struct uk_req {
    enum uk_req_kind kind;
    struct uk_flow *flow;       /* UPCALL. */
    uint64_t packets;           /* UPCALL. */
    struct uk_round *round;     /* ROUND. */
    struct uk_thread *pmd;      /* DP_PURGE. */
    unsigned int slice;         /* ROUND: index among the participants. */
};

enum uk_thread_status {
    UK_THREAD_PARKED,           /* At a scheduling point. */
    UK_THREAD_RUNNING,          /* Being stepped. */
};

struct uk_thread {
    uint32_t id;                /* Event thread_id: main 0, urcu 1, ... */
    enum uk_thread_kind kind;
    bool deleted;               /* A PMD removed by dp_purge_cb(). */
    char *name;                 /* (owned) */
    uint32_t pmd_id;            /* PMD threads: their id; others 0. */
    struct udpif *udpif;        /* (weak) */

    struct uk_req *reqs;        /* (owned) Queued operations, FIFO. */
    size_t n_reqs, head, allocated_reqs;
    struct uk_req cur;          /* The operation in progress. */
    bool busy;                  /* 'cur' is valid. */
    enum uk_op cur_op;

    struct coro *coro;          /* (owned) Stepped mode. */
    struct uk_action next;      /* Its next action. */
    uint64_t n_steps;

    struct uk_mutex *held[8];   /* Locks held, for "show threads". */
    int n_held;

    uint64_t quiesced_at;       /* Step count at its last quiescent state. */
    bool rcu_offline;           /* Blocked at a barrier, in an extended
                                 * quiescent state: holds up no callback. */

    /* Heap buffers of the operation in progress, as the addresses of the
     * local pointers that hold them (on the coroutine's stack): freed by
     * udpif_destroy() when the model is destroyed with 't' suspended in
     * the middle of an operation (the REPL's back and goto do that). */
    void *scratch[8];
    int n_scratch;

    /* (owned) Handlers: recv_upcalls()'s batch of 'cfg.upcall_batch'
     * upcalls, allocated at the first batch and kept, as OVS keeps its
     * batch on the handler's stack: a 2 KiB malloc per batch is a large
     * request for glibc, which consolidates its fast bins for each. */
    void *upcall_batch;

    struct freerun_thread *fr;  /* (owned by udpif->fr) Free-running. */
};

/* A shard: OVS's 'struct umap', a mutex taken for writing plus a hash table
 * that readers walk without locks. */
struct umap {
    struct uk_mutex mutex;      /* Writers only. */
    struct cds_lfht *table;     /* (owned) Ukeys by hash. */
    int index;

    /* The table's nodes (core/umap.c), 32 bytes each, taken from chunks
     * of dense memory rather than one malloc each among the ukeys: a
     * lookup walks a chain of nodes, and dense nodes keep that walk in few
     * cache lines, as OVS's cmap keeps its hashes in its buckets. */
    struct umap_node *free_nodes;   /* Taken by writers only. */
    struct umap_node *returned;     /* (atomic) Given back after a grace
                                     * period, by any thread. */
    struct umap_chunk *chunks;      /* (owned) Newest first. */
    unsigned int n_carved;          /* Nodes of the newest chunk handed
                                     * out so far (writers only). */
};

/* A pending ovsrcu_postpone(ukey_delete__, ukey). */
struct uk_rcu_cb {
    struct ukey *ukey;
    uint64_t stamp;             /* udpif->time at the postpone. */
    uint32_t thread_id;         /* Who postponed it. */
};

/* ==== The udpif ==== */

enum uk_datapath {
    UK_DP_KERNEL,               /* Handler threads (dpif-netlink). */
    UK_DP_NETDEV,               /* PMD threads, upcall_cb() (dpif-netdev). */
};

struct udpif_config {
    unsigned int n_umaps;       /* Shards (OVS: 512).  Default 4. */
    enum uk_datapath datapath;
    const struct uk_variant *variant;   /* Default upstream. */
    unsigned int dump_batch;    /* Flows per dump batch (OVS: 50). */
    unsigned int upcall_batch;  /* Upcalls per handler batch (OVS: 64). */
    unsigned int flow_limit;    /* OVS: 200000 (dynamic). */
    bool checker;               /* Attach the lifecycle checker. */
    unsigned int stuck_rounds, slowpath_rounds; /* Checker liveness. */
    uk_event_observer_fn *observer;   /* Attached before any event, after */
    void *observer_aux;               /* the checker; or NULL. */
    uk_event_filter_fn *observer_filter; /* Its filter, or NULL. */
    bool observer_concurrent;   /* Thread-safe: event_bus_add_concurrent(). */
    /* Or, concurrent only, its filter as words (see event_bus_quiet()):
     * then an event nobody wants costs its emitter a load or two. */
    const struct uk_event_words *observer_words;
    bool free_running;          /* Real threads (core/freerun.h). */
};

void udpif_config_init(struct udpif_config *);

/* Totals kept by the model (what "show stats" prints). */
struct udpif_stats {
    uint64_t upcalls;           /* Miss upcalls handled. */
    uint64_t installs;          /* Ukeys installed (insert or replace). */
    uint64_t replacements;
    uint64_t slowpath_packets;
    uint64_t fastpath_packets;
    uint64_t dp_puts, dp_dels, dp_put_errors, dp_del_errors;
    uint64_t evictions;         /* -> EVICTING. */
    uint64_t created, freed;
    uint64_t violations, warnings;
    uint64_t coverage[N_UK_COVERAGES];
};

struct udpif {
    struct udpif_config cfg;
    const struct uk_variant *variant;
    struct uk_event_bus *bus;   /* (owned) */
    struct lifecycle *checker;  /* (owned) or NULL. */

    /* Threads: [0] main, [1] urcu, then in order of creation. */
    struct uk_thread **threads;
    size_t n_threads, allocated_threads;

    struct uk_flow **flows;
    size_t n_flows, allocated_flows;

    struct umap *umaps;         /* (owned) cfg.n_umaps shards. */

    struct dp_flow *dp_flows;   /* Datapath table (small: linear). */
    size_t n_dp_flows, allocated_dp_flows;
    uint64_t dp_instances;

    struct ukey *all_ukeys;     /* Every ukey ever created. */
    uint64_t next_ukey_id;

    uint64_t dump_seq;          /* udpif->dump_seq: R6 writes it, a 2016
                                 * variant's new ukey reads it
                                 * (uk_dump_seq()). */
    uint64_t reval_seq;         /* udpif->reval_seq. */
    uint64_t time;              /* Model time: steps taken. */
    uint64_t n_rounds;          /* Rounds completed. */
    uint64_t n_rounds_queued;   /* Rounds queued: each one's number. */
    unsigned int n_in_round;    /* Revalidators inside a round. */
    bool paused;                /* Revalidators paused by the main thread. */
    bool stopped;               /* Flushing: no thread but main begins. */

    struct uk_round *rounds;    /* (owned) Every round queued. */
    struct uk_rcu_cb *rcu_cbs;  /* Pending postponed frees. */
    size_t n_rcu_cbs, allocated_rcu_cbs;

    struct uk_thread *current;  /* The thread being stepped. */
    bool shut_down;             /* Shutdown completed ('end' emitted). */
    struct udpif_stats stats;

    bool free_running;          /* cfg.free_running. */
    struct freerun *fr;         /* (owned) Free-running machinery. */
};

/* Creates a model with 'cfg' (NULL for the defaults), with its main and
 * urcu threads (which emit their thread_start events).  Must be called from
 * an OS thread that may use liburcu QSBR (it registers itself). */
struct udpif *udpif_create(const struct udpif_config *cfg);

/* Frees 'udpif' and every object it owns, emitting nothing.  NULL ok. */
void udpif_destroy(struct udpif *udpif);

/* The name of a thread id, or "?". */
const char *udpif_thread_name(const struct udpif *, uint32_t id);

/* Adds a thread of 'kind' (HANDLER, PMD or REVALIDATOR) named 'name'.
 * Returns it, or NULL if the name is taken or the kind does not fit the
 * datapath (EINVAL in '*error'). */
struct uk_thread *udpif_add_thread(struct udpif *, enum uk_thread_kind,
                                   const char *name, int *error);
struct uk_thread *udpif_find_thread(const struct udpif *, const char *name);

/* Declares a flow.  Returns it, or the existing one of that name. */
struct uk_flow *udpif_add_flow(struct udpif *, const char *name);
struct uk_flow *udpif_find_flow(const struct udpif *, const char *name);

/* Declares a flow that the caller knows is new (no lookup: O(1), for
 * declaring many flows).  Returns it. */
struct uk_flow *udpif_add_flow_new(struct udpif *, const char *name);

/* The ukey with id 'id' (live or not), or NULL. */
struct ukey *udpif_find_ukey(const struct udpif *, uint64_t id);

/* The ukey of 'flow' now in a umap (on 'pmd_id'), or NULL. */
struct ukey *udpif_flow_ukey(const struct udpif *, const struct uk_flow *,
                             uint32_t pmd_id);

/* The datapath flow of 'flow' on 'pmd_id' if present, or NULL. */
struct dp_flow *udpif_dp_flow(const struct udpif *, const struct uk_flow *,
                              uint32_t pmd_id);

/* ==== Stimuli (queue work; nothing runs until stepped) ==== */

/* Queues a miss upcall of 'packets' packets of 'flow' on handler or PMD
 * 't'.  Returns 0 or EINVAL. */
int udpif_upcall(struct udpif *, struct uk_thread *t, struct uk_flow *flow,
                 uint64_t packets);

/* Sends 'n' packets of 'flow': counted on its datapath flow when there is
 * one (fastpath), otherwise slowpathed and a miss upcall is queued on the
 * flow's handler or PMD.  Emits 'traffic'.  Returns 0 or EINVAL (no handler
 * or PMD to take the miss). */
int udpif_traffic(struct udpif *, struct uk_flow *flow, uint64_t n);

#define UK_PHASE_DUMP 1
#define UK_PHASE_SWEEP 2
#define UK_PHASE_ALL (UK_PHASE_DUMP | UK_PHASE_SWEEP)

/* Queues a round ('phases' of it) on revalidator 'r', or on every
 * revalidator when 'r' is NULL; the participants meet at its barriers.
 * Returns 0 or EINVAL (no revalidator). */
int udpif_round(struct udpif *, struct uk_thread *r, unsigned int phases);

/* Main-thread operations.  Return 0 or EINVAL. */
int udpif_purge(struct udpif *);
int udpif_dp_purge(struct udpif *, struct uk_thread *pmd);
int udpif_flush(struct udpif *);
int udpif_shutdown(struct udpif *);

/* Flow attributes: "expire" (the next dump finds it idle) and "modify"
 * (its OpenFlow actions changed: its rules version and reval_seq move, and
 * a rule_change event says so). */
void udpif_expire(struct udpif *, struct uk_flow *);
void udpif_modify(struct udpif *, struct uk_flow *);

/* Datapath manipulation from outside OVS.  'pmd_id' selects the instance.
 * Return 0, or ENOENT when there is no such datapath flow.
 * udpif_dp_ext_add() puts a flow with no ukey and the flow's current
 * actions (dpctl/add-flow, or a flow the ovs-vswitchd before a restart left
 * in the datapath); returns 0, or EEXIST when the flow is present. */
int udpif_dp_ext_add(struct udpif *, struct uk_flow *, uint32_t pmd_id);
int udpif_dp_ext_del(struct udpif *, struct uk_flow *, uint32_t pmd_id);
int udpif_dp_fail(struct udpif *, struct uk_flow *, uint32_t pmd_id,
                  enum uk_action_kind op, bool modify, int error);
int udpif_dp_dup(struct udpif *, struct uk_flow *, uint32_t pmd_id);

/* ==== Stepping ==== */

/* Whether 't' can take its next action now. */
bool uk_thread_runnable(const struct uk_thread *t);

/* Fills 'out' with up to 'max' runnable threads, in id order, and returns
 * how many there are. */
size_t udpif_runnable(const struct udpif *, struct uk_thread **out,
                      size_t max);

/* Takes one step of 't': performs its pending action and runs it to its
 * next scheduling point.  Returns 0, or EAGAIN if 't' is not runnable. */
int udpif_step(struct udpif *, struct uk_thread *t);

/* Steps 't' until its current operation is over (it is idle or begins the
 * next), at most 'max_steps'.  Stops early if it blocks.  Returns the steps
 * taken. */
uint64_t udpif_finish_op(struct udpif *, struct uk_thread *t,
                         uint64_t max_steps);

/* Called by thread programs: a scheduling point before 'action'.  In
 * stepped mode, parks the calling coroutine until it is stepped;
 * free-running, nothing, inline (an install passes five). */
void uk_sched_point__(struct uk_thread *, const struct uk_action *action);

static inline void
uk_sched_point(struct uk_thread *t, const struct uk_action *action)
{
    if (!t->udpif->free_running) {
        uk_sched_point__(t, action);
    }
}

/* The number of pending RCU callbacks, and of those ready to run. */
size_t udpif_rcu_pending(const struct udpif *, size_t *n_ready);

/* Whether 't' holds up 'cb': it is busy (not idle in poll_block()), online
 * (not blocked at a barrier) and has not quiesced since 'cb' was
 * postponed.  The urcu thread holds up nothing.  'cb' may run once no
 * thread holds it up. */
bool uk_thread_holds_rcu_cb(const struct uk_thread *,
                            const struct uk_rcu_cb *cb);

/* Nodes the umaps have carved for their tables so far (in use or free):
 * a free-running model reuses a freed ukey's node, so this follows the
 * most ukeys alive at once, not the ukeys created.  Not while running. */
size_t udpif_umap_node_capacity(const struct udpif *);

/* Iterates the ukeys now in umap 'i' (in table order). */
size_t udpif_umap_ukeys(const struct udpif *, int i, struct ukey **out,
                        size_t max);

#endif /* UKDB_CORE_UDPIF_H */
