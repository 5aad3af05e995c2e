"""The tiny toolchain rule: every rules_tiny action gets the tool from here, never from PATH."""

load(":common.bzl", "runfiles_path", "shell_quote")
load(":providers.bzl", "TinyToolchainInfo")

TOOLCHAIN_TYPE = "@rules_tiny//rules:toolchain_type"

def _tiny_toolchain_impl(ctx):
    # One provider, read by every rule (as rules_oci's toolchains carry
    # crane_info): ctx.toolchains[TOOLCHAIN_TYPE].tinyinfo.
    # A core build of tiny (-tags tiny_core) runs image, index, size and
    # push from tiny-full beside it, which comes as its runfile: every rule
    # stages `files`, so tiny-full is beside tiny wherever tiny runs.
    complete = ctx.attr.complete
    tiny = ctx.executable.tiny
    runfiles = ctx.attr.tiny[DefaultInfo].default_runfiles.files

    # The core finds tiny-full beside its own executable; so do the rules,
    # and run image and index actions with it directly: without a worker
    # (remote execution, --strategy=local) the core's hand-off would cost
    # one more process start per action. A few files: to_list is cheap.
    full = [f for f in runfiles.to_list() if f.basename == "tiny-full" and f.dirname == tiny.dirname]
    info = TinyToolchainInfo(
        tiny = tiny,
        files_to_run = ctx.attr.tiny[DefaultInfo].files_to_run,
        files = depset([tiny], transitive = [runfiles]),
        full = full[0] if full else None,
        # Analysing the attribute builds nothing: the complete tool is built
        # only for the targets that stage it (tiny_push).
        complete = ctx.executable.complete if complete else None,
        complete_files = depset([ctx.executable.complete], transitive = [complete[DefaultInfo].default_runfiles.files]) if complete else None,
    )
    return [
        platform_common.ToolchainInfo(tinyinfo = info),
        DefaultInfo(files = depset([ctx.executable.tiny])),
    ]

tiny_toolchain = rule(
    implementation = _tiny_toolchain_impl,
    doc = """Declares a `tiny` executable as a toolchain of type `@rules_tiny//rules:toolchain_type`.

Returns `platform_common.ToolchainInfo(tinyinfo = TinyToolchainInfo(tiny, files_to_run, files, full, complete, complete_files))`;
rules read the tool from `ctx.toolchains["@rules_tiny//rules:toolchain_type"].tinyinfo`.""",
    attrs = {
        "tiny": attr.label(
            mandatory = True,
            executable = True,
            cfg = "exec",
            doc = "The `tiny` binary (a go_binary of //tools/cmd/tiny, or host_go_binary in WORKSPACE mode).",
        ),
        "complete": attr.label(
            executable = True,
            cfg = "exec",
            doc = "Optional: a complete build of tiny, for the subcommands `tiny` and its runfiles leave out " +
                  "(push: the tiny-full beside a core tiny is built with -tags tiny_oci,tiny_nopush). Built only for the targets that need it (tiny_push).",
        ),
    },
)

def _tiny_tool_pair_impl(ctx):
    # The core runs tiny-full from beside the path it was started by. Built
    # with different tags, each shape lands in a directory of its own
    # configuration (rules_go's gotags is a transition), so links in one
    # directory put them side by side, as //rules:tiny_host_go builds them.
    core = ctx.actions.declare_file(ctx.label.name + "/tiny")
    full = ctx.actions.declare_file(ctx.label.name + "/tiny-full")
    ctx.actions.symlink(output = core, target_file = ctx.executable.core, is_executable = True)
    ctx.actions.symlink(output = full, target_file = ctx.executable.full, is_executable = True)
    runfiles = ctx.runfiles(files = [full])
    for attr in (ctx.attr.core, ctx.attr.full):
        runfiles = runfiles.merge(attr[DefaultInfo].default_runfiles)
    return [DefaultInfo(executable = core, files = depset([core]), runfiles = runfiles)]

tiny_tool_pair = rule(
    implementation = _tiny_tool_pair_impl,
    doc = """The core build of tiny (`-tags tiny_core`) as `tiny`, with a build of the
complete tool as `tiny-full` beside it (its runfile), for `tiny_toolchain.tiny`.""",
    attrs = {
        "core": attr.label(mandatory = True, executable = True, cfg = "exec", doc = "tiny built with -tags tiny_core."),
        "full": attr.label(mandatory = True, executable = True, cfg = "exec", doc = "tiny built without tiny_core (push may be left out)."),
    },
    executable = True,
)

def tiny_tool(ctx):
    """The resolved tiny toolchain's TinyToolchainInfo, with a clear error when there is none.

    Args:
      ctx: the rule context (the rule must declare TOOLCHAIN_TYPE).

    Returns:
      TinyToolchainInfo(tiny, files_to_run, files, full, complete, complete_files).
    """
    tc = ctx.toolchains[TOOLCHAIN_TYPE]
    if tc == None:
        fail("no tiny toolchain is registered: call rules_tiny_register_toolchains() in WORKSPACE, " +
             "or use rules_tiny's MODULE.bazel")
    return tc.tinyinfo

def _current_tiny_toolchain_impl(ctx):
    tc = tiny_tool(ctx)
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._launcher,
        output = script,
        is_executable = True,
        substitutions = {"{{TINY}}": shell_quote(runfiles_path(ctx, tc.tiny))},
    )
    return [DefaultInfo(
        executable = script,
        files = depset([tc.tiny]),
        runfiles = ctx.runfiles(transitive_files = tc.files),
    )]

current_tiny_toolchain = rule(
    implementation = _current_tiny_toolchain_impl,
    doc = "The resolved tiny tool: its default output is the tool, and `bazel run` runs it with the given arguments.",
    attrs = {
        "_launcher": attr.label(default = Label("//rules/private:tiny.sh.tpl"), allow_single_file = True),
    },
    executable = True,
    toolchains = [TOOLCHAIN_TYPE],
)

# The subcommands a core build of tiny hands to tiny-full (core.go's
# fullCommands) that rules run as actions.
_FULL_SUBCOMMANDS = ["image", "index"]

def run_tiny(ctx, subcommand, args, inputs, outputs, mnemonic, progress_message):
    """Runs `tiny <subcommand> @flagfile` from the toolchain.

    The flags go in a params file so that the action can also run in a
    persistent worker (`tiny <subcommand> --persistent_worker`, one request per
    flagfile); the output bytes are the same either way.

    Args:
      ctx: the rule context (the rule must declare TOOLCHAIN_TYPE).
      subcommand: "build", "image", "index" or "strip".
      args: an Args object with the subcommand's flags.
      inputs: list or depset of Files.
      outputs: list of Files.
      mnemonic: the action mnemonic.
      progress_message: the progress message.
    """
    tc = tiny_tool(ctx)
    executable = tc.files_to_run
    if tc.full and subcommand in _FULL_SUBCOMMANDS:
        executable = tc.full
    startup = ctx.actions.args()
    startup.add(subcommand)
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    ctx.actions.run(
        executable = executable,
        # Staged at their own paths too (not only in the runfiles tree), so
        # that tiny finds tiny-full beside it in a sandbox or remotely.
        tools = tc.files,
        arguments = [startup, args],
        inputs = inputs,
        outputs = outputs,
        mnemonic = mnemonic,
        progress_message = progress_message,
        execution_requirements = {"supports-workers": "1"},
    )
