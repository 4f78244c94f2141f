/* SPDX-License-Identifier: Apache-2.0 */
/* Stepped mode is deterministic: one scenario with 2 handlers and 2
 * revalidators, stimuli and thread choices drawn from a seeded uk_rng, run
 * twice, gives byte-identical event logs (uk_event_format_canonical()).
 * A different seed gives a different interleaving.  Every run must also
 * end with every ukey freed once. */
#include "tests/unit/model-helpers.h"
#include "tests/tap.h"

/* A growing text buffer of canonical lines. */
struct log {
    char *buf;
    size_t len, allocated;
    uint64_t n_lines;
};

static void
log_observe(const struct ukey_event *e, void *log_)
{
    struct log *log = log_;
    char line[1024];
    int n = uk_event_format_canonical(e, line, sizeof line);
    size_t need = log->len + (size_t) n + 2;
    if (need > log->allocated) {
        log->allocated = need * 2;
        log->buf = uk_xrealloc(log->buf, log->allocated);
    }
    memcpy(log->buf + log->len, line, (size_t) n);
    log->len += (size_t) n;
    log->buf[log->len++] = '\n';
    log->buf[log->len] = '\0';
    log->n_lines++;
}

struct outcome {
    struct log log;
    uint64_t steps;
    uint64_t violations;        /* ERROR violations. */
    bool all_freed;
    bool ended;
};

static void
run_scenario(uint64_t seed, struct outcome *out)
{
    memset(out, 0, sizeof *out);
    struct udpif_config cfg;
    udpif_config_init(&cfg);
    cfg.dump_batch = 2;         /* Several batches per dump. */
    cfg.upcall_batch = 4;
    struct udpif *u = udpif_create(&cfg);
    event_bus_add(u->bus, log_observe, &out->log);

    struct uk_thread *hs[2];
    hs[0] = udpif_add_thread(u, UK_THREAD_HANDLER, "handler0", NULL);
    hs[1] = udpif_add_thread(u, UK_THREAD_HANDLER, "handler1", NULL);
    udpif_add_thread(u, UK_THREAD_REVALIDATOR, "revalidator0", NULL);
    udpif_add_thread(u, UK_THREAD_REVALIDATOR, "revalidator1", NULL);
    struct uk_flow *flows[8];
    for (int i = 0; i < 8; i++) {
        char name[8];
        snprintf(name, sizeof name, "f%d", i);
        flows[i] = udpif_add_flow(u, name);
    }

    struct uk_rng rng = { seed };
    for (int phase = 0; phase < 30; phase++) {
        for (int i = 0; i < 8; i++) {
            if (uk_rng_below(&rng, 3) == 0) {
                udpif_traffic(u, flows[i], 1 + uk_rng_below(&rng, 5));
            }
        }
        if (uk_rng_below(&rng, 2) == 0) {
            udpif_upcall(u, hs[uk_rng_below(&rng, 2)],
                         flows[uk_rng_below(&rng, 8)], 1);
        }
        if (phase % 3 == 0) {
            udpif_round(u, NULL, UK_PHASE_ALL);
        }
        struct uk_flow *f = flows[uk_rng_below(&rng, 8)];
        switch (uk_rng_below(&rng, 8)) {
        case 0:
            udpif_expire(u, f);
            break;
        case 1:
            udpif_modify(u, f);
            break;
        case 2:
            udpif_dp_dup(u, f, 0);
            break;
        case 3:
            udpif_dp_ext_del(u, f, 0);
            break;
        case 4:
            udpif_dp_fail(u, f, 0, UK_ACT_DP_PUT, false, ENOSPC);
            break;
        default:
            break;
        }
        if (phase == 15) {
            udpif_purge(u);
        }
        out->steps += run_random(u, &rng, 40 + uk_rng_below(&rng, 80));
    }
    udpif_shutdown(u);
    out->steps += run_random(u, &rng, 1000000);

    out->violations = u->stats.violations;
    out->all_freed = all_ukeys_freed_once(u);
    out->ended = u->shut_down;
    udpif_destroy(u);
}

int
main(void)
{
    struct outcome a, b, c;
    run_scenario(42, &a);
    run_scenario(42, &b);
    run_scenario(43, &c);

    ok(a.log.n_lines > 1000, "seed 42: a long run (%llu events, %llu "
       "steps)", (unsigned long long) a.log.n_lines,
       (unsigned long long) a.steps);
    ok(a.ended && a.all_freed, "seed 42: ended, every ukey freed once");
    is_int(a.violations, 0, "seed 42: no ERROR violation (upstream)");
    is_int(a.steps, b.steps, "seed 42 twice: same number of steps");
    is_int(a.log.len, b.log.len, "seed 42 twice: same log length");
    ok(a.log.len == b.log.len && !memcmp(a.log.buf, b.log.buf, a.log.len),
       "seed 42 twice: byte-identical event logs");
    if (a.log.len == b.log.len && memcmp(a.log.buf, b.log.buf, a.log.len)) {
        for (size_t i = 0; i < a.log.len; i++) {
            if (a.log.buf[i] != b.log.buf[i]) {
                size_t s = i;
                while (s > 0 && a.log.buf[s - 1] != '\n') {
                    s--;
                }
                diag("first difference at byte %zu: %.200s", i,
                     a.log.buf + s);
                break;
            }
        }
    }
    ok(a.log.len != c.log.len || memcmp(a.log.buf, c.log.buf, a.log.len),
       "seed 43: a different run");
    ok(c.ended && c.all_freed, "seed 43: ended, every ukey freed once");
    is_int(c.violations, 0, "seed 43: no ERROR violation (upstream)");

    free(a.log.buf);
    free(b.log.buf);
    free(c.log.buf);
    return done_testing();
}
