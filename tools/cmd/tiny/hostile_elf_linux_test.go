//go:build linux

package main

// The ELF side of the hostile-input suite (hostile_linux_test.go runs
// it): headers that declare more than the file holds, tables that
// multiply work, devices and FIFOs where an ELF file is expected.

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"testing"
	"time"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// elf64Exec is an ELF64 executable image with the given program headers.
func elf64Exec(progs []elf.Prog64, size int) []byte {
	b := tinyelf.Marshal(elf.Header64{Ident: tinyelf.Ident(elf.ELFCLASS64), Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64),
		Version: 1, Entry: 0x10000, Phoff: 64, Ehsize: 64, Phentsize: 56, Phnum: uint16(len(progs))})
	b = append(b, tinyelf.Marshal(progs)...)
	if len(b) < size {
		b = append(b, make([]byte, size-len(b))...)
	}
	return b
}

// manyLoads has 65,535 PT_LOADs: each over the whole file (which strip
// used to mark byte by byte per header) or, spread, each over its own 8
// bytes, listed backwards (which size used to classify span by span).
func manyLoads(spread bool) []byte {
	const n = 65535
	table := 64 + n*56
	size := table
	if spread {
		size += n * 8
	}
	progs := make([]elf.Prog64, n)
	for i := range progs {
		p := elf.Prog64{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Vaddr: 0x10000, Filesz: uint64(size), Memsz: uint64(size), Align: 0x1000}
		if spread {
			p.Off = uint64(table + (n-1-i)*8)
			p.Vaddr, p.Filesz, p.Memsz, p.Flags = 0x10000+p.Off, 8, 8, uint32(elf.PF_R)
		}
		progs[i] = p
	}
	return elf64Exec(progs, size)
}

// stringTableBomb is a relocatable object whose 100,000 symbols all name
// the same 1 MiB string: 100 GB of names for a reader that copies each.
func stringTableBomb() []byte {
	name := append(bytes.Repeat([]byte{'A'}, 1<<20), 0)
	strtab := append([]byte{0}, name...)
	syms := make([]elf.Sym64, 100000)
	for i := 1; i < len(syms); i++ {
		syms[i] = elf.Sym64{Name: 1, Info: elf.ST_INFO(elf.STB_GLOBAL, elf.STT_NOTYPE), Shndx: uint16(elf.SHN_ABS)}
	}
	symtab := tinyelf.Marshal(syms)
	shstr := []byte("\x00.symtab\x00.strtab\x00.shstrtab\x00")
	off := uint64(64)
	var secs []elf.Section64
	var body []byte
	for _, s := range []struct {
		name, link uint32
		typ        elf.SectionType
		data       []byte
	}{{1, 2, elf.SHT_SYMTAB, symtab}, {9, 0, elf.SHT_STRTAB, strtab}, {17, 0, elf.SHT_STRTAB, shstr}} {
		sec := elf.Section64{Name: s.name, Type: uint32(s.typ), Off: off, Size: uint64(len(s.data)), Link: s.link, Addralign: 1}
		if s.typ == elf.SHT_SYMTAB {
			sec.Entsize, sec.Info = 24, 1
		}
		secs = append(secs, sec)
		body = append(body, s.data...)
		off += uint64(len(s.data))
	}
	b := tinyelf.Marshal(elf.Header64{Ident: tinyelf.Ident(elf.ELFCLASS64), Type: uint16(elf.ET_REL), Machine: uint16(elf.EM_X86_64),
		Version: 1, Shoff: off, Ehsize: 64, Shentsize: 64, Shnum: 4, Shstrndx: 3})
	b = append(b, body...)
	b = append(b, make([]byte, 64)...)
	return append(b, tinyelf.Marshal(secs)...)
}

// manySectionsObject is a valid program in 100,000 sections (extended
// numbering).
func manySectionsObject(t *testing.T) []byte {
	f := &obj.File{Name: "many", Arch: obj.ArchAMD64, Sections: []*obj.Section{{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Align: 1,
		Data: []byte{0x31, 0xff, 0xb8, 60, 0, 0, 0, 0x0f, 0x05}, Size: 9}}, // xor edi, edi; mov eax, 60; syscall
		Symbols: []*obj.Symbol{{Name: "_start", Binding: obj.BindGlobal}}}
	for i := 1; i < 100000; i++ {
		f.Sections = append(f.Sections, &obj.Section{Name: fmt.Sprintf(".d%d", i), Flags: obj.FlagAlloc, Align: 1, Data: []byte{1}, Size: 1})
		f.Symbols = append(f.Symbols, &obj.Symbol{Name: fmt.Sprintf("s%d", i), Section: i})
	}
	b, err := tinyelf.MarshalObject(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// elfHostileCases are the cases for the subcommands that read ELF files.
func elfHostileCases() []hostileCase {
	file := func(name string, gen func(t *testing.T) []byte) func(t *testing.T, dir string) string {
		return func(t *testing.T, dir string) string {
			t.Helper()
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, gen(t), 0o644); err != nil {
				t.Fatal(err)
			}
			return name
		}
	}
	// sparseELF is data at the start of a file of size bytes (holes after).
	sparseELF := func(name string, data []byte, size int64) func(t *testing.T, dir string) string {
		return func(t *testing.T, dir string) string {
			t.Helper()
			p := filepath.Join(dir, name)
			if err := os.WriteFile(p, data, 0o644); err != nil {
				t.Fatal(err)
			}
			if err := os.Truncate(p, size); err != nil {
				t.Skip(err)
			}
			return name
		}
	}
	fifo := func(t *testing.T, dir string) string { mkfifo(t, filepath.Join(dir, "fifo")); return "fifo" }
	dirInput := func(t *testing.T, dir string) string { os.Mkdir(filepath.Join(dir, "d"), 0o755); return "d" }
	zero := func(*testing.T, string) string { return "/dev/zero" }
	loads := file("loads", func(*testing.T) []byte { return manyLoads(false) })
	spread := file("spread", func(*testing.T) []byte { return manyLoads(true) })
	small := elf64Exec([]elf.Prog64{{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Vaddr: 0x10000, Filesz: 200, Memsz: 200, Align: 0x1000}}, 200)
	sparseExe := sparseELF("sparse", small, 8<<30)
	huge := elf64Exec([]elf.Prog64{{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Vaddr: 0x10000, Filesz: 6 << 30, Memsz: 6 << 30, Align: 0x1000}}, 200)
	hugeExe := sparseELF("huge", huge, 8<<30)
	bomb := file("bomb.o", func(*testing.T) []byte { return stringTableBomb() })
	many := file("many.o", manySectionsObject)

	// run is `tiny sub [-o out] input`; want "" means it succeeds (and
	// writes out, if it has one).
	run := func(sub string, input func(t *testing.T, dir string) string, want string) hostileCase {
		withOut := sub != "size"
		c := hostileCase{
			name: fmt.Sprintf("%s of %s", sub, want),
			setup: func(t *testing.T, dir string) []string {
				in := input(t, dir)
				if withOut {
					return []string{sub, "-o", "out", in}
				}
				return []string{sub, in}
			},
			want:    want,
			timeout: time.Minute,
		}
		if want == "" && withOut {
			c.outputs = []string{"out"}
		}
		return c
	}
	named := func(c hostileCase, name string) hostileCase { c.name = name; return c }
	return []hostileCase{
		named(run("size", zero, "/dev/zero: is not a regular file (a character device)"), "size of /dev/zero"),
		named(run("size", fifo, "is not a regular file (a FIFO)"), "size of a FIFO named as an ELF file"),
		named(run("strip", fifo, "is not a regular file (a FIFO)"), "strip of a FIFO"),
		named(run("strip", zero, "is not a regular file (a character device)"), "strip of /dev/zero"),
		named(run("link", zero, "is not a regular file (a character device)"), "link of /dev/zero"),
		named(run("link", dirInput, "is not a regular file (a directory)"), "link of a directory"),
		named(run("build", zero, "is not a regular file (a character device)"), "build of /dev/zero"),
		named(run("build", fifo, "is not a regular file (a FIFO)"), "build of a FIFO"),
		named(run("strip", loads, ""), "strip of 65,535 PT_LOADs over the whole file"),
		named(run("size", loads, ""), "size of 65,535 PT_LOADs over the whole file"),
		named(run("strip", spread, ""), "strip of 65,535 PT_LOADs spread backwards"),
		named(run("size", spread, ""), "size of 65,535 PT_LOADs spread backwards"),
		func() hostileCase {
			c := named(run("strip", sparseExe, ""), "strip of an 8 GiB file whose headers declare 200 bytes")
			c.check = func(t *testing.T, dir string) {
				if fi, err := os.Stat(filepath.Join(dir, "out")); err != nil || fi.Size() != 200 {
					t.Errorf("stripped sparse file: %v, %v; want 200 bytes", fi, err)
				}
			}
			return c
		}(),
		named(run("size", sparseExe, ""), "size of an 8 GiB file whose headers declare 200 bytes"),
		named(run("strip", hugeExe, "ELF inputs are read up to"), "strip of a PT_LOAD of 6 GiB"),
		named(run("size", hugeExe, "ELF inputs are read up to"), "size of a PT_LOAD of 6 GiB"),
		named(run("link", bomb, "names add up to more than"), "link of 100,000 symbols naming one 1 MiB string"),
		named(run("link", many, ""), "link of 100,000 sections (extended numbering)"),
	}
}
