#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Scripted sessions under valgrind's memcheck leak nothing and make no
# memory error: every example script, a session that goes back and forth
# (back, goto, last, variant switches: each rebuilds the model and destroys
# coroutines suspended in the middle of an operation), one that ends in the
# middle of a round, a trace-mode session (cursor, JSON, reproduce, close and
# re-open), and sessions full of errors.  Only definite and
# indirect leaks count: liblttng-ust's threads leave "possibly lost" TLS;
# tests/valgrind.supp names the one block LTTng-UST itself loses.
#
# The model's coroutines run on heap stacks; memcheck follows the switches
# without complaint here (checked: no "client switching stacks" warning),
# so no VALGRIND_STACK_REGISTER is needed.
. "$(dirname "$0")/lib.sh"

command -v valgrind >/dev/null || skip_all "valgrind is not installed"
[ -x "$UKDB" ] || skip_all "$UKDB not built"
cd "$TRASH" || exit 1

# vg WANT_EXIT ARGS...: runs ukdb under memcheck; fails on a memcheck
# error (exit 99), an unexpected exit code, or any report.
vg() {
    local want=$1 rc
    shift
    timeout 300 valgrind --quiet --leak-check=full --keep-debuginfo=yes \
        --suppressions="$TEST_TOP/tests/valgrind.supp" \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
        --log-file=vg.log "$UKDB" "$@" >out 2>err
    rc=$?
    if [ $rc -ne "$want" ] || grep -Eq "definitely lost|indirectly lost|Invalid|uninitialised|switching stacks|Mismatched" vg.log; then
        echo "exit $rc (wanted $want)"; cat vg.log; tail -5 err
        return 1
    fi
}

for ex in "$TEST_TOP"/examples/*.ukdb; do
    name=${ex##*/}
    case $name in
    demo.ukdb) continue ;;      # Interactive tour.
    esac
    test_expect_success "valgrind: examples/$name" '
        vg 0 "'"$ex"'"
    '
done

# The 2016 race (tests/scripts/race.ukdb sources race-mid.ukdb).
cp "$TEST_TOP/tests/scripts/race.ukdb" "$TEST_TOP/tests/scripts/race-mid.ukdb" .

cat >travel.ukdb <<'EOF2'
source race.ukdb
back 10
goto 20
step
back
variant upstream
goto 5
variant v1-replace
continue
last ukey 1
watch flow f1
break transition EVICTED
goto 0
run
info breakpoints
delete
umaps 8
datapath kernel
set output json
show ukeys
show dp
show stats
set output text
show threads
show rcu
history f1
log 5
shutdown
run
show violations
EOF2

cat >errors.ukdb <<'EOF2'
handler h0
frobnicate
upcall h9 f1
upcall h0
step 1 2 3
umaps 0
goto 999
back 5
show nothing
variant nosuch
source /nonexistent
echo "unterminated
flow f1 h0
upcall h0 f1
step
EOF2

test_expect_success 'valgrind: back, goto, last, variant switches' '
    vg 0 travel.ukdb
'

test_expect_success 'valgrind: a session that ends in the middle of a round' '
    vg 0 -c "source race.ukdb; goto 40"
'

# A trace opened and closed, then the model: the probes are loaded after
# babeltrace2's plugins (glibc's loader keeps a block for later then:
# tests/valgrind.supp).
test_expect_success 'valgrind: a trace opened and closed, then the model' '
    vg 0 -c "open $TEST_TOP/traces/purge; goto end; close; handler h0; flow f1 h0; upcall h0 f1; continue"
'

test_expect_success 'valgrind: a script full of errors (--keep-going)' '
    vg 2 --keep-going errors.ukdb && test $(wc -l <err) -ge 10
'

test_expect_success 'valgrind: binary garbage on stdin' '
    head -c 4096 /dev/urandom >garbage &&
    timeout 300 valgrind --quiet --leak-check=full --keep-debuginfo=yes \
        --suppressions="$TEST_TOP/tests/valgrind.supp" \
        --errors-for-leak-kinds=definite,indirect --error-exitcode=99 \
        --log-file=vg.log "$UKDB" --keep-going <garbage >out 2>err;
    rc=$?; [ $rc -eq 0 ] || [ $rc -eq 2 ] || { echo "exit $rc"; cat vg.log; false; }
'

test_expect_success 'valgrind: trace mode (cursor, JSON, reproduce, close, re-open)' '
    vg 0 -c "source race.ukdb; open $TEST_TOP/traces/race-v1-replace; goto end; back 3; break violation; reverse-continue; set output json; show ukeys; show dp; show threads; history f1; set output text; reproduce -o repro.ukdb; close; show ukeys; open $TEST_TOP/traces/race-upstream; step 5; when; close"
'

# Breakpoint conditions: set, replaced, removed, rejected, deleted with
# their breakpoint (tbreak, delete), replayed by back, goto and a
# variant change, and judged on a trace in both directions.
test_expect_success 'valgrind: breakpoint conditions, model and trace' '
    vg 2 --keep-going -c "source race.ukdb; goto 0; delete; break transition EVICTED if state f1 EVICTED; tbreak transition OPERATIONAL if stat live_ukeys >= 1; condition 3 stat steps > 5; condition 3 bogus; break violation if nope; continue; continue; back 3; continue; goto 10; variant upstream; info breakpoints; condition 3; set output json; info breakpoints; set output text; delete; break transition VISIBLE if stat created == 2; open $TEST_TOP/traces/race-v1-replace; continue; goto end; reverse-continue; condition 5 state f1 nope; close; delete"
'

# Breakpoints on a thread, kept by name: pending after "close", found
# again by a declaration, a re-opened trace, back; rejected (a filter
# without its value after the thread), deleted, hit as a tbreak, and
# replaced whole by a variant change.
test_expect_success 'valgrind: breakpoints on a thread across traces and the model' '
    vg 2 --keep-going -c "handler h0; open $TEST_TOP/traces/race-v1-replace; break event upcall thread handler0; tbreak event op_end thread revalidator0 if stat live_ukeys >= 1; break event lock thread handler0 flow; close; variant v1-replace; info breakpoints; open $TEST_TOP/traces/race-upstream; continue; continue; close; revalidator revalidator0; flow f1 h0; upcall h0 f1; step; handler handler0; back 1; info breakpoints; delete 1; close"
'

# Breakpoints, watches and conditions on what the model has not declared
# yet (pending, with notes; one rejected after its notes), a tbreak hit on
# a trace whose deletion goes into the script, then a variant change.
test_expect_success 'valgrind: breakpoints before their names, a tbreak hit on a trace' '
    vg 2 --keep-going -c "handler h0; break event upcall thread h1 if runnable h1; tbreak transition OPERATIONAL flow f2; watch flow f2; break transition VISIBLE if state f2 VISIBLE; break event upcall flow f3 thread h1 if state f3 NOPE; condition 3 dp f4 present; open $TEST_TOP/traces/race-v1-replace; tbreak event upcall; break event op_end thread nosuch; continue; close; handler h1; flow f1 h0; flow f2 h1; upcall h1 f2; run; variant v1-replace; info breakpoints; info watches"
'

# Breakpoints on a flow, kept by name with their thread: pending after
# "close", found again by a declaration, "open" and back; rejected after
# their names (a bad word ahead of the condition, a filter without its
# value); hits and an ignore count used up on a trace, carried over a
# variant change, whose "ignore" goes into the script.
test_expect_success 'valgrind: breakpoints on a flow, hits of a trace across a variant change' '
    vg 2 --keep-going -c "open $TEST_TOP/traces/race-v1-replace; break transition VISIBLE flow f1; tbreak event upcall flow f9 thread handler0; break event op_end flow f1 thread nosuch if stat live_ukeys >= 1; ignore 1 1; continue; continue; break transition NOPE flow f1 if dp f1 here; break event upcall flow f1 thread; close; variant v1-replace; info breakpoints; handler h0; flow f1 h0; upcall h0 f1; run; open $TEST_TOP/traces/race-upstream; continue; close; back 2; set output json; info breakpoints; set output text; delete 1; variant upstream; info breakpoints"
'

# Watches on a flow, kept by name as breakpoints: pending on a trace and
# after "close", found again by "open", a declaration and back; rejected
# (a flow without its name), deleted pending and resolved, and replaced
# whole by a variant change.
test_expect_success 'valgrind: watches on a flow across traces and the model' '
    vg 2 --keep-going -c "watch flow f1; open $TEST_TOP/traces/race-v1-replace; watch flow f9; watch ukey 1; watch flow; continue; close; info watches; handler h0; flow f1 h0; upcall h0 f1; step; watch flow f2; unwatch 2; variant v1-replace; back 1; info watches; unwatch 1; set output json; info watches"
'

test_expect_success 'valgrind: help, apropos and a netdev session' '
    vg 0 -c "help; help step; apropos rcu; datapath netdev; pmd p0; revalidator r0; flow f1 p0; upcall p0 f1; run; round r0; run; purge-pmd p0; run; show ukeys"
'

test_done
