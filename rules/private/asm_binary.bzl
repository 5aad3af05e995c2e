"""asm_binary: NASM-syntax assembly (and prebuilt objects) to a minimal static Linux executable."""

load(":common.bzl", "ARCHES", "is_identifier")
load(":providers.bzl", "TinyBinaryInfo")
load(":toolchain.bzl", "TOOLCHAIN_TYPE", "run_tiny")

_ASM_EXTS = [".asm", ".nasm", ".s", ".S", ".inc", ".mac"]

def _arch(ctx):
    where = "asm_binary %s" % ctx.label
    arch = ctx.attr.arch
    bits = ctx.attr.bits
    if arch and bits and ARCHES[arch].bits != bits:
        fail("%s: conflicting platform settings: arch = %r is %d-bit but bits = %d; set only one of them" % (where, arch, ARCHES[arch].bits, bits))
    if bits and not arch:
        arch = "i386" if bits == 32 else "amd64"
    return arch

def _include_dirs(ctx):
    """-I directories: the package, then each of `includes`, in the source tree and in bin."""
    root = ctx.label.workspace_root
    dirs = []
    rels = [ctx.label.package] + [("" if d == "." else d.strip("/")) for d in ctx.attr.includes]
    for rel in rels:
        src = "/".join([p for p in [root, rel] if p])
        for d in [src if src else ".", ctx.bin_dir.path + ("/" + src if src else "")]:
            if d not in dirs:
                dirs.append(d)
    return dirs

def _asm_binary_impl(ctx):
    where = "asm_binary %s" % ctx.label
    arch = _arch(ctx)
    sources = [f for f in ctx.files.srcs if not f.path.endswith(".o")]
    objects = [f for f in ctx.files.srcs if f.path.endswith(".o")] + ctx.files.objects
    if not sources and not objects:
        fail("%s: nothing to build: give srcs (.asm) and/or objects (.o)" % where)
    for f in sources:
        if not any([f.path.endswith(e) for e in _ASM_EXTS]):
            fail("%s: %s is neither an assembly source (%s) nor an object (.o)" % (where, f.short_path, ", ".join(_ASM_EXTS)))
    if ctx.attr.entry and not is_identifier(ctx.attr.entry):
        fail("%s: entry = %r is not a symbol name" % (where, ctx.attr.entry))
    for d in ctx.attr.defines:
        name = d.split("=", 1)[0]
        if not is_identifier(name):
            fail("%s: defines: %r is not NAME or NAME=VALUE" % (where, d))
    for d in ctx.attr.includes:
        if d.startswith("/") or d == ".." or d.startswith("../") or "/../" in d:
            fail("%s: includes: %r must be a directory relative to the repository root" % (where, d))

    out = ctx.actions.declare_file(ctx.label.name)
    args = ctx.actions.args()
    args.add("-o", out)
    if arch:
        args.add("-m", arch)
    for d in _include_dirs(ctx):
        args.add("-I", d + "/")
    for d in ctx.attr.defines:
        args.add("-D", d)
    if ctx.attr.entry:
        args.add("--entry", ctx.attr.entry)
    if ctx.attr.wx:
        args.add("--wx")
    if ctx.attr.compact:
        args.add("--compact")
    args.add_all(sources)
    args.add_all(objects)
    run_tiny(
        ctx,
        "build",
        args,
        inputs = depset(sources + objects + ctx.files.hdrs),
        outputs = [out],
        mnemonic = "TinyBuild",
        progress_message = "Assembling and linking %s" % ctx.label,
    )
    return [
        DefaultInfo(
            files = depset([out]),
            executable = out,
            runfiles = ctx.runfiles(files = [out]),
        ),
        TinyBinaryInfo(executable = out, arch = arch),
    ]

asm_binary = rule(
    implementation = _asm_binary_impl,
    doc = """Assembles NASM-syntax sources and links them (with any prebuilt objects) into a static
Linux executable with `tiny build`. The output is named like the target; `bazel run` runs it.

A source without the entry symbol fails at build time with the tool's
`file:line: error:` message (analysis cannot read file contents).""",
    attrs = {
        "srcs": attr.label_list(
            allow_files = _ASM_EXTS + [".o"],
            doc = "Assembly sources (the first BITS directive picks the architecture unless arch/bits is set) and .o objects.",
        ),
        "hdrs": attr.label_list(
            allow_files = True,
            doc = "Files the sources %include or incbin (filegroups welcome).",
        ),
        "includes": attr.string_list(
            doc = "Extra %include search directories, relative to the repository root (\".\" is the root); the package directory is always searched first.",
        ),
        "defines": attr.string_list(doc = "NAME or NAME=VALUE, as nasm -D."),
        "arch": attr.string(values = ["", "i386", "amd64"], doc = "Target architecture; default: from the first BITS directive, else amd64."),
        "bits": attr.int(values = [0, 32, 64], doc = "Same as arch, as 32 or 64 (i386 or amd64). Setting both to different things is an error."),
        "entry": attr.string(doc = "Entry symbol (default _start)."),
        "compact": attr.bool(doc = "Overlap headers and use fields the loader ignores (smallest file)."),
        "wx": attr.bool(doc = "Keep code and writable data in separate segments (no RWX segment)."),
        "objects": attr.label_list(allow_files = [".o"], doc = "Prebuilt ELF relocatable objects to link in."),
    },
    executable = True,
    toolchains = [TOOLCHAIN_TYPE],
)
