#!/usr/bin/env bash
# Runs a tiny_push launcher the way `bazel run` does and checks that it finds
# the tool and the layout in its runfiles, passes the rule's settings, lets
# command-line flags override them, and fails clearly when the registry is
# down (nothing listens on 127.0.0.1:1 or :2).
set -uo pipefail
push="$1"
fails=0
check() { # name, want exit, want text, command...
  local name="$1" want_rc="$2" want="$3"; shift 3
  local out rc
  out="$("$@" 2>&1)"; rc=$?
  if [ "$rc" -ne "$want_rc" ] || ! grep -qF -- "$want" <<<"$out"; then
    echo "FAIL $name: exit $rc (want $want_rc), output lacks '$want':" >&2
    echo "$out" | sed 's/^/    /' >&2
    fails=$((fails + 1))
  else
    echo "ok   $name"
  fi
}
check "attribute repository is used" 1 "registry 127.0.0.1:1 is unreachable" "$push"
check "--repository overrides it" 1 "registry 127.0.0.1:2 is unreachable" "$push" --repository 127.0.0.1:2/other
check "-r overrides it" 1 "registry 127.0.0.1:2 is unreachable" "$push" -r 127.0.0.1:2/other
check "bad tag from the command line" 1 'invalid tag "no spaces"' "$push" --tag "no spaces"
check "unknown flag is a usage error" 2 "usage: tiny push" "$push" --no-such-flag
# Every tag source reaches the tool, in order (it logs them before connecting).
check "tags: attribute, file, then command line" 1 "(tags: v1, from-file, second, from-cli)" "$push" --tag from-cli
exit $((fails > 0))
