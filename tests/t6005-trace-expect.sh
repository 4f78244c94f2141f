#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# "expect" on a trace: it said "not available on a trace", so that a trace
# could not be checked by a script ("ukdb TRACE -c ..." or commands on
# stdin).  state, violation, no-violation, dp and stat now judge the state
# folded at the cursor, as on the model; where events were lost before it, the
# answer is unknown and the expect is an error, never a verdict.  The
# committed v1-replace and upstream traces (traces/), and exact traces from
# tests/helper/ctf-write.py for the losses.
. "$(dirname "$0")/lib.sh"

command -v babeltrace2 >/dev/null || skip_all "babeltrace2 is not installed"
[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"
V1=$TEST_TOP/traces/race-v1-replace
UP=$TEST_TOP/traces/race-upstream

# at TRACE EVENT CMD...: runs the commands at event EVENT of TRACE; exit
# status in 'rc', stdout in out, stderr in err.
at() {
    local trace=$1 pos=$2
    shift 2
    { echo "goto $pos"; printf '%s\n' "$@"; } | "$UKDB" "$trace" >out 2>err
    rc=$?
}

test_expect_success 'expect state and dp follow the cursor (v1-replace race)' '
    at "$V1" 0 "expect state f1 none" "expect state 1 none" \
        "expect dp f1 absent" "expect no-violation" && [ $rc = 0 ] &&
    at "$V1" 16 "expect state f1 OPERATIONAL" "expect state #1 OPERATIONAL" \
        "expect dp f1 present" && [ $rc = 0 ] &&
    at "$V1" 57 "expect state f1 EVICTED" "expect dp f1 absent" &&
    [ $rc = 0 ] &&
    at "$V1" 80 "expect state f1 VISIBLE" "expect state 2 VISIBLE" \
        "expect state 1 DELETED" "expect state 1 none" && [ $rc = 0 ] &&
    at "$V1" end "expect state 1 none" "expect state f1 none" && [ $rc = 0 ]
'

test_expect_success 'a failed expect on a trace: FILE:LINE, exit 1, stops' '
    at "$V1" 16 "expect state f1 EVICTED" "echo not reached" &&
    [ $rc = 1 ] &&
    test_grep "^<stdin>:2: expect failed: state of f1 is OPERATIONAL, not EVICTED\$" err &&
    ! grep -q "not reached" out &&
    at "$V1" 89 "expect dp f1 absent" && [ $rc = 1 ] &&
    test_grep "datapath flow f1 is present" err
'

test_expect_success 'expect violation counts the violations before the cursor' '
    at "$V1" 89 "expect no-violation" && [ $rc = 0 ] &&
    at "$V1" 89 "expect violation" && [ $rc = 1 ] &&
    test_grep "expect failed: no violation\$" err &&
    at "$V1" 90 "expect violation double-delete" "expect no-violation" &&
    [ $rc = 1 ] &&
    test_grep "expect failed: ERROR double-delete at event 90: ukey 1 removed by revalidator0" err &&
    at "$V1" end "expect violation use-after-free" && [ $rc = 0 ]
'

test_expect_success 'the same interleaving under upstream: no violation' '
    at "$UP" end "expect no-violation" && [ $rc = 0 ] &&
    at "$UP" end "expect violation double-delete" && [ $rc = 1 ]
'

# The figures of a trace'"'"'s "show stats" (and the model'"'"'s under the same
# names): exact ones are judged after losses too, folded ones are not.
test_expect_success 'expect stat: the figures of show stats, on the model too' '
    at "$V1" 85 "expect stat created == 2" "expect stat live_ukeys == 2" \
        "expect stat ukeys_in_umaps == 1" "expect stat datapath_flows == 1" \
        "expect stat events == 85" "expect stat of == 107" &&
    [ $rc = 0 ] &&
    at "$V1" end "expect stat freed >= 3" "expect stat live_ukeys == 0" &&
    [ $rc = 0 ] &&
    at "$V1" end "expect stat freed == 2" && [ $rc = 1 ] &&
    test_grep "expect failed: freed is 3, expected == 2" err &&
    "$UKDB" -c "source $TEST_TOP/examples/race-v1-replace.ukdb" \
        -c "expect stat live_ukeys == 1; expect stat ukeys_in_umaps == 1" \
        -c "expect stat datapath_flows == 1; expect stat events > 50" \
        >out 2>err
'

test_expect_success 'ukdb TRACE -c with expect: exit status of the check' '
    "$UKDB" "$V1" -c "goto end; expect violation double-delete" >out 2>err &&
    "$UKDB" "$UP" -c "goto end; expect no-violation" >out 2>err
'

# An upcall, events of an unknown number lost, then a ukey created.
. "$TEST_TOP/tests/helper/audit-scenarios.sh"
scn_lost_then_create |
    /usr/bin/python3 "$TEST_TOP/tests/helper/ctf-write.py" "$TRASH/lost" ||
    { echo "Bail out! ctf-write lost"; exit 1; }

test_expect_success 'events lost before the cursor: cannot tell, exit 2' '
    at "$TRASH/lost" 2 "expect state f1 none" "expect no-violation" \
        "expect dp f1 absent" && [ $rc = 0 ] &&
    for c in "expect state 1 VISIBLE" "expect state f1 none" \
             "expect no-violation" "expect violation" "expect dp f1 absent" \
             "expect stat live_ukeys == 1" "expect stat events_lost == 0"; do
        at "$TRASH/lost" end "$c" && [ $rc = 2 ] &&
        test_grep "^<stdin>:2: error: expect: cannot tell .*: events were lost before event 4\$" err &&
        [ $(wc -l <err) = 1 ] || exit 1
    done &&
    at "$TRASH/lost" end "expect stat events == 5" "expect stat loss_reports == 1" \
        "expect stat loss_reports_of_unknown_count == 1" && [ $rc = 0 ]
'

test_expect_success 'what a trace cannot tell, and bad arguments: one-line errors' '
    for c in "expect stat nope == 1" "expect runnable handler0" \
             "expect blocked handler0" "expect dp nope present" \
             "expect state nope none" "expect state f1 NOPE" \
             "expect violation nope" "expect violation leak extra"; do
        at "$V1" 0 "$c" && [ $rc = 2 ] &&
        test_grep "^<stdin>:2: error: expect" err &&
        [ $(wc -l <err) = 1 ] || { echo "for: $c"; cat err; exit 1; }
    done
'

# "expect violation KIND" matched the kind on any flow, so that a script
# the explorer wrote could pass on the same kind elsewhere: a FLOW may
# follow, on the model and on a trace, and the explorer writes it.
test_expect_success 'expect violation KIND FLOW: that flow only' '
    at "$V1" end "expect violation double-delete f1" "expect violation use-after-free f1" &&
    [ $rc = 0 ] &&
    at "$V1" end "expect violation double-delete nope" && [ $rc = 2 ] &&
    test_grep "no such flow in the trace" err &&
    S="source $TEST_TOP/examples/race-v1-replace.ukdb" &&
    "$UKDB" -c "$S" -c "expect violation double-delete f1" >out 2>err &&
    "$UKDB" -c "$S" -c "flow f2; expect violation double-delete f2" >out 2>err;
    test $? = 1 && test_grep "expect failed: no double-delete violation on f2\$" err
'

test_expect_success '"show stats" on a trace names what "expect stat" takes' '
    # Each line of the table, as on the model: its name and value hold
    # for "expect stat" ("live ukeys" was a label no expect took).
    at "$V1" 57 "show stats" && [ $rc = 0 ] &&
    sed -n "/^events  /,\$p" out >table &&
    test $(wc -l <table) -ge 8 &&
    awk "{print \"expect stat\", \$1, \"==\", \$2}" table >expects &&
    test_grep "^expect stat live_ukeys == 1\$" expects &&
    { echo "goto 57"; cat expects; } | "$UKDB" "$V1" >out2 2>err2 ||
    { cat err2; false; }
'

test_done
