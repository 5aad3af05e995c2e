package main

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"
)

// Bazel scale (section e): generated workspaces of N packages, one built with
// rules_tiny (asm_binary + tiny_image + size_test each), one with the
// genrules a user writes without it (nasm + ld + strip, umoci + skopeo, a
// size check), on the offline Debian Bazel 4.2.3.

// debianFlags mirror `build:debian` in the repository's .bazelrc: Debian's
// packaged rule sets instead of downloads.
var debianFlags = []string{
	"--override_repository=bazel_skylib=/usr/share/bazel/tools/skylib",
	"--override_repository=platforms=/usr/share/bazel/tools/platforms",
	"--override_repository=rules_java=/usr/share/bazel/rules/java",
	"--override_repository=rules_cc=/usr/src/bazel-bootstrap/mock_repos/rules_cc",
	"--nosandbox_debug",
}

// helloSource is the seed program with a per-package message, so each
// package's outputs differ and no action is shared by content; the nonce
// (one per harness run) keeps the shared disk cache from serving a previous
// run's outputs to a "cold" build.
func helloSource(i int, variant byte, nonce string) string {
	return fmt.Sprintf("BITS 32\nsection .data\nmsg:    db \"Hello %05d %c %s\", 10\nlen     equ $-msg\nsection .text\nglobal _start\n_start:\n"+
		"        mov edx, len\n        mov ecx, msg\n        mov ebx, 1\n        mov eax, 4\n        int 0x80\n"+
		"        mov ebx, 0\n        mov eax, 1\n        int 0x80\n", i, variant, nonce)
}

func pkgName(i int) string { return fmt.Sprintf("p%05d", i) }

// wsNonce is unique per harness run and workspace: packages of the same
// name in two workspaces must not share actions through the disk cache.
func wsNonce(run string, kind wsKind, n int) string {
	return fmt.Sprintf("%s-%d-%d", run, int(kind), n)
}

// rewriteAll gives every package a new message, so the next build runs
// every TinyBuild/TinyImage action again (no action cache or disk cache
// hit) while loading and analysis stay cached and the tool stays built.
func rewriteAll(dir string, n int, variant byte, nonce string) {
	for i := 0; i < n; i++ {
		os.WriteFile(filepath.Join(dir, pkgName(i), "hello.asm"), []byte(helloSource(i, variant, nonce)), 0o644)
	}
}

type wsKind int

const (
	wsTiny wsKind = iota
	wsGenrule
)

func (k wsKind) String() string {
	if k == wsTiny {
		return "rules_tiny (asm_binary + tiny_image + size_test)"
	}
	return "genrules (nasm + ld + strip; umoci + skopeo; size check)"
}

// writeWorkspace generates the workspace; it returns the extra flags every
// bazel build needs there.
func (c *config) writeWorkspace(dir string, kind wsKind, n int) ([]string, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	flags := append([]string(nil), debianFlags...)
	nonce := wsNonce(c.nonce, kind, n)
	var ws string
	switch kind {
	case wsTiny:
		ws = fmt.Sprintf(`workspace(name = "bench_tiny")

local_repository(name = "rules_tiny", path = %q)

load("@rules_tiny//rules:repositories.bzl", "rules_tiny_dependencies", "rules_tiny_register_toolchains")

rules_tiny_dependencies()

rules_tiny_register_toolchains()
`, c.src)
		// Test rules depend on @remote_coverage_tools (a download) unless
		// told otherwise; an empty filegroup of our own avoids it.
		flags = append(flags, "--coverage_report_generator=//:no_coverage")
		if err := os.WriteFile(filepath.Join(dir, "BUILD.bazel"), []byte("filegroup(name = \"no_coverage\")\n"), 0o644); err != nil {
			return nil, err
		}
	case wsGenrule:
		ws = "workspace(name = \"bench_genrule\")\n"
	}
	if err := os.WriteFile(filepath.Join(dir, "WORKSPACE"), []byte(ws), 0o644); err != nil {
		return nil, err
	}
	for i := 0; i < n; i++ {
		p := filepath.Join(dir, pkgName(i))
		os.MkdirAll(p, 0o755)
		if err := os.WriteFile(filepath.Join(p, "hello.asm"), []byte(helloSource(i, 'a', nonce)), 0o644); err != nil {
			return nil, err
		}
		var build string
		switch kind {
		case wsTiny:
			build = `load("@rules_tiny//rules:defs.bzl", "asm_binary", "size_test", "tiny_image")

asm_binary(
    name = "hello",
    srcs = ["hello.asm"],
)

tiny_image(
    name = "image",
    binary = ":hello",
)

size_test(
    name = "size",
    target = ":hello",
    max_bytes = 200,
)
`
		case wsGenrule:
			build = `genrule(
    name = "hello",
    srcs = ["hello.asm"],
    outs = ["hello"],
    cmd = "nasm -f elf32 -o $(@D)/hello.o $< && ld -m elf_i386 -N -s -o $@ $(@D)/hello.o && strip -R .comment -s $@",
)

genrule(
    name = "image",
    srcs = [":hello"],
    outs = ["image.tar"],
    cmd = "d=$$(mktemp -d) && umoci init --layout $$d/l && umoci new --image $$d/l:latest && " +
          "umoci insert --image $$d/l:latest $(location :hello) /hello && " +
          "umoci config --image $$d/l:latest --config.entrypoint /hello && " +
          "skopeo --tmpdir $$d copy --quiet oci:$$d/l:latest oci-archive:$@:hello:latest && rm -rf $$d",
)

genrule(
    name = "size",
    srcs = [":hello"],
    outs = ["size.txt"],
    cmd = "s=$$(stat -c %s $<) && test $$s -le 400 && echo $$s > $@",
)
`
		}
		if err := os.WriteFile(filepath.Join(p, "BUILD.bazel"), []byte(build), 0o644); err != nil {
			return nil, err
		}
	}
	return flags, nil
}

// bazelRun is one timed bazel invocation.
type bazelRun struct {
	elapsed   time.Duration
	processes int // from "INFO: N processes: ..."
	internal  int
	detail    string // the summary line
	out       string // the output of an info command
	err       error
	// prof is Bazel's own account (--profile) of a profiled run; in a
	// median run from interleaved, the median of each figure over the
	// samples, of which there were profiled.
	prof     bazelProfile
	profiled int
}

// executed counts processes that really ran a tool (not Bazel-internal
// bookkeeping such as symlink trees).
func (b bazelRun) executed() int { return b.processes - b.internal }

var processesRE = regexp.MustCompile(`INFO: (\d+) process(?:es)?(?:: (.*))?\.`)
var internalRE = regexp.MustCompile(`(\d+) internal`)

func parseProcesses(out string) (total, internal int, line string, ok bool) {
	m := processesRE.FindAllStringSubmatch(out, -1)
	if m == nil {
		return 0, 0, "", false
	}
	last := m[len(m)-1]
	total, _ = strconv.Atoi(last[1])
	if im := internalRE.FindStringSubmatch(last[2]); im != nil {
		internal, _ = strconv.Atoi(im[1])
	}
	return total, internal, strings.TrimPrefix(last[0], "INFO: "), true
}

type bazelSession struct {
	c     *config
	dir   string
	root  string
	flags []string
	log   *os.File
	pid   int // the Bazel server's, once started (startServer)
}

// startServer starts the workspace's Bazel server (not timed) and records
// its process, whose leftover work settle waits out.
func (s *bazelSession) startServer() {
	r := s.run("info", "server_pid")
	if r.err == nil {
		s.pid, _ = strconv.Atoi(strings.TrimSpace(lastLine(r.out)))
	}
	if s.pid <= 0 {
		// Builds are then timed without waiting for this server to settle:
		// say so where the run's Bazel output is kept.
		fmt.Fprintf(s.log, "bench: no server pid from bazel info server_pid (%v): no settling for %s\n", r.err, s.dir)
	}
}

// A Bazel server goes on working for a while after a command has returned
// (measured at N=1000: 190 to 360 ms of CPU within the next second, more
// after a genrule build than after a rules_tiny one). With two workspaces
// taking turns on a 2-CPU machine, that work lands on the other
// workspace's next build and is charged to it. So before each timed build
// every server of the size is let settle: until its CPU time stays still
// for settleQuiet windows of settleWindow (at most settleMax).
const (
	settleWindow = 100 * time.Millisecond
	settleQuiet  = 2
	settleMax    = 10 * time.Second
)

// settle waits until none of the servers uses the CPU (see settleWindow).
func settle(servers []*bazelSession) {
	for _, s := range servers {
		if s.pid <= 0 {
			continue
		}
		last, quiet := cpuTicks(s.pid), 0
		for deadline := time.Now().Add(settleMax); quiet < settleQuiet && time.Now().Before(deadline); {
			time.Sleep(settleWindow)
			now := cpuTicks(s.pid)
			if now < 0 {
				break // gone
			}
			if now-last <= 1 {
				quiet++
			} else {
				quiet = 0
			}
			last = now
		}
	}
}

// cpuTicks is a process's user+system CPU time in clock ticks, or -1.
func cpuTicks(pid int) int64 {
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/stat", pid))
	if err != nil {
		return -1
	}
	// The command name (field 2) may hold spaces: count from its ')'.
	i := bytes.LastIndexByte(b, ')')
	if i < 0 {
		return -1
	}
	f := strings.Fields(string(b[i+1:]))
	if len(f) < 13 {
		return -1
	}
	u, err1 := strconv.ParseInt(f[11], 10, 64)
	st, err2 := strconv.ParseInt(f[12], 10, 64)
	if err1 != nil || err2 != nil {
		return -1
	}
	return u + st
}

func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	if i := strings.LastIndexByte(s, '\n'); i >= 0 {
		return s[i+1:]
	}
	return s
}

func (s *bazelSession) startup() []string {
	return []string{"--output_user_root=" + s.root, "--max_idle_secs=600"}
}

// diskCacheDir holds Bazel's disk cache across workspaces and harness runs.
// Its purpose is the tiny tool itself, which rules_tiny builds from source
// inside Bazel (a go build action): paying that once instead of in every
// workspace's cold build keeps the per-target figures about the targets.
func diskCacheDir() string {
	d, err := os.UserCacheDir()
	if err != nil {
		d = os.TempDir()
	}
	return filepath.Join(d, "rules_tiny-bench", "disk-cache")
}

func (s *bazelSession) run(verb string, extra ...string) bazelRun {
	args := append(s.startup(), verb)
	if verb == "build" || verb == "test" {
		args = append(args, s.flags...)
		args = append(args, "--color=no", "--curses=no", "--show_progress_rate_limit=60")
	}
	args = append(args, extra...)
	if verb == "build" || verb == "test" {
		args = append(args, "//...")
	}
	c := exec.Command("bazel", args...)
	c.Dir = s.dir
	var out bytes.Buffer
	c.Stdout = &out
	c.Stderr = &out
	start := time.Now()
	err := c.Run()
	r := bazelRun{elapsed: time.Since(start)}
	if verb == "info" {
		r.out = out.String()
	}
	fmt.Fprintf(s.log, "$ bazel %s\n%s\n", strings.Join(args, " "), out.String())
	if err != nil {
		r.err = fmt.Errorf("bazel %s: %v: %s", verb, err, lastErrors(out.String()))
		return r
	}
	if t, in, line, ok := parseProcesses(out.String()); ok {
		r.processes, r.internal, r.detail = t, in, line
	} else {
		r.processes = -1
	}
	return r
}

// runProfiled is a build that also writes Bazel's JSON trace profile and
// reads its figures back (the file is removed: a no-op's is a few hundred
// kilobytes, and nothing else reads it).
func (s *bazelSession) runProfiled(tag string) bazelRun {
	path := filepath.Join(s.c.work, "profile-"+tag+".json")
	r := s.run("build", "--profile="+path)
	if r.err == nil {
		if p, err := readBazelProfile(path); err == nil {
			r.prof, r.profiled = p, 1
		} else {
			fmt.Fprintf(s.log, "profile: %v\n", err)
		}
	}
	os.Remove(path)
	return r
}

func lastErrors(out string) string {
	var errs []string
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "ERROR:") {
			errs = append(errs, l)
		}
	}
	if len(errs) == 0 {
		return firstLines(out, 3)
	}
	if len(errs) > 3 {
		errs = errs[:3]
	}
	return strings.Join(errs, " / ")
}

// ruleMnemonics finds the action mnemonics the rules declare and which of
// them declare worker support, so the harness follows the rules as they are.
func (c *config) ruleMnemonics() (all, workers []string) {
	seen := map[string]bool{}
	mre := regexp.MustCompile(`mnemonic\s*=\s*"([A-Za-z0-9_]+)"`)
	filepath.Walk(filepath.Join(c.src, "rules"), func(p string, info os.FileInfo, err error) error {
		if err != nil || info.IsDir() || !strings.HasSuffix(p, ".bzl") {
			return nil
		}
		b, _ := os.ReadFile(p)
		text := string(b)
		for _, m := range mre.FindAllStringSubmatch(text, -1) {
			if !seen[m[1]] {
				seen[m[1]] = true
				all = append(all, m[1])
			}
		}
		// Worker-capable: declared next to supports-workers, or passed to
		// the rules' shared action helper (run_tiny), which declares it.
		if strings.Contains(text, `"supports-workers"`) || strings.Contains(text, "run_tiny(") {
			for _, m := range mre.FindAllStringSubmatch(text, -1) {
				workers = append(workers, m[1])
			}
		}
		return nil
	})
	sort.Strings(all)
	sort.Strings(workers)
	workers = dedup(workers)
	return all, workers
}

func dedup(s []string) []string {
	var out []string
	for i, v := range s {
		if i == 0 || v != s[i-1] {
			out = append(out, v)
		}
	}
	return out
}

func (c *config) bazelScale(r *report, tg *targets) {
	r.h2("(e) Bazel scale (Bazel 4.2.3, offline)")
	if len(c.bazelNs) == 0 {
		r.p("Skipped (-bazel none).")
		tg.na("Bazel targets (issue 7)", "skipped")
		return
	}
	if !have("bazel") {
		r.p("bazel not installed: section skipped.")
		tg.na("Bazel targets (issue 7)", "bazel not installed")
		return
	}
	mnemonics, workerMn := c.ruleMnemonics()
	rulesReady := fileSize(filepath.Join(c.src, "rules", "defs.bzl")) > 0
	r.p(fmt.Sprintf("Each package: the seed program with its own message; rules_tiny: `asm_binary` + `tiny_image` + `size_test`; "+
		"baseline: three genrules (nasm + ld -N -s + strip; umoci init/new/insert/config + skopeo copy; a `stat` size check, since "+
		"sh_test needs more offline set-up than a user would write). `bazel build //...` with the offline Debian flags "+
		"(`build:debian` of .bazelrc), a fresh output base per workspace, default strategies (rules_tiny's actions declare supports-workers, so Bazel runs them in persistent workers, unsandboxed by default; genrules run in linux-sandbox), 2 jobs on this machine. "+
		"Cold = first build in a fresh output base with a running server (includes loading and analysis). "+
		"No-op = the same build again (%d times after %d warm-up no-ops, the median shown; the two workspaces of a size are up together and take turns, round by round, and before each timed build both servers are let settle, until neither has used the CPU for 0.2 s, since a Bazel server goes on working for up to a second after a command returns and that work would land on the other workspace's build; the first no-op after the cold build, while Bazel's server is still settling, is shown apart); \"executed\" counts processes from Bazel's `INFO: N processes` line minus internal ones. "+
		"Edit = one package's source changed (message byte), then build (%d times, each with a new message, taking turns likewise). "+
		"Rule mnemonics found in rules/: %s; declaring supports-workers: %s.", noopRounds, warmupRounds, editRounds, orNone(mnemonics), orNone(workerMn)))
	root := filepath.Join(c.work, "bazel-root")
	// Next to the report, so a failure can be read after the work
	// directory is gone.
	logPath := strings.TrimSuffix(c.out, ".md") + "-bazel.log"
	logf, err := os.Create(logPath)
	if err != nil {
		r.p("cannot write the bazel log: " + err.Error())
		return
	}
	defer logf.Close()

	var rows []bazelRow
	kinds := []wsKind{wsGenrule}
	if rulesReady {
		kinds = append([]wsKind{wsTiny}, kinds...)
	}
	cache := diskCacheDir()
	os.MkdirAll(cache, 0o755)
	if rulesReady {
		// One package with its own message: builds the toolchain into the
		// disk cache and shares no other action with the measured workspaces.
		dir := filepath.Join(c.work, "ws-warmup")
		saved := c.nonce
		c.nonce = "warm-up " + saved
		flags, err := c.writeWorkspace(dir, wsTiny, 1)
		c.nonce = saved
		if err == nil {
			s := &bazelSession{c: c, dir: dir, root: root, flags: append(flags, "--disk_cache="+cache), log: logf}
			c.logf("bazel: warm-up (toolchain build)")
			s.run("info", "output_base")
			// Results are written to the disk cache but never read from it:
			// the warm-up is a newcomer's first build (a fresh output base,
			// the tool compiled from source), every harness run.
			w := s.run("build", "--noremote_accept_cached")
			s.run("shutdown")
			os.RemoveAll(dir)
			if w.err != nil {
				r.p("Warm-up (rules_tiny toolchain build) failed: " + w.err.Error())
			} else {
				r.p(fmt.Sprintf("Warm-up, which is also the first use (what a newcomer waits for): a 1-package rules_tiny workspace built in a fresh output base "+
					"without reading any cache (`--noremote_accept_cached`), so Bazel sets up @tiny_host_go (the host Go SDK and its offline module proxy) "+
					"and builds the tiny tool from source (go build action, empty Go build cache): %s (%s). "+
					"Its results go to the shared disk cache %s, which all workspaces below use, so their cold builds fetch the tool instead of building it; "+
					"their own actions are cache misses (each harness run uses new messages).", ms(w.elapsed), w.detail, cache))
				tg.info("first use: a 1-package workspace in a fresh output base, no cache (tool built inside Bazel)", ms(w.elapsed))
			}
		}
	}
	for _, n := range c.bazelNs {
		// Both workspaces of a size are up at once, and their no-op and
		// edit samples alternate round by round: what the machine does
		// meanwhile (other load, file system state) then hits both alike.
		// Measured one workspace after the other, two runs ten minutes
		// apart gave 0.64x and 1.96x for the same code.
		type workspace struct {
			dir string
			s   *bazelSession
			rw  bazelRow
		}
		var wss []*workspace
		for _, kind := range kinds {
			dir := filepath.Join(c.work, fmt.Sprintf("ws-%s-%d", map[wsKind]string{wsTiny: "tiny", wsGenrule: "genrule"}[kind], n))
			flags, err := c.writeWorkspace(dir, kind, n)
			if err != nil {
				r.p("workspace generation failed: " + err.Error())
				continue
			}
			s := &bazelSession{c: c, dir: dir, root: root, flags: append(flags, "--disk_cache="+cache), log: logf}
			c.logf("bazel: %s, N=%d", kind, n)
			s.startServer()
			w := &workspace{dir: dir, s: s, rw: bazelRow{kind: kind, n: n}}
			w.rw.cold = s.run("build")
			wss = append(wss, w)
		}
		var ready []*workspace
		for _, w := range wss {
			if w.rw.cold.err == nil {
				ready = append(ready, w)
			}
		}
		// The first no-ops after a cold build are Bazel settling (its
		// server collects what thousands of actions left behind): they
		// are timed and shown apart, and the steady-state samples start
		// after warmupRounds of them. Several samples each, the median
		// reported: a no-op or a one-file edit is Bazel's own work of a
		// fraction of a second, which the noise of a shared machine can
		// double.
		var servers []*bazelSession
		for _, w := range ready {
			servers = append(servers, w.s)
		}
		firsts, _ := interleaved(len(ready), 1, func(k, _ int) bazelRun { settle(servers); return ready[k].s.run("build") })
		interleaved(len(ready), warmupRounds-1, func(k, _ int) bazelRun { settle(servers); return ready[k].s.run("build") })
		noops, noopSpreads := interleaved(len(ready), noopRounds, func(k, _ int) bazelRun {
			settle(servers)
			return ready[k].s.runProfiled(shortKind(ready[k].rw.kind))
		})
		edits, editSpreads := interleaved(len(ready), editRounds, func(k, i int) bazelRun {
			w := ready[k]
			os.WriteFile(filepath.Join(w.dir, pkgName(n/2), "hello.asm"), []byte(helloSource(n/2, byte('p'+i), wsNonce(c.nonce, w.rw.kind, n))), 0o644)
			settle(servers)
			return w.s.runProfiled(shortKind(w.rw.kind))
		})
		for k, w := range ready {
			w.rw.firstNoop = firsts[k]
			w.rw.noop, w.rw.noopSpread = noops[k], noopSpreads[k]
			w.rw.edit, w.rw.editSpread = edits[k], editSpreads[k]
			if w.rw.kind != wsTiny {
				continue
			}
			s, dir := w.s, w.dir
			w.rw.tested = s.run("test")
			if len(workerMn) > 0 {
				var nonW, withW []string
				for _, m := range workerMn {
					nonW = append(nonW, "--strategy="+m+"=linux-sandbox")
					withW = append(withW, "--strategy="+m+"=worker")
				}
				nonce := wsNonce(c.nonce, w.rw.kind, n)
				rewriteAll(dir, n, 'c', nonce)
				w.rw.nonW = s.run("build", nonW...)
				rewriteAll(dir, n, 'd', nonce)
				w.rw.withW = s.run("build", withW...)
				rewriteAll(dir, n, 'e', nonce)
				w.rw.withWS = s.run("build", append(withW, "--worker_sandboxing")...)
			}
		}
		for _, w := range wss {
			w.s.run("shutdown")
			// Drop the output base: 1000 packages of outputs add up.
			os.RemoveAll(w.dir)
			rows = append(rows, w.rw)
		}
		if c.checkpoint != nil {
			// A partial report, in case the run is stopped during a
			// long workspace.
			tmp := &report{}
			tmp.b.WriteString(r.String())
			ttg := &targets{rows: append([][]string(nil), tg.rows...)}
			c.renderBazel(tmp, ttg, rows, rulesReady, workerMn)
			tmp.p("**Partial report: the run was still going (Bazel section).**")
			tmp.h2("Targets so far")
			tmp.table([]string{"target", "measured", "status"}, ttg.rows)
			c.checkpoint(tmp.String())
		}
	}
	c.renderBazel(r, tg, rows, rulesReady, workerMn)
	c.workerScale(r, tg, root, logf)
	r.p(fmt.Sprintf("Full Bazel output: %s.", logPath))
}

// Samples of the no-op and one-file-edit builds per workspace, after
// warmupRounds no-ops that are not counted (the first of them is shown).
const (
	warmupRounds = 3
	noopRounds   = 15
	editRounds   = 7
)

// interleaved runs f(k, i) for each round i < rounds and, within it, each
// workspace k < n in turn, and returns each workspace's run of median time
// (or its first failure) and the range of its times, "min–max".
func interleaved(n, rounds int, f func(k, i int) bazelRun) ([]bazelRun, []string) {
	runs := make([][]bazelRun, n)
	failed := make([]*bazelRun, n)
	for i := 0; i < rounds; i++ {
		for k := 0; k < n; k++ {
			if failed[k] != nil {
				continue
			}
			r := f(k, i)
			if r.err != nil {
				failed[k] = &r
				continue
			}
			runs[k] = append(runs[k], r)
		}
	}
	med, spread := make([]bazelRun, n), make([]string, n)
	for k := range runs {
		if failed[k] != nil {
			med[k] = *failed[k]
			continue
		}
		rs := runs[k]
		var profs []bazelProfile
		for _, r := range rs {
			if r.profiled > 0 {
				profs = append(profs, r.prof)
			}
		}
		sort.Slice(rs, func(i, j int) bool { return rs[i].elapsed < rs[j].elapsed })
		med[k], spread[k] = rs[len(rs)/2], fmt.Sprintf("%s–%s", ms(rs[0].elapsed), ms(rs[len(rs)-1].elapsed))
		med[k].prof, med[k].profiled = medianProfile(profs), len(profs)
	}
	return med, spread
}

// bazelRow is one workspace size of one kind.
type bazelRow struct {
	kind       wsKind
	n          int
	cold       bazelRun
	firstNoop  bazelRun // the first no-op after the cold build
	noop       bazelRun
	noopSpread string // min–max of the samples
	edit       bazelRun
	editSpread string
	nonW       bazelRun // all sources changed, tiny actions without workers
	withW      bazelRun // all sources changed, tiny actions in workers
	withWS     bazelRun // same with --worker_sandboxing (rules_tiny's own .bazelrc)
	tested     bazelRun
}

// renderBazel writes the tables and targets for the rows measured so far.
func (c *config) renderBazel(r *report, tg *targets, rows []bazelRow, rulesReady bool, workerMn []string) {
	if !rulesReady {
		r.p("**rules_tiny workspace: not available** (rules/defs.bzl does not exist yet); only the genrule baseline was measured.")
	}
	cell := func(b bazelRun, n int) string {
		if b.err != nil {
			return "error: " + b.err.Error()
		}
		return fmt.Sprintf("%s (%s/target)", ms(b.elapsed), ms(b.elapsed/time.Duration(n)))
	}
	procs := func(b bazelRun) string {
		if b.err != nil || b.elapsed == 0 {
			return "–"
		}
		if b.processes < 0 {
			return "no summary line"
		}
		return fmt.Sprintf("%d (%s)", b.executed(), b.detail)
	}
	var trows [][]string
	for _, rw := range rows {
		trows = append(trows, []string{rw.kind.String(), fmt.Sprint(rw.n), cell(rw.cold, rw.n), procs(rw.cold), msOr(rw.firstNoop),
			withSpread(msOr(rw.noop), rw.noopSpread), procs(rw.noop), withSpread(msOr(rw.edit), rw.editSpread), procs(rw.edit)})
	}
	r.table([]string{"workspace", "N", "cold build (per target)", "cold: executed", "first no-op after the cold build",
		fmt.Sprintf("no-op (median of %d after %d warm-up builds, range)", noopRounds, warmupRounds), "no-op: executed",
		fmt.Sprintf("one-file edit (median of %d, range)", editRounds), "edit: executed"}, trows)

	// Bazel's own account of the same samples.
	var prows [][]string
	for _, rw := range rows {
		if rw.noop.profiled == 0 && rw.edit.profiled == 0 {
			continue
		}
		pr := func(b bazelRun) []string {
			if b.profiled == 0 {
				return []string{"–", "–", "–", "–", "–", "–"}
			}
			return []string{ms(b.prof.server), ms(b.prof.sources), ms(b.prof.outputs), ms(b.prof.analysis), ms(b.prof.plant), ms(b.prof.rest)}
		}
		row := append([]string{rw.kind.String(), fmt.Sprint(rw.n)}, pr(rw.noop)...)
		row = append(row, ms(rw.edit.prof.server))
		prows = append(prows, row)
	}
	if len(prows) > 0 {
		r.p("Bazel's own account of the same no-op and edit samples: each was run with `--profile`, and its JSON trace read back. " +
			"Server time runs from the trace's first event to the end of its last (it leaves out the client's start and its round trip, part of the wall time above); " +
			"of it, the check of source files for changes (`handleDiffs`), the check of every action output on disk (`detectModifiedOutputFiles`: one entry per output file, each file of a directory output, runfiles manifests), analysis (`runAnalysisPhase`), " +
			"and the execroot's planting (`plantSymlinkForest`: Bazel 4 deletes and re-creates, on every build, a symlink in the execroot for each top-level entry of the workspace, here the N package directories, the same work in both workspaces; " +
			"on ext4 its cost depends on the file system's state, and it grows from build to build in both), then the server time without it (each sample's own difference). Medians of each figure on its own.")
		r.table([]string{"workspace", "N", "no-op: server time", "no-op: source check", "no-op: output check", "no-op: analysis", "no-op: execroot planting", "no-op: server time less planting", "edit: server time"}, prows)
		var phrows [][]string
		for _, rw := range rows {
			if rw.noop.profiled == 0 {
				continue
			}
			row := []string{rw.kind.String(), fmt.Sprint(rw.n)}
			for _, d := range rw.noop.prof.phases {
				row = append(row, ms(d))
			}
			phrows = append(phrows, row)
		}
		r.p("The same no-op samples by Bazel's phases, from the trace's phase markers to the next (medians of each on its own): " +
			"init holds the source check; execution holds the output check and the walk over every action of the build.")
		r.table(append([]string{"workspace", "N"}, phaseLabels[:]...), phrows)
	}

	// Tests and worker comparison, rules_tiny only.
	var wrows [][]string
	for _, rw := range rows {
		if rw.kind != wsTiny {
			continue
		}
		t := "–"
		if rw.tested.elapsed > 0 {
			if rw.tested.err != nil {
				t = "error: " + rw.tested.err.Error()
			} else {
				t = ms(rw.tested.elapsed)
			}
		}
		nw, ww, ws, cut := "not measured (no rule declares supports-workers)", "", "", ""
		if rw.nonW.elapsed > 0 {
			nw, ww, ws = cell(rw.nonW, rw.n), cell(rw.withW, rw.n), cell(rw.withWS, rw.n)
			if rw.nonW.err == nil && rw.withW.err == nil {
				cut = fmt.Sprintf("%.0f%%", 100*(1-float64(rw.withW.elapsed)/float64(rw.nonW.elapsed)))
			}
		}
		wrows = append(wrows, []string{fmt.Sprint(rw.n), t, nw, ww, cut, ws})
	}
	if len(wrows) > 0 {
		r.p("rules_tiny: `bazel test //...` after the edit (runs the N size_tests), and a rebuild after changing every package's source (so every TinyBuild and TinyImage action runs again, with loading, analysis and the tool already done) with the worker-capable mnemonics forced to linux-sandbox (one sandboxed process per action), to worker (Bazel's default: workers not sandboxed), and to worker with `--worker_sandboxing` (what rules_tiny's own .bazelrc sets).")
		r.table([]string{"N", "bazel test //... (size_tests)", "all sources changed, one process per action", "all sources changed, persistent workers", "cut", "workers + --worker_sandboxing"}, wrows)
	}

	// Targets.
	var tinyRows []bazelRow
	for _, rw := range rows {
		if rw.kind == wsTiny && rw.cold.err == nil {
			tinyRows = append(tinyRows, rw)
		}
	}
	for _, rw := range rows {
		if rw.noop.elapsed > 0 && rw.noop.err == nil {
			tg.add(fmt.Sprintf("no-op rebuild runs zero actions: %s, N=%d", shortKind(rw.kind), rw.n), procs(rw.noop), rw.noop.executed() == 0)
		}
	}
	if len(tinyRows) >= 2 {
		a, b := tinyRows[0], tinyRows[len(tinyRows)-1]
		pa := a.cold.elapsed / time.Duration(a.n)
		pb := b.cold.elapsed / time.Duration(b.n)
		tg.add(fmt.Sprintf("per-target cold cost flat from N=%d to N=%d (within 1.25x)", a.n, b.n), fmt.Sprintf("%s → %s", ms(pa), ms(pb)), float64(pb) <= 1.25*float64(pa))
	} else {
		tg.na("per-target cost flat from 100 to 1000 targets", "needs the rules_tiny workspace at two sizes")
	}
	// Issue 12: rules_tiny against the genrule baseline of the same size,
	// measured in this run.
	base := map[int]bazelRow{}
	for _, rw := range rows {
		if rw.kind == wsGenrule && rw.cold.err == nil {
			base[rw.n] = rw
		}
	}
	within := func(what string, n int, a, b bazelRun) {
		if a.err != nil || b.err != nil || a.elapsed == 0 || b.elapsed == 0 {
			return
		}
		ratio := float64(a.elapsed) / float64(b.elapsed)
		tg.add(fmt.Sprintf("%s within 1.1x of the genrule baseline at N=%d", what, n), fmt.Sprintf("%s vs %s (%.2fx)", ms(a.elapsed), ms(b.elapsed), ratio), ratio <= 1.1)
	}
	for _, rw := range tinyRows {
		g, ok := base[rw.n]
		if !ok {
			continue
		}
		within("no-op build", rw.n, rw.noop, g.noop)
		within("one-file edit", rw.n, rw.edit, g.edit)
		if rw.noop.profiled > 0 && g.noop.profiled > 0 {
			tg.info(fmt.Sprintf("no-op at N=%d, Bazel's server time from its profile (rules_tiny vs genrules)", rw.n),
				fmt.Sprintf("%s vs %s (%.2fx)", ms(rw.noop.prof.server), ms(g.noop.prof.server), float64(rw.noop.prof.server)/float64(g.noop.prof.server)))
		}
		if rw.noop.profiled > 0 && g.noop.profiled > 0 {
			tg.info(fmt.Sprintf("no-op at N=%d, Bazel's server time less its execroot planting (rules_tiny vs genrules; the planting is the same work for both, its cost the file system's)", rw.n),
				fmt.Sprintf("%s vs %s (%.2fx); planting %s vs %s", ms(rw.noop.prof.rest), ms(g.noop.prof.rest), float64(rw.noop.prof.rest)/float64(g.noop.prof.rest), ms(rw.noop.prof.plant), ms(g.noop.prof.plant)))
		}
		if rw.edit.profiled > 0 && g.edit.profiled > 0 {
			tg.info(fmt.Sprintf("one-file edit at N=%d, Bazel's server time less its execroot planting (rules_tiny vs genrules)", rw.n),
				fmt.Sprintf("%s vs %s (%.2fx); planting %s vs %s", ms(rw.edit.prof.rest), ms(g.edit.prof.rest), float64(rw.edit.prof.rest)/float64(g.edit.prof.rest), ms(rw.edit.prof.plant), ms(g.edit.prof.plant)))
			tg.info(fmt.Sprintf("one-file edit at N=%d, Bazel's server time from its profile (rules_tiny vs genrules)", rw.n),
				fmt.Sprintf("%s vs %s (%.2fx)", ms(rw.edit.prof.server), ms(g.edit.prof.server), float64(rw.edit.prof.server)/float64(g.edit.prof.server)))
		}
		tg.info(fmt.Sprintf("cold build per target at N=%d (rules_tiny vs genrules)", rw.n), fmt.Sprintf("%s vs %s", ms(rw.cold.elapsed/time.Duration(rw.n)), ms(g.cold.elapsed/time.Duration(g.n))))
	}
	for _, rw := range tinyRows {
		if rw.n >= 1000 && rw.edit.err == nil {
			tg.add(fmt.Sprintf("one-file edit rebuild < 2 s at N=%d", rw.n), ms(rw.edit.elapsed), rw.edit.elapsed < 2*time.Second)
		}
		if rw.n >= 1000 && rw.withW.elapsed > 0 && rw.withW.err == nil && rw.nonW.err == nil {
			cut := 1 - float64(rw.withW.elapsed)/float64(rw.nonW.elapsed)
			tg.add(fmt.Sprintf("workers cut a full rebuild (all N sources changed) by ≥ 30%% at N=%d", rw.n), fmt.Sprintf("%.0f%% (%s → %s)", 100*cut, ms(rw.nonW.elapsed), ms(rw.withW.elapsed)), cut >= 0.30)
		}
	}
	if len(workerMn) == 0 {
		tg.na("workers cut the cold build by ≥ 30% at N=1000", "no rule declares supports-workers yet")
	}
}

func withSpread(v, spread string) string {
	if spread == "" {
		return v
	}
	return v + " (" + spread + ")"
}

func shortKind(k wsKind) string {
	if k == wsTiny {
		return "rules_tiny"
	}
	return "genrules"
}

func msOr(b bazelRun) string {
	if b.elapsed == 0 {
		return "–"
	}
	if b.err != nil {
		return "error: " + b.err.Error()
	}
	return ms(b.elapsed)
}

func orNone(s []string) string {
	if len(s) == 0 {
		return "none"
	}
	return strings.Join(s, ", ")
}
