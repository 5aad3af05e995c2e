package compat

import (
	"bytes"
	"crypto/sha256"
	"debug/elf"
	"encoding/hex"
	"fmt"
	"sort"
	"strings"
)

// ObjDesc is a relocatable object reduced to what a linker acts on. Two
// objects with equal descriptions link to the same program with any
// linker. What is normalised, and why:
//   - Section order and symbol-table order: a linker looks sections up by
//     name and symbols by name; only "locals before globals" is fixed by
//     ELF, and that holds in any valid file.
//   - Section and file symbols (STT_SECTION, STT_FILE): a relocation
//     against a section symbol is written below as "section:NAME", so the
//     symbol's index does not matter; the file symbol names the source
//     path, which depends on where the assembler was run.
//   - .comment: the producer's name and version, never loaded.
//   - An empty .note.GNU-stack: tools/elf writes one on purpose so that
//     GNU ld does not give the program an executable stack; it holds no
//     bytes, nothing loads it, and nasm 2.16 writes it only when asked.
//   - The string tables, .symtab and the relocation sections themselves:
//     their content is described by Symbols and Relocs, not by bytes.
//
// Section contents are kept as a hash and size: a difference there is a
// difference in code or data, and the golden files stay small.
type ObjDesc struct {
	Class    string
	Machine  string
	Sections []SecDesc
	Symbols  []SymDesc
	Relocs   []RelocDesc
}

// SecDesc describes one section.
type SecDesc struct {
	Name    string
	Type    string
	Flags   string
	Align   uint64
	EntSize uint64
	Size    uint64
	SHA256  string `json:",omitempty"` // of the contents; empty for NOBITS
}

// SymDesc describes one symbol.
type SymDesc struct {
	Name    string
	Bind    string
	Type    string
	Vis     string
	Section string // section name, or ABS, UNDEF, COMMON
	Value   uint64
	Size    uint64
}

// RelocDesc describes one relocation.
type RelocDesc struct {
	Section string // the section it patches
	Offset  uint64
	Type    string
	Symbol  string // symbol name, or "section:NAME"
	Addend  int64
}

// ignoredSection reports sections left out of the description (see ObjDesc).
func ignoredSection(s *elf.Section) bool {
	switch s.Type {
	case elf.SHT_NULL, elf.SHT_SYMTAB, elf.SHT_STRTAB, elf.SHT_REL, elf.SHT_RELA:
		return true
	}
	return s.Name == ".comment" || (s.Name == ".note.GNU-stack" && s.Size == 0 && s.Type == elf.SHT_PROGBITS)
}

// DescribeObject reads an ELF relocatable object.
func DescribeObject(data []byte) (*ObjDesc, error) {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, err
	}
	if f.Type != elf.ET_REL {
		return nil, fmt.Errorf("not a relocatable object: %v", f.Type)
	}
	d := &ObjDesc{Class: f.Class.String(), Machine: f.Machine.String()}
	for _, s := range f.Sections {
		if ignoredSection(s) {
			continue
		}
		sd := SecDesc{Name: s.Name, Type: s.Type.String(), Flags: s.Flags.String(), Align: s.Addralign, EntSize: s.Entsize, Size: s.Size}
		if s.Type != elf.SHT_NOBITS {
			b, err := s.Data()
			if err != nil {
				return nil, fmt.Errorf("section %s: %v", s.Name, err)
			}
			h := sha256.Sum256(b)
			sd.SHA256 = hex.EncodeToString(h[:])
		}
		d.Sections = append(d.Sections, sd)
	}
	sort.Slice(d.Sections, func(i, j int) bool { return d.Sections[i].Name < d.Sections[j].Name })

	syms, err := f.Symbols()
	if err != nil && err != elf.ErrNoSymbols {
		return nil, err
	}
	secName := func(idx elf.SectionIndex) string {
		switch {
		case idx == elf.SHN_UNDEF:
			return "UNDEF"
		case idx == elf.SHN_ABS:
			return "ABS"
		case idx == elf.SHN_COMMON:
			return "COMMON"
		case int(idx) < len(f.Sections):
			return f.Sections[idx].Name
		}
		return fmt.Sprintf("#%d", idx)
	}
	for _, s := range syms {
		typ := elf.ST_TYPE(s.Info)
		if typ == elf.STT_SECTION || typ == elf.STT_FILE {
			continue
		}
		d.Symbols = append(d.Symbols, SymDesc{Name: s.Name, Bind: elf.ST_BIND(s.Info).String(), Type: typ.String(),
			Vis: elf.ST_VISIBILITY(s.Other).String(), Section: secName(s.Section), Value: s.Value, Size: s.Size})
	}
	sort.Slice(d.Symbols, func(i, j int) bool {
		a, b := d.Symbols[i], d.Symbols[j]
		if a.Name != b.Name {
			return a.Name < b.Name
		}
		if a.Section != b.Section {
			return a.Section < b.Section
		}
		return a.Value < b.Value
	})

	// Relocations, read from the raw tables so that both REL and RELA and
	// both classes go through one path.
	symName := func(i uint32) string {
		if i == 0 {
			return ""
		}
		if int(i) > len(syms) {
			return fmt.Sprintf("#%d", i)
		}
		s := syms[i-1] // debug/elf drops the null symbol
		if elf.ST_TYPE(s.Info) == elf.STT_SECTION {
			return "section:" + secName(s.Section)
		}
		return s.Name
	}
	for _, s := range f.Sections {
		if s.Type != elf.SHT_REL && s.Type != elf.SHT_RELA {
			continue
		}
		target := secName(elf.SectionIndex(s.Info))
		b, err := s.Data()
		if err != nil {
			return nil, err
		}
		rela := s.Type == elf.SHT_RELA
		ent := map[bool]map[elf.Class]int{false: {elf.ELFCLASS32: 8, elf.ELFCLASS64: 16}, true: {elf.ELFCLASS32: 12, elf.ELFCLASS64: 24}}[rela][f.Class]
		for off := 0; off+ent <= len(b); off += ent {
			r := RelocDesc{Section: target}
			var sym, typ uint32
			if f.Class == elf.ELFCLASS64 {
				r.Offset = f.ByteOrder.Uint64(b[off:])
				info := f.ByteOrder.Uint64(b[off+8:])
				sym, typ = uint32(info>>32), uint32(info)
				if rela {
					r.Addend = int64(f.ByteOrder.Uint64(b[off+16:]))
				}
				r.Type = elf.R_X86_64(typ).String()
			} else {
				r.Offset = uint64(f.ByteOrder.Uint32(b[off:]))
				info := f.ByteOrder.Uint32(b[off+4:])
				sym, typ = info>>8, info&0xff
				if rela {
					r.Addend = int64(int32(f.ByteOrder.Uint32(b[off+8:])))
				}
				r.Type = elf.R_386(typ).String()
			}
			r.Symbol = symName(sym)
			d.Relocs = append(d.Relocs, r)
		}
	}
	sort.SliceStable(d.Relocs, func(i, j int) bool {
		a, b := d.Relocs[i], d.Relocs[j]
		if a.Section != b.Section {
			return a.Section < b.Section
		}
		return a.Offset < b.Offset
	})
	return d, nil
}

// Diff lists the differences between two descriptions (want = nasm, got =
// tiny), at most max of them.
func (want *ObjDesc) Diff(got *ObjDesc, max int) []string {
	var out []string
	add := func(format string, args ...any) {
		if len(out) < max {
			out = append(out, fmt.Sprintf(format, args...))
		}
	}
	if want.Class != got.Class || want.Machine != got.Machine {
		add("class/machine: nasm %s %s, tiny %s %s", want.Class, want.Machine, got.Class, got.Machine)
	}
	ws, gs := map[string]SecDesc{}, map[string]SecDesc{}
	for _, s := range want.Sections {
		ws[s.Name] = s
	}
	for _, s := range got.Sections {
		gs[s.Name] = s
	}
	for _, s := range want.Sections {
		g, ok := gs[s.Name]
		switch {
		case !ok:
			add("section %s: only in nasm's object", s.Name)
		case g.Size != s.Size:
			add("section %s: size nasm %d, tiny %d", s.Name, s.Size, g.Size)
		case g.SHA256 != s.SHA256:
			add("section %s: contents differ", s.Name)
		case g != s:
			add("section %s: header nasm %+v, tiny %+v", s.Name, s, g)
		}
	}
	for _, s := range got.Sections {
		if _, ok := ws[s.Name]; !ok {
			add("section %s: only in tiny's object", s.Name)
		}
	}
	diffList(add, "symbol", symKeys(want.Symbols), symKeys(got.Symbols))
	diffList(add, "reloc", relocKeys(want.Relocs), relocKeys(got.Relocs))
	return out
}

func symKeys(s []SymDesc) []string {
	var k []string
	for _, x := range s {
		k = append(k, fmt.Sprintf("%s %s %s %s %s+%#x size %d", x.Name, x.Bind, x.Type, x.Vis, x.Section, x.Value, x.Size))
	}
	return k
}

func relocKeys(r []RelocDesc) []string {
	var k []string
	for _, x := range r {
		k = append(k, fmt.Sprintf("%s+%#x %s %s%+d", x.Section, x.Offset, x.Type, x.Symbol, x.Addend))
	}
	return k
}

// diffList reports entries of one list missing from the other (as multisets).
func diffList(add func(string, ...any), what string, want, got []string) {
	left := map[string]int{}
	for _, s := range got {
		left[s]++
	}
	extra := map[string]int{}
	for _, s := range want {
		if left[s] > 0 {
			left[s]--
		} else {
			add("%s only in nasm's object: %s", what, s)
		}
	}
	for _, s := range got {
		if left[s] > extra[s] {
			extra[s]++
			add("%s only in tiny's object: %s", what, s)
		}
	}
}

// WithoutUnusedLocals is the description without the local symbols that
// no relocation refers to. No linker resolves such a symbol, so two
// objects that differ only there link to the same program with any
// linker; only a debugger or a disassembler sees the difference.
func (d *ObjDesc) WithoutUnusedLocals() *ObjDesc {
	used := map[string]bool{}
	for _, r := range d.Relocs {
		used[r.Symbol] = true
	}
	c := *d
	c.Symbols = nil
	for _, s := range d.Symbols {
		if s.Bind == elf.STB_LOCAL.String() && !used[s.Name] {
			continue
		}
		c.Symbols = append(c.Symbols, s)
	}
	return &c
}

// Equal reports whether two descriptions are the same.
func (want *ObjDesc) Equal(got *ObjDesc) bool { return len(want.Diff(got, 1)) == 0 }

// String is a one-line summary for messages.
func (d *ObjDesc) String() string {
	var n []string
	for _, s := range d.Sections {
		n = append(n, fmt.Sprintf("%s:%d", s.Name, s.Size))
	}
	return fmt.Sprintf("%s %s [%s] %d symbols %d relocs", d.Class, d.Machine, strings.Join(n, " "), len(d.Symbols), len(d.Relocs))
}
