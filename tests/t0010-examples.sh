#!/usr/bin/env bash
# Every example script runs, and its expectations hold (exit 0).  The
# *-steps.ukdb files are fragments sourced by the others.
. "$(dirname "$0")/lib.sh"

for f in "$TEST_TOP"/examples/*.ukdb; do
    name=$(basename "$f")
    case "$name" in *-steps.ukdb|*-setup.ukdb|demo.ukdb) continue ;; esac
    test_expect_success "example $name holds" "
        timeout 60 \"\$UKDB\" \"$f\" >out 2>err || { cat err; false; }
    "
done

# The examples' comments said "(T10)" and "(T5)": labels of the design
# notes, which a reader of the examples does not have.  (examples/bugs/
# names OVS commits, with the bug zoo's number beside them.)
test_expect_success 'no example names a label of the design notes' '
    ! grep -nE "\((T[0-9]+|B-[0-9]+)[),/]|[ (,]T[0-9]+\)|\bsequence [A-Z]\b|§" \
        "$TEST_TOP"/examples/*.ukdb
'

test_expect_success 'the v1-replace race names both threads' '
    "$UKDB" "$TEST_TOP/examples/race-v1-replace.ukdb" >out 2>&1 &&
    grep -q "double-delete" out &&
    grep -q "removed by revalidator0 (seq [0-9]*) .* by handler0 (seq [0-9]*)" out &&
    ! grep -q "double-delete: double delete" out
'

test_expect_success 'switching the race to upstream replays it clean' '
    "$UKDB" -c "source $TEST_TOP/examples/race-v1-replace.ukdb; variant upstream; expect no-violation; expect state f1 OPERATIONAL" >out 2>&1
'

test_expect_code 1 'an expect that fails exits 1' '
    "$UKDB" -c "variant upstream; source $TEST_TOP/examples/race-steps.ukdb; expect violation double-delete" >out 2>&1
'

test_done
