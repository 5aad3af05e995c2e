#!/usr/bin/env bash
# Loads {{LABEL}} into docker or podman (written by tiny_image_load from
# rules/private/load.sh.tpl).
#   bazel run :x.load              docker if its daemon answers, else podman
#   bazel run :x.load -- podman    or TINY_LOAD_ENGINE=podman
set -euo pipefail

# The runfiles root, under `bazel run`, `bazel test`, another target's
# runfiles, or straight from bazel-bin.
if [ -n "${RUNFILES_DIR:-}" ] && [ -d "$RUNFILES_DIR" ]; then R="$RUNFILES_DIR"
elif [ -n "${TEST_SRCDIR:-}" ] && [ -d "$TEST_SRCDIR" ]; then R="$TEST_SRCDIR"
elif [ -d "$0.runfiles" ]; then R="$0.runfiles"
else echo "$0: cannot find the runfiles directory" >&2; exit 1
fi

label={{LABEL_Q}}
tar="$R/"{{TARBALL}}
tag={{TAG}}
engine="${TINY_LOAD_ENGINE:-${1:-}}"
if [ -z "$engine" ]; then
  if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then engine=docker
  elif command -v podman >/dev/null 2>&1; then engine=podman
  elif command -v docker >/dev/null 2>&1; then engine=docker
  else
    echo "tiny_image_load: neither docker nor podman is on the PATH, so $label cannot be loaded." >&2
    echo "Install one of them, or load the tarball yourself: $tar" >&2
    exit 1
  fi
fi
case "$engine" in
  docker|podman) ;;
  *) echo "tiny_image_load: unknown engine '$engine' (docker or podman)" >&2; exit 2 ;;
esac
if ! command -v "$engine" >/dev/null 2>&1; then
  echo "tiny_image_load: $engine is not on the PATH" >&2
  exit 1
fi
echo "Loading $label into $engine${tag:+ as $tag}" >&2
"$engine" load -i "$tar"
