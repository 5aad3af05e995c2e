"""rules_oci interop, without a dependency on rules_oci.

    load("@rules_oci//oci:defs.bzl", "oci_image")
    load("@rules_tiny//rules/oci:defs.bzl", "tiny_layer", "tiny_oci_image", "tiny_oci_layout")

rules_tiny does not depend on rules_oci: a module's bazel_dep would put
rules_oci and its own dependencies into the module graph of every rules_tiny
user (and could move their versions), loaded or not. A dev_dependency is no
way out, since it is invisible to rules_tiny's own files when rules_tiny is
not the root module, and Starlark has no optional load. So nothing here
loads rules_oci: `tiny_oci_image` takes rules_oci's `oci_image` from the
caller, who depends on rules_oci anyway to use it.

* tiny_image and tiny_image_index themselves: their only default output is the
  OCI layout directory, so `oci_push(image = ":img")`, `oci_load(image = ":img")`
  and `oci_image_index(images = [...])` take them directly.
* `tiny_oci_layout(name, image)`: compatibility alias from when tiny_image also
  had `<name>.tar` among its default outputs; the same directory.
* `tiny_layer(name, binary, ...)`: the layer tiny_image would build, alone
  (`tiny image --layer`, with tiny_image's layer flags), for
  `oci_image(tars = [...])`.
* `tiny_oci_image(name, binary, architecture, oci_image, ...)`: tiny_layer +
  rules_oci's oci_image (passed in), for users who want rules_oci to assemble
  the image.

See e2e/README.md for a complete MODULE.bazel and BUILD file.
"""

load(":layer.bzl", "OCI_ARCHITECTURES", _tiny_layer = "tiny_layer", _tiny_oci_layout = "tiny_oci_layout")

tiny_layer = _tiny_layer
tiny_oci_layout = _tiny_oci_layout

_COMMON = ["visibility", "tags", "testonly", "target_compatible_with", "compatible_with", "restricted_to"]

def _default_path(binary):
    # The file asm_binary and most *_binary rules write is named like the target.
    name = binary.rpartition(":")[2] if ":" in binary else binary.rpartition("/")[2]
    return "/" + name

def tiny_oci_image(
        name,
        binary,
        architecture,
        oci_image,
        variant = None,
        binary_path = None,
        entrypoint = None,
        files = None,
        compression = "gzip",
        strip = True,
        **kwargs):
    """A rules_oci `oci_image` whose only layer is the one tiny_image would build.

    Creates `<name>_layer` (tiny_layer) and `<name>` (oci_image, scratch base).
    The image bytes are rules_oci's (its config records history and its own
    defaults); only the layer is ours. For byte-exact minimal images use
    tiny_image, which rules_oci's oci_push/oci_load/oci_image_index take as is.

    Args:
      name: the oci_image target.
      binary: an asm_binary or static Linux executable.
      architecture: OCI architecture (amd64, 386, arm64, ...); oci_image needs
        it without a base image, and it is checked against the ELF.
      oci_image: rules_oci's `oci_image` macro, as loaded by the caller from
        `@rules_oci//oci:defs.bzl` (rules_tiny does not depend on rules_oci).
      variant: optional architecture variant.
      binary_path: absolute path in the image; default /<target name of binary>.
      entrypoint: default [binary_path].
      files: more files for the layer, {label: absolute path}.
      compression: the layer's: gzip (default), zstd or none.
      strip: slim foreign executables with `tiny strip`, as tiny_image does.
      **kwargs: anything else oci_image takes (cmd, env, labels, annotations,
        exposed_ports, user, workdir, created...) and the common attributes.
    """
    if architecture not in OCI_ARCHITECTURES:
        fail("tiny_oci_image %s: architecture = %r; one of %s" % (name, architecture, ", ".join(OCI_ARCHITECTURES)))
    path = binary_path or _default_path(binary)
    platform = "linux/" + architecture + ("/" + variant if variant else "")
    common = {k: kwargs[k] for k in _COMMON if k in kwargs}
    _tiny_layer(
        name = name + "_layer",
        binary = binary,
        binary_path = path,
        files = files or {},
        compression = compression,
        strip = strip,
        platform = platform,
        **common
    )
    oci_image(
        name = name,
        tars = [":" + name + "_layer"],
        os = "linux",
        architecture = architecture,
        variant = variant,
        entrypoint = entrypoint or [path],
        **kwargs
    )
