package link_test

import (
	"bytes"
	"debug/elf"
	"os"
	"os/exec"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/link"
	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// debugInput is one input object of a debug test: an assembly or C
// source of testdata, compiled in dir with and without -g.
type debugInput struct{ name, format string }

func (in debugInput) compile(t *testing.T, dir string, debug bool) []byte {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, in.name), []byte(src(t, in.name)), 0o644); err != nil {
		t.Fatal(err)
	}
	out := in.name + ".o"
	var args []string
	if strings.HasSuffix(in.name, ".c") {
		linktest.Need(t, "gcc")
		args = []string{"gcc", "-c", "-ffreestanding", "-nostdlib", "-Os", "-fno-pic", "-" + in.format, "-o", out, in.name}
		if debug {
			args = append(args, "-g")
		}
	} else {
		var flags []string
		if debug {
			flags = []string{"-g", "-F", "dwarf"}
		}
		// nasm's objects are checked in: testdata/nasm/<test name>.txt.
		o := linktest.NasmIn(t, dir, in.name, in.format, flags...)
		linktest.Write(t, dir, out, o)
		return o
	}
	cmd := exec.Command(args[0], args[1:]...)
	cmd.Dir = dir
	if b, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("%v: %v\n%s", args, err, b)
	}
	b, err := os.ReadFile(filepath.Join(dir, out))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// debugPrograms: one object, two objects, and nasm's _start with gcc's C.
var debugPrograms = []struct {
	name   string
	inputs []debugInput
	// breaks: a gdb breakpoint and the source text at it.
	breaks [][2]string
	out    string
	code   int
}{
	{"hello64", []debugInput{{"hello64.asm", "elf64"}}, [][2]string{{"hello64.asm:13", "mov eax, 1"}}, "Hello World\n", 0},
	{"main32+lib32", []debugInput{{"main32.asm", "elf32"}, {"lib32.asm", "elf32"}}, nil, "", -1},
	{"start64+render.c", []debugInput{{"start64.asm", "elf64"}, {"render.c", "m64"}}, [][2]string{{"render.c:10", "counter += step;"}, {"start64.asm:9", "call render"}}, "36925\n", 15},
}

func readAll(t *testing.T, dir string, inputs []debugInput, debug bool, read func([]byte, string) (*obj.File, error)) []*obj.File {
	t.Helper()
	var files []*obj.File
	for _, in := range inputs {
		f, err := read(in.compile(t, dir, debug), in.name+".o")
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, f)
	}
	return files
}

// Debugging information never reaches the executable: linking objects
// built with -g, with or without a debug file, gives the bytes of the
// link of the same objects built without it, in every layout.
func TestDebugInfoLeavesTheExecutableUnchanged(t *testing.T) {
	for _, p := range debugPrograms {
		t.Run(p.name, func(t *testing.T) {
			dir := linktest.Dir(t)
			plain := readAll(t, dir, p.inputs, false, tinyelf.ReadObject)
			withG := readAll(t, dir, p.inputs, true, tinyelf.ReadObject)
			kept := readAll(t, dir, p.inputs, true, tinyelf.ReadObjectWithDebug)
			for _, l := range layouts {
				want, err := link.Link(plain, l.opts)
				if err != nil {
					t.Fatal(err)
				}
				got, err := link.Link(withG, l.opts)
				if err != nil {
					t.Fatal(err)
				}
				exe, dbg, err := link.LinkDebug(kept, l.opts)
				if err != nil {
					t.Fatal(err)
				}
				if !bytes.Equal(got, want) || !bytes.Equal(exe, want) {
					t.Errorf("%s: -g changes the executable (%d, %d and %d bytes)", l.name, len(want), len(got), len(exe))
				}
				if len(dbg) == 0 {
					t.Errorf("%s: no debug file", l.name)
				}
			}
		})
	}
}

// gdb, given the executable and its debug file, stops on source lines
// of assembly and of C, in the default and the compact layouts; the
// program still runs to its usual end.
func TestDebugFileWorksInGDB(t *testing.T) {
	linktest.Need(t, "gdb", "readelf")
	for _, p := range debugPrograms {
		if p.breaks == nil {
			continue
		}
		for _, l := range []int{0, 2} {
			t.Run(p.name+"/"+layouts[l].name, func(t *testing.T) {
				dir := linktest.Dir(t)
				exe, dbg, err := link.LinkDebug(readAll(t, dir, p.inputs, true, tinyelf.ReadObjectWithDebug), layouts[l].opts)
				if err != nil {
					t.Fatal(err)
				}
				exePath := linktest.Write(t, dir, "prog", exe)
				dbgPath := linktest.Write(t, dir, "prog.debug", dbg)
				if out, code := linktest.Run(t, exePath); out != p.out || code != p.code {
					t.Fatalf("ran: %q, exit %d", out, code)
				}
				// nasm 2.16's elf64 units end with 4 zero bytes that
				// readelf calls bogus end-of-siblings markers, after
				// GNU ld as after us; other warnings would be ours.
				for _, l := range strings.Split(linktest.Readelf(t, dbgPath, "-a", "-W", "--debug-dump=info,line,aranges"), "\n") {
					if strings.Contains(l, "Warning") && !strings.Contains(l, "end-of-sibling") {
						t.Fatalf("readelf warns: %s", l)
					}
				}
				if x, err := tinyelf.ReadExec(exe); err != nil || exe[elf.EI_CLASS] != byte(x.Class) || exe[elf.EI_DATA] != byte(elf.ELFDATA2LSB) {
					// --compact put program bytes in e_ident: the kernel
					// runs it, gdb's BFD does not recognise it.
					t.Logf("gdb cannot load this executable (e_ident holds program bytes)")
					return
				}
				for _, b := range p.breaks {
					out := linktest.GDB(t, dir, "", "file ./prog", "symbol-file ./prog.debug", "break "+b[0], "run", "info line *$pc")
					file, line, _ := strings.Cut(b[0], ":")
					for _, want := range []string{"Breakpoint 1, ", " at " + b[0] + "\n", line + "\t", b[1], `Line ` + line + ` of "` + file + `"`} {
						if !strings.Contains(out, want) {
							t.Errorf("break %s: gdb output lacks %q:\n%s", b[0], want, out)
						}
					}
				}
			})
		}
	}
}

// The debug file's line table is GNU ld's, moved to our addresses: the
// same rows at the same offsets from the start of the code.
func TestDebugFileLinesMatchGNULd(t *testing.T) {
	linktest.Need(t, "ld", "readelf")
	for _, c := range []struct {
		in     debugInput
		ldArch string
	}{{debugInput{"hello64.asm", "elf64"}, "elf_x86_64"}, {debugInput{"hello32.asm", "elf32"}, "elf_i386"}} {
		dir := linktest.Dir(t)
		o := c.in.compile(t, dir, true)
		f, err := tinyelf.ReadObjectWithDebug(o, c.in.name)
		if err != nil {
			t.Fatal(err)
		}
		_, dbg, err := link.LinkDebug([]*obj.File{f}, link.Options{})
		if err != nil {
			t.Fatal(err)
		}
		ours := linktest.Write(t, dir, "ours.debug", dbg)
		cmd := exec.Command("ld", "-m", c.ldArch, "-o", "ld.out", c.in.name+".o")
		cmd.Dir = dir
		if out, err := cmd.CombinedOutput(); err != nil {
			t.Fatalf("ld: %v\n%s", err, out)
		}
		got, want := rowsFromText(t, ours), rowsFromText(t, filepath.Join(dir, "ld.out"))
		if len(want) == 0 || !reflect.DeepEqual(got, want) {
			t.Errorf("%s: rows relative to .text:\n got %v\nwant %v", c.in.name, got, want)
		}
	}
}

// rowsFromText is the file's line rows with addresses made relative to
// its .text section.
func rowsFromText(t *testing.T, path string) []linktest.LineRow {
	t.Helper()
	ef, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer ef.Close()
	text := ef.Section(".text")
	if text == nil {
		t.Fatalf("%s: no .text", path)
	}
	rows := linktest.DecodedLines(t, path)
	for i := range rows {
		rows[i].Addr -= text.Addr
	}
	return rows
}

func TestDebugFileRefusesWhatItCannotRelocate(t *testing.T) {
	f := &obj.File{Name: "x.o", Arch: obj.ArchAMD64,
		Sections: []*obj.Section{
			{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Data: []byte{0xc3}, Size: 1},
			{Name: ".debug_frame", Data: make([]byte, 8), Size: 8, Relocs: []obj.Reloc{{Offset: 0, Size: 4, Kind: obj.RelocPCRel, Symbol: 1}}},
		},
		Symbols: []*obj.Symbol{{Name: "_start", Section: 0, Binding: obj.BindGlobal}, {Name: ".text", Section: 0, Kind: obj.KindSection}},
	}
	_, _, err := link.LinkDebug([]*obj.File{f}, link.Options{})
	if err == nil || !strings.Contains(err.Error(), "x.o: .debug_frame+0x0: R_X86_64_PC32 relocation in debugging information is not supported") {
		t.Fatalf("error %v", err)
	}
	if _, err := link.Link([]*obj.File{f}, link.Options{}); err != nil {
		t.Fatalf("without a debug file the link does not look at debugging sections: %v", err)
	}
}
