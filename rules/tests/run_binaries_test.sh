#!/usr/bin/env bash
# Every example executable Bazel built runs and prints what it should, with
# exit status 0 (bazel run does the same).
set -euo pipefail
ws="$TEST_SRCDIR/$TEST_WORKSPACE/examples"
fail() { echo "FAIL: $*" >&2; exit 1; }
# i386_emulated: an enabled binfmt_misc handler takes i386 ELF files here
# (scripts/setup.sh registers qemu-i386-static on kernels that run no 32-bit
# code); qemu's loader refuses --compact's overlapping headers.
i386_emulated() {
  local f m
  for f in /proc/sys/fs/binfmt_misc/*; do
    [ -f "$f" ] && grep -qx enabled "$f" 2>/dev/null || continue
    m="$(sed -n 's/^magic //p' "$f")"
    [ "${m:0:8}" = 7f454c46 ] && [ "${m:36:4}" = 0300 ] && return 0
  done
  return 1
}
check() {  # check BINARY EXPECTED
  local out rc
  set +e; out="$("$ws/$1" 2>&1)"; rc=$?; set -e
  if [ "$rc" -eq 126 ] && [ "$(od -An -tx1 -j18 -N2 "$ws/$1" | tr -d ' ')" = 0300 ] && i386_emulated; then
    echo "$1: not run here (this kernel runs no i386 code; qemu-i386 stands in and refuses this file)"
    return
  fi
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
