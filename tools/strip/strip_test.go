package strip_test

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/link"
	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
	"github.com/rules-tiny/rules_tiny/tools/obj"
	"github.com/rules-tiny/rules_tiny/tools/strip"
)

// checkStripped runs a program before and after Strip, compares stdout and
// exit status, and checks that nothing but loaded bytes is left.
func checkStripped(t *testing.T, dir, path string) (before, after int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	out, err := strip.Strip(data)
	if err != nil {
		t.Fatal(err)
	}
	sp := linktest.Write(t, dir, filepath.Base(path)+".stripped", out)
	o1, c1 := linktest.Run(t, path)
	o2, c2 := linktest.Run(t, sp)
	if o1 != o2 || c1 != c2 {
		t.Errorf("stripped program differs: %q exit %d, original %q exit %d", o2, c2, o1, c1)
	}
	re := linktest.Readelf(t, sp, "-S", "-l", "-W")
	if !strings.Contains(re, "There are no sections in this file") {
		t.Errorf("sections left:\n%s", re)
	}
	if bytes.Contains(out, []byte("GCC: (")) {
		t.Error(".comment contents left in the output")
	}
	// Every program header is unchanged: the loader sees the same image.
	x1, _ := elf.ReadExec(data)
	x2, err := elf.ReadExec(out)
	if err != nil {
		t.Fatal(err)
	}
	if x1.Entry != x2.Entry || x1.Phoff != x2.Phoff || x1.Machine != x2.Machine || x2.Shoff != 0 || x2.Shnum != 0 {
		t.Errorf("ELF header: %+v -> %+v", x1, x2)
	}
	if len(x1.Progs) != len(x2.Progs) {
		t.Fatal("program headers changed")
	}
	for i, p := range x1.Progs {
		if x2.Progs[i] != p {
			t.Errorf("program header %d changed: %+v -> %+v", i, p, x2.Progs[i])
		}
		// The ELF header's section-table fields are the only loaded bytes
		// that change; compare what follows the header.
		lo := max(p.Off, 64)
		if p.Filesz > 0 && p.Off+p.Filesz > lo && !bytes.Equal(data[lo:p.Off+p.Filesz], out[lo:p.Off+p.Filesz]) {
			t.Errorf("contents of program header %d changed", i)
		}
	}
	again, err := strip.Strip(out)
	if err != nil || !bytes.Equal(again, out) {
		t.Errorf("stripping twice changes the output (err %v)", err)
	}
	return len(data), len(out)
}

func TestStripGoBinary(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a Go program (a few seconds); skipped with -short")
	}
	dir := linktest.Dir(t)
	if err := os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello, world\") }\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.21\n"), 0o644)
	bin := filepath.Join(dir, "hello")
	cmd := exec.Command("go", "build", "-o", bin, ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOFLAGS=-mod=mod")
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	before, after := checkStripped(t, dir, bin)
	t.Logf("Go hello world (CGO_ENABLED=0): %d bytes -> %d bytes stripped (%.0f%%)", before, after, 100*float64(after)/float64(before))
}

func TestStripStaticC(t *testing.T) {
	linktest.Need(t, "gcc")
	dir := linktest.Dir(t)
	src := filepath.Join(dir, "c.c")
	os.WriteFile(src, []byte("#include <stdio.h>\nint main(void) { puts(\"hi from C\"); return 3; }\n"), 0o644)
	for _, m := range []string{"-m64", "-m32"} {
		bin := filepath.Join(dir, "c"+m)
		linktest.Cmd(t, "gcc", m, "-static", "-Os", "-o", bin, src)
		before, after := checkStripped(t, dir, bin)
		t.Logf("static C hello (%s): %d bytes -> %d bytes stripped", m, before, after)
	}
}

// GNU ld's own output (ld -N, section headers and symbols) strips to what
// our linker would have written: headers plus loaded bytes.
func TestStripLdOutput(t *testing.T) {
	linktest.Need(t, "ld")
	dir := linktest.Dir(t)
	src, _ := os.ReadFile("../link/testdata/hello32.asm")
	o := linktest.Write(t, dir, "h.o", linktest.Nasm(t, "elf32", string(src)))
	bin := filepath.Join(dir, "h")
	linktest.Cmd(t, "ld", "-m", "elf_i386", "-N", "-o", bin, o)
	before, after := checkStripped(t, dir, bin)
	t.Logf("ld -N seed program: %d bytes -> %d bytes stripped", before, after)
}

func TestStripRefuses(t *testing.T) {
	linktest.Need(t, "gcc")
	dir := linktest.Dir(t)
	src := filepath.Join(dir, "c.c")
	os.WriteFile(src, []byte("int main(void) { return 0; }\n"), 0o644)
	dyn := filepath.Join(dir, "dyn")
	linktest.Cmd(t, "gcc", "-o", dyn, src)
	dynData, _ := os.ReadFile(dyn)
	spie := filepath.Join(dir, "spie")
	linktest.Cmd(t, "gcc", "-static-pie", "-o", spie, src)
	spieData, _ := os.ReadFile(spie)
	obj := filepath.Join(dir, "c.o")
	linktest.Cmd(t, "gcc", "-c", "-o", obj, src)
	objData, _ := os.ReadFile(obj)
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"dynamic", dynData, "dynamically linked"},
		{"static-pie", spieData, "dynamic sections"},
		{"object", objData, "no program headers"},
		{"script", []byte("#!/bin/sh\necho hi\n"), "a script"},
		{"text", []byte("hello"), "not an ELF file"},
		{"truncated", dynData[:40], "truncated ELF header"},
		{"phdrs past the end", dynData[:80], "runs past the end of the file"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := strip.Strip(c.data)
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("err = %v, want %q", err, c.want)
			}
		})
	}
}

func FuzzStrip(f *testing.F) {
	// Seeds: testdata/fuzz/FuzzStrip (small executables from our linker and ld).
	f.Fuzz(func(t *testing.T, data []byte) {
		out, err := strip.Strip(data)
		if err != nil {
			return
		}
		if _, err := elf.ReadExec(out); err != nil {
			t.Fatalf("stripped output does not parse: %v", err)
		}
		if len(out) > len(data) {
			t.Fatalf("output (%d bytes) larger than input (%d)", len(out), len(data))
		}
	})
}

// Our own outputs, including --compact ones whose header bytes double as
// program headers and program bytes, come back unchanged.
func TestStripLeavesMinimalFilesAlone(t *testing.T) {
	for _, name := range []string{"hello32.asm", "hello64.asm", "main64.asm"} {
		src, _ := os.ReadFile(filepath.Join("..", "link", "testdata", name))
		format := "elf64"
		if strings.Contains(name, "32") {
			format = "elf32"
		}
		o, err := elf.ReadObject(linktest.Nasm(t, format, string(src)), name)
		if err != nil {
			t.Fatal(err)
		}
		files := []*obj.File{o}
		if name == "main64.asm" {
			lib, _ := os.ReadFile(filepath.Join("..", "link", "testdata", "lib64.asm"))
			l, err := elf.ReadObject(linktest.Nasm(t, format, string(lib)), "lib64.asm")
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, l)
		}
		for _, opts := range []link.Options{{}, {WX: true}, {Compact: true}} {
			exe, err := link.Link(files, opts)
			if err != nil {
				t.Fatal(err)
			}
			out, err := strip.Strip(exe)
			if err != nil {
				t.Fatalf("%s %+v: %v", name, opts, err)
			}
			if !bytes.Equal(out, exe) {
				t.Errorf("%s %+v: strip changed a file that has nothing to strip", name, opts)
			}
		}
	}
}

// Executables of other machines strip too, big-endian ones included: Go
// programs for arm64 and s390x, run before and after under qemu-user when
// it is installed.
func TestStripForeignGoBinaries(t *testing.T) {
	if testing.Short() {
		t.Skip("cross-builds Go programs (a few seconds each); skipped with -short")
	}
	dir := linktest.Dir(t)
	os.WriteFile(filepath.Join(dir, "main.go"), []byte("package main\n\nimport \"fmt\"\n\nfunc main() { fmt.Println(\"hello, world\") }\n"), 0o644)
	os.WriteFile(filepath.Join(dir, "go.mod"), []byte("module hello\n\ngo 1.21\n"), 0o644)
	for _, tc := range []struct{ goarch, qemu, machine string }{{"arm64", "qemu-aarch64", "AArch64"}, {"s390x", "qemu-s390x", "IBM S/390"}} {
		t.Run(tc.goarch, func(t *testing.T) {
			bin := filepath.Join(dir, tc.goarch)
			cmd := exec.Command("go", "build", "-o", bin, ".")
			cmd.Dir = dir
			cmd.Env = append(os.Environ(), "CGO_ENABLED=0", "GOOS=linux", "GOARCH="+tc.goarch, "GOFLAGS=-mod=mod")
			if out, err := cmd.CombinedOutput(); err != nil {
				t.Fatalf("go build: %v\n%s", err, out)
			}
			data, _ := os.ReadFile(bin)
			out, err := strip.File(bin)
			if err != nil {
				t.Fatal(err)
			}
			sp := linktest.Write(t, dir, tc.goarch+".stripped", out)
			re := linktest.Readelf(t, sp, "-h", "-S", "-l", "-W")
			if !strings.Contains(re, tc.machine) || !strings.Contains(re, "There are no sections in this file") {
				t.Errorf("readelf of the stripped file:\n%s", re)
			}
			x1, _ := elf.ReadExec(data)
			x2, err := elf.ReadExec(out)
			if err != nil || x1.Entry != x2.Entry || len(x1.Progs) != len(x2.Progs) || x2.Shoff != 0 {
				t.Fatalf("headers changed: %+v -> %+v (%v)", x1.Header, x2, err)
			}
			for i, p := range x1.Progs {
				if x2.Progs[i] != p || (p.Filesz > 0 && !bytes.Equal(data[max(p.Off, 64):p.Off+p.Filesz], out[max(p.Off, 64):p.Off+p.Filesz])) {
					t.Errorf("program header %d or its contents changed", i)
				}
			}
			t.Logf("%s: %d -> %d bytes", tc.goarch, len(data), len(out))
			if _, err := exec.LookPath(tc.qemu); err != nil {
				t.Skipf("%s not installed: the stripped program was not run", tc.qemu)
			}
			for _, p := range []string{bin, sp} {
				if got, err := exec.Command(tc.qemu, p).Output(); err != nil || string(got) != "hello, world\n" {
					t.Errorf("%s %s: %q, %v", tc.qemu, filepath.Base(p), got, err)
				}
			}
		})
	}
}
