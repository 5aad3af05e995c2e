"""Providers shared by the rules_tiny rules (and by rules that consume their outputs)."""

TinyToolchainInfo = provider(
    doc = "What the tiny toolchain gives each rule (inside platform_common.ToolchainInfo.tinyinfo).",
    fields = {
        "tiny": "File: the `tiny` executable",
        "files_to_run": "FilesToRunProvider of the tool (executable + its runfiles)",
        "files": "depset of every file the tool runs from: `tiny` and its runfiles (`tiny-full` beside a core build of tiny)",
        "full": "File or None: `tiny-full` beside a core build of tiny, which runs image and index itself; " +
                "rules run those actions with it directly (one process start fewer than the core's hand-off). None when `tiny` is the complete tool",
        "complete": "File or None: a complete build of tiny for the subcommands `tiny` and its runfiles leave out (push); None when `tiny` has them all",
        "complete_files": "depset or None: every file `complete` runs from",
    },
)

TinyBinaryInfo = provider(
    doc = "A static Linux executable made by asm_binary.",
    fields = {
        "executable": "File: the ELF executable",
        "arch": "string: \"i386\", \"amd64\", or \"\" when the tool decides from the first BITS directive",
    },
)

TinyImageInfo = provider(
    doc = """A single-platform OCI image made by tiny_image.

`layout` is an OCI image layout directory (oci-layout, index.json, blobs/sha256/),
the same contract as rules_oci's oci_image output, so push/load rules can read it.""",
    fields = {
        "layout": "File (tree artifact): the OCI image layout directory, named like the target",
        "tarball": "File: <name>.tar, OCI layout + docker manifest.json (loads into docker, podman, skopeo)",
        "platform": "string: \"os/arch[/variant]\" when known at analysis time, else \"\"",
        "tag": "string: the repo:tag recorded in the layout and tarball, or \"\"",
    },
)

TinyIndexInfo = provider(
    doc = "A multi-platform OCI image index made by tiny_image_index.",
    fields = {
        "layout": "File (tree artifact): the OCI image layout directory holding the index",
        "tarball": "File: <name>.tar of that layout",
        "platforms": "list of string: the platforms of the images, when known",
        "tag": "string: the repo:tag, or \"\"",
    },
)
