#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A short libFuzzer run of the command parser (tests/fuzz/fuzz-repl.c,
# "make fuzz", clang with ASan and UBSan): seeded with examples/*.ukdb and
# a dictionary of the command names, about 20 seconds, no crash, no leak,
# no sanitizer report.  Longer runs: build-fuzz/tests/fuzz/fuzz-repl DIR.
. "$(dirname "$0")/lib.sh"

command -v clang >/dev/null || skip_all "clang is not installed"
cd "$TRASH" || exit 1
unset MAKEFLAGS MFLAGS MAKELEVEL     # A make of our own, not make check's.

FUZZ=$TEST_TOP/build-fuzz/tests/fuzz/fuzz-repl
FUZZ_TIME=${UKDB_FUZZ_TIME:-20}

test_expect_success 'make fuzz builds the target into build-fuzz/' '
    make -C "$TEST_TOP" --no-print-directory -s fuzz >build.log 2>&1 ||
        { tail -20 build.log; false; }
    test -x "$FUZZ"
'

[ -x "$FUZZ" ] || { echo "Bail out! no fuzz target"; exit 1; }

mkdir corpus artifacts
cp "$TEST_TOP"/examples/*.ukdb corpus/
"$UKDB" -c help 2>/dev/null | sed -n 's/^  \([a-z][a-z0-9-]*\) .*/"\1"/p' >ukdb.dict
printf '"%s"\n' ukeys ukey umaps dp threads locks rcu stats violations \
    transition violation event flow thread OPERATIONAL EVICTED DELETED \
    VISIBLE EVICTING INCONSISTENT v1-replace upstream pre-replace ENOENT \
    "->" "==" ">=" json >>ukdb.dict

test_expect_success 'the seed corpus runs clean' '
    "$FUZZ" -runs=0 -artifact_prefix=artifacts/ corpus >seed.log 2>&1 ||
        { tail -40 seed.log; false; }
'

test_expect_success "fuzzing for ${FUZZ_TIME}s: no crash, no leak" '
    timeout $((FUZZ_TIME * 3 + 60)) "$FUZZ" -max_total_time="$FUZZ_TIME" \
        -max_len=4096 -timeout=20 -rss_limit_mb=2048 -seed=1 \
        -dict=ukdb.dict -artifact_prefix=artifacts/ -print_final_stats=1 \
        corpus >fuzz.log 2>&1; rc=$?
    if [ $rc -ne 0 ] || ls artifacts | grep -q .; then
        grep -E "ERROR|SUMMARY|runtime error|Test unit" fuzz.log | head -20
        for a in artifacts/*; do echo "== $a"; head -c 2000 "$a"; echo; done
        false
    fi &&
    test_grep "^Done [0-9]* runs" fuzz.log
'

test_done
