package compat

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"
)

var (
	corpusFlag = flag.String("corpus", envOr("TINY_COMPAT_CORPUS", "testdata/corpus"), "corpus directory: MANIFEST.tsv, src/, golden/, EXPECTED.tsv")
	updateFlag = flag.Bool("update", false, "ask nasm 2.16 and GNU ld again: rewrite golden/, EXPECTED.tsv and the report")
	acceptFlag = flag.Bool("accept", false, "record the current categories in EXPECTED.tsv and rewrite the report (no nasm needed)")
	reportFlag = flag.String("report", "REPORT.md", "where -update and -accept write the report")
)

func envOr(k, def string) string {
	if v := os.Getenv(k); v != "" {
		return v
	}
	return def
}

// Categories, best first.
const (
	Identical      = "identical"       // same bytes (bin) or same object after normalising (elf)
	BothReject     = "both-reject"     // nasm rejects the file and so does tiny (travis error tests)
	LinkEquivalent = "link-equivalent" // different object, same program from `tiny link`
	Rejected       = "rejected"        // tiny gives an error
	Different      = "different"       // tiny accepts and the output differs: a silent miscompile
)

var categoryRank = map[string]int{Identical: 0, BothReject: 0, LinkEquivalent: 1, Rejected: 2, Different: 3}

// Run results of complete programs, best first ("" when not run).
const (
	RunSame = "same" // stdout and exit status as the nasm + ld build
	// RunLayout: the run differs from the nasm + ld build, but tiny link
	// makes the very same executable of tiny's object as of nasm's: the
	// output depends on the linker's layout (a program that prints its
	// own addresses or code), not on the assembler.
	RunLayout    = "layout"
	RunLinkError = "link-error" // tiny link refuses the object
	RunDiffers   = "differs"
)

var runRank = map[string]int{"": 0, RunSame: 0, RunLayout: 1, RunLinkError: 2, RunDiffers: 3}

// Result is what the harness found for one entry.
type Result struct {
	*Entry
	Category string
	Detail   string // first error for rejected, what differs for different
	Run      string
	RunInfo  string
	Verdict  string // travis tests: nasm 2.16 against the test's expected output
	// TinyVerdict is tiny against the same expected output: a second
	// oracle, and the only one where nasm 2.16 fails a test newer nasm passes.
	TinyVerdict string
}

var tinyPath string

func TestMain(m *testing.M) {
	flag.Parse()
	code := func() int {
		if _, err := os.Stat(filepath.Join(*corpusFlag, "MANIFEST.tsv")); err != nil {
			return m.Run() // the corpus tests skip; the harness's own tests run
		}
		dir, err := os.MkdirTemp("", "compat-tiny-")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			return 1
		}
		defer os.RemoveAll(dir)
		tinyPath = filepath.Join(dir, "tiny")
		cmd := exec.Command("go", "build", "-trimpath", "-o", tinyPath, "../../cmd/tiny")
		if out, err := cmd.CombinedOutput(); err != nil {
			fmt.Fprintf(os.Stderr, "go build ./tools/cmd/tiny: %v\n%s", err, out)
			return 1
		}
		return m.Run()
	}()
	os.Exit(code)
}

// loadCorpus reads the manifest, skipping the test when there is no corpus.
func loadCorpus(t *testing.T) []*Entry {
	t.Helper()
	path := filepath.Join(*corpusFlag, "MANIFEST.tsv")
	if _, err := os.Stat(path); err != nil {
		t.Skipf("no corpus at %s (it is kept out of git; README.md says how to lay one out, or set -corpus / TINY_COMPAT_CORPUS)", *corpusFlag)
	}
	entries, err := ReadManifest(path)
	if err != nil {
		t.Fatal(err)
	}
	return entries
}

// TestCorpus assembles every corpus file with tiny, classifies it against
// nasm's golden answer, runs the complete programs, and fails on any
// unexplained silent difference or any file worse than EXPECTED.tsv.
func TestCorpus(t *testing.T) {
	entries := loadCorpus(t)
	start := time.Now()
	goldenDir := filepath.Join(*corpusFlag, "golden")
	if *updateFlag {
		for _, tool := range []string{"nasm", "ld"} {
			if _, err := exec.LookPath(tool); err != nil {
				t.Fatalf("-update needs %s", tool)
			}
		}
		if err := os.MkdirAll(goldenDir, 0o755); err != nil {
			t.Fatal(err)
		}
		forEach(entries, func(e *Entry) {
			g := askNasm(t, e)
			if err := writeJSON(filepath.Join(goldenDir, e.goldenName()), g); err != nil {
				t.Error(err)
			}
		})
	}
	results := make([]*Result, len(entries))
	idx := map[*Entry]int{}
	for i, e := range entries {
		idx[e] = i
	}
	forEach(entries, func(e *Entry) {
		g, err := readGolden(filepath.Join(goldenDir, e.goldenName()))
		if err != nil {
			results[idx[e]] = &Result{Entry: e, Category: Rejected, Detail: "no golden file (run -update): " + err.Error()}
			t.Errorf("%s: %v", e.ID, err)
			return
		}
		results[idx[e]] = evaluate(e, g)
	})
	elapsed := time.Since(start)

	expPath := filepath.Join(*corpusFlag, "EXPECTED.tsv")
	exp, err := ReadExpectations(expPath)
	if err != nil && !os.IsNotExist(err) {
		t.Fatal(err)
	}
	problems, improvements := Check(results, exp)
	for _, p := range improvements {
		t.Logf("improved: %s", p)
	}
	if *updateFlag || *acceptFlag {
		if err := WriteExpectations(expPath, results, exp); err != nil {
			t.Fatal(err)
		}
		exp, _ = ReadExpectations(expPath)
		problems, _ = Check(results, exp)
		if err := os.WriteFile(*reportFlag, []byte(Report(results, exp, elapsed)), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, p := range problems {
		t.Error(p)
	}
	t.Log("\n" + Summary(results, elapsed))
}

// Check compares results with the expectations: a silent difference that
// is not listed with its reason, and any file or run worse than its
// recorded result, is a problem; a better one is an improvement.
func Check(results []*Result, exp map[string]Expectation) (problems, improvements []string) {
	for _, r := range results {
		x, ok := exp[r.ID]
		if r.Category == Different && (!ok || x.Category != Different || x.Note == "" || x.Note == unexplained) {
			problems = append(problems, fmt.Sprintf("%s: silent difference not listed as known in EXPECTED.tsv with its reason: %s", r.ID, r.Detail))
			continue
		}
		if r.Run == RunDiffers && (!ok || x.Run != RunDiffers) {
			problems = append(problems, fmt.Sprintf("%s: the program runs differently from the nasm + ld build: %s", r.ID, r.RunInfo))
		}
		if !ok {
			if r.Category != Different {
				improvements = append(improvements, fmt.Sprintf("%s: new file, %s", r.ID, r.Category))
			}
			continue
		}
		switch d := categoryRank[r.Category] - categoryRank[x.Category]; {
		case d > 0:
			problems = append(problems, fmt.Sprintf("%s: got worse: %s, was %s (%s)", r.ID, r.Category, x.Category, r.Detail))
		case d < 0:
			improvements = append(improvements, fmt.Sprintf("%s: %s, was %s", r.ID, r.Category, x.Category))
		}
		switch d := runRank[r.Run] - runRank[x.Run]; {
		case d > 0 && r.Run != RunDiffers:
			problems = append(problems, fmt.Sprintf("%s: run got worse: %s, was %s (%s)", r.ID, r.Run, x.Run, r.RunInfo))
		case d < 0:
			improvements = append(improvements, fmt.Sprintf("%s: run %s, was %s", r.ID, r.Run, x.Run))
		}
	}
	return problems, improvements
}

// forEach runs f on every entry, a few at a time: most of the time goes
// to starting processes, so twice as many workers as CPUs keep them busy.
func forEach(entries []*Entry, f func(*Entry)) {
	work := make(chan *Entry)
	var wg sync.WaitGroup
	for i := 0; i < 2*runtime.NumCPU(); i++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for e := range work {
				f(e)
			}
		}()
	}
	for _, e := range entries {
		work <- e
	}
	close(work)
	wg.Wait()
}

// tool runs a command in dir with a time bound and returns its exit
// status (-1 when it could not run or was killed) and stderr.
func tool(dir string, timeout time.Duration, name string, args ...string) (int, string) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, name, args...)
	cmd.Dir = dir
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	err := cmd.Run()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0, stderr.String()
	case ctx.Err() != nil:
		return -1, fmt.Sprintf("timed out after %v", timeout)
	case errors.As(err, &ee) && ee.Exited():
		return ee.ExitCode(), stderr.String()
	}
	return -1, err.Error() + " " + stderr.String()
}

// firstError picks the first error line of an assembler's stderr.
func firstError(stderr string) string {
	lines := strings.Split(strings.TrimSpace(stderr), "\n")
	for _, l := range lines {
		if strings.Contains(l, ": error: ") || strings.Contains(l, ": fatal: ") || strings.Contains(l, ": panic: ") {
			return strings.TrimSpace(l)
		}
	}
	for _, l := range lines {
		if !strings.Contains(l, ": warning: ") {
			return strings.TrimSpace(l)
		}
	}
	return strings.TrimSpace(lines[0])
}

func sha(b []byte) string {
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:])
}

// assemble runs an assembler (nasm or `tiny asm`) on the entry with its
// project's command line and returns the output's bytes or the first error.
func assemble(e *Entry, out string, argv0 ...string) ([]byte, string) {
	args := append(append(argv0[1:], "-f", e.Format), e.args(*corpusFlag)...)
	args = append(args, "-o", out, e.Src)
	code, stderr := tool(filepath.Join(e.root(*corpusFlag), e.Cwd), 60*time.Second, argv0[0], args...)
	if code != 0 {
		return nil, firstError(stderr)
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err.Error()
	}
	return b, ""
}

// tinyLink links one object with `tiny link` and returns the executable.
func tinyLink(obj, exe string) ([]byte, string) {
	code, stderr := tool("", 60*time.Second, tinyPath, "link", "-o", exe, obj)
	if code != 0 {
		return nil, firstError(stderr)
	}
	b, err := os.ReadFile(exe)
	if err != nil {
		return nil, err.Error()
	}
	return b, ""
}

// evaluate classifies one entry against its golden answer.
func evaluate(e *Entry, g *Golden) *Result {
	r := &Result{Entry: e, Verdict: g.Travis}
	dir, err := os.MkdirTemp("", "compat-")
	if err != nil {
		r.Category, r.Detail = Rejected, err.Error()
		return r
	}
	defer os.RemoveAll(dir)
	obj := filepath.Join(dir, "out")
	out, msg := assemble(e, obj, tinyPath, "asm")
	if e.Travis() {
		r.TinyVerdict = travisVerdict("tiny", e, out, out != nil)
	}
	if abs, err := filepath.Abs(e.root(*corpusFlag)); err == nil {
		msg = strings.ReplaceAll(msg, abs+string(filepath.Separator), "") // no host paths in the report
	}
	switch {
	case !g.NasmOK && out == nil:
		r.Category, r.Detail = BothReject, msg
		return r
	case !g.NasmOK:
		r.Category, r.Detail = Different, "tiny accepts what nasm rejects: "+g.NasmError
		return r
	case out == nil:
		r.Category, r.Detail = Rejected, msg
		return r
	}
	if e.Format == "bin" {
		if len(out) == g.BinSize && sha(out) == g.BinSHA256 {
			r.Category = Identical
		} else {
			r.Category, r.Detail = Different, fmt.Sprintf("flat binary: nasm %d bytes, tiny %d bytes", g.BinSize, len(out))
		}
		return r
	}
	d, err := DescribeObject(out)
	if err != nil {
		r.Category, r.Detail = Different, "tiny's object does not read back: "+err.Error()
		return r
	}
	diffs := g.Object.Diff(d, 3)
	exe := filepath.Join(dir, "prog")
	var linked []byte
	var linkMsg string
	if len(diffs) == 0 {
		r.Category = Identical
	} else {
		r.Category, r.Detail = Different, strings.Join(diffs, "; ")
		if g.Object.WithoutUnusedLocals().Equal(d.WithoutUnusedLocals()) {
			r.Category = LinkEquivalent
			r.Detail = "only local symbols that no relocation uses differ: " + r.Detail
		} else if g.LinkSHA256 != "" {
			linked, linkMsg = tinyLink(obj, exe)
			if linked != nil && sha(linked) == g.LinkSHA256 {
				r.Category = LinkEquivalent
				r.Detail = "same program from tiny link: " + r.Detail
			}
		}
	}
	if e.Run == "yes" && g.Run != nil && g.Run.Status == "ok" {
		if linked == nil && linkMsg == "" {
			linked, linkMsg = tinyLink(obj, exe)
		}
		if linked == nil {
			r.Run, r.RunInfo = RunLinkError, linkMsg
			return r
		}
		r.Run, r.RunInfo = runVerdict(runProgram(exe), g, sha(linked))
	}
	return r
}

// runVerdict compares a run of tiny's program (linked by tiny link, the
// executable's hash linkedSHA) with the nasm + ld build's. A different
// run of the executable tiny link also makes of nasm's object is the
// linker's layout showing, not the assembler.
func runVerdict(got *RunResult, g *Golden, linkedSHA string) (run, info string) {
	switch {
	case got.Same(g.Run):
		return RunSame, ""
	case g.LinkSHA256 != "" && linkedSHA == g.LinkSHA256:
		return RunLayout, fmt.Sprintf("nasm+ld: %s; tiny link (the same executable from nasm's object and tiny's): %s", g.Run, got)
	}
	return RunDiffers, fmt.Sprintf("nasm+ld: %s; tiny: %s", g.Run, got)
}

// askNasm builds the golden answer: nasm's output, `tiny link` of nasm's
// object, and for complete programs how the nasm + GNU ld build runs.
func askNasm(t *testing.T, e *Entry) *Golden {
	g := &Golden{}
	dir, err := os.MkdirTemp("", "compat-nasm-")
	if err != nil {
		t.Error(err)
		return g
	}
	defer os.RemoveAll(dir)
	obj := filepath.Join(dir, "out")
	out, msg := assemble(e, obj, "nasm")
	if out == nil {
		g.NasmError = msg
		if e.Travis() {
			g.Travis = travisVerdict("nasm 2.16", e, nil, false)
		}
		return g
	}
	g.NasmOK = true
	if e.Travis() {
		g.Travis = travisVerdict("nasm 2.16", e, out, true)
	}
	if e.Format == "bin" {
		g.BinSize, g.BinSHA256 = len(out), sha(out)
		return g
	}
	if g.Object, err = DescribeObject(out); err != nil {
		t.Errorf("%s: nasm's object: %v", e.ID, err)
		return g
	}
	if linked, msg := tinyLink(obj, filepath.Join(dir, "tinyprog")); linked != nil {
		g.LinkSHA256 = sha(linked)
	} else {
		g.LinkError = msg
	}
	if e.Run == "yes" {
		exe := filepath.Join(dir, "prog")
		m := "elf_i386"
		if e.Format == "elf64" {
			m = "elf_x86_64"
		}
		if code, stderr := tool("", time.Minute, "ld", "-m", m, "-o", exe, obj); code != 0 {
			g.Run = &RunResult{Status: "ld: " + firstError(stderr)}
			return g
		}
		first := runProgram(exe)
		// A second run in another directory: output that depends on the
		// directory, the time or chance cannot be compared.
		if second := runProgram(exe); !first.Same(second) {
			first.Status = "nondeterministic"
		}
		g.Run = first
	}
	return g
}

// travisVerdict compares an assembler's answer (who: nasm 2.16 or tiny)
// with the expected output the travis test carries.
func travisVerdict(who string, e *Entry, out []byte, ok bool) string {
	var want []string
	wantErr := false
	for _, x := range strings.Split(e.Expect, ",") {
		switch {
		case strings.HasPrefix(x, "stderr:"):
			wantErr = true
		case x != "":
			want = append(want, x)
		}
	}
	if !ok {
		if wantErr && len(want) == 0 {
			return who + " rejects it, as the test expects"
		}
		return who + " rejects it; the test expects output (newer nasm)"
	}
	if len(want) == 0 {
		return "no expected output"
	}
	exp, err := os.ReadFile(filepath.Join(e.root(*corpusFlag), e.Cwd, want[0]+".t"))
	if err != nil {
		return "expected output missing"
	}
	if e.Format == "bin" {
		if bytes.Equal(exp, out) {
			return who + " output matches the test's"
		}
		return who + " output differs from the test's"
	}
	a, err1 := DescribeObject(exp)
	b, err2 := DescribeObject(out)
	if err1 == nil && err2 == nil && a.Equal(b) {
		return who + " output matches the test's"
	}
	return who + " output differs from the test's"
}
