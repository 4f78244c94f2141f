#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# "ukdb audit"/"ukdb view" on traces of the real model ("ukdb record" of
# the example scenarios): the 2016 v1-replace race is a double delete the
# audit finds (exit 1), the plugin agrees, the Chrome view is valid, and no
# example trace makes the audit fail with an error (exit 2).  Skipped until
# ukdb can record the scenario.
. "$(dirname "$0")/lib.sh"

RACE=$TEST_TOP/examples/race-v1-replace.ukdb
PY=/usr/bin/python3
PLUGINS=$UKDB_BUILD/plugins
[ -f "$RACE" ] || skip_all "no $RACE yet"
"$UKDB" audit --help >/dev/null 2>&1 || skip_all "'$UKDB audit' not built"
command -v lttng-sessiond >/dev/null || skip_all "lttng-tools not installed"
(cd "$TRASH" && "$UKDB" -f "$RACE" >/dev/null 2>&1); rc=$?
[ $rc -le 1 ] || skip_all "'ukdb -f $RACE' does not run (exit $rc)"

test_expect_success 'record the v1-replace race' '
    "$UKDB" record -o race "$RACE" >record.out 2>&1; rc=$?;
    cat record.out; test $rc -le 1 && test -n "$(find race -name metadata)"
'

test_expect_code 1 'audit finds the double delete (exit 1)' '
    "$UKDB" audit race >audit.out; rc=$?; cat audit.out; exit $rc
'

test_expect_success 'the violation is a double delete, with evidence' '
    test_grep "^violation: ERROR double-delete ukey#" audit.out &&
    test_grep "^result: FAIL" audit.out
'

test_expect_success 'sink.ukey.audit agrees' '
    babeltrace2 --plugin-path="$PLUGINS" $(find race -name metadata \
        -printf "%h\n" | sort) -c sink.ukey.audit >cli.out &&
    test_cmp audit.out cli.out
'

test_expect_success 'view: timelines and valid Chrome JSON' '
    "$UKDB" view race >view.out && test_grep "^ukey#1 " view.out &&
    "$UKDB" view --format chrome race >race.json &&
    $PY "$TEST_TOP/tests/helper/audit-chrome-check.py" race.json
'

test_expect_success 'view --format raw agrees with the python3-bt2 decoder' '
    $PY -c "import bt2" 2>/dev/null || exit 0
    "$UKDB" view --format raw race >raw &&
    $PY "$TEST_TOP/tests/helper/ctf-canonical.py" \
        $(find race -name metadata -printf "%h\n" | sort) >canon &&
    test_cmp canon raw
'

test_expect_success 'every example records and audits without error' '
    for f in "$TEST_TOP"/examples/*.ukdb; do
        n=$(basename "$f" .ukdb)
        "$UKDB" record -o "ex-$n" "$f" >/dev/null 2>&1
        [ -n "$(find "ex-$n" -name metadata 2>/dev/null)" ] || continue
        "$UKDB" audit "ex-$n" >"ex-$n.out" 2>"ex-$n.err"; rc=$?
        echo "$n: exit $rc"
        test $rc != 2 || { cat "ex-$n.err"; exit 1; }
    done
'

# A script that goes back (or changes the variant) rebuilds its model:
# the trace keeps the run it left, cut short, then the new model's whole
# run from seq 1, which is the session's history as --events writes it.
# Before, the rebuild traced its thread starts again, seqs from 1, and
# nothing of the steps it replayed: the audit took it for two programs
# mixed (exit 2).
test_expect_success 'a recorded back: one more run, audited on its own' '
    printf "%s\n" "handler h0" "revalidator r0" "flow f1 h0" "upcall h0 f1" \
        "step h0 8" "back 4" "next h0" "round r0" "continue" >back.ukdb &&
    "$UKDB" --events back.events back.ukdb >/dev/null &&
    "$UKDB" record -o back back.ukdb >/dev/null 2>&1 &&
    "$UKDB" view --format raw back >back.raw &&
    tail -n "$(wc -l <back.events)" back.raw >back.last &&
    test_cmp back.events back.last &&
    test "$(grep -c "^seq=1 .* type=thread_start .* name=main$" back.raw)" = 2 &&
    "$UKDB" audit back >back.out; rc=$?; cat back.out; test $rc = 3 &&
    test_grep "^ukey audit: .*, 2 runs, the last complete run$" back.out &&
    test_grep "^violations: 0 " back.out &&
    test_grep "^verdicts: PASS 1, FAIL 0, INCONCLUSIVE 1$" back.out &&
    sed "s/^back 4/variant v1-replace/" back.ukdb >variant.ukdb &&
    "$UKDB" record -o variant variant.ukdb >/dev/null 2>&1 &&
    { "$UKDB" audit variant >variant.out; test $? = 3; } &&
    test_grep ", 2 runs, the last complete run$" variant.out
'

# The audit and the model's checker count rounds of slowpathed traffic
# against one threshold (LIFECYCLE_SLOWPATH_ROUNDS): four rounds of a
# flow whose every miss a stale ukey refuses (180ab2fd6's bug: its
# datapath flow deleted under OVS) pass in the script, on its trace in
# the REPL, and in the audit (which took 3, and said FAIL).
test_expect_success 'the audit and the model agree on slowpath rounds' '
    printf "%s\n" "variant pre-180ab2fd6" "handler h0" "revalidator r0" \
        "flow f1 h0" "upcall h0 f1" "next h0" "dp del f1" >slow.ukdb &&
    for i in 1 2 3 4; do
        printf "%s\n" "traffic f1 10" "run" "round r0" "run"
    done >>slow.ukdb &&
    echo "expect no-violation" >>slow.ukdb &&
    "$UKDB" slow.ukdb >/dev/null &&
    "$UKDB" record -o slow slow.ukdb >/dev/null 2>&1 &&
    echo "show violations" | "$UKDB" slow >slow.repl &&
    test_grep "^No violations" slow.repl &&
    "$UKDB" audit slow >slow.out; rc=$?; cat slow.out; test $rc = 0 &&
    test_grep "^result: PASS" slow.out &&
    sed "s/^expect no-violation/set slowpath-rounds 3/" slow.ukdb >slow3.ukdb &&
    echo "expect violation slowpath" >>slow3.ukdb &&
    "$UKDB" slow3.ukdb >/dev/null
'

# A handler late to take a miss (busy with others'"'"', or starved of CPU on
# a loaded machine while the revalidators go on) is no slowpath bug: eight
# rounds pass with the miss in its queue, then it installs the flow.  The
# model's checker and the audit said "slowpath" after five (t3100'"'"'s load
# under a cleared session, on a loaded machine).
test_expect_success 'a miss waiting in a late handler: no slowpath' '
    { printf "%s\n" "handler h0" "revalidator r0" "flow f1 h0"
      for i in 1 2 3 4 5 6 7 8; do
        printf "%s\n" "traffic f1 1" "round r0" "next r0"
      done
      printf "%s\n" "expect stat slowpath_packets == 8" "next h0" \
        "traffic f1 1" "expect stat fastpath_packets == 1" \
        "expect dp f1 present" "expect no-violation"; } >late.ukdb &&
    "$UKDB" late.ukdb >late.log || { tail -3 late.log; false; } &&
    "$UKDB" record -o late late.ukdb >/dev/null 2>&1 &&
    "$UKDB" audit late >late.out; rc=$?; cat late.out; test $rc = 0 &&
    test_grep "^violations: 0 " late.out
'

# A flow'"'"'s violation names the flow, not a "ukey#0".
test_expect_success 'a slowpath violation of the audit names its flow only' '
    { head -n 7 slow.ukdb; for i in 1 2 3 4 5 6; do
        printf "%s\n" "traffic f1 10" "run" "round r0" "run"
      done; } >slow6.ukdb &&
    "$UKDB" record -o slow6 slow6.ukdb >/dev/null 2>&1 &&
    { "$UKDB" audit slow6 >slow6.out; test $? = 1; } &&
    test_grep "^violation: ERROR slowpath flow f1 ufid=" slow6.out &&
    ! grep -q "ukey#0" slow6.out
'

# A flow whose every put the datapath refuses (a fault each time) is
# slowpathed for good, but the handlers did all they can: no slowpath,
# in the script, on its trace in the REPL and in the audit, which still
# measures its window (six rounds).  Both once said FAIL.
test_expect_success 'every put refused by the datapath: no slowpath, window measured' '
    { printf "%s\n" "handler h0" "revalidator r0" "flow f1 h0"
      for i in 1 2 3 4 5 6; do
        printf "%s\n" "dp fail put f1" "traffic f1 10" "run" "round r0" "run"
      done
      printf "%s\n" "expect stat dp_put_errors == 6" "expect no-violation"
    } >refused.ukdb &&
    "$UKDB" refused.ukdb >refused.log || { tail -3 refused.log; false; } &&
    "$UKDB" record -o refused refused.ukdb >/dev/null 2>&1 &&
    echo "show violations" | "$UKDB" refused >refused.repl &&
    test_grep "^No violations" refused.repl &&
    "$UKDB" audit refused >refused.out; rc=$?; cat refused.out; test $rc = 0 &&
    test_grep "^violations: 0 " refused.out &&
    test_grep "^ *f1 .* windows=1 longest=6 rounds " refused.out
'

test_done
