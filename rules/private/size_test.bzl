"""size_test: a byte budget for an executable or an image, checked with `tiny size --json`."""

load(":common.bzl", "runfiles_path", "shell_quote")
load(":providers.bzl", "TinyBinaryInfo", "TinyImageInfo", "TinyIndexInfo")
load(":toolchain.bzl", "TOOLCHAIN_TYPE", "tiny_tool")

# The fields of `tiny size --json` (tools/size) a budget can apply to.
ELF_MEASURES = ["file_bytes", "header_bytes", "code_bytes", "data_bytes", "other_bytes", "bss_bytes"]
IMAGE_MEASURES = ["total_blob_bytes", "content_bytes", "tar_bytes", "layer_bytes", "config_bytes", "manifest_bytes"]
INDEX_MEASURES = IMAGE_MEASURES + ["index_bytes"]

def _size_test_impl(ctx):
    where = "size_test %s" % ctx.label
    t = ctx.attr.target
    if TinyImageInfo in t:
        subject, measures, auto = t[TinyImageInfo].layout, IMAGE_MEASURES, "total_blob_bytes"
    elif TinyIndexInfo in t:
        subject, measures, auto = t[TinyIndexInfo].layout, INDEX_MEASURES, "total_blob_bytes"
    elif TinyBinaryInfo in t:
        subject, measures, auto = t[TinyBinaryInfo].executable, ELF_MEASURES, "file_bytes"
    else:
        exe = t[DefaultInfo].files_to_run.executable
        files = t[DefaultInfo].files.to_list()
        if exe:
            subject = exe
        elif len(files) == 1:
            subject = files[0]
        else:
            fail("%s: target %s has %d output files; name one ELF file, or an image" % (where, t.label, len(files)))
        measures, auto = ELF_MEASURES, "file_bytes"
    measure = auto if ctx.attr.measure == "auto" else ctx.attr.measure
    if measure not in measures:
        fail("%s: measure = %r does not apply to %s; use one of: auto, %s" % (where, measure, t.label, ", ".join(measures)))
    if ctx.attr.max_bytes <= 0:
        fail("%s: max_bytes must be positive" % where)

    tc = tiny_tool(ctx)
    script = ctx.actions.declare_file(ctx.label.name + ".sh")
    ctx.actions.expand_template(
        template = ctx.file._launcher,
        output = script,
        is_executable = True,
        substitutions = {
            "{{LABEL}}": str(t.label),
            "{{LABEL_Q}}": shell_quote(str(t.label)),
            "{{TINY}}": shell_quote(runfiles_path(ctx, tc.tiny)),
            "{{SUBJECT}}": shell_quote(runfiles_path(ctx, subject)),
            "{{MEASURE}}": measure,
            "{{MAX}}": str(ctx.attr.max_bytes),
        },
    )
    runfiles = ctx.runfiles(files = [subject, tc.tiny], transitive_files = tc.files)
    return [DefaultInfo(executable = script, runfiles = runfiles)]

size_test = rule(
    implementation = _size_test_impl,
    doc = """Fails when `target` is bigger than `max_bytes`, printing the breakdown and the excess;
passes printing the headroom.

measure = "auto" is the file size for an executable and the total blob bytes
(manifest + config + layers; + index for an index) for an image. Other
measures are the fields of `tiny size --json`: for executables %s; for
images %s (content_bytes is what classic `docker images` shows).""" % (", ".join(ELF_MEASURES), ", ".join(INDEX_MEASURES)),
    attrs = {
        "target": attr.label(mandatory = True, doc = "asm_binary, tiny_image, tiny_image_index, or any target with one ELF output."),
        "max_bytes": attr.int(mandatory = True, doc = "The budget, in bytes."),
        "measure": attr.string(
            default = "auto",
            values = ["auto"] + ELF_MEASURES + INDEX_MEASURES,
            doc = "The field of `tiny size --json` the budget applies to; `auto` is file_bytes or total_blob_bytes.",
        ),
        "_launcher": attr.label(default = Label("//rules/private:size_test.sh.tpl"), allow_single_file = True),
    },
    test = True,
    toolchains = [TOOLCHAIN_TYPE],
)
