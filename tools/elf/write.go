package elf

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"io"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// WriteObject writes f as a relocatable ELF object that GNU ld links the way
// it links nasm's output: ELF32 with REL relocations (addends stored in the
// patched fields) for i386, ELF64 with RELA for x86-64. The symbol table
// holds one section symbol per section, then the local symbols, then the
// global and weak ones, each with its type, size and visibility; an empty
// .note.GNU-stack marks the stack non-executable. No file symbol and no
// path is written: the bytes depend only on f's contents.
//
// With SHN_LORESERVE (0xff00) sections or more, the file uses ELF extended
// numbering as nasm does: e_shnum is 0 and section 0's sh_size holds the
// count; e_shstrndx is SHN_XINDEX and section 0's sh_link holds the index;
// symbols of sections from 0xff00 on have st_shndx SHN_XINDEX and their
// index in a .symtab_shndx section (SHT_SYMTAB_SHNDX, placed after .strtab).
func WriteObject(w io.Writer, f *obj.File) error {
	b, err := MarshalObject(f)
	if err != nil {
		return err
	}
	_, err = w.Write(b)
	return err
}

// outSection is one section of the object being written.
type outSection struct {
	name      string
	typ       elf.SectionType
	flags     elf.SectionFlag
	data      []byte
	size      uint64 // for NOBITS
	addr      uint64 // sh_addr: 0 in objects
	link      uint32
	info      uint32
	align     uint64
	entsize   uint64
	off       uint64
	nameIndex uint32
}

// outSym is one symbol table entry. shndx is a real section index (0 for
// undefined) unless abs.
type outSym struct {
	name        uint32
	value, size uint64
	info, other uint8
	shndx       uint32
	abs, common bool // SHN_ABS, SHN_COMMON
}

// objWriter holds what the steps of MarshalObject share. ELF section i+1
// is secs[i]; the object's own sections come first, at f's indices + 1.
type objWriter struct {
	f      *obj.File
	is64   bool
	secs   []*outSection
	shstr  *outSection
	symtab *outSection
	strtab *outSection
	// ELF index of each symbol of f (section symbols: their section's).
	symMap []uint32
}

// index is the ELF section index of s, which must be in w.secs.
func (w *objWriter) index(s *outSection) uint32 {
	for i := len(w.secs) - 1; i >= 0; i-- { // the bookkeeping sections are near the end
		if w.secs[i] == s {
			return uint32(i + 1)
		}
	}
	panic("elf: section not in the table")
}

// MarshalObject is WriteObject into a byte slice.
func MarshalObject(f *obj.File) ([]byte, error) {
	w := &objWriter{f: f, is64: f.Arch == obj.ArchAMD64}
	if f.Arch != obj.ArchI386 && !w.is64 {
		return nil, fmt.Errorf("%s: cannot write an ELF object for architecture %v", f.Name, f.Arch)
	}
	for _, step := range []func() error{w.contentSections, w.tableSections, w.symbolTable, w.relocationSections} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return w.layout(elf.ET_REL, 0)
}

// contentSections converts the object's sections.
func (w *objWriter) contentSections() error {
	f := w.f
	for i, s := range f.Sections {
		if s == nil {
			return fmt.Errorf("%s: section %d is nil", f.Name, i)
		}
		os := &outSection{name: s.Name, typ: elf.SHT_PROGBITS, align: max(s.Align, 1)}
		if s.Flags&obj.FlagAlloc != 0 {
			os.flags |= elf.SHF_ALLOC
		}
		if s.Flags&obj.FlagWrite != 0 {
			os.flags |= elf.SHF_WRITE
		}
		if s.Flags&obj.FlagExec != 0 {
			os.flags |= elf.SHF_EXECINSTR
		}
		if s.Flags&obj.FlagNoBits != 0 {
			os.typ, os.size = elf.SHT_NOBITS, s.Size
			if len(s.Relocs) > 0 {
				return fmt.Errorf("%s: section %s has no contents but has relocations", f.Name, s.Name)
			}
		} else {
			if uint64(len(s.Data)) != s.Size {
				return fmt.Errorf("%s: section %s: %d data bytes but size %d", f.Name, s.Name, len(s.Data), s.Size)
			}
			os.data = append([]byte(nil), s.Data...)
		}
		w.secs = append(w.secs, os)
	}
	return nil
}

// tableSections adds .note.GNU-stack (unless the source declared its own),
// .shstrtab, .symtab and .strtab after the object's sections.
func (w *objWriter) tableSections() error {
	if w.f.SectionByName(".note.GNU-stack") < 0 {
		w.secs = append(w.secs, &outSection{name: ".note.GNU-stack", typ: elf.SHT_PROGBITS, align: 1})
	}
	w.shstr = &outSection{name: ".shstrtab", typ: elf.SHT_STRTAB, align: 1}
	w.symtab = &outSection{name: ".symtab", typ: elf.SHT_SYMTAB, align: 4, entsize: Sym32Size}
	if w.is64 {
		w.symtab.align, w.symtab.entsize = 8, Sym64Size
	}
	w.strtab = &outSection{name: ".strtab", typ: elf.SHT_STRTAB, align: 1}
	w.secs = append(w.secs, w.shstr, w.symtab, w.strtab)
	w.symtab.link = uint32(len(w.secs)) // .strtab, the last one
	return nil
}

// symbolTable writes .symtab and .strtab (and .symtab_shndx when a symbol's
// section index does not fit st_shndx): the null symbol, one section
// symbol per section, the local symbols, then the others (ELF's order).
func (w *objWriter) symbolTable() error {
	f := w.f
	n := len(f.Sections)
	strs := newStrtabWriter()
	syms := make([]outSym, 1, 1+n+len(f.Symbols))
	for i := range f.Sections {
		syms = append(syms, outSym{info: elf.ST_INFO(elf.STB_LOCAL, elf.STT_SECTION), shndx: uint32(i + 1)})
	}
	w.symMap = make([]uint32, len(f.Symbols))
	for pass := 0; pass < 2; pass++ {
		for i, s := range f.Symbols {
			if s == nil {
				return fmt.Errorf("%s: symbol %d is nil", f.Name, i)
			}
			if s.Kind == obj.KindSection {
				if pass == 0 {
					if s.Section < 0 || s.Section >= n {
						return fmt.Errorf("%s: section symbol %s: bad section index %d", f.Name, s.Name, s.Section)
					}
					w.symMap[i] = uint32(1 + s.Section)
				}
				continue
			}
			// A local may be undefined: nasm writes a name equated to an
			// external that way (no relocation uses it).
			local := s.Binding == obj.BindLocal
			if s.Kind == obj.KindFile || local != (pass == 0) {
				continue
			}
			es, err := w.symbol(s, local)
			if err != nil {
				return err
			}
			es.name = strs.add(s.Name)
			w.symMap[i] = uint32(len(syms))
			syms = append(syms, es)
		}
		if pass == 0 {
			w.symtab.info = uint32(len(syms)) // the first non-local symbol
		}
	}
	w.strtab.data = strs.b
	w.encodeSymbols(syms)
	return nil
}

// symbol converts one symbol, without its name.
func (w *objWriter) symbol(s *obj.Symbol, local bool) (outSym, error) {
	es := outSym{value: s.Value, size: s.Size}
	switch {
	case s.Section == obj.SectionUndef:
	case s.Section == obj.SectionAbs:
		es.abs = true
	case s.Section == obj.SectionCommon:
		es.common = true
	case s.Section >= 0 && s.Section < len(w.f.Sections):
		es.shndx = uint32(s.Section + 1)
	default:
		return es, fmt.Errorf("%s: symbol %s: bad section index %d", w.f.Name, s.Name, s.Section)
	}
	info, other, ok := symInfo(s, local)
	if !ok {
		return es, fmt.Errorf("%s: symbol %s: unknown visibility %v", w.f.Name, s.Name, s.Visibility)
	}
	es.info, es.other = info, other
	return es, nil
}

// symInfo encodes a symbol's st_info (binding and type) and st_other
// (visibility); false for a visibility ELF does not have.
func symInfo(s *obj.Symbol, local bool) (info, other uint8, ok bool) {
	bind := elf.STB_LOCAL
	switch {
	case s.Binding == obj.BindWeak:
		bind = elf.STB_WEAK
	case !local:
		bind = elf.STB_GLOBAL
	}
	typ := elf.STT_NOTYPE
	switch s.Kind {
	case obj.KindFunc:
		typ = elf.STT_FUNC
	case obj.KindObject:
		typ = elf.STT_OBJECT
	}
	vis, ok := stVisibility[s.Visibility]
	return elf.ST_INFO(bind, typ), uint8(vis), ok
}

// stVisibility maps the object model's visibilities to st_other.
var stVisibility = map[obj.Visibility]elf.SymVis{
	obj.VisDefault: elf.STV_DEFAULT, obj.VisInternal: elf.STV_INTERNAL, obj.VisHidden: elf.STV_HIDDEN, obj.VisProtected: elf.STV_PROTECTED,
}

// encodeSymbols fills .symtab and, when needed, adds .symtab_shndx.
func (w *objWriter) encodeSymbols(syms []outSym) {
	var xindex []byte
	for i, s := range syms {
		st := uint16(s.shndx)
		switch {
		case s.abs:
			st = uint16(elf.SHN_ABS)
		case s.common:
			st = uint16(elf.SHN_COMMON)
		case s.shndx >= uint32(elf.SHN_LORESERVE):
			st = uint16(elf.SHN_XINDEX)
			if xindex == nil {
				xindex = make([]byte, 4*len(syms)) // 0 for every symbol whose st_shndx holds its index
			}
			binary.LittleEndian.PutUint32(xindex[4*i:], s.shndx)
		}
		if w.is64 {
			w.symtab.data = appendLE(w.symtab.data, elf.Sym64{Name: s.name, Info: s.info, Other: s.other, Shndx: st, Value: s.value, Size: s.size})
		} else {
			w.symtab.data = appendLE(w.symtab.data, elf.Sym32{Name: s.name, Value: uint32(s.value), Size: uint32(s.size), Info: s.info, Other: s.other, Shndx: st})
		}
	}
	if xindex != nil {
		w.secs = append(w.secs, &outSection{name: ".symtab_shndx", typ: elf.SHT_SYMTAB_SHNDX, data: xindex,
			link: w.index(w.symtab), align: 4, entsize: 4})
	}
}

// relocationSections adds one REL (i386) or RELA (x86-64) section per
// section that has relocations.
func (w *objWriter) relocationSections() error {
	f := w.f
	symtabIdx := w.index(w.symtab)
	for i, s := range f.Sections {
		if len(s.Relocs) == 0 {
			continue
		}
		rs := &outSection{typ: elf.SHT_REL, flags: elf.SHF_INFO_LINK, link: symtabIdx, info: uint32(i + 1), align: 4, entsize: Rel32Size, name: ".rel" + s.Name}
		if w.is64 {
			rs.typ, rs.align, rs.entsize, rs.name = elf.SHT_RELA, 8, Rela64Size, ".rela"+s.Name
		}
		for _, r := range s.Relocs {
			if err := w.reloc(rs, w.secs[i], s, r); err != nil {
				return err
			}
		}
		w.secs = append(w.secs, rs)
	}
	return nil
}

// reloc encodes one relocation of section s (written as out) into rs.
func (w *objWriter) reloc(rs, out *outSection, s *obj.Section, r obj.Reloc) error {
	f := w.f
	where := func() string { return fmt.Sprintf("%s: %s+%#x", f.Name, s.Name, r.Offset) }
	rt, ok := RelocFor(f.Arch, r.Kind, r.Size)
	if !ok {
		return fmt.Errorf("%s: no %v ELF relocation for a %s", where(), f.Arch, KindName(f.Arch, r.Kind, r.Size))
	}
	if r.Offset > s.Size || uint64(r.Size) > s.Size-r.Offset {
		return fmt.Errorf("%s: relocation runs past the end of the section", where())
	}
	var es uint32 // ELF symbol 0 for obj.NoSymbol
	if r.Symbol != obj.NoSymbol {
		if r.Symbol < 0 || r.Symbol >= len(f.Symbols) || f.Symbols[r.Symbol].Kind == obj.KindFile {
			return fmt.Errorf("%s: relocation against bad symbol index %d", where(), r.Symbol)
		}
		es = w.symMap[r.Symbol]
	}
	if w.is64 {
		rs.data = appendLE(rs.data, elf.Rela64{Off: r.Offset, Info: elf.R_INFO(es, rt.Type), Addend: r.Addend})
		return nil
	}
	// REL: the addend goes into the field itself.
	if !fitsEither(r.Addend, r.Size) {
		return fmt.Errorf("%s: addend %d does not fit the %d-byte field", where(), r.Addend, r.Size)
	}
	if es >= 1<<24 {
		return fmt.Errorf("%s: symbol index %d does not fit an ELF32 relocation (%d symbols at most)", where(), es, 1<<24)
	}
	putField(out.data[r.Offset:], r.Size, uint64(r.Addend))
	rs.data = appendLE(rs.data, elf.Rel32{Off: uint32(r.Offset), Info: elf.R_INFO32(es, rt.Type)})
	return nil
}

// layout names the sections and writes the file: ELF header (of type
// typ, with entry point entry), contents, section header table.
func (w *objWriter) layout(typ elf.Type, entry uint64) ([]byte, error) {
	for _, s := range w.secs {
		s.nameIndex = shstrAdd(w.shstr, s.name)
	}
	ehsize, shentsize, wordAlign := uint64(Ehdr32Size), uint64(Shdr32Size), uint64(4)
	if w.is64 {
		ehsize, shentsize, wordAlign = Ehdr64Size, Shdr64Size, 8
	}
	off := ehsize
	for _, s := range w.secs {
		if s.typ == elf.SHT_NOBITS {
			s.off = off
			continue
		}
		off = alignUp(off, min(s.align, 16)) // file alignment only needs to be sane; addresses come at link time
		s.off = off
		off += uint64(len(s.data))
	}
	shoff := alignUp(off, wordAlign)
	shnum := uint64(len(w.secs) + 1)
	shstrndx := uint64(w.index(w.shstr))
	if !w.is64 && shoff+shnum*shentsize > 0xffffffff {
		return nil, fmt.Errorf("%s: too large for ELF32 (%d bytes)", w.f.Name, shoff+shnum*shentsize)
	}
	out := make([]byte, 0, shoff+shnum*shentsize)
	out = append(out, w.fileHeader(typ, entry, shoff, shnum, shstrndx)...)
	for _, s := range w.secs {
		if s.typ != elf.SHT_NOBITS {
			out = append(out, make([]byte, s.off-uint64(len(out)))...)
			out = append(out, s.data...)
		}
	}
	out = append(out, make([]byte, shoff-uint64(len(out)))...)
	// Section 0 holds the count and the name table's index when the
	// header's 16-bit fields cannot (extended numbering).
	null := &outSection{}
	if shnum >= uint64(elf.SHN_LORESERVE) {
		null.size = shnum
	}
	if shstrndx >= uint64(elf.SHN_LORESERVE) {
		null.link = uint32(shstrndx)
	}
	out = w.appendSectionHeader(out, null)
	for _, s := range w.secs {
		if !w.is64 && s.fileSize() > 0xffffffff {
			return nil, fmt.Errorf("%s: section %s is too large for ELF32", w.f.Name, s.name)
		}
		out = w.appendSectionHeader(out, s)
	}
	return out, nil
}

// fileHeader encodes the ELF header: no program headers, the section
// header table at shoff.
func (w *objWriter) fileHeader(typ elf.Type, entry, shoff, shnum, shstrndx uint64) []byte {
	hdrShnum, hdrShstrndx := uint16(shnum), uint16(shstrndx)
	if shnum >= uint64(elf.SHN_LORESERVE) {
		hdrShnum = 0
	}
	if shstrndx >= uint64(elf.SHN_LORESERVE) {
		hdrShstrndx = uint16(elf.SHN_XINDEX)
	}
	if w.is64 {
		return Marshal(elf.Header64{Ident: Ident(elf.ELFCLASS64), Type: uint16(typ), Machine: uint16(elf.EM_X86_64), Version: uint32(elf.EV_CURRENT),
			Entry: entry, Shoff: shoff, Ehsize: Ehdr64Size, Shentsize: Shdr64Size, Shnum: hdrShnum, Shstrndx: hdrShstrndx})
	}
	return Marshal(elf.Header32{Ident: Ident(elf.ELFCLASS32), Type: uint16(typ), Machine: uint16(elf.EM_386), Version: uint32(elf.EV_CURRENT),
		Entry: uint32(entry), Shoff: uint32(shoff), Ehsize: Ehdr32Size, Shentsize: Shdr32Size, Shnum: hdrShnum, Shstrndx: hdrShstrndx})
}

// fileSize is sh_size: the contents' length, or size for NOBITS and the
// null section (whose sh_size may hold the section count).
func (s *outSection) fileSize() uint64 {
	if s.typ == elf.SHT_NOBITS || s.typ == elf.SHT_NULL {
		return s.size
	}
	return uint64(len(s.data))
}

// appendSectionHeader encodes s's section header.
func (w *objWriter) appendSectionHeader(out []byte, s *outSection) []byte {
	size := s.fileSize()
	if w.is64 {
		return appendLE(out, elf.Section64{Name: s.nameIndex, Type: uint32(s.typ), Flags: uint64(s.flags), Addr: s.addr, Off: s.off, Size: size,
			Link: s.link, Info: s.info, Addralign: s.align, Entsize: s.entsize})
	}
	return appendLE(out, elf.Section32{Name: s.nameIndex, Type: uint32(s.typ), Flags: uint32(s.flags), Addr: uint32(s.addr), Off: uint32(s.off), Size: uint32(size),
		Link: s.link, Info: s.info, Addralign: uint32(s.align), Entsize: uint32(s.entsize)})
}

// shstrAdd appends a section name to .shstrtab (no sharing, as before).
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
