#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A thread start of seq 1 to 3 that comes below seqs already folded
# starts another run of the program (core/lifecycle-run.c,
# lc_starts_run()): the program was run again, or restarted.  But one
# whose seq the run skipped (the run began below it and never had it) is
# that run's own, come late: its thread waited for a CPU between
# numbering and recording it, more than the audit holds for a missing
# seq (report-order.c), and the fold gave up on it.  Handler0's start
# (seq 2), recorded after 65,636 events of later seqs, once started a
# second run: in the audit's order (seq 2 told lost, then 65,653 events
# "lost" as the new run's gap), in its fold ("2 runs", ukey 1 a mid-life
# ukey of run 2, or "the last no end event (partial run)" when it came
# after the end) and in the REPL's state (no late event counted).  It is
# a late event, as any other.  Exact traces from tests/helper/ctf-write.py
# (tests/helper/audit-scenarios.sh, scn_late_head).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
WRITE="$PY $TEST_TOP/tests/helper/ctf-write.py"
ASAN_UKDB=${ASAN_UKDB:-$TEST_TOP/${ASAN_BUILD:-build-address-undefined}/ukdb}
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 is not installed"

. "$TEST_TOP/tests/helper/audit-scenarios.sh"
for m in mid end; do
    scn_late_head $m | $WRITE "$TRASH/late-$m" ||
        { echo "Bail out! ctf-write late-$m"; exit 1; }
done

# audit_one_run TRACE AFTER: the audit of TRACE, text and JSON: one
# complete run, no loss, one late event (seq 2, after seq AFTER).
audit_one_run() {
    "$UKDB" audit "$1" >out || return 1
    test_grep "^ukey audit: 65699 events, 2 ukeys (0 live), 2 rounds, complete run$" \
        out &&
    test_grep "^verdicts: PASS 2, FAIL 0, INCONCLUSIVE 0$" out &&
    test_grep "^lost events: none$" out &&
    test_grep "^late events: 1 (the first: seq 2, after seq $2)" out &&
    "$UKDB" audit --format json "$1" >out.json &&
    $PY -c "
import json
a = json.load(open(\"out.json\"))
assert a[\"runs\"] == 1 and a[\"complete\"] and a[\"ukeys_seen\"] == 2, a
assert a[\"lost\"][\"events\"] == 0 and a[\"lost\"][\"reports\"] == 0, a
assert a[\"late\"][\"events\"] == 1 and a[\"late\"][\"first_seq\"] == 2, a
"
}

# repl_one_run TRACE: the REPL at the end of TRACE: the late event
# counted, no loss, both ukeys of the one run.
repl_one_run() {
    printf "%s\n" "goto end" "show stats" "show ukeys" "set output json" \
        "show stats" | "$UKDB" "$1" >out &&
    test_grep "^late_events  *1$" out &&
    test_grep "^loss_reports  *0$" out &&
    test_grep "^#1  *f1 .* DELETED  *freed " out &&
    test_grep "^#3  *f2 .* DELETED  *freed " out &&
    tail -1 out >stats.json &&
    $PY -c "
import json
s = json.load(open(\"stats.json\"))
assert s[\"late_events\"] == 1 and s[\"loss_reports\"] == 0, s
assert s[\"created\"] == 2 and s[\"freed\"] == 2, s
" &&
    "$UKDB" "$1" -c "goto end; expect stat late_events == 1"
}

test_expect_success 'a late thread start amid the run: no other run' '
    audit_one_run late-mid 65654 &&
    "$UKDB" view late-mid >view &&
    ! grep "(run 2)" view &&
    test "$(grep -c "^ukey#" view)" = 2 &&
    repl_one_run late-mid
'

test_expect_success 'a late thread start after the end: no other run' '
    audit_one_run late-end 65699 &&
    "$UKDB" view late-end >view &&
    ! grep "(run 2)" view &&
    repl_one_run late-end &&
    printf "%s\n" "goto end" "show threads" | "$UKDB" late-end >out &&
    test_grep "^1  *handler0  *HANDLER .* 1 *$" out
'

# The audit and the REPL under ASan+UBSan (the build of "make
# SANITIZE=address,undefined load-bin", part of "make check").
if [ -x "$ASAN_UKDB" ]; then
    test_expect_success 'under ASan: a late thread start, folded in its run' '
        export ASAN_OPTIONS=$ASAN_OPTIONS:exitcode=99 &&
        for t in late-mid late-end; do
            for f in text json; do
                sanitized_ok 0 "$t $f" \
                    "$ASAN_UKDB" audit --format $f $t || return 1
            done
            printf "%s\n" "goto end" "show ukeys" "show stats" "goto 2" \
                "show threads" |
                sanitized_ok 0 "$t REPL" "$ASAN_UKDB" $t || return 1
        done
    '
else
    echo "# skipped the ASan test: $ASAN_UKDB not built"
fi

test_done
