/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer's dependency relation, checked directly: sleep sets and
 * DPOR assume that two steps ex_fp_dependent() calls independent commute.
 * Along random schedules of the generated scenarios (explore-gen.h), at
 * each point, every pair of runnable threads whose next steps are
 * independent is run both ways, a;b and b;a, from that point (replayed on
 * a fresh model, as the explorer does), and the two must:
 *
 *   - leave each other enabled (b runnable after a, and a after b);
 *   - report the same violations (kind and flow, as many of each);
 *   - reach the same state: explore_state_hash(), the runnable threads and
 *     their next actions, the datapath table in the same order (the hash
 *     takes it as a multiset; dumps walk it in order), the umaps' ukeys in
 *     order and the RCU callbacks pending and ready;
 *   - go on alike: the same random continuation run from both to the end
 *     reports the same violations and ends in the same state (this sees
 *     what the hash does not: the checker's records, a thread's place in
 *     its operation);
 *   - and, as footprints go, still be independent: a's with b's after a,
 *     and b's with a's after b.
 *
 * And a step that makes a thread runnable (a lock's release, a quiesce
 * that readies an RCU callback, the last arrival at a barrier) must be
 * dependent with that thread's next step: DPOR takes the relation to
 * cover enabledness (dpor_reverse(): "cannot happen when...").
 *
 * The searches of test-explore.c and test-explore-gen.c compare final
 * states and violations only, which an independent pair that does not
 * commute may leave alike when another schedule reaches the same ends.
 *
 * "test-explore-commute [--big] [FIRST N]": other seeds; --big takes the
 * bigger scenarios, more schedules per seed and every point of each. */
#include "core/explore.h"

#include "core/explore-private.h"
#include "core/udpif-private.h"
#include "tests/unit/explore-gen.h"
#include "tests/unit/model-helpers.h"
#include "tests/tap.h"

/* Steps of a continuation, at most. */
#define COMMUTE_MAX_STEPS 5000

/* The violations reported, as (kind, ufid) pairs. */
struct viols {
    uint64_t *v;
    size_t n, allocated;
};

static void
viols_add_pending(struct viols *vs, const struct ex *ex)
{
    for (size_t i = 0; i < ex->n_pending; i++) {
        const struct ukey_event *e = &ex->pending[i].event;
        vs->v = uk_grow(vs->v, &vs->allocated, vs->n + 2, sizeof *vs->v);
        vs->v[vs->n++] = e->kind;
        vs->v[vs->n++] = e->ufid;
    }
}

static int
cmp_pair(const void *a_, const void *b_)
{
    const uint64_t *a = a_, *b = b_;
    return a[0] != b[0] ? (a[0] < b[0] ? -1 : 1)
           : a[1] != b[1] ? (a[1] < b[1] ? -1 : 1) : 0;
}

static bool
same_viols(struct viols *a, struct viols *b)
{
    if (a->n != b->n) {
        return false;
    }
    if (!a->n) {
        return true;            /* qsort() wants a non-null array. */
    }
    qsort(a->v, a->n / 2, 2 * sizeof *a->v, cmp_pair);
    qsort(b->v, b->n / 2, 2 * sizeof *b->v, cmp_pair);
    return !memcmp(a->v, b->v, a->n * sizeof *a->v);
}

/* What the model looks like between steps: the hash, which threads may
 * run and what each does next, and the datapath table's order. */
struct look {
    uint64_t hash;
    uint64_t runnable;
    uint64_t next;              /* A hash of every thread's next action. */
    uint64_t dp_order;          /* A hash of the table, in order. */
    uint64_t umaps;             /* A hash of the umaps' ukeys, in order. */
    size_t rcu_pending, rcu_ready;  /* RCU callbacks: waiting out a grace
                                 * period, which the hash does not see. */
};

static void
look_take(const struct ex *ex, struct look *l)
{
    const struct udpif *u = ex->udpif;
    l->hash = explore_state_hash(u);
    l->runnable = ex_runnable(ex);
    l->next = 0;
    for (size_t i = 0; i < u->n_threads; i++) {
        const struct uk_action *a = &u->threads[i]->next;
        l->next = uk_mix64(l->next ^ a->kind) + u->threads[i]->id;
        l->next = uk_mix64(l->next ^ a->ufid) + (uint64_t) a->umap;
    }
    l->dp_order = 0;
    for (size_t i = 0; i < u->n_dp_flows; i++) {
        l->dp_order = uk_mix64(l->dp_order ^ u->dp_flows[i].flow->ufid)
                      + u->dp_flows[i].pmd_id;
    }
    l->umaps = 0;
    for (int i = 0; i < (int) u->cfg.n_umaps; i++) {
        struct ukey *ks[64];
        size_t n = udpif_umap_ukeys(u, i, ks, UK_ARRAY_SIZE(ks));
        for (size_t j = 0; j < n && j < UK_ARRAY_SIZE(ks); j++) {
            l->umaps = uk_mix64(l->umaps ^ ks[j]->ufid) + ks[j]->pmd_id;
        }
        l->umaps = uk_mix64(l->umaps + n);
    }
    l->rcu_pending = udpif_rcu_pending(u, &l->rcu_ready);
}

static bool
same_look(const struct look *a, const struct look *b)
{
    return (a->hash == b->hash && a->runnable == b->runnable
            && a->next == b->next && a->dp_order == b->dp_order
            && a->umaps == b->umaps && a->rcu_pending == b->rcu_pending
            && a->rcu_ready == b->rcu_ready);
}

/* The outcome of 'first' then 'second' from the point 'path[0..n)'. */
struct outcome {
    bool enabled;               /* 'second' was runnable after 'first'. */
    struct ex_fp fp2;           /* The footprint of 'second' there. */
    struct viols viols;         /* Of the two steps. */
    struct look look;           /* After them. */
    struct viols cont_viols;    /* Of the continuation... */
    uint64_t cont_hash;         /* ...and where it ended. */
};

static void
outcome_destroy(struct outcome *o)
{
    free(o->viols.v);
    free(o->cont_viols.v);
}

/* Runs 'first', 'second' and a continuation drawn from 'cont_seed' from
 * 'path[0..n)'. */
static void
run_pair(struct ex *ex, const uint32_t *path, size_t n, uint32_t first,
         uint32_t second, uint64_t cont_seed, struct outcome *o)
{
    memset(o, 0, sizeof *o);
    if (ex_goto(ex, path, n) || ex_step(ex, first, NULL)) {
        abort();                /* The model is deterministic. */
    }
    viols_add_pending(&o->viols, ex);
    o->enabled = !ex_step(ex, second, &o->fp2);
    if (!o->enabled) {
        return;
    }
    viols_add_pending(&o->viols, ex);
    look_take(ex, &o->look);

    struct uk_rng rng = { .state = uk_mix64(cont_seed) };
    for (size_t i = 0; i < COMMUTE_MAX_STEPS; i++) {
        uint64_t r = ex_runnable(ex);
        if (!r) {
            break;
        }
        uint64_t k = uk_rng_below(&rng, (uint64_t) __builtin_popcountll(r));
        while (k--) {
            r &= r - 1;
        }
        ex_step(ex, (uint32_t) lowest_bit(r), NULL);
        viols_add_pending(&o->cont_viols, ex);
    }
    o->cont_hash = explore_state_hash(ex->udpif);
}

/* For the report of a pair that does not commute: the schedule, one step
 * a line. */
static void
diag_schedule(struct ex *ex, const uint32_t *path, size_t n, uint32_t a,
              uint32_t b)
{
    ex_build(ex);
    for (size_t i = 0; i < n + 2; i++) {
        uint32_t id = i < n ? path[i] : i == n ? a : b;
        struct uk_thread *t = ex_thread(ex->udpif, id);
        char buf[256];
        uk_action_format(&t->next, buf, sizeof buf);
        diag("  %s%s  # %s", i < n ? "" : "** ", t->name, buf);
        if (ex_step(ex, id, NULL)) {
            break;
        }
    }
}

struct run {
    struct gen g;
    uint64_t pairs, independent, enablings;
    size_t failures, enabling_failures;
};

/* Checks, at point 'path[0..n)', that each step of 'runnable' ('fps': their
 * footprints) is dependent with the next step of every thread it makes
 * runnable. */
static void
check_enabling(struct run *run, struct ex *ex, const uint32_t *path,
               size_t n, uint64_t runnable, const struct ex_fp *fps)
{
    for (uint64_t ra = runnable; ra; ra &= ra - 1) {
        uint32_t a = (uint32_t) lowest_bit(ra);
        if (ex_goto(ex, path, n) || ex_step(ex, a, NULL)) {
            abort();
        }
        uint64_t enabled = ex_runnable(ex) & ~runnable;
        for (; enabled; enabled &= enabled - 1) {
            uint32_t b = (uint32_t) lowest_bit(enabled);
            struct ex_fp fp;
            if (ex_goto(ex, path, n) || ex_step(ex, a, NULL)
                || ex_step(ex, b, &fp)) {
                abort();
            }
            run->enablings++;
            if (!ex_fp_dependent(&fps[a], &fp)
                && run->enabling_failures++ < 3) {
                diag("seed %llu%s: a step enables another it is "
                     "independent of:", (unsigned long long) run->g.seed,
                     run->g.big ? " --big" : "");
                diag_schedule(ex, path, n, a, b);
            }
        }
    }
}

/* Checks, at point 'path[0..n)', every independent pair of runnable
 * threads. */
static void
check_point(struct run *run, struct ex *ex, const uint32_t *path, size_t n)
{
    struct ex_fp fps[EX_MAX_THREADS];
    if (ex_goto(ex, path, n)) {
        abort();
    }
    uint64_t runnable = ex_runnable(ex);
    for (uint64_t r = runnable; r; r &= r - 1) {
        uint32_t id = (uint32_t) lowest_bit(r);
        if (ex_goto(ex, path, n) || ex_step(ex, id, &fps[id])) {
            abort();
        }
    }
    check_enabling(run, ex, path, n, runnable, fps);
    for (uint64_t ra = runnable; ra; ra &= ra - 1) {
        uint32_t a = (uint32_t) lowest_bit(ra);
        for (uint64_t rb = ra & (ra - 1); rb; rb &= rb - 1) {
            uint32_t b = (uint32_t) lowest_bit(rb);
            run->pairs++;
            if (ex_fp_dependent(&fps[a], &fps[b])) {
                continue;
            }
            run->independent++;

            struct outcome ab, ba;
            uint64_t cont_seed = run->g.seed * 1000003 + n;
            run_pair(ex, path, n, a, b, cont_seed, &ab);
            run_pair(ex, path, n, b, a, cont_seed, &ba);
            const char *why = NULL;
            if (!ab.enabled || !ba.enabled) {
                why = "one disables the other";
            } else if (!same_viols(&ab.viols, &ba.viols)) {
                why = "different violations";
            } else if (ab.look.dp_order != ba.look.dp_order) {
                why = "different datapath table order";
            } else if (!same_look(&ab.look, &ba.look)) {
                why = "different states";
            } else if (!same_viols(&ab.cont_viols, &ba.cont_viols)) {
                why = "different violations after";
            } else if (ab.cont_hash != ba.cont_hash) {
                why = "different final states after";
            } else if (ex_fp_dependent(&fps[a], &ab.fp2)
                       || ex_fp_dependent(&fps[b], &ba.fp2)) {
                /* Not unsound (DPOR would see a race that is not one),
                 * but the footprints disagree with the relation. */
                why = "dependent once the other ran";
            }
            if (why && run->failures++ < 3) {
                diag("seed %llu%s: independent steps do not commute (%s):",
                     (unsigned long long) run->g.seed,
                     run->g.big ? " --big" : "", why);
                diag_schedule(ex, path, n, a, b);
            }
            outcome_destroy(&ab);
            outcome_destroy(&ba);
        }
    }
}

/* Checks seed 'run->g.seed' along 'n_schedules' random schedules.  Returns
 * false if the scenario's flow limit is within reach (the explorer then
 * does not reduce: the relation does not hold there). */
static bool
check_seed(struct run *run, int n_schedules)
{
    struct explore_options o;
    struct explore_result scratch;
    struct ex ex;
    uint32_t *path = NULL;
    size_t allocated = 0;

    if (ex_flow_limit_reachable(setup_gen, &run->g)) {
        return false;
    }
    explore_options_init(&o);
    o.warnings = true;
    o.reduction = EXPLORE_REDUCTION_NONE;
    memset(&scratch, 0, sizeof scratch);
    ex_init(&ex, setup_gen, &run->g, &o, &scratch);
    struct uk_rng rng = { .state = uk_mix64(run->g.seed ^ 0xc0ffee) };
    for (int s = 0; s < n_schedules; s++) {
        /* The schedule first, then the points along it. */
        size_t n = 0;
        if (ex_build(&ex)) {
            abort();
        }
        for (uint64_t r; n < COMMUTE_MAX_STEPS && (r = ex_runnable(&ex));) {
            uint64_t k = uk_rng_below(&rng,
                                      (uint64_t) __builtin_popcountll(r));
            while (k--) {
                r &= r - 1;
            }
            path = uk_grow(path, &allocated, n + 1, sizeof *path);
            path[n] = (uint32_t) lowest_bit(r);
            ex_step(&ex, path[n++], NULL);
        }
        for (size_t i = 0; i <= n; i++) {
            check_point(run, &ex, path, i);
        }
    }
    ex_fini(&ex);
    free(path);
    return true;
}

int
main(int argc, char *argv[])
{
    bool big = argc > 1 && !strcmp(argv[1], "--big");
    argc -= big;
    argv += big;
    uint64_t first = argc > 1 ? strtoull(argv[1], NULL, 10) : 1;
    uint64_t n = argc > 2 ? strtoull(argv[2], NULL, 10) : big ? 2000 : 800;
    struct run run = { .g.big = big };
    size_t n_checked = 0;

    for (uint64_t seed = first; seed < first + n; seed++) {
        run.g.seed = seed;
        n_checked += check_seed(&run, big ? 8 : 4);
    }
    diag("%zu of %llu seeds checked, %llu pairs of which %llu independent,"
         " %llu steps enabling another", n_checked, (unsigned long long) n,
         (unsigned long long) run.pairs,
         (unsigned long long) run.independent,
         (unsigned long long) run.enablings);
    ok(!run.failures, "independent steps commute (%zu pairs do not)",
       run.failures);
    ok(!run.enabling_failures && run.enablings,
       "a step that enables another is dependent with it (%zu are not)",
       run.enabling_failures);
    ok(n_checked >= n / 2 && run.independent >= run.pairs / 10,
       "enough seeds and independent pairs checked");
    return done_testing();
}
