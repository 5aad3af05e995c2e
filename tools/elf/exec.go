package elf

import (
	"encoding/binary"
	"fmt"
)

// Prog is a program header of either class, widened to 64 bits.
type Prog struct {
	Type   uint32
	Flags  uint32
	Off    uint64
	Vaddr  uint64
	Paddr  uint64
	Filesz uint64
	Memsz  uint64
	Align  uint64
}

// Exec is what the loader reads of an executable: the header fields that
// locate things, and the program headers.
type Exec struct {
	Class     byte
	Type      uint16
	Machine   uint16
	Entry     uint64
	Phoff     uint64
	Phentsize uint16
	Shoff     uint64
	Shentsize uint16
	Shnum     uint16
	Progs     []Prog
}

// ReadExec parses the ELF header and program header table of a
// little-endian ELF32 or ELF64 file, checking every offset against len(data).
// Exec.Class is the class the kernel would assume: EI_CLASS, or for x86
// files whose EI_CLASS holds something else, the class of e_machine.
func ReadExec(data []byte) (*Exec, error) {
	if len(data) < 4 || string(data[:4]) != "\x7fELF" {
		return nil, fmt.Errorf("not an ELF file")
	}
	if len(data) < EI_NIDENT {
		return nil, fmt.Errorf("truncated ELF header")
	}
	if data[5] == 2 { // ELFDATA2MSB
		return nil, fmt.Errorf("only little-endian ELF files are supported")
	}
	le := binary.LittleEndian
	x := &Exec{Class: data[4]}
	if x.Class != ELFCLASS32 && x.Class != ELFCLASS64 && len(data) >= 20 {
		// Linux reads neither EI_CLASS nor EI_DATA, and minimal files (ours
		// with --compact among them) keep other bytes there: go by e_machine
		// as the kernel does.
		switch le.Uint16(data[18:]) {
		case EM_386:
			x.Class = ELFCLASS32
		case EM_X86_64:
			x.Class = ELFCLASS64
		}
	}
	var phnum uint16
	switch x.Class {
	case ELFCLASS32:
		if len(data) < Ehdr32Size {
			return nil, fmt.Errorf("truncated ELF header")
		}
		x.Type, x.Machine = le.Uint16(data[16:]), le.Uint16(data[18:])
		x.Entry, x.Phoff, x.Shoff = uint64(le.Uint32(data[24:])), uint64(le.Uint32(data[28:])), uint64(le.Uint32(data[32:]))
		x.Phentsize, phnum, x.Shentsize, x.Shnum = le.Uint16(data[42:]), le.Uint16(data[44:]), le.Uint16(data[46:]), le.Uint16(data[48:])
		if phnum != 0 && x.Phentsize != Phdr32Size {
			return nil, fmt.Errorf("program header size %d, want %d", x.Phentsize, Phdr32Size)
		}
	case ELFCLASS64:
		if len(data) < Ehdr64Size {
			return nil, fmt.Errorf("truncated ELF header")
		}
		x.Type, x.Machine = le.Uint16(data[16:]), le.Uint16(data[18:])
		x.Entry, x.Phoff, x.Shoff = le.Uint64(data[24:]), le.Uint64(data[32:]), le.Uint64(data[40:])
		x.Phentsize, phnum, x.Shentsize, x.Shnum = le.Uint16(data[54:]), le.Uint16(data[56:]), le.Uint16(data[58:]), le.Uint16(data[60:])
		if phnum != 0 && x.Phentsize != Phdr64Size {
			return nil, fmt.Errorf("program header size %d, want %d", x.Phentsize, Phdr64Size)
		}
	default:
		return nil, fmt.Errorf("unknown ELF class %d", x.Class)
	}
	if phnum == 0 {
		return nil, fmt.Errorf("no program headers (a relocatable object, not an executable?)")
	}
	size := uint64(phnum) * uint64(x.Phentsize)
	if x.Phoff > uint64(len(data)) || size > uint64(len(data))-x.Phoff {
		return nil, fmt.Errorf("program header table (offset %#x, %d entries) runs past the end of the file", x.Phoff, phnum)
	}
	for i := uint64(0); i < uint64(phnum); i++ {
		b := data[x.Phoff+i*uint64(x.Phentsize):]
		var p Prog
		if x.Class == ELFCLASS32 {
			p = Prog{Type: le.Uint32(b[0:]), Off: uint64(le.Uint32(b[4:])), Vaddr: uint64(le.Uint32(b[8:])), Paddr: uint64(le.Uint32(b[12:])),
				Filesz: uint64(le.Uint32(b[16:])), Memsz: uint64(le.Uint32(b[20:])), Flags: le.Uint32(b[24:]), Align: uint64(le.Uint32(b[28:]))}
		} else {
			p = Prog{Type: le.Uint32(b[0:]), Flags: le.Uint32(b[4:]), Off: le.Uint64(b[8:]), Vaddr: le.Uint64(b[16:]), Paddr: le.Uint64(b[24:]),
				Filesz: le.Uint64(b[32:]), Memsz: le.Uint64(b[40:]), Align: le.Uint64(b[48:])}
		}
		x.Progs = append(x.Progs, p)
	}
	return x, nil
}
