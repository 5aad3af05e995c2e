package main

import (
	"fmt"
	"os"
	"path/filepath"
	"time"
)

// The persistent worker under real Bazel 4.2.3, on its own (independent of
// the rest of rules/): a workspace whose own minimal rule runs
// the harness's tiny binary exactly as asm_binary does (`tiny build -o OUT
// -I ... SRC`), but with the arguments in a params file and
// supports-workers, which is what rules/ needs for workers. The same N
// actions are built three ways after a `bazel clean`: in linux-sandbox (the
// default: one sandboxed process per action), as plain local processes, and
// in persistent workers.

const workerRuleBzl = `"""bench_asm: asm_binary's tiny build action, worker-capable."""

def _impl(ctx):
    out = ctx.actions.declare_file(ctx.label.name)
    startup = ctx.actions.args()
    startup.add("build")
    args = ctx.actions.args()
    args.add("-o", out)
    args.add("-I", ctx.label.package + "/")
    args.add_all(ctx.files.srcs)
    args.use_param_file("@%s", use_always = True)
    args.set_param_file_format("multiline")
    ctx.actions.run(
        executable = ctx.executable._tiny,
        arguments = [startup, args],
        inputs = ctx.files.srcs,
        outputs = [out],
        mnemonic = "TinyBuild",
        execution_requirements = {"supports-workers": "1"},
    )
    return [DefaultInfo(files = depset([out]))]

bench_asm = rule(
    implementation = _impl,
    attrs = {
        "srcs": attr.label_list(allow_files = [".asm"]),
        "_tiny": attr.label(default = "//tools:tiny", executable = True, cfg = "host", allow_single_file = True),
    },
)
`

func (c *config) writeWorkerWorkspace(dir string, n int) error {
	if err := os.MkdirAll(filepath.Join(dir, "tools"), 0o755); err != nil {
		return err
	}
	files := map[string]string{
		"WORKSPACE":         "workspace(name = \"bench_worker\")\n",
		"BUILD.bazel":       "",
		"defs.bzl":          workerRuleBzl,
		"tools/BUILD.bazel": "exports_files([\"tiny\"])\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			return err
		}
	}
	bin, err := os.ReadFile(c.tiny)
	if err != nil {
		return err
	}
	if err := os.WriteFile(filepath.Join(dir, "tools", "tiny"), bin, 0o755); err != nil {
		return err
	}
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, pkgName(i))
		os.MkdirAll(p, 0o755)
		if err := os.WriteFile(filepath.Join(p, "hello.asm"), []byte(helloSource(i, 'w', c.nonce+"-w")), 0o644); err != nil {
			return err
		}
		build := "load(\"//:defs.bzl\", \"bench_asm\")\n\nbench_asm(\n    name = \"hello\",\n    srcs = [\"hello.asm\"],\n)\n"
		if err := os.WriteFile(filepath.Join(p, "BUILD.bazel"), []byte(build), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func (c *config) workerScale(r *report, tg *targets, root string, logf *os.File) {
	if !c.has("build") {
		r.p("Worker protocol under Bazel: not measured (tiny build not available).")
		return
	}
	r.h3("Persistent worker under Bazel 4.2.3 (bench-local rule)")
	r.p("A workspace of N packages whose own rule runs the harness's tiny binary as asm_binary does, with the arguments in a " +
		"params file and `execution_requirements = {\"supports-workers\": \"1\"}` (bench/workerbazel.go; the same shape as run_tiny in rules/private/toolchain.bzl). " +
		"The same N TinyBuild actions after `bazel clean`, built with `--strategy=TinyBuild=` linux-sandbox (Bazel's default without workers), " +
		"local (no sandbox), and worker. Each executable is then run and checked.")
	var rows [][]string
	for _, n := range c.bazelNs {
		dir := filepath.Join(c.work, fmt.Sprintf("ws-worker-%d", n))
		if err := c.writeWorkerWorkspace(dir, n); err != nil {
			r.p("workspace generation failed: " + err.Error())
			return
		}
		s := &bazelSession{c: c, dir: dir, root: root, flags: append([]string(nil), debianFlags...), log: logf}
		c.logf("bazel: worker comparison, N=%d", n)
		s.run("info", "output_base")
		// Analysis and loading once, so the three builds compare execution.
		s.run("build", "--nobuild")
		res := map[string]bazelRun{}
		for _, strat := range []string{"linux-sandbox", "local", "worker"} {
			s.run("clean")
			res[strat] = s.run("build", "--strategy=TinyBuild="+strat)
		}
		check := "ok"
		for _, i := range []int{0, n - 1} {
			out, exit, err := runBinary(filepath.Join(dir, "bazel-bin", pkgName(i), "hello"))
			want := fmt.Sprintf("Hello %05d w %s-w\n", i, c.nonce)
			if err != nil || exit != 0 || out != want {
				check = fmt.Sprintf("%s/hello: exit %d, output %q, err %v", pkgName(i), exit, out, err)
			}
		}
		s.run("shutdown")
		os.RemoveAll(dir)
		cell := func(b bazelRun) string {
			if b.err != nil {
				return "error: " + b.err.Error()
			}
			return fmt.Sprintf("%s (%s/action; %s)", ms(b.elapsed), ms(b.elapsed/time.Duration(n)), b.detail)
		}
		sb, lw, wk := res["linux-sandbox"], res["local"], res["worker"]
		cut := "–"
		if sb.err == nil && wk.err == nil && sb.elapsed > 0 {
			cut = fmt.Sprintf("%.0f%%", 100*(1-float64(wk.elapsed)/float64(sb.elapsed)))
			if n >= 1000 {
				tg.add(fmt.Sprintf("workers cut a clean build of %d TinyBuild actions by ≥ 30%% (bench-local worker rule)", n),
					fmt.Sprintf("%s (%s → %s)", cut, ms(sb.elapsed), ms(wk.elapsed)), wk.elapsed <= sb.elapsed*7/10)
			}
		}
		rows = append(rows, []string{fmt.Sprint(n), cell(sb), cell(lw), cell(wk), cut, check})
	}
	r.table([]string{"N", "linux-sandbox", "local", "worker", "worker vs sandbox", "outputs run"}, rows)
}
