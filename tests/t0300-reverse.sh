#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Reverse stepping is exact: "goto N" and "back K" land on exactly the state
# that stepping forward to step N gives (full "show" outputs compared), at
# several points of the 2016 race; "back" then "step"/"continue" follows
# the recorded future back to the same end state; and "variant upstream"
# mid-session replays the same interleaving, where the double delete is
# gone.
#
# The forward path is built from the race script itself: run once with
# --echo, its motion commands (next, continue, run, step) are rewritten as
# one "step THREAD" per step taken, in order, with the model-changing
# commands (upcall, expire, round, traffic, ...) where they were issued.
# Cutting that script before step N+1 steps forward to N without any
# replay.  (A step number N is the state after step N and after the
# commands issued at the prompt "step N", as "goto" restores them.)
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built"
cd "$TRASH" || exit 1

# The 2016 race (tests/scripts/race.ukdb sources race-mid.ukdb).
cp "$TEST_TOP/tests/scripts/race.ukdb" "$TEST_TOP/tests/scripts/race-mid.ukdb" .

SHOW="show ukeys; show threads; show dp; show stats; show rcu; show umaps; show violations; show locks; when"

# state CMDS: the full state after CMDS (ukdb -c), cut at a marker line.
state() {
    timeout 120 "$UKDB" -c "$1; echo @@@@; $SHOW" >raw 2>&1 ||
        { echo "ukdb failed: $1"; tail raw; return 1; }
    sed -n '/^@@@@$/,$p' raw
}

# The step-exact script: every step as "step THREAD".
timeout 120 "$UKDB" --echo race.ukdb >echo.out 2>&1 ||
    { echo "Bail out! race.ukdb failed"; exit 1; }
sed -nE -e 's/^\(ukdb\) ((variant|handler|revalidator|pmd|flow|upcall|expire|modify|round|dump|sweep|traffic|purge|dp|datapath|umaps) .*)$/\1/p' \
        -e 's/^\[[0-9]+\] +([a-zA-Z0-9_.-]+) .*/step \1/p' echo.out >exact.ukdb
N_STEPS=$(grep -c '^step ' exact.ukdb)

# forward N: the step-exact script up to step N and the commands after it.
forward() {
    awk -v n="$1" '/^step / { if (++k > n) exit } { print }' exact.ukdb
}

test_expect_success 'the race takes its steps in one numbered sequence' '
    test "$N_STEPS" -ge 50 &&
    grep -oE "^\[[0-9]+\]" echo.out | tr -d "[]" >numbers &&
    seq 1 "$N_STEPS" >expect && test_cmp expect numbers &&
    test_grep "VIOLATION double-delete" echo.out
'

test_expect_success 'the step-exact script reproduces the race' '
    timeout 120 "$UKDB" -c "source exact.ukdb; expect violation double-delete; when" >out 2>&1 &&
    test_grep "^step $N_STEPS," out
'

test_expect_success 'the full script and the step-exact script end in one state' '
    state "source race.ukdb" >a && state "source exact.ukdb" >b &&
    test_cmp a b
'

# Points: the start, inside the install, the EVICTED transition, the gap
# in the sweep (with the traffic queued), the replacement, the second
# delete, the double free, the end.
POINTS="0 1 5 10 11 22 32 33 40 47 48 50 $((N_STEPS - 1)) $N_STEPS"

for n in $POINTS; do
    test_expect_success "goto $n = stepping forward to $n" '
        forward '"$n"' >fwd.ukdb &&
        state "source fwd.ukdb" >forward.out &&
        test_grep "^step '"$n"'," forward.out &&
        state "source race.ukdb; goto '"$n"'" >goto.out &&
        test_cmp forward.out goto.out
    '
    test_expect_success "back $((N_STEPS - n)) from the end = stepping forward to $n" '
        forward '"$n"' >fwd.ukdb &&
        state "source fwd.ukdb" >forward.out &&
        if [ '"$n"' -eq '"$N_STEPS"' ]; then back=""; else back="back '"$((N_STEPS - n))"'"; fi &&
        state "source race.ukdb; $back" >back.out &&
        test_cmp forward.out back.out
    '
done

test_expect_success 'goto forward after goto back: the recorded future' '
    state "source race.ukdb" >end.out &&
    state "source race.ukdb; goto 5; goto 40; goto $N_STEPS" >again.out &&
    test_cmp end.out again.out &&
    forward 40 >fwd.ukdb && state "source fwd.ukdb" >forward.out &&
    state "source race.ukdb; goto 3; goto 40" >goto.out &&
    test_cmp forward.out goto.out
'

# The steps after which the race issues a command (the traffic that
# comes back in the sweep's gap): "goto" forward and an explicit "step
# THREAD" must land after it too.  Before, they stopped before it, and the
# handler's upcall was lost from the recorded future.
CMD_POINTS=$(awk '/^step / { k++; next } { if (k) print k }' exact.ukdb | sort -nu)

test_expect_success 'the race issues a command between two steps' '
    test -n "$CMD_POINTS"
'

for n in $CMD_POINTS; do
    test_expect_success "goto forward to $n applies the commands issued at step $n" '
        forward '"$n"' >fwd.ukdb &&
        state "source fwd.ukdb" >forward.out &&
        state "source race.ukdb; goto 0; goto '"$n"'" >goto.out &&
        test_cmp forward.out goto.out
    '
    test_expect_success "back over step $n, then step THREAD: the commands at $n too" '
        forward '"$n"' >fwd.ukdb &&
        state "source fwd.ukdb" >forward.out &&
        thread=$(grep "^step " fwd.ukdb | tail -1 | cut -d" " -f2) &&
        state "source race.ukdb; goto '"$n"'; back; step $thread" >step.out &&
        test_cmp forward.out step.out
    '
done

test_expect_success 'back then step follows the recorded future' '
    state "source race.ukdb" >end.out &&
    state "source race.ukdb; back 10$(for i in $(seq 10); do printf "; step"; done)" >b1.out &&
    test_cmp end.out b1.out &&
    state "source race.ukdb; back; step" >b2.out &&
    test_cmp end.out b2.out
'

test_expect_success 'back across a command, then continue: the same end state' '
    state "source race.ukdb" >end.out &&
    state "source race.ukdb; back $((N_STEPS - 20)); continue" >b.out &&
    test_cmp end.out b.out &&
    state "source race.ukdb; goto 0; continue" >c.out &&
    test_cmp end.out c.out
'

test_expect_success 'back one step at a time, then forward one at a time' '
    state "source race.ukdb" >end.out &&
    cmds="source race.ukdb" &&
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do cmds="$cmds; back"; done &&
    for i in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do cmds="$cmds; step"; done &&
    state "$cmds" >b.out && test_cmp end.out b.out
'

test_expect_success 'back beyond the start is an error and changes nothing' '
    timeout 60 "$UKDB" -c "source race.ukdb; back $((N_STEPS + 1))" >out 2>err;
    test $? -eq 2 && test_grep "back: '\''$((N_STEPS + 1))'\'': " err
'

# Replaying the history rebuilds the model and prints nothing: before,
# "back", "goto", "last" and "variant" ran "dp show" and "rcu" again
# (twice under "variant": its rescript, then the "back" in it), and a
# watch printed again and turned the rescript's quiet off.
test_expect_success 'back, goto, last and variant print nothing of what they replay' '
    timeout 60 "$UKDB" -c "handler h0; flow f1 h0; upcall h0 f1; dp show; rcu; step h0 6; back 1; goto 3; goto 6; last flow f1; variant v1-replace; back 1; variant upstream" >out 2>err &&
    test ! -s err &&
    test "$(grep -c "^The datapath has no flows\.\$" out)" -eq 1 &&
    test "$(grep -c "postponed frees" out)" -eq 1 &&
    test "$(grep -c "^\[6\] " out)" -eq 1
'

test_expect_success 'a watch prints a transition once, not again when it is replayed' '
    timeout 60 "$UKDB" -c "handler h0; flow f1 h0; watch flow f1; upcall h0 f1; step h0 6; back 1; goto 0; goto 6; variant v1-replace; step h0" >out 2>err &&
    test ! -s err &&
    test "$(grep -c "^watch flow f1: ukey#1 CREATED -> VISIBLE" out)" -eq 1 &&
    test "$(grep -c "^\[6\] " out)" -eq 1 &&
    test_grep "^\[7\] *h0 " out
'

# Before, a plain "back" printed its missing argument: "'(null)'".
test_expect_success 'back without N at step 0 names the 1 it means' '
    timeout 60 "$UKDB" -c "back" >out 2>err;
    test $? -eq 2 &&
    echo "ukdb: error: back: '\''1'\'': only 0 steps taken; try \"help back\"" >expect &&
    test_cmp expect err && test ! -s out
'

test_expect_success 'variant upstream at the end: the same interleaving, no double delete' '
    timeout 60 "$UKDB" -c "source race.ukdb; variant upstream; show violations; when" >out 2>&1 &&
    test_grep "^variant upstream: re-ran " out &&
    test_grep "^No violations\.\$" out &&
    test_grep "variant upstream\$" out
'

test_expect_success 'variant upstream mid-race, then the race goes on: clean' '
    timeout 60 "$UKDB" -c "source race.ukdb; goto 32; variant upstream; continue; expect no-violation; expect state f1 OPERATIONAL; expect stat upcall_ukey_replace == 1; show violations" >out 2>&1 &&
    test_grep "^No violations\.\$" out
'

test_expect_success 'variant upstream keeps the interleaving: the replace happens in the gap' '
    state "source race.ukdb; variant upstream; echo @@@@; history 1" >/dev/null &&
    sed -n "/^@@@@\$/,/^@@@@\$/p" raw >out &&
    test_grep "umap_replace umap\[[0-9]*\] ukey#1 -> ukey#2" out &&
    test_grep "transition ukey#1 EVICTED->DELETED" out &&
    ! grep -E "DELETED->DELETED|violation" out
'

test_expect_success 'switching back to v1-replace brings the double delete back' '
    state "source race.ukdb" >end.out &&
    state "source race.ukdb; variant upstream; variant v1-replace" >again.out &&
    test_cmp end.out again.out
'

# A configuration change runs the session again under it, all or nothing.
# Before, "datapath netdev" under a handler printed two errors and left
# an empty session (no threads, flows, steps), which "datapath kernel"
# did not bring back.
test_expect_success 'datapath netdev under a handler: refused in one line, the session kept' '
    cmds="handler h0; flow f1 h0; upcall h0 f1; step h0 3; break event umap_insert; watch flow f1" &&
    timeout 60 "$UKDB" -c "$cmds; echo @@@@; $SHOW; info breakpoints; info watches" >before 2>&1 &&
    timeout 60 "$UKDB" --keep-going -c "$cmds; datapath netdev; echo @@@@; $SHOW; info breakpoints; info watches" >after 2>err;
    test $? -eq 2 &&
    echo "ukdb: error: datapath netdev: refused: the session'\''s command 1 (\"handler h0\") fails under it (handler: a handler needs \"datapath kernel\"); the session is unchanged" >expect &&
    test_cmp expect err && test_cmp before after &&
    timeout 60 "$UKDB" --keep-going -c "$cmds; datapath netdev; step h0; expect state f1 VISIBLE; show config" >out 2>err;
    test $? -eq 2 && test_grep "^Breakpoint 1: event umap_insert" out &&
    test_grep "kernel" out
'

test_expect_success 'a variant the session cannot run under: refused, the session kept' '
    state "source race.ukdb; dp del f1" >before.out &&
    timeout 60 "$UKDB" --keep-going -c "source race.ukdb; dp del f1; variant pre-replace; echo @@@@; $SHOW" >raw 2>err;
    test $? -eq 2 && sed -n "/^@@@@\$/,\$p" raw >after.out &&
    test_cmp before.out after.out &&
    test $(wc -l <err) -eq 1 &&
    test_grep "^ukdb: error: variant pre-replace: refused: the session.s command [0-9]* (\"dp del f1\") fails under it (dp: .f1.: no datapath flow); the session is unchanged\$" err
'

# --events FILE is the event log of the session's current history: at
# exit, what a fresh run of that history writes.  Before, "back" left the
# undone steps' events in it and added the rebuilt model's thread starts
# (seq 1...11, then 1, 2, 10).
test_expect_success '--events after back, goto, last: a fresh run of the history' '
    "$UKDB" --events back.ev -c "handler h0; flow f1 h0; upcall h0 f1; step h0 5; back 2; step h0 1" >/dev/null &&
    "$UKDB" --events fresh.ev -c "handler h0; flow f1 h0; upcall h0 f1; step h0 4" >/dev/null &&
    test_cmp fresh.ev back.ev &&
    "$UKDB" --events back.ev -c "source race.ukdb; back 20; goto 10; last ukey 1; continue" >/dev/null &&
    "$UKDB" --events fresh.ev race.ukdb >/dev/null &&
    test_cmp fresh.ev back.ev
'

test_expect_success '--events after a variant change: the new run only; a refused one: as it was' '
    "$UKDB" --events v.ev -c "handler h0; flow f1 h0; upcall h0 f1; step h0 3; variant v1-replace; step h0 2" >/dev/null &&
    "$UKDB" --events fresh.ev -c "variant v1-replace; handler h0; flow f1 h0; upcall h0 f1; step h0 5" >/dev/null &&
    test_cmp fresh.ev v.ev &&
    { "$UKDB" --keep-going --events r.ev -c "handler h0; flow f1 h0; upcall h0 f1; step h0 3; datapath netdev" >/dev/null 2>&1; test $? -eq 2; } &&
    "$UKDB" --events fresh.ev -c "handler h0; flow f1 h0; upcall h0 f1; step h0 3" >/dev/null &&
    test_cmp fresh.ev r.ev
'

test_expect_success 'last ukey 1 goes back to just before its last transition' '
    timeout 60 "$UKDB" -c "source race.ukdb; last ukey 1; show ukey 1" >out 2>&1 &&
    test_grep "state        DELETED" out
'

# Selecting what is already selected re-ran the whole session (a
# "datapath kernel" on the kernel datapath): now a no-op, said in a line.
test_expect_success 'datapath, variant, umaps, set unchanged: no re-run, one line' '
    timeout 60 "$UKDB" -c "datapath kernel; variant upstream; handler h0; flow f1 h0; upcall h0 f1; step h0 3; back 1; datapath kernel; variant upstream; umaps 4; set dump-batch 50; goto 3; when" >out 2>err &&
    test ! -s err &&
    sed -n "/^datapath kernel: /,\$p" out >tail &&
    cat >want <<-\EOF &&
	datapath kernel: already selected
	variant upstream: already selected
	umaps 4: already set
	set dump-batch 50: already set
	EOF
    head -4 tail >got && test_cmp want got &&
    test "$(grep -c already out)" = 4 &&
    test_grep "^step 3," out
'

test_done
