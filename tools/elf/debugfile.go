package elf

import (
	"debug/elf"
	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// DebugFile is a separate debug file for an executable: what
// `objcopy --only-keep-debug` keeps of an unstripped one. A debugger
// reads it next to the executable (gdb -e EXE -s DEBUGFILE), so the
// executable itself stays as small as the link made it.
type DebugFile struct {
	Arch  obj.Arch
	Entry uint64
	// Loaded are the executable's loaded parts. They are written as
	// SHT_NOBITS headers at their run-time addresses: the debugger maps
	// symbols and line addresses to them and reads the bytes from the
	// executable.
	Loaded []LoadedSection
	// Debug are the debugging sections (.debug_*), written as they are:
	// their relocations must already be applied.
	Debug []*obj.Section
	// Symbols name run-time addresses. Section indexes Loaded (or is
	// obj.SectionAbs); Value is the address.
	Symbols []*obj.Symbol
}

// LoadedSection is one loaded part of an executable, for DebugFile.
type LoadedSection struct {
	Name              string
	Flags             obj.SectionFlags
	Addr, Size, Align uint64
}

// MarshalDebugFile writes d as an ELF file of type ET_EXEC without
// program headers: the section headers of the loaded parts (SHT_NOBITS),
// the debugging sections, .symtab (local symbols first), .strtab and
// .shstrtab.
func MarshalDebugFile(d *DebugFile) ([]byte, error) {
	w := &objWriter{f: &obj.File{Name: "debug file", Arch: d.Arch}, is64: d.Arch == obj.ArchAMD64}
	if d.Arch != obj.ArchI386 && !w.is64 {
		return nil, fmt.Errorf("cannot write a debug file for architecture %v", d.Arch)
	}
	for _, s := range d.Loaded {
		ls := &outSection{name: s.Name, typ: elf.SHT_NOBITS, flags: elf.SHF_ALLOC, addr: s.Addr, size: s.Size, align: max(s.Align, 1)}
		if s.Flags&obj.FlagWrite != 0 {
			ls.flags |= elf.SHF_WRITE
		}
		if s.Flags&obj.FlagExec != 0 {
			ls.flags |= elf.SHF_EXECINSTR
		}
		w.secs = append(w.secs, ls)
	}
	for _, s := range d.Debug {
		if len(s.Relocs) > 0 || s.Flags != 0 || uint64(len(s.Data)) != s.Size {
			return nil, fmt.Errorf("debug file: section %s is not a relocated debugging section", s.Name)
		}
		w.secs = append(w.secs, &outSection{name: s.Name, typ: elf.SHT_PROGBITS, data: s.Data, align: max(s.Align, 1)})
	}
	w.symtab = &outSection{name: ".symtab", typ: elf.SHT_SYMTAB, align: 4, entsize: Sym32Size}
	if w.is64 {
		w.symtab.align, w.symtab.entsize = 8, Sym64Size
	}
	w.strtab = &outSection{name: ".strtab", typ: elf.SHT_STRTAB, align: 1}
	w.shstr = &outSection{name: ".shstrtab", typ: elf.SHT_STRTAB, align: 1}
	w.secs = append(w.secs, w.symtab, w.strtab, w.shstr)
	w.symtab.link = w.index(w.strtab)

	strs := newStrtabWriter()
	syms := []outSym{{}}
	for pass := 0; pass < 2; pass++ { // locals first, as ELF requires
		for _, s := range d.Symbols {
			if (s.Binding == obj.BindLocal) != (pass == 0) {
				continue
			}
			es := outSym{name: strs.add(s.Name), value: s.Value, size: s.Size}
			switch {
			case s.Section == obj.SectionAbs:
				es.abs = true
			case s.Section >= 0 && s.Section < len(d.Loaded):
				es.shndx = uint32(s.Section + 1)
			default:
				return nil, fmt.Errorf("debug file: symbol %s: bad section index %d", s.Name, s.Section)
			}
			var ok bool
			if es.info, es.other, ok = symInfo(s, pass == 0); !ok {
				return nil, fmt.Errorf("debug file: symbol %s: unknown visibility %v", s.Name, s.Visibility)
			}
			syms = append(syms, es)
		}
		if pass == 0 {
			w.symtab.info = uint32(len(syms))
		}
	}
	w.strtab.data = strs.b
	w.encodeSymbols(syms)
	return w.layout(elf.ET_EXEC, d.Entry)
}
