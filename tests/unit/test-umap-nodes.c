/* SPDX-License-Identifier: Apache-2.0 */
/* Unit tests of the umaps' node pool (core/umap.c): a free-running model
 * gives a freed ukey's node back to its umap, after the grace period, and
 * the next insert takes it again, so that the nodes carved follow the
 * ukeys alive at once, not the ukeys created.  Without the reuse the
 * memory of a long load would grow with every ukey (and, freed only at
 * the end, never show as a leak).  Stepped mode keeps every ukey, and so
 * every node, until the end. */
#include "core/load.h"
#include "core/udpif.h"

#include <time.h>

#include "tests/tap.h"

/* A small churning load: 200 flows of skewed popularity, idling out
 * every millisecond, so that the cold ones' ukeys are freed and created
 * again many times over within a second. */
static void
test_free_running_reuse(void)
{
    struct load_config cfg;
    load_config_init(&cfg);
    cfg.n_handlers = 2;
    cfg.n_revalidators = 1;
    cfg.n_umaps = 4;
    cfg.n_flows = 200;
    cfg.seconds = 1.0;
    cfg.idle_ms = 1;
    cfg.churn = 0.2;
    cfg.seed = 7;
    ok(!load_config_check(&cfg), "the load's settings are valid");
    struct load *load = load_create(&cfg);
    ok(load_start(load) == 0, "the load starts");
    while (!load_finished(load)) {
        struct timespec ts = { .tv_sec = 0, .tv_nsec = 5 * 1000 * 1000 };
        nanosleep(&ts, NULL);
    }
    load_stop(load);

    struct load_stats s;
    load_snapshot(load, &s);
    size_t capacity = udpif_umap_node_capacity(load_udpif(load));
    diag("%" PRIu64 " ukeys created, %zu nodes carved", s.fr.stats.created,
         capacity);
    ok(s.fr.stats.created >= 2000,
       "the load created ukeys many times over (%" PRIu64 ")",
       s.fr.stats.created);
    ok(s.fr.live == 0 && s.fr.real_frees == s.fr.stats.created,
       "every ukey was freed");
    /* 4 umaps carve at least one chunk each (127 nodes), and as many as
     * ukeys live at once, plus those waiting for a grace period; without
     * the reuse, one node per ukey created. */
    ok(capacity > 0 && capacity * 4 <= s.fr.stats.created,
       "nodes are reused: %zu carved for %" PRIu64 " ukeys", capacity,
       s.fr.stats.created);
    load_destroy(load);
}

int
main(void)
{
    tap_plan(5);
    test_free_running_reuse();
    return done_testing();
}
