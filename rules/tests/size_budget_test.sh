#!/usr/bin/env bash
# A size_test whose budget is too small must fail, print the breakdown and the
# exact excess; one with room must pass and print the headroom. The expected
# numbers come from the files themselves (blob file sizes, wc -c), not from
# the tool the size_test uses.
set -euo pipefail
ws="$TEST_SRCDIR/$TEST_WORKSPACE"
fail() { echo "FAIL: $*" >&2; exit 1; }

run() {  # run a size_test script; sets out and rc
  set +e
  out="$("$ws/rules/tests/$1.sh" 2>&1)"
  rc=$?
  set -e
  echo "--- $1 (exit $rc)"
  echo "$out"
}

# Image: total blob bytes = every blob file of a single-image layout.
layout="$ws/examples/hello_image"
blobs=0
for f in "$layout"/blobs/sha256/*; do blobs=$((blobs + $(wc -c < "$f"))); done
[ "$blobs" -gt 100 ] || fail "implausible blob total $blobs"

run image_budget_too_small
[ "$rc" -eq 1 ] || fail "a too-small image budget must fail the test (exit $rc)"
want="FAIL: //examples:hello_image is over budget: total_blob_bytes = $blobs bytes > max_bytes = 100, over by $((blobs - 100)) bytes"
grep -qxF "$want" <<<"$out" || fail "missing line: $want"
grep -q "total blobs" <<<"$out" || fail "the breakdown is not printed"

run image_budget_roomy
[ "$rc" -eq 0 ] || fail "a roomy image budget must pass (exit $rc)"
want="PASS: //examples:hello_image: total_blob_bytes = $blobs bytes <= max_bytes = 100000 ($((100000 - blobs)) bytes of headroom)"
grep -qxF "$want" <<<"$out" || fail "missing line: $want"

# Executable: file bytes, one byte short.
size="$(wc -c < "$ws/examples/hello" | tr -d ' ')"
run binary_budget_one_short
[ "$rc" -eq 1 ] || fail "a budget one byte short must fail (exit $rc)"
grep -qxF "FAIL: //examples:hello is over budget: file_bytes = $size bytes > max_bytes = $((size - 1)), over by 1 bytes" <<<"$out" \
  || fail "wrong excess for the binary"

# Content bytes (what classic docker images shows) = the executable alone.
run content_budget_exact
[ "$rc" -eq 0 ] || fail "content_bytes equal to the budget must pass (exit $rc)"
grep -qxF "PASS: //examples:hello_image: content_bytes = $size bytes <= max_bytes = $size (0 bytes of headroom)" <<<"$out" \
  || fail "content_bytes is not the executable's size"
echo "OK: budgets fail and pass with the right figures"
