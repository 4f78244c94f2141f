#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# "ukdb record": a private LTTng session around a traced program (tp-emit
# via the hidden --exec option until the model runs scenarios), the trace
# and its event count, the child's exit status, and the error paths.
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/lttng-lib.sh"

lttng_require
[ -x "$TP_EMIT" ] || skip_all "$TP_EMIT not built (make)"
[ -x "$UKDB" ] || skip_all "$UKDB not built (make)"
RECORD="$UKDB record"

test_expect_success 'record writes a trace and prints its event count' '
    $RECORD -o out --exec "$TP_EMIT" --events 1000 >stdout 2>stderr &&
    test_grep "tp-emit: 1000 events" stdout &&
    test_grep "^ukdb: trace: $TRASH/out/.*" stderr &&
    test_grep "^ukdb: 1000 events recorded$" stderr &&
    lttng_count_events out >n && echo 1000 >expect && test_cmp expect n
'

test_expect_success 'the recorded events are the emitted ones' '
    /usr/bin/python3 -c "import bt2" 2>/dev/null || exit 0
    $RECORD -o every --exec "$TP_EMIT" --canonical every.canon \
        >/dev/null 2>&1 &&
    /usr/bin/python3 "$TEST_TOP/tests/helper/ctf-canonical.py" \
        $(lttng_trace_dirs every) >decoded &&
    test_cmp every.canon decoded
'

test_expect_success 'an existing empty directory is fine' '
    mkdir empty &&
    $RECORD -o empty --exec "$TP_EMIT" >/dev/null 2>stderr &&
    test_grep "^ukdb: 33 events recorded$" stderr
'

test_expect_code 1 'the exit status is the child'"'"'s' '
    $RECORD -o st1 --exec sh -c "exit 1" 2>stderr
'

test_expect_code 2 'a child killed by a signal gives 2' '
    $RECORD -o st2 --exec sh -c "kill -KILL \$\$" 2>stderr
'

test_expect_success 'a populated directory is refused with exit 2' '
    mkdir full && echo x >full/file &&
    { $RECORD -o full --exec "$TP_EMIT" 2>stderr; test $? = 2; } &&
    test_grep "^ukdb: error: full: directory not empty" stderr &&
    test "$(ls full)" = file
'

# Root writes through file modes: a read-only mount is what refuses it.
mkdir "$TRASH/ro"
if [ "$(id -u)" = 0 ]; then
    mount -t tmpfs -o ro ukdb-ro "$TRASH/ro" &&
    test_cleanup_add "umount '$TRASH/ro'"
else
    chmod 555 "$TRASH/ro"
fi

test_expect_success 'a directory that cannot be written is refused' '
    { $RECORD -o ro --exec "$TP_EMIT" 2>stderr; test $? = 2; } &&
    test_grep "^ukdb: error: ro: not writable" stderr &&
    { $RECORD -o ro/sub --exec "$TP_EMIT" 2>stderr; test $? = 2; } &&
    test_grep "^ukdb: error: ro/sub: " stderr
'

test_expect_success 'lttng-sessiond missing from PATH: a clear error' '
    mkdir bin && ln -s "$(command -v lttng)" bin/lttng &&
    { PATH="$TRASH/bin" $RECORD -o nod --exec "$TP_EMIT" 2>stderr;
      test $? = 2; } &&
    test_grep "^ukdb: error: lttng-sessiond not found in PATH" stderr &&
    test ! -e nod
'

test_expect_success 'usage errors exit 2, in one line' '
    { $RECORD --exec "$TP_EMIT" 2>stderr; test $? = 2; } &&
    test_grep "give exactly one of -o and --live" stderr &&
    { $RECORD -o x 2>stderr; test $? = 2; } &&
    test_grep "no scenario to run" stderr &&
    [ -x "$UKDB" ] || exit 0
    for bad in "--bogus" "-o"; do
        { $RECORD $bad 2>stderr; test $? = 2; } &&
        test "$(wc -l <stderr)" = 1 &&
        test_grep "^ukdb: error: record: .* (see \"ukdb record --help\")\$" stderr ||
        exit 1
    done
'

# Before, a missing script was run under a session (a trace of the
# failing run's 5 events), and a run whose tracepoints could not load
# recorded nothing and exited 0.
test_expect_success 'a missing script: an error before any session' '
    [ -x "$UKDB" ] || exit 0
    { $RECORD -o nos nosuch.ukdb 2>stderr; test $? = 2; } &&
    test_grep "^ukdb: error: record: nosuch.ukdb: No such file or directory\$" stderr &&
    test "$(wc -l <stderr)" = 1 && ! test -e nos
'

# The script is not always the last word: the run's options may follow it
# ("record SCRIPT -o DIR --echo"), and -f names one.  Only a last word was
# checked, so these ran under a session as before.
test_expect_success 'a missing script before the run'"'"'s options, or after -f' '
    [ -x "$UKDB" ] || exit 0
    { $RECORD nosuch.ukdb -o nos2 --echo 2>stderr; test $? = 2; } &&
    test_grep "^ukdb: error: record: nosuch.ukdb: No such file or directory\$" stderr &&
    test "$(wc -l <stderr)" = 1 && ! test -e nos2 &&
    { $RECORD -o nos3 -- -f nosuch.ukdb --keep-going 2>stderr; test $? = 2; } &&
    test_grep "^ukdb: error: record: nosuch.ukdb: No such file or directory\$" stderr &&
    test "$(wc -l <stderr)" = 1 && ! test -e nos3
'

# A directory as the script was run: ukdb opened it as a trace, searching
# it (/tmp: any trace under it), and a trace of that failing run was left.
# A symbolic link to nothing as DIR said "File exists" (mkdir), and an
# empty DIR "No such file or directory".
test_expect_success 'a directory as the script, a dangling link or "" as DIR' '
    mkdir notascript &&
    { $RECORD -o dirrec notascript 2>stderr; test $? = 2; } &&
    test_grep "^ukdb: error: record: notascript: is a directory, not a scenario script\$" stderr &&
    test "$(wc -l <stderr)" = 1 && ! test -e dirrec &&
    printf "handler h0\n" >"with space.ukdb" && ln -s nowhere dangling &&
    { $RECORD -o dangling "with space.ukdb" 2>stderr; test $? = 2; } &&
    test_grep "^ukdb: error: dangling: a symbolic link to nothing (make its directory, or give another)\$" stderr &&
    test "$(wc -l <stderr)" = 1 && ! test -e nowhere &&
    { $RECORD -o "" "with space.ukdb" 2>stderr; test $? = 2; } &&
    test_grep "^ukdb: error: record: -o needs a directory, not .. (see \"ukdb record --help\")\$" stderr &&
    $RECORD -o "dir with space" "with space.ukdb" >/dev/null 2>stderr &&
    test_grep "^ukdb: [1-9][0-9]* events recorded\$" stderr &&
    "$UKDB" audit "dir with space" >audit.out && test_grep "^result: PASS" audit.out
'

test_expect_success 'a scenario that records no event: exit 2' '
    [ -x "$UKDB" ] || exit 0
    echo "handler h0" >s.ukdb &&
    { UKDB_TP_PROVIDER=/nonexistent.so $RECORD -o none s.ukdb 2>stderr;
      test $? = 2; } &&
    test_grep "^ukdb: error: no trace under .*none: the program recorded no event" stderr
'

# Probes load at the first command that changes or steps the model: a
# script that never did (only echo and expect) recorded nothing, and record
# said "were its tracepoints loaded?", exit 2, over the script's own status.
# Under record, the model is traced from its start.
test_expect_success 'a script that never changes the model: its run, its status' '
    [ -x "$UKDB" ] || exit 0
    printf "expect no-violation\necho hi\n" >quiet.ukdb &&
    $RECORD -o quiet quiet.ukdb >stdout 2>stderr &&
    test_grep "^hi\$" stdout &&
    test "$(lttng_count_events quiet)" -gt 0 &&
    babeltrace2 "$(lttng_trace_dirs quiet)" | test_grep "ukey:thread_start" - &&
    printf "expect violation\n" >fails.ukdb &&
    { $RECORD -o fails fails.ukdb 2>stderr; test $? = 1; } &&
    test_grep "fails.ukdb:1: expect failed: no violation" stderr &&
    ! grep -q "no trace under" stderr
'

# A relay daemon that cannot be reached: lttng's error was passed on as
# it printed it, on its own lines, and the "lttng stop" of a session that
# never started added a second error.  One line now, exit 2.
test_expect_success 'record --live to a relay nobody listens on: one line' '
    [ -x "$UKDB" ] || exit 0
    { timeout 60 $RECORD --live net://127.0.0.1:1 quiet.ukdb >relay.out \
        2>relay.err; test $? = 2; } &&
    test_grep "^ukdb: error: .lttng enable-channel. failed: .*lttng-relayd" relay.err &&
    test "$(wc -l <relay.err)" = 1 || { cat relay.err; false; }
'

# A program that cannot run: the directory record made (and the session's
# empty ust/ tree in it) was left behind.
test_expect_success 'record --exec of a program that cannot run leaves no directory' '
    { $RECORD -o noexec --exec ./nonexistent-program 2>err; test $? = 2; } &&
    test_grep "nonexistent-program: No such file or directory" err &&
    ! test -e noexec &&
    mkdir kept && { $RECORD -o kept --exec ./nonexistent-program 2>err;
                    test $? = 2; } && test -d kept
'

# As the usage says: "record -o DIR [--] [OPTION...] SCRIPT.ukdb".
test_expect_success 'ukdb options before the script reach its run' '
    [ -x "$UKDB" ] || exit 0
    printf "handler h0\necho after\n" >k.ukdb &&
    $RECORD -o opt -- --echo k.ukdb >stdout 2>stderr &&
    test_grep "^(ukdb) handler h0" stdout && test_grep "^after" stdout
'

# "record SCRIPT -o DIR" ran "ukdb SCRIPT -o DIR" (record's getopt stops at
# the script): "give exactly one of -o and --live".  record's -o and --live
# are taken after the script too; the run's options there stay the run's
# (with their values: "--events -o" writes to "-o"), and after a "--"
# every word is the run's.
test_expect_success 'record -o DIR after the script; the run keeps its options' '
    [ -x "$UKDB" ] || exit 0
    $RECORD k.ukdb -o late --echo >stdout 2>stderr &&
    test_grep "^(ukdb) handler h0" stdout && test_grep "^after" stdout &&
    test_grep "^ukdb: [1-9][0-9]* events recorded\$" stderr &&
    test "$(lttng_count_events late)" -gt 0 &&
    $RECORD k.ukdb --events -o --output=late2 >/dev/null 2>stderr &&
    test_grep "type=thread_start" ./-o && test "$(lttng_count_events late2)" -gt 0 &&
    { $RECORD -o late3 -- k.ukdb -o late4 2>stderr; test $? = 2; } &&
    ! test -e late3 && ! test -e late4
'

# A "--" after the script ends record's options too: the words after it
# are the run's, not the "--" (which ukdb itself refused).
test_expect_success 'record SCRIPT -o DIR -- OPTION: the option is the run'"'"'s' '
    [ -x "$UKDB" ] || exit 0
    $RECORD k.ukdb -o late5 -- --echo >stdout 2>stderr &&
    test_grep "^(ukdb) handler h0" stdout && test_grep "^after" stdout &&
    test "$(lttng_count_events late5)" -gt 0
'

test_expect_success 'SIGTERM stops the child and cleans up' '
    $RECORD -o sig --exec sh -c "echo \$LTTNG_HOME >home; exec sleep 600" \
        2>stderr &
    pid=$! &&
    for i in $(seq 500); do [ -s home ] && break; sleep 0.02; done &&
    test -d "$(cat home)" &&
    kill -TERM $pid && { wait $pid; test $? = 2; } &&
    test ! -e "$(cat home)"
'

# Live: record streams to a relay daemon of this test (record then keeps
# the test's network namespace, where the relayd listens on 127.0.0.1).
lttng_start_relayd "$TRASH/relayd/out"

test_expect_success 'record --live streams every event to lttng-relayd' '
    read -r c d l <<<"$LTTNG_RELAYD_PORTS" &&
    $RECORD --live "net://127.0.0.1:$c:$d" --exec "$TP_EMIT" --events 500 \
        >/dev/null 2>stderr &&
    test_grep "^ukdb: trace streamed to net://127.0.0.1:$c:$d" stderr &&
    lttng_count_events relayd/out >n && echo 500 >expect && test_cmp expect n
'

test_done
