package elf_test

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/link"
	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// manySections is a program with n one-byte data sections after .text,
// each with a local symbol; _start exits with the byte of the last one,
// reached through a relocation against that section's symbol.
func manySections(arch obj.Arch, n int) *obj.File {
	f := &obj.File{Name: "many.o", Arch: arch}
	var text []byte
	var rel obj.Reloc
	if arch == obj.ArchAMD64 {
		// movzx edi, byte [rel last]; mov eax, 60; syscall
		text = []byte{0x0f, 0xb6, 0x3d, 0, 0, 0, 0, 0xb8, 60, 0, 0, 0, 0x0f, 0x05}
		rel = obj.Reloc{Offset: 3, Size: 4, Kind: obj.RelocPCRel, Addend: -4}
	} else {
		// movzx ebx, byte [last]; mov eax, 1; int 0x80
		text = []byte{0x0f, 0xb6, 0x1d, 0, 0, 0, 0, 0xb8, 1, 0, 0, 0, 0xcd, 0x80}
		rel = obj.Reloc{Offset: 3, Size: 4, Kind: obj.RelocAbs}
	}
	f.Sections = append(f.Sections, &obj.Section{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Align: 1, Data: text, Size: uint64(len(text))})
	f.Symbols = append(f.Symbols, &obj.Symbol{Name: "_start", Section: 0, Binding: obj.BindGlobal, Kind: obj.KindFunc})
	for i := 1; i <= n; i++ {
		f.Sections = append(f.Sections, &obj.Section{Name: fmt.Sprintf(".rodata.%d", i), Flags: obj.FlagAlloc, Align: 1, Data: []byte{byte(i % 199)}, Size: 1})
		f.Symbols = append(f.Symbols, &obj.Symbol{Name: fmt.Sprintf("d%d", i), Section: i, Binding: obj.BindLocal, Kind: obj.KindObject, Size: 1})
	}
	rel.Symbol = len(f.Symbols) - 1
	f.Sections[0].Relocs = []obj.Reloc{rel}
	return f
}

var headerCount = regexp.MustCompile(`Number of section headers:\s+(\d+) \((\d+)\)`)
var headerStrndx = regexp.MustCompile(`Section header string table index:\s+(\d+) \((\d+)\)`)

// More than 65,279 sections: the count and the name table's index move to
// section 0 and symbol section indices to .symtab_shndx, which readelf
// reads without complaint, GNU ld links, and ReadObject reads back.
func TestExtendedSectionNumbering(t *testing.T) {
	if testing.Short() {
		t.Skip("links 70,000 sections with GNU ld; skipped with -short")
	}
	linktest.Need(t, "ld", "readelf")
	for _, tc := range []struct {
		arch obj.Arch
		n    int
	}{{obj.ArchAMD64, 70000}, {obj.ArchI386, 65300}} {
		t.Run(tc.arch.String(), func(t *testing.T) {
			f := manySections(tc.arch, tc.n)
			b, err := elf.MarshalObject(f)
			if err != nil {
				t.Fatal(err)
			}
			dir := linktest.Dir(t)
			o := linktest.Write(t, dir, "many.o", b)
			h := linktest.Readelf(t, o, "-h")
			m, s := headerCount.FindStringSubmatch(h), headerStrndx.FindStringSubmatch(h)
			// null, .text, n data sections, .note.GNU-stack, .shstrtab, .symtab,
			// .strtab, .symtab_shndx, .rel(a).text
			total := strconv.Itoa(tc.n + 8)
			if m == nil || m[1] != "0" || m[2] != total || s == nil || s[1] != "65535" || s[2] != strconv.Itoa(tc.n+3) {
				t.Fatalf("readelf -h, want 0 (%s) sections and string table 65535 (%d):\n%s", total, tc.n+3, h)
			}
			sections := linktest.Readelf(t, o, "-S", "-W")
			if strings.Contains(sections, "Warning") || !regexp.MustCompile(`\.symtab_shndx\s+SYMTAB SECTION INDICES`).MatchString(sections) {
				t.Errorf("readelf -S:\n%s", sections[max(0, len(sections)-2000):])
			}
			// The last data symbol's section index is resolved through .symtab_shndx.
			syms := linktest.Readelf(t, o, "-s", "-W")
			last := fmt.Sprintf(`OBJECT\s+LOCAL\s+DEFAULT\s+%d d%d\n`, tc.n+1, tc.n)
			if !regexp.MustCompile(last).MatchString(syms) {
				t.Errorf("readelf -s does not show d%d in section %d", tc.n, tc.n+1)
			}
			want := tc.n % 199
			ld := filepath.Join(dir, "ld")
			linktest.Cmd(t, "ld", append(ldArgs(tc.arch), "-o", ld, o)...)
			if _, code := linktest.Run(t, ld); code != want {
				t.Errorf("GNU ld's program exits %d, want %d", code, want)
			}
			g, err := elf.ReadObject(b, "many.o")
			if err != nil {
				t.Fatal(err)
			}
			lastSym := -1
			for _, s := range g.Symbols {
				if s.Name == fmt.Sprintf("d%d", tc.n) {
					lastSym = s.Section
				}
			}
			if len(g.Sections) != tc.n+1 || lastSym != tc.n {
				t.Errorf("read back %d sections, d%d in section %d; want %d and %d", len(g.Sections), tc.n, lastSym, tc.n+1, tc.n)
			}
			again, err := elf.MarshalObject(g)
			if err != nil || !bytes.Equal(again, b) {
				t.Errorf("write, read, write is not stable (err %v)", err)
			}
			exe, err := link.Link([]*obj.File{g}, link.Options{})
			if err != nil {
				t.Fatal(err)
			}
			if _, code := linktest.Run(t, linktest.Write(t, dir, "ours", exe)); code != want {
				t.Errorf("our linker's program exits %d, want %d", code, want)
			}
		})
	}
}

// nasm 2.16 writes e_shnum 0 and section 0's sh_size 0 when there are
// exactly 0xff00 sections (it tests > where the ELF spec says >=), which
// readelf reports as corrupt. We switch at 0xff00.
func TestExtendedNumberingStartsAtLoreserve(t *testing.T) {
	linktest.Need(t, "readelf")
	dir := t.TempDir()
	for _, total := range []int{0xfeff, 0xff00} {
		n := total - 7 // null, .text, .note.GNU-stack, 3 tables, .rela.text
		b, err := elf.MarshalObject(manySections(obj.ArchAMD64, n))
		if err != nil {
			t.Fatal(err)
		}
		h := linktest.Readelf(t, linktest.Write(t, dir, "o", b), "-h")
		count := fmt.Sprintf("Number of section headers:\\s+%d\n", total)
		if total >= 0xff00 {
			count = fmt.Sprintf("Number of section headers:\\s+0 \\(%d\\)\n", total)
		}
		if !regexp.MustCompile(count).MatchString(h) || strings.Contains(h, "corrupt") {
			t.Errorf("%d sections: readelf -h says\n%s", total, h)
		}
		g, err := elf.ReadObject(b, "o")
		if err != nil || len(g.Sections) != n+1 {
			t.Errorf("%d sections: read back %v, %v", total, g != nil, err)
		}
	}
}

// nasm's own extended-numbering objects read, link and run.
func TestReadsNasmExtendedNumbering(t *testing.T) {
	if testing.Short() {
		t.Skip("nasm takes seconds on 66,000 sections; skipped with -short")
	}
	linktest.Need(t, "ld")
	var src strings.Builder
	src.WriteString("BITS 64\nglobal _start\nsection .text\n_start: movzx edi, byte [rel last]\n mov eax, 60\n syscall\n")
	const n = 66000
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&src, "section .r%d progbits alloc noexec nowrite align=1\n", i)
		if i == n {
			src.WriteString("last: ")
		}
		fmt.Fprintf(&src, "db %d\n", i%199)
	}
	b := linktest.Nasm(t, "elf64", src.String())
	f, err := elf.ReadObject(b, "nasm.o")
	if err != nil {
		t.Fatal(err)
	}
	dir := linktest.Dir(t)
	exe, err := link.Link([]*obj.File{f}, link.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if _, code := linktest.Run(t, linktest.Write(t, dir, "ours", exe)); code != n%199 {
		t.Errorf("exit %d, want %d", code, n%199)
	}
	o := linktest.Write(t, dir, "nasm.o", b)
	linktest.Cmd(t, "ld", "-o", filepath.Join(dir, "ld"), o)
	if _, code := linktest.Run(t, filepath.Join(dir, "ld")); code != n%199 {
		t.Errorf("GNU ld: exit %d, want %d", code, n%199)
	}
	os.Remove(o)
}
