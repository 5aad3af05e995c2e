package elf_test

import (
	"bytes"
	stdelf "debug/elf"
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/link"
	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// The test programs live with the linker's tests.
func src(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "link", "testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

type input struct {
	name  string
	bytes []byte
}

type program struct {
	name     string
	arch     obj.Arch
	inputs   func(t *testing.T) []input
	wantOut  string
	wantCode int
}

func nasmIn(format string, names ...string) func(t *testing.T) []input {
	return func(t *testing.T) []input {
		var in []input
		for _, n := range names {
			in = append(in, input{n, linktest.Nasm(t, format, src(t, n))})
		}
		return in
	}
}

func withGCC(format, mflag, start string, flags ...string) func(t *testing.T) []input {
	return func(t *testing.T) []input {
		if len(flags) == 0 {
			flags = []string{"-fno-pic"}
		}
		return []input{{start, linktest.Nasm(t, format, src(t, start))}, {"render.c", linktest.GCCFlags(t, src(t, "render.c"), append(flags, mflag)...)}}
	}
}

var programs = []program{
	{"hello32", obj.ArchI386, nasmIn("elf32", "hello32.asm"), "Hello World\n", 0},
	{"hello64", obj.ArchAMD64, nasmIn("elf64", "hello64.asm"), "Hello World\n", 0},
	{"multi32", obj.ArchI386, nasmIn("elf32", "main32.asm", "lib32.asm"), "multi-object\nmulti\n", 42},
	{"multi64", obj.ArchAMD64, nasmIn("elf64", "main64.asm", "lib64.asm"), "multi-object\nmulti\n", 42},
	{"pic32", obj.ArchI386, nasmIn("elf32", "pic32.asm"), "pic\n", 0},
	{"gcc32", obj.ArchI386, withGCC("elf32", "-m32", "start32.asm"), "36925\n", 15},
	{"gcc64", obj.ArchAMD64, withGCC("elf64", "-m64", "start64.asm"), "36925\n", 15},
	{"gcc32pic", obj.ArchI386, withGCC("elf32", "-m32", "start32.asm", "-fPIC"), "36925\n", 15},
	{"gcc64pic", obj.ArchAMD64, withGCC("elf64", "-m64", "start64.asm", "-fPIC"), "36925\n", 15},
}

func ldArgs(arch obj.Arch) []string {
	if arch == obj.ArchI386 {
		return []string{"-m", "elf_i386"}
	}
	return []string{"-m", "elf_x86_64"}
}

// readelfRelocs lists "section type symbol" for every relocation readelf sees.
var relocLine = regexp.MustCompile(`^[0-9a-f]+\s+[0-9a-f]+\s+(R_\S+)\s+[0-9a-f]+\s+(\S+)`)

func readelfRelocTypes(t *testing.T, path string) []string {
	out := linktest.Readelf(t, path, "-r", "-W")
	var types []string
	for _, line := range strings.Split(out, "\n") {
		if m := relocLine.FindStringSubmatch(strings.TrimSpace(line)); m != nil {
			// Several ELF types read as one kind (GOTPCREL, GOTPCRELX and
			// REX_GOTPCRELX); compare canonical names.
			name := m[1]
			for _, r := range elf.Relocs {
				if r.Name() == name {
					if c, ok := elf.RelocFor(r.Arch, r.Kind, r.Size); ok {
						name = c.Name()
					}
				}
			}
			types = append(types, name)
		}
	}
	sort.Strings(types)
	return types
}

// ReadObject sees the same relocations as readelf, except those of dropped
// sections (.eh_frame).
func TestReadObjectMatchesReadelf(t *testing.T) {
	for _, p := range programs {
		t.Run(p.name, func(t *testing.T) {
			dir := t.TempDir()
			for _, in := range p.inputs(t) {
				f, err := elf.ReadObject(in.bytes, in.name)
				if err != nil {
					t.Fatal(err)
				}
				if f.Arch != p.arch {
					t.Errorf("arch %v, want %v", f.Arch, p.arch)
				}
				var got []string
				for _, s := range f.Sections {
					for _, r := range s.Relocs {
						rt, ok := elf.RelocFor(f.Arch, r.Kind, r.Size)
						if !ok {
							t.Fatalf("no type for %v", r)
						}
						got = append(got, rt.Name())
					}
				}
				// Strip .eh_frame's relocations from the oracle's view too.
				path := linktest.Write(t, dir, in.name+".o", in.bytes)
				if bytes.Contains(in.bytes, []byte(".eh_frame")) {
					noEH := filepath.Join(dir, in.name+".noeh.o")
					linktest.Cmd(t, "objcopy", "--remove-section=.eh_frame", "--remove-section=.rela.eh_frame", "--remove-section=.rel.eh_frame", path, noEH)
					path = noEH
				}
				want := readelfRelocTypes(t, path)
				sort.Strings(got)
				if strings.Join(got, " ") != strings.Join(want, " ") {
					t.Errorf("relocations:\n got %v\nwant %v", got, want)
				}
			}
		})
	}
}

// Our objects link with GNU ld into programs that behave like the originals.
func TestWriteObjectLinksWithGNULd(t *testing.T) {
	linktest.Need(t, "ld")
	for _, p := range programs {
		t.Run(p.name, func(t *testing.T) {
			dir := linktest.Dir(t)
			args := append(ldArgs(p.arch), "-o", filepath.Join(dir, "prog"))
			var reread []*obj.File
			for i, in := range p.inputs(t) {
				f, err := elf.ReadObject(in.bytes, in.name)
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := elf.WriteObject(&buf, f); err != nil {
					t.Fatal(err)
				}
				path := linktest.Write(t, dir, "in"+string(rune('0'+i))+".o", buf.Bytes())
				re := linktest.Readelf(t, path, "-a", "-W")
				if strings.Contains(re, "Warning") {
					t.Errorf("readelf warns about our object:\n%s", re)
				}
				args = append(args, path)
				g, err := elf.ReadObject(buf.Bytes(), in.name)
				if err != nil {
					t.Fatalf("reading our own object back: %v", err)
				}
				reread = append(reread, g)
			}
			out := linktest.Cmd(t, "ld", args...)
			if len(out) > 0 {
				t.Errorf("ld says: %s", out)
			}
			stdout, code := linktest.Run(t, filepath.Join(dir, "prog"))
			if stdout != p.wantOut || code != p.wantCode {
				t.Errorf("ld-linked program: %q exit %d, want %q exit %d", stdout, code, p.wantOut, p.wantCode)
			}
			// And our linker gives the same program from the round-tripped objects.
			exe, err := link.Link(reread, link.Options{})
			if err != nil {
				t.Fatal(err)
			}
			stdout, code = linktest.Run(t, linktest.Write(t, dir, "ours", exe))
			if stdout != p.wantOut || code != p.wantCode {
				t.Errorf("round-tripped objects: %q exit %d, want %q exit %d", stdout, code, p.wantOut, p.wantCode)
			}
		})
	}
}

// Objects built directly in the object model (no reader involved), with
// local-symbol references, link with GNU ld and run.
func TestWriteObjectFromModel(t *testing.T) {
	linktest.Need(t, "ld")
	msg := []byte("model\n")
	i386 := &obj.File{Name: "m32", Arch: obj.ArchI386, Sections: []*obj.Section{
		{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Align: 16, Size: 24, Data: []byte{
			0xba, 6, 0, 0, 0, // mov edx, 6
			0xb9, 0, 0, 0, 0, // mov ecx, msg+1-1 (R_386_32, addend in place)
			0xbb, 1, 0, 0, 0, // mov ebx, 1
			0xb8, 4, 0, 0, 0, // mov eax, 4
			0xcd, 0x80, // int 0x80
			0xeb, 0x00, // jmp done (R_386_PC8)
		}, Relocs: []obj.Reloc{
			{Offset: 6, Size: 4, Kind: obj.RelocAbs, Symbol: 1, Addend: -1},
			{Offset: 23, Size: 1, Kind: obj.RelocPCRel, Symbol: 3, Addend: -1},
		}},
		{Name: ".rodata", Flags: obj.FlagAlloc, Align: 1, Size: uint64(len(msg)) + 1, Data: append([]byte{0}, msg...)},
		{Name: ".text.exit", Flags: obj.FlagAlloc | obj.FlagExec, Align: 1, Size: 9, Data: []byte{0x31, 0xdb, 0xb8, 1, 0, 0, 0, 0xcd, 0x80}},
	}, Symbols: []*obj.Symbol{
		{Name: "_start", Section: 0, Binding: obj.BindGlobal, Kind: obj.KindFunc},
		{Name: "msg", Section: 1, Value: 2, Binding: obj.BindLocal, Kind: obj.KindObject, Size: 6},
		{Name: ".text", Section: 0, Kind: obj.KindSection},
		{Name: "done", Section: 2, Binding: obj.BindLocal},
	}}
	amd64 := &obj.File{Name: "m64", Arch: obj.ArchAMD64, Sections: []*obj.Section{
		{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Align: 16, Size: 38, Data: []byte{
			0xba, 6, 0, 0, 0, // mov edx, 6
			0x48, 0x8d, 0x35, 0, 0, 0, 0, // lea rsi, [rel msg] (R_X86_64_PC32)
			0xbf, 1, 0, 0, 0, // mov edi, 1
			0xb8, 1, 0, 0, 0, // mov eax, 1
			0x0f, 0x05, // syscall
			0x8b, 0x3c, 0x25, 0, 0, 0, 0, // mov edi, [abs code] (R_X86_64_32S)
			0xb8, 60, 0, 0, 0, // mov eax, 60
			0x0f, 0x05, // syscall
		}, Relocs: []obj.Reloc{
			{Offset: 8, Size: 4, Kind: obj.RelocPCRel, Symbol: 1, Addend: -4},
			{Offset: 27, Size: 4, Kind: obj.RelocAbsSigned, Symbol: 2},
		}},
		{Name: ".data", Flags: obj.FlagAlloc | obj.FlagWrite, Align: 8, Size: uint64(len(msg)), Data: msg},
		{Name: ".data.code", Flags: obj.FlagAlloc | obj.FlagWrite, Align: 4, Size: 4, Data: []byte{9, 0, 0, 0}},
	}, Symbols: []*obj.Symbol{
		{Name: "_start", Section: 0, Binding: obj.BindGlobal},
		{Name: "msg", Section: 1, Binding: obj.BindLocal},
		{Name: "code", Section: 2, Binding: obj.BindGlobal},
	}}
	for _, tc := range []struct {
		f    *obj.File
		code int
	}{{i386, 0}, {amd64, 9}} {
		t.Run(tc.f.Name, func(t *testing.T) {
			dir := linktest.Dir(t)
			var buf bytes.Buffer
			if err := elf.WriteObject(&buf, tc.f); err != nil {
				t.Fatal(err)
			}
			o := linktest.Write(t, dir, "m.o", buf.Bytes())
			linktest.Cmd(t, "ld", append(ldArgs(tc.f.Arch), "-o", filepath.Join(dir, "prog"), o)...)
			out, code := linktest.Run(t, filepath.Join(dir, "prog"))
			if out != "model\n" || code != tc.code {
				t.Errorf("got %q exit %d, want %q exit %d", out, code, "model\n", tc.code)
			}
			exe, err := link.Link([]*obj.File{tc.f}, link.Options{})
			if err != nil {
				t.Fatal(err)
			}
			out, code = linktest.Run(t, linktest.Write(t, dir, "ours", exe))
			if out != "model\n" || code != tc.code {
				t.Errorf("our link: got %q exit %d", out, code)
			}
		})
	}
}

func TestWriteObjectIsDeterministic(t *testing.T) {
	in := linktest.Nasm(t, "elf64", src(t, "main64.asm"))
	a, _ := elf.ReadObject(in, "a.o")
	b, _ := elf.ReadObject(in, "/elsewhere/b.o")
	x, err := elf.MarshalObject(a)
	if err != nil {
		t.Fatal(err)
	}
	y, _ := elf.MarshalObject(b)
	if !bytes.Equal(x, y) {
		t.Error("object bytes depend on the file name")
	}
}

func TestReadObjectErrors(t *testing.T) {
	// nasm writes no type the table lacks: make its R_386_GOT32 an
	// R_386_TLS_GD (r_info's low byte in the one .rel.text entry).
	tlsgd := linktest.Nasm(t, "elf32", "BITS 32\nextern foo\nsection .text\nmov eax, [foo wrt ..got]\n")
	if ef, err := stdelf.NewFile(bytes.NewReader(tlsgd)); err != nil || ef.Section(".rel.text") == nil {
		t.Fatalf("nasm's object: %v", err)
	} else {
		tlsgd = append([]byte(nil), tlsgd...)
		tlsgd[ef.Section(".rel.text").Offset+4] = byte(stdelf.R_386_TLS_GD)
	}
	tls := linktest.Nasm(t, "elf64", "BITS 64\nsection .tbss nobits alloc noexec write tls\nx: resd 1\n")
	hello := linktest.Nasm(t, "elf32", src(t, "hello32.asm"))
	exe, err := link.Link([]*obj.File{mustRead(t, hello)}, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name string
		data []byte
		want string
	}{
		{"TLS_GD", tlsgd, "unsupported relocation type R_386_TLS_GD"},
		{"TLS", tls, "thread-local storage is not supported"},
		{"not ELF", []byte("#!/bin/sh\necho hi\n"), "not an ELF file"},
		{"empty", nil, "not an ELF file"},
		{"executable", exe, "not a relocatable object"},
		{"truncated header", hello[:30], "malformed ELF object"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			_, err := elf.ReadObject(c.data, "in.o")
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.HasPrefix(err.Error(), "in.o: ") {
				t.Errorf("err = %v, want one naming in.o and saying %q", err, c.want)
			}
		})
	}
}

// Every truncation and many single-byte corruptions of real objects give an
// error or a usable object, never a panic.
func TestReadObjectDamagedInput(t *testing.T) {
	for _, in := range [][]byte{
		linktest.Nasm(t, "elf32", src(t, "main32.asm")),
		linktest.Nasm(t, "elf64", src(t, "main64.asm")),
	} {
		for n := 0; n < len(in); n++ {
			if _, err := elf.ReadObject(in[:n], "cut.o"); err == nil && n < 52 {
				t.Errorf("a %d-byte prefix parsed without error", n)
			}
		}
		for i := 0; i < len(in); i++ {
			for _, v := range []byte{0, 0xff, in[i] ^ 0x80} {
				d := append([]byte(nil), in...)
				d[i] = v
				if f, err := elf.ReadObject(d, "bad.o"); err == nil {
					// Whatever was read must not crash the later stages either.
					elf.MarshalObject(f)
					link.Link([]*obj.File{f}, link.Options{})
				}
			}
		}
	}
}

func mustRead(t *testing.T, b []byte) *obj.File {
	t.Helper()
	f, err := elf.ReadObject(b, "in.o")
	if err != nil {
		t.Fatal(err)
	}
	return f
}

func FuzzReadObject(f *testing.F) {
	// Seeds: testdata/fuzz/FuzzReadObject (objects from nasm, gcc and WriteObject).
	f.Fuzz(func(t *testing.T, data []byte) {
		o, err := elf.ReadObject(data, "fuzz.o")
		if err != nil {
			return
		}
		if _, err := elf.MarshalObject(o); err != nil {
			return
		}
		link.Link([]*obj.File{o}, link.Options{})
		link.Link([]*obj.File{o}, link.Options{Compact: true})
	})
}

// symLine picks "type bind vis ndx name" and the size out of readelf -s
// for the named symbol.
var symLine = regexp.MustCompile(`(?m)^\s*\d+:\s+[0-9a-f]+\s+(\d+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)\s+(\S+)$`)

func readelfSymbols(t *testing.T, path string) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, m := range symLine.FindAllStringSubmatch(linktest.Readelf(t, path, "-s", "-W"), -1) {
		out[m[6]] = strings.Join(m[1:6], " ")
	}
	return out
}

// nasm's `global name:function hidden`, `name:data N` and their kin set
// st_info's type, st_size and st_other's visibility. The same symbols
// built in the object model come out of WriteObject with the same
// fields, and ReadObject reads them back.
func TestSymbolTypeSizeAndVisibilityAsNasmWritesThem(t *testing.T) {
	src := `BITS 64
global f_hidden:function hidden
global d_internal:data internal
global f_protected:function protected
global d_sized:data 4
global f_default:function default
global d_expr:data (d_expr.end - d_expr)
global plain
section .text
f_hidden: ret
f_protected: ret
f_default: ret
plain: ret
section .data
d_internal: dd 1
d_sized: dd 2
d_expr: dq 3, 4
.end:
`
	nasmObj := linktest.Nasm(t, "elf64", src)
	dir := t.TempDir()
	want := readelfSymbols(t, linktest.Write(t, dir, "nasm.o", nasmObj))
	f, err := elf.ReadObject(nasmObj, "nasm.o")
	if err != nil {
		t.Fatal(err)
	}
	byName := map[string]*obj.Symbol{}
	for _, s := range f.Symbols {
		byName[s.Name] = s
	}
	for name, w := range map[string]obj.Symbol{
		"f_hidden": {Kind: obj.KindFunc, Visibility: obj.VisHidden}, "d_internal": {Kind: obj.KindObject, Visibility: obj.VisInternal},
		"f_protected": {Kind: obj.KindFunc, Visibility: obj.VisProtected}, "d_sized": {Kind: obj.KindObject, Size: 4},
		"f_default": {Kind: obj.KindFunc}, "d_expr": {Kind: obj.KindObject, Size: 16}, "plain": {},
	} {
		s := byName[name]
		if s == nil || s.Kind != w.Kind || s.Size != w.Size || s.Visibility != w.Visibility || s.Binding != obj.BindGlobal {
			t.Errorf("ReadObject: %s = %+v, want kind %v size %d visibility %v", name, s, w.Kind, w.Size, w.Visibility)
		}
	}
	ours, err := elf.MarshalObject(f)
	if err != nil {
		t.Fatal(err)
	}
	got := readelfSymbols(t, linktest.Write(t, dir, "ours.o", ours))
	for name := range byName {
		if !strings.HasPrefix(name, "f_") && !strings.HasPrefix(name, "d_") && name != "plain" {
			continue
		}
		// Section numbers agree too: both put .text and .data first.
		if got[name] != want[name] {
			t.Errorf("%s: readelf -s of ours %q, of nasm's %q", name, got[name], want[name])
		}
	}
	if len(want) == 0 || want["f_hidden"] == "" {
		t.Fatalf("readelf -s of nasm's object gave no symbols: %v", want)
	}
}
