"""tiny_image_load: `bazel run` it to load an image tarball into docker or podman."""

load(":common.bzl", "runfiles_path", "shell_quote")
load(":providers.bzl", "TinyImageInfo", "TinyIndexInfo")

def _tiny_image_load_impl(ctx):
    img = ctx.attr.image
    info = img[TinyImageInfo] if TinyImageInfo in img else img[TinyIndexInfo]
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._launcher,
        output = script,
        is_executable = True,
        substitutions = {
            "{{LABEL}}": str(img.label),
            "{{LABEL_Q}}": shell_quote(str(img.label)),
            "{{TARBALL}}": shell_quote(runfiles_path(ctx, info.tarball)),
            "{{TAG}}": shell_quote(info.tag),
        },
    )
    return [DefaultInfo(
        executable = script,
        runfiles = ctx.runfiles(files = [info.tarball]),
    )]

tiny_image_load = rule(
    implementation = _tiny_image_load_impl,
    doc = """`bazel run` target that loads an image's tarball into docker (if its daemon answers) or
podman, whichever is on the PATH; force one with `bazel run :x.load -- podman` or
TINY_LOAD_ENGINE=podman. tiny_image creates one named `<name>.load` for each image.""",
    attrs = {
        "image": attr.label(
            mandatory = True,
            providers = [[TinyImageInfo], [TinyIndexInfo]],
            doc = "A tiny_image or tiny_image_index; its `<name>.tar` tarball is what gets loaded.",
        ),
        "_launcher": attr.label(default = Label("//rules/private:load.sh.tpl"), allow_single_file = True),
    },
    executable = True,
)
