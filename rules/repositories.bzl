"""WORKSPACE set-up for rules_tiny (Bazel 4.2 and newer, without Bzlmod).

    load("@rules_tiny//rules:repositories.bzl", "rules_tiny_dependencies", "rules_tiny_register_toolchains")
    rules_tiny_dependencies()
    rules_tiny_register_toolchains()

Bzlmod users do not load this file: see MODULE.bazel.
"""

load("@bazel_tools//tools/build_defs/repo:http.bzl", "http_archive")
load("@bazel_tools//tools/build_defs/repo:utils.bzl", "maybe")
load("//rules/private:host_go.bzl", "tiny_host_go")

def rules_tiny_dependencies():
    """Declares the rule sets rules_tiny loads, unless the workspace already has them."""
    maybe(
        http_archive,
        name = "bazel_skylib",
        sha256 = "74d544d96f4a5bb630d465ca8bbcfe231e3594e5aae57e1edbf17a6eb3ca2506",
        urls = [
            "https://mirror.bazel.build/github.com/bazelbuild/bazel-skylib/releases/download/1.3.0/bazel-skylib-1.3.0.tar.gz",
            "https://github.com/bazelbuild/bazel-skylib/releases/download/1.3.0/bazel-skylib-1.3.0.tar.gz",
        ],
    )
    maybe(
        http_archive,
        name = "platforms",
        sha256 = "218efe8ee736d26a3572663b374a253c012b716d8af0c07e842e82f238a0a7ee",
        urls = [
            "https://mirror.bazel.build/github.com/bazelbuild/platforms/releases/download/0.0.10/platforms-0.0.10.tar.gz",
            "https://github.com/bazelbuild/platforms/releases/download/0.0.10/platforms-0.0.10.tar.gz",
        ],
    )

def rules_tiny_register_toolchains(name = "tiny_host_go"):
    """Builds the tiny tool with the host Go SDK and registers it as the tiny toolchain.

    Also declares `@tiny_host_go_gazelle`, the module proxy of the Gazelle
    runner `@rules_tiny//:gazelle`; like every repository, it is fetched only
    when that target is built.

    Args:
      name: the repository that records the host Go SDK; rules_tiny expects
        the default, `tiny_host_go`.
    """
    maybe(tiny_host_go, name = name)
    maybe(tiny_host_go, name = name + "_gazelle", package = "tools/cmd/gazelle-tiny")
    native.register_toolchains("@rules_tiny//rules:host_go_toolchain")
