#!/usr/bin/env bash
# Every example executable Bazel built runs and prints what it should, with
# exit status 0 (bazel run does the same).
set -euo pipefail
ws="$TEST_SRCDIR/$TEST_WORKSPACE/examples"
fail() { echo "FAIL: $*" >&2; exit 1; }
check() {  # check BINARY EXPECTED
  local out rc
  set +e; out="$("$ws/$1")"; rc=$?; set -e
  [ "$rc" -eq 0 ] || fail "$1 exited $rc"
  [ "$out" = "$2" ] || fail "$1 printed: $out"
  echo "$1 ($(wc -c < "$ws/$1" | tr -d ' ') bytes): $out"
}
check hello "Hello World"
check hello_compact "Hello World"
check hello64 "Hello World"
check greet "Hello from an include"
check hello_c "Hello World from C"
echo OK
