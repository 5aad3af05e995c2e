#!/usr/bin/env bash
# Runs the tiny tool of the resolved toolchain with the given arguments
# (written by current_tiny_toolchain from rules/private/tiny.sh.tpl).
set -euo pipefail

# The runfiles root, under `bazel run`, `bazel test`, another target's
# runfiles, or straight from bazel-bin.
if [ -n "${RUNFILES_DIR:-}" ] && [ -d "$RUNFILES_DIR" ]; then R="$RUNFILES_DIR"
elif [ -n "${TEST_SRCDIR:-}" ] && [ -d "$TEST_SRCDIR" ]; then R="$TEST_SRCDIR"
elif [ -d "$0.runfiles" ]; then R="$0.runfiles"
else echo "$0: cannot find the runfiles directory" >&2; exit 1
fi

exec "$R/"{{TINY}} "$@"
