/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer's breadth-first search: level by level, so that the first
 * schedule to reach a violation is a shortest one. */
#include "explore-private.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ==== Breadth-first search ====
 *
 * Level by level: every node of depth d is expanded before any of depth
 * d + 1, so the first violation found is reached by a shortest schedule
 * (and, with 'all', each distinct one first by a shortest).  A node is its
 * path, kept in the frontier; expanding it rebuilds the model and replays
 * the path once per child.  The reduction is sleep sets: the sleep set of
 * a child depends only on its parent's and on the siblings before it, not
 * on the order in which subtrees are searched, so the tree is the one the
 * depth-first search with sleep sets walks, and sleep sets keep every
 * reachable state, at the same depth.  DPOR adds branches to a node after
 * its subtree has been searched, which breadth first cannot do: --bfs
 * uses sleep sets instead.  The frontier is bounded ('bfs_max_bytes'):
 * the search stops, not exhaustive, when the next level outgrows it. */

/* The nodes of one depth. */
struct ex_level {
    size_t depth;               /* Steps in each node's path. */
    size_t n, allocated;        /* Nodes. */
    uint32_t *paths;            /* (owned) 'depth' thread ids per node. */
    size_t allocated_paths;     /* Thread ids room in 'paths'. */
    uint64_t *sleep;            /* (owned) Each node's sleep set... */
    size_t *fp_start;           /* (owned) ...whose footprints are 'fps'
                                 * from fp_start[i], in thread order. */
    int *preemptions;           /* (owned) */
    struct ex_fp *fps;          /* (owned) */
    size_t n_fps, allocated_fps;
};

static size_t
level_bytes(const struct ex_level *l)
{
    return l->allocated_paths * sizeof *l->paths
           + l->allocated * (sizeof *l->sleep + sizeof *l->fp_start
                             + sizeof *l->preemptions)
           + l->allocated_fps * sizeof *l->fps;
}

static void
level_reset(struct ex_level *l, size_t depth)
{
    l->depth = depth;
    l->n = 0;
    l->n_fps = 0;
}

static void
level_free(struct ex_level *l)
{
    free(l->paths);
    free(l->sleep);
    free(l->fp_start);
    free(l->preemptions);
    free(l->fps);
    memset(l, 0, sizeof *l);
}

/* Appends a node: 'path' (l->depth - 1 steps) then 'id', asleep in
 * 'sleep' with footprints 'fps' (indexed by thread). */
static void
level_add(struct ex_level *l, const uint32_t *path, uint32_t id,
          uint64_t sleep, const struct ex_fp *fps, int preemptions)
{
    if ((l->n + 1) * l->depth > l->allocated_paths) {
        size_t n = l->allocated_paths ? 2 * l->allocated_paths : 1024;
        while (n < (l->n + 1) * l->depth) {
            n *= 2;
        }
        l->paths = uk_xrealloc(l->paths, n * sizeof *l->paths);
        l->allocated_paths = n;
    }
    if (l->n >= l->allocated) {
        size_t n = l->allocated ? 2 * l->allocated : 64;
        l->sleep = uk_xrealloc(l->sleep, n * sizeof *l->sleep);
        l->fp_start = uk_xrealloc(l->fp_start, n * sizeof *l->fp_start);
        l->preemptions = uk_xrealloc(l->preemptions,
                                     n * sizeof *l->preemptions);
        l->allocated = n;
    }
    uint32_t *p = &l->paths[l->n * l->depth];
    if (l->depth > 1) {
        memcpy(p, path, (l->depth - 1) * sizeof *p);
    }
    p[l->depth - 1] = id;
    l->sleep[l->n] = sleep;
    l->fp_start[l->n] = l->n_fps;
    l->preemptions[l->n] = preemptions;
    l->n++;
    size_t k = (size_t) __builtin_popcountll(sleep);
    if (l->n_fps + k > l->allocated_fps) {
        size_t n = l->allocated_fps ? 2 * l->allocated_fps : 64;
        while (n < l->n_fps + k) {
            n *= 2;
        }
        l->fps = uk_xrealloc(l->fps, n * sizeof *l->fps);
        l->allocated_fps = n;
    }
    for (uint64_t m = sleep; m; m &= m - 1) {
        l->fps[l->n_fps++] = fps[lowest_bit(m)];
    }
}

/* The sleep set of the child reached by the step of 'id' (footprint
 * 'fp') from a node whose threads 'asleep' (asleep on entry, or explored
 * before 'id') have footprints 'sfps': those of them independent of it. */
static uint64_t
bfs_child_sleep(const struct ex *ex, uint64_t asleep,
                const struct ex_fp *sfps, uint32_t id, const struct ex_fp *fp)
{
    uint64_t child = 0;
    if (ex->reduction == EXPLORE_REDUCTION_NONE) {
        return 0;
    }
    for (uint64_t c = asleep & ~(UINT64_C(1) << id); c; c &= c - 1) {
        if (!ex_fp_dependent(&sfps[lowest_bit(c)], fp)) {
            child |= c & -c;
        }
    }
    return child;
}

/* Expands node 'i' of 'cur' into 'next'. */
static void
ex_bfs_expand(struct ex *ex, const struct ex_level *cur, size_t i,
              struct ex_level *next)
{
    struct explore_stats *st = &ex->result->stats;
    size_t depth = cur->depth;
    const uint32_t *path = &cur->paths[i * depth];
    struct ex_fp sfps[EX_MAX_THREADS];      /* Sleep, then done, by id. */
    uint64_t sleep = cur->sleep[i], done = 0;
    int preemptions = cur->preemptions[i];

    if (depth > st->max_depth) {
        st->max_depth = depth;      /* The level reached, for progress. */
    }
    ex_poll(ex);
    if (ex->stop) {
        ex_limit_left(ex);      /* This node is left. */
        return;
    }

    size_t k = cur->fp_start[i];
    for (uint64_t m = sleep; m; m &= m - 1) {
        sfps[lowest_bit(m)] = cur->fps[k++];
    }
    int error = ex_goto(ex, path, depth);
    if (error) {
        ex->error = error;
        ex->stop = true;
        return;
    }
    uint64_t runnable = ex_runnable(ex);
    if (ex_leaf(ex, depth, runnable)) {
        return;
    }
    uint64_t avail = runnable & ~sleep;
    if (!avail) {
        st->pruned += (uint64_t) __builtin_popcountll(runnable);
        st->sleep_blocked++;
        return;
    }
    st->pruned += (uint64_t) __builtin_popcountll(runnable & sleep);

    uint32_t last = depth ? path[depth - 1] : ex->opts.last_thread;
    bool last_runnable = last != UINT32_MAX && (runnable >> last) & 1;
    for (uint64_t m = avail; m; m &= m - 1) {
        uint32_t id = (uint32_t) lowest_bit(m);
        int pre = preemptions + (last_runnable && id != last);
        if (ex->opts.preempt_bound >= 0 && pre > ex->opts.preempt_bound) {
            if (!ex->stop) {
                st->bound_exceeded++;
            }
            continue;
        }
        if (ex->stop || ex_cancelled(ex)) {
            ex_limit_left(ex);  /* A child is left. */
            break;
        }
        error = ex_goto(ex, path, depth);
        if (error) {
            ex->error = error;
            ex->stop = true;
            return;
        }
        struct ex_fp fp;
        ex_step(ex, id, &fp);
        if (ex_check(ex, 0)) {
            ex_schedule_done(ex, false);
        } else {
            level_add(next, path, id, bfs_child_sleep(ex, sleep | done, sfps,
                                                      id, &fp),
                      sfps, pre);
        }
        if (ex->reduction != EXPLORE_REDUCTION_NONE) {
            done |= UINT64_C(1) << id;
            sfps[id] = fp;
        }
    }
}

/* A breadth-first search from a fresh model, within 'limit' steps. */
void
ex_bfs(struct ex *ex, size_t limit)
{
    struct explore_stats *st = &ex->result->stats;
    struct ex_level levels[2];
    size_t max_bytes = ex->opts.bfs_max_bytes ? ex->opts.bfs_max_bytes
                                              : EXPLORE_BFS_MAX_BYTES;

    memset(levels, 0, sizeof levels);
    ex->limit = limit;
    ex->stop = false;
    if (ex->reduction == EXPLORE_REDUCTION_DPOR) {
        ex->reduction = EXPLORE_REDUCTION_SLEEP;    /* See above. */
    }
    st->reduction = ex->reduction;

    /* The root: the empty path, nothing asleep. */
    struct ex_level *cur = &levels[0], *next = &levels[1];
    level_reset(cur, 0);
    cur->allocated = 1;
    cur->sleep = uk_xcalloc(1, sizeof *cur->sleep);
    cur->fp_start = uk_xcalloc(1, sizeof *cur->fp_start);
    cur->preemptions = uk_xcalloc(1, sizeof *cur->preemptions);
    cur->n = 1;
    while (cur->n && !ex->stop) {
        level_reset(next, cur->depth + 1);
        size_t i;
        for (i = 0; i < cur->n && !ex->stop; i++) {
            ex_bfs_expand(ex, cur, i, next);
            if (level_bytes(cur) + level_bytes(next) > max_bytes) {
                st->interrupted = true;
                st->frontier_full = true;
                ex->stop = true;
            }
        }
        if (ex->stop && (i < cur->n || next->n)) {
            ex_limit_left(ex);  /* Nodes left, of this level or the next. */
        }
        struct ex_level *tmp = cur;
        cur = next;
        next = tmp;
    }
    level_free(&levels[0]);
    level_free(&levels[1]);
}
