/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of tracepoints/plugin/report-hold.c, the events the audit's
 * fold holds while a lower seq is missing: they come out lowest seq first,
 * those of one seq in the order they came, whether they sit in the ring or
 * in the heap (a seq twice, one too far from the others), across the
 * ring's growth; checked against a plain list. */
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "tests/tap.h"
#include "tracepoints/plugin/report-private.h"

/* What the held events must give: each put's seq and its order of
 * coming, in a list searched for the lowest. */
struct ref {
    struct { uint64_t seq, taken; } *items;
    size_t n, allocated;
    uint64_t n_taken;
};

static void
ref_put(struct ref *ref, uint64_t seq)
{
    ref->items = uk_grow(ref->items, &ref->allocated, ref->n + 1,
                         sizeof *ref->items);
    ref->items[ref->n].seq = seq;
    ref->items[ref->n].taken = ref->n_taken++;
    ref->n++;
}

/* Index of the item that must come out next. */
static size_t
ref_first(const struct ref *ref)
{
    size_t best = 0;
    for (size_t i = 1; i < ref->n; i++) {
        if (ref->items[i].seq < ref->items[best].seq
            || (ref->items[i].seq == ref->items[best].seq
                && ref->items[i].taken < ref->items[best].taken)) {
            best = i;
        }
    }
    return best;
}

/* Puts seq 'seq' in both; the event carries its order of coming in
 * 'value' and 'ts', so that a copy that came out whole is told. */
static void
put(struct report_hold *h, struct ref *ref, uint64_t seq)
{
    struct ukey_event e = { .seq = seq, .value = ref->n_taken,
                            .ts = ref->n_taken * 3, .type = 7 };
    report_hold_put(h, &e);
    ref_put(ref, seq);
}

/* Takes one out of both; false (with a diagnostic) if they differ. */
static bool
pop(struct report_hold *h, struct ref *ref)
{
    size_t i = ref_first(ref);
    uint64_t seq = ref->items[i].seq, taken = ref->items[i].taken;
    ref->items[i] = ref->items[--ref->n];

    const struct ukey_event *first = report_hold_first(h);
    struct ukey_event e;
    report_hold_pop(h, &e);
    if (!first || e.seq != seq || e.value != taken || e.ts != taken * 3
        || e.type != 7 || h->n != ref->n) {
        diag("expected seq %" PRIu64 " taken %" PRIu64 ", got seq %" PRIu64
             " taken %" PRIu64 " (first %s), %zu held for %zu", seq, taken,
             e.seq, e.value, first ? "given" : "NULL", h->n, ref->n);
        return false;
    }
    return true;
}

static bool
pop_all(struct report_hold *h, struct ref *ref)
{
    while (ref->n) {
        if (!pop(h, ref)) {
            return false;
        }
    }
    return !h->n && !report_hold_first(h);
}

static void
test_order(void)
{
    struct report_hold h = { 0 };
    struct ref ref = { 0 };

    ok(!report_hold_first(&h), "nothing held: no first");
    static const uint64_t seqs[] = { 5, 3, 9, 4, 7, 6, 8 };
    for (size_t i = 0; i < sizeof seqs / sizeof seqs[0]; i++) {
        put(&h, &ref, seqs[i]);
    }
    is_int(report_hold_first(&h)->seq, 3, "the lowest seq is first");
    ok(pop(&h, &ref) && pop(&h, &ref), "taken out lowest first");
    put(&h, &ref, 2);           /* Below the lowest left. */
    put(&h, &ref, 12);
    ok(pop_all(&h, &ref), "then in seq order, also those put later");
    is_int(h.n_heap, 0, "all in the ring");
    report_hold_destroy(&h);
    free(ref.items);
}

static void
test_same_seq(void)
{
    struct report_hold h = { 0 };
    struct ref ref = { 0 };

    /* Seq 10 three times: the ring takes the first, the heap the others;
     * 11 waits behind them in the heap. */
    put(&h, &ref, 10);
    put(&h, &ref, 10);
    put(&h, &ref, 11);
    put(&h, &ref, 10);
    ok(h.n_ring == 1 && h.n_heap == 3, "a seq again goes to the heap");
    ok(pop_all(&h, &ref), "one seq's events come out as they came");

    /* A seq farther than the longest ring from the others: the heap, and
     * the same seq again after it too. */
    uint64_t far = 20 + 4 * REPORT_HOLD_MAX;
    put(&h, &ref, 20);
    put(&h, &ref, far);
    put(&h, &ref, far);
    put(&h, &ref, 21);
    ok(h.n_ring == 2 && h.n_heap == 2, "a seq too far goes to the heap");
    ok(pop_all(&h, &ref), "and comes out in its turn, in order");
    report_hold_destroy(&h);
    free(ref.items);
}

static void
test_growth(void)
{
    struct report_hold h = { 0 };
    struct ref ref = { 0 };

    /* Seqs 1 to 3 missing while 40,000 later ones come, backwards: the
     * ring grows to span them, keeping what it held. */
    for (uint64_t seq = 40003; seq > 3; seq--) {
        put(&h, &ref, seq);
    }
    is_int(h.n_heap, 0, "the ring grew to hold a wide span");
    ok(h.mask + 1 >= 40000, "long enough");
    put(&h, &ref, 2);
    ok(pop(&h, &ref) && pop(&h, &ref) && pop(&h, &ref),
       "what it held before it grew comes out in order");
    ok(pop_all(&h, &ref), "all of it");
    report_hold_destroy(&h);
    free(ref.items);
}

/* Random puts and pops around a seq that moves up, as the fold's: most
 * near it, some again, some far beyond; taken out at random. */
static void
test_random(void)
{
    struct uk_rng rng = { .state = 42 };
    struct report_hold h = { 0 };
    struct ref ref = { 0 };
    uint64_t base = 1;
    bool same = true;
    size_t n_heaped = 0;

    for (int i = 0; i < 200000 && same; i++) {
        uint64_t r = uk_rng_below(&rng, 1000);
        if (ref.n && r < 500) {
            same = pop(&h, &ref);
            continue;
        }
        uint64_t seq;
        if (r < 510 && ref.n) {
            seq = ref.items[uk_rng_below(&rng, ref.n)].seq;    /* Again. */
        } else if (r < 513) {
            seq = base + REPORT_HOLD_MAX + uk_rng_below(&rng,
                                                        4 * REPORT_HOLD_MAX);
        } else {
            seq = base + uk_rng_below(&rng, 2000);
        }
        put(&h, &ref, seq);
        n_heaped += h.n_heap > 0;
        base += uk_rng_below(&rng, 3);
    }
    ok(same, "random puts and pops: the same order as a list's");
    ok(n_heaped > 0, "the heap was used too");
    ok(pop_all(&h, &ref), "and what is left");
    report_hold_destroy(&h);
    free(ref.items);
}

int
main(void)
{
    test_order();
    test_same_seq();
    test_growth();
    test_random();
    return done_testing();
}
