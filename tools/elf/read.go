package elf

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// maxNoBits bounds a .bss or COMMON size read from a file, so a corrupt
// header cannot make the linker reserve absurd amounts of address space.
const maxNoBits = 1 << 31

// ReadObject parses a relocatable ELF object (ELF32 i386 with REL or RELA,
// ELF64 x86-64 with RELA or REL, extended section numbering included) into
// the object model. name is used in diagnostics only.
//
// Kept: allocated PROGBITS and NOBITS sections (.text, .data, .rodata*,
// .bss, custom names) and COMMON symbols (each becomes its own weak .bss
// piece). Dropped without complaint: non-allocated sections (.comment,
// .note.GNU-stack, debug info), notes, section groups, and .eh_frame (no
// unwinder runs in a crt-less static program), together with their
// relocations. Refused with an error: constructors (.init_array & co.),
// thread-local data, relocation types outside the table in reloc.go.
//
// Every step is linear in the size of the input, and the names it makes
// are bounded by the string tables' sizes (see strtab).
func ReadObject(data []byte, name string) (*obj.File, error) {
	return readObject(data, name, false)
}

// ReadObjectWithDebug is ReadObject keeping the DWARF debugging
// information too: the non-allocated SHT_PROGBITS sections named
// .debug_*, with their relocations, become sections without flags (for
// a linker that writes a separate debug file). Compressed debug sections
// (SHF_COMPRESSED, gcc -gz) are refused rather than dropped.
func ReadObjectWithDebug(data []byte, name string) (*obj.File, error) {
	return readObject(data, name, true)
}

func readObject(data []byte, name string, debug bool) (*obj.File, error) {
	r, err := newObjReader(data, name)
	if err != nil {
		return nil, err
	}
	r.debug = debug
	for _, step := range []func() error{r.sections, r.symbols, r.relocations} {
		if err := step(); err != nil {
			return nil, err
		}
	}
	return r.out, nil
}

// objReader holds what the steps of ReadObject share.
type objReader struct {
	data  []byte
	name  string
	debug bool // keep .debug_* sections
	h     *Header
	arch  obj.Arch
	secs  []elf.Section64
	names []string // section names
	out   *obj.File
	// ELF section index -> index in out.Sections, -1 when dropped.
	secMap []int
	// ELF symbol index -> index in out.Symbols, -1 when not representable
	// (symWhy says why, for a relocation against it).
	symMap []int
	symWhy []string
}

// errorf prefixes a message with the object's name.
func (r *objReader) errorf(format string, args ...any) error {
	return fmt.Errorf("%s: "+format, append([]any{r.name}, args...)...)
}

// newObjReader checks the header and reads the section headers and names.
func newObjReader(data []byte, name string) (*objReader, error) {
	r := &objReader{data: data, name: name}
	h, err := ReadHeader(data)
	switch {
	case errors.Is(err, ErrNotELF):
		return nil, r.errorf("not an ELF file")
	case err != nil:
		return nil, r.errorf("malformed ELF object: %v", err)
	case !h.Complete:
		return nil, r.errorf("malformed ELF object: truncated ELF header")
	case h.Type != elf.ET_REL:
		return nil, r.errorf("not a relocatable object (ELF type %v)", h.Type)
	case h.Data != elf.ELFDATA2LSB:
		return nil, r.errorf("big-endian ELF is not supported")
	case h.Class == elf.ELFCLASS32 && h.Machine == elf.EM_386:
		r.arch = obj.ArchI386
	case h.Class == elf.ELFCLASS64 && h.Machine == elf.EM_X86_64:
		r.arch = obj.ArchAMD64
	default:
		return nil, r.errorf("unsupported ELF machine %v (%v); want EM_386 (ELF32) or EM_X86_64 (ELF64)", h.Machine, h.Class)
	}
	r.h = h
	var t Table
	if r.secs, t, err = ReadSections(data, h); err != nil {
		return nil, r.errorf("malformed ELF object: %v", err)
	}
	r.names = make([]string, len(r.secs))
	if t.Shstrndx != uint32(elf.SHN_UNDEF) {
		shstr, err := r.stringTable(t.Shstrndx, "section name string table")
		if err != nil {
			return nil, err
		}
		for i := range r.secs {
			if r.names[i], err = shstr.name(r.secs[i].Name); err != nil {
				return nil, r.errorf("section %d: %v", i, err)
			}
		}
	}
	r.out = &obj.File{Name: name, Arch: r.arch}
	return r, nil
}

// contents returns section i's bytes, which must lie within the file.
func (r *objReader) contents(i uint32) ([]byte, error) {
	s := r.secs[i]
	if elf.SectionType(s.Type) == elf.SHT_NOBITS {
		return nil, nil
	}
	if s.Off > uint64(len(r.data)) || s.Size > uint64(len(r.data))-s.Off {
		return nil, r.errorf("section %s: contents (offset %#x, size %#x) run past the end of the file", r.names[i], s.Off, s.Size)
	}
	return r.data[s.Off : s.Off+s.Size], nil
}

// stringTable returns section i as a string table.
func (r *objReader) stringTable(i uint32, what string) (*strtab, error) {
	if uint64(i) >= uint64(len(r.secs)) || elf.SectionType(r.secs[i].Type) != elf.SHT_STRTAB {
		return nil, r.errorf("malformed ELF object: %s index %d is not a string table", what, i)
	}
	b, err := r.contents(i)
	if err != nil {
		return nil, err
	}
	return newStrtab(b), nil
}

// sections converts the allocated sections the linker keeps.
func (r *objReader) sections() error {
	r.secMap = make([]int, len(r.secs))
	for i, s := range r.secs {
		r.secMap[i] = -1
		if i == 0 {
			continue
		}
		name := r.names[i]
		keep, err := keepSection(s, name)
		if err != nil {
			return r.errorf("section %s: %v", name, err)
		}
		debug := false
		if !keep && r.debug {
			if debug, err = debugSection(s, name); err != nil {
				return r.errorf("section %s: %v", name, err)
			}
		}
		if !keep && !debug {
			continue
		}
		align := max(s.Addralign, 1)
		if align&(align-1) != 0 {
			return r.errorf("section %s: alignment %d is not a power of two", name, align)
		}
		sec := &obj.Section{Name: name, Flags: obj.FlagAlloc, Align: align, Size: s.Size}
		if debug {
			sec.Flags = 0
		}
		if elf.SectionFlag(s.Flags)&elf.SHF_WRITE != 0 {
			sec.Flags |= obj.FlagWrite
		}
		if elf.SectionFlag(s.Flags)&elf.SHF_EXECINSTR != 0 {
			sec.Flags |= obj.FlagExec
		}
		if elf.SectionType(s.Type) == elf.SHT_NOBITS {
			if s.Size > maxNoBits {
				return r.errorf("section %s: size %#x is too large", name, s.Size)
			}
			sec.Flags |= obj.FlagNoBits
		} else {
			b, err := r.contents(uint32(i))
			if err != nil {
				return err
			}
			sec.Data = append([]byte(nil), b...)
		}
		r.secMap[i] = len(r.out.Sections)
		r.out.Sections = append(r.out.Sections, sec)
	}
	return nil
}

// keepSection decides whether a section's bytes belong in a program.
func keepSection(s elf.Section64, name string) (bool, error) {
	if elf.SectionFlag(s.Flags)&elf.SHF_ALLOC == 0 {
		return false, nil // .comment, .note.GNU-stack, debug info, symbol tables
	}
	if elf.SectionFlag(s.Flags)&elf.SHF_TLS != 0 {
		return false, errors.New("thread-local storage is not supported")
	}
	switch t := elf.SectionType(s.Type); t {
	case elf.SHT_PROGBITS, elf.SHT_NOBITS:
		if name == ".eh_frame" || strings.HasPrefix(name, ".eh_frame.") {
			return false, nil
		}
		return true, nil
	case elf.SHT_NOTE, elf.SHT_GROUP, elf.SectionType(0x70000001) /* SHT_X86_64_UNWIND */, elf.SHT_GNU_ATTRIBUTES, elf.SHT_GNU_HASH:
		return false, nil
	case elf.SHT_INIT_ARRAY, elf.SHT_FINI_ARRAY, elf.SHT_PREINIT_ARRAY:
		return false, errors.New("constructors and destructors are not supported (no C runtime runs them)")
	default:
		return false, fmt.Errorf("allocated section of type %v is not supported", t)
	}
}

// debugSection reports whether a section that keepSection drops is DWARF
// debugging information, for ReadObjectWithDebug.
func debugSection(s elf.Section64, name string) (bool, error) {
	if elf.SectionFlag(s.Flags)&elf.SHF_ALLOC != 0 || elf.SectionType(s.Type) != elf.SHT_PROGBITS || !strings.HasPrefix(name, ".debug_") {
		return false, nil
	}
	if elf.SectionFlag(s.Flags)&elf.SHF_COMPRESSED != 0 {
		return false, errors.New("compressed debugging information (gcc -gz) is not supported; compile without -gz")
	}
	return true, nil
}

// rawSym is one symbol table entry. shndx is its section index, resolved
// through SHT_SYMTAB_SHNDX when st_shndx is SHN_XINDEX; reserved holds
// st_shndx when it is another reserved value (SHN_ABS, SHN_COMMON...).
type rawSym struct {
	name        string
	info, other uint8
	shndx       uint32
	reserved    elf.SectionIndex
	value, size uint64
}

// symbols converts the symbol table (objects have at most one).
func (r *objReader) symbols() error {
	raw, err := r.readSymtab()
	if err != nil {
		return err
	}
	r.symMap = make([]int, len(raw))
	r.symWhy = make([]string, len(raw))
	for i := range raw {
		r.symMap[i] = -1
		if i == 0 {
			r.symWhy[0] = "the null symbol"
			continue
		}
		sym, why, err := r.symbol(raw[i])
		if err != nil {
			return err
		}
		if sym == nil {
			r.symWhy[i] = why
			continue
		}
		r.symMap[i] = len(r.out.Symbols)
		r.out.Symbols = append(r.out.Symbols, sym)
	}
	return nil
}

// symbol converts one symbol; nil and a reason when the object model has
// no use for it.
func (r *objReader) symbol(s rawSym) (*obj.Symbol, string, error) {
	typ, bind := elf.ST_TYPE(s.info), elf.ST_BIND(s.info)
	sym := &obj.Symbol{Name: s.name, Value: s.value, Size: s.size, Visibility: visibilityOf(elf.ST_VISIBILITY(s.other))}
	switch bind {
	case elf.STB_LOCAL:
		sym.Binding = obj.BindLocal
	case elf.STB_WEAK:
		sym.Binding = obj.BindWeak
	default: // STB_GLOBAL, STB_GNU_UNIQUE: one definition program-wide
		sym.Binding = obj.BindGlobal
	}
	switch typ {
	case elf.STT_OBJECT:
		sym.Kind = obj.KindObject
	case elf.STT_FUNC:
		sym.Kind = obj.KindFunc
	case elf.STT_SECTION:
		sym.Kind = obj.KindSection
	case elf.STT_FILE:
		return nil, "a file symbol", nil // names a source path: never needed, never written
	case elf.STT_TLS:
		return nil, "", r.errorf("symbol %s: thread-local storage is not supported", s.name)
	case elf.STT_GNU_IFUNC:
		return nil, "", r.errorf("symbol %s: indirect functions (IFUNC) are not supported", s.name)
	default: // STT_NOTYPE and the rest
		sym.Kind = obj.KindNone
	}
	if why, err := r.place(sym, s); why != "" || err != nil {
		return nil, why, err
	}
	return sym, "", nil
}

// place sets sym's section (and for COMMON symbols, makes it one); a
// reason when the symbol cannot be represented.
func (r *objReader) place(sym *obj.Symbol, s rawSym) (string, error) {
	switch shn := s.shndx; {
	case s.reserved == elf.SHN_ABS:
		sym.Section = obj.SectionAbs
	case s.reserved == elf.SHN_COMMON:
		// A tentative definition: its own zeroed piece, weak so that a
		// real definition elsewhere wins. Value holds the alignment.
		align := s.value
		if align == 0 || align&(align-1) != 0 {
			align = 1
		}
		if s.size > maxNoBits {
			return "", r.errorf("common symbol %s: size %#x is too large", s.name, s.size)
		}
		r.out.Sections = append(r.out.Sections, &obj.Section{Name: ".bss." + s.name, Flags: obj.FlagAlloc | obj.FlagWrite | obj.FlagNoBits, Align: align, Size: s.size})
		sym.Section, sym.Value, sym.Binding = len(r.out.Sections)-1, 0, obj.BindWeak
	case s.reserved != 0:
		return "", r.errorf("symbol %q: bad section index %#x", s.name, uint16(s.reserved))
	case shn == uint32(elf.SHN_UNDEF):
		if s.name == "" {
			return "an unnamed undefined symbol", nil
		}
		sym.Section = obj.SectionUndef
	case uint64(shn) < uint64(len(r.secMap)):
		if r.secMap[shn] < 0 {
			return "a symbol in discarded section " + r.names[shn], nil
		}
		sym.Section = r.secMap[shn]
		if sym.Kind == obj.KindSection {
			sym.Name = r.out.Sections[sym.Section].Name
		}
	default:
		return "", r.errorf("symbol %q: bad section index %d", s.name, shn)
	}
	return "", nil
}

// visibilityOf maps st_other's visibility to the object model.
func visibilityOf(v elf.SymVis) obj.Visibility {
	switch v {
	case elf.STV_INTERNAL:
		return obj.VisInternal
	case elf.STV_HIDDEN:
		return obj.VisHidden
	case elf.STV_PROTECTED:
		return obj.VisProtected
	}
	return obj.VisDefault
}

// readSymtab decodes the symbol table, its names and its extended section
// indices. An object without a symbol table has just the null symbol.
func (r *objReader) readSymtab() ([]rawSym, error) {
	symtab := -1
	for i, s := range r.secs {
		if elf.SectionType(s.Type) == elf.SHT_SYMTAB {
			symtab = i
			break
		}
	}
	if symtab < 0 {
		return make([]rawSym, 1), nil
	}
	b, err := r.contents(uint32(symtab))
	if err != nil {
		return nil, err
	}
	ent := Sym32Size
	if r.h.Class == elf.ELFCLASS64 {
		ent = Sym64Size
	}
	if len(b)%ent != 0 || len(b) == 0 {
		return nil, r.errorf("symbol table: size %d is not a positive multiple of %d", len(b), ent)
	}
	strs, err := r.stringTable(r.secs[symtab].Link, "symbol string table")
	if err != nil {
		return nil, err
	}
	xindex, err := r.readXindex(symtab, len(b)/ent)
	if err != nil {
		return nil, err
	}
	syms := make([]rawSym, len(b)/ent)
	for i := range syms {
		if syms[i], err = r.decodeSym(b[i*ent:], i, strs, xindex); err != nil {
			return nil, err
		}
	}
	return syms, nil
}

// decodeSym decodes symbol i from p (its entry and what follows).
func (r *objReader) decodeSym(p []byte, i int, strs *strtab, xindex []byte) (rawSym, error) {
	le := binary.LittleEndian
	var s rawSym
	var nameOff uint32
	var shndx uint16
	if r.h.Class == elf.ELFCLASS64 {
		nameOff, s.info, s.other, shndx = le.Uint32(p), p[4], p[5], le.Uint16(p[6:])
		s.value, s.size = le.Uint64(p[8:]), le.Uint64(p[16:])
	} else {
		nameOff, s.value, s.size = le.Uint32(p), uint64(le.Uint32(p[4:])), uint64(le.Uint32(p[8:]))
		s.info, s.other, shndx = p[12], p[13], le.Uint16(p[14:])
	}
	switch {
	case shndx == uint16(elf.SHN_XINDEX):
		if xindex == nil {
			return s, r.errorf("symbol %d: section index SHN_XINDEX without a SHT_SYMTAB_SHNDX section", i)
		}
		s.shndx = le.Uint32(xindex[4*i:])
	case shndx >= uint16(elf.SHN_LORESERVE):
		s.reserved = elf.SectionIndex(shndx)
	default:
		s.shndx = uint32(shndx)
	}
	var err error
	if s.name, err = strs.name(nameOff); err != nil {
		return s, r.errorf("symbol %d: %v", i, err)
	}
	return s, nil
}

// readXindex returns the SHT_SYMTAB_SHNDX section of symbol table symtab
// (nil if none): one 32-bit section index per symbol.
func (r *objReader) readXindex(symtab, nsyms int) ([]byte, error) {
	for i, s := range r.secs {
		if elf.SectionType(s.Type) != elf.SHT_SYMTAB_SHNDX || s.Link != uint32(symtab) {
			continue
		}
		b, err := r.contents(uint32(i))
		if err != nil {
			return nil, err
		}
		if uint64(len(b)) < 4*uint64(nsyms) {
			return nil, r.errorf("%s: %d bytes for %d symbols", r.names[i], len(b), nsyms)
		}
		return b, nil
	}
	return nil, nil
}

// relocations converts the relocations of kept sections.
func (r *objReader) relocations() error {
	for i, rs := range r.secs {
		t := elf.SectionType(rs.Type)
		if t != elf.SHT_REL && t != elf.SHT_RELA {
			continue
		}
		if rs.Info == 0 || uint64(rs.Info) >= uint64(len(r.secMap)) {
			return r.errorf("relocation section %s: bad target section index %d", r.names[i], rs.Info)
		}
		ti := r.secMap[rs.Info]
		if ti < 0 {
			continue // relocations of a dropped section (.eh_frame, debug info)
		}
		target := r.out.Sections[ti]
		if target.Flags&obj.FlagNoBits != 0 {
			return r.errorf("relocation section %s applies to %s, which has no contents", r.names[i], target.Name)
		}
		raw, err := r.contents(uint32(i))
		if err != nil {
			return err
		}
		if err := r.relocSection(r.names[i], raw, t == elf.SHT_RELA, target); err != nil {
			return err
		}
	}
	return nil
}

// relocSection decodes one REL or RELA section into target's relocations.
func (r *objReader) relocSection(name string, raw []byte, rela bool, target *obj.Section) error {
	ent := relocEntSize(r.arch, rela)
	if len(raw)%ent != 0 {
		return r.errorf("relocation section %s: size %d is not a multiple of %d", name, len(raw), ent)
	}
	le := binary.LittleEndian
	target.Relocs = slices.Grow(target.Relocs, len(raw)/ent)
	for p := 0; p < len(raw); p += ent {
		var off uint64
		var symIdx, typ uint32
		var addend int64
		if r.arch == obj.ArchI386 {
			off = uint64(le.Uint32(raw[p:]))
			info := le.Uint32(raw[p+4:])
			symIdx, typ = elf.R_SYM32(info), elf.R_TYPE32(info)
			if rela {
				addend = int64(int32(le.Uint32(raw[p+8:])))
			}
		} else {
			off = le.Uint64(raw[p:])
			info := le.Uint64(raw[p+8:])
			symIdx, typ = elf.R_SYM64(info), elf.R_TYPE64(info)
			if rela {
				addend = int64(le.Uint64(raw[p+16:]))
			}
		}
		where := fmt.Sprintf("%s+%#x", target.Name, off)
		rt, ok := LookupReloc(r.arch, typ)
		if !ok {
			return r.errorf("%s: unsupported relocation type %s", where, RelocName(r.arch, typ))
		}
		if off > target.Size || uint64(rt.Size) > target.Size-off {
			return r.errorf("%s: %s relocation runs past the end of the section (size %#x)", where, rt.Name(), target.Size)
		}
		if uint64(symIdx) >= uint64(len(r.symMap)) {
			return r.errorf("%s: %s relocation against symbol index %d, beyond the symbol table", where, rt.Name(), symIdx)
		}
		si := r.symMap[symIdx]
		if si < 0 {
			return r.errorf("%s: %s relocation against %s is not supported", where, rt.Name(), r.symWhy[symIdx])
		}
		if !rela {
			addend = readSigned(target.Data[off:], rt.Size)
		}
		target.Relocs = append(target.Relocs, obj.Reloc{Offset: off, Size: rt.Size, Kind: rt.Kind, Symbol: si, Addend: addend})
	}
	return nil
}

// relocEntSize is the size of a REL or RELA entry on arch.
func relocEntSize(arch obj.Arch, rela bool) int {
	switch {
	case arch == obj.ArchI386 && rela:
		return Rela32Size
	case arch == obj.ArchI386:
		return Rel32Size
	case rela:
		return Rela64Size
	}
	return Rel64Size
}

// readSigned reads a little-endian field of size bytes, sign-extended.
func readSigned(b []byte, size uint8) int64 {
	switch size {
	case 1:
		return int64(int8(b[0]))
	case 2:
		return int64(int16(binary.LittleEndian.Uint16(b)))
	case 4:
		return int64(int32(binary.LittleEndian.Uint32(b)))
	}
	return int64(binary.LittleEndian.Uint64(b))
}
