// Package elf is rules_tiny's one owner of the ELF format. Every other
// package that reads or writes ELF calls it:
//
//   - ReadHeader, ReadProgs, ReadExec and SectionTable read the file header,
//     program headers and section header table of any ELF file under one
//     set of acceptance rules (header.go); tools/strip, tools/size and
//     tools/image/platform use them.
//   - ReadFile reads an ELF input from disk, refusing what is not a regular
//     file and reading no further than the headers declare (file.go).
//   - ReadObject reads a relocatable object into the object model, and
//     MarshalObject/WriteObject write one (read.go, write.go), with ELF
//     extended section numbering when there are more sections than the
//     16-bit fields hold.
//   - MarshalExecHeader writes an executable's ELF header and program
//     headers (for tools/link).
//   - Relocs is the one table between the object model's relocation kinds
//     and R_386_* / R_X86_64_* (reloc.go).
//
// The vocabulary is the standard library's debug/elf: its structs
// (Header32/64, Prog32/64, Section32/64, Sym32/64, Rel32, Rela64) and
// constants. The parsing is our own, because debug/elf's File rescans a
// string table for every name it reads (quadratic on a hostile file) and
// does not read SHT_SYMTAB_SHNDX. Every byte written is produced here, from
// debug/elf's structs encoded field by field, so the layout of our outputs
// depends on no other package's choices.
package elf

import (
	"debug/elf"
	"encoding/binary"
)

// Sizes of the fixed structures (debug/elf exports the structs but not all
// of their sizes).
const (
	Ehdr32Size = 52
	Ehdr64Size = 64
	Phdr32Size = 32
	Phdr64Size = 56
	Shdr32Size = 40
	Shdr64Size = 64
	Sym32Size  = elf.Sym32Size
	Sym64Size  = elf.Sym64Size
	Rel32Size  = 8
	Rela32Size = 12
	Rel64Size  = 16
	Rela64Size = 24
)

// Ident returns e_ident for a little-endian file of the given class, with
// OS/ABI System V and every padding byte zero.
func Ident(class elf.Class) [elf.EI_NIDENT]byte {
	return [elf.EI_NIDENT]byte{0x7f, 'E', 'L', 'F', byte(class), byte(elf.ELFDATA2LSB), byte(elf.EV_CURRENT)}
}

// Marshal encodes one of debug/elf's fixed-size structs (or a slice of
// them), little-endian, in field order with no padding.
func Marshal(v any) []byte {
	return appendLE(nil, v)
}

func appendLE(b []byte, v any) []byte {
	b, err := binary.Append(b, binary.LittleEndian, v)
	if err != nil {
		panic("elf.Marshal: " + err.Error()) // only reachable with a non-ELF type: a programming error
	}
	return b
}

// MarshalExecHeader encodes an executable's ELF header followed directly by
// its program headers (e_phoff is the header's size), little-endian, with
// no section header table. Only Type, Flags, Off, Vaddr, Filesz, Memsz and
// Align of each program header are taken; p_paddr repeats p_vaddr.
func MarshalExecHeader(class elf.Class, machine elf.Machine, entry uint64, progs []elf.ProgHeader) []byte {
	if class == elf.ELFCLASS64 {
		b := Marshal(elf.Header64{Ident: Ident(class), Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT),
			Entry: entry, Phoff: Ehdr64Size, Ehsize: Ehdr64Size, Phentsize: Phdr64Size, Phnum: uint16(len(progs))})
		for _, p := range progs {
			b = appendLE(b, elf.Prog64{Type: uint32(p.Type), Flags: uint32(p.Flags), Off: p.Off, Vaddr: p.Vaddr, Paddr: p.Vaddr,
				Filesz: p.Filesz, Memsz: p.Memsz, Align: p.Align})
		}
		return b
	}
	b := Marshal(elf.Header32{Ident: Ident(class), Type: uint16(elf.ET_EXEC), Machine: uint16(machine), Version: uint32(elf.EV_CURRENT),
		Entry: uint32(entry), Phoff: Ehdr32Size, Ehsize: Ehdr32Size, Phentsize: Phdr32Size, Phnum: uint16(len(progs))})
	for _, p := range progs {
		b = appendLE(b, elf.Prog32{Type: uint32(p.Type), Off: uint32(p.Off), Vaddr: uint32(p.Vaddr), Paddr: uint32(p.Vaddr),
			Filesz: uint32(p.Filesz), Memsz: uint32(p.Memsz), Flags: uint32(p.Flags), Align: uint32(p.Align)})
	}
	return b
}
