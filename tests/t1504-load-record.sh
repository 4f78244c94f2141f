#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# "ukdb load --record DIR" and "--live URL": the load runs under
# record_run()'s private LTTng session; every event it emitted is in the
# trace (thread starts and flow declarations included), on disk or
# streamed to lttng-relayd, and the trace of an upstream load audits clean.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lttng-lib.sh"

lttng_require
[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"

json_get() {
    /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# audits_safe TRACE: the audit of TRACE finds no safety violation, nor a
# slowpath (a round counts only once the flow's handler took a miss of
# it and installed nothing: a starved handler is late, not wrong).  A
# stuck ukey is measured in revalidator rounds, which on an overloaded
# 2-core machine may outrun a starved thread: such reports are shown, not
# failed.
audits_safe() {
    "$UKDB" audit "$1" >audit
    local rc=$?
    grep "^violation:" audit | cut -c1-160
    [ $rc = 0 ] && return 0
    [ $rc = 1 ] &&
        ! grep "^violation:" audit | grep -v -e " stuck-ukey "
}

test_expect_success 'every event of the load is recorded' '
    "$UKDB" load --handlers 2 --revalidators 2 --flows 300 --seconds 1 \
        --idle-ms 5 --zipf 0.5 --rate 50000 --record trace \
        --format json >summary 2>err &&
    test_grep "^ukdb: trace: $TRASH/trace/" err &&
    [ "$(json_get summary complete)" = True ] &&
    lttng_count_events trace >n &&
    json_get summary events >expect &&
    test_cmp expect n
'

test_expect_success 'the recorded upstream load audits clean' '
    audits_safe trace
'

# Of hundreds of flows, the text audit shows those longest in the slowpath,
# worst first: the same twenty, in the same order, as the JSON audit's
# figures of every flow give.
test_expect_success 'the text audit lists the flows longest in the slowpath' '
    "$UKDB" audit trace >text; test $? -le 1 &&
    { "$UKDB" audit --format json trace >json; test $? -le 1; } &&
    test_grep "^flows (the 20 longest in the slowpath of [0-9]*;" \
        text &&
    sed -n "/^flows (/,/^  \.\.\. and/p" text | sed "1d;\$d" |
        sed "s/^  [^ ]* *ufid=\([0-9a-f]*\) pmd=\([0-9]*\) .*/\1 \2/" \
        >shown &&
    /usr/bin/python3 -c "
import json, sys
flows = json.load(open(sys.argv[1]))[\"flows\"]
key = lambda f: (-f[\"longest_window_rounds\"], -f[\"longest_window_ns\"],
                 -f[\"slowpath_packets\"], -f[\"upcalls\"])
for i, f in sorted(enumerate(flows), key=lambda p: (key(p[1]), p[0]))[:20]:
    print(f[\"ufid\"], f[\"pmd_id\"])
" json >expect &&
    [ "$(wc -l <shown)" = 20 ] &&
    test_cmp expect shown
'

# ukdb audit folds on a thread of its own, in batches, while babeltrace2
# decodes; the plugin's sink folds on babeltrace2's thread: the same
# output, over the hundreds of batches of a load.
test_expect_success 'ukdb audit and sink.ukey.audit agree on a load' '
    babeltrace2 --plugin-path="$UKDB_BUILD/plugins" $(lttng_trace_dirs trace) \
        -c sink.ukey.audit >cli; test $? -le 1 &&
    test_cmp text cli &&
    { babeltrace2 --plugin-path="$UKDB_BUILD/plugins" \
        $(lttng_trace_dirs trace) -c sink.ukey.audit -p "format=\"json\"" \
        >cli; test $? -le 1; } &&
    test_cmp json cli
'

test_expect_success 'a recorded load of the userspace datapath audits clean' '
    "$UKDB" load --pmds 2 --revalidators 2 --flows 300 --seconds 0.5 \
        --idle-ms 5 --zipf 0.5 --record pmd --format json >summary 2>err &&
    lttng_count_events pmd >n &&
    json_get summary events >expect && test_cmp expect n &&
    audits_safe pmd
'

# The tracepoints are a concurrent observer (event_bus_add_concurrent()),
# called without the bus lock, so two handlers' events may reach the trace
# in the other order than their seqs (here without the checker, whose fold
# is the only thing left under the lock).  The trace is still complete:
# "open" (repl/trace.c) reports no loss, and the audit agrees.
test_expect_success 'a load traced without the bus lock: no false loss' '
    "$UKDB" load --handlers 2 --revalidators 1 --flows 300 --seconds 0.5 \
        --idle-ms 5 --zipf 0.5 --no-check --record nolock \
        --format json >summary 2>err &&
    lttng_count_events nolock >n &&
    json_get summary events >expect && test_cmp expect n &&
    babeltrace2 nolock | sed -n "s/.*{ seq = \([0-9]*\),.*/\1/p" |
        awk "{ if (\$1 < max) inv++; else max = \$1 }
             END { print inv + 0 }" >inversions &&
    echo "# $(cat inversions) events came before a lower seq" &&
    printf "%s\n" "goto end" "show stats" | "$UKDB" nolock >stats &&
    test_grep "^events  *$(cat n) of $(cat n)$" stats &&
    test_grep "^loss_reports  *0$" stats &&
    test_grep "^events_lost  *0$" stats &&
    audits_safe nolock
'

# Datapath faults under upstream: a failed delete leaves its flow, which
# the next dump adopts with zeroed stats: stats doubles, each naming the
# failed delete (OVS's own behaviour, man page).  A flow orphaned so just
# before the end is a dp-flow-without-ukey warning, naming it too.
# Rarely, a miss for such a flow races with a revalidator
# (examples/put-eexist-upstream.ukdb, a race in OVS): the handler's failed
# put moves its DELETED ukey back to EVICTED, or its put comes after the
# ukey's delete, each explained by the handler's put and the revalidator's
# move.  Nothing else.
test_expect_success 'upstream with faults: errors are stats doubles, explained' '
    "$UKDB" load --handlers 2 --revalidators 2 --flows 300 --seconds 1 \
        --idle-ms 5 --zipf 0.5 --faults 0.002 --record faults \
        --format json >summary 2>err &&
    { "$UKDB" audit faults >audit; test $? -le 1; } &&
    { grep "^violation: ERROR " audit >all || true; } &&
    moved="[a-z0-9]+ had moved it on from VISIBLE \(to [A-Z]+, seq [0-9]+\)" &&
    race="without re-checking its state \(an OVS race\) \[event " &&
    grep -v -E \
        -e "^violation: ERROR backward-transition ukey#[0-9]+ .* by (handler[0-9]+) at .*: \1.s datapath put of it failed \(seq [0-9]+, [A-Za-z0-9 ]+\) and $moved, but handle_upcalls\(\) moves a ukey whose put failed to EVICTED $race" \
        -e "^violation: ERROR use-after-delete ukey#[0-9]+ .*: dp_put of ukey [0-9]+ by (handler[0-9]+) .*: $moved before \1.s put, but handle_upcalls\(\) puts a new ukey.s flow $race" \
        all >v;
    echo "# $(wc -l <all) violations, $(($(wc -l <all) - $(wc -l <v))) of the EEXIST race, explained" &&
    ! grep -v " stats-double " v &&
    ! grep -v "the datapath delete of ukey [0-9]* by [a-z0-9]* failed (seq [0-9]*) and left the flow, which a dump adopted with zeroed stats" v &&
    { grep "^violation: WARNING " audit >warnings || true; } &&
    echo "# $(wc -l <warnings) warnings" &&
    ! grep -v "^violation: WARNING dp-flow-without-ukey .*: the datapath delete of ukey [0-9]* by [a-z0-9]* failed (seq [0-9]*) and left it, and no dump adopted it since \[" warnings
'

# The checker's violations are events of the trace too: a v1-replace load
# (bounded: up to 8 seeds; one is enough on an idle machine, a loaded one
# may need more) records one ukey:violation per violation the
# summary counts, double deletes among them, and the audit of the trace
# finds the double delete on its own.
by_kind() {
    /usr/bin/python3 -c 'import json,sys; v=json.load(open(sys.argv[1]))["violations_by_kind"]; print(v[sys.argv[2]] if len(sys.argv) > 2 else sum(v.values()))' "$@"
}

test_expect_success 'v1-replace: violations recorded as events, audited' '
    found=0 &&
    for seed in 1 2 3 4 5 6 7 8; do
        rm -rf v1 &&
        "$UKDB" load --handlers 3 --revalidators 3 --flows 2000 --seconds 1 \
            --idle-ms 2 --zipf 0.8 --churn 0.1 --rate 0 \
            --variant v1-replace --seed $seed \
            --record v1 --format json >summary 2>err || exit 1
        n=$(by_kind summary double-delete)
        echo "seed $seed: $n double deletes"
        if [ "$n" -gt 0 ]; then found=1; break; fi
    done &&
    [ $found = 1 ] &&
    "$UKDB" view --format raw v1 | grep " type=violation " >events &&
    by_kind summary >expect && wc -l <events >n && test_cmp expect n &&
    test_grep "kind=double-delete" events &&
    { "$UKDB" audit v1 >audit; test $? = 1; } &&
    test_grep "^violation: ERROR double-delete " audit
'

# The audit folds a run's events in seq order, as the load's checker did
# (tracepoints/plugin/report-order.c, "The fold's order"), not in the order of
# their timestamps: it finds the very violations the checker found, kind,
# ukey and count, liveness ones (stuck ukey, slowpath) included.  The
# audit once folded by time and, on a loaded machine, reported a stuck
# ukey more or fewer than the load.  Bounded: 3 seeds of 1 s.
agree() {
    /usr/bin/python3 - "$1" "$2" "$3" <<\EOT
import json, sys
summary, audit = json.load(open(sys.argv[1])), json.load(open(sys.argv[2]))
events = [l.split() for l in open(sys.argv[3])]
# The checker's violations, as recorded: kind, ukey, and the seqs of the
# event that broke the rule and of the earlier one it names.
def field(e, k):
    return next((f.split("=", 1)[1] for f in e if f.startswith(k + "=")), "0")
load = sorted((field(e, "kind"), int(field(e, "ukey")),
               int(field(e, "value")), int(field(e, "value2")))
              for e in events)
def seqs(v):
    ev = v.get("evidence", []) + [{}, {}]
    return ev[0].get("seq", 0), ev[1].get("seq", 0)
audited = sorted((v["kind"], v.get("ukey") or 0) + seqs(v)
                 for v in audit["violations"])
print("# load", {k: n for k, n in summary["violations_by_kind"].items() if n},
      "audit",
      {k: n for k, n in audit["violations_by_kind"].items() if n})
ok = (summary["violations_by_kind"] == audit["violations_by_kind"]
      and load == audited)
if not ok:
    print("# load only:", sorted(set(load) - set(audited)))
    print("# audit only:", sorted(set(audited) - set(load)))
sys.exit(0 if ok else 1)
EOT
}

test_expect_success 'v1-replace: the audit finds what the load found' '
    for seed in 1 2 3; do
        rm -rf agree &&
        "$UKDB" load --handlers 2 --revalidators 1 --flows 200 --seconds 1 \
            --idle-ms 5 --zipf 0.5 --variant v1-replace --seed $seed \
            --record agree --format json >summary 2>err &&
        { "$UKDB" audit --format json agree >audit; test $? -le 1; } &&
        "$UKDB" view --format raw agree | grep " type=violation " >events
        agree summary audit events || exit 1
    done
'

# --live: the same private session, streaming to a relay daemon of this
# test (which keeps its trace under relayd/out).
lttng_start_relayd "$TRASH/relayd/out"

test_expect_success '--live streams every event of the load to lttng-relayd' '
    read -r c d l <<<"$LTTNG_RELAYD_PORTS" &&
    "$UKDB" load --handlers 2 --revalidators 1 --flows 200 --seconds 0.5 \
        --idle-ms 5 --live "net://127.0.0.1:$c:$d" --format json \
        >summary 2>err &&
    test_grep "^ukdb: trace streamed to net://127.0.0.1:$c:$d" err &&
    [ "$(json_get summary complete)" = True ] &&
    lttng_count_events relayd/out >n &&
    json_get summary events >expect && test_cmp expect n &&
    audits_safe relayd/out
'

# SIGTERM mid-run reaches the load through record_run(), which forwards
# it: the load stops cleanly, its trace is complete (every event, "end"
# among them) and the exit status is the load's, 0 as when not recorded
# (record_run() once made it 2).  The signal goes once the traced child
# runs (a signal before is the session's setup interrupted: exit 2).
test_expect_success 'a recorded load stopped by SIGTERM: complete trace, exit 0' '
    "$UKDB" load --handlers 2 --revalidators 1 --flows 200 --seconds 60 \
        --idle-ms 5 --rate 20000 --record sigterm --format json \
        >summary 2>err &
    pid=$! &&
    for i in $(seq 300); do
        pgrep -P $pid -f "^/proc/self/exe load " >/dev/null && break
        sleep 0.1
    done &&
    sleep 1 &&
    kill -TERM $pid &&
    wait $pid &&
    cat err &&
    [ "$(json_get summary interrupted)" = True ] &&
    [ "$(json_get summary complete)" = True ] &&
    lttng_count_events sigterm >n &&
    json_get summary events >expect && test_cmp expect n &&
    audits_safe sigterm
'

# getopt_long() takes any unambiguous prefix: "--rec DIR" and "--reco=DIR"
# are --record.  The traced child is the command minus the options that
# were --record or --live, as parsed: it once kept "--rec DIR" and tried to
# record again, into the directory its parent's session was filling.
test_expect_success 'an abbreviated --record records, once' '
    "$UKDB" load --handlers 1 --revalidators 1 --flows 20 --seconds 0.2 \
        --rec abbrev --format json >summary 2>err &&
    test_grep "^ukdb: trace: $TRASH/abbrev/" err &&
    lttng_count_events abbrev >n &&
    json_get summary events >expect && test_cmp expect n &&
    "$UKDB" load --handlers 1 --revalidators 1 --flows 20 --seconds 0.2 \
        --rec=unused --reco=abbrev2 --format json >summary 2>err &&
    test_grep "^ukdb: trace: $TRASH/abbrev2/" err &&
    ! test -e unused &&
    lttng_count_events abbrev2 >n &&
    json_get summary events >expect && test_cmp expect n
'

test_expect_success '--record into a non-empty directory is an error' '
    mkdir full && touch full/x &&
    { "$UKDB" load --handlers 1 --revalidators 1 --flows 10 \
        --seconds 0.2 --record full 2>err; rc=$?; } &&
    [ $rc -eq 2 ] && test_grep "^ukdb: error: " err
'

test_done
