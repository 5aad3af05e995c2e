// Package elf holds the ELF structures and constants rules_tiny reads and
// writes, the table that maps x86 relocation types to the object model, a
// reader of relocatable objects (ReadObject), a writer of relocatable objects
// (WriteObject) and a reader of executable headers (ReadExec, for strip).
//
// Reading leans on the standard library's debug/elf where that is enough;
// every byte we write is produced here, from the plain structs below, so
// the layout of our outputs never depends on another package's choices.
package elf

import (
	"encoding/binary"
)

// Identification and header constants (System V ABI, chapter 4).
const (
	EI_NIDENT = 16

	ELFCLASS32  = 1
	ELFCLASS64  = 2
	ELFDATA2LSB = 1
	EV_CURRENT  = 1

	ET_REL  = 1
	ET_EXEC = 2
	ET_DYN  = 3

	EM_386    = 3
	EM_X86_64 = 62
)

// Section header types and flags.
const (
	SHT_NULL     = 0
	SHT_PROGBITS = 1
	SHT_SYMTAB   = 2
	SHT_STRTAB   = 3
	SHT_RELA     = 4
	SHT_NOBITS   = 8
	SHT_REL      = 9

	SHF_WRITE     = 0x1
	SHF_ALLOC     = 0x2
	SHF_EXECINSTR = 0x4
	SHF_INFO_LINK = 0x40

	SHN_UNDEF  = 0
	SHN_ABS    = 0xfff1
	SHN_COMMON = 0xfff2
)

// Symbol bindings and types.
const (
	STB_LOCAL  = 0
	STB_GLOBAL = 1
	STB_WEAK   = 2

	STT_NOTYPE  = 0
	STT_OBJECT  = 1
	STT_FUNC    = 2
	STT_SECTION = 3
	STT_FILE    = 4
)

// Program header types and flags.
const (
	PT_NULL    = 0
	PT_LOAD    = 1
	PT_DYNAMIC = 2
	PT_INTERP  = 3

	PF_X = 1
	PF_W = 2
	PF_R = 4
)

// Sizes of the fixed structures.
const (
	Ehdr32Size = 52
	Ehdr64Size = 64
	Phdr32Size = 32
	Phdr64Size = 56
	Shdr32Size = 40
	Shdr64Size = 64
	Sym32Size  = 16
	Sym64Size  = 24
	Rel32Size  = 8
	Rela64Size = 24
)

// Header32 is Elf32_Ehdr.
type Header32 struct {
	Ident     [EI_NIDENT]byte
	Type      uint16
	Machine   uint16
	Version   uint32
	Entry     uint32
	Phoff     uint32
	Shoff     uint32
	Flags     uint32
	Ehsize    uint16
	Phentsize uint16
	Phnum     uint16
	Shentsize uint16
	Shnum     uint16
	Shstrndx  uint16
}

// Header64 is Elf64_Ehdr.
type Header64 struct {
	Ident     [EI_NIDENT]byte
	Type      uint16
	Machine   uint16
	Version   uint32
	Entry     uint64
	Phoff     uint64
	Shoff     uint64
	Flags     uint32
	Ehsize    uint16
	Phentsize uint16
	Phnum     uint16
	Shentsize uint16
	Shnum     uint16
	Shstrndx  uint16
}

// Prog32 is Elf32_Phdr.
type Prog32 struct {
	Type   uint32
	Off    uint32
	Vaddr  uint32
	Paddr  uint32
	Filesz uint32
	Memsz  uint32
	Flags  uint32
	Align  uint32
}

// Prog64 is Elf64_Phdr (note: flags come second).
type Prog64 struct {
	Type   uint32
	Flags  uint32
	Off    uint64
	Vaddr  uint64
	Paddr  uint64
	Filesz uint64
	Memsz  uint64
	Align  uint64
}

// Section32 is Elf32_Shdr.
type Section32 struct {
	Name      uint32
	Type      uint32
	Flags     uint32
	Addr      uint32
	Off       uint32
	Size      uint32
	Link      uint32
	Info      uint32
	Addralign uint32
	Entsize   uint32
}

// Section64 is Elf64_Shdr.
type Section64 struct {
	Name      uint32
	Type      uint32
	Flags     uint64
	Addr      uint64
	Off       uint64
	Size      uint64
	Link      uint32
	Info      uint32
	Addralign uint64
	Entsize   uint64
}

// Sym32 is Elf32_Sym.
type Sym32 struct {
	Name  uint32
	Value uint32
	Size  uint32
	Info  uint8
	Other uint8
	Shndx uint16
}

// Sym64 is Elf64_Sym (note: a different field order from Sym32).
type Sym64 struct {
	Name  uint32
	Info  uint8
	Other uint8
	Shndx uint16
	Value uint64
	Size  uint64
}

// Rel32 is Elf32_Rel: the addend lives in the patched field.
type Rel32 struct {
	Off  uint32
	Info uint32 // symbol << 8 | type
}

// Rela64 is Elf64_Rela.
type Rela64 struct {
	Off    uint64
	Info   uint64 // symbol << 32 | type
	Addend int64
}

// Ident returns e_ident for a little-endian file of the given class.
func Ident(class byte) [EI_NIDENT]byte {
	return [EI_NIDENT]byte{0x7f, 'E', 'L', 'F', class, ELFDATA2LSB, EV_CURRENT}
}

// Marshal encodes one of the fixed-size structs above, little-endian.
func Marshal(v any) []byte {
	b, err := binary.Append(nil, binary.LittleEndian, v)
	if err != nil {
		panic("elf.Marshal: " + err.Error()) // only reachable with a non-ELF type: a programming error
	}
	return b
}
