#!/usr/bin/env bash
# End-to-end test of the tiny Gazelle extension with real Bazel:
#
#   1. lays out a monorepo-like workspace (testdata/mono plus generated
#      packages) that uses rules_tiny through local_repository, with the one
#      documented .bazelrc line for Debian's Bazel (rules/debian.bazelrc),
#   2. runs Gazelle through Bazel, `bazel run @rules_tiny//:gazelle` (built
#      with the host Go SDK), and compares the BUILD files with the golden
#      BUILD.out files: among them data-only directories (tools/blob, meta)
#      with no assembly and no BUILD file, found through include roots,
#   3. bazel build //... and bazel test //... there (Bazel 4.2.3 here),
#      and runs some of the programs,
#   4. runs Gazelle again: nothing may change (-mode=diff),
#   5. deletes one program, renames another and deletes the one that used
#      the data-only directories, runs Gazelle: the stale rules and
#      filegroups must go, the renamed program's rules must follow, the
#      workspace must still build and test, and a further run changes
#      nothing.
#
# Usage: tools/gazelle/e2e/run.sh [WORKDIR]
#   WORKDIR  where to create the workspace (default: a new temp dir)
#   KEEP=1   keep the workspace and its Bazel output base afterwards
#   BAZEL    the bazel command (default: bazel)
#   GEN_PACKAGES  number of extra generated program packages (default 6)
#   TINY_GOCACHE  absolute dir: passed as --define=TINY_GOCACHE=... so the rules
#                 reuse a Go build cache for the tiny tool (faster, unsandboxed)
#   RULES_TINY    the rules_tiny checkout to test (default: the one holding
#                 this script; gazelle-tiny and the rules both come from it)
# Exit status 0 when every step passed.
set -euo pipefail

here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
rules_tiny="$(cd "${RULES_TINY:-$here/../../..}" && pwd)"
bazel="${BAZEL:-bazel}"
gen_packages="${GEN_PACKAGES:-6}"

if ! command -v "$bazel" >/dev/null 2>&1; then
  echo "e2e: '$bazel' not found; install Bazel (on Debian: scripts/setup.sh, or apt-get install bazel-bootstrap)" >&2
  exit 2
fi
if ! command -v go >/dev/null 2>&1; then
  echo "e2e: go not found on PATH" >&2
  exit 2
fi

work="${1:-$(mktemp -d "${TMPDIR:-/tmp}/tiny-gazelle-e2e.XXXXXX")}"
mkdir -p "$work"
work="$(cd "$work" && pwd)"
ws="$work/mono"
bin="$work/bin"
mkdir -p "$bin"

start=$SECONDS
step() { printf '\n== [%3ds] %s\n' "$((SECONDS - start))" "$*"; }
fail() { echo "e2e: FAIL: $*" >&2; exit 1; }

cleanup() {
  local rc=$?
  if [ -d "$ws" ] && [ -f "$ws/WORKSPACE" ]; then
    if [ "${KEEP:-}" = 1 ]; then
      (cd "$ws" && "$bazel" shutdown >/dev/null 2>&1) || true
    else
      (cd "$ws" && "$bazel" clean --expunge >/dev/null 2>&1; "$bazel" shutdown >/dev/null 2>&1) || true
    fi
  fi
  if [ "${KEEP:-}" = 1 ]; then
    echo "e2e: workspace kept in $ws"
  else
    rm -rf "$work"
  fi
  if [ $rc -eq 0 ]; then echo "e2e: PASS in $((SECONDS - start))s"; fi
}
trap cleanup EXIT


step "lay out the workspace in $ws"
rm -rf "$ws"
mkdir -p "$ws"
(cd "$here/testdata/mono" && find . -type f ! -name BUILD.out) | while read -r f; do
  dst="$ws/${f#./}"
  case "$f" in */BUILD.in) dst="${dst%BUILD.in}BUILD.bazel" ;; esac
  mkdir -p "$(dirname "$dst")"
  cp "$here/testdata/mono/$f" "$dst"
done
# More packages of the same shape, so the tree looks like a monorepo and
# the include filegroup is shared widely.
for i in $(seq 1 "$gen_packages"); do
  i="$(printf %02d "$i")"
  d="$ws/gen/p$i"
  mkdir -p "$d"
  cat >"$d/p$i.asm" <<ASM
; generated program $i
BITS 64
default rel
%include "io64.mac"
section .data
line: db "p$i", 10
line_len equ \$ - line
section .text
global _start
_start:
        write_str line, line_len
        sys_exit 0
ASM
done
cat >"$ws/WORKSPACE" <<WS
workspace(name = "mono")

local_repository(
    name = "rules_tiny",
    path = "$rules_tiny",
)

load("@rules_tiny//rules:repositories.bzl", "rules_tiny_dependencies", "rules_tiny_register_toolchains")

rules_tiny_dependencies()

rules_tiny_register_toolchains()
WS
config=()
{
  echo "build --incompatible_strict_action_env"
  echo "test --test_output=errors"
  # Debian's offline Bazel 4.2.3: the one line a consumer workspace needs.
  if [ -d /usr/share/bazel/tools/skylib ]; then echo "import $rules_tiny/rules/debian.bazelrc"; fi
} >"$ws/.bazelrc"
if [ -n "${TINY_GOCACHE:-}" ]; then mkdir -p "$TINY_GOCACHE"; config+=("--define=TINY_GOCACHE=$TINY_GOCACHE"); fi
# Gazelle as a consumer runs it: the Bazel target of rules_tiny, in the
# workspace `bazel run` is called from.
gazelle() { (cd "$ws" && "$bazel" run "${config[@]}" @rules_tiny//:gazelle -- "$@"); }

step "bazel run @rules_tiny//:gazelle: generate BUILD files"
gazelle
(cd "$here/testdata/mono" && find . -name BUILD.out) | while read -r f; do
  got="$ws/${f%BUILD.out}BUILD.bazel"
  [ -f "$got" ] || fail "gazelle wrote no ${f%BUILD.out}BUILD.bazel"
  diff -u "$here/testdata/mono/$f" "$got" || fail "${f%BUILD.out}BUILD.bazel differs from the golden file"
done
for i in $(seq 1 "$gen_packages"); do
  i="$(printf %02d "$i")"
  grep -q "name = \"p$i\"" "$ws/gen/p$i/BUILD.bazel" || fail "gen/p$i: no asm_binary generated"
done
[ ! -e "$ws/experimental/wip.asm" ] || ! grep -q asm_binary "$ws/experimental/BUILD.bazel" || fail "rules generated in a disabled subtree"
grep -q '"motd.txt"' "$ws/tools/blob/BUILD.bazel" || fail "tools/blob (data only, no BUILD file) does not expose motd.txt"
if grep -q unused.txt "$ws/tools/blob/BUILD.bazel"; then fail "tools/blob exposes a file no program needs"; fi
echo "BUILD files: $(find "$ws" -name BUILD.bazel | wc -l), rules: $(cat $(find "$ws" -name BUILD.bazel) | grep -cE '^(asm_binary|tiny_image|size_test|filegroup)\(')"

step "bazel build //... ${config[*]}"
(cd "$ws" && "$bazel" build "${config[@]}" //...)

step "bazel test //... ${config[*]}"
(cd "$ws" && "$bazel" test "${config[@]}" //...)

step "run what was built"
out="$("$ws/bazel-bin/apps/hello/hello")"
[ "$out" = "Hello from the monorepo" ] || fail "apps/hello printed '$out'"
"$ws/bazel-bin/apps/banner/banner" | grep -q '| tiny |' || fail "apps/banner did not print its banner"
"$ws/bazel-bin/apps/exit/true" || fail "apps/exit:true exited $?"
if "$ws/bazel-bin/apps/exit/false"; then fail "apps/exit:false exited 0"; fi
out="$("$ws/bazel-bin/apps/motd/motd")"
[ "$out" = "$(printf 'Welcome to the monorepo\nversion 1.4.2')" ] || fail "apps/motd printed '$out'"
out="$("$ws/bazel-bin/gen/p01/p01")"
[ "$out" = "p01" ] || fail "gen/p01 printed '$out'"
if out32="$("$ws/bazel-bin/apps/hello32/hello32" 2>/dev/null)"; then
  [ "$out32" = "Hello from the monorepo" ] || fail "apps/hello32 printed '$out32'"
else
  echo "note: i386 program did not run (kernel without IA32 emulation?)"
fi
for img in services/greeter/greeter_image services/greeter/slim/slim_image; do
  [ -f "$ws/bazel-bin/$img/index.json" ] || fail "$img: no OCI layout (index.json)"
  [ -f "$ws/bazel-bin/$img.tar" ] || fail "$img: no $img.tar"
done
grep -q '"registry.local/mono/services/greeter:latest"' "$ws/bazel-bin/services/greeter/greeter_image/index.json" ||
  fail "greeter_image: tag from tiny_tag_prefix not in index.json"
ls -l "$ws/bazel-bin/apps/hello/hello" "$ws/bazel-bin/services/greeter/greeter_image.tar"

step "Gazelle again: nothing may change"
sums() { (cd "$ws" && find . -path ./bazel-\* -prune -o -name BUILD.bazel -print | sort | xargs sha256sum); }
before="$(sums)"
gazelle -mode=diff || fail "a second run would change BUILD files (diff above)"
gazelle
[ "$before" = "$(sums)" ] || fail "a second run changed BUILD files"

step "delete apps/exit/false.asm and apps/motd/motd.asm, rename apps/hello32/hello32.asm to hi32.asm"
rm "$ws/apps/exit/false.asm" "$ws/apps/motd/motd.asm"
mv "$ws/apps/hello32/hello32.asm" "$ws/apps/hello32/hi32.asm"
gazelle
if grep -q '"false' "$ws/apps/exit/BUILD.bazel"; then cat "$ws/apps/exit/BUILD.bazel"; fail "stale rules for false.asm kept"; fi
grep -q 'name = "true"' "$ws/apps/exit/BUILD.bazel" || fail "apps/exit:true lost"
if grep -q 'asm_binary(' "$ws/apps/motd/BUILD.bazel"; then fail "stale rules for motd.asm kept"; fi
for d in tools/blob meta; do
  if grep -q asm_hdrs "$ws/$d/BUILD.bazel"; then cat "$ws/$d/BUILD.bazel"; fail "$d keeps a filegroup no program needs"; fi
done
grep -q 'name = "hi32"' "$ws/apps/hello32/BUILD.bazel" || fail "the renamed program hi32 has no rule"
grep -q 'name = "hi32_size"' "$ws/apps/hello32/BUILD.bazel" || fail "the renamed program hi32 has no size test"
if grep -q '"hello32' "$ws/apps/hello32/BUILD.bazel"; then cat "$ws/apps/hello32/BUILD.bazel"; fail "rules of the old name hello32 kept"; fi
gazelle -mode=diff || fail "not idempotent after the removals and the rename"
(cd "$ws" && "$bazel" build "${config[@]}" //... && "$bazel" test "${config[@]}" //...)
if out32="$("$ws/bazel-bin/apps/hello32/hi32" 2>/dev/null)"; then
  [ "$out32" = "Hello from the monorepo" ] || fail "apps/hello32:hi32 printed '$out32'"
fi
