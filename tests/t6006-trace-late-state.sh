#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# On a trace, an event the REPL steps late (the audit's late events: a
# seq given up on after 65,536 later events, recorded after all) is older
# than what the events of later seqs, stepped before it, made of the ukey,
# umap or datapath flow it names: it changes none of that, as the audit's
# fold takes it (core/lifecycle.c, "Late events"); a live ukey it names
# becomes uncertain, and it counts in "late events".  A late transition
# of ukey 1 to OPERATIONAL, numbered before a revalidator made it EVICTED,
# once showed it OPERATIONAL; a late lock of it or of its umap, held by a
# thread whose unlock is still to come; a late put, a datapath flow
# deleted since.  Whichever way the cursor gets there, forward or back,
# the state is the same.  Exact traces from tests/helper/ctf-write.py
# (tests/helper/audit-scenarios.sh, scn_late_state, scn_late_live).
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
WRITE="$PY $TEST_TOP/tests/helper/ctf-write.py"
ASAN_UKDB=${ASAN_UKDB:-$TEST_TOP/${ASAN_BUILD:-build-address-undefined}/ukdb}
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 is not installed"

. "$TEST_TOP/tests/helper/audit-scenarios.sh"
for m in transition lock umap; do
    scn_late_state $m | $WRITE "$TRASH/late-$m" ||
        { echo "Bail out! ctf-write late-$m"; exit 1; }
done
scn_late_live deleted | $WRITE "$TRASH/late-deleted" ||
    { echo "Bail out! ctf-write late-deleted"; exit 1; }

# Event 65661 is the late one (seq 16), right after ukey 1's transition
# to EVICTED (event 65660, seq 65661); event 65698 is the end.
LATE=65661

# at WHERE TRACE: what the inspection commands show at event $LATE and
# the one after it, in text and JSON, the cursor brought there by WHERE:
# "step" from the event before, "goto" back from the end, or "back" from
# the end ("when" says where it is).
at() {
    case $1 in
    step) printf '%s\n' "goto $((LATE - 1))" "step" ;;
    goto) printf '%s\n' "goto end" "goto $LATE" ;;
    back) printf '%s\n' "goto end" "back $((65698 - LATE))" ;;
    esac
    printf '%s\n' "when" "show ukey 1" "show ukeys" "show umaps" "show locks" \
        "show stats" "set output json" "show ukey 1" "show ukeys" \
        "show umaps" "show locks" "show stats" "set output text" "step" \
        "show ukey 1" "show ukeys"
}

test_expect_success 'a late transition leaves the newer state, uncertain' '
    at step | "$UKDB" late-transition >out &&
    sed -n "/^event $LATE of/,/^\[$((LATE + 1))\]/p" out >late &&
    test_grep "^\[$LATE\] handler0 .*transition ukey#1 VISIBLE->OPERATIONAL" \
        out &&
    test_grep "^  state        EVICTED  (UNCERTAIN" late &&
    test_grep "^  last change  by revalidator0 at core/revalidator.c:214$" \
        late &&
    test_grep "^#1? .* EVICTED  *in umap " late &&
    ! grep OPERATIONAL late | grep -v "^\[$LATE\]" &&
    test_grep "^late_events  *1$" late &&
    grep "^{\"id\":1," late >ukey.json &&
    grep "^\[{\"id\":1," late >ukeys.json &&
    grep "^{\"events\":$LATE," late >stats.json &&
    $PY -c "
import json
k = json.load(open(\"ukey.json\"))
assert k[\"state\"] == \"EVICTED\" and k[\"uncertain\"], k
assert k[\"state_thread\"] == \"revalidator0\", k
ks = json.load(open(\"ukeys.json\"))
assert [(x[\"id\"], x[\"state\"], x[\"uncertain\"]) for x in ks] == \
    [(1, \"EVICTED\", True)], ks
s = json.load(open(\"stats.json\"))
assert s[\"late_events\"] == 1 and s[\"live_ukeys\"] == 1, s
" &&
    printf "%s\n" "goto $LATE" "history 1" | "$UKDB" late-transition >hist &&
    tail -1 hist >last &&
    test_grep "^  event $LATE  *#16  *handler0 .*VISIBLE->OPERATIONAL" last
'

test_expect_success 'a late lock of a live ukey or its umap: not held' '
    at step | "$UKDB" late-lock >out &&
    sed -n "/^event $LATE of/,/^\[$((LATE + 1))\]/p" out >late &&
    test_grep "^\[$LATE\] handler0 .*lock.*ukey#1" out &&
    test_grep "^  lock         -$" late &&
    test_grep "^No lock is held\.$" late &&
    test_grep "^  state        EVICTED  (UNCERTAIN" late &&
    grep "^{\"id\":1," late >ukey.json &&
    $PY -c "
import json
k = json.load(open(\"ukey.json\"))
assert k[\"lock\"] == \"-\" and k[\"uncertain\"], k
" &&
    at step | "$UKDB" late-umap >out &&
    sed -n "/^event $LATE of/,/^\[$((LATE + 1))\]/p" out >late &&
    test_grep "^\[$LATE\] handler0 .*lock.*umap\[3\]" out &&
    test_grep "^umap\[3\]  lock -  " late &&
    test_grep "^No lock is held\.$" late &&
    grep "^\[{\"umap\":0," late >umaps.json &&
    $PY -c "
import json
m = json.load(open(\"umaps.json\"))
assert [u[\"lock\"] for u in m] == [\"-\"] * 4, m
"
'

test_expect_success 'a late put of a flow deleted since: not in the datapath' '
    printf "%s\n" "goto 65665" "show dp" "show stats" |
        "$UKDB" late-deleted >out &&
    test_grep "^\[65665\] handler0 .*dp_put CREATE" out &&
    test_grep "^The datapath has no flows\.$" out &&
    test_grep "^datapath_flows  *0  (uncertain: events came late)$" out &&
    test_grep "^late_events  *1$" out
'

test_expect_success 'forward, back or by goto: the same state at the late event' '
    for t in late-transition late-lock late-umap; do
        for w in step goto back; do
            at $w | "$UKDB" $t >$t-$w.full &&
            sed -n "/^event $LATE of/,\$p" $t-$w.full >$t-$w || return 1
        done
        test_cmp $t-step $t-goto && test_cmp $t-step $t-back || return 1
    done &&
    export UKDB_TRACE_CHECKPOINT_EVERY=7 &&
    for w in goto back; do
        at $w | "$UKDB" late-transition >cp-$w.full &&
        sed -n "/^event $LATE of/,\$p" cp-$w.full >cp-$w &&
        test_cmp late-transition-step cp-$w || return 1
    done
'

# The REPL under ASan+UBSan (the build of "make SANITIZE=address,undefined
# load-bin", part of "make check"): a late event's stand-in, and the
# ukey it counts in, are read and written in place.
if [ -x "$ASAN_UKDB" ]; then
    test_expect_success 'under ASan: the late paths read nothing freed' '
        export ASAN_OPTIONS=$ASAN_OPTIONS:exitcode=99 &&
        for t in late-transition late-lock late-umap late-deleted; do
            at back | sanitized_ok 0 "$t" "$ASAN_UKDB" $t || return 1
        done
    '
else
    echo "# skipped the ASan test: $ASAN_UKDB not built"
fi

test_done
