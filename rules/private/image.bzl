"""tiny_image and tiny_image_index: byte-exact FROM-scratch OCI images."""

load(":common.bzl", "ARCHES", "OCI_ARCHES", "add_layer_args", "parse_platform")
load(":providers.bzl", "TinyBinaryInfo", "TinyImageInfo", "TinyIndexInfo")
load(":toolchain.bzl", "TOOLCHAIN_TYPE", "run_tiny")

_SCRIPT_EXTS = [".sh", ".bash", ".py", ".pl", ".rb", ".js", ".bat", ".cmd", ".ps1", ".jar"]

# Rule kinds whose executables need an interpreter or a VM that a
# FROM-scratch image does not have.
_INTERPRETED_KINDS = ["sh_binary", "py_binary", "java_binary", "js_binary", "nodejs_binary", "rb_binary", "php_binary"]

_RuleKindInfo = provider(doc = "The rule kind of a binary (from _kind_aspect).", fields = ["kind"])

def image_payload(ctx, binary):
    """The file an image holds for ctx.attr.binary.

    asm_binary output is already minimal and goes in as it is; any other
    executable is slimmed by `tiny strip` first, unless `strip = False`.
    tiny_image and tiny_layer share this, so their layers stay identical.

    Args:
      ctx: the rule context (attrs `binary` and `strip`).
      binary: the executable File of ctx.attr.binary.

    Returns:
      The File to put in the image.
    """
    if TinyBinaryInfo in ctx.attr.binary or not ctx.attr.strip:
        return binary
    payload = ctx.actions.declare_file("%s_stripped/%s" % (ctx.label.name, binary.basename))
    strip_args = ctx.actions.args()
    strip_args.add("-o", payload)
    strip_args.add(binary)
    run_tiny(
        ctx,
        "strip",
        strip_args,
        inputs = [binary],
        outputs = [payload],
        mnemonic = "TinyStrip",
        progress_message = "Stripping %s for %s (tiny strip)" % (binary.short_path, ctx.label),
    )
    return payload

def _kind_aspect_impl(target, ctx):  # buildifier: disable=unused-variable
    return [_RuleKindInfo(kind = ctx.rule.kind)]

_kind_aspect = aspect(implementation = _kind_aspect_impl, doc = "Records the rule kind of tiny_image's binary.")

def _platform(ctx, where):
    """Reconciles platform, architecture and the binary's own architecture.

    Returns (platform flag to pass or "", platform known at analysis or "").
    """
    given = ""
    if ctx.attr.platform:
        p = parse_platform(where, ctx.attr.platform)
        if ctx.attr.architecture and ctx.attr.architecture != p.arch:
            fail("%s: conflicting platform settings: platform = %r but architecture = %r" % (where, ctx.attr.platform, ctx.attr.architecture))
        given = ctx.attr.platform
    elif ctx.attr.architecture:
        given = "linux/" + ctx.attr.architecture
    known = given
    if TinyBinaryInfo in ctx.attr.binary and ctx.attr.binary[TinyBinaryInfo].arch:
        arch = ctx.attr.binary[TinyBinaryInfo].arch
        oci = ARCHES[arch].oci
        if given and given.split("/")[1] != oci:
            fail("%s: conflicting platform settings: %s is built for %s (OCI architecture %s) but the image says %r" % (
                where,
                ctx.attr.binary.label,
                arch,
                oci,
                given,
            ))
        if not known:
            known = "linux/" + oci
    return given, known

def _check_port(where, port):
    num, _, proto = port.partition("/")
    if not num.isdigit() or int(num) < 1 or int(num) > 65535 or proto not in ("", "tcp", "udp", "sctp"):
        fail("%s: exposed_ports: %r is not PORT or PORT/tcp|udp|sctp" % (where, port))

def _tiny_image_impl(ctx):
    where = "tiny_image %s" % ctx.label
    given, known = _platform(ctx, where)

    binary = ctx.executable.binary
    kind = ctx.attr.binary[_RuleKindInfo].kind if _RuleKindInfo in ctx.attr.binary else ""
    if kind in _INTERPRETED_KINDS:
        fail("%s: binary %s is a %s, whose executable is a script or needs a runtime; a FROM-scratch image has no interpreter: use a static executable" % (where, ctx.attr.binary.label, kind))
    for ext in _SCRIPT_EXTS:
        if binary.basename.endswith(ext):
            fail("%s: binary %s is a script (%s), not a static executable; a FROM-scratch image has no interpreter" % (where, ctx.attr.binary.label, binary.basename))
    for port in ctx.attr.exposed_ports:
        _check_port(where, port)
    for k in ctx.attr.env:
        if not k or "=" in k:
            fail("%s: env: %r is not a valid variable name" % (where, k))

    payload = image_payload(ctx, binary)

    layout = ctx.actions.declare_directory(ctx.label.name)
    tarball = ctx.actions.declare_file(ctx.label.name + ".tar")
    args = ctx.actions.args()
    args.add("--layout", layout.path)
    args.add("--tarball", tarball)
    inputs = add_layer_args(where, args, payload, binary, ctx.attr)
    if ctx.attr.entrypoint:
        args.add("--entrypoint", json.encode(ctx.attr.entrypoint))
    if ctx.attr.cmd:
        args.add("--cmd", json.encode(ctx.attr.cmd))
    for k, v in ctx.attr.env.items():
        args.add("--env", "%s=%s" % (k, v))
    if ctx.attr.user:
        args.add("--user", ctx.attr.user)
    if ctx.attr.workdir:
        args.add("--workdir", ctx.attr.workdir)
    for k, v in ctx.attr.labels.items():
        args.add("--label", "%s=%s" % (k, v))
    for k, v in ctx.attr.annotations.items():
        args.add("--annotation", "%s=%s" % (k, v))
    for port in ctx.attr.exposed_ports:
        args.add("--expose", port)
    if given:
        args.add("--platform", given)
    if ctx.attr.tag:
        args.add("--tag", ctx.attr.tag)
    if ctx.attr.created:
        args.add("--created", ctx.attr.created)
    run_tiny(
        ctx,
        "image",
        args,
        inputs = inputs,
        outputs = [layout, tarball],
        mnemonic = "TinyImage",
        progress_message = "Writing OCI image %s" % ctx.label,
    )
    return [
        # One default output, the layout directory: rules_oci's oci_image
        # contract (oci_push/oci_load take a single file, oci_image_index reads
        # every default output as an image). The tarball is an output group,
        # built through the macro's `<name>.tar` filegroup.
        DefaultInfo(files = depset([layout]), runfiles = ctx.runfiles(files = [layout, tarball])),
        OutputGroupInfo(layout = depset([layout]), tarball = depset([tarball])),
        TinyImageInfo(layout = layout, tarball = tarball, platform = known, tag = ctx.attr.tag),
    ]

tiny_image = rule(
    implementation = _tiny_image_impl,
    doc = """Puts one static executable alone in a FROM-scratch OCI image with `tiny image`.

Default output: the OCI image layout directory named like the target, alone
(the contract of rules_oci's oci_image, so oci_push/oci_load/oci_image_index
take the target as is). The `tarball` output group is `<name>.tar` (OCI layout
+ docker manifest.json: `docker load`, `podman load`, skopeo's oci-archive: and
docker-archive:); the tiny_image macro exposes it as the target `<name>.tar`.""",
    attrs = {
        "binary": attr.label(
            mandatory = True,
            executable = True,
            cfg = "target",
            aspects = [_kind_aspect],
            doc = "An asm_binary, or any static Linux executable (cc_binary with -static, a pure-Go binary...).",
        ),
        "binary_path": attr.string(doc = "Absolute path of the executable in the image (default /<file name>)."),
        "strip": attr.bool(default = True, doc = "Slim executables that are not asm_binary with `tiny strip` (a dynamic ELF or a script fails there)."),
        "files": attr.label_keyed_string_dict(allow_files = True, doc = "More files: {label: absolute path in the image}."),
        "entrypoint": attr.string_list(doc = "Config entrypoint; default: [binary_path]."),
        "cmd": attr.string_list(doc = "Config cmd (arguments after the entrypoint); default none."),
        "env": attr.string_dict(doc = "Config environment: {NAME: value}."),
        "user": attr.string(doc = "Config user (`uid`, `uid:gid` or a name); default none, which is root."),
        "workdir": attr.string(doc = "Config working directory; default none."),
        "labels": attr.string_dict(doc = "Config labels."),
        "annotations": attr.string_dict(doc = "Manifest annotations."),
        "exposed_ports": attr.string_list(doc = "\"80\", \"80/tcp\", \"53/udp\"..."),
        "platform": attr.string(doc = "os/arch[/variant]; default: from the executable's ELF machine."),
        "architecture": attr.string(values = [""] + OCI_ARCHES, doc = "Shorthand for platform = \"linux/<architecture>\"."),
        "compression": attr.string(default = "gzip", values = ["gzip", "zstd", "none"], doc = "Layer compression; gzip loads everywhere, zstd needs Docker 23+ / containerd 1.5+."),
        "tag": attr.string(doc = "REPO[:TAG] recorded in index.json and the tarball (docker load names the image so)."),
        "source_date_epoch": attr.int(default = 0, doc = "mtime of the layer entries (seconds since 1970)."),
        "created": attr.string(doc = "Config created time: RFC 3339, or \"epoch\"; default none."),
    },
    toolchains = [TOOLCHAIN_TYPE],
)

def _tiny_image_index_impl(ctx):
    where = "tiny_image_index %s" % ctx.label
    if not ctx.attr.images:
        fail("%s: images is empty" % where)
    seen = {}
    for img in ctx.attr.images:
        p = img[TinyImageInfo].platform
        if p and p in seen:
            fail("%s: conflicting platform settings: %s and %s are both %s; an index holds one image per platform" % (where, seen[p], img.label, p))
        if p:
            seen[p] = img.label
    layout = ctx.actions.declare_directory(ctx.label.name)
    tarball = ctx.actions.declare_file(ctx.label.name + ".tar")
    args = ctx.actions.args()
    args.add("--layout", layout.path)
    args.add("--tarball", tarball)
    if ctx.attr.tag:
        args.add("--tag", ctx.attr.tag)
    layouts = [img[TinyImageInfo].layout for img in ctx.attr.images]
    for image_layout in layouts:
        args.add(image_layout.path)
    run_tiny(
        ctx,
        "index",
        args,
        inputs = layouts,
        outputs = [layout, tarball],
        mnemonic = "TinyIndex",
        progress_message = "Writing OCI image index %s" % ctx.label,
    )
    return [
        # One default output, the layout directory: rules_oci's oci_image
        # contract (oci_push/oci_load take a single file, oci_image_index reads
        # every default output as an image). The tarball is an output group,
        # built through the macro's `<name>.tar` filegroup.
        DefaultInfo(files = depset([layout]), runfiles = ctx.runfiles(files = [layout, tarball])),
        OutputGroupInfo(layout = depset([layout]), tarball = depset([tarball])),
        TinyIndexInfo(layout = layout, tarball = tarball, platforms = sorted(seen.keys()), tag = ctx.attr.tag),
    ]

tiny_image_index = rule(
    implementation = _tiny_image_index_impl,
    doc = """A multi-platform OCI image index over tiny_image targets (one per platform), with `tiny index`.

Outputs as tiny_image: the layout directory alone by default, `<name>.tar` in
the `tarball` output group (the macro's `<name>.tar` target).""",
    attrs = {
        "images": attr.label_list(mandatory = True, providers = [TinyImageInfo], doc = "tiny_image targets, one per platform."),
        "tag": attr.string(doc = "REPO[:TAG] of the index."),
    },
    toolchains = [TOOLCHAIN_TYPE],
)
