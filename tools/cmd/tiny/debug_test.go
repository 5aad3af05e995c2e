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
	linktest.Need(t, "gdb")
	dir := linktest.Dir(t)
	src, err := os.ReadFile(seedPath(t, "hello64.asm"))
	if err != nil {
		t.Fatal(err)
	}
	linktest.Write(t, dir, "hello64.asm", src)
	// nasm's object (testdata/nasm/TestLinkDebugFile.txt) names the source
	// hello64.asm, relative to the directory gdb runs in.
	o := linktest.Write(t, dir, "hello64.o", linktest.NasmIn(t, dir, "hello64.asm", "elf64", "-g", "-F", "dwarf"))
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
	if !strings.Contains(out, "Breakpoint 1, _start () at hello64.asm:13") || !strings.Contains(out, "mov eax, 1") {
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

// A program for the -g tests: code from an %include'd macro and from the
// main file.
var debugSrc = map[string]string{
	"main.asm": `%include "print.mac"
section .data
msg: db "Hello World", 10
len equ $ - msg
section .text
global _start
_start:
    print msg, len
    mov eax, 1
    xor ebx, ebx
    int 0x80
`,
	"print.mac": `%macro print 2
    mov eax, 4
    mov ebx, 1
    mov ecx, %1
    mov edx, %2
    int 0x80
%endmacro
`,
}

// debugDir writes debugSrc into a directory nobody can read and enters it.
func debugDir(t *testing.T) string {
	t.Helper()
	dir := linktest.Dir(t)
	for name, src := range debugSrc {
		writeFile(t, filepath.Join(dir, name), src)
	}
	chdir(t, dir)
	return dir
}

func hasDebugLine(t *testing.T, path string) bool {
	t.Helper()
	return strings.Contains(linktest.Readelf(t, path, "-S", "-W"), ".debug_line")
}

// -g, -F and -gFORMAT as nasm takes them, and nasm's errors for what we
// cannot write.
func TestAsmDebugOptions(t *testing.T) {
	linktest.Need(t, "readelf")
	debugDir(t)
	plain := "plain.o"
	if code, _, stderr := tinyRun("asm", "-f", "elf64", "-o", plain, "main.asm"); code != 0 {
		t.Fatal(stderr)
	}
	if hasDebugLine(t, plain) {
		t.Fatal("debugging information without -g")
	}
	for _, c := range []struct {
		args   []string
		code   int
		stderr string
		debug  bool
	}{
		{[]string{"-f", "elf64", "-g"}, 0, "", true},
		{[]string{"-f", "elf32", "-F", "dwarf"}, 0, "", true}, // -F alone turns -g on, as in nasm
		{[]string{"-F", "dwarf", "-f", "elf64"}, 0, "", true},
		{[]string{"-f", "elf64", "-gdwarf"}, 0, "", true},
		{[]string{"-f", "elf64", "-Fdwarf", "--debug-comp-dir", "/src"}, 0, "", true},
		{[]string{"-f", "elf64", "-F", "stabs"}, 2, "tiny asm: error: debug format `stabs' is not supported (only dwarf)", false},
		{[]string{"-f", "elf64", "-F", "foo"}, 2, "tiny asm: error: unrecognized debug format `foo' for output format `elf64'", false},
		{[]string{"-f", "elf64", "-gfoo"}, 2, "tiny asm: error: unrecognized debug format `foo' for output format `elf64'", false},
		{[]string{"-f", "bin", "-F", "dwarf"}, 2, "tiny asm: error: unrecognized debug format `dwarf' for output format `bin'", false},
		{[]string{"-f", "elf64", "-g", "--debug-comp-dir="}, 2, "--debug-comp-dir needs a directory", false},
	} {
		os.Remove("out.o")
		code, _, stderr := tinyRun(append(append([]string{"asm", "-o", "out.o"}, c.args...), "main.asm")...)
		if code != c.code || !strings.Contains(stderr, c.stderr) || (c.stderr == "" && stderr != "") {
			t.Errorf("%v: exit %d, stderr %q; want %d, %q", c.args, code, stderr, c.code, c.stderr)
			continue
		}
		if code != 0 {
			if _, err := os.Stat("out.o"); !os.IsNotExist(err) {
				t.Errorf("%v: output written despite the error", c.args)
			}
			continue
		}
		if hasDebugLine(t, "out.o") != c.debug {
			t.Errorf("%v: .debug_line present: %v, want %v", c.args, !c.debug, c.debug)
		}
	}
	// nasm ignores -g for bin without a word; we accept it too, but say so.
	code, _, stderr := tinyRun("asm", "-f", "bin", "-g", "-o", "g.bin", "main.asm")
	tinyRun("asm", "-f", "bin", "-o", "p.bin", "main.asm")
	g, _ := os.ReadFile("g.bin")
	p, _ := os.ReadFile("p.bin")
	if code != 0 || stderr != "tiny asm: warning: -g: the bin format has no debugging information; ignored\n" || len(p) == 0 || !bytes.Equal(g, p) {
		t.Errorf("-f bin -g: exit %d, %q, %d and %d bytes", code, stderr, len(g), len(p))
	}
}

// The brief's end-to-end check: tiny asm -g, GNU ld, gdb stops on the
// lines asked for, in the main file and in the %include'd macro, and
// steps line by line (run as nobody when the tests run as root).
func TestAsmDebugInGDB(t *testing.T) {
	linktest.Need(t, "ld", "gdb")
	dir := debugDir(t)
	for _, c := range []struct{ format, ldArch string }{{"elf32", "elf_i386"}, {"elf64", "elf_x86_64"}} {
		if code, _, stderr := tinyRun("asm", "-f", c.format, "-g", "-o", "main.o", "main.asm"); code != 0 {
			t.Fatal(stderr)
		}
		linktest.Cmd(t, "ld", "-m", c.ldArch, "-o", filepath.Join(dir, "hello"), filepath.Join(dir, "main.o"))
		if c.format == "elf64" && linktest.I386Emulated() {
			// The source makes i386 system calls (int 0x80); from 64-bit
			// code they need the kernel's IA-32 emulation, which a kernel
			// that runs no 32-bit code (qemu stands in here) lacks.
			t.Log("elf64 not run under gdb: this kernel has no IA-32 emulation for int 0x80")
			continue
		}
		out := linktest.GDB(t, dir, "./hello", "break main.asm:10", "break print.mac:4", "run", "info line *$pc", "continue", "info line *$pc", "step", "info line *$pc")
		for _, want := range []string{
			"Breakpoint 1 at ", ": file main.asm, line 10.",
			"Breakpoint 2 at ", ": file print.mac, line 4.",
			"Breakpoint 2, _start () at print.mac:4\n4\t    mov ecx, %1\n",
			`Line 4 of "print.mac" starts at address`,
			"Breakpoint 1, _start () at main.asm:10\n10\t    xor ebx, ebx\n",
			"11\t    int 0x80\n", // step
			`Line 11 of "main.asm" starts at address`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%s: gdb output lacks %q:\n%s", c.format, want, out)
			}
		}
	}
}

// -g never changes what tiny link writes, in any layout; tiny build -g
// gives the executable of tiny build, and with --debug-file a pair gdb
// debugs. Objects and debug files do not depend on the directory they
// were built in.
func TestDebugLeavesExecutablesUnchanged(t *testing.T) {
	linktest.Need(t, "gdb")
	dir := debugDir(t)
	for _, format := range []string{"elf32", "elf64"} {
		for _, g := range []string{"plain.o", "g.o"} {
			args := []string{"asm", "-f", format, "-o", g, "main.asm"}
			if g == "g.o" {
				args = append(args, "-g")
			}
			if code, _, stderr := tinyRun(args...); code != 0 {
				t.Fatal(stderr)
			}
		}
		for _, layout := range []string{"", "--wx", "--compact"} {
			var exes [2][]byte
			for i, o := range []string{"plain.o", "g.o"} {
				args := []string{"link", "-o", "exe" + o}
				if layout != "" {
					args = append(args, layout)
				}
				if code, _, stderr := tinyRun(append(args, o)...); code != 0 {
					t.Fatal(stderr)
				}
				exes[i], _ = os.ReadFile("exe" + o)
			}
			if len(exes[0]) == 0 || !bytes.Equal(exes[0], exes[1]) {
				t.Errorf("%s %s: -g changes tiny link's output (%d and %d bytes)", format, layout, len(exes[0]), len(exes[1]))
			}
		}
	}
	for _, args := range [][]string{{"build", "-m", "i386", "-o", "b1", "main.asm"}, {"build", "-m", "i386", "-g", "-o", "b2", "main.asm"}, {"build", "-m", "i386", "-g", "-o", "b3", "--debug-file", "b3.debug", "main.asm"}} {
		if code, _, stderr := tinyRun(args...); code != 0 {
			t.Fatal(stderr)
		}
	}
	b1, _ := os.ReadFile("b1")
	b2, _ := os.ReadFile("b2")
	b3, _ := os.ReadFile("b3")
	if len(b1) == 0 || !bytes.Equal(b1, b2) || !bytes.Equal(b1, b3) {
		t.Errorf("tiny build -g changes the executable (%d, %d, %d bytes)", len(b1), len(b2), len(b3))
	}
	out := linktest.GDB(t, dir, "", "file ./b3", "symbol-file ./b3.debug", "break main.asm:9", "run", "info line *$pc")
	if !strings.Contains(out, "Breakpoint 1, _start () at main.asm:9\n9\t    mov eax, 1\n") {
		t.Errorf("gdb on tiny build's pair:\n%s", out)
	}

	// The same relative inputs elsewhere give the same object and debug file.
	first, _ := os.ReadFile("g.o")
	firstDebug, _ := os.ReadFile("b3.debug")
	other := debugDir(t)
	if other == dir {
		t.Fatal("same directory")
	}
	if code, _, stderr := tinyRun("asm", "-f", "elf64", "-g", "-o", "g.o", "main.asm"); code != 0 {
		t.Fatal(stderr)
	}
	if code, _, stderr := tinyRun("build", "-m", "i386", "-g", "-o", "b3", "--debug-file", "b3.debug", "main.asm"); code != 0 {
		t.Fatal(stderr)
	}
	again, _ := os.ReadFile("g.o")
	againDebug, _ := os.ReadFile("b3.debug")
	if !bytes.Equal(first, again) || !bytes.Equal(firstDebug, againDebug) || bytes.Contains(again, []byte(dir)) || bytes.Contains(againDebug, []byte(other)) {
		t.Errorf("outputs depend on the directory they were built in")
	}
}
