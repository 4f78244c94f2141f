/* SPDX-License-Identifier: Apache-2.0 */
/* The graph's guards against babeltrace2 2.0.4 on a corrupt trace (see
 * graph-private.h): a check of the metadata's packets, a watch of the
 * memory that indexing takes, and a way back from its assertions. */
#include "graph-private.h"

#include <ctype.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"

/* ==== Checking metadata ==== */

/* babeltrace2 2.0.4's src.ctf.fs loops for ever on a packetized metadata
 * file whose last packet is truncated (the daemon died mid-trace), so the
 * packets are checked here first. */
#define GRAPH_TSDL_MAGIC 0x75D11D57u
#define GRAPH_TSDL_HEADER_SIZE 37  /* LTTng's metadata_packet_header. */

static uint32_t
graph_get_u32(const unsigned char *p, bool swap)
{
    uint32_t v;
    memcpy(&v, p, sizeof v);
    return swap ? __builtin_bswap32(v) : v;
}

/* The TSDL scanner of graph_tsdl_uuid(): the next token of 'text' ('len'
 * bytes) from '*pos', which it moves past it.  Comments and blanks are
 * skipped; a token is an identifier or number, a string or character
 * literal (with its quotes) or one other character.  Returns its length, 0
 * at the end. */
static size_t
graph_tsdl_token(const char *text, size_t len, size_t *pos,
                 const char **start)
{
    size_t i = *pos;
    for (;;) {
        while (i < len && isspace((unsigned char) text[i])) {
            i++;
        }
        if (i + 1 < len && text[i] == '/' && text[i + 1] == '*') {
            const char *end = memmem(text + i + 2, len - i - 2, "*/", 2);
            i = end ? (size_t) (end - text) + 2 : len;
        } else if (i + 1 < len && text[i] == '/' && text[i + 1] == '/') {
            const char *end = memchr(text + i, '\n', len - i);
            i = end ? (size_t) (end - text) : len;
        } else {
            break;
        }
    }
    *start = text + i;
    if (i >= len) {
        *pos = len;
        return 0;
    }
    size_t j = i + 1;
    char c = text[i];
    if (c == '"' || c == '\'') {
        while (j < len && text[j] != c) {
            j += text[j] == '\\' ? 2 : 1;
        }
        j = j < len ? j + 1 : len;
    } else if (c == '_' || isalnum((unsigned char) c)) {
        while (j < len
               && (text[j] == '_' || isalnum((unsigned char) text[j]))) {
            j++;
        }
    }
    *pos = j;
    return j - i;
}

static bool
graph_tsdl_is(const char *token, size_t n, const char *word)
{
    return n == strlen(word) && !memcmp(token, word, n);
}

/* The trace UUID that TSDL 'text' ('len' bytes) declares, as babeltrace2
 * 2.0.4's src.ctf.fs groups trace directories by (find_uuid_in_trace_decl()
 * of its metadata decoder): the "uuid" attribute of its first "trace"
 * block, in bt_uuid_to_str()'s form (owned), or NULL if that block has
 * none or it is not a UUID as bt_uuid_from_str() reads one. */
static char *
graph_tsdl_uuid(const char *text, size_t len)
{
    size_t pos = 0, n;
    const char *t;
    int depth = 0, trace_depth = -1;
    bool stmt = true;               /* At the start of a statement. */
    bool in_uuid = false;           /* After "uuid =" in the trace block. */

    while ((n = graph_tsdl_token(text, len, &pos, &t))) {
        if (in_uuid) {
            /* bt_uuid_from_str(): exactly 36 characters, 16 bytes.  (A
             * copy: 'text' does not end with a null character.) */
            unsigned char b[16];
            char s[37] = "";
            int end = 0;
            if (n == 38 && *t == '"') {
                memcpy(s, t + 1, 36);
            }
            if (!*s
                || sscanf(s, "%2hhx%2hhx%2hhx%2hhx-%2hhx%2hhx-%2hhx%2hhx-"
                          "%2hhx%2hhx-%2hhx%2hhx%2hhx%2hhx%2hhx%2hhx%n",
                          &b[0], &b[1], &b[2], &b[3], &b[4], &b[5], &b[6],
                          &b[7], &b[8], &b[9], &b[10], &b[11], &b[12],
                          &b[13], &b[14], &b[15], &end) != 16
                || end != 36) {
                return NULL;
            }
            return uk_xasprintf("%02x%02x%02x%02x-%02x%02x-%02x%02x-"
                                "%02x%02x-%02x%02x%02x%02x%02x%02x",
                                b[0], b[1], b[2], b[3], b[4], b[5], b[6],
                                b[7], b[8], b[9], b[10], b[11], b[12], b[13],
                                b[14], b[15]);
        }
        if (*t == '{') {
            depth++;
        } else if (*t == '}') {
            if (depth-- == trace_depth) {
                return NULL;        /* Only the first trace block counts. */
            }
        } else if (stmt && depth == 0 && graph_tsdl_is(t, n, "trace")) {
            size_t next = pos;
            const char *u;
            if (graph_tsdl_token(text, len, &next, &u) == 1 && *u == '{') {
                trace_depth = depth + 1;
            }
        } else if (stmt && depth == trace_depth
                   && graph_tsdl_is(t, n, "uuid")) {
            size_t next = pos;
            const char *eq;
            if (graph_tsdl_token(text, len, &next, &eq) == 1 && *eq == '=') {
                pos = next;
                in_uuid = true;
            }
        }
        stmt = *t == ';' || *t == '{' || *t == '}';
    }
    return NULL;
}

/* Returns false, after appending a cause, if the metadata file of 'dir' is
 * packetized and its packets do not exactly fill the file.  Otherwise
 * sets '*ukey' if its text declares a "ukey:" event: src.ctf.fs skips
 * empty stream files, so of a trace whose streams are all empty the sink
 * gets no stream, and only this tells a ukey trace with no event from
 * another provider's.  Sets '*uuid' to the trace UUID it declares (owned),
 * or NULL: see graph_tsdl_uuid() and graph_group_add(). */
bool
graph_check_metadata(const char *dir, bool *ukey, char **uuid)
{
    char *path = uk_xasprintf("%s/metadata", dir);
    FILE *f = fopen(path, "rb");
    unsigned char *buf = NULL;
    char *text = NULL;
    size_t size = 0, text_len = 0, offset = 0;
    struct stat st;
    bool ok = true;

    *uuid = NULL;
    if (!f) {
        goto out;               /* src.ctf.fs says why. */
    }
    if (fstat(fileno(f), &st) || st.st_size < 0) {
        goto out;
    }
    size = (size_t) st.st_size;
    buf = uk_xmalloc(size + 1);
    size = fread(buf, 1, size, f);
    text = uk_xmalloc(size + 1);
    while (offset < size) {
        const unsigned char *h = buf + offset;
        size_t n = size - offset;
        if (n < 4) {
            ok = offset == 0;   /* Too short for a header: plain text. */
            break;
        }
        uint32_t magic = graph_get_u32(h, false);
        bool swap = magic == __builtin_bswap32(GRAPH_TSDL_MAGIC);
        if (magic != GRAPH_TSDL_MAGIC && !swap) {
            ok = offset == 0;   /* Plain text metadata. */
            break;
        }
        if (n < GRAPH_TSDL_HEADER_SIZE) {
            ok = false;
            break;
        }
        uint32_t content_bits = graph_get_u32(h + 24, swap);
        uint32_t packet_bits = graph_get_u32(h + 28, swap);
        if (packet_bits % 8 || packet_bits / 8 < GRAPH_TSDL_HEADER_SIZE
            || content_bits > packet_bits
            || content_bits / 8 < GRAPH_TSDL_HEADER_SIZE
            || packet_bits / 8 > n) {
            ok = false;         /* Or the last packet is cut. */
            break;
        }
        size_t len = content_bits / 8 - GRAPH_TSDL_HEADER_SIZE;
        memcpy(text + text_len, h + GRAPH_TSDL_HEADER_SIZE, len);
        text_len += len;
        offset += packet_bits / 8;
    }
    if (!ok) {
        BT_CURRENT_THREAD_ERROR_APPEND_CAUSE_FROM_UNKNOWN(GRAPH_MODULE,
            "Truncated or corrupt metadata: path=\"%s\", offset=%zu",
            path, offset);
    } else {
        const char *tsdl = offset ? text : (const char *) buf;  /* Plain. */
        size_t tsdl_len = offset ? text_len : size;
        if (memmem(tsdl, tsdl_len, "\"ukey:", 6)) {
            *ukey = true;
        }
        *uuid = graph_tsdl_uuid(tsdl, tsdl_len);
    }

out:
    if (f) {
        fclose(f);
    }
    free(text);
    free(buf);
    free(path);
    return ok;
}

/* ==== Watching babeltrace2 index a trace ==== */

/* babeltrace2 2.0.4's src.ctf.fs indexes a data stream file that has no
 * LTTng index by walking its packets, and on a packet whose size reads 0
 * (a corrupt file) it loops for ever, growing by ~100 MB/s, inside
 * bt_graph_add_source_component().  No check of ours can vet every packet
 * first without the metadata's layout, so a thread watches the process's
 * resident memory while the sources are created: an index takes some bytes
 * per packet, so past the trace's size plus GRAPH_WATCH_SLACK, ukdb says
 * so and exits.  It cannot return: the loop never ends, and cutting it
 * short (a signal) could leave malloc() locked. */
#define GRAPH_WATCH_SLACK (256u << 20)

/* Where the REPL's stderr really is while it captures babeltrace2's (see
 * graph_set_abort_output() below). */
static int graph_abort_out;
#define GRAPH_WATCH_PERIOD_NS (50 * 1000 * 1000)

/* The process's resident memory in bytes, or 0 if unknown. */
static uint64_t
graph_rss(void)
{
    char buf[128];
    int fd = open("/proc/self/statm", O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        return 0;
    }
    ssize_t n = read(fd, buf, sizeof buf - 1);
    close(fd);
    unsigned long long size, resident;
    if (n <= 0) {
        return 0;
    }
    buf[n] = '\0';
    if (sscanf(buf, "%llu %llu", &size, &resident) != 2) {
        return 0;
    }
    return (uint64_t) resident * (uint64_t) sysconf(_SC_PAGESIZE);
}

static void *
graph_watch_main(void *w_)
{
    struct graph_watch *w = w_;
    pthread_mutex_lock(&w->mutex);
    while (!w->stop) {
        struct timespec until;
        clock_gettime(CLOCK_MONOTONIC, &until);
        until.tv_nsec += GRAPH_WATCH_PERIOD_NS;
        if (until.tv_nsec >= 1000000000) {
            until.tv_sec++;
            until.tv_nsec -= 1000000000;
        }
        pthread_cond_timedwait(&w->cond, &w->mutex, &until);
        uint64_t rss = graph_rss();
        if (!w->stop && rss > w->base && rss - w->base > w->limit) {
            char line[PATH_MAX + 256];
            int len = snprintf(line, sizeof line, "ukdb: error: babeltrace2 "
                               "loops on a corrupt trace: it took %" PRIu64
                               " MiB to index \"%s\", more than the trace "
                               "holds\n", (rss - w->base) >> 20, w->input);
            if (len < 0 || (size_t) len >= sizeof line) {
                len = (int) strlen(line);   /* Cut: still one line. */
                line[len - 1] = '\n';
            }
            fflush(stdout);
            if (write(graph_abort_out, line, (size_t) len) < 0) {
                /* Nothing more to say it with. */
            }
            _exit(2);
        }
    }
    pthread_mutex_unlock(&w->mutex);
    return NULL;
}

/* Starts watching the indexing of 'input', 'bytes' of files. */
void
graph_watch_start(struct graph_watch *w, const char *input, uint64_t bytes)
{
    *w = (struct graph_watch) { .input = input, .base = graph_rss(),
                                .limit = bytes + GRAPH_WATCH_SLACK,
                                .initialized = true };
    pthread_mutex_init(&w->mutex, NULL);
    pthread_condattr_t attr;
    pthread_condattr_init(&attr);
    pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
    pthread_cond_init(&w->cond, &attr);
    pthread_condattr_destroy(&attr);
    /* Without /proc or a thread, nothing watches: as before. */
    w->started = w->base && !pthread_create(&w->thread, NULL,
                                            graph_watch_main, w);
}

void
graph_watch_stop(struct graph_watch *w)
{
    if (!w->initialized) {
        return;
    }
    w->initialized = false;
    if (w->started) {
        pthread_mutex_lock(&w->mutex);
        w->stop = true;
        pthread_cond_signal(&w->cond);
        pthread_mutex_unlock(&w->mutex);
        pthread_join(w->thread, NULL);
    }
    pthread_cond_destroy(&w->cond);
    pthread_mutex_destroy(&w->mutex);
}

/* ==== Coming back from babeltrace2's assertions ==== */

/* babeltrace2 checks some of what it reads with assertions that abort (a
 * packet context whose content size overflows, in msg-iter.c: its CLI
 * aborts as well).  While a graph is built or run, such an abort ends ukdb
 * with one line after babeltrace2's and exit status 2, as any other corrupt
 * trace; ukdb's own assertions still abort (uk_assert_failure() restores
 * the default action first).
 *
 * A reader that goes on afterwards (the REPL: graph_set_abort_output() with
 * a capture) comes back instead, by siglongjmp() from the handler, to the
 * function that ran the graph, which fails with the same line: glibc's
 * abort() holds no lock when it raises the signal, and babeltrace2 runs on
 * this thread only.  What the graph held is abandoned (leaked): releasing
 * it would finalize a message iterator that stopped halfway. */
static int graph_abort_guards;
static struct sigaction graph_abort_saved;
static int graph_abort_out = STDERR_FILENO;
int graph_abort_capture = -1;
sigjmp_buf graph_abort_env;
volatile sig_atomic_t graph_abort_armed;
static char graph_abort_msg[1024];
static size_t graph_abort_len;

void
graph_set_abort_output(int out_fd, int capture_fd)
{
    graph_abort_out = out_fd;
    graph_abort_capture = capture_fd;
}

int
graph_get_abort_output(void)
{
    return graph_abort_out;
}

/* Appends 's' ('n' bytes) to 'buf' of 'size' at '*len' (async-signal
 * safe, unlike snprintf()). */
static void
graph_append(char *buf, size_t size, size_t *len, const char *s, size_t n)
{
    for (size_t i = 0; i < n && *len + 1 < size; i++) {
        buf[(*len)++] = s[i];
    }
}

static void
graph_sigabrt(int sig)
{
    static const char head[] = "ukdb: error: babeltrace2 aborted reading the "
                               "trace";
    static const char tail[] = ": the trace is corrupt\n";
    char *msg = graph_abort_msg, text[4096];
    size_t len = 0;

    (void) sig;
    graph_append(msg, sizeof graph_abort_msg, &len, head, sizeof head - 1);
    /* Its end: a log the user asked for may come before, megabytes of
     * it (fstat() is async-signal safe). */
    struct stat st;
    off_t from = (graph_abort_capture >= 0
                  && !fstat(graph_abort_capture, &st)
                  && st.st_size > (off_t) sizeof text
                  ? st.st_size - (off_t) sizeof text : 0);
    ssize_t n = (graph_abort_capture >= 0
                 ? pread(graph_abort_capture, text, sizeof text, from) : -1);
    if (n > 0) {
        /* babeltrace2's reason: the last line that says something. */
        size_t end = (size_t) n, begin;
        while (end > 0 && (text[end - 1] == '\n' || text[end - 1] == ' ')) {
            end--;
        }
        for (begin = end; begin > 0 && text[begin - 1] != '\n'; begin--) {
            continue;
        }
        /* From its file name on: after the two spaces that end its
         * table-flip picture ("...  msg-iter.c:1111: ..."). */
        for (size_t i = begin; i + 2 < end; i++) {
            if (text[i] == ' ' && text[i + 1] == ' ' && text[i + 2] != ' ') {
                begin = i + 2;
                break;
            }
        }
        if (end > begin) {
            graph_append(msg, sizeof graph_abort_msg, &len, " (", 2);
            graph_append(msg, sizeof graph_abort_msg, &len, &text[begin],
                         end - begin);
            graph_append(msg, sizeof graph_abort_msg, &len, ")", 1);
        }
    }
    graph_append(msg, sizeof graph_abort_msg, &len, tail, sizeof tail - 1);
    graph_abort_len = len;
    if (graph_abort_armed) {
        graph_abort_armed = 0;
        siglongjmp(graph_abort_env, 1);
    }
    if (write(graph_abort_out, msg, len) < 0) {
        /* Nothing else to tell. */
    }
    _exit(2);
}

void
graph_disarm_abort(void)
{
    graph_abort_armed = 0;
}

void
graph_guard_abort(void)
{
    if (!graph_abort_guards++) {
        struct sigaction sa = { .sa_handler = graph_sigabrt };
        sigemptyset(&sa.sa_mask);
        sigaction(SIGABRT, &sa, &graph_abort_saved);
    }
}

void
graph_unguard_abort(void)
{
    if (!--graph_abort_guards) {
        sigaction(SIGABRT, &graph_abort_saved, NULL);
    }
}

/* Writes to stderr the line of the last abort. */
void
graph_abort_report(void)
{
    fwrite(graph_abort_msg, 1, graph_abort_len, stderr);
}
