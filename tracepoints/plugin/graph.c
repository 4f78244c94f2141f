/* SPDX-License-Identifier: Apache-2.0 */
/* The graph of "ukdb audit" and "ukdb view" (see graph.h): sources, a
 * muxer for live sessions and the sink of sink.c, built and run in-process
 * with libbabeltrace2, and the printing of its error causes. */
#define _GNU_SOURCE 1           /* nftw() and 'struct FTW'. */
#include "graph-private.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <ftw.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <babeltrace2/babeltrace.h>

#include "core/util.h"

/* ==== Hearing why src.ctf.fs failed ==== */

/* babeltrace2 2.0.4's src.ctf.fs says why it cannot read a trace's
 * metadata (the TSDL parser's "syntax error" at a line, an attribute out
 * of range) only in its log: its error cause is "Cannot create trace for
 * `DIR`.", which says nothing.  So when that is the deepest cause, the
 * source is created once more, alone in a graph of its own, logging its
 * errors to a temporary file in place of stderr (ukdb's components log
 * nothing: GRAPH_LOG_LEVEL), and the first error it logged, the deepest,
 * stands for the deepest cause in the one-line error (graph_print_error());
 * with $UKDB_ERROR_CHAIN, every error it logged follows the causes.
 *
 * What is heard and not kept goes back to stderr, in the order it came,
 * when the source is made or has failed: anything but an error logged (a
 * warning of GLib's), and everything when the user asked for babeltrace2's
 * log (graph_log_wanted()): that log is theirs, whole, with ukdb's one line
 * after it.  Heard in a file, not a pipe: nobody reads a pipe while
 * babeltrace2 writes, and a log of more than a pipe's 64 KiB would block
 * it. */
static const char graph_vague_cause[] = "Cannot create trace for `";

bool
graph_log_wanted(void)
{
    static const char *const vars[] = {
        "UKDB_BT_LOG",                  /* Components' (GRAPH_LOG_LEVEL). */
        "LIBBABELTRACE2_INIT_LOG_LEVEL",            /* The library's. */
        "BABELTRACE_PLUGIN_CTF_METADATA_LOG_LEVEL", /* The TSDL parser's. */
    };
    for (size_t i = 0; i < sizeof vars / sizeof *vars; i++) {
        const char *v = getenv(vars[i]);
        /* babeltrace2 reads "N" or "NONE" as no log, as does ukdb "". */
        if (v && *v && strcmp(v, "N") && strcmp(v, "NONE")) {
            return true;
        }
    }
    return false;
}

/* What was heard, until graph_print_error() says it.  Used by one thread
 * at a time (the graph's). */
static char graph_heard_why[512];       /* "" if nothing. */
static char *graph_heard_log;           /* (owned) NULL if nothing. */

/* While stderr is a temporary file: its 'tmp', the real stderr ('saved',
 * -1 when not hearing), and graph_set_abort_output()'s before. */
static struct {
    FILE *tmp;
    int saved;
    int abort_out, abort_capture;
} graph_hearing = { .saved = -1 };

/* Makes stderr a temporary file; an abort meanwhile (graph-guard.c) still
 * says so on the real stderr, quoting the file.  Returns false if it
 * cannot. */
static bool
graph_hear_start(void)
{
    graph_hearing.tmp = tmpfile();
    if (!graph_hearing.tmp) {
        return false;
    }
    /* Not for a program ukdb runs: stderr, dup2()'d, is enough. */
    fcntl(fileno(graph_hearing.tmp), F_SETFD, FD_CLOEXEC);
    fflush(stderr);
    graph_hearing.saved = fcntl(STDERR_FILENO, F_DUPFD_CLOEXEC, 0);
    if (graph_hearing.saved < 0
        || dup2(fileno(graph_hearing.tmp), STDERR_FILENO) < 0) {
        if (graph_hearing.saved >= 0) {
            close(graph_hearing.saved);
            graph_hearing.saved = -1;
        }
        fclose(graph_hearing.tmp);
        return false;
    }
    graph_hearing.abort_out = graph_get_abort_output();
    graph_hearing.abort_capture = graph_abort_capture;
    graph_set_abort_output(graph_hearing.abort_out == STDERR_FILENO
                           ? graph_hearing.saved : graph_hearing.abort_out,
                           fileno(graph_hearing.tmp));
    return true;
}

/* Gives stderr back (no-op if not hearing) and returns what was written
 * to it meanwhile (owned), or NULL. */
static char *
graph_hear_stop(void)
{
    if (graph_hearing.saved < 0) {
        return NULL;
    }
    fflush(stderr);
    graph_set_abort_output(graph_hearing.abort_out,
                           graph_hearing.abort_capture);
    dup2(graph_hearing.saved, STDERR_FILENO);
    close(graph_hearing.saved);
    graph_hearing.saved = -1;

    char *text = NULL;
    long size = ftell(graph_hearing.tmp);
    if (size > 0 && !fseek(graph_hearing.tmp, 0, SEEK_SET)) {
        text = uk_xmalloc((size_t) size + 1);
        text[fread(text, 1, (size_t) size, graph_hearing.tmp)] = '\0';
    }
    fclose(graph_hearing.tmp);
    return text;
}

/* If 'line' ('len' bytes) is an error that babeltrace2 logged
 * ("MM-DD HH:MM:SS.mmm PID TID E TAG FUNC@FILE:LINE [COMP] MESSAGE"),
 * returns true with its TAG, FILE:LINE and MESSAGE (without "[COMP] ") in
 * the buffers. */
static bool
graph_parse_log_line(const char *line, size_t len, char tag[128],
                     char where[256], char msg[512])
{
    char text[1024], func[256], level;
    size_t n = 0;
    int offset = 0;

    /* Without colours (BABELTRACE_TERM_COLOR=ALWAYS). */
    for (size_t i = 0; i < len && n + 1 < sizeof text; i++) {
        if (line[i] == '\033') {
            while (i < len && line[i] != 'm') {
                i++;
            }
        } else {
            text[n++] = line[i];
        }
    }
    text[n] = '\0';
    if (sscanf(text, "%*s %*s %*d %*d %c %127s %255s %n", &level, tag, func,
               &offset) != 3 || !offset || (level != 'E' && level != 'F')) {
        return false;
    }
    char *at = strchr(func, '@');
    if (!at || !strchr(at, ':')) {
        return false;
    }
    snprintf(where, 256, "%s", at + 1);
    const char *m = text + offset;
    if (*m == '[' && strstr(m, "] ")) {
        m = strstr(m, "] ") + 2;
    }
    snprintf(msg, 512, "%s", m);
    return true;
}

/* Writes back to stderr what was heard in 'text' (NULL ok) and is not
 * kept: every line if the user asked for babeltrace2's log, else those
 * that are not an error logged (graph_heard() keeps those, or a second
 * try hears them again). */
static void
graph_hear_echo(const char *text)
{
    char tag[128], where[256], msg[512];
    bool all = graph_log_wanted();

    for (const char *p = text; p && *p;) {
        size_t n = strcspn(p, "\n");
        n += p[n] == '\n';
        if (all || !graph_parse_log_line(p, n, tag, where, msg)) {
            fwrite(p, 1, n, stderr);
        }
        p += n;
    }
}

/* Drops what was heard: said, or not to be said. */
static void
graph_heard_forget(void)
{
    graph_heard_why[0] = '\0';
    free(graph_heard_log);
    graph_heard_log = NULL;
}

/* Keeps the errors logged in 'text' for graph_print_error(): the first
 * one as the reason, every one as the chain's tail. */
static void
graph_heard(const char *text)
{
    char tag[128], where[256], msg[512];
    size_t size = 0;

    graph_heard_forget();
    FILE *log = open_memstream(&graph_heard_log, &size);
    uk_assert(log);
    bool any = false;
    for (const char *p = text; p && *p;) {
        size_t n = strcspn(p, "\n");
        if (graph_parse_log_line(p, n, tag, where, msg)) {
            if (!any) {
                snprintf(graph_heard_why, sizeof graph_heard_why, "%s",
                         msg);
            }
            fprintf(log, "  logged: [%s] (%s)\n    %s\n", tag, where, msg);
            any = true;
        }
        p += n + (p[n] == '\n');
    }
    fclose(log);
    if (!any) {
        free(graph_heard_log);
        graph_heard_log = NULL;
    }
}

/* After src.ctf.fs of class 'fs' failed to be created with 'params' in
 * 'g', having written 'text' (owned) to stderr meanwhile: if its deepest
 * cause is the vague one, hears why (see above), and writes back what is
 * not kept.  The thread's error is as it was. */
static void
graph_hear_why(struct graph *g, const bt_component_class_source *fs,
               const bt_value *params, const char *input, char *text)
{
    const bt_error *error = bt_current_thread_take_error();
    uint64_t n = error ? bt_error_get_cause_count(error) : 0;
    const char *deepest = (n ? bt_error_cause_get_message(
                                   bt_error_borrow_cause_by_index(error, 0))
                             : NULL);
    char *again_text = NULL;
    if (deepest && !strncmp(deepest, graph_vague_cause,
                            sizeof graph_vague_cause - 1)
        && !getenv("UKDB_BT_LOG")) {    /* Else 'text' has its errors. */
        bt_graph *again = bt_graph_create(0);
        const bt_component_source *src;
        if (again && graph_hear_start()) {
            graph_watch_start(&g->watch, input, g->found_bytes);
            bt_graph_add_source_component(again, fs, "source", params,
                                          BT_LOGGING_LEVEL_ERROR, &src);
            graph_watch_stop(&g->watch);
            again_text = graph_hear_stop();
        }
        bt_current_thread_clear_error();
        BT_GRAPH_PUT_REF_AND_RESET(again);
    }
    /* The second try's log is babeltrace2's as much as the first's. */
    graph_hear_echo(text);
    graph_hear_echo(again_text);
    graph_heard(again_text ? again_text : text);
    free(again_text);
    free(text);
    if (error) {
        bt_current_thread_move_error(error);
    }
}

/* ==== Errors ==== */

/* Some of babeltrace2's names are longer than a line. */
#define GRAPH_MI_ACTOR_(WHAT) bt_error_cause_message_iterator_actor_get_##WHAT
#define GRAPH_CC_ACTOR_(WHAT) bt_error_cause_component_class_actor_get_##WHAT

static void
graph_print_cause(const bt_error_cause *cause)
{
    const char *msg = bt_error_cause_get_message(cause);
    static const char *const types[] = {
        [BT_COMPONENT_CLASS_TYPE_SOURCE] = "src",
        [BT_COMPONENT_CLASS_TYPE_FILTER] = "flt",
        [BT_COMPONENT_CLASS_TYPE_SINK] = "sink",
    };
    char actor[256];

#define GRAPH_CLS_TYPE_(T) \
    ((T) < sizeof types / sizeof *types && types[T] ? types[T] : "?")
    switch (bt_error_cause_get_actor_type(cause)) {
    case BT_ERROR_CAUSE_ACTOR_TYPE_COMPONENT: {
        const char *plugin =
            bt_error_cause_component_actor_get_plugin_name(cause);
        snprintf(actor, sizeof actor, "%s '%s%s%s.%s'",
                 bt_error_cause_component_actor_get_component_name(cause),
                 GRAPH_CLS_TYPE_(
                     bt_error_cause_component_actor_get_component_class_type(
                         cause)),
                 plugin ? "." : "", plugin ? plugin : "",
                 bt_error_cause_component_actor_get_component_class_name(
                     cause));
        break;
    }
    case BT_ERROR_CAUSE_ACTOR_TYPE_MESSAGE_ITERATOR: {
        const char *plugin = GRAPH_MI_ACTOR_(plugin_name)(cause);
        snprintf(actor, sizeof actor, "%s (%s) '%s%s%s.%s'",
                 GRAPH_MI_ACTOR_(component_name)(cause),
                 GRAPH_MI_ACTOR_(component_output_port_name)(cause),
                 GRAPH_CLS_TYPE_(
                     GRAPH_MI_ACTOR_(component_class_type)(cause)),
                 plugin ? "." : "", plugin ? plugin : "",
                 GRAPH_MI_ACTOR_(component_class_name)(cause));
        break;
    }
    case BT_ERROR_CAUSE_ACTOR_TYPE_COMPONENT_CLASS: {
        const char *plugin = GRAPH_CC_ACTOR_(plugin_name)(cause);
        snprintf(actor, sizeof actor, "'%s%s%s.%s'",
                 GRAPH_CLS_TYPE_(GRAPH_CC_ACTOR_(component_class_type)(cause)),
                 plugin ? "." : "", plugin ? plugin : "",
                 GRAPH_CC_ACTOR_(component_class_name)(cause));
        break;
    }
    case BT_ERROR_CAUSE_ACTOR_TYPE_UNKNOWN:
    default:
        snprintf(actor, sizeof actor, "%s",
                 bt_error_cause_get_module_name(cause));
        break;
    }
#undef GRAPH_CLS_TYPE_

    fprintf(stderr, "  caused by: [%s] (%s:%" PRIu64 ")\n", actor,
            bt_error_cause_get_file_name(cause),
            bt_error_cause_get_line_number(cause));
    /* Messages may span lines: indent each. */
    for (const char *p = msg; *p;) {
        const char *nl = strchr(p, '\n');
        int len = nl ? (int) (nl - p) : (int) strlen(p);
        fprintf(stderr, "    %.*s\n", len, p);
        p += len + (nl ? 1 : 0);
    }
}

/* The cause a graph that failed to run adds over its component's: in the
 * chain (UKDB_ERROR_CHAIN), not in the one-line error, where it would only
 * stand before the reason. */
static const char graph_failed[] = "Graph failed to complete successfully";

/* The first line of cause message 'msg', in 'buf'. */
static const char *
graph_first_line(const char *msg, char *buf, size_t size)
{
    snprintf(buf, size, "%.*s", (int) strcspn(msg ? msg : "", "\n"),
             msg ? msg : "");
    return buf;
}

/* Prints the current thread's error in one line, "ukdb: error: WHAT: WHY":
 * its most recent cause (what ukdb was doing: "Cannot read trace") and,
 * below it, the first one (why: "Failed to index CTF stream file ..."),
 * not the layers of babeltrace2 in between.  With $UKDB_ERROR_CHAIN set,
 * every cause follows, most recent first, as the babeltrace2 CLI prints
 * them.  Clears the error. */
static void
graph_print_error(void)
{
    const bt_error *error = bt_current_thread_take_error();
    if (!error) {
        fprintf(stderr, "ukdb: error: unknown babeltrace2 error\n");
        graph_heard_forget();
        return;
    }
    uint64_t n = bt_error_get_cause_count(error);
    char what[512] = "unknown babeltrace2 error", why[512] = "";
    if (n) {
        graph_first_line(bt_error_cause_get_message(
            bt_error_borrow_cause_by_index(error, n - 1)), what, sizeof what);
    }
    if (graph_heard_why[0]) {
        snprintf(why, sizeof why, "%s", graph_heard_why);
    } else if (n > 1) {
        graph_first_line(bt_error_cause_get_message(
            bt_error_borrow_cause_by_index(error, 0)), why, sizeof why);
    }
    if (*why && !strcmp(what, graph_failed)) {
        fprintf(stderr, "ukdb: error: %s\n", why);
    } else {
        fprintf(stderr, "ukdb: error: %s%s%s\n", what, *why ? ": " : "",
                why);
    }
    if (getenv("UKDB_ERROR_CHAIN")) {
        for (uint64_t i = n; i > 0; i--) {
            graph_print_cause(bt_error_borrow_cause_by_index(error, i - 1));
        }
        if (graph_heard_log) {
            fputs(graph_heard_log, stderr);
        }
    }
    graph_heard_forget();
    bt_error_release(error);
}

/* ==== Finding trace directories ==== */

/* What graph_find_cb() found: nftw() passes its callback no argument.
 * Used by one thread at a time (the graph's). */
static char **found_dirs;                       /* (owned) Each (owned). */
static size_t n_found_dirs, allocated_found_dirs;
static uint64_t found_bytes;                    /* Of every regular file. */
static char *unreadable_dir;                    /* (owned) The first one. */
static int unreadable_errno;

static int
graph_find_cb(const char *path, const struct stat *st, int type,
              struct FTW *ftw)
{
    if (type == FTW_DNR && !unreadable_dir) {
        /* A trace under it would be left out, unsaid.  Why: */
        DIR *d = opendir(path);
        unreadable_errno = d ? EIO : errno;
        if (d) {
            closedir(d);
        }
        unreadable_dir = uk_xstrdup(path);
    }
    if (type != FTW_F || !S_ISREG(st->st_mode)) {
        return 0;               /* A FIFO named "metadata" would block. */
    }
    found_bytes += (uint64_t) st->st_size;
    if (!strcmp(path + ftw->base, "metadata")) {
        found_dirs = uk_grow(found_dirs, &allocated_found_dirs,
                             n_found_dirs + 1, sizeof *found_dirs);
        found_dirs[n_found_dirs++] = uk_xasprintf("%.*s", ftw->base > 1
                                                  ? ftw->base - 1 : 1,
                                                  path);
    }
    return 0;
}

/* Forgets what graph_find_cb() found. */
static void
graph_free_found(void)
{
    for (size_t i = 0; i < n_found_dirs; i++) {
        free(found_dirs[i]);
    }
    n_found_dirs = 0;
    free(unreadable_dir);
    unreadable_dir = NULL;
}

static int
graph_cmp_strings(const void *a_, const void *b_)
{
    return strcmp(*(char *const *) a_, *(char *const *) b_);
}

/* ==== Building ==== */

static bool
graph_connect(struct graph *g, const bt_port_output *out,
              const bt_port_input *in)
{
    if (bt_graph_connect_ports(g->graph, out, in, NULL)
        != BT_GRAPH_CONNECT_PORTS_STATUS_OK) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot connect ports: upstream-port-name=\"%s\", "
            "downstream-port-name=\"%s\"",
            bt_port_get_name(bt_port_output_as_port_const(out)),
            bt_port_get_name(bt_port_input_as_port_const(in)));
        return false;
    }
    return true;
}

/* Connects 'out' to the muxer if there is one, else keeps it for the
 * sink. */
static bool
graph_add_port(struct graph *g, const bt_port_output *out)
{
    if (!g->muxer) {
        g->ports = uk_xrealloc(g->ports, (g->n_ports + 1) * sizeof *g->ports);
        g->ports[g->n_ports++] = out;
        return true;
    }

    uint64_t n = bt_component_filter_get_input_port_count(g->muxer);
    for (uint64_t i = 0; i < n; i++) {
        const bt_port_input *in =
            bt_component_filter_borrow_input_port_by_index_const(g->muxer,
                                                                 i);
        if (!bt_port_is_connected(bt_port_input_as_port_const(in))) {
            return graph_connect(g, out, in);
        }
    }
    BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
        "Muxer has no available input port");
    return false;
}

/* Adds a source of class 'cls' reading the 'n' 'inputs' (one live URL, or
 * trace directories of one UUID) and connects its output ports to the
 * muxer, or keeps them for the sink.  Returns false after appending a
 * cause. */
static bool
graph_add_source(struct graph *g, const bt_component_class_source *cls,
                 char *const inputs[], size_t n_inputs, bool live)
{
    const char *input = inputs[0];
    bt_value *params = bt_value_map_create();
    const bt_component_source *src = NULL;
    bool ok = false;
    char name[32];

    if (!params) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot create parameters: out of memory");
        goto out;
    }
    bt_value *array;
    bool failed = bt_value_map_insert_empty_array_entry(params, "inputs",
                                                        &array);
    for (size_t i = 0; i < n_inputs && !failed; i++) {
        failed = bt_value_array_append_string_element(array, inputs[i]);
    }
    if (failed
        || (live && bt_value_map_insert_string_entry(
                params, "session-not-found-action", "end"))
        /* Its directory names the trace, after the host (as the
         * babeltrace2 CLI does): the audit's headings say which is
         * which. */
        || (!live && bt_value_map_insert_string_entry(
                params, "trace-name", input + strspn(input, "/")))) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot create parameters: out of memory");
        goto out;
    }

    snprintf(name, sizeof name, "source-%u", g->n_sources++);
    /* Heard: the TSDL parser may log why (see graph_build()). */
    bool heard = !live && graph_hear_start();
    if (!live) {
        graph_watch_start(&g->watch, input, g->found_bytes);
    }
    bt_graph_add_component_status status = bt_graph_add_source_component(
        g->graph, cls, name, params, GRAPH_LOG_LEVEL, &src);
    graph_watch_stop(&g->watch);        /* No-op if not started. */
    char *text = heard ? graph_hear_stop() : NULL;
    if (status != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
        if (!live) {
            graph_hear_why(g, cls, params, input, text);
        }
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot read %s: \"%s\"%s", live ? "live session" : "trace",
            input, n_inputs > 1 ? " (with the other directories of its "
                                  "UUID)" : "");
        goto out;
    }
    if (text) {
        fputs(text, stderr);            /* Nothing kept: as it was. */
        free(text);
    }
    uint64_t n = bt_component_source_get_output_port_count(src);
    for (uint64_t i = 0; i < n; i++) {
        if (!graph_add_port(
                g, bt_component_source_borrow_output_port_by_index_const(
                       src, i))) {
            goto out;
        }
    }
    ok = true;

out:
    BT_VALUE_PUT_REF_AND_RESET(params);
    return ok;
}

static const bt_plugin *
graph_find_plugin(const char *name)
{
    const bt_plugin *plugin = NULL;
    if (bt_plugin_find(name, BT_TRUE, BT_TRUE, BT_TRUE, BT_TRUE, BT_FALSE,
                       &plugin) != BT_PLUGIN_FIND_STATUS_OK) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot find babeltrace2 plugin: plugin-name=\"%s\" "
            "(is the babeltrace2 package installed?)", name);
        return NULL;
    }
    return plugin;
}

bool
graph_is_live(const char *input)
{
    return (!strncmp(input, "net://", 6) || !strncmp(input, "net4://", 7)
            || !strncmp(input, "net6://", 7));
}

static void
graph_free_dirs(struct graph *g)
{
    for (size_t i = 0; i < g->n_dirs; i++) {
        free(g->dirs[i]);
    }
    free(g->dirs);
    g->dirs = NULL;
    g->n_dirs = 0;
    for (size_t i = 0; i < g->n_groups; i++) {
        struct graph_group *gr = &g->groups[i];
        for (size_t j = 0; j < gr->n_dirs; j++) {
            free(gr->dirs[j]);
        }
        free(gr->dirs);
        free(gr->uuid);
    }
    free(g->groups);
    g->groups = NULL;
    g->n_groups = g->allocated_groups = 0;
}

/* Adds trace directory 'dir', whose metadata declares trace UUID 'uuid'
 * (owned, NULL if none), to the group of that UUID, a new one if it is the
 * first of it: src.ctf.fs reads the directories of one UUID together, as
 * the babeltrace2 CLI groups them.
 *
 * The CLI learns the UUID from src.ctf.fs's "babeltrace.support-info"
 * query, and so did ukdb.  But babeltrace2 2.0.4's support_info_query()
 * (src/plugins/ctf/fs-src/query.c) opens the directory's metadata file
 * with g_fopen() and never closes it: one file descriptor lost per
 * directory per query, so a REPL that opens traces again and again runs
 * out of them.  Nothing outside can close that FILE, so the query is not
 * made: graph_check_metadata(), which reads the metadata anyway, finds the
 * UUID in its TSDL as the query's find_uuid_in_trace_decl() does.  The
 * query gave no group for a metadata its parser rejects, which this does
 * not know: such a directory now joins its UUID's group, whose source
 * fails on it all the same, naming the group's first directory. */
static void
graph_group_add(struct graph *g, const char *dir, char *uuid)
{
    struct graph_group *gr = NULL;
    for (size_t i = 0; uuid && i < g->n_groups && !gr; i++) {
        if (g->groups[i].uuid && !strcmp(g->groups[i].uuid, uuid)) {
            gr = &g->groups[i];
        }
    }
    if (gr) {
        free(uuid);
    } else {
        g->groups = uk_grow(g->groups, &g->allocated_groups,
                            g->n_groups + 1, sizeof *g->groups);
        gr = &g->groups[g->n_groups++];
        *gr = (struct graph_group) { .uuid = uuid };
    }
    gr->dirs = uk_grow(gr->dirs, &gr->allocated_dirs, gr->n_dirs + 1,
                       sizeof *gr->dirs);
    gr->dirs[gr->n_dirs++] = uk_xstrdup(dir);
}

/* Adds a src.ctf.fs per group of directories, in the order of their first
 * directory (the watch guards the indexing: graph_add_source()).  Returns
 * false after appending a cause. */
static bool
graph_add_groups(struct graph *g, const bt_component_class_source *fs)
{
    bool ok = true;
    for (size_t i = 0; i < g->n_groups && ok; i++) {
        struct graph_group *gr = &g->groups[i];
        ok = graph_add_source(g, fs, gr->dirs, gr->n_dirs, false);
    }
    return ok;
}

/* Notes that 'dir' is read.  Returns false, after appending a cause, if it
 * already was: its events would be read twice (an input given twice, or
 * inside another). */
static bool
graph_add_dir(struct graph *g, const char *dir)
{
    char *real = realpath(dir, NULL);
    if (!real) {
        return true;            /* src.ctf.fs says why. */
    }
    for (size_t i = 0; i < g->n_dirs; i++) {
        if (!strcmp(g->dirs[i], real)) {
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
                "Trace given twice: path=\"%s\"", dir);
            free(real);
            return false;
        }
    }
    g->dirs = uk_xrealloc(g->dirs, (g->n_dirs + 1) * sizeof *g->dirs);
    g->dirs[g->n_dirs++] = real;
    return true;
}

/* Adds the source of 'input' if it is a net:// URL, else the trace
 * directories found under it to their groups (read by src.ctf.fs:
 * graph_add_groups()).  Returns false after appending a cause. */
static bool
graph_add_input(struct graph *g, const char *input)
{
    if (graph_is_live(input)) {
        const bt_component_class_source *live =
            bt_plugin_borrow_source_component_class_by_name_const(
                g->ctf, "lttng-live");
        if (!live) {
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
                "No component class: name=\"src.ctf.lttng-live\"");
            return false;
        }
        return graph_add_source(g, live, (char *const[]) { (char *) input },
                                1, true);
    }

    struct stat st;
    if (stat(input, &st)) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot open trace: path=\"%s\": %s", input, strerror(errno));
        return false;
    }
    if (!S_ISDIR(st.st_mode)) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Not a trace directory: path=\"%s\"", input);
        return false;
    }

    n_found_dirs = 0;
    found_bytes = 0;
    if (nftw(input, graph_find_cb, 16, FTW_PHYS)) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot search trace directory: path=\"%s\": %s", input,
            strerror(errno));
        graph_free_found();
        return false;
    }
    if (unreadable_dir) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot search trace directory: path=\"%s\": %s",
            unreadable_dir, strerror(unreadable_errno));
        graph_free_found();
        return false;
    }
    if (!n_found_dirs) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Not a CTF trace: no \"metadata\" file under \"%s\"", input);
        return false;
    }
    qsort(found_dirs, n_found_dirs, sizeof *found_dirs, graph_cmp_strings);

    g->found_bytes += found_bytes;
    bool ok = true;
    for (size_t i = 0; i < n_found_dirs; i++) {
        if (ok) {
            char *uuid;
            ok = (graph_check_metadata(found_dirs[i], &g->metadata_ukey,
                                       &uuid)
                  && graph_add_dir(g, found_dirs[i]));
            if (ok) {
                graph_group_add(g, found_dirs[i], uuid);
            } else {
                free(uuid);
            }
        }
        free(found_dirs[i]);
    }
    n_found_dirs = 0;
    return ok;
}

/* Adds the sink and connects the muxer, or else every source port, to it.
 * Returns false after appending a cause. */
static bool
graph_add_sink(struct graph *g)
{
    enum report_mode mode = g->setup.options.mode;
    g->sink_cls = sink_create_class(mode, mode == REPORT_AUDIT
                                          ? "audit" : "lifecycle");
    if (!g->sink_cls) {
        return false;
    }
    if (bt_graph_add_sink_component_with_initialize_method_data(
            g->graph, g->sink_cls, "ukey", NULL, &g->setup, GRAPH_LOG_LEVEL,
            &g->sink) != BT_GRAPH_ADD_COMPONENT_STATUS_OK) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot add component: name=\"sink.ukey.%s\"",
            mode == REPORT_AUDIT ? "audit" : "lifecycle");
        return false;
    }
    if (g->muxer) {
        if (!graph_connect(
                g, bt_component_filter_borrow_output_port_by_name_const(
                       g->muxer, "out"),
                bt_component_sink_borrow_input_port_by_index_const(g->sink,
                                                                   0))) {
            return false;
        }
    }
    for (uint64_t i = 0; i < g->n_ports; i++) {
        if (!graph_connect(
                g, g->ports[i],
                bt_component_sink_borrow_input_port_by_index_const(g->sink,
                                                                   i))) {
            return false;
        }
    }
    return true;
}

/* Builds the graph: its sources, muxer and sink.  Returns false after
 * appending a cause. */
static bool
graph_build(struct graph *g, int n_inputs, char *inputs[])
{
    g->graph = bt_graph_create(0);
    if (!g->graph) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot create graph: out of memory");
        return false;
    }
    bool live = false;
    for (int i = 0; i < n_inputs; i++) {
        live |= graph_is_live(inputs[i]);
    }

    /* The TSDL parser's "syntax error" at a line is only logged, at the
     * level the ctf plugin reads from this variable as it is loaded (the
     * babeltrace2 CLI sets it too), and on stderr: graph_hear_start()
     * hears it where trace files' metadata is parsed.  Not for a live
     * session, whose metadata is parsed as it is read. */
    static const char parser_level[] =
        "BABELTRACE_PLUGIN_CTF_METADATA_LOG_LEVEL";
    bool set_level = !live && !getenv(parser_level);
    if (set_level) {
        setenv(parser_level, "E", 1);
    }
    g->ctf = graph_find_plugin("ctf");
    if (set_level) {
        unsetenv(parser_level);
    }
    g->utils = graph_find_plugin("utils");
    if (!g->ctf || !g->utils) {
        return false;
    }

    /* Trace files: the sink merges the streams itself, at a small part
     * of the muxer's cost (sink-merge.c).  A live session: the muxer, which
     * knows the live source's inactivity messages and waits. */
    const bt_component_class_filter *muxer_cls =
        bt_plugin_borrow_filter_component_class_by_name_const(g->utils,
                                                              "muxer");
    if (live
        && (!muxer_cls
            || bt_graph_add_filter_component(g->graph, muxer_cls, "muxer",
                                             NULL, GRAPH_LOG_LEVEL,
                                             &g->muxer)
               != BT_GRAPH_ADD_COMPONENT_STATUS_OK)) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot add component: name=\"flt.utils.muxer\"");
        return false;
    }

    const bt_component_class_source *fs =
        bt_plugin_borrow_source_component_class_by_name_const(g->ctf, "fs");
    if (!fs) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "No component class: name=\"src.ctf.fs\"");
        return false;
    }
    for (int i = 0; i < n_inputs; i++) {
        if (!graph_add_input(g, inputs[i])) {
            return false;
        }
    }
    if (!graph_add_groups(g, fs)) {
        return false;
    }

    g->setup.n_inputs = g->muxer ? 1 : g->n_ports;
    g->setup.declares_ukey = g->metadata_ukey ? 1 : live ? -1 : 0;
    if (!graph_add_sink(g)) {
        return false;
    }

    g->interrupter = bt_interrupter_create();
    if (!g->interrupter
        || bt_graph_add_interrupter(g->graph, g->interrupter)
           != BT_GRAPH_ADD_INTERRUPTER_STATUS_OK) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Cannot add interrupter: out of memory");
        return false;
    }
    return true;
}

/* ==== Running ==== */

static bt_interrupter *graph_sigint_interrupter;

/* Back from an abort in 'g': says so as a cause would be said, and takes
 * the guard of graph_guard_abort() off. */
static void
graph_aborted(struct graph *g)
{
    g->aborted = true;
    graph_watch_stop(&g->watch);        /* If it aborted while watched. */
    char *text = graph_hear_stop();     /* Or while heard. */
    if (text && graph_log_wanted()) {
        fputs(text, stderr);            /* Else only the abort, quoted. */
    }
    free(text);
    bt_current_thread_clear_error();
    fflush(stdout);
    graph_abort_report();
    graph_unguard_abort();
}

static void
graph_sigint(int sig)
{
    if (graph_sigint_interrupter) {
        bt_interrupter_set(graph_sigint_interrupter);
    }
}

enum graph_outcome {
    GRAPH_ENDED,
    GRAPH_INTERRUPTED,
    GRAPH_FAILED,               /* A cause was appended. */
};

/* Runs the graph to its end or to a SIGINT. */
static enum graph_outcome
graph_run__(struct graph *g)
{
    for (;;) {
        bt_graph_run_status status = bt_graph_run(g->graph);
        if (bt_interrupter_is_set(g->interrupter)) {
            return GRAPH_INTERRUPTED;
        }
        switch (status) {
        case BT_GRAPH_RUN_STATUS_OK:
            return GRAPH_ENDED;
        case BT_GRAPH_RUN_STATUS_AGAIN:
            /* Live input without data yet: the CLI also waits 100 ms. */
            nanosleep(&(struct timespec) { 0, 100 * 1000 * 1000 }, NULL);
            break;
        case BT_GRAPH_RUN_STATUS_ERROR:
        case BT_GRAPH_RUN_STATUS_MEMORY_ERROR:
        default:
            BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
                "%s", graph_failed);
            return GRAPH_FAILED;
        }
    }
}

/* Releases what graph_build() made. */
static void
graph_release(struct graph *g)
{
    BT_GRAPH_PUT_REF_AND_RESET(g->graph);
    BT_COMPONENT_CLASS_SINK_PUT_REF_AND_RESET(g->sink_cls);
    BT_INTERRUPTER_PUT_REF_AND_RESET(g->interrupter);
    BT_PLUGIN_PUT_REF_AND_RESET(g->ctf);
    BT_PLUGIN_PUT_REF_AND_RESET(g->utils);
    free(g->ports);
    g->ports = NULL;
    g->n_ports = 0;
    graph_free_dirs(g);
}

/* ==== Stepwise ==== */

struct graph *
graph_open(const struct report_options *options, int n_inputs,
           char *inputs[])
{
    struct graph *g = uk_xzalloc(sizeof *g);
    g->setup.options = *options;
    g->setup.status = -1;
    graph_guard_abort();
    GRAPH_ARM_ABORT(graph_aborted(g); graph_close(g); return NULL);
    bool built = graph_build(g, n_inputs, inputs);
    graph_disarm_abort();
    graph_unguard_abort();
    if (!built) {
        fflush(stdout);
        graph_print_error();
        graph_release(g);
        free(g);
        return NULL;
    }
    return g;
}

enum graph_poll_status
graph_poll(struct graph *g)
{
    graph_guard_abort();
    GRAPH_ARM_ABORT(graph_aborted(g); return GRAPH_POLL_ERROR);
    bt_graph_run_once_status status = bt_graph_run_once(g->graph);
    graph_disarm_abort();
    graph_unguard_abort();
    switch (status) {
    case BT_GRAPH_RUN_ONCE_STATUS_OK:
        return GRAPH_POLL_OK;
    case BT_GRAPH_RUN_ONCE_STATUS_AGAIN:
        return GRAPH_POLL_AGAIN;
    case BT_GRAPH_RUN_ONCE_STATUS_END:
        if (g->setup.status >= 0) {
            return GRAPH_POLL_END;
        }
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "The input did not end");
        break;
    case BT_GRAPH_RUN_ONCE_STATUS_ERROR:
    case BT_GRAPH_RUN_ONCE_STATUS_MEMORY_ERROR:
    default:
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "%s", graph_failed);
        break;
    }
    fflush(stdout);
    graph_print_error();
    return GRAPH_POLL_ERROR;
}

void
graph_close(struct graph *g)
{
    if (g) {
        if (!g->aborted) {      /* Else what it holds is abandoned. */
            graph_release(g);
        }
        graph_free_dirs(g);     /* Ours, in either case. */
        free(g);
    }
}

/* ==== All at once ==== */

static struct sigaction graph_sigint_saved;

/* graph_run() of 'g', built or not. */
static int
graph_run_built(struct graph *g, bool built)
{
    int status = 2;
    if (!built) {
        goto out;
    }

    /* A first Ctrl-C stops reading (a live session never ends by
     * itself) and reports what was read; a second one kills. */
    struct sigaction sa = { .sa_handler = graph_sigint,
                            .sa_flags = SA_RESETHAND };
    sigemptyset(&sa.sa_mask);
    graph_sigint_interrupter = g->interrupter;
    sigaction(SIGINT, &sa, &graph_sigint_saved);
    enum graph_outcome outcome = graph_run__(g);
    sigaction(SIGINT, &graph_sigint_saved, NULL);
    graph_sigint_interrupter = NULL;
    if (outcome == GRAPH_INTERRUPTED && g->setup.status < 0
        && g->setup.sink) {
        bt_current_thread_clear_error();
        fprintf(stderr, "ukdb: interrupted: reporting the %" PRIu64
                " events read\n", sink_n_events(g->setup.sink));
        g->setup.status = sink_report(g->setup.sink);
    }
    if (outcome != GRAPH_FAILED && g->setup.status >= 0) {
        status = g->setup.status;
    } else if (outcome != GRAPH_FAILED) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "The input did not end");
    }

out:
    if (status == 2) {
        fflush(stdout);
        graph_print_error();
    }
    return status;
}

/* graph_run() back from an abort in 'g'. */
static int
graph_run_aborted(struct graph *g)
{
    if (graph_sigint_interrupter) {         /* Aborted while running. */
        sigaction(SIGINT, &graph_sigint_saved, NULL);
        graph_sigint_interrupter = NULL;
    }
    graph_aborted(g);
    graph_close(g);
    return 2;
}

int
graph_run(const struct report_options *options, int n_inputs,
          char *inputs[])
{
    struct graph *g = uk_xzalloc(sizeof *g);
    g->setup = (struct sink_setup) { .options = *options, .status = -1 };

    graph_guard_abort();
    GRAPH_ARM_ABORT(return graph_run_aborted(g));
    int status = graph_run_built(g, graph_build(g, n_inputs, inputs));
    graph_disarm_abort();
    graph_release(g);
    free(g);
    graph_unguard_abort();
    return status;
}
