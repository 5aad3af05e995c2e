"""Analysis tests of the rules_tiny rules (bazel_skylib's analysistest)."""

load("@bazel_skylib//lib:unittest.bzl", "analysistest", "asserts")
load("//rules:defs.bzl", "TinyBinaryInfo", "TinyImageInfo", "TinyIndexInfo", "asm_binary", "size_test", "tiny_image", "tiny_image_index")

def _argv(env, mnemonic):
    found = [a for a in analysistest.target_actions(env) if a.mnemonic == mnemonic]
    asserts.equals(env, 1, len(found), "actions with mnemonic " + mnemonic)
    return found[0].argv if found else []

def _follows(argv, flag, value):
    for i in range(len(argv) - 1):
        if argv[i] == flag and argv[i + 1] == value:
            return True
    return False

def _tool_files(ctx):
    return ctx.attr._tool[DefaultInfo].default_runfiles.files.to_list() + ctx.attr._tool[DefaultInfo].files.to_list()

def _expect_tool(env, ctx, argv, full):
    """The action runs the toolchain's tiny, or with full, the tiny-full beside a core tiny (no hand-off)."""
    files = _tool_files(ctx)
    tiny = ctx.attr._tool[DefaultInfo].files.to_list()[0]
    beside = [f for f in files if f.basename == "tiny-full" and f.dirname == tiny.dirname]
    want = beside[0].path if full and beside else tiny.path
    asserts.equals(env, want, argv[0] if argv else None, "the action's executable")

# The resolved tool, to check which binary an action runs.
_TOOL_ATTRS = {"_tool": attr.label(default = "//rules:tiny")}

# --- asm_binary -------------------------------------------------------------

def _asm_flags_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    info = target[TinyBinaryInfo]
    asserts.equals(env, "i386", info.arch)
    asserts.equals(env, "flags_bin", info.executable.basename)
    asserts.equals(env, info.executable, target[DefaultInfo].files_to_run.executable)
    argv = _argv(env, "TinyBuild")
    asserts.equals(env, "build", argv[1])
    _expect_tool(env, ctx, argv, full = False)
    asserts.true(env, _follows(argv, "-m", "i386"), "bits = 32 passes -m i386: %s" % argv)
    asserts.true(env, _follows(argv, "-D", "GREETING=1"), "defines become -D: %s" % argv)
    asserts.true(env, _follows(argv, "--entry", "main_entry"), "entry: %s" % argv)
    asserts.true(env, "--compact" in argv and "--wx" in argv, "compact and wx: %s" % argv)
    asserts.true(env, _follows(argv, "-I", "rules/tests/"), "package include dir first: %s" % argv)
    asserts.true(env, _follows(argv, "-I", "rules/tests/testdata/"), "includes are repository-relative: %s" % argv)
    asserts.true(env, argv[-1].endswith("examples/hello.asm"), "source last: %s" % argv)
    return analysistest.end(env)

asm_flags_test = analysistest.make(_asm_flags_impl, attrs = _TOOL_ATTRS)

def _asm_auto_arch_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    asserts.equals(env, "", target[TinyBinaryInfo].arch, "no arch/bits: the tool decides from BITS")
    argv = _argv(env, "TinyBuild")
    asserts.false(env, "-m" in argv, "no -m without arch: %s" % argv)
    return analysistest.end(env)

asm_auto_arch_test = analysistest.make(_asm_auto_arch_impl)

def _failure_impl(ctx):
    env = analysistest.begin(ctx)
    asserts.expect_failure(env, ctx.attr.message)
    return analysistest.end(env)

# A user mistake: analysis must fail with `message` in the error.
failure_test = analysistest.make(
    _failure_impl,
    expect_failure = True,
    attrs = {"message": attr.string(mandatory = True)},
)

# --- tiny_image -------------------------------------------------------------

def _image_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    info = target[TinyImageInfo]
    asserts.equals(env, "linux/386", info.platform, "platform derived from the asm_binary's arch")
    asserts.equals(env, "example/img:1", info.tag)
    asserts.true(env, info.layout.is_directory, "the layout is a tree artifact")
    asserts.equals(env, "image_subject", info.layout.basename, "layout directory named like the target")
    asserts.equals(env, "image_subject.tar", info.tarball.basename)
    argv = _argv(env, "TinyImage")
    asserts.equals(env, "image", argv[1])
    _expect_tool(env, ctx, argv, full = True)
    asserts.true(env, "--follow-symlinks" in argv, "sandbox inputs are symlinks: %s" % argv)
    asserts.true(env, _follows(argv, "--entrypoint", "[\"/bin/hi\",\"-v\"]"), "entrypoint as JSON: %s" % argv)
    asserts.true(env, _follows(argv, "--env", "A=b c"), "env: %s" % argv)
    asserts.true(env, _follows(argv, "--expose", "8080/tcp"), "ports: %s" % argv)
    asserts.true(env, _follows(argv, "--compression", "zstd"), "compression: %s" % argv)
    asserts.true(env, _follows(argv, "--source-date-epoch", "0"), "epoch always explicit: %s" % argv)
    asserts.true(env, _follows(argv, "--tag", "example/img:1"), "tag: %s" % argv)
    asserts.false(env, "--platform" in argv, "platform left to the tool when not given: %s" % argv)
    file_args = [argv[i + 1] for i in range(len(argv) - 1) if argv[i] == "--file"]
    asserts.equals(env, 1, len(file_args))
    asserts.true(env, file_args[0].endswith("/flags_bin:/bin/hi"), "binary_path: %s" % file_args)
    asserts.equals(env, [], [a for a in analysistest.target_actions(env) if a.mnemonic == "TinyStrip"], "asm_binary output is not stripped")
    return analysistest.end(env)

image_test = analysistest.make(_image_impl, attrs = _TOOL_ATTRS)

def _image_foreign_impl(ctx):
    env = analysistest.begin(ctx)
    argv = _argv(env, "TinyStrip")
    asserts.equals(env, "strip", argv[1])
    image_argv = _argv(env, "TinyImage")
    file_args = [image_argv[i + 1] for i in range(len(image_argv) - 1) if image_argv[i] == "--file"]
    asserts.true(env, file_args[0].endswith("_stripped/foreign_bin:/foreign_bin"), "the stripped copy goes in, at /<name>: %s" % file_args)
    asserts.true(env, _follows(image_argv, "--platform", "linux/amd64"), "architecture = amd64: %s" % image_argv)
    asserts.equals(env, "linux/amd64", analysistest.target_under_test(env)[TinyImageInfo].platform)
    return analysistest.end(env)

image_foreign_test = analysistest.make(_image_foreign_impl)

def _index_impl(ctx):
    env = analysistest.begin(ctx)
    info = analysistest.target_under_test(env)[TinyIndexInfo]
    asserts.equals(env, ["linux/386", "linux/amd64"], info.platforms)
    argv = _argv(env, "TinyIndex")
    asserts.equals(env, "index", argv[1])
    _expect_tool(env, ctx, argv, full = True)
    asserts.equals(env, 2, len([a for a in argv if a.endswith("/image_subject") or a.endswith("/image_amd64")]), "both layouts passed: %s" % argv)
    return analysistest.end(env)

index_test = analysistest.make(_index_impl, attrs = _TOOL_ATTRS)

def _size_script_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    runfiles = [f.short_path for f in target[DefaultInfo].default_runfiles.files.to_list()]
    asserts.true(env, "rules/tests/image_subject" in runfiles, "the layout is in the runfiles: %s" % runfiles)
    asserts.true(env, len([p for p in runfiles if p.endswith("tiny_host_go") or p.endswith("/tiny")]) == 1, "the tool is in the runfiles: %s" % runfiles)
    return analysistest.end(env)

size_script_test = analysistest.make(_size_script_impl)

# --- outputs: rules_oci's oci_image contract ---------------------------------

def _one_layout_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    outs = target[DefaultInfo].files.to_list()
    asserts.equals(env, 1, len(outs), "exactly one default output (oci_push/oci_load take allow_single_file): %s" % outs)
    if outs:
        asserts.true(env, outs[0].is_directory, "the default output is a directory: %s" % outs[0])
        asserts.equals(env, target.label.name, outs[0].basename, "the directory is named like the target")
    info = target[TinyImageInfo] if TinyImageInfo in target else target[TinyIndexInfo]
    asserts.equals(env, outs, [info.layout], "the default output is the provider's layout")
    asserts.equals(env, [info.layout], target[OutputGroupInfo].layout.to_list())
    asserts.equals(env, [info.tarball], target[OutputGroupInfo].tarball.to_list())
    return analysistest.end(env)

one_layout_test = analysistest.make(_one_layout_impl)

def _tarball_target_impl(ctx):
    env = analysistest.begin(ctx)
    target = analysistest.target_under_test(env)
    image = ctx.attr.image
    info = image[TinyImageInfo] if TinyImageInfo in image else image[TinyIndexInfo]
    outs = target[DefaultInfo].files.to_list()
    asserts.equals(env, [info.tarball], outs, "<name>.tar provides the image's tarball alone")
    asserts.equals(env, image.label.name + ".tar", target.label.name)
    if outs:
        asserts.equals(env, target.label.name, outs[0].basename, "the label reads like the file")
        asserts.equals(env, image.label.package, outs[0].owner.package)
    return analysistest.end(env)

tarball_target_test = analysistest.make(
    _tarball_target_impl,
    attrs = {"image": attr.label(mandatory = True, providers = [[TinyImageInfo], [TinyIndexInfo]])},
)

# --- the suite --------------------------------------------------------------

def analysis_test_suite(name):
    """Declares the subjects (tagged manual) and the analysis tests.

    Args:
      name: name of the test_suite.
    """
    manual = ["manual"]
    asm_binary(
        name = "flags_bin",
        srcs = ["//examples:hello.asm"],
        bits = 32,
        compact = True,
        defines = ["GREETING=1"],
        entry = "main_entry",
        includes = ["rules/tests/testdata"],
        wx = True,
        tags = manual,
    )
    asm_binary(name = "auto_bin", srcs = ["//examples:hello.asm"], tags = manual)
    asm_binary(name = "conflict_bin", srcs = ["//examples:hello.asm"], arch = "amd64", bits = 32, tags = manual)
    asm_binary(name = "bad_define_bin", srcs = ["//examples:hello.asm"], defines = ["1X=2"], tags = manual)
    asm_binary(name = "nothing_bin", srcs = [], tags = manual)
    asm_binary(name = "bad_entry_bin", srcs = ["//examples:hello.asm"], entry = "no spaces", tags = manual)
    asm_binary(name = "amd64_bin", srcs = ["//examples:hello.asm"], arch = "amd64", tags = manual)

    tiny_image(
        name = "image_subject",
        binary = ":flags_bin",
        binary_path = "/bin/hi",
        compression = "zstd",
        entrypoint = ["/bin/hi", "-v"],
        env = {"A": "b c"},
        exposed_ports = ["8080/tcp"],
        tag = "example/img:1",
        tags = manual,
    )
    tiny_image(name = "image_amd64", binary = ":amd64_bin", tags = manual)
    native.genrule(
        name = "foreign_bin_gen",
        srcs = ["testdata/foreign_bin"],
        outs = ["foreign_bin"],
        cmd = "cp $< $@",
        executable = True,
        tags = manual,
    )

    # buildifier: disable=native-sh-binary
    native.sh_binary(name = "script_bin", srcs = ["testdata/script.sh"], tags = manual)
    tiny_image(name = "image_foreign", binary = ":foreign_bin_gen", architecture = "amd64", tags = manual)
    tiny_image(name = "image_arch_conflict", binary = ":flags_bin", platform = "linux/amd64", tags = manual)
    tiny_image(name = "image_platform_conflict", binary = ":foreign_bin_gen", platform = "linux/amd64", architecture = "arm64", tags = manual)
    tiny_image(name = "image_script", binary = ":script_bin", tags = manual)
    tiny_image(name = "image_bad_platform", binary = ":foreign_bin_gen", platform = "amd64", tags = manual)
    tiny_image(name = "image_not_linux", binary = ":foreign_bin_gen", platform = "windows/amd64", tags = manual)
    tiny_image(name = "image_bad_port", binary = ":foreign_bin_gen", exposed_ports = ["http"], tags = manual)
    tiny_image_index(name = "index_subject", images = [":image_subject", ":image_amd64"], tags = manual)
    tiny_image_index(name = "index_duplicate", images = [":image_subject", ":image_subject_again"], tags = manual)
    tiny_image(name = "image_subject_again", binary = ":auto_bin", architecture = "386", tags = manual)
    size_test(name = "size_wrong_measure", target = ":image_subject", max_bytes = 1000, measure = "code_bytes", tags = manual)
    size_test(name = "size_subject", target = ":image_subject", max_bytes = 1000, tags = manual)

    asm_flags_test(name = "asm_flags_test", target_under_test = ":flags_bin")
    asm_auto_arch_test(name = "asm_auto_arch_test", target_under_test = ":auto_bin")
    failure_test(name = "asm_arch_conflict_test", message = "conflicting platform settings: arch = \"amd64\" is 64-bit but bits = 32", target_under_test = ":conflict_bin")
    failure_test(name = "asm_bad_define_test", message = "is not NAME or NAME=VALUE", target_under_test = ":bad_define_bin")
    failure_test(name = "asm_nothing_test", message = "nothing to build", target_under_test = ":nothing_bin")
    failure_test(name = "asm_bad_entry_test", message = "is not a symbol name", target_under_test = ":bad_entry_bin")
    image_test(name = "image_test", target_under_test = ":image_subject")
    image_foreign_test(name = "image_foreign_test", target_under_test = ":image_foreign")
    failure_test(name = "image_arch_conflict_test", message = "conflicting platform settings: //rules/tests:flags_bin is built for i386", target_under_test = ":image_arch_conflict")
    failure_test(name = "image_platform_conflict_test", message = "conflicting platform settings: platform = \"linux/amd64\" but architecture = \"arm64\"", target_under_test = ":image_platform_conflict")
    failure_test(name = "image_script_test", message = "is a sh_binary, whose executable is a script", target_under_test = ":image_script")
    failure_test(name = "image_bad_platform_test", message = "is not of the form os/arch[/variant]", target_under_test = ":image_bad_platform")
    failure_test(name = "image_not_linux_test", message = "the os must be linux", target_under_test = ":image_not_linux")
    failure_test(name = "image_bad_port_test", message = "is not PORT or PORT/tcp|udp|sctp", target_under_test = ":image_bad_port")
    index_test(name = "index_test", target_under_test = ":index_subject")
    failure_test(name = "index_duplicate_platform_test", message = "conflicting platform settings: //rules/tests:image_subject and //rules/tests:image_subject_again are both linux/386", target_under_test = ":index_duplicate")
    failure_test(name = "size_measure_test", message = "measure = \"code_bytes\" does not apply to", target_under_test = ":size_wrong_measure")
    size_script_test(name = "size_script_test", target_under_test = ":size_subject")
    one_layout_test(name = "image_one_layout_test", target_under_test = ":image_subject")
    one_layout_test(name = "index_one_layout_test", target_under_test = ":index_subject")
    tarball_target_test(name = "image_tarball_target_test", image = ":image_subject", target_under_test = ":image_subject.tar")
    tarball_target_test(name = "index_tarball_target_test", image = ":index_subject", target_under_test = ":index_subject.tar")

    native.test_suite(
        name = name,
        tests = [
            ":asm_flags_test",
            ":asm_auto_arch_test",
            ":asm_arch_conflict_test",
            ":asm_bad_define_test",
            ":asm_nothing_test",
            ":asm_bad_entry_test",
            ":image_test",
            ":image_foreign_test",
            ":image_arch_conflict_test",
            ":image_platform_conflict_test",
            ":image_script_test",
            ":image_bad_platform_test",
            ":image_not_linux_test",
            ":image_bad_port_test",
            ":index_test",
            ":index_duplicate_platform_test",
            ":size_measure_test",
            ":size_script_test",
            ":image_one_layout_test",
            ":index_one_layout_test",
            ":image_tarball_target_test",
            ":index_tarball_target_test",
        ],
    )
