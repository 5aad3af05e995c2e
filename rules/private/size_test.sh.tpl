#!/usr/bin/env bash
# Checks the byte budget of {{LABEL}} with `tiny size --json` (written by
# size_test from rules/private/size_test.sh.tpl).
set -euo pipefail

# The runfiles root, under `bazel run`, `bazel test`, another target's
# runfiles, or straight from bazel-bin.
if [ -n "${RUNFILES_DIR:-}" ] && [ -d "$RUNFILES_DIR" ]; then R="$RUNFILES_DIR"
elif [ -n "${TEST_SRCDIR:-}" ] && [ -d "$TEST_SRCDIR" ]; then R="$TEST_SRCDIR"
elif [ -d "$0.runfiles" ]; then R="$0.runfiles"
else echo "$0: cannot find the runfiles directory" >&2; exit 1
fi

tiny="$R/"{{TINY}}
subject="$R/"{{SUBJECT}}
label={{LABEL_Q}}
measure={{MEASURE}}
max={{MAX}}
if ! json="$("$tiny" size --json "$subject")"; then
  if [ "$measure" != file_bytes ] || [ ! -f "$subject" ]; then
    echo "size_test: tiny size failed on $label" >&2
    exit 1
  fi
  # An ELF file tiny size cannot parse (e.g. --compact reuses e_ident bytes):
  # its file size is still exact.
  echo "size_test: tiny size cannot break $label down; measuring the file size only"
  json="{\"file_bytes\":$(wc -c <"$subject" | tr -d ' ')}"
fi
# The report's top-level fields come before its nested layers/images (Go
# marshals struct fields in order), so the first match of a key is the
# top-level value.
actual="$(printf '%s' "$json" | grep -o "\"$measure\":[0-9]*" | head -n 1 | cut -d: -f2 || true)"
if [ -z "$actual" ]; then
  echo "size_test: $label: no \"$measure\" in the size report:" >&2
  echo "$json" >&2
  exit 1
fi
if text="$("$tiny" size "$subject" 2>&1)"; then
  printf '%s\n\n' "$text"
fi
if [ "$actual" -gt "$max" ]; then
  echo "FAIL: $label is over budget: $measure = $actual bytes > max_bytes = $max, over by $((actual - max)) bytes"
  exit 1
fi
echo "PASS: $label: $measure = $actual bytes <= max_bytes = $max ($((max - actual)) bytes of headroom)"
