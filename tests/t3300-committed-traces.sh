#!/usr/bin/env bash
# The traces kept in traces/ audit with their documented verdicts.
. "$(dirname "$0")/lib.sh"
T=$TEST_TOP/traces

test_expect_code 1 'race-v1-replace: FAIL, exit 1' '
    "$UKDB" audit "$T/race-v1-replace" >out
'
test_expect_success 'race-v1-replace: the double delete names both threads' '
    "$UKDB" audit "$T/race-v1-replace" >out;
    grep "double-delete" out | test_grep "by revalidator0; earlier .* by handler0" - &&
    test_grep "^result: FAIL" out
'
for t in race-upstream slowpath-pre-replace purge; do
    test_expect_success "$t: PASS, exit 0" "
        \"\$UKDB\" audit \"$T/$t\" >out && test_grep '^result: PASS' out &&
        test_grep 'complete run' out
    "
done
test_expect_success 'the plugin gives the same verdicts' '
    for t in race-v1-replace race-upstream purge; do
        "$UKDB" audit "$T/$t" >a.txt;
        babeltrace2 --plugin-path="$UKDB_BUILD/plugins" "$T/$t" \
            -c sink.ukey.audit >b.txt;
        test_cmp a.txt b.txt || return 1
    done
'
test_expect_success 'every committed trace replays from its example' '
    for t in race-v1-replace race-upstream slowpath-pre-replace purge; do
        "$UKDB" --events ev.txt "$TEST_TOP/examples/$t.ukdb" >/dev/null;
        "$UKDB" view --format raw "$T/$t" >raw.txt &&
        test_cmp ev.txt raw.txt || return 1
    done
'
test_done
