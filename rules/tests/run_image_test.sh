#!/usr/bin/env bash
# End to end, as a user would: the image Bazel built is read by skopeo (layout
# and tarball, oci-archive and docker-archive), unpacked by umoci and run by
# runc, printing Hello World; and `bazel run :hello_image.load` loads the
# tarball into docker, where `docker run` prints Hello World too.
# runc needs root: without root, or without the oracles, the test says SKIP.
set -euo pipefail
ws="$TEST_SRCDIR/$TEST_WORKSPACE"
layout="$ws/examples/hello_image"
tarball="$ws/examples/hello_image.tar"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp="${TEST_TMPDIR:-$(mktemp -d)}"

if command -v skopeo >/dev/null 2>&1; then
  for ref in "oci:$layout" "oci-archive:$tarball" "docker-archive:$tarball"; do
    info="$(skopeo inspect "$ref")" || fail "skopeo cannot read $ref"
    grep -q '"Architecture": "386"' <<<"$info" || fail "$ref: not a 386 image: $info"
    echo "skopeo reads $ref"
  done
  digest="$(skopeo inspect --format '{{.Digest}}' "oci:$layout")"
  [ "$digest" = "$(skopeo inspect --format '{{.Digest}}' "oci-archive:$tarball")" ] \
    || fail "layout and tarball hold different images"
else
  echo "SKIP skopeo checks: skopeo is not installed"
fi

if command -v skopeo >/dev/null 2>&1; then
  raw="$(skopeo inspect --raw "oci:$ws/examples/hello_index")" || fail "skopeo cannot read the index"
  grep -q '"architecture":"386"' <<<"$raw" && grep -q '"architecture":"amd64"' <<<"$raw" \
    || fail "the index does not list linux/386 and linux/amd64: $raw"
  echo "skopeo reads the index: linux/386 + linux/amd64"
fi

runc_run() {  # runc_run IMAGE_DIR EXPECTED
  local name; name="$(basename "$1")"
  cp -rL "$1" "$tmp/$name"
  chmod -R u+w "$tmp/$name"
  umoci unpack --image "$tmp/$name:latest" "$tmp/$name.bundle" >"$tmp/umoci.log" 2>&1 || { cat "$tmp/umoci.log"; fail "umoci unpack $name"; }
  # No terminal in a test.
  sed -i 's/"terminal": true/"terminal": false/' "$tmp/$name.bundle/config.json"
  local id="tiny-run-test-$$-$name" out
  out="$(runc run -b "$tmp/$name.bundle" "$id" 2>&1)" || { echo "$out"; fail "runc run $name"; }
  runc delete -f "$id" >"$tmp/runc-delete.log" 2>&1 || true
  [ "$out" = "$2" ] || fail "runc run $name printed: $out"
  echo "runc run $name printed: $out"
}

if [ "$(id -u)" != 0 ]; then
  echo "SKIP umoci/runc run: runc needs root here"
elif ! command -v umoci >/dev/null 2>&1 || ! command -v runc >/dev/null 2>&1; then
  echo "SKIP umoci/runc run: umoci or runc is not installed"
else
  runc_run "$layout" "Hello World"
  runc_run "$ws/examples/hello64_image" "Hello World"
  runc_run "$ws/examples/hello_c_image" "Hello World from C"
fi

if command -v docker >/dev/null 2>&1 && docker info >"$tmp/docker-info.log" 2>&1; then
  TINY_LOAD_ENGINE=docker "$ws/examples/hello_image.load.sh" || fail "the .load target failed"
  out="$(docker run --rm tiny/hello:latest)" || fail "docker run"
  [ "$out" = "Hello World" ] || fail "docker run printed: $out"
  echo "docker run printed: $out"
  docker images tiny/hello:latest --format 'docker images: {{.Repository}}:{{.Tag}} {{.Size}}'
  docker rmi tiny/hello:latest >"$tmp/rmi.log" 2>&1 || true
else
  echo "SKIP docker load/run: no docker daemon answers"
fi
echo "OK"
