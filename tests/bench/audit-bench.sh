#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark of the trace audit (run by "make bench" through tests/bench/run):
# traces of 1 M and 5 M events from tests/helper/tp-emit under a blocking
# channel (no loss), then the decode rate of
#   babeltrace2 TRACE -c sink.utils.dummy           (the baseline: decoding)
#   ukdb audit TRACE                                (in-process graph)
#   babeltrace2 --plugin-path=... -c sink.ukey.audit (the plugin)
#   tests/bench/audit-fold.py                       (python3-bt2, on a prefix)
# in events/s of CPU time and as a ratio of the dummy sink, and peak RSS
# (/usr/bin/time -v) at 1 M and 5 M events.  Prints figures only: no timing
# assertion.
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

# measure LABEL N CMD...: runs CMD (stdout discarded) under /usr/bin/time
# -v; prints "LABEL N wall-seconds cpu-seconds events/s-of-cpu peak-RSS-KiB"
# and sets $secs to the CPU time (user + system): rates are computed on CPU
# time, which another load on the machine disturbs less than wall time.
measure() {
    local label=$1 n=$2 t rss cpu
    shift 2
    /usr/bin/time -v -o "$TRASH/time" "$@" >/dev/null 2>"$TRASH/err"
    local rc=$?
    if [ $rc -ne 0 ] && [ $rc -ne 1 ] && [ $rc -ne 3 ]; then
        echo "bench: $label failed (exit $rc):" >&2; cat "$TRASH/err" >&2
        return 1
    fi
    t=$(sed -n 's/.*Elapsed (wall clock) time (h:mm:ss or m:ss): //p' \
            "$TRASH/time" | awk -F: '{ s = 0; for (i = 1; i <= NF; i++)
                                       s = s * 60 + $i; print s }')
    rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TRASH/time")
    cpu=$(awk '/User time \(seconds\)|System time \(seconds\)/ { s += $NF }
               END { print s }' "$TRASH/time")
    secs=$cpu
    kib=$rss
    awk -v l="$label" -v n="$n" -v t="$t" -v c="$cpu" -v r="$rss" 'BEGIN {
        printf "  %-18s %8d events %7.2f s wall %7.2f s cpu %10.0f " \
               "events/s %7d KiB RSS\n", l, n, t, c, (c > 0 ? n / c : 0), r }'
}

status=0
rss_over_dummy=
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
    dirs=$(lttng_trace_dirs "$dir")

    # shellcheck disable=SC2086
    measure "dummy sink" "$n" babeltrace2 $dirs -c sink.utils.dummy || status=1
    dummy=$secs
    dummy_kib=$kib
    measure "ukdb audit" "$n" "$AUDIT" audit "$dir" || status=1
    ukdb=$secs
    rss_over_dummy="$rss_over_dummy $((kib - dummy_kib)) KiB at $n,"
    if [ -n "${BENCH_BASELINE:-}" ]; then
        measure "baseline audit" "$n" "$BENCH_BASELINE" audit "$dir" ||
            status=1
        awk -v d="$dummy" -v u="$secs" 'BEGIN {
            printf "  speed vs dummy sink (cpu time): baseline audit %.2fx\n",
                   d / u }'
    fi
    # shellcheck disable=SC2086
    measure "sink.ukey.audit" "$n" babeltrace2 --plugin-path="$PLUGINS" \
        $dirs -c sink.ukey.audit || status=1
    plugin=$secs
    py_n=$PY_EVENTS
    [ "$py_n" -gt "$n" ] && py_n=$n
    # shellcheck disable=SC2086
    measure "python3-bt2 fold" "$py_n" $PY "$TEST_TOP/tests/bench/audit-fold.py" \
        --limit "$py_n" $dirs || status=1
    py=$secs
    awk -v n="$n" -v pn="$py_n" -v d="$dummy" -v u="$ukdb" -v p="$plugin" \
        -v y="$py" 'BEGIN {
        printf "  speed vs dummy sink (cpu time): ukdb audit %.2fx, " \
               "sink.ukey.audit %.2fx, python3-bt2 %.3fx (from %d events)\n",
               d / u, d / p, (pn / y) / (n / d), pn }'
done
# Flat memory: what ukdb holds beyond babeltrace2's own (the dummy sink's
# RSS grows with the trace too), at each size.
echo "ukdb audit peak RSS over the dummy sink's:${rss_over_dummy%,}"
exit $status
