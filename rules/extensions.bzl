"""Module extensions of rules_tiny (Bzlmod, Bazel 7 and newer)."""

load("//rules/private:host_go.bzl", "tiny_host_go")

def _host_go_impl(module_ctx):  # buildifier: disable=unused-variable
    tiny_host_go(name = "tiny_host_go")
    tiny_host_go(name = "tiny_host_go_gazelle", package = "tools/cmd/gazelle-tiny")

tiny_host_go_ext = module_extension(
    implementation = _host_go_impl,
    doc = """Creates @tiny_host_go: the host Go SDK and an offline module proxy, for the
WORKSPACE-style toolchain //rules:host_go_toolchain (and @tiny_host_go_gazelle,
the same for the Gazelle runner @rules_tiny//:gazelle). Bzlmod builds normally use
the rules_go toolchain registered by rules_tiny's MODULE.bazel instead; register
@rules_tiny//rules:host_go_toolchain first to build the tool with the host Go.""",
)
