#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The audit folds a run's events in the order of their seqs, the order in
# which the model's own checker folded them, not in the order of their
# timestamps (tracepoints/plugin/report-order.c, "The fold's order"): a thread
# numbers its event, then LTTng-UST reads the clock when it records it, so
# a thread preempted in between records it after events of later seqs.
# Here a handler's dp_put (seq 9) is recorded after the dp_del that
# followed it (seq 10), or an external dp_del after the dp_put; the liveness rule (stuck
# ukey: no datapath flow for 6 rounds) sees what the checker saw.  Exact
# traces from tests/helper/ctf-write.py.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3
WRITE="$PY $TEST_TOP/tests/helper/ctf-write.py"
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 is not installed"

# scenario PUT_SEQ DEL_SEQ: ukey 1 of flow f1 made VISIBLE, then its
# dp_put and an external dp_del of its flow (seqs 9 and 10), the one of
# seq 10 recorded first (ts 9000, the other at 9500); then 7 rounds.
scenario() {
    local put="dp_put thread=2 ukey=1 ufid=241 kind=CREATE seq=$1"
    local del="dp_del thread=0 ufid=241 kind=EXTERNAL seq=$2"
    local first=$put second=$del
    [ "$2" -gt "$1" ] && first=$del second=$put
    cat <<EOT
thread_start thread=0 kind=MAIN name=main seq=1
thread_start thread=1 kind=URCU name=urcu
thread_start thread=2 kind=HANDLER name=handler0
thread_start thread=3 kind=REVALIDATOR name=revalidator0
flow thread=0 ufid=241 name=f1
create thread=2 ukey=1 ufid=241 umap=0
umap_insert thread=2 ukey=1 ufid=241 umap=0
transition thread=2 ukey=1 ufid=241 from=CREATED to=VISIBLE result=OK
$first ts=9000
$second ts=9500
transition thread=2 ukey=1 ufid=241 from=VISIBLE to=OPERATIONAL result=OK seq=11 ts=9600
EOT
    for i in 1 2 3 4 5 6 7; do
        echo "op_begin thread=3 kind=ROUND value=$i seq=$((10 + 2 * i))" \
             "ts=$((10000 + 2000 * i))"
        echo "op_end thread=3 kind=ROUND value=$i"
    done
}

scenario 9 10 | $WRITE "$TRASH/put-first" ||
    { echo "Bail out! ctf-write put-first"; exit 1; }
scenario 10 9 | $WRITE "$TRASH/del-first" ||
    { echo "Bail out! ctf-write del-first"; exit 1; }

test_expect_success 'dp_put numbered first, recorded last: flow gone, stuck' '
    { "$UKDB" audit put-first >out; test $? = 1; } &&
    test_grep "^violation: ERROR stuck-ukey ukey#1 " out &&
    test_grep "^violations: 1 " out
'

test_expect_success 'dp_del numbered first, recorded last: flow there' '
    { "$UKDB" audit del-first >out; test $? = 3; } &&
    ! grep "^violation:" out
'

test_expect_success 'the view gives the events in seq order' '
    "$UKDB" view --format raw put-first >out &&
    sed -n "s/^seq=\([0-9]*\) .*/\1/p" out >seqs &&
    seq 1 25 >want &&
    test_cmp want seqs
'

# The REPL on a trace ("ukdb TRACE", "open TRACE") folds in the audit's
# order too, with the audit's losses: its checker ("show violations",
# "expect violation") finds what the audit finds.  It once folded the
# streams' time order: the stuck ukey of put-first in del-first instead.
test_expect_success 'the REPL on a trace: the violations of the audit' '
    stuck="goto end; expect violation stuck-ukey" &&
    "$UKDB" put-first -c "$stuck" >out 2>err &&
    test_grep "^1 violation found by the lifecycle rules" out &&
    "$UKDB" del-first -c "goto end; expect no-violation" >out 2>err &&
    test_grep "^0 violations found by the lifecycle rules" out &&
    { "$UKDB" del-first -c "$stuck" >out 2>err; test $? = 1; } &&
    test_grep "expect failed: no stuck-ukey violation" err
'

# same_violations TRACE: "show violations" at the end of TRACE in the REPL
# lists what "ukdb audit" lists: kind, ukey, event (as "goto" takes it)
# and seq of each.
same_violations() {
    "$UKDB" audit --format json "$1" >audit.json
    printf "%s\n" "set output json" "goto end" "show violations" |
        "$UKDB" "$1" >repl.out &&
    $PY - "$1" <<'PYEOF'
import json, sys
a = json.load(open("audit.json"))
want = sorted((v["kind"], v["ukey"], v["evidence"][0]["event"],
               v["evidence"][0]["seq"]) for v in a["violations"])
line = [l for l in open("repl.out") if l.startswith("[")][-1]
got = sorted((v["kind"], v["ukey"], v["event"], v["seq"])
             for v in json.loads(line))
if got != want:
    sys.exit("%s: the REPL found %s, the audit %s" % (sys.argv[1], got, want))
PYEOF
}

. "$TEST_TOP/tests/helper/audit-scenarios.sh"
scn_lost_among | $WRITE "$TRASH/lost-among" ||
    { echo "Bail out! ctf-write lost-among"; exit 1; }
# The v1-replace double delete with its handler's first upcall (seq 6)
# recorded after everything else (another CPU's stream): in time order it
# would be the last event, and every event after it one number lower.
scn_double_delete | awk 'NR == 6 { print "@stream 1"; print $0 " ts=90000";
                                   print "@stream 0"; next } { print }' |
    $WRITE "$TRASH/dd-late" || { echo "Bail out! ctf-write dd-late"; exit 1; }

test_expect_success 'REPL and audit: the same violations, the same losses' '
    same_violations put-first && same_violations del-first &&
    same_violations dd-late &&
    same_violations lost-among &&
    # The seqs lost a few at a time among the other stream'"'"'s events
    # are one loss of so many events, as the audit tells it, and so is its
    # verdict.
    "$UKDB" lost-among </dev/null >out &&
    test_grep "^lost-among: 56 events .*, 1 loss (96 events lost)\$" out &&
    "$UKDB" audit lost-among >out; test $? = 3 &&
    test_grep "^lost events: 96 in 1 report" out
'

test_expect_success 'the audit'"'"'s evidence events are the REPL'"'"'s: goto N' '
    "$UKDB" audit --format json dd-late >out.json; test $? = 1 &&
    $PY -c "
import json
v = json.load(open(\"out.json\"))[\"violations\"][0]
assert v[\"kind\"] == \"double-delete\", v
assert [e[\"event\"] for e in v[\"evidence\"]] == [38, 31], v
" &&
    "$UKDB" dd-late -c "goto 38; log 1" >out 2>&1 &&
    test_grep "^\[38\]  revalidator0  umap_remove umap\[3\] ukey#1 -> ENOENT" out &&
    "$UKDB" dd-late -c "goto 6; log 1" >out 2>&1 &&
    test_grep "^\[6\] *handler0 *upcall ufid=0000000000000010" out
'

# A handler's datapath put (seq 14) recorded after 65,636 events of later
# seqs, more than the audit holds for a missing seq (REPORT_HOLD_MAX): the
# fold gives up on it there (tests/helper/audit-scenarios.sh,
# scn_given_up).  It went on silently: lost for good ("lost"), the put's
# hole made a stuck ukey, a false FAIL with "lost events: none"; folded
# late ("late"), after the external delete that followed it ("del"), it
# hid the stuck ukey that the seq order shows ("none del"): a false PASS.
for m in none lost late; do
    for d in "" del; do
        scn_given_up $m $d | $WRITE "$TRASH/given-up-$m${d:+-}$d" ||
            { echo "Bail out! ctf-write given-up-$m $d"; exit 1; }
    done
done

test_expect_success 'a seq given up on that never comes: a loss, no verdict' '
    "$UKDB" audit given-up-none >out && test_grep "^result: PASS" out &&
    "$UKDB" audit given-up-lost >out; test $? = 3 &&
    ! grep "^violation:" out &&
    test_grep "^verdicts: PASS 1, FAIL 0, INCONCLUSIVE 1$" out &&
    test_grep "^lost events: 1 in 1 report" out &&
    test_grep "^  1 event of seq 14 (never recorded: given up on after 65536 later events) between " \
        out &&
    ! grep "^late events:" out &&
    "$UKDB" audit --format json given-up-lost >out.json; test $? = 3 &&
    $PY -c "
import json
a = json.load(open(\"out.json\"))
assert a[\"lost\"][\"reports\"] == 1 and a[\"result\"] == \"INCONCLUSIVE\", a
assert \"late\" not in a, a
"
'

test_expect_success 'a seq given up on that comes late: said, no verdict' '
    { "$UKDB" audit given-up-none-del >out; test $? = 1; } &&
    test_grep "^violation: ERROR stuck-ukey ukey#1 " out &&
    "$UKDB" audit given-up-late-del >out; test $? = 3 &&
    ! grep "^violation:" out &&
    test_grep "^verdicts: PASS 1, FAIL 0, INCONCLUSIVE 1$" out &&
    test_grep "^lost events: none$" out &&
    test_grep "^late events: 1 (the first: seq 14, after seq 65652), folded" \
        out &&
    "$UKDB" audit --format json given-up-late-del >out.json; test $? = 3 &&
    $PY -c "
import json
a = json.load(open(\"out.json\"))
assert a[\"late\"] == {\"events\": 1, \"first_seq\": 14,
                       \"after_seq\": 65652}, a
assert a[\"lost\"][\"reports\"] == 0, a
"
'

# tie_scn FIRST SECOND: upcalls of seq 1..7 on two streams; at ts 3000,
# seq 4 on stream FIRST ties with seq 5 on stream SECOND and the
# discarded-events message after it (seq 6 dropped).  babeltrace2's muxer
# breaks a tie by stream id, whatever the message: with seq 4 on stream 0
# it comes first and nothing is late; on stream 1, after the loss that
# gives up on it, late.  The sink's merge, in a run on stream 1 since seq
# 3, once took the loss first either way.
tie_scn() {
    cat <<EOT
upcall thread=1 ufid=5 value=1 seq=1 ts=1000
upcall thread=1 ufid=5 value=1 seq=2 ts=2000
@stream $2
upcall thread=2 ufid=5 value=1 seq=3 ts=2700
@stream $1
upcall thread=1 ufid=5 value=1 seq=4 ts=3000
@stream $2
upcall thread=2 ufid=5 value=1 seq=5 ts=3000
@drop
upcall thread=2 ufid=5 value=1 seq=6 ts=3500
@stream $2
@discard 1
upcall thread=2 ufid=5 value=1 seq=7 ts=4000
@stream $1
end seq=8 ts=5000
EOT
}
tie_scn 0 1 | $WRITE "$TRASH/tie01" &&
tie_scn 1 0 | $WRITE "$TRASH/tie10" || { echo "Bail out! ctf-write"; exit 1; }

test_expect_success 'a loss tied with an event of another stream: muxer order' '
    "$UKDB" audit tie01 >out; test $? = 3 &&
    ! grep "^late" out &&
    babeltrace2 --plugin-path="$UKDB_BUILD/plugins" tie01 \
        -c sink.ukey.audit >cli &&
    test_cmp out cli &&
    "$UKDB" audit tie10 >out; test $? = 3 &&
    test_grep "^late events: 1 (the first: seq 4, after seq 5)" out &&
    babeltrace2 --plugin-path="$UKDB_BUILD/plugins" tie10 \
        -c sink.ukey.audit >cli &&
    test_cmp out cli
'

# The REPL takes the same seqs given up on, where the audit does: the
# ukeys alive there are uncertain; a loss told at the end of the run if
# the seq never comes, none if it comes.
test_expect_success 'seqs given up on: the REPL agrees with the audit' '
    for t in given-up-lost given-up-lost-del given-up-late \
             given-up-late-del; do
        same_violations $t || return 1
    done &&
    "$UKDB" given-up-lost-del </dev/null >out &&
    test_grep ", 1 loss (1 event lost)\$" out &&
    test_grep "^0 violations found" out &&
    "$UKDB" given-up-late-del </dev/null >out &&
    test_grep " ms\$" out &&
    test_grep "^0 violations found" out &&
    printf "%s\n" "goto 13" "goto end" "show stats" "show ukeys" |
        "$UKDB" given-up-late-del >out 2>&1 &&
    test_grep "^      \*\*\* 1 event missing here (seq 14), given up on after 65536 later events: it may come later" \
        out &&
    test_grep "^loss_reports  *0\$" out &&
    ! grep LOST out &&
    printf "%s\n" "goto end" "show stats" | "$UKDB" given-up-lost-del >out &&
    test_grep "^      \*\*\* 1 event LOST (seq 14): given up on before, and the run ended without it" \
        out &&
    test_grep "^loss_reports  *1\$" out &&
    test_grep "^events_lost  *1\$" out
'

test_done
