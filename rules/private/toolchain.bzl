"""The tiny toolchain rule: every rules_tiny action gets the tool from here, never from PATH."""

load(":providers.bzl", "TinyToolchainInfo")

TOOLCHAIN_TYPE = "@rules_tiny//rules:toolchain_type"

def _tiny_toolchain_impl(ctx):
    files_to_run = ctx.attr.tiny[DefaultInfo].files_to_run
    info = TinyToolchainInfo(tiny = ctx.executable.tiny, files_to_run = files_to_run)
    return [
        platform_common.ToolchainInfo(
            tiny = ctx.executable.tiny,
            files_to_run = files_to_run,
            tinyinfo = info,
        ),
        DefaultInfo(files = depset([ctx.executable.tiny])),
    ]

tiny_toolchain = rule(
    implementation = _tiny_toolchain_impl,
    doc = """Declares a `tiny` executable as a toolchain of type `@rules_tiny//rules:toolchain_type`.

Returns `platform_common.ToolchainInfo(tiny = File, files_to_run = FilesToRunProvider)`.""",
    attrs = {
        "tiny": attr.label(
            mandatory = True,
            executable = True,
            cfg = "exec",
            doc = "The `tiny` binary (a go_binary of //tools/cmd/tiny, or host_go_binary in WORKSPACE mode).",
        ),
    },
)

def tiny_tool(ctx):
    """The resolved tiny toolchain, with a clear error when there is none.

    Args:
      ctx: the rule context (the rule must declare TOOLCHAIN_TYPE).

    Returns:
      The toolchain's platform_common.ToolchainInfo.
    """
    tc = ctx.toolchains[TOOLCHAIN_TYPE]
    if tc == None:
        fail("no tiny toolchain is registered: call rules_tiny_register_toolchains() in WORKSPACE, " +
             "or use rules_tiny's MODULE.bazel")
    return tc
