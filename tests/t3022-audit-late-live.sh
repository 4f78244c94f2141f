#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An event the audit folds late (its seq given up on after 65,536 later
# events, then recorded after all: tracepoints/plugin/report-order.c) is
# judged against nothing newer than itself (core/lifecycle.c, "Late
# events"): a handler's put of a VISIBLE ukey, numbered before a
# revalidator deleted the ukey and recorded after, was once a false use
# after delete ("dp_put (seq 15) after its umap_remove (seq 65663)"), a
# FAIL.  One recorded after the run's end started another run, of one
# ukey, "partial".  In the REPL, a late lock of a ukey freed and dropped
# from the freed ukeys it keeps brought it back, live.  Exact traces from
# tests/helper/ctf-write.py (tests/helper/audit-scenarios.sh,
# scn_late_live, scn_late_pruned).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
WRITE="$PY $TEST_TOP/tests/helper/ctf-write.py"
ASAN_UKDB=${ASAN_UKDB:-$TEST_TOP/${ASAN_BUILD:-build-address-undefined}/ukdb}
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 is not installed"

. "$TEST_TOP/tests/helper/audit-scenarios.sh"
for m in deleted end; do
    scn_late_live $m | $WRITE "$TRASH/late-$m" ||
        { echo "Bail out! ctf-write late-$m"; exit 1; }
done
scn_late_pruned | $WRITE "$TRASH/late-pruned" ||
    { echo "Bail out! ctf-write late-pruned"; exit 1; }

test_expect_success 'a late put of a ukey deleted since: no violation' '
    "$UKDB" audit late-deleted >out; test $? = 3 &&
    ! grep "^violation:" out &&
    test_grep "^verdicts: PASS 1, FAIL 0, INCONCLUSIVE 1$" out &&
    test_grep "^late events: 1 (the first: seq 15, after seq 65665)" out &&
    "$UKDB" audit --format json late-deleted >out.json; test $? = 3 &&
    $PY -c "
import json
a = json.load(open(\"out.json\"))
assert a[\"violations\"] == [] and a[\"result\"] == \"INCONCLUSIVE\", a
assert a[\"late\"][\"first_seq\"] == 15, a
" &&
    "$UKDB" view --ukey 1 late-deleted >view &&
    test_grep "INCONCLUSIVE" view &&
    "$UKDB" late-deleted </dev/null >out &&
    test_grep "^0 violations found by the lifecycle rules" out
'

test_expect_success 'a late event after the end: no other run' '
    "$UKDB" audit late-end >out; test $? = 3 &&
    ! grep "^violation:" out &&
    test_grep "^ukey audit: 65697 events, 2 ukeys (0 live), 2 rounds, complete run$" \
        out &&
    test_grep "^verdicts: PASS 1, FAIL 0, INCONCLUSIVE 1$" out &&
    test_grep "^late events: 1 (the first: seq 15, after seq 65697)" out &&
    "$UKDB" audit --format json late-end >out.json; test $? = 3 &&
    $PY -c "
import json
a = json.load(open(\"out.json\"))
assert a[\"runs\"] == 1 and a[\"ukeys_seen\"] == 2 and a[\"complete\"], a
assert a[\"late\"][\"first_seq\"] == 15, a
" &&
    "$UKDB" view late-end >view &&
    ! grep "^ukey#1 (run 2)" view &&
    test "$(grep -c "^ukey#" view)" = 2
'

test_expect_success 'the REPL: a late lock of a ukey freed and forgotten' '
    "$UKDB" audit late-pruned >audit.out; test $? = 3 &&
    test_grep "^ukey audit: 67462 events, 65 ukeys (0 live)," audit.out &&
    test_grep "^late events: 1 (the first: seq 16, after seq 67461)" \
        audit.out &&
    printf "%s\n" "goto 65668" "show ukeys" "goto end" "show ukeys" \
        "show stats" "set output json" "show ukeys" "show stats" |
        "$UKDB" late-pruned >out &&
    sed -n "/^at event 65668 of/,/^at event 67462 of/p" out >atfree &&
    test_grep "^#1? .* DELETED  *freed " atfree &&
    sed -n "/^at event 67462 of/,\$p" out >atend &&
    ! grep "^#1[ ?]" atend &&
    test_grep "^live_ukeys  *0  (uncertain: events came late)$" atend &&
    test_grep "^late_events  *1$" atend &&
    tail -2 out >json &&
    $PY -c "
import json
ukeys, stats = [json.loads(l) for l in open(\"json\")]
assert 1 not in [k[\"id\"] for k in ukeys], ukeys
assert stats[\"live_ukeys\"] == 0 and stats[\"late_events\"] == 1, stats
" &&
    "$UKDB" late-deleted -c "goto end; expect stat late_events == 1" \
        >out 2>err
'

# The audit and the REPL under ASan+UBSan (the build of "make
# SANITIZE=address,undefined load-bin", part of "make check").
if [ -x "$ASAN_UKDB" ]; then
    test_expect_success 'under ASan: the late paths read nothing freed' '
        export ASAN_OPTIONS=$ASAN_OPTIONS:exitcode=99 &&
        for t in late-deleted late-end late-pruned; do
            for f in text json; do
                sanitized_ok 3 "$t $f" \
                    "$ASAN_UKDB" audit --format $f $t || return 1
            done
            printf "%s\n" "goto end" "show violations" "show ukeys" \
                "show stats" "goto 15" "show ukeys" |
                sanitized_ok 0 "$t REPL" "$ASAN_UKDB" $t || return 1
        done
    '
else
    echo "# skipped the ASan test: $ASAN_UKDB not built"
fi

test_done
