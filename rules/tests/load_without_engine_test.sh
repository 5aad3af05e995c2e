#!/usr/bin/env bash
# The .load target says clearly what to do when neither docker nor podman is
# on the PATH, and fails; an unknown engine name is a usage error.
set -euo pipefail
ws="$TEST_SRCDIR/$TEST_WORKSPACE"
load="$ws/examples/hello_image.load.sh"
bin="$(mktemp -d "${TEST_TMPDIR:-/tmp}/bin.XXXXXX")"
ln -s "$(command -v bash)" "$bin/bash"
ln -s "$(command -v env)" "$bin/env"
set +e
out="$(PATH="$bin" "$bin/bash" "$load" 2>&1)"; rc=$?
set -e
echo "$out"
[ "$rc" -eq 1 ] || { echo "FAIL: exit $rc, want 1" >&2; exit 1; }
grep -q "neither docker nor podman is on the PATH, so //examples:hello_image cannot be loaded" <<<"$out" \
  || { echo "FAIL: no clear message" >&2; exit 1; }
grep -q "load the tarball yourself: .*examples/hello_image.tar" <<<"$out" \
  || { echo "FAIL: the message does not name the tarball" >&2; exit 1; }
set +e
out="$(TINY_LOAD_ENGINE=rkt "$load" 2>&1)"; rc=$?
set -e
[ "$rc" -eq 2 ] && grep -q "unknown engine 'rkt'" <<<"$out" || { echo "FAIL: unknown engine: exit $rc: $out" >&2; exit 1; }
echo "OK"
