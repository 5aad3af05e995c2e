"""Plain Starlark behind rules/oci/defs.bzl: no rules_oci symbol here.

tiny_layer writes the one layer tiny_image would put in its image, as a
standalone `.tar.gz` / `.tar.zst` / `.tar` for rules_oci's `oci_image(tars = ...)`.
tiny_oci_layout is kept for compatibility only: it forwards the OCI layout
directory of a tiny_image or tiny_image_index, which is now those rules' only
default output anyway, so rules_oci's oci_push, oci_load and oci_image_index
take the image target directly.

Both work in WORKSPACE mode too (this repository tests them on Bazel 4.2.3).
"""

load("//rules/private:common.bzl", "OCI_ARCHES", "parse_platform")
load("//rules/private:providers.bzl", "TinyBinaryInfo", "TinyImageInfo", "TinyIndexInfo")
load("//rules/private:toolchain.bzl", "TOOLCHAIN_TYPE", "tiny_tool")

_EXT = {"gzip": ".tar.gz", "none": ".tar", "zstd": ".tar.zst"}

# (Sandboxes here may mount /dev/null read-only: nothing is redirected there.)
# `tiny image` has no layer-only output, so the action writes a throwaway
# layout and keeps its only blob that is not JSON: config and manifest are
# JSON objects (first byte "{"), the layer is gzip, zstd or tar data.
_SCRIPT = """\
set -eu
tiny="$1"; out="$2"; src="$3"; dest="$4"; strip="$5"; shift 5
tmp="$(mktemp -d "${TMPDIR:-/tmp}/tiny-layer.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
if [ "$strip" = 1 ]; then
  "$tiny" strip -o "$tmp/stripped" "$src"
  src="$tmp/stripped"
fi
"$tiny" image --layout "$tmp/layout" --file "$src:$dest" "$@" >"$tmp/digest"
n=0
for blob in "$tmp/layout/blobs/sha256/"*; do
  if [ "$(head -c 1 "$blob" | od -An -tx1 | tr -d ' \\n')" != 7b ]; then
    layer="$blob"; n=$((n + 1))
  fi
done
if [ "$n" -ne 1 ]; then
  echo "tiny_layer: expected exactly one layer blob in the image tiny wrote, found $n" >&2
  exit 1
fi
cp "$layer" "$out"
"""

def _tiny_layer_impl(ctx):
    where = "tiny_layer %s" % ctx.label
    tc = tiny_tool(ctx)
    binary = ctx.executable.binary
    dest = ctx.attr.binary_path or "/" + binary.basename
    if not dest.startswith("/"):
        fail("%s: binary_path = %r must be absolute" % (where, dest))
    if ctx.attr.platform:
        parse_platform(where, ctx.attr.platform)
    out = ctx.actions.declare_file(ctx.label.name + _EXT[ctx.attr.compression])

    strip = TinyBinaryInfo not in ctx.attr.binary and ctx.attr.strip
    args = ctx.actions.args()
    args.add(tc.tiny.path)
    args.add(out)
    args.add(binary)
    args.add(dest)
    args.add("1" if strip else "0")

    # The same flags, in the same order, as tiny_image passes, so the layer is
    # byte-identical to the one in the tiny_image of the same binary.
    args.add("--follow-symlinks")
    inputs = [binary]
    for target, path in ctx.attr.files.items():
        fs = target.files.to_list()
        if len(fs) != 1:
            fail("%s: files: %s must be exactly one file" % (where, target.label))
        if not path.startswith("/"):
            fail("%s: files: destination %r of %s must be absolute" % (where, path, target.label))
        args.add("--file", "%s:%s" % (fs[0].path, path))
        inputs.append(fs[0])
    if ctx.attr.platform:
        args.add("--platform", ctx.attr.platform)
    args.add("--compression", ctx.attr.compression)
    args.add("--source-date-epoch", str(ctx.attr.source_date_epoch))

    ctx.actions.run_shell(
        command = _SCRIPT,
        arguments = [args],
        inputs = inputs,
        tools = [tc.tiny],
        outputs = [out],
        mnemonic = "TinyLayer",
        progress_message = "Writing image layer %s" % ctx.label,
    )

    # Runfiles too, so that `data = [":layer"]` puts the file next to a test.
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

tiny_layer = rule(
    implementation = _tiny_layer_impl,
    doc = """The layer tiny_image would build for `binary` (and `files`), alone: `<name>.tar.gz`
(or `.tar.zst`, `.tar`), for rules_oci's `oci_image(tars = [...])`. rules_oci uses a
compressed tar as the layer blob unchanged, so the layer digest equals tiny_image's.""",
    attrs = {
        "binary": attr.label(mandatory = True, executable = True, cfg = "target", doc = "An asm_binary or any static Linux executable."),
        "binary_path": attr.string(doc = "Absolute path in the layer (default /<file name>)."),
        "strip": attr.bool(default = True, doc = "Slim executables that are not asm_binary with `tiny strip`, as tiny_image does."),
        "files": attr.label_keyed_string_dict(allow_files = True, doc = "More files: {label: absolute path}."),
        "platform": attr.string(doc = "os/arch[/variant], checked against the ELF; default: from the ELF."),
        "compression": attr.string(default = "gzip", values = ["gzip", "zstd", "none"]),
        "source_date_epoch": attr.int(default = 0, doc = "mtime of the entries (seconds since 1970)."),
    },
    toolchains = [TOOLCHAIN_TYPE],
)

def _tiny_oci_layout_impl(ctx):
    img = ctx.attr.image
    info = img[TinyImageInfo] if TinyImageInfo in img else img[TinyIndexInfo]
    return [
        DefaultInfo(files = depset([info.layout]), runfiles = ctx.runfiles(files = [info.layout])),
        info,
    ]

tiny_oci_layout = rule(
    implementation = _tiny_oci_layout_impl,
    doc = """Compatibility alias: the OCI layout directory of a tiny_image or tiny_image_index.

That directory is already the image target's only default output (rules_oci's
oci_image contract), so give rules_oci's oci_push, oci_load and
oci_image_index the image itself; this rule remains for BUILD files written
when tiny_image also had `<name>.tar` among its default outputs.""",
    attrs = {
        "image": attr.label(mandatory = True, providers = [[TinyImageInfo], [TinyIndexInfo]]),
    },
)

OCI_ARCHITECTURES = OCI_ARCHES
