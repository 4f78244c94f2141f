#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# "ukdb audit" and "ukdb view" on exact CTF traces written by
# tests/helper/ctf-write.py (no tracer needed): verdicts and exit codes,
# timelines (text, JSON, raw, Chrome trace-event JSON checked by
# tests/helper/audit-chrome-check.py), filters, lost events, bad input, and
# the babeltrace2 plugin's sinks agreeing with ukdb.
. "$(dirname "$0")/lib.sh"
. "$TEST_TOP/tests/helper/audit-scenarios.sh"

PY=/usr/bin/python3
WRITE="$PY $TEST_TOP/tests/helper/ctf-write.py"
CHROME_CHECK="$PY $TEST_TOP/tests/helper/audit-chrome-check.py"
PLUGINS=$UKDB_BUILD/plugins
command -v babeltrace2 >/dev/null || skip_all "babeltrace2 is not installed"
"$UKDB" audit --help >/dev/null 2>&1 || skip_all "'$UKDB audit' not built"

for s in clean double_delete lossy lost_packet lost_other_stream mid_life_lost \
    counter_back snapshot_head snapshot_tail snapshot_first_end two_runs \
    killed_run partial two_programs stopped; do
    scn_$s | $WRITE "$TRASH/$s" || { echo "Bail out! ctf-write $s"; exit 1; }
done

# ==== Verdicts ====

test_expect_success 'a clean run passes (exit 0)' '
    "$UKDB" audit clean >out &&
    test_grep "^verdicts: PASS 2, FAIL 0, INCONCLUSIVE 0" out &&
    test_grep "^violations: 0 " out &&
    test_grep "^lost events: none" out &&
    test_grep "^result: PASS" out &&
    test_grep "^ukey audit: 62 events, 2 ukeys (0 live), 2 rounds, complete run" out
'

test_expect_code 1 'the v1-replace double delete fails (exit 1)' '
    "$UKDB" audit double_delete >out; rc=$?; cat out; exit $rc
'

test_expect_success 'the violation names the rule, the ukey and evidence' '
    "$UKDB" audit double_delete >out;
    test_grep "^violation: ERROR double-delete ukey#1 flow f1 " out &&
    test_grep "event 38 seq=38 at +0.000037000 by revalidator0; earlier event 31 seq=31 .* by handler0" out &&
    test_grep "^result: FAIL" out
'

test_expect_code 3 'lost events make it inconclusive (exit 3), not FAIL' '
    "$UKDB" audit lossy >out; rc=$?; cat out; exit $rc
'

test_expect_success 'the lost events are reported with where and when' '
    "$UKDB" audit lossy >out;
    test_grep "^lost events: 500 in 1 report " out &&
    test_grep "^  500 events of stream .*stream_0 between +0.0000" out &&
    test_grep "^verdicts: PASS 0, FAIL 0, INCONCLUSIVE 2" out &&
    ! grep -q "^violation:" out
'

# A lost packet: babeltrace2 knows how many packets, not how many events;
# the summary must not say "0" (it did), and JSON says null.
test_expect_code 3 'a lost packet: an unknown number of events, exit 3' '
    "$UKDB" audit lost_packet >out; rc=$?; cat out;
    test_grep "^lost events: an unknown number in 1 report " out &&
    test_grep "^  unknown number of events (1 packet) of stream .*stream_0" out &&
    test_grep "^verdicts: PASS 0, FAIL 0, INCONCLUSIVE 2" out &&
    "$UKDB" audit --format json lost_packet >json;
    $PY -c "import json, sys
lost = json.load(open(\"json\"))[\"lost\"]
assert lost[\"reports_of_unknown_count\"] == 1, lost
assert lost[\"ranges\"][0][\"count\"] is None, lost" &&
    exit $rc
'

# Per-CPU streams: a loss is merged in at the beginning of its range, and
# the other stream's events in that range come after it.  A ukey created
# there whose retirement was lost is not a leak (the audit said FAIL).
test_expect_code 3 'a ukey created in another stream during a loss is inconclusive' '
    "$UKDB" audit lost_other_stream >out; rc=$?; cat out;
    test_grep "^lost events: 16 in 1 report " out &&
    test_grep "^verdicts: PASS 0, FAIL 0, INCONCLUSIVE 2" out &&
    ! grep -q "^violation:" out &&
    "$UKDB" view --ukey 2 lost_other_stream >view &&
    test_grep "inconclusive: events were lost while it was live" view &&
    exit $rc
'

# Found on a real 2-CPU load in a discard-mode channel: a ukey whose create
# was lost and that was first seen mid-life was exempt from nothing when
# later losses came: its lost free made it a leak (8,518 false FAILs).
test_expect_code 3 'a ukey seen mid-life after a loss, its free lost: inconclusive' '
    "$UKDB" audit mid_life_lost >out; rc=$?; cat out;
    test_grep "^verdicts: PASS 0, FAIL 0, INCONCLUSIVE 1" out &&
    ! grep -q "^violation:" out &&
    exit $rc
'

# LTTng-UST was seen writing a counter of 0 amid others: babeltrace2 then
# reports 2^64 - 5 events, and the audit printed that number.
test_expect_code 3 'a discard counter that goes back: unknown, then what is new' '
    "$UKDB" audit counter_back >out; rc=$?; cat out;
    test_grep "^lost events: 8 and an unknown number in 3 reports " out &&
    test_grep "^  5 events of stream .*stream_0 between" out &&
    test_grep "^  unknown number of events (LTTng.s counter went back) of stream" out &&
    test_grep "^  3 events of stream .*stream_0 between" out &&
    ! grep -q 18446744 out &&
    "$UKDB" view --format raw counter_back 2>err >/dev/null &&
    test_grep "an unknown number of events (LTTng.s counter went back)" err &&
    exit $rc
'

# A snapshot of per-CPU buffers (lttng snapshot record) starts mid-run, and
# its streams begin and end at different times: what a stream would have
# recorded before its first packet or after its last is missing, without a
# discarded-events message.  The audit found 21 false duplicate-ukey
# errors in a real snapshot of an upstream load; the REPL, which follows
# the gaps in seq, found none.
test_expect_code 3 'a snapshot whose streams begin apart: no false duplicate' '
    "$UKDB" audit snapshot_head >out; rc=$?; cat out;
    test_grep "^verdicts: PASS 0, FAIL 0, INCONCLUSIVE 2" out &&
    test_grep "^  16 events of stream .*stream_1 (before it began; the input starts mid-run) between +0.000000000 and +0.000029000 (LTTng did not count them; 16 seqs missing)\$" out &&
    ! grep -q "^violation:" out &&
    exit $rc
'

# A stream of another provider (a kernel trace beside, say) loses no ukey
# event when it begins late or ends early.
test_expect_code 3 'a snapshot beside a trace of another provider' '
    printf "upcall thread=1 ufid=0x5 value=1 ts=%d\n" 105000 110000 115000 |
        $WRITE --provider other other &&
    "$UKDB" audit snapshot_head other >out; rc=$?; cat out;
    test_grep "^lost events: 16 and an unknown number in 2 reports" out &&
    ! grep -q "other/stream_0" out &&
    exit $rc
'

# Kernel traces lose events often: a loss in another provider's stream
# loses no ukey event, and left every verdict inconclusive.
test_expect_success 'a loss in a stream of another provider: still PASS' '
    printf "upcall thread=1 ufid=0x5 value=1 ts=%d\n@discard 7\nupcall thread=1 ufid=0x5 value=1 ts=%d\n" \
        30000 40000 | $WRITE --provider other lossy_other &&
    "$UKDB" audit clean lossy_other >out; cat out;
    test_grep "^lost events: none" out &&
    test_grep "^result: PASS" out
'

test_expect_code 3 'a snapshot whose streams end apart: no false duplicate' '
    "$UKDB" audit snapshot_tail >out; rc=$?; cat out;
    test_grep "^verdicts: PASS 0, FAIL 0, INCONCLUSIVE 2" out &&
    test_grep "^  16 events of stream .*stream_1 (after it ended; the input starts mid-run) between +0.000002000 and the end (LTTng did not count them; 16 seqs missing)\$" out &&
    ! grep -q "^violation:" out &&
    "$UKDB" audit --format json snapshot_tail >json;
    $PY -c "import json
r = json.load(open(\"json\"))[\"lost\"][\"ranges\"]
assert [x[\"ts_end\"] for x in r][-1] is None, r" &&
    exit $rc
'

# The stream that ends early ended before the first event was folded (it
# waits for later ones), when the audit did not know yet that the input
# starts mid-run: its end was forgotten, and a duplicate-ukey said.
test_expect_code 3 'a stream that ends with the first event: no false duplicate' '
    "$UKDB" audit snapshot_first_end >out; rc=$?; cat out;
    test_grep "^ukey audit: 25 events, .*, a run seen from seq 100 on, no end event (partial)$" out &&
    test_grep "^verdicts: PASS 0, FAIL 0, INCONCLUSIVE 2" out &&
    test_grep "^  16 events of stream .*stream_1 (after it ended; the input starts mid-run) between +0.000000000 and the end (LTTng did not count them; 16 seqs missing)\$" out &&
    ! grep -q "^violation:" out &&
    exit $rc
'

# A session that enabled only some ukey:* events: LTTng's metadata then
# declares only those.  Every free was missing, and the audit said FAIL
# (two leaks); what such a trace cannot show is unknown, not a violation.
test_expect_code 3 'a trace of only some event types: inconclusive, and says which' '
    scn_clean | $WRITE --types thread_start,flow,create,transition,end some &&
    "$UKDB" audit some >out; rc=$?; cat out;
    test_grep "^verdicts: PASS 0, FAIL 0, INCONCLUSIVE 2" out &&
    test_grep "^  44 events of the types its session did not enable (traffic, upcall, lock, trylock, unlock, umap_lookup and 17 more) between +0.000000000 and the end (LTTng did not count them; 44 seqs missing)\$" out &&
    ! grep -q "^violation:" out &&
    exit $rc
'

# Two runs in one session (a script run twice, a restarted daemon): the
# second numbers ukeys from 1 again.  Its creates were "use after free"
# (a real session of two loads gave 112 false errors).
test_expect_success 'two runs in one trace: each judged on its own' '
    "$UKDB" audit two_runs >out; cat out;
    test_grep "^ukey audit: 124 events, 4 ukeys (0 live), 4 rounds, 2 runs, the last complete run" out &&
    test_grep "^verdicts: PASS 4, FAIL 0, INCONCLUSIVE 0" out &&
    "$UKDB" audit --format json two_runs >json &&
    test_grep "\"runs\":2," json
'

# view listed both runs' ukey#1 alike, as if one ukey had two timelines.
test_expect_success 'two runs in one trace: view says which run a ukey is of' '
    "$UKDB" view two_runs >out &&
    test "$(grep -c "^ukey#1 flow f1 " out)" = 1 &&
    test "$(grep -c "^ukey#1 (run 2) flow f1 " out)" = 1 &&
    "$UKDB" view --format json two_runs >json &&
    $PY -c "import json, sys
u = json.load(open(sys.argv[1]))[\"ukeys\"]
assert sorted((k[\"id\"], k[\"run\"]) for k in u) == [(1, 1), (1, 2), (2, 1), (2, 2)], u" json
'

# A run killed before its end, then another: a thread start of seq 1 well
# into a run starts the next.  Its live ukeys are inconclusive (the audit
# said PASS, their ids taken by the next run's).
test_expect_code 3 'a killed run, then another: its ukeys are inconclusive' '
    "$UKDB" audit killed_run >out; rc=$?; cat out;
    test_grep "2 runs, the last complete run" out &&
    test_grep "^verdicts: PASS 2, FAIL 0, INCONCLUSIVE 2" out &&
    exit $rc
'

# Two programs traced at once into one session (per-user buffers: their
# events share streams).  The audit saw their mixed ids as double deletes
# and double frees: a thread's seqs, which only go up, tell.  Every event
# of the second goes back, its end too (of a seq not above the first's
# end, it starts no other run).
test_expect_success 'two programs mixed in one trace: an error, no verdict' '
    "$UKDB" audit two_programs >out 2>err; rc=$?; cat out err;
    test $rc = 2 &&
    test_grep "^ukdb: error: the events of thread 0 (main) go back from seq 1 to seq 1 at +0.000000500 (62 times): the input mixes the events of two programs" err &&
    test "$(wc -l <err)" = 1 &&
    test ! -s out &&
    "$UKDB" view two_programs >out 2>err; test $? = 2 &&
    test_grep "the input mixes the events of two programs" err &&
    ! babeltrace2 --plugin-path="$PLUGINS" two_programs \
        -c sink.ukey.audit >out 2>err &&
    test_grep "go back from seq 1 to seq 1" err &&
    test ! -s out &&
    "$UKDB" two_programs </dev/null >out 2>err; test $? = 2 &&
    test_grep "^ukdb: error: open: .two_programs.: the events of thread 0 (main) go back" err
'

# The raw and Chrome views print each event as it comes: they printed them
# (half a JSON file) before the error, which the end of the input tells.
test_expect_success 'two programs mixed: every view format errs before any output' '
    for f in text json raw chrome; do
        "$UKDB" view --format $f two_programs >out 2>err; rc=$?
        test $rc = 2 && test ! -s out &&
        test_grep "^ukdb: error: the events of thread 0 (main) go back .*the input mixes the events of two programs" err &&
        test "$(wc -l <err)" = 1 || { echo "--format $f: status $rc"; cat out err; exit 1; }
    done &&
    ! babeltrace2 --plugin-path="$PLUGINS" two_programs \
        -c sink.ukey.lifecycle -p "format=\"chrome\"" >out 2>err &&
    test_grep "go back from seq 1 to seq 1" err &&
    ! grep -q traceEvents out
'

# A session stopped and started again records nothing in between, and
# LTTng counts no discarded event: the audit saw no loss, and ukey 1,
# whose retirement fell in the gap, made a false duplicate-ukey and a false
# leak (FAIL).  A gap in seq no thread can still fill is a loss.
test_expect_success 'a gap in seq (tracing stopped, then started): no false FAIL' '
    "$UKDB" audit stopped >out; rc=$?; cat out; test $rc = 3 &&
    ! grep "^violation:" out &&
    test_grep "^verdicts: PASS 1, FAIL 0, INCONCLUSIVE 2\$" out &&
    test_grep "^  504 events of seq 30 to 533 (never recorded: was tracing stopped and started again?) between +0.000028000 and +0.000533000\$" out &&
    babeltrace2 --plugin-path="$PLUGINS" stopped -c sink.ukey.audit >cli &&
    test_cmp out cli &&
    "$UKDB" audit --format json stopped >out.json; test $? = 3 &&
    $PY -c "
import json, sys
d = json.load(open(sys.argv[1]))
assert d[\"result\"] == \"INCONCLUSIVE\" and d[\"exit\"] == 3, d
assert d[\"errors\"] == 0 and not d[\"violations\"], d
" out.json &&
    "$UKDB" view --format raw stopped >raw 2>err &&
    test_grep "^ukdb: warning: 504 events of seq 30 to 533" err &&
    # A seq that comes late (its thread recorded it a while after it
    # numbered it, in another CPU'"'"'s stream) is no loss.
    scn_clean | awk "NR == 6 { print \"@stream 1\"; print \$0 \" ts=40000\";
                               print \"@stream 0\"; next } { print }" |
        $WRITE late &&
    "$UKDB" audit late >out && test_grep "^lost events: none" out &&
    test_grep "^verdicts: PASS 2, FAIL 0, INCONCLUSIVE 0" out
'

# A stream that lost its first packet says nothing of it (its packet count
# starts there): its events are only missing seqs among the other
# streams'"'"' events, a few at a time.  The ukey they retired must not
# look still in its umap when another one comes for its flow.
test_expect_success 'seqs that never come, few at a time: a loss, no false FAIL' '
    scn_lost_head | $WRITE lost-head &&
    "$UKDB" audit lost-head >out; rc=$?; cat out; test $rc = 3 &&
    ! grep "^violation:" out &&
    test_grep "^verdicts: PASS 1, FAIL 0, INCONCLUSIVE 1\$" out &&
    test_grep "^  16 events of seq 18 to 33 (never recorded: the run went on without them)" out &&
    scn_lost_among | $WRITE lost-among &&
    "$UKDB" audit lost-among >out; rc=$?; cat out; test $rc = 3 &&
    ! grep "^violation:" out &&
    test_grep "^verdicts: PASS 1, FAIL 0, INCONCLUSIVE 1\$" out &&
    test_grep "^  96 events among seq 18 to 123 (never recorded: more seqs missing than the threads hold)" out &&
    babeltrace2 --plugin-path="$PLUGINS" lost-among -c sink.ukey.audit >cli &&
    test_cmp out cli
'

test_expect_code 3 'a run without its end event is inconclusive' '
    "$UKDB" audit partial >out; rc=$?; cat out; exit $rc
'

test_expect_success 'audit --format json' '
    "$UKDB" audit --format json double_delete >out.json;
    $PY -c "
import json, sys
d = json.load(open(\"out.json\"))
assert d[\"result\"] == \"FAIL\" and d[\"exit\"] == 1, d
assert d[\"verdicts\"] == {\"PASS\": 0, \"FAIL\": 1, \"INCONCLUSIVE\": 1}, d
v = d[\"violations\"][0]
assert v[\"kind\"] == \"double-delete\" and v[\"ukey\"] == 1, v
assert v[\"evidence\"][0][\"thread\"] == \"revalidator0\", v
assert v[\"evidence\"][1][\"seq\"] == 31, v
assert d[\"flows\"][0][\"flow\"] == \"f1\", d
# The REPL numbers events from 1 (\"goto 38\"), and names these counts so.
assert [e[\"event\"] for e in v[\"evidence\"]] == [38, 31], v
assert d[\"ukeys_seen\"] == 2 and d[\"live_ukeys\"] == 2, d
assert \"ukeys\" not in d and \"live\" not in d, d
" &&
    "$UKDB" double_delete -c "goto 38; log 1" >out 2>&1 &&
    test_grep "^\[38\]  revalidator0  umap_remove umap\[3\] ukey#1 -> ENOENT" out
'

test_expect_success 'traces are found in subdirectories' '
    mkdir -p top/x/y && cp -r clean top/x/y/run &&
    "$UKDB" audit top >out &&
    test_grep "^ukey audit: 62 events, 2 ukeys" out
'

# ==== Timelines ====

# The view folds its input into one timeline per ukey id: two recordings
# given together (or per-process buffers of programs that ran one after
# the other) were folded into one, each ukey#1 listed as if one program
# had them all, and exit 0, where the page says several programs' traces
# are refused.  Nothing is printed before the error.
test_expect_success 'view: several traces are refused, before any output' '
    for f in text json chrome; do
        "$UKDB" view --format $f clean double_delete >out 2>err
        test $? = 2 && test ! -s out &&
        test "$(wc -l <err)" = 1 &&
        test_grep "^ukdb: error: .*the input holds 2 traces (.*/clean; .*/double_delete): view each on its own\$" err ||
        return 1
    done &&
    ! babeltrace2 --plugin-path="$PLUGINS" clean double_delete \
        -c sink.ukey.lifecycle >out 2>err &&
    test ! -s out && test_grep "view each on its own" err &&
    "$UKDB" view clean >out && test "$(grep -c "^ukey#" out)" = 2
'

test_expect_success 'view: one timeline per ukey' '
    "$UKDB" view clean >out &&
    cat >expect <<-\EOT &&
	ukey#1 flow f1 ufid=0000000000000010 umap[3]: PASS, DELETED, freed
	  +0.000011000 seq=12     handler0       CREATED -> VISIBLE             core/handler.c:301
	  +0.000014000 seq=15     handler0       VISIBLE -> OPERATIONAL         core/handler.c:344
	  +0.000033000 seq=34     revalidator0   OPERATIONAL -> EVICTING        core/revalidator.c:180
	  +0.000036000 seq=37     revalidator0   EVICTING -> EVICTED            core/revalidator.c:214
	  +0.000040000 seq=41     revalidator0   EVICTED -> DELETED             core/revalidator.c:251
	EOT
	head -6 out >head && test_cmp expect head &&
    test "$(grep -c "^ukey#" out)" = 2
'

test_expect_success 'view --ukey, --thread, --begin/--end' '
    "$UKDB" view --ukey 2 clean >out &&
    test "$(grep -c "^ukey#" out)" = 1 && test_grep "^ukey#2 flow f2" out &&
    "$UKDB" view --thread handler0 --ukey 1 clean >out &&
    test "$(grep -c " handler0 " out)" = 2 &&
    ! grep -q revalidator0 out &&
    "$UKDB" view --ukey 1 --begin seq:34 --end seq:37 clean >out &&
    test "$(grep -c "seq=" out)" = 2 &&
    "$UKDB" view --ukey 1 --begin 34000 --end 34000ns clean >out &&
    test "$(grep -c "seq=" out)" = 1 &&
    "$UKDB" view --ukey 1 --begin +0.000014 --end +0.000036 clean >out &&
    test "$(grep -c "seq=" out)" = 3 &&
    { "$UKDB" view --begin 12x clean 2>err; test $? = 2; } &&
    test_grep "expecting N or Nns (ns .*), +S.FFF (.*), seq:N or #N (event seq) (see \"ukdb view --help\")\$" err
'

# A range listed every ukey, those with nothing in it with an empty body
# ("view --begin +9" on race-upstream: both ukeys, no step).  As --thread
# does, --begin/--end now show only the ukeys with a transition or a
# violation in the range, in every format; none left is "no ukey matched",
# as with a --thread that matches nothing.  (Chrome draws events: a ukey
# created in the range has its CREATED slice there, as with --thread.)
test_expect_success 'view --begin/--end: only the ukeys with an event in range' '
    "$UKDB" view --end seq:20 clean >out &&
    test "$(grep -c "^ukey#" out)" = 1 && test_grep "^ukey#1 " out &&
    "$UKDB" view --begin seq:45 clean >out &&
    test "$(grep -c "^ukey#" out)" = 1 && test_grep "^ukey#2 " out &&
    "$UKDB" view --begin seq:60 clean >out &&
    echo "no ukey matched" >expect && test_cmp expect out &&
    "$UKDB" view --begin +9 "$TEST_TOP/traces/race-upstream" >out &&
    test_cmp expect out &&
    "$UKDB" view --end seq:20 "$TEST_TOP/traces/race-upstream" >out &&
    test "$(grep -c "^ukey#" out)" = 1 && test_grep "^ukey#1 " out &&
    for r in "--end seq:19" "--begin seq:45" "--begin seq:60" \
        "--begin seq:42 --end seq:49"; do
        "$UKDB" view --format json $r clean >$#.json &&
        "$UKDB" view --format chrome $r clean >$#.chrome &&
        $PY - "$r" $#.json $#.chrome <<-\EOF || return 1
	import json, sys
	want = {"--end seq:19": [1], "--begin seq:45": [2],
	        "--begin seq:60": [], "--begin seq:42 --end seq:49": []}
	want = want[sys.argv[1]]
	got = [u["id"] for u in json.load(open(sys.argv[2]))["ukeys"]]
	assert got == want, (sys.argv[1], got)
	ukeys = set()
	for e in json.load(open(sys.argv[3]))["traceEvents"]:
	    if e.get("cat") == "ukey":
	        ukeys.add(e["id"])
	    elif e.get("cat") == "transition":
	        ukeys.add(int(e["name"].split()[0][5:]))
	assert sorted(ukeys) == want, (sys.argv[1], sorted(ukeys))
	EOF
    done &&
    babeltrace2 --plugin-path="$PLUGINS" clean -c sink.ukey.lifecycle \
        -p "end=\"seq:20\"" >cli &&
    "$UKDB" view --end seq:20 clean >out && test_cmp out cli
'

# Before, an inverted range was accepted and showed timelines without
# their steps.  Bounds of two kinds are compared only against the events.
test_expect_success 'view: --begin after --end of one kind is an error' '
    for r in "seq:60 seq:50" "#60 seq:50" "34001 34000ns" "+0.5 +0.1"; do
        set -- $r &&
        { "$UKDB" view --begin $1 --end $2 clean >out 2>err; test $? = 2; } &&
        ! test -s out && test "$(wc -l <err)" = 1 &&
        test_grep "^ukdb: error: view: --begin .$1. is after --end .$2.: the range is empty (see \"ukdb view --help\")\$" err ||
        return 1
    done &&
    "$UKDB" view --begin seq:60 --end +0.000001 clean >out &&
    "$UKDB" view --begin seq:37 --end seq:37 --ukey 1 clean >out &&
    test "$(grep -c "seq=" out)" = 1 &&
    { babeltrace2 --plugin-path="$PLUGINS" clean -c sink.ukey.lifecycle \
        -p "begin=\"seq:60\",end=\"seq:50\"" >out 2>err; test $? != 0; } &&
    test_grep "begin is after end: the range is empty" err
'

# A time from the first event past 2^64 ns wrapped, in its parsing
# (+99999999999999999999 s) or added to the first event's timestamp
# (+18446744073 s after race-upstream's, some 1.8e18 ns): "--end" then
# showed no event.  Past every event, it shows them all ("--begin": none).
test_expect_success 'view --begin/--end past 2^64 ns: after every event' '
    RU="$TEST_TOP/traces/race-upstream" &&
    for t in clean "$RU"; do
        "$UKDB" view "$t" >all &&
        for e in +99999999999999999999 +18446744073; do
            "$UKDB" view --end $e "$t" >out && test_cmp all out &&
            "$UKDB" view --begin $e "$t" >out &&
            echo "no ukey matched" >expect && test_cmp expect out || return 1
        done
    done
'

# An absolute bound of 2^64 ns or more (or seq) read as 2^64 - 1, the
# last there is: "--begin 99999999999999999999" showed nothing, with exit
# 0.  It is out of range, as a negative one is; 2^64 - 1 itself is taken.
# "1.5" and "1e3" say what they are instead of a whole number.
test_expect_success 'view: an absolute bound past 2^64 - 1 is out of range' '
    for b in 99999999999999999999 18446744073709551616ns seq:18446744073709551616 \
        "#99999999999999999999"; do
        { "$UKDB" view --begin "$b" clean >out 2>err; test $? = 2; } &&
        ! test -s out && test "$(wc -l <err)" = 1 &&
        test_grep "^ukdb: error: view: --begin: .$b.: out of range (0 to 2^64 - 1) (see" err ||
        return 1
    done &&
    { "$UKDB" view --begin -1 clean >out 2>err; test $? = 2; } &&
    test_grep "^ukdb: error: view: --begin: .-1.: out of range (0 or more) (see" err &&
    { "$UKDB" view --end 1.5 clean >out 2>err; test $? = 2; } &&
    test_grep "view: --end: .1.5.: not a whole number (0 or more); expecting N or Nns" err &&
    { "$UKDB" view --end 1e3ns clean >out 2>err; test $? = 2; } &&
    test_grep "view: --end: .1e3ns.: not written in digits (0 or more); expecting N or Nns" err &&
    { "$UKDB" view --end x clean >out 2>err; test $? = 2; } &&
    test_grep "view: --end: .x.: not a number (0 or more); expecting N or Nns" err &&
    "$UKDB" view --begin 18446744073709551615 clean >out &&
    echo "no ukey matched" >expect && test_cmp expect out &&
    "$UKDB" view --end seq:18446744073709551615 clean >out &&
    "$UKDB" view clean >all && test_cmp all out &&
    { babeltrace2 --plugin-path="$PLUGINS" clean -c sink.ukey.lifecycle \
        -p "begin=\"99999999999999999999\"" >out 2>err; test $? != 0; } &&
    test_grep "Invalid parameter: param-name=\"begin\"" err
'

# The component said "expecting an integer (ns) or a string: ..." of any
# bad "begin" or "end": it names the problem as "ukdb view" does, in a
# cause of its own.  babeltrace2 folds the cause's lines; "tr" unfolds them.
test_expect_success 'the view component says what is wrong with a bound' '
    for p in "begin=\"1.5\"|begin\", value=\"1.5\": not a whole number (0 or more); expecting an integer" \
        "end=\"#1e3\"|end\", value=\"#1e3\": not written in digits (0 or more); expecting" \
        "begin=\"x\"|begin\", value=\"x\": not a number (0 or more); expecting" \
        "end=\"99999999999999999999\"|end\", value=\"99999999999999999999\": out of range (0 to 2^64 - 1)\$" \
        "begin=\"seq:-1\"|begin\", value=\"seq:-1\": out of range (0 or more)\$" \
        "begin=-1|begin\", value=-1: out of range (0 or more)\$" \
        "begin=1.5|begin\", value=1.5: not a whole number (0 or more); expecting" \
        "end=2.0|end\", value=2.0: not written in digits (0 or more); expecting"; do
        { babeltrace2 --plugin-path="$PLUGINS" clean -c sink.ukey.lifecycle \
            -p "${p%%|*}" >out 2>err; test $? != 0; } &&
        sed -n "/^CAUSED BY \[sink.ukey.lifecycle/,/^CAUSED BY/p" err |
            sed -n "2,\$p" | sed "/^CAUSED BY/,\$d" | sed "s/^  //" |
            tr "\n" " " | sed "s/ \$//" >cause &&
        test_grep "^Invalid parameter: param-name=\"${p#*|}" cause ||
        { cat err; return 1; }
    done
'

test_expect_success 'view --flow NAME' '
    "$UKDB" view --flow f2 clean >out &&
    test "$(grep -c "^ukey#" out)" = 1 && test_grep "^ukey#2 flow f2" out &&
    "$UKDB" view --flow nosuch clean >out &&
    test_grep "^no ukey matched: the trace declares no flow named .nosuch.$" out
'

# As --flow: a --thread or --ukey that names nothing in the trace says so.
test_expect_success 'view --thread and --ukey that name nothing say so' '
    "$UKDB" view --thread nosuch clean >out &&
    test_grep "^no ukey matched: the trace starts no thread named .nosuch.$" out &&
    "$UKDB" view --ukey 99 clean >out &&
    test_grep "^no ukey matched: the trace has no ukey#99$" out &&
    "$UKDB" view --ukey 2 --flow f1 clean >out &&
    test_grep "^no ukey matched$" out
'

# The raw, JSON and Chrome views said nothing of a filter that selects
# nothing (exit 0, as of an empty trace).  They say it as the text view
# does, on stderr: their output stays a document (raw: empty).  (The raw
# view selects events: "--begin seq:60" leaves it the run's last ones.)
test_expect_success 'view: no ukey matched, in every format, on stderr' '
    while IFS="|" read -r filter why; do
        for f in raw json chrome; do
            "$UKDB" view --format $f $filter clean >out 2>err &&
            echo "no ukey matched$why" >expect && test_cmp expect err &&
            if [ $f = raw ]; then
                ! test -s out
            else
                $PY -c "import json, sys; json.load(open(sys.argv[1]))" out
            fi || return 1
        done
    done <<-\EOF &&
	--flow nosuch|: the trace declares no flow named '\''nosuch'\''
	--thread nosuch|: the trace starts no thread named '\''nosuch'\''
	--ukey 99|: the trace has no ukey#99
	--ukey 2 --flow f1|
	EOF
    for f in json chrome; do
        "$UKDB" view --format $f --begin seq:60 clean >out 2>err &&
        echo "no ukey matched" >expect && test_cmp expect err || return 1
    done &&
    for f in raw json chrome; do
        "$UKDB" view --format $f --ukey 1 clean >out 2>err &&
        test -s out && ! test -s err || return 1
    done
'

# The text view and audit pad names by their columns, not their bytes: a
# UTF-8 thread or flow name pushed the rest of its lines to the left.  With
# names turned into their ASCII twins, the output is the twin trace's.
U_HAND=$'h\303\244nd0' U_CAFE=$'caf\303\251'
test_expect_success 'view and audit align UTF-8 names by their columns' '
    scn_clean | sed "s/name=handler0/name=$U_HAND/; s/name=f1/name=$U_CAFE/" |
        $WRITE utf8 &&
    scn_clean | sed "s/name=handler0/name=hand0/; s/name=f1/name=cafe/" |
        $WRITE ascii &&
    for c in "view" "audit"; do
        "$UKDB" $c utf8 >u.out && "$UKDB" $c ascii >a.out &&
        test_grep "$U_CAFE" u.out &&
        sed "s/$U_HAND/hand0/g; s/$U_CAFE/cafe/g" u.out >u.ascii &&
        test_cmp a.out u.ascii || return 1
    done &&
    cmds="goto 20; show ukeys; show threads; show umaps; show dp; log 4; history 1" &&
    "$UKDB" utf8 -c "$cmds" >u.out 2>&1 && "$UKDB" ascii -c "$cmds" >a.out 2>&1 &&
    test_grep "$U_HAND" u.out &&
    sed "s/$U_HAND/hand0/g; s/$U_CAFE/cafe/g; s,^utf8: ,ascii: ," u.out >u.ascii &&
    test_cmp a.out u.ascii
'

test_expect_success 'view --format json' '
    "$UKDB" view --format json double_delete >out.json &&
    $PY -c "
import json
d = json.load(open(\"out.json\"))
u = {x[\"id\"]: x for x in d[\"ukeys\"]}
assert u[1][\"verdict\"] == \"FAIL\" and u[1][\"rule\"] == \"double-delete\"
assert [s[\"to\"] for s in u[1][\"transitions\"]] == [\"VISIBLE\", \"OPERATIONAL\", \"EVICTING\", \"EVICTED\", \"DELETED\"], u[1]
assert u[1][\"transitions\"][-1][\"thread\"] == \"handler0\"
# Each at its event as the REPL numbers it (its \"history 1\", \"goto\").
assert [s[\"event\"] for s in u[1][\"transitions\"]] == [12, 15, 21, 24, 32], u[1]
assert [e[\"event\"] for e in u[1][\"violations\"][0][\"evidence\"]] == [38, 31], u[1]
"
'

test_expect_success 'view --format raw: one canonical line per event' '
    "$UKDB" view --format raw clean >raw &&
    test "$(wc -l <raw)" = 62 &&
    head -1 raw >first &&
    echo "seq=1 thread=0 type=thread_start pmd=0 kind=MAIN name=main" >expect &&
    test_cmp expect first &&
    test_grep "^seq=12 thread=1 type=transition ukey=1 .* from=CREATED to=VISIBLE where=core/handler.c:301$" raw
'

# Before, --thread kept every thread's thread_start line in the raw view:
# it printed what the other threads did too.  Each line is now of the
# thread, its own thread_start included, as --ukey and --flow select.
test_expect_success 'view --format raw --thread: only that thread' '
    "$UKDB" view --format raw clean >all &&
    for t in main handler0 revalidator0; do
        id=$(sed -n "s/^seq=[0-9]* thread=\([0-9]*\) type=thread_start .* name=$t\$/\1/p" all) &&
        test -n "$id" &&
        grep "^seq=[0-9]* thread=$id " all >expect &&
        "$UKDB" view --format raw --thread $t clean >out &&
        test_cmp expect out &&
        test "$(grep -c " type=thread_start " out)" = 1 || return 1
    done
'

test_expect_success 'view --format chrome is valid trace-event JSON' '
    for s in clean double_delete lossy lost_packet lost_other_stream mid_life_lost \
    counter_back snapshot_head snapshot_tail partial; do
        "$UKDB" view --format chrome $s >$s.json &&
        $CHROME_CHECK $s.json >check || { cat check; exit 1; }
    done &&
    $CHROME_CHECK double_delete.json >check &&
    test_grep " i=1" check && test_grep " M=4" check &&
    test_grep " s=[1-9]" check &&
    grep -q "\"cat\":\"violation\",\"name\":\"ERROR double-delete ukey#1\"" double_delete.json
'

# Before, the chrome view applied only --ukey to violations: --flow,
# --thread and the range left the double delete in.
test_expect_success 'view --format chrome: violations pass every filter' '
    for f in "" "--flow f1" "--flow f2" "--thread revalidator0" \
        "--thread handler0" "--begin seq:38" "--begin seq:39" \
        "--end seq:38" "--end seq:37" "--ukey 1" "--ukey 2" \
        "--ukey 1 --flow f1 --thread revalidator0 --begin seq:38 --end seq:38"
    do
        c=$("$UKDB" view --format chrome $f double_delete |
            grep -c "\"cat\":\"violation\"")
        j=$("$UKDB" view --format json $f double_delete |
            grep -o "\"kind\":\"double-delete\"" | wc -l)
        echo "$f: chrome $c json $j"
        test "$c" = "$j" || exit 1
    done >log &&
    cat log &&
    test "$(grep -c "chrome 1 json 1" log)" = 7
'

# ==== Bad input ====

# nftw() passes over a directory it cannot read: a trace under it was left
# out, unsaid ("Not a CTF trace: no metadata file under ...", or the audit
# of the readable traces only, as if it were the whole input).  As root,
# the check runs as nobody (setpriv), if nobody can run ukdb.
test_expect_success 'a directory that cannot be read: exit 2, one line' '
    AS=
    if [ "$(id -u)" = 0 ]; then
        command -v setpriv >/dev/null || exit 0
        AS="setpriv --reuid=65534 --regid=65534 --clear-groups"
        chmod 711 "$TRASH"
    fi
    mkdir -p locked/inner parent/locked &&
    cp -r clean locked/inner/t && cp -r clean parent/ok &&
    cp -r double_delete parent/locked/t &&
    chmod -R a+rX locked parent &&
    { $AS "$UKDB" audit parent/ok >out 2>&1 || exit 0; } &&
    chmod 000 locked parent/locked &&
    for t in locked parent; do
        $AS "$UKDB" audit $t >out 2>err; rc=$?
        test $rc = 2 && test ! -s out && test "$(wc -l <err)" = 1 &&
        test_grep "^ukdb: error: Cannot search trace directory: path=\"$t.*\": Permission denied\$" err ||
            { chmod 755 locked parent/locked; exit 1; }
    done
    chmod 755 locked parent/locked
'

test_expect_success 'bad traces: exit 2, one clear error, no crash' '
    mkdir empty notrace && echo x >notrace/file &&
    cp -r clean garbage && head -c 300 /dev/urandom >garbage/metadata &&
    cp -r clean trunc && truncate -s 1000 trunc/stream_0 &&
    cp -r clean halfmeta && truncate -s 800 halfmeta/metadata &&
    scn_clean | $WRITE --provider other other &&
    for t in empty notrace garbage trunc halfmeta other nosuch notrace/file
    do
        "$UKDB" audit $t >out 2>err; rc=$?
        echo "$t: exit $rc: $(head -2 err | tr "\n" " ")"
        test $rc = 2 && test_grep "^ukdb: error: " err &&
            test "$(wc -l <err)" = 1 || exit 1
        "$UKDB" view $t >out 2>err; test $? = 2 || exit 1
        test "$(wc -l <err)" = 1 || { cat err; exit 1; }
    done >log &&
    cat log &&
    grep "^empty:" log | grep -q "Not a CTF trace" &&
    grep "^other:" log >/dev/null &&
    "$UKDB" audit other 2>err; test_grep "Not a ukey trace" err &&
    grep "^trunc:" log | grep -q "Cannot read trace: .*: .*stream file" &&
    UKDB_ERROR_CHAIN=1 "$UKDB" audit trunc 2>chain; test $? = 2 &&
    test "$(grep -c "^  caused by: " chain)" -ge 2
'

# A corrupt TSDL metadata said only "Cannot create trace for `DIR`.":
# babeltrace2 2.0.4 logs the reason (the parser's syntax error at a line,
# an attribute out of range) but leaves it out of its error causes.  A
# keyword flipped, a number out of range, and the metadata cut at a packet
# boundary (ukdb's own check passes it: the text just ends early).
test_expect_success 'corrupt metadata: the one line says what is wrong' '
    src="$TEST_TOP/traces/purge/ust/uid/0/64-bit" &&
    for t in badword badnum cutmeta; do cp -r "$src" $t || exit 1; done &&
    /usr/bin/python3 -c "
import sys
for t, a, b in ((\"badword\", b\"trace {\", b\"Xrace {\"),
                (\"badnum\", b\"size = 8;\", b\"size = 0;\")):
    p = t + \"/metadata\"
    d = open(p, \"rb\").read()
    i = d.index(a)
    open(p, \"wb\").write(d[:i] + b + d[i + len(a):])
" &&
    test "$(wc -c <cutmeta/metadata)" -gt 8192 &&
    truncate -s 8192 cutmeta/metadata &&
    for t in badword badnum cutmeta; do
        case $t in
        badword) why="At line [0-9]* in metadata stream: syntax error, unexpected IDENTIFIER: token=\"Xrace\"" ;;
        badnum) why="At line [0-9]* in metadata stream: Invalid .size. attribute in integer field class" ;;
        cutmeta) why="At line [0-9]* in metadata stream: syntax error, unexpected \\\$end" ;;
        esac
        for how in audit view open; do
            case $how in
            open) "$UKDB" -c "open $t" >out 2>err; rc=$?
                  pre="open: .$t.: " ;;
            *) "$UKDB" $how $t >out 2>err; rc=$?; pre= ;;
            esac
            cat err
            test $rc = 2 && test "$(wc -l <err)" = 1 &&
            test_grep "^ukdb: error: ${pre}Cannot read trace: \"$t\": $why" err ||
            exit 1
        done
    done &&
    UKDB_ERROR_CHAIN=1 "$UKDB" audit badword 2>chain; test $? = 2 &&
    test_grep "^  logged: \[PLUGIN/CTF/META/PARSER\] (parser.y:[0-9]*)\$" chain &&
    test_grep "^  caused by: .*src.ctf.fs" chain
'

# UKDB_BT_LOG=1 shows the components' own log on stderr, as it comes.
# While stderr was heard for the metadata's reason, the log of a source
# that failed was held back and dropped: nothing of it was shown.
test_expect_success 'corrupt metadata: UKDB_BT_LOG still shows the log' '
    test -d badword &&
    UKDB_BT_LOG=1 "$UKDB" audit badword >out 2>err; test $? = 2 &&
    cat err &&
    test_grep " E PLUGIN/SRC.CTF.FS .*Cannot create trace for" err &&
    test "$(grep -c "^ukdb: error: Cannot read trace: \"badword\"" err)" = 1
'

# A babeltrace2 log the user asked for (its library's level, the TSDL
# parser's, or UKDB_BT_LOG) is theirs, whole and in order, then the one
# line as without it, whether the source is made or fails.  While stderr
# was heard, the lines logged as the source was created on a failure, and
# during the UUID query always, were dropped: only the errors kept for the
# chain were left of them.  (There is no UUID query any more: it lost a
# file descriptor each time, see graph_group_add().)
test_expect_success 'a babeltrace2 log asked for: all of it, then the line' '
    test -d badword &&
    cp -r "$TEST_TOP/traces/purge/ust/uid/0/64-bit" goodmeta &&
    "$UKDB" audit goodmeta >out 2>err; test $? -le 1 && test ! -s err &&
    "$UKDB" -c "open goodmeta" >out 2>err && test ! -s err &&
    for how in audit open; do
        case $how in
        open) "$UKDB" -c "open badword" >out 2>line ;;
        *) "$UKDB" audit badword >out 2>line ;;
        esac
        test $? = 2 && test "$(wc -l <line)" = 1 || exit 1
        for t in badword goodmeta; do
            case $how in
            open) LIBBABELTRACE2_INIT_LOG_LEVEL=D "$UKDB" -c "open $t" \
                      >out 2>err; rc=$? ;;
            *) LIBBABELTRACE2_INIT_LOG_LEVEL=D "$UKDB" audit $t \
                   >out 2>err; rc=$? ;;
            esac
            echo "$how $t: exit $rc, $(wc -l <err) lines"
            ! grep " LIB/QUERY-EXECUTOR bt_query_executor_query@" err &&
            grep -q " LIB/GRAPH add_component_with_init_method_data@.* Calling user.s initialization method" err ||
                exit 1
            if [ $t = goodmeta ]; then
                test $rc -le 1 && ! grep "^ukdb: " err || exit 1
                continue
            fi
            test $rc = 2 &&
            grep -q " E PLUGIN/CTF/META/PARSER .*syntax error" err &&
            grep "^ukdb: error: " err >got && test_cmp line got &&
            failed=$(grep -n "add_component_with_init_method_data@.* status=ERROR" err | tail -1 | cut -d: -f1) &&
            test -n "$failed" &&
            test "$(grep -n "^ukdb: error: " err | cut -d: -f1)" -gt "$failed" ||
                exit 1
        done
    done &&
    "$UKDB" audit badword >out 2>line;
    BABELTRACE_PLUGIN_CTF_METADATA_LOG_LEVEL=E "$UKDB" audit badword \
        >out 2>err; test $? = 2 && cat err &&
    test "$(grep -c " E PLUGIN/CTF/META/PARSER .*syntax error" err)" -ge 2 &&
    grep "^ukdb: error: " err >got && test_cmp line got &&
    UKDB_BT_LOG=1 "$UKDB" audit badword >out 2>err; test $? = 2 &&
    grep "^ukdb: error: " err >got && test_cmp line got
'

# A log of megabytes (the library's at trace level) is heard in a file,
# not a pipe that would fill at 64 KiB and block babeltrace2; the REPL read
# only the first 8 KiB of what it captured, and lost the reason ("cannot
# read it") with the log.
test_expect_success 'a trace-level log on a corrupt metadata: no hang, the reason' '
    test -d badword &&
    for how in audit view open; do
        case $how in
        open) LIBBABELTRACE2_INIT_LOG_LEVEL=T timeout 120 \
                  "$UKDB" -c "open badword" >out 2>err; rc=$?
              pre="open: .badword.: " ;;
        *) LIBBABELTRACE2_INIT_LOG_LEVEL=T timeout 120 \
               "$UKDB" $how badword >out 2>err; rc=$?; pre= ;;
        esac
        echo "$how: exit $rc, $(wc -c <err) bytes"
        test $rc = 2 && test "$(wc -c <err)" -gt 65536 &&
        grep "^ukdb: error: " err | tee line && test "$(wc -l <line)" = 1 &&
        grep -q "^ukdb: error: ${pre}Cannot read trace: \"badword\": At line [0-9]* in metadata stream: syntax error" line ||
            exit 1
    done
'

# A ukey trace whose stream files are empty, or that has only its
# metadata, was "Not a ukey trace": src.ctf.fs skips empty stream files, so
# the sink saw no stream at all.  ukdb reads the metadata; the plugin behind
# the babeltrace2 CLI cannot, and says what it knows.
test_expect_success 'a ukey trace with no event is not "not a ukey trace"' '
    cp -r clean nostream && : >nostream/stream_0 &&
    mkdir onlymeta && cp clean/metadata onlymeta/ &&
    cp -r other otherempty && : >otherempty/stream_0 &&
    for t in nostream onlymeta; do
        for c in audit view; do
            "$UKDB" $c $t >out 2>err; test $? = 2 || exit 1
            test "$(wc -l <err)" = 1 &&
            test_grep "^ukdb: error: .*A ukey trace with no event: its streams are empty, or it has none\$" err || exit 1
        done
        "$UKDB" -c "open $t" 2>err; test $? = 2 &&
        test "$(wc -l <err)" = 1 &&
        test_grep "^ukdb: error: open: .$t.: .*A ukey trace with no event" err ||
            exit 1
        ! babeltrace2 --plugin-path="$PLUGINS" $t -c sink.ukey.audit \
            >out 2>err &&
        test_grep "No event: the input has no stream, or only empty ones" err &&
        ! grep -q "Not a ukey trace" err || exit 1
    done &&
    "$UKDB" audit otherempty >out 2>err; test $? = 2 &&
    test "$(wc -l <err)" = 1 && test_grep "Not a ukey trace" err
'

# An event time that overflows ns from origin: babeltrace2 left its error
# pending, and its next call aborted ("API function called while current
# thread has an error").
test_expect_success 'an event time that overflows: exit 2, one clear error' '
    cp -r snapshot_tail badtime &&
    printf "\240" | dd of=badtime/stream_0 bs=1 seek=83 conv=notrunc \
        2>/dev/null &&
    "$UKDB" audit badtime >out 2>err; rc=$?; cat err;
    test $rc = 2 && test "$(wc -l <err)" = 1 &&
    test_grep "^ukdb: error: .*A message.s time overflows .*: the trace is corrupt" err &&
    "$UKDB" badtime </dev/null >out 2>err; test $? = 2 &&
    test "$(wc -l <err)" = 1 && test_grep "time overflows" err
'

# A content size that overflows a packet context: babeltrace2 fails an
# assertion (its CLI aborts too), and ukdb aborted with it.
test_expect_success 'babeltrace2 aborting on a corrupt packet: exit 2' '
    cp -r snapshot_head badsize &&
    printf "\242" | dd of=badsize/stream_1 bs=1 seek=47 conv=notrunc \
        2>/dev/null &&
    "$UKDB" audit badsize >out 2>err; rc=$?; cat err;
    test $rc = 2 && test_grep "^ukdb: error: " err &&
    "$UKDB" view badsize >out 2>err; test $? = 2 &&
    "$UKDB" badsize </dev/null >out 2>err; rc=$?; cat err;
    test $rc = 2 && test "$(wc -l <err)" = 1 &&
    test_grep "^ukdb: error: " err
'

# An abort in the REPL quotes babeltrace2's reason, the last line it wrote:
# read from the start of what was captured, it was a line of a log the
# user asked for.
test_expect_success 'babeltrace2 aborting under a log: its reason quoted' '
    test -d badsize &&
    LIBBABELTRACE2_INIT_LOG_LEVEL=D "$UKDB" -c "open badsize" >out 2>err
    test $? = 2 && test "$(wc -c <err)" -gt 4096 &&
    grep "^ukdb: error: " err | tee line &&
    grep -q "^ukdb: error: open: .badsize.: babeltrace2 aborted reading the trace (msg-iter.c:[0-9]*: " line
'

# A packet size that reads 0 in a stream file with no LTTng index:
# babeltrace2 2.0.4 indexes the file for ever, growing by ~100 MB/s (ukdb
# grew past 4 GB, or until the timeout).  A watch on the memory ends it.
test_expect_success 'babeltrace2 looping on a corrupt stream: exit 2' '
    cp -r "$TEST_TOP/traces/race-upstream/ust/uid/0/64-bit" loop &&
    rm -rf loop/index &&
    /usr/bin/python3 -c "import sys; p = sys.argv[1]; g = open(p, \"rb\").read(); open(p, \"wb\").write(g[:32] + bytes(32) + g[32:])" loop/ukdb_0 &&
    for how in audit view open; do
        case $how in
        open) timeout 60 "$UKDB" -c "open loop" >out 2>err ;;
        *) timeout 60 "$UKDB" $how loop >out 2>err ;;
        esac
        rc=$?; cat err
        test $rc = 2 && test "$(wc -l <err)" = 1 &&
        test_grep "^ukdb: error: babeltrace2 loops on a corrupt trace: it took [0-9]* MiB to index \"loop\"" err ||
        exit 1
    done
'

# A FIFO named "metadata" blocked the trace search (audit, view, open).
test_expect_success 'a FIFO named metadata is no trace, and no hang' '
    mkdir fifo && mkfifo fifo/metadata &&
    timeout 20 "$UKDB" audit fifo >out 2>err; rc=$?; cat err;
    test $rc = 2 && test_grep "Not a CTF trace: no \"metadata\" file" err &&
    timeout 20 "$UKDB" -c "open fifo" >out 2>err; test $? = 2
'

# The same trace twice, or a trace and a directory in it: every event
# read twice (the view printed doubled timelines, then failed).
test_expect_success 'a trace given twice is an error' '
    for how in audit view; do
        "$UKDB" $how clean clean >out 2>err; rc=$?; cat err;
        test $rc = 2 && test "$(wc -l <err)" = 1 &&
        test_grep "^ukdb: error: Trace given twice: path=\"clean\"" err &&
        test ! -s out || exit 1
    done &&
    "$UKDB" audit "$TEST_TOP/traces/purge" "$TEST_TOP/traces/purge/ust" \
        >out 2>err; test $? = 2 && test_grep "Trace given twice" err
'

test_expect_success 'usage errors: exit 2 and a hint, in one line' '
    { "$UKDB" audit >out 2>err; test $? = 2; } &&
    test_grep "missing TRACE argument (see \"ukdb audit --help\")\$" err &&
    test "$(wc -l <err)" = 1 &&
    { "$UKDB" view --format nope clean 2>err; test $? = 2; } &&
    test_grep "unknown format" err &&
    { "$UKDB" audit --format chrome clean 2>err; test $? = 2; } &&
    { "$UKDB" view --ukey x clean 2>err; test $? = 2; }
'

# ==== The plugin ====

test_expect_success 'babeltrace2 lists the plugin' '
    babeltrace2 --plugin-path="$PLUGINS" list-plugins >out &&
    test_grep "sink.ukey.audit" out && test_grep "sink.ukey.lifecycle" out
'

# The snapshots too: behind the CLI's muxer the sink learns where each
# stream begins from the muxer's order (it gave a false duplicate-ukey).
test_expect_success 'sink.ukey.audit agrees with ukdb audit' '
    for s in clean double_delete lossy lost_packet lost_other_stream mid_life_lost \
    counter_back snapshot_head snapshot_tail snapshot_first_end partial; do
        babeltrace2 --plugin-path="$PLUGINS" $s -c sink.ukey.audit >cli.$s &&
        "$UKDB" audit $s >ukdb.$s; test_cmp ukdb.$s cli.$s || exit 1
    done
'

test_expect_success 'sink.ukey.lifecycle agrees with ukdb view' '
    babeltrace2 --plugin-path="$PLUGINS" clean -c sink.ukey.lifecycle >cli &&
    "$UKDB" view clean >ukdb && test_cmp ukdb cli &&
    babeltrace2 --plugin-path="$PLUGINS" double_delete \
        -c sink.ukey.lifecycle -p "format=\"raw\",ukey=2" >cli &&
    "$UKDB" view --format raw --ukey 2 double_delete >ukdb &&
    test_cmp ukdb cli &&
    babeltrace2 --plugin-path="$PLUGINS" clean -c sink.ukey.audit \
        -p "format=\"json\"" >cli &&
    "$UKDB" audit --format json clean >ukdb && test_cmp ukdb cli
'

test_expect_success 'the plugin rejects bad parameters and other traces' '
    ! babeltrace2 --plugin-path="$PLUGINS" clean -c sink.ukey.audit \
        -p "format=\"chrome\"" >out 2>err &&
    test_grep "param-name=\"format\"" err &&
    ! babeltrace2 --plugin-path="$PLUGINS" clean -c sink.ukey.audit \
        -p "bogus=1" >out 2>err &&
    test_grep "Unknown parameter" err &&
    ! babeltrace2 --plugin-path="$PLUGINS" other -c sink.ukey.audit \
        >out 2>err &&
    test_grep "Not a ukey trace" err
'

test_done
