package main

import (
	"bytes"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		t.Fatal(err)
	}
}

// chdir runs the test in dir: nasm (and tiny asm) resolve includes
// relative to the working directory.
func chdir(t *testing.T, dir string) {
	old, err := os.Getwd()
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chdir(dir); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Chdir(old) })
}

const asmHello32 = `BITS 32
section .data
msg: db "Hello World", 10
len equ $ - msg
section .text
global _start
_start:
	mov edx, len
	mov ecx, msg
	mov ebx, 1
	mov eax, 4
	int 0x80
	mov ebx, 0
	mov eax, 1
	int 0x80
`

func TestAsmDefaultOutputNamesFollowNasm(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	writeFile(t, "src/hello.asm", asmHello32)
	for _, tc := range []struct {
		args []string
		out  string
	}{
		{[]string{"src/hello.asm"}, "src/hello"},                  // bin: extension dropped
		{[]string{"-f", "elf32", "src/hello.asm"}, "src/hello.o"}, // elf: .o
		{[]string{"-felf64", "src/hello.asm"}, "src/hello.o"},     // joined flag form
		{[]string{"-f", "bin", "-o", "out.bin", "src/hello.asm"}, "out.bin"},
		{[]string{"-oout2.bin", "src/hello.asm"}, "out2.bin"},
	} {
		os.Remove(tc.out)
		var stdout, stderr bytes.Buffer
		if code := runAsm(tc.args, &stdout, &stderr); code != 0 {
			t.Fatalf("%v: exit %d: %s", tc.args, code, stderr.String())
		}
		if _, err := os.Stat(tc.out); err != nil {
			t.Fatalf("%v: expected output %s: %v", tc.args, tc.out, err)
		}
	}
}

func TestAsmErrorsExitOneAndLeaveNoOutput(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	writeFile(t, "bad.asm", "nop\nbogus eax\n")
	writeFile(t, "old.bin", "previous")
	var stdout, stderr bytes.Buffer
	code := runAsm([]string{"-o", "new.bin", "bad.asm"}, &stdout, &stderr)
	if code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
	if got := stderr.String(); got != "bad.asm:2: error: parser: instruction expected\n" {
		t.Fatalf("stderr %q", got)
	}
	if _, err := os.Stat("new.bin"); !os.IsNotExist(err) {
		t.Fatal("output file created despite the error")
	}
	// An existing output stays untouched.
	if runAsm([]string{"-o", "old.bin", "bad.asm"}, &stdout, &stderr) != 1 {
		t.Fatal("want exit 1")
	}
	if b, _ := os.ReadFile("old.bin"); string(b) != "previous" {
		t.Fatalf("old output changed to %q", b)
	}
	entries, _ := os.ReadDir(".")
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Fatalf("temporary file %s left behind", e.Name())
		}
	}
}

func TestAsmUsageErrorsExitTwo(t *testing.T) {
	for _, args := range [][]string{
		{},
		{"-f"},
		{"-f", "coff", "x.asm"},
		{"--bogus", "x.asm"},
		{"a.asm", "b.asm"},
	} {
		var stdout, stderr bytes.Buffer
		if code := runAsm(args, &stdout, &stderr); code != 2 {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", args, code, stderr.String())
		}
	}
}

func TestAsmIncludeSearchAndDefines(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	writeFile(t, "inc/v.inc", "db VAL\n")
	writeFile(t, "src/m.asm", "%include \"v.inc\"\n%ifdef FLAG\ndb 9\n%endif\n")
	var stdout, stderr bytes.Buffer
	if code := runAsm([]string{"-I", "inc", "-DVAL=7", "-D", "FLAG", "-o", "m.bin", "src/m.asm"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if b, _ := os.ReadFile("m.bin"); !bytes.Equal(b, []byte{7, 9}) {
		t.Fatalf("output %x, want 0709", b)
	}
	// Without -I the include is not found (nasm does not search the
	// source file's own directory).
	if code := runAsm([]string{"-DVAL=7", "-o", "m2.bin", "src/m.asm"}, &stdout, &stderr); code != 1 {
		t.Fatalf("exit %d, want 1", code)
	}
}

// The seed program assembled by tiny asm links with GNU ld and runs.
func TestAsmSeedProgramLinksWithLd(t *testing.T) {
	ld, err := exec.LookPath("ld")
	if err != nil {
		t.Skip("ld not installed: this test links with GNU ld")
	}
	dir := t.TempDir()
	chdir(t, dir)
	writeFile(t, "hello.asm", asmHello32)
	var stdout, stderr bytes.Buffer
	if code := runAsm([]string{"-f", "elf32", "hello.asm"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	if out, err := exec.Command(ld, "-m", "elf_i386", "-o", "hello", "hello.o").CombinedOutput(); err != nil {
		t.Fatalf("ld: %v\n%s", err, out)
	}
	out, err := exec.Command("./hello").Output()
	if err != nil || string(out) != "Hello World\n" {
		t.Fatalf("run: %q %v", out, err)
	}
}

// --limit-NAME takes nasm's forms (a separate value, `=`, `unlimited`) on
// tiny asm and tiny build alike; an unknown limit or a bad value is a
// usage error, not a warning.
func TestAsmLimitFlags(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	writeFile(t, "r.asm", "BITS 64\nglobal _start\n_start:\n%rep 10\nnop\n%endrep\nmov eax, 60\nsyscall\n")
	for _, tc := range []struct {
		run  func([]string, io.Writer, io.Writer) int
		args []string
		code int
		want string
	}{
		{runAsm, []string{"--limit-rep", "5", "-o", "r.bin", "r.asm"}, 1, "r.asm:4: error: `%rep' count 10 exceeds the limit of 5 (--limit-rep)"},
		{runAsm, []string{"--limit-rep=5", "-o", "r.bin", "r.asm"}, 1, "(--limit-rep)"},
		{runAsm, []string{"--limit-REP", "10", "-o", "r.bin", "r.asm"}, 0, ""},
		{runAsm, []string{"--limit-rep", "unlimited", "-o", "r.bin", "r.asm"}, 0, ""},
		{runAsm, []string{"--limit-rep", "-1", "r.asm"}, 2, "invalid limit value `-1'"},
		{runAsm, []string{"--limit-rep", "5k", "r.asm"}, 2, "invalid limit value `5k'"},
		{runAsm, []string{"--limit-bogus", "3", "r.asm"}, 2, "unknown limit `bogus'"},
		{runAsm, []string{"r.asm", "--limit-rep"}, 2, "option `--limit-rep' requires an argument"},
		{runBuild, []string{"--limit-rep", "5", "-o", "r", "r.asm"}, 1, "(--limit-rep)"},
		{runBuild, []string{"--limit-rep=0x10", "-o", "r", "r.asm"}, 0, ""},
		{runBuild, []string{"--limit-rep", "many", "-o", "r", "r.asm"}, 2, "invalid limit value `many'"},
	} {
		var stdout, stderr bytes.Buffer
		code := tc.run(tc.args, &stdout, &stderr)
		if code != tc.code || !strings.Contains(stderr.String(), tc.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tc.args, code, stderr.String(), tc.code, tc.want)
		}
	}
}

// A source that is a FIFO is refused at once (reading it would wait for a
// writer forever), by tiny asm and by tiny build.
func TestAsmRefusesFIFO(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	if err := syscall.Mkfifo("f.asm", 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	for _, run := range []func([]string, io.Writer, io.Writer) int{runAsm, runBuild} {
		done := make(chan int, 1)
		var stdout, stderr bytes.Buffer
		go func() { done <- run([]string{"-o", "out", "f.asm"}, &stdout, &stderr) }()
		select {
		case code := <-done:
			if code != 1 || !strings.Contains(stderr.String(), "is not a regular file (a FIFO)") {
				t.Errorf("exit %d, stderr %q", code, stderr.String())
			}
		case <-time.After(10 * time.Second):
			t.Fatal("still reading the FIFO after 10s")
		}
	}
}

// `-f elf` is elf32 under nasm's name "elf" for __OUTPUT_FORMAT__, and
// SOURCE_DATE_EPOCH gives __DATE__ its value, on tiny asm and tiny build.
func TestAsmFormatNameAndBuildTime(t *testing.T) {
	dir := t.TempDir()
	chdir(t, dir)
	writeFile(t, "f.asm", "BITS 32\nglobal _start\n_start:\n%ifidn __OUTPUT_FORMAT__, elf\ndb 1\n%else\ndb 2\n%endif\ndb __DATE__\n")
	t.Setenv("SOURCE_DATE_EPOCH", "86400")
	var stdout, stderr bytes.Buffer
	if code := runAsm([]string{"-f", "elf", "-o", "f.o", "f.asm"}, &stdout, &stderr); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	data, _ := os.ReadFile("f.o")
	if !bytes.Contains(data, []byte("\x011970-01-02")) {
		t.Fatalf("object lacks the elf branch (db 1) followed by the date")
	}
	if code := runBuild([]string{"-o", "f", "f.asm"}, &stdout, &stderr); code != 0 {
		t.Fatalf("build: exit %d: %s", code, stderr.String())
	}
	t.Setenv("SOURCE_DATE_EPOCH", "")
	stderr.Reset()
	if code := runAsm([]string{"-f", "elf", "-o", "f.o", "f.asm"}, &stdout, &stderr); code != 1 || !strings.Contains(stderr.String(), "SOURCE_DATE_EPOCH") {
		t.Fatalf("without SOURCE_DATE_EPOCH: exit %d, %q", code, stderr.String())
	}
}
