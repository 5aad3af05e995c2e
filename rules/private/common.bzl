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

# Sourced first by every generated script: finds the runfiles root whether
# the script runs under `bazel run`, `bazel test`, from another test's
# runfiles, or directly from bazel-bin.
RUNFILES_PRELUDE = """\
if [ -n "${RUNFILES_DIR:-}" ] && [ -d "$RUNFILES_DIR" ]; then R="$RUNFILES_DIR"
elif [ -n "${TEST_SRCDIR:-}" ] && [ -d "$TEST_SRCDIR" ]; then R="$TEST_SRCDIR"
elif [ -d "$0.runfiles" ]; then R="$0.runfiles"
else echo "$0: cannot find the runfiles directory" >&2; exit 1
fi
"""

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
