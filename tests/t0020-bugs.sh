#!/usr/bin/env bash
# The bug zoo: every bug's script shows the symptom under the code before
# the fix (X-buggy.ukdb) and no symptom under upstream (X-fixed.ukdb).
. "$(dirname "$0")/lib.sh"

for f in "$TEST_TOP"/examples/bugs/*-buggy.ukdb \
         "$TEST_TOP"/examples/bugs/*-fixed.ukdb; do
    name=$(basename "$f")
    test_expect_success "bug zoo: $name holds" "
        timeout 60 \"\$UKDB\" \"$f\" >out 2>err || { tail -20 out; cat err; false; }
    "
done

# The buggy scripts' expectations are not vacuous: the same steps under
# upstream fail them.
for f in "$TEST_TOP"/examples/bugs/*-buggy.ukdb; do
    name=$(basename "$f")
    test_expect_code 1 "bug zoo: $name fails under upstream" "
        sed 's/^variant .*/variant upstream/' \"$f\" >buggy-as-upstream.ukdb &&
        cp \"$TEST_TOP\"/examples/bugs/*.ukdb . 2>/dev/null;
        timeout 60 \"\$UKDB\" buggy-as-upstream.ukdb >out 2>&1
    "
done

test_done
