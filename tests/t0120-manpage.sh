#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# The man page doc/ukdb.1: it describes every command of the REPL's table
# (as "ukdb -c help" lists them), every subcommand, the exit codes and the
# history file, and renders without a warning.  "make install" with DESTDIR
# and PREFIX installs ukdb, the man page, the examples and the babeltrace2
# plugin where the system's babeltrace2 looks for plugins.
. "$(dirname "$0")/lib.sh"

[ -x "$UKDB" ] || skip_all "$UKDB not built"
cd "$TRASH" || exit 1
unset MAKEFLAGS MFLAGS MAKELEVEL     # A make of our own, not make check's.
MAN=$TEST_TOP/doc/ukdb.1

# The page with roff's "\-" as "-", for searching.
sed 's/\\-/-/g' "$MAN" >page
"$UKDB" -c help | sed -n 's/^  \([a-z][a-z0-9-]*\) .*/\1/p' >commands

test_expect_success 'the man page exists and has the usual sections' '
    for s in NAME SYNOPSIS DESCRIPTION OPTIONS SUBCOMMANDS "REPL COMMANDS" \
             "EXIT STATUS" FILES EXAMPLES "SEE ALSO"; do
        grep -q "^\.SH \"\{0,1\}$s\"\{0,1\}\$" page || { echo "no section $s"; exit 1; }
    done
'

test_expect_success 'every REPL command of the table has an entry' '
    test $(wc -l <commands) -ge 40 &&
    while read -r c; do
        grep -Eq "^\.B $c( |\$)" page || { echo "no entry for $c"; exit 1; }
    done <commands
'

test_expect_success 'every subcommand has an entry' '
    for c in record audit view explore load; do
        grep -Eq "^\.B $c( |\$)" page || { echo "no entry for $c"; exit 1; }
    done
'

test_expect_success 'every option of the usage is described' '
    "$UKDB" --help >usage &&
    for o in $(grep -oE -- "--?[a-z][a-z-]*" usage | sort -u); do
        grep -q -- "$o" page || { echo "option $o not described"; exit 1; }
    done
'

# "ukdb record" passes ukdb's own options to the run, after "--": the page
# said neither (before it, record refuses them as its own).
test_expect_success 'record: the page and the usages give the run options after --' '
    sed -n "/^\.SH SYNOPSIS/,/^\.SH DESCRIPTION/p" page |
        sed -n "/^\.B ukdb record/,/^\.I SCRIPT/p" >synopsis &&
    test "$(grep -c "OPTION" synopsis)" = 2 &&
    grep -q "^\.B record .*OPTION" page &&
    "$UKDB" --help | grep -q "ukdb record .*\[--\] \[OPTION...\] SCRIPT" &&
    "$UKDB" record --help | grep -q "ukdb record -o DIR \[--\] \[OPTION...\] SCRIPT" &&
    ! "$UKDB" record -o rec --keep-going x.ukdb 2>err &&
    grep -q "unknown option .--keep-going." err
'

test_expect_success 'exit codes and the history file are documented' '
    sed -n "/^\.SH \"\{0,1\}EXIT STATUS/,/^\.SH [A-Z]/p" page >exit &&
    grep -q "^\.B 0\$" exit && grep -q "^\.B 1\$" exit && grep -q "^\.B 2\$" exit &&
    grep -q "ukdb_history" page
'

if command -v groff >/dev/null; then
    test_expect_success 'groff renders it without a warning' '
        LC_ALL=C.UTF-8 groff -man -Tutf8 -ww -z "$MAN" >out 2>err &&
        test ! -s err
    '
    test_expect_success 'the rendered page names every command' '
        LC_ALL=C.UTF-8 groff -man -Tutf8 -P-cbou "$MAN" 2>/dev/null >text &&
        while read -r c; do
            grep -q -- "$c" text || { echo "$c not in the text"; exit 1; }
        done <commands
    '
fi
if command -v man >/dev/null; then
    test_expect_success 'man -l renders it without a warning' '
        LC_ALL=C.UTF-8 MANWIDTH=80 man --warnings -l "$MAN" >out 2>err &&
        test ! -s err && grep -q "^NAME" out && grep -q "ukdb_history" out
    '
fi

# ==== make install ====
# The installed files come from the build under test ($UKDB_BUILD); "-o all"
# makes sure nothing is rebuilt, anywhere.
test_expect_success 'make install DESTDIR PREFIX=/usr installs everything' '
    test -f "$UKDB_BUILD/plugins/ukey.so" || { echo "no plugin built"; exit 1; }
    make -C "$TEST_TOP" --no-print-directory -s -o all install \
        BUILD="$UKDB_BUILD" DESTDIR="$TRASH/root" PREFIX=/usr >install.log 2>&1 ||
        { cat install.log; exit 1; }
    test -x root/usr/bin/ukdb &&
    cmp root/usr/bin/ukdb "$UKDB" &&
    cmp root/usr/lib/ukdb/libukdb-tp.so "$UKDB_BUILD/libukdb-tp.so" &&
    cmp root/usr/share/man/man1/ukdb.1 "$MAN" &&
    for ex in "$TEST_TOP"/examples/*.ukdb; do
        cmp "$ex" "root/usr/share/ukdb/examples/${ex##*/}" || exit 1
    done
'

if command -v pkg-config >/dev/null && pkg-config --exists babeltrace2; then
    PLUGIN_DIR=$(pkg-config --variable=libdir babeltrace2)/babeltrace2/plugins
    test_expect_success "the plugin goes to $PLUGIN_DIR" '
        test -f "root$PLUGIN_DIR/babeltrace-plugin-ukey.so" &&
        cmp "root$PLUGIN_DIR/babeltrace-plugin-ukey.so" "$UKDB_BUILD/plugins/ukey.so"
    '
    if command -v babeltrace2 >/dev/null; then
        test_expect_success 'babeltrace2 loads the installed plugin' '
            babeltrace2 --plugin-path="root$PLUGIN_DIR" list-plugins >plugins 2>&1 &&
            test_grep "sink\.ukey\.audit" plugins
        '
    fi
fi

test_expect_success 'the installed ukdb runs an installed example' '
    root/usr/bin/ukdb root/usr/share/ukdb/examples/race-v1-replace.ukdb >out 2>&1
'

test_expect_success 'the installed ukdb loads the installed probes' '
    LD_DEBUG=files root/usr/bin/ukdb -c "handler h0" >out 2>err &&
    test_grep "file=.*root/usr/bin/../lib/ukdb/libukdb-tp.so" err &&
    ! grep -q "^ukdb: warning" err
'

test_expect_success 'make install left nothing in the source tree' '
    test ! -e "$TEST_TOP/root" && test ! -e "$TEST_TOP/usr"
'

test_done
