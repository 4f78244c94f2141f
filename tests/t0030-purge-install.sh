#!/usr/bin/env bash
# SPDX-License-Identifier: Apache-2.0
# A purge racing a handler's install, under upstream: the handler puts the
# flow of a ukey the purge deleted, which OVS leaves to the next dump to
# adopt.  A warning, not an error: before, the checker called it an ERROR
# use-after-delete, and the explorer "found" it in upstream OVS.
. "$(dirname "$0")/lib.sh"

test_expect_success 'the stepped race: a warning, then the flow adopted' '
    "$UKDB" "$TEST_TOP/tests/scripts/purge-vs-install.ukdb" >out 2>err ||
        { tail -20 out; cat err; exit 1; }
    test_grep "VIOLATION use-after-delete: dp_put of ukey 1 by h1 .* after its umap_remove by main .*: its datapath flow has no ukey until a dump adopts it" out &&
    "$UKDB" -c "source $TEST_TOP/tests/scripts/purge-vs-install.ukdb; show violations" >out &&
    test_grep "^1\. WARNING use-after-delete" out && ! grep -q "ERROR" out
'

test_expect_success 'the explorer finds no error in it under upstream' '
    printf "%s\n" "variant upstream" "handler h1" "revalidator r1" \
        "flow f1" "upcall h1 f1" "purge" >race.ukdb &&
    "$UKDB" explore race.ukdb >out 2>err || { cat out err; exit 1; }
    test_grep "^clean: no violation" out &&
    "$UKDB" explore --warnings race.ukdb >out 2>err; rc=$?
    test $rc = 1 && test_grep "use-after-delete" out
'

test_done
