/* SPDX-License-Identifier: Apache-2.0 */
/* The fold thread of a report (report-private.h, "The fold thread"): the
 * thread that runs the graph decodes each event into a batch, and another
 * thread folds the batches, so that an audit of a trace on two CPUs takes
 * about as long as babeltrace2 takes to read it, not that plus the fold.
 *
 * The decoder fills the slot report_pipe_slot() gives in the batch being
 * filled; a full batch goes to the fold thread's queue, and the decoder
 * takes an empty one, waiting if the fold is REPORT_PIPE_BATCHES - 1
 * batches behind.  Every other call on the report waits first until the
 * fold thread has folded everything queued (report_pipe_sync()), then runs
 * on the caller's thread while the fold thread waits: the report is only
 * ever used by one thread at a time, handed over under 'mutex'.  The
 * events come out in the order they went in, so the report's output is
 * the same as without the thread. */
#include "report-private.h"

#include <pthread.h>
#include <stdlib.h>

#include "core/util.h"

/* Events per batch.  The fold is faster than babeltrace2's decoding: it
 * waits for nearly every batch, a wake-up and two context switches each
 * (13,730 of them for the 7.5 M events of a 2-second load with batches of
 * 512: more than a tenth of the fold thread's CPU).  8,192 events are
 * 832 KiB. */
#define REPORT_PIPE_BATCH 8192
#define REPORT_PIPE_BATCHES 4       /* Batches in all. */

struct report_batch {
    size_t n;
    struct ukey_event events[REPORT_PIPE_BATCH];
};

struct report_pipe {
    struct report *r;               /* Folded by 'thread'. */
    pthread_t thread;

    /* The batch the decoder fills: the caller's only. */
    struct report_batch *fill;

    pthread_mutex_t mutex;
    pthread_cond_t queued;          /* Signalled: a batch queued, 'stop'. */
    pthread_cond_t done;            /* Signalled: a batch folded. */
    /* Guarded by 'mutex'. */
    struct report_batch *queue[REPORT_PIPE_BATCHES];   /* To fold, FIFO. */
    size_t head, n_queued;
    struct report_batch *empty[REPORT_PIPE_BATCHES];   /* Folded. */
    size_t n_empty;
    bool folding;                   /* The thread holds a batch. */
    bool stop;
};

static void *
report_pipe_main(void *pipe_)
{
    struct report_pipe *p = pipe_;

    pthread_mutex_lock(&p->mutex);
    for (;;) {
        while (!p->n_queued && !p->stop) {
            pthread_cond_wait(&p->queued, &p->mutex);
        }
        if (!p->n_queued) {
            break;                      /* 'stop', and nothing left. */
        }
        struct report_batch *b = p->queue[p->head];
        p->head = (p->head + 1) % REPORT_PIPE_BATCHES;
        p->n_queued--;
        p->folding = true;
        pthread_mutex_unlock(&p->mutex);

        for (size_t i = 0; i < b->n; i++) {
            report_take(p->r, &b->events[i]);
        }
        b->n = 0;

        pthread_mutex_lock(&p->mutex);
        p->folding = false;
        p->empty[p->n_empty++] = b;
        pthread_cond_signal(&p->done);
    }
    pthread_mutex_unlock(&p->mutex);
    return NULL;
}

struct report_pipe *
report_pipe_create(struct report *r)
{
    struct report_pipe *p = uk_xzalloc(sizeof *p);
    p->r = r;
    for (size_t i = 0; i < REPORT_PIPE_BATCHES; i++) {
        p->empty[p->n_empty++] = uk_xzalloc(sizeof *p->empty[0]);
    }
    p->fill = p->empty[--p->n_empty];
    pthread_mutex_init(&p->mutex, NULL);
    pthread_cond_init(&p->queued, NULL);
    pthread_cond_init(&p->done, NULL);
    if (pthread_create(&p->thread, NULL, report_pipe_main, p)) {
        /* No thread: the caller folds, as on one CPU. */
        p->stop = true;
        report_pipe_destroy(p);
        return NULL;
    }
    return p;
}

/* Queues the batch being filled, if it holds any event, and takes an empty
 * one.  Call with 'p->mutex' held. */
static void
report_pipe_queue(struct report_pipe *p)
{
    if (!p->fill->n) {
        return;
    }
    p->queue[(p->head + p->n_queued) % REPORT_PIPE_BATCHES] = p->fill;
    p->n_queued++;
    pthread_cond_signal(&p->queued);
    while (!p->n_empty) {
        pthread_cond_wait(&p->done, &p->mutex);
    }
    p->fill = p->empty[--p->n_empty];
}

struct ukey_event *
report_pipe_slot(struct report_pipe *p)
{
    return &p->fill->events[p->fill->n];
}

void
report_pipe_commit(struct report_pipe *p)
{
    if (++p->fill->n == REPORT_PIPE_BATCH) {
        pthread_mutex_lock(&p->mutex);
        report_pipe_queue(p);
        pthread_mutex_unlock(&p->mutex);
    }
}

void
report_pipe_sync(struct report_pipe *p)
{
    pthread_mutex_lock(&p->mutex);
    report_pipe_queue(p);
    while (p->n_queued || p->folding) {
        pthread_cond_wait(&p->done, &p->mutex);
    }
    pthread_mutex_unlock(&p->mutex);
}

void
report_pipe_destroy(struct report_pipe *p)
{
    if (!p) {
        return;
    }
    if (!p->stop) {
        report_pipe_sync(p);
        pthread_mutex_lock(&p->mutex);
        p->stop = true;
        pthread_cond_signal(&p->queued);
        pthread_mutex_unlock(&p->mutex);
        pthread_join(p->thread, NULL);
    }
    free(p->fill);
    for (size_t i = 0; i < p->n_empty; i++) {
        free(p->empty[i]);
    }
    pthread_mutex_destroy(&p->mutex);
    pthread_cond_destroy(&p->queued);
    pthread_cond_destroy(&p->done);
    free(p);
}
