"""Builds the `tiny` tool with the Go SDK installed on the host (WORKSPACE mode).

Two halves, like local_config_cc:

* `tiny_host_go` (a repository rule) finds the host `go`, records its path
  and version, and fills a private Go module proxy with exactly the module
  versions that `tools/cmd/tiny` imports (found with `go list -deps`, taken
  from the host's module cache first and from its GOPROXY otherwise). After
  that, nothing is downloaded.
* `host_go_binary` (a build rule) runs `go build -trimpath` on the declared
  Go sources in an ordinary action: empty GOCACHE and GOMODCACHE in the
  action's temporary directory, GOPROXY pointing at the private proxy only,
  so the output is a function of the declared inputs, is rebuilt whenever a
  source changes, and is served from disk and remote caches.
"""

HostGoSdkInfo = provider(
    doc = "The host Go SDK and the module proxy prepared by tiny_host_go.",
    fields = {
        "go": "string: absolute path of the host `go` command",
        "version": "File: `go version` output (part of every build action's key)",
        "proxy": "list of File: the module proxy (GOPROXY=file://...) contents",
        "proxy_root": "string: execroot-relative path of the proxy directory",
    },
)

def _fail_exec(what, res):
    fail("tiny_host_go: %s failed (exit %d):\n%s%s" % (what, res.return_code, res.stdout, res.stderr))

def _find_go(rctx):
    explicit = rctx.os.environ.get("TINY_GO", "")
    if explicit:
        return rctx.path(explicit)
    goroot = rctx.os.environ.get("GOROOT", "")
    if goroot:
        candidate = rctx.path(goroot + "/bin/go")
        if candidate.exists:
            return candidate
    found = rctx.which("go")
    if found:
        return found
    for candidate in ["/usr/local/go/bin/go", "/usr/lib/go/bin/go"]:
        if rctx.path(candidate).exists:
            return rctx.path(candidate)
    fail("tiny_host_go: no Go SDK found. Install Go (https://go.dev/dl), put `go` on the PATH " +
         "or set TINY_GO=/path/to/bin/go, then run the build again.")

def _tiny_host_go_impl(rctx):
    go = _find_go(rctx)

    # Labels of the module files: Bazel re-runs this rule when they change.
    go_mod = rctx.path(Label("//:go.mod"))
    rctx.path(Label("//:go.sum"))
    src_root = str(go_mod.dirname)

    res = rctx.execute([go, "env", "GOMODCACHE", "GOPROXY", "GOVERSION"], environment = {"GOFLAGS": "", "GOTOOLCHAIN": "local"})
    if res.return_code != 0:
        _fail_exec("`go env`", res)
    host_modcache, host_proxy, version = res.stdout.strip().split("\n")
    rctx.file("go_version.txt", version + "\n")

    # Resolve the imports with a scratch module cache, then keep only its
    # download area: that is a valid GOPROXY=file:// tree of .mod/.zip files.
    work = rctx.path("_work")
    proxies = []
    if host_modcache:
        proxies.append("file://" + host_modcache + "/cache/download")
    if host_proxy and host_proxy != "off":
        proxies.append(host_proxy)
    env = {
        "GOMODCACHE": str(work) + "/mod",
        "GOCACHE": str(work) + "/cache",
        "GOPATH": str(work) + "/path",
        "GOPROXY": ",".join(proxies) if proxies else "off",
        "GOFLAGS": "-mod=readonly -modcacherw",
        "GOTOOLCHAIN": "local",
        "GOENV": "off",
        "GOWORK": "off",
        "GOTELEMETRY": "off",
        "CGO_ENABLED": "0",
    }
    res = rctx.execute(
        [go, "list", "-e", "-deps", "-f", "{{with .Module}}{{.Path}} {{.Version}}{{end}}", "./" + rctx.attr.package],
        working_directory = src_root,
        environment = env,
        timeout = 1200,
    )
    if res.return_code != 0:
        _fail_exec("`go list -deps ./%s`" % rctx.attr.package, res)
    modules = sorted({line: True for line in res.stdout.split("\n") if line and not line.endswith(" ")}.keys())
    rctx.file("modules.txt", "\n".join(modules) + "\n")

    res = rctx.execute(["mv", str(work) + "/mod/cache/download", str(rctx.path("proxy"))])
    if res.return_code != 0:
        # No external module at all: an empty proxy is still a valid one.
        rctx.file("proxy/README", "no external modules\n")
    rctx.delete(work)

    rctx.file("BUILD.bazel", """\
load("@rules_tiny//rules/private:host_go.bzl", "host_go_sdk")

host_go_sdk(
    name = "sdk",
    go = "{go}",
    proxy = glob(
        ["proxy/**"],
        exclude = ["proxy/sumdb/**", "proxy/**/*.lock", "proxy/**/*.partial"],
    ),
    version = "go_version.txt",
    visibility = ["//visibility:public"],
)
""".format(go = str(go)))

tiny_host_go = repository_rule(
    implementation = _tiny_host_go_impl,
    doc = "Finds the host Go SDK and prepares an offline module proxy for the tiny tool.",
    attrs = {
        "package": attr.string(
            default = "tools/cmd/tiny",
            doc = "Main package (relative to the rules_tiny module root) whose module deps are fetched.",
        ),
    },
    environ = ["TINY_GO", "GOROOT", "PATH"],
    configure = True,
    local = True,
)

def _host_go_sdk_impl(ctx):
    root = ctx.label.workspace_root + "/" + ctx.label.package if ctx.label.package else ctx.label.workspace_root
    return [HostGoSdkInfo(
        go = ctx.attr.go,
        version = ctx.file.version,
        proxy = ctx.files.proxy,
        proxy_root = root + "/proxy",
    )]

host_go_sdk = rule(
    implementation = _host_go_sdk_impl,
    doc = "Carries what tiny_host_go found (used only in the generated repository).",
    attrs = {
        "go": attr.string(mandatory = True),
        "proxy": attr.label_list(allow_files = True),
        "version": attr.label(allow_single_file = True, mandatory = True),
    },
)

_BUILD_SCRIPT = """\
set -eu
out="$PWD/$1"; proxy="$PWD/$2"; go="$3"; dir="$4"; pkg="$5"; shared_cache="$6"; tags="$7"
shift 7
# The rest are pairs: a binary to build beside out (its path) and its tags.
beside=()
while [ $# -ge 2 ]; do beside+=("$PWD/$1" "$2"); shift 2; done
# Scratch space next to the output: private to this action, sandboxed or not.
work="$out.gowork"
rm -rf "$work"; mkdir -p "$work/tmp"
trap 'chmod -R u+w "$work" 2>/dev/null; rm -rf "$work"' EXIT
cache="$work/cache"
if [ -n "$shared_cache" ]; then cache="$shared_cache"; fi
cd "$dir"
build() {  # output, build tags (comma-separated, may be empty)
  if ! GOCACHE="$cache" GOMODCACHE="$work/mod" GOPATH="$work/path" HOME="$work" TMPDIR="$work/tmp" \\
      GOPROXY="file://$proxy" GOSUMDB=off GOFLAGS=-mod=readonly GOTOOLCHAIN=local \\
      GOENV=off GOWORK=off GOTELEMETRY=off CGO_ENABLED=0 \\
      "$go" build -trimpath -buildvcs=false -ldflags=-buildid= -tags "$2" -o "$1" "./$pkg" 2>"$work/log"; then
    cat "$work/log" >&2
    if grep -q -e 'GOPROXY=off\\|not found: \\|missing go.sum entry\\|no required module' "$work/log"; then
      echo "host_go_binary: a Go module is missing from the prepared proxy; the imports changed since" >&2
      echo "@tiny_host_go was fetched. Run: bazel sync --configure (or bazel clean --expunge)" >&2
    fi
    exit 1
  fi
}
build "$out" "$tags"
for ((i = 0; i < ${#beside[@]}; i += 2)); do build "${beside[i]}" "${beside[i+1]}"; done
"""

def _host_go_binary_impl(ctx):
    sdk = ctx.attr.sdk[HostGoSdkInfo]
    out = ctx.actions.declare_file(ctx.label.name)
    go_mod = ctx.file.go_mod
    mod_dir = go_mod.dirname if go_mod.dirname else "."
    args = ctx.actions.args()
    args.add(out.path)
    args.add(sdk.proxy_root)
    args.add(sdk.go)
    args.add(mod_dir)
    args.add(ctx.attr.package)

    # Opt-in for people who edit the Go sources: --define=TINY_GOCACHE=<abs dir>
    # lets the action reuse a Go build cache outside the sandbox. Go's cache
    # never changes what is built, only how fast; the action then runs
    # unsandboxed and is not cached remotely.
    shared_cache = ctx.var.get("TINY_GOCACHE", "")
    if shared_cache and not shared_cache.startswith("/"):
        fail("--define=TINY_GOCACHE=%s must be an absolute directory" % shared_cache)
    args.add(shared_cache)
    args.add(",".join(ctx.attr.gotags))

    # Binaries built beside out by the same action, from the same package
    # and build cache (only what their tags change is compiled again).
    beside = []
    for name, tags in sorted(ctx.attr.beside.items()):
        if "/" in name or " " in name or " " in tags:
            fail("host_go_binary %s: beside: bad name or tags %r: %r" % (ctx.label, name, tags))
        f = ctx.actions.declare_file(name)
        beside.append(f)
        args.add(f.path)
        args.add(tags)
    reqs = {"no-remote": "1", "no-sandbox": "1"} if shared_cache else {}
    ctx.actions.run_shell(
        command = _BUILD_SCRIPT,
        arguments = [args],
        inputs = depset([go_mod, sdk.version] + ctx.files.srcs + sdk.proxy),
        outputs = [out] + beside,
        mnemonic = "TinyGoBuild",
        progress_message = "Building %s with the host Go SDK (go build -trimpath)" % out.short_path,
        use_default_shell_env = False,
        execution_requirements = reqs,
    )
    return [DefaultInfo(files = depset([out]), executable = out, runfiles = ctx.runfiles(files = beside))]

host_go_binary = rule(
    implementation = _host_go_binary_impl,
    doc = "`go build -trimpath` of one main package of this module with the host Go SDK.",
    attrs = {
        "go_mod": attr.label(allow_single_file = ["go.mod"], mandatory = True),
        "package": attr.string(mandatory = True, doc = "Package directory relative to go.mod's directory."),
        "gotags": attr.string_list(doc = "Build tags of the binary (go build -tags)."),
        "beside": attr.string_dict(doc = "More binaries of the same package, built by the same action into the same " +
                                         "directory and given as runfiles: file name -> build tags (comma-separated, " +
                                         "\"\" for none)."),
        "srcs": attr.label_list(allow_files = True, doc = "Every file the build reads: .go sources, go.sum, embedded files."),
        "sdk": attr.label(
            default = "@tiny_host_go//:sdk",
            providers = [HostGoSdkInfo],
            doc = "The `host_go_sdk` of a tiny_host_go repository whose module proxy holds this package's modules.",
        ),
    },
    executable = True,
)
