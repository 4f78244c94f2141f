#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# "ukdb load" under AddressSanitizer + UndefinedBehaviorSanitizer (the
# build of "make SANITIZE=address,undefined", or $ASAN_UKDB): no error, no
# leak, and the ukey accounting balances (created = freed, none live),
# under upstream and under v1-replace, whose double deletes must be
# recorded without a real double free.
. "$(dirname "$0")/lib.sh"

ASAN_UKDB=${ASAN_UKDB:-$TEST_TOP/${ASAN_BUILD:-build-address-undefined}/ukdb}
[ -x "$ASAN_UKDB" ] || skip_all "$ASAN_UKDB not built (make check-load-asan)"
export ASAN_OPTIONS=detect_leaks=1:abort_on_error=0:exitcode=99:intercept_tls_get_addr=0
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1

json_get() {
    /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))[sys.argv[2]])' "$1" "$2"
}

# asan_load OUT ARGS...: a load that must exit 0 with a clean stderr.
asan_load() {
    out=$1
    shift
    "$ASAN_UKDB" load --format json "$@" >"$out" 2>"$out.err"
    rc=$?
    if [ $rc -ne 0 ] || grep -qE "Sanitizer|runtime error" "$out.err"; then
        echo "exit $rc"; head -60 "$out.err"; return 1
    fi
    [ "$(json_get "$out" live_ukeys)" = 0 ] &&
    [ "$(json_get "$out" created)" = "$(json_get "$out" ukeys_freed)" ] &&
    [ "$(json_get "$out" complete)" = True ]
}

test_expect_success 'upstream: clean, balanced' '
    asan_load up --handlers 2 --revalidators 2 --flows 1000 --seconds 2 \
        --idle-ms 5 --zipf 0.5 --modify 0.01 --faults 0.001 &&
    [ "$(json_get up installs)" -gt 0 ]
'

test_expect_success 'upstream on the userspace datapath (PMDs): clean, balanced' '
    asan_load pmd --pmds 2 --revalidators 2 --flows 1000 --seconds 1 \
        --idle-ms 5 --zipf 0.5 --modify 0.01 --faults 0.001 &&
    [ "$(json_get pmd installs)" -gt 0 ]
'

test_expect_success 'v1-replace: clean, balanced, double frees only recorded' '
    asan_load v1 --handlers 3 --revalidators 3 --flows 1000 --seconds 2 \
        --idle-ms 5 --zipf 0.5 --variant v1-replace &&
    # Each free event beyond the ukeys created is a double free that the
    # model recorded and did not do.
    [ "$(json_get v1 freed)" -ge "$(json_get v1 created)" ]
'

test_done
