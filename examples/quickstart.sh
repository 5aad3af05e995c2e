#!/usr/bin/env bash
# The main job, as a newcomer runs it: build //examples:hello_image with Bazel,
# run it (docker if its daemon answers, else umoci + runc as root), print the
# sizes. Bazel flags come from $BAZEL_FLAGS (default: --config=debian, the
# offline Debian set-up of .bazelrc).
set -euo pipefail
cd "$(dirname "$0")/.."
read -ra flags <<<"${BAZEL_FLAGS:---config=debian}"
bazel build "${flags[@]}" //examples:hello //examples:hello_image //examples:hello_image.tar //examples:hello_image.load //rules:tiny
bin="$(bazel info "${flags[@]}" bazel-bin 2>/dev/null)"
tiny="$bin/rules/tiny.sh"

echo "== run"
if command -v docker >/dev/null 2>&1 && docker info >/dev/null 2>&1; then
  bazel run "${flags[@]}" //examples:hello_image.load -- docker
  docker run --rm tiny/hello:latest
  docker images tiny/hello:latest --format 'docker images: {{.Repository}}:{{.Tag}} {{.Size}}'
elif [ "$(id -u)" = 0 ] && command -v umoci >/dev/null 2>&1 && command -v runc >/dev/null 2>&1; then
  tmp="$(mktemp -d)"
  trap 'rm -rf "$tmp"' EXIT
  cp -rL "$bin/examples/hello_image" "$tmp/layout" && chmod -R u+w "$tmp/layout"
  umoci unpack --image "$tmp/layout:latest" "$tmp/bundle" >/dev/null
  sed -i 's/"terminal": true/"terminal": false/' "$tmp/bundle/config.json"
  runc run -b "$tmp/bundle" "tiny-quickstart-$$"
  runc delete -f "tiny-quickstart-$$" >/dev/null 2>&1 || true
else
  echo "(no docker daemon, and runc needs root: running the executable itself)"
  "$bin/examples/hello"
fi

echo "== sizes"
"$tiny" size "$bin/examples/hello"
"$tiny" size "$bin/examples/hello_image"
echo "tarball: $(wc -c < "$bin/examples/hello_image.tar" | tr -d ' ') bytes ($bin/examples/hello_image.tar)"
