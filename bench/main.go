// Command bench measures rules_tiny against what users do without it, side
// by side in one run, and writes a markdown report (issue 7):
//
//	go run ./bench                  # full run, writes bench/results.md
//	go run ./bench -smoke           # small N, a couple of minutes (CI)
//	go run ./bench -bazel 100,300   # choose the Bazel workspace sizes
//
// Sections: (a) output bytes per program, (b) time per build, (c) image
// bytes and time, (d) tool memory and growth with source size, (e) Bazel
// scale. Targets from issue 7 are printed next to the measured figures as
// met / not met; nothing here asserts a timing.
package main

import (
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

type config struct {
	repo     string
	src      string // the tree measured: a snapshot of HEAD, or repo with -worktree
	work     string
	out      string
	smoke    bool
	rounds   int
	bazelNs  []int
	tiny     string // the tool as the toolchain ships it: the core (-tags tiny_core)
	tinyFull string // the complete tool, "" if none
	// tinyShipped is tiny-full as the toolchains ship it beside the core
	// (-tags tiny_oci,tiny_nopush: image, index and size alone), which the
	// core hands those to and Bazel's image actions run; "" if none.
	tinyShipped string
	tinyCmds    map[string]bool
	gonop       string
	wkFloor     string // bench/workerfloor: the do-nothing persistent worker
	imgFloor    string // bench/imagefloor: writes tiny image's outputs, no image work
	imgLibFloor string // the same, linking the OCI libraries (-tags libs)
	peakRSS     string // the helper that measures a command's own peak RSS (see peakRSSOf)
	nonce       string // makes this run's Bazel sources unique
	// checkpoint writes a partial report (the long Bazel section calls it).
	checkpoint func(markdown string)
	log        io.Writer
}

func main() {
	os.Exit(benchMain(os.Args[1:], os.Stdout, os.Stderr))
}

func benchMain(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "write the markdown report here (default bench/results.md in the repository; -smoke: bench/results-smoke.md)")
	smoke := fs.Bool("smoke", false, "small and fast: few rounds, Bazel N=10 (for CI)")
	rounds := fs.Int("rounds", 0, "timed runs per pipeline (default 41, -smoke 7)")
	bazel := fs.String("bazel", "", `Bazel workspace sizes, comma-separated, or "none" (default 100,300,1000; -smoke 10)`)
	sections := fs.String("sections", "abcde", "which sections to run: a sizes, b times, c image, d memory, e bazel")
	tiny := fs.String("tiny", "", "tiny binary to measure (default: go build ./tools/cmd/tiny)")
	keep := fs.Bool("keep", false, "keep the work directory")
	worktree := fs.Bool("worktree", false, "measure the working tree as it is (default: a snapshot of the committed HEAD)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	repo, err := findRepo()
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	c := &config{repo: repo, smoke: *smoke, rounds: *rounds, log: stderr, nonce: strconv.FormatInt(time.Now().UnixNano(), 36)}
	if c.rounds == 0 {
		c.rounds = 41
		if c.smoke {
			c.rounds = 7
		}
	}
	bz := *bazel
	if bz == "" {
		bz = "100,300,1000"
		if c.smoke {
			bz = "10"
		}
	}
	if bz != "none" {
		for _, f := range strings.Split(bz, ",") {
			n, err := strconv.Atoi(strings.TrimSpace(f))
			if err != nil || n < 1 {
				fmt.Fprintf(stderr, "bench: bad -bazel value %q\n", f)
				return 2
			}
			c.bazelNs = append(c.bazelNs, n)
		}
	}
	c.out = *out
	if c.out == "" {
		c.out = filepath.Join(repo, "bench", "results.md")
		if c.smoke {
			c.out = filepath.Join(repo, "bench", "results-smoke.md")
		}
	}
	c.work, err = os.MkdirTemp("", "tiny-bench-")
	if err != nil {
		fmt.Fprintln(stderr, "bench:", err)
		return 1
	}
	// Programs are run as an unprivileged user (see runBinary): it must be
	// able to reach them.
	os.Chmod(c.work, 0o755)
	if !*keep {
		defer os.RemoveAll(c.work)
	} else {
		fmt.Fprintln(stderr, "bench: work directory", c.work)
	}

	// Measure a snapshot of the committed tree, not files other people are
	// editing right now: the tool and the Bazel rules stay the same for the
	// whole run, and the report names the commit it measured.
	c.src = repo
	if !*worktree {
		c.src = filepath.Join(c.work, "src")
		if err := snapshot(repo, c.src); err != nil {
			fmt.Fprintln(stderr, "bench: snapshot of HEAD:", err)
			return 1
		}
	}

	start := time.Now()
	r := &report{}
	r.h1("rules_tiny benchmarks")
	mode := "full"
	if c.smoke {
		mode = "smoke (small N, few rounds: figures are indicative only)"
	}
	cmdline := "go run ./bench " + strings.Join(args, " ")
	r.p(fmt.Sprintf("Command: `%s` (mode: %s). Every figure below comes from this one run.", strings.TrimSpace(cmdline), mode))
	r.table([]string{"machine", ""}, rowsOf(machine(repo, *worktree)))

	c.setupTiny(*tiny, r)
	if err := c.buildGoNop(); err != nil {
		r.p("do-nothing Go program: not available: " + err.Error())
	}
	if c.wkFloor, err = c.buildFloor("workerfloor"); err != nil {
		r.p("do-nothing persistent worker: not available: " + err.Error())
	}
	if c.imgFloor, err = c.buildFloor("imagefloor"); err != nil {
		r.p("image floor: not available: " + err.Error())
	}
	if c.imgLibFloor, err = c.buildFloor("imagefloor", "-tags", "libs"); err != nil {
		r.p("image floor with the OCI libraries: not available: " + err.Error())
	}
	if err := c.buildPeakRSS(); err != nil {
		r.p("peak RSS helper: not available (RSS figures are the harness's way, a floor of its own size): " + err.Error())
	}

	c.checkpoint = func(md string) {
		if os.MkdirAll(filepath.Dir(c.out), 0o755) == nil {
			writeFileAtomic(c.out, []byte(md))
		}
	}
	tg := &targets{}
	var sz *sizeResults
	if strings.Contains(*sections, "a") || strings.Contains(*sections, "b") {
		sz = c.sizesAndTimes(r, tg, strings.Contains(*sections, "a"), strings.Contains(*sections, "b"))
	}
	if strings.Contains(*sections, "c") {
		c.images(r, tg, sz)
	}
	if strings.Contains(*sections, "d") {
		c.memory(r, tg)
	}
	c.checkpoint(r.String() + "**Partial report: the run was still going.**\n")
	if strings.Contains(*sections, "e") {
		c.bazelScale(r, tg)
	}
	r.h2("Targets (issues 2, 3, 7 and 12)")
	r.table([]string{"target", "measured", "status"}, tg.rows)
	r.p(fmt.Sprintf("Harness wall time: %s. Load average at the end (1/5/15 min): %s on %d CPUs.", time.Since(start).Round(time.Second), loadAvg(), runtime.NumCPU()))

	if st, err := os.Stat(os.DevNull); err == nil && st.Mode()&os.ModeCharDevice == 0 {
		// Seen on the shared development machines: some tool renamed a
		// file over /dev/null, which breaks every pipeline silently.
		r.p("**Warning: /dev/null is not a character device on this machine**; outputs written \"to /dev/null\" were kept, and tools reading it saw data. Recreate it (`rm /dev/null && mknod -m 666 /dev/null c 1 3`) and run again.")
	}
	text := r.String()
	io.WriteString(stdout, text)
	if err := os.MkdirAll(filepath.Dir(c.out), 0o755); err == nil {
		err = writeFileAtomic(c.out, []byte(text))
		if err != nil {
			fmt.Fprintln(stderr, "bench:", err)
			return 1
		}
		fmt.Fprintln(stderr, "bench: wrote", c.out)
	}
	return 0
}

func writeFileAtomic(path string, data []byte) error {
	tmp, err := os.CreateTemp(filepath.Dir(path), ".results-*")
	if err != nil {
		return err
	}
	if _, err := tmp.Write(data); err != nil {
		tmp.Close()
		os.Remove(tmp.Name())
		return err
	}
	tmp.Close()
	os.Chmod(tmp.Name(), 0o644)
	return os.Rename(tmp.Name(), path)
}

func findRepo() (string, error) {
	dir, err := os.Getwd()
	if err != nil {
		return "", err
	}
	for {
		if b, err := os.ReadFile(filepath.Join(dir, "go.mod")); err == nil && strings.Contains(string(b), "module github.com/rules-tiny/rules_tiny") {
			return dir, nil
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return "", fmt.Errorf("run from inside the rules_tiny repository")
		}
		dir = parent
	}
}

func (c *config) logf(format string, args ...any) {
	fmt.Fprintf(c.log, "bench: "+format+"\n", args...)
}

// goBuildFlags are the toolchain's (rules/private/host_go.bzl): no cgo, no
// paths, no build IDs. The do-nothing Go program is built the same way.
var goBuildFlags = []string{"-trimpath", "-buildvcs=false", "-ldflags=-buildid="}

func goBuild(dir, out string, args ...string) error {
	b := exec.Command("go", append(append(append([]string{"build"}, goBuildFlags...), "-o", out), args...)...)
	b.Dir = dir
	b.Env = append(os.Environ(), "CGO_ENABLED=0")
	if out, err := b.CombinedOutput(); err != nil {
		return fmt.Errorf("%v: %s", err, firstLines(string(out), 3))
	}
	return nil
}

// setupTiny builds the tool as the toolchain ships it (or takes -tiny) and
// learns which subcommands exist, so a missing one is reported as "not
// available" instead of failing the whole run: the core as tiny
// (-tags tiny_core) and beside it tiny-full, the OCI half without push
// (-tags tiny_oci,tiny_nopush), to which the core hands image, index and
// size; and, apart, the complete tool.
func (c *config) setupTiny(path string, r *report) {
	c.tinyCmds = map[string]bool{}
	if path == "" {
		path = filepath.Join(c.work, "bin", "tiny")
		shipped := filepath.Join(c.work, "bin", "tiny-full")
		complete := filepath.Join(c.work, "bin", "complete", "tiny-full")
		if err := goBuild(c.src, path, "-tags", "tiny_core", "./tools/cmd/tiny"); err != nil {
			r.p("**tiny: not available** (go build -tags tiny_core ./tools/cmd/tiny failed: " + err.Error() + ")")
			return
		}
		if err := goBuild(c.src, shipped, "-tags", "tiny_oci,tiny_nopush", "./tools/cmd/tiny"); err == nil {
			c.tinyShipped = shipped
		} else {
			r.p("**tiny-full: not available** (go build -tags tiny_oci,tiny_nopush ./tools/cmd/tiny failed: " + err.Error() + ")")
		}
		if err := goBuild(c.src, complete, "./tools/cmd/tiny"); err == nil {
			c.tinyFull = complete
		} else {
			r.p("the complete tool: not available (go build ./tools/cmd/tiny failed: " + err.Error() + ")")
		}
	} else if full := filepath.Join(filepath.Dir(path), "tiny-full"); fileSize(full) > 0 {
		c.tinyFull = full
	}
	out, _ := exec.Command(path, "help").CombinedOutput()
	for _, line := range strings.Split(string(out), "\n") {
		if strings.HasPrefix(line, "  ") {
			if f := strings.Fields(line); len(f) > 0 {
				c.tinyCmds[f[0]] = true
			}
		}
	}
	c.tiny = path
	var names []string
	for _, n := range []string{"asm", "link", "build", "strip", "image", "index", "size", "push"} {
		if c.tinyCmds[n] {
			names = append(names, n)
		} else {
			names = append(names, n+" (not available)")
		}
	}
	tool := fmt.Sprintf("`tiny` (%d bytes)", fileSize(path))
	if c.tinyShipped != "" {
		tool = fmt.Sprintf("`tiny`, the core that links asm, link, build and strip (go build -tags tiny_core, %d bytes), and beside it `tiny-full`, the half that the core runs image, index and size from (-tags tiny_oci,tiny_nopush, %d bytes), as the toolchains ship them; the complete tool (every subcommand, %d bytes) apart; all built as the toolchains build them (CGO_ENABLED=0 %s)",
			fileSize(path), fileSize(c.tinyShipped), fileSize(c.tinyFull), strings.Join(goBuildFlags, " "))
	} else if c.tinyFull != "" {
		tool = fmt.Sprintf("`tiny` (%d bytes) and beside it `tiny-full` (%d bytes)", fileSize(path), fileSize(c.tinyFull))
	}
	r.p(fmt.Sprintf("tiny subcommands: %s. Tool: %s.", strings.Join(names, ", "), tool))
}

func (c *config) has(sub string) bool { return c.tiny != "" && c.tinyCmds[sub] }

// buildGoNop compiles the process start-up floor: a Go program that reads
// its input file and writes it out, nothing else.
func (c *config) buildGoNop() error {
	dir := filepath.Join(c.work, "gonop")
	os.MkdirAll(dir, 0o755)
	src := "package main\n\nimport \"os\"\n\nfunc main() {\n\tb, err := os.ReadFile(os.Args[1])\n\tif err != nil {\n\t\tos.Exit(1)\n\t}\n\tif os.WriteFile(os.Args[2], b, 0o755) != nil {\n\t\tos.Exit(1)\n\t}\n}\n"
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(src), 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module gonop\n\ngo 1.21\n"), 0o644)
	if err := goBuild(dir, "gonop", "."); err != nil {
		return fmt.Errorf("go build: %v", err)
	}
	c.gonop = filepath.Join(dir, "gonop")
	return nil
}

// buildFloor compiles a floor program of the bench (bench/NAME) into the
// work directory: bench/workerfloor, tiny's worker protocol loop with a
// request that only copies a file; bench/imagefloor, a fresh process that
// writes tiny image's outputs with no image work (flags: -tags libs, the
// same linking the OCI libraries).
func (c *config) buildFloor(name string, flags ...string) (string, error) {
	out := filepath.Join(c.work, "bin", name+strings.Join(flags, ""))
	if err := goBuild(c.src, out, append(flags, "./bench/"+name)...); err != nil {
		return "", fmt.Errorf("go build: %v", err)
	}
	return out, nil
}

// peakRSSSource runs a command and prints its peak RSS in KiB. Linux puts
// in a child's ru_maxrss the peak of the process image it replaced at exec,
// and a child of the harness starts as a copy of the harness (some 10 MiB):
// started from this small program instead, a tool is measured at its own
// size down to this program's, about 2 MiB.
const peakRSSSource = `package main

import (
	"fmt"
	"os"
	"os/exec"
	"syscall"
)

func main() {
	c := exec.Command(os.Args[1], os.Args[2:]...)
	c.Stdout, c.Stderr = os.Stdout, os.Stderr
	if err := c.Run(); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	fmt.Fprintln(os.Stderr, "peak-rss-kib", c.ProcessState.SysUsage().(*syscall.Rusage).Maxrss)
}
`

func (c *config) buildPeakRSS() error {
	dir := filepath.Join(c.work, "peakrss")
	os.MkdirAll(dir, 0o755)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte(peakRSSSource), 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module peakrss\n\ngo 1.21\n"), 0o644)
	if err := goBuild(dir, "peakrss", "."); err != nil {
		return fmt.Errorf("go build: %v", err)
	}
	c.peakRSS = filepath.Join(dir, "peakrss")
	return nil
}

// peakRSSOf runs s once through the peak RSS helper and returns its own
// peak RSS in KiB (0 when it cannot).
func (c *config) peakRSSOf(dir string, s step) int64 {
	if c.peakRSS == "" {
		return 0
	}
	cmd := exec.Command(c.peakRSS, s.argv...)
	cmd.Dir = dir
	var errb strings.Builder
	cmd.Stderr = &errb
	if cmd.Run() != nil {
		return 0
	}
	var kib int64
	for _, line := range strings.Split(errb.String(), "\n") {
		if _, err := fmt.Sscanf(line, "peak-rss-kib %d", &kib); err == nil {
			return kib
		}
	}
	return 0
}

func rowsOf(kv [][2]string) [][]string {
	var rows [][]string
	for _, p := range kv {
		rows = append(rows, []string{p[0], p[1]})
	}
	return rows
}

// report accumulates markdown.
type report struct{ b strings.Builder }

func (r *report) h1(s string) { fmt.Fprintf(&r.b, "# %s\n\n", s) }
func (r *report) h2(s string) { fmt.Fprintf(&r.b, "## %s\n\n", s) }
func (r *report) h3(s string) { fmt.Fprintf(&r.b, "### %s\n\n", s) }
func (r *report) p(s string)  { fmt.Fprintf(&r.b, "%s\n\n", s) }
func (r *report) table(head []string, rows [][]string) {
	esc := func(s string) string { return strings.ReplaceAll(s, "|", "\\|") }
	var hs, seps []string
	for _, h := range head {
		hs = append(hs, esc(h))
		seps = append(seps, "---")
	}
	fmt.Fprintf(&r.b, "| %s |\n|%s|\n", strings.Join(hs, " | "), strings.Join(seps, "|"))
	for _, row := range rows {
		var cs []string
		for _, c := range row {
			cs = append(cs, esc(c))
		}
		fmt.Fprintf(&r.b, "| %s |\n", strings.Join(cs, " | "))
	}
	r.b.WriteString("\n")
}
func (r *report) String() string { return r.b.String() }

// targets collects the issue targets with their measured values.
type targets struct{ rows [][]string }

func (t *targets) add(target, measured string, met bool) {
	status := "not met"
	if met {
		status = "met"
	}
	t.rows = append(t.rows, []string{target, measured, status})
}

// info is a figure without a pass mark in this run (compared across runs).
func (t *targets) info(target, measured string) {
	t.rows = append(t.rows, []string{target, measured, "measured"})
}

func (t *targets) na(target, why string) {
	t.rows = append(t.rows, []string{target, why, "not measured"})
}

// snapshot extracts the committed HEAD of repo into dir.
func snapshot(repo, dir string) error {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	archive := exec.Command("git", "-C", repo, "archive", "--format=tar", "HEAD")
	extract := exec.Command("tar", "-x", "-C", dir)
	pipe, err := archive.StdoutPipe()
	if err != nil {
		return err
	}
	extract.Stdin = pipe
	var errb strings.Builder
	archive.Stderr = &errb
	extract.Stderr = &errb
	if err := extract.Start(); err != nil {
		return err
	}
	if err := archive.Run(); err != nil {
		return fmt.Errorf("git archive: %v: %s", err, errb.String())
	}
	if err := extract.Wait(); err != nil {
		return fmt.Errorf("tar: %v: %s", err, errb.String())
	}
	return nil
}
