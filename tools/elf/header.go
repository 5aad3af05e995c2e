package elf

import (
	"debug/elf"
	"encoding/binary"
	"errors"
	"fmt"
)

// The acceptance rules, one set for every reader of ELF headers.
//
// ReadHeader (the file header) accepts:
//
//  1. The magic \x7fELF and at least the first 20 bytes (e_ident, e_type,
//     e_machine).
//  2. Class and byte order: for x86 they come from e_machine, as Linux
//     reads them (it never looks at EI_CLASS or EI_DATA, and tiny link
//     --compact keeps program bytes there): EM_386 is ELF32 little-endian;
//     EM_X86_64 is ELF64 little-endian, unless EI_CLASS says ELFCLASS32
//     and e_phentsize is not that of ELF64 (an x32 file, which the kernel
//     tells apart by e_phentsize). For every other machine EI_DATA and
//     EI_CLASS must hold valid values, and either byte order is read.
//  3. A file may end inside its header: the missing bytes read as zeros,
//     as the kernel's zero-filled buffer reads them, and Complete is false.
//
// What each caller needs on top of that:
//
//   - tools/image/platform (the default platform of an image): the header
//     alone, e_machine and the class.
//   - tools/size: ReadProgs (an e_phentsize of the class and the program
//     header table inside the file); the section header table counts as
//     header bytes only when SectionTable finds it inside the file.
//   - tools/strip (ReadExec): a complete header and at least one program
//     header, because it copies both.
//   - tools/link (ReadObject): a complete header, ET_REL, ELF32 EM_386 or
//     ELF64 EM_X86_64, little-endian, and a section header table inside
//     the file, with extended numbering.
//
// Extended program header numbering (e_phnum PN_XNUM) is not read: Linux
// does not load such executables either.

// Header is an ELF file header widened to 64 bits. FileHeader holds the
// identification, e_type, e_machine and e_entry in debug/elf's types; the
// remaining fields are the raw values of the same names.
type Header struct {
	elf.FileHeader
	Phoff     uint64
	Shoff     uint64
	Flags     uint32
	Ehsize    uint16
	Phentsize uint16
	Phnum     uint16
	Shentsize uint16
	Shnum     uint16
	Shstrndx  uint16
	// Complete is false when the file ends inside the header (rule 3).
	Complete bool
}

// Size is the size of the ELF header of h's class.
func (h *Header) Size() uint64 {
	if h.Class == elf.ELFCLASS64 {
		return Ehdr64Size
	}
	return Ehdr32Size
}

// PhdrSize is the size of one program header of h's class.
func (h *Header) PhdrSize() uint64 {
	if h.Class == elf.ELFCLASS64 {
		return Phdr64Size
	}
	return Phdr32Size
}

// ShdrSize is the size of one section header of h's class.
func (h *Header) ShdrSize() uint64 {
	if h.Class == elf.ELFCLASS64 {
		return Shdr64Size
	}
	return Shdr32Size
}

// ErrNotELF is returned for input that does not start with the ELF magic.
var ErrNotELF = errors.New("not an ELF file")

// IsELF reports whether data starts with the ELF magic.
func IsELF(data []byte) bool {
	return len(data) >= 4 && string(data[:4]) == elf.ELFMAG
}

// ReadHeader reads the ELF file header at the start of data under the
// acceptance rules above.
func ReadHeader(data []byte) (*Header, error) {
	if !IsELF(data) {
		return nil, ErrNotELF
	}
	if len(data) < 20 {
		return nil, fmt.Errorf("truncated ELF header (%d bytes)", len(data))
	}
	h := &Header{}
	var err error
	if h.Class, h.Data, err = identify(data); err != nil {
		return nil, err
	}
	h.ByteOrder = binary.ByteOrder(binary.LittleEndian)
	if h.Data == elf.ELFDATA2MSB {
		h.ByteOrder = binary.BigEndian
	}
	var b [Ehdr64Size]byte // rule 3: zeros past the end of the file
	copy(b[:], data)
	h.Complete = uint64(len(data)) >= h.Size()
	bo := h.ByteOrder
	h.Version = elf.Version(b[elf.EI_VERSION])
	h.OSABI = elf.OSABI(b[elf.EI_OSABI])
	h.ABIVersion = b[elf.EI_ABIVERSION]
	h.Type = elf.Type(bo.Uint16(b[16:]))
	h.Machine = elf.Machine(bo.Uint16(b[18:]))
	if h.Class == elf.ELFCLASS64 {
		h.Entry, h.Phoff, h.Shoff = bo.Uint64(b[24:]), bo.Uint64(b[32:]), bo.Uint64(b[40:])
		h.Flags = bo.Uint32(b[48:])
		h.Ehsize, h.Phentsize, h.Phnum = bo.Uint16(b[52:]), bo.Uint16(b[54:]), bo.Uint16(b[56:])
		h.Shentsize, h.Shnum, h.Shstrndx = bo.Uint16(b[58:]), bo.Uint16(b[60:]), bo.Uint16(b[62:])
	} else {
		h.Entry, h.Phoff, h.Shoff = uint64(bo.Uint32(b[24:])), uint64(bo.Uint32(b[28:])), uint64(bo.Uint32(b[32:]))
		h.Flags = bo.Uint32(b[36:])
		h.Ehsize, h.Phentsize, h.Phnum = bo.Uint16(b[40:]), bo.Uint16(b[42:]), bo.Uint16(b[44:])
		h.Shentsize, h.Shnum, h.Shstrndx = bo.Uint16(b[46:]), bo.Uint16(b[48:]), bo.Uint16(b[50:])
	}
	return h, nil
}

// identify applies rule 2 to the first 20 bytes (or more) of a file.
func identify(d []byte) (elf.Class, elf.Data, error) {
	le := binary.LittleEndian
	switch elf.Machine(le.Uint16(d[18:])) {
	case elf.EM_386:
		return elf.ELFCLASS32, elf.ELFDATA2LSB, nil
	case elf.EM_X86_64:
		if elf.Class(d[elf.EI_CLASS]) == elf.ELFCLASS32 && (len(d) < 56 || le.Uint16(d[54:]) != Phdr64Size) {
			return elf.ELFCLASS32, elf.ELFDATA2LSB, nil // x32
		}
		return elf.ELFCLASS64, elf.ELFDATA2LSB, nil
	}
	data := elf.Data(d[elf.EI_DATA])
	if data != elf.ELFDATA2LSB && data != elf.ELFDATA2MSB {
		return 0, 0, fmt.Errorf("ELF data encoding %d unknown", d[elf.EI_DATA])
	}
	class := elf.Class(d[elf.EI_CLASS])
	if class != elf.ELFCLASS32 && class != elf.ELFCLASS64 {
		return 0, 0, fmt.Errorf("ELF class %d unknown", d[elf.EI_CLASS])
	}
	return class, data, nil
}

// progTable checks the program header table's entry size and place in a
// file of size bytes and returns its offset and length.
func progTable(h *Header, size uint64) (off, n uint64, err error) {
	if h.Phnum == 0 {
		return 0, 0, nil
	}
	if uint64(h.Phentsize) != h.PhdrSize() {
		return 0, 0, fmt.Errorf("e_phentsize %d, want %d", h.Phentsize, h.PhdrSize())
	}
	n = uint64(h.Phnum) * h.PhdrSize()
	if h.Phoff > size || n > size-h.Phoff {
		return 0, 0, fmt.Errorf("program header table (offset %#x, %d entries) runs past the end of the file", h.Phoff, h.Phnum)
	}
	return h.Phoff, n, nil
}

// ReadProgs reads the program header table that h declares, which must lie
// within data.
func ReadProgs(data []byte, h *Header) ([]elf.ProgHeader, error) {
	off, n, err := progTable(h, uint64(len(data)))
	if err != nil || n == 0 {
		return nil, err
	}
	return decodeProgs(data[off:off+n], h), nil
}

// decodeProgs decodes a whole program header table.
func decodeProgs(b []byte, h *Header) []elf.ProgHeader {
	bo, ent := h.ByteOrder, h.PhdrSize()
	progs := make([]elf.ProgHeader, len(b)/int(ent))
	for i := range progs {
		p := b[uint64(i)*ent:]
		if h.Class == elf.ELFCLASS64 {
			progs[i] = elf.ProgHeader{Type: elf.ProgType(bo.Uint32(p[0:])), Flags: elf.ProgFlag(bo.Uint32(p[4:])),
				Off: bo.Uint64(p[8:]), Vaddr: bo.Uint64(p[16:]), Paddr: bo.Uint64(p[24:]),
				Filesz: bo.Uint64(p[32:]), Memsz: bo.Uint64(p[40:]), Align: bo.Uint64(p[48:])}
		} else {
			progs[i] = elf.ProgHeader{Type: elf.ProgType(bo.Uint32(p[0:])), Off: uint64(bo.Uint32(p[4:])),
				Vaddr: uint64(bo.Uint32(p[8:])), Paddr: uint64(bo.Uint32(p[12:])), Filesz: uint64(bo.Uint32(p[16:])),
				Memsz: uint64(bo.Uint32(p[20:])), Flags: elf.ProgFlag(bo.Uint32(p[24:])), Align: uint64(bo.Uint32(p[28:]))}
		}
	}
	return progs
}

// Exec is what the loader reads of an executable: its header and its
// program headers.
type Exec struct {
	Header
	Progs []elf.ProgHeader
}

// ReadExec reads the header and program headers of an executable (any
// e_type; the caller decides what it accepts) for a tool that copies them:
// the header must be complete and there must be at least one program
// header.
func ReadExec(data []byte) (*Exec, error) {
	h, err := ReadHeader(data)
	if err != nil {
		return nil, err
	}
	if !h.Complete {
		return nil, fmt.Errorf("truncated ELF header (%d of %d bytes)", len(data), h.Size())
	}
	if h.Phnum == 0 {
		return nil, fmt.Errorf("no program headers (a relocatable object, not an executable?)")
	}
	progs, err := ReadProgs(data, h)
	if err != nil {
		return nil, err
	}
	return &Exec{Header: *h, Progs: progs}, nil
}

// Table locates a section header table.
type Table struct {
	Off      uint64 // e_shoff
	Count    uint64 // number of entries, section 0 included
	Shstrndx uint32 // index of the section name string table
}

// End is the file offset just past the table.
func (t Table) End(h *Header) uint64 { return t.Off + t.Count*h.ShdrSize() }

// SectionTable locates the section header table of a file of fileSize
// bytes whose first len(data) bytes are data, resolving ELF extended
// numbering: when e_shnum is 0 the count is section 0's sh_size, and when
// e_shstrndx is SHN_XINDEX the index is section 0's sh_link. A file without
// a table (e_shoff 0) gives a zero Table. The table must lie within the
// file, and section 0, when it is needed, within data.
func SectionTable(data []byte, fileSize uint64, h *Header) (Table, error) {
	if h.Shoff == 0 {
		return Table{}, nil
	}
	ent := h.ShdrSize()
	if uint64(h.Shentsize) != ent {
		return Table{}, fmt.Errorf("e_shentsize %d, want %d", h.Shentsize, ent)
	}
	t := Table{Off: h.Shoff, Count: uint64(h.Shnum), Shstrndx: uint32(h.Shstrndx)}
	if h.Shnum == 0 || h.Shstrndx == uint16(elf.SHN_XINDEX) {
		if h.Shoff > uint64(len(data)) || ent > uint64(len(data))-h.Shoff {
			return Table{}, fmt.Errorf("section header table (offset %#x) runs past the end of the %d-byte file", h.Shoff, fileSize)
		}
		s0 := decodeSection(data[h.Shoff:], h)
		if h.Shnum == 0 {
			t.Count = s0.Size
		}
		if h.Shstrndx == uint16(elf.SHN_XINDEX) {
			t.Shstrndx = s0.Link
		}
	}
	if t.Off > fileSize || t.Count > (fileSize-t.Off)/ent {
		return Table{}, fmt.Errorf("section header table (offset %#x, %d entries) runs past the end of the %d-byte file", t.Off, t.Count, fileSize)
	}
	return t, nil
}

// decodeSection decodes one section header, widened to Section64.
func decodeSection(p []byte, h *Header) elf.Section64 {
	bo := h.ByteOrder
	if h.Class == elf.ELFCLASS64 {
		return elf.Section64{Name: bo.Uint32(p[0:]), Type: bo.Uint32(p[4:]), Flags: bo.Uint64(p[8:]), Addr: bo.Uint64(p[16:]),
			Off: bo.Uint64(p[24:]), Size: bo.Uint64(p[32:]), Link: bo.Uint32(p[40:]), Info: bo.Uint32(p[44:]),
			Addralign: bo.Uint64(p[48:]), Entsize: bo.Uint64(p[56:])}
	}
	return elf.Section64{Name: bo.Uint32(p[0:]), Type: bo.Uint32(p[4:]), Flags: uint64(bo.Uint32(p[8:])), Addr: uint64(bo.Uint32(p[12:])),
		Off: uint64(bo.Uint32(p[16:])), Size: uint64(bo.Uint32(p[20:])), Link: bo.Uint32(p[24:]), Info: bo.Uint32(p[28:]),
		Addralign: uint64(bo.Uint32(p[32:])), Entsize: uint64(bo.Uint32(p[36:]))}
}

// ReadSections reads the whole section header table of a file held
// entirely in data.
func ReadSections(data []byte, h *Header) ([]elf.Section64, Table, error) {
	t, err := SectionTable(data, uint64(len(data)), h)
	if err != nil {
		return nil, t, err
	}
	ent := h.ShdrSize()
	secs := make([]elf.Section64, t.Count)
	for i := range secs {
		secs[i] = decodeSection(data[t.Off+uint64(i)*ent:], h)
	}
	return secs, t, nil
}
