# SPDX-License-Identifier: Apache-2.0
# Shell test library, in the manner of git's t/test-lib.sh:
#   . "$(dirname "$0")/lib.sh"
#   test_expect_success 'what it checks' 'commands'
#   test_done
# Each test runs in a fresh trash directory ($TRASH), prints TAP, and the
# file ends with test_done.  $UKDB is the binary under test.
set -u
TEST_TOP=${UKDB_TOP:-$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)}
UKDB=${UKDB:-$TEST_TOP/build/ukdb}
UKDB_BUILD=${UKDB_BUILD:-$TEST_TOP/build}
export UKDB UKDB_BUILD TEST_TOP
TRASH=$(mktemp -d "${TMPDIR:-/tmp}/ukdb-test.XXXXXX")
test_count=0
test_failed=0
test_cleanups=()

test_cleanup_add() { test_cleanups+=("$1"); }
test_run_cleanups() {
    local c
    for c in "${test_cleanups[@]+"${test_cleanups[@]}"}"; do eval "$c"; done
    rm -rf "$TRASH"
}
trap test_run_cleanups EXIT

# test_expect_success 'description' 'shell commands'
test_expect_success() {
    test_count=$((test_count + 1))
    local out="$TRASH/.test-$test_count.out"
    if (cd "$TRASH" && eval "$2") >"$out" 2>&1; then
        echo "ok $test_count - $1"
    else
        echo "not ok $test_count - $1"
        test_failed=$((test_failed + 1))
        sed 's/^/#   /' "$out" | tail -40
    fi
}

# test_expect_code CODE 'description' 'commands': commands exit with CODE.
test_expect_code() {
    local want=$1
    shift
    test_expect_success "$1" "( $2 ); rc=\$?; [ \$rc -eq $want ] || { echo \"exit \$rc, wanted $want\"; false; }"
}

# test_cmp EXPECTED ACTUAL: a diff on failure.
test_cmp() { diff -u "$1" "$2"; }

# test_grep PATTERN FILE: like grep, but shows FILE on failure.
test_grep() {
    if ! grep -q -e "$1" "$2"; then
        echo "no match for '$1' in $2:"; cat "$2"; return 1
    fi
}

skip_all() {
    echo "1..0 # SKIP $1"
    exit 0
}

test_done() {
    echo "1..$test_count"
    [ "$test_failed" -eq 0 ]
}

# normalize_source_lines: stdin to stdout with the model's source line
# numbers ("core/ukey.c:183") written "core/ukey.c:N": a golden file keeps
# the file and function names but does not churn when the code moves.
normalize_source_lines() { sed -E 's/(\.[ch]):[0-9]+/\1:N/g'; }

# test_cmp_expect NAME ACTUAL: compares ACTUAL with tests/expect/NAME.expect,
# or, with UKDB_UPDATE_EXPECT=1 ("make update-expect"), writes it: review
# the diff by eye before committing it.
test_cmp_expect() {
    local want="$TEST_TOP/tests/expect/$1.expect"
    if [ -n "${UKDB_UPDATE_EXPECT:-}" ]; then
        cp "$2" "$want"
    else
        test_cmp "$want" "$2"
    fi
}

# sanitized_ok WANT WHAT CMD...: runs CMD (a binary built with
# SANITIZE=address,undefined; stdin the caller's), stdout in 'out' and
# stderr in 'err', and fails, saying WHAT, unless it exits WANT and no
# sanitizer reported anything.
sanitized_ok() {
    local want=$1 what=$2 rc
    shift 2
    "$@" >out 2>err
    rc=$?
    [ "$rc" = "$want" ] || { echo "$what: exit $rc"; cat err; return 1; }
    ! grep -E "Sanitizer|runtime error" err
}
