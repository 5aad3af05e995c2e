package main

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
)

// tinyRun runs the CLI in-process and returns exit status, stdout, stderr.
func tinyRun(args ...string) (int, string, string) {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return code, out.String(), errb.String()
}

func seedPath(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "..", "link", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The done-when criterion of issue 2: the seed program via `tiny build`
// prints Hello World within each layout's budget; the x86-64 hello runs.
func TestBuildSeedProgramWithinBudgets(t *testing.T) {
	dir := linktest.Dir(t)
	for _, tc := range []struct {
		src    string
		flags  []string
		budget int
	}{
		{"hello32.asm", nil, 130},
		{"hello32.asm", []string{"--wx"}, 162},
		{"hello32.asm", []string{"--compact"}, 100},
		{"hello64.asm", nil, 120 + 31 + 12},
		{"hello64.asm", []string{"--wx"}, 0},
		{"hello64.asm", []string{"--compact"}, 0},
	} {
		name := strings.TrimSuffix(tc.src, ".asm") + strings.Join(tc.flags, "")
		t.Run(name, func(t *testing.T) {
			out := filepath.Join(dir, name)
			args := append(append([]string{"build", "-o", out}, tc.flags...), seedPath(t, tc.src))
			if code, _, stderr := tinyRun(args...); code != 0 {
				t.Fatalf("tiny %v: exit %d: %s", args, code, stderr)
			}
			fi, err := os.Stat(out)
			if err != nil {
				t.Fatal(err)
			}
			if fi.Mode().Perm() != 0o755 {
				t.Errorf("mode %v, want 0755", fi.Mode().Perm())
			}
			t.Logf("tiny build %s: %d bytes", strings.Join(append(tc.flags, tc.src), " "), fi.Size())
			if tc.budget > 0 && fi.Size() > int64(tc.budget) {
				t.Errorf("%d bytes, budget %d", fi.Size(), tc.budget)
			}
			if stdout, code := linktest.Run(t, out); stdout != "Hello World\n" || code != 0 {
				t.Errorf("got %q exit %d", stdout, code)
			}
		})
	}
}

// tiny build gives the same bytes as nasm + tiny link.
func TestBuildMatchesNasmPlusLink(t *testing.T) {
	dir := t.TempDir()
	for _, arch := range []string{"32", "64"} {
		src := seedPath(t, "hello"+arch+".asm")
		text, err := os.ReadFile(src)
		if err != nil {
			t.Fatal(err)
		}
		// nasm's objects: testdata/nasm/TestBuildMatchesNasmPlusLink.txt.
		o := linktest.Write(t, dir, "n"+arch+".o", linktest.Nasm(t, "elf"+arch, string(text)))
		for _, flag := range []string{"--entry=_start", "--wx", "--compact"} {
			a, b := filepath.Join(dir, "a"), filepath.Join(dir, "b")
			if code, _, e := tinyRun("link", flag, "-o", a, o); code != 0 {
				t.Fatal(e)
			}
			if code, _, e := tinyRun("build", flag, "-o", b, src); code != 0 {
				t.Fatal(e)
			}
			x, _ := os.ReadFile(a)
			y, _ := os.ReadFile(b)
			if !bytes.Equal(x, y) {
				t.Errorf("hello%s %s: tiny build and nasm+tiny link differ", arch, flag)
			}
		}
	}
}

func TestLinkErrorsLeaveNoOutput(t *testing.T) {
	dir := t.TempDir()
	text := "BITS 64\nextern nowhere\nglobal _start\n_start: call nowhere\n"
	src := linktest.Write(t, dir, "u.asm", []byte(text))
	obj := linktest.Write(t, dir, "u.o", linktest.Nasm(t, "elf64", text))
	junk := filepath.Join(dir, "junk.o")
	os.WriteFile(junk, []byte("\x7fELF\x02\x01\x01garbage"), 0o644)
	out := filepath.Join(dir, "out")
	for _, tc := range []struct {
		args []string
		code int
		want string
	}{
		{[]string{"link", "-o", out, obj}, 1, "undefined symbol `nowhere'"},
		{[]string{"link", "-o", out, junk}, 1, "junk.o: malformed ELF object"},
		{[]string{"link", "-o", out, filepath.Join(dir, "missing.o")}, 1, "no such file"},
		{[]string{"link", "-o", out}, 2, "no input objects"},
		{[]string{"link", "--bogus", obj}, 2, "flag provided but not defined"},
		{[]string{"link", "--wx", "--compact", "-o", out, obj}, 2, "cannot be combined"},
		{[]string{"link", "--base", "zz", "-o", out, obj}, 2, "bad --base"},
		{[]string{"build", "-o", out, src}, 1, "undefined symbol `nowhere'"},
		{[]string{"build", "-m", "sparc", "-o", out, src}, 2, "unknown -m"},
		{[]string{"strip", "-o", out, src}, 1, "not an ELF file"},
		{[]string{"strip"}, 2, "usage"},
	} {
		code, _, stderr := tinyRun(tc.args...)
		if code != tc.code || !strings.Contains(stderr, tc.want) {
			t.Errorf("tiny %v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr, tc.code, tc.want)
		}
		if _, err := os.Stat(out); err == nil {
			t.Fatalf("tiny %v left an output file", tc.args)
		}
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 3 {
		t.Errorf("temporary files left behind: %v", entries)
	}
}

func TestBuildAssemblyErrorsLikeNasm(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "bad.asm")
	os.WriteFile(src, []byte("BITS 32\n_start:\n  frobnicate eax\n"), 0o644)
	code, _, stderr := tinyRun("build", "-o", filepath.Join(dir, "x"), src)
	if code != 1 || !strings.Contains(stderr, src+":3: error:") {
		t.Errorf("exit %d, stderr %q", code, stderr)
	}
}

func TestStripCommand(t *testing.T) {
	dir := linktest.Dir(t)
	exe := filepath.Join(dir, "h")
	if code, _, e := tinyRun("build", "-o", exe, seedPath(t, "hello64.asm")); code != 0 {
		t.Fatal(e)
	}
	// Our own output has nothing to strip: the same bytes come back.
	out := filepath.Join(dir, "s")
	if code, _, e := tinyRun("strip", "-o", out, exe); code != 0 {
		t.Fatal(e)
	}
	a, _ := os.ReadFile(exe)
	b, _ := os.ReadFile(out)
	if !bytes.Equal(a, b) {
		t.Error("stripping a tiny link output changed it")
	}
	if stdout, code := linktest.Run(t, out); stdout != "Hello World\n" || code != 0 {
		t.Errorf("got %q exit %d", stdout, code)
	}
}

// -I, -D (joined or not) and -m reach the assembler; objects mix with sources.
func TestBuildPassesAssemblerFlags(t *testing.T) {
	dir := linktest.Dir(t)
	inc := filepath.Join(dir, "inc")
	os.MkdirAll(inc, 0o755)
	os.WriteFile(filepath.Join(inc, "sys.inc"), []byte("%define SYS_EXIT 60\n"), 0o644)
	main := filepath.Join(dir, "main.asm")
	os.WriteFile(main, []byte("%include \"sys.inc\"\nextern code\nglobal _start\nsection .text\n_start:\n  mov edi, [rel code]\n  add edi, EXTRA\n  mov eax, SYS_EXIT\n  syscall\n"), 0o644)
	libObj := linktest.Write(t, dir, "lib.o", linktest.Nasm(t, "elf64", "BITS 64\nglobal code\nsection .data\ncode: dd 40\n"))
	out := filepath.Join(dir, "prog")
	// No BITS in main.asm: -m amd64 (also the default) selects elf64.
	for _, args := range [][]string{
		{"build", "-m", "amd64", "-I", inc, "-D", "EXTRA=2", "-o", out, main, libObj},
		{"build", "-I" + inc, "-DEXTRA=2", "-o", out, main, libObj},
		// nasm's other preprocessor options, in command-line order
		{"build", "-i", inc, "-dEXTRA=5", "-UEXTRA", "-DEXTRA=2", "-O0", "-w-all", "-o", out, main, libObj},
		{"build", "-I" + inc, "--before", "%define EXTRA 1", "-Ox", "-wx", "-o", out, main, libObj},
	} {
		if code, _, e := tinyRun(args...); code != 0 {
			t.Fatalf("tiny %v: %s", args, e)
		}
		want := 42
		if strings.Contains(strings.Join(args, " "), "EXTRA 1") {
			want = 41
		}
		if _, code := linktest.Run(t, out); code != want {
			t.Errorf("tiny %v: exit %d, want %d", args, code, want)
		}
	}
	// A warning made an error fails the build; -O levels change the code.
	warn := filepath.Join(dir, "warn.asm")
	os.WriteFile(warn, []byte("BITS 64\nglobal _start\n_start:\nlbl\n  mov eax, 60\n  syscall\n"), 0o644)
	if code, _, e := tinyRun("build", "-w+error=label-orphan", "-o", out+"2", warn); code != 1 || !strings.Contains(e, "[-w+error=label-orphan]") {
		t.Errorf("-w+error=label-orphan: exit %d, %q", code, e)
	}
	if _, err := os.Stat(out + "2"); !os.IsNotExist(err) {
		t.Error("an executable was written despite the error")
	}
	if code, _, e := tinyRun("build", "-Wno-label-orphan", "-o", out+"3", warn); code != 0 || e != "" {
		t.Errorf("-Wno-label-orphan: exit %d, %q", code, e)
	}
	sizes := map[string]int{}
	for _, o := range []string{"-O0", "-Ox"} {
		src := filepath.Join(dir, "o.asm")
		os.WriteFile(src, []byte("BITS 64\nglobal _start\n_start:\n  add edi, 1\n  mov eax, 60\n  syscall\n"), 0o644)
		if code, _, e := tinyRun("build", o, "-o", out+o, src); code != 0 {
			t.Fatalf("%s: %s", o, e)
		}
		fi, _ := os.Stat(out + o)
		sizes[o] = int(fi.Size())
	}
	if sizes["-O0"] != sizes["-Ox"]+3 { // add edi, 1: 81 C7 imm32 against 83 C7 imm8
		t.Errorf("sizes %v: -O0 should keep the imm32", sizes)
	}
}
