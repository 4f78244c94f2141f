/* SPDX-License-Identifier: Apache-2.0 */
/* The explorer's exhaustive depth-first search, with its reductions: sleep
 * sets, and source-DPOR over the footprints of explore-footprint.c. */
#include "explore-private.h"

#include <stdlib.h>
#include <string.h>

#include "util.h"

/* ==== Sleep sets ==== */

static struct ex_frame *
ex_frame(struct ex *ex, size_t depth)
{
    if (depth >= ex->n_frames) {
        size_t n = ex->n_frames ? 2 * ex->n_frames : 64;
        while (n <= depth) {
            n *= 2;
        }
        ex->frames = uk_xrealloc(ex->frames, n * sizeof *ex->frames);
        /* Footprints by thread id, below 'stride' (the model is built):
         * a schedule may have 100000 steps. */
        size_t n_fps = ex->stride ? ex->stride : EX_MAX_THREADS;
        for (size_t i = ex->n_frames; i < n; i++) {
            ex->frames[i].sleep.fps = uk_xcalloc(n_fps,
                                                 sizeof(struct ex_fp));
            ex->frames[i].done.fps = uk_xcalloc(n_fps,
                                                sizeof(struct ex_fp));
        }
        ex->n_frames = n;
    }
    return &ex->frames[depth];
}

/* ==== DPOR ====
 *
 * Source-DPOR (Abdulla, Aronis, Jonsson, Sagonas, POPL 2014), with the
 * sleep sets above.  Each step taken is checked, as it is taken, against
 * the steps before it on the path: step k of thread p and the new step j
 * of thread q != p race when they are dependent and nothing between them
 * orders them (no step that k happens before happens before j).  Reversing
 * the race means running, from the node before k, the steps between k and
 * j that do not happen after k, then j: the schedule 'v'.  Its initials
 * are the threads whose first step in 'v' has no step of 'v' before it
 * that it depends on; if none of them is already in the node's backtrack
 * (or sleep) set, one is added, and the search explores it from there.
 *
 * Happens-before is kept as a vector clock per step of the path.  A race
 * cannot be reversed as such when j was not enabled before k (k released
 * the lock j takes, left the round j's pause waits out, ...): then j comes
 * first in 'v' and its thread is not runnable at k.  j may still go before
 * whatever disabled it (the lock taken, the round entered): every earlier
 * step that j depends on is then treated as racing with j (the treatment
 * of locks in Abdulla et al.'s later work, applied to every blocking
 * action).  Without it, an unlock followed by a lock would hide the other
 * order of the two critical sections.  The same holds when j's thread can
 * run before k but j itself is a blocking step that k enabled (k released
 * the lock j takes, held since before j's thread's first step in 'v'):
 * the reversal runs that thread up to j, blocked; so a race with a
 * blocking step is retargeted too.  (tests/unit/test-explore.c: "purge
 * between two sweeps" needs the first, "lock after release" the
 * second.)
 *
 * DPOR finds races only between steps it ran.  A schedule cut by the depth
 * bound hides the races of its remaining steps, so a bounded search with
 * DPOR is not exhaustive within the bound ('dpor_cut'); the minimiser,
 * which searches with depth bounds, uses sleep sets. */

static uint32_t *
ex_vc(struct ex *ex, size_t i)
{
    return &ex->vcs[i * EX_MAX_THREADS];
}

static void
vc_join(uint32_t *dst, const uint32_t *src, size_t n)
{
    for (size_t i = 0; i < n; i++) {
        if (src[i] > dst[i]) {
            dst[i] = src[i];
        }
    }
}

/* The race of step 'k' with step 'j' of thread 'q': adds an initial of
 * its reversal to the backtrack set of the node before 'k'. */
static void dpor_reverse(struct ex *, size_t k, size_t j, uint32_t q,
                         bool retarget);

/* A race of 'k' with 'j' that cannot be reversed because 'k' enabled 'j'
 * (released the lock 'j' takes, left the round 'j' waits out, ...).  What
 * disabled 'j' before 'k' is an earlier step that 'j' depends on (the lock
 * taken, the round entered): 'j' may go before any such step, so each one
 * is treated as racing with 'j'. */
static void
dpor_retarget(struct ex *ex, size_t k, size_t j, uint32_t q)
{
    for (size_t k2 = k; k2-- > 0;) {
        if (ex->path[k2] != q
            && ex_fp_dependent(&ex->ev_fps[k2], &ex->ev_fps[j])) {
            dpor_reverse(ex, k2, j, q, false);
        }
    }
}

static void
dpor_reverse(struct ex *ex, size_t k, size_t j, uint32_t q, bool retarget)
{
    enum { NONE_ = -1, AFTER_K = -2 };
    long first[EX_MAX_THREADS];
    uint32_t p = ex->path[k];
    size_t n = ex->stride;

    ex->result->stats.races++;
    for (size_t t = 0; t < EX_MAX_THREADS; t++) {
        first[t] = NONE_;
    }
    for (size_t l = k + 1; l < j; l++) {
        uint32_t r = ex->path[l];
        if (first[r] != NONE_) {
            continue;
        }
        first[r] = ex_vc(ex, l)[p] >= k + 1 ? AFTER_K : (long) l;
    }
    if (first[q] == NONE_) {
        first[q] = (long) j;
    }

    /* Initials: first steps in 'v' that no step of 'v' happens before. */
    uint64_t initials = 0;
    for (size_t r = 0; r < n; r++) {
        if (first[r] < 0) {
            continue;
        }
        const uint32_t *vc = ex_vc(ex, (size_t) first[r]);
        bool initial = true;
        for (size_t t = 0; t < n && initial; t++) {
            if (t != r && first[t] >= 0 && first[t] < first[r]
                && vc[t] >= (uint32_t) first[t] + 1) {
                initial = false;
            }
        }
        if (initial) {
            initials |= UINT64_C(1) << r;
        }
    }

    struct ex_frame *f = &ex->frames[k];
    if (first[q] == (long) j && (initials >> q) & 1
        && !((f->runnable >> q) & 1)) {
        /* 'j' comes first in 'v' and was not enabled before 'k': only 'k'
         * could have enabled it (anything else that did would be in 'v'
         * before it, or order 'k' before it).  Not reversible as such. */
        if (retarget) {
            dpor_retarget(ex, k, j, q);
        }
        return;
    }
    if (retarget && ex->ev_fps[j].blocking) {
        /* 'q' can run before 'k', but its step 'j' may be disabled where
         * 'v' puts it, 'k' having enabled it: 'k' released the lock that
         * 'j' takes while 'p' held it from before 'q''s first step in
         * 'v' on.  Reversing the race then only runs 'q' up to 'j',
         * blocked, and the schedules in which 'j' goes before what
         * disabled it (the acquire of that lock) would be missed.  Treat
         * those earlier steps as racing with 'j' too, as above. */
        dpor_retarget(ex, k, j, q);
    }
    if (initials & (f->backtrack | f->sleep.mask)) {
        return;                 /* Already explored, or to be. */
    }
    uint64_t pick = initials & f->runnable;
    if (!pick) {
        /* Cannot happen when the dependency relation covers enabledness;
         * be conservative if it does. */
        pick = f->runnable;
    } else {
        pick &= -pick;          /* The lowest. */
    }
    f->backtrack |= pick;
    ex->result->stats.backtracks++;
}

/* DPOR bookkeeping of the step just taken at depth 'j': its vector clock,
 * and its races with the steps before it. */
static void
dpor_step(struct ex *ex, size_t j)
{
    uint32_t q = ex->path[j];
    const struct ex_fp *fpj = &ex->ev_fps[j];
    size_t n = ex->stride;
    uint32_t *vcj = ex_vc(ex, j);
    uint32_t acc[EX_MAX_THREADS];
    bool seen_prev = false;

    memset(vcj, 0, n * sizeof *vcj);
    memset(acc, 0, n * sizeof *acc);
    for (size_t k = j; k-- > 0;) {
        uint32_t p = ex->path[k];
        const uint32_t *vck = ex_vc(ex, k);
        if (p == q) {
            if (!seen_prev) {
                /* Program order: the previous step of q, and through it
                 * every earlier one. */
                seen_prev = true;
                vc_join(vcj, vck, n);
                vc_join(acc, vck, n);
            }
            continue;
        }
        if (!ex_fp_dependent(&ex->ev_fps[k], fpj)) {
            continue;
        }
        if (acc[p] < k + 1) {
            dpor_reverse(ex, k, j, q, true);
        }
        vc_join(acc, vck, n);
        vc_join(vcj, vck, n);
    }
    vcj[q] = (uint32_t) j + 1;
}

/* DPOR bookkeeping of a complete schedule of 'depth' steps.  A step can
 * disable a thread for good (the main thread's join of udpif_destroy()
 * stops every other thread, their queued work dropped): the disabled step
 * never runs, so no race with it is ever seen, and the schedules in which
 * it runs first would be missed.  The step at the last node where such a
 * thread was runnable conflicts with the thread's step: the thread is
 * added to that node's backtrack set.  (A thread blocked on a lock or a
 * barrier runs again before the schedule ends: its races are seen.) */
static void
dpor_leaf(struct ex *ex, size_t depth)
{
    uint64_t later = 0;         /* Runnable at some node after k. */
    for (size_t k = depth; k-- > 0;) {
        struct ex_frame *f = &ex->frames[k];
        uint64_t lost = f->runnable & ~later
                        & ~(UINT64_C(1) << ex->path[k]);
        for (uint64_t m = lost; m; m &= m - 1) {
            uint64_t q = m & -m;
            ex->result->stats.races++;
            if (!(q & (f->backtrack | f->sleep.mask))) {
                f->backtrack |= q;
                ex->result->stats.backtracks++;
            }
        }
        later |= f->runnable;
    }
}

/* ==== The exhaustive search ==== */

/* Ends the schedule at 'depth' if it ends there: nothing is 'runnable'
 * (a complete schedule), or the depth bound cuts it.  Returns true if it
 * ended. */
bool
ex_leaf(struct ex *ex, size_t depth, uint64_t runnable)
{
    struct explore_stats *st = &ex->result->stats;
    if (!runnable) {
        ex_schedule_done(ex, true);
        return true;
    }
    if (depth >= ex->limit) {
        st->bound_exceeded++;
        if (!ex->opts.depth_bound) {
            st->capped = true;      /* Not a bound the user asked for. */
        }
        if (ex->reduction == EXPLORE_REDUCTION_DPOR) {
            st->dpor_cut = true;    /* DPOR misses races beyond the cut. */
        }
        ex_schedule_done(ex, false);
        return true;
    }
    return false;
}

/* Opens the node at 'depth' (the live model is at ex->path[0..depth)),
 * whose sleep set is ex->frames[depth].sleep, reached with 'preemptions':
 * returns false if it has no child to explore (a leaf, or every runnable
 * thread asleep). */
static bool
ex_dfs_open(struct ex *ex, size_t depth, int preemptions)
{
    struct explore_stats *st = &ex->result->stats;
    uint64_t runnable = ex_runnable(ex);

    if (!runnable && ex->reduction == EXPLORE_REDUCTION_DPOR) {
        dpor_leaf(ex, depth);
    }
    if (ex_leaf(ex, depth, runnable)) {
        return false;
    }

    struct ex_frame *f = ex_frame(ex, depth);
    uint64_t avail = runnable & ~f->sleep.mask;
    if (!avail) {
        st->pruned += (uint64_t) __builtin_popcountll(runnable);
        st->sleep_blocked++;
        return false;
    }
    f->done.mask = 0;
    f->runnable = runnable;
    f->avail = avail;
    f->tried = 0;
    f->preemptions = preemptions;

    uint32_t last = depth ? ex->path[depth - 1] : UINT32_MAX;
    bool last_runnable = last != UINT32_MAX && (runnable >> last) & 1;
    if (ex->reduction == EXPLORE_REDUCTION_DPOR) {
        /* One to start with, the thread that ran last if it can (no
         * preemption); races found below add the others needed. */
        f->backtrack = last_runnable && (avail >> last) & 1
                       ? UINT64_C(1) << last : avail & -avail;
    } else {
        f->backtrack = avail;
    }
    return true;
}

/* The preemptions of a step of 'id' from the node at 'depth' of 'path'
 * ('f' is the node's frame). */
static int
ex_dfs_preemptions(const struct ex *ex, const struct ex_frame *f,
                   const uint32_t *path, size_t depth, uint32_t id)
{
    uint32_t last = depth ? path[depth - 1] : ex->opts.last_thread;
    bool last_runnable = last != UINT32_MAX && (f->runnable >> last) & 1;
    return f->preemptions + (last_runnable && id != last);
}

/* The next child to explore from the node at 'depth', or -1 if none is
 * left (or the search stops). */
static int
ex_dfs_next(struct ex *ex, size_t depth, const uint32_t *path)
{
    struct explore_stats *st = &ex->result->stats;
    struct ex_frame *f = &ex->frames[depth];
    for (;;) {
        uint64_t m = f->backtrack & f->avail & ~f->tried;
        if (!m) {
            st->pruned += (uint64_t) __builtin_popcountll(f->runnable
                                                          & ~f->tried);
            return -1;
        }
        if (ex->stop || ex_cancelled(ex)) {
            /* Branches left: a limit did stop the search early. */
            bool left = false;
            for (; m && !left; m &= m - 1) {
                uint32_t id = (uint32_t) lowest_bit(m);
                int pre = ex_dfs_preemptions(ex, f, path, depth, id);
                left = ex->opts.preempt_bound < 0
                       || pre <= ex->opts.preempt_bound;
            }
            if (left) {
                ex_limit_left(ex);
            } else if (!ex->error) {
                st->pruned += (uint64_t) __builtin_popcountll(
                    f->runnable & ~f->tried);
            }
            return -1;
        }
        uint32_t id = (uint32_t) lowest_bit(m);
        f->tried |= UINT64_C(1) << id;
        int pre = ex_dfs_preemptions(ex, f, path, depth, id);
        if (ex->opts.preempt_bound >= 0 && pre > ex->opts.preempt_bound) {
            st->bound_exceeded++;
            continue;
        }
        return (int) id;
    }
}

/* The child 'f->id' of the node of 'f' has been explored. */
static void
ex_dfs_child_done(struct ex *ex, struct ex_frame *f)
{
    if (ex->reduction != EXPLORE_REDUCTION_NONE) {
        f->done.mask |= UINT64_C(1) << f->id;
        f->done.fps[f->id] = f->fp;
    }
}

/* The depth-first search from the root (the live model, fresh), with a
 * stack of frames rather than recursion.  'path' holds the schedule of
 * the node being explored (ex->path is the live model's, which a rebuild
 * resets). */
static void
ex_dfs(struct ex *ex)
{
    uint32_t *path = NULL;
    size_t allocated = 0;
    size_t depth = 0;

    if (!ex_dfs_open(ex, 0, 0)) {
        return;
    }
    for (;;) {
        int next = ex_dfs_next(ex, depth, path);
        if (next < 0) {
            if (!depth) {
                break;
            }
            depth--;
            ex_dfs_child_done(ex, &ex->frames[depth]);
            continue;
        }

        /* The step of thread 'next' from the node at 'depth'. */
        struct ex_frame *f = &ex->frames[depth];
        uint32_t id = (uint32_t) next;
        int pre = ex_dfs_preemptions(ex, f, path, depth, id);
        int error = ex_goto(ex, path, depth);
        if (error) {
            ex->error = error;
            ex->stop = true;
            break;
        }
        f->id = id;
        ex_step(ex, id, &f->fp);
        if (ex->reduction == EXPLORE_REDUCTION_DPOR) {
            dpor_step(ex, depth);
        }
        if (ex_check(ex, 0)) {
            ex_schedule_done(ex, false);
            ex_dfs_child_done(ex, &ex->frames[depth]);
            continue;
        }

        struct ex_frame *c = ex_frame(ex, depth + 1);
        f = &ex->frames[depth];     /* ex_frame() may have moved it. */
        c->sleep.mask = 0;
        if (ex->reduction != EXPLORE_REDUCTION_NONE) {
            uint64_t cand = (f->sleep.mask | f->done.mask)
                            & ~(UINT64_C(1) << id);
            for (uint64_t k = cand; k; k &= k - 1) {
                int u = lowest_bit(k);
                const struct ex_fp *ufp = (f->sleep.mask >> u) & 1
                                          ? &f->sleep.fps[u]
                                          : &f->done.fps[u];
                if (!ex_fp_dependent(ufp, &f->fp)) {
                    c->sleep.mask |= UINT64_C(1) << u;
                    c->sleep.fps[u] = *ufp;
                }
            }
        }
        path = uk_grow(path, &allocated, depth + 1, sizeof *path);
        path[depth] = id;
        if (ex_dfs_open(ex, depth + 1, pre)) {
            depth++;
        } else {
            ex_dfs_child_done(ex, &ex->frames[depth]);
        }
    }
    free(path);
}

/* One exhaustive search from a fresh model, within 'limit' steps. */
void
ex_search(struct ex *ex, size_t limit)
{
    ex->limit = limit;
    ex->stop = false;
    int error = ex_build(ex);
    if (error) {
        ex->error = error;
        return;
    }
    ex_frame(ex, 0)->sleep.mask = 0;
    ex_dfs(ex);
}
