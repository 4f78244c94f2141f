#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# "ukdb load" on a real tty (tmux): one statistics line refreshed every
# second (rates, totals, ukeys by state, violations), erased before the
# final summary; Ctrl-C stops the load cleanly, with its summary; with
# --quiet or off a tty, no live line at all.
# tmux: see tmux-lib.sh.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built"
TMUX_NAME=ukdb-t9010
. "$(dirname "$0")/tmux-lib.sh"
cd "$TRASH" || exit 1

# run_load ARGS...: "ukdb load ARGS" on a 220x40 tty; once it exits, the
# pane shows "EXIT=<status>" and stays (the shell sleeps).
run_load() {
    kill_session
    tmx -f /dev/null new-session -d -s "$SESSION" -x 220 -y 40 \
        "cd '$TRASH' && TERM=xterm '$UKDB' load $*; echo EXIT=\$?; sleep 60"
}

# The live line: elapsed time, rates, totals, ukeys by state, violations.
LIVE='^ *[0-9]+\.[0-9]s upcalls/s [0-9]+ +installs/s [0-9]+ +repl [0-9]+ +evict [0-9]+ +slowpath [0-9]+ +ukeys C[0-9]+ V[0-9]+ O[0-9]+ I[0-9]+ E[0-9]+/[0-9]+ D[0-9]+ viol [0-9]+'

test_expect_success 'a live line, refreshed every second' '
    run_load --handlers 1 --revalidators 1 --flows 200 --seconds 4 \
        --rate 20000 &&
    wait_for "$LIVE" 150 &&
    screen | grep -E "$LIVE" >first &&
    test $(wc -l <first) = 1 &&
    wait_for "^ *[2-3]\.[0-9]s upcalls/s " 150 &&
    screen | grep -E "$LIVE" >later &&
    test $(wc -l <later) = 1 &&
    ! test_cmp first later >/dev/null &&
    grep -Eq "installs/s [1-9]" first later
'

test_expect_success 'at the end: the live line is gone, the summary is there' '
    wait_for "^EXIT=0" 100 &&
    screen >end &&
    ! grep -q "upcalls/s" end &&
    test_grep "^load: variant upstream, 1 handler, 1 revalidator, 200 flows" end &&
    test_grep "^ukeys  *[0-9]* created, [0-9]* freed, 0 live at exit" end
'

test_expect_success 'Ctrl-C stops it cleanly, with its summary' '
    run_load --handlers 2 --revalidators 1 --flows 500 --seconds 60 &&
    wait_for "$LIVE" 150 &&
    tmx send-keys -t "$SESSION" C-c &&
    wait_for "^EXIT=[0-9]" 100 &&
    screen >end &&
    test_grep "^EXIT=0" end &&
    test_grep "interrupted" end &&
    test_grep "^ukeys  *[0-9]* created, [0-9]* freed, 0 live at exit" end &&
    ! grep -q "upcalls/s" end
'

test_expect_success '--quiet on a tty: no live line' '
    run_load --handlers 1 --revalidators 1 --flows 50 --seconds 2 --quiet &&
    wait_for "^EXIT=0" 100 &&
    ! screen | grep -q "upcalls/s" &&
    screen | grep -q "^ukeys "
'

test_expect_success 'off a tty: no live line' '
    "$UKDB" load --handlers 1 --revalidators 1 --flows 50 --seconds 1.5 \
        >out 2>err &&
    ! grep -q "upcalls/s" err &&
    ! grep -q "$(printf "\r")" err &&
    test_grep "^ukeys " out
'

test_done
