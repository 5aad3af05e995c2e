#!/usr/bin/env bash
# $1 tiny_layer output, $2 tiny_image layout, $3 oci_image_index layout,
# $4 oci_image (tiny_oci_image) layout. coreutils and grep only.
set -uo pipefail
layer="$1" image="$2" index="$3" oci="$4"
fail() { echo "FAIL: $*" >&2; exit 1; }
# jq (rules_oci) pretty-prints JSON, tiny writes it compact: allow both.
first_digest() { grep -oE '"digest":[[:space:]]*"sha256:[0-9a-f]{64}"' "$1" | head -n 1 | grep -oE '[0-9a-f]{64}'; }

digest="$(sha256sum "$layer" | cut -d' ' -f1)"

# The layer rules_oci got is the very layer of the tiny_image.
m="$(first_digest "$image/index.json")"
grep -q "sha256:$digest" "$image/blobs/sha256/$m" || fail "tiny_image's manifest does not list layer sha256:$digest"

# rules_oci kept it byte for byte in the image it assembled.
m="$(first_digest "$oci/index.json")"
grep -q "sha256:$digest" "$oci/blobs/sha256/$m" || fail "oci_image's manifest does not list layer sha256:$digest"
cmp -s "$layer" "$oci/blobs/sha256/$digest" || fail "oci_image changed the layer bytes"

# The index rules_oci made holds both platforms of the tiny images.
i="$(first_digest "$index/index.json")"
for arch in 386 amd64; do
  grep -qE "\"architecture\":[[:space:]]*\"$arch\"" "$index/blobs/sha256/$i" || fail "index lacks linux/$arch"
done
echo "ok: layer sha256:$digest shared by tiny_image and oci_image; index has linux/386 and linux/amd64"
