/* SPDX-License-Identifier: Apache-2.0 */
/* The lifecycle fold (see lifecycle.h): one pass over 'struct ukey_event's
 * that keeps a record per live ukey and per flow in use, checks the rules
 * of shared/ovs-ukey-lifecycle.md §1.10 as each event arrives, drops a
 * ukey's record as soon as it is freed, and retires a flow's record once
 * nothing depends on it (lc_flow_sweep()).  Lookups are open-addressing
 * hash tables (ukey id -> record, (ufid, pmd_id) -> flow); records are
 * recycled through free lists, so the steady state allocates nothing per
 * event.
 * Freed ids are one bit each in a bitmap whose fully-freed prefix is
 * dropped as it forms. */
#include "lifecycle.h"

#include <errno.h>
#include <inttypes.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

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
 * by one thread at a time. */
struct lc_ukey {
    uint64_t id, ufid;          /* From its create or first event. */
    uint32_t pmd_id;
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
    uint32_t reported;          /* Bit per kind in LC_ONCE_KINDS. */
    enum uk_violation_kind rule;        /* Of the first ERROR. */
    const char *explanation;    /* (owned by 'lc->arena') Of that ERROR. */
    struct lifecycle_evidence fail_ev[2];   /* Of that ERROR. */
    struct lifecycle_evidence first_ev;     /* First event naming it. */
    struct lifecycle_evidence last_ev;      /* Latest event naming it. */
    struct lifecycle_evidence tr_ev;        /* Latest transition. */
    uint32_t lock_holder;                   /* Thread id + 1, or 0. */
    uint64_t busy_round;                    /* Last round a trylock of it
                                             * failed: someone was busy
                                             * with it (fairness). */
    struct lifecycle_evidence insert_ev;    /* Insert or replace-in. */
    struct lifecycle_evidence remove_ev;    /* umap_remove / replace-out. */
    struct lifecycle_evidence postpone_ev;  /* rcu_postpone. */
    struct lifecycle_evidence deleted_ev;   /* Transition to DELETED. */
    struct lifecycle_evidence del_ev;       /* First of the three above. */
    uint64_t tr_round;          /* 'lc->n_rounds' at its last transition. */
    struct lifecycle_step *steps;   /* (owned) Only with 'keep_steps'. */
    size_t n_steps, allocated_steps;
    char *expl;                 /* (owned) 'explanation' with
                                 * 'transient_details', kept for reuse. */
    struct lc_ukey *next_free;  /* On 'lc->free_ukeys'. */
};

/* A flow instance (ufid, pmd_id).  Kept while it can matter: a sweep
 * retires the records that no live ukey refers to, with no ukey in a umap,
 * no datapath flow and no open slowpath window (see lc_flow_sweep()), and
 * recycles their slots. */
struct lc_flow {
    uint64_t ufid;              /* Identity. */
    uint32_t pmd_id;
    bool retired;               /* Slot on 'lc->free_flows'. */
    uint32_t mark;              /* 'lc->sweep_gen' if a live ukey uses it. */
    uint32_t next_free;         /* Next on 'lc->free_flows' if retired. */
    uint64_t order;             /* Rank of its first appearance. */
    bool dp_present;            /* Datapath flow installed. */
    bool presence_unsure;       /* Lost events may hide a dp_put/dp_del. */
    bool unsure;                /* Events were lost while it existed. */
    bool in_round;              /* On 'lc->touched' this round. */
    bool slow_in_round, fast_in_round;  /* Traffic seen this round. */
    bool window_open;           /* Slowpathed since 'window_ev'. */
    bool window_reported;       /* SLOWPATH reported for this window. */
    bool stats_reported;        /* STATS_DOUBLE reported. */
    uint64_t map_ukey;          /* Ukey in a umap for it, or 0. */
    uint64_t absent_round;      /* 'lc->n_rounds' when the dp flow left. */
    struct lifecycle_evidence absent_ev;    /* dp_del that removed it. */
    struct lifecycle_evidence fast_ev;      /* Latest fastpath traffic. */
    struct lifecycle_evidence present_ev;   /* dp_put that created it. */
    struct lifecycle_evidence del_failed_ev;    /* dp_del that failed and
                                                 * left it, or seq 0. */
    uint64_t del_failed_ukey;   /* The ukey that dp_del was for. */
    uint64_t upcalls, slow_packets, fast_packets;   /* Measured figures. */
    uint64_t pushed;            /* Sum of stats_push. */
    uint64_t attributed;        /* Upcalled + pushed packets. */
    uint64_t windows, longest_rounds, longest_ns;   /* Slowpath windows. */
    uint64_t window_round, window_ts;   /* Start of the open window. */
    uint64_t slow_rounds;       /* Slowpath-only rounds in a row. */
    struct lifecycle_evidence window_ev;    /* Traffic that opened it. */
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
    unsigned int n_open;        /* op_begin not yet ended (nested). */
    unsigned int n_purging;     /* ...of which purges and flushes. */
    uint64_t last_seq;          /* Of its last event in this run. */
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
    uint64_t last_round;        /* Highest round number ended. */
    uint64_t last_ts;           /* Highest 'ts' fed. */
    struct lifecycle_evidence end_ev;   /* The 'end' event. */
    bool started;               /* The run's first event was fed. */
    uint64_t max_seq;           /* Highest 'seq' of the run. */
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

const char *
lifecycle_verdict_name(int v)
{
    static const char *const names[] = {
#define LIFECYCLE_VERDICT_NAME_(NAME) #NAME,
        LIFECYCLE_VERDICTS(LIFECYCLE_VERDICT_NAME_)
#undef LIFECYCLE_VERDICT_NAME_
    };
    return v >= 0 && v < N_LIFECYCLE_VERDICTS ? names[v] : "?";
}

/* ==== Hash map ==== */

static size_t
lc_hash(uint64_t key)
{
    return (size_t) uk_mix64(key);
}

static void
lc_map_init(struct lc_map *m, size_t capacity)
{
    m->slots = uk_xcalloc(capacity, sizeof *m->slots);
    m->mask = capacity - 1;
    m->n = 0;
}

static void *
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

static void lc_map_put(struct lc_map *, uint64_t key, void *value);

static void
lc_map_expand(struct lc_map *m)
{
    struct lc_slot *old = m->slots;
    size_t n_old = m->mask + 1;

    lc_map_init(m, n_old * 2);
    for (size_t i = 0; i < n_old; i++) {
        if (old[i].key) {
            lc_map_put(m, old[i].key, old[i].value);
        }
    }
    free(old);
}

/* Inserts or replaces 'key'. */
static void
lc_map_put(struct lc_map *m, uint64_t key, void *value)
{
    if ((m->n + 1) * 2 > m->mask + 1) {
        lc_map_expand(m);
    }
    size_t i = lc_hash(key) & m->mask;
    while (m->slots[i].key && m->slots[i].key != key) {
        i = (i + 1) & m->mask;
    }
    if (!m->slots[i].key) {
        m->n++;
    }
    m->slots[i].key = key;
    m->slots[i].value = value;
}

static void
lc_map_remove(struct lc_map *m, uint64_t key)
{
    size_t i = lc_hash(key) & m->mask;
    while (m->slots[i].key != key) {
        if (!m->slots[i].key) {
            return;
        }
        i = (i + 1) & m->mask;
    }
    /* Backward shift: move up every later entry of the cluster that may
     * not stay behind the hole. */
    for (size_t j = (i + 1) & m->mask; m->slots[j].key;
         j = (j + 1) & m->mask) {
        size_t home = lc_hash(m->slots[j].key) & m->mask;
        if (((j - home) & m->mask) >= ((j - i) & m->mask)) {
            m->slots[i] = m->slots[j];
            i = j;
        }
    }
    m->slots[i].key = 0;
    m->slots[i].value = NULL;
    m->n--;
}

/* ==== Strings ==== */

/* Copies 'len' bytes of 's' into the arena, NUL terminated.  The copy lives
 * until lifecycle_destroy(). */
static const char *
lc_intern(struct lifecycle *lc, const char *s, size_t len)
{
    struct lc_arena_chunk *c = lc->arena;
    if (!c || c->size - c->used < len + 1) {
        size_t size = len + 1 > 16384 ? len + 1 : 16384;
        c = uk_xmalloc(sizeof *c + size);
        c->next = lc->arena;
        c->used = 0;
        c->size = size;
        lc->arena = c;
    }
    char *p = c->data + c->used;
    memcpy(p, s, len);
    p[len] = '\0';
    c->used += len + 1;
    return p;
}

/* vsnprintf() for the conversions of the fold's messages (%s, %u, %llu,
 * %%), several times faster than the C library's: a trace can have a
 * violation every few dozen events, and each PASS has an explanation.
 * Anything else falls back to vsnprintf(). */
static int lc_vformat(char *buf, size_t size, const char *fmt, va_list)
    UK_PRINTF(3, 0);

static int
lc_vformat(char *buf, size_t size, const char *fmt, va_list args)
{
    va_list copy;
    size_t n = 0;

    va_copy(copy, args);
    for (const char *p = fmt; *p; ) {
        char tmp[24];
        const char *s;
        size_t len;

        if (*p != '%') {
            const char *pct = strchr(p, '%');
            s = p;
            len = pct ? (size_t) (pct - p) : strlen(p);
            p += len;
        } else if (p[1] == '%') {
            s = "%";
            len = 1;
            p += 2;
        } else if (p[1] == 's') {
            s = va_arg(args, const char *);
            s = s ? s : "(null)";
            len = strlen(s);
            p += 2;
        } else if (p[1] == 'u' || (p[1] == 'l' && p[2] == 'l'
                                   && p[3] == 'u')) {
            unsigned long long v;
            if (p[1] == 'u') {
                v = va_arg(args, unsigned int);
                p += 2;
            } else {
                v = va_arg(args, unsigned long long);
                p += 4;
            }
            char *q = tmp + sizeof tmp;
            do {
                *--q = (char) ('0' + v % 10);
                v /= 10;
            } while (v);
            s = q;
            len = tmp + sizeof tmp - q;
        } else {
            int r = vsnprintf(buf, size, fmt, copy);
            va_end(copy);
            return r;
        }
        if (n < size) {
            size_t room = size - 1 - n;
            memcpy(buf + n, s, len < room ? len : room);
        }
        n += len;
    }
    if (size) {
        buf[n < size ? n : size - 1] = '\0';
    }
    va_end(copy);
    return n > INT_MAX ? INT_MAX : (int) n;
}

static int UK_PRINTF(3, 4)
lc_format(char *buf, size_t size, const char *fmt, ...)
{
    va_list args;
    va_start(args, fmt);
    int len = lc_vformat(buf, size, fmt, args);
    va_end(args);
    return len;
}

/* Name of thread 'id' for a message; 'slot' (0 or 1) picks the scratch
 * buffer used when the thread has no name. */
static const char *
lc_tname(struct lifecycle *lc, uint32_t id, int slot)
{
    const char *name = lifecycle_thread_name(lc, id);
    if (name) {
        return name;
    }
    snprintf(lc->tname[slot], sizeof lc->tname[slot], "thread %u", id);
    return lc->tname[slot];
}

static const char *
lc_flow_name(const struct lifecycle *lc, uint64_t ufid)
{
    return ufid ? lc_map_get(&lc->names, ufid) : NULL;
}

/* Whether the run was fed from its beginning (its first event has seq 1). */
static bool
lc_from_start(const struct lifecycle *lc)
{
    return lc->sum.first_seq <= 1;
}

static struct lc_thread *
lc_thread(struct lifecycle *lc, uint32_t id)
{
    if (id >= LC_MAX_THREADS) {
        return NULL;
    }
    if (id >= lc->n_threads) {
        size_t n = lc->n_threads ? lc->n_threads : 16;
        while (n <= id) {
            n *= 2;
        }
        lc->threads = uk_xrealloc(lc->threads, n * sizeof *lc->threads);
        memset(&lc->threads[lc->n_threads], 0,
               (n - lc->n_threads) * sizeof *lc->threads);
        lc->n_threads = n;
    }
    return &lc->threads[id];
}

/* ==== Freed ids ==== */

static bool
lc_is_freed(const struct lifecycle *lc, uint64_t id)
{
    if (!lc->fb_started || id < lc->fb_floor) {
        return lc_map_get(&lc->old_freed, id) != NULL;
    } else if (id < lc->fb_base) {
        return true;
    }
    uint64_t bit = id - lc->fb_base;
    uint64_t w = lc->fb_head + bit / 64;
    if (w < lc->fb_n && (lc->fb_words[w] >> (bit % 64)) & 1) {
        return true;
    }
    return lc->n_far_freed && lc_map_get(&lc->old_freed, id) != NULL;
}

static void
lc_mark_freed(struct lifecycle *lc, uint64_t id)
{
    if (!lc->fb_started) {
        /* Start the bitmap at the lowest id seen so far: only ids first
         * seen later and lower go to 'old_freed'. */
        uint64_t low = lc->min_id < id ? lc->min_id : id;
        lc->fb_started = true;
        lc->fb_floor = lc->fb_base = low;
    }
    if (id < lc->fb_floor) {
        lc_map_put(&lc->old_freed, id, (void *) 1);
        return;
    } else if (id < lc->fb_base) {
        return;
    }
    uint64_t bit = id - lc->fb_base;
    uint64_t w = lc->fb_head + bit / 64;
    if (bit / 64 >= LC_FB_MAX_WORDS) {
        /* Far above the lowest not freed (a corrupt trace, or ids not
         * dense): the bitmap would have to span the gap. */
        lc_map_put(&lc->old_freed, id, (void *) 1);
        lc->n_far_freed++;
        return;
    }
    if (w >= lc->fb_n) {
        lc->fb_words = uk_grow(lc->fb_words, &lc->fb_allocated, w + 1,
                               sizeof *lc->fb_words);
        memset(&lc->fb_words[lc->fb_n], 0,
               (w + 1 - lc->fb_n) * sizeof *lc->fb_words);
        lc->fb_n = w + 1;
    }
    lc->fb_words[w] |= UINT64_C(1) << (bit % 64);

    /* Drop the fully freed words at the front. */
    while (lc->fb_head < lc->fb_n
           && lc->fb_words[lc->fb_head] == UINT64_MAX) {
        lc->fb_head++;
        lc->fb_base += 64;
    }
    if (lc->fb_head >= 64 && lc->fb_head * 2 >= lc->fb_n) {
        memmove(lc->fb_words, &lc->fb_words[lc->fb_head],
                (lc->fb_n - lc->fb_head) * sizeof *lc->fb_words);
        lc->fb_n -= lc->fb_head;
        lc->fb_head = 0;
    }
}

/* ==== Flows ==== */

static size_t
lc_flow_hash(uint64_t ufid, uint32_t pmd_id)
{
    return (size_t) uk_mix64(ufid ^ ((uint64_t) pmd_id << 32 | pmd_id));
}

static void
lc_flow_rehash(struct lifecycle *lc)
{
    size_t capacity = (lc->flow_mask + 1) * 2;
    free(lc->flow_index);
    lc->flow_index = uk_xcalloc(capacity, sizeof *lc->flow_index);
    lc->flow_mask = capacity - 1;
    for (size_t k = 0; k < lc->n_flows; k++) {
        if (lc->flows[k].retired) {
            continue;
        }
        size_t i = lc_flow_hash(lc->flows[k].ufid, lc->flows[k].pmd_id);
        for (i &= lc->flow_mask; lc->flow_index[i];
             i = (i + 1) & lc->flow_mask) {
            continue;
        }
        lc->flow_index[i] = k + 1;
    }
}

/* The figures of flow record 'f', as the report shows them. */
static struct lifecycle_flow
lc_flow_figures(const struct lifecycle *lc, const struct lc_flow *f)
{
    struct lifecycle_flow out = {
        .ufid = f->ufid,
        .pmd_id = f->pmd_id,
        .upcalls = f->upcalls,
        .slowpath_packets = f->slow_packets,
        .fastpath_packets = f->fast_packets,
        .attributed_packets = f->attributed,
        .slowpath_windows = f->windows,
        .longest_window_rounds = f->longest_rounds,
        .longest_window_ns = f->longest_ns,
    };
    if (f->window_open) {
        /* A window still open counts up to now. */
        uint64_t rounds = lc->n_rounds - f->window_round;
        uint64_t ns = lc->last_ts > f->window_ts
                      ? lc->last_ts - f->window_ts : 0;
        if (rounds > out.longest_window_rounds) {
            out.longest_window_rounds = rounds;
        }
        if (ns > out.longest_window_ns) {
            out.longest_window_ns = ns;
        }
    }
    return out;
}

/* Adds the figures 'b' to 'a' (sums, and the longest window). */
static void
lc_figures_add(struct lifecycle_flow *a, const struct lifecycle_flow *b)
{
    a->upcalls += b->upcalls;
    a->slowpath_packets += b->slowpath_packets;
    a->fastpath_packets += b->fastpath_packets;
    a->attributed_packets += b->attributed_packets;
    a->slowpath_windows += b->slowpath_windows;
    if (b->longest_window_rounds > a->longest_window_rounds) {
        a->longest_window_rounds = b->longest_window_rounds;
    }
    if (b->longest_window_ns > a->longest_window_ns) {
        a->longest_window_ns = b->longest_window_ns;
    }
}

/* The entry of ('ufid', 'pmd_id') in 'lc->listed', or NULL.  With 'add',
 * creates it (ranked 'order') if there is room. */
static struct lc_listed *
lc_listed_get(struct lifecycle *lc, uint64_t ufid, uint32_t pmd_id,
              bool add, uint64_t order)
{
    if (!lc->listed_index) {
        if (!add) {
            return NULL;
        }
        lc->listed_mask = 2 * LIFECYCLE_MAX_FLOWS - 1;
        lc->listed_index = uk_xcalloc(lc->listed_mask + 1,
                                      sizeof *lc->listed_index);
        lc->listed_filter = uk_xcalloc(LC_LISTED_FILTER_BITS / 64,
                                       sizeof *lc->listed_filter);
    }
    size_t hash = lc_flow_hash(ufid, pmd_id);
    size_t bit = (hash >> 40) % LC_LISTED_FILTER_BITS;
    uint64_t *word = &lc->listed_filter[bit / 64];
    bool maybe = (*word >> (bit % 64)) & 1;
    if (!maybe && (!add || lc->n_listed >= LIFECYCLE_MAX_FLOWS)) {
        return NULL;
    }
    size_t i = hash & lc->listed_mask;
    for (; lc->listed_index[i].index; i = (i + 1) & lc->listed_mask) {
        const struct lc_listed_slot *slot = &lc->listed_index[i];
        if (slot->ufid == ufid && slot->pmd_id == pmd_id) {
            return &lc->listed[slot->index - 1];
        }
    }
    if (!add || lc->n_listed >= LIFECYCLE_MAX_FLOWS) {
        return NULL;
    }
    lc->listed = uk_grow(lc->listed, &lc->allocated_listed, lc->n_listed + 1,
                         sizeof *lc->listed);
    struct lc_listed *l = &lc->listed[lc->n_listed++];
    memset(l, 0, sizeof *l);
    l->order = order;
    l->fig.ufid = ufid;
    l->fig.pmd_id = pmd_id;
    lc->listed_index[i] = (struct lc_listed_slot) {
        .ufid = ufid, .pmd_id = pmd_id, .index = (uint32_t) lc->n_listed,
    };
    *word |= UINT64_C(1) << (bit % 64);
    return l;
}

/* Retires flow record 'k': its figures go to 'lc->listed' (or the
 * omitted sums), its slot is unindexed and recycled. */
static void
lc_flow_retire(struct lifecycle *lc, uint32_t k)
{
    struct lc_flow *f = &lc->flows[k];
    struct lifecycle_flow fig = lc_flow_figures(lc, f);
    struct lc_listed *l = lc_listed_get(lc, f->ufid, f->pmd_id, true,
                                        f->order);
    if (l) {
        lc_figures_add(&l->fig, &fig);
    } else {
        lc->n_omitted++;
        lc_figures_add(&lc->omitted, &fig);
    }

    /* Unindex, by backward shift as in lc_map_remove(). */
    size_t mask = lc->flow_mask;
    size_t i = lc_flow_hash(f->ufid, f->pmd_id) & mask;
    while (lc->flow_index[i] != k + 1) {
        i = (i + 1) & mask;
    }
    for (size_t j = (i + 1) & mask; lc->flow_index[j]; j = (j + 1) & mask) {
        const struct lc_flow *g = &lc->flows[lc->flow_index[j] - 1];
        size_t home = lc_flow_hash(g->ufid, g->pmd_id) & mask;
        if (((j - home) & mask) >= ((j - i) & mask)) {
            lc->flow_index[i] = lc->flow_index[j];
            i = j;
        }
    }
    lc->flow_index[i] = 0;

    f->retired = true;
    f->next_free = lc->free_flows;
    lc->free_flows = k;
    lc->n_live_flows--;
}

/* Retires every flow record whose state a new record of the same flow
 * would reproduce, so that a flow seen again behaves as if its record had
 * stayed: no live ukey refers to it, no ukey is in a umap for it
 * ('map_ukey'), its datapath flow is absent, no slowpath window is open,
 * and it is exactly as unsure as a new record would be.  What is left of
 * it then (the run of slowpathed rounds, this round's traffic flags, the
 * evidence of its last dp_del) cannot change a verdict; the stats sums
 * restart: see "Stats double" in lifecycle.h.  Two corners only where
 * events may be missing: after a loss (or in an input that starts
 * mid-run) a retired flow declared again by a 'flow' event gets a sure
 * record, as any declared flow; and a ukey first seen mid-life that moves
 * to a retired flow counts its stuck rounds from then.  Called when the
 * live records double, so the cost per record is constant. */
static void
lc_flow_sweep(struct lifecycle *lc)
{
    uint32_t gen = ++lc->sweep_gen;
    for (size_t i = 0; i <= lc->ukeys.mask; i++) {
        const struct lc_ukey *u = lc->ukeys.slots[i].value;
        if (u && u->flow != LC_NO_FLOW) {
            lc->flows[u->flow].mark = gen;
        }
    }

    bool unsure = lc->discard_seen || !lc_from_start(lc);
    for (uint32_t k = 0; k < lc->n_flows; k++) {
        const struct lc_flow *f = &lc->flows[k];
        if (!f->retired && f->mark != gen && !f->dp_present && !f->map_ukey
            && !f->window_open && f->unsure == unsure
            && f->presence_unsure == unsure) {
            lc_flow_retire(lc, k);
        }
    }

    size_t n = 0;
    for (size_t i = 0; i < lc->n_touched; i++) {
        if (!lc->flows[lc->touched[i]].retired) {
            lc->touched[n++] = lc->touched[i];
        }
    }
    lc->n_touched = n;

    size_t at = LC_FLOW_SWEEP_GROWTH * lc->n_live_flows;
    size_t min = LC_FLOW_SWEEP_MIN;
    lc->flow_sweep_at = at > min ? at : min;
}

/* Returns the index of flow ('ufid', 'pmd_id'), creating it if needed (then
 * '*created' is set). */
static uint32_t
lc_flow_get(struct lifecycle *lc, uint64_t ufid, uint32_t pmd_id,
            bool *created)
{
    size_t hash = lc_flow_hash(ufid, pmd_id);
    size_t i = hash & lc->flow_mask;
    for (; lc->flow_index[i]; i = (i + 1) & lc->flow_mask) {
        uint32_t k = lc->flow_index[i] - 1;
        if (lc->flows[k].ufid == ufid && lc->flows[k].pmd_id == pmd_id) {
            return k;
        }
    }

    if (lc->n_live_flows >= lc->flow_sweep_at) {
        lc_flow_sweep(lc);
        for (i = hash & lc->flow_mask; lc->flow_index[i];
             i = (i + 1) & lc->flow_mask) {
            continue;
        }
    }
    uint32_t k;
    if (lc->free_flows != LC_NO_FLOW) {
        k = lc->free_flows;
        lc->free_flows = lc->flows[k].next_free;
    } else {
        uk_assert(lc->n_flows < LC_NO_FLOW - 1);
        lc->flows = uk_grow(lc->flows, &lc->allocated_flows,
                            lc->n_flows + 1, sizeof *lc->flows);
        k = lc->n_flows++;
    }
    struct lc_flow *f = &lc->flows[k];
    memset(f, 0, sizeof *f);
    f->ufid = ufid;
    f->pmd_id = pmd_id;
    f->order = lc->next_order++;
    f->absent_round = lc->n_rounds;
    lc->flow_index[i] = k + 1;
    lc->n_live_flows++;
    if (lc->n_live_flows * 2 > lc->flow_mask + 1) {
        lc_flow_rehash(lc);
    }
    if (created) {
        *created = true;
    }
    return k;
}

/* The flow an event names, or LC_NO_FLOW.  A flow first seen after events
 * were lost, or in an input that does not start at seq 1, other than
 * through its 'flow' declaration, may have events outside the input: it is
 * marked unsure. */
static uint32_t
lc_event_flow(struct lifecycle *lc, const struct ukey_event *e,
              uint32_t pmd_id)
{
    if (!e->ufid) {
        return LC_NO_FLOW;
    }
    bool created = false;
    uint32_t k = lc_flow_get(lc, e->ufid, pmd_id, &created);
    if (created && e->type != UK_EV_FLOW
        && (lc->discard_seen || !lc_from_start(lc))) {
        lc->flows[k].unsure = lc->flows[k].presence_unsure = true;
    }
    return k;
}

static void
lc_touch(struct lifecycle *lc, struct lc_flow *f)
{
    if (!f->in_round) {
        f->in_round = true;
        lc->touched = uk_grow(lc->touched, &lc->allocated_touched,
                              lc->n_touched + 1, sizeof *lc->touched);
        lc->touched[lc->n_touched++] = f - lc->flows;
    }
}

/* ==== Ukey records ==== */

static struct lc_ukey *
lc_ukey_alloc(struct lifecycle *lc)
{
    if (!lc->free_ukeys) {
        struct lc_ukey *block = uk_xcalloc(LC_CHUNK_UKEYS, sizeof *block);
        lc->chunks = uk_grow(lc->chunks, &lc->allocated_chunks,
                             lc->n_chunks + 1, sizeof *lc->chunks);
        lc->chunks[lc->n_chunks++] = block;
        for (size_t i = 0; i < LC_CHUNK_UKEYS; i++) {
            block[i].next_free = lc->free_ukeys;
            lc->free_ukeys = &block[i];
        }
    }
    struct lc_ukey *u = lc->free_ukeys;
    lc->free_ukeys = u->next_free;

    /* Keep the steps buffer of the previous user: no malloc once warm. */
    struct lifecycle_step *steps = u->steps;
    size_t allocated = u->allocated_steps;
    char *expl = u->expl;
    memset(u, 0, sizeof *u);
    u->steps = steps;
    u->expl = expl;
    u->allocated_steps = allocated;
    u->flow = LC_NO_FLOW;
    u->umap = -1;
    return u;
}

static void
lc_ukey_drop(struct lifecycle *lc, struct lc_ukey *u)
{
    lc_map_remove(&lc->ukeys, u->id);
    u->next_free = lc->free_ukeys;
    lc->free_ukeys = u;
    lc->sum.n_live--;
}

static struct lifecycle_evidence
lc_evidence(const struct ukey_event *e, uint64_t index)
{
    return (struct lifecycle_evidence) {
        .seq = e->seq, .index = index, .ts = e->ts,
        .thread_id = e->thread_id,
    };
}

/* Sets the flow of 'u' from ('ufid', 'pmd_id'). */
static void
lc_ukey_set_flow(struct lifecycle *lc, struct lc_ukey *u,
                 const struct ukey_event *e, uint32_t pmd_id)
{
    u->ufid = e->ufid;
    u->pmd_id = pmd_id;
    u->flow = lc_event_flow(lc, e, pmd_id);
}

/* Whether 'e' falls within the time range of a loss reported so far.  A
 * loss is merged into the input at the beginning of its range, and the
 * other streams' events in that range come after it: a ukey created there
 * may have lost events as much as one live when the loss was reported (as
 * with LTTng's per-CPU buffers, where one CPU loses events while another
 * records the ukey's creation). */
static bool
lc_in_loss(const struct lifecycle *lc, uint64_t ts)
{
    return lc->discard_seen && (ts <= lc->lost_until || lc->n_open_losses);
}

/* Returns the record of 'id', creating it for an event that is not its
 * 'create' as a ukey first seen mid-life. */
static struct lc_ukey *
lc_ukey_get(struct lifecycle *lc, uint64_t id, const struct ukey_event *e,
            uint64_t index)
{
    struct lc_ukey *u = lc_map_get(&lc->ukeys, id);
    if (u) {
        return u;
    }
    u = lc_ukey_alloc(lc);
    u->id = id;
    if (!lc->min_id || id < lc->min_id) {
        lc->min_id = id;
    }
    u->first_ev = lc_evidence(e, index);
    u->tr_round = lc->n_rounds;
    lc_map_put(&lc->ukeys, id, u);
    lc->sum.n_ukeys++;
    lc->sum.n_live++;
    if (e->type == UK_EV_CREATE) {
        u->created_seen = true;
        u->state_known = true;
        u->state = UKEY_CREATED;
        u->pmd_known = true;
        u->umap = e->umap;
        lc_ukey_set_flow(lc, u, e, e->pmd_id);
    } else {
        u->doubt = LC_MID_LIFE;
        if (e->ufid) {
            lc_ukey_set_flow(lc, u, e, e->pmd_id);
        }
        if (e->type != UK_EV_UMAP_INSERT && e->type != UK_EV_UMAP_REPLACE
            && u->flow != LC_NO_FLOW && !lc->flows[u->flow].map_ukey) {
            /* Probably published before the trace began. */
            u->in_map = true;
            lc->flows[u->flow].map_ukey = id;
        }
    }
    if (lc_in_loss(lc, e->ts)) {
        u->doubt = LC_LOST;     /* Exempt as the ukeys live at the loss. */
    }
    return u;
}

/* ==== Reporting ==== */

/* What a violation is about: 'u' (may be NULL) or just 'ukey_id'/'ufid'. */
struct lc_subject {
    struct lc_ukey *u;
    uint64_t ukey_id, ufid;
    uint32_t pmd_id;
};

/* Reports a violation of 'kind' detected at 'now', with 'earlier' (may be
 * NULL) as the earlier evidence, and a detail line formatted from 'fmt'.
 * Kinds in LC_ONCE_KINDS are reported once per ukey (or flow, which the
 * caller checks): a repeat only counts in 'n_suppressed'. */
static void UK_PRINTF(7, 8)
lc_report(struct lifecycle *lc, enum uk_violation_kind kind,
          enum uk_severity sev, const struct lc_subject *subj,
          const struct lifecycle_evidence *now,
          const struct lifecycle_evidence *earlier, const char *fmt, ...)
{
    struct lc_ukey *u = subj->u;
    if (u && (LC_ONCE_KINDS >> kind) & 1) {
        if ((u->reported >> kind) & 1) {
            lc->sum.n_suppressed++;
            return;
        }
        u->reported |= 1u << kind;
    }

    va_list args;
    va_start(args, fmt);
    int len = lc_vformat(lc->buf, sizeof lc->buf, fmt, args);
    va_end(args);
    if (len < 0) {
        len = 0;
    } else if ((size_t) len >= sizeof lc->buf) {
        len = sizeof lc->buf - 1;
    }
    const char *detail = (lc->opts.transient_details ? lc->buf
                          : lc_intern(lc, lc->buf, len));

    static const struct lifecycle_evidence none;
    if (!earlier) {
        earlier = &none;
    }
    struct lifecycle_violation v = {
        .event = {
            .type = UK_EV_VIOLATION,
            .kind = kind,
            .result = sev,
            .ukey_id = u ? u->id : subj->ukey_id,
            .ufid = u ? u->ufid : subj->ufid,
            .thread_id = now->thread_id,
            .thread2 = earlier->thread_id,
            .value = now->seq,
            .value2 = earlier->seq,
            .ts = now->ts,
            .umap = u ? u->umap : -1,
            .pmd_id = u ? u->pmd_id : subj->pmd_id,
            .name = detail,
        },
        .evidence = { *now, *earlier },
    };
    if (u && sev == UK_SEV_ERROR && !u->failed) {
        u->failed = true;
        u->rule = kind;
        if (lc->opts.transient_details) {
            /* Needed until its lifecycle is reported: its own copy. */
            if (!u->expl) {
                u->expl = uk_xmalloc(sizeof lc->buf);
            }
            memcpy(u->expl, detail, (size_t) len + 1);
            detail = u->expl;
        }
        u->explanation = detail;
        u->fail_ev[0] = *now;
        u->fail_ev[1] = *earlier;
    }
    lc->sum.n_violations++;
    lc->sum.by_violation[kind]++;
    if (lc->cbs.violation) {
        lc->cbs.violation(&v, lc->cbs.aux);
    }
}

static enum lifecycle_verdict
lc_verdict(const struct lc_ukey *u, bool freed, bool ended)
{
    if (u->failed) {
        return LIFECYCLE_FAIL;
    } else if (u->doubt != LC_SURE || (!freed && !ended)) {
        return LIFECYCLE_INCONCLUSIVE;
    }
    return LIFECYCLE_PASS;
}

/* Reports the lifecycle of 'u' to 'ukey_done'.  'now' is the free, or the
 * last event seen. */
static void
lc_done(struct lifecycle *lc, struct lc_ukey *u, bool freed,
        const struct lifecycle_evidence *now)
{
    enum lifecycle_verdict verdict = lc_verdict(u, freed, lc->sum.complete);
    lc->sum.by_verdict[verdict]++;
    if (!lc->cbs.ukey_done) {
        return;
    }

    struct lifecycle_ukey out = {
        .ukey_id = u->id,
        .ufid = u->ufid,
        .pmd_id = u->pmd_id,
        .flow_name = lc_flow_name(lc, u->ufid),
        .umap = u->umap,
        .state = u->state,
        .freed = freed,
        .created_seen = u->created_seen,
        .verdict = verdict,
        .rule = u->rule,
        .steps = lc->opts.keep_steps ? u->steps : NULL,
        .n_steps = lc->opts.keep_steps ? u->n_steps : 0,
    };
    if (verdict == LIFECYCLE_FAIL) {
        out.explanation = u->explanation;
        out.evidence[0] = u->fail_ev[0];
        out.evidence[1] = u->fail_ev[1];
    } else {
        out.evidence[0] = *now;
        out.evidence[1] = u->first_ev;
        if (verdict == LIFECYCLE_PASS) {
            lc_format(lc->buf, sizeof lc->buf,
                      "pass: created (seq %llu), freed by %s (seq %llu)",
                      (unsigned long long) u->first_ev.seq,
                      lc_tname(lc, now->thread_id, 0),
                      (unsigned long long) now->seq);
        } else if (u->doubt == LC_MID_LIFE) {
            lc_format(lc->buf, sizeof lc->buf,
                      "inconclusive: first seen mid-life (seq %llu), its "
                      "create is not in the input",
                      (unsigned long long) u->first_ev.seq);
        } else if (u->doubt == LC_LOST) {
            lc_format(lc->buf, sizeof lc->buf,
                      "inconclusive: events were lost while it was live");
        } else {
            lc_format(lc->buf, sizeof lc->buf,
                      "inconclusive: still %s when the input stopped "
                      "without an end event", ukey_state_name(u->state));
        }
        out.explanation = lc->buf;
    }
    lc->cbs.ukey_done(&out, lc->cbs.aux);
}

/* ==== Ukey rules ==== */

static const char *
lc_seq_str(char *buf, size_t size, const struct lifecycle_evidence *ev)
{
    lc_format(buf, size, "%llu", (unsigned long long) ev->seq);
    return buf;
}

/* Whether an operation of kind 'op' purges ukeys: the main thread's
 * purges and flushes, which may delete a ukey its handler has yet to put
 * (lc_put_after_delete()). */
static bool
lc_op_purges(int op)
{
    return op == UK_OP_PURGE || op == UK_OP_DP_PURGE || op == UK_OP_FLUSH;
}

static void
lc_mark_deleted(struct lifecycle *lc, struct lc_ukey *u,
                const struct ukey_event *e,
                const struct lifecycle_evidence *now)
{
    if (!u->deleted) {
        const struct lc_thread *t = lc_thread(lc, now->thread_id);
        u->deleted = true;
        u->del_by_purge = t && t->n_purging;
        u->del_ev = *now;
        u->del_type = e->type;
    }
}

/* A use of 'u' after its deletion, of 'severity'; 'why' (or "") ends the
 * explanation. */
static void
lc_use_after_delete__(struct lifecycle *lc, struct lc_ukey *u,
                      const struct ukey_event *e,
                      const struct lifecycle_evidence *now,
                      enum uk_severity severity, const char *why)
{
    struct lc_subject subj = { .u = u };
    lc_report(lc, UK_VIOL_USE_AFTER_DELETE, severity, &subj, now,
              &u->del_ev,
              "use after delete: %s of ukey %llu by %s (seq %llu) after "
              "its %s by %s (seq %llu)%s",
              uk_event_type_name(e->type), (unsigned long long) u->id,
              lc_tname(lc, now->thread_id, 0),
              (unsigned long long) now->seq,
              uk_event_type_name(u->del_type),
              lc_tname(lc, u->del_ev.thread_id, 1),
              (unsigned long long) u->del_ev.seq, why);
}

/* A modification of 'u' after its deletion. */
static void
lc_use_after_delete(struct lifecycle *lc, struct lc_ukey *u,
                    const struct ukey_event *e,
                    const struct lifecycle_evidence *now)
{
    lc_use_after_delete__(lc, u, e, now, UK_SEV_ERROR, "");
}

/* Reports that 'u', 'first' at 'earlier', is deleted 'again' at 'now'. */
static void
lc_double_delete(struct lifecycle *lc, struct lc_ukey *u,
                 const struct lifecycle_evidence *now,
                 const struct lifecycle_evidence *earlier,
                 const char *first, const char *again)
{
    struct lc_subject subj = { .u = u };
    char seq[24];
    lc_report(lc, UK_VIOL_DOUBLE_DELETE, UK_SEV_ERROR, &subj, now,
              earlier->seq ? earlier : NULL,
              "double delete: ukey %llu %s by %s (seq %s) and %s by %s "
              "(seq %llu)",
              (unsigned long long) u->id, first,
              earlier->seq ? lc_tname(lc, earlier->thread_id, 1) : "?",
              earlier->seq ? lc_seq_str(seq, sizeof seq, earlier) : "?",
              again, lc_tname(lc, now->thread_id, 0),
              (unsigned long long) now->seq);
}

static void
lc_add_step(struct lifecycle *lc, struct lc_ukey *u,
            const struct ukey_event *e, const struct lifecycle_evidence *now)
{
    if (!lc->opts.keep_steps) {
        return;
    }
    u->steps = uk_grow(u->steps, &u->allocated_steps, u->n_steps + 1,
                       sizeof *u->steps);
    u->steps[u->n_steps++] = (struct lifecycle_step) {
        .seq = now->seq, .index = now->index, .ts = now->ts,
        .thread_id = now->thread_id, .from = e->from, .to = e->to,
        .result = e->result, .where = e->where,
    };
}

static void
lc_transition(struct lifecycle *lc, struct lc_ukey *u,
              const struct ukey_event *e,
              const struct lifecycle_evidence *now)
{
    struct lc_subject subj = { .u = u };
    bool to_deleted = e->to == UKEY_DELETED;

    if (!u->state_known) {
        u->state = e->from;
        u->state_known = true;
    }
    lc_add_step(lc, u, e, now);

    if (e->result == UK_TR_ABORT) {
        lc_report(lc, UK_VIOL_BACKWARD_TRANSITION, UK_SEV_ERROR, &subj, now,
                  u->tr_ev.seq ? &u->tr_ev : NULL,
                  "backward transition %s->%s of ukey %llu by %s at %s "
                  "(seq %llu)",
                  ukey_state_name(e->from), ukey_state_name(e->to),
                  (unsigned long long) u->id,
                  lc_tname(lc, now->thread_id, 0),
                  e->where ? e->where : "?", (unsigned long long) now->seq);
    } else if (to_deleted && (e->from == UKEY_DELETED
                              || u->state == UKEY_DELETED)) {
        const struct lifecycle_evidence *earlier
            = u->deleted_ev.seq ? &u->deleted_ev : &u->del_ev;
        lc_double_delete(lc, u, now, earlier, "became DELETED",
                         "again");
    } else if (u->deleted && !to_deleted) {
        lc_use_after_delete(lc, u, e, now);
    } else if (e->result == UK_TR_WARN) {
        lc_report(lc, UK_VIOL_INVALID_TRANSITION, UK_SEV_WARNING, &subj, now,
                  u->tr_ev.seq ? &u->tr_ev : NULL,
                  "invalid transition %s->%s of ukey %llu by %s at %s "
                  "(seq %llu), state stays %s",
                  ukey_state_name(e->from), ukey_state_name(e->to),
                  (unsigned long long) u->id,
                  lc_tname(lc, now->thread_id, 0),
                  e->where ? e->where : "?", (unsigned long long) now->seq,
                  ukey_state_name(e->from));
    }

    if (e->result == UK_TR_OK) {
        u->state = e->to;
        u->tr_round = lc->n_rounds;
        if (to_deleted && !u->deleted_ev.seq) {
            u->deleted_ev = *now;
            lc_mark_deleted(lc, u, e, now);
        }
    }
    u->tr_ev = *now;
}

/* umap_remove of 'u', or 'u' replaced out by umap_replace. */
static void
lc_remove(struct lifecycle *lc, struct lc_ukey *u,
          const struct ukey_event *e, const struct lifecycle_evidence *now)
{
    const char *first = (u->replaced_out ? "replaced out of its umap"
                         : "removed from its umap");
    bool replace = e->type == UK_EV_UMAP_REPLACE;

    if (!replace && e->result == ENOENT) {
        struct lc_subject subj = { .u = u };
        char earlier[96] = "";
        if (u->removed) {
            snprintf(earlier, sizeof earlier, ": it was %s by %s (seq %llu)",
                     first,
                     lc_tname(lc, u->remove_ev.thread_id, 1),
                     (unsigned long long) u->remove_ev.seq);
        }
        lc_report(lc, UK_VIOL_DOUBLE_DELETE, UK_SEV_ERROR, &subj, now,
                  u->removed ? &u->remove_ev : NULL,
                  "double delete: ukey %llu removed by %s (seq %llu) but it "
                  "is not in its umap (ENOENT)%s",
                  (unsigned long long) u->id,
                  lc_tname(lc, now->thread_id, 0),
                  (unsigned long long) now->seq, earlier);
    } else if (u->removed) {
        lc_double_delete(lc, u, now, &u->remove_ev, first,
                         replace ? "replaced out again" : "removed again");
    } else {
        u->removed = true;
        u->replaced_out = replace;
        u->remove_ev = *now;
    }
    lc_mark_deleted(lc, u, e, now);
    u->in_map = false;
    if (u->flow != LC_NO_FLOW && lc->flows[u->flow].map_ukey == u->id) {
        lc->flows[u->flow].map_ukey = 0;
    }
}

static void
lc_postpone(struct lifecycle *lc, struct lc_ukey *u,
            const struct ukey_event *e, const struct lifecycle_evidence *now)
{
    if (u->postponed) {
        lc_double_delete(lc, u, now, &u->postpone_ev,
                         "postponed for free", "again");
    } else {
        u->postponed = true;
        u->postpone_ev = *now;
        lc_mark_deleted(lc, u, e, now);
    }
}

/* The handler's datapath put of 'u' after a purge deleted it: a purge
 * (revalidator_purge(), dp_purge_cb(), a flush) may delete a VISIBLE ukey
 * while its handler is between ukey_install() and dpif_operate().  Under
 * RCU the handler may still read it, and OVS leaves the flow it puts to
 * the next dump, which adopts it (shared/ovs-ukey-lifecycle.md §1.10,
 * invariant 6): a warning, and the flow is followed as one without ukey. */
static void
lc_put_after_delete(struct lifecycle *lc, struct lc_ukey *u,
                    const struct ukey_event *e,
                    const struct lifecycle_evidence *now)
{
    lc_use_after_delete__(lc, u, e, now, UK_SEV_WARNING,
                          ": its datapath flow has no ukey until a dump "
                          "adopts it");
}

/* umap_insert of 'u', or 'u' replaced in by umap_replace. */
static void
lc_insert(struct lifecycle *lc, struct lc_ukey *u,
          const struct ukey_event *e, const struct lifecycle_evidence *now)
{
    if (u->deleted) {
        lc_use_after_delete(lc, u, e, now);
        return;
    }
    if (u->flow == LC_NO_FLOW && e->ufid) {
        lc_ukey_set_flow(lc, u, e, u->pmd_id);
    }
    if (e->umap >= 0) {
        u->umap = e->umap;
    }
    u->in_map = true;
    u->insert_ev = *now;
    if (u->flow == LC_NO_FLOW) {
        return;
    }

    struct lc_flow *f = &lc->flows[u->flow];
    if (e->type == UK_EV_UMAP_INSERT && f->map_ukey && f->map_ukey != u->id) {
        struct lc_ukey *other = lc_map_get(&lc->ukeys, f->map_ukey);
        /* Another ukey's removal may be among lost events: judge only
         * when the other one was followed from its create, losslessly. */
        if (other && other->in_map && other->doubt == LC_SURE) {
            struct lc_subject subj = { .u = u };
            const char *flow_name = lc_flow_name(lc, f->ufid);
            lc_report(lc, UK_VIOL_DUPLICATE_UKEY, UK_SEV_ERROR, &subj, now,
                      &other->insert_ev,
                      "duplicate ukey: ukey %llu inserted by %s (seq %llu) "
                      "while ukey %llu (inserted by %s, seq %llu) is in a "
                      "umap for flow %s pmd %u",
                      (unsigned long long) u->id,
                      lc_tname(lc, now->thread_id, 0),
                      (unsigned long long) now->seq,
                      (unsigned long long) other->id,
                      lc_tname(lc, other->insert_ev.thread_id, 1),
                      (unsigned long long) other->insert_ev.seq,
                      flow_name ? flow_name : "?", f->pmd_id);
        }
    }
    f->map_ukey = u->id;
}

static void
lc_stats_push(struct lifecycle *lc, struct lc_ukey *u,
              const struct ukey_event *e,
              const struct lifecycle_evidence *now)
{
    if (u->deleted) {
        lc_use_after_delete(lc, u, e, now);
    }
    if (u->flow == LC_NO_FLOW) {
        return;
    }
    struct lc_flow *f = &lc->flows[u->flow];
    f->pushed += e->value;
    f->attributed += e->value;
    if (f->pushed > f->fast_packets && !f->stats_reported && !f->unsure) {
        struct lc_subject subj = { .u = u };
        const char *flow_name = lc_flow_name(lc, f->ufid);
        f->stats_reported = true;
        const struct lifecycle_evidence *earlier
            = f->fast_ev.seq ? &f->fast_ev : NULL;
        char cause[192] = "";
        if (f->del_failed_ev.seq && f->del_failed_ukey != u->id) {
            /* The likely cause, said: OVS's push_dp_ops() evicts a ukey
             * whose flow_del failed, its flow stays, and the next dump
             * adopts it with zeroed stats (ukey_create_from_dpif_flow()):
             * what the old ukey pushed is pushed again. */
            earlier = &f->del_failed_ev;
            lc_format(cause, sizeof cause, ": the datapath delete of ukey "
                      "%llu by %s failed (seq %llu) and left the flow, which "
                      "a dump adopted with zeroed stats",
                      (unsigned long long) f->del_failed_ukey,
                      lc_tname(lc, f->del_failed_ev.thread_id, 1),
                      (unsigned long long) f->del_failed_ev.seq);
        }
        lc_report(lc, UK_VIOL_STATS_DOUBLE, UK_SEV_ERROR, &subj, now,
                  earlier,
                  "stats double: revalidators pushed %llu packets for flow "
                  "%s pmd %u but the datapath counted %llu (push of ukey "
                  "%llu by %s, seq %llu)%s",
                  (unsigned long long) f->pushed,
                  flow_name ? flow_name : "?", f->pmd_id,
                  (unsigned long long) f->fast_packets,
                  (unsigned long long) u->id,
                  lc_tname(lc, now->thread_id, 0),
                  (unsigned long long) now->seq, cause);
    }
}

/* 'at_destroy': freed by udpif_destroy() (T16) with its flow still
 * covered: its datapath flow had a ukey until the end. */
static void
lc_free(struct lifecycle *lc, struct lc_ukey *u,
        const struct lifecycle_evidence *now, bool at_destroy)
{
    if (!at_destroy && u->flow != LC_NO_FLOW
        && lc->flows[u->flow].map_ukey == u->id) {
        lc->flows[u->flow].map_ukey = 0;
    }
    if (!lc->free_cache) {
        lc->free_cache = uk_xcalloc(LC_FREE_CACHE, sizeof *lc->free_cache);
    }
    struct lc_free_entry *fe = &lc->free_cache[u->id % LC_FREE_CACHE];
    fe->id = u->id;
    fe->ev = *now;
    fe->uaf_reported = false;
    lc_mark_freed(lc, u->id);
    lc_done(lc, u, true, now);
    lc_ukey_drop(lc, u);
}

/* Any event naming 'id' after its free.  The record is gone: the earlier
 * evidence is known only while the free is in the small cache. */
static void
lc_use_after_free(struct lifecycle *lc, uint64_t id,
                  const struct ukey_event *e,
                  const struct lifecycle_evidence *now)
{
    struct lc_free_entry *fe = (lc->free_cache
                                ? &lc->free_cache[id % LC_FREE_CACHE]
                                : NULL);
    bool known = fe && fe->id == id;
    if (known && fe->uaf_reported) {
        lc->sum.n_suppressed++;
        return;
    }

    struct lc_subject subj = { .ukey_id = id, .ufid = e->ufid };
    bool is_free = e->type == UK_EV_RCU_FREE || e->type == UK_EV_UKEY_FREE;
    char seq[24];
    lc_report(lc, UK_VIOL_USE_AFTER_FREE, UK_SEV_ERROR, &subj, now,
              known ? &fe->ev : NULL,
              "%s: %s of ukey %llu by %s (seq %llu) after its free by %s "
              "(seq %s)",
              is_free ? "double free" : "use after free",
              uk_event_type_name(e->type), (unsigned long long) id,
              lc_tname(lc, now->thread_id, 0),
              (unsigned long long) now->seq,
              known ? lc_tname(lc, fe->ev.thread_id, 1) : "?",
              known ? lc_seq_str(seq, sizeof seq, &fe->ev) : "?");
    if (known) {
        fe->uaf_reported = true;
    }
}

/* Handles event 'e' for ukey 'id' ('e->ukey_id', or 'e->ukey2_id' of a
 * umap_replace when 'new_side'). */
static void
lc_ukey_event(struct lifecycle *lc, uint64_t id, bool new_side,
              const struct ukey_event *e,
              const struct lifecycle_evidence *now)
{
    if (lc_is_freed(lc, id)) {
        lc_use_after_free(lc, id, e, now);
        return;
    }
    struct lc_ukey *u = lc_ukey_get(lc, id, e, now->index);

    if (!u->pmd_known && e->ufid
        && (e->type == UK_EV_DP_PUT || e->type == UK_EV_DP_DEL
            || e->type == UK_EV_UMAP_LOOKUP)) {
        uint32_t old = u->flow;
        lc_ukey_set_flow(lc, u, e, e->pmd_id);
        u->pmd_known = true;
        if (old != LC_NO_FLOW && old != u->flow
            && lc->flows[old].map_ukey == id) {
            lc->flows[old].map_ukey = 0;
            if (!lc->flows[u->flow].map_ukey) {
                lc->flows[u->flow].map_ukey = id;
            }
        }
    }

    switch ((enum uk_event_type) e->type) {
    case UK_EV_TRANSITION:
        lc_transition(lc, u, e, now);
        break;
    case UK_EV_UMAP_INSERT:
        lc_insert(lc, u, e, now);
        break;
    case UK_EV_UMAP_REPLACE:
        if (new_side) {
            lc_insert(lc, u, e, now);
        } else {
            lc_remove(lc, u, e, now);
        }
        break;
    case UK_EV_UMAP_REMOVE:
        lc_remove(lc, u, e, now);
        break;
    case UK_EV_RCU_POSTPONE:
        lc_postpone(lc, u, e, now);
        break;
    case UK_EV_RCU_FREE:
    case UK_EV_UKEY_FREE:
        lc_free(lc, u, now, e->type == UK_EV_UKEY_FREE
                            && e->kind == UK_FREE_DESTROY);
        return;
    case UK_EV_DP_PUT:
        if (u->deleted && u->del_by_purge && e->kind == UK_PUT_CREATE) {
            lc_put_after_delete(lc, u, e, now);
        } else if (u->deleted) {
            lc_use_after_delete(lc, u, e, now);
        }
        break;
    case UK_EV_STATS_PUSH:
        lc_stats_push(lc, u, e, now);
        break;
    case UK_EV_LOCK:
    case UK_EV_TRYLOCK:
        if (e->kind == UK_LOCK_UKEY && !e->result) {
            u->lock_holder = e->thread_id + 1;
        } else if (e->kind == UK_LOCK_UKEY) {
            u->busy_round = lc->n_rounds;
        }
        break;
    case UK_EV_UNLOCK:
        if (e->kind == UK_LOCK_UKEY) {
            u->lock_holder = 0;
        }
        break;
    case UK_EV_CREATE:
    case UK_EV_THREAD_START: case UK_EV_FLOW: case UK_EV_TRAFFIC:
    case UK_EV_UPCALL: case UK_EV_UMAP_LOOKUP: case UK_EV_RCU_QUIESCE:
    case UK_EV_DP_DEL: case UK_EV_DP_DUMP: case UK_EV_REVALIDATE:
    case UK_EV_OP_BEGIN: case UK_EV_OP_END: case UK_EV_BARRIER:
    case UK_EV_COVERAGE: case UK_EV_VIOLATION: case UK_EV_END:
    case N_UK_EVENT_TYPES:
        break;
    }
    u->last_ev = *now;
}

/* ==== Flow rules ==== */

static void
lc_close_window(struct lifecycle *lc, struct lc_flow *f, uint64_t ts)
{
    uint64_t rounds = lc->n_rounds - f->window_round;
    uint64_t ns = ts > f->window_ts ? ts - f->window_ts : 0;
    if (rounds > f->longest_rounds) {
        f->longest_rounds = rounds;
    }
    if (ns > f->longest_ns) {
        f->longest_ns = ns;
    }
    f->window_open = false;
}

static void
lc_traffic(struct lifecycle *lc, const struct ukey_event *e,
           const struct lifecycle_evidence *now)
{
    uint32_t k = lc_event_flow(lc, e, e->pmd_id);
    if (k == LC_NO_FLOW) {
        return;
    }
    struct lc_flow *f = &lc->flows[k];
    lc_touch(lc, f);
    if (e->result == UK_PATH_FASTPATH) {
        f->fast_packets += e->value;
        f->fast_ev = *now;
        f->fast_in_round = true;
        if (f->window_open) {
            lc_close_window(lc, f, e->ts);
        }
        f->slow_rounds = 0;
    } else {
        f->slow_packets += e->value;
        f->slow_in_round = true;
        if (!f->window_open) {
            /* The round counts as slowpathed if nothing but slowpath
             * traffic came since the window opened, whatever came before
             * it: then a flow's earlier traffic this round, which a
             * retired record no longer remembers, cannot matter. */
            f->fast_in_round = false;
            f->window_open = true;
            f->window_reported = false;
            f->windows++;
            f->window_round = lc->n_rounds;
            f->window_ts = e->ts;
            f->window_ev = *now;
            f->slow_rounds = 0;
        }
    }
}

static void
lc_dp_op(struct lifecycle *lc, const struct ukey_event *e,
         const struct lifecycle_evidence *now)
{
    uint32_t k = lc_event_flow(lc, e, e->pmd_id);
    if (k == LC_NO_FLOW) {
        return;
    }
    struct lc_flow *f = &lc->flows[k];
    /* Within a loss's range, the flow's other dp ops may be lost. */
    bool sure = !lc_in_loss(lc, e->ts);
    if (e->type == UK_EV_DP_PUT) {
        if (e->kind == UK_PUT_CREATE && !e->result) {
            f->dp_present = true;
            f->presence_unsure = !sure;
            f->present_ev = *now;
            /* Traffic from now on is fastpath: the slowpath so far was
             * served, so the run of slowpathed rounds starts again. */
            f->slow_rounds = 0;
            f->slow_in_round = false;
        }
    } else if (e->result && e->result != ENOENT) {
        /* A delete that failed otherwise left the flow where it was. */
        if (f->dp_present) {
            f->del_failed_ev = *now;
            f->del_failed_ukey = e->ukey_id;
        }
    } else {
        if (f->dp_present || f->presence_unsure) {
            f->absent_round = lc->n_rounds;
            f->absent_ev = *now;
        }
        f->dp_present = false;
        f->presence_unsure = !sure;
    }
}

/* Slowpath: each touched flow that got slowpath and no fastpath traffic in
 * the round that just ended extends its run of slowpathed rounds. */
static void
lc_round_slowpath(struct lifecycle *lc, const struct lifecycle_evidence *now)
{
    /* A round that ends within a loss's range may have lost its fastpath
     * traffic: the runs restart, as at the loss. */
    bool lossy = lc_in_loss(lc, now->ts);
    for (size_t i = 0; i < lc->n_touched; i++) {
        struct lc_flow *f = &lc->flows[lc->touched[i]];
        if (f->fast_in_round || lossy) {
            f->slow_rounds = 0;
        } else if (f->slow_in_round) {
            f->slow_rounds++;
            if (f->slow_rounds >= lc->opts.slowpath_rounds
                && f->window_open && !f->window_reported) {
                struct lc_subject subj = { .ufid = f->ufid,
                                           .pmd_id = f->pmd_id };
                const char *flow_name = lc_flow_name(lc, f->ufid);
                f->window_reported = true;
                lc_report(lc, UK_VIOL_SLOWPATH, UK_SEV_ERROR, &subj, now,
                          &f->window_ev,
                          "slowpath: flow %s pmd %u got only slowpath "
                          "traffic for %llu round%s, since seq %llu",
                          flow_name ? flow_name : "?", f->pmd_id,
                          (unsigned long long) f->slow_rounds,
                          uk_plural(f->slow_rounds),
                          (unsigned long long) f->window_ev.seq);
            }
        }
        f->in_round = f->slow_in_round = f->fast_in_round = false;
    }
    lc->n_touched = 0;
}

/* Stuck: a ukey not deleted whose datapath flow has been gone for
 * 'stuck_rounds' rounds, with no transition in that time; or a ukey left
 * EVICTING or EVICTED that long, whatever its datapath flow. */
static void
lc_round_stuck(struct lifecycle *lc, const struct lifecycle_evidence *now)
{
    for (size_t i = 0; i <= lc->ukeys.mask; i++) {
        struct lc_ukey *u = lc->ukeys.slots[i].value;
        if (!u || u->doubt == LC_LOST || u->deleted || !u->state_known
            || u->state == UKEY_DELETED || u->flow == LC_NO_FLOW
            || (u->reported >> UK_VIOL_STUCK_UKEY) & 1) {
            continue;
        }
        /* Liveness assumes fair scheduling: a ukey whose last mover is
         * still inside its operation (a handler between create and put,
         * say) is waiting for that thread to be scheduled, not stuck. */
        const struct lifecycle_evidence *mover
            = u->tr_ev.seq ? &u->tr_ev : &u->first_ev;
        const struct lc_thread *owner = lc_thread(lc, mover->thread_id);
        if ((owner && owner->n_open) || u->lock_holder) {
            continue;       /* ...or it holds the ukey's lock. */
        }
        if (u->state == UKEY_EVICTING || u->state == UKEY_EVICTED) {
            /* A ukey whose eviction began must reach DELETED within the
             * next sweep of its slice (§1.10 7), datapath flow or not. */
            uint64_t from = u->tr_round > u->busy_round ? u->tr_round
                                                        : u->busy_round;
            if (lc->n_rounds - from >= lc->opts.stuck_rounds) {
                const struct lifecycle_evidence *earlier
                    = u->tr_ev.seq ? &u->tr_ev : &u->first_ev;
                struct lc_subject subj = { .u = u };
                lc_report(lc, UK_VIOL_STUCK_UKEY, UK_SEV_ERROR, &subj, now,
                          earlier, "stuck ukey: ukey %llu stayed %s for "
                          "%llu round%s: its deletion never finished "
                          "(since seq %llu, by %s)",
                          (unsigned long long) u->id,
                          ukey_state_name(u->state),
                          (unsigned long long) (lc->n_rounds - from),
                          uk_plural(lc->n_rounds - from),
                          (unsigned long long) earlier->seq,
                          lc_tname(lc, earlier->thread_id, 1));
            }
            continue;
        }
        const struct lc_flow *f = &lc->flows[u->flow];
        if (f->dp_present || f->presence_unsure) {
            continue;
        }
        bool since_del = f->absent_round >= u->tr_round;
        uint64_t since = since_del ? f->absent_round : u->tr_round;
        if (u->busy_round > since) {
            since = u->busy_round;  /* Contention: not stuck meanwhile. */
        }
        if (lc->n_rounds - since < lc->opts.stuck_rounds) {
            continue;
        }
        /* The evidence is the later of its last move and the dp_del
         * (by position, not by round: a dp_del before the ukey existed,
         * such as that of a retired flow record, is not about it). */
        const struct lifecycle_evidence *mine
            = u->tr_ev.seq ? &u->tr_ev : &u->first_ev;
        const struct lifecycle_evidence *earlier
            = (since_del && f->absent_ev.seq
               && f->absent_ev.index >= mine->index) ? &f->absent_ev : mine;
        struct lc_subject subj = { .u = u };
        lc_report(lc, UK_VIOL_STUCK_UKEY, UK_SEV_ERROR, &subj, now, earlier,
                  "stuck ukey: ukey %llu stayed %s for %llu round%s without "
                  "its datapath flow (since seq %llu, by %s)",
                  (unsigned long long) u->id, ukey_state_name(u->state),
                  (unsigned long long) (lc->n_rounds - since),
                  uk_plural(lc->n_rounds - since),
                  (unsigned long long) earlier->seq,
                  lc_tname(lc, earlier->thread_id, 1));
    }
}

static void
lc_round_end(struct lifecycle *lc, const struct ukey_event *e,
             const struct lifecycle_evidence *now)
{
    struct lc_thread *t = lc_thread(lc, e->thread_id);
    uint64_t round = e->value ? e->value : t ? t->round : 0;
    if (round) {
        if (round <= lc->last_round) {
            return;             /* Another revalidator ended it already. */
        }
        lc->last_round = round;
    }
    lc->n_rounds++;
    lc->sum.n_rounds = lc->n_rounds;
    lc_round_slowpath(lc, now);
    lc_round_stuck(lc, now);
}

/* ==== Public functions ==== */

struct lifecycle *
lifecycle_create(const struct lifecycle_options *options,
                 const struct lifecycle_callbacks *cbs)
{
    struct lifecycle *lc = uk_xzalloc(sizeof *lc);
    lc->opts.stuck_rounds = 6;
    lc->opts.slowpath_rounds = 5;
    if (options) {
        lc->opts = *options;
        if (!lc->opts.stuck_rounds) {
            lc->opts.stuck_rounds = 6;
        }
        if (!lc->opts.slowpath_rounds) {
            lc->opts.slowpath_rounds = 5;
        }
    }
    if (cbs) {
        lc->cbs = *cbs;
    }
    lc_map_init(&lc->ukeys, 1024);
    lc_map_init(&lc->names, 64);
    lc_map_init(&lc->old_freed, 64);
    lc->flow_index = uk_xcalloc(64, sizeof *lc->flow_index);
    lc->flow_mask = 63;
    lc->free_flows = LC_NO_FLOW;
    lc->flow_sweep_at = LC_FLOW_SWEEP_MIN;
    return lc;
}

void
lifecycle_destroy(struct lifecycle *lc)
{
    if (!lc) {
        return;
    }
    for (size_t i = 0; i < lc->n_chunks; i++) {
        for (size_t j = 0; j < LC_CHUNK_UKEYS; j++) {
            free(lc->chunks[i][j].steps);
            free(lc->chunks[i][j].expl);
        }
        free(lc->chunks[i]);
    }
    free(lc->chunks);
    free(lc->ukeys.slots);
    free(lc->names.slots);
    free(lc->old_freed.slots);
    free(lc->flows);
    free(lc->flow_index);
    free(lc->listed);
    free(lc->listed_index);
    free(lc->listed_filter);
    free(lc->touched);
    free(lc->fb_words);
    free(lc->threads);
    free(lc->free_cache);
    while (lc->arena) {
        struct lc_arena_chunk *next = lc->arena->next;
        free(lc->arena);
        lc->arena = next;
    }
    free(lc);
}

static void
lc_name_event(struct lifecycle *lc, const struct ukey_event *e)
{
    if (!e->name) {
        return;
    }
    if (e->type == UK_EV_THREAD_START) {
        struct lc_thread *t = lc_thread(lc, e->thread_id);
        if (t && (!t->name || strcmp(t->name, e->name))) {
            t->name = lc_intern(lc, e->name, strlen(e->name));
        }
    } else if (e->ufid) {
        const char *old = lc_map_get(&lc->names, e->ufid);
        if (!old || strcmp(old, e->name)) {
            lc_map_put(&lc->names, e->ufid,
                       (void *) lc_intern(lc, e->name, strlen(e->name)));
        }
    }
}

static bool lc_starts_run(const struct lifecycle *,
                          const struct ukey_event *);
static void lc_new_run(struct lifecycle *, const struct ukey_event *);

void
lifecycle_feed(struct lifecycle *lc, const struct ukey_event *e,
               uint64_t index)
{
    struct lifecycle_evidence now = lc_evidence(e, index);

    if (lc->started && lc_starts_run(lc, e)) {
        lc_new_run(lc, e);
    }
    lc->sum.n_events++;
    if (e->seq > lc->max_seq) {
        lc->max_seq = e->seq;
    }
    if (!lc->started) {
        lc->started = true;
        lc->sum.n_runs++;
        lc->sum.first_seq = e->seq;
    }
    if (e->ts > lc->last_ts) {
        lc->last_ts = e->ts;
    }
    /* A violation is the checker's, emitted on behalf of a thread, maybe
     * from a thread of its own (event_bus_start_async()). */
    if (e->seq && e->type != UK_EV_VIOLATION) {
        struct lc_thread *t = lc_thread(lc, e->thread_id);
        if (t) {
            if (UK_UNLIKELY(e->seq <= t->last_seq)
                && !lc->sum.n_seq_back++) {
                lc->sum.seq_back_thread = e->thread_id;
                lc->sum.seq_back_name = t->name;
                lc->sum.seq_back_from = t->last_seq;
                lc->sum.seq_back_to = e->seq;
                lc->sum.seq_back_ts = e->ts;
            }
            t->last_seq = e->seq;
        }
    }

    switch ((enum uk_event_type) e->type) {
    case UK_EV_VIOLATION:
        return;
    case UK_EV_THREAD_START:
        lc_name_event(lc, e);
        return;
    case UK_EV_FLOW:
        lc_name_event(lc, e);
        lc_event_flow(lc, e, e->pmd_id);
        return;
    case UK_EV_TRAFFIC:
        lc_traffic(lc, e, &now);
        return;
    case UK_EV_UPCALL: {
        uint32_t k = lc_event_flow(lc, e, e->pmd_id);
        if (k != LC_NO_FLOW) {
            lc->flows[k].upcalls++;
            lc->flows[k].attributed += e->value;
        }
        return;
    }
    case UK_EV_OP_BEGIN: {
        struct lc_thread *t = lc_thread(lc, e->thread_id);
        if (t) {
            t->n_open++;
            t->n_purging += lc_op_purges(e->kind);
            if (e->kind == UK_OP_ROUND) {
                t->round = e->value;
            }
        }
        return;
    }
    case UK_EV_OP_END: {
        struct lc_thread *t = lc_thread(lc, e->thread_id);
        if (t && t->n_open) {
            t->n_open--;
        }
        if (t && t->n_purging && lc_op_purges(e->kind)) {
            t->n_purging--;
        }
    }
        if (e->kind == UK_OP_ROUND) {
            lc_round_end(lc, e, &now);
        }
        return;
    case UK_EV_END:
        lc->sum.complete = true;
        lc->end_ev = now;
        return;
    case UK_EV_DP_PUT:
    case UK_EV_DP_DEL:
        lc_dp_op(lc, e, &now);
        break;
    case UK_EV_CREATE: case UK_EV_TRANSITION: case UK_EV_LOCK:
    case UK_EV_TRYLOCK: case UK_EV_UNLOCK: case UK_EV_UMAP_LOOKUP:
    case UK_EV_UMAP_INSERT: case UK_EV_UMAP_REPLACE: case UK_EV_UMAP_REMOVE:
    case UK_EV_RCU_POSTPONE: case UK_EV_RCU_QUIESCE: case UK_EV_RCU_FREE:
    case UK_EV_UKEY_FREE: case UK_EV_DP_DUMP: case UK_EV_REVALIDATE:
    case UK_EV_STATS_PUSH: case UK_EV_BARRIER: case UK_EV_COVERAGE:
    case N_UK_EVENT_TYPES:
    default:
        break;
    }

    if (e->ukey_id) {
        lc_ukey_event(lc, e->ukey_id, false, e, &now);
    }
    if (e->type == UK_EV_UMAP_REPLACE && e->ukey2_id) {
        lc_ukey_event(lc, e->ukey2_id, true, e, &now);
    }
}

/* lifecycle_discarded() and lifecycle_discard_open(): the summary's
 * count, and what a loss makes of the ukeys and flows seen so far. */
static void
lc_discard(struct lifecycle *lc, uint64_t n, uint64_t ts_begin)
{
    lc->sum.discarded_events += n;
    lc->sum.n_discard_unknown += !n;
    if (!lc->sum.n_discard_reports++) {
        lc->sum.first_discard_ts = ts_begin;
    }
    lc->discard_seen = true;

    for (size_t i = 0; i <= lc->ukeys.mask; i++) {
        struct lc_ukey *u = lc->ukeys.slots[i].value;
        if (u) {
            /* A ukey first seen mid-life is now also one that may have
             * lost its free: exempt it as well. */
            u->doubt = LC_LOST;
        }
    }
    for (size_t i = 0; i < lc->n_flows; i++) {
        struct lc_flow *f = &lc->flows[i];
        if (f->retired) {
            continue;
        }
        f->unsure = f->presence_unsure = true;
        f->slow_rounds = 0;
        f->slow_in_round = f->fast_in_round = false;
    }
}

void
lifecycle_discarded(struct lifecycle *lc, uint64_t n, uint64_t ts_begin,
                    uint64_t ts_end)
{
    lc_discard(lc, n, ts_begin);
    lc->sum.last_discard_ts = ts_end;
    lc->lost_until = lifecycle_lost_until(lc->lost_until, ts_end);
}

void
lifecycle_discard_open(struct lifecycle *lc, uint64_t ts_begin)
{
    lc_discard(lc, 0, ts_begin);
    lc->sum.last_discard_ts = UINT64_MAX;
    lc->n_open_losses++;
}

void
lifecycle_discard_close(struct lifecycle *lc, uint64_t ts_end)
{
    uk_assert(lc->n_open_losses > 0);
    lc->n_open_losses--;
    lc->sum.last_discard_ts = ts_end;
    lc->lost_until = lifecycle_lost_until(lc->lost_until, ts_end);
}

char *
lifecycle_format_lost(char *buf, size_t size, uint64_t known,
                      uint64_t n_unknown)
{
    if (!n_unknown) {
        snprintf(buf, size, "%" PRIu64, known);
    } else if (!known) {
        snprintf(buf, size, "an unknown number");
    } else {
        snprintf(buf, size, "%" PRIu64 " and an unknown number", known);
    }
    return buf;
}

struct lc_ranked {
    uint64_t order;
    uint32_t k;
};

static int
lc_compare_ranked(const void *a_, const void *b_)
{
    const struct lc_ranked *a = a_;
    const struct lc_ranked *b = b_;
    return a->order < b->order ? -1 : a->order > b->order;
}

/* The records not retired, in order of first appearance: an array that
 * the caller frees, of '*n' indexes. */
static uint32_t *
lc_live_flows(const struct lifecycle *lc, size_t *n)
{
    struct lc_ranked *ranked = uk_xmalloc((lc->n_live_flows + 1)
                                          * sizeof *ranked);
    size_t m = 0;
    for (uint32_t k = 0; k < lc->n_flows; k++) {
        if (!lc->flows[k].retired) {
            ranked[m++] = (struct lc_ranked) { lc->flows[k].order, k };
        }
    }
    qsort(ranked, m, sizeof *ranked, lc_compare_ranked);
    uint32_t *live = uk_xmalloc((m + 1) * sizeof *live);
    for (size_t i = 0; i < m; i++) {
        live[i] = ranked[i].k;
    }
    free(ranked);
    *n = m;
    return live;
}

static int
lc_compare_ids(const void *a_, const void *b_)
{
    const struct lc_ukey *const *a = a_;
    const struct lc_ukey *const *b = b_;
    return (*a)->id < (*b)->id ? -1 : (*a)->id > (*b)->id;
}

/* End-of-run rule: a datapath flow that no ukey in a umap covers. */
static void
lc_finish_flows(struct lifecycle *lc)
{
    size_t n = 0;
    uint32_t *live = lc_live_flows(lc, &n);
    for (size_t i = 0; i < n; i++) {
        struct lc_flow *f = &lc->flows[live[i]];
        if (f->dp_present && !f->presence_unsure && !f->unsure
            && !f->map_ukey) {
            struct lc_subject subj = { .ufid = f->ufid,
                                       .pmd_id = f->pmd_id };
            const char *flow_name = lc_flow_name(lc, f->ufid);
            lc_report(lc, UK_VIOL_DP_FLOW_WITHOUT_UKEY, UK_SEV_WARNING,
                      &subj, &lc->end_ev,
                      f->present_ev.seq ? &f->present_ev : NULL,
                      "datapath flow %s pmd %u (put at seq %llu) has no "
                      "ukey in a umap at the end",
                      flow_name ? flow_name : "?", f->pmd_id,
                      (unsigned long long) f->present_ev.seq);
        }
    }
    free(live);
}

/* Ends the run being folded: leaks and datapath flows left, if its 'end'
 * was seen, and the verdicts of the ukeys still live. */
static void
lc_finish_run(struct lifecycle *lc)
{
    size_t n = 0;
    struct lc_ukey **live = uk_xmalloc((lc->ukeys.n + 1) * sizeof *live);
    for (size_t i = 0; i <= lc->ukeys.mask; i++) {
        if (lc->ukeys.slots[i].value) {
            live[n++] = lc->ukeys.slots[i].value;
        }
    }
    qsort(live, n, sizeof *live, lc_compare_ids);

    if (lc->sum.complete) {
        for (size_t i = 0; i < n; i++) {
            struct lc_ukey *u = live[i];
            if (u->doubt != LC_LOST) {
                struct lc_subject subj = { .u = u };
                lc_report(lc, UK_VIOL_LEAK, UK_SEV_ERROR, &subj, &lc->end_ev,
                          &u->last_ev,
                          "leak: ukey %llu never freed (state %s, last "
                          "event seq %llu by %s)",
                          (unsigned long long) u->id,
                          ukey_state_name(u->state),
                          (unsigned long long) u->last_ev.seq,
                          lc_tname(lc, u->last_ev.thread_id, 0));
            }
        }
        lc_finish_flows(lc);
    }
    for (size_t i = 0; i < n; i++) {
        lc_done(lc, live[i], false, &live[i]->last_ev);
        lc_ukey_drop(lc, live[i]);
    }
    free(live);
}

/* Another run of the program (or a restart) follows in the same input,
 * from event 'e': it numbers its ukeys, threads and rounds from 1 again,
 * and starts with an empty datapath.  Ends the run being folded, then
 * forgets what was only its own: freed ids, threads, flow states (their
 * figures go on), and losses whose range ended before 'e'. */
static void
lc_new_run(struct lifecycle *lc, const struct ukey_event *e)
{
    lc_finish_run(lc);

    size_t n = 0;
    uint32_t *live = lc_live_flows(lc, &n);
    for (size_t i = 0; i < n; i++) {
        lc_flow_retire(lc, live[i]);
    }
    free(live);
    lc->n_touched = 0;

    lc->fb_started = false;
    lc->min_id = lc->fb_floor = lc->fb_base = 0;
    lc->fb_head = lc->fb_n = 0;
    lc->n_far_freed = 0;
    free(lc->old_freed.slots);
    lc_map_init(&lc->old_freed, 64);
    free(lc->free_cache);
    lc->free_cache = NULL;

    if (lc->threads) {
        memset(lc->threads, 0, lc->n_threads * sizeof *lc->threads);
    }
    lc->last_round = 0;
    lc->started = false;
    lc->max_seq = 0;
    if (!lc_in_loss(lc, e->ts)) {
        lc->discard_seen = false;
        lc->lost_until = 0;
    }
    lc->sum.complete = false;
}

/* Whether 'e' starts another run: it follows the 'end' of the run being
 * folded, or it is a thread start that only a run's first events can be
 * (seq 1 to 3: the main and urcu threads, or the first one an observer
 * sees) well into the run, or the main thread's start, seq 1, which a run
 * has once, after the run being folded got past its own first two
 * events.  The last is how a session that rebuilt its model ("back",
 * "variant" in the REPL) looks: the model it left, with no 'end', then
 * the new one from its start.  Two programs that start together still
 * mix their first events, and their seqs go back (lifecycle_feed()). */
static bool
lc_starts_run(const struct lifecycle *lc, const struct ukey_event *e)
{
    return (lc->sum.complete
            || (e->type == UK_EV_THREAD_START && e->seq <= 3
                && lc->max_seq > LC_RUN_RESTART_SEQ)
            || (e->type == UK_EV_THREAD_START && e->seq == 1
                && e->kind == UK_THREAD_MAIN && lc->max_seq > 2));
}

void
lifecycle_finish(struct lifecycle *lc)
{
    if (lc->finished) {
        return;
    }
    lc->finished = true;
    lc_finish_run(lc);
}

void
lifecycle_get_summary(const struct lifecycle *lc,
                      struct lifecycle_summary *out)
{
    *out = lc->sum;
}

static int
lc_compare_listed(const void *a_, const void *b_)
{
    const struct lc_listed *a = a_;
    const struct lc_listed *b = b_;
    return a->order < b->order ? -1 : a->order > b->order;
}

uint64_t
lifecycle_for_each_flow(const struct lifecycle *lc,
                        void (*fn)(const struct lifecycle_flow *, void *aux),
                        void *aux, struct lifecycle_flow *omitted)
{
    /* The retired figures, then each live record merged into its flow's
     * entry or, when the list is full, into the omitted sums. */
    size_t n_live = 0;
    uint32_t *live = lc_live_flows(lc, &n_live);
    size_t n = lc->n_listed;
    struct lc_listed *list = uk_xmalloc((n + n_live + 1) * sizeof *list);
    if (n) {
        memcpy(list, lc->listed, n * sizeof *list);
    }
    struct lifecycle_flow rest = lc->omitted;
    uint64_t n_rest = lc->n_omitted;
    for (size_t i = 0; i < n_live; i++) {
        const struct lc_flow *f = &lc->flows[live[i]];
        struct lifecycle_flow fig = lc_flow_figures(lc, f);
        struct lc_listed *l = NULL;
        if (lc->listed_index) {
            size_t j = lc_flow_hash(f->ufid, f->pmd_id) & lc->listed_mask;
            for (; lc->listed_index[j].index;
                 j = (j + 1) & lc->listed_mask) {
                const struct lc_listed_slot *slot = &lc->listed_index[j];
                if (slot->ufid == f->ufid && slot->pmd_id == f->pmd_id) {
                    l = &list[slot->index - 1];
                    break;
                }
            }
        }
        if (l) {
            lc_figures_add(&l->fig, &fig);
        } else if (n < LIFECYCLE_MAX_FLOWS) {
            /* Not retired yet, hence seen once: no merging needed. */
            list[n++] = (struct lc_listed) { .order = f->order, .fig = fig };
        } else {
            n_rest++;
            lc_figures_add(&rest, &fig);
        }
    }
    free(live);

    qsort(list, n, sizeof *list, lc_compare_listed);
    for (size_t i = 0; i < n; i++) {
        list[i].fig.flow_name = lc_flow_name(lc, list[i].fig.ufid);
        fn(&list[i].fig, aux);
    }
    free(list);
    if (omitted) {
        *omitted = rest;
    }
    return n_rest;
}

size_t
lifecycle_footprint(const struct lifecycle *lc)
{
    size_t size = sizeof *lc;
    size += (lc->ukeys.mask + 1) * sizeof *lc->ukeys.slots;
    size += (lc->names.mask + 1) * sizeof *lc->names.slots;
    size += (lc->old_freed.mask + 1) * sizeof *lc->old_freed.slots;
    size += lc->allocated_chunks * sizeof *lc->chunks;
    for (size_t i = 0; i < lc->n_chunks; i++) {
        size += LC_CHUNK_UKEYS * sizeof **lc->chunks;
        for (size_t j = 0; j < LC_CHUNK_UKEYS; j++) {
            size += lc->chunks[i][j].allocated_steps
                    * sizeof *lc->chunks[i][j].steps;
            size += lc->chunks[i][j].expl ? sizeof lc->buf : 0;
        }
    }
    size += lc->allocated_flows * sizeof *lc->flows;
    size += lc->allocated_listed * sizeof *lc->listed;
    if (lc->listed_index) {
        size += (lc->listed_mask + 1) * sizeof *lc->listed_index;
        size += LC_LISTED_FILTER_BITS / 8;
    }
    size += (lc->flow_mask + 1) * sizeof *lc->flow_index;
    size += lc->allocated_touched * sizeof *lc->touched;
    size += lc->fb_allocated * sizeof *lc->fb_words;
    size += lc->n_threads * sizeof *lc->threads;
    if (lc->free_cache) {
        size += LC_FREE_CACHE * sizeof *lc->free_cache;
    }
    for (const struct lc_arena_chunk *c = lc->arena; c; c = c->next) {
        size += sizeof *c + c->size;
    }
    return size;
}

bool
lifecycle_mixed_programs(const struct lifecycle *lc, uint64_t ts0,
                         char *buf, size_t size)
{
    const struct lifecycle_summary *s = &lc->sum;
    if (!s->n_seq_back) {
        return false;
    }
    uint64_t rel = s->seq_back_ts >= ts0 ? s->seq_back_ts - ts0 : 0;
    const char *name = s->seq_back_name;
    snprintf(buf, size, "the events of thread %" PRIu32 "%s%s%s go back "
             "from seq %" PRIu64 " to seq %" PRIu64 " at +%" PRIu64 ".%09"
             PRIu64 " (%" PRIu64 " time%s): the input mixes the events of "
             "two programs (record each in a session of its own), or is "
             "corrupt", s->seq_back_thread, name ? " (" : "",
             name ? name : "", name ? ")" : "", s->seq_back_from,
             s->seq_back_to, rel / 1000000000, rel % 1000000000,
             s->n_seq_back, s->n_seq_back == 1 ? "" : "s");
    return true;
}

const char *
lifecycle_thread_name(const struct lifecycle *lc, uint32_t id)
{
    return id < lc->n_threads ? lc->threads[id].name : NULL;
}

size_t
lifecycle_n_flow_records(const struct lifecycle *lc)
{
    return lc->n_live_flows;
}
