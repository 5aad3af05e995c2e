package main

import (
	"bytes"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

var (
	pairOnce sync.Once
	pairDir  string
	pairErr  error
)

// buildPair builds the tool as the toolchain ships it: the core
// (-tags tiny_core) as tiny and the complete tool beside it as tiny-full.
func buildPair(t *testing.T) (core, full string) {
	t.Helper()
	pairOnce.Do(func() {
		if pairDir, pairErr = os.MkdirTemp("", "tiny-pair-test-"); pairErr != nil {
			return
		}
		for _, b := range [][]string{{"-tags", "tiny_core", "-o", filepath.Join(pairDir, "tiny")}, {"-o", filepath.Join(pairDir, fullName)}} {
			cmd := exec.Command("go", append(append([]string{"build"}, b...), ".")...)
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
			if out, err := cmd.CombinedOutput(); err != nil {
				pairErr = fmt.Errorf("go build %q: %v\n%s", b, err, out)
				return
			}
		}
	})
	if pairErr != nil {
		t.Fatal(pairErr)
	}
	return filepath.Join(pairDir, "tiny"), filepath.Join(pairDir, fullName)
}

// The point of the core: `tiny build` starts without the packages whose
// initialisation and size made the complete tool slow to start.
func TestCoreLinksNoImageOrNetworkPackage(t *testing.T) {
	deps := func(tags ...string) string {
		args := append(append([]string{"list", "-deps"}, tags...), ".")
		cmd := exec.Command("go", args...)
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		out, err := cmd.Output()
		if err != nil {
			t.Fatalf("go %s: %v", strings.Join(args, " "), err)
		}
		return "\n" + string(out)
	}
	heavy := []string{
		"\ngithub.com/opencontainers/", "\ngithub.com/klauspost/", "\ngithub.com/google/go-containerregistry/",
		"\nnet\n", "\nnet/http\n", "\ncrypto/tls\n", "\ncrypto/x509\n", "\nregexp\n", "\nos/user\n", "\nruntime/cgo\n",
		"\ngithub.com/rules-tiny/rules_tiny/tools/image", "\ngithub.com/rules-tiny/rules_tiny/tools/push",
		"\ngithub.com/rules-tiny/rules_tiny/tools/size",
	}
	core := deps("-tags", "tiny_core")
	for _, p := range heavy {
		if strings.Contains(core, p) {
			t.Errorf("the core links %s", strings.TrimSpace(p))
		}
	}
	full := deps()
	for _, p := range []string{"\ngithub.com/rules-tiny/rules_tiny/tools/image\n", "\nnet/http\n", "\ngithub.com/rules-tiny/rules_tiny/tools/asm\n"} {
		if !strings.Contains(full, p) {
			t.Errorf("the complete tool does not link %s", strings.TrimSpace(p))
		}
	}
}

// The tiny-full the toolchains ship beside the core (-tags
// tiny_oci,tiny_nopush) runs image, index and size without the assembler
// and linker, which the core runs, nor the registry client, whose HTTP and
// TLS stacks are most of a first build of the tool.
func TestShippedFullLinksTheImageCommandsAlone(t *testing.T) {
	cmd := exec.Command("go", "list", "-deps", "-tags", "tiny_oci,tiny_nopush", ".")
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go list -deps -tags tiny_oci,tiny_nopush: %v", err)
	}
	deps := "\n" + string(out)
	for _, p := range []string{"\nnet/http\n", "\ncrypto/tls\n", "\ngithub.com/google/go-containerregistry/", "\ngithub.com/rules-tiny/rules_tiny/tools/push\n",
		"\ngithub.com/rules-tiny/rules_tiny/tools/asm\n", "\ngithub.com/rules-tiny/rules_tiny/tools/x86\n",
		"\ngithub.com/rules-tiny/rules_tiny/tools/link\n", "\ngithub.com/rules-tiny/rules_tiny/tools/build\n"} {
		if strings.Contains(deps, p) {
			t.Errorf("the shipped tiny-full links %s", strings.TrimSpace(p))
		}
	}
	for _, p := range []string{"\ngithub.com/rules-tiny/rules_tiny/tools/image\n", "\ngithub.com/rules-tiny/rules_tiny/tools/size\n"} {
		if !strings.Contains(deps, p) {
			t.Errorf("the shipped tiny-full does not link %s", strings.TrimSpace(p))
		}
	}
}

func TestCoreHelpListsTheCommandsOfTheCompleteTool(t *testing.T) {
	core, full := buildPair(t)
	a, err := exec.Command(core, "help").Output()
	if err != nil {
		t.Fatal(err)
	}
	b, err := exec.Command(full, "help").Output()
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a, b) {
		t.Errorf("tiny help differs:\ncore:\n%s\ncomplete tool:\n%s", a, b)
	}
}

// run runs exe in dir and returns stdout, stderr and the exit status.
func runIn(t *testing.T, dir, exe string, args ...string) (string, string, int) {
	t.Helper()
	cmd := exec.Command(exe, args...)
	cmd.Dir = dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	code := 0
	if ee, ok := err.(*exec.ExitError); ok {
		code = ee.ExitCode()
	} else if err != nil {
		t.Fatal(err)
	}
	return stdout.String(), stderr.String(), code
}

// treeOf reads every file under dir, by relative path.
func treeOf(t *testing.T, dir string) map[string]string {
	t.Helper()
	files := map[string]string{}
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(p)
		rel, _ := filepath.Rel(dir, p)
		files[rel] = string(b)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return files
}

// Through the core or straight from the complete tool, an OCI subcommand
// gives the same bytes, output and exit status: one shot, from a flagfile,
// on a bad command line, and as a persistent worker.
func TestCoreRunsTheOCICommandsOfTinyFull(t *testing.T) {
	core, full := buildPair(t)
	dir := t.TempDir()
	src := "BITS 32\nsection .text\nglobal _start\n_start:\nmov eax,1\nint 0x80\n"
	os.WriteFile(filepath.Join(dir, "p.asm"), []byte(src), 0o644)
	if _, stderr, code := runIn(t, dir, core, "build", "-o", "p", "p.asm"); code != 0 {
		t.Fatalf("tiny build: %d %s", code, stderr)
	}
	os.WriteFile(filepath.Join(dir, "img.params"), []byte("--layout\nvia-params\n--file\np:/p\n--tag\np:1\n"), 0o644)
	for _, c := range []struct {
		name string
		args []string
	}{
		{"image", []string{"image", "--layout", "L", "--tarball", "t.tar", "--file", "p:/p", "--tag", "p:1"}},
		{"image from a flagfile", []string{"image", "@img.params"}},
		{"flagfile naming the subcommand", []string{"@size.params"}},
		{"size", []string{"size", "--json", "L"}},
		{"bad image command line", []string{"image", "--file", "p:/p"}},
		{"missing layout", []string{"size", "no-such-layout"}},
	} {
		os.WriteFile(filepath.Join(dir, "size.params"), []byte("size\np\n"), 0o644)
		var outs [2][3]string
		var trees [2]map[string]string
		for i, exe := range []string{core, full} {
			os.RemoveAll(filepath.Join(dir, "L"))
			os.RemoveAll(filepath.Join(dir, "via-params"))
			os.Remove(filepath.Join(dir, "t.tar"))
			stdout, stderr, code := runIn(t, dir, exe, c.args...)
			outs[i] = [3]string{stdout, stderr, fmt.Sprint(code)}
			trees[i] = treeOf(t, dir)
		}
		if outs[0] != outs[1] {
			t.Errorf("%s: core gave %q, the complete tool %q", c.name, outs[0], outs[1])
		}
		if fmt.Sprint(trees[0]) != fmt.Sprint(trees[1]) {
			t.Errorf("%s: the core and the complete tool wrote different files", c.name)
		}
	}

	w := startWorker(t, core, dir, "image")
	r := w.call(t, "--layout", "W", "--file", "p:/p", "--tag", "p:1")
	if r.ExitCode != 0 {
		t.Fatalf("image worker through the core: %+v (stderr %s)", r, w.stderr.String())
	}
	if _, stderr, code := runIn(t, dir, full, "image", "--layout", "V", "--file", "p:/p", "--tag", "p:1"); code != 0 {
		t.Fatal(stderr)
	}
	if a, b := treeOf(t, filepath.Join(dir, "W")), treeOf(t, filepath.Join(dir, "V")); len(a) == 0 || fmt.Sprint(a) != fmt.Sprint(b) {
		t.Errorf("the worker's layout differs from the one-shot one")
	}
	// A worker of the core asked for an OCI subcommand in a request runs
	// tiny-full for it.
	w = startWorker(t, core, dir)
	if r := w.call(t, "size", "p"); r.ExitCode != 0 || !strings.Contains(r.Output, "file") {
		t.Fatalf("size in a core worker: %+v", r)
	}
	if r := w.call(t, "build", "-o", "q", "p.asm"); r.ExitCode != 0 {
		t.Fatalf("build in a core worker: %+v", r)
	}
}

func TestCoreWithoutTinyFullSaysWhereItLooked(t *testing.T) {
	core, _ := buildPair(t)
	dir := t.TempDir()
	alone := filepath.Join(dir, "tiny")
	b, err := os.ReadFile(core)
	if err != nil {
		t.Fatal(err)
	}
	os.WriteFile(alone, b, 0o755)
	_, stderr, code := runIn(t, dir, alone, "image", "--layout", "L", "--file", "tiny")
	if code != 1 || !strings.Contains(stderr, "tiny image: ") || !strings.Contains(stderr, filepath.Join(dir, fullName)) {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
	if _, err := os.Stat(filepath.Join(dir, "L")); err == nil {
		t.Error("an output was written")
	}
	os.WriteFile(filepath.Join(dir, "p.asm"), []byte("BITS 32\nglobal _start\n_start: ret\n"), 0o644)
	if _, stderr, code := runIn(t, dir, alone, "build", "-o", "p", "p.asm"); code != 0 {
		t.Errorf("tiny build without tiny-full: %d %s", code, stderr)
	}
}
