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
#include <stdlib.h>

#include <urcu/urcu-qsbr.h>
#include <urcu/rculfhash.h>

#include "util.h"

struct umap_node {
    struct cds_lfht_node node;
    struct ukey *ukey;          /* (weak) */
    uint64_t ufid;              /* ukey->ufid, which never changes: a lookup
                                 * compares it without a second cache miss
                                 * per node of the chain. */
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
    struct ukey_event e = { .type = UK_EV_UMAP_LOOKUP, .ufid = ufid,
                            .pmd_id = pmd_id, .umap = umap->index,
                            .ukey_id = found ? found->id : 0 };
    udpif_emit(t->udpif, t, &e);
    return found;
}

/* A ukey and its cds_lfht node in one block, 'node' first: a lookup that
 * walks a chain reads each node's link and ufid from one cache line, and
 * an install costs one malloc (and its free one free) instead of two. */
struct ukey_block {
    struct umap_node node;
    struct ukey ukey;
};

/* ukey_create()'s allocation: a zeroed ukey whose node the first insert
 * links (node_of()). */
struct ukey *
umap_alloc_ukey(void)
{
    struct ukey_block *b = uk_xzalloc(sizeof *b);
    b->ukey.node = &b->node;
    return &b->ukey;
}

/* Frees a ukey allocated by umap_alloc_ukey(). */
void
umap_free_ukey(struct ukey *ukey)
{
    if (ukey) {
        free(caa_container_of(ukey, struct ukey_block, ukey));
    }
}

static struct umap_node *
node_of(struct ukey *ukey)
{
    struct umap_node *n = ukey->node;
    if (!n->ukey) {
        cds_lfht_node_init(&n->node);
        n->ukey = ukey;
        n->ufid = ukey->ufid;
        uk_tsan_release(n);     /* Before publication: pairs with lookups. */
    }
    return n;
}

static void
emit_umap(struct uk_thread *t, enum uk_event_type type, struct umap *umap,
          struct ukey *ukey, struct ukey *new, int result, const char *func)
{
    struct ukey_event e = { .type = (uint16_t) type, .ukey_id = ukey->id,
        .ufid = ukey->ufid, .pmd_id = ukey->pmd_id, .umap = umap->index,
        .result = result, .ukey2_id = new ? new->id : 0, .where = func };
    udpif_emit(t->udpif, t, &e);
}

void
umap_insert(struct uk_thread *t, struct umap *umap, struct ukey *ukey,
            const char *func)
{
    uk_point(t, UK_ACT_INSERT, func, ukey, umap->index);
    cds_lfht_add(umap->table, table_hash(t->udpif, ukey->hash),
                 &node_of(ukey)->node);
    ukey->in_umap = true;
    emit_umap(t, UK_EV_UMAP_INSERT, umap, ukey, NULL, 0, func);
}

void
umap_replace(struct uk_thread *t, struct umap *umap, struct ukey *old,
             struct ukey *new, const char *func)
{
    uk_point(t, UK_ACT_REPLACE, func, old, umap->index);
    struct cds_lfht_iter iter;
    struct umap_node *on = node_of(old);
    cds_lfht_lookup(umap->table, table_hash(t->udpif, old->hash),
                    match_node, &on->node, &iter);
    int error = cds_lfht_replace(umap->table, &iter,
                                 table_hash(t->udpif, new->hash), match_node,
                                 &on->node, &node_of(new)->node);
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
        error = cds_lfht_del(umap->table, &node_of(ukey)->node);
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
        int error = cds_lfht_del(umap->table, &node_of(ukey)->node);
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

uint32_t
ukey_hash(uint64_t ufid, uint32_t pmd_id)
{
    return ukey_hash_of(ufid, pmd_id);
}
