#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# "ukdb audit"/"ukdb view" on real LTTng traces (tests/helper/tp-emit under
# a private lttng-sessiond): decoding equals the emitted events, the plugin
# agrees with ukdb, lost events never make a false FAIL, the error path
# under valgrind, and a live session through lttng-relayd.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lttng-lib.sh"

lttng_require
[ -x "$TP_EMIT" ] || skip_all "$TP_EMIT not built (make)"
"$UKDB" audit --help >/dev/null 2>&1 || skip_all "'$UKDB audit' not built"
PY=/usr/bin/python3
CHROME_CHECK="$PY $TEST_TOP/tests/helper/audit-chrome-check.py"
PLUGINS=$UKDB_BUILD/plugins
. "$TEST_TOP/tests/helper/same-losses.sh"
lttng_start_sessiond

# violations FILE: "kind ukey" of each violation line of an audit.
violations() {
    sed -n "s/^violation: [A-Z]* \([a-z-]*\) ukey#\([0-9]*\) .*/\1 \2/p" "$1" |
        sort -u
}

test_expect_success 'record: every type, and a mix of 100000 events' '
    lttng_record every "$TP_EMIT" --canonical every.canon >/dev/null &&
    lttng_record mix "$TP_EMIT" --events 100000 --canonical mix.canon \
        >/dev/null &&
    lttng_count_events mix >n && echo 100000 >expect && test_cmp expect n
'

test_expect_success 'view --format raw equals the emitted events' '
    "$UKDB" view --format raw every >every.raw &&
    test_cmp every.canon every.raw &&
    "$UKDB" view --format raw mix >mix.raw &&
    test_cmp mix.canon mix.raw
'

test_expect_success 'audit counts every event; the plugin agrees' '
    "$UKDB" audit mix >ukdb.out; rc=$?; test $rc = 0 -o $rc = 1 -o $rc = 3 &&
    test_grep "^ukey audit: 100000 events, 4000 ukeys" ukdb.out &&
    babeltrace2 --plugin-path="$PLUGINS" mix -c sink.ukey.audit >cli.out &&
    test_cmp ukdb.out cli.out &&
    "$UKDB" audit --format json every >ukdb.json;
    babeltrace2 --plugin-path="$PLUGINS" every -c sink.ukey.audit \
        -p "format=\"json\"" >cli.json &&
    test_cmp ukdb.json cli.json
'

# ukdb merges the streams of trace files itself (no muxer, sink.c): with
# the emitter moving between CPUs every 333 events, a per-CPU channel's
# streams take turns, and the merged order must be the emitted one, and
# the audit the same as behind the CLI's flt.utils.muxer.
if [ "$(nproc)" -ge 2 ]; then
test_expect_success 'streams taking turns: merged in emitted order' '
    lttng_record turns "$TP_EMIT" --events 20000 --migrate 333 \
        --canonical turns.canon >emit.out &&
    cat emit.out && test_grep " on [2-9][0-9]* CPUs\$" emit.out &&
    test "$(find turns -name "ch0_*" -size +4k | wc -l)" -ge 2 &&
    "$UKDB" view --format raw turns >turns.raw &&
    test_cmp turns.canon turns.raw &&
    "$UKDB" audit turns >ukdb.out; rc=$?; test $rc -le 3 &&
    babeltrace2 --plugin-path="$PLUGINS" turns -c sink.ukey.audit >cli.out &&
    test_cmp ukdb.out cli.out
'
fi

test_expect_success 'view: timelines and valid Chrome JSON of a real trace' '
    "$UKDB" view mix >view.out &&
    test "$(grep -c "^ukey#" view.out)" = 4000 &&
    "$UKDB" view --format chrome mix >mix.json &&
    $CHROME_CHECK mix.json
'

test_expect_success 'lost events (tiny discard-mode buffer): no false FAIL' '
    lttng_record_discard lossy "$TP_EMIT" --events 200000 >/dev/null &&
    lttng_record full "$TP_EMIT" --events 200000 >/dev/null &&
    test "$(lttng_count_discarded lossy)" -gt 0 &&
    "$UKDB" audit lossy >lossy.out; lossy_rc=$?
    "$UKDB" audit full >full.out; full_rc=$?
    cat lossy.out | tail -8 &&
    test_grep "^lost events: [1-9][0-9]* in [1-9]" lossy.out &&
    ! grep -q "^verdicts: .* INCONCLUSIVE 0\$" lossy.out &&
    violations lossy.out >v.lossy && violations full.out >v.full &&
    comm -23 v.lossy v.full >v.false &&
    test_cmp /dev/null v.false &&
    babeltrace2 --plugin-path="$PLUGINS" lossy -c sink.ukey.audit \
        >lossy.cli &&
    test_cmp lossy.out lossy.cli &&
    if [ $full_rc = 0 ]; then test $lossy_rc = 3; else
        test $lossy_rc = 3 -o $lossy_rc = 1; fi &&
    # Every loss LTTng counted: the seqs missing in them are in those
    # counts, past the 32 losses the audit prints too (it said 306638
    # events lost for 159917 that LTTng counted).  A loss of another kind
    # adds its seqs (none is expected of tp-emit'"'"'s one thread; one
    # past the 32 the audit lists would fail the check).
    babeltrace2 $(lttng_trace_dirs lossy) 2>&1 >/dev/null |
        grep "^WARNING: Tracer discarded" >lossy.lttng &&
    "$UKDB" audit --format json lossy >lossy.json; [ $? != 2 ] &&
    $PY - lossy.lttng lossy.json <<\PYEOF
import json, re, sys
counts = [int(re.match(r"WARNING: Tracer discarded (\d+) events? ", l).group(1))
          for l in open(sys.argv[1])]
lost = json.load(open(sys.argv[2]))["lost"]
assert counts and all(c < 2**63 for c in counts), counts  # No counter back.
others = [x["count"] for x in lost["ranges"] if x["lttng_count"] is None]
assert lost["reports"] == len(counts) + len(others), (lost, len(counts))
assert None not in others, others
assert lost["events"] == sum(counts) + sum(others), (lost["events"],
                                                     sum(counts), others)
PYEOF
'

# A free-running load on two CPUs in the tiny discard-mode channel: one
# stream per CPU, losses on both.  This found three ways to a false FAIL
# that a single stream does not show (thousands of false leaks): ukeys
# created on one CPU within a loss's range on the other, ukeys first seen
# mid-life after a loss, and a discard counter that went back to 0.  Only
# safety is judged (see t1504: liveness on a starved machine is shown).
test_expect_success 'a lossy 2-handler load: no false FAIL' '
    lttng_record_discard lload "$UKDB" load --variant upstream \
        --handlers 2 --revalidators 2 --flows 3000 --seconds 2 --quiet \
        >/dev/null &&
    test "$(lttng_count_discarded lload)" -gt 0 &&
    "$UKDB" audit lload >lload.out; rc=$?
    grep -v "^  " lload.out | cut -c1-200 &&
    test $rc = 3 -o $rc = 1 &&
    ! grep "^violation:" lload.out | grep -v -e " slowpath " -e " stuck-ukey " &&
    ! grep -q 18446744 lload.out &&
    babeltrace2 --plugin-path="$PLUGINS" lload -c sink.ukey.audit \
        >lload.cli &&
    test_cmp lload.out lload.cli &&
    # Thousands of losses: the raw and Chrome views say each (Chrome
    # showed the first 32), those the audit lists with its counts.
    same_losses "$TRASH/lload"
'

# A snapshot (flight recorder) of a 2-handler load: it starts mid-run and
# each CPU's stream begins and ends at its own time.  The audit found false
# duplicate-ukey and stuck-ukey errors in such snapshots.  Those losses
# LTTng does not count: the REPL counted the seqs missing in them, the
# audit "an unknown number"; both count the seqs now.
test_expect_success 'a snapshot of a running load: no false FAIL' '
    lttng create snap --snapshot --output="$TRASH/snap" >/dev/null &&
    lttng enable-channel -u -s snap --overwrite --subbuf-size=1M \
        --num-subbuf=4 "$LTTNG_CHANNEL" >/dev/null &&
    lttng enable-event -u -s snap -c "$LTTNG_CHANNEL" "ukey:*" >/dev/null &&
    lttng start snap >/dev/null &&
    { "$UKDB" load --variant upstream --handlers 2 --revalidators 2 \
        --flows 300 --seconds 3 --idle-ms 5 --churn 0.2 --quiet \
        >/dev/null & } && pid=$! &&
    sleep 1.5 && lttng snapshot record -s snap >/dev/null; wait $pid &&
    lttng destroy snap >/dev/null &&
    "$UKDB" audit snap >snap.out; rc=$?
    grep -v "^  " snap.out | cut -c1-200 &&
    test_grep "^ukey audit: [1-9][0-9]* events, .*no end event" snap.out &&
    test $rc = 3 -o $rc = 1 &&
    ! grep "^violation:" snap.out | grep -v -e " slowpath " -e " stuck-ukey " &&
    babeltrace2 --plugin-path="$PLUGINS" snap -c sink.ukey.audit >snap.cli &&
    test_cmp snap.out snap.cli &&
    same_losses "$TRASH/snap" && cat snap.open
'

# Two snapshots of one session share its trace UUID and the packets still
# in its buffers.  src.ctf.fs reads the directories of one UUID together
# and a shared packet once (the babeltrace2 CLI gives it them so); ukdb
# gave each directory a source of its own, and the events of the first
# snapshot came twice: "the events of thread 0 go back", no verdict (exit
# 2), where sink.ukey.audit behind the CLI said PASS.
test_expect_success 'two snapshots of one session: each event read once' '
    lttng create snap2 --snapshot --output="$TRASH/snap2" >/dev/null &&
    lttng enable-channel -u -s snap2 --overwrite --subbuf-size=1M \
        --num-subbuf=4 "$LTTNG_CHANNEL" >/dev/null &&
    lttng enable-event -u -s snap2 -c "$LTTNG_CHANNEL" "ukey:*" >/dev/null &&
    lttng start snap2 >/dev/null &&
    "$UKDB" "$TEST_TOP/examples/purge.ukdb" >/dev/null &&
    lttng snapshot record -s snap2 >/dev/null &&
    "$UKDB" "$TEST_TOP/examples/purge.ukdb" >/dev/null &&
    lttng snapshot record -s snap2 >/dev/null &&
    lttng destroy snap2 >/dev/null &&
    find snap2 -name metadata | sed "s,/metadata\$,," | sort >dirs &&
    test "$(wc -l <dirs)" = 2 &&
    "$UKDB" audit snap2 >out 2>err || { cat out err; exit 1; }
    test_grep "^ukey audit: [1-9][0-9]* events, .*2 runs" out &&
    test_grep "^result: PASS\$" out &&
    "$UKDB" audit "$(tail -1 dirs)" >last && test_cmp last out &&
    babeltrace2 --plugin-path="$PLUGINS" snap2 -c sink.ukey.audit >cli &&
    test_cmp out cli &&
    "$UKDB" view --format raw "$(tail -1 dirs)" >last.raw &&
    "$UKDB" view --format raw $(cat dirs) >both.raw &&
    test_cmp last.raw both.raw
'

# "lttng stop" then "lttng start" amid a load: nothing is recorded in
# between and LTTng counts no discarded event.  The audit saw no loss and
# found false stats-double and duplicate-ukey errors (FAIL).
test_expect_success 'a session stopped and started again amid a load' '
    lttng_create sst "$TRASH/sst" && lttng_enable_blocking sst 1M 4 &&
    lttng_start sst &&
    { lttng_traced "$UKDB" load --variant upstream --handlers 2 \
        --revalidators 2 --flows 100 --churn 0.2 --idle-ms 5 --seconds 2 \
        --quiet >/dev/null & } && pid=$! &&
    sleep 0.7 && lttng_stop sst && sleep 0.5 && lttng_start sst &&
    wait $pid && lttng_stop sst && lttng_destroy sst &&
    "$UKDB" audit sst >sst.out; rc=$?
    grep -v "^  " sst.out | cut -c1-200 &&
    test $rc = 3 && ! grep "^violation: ERROR" sst.out &&
    test_grep "^  [1-9][0-9]* events of seq [0-9]* to [0-9]* (never recorded: was tracing stopped and started again?)" sst.out &&
    babeltrace2 --plugin-path="$PLUGINS" sst -c sink.ukey.audit >sst.cli &&
    test_cmp sst.out sst.cli &&
    same_losses "$TRASH/sst"
'

# "lttng clear" amid a load: the trace starts mid-run, and says so; what
# came before is unknown, not a violation.
test_expect_success 'a session cleared amid a load: no false FAIL' '
    lttng_create clr "$TRASH/clr" && lttng_enable_blocking clr 256K 4 &&
    lttng_start clr &&
    { lttng_traced "$UKDB" load --variant upstream --handlers 2 \
        --revalidators 2 --flows 300 --churn 0.2 --idle-ms 5 --seconds 2 \
        --quiet >/dev/null & } && pid=$! &&
    sleep 1 && lttng clear clr >/dev/null && wait $pid &&
    lttng_stop clr && lttng_destroy clr &&
    "$UKDB" audit clr >clr.out; rc=$?
    grep -v "^  " clr.out | cut -c1-200 &&
    test $rc = 3 -o $rc = 0 &&
    test_grep "^ukey audit: .*, a run seen from seq [0-9]* to its end$" clr.out &&
    ! grep "^violation:" clr.out | grep -v -e " slowpath " -e " stuck-ukey "
'

# A session that enabled some of the events: 100 false leaks before.
test_expect_success 'a session of some ukey events: no false FAIL' '
    lttng_create some "$TRASH/some" &&
    lttng enable-channel -u -s some --blocking-timeout=inf \
        --subbuf-size=1M --num-subbuf=4 "$LTTNG_CHANNEL" >/dev/null &&
    lttng enable-event -u -s some -c "$LTTNG_CHANNEL" \
        "ukey:create,ukey:transition,ukey:end" >/dev/null &&
    lttng_start some &&
    lttng_traced "$UKDB" load --variant upstream --handlers 1 \
        --revalidators 1 --flows 100 --seconds 1 --quiet >/dev/null &&
    lttng_stop some && lttng_destroy some &&
    "$UKDB" audit some >some.out; rc=$?
    grep -v "^  [a-z-]  " some.out | cut -c1-200 &&
    test $rc = 3 &&
    # The load numbers the events of every type (its checker takes
    # them): the seqs missing are the others'"'"'.
    test_grep "^  [1-9][0-9]* events of the types its session did not enable (.*) between +0.000000000 and the end (LTTng did not count them; [1-9][0-9]* seqs missing)\$" some.out &&
    ! grep -q "^violation:" some.out &&
    same_losses "$TRASH/some"
'

# Two loads one after the other in one session: ukey ids restart at 1.
test_expect_success 'two runs recorded in one session: no false FAIL' '
    lttng_create two "$TRASH/two" && lttng_enable_blocking two 1M 4 &&
    lttng_start two &&
    for i in 1 2; do
        lttng_traced "$UKDB" load --variant upstream --handlers 1 \
            --revalidators 1 --flows 100 --seconds 0.5 --quiet \
            >/dev/null || exit 1
    done &&
    lttng_stop two && lttng_destroy two &&
    "$UKDB" audit two >two.out; rc=$?
    grep -v "^  [a-z-]  " two.out | cut -c1-200 &&
    test $rc = 0 -o $rc = 1 &&
    test_grep "2 runs, the last complete run" two.out &&
    ! grep "^violation:" two.out | grep -v -e " slowpath " -e " stuck-ukey "
'

# two_loads: two short upstream loads at the same time, traced.
two_loads() {
    { lttng_traced "$UKDB" load --variant upstream --handlers 1 \
        --revalidators 1 --flows 100 --seconds 1 --quiet >/dev/null & } &&
    local p1=$! &&
    lttng_traced "$UKDB" load --variant upstream --handlers 1 \
        --revalidators 1 --flows 100 --seconds 1 --quiet >/dev/null &&
    wait $p1
}

# Two loads at the same time in one session share its per-user buffers:
# 170 false violations (FAIL) before; the input has no verdict.
test_expect_success 'two programs at once in one session: an error' '
    lttng_create both "$TRASH/both" && lttng_enable_blocking both 1M 4 &&
    lttng_start both &&
    two_loads &&
    lttng_stop both && lttng_destroy both &&
    "$UKDB" audit both >both.out 2>both.err; rc=$?
    cat both.err && test $rc = 2 &&
    test_grep "^ukdb: error: .*the events of thread [0-9].* go back from seq [0-9]* to seq [0-9]* .*the input mixes the events of two programs" both.err &&
    ! grep -q "^violation:" both.out
'

# The same with per-process buffers: a trace per program.  The audit
# gives each its own report, then the verdict of both (before, an error:
# "audit each on its own"); the view, one timeline, still refuses.
test_expect_success 'two programs at once, per-process buffers: a report each' '
    lttng_create bothpid "$TRASH/bothpid" &&
    lttng enable-channel -u -s bothpid --buffers-pid --blocking-timeout=inf \
        --subbuf-size=1M --num-subbuf=4 "$LTTNG_CHANNEL" >/dev/null &&
    lttng enable-event -u -s bothpid -c "$LTTNG_CHANNEL" "ukey:*" >/dev/null &&
    lttng_start bothpid &&
    two_loads &&
    lttng_stop bothpid && lttng_destroy bothpid &&
    "$UKDB" audit bothpid >out 2>err || { cat out err; exit 1; }
    test_grep "^trace 1 of 2: ukdb, pid [0-9]* (.*)\$" out &&
    test_grep "^trace 2 of 2: ukdb, pid [0-9]* (.*)\$" out &&
    [ "$(grep -c "^result: PASS\$" out)" = 2 ] &&
    [ "$(tail -1 out)" = "result: PASS (2 traces: 2 PASS)" ] &&
    [ "$(grep "^trace . of 2" out | sort -u | wc -l)" = 2 ] &&
    "$UKDB" audit --format json bothpid >json &&
    /usr/bin/python3 - json <<-\EOF &&
	import json, sys
	d = json.load(open(sys.argv[1]))
	assert d["result"] == "PASS" and d["exit"] == 0, d
	t = d["traces"]
	assert len(t) == 2, t
	assert {x["trace"]["procname"] for x in t} == {"ukdb"}, t
	assert len({x["trace"]["vpid"] for x in t}) == 2, t
	for x in t:
	    assert x["audit"]["result"] == "PASS", x["audit"]
	    assert x["audit"]["complete"] and x["audit"]["ukeys_seen"] > 0
	EOF
    # Each trace alone says the same as its part of the whole.
    find bothpid -name metadata | sed "s,/metadata$,," >dirs &&
    test "$(wc -l <dirs)" = 2 &&
    while read -r d; do
        "$UKDB" audit "$d" >one || { cat one; exit 1; }
        test_grep "^result: PASS" one &&
        grep -qxF "$(head -1 one)" out || exit 1
    done <dirs &&
    { "$UKDB" view bothpid >out 2>err; test $? = 2; } &&
    test_grep "the input holds 2 traces (ukdb, pid [0-9]* (.*); ukdb, pid [0-9]* (.*)): view each on its own$" err && test ! -s out
'

# A session rotated twice amid a load: three chunk directories of one
# trace (one UUID), which the audit folds as one run, not three traces.
test_expect_success 'a rotated session: its chunks are one trace' '
    lttng_create rot "$TRASH/rot" && lttng_enable_blocking rot 1M 4 &&
    lttng_start rot &&
    { lttng_traced "$UKDB" load --variant upstream --handlers 1 \
        --revalidators 1 --flows 100 --seconds 1.5 --quiet >/dev/null & } &&
    p=$! && sleep 0.5 && lttng rotate rot >/dev/null &&
    sleep 0.5 && lttng rotate rot >/dev/null && wait $p &&
    lttng_stop rot && lttng_destroy rot &&
    [ "$(find rot -name metadata | wc -l)" -ge 3 ] &&
    "$UKDB" audit rot >out || { cat out; exit 1; }
    ! grep "^trace " out &&
    test_grep "complete run" out && test_grep "^result: PASS\$" out
'

test_expect_success 'corrupt real traces: exit 2, no crash' '
    cp -r mix trunc && f=$(find trunc -name "ch0_*" -size +8k | head -1) &&
    truncate -s $(( $(stat -c %s "$f") / 2 + 17 )) "$f" &&
    { timeout 60 "$UKDB" audit trunc >out 2>err; test $? = 2; } &&
    test_grep "^ukdb: error: " err &&
    cp -r every garbage && m=$(find garbage -name metadata) &&
    truncate -s 5000 "$m" &&
    { timeout 60 "$UKDB" audit garbage >out 2>err; test $? = 2; } &&
    test_grep "^ukdb: error: " err && test_grep "Truncated .*metadata" err &&
    cp -r every garbage2 && m=$(find garbage2 -name metadata) &&
    head -c 3000 /dev/urandom >"$m" &&
    { timeout 60 "$UKDB" view garbage2 >out 2>err; test $? = 2; } &&
    test_grep "^ukdb: error: " err
'

if command -v valgrind >/dev/null && [ -z "${UKDB_SKIP_VALGRIND:-}" ]; then
test_expect_success 'valgrind: audit, view and an error path are clean' '
    VG="valgrind -q --error-exitcode=99 --leak-check=full --errors-for-leak-kinds=definite"
    $VG "$UKDB" audit every >out 2>vg.err; test $? != 99 || { cat vg.err; exit 1; }
    $VG "$UKDB" view --format chrome every >out 2>vg.err; test $? = 0 || { cat vg.err; exit 1; }
    $VG "$UKDB" audit garbage >out 2>vg.err; test $? = 2 || { cat vg.err; exit 1; }
'
fi

# Daemons are children of the test shell, not of a test's subshell.
lttng_start_relayd "$TRASH/relay"

# await_viewer: waits (up to 20 s) until a viewer is connected to the relay
# daemon's live port, then a little more for it to attach to the session.
await_viewer() {
    local c d l i
    read -r c d l <<<"$LTTNG_RELAYD_PORTS"
    for i in $(seq 200); do
        ss -Htn state established "dport = :$l" | grep -q . && break
        sleep 0.1
    done
    sleep 0.5
}

test_expect_success 'live: audit a session through lttng-relayd' '
    lttng_create_live live &&
    lttng_enable_blocking live 1M 4 && lttng_start live &&
    url=$(lttng_live_url live) &&
    { timeout 60 "$UKDB" audit "$url" >live.out 2>live.err & } &&
    apid=$! &&
    await_viewer &&
    lttng_traced "$TP_EMIT" --events 20000 >/dev/null &&
    lttng_stop live && lttng_destroy live &&
    wait $apid; rc=$?; cat live.err; tail -3 live.out;
    test $rc != 2 && test $rc != 124 &&
    test_grep "^ukey audit: 20000 events" live.out &&
    test_grep "^violation: " live.out
'

# A live URL of no session: src.ctf.lttng-live ends at once, and the audit
# said "No event: the input has no stream, or only empty ones", as if a
# trace on disk were empty; the REPL's open already named the session.
test_expect_success 'live: a session the relay daemon does not have' '
    url=$(lttng_live_url nosuch) &&
    for c in audit view; do
        timeout 30 "$UKDB" $c "$url" >out 2>err; test $? = 2 &&
        test ! -s out && test "$(wc -l <err)" = 1 &&
        test_grep "^ukdb: error: .*No event: no such live session, or it ended without \"ukey:\" events (a live URL is net://HOST\[:PORT\]/host/HOSTNAME/SESSION)\$" err ||
            return 1
    done
'

# timeout(1) forwards a signal to its child and, unless --foreground, to
# its whole process group as well: ukdb would get two SIGINTs, and the
# second one kills by design (a second Ctrl-C), racing the report.
test_expect_success 'live: Ctrl-C reports what was read so far' '
    lttng_create_live live2 &&
    lttng_enable_blocking live2 1M 4 && lttng_start live2 &&
    url=$(lttng_live_url live2) &&
    { timeout --foreground 60 "$UKDB" audit "$url" >int.out 2>int.err & } &&
    apid=$! &&
    await_viewer &&
    lttng_traced "$TP_EMIT" --events 5000 >/dev/null &&
    for i in $(seq 200); do
        grep -q "^violation: " int.out 2>/dev/null && break
        sleep 0.1
    done &&
    kill -INT $apid;
    wait $apid; rc=$?; cat int.err; tail -3 int.out;
    lttng_stop live2; lttng_destroy live2;
    test $rc = 1 -o $rc = 3 &&
    n=$(sed -n "s/^ukdb: interrupted: reporting the \([0-9]*\) events read/\1/p" int.err) &&
    test "$n" -gt 0 &&
    test_grep "^ukey audit: $n events" int.out &&
    test_grep "^violation: " int.out
'

# Per-process buffers in a live session: a trace per program, whose
# violation lines interleave as they come; once the second one shows, each
# line names its program (before, nothing told them apart).
test_expect_success 'live: two programs, per-process buffers: lines name their trace' '
    lttng_create_live live3 &&
    lttng enable-channel -u -s live3 --buffers-pid --blocking-timeout=inf \
        --subbuf-size=1M --num-subbuf=4 "$LTTNG_CHANNEL" >/dev/null &&
    lttng enable-event -u -s live3 -c "$LTTNG_CHANNEL" "ukey:*" >/dev/null &&
    lttng_start live3 && url=$(lttng_live_url live3) &&
    { timeout 60 "$UKDB" audit "$url" >two.out 2>two.err & } &&
    apid=$! &&
    await_viewer &&
    # Two loads at once, for 2 s (the viewer finds a session'"'"'s new
    # traces while they live), whose datapath faults make violations.
    pids= &&
    for i in 1 2; do
        { lttng_traced "$UKDB" load --handlers 1 --revalidators 1 \
            --flows 300 --seconds 2 --idle-ms 5 --zipf 0.5 --faults 0.002 \
            --quiet >/dev/null & } &&
        pids="$pids $!" || return 1
    done &&
    for p in $pids; do wait $p || return 1; done &&
    lttng_stop live3 && lttng_destroy live3 &&
    wait $apid; rc=$?; cat two.err; grep -v "^violation: " two.out | tail -4;
    test $rc != 2 && test $rc != 124 &&
    test_grep "^trace 2 of 2: " two.out &&
    grep "^[^ :]*, pid [0-9]*[^:]*: violation: " two.out >named &&
    test "$(sed "s/: violation: .*//" named | sort -u | wc -l)" -ge 1
'

test_done
