"""Public API of rules_tiny.

    load("@rules_tiny//rules:defs.bzl", "asm_binary", "size_test", "tiny_image", "tiny_image_index", "tiny_push")

asm_binary, tiny_image and tiny_image_index are macros over the rules of the
same purpose, so that `size_budget = N` creates a size_test
(`<name>_size_test`), every image and index gets a `<name>.tar` target (its
tarball; the rule's only default output is the layout directory, as rules_oci
expects) and every tiny_image a runnable `<name>.load` companion. All other attributes go
to the rule unchanged; see rules/README.md for the reference.

The `.tar` and `.load` companions are tagged "manual": they are built when
named (or depended on), not by `bazel build //...` or `:all`. The image
action writes the tarball anyway, so wildcards lose nothing, and a large
repository does not pay two more targets per image (their analysis, and the
output checks and runfiles tree of `.load`) on every build.
"""

load("//rules/private:asm_binary.bzl", _asm_binary = "asm_binary")
load("//rules/private:image.bzl", _tiny_image = "tiny_image", _tiny_image_index = "tiny_image_index")
load("//rules/private:load.bzl", _tiny_image_load = "tiny_image_load")
load(
    "//rules/private:providers.bzl",
    _TinyBinaryInfo = "TinyBinaryInfo",
    _TinyImageInfo = "TinyImageInfo",
    _TinyIndexInfo = "TinyIndexInfo",
    _TinyToolchainInfo = "TinyToolchainInfo",
)
load("//rules/private:push.bzl", _tiny_push = "tiny_push")
load("//rules/private:size_test.bzl", _size_test = "size_test")
load("//rules/private:toolchain.bzl", _tiny_toolchain = "tiny_toolchain")

TinyBinaryInfo = _TinyBinaryInfo
TinyImageInfo = _TinyImageInfo
TinyIndexInfo = _TinyIndexInfo
TinyToolchainInfo = _TinyToolchainInfo

size_test = _size_test
tiny_push = _tiny_push
tiny_image_load = _tiny_image_load
tiny_toolchain = _tiny_toolchain

# Attributes every target takes, passed on to the generated companions.
_COMMON = ["visibility", "tags", "testonly", "target_compatible_with", "compatible_with", "restricted_to"]

def _common(kwargs):
    return {k: kwargs[k] for k in _COMMON if k in kwargs}

def _manual(kwargs):
    """The common attributes of a companion built only when asked for: tags + "manual"."""
    common = _common(kwargs)
    tags = list(common.get("tags", []))
    if "manual" not in tags:
        tags.append("manual")
    common["tags"] = tags
    return common

def _tarball(name, kwargs):
    # `bazel build :<name>.tar` builds bazel-bin/.../<name>.tar, the file the
    # rule declares; the label reads like the file.
    native.filegroup(
        name = name + ".tar",
        srcs = [":" + name],
        output_group = "tarball",
        **_manual(kwargs)
    )

def _budget(name, target, size_budget, size_measure, kwargs):
    if size_budget == None:
        return
    common = _common(kwargs)
    common.pop("testonly", None)
    _size_test(
        name = name + "_size_test",
        target = ":" + target,
        max_bytes = size_budget,
        measure = size_measure,
        **common
    )

def asm_binary(name, size_budget = None, size_measure = "auto", **kwargs):
    """A static executable from NASM-syntax assembly and objects (`tiny build`).

    Args:
      name: target name; also the name of the executable.
      size_budget: if set, a `<name>_size_test` size_test with this max_bytes.
      size_measure: the size_test's measure (default: file bytes).
      **kwargs: srcs, hdrs, includes, defines, arch, bits, entry, compact, wx,
        objects, and the common attributes.
    """
    _asm_binary(name = name, **kwargs)
    _budget(name, name, size_budget, size_measure, kwargs)

def tiny_image(name, size_budget = None, size_measure = "auto", **kwargs):
    """A FROM-scratch OCI image of one static executable (`tiny image`), plus `<name>.tar` and `<name>.load`.

    `<name>.tar` and `<name>.load` are tagged "manual": built when named, not
    by `bazel build //...` (which still writes the tarball: the image action
    makes both files).

    Args:
      name: target name; also the name of the layout directory, its only
        default output. `<name>.tar` is a target for the tarball.
      size_budget: if set, a `<name>_size_test` size_test with this max_bytes.
      size_measure: the size_test's measure (default: total blob bytes).
      **kwargs: binary, binary_path, strip, files, entrypoint, cmd, env, user,
        workdir, labels, annotations, exposed_ports, platform, architecture,
        compression, tag, source_date_epoch, created, and the common attributes.
    """
    _tiny_image(name = name, **kwargs)
    _tarball(name, kwargs)
    _tiny_image_load(name = name + ".load", image = ":" + name, **_manual(kwargs))
    _budget(name, name, size_budget, size_measure, kwargs)

def tiny_image_index(name, size_budget = None, size_measure = "auto", **kwargs):
    """A multi-platform OCI image index over tiny_image targets (`tiny index`), plus `<name>.tar`.

    Args:
      name: target name; also the name of the layout directory, its only
        default output. `<name>.tar` is a target for the tarball, tagged
        "manual" (the index action writes the tarball anyway).
      size_budget: if set, a `<name>_size_test` size_test with this max_bytes.
      size_measure: the size_test's measure (default: total blob bytes).
      **kwargs: images, tag, and the common attributes.
    """
    _tiny_image_index(name = name, **kwargs)
    _tarball(name, kwargs)
    _budget(name, name, size_budget, size_measure, kwargs)
