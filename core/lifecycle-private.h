/* SPDX-License-Identifier: Apache-2.0 */
/* Internals shared by the files of the lifecycle fold (core/lifecycle.c,
 * lifecycle-records.c, lifecycle-flow.c, lifecycle-rules.c,
 * lifecycle-stale.c, lifecycle-report.c, lifecycle-run.c): the records,
 * the fold's state, and the functions one file calls in another.  Like
 * the fold, everything here is used by one thread at a time. */
#ifndef UKDB_CORE_LIFECYCLE_PRIVATE_H
#define UKDB_CORE_LIFECYCLE_PRIVATE_H 1

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "lifecycle.h"
#include "util.h"

#define LC_ONCE_KINDS ((1u << UK_VIOL_DOUBLE_DELETE)            \
                       | (1u << UK_VIOL_USE_AFTER_DELETE)       \
                       | (1u << UK_VIOL_USE_AFTER_FREE)         \
                       | (1u << UK_VIOL_DUPLICATE_UKEY)         \
                       | (1u << UK_VIOL_STATS_DOUBLE)           \
                       | (1u << UK_VIOL_LEAK)                   \
                       | (1u << UK_VIOL_STUCK_UKEY))
#define LC_MAX_THREADS 65536    /* Thread ids tracked by name and round. */
#define LC_FREE_CACHE 4096      /* Free evidence kept for recent frees. */
#define LC_NO_FLOW UINT32_MAX
#define LC_CHUNK_UKEYS 256      /* Records allocated at a time. */
#define LC_LISTED_FILTER_BITS 65536
/* A sweep of the flow records when they reach LC_FLOW_SWEEP_GROWTH times
 * those kept by the last one, and at least LC_FLOW_SWEEP_MIN.  (Both 0:
 * a sweep at every new record, to test that retiring changes nothing.) */
#ifndef LC_FLOW_SWEEP_MIN
#define LC_FLOW_SWEEP_MIN 64
#endif
/* Words the freed-ids bitmap may span (64 M ids, 8 MiB): a freed id
 * farther above the lowest one not freed goes to a map. */
#define LC_FB_MAX_WORDS (1u << 20)
/* A thread start of seq 1 to 3 once seqs passed this starts another run
 * even without the 'end' of the previous one (killed, or its end lost):
 * far above how much two CPUs' streams may disorder a run's first events. */
#define LC_RUN_RESTART_SEQ 1000
#ifndef LC_FLOW_SWEEP_GROWTH
#define LC_FLOW_SWEEP_GROWTH 2
#endif

/* ==== Records ==== */

/* Why a ukey's verdict cannot be PASS even without an error. */
enum lc_doubt {
    LC_SURE,
    LC_MID_LIFE,                /* Its 'create' was not seen. */
    LC_LOST,                    /* Events were lost while it was live. */
};

/* A live (not yet freed) ukey.  Owned by 'struct lifecycle'; recycled
 * through its free list after the ukey is freed.  Like the whole fold, used
 * by one thread at a time.
 *
 * What most events of a ukey touch comes first, in two cache lines (the
 * records are line-aligned: lc_ukey_alloc()), the rest after: in a load's
 * trace, most events are about ukeys that thousands of others were about
 * since, each a cache miss per line of its record. */
struct lc_ukey {
    uint64_t id, ufid;          /* From its create or first event. */
    uint32_t pmd_id;
    uint32_t run;               /* The input's run it was first seen in,
                                 * from 1. */
    uint32_t flow;              /* Index in 'lc->flows', or LC_NO_FLOW. */
    int32_t umap;
    uint8_t state;              /* enum ukey_state, from OK transitions. */
    uint8_t doubt;              /* enum lc_doubt. */
    bool created_seen;          /* Its 'create' is in the input. */
    bool pmd_known;             /* 'pmd_id' came from an event. */
    bool state_known;           /* 'state' is not a guess. */
    bool in_map;                /* Inserted or replaced-in, not out. */
    bool removed;               /* umap_remove or replaced out seen. */
    bool replaced_out;          /* That removal was a umap_replace. */
    bool postponed;             /* rcu_postpone seen. */
    bool deleted;               /* Removed, postponed or DELETED. */
    bool del_by_purge;          /* ...by a thread in a purge or flush. */
    bool failed;                /* An ERROR names it. */
    uint8_t del_type;           /* Event type of 'del_ev'. */
    bool put_ok;                /* A dp_put of it succeeded. */
    uint8_t moved_to;           /* State 'moved_ev' took it to. */
    uint8_t put_failed_error;   /* errno of 'put_failed_ev' (Linux's all
                                 * fit in a byte). */
    uint32_t reported;          /* Bit per kind in LC_ONCE_KINDS. */
    uint32_t lock_holder;       /* Thread id + 1, or 0. */
    uint64_t tr_round;          /* 'lc->n_swept' at its last transition. */
    struct lifecycle_evidence last_ev;      /* Latest event naming it. */
    struct lifecycle_evidence tr_ev;        /* Latest transition. */

    uint64_t busy_round;        /* 'lc->n_swept' when a trylock of it last
                                 * failed: someone was busy with it
                                 * (fairness). */
    struct lifecycle_evidence first_ev;     /* First event naming it. */
    struct lifecycle_evidence insert_ev;    /* Insert or replace-in. */
    struct lifecycle_evidence remove_ev;    /* umap_remove / replace-out. */
    struct lifecycle_evidence postpone_ev;  /* rcu_postpone. */
    struct lifecycle_evidence deleted_ev;   /* Transition to DELETED. */
    struct lifecycle_evidence del_ev;       /* First of the three above. */
    enum uk_violation_kind rule;        /* Of the first ERROR. */
    const char *explanation;    /* (owned by 'lc->arena') Of that ERROR. */
    struct lifecycle_evidence fail_ev[2];   /* Of that ERROR. */
    struct lifecycle_step *steps;   /* (owned) Only with 'keep_steps'. */
    size_t n_steps, allocated_steps;
    char *expl;                 /* (owned) 'explanation' with
                                 * 'transient_details', kept for reuse. */
    struct lc_ukey *next_free;  /* On 'lc->free_ukeys'. */

    /* The window of handle_upcalls() between its put and its transition,
     * for the explanation of what a handler does there too late
     * (lc_race_cause()).  Written only in that race, or when a put fails:
     * a cache line of their own. */
    struct lifecycle_evidence put_failed_ev;    /* Its latest dp_put CREATE
                                                 * that failed, or seq 0. */
    struct lifecycle_evidence moved_ev; /* Its first OK transition out of
                                         * VISIBLE by a thread other than
                                         * the one that made it VISIBLE,
                                         * before any put of it succeeded;
                                         * or seq 0. */
};

/* A flow instance (ufid, pmd_id).  Kept while it can matter: a sweep
 * retires the records that no live ukey refers to, with no ukey in a umap,
 * no datapath flow and no open slowpath window (see lc_flow_sweep()), and
 * recycles their slots.
 *
 * The fields a lookup, a packet of traffic, an upcall and a umap change
 * touch come first, within 128 bytes: in a load's trace, most events are
 * about flows that thousands of others were about since, each a cache
 * miss per line of its record. */
struct lc_flow {
    uint64_t ufid;              /* Identity. */
    uint32_t pmd_id;
    bool retired;               /* Slot on 'lc->free_flows'. */
    bool in_round;              /* On 'lc->touched' this round. */
    bool slow_in_round, fast_in_round;  /* Traffic seen this round. */
    bool window_open;           /* Slowpathed since 'window_ev'. */
    bool window_reported;       /* SLOWPATH reported for this window. */
    bool miss_handled;          /* An upcall of the flow since the window
                                 * opened or its run last grew. */
    bool dp_present;            /* Datapath flow installed. */
    bool presence_unsure;       /* Lost events may hide a dp_put/dp_del. */
    bool unsure;                /* Events were lost while it existed. */
    bool stats_reported;        /* STATS_DOUBLE reported. */
    uint64_t slow_rounds;       /* Slowpath-only rounds in a row. */
    uint64_t upcalls, slow_packets, fast_packets;   /* Measured figures. */
    uint64_t attributed;        /* Upcalled + pushed packets. */
    struct lifecycle_evidence fast_ev;      /* Latest fastpath traffic. */
    uint64_t map_ukey;          /* Ukey in a umap for it, or 0. */
    uint64_t pushed;            /* Sum of stats_push. */
    uint64_t window_round, window_ts;   /* Start of the open window. */

    uint64_t windows, longest_rounds, longest_ns;   /* Slowpath windows. */
    struct lifecycle_evidence window_ev;    /* Traffic that opened it. */
    uint64_t refused_seq;       /* The latest put of it that failed while
                                 * the window was open (the slowpath run
                                 * counts from there), or 0. */
    uint32_t mark;              /* 'lc->sweep_gen' if a live ukey uses it. */
    uint32_t next_free;         /* Next on 'lc->free_flows' if retired. */
    uint64_t order;             /* Rank of its first appearance. */
    uint64_t absent_round;      /* 'lc->n_swept' when the dp flow left. */
    struct lifecycle_evidence absent_ev;    /* dp_del that removed it. */
    struct lifecycle_evidence present_ev;   /* dp_put that created it. */
    struct lifecycle_evidence del_failed_ev;    /* dp_del that failed and
                                                 * left it, or seq 0. */
    uint64_t del_failed_ukey;   /* The ukey that dp_del was for. */
    uint64_t mapped_seq;        /* The latest umap insert of a ukey for
                                 * it (a dump's adoption, after a failed
                                 * dp_del), or 0. */
    /* Stale actions (core/lifecycle-stale.c). */
    uint64_t dp_rules;          /* Rules version of the datapath flow's
                                 * actions (its latest dp_put). */
    uint64_t dp_instance;       /* Puts that created it, so far. */
    uint64_t dp_owner;          /* The ukey whose actions it holds: whose
                                 * put created or modified it, or that
                                 * adopted it; 0 if none. */
    uint64_t stale_excused;     /* Input index + 1 of the latest event
                                 * that excuses a round, or 0. */
    uint64_t stale_reported_instance, stale_reported_rules;
};

/* The figures of a flow retired, or still known, for the end report. */
struct lc_listed {
    uint64_t order;             /* Rank of its first appearance. */
    struct lifecycle_flow fig;  /* 'flow_name' unset. */
};

/* A slot of 'lc->listed_index': the key is there too, to probe the
 * table without touching the entries (most lookups miss once it is
 * full). */
struct lc_listed_slot {
    uint64_t ufid;
    uint32_t pmd_id;
    uint32_t index;             /* In 'lc->listed', + 1; 0 = empty. */
};

/* Open-addressing map from a nonzero u64 to a pointer, linear probing,
 * deletion by backward shift. */
struct lc_slot {
    uint64_t key;               /* 0 = empty. */
    void *value;
};

struct lc_map {
    struct lc_slot *slots;
    size_t mask;                /* Capacity - 1 (capacity a power of 2). */
    size_t n;
};

struct lc_thread {
    const char *name;           /* (owned by 'lc->arena') Or NULL. */
    uint64_t round;             /* Value of its last op_begin ROUND. */
    unsigned int n_open;        /* op_begin not yet ended (nested), but
                                 * a ROUND's: a revalidator is inside
                                 * one all its life.  0 again at each
                                 * outermost op_begin or op_end. */
    bool ops_unseen;            /* It may be inside an operation whose
                                 * op_begin the input lacks (lost, or
                                 * before the input began): until an
                                 * outermost op_begin or op_end shows
                                 * where it is. */
    bool purging;               /* Inside a purge or a flush: set and
                                 * cleared, like 'n_open', at each
                                 * outermost op_begin and op_end (a
                                 * purge runs inside no other), so that
                                 * a lost op_end leaves it set only
                                 * until the thread's next one. */
    uint64_t last_seq;          /* Of its last event in this run. */
    uint64_t round_begin;       /* Input index + 1 of its op_begin ROUND. */
    unsigned int round_phases;  /* Bit per UK_OP_DUMP/SWEEP begun since
                                 * (stale actions, and lc_round_end()). */
};

/* A recent free, for the evidence of a use after free. */
struct lc_free_entry {
    uint64_t id;                /* 0 = empty. */
    struct lifecycle_evidence ev;   /* The rcu_free or ukey_free. */
    bool uaf_reported;          /* A use after free was reported. */
};

/* Strings that live until lifecycle_destroy(): violation details, thread
 * and flow names. */
struct lc_arena_chunk {
    struct lc_arena_chunk *next;
    size_t used, size;          /* Bytes of 'data' used and allocated. */
    char data[];
};

/* The fold.  Owned by its creator, used by one thread at a time; everything
 * it points to is owned by it. */
struct lifecycle {
    struct lifecycle_options opts;      /* Defaults filled in. */
    struct lifecycle_callbacks cbs;

    struct lc_map ukeys;        /* Id -> struct lc_ukey *, live ones. */
    struct lc_ukey *free_ukeys; /* Records to reuse. */
    struct lc_ukey **chunks;    /* (owned) Blocks of records. */
    size_t n_chunks, allocated_chunks;

    struct lc_flow *flows;      /* (owned) Records, and retired slots. */
    size_t n_flows, allocated_flows;
    uint32_t *flow_index;       /* Open addressing: flow index + 1. */
    size_t flow_mask;
    size_t n_live_flows;        /* Slots of 'flows' not retired. */
    uint32_t free_flows;        /* Retired slots to reuse, or LC_NO_FLOW. */
    size_t flow_sweep_at;       /* Sweep when 'n_live_flows' reaches it. */
    uint32_t sweep_gen;
    uint64_t next_order;        /* Of the next flow record created. */

    /* Figures of retired flows: the first LIFECYCLE_MAX_FLOWS distinct
     * flows each (instances of one flow merged), the others summed. */
    struct lc_listed *listed;   /* (owned) */
    size_t n_listed, allocated_listed;
    struct lc_listed_slot *listed_index;    /* (owned) Open addressing. */
    size_t listed_mask;
    uint64_t *listed_filter;    /* (owned) LC_LISTED_FILTER_BITS bits, one
                                 * set per listed flow (by hash): most
                                 * lookups, once the list is full, end at
                                 * a clear bit, in a table that stays in
                                 * the cache. */
    uint64_t n_omitted;         /* Flow instances beyond those. */
    struct lifecycle_flow omitted;  /* Their figures summed. */
    uint32_t *touched;          /* Flows with traffic this round. */
    size_t n_touched, allocated_touched;

    struct lc_map names;        /* Ufid -> flow name (arena). */
    struct lc_map rules;        /* Ufid -> struct lc_rules (owned), the
                                 * flows whose rules changed. */
    struct lc_stale *stale;     /* (owned) Flows dumped stale, by round. */
    size_t n_stale, allocated_stale;
    uint64_t stale_excused;     /* Input index + 1 of the latest event that
                                 * excuses a round for every flow. */

    /* Freed ids: ids below 'fb_floor' are in 'old_freed'; ids in
     * ['fb_floor', 'fb_base') are all freed; from 'fb_base' up, one bit
     * each in 'fb_words[fb_head...]'. */
    bool fb_started;            /* Something was freed. */
    uint64_t min_id;            /* Lowest ukey id seen, 0 if none. */
    uint64_t fb_floor, fb_base;
    uint64_t *fb_words;
    size_t fb_head, fb_n, fb_allocated;
    struct lc_map old_freed;    /* Freed ids below 'fb_floor', and far
                                 * above the bitmap (n_far_freed). */
    size_t n_far_freed;
    struct lc_free_entry *free_cache;  /* LC_FREE_CACHE entries by id
                                        * modulo, allocated at the first
                                        * free (models that free nothing
                                        * stay cheap to build). */

    struct lc_thread *threads;  /* By thread id, up to LC_MAX_THREADS. */
    size_t n_threads;

    uint64_t n_rounds;          /* Rounds ended. */
    uint64_t n_swept;           /* ...but those that only dumped: the
                                 * stuck-ukey rule's clock. */
    uint64_t last_round;        /* Highest round number ended. */
    uint64_t last_ts;           /* Highest 'ts' fed. */
    struct lifecycle_evidence end_ev;   /* The 'end' event. */
    bool started;               /* The run's first event was fed. */
    uint64_t max_seq;           /* Highest 'seq' of the run. */
    uint64_t late_after;        /* lifecycle_late_after(). */
    struct lifecycle_head head; /* The run's first seqs (lc_starts_run()). */
    bool discard_seen;          /* lifecycle_discarded() was called. */
    uint64_t lost_until;        /* Latest end of a loss's time range
                                 * (UINT64_MAX: a loss with no time). */
    uint64_t n_open_losses;     /* lifecycle_discard_open(), not closed. */
    bool finished;              /* lifecycle_finish() was called. */
    struct lifecycle_summary sum;
    struct lc_arena_chunk *arena;   /* Newest chunk first. */
    char tname[2][32];          /* "thread N" when a thread has no name. */
    char buf[512];              /* Scratch for one detail line. */
};

/* ==== Hash map, strings, threads (core/lifecycle-records.c) ==== */

static inline size_t
lc_hash(uint64_t key)
{
    return (size_t) uk_mix64(key);
}

void lc_map_init(struct lc_map *, size_t capacity);

static inline void *
lc_map_get(const struct lc_map *m, uint64_t key)
{
    for (size_t i = lc_hash(key) & m->mask; ; i = (i + 1) & m->mask) {
        const struct lc_slot *s = &m->slots[i];
        if (s->key == key) {
            return s->value;
        } else if (!s->key) {
            return NULL;
        }
    }
}

void lc_map_put(struct lc_map *, uint64_t key, void *value);
void lc_map_remove(struct lc_map *, uint64_t key);

const char *lc_intern(struct lifecycle *, const char *s, size_t len);
struct lc_thread *lc_thread(struct lifecycle *, uint32_t id);

static inline const char *
lc_flow_name(const struct lifecycle *lc, uint64_t ufid)
{
    return ufid ? lc_map_get(&lc->names, ufid) : NULL;
}

/* Whether 'e', about to be fed, comes late: its seq is not above every
 * seq fed so far in the run (lifecycle.c, "Late events").  An event of seq
 * 0 has no place in the order: never late. */
static inline bool
lc_late(const struct lifecycle *lc, const struct ukey_event *e)
{
    return e->seq && e->seq <= lc->max_seq;
}

/* Whether the run was fed from its beginning (its first event has seq 1). */
static inline bool
lc_from_start(const struct lifecycle *lc)
{
    return lc->sum.first_seq <= 1;
}

/* ==== Freed ids and ukey records (core/lifecycle-records.c) ==== */

bool lc_is_freed(const struct lifecycle *, uint64_t id);
void lc_mark_freed(struct lifecycle *, uint64_t id);

void lc_ukey_drop(struct lifecycle *, struct lc_ukey *);

static inline struct lifecycle_evidence
lc_evidence(const struct ukey_event *e, uint64_t index)
{
    return (struct lifecycle_evidence) {
        .seq = e->seq, .index = index, .ts = e->ts,
        .thread_id = e->thread_id,
    };
}

void lc_ukey_set_flow(struct lifecycle *, struct lc_ukey *,
                      const struct ukey_event *, uint32_t pmd_id);

/* Whether 'e' falls within the time range of a loss reported so far.  A
 * loss is merged into the input at the beginning of its range, and the
 * other streams' events in that range come after it: a ukey created there
 * may have lost events as much as one live when the loss was reported (as
 * with LTTng's per-CPU buffers, where one CPU loses events while another
 * records the ukey's creation). */
static inline bool
lc_in_loss(const struct lifecycle *lc, uint64_t ts)
{
    return lc->discard_seen && (ts <= lc->lost_until || lc->n_open_losses);
}

struct lc_ukey *lc_ukey_get(struct lifecycle *, uint64_t id,
                            const struct ukey_event *, uint64_t index);

/* ==== Flows (core/lifecycle-flow.c) ==== */

void lc_flow_retire(struct lifecycle *, uint32_t k);
uint32_t lc_event_flow(struct lifecycle *, const struct ukey_event *,
                       uint32_t pmd_id);
uint32_t *lc_live_flows(const struct lifecycle *, size_t *n);
void lc_traffic(struct lifecycle *, const struct ukey_event *,
                const struct lifecycle_evidence *now);
void lc_dp_op(struct lifecycle *, const struct ukey_event *,
              const struct lifecycle_evidence *now);
void lc_upcall(struct lifecycle *, const struct ukey_event *);
void lc_round_end(struct lifecycle *, const struct ukey_event *,
                  const struct lifecycle_evidence *now);
/* Late event 'e' (lifecycle.c, "Late events") names a flow: its figures
 * count, and the flow becomes doubtful. */
void lc_flow_late(struct lifecycle *, const struct ukey_event *e);

/* ==== Stale actions (core/lifecycle-stale.c) ==== */

/* Each event the rule follows: a rule_change; a coverage event; a
 * datapath op on flow record 'k'; a revalidator's op_begin; a dp_dump; a
 * create; an event that excuses the round for flow 'k' (LC_NO_FLOW: every
 * flow); the end of round 'round'.  lc_stale_forget() at a new run. */
void lc_stale_rule_change(struct lifecycle *, const struct ukey_event *,
                          const struct lifecycle_evidence *now);
void lc_stale_coverage(struct lifecycle *, const struct ukey_event *,
                       const struct lifecycle_evidence *now);
void lc_stale_dp_op(struct lifecycle *, uint32_t k,
                    const struct ukey_event *,
                    const struct lifecycle_evidence *now);
void lc_stale_op_begin(struct lifecycle *, struct lc_thread *,
                       const struct ukey_event *,
                       const struct lifecycle_evidence *now);
void lc_stale_dump(struct lifecycle *, const struct ukey_event *,
                   const struct lifecycle_evidence *now);
void lc_stale_create(struct lifecycle *, const struct ukey_event *,
                     const struct lifecycle_evidence *now);
void lc_stale_excuse(struct lifecycle *, uint32_t k,
                     const struct lifecycle_evidence *now);
void lc_stale_round_end(struct lifecycle *, uint64_t round,
                        const struct lifecycle_evidence *now);
void lc_stale_forget(struct lifecycle *);
void lc_stale_destroy(struct lifecycle *);
size_t lc_stale_footprint(const struct lifecycle *);

/* ==== Reporting (core/lifecycle-report.c) ==== */

/* What a violation is about: 'u' (may be NULL) or just 'ukey_id'/'ufid'. */
struct lc_subject {
    struct lc_ukey *u;
    uint64_t ukey_id, ufid;
    uint32_t pmd_id;
};

int lc_format(char *buf, size_t size, const char *fmt, ...) UK_PRINTF(3, 4);
const char *lc_tname(struct lifecycle *, uint32_t id, int slot);
void lc_del_failed_cause(struct lifecycle *, const struct lc_flow *,
                         char *buf, size_t size, const char *what);
const char *lc_seq_str(char *buf, size_t size,
                       const struct lifecycle_evidence *);
void lc_report(struct lifecycle *, enum uk_violation_kind, enum uk_severity,
               const struct lc_subject *,
               const struct lifecycle_evidence *now,
               const struct lifecycle_evidence *earlier, const char *fmt,
               ...) UK_PRINTF(7, 8);
void lc_done(struct lifecycle *, struct lc_ukey *, bool freed,
             const struct lifecycle_evidence *now);

/* ==== Ukey rules (core/lifecycle-rules.c) ==== */

bool lc_op_purges(int op);
void lc_ukey_event(struct lifecycle *, uint64_t id, bool new_side,
                   const struct ukey_event *,
                   const struct lifecycle_evidence *now);
/* Late event 'e' (lifecycle.c, "Late events") names ukey 'id': as
 * lc_ukey_event(), judged against nothing newer than itself. */
void lc_late_ukey(struct lifecycle *, uint64_t id, const struct ukey_event *e,
                  const struct lifecycle_evidence *now);

/* ==== Losses and runs (core/lifecycle-run.c) ==== */

/* What a loss makes of flow 'f', and a late event about it: unsure, its
 * datapath flow's presence too, its slowpath run restarted. */
void lc_flow_doubt(struct lc_flow *f);
bool lc_starts_run(const struct lifecycle *, const struct ukey_event *);
void lc_new_run(struct lifecycle *, const struct ukey_event *);

#endif /* core/lifecycle-private.h */
