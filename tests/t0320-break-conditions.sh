#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Breakpoint conditions, as in gdb: "condition N [COND]", "break ... if
# COND" and "tbreak ... if COND", COND any condition of "expect".  A
# breakpoint stops only where COND holds after the step that hit it; a
# hit where it is false does not count, nor use up an "ignore" count (gdb
# judges the condition first); a bad COND is a one-line error that
# changes nothing; "info breakpoints" shows "stop only if COND" under the
# breakpoint; conditions survive back, goto and a variant change; on a
# trace they are judged at the cursor, in both directions, and one that
# cannot be judged (events lost) stops with gdb's "Error in testing
# condition for breakpoint N: ...".  Before, none of it existed: "break
# ... if" was an error and every hit stopped.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built"
cd "$TRASH" || exit 1

# Two flows installed by one handler batch: two VISIBLE->OPERATIONAL
# transitions, ukey 1's (step 20) then ukey 2's (step 24).
SETUP='handler h0; revalidator r0; flow f1 h0; flow f2 h0; upcall h0 f1; upcall h0 f2'
# Two handlers: ukey 1 is OPERATIONAL before ukey 2 is created.
SETUP2='handler h0; handler h1; revalidator r0; flow f1 h0; flow f2 h1; upcall h0 f1; upcall h1 f2'

# stops CMDS: the breakpoint reports, "when" and "info breakpoints" lines.
stops() {
    "$UKDB" -c "$SETUP; $1" >raw 2>&1 || { cat raw; return 1; }
    grep -E '^(Breakpoint|Temporary|Will|No breakpoints|idle|step [0-9]|[0-9]+ +(break|tbrk)|    stop only)' raw
}

# ukdb_rc CMDS: runs "ukdb -c CMDS" (stdout to out, stderr to err),
# prints its status.
ukdb_rc() { "$UKDB" -c "$1" >out 2>err; echo $?; }

test_expect_success 'break ... if COND: stops only where COND holds' '
    stops "break transition OPERATIONAL; continue; when" >plain &&
    test_grep "ukey#1 VISIBLE->OPERATIONAL" plain &&
    stops "break transition OPERATIONAL if state f2 OPERATIONAL; continue; when; info breakpoints" >out &&
    test_grep "^Breakpoint 1: transition OPERATIONAL$" out &&
    ! grep -q "ukey#1 VISIBLE->OPERATIONAL" out &&
    test_grep "^Breakpoint 1: transition ukey#2 VISIBLE->OPERATIONAL" out &&
    test_grep "^step 24, " out &&
    test_grep "^1   break transition OPERATIONAL  (hit 1 time)$" out &&
    test_grep "^    stop only if state f2 OPERATIONAL$" out
'

# "next h0" takes ukey 1 to OPERATIONAL with one live ukey: no stop;
# "continue" then stops at ukey 2's, with two.
test_expect_success 'a stat condition, through next and continue' '
    "$UKDB" -c "$SETUP2; break transition OPERATIONAL if stat live_ukeys >= 2; next h0; show ukeys; continue; when" >out 2>err &&
    test_grep "^#1 .* OPERATIONAL " out &&
    ! grep -q "^Breakpoint 1: transition ukey#1" out &&
    test_grep "^Breakpoint 1: transition ukey#2 VISIBLE->OPERATIONAL" out &&
    test "$(grep -c "^Breakpoint 1: transition ukey" out)" = 1
'

test_expect_success 'condition N COND, and condition N removes it' '
    stops "break transition OPERATIONAL; condition 1 state f2 OPERATIONAL; continue" >set &&
    test_grep "^Breakpoint 1: transition ukey#2 VISIBLE->OPERATIONAL" set &&
    ! grep -q "ukey#1 VISIBLE->OPERATIONAL" set &&
    stops "break transition OPERATIONAL if state f2 OPERATIONAL; condition 1; continue; info breakpoints" >off &&
    test_grep "^Breakpoint 1 now unconditional\.$" off &&
    test_grep "^Breakpoint 1: transition ukey#1 VISIBLE->OPERATIONAL" off &&
    ! grep -q "stop only if" off &&
    stops "break transition OPERATIONAL; condition 1 stat steps > 100; condition 1 stat steps > 22; continue" >again &&
    test_grep "^Breakpoint 1: transition ukey#2 VISIBLE->OPERATIONAL" again
'

# The first hit (ukey 1) is false: it neither counts nor uses the ignore
# count, which the second (true) hit uses: no stop at all.  Had the false
# hit used it, the run would stop at ukey 2.
test_expect_success 'ignore counts only the hits where the condition holds' '
    stops "break transition OPERATIONAL if state f2 OPERATIONAL; ignore 1 1; continue; info breakpoints" >out &&
    ! grep -q "^Breakpoint 1: transition ukey" out &&
    test_grep "^idle after 25 steps" out &&
    test_grep "^1   break transition OPERATIONAL  (hit 1 time)$" out &&
    stops "break transition OPERATIONAL if stat steps > 0; ignore 1 1; continue; info breakpoints" >true &&
    test_grep "^Breakpoint 1: transition ukey#2 VISIBLE->OPERATIONAL" true &&
    test_grep "^1   break transition OPERATIONAL  (hit 2 times)$" true
'

test_expect_success 'tbreak ... if: deleted only when it stops' '
    stops "tbreak transition OPERATIONAL if state f2 OPERATIONAL; step 22; info breakpoints; continue; info breakpoints" >out &&
    test_grep "^Temporary breakpoint 1: transition OPERATIONAL$" out &&
    test_grep "^1   tbrk  transition OPERATIONAL  (hit 0 times)$" out &&
    test_grep "^Temporary breakpoint 1: transition ukey#2 VISIBLE->OPERATIONAL" out &&
    test_grep "^No breakpoints\.$" out
'

test_expect_success 'conditions survive back, goto, step N, run, a variant change' '
    stops "break transition OPERATIONAL if state f2 OPERATIONAL; continue; back 10; continue; when; goto 0; step 30; when; goto 0; run; when" >out &&
    test "$(grep -c "^Breakpoint 1: transition ukey#2 VISIBLE->OPERATIONAL" out)" = 4 &&
    test "$(grep -c "^step 24, " out)" = 3 &&
    ! grep -q "ukey#1 VISIBLE->OPERATIONAL" out &&
    "$UKDB" -c "$SETUP; break transition OPERATIONAL if state f2 OPERATIONAL; continue; variant v1-replace; show ukeys; info breakpoints" >v1 &&
    test_grep "^variant v1-replace: re-ran the session" v1 &&
    test_grep "^#2 .* OPERATIONAL " v1 &&
    test_grep "^    stop only if state f2 OPERATIONAL$" v1
'

test_expect_success 'info breakpoints in JSON: "condition" when there is one' '
    "$UKDB" -c "$SETUP; break transition OPERATIONAL if stat live_ukeys > 1; break event dp_put; set output json; info breakpoints" >out &&
    tail -1 out >json &&
    /usr/bin/python3 -c "
import json, sys
bps = json.load(open(sys.argv[1]))
assert bps[0][\"condition\"] == \"stat live_ukeys > 1\", bps
assert bps[0][\"what\"] == \"transition OPERATIONAL\", bps
assert \"condition\" not in bps[1], bps
" json
'

# Each bad condition: one line, exit 2, the script stops there, and the
# breakpoint is as it was (its condition kept, or no breakpoint made).
echo "$SETUP" | sed 's/; /\n/g' >setup.ukdb

test_expect_success 'a bad condition: FILE:LINE: error, exit 2, nothing changed' '
    for c in "condition 1 stat nosuch > 1" "condition 1 state f1 NOPE" \
             "condition 1 state 0 EVICTED" "condition 1 stat steps >> 1" \
             "condition 1 stat steps > many" "condition 1 bogus" \
             "condition 1 dp f1 here" "condition 1 runnable" \
             "condition 1 violation nosuch-kind" "condition 1 no-violation x" \
             "condition 9 stat steps > 1" "condition x"; do
        { cat setup.ukdb; printf "%s\n" "break transition OPERATIONAL if stat steps > 22" \
            "$c" "echo not reached"; } >x.ukdb &&
        "$UKDB" x.ukdb >out 2>err; rc=$? &&
        [ $rc = 2 ] && test_grep "^x\.ukdb:8: error: condition: " err &&
        [ $(wc -l <err) = 1 ] && ! grep -q "not reached" out &&
        { cat setup.ukdb; printf "%s\n" "break transition OPERATIONAL if stat steps > 22" \
            "$c" "info breakpoints"; } >k.ukdb &&
        "$UKDB" --keep-going k.ukdb >out 2>err;
        [ $? = 2 ] && test_grep "^    stop only if stat steps > 22$" out ||
        { echo "for: $c"; cat err; exit 1; }
    done
'

test_expect_success 'break/tbreak ... if a bad condition: no breakpoint' '
    for c in "break transition OPERATIONAL if" \
             "break transition OPERATIONAL if stat nosuch == 1" \
             "tbreak violation if state f1 NOPE" \
             "break event dp_put flow f1 if dp f9 here"; do
        test "$(ukdb_rc "$SETUP; $c")" = 2 &&
        test_grep "^ukdb: error: t\{0,1\}break: " err && [ $(wc -l <err) = 1 ] &&
        "$UKDB" --keep-going -c "$SETUP; $c; info breakpoints" >out 2>/dev/null;
        test_grep "^No breakpoints\.$" out || { echo "for: $c"; exit 1; }
    done &&
    test "$(ukdb_rc "$SETUP; break transition OPERATIONAL if")" = 2 &&
    test_grep "if. needs a condition" err
'

# A condition may name a flow or thread declared after it (on top of a
# script, or set on a trace and run again on a fresh model): a note, not
# an error, and it is judged at each hit, an error there while the model
# still lacks it.  Before, "no such flow" (or thread) when set.
test_expect_success 'a condition names a flow or thread declared later' '
    "$UKDB" -c "break transition OPERATIONAL if state f2 OPERATIONAL; $SETUP; continue; when; condition 1 runnable h9; goto 0; continue; echo not reached" >out 2>err;
    test $? = 2 &&
    test_grep "^Note: the model has no flow f2 yet; the condition looks it up at each hit\.\$" out &&
    test_grep "^Breakpoint 1: transition ukey#2 VISIBLE->OPERATIONAL\$" out &&
    ! grep -q "^Breakpoint 1: transition ukey#1" <(sed -n "1,/^step 24,/p" out) &&
    test_grep "^Note: the model has no thread h9 yet; the condition looks it up at each hit\.\$" out &&
    test_grep "^ukdb: error: Error in testing condition for breakpoint 1: .h9.: no such thread\$" err &&
    [ $(wc -l <err) = 1 ] && ! grep -q "not reached" out
'

# A breakpoint is read as typed: its filters, then the condition after
# "if".  Before, the condition was parsed first: its notes came before the
# flow filter'"'"'s ("Note: the model has no flow f3 yet; the condition
# ...", then f2'"'"'s), and its error before that of a bad word ahead of it.
test_expect_success 'notes and errors in the order of the command line' '
    "$UKDB" -c "break transition VISIBLE flow f2 if state f3 VISIBLE" >out 2>err &&
    ! test -s err &&
    printf "%s\n" "Breakpoint 1 (transition VISIBLE flow f2) pending: the model has no flow f2." \
        "Note: the model has no flow f3 yet; the condition looks it up at each hit." >want &&
    test_cmp want out &&
    test "$(ukdb_rc "$SETUP; break transition NOPE flow f1 if dp f1 here")" = 2 &&
    test_grep "^ukdb: error: break: .NOPE.: no such state" err &&
    test "$(ukdb_rc "$SETUP; break transition VISIBLE flow f1 thread if dp f1 here")" = 2 &&
    test_grep "^ukdb: error: break: .thread. needs a value" err
'

test_expect_success 'help condition; help break mentions if' '
    "$UKDB" -c "help condition" >out &&
    test_grep "^usage: condition N \[COND\]$" out &&
    test_grep "expect" out &&
    "$UKDB" -c "help break; help tbreak" >out &&
    test_grep "^usage: break transition|violation|event \.\.\. \[if COND\]$" out &&
    test_grep "^usage: tbreak .*\[if COND\]$" out
'

if command -v babeltrace2 >/dev/null; then
    V1=$TEST_TOP/traces/race-v1-replace

    # ukey 2 is created at event 79 (CREATED->VISIBLE at 80): the
    # condition holds at ukey 2's transition, not at ukey 1's (event 6).
    test_expect_success 'on a trace: continue and reverse-continue judge at the cursor' '
        "$UKDB" "$V1" -c "break transition VISIBLE if stat created == 2; continue; when; goto end; reverse-continue; when; reverse-continue; when; info breakpoints" >out 2>err &&
        test "$(grep -c "^Breakpoint 1: transition ukey#2 CREATED->VISIBLE" out)" = 2 &&
        ! grep -q "ukey#1 CREATED->VISIBLE" out &&
        test "$(grep -c "^event 80 of 107" out)" = 2 &&
        test_grep "^beginning of the trace (event 0)$" out &&
        test_grep "^1   break transition VISIBLE  (hit 2 times)$" out &&
        test_grep "^    stop only if stat created == 2$" out &&
        "$UKDB" "$V1" -c "break transition VISIBLE; condition 1 state 1 DELETED; continue; condition 1; goto 0; continue" >out2 2>err &&
        test_grep "^Breakpoint 1: transition ukey#2 CREATED->VISIBLE" out2 &&
        test_grep "^Breakpoint 1 now unconditional\.$" out2 &&
        test_grep "^Breakpoint 1: transition ukey#1 CREATED->VISIBLE" out2
    '

    # A flow a condition names that the trace lacks was an error when set
    # ("break: '"'"'f9'"'"': no such flow in the trace"), where one a filter
    # names is pending: the same breakpoint was set on the model and
    # refused on a trace, and one on a flow a live session has not
    # declared yet could not be set at all.  Now it is noted and looked up
    # at each hit, as on the model; still missing there, the hit is an
    # error.  What is malformed or cannot be judged on a trace
    # ("runnable") is still an error when set; "expect", judged at once,
    # names the trace.
    test_expect_success 'on a trace: a bad condition is an error, a missing flow noted' '
        "$UKDB" "$V1" -c "break transition VISIBLE if dp f9 present; break transition OPERATIONAL; condition 2 state nope VISIBLE; info breakpoints" >out 2>err &&
        ! test -s err &&
        sed 1,2d out >got &&
        printf "%s\n" "Breakpoint 1: transition VISIBLE" \
            "Note: the trace has no flow f9 yet; the condition looks it up at each hit." \
            "Breakpoint 2: transition OPERATIONAL" \
            "Note: the trace has no flow nope yet; the condition looks it up at each hit." \
            "1   break transition VISIBLE  (hit 0 times)" \
            "    stop only if dp f9 present" \
            "2   break transition OPERATIONAL  (hit 0 times)" \
            "    stop only if state nope VISIBLE" >want &&
        test_cmp want got &&
        { printf "%s\n" "break transition VISIBLE if dp f9 present" \
              "continue" "echo not reached" | "$UKDB" "$V1" >out 2>err
          test $? = 2; } &&
        ! grep -q "not reached" out &&
        test_grep "^<stdin>:2: error: Error in testing condition for breakpoint 1: .f9.: no such flow in the trace\$" err &&
        test_grep "^Breakpoint 1: transition ukey#1 CREATED->VISIBLE" out &&
        test "$(ukdb_rc "open $V1; break transition VISIBLE; condition 1 state f1 NOPE")" = 2 &&
        test_grep "condition: .NOPE.: no such state" err &&
        test "$(ukdb_rc "open $V1; expect dp f9 present")" = 2 &&
        test_grep "expect: .f9.: no such flow in the trace" err &&
        test "$(ukdb_rc "open $V1; break transition VISIBLE if runnable handler0")" = 2 &&
        test_grep "break runnable: not available on a trace" err
    '

    # An upcall, events of an unknown number lost, then a ukey created.
    . "$TEST_TOP/tests/helper/audit-scenarios.sh"
    scn_lost_then_create |
        /usr/bin/python3 "$TEST_TOP/tests/helper/ctf-write.py" "$TRASH/lost" ||
        { echo "Bail out! ctf-write lost"; exit 1; }

    # gdb stops where it cannot evaluate a condition; here whatever the
    # ignore count, and the motion fails (the script stops, exit 2).
    test_expect_success 'a condition that cannot be judged: gdb'"'"'s error, stop, exit 2' '
        printf "%s\n" "break transition VISIBLE if state f1 VISIBLE" "ignore 1 5" \
            "continue" "echo not reached" | "$UKDB" "$TRASH/lost" >out 2>err; rc=$? &&
        [ $rc = 2 ] &&
        test_grep "^<stdin>:3: error: Error in testing condition for breakpoint 1: cannot tell the state of f1: events were lost before event 4$" err &&
        [ $(wc -l <err) = 1 ] &&
        test_grep "^Breakpoint 1: transition ukey#1 CREATED->VISIBLE" out &&
        ! grep -q "not reached" out
    '

    # A breakpoint set on the model keeps its condition on a trace, where
    # "runnable" cannot be judged.
    test_expect_success 'a model condition on a trace: the error at the hit' '
        test "$(ukdb_rc "handler handler0; break transition VISIBLE if runnable handler0; open $V1; continue")" = 2 &&
        test_grep "^ukdb: error: Error in testing condition for breakpoint 1: runnable: not available on a trace" err &&
        test_grep "^Breakpoint 1: transition ukey#1 CREATED->VISIBLE" out
    '

    # On the model, where the trace's f1 is no flow: the motion fails
    # (exit 2) but its steps stand, and stay in the session's script.  The
    # breakpoint is in it too (set on the trace): a variant change runs
    # it again, and the motion stops where it stopped, with the same
    # error, kept quiet; the change goes on.
    test_expect_success 'a trace condition on the model: the error, the steps stand' '
        "$UKDB" --keep-going -c "open $V1; break transition VISIBLE if state f1 VISIBLE; close; handler h0; flow f2 h0; upcall h0 f2; continue; when; variant v1-replace; when; info breakpoints" >out 2>err;
        test $? = 2 &&
        test_grep "^ukdb: error: Error in testing condition for breakpoint 1: .f1.: no such ukey or flow$" err &&
        [ $(wc -l <err) = 1 ] &&
        test_grep "^Breakpoint 1: transition ukey#1 CREATED->VISIBLE" out &&
        test_grep "^step 6, .*, variant upstream" out &&
        test_grep "re-ran the session.s 5 commands" out &&
        test_grep "^step 6, .*, variant v1-replace" out &&
        test_grep "^    stop only if state f1 VISIBLE" out
    '
fi

test_done
