#!/usr/bin/env bash
# Every test of the repository, in the order a failure is cheapest to read:
# formatting and lint, the Go test suite (unit, differential against nasm/ld,
# images checked by skopeo/umoci/runc/docker, registry round trips), the Bazel
# test suite on the local Bazel (4.2.3 here, offline), the cache and
# reproducibility check, the Gazelle end-to-end run, and a smoke run of the
# benchmark harness. Run scripts/setup.sh once first.
#
# Bazel flags come from $BAZEL_FLAGS (default: --config=debian, the offline
# Debian set-up in .bazelrc). Set TINY_TEST_QUICK=1 to stop after the Go tests.
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="$(go env GOPATH)/bin:$PATH"
read -ra bazel_flags <<<"${BAZEL_FLAGS:---config=debian}"

step() { printf '\n=== %s\n' "$*"; }
t0=$SECONDS
passed=0
lap() { passed=$((passed + 1)); echo "--- $1: $((SECONDS - t0)) s so far"; }

step "gofmt, go vet, staticcheck, go mod tidy, buildifier, LICENSE, file sizes, generated files"
unformatted="$(git ls-files '*.go' | xargs gofmt -l)"
if [ -n "$unformatted" ]; then echo "gofmt would change:"; echo "$unformatted"; exit 1; fi
go vet ./...
staticcheck ./...
# go.mod and go.sum say exactly what the code imports.
go mod tidy -diff
# BUILD.bazel exports it, and the ecosystem expects it.
if [ ! -s LICENSE ] || ! grep -q "Apache License" LICENSE || ! grep -q "Version 2.0" LICENSE; then
  echo "LICENSE is missing or is not the Apache License 2.0"; exit 1
fi
# Built outputs and fetched code do not belong in git: no tracked file over
# 512 KiB (generated tables and golden files are split to stay under it).
big="$(git ls-files -z | xargs -0 -r stat -c '%s %n' | awk '$1 > 512 * 1024 {print $2}')"
if [ -n "$big" ]; then echo "tracked files over 512 KiB:"; echo "$big"; exit 1; fi
mapfile -t starlark < <(git ls-files '*.bzl' '*BUILD' '*BUILD.bazel' 'MODULE.bazel' 'WORKSPACE' '*.bazel' | grep -v '/testdata/' | sort -u)
buildifier --mode=check --lint=warn "${starlark[@]}"
# The Bzlmod BUILD files of the tool and of the Gazelle extension (rules_go)
# are generated from `go list`.
rules/private/gotool/generate.sh --check
# rules/README.md's rule reference is generated from the rules' doc strings.
go run ./rules/private/docgen -check
# Our own BUILD files are what our Gazelle extension would write.
go run ./tools/cmd/gazelle-tiny -repo_root=. -mode=diff
lap lint

step "go test ./..."
go test -count=1 -timeout 40m ./...
lap "go test"

if [ "${TINY_TEST_QUICK:-}" = 1 ]; then echo "steps: $passed passed, 0 failed"; exit 0; fi

step "bazel test //... (${bazel_flags[*]})"
bazel test "${bazel_flags[@]}" //...
lap "bazel test"

step "Bazel cache hits and reproducibility"
rules/tests/cache_and_repro.sh "${bazel_flags[@]}"
lap "cache and reproducibility"

step "Gazelle end to end (Bazel, bazel run @rules_tiny//:gazelle)"
# The tool and Gazelle are both built by the host Go SDK in the e2e workspace;
# a Go build cache shared between the two (and only for this run) saves
# compiling the standard library twice. The hermetic, sandboxed build is
# what the cache and reproducibility step above checks.
e2e_gocache="$(mktemp -d "${TMPDIR:-/tmp}/rules_tiny-e2e-gocache.XXXXXX")"
TINY_GOCACHE="$e2e_gocache" bash tools/gazelle/e2e/run.sh
chmod -R u+w "$e2e_gocache" && rm -rf "$e2e_gocache"
lap "gazelle e2e"

step "benchmark harness, smoke run"
go run ./bench -smoke -o "${TMPDIR:-/tmp}/rules_tiny-bench-smoke.md"
lap "bench smoke"

echo
echo "all tests passed in $((SECONDS - t0)) s"
# Every step stops the script on failure (set -e), so reaching here means all passed.
echo "steps: $passed passed, 0 failed"
