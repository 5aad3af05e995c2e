#!/usr/bin/env bash
# The mistakes analysis cannot see fail the build with clear messages from the
# tool, as the rules run it: an .asm without the entry symbol (asm_binary runs
# `tiny build`), a dynamically linked ELF and a script (tiny_image runs
# `tiny strip` on executables that are not asm_binary). No output is left.
set -euo pipefail
ws="$TEST_SRCDIR/$TEST_WORKSPACE"
tiny="$ws/rules/tiny.sh"
tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/errors.XXXXXX")"
fail() { echo "FAIL: $*" >&2; exit 1; }
expect() {  # expect OUTFILE MESSAGE-REGEX CMD...
  local out="$1" want="$2" msg rc; shift 2
  set +e; msg="$("$@" 2>&1)"; rc=$?; set -e
  echo "$* -> exit $rc: $msg"
  [ "$rc" -eq 1 ] || fail "exit $rc, want 1"
  grep -qE "$want" <<<"$msg" || fail "message does not match /$want/"
  [ ! -e "$out" ] || fail "$out was left behind"
}
expect "$tmp/noentry" "entry symbol .?_start.? is not defined" \
  "$tiny" build -o "$tmp/noentry" "$ws/rules/tests/testdata/noentry.asm"
expect "$tmp/dyn" "dynamically linked.*only static executables" \
  "$tiny" strip -o "$tmp/dyn" "$ws/rules/tests/dynamic_bin"
expect "$tmp/script" "a script \(#!\), not an ELF executable" \
  "$tiny" strip -o "$tmp/script" "$ws/rules/tests/testdata/script.sh"
echo OK
