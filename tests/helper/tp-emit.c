/* SPDX-License-Identifier: Apache-2.0 */
/* tp-emit: a test driver for the "ukey" tracepoints until the real model
 * emits them.  It builds an event bus with uk_tp_observer() and, with
 * --canonical FILE, a second observer writing uk_event_format_canonical()
 * lines to FILE, then emits events: by default one of every type with
 * varied fields (NULL, empty and non-empty strings, extreme integers);
 * with --events N, N events of a deterministic, realistic mix of ukey
 * lifecycles.  --migrate K moves the process to the next CPU it may run
 * on every K events, so that a per-CPU channel's streams take turns (a
 * test of the merge of streams).  --bench N measures uk_tp_observer() per
 * event instead, over every type; --bench-floor N over the smallest event.
 *
 *   tp-emit [--canonical FILE] [--events N] [--seed S] [--migrate K]
 *           [--bench N] [--bench-floor N]
 *
 * Exit status: 0, or 2 on a usage or I/O error. */
#define _GNU_SOURCE 1           /* sched_setaffinity(), sched_getcpu() */
#include <errno.h>
#include <getopt.h>
#include <sched.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "core/event.h"
#include "core/util.h"
#include "tracepoints/provider/tp-observer.h"

/* ==== Canonical observer ==== */

static void
canonical_observer(const struct ukey_event *e, void *aux)
{
    FILE *file = aux;
    char line[1024];

    uk_event_format_canonical(e, line, sizeof line);
    fprintf(file, "%s\n", line);
}

/* ==== One of every type ==== */

static void
emit(struct uk_event_bus *bus, struct ukey_event e)
{
    event_emit(bus, &e);
}

static void
emit_every_type(struct uk_event_bus *bus)
{
    const uint64_t ufid = 0xfedcba9876543210ULL;

    emit(bus, (struct ukey_event) { .type = UK_EV_THREAD_START,
           .thread_id = 0, .kind = UK_THREAD_MAIN, .name = "main" });
    emit(bus, (struct ukey_event) { .type = UK_EV_THREAD_START,
           .thread_id = 1, .kind = UK_THREAD_HANDLER, .name = "handler0" });
    emit(bus, (struct ukey_event) { .type = UK_EV_THREAD_START,
           .thread_id = UINT32_MAX, .kind = UK_THREAD_PMD, .name = NULL,
           .pmd_id = UINT32_MAX });
    emit(bus, (struct ukey_event) { .type = UK_EV_FLOW, .thread_id = 0,
           .ufid = ufid, .pmd_id = 3, .name = "f1" });
    emit(bus, (struct ukey_event) { .type = UK_EV_TRAFFIC, .thread_id = 0,
           .ufid = ufid, .value = 5, .result = UK_PATH_SLOWPATH });
    emit(bus, (struct ukey_event) { .type = UK_EV_UPCALL, .thread_id = 1,
           .ufid = ufid, .pmd_id = 3, .value = UINT64_MAX });
    emit(bus, (struct ukey_event) { .type = UK_EV_CREATE, .thread_id = 1,
           .ukey_id = 1, .ufid = ufid, .pmd_id = 3, .umap = 511,
           .kind = UK_CREATE_DPIF_FLOW });
    emit(bus, (struct ukey_event) { .type = UK_EV_TRANSITION,
           .thread_id = 1, .ukey_id = 1, .ufid = ufid,
           .from = UKEY_CREATED, .to = UKEY_VISIBLE, .result = UK_TR_OK,
           .where = "core/handler.c:212" });
    emit(bus, (struct ukey_event) { .type = UK_EV_TRANSITION,
           .thread_id = 2, .ukey_id = 1, .ufid = ufid,
           .from = UKEY_DELETED, .to = UKEY_EVICTED, .result = UK_TR_ABORT,
           .where = NULL });
    emit(bus, (struct ukey_event) { .type = UK_EV_LOCK, .thread_id = 1,
           .kind = UK_LOCK_UMAP, .umap = 7, .where = "core/umap.c:40" });
    emit(bus, (struct ukey_event) { .type = UK_EV_TRYLOCK, .thread_id = 2,
           .kind = UK_LOCK_UKEY, .umap = -1, .ukey_id = 1, .result = EBUSY,
           .where = "" });
    emit(bus, (struct ukey_event) { .type = UK_EV_UNLOCK, .thread_id = 1,
           .kind = UK_LOCK_UMAP, .umap = 7, .where = NULL });
    emit(bus, (struct ukey_event) { .type = UK_EV_UMAP_LOOKUP,
           .thread_id = 1, .ufid = ufid, .pmd_id = 3, .umap = 7 });
    emit(bus, (struct ukey_event) { .type = UK_EV_UMAP_INSERT,
           .thread_id = 1, .ukey_id = 1, .ufid = ufid, .umap = 7 });
    emit(bus, (struct ukey_event) { .type = UK_EV_UMAP_REPLACE,
           .thread_id = 1, .ukey_id = 1, .ukey2_id = 2, .ufid = ufid,
           .umap = 7 });
    emit(bus, (struct ukey_event) { .type = UK_EV_UMAP_REMOVE,
           .thread_id = 2, .ukey_id = 2, .ufid = ufid, .umap = 7,
           .result = ENOENT });
    emit(bus, (struct ukey_event) { .type = UK_EV_RCU_POSTPONE,
           .thread_id = 2, .ukey_id = 2, .ufid = ufid });
    emit(bus, (struct ukey_event) { .type = UK_EV_RCU_QUIESCE,
           .thread_id = 2 });
    emit(bus, (struct ukey_event) { .type = UK_EV_RCU_FREE, .thread_id = 4,
           .ukey_id = 2, .ufid = ufid });
    emit(bus, (struct ukey_event) { .type = UK_EV_UKEY_FREE, .thread_id = 0,
           .ukey_id = 3, .ufid = 1, .kind = UK_FREE_DESTROY });
    emit(bus, (struct ukey_event) { .type = UK_EV_DP_PUT, .thread_id = 1,
           .ukey_id = 1, .ufid = ufid, .pmd_id = 3, .kind = UK_PUT_MODIFY,
           .result = EEXIST, .value = 5 });
    emit(bus, (struct ukey_event) { .type = UK_EV_DP_DEL, .thread_id = 2,
           .ukey_id = 1, .ufid = ufid, .pmd_id = 3, .kind = UK_DEL_FLUSH,
           .result = 0, .value = 42 });
    emit(bus, (struct ukey_event) { .type = UK_EV_DP_DUMP, .thread_id = 2,
           .ufid = ufid, .pmd_id = 3, .value = 7,
           .kind = UK_DUMP_DUPLICATE });
    emit(bus, (struct ukey_event) { .type = UK_EV_REVALIDATE,
           .thread_id = 2, .ukey_id = 1, .ufid = ufid,
           .kind = UK_REVAL_DELETE, .result = UK_FDR_FLOW_MISSING_DP });
    emit(bus, (struct ukey_event) { .type = UK_EV_STATS_PUSH,
           .thread_id = 2, .ukey_id = 1, .ufid = ufid, .value = 12 });
    emit(bus, (struct ukey_event) { .type = UK_EV_OP_BEGIN, .thread_id = 2,
           .kind = UK_OP_SWEEP, .value = 9 });
    emit(bus, (struct ukey_event) { .type = UK_EV_OP_END, .thread_id = 2,
           .kind = UK_OP_DESTROY });
    emit(bus, (struct ukey_event) { .type = UK_EV_BARRIER, .thread_id = 2,
           .kind = UK_BARRIER_LEAVE, .value = 3 });
    emit(bus, (struct ukey_event) { .type = UK_EV_COVERAGE, .thread_id = 1,
           .kind = UK_COV_unexpected_ukey_state, .ukey_id = 1,
           .ufid = ufid });
    emit(bus, (struct ukey_event) { .type = UK_EV_VIOLATION,
           .thread_id = 0, .kind = UK_VIOL_DP_FLOW_WITHOUT_UKEY,
           .result = UK_SEV_ERROR, .ukey_id = 1, .ufid = ufid,
           .thread2 = 2, .value = 30, .value2 = 17,
           .name = "ukey#1 deleted twice: \"a=b\" (see seq 17)" });
    emit(bus, (struct ukey_event) { .type = UK_EV_VIOLATION,
           .thread_id = 0, .kind = UK_VIOL_LEAK, .result = UK_SEV_WARNING,
           .name = NULL });
    emit(bus, (struct ukey_event) { .type = UK_EV_RULE_CHANGE,
           .thread_id = 0, .ufid = ufid, .value = 2, .value2 = 9 });
    emit(bus, (struct ukey_event) { .type = UK_EV_END, .thread_id = 0,
           .value = 1 });
}

/* ==== A realistic mix ==== */

/* One step of a ukey's life, as a handler and a revalidator see it. */
struct mix_step {
    uint16_t type;
    int32_t kind;
    int32_t result;
    uint8_t from, to;
    bool reval;                 /* Done by the revalidator thread. */
    const char *where;
};

static const struct mix_step mix_steps[] = {
    { UK_EV_UPCALL, 0, 0, 0, 0, false, NULL },
    { UK_EV_OP_BEGIN, UK_OP_UPCALL_BATCH, 0, 0, 0, false, NULL },
    { UK_EV_CREATE, UK_CREATE_UPCALL, 0, 0, 0, false, NULL },
    { UK_EV_LOCK, UK_LOCK_UMAP, 0, 0, 0, false, "core/umap.c:88" },
    { UK_EV_UMAP_LOOKUP, 0, 0, 0, 0, false, NULL },
    { UK_EV_UMAP_INSERT, 0, 0, 0, 0, false, NULL },
    { UK_EV_TRANSITION, 0, UK_TR_OK, UKEY_CREATED, UKEY_VISIBLE, false,
      "core/handler.c:301" },
    { UK_EV_UNLOCK, UK_LOCK_UMAP, 0, 0, 0, false, "core/umap.c:97" },
    { UK_EV_DP_PUT, UK_PUT_CREATE, 0, 0, 0, false, NULL },
    { UK_EV_TRANSITION, 0, UK_TR_OK, UKEY_VISIBLE, UKEY_OPERATIONAL, false,
      "core/handler.c:344" },
    { UK_EV_OP_END, UK_OP_UPCALL_BATCH, 0, 0, 0, false, NULL },
    { UK_EV_TRAFFIC, 0, UK_PATH_FASTPATH, 0, 0, false, NULL },
    { UK_EV_RCU_QUIESCE, 0, 0, 0, 0, false, NULL },
    { UK_EV_DP_DUMP, UK_DUMP_FRESH, 0, 0, 0, true, NULL },
    { UK_EV_TRYLOCK, UK_LOCK_UKEY, 0, 0, 0, true, "core/revalidator.c:120" },
    { UK_EV_REVALIDATE, UK_REVAL_DELETE, UK_FDR_FLOW_IDLE, 0, 0, true,
      NULL },
    { UK_EV_TRANSITION, 0, UK_TR_OK, UKEY_OPERATIONAL, UKEY_EVICTING, true,
      "core/revalidator.c:180" },
    { UK_EV_DP_DEL, UK_DEL_REVALIDATOR, 0, 0, 0, true, NULL },
    { UK_EV_STATS_PUSH, 0, 0, 0, 0, true, NULL },
    { UK_EV_TRANSITION, 0, UK_TR_OK, UKEY_EVICTING, UKEY_EVICTED, true,
      "core/revalidator.c:214" },
    { UK_EV_UNLOCK, UK_LOCK_UKEY, 0, 0, 0, true, "core/revalidator.c:230" },
    { UK_EV_UMAP_REMOVE, 0, 0, 0, 0, true, NULL },
    { UK_EV_TRANSITION, 0, UK_TR_OK, UKEY_EVICTED, UKEY_DELETED, true,
      "core/revalidator.c:251" },
    { UK_EV_RCU_POSTPONE, 0, 0, 0, 0, true, NULL },
    { UK_EV_RCU_FREE, 0, 0, 0, 0, true, NULL },
};

/* The fields each event type records (event.h, tracepoints/README.md):
 * the mix zeroes the others, as the model does, so that an event decoded
 * from the trace equals the emitted one. */
enum {
    F_UKEY = 1 << 0, F_UKEY2 = 1 << 1, F_UFID = 1 << 2, F_VALUE = 1 << 3,
    F_PMD = 1 << 4, F_UMAP = 1 << 5, F_KIND = 1 << 6, F_RESULT = 1 << 7,
    F_WHERE = 1 << 8, F_STATES = 1 << 9,
};

static const unsigned int mix_fields[N_UK_EVENT_TYPES] = {
    [UK_EV_TRAFFIC] = F_UFID | F_PMD | F_VALUE | F_RESULT,
    [UK_EV_UPCALL] = F_UFID | F_PMD | F_VALUE,
    [UK_EV_CREATE] = F_UKEY | F_UFID | F_PMD | F_UMAP | F_KIND,
    [UK_EV_TRANSITION] = F_UKEY | F_UFID | F_STATES | F_RESULT | F_WHERE,
    [UK_EV_LOCK] = F_KIND | F_UMAP | F_UKEY | F_RESULT | F_WHERE,
    [UK_EV_TRYLOCK] = F_KIND | F_UMAP | F_UKEY | F_RESULT | F_WHERE,
    [UK_EV_UNLOCK] = F_KIND | F_UMAP | F_UKEY | F_RESULT | F_WHERE,
    [UK_EV_UMAP_LOOKUP] = F_UFID | F_PMD | F_UMAP | F_UKEY,
    [UK_EV_UMAP_INSERT] = F_UKEY | F_UFID | F_UMAP,
    [UK_EV_UMAP_REMOVE] = F_UKEY | F_UFID | F_UMAP | F_RESULT,
    [UK_EV_RCU_POSTPONE] = F_UKEY | F_UFID,
    [UK_EV_RCU_FREE] = F_UKEY | F_UFID,
    [UK_EV_DP_PUT] = F_UKEY | F_UFID | F_PMD | F_KIND | F_RESULT | F_VALUE,
    [UK_EV_DP_DEL] = F_UKEY | F_UFID | F_PMD | F_KIND | F_RESULT | F_VALUE,
    [UK_EV_DP_DUMP] = F_UFID | F_PMD | F_VALUE | F_KIND,
    [UK_EV_REVALIDATE] = F_UKEY | F_UFID | F_KIND | F_RESULT,
    [UK_EV_STATS_PUSH] = F_UKEY | F_UFID | F_VALUE,
    [UK_EV_OP_BEGIN] = F_KIND | F_VALUE,
    [UK_EV_OP_END] = F_KIND,
};

/* Zeroes the fields of 'e' that its type does not record (only the types
 * of mix_steps[] are listed above). */
static void
mix_scrub(struct ukey_event *e)
{
    unsigned int f = mix_fields[e->type];

    e->ukey_id = f & F_UKEY ? e->ukey_id : 0;
    e->ukey2_id = f & F_UKEY2 ? e->ukey2_id : 0;
    e->ufid = f & F_UFID ? e->ufid : 0;
    e->value = f & F_VALUE ? e->value : 0;
    e->pmd_id = f & F_PMD ? e->pmd_id : 0;
    e->umap = f & F_UMAP ? e->umap : 0;
    e->kind = f & F_KIND ? e->kind : 0;
    e->result = f & F_RESULT ? e->result : 0;
    e->where = f & F_WHERE ? e->where : NULL;
    if (!(f & F_STATES)) {
        e->from = e->to = 0;
    }
}

/* ==== Moving between CPUs ==== */

static cpu_set_t migrate_allowed;   /* The CPUs we may run on. */
static int migrate_cpu = -1;        /* The one we are pinned to last. */
static unsigned int migrate_n_cpus; /* Distinct CPUs events were emitted on. */
static cpu_set_t migrate_seen;

static void
migrate_init(void)
{
    if (sched_getaffinity(0, sizeof migrate_allowed, &migrate_allowed)) {
        CPU_ZERO(&migrate_allowed);
    }
}

/* Pins the process to the next allowed CPU after the last one. */
static void
migrate_next(void)
{
    for (int i = 1; i <= CPU_SETSIZE; i++) {
        int cpu = (migrate_cpu + i) % CPU_SETSIZE;
        if (CPU_ISSET(cpu, &migrate_allowed)) {
            cpu_set_t one;
            CPU_ZERO(&one);
            CPU_SET(cpu, &one);
            if (!sched_setaffinity(0, sizeof one, &one)) {
                migrate_cpu = cpu;
            }
            return;
        }
    }
}

/* Counts the CPU the next event is emitted on. */
static void
migrate_note(void)
{
    int cpu = sched_getcpu();
    if (cpu >= 0 && cpu < CPU_SETSIZE && !CPU_ISSET(cpu, &migrate_seen)) {
        CPU_SET(cpu, &migrate_seen);
        migrate_n_cpus++;
    }
}

/* Emits 'n' events: ukey lifecycles from mix_steps[] with values drawn
 * from 'seed', cut at exactly 'n' events; with 'migrate', on the next CPU
 * every 'migrate' events. */
static void
emit_mix(struct uk_event_bus *bus, uint64_t n, uint64_t seed,
         uint64_t migrate)
{
    struct uk_rng rng = { .state = seed };
    uint64_t ukey_id = 0, ufid = 0;
    uint32_t handler = 0, pmd = 0;
    int32_t umap = 0;
    size_t step = 0;

    for (uint64_t i = 0; i < n; i++) {
        if (step == 0) {
            ukey_id++;
            ufid = uk_rng_next(&rng) | 1;
            handler = 1 + (uint32_t) uk_rng_below(&rng, 4);
            pmd = (uint32_t) uk_rng_below(&rng, 2);
            umap = (int32_t) uk_rng_below(&rng, 512);
        }
        const struct mix_step *s = &mix_steps[step];
        struct ukey_event e = {
            .type = s->type, .kind = s->kind, .result = s->result,
            .from = s->from, .to = s->to, .where = s->where,
            .thread_id = s->reval ? 8 : handler,
        };
        e.ufid = ufid;
        e.ukey_id = ukey_id;
        e.pmd_id = pmd;
        e.umap = umap;
        e.value = uk_rng_below(&rng, 1000);
        mix_scrub(&e);
        if (migrate && i % migrate == 0) {
            migrate_next();
            migrate_note();
        }
        event_emit(bus, &e);
        step = (step + 1) % UK_ARRAY_SIZE(mix_steps);
    }
}

/* ==== Benchmark ==== */

static double
now_ns(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double) ts.tv_sec * 1e9 + (double) ts.tv_nsec;
}

/* Calls uk_tp_observer() 'n' times over events of every type (or, with
 * 'floor', only over rcu_quiesce, the event with the smallest payload: two
 * integers) and prints the mean cost per call. */
static void
bench(uint64_t n, bool floor)
{
    struct ukey_event events[N_UK_EVENT_TYPES];
    int n_types = floor ? 1 : N_UK_EVENT_TYPES;

    for (int i = 0; i < n_types; i++) {
        events[i] = (struct ukey_event) {
            .type = (uint16_t) (floor ? UK_EV_RCU_QUIESCE : i),
            .seq = (uint64_t) i + 1, .ukey_id = 1, .where = "x.c:1" };
    }
    uint64_t rounds = n / (uint64_t) n_types + 1;
    double start = now_ns();
    for (uint64_t i = 0; i < rounds; i++) {
        for (int j = 0; j < n_types; j++) {
            uk_tp_observer(&events[j], NULL);
        }
    }
    n = rounds * (uint64_t) n_types;
    double ns = (now_ns() - start) / (double) n;
    printf("uk_tp_observer%s: %" PRIu64 " events, %.2f ns/event\n",
           floor ? " (rcu_quiesce only)" : "", n, ns);
}

/* ==== Main ==== */

static int
parse_count(const char *s, uint64_t *n)
{
    char *end;
    errno = 0;
    unsigned long long v = strtoull(s, &end, 0);
    if (errno || end == s || *end || *s == '-') {
        fprintf(stderr, "tp-emit: error: '%s': not a count\n", s);
        return 2;
    }
    *n = v;
    return 0;
}

int
main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "canonical", required_argument, NULL, 'c' },
        { "events", required_argument, NULL, 'n' },
        { "seed", required_argument, NULL, 's' },
        { "bench", required_argument, NULL, 'b' },
        { "bench-floor", required_argument, NULL, 'f' },
        { "migrate", required_argument, NULL, 'm' },
        { NULL, 0, NULL, 0 },
    };
    const char *canonical = NULL;
    uint64_t n = 0, seed = 1, n_bench = 0, n_floor = 0, migrate = 0;
    int c;

    while ((c = getopt_long(argc, argv, "", options, NULL)) != -1) {
        if ((c == 'n' && parse_count(optarg, &n))
            || (c == 's' && parse_count(optarg, &seed))
            || (c == 'b' && parse_count(optarg, &n_bench))
            || (c == 'f' && parse_count(optarg, &n_floor))
            || (c == 'm' && parse_count(optarg, &migrate))) {
            return 2;
        } else if (c == 'c') {
            canonical = optarg;
        } else if (c == '?') {
            fprintf(stderr, "usage: tp-emit [--canonical FILE] [--events N]"
                    " [--seed S] [--migrate K] [--bench N]"
                    " [--bench-floor N]\n");
            return 2;
        }
    }
    if (n_bench || n_floor) {
        if (n_bench) {
            bench(n_bench, false);
        }
        if (n_floor) {
            bench(n_floor, true);
        }
        return 0;
    }

    FILE *file = NULL;
    if (canonical) {
        file = fopen(canonical, "w");
        if (!file) {
            fprintf(stderr, "tp-emit: error: %s: %s\n", canonical,
                    strerror(errno));
            return 2;
        }
    }
    struct uk_event_bus *bus = event_bus_create();
    event_bus_add(bus, uk_tp_observer, NULL);
    if (file) {
        event_bus_add(bus, canonical_observer, file);
    }
    migrate_init();
    if (n) {
        emit_mix(bus, n, seed, migrate);
    } else {
        emit_every_type(bus);
    }
    printf("tp-emit: %" PRIu64 " events", event_bus_next_seq(bus) - 1);
    if (migrate) {
        printf(" on %u CPUs", migrate_n_cpus);
    }
    putchar('\n');
    event_bus_destroy(bus);
    if (file && fclose(file)) {
        fprintf(stderr, "tp-emit: error: %s: %s\n", canonical,
                strerror(errno));
        return 2;
    }
    return 0;
}
