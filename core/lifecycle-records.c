/* SPDX-License-Identifier: Apache-2.0 */
/* The lifecycle fold's records (see lifecycle-private.h): the open-addressing
 * map from a u64 to a pointer (ukey id -> record, ufid -> flow name), the
 * arena of strings, the threads, the freed-id bitmap and the per-ukey
 * records, recycled through a free list. */
#include "lifecycle-private.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ==== Hash map ==== */

void
lc_map_init(struct lc_map *m, size_t capacity)
{
    m->slots = uk_xcalloc(capacity, sizeof *m->slots);
    m->mask = capacity - 1;
    m->n = 0;
}

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
void
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

void
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
const char *
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

struct lc_thread *
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
        /* A thread first seen after a loss, or in an input that began
         * mid-run, may be inside an operation begun before. */
        bool unseen = lc->discard_seen || !lc_from_start(lc);
        for (size_t i = lc->n_threads; i < n; i++) {
            lc->threads[i].ops_unseen = unseen;
        }
        lc->n_threads = n;
    }
    return &lc->threads[id];
}

/* ==== Freed ids ==== */

bool
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

void
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

/* ==== Ukey records ==== */

_Static_assert(sizeof (struct lc_ukey) % 64 == 0,
               "struct lc_ukey: whole cache lines, or records straddle them");

static struct lc_ukey *
lc_ukey_alloc(struct lifecycle *lc)
{
    if (!lc->free_ukeys) {
        /* Line-aligned: a record is 8 cache lines, what most events
         * touch in its first two (see struct lc_ukey). */
        struct lc_ukey *block = uk_xmalloc_aligned(64, (LC_CHUNK_UKEYS
                                                        * sizeof *block));
        memset(block, 0, LC_CHUNK_UKEYS * sizeof *block);
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

void
lc_ukey_drop(struct lifecycle *lc, struct lc_ukey *u)
{
    lc_map_remove(&lc->ukeys, u->id);
    u->next_free = lc->free_ukeys;
    lc->free_ukeys = u;
    lc->sum.n_live--;
}

/* Sets the flow of 'u' from ('ufid', 'pmd_id'). */
void
lc_ukey_set_flow(struct lifecycle *lc, struct lc_ukey *u,
                 const struct ukey_event *e, uint32_t pmd_id)
{
    u->ufid = e->ufid;
    u->pmd_id = pmd_id;
    u->flow = lc_event_flow(lc, e, pmd_id);
}

/* Returns the record of 'id', creating it for an event that is not its
 * 'create' as a ukey first seen mid-life. */
struct lc_ukey *
lc_ukey_get(struct lifecycle *lc, uint64_t id, const struct ukey_event *e,
            uint64_t index)
{
    struct lc_ukey *u = lc_map_get(&lc->ukeys, id);
    if (u) {
        return u;
    }
    u = lc_ukey_alloc(lc);
    u->id = id;
    u->run = (uint32_t) lc->sum.n_runs;
    if (!lc->min_id || id < lc->min_id) {
        lc->min_id = id;
    }
    u->first_ev = lc_evidence(e, index);
    u->tr_round = lc->n_swept;
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
