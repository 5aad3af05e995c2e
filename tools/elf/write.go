package elf

import (
	"encoding/binary"
	"fmt"
	"io"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// WriteObject writes f as a relocatable ELF object that GNU ld links the way
// it links nasm's output: ELF32 with REL relocations (addends stored in the
// patched fields) for i386, ELF64 with RELA for x86-64. The symbol table
// holds one section symbol per section, then the local symbols, then the
// global and weak ones; an empty .note.GNU-stack marks the stack
// non-executable. No file symbol and no path is written: the bytes depend
// only on f's contents.
func WriteObject(w io.Writer, f *obj.File) error {
	b, err := MarshalObject(f)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

type strtab struct {
	b   []byte
	idx map[string]uint32
}

func newStrtab() *strtab { return &strtab{b: []byte{0}, idx: map[string]uint32{"": 0}} }

func (t *strtab) add(s string) uint32 {
	if i, ok := t.idx[s]; ok {
		return i
	}
	i := uint32(len(t.b))
	t.b = append(append(t.b, s...), 0)
	t.idx[s] = i
	return i
}

type outSection struct {
	name      string
	typ       uint32
	flags     uint64
	data      []byte
	size      uint64 // for NOBITS
	link      uint32
	info      uint32
	align     uint64
	entsize   uint64
	off       uint64
	nameIndex uint32
}

// MarshalObject is WriteObject into a byte slice.
func MarshalObject(f *obj.File) ([]byte, error) {
	is64 := f.Arch == obj.ArchAMD64
	if f.Arch != obj.ArchI386 && !is64 {
		return nil, fmt.Errorf("%s: cannot write an ELF object for architecture %v", f.Name, f.Arch)
	}
	n := len(f.Sections)
	var secs []*outSection
	for i, s := range f.Sections {
		if s == nil {
			return nil, fmt.Errorf("%s: section %d is nil", f.Name, i)
		}
		os := &outSection{name: s.Name, typ: SHT_PROGBITS, align: s.Align}
		if os.align == 0 {
			os.align = 1
		}
		if s.Flags&obj.FlagAlloc != 0 {
			os.flags |= SHF_ALLOC
		}
		if s.Flags&obj.FlagWrite != 0 {
			os.flags |= SHF_WRITE
		}
		if s.Flags&obj.FlagExec != 0 {
			os.flags |= SHF_EXECINSTR
		}
		if s.Flags&obj.FlagNoBits != 0 {
			os.typ, os.size = SHT_NOBITS, s.Size
			if len(s.Relocs) > 0 {
				return nil, fmt.Errorf("%s: section %s has no contents but has relocations", f.Name, s.Name)
			}
		} else {
			if uint64(len(s.Data)) != s.Size {
				return nil, fmt.Errorf("%s: section %s: %d data bytes but size %d", f.Name, s.Name, len(s.Data), s.Size)
			}
			os.data = append([]byte(nil), s.Data...)
		}
		secs = append(secs, os)
	}
	// Section indices: 0 null, 1..n the object's sections, then bookkeeping:
	// .note.GNU-stack unless the source declared its own, .shstrtab,
	// .symtab, .strtab.
	hasStack := false
	for _, s := range f.Sections {
		if s.Name == ".note.GNU-stack" {
			hasStack = true
		}
	}
	stack := &outSection{name: ".note.GNU-stack", typ: SHT_PROGBITS, align: 1}
	symtab := &outSection{name: ".symtab", typ: SHT_SYMTAB, align: 4, entsize: Sym32Size}
	strs := &outSection{name: ".strtab", typ: SHT_STRTAB, align: 1}
	shstr := &outSection{name: ".shstrtab", typ: SHT_STRTAB, align: 1}
	if is64 {
		symtab.align, symtab.entsize = 8, Sym64Size
	}
	base := n // index of the last section before .shstrtab
	if !hasStack {
		secs = append(secs, stack)
		base++
	}
	secs = append(secs, shstr, symtab, strs)
	shstrIdx := uint16(base + 1)
	symtabIdx := uint32(base + 2)
	symtab.link = uint32(base + 3)

	// Symbols: null, section symbols, locals, then globals (ELF's rule).
	st := newStrtab()
	type esym struct {
		name        uint32
		value, size uint64
		info        uint8
		shndx       uint16
	}
	syms := []esym{{}}
	secSym := make([]uint32, n)
	for i := range f.Sections {
		secSym[i] = uint32(len(syms))
		syms = append(syms, esym{info: STB_LOCAL<<4 | STT_SECTION, shndx: uint16(i + 1)})
	}
	symMap := make([]uint32, len(f.Symbols))
	shndx := func(s *obj.Symbol) (uint16, error) {
		switch {
		case s.Section == obj.SectionUndef:
			return SHN_UNDEF, nil
		case s.Section == obj.SectionAbs:
			return SHN_ABS, nil
		case s.Section >= 0 && s.Section < n:
			return uint16(s.Section + 1), nil
		}
		return 0, fmt.Errorf("%s: symbol %s: bad section index %d", f.Name, s.Name, s.Section)
	}
	if n+5 >= 0xff00 {
		return nil, fmt.Errorf("%s: too many sections (%d)", f.Name, n)
	}
	typeOf := func(k obj.SymKind) uint8 {
		switch k {
		case obj.KindFunc:
			return STT_FUNC
		case obj.KindObject:
			return STT_OBJECT
		}
		return STT_NOTYPE
	}
	for pass := 0; pass < 2; pass++ {
		for i, s := range f.Symbols {
			if s == nil {
				return nil, fmt.Errorf("%s: symbol %d is nil", f.Name, i)
			}
			local := s.Binding == obj.BindLocal && s.Section != obj.SectionUndef
			if s.Kind == obj.KindSection {
				if pass == 0 {
					if s.Section < 0 || s.Section >= n {
						return nil, fmt.Errorf("%s: section symbol %s: bad section index %d", f.Name, s.Name, s.Section)
					}
					symMap[i] = secSym[s.Section]
				}
				continue
			}
			if s.Kind == obj.KindFile || local != (pass == 0) {
				continue
			}
			sh, err := shndx(s)
			if err != nil {
				return nil, err
			}
			bind := uint8(STB_LOCAL)
			switch {
			case s.Binding == obj.BindWeak:
				bind = STB_WEAK
			case !local:
				bind = STB_GLOBAL
			}
			symMap[i] = uint32(len(syms))
			syms = append(syms, esym{name: st.add(s.Name), value: s.Value, size: s.Size, info: bind<<4 | typeOf(s.Kind), shndx: sh})
		}
		if pass == 0 {
			symtab.info = uint32(len(syms))
		}
	}
	for _, s := range syms {
		if is64 {
			symtab.data = append(symtab.data, Marshal(Sym64{Name: s.name, Info: s.info, Shndx: s.shndx, Value: s.value, Size: s.size})...)
		} else {
			symtab.data = append(symtab.data, Marshal(Sym32{Name: s.name, Value: uint32(s.value), Size: uint32(s.size), Info: s.info, Shndx: s.shndx})...)
		}
	}
	strs.data = st.b

	// Relocation sections, one per section that has relocations.
	for i, s := range f.Sections {
		if len(s.Relocs) == 0 {
			continue
		}
		rs := &outSection{typ: SHT_REL, flags: SHF_INFO_LINK, link: symtabIdx, info: uint32(i + 1), align: 4, entsize: Rel32Size, name: ".rel" + s.Name}
		if is64 {
			rs.typ, rs.align, rs.entsize, rs.name = SHT_RELA, 8, Rela64Size, ".rela"+s.Name
		}
		for _, r := range s.Relocs {
			where := fmt.Sprintf("%s: %s+%#x", f.Name, s.Name, r.Offset)
			rt, ok := RelocFor(f.Arch, r.Kind, r.Size)
			if !ok {
				return nil, fmt.Errorf("%s: no %v ELF relocation for a %s", where, f.Arch, KindName(f.Arch, r.Kind, r.Size))
			}
			if r.Offset > s.Size || uint64(r.Size) > s.Size-r.Offset {
				return nil, fmt.Errorf("%s: relocation runs past the end of the section", where)
			}
			if r.Symbol < 0 || r.Symbol >= len(f.Symbols) || f.Symbols[r.Symbol].Kind == obj.KindFile {
				return nil, fmt.Errorf("%s: relocation against bad symbol index %d", where, r.Symbol)
			}
			es := symMap[r.Symbol]
			if is64 {
				rs.data = append(rs.data, Marshal(Rela64{Off: r.Offset, Info: uint64(es)<<32 | uint64(rt.Type), Addend: r.Addend})...)
				continue
			}
			// REL: the addend goes into the field itself.
			if !fitsEither(r.Addend, r.Size) {
				return nil, fmt.Errorf("%s: addend %d does not fit the %d-byte field", where, r.Addend, r.Size)
			}
			putField(secs[i].data[r.Offset:], r.Size, uint64(r.Addend))
			rs.data = append(rs.data, Marshal(Rel32{Off: uint32(r.Offset), Info: es<<8 | rt.Type})...)
		}
		secs = append(secs, rs)
	}

	// Names, then file layout: header, contents, section header table.
	for _, s := range secs {
		s.nameIndex = shstrAdd(shstr, s.name)
	}
	ehsize, shentsize := uint64(Ehdr32Size), uint64(Shdr32Size)
	if is64 {
		ehsize, shentsize = Ehdr64Size, Shdr64Size
	}
	off := ehsize
	for _, s := range secs {
		if s.typ == SHT_NOBITS {
			s.off = off
			continue
		}
		a := s.align
		if a > 16 {
			a = 16 // file alignment only needs to be sane; addresses come at link time
		}
		off = alignUp(off, a)
		s.off = off
		off += uint64(len(s.data))
	}
	wordAlign := uint64(4)
	if is64 {
		wordAlign = 8
	}
	shoff := alignUp(off, wordAlign)
	shnum := len(secs) + 1

	out := make([]byte, 0, shoff+uint64(shnum)*shentsize)
	if is64 {
		out = append(out, Marshal(Header64{Ident: Ident(ELFCLASS64), Type: ET_REL, Machine: EM_X86_64, Version: EV_CURRENT,
			Shoff: shoff, Ehsize: Ehdr64Size, Shentsize: Shdr64Size, Shnum: uint16(shnum), Shstrndx: shstrIdx})...)
	} else {
		out = append(out, Marshal(Header32{Ident: Ident(ELFCLASS32), Type: ET_REL, Machine: EM_386, Version: EV_CURRENT,
			Shoff: uint32(shoff), Ehsize: Ehdr32Size, Shentsize: Shdr32Size, Shnum: uint16(shnum), Shstrndx: shstrIdx})...)
	}
	for _, s := range secs {
		if s.typ == SHT_NOBITS {
			continue
		}
		out = append(out, make([]byte, s.off-uint64(len(out)))...)
		out = append(out, s.data...)
	}
	out = append(out, make([]byte, shoff-uint64(len(out)))...)
	out = append(out, make([]byte, shentsize)...) // the null section header
	for _, s := range secs {
		size := uint64(len(s.data))
		if s.typ == SHT_NOBITS {
			size = s.size
		}
		if is64 {
			out = append(out, Marshal(Section64{Name: s.nameIndex, Type: s.typ, Flags: s.flags, Off: s.off, Size: size,
				Link: s.link, Info: s.info, Addralign: s.align, Entsize: s.entsize})...)
		} else {
			if size > 0xffffffff || s.off > 0xffffffff {
				return nil, fmt.Errorf("%s: section %s is too large for ELF32", f.Name, s.name)
			}
			out = append(out, Marshal(Section32{Name: s.nameIndex, Type: s.typ, Flags: uint32(s.flags), Off: uint32(s.off), Size: uint32(size),
				Link: s.link, Info: s.info, Addralign: uint32(s.align), Entsize: uint32(s.entsize)})...)
		}
	}
	return out, nil
}

func shstrAdd(sh *outSection, name string) uint32 {
	if sh.data == nil {
		sh.data = []byte{0}
	}
	i := uint32(len(sh.data))
	sh.data = append(append(sh.data, name...), 0)
	return i
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) &^ (a - 1)
}

// fitsEither reports whether v fits size bytes as a signed or an unsigned value.
func fitsEither(v int64, size uint8) bool {
	if size >= 8 {
		return true
	}
	bits := uint(size) * 8
	return v >= -(1<<(bits-1)) && v < 1<<bits
}

func putField(b []byte, size uint8, v uint64) {
	switch size {
	case 1:
		b[0] = byte(v)
	case 2:
		binary.LittleEndian.PutUint16(b, uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(b, uint32(v))
	case 8:
		binary.LittleEndian.PutUint64(b, v)
	}
}
