/* SPDX-License-Identifier: Apache-2.0 */
/* "ukdb record -o DIR SCRIPT.ukdb": runs ukdb on a scenario under a private
 * LTTng session (DESIGN.md, "LTTng and babeltrace2 facts").  The order is
 * the one LTTng needs: daemon, create, enable-channel, enable-event, start,
 * program, stop (which waits until the data is on disk), destroy, then the
 * daemon is stopped by pid.  As root the daemon and the client always use
 * /run/lttng, so the run happens in a private mount (and network)
 * namespace with its own tmpfs there and on /dev/shm.  The events are
 * counted with babeltrace2's sink.utils.counter: repl/ does not include
 * babeltrace2 headers (STYLE.md, layering). */
/* unshare(), pipe2(), nftw(): GNU and XSI extensions. */
#define _GNU_SOURCE 1

#include "repl/record.h"

#include <dirent.h>
#include <errno.h>
#include <stdarg.h>
#include <fcntl.h>
#include <ftw.h>
#include <getopt.h>
#include <limits.h>
#include <net/if.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/statvfs.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "core/util.h"
#include "repl/subcommands.h"

#define RECORD_CHANNEL "ukdb"
#define RECORD_READY_TIMEOUT 10   /* Seconds to wait for lttng-sessiond. */
#define RECORD_STOP_TIMEOUT 20    /* Seconds before SIGKILL at teardown. */
#define RECORD_OUT_SIZE 4096      /* Bytes of a command's output kept. */

/* One run of record_run().  Owned by it; every member is released by
 * record_teardown() whatever the step that failed. */
struct record_ctx {
    const struct record_options *opts;
    char *output;               /* Absolute trace directory, or NULL. */
    bool made_output;           /* We created 'output' (rmdir if empty). */
    char *home;                 /* Temporary LTTNG_HOME (owned). */
    char *old_home;             /* LTTNG_HOME before us, or NULL. */
    char session[64];           /* "ukdb-record-PID". */
    bool session_created;
    bool session_started;       /* "lttng start" succeeded. */
    pid_t sessiond;             /* 0 when not running. */
    sigset_t old_mask;          /* Signal mask before record_run(). */
    struct sigaction old_int, old_term;
};

/* Set by the SIGINT/SIGTERM handler; the child to forward them to. */
static volatile sig_atomic_t record_signal;
static volatile pid_t record_child;

/* ==== Small helpers ==== */

/* A signal from the terminal (SI_KERNEL) already reached the child, which
 * is in our process group: forwarding it would make one Ctrl-C two. */
static void
record_on_signal(int sig, siginfo_t *info, void *uctx)
{
    record_signal = sig;
    if (record_child > 0 && info->si_code != SI_KERNEL) {
        kill(record_child, sig);
    }
}

/* True if 'name' is an executable file in a directory of $PATH. */
static bool
record_in_path(const char *name)
{
    const char *path = getenv("PATH");
    bool found = false;

    if (!path) {
        return false;
    }
    char *copy = uk_xstrdup(path), *save = NULL;
    for (char *dir = strtok_r(copy, ":", &save); dir && !found;
         dir = strtok_r(NULL, ":", &save)) {
        char *file = uk_xasprintf("%s/%s", *dir ? dir : ".", name);
        found = !access(file, X_OK);
        free(file);
    }
    free(copy);
    return found;
}

/* Waits for 'pid', retrying on EINTR.  Returns its wait status, or -1. */
static int
record_wait(pid_t pid)
{
    int status;

    while (waitpid(pid, &status, 0) < 0) {
        if (errno != EINTR) {
            return -1;
        }
    }
    return status;
}

/* Runs 'argv' (looked up in PATH) with stdin from /dev/null and stdout and
 * stderr into 'out' (at most 'size' bytes kept, NUL terminated; the rest is
 * read and dropped).  Returns the exit status, or -1 if it could not run or
 * was killed. */
static int
record_cmd(const char *const argv[], char *out, size_t size)
{
    int fds[2];
    size_t len = 0;

    out[0] = '\0';
    if (pipe2(fds, O_CLOEXEC)) {
        snprintf(out, size, "pipe: %s", strerror(errno));
        return -1;
    }
    pid_t pid = fork();
    if (pid == 0) {
        int null = open("/dev/null", O_RDONLY);
        dup2(null, STDIN_FILENO);
        dup2(fds[1], STDOUT_FILENO);
        dup2(fds[1], STDERR_FILENO);
        execvp(argv[0], (char *const *) argv);
        fprintf(stderr, "%s: %s\n", argv[0], strerror(errno));
        _exit(127);
    }
    close(fds[1]);
    for (;;) {
        char buf[512];
        ssize_t n = read(fds[0], buf, sizeof buf);
        if (n < 0 && errno == EINTR) {
            continue;
        } else if (n <= 0) {
            break;
        }
        size_t keep = len + 1 < size ? size - 1 - len : 0;
        keep = keep < (size_t) n ? keep : (size_t) n;
        memcpy(out + len, buf, keep);
        len += keep;
    }
    out[len] = '\0';
    close(fds[0]);
    if (pid < 0) {
        snprintf(out, size, "fork: %s", strerror(errno));
        return -1;
    }
    int status = record_wait(pid);
    return status >= 0 && WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

/* The cause in lttng's output 'out' (changed in place), for one line: its
 * first "Error: " line without that prefix, else its last line that says
 * something. */
static const char *
record_lttng_cause(char *out)
{
    const char *last = "(no output)";
    for (char *line = out, *next; line && *line; line = next) {
        next = strchr(line, '\n');
        if (next) {
            *next++ = '\0';
        }
        if (!strncmp(line, "Error: ", 7)) {
            return line + 7;
        }
        if (line[strspn(line, " \t")]) {
            last = line;
        }
    }
    return last;
}

/* Runs "lttng --no-sessiond ARGS..." (never spawning a daemon of its own).
 * Returns 0 on success, otherwise prints the command's output as the
 * cause and returns -1. */
static int
record_lttng(const char *a1, const char *a2, const char *a3, const char *a4,
             const char *a5, const char *a6, const char *a7, const char *a8)
{
    const char *argv[] = { "lttng", "--no-sessiond", a1, a2, a3, a4, a5, a6,
                           a7, a8, NULL };
    char out[RECORD_OUT_SIZE];

    if (record_cmd(argv, out, sizeof out)) {
        fprintf(stderr, "ukdb: error: 'lttng %s' failed: %s\n", a1,
                record_lttng_cause(out));
        return -1;
    }
    return 0;
}

static int
record_rm_entry(const char *path, const struct stat *st, int flag,
                struct FTW *ftw)
{
    remove(path);
    return 0;
}

/* Removes the tree at 'path' (no symlink followed). */
static void
record_rm_tree(const char *path)
{
    nftw(path, record_rm_entry, 16, FTW_DEPTH | FTW_PHYS);
}

static int
record_rmdir_entry(const char *path, const struct stat *st, int flag,
                   struct FTW *ftw)
{
    (void) st;
    (void) ftw;
    if (flag == FTW_DP) {
        rmdir(path);            /* Fails, as wanted, if not empty. */
    }
    return 0;
}

/* Removes the empty directories under 'path', and 'path' if it ends up
 * empty: what the session made of an output that received nothing.  No
 * file is removed. */
static void
record_rm_empty_dirs(const char *path)
{
    nftw(path, record_rmdir_entry, 16, FTW_DEPTH | FTW_PHYS);
}

/* ==== Checks ==== */

static int
record_check_tools(void)
{
    static const char *const tools[] = { "lttng", "lttng-sessiond" };

    for (size_t i = 0; i < UK_ARRAY_SIZE(tools); i++) {
        if (!record_in_path(tools[i])) {
            fprintf(stderr, "ukdb: error: %s not found in PATH: "
                    "install lttng-tools (\"make deps\")\n", tools[i]);
            return -1;
        }
    }
    return 0;
}

/* Returns 1 if directory 'dir' has an entry besides "." and "..", 0 if it
 * is empty, -1 (errno set) if it cannot be read. */
static int
record_dir_populated(const char *dir)
{
    DIR *d = opendir(dir);
    struct dirent *de;
    int populated = 0;

    if (!d) {
        return -1;
    }
    while (!populated && (de = readdir(d))) {
        populated = strcmp(de->d_name, ".") && strcmp(de->d_name, "..");
    }
    closedir(d);
    return populated;
}

/* Makes 'ctx->output' the absolute path of an empty, writable directory
 * (created if absent).  Returns 0, or -1 with a message. */
static int
record_check_output(struct record_ctx *ctx)
{
    const char *dir = ctx->opts->output;
    struct stat st;

    if (stat(dir, &st)) {
        if (errno == ENOENT && !lstat(dir, &st)) {
            fprintf(stderr, "ukdb: error: %s: a symbolic link to nothing "
                    "(make its directory, or give another)\n", dir);
            return -1;
        }
        if (errno != ENOENT || mkdir(dir, 0755)) {
            fprintf(stderr, "ukdb: error: %s: %s\n", dir, strerror(errno));
            return -1;
        }
        ctx->made_output = true;
    } else if (!S_ISDIR(st.st_mode)) {
        fprintf(stderr, "ukdb: error: %s: not a directory\n", dir);
        return -1;
    } else {
        int populated = record_dir_populated(dir);
        if (populated) {
            fprintf(stderr, "ukdb: error: %s: %s\n", dir,
                    populated < 0 ? strerror(errno)
                    : "directory not empty (the trace needs a new one)");
            return -1;
        }
    }
    ctx->output = realpath(dir, NULL);
    if (!ctx->output) {
        fprintf(stderr, "ukdb: error: %s: %s\n", dir, strerror(errno));
        return -1;
    }
    if (!geteuid() && (!strncmp(ctx->output, "/dev/shm/", 9)
                       || !strncmp(ctx->output, "/run/lttng/", 11))) {
        fprintf(stderr, "ukdb: error: %s: under a directory that the "
                "private LTTng namespace hides\n", dir);
        return -1;
    }

    /* access() says yes to root even on a read-only mount: try a file. */
    char *probe = uk_xasprintf("%s/.ukdb-probe-XXXXXX", ctx->output);
    int fd = mkstemp(probe);
    int error = fd < 0 ? errno : 0;
    if (fd >= 0) {
        close(fd);
        unlink(probe);
    }
    free(probe);
    if (error) {
        fprintf(stderr, "ukdb: error: %s: not writable: %s\n", dir,
                strerror(error));
        return -1;
    }
    return 0;
}

/* ==== Private namespace (root) ==== */

/* Brings the loopback interface of the current network namespace up. */
static int
record_lo_up(void)
{
    struct ifreq ifr = { .ifr_name = "lo" };
    int fd = socket(AF_INET, SOCK_DGRAM | SOCK_CLOEXEC, 0);
    int error = 0;

    if (fd < 0) {
        return errno;
    }
    if (ioctl(fd, SIOCGIFFLAGS, &ifr)) {
        error = errno;
    } else {
        ifr.ifr_flags |= IFF_UP | IFF_RUNNING;
        if (ioctl(fd, SIOCSIFFLAGS, &ifr)) {
            error = errno;
        }
    }
    close(fd);
    return error;
}

/* As root, LTTng always uses /run/lttng: moves the calling thread into a
 * private mount namespace (and a network one unless 'net' is false, to
 * reach a relay daemon) with a tmpfs on /run/lttng and /dev/shm.  Returns
 * 0, or -1 with a message. */
static int
record_enter_namespace(bool net)
{
    const char *what = "unshare";

    if (unshare(CLONE_NEWNS | (net ? CLONE_NEWNET : 0))) {
        goto error;
    }
    what = "mount --make-rprivate /";
    if (mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL)) {
        goto error;
    }
    what = "mkdir /run/lttng";
    if (mkdir("/run/lttng", 0755) && errno != EEXIST) {
        goto error;
    }
    what = "mount tmpfs /run/lttng";
    if (mount("ukdb-lttng", "/run/lttng", "tmpfs", MS_NOSUID | MS_NODEV,
              "mode=0755")) {
        goto error;
    }
    what = "mount tmpfs /dev/shm";
    if (mount("ukdb-shm", "/dev/shm", "tmpfs", MS_NOSUID | MS_NODEV,
              "mode=1777")) {
        goto error;
    }
    int error = net ? record_lo_up() : 0;
    if (error) {
        errno = error;
        what = "bring lo up";
        goto error;
    }
    return 0;

error:
    fprintf(stderr, "ukdb: error: cannot make a private LTTng namespace "
            "(%s: %s)\n", what, strerror(errno));
    return -1;
}

/* ==== Session daemon ==== */

/* Makes the temporary LTTNG_HOME (short: it holds unix sockets) and points
 * the environment at it. */
static int
record_make_home(struct record_ctx *ctx)
{
    char tmpl[] = "/tmp/ukdb-rec.XXXXXX";

    if (!mkdtemp(tmpl)) {
        fprintf(stderr, "ukdb: error: cannot make a temporary LTTNG_HOME: "
                "%s\n", strerror(errno));
        return -1;
    }
    ctx->home = uk_xstrdup(tmpl);
    const char *old = getenv("LTTNG_HOME");
    ctx->old_home = old ? uk_xstrdup(old) : NULL;
    setenv("LTTNG_HOME", ctx->home, 1);
    return 0;
}

/* The child side of record_start_sessiond(): never returns. */
static void
record_exec_sessiond(struct record_ctx *ctx, pid_t parent)
{
    /* Own process group: a Ctrl-C is for ukdb and the traced program, and
     * ukdb then stops the daemon cleanly.  PDEATHSIG: never outlive ukdb,
     * even killed. */
    setpgid(0, 0);
    prctl(PR_SET_PDEATHSIG, SIGTERM);
    if (getppid() != parent) {
        _exit(1);
    }
    char *log = uk_xasprintf("%s/sessiond.log", ctx->home);
    int fd = open(log, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    int null = open("/dev/null", O_RDONLY);
    if (fd >= 0) {
        dup2(fd, STDOUT_FILENO);
        dup2(fd, STDERR_FILENO);
    }
    dup2(null, STDIN_FILENO);
    sigprocmask(SIG_SETMASK, &ctx->old_mask, NULL);
    execlp("lttng-sessiond", "lttng-sessiond", "--sig-parent", "--no-kernel",
           (char *) NULL);
    fprintf(stderr, "lttng-sessiond: %s\n", strerror(errno));
    _exit(127);
}

/* Prints the daemon's log (its first bytes) after a failure. */
static void
record_print_log(const struct record_ctx *ctx)
{
    char *log = uk_xasprintf("%s/sessiond.log", ctx->home);
    FILE *f = fopen(log, "r");
    char buf[RECORD_OUT_SIZE];

    if (f) {
        size_t n = fread(buf, 1, sizeof buf - 1, f);
        buf[n] = '\0';
        fputs(buf, stderr);
        fclose(f);
    }
    free(log);
}

/* Starts lttng-sessiond in the foreground as our child and waits for its
 * SIGUSR1 (SIGUSR1 and SIGCHLD are blocked by record_run()). */
static int
record_start_sessiond(struct record_ctx *ctx)
{
    sigset_t set;
    pid_t parent = getpid();

    sigemptyset(&set);
    sigaddset(&set, SIGUSR1);
    sigaddset(&set, SIGCHLD);
    pid_t pid = fork();
    if (pid == 0) {
        record_exec_sessiond(ctx, parent);
    } else if (pid < 0) {
        fprintf(stderr, "ukdb: error: fork: %s\n", strerror(errno));
        return -1;
    }
    ctx->sessiond = pid;
    for (int i = 0; i < RECORD_READY_TIMEOUT * 10 && !record_signal; i++) {
        struct timespec tenth = { 0, 100 * 1000 * 1000 };
        int sig = sigtimedwait(&set, NULL, &tenth);
        int status;
        if (sig == SIGUSR1) {
            return 0;
        } else if (waitpid(pid, &status, WNOHANG) == pid) {
            ctx->sessiond = 0;
            fprintf(stderr, "ukdb: error: lttng-sessiond exited (status "
                    "0x%x) before it was ready:\n", (unsigned) status);
            record_print_log(ctx);
            return -1;
        }
    }
    if (!record_signal) {
        fprintf(stderr, "ukdb: error: lttng-sessiond not ready after %d s\n",
                RECORD_READY_TIMEOUT);
        record_print_log(ctx);
    }
    return -1;
}

/* SIGTERM to the daemon by pid and wait (SIGKILL after a timeout). */
static void
record_stop_sessiond(struct record_ctx *ctx)
{
    if (!ctx->sessiond) {
        return;
    }
    kill(ctx->sessiond, SIGTERM);
    for (int i = 0; i < RECORD_STOP_TIMEOUT * 100; i++) {
        if (waitpid(ctx->sessiond, NULL, WNOHANG) == ctx->sessiond) {
            ctx->sessiond = 0;
            return;
        }
        nanosleep(&(struct timespec) { 0, 10 * 1000 * 1000 }, NULL);
    }
    fprintf(stderr, "ukdb: error: lttng-sessiond did not stop; killed\n");
    kill(ctx->sessiond, SIGKILL);
    record_wait(ctx->sessiond);
    ctx->sessiond = 0;
}

/* ==== Session ==== */

/* Chooses the sub-buffers of the channel: 8 x 512 KiB per CPU, halved
 * until every possible CPU's buffers fit in half of the free space of
 * /dev/shm (bigger buffers record nothing, silently).  The channel blocks
 * (the traced program runs with LTTNG_UST_ALLOW_BLOCKING), so a burst
 * bigger than the buffers waits for the consumer instead of losing events:
 * the size trades that wait against the cost of each record, and that cost
 * grows with the memory the ring spans.  Measured with bench-load (1
 * handler, 20000 installs, ~14 events each, in a 2-CPU VM): 8 x 8 MiB cost
 * ~5900 CPU ns per traced install, 8 x 512 KiB or 4 x 1 MiB ~3500, with
 * twice the throughput; 4 x 256 KiB and less made the producer wait. */
static int
record_buffer_size(unsigned long *subbuf_size, unsigned int *n_subbufs)
{
    struct statvfs vfs;
    long n_cpus = sysconf(_SC_NPROCESSORS_CONF);

    if (statvfs("/dev/shm", &vfs)) {
        fprintf(stderr, "ukdb: error: /dev/shm: %s\n", strerror(errno));
        return -1;
    }
    unsigned long long avail = (unsigned long long) vfs.f_bavail
                               * vfs.f_frsize;
    unsigned long long budget = avail / 2 / (n_cpus > 0 ? n_cpus : 1);

    *subbuf_size = 512UL << 10;
    *n_subbufs = 8;
    while ((unsigned long long) *subbuf_size * *n_subbufs > budget) {
        if (*subbuf_size > 4096) {
            *subbuf_size /= 2;
        } else if (*n_subbufs > 2) {
            *n_subbufs /= 2;
        } else {
            fprintf(stderr, "ukdb: error: /dev/shm has only %llu bytes "
                    "free: too little for LTTng's buffers\n", avail);
            return -1;
        }
    }
    return 0;
}

static int
record_create_session(struct record_ctx *ctx)
{
    const struct record_options *opts = ctx->opts;
    int error;

    snprintf(ctx->session, sizeof ctx->session, "ukdb-record-%ld",
             (long) getpid());
    if (opts->live_url) {
        char *live = uk_xasprintf("--live=%u", opts->live_timer_us
                                  ? opts->live_timer_us : 100000);
        char *url = uk_xasprintf("--set-url=%s", opts->live_url);
        error = record_lttng("create", ctx->session, live, url,
                             NULL, NULL, NULL, NULL);
        free(live);
        free(url);
    } else {
        char *out = uk_xasprintf("--output=%s", ctx->output);
        error = record_lttng("create", ctx->session, out,
                             NULL, NULL, NULL, NULL, NULL);
        free(out);
    }
    ctx->session_created = !error;
    return error;
}

/* create, enable-channel, enable-event, start. */
static int
record_setup_session(struct record_ctx *ctx)
{
    unsigned long subbuf_size;
    unsigned int n_subbufs;

    if (record_buffer_size(&subbuf_size, &n_subbufs)
        || record_create_session(ctx)) {
        return -1;
    }
    char *size = uk_xasprintf("--subbuf-size=%lu", subbuf_size);
    char *num = uk_xasprintf("--num-subbuf=%u", n_subbufs);
    int error = (record_lttng("enable-channel", "-u", "-s", ctx->session,
                              "--blocking-timeout=inf", size, num,
                              RECORD_CHANNEL)
                 || record_lttng("enable-event", "-u", "-s", ctx->session,
                                 "-c", RECORD_CHANNEL, "ukey:*", NULL)
                 || record_lttng("start", ctx->session,
                                 NULL, NULL, NULL, NULL, NULL, NULL));
    ctx->session_started = !error;
    free(size);
    free(num);
    return error ? -1 : 0;
}

/* stop (waits until the data is on disk), destroy, the daemon, LTTNG_HOME.
 * Idempotent.  Returns 0, or -1 if the session could not be stopped. */
static int
record_teardown(struct record_ctx *ctx)
{
    int error = 0;

    if (ctx->session_created) {
        /* A session that never started has nothing to stop: "lttng stop"
         * would only add a second error to the first. */
        error = ((ctx->session_started
                  ? record_lttng("stop", ctx->session,
                                 NULL, NULL, NULL, NULL, NULL, NULL) : 0)
                 | record_lttng("destroy", ctx->session,
                                NULL, NULL, NULL, NULL, NULL, NULL));
        ctx->session_created = ctx->session_started = false;
    }
    record_stop_sessiond(ctx);
    if (ctx->home) {
        record_rm_tree(ctx->home);
        free(ctx->home);
        ctx->home = NULL;
        if (ctx->old_home) {
            setenv("LTTNG_HOME", ctx->old_home, 1);
        } else {
            unsetenv("LTTNG_HOME");
        }
        free(ctx->old_home);
        ctx->old_home = NULL;
    }
    return error;
}

/* ==== The traced program ==== */

/* Runs 'argv' traced and waits for it.  Returns its exit status, or 2 if it
 * was killed by a signal. */
static int
record_run_child(struct record_ctx *ctx, char *const argv[])
{
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        sigprocmask(SIG_SETMASK, &ctx->old_mask, NULL);
        setenv("LTTNG_UST_ALLOW_BLOCKING", "1", 1);
        if (ctx->opts->search_path) {
            execvp(argv[0], argv);
        } else {
            /* ukdb itself: tracing from its start (main.c). */
            setenv("UKDB_RECORD_CHILD", "1", 1);
            execv(argv[0], argv);
        }
        fprintf(stderr, "ukdb: error: %s: %s\n", argv[0], strerror(errno));
        _exit(2);
    } else if (pid < 0) {
        fprintf(stderr, "ukdb: error: fork: %s\n", strerror(errno));
        return 2;
    }
    record_child = pid;
    if (record_signal) {
        kill(pid, record_signal);
    }
    int status = record_wait(pid);
    record_child = 0;
    if (status >= 0 && WIFEXITED(status)) {
        return WEXITSTATUS(status);
    }
    fprintf(stderr, "ukdb: error: %s killed by signal %d\n", argv[0],
            status >= 0 && WIFSIGNALED(status) ? WTERMSIG(status) : 0);
    return 2;
}

/* ==== Report ==== */

/* Trace directories found by record_find_traces() (nftw has no aux). */
static char **record_traces;
static size_t record_n_traces, record_allocated_traces;

static int
record_find_entry(const char *path, const struct stat *st, int flag,
                  struct FTW *ftw)
{
    if (flag == FTW_F && !strcmp(path + ftw->base, "metadata")) {
        record_traces = uk_grow(record_traces, &record_allocated_traces,
                                record_n_traces + 1, sizeof *record_traces);
        record_traces[record_n_traces++] = uk_xasprintf(
            "%.*s", ftw->base > 0 ? ftw->base - 1 : 0, path);
    }
    return 0;
}

/* Counts the events (and discarded-events records) of the traces with
 * babeltrace2's counter sink.  Returns 0, or -1 if it could not. */
static int
record_count_events(unsigned long long *n_events,
                    unsigned long long *n_discarded)
{
    size_t n = record_n_traces;
    const char **argv = uk_xcalloc(n + 6, sizeof *argv);
    char out[RECORD_OUT_SIZE];

    argv[0] = "babeltrace2";
    for (size_t i = 0; i < n; i++) {
        argv[i + 1] = record_traces[i];
    }
    argv[n + 1] = "-c";
    argv[n + 2] = "sink.utils.counter";
    argv[n + 3] = "-p";
    argv[n + 4] = "step=+0";
    int rc = record_cmd(argv, out, sizeof out);
    free(argv);

    const char *ev = strstr(out, " Event messages");
    const char *disc = strstr(out, " Discarded event messages");
    if (rc || !ev || !disc) {
        return -1;
    }
    /* The counts are right-aligned before their labels. */
    while (ev > out && ev[-1] >= '0' && ev[-1] <= '9') {
        ev--;
    }
    while (disc > out && disc[-1] >= '0' && disc[-1] <= '9') {
        disc--;
    }
    *n_events = strtoull(ev, NULL, 10);
    *n_discarded = strtoull(disc, NULL, 10);
    return 0;
}

/* Prints the trace directories and their event count on stderr.  Returns
 * false, after an error, if a scenario recorded no event: its tracepoints
 * did not fire (a scenario always emits its threads' starts), so there is
 * no trace to read.  (A program run by --exec may emit none: a warning.) */
static bool
record_report(const struct record_ctx *ctx)
{
    unsigned long long n_events, n_discarded;

    if (ctx->opts->live_url) {
        fprintf(stderr, "ukdb: trace streamed to %s\n", ctx->opts->live_url);
        return true;
    }
    nftw(ctx->output, record_find_entry, 16, FTW_PHYS);
    for (size_t i = 0; i < record_n_traces; i++) {
        fprintf(stderr, "ukdb: trace: %s\n", record_traces[i]);
    }
    bool ok = record_n_traces > 0 || ctx->opts->search_path;
    if (!record_n_traces) {
        fprintf(stderr, "ukdb: %s: no trace under %s: the program "
                "recorded no event (were its tracepoints loaded?)\n",
                ok ? "warning" : "error", ctx->output);
    } else if (!record_in_path("babeltrace2")) {
        fprintf(stderr, "ukdb: events not counted: babeltrace2 is not "
                "installed\n");
    } else if (record_count_events(&n_events, &n_discarded)) {
        fprintf(stderr, "ukdb: warning: babeltrace2 could not read the "
                "trace\n");
    } else {
        fprintf(stderr, "ukdb: %llu events recorded\n", n_events);
        if (n_discarded) {
            fprintf(stderr, "ukdb: warning: %llu discarded-events records: "
                    "some events were lost\n", n_discarded);
        }
    }
    for (size_t i = 0; i < record_n_traces; i++) {
        free(record_traces[i]);
    }
    free(record_traces);
    record_traces = NULL;
    record_n_traces = record_allocated_traces = 0;
    return ok;
}

/* ==== Entry points ==== */

static void
record_signals_begin(struct record_ctx *ctx)
{
    struct sigaction sa = { .sa_sigaction = record_on_signal,
                            .sa_flags = SA_SIGINFO };
    sigset_t block;

    record_signal = 0;
    sigemptyset(&block);
    sigaddset(&block, SIGUSR1);
    sigaddset(&block, SIGCHLD);
    sigprocmask(SIG_BLOCK, &block, &ctx->old_mask);
    sigemptyset(&sa.sa_mask);
    sigaction(SIGINT, &sa, &ctx->old_int);
    sigaction(SIGTERM, &sa, &ctx->old_term);
}

static void
record_signals_end(struct record_ctx *ctx)
{
    sigaction(SIGINT, &ctx->old_int, NULL);
    sigaction(SIGTERM, &ctx->old_term, NULL);
    sigprocmask(SIG_SETMASK, &ctx->old_mask, NULL);
}

int
record_run(const struct record_options *opts, char *const child_argv[])
{
    struct record_ctx ctx = { .opts = opts };
    bool child_ran = false;
    int status = 2;

    record_signals_begin(&ctx);
    if (record_check_tools()
        || (opts->output && record_check_output(&ctx))
        || (!geteuid() && record_enter_namespace(!opts->live_url))
        || record_make_home(&ctx)
        || record_start_sessiond(&ctx)
        || record_setup_session(&ctx)
        || record_signal) {
        goto out;
    }
    int child_status = record_run_child(&ctx, child_argv);
    child_ran = true;
    if (!record_teardown(&ctx)) {
        status = child_status;
        if (!opts->quiet && !record_report(&ctx)) {
            status = 2;
        }
    }

out:
    if (record_teardown(&ctx) && status != 2) {
        status = 2;
    }
    if (record_signal && !child_ran) {
        fprintf(stderr, "ukdb: error: interrupted (signal %d)\n",
                (int) record_signal);
    }
    if (record_signal && status == 0
        && !(child_ran && opts->child_stops_on_signal)) {
        status = 2;
    }
    if (status == 2 && ctx.made_output && ctx.output) {
        /* The session's empty "ust/..." too: a failed run leaves no
         * directory it made behind, unless something was written. */
        record_rm_empty_dirs(ctx.output);
    }
    free(ctx.output);
    record_signals_end(&ctx);
    return status;
}

static void
record_usage(FILE *f)
{
    fprintf(f, "usage: ukdb record -o DIR [--] [OPTION...] SCRIPT.ukdb\n"
            "       ukdb record --live URL [--] [OPTION...] SCRIPT.ukdb\n"
            "Runs the scenario under a private LTTng session and writes a "
            "CTF trace of its\n\"ukey\" events to DIR (absent or empty), or "
            "streams it to the lttng-relayd at URL\n(net://HOST[:CTRL:DATA])."
            "  OPTIONs are ukdb's own (--keep-going, --echo...),\n"
            "given to the scenario's run.  Exit status: the scenario's (0, "
            "1), 2 on error.\n");
}

/* The usage errors of record's options, and of its 'n_run' words to run
 * (the scenario and the run's options, or --exec's program and its
 * arguments).  Returns -1 to go on, else 2. */
static int
record_check_args(const struct record_options *opts, int n_run)
{
    if (!n_run) {
        return ukdb_usage_error("record", "no scenario to run");
    } else if (!opts->output == !opts->live_url) {
        return ukdb_usage_error("record", "give exactly one of -o and --live");
    } else if (opts->output && !*opts->output) {
        return ukdb_usage_error("record", "-o needs a directory, not ''");
    }
    return -1;
}

/* The run's options (ukdb's, of main.c's parse_args()) that take the
 * next word as their value: it is theirs, not one of record's options. */
static bool
run_option_takes_value(const char *o)
{
    static const char *const options[] = {
        "-f", "-c", "-x", "--init", "--events",
    };
    for (size_t i = 0; i < UK_ARRAY_SIZE(options); i++) {
        if (!strcmp(o, options[i])) {
            return true;
        }
    }
    return false;
}

/* The scenario among the run's words run[0...n_run - 1], as ukdb's
 * parse_args() finds it: the value of -f, or else the first word that is
 * neither an option nor an option's value.  NULL if none (-c CMD). */
static const char *
run_script(char *const run[], int n_run)
{
    const char *first = NULL;
    for (int i = 0; i < n_run; i++) {
        if (run_option_takes_value(run[i]) && i + 1 < n_run) {
            if (!strcmp(run[i], "-f")) {
                return run[i + 1];
            }
            i++;
        } else if (!first && !(run[i][0] == '-' && run[i][1])) {
            first = run[i];
        }
    }
    return first;
}

/* Runs child[1...n_run] (NULL-terminated) traced: --exec's program, or
 * else ukdb (in child[0]) on the scenario, with the run's options. */
static int
record_scenario(const struct record_options *opts, char **child, int n_run)
{
    if (opts->search_path) {
        return record_run(opts, &child[1]);
    }
    /* The usual "record -o DIR SCRIPT": a script that cannot be read is
     * said now, before a session records the run that fails on it. */
    const char *script = run_script(&child[1], n_run);
    bool is_file = script && strcmp(script, "-");
    if (is_file && access(script, R_OK)) {
        fprintf(stderr, "ukdb: error: record: %s: %s\n", script,
                strerror(errno));
        return 2;
    }
    /* ukdb would open a directory as a trace, searching it. */
    struct stat st;
    if (is_file && !stat(script, &st) && S_ISDIR(st.st_mode)) {
        fprintf(stderr, "ukdb: error: record: %s: is a directory, not a "
                "scenario script\n", script);
        return 2;
    }

    char exe[PATH_MAX];
    ssize_t len = readlink("/proc/self/exe", exe, sizeof exe - 1);
    if (len < 0) {
        fprintf(stderr, "ukdb: error: /proc/self/exe: %s\n", strerror(errno));
        return 2;
    }
    exe[len] = '\0';
    child[0] = exe;
    return record_run(opts, child);
}

/* Whether 'word' is record's option 'name' (a long one, "--output") with
 * its value in it ("--output=DIR": '*value' points to "DIR") or not
 * ('*value' NULL: the next word). */
static bool
long_option(const char *word, const char *name, const char **value)
{
    size_t n = strlen(name);
    if (strncmp(word, name, n) || (word[n] && word[n] != '=')) {
        return false;
    }
    *value = word[n] ? &word[n + 1] : NULL;
    return true;
}

/* Takes record's own -o DIR, --output DIR, --live URL and --help where
 * they follow the scenario, "record SCRIPT -o DIR", as GNU tools take an
 * option after an argument: the rest of argv[first...] (the scenario and
 * the run's options, "--echo", "-c CMD"...) goes to 'run' in order, up to
 * a "--", which ends record's options (the rest, not the "--", is the
 * run's).
 *
 * record's own getopt_long() keeps '+' (it stops at the first argument):
 * with --exec, the program's arguments follow it and are its own ("sh -c
 * CMD"), and the run's options, after the scenario, were always given to
 * it ("record -o DIR x.ukdb --echo").  Returns -1 to go on, else the exit
 * status (after --help, or a usage error). */
static int
record_late_options(int argc, char *argv[], int first,
                    struct record_options *opts, char **run, int *n_run)
{
    for (int i = first; i < argc; i++) {
        const char *w = argv[i], *value = NULL, **to = NULL;
        if (!strcmp(w, "--")) {
            /* Not the "--" itself: ukdb's parse_args() knows none, and
             * "record SCRIPT -o DIR -- --echo" means the run's --echo, as
             * "record -o DIR -- SCRIPT --echo" does. */
            while (++i < argc) {
                run[(*n_run)++] = argv[i];
            }
            break;
        } else if (run_option_takes_value(w) && i + 1 < argc) {
            run[(*n_run)++] = argv[i++];
            run[(*n_run)++] = argv[i];
            continue;
        } else if (!strcmp(w, "-h") || !strcmp(w, "--help")) {
            record_usage(stdout);
            return 0;
        } else if (!strncmp(w, "-o", 2)) {
            to = &opts->output;
            value = w[2] ? &w[2] : NULL;
        } else if (long_option(w, "--output", &value)) {
            to = &opts->output;
        } else if (long_option(w, "--live", &value)) {
            to = &opts->live_url;
        } else {
            run[(*n_run)++] = argv[i];
            continue;
        }
        if (!value && i + 1 >= argc) {
            return ukdb_usage_error("record", "'%s' needs an argument", w);
        }
        *to = value ? value : argv[++i];
    }
    run[*n_run] = NULL;
    return -1;
}

int
record_main(int argc, char *argv[])
{
    static const struct option options[] = {
        { "output", required_argument, NULL, 'o' },
        { "live", required_argument, NULL, 'l' },
        { "exec", no_argument, NULL, 'x' },   /* Tests: run ARGS instead. */
        { "help", no_argument, NULL, 'h' },
        { NULL, 0, NULL, 0 },
    };
    struct record_options opts = { .output = NULL };
    int c;

    optind = 0;                 /* Full re-initialization (glibc). */
    opterr = 0;
    /* '+': see record_late_options(). */
    while ((c = getopt_long(argc, argv, "+:o:h", options, NULL)) != -1) {
        switch (c) {
        case 'o': opts.output = optarg; break;
        case 'l': opts.live_url = optarg; break;
        case 'x': opts.search_path = true; break;
        case 'h': record_usage(stdout); return 0;
        case ':':
            return ukdb_usage_error("record", "'%s' needs an argument",
                                      argv[optind - 1]);
        default:
            return ukdb_usage_error("record", "unknown option '%s'",
                                      argv[optind - 1]);
        }
    }
    /* "--" ended record's options: what follows is the run's, all of it.
     * (Not the value of a -o or --live that was "--".) */
    const char *last = optind > 1 ? argv[optind - 1] : "";
    bool ended = (!strcmp(last, "--") && last != opts.output
                  && last != opts.live_url);
    /* The scenario and the run's options, after the program's name. */
    char **child = uk_xcalloc((size_t) (argc - optind + 2), sizeof *child);
    int n_run = 0;
    int status = -1;
    if (optind < argc && !opts.search_path && !ended) {
        child[1 + n_run++] = argv[optind];
        status = record_late_options(argc, argv, optind + 1, &opts,
                                     &child[1], &n_run);
    } else {
        memcpy(&child[1], &argv[optind],
               (size_t) (argc - optind) * sizeof *child);
        n_run = argc - optind;
    }
    if (status < 0) {
        status = record_check_args(&opts, n_run);
    }
    if (status < 0) {
        status = record_scenario(&opts, child, n_run);
    }
    free(child);
    return status;
}

