/* SPDX-License-Identifier: Apache-2.0 */
/* The events the fold holds while a lower seq is missing (report-private.h,
 * "Held events"; report-order.c, "The fold's order").  In a free-running trace
 * nearly every event waits there, a few thousand at a time: each is found
 * through a ring at the entry of its seq and taken out in the ring's
 * order, both in constant time, where a heap took a dozen comparisons and
 * as many cache misses per event.  The events themselves wait in slots
 * reused last freed first, which stay in the cache, not in the ring: its
 * entries for the seqs of a wide span would be a cold line for each.  The
 * few events the ring cannot take (a seq that came twice, or one farther
 * from the others than the ring is long) go to a heap. */
#include "report-private.h"

#include <stdlib.h>
#include <string.h>

#include "core/util.h"

#define REPORT_RING_MIN 1024u   /* Entries of a ring when first needed. */
/* Entries at most: the seqs a complete trace holds at once, up to
 * REPORT_HOLD_MAX events and the seqs still in flight among them. */
#define REPORT_RING_MAX (2u * REPORT_HOLD_MAX)

/* ==== Slots ==== */

/* Copies 'e' into a free slot.  Returns the slot. */
static uint32_t
report_hold_store(struct report_hold *h, const struct ukey_event *e)
{
    uint32_t slot;
    if (h->n_free) {
        slot = h->free_slots[--h->n_free];
    } else {
        slot = (uint32_t) h->n;     /* Every slot below is in use. */
        if (slot == h->allocated_events) {
            h->events = uk_grow(h->events, &h->allocated_events, slot + 1,
                                sizeof *h->events);
            /* Room for every slot to be free. */
            h->free_slots = uk_xrealloc(h->free_slots,
                                        (h->allocated_events
                                         * sizeof *h->free_slots));
        }
    }
    h->events[slot] = *e;
    h->n++;
    return slot;
}

/* Copies the event in 'slot' into '*e' and frees the slot. */
static void
report_hold_take(struct report_hold *h, uint32_t slot, struct ukey_event *e)
{
    *e = h->events[slot];
    if (--h->n) {
        h->free_slots[h->n_free++] = slot;
    } else {
        h->n_free = 0;          /* Every slot free: from 0 again. */
    }
}

/* ==== The ring ==== */

/* Makes room in the ring for 'seq' beside the seqs it holds: allocates
 * it, or makes it longer up to REPORT_RING_MAX.  Returns false if 'seq' is
 * too far from them. */
static bool
report_hold_ring_room(struct report_hold *h, uint64_t seq)
{
    uint64_t low = h->n_ring && h->low < seq ? h->low : seq;
    uint64_t high = h->n_ring && h->high > seq ? h->high : seq;
    uint64_t span = high - low;             /* Entries needed, minus 1. */
    if (h->ring && span <= h->mask) {
        return true;
    }
    size_t n = h->ring ? h->mask + 1 : REPORT_RING_MIN;
    while (n - 1 < span && n < REPORT_RING_MAX) {
        n *= 2;
    }
    if (span > n - 1) {
        return false;
    }
    uint32_t *ring = uk_xcalloc(n, sizeof *ring);
    for (size_t i = 0; h->ring && i <= h->mask; i++) {
        if (h->ring[i]) {
            ring[h->events[h->ring[i] - 1].seq & (n - 1)] = h->ring[i];
        }
    }
    free(h->ring);
    h->ring = ring;
    h->mask = n - 1;
    return true;
}

/* Puts 'e' in the ring if its entry is free.  Returns false if not. */
static bool
report_hold_ring_put(struct report_hold *h, const struct ukey_event *e)
{
    if (!report_hold_ring_room(h, e->seq)) {
        return false;
    }
    uint32_t *entry = &h->ring[e->seq & h->mask];
    if (*entry) {
        return false;           /* Its seq again. */
    }
    *entry = report_hold_store(h, e) + 1;
    if (!h->n_ring++) {
        h->low = h->high = e->seq;
    } else if (e->seq < h->low) {
        h->low = e->seq;
    } else if (e->seq > h->high) {
        h->high = e->seq;
    }
    return true;
}

/* Takes the event of the ring's lowest seq into '*e'. */
static void
report_hold_ring_pop(struct report_hold *h, struct ukey_event *e)
{
    uint32_t *entry = &h->ring[h->low & h->mask];
    report_hold_take(h, *entry - 1, e);
    *entry = 0;
    if (--h->n_ring) {
        /* The next seq held: within 'mask' entries, as every other. */
        uint64_t seq = h->low + 1;
        while (!h->ring[seq & h->mask]) {
            seq++;
        }
        h->low = seq;
    }
}

/* ==== The heap ==== */

/* The heap orders keys of 24 bytes, not the events themselves. */
static bool
report_hold_before(const struct report_held *a, const struct report_held *b)
{
    return a->seq < b->seq || (a->seq == b->seq && a->taken < b->taken);
}

static void
report_hold_heap_put(struct report_hold *h, const struct ukey_event *e)
{
    h->heap = uk_grow(h->heap, &h->allocated_heap, h->n_heap + 1,
                      sizeof *h->heap);
    struct report_held key = { .seq = e->seq, .taken = h->n_taken++,
                               .slot = report_hold_store(h, e) };
    size_t i = h->n_heap++;
    while (i > 0 && report_hold_before(&key, &h->heap[(i - 1) / 2])) {
        h->heap[i] = h->heap[(i - 1) / 2];
        i = (i - 1) / 2;
    }
    h->heap[i] = key;
}

/* Takes the event at the top of the heap into '*e'. */
static void
report_hold_heap_pop(struct report_hold *h, struct ukey_event *e)
{
    report_hold_take(h, h->heap[0].slot, e);
    struct report_held last = h->heap[--h->n_heap];
    size_t i = 0;
    for (;;) {
        size_t c = 2 * i + 1;
        if (c >= h->n_heap) {
            break;
        }
        if (c + 1 < h->n_heap
            && report_hold_before(&h->heap[c + 1], &h->heap[c])) {
            c++;
        }
        if (!report_hold_before(&h->heap[c], &last)) {
            break;
        }
        h->heap[i] = h->heap[c];
        i = c;
    }
    if (h->n_heap) {
        h->heap[i] = last;
    }
}

/* ==== Held events ==== */

void
report_hold_put(struct report_hold *h, const struct ukey_event *e)
{
    /* Events of one seq go out in the order they came: one goes to the
     * ring only below every seq in the heap, so that where both hold a
     * seq, the ring's came first. */
    if ((h->n_heap && e->seq >= h->heap[0].seq)
        || !report_hold_ring_put(h, e)) {
        report_hold_heap_put(h, e);
    }
}

void
report_hold_pop(struct report_hold *h, struct ukey_event *e)
{
    if (h->n_ring && (!h->n_heap || h->low <= h->heap[0].seq)) {
        report_hold_ring_pop(h, e);
    } else {
        report_hold_heap_pop(h, e);
    }
}

void
report_hold_destroy(struct report_hold *h)
{
    free(h->events);
    free(h->free_slots);
    free(h->ring);
    free(h->heap);
    memset(h, 0, sizeof *h);
}
