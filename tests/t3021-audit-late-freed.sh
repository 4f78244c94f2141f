#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# An event the audit folds late (its seq given up on after 65,536 later
# events, then recorded after all: tracepoints/plugin/report-order.c) may
# name a ukey the fold freed meanwhile, its record already serving another
# ukey (core/lifecycle-rules.c, lc_use_after_free()).  Numbered before the
# free, it was no use after free: the audit and the REPL once reported
# one, a false FAIL ("dp_put ... (seq 14) after its free ... (seq
# 65667)").  Numbered after it, it is one, late or not.  Under
# AddressSanitizer, neither reads what the fold freed.  Exact traces from
# tests/helper/ctf-write.py (tests/helper/audit-scenarios.sh,
# scn_late_freed).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
WRITE="$PY $TEST_TOP/tests/helper/ctf-write.py"
ASAN_UKDB=${ASAN_UKDB:-$TEST_TOP/${ASAN_BUILD:-build-address-undefined}/ukdb}
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 is not installed"

. "$TEST_TOP/tests/helper/audit-scenarios.sh"
for m in before after double; do
    scn_late_freed $m | $WRITE "$TRASH/late-$m" ||
        { echo "Bail out! ctf-write late-$m"; exit 1; }
done

test_expect_success 'numbered before its ukey'"'"'s free: no violation' '
    "$UKDB" audit late-before >out; test $? = 3 &&
    ! grep "^violation:" out &&
    test_grep "^verdicts: PASS 1, FAIL 0, INCONCLUSIVE 1$" out &&
    test_grep "^late events: 1 (the first: seq 14, after seq 65667)" out &&
    "$UKDB" audit --format json late-before >out.json; test $? = 3 &&
    $PY -c "
import json
a = json.load(open(\"out.json\"))
assert a[\"violations\"] == [] and a[\"result\"] == \"INCONCLUSIVE\", a
assert a[\"late\"][\"first_seq\"] == 14, a
"
'

test_expect_success 'numbered after its ukey'"'"'s free: use after free' '
    { "$UKDB" audit late-after >out; test $? = 1; } &&
    test_grep "^violation: ERROR use-after-free ukey#1: lock of ukey 1 by \
handler0 (seq 65670) after its free by main (seq 65669)" out &&
    test_grep "^violations: 1 " out &&
    test_grep "^late events: 1 (the first: seq 65670," out
'

# A ukey has one free: another one is a double free, though numbered
# before the one folded (the audit found none: "not judged", as for an
# event of the ukey's life).
test_expect_success 'a second free numbered before the first: double free' '
    { "$UKDB" audit late-double >out; test $? = 1; } &&
    test_grep "^violation: ERROR use-after-free ukey#1 flow f1 .*: double \
free: ukey_free of ukey 1 by handler0 (seq 14), folded late, as well as \
its free by main (seq 65667) " out &&
    test_grep "^violations: 1 " out
'

test_expect_success 'the REPL on the traces: the audit'"'"'s violations' '
    "$UKDB" late-before </dev/null >out &&
    test_grep "^0 violations found by the lifecycle rules" out &&
    "$UKDB" late-after -c "goto end; expect violation use-after-free" \
        >out 2>err &&
    test_grep "^1 violation found by the lifecycle rules" out
'

# The audit, the views and the REPL under ASan+UBSan (the build of "make
# SANITIZE=address,undefined load-bin", part of "make check").
if [ -x "$ASAN_UKDB" ]; then
    test_expect_success 'under ASan: no read of what the fold freed' '
        export ASAN_OPTIONS=$ASAN_OPTIONS:exitcode=99 &&
        for t in late-before late-after; do
            want=3 && [ $t = late-after ] && want=1
            for f in text json; do
                sanitized_ok $want "$t $f" \
                    "$ASAN_UKDB" audit --format $f $t || return 1
            done
            for f in text json chrome; do
                sanitized_ok 0 "$t view $f" \
                    "$ASAN_UKDB" view --format $f $t || return 1
            done
            printf "%s\n" "goto end" "show violations" "show ukeys" \
                "goto 14" "show ukeys" |
                sanitized_ok 0 "$t REPL" "$ASAN_UKDB" $t || return 1
        done
    '
else
    echo "# skipped the ASan test: $ASAN_UKDB not built"
fi

test_done
