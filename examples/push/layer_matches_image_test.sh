#!/usr/bin/env bash
# $1: tiny_layer output (.tar.gz); $2: tiny_image's (only) default output, a
# directory; $3: tiny_oci_layout (compatibility alias) output of that image.
# Checks what rules_oci relies on, with coreutils and grep only.
set -uo pipefail
layer="$1" layout="$2" alias="$3"
fail() { echo "FAIL: $*" >&2; exit 1; }

[ "$(basename "$layout")" = hello_image ] || fail "$layout is not named like the target (rules_oci's oci_image contract)"
[ -d "$alias" ] && diff -r "$layout" "$alias" >/dev/null || fail "tiny_oci_layout $alias differs from the image's layout $layout"

[ -d "$layout" ] || fail "$layout is not a directory (oci_push/oci_load need a layout directory)"
for f in oci-layout index.json; do [ -f "$layout/$f" ] || fail "layout lacks $f"; done
case "$layer" in *.tar.gz) ;; *) fail "layer $layer is not named .tar.gz (oci_image's tars accept .tar, .tar.gz, .tar.zst)" ;; esac
[ "$(head -c 2 "$layer" | od -An -tx1 | tr -d ' \n')" = 1f8b ] || fail "layer is not gzip data"

# rules_oci reads index.json's first manifest, then its config and layers.
manifest="$(grep -o '"digest":"sha256:[0-9a-f]*"' "$layout/index.json" | head -n 1 | sed 's/.*sha256:\([0-9a-f]*\)"/\1/')"
[ -n "$manifest" ] && [ -f "$layout/blobs/sha256/$manifest" ] || fail "index.json's first manifest is not in blobs/"
grep -q '"mediaType":"application/vnd.oci.image.manifest.v1+json"' "$layout/index.json" || fail "index.json does not point at an image manifest"

digest="$(sha256sum "$layer" | cut -d' ' -f1)"
grep -q "\"sha256:$digest\"" "$layout/blobs/sha256/$manifest" || fail "layer sha256:$digest is not a layer of the image's manifest"
cmp -s "$layer" "$layout/blobs/sha256/$digest" || fail "layer differs from the image's layer blob"

# oci_image_index takes the platform from the config's os and architecture.
config="$(grep -o '"config":{[^}]*}' "$layout/blobs/sha256/$manifest" | grep -o 'sha256:[0-9a-f]*' | cut -d: -f2)"
grep -q '"os":"linux"' "$layout/blobs/sha256/$config" || fail "config lacks os"
grep -q '"architecture":"386"' "$layout/blobs/sha256/$config" || fail "config lacks architecture 386"
echo "ok: layer sha256:$digest ($(wc -c <"$layer") bytes) is the image's layer; layout has what rules_oci reads"
