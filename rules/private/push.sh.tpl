#!/usr/bin/env bash
# Pushes {{LABEL}} with `tiny push` (written by tiny_push from
# rules/private/push.sh.tpl). The rule's settings come first and the
# command line's arguments last: `tiny push` keeps the last --repository it
# is given (so the command line overrides the attribute) and adds up every
# --tag (as oci_push does).
set -euo pipefail

# The runfiles root, under `bazel run`, `bazel test`, another target's
# runfiles, or straight from bazel-bin.
if [ -n "${RUNFILES_DIR:-}" ] && [ -d "$RUNFILES_DIR" ]; then R="$RUNFILES_DIR"
elif [ -n "${TEST_SRCDIR:-}" ] && [ -d "$TEST_SRCDIR" ]; then R="$TEST_SRCDIR"
elif [ -d "$0.runfiles" ]; then R="$0.runfiles"
else echo "$0: cannot find the runfiles directory" >&2; exit 1
fi

args=(push --layout "$R/"{{LAYOUT}} {{FIXED_ARGS}})

# remote_tags_file: one more tag per line (CRLF and blank lines tolerated).
tags_file={{TAGS_FILE}}
if [ -n "$tags_file" ]; then
  while IFS= read -r t || [ -n "$t" ]; do
    t="${t%$'\r'}"
    [ -n "$t" ] && args+=(--tag "$t")
  done <"$R/$tags_file"
fi

exec "$R/"{{TINY}} "${args[@]}" "$@"
