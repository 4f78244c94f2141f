/* SPDX-License-Identifier: Apache-2.0 */
/* The event schema: the spine of ukdb.
 *
 * Every action of the model emits one 'struct ukey_event' through
 * event_emit().  The same struct is written by the LTTng-UST provider
 * (tracepoints/provider), decoded back by the babeltrace2 plugin
 * (tracepoints/plugin) and folded by core/lifecycle.c, so the live checker in
 * the REPL and the offline audit of a trace are one piece of code.
 *
 * Every enumeration is defined once, as an X-macro list, and that list
 * generates the C enum, the name table, the REPL's completion and the CTF
 * enumerations of the tracepoints.  Append to a list, never reorder: the
 * numeric values are in recorded traces. */
#ifndef UKDB_CORE_EVENT_H
#define UKDB_CORE_EVENT_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* ==== Enumerations (X-macros) ==== */

/* The ukey states of OVS's 'enum ukey_state', in OVS order: a transition to
 * a lower value is backward. */
#define UKEY_STATES(X) \
    X(CREATED) X(VISIBLE) X(OPERATIONAL) X(INCONSISTENT) \
    X(EVICTING) X(EVICTED) X(DELETED)

enum ukey_state {
#define UKEY_STATE_ENUM_(NAME) UKEY_##NAME,
    UKEY_STATES(UKEY_STATE_ENUM_)
#undef UKEY_STATE_ENUM_
    N_UKEY_STATES
};

/* Kinds of model thread. */
#define UK_THREAD_KINDS(X) X(MAIN) X(URCU) X(HANDLER) X(PMD) X(REVALIDATOR)

enum uk_thread_kind {
#define UK_THREAD_KIND_ENUM_(NAME) UK_THREAD_##NAME,
    UK_THREAD_KINDS(UK_THREAD_KIND_ENUM_)
#undef UK_THREAD_KIND_ENUM_
    N_UK_THREAD_KINDS
};

/* Event types.  The second column is the tracepoint name (provider "ukey").
 * Fields used by each type (others are zero):
 *
 *   thread_start  kind=uk_thread_kind, name=thread name, pmd_id
 *   flow          ufid, pmd_id, name=flow name (a flow declared by a scenario)
 *   traffic       ufid, pmd_id, value=packets, result=uk_path
 *   upcall        ufid, pmd_id, value=packets (a miss upcall received)
 *   create        ukey_id, ufid, pmd_id, umap, kind=uk_create_origin
 *   transition    ukey_id, ufid, from, to, result=uk_transition_result, where
 *   lock/trylock/unlock
 *                 kind=uk_lock_target, umap (UMAP) or ukey_id (UKEY),
 *                 result=0 or EBUSY (trylock), where
 *   umap_lookup   ufid, pmd_id, umap, ukey_id=found ukey or 0
 *   umap_insert   ukey_id, ufid, umap
 *   umap_replace  ukey_id=old, ukey2_id=new, ufid, umap
 *   umap_remove   ukey_id, ufid, umap, result=0 or ENOENT (not in the map)
 *   rcu_postpone  ukey_id, ufid
 *   rcu_quiesce   (thread only)
 *   rcu_free      ukey_id, ufid (the deferred free ran: OVS T14)
 *   ukey_free     ukey_id, ufid, kind=uk_free_how (T15 or T16)
 *   dp_put        ukey_id, ufid, pmd_id, kind=uk_put_op, result=errno,
 *                 value=rules version of the actions put (0 in traces
 *                 older than rule_change); EXTERNAL: ukey_id 0
 *   dp_del        ukey_id, ufid, pmd_id, kind=uk_del_origin, result=errno,
 *                 value=packets returned with the deletion
 *   dp_dump       ufid, pmd_id, value=packets, kind=uk_dump_entry
 *   revalidate    ukey_id, ufid, kind=uk_reval_result, result=uk_del_reason
 *   stats_push    ukey_id, ufid, value=packets attributed to rules
 *   op_begin      kind=uk_op (a thread starts an operation), value=round
 *   op_end        kind=uk_op
 *   barrier       kind=uk_barrier_step, value=generation
 *   coverage      kind=uk_coverage, ukey_id (if any), ufid (if any)
 *   violation     kind=uk_violation_kind, result=uk_severity, ukey_id,
 *                 ufid, thread2=other thread, value=seq of the violating
 *                 event, value2=seq of the earlier evidence (0 if none),
 *                 name=one-line detail
 *   end           value=live ukeys left (a complete run has ended)
 *   rule_change   ufid, value=the flow's rules version after the change,
 *                 value2=reval_seq after it (udpif_revalidate(): the
 *                 OpenFlow tables changed; traces older than this event
 *                 have none)
 */
#define UK_EVENT_TYPES(X) \
    X(THREAD_START, thread_start) \
    X(FLOW, flow) \
    X(TRAFFIC, traffic) \
    X(UPCALL, upcall) \
    X(CREATE, create) \
    X(TRANSITION, transition) \
    X(LOCK, lock) \
    X(TRYLOCK, trylock) \
    X(UNLOCK, unlock) \
    X(UMAP_LOOKUP, umap_lookup) \
    X(UMAP_INSERT, umap_insert) \
    X(UMAP_REPLACE, umap_replace) \
    X(UMAP_REMOVE, umap_remove) \
    X(RCU_POSTPONE, rcu_postpone) \
    X(RCU_QUIESCE, rcu_quiesce) \
    X(RCU_FREE, rcu_free) \
    X(UKEY_FREE, ukey_free) \
    X(DP_PUT, dp_put) \
    X(DP_DEL, dp_del) \
    X(DP_DUMP, dp_dump) \
    X(REVALIDATE, revalidate) \
    X(STATS_PUSH, stats_push) \
    X(OP_BEGIN, op_begin) \
    X(OP_END, op_end) \
    X(BARRIER, barrier) \
    X(COVERAGE, coverage) \
    X(VIOLATION, violation) \
    X(END, end) \
    X(RULE_CHANGE, rule_change)

enum uk_event_type {
#define UK_EVENT_TYPE_ENUM_(NAME, TP) UK_EV_##NAME,
    UK_EVENT_TYPES(UK_EVENT_TYPE_ENUM_)
#undef UK_EVENT_TYPE_ENUM_
    N_UK_EVENT_TYPES
};

/* The event types from this one on came after the first traces were
 * recorded: a trace that declares none of them was recorded by an older
 * ukdb and is complete without them (its rules simply never see one). */
#define UK_EV_FIRST_ADDED UK_EV_RULE_CHANGE

/* Outcome of transition_ukey_at(), OVS's rule. */
#define UK_TRANSITION_RESULTS(X) \
    X(OK)      /* Allowed: the state changed. */ \
    X(NOOP)    /* OPERATIONAL -> OPERATIONAL: silently nothing. */ \
    X(WARN)    /* Forward but not allowed: state unchanged, warning. */ \
    X(ABORT)   /* Backward: OVS aborts; the model records and goes on. */

enum uk_transition_result {
#define UK_TR_ENUM_(NAME) UK_TR_##NAME,
    UK_TRANSITION_RESULTS(UK_TR_ENUM_)
#undef UK_TR_ENUM_
    N_UK_TRANSITION_RESULTS
};

#define UK_LOCK_TARGETS(X) X(UMAP) X(UKEY)

enum uk_lock_target {
#define UK_LOCK_TARGET_ENUM_(NAME) UK_LOCK_##NAME,
    UK_LOCK_TARGETS(UK_LOCK_TARGET_ENUM_)
#undef UK_LOCK_TARGET_ENUM_
    N_UK_LOCK_TARGETS
};

/* Where a packet went. */
#define UK_PATHS(X) X(FASTPATH) X(SLOWPATH)

enum uk_path {
#define UK_PATH_ENUM_(NAME) UK_PATH_##NAME,
    UK_PATHS(UK_PATH_ENUM_)
#undef UK_PATH_ENUM_
    N_UK_PATHS
};

/* Who created a ukey: ukey_create_from_upcall() or
 * ukey_create_from_dpif_flow(). */
#define UK_CREATE_ORIGINS(X) X(UPCALL) X(DPIF_FLOW)

enum uk_create_origin {
#define UK_CREATE_ORIGIN_ENUM_(NAME) UK_CREATE_##NAME,
    UK_CREATE_ORIGINS(UK_CREATE_ORIGIN_ENUM_)
#undef UK_CREATE_ORIGIN_ENUM_
    N_UK_CREATE_ORIGINS
};

/* How a ukey was freed without RCU. */
#define UK_FREE_HOWS(X) \
    X(UNPUBLISHED) /* T15: never published (install failed). */ \
    X(DESTROY)     /* T16: udpif_destroy() with threads stopped. */

enum uk_free_how {
#define UK_FREE_HOW_ENUM_(NAME) UK_FREE_##NAME,
    UK_FREE_HOWS(UK_FREE_HOW_ENUM_)
#undef UK_FREE_HOW_ENUM_
    N_UK_FREE_HOWS
};

/* EXTERNAL: a flow put under OVS's feet, with no ukey (dpctl/add-flow,
 * or left in the datapath by the ovs-vswitchd before a restart). */
#define UK_PUT_OPS(X) X(CREATE) X(MODIFY) X(EXTERNAL)

enum uk_put_op {
#define UK_PUT_OP_ENUM_(NAME) UK_PUT_##NAME,
    UK_PUT_OPS(UK_PUT_OP_ENUM_)
#undef UK_PUT_OP_ENUM_
    N_UK_PUT_OPS
};

/* Who deleted a datapath flow. */
#define UK_DEL_ORIGINS(X) \
    X(REVALIDATOR) /* push_dp_ops() of a revalidator or the main thread. */ \
    X(EXTERNAL)    /* Under OVS's feet: dpctl/del-flows. */ \
    X(FLUSH)       /* dpif_flow_flush(). */

enum uk_del_origin {
#define UK_DEL_ORIGIN_ENUM_(NAME) UK_DEL_##NAME,
    UK_DEL_ORIGINS(UK_DEL_ORIGIN_ENUM_)
#undef UK_DEL_ORIGIN_ENUM_
    N_UK_DEL_ORIGINS
};

#define UK_DUMP_ENTRIES(X) X(FRESH) X(DUPLICATE)

enum uk_dump_entry {
#define UK_DUMP_ENTRY_ENUM_(NAME) UK_DUMP_##NAME,
    UK_DUMP_ENTRIES(UK_DUMP_ENTRY_ENUM_)
#undef UK_DUMP_ENTRY_ENUM_
    N_UK_DUMP_ENTRIES
};

/* OVS's 'enum reval_result'. */
#define UK_REVAL_RESULTS(X) X(KEEP) X(DELETE) X(MODIFY)

enum uk_reval_result {
#define UK_REVAL_ENUM_(NAME) UK_REVAL_##NAME,
    UK_REVAL_RESULTS(UK_REVAL_ENUM_)
#undef UK_REVAL_ENUM_
    N_UK_REVAL_RESULTS
};

/* OVS's 'enum flow_del_reason' (86b9e653e, 180ab2fd6). */
#define UK_DEL_REASONS(X) \
    X(NONE) X(AVOID_CACHING) X(BAD_ODP_FIT) X(FLOW_IDLE) X(FLOW_LIMIT) \
    X(FLOW_WILDCARDED) X(NO_OFPROTO) X(PURGE) X(TOO_EXPENSIVE) \
    X(UPDATE_FAIL) X(XLATION_ERROR) X(FLOW_MISSING_DP)

enum uk_del_reason {
#define UK_DEL_REASON_ENUM_(NAME) UK_FDR_##NAME,
    UK_DEL_REASONS(UK_DEL_REASON_ENUM_)
#undef UK_DEL_REASON_ENUM_
    N_UK_DEL_REASONS
};

/* Operations a thread runs, bracketed by op_begin/op_end. */
#define UK_OPS(X) \
    X(UPCALL_BATCH) /* Handler: recv_upcalls() + handle_upcalls(). */ \
    X(UPCALL_CB)    /* PMD: upcall_cb() for one packet. */ \
    X(ROUND)        /* Revalidator: one udpif_revalidator() round. */ \
    X(DUMP)         /* Revalidator: revalidate(). */ \
    X(SWEEP)        /* Revalidator: revalidator_sweep(). */ \
    X(PURGE)        /* Main: revalidator/purge. */ \
    X(DP_PURGE)     /* Main: dp_purge_cb() for a deleted PMD. */ \
    X(FLUSH)        /* Main: udpif_flush(). */ \
    X(DESTROY)      /* Main: udpif_destroy(). */

enum uk_op {
#define UK_OP_ENUM_(NAME) UK_OP_##NAME,
    UK_OPS(UK_OP_ENUM_)
#undef UK_OP_ENUM_
    N_UK_OPS
};

#define UK_BARRIER_STEPS(X) X(ARRIVE) X(LEAVE)

enum uk_barrier_step {
#define UK_BARRIER_STEP_ENUM_(NAME) UK_BARRIER_##NAME,
    UK_BARRIER_STEPS(UK_BARRIER_STEP_ENUM_)
#undef UK_BARRIER_STEP_ENUM_
    N_UK_BARRIER_STEPS
};

/* OVS coverage counters of ofproto-dpif-upcall.c that the model keeps,
 * lower-case as in "coverage/show". */
#define UK_COVERAGES(X) \
    X(upcall_ukey_replace) \
    X(handler_duplicate_upcall) \
    X(ukey_replace_contention) \
    X(upcall_ukey_contention) \
    X(dumped_duplicate_flow) \
    X(dumped_new_flow) \
    X(dumped_inconsistent_flow) \
    X(revalidate_missed_dp_flow) \
    X(revalidate_missing_dp_flow) \
    X(upcall_flow_limit_hit) \
    X(upcall_flow_limit_kill) \
    X(ukey_conflict) \
    X(unexpected_ukey_state)

enum uk_coverage {
#define UK_COVERAGE_ENUM_(NAME) UK_COV_##NAME,
    UK_COVERAGES(UK_COVERAGE_ENUM_)
#undef UK_COVERAGE_ENUM_
    N_UK_COVERAGES
};

/* What the checker flags (shared/ovs-ukey-lifecycle.md §1.10). */
#define UK_VIOLATION_KINDS(X) \
    X(BACKWARD_TRANSITION, backward-transition) \
    X(INVALID_TRANSITION, invalid-transition) \
    X(DOUBLE_DELETE, double-delete) \
    X(USE_AFTER_DELETE, use-after-delete) \
    X(USE_AFTER_FREE, use-after-free) \
    X(DUPLICATE_UKEY, duplicate-ukey) \
    X(STATS_DOUBLE, stats-double) \
    X(LEAK, leak) \
    X(STUCK_UKEY, stuck-ukey) \
    X(SLOWPATH, slowpath) \
    X(DP_FLOW_WITHOUT_UKEY, dp-flow-without-ukey) \
    X(STALE_ACTIONS, stale-actions)

enum uk_violation_kind {
#define UK_VIOLATION_ENUM_(NAME, TEXT) UK_VIOL_##NAME,
    UK_VIOLATION_KINDS(UK_VIOLATION_ENUM_)
#undef UK_VIOLATION_ENUM_
    N_UK_VIOLATION_KINDS
};

#define UK_SEVERITIES(X) X(WARNING) X(ERROR)

enum uk_severity {
#define UK_SEVERITY_ENUM_(NAME) UK_SEV_##NAME,
    UK_SEVERITIES(UK_SEVERITY_ENUM_)
#undef UK_SEVERITY_ENUM_
    N_UK_SEVERITIES
};

/* ==== The event ==== */

/* One event.  Plain data: 'where' and 'name' point to strings that outlive
 * the event (static strings in the model, interned strings in the plugin).
 * Which fields each type uses is listed above UK_EVENT_TYPES. */
struct ukey_event {
    uint64_t seq;               /* Global sequence number, from 1. */
    uint64_t ts;                /* Nanoseconds (traces); 0 in the model. */
    uint64_t ukey_id;           /* 0 = none.  Ids start at 1, never reused. */
    uint64_t ukey2_id;          /* umap_replace: the new ukey. */
    uint64_t ufid;              /* Flow identity (0 = none). */
    uint64_t value;             /* Packets, generation, round, seq... */
    uint64_t value2;
    const char *where;          /* "core/handler.c:212" or NULL. */
    const char *name;           /* Thread/flow name, detail, or NULL. */
    uint32_t thread_id;         /* Model thread that acted. */
    uint32_t thread2;           /* violation: the other thread. */
    uint32_t pmd_id;
    int32_t umap;               /* Shard index, -1 = none. */
    int32_t kind;               /* Type-specific enumeration. */
    int32_t result;             /* errno or type-specific enumeration. */
    uint16_t type;              /* enum uk_event_type. */
    uint8_t from, to;           /* enum ukey_state, for transition. */
};

/* ==== Names ==== */

/* Each returns a static name ("VISIBLE", "transition", "double-delete"...),
 * or "?" for an out-of-range value.  Thread-safe. */
const char *ukey_state_name(int);
const char *uk_thread_kind_name(int);
const char *uk_event_type_name(int);
const char *uk_transition_result_name(int);

/* What a transition's line says of its result: "" when accepted, else
 * " (no-op)", " (REJECTED: not allowed)" or " (BACKWARD: OVS aborts)". */
const char *uk_transition_note(int result);
const char *uk_lock_target_name(int);
const char *uk_path_name(int);
const char *uk_create_origin_name(int);
const char *uk_free_how_name(int);
const char *uk_put_op_name(int);
const char *uk_del_origin_name(int);
const char *uk_dump_entry_name(int);
const char *uk_reval_result_name(int);
const char *uk_del_reason_name(int);
const char *uk_op_name(int);
const char *uk_barrier_step_name(int);
const char *uk_coverage_name(int);
const char *uk_violation_kind_name(int);
const char *uk_severity_name(int);

/* The message 'detail' of a violation of 'kind' without the words that
 * restate the kind at its start ("double delete: ukey 1 ..." of a
 * double-delete is "ukey 1 ..."), for a line that already names the kind;
 * 'detail' itself if it does not begin so (NULL: "").  The message a
 * violation event carries keeps those words: it stands alone. */
const char *uk_violation_detail(int kind, const char *detail);

/* "ok", "ENOENT", "EBUSY"... for the errno values the model uses; NULL
 * for any other ("dp fail" takes numbers too: callers print the number). */
const char *uk_errno_name(int error);

/* 'error' as "dp fail" takes it: its name ("EFBIG"), or its number ("42",
 * written in 'buf') when it has none. */
const char *uk_errno_arg(int error, char *buf, size_t size);

/* Looks 'name' up (case-insensitively) in the corresponding list.  Returns
 * the value, or -1 if there is no such name. */
int ukey_state_from_name(const char *name);
int uk_event_type_from_name(const char *name);
int uk_violation_kind_from_name(const char *name);
int uk_coverage_from_name(const char *name);

/* Name of 'e->kind' (and 'e->result' where it is an enumeration) for
 * 'e->type', or NULL when the kind carries no enumeration. */
const char *uk_event_kind_name(const struct ukey_event *e);

/* Appends a one-line human description of 'e' (without seq or thread) to
 * 'buf' of 'size' bytes, always NUL terminated.  Returns the length it
 * would have had (snprintf semantics). */
int uk_event_format(const struct ukey_event *e, char *buf, size_t size);

/* The fields each event type carries (in traces: its payload, after 'seq'
 * and 'thread_id'), as a bit mask of UK_F_*.  tracepoints/provider records
 * exactly these; the round-trip tests hold it to that. */
#define UK_F_UKEY_ID  (1u << 0)
#define UK_F_UKEY2_ID (1u << 1)
#define UK_F_UFID     (1u << 2)
#define UK_F_VALUE    (1u << 3)
#define UK_F_VALUE2   (1u << 4)
#define UK_F_THREAD2  (1u << 5)
#define UK_F_PMD_ID   (1u << 6)
#define UK_F_UMAP     (1u << 7)
#define UK_F_KIND     (1u << 8)
#define UK_F_RESULT   (1u << 9)
#define UK_F_FROM_TO  (1u << 10)
#define UK_F_WHERE    (1u << 11)
#define UK_F_NAME     (1u << 12)
unsigned int uk_event_fields(int type);

/* Formats 'seq', 'thread_id', the type and the fields the type carries
 * (uk_event_fields()) of 'e' as one canonical line
 * ("seq=12 thread=3 type=transition ukey=1 ufid=... where=core/x.c:9"),
 * the same whether 'e' came from the model or was decoded from a trace: the
 * record tests compare the two streams with it.  Returns as snprintf. */
int uk_event_format_canonical(const struct ukey_event *e, char *buf,
                              size_t size);

/* Whether 'e' belongs in the history of ukey 'ukey_id' (if nonzero) or
 * of the flow 'ufid': its creation, transitions, umap and datapath
 * operations, revalidation, frees, violations, upcalls and traffic. */
bool uk_event_in_history(const struct ukey_event *e, uint64_t ukey_id,
                         uint64_t ufid);

/* ==== Observers ==== */

/* Called for each event, in 'seq' order (but see event_bus_add_concurrent()),
 * on the emitting thread.  Must not
 * call event_emit() itself: use event_emit_deferred(). */
typedef void uk_event_observer_fn(const struct ukey_event *, void *aux);

struct uk_event_bus;

/* A bus delivers events to its observers in registration order and numbers
 * them.  One bus per model instance.  Not thread-safe by itself: in
 * free-running mode the caller serialises emission (see event_bus_lock). */
struct uk_event_bus *event_bus_create(void);
void event_bus_destroy(struct uk_event_bus *);

/* Whether an observer wants events of 'type' (enum uk_event_type) now.
 * Must be cheap and thread-safe; may change its answer over time (a tracing
 * session starting), in which case the observer misses the events emitted
 * before it said yes. */
typedef bool uk_event_filter_fn(int type);

/* A filter given as the words that hold its answers: the observer wants
 * events of 'type' while '*word[type]' is nonzero (a NULL entry: never).
 * The words may change at any time (LTTng-UST's tracepoint states, which
 * a session enables when it starts); the bus reads them on every event,
 * inline (event_bus_quiet()), where a filter function is an indirect call
 * per event and observer. */
struct uk_event_words {
    const int *word[N_UK_EVENT_TYPES];
};

/* Adds or removes an observer.  At most 16 per bus.  Returns 0 or ENOSPC.
 * event_bus_add_filtered() adds one that sees only the events that 'filter'
 * wants (NULL: every event): in threaded mode an event that no observer
 * wants costs neither the bus lock nor a number.  Observers are added
 * before the bus is used by several threads, and not removed while it is. */
int event_bus_add(struct uk_event_bus *, uk_event_observer_fn *, void *aux);
int event_bus_add_filtered(struct uk_event_bus *, uk_event_observer_fn *,
                           uk_event_filter_fn *filter, void *aux);
void event_bus_remove(struct uk_event_bus *, uk_event_observer_fn *,
                      void *aux);

/* Adds a concurrent observer: one that may be called by several threads at
 * once and never calls event_emit_deferred(), such as the tracepoint
 * observer (LTTng-UST's ring buffers are per CPU and lock-free).  In
 * threaded mode, an event that only concurrent observers want takes one
 * atomic add for its 'seq' and no bus lock: emitting threads no longer
 * wait for each other.  The price: two such events of different threads
 * may be delivered in the other order than their 'seq' (never two events
 * ordered by a model mutex, a thread's own events, or anything else that
 * orders their emission).  An event that a serial observer wants is
 * numbered and delivered to the serial observers under the bus lock, then
 * to the concurrent ones after it. */
int event_bus_add_concurrent(struct uk_event_bus *, uk_event_observer_fn *,
                             uk_event_filter_fn *filter, void *aux);

/* event_bus_add_concurrent() with its filter as words ('words' must
 * outlive the bus; NULL: every event). */
int event_bus_add_concurrent_words(struct uk_event_bus *,
                                   uk_event_observer_fn *,
                                   const struct uk_event_words *words,
                                   void *aux);

/* The head of every bus: what event_bus_quiet() reads.  Kept by the bus as
 * observers are added and removed and as it goes threaded; not to be
 * written by anybody else. */
#define UK_BUS_MAX_WORDS 4
struct uk_event_bus_head {
    bool threaded;              /* event_bus_set_threaded(). */
    bool ask;                   /* Some observer has a filter function or
                                 * none: only event_emit() can tell. */
    int n_words;                /* Observers filtered by words, */
    const struct uk_event_words *words[UK_BUS_MAX_WORDS];   /* theirs. */
};

/* Whether event_emit() of an event of 'type' would neither number nor
 * deliver it, because the bus is threaded and no observer wants it now:
 * the emitter may then skip building the event and count it instead (as
 * event_emit() returning 0 is counted).  Only a bus whose observers are
 * all filtered by words can tell it this cheaply (a load per observer);
 * any other says false and leaves it to event_emit().  As with a filter
 * function, an observer that starts wanting 'type' right after this sees
 * the events from the next one on. */
static inline bool
event_bus_quiet(const struct uk_event_bus *bus, int type)
{
    const struct uk_event_bus_head *h = (const struct uk_event_bus_head *) bus;
    if (!h->threaded || h->ask || (unsigned int) type >= N_UK_EVENT_TYPES) {
        return false;
    }
    for (int i = 0; i < h->n_words; i++) {
        const int *w = h->words[i]->word[type];
        if (w && __atomic_load_n(w, __ATOMIC_RELAXED)) {
            return false;
        }
    }
    return true;
}

/* Numbers 'e' (sets e->seq) and delivers it.  Events emitted with
 * event_emit_deferred() by observers during the delivery are delivered
 * right after it, numbered in order.  Returns the seq given to 'e': in
 * threaded mode, 0 for an event that no observer wants, which is neither
 * numbered nor delivered. */
uint64_t event_emit(struct uk_event_bus *, struct ukey_event *e);
void event_emit_deferred(struct uk_event_bus *, const struct ukey_event *);

/* Seq the next delivered event will get. */
uint64_t event_bus_next_seq(const struct uk_event_bus *);

/* Serialises event_emit() when several OS threads emit (free-running mode);
 * a no-op until enabled.  Keeps 'seq' order equal to delivery order for
 * serial observers: an event one of them wants is numbered and delivered
 * under the bus lock (concurrent observers: see above).  An event
 * that no observer wants costs no lock and no shared write: it is not
 * numbered (see event_emit()), so that 'seq' counts the delivered events
 * (the caller counts the others, as freerun.c does). */
void event_bus_set_threaded(struct uk_event_bus *, bool);

/* In threaded mode, gives the serial observers a thread of their own
 * (core/event.c, "The serial observers' thread"): emitting threads no
 * longer wait for them, nor for each other, and they see every event in
 * 'seq' order a little later.  Observers are all added before.  The thread
 * stops in event_bus_destroy().  Returns 0 or the errno of
 * pthread_create(); on error the bus goes on as before. */
int event_bus_start_async(struct uk_event_bus *);

/* Waits until the serial observers' thread delivered every event numbered
 * so far, and the events they deferred.  Call when no thread emits any
 * more, before reading what serial observers keep. */
void event_bus_drain(struct uk_event_bus *);

#endif /* UKDB_CORE_EVENT_H */
