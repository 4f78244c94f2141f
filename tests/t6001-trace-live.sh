#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The REPL on a live session (issue 6): "open net://..." on a private
# lttng-relayd, while a traced ukdb runs the v1-replace race one command at
# a time.  The viewer sees the events while the program still runs, says
# "no new event yet" rather than block when it is ahead of it, "continue"
# follows the session to the violation breakpoint (the same event as in the
# trace the relay daemon wrote), and the end of the session is reported.
# Both ukdb processes read their commands from FIFOs that this script feeds.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lttng-lib.sh"

lttng_require
command -v lttng-relayd >/dev/null || skip_all "lttng-relayd is not installed"
command -v stdbuf >/dev/null || skip_all "stdbuf is not installed"
# stdbuf preloads a library: a sanitized ukdb must accept it.
export ASAN_OPTIONS=${ASAN_OPTIONS:+$ASAN_OPTIONS:}verify_asan_link_order=0
[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"
EX=$TEST_TOP/examples
lttng_start_sessiond
lttng_start_relayd "$TRASH/relayd/out"

# The two ukdb processes, children of this shell (stopped by pid): the
# traced program, then the viewer, each reading a FIFO.
cd "$TRASH" || exit 1
mkfifo viewer.in traced.in
VIEWER_PID= TRACED_PID=
stop_ukdbs() {
    exec 7>&- 8>&-
    local p
    for p in $VIEWER_PID $TRACED_PID; do
        kill -TERM "$p" 2>/dev/null; wait "$p" 2>/dev/null
    done
    VIEWER_PID= TRACED_PID=
}
test_cleanup_add stop_ukdbs
# (Not through lttng_traced, a function: $! must be ukdb's own pid.)
LTTNG_UST_ALLOW_BLOCKING=1 stdbuf -oL "$UKDB" --keep-going <traced.in \
    >traced.out 2>&1 &
TRACED_PID=$!
exec 8>traced.in

# The live session: the events of the traced program only (the viewer is a
# ukdb too, whose model emits its first events as it starts).
if ! { lttng_create_live live &&
       lttng enable-channel -u -s live --blocking-timeout=inf \
           --subbuf-size=1M --num-subbuf=4 "$LTTNG_CHANNEL" >/dev/null &&
       lttng enable-event -u -s live -c "$LTTNG_CHANNEL" 'ukey:*' \
           --filter "\$ctx.vpid == $TRACED_PID" >/dev/null &&
       lttng_start live; }; then
    echo "Bail out! cannot create the live session"; exit 1
fi
URL=$(lttng_live_url live)

stdbuf -oL "$UKDB" --keep-going <viewer.in >viewer.out 2>viewer.err &
VIEWER_PID=$!
exec 7>viewer.in

# viewer NAME CMD...: sends the commands to the viewer, then a marker NAME,
# and waits for the marker's output (60 s at most: a hang fails the test);
# then out_of NAME prints what they printed.
viewer() {
    local name=$1
    shift
    printf '%s\n' "$@" "echo ==$name==" >&7 &&
    await "^==$name==\$" viewer.out
}
out_of() {
    awk -v m="==$1==" '/^==.*==$/ { if ($0 == m) { printf "%s", b; exit }
                                    b = ""; next } { b = b $0 "\n" }' \
        viewer.out
}
traced() { printf '%s\n' "$@" >&8; }
# await PATTERN FILE: until FILE has a line matching PATTERN.
await() {
    local i
    for ((i = 0; i < 3000; i++)); do
        grep -q -e "$1" "$2" && return 0
        sleep 0.02
    done
    echo "timed out waiting for '$1' in $2:"; cat "$2"; cat viewer.err
    return 1
}
# await_exit PID: until the process PID (a child of the top shell, which
# only reaps it at the end) has exited.
await_exit() {
    local i s
    for ((i = 0; i < 3000; i++)); do
        s=$(awk '/^State:/ { print $2 }' "/proc/$1/status" 2>/dev/null)
        [ -z "$s" ] || [ "$s" = Z ] && return 0
        sleep 0.02
    done
    echo "process $1 did not exit"; return 1
}

# Breakpoint 2 names handler0, and 3 and watch 1 flow f1, which the
# viewer's model declares and the live session has not started or
# declared yet: pending at "open", resolved as events are read (see
# below).  Disabled: only breakpoint 1 stops here.
test_expect_success 'open a live session before any event' '
    viewer open "break violation double-delete" "handler handler0" \
        "flow f1 handler0" "break event upcall thread handler0" \
        "break transition VISIBLE flow f1" "disable 2 3" "watch flow f1" \
        "open $URL" \
        "when" "step" &&
    out_of open >out &&
    test_grep "^$URL: live session, no event yet" out &&
    test_grep "^Breakpoint 2 (event upcall thread handler0) pending: the trace has no thread handler0\.\$" out &&
    test_grep "^Breakpoint 3 (transition VISIBLE flow f1) pending: the trace has no flow f1\.\$" out &&
    test_grep "^Watch 1 (flow f1) pending: the trace has no flow f1\.\$" out &&
    test_grep "^no new event yet; the session is still live" out &&
    test_grep "^event 0 of 0 (before the first)" out
'

test_expect_success 'events appear while the traced program runs' '
    traced "variant v1-replace" "source $EX/race-setup.ukdb" \
        "traffic f1 1" "next handler0" "echo phase-1" &&
    await "^phase-1\$" traced.out &&
    viewer wait "wait 30" &&
    out_of wait >out &&
    test_grep "^[0-9]* new events\? ([0-9]* read so far); the session is still live" out &&
    kill -0 $TRACED_PID &&
    viewer end "goto end" "when" &&
    out_of end >out &&
    test_grep "^event [1-9][0-9]* of [1-9][0-9]* (seq" out
'

test_expect_success 'a motion past the last event says so, not hang' '
    viewer ahead "step" "step 5" &&
    out_of ahead >out &&
    test_grep "^no new event yet; the session is still live" out &&
    kill -0 $TRACED_PID
'

test_expect_success 'continue follows the session to the violation' '
    printf "%s\n" continue "echo ==bp==" >&7 &&
    traced "next revalidator0" "run" "echo phase-2" &&
    await "^==bp==\$" viewer.out &&
    out_of bp >out &&
    test "$(grep -c "^following the live session" out)" = 1 &&
    test_grep "^Breakpoint 1: .*double-delete" out &&
    viewer at-bp "when" "show violations" &&
    out_of at-bp >out &&
    test_grep "^1\. ERROR double-delete at event" out &&
    sed -n "s/^event \([0-9]*\) of [0-9]* (seq \([0-9]*\),.*/\1 \2/p" out \
        >live-bp
'

# A breakpoint is found by name again as a live session reads new events
# (threads start and flows are declared as the program runs): by the
# violation, handler0 has long started and f1 been declared.  Without
# that, it stayed pending until "close"; one on a flow was an error.  A
# watch kept the ufid the model gave f1 (here the same: the traced
# program is ukdb), said neither pending nor resolved.
test_expect_success 'a breakpoint pending on the live session resolves as it reads' '
    sed -n "/^==open==\$/,/^==at-bp==\$/p" viewer.out >read &&
    test "$(grep -c "^Breakpoint 2 (event upcall thread handler0) resolved: the trace has thread handler0\.\$" read)" = 1 &&
    test "$(grep -c "^Breakpoint 3 (transition VISIBLE flow f1) resolved: the trace has flow f1\.\$" read)" = 1 &&
    test "$(grep -c "^Watch 1 (flow f1) resolved: the trace has flow f1\.\$" read)" = 1 &&
    viewer bps "info breakpoints" &&
    out_of bps >out &&
    test_grep "^2   break event upcall thread handler0  (hit 0 times)  \[disabled\]\$" out &&
    test_grep "^3   break transition VISIBLE flow f1  (hit 0 times)  \[disabled\]\$" out
'

test_expect_success 'the end of the session is reported' '
    traced quit && await_exit $TRACED_PID &&
    lttng_stop live && lttng_destroy live &&
    viewer ended "delete" "continue" "when" &&
    out_of ended >out &&
    test_grep ": the live session ended: [0-9]* events in all" out &&
    test_grep "^end of the trace (event [0-9]*)" out &&
    test_grep "^watch flow f1: ukey#1 [A-Z]* -> [A-Z]* by revalidator0" out &&
    n=$(sed -n "s/.*the live session ended: \([0-9]*\) events in all/\1/p" out) &&
    lttng_count_events relayd/out >n.disk && echo $n >n.live &&
    test_cmp n.disk n.live &&
    viewer after "wait" "goto end" "step" &&
    out_of after >out &&
    test_grep "is not live (any more): all $n events are read" out &&
    test_grep "^at the end of the trace (event $n)" out
'

test_expect_success 'the breakpoint stopped on the event of the trace on disk' '
    printf "%s\n" "break violation double-delete" continue when |
        "$UKDB" relayd/out >disk.out &&
    sed -n "s/^event \([0-9]*\) of [0-9]* (seq \([0-9]*\),.*/\1 \2/p" \
        disk.out >disk-bp &&
    test -s disk-bp &&
    test_cmp disk-bp live-bp
'

test_expect_success 'the viewer had no error' '
    viewer close "close" "when" &&
    out_of close >out &&
    test_grep "^closed $URL; back to the model" out &&
    test_grep "^step 0, [0-9]* events, variant" out &&
    test ! -s viewer.err || { cat viewer.err; false; }
'

# At a prompt (tmux), Ctrl-C stops a "continue" that waits for events: on
# another live session (one viewer per session), where nothing happens but,
# maybe, the start of this REPL's own model (it is a traced program too,
# and the session traces every process): 0/0 or 0/1 at the prompt.
if command -v tmux >/dev/null; then
    export TMUX_TMPDIR=$TRASH
    unset TMUX
    TMUX_SOCK=ukdb-t6001-$$
    tmx() { tmux -L "$TMUX_SOCK" "$@"; }
    test_cleanup_add "tmx kill-server 2>/dev/null"
    screen() { tmx capture-pane -p -t live 2>/dev/null; }
    await_screen() {
        local i
        for ((i = 0; i < 3000; i++)); do
            screen | grep -Eq -e "$1" && return 0
            sleep 0.02
        done
        echo "timed out waiting for '$1' on the screen:"; screen | grep .
        return 1
    }
    test_expect_success 'at the prompt, Ctrl-C stops a continue that waits' '
        lttng_create_live live2 && lttng_enable_blocking live2 1M 4 &&
        lttng_start live2 && URL2=$(lttng_live_url live2) &&
        tmx -f /dev/null new-session -d -s live -x 200 -y 50 \
            "cd \"$TRASH\" && HOME=\"$TRASH\" TERM=xterm exec \"$UKDB\"" &&
        await_screen "^\(ukdb " &&
        tmx send-keys -t live "open $URL2" Enter &&
        await_screen "^\(ukdb live 0/[0-9]+\)" &&
        tmx send-keys -t live "continue" Enter &&
        await_screen "^following the live session" &&
        tmx send-keys -t live C-c &&
        await_screen "interrupted at event [0-9]+ read so far; the session is still live" &&
        await_screen "^\(ukdb live [0-9]+/[0-9]+\) ?\$" &&
        tmx send-keys -t live "quit" Enter &&
        lttng_destroy live2
    '
fi

# "open" and "when" take what the relay daemon has and never wait: before,
# each waited until 300 ms passed without an event (open 600 ms), so 40 of
# them took more than 12 s; now the connection's round trips.  (The bound
# is generous: a loaded machine only adds to the work, never to the old
# code's sleeps.)
test_expect_success 'open and when on an idle session do not wait' '
    lttng_create_live live3 && lttng_enable_blocking live3 1M 4 &&
    lttng_start live3 && URL3=$(lttng_live_url live3) &&
    for i in $(seq 40); do echo when; done >whens &&
    timeout 8 "$UKDB" "$URL3" <whens >out 2>err &&
    test "$(grep -c "^event [0-9]* of [0-9]* .*(live)\$" out)" = 40 &&
    test ! -s err &&
    lttng_destroy live3
'

test_expect_code 2 'bad input: no such session, nothing listening' '
    read -r c d l <<<"$LTTNG_RELAYD_PORTS" &&
    "$UKDB" -c "open net://127.0.0.1:$l/host/$(hostname)/nosuch" 2>err;
    rc=$?; cat err; test $(wc -l <err) = 1 &&
    test_grep "^ukdb: error: open: .net://.*: no such live session" err &&
    p=$(lttng_free_port_) &&
    "$UKDB" -c "open net://127.0.0.1:$p/host/x/y" 2>err2; test $? = 2 &&
    test $(wc -l <err2) = 1 && test_grep "^ukdb: error: open: .net://" err2 &&
    exit $rc
'

test_expect_code 2 'ukdb net://... on the command line opens the live session' '
    read -r c d l <<<"$LTTNG_RELAYD_PORTS" &&
    "$UKDB" "net://127.0.0.1:$l/host/$(hostname)/nosuch" </dev/null 2>err;
    rc=$?; cat err; test $(wc -l <err) = 1 &&
    test_grep "^ukdb: error: open: .net://.*: no such live session" err &&
    exit $rc
'

test_done
