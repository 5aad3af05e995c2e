"""Plain Starlark behind rules/oci/defs.bzl: no rules_oci symbol here.

tiny_layer writes the one layer tiny_image would put in its image, as a
standalone `.tar.gz` / `.tar.zst` / `.tar` for rules_oci's `oci_image(tars = ...)`:
`tiny image --layer` writes the layer blob alone, from the layer flags that
tiny_image builds with the same helper (add_layer_args).
tiny_oci_layout is kept for compatibility only: it forwards the OCI layout
directory of a tiny_image or tiny_image_index, which is now those rules' only
default output anyway, so rules_oci's oci_push, oci_load and oci_image_index
take the image target directly.

Both work in WORKSPACE mode too (this repository tests them on Bazel 4.2.3).
"""

load("//rules/private:common.bzl", "OCI_ARCHES", "add_layer_args", "parse_platform")
load("//rules/private:image.bzl", "image_payload")
load("//rules/private:providers.bzl", "TinyImageInfo", "TinyIndexInfo")
load("//rules/private:toolchain.bzl", "TOOLCHAIN_TYPE", "run_tiny")

_EXT = {"gzip": ".tar.gz", "none": ".tar", "zstd": ".tar.zst"}

def _tiny_layer_impl(ctx):
    where = "tiny_layer %s" % ctx.label
    binary = ctx.executable.binary
    if ctx.attr.platform:
        parse_platform(where, ctx.attr.platform)
    out = ctx.actions.declare_file(ctx.label.name + _EXT[ctx.attr.compression])

    payload = image_payload(ctx, binary)

    # `tiny image --layer` writes the layer blob alone. The flags that decide
    # its bytes come from the helper tiny_image uses too, so the layer is the
    # one in the tiny_image of the same binary, files, compression and epoch.
    args = ctx.actions.args()
    args.add("--layer", out)
    inputs = add_layer_args(where, args, payload, binary, ctx.attr)
    if ctx.attr.platform:
        args.add("--platform", ctx.attr.platform)
    run_tiny(
        ctx,
        "image",
        args,
        inputs = inputs,
        outputs = [out],
        mnemonic = "TinyLayer",
        progress_message = "Writing image layer %s" % ctx.label,
    )

    # Runfiles too, so that `data = [":layer"]` puts the file next to a test.
    return [DefaultInfo(files = depset([out]), runfiles = ctx.runfiles(files = [out]))]

tiny_layer = rule(
    implementation = _tiny_layer_impl,
    doc = """The layer tiny_image would build for `binary` (and `files`), alone: `<name>.tar.gz`
(or `.tar.zst`, `.tar`), for rules_oci's `oci_image(tars = [...])`, written by
`tiny image --layer` with the layer flags tiny_image passes. rules_oci uses a
compressed tar as the layer blob unchanged, so the layer digest equals tiny_image's.""",
    attrs = {
        "binary": attr.label(mandatory = True, executable = True, cfg = "target", doc = "An asm_binary or any static Linux executable."),
        "binary_path": attr.string(doc = "Absolute path in the layer (default /<file name>)."),
        "strip": attr.bool(default = True, doc = "Slim executables that are not asm_binary with `tiny strip`, as tiny_image does."),
        "files": attr.label_keyed_string_dict(allow_files = True, doc = "More files: {label: absolute path}."),
        "platform": attr.string(doc = "os/arch[/variant], checked against the ELF; default: from the ELF."),
        "compression": attr.string(default = "gzip", values = ["gzip", "zstd", "none"], doc = "The layer's compression, as tiny_image's."),
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
        "image": attr.label(mandatory = True, providers = [[TinyImageInfo], [TinyIndexInfo]], doc = "A tiny_image or tiny_image_index."),
    },
)

OCI_ARCHITECTURES = OCI_ARCHES
