#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark of the trace audit (run by "make bench" through tests/bench/run):
# traces of 1 M and 5 M events from tests/helper/tp-emit under a blocking
# channel (no loss), and of a free-running load (ukdb load --record), then
# the decode rate of
#   babeltrace2 TRACE -c sink.utils.dummy           (the baseline: decoding)
#   ukdb audit TRACE                                (in-process graph)
#   babeltrace2 --plugin-path=... -c sink.ukey.audit (the plugin)
#   tests/bench/audit-fold.py                       (python3-bt2, on a prefix)
# in events/s of CPU time and as a ratio of the dummy sink (the median of
# BENCH_REPEAT=5 runs taking turns), and peak RSS (/usr/bin/time -v) at 1 M
# and 5 M events.  Prints figures only: no timing assertion.
# BENCH_EVENTS="1000000 5000000" and BENCH_PY_EVENTS=200000 override sizes.
# BENCH_BASELINE=OLD-UKDB also measures another ukdb binary (before a
# change), in the same run, after this one.
. "$(dirname "$0")/../lib.sh"
. "$TEST_TOP/tests/lttng-lib.sh"

lttng_require
[ -x "$TP_EMIT" ] || skip_all "$TP_EMIT not built (make)"
AUDIT=${UKDB_AUDIT:-$UKDB}
"$AUDIT" audit --help >/dev/null 2>&1 || skip_all "'$AUDIT audit' not built"
PLUGINS=$UKDB_BUILD/plugins
PY=/usr/bin/python3
SIZES=${BENCH_EVENTS:-1000000 5000000}
PY_EVENTS=${BENCH_PY_EVENTS:-200000}
lttng_start_sessiond

# run_timed LABEL CMD...: runs CMD (stdout discarded) under /usr/bin/time
# -v and appends "cpu-seconds wall-seconds peak-RSS-KiB" to $TRASH/LABEL.
# CPU time is user + system: another load on the machine disturbs it less
# than wall time.
run_timed() {
    local label=$1
    shift
    /usr/bin/time -v -o "$TRASH/time" "$@" >/dev/null 2>"$TRASH/err"
    local rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 1 ] && [ $rc -ne 3 ]; then
        echo "bench: $label failed (exit $rc):" >&2; cat "$TRASH/err" >&2
        return 1
    fi
    awk '/Elapsed \(wall clock\)/ { n = split($NF, f, ":"); w = 0
                                     for (i = 1; i <= n; i++) w = w * 60 + f[i] }
         /User time \(seconds\)|System time \(seconds\)/ { c += $NF }
         /Maximum resident set size/ { r = $NF }
         END { print c, w, r }' "$TRASH/time" >>"$TRASH/$label"
}

# report KEY LABEL N: prints the median run of KEY (by CPU time) as "LABEL
# N wall cpu events/s-of-cpu peak-RSS" and sets $secs, $kib and $wall
# from it (and $wall_med to the median wall time of all its runs).
report() {
    local key=$1 label=$2 n=$3 line
    line=$(sort -n "$TRASH/$key" | awk '{ l[NR] = $0 }
                                        END { print l[int((NR + 1) / 2)] }')
    read -r secs wall kib <<<"$line"
    wall_med=$(sort -n -k2 "$TRASH/$key" |
               awk '{ l[NR] = $2 } END { print l[int((NR + 1) / 2)] }')
    awk -v l="$label" -v n="$n" -v t="$wall" -v c="$secs" -v r="$kib" \
        -v k="$(wc -l <"$TRASH/$key")" 'BEGIN {
        printf "  %-18s %8d events %7.2f s wall %7.2f s cpu %10.0f " \
               "events/s %7d KiB RSS (median of %d)\n", l, n, t, c,
               (c > 0 ? n / c : 0), r, k }'
}

# This machine's noise (other guests, frequency changes) moves single runs
# by 30% and more: each command runs $BENCH_REPEAT times, the commands
# taking turns, and the median run counts.
REPEAT=${BENCH_REPEAT:-5}
status=0
rss_over_dummy=
# measure DIR N: the runs of each command over the trace in DIR (N events)
# and their figures; sets status=1 on a failure.
measure() {
    local dir=$1 n=$2 dirs py_n
    dirs=$(lttng_trace_dirs "$dir")
    py_n=$PY_EVENTS
    [ "$py_n" -gt "$n" ] && py_n=$n

    rm -f "$TRASH/dummy" "$TRASH/ukdb" "$TRASH/baseline" "$TRASH/plugin" \
          "$TRASH/python"
    for _ in $(seq "$REPEAT"); do
        # shellcheck disable=SC2086
        run_timed dummy babeltrace2 $dirs -c sink.utils.dummy || status=1
        run_timed ukdb "$AUDIT" audit "$dir" || status=1
        if [ -n "${BENCH_BASELINE:-}" ]; then
            run_timed baseline "$BENCH_BASELINE" audit "$dir" || status=1
        fi
        # shellcheck disable=SC2086
        run_timed plugin babeltrace2 --plugin-path="$PLUGINS" $dirs \
            -c sink.ukey.audit || status=1
    done
    # The Python fold is slow: once, on a prefix.
    # shellcheck disable=SC2086
    run_timed python $PY "$TEST_TOP/tests/bench/audit-fold.py" \
        --limit "$py_n" $dirs || status=1
    [ $status = 0 ] || return

    report dummy "dummy sink" "$n"; dummy=$secs; dummy_kib=$kib
    dummy_wall=$wall_med
    report ukdb "ukdb audit" "$n"; ukdb=$secs; ukdb_wall=$wall_med
    rss_over_dummy="$rss_over_dummy $((kib - dummy_kib)) KiB at $n,"
    if [ -n "${BENCH_BASELINE:-}" ]; then
        report baseline "baseline audit" "$n"
        awk -v d="$dummy" -v u="$secs" 'BEGIN {
            printf "  speed vs dummy sink (cpu time): baseline audit %.2fx\n",
                   d / u }'
    fi
    report plugin "sink.ukey.audit" "$n"; plugin=$secs
    report python "python3-bt2 fold" "$py_n"; py=$secs
    awk -v n="$n" -v pn="$py_n" -v d="$dummy" -v u="$ukdb" -v p="$plugin" \
        -v y="$py" 'BEGIN {
        printf "  speed vs dummy sink (cpu time): ukdb audit %.2fx, " \
               "sink.ukey.audit %.2fx, python3-bt2 %.3fx (from %d events)\n",
               d / u, d / p, (pn / y) / (n / d), pn }'
    # ukdb audit folds on a second thread (report-pipe.c): what a user
    # waits for is the wall time.
    awk -v d="$dummy_wall" -v u="$ukdb_wall" 'BEGIN {
        printf "  speed vs dummy sink (wall time, medians): ukdb audit " \
               "%.2fx\n", (u > 0 ? d / u : 0) }'
}

for n in $SIZES; do
    dir="$TRASH/trace-$n"
    echo "trace of $n events (tp-emit --events $n, blocking channel):"
    start=$(date +%s.%N)
    lttng_record "$dir" "$TP_EMIT" --events "$n" >/dev/null || {
        echo "bench: recording failed" >&2; exit 1; }
    echo "  recorded in $(awk -v s="$start" -v e="$(date +%s.%N)" \
        'BEGIN { printf "%.1f", e - s }') s, $(du -sh "$dir" | cut -f1)"
    got=$(lttng_count_events "$dir")
    if [ "$got" != "$n" ]; then
        echo "bench: the trace has $got events, not $n" >&2; exit 1
    fi
    measure "$dir" "$n"
    [ $status = 0 ] || break
done

# tp-emit's events are of every type at random, over few ukeys and flows,
# in the order of one thread's seqs: the fold's real work is a load's
# (thousands of flows and ukeys, four threads whose seqs interleave out of
# time order).  BENCH_LOAD_SECONDS=0 skips it.
load_s=${BENCH_LOAD_SECONDS:-2}
if [ $status = 0 ] && [ "$load_s" != 0 ]; then
    dir="$TRASH/load"
    echo "trace of ukdb load --handlers 2 --revalidators 2 --flows 20000" \
         "--seconds $load_s --rate 0:"
    "$UKDB" load --handlers 2 --revalidators 2 --flows 20000 \
        --seconds "$load_s" --rate 0 --churn 0.01 --idle-ms 20 --quiet \
        --record "$dir" --format json >"$TRASH/load.json" \
        2>"$TRASH/load.err" || {
        cat "$TRASH/load.err" >&2; echo "bench: load failed" >&2; exit 1; }
    n=$(lttng_count_events "$dir")
    echo "  $n events, $(du -sh "$dir" | cut -f1)"
    measure "$dir" "$n"
fi

# Flat memory: what ukdb holds beyond babeltrace2's own (the dummy sink's
# RSS grows with the trace too), at each size.
echo "ukdb audit peak RSS over the dummy sink's:${rss_over_dummy%,}"
exit $status
