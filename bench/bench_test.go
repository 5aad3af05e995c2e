package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestSmoke runs the harness in -smoke mode so it cannot rot: every section
// must produce its table. It asserts structure and the correctness checks
// the harness makes (each built program behaves like the nasm + ld build),
// never a timing. About a minute without Bazel (BENCH_SMOKE_BAZEL=1 adds the
// Bazel section: several minutes); skipped with -short.
func TestSmoke(t *testing.T) {
	if testing.Short() {
		t.Skip("smoke run of the benchmark harness takes minutes; run without -short")
	}
	out := filepath.Join(t.TempDir(), "results.md")
	// The Bazel section builds the tool inside Bazel and several workspaces:
	// minutes on a 2-core machine, so only when asked (CI: `go run ./bench
	// -smoke` runs everything).
	args := []string{"-smoke", "-o", out}
	if os.Getenv("BENCH_SMOKE_BAZEL") != "1" {
		args = append(args, "-bazel", "none")
	}
	var stdout, stderr bytes.Buffer
	if code := benchMain(args, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d\n%s", code, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	md := string(b)
	if md != stdout.String() {
		t.Error("the report written to -o differs from the one printed")
	}
	for _, want := range []string{
		"| nproc |", "| CPU |", "| kernel |",
		"## (a) Output bytes per program", "## (b) Time per build", "## (c) Image", "## (d) Tool memory",
		"## (e) Bazel scale", "## Targets",
		"hello32 (seed)", "nasm + ld -N -s", "Go start-up floor",
	} {
		if !strings.Contains(md, want) {
			t.Errorf("report lacks %q", want)
		}
	}
	if strings.Contains(md, "WRONG behaviour") || strings.Contains(md, "does not run") {
		t.Errorf("a built program misbehaved:\n%s", md)
	}
}

func TestProcessesLine(t *testing.T) {
	for _, tc := range []struct {
		out             string
		total, internal int
		ok              bool
	}{
		{"INFO: Elapsed time: 1.2s\nINFO: 0 processes.\nINFO: Build completed successfully, 1 total action\n", 0, 0, true},
		{"INFO: 1 process: 1 internal.\n", 1, 1, true},
		{"INFO: 31 processes: 11 internal, 20 linux-sandbox.\n", 31, 11, true},
		{"INFO: 7 processes: 2 internal, 3 linux-sandbox, 2 worker.\n", 7, 2, true},
		{"INFO: 5 processes: 5 linux-sandbox.\n", 5, 0, true},
		{"INFO: Build completed successfully\n", 0, 0, false},
	} {
		total, internal, _, ok := parseProcesses(tc.out)
		if total != tc.total || internal != tc.internal || ok != tc.ok {
			t.Errorf("%q: got %d/%d/%v, want %d/%d/%v", tc.out, total, internal, ok, tc.total, tc.internal, tc.ok)
		}
	}
}

func TestGeneratedProgramSizeAndShape(t *testing.T) {
	for _, n := range []int{1000, 10000} {
		for _, bits := range []int{32, 64} {
			p := generated(bits, n)
			if l := p.lines(); l < n*9/10 || l > n*13/10 {
				t.Errorf("generated(%d, %d) has %d lines", bits, n, l)
			}
			if !strings.HasPrefix(p.source, "BITS ") {
				t.Errorf("generated(%d, %d) does not start with BITS", bits, n)
			}
		}
	}
}

func TestQuantile(t *testing.T) {
	s := sample{5, 1, 4, 2, 3}
	if s.median() != 3 || s.quantile(0) != 1 || s.quantile(1) != 5 || s.quantile(0.25) != 2 {
		t.Fatalf("median %v q0 %v q1 %v q.25 %v", s.median(), s.quantile(0), s.quantile(1), s.quantile(0.25))
	}
}

// A trace's phase markers split its time: each phase runs to the next
// marker, the last to the end of the last event.
func TestBazelProfilePhasesRunFromMarkerToMarker(t *testing.T) {
	trace := `{"traceEvents":[
{"name":"Launch Blaze","cat":"build phase marker","ph":"X","ts":-1000,"dur":1000},
{"name":"Initialize command","cat":"build phase marker","ph":"i","ts":0},
{"name":"handleDiffs","cat":"general information","ph":"X","ts":100,"dur":300},
{"name":"plantSymlinkForest","cat":"general information","ph":"X","ts":1000,"dur":400},
{"name":"Evaluate target patterns","cat":"build phase marker","ph":"i","ts":500},
{"name":"Load and analyze dependencies","cat":"build phase marker","ph":"i","ts":700},
{"name":"Build artifacts","cat":"build phase marker","ph":"i","ts":2000},
{"name":"Complete build","cat":"build phase marker","ph":"i","ts":9000},
{"name":"Show results","cat":"general information","ph":"X","ts":9000,"dur":500}]}`
	p := filepath.Join(t.TempDir(), "p.json")
	if err := os.WriteFile(p, []byte(trace), 0o644); err != nil {
		t.Fatal(err)
	}
	prof, err := readBazelProfile(p)
	if err != nil {
		t.Fatal(err)
	}
	us := time.Microsecond
	want := [len(phaseNames)]time.Duration{500 * us, 200 * us, 1300 * us, 0, 7000 * us, 500 * us}
	if prof.plant != 400*us || prof.rest != 9100*us {
		t.Errorf("planting %v, the rest %v; want 400µs, 9.1ms", prof.plant, prof.rest)
	}
	if prof.phases != want || prof.sources != 300*us || prof.server != 9500*us {
		t.Errorf("phases %v, sources %v, server %v; want %v, 300µs, 9.5ms (the client's launch left out)", prof.phases, prof.sources, prof.server, want)
	}
}
