/* SPDX-License-Identifier: Apache-2.0 */
/* The journal and exact reverse stepping by deterministic replay, for the
 * motion commands (repl/cmd-step.c).
 *
 * The journal holds every command that changed the model and every single
 * step, in order.  Rebuilding a model from the configuration and replaying
 * a prefix of the journal lands on exactly the state that prefix produced,
 * because stepped runs are deterministic.  "back" keeps what it undid as
 * the recorded future, which "step" and "continue" follow until the user
 * chooses differently. */
#include "repl.h"

#include <errno.h>
#include <stdlib.h>
#include <unistd.h>

#include "core/util.h"

/* ==== Journal ==== */

static void
journal_push(struct repl *r, char *line, uint32_t thread_id)
{
    struct repl_session *s = &r->sess;
    s->journal = uk_grow(s->journal, &s->allocated_journal, s->n_journal + 1,
                         sizeof *s->journal);
    s->journal[s->n_journal++] = (struct repl_jentry) { line, thread_id };
}

/* Moves the journal's entries from 'cut' on to the recorded future, which
 * is a stack: the next entry to replay is at its end. */
static void
journal_cut(struct repl *r, size_t cut)
{
    struct repl_session *s = &r->sess;
    for (size_t k = s->n_journal; k-- > cut;) {
        s->redo = uk_grow(s->redo, &s->allocated_redo, s->n_redo + 1,
                          sizeof *s->redo);
        s->redo[s->n_redo++] = s->journal[k];
    }
    s->n_journal = cut;
}

static void
redo_clear(struct repl *r)
{
    for (size_t i = 0; i < r->sess.n_redo; i++) {
        free(r->sess.redo[i].line);
    }
    r->sess.n_redo = 0;
}

void
repl_journal_cmd(struct repl *r, const char *line)
{
    if (!r->replaying) {
        journal_push(r, uk_xstrdup(line), 0);
        if (!r->redoing) {
            redo_clear(r);
        }
    }
}

bool
repl_journal_step(struct repl *r, uint32_t thread_id)
{
    journal_push(r, NULL, thread_id);
    if (r->sess.n_redo) {
        struct repl_jentry *next = &r->sess.redo[r->sess.n_redo - 1];
        if (!next->line && next->thread_id == thread_id) {
            r->sess.n_redo--;        /* Followed the recorded future. */
            return true;
        }
        redo_clear(r);
    }
    return false;
}

uint64_t
repl_steps(const struct repl *r)
{
    return r->udpif ? r->udpif->time : 0;
}

/* ==== Rebuild ==== */

/* Makes --events FILE the log of the session's current history, as a
 * fresh run of it would write: the events of this model, which a rebuild
 * replays without writing them.  After "back", the events of the steps
 * undone are gone; after a variant change, the old run's.  A FILE that
 * cannot be rewritten (a pipe) keeps what it has, and goes on. */
void
repl_events_rewrite(struct repl *r)
{
    if (!r->events_out) {
        return;
    }
    fflush(r->events_out);
    if (fseek(r->events_out, 0, SEEK_SET)
        || ftruncate(fileno(r->events_out), 0)) {
        fseek(r->events_out, 0, SEEK_END);
        return;
    }
    for (size_t i = 0; i < r->sess.n_events; i++) {
        char buf[512];
        uk_event_format_canonical(&r->sess.events[i].e, buf, sizeof buf);
        fprintf(r->events_out, "%s\n", buf);
    }
}

static void
print_divergence(struct repl *r, size_t i, const struct uk_thread *t)
{
    char next[256] = "it does not exist";
    if (t) {
        uk_action_format(&t->next, next, sizeof next);
    }
    repl_error(r, "replay diverged at journal entry %zu (step %llu): "
               "%s is not runnable (next: %s)", i,
               (unsigned long long) repl_steps(r),
               t ? t->name : "the thread", next);
}

int
repl_rebuild(struct repl *r)
{
    /* A model that has done nothing yet emitted only its main and urcu
     * threads' starts, which the new one emits again, identical: those
     * are not written to the trace or --events a second time. */
    bool pristine = r->udpif && event_bus_next_seq(r->udpif->bus) <= 3;
    bool rebuilt = r->udpif != NULL;    /* A model the trace has seen. */
    udpif_destroy(r->udpif);
    r->udpif = NULL;        /* repl_session_observe() runs during create. */
    r->sess.n_events = 0;
    struct udpif_config cfg = r->cfg;
    cfg.observer = repl_session_observe;
    cfg.observer_aux = r;
    FILE *events_out = r->events_out;   /* Rewritten at the end. */
    r->events_out = NULL;
    /* Replaying from the start: the new model's thread starts are no
     * more new than the steps replayed after them, so no breakpoint
     * counts or hits them.  They are traced below. */
    bool saved = r->replaying;
    r->replaying = true;
    r->udpif = udpif_create(&cfg);
    bool traced = !saved && !r->mute_output && !pristine;
    if (traced && !rebuilt) {
        repl_trace_events(r, 0);    /* The new model's thread starts. */
    }

    int error = 0;
    size_t i;
    for (i = 0; i < r->sess.n_journal; i++) {
        struct repl_jentry *j = &r->sess.journal[i];
        if (j->line) {
            char buf[4096];
            snprintf(buf, sizeof buf, "%s", j->line);
            if (repl_execute(r, buf) != CMD_OK) {
                error = EINVAL;
                break;
            }
        } else {
            struct uk_thread *t = j->thread_id < r->udpif->n_threads
                                  ? r->udpif->threads[j->thread_id] : NULL;
            if (!t || udpif_step(r->udpif, t)) {
                print_divergence(r, i, t);
                error = EINVAL;
                break;
            }
        }
    }
    if (error) {
        /* Keep what replayed; the rest becomes the recorded future. */
        journal_cut(r, i);
    }
    r->replaying = saved;
    /* A replay cut short may have lost threads a breakpoint names. */
    repl_bp_resolve(r);
    if (traced && rebuilt) {
        /* The trace is append-only: the run the rebuild left stays in it,
         * cut short, and the new model's run follows from its start, all
         * of it, as one more run (as after repl_rescript()). */
        repl_trace_events(r, 0);
    }
    r->first_new_event = r->sess.n_events;
    r->events_out = events_out;
    repl_events_rewrite(r);
    return error;
}

int
repl_rewind_to(struct repl *r, uint64_t steps)
{
    uint64_t seen = 0;
    size_t cut = r->sess.n_journal;
    for (size_t i = 0; i < r->sess.n_journal; i++) {
        if (!r->sess.journal[i].line) {
            if (seen == steps) {
                cut = i;
                break;
            }
            seen++;
        }
    }
    journal_cut(r, cut);
    return repl_rebuild(r);
}

