#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Breakpoint management on the model, as in gdb: "ignore N COUNT" lets
# exactly COUNT hits pass (the stop is where COUNT+1 "continue"s without it
# stop, and the passed hits still count), "disable"/"enable" (one, several
# or all), "delete" of several at once, "info breakpoints" showing it all,
# a variant change that replays the session with them, "unwatch", and bad
# numbers (all or nothing, exit 2).  The same commands on a recorded trace are in
# t6000-trace-cursor.sh.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built"
cd "$TRASH" || exit 1

# Two flows installed by one handler batch: two VISIBLE->OPERATIONAL
# transitions, ukey 1's then ukey 2's.
SETUP='handler h0; revalidator r0; flow f1 h0; flow f2 h0; upcall h0 f1; upcall h0 f2'

# stops CMDS: the breakpoint reports and the final "when" of a session.
stops() {
    "$UKDB" -c "$SETUP; $1" >raw 2>&1 || { cat raw; return 1; }
    grep -E '^(Breakpoint|Temporary|Will|step [0-9]|[0-9]+ +(break|tbrk))' raw
}

ukdb_rc() { "$UKDB" -c "$1" >/dev/null 2>err; echo $?; }

test_expect_success 'ignore 1 1: one continue stops where two did' '
    stops "break transition OPERATIONAL; continue; continue; when" >two &&
    stops "break transition OPERATIONAL; ignore 1 1; continue; when" >one &&
    tail -2 two >two.end && tail -1 one >one.when &&
    test_grep "ukey#2 VISIBLE->OPERATIONAL" two.end &&
    test_grep "ukey#2 VISIBLE->OPERATIONAL" one &&
    ! grep -q "ukey#1 VISIBLE->OPERATIONAL" one &&
    test_cmp <(tail -1 two) one.when
'

test_expect_success 'passed hits still count; ignore 0 cancels' '
    stops "break transition OPERATIONAL; ignore 1 1; continue; info breakpoints" >out &&
    test_grep "^Will ignore next 1 hit of breakpoint 1\.$" out &&
    test_grep "^1   break transition OPERATIONAL  (hit 2 times)$" out &&
    stops "break transition OPERATIONAL; ignore 1 5; info breakpoints; ignore 1 0; continue" >out2 &&
    test_grep "(hit 0 times; ignore next 5)$" out2 &&
    test_grep "^Will stop next time breakpoint 1 is hit\.$" out2 &&
    test_grep "ukey#1 VISIBLE->OPERATIONAL" out2
'

test_expect_success 'disable: no stop, no hit; enable: stops again' '
    stops "break transition OPERATIONAL; break event dp_put; disable 1 2; continue; info breakpoints" >off &&
    ! grep -q "^Breakpoint [0-9]*: .*ukey#" off &&
    test_grep "^1   break transition OPERATIONAL  (hit 0 times)  \[disabled\]$" off &&
    test_grep "^2   break event dp_put  (hit 0 times)  \[disabled\]$" off &&
    stops "break transition OPERATIONAL; break event dp_put; disable; enable 1; continue" >on1 &&
    test_grep "^Breakpoint 1: transition ukey#1 VISIBLE->OPERATIONAL" on1 &&
    ! grep -q "^Breakpoint 2: dp_put" on1 &&
    stops "break transition OPERATIONAL; break event dp_put; disable; enable; continue" >on &&
    test_grep "^Breakpoint 2: dp_put" on
'

test_expect_success 'delete several at once, or all' '
    stops "break event lock; break event unlock; break event dp_put; delete 3 1; info breakpoints" >out &&
    test_grep "^2   break event unlock" out &&
    ! grep -qE "^(1|3) " out &&
    "$UKDB" -c "break event lock; break event unlock; delete; info breakpoints" >all &&
    test_grep "^No breakpoints\.$" all &&
    printf "break event lock\nbreak event unlock\ndelete 1 1\ndisable 2 2\ninfo breakpoints\n" |
        "$UKDB" --keep-going >dup 2>err; test $? = 2 &&
    test_grep "delete: .1.: given twice" err &&
    test_grep "disable: .2.: given twice" err &&
    test_grep "^1   break event lock  (hit 0 times)$" dup &&
    test_grep "^2   break event unlock  (hit 0 times)$" dup
'

# The re-run stops where the ignore count says: at ukey 2's transition
# (ukey 2 OPERATIONAL), not at ukey 1's (ukey 2 still VISIBLE).
test_expect_success 'a variant change replays the session with its ignore count' '
    "$UKDB" -c "$SETUP; break transition OPERATIONAL; ignore 1 1; continue; variant v1-replace; show ukeys" >v1 &&
    test_grep "^variant v1-replace: re-ran the session" v1 &&
    test_grep "^#2 .* OPERATIONAL " v1 &&
    "$UKDB" -c "$SETUP; break transition OPERATIONAL; continue; variant v1-replace; show ukeys" >v1.plain &&
    test_grep "^#2 .* VISIBLE " v1.plain
'

test_expect_success 'unwatch N: that watch no longer prints; numbers stay' '
    "$UKDB" -c "$SETUP; watch flow f1; watch flow f2; unwatch 1; run; info watches" >out &&
    test_grep "^Watch 2: flow f2$" out &&
    test_grep "^watch flow f2: ukey#2 VISIBLE -> OPERATIONAL" out &&
    ! grep -q "^watch flow f1:" out &&
    test_grep "^2   flow f2$" out &&
    test "$(ukdb_rc "$SETUP; watch flow f1; watch flow f2; unwatch 1 1")" = 2 &&
    test_grep "unwatch: .1.: given twice" err &&
    "$UKDB" -c "$SETUP; watch flow f1; unwatch; run; info watches" >all &&
    ! grep -q "^watch flow f1:" all &&
    test_grep "^No watches\.$" all
'

test_expect_success 'info breakpoints and watches in JSON' '
    "$UKDB" -c "$SETUP; break transition OPERATIONAL; tbreak event dp_put; ignore 1 1; disable 2; watch flow f2; set output json; info breakpoints; info watches" >out &&
    tail -2 out >json &&
    /usr/bin/python3 -c "
import json, sys
lines = open(sys.argv[1]).read().splitlines()
bps, watches = json.loads(lines[0]), json.loads(lines[1])
assert bps == [
    {\"number\": 1, \"temporary\": False, \"what\": \"transition OPERATIONAL\",
     \"enabled\": True, \"hits\": 0, \"ignore\": 1},
    {\"number\": 2, \"temporary\": True, \"what\": \"event dp_put\",
     \"enabled\": False, \"hits\": 0, \"ignore\": 0}], bps
assert watches == [{\"number\": 1, \"what\": \"flow f2\"}], watches
" json
'

# ukdb_rc CMDS: runs "ukdb -c CMDS" (stderr to err), prints its status.
test_expect_success 'bad numbers: an error, exit 2, nothing changed' '
    test "$(ukdb_rc "break event lock; delete 1 7")" = 2 &&
    test_grep "delete: .7.: no such breakpoint" err &&
    printf "break event lock\ndelete 1 7\ninfo breakpoints\n" |
        "$UKDB" --keep-going >out 2>err; test $? = 2 &&
    test_grep "^1   break event lock" out &&
    test "$(ukdb_rc "break event lock; ignore 2 1")" = 2 &&
    test_grep "ignore: .2.: no such breakpoint" err &&
    test "$(ukdb_rc "break event lock; ignore 1 many")" = 2 &&
    test_grep "ignore: .many." err &&
    test "$(ukdb_rc "enable 1")" = 2 &&
    test_grep "enable: .1.: no such breakpoint" err &&
    test "$(ukdb_rc "break event lock; ignore 1")" = 2 &&
    test_grep "ignore" err &&
    test "$(ukdb_rc "$SETUP; watch flow f1; unwatch 1 2")" = 2 &&
    test_grep "unwatch: .2.: no such watch" err
'

# tbreak's errors said "break:"; a ukey and a flow filter together (a
# ukey has one flow) were taken.  (A flow not declared yet is no error:
# see "names the model lacks" below.)
test_expect_success 'break filters: errors name the command; ukey or flow' '
    test "$(ukdb_rc "$SETUP; tbreak transition DELETED flow")" = 2 &&
    test_grep "^ukdb: error: tbreak: .flow. needs a value" err &&
    test "$(ukdb_rc "$SETUP; tbreak transition NOPE")" = 2 &&
    test_grep "^ukdb: error: tbreak: .NOPE.: no such state" err &&
    test "$(ukdb_rc "$SETUP; break transition DELETED flow f1 ukey 1")" = 2 &&
    test_grep "^ukdb: error: break: give ukey ID or flow NAME, not both" err
'

# "next" did not look for a breakpoint after the step that ended the
# operation: one hit there was not reported, and the next motion stopped
# after its first step with that stale report.
test_expect_success 'next: a breakpoint hit by its last step stops it' '
    "$UKDB" -c "handler h0; handler h1; flow f1 h0; flow f2 h1; upcall h0 f1; upcall h1 f2; break event op_end; next h0; when; step h1 3; when" >out &&
    test_grep "^Breakpoint 1: op_end UPCALL_BATCH" out &&
    test "$(grep -c "^Breakpoint 1: op_end" out)" = 1 &&
    grep "^step [0-9]*," out >when &&
    test_grep "^step 13," when && test_grep "^step 16," when
'

# A step's line comes first, then its events and the watch lines they
# cause (before, a watch line came before the step that caused it); the
# step number is padded to "[999]" so the columns do not shift at [10]
# and [100].  The golden file has the model's source lines as "file.c:N"
# (it broke whenever core/ code moved); the files and functions stay.
test_expect_success 'watch lines follow their step; step columns aligned' '
    "$UKDB" -c "handler h0; flow f1 h0; watch flow f1; upcall h0 f1; step h0 12" >raw &&
    test_grep "(ukey_install__ core/ukey\.c:[0-9][0-9]*)\$" raw &&
    normalize_source_lines <raw >out &&
    test_cmp_expect t0310-watch-steps out &&
    "$UKDB" -c "$SETUP; flow f3 h0; upcall h0 f3; run; round r0; run; round r0; run" >long &&
    grep -E "^\[[0-9]+\]" long >steps &&
    test_grep "^\[9\] " steps && test_grep "^\[10\] " steps &&
    test_grep "^\[100\] " steps &&
    ! cut -c 1-6 steps | grep -v -E "^\[[0-9]+\] +\$" &&
    ! cut -c 7 steps | grep -q " "
'

# "back" rebuilds the model, whose thread starts are replayed, not new:
# before, they hit "break event thread_start" (counted, and the next
# "continue" stopped after one step).
test_expect_success 'events replayed by back hit no breakpoint' '
    "$UKDB" -c "$SETUP; break event thread_start; step; back 1; info breakpoints; continue; info breakpoints" >out 2>&1 &&
    ! grep -q "^Breakpoint 1: thread_start" out &&
    test "$(grep -c "^1   break event thread_start  (hit 0 times)" out)" = 2 &&
    test_grep "^idle after" out
'

# "goto" forward replays the recorded future quietly, as "goto" back
# does: before, a breakpoint it passed counted a hit and stayed pending,
# and the next "run" stopped after one step with that stale report.  So
# for a setup command's event ("break event traffic; traffic f1").
test_expect_success 'goto forward and setup commands leave no pending stop' '
    "$UKDB" -c "$SETUP; run; break event umap_insert; goto 0; goto 10; info breakpoints; run; info breakpoints" >out 2>&1 &&
    test_grep "^1   break event umap_insert  (hit 0 times)" out &&
    grep "^Breakpoint 1: umap_insert" out >stops &&
    echo "Breakpoint 1: umap_insert umap[0] ukey#2" >want &&
    test_cmp want stops &&
    test_grep "^1   break event umap_insert  (hit 1 time)" out &&
    "$UKDB" -c "$SETUP; break event traffic; traffic f1 1; run; info breakpoints" >out2 2>&1 &&
    ! grep -q "^Breakpoint 1: traffic" out2 && test_grep "^idle after 25 steps" out2
'

# The recorded future's commands are applied within the step before them
# (the demo's traffic at step 49): a breakpoint that step hits still
# stops the "continue" there.
test_expect_success 'continue along the recorded future stops at a hit before a command' '
    (cd "$TEST_TOP/examples" && "$UKDB" -c "source demo.ukdb; break event unlock ukey 1 thread revalidator0; back 3; continue; when; choices") >out 2>&1 &&
    test_grep "^Breakpoint 3: unlock ukey#1" out &&
    test_grep "^step 49, " out &&
    test_grep "^  1\. handler0 *begin upcall f1" out
'

# A temporary breakpoint said "Breakpoint N" when it stopped, as a
# permanent one; gdb says "Temporary breakpoint N", and so does ukdb, on
# the model and on a trace.
test_expect_success 'a tbreak stops as "Temporary breakpoint N"' '
    "$UKDB" -c "$SETUP; tbreak event upcall; run; run" >out 2>&1 &&
    test_grep "^Temporary breakpoint 1: upcall " out &&
    ! grep -q "^Breakpoint 1: upcall" out &&
    "$UKDB" "$TEST_TOP/traces/race-v1-replace" -c "tbreak event rcu_free; continue" >out &&
    test_grep "^Temporary breakpoint 1: rcu_free ukey#1\$" out
'

# A watch line said "(rejected)" of a transition the step line calls
# "(REJECTED: not allowed)": one word for the result.  (The watch keeps its
# target as typed, as a breakpoint and gdb's watchpoints do.)
test_expect_success 'watch: a rejected transition in the step line'"'"'s words' '
    "$UKDB" -c "watch ukey 1" -c "source $TEST_TOP/examples/race-v1-replace.ukdb" >out 2>&1 &&
    test_grep "^watch ukey 1: ukey#1 DELETED -> DELETED by revalidator0 at core/ukey.c:[0-9]* (REJECTED: not allowed)\$" out &&
    "$UKDB" "$TEST_TOP/traces/race-v1-replace" -c "watch ukey ukey#1; continue" >out &&
    test_grep "^watch ukey ukey#1: ukey#1 DELETED -> DELETED .* (REJECTED: not allowed)\$" out
'

# Breakpoints and watches set on a trace are the session's: they stayed
# after "close", but a variant change, which runs the session's script
# again, dropped them (only the model's commands were in it).  A flow
# the model declares only later (f1) or a thread only the trace has
# (handler0) leaves its breakpoint or watch pending, as gdb keeps a
# breakpoint whose location is not loaded: the variant change goes on, it
# matches nothing on the model, and the flow'"'"'s once the model declares
# it.
test_expect_success 'breakpoints set on a trace survive close and variant' '
    printf "%s\n" "handler h0" \
        "open $TEST_TOP/traces/race-v1-replace" \
        "break transition VISIBLE flow f1" \
        "break transition OPERATIONAL thread handler0" \
        "tbreak violation if state f1 OPERATIONAL" "watch flow f1" \
        "delete 3" "close" "variant v1-replace" "info breakpoints" \
        "info watches" "flow f1 h0" "upcall h0 f1" "continue" |
        "$UKDB" >out 2>err &&
    ! test -s err &&
    test_grep "^variant v1-replace: re-ran the session" out &&
    test_grep "^1   break transition VISIBLE flow f1  (hit 0 times)  \[pending: names what the model lacks\]\$" out &&
    test_grep "^2   break transition OPERATIONAL thread handler0  (hit 0 times)  \[pending: names what the model lacks\]\$" out &&
    ! grep -q "^3 " out &&
    test_grep "^Breakpoint 1 (transition VISIBLE flow f1) resolved: the model has flow f1\.\$" out &&
    test_grep "^1   flow f1  \[pending: names what the model lacks\]\$" out &&
    test_grep "^Watch 1 (flow f1) resolved: the model has flow f1\.\$" out &&
    test_grep "^watch flow f1: ukey#1 CREATED -> VISIBLE by h0" out &&
    test_grep "^Breakpoint 1: transition ukey#1 CREATED->VISIBLE" out
'

# A tbreak is deleted when it stops.  On the model, a variant change runs
# the motion that hit it again, which deletes it again; but a trace's
# motions are not in the session's script, so a tbreak hit on a trace
# came back after a variant change (and the explorer's scripts set it).
# Now its deletion is in the script as "delete N" would be: it stays
# deleted, and the other breakpoints keep their numbers.
test_expect_success 'a tbreak hit on a trace stays deleted after a variant change' '
    printf "%s\n" "handler h0" "open $TEST_TOP/traces/race-v1-replace" \
        "tbreak event upcall" "break event op_end" \
        "tbreak transition OPERATIONAL" "continue" "close" \
        "variant v1-replace" "info breakpoints" "flow f1 h0" \
        "upcall h0 f1" "run" "info breakpoints" |
        "$UKDB" >out 2>err &&
    ! test -s err &&
    test_grep "^Temporary breakpoint 1: upcall" out &&
    sed -n "/^variant v1-replace: re-ran/,\$p" out >after &&
    ! grep -q "^1 " after && ! grep -q "^Temporary breakpoint 1" after &&
    test_grep "^2   break event op_end  (hit 0 times)\$" after &&
    test_grep "^3   tbrk  transition OPERATIONAL  (hit 0 times)\$" after &&
    test_grep "^Temporary breakpoint 3: transition ukey#1 VISIBLE->OPERATIONAL\$" after &&
    "$UKDB" -c "handler h0; flow f1 h0; tbreak event upcall; upcall h0 f1; run; variant v1-replace; info breakpoints" >model 2>&1 &&
    test_grep "^No breakpoints\.\$" model
'

# A configuration change runs the session'"'"'s script again: the model'"'"'s
# motions count their hits again under the new code, but a trace'"'"'s are
# not in the script.  Before, the hits made on a trace were lost and the
# ignore count it had used up came back whole ("hit 1 time; ignore next
# 99" after "variant" or "datapath", where "open" again kept "hit 10
# times; ignore next 90").  Now what the trace'"'"'s events did stays, as a
# tbreak they hit stays deleted; and the model'"'"'s motions after them run
# again with the ignore count they had.
test_expect_success 'hits and ignore counts made on a trace survive a variant change' '
    printf "%s\n" "handler h0" "revalidator r0" "flow f1 h0" \
        "open $TEST_TOP/traces/race-v1-replace" "break event op_end" \
        "ignore 1 100" "tbreak event upcall" "continue" "continue" \
        "info breakpoints" "close" "upcall h0 f1" "run" "info breakpoints" \
        "open $TEST_TOP/traces/race-v1-replace" "info breakpoints" "close" \
        "variant v1-replace" "info breakpoints" "variant upstream" \
        "info breakpoints" | "$UKDB" >out 2>err &&
    ! test -s err &&
    test_grep "^1   break event op_end  (hit 9 times; ignore next 91)\$" out &&
    test "$(grep -c "^1   break event op_end  (hit 10 times; ignore next 90)\$" out)" = 4 &&
    "$UKDB" "$TEST_TOP/traces/race-v1-replace" -c "break event op_end; ignore 1 5; continue; info breakpoints; close; datapath netdev; info breakpoints; pmd p0; flow f1 p0; upcall p0 f1; run; info breakpoints" >dp 2>err &&
    ! test -s err &&
    test "$(grep -c "^1   break event op_end  (hit 6 times)\$" dp)" = 2 &&
    test_grep "^Breakpoint 1: op_end UPCALL_CB" dp &&
    test_grep "^1   break event op_end  (hit 7 times)\$" dp
'

# A breakpoint holds its thread's id, and ids are per trace and per model:
# the committed trace's handler0 is thread 2, which is h0 in a model that
# declared h0 first.  Before, a breakpoint set on the trace's handler0
# kept id 2 after "close" and stopped at h0's upcall; a variant change
# left it pending for good, even once the model declared handler0; and
# "back" to before a thread's declaration left it on an id the next
# declared thread takes.  Now its thread is found by name again where the
# threads change, and it says so, as gdb of a pending breakpoint.
test_expect_success 'a breakpoint finds its thread again: close, declaration, back' '
    printf "%s\n" "handler h0" "open $TEST_TOP/traces/race-v1-replace" \
        "break event upcall thread handler0" "close" "info breakpoints" \
        "flow f1 h0" "upcall h0 f1" "run" "handler handler0" \
        "info breakpoints" "upcall handler0 f1" "run" "when" \
        "variant v1-replace" "info breakpoints" "upcall handler0 f1" "run" |
        "$UKDB" >out 2>err &&
    ! test -s err &&
    test_grep "^Breakpoint 1 (event upcall thread handler0) pending: the model has no thread handler0\.\$" out &&
    test_grep "^1   break event upcall thread handler0  (hit 0 times)  \[pending: names what the model lacks\]\$" out &&
    test_grep "^Breakpoint 1 (event upcall thread handler0) resolved: the model has thread handler0\.\$" out &&
    test_grep "^1   break event upcall thread handler0  (hit 0 times)\$" out &&
    awk "/^\[[0-9]+\]/ { t = \$2 } /^Breakpoint 1: upcall/ { print t }" out >by &&
    printf "%s\n" handler0 handler0 >want && test_cmp want by &&
    "$UKDB" -c "handler h0; flow f1 h0; upcall h0 f1; step; revalidator r0; break event op_end thread r0; back 1; info breakpoints; handler h1; flow f2 h1; upcall h1 f2; run; info breakpoints" >back 2>&1 &&
    test_grep "^Breakpoint 1 (event op_end thread r0) pending: the model has no thread r0\.\$" back &&
    test_grep "^1   break event op_end thread r0  (hit 0 times)  \[pending: names what the model lacks\]\$" back &&
    ! grep -q "^Breakpoint 1: op_end" back &&
    test "$(grep -c "^1   break event op_end thread r0  (hit 0 times)  \[pending" back)" = 2
'

# Threads and flows are declared by command, often after the breakpoints
# (on top of a script), and a breakpoint set on a trace is in the
# session's script, which the explorer hands back and "ukdb FILE" runs on
# a fresh model.  Before, a thread or flow the model had not declared was
# an error ("no such thread"), and such a script stopped there.  Now, as
# gdb with "set breakpoint pending on": a thread or flow makes the
# breakpoint or watch pending until declared, a condition's names are
# noted; each then works as if declared first.
# Malformed commands are errors as before, at FILE:LINE.
test_expect_success 'names the model lacks yet: pending or noted, then hit' '
    printf "%s\n" "break event upcall thread h1" \
        "tbreak transition OPERATIONAL flow f2" "watch flow f2" \
        "break transition VISIBLE if state f2 VISIBLE" \
        "handler h0" "handler h1" "flow f1 h0" "flow f2 h1" \
        "info breakpoints" "upcall h0 f1" "upcall h1 f2" \
        "continue" "continue" "continue" "info breakpoints" >n.ukdb &&
    "$UKDB" n.ukdb >out 2>err &&
    ! test -s err &&
    test_grep "^Breakpoint 1 (event upcall thread h1) pending: the model has no thread h1\.\$" out &&
    ! grep -q "^Breakpoint 1: event" out &&
    test_grep "^Temporary breakpoint 2 (transition OPERATIONAL flow f2) pending: the model has no flow f2\.\$" out &&
    test_grep "^Temporary breakpoint 2 (transition OPERATIONAL flow f2) resolved: the model has flow f2\.\$" out &&
    test_grep "^Watch 1 (flow f2) pending: the model has no flow f2\.\$" out &&
    test_grep "^Watch 1 (flow f2) resolved: the model has flow f2\.\$" out &&
    test_grep "^Note: the model has no flow f2 yet; the condition looks it up at each hit\.\$" out &&
    test_grep "^Breakpoint 1 (event upcall thread h1) resolved: the model has thread h1\.\$" out &&
    test_grep "^1   break event upcall thread h1  (hit 0 times)\$" out &&
    awk "/^\[[0-9]+\]/ { t = \$2 } /^Breakpoint 1: upcall/ { print t }" out >by &&
    echo h1 >want && test_cmp want by &&
    test_grep "^watch flow f2: ukey#2 CREATED -> VISIBLE by h1" out &&
    test_grep "^Breakpoint 3: transition ukey#2 CREATED->VISIBLE\$" out &&
    test_grep "^Temporary breakpoint 2: transition ukey#2 VISIBLE->OPERATIONAL\$" out &&
    ! sed -n "/^Temporary breakpoint 2: transition ukey/,\$p" out | grep -q "^2 " &&
    "$UKDB" -c "$(sed "s/\$/;/" n.ukdb)" >c.out 2>err &&
    ! test -s err && test_cmp out c.out &&
    "$UKDB" -c "source n.ukdb" <n.ukdb >s.out 2>err &&
    ! test -s err && test_cmp out s.out
'

# On a trace too, a thread it lacks sets the breakpoint pending (before:
# "no such thread in the trace"), resolved where the thread is; so does a
# flow it lacks (before: "no such flow in the trace", as if a trace's
# flows were all there: a live session's come as it runs).
test_expect_success 'on a trace: a thread or flow it lacks is pending' '
    "$UKDB" "$TEST_TOP/traces/race-v1-replace" -c "break event upcall thread handler1; info breakpoints; continue; close; handler handler1; info breakpoints; break event upcall flow f9" >out 2>err;
    test $? = 0 && ! test -s err &&
    test_grep "^Breakpoint 1 (event upcall thread handler1) pending: the trace has no thread handler1\.\$" out &&
    test_grep "^1   break event upcall thread handler1  (hit 0 times)  \[pending: names what the trace lacks\]\$" out &&
    test_grep "^end of the trace" out &&
    test_grep "^Breakpoint 1 (event upcall thread handler1) resolved: the model has thread handler1\.\$" out &&
    test_grep "^1   break event upcall thread handler1  (hit 0 times)\$" out &&
    "$UKDB" "$TEST_TOP/traces/race-v1-replace" -c "break event upcall flow f9 thread handler1; break event upcall flow f1 thread handler9; info breakpoints; continue" >out 2>err &&
    ! test -s err &&
    test_grep "^Breakpoint 1 (event upcall flow f9 thread handler1) pending: the trace has no flow f9 and no thread handler1\.\$" out &&
    test_grep "^Breakpoint 2 (event upcall flow f1 thread handler9) pending: the trace has no thread handler9\.\$" out &&
    test_grep "^1   break event upcall flow f9 thread handler1  (hit 0 times)  \[pending: names what the trace lacks\]\$" out &&
    test_grep "^end of the trace" out
'

if command -v babeltrace2 >/dev/null; then
    # Two traces of another program, whose ufids are its own: the same
    # events, but what is f1 (ufid 0x10) in one is f2 in the other.
    . "$TEST_TOP/tests/helper/audit-scenarios.sh"
    { scn_head; scn_install 1 0x10 3; scn_install 2 0x20 5; } |
        /usr/bin/python3 "$TEST_TOP/tests/helper/ctf-write.py" "$TRASH/fa" &&
    { scn_head | sed "s/0x10 name=f1/0x20 name=f1/; s/0x20 name=f2/0x10 name=f2/";
      scn_install 1 0x10 3; scn_install 2 0x20 5; } |
        /usr/bin/python3 "$TEST_TOP/tests/helper/ctf-write.py" "$TRASH/fb" ||
        { echo "Bail out! ctf-write fa, fb"; exit 1; }

    # A breakpoint held the ufid its flow had where it was set: set on
    # f1 in one trace, it stopped at f2 in the other (at ukey 1, f1 being
    # ukey 2 there), set on the model (f1'"'"'s ufid the hash of its
    # name) it never stopped in either, and after "close" or a variant
    # change it was not pending.  Now the flow is found by name again
    # where the flows change, as a thread is.
    test_expect_success 'a breakpoint finds its flow again in each trace' '
        printf "%s\n" "open fa" "break transition VISIBLE flow f1" \
            "continue" "close" "info breakpoints" "variant v1-replace" \
            "info breakpoints" "open fb" "continue" "close" "handler h0" \
            "flow f1 h0" "info breakpoints" "open fa" "continue" |
            "$UKDB" >out 2>err &&
        ! test -s err &&
        test_grep "^Breakpoint 1 (transition VISIBLE flow f1) pending: the model has no flow f1\.\$" out &&
        test "$(grep -c "^1   break transition VISIBLE flow f1  (hit [01] times\{0,1\})  \[pending: names what the model lacks\]\$" out)" = 2 &&
        test_grep "^Breakpoint 1 (transition VISIBLE flow f1) resolved: the trace has flow f1\.\$" out &&
        test_grep "^Breakpoint 1 (transition VISIBLE flow f1) resolved: the model has flow f1\.\$" out &&
        grep "^Breakpoint 1: transition ukey" out >stops &&
        printf "Breakpoint 1: transition ukey#%s CREATED->VISIBLE\n" 1 2 1 >want &&
        test_cmp want stops &&
        "$UKDB" -c "handler h0; flow f2 h0; break transition VISIBLE flow f2; open fb; continue; open fa; continue" >out 2>err &&
        ! test -s err && ! grep -q "pending\|resolved" out &&
        grep "^Breakpoint 1: transition ukey" out >stops &&
        printf "Breakpoint 1: transition ukey#%s CREATED->VISIBLE\n" 1 2 >want &&
        test_cmp want stops
    '

    # So did a watch: set on f1 in one trace, it printed f2'"'"'s
    # transitions in the other; set on the model, none in either; after
    # "close", none on the model'"'"'s f1 (the trace'"'"'s ufid); and a flow
    # a trace lacked was an error ("no such flow in the trace") where a
    # breakpoint'"'"'s is pending.  Now it goes as a breakpoint: found by
    # name again, pending where there is none, said so, and listed so.
    test_expect_success 'a watch finds its flow again in each trace' '
        printf "%s\n" "open fa" "watch flow f1" "continue" "open fb" \
            "continue" "close" "info watches" "set output json" \
            "info watches" "set output text" "handler h0" "flow f1 h0" \
            "info watches" "upcall h0 f1" "step h0 6" | "$UKDB" >out 2>err &&
        ! test -s err &&
        grep "^watch flow f1: ukey#[0-9]* CREATED" out >lines &&
        printf "watch flow f1: ukey#%s CREATED -> VISIBLE by %s at core/%s.c:%s\n" \
            1 handler0 handler 301 2 handler0 handler 301 1 h0 ukey 209 >want &&
        test_cmp want lines &&
        test_grep "^Watch 1 (flow f1) pending: the model has no flow f1\.\$" out &&
        test_grep "^1   flow f1  \[pending: names what the model lacks\]\$" out &&
        test_grep "^\[{\"number\":1,\"what\":\"flow f1\",\"pending\":true}\]\$" out &&
        test_grep "^Watch 1 (flow f1) resolved: the model has flow f1\.\$" out &&
        test_grep "^1   flow f1\$" out &&
        "$UKDB" -c "handler h0; flow f2 h0; watch flow f2; open fb; continue; open fa; continue" >out 2>err &&
        ! test -s err && ! grep -q "pending\|resolved" out &&
        grep "^watch flow f2: ukey#[0-9]* CREATED" out >lines &&
        printf "watch flow f2: ukey#%s CREATED -> VISIBLE by handler0 at core/handler.c:301\n" 1 2 >want &&
        test_cmp want lines &&
        "$UKDB" fa -c "watch flow f9; watch ukey 2; info watches; continue" >out 2>err &&
        ! test -s err &&
        test_grep "^Watch 1 (flow f9) pending: the trace has no flow f9\.\$" out &&
        test_grep "^1   flow f9  \[pending: names what the trace lacks\]\$" out &&
        test_grep "^Watch 2: ukey 2\$" out &&
        test_grep "^watch ukey 2: ukey#2 CREATED -> VISIBLE" out &&
        ! grep -q "^watch flow f9" out
    '
fi

test_expect_success 'malformed breakpoints are still errors, at FILE:LINE' '
    for c in "break event nope thread h9" "tbreak event upcall thread" \
             "break event upcall thread h9 thread h8" \
             "break transition NOPE flow f9" "watch thread h9" \
             "break event upcall flow f9 if state f9 NOPE" \
             "condition 1 dp f9 here" "expect state f9 VISIBLE"; do
        printf "%s\n" "break event upcall" "$c" "echo not reached" >e.ukdb &&
        "$UKDB" e.ukdb >out 2>err; rc=$? &&
        [ $rc = 2 ] && [ $(wc -l <err) = 1 ] &&
        test_grep "^e\.ukdb:2: error: " err &&
        ! grep -q "not reached" out &&
        ! grep -q "^Note:\|pending" out &&
        test "$(ukdb_rc "break event upcall; $c")" = 2 &&
        test_grep "^ukdb: error: " err || { echo "for: $c"; cat err; return 1; }
    done
'

test_done
