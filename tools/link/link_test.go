package link_test

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/link"
	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

func src(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// nasmObj assembles testdata/name with nasm and reads it back.
func nasmObj(t *testing.T, format, name string) *obj.File {
	t.Helper()
	o, err := tinyelf.ReadObject(linktest.Nasm(t, format, src(t, name)), name)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

func gccObj(t *testing.T, mflag, name string) *obj.File {
	t.Helper()
	o, err := tinyelf.ReadObject(linktest.GCC(t, mflag, src(t, name)), name)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

var layouts = []struct {
	name string
	opts link.Options
}{
	{"default", link.Options{}},
	{"wx", link.Options{WX: true}},
	{"compact", link.Options{Compact: true}},
}

// runChecked links, writes, runs the program and checks readelf parses it.
func runChecked(t *testing.T, files []*obj.File, opts link.Options, wantOut string, wantCode int) []byte {
	t.Helper()
	exe, err := link.Link(files, opts)
	if err != nil {
		t.Fatal(err)
	}
	// This machine's vm.mmap_min_addr may be lower than the usual 65536:
	// check the addresses themselves.
	x, err := tinyelf.ReadExec(exe)
	if err != nil {
		t.Fatalf("our own output does not parse: %v", err)
	}
	for _, ph := range x.Progs {
		if ph.Type == elf.PT_LOAD && ph.Vaddr&^0xfff < 0x10000 {
			t.Errorf("segment at %#x is below 0x10000 (vm.mmap_min_addr on common distributions)", ph.Vaddr)
		}
	}
	p := linktest.Write(t, linktest.Dir(t), "prog", exe)
	out, code := linktest.Run(t, p)
	if out != wantOut || code != wantCode {
		t.Fatalf("ran %d-byte program: stdout %q exit %d, want %q exit %d", len(exe), out, code, wantOut, wantCode)
	}
	if opts.Compact && files[0].Arch == obj.ArchAMD64 && elf.Class(exe[4]) != elf.ELFCLASS64 {
		// e_ident holds program bytes: the kernel ignores EI_CLASS, readelf
		// does not (it reads an ELF64 file as ELF32). Documented in COMPACT.md.
		return exe
	}
	re := linktest.Readelf(t, p, "-h", "-l", "-W")
	if !strings.Contains(re, "LOAD") || !strings.Contains(re, "Entry point address") {
		t.Fatalf("readelf does not see the load segment:\n%s", re)
	}
	if !opts.Compact && strings.Contains(re, "Warning") {
		t.Fatalf("readelf warns:\n%s", re)
	}
	return exe
}

// The seed program of issue 2 within its byte budgets in every layout.
func TestSeedProgramBudgets(t *testing.T) {
	budget := map[string]int{"default": 130, "wx": 162, "compact": 100}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			exe := runChecked(t, []*obj.File{nasmObj(t, "elf32", "hello32.asm")}, l.opts, "Hello World\n", 0)
			t.Logf("seed program (i386, 34 B code + 12 B data), %s layout: %d bytes (budget %d)", l.name, len(exe), budget[l.name])
			if len(exe) > budget[l.name] {
				t.Errorf("%d bytes, budget %d", len(exe), budget[l.name])
			}
		})
	}
}

// The x86-64 hello: 120 bytes of headers plus code and data by default.
func TestHello64Sizes(t *testing.T) {
	o := nasmObj(t, "elf64", "hello64.asm")
	payload := 0
	for _, s := range o.Sections {
		payload += int(s.Size)
	}
	want := map[string]int{"default": 120 + payload, "wx": 120 + 56 + payload}
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			exe := runChecked(t, []*obj.File{o}, l.opts, "Hello World\n", 0)
			t.Logf("x86-64 hello (%d B code + data), %s layout: %d bytes", payload, l.name, len(exe))
			if w, ok := want[l.name]; ok && len(exe) != w {
				t.Errorf("%d bytes, want %d", len(exe), w)
			}
			if l.name == "compact" && len(exe) >= 120+payload {
				t.Errorf("compact layout (%d bytes) is not smaller than the default", len(exe))
			}
		})
	}
}

func TestMultiObjectPrograms(t *testing.T) {
	for _, arch := range []struct{ format, main, lib string }{
		{"elf32", "main32.asm", "lib32.asm"},
		{"elf64", "main64.asm", "lib64.asm"},
	} {
		for _, l := range layouts {
			t.Run(arch.format+"/"+l.name, func(t *testing.T) {
				files := []*obj.File{nasmObj(t, arch.format, arch.main), nasmObj(t, arch.format, arch.lib)}
				runChecked(t, files, l.opts, "multi-object\nmulti\n", 42)
			})
		}
	}
}

// Objects from gcc (with .rodata, .data, .bss, .eh_frame, .comment and
// .note.GNU-stack) linked with a nasm _start.
func TestGCCObjects(t *testing.T) {
	for _, arch := range []struct{ mflag, format, start string }{
		{"-m32", "elf32", "start32.asm"},
		{"-m64", "elf64", "start64.asm"},
	} {
		for _, l := range layouts {
			t.Run(arch.mflag+"/"+l.name, func(t *testing.T) {
				files := []*obj.File{nasmObj(t, arch.format, arch.start), gccObj(t, arch.mflag, "render.c")}
				runChecked(t, files, l.opts, "36925\n", 15)
			})
		}
	}
}

func TestOutputHasOnlyHeadersAndLoadedBytes(t *testing.T) {
	exe, err := link.Link([]*obj.File{nasmObj(t, "elf64", "hello64.asm")}, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	p := linktest.Write(t, linktest.Dir(t), "prog", exe)
	out := linktest.Readelf(t, p, "-S", "-s", "-n", "-d", "-W")
	if !strings.Contains(out, "There are no sections in this file") {
		t.Errorf("output has sections:\n%s", out)
	}
	if n := binary.LittleEndian.Uint16(exe[56:]); n != 1 {
		t.Errorf("e_phnum = %d, want 1", n)
	}
}

func TestDeterministicAndNameIndependent(t *testing.T) {
	a := nasmObj(t, "elf32", "main32.asm")
	b := nasmObj(t, "elf32", "lib32.asm")
	for _, l := range layouts {
		x, err := link.Link([]*obj.File{a, b}, l.opts)
		if err != nil {
			t.Fatal(err)
		}
		a2, b2 := *a, *b
		a2.Name, b2.Name = "/some/other/path/a.o", "b.o"
		y, err := link.Link([]*obj.File{&a2, &b2}, l.opts)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(x, y) {
			t.Errorf("%s: output depends on input names", l.name)
		}
	}
}

func TestBaseOption(t *testing.T) {
	o := nasmObj(t, "elf32", "hello32.asm")
	exe := runChecked(t, []*obj.File{o}, link.Options{Base: 0x08048000}, "Hello World\n", 0)
	if e := binary.LittleEndian.Uint32(exe[24:]); e>>12 != 0x08048 {
		t.Errorf("entry %#x not in the page at 0x08048000", e)
	}
	if _, err := link.Link([]*obj.File{o}, link.Options{Base: 0x10001}); err == nil || !strings.Contains(err.Error(), "page") {
		t.Errorf("unaligned base: err = %v", err)
	}
	if _, err := link.Link([]*obj.File{o}, link.Options{Base: 0x400000, Compact: true}); err == nil {
		t.Errorf("--compact with an i386 --base it cannot honour: no error")
	}
}

func TestEntryOption(t *testing.T) {
	asm := "BITS 64\nsection .text\nglobal go\nnop\ngo: mov edi, 7\nmov eax, 60\nsyscall\n"
	o, err := tinyelf.ReadObject(linktest.Nasm(t, "elf64", asm), "go.o")
	if err != nil {
		t.Fatal(err)
	}
	runChecked(t, []*obj.File{o}, link.Options{Entry: "go"}, "", 7)
	if _, err := link.Link([]*obj.File{o}, link.Options{}); err == nil || !strings.Contains(err.Error(), "entry symbol `_start' is not defined") {
		t.Errorf("missing _start: err = %v", err)
	}
}

// Weak definitions yield to strong ones; undefined weak symbols are zero.
func TestWeakSymbols(t *testing.T) {
	mov := func(name string) *obj.File {
		return &obj.File{Name: name, Arch: obj.ArchI386,
			Sections: []*obj.Section{{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Align: 1,
				Data: []byte{0xb8, 0, 0, 0, 0, 0xb9, 0, 0, 0, 0}, Size: 10,
				Relocs: []obj.Reloc{{Offset: 1, Size: 4, Kind: obj.RelocAbs, Symbol: 1}, {Offset: 6, Size: 4, Kind: obj.RelocAbs, Symbol: 2}}}},
			Symbols: []*obj.Symbol{
				{Name: "_start", Section: 0, Binding: obj.BindGlobal},
				{Name: "x", Section: obj.SectionUndef, Binding: obj.BindGlobal},
				{Name: "maybe", Section: obj.SectionUndef, Binding: obj.BindWeak},
			}}
	}
	data := func(name string, b obj.Binding, bytes string, off uint64) *obj.File {
		return &obj.File{Name: name, Arch: obj.ArchI386,
			Sections: []*obj.Section{{Name: ".data", Flags: obj.FlagAlloc | obj.FlagWrite, Align: 1, Data: []byte(bytes), Size: uint64(len(bytes))}},
			Symbols:  []*obj.Symbol{{Name: "x", Section: 0, Value: off, Binding: b}}}
	}
	for _, order := range [][]*obj.File{
		{mov("m.o"), data("weak.o", obj.BindWeak, "WEAK", 0), data("strong.o", obj.BindGlobal, "....STRG", 4)},
		{mov("m.o"), data("strong.o", obj.BindGlobal, "....STRG", 4), data("weak.o", obj.BindWeak, "WEAK", 0)},
	} {
		exe, err := link.Link(order, link.Options{})
		if err != nil {
			t.Fatal(err)
		}
		i := bytes.Index(exe, []byte{0xb8})
		x := binary.LittleEndian.Uint32(exe[i+1:]) - link.DefaultBase
		if got := string(exe[x : x+4]); got != "STRG" {
			t.Errorf("x resolved to %q, want the strong definition", got)
		}
		if maybe := binary.LittleEndian.Uint32(exe[i+6:]); maybe != 0 {
			t.Errorf("undefined weak symbol = %#x, want 0", maybe)
		}
	}
}

func TestLinkErrors(t *testing.T) {
	hello := func() *obj.File { return nasmObj(t, "elf32", "hello32.asm") }
	cases := []struct {
		name  string
		files func() []*obj.File
		want  []string
	}{
		{"undefined symbol", func() []*obj.File {
			o, _ := tinyelf.ReadObject(linktest.Nasm(t, "elf32", "BITS 32\nextern missing\nglobal _start\n_start: call missing\n"), "caller.o")
			return []*obj.File{o}
		}, []string{"undefined symbol `missing'", "caller.o"}},
		{"duplicate symbol", func() []*obj.File {
			a, b := hello(), hello()
			a.Name, b.Name = "one.o", "two.o"
			return []*obj.File{a, b}
		}, []string{"duplicate symbol `_start'", "one.o", "two.o"}},
		{"relocation out of range", func() []*obj.File {
			o, _ := tinyelf.ReadObject(linktest.Nasm(t, "elf32", "BITS 32\nglobal _start\n_start: ret\nsection .data\nw: dw _start\n"), "narrow.o")
			return []*obj.File{o}
		}, []string{"narrow.o", ".data+0x0", "R_386_16", "section .text", "out of range"}},
		{"pc8 out of range", func() []*obj.File {
			o := &obj.File{Name: "jmp.o", Arch: obj.ArchAMD64,
				Sections: []*obj.Section{{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Align: 1, Data: make([]byte, 300), Size: 300,
					Relocs: []obj.Reloc{{Offset: 1, Size: 1, Kind: obj.RelocPCRel, Symbol: 1, Addend: -1}}}},
				Symbols: []*obj.Symbol{{Name: "_start", Section: 0, Binding: obj.BindGlobal}, {Name: "far", Section: 0, Value: 299}}}
			return []*obj.File{o}
		}, []string{"jmp.o: .text+0x1", "R_X86_64_PC8", "`far'", "out of range"}},
		{"mixed architectures", func() []*obj.File {
			return []*obj.File{hello(), nasmObj(t, "elf64", "hello64.asm")}
		}, []string{"architecture amd64 does not match"}},
		{"no inputs", func() []*obj.File { return nil }, []string{"no input"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := link.Link(c.files(), link.Options{})
			if err == nil {
				t.Fatal("no error")
			}
			for _, w := range c.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// GOTPCREL loads, calls and jumps become direct references (no GOT).
func TestGOTPCRELRelaxed(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			files := []*obj.File{nasmObj(t, "elf64", "got64.asm"), nasmObj(t, "elf64", "gotlib64.asm")}
			exe := runChecked(t, files, l.opts, "got\n", 5)
			if l.name == "default" && !bytes.Contains(exe, []byte{0x67, 0xe8}) {
				t.Error("call through the GOT was not turned into addr32 call")
			}
		})
	}
	// An instruction that cannot be rewritten is an error, not a wrong byte.
	o := nasmObj(t, "elf64", "got64.asm")
	o.Sections[0].Data[1] = 0x03 // mov -> add
	_, err := link.Link([]*obj.File{o, nasmObj(t, "elf64", "gotlib64.asm")}, link.Options{})
	if err == nil || !strings.Contains(err.Error(), "cannot be relaxed") {
		t.Errorf("err = %v", err)
	}
}

// A program whose only writable memory is .bss (no file bytes at all).
func TestBSSOnlyProgram(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			exe := runChecked(t, []*obj.File{nasmObj(t, "elf64", "bss64.asm")}, l.opts, "zzzzzzz\n", 0)
			if len(exe) > 300 {
				t.Errorf("%d bytes: .bss takes file space", len(exe))
			}
		})
	}
}

// A 20,000-instruction program links quickly in every layout (the compact
// search must not redo its work per candidate for large programs).
func TestLargeProgramLinks(t *testing.T) {
	var b strings.Builder
	b.WriteString("BITS 64\nsection .data\nmsg: db 'x'\nsection .rodata\nro: dq 1\nsection .text\nglobal _start\n_start:\n")
	for i := 0; i < 10000; i++ {
		b.WriteString("mov rax, msg\nlea rbx, [rel ro]\n")
	}
	b.WriteString("mov edi, 3\nmov eax, 60\nsyscall\n")
	o, err := tinyelf.ReadObject(linktest.Nasm(t, "elf64", b.String()), "big.o")
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range layouts {
		start := time.Now()
		exe := runChecked(t, []*obj.File{o}, l.opts, "", 3)
		t.Logf("%s: %d bytes in %v", l.name, len(exe), time.Since(start))
	}
}

// COMMON symbols from two objects become one zeroed object in .bss.
func TestCommonSymbols(t *testing.T) {
	files := []*obj.File{nasmObj(t, "elf32", "common_a.asm"), nasmObj(t, "elf32", "common_b.asm")}
	runChecked(t, files, link.Options{}, "com\n", 0)
}

// R_386_GOTPC / R_386_GOTOFF pairs (nasm's wrt ..gotpc / ..gotoff) link
// without a GOT: _GLOBAL_OFFSET_TABLE_ is only a reference point.
func TestI386GOTPCAndGOTOFF(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			runChecked(t, []*obj.File{nasmObj(t, "elf32", "pic32.asm")}, l.opts, "pic\n", 0)
		})
	}
}

// Position-independent gcc objects (Debian's default PIE, and -fPIC):
// GOTPC/GOTOFF, GOT32X and GOTPCRELX are resolved and relaxed without a GOT.
func TestGCCPositionIndependentObjects(t *testing.T) {
	for _, c := range []struct {
		name, format, start string
		flags               []string
	}{
		{"m32-pie", "elf32", "start32.asm", []string{"-m32"}},
		{"m32-fPIC", "elf32", "start32.asm", []string{"-m32", "-fPIC"}},
		{"m64-pie", "elf64", "start64.asm", []string{"-m64"}},
		{"m64-fPIC", "elf64", "start64.asm", []string{"-m64", "-fPIC"}},
	} {
		t.Run(c.name, func(t *testing.T) {
			g, err := tinyelf.ReadObject(linktest.GCCFlags(t, src(t, "render.c"), c.flags...), "render.o")
			if err != nil {
				t.Fatal(err)
			}
			for _, l := range layouts {
				runChecked(t, []*obj.File{nasmObj(t, c.format, c.start), g}, l.opts, "36925\n", 15)
			}
		})
	}
}

// Visibility does not change a static link: hidden, internal and
// protected definitions resolve references from other objects, and an
// undefined hidden weak reference is zero, as with GNU ld. An undefined
// non-weak one is an error that names its visibility, as ld's does.
func TestVisibilityInAStaticLink(t *testing.T) {
	linktest.Need(t, "ld", "gcc")
	defs := linktest.Nasm(t, "elf64", "BITS 64\nglobal foo:function hidden\nglobal bar:data internal\nglobal baz:function protected\nglobal qux:data hidden 4\n"+
		"section .text\nfoo: mov eax, 3\n ret\nbaz: add eax, 4\n ret\nsection .data\nbar: dd 10\nqux: dd 20\n")
	uses := linktest.Nasm(t, "elf64", "BITS 64\nextern foo, bar, baz, qux\nglobal _start\nsection .text\n"+
		"_start: call foo\n call baz\n add eax, [rel bar]\n add eax, [rel qux]\n mov edi, eax\n mov eax, 60\n syscall\n")
	weak := linktest.GCC(t, "-m64", "extern int maybe __attribute__((weak, visibility(\"hidden\")));\n"+
		"extern int here __attribute__((visibility(\"hidden\")));\n"+
		"void _start(void) { int v = (&maybe == 0 ? 5 : 9) + here; __asm__ volatile(\"mov $60, %%eax; syscall\" :: \"D\"(v)); }\n")
	here := linktest.GCC(t, "-m64", "__attribute__((visibility(\"hidden\"))) int here = 30;\n")
	dir := linktest.Dir(t)
	for _, tc := range []struct {
		name string
		objs [][]byte
		code int
	}{{"definitions", [][]byte{defs, uses}, 37}, {"weak undefined", [][]byte{weak, here}, 35}} {
		var files []*obj.File
		args := []string{"-o", filepath.Join(dir, tc.name)}
		for i, b := range tc.objs {
			o, err := tinyelf.ReadObject(b, "in.o")
			if err != nil {
				t.Fatal(err)
			}
			files = append(files, o)
			args = append(args, linktest.Write(t, dir, tc.name+string(rune('0'+i))+".o", b))
		}
		linktest.Cmd(t, "ld", args...)
		if _, code := linktest.Run(t, filepath.Join(dir, tc.name)); code != tc.code {
			t.Fatalf("%s: GNU ld's program exits %d, want %d", tc.name, code, tc.code)
		}
		runChecked(t, files, link.Options{}, "", tc.code)
	}
	for vis, want := range map[string]string{"hidden": "undefined hidden symbol `missing'", "internal": "undefined internal symbol `missing'",
		"protected": "undefined protected symbol `missing'", "default": "undefined symbol `missing'"} {
		o, err := tinyelf.ReadObject(linktest.Nasm(t, "elf64", "BITS 64\nextern missing:function "+vis+"\nglobal _start\n_start: call missing\n"), "c.o")
		if err != nil {
			t.Fatal(err)
		}
		if _, err := link.Link([]*obj.File{o}, link.Options{}); err == nil || !strings.Contains(err.Error(), want+" (first referenced in c.o)") {
			t.Errorf("%s: err = %v, want %q", vis, err, want)
		}
	}
}
