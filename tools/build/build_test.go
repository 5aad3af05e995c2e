package build_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/build"
	"github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/link"
	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

func testdata(t *testing.T, name string) string {
	t.Helper()
	p, err := filepath.Abs(filepath.Join("..", "link", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// A source and a nasm object link into the program nasm + tiny link make.
func TestBuildMixesSourcesAndObjects(t *testing.T) {
	lib, err := os.ReadFile(testdata(t, "lib32.asm"))
	if err != nil {
		t.Fatal(err)
	}
	dir := linktest.Dir(t)
	libObj := linktest.Write(t, dir, "lib32.o", linktest.Nasm(t, "elf32", string(lib)))
	res, err := build.Build([]string{testdata(t, "main32.asm"), libObj}, build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	out, code := linktest.Run(t, linktest.Write(t, dir, "prog", res.Executable))
	if out != "multi-object\nmulti\n" || code != 42 {
		t.Errorf("got %q exit %d", out, code)
	}
	main, _ := os.ReadFile(testdata(t, "main32.asm"))
	var objs []*obj.File
	for _, src := range []string{string(main), string(lib)} {
		o, err := elf.ReadObject(linktest.Nasm(t, "elf32", src), "x.o")
		if err != nil {
			t.Fatal(err)
		}
		objs = append(objs, o)
	}
	want, err := link.Link(objs, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(res.Executable, want) {
		t.Error("tiny build's bytes differ from nasm + tiny link's")
	}
}

// Without -m, the first input decides the target: a source without BITS
// that follows an ELF32 object is assembled as elf32.
func TestFirstInputDecidesTheTarget(t *testing.T) {
	dir := linktest.Dir(t)
	first := linktest.Write(t, dir, "exit.o", linktest.Nasm(t, "elf32", "BITS 32\nglobal code\nsection .data\ncode: dd 7\n"))
	src := filepath.Join(dir, "start.asm")
	os.WriteFile(src, []byte("extern code\nglobal _start\n_start: mov ebx, [code]\n mov eax, 1\n int 0x80\n"), 0o644)
	res, err := build.Build([]string{first, src}, build.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, code := linktest.Run(t, linktest.Write(t, dir, "prog", res.Executable)); code != 7 {
		t.Errorf("exit %d, want 7", code)
	}
	if _, err := build.Build([]string{first, src}, build.Options{Arch: obj.ArchAMD64}); err == nil || !strings.Contains(err.Error(), "architecture") {
		t.Errorf("-m amd64 with an ELF32 object: err = %v, want an architecture mismatch", err)
	}
}

func TestAssemblyErrorsComeBackInNasmForm(t *testing.T) {
	dir := t.TempDir()
	src := filepath.Join(dir, "bad.asm")
	os.WriteFile(src, []byte("BITS 32\n_start:\n  frobnicate eax\n"), 0o644)
	res, err := build.Build([]string{src}, build.Options{})
	var errs asm.Errors
	if !errors.As(err, &errs) || !strings.Contains(err.Error(), src+":3: error:") || res == nil {
		t.Errorf("err = %v (%T), res = %v", err, err, res)
	}
}

func TestInputsMustBeRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	for path, want := range map[string]string{fifo: "(a FIFO)", dir: "(a directory)", "/dev/zero": "(a character device)", filepath.Join(dir, "missing.asm"): "no such file"} {
		if _, err := build.Build([]string{path}, build.Options{}); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Build(%s): err = %v, want %q", path, err, want)
		}
	}
}

func TestParseArch(t *testing.T) {
	for in, want := range map[string]obj.Arch{"": obj.ArchNone, "i386": obj.ArchI386, "x86": obj.ArchI386, "elf32": obj.ArchI386, "amd64": obj.ArchAMD64, "x86-64": obj.ArchAMD64, "elf64": obj.ArchAMD64} {
		if got, err := build.ParseArch(in); got != want || err != nil {
			t.Errorf("ParseArch(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := build.ParseArch("sparc"); err == nil || !strings.Contains(err.Error(), `unknown -m "sparc"`) {
		t.Errorf("ParseArch(sparc): %v", err)
	}
}

// BenchmarkSeedBuild is what a worker request spends in the tool itself:
// assembling and linking the seed program, reading the source from disk
// (go test -bench SeedBuild -run XXX ./tools/build).
func BenchmarkSeedBuild(b *testing.B) {
	src, err := filepath.Abs(filepath.Join("..", "..", "examples", "hello.asm"))
	if err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		res, err := build.Build([]string{src}, build.Options{})
		if err != nil {
			b.Fatal(err)
		}
		if len(res.Executable) != 130 {
			b.Fatalf("the seed linked to %d bytes, want 130", len(res.Executable))
		}
	}
}
