#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Benchmark of positioning in a large trace (issue 6; run by "make bench"
# through tests/bench/run): a trace of BENCH_SEEK_EVENTS (default 1 M)
# events from tests/helper/tp-emit under a blocking channel, then
#   babeltrace2 TRACE -c sink.utils.dummy     one full decoding pass
#   ukdb TRACE: open (the first pass: read + index with checkpoints), then
#   "goto END", "back 1", "goto MIDDLE", "goto 1", "back 1" (from 1),
#   "goto END-1"                              each timed inside ukdb
#                                             (UKDB_TRACE_TIMING=1)
# and each move as a percentage of the dummy pass.  The goal: every move
# after the first pass costs under 5% of a full pass.  Prints figures and
# whether the goal is met; fails only if a step fails.
. "$(dirname "$0")/../lib.sh"
. "$TEST_TOP/tests/lttng-lib.sh"

lttng_require
[ -x "$TP_EMIT" ] || skip_all "$TP_EMIT not built (make)"
[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"
N=${BENCH_SEEK_EVENTS:-1000000}
lttng_start_sessiond

dir="$TRASH/trace"
echo "trace of $N events (tp-emit --events $N, blocking channel):"
lttng_record "$dir" "$TP_EMIT" --events "$N" >/dev/null || {
    echo "bench: recording failed" >&2; exit 1; }
got=$(lttng_count_events "$dir")
[ "$got" = "$N" ] || { echo "bench: $got events recorded, not $N" >&2; exit 1; }

# The baseline: one full pass of babeltrace2 with the dummy sink.
dirs=$(lttng_trace_dirs "$dir")
start=$(date +%s%N)
# shellcheck disable=SC2086
babeltrace2 $dirs -c sink.utils.dummy || { echo "bench: babeltrace2 failed" >&2; exit 1; }
pass_us=$(( ($(date +%s%N) - start) / 1000 ))
printf "  %-34s %12.1f ms\n" "babeltrace2 -c sink.utils.dummy" \
    "$(awk -v u="$pass_us" 'BEGIN { print u / 1000 }')"

end=$N mid=$((N / 2))
printf '%s\n' "goto $end" "back 1" "goto $mid" "goto 1" "goto 0" \
    "goto $((end - 1))" "step" "back 4096" |
    UKDB_TRACE_TIMING=1 "$UKDB" "$dir" >"$TRASH/out" 2>"$TRASH/timing" || {
    echo "bench: ukdb failed:" >&2; cat "$TRASH/timing" >&2; exit 1; }
/usr/bin/time -v -o "$TRASH/time" "$UKDB" "$dir" </dev/null >/dev/null 2>&1
rss=$(sed -n 's/.*Maximum resident set size (kbytes): //p' "$TRASH/time")

status=met
while IFS='|' read -r what us; do
    pct=$(awk -v u="$us" -v p="$pass_us" 'BEGIN { printf "%.3f", 100 * u / p }')
    note=""
    case "$what" in
    open*) note="(first pass)" ;;
    *) awk -v p="$pct" 'BEGIN { exit !(p >= 5) }' && status="NOT met" ;;
    esac
    printf "  %-34s %12.3f ms %8s%% of a pass %s\n" "ukdb $what" \
        "$(awk -v u="$us" 'BEGIN { print u / 1000 }')" "$pct" "$note"
done < <(sed -n 's/^ukdb: timing: \(.*\): \([0-9.]*\) us$/\1|\2/p' \
             "$TRASH/timing")
echo "  peak RSS of ukdb TRACE (open only): $rss KiB"
echo "  goal (every move < 5% of a full pass): $status"
exit 0
