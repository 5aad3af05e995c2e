package dwarf

import (
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// nasmPrograms are sources whose line tables nasm writes with -g: an
// %include'd macro file, %rep, data in the code, two code sections, a
// .nolist macro and %line.
var nasmPrograms = []struct {
	name, format, ldArch string
	files                map[string]string
	// breaks are gdb breakpoints and the source text gdb must show there.
	breaks map[string]string
}{
	{
		name: "i386", format: "elf32", ldArch: "elf_i386",
		files: map[string]string{
			"main.asm": `BITS 32
%include "print.mac"
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
		},
		breaks: map[string]string{"main.asm:13": "mov eax, 1", "print.mac:4": "mov ecx, %1"},
	},
	{
		name: "amd64", format: "elf64", ldArch: "elf_x86_64",
		files: map[string]string{
			"main.asm": `BITS 64
%macro quiet 0.nolist
    nop
    nop
%endmacro
section .text
global _start
_start:
    quiet
    call helper
    db 0x90, 0x90
    mov eax, 60
    xor edi, edi
    syscall
section .text.helper progbits alloc exec
helper:
    mov eax, 1
%line 100+1 gen.asm
    ret
`,
		},
		breaks: map[string]string{"main.asm:12": "mov eax, 60", "main.asm:17": "mov eax, 1"},
	},
}

func writeFiles(t *testing.T, dir string, files map[string]string) {
	t.Helper()
	for name, src := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

func run(t *testing.T, dir, name string, args ...string) {
	t.Helper()
	cmd := exec.Command(name, args...)
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
}

// Given nasm's own rows, our line programs decode to exactly nasm's
// rows, in the object and, linked by GNU ld, in the executable; gdb then
// stops on the source lines asked for. The assembler's hook is tested
// in tools/asm; this pins the encoder and its relocations.
func TestNasmsRowsEncodeToNasmsTable(t *testing.T) {
	linktest.Need(t, "ld", "readelf")
	for _, p := range nasmPrograms {
		t.Run(p.name, func(t *testing.T) {
			dir := linktest.Dir(t)
			writeFiles(t, dir, p.files)
			// nasm's objects: testdata/nasm/TestNasmsRowsEncodeToNasmsTable.*.txt.
			linktest.Write(t, dir, "nasm.o", linktest.NasmIn(t, dir, "main.asm", p.format, "-g", "-F", "dwarf"))
			plain := linktest.NasmIn(t, dir, "main.asm", p.format)
			want := linktest.DecodedLines(t, filepath.Join(dir, "nasm.o"))

			f, err := tinyelf.ReadObject(plain, "plain.o")
			if err != nil {
				t.Fatal(err)
			}
			// nasm writes one sequence per code section, in the order
			// of the sections here.
			var code []int
			for i, s := range f.Sections {
				if s.Flags&obj.FlagExec != 0 && s.Size > 0 {
					code = append(code, i)
				}
			}
			var l Lines
			seq := 0
			for _, r := range want {
				if r.End {
					seq++
					continue
				}
				if seq >= len(code) {
					t.Fatalf("nasm wrote more sequences than there are code sections: %v", want)
				}
				l.Add(code[seq], r.Addr, r.File, r.Line)
			}
			if err := Generate(f, &l, Unit{Name: "main.asm", CompDir: ".", Producer: "tiny test"}); err != nil {
				t.Fatal(err)
			}
			ours, err := tinyelf.MarshalObject(f)
			if err != nil {
				t.Fatal(err)
			}
			linktest.Write(t, dir, "ours.o", ours)
			if got := linktest.DecodedLines(t, filepath.Join(dir, "ours.o")); !reflect.DeepEqual(got, want) {
				t.Fatalf("object rows:\n got %v\nwant %v", got, want)
			}

			run(t, dir, "ld", "-m", p.ldArch, "-o", "nasm", "nasm.o")
			run(t, dir, "ld", "-m", p.ldArch, "-o", "ours", "ours.o")
			wantExe := linktest.DecodedLines(t, filepath.Join(dir, "nasm"))
			if got := linktest.DecodedLines(t, filepath.Join(dir, "ours")); !reflect.DeepEqual(got, wantExe) {
				t.Fatalf("executable rows:\n got %v\nwant %v", got, wantExe)
			}
			checkBreakpoints(t, dir, "ours", p.breaks)
		})
	}
}

// checkBreakpoints runs exe under gdb once per breakpoint and checks
// that it stops there, on the line whose text is given.
func checkBreakpoints(t *testing.T, dir, exe string, breaks map[string]string) {
	t.Helper()
	for loc, text := range breaks {
		out := linktest.GDB(t, dir, "./"+exe, "break "+loc, "run", "info line *$pc")
		file, line, _ := strings.Cut(loc, ":")
		for _, want := range []string{
			"Breakpoint 1 at ", "file " + file + ", line " + line + ".",
			"Breakpoint 1, ", " at " + loc + "\n",
			line + "\t", text,
			`Line ` + line + ` of "` + file + `" starts at address`,
		} {
			if !strings.Contains(out, want) {
				t.Errorf("gdb, break %s: output lacks %q:\n%s", loc, want, out)
			}
		}
	}
}
