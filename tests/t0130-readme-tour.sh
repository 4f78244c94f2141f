#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The README's tour is what the REPL does: each prompt it shows, "(ukdb
# VARIANT step N)", is where the session is before that command (as
# "when" says), and each output line it shows without "..." is printed
# (a line wrapped in the README: as a part of one).
# Before, the tour went "back 8" to before the double delete, switched to
# upstream there and showed "No violations." -- which v1-replace also said
# at that step: the switch showed nothing.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built"
cd "$TRASH" || exit 1

# The tour: the first block of README.md whose lines start with a prompt.
awk '/^```/ { if (inblock && tour) exit; inblock = !inblock; tour = 0; n = 0; next }
     inblock { lines[n++] = $0; if ($0 ~ /^\(ukdb /) tour = 1 }
     inblock && tour && n { for (i = 0; i < n; i++) print lines[i]; n = 0 }' \
    "$TEST_TOP/README.md" >tour

sed -nE 's/^\(ukdb ([a-z0-9-]+) step ([0-9]+)\) ([^#]*[^# ]) *(#.*)?$/\1 \2 \3/p' tour >prompts
grep -v '^(ukdb ' tour | grep -v '\.\.\.' | sed 's/^ *//' | grep -v '^$' >shown

test_expect_success 'the README has a tour of prompts with step numbers' '
    test $(wc -l <prompts) -ge 5 && test -s shown
'

# Each command after "when", which says the step and variant.
cmds="source demo.ukdb"
while read -r variant step cmd; do
    cmds="$cmds; when; $cmd"
done <prompts

test_expect_success 'each prompt of the tour is where the session is' '
    (cd "$TEST_TOP/examples" && timeout 120 "$UKDB" -c "$cmds") >out 2>err &&
    test ! -s err &&
    sed -nE "s/^step ([0-9]+), [0-9]+ events, variant ([a-z0-9-]+)\$/\2 \1/p" out >got &&
    cut -d" " -f1,2 prompts >want &&
    test_cmp want got
'

test_expect_success 'each output line of the tour is printed' '
    while IFS= read -r line; do
        grep -qF -- "$line" out || { echo "not printed: $line"; exit 1; }
    done <shown
'

# The clean verdict is about the interleaving that fails under
# v1-replace: the same session switched back has the double delete.
test_expect_success 'the tour ends where v1-replace has the double delete' '
    (cd "$TEST_TOP/examples" && timeout 120 "$UKDB" -c "$cmds; expect no-violation; variant v1-replace; expect violation double-delete") >out2 2>err2 ||
    { cat err2; false; }
'

# "make demo" without a terminal (a CI log, a pipe) runs its guide's
# commands and shows what they print.  Before, it left out "history f1",
# "back 8" and "continue": the reverse stepping the guide is about.
test_expect_success 'make demo without a terminal runs each command of its guide' '
    timeout 120 "$TEST_TOP/examples/demo.sh" </dev/null >demo 2>demo.err &&
    test ! -s demo.err &&
    sed -n "/^Try, in order:/,/^\$/s/^  \([a-z].*[^ ]\)  *  [^ ].*/\1/p" demo |
        grep -v "^help\$" >guide &&
    test $(wc -l <guide) -ge 8 &&
    sed -n "s/^(ukdb) //p" demo | tail -n $(wc -l <guide) >ran &&
    test_cmp guide ran &&
    test_grep "^No violations\.\$" demo
'

test_done
