# SPDX-License-Identifier: Apache-2.0
# Shell helpers for tests that trace with LTTng (DESIGN.md, "LTTng and
# babeltrace2 facts").  Source after tests/lib.sh, at the top level of the
# test script (not inside test_expect_success: daemons must be children of
# the test shell):
#
#   . "$(dirname "$0")/lib.sh"
#   . "$(dirname "$0")/lttng-lib.sh"
#   lttng_require                 # skip_all without lttng-tools/babeltrace2
#   lttng_start_sessiond          # private daemon, stopped by pid at exit
#   lttng_record "$TRASH/trace" "$TP_EMIT" --events 1000
#   test_expect_success '...' 'lttng_count_events "$TRASH/trace" >n && ...'
#   test_done
#
# As root (CI), the daemon and the client always use /run/lttng, so sourcing
# this file re-executes the test in a private mount and network namespace
# (unshare), with tmpfs on /run/lttng and /dev/shm and "lo" up.  As another
# user, a private LTTNG_HOME isolates the daemon.  Daemons are stopped by
# pid (SIGTERM, then wait) from lib.sh's EXIT cleanups; never by name.

TP_EMIT=${TP_EMIT:-$UKDB_BUILD/tests/helper/tp-emit}
LTTNG_SESSIOND_PID=
LTTNG_RELAYD_PID=
LTTNG_RELAYD_PORTS=
LTTNG_CHANNEL=ch0

# ==== Isolation (runs when sourced) ====

# lttng_isolate_: as root, re-executes the test script inside a private
# mount+net namespace, then (inside) mounts the private tmpfs and brings lo
# up.  The positional parameters are the test script's own.
lttng_isolate_() {
    [ "$(id -u)" = 0 ] || return 0
    if [ -z "${UKDB_LTTNG_NS:-}" ]; then
        if ! command -v unshare >/dev/null \
           || ! unshare --mount --net --propagation private true 2>/dev/null
        then
            skip_all "root, but cannot unshare a mount+net namespace"
        fi
        rm -rf "$TRASH"
        trap - EXIT
        UKDB_LTTNG_NS=1 exec unshare --mount --net --propagation private \
            -- bash "$0" "$@"
    fi
    mkdir -p /run/lttng &&
    mount -t tmpfs -o mode=0755 ukdb-lttng /run/lttng &&
    mount -t tmpfs -o mode=1777 ukdb-shm /dev/shm &&
    ip link set lo up ||
    { echo "Bail out! cannot set up the private namespace"; exit 1; }
}
lttng_isolate_ "$@"

# lttng_require: skips the whole test unless lttng-tools and babeltrace2 are
# installed.
lttng_require() {
    local p
    for p in lttng lttng-sessiond babeltrace2; do
        command -v "$p" >/dev/null || skip_all "$p is not installed"
    done
}

# ==== Daemons ====

# lttng_start_sessiond: starts a private lttng-sessiond (foreground,
# --sig-parent --no-kernel) as a child of the test shell with a fresh short
# LTTNG_HOME (exported), waits for its SIGUSR1 (10 s at most), and registers
# its stop.  Its log is $LTTNG_HOME/sessiond.log.
lttng_start_sessiond() {
    LTTNG_HOME=$(mktemp -d /tmp/ukl.XXXXXX) || return 1
    export LTTNG_HOME
    test_cleanup_add lttng_stop_sessiond
    lttng_ready_=
    trap 'lttng_ready_=1' USR1
    lttng-sessiond --sig-parent --no-kernel \
        >"$LTTNG_HOME/sessiond.log" 2>&1 &
    LTTNG_SESSIOND_PID=$!
    local i
    for ((i = 0; i < 500; i++)); do
        [ -n "$lttng_ready_" ] && break
        if ! kill -0 "$LTTNG_SESSIOND_PID" 2>/dev/null; then
            echo "Bail out! lttng-sessiond died:"
            cat "$LTTNG_HOME/sessiond.log"
            LTTNG_SESSIOND_PID=
            exit 1
        fi
        sleep 0.02
    done
    trap - USR1
    if [ -z "$lttng_ready_" ]; then
        echo "Bail out! lttng-sessiond not ready after 10 s"; exit 1
    fi
}

# lttng_stop_sessiond: SIGTERM to the daemon by pid, waits for it, removes
# LTTNG_HOME.  Idempotent.
lttng_stop_sessiond() {
    if [ -n "$LTTNG_SESSIOND_PID" ]; then
        kill -TERM "$LTTNG_SESSIOND_PID" 2>/dev/null
        wait "$LTTNG_SESSIOND_PID" 2>/dev/null
        LTTNG_SESSIOND_PID=
    fi
    case "${LTTNG_HOME:-}" in
    /tmp/ukl.*) rm -rf "$LTTNG_HOME" ;;
    esac
}

# lttng_free_port_: prints a random TCP port of 127.0.0.1 nobody listens on.
lttng_free_port_() {
    local p
    while :; do
        p=$((20000 + RANDOM % 40000))
        if ! ss -Hltn "sport = :$p" 2>/dev/null | grep -q .; then
            echo "$p"; return 0
        fi
    done
}

# lttng_start_relayd OUTDIR: starts lttng-relayd (foreground, child of the
# test shell) on 127.0.0.1 with three random free ports, writing traces
# under OUTDIR; waits until it listens; registers its stop.  Sets
# LTTNG_RELAYD_PORTS="CONTROL DATA LIVE".  Log: OUTDIR/../relayd.log.
lttng_start_relayd() {
    local out=$1 c d l try i
    mkdir -p "$out" || return 1
    test_cleanup_add lttng_stop_relayd
    for ((try = 0; try < 5; try++)); do
        c=$(lttng_free_port_) d=$(lttng_free_port_) l=$(lttng_free_port_)
        lttng-relayd -o "$out" -C "tcp://127.0.0.1:$c" \
            -D "tcp://127.0.0.1:$d" -L "tcp://127.0.0.1:$l" \
            >"$out/../relayd.log" 2>&1 &
        LTTNG_RELAYD_PID=$!
        for ((i = 0; i < 250; i++)); do
            kill -0 "$LTTNG_RELAYD_PID" 2>/dev/null || break
            if ss -Hltn "sport = :$l" 2>/dev/null | grep -q .; then
                LTTNG_RELAYD_PORTS="$c $d $l"
                return 0
            fi
            sleep 0.02
        done
        lttng_stop_relayd
    done
    echo "Bail out! lttng-relayd did not start:"; cat "$out/../relayd.log"
    exit 1
}

# lttng_stop_relayd: SIGTERM to the relay daemon by pid, and wait.
lttng_stop_relayd() {
    if [ -n "$LTTNG_RELAYD_PID" ]; then
        kill -TERM "$LTTNG_RELAYD_PID" 2>/dev/null
        wait "$LTTNG_RELAYD_PID" 2>/dev/null
        LTTNG_RELAYD_PID=
    fi
}

# ==== Sessions ====

# lttng_create SESSION DIR: a session writing its trace under DIR.
lttng_create() {
    lttng create "$1" --output="$2" >/dev/null
}

# lttng_create_live SESSION [TIMER_US]: a live session streaming to the
# relayd of lttng_start_relayd (live timer 100 ms by default).
lttng_create_live() {
    local c d l
    read -r c d l <<<"$LTTNG_RELAYD_PORTS"
    lttng create "$1" --live="${2:-100000}" \
        --set-url="net://127.0.0.1:$c:$d" >/dev/null
}

# lttng_live_url SESSION: the URL a live viewer (babeltrace2 -i lttng-live,
# ukdb audit) opens for SESSION.
lttng_live_url() {
    local c d l
    read -r c d l <<<"$LTTNG_RELAYD_PORTS"
    echo "net://127.0.0.1:$l/host/$(hostname)/$1"
}

# lttng_enable_blocking SESSION [SUBBUF_SIZE [N_SUBBUFS]]: a user-space
# channel that never discards (blocking, infinite timeout; the traced
# program needs LTTNG_UST_ALLOW_BLOCKING=1: use lttng_traced), 8 x 8 MiB by
# default, and every ukey:* event in it.
lttng_enable_blocking() {
    lttng enable-channel -u -s "$1" --blocking-timeout=inf \
        --subbuf-size="${2:-8M}" --num-subbuf="${3:-8}" "$LTTNG_CHANNEL" \
        >/dev/null &&
    lttng enable-event -u -s "$1" -c "$LTTNG_CHANNEL" 'ukey:*' >/dev/null
}

# lttng_enable_discard SESSION: a tiny discard-mode channel (2 x 4 KiB) and
# every ukey:* event, to make a trace that loses events on purpose.
lttng_enable_discard() {
    lttng enable-channel -u -s "$1" --discard --subbuf-size=4096 \
        --num-subbuf=2 "$LTTNG_CHANNEL" >/dev/null &&
    lttng enable-event -u -s "$1" -c "$LTTNG_CHANNEL" 'ukey:*' >/dev/null
}

lttng_start() { lttng start "$1" >/dev/null; }
# lttng_stop SESSION: stops tracing and waits until the data is on disk.
lttng_stop() { lttng stop "$1" >/dev/null; }
lttng_destroy() { lttng destroy "$1" >/dev/null; }

# lttng_traced CMD [ARGS]: runs CMD with LTTNG_UST_ALLOW_BLOCKING=1 (without
# it a blocking channel silently discards).
lttng_traced() { LTTNG_UST_ALLOW_BLOCKING=1 "$@"; }

# lttng_record DIR CMD [ARGS]: the whole round on the running sessiond:
# session writing to DIR, blocking channel, start, CMD, stop, destroy.
# Returns CMD's status (or 1 if a step failed).
lttng_record() {
    local dir=$1 s=rec$$_$RANDOM rc
    shift
    lttng_create "$s" "$dir" && lttng_enable_blocking "$s" &&
        lttng_start "$s" || return 1
    lttng_traced "$@"
    rc=$?
    lttng_stop "$s" && lttng_destroy "$s" || return 1
    return $rc
}

# lttng_record_discard DIR CMD [ARGS]: as lttng_record with the tiny
# discard-mode channel (and without blocking).
lttng_record_discard() {
    local dir=$1 s=disc$$_$RANDOM rc
    shift
    lttng_create "$s" "$dir" && lttng_enable_discard "$s" &&
        lttng_start "$s" || return 1
    "$@"
    rc=$?
    lttng_stop "$s" && lttng_destroy "$s" || return 1
    return $rc
}

# ==== Reading traces ====

# lttng_trace_dirs DIR: prints each directory under DIR holding a CTF
# trace (a "metadata" file), sorted; src.ctf.fs does not search below.
lttng_trace_dirs() {
    find "$1" -name metadata -type f -printf '%h\n' | sort
}

# lttng_count_events DIR: prints the number of events of the traces under
# DIR (babeltrace2's sink.utils.counter); fails without a trace.
lttng_count_events() {
    local dirs
    dirs=$(lttng_trace_dirs "$1")
    [ -n "$dirs" ] || { echo "no trace under $1" >&2; return 1; }
    # shellcheck disable=SC2086
    babeltrace2 $dirs -c sink.utils.counter -p step=+0 \
        | awk '/ Event messages$/ { n = $1 } END { print n }'
}

# lttng_count_discarded DIR: prints the number of discarded-events messages
# of the traces under DIR.
lttng_count_discarded() {
    local dirs
    dirs=$(lttng_trace_dirs "$1")
    # shellcheck disable=SC2086
    babeltrace2 $dirs -c sink.utils.counter -p step=+0 \
        | awk '/ Discarded event messages$/ { n = $1 } END { print n }'
}
