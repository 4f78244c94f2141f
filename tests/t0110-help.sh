#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The help comes from the one command table (repl/commands.c): every
# command listed by "help" has a summary, "help CMD" prints its usage, its
# description and an example, and the example is a well-formed use of the
# command (right name, right number of arguments).  "apropos" finds
# commands by word and fails cleanly on nothing.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built"
cd "$TRASH" || exit 1

"$UKDB" -c help >help.out 2>help.err || { echo "Bail out! ukdb -c help failed"; exit 1; }
# Command lines of "help": two spaces, the name, its arguments, two or more
# spaces, the summary.
sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p' help.out >commands

test_expect_success '"help" lists the commands, one line each, with a summary' '
    test_grep "^Commands" help.out && test ! -s help.err &&
    test $(wc -l <commands) -ge 40 &&
    n_lines=$(grep -c "^  [a-z]" help.out) &&
    test "$n_lines" -eq $(wc -l <commands) &&
    ! grep -E "^  [a-z][^ ]*( [^ ]+)* *$" help.out
'

# Before, "help tbreak" said "usage: tbreak ..." and listed the violation
# kinds of a "KIND" its text never named.
test_expect_success 'help tbreak gives the forms of break' '
    "$UKDB" -c "help tbreak" >out &&
    test_grep "^usage: tbreak transition|violation|event " out &&
    test_grep "help break" out
'

test_expect_success '"help" lists no command twice' '
    sort commands | uniq -d >dups && test ! -s dups
'

test_expect_success 'the commands of DESIGN.md are all there' '
    for c in variant handler revalidator flow upcall round traffic dp step \
             next run back break show history expect explore open help quit \
             choices goto continue tbreak delete watch last log apropos \
             source datapath umaps pmd purge expire modify rcu; do
        grep -qx "$c" commands || { echo "missing: $c"; exit 1; }
    done
'

while read -r cmd; do
    test_expect_success "help $cmd: usage, summary, details and an example" '
        "$UKDB" -c "help '"$cmd"'" >out 2>err && test ! -s err &&
        head -1 out | grep -q "^usage: '"$cmd"'\( \|\$\)" &&
        sed -n 2p out | grep -Eq "^  [a-zA-Z\"].*\.\$" &&
        grep -q "^example: '"$cmd"'\( \|\$\)" out &&
        test $(grep -c "^example: ." out) -eq 1
    '
done <commands

# The example must be a well-formed use: it may fail for want of a thread
# or flow in an empty session, but not as an unknown command or with the
# wrong number of arguments.
while read -r cmd; do
    example=$("$UKDB" -c "help $cmd" | sed -n "s/^example: //p")
    case $cmd in
    quit|source|open|explore|reproduce|shutdown) continue ;;  # Side effects.
    esac
    test_expect_success "the example of $cmd is well-formed: $example" '
        timeout 60 "$UKDB" -c "$example" >out 2>err; rc=$?;
        [ $rc -le 2 ] &&
        ! grep -E "unknown command|ambiguous|too (few|many) arguments|too many words" err
    '
done <commands

# "help datapath" said "(sequence H)" and "help purge-pmd" "(T10)":
# labels of the design notes, which a user of ukdb does not have.  The
# help says the thing, or names the OVS function.
test_expect_success 'no help names a label of the design notes' '
    while read -r cmd; do
        "$UKDB" -c "help $cmd" || return 1
    done <commands >all &&
    for sub in record audit view explore load; do
        "$UKDB" help "$sub" || return 1
    done >>all &&
    sed "s/\\-/-/g" "$TEST_TOP/doc/ukdb.1" >>all &&
    test $(wc -l <all) -ge 500 &&
    ! grep -nE "\((T[0-9]+|B-[0-9]+)[),/]|\bsequence [A-Z]\b|§|\bB-[0-9]{2}\b" all
'

test_expect_success 'help of a prefix or an alias is the command'"'"'s help' '
    "$UKDB" -c "help brea" >out && head -1 out | grep -q "^usage: break " &&
    "$UKDB" -c "help s" >out && head -1 out | grep -q "^usage: step "
'

test_expect_success 'help WORD that is not a command searches the help' '
    "$UKDB" -c "help breakpoint" >out 2>err && test ! -s err &&
    test_grep "^  break " out && test_grep "^  tbreak " out &&
    test_grep "^  delete " out
'

test_expect_success 'apropos finds commands by name, summary and details' '
    "$UKDB" -c "apropos rcu" >out 2>err && test ! -s err &&
    test_grep "^  rcu " out &&
    "$UKDB" -c "apropos slowpath" >out && test_grep "^  traffic " out &&
    "$UKDB" -c "apropos dpctl" >out && test_grep "^  dp " out &&
    "$UKDB" -c "apropos RCU" >out && test_grep "^  rcu " out
'

# "break event NAME": before, no help named the events, and "break
# event" with none said "'': no such event".
test_expect_success 'help break lists the events break event takes' '
    "$UKDB" -c "help break" >help &&
    sed -n "/^  event NAME:/,/^[^ ]/p" help | sed "\$d; s/.*NAME://" |
        tr ", " "\n\n" | grep . >events &&
    test $(wc -l <events) -ge 25 &&
    while read -r e; do
        "$UKDB" -c "break event $e" >out 2>err ||
        { echo "break event $e"; cat err; return 1; }
    done <events &&
    "$UKDB" -c "break event" >out 2>err; test $? -eq 2 &&
    test_grep "error: break: event needs a NAME; try \"help break\"" err
'

# Before, names went in a column 12 wide: "reverse-continue on a trace:
# back ..." read as one name.
test_expect_success 'apropos: two spaces at least between a name and its summary' '
    "$UKDB" -c "apropos breakpoint" >out &&
    test_grep "^  reverse-continue  on a trace" out &&
    ! grep -Ev "^  [a-z-]+  +[^ ]" out
'

test_expect_success 'apropos of nothing: one error line, exit 2' '
    "$UKDB" -c "apropos zzzqqq" >out 2>err; test $? -eq 2 &&
    test ! -s out && test $(wc -l <err) -eq 1 &&
    test_grep "^ukdb: error: apropos: nothing about '\''zzzqqq'\''" err &&
    "$UKDB" -c "help zzzqqq" >out 2>err; test $? -eq 2 &&
    test $(wc -l <err) -eq 1
'

test_expect_success 'apropos and help arity errors' '
    "$UKDB" -c "apropos" >out 2>err; test $? -eq 2 &&
    test_grep "try \"help apropos\"" err &&
    "$UKDB" -c "help a b" >out 2>err; test $? -eq 2 &&
    test_grep "try \"help help\"" err
'

# "show config" lists stuck-rounds and slowpath-rounds, "set" takes them
# and TAB completes them, but "help set" and ukdb(1) did not name them.
test_expect_success 'every setting "show config" lists is in "help set" and the man page' '
    "$UKDB" -c "show config" >config &&
    for k in $(awk "NR > 3 { print \$1 }" config); do
        "$UKDB" -c "set $k 3; show config" >out &&
        test_grep "^$k  *3\$" out &&
        "$UKDB" -c "help set" >help && test_grep "| $k N" help &&
        sed "s/\\\\-/-/g" "$TEST_TOP/doc/ukdb.1" | grep -q -e "^.BI $k \" N\"" ||
        { echo "setting $k"; return 1; }
    done
'

# "ukdb help SUBCOMMAND" gives a subcommand's usage, but "ukdb --help"
# and the man page's synopsis never said "ukdb help" existed.
test_expect_success 'ukdb --help names ukdb help, which knows each subcommand' '
    "$UKDB" --help >usage &&
    test_grep "^ *ukdb help \[COMMAND|SUBCOMMAND\]\$" usage &&
    sed -n "s/^ *ukdb \([a-z][a-z]*\) .*/\1/p" usage | grep -vx help >subs &&
    test $(wc -l <subs) -ge 5 &&
    mkdir -p clean &&
    while read -r sub; do
        # (Not where a file is named "help": that would be a script.)
        (cd clean && "$UKDB" help "$sub") >out 2>err && test ! -s err &&
        head -1 out | grep -Eq "^usage: (ukdb )?$sub( |\$)" ||
        { echo "ukdb help $sub"; cat out err; return 1; }
    done <subs &&
    sed "s/\\-/-/g" "$TEST_TOP/doc/ukdb.1" |
        sed -n "/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p" | grep -q "^\.B ukdb help"
'

# What "help show" and "help step" say of a trace holds there.  Before,
# neither said a word of a trace: "show rcu" was refused there, and "step
# THREAD N" too, with no help saying what a trace takes instead.
test_expect_success 'help show names what a trace shows, and only that' '
    "$UKDB" -c "help show" >help &&
    sed -n "/^  On a trace, the state at the cursor:/,/^  \"set/p" help |
        sed "\$d; s/.*cursor://" | tr "|" "\n" |
        sed -n "s/^ *\([a-z]*\).*/\1/p" >on-trace &&
    test $(wc -l <on-trace) -ge 5 &&
    for w in ukeys ukey umaps dp threads locks rcu stats violations \
             variant config; do
        arg=; [ $w = ukey ] && arg=1
        if grep -qx $w on-trace; then
            "$UKDB" "$TEST_TOP/traces/race-v1-replace" \
                -c "goto end; show $w $arg" >out 2>err ||
                { echo "show $w fails on a trace"; cat err; return 1; }
        else
            ! "$UKDB" "$TEST_TOP/traces/race-v1-replace" \
                -c "goto end; show $w $arg" >out 2>err ||
                { echo "show $w works on a trace"; return 1; }
        fi
    done
'

test_expect_success 'help step gives the forms a trace takes' '
    "$UKDB" -c "help step" >help &&
    test_grep "^  On a trace: step N .*, step THREAD" help &&
    "$UKDB" "$TEST_TOP/traces/race-v1-replace" \
        -c "step 3; step handler0; when" >out &&
    test_grep "^event 6 of " out &&
    ! "$UKDB" "$TEST_TOP/traces/race-v1-replace" -c "step handler0 2" \
        2>err && test_grep "on a trace: step \[N|THREAD\]" err
'

test_done
