/* SPDX-License-Identifier: Apache-2.0 */
/* Re-running the session: repl_rescript() starts the session over on a
 * fresh model built from a new configuration ("variant", "datapath",
 * "umaps", "set") and runs its script again, quietly, setting aside the
 * old model, journal, events, breakpoints and watches so that the change
 * is all or nothing.  The model's observer (repl_session_observe()),
 * the rebuild and the --events rewrite (repl_events_rewrite()) are
 * repl/cmd-step.c's. */
#include "repl.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "tracepoints/provider/tp-observer.h"

/* What a rescript replaces: set aside while the session runs again under
 * the new configuration, and put back if that fails, so that a
 * configuration change is all or nothing. */
struct session_state {
    struct udpif_config cfg;
    struct udpif *udpif;                /* (owned) */
    struct repl_jentry *journal;        /* (owned) */
    size_t n_journal, allocated_journal;
    struct repl_jentry *redo;           /* (owned) */
    size_t n_redo, allocated_redo;
    struct repl_event *events;          /* (owned) */
    size_t n_events, allocated_events;
    struct breakpoint *bps;             /* (owned) */
    size_t n_bps, allocated_bps;
    int next_bp_number;
    struct watch *watches;              /* (owned) */
    size_t n_watches, allocated_watches;
    int next_watch_number;
};

/* Moves the session's model, journal, events, breakpoints and watches
 * into 's', leaving 'r' without any. */
static void
session_set_aside(struct repl *r, struct session_state *s)
{
    *s = (struct session_state) {
        .cfg = r->cfg,
        .udpif = r->udpif ? repl_detach_model(r) : NULL,
        .journal = r->journal, .n_journal = r->n_journal,
        .allocated_journal = r->allocated_journal,
        .redo = r->redo, .n_redo = r->n_redo,
        .allocated_redo = r->allocated_redo,
        .events = r->events, .n_events = r->n_events,
        .allocated_events = r->allocated_events,
        .bps = r->bps, .n_bps = r->n_bps, .allocated_bps = r->allocated_bps,
        .next_bp_number = r->next_bp_number,
        .watches = r->watches, .n_watches = r->n_watches,
        .allocated_watches = r->allocated_watches,
        .next_watch_number = r->next_watch_number,
    };
    r->journal = r->redo = NULL;
    r->n_journal = r->allocated_journal = r->n_redo = r->allocated_redo = 0;
    r->events = NULL;
    r->n_events = r->allocated_events = r->first_new_event = 0;
    r->bps = NULL;
    r->n_bps = r->allocated_bps = 0;
    r->next_bp_number = 0;
    r->watches = NULL;
    r->n_watches = r->allocated_watches = 0;
    r->next_watch_number = 0;
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
    r->journal = s->journal;
    r->n_journal = s->n_journal;
    r->allocated_journal = s->allocated_journal;
    r->redo = s->redo;
    r->n_redo = s->n_redo;
    r->allocated_redo = s->allocated_redo;
    r->events = s->events;
    r->n_events = s->n_events;
    r->allocated_events = s->allocated_events;
    r->first_new_event = r->n_events;
    r->bps = s->bps;
    r->n_bps = s->n_bps;
    r->allocated_bps = s->allocated_bps;
    r->next_bp_number = s->next_bp_number;
    r->watches = s->watches;
    r->n_watches = s->n_watches;
    r->allocated_watches = s->allocated_watches;
    r->next_watch_number = s->next_watch_number;
}

static void
session_state_free(struct session_state *s)
{
    udpif_destroy(s->udpif);
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
        free(s->bps[i].text);
    }
    free(s->bps);
    for (size_t i = 0; i < s->n_watches; i++) {
        free(s->watches[i].text);
    }
    free(s->watches);
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
        if (repl_execute(r, buf) != CMD_OK) {
            break;
        }
    }
    r->rescripting = r->capturing_errors = false;
    r->quiet = saved_quiet;
    r->bp_hit = NULL;
    r->first_new_event = r->n_events;
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
                       ? r->n_events : 0);
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
    session_state_free(&old);
    if (!r->mute_output) {
        for (size_t i = n_traced; i < r->n_events; i++) {
            uk_tp_observer(&r->events[i].e, NULL);
        }
    }
    repl_events_rewrite(r);
    return 0;
}
