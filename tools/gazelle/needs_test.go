package tinylang_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// writeTree creates files (slash paths relative to root) with the given
// contents.
func writeTree(t *testing.T, root string, files map[string]string) {
	t.Helper()
	for rel, data := range files {
		p := filepath.Join(root, filepath.FromSlash(rel))
		if err := os.MkdirAll(filepath.Dir(p), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func readBuild(t *testing.T, root, dir string) string {
	t.Helper()
	data, err := os.ReadFile(filepath.Join(root, filepath.FromSlash(dir), "BUILD.bazel"))
	if err != nil {
		return ""
	}
	return string(data)
}

// updateTwice runs Gazelle over the whole tree, then checks that a second run
// would change nothing.
func updateTwice(t *testing.T, root string, args ...string) string {
	t.Helper()
	logs := runGazelle(t, root, append([]string{"-repo_root=" + root}, args...))
	before := snapshot(t, root)
	runGazelle(t, root, append([]string{"-repo_root=" + root}, args...))
	if after := snapshot(t, root); after != before {
		t.Fatalf("a second run changed the tree:\n--- first:\n%s\n--- second:\n%s", before, after)
	}
	return logs
}

const bannerProgram = `BITS 64
global _start
section .data
banner: incbin "tools/blob/banner.txt"
section .text
_start:
    mov eax, 60
    xor edi, edi
    syscall
`

// A data directory without assembly or BUILD file gets an asm_hdrs
// filegroup while a program needs one of its files, keeps it through runs
// over other parts of the tree, follows renames, and loses it when the
// program is gone.
func TestDataDirectoryFollowsTheProgramsThatNeedIt(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"WORKSPACE":              "",
		"BUILD.bazel":            "# gazelle:tiny_include_root .\n",
		"apps/banner/banner.asm": bannerProgram,
		"tools/blob/banner.txt":  "| tiny |\n",
		"tools/blob/other.txt":   "unused\n",
	})
	updateTwice(t, root)
	blob := readBuild(t, root, "tools/blob")
	if !strings.Contains(blob, `srcs = ["banner.txt"]`) {
		t.Fatalf("tools/blob/BUILD.bazel does not expose banner.txt alone:\n%s", blob)
	}
	if app := readBuild(t, root, "apps/banner"); !strings.Contains(app, `"//tools/blob:asm_hdrs"`) {
		t.Fatalf("apps/banner does not depend on //tools/blob:asm_hdrs:\n%s", app)
	}

	// A run over the data directory alone keeps what apps/banner needs.
	updateTwice(t, root, filepath.Join(root, "tools/blob"))
	if got := readBuild(t, root, "tools/blob"); got != blob {
		t.Errorf("a run over tools/blob alone changed it:\n%s", got)
	}

	// The data file is renamed and the program follows.
	if err := os.Rename(filepath.Join(root, "tools/blob/banner.txt"), filepath.Join(root, "tools/blob/title.txt")); err != nil {
		t.Fatal(err)
	}
	writeTree(t, root, map[string]string{"apps/banner/banner.asm": strings.Replace(bannerProgram, "banner.txt", "title.txt", 1)})
	updateTwice(t, root)
	if got := readBuild(t, root, "tools/blob"); !strings.Contains(got, `srcs = ["title.txt"]`) || strings.Contains(got, "banner.txt") {
		t.Errorf("after the rename, tools/blob/BUILD.bazel reads:\n%s", got)
	}

	// The program is renamed: its rule is replaced, the data stays exposed.
	if err := os.Rename(filepath.Join(root, "apps/banner/banner.asm"), filepath.Join(root, "apps/banner/title.asm")); err != nil {
		t.Fatal(err)
	}
	updateTwice(t, root)
	app := readBuild(t, root, "apps/banner")
	if !strings.Contains(app, `name = "title"`) || strings.Contains(app, `name = "banner"`) || !strings.Contains(app, `"//tools/blob:asm_hdrs"`) {
		t.Errorf("after the program's rename, apps/banner/BUILD.bazel reads:\n%s", app)
	}

	// The program is deleted: nothing needs the data any more.
	if err := os.Remove(filepath.Join(root, "apps/banner/title.asm")); err != nil {
		t.Fatal(err)
	}
	updateTwice(t, root)
	if got := readBuild(t, root, "tools/blob"); strings.Contains(got, "asm_hdrs") {
		t.Errorf("the program is gone but tools/blob keeps its filegroup:\n%s", got)
	}
	if got := readBuild(t, root, "apps/banner"); strings.Contains(got, "asm_binary(") {
		t.Errorf("the program is gone but its rule stays:\n%s", got)
	}
}

// A file named like a source that is not a regular file (a FIFO here) is
// reported and skipped, not read: reading it would block the run forever.
func TestSourceThatIsNotARegularFileIsSkipped(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"WORKSPACE":   "",
		"BUILD.bazel": "",
		"app/ok.asm":  "global _start\n_start:\n",
	})
	if err := syscall.Mkfifo(filepath.Join(root, "app", "fifo.asm"), 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	done := make(chan string, 1)
	go func() { done <- runGazelle(t, root, []string{"-repo_root=" + root}) }()
	select {
	case logs := <-done:
		if !strings.Contains(logs, "app/fifo.asm: is not a regular file (a FIFO); skipped") {
			t.Errorf("log does not report the FIFO:\n%s", logs)
		}
		if got := readBuild(t, root, "app"); !strings.Contains(got, `name = "ok"`) {
			t.Errorf("app/BUILD.bazel lacks the program next to the FIFO:\n%s", got)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("Gazelle blocked on a FIFO named like a source")
	}
}

// An include that only exists in a directory this run does not update is
// reported with what to do, not silently dropped.
func TestFileOnDiskButNotExposedIsExplained(t *testing.T) {
	root := t.TempDir()
	writeTree(t, root, map[string]string{
		"WORKSPACE":              "",
		"BUILD.bazel":            "# gazelle:tiny_include_root .\n",
		"apps/banner/banner.asm": bannerProgram,
		"tools/blob/banner.txt":  "| tiny |\n",
	})
	logs := runGazelle(t, root, []string{"-repo_root=" + root, filepath.Join(root, "apps/banner")})
	if !strings.Contains(logs, "tools/blob/banner.txt exists, but no rule exposes it") {
		t.Errorf("log does not explain the unexposed file:\n%s", logs)
	}
}

// Programs in excluded or .bazelignore'd directories are not programs of the
// repository: the pre-pass must not expose files for them.
func TestExcludedProgramsNeedNothing(t *testing.T) {
	root := t.TempDir()
	prog := "global _start\nsection .data\nd: incbin \"data/d.txt\"\nsection .text\n_start:\n"
	writeTree(t, root, map[string]string{
		"WORKSPACE":            "",
		".bazelignore":         "ignored\n",
		"BUILD.bazel":          "# gazelle:tiny_include_root .\n# gazelle:exclude vendor\n",
		"vendor/x/x.asm":       prog,
		"ignored/y/y.asm":      prog,
		"data/d.txt":           "data\n",
		"disabled/BUILD.bazel": "# gazelle:tiny disabled\n",
		"disabled/z/z.asm":     prog,
	})
	updateTwice(t, root)
	if got := readBuild(t, root, "data"); got != "" {
		t.Errorf("data/ got a BUILD file for programs Gazelle does not manage:\n%s", got)
	}
}
