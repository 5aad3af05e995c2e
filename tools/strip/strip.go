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
	"debug/elf"
	"fmt"
	"slices"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
)

// File strips the static executable at path. It reads only what the
// headers declare (tinyelf.ReadFile) and refuses anything but a regular
// file. Its errors name path.
func File(path string) ([]byte, error) {
	data, size, err := tinyelf.ReadFile(path, tinyelf.Segments)
	if err != nil {
		return nil, err
	}
	out, err := strip(data, uint64(size))
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return out, nil
}

// Strip returns the stripped copy of a static ELF executable.
func Strip(data []byte) ([]byte, error) {
	return strip(data, uint64(len(data)))
}

// strip strips a file of fileSize bytes whose first bytes, up to the end
// of everything its program headers describe, are data. It takes time
// linear in the output plus n log n in the number of program headers.
func strip(data []byte, fileSize uint64) ([]byte, error) {
	if len(data) >= 2 && data[0] == '#' && data[1] == '!' {
		return nil, fmt.Errorf("a script (#!), not an ELF executable: nothing to strip")
	}
	x, err := tinyelf.ReadExec(data)
	if err != nil {
		return nil, err
	}
	ehsize := x.Size()
	phEnd := x.Phoff + uint64(len(x.Progs))*uint64(x.Phentsize)
	keep := []span{{0, ehsize}, {x.Phoff, phEnd}}
	end := max(ehsize, phEnd)
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
		if p.Off > fileSize || p.Filesz > fileSize-p.Off {
			return nil, fmt.Errorf("program header %d (type %#x) describes bytes %#x..%#x past the end of the file (%d bytes)", i, uint32(p.Type), p.Off, p.Off+p.Filesz, fileSize)
		}
		if p.Off+p.Filesz > uint64(len(data)) {
			return nil, fmt.Errorf("program header %d describes bytes that were not read", i) // ReadFile reads them all
		}
		keep = append(keep, span{p.Off, p.Off + p.Filesz})
		end = max(end, p.Off+p.Filesz)
	}
	if x.Type != elf.ET_EXEC {
		return nil, fmt.Errorf("not a static executable (ELF type %d; static-pie and shared objects are not supported)", uint16(x.Type))
	}
	if loads == 0 {
		return nil, fmt.Errorf("no PT_LOAD program header: nothing would be loaded")
	}
	out := make([]byte, end)
	for _, s := range merge(keep) {
		copy(out[s.lo:s.hi], data[s.lo:s.hi])
	}
	// The section header table is gone (or, as in Go binaries, left as dead
	// bytes inside the text segment): clear the header fields that point to
	// it, but only when they describe a real table. In minimal files those
	// bytes double as program headers or program bytes, and stay as they are.
	shentsize, shoff, shFields := uint16(tinyelf.Shdr32Size), [2]int{32, 36}, [2]int{46, 52}
	if x.Class == elf.ELFCLASS64 {
		shentsize, shoff, shFields = tinyelf.Shdr64Size, [2]int{40, 48}, [2]int{58, 64}
	}
	tableEnd := x.Shoff + uint64(x.Shnum)*uint64(shentsize)
	if x.Shentsize == shentsize && x.Shoff >= ehsize && tableEnd <= fileSize &&
		(tableEnd <= x.Phoff || x.Shoff >= phEnd) {
		clear(out[shoff[0]:shoff[1]])
		clear(out[shFields[0]:shFields[1]])
	}
	return out, nil
}

// span is a half-open range of file offsets.
type span struct{ lo, hi uint64 }

// merge sorts spans and joins those that overlap or touch.
func merge(spans []span) []span {
	slices.SortFunc(spans, func(a, b span) int {
		switch {
		case a.lo < b.lo:
			return -1
		case a.lo > b.lo:
			return 1
		}
		return 0
	})
	var out []span
	for _, s := range spans {
		if s.lo >= s.hi {
			continue
		}
		if n := len(out); n > 0 && s.lo <= out[n-1].hi {
			out[n-1].hi = max(out[n-1].hi, s.hi)
			continue
		}
		out = append(out, s)
	}
	return out
}
