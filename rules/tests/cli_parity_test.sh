#!/usr/bin/env bash
# The rules add nothing to the bytes: `tiny build`, `tiny image` and `tiny
# index` run by hand (in another directory, with another umask, time zone,
# locale and input mtimes) produce exactly the files Bazel built.
set -euo pipefail
ws="$TEST_SRCDIR/$TEST_WORKSPACE"
tiny="$ws/rules/tiny.sh"
fail() { echo "FAIL: $*" >&2; exit 1; }
tmp="$(mktemp -d "${TEST_TMPDIR:-/tmp}/parity.XXXXXX")"
cd "$tmp"
umask 077
export TZ=Asia/Kathmandu LANG=C LC_ALL=C
unset SOURCE_DATE_EPOCH

same_file() {  # same_file A B what
  cmp "$1" "$2" || fail "$3: the CLI and Bazel outputs differ"
  echo "identical: $3 ($(wc -c < "$1" | tr -d ' ') bytes, sha256 $(sha256sum < "$1" | cut -c1-16)...)"
}
same_dir() {  # same_dir A B what
  diff -r "$1" "$2" || fail "$3: the CLI and Bazel layouts differ"
  echo "identical: $3 layout ($(cat "$1/index.json" | wc -c | tr -d ' ')-byte index.json, $(ls "$1/blobs/sha256" | wc -l | tr -d ' ') blobs)"
}

for prog in hello hello64; do
  cp "$ws/examples/$prog.asm" "$prog.asm"
  touch -d "2001-02-03 04:05:06" "$prog.asm"
  "$tiny" build -o "$prog" "$prog.asm"
  same_file "$prog" "$ws/examples/$prog" "tiny build $prog.asm"
done

"$tiny" image --layout hello_image --tarball hello_image.tar --file hello:/hello --tag tiny/hello:latest
same_dir hello_image "$ws/examples/hello_image" "tiny image (i386)"
same_file hello_image.tar "$ws/examples/hello_image.tar" "tiny image tarball (i386)"

"$tiny" image --layout hello64_image --tarball hello64_image.tar --file hello64:/hello64 --tag tiny/hello64:latest
same_dir hello64_image "$ws/examples/hello64_image" "tiny image (x86-64)"

"$tiny" index --layout hello_index --tarball hello_index.tar --tag tiny/hello-multi:latest hello_image hello64_image
same_dir hello_index "$ws/examples/hello_index" "tiny index"
same_file hello_index.tar "$ws/examples/hello_index.tar" "tiny index tarball"
echo "OK: Bazel outputs equal the CLI's"
