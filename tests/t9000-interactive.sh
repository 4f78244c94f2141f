#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The real tty REPL (libedit), driven through tmux: TAB completion of a
# command and of a flow name, history recall across two sessions (a
# private HOME holds ~/.ukdb_history), and Ctrl-C during a long "run"
# stopping at the next step and returning to the prompt.
#
# tmux: see tmux-lib.sh.  Every wait polls the pane with a bounded number
# of retries.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built"
TMUX_NAME=ukdb-t9000
. "$(dirname "$0")/tmux-lib.sh"
cd "$TRASH" || exit 1

# start: a fresh ukdb on a 200x50 tty, HOME=$TRASH; waits for the prompt.
start() {
    kill_session
    tmx -f /dev/null new-session -d -s "$SESSION" -x 200 -y 50 \
        "cd '$TRASH' && HOME='$TRASH' TERM=xterm exec '$UKDB'" || return 1
    wait_for '^\(ukdb [a-z0-9-]+ step [0-9]+\)'
}

# last_line: the last non-empty line of the pane.
last_line() { screen | sed '/^$/d' | tail -1; }

# wait_gone: polls until the session has ended (ukdb exited).
wait_gone() {
    local i
    for ((i = 0; i < 100; i++)); do
        tmx has-session -t "$SESSION" 2>/dev/null || return 0
        sleep 0.1
    done
    echo "ukdb did not exit"; screen | sed '/^$/d' | tail -20; return 1
}

keys() { tmx send-keys -t "$SESSION" "$@"; }

test_expect_success 'the tty REPL starts with a prompt showing variant and step' '
    start && last_line | grep -q "^(ukdb upstream step 0)"
'

test_expect_success 'TAB completes a command name' '
    start && keys "sho" Tab &&
    wait_for "^\(ukdb upstream step 0\) show$" &&
    keys "ukeys" Enter && wait_for "^No ukeys\.$"
'

test_expect_success 'TAB completes a flow name' '
    start &&
    keys "handler h0" Enter "flow fancyflow h0" Enter &&
    wait_for "flow fancyflow h0$" &&
    keys "upcall h0 fan" Tab &&
    wait_for "upcall h0 fancyflow$" &&
    keys Enter "choices" Enter &&
    wait_for "1\. h0 .*upcall"
'

test_expect_success 'TAB completes a thread name and a show topic' '
    start &&
    keys "revalidator rev0" Enter "round re" Tab &&
    wait_for "round rev0$" && keys C-u "show vio" Tab &&
    wait_for "show violations$"
'

# Each argument completes from what it can be.  Before, "upcall h0 "
# offered the threads with the flows (no single match), "watch flow "
# offered ukey IDs with the flows, and the states after "EVICTED->" were
# not offered: '>' breaks the word, and the command's next argument was
# completed instead (ukey, flow, thread).
test_expect_success 'TAB completes each argument from its own kind' '
    start &&
    keys "handler h0" Enter "flow f1 h0" Enter "upcall h0 f1" Enter \
        "step h0 2" Enter && wait_for "^\[2\] " &&
    tmx clear-history -t "$SESSION" &&
    keys "upcall h0 " Tab && wait_for "step 2\) upcall h0 f1 ?$" &&
    keys C-u "watch flow " Tab && wait_for "step 2\) watch flow f1 ?$" &&
    keys C-u "watch ukey " Tab && wait_for "step 2\) watch ukey 1 ?$" &&
    keys C-u "expect runnable h" Tab && wait_for "step 2\) expect runnable h0 ?$" &&
    keys C-u "break transition VISIBLE->OPER" Tab &&
    wait_for "step 2\) break transition VISIBLE->OPERATIONAL ?$" &&
    keys " thread h" Tab &&
    wait_for "VISIBLE->OPERATIONAL +thread h0 ?$"
'

# A breakpoint condition completes as "expect" does: after "condition
# N" and after "break ... if" (before, "condition" did not exist).
test_expect_success 'TAB completes a breakpoint condition' '
    start &&
    keys "handler h0" Enter "flow f1 h0" Enter \
        "break transition OPERATIONAL" Enter && wait_for "^Breakpoint 1: " &&
    tmx clear-history -t "$SESSION" &&
    keys "condit" Tab && wait_for "step 0\) condition ?$" &&
    keys "1 sta" Tab && wait_for "step 0\) condition 1 stat ?$" &&
    keys C-u "condition 1 state f" Tab &&
    wait_for "step 0\) condition 1 state f1 ?$" &&
    keys "EVICTE" Tab && wait_for "condition 1 state f1 EVICTED ?$" &&
    keys C-u "break transition EVICTED i" Tab &&
    wait_for "step 0\) break transition EVICTED if ?$" &&
    keys "dp f" Tab && wait_for "EVICTED if dp f1 ?$"
'

# Before, "info", "set echo" and "rcu" completed nothing after them.
test_expect_success 'TAB completes the keywords of info, set echo and rcu' '
    start &&
    keys "info b" Tab && wait_for "step 0\) info breakpoints ?$" &&
    keys Enter && wait_for "^No breakpoints\.$" &&
    keys "info w" Tab && wait_for "step 0\) info watches ?$" &&
    keys C-u "set echo of" Tab && wait_for "step 0\) set echo off ?$" &&
    keys C-u "rcu s" Tab && wait_for "step 0\) rcu step ?$"
'

# On a trace, the names are the trace's.  Before, they were the empty
# model's (main, urcu): "step handl" did not complete.
test_expect_success 'TAB completes the names of an open trace' '
    start && keys "open $TEST_TOP/traces/race-v1-replace" Enter &&
    wait_for "^\(ukdb trace 0/[0-9]+\)" &&
    tmx clear-history -t "$SESSION" &&
    keys "step handl" Tab && wait_for "\) step handler0 ?$" &&
    keys C-u "watch flow " Tab && wait_for "\) watch flow f1 ?$" &&
    keys C-u "goto end" Enter C-u "history " Tab Tab &&
    wait_for "^1 +2 +f1 *$"
'

test_expect_success 'history is recalled across two sessions' '
    rm -f .ukdb_history && start &&
    keys "echo marker-one" Enter && wait_for "^marker-one$" &&
    keys "echo marker-two" Enter && wait_for "^marker-two$" &&
    keys C-d && wait_gone &&
    test_grep "marker-two" .ukdb_history &&
    start && keys Up && wait_for "step 0\) echo marker-two$" &&
    keys Up && wait_for "step 0\) echo marker-one$" &&
    keys Enter && wait_for "^marker-one$"
'

test_expect_success 'an empty line repeats the last motion command' '
    start &&
    keys "handler h0" Enter "flow f1 h0" Enter "upcall h0 f1" Enter &&
    keys "step" Enter && wait_for "^\[1\] *h0 " &&
    keys Enter && wait_for "^\[2\] *h0 " &&
    wait_for "step 2\)$"
'

# On a trace too, and never across "open" or "close" (gdb's "target"
# leaves nothing to repeat either).  Before, a trace's motions were not
# kept: an empty line did nothing on a trace, or repeated the model's last
# motion there ("step" moved the cursor a trace just opened).
test_expect_success 'an empty line repeats a motion on a trace, not across open' '
    start &&
    keys "handler h0" Enter "flow f1 h0" Enter "upcall h0 f1" Enter &&
    keys "step" Enter && wait_for "^\[1\] *h0 " &&
    keys "open $TEST_TOP/traces/race-v1-replace" Enter &&
    wait_for "^\(ukdb trace 0/[0-9]+\)$" &&
    keys Enter "when" Enter && wait_for "^event 0 of [0-9]+ " &&
    keys "goto 50" Enter && wait_for "trace 50/[0-9]+\)$" &&
    keys "step 2" Enter && wait_for "^\[52\] " &&
    keys Enter && wait_for "^\[54\] " &&
    wait_for "trace 54/[0-9]+\)$" &&
    keys "close" Enter && wait_for "step 1\)$" &&
    keys Enter "when" Enter && wait_for "^step 1, "
'

# "make demo" on a 24-line terminal: the setup's steps scroll its guide
# away, so the screen at the first prompt says what to type.  Before, it
# showed only steps, the guide a hundred lines up.
start_demo() {
    kill_session
    tmx -f /dev/null new-session -d -s "$SESSION" -x 100 -y 24 \
        "cd '$TRASH' && HOME='$TRASH' TERM=xterm exec '$TEST_TOP/examples/demo.sh'"
}
test_expect_success 'make demo: the first prompt has what to try on screen' '
    start_demo &&
    wait_for "^\(ukdb v1-replace step 49\) ?$" &&
    screen | grep -q "next handler0" &&
    keys "next handler0" Enter && wait_for "step 64\) ?$"
'

# Ctrl-C at the prompt, as in gdb and the shells: the line typed so far
# is dropped and a new prompt comes.  Before, readline() returned NULL and
# the session ended, exit 0, as on Ctrl-D.
test_expect_success 'Ctrl-C at the prompt drops the line, the session goes on' '
    start && keys "handler h0" Enter && keys "echo typed-not-run" &&
    wait_for "echo typed-not-run$" && keys C-c &&
    wait_for "^\(ukdb upstream step 0\)$" &&
    tmx has-session -t "=$SESSION" && keys C-c && sleep 0.3 &&
    keys "echo alive" Enter && wait_for "^alive$" &&
    ! screen | grep -q "^typed-not-run$" &&
    keys "show threads" Enter && wait_for "^2 +h0 +HANDLER"
'

# A scenario long enough that "run" cannot finish before Ctrl-C: 1000
# flows, 1000 upcalls, 300 revalidator rounds (millions of steps, each
# printed to the tty).
{
    echo "handler h0"
    echo "revalidator r0"
    for i in $(seq 0 999); do echo "flow f$i h0"; echo "upcall h0 f$i"; done
    for i in $(seq 1 300); do echo "round r0"; done
} >long.ukdb

test_expect_success 'Ctrl-C during run stops at the next step, back to the prompt' '
    start && keys "source long.ukdb" Enter &&
    wait_for "step 0\)$" &&
    keys "run" Enter &&
    wait_for "^\[[0-9]+\] " &&
    keys C-c &&
    wait_for "^Interrupted at step [0-9]+\.$" 300 &&
    n=$(screen | sed -n "s/^Interrupted at step \([0-9]*\)\./\1/p" | tail -1) &&
    wait_for "^\(ukdb upstream step $n\)$" &&
    keys "when" Enter &&
    wait_for "^step $n, [0-9]+ events, variant upstream$" &&
    keys "step" Enter && wait_for "^\[$((n + 1))\] "
'

test_expect_success 'after Ctrl-C the session goes on: run again, Ctrl-C again' '
    keys "run" Enter && wait_for "^\[[0-9]+\] " &&
    tmx send-keys -R -t "$SESSION" && tmx clear-history -t "$SESSION" &&
    ! screen | grep -q "^Interrupted" &&
    keys C-c &&
    wait_for "^Interrupted at step [0-9]+\.$" 300 &&
    wait_for "step [0-9]+\)$" &&
    keys "echo alive" Enter && wait_for "^alive$"
'

# A search far longer than the test waits: 154781666 under upstream with
# no reduction.  Ctrl-C stops it with a summary; the prompt comes back.
printf 'variant upstream\nsource %s\n' \
    "$TEST_TOP/examples/bugs/explore/154781666.ukdb" >search.ukdb
test_expect_success 'Ctrl-C during explore: a summary, back to the prompt' '
    start && keys "source search.ukdb" Enter &&
    wait_for "^\(ukdb upstream step [0-9]+\)$" &&
    tmx clear-history -t "$SESSION" &&
    keys "explore --no-reduction" Enter &&
    wait_for " schedules, [0-9]+ steps" &&
    keys C-c &&
    wait_for "^interrupted: no violation in [0-9]+ schedules" 300 &&
    wait_for "^\(ukdb upstream step [0-9]+\)$" &&
    keys "echo alive" Enter && wait_for "^alive$"
'

# babeltrace2 aborts on a packet context whose content size overflows (an
# assertion: its CLI aborts too).  The REPL ended with it; now the open
# fails with babeltrace2's reason, and the session goes on.
test_expect_success 'a trace that babeltrace2 aborts on: the session goes on' '
    . "$TEST_TOP/tests/helper/audit-scenarios.sh" &&
    scn_snapshot_head | /usr/bin/python3 "$TEST_TOP/tests/helper/ctf-write.py" good &&
    cp -r good badsize &&
    printf "\242" | dd of=badsize/stream_1 bs=1 seek=47 conv=notrunc \
        2>/dev/null &&
    keys "open badsize" Enter &&
    wait_for "^error: open: .badsize.: babeltrace2 aborted reading the trace \\(msg-iter.c:[0-9]+: " &&
    keys "open good" Enter && wait_for "^good: 29 events " &&
    keys "echo alive" Enter && wait_for "^alive$"
'

test_expect_success 'quit leaves the REPL' '
    keys "quit" Enter && wait_gone
'

test_done
