"""Helpers shared by the rules_tiny rule implementations."""

# Architectures asm_binary knows, with the bits of each and the OCI name.
ARCHES = {
    "amd64": struct(bits = 64, oci = "amd64"),
    "i386": struct(bits = 32, oci = "386"),
}

# OCI architecture names tiny_image accepts for static Linux executables.
OCI_ARCHES = ["386", "amd64", "arm", "arm64", "ppc64le", "riscv64", "s390x"]

def runfiles_path(ctx, f):
    """Path of a file below the runfiles root (works for files of other repositories too).

    Args:
      ctx: the rule context.
      f: the File.

    Returns:
      The path, starting with the repository's directory name.
    """
    if f.short_path.startswith("../"):
        return f.short_path[3:]
    return ctx.workspace_name + "/" + f.short_path

def shell_quote(s):
    """Single-quotes a string for the shell.

    Args:
      s: the string.

    Returns:
      The quoted string.
    """
    return "'" + s.replace("'", "'\\''") + "'"

def is_identifier(s):
    """Tells a nasm-style symbol name: letters, digits, _ . $ ? @ # ~, not starting with a digit.

    Args:
      s: the string.

    Returns:
      True if s is a symbol name.
    """
    if not s or s[0].isdigit():
        return False
    for c in s.elems():
        if not (c.isalnum() or c in "_.$?@#~"):
            return False
    return True

def parse_platform(where, value):
    """Splits "os/arch[/variant]" and fails clearly on anything else.

    Args:
      where: the rule and label, for messages.
      value: the platform string.

    Returns:
      struct(os, arch, variant).
    """
    parts = value.split("/")
    if len(parts) not in (2, 3) or not all(parts):
        fail("%s: platform = %r is not of the form os/arch[/variant] (e.g. linux/amd64)" % (where, value))
    if parts[0] != "linux":
        fail("%s: platform = %r: tiny images hold static Linux executables; the os must be linux" % (where, value))
    if parts[1] not in OCI_ARCHES:
        fail("%s: platform = %r: unknown architecture %r (one of %s)" % (where, value, parts[1], ", ".join(OCI_ARCHES)))
    return struct(os = parts[0], arch = parts[1], variant = parts[2] if len(parts) == 3 else "")

def add_layer_args(where, args, payload, binary, attr):
    """Adds every `tiny image` flag that decides the layer's bytes.

    That is the executable, the extra files, the compression and the entries'
    mtime. tiny_image and tiny_layer both build those flags here, so the layer
    tiny_layer writes alone is byte-identical, by construction, to the one in
    the tiny_image of the same attributes.

    Args:
      where: the rule and label, for messages.
      args: the Args object of the `tiny image` action.
      payload: the File to put in the image (the binary, or its stripped copy).
      binary: the binary's File (its name gives the default destination).
      attr: the rule's attributes: binary_path, files, compression,
        source_date_epoch.

    Returns:
      The list of Files the flags read (the action's inputs).
    """
    dest = attr.binary_path or "/" + binary.basename
    if not dest.startswith("/"):
        fail("%s: binary_path = %r must be absolute" % (where, dest))

    # Inputs are symlinks in Bazel's sandbox.
    args.add("--follow-symlinks")
    args.add("--file", "%s:%s" % (payload.path, dest))
    inputs = [payload]
    for target, path in attr.files.items():
        fs = target.files.to_list()
        if len(fs) != 1:
            fail("%s: files: %s must be exactly one file" % (where, target.label))
        if not path.startswith("/"):
            fail("%s: files: destination %r of %s must be absolute" % (where, path, target.label))
        args.add("--file", "%s:%s" % (fs[0].path, path))
        inputs.append(fs[0])
    args.add("--compression", attr.compression)
    args.add("--source-date-epoch", str(attr.source_date_epoch))
    return inputs
