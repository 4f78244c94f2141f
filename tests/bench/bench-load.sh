#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# Free-running benchmark ("make bench"): bench-load untraced (the tracepoint
# observer attached, no session: tracing off), then under "ukdb record"
# (every event recorded: tracing on), and the throughput ratio of each
# configuration, and the recorded bytes per event.  Goals (issue 8):
# tracing on costs at most 15% of the installs per second; the install path
# within 5x the bare cds_lfht.
# BENCH_LOAD_FLOWS sets the flows (installs) per run (default 20000).
set -u
top=$(cd "$(dirname "$0")/../.." && pwd)
BUILD_DIR=${UKDB_BUILD:-$top/build}
UKDB=${UKDB:-$BUILD_DIR/ukdb}
BENCH=$BUILD_DIR/tests/bench/bench-load
flows=${BENCH_LOAD_FLOWS:-20000}
[ -x "$BENCH" ] || { echo "bench-load.sh: $BENCH not built (make bench)" >&2; exit 1; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ukdb-bench-load.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

echo "-- tracing off (observer attached, no session), $flows installs per run"
"$BENCH" "$flows" | tee "$tmp/off" || exit 1

if ! command -v lttng >/dev/null || [ ! -x "$UKDB" ]; then
    echo "-- tracing on: skipped (no lttng or no $UKDB)"
    exit 0
fi
echo "-- tracing on (ukdb record: every event recorded)"
"$UKDB" record -o "$tmp/trace" --exec "$BENCH" "$flows" >"$tmp/on" \
    2>"$tmp/err" || { cat "$tmp/err"; exit 1; }
cat "$tmp/on"
grep -E "events recorded|discarded" "$tmp/err"
# The recorded payload: data streams only (not the metadata, nor indexes).
events=$(sed -n 's/.* \([0-9][0-9]*\) events recorded.*/\1/p' "$tmp/err")
bytes=$(find "$tmp/trace" -type f ! -name metadata ! -path '*/index/*' \
        -printf '%s\n' | awk '{s += $1} END {print s + 0}')
[ -n "$events" ] && [ "$events" -gt 0 ] &&
    awk -v b="$bytes" -v e="$events" \
        'BEGIN {printf "trace_bytes_per_event %.1f (%d events)\n", b/e, e}'
echo "-- tracing on / off, installs per second"
join <(grep ^installs_per_s "$tmp/off" | awk '{print $2"_"$3, $4}' | sort) \
     <(grep ^installs_per_s "$tmp/on" | awk '{print $2"_"$3, $4}' | sort) |
    awk '{printf "traced_ratio %s %.2f (cost %.0f%%; goal <= 15%%)\n", $1, $3/$2, 100*(1-$3/$2)}'
