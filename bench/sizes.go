package main

import (
	"bufio"
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"github.com/rules-tiny/rules_tiny/tools/worker"
)

// builder is one way to turn a program's source into an executable.
type builder struct {
	name  string
	short string // column header
	needs []string
	steps func(p program, src, out string) []step
	tiny  bool // needs tiny build
}

func (c *config) builders() []builder {
	gcc := func(extra ...string) func(p program, src, out string) []step {
		return func(p program, src, out string) []step {
			fmtFlag, m := "elf64", []string{}
			if p.bits == 32 {
				fmtFlag, m = "elf32", []string{"-m32"}
			}
			g := append([]string{"gcc"}, m...)
			g = append(g, "-static", "-Os", "-nostartfiles", "-fno-asynchronous-unwind-tables")
			g = append(g, extra...)
			g = append(g, "-o", out, out+".o")
			return []step{
				cmd("nasm", "-f", fmtFlag, "-o", out+".o", src),
				{argv: g},
				cmd("strip", "-R", ".comment", "-s", out),
			}
		}
	}
	return []builder{
		{name: "tiny build", short: "tiny", tiny: true, steps: func(p program, src, out string) []step {
			return []step{cmd(c.tiny, "build", "-o", out, src)}
		}},
		{name: "tiny build --compact", short: "tiny --compact", tiny: true, steps: func(p program, src, out string) []step {
			return []step{cmd(c.tiny, "build", "--compact", "-o", out, src)}
		}},
		{name: "nasm + gcc -static -Os -nostartfiles + strip (today's defaults)", short: "nasm+gcc+strip", needs: []string{"nasm", "gcc", "strip"}, steps: gcc()},
		{name: "same with -Wl,-z,noseparate-code (the 2019 layout)", short: "…+noseparate-code", needs: []string{"nasm", "gcc", "strip"}, steps: gcc("-Wl,-z,noseparate-code")},
		{name: "nasm + ld -N -s", short: "nasm+ld -N -s", needs: []string{"nasm", "ld"}, steps: func(p program, src, out string) []step {
			if p.bits == 32 {
				return []step{cmd("nasm", "-f", "elf32", "-o", out+".o", src), cmd("ld", "-m", "elf_i386", "-N", "-s", "-o", out, out+".o")}
			}
			return []step{cmd("nasm", "-f", "elf64", "-o", out+".o", src), cmd("ld", "-N", "-s", "-o", out, out+".o")}
		}},
	}
}

func (c *config) available(b builder) (bool, string) {
	if b.tiny && !c.has("build") {
		return false, "not available"
	}
	for _, t := range b.needs {
		if !have(t) {
			return false, t + " not installed"
		}
	}
	return true, ""
}

// sizeResults is kept for the image section (which executable to pack).
type sizeResults struct {
	seedTiny string // the seed program built by tiny build, if it worked
	seedLd   string // the seed program built by nasm + ld -N -s
	seedGcc  string // ... by the 2019 recipe (noseparate-code)
}

type behaviour struct {
	stdout string
	exit   int
}

func (c *config) sizesAndTimes(r *report, tg *targets, doSizes, doTimes bool) *sizeResults {
	res := &sizeResults{}
	progs := sizePrograms()
	bs := c.builders()
	type cell struct {
		size int64
		note string
	}
	sizes := map[string]map[string]cell{}
	outs := map[string]map[string]string{}
	for _, p := range progs {
		dir := filepath.Join(c.work, "progs", sanitize(p.name))
		os.MkdirAll(dir, 0o755)
		src := filepath.Join(dir, "src.asm")
		os.WriteFile(src, []byte(p.source), 0o644)
		sizes[p.name] = map[string]cell{}
		outs[p.name] = map[string]string{}
		var ref *behaviour
		// Reference behaviour: nasm + ld -N -s, built first.
		order := append([]builder{bs[len(bs)-1]}, bs[:len(bs)-1]...)
		for _, b := range order {
			if ok, why := c.available(b); !ok {
				sizes[p.name][b.name] = cell{-1, why}
				continue
			}
			out := filepath.Join(dir, sanitize(b.short))
			if _, err := runSteps(dir, b.steps(p, src, out)...); err != nil {
				sizes[p.name][b.name] = cell{-1, "error: " + err.Error()}
				continue
			}
			os.Chmod(out, 0o755)
			st, err := os.Stat(out)
			if err != nil {
				sizes[p.name][b.name] = cell{-1, "no output"}
				continue
			}
			stdout, exit, err := runBinary(out)
			note := ""
			switch {
			case errors.Is(err, errEmulatorRefused):
				note = err.Error()
			case err != nil:
				note = "does not run: " + err.Error()
			case ref == nil:
				ref = &behaviour{stdout, exit}
			case stdout != ref.stdout || exit != ref.exit:
				note = fmt.Sprintf("WRONG behaviour: exit %d, %d bytes of output (want exit %d, %d bytes)", exit, len(stdout), ref.exit, len(ref.stdout))
			}
			sizes[p.name][b.name] = cell{st.Size(), note}
			if note == "" {
				outs[p.name][b.name] = out
			}
		}
	}
	seed := progs[0].name
	res.seedTiny = outs[seed]["tiny build"]
	res.seedLd = outs[seed]["nasm + ld -N -s"]
	res.seedGcc = outs[seed]["same with -Wl,-z,noseparate-code (the 2019 layout)"]

	if doSizes {
		r.h2("(a) Output bytes per program")
		r.p("Each executable is run (as uid 65534) and its stdout and exit status compared with the nasm + ld -N -s build; a mismatch is flagged. 64-bit programs use the same gcc recipe without -m32.")
		head := []string{"program", "lines"}
		for _, b := range bs {
			head = append(head, b.short)
		}
		var rows [][]string
		var notes []string
		for _, p := range progs {
			row := []string{p.name, fmt.Sprint(p.lines())}
			for _, b := range bs {
				cl := sizes[p.name][b.name]
				s := "–"
				if cl.size >= 0 {
					s = fmt.Sprintf("%d", cl.size)
				}
				if cl.note != "" {
					notes = append(notes, fmt.Sprintf("%s / %s: %s", p.name, b.short, cl.note))
					if cl.size < 0 {
						s = "n/a"
					}
					s += fmt.Sprintf(" [%d]", len(notes))
				}
				row = append(row, s)
			}
			rows = append(rows, row)
		}
		r.table(head, rows)
		for i, n := range notes {
			r.p(fmt.Sprintf("[%d] %s", i+1, n))
		}
		if cl := sizes[seed]["tiny build"]; cl.size >= 0 && cl.note == "" {
			tg.add("seed program, tiny build default ≤ 130 B and runs (issue 2)", fmt.Sprintf("%d B", cl.size), cl.size <= 130)
		} else {
			tg.na("seed program, tiny build default ≤ 130 B (issue 2)", "tiny build: "+cl.note)
		}
		if cl := sizes[seed]["tiny build --compact"]; cl.size >= 0 && cl.note == "" {
			tg.add("seed program, tiny build --compact ≤ 100 B and runs as non-root (issue 2)", fmt.Sprintf("%d B", cl.size), cl.size <= 100)
		} else {
			tg.na("seed program, tiny build --compact ≤ 100 B (issue 2)", "tiny build --compact: "+cl.note)
		}
		if cl := sizes[progs[1].name]["tiny build"]; cl.size >= 0 && cl.note == "" {
			obj := filepath.Join(c.work, "progs", sanitize(progs[1].name), sanitize("nasm+ld -N -s")+".o")
			if payload, err := loadedBytes(obj); err == nil {
				tg.add("x86-64 hello ≤ 120 B + its code and data (issue 2)", fmt.Sprintf("%d B (code+data %d B, so ≤ %d)", cl.size, payload, 120+payload), cl.size <= 120+payload)
			}
		}
	}
	if doTimes {
		c.buildTimes(r, tg, progs, bs, sizes, func(p, b string) bool { return sizes[p][b].note == "" })
	}
	return res
}

func (c *config) buildTimes(r *report, tg *targets, progs []program, bs []builder, _ any, ok func(prog, builder string) bool) {
	r.h2("(b) Time per build")
	r.p(fmt.Sprintf("Wall time of the whole pipeline per build (fresh processes each time), %d timed runs after 2 warm-ups, "+
		"all pipelines of a program interleaved round by round so machine noise hits them alike. "+
		"Median, p10–p90, and each pipeline's median against `tiny build`'s. "+
		"\"Go start-up floor\" is a Go program that only reads the source and writes it out. "+
		"\"tiny build, persistent worker\" is one request to a running `tiny build --persistent_worker` "+
		"(Bazel's protocol over pipes: what an action costs Bazel once the worker is up), after the other pipelines of the round ran: "+
		"the worker wakes with cold caches, as for an action that comes alone. "+
		fmt.Sprintf("\"back to back\" is a request among %d sent one after the other, as Bazel sends a busy worker its queued actions (each request timed, outputs deleted between them). ", burstLen)+
		"\"do-nothing persistent worker\" runs the same protocol loop as tiny (tools/worker) with a request that only copies the source to -o: what the machine charges a worker request before any assembling (pipe round trip, waking the worker, two file operations). "+
		"Each pipeline's outputs are deleted before each run, outside the timing, as Bazel deletes an action's outputs before running it "+
		"(replacing an existing file costs some file systems a flush: ext4 writes back a file renamed or truncated over another). "+
		"\"the complete tool's build\" is one binary with every subcommand, for comparison with the core that ships as `tiny`.", c.rounds))
	seedRatios := map[string]time.Duration{}
	for pi, p := range progs {
		dir := filepath.Join(c.work, "progs", sanitize(p.name))
		src := filepath.Join(dir, "src.asm")
		var ps []*timed
		for _, b := range bs[:1] { // tiny build default first
			if ok(p.name, b.name) {
				b := b
				out := filepath.Join(dir, "t-"+sanitize(b.short))
				ps = append(ps, &timed{name: b.name, run: func() (runResult, error) {
					removeOutputs(out)
					return runSteps(dir, b.steps(p, src, out)...)
				}})
			}
		}
		if c.tinyFull != "" && pi == 0 && ok(p.name, "tiny build") {
			out := filepath.Join(dir, "t-full")
			ps = append(ps, &timed{name: "the complete tool's build (one binary with every subcommand)", run: func() (runResult, error) {
				removeOutputs(out)
				return runSteps(dir, cmd(c.tinyFull, "build", "-o", out, src))
			}})
		}
		var wk *workerClient
		if c.has("build") && ok(p.name, "tiny build") {
			var err error
			wk, err = startWorkerClient(c.tiny, dir, "build")
			if err == nil {
				out := filepath.Join(dir, "t-worker")
				ps = append(ps, &timed{name: "tiny build, persistent worker (per request)", run: func() (runResult, error) {
					removeOutputs(out)
					return wk.call("-o", out, src)
				}})
				ps = append(ps, &timed{name: workerBurstName, run: func() (runResult, error) {
					return wk.burst(func() { removeOutputs(out) }, "-o", out, src)
				}})
			}
		}
		var floor *workerClient
		if wk != nil && c.wkFloor != "" {
			var err error
			floor, err = startWorkerClient(c.wkFloor, dir, "build")
			if err == nil {
				out := filepath.Join(dir, "t-wfloor")
				ps = append(ps, &timed{name: workerFloorName, run: func() (runResult, error) {
					return floor.burst(func() { removeOutputs(out) }, "-o", out, src)
				}})
			}
		}
		if c.tiny != "" && pi == 0 {
			// What the tool's process costs before doing any work: Go
			// start-up plus every linked package's init.
			ps = append(ps, &timed{name: "tiny start-up only (`tiny help`)", run: func() (runResult, error) {
				return runSteps(dir, cmd(c.tiny, "help"))
			}})
		}
		if c.gonop != "" {
			out := filepath.Join(dir, "t-gonop")
			ps = append(ps, &timed{name: "Go start-up floor (read + write a file)", run: func() (runResult, error) {
				removeOutputs(out)
				return runSteps(dir, cmd(c.gonop, src, out))
			}})
		}
		for _, b := range bs[1:] {
			if ok(p.name, b.name) {
				b := b
				out := filepath.Join(dir, "t-"+sanitize(b.short))
				ps = append(ps, &timed{name: b.name, run: func() (runResult, error) {
					removeOutputs(out)
					return runSteps(dir, b.steps(p, src, out)...)
				}})
			}
		}
		rounds := c.rounds
		if pi >= 3 && rounds > 21 {
			rounds = 21 // larger programs: fewer rounds, each takes longer
		}
		measureInterleaved(rounds, 2, ps)
		if wk != nil {
			wk.close()
		}
		if floor != nil {
			floor.close()
		}
		var tinyMed time.Duration
		for _, t := range ps {
			if t.name == "tiny build" && t.err == nil {
				tinyMed = t.times.median()
			}
		}
		r.h3(fmt.Sprintf("%s (%d lines, %d-bit)", p.name, p.lines(), p.bits))
		var rows [][]string
		for _, t := range ps {
			if t.err != nil {
				rows = append(rows, []string{t.name, "error: " + t.err.Error(), "", ""})
				continue
			}
			rows = append(rows, []string{t.name, ms(t.times.median()), t.times.spread(), ratio(t.times.median(), tinyMed)})
			if pi == 0 {
				seedRatios[t.name] = t.times.median()
			}
		}
		if !c.has("build") {
			rows = append(rows, []string{"tiny build", "not available", "", ""})
		}
		r.table([]string{"pipeline", "median", "p10–p90", "vs tiny build"}, rows)
	}
	// Targets on the seed program.
	tb := seedRatios["tiny build"]
	nop := seedRatios["Go start-up floor (read + write a file)"]
	gcc := seedRatios["nasm + gcc -static -Os -nostartfiles + strip (today's defaults)"]
	wk := seedRatios[workerBurstName]
	wkCold := seedRatios["tiny build, persistent worker (per request)"]
	wkFloor := seedRatios[workerFloorName]
	if tb > 0 && nop > 0 {
		tg.add("seed: tiny build within 1.5x of the do-nothing Go program (issue 12)", fmt.Sprintf("%s vs %s = %s", ms(tb), ms(nop), ratio(tb, nop)), float64(tb) <= 1.5*float64(nop))
	} else {
		tg.na("seed: tiny build within 1.5x of the do-nothing Go program (issue 12)", "tiny build not available")
	}
	if tb > 0 && gcc > 0 {
		tg.add("seed: tiny build ≥ 5x faster than nasm + gcc + strip", fmt.Sprintf("%s vs %s = %s faster", ms(tb), ms(gcc), ratio(gcc, tb)), float64(gcc) >= 5*float64(tb))
	} else {
		tg.na("seed: tiny build ≥ 5x faster than nasm + gcc + strip", "tiny build not available")
	}
	if wk > 0 && gcc > 0 {
		tg.add("seed: per program in a worker ≤ 0.3 ms and ≥ 50x faster than nasm + gcc + strip (issue 12)",
			fmt.Sprintf("back to back %s vs %s = %s faster (a request alone, cold: %s = %s faster)", ms(wk), ms(gcc), ratio(gcc, wk), ms(wkCold), ratio(gcc, wkCold)),
			wk <= 300*time.Microsecond && float64(gcc) >= 50*float64(wk))
		if wkFloor > 0 {
			tg.info("seed: worker request against the do-nothing worker's (the floor on this machine: protocol round trip and file copy)",
				fmt.Sprintf("%s vs %s (%s); the floor alone is %s faster than nasm + gcc + strip", ms(wk), ms(wkFloor), ratio(wk, wkFloor), ratio(gcc, wkFloor)))
			if own, err := c.inProcessSeedBuild(); err != nil {
				tg.info("seed: tiny's own work per build, in process", "not measured: "+err.Error())
			} else {
				tg.info("seed: tiny's own work per build, in process (go test -bench SeedBuild on the measured tree, hot caches), and the floor plus it",
					fmt.Sprintf("%s; floor + own work = %s against the request's %s (what a request adds beyond both: cold caches after the round's other pipelines)",
						ms(own), ms(wkFloor+own), ms(wk)))
			}
		}
	} else {
		tg.na("seed: per program in a worker ≤ 0.3 ms and ≥ 50x faster than nasm + gcc + strip (issue 12)", "tiny build not available")
	}
}

// inProcessSeedBuild is BenchmarkSeedBuild's time per op on the measured
// tree (median of 5 runs): what assembling and linking the seed costs the
// tool itself, reading the source included, without a process or a pipe.
func (c *config) inProcessSeedBuild() (time.Duration, error) {
	cmd := exec.Command("go", "test", "-run", "^$", "-bench", "^BenchmarkSeedBuild$", "-benchtime", "2000x", "-count", "5", "./tools/build")
	cmd.Dir = c.src
	out, err := cmd.CombinedOutput()
	if err != nil {
		return 0, fmt.Errorf("go test -bench SeedBuild: %v: %s", err, firstLines(string(out), 3))
	}
	var s sample
	for _, line := range strings.Split(string(out), "\n") {
		f := strings.Fields(line)
		for i := 1; i < len(f); i++ {
			if f[i] == "ns/op" && strings.HasPrefix(f[0], "BenchmarkSeedBuild") {
				if v, err := strconv.ParseFloat(f[i-1], 64); err == nil {
					s = append(s, time.Duration(v))
				}
			}
		}
	}
	if len(s) == 0 {
		return 0, fmt.Errorf("no ns/op in go test's output")
	}
	return s.median(), nil
}

// removeOutputs deletes what a pipeline writing out leaves (the executable
// and nasm's object), before a run and outside its timing.
func removeOutputs(out string) {
	os.Remove(out)
	os.Remove(out + ".o")
}

// workerClient drives `tiny <startup> --persistent_worker` exactly as Bazel
// does: length-delimited WorkRequest protos on stdin.
type workerClient struct {
	cmd *exec.Cmd
	in  io.WriteCloser
	out *bufio.Reader
}

func startWorkerClient(tiny, dir string, startup ...string) (*workerClient, error) {
	c := exec.Command(tiny, append(startup, "--persistent_worker")...)
	c.Dir = dir
	c.Stderr = os.Stderr
	in, err := c.StdinPipe()
	if err != nil {
		return nil, err
	}
	out, err := c.StdoutPipe()
	if err != nil {
		return nil, err
	}
	if err := c.Start(); err != nil {
		return nil, err
	}
	return &workerClient{cmd: c, in: in, out: bufio.NewReader(out)}, nil
}

// burstLen is how many requests a back-to-back measurement sends.
const burstLen = 20

const workerBurstName = "tiny build, persistent worker, requests back to back (per request)"

const workerFloorName = "do-nothing persistent worker, requests back to back (the worker floor: same protocol loop, copies the file)"

// burst sends burstLen requests one after the other, running before (not
// timed) ahead of each, and returns the median request time.
func (w *workerClient) burst(before func(), args ...string) (runResult, error) {
	var times sample
	var last runResult
	for i := 0; i < burstLen; i++ {
		before()
		r, err := w.call(args...)
		if err != nil {
			return r, err
		}
		times = append(times, r.elapsed)
		last = r
	}
	last.elapsed = times.median()
	return last, nil
}

func (w *workerClient) call(args ...string) (runResult, error) {
	start := time.Now()
	if err := worker.WriteDelimited(w.in, worker.MarshalRequest(&worker.Request{Arguments: args})); err != nil {
		return runResult{}, err
	}
	msg, err := worker.ReadDelimited(w.out)
	if err != nil {
		return runResult{}, err
	}
	resp, err := worker.UnmarshalResponse(msg)
	if err != nil {
		return runResult{}, err
	}
	el := time.Since(start)
	if resp.ExitCode != 0 {
		return runResult{}, fmt.Errorf("exit %d: %s", resp.ExitCode, firstLines(resp.Output, 3))
	}
	// No peak-RSS read of the worker between requests: the report shows
	// none for workers, and reading and parsing /proc/PID/status after each
	// request made the next one several times slower on a 2-CPU VM
	// (measured: a do-nothing worker's request, back to back, 395 µs with
	// the read against 101 µs without), a cost of the harness, not of the
	// worker.
	return runResult{elapsed: el}, nil
}

func (w *workerClient) close() {
	w.in.Close()
	w.cmd.Wait()
}

func sanitize(s string) string {
	b := []byte(s)
	for i, ch := range b {
		if !(ch >= 'a' && ch <= 'z' || ch >= 'A' && ch <= 'Z' || ch >= '0' && ch <= '9' || ch == '-' || ch == '.') {
			b[i] = '_'
		}
	}
	return string(b)
}

// loadedBytes sums the file-backed allocated sections of a relocatable
// object (nasm's): the code and data any executable of it must carry.
func loadedBytes(obj string) (int64, error) {
	f, err := elf.Open(obj)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC != 0 && s.Type != elf.SHT_NOBITS {
			n += int64(s.Size)
		}
	}
	return n, nil
}
