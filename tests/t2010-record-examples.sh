#!/usr/bin/env bash
# Every example, recorded with "ukdb record" under a private lttng-sessiond
# and read back with babeltrace2 (through ukdb view --format raw, and
# through babeltrace2's own Python bindings), gives exactly the event
# stream the same script emits in process (ukdb --events): same count,
# same seq order, same field values.  Nothing lost, nothing invented.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lttng-lib.sh"
lttng_require

for f in "$TEST_TOP"/examples/*.ukdb "$TEST_TOP"/examples/bugs/*-buggy.ukdb; do
    name=$(basename "$f" .ukdb)
    case "$name" in *-steps|*-setup|demo) continue ;; esac
    test_expect_success "record $name: the trace is the in-process stream" "
        \"\$UKDB\" --events $name.events \"$f\" >/dev/null 2>&1
        rc=\$?; [ \$rc -le 1 ] &&
        \"\$UKDB\" record -o $name.trace \"$f\" >/dev/null 2>record.err;
        rc2=\$?; [ \$rc2 -eq \$rc ] || { cat record.err; false; } &&
        \"\$UKDB\" view --format raw $name.trace >$name.raw &&
        test -s $name.events &&
        test_cmp $name.events $name.raw
    "
done

test_expect_success 'babeltrace2 itself reads the same events' '
    /usr/bin/python3 "$TEST_TOP/tests/helper/ctf-canonical.py" \
        race-v1-replace.trace >bt2.txt &&
    test_cmp race-v1-replace.events bt2.txt
'

test_expect_success 'the v1-replace race trace has the violation and the double postpone' '
    babeltrace2 race-v1-replace.trace >pretty &&
    test_grep "ukey:violation" pretty &&
    grep "ukey:violation" pretty | test_grep "double-delete" - &&
    k=$(grep "ukey:umap_replace" pretty | sed -n "s/.*ukey_id = \([0-9]*\).*/\1/p" | head -1) &&
    test "$(grep "ukey:rcu_postpone" pretty | grep -c "ukey_id = $k,")" = 2
'

test_expect_success 'babeltrace2 prints state names, not numbers' '
    grep "ukey:transition" pretty | head -1 | test_grep "\"VISIBLE\"" -
'

# The race in today's OVS (examples/put-eexist-upstream.ukdb), recorded:
# the audit finds the abort on its own, one error (and says "1 error"),
# explained by the failed put and the dump's adoption, as the REPL does.
test_expect_success 'the EEXIST race under upstream audits as one backward transition' '
    { "$UKDB" audit put-eexist-upstream.trace >audit; test $? = 1; } &&
    test_grep "^violations: 1 (1 error, 0 warnings) backward-transition=1$" \
        audit &&
    test_grep "^violation: ERROR backward-transition ukey#1 flow f1 .*: backward transition DELETED->EVICTED of ukey 1 by h0 at core/handler.c:[0-9]* (seq [0-9]*): h0.s datapath put of it failed (seq [0-9]*, EEXIST) and r0 had moved it on from VISIBLE (to OPERATIONAL, seq [0-9]*), but handle_upcalls() moves a ukey whose put failed to EVICTED without re-checking its state (an OVS race) \[event " \
        audit
'

test_expect_success 'a script that fails halfway leaves a complete, readable trace' '
    printf "handler h0\nrevalidator r0\nflow f1 h0\nupcall h0 f1\nnext h0\nnosuchcommand\nround r0\n" >half.ukdb &&
    { "$UKDB" --events half.events half.ukdb >/dev/null 2>&1; test $? = 2; } &&
    { "$UKDB" record -o half.trace half.ukdb >/dev/null 2>err; test $? = 2; } &&
    "$UKDB" view --format raw half.trace >half.raw &&
    test_cmp half.events half.raw &&
    test_grep "type=transition .* to=OPERATIONAL" half.raw &&
    "$UKDB" audit half.trace >audit && test_grep "^result: PASS" audit
'

test_done
