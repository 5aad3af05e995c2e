package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
)

// tiny link --debug-file writes the debug file beside an executable
// that is byte for byte the one written without it; gdb reads the pair.
func TestLinkDebugFile(t *testing.T) {
	linktest.Need(t, "nasm", "gdb")
	dir := linktest.Dir(t)
	src, err := os.ReadFile(seedPath(t, "hello64.asm"))
	if err != nil {
		t.Fatal(err)
	}
	linktest.Write(t, dir, "hello64.asm", src)
	o := filepath.Join(dir, "hello64.o")
	linktest.Cmd(t, "nasm", "-f", "elf64", "-g", "-F", "dwarf", "-o", o, filepath.Join(dir, "hello64.asm"))
	plain, withDebug, debug := filepath.Join(dir, "plain"), filepath.Join(dir, "hello"), filepath.Join(dir, "hello.debug")
	if code, _, stderr := tinyRun("link", "-o", plain, o); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := tinyRun("link", "-o", withDebug, "--debug-file", debug, o); code != 0 {
		t.Fatal(stderr)
	}
	a, _ := os.ReadFile(plain)
	b, _ := os.ReadFile(withDebug)
	if len(a) == 0 || !bytes.Equal(a, b) {
		t.Fatalf("--debug-file changes the executable (%d and %d bytes)", len(a), len(b))
	}
	out := linktest.GDB(t, dir, "", "file ./hello", "symbol-file ./hello.debug", "break hello64.asm:13", "run")
	if !strings.Contains(out, "Breakpoint 1, _start () at "+filepath.Join(dir, "hello64.asm")+":13") || !strings.Contains(out, "mov eax, 1") {
		t.Errorf("gdb:\n%s", out)
	}
}

func TestLinkDebugFileErrors(t *testing.T) {
	dir := t.TempDir()
	o := filepath.Join(dir, "x.o")
	if err := os.WriteFile(o, linktest.Nasm(t, "elf64", "BITS 64\nextern nowhere\nglobal _start\n_start: call nowhere\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	exe, debug := filepath.Join(dir, "exe"), filepath.Join(dir, "exe.debug")
	if code, _, stderr := tinyRun("link", "-o", exe, "--debug-file", exe, o); code != 2 || !strings.Contains(stderr, "--debug-file "+exe+" is the output executable too") {
		t.Errorf("same path: exit %d, %s", code, stderr)
	}
	if code, _, stderr := tinyRun("link", "-o", exe, "--debug-file", debug, o); code != 1 || !strings.Contains(stderr, "undefined symbol `nowhere'") {
		t.Errorf("undefined symbol: exit %d, %s", code, stderr)
	}
	for _, p := range []string{exe, debug} {
		if _, err := os.Stat(p); !os.IsNotExist(err) {
			t.Errorf("%s left behind after a failed link", p)
		}
	}
}
