package tinylang_test

import (
	"bytes"
	"context"
	"io/fs"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/gazelle/runner"
	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
)

// update is the package's one -update flag (nasmgolden's, which the scanner
// tests use for nasm's answers): it also rewrites the BUILD.out files of
// testdata cases from the extension's output.
var update = nasmgolden.UpdateFlag()

// A golden case is a directory under testdata/ holding a source tree:
//
//	BUILD.in   an existing BUILD file (copied in as BUILD.bazel)
//	BUILD.out  the BUILD file expected after the run; every directory that
//	           ends up with a BUILD file must have one
//	WORKSPACE.in, MODULE.bazel.in   copied in without .in
//	args.txt   extra gazelle flags, one per line (optional)
//	log.txt    strings that must appear in the run's log, one per line (optional)
//
// BUILD files in testdata are named .in/.out so that Bazel does not take
// them for packages of this repository.
func TestGolden(t *testing.T) {
	cases, err := os.ReadDir("testdata")
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, c := range cases {
		// fuzz holds the fuzzers' corpus, nasm the scanner tests' answers.
		if !c.IsDir() || c.Name() == "fuzz" || c.Name() == "nasm" {
			continue
		}
		n++
		name := c.Name()
		t.Run(name, func(t *testing.T) { runGolden(t, filepath.Join("testdata", name)) })
	}
	// The end-to-end tree (e2e/run.sh builds it with Bazel) is a golden case too.
	t.Run("e2e_mono", func(t *testing.T) { runGolden(t, filepath.Join("e2e", "testdata", "mono")) })
	if n < 10 {
		t.Fatalf("only %d golden cases found", n)
	}
}

func runGolden(t *testing.T, caseDir string) {
	root := t.TempDir()
	var args []string
	var wantLog []string
	err := filepath.WalkDir(caseDir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		rel, _ := filepath.Rel(caseDir, p)
		data, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		switch {
		case rel == "args.txt":
			args = append(args, lines(data)...)
			return nil
		case rel == "log.txt":
			wantLog = lines(data)
			return nil
		case strings.HasSuffix(rel, "BUILD.out"):
			return nil
		case strings.HasSuffix(rel, "BUILD.in"):
			rel = strings.TrimSuffix(rel, ".in") + ".bazel"
		case strings.HasSuffix(rel, ".in"):
			rel = strings.TrimSuffix(rel, ".in")
		}
		dst := filepath.Join(root, rel)
		if err := os.MkdirAll(filepath.Dir(dst), 0o755); err != nil {
			return err
		}
		return os.WriteFile(dst, data, 0o644)
	})
	if err != nil {
		t.Fatal(err)
	}

	logs := runGazelle(t, root, append([]string{"-repo_root=" + root}, args...))
	for _, w := range wantLog {
		if !strings.Contains(logs, w) {
			t.Errorf("log lacks %q; log:\n%s", w, logs)
		}
	}

	got := buildFiles(t, root)
	want := map[string]bool{}
	filepath.WalkDir(caseDir, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "BUILD.out" {
			rel, _ := filepath.Rel(caseDir, filepath.Dir(p))
			want[rel] = true
			out := filepath.Join(root, rel, "BUILD.bazel")
			gotData, rerr := os.ReadFile(out)
			if *update && rerr == nil {
				os.WriteFile(p, gotData, 0o644)
				return nil
			}
			wantData, _ := os.ReadFile(p)
			if rerr != nil {
				t.Errorf("%s: expected a BUILD file, got none", rel)
			} else if !bytes.Equal(gotData, wantData) {
				t.Errorf("%s/BUILD.bazel differs from %s\n--- got:\n%s--- want:\n%s", rel, p, gotData, wantData)
			}
		}
		return nil
	})
	for _, dir := range got {
		if !want[dir] {
			if *update {
				data, _ := os.ReadFile(filepath.Join(root, dir, "BUILD.bazel"))
				os.MkdirAll(filepath.Join(caseDir, dir), 0o755)
				os.WriteFile(filepath.Join(caseDir, dir, "BUILD.out"), data, 0o644)
				continue
			}
			t.Errorf("%s: unexpected BUILD file written", dir)
		}
	}

	// Gazelle's contract: a second run over its own output changes nothing.
	before := snapshot(t, root)
	runGazelle(t, root, append([]string{"-repo_root=" + root}, args...))
	if after := snapshot(t, root); after != before {
		t.Errorf("second run changed the tree:\n--- first:\n%s\n--- second:\n%s", before, after)
	}
}

// runGazelle runs the driver in-process and returns what it logged.
func runGazelle(t *testing.T, root string, args []string) string {
	t.Helper()
	var buf bytes.Buffer
	log.SetOutput(&buf)
	defer log.SetOutput(os.Stderr)
	if err := runner.Run(context.Background(), root, args); err != nil {
		t.Fatalf("gazelle %v: %v\nlog:\n%s", args, err, buf.String())
	}
	return buf.String()
}

// buildFiles lists the directories (relative, "." for the root) that hold
// a BUILD.bazel file.
func buildFiles(t *testing.T, root string) []string {
	var dirs []string
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() && d.Name() == "BUILD.bazel" {
			rel, _ := filepath.Rel(root, filepath.Dir(p))
			dirs = append(dirs, rel)
		}
		return nil
	})
	sort.Strings(dirs)
	return dirs
}

// snapshot renders every file of the tree, to compare two states.
func snapshot(t *testing.T, root string) string {
	var b strings.Builder
	filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			data, _ := os.ReadFile(p)
			rel, _ := filepath.Rel(root, p)
			b.WriteString("== " + rel + "\n")
			b.Write(data)
		}
		return nil
	})
	return b.String()
}

func lines(data []byte) []string {
	var out []string
	for _, l := range strings.Split(string(data), "\n") {
		if l = strings.TrimSpace(l); l != "" && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return out
}

// TestGoldenOutputsAreBuildifierClean checks the expected BUILD files (what
// the extension writes) with buildifier, an independent formatter and linter.
func TestGoldenOutputsAreBuildifierClean(t *testing.T) {
	bf, err := exec.LookPath("buildifier")
	if err != nil {
		t.Skip("buildifier not installed (go install github.com/bazelbuild/buildtools/buildifier@...)")
	}
	tmp := t.TempDir()
	n := 0
	for _, top := range []string{"testdata", filepath.Join("e2e", "testdata")} {
		filepath.WalkDir(top, func(p string, d fs.DirEntry, err error) error {
			if err != nil || d.IsDir() || d.Name() != "BUILD.out" {
				return err
			}
			dst := filepath.Join(tmp, filepath.Dir(p), "BUILD.bazel")
			data, _ := os.ReadFile(p)
			os.MkdirAll(filepath.Dir(dst), 0o755)
			n++
			return os.WriteFile(dst, data, 0o644)
		})
	}
	if n == 0 {
		t.Fatal("no BUILD.out files found")
	}
	out, err := exec.Command(bf, "-mode=check", "-lint=warn", "-r", tmp).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("buildifier on %d golden BUILD files: %v\n%s", n, err, out)
	}
}
