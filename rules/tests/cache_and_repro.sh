#!/usr/bin/env bash
# Cache and reproducibility check for the Bazel rules (a script, not a bazel
# test: it runs Bazel itself, three times, from clean output bases).
#
#   1. copy A of the workspace, clean output base, empty --disk_cache: full build;
#   2. copy B (another path), clean output base, same --disk_cache: every
#      action must come from the cache (0 executed), which also shows that no
#      action key depends on the checkout path;
#   3. copy C, clean output base, no cache at all: a second real build whose
#      outputs must be byte-identical to the first.
# Prints the process figures and the digests. Extra arguments go to `bazel build`
# (default: --config=debian). Usage: rules/tests/cache_and_repro.sh [bazel flags]
set -euo pipefail
src="$(cd "$(dirname "$0")/../.." && pwd)"
flags=("$@")
[ "${#flags[@]}" -gt 0 ] || flags=(--config=debian)
targets=(//examples:all)
work="$(mktemp -d /tmp/tiny-cache.XXXXXX)"
trap 'for d in "$work"/ob-*; do bazel --output_base="$d" shutdown >/dev/null 2>&1 || true; done; chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT

copy() {  # the workspace without outputs, user settings or git metadata
  mkdir -p "$work/$1"
  (cd "$src" && tar -c --exclude='./bazel-*' --exclude=./.git --exclude=./user.bazelrc .) | tar -x -C "$work/$1"
}
build() {  # build NAME [extra flags]: prints the process summary line
  local name="$1"; shift
  (cd "$work/$name" && bazel --output_base="$work/ob-$name" build "${flags[@]}" \
      --define=TINY_GOCACHE= "$@" "${targets[@]}" >"$work/$name.log" 2>&1) \
    || { tail -30 "$work/$name.log" >&2; echo "FAIL: build $name" >&2; exit 1; }
  grep -a -o 'INFO: [0-9]* processes: .*' "$work/$name.log" | tail -1
}
digests() {  # sha256 of every output file of the examples, by path
  (cd "$work/$1/bazel-bin/examples" &&
    find -L . -type f ! -name '*.runfiles_manifest' ! -name MANIFEST ! -path '*.runfiles/*' ! -name '*.params' ! -path './_objs/*' -print0 |
    sort -z | xargs -0 sha256sum)
}

copy a; copy b; copy c
echo "== 1. clean build, filling the disk cache"
start=$SECONDS; line_a="$(build a --disk_cache="$work/cache")"; echo "$line_a  ($((SECONDS - start)) s)"
echo "== 2. another checkout, clean output base, same disk cache"
start=$SECONDS; line_b="$(build b --disk_cache="$work/cache")"; echo "$line_b  ($((SECONDS - start)) s)"
# Bazel 4.2 calls disk cache hits "remote cache hit"; newer ones "disk cache hit".
hits="$(grep -o '[0-9]* \(disk\|remote\) cache hit' <<<"$line_b" | cut -d' ' -f1 || true)"
executed="$(grep -oE '[0-9]+ (linux-sandbox|local|processwrapper-sandbox|sandbox|worker|remote)[,.]' <<<"$line_b" | awk '{s += $1} END {print s + 0}' || true)"
echo "disk cache hits: ${hits:-0}; actions executed: $executed"
[ "$executed" -eq 0 ] && [ "${hits:-0}" -gt 0 ] || { echo "FAIL: the second build was not served entirely from the disk cache" >&2; exit 1; }
echo "== 3. a third checkout, no cache: a real second build"
start=$SECONDS; line_c="$(build c)"; echo "$line_c  ($((SECONDS - start)) s)"
digests a >"$work/a.sums"; digests c >"$work/c.sums"
if ! diff "$work/a.sums" "$work/c.sums"; then echo "FAIL: two clean builds differ" >&2; exit 1; fi
echo "identical outputs of two clean builds ($(wc -l < "$work/a.sums" | tr -d ' ') files), e.g.:"
grep -a -E ' \./(hello|hello_image\.tar|hello_index\.tar|hello_image/index\.json)$' "$work/a.sums"
echo "OK"
