"""tiny_push: `bazel run` it to push an image or image index to a registry with `tiny push`."""

load(":common.bzl", "runfiles_path", "shell_quote")
load(":providers.bzl", "TinyImageInfo", "TinyIndexInfo")
load(":toolchain.bzl", "TOOLCHAIN_TYPE", "tiny_tool")

def _layout_of(target, where):
    if TinyImageInfo in target:
        return target[TinyImageInfo].layout
    if TinyIndexInfo in target:
        return target[TinyIndexInfo].layout

    # Any other rule whose only output is an OCI layout directory (rules_oci's
    # oci_image and oci_image_index, for instance).
    files = target[DefaultInfo].files.to_list()
    if len(files) != 1 or not files[0].is_directory:
        fail("%s: image %s is neither a tiny_image / tiny_image_index nor a target whose only output is an OCI layout directory" % (where, target.label))
    return files[0]

def _validate_repository(where, repo):
    if not repo:
        return
    if "@" in repo:
        fail("%s: repository = %r must not contain a digest" % (where, repo))
    first, sep, rest = repo.partition("/")
    if not sep or not rest or (not ("." in first or ":" in first) and first != "localhost"):
        fail("%s: repository = %r must start with a registry host: HOST[:PORT]/PATH (e.g. ghcr.io/org/app, 127.0.0.1:5000/app)" % (where, repo))
    if ":" in rest:
        fail("%s: repository = %r must not contain a tag; use remote_tags" % (where, repo))

def _tiny_push_impl(ctx):
    where = "tiny_push %s" % ctx.label
    _validate_repository(where, ctx.attr.repository)
    for t in ctx.attr.remote_tags:
        if not t or ":" in t or "/" in t or "@" in t or " " in t:
            fail("%s: remote_tags: %r is not a tag" % (where, t))
    layout = _layout_of(ctx.attr.image, where)
    tc = tiny_tool(ctx)

    # The toolchain's tiny-full may leave push out (it does in WORKSPACE
    # mode, to spare every build compiling the registry client): push runs
    # from the complete tool then, built only for tiny_push targets.
    # (getattr: a TinyToolchainInfo made by another toolchain rule may not
    # set the field.)
    complete = getattr(tc, "complete", None)
    tool = complete if complete else tc.tiny
    tool_files = tc.complete_files if complete else tc.files

    fixed = []
    if ctx.attr.repository:
        fixed += ["--repository", ctx.attr.repository]
    for t in ctx.attr.remote_tags:
        fixed += ["--tag", t]
    if ctx.attr.index:
        fixed.append("--index")
    if ctx.attr.insecure:
        fixed.append("--insecure")

    runfiles = [tool, layout]
    tags_file = ""
    if ctx.file.remote_tags_file:
        runfiles.append(ctx.file.remote_tags_file)
        tags_file = runfiles_path(ctx, ctx.file.remote_tags_file)

    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._launcher,
        output = script,
        is_executable = True,
        substitutions = {
            "{{LABEL}}": str(ctx.label),
            "{{LAYOUT}}": shell_quote(runfiles_path(ctx, layout)),
            "{{TINY}}": shell_quote(runfiles_path(ctx, tool)),
            "{{FIXED_ARGS}}": " ".join([shell_quote(a) for a in fixed]),
            "{{TAGS_FILE}}": shell_quote(tags_file),
        },
    )
    return [DefaultInfo(
        executable = script,
        runfiles = ctx.runfiles(files = runfiles, transitive_files = tool_files),
    )]

tiny_push = rule(
    implementation = _tiny_push_impl,
    doc = """`bazel run` target that pushes a tiny_image or tiny_image_index (or any target whose
only output is an OCI layout directory) to a registry with `tiny push`, which uses
go-containerregistry and the docker/podman credentials crane uses. It prints
`REPOSITORY@sha256:...`; blobs and manifests already in the registry are not sent again.

    tiny_push(
        name = "hello_image_push",
        image = ":hello_image",
        repository = "ghcr.io/example/hello",
        remote_tags = ["latest"],
    )

    bazel run //examples:hello_image_push
    bazel run //examples:hello_image_push -- --repository 127.0.0.1:5000/hello --tag v1

Arguments after `--` go to `tiny push`: `--repository` (or `-r`) replaces the
attribute, `--tag` (or `-t`) adds tags, `--insecure` allows plain HTTP to
non-loopback registries, `--digest-file F` writes the digest. Plain HTTP is used
for loopback registries (localhost, 127.0.0.0/8, ::1) without asking.""",
    attrs = {
        "image": attr.label(
            mandatory = True,
            doc = "A tiny_image or tiny_image_index, or a target whose only output is an OCI layout directory.",
        ),
        "repository": attr.string(doc = "HOST[:PORT]/PATH, without tag or digest. If empty, pass --repository at `bazel run` time."),
        "remote_tags": attr.string_list(doc = "Tags to set. (Named as in rules_oci's oci_push: `tags` is Bazel's own attribute.)"),
        "remote_tags_file": attr.label(
            allow_single_file = True,
            doc = "A file with more tags, one per line (e.g. written by a stamped genrule).",
        ),
        "index": attr.bool(doc = "Push the layout's index.json itself as an image index (for layouts listing several images)."),
        "insecure": attr.bool(doc = "Allow plain HTTP and unverified TLS for any registry."),
        "_launcher": attr.label(default = Label("//rules/private:push.sh.tpl"), allow_single_file = True),
    },
    executable = True,
    toolchains = [TOOLCHAIN_TYPE],
)
