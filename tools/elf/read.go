package elf

import (
	"bytes"
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// maxNoBits bounds a .bss or COMMON size read from a file, so a corrupt
// header cannot make the linker reserve absurd amounts of address space.
const maxNoBits = 1 << 31

// ReadObject parses a relocatable ELF object (ELF32 i386 with REL or RELA,
// ELF64 x86-64 with RELA or REL) into the object model. name is used in
// diagnostics only.
//
// Kept: allocated PROGBITS and NOBITS sections (.text, .data, .rodata*,
// .bss, custom names) and COMMON symbols (each becomes its own weak .bss
// piece). Dropped without complaint: non-allocated sections (.comment,
// .note.GNU-stack, debug info), notes, section groups, and .eh_frame (no
// unwinder runs in a crt-less static program), together with their
// relocations. Refused with an error: constructors (.init_array & co.),
// thread-local data, relocation types outside the table in reloc.go.
func ReadObject(data []byte, name string) (f *obj.File, err error) {
	defer func() {
		// debug/elf is hardened, but a malformed object must never crash the
		// tool; turn any residual panic into an error naming the input.
		if r := recover(); r != nil {
			f, err = nil, fmt.Errorf("%s: malformed ELF object (%v)", name, r)
		}
	}()
	return readObject(data, name)
}

func readObject(data []byte, name string) (*obj.File, error) {
	if len(data) < 4 || !bytes.Equal(data[:4], []byte("\x7fELF")) {
		return nil, fmt.Errorf("%s: not an ELF file", name)
	}
	ef, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		return nil, fmt.Errorf("%s: malformed ELF object: %v", name, err)
	}
	if ef.Type != elf.ET_REL {
		return nil, fmt.Errorf("%s: not a relocatable object (ELF type %v)", name, ef.Type)
	}
	if ef.Data != elf.ELFDATA2LSB {
		return nil, fmt.Errorf("%s: big-endian ELF is not supported", name)
	}
	out := &obj.File{Name: name}
	switch {
	case ef.Class == elf.ELFCLASS32 && ef.Machine == elf.EM_386:
		out.Arch = obj.ArchI386
	case ef.Class == elf.ELFCLASS64 && ef.Machine == elf.EM_X86_64:
		out.Arch = obj.ArchAMD64
	default:
		return nil, fmt.Errorf("%s: unsupported ELF machine %v (%v); want EM_386 (ELF32) or EM_X86_64 (ELF64)", name, ef.Machine, ef.Class)
	}

	// Sections: ELF index -> object-model index (-1 when dropped).
	secMap := make([]int, len(ef.Sections))
	for i, s := range ef.Sections {
		secMap[i] = -1
		if i == 0 {
			continue
		}
		keep, err := keepSection(s)
		if err != nil {
			return nil, fmt.Errorf("%s: section %s: %v", name, s.Name, err)
		}
		if !keep {
			continue
		}
		align := s.Addralign
		if align == 0 {
			align = 1
		}
		if align&(align-1) != 0 {
			return nil, fmt.Errorf("%s: section %s: alignment %d is not a power of two", name, s.Name, align)
		}
		sec := &obj.Section{Name: s.Name, Flags: obj.FlagAlloc, Align: align}
		if s.Flags&elf.SHF_WRITE != 0 {
			sec.Flags |= obj.FlagWrite
		}
		if s.Flags&elf.SHF_EXECINSTR != 0 {
			sec.Flags |= obj.FlagExec
		}
		if s.Type == elf.SHT_NOBITS {
			if s.Size > maxNoBits {
				return nil, fmt.Errorf("%s: section %s: size %#x is too large", name, s.Name, s.Size)
			}
			sec.Flags |= obj.FlagNoBits
			sec.Size = s.Size
		} else {
			if s.Offset > uint64(len(data)) || s.Size > uint64(len(data))-s.Offset {
				return nil, fmt.Errorf("%s: section %s: contents (offset %#x, size %#x) run past the end of the file", name, s.Name, s.Offset, s.Size)
			}
			sec.Data = append([]byte(nil), data[s.Offset:s.Offset+s.Size]...)
			sec.Size = s.Size
		}
		secMap[i] = len(out.Sections)
		out.Sections = append(out.Sections, sec)
	}

	// Symbols: ELF index -> object-model index (-1 when not representable).
	syms, err := ef.Symbols()
	if err != nil && !errors.Is(err, elf.ErrNoSymbols) {
		return nil, fmt.Errorf("%s: symbol table: %v", name, err)
	}
	symMap := make([]int, len(syms)+1)
	symWhy := make([]string, len(syms)+1)
	symMap[0] = -1
	symWhy[0] = "the null symbol"
	for i, s := range syms {
		ei := i + 1
		symMap[ei] = -1
		typ, bind := elf.ST_TYPE(s.Info), elf.ST_BIND(s.Info)
		sym := &obj.Symbol{Name: s.Name, Value: s.Value, Size: s.Size}
		switch bind {
		case elf.STB_LOCAL:
			sym.Binding = obj.BindLocal
		case elf.STB_WEAK:
			sym.Binding = obj.BindWeak
		default: // STB_GLOBAL, STB_GNU_UNIQUE: one definition program-wide
			sym.Binding = obj.BindGlobal
		}
		switch typ {
		case elf.STT_NOTYPE:
			sym.Kind = obj.KindNone
		case elf.STT_OBJECT:
			sym.Kind = obj.KindObject
		case elf.STT_FUNC:
			sym.Kind = obj.KindFunc
		case elf.STT_SECTION:
			sym.Kind = obj.KindSection
		case elf.STT_FILE:
			symWhy[ei] = "a file symbol"
			continue // names a source path: never needed, never written
		case elf.STT_TLS:
			return nil, fmt.Errorf("%s: symbol %s: thread-local storage is not supported", name, s.Name)
		case elf.STT_GNU_IFUNC:
			return nil, fmt.Errorf("%s: symbol %s: indirect functions (IFUNC) are not supported", name, s.Name)
		default:
			sym.Kind = obj.KindNone
		}
		switch shn := s.Section; {
		case shn == elf.SHN_UNDEF:
			if s.Name == "" {
				symWhy[ei] = "an unnamed undefined symbol"
				continue
			}
			sym.Section = obj.SectionUndef
		case shn == elf.SHN_ABS:
			sym.Section = obj.SectionAbs
		case shn == elf.SHN_COMMON:
			// A tentative definition: its own zeroed piece, weak so that a
			// real definition elsewhere wins. Value holds the alignment.
			align := s.Value
			if align == 0 || align&(align-1) != 0 {
				align = 1
			}
			if s.Size > maxNoBits {
				return nil, fmt.Errorf("%s: common symbol %s: size %#x is too large", name, s.Name, s.Size)
			}
			out.Sections = append(out.Sections, &obj.Section{Name: ".bss." + s.Name, Flags: obj.FlagAlloc | obj.FlagWrite | obj.FlagNoBits, Align: align, Size: s.Size})
			sym.Section, sym.Value, sym.Binding = len(out.Sections)-1, 0, obj.BindWeak
		case int(shn) < len(secMap) && shn < elf.SHN_LORESERVE:
			if secMap[shn] < 0 {
				symWhy[ei] = "a symbol in discarded section " + ef.Sections[shn].Name
				continue
			}
			sym.Section = secMap[shn]
			if typ == elf.STT_SECTION {
				sym.Name = out.Sections[sym.Section].Name
			}
		default:
			return nil, fmt.Errorf("%s: symbol %q: bad section index %d", name, s.Name, shn)
		}
		symMap[ei] = len(out.Symbols)
		out.Symbols = append(out.Symbols, sym)
	}

	// Relocations of kept sections.
	for _, rs := range ef.Sections {
		if rs.Type != elf.SHT_REL && rs.Type != elf.SHT_RELA {
			continue
		}
		if int(rs.Info) >= len(secMap) || rs.Info == 0 {
			return nil, fmt.Errorf("%s: relocation section %s: bad target section index %d", name, rs.Name, rs.Info)
		}
		ti := secMap[rs.Info]
		if ti < 0 {
			continue // relocations of a dropped section (.eh_frame, debug info)
		}
		target := out.Sections[ti]
		if target.Flags&obj.FlagNoBits != 0 {
			return nil, fmt.Errorf("%s: relocation section %s applies to %s, which has no contents", name, rs.Name, target.Name)
		}
		if rs.Offset > uint64(len(data)) || rs.Size > uint64(len(data))-rs.Offset {
			return nil, fmt.Errorf("%s: relocation section %s runs past the end of the file", name, rs.Name)
		}
		raw := data[rs.Offset : rs.Offset+rs.Size]
		rela := rs.Type == elf.SHT_RELA
		var ent int
		switch {
		case out.Arch == obj.ArchI386 && !rela:
			ent = 8
		case out.Arch == obj.ArchI386:
			ent = 12
		case !rela:
			ent = 16
		default:
			ent = 24
		}
		if len(raw)%ent != 0 {
			return nil, fmt.Errorf("%s: relocation section %s: size %d is not a multiple of %d", name, rs.Name, len(raw), ent)
		}
		le := binary.LittleEndian
		for p := 0; p < len(raw); p += ent {
			var off uint64
			var symIdx, typ uint32
			var addend int64
			if out.Arch == obj.ArchI386 {
				off = uint64(le.Uint32(raw[p:]))
				info := le.Uint32(raw[p+4:])
				symIdx, typ = info>>8, info&0xff
				if rela {
					addend = int64(int32(le.Uint32(raw[p+8:])))
				}
			} else {
				off = le.Uint64(raw[p:])
				info := le.Uint64(raw[p+8:])
				symIdx, typ = uint32(info>>32), uint32(info)
				if rela {
					addend = int64(le.Uint64(raw[p+16:]))
				}
			}
			where := fmt.Sprintf("%s: %s+%#x", name, target.Name, off)
			rt, ok := LookupReloc(out.Arch, typ)
			if !ok {
				return nil, fmt.Errorf("%s: unsupported relocation type %s", where, RelocName(out.Arch, typ))
			}
			if off > target.Size || uint64(rt.Size) > target.Size-off {
				return nil, fmt.Errorf("%s: %s relocation runs past the end of the section (size %#x)", where, rt.Name, target.Size)
			}
			if int(symIdx) >= len(symMap) {
				return nil, fmt.Errorf("%s: %s relocation against symbol index %d, beyond the symbol table", where, rt.Name, symIdx)
			}
			si := symMap[symIdx]
			if si < 0 {
				return nil, fmt.Errorf("%s: %s relocation against %s is not supported", where, rt.Name, symWhy[symIdx])
			}
			if !rela {
				addend = readSigned(target.Data[off:], rt.Size)
			}
			target.Relocs = append(target.Relocs, obj.Reloc{Offset: off, Size: rt.Size, Kind: rt.Kind, Symbol: si, Addend: addend})
		}
	}
	return out, nil
}

// keepSection decides whether a section's bytes belong in a program.
func keepSection(s *elf.Section) (bool, error) {
	if s.Flags&elf.SHF_ALLOC == 0 {
		return false, nil // .comment, .note.GNU-stack, debug info, symbol tables
	}
	if s.Flags&elf.SHF_TLS != 0 {
		return false, errors.New("thread-local storage is not supported")
	}
	switch s.Type {
	case elf.SHT_PROGBITS, elf.SHT_NOBITS:
		if s.Name == ".eh_frame" || strings.HasPrefix(s.Name, ".eh_frame.") {
			return false, nil
		}
		return true, nil
	case elf.SHT_NOTE, elf.SHT_GROUP, elf.SectionType(0x70000001) /* SHT_X86_64_UNWIND */, elf.SHT_GNU_ATTRIBUTES, elf.SHT_GNU_HASH:
		return false, nil
	case elf.SHT_INIT_ARRAY, elf.SHT_FINI_ARRAY, elf.SHT_PREINIT_ARRAY:
		return false, errors.New("constructors and destructors are not supported (no C runtime runs them)")
	}
	return false, fmt.Errorf("allocated section of type %v is not supported", s.Type)
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
