package asm

import (
	"bytes"
	stddwarf "debug/dwarf"
	stdelf "debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// debugPrograms are sources whose line tables nasm 2.16 writes with -g,
// each assembled as elf32 and elf64. Between them: %include'd code and
// macros, nested macros, .nolist, %rep in and out of macros, single-line
// macros, %line (with and without a file, steps 0, 1 and 2), two code
// sections, data, align, times, resb and incbin in code, local labels,
// %use packages, struc.
var debugPrograms = map[string]map[string]string{
	// %use packages (bf16 is a .nolist macro of fp), runs of statements
	// folded when parsed, istruc's at (a .nolist macro in nasm).
	"packages": {
		"main.asm": `%use fp
%use altreg
struc pt
.x: resd 1
.y: resd 1
endstruc
section .data
p: istruc pt
    at pt.x, dd 1
    at pt.y, dd 2
iend
section .text
global _start
_start:
    mov r0d, 1
    nop
    nop
    bf16 1.0, 2.0, 3.0
    xor r3d, r3d
    dd float32(1.5)
    int 0x80
`,
	},
	"include": {
		"main.asm": `%include "print.mac"
section .data
msg: db "Hello World", 10
len equ $ - msg
section .text
global _start
_start:
    print msg, len
%rep 2
    nop
%endrep
.done:
    jmp .done
%include "exit.inc"
`,
		"print.mac": `%macro print 2
    mov eax, 4
    mov ebx, 1
    mov ecx, %1
    mov edx, %2
    int 0x80
%endmacro
`,
		"exit.inc": `; code, not a macro
    mov eax, 1
    xor ebx, ebx
    int 0x80
`,
	},
	"macros": {
		"main.asm": `%macro two 0.nolist
    nop
    nop
%endmacro
%macro outer 1
    inc eax
    two
%rep %1
    inc ecx
%endrep
    dec eax
%endmacro
%macro quiet 0.NOLIST
    outer 2
    inc edx
%endmacro
%define ADD1 add eax, 1
section .text
global _start
_start:
    two
    outer 3
    ADD1
    quiet
    db 1, 2, 3
    times 2 nop
    align 8
    resb 2
    incbin "blob.bin"
section .text.b progbits alloc exec
    ret
section .text
    hlt
%line 100+1 gen.asm
    nop
    nop
%line 200+0
    nop
    nop
%line 50+2 "other.asm"
    nop
    nop
`,
		"blob.bin": "abc",
	},
}

func writeDir(t *testing.T, files map[string]string) string {
	t.Helper()
	dir := linktest.Dir(t)
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

// assembleIn assembles dir/name with the given options, reading files
// relative to dir.
func assembleIn(t *testing.T, dir, name string, opts Options) *Result {
	t.Helper()
	opts.ReadFile = func(p string) ([]byte, error) { return os.ReadFile(filepath.Join(dir, p)) }
	res, err := Assemble(name, opts)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func marshal(t *testing.T, f *obj.File) []byte {
	t.Helper()
	b, err := elf.MarshalObject(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// With -g our line tables decode, row for row (file, line, address), to
// nasm's: in the objects, and in the executables GNU ld links from them.
//
// nasm's objects are checked in (testdata/nasm/TestDebugLinesMatchNasm.txt)
// and decoded and linked by the installed readelf and ld, beside ours.
func TestDebugLinesMatchNasm(t *testing.T) {
	linktest.Need(t, "ld", "readelf")
	golden := nasmgolden.ForTest(t)
	for name, files := range debugPrograms {
		for _, c := range []struct{ format, ldArch string }{{"elf32", "elf_i386"}, {"elf64", "elf_x86_64"}} {
			t.Run(name+"/"+c.format, func(t *testing.T) {
				dir := writeDir(t, files)
				args := []string{"-f", c.format, "-g", "-F", "dwarf", "-o", nasmgolden.Out, "main.asm"}
				ans := golden.Answer(t, name+": nasm "+strings.Join(args, " "), filesInput(files), func() nasmgolden.Answer {
					return nasmgolden.Run(t, dir, args)
				})
				if !ans.OK() {
					t.Fatalf("nasm: status %d\n%s", ans.Status, ans.Output)
				}
				nasmObj := ans.File(t, nasmgolden.Out)
				linktest.Write(t, dir, "nasm.o", nasmObj)
				res := assembleIn(t, dir, "main.asm", Options{Format: c.format, Debug: true})
				linktest.Write(t, dir, "ours.o", marshal(t, res.Object))
				want := linktest.DecodedLines(t, filepath.Join(dir, "nasm.o"))
				t.Logf("%d rows: %v", len(want), want)
				if got := linktest.DecodedLines(t, filepath.Join(dir, "ours.o")); len(want) < 4 || !reflect.DeepEqual(got, want) {
					t.Fatalf("object rows:\n got %v\nwant %v", got, want)
				}
				for _, o := range []string{"nasm", "ours"} {
					cmd := exec.Command("ld", "-m", c.ldArch, "-o", o, o+".o")
					cmd.Dir = dir
					if out, err := cmd.CombinedOutput(); err != nil {
						t.Fatalf("ld %s.o: %v\n%s", o, err, out)
					}
				}
				want = linktest.DecodedLines(t, filepath.Join(dir, "nasm"))
				if got := linktest.DecodedLines(t, filepath.Join(dir, "ours")); !reflect.DeepEqual(got, want) {
					t.Fatalf("executable rows:\n got %v\nwant %v", got, want)
				}
			})
		}
	}
}

// filesInput is what nasm's answer about a set of files depends on: their
// names and contents, in name order.
func filesInput(files map[string]string) []byte {
	names := make([]string, 0, len(files))
	for n := range files {
		names = append(names, n)
	}
	sort.Strings(names)
	var b []byte
	for _, n := range names {
		b = append(append(append(b, n...), 0), files[n]...)
		b = append(b, 0)
	}
	return b
}

// Where nasm 2.16 loses a row our table keeps it: when the file changes
// but the line number does not, nasm switches the file and writes no row,
// so the macro's instruction is attributed to the previous line. Ours
// says where it comes from.
func TestDebugLinesKeepTheRowNasmDrops(t *testing.T) {
	dir := writeDir(t, map[string]string{
		"main.asm": "%include \"m.mac\"\nnop\nm\nnop\n",
		"m.mac":    "%macro m 0\n    inc eax\n%endmacro\n",
	})
	res := assembleIn(t, dir, "main.asm", Options{Format: "elf32", Debug: true})
	got := linktest.DecodedLines(t, linktest.Write(t, dir, "ours.o", marshal(t, res.Object)))
	want := []linktest.LineRow{{File: "main.asm", Line: 2}, {File: "m.mac", Line: 2, Addr: 1}, {File: "main.asm", Line: 4, Addr: 2}, {File: "main.asm", Addr: 3, End: true}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("rows %v, want %v", got, want)
	}
}

// -g adds debugging sections and section symbols, and changes nothing
// else: the same sections with the same bytes and relocations, the same
// symbols first.
func TestDebugChangesNoCodeOrData(t *testing.T) {
	for name, files := range debugPrograms {
		for _, format := range []string{"elf32", "elf64"} {
			dir := writeDir(t, files)
			plain := assembleIn(t, dir, "main.asm", Options{Format: format}).Object
			dbg := assembleIn(t, dir, "main.asm", Options{Format: format, Debug: true}).Object
			if len(dbg.Sections) <= len(plain.Sections) || !reflect.DeepEqual(dbg.Sections[:len(plain.Sections)], plain.Sections) {
				t.Errorf("%s/%s: sections differ", name, format)
			}
			if !reflect.DeepEqual(dbg.Symbols[:len(plain.Symbols)], plain.Symbols) {
				t.Errorf("%s/%s: symbols differ", name, format)
			}
			for _, s := range dbg.Sections[len(plain.Sections):] {
				if !strings.HasPrefix(s.Name, ".debug_") || s.Flags != 0 {
					t.Errorf("%s/%s: added section %s with flags %v", name, format, s.Name, s.Flags)
				}
			}
		}
	}
}

// The object names the source as given and "." as the compilation
// directory (or what the option says), never where it was built.
func TestDebugUnitNamesNoHostPath(t *testing.T) {
	files := map[string]string{"src/a.asm": "%include \"src/b.inc\"\nnop\n", "src/b.inc": "inc eax\n"}
	fs := memFS(files)
	for _, c := range []struct{ dir, want string }{{"", "."}, {"/build", "/build"}} {
		res, err := Assemble("src/a.asm", Options{Format: "elf64", Debug: true, DebugCompDir: c.dir, ReadFile: fs})
		if err != nil {
			t.Fatal(err)
		}
		ef, err := stdelf.NewFile(bytes.NewReader(marshal(t, res.Object)))
		if err != nil {
			t.Fatal(err)
		}
		d, err := ef.DWARF()
		if err != nil {
			t.Fatal(err)
		}
		cu, err := d.Reader().Next()
		if err != nil {
			t.Fatal(err)
		}
		if n, dir := cu.Val(stddwarf.AttrName), cu.Val(stddwarf.AttrCompDir); n != "src/a.asm" || dir != c.want {
			t.Errorf("name %v, comp_dir %v; want src/a.asm, %s", n, dir, c.want)
		}
		lr, err := d.LineReader(cu)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, f := range lr.Files() {
			if f != nil {
				names = append(names, strings.TrimPrefix(f.Name, c.want+"/"))
			}
		}
		if strings.Join(names, " ") != "src/a.asm src/b.inc" {
			t.Errorf("files %v", names)
		}
	}
}

// -g is ignored for bin (the CLI says so), and a file name that DWARF
// cannot hold is an error in nasm's form, not a broken object.
func TestDebugOddInputs(t *testing.T) {
	res, err := Assemble("t.asm", Options{Format: "bin", Debug: true, ReadFile: memFS(map[string]string{"t.asm": "nop\n"})})
	if err != nil || !bytes.Equal(res.Binary, []byte{0x90}) {
		t.Errorf("bin with Debug: %x, %v", res.Binary, err)
	}
	_, err = Assemble("t.asm", Options{Format: "elf64", Debug: true, ReadFile: memFS(map[string]string{"t.asm": "%line 5 \"\"\nnop\n"})})
	if err == nil || !strings.Contains(err.Error(), "t.asm: error: cannot write debugging information: file name is empty") {
		t.Errorf("empty %%line file name: %v", err)
	}
	// Huge %line numbers and steps: no panic, lines beyond DWARF's 32
	// bits become line 0.
	src := "nop\n%line 2147483647+2147483647 big.asm\nnop\nnop\nnop\n"
	res, err = Assemble("t.asm", Options{Format: "elf32", Debug: true, ReadFile: memFS(map[string]string{"t.asm": src})})
	if err != nil {
		t.Fatal(err)
	}
	ef, err := stdelf.NewFile(bytes.NewReader(marshal(t, res.Object)))
	if err != nil {
		t.Fatal(err)
	}
	d, err := ef.DWARF()
	if err != nil {
		t.Fatal(err)
	}
	cu, _ := d.Reader().Next()
	lr, err := d.LineReader(cu)
	if err != nil {
		t.Fatal(err)
	}
	var lines []int
	for {
		var e stddwarf.LineEntry
		if lr.Next(&e) != nil {
			break
		}
		if !e.EndSequence {
			lines = append(lines, e.Line)
		}
	}
	if want := []int{1, 2147483647 + 2147483647, 0}; !reflect.DeepEqual(lines, want) {
		t.Errorf("lines %v, want %v", lines, want)
	}
}

// FuzzAssembleDebug: with -g, any source gives an object whose DWARF Go
// reads, with the same sections as without -g, or errors; never a panic.
func FuzzAssembleDebug(f *testing.F) {
	for _, files := range debugPrograms {
		f.Add(files["main.asm"])
	}
	f.Add("%line 4294967296 x.asm\nnop\n%line 0+0 \"\"\nnop\n")
	f.Add("%macro a 0.nolist\nb\n%endmacro\n%macro b 0\nnop\n%endmacro\na\nb\n")
	f.Fuzz(func(t *testing.T, src string) {
		for _, format := range []string{"elf32", "elf64"} {
			fs := memFS(map[string]string{"t.asm": src, "print.mac": "", "exit.inc": "", "blob.bin": "x"})
			res, err := Assemble("t.asm", Options{Format: format, Debug: true, ReadFile: fs})
			if err != nil {
				continue
			}
			b, err := elf.MarshalObject(res.Object)
			if err != nil {
				continue // e.g. too large for ELF32: the writer's own checks
			}
			ef, err := stdelf.NewFile(bytes.NewReader(b))
			if err != nil {
				t.Fatal(err)
			}
			d, err := ef.DWARF()
			if err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			cu, err := d.Reader().Next()
			if err != nil || cu == nil {
				t.Fatalf("%s: %v", format, err)
			}
			lr, err := d.LineReader(cu)
			if err != nil {
				t.Fatalf("%s: %v", format, err)
			}
			for {
				var e stddwarf.LineEntry
				if err := lr.Next(&e); err != nil {
					break
				}
			}
		}
	})
}
