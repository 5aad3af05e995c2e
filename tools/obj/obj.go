// Package obj is the object model shared by the assembler, the ELF reader and
// the linker: sections with bytes, symbols, and relocations expressed in
// architecture-neutral terms. It mirrors what a relocatable ELF file carries,
// minus everything the linker does not need.
package obj

import "fmt"

// Arch is a target instruction set.
type Arch uint8

const (
	ArchNone  Arch = iota
	ArchI386       // 32-bit x86, ELFCLASS32, EM_386
	ArchAMD64      // x86-64, ELFCLASS64, EM_X86_64
)

func (a Arch) String() string {
	switch a {
	case ArchI386:
		return "i386"
	case ArchAMD64:
		return "amd64"
	}
	return fmt.Sprintf("arch(%d)", uint8(a))
}

// PtrSize is the size in bytes of an address on a.
func (a Arch) PtrSize() int {
	if a == ArchAMD64 {
		return 8
	}
	return 4
}

// SectionFlags describe how a section is loaded.
type SectionFlags uint8

const (
	FlagAlloc  SectionFlags = 1 << iota // occupies memory at run time
	FlagWrite                           // writable at run time
	FlagExec                            // executable
	FlagNoBits                          // occupies no file bytes (.bss); Data is nil, Size counts
)

// Section is a contiguous run of bytes (or reserved zero bytes) with its relocations.
type Section struct {
	Name   string
	Flags  SectionFlags
	Align  uint64 // power of two, >= 1
	Data   []byte // nil for FlagNoBits
	Size   uint64 // == len(Data) unless FlagNoBits
	Relocs []Reloc
}

// Special values of Symbol.Section.
const (
	SectionUndef  = -1 // an external reference resolved at link time
	SectionAbs    = -2 // an absolute value (equ constants made global)
	SectionCommon = -3 // a common block (ELF SHN_COMMON): Size bytes, Value the alignment (0: none asked)
)

// Binding is a symbol's visibility to other objects.
type Binding uint8

const (
	BindLocal Binding = iota
	BindGlobal
	BindWeak
)

// SymKind is what a symbol names (ELF STT_*), kept for round trips.
type SymKind uint8

const (
	KindNone SymKind = iota
	KindFunc
	KindObject
	KindSection
	KindFile
)

// Visibility is a symbol's ELF visibility (st_other), what nasm writes
// for `global name:hidden` and its kin. It restricts what a dynamic link
// may do with the symbol; a static link resolves every visibility the
// same way.
type Visibility uint8

const (
	VisDefault   Visibility = iota // STV_DEFAULT
	VisInternal                    // STV_INTERNAL
	VisHidden                      // STV_HIDDEN
	VisProtected                   // STV_PROTECTED
)

func (v Visibility) String() string {
	switch v {
	case VisDefault:
		return "default"
	case VisInternal:
		return "internal"
	case VisHidden:
		return "hidden"
	case VisProtected:
		return "protected"
	}
	return fmt.Sprintf("visibility(%d)", uint8(v))
}

// Symbol is a name bound to an offset in a section (or undefined/absolute).
// Kind and Size are nasm's `global name:function` / `global name:data N`
// (ELF st_info's type and st_size); Visibility is st_other's.
type Symbol struct {
	Name       string
	Section    int    // index into File.Sections, or SectionUndef / SectionAbs / SectionCommon
	Value      uint64 // offset within the section, or the absolute value
	Size       uint64
	Binding    Binding
	Kind       SymKind
	Visibility Visibility
}

// RelocKind is the computation a relocation asks for, independent of the
// ELF machine's numbering (the ELF package maps these to R_386_* / R_X86_64_*).
type RelocKind uint8

const (
	RelocAbs       RelocKind = iota // S + A
	RelocPCRel                      // S + A - P
	RelocAbsSigned                  // S + A, checked as a signed value (R_X86_64_32S)
	RelocPLT                        // PC-relative call/jmp through PLT; static link: as RelocPCRel
	RelocGOTPCRel                   // PC-relative GOT slot (R_X86_64_GOTPCREL, GOTPCREL64 when 8 bytes); static link may relax
	RelocGOTPC                      // GOT + A - P (R_386_GOTPC, R_X86_64_GOTPC32, against _GLOBAL_OFFSET_TABLE_)
	RelocGOTOFF                     // S + A - GOT (R_386_GOTOFF, R_X86_64_GOTOFF64)
	RelocGOT                        // GOT slot - GOT + A on a load (i386 R_386_GOT32X); static link relaxes to the address
	RelocGOTSlot                    // GOT slot - GOT + A, not relaxable (R_386_GOT32, R_X86_64_GOT32/GOT64)
	RelocTLSIE                      // address of the GOT slot of a TLS offset (R_386_TLS_IE)
	RelocGOTTPOFF                   // PC-relative GOT slot of a TLS offset (R_X86_64_GOTTPOFF)
)

// Reloc patches Size bytes at Offset in its section once symbol addresses are known.
// The field receives Symbol's address + Addend (minus the field's address for
// PC-relative kinds), little-endian, truncated to Size bytes after a range check.
type Reloc struct {
	Offset uint64
	Size   uint8 // 1, 2, 4 or 8
	Kind   RelocKind
	Symbol int // index into File.Symbols, or NoSymbol
	Addend int64
}

// NoSymbol is the Symbol of a relocation against no symbol (ELF's symbol
// 0): nasm's ELF32 relocation of a branch to a plain address. Linkers
// refuse it; only the object writer takes it.
const NoSymbol = -1

// File is one relocatable object.
type File struct {
	Name     string // for diagnostics only; never written into outputs
	Arch     Arch
	Sections []*Section
	Symbols  []*Symbol
}

// SectionByName returns the index of the named section or -1.
func (f *File) SectionByName(name string) int {
	for i, s := range f.Sections {
		if s.Name == name {
			return i
		}
	}
	return -1
}
