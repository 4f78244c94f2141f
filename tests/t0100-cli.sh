#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The command-line contract of DESIGN.md: exit codes of "ukdb -f FILE",
# "ukdb FILE.ukdb", "ukdb -c 'CMD; CMD'" and a non-tty stdin (0 all
# expects held, 1 an expect failed, 2 an error), --keep-going and --echo;
# and bad input: every error is ONE line in the form its input calls for
# ("FILE:LINE: error: ..." in scripts, "ukdb: error: ..." for -c), usage
# errors name the argument and end with 'try "help CMD"', and nothing
# (over-long lines, binary garbage) crashes or hangs.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built"

# run_ukdb ARGS...: runs ukdb with a time limit, stdout to 'out', stderr
# to 'err', and stores its exit code in 'rc'.  A crash (>= 128) or a
# timeout (124) always fails the calling test.
run_ukdb() {
    timeout 60 "$UKDB" "$@" >out 2>err
    echo $? >rc
    [ "$(cat rc)" -lt 124 ] || { echo "ukdb crashed or hung: exit $(cat rc)"; cat err; return 1; }
}

# check_rc N: the last run_ukdb exited with N.
check_rc() {
    [ "$(cat rc)" -eq "$1" ] || { echo "exit $(cat rc), wanted $1"; cat out err; return 1; }
}

# one_error REGEX: stderr is exactly one line, matching the (extended)
# REGEX.
one_error() {
    local n
    n=$(wc -l <err)
    [ "$n" -eq 1 ] || { echo "wanted one line on stderr, got $n:"; cat err; return 1; }
    grep -Eq -e "$1" err || { echo "stderr does not match '$1':"; cat err; return 1; }
}

# usage_error CMD ARG: a one-line -c usage error about ARG of CMD.
usage_error() {
    one_error "^ukdb: error: $1: '$2': .*; try \"help $1\"\$"
}

cd "$TRASH" || exit 1
cat >pass.ukdb <<'EOF'
handler h0
flow f1 h0
upcall h0 f1
run
expect state f1 OPERATIONAL
expect dp f1 present
expect no-violation
EOF
cat >fail.ukdb <<'EOF'
handler h0
flow f1 h0
expect state f1 OPERATIONAL
echo still-running
EOF
cat >error.ukdb <<'EOF'
handler h0
# a comment, then an error on line 3
frobnicate
echo not-reached
EOF
cat >keep.ukdb <<'EOF'
handler h0
frobnicate
expect state f1 OPERATIONAL
flow f1 h0
expect state f1 OPERATIONAL
echo reached
EOF

# ==== Exit codes ====

test_expect_success 'ukdb -f: every expect holds: exit 0, nothing on stderr' '
    run_ukdb -f pass.ukdb && check_rc 0 && test ! -s err
'

test_expect_success 'ukdb FILE.ukdb is ukdb -f FILE.ukdb' '
    run_ukdb pass.ukdb && check_rc 0 &&
    run_ukdb fail.ukdb && check_rc 1 &&
    run_ukdb error.ukdb && check_rc 2
'

# As --keep-going's "Do not stop at the first error or failed expect"
# says; before, the script went on after a failed expect.
test_expect_success 'ukdb -f: a failed expect: exit 1, FILE:LINE, script stops' '
    run_ukdb -f fail.ukdb && check_rc 1 &&
    one_error "^fail\.ukdb:3: expect failed: state of f1 is none" &&
    ! grep still-running out
'

test_expect_success 'a failed expect in a sourced script stops its includer too' '
    printf "source fail.ukdb\necho outer-running\n" >outer.ukdb &&
    run_ukdb outer.ukdb && check_rc 1 &&
    one_error "^fail\.ukdb:3: expect failed: " &&
    ! grep running out &&
    run_ukdb --keep-going outer.ukdb && check_rc 1 &&
    test_grep "^still-running\$" out && test_grep "^outer-running\$" out
'

test_expect_success 'a failed expect in -x INITFILE: exit 1 before the session' '
    run_ukdb -x fail.ukdb -c "echo session" && check_rc 1 &&
    ! grep -E "running|session" out
'

test_expect_success 'ukdb -f: an error: exit 2, FILE:LINE: error:, fail fast' '
    run_ukdb -f error.ukdb && check_rc 2 &&
    one_error "^error\.ukdb:3: error: '\''frobnicate'\'': unknown command; try \"help\"\$" &&
    ! grep not-reached out
'

test_expect_success 'ukdb -f: a missing file: exit 2' '
    run_ukdb -f nosuch.ukdb && check_rc 2 &&
    one_error "^ukdb: error: nosuch\.ukdb: No such file or directory\$"
'

# -f FILE names a script.  Before, a directory after -f was opened as a
# TRACE (searched for traces below it, "ukdb -f /tmp" deep in /tmp), and
# took -c as a trace does.
test_expect_success 'ukdb -f DIR: a directory is no script, nor a trace' '
    run_ukdb -f "$TEST_TOP/traces/race-v1-replace" && check_rc 2 &&
    one_error "^ukdb: error: .*/traces/race-v1-replace: Is a directory\$" &&
    run_ukdb -f "$TEST_TOP/traces/race-v1-replace" -c when && check_rc 2 &&
    one_error "give only one of -f FILE" &&
    run_ukdb "$TEST_TOP/traces/race-v1-replace" -c when && check_rc 0 &&
    test_grep "^event 0 of 107 " out
'

test_expect_success '--keep-going: errors and failed expects do not stop the script' '
    run_ukdb --keep-going keep.ukdb && check_rc 2 &&
    test_grep "^reached\$" out &&
    test_grep "^keep\.ukdb:2: error: " err &&
    test_grep "^keep\.ukdb:3: error: expect: '\''f1'\'': no such ukey or flow" err &&
    test_grep "^keep\.ukdb:5: expect failed: " err &&
    test $(wc -l <err) -eq 3
'

test_expect_success '--keep-going: only failed expects: exit 1' '
    run_ukdb --keep-going -c "handler h0; flow f1; expect state f1 VISIBLE; echo x" &&
    check_rc 1 && test_grep "^x\$" out
'

test_expect_success 'ukdb -c: exit 0 when expects hold' '
    run_ukdb -c "handler h0; flow f1 h0; upcall h0 f1; run; expect state f1 OPERATIONAL" &&
    check_rc 0 && test ! -s err
'

test_expect_success 'ukdb -c: exit 1 when an expect fails, and stop there' '
    run_ukdb -c "handler h0; flow f1; expect state f1 OPERATIONAL; echo after" &&
    check_rc 1 && ! grep after out &&
    one_error "expect failed: state of f1 is none"
'

test_expect_success 'ukdb -c: an error: exit 2, "ukdb: error:", fail fast' '
    run_ukdb -c "frob; echo after" && check_rc 2 &&
    one_error "^ukdb: error: '\''frob'\'': unknown command; try \"help\"\$" &&
    ! grep after out
'

test_expect_success 'ukdb -c: --keep-going runs on after an error' '
    run_ukdb --keep-going -c "frob; echo after" && check_rc 2 &&
    test_grep "^after\$" out
'

test_expect_success 'ukdb -c: quit stops at once, with the status so far' '
    run_ukdb -c "echo a; quit; frob" && check_rc 0 && test ! -s err &&
    echo a >expect && test_cmp expect out
'

test_expect_success 'non-tty stdin: commands run like a script named <stdin>' '
    printf "handler h0\nflow f1 h0\nupcall h0 f1\nrun\nexpect state f1 OPERATIONAL\n" |
        timeout 60 "$UKDB" >out 2>err && test ! -s err &&
    printf "handler h0\nfrob\necho no\n" | timeout 60 "$UKDB" >out 2>err;
    test $? -eq 2 &&
    one_error "^<stdin>:2: error: '\''frob'\'': unknown command" &&
    ! grep no out &&
    printf "handler h0\nflow f1\nexpect dp f1 present\n" | timeout 60 "$UKDB" >out 2>err;
    test $? -eq 1
'

test_expect_success '--echo prints each command before its output' '
    run_ukdb --echo -c "handler h0; echo hi" && check_rc 0 &&
    printf "(ukdb) handler h0\n(ukdb) echo hi\nhi\n" >expect &&
    test_cmp expect out
'

test_expect_success '--echo in a script' '
    printf "echo one\n# comment\necho two\n" >e.ukdb &&
    run_ukdb --echo e.ukdb && check_rc 0 &&
    printf "(ukdb) echo one\none\n(ukdb) echo two\ntwo\n" >expect &&
    test_cmp expect out
'

# Every command-line error is one line (DIAGNOSTICS), the usage is a hint
# away: before, an unknown option printed the 9-line usage, "-f" alone
# said "unknown option", and "-c" next to a FILE was ignored.
test_expect_success 'command-line errors: one line, exit 2' '
    run_ukdb --bogus && check_rc 2 &&
    test_grep "^ukdb: error: unknown option '\''--bogus'\'' (see \"ukdb --help\")\$" err &&
    [ $(wc -l <err) = 1 ] &&
    for o in -f -c -x --init --events; do
        run_ukdb $o && check_rc 2 &&
        test_grep "^ukdb: error: option '\''$o'\'' needs an argument" err &&
        [ $(wc -l <err) = 1 ] || exit 1
    done &&
    echo "echo from the file" >s.ukdb &&
    run_ukdb -f s.ukdb -c "echo hi" && check_rc 2 &&
    test_grep "give only one of -f FILE, FILE.ukdb and -c" err &&
    ! grep -q "from the file\|hi" out
'

test_expect_success 'ukdb help [CMD]: the REPL help' '
    run_ukdb help && check_rc 0 &&
    test_grep "^Commands (\"help CMD\" for details" out &&
    run_ukdb help step && check_rc 0 && test_grep "^usage: step " out
'

# "ukdb help load" was "error: help: nothing about ..." (without the
# "ukdb: " of the command line), "ukdb help record" the apropos of the word.
test_expect_success 'ukdb help SUBCOMMAND: its --help; an error as ukdb: error' '
    for s in load audit view record; do
        run_ukdb help $s && check_rc 0 &&
        "$UKDB" $s --help >expect && test_cmp expect out || return 1
    done &&
    run_ukdb help explore && check_rc 0 && test_grep "^usage: explore " out &&
    run_ukdb help nosuch && check_rc 2 &&
    one_error "^ukdb: error: help: nothing about .nosuch.; try \"help\"\$"
'

test_expect_success '--help: exit 0, usage on stdout' '
    run_ukdb --help && check_rc 0 && test_grep "^usage: ukdb" out
'

# ==== One-line errors that name the argument ====

test_expect_success 'unknown command' '
    run_ukdb -c "frobnicate" && check_rc 2 &&
    one_error "^ukdb: error: '\''frobnicate'\'': unknown command; try \"help\"\$"
'

test_expect_success 'ambiguous prefix: the error lists the candidates' '
    run_ukdb -c "s" && check_rc 0 &&
    run_ukdb -c "re" && check_rc 2 &&
    one_error "^ukdb: error: '\''re'\'': ambiguous command: reproduce, revalidator, reverse-continue; try \"help\"\$" &&
    run_ukdb -c "sh" && check_rc 2 &&
    one_error "^ukdb: error: '\''sh'\'': ambiguous command: show, shutdown; try \"help\"\$" &&
    run_ukdb -c "h" && check_rc 2 &&
    one_error "^ukdb: error: '\''h'\'': ambiguous command: handler, help, history; try \"help\"\$"
'

# gdb's "i b" and "d N".  Before, "i" and "d" were ambiguous prefixes
# (ignore, info; datapath, delete, disable, dp, dump).
test_expect_success 'i is info and d is delete, as in gdb' '
    run_ukdb -c "handler h0; break transition DELETED; i b" && check_rc 0 &&
    test_grep "^1 *break *transition DELETED " out &&
    run_ukdb -c "break transition DELETED; d 1; i b" && check_rc 0 &&
    test_grep "^No breakpoints\.\$" out &&
    run_ukdb -c "watch flow f1; i w" && check_rc 0 &&
    test_grep "^1 *flow f1" out
'

test_expect_success 'wrong arity: too few and too many' '
    run_ukdb -c "upcall h0" && check_rc 2 &&
    one_error "^ukdb: error: upcall: too few arguments \(usage: upcall THREAD FLOW \[PACKETS\]\); try \"help upcall\"\$" &&
    run_ukdb -c "step 1 2 3" && check_rc 2 &&
    one_error "^ukdb: error: step: too many arguments .*; try \"help step\"\$" &&
    run_ukdb -c "quit now" && check_rc 2 &&
    one_error "; try \"help quit\"\$"
'

test_expect_success 'unknown thread names' '
    run_ukdb -c "handler h0; flow f1; upcall h9 f1" && check_rc 2 &&
    usage_error upcall h9 && test_grep "no such thread" err &&
    run_ukdb -c "handler h0; step h9" && check_rc 2 &&
    usage_error step h9 && test_grep "no such thread" err &&
    run_ukdb -c "next nosuch" && check_rc 2 && usage_error next nosuch &&
    run_ukdb -c "round h7" && check_rc 2 && usage_error round h7
'

test_expect_success 'unknown flow names' '
    run_ukdb -c "handler h0; upcall h0 nosuch" && check_rc 2 &&
    usage_error upcall nosuch && test_grep "no such flow" err &&
    run_ukdb -c "traffic g" && check_rc 2 && usage_error traffic g &&
    run_ukdb -c "expire g" && check_rc 2 && usage_error expire g &&
    run_ukdb -c "history g" && check_rc 2 && usage_error history g &&
    run_ukdb -c "dp del g" && check_rc 2 && usage_error dp g &&
    run_ukdb -c "show ukey g" && check_rc 2 && usage_error show g
'

test_expect_success 'unknown variant, state, statistic, show topic' '
    run_ukdb -c "variant nosuch" && check_rc 2 && usage_error variant nosuch &&
    run_ukdb -c "break transition FOO" && check_rc 2 && usage_error break FOO &&
    run_ukdb -c "expect stat nosuch == 1" && check_rc 2 && usage_error expect nosuch &&
    run_ukdb -c "show nothing" && check_rc 2 && usage_error show nothing &&
    run_ukdb -c "set output xml" && check_rc 2 && usage_error set xml
'

test_expect_success 'numbers out of range or not numbers' '
    run_ukdb -c "umaps 0" && check_rc 2 && usage_error umaps 0 &&
    test_grep "out of range" err &&
    run_ukdb -c "umaps 5000" && check_rc 2 && usage_error umaps 5000 &&
    run_ukdb -c "umaps 99999999999999999999999" && check_rc 2 &&
    usage_error umaps 99999999999999999999999 &&
    run_ukdb -c "umaps -1" && check_rc 2 && usage_error umaps -1 &&
    run_ukdb -c "umaps 3x" && check_rc 2 && usage_error umaps 3x &&
    run_ukdb -c "handler h0; flow f1; traffic f1 0" && check_rc 2 &&
    usage_error traffic 0 &&
    run_ukdb -c "log -5" && check_rc 2 && usage_error log -5 &&
    run_ukdb -c "goto 99999" && check_rc 2 && usage_error goto 99999 &&
    run_ukdb -c "back 5" && check_rc 2 && usage_error back 5 &&
    run_ukdb -c "delete 7" && check_rc 2 && usage_error delete 7 &&
    run_ukdb -c "show ukey 99" && check_rc 2 && usage_error show 99 &&
    run_ukdb -c "handler h0; flow f1; upcall h0 f1; choose 9" && check_rc 2 &&
    usage_error choose 9
'

test_expect_success 'extra or repeated arguments are errors, not ignored' '
    run_ukdb -c "dp show junk" && check_rc 2 && usage_error dp junk &&
    run_ukdb -c "handler h0; flow f1 h0; flow f1" && check_rc 2 &&
    usage_error flow f1 && test_grep "already declared" err &&
    run_ukdb -c "flow f1; break transition DELETED flow f1 flow f1" &&
    check_rc 2 && usage_error break flow && test_grep "given twice" err &&
    run_ukdb -c "break violation; delete 1 1" && check_rc 2 &&
    usage_error delete 1 && test_grep "given twice" err &&
    run_ukdb -c "break violation; break violation; delete 1 2; info breakpoints" &&
    check_rc 0 && test_grep "No breakpoints" out
'

test_expect_success 'wording: no trailing space in a usage, no double space' '
    run_ukdb -c "when x" && check_rc 2 &&
    one_error "too many arguments \(usage: when\); try" &&
    run_ukdb -c "expect violation" && check_rc 1 &&
    test_grep "^expect failed: no violation\$" err
'

test_expect_success 'dp show names the errno "dp fail" was given' '
    run_ukdb -c "handler h0; flow f1 h0; dp fail put f1 42; dp fail del f1 EIO; dp show" &&
    check_rc 0 && test_grep "^f1 .* put:42 del:EIO\$" out
'

test_expect_success 'dp show in JSON carries the faults of an absent flow too' '
    run_ukdb -c "handler h0; flow f1 h0; dp fail put f1 42; dp fail modify f1 EIO; set output json; dp show" &&
    check_rc 0 &&
    printf "%s\n" "[{\"flow\":\"f1\",\"pmd_id\":0,\"packets\":0,\"present\":false,\"instance\":null,\"faults\":{\"put\":\"42\",\"modify\":\"EIO\"},\"dup\":0}]" >expect &&
    test_cmp expect out
'

# Past a range of no end worth telling ("1 or more"), the end is told:
# "log 18446744073709551616" was "too large", where view said "out of
# range" for the same number.
test_expect_success 'numbers of 2^64 or more are out of range, not "not a number"' '
    run_ukdb -c "umaps 18446744073709551616" && check_rc 2 &&
    one_error "umaps: .18446744073709551616.: out of range \(1 to 4096\);" &&
    run_ukdb -c "log 18446744073709551616" && check_rc 2 &&
    one_error "log: .18446744073709551616.: out of range \(1 to 2\^64 - 1\);" &&
    run_ukdb -c "explore --runs 99999999999999999999" && check_rc 2 &&
    one_error "explore: --runs .99999999999999999999.: out of range \(1 to 2\^63 - 1\);" &&
    run_ukdb -c "back 9223372036854775808" && check_rc 2 &&
    one_error "back: .9223372036854775808.: out of range \(1 to 2\^63 - 1\);"
'

# An end that only guards the type a number is kept in is no end: "choose
# 0" said "(1 to 4294967295)" and "ignore 1 -1" "(0 to 2147483647)" where
# "back 0" said "(1 or more)".  Past it, the end is a power of two.
test_expect_success 'an overflow guard reads "or more", its end a power of two' '
    run_ukdb -c "choose 0" && check_rc 2 &&
    one_error "choose: .0.: out of range \(1 or more\);" &&
    run_ukdb -c "choose 4294967296" && check_rc 2 &&
    one_error "choose: .4294967296.: out of range \(1 to 2\^32 - 1\);" &&
    run_ukdb -c "break violation; ignore 1 -1" && check_rc 2 &&
    one_error "ignore: .-1.: out of range \(0 or more\);" &&
    run_ukdb -c "break violation; condition 0" && check_rc 2 &&
    one_error "condition: .0.: out of range \(1 or more\);" &&
    run_ukdb -c "break violation; delete 2147483648" && check_rc 2 &&
    one_error "delete: .2147483648.: out of range \(1 to 2\^31 - 1\);"
'

# "next urcu" said only "'urcu' is not runnable" where "step urcu" said
# why: both say whether the thread is idle or blocked, and on what.
test_expect_success 'next says why a thread is not runnable, as step does' '
    run_ukdb -c "next urcu" && check_rc 2 &&
    one_error "^ukdb: error: next: .urcu. is not runnable \(blocked: rcu free \(ovsrcu_call_postponed [^)]*\)\)\$" &&
    sed "s/next:/step:/" err >expect &&
    run_ukdb -c "step urcu" && check_rc 2 && test_cmp expect err &&
    run_ukdb -c "handler h0; next h0" && check_rc 2 &&
    one_error "^ukdb: error: next: .h0. is not runnable \(idle: begin operation \(poll_block [^)]*\)\)\$"
'

# "step [THREAD] [N]": "step -1" said "'-1': no such thread", as if a
# negative count were a name.  A number is a count, in the model and on a
# trace, and no thread or flow is named so; "dp fail" said "no such errno"
# of "-1".
test_expect_success 'step -1 is a count out of range, not a thread' '
    run_ukdb -c "step -1" && check_rc 2 &&
    one_error "^ukdb: error: step: .-1.: out of range \(1 or more\);" &&
    run_ukdb -c "step 1.5" && check_rc 2 &&
    one_error "^ukdb: error: step: .1.5.: not a whole number \(" &&
    run_ukdb -c "open $TEST_TOP/traces/purge; step -1" && check_rc 2 &&
    one_error "^ukdb: error: step: .-1.: out of range \(1 or more\);" &&
    for n in -1 1.5 1e3; do
        run_ukdb -c "handler $n" && check_rc 2 &&
        one_error "^ukdb: error: handler: .$n.: a name cannot be a number" || return 1
    done &&
    run_ukdb -c "handler h0; flow f1 h0; dp fail put f1 -1" && check_rc 2 &&
    one_error "^ukdb: error: dp: .-1.: out of range \(1 to 4095\);"
'

# A count of steps took 1 to 100000000 in "step" and "choose" of the
# model, 1 or more in "run", "back" and "step" on a trace.
test_expect_success 'every count of steps takes the same range' '
    run_ukdb -c "handler h0; flow f1 h0; upcall h0 f1; step 200000000" &&
    check_rc 0 && test_grep "^  h0 is idle\$" out &&
    for c in "step 0" "step h0 0" "choose 1 0" "run 0" "back 0"; do
        run_ukdb -c "handler h0; $c" && check_rc 2 &&
        one_error "^ukdb: error: ${c%% *}: .0.: out of range \(1 or more\);" || return 1
    done
'

# A negative number is a number below the range: "back -1" said
# "'-1': not a number".  "-x" is still not one.
test_expect_success 'a negative number is out of range, not "not a number"' '
    run_ukdb -c "umaps -1" && check_rc 2 &&
    one_error "umaps: .-1.: out of range \(1 to 4096\);" &&
    run_ukdb -c "back -1" && check_rc 2 &&
    one_error "back: .-1.: out of range \(1 or more\);" &&
    run_ukdb -c "log -99999999999999999999" && check_rc 2 &&
    one_error "log: .-99999999999999999999.: out of range \(1 or more\);" &&
    run_ukdb -c "explore --depth -1" && check_rc 2 &&
    one_error "explore: --depth .-1.: out of range \(1 to 100000\)" &&
    run_ukdb -c "explore --seed -5" && check_rc 2 &&
    one_error "explore: --seed .-5.: out of range \(0 or more\)" &&
    run_ukdb -c "back -x" && check_rc 2 &&
    one_error "back: .-x.: not a number \(1 or more\);" &&
    run_ukdb -c "explore --depth --bfs" && check_rc 2 &&
    one_error "explore: --depth .--bfs.: not a number \(1 to 100000\)"
'

# "1.5" and "1e3" were "not a number", as "x" is: what they are instead
# of a whole number in digits is said, with the range, by commands and
# explore alike.
test_expect_success 'a fraction or 1e3 is not a whole number in digits' '
    run_ukdb -c "back 1.5" && check_rc 2 &&
    one_error "back: .1.5.: not a whole number \(1 or more\);" &&
    run_ukdb -c "umaps 1e3" && check_rc 2 &&
    one_error "umaps: .1e3.: not written in digits \(1 to 4096\);" &&
    run_ukdb -c "log 2.0" && check_rc 2 &&
    one_error "log: .2.0.: not written in digits \(1 or more\);" &&
    run_ukdb -c "handler h0; flow f1 h0; upcall h0 f1; show ukey #1.5" &&
    check_rc 2 &&
    one_error "show: .1.5.: not a whole number \(1 or more\);" &&
    run_ukdb -c "explore --depth 1e-1" && check_rc 2 &&
    one_error "explore: --depth .1e-1.: not a whole number \(1 to 100000\)" &&
    run_ukdb -c "explore --runs 1e3" && check_rc 2 &&
    one_error "explore: --runs .1e3.: not written in digits \(1 or more\)"
'

test_expect_success 'an unbounded range says "N or more"' '
    run_ukdb -c "log 0" && check_rc 2 &&
    one_error "log: .0.: out of range \(1 or more\);" &&
    run_ukdb -c "explore --random 0" && check_rc 2 &&
    one_error "explore: --random .0.: out of range \(1 or more\);"
'

test_expect_success 'the error names the script line, and only once' '
    printf "handler h0\nflow f1\n\nupcall h0 nosuch\n" >s.ukdb &&
    run_ukdb s.ukdb && check_rc 2 &&
    one_error "^s\.ukdb:4: error: upcall: '\''nosuch'\'': no such flow.*; try \"help upcall\"\$"
'

test_expect_success 'errors inside "source" name the sourced file and line' '
    printf "echo in\nfrob\n" >inner.ukdb &&
    printf "echo out\nsource inner.ukdb\necho after\n" >outer.ukdb &&
    run_ukdb outer.ukdb && check_rc 2 &&
    one_error "^inner\.ukdb:2: error: '\''frob'\'': unknown command" &&
    ! grep after out
'

test_expect_success 'source of a missing file' '
    run_ukdb -c "source /nonexistent/x.ukdb" && check_rc 2 &&
    one_error "^ukdb: error: source: '\''/nonexistent/x\.ukdb'\'': No such file or directory\$"
'

test_expect_success 'source nesting is bounded' '
    echo "source loop.ukdb" >loop.ukdb &&
    run_ukdb loop.ukdb && check_rc 2 &&
    test_grep "nested too deep" err
'

test_expect_success 'unterminated quote, too many words' '
    run_ukdb -c "echo \"abc" && check_rc 2 &&
    one_error "^ukdb: error: unterminated quote\$" &&
    run_ukdb -c "echo $(seq -s " " 1 40)" && check_rc 2 &&
    one_error "^ukdb: error: too many words \(at most [0-9]+\)\$"
'

# ==== Hostile input ====

test_expect_success 'an over-long line in a script: one error, exit 2' '
    { echo "handler h0"; printf "echo %05000d\n" 0; echo "echo no"; } >long.ukdb &&
    run_ukdb long.ukdb && check_rc 2 &&
    one_error "^long\.ukdb:2: error: line too long \(at most [0-9]+ characters\)\$" &&
    ! grep no out
'

test_expect_success 'an over-long line with -c and on stdin' '
    run_ukdb -c "echo $(printf "%05000d" 0)" && check_rc 2 &&
    one_error "^ukdb: error: line too long" &&
    printf "echo %0100000d\n" 0 | timeout 60 "$UKDB" >out 2>err;
    test $? -eq 2 && one_error "^<stdin>:1: error: line too long"
'

# A file with no newline was read whole before the limit applied:
# /dev/zero grew ukdb to 4 GB in 4 s.  --keep-going does not skip such a
# line (its end may never come).
test_expect_success 'a line that never ends: one error, bounded memory' '
    timeout 30 "$UKDB" -f /dev/zero >out 2>err; rc=$?;
    test $rc = 2 && one_error "^/dev/zero:1: error: line too long" &&
    timeout 30 "$UKDB" --keep-going -c "source /dev/zero" >out 2>err;
    test $? = 2 && test_grep "^/dev/zero:1: error: line too long" err
'

# DOS line endings were "invalid character in input (binary data?)".
test_expect_success 'a script with CRLF line endings runs' '
    printf "handler h0\r\nflow f1 h0\r\necho done\r\n" >crlf.ukdb &&
    run_ukdb crlf.ukdb && check_rc 0 && test_grep "^done\$" out &&
    # The CR does not count against the 4095 characters of a line.
    printf "echo %04090d\r\n" 0 >crlf-long.ukdb &&
    run_ukdb crlf-long.ukdb && check_rc 0
'

# Each was a silent success: output lost on a full disk (exit 0; that of
# --events FILE too), a directory sourced as an empty script, "set echo
# maybe" as off, a view of ukey -1 (read as 2^64 - 1) or 2^64 "matching no
# ukey".
test_expect_success 'output that cannot be written: exit 2' '
    [ -w /dev/full ] || exit 0
    "$UKDB" -c help >/dev/full 2>err; test $? = 2 &&
    one_error "^ukdb: error: cannot write standard output" &&
    "$UKDB" audit "$TEST_TOP/traces/purge" >/dev/full 2>err; test $? = 2 &&
    "$UKDB" -c "open $TEST_TOP/traces/race-v1-replace; reproduce -o /dev/full" \
        >out 2>err; test $? = 2 &&
    one_error "^ukdb: error: reproduce: .*/dev/full.: No space left on device" &&
    "$UKDB" --events /dev/full -c "handler h0; flow f1 h0; upcall h0 f1; run" \
        >out 2>err; test $? = 2 &&
    one_error "^ukdb: error: /dev/full: cannot write: No space left on device\$"
'

test_expect_success 'source DIR, set echo maybe, view --ukey -1: errors' '
    mkdir dir &&
    run_ukdb -c "source dir" && check_rc 2 &&
    one_error "^ukdb: error: source: .dir.: Is a directory\$" &&
    run_ukdb -c "set echo maybe" && check_rc 2 &&
    one_error "^ukdb: error: set: .maybe.: expected on or off" &&
    for id in -1 18446744073709551616 " 1" "#-1"; do
        run_ukdb view --ukey "$id" "$TEST_TOP/traces/purge" && check_rc 2 &&
        one_error "^ukdb: error: view: --ukey: .*: not a ukey id" || exit 1
    done &&
    run_ukdb view --ukey "#2" "$TEST_TOP/traces/purge" && check_rc 0 &&
    test_grep "^ukey#2 " out
'

test_expect_success 'a line of exactly 4095 characters is accepted' '
    run_ukdb -c "echo $(printf "%04090d" 0)" && check_rc 0 &&
    test $(wc -c <out) -eq 4091
'

test_expect_success 'control characters and NUL bytes: one error' '
    printf "echo a\001b\n" | timeout 60 "$UKDB" >out 2>err; test $? -eq 2 &&
    one_error "^<stdin>:1: error: invalid character in input" &&
    printf "echo a\000b\n" | timeout 60 "$UKDB" >out 2>err; test $? -eq 2 &&
    one_error "^<stdin>:1: error: invalid character in input"
'

test_expect_success 'binary garbage on stdin: exit 2, no crash, no hang' '
    for seed in 1 2 3 4 5 6 7 8; do
        head -c 4096 /dev/urandom >garbage &&
        timeout 60 "$UKDB" <garbage >out 2>err; rc=$?
        [ $rc -eq 2 ] || { echo "exit $rc"; cat err; exit 1; }
        [ $(wc -l <err) -eq 1 ] || { cat err; exit 1; }
        grep -q "^<stdin>:[0-9]*: error: " err || { cat err; exit 1; }
    done
'

test_expect_success 'binary garbage with --keep-going: every line is handled' '
    head -c 65536 /dev/urandom >garbage &&
    timeout 60 "$UKDB" --keep-going <garbage >out 2>err; rc=$?;
    [ $rc -eq 2 ] && test_grep "^<stdin>:[0-9]*: error: " err
'

test_expect_success 'a printable-garbage script: no crash with --keep-going' '
    head -c 20000 /dev/urandom | tr -c "a-z0-9 .>\\n-" " " >junk.ukdb &&
    timeout 60 "$UKDB" --keep-going junk.ukdb >out 2>err; rc=$?;
    [ $rc -le 2 ] || { echo "exit $rc"; tail err; false; }
'

test_expect_success 'empty input and comments only: exit 0' '
    timeout 60 "$UKDB" </dev/null >out 2>err && test ! -s err &&
    printf "# nothing\n   \n\t\n" | timeout 60 "$UKDB" >out 2>err && test ! -s err
'

# "show ukeys" prints ids as "#1"; before, typed back, the "#" started a
# comment ("history #1": too few arguments).  A "#" followed by a digit is
# a word; any other "#" at the start of a word still starts a comment.
test_expect_success 'ukey ids typed as #N; comments still work' '
    S="source $TEST_TOP/examples/race-v1-replace.ukdb" &&
    run_ukdb -c "$S; history #1" && check_rc 0 &&
    test_grep "violation ERROR double-delete ukey#1" out &&
    run_ukdb -c "$S; history 1" && cp out by-number &&
    run_ukdb -c "$S; history #1" && test_cmp by-number out &&
    run_ukdb -c "$S; show ukey #1; show ukey ukey#1" && check_rc 0 &&
    test "$(grep -c "^ukey #1 " out)" = 2 &&
    run_ukdb -c "$S; watch ukey #1; break transition DELETED ukey #2; info breakpoints" &&
    check_rc 0 && test_grep "^Watch 1: ukey #1\$" out && test_grep "break transition DELETED ukey #2 " out &&
    run_ukdb -c "$S; last ukey #1" && check_rc 0 &&
    printf "%s\n" "# a comment" "  #another" "echo a  # a comment" \
        "echo b #c" "echo c#d" | "$UKDB" >out 2>err &&
    ! test -s err && printf "%s\n" a b "c#d" >expect && test_cmp expect out &&
    run_ukdb -c "echo x # note; echo y #1" && check_rc 0 &&
    printf "%s\n" x "y #1" >expect && test_cmp expect out
'

# Every command line's usage error is one line of one shape: the
# subcommand, what is wrong, and where its help is; nothing on stdout.
test_expect_success 'usage errors: one shape for ukdb and every subcommand' '
    while IFS="|" read -r sub args; do
        run_ukdb $sub $args && check_rc 2 && ! test -s out &&
        if [ -n "$sub" ]; then
            one_error "^ukdb: error: $sub: .* \(see \"ukdb $sub --help\"\)\$"
        else
            one_error "^ukdb: error: .* \(see \"ukdb --help\"\)\$"
        fi || exit 1
    done <<-\EOF
	|a.ukdb b.ukdb
	|--bogus
	audit|
	audit|--format x t
	view|--ukey x t
	record|
	load|--handlers 0
	explore|
	explore|a.ukdb b.ukdb
	explore|--depth x a.ukdb
	EOF
'

# As GNU tools and babeltrace2 take them: an option may follow the
# arguments.  "ukdb audit TRACE --format json" failed with "Cannot open
# trace: path="--format"" (getopt's '+' stopped at TRACE), explore took
# "--random 3" for a second script, and record ran "SCRIPT -o DIR" as
# ukdb's own command line ("give exactly one of -o and --live").
test_expect_success 'audit, view, explore, record: options after the arguments' '
    T="$TEST_TOP/traces/race-v1-replace" &&
    "$UKDB" audit --format json "$T" >before; test $? = 1 &&
    run_ukdb audit "$T" --format json && check_rc 1 && test_cmp before out &&
    "$UKDB" view --format raw --ukey 1 "$T" >before &&
    run_ukdb view "$T" --format raw --ukey 1 && check_rc 0 &&
    test_cmp before out && test "$(wc -l <out)" -gt 1 &&
    run_ukdb view "$T" --format=raw --ukey=1 && check_rc 0 &&
    test_cmp before out &&
    "$UKDB" explore --random 3 --seed 1 pass.ukdb >before &&
    run_ukdb explore pass.ukdb --random 3 --seed 1 && check_rc 0 &&
    test_grep "in 3 random schedules (sampled with seed 1," out &&
    sed "s/, [0-9.]* s)\$//" before >expect && sed -i "s/, [0-9.]* s)\$//" out &&
    test_cmp expect out &&
    run_ukdb explore pass.ukdb --help && check_rc 0 &&
    test_grep "^usage: ukdb explore " out &&
    run_ukdb record nosuch.ukdb -o nos && check_rc 2 &&
    one_error "^ukdb: error: record: nosuch.ukdb: No such file or directory\$" &&
    run_ukdb record pass.ukdb --output= && check_rc 2 &&
    one_error "^ukdb: error: record: -o needs a directory, not .. \(see" &&
    run_ukdb record pass.ukdb --help && check_rc 0 &&
    test_grep "^usage: ukdb record " out
'

# What is wrong with an option after the arguments is one line, exit 2, as
# before them; "--" ends the options, for a trace or script named "-x".
test_expect_success 'options after the arguments: errors, and "--"' '
    T="$TEST_TOP/traces/race-v1-replace" &&
    run_ukdb view "$T" --bogus && check_rc 2 && ! test -s out &&
    one_error "^ukdb: error: view: .--bogus.: unknown option \(see \"ukdb view --help\"\)\$" &&
    run_ukdb view "$T" -qh && check_rc 2 &&
    one_error "^ukdb: error: view: .-q.: unknown option \(see" &&
    run_ukdb audit "$T" --format && check_rc 2 && ! test -s out &&
    one_error "^ukdb: error: audit: .--format.: needs an argument \(see \"ukdb audit --help\"\)\$" &&
    run_ukdb view "$T" --ukey && check_rc 2 &&
    one_error "^ukdb: error: view: .--ukey.: needs an argument \(see" &&
    run_ukdb audit "$T" --format yaml && check_rc 2 &&
    one_error "^ukdb: error: audit: --format: .yaml.: unknown format \(see" &&
    run_ukdb explore pass.ukdb --depth && check_rc 2 &&
    one_error "^ukdb: error: explore: --depth needs a value \(1 to 100000\) \(see" &&
    run_ukdb explore pass.ukdb --bogus && check_rc 2 &&
    one_error "^ukdb: error: explore: .--bogus.: unknown option \(see" &&
    run_ukdb record pass.ukdb -o && check_rc 2 &&
    one_error "^ukdb: error: record: .-o. needs an argument \(see" &&
    rm -rf ./-x && cp -r "$T" ./-x &&
    run_ukdb audit -x && check_rc 2 &&
    one_error "^ukdb: error: audit: .-x.: unknown option \(see" &&
    "$UKDB" audit "$T" >before; test $? = 1 &&
    run_ukdb audit -- -x && check_rc 1 && test_cmp before out &&
    run_ukdb view --format raw -- -x && check_rc 0 &&
    "$UKDB" view --format raw "$T" >before && test_cmp before out &&
    cp pass.ukdb ./-p.ukdb &&
    run_ukdb explore -p.ukdb && check_rc 2 &&
    one_error "^ukdb: error: explore: .-p.ukdb.: unknown option \(see" &&
    run_ukdb explore --random 3 -- -p.ukdb && check_rc 0 &&
    test_grep "in 3 random schedules" out
'

# Names are printed back as plain words (the journal "back" and "variant"
# replay, explore's scripts).  Before, "handler \"h 0\"" was taken, and
# then "back" failed on "handler h 0" (the session cut short), and explore
# searched the shorter session and said "clean"; "flow 1" made "show ukey
# 1" and "expect state 1" mean different things.
test_expect_success 'names that would not read back are refused' '
    for n in "\"\"" "\"h 0\"" "3" "ukey#2" "\"#x\"" "x\"y"; do
        run_ukdb -c "handler $n" && check_rc 2 &&
        one_error "^ukdb: error: handler: .*: a name cannot .*; try \"help handler\"\$" || return 1
    done &&
    run_ukdb -c "flow 1" && check_rc 2 &&
    one_error "^ukdb: error: flow: .1.: a name cannot be a number" &&
    run_ukdb -c "handler h0; flow \"f 1\" h0" && check_rc 2 &&
    one_error "^ukdb: error: flow: .f 1.: a name cannot hold white space" &&
    run_ukdb -c "handler h-0.x; flow f#1 h-0.x; flow ukey#x h-0.x; upcall h-0.x f#1; step h-0.x 3; back 1; when" &&
    check_rc 0 && test_grep "^step 2, " out
'

# Two -c ran only the last one (exit 0: the first commands silently
# lost); a second -f, -x or --events silently replaced the first.
test_expect_success 'several -c run in order; a second -f, -x or --events is an error' '
    run_ukdb -c "echo a" -c "echo b; echo c" && check_rc 0 &&
    printf "%s\n" a b c >expect && test_cmp expect out &&
    run_ukdb -c "handler h0" -c "expect runnable h0" && check_rc 1 &&
    run_ukdb -c "echo a" -c "bogus" -c "echo z" && check_rc 2 &&
    echo a >expect && test_cmp expect out &&
    run_ukdb -f pass.ukdb -f fail.ukdb && check_rc 2 &&
    one_error "^ukdb: error: give only one of -f FILE" &&
    run_ukdb -x pass.ukdb -x fail.ukdb -c "echo" && check_rc 2 &&
    one_error "^ukdb: error: option .-x. given twice \(see \"ukdb --help\"\)\$" &&
    run_ukdb --events e1 --events e2 -c "echo" && check_rc 2 &&
    one_error "^ukdb: error: option .--events. given twice" &&
    ! test -e e1 && ! test -e e2
'

# -c splits at ";" outside quoted words only, as a script line's words
# are read: "a;b" is one word there and here.
test_expect_success '-c: a ";" inside a quoted word does not split' '
    run_ukdb -c "echo \"a;b\" c; echo d;; echo e" && check_rc 0 &&
    printf "%s\n" "a;b c" d e >want && test_cmp want out &&
    run_ukdb -c "echo \"a;b; echo c" && check_rc 2 &&
    one_error "^ukdb: error: unterminated quote\$"
'

# "expect state ID none" holds for a ukey not created yet (no second
# ukey came), as for a flow without one; another state fails (exit 1).
test_expect_success 'expect state ID none: an ID not created yet has none' '
    run_ukdb -c "handler h0; flow f1; upcall h0 f1; next h0; expect state 1 OPERATIONAL; expect state ukey#2 none" &&
    check_rc 0 &&
    run_ukdb -c "handler h0; expect state 2 CREATED" && check_rc 1 &&
    test_grep "state of 2 is none (no ukey), not CREATED" err &&
    run_ukdb -c "expect state nope none" && check_rc 2 &&
    one_error "no such ukey or flow"
'

# "ukdb TRACE -c CMD" was a usage error ("give only one of ..."), and -x
# ran before the trace was open, so that neither could work on it.  As
# gdb's -x and -ex after it loads its program, both now run on the open
# trace, -x first; -c then ends the session, as without a trace.
test_expect_success 'ukdb TRACE -c CMD and -x INITFILE run on the open trace' '
    T=$TEST_TOP/traces/race-v1-replace &&
    run_ukdb "$T" -c "goto end; show violations" && check_rc 0 &&
    test_grep "^\[107\] " out && test_grep "ERROR double-delete at event 90" out &&
    echo "tbreak violation double-delete; continue" | tr ";" "\n" >init.ukdb &&
    run_ukdb -x init.ukdb -c "when" "$T" && check_rc 0 &&
    test_grep "^event 90 of 107 " out &&
    run_ukdb "$T" -c "bogus" -c "echo not reached" && check_rc 2 &&
    one_error "unknown command" && ! grep -q "not reached" out &&
    echo "echo from stdin" | "$UKDB" "$T" -c "echo from -c" >out 2>err &&
    test_grep "^from -c\$" out && ! grep -q "from stdin" out
'

# -x with a file it cannot read said "source: 'FILE': ...", the command it
# runs as; it says it as -f does.
test_expect_success '-x INITFILE that cannot be read: as -f says it' '
    run_ukdb -x nonexistent.ukdb -c "echo not reached" && check_rc 2 &&
    one_error "^ukdb: error: nonexistent.ukdb: No such file or directory\$" &&
    ! grep -q "not reached" out &&
    run_ukdb -x . -c "echo not reached" && check_rc 2 &&
    one_error "^ukdb: error: \.: Is a directory\$" &&
    run_ukdb -c "source nonexistent.ukdb" && check_rc 2 &&
    one_error "^ukdb: error: source: .nonexistent.ukdb.: No such file"
'

# A directory of several traces opened in the REPL mixed them into one
# cursor in seq order (every trace's seq 1 first) under each one's thread
# names; "view" refuses them, and so does "open".  And a failed graph's
# error no longer starts "Graph failed to complete successfully: ".
test_expect_success 'open of several traces: one line, open each on its own' '
    run_ukdb -c "open $TEST_TOP/traces; echo not reached" && check_rc 2 &&
    one_error "^ukdb: error: open: .*: the input holds 4 traces \(.*\): open each on its own\$" &&
    ! grep -q "not reached" out &&
    echo when | "$UKDB" "$TEST_TOP/traces" >out 2>err; test $? = 2 &&
    one_error "the input holds 4 traces" &&
    run_ukdb view "$TEST_TOP/traces" && check_rc 2 &&
    one_error "^ukdb: error: the input holds 4 traces \(.*\): view each on its own\$"
'

test_done
