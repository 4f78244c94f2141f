/* SPDX-License-Identifier: Apache-2.0 */
/* The umaps: OVS's 'struct umap' shards, each a model mutex plus a liburcu
 * lock-free hash table (cds_lfht, QSBR flavour).  As in OVS's cmap there is
 * one writer per shard at a time (the umap mutex) and lockless readers.
 *
 * Synchronization: umap_lookup() and umap_collect() may run concurrently
 * with writers; umap_insert(), umap_replace() and umap_remove() require the
 * umap mutex.  A removed node stays readable until the ukey is freed: in
 * stepped mode only in udpif_destroy(), free-running after a grace period. */
#include "udpif-private.h"

#include <errno.h>
#include <stdatomic.h>
#include <stdlib.h>

#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "util.h"

struct umap_node {
    struct cds_lfht_node node;  /* First: its link is the free list's. */
    struct ukey *ukey;          /* (weak) */
    uint64_t ufid;              /* ukey->ufid, which never changes: a lookup
                                 * compares it without a second cache miss
                                 * per node of the chain. */
};

/* A chunk of nodes: 127 of 32 bytes and a link, one page, cache-line
 * aligned, so that no node straddles two lines. */
#define UMAP_CHUNK_NODES 127
struct umap_chunk {
    struct umap_node nodes[UMAP_CHUNK_NODES];
    struct umap_chunk *next;
};

void
umap_init(struct umap *umap, int index, size_t expected, int lfht_flags)
{
    unsigned long size = 8;
    while (size < expected && size < (1UL << 20)) {
        size <<= 1;
    }
    umap->index = index;
    uk_mutex_init(&umap->mutex, UK_LOCK_UMAP, index, NULL);
    umap->table = cds_lfht_new_flavor(size, size, 0, lfht_flags,
                                      &urcu_qsbr_flavor, NULL);
    uk_assert(umap->table);
    umap->free_nodes = NULL;
    umap->returned = NULL;
    umap->chunks = NULL;
    umap->n_carved = 0;
}

/* ==== Nodes ====
 *
 * A writer (holding the umap mutex) takes a node from 'free_nodes'; when
 * that is empty, it takes every node given back since, with one atomic
 * exchange; when none was, the next node of the newest chunk that was
 * never handed out, in address order (a new chunk when it has none left):
 * no link to read, which would be a cache miss per node on the install
 * path while the ukeys grow, and no chunk to link up.  A node goes back once
 * its ukey is freed, after a grace period (no reader can reach it), from
 * whichever thread frees it: a push on 'returned' (a Treiber stack with
 * one consumer that only ever takes the whole list, so no ABA).  Under
 * AddressSanitizer a free node is poisoned but for its link, so that a use
 * after free of a node is still caught. */

#if defined(__SANITIZE_ADDRESS__)
#include <sanitizer/asan_interface.h>
#define UMAP_POISON(N) \
    ASAN_POISON_MEMORY_REGION((char *) (N) + sizeof (N)->node.next, \
                              sizeof *(N) - sizeof (N)->node.next)
#define UMAP_UNPOISON(N) ASAN_UNPOISON_MEMORY_REGION((N), sizeof *(N))
#else
#define UMAP_POISON(N) ((void) (N))
#define UMAP_UNPOISON(N) ((void) (N))
#endif

static struct umap_node *
free_link(const struct umap_node *n)
{
    return (struct umap_node *) n->node.next;
}

static struct umap_node *
node_alloc(struct umap *umap)
{
    struct umap_node *n = umap->free_nodes;
    if (!n) {
        n = atomic_exchange_explicit(
            (_Atomic(struct umap_node *) *) &umap->returned, NULL,
            memory_order_acquire);
    }
    if (n) {
        umap->free_nodes = free_link(n);
    } else {
        if (!umap->chunks || umap->n_carved == UMAP_CHUNK_NODES) {
            struct umap_chunk *c = uk_xmalloc_aligned(64, sizeof *c);
            c->next = umap->chunks;
            umap->chunks = c;
            umap->n_carved = 0;
            for (size_t i = 0; i < UMAP_CHUNK_NODES; i++) {
                UMAP_POISON(&c->nodes[i]);      /* Nothing but in ASan. */
            }
        }
        n = &umap->chunks->nodes[umap->n_carved++];
    }
    UMAP_UNPOISON(n);
    return n;
}

void
umap_release_node(struct umap *umap, struct ukey *ukey)
{
    struct umap_node *n = ukey->node;
    if (!n) {
        return;
    }
    ukey->node = NULL;
    UMAP_POISON(n);             /* Before a writer can take it again. */
    _Atomic(struct umap_node *) *top =
        (_Atomic(struct umap_node *) *) &umap->returned;
    struct umap_node *old = atomic_load_explicit(top, memory_order_relaxed);
    do {
        n->node.next = (struct cds_lfht_node *) old;
    } while (!atomic_compare_exchange_weak_explicit(top, &old, n,
                                                    memory_order_release,
                                                    memory_order_relaxed));
}

void
umap_destroy(struct umap *umap)
{
    if (umap->table) {
        struct cds_lfht_iter iter;
        struct umap_node *n;
        cds_lfht_for_each_entry (umap->table, &iter, n, node) {
            cds_lfht_del(umap->table, &n->node);
            n->ukey->in_umap = false;
        }
        int error = cds_lfht_destroy(umap->table, NULL);
        uk_assert(!error);
        umap->table = NULL;
    }
    for (struct umap_chunk *c = umap->chunks, *next; c; c = next) {
        next = c->next;
        for (size_t i = 0; i < UMAP_CHUNK_NODES; i++) {
            UMAP_UNPOISON(&c->nodes[i]);
        }
        free(c);
    }
    umap->chunks = NULL;
    umap->free_nodes = umap->returned = NULL;
    umap->n_carved = 0;
}

struct lookup_key {
    uint64_t ufid;
};

/* ukey_lookup() compares only the ufid: 'pmd_id' enters through the hash,
 * as in OVS. */
static int
match_ufid(struct cds_lfht_node *node, const void *key_)
{
    const struct lookup_key *key = key_;
    const struct umap_node *n = caa_container_of(node, struct umap_node,
                                                 node);
    return n->ufid == key->ufid;
}

static int
match_node(struct cds_lfht_node *node, const void *key)
{
    return node == key;
}

static uint32_t
ukey_hash_of(uint64_t ufid, uint32_t pmd_id)
{
    return (uint32_t) uk_mix64(ufid ^ ((uint64_t) pmd_id << 32));
}

/* The hash under which a ukey of hash 'hash' sits in its umap's table.
 * The shard is 'hash % n_umaps', so with a power-of-two number of shards
 * every ukey of a shard has the same low bits of 'hash', and cds_lfht
 * takes its bucket from the low bits: a table of 64 shards would use one
 * bucket in 64, and its chains, and so its lookups, would grow 64 times
 * longer than the table means (auto-resize stops growing a small table
 * long before that).  OVS's cmap has the same correlation in its first
 * bucket and a rehashed second one.  Free-running mode, where the tables
 * grow, uses the other half of the bits; stepped mode keeps 'hash', so that
 * the order of umap_collect() (bit-reversed hash order), and so every
 * stepped run, is unchanged. */
static unsigned long
table_hash(const struct udpif *udpif, uint32_t hash)
{
    return udpif->free_running ? (hash >> 16) | (hash << 16) : hash;
}

struct ukey *
umap_lookup(struct uk_thread *t, struct umap *umap, uint64_t ufid,
            uint32_t pmd_id, const char *func)
{
    struct uk_action a = { .kind = UK_ACT_LOOKUP, .func = func,
                           .where = UK_SOURCE_LOCATOR, .umap = umap->index,
                           .ufid = ufid };
    uk_sched_point(t, &a);
    struct lookup_key key = { ufid };
    struct cds_lfht_iter iter;
    struct ukey *found = NULL;
    cds_lfht_lookup(umap->table,
                    table_hash(t->udpif, ukey_hash_of(ufid, pmd_id)),
                    match_ufid, &key, &iter);
    struct cds_lfht_node *node = cds_lfht_iter_get_node(&iter);
    if (node) {
        uk_tsan_acquire(node);  /* Pairs with the release in node_of(). */
        found = caa_container_of(node, struct umap_node, node)->ukey;
    }
    if (udpif_wants(t->udpif, UK_EV_UMAP_LOOKUP)) {
        struct ukey_event e = { .type = UK_EV_UMAP_LOOKUP, .ufid = ufid,
                                .pmd_id = pmd_id, .umap = umap->index,
                                .ukey_id = found ? found->id : 0 };
        udpif_emit__(t->udpif, t, &e);
    }
    return found;
}

/* The node of 'ukey', in its umap's table. */
static struct umap_node *
linked_node(const struct ukey *ukey)
{
    uk_assert(ukey->in_umap && ukey->node);
    return ukey->node;
}

/* The node of 'ukey', taken from the pool at its first insert (under the
 * umap mutex). */
static struct umap_node *
node_of(struct umap *umap, struct ukey *ukey)
{
    struct umap_node *n = ukey->node;
    if (!n) {
        n = node_alloc(umap);
        cds_lfht_node_init(&n->node);
        n->ukey = ukey;
        n->ufid = ukey->ufid;
        ukey->node = n;
        uk_tsan_release(n);     /* Before publication: pairs with lookups. */
    }
    return n;
}

static void
emit_umap(struct uk_thread *t, enum uk_event_type type, struct umap *umap,
          struct ukey *ukey, struct ukey *new, int result, const char *func)
{
    if (udpif_wants(t->udpif, type)) {
        struct ukey_event e = { .type = (uint16_t) type, .ukey_id = ukey->id,
            .ufid = ukey->ufid, .pmd_id = ukey->pmd_id, .umap = umap->index,
            .result = result, .ukey2_id = new ? new->id : 0, .where = func };
        udpif_emit__(t->udpif, t, &e);
    }
}

void
umap_insert(struct uk_thread *t, struct umap *umap, struct ukey *ukey,
            const char *func)
{
    uk_point(t, UK_ACT_INSERT, func, ukey, umap->index);
    cds_lfht_add(umap->table, table_hash(t->udpif, ukey->hash),
                 &node_of(umap, ukey)->node);
    ukey->in_umap = true;
    emit_umap(t, UK_EV_UMAP_INSERT, umap, ukey, NULL, 0, func);
}

void
umap_replace(struct uk_thread *t, struct umap *umap, struct ukey *old,
             struct ukey *new, const char *func)
{
    uk_point(t, UK_ACT_REPLACE, func, old, umap->index);
    struct cds_lfht_iter iter;
    struct umap_node *on = linked_node(old);
    cds_lfht_lookup(umap->table, table_hash(t->udpif, old->hash),
                    match_node, &on->node, &iter);
    int error = cds_lfht_replace(umap->table, &iter,
                                 table_hash(t->udpif, new->hash), match_node,
                                 &on->node, &node_of(umap, new)->node);
    uk_assert(!error);
    old->in_umap = false;
    new->in_umap = true;
    emit_umap(t, UK_EV_UMAP_REPLACE, umap, old, new, 0, func);
}

int
umap_remove(struct uk_thread *t, struct umap *umap, struct ukey *ukey,
            const char *func)
{
    uk_point(t, UK_ACT_REMOVE, func, ukey, umap->index);
    int error = ENOENT;
    if (ukey->in_umap) {
        /* OVS asserts when the node is not in the cmap; the model records
         * the failure as an event and leaves the table alone. */
        error = cds_lfht_del(umap->table, &linked_node(ukey)->node);
        uk_assert(!error);
        ukey->in_umap = false;
    }
    emit_umap(t, UK_EV_UMAP_REMOVE, umap, ukey, NULL, error, func);
    return error;
}

void
umap_unlink(struct umap *umap, struct ukey *ukey)
{
    if (ukey->in_umap) {
        int error = cds_lfht_del(umap->table, &linked_node(ukey)->node);
        uk_assert(!error);
        ukey->in_umap = false;
    }
}

size_t
umap_collect(const struct umap *umap, struct ukey ***array,
             size_t *allocated)
{
    struct cds_lfht_iter iter;
    struct umap_node *n;
    size_t count = 0;
    cds_lfht_for_each_entry (umap->table, &iter, n, node) {
        uk_tsan_acquire(n);     /* Pairs with the release in node_of(). */
        *array = uk_grow(*array, allocated, count + 1, sizeof **array);
        (*array)[count++] = n->ukey;
    }
    return count;
}

size_t
umap_node_capacity(const struct umap *umap)
{
    size_t n = 0;
    for (const struct umap_chunk *c = umap->chunks; c; c = c->next) {
        n += UMAP_CHUNK_NODES;
    }
    return n;
}

uint32_t
ukey_hash(uint64_t ufid, uint32_t pmd_id)
{
    return ukey_hash_of(ufid, pmd_id);
}
