#!/usr/bin/env bash
# tiny_tool_pair: the core runs as `tiny` and hands the OCI subcommands to
# the tiny-full linked beside it, with the same bytes as the toolchain's.
set -euo pipefail
ws="$TEST_SRCDIR/$TEST_WORKSPACE"
pair="$ws/rules/tests/host_go_pair/tiny"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/pair.XXXXXX")"
cd "$tmp"

[ -x "$(dirname "$pair")/tiny-full" ] || fail "no tiny-full beside $pair"
# (Captured first: grep -q stops reading at its match, and under pipefail
# the writer's SIGPIPE would fail the pipeline.)
help="$("$pair" help)"
grep -q 'push' <<<"$help" || fail "tiny help lists no push"

# The core's own subcommand, then one it hands to tiny-full.
"$pair" build -o hello "$ws/examples/hello.asm"
cmp hello "$ws/examples/hello" || fail "tiny build through the pair differs from Bazel's"
"$pair" image --tarball hello_image.tar --file hello:/hello --tag tiny/hello:latest >/dev/null
cmp hello_image.tar "$ws/examples/hello_image.tar" || fail "tiny image through the pair differs from Bazel's"

# The complete tool is the one beside: push is there (it refuses a missing
# layout, rather than being unknown).
out="$("$pair" push --layout missing-layout --repository 127.0.0.1:1/x 2>&1)" && fail "push of a missing layout succeeded"
case "$out" in
*"unknown command"* | *"built without push"*) fail "push did not reach the complete tool: $out" ;;
*missing-layout*) ;;
*) fail "push said: $out" ;;
esac
echo "ok: tiny_tool_pair runs the core and hands image and push to tiny-full"
