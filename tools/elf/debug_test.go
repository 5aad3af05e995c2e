package elf_test

import (
	"bytes"
	stdelf "debug/elf"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// ReadObject drops debugging information; ReadObjectWithDebug keeps the
// .debug_* sections, without flags, with their relocations, and writing
// the object back gives sections that readelf decodes as it decodes
// nasm's.
func TestReadObjectWithDebugKeepsDWARF(t *testing.T) {
	linktest.Need(t, "gcc")
	for _, c := range []struct{ format, src string }{{"elf32", "hello32.asm"}, {"elf64", "hello64.asm"}} {
		o := linktest.NasmFlags(t, c.format, src(t, c.src), "-g", "-F", "dwarf")
		plain, err := elf.ReadObject(o, c.src)
		if err != nil {
			t.Fatal(err)
		}
		f, err := elf.ReadObjectWithDebug(o, c.src)
		if err != nil {
			t.Fatal(err)
		}
		if i := plain.SectionByName(".debug_line"); i >= 0 {
			t.Errorf("%s: ReadObject keeps .debug_line", c.format)
		}
		i := f.SectionByName(".debug_line")
		if i < 0 || f.Sections[i].Flags != 0 || len(f.Sections[i].Relocs) == 0 {
			t.Fatalf("%s: .debug_line not kept with its relocation: %+v", c.format, f.Sections)
		}
		b, err := elf.MarshalObject(f)
		if err != nil {
			t.Fatal(err)
		}
		dir := linktest.Dir(t)
		want := linktest.DecodedLines(t, linktest.Write(t, dir, "nasm.o", o))
		got := linktest.DecodedLines(t, linktest.Write(t, dir, "ours.o", b))
		if len(want) == 0 || len(got) != len(want) {
			t.Fatalf("%s: rows %v, want %v", c.format, got, want)
		}
		for k := range want {
			if got[k] != want[k] {
				t.Errorf("%s: row %d = %v, want %v", c.format, k, got[k], want[k])
			}
		}
	}
	gz := linktest.GCCFlags(t, "int f(int x) { return x + 1; }\n", "-m64", "-g", "-gz")
	if _, err := elf.ReadObject(gz, "gz.o"); err != nil {
		t.Errorf("ReadObject refuses compressed debugging information it drops anyway: %v", err)
	}
	if _, err := elf.ReadObjectWithDebug(gz, "gz.o"); err == nil || !strings.Contains(err.Error(), "gz.o: section .debug_") || !strings.Contains(err.Error(), "compressed debugging information (gcc -gz) is not supported") {
		t.Errorf("compressed debugging information: error %v", err)
	}
}

// A debug file is an ET_EXEC with the loaded parts as NOBITS sections at
// their addresses, the debugging sections and the symbols; Go's
// debug/elf and debug/dwarf read it.
func TestMarshalDebugFile(t *testing.T) {
	info := []byte{1, 2, 3} // written as they are
	for _, arch := range []obj.Arch{obj.ArchI386, obj.ArchAMD64} {
		b, err := elf.MarshalDebugFile(&elf.DebugFile{Arch: arch, Entry: 0x10078,
			Loaded: []elf.LoadedSection{{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Addr: 0x10078, Size: 30, Align: 1}, {Name: ".bss", Flags: obj.FlagAlloc | obj.FlagWrite | obj.FlagNoBits, Addr: 0x10098, Size: 8, Align: 4}},
			Debug:  []*obj.Section{{Name: ".debug_info", Data: info, Size: 3, Align: 1}},
			Symbols: []*obj.Symbol{
				{Name: "_start", Section: 0, Value: 0x10078, Binding: obj.BindGlobal, Kind: obj.KindFunc},
				{Name: "loop", Section: 0, Value: 0x10080},
				{Name: "buf", Section: 1, Value: 0x10098, Size: 8, Kind: obj.KindObject},
				{Name: "LEN", Section: obj.SectionAbs, Value: 12},
			}})
		if err != nil {
			t.Fatal(err)
		}
		ef, err := stdelf.NewFile(bytes.NewReader(b))
		if err != nil {
			t.Fatal(err)
		}
		if ef.Type != stdelf.ET_EXEC || ef.Entry != 0x10078 || len(ef.Progs) != 0 {
			t.Errorf("%v: type %v entry %#x, %d program headers", arch, ef.Type, ef.Entry, len(ef.Progs))
		}
		text := ef.Section(".text")
		if text == nil || text.Type != stdelf.SHT_NOBITS || text.Addr != 0x10078 || text.Size != 30 || text.Flags != stdelf.SHF_ALLOC|stdelf.SHF_EXECINSTR {
			t.Errorf("%v: .text = %+v", arch, text)
		}
		if d, err := ef.Section(".debug_info").Data(); err != nil || !bytes.Equal(d, info) {
			t.Errorf("%v: .debug_info = %x, %v", arch, d, err)
		}
		syms, err := ef.Symbols()
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, s := range syms {
			got = append(got, s.Name+"@"+strings.TrimPrefix(stdelf.ST_BIND(s.Info).String(), "STB_"))
		}
		if want := "loop@LOCAL buf@LOCAL LEN@LOCAL _start@GLOBAL"; strings.Join(got, " ") != want {
			t.Errorf("%v: symbols %v, want %s", arch, got, want)
		}
	}
}
