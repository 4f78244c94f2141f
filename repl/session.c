/* SPDX-License-Identifier: Apache-2.0 */
/* Re-running the session: repl_rescript() starts the session over on a
 * fresh model built from a new configuration ("variant", "datapath",
 * "umaps", "set") and runs its script again, quietly, setting aside the
 * old model, journal, events, breakpoints and watches so that the change
 * is all or nothing.  The model's observer (repl_session_observe()) is
 * repl/cmd-step.c's, the rebuild and the --events rewrite
 * (repl_events_rewrite()) repl/journal.c's.  Last, the session's init
 * and destroy. */
#include "repl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "core/util.h"
#include "repl/trace.h"
#include "tracepoints/provider/tp-observer.h"

/* What a rescript replaces: set aside while the session runs again under
 * the new configuration, and put back if that fails, so that a
 * configuration change is all or nothing. */
struct session_state {
    struct udpif_config cfg;
    struct udpif *udpif;                /* (owned) */
    struct repl_session sess;           /* (owned) */
};

/* Moves the session's model, journal, events, breakpoints and watches
 * into 's', leaving 'r' without any. */
static void
session_set_aside(struct repl *r, struct session_state *s)
{
    *s = (struct session_state) {
        .cfg = r->cfg,
        .udpif = r->udpif ? repl_detach_model(r) : NULL,
        .sess = r->sess,
    };
    r->sess = (struct repl_session) { .journal = NULL };
    r->first_new_event = 0;
}

/* Moves 's' back into 'r', whose own parts must have been set aside. */
static void
session_put_back(struct repl *r, struct session_state *s)
{
    r->cfg = s->cfg;
    r->udpif = s->udpif;
    if (r->udpif) {
        event_bus_add(r->udpif->bus, repl_session_observe, r);
    }
    r->sess = s->sess;
    r->first_new_event = r->sess.n_events;
}

void
repl_trace_events(const struct repl *r, size_t from)
{
    for (size_t i = from; !r->mute_output && i < r->sess.n_events; i++) {
        uk_tp_observer(&r->sess.events[i].e, NULL);
    }
}

void
repl_session_free(struct repl_session *s)
{
    for (size_t i = 0; i < s->n_journal; i++) {
        free(s->journal[i].line);
    }
    free(s->journal);
    for (size_t i = 0; i < s->n_redo; i++) {
        free(s->redo[i].line);
    }
    free(s->redo);
    free(s->events);
    for (size_t i = 0; i < s->n_bps; i++) {
        repl_bp_free(&s->bps[i]);
    }
    free(s->bps);
    for (size_t i = 0; i < s->n_watches; i++) {
        repl_watch_free(&s->watches[i]);
    }
    free(s->watches);
}

static void
session_state_free(struct session_state *s)
{
    udpif_destroy(s->udpif);
    repl_session_free(&s->sess);
}

/* Runs the session's script on a fresh model built from 'r->cfg',
 * quietly, its errors kept in 'r->captured_error'.  Returns the number of
 * commands that ran: all of them, or up to the first that failed. */
static size_t
rescript_run(struct repl *r)
{
    bool saved_quiet = r->quiet;
    r->quiet = r->rescripting = r->capturing_errors = true;
    r->captured_error[0] = '\0';
    repl_rebuild(r);
    size_t i;
    for (i = 0; i < r->n_script; i++) {
        char buf[4096];
        snprintf(buf, sizeof buf, "%s", r->script[i]);
        r->bp_cond_error = false;
        if (repl_execute(r, buf) != CMD_OK && !r->bp_cond_error) {
            /* (A motion that stopped at a condition it could not judge
             * failed as it did when typed, its steps standing: it ran.) */
            break;
        }
    }
    r->rescripting = r->capturing_errors = false;
    r->quiet = saved_quiet;
    repl_bp_forget(r);
    r->first_new_event = r->sess.n_events;
    return i;
}

int
repl_rescript(struct repl *r, const struct udpif_config *cfg,
              const char *what)
{
    /* A model that has done nothing yet emitted only its main and urcu
     * threads' starts, which the new one emits again, identical (see
     * repl_rebuild()): the trace does not get them twice. */
    size_t n_traced = (r->udpif && event_bus_next_seq(r->udpif->bus) <= 3
                       ? r->sess.n_events : 0);
    /* The script runs on the model, not on a trace (see
     * trace_refuse_config()). */
    uk_assert(!r->trace);
    struct session_state old;
    session_set_aside(r, &old);
    r->cfg = *cfg;

    /* Nothing of the new run is traced or written to --events before it
     * has replaced the old one. */
    FILE *events_out = r->events_out;
    bool saved_mute = r->mute_output;
    r->events_out = NULL;
    r->mute_output = true;
    size_t n_ran = rescript_run(r);
    r->mute_output = saved_mute;
    r->events_out = events_out;

    if (n_ran < r->n_script) {
        struct session_state new;
        session_set_aside(r, &new);
        session_state_free(&new);
        session_put_back(r, &old);
        const char *failed = r->script[n_ran];
        repl_error(r, "%s: refused: the session's command %zu (\"%s\") "
                   "fails under it (%s); the session is unchanged", what,
                   n_ran + 1, failed + strspn(failed, " \t"),
                   r->captured_error);
        return EINVAL;
    }
    repl_bp_carry(r, &old.sess);
    session_state_free(&old);
    repl_trace_events(r, n_traced);
    repl_events_rewrite(r);
    return 0;
}

/* ==== Session ==== */

void
repl_init(struct repl *r)
{
    memset(r, 0, sizeof *r);
    udpif_config_init(&r->cfg);
}

void
repl_destroy(struct repl *r)
{
    udpif_destroy(r->udpif);
    repl_session_free(&r->sess);
    free(r->last_motion);
    for (size_t i = 0; i < r->n_script; i++) {
        free(r->script[i]);
    }
    free(r->script);
    if (r->events_out) {
        fclose(r->events_out);
    }
    trace_close(r);
}
