#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The REPL on a recorded trace: "open" and "close" again and again leave no
# file descriptor behind.  Each "open" lost one on the "metadata" file of
# every trace directory read (babeltrace2 2.0.4's "babeltrace.support-info"
# query never closes it: graph_group_add()), so a long session ran out of
# them.  The REPL reads its commands from a FIFO; after each batch it echoes
# a mark, and once the mark is out its /proc/PID/fd is counted.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"
[ -d /proc/self/fd ] || skip_all "no /proc/PID/fd"
command -v stdbuf >/dev/null || skip_all "stdbuf is not installed"
T=$TEST_TOP/traces

# repl_start OUT: runs the REPL on commands written to fd 9, its output in
# OUT, line by line (a file is block-buffered); sets $repl_pid.
repl_start() {
    rm -f cmds && mkfifo cmds &&
    { stdbuf -oL "$UKDB" <cmds >"$1" 2>&1 & } &&
    repl_pid=$! &&
    exec 9>cmds
}

# repl_sync OUT MARK: echoes MARK through the REPL and waits (10 s at most)
# until OUT has it: every command before it is done.
repl_sync() {
    echo "echo $2" >&9 &&
    for _ in $(seq 100); do
        grep -qx "$2" "$1" && return 0
        sleep 0.1
    done
    echo "no \"$2\" in $1:"; cat "$1"; return 1
}

# repl_fds: the REPL's open file descriptors, one "N -> TARGET" a line.
repl_fds() {
    for fd in /proc/$repl_pid/fd/*; do
        echo "${fd##*/} -> $(readlink "$fd")"
    done
}

# open_close_fds TRACE N: the REPL's descriptors after one "open TRACE" and
# "close" (fds.1), and after N more (fds.N).
open_close_fds() {
    repl_start out &&
    printf "open %s\nclose\n" "$1" >&9 &&
    repl_sync out mark-1 && repl_fds >fds.1 &&
    for _ in $(seq "$2"); do printf "open %s\nclose\n" "$1" >&9; done &&
    repl_sync out mark-N && repl_fds >fds.N &&
    exec 9>&- && wait "$repl_pid" &&
    cat fds.N && ! grep -q /metadata fds.N &&
    test_cmp fds.1 fds.N
}

test_expect_success 'open and close a trace 20 times: no descriptor lost' '
    open_close_fds "$T/race-v1-replace" 20 &&
    test "$(grep -c "^closed " out)" = 21
'

# banner: of the output of "open", its banner's counts ("107 events (seq 1
# to 107), 4 threads, 1 flow"), without the trace or the time it took.
banner() {
    sed -n "s/^.*: \([0-9]* events.*\), [0-9.]* ms\$/\1/p"
}

# Two directories of one trace UUID (a copy here, the chunks of a rotated
# session in life) are still one trace: its events once, no descriptor
# lost on either metadata file.
test_expect_success 'two directories of one UUID: one trace, no descriptor lost' '
    mkdir two && cp -r "$T/race-v1-replace" two/a &&
    cp -r "$T/race-v1-replace" two/b &&
    "$UKDB" -c "open $T/race-v1-replace" 2>&1 | banner >one &&
    "$UKDB" -c "open two" 2>&1 | banner >both &&
    test -s one && test_cmp one both &&
    open_close_fds two 10
'

# Without the query, ukdb finds the UUID in the metadata's TSDL
# (graph_check_metadata()), packetized or plain text, in the first "trace"
# block only, not in a comment: it groups the directories as the
# babeltrace2 CLI does (by the query).
test_expect_success 'a plain-text metadata: grouped as by babeltrace2' '
    zero=00000000-0000-0000-0000-000000000000 &&
    cp -r "$T/purge/ust/uid/0/64-bit" plain &&
    babeltrace2 --output-format=ctf-metadata plain >tsdl &&
    { head -1 tsdl &&
      echo "/* ; trace { uuid = \"$zero\"; }; */" &&
      echo "// ; trace { uuid = \"$zero\"; };" &&
      tail -n +2 tsdl; } >plain/metadata &&
    "$UKDB" audit "$T/purge" >one &&
    "$UKDB" audit "$T/purge" plain >out 2>err &&
    test_cmp one out && test ! -s err &&
    babeltrace2 --plugin-path="$UKDB_BUILD/plugins" "$T/purge" plain \
        -c sink.ukey.audit >cli && test_cmp one cli
'

test_done
