// Package strip reduces a static ELF executable to what the kernel loads:
// the ELF header, the program header table and the file ranges that program
// headers describe (PT_LOAD contents, and PT_TLS, PT_NOTE, PT_GNU_* data,
// which normally lie inside a PT_LOAD). Everything else (section headers,
// .symtab, .strtab, debug info, .comment) is cut off the end of the file or,
// when it sits between segments, overwritten with zeros. The bytes the
// program sees at run time are unchanged, so it runs identically.
//
// Dynamic executables are refused: their loader reads dynamic sections
// through PT_DYNAMIC, and those programs need a libc in the image anyway.
package strip

import (
	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/elf"
)

// Strip returns the stripped copy of a static ELF executable.
func Strip(data []byte) ([]byte, error) {
	if len(data) >= 2 && data[0] == '#' && data[1] == '!' {
		return nil, fmt.Errorf("a script (#!), not an ELF executable: nothing to strip")
	}
	x, err := elf.ReadExec(data)
	if err != nil {
		return nil, err
	}
	keep := make([]bool, len(data))
	mark := func(off, n uint64) {
		for i := off; i < off+n; i++ {
			keep[i] = true
		}
	}
	var ehsize uint64 = elf.Ehdr32Size
	if x.Class == elf.ELFCLASS64 {
		ehsize = elf.Ehdr64Size
	}
	mark(0, ehsize)
	mark(x.Phoff, uint64(len(x.Progs))*uint64(x.Phentsize))
	end := max(ehsize, x.Phoff+uint64(len(x.Progs))*uint64(x.Phentsize))
	loads := 0
	for i, p := range x.Progs {
		switch p.Type {
		case elf.PT_INTERP:
			return nil, fmt.Errorf("dynamically linked (PT_INTERP): only static executables can be stripped for a FROM-scratch image")
		case elf.PT_DYNAMIC:
			return nil, fmt.Errorf("has dynamic sections (PT_DYNAMIC): only static executables can be stripped for a FROM-scratch image")
		case elf.PT_LOAD:
			loads++
		}
		if p.Filesz == 0 {
			continue
		}
		if p.Off > uint64(len(data)) || p.Filesz > uint64(len(data))-p.Off {
			return nil, fmt.Errorf("program header %d (type %#x) describes bytes %#x..%#x past the end of the file (%d bytes)", i, p.Type, p.Off, p.Off+p.Filesz, len(data))
		}
		mark(p.Off, p.Filesz)
		end = max(end, p.Off+p.Filesz)
	}
	if x.Type != elf.ET_EXEC {
		return nil, fmt.Errorf("not a static executable (ELF type %d; static-pie and shared objects are not supported)", x.Type)
	}
	if loads == 0 {
		return nil, fmt.Errorf("no PT_LOAD program header: nothing would be loaded")
	}
	out := make([]byte, end)
	for i := range out {
		if keep[i] {
			out[i] = data[i]
		}
	}
	// The section header table is gone (or, as in Go binaries, left as dead
	// bytes inside the text segment): clear the header fields that point to
	// it, but only when they describe a real table. In minimal files those
	// bytes double as program headers or program bytes, and stay as they are.
	shentsize, shoff, shFields := uint16(elf.Shdr32Size), [2]int{32, 36}, [2]int{46, 52}
	if x.Class == elf.ELFCLASS64 {
		shentsize, shoff, shFields = elf.Shdr64Size, [2]int{40, 48}, [2]int{58, 64}
	}
	tableEnd := x.Shoff + uint64(x.Shnum)*uint64(shentsize)
	phEnd := x.Phoff + uint64(len(x.Progs))*uint64(x.Phentsize)
	if x.Shentsize == shentsize && x.Shoff >= ehsize && tableEnd <= uint64(len(data)) &&
		(tableEnd <= x.Phoff || x.Shoff >= phEnd) {
		clear(out[shoff[0]:shoff[1]])
		clear(out[shFields[0]:shFields[1]])
	}
	return out, nil
}
