package link

import (
	"fmt"
	"strings"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// groupSections name the loaded groups in the debug file.
var groupSections = [nGroups]string{gCode: ".text", gRodata: ".rodata", gData: ".data", gBss: ".bss"}

// isDebug reports whether s is debugging information: a non-allocated
// .debug_* section, from our assembler's -g or read by
// elf.ReadObjectWithDebug.
func isDebug(s *obj.Section) bool {
	return s.Flags&obj.FlagAlloc == 0 && strings.HasPrefix(s.Name, ".debug_")
}

// debugPlace is where an input debug section lands: output section
// index and offset.
type debugPlace struct {
	out int
	off uint64
}

// debugFile builds the separate debug file of the executable just laid
// out, as GNU ld and `objcopy --only-keep-debug` would make it: the
// inputs' .debug_* sections concatenated by name in input order (each at
// its alignment) with their relocations applied at the executable's
// addresses, every symbol defined in a loaded section at its address,
// and the loaded groups as sections without contents (.text, .rodata,
// .data, .bss).
func (l *linker) debugFile() ([]byte, error) {
	entry, err := l.addr(l.entry.fi, l.entry.si)
	if err != nil {
		return nil, err
	}
	df := &tinyelf.DebugFile{Arch: l.arch, Entry: entry}
	var loaded [nGroups]int
	for g, grp := range l.groups {
		loaded[g] = -1
		if len(grp.pieces) == 0 {
			continue
		}
		flags := obj.FlagAlloc
		switch g {
		case gCode:
			flags |= obj.FlagExec
		case gData:
			flags |= obj.FlagWrite
		case gBss:
			flags |= obj.FlagWrite | obj.FlagNoBits
		}
		loaded[g] = len(df.Loaded)
		df.Loaded = append(df.Loaded, tinyelf.LoadedSection{Name: groupSections[g], Flags: flags, Addr: grp.addr, Size: grp.size, Align: grp.align})
	}

	places := make([]map[int]debugPlace, len(l.files))
	byName := map[string]int{}
	for fi, f := range l.files {
		places[fi] = map[int]debugPlace{}
		for si, s := range f.Sections {
			if !isDebug(s) {
				continue
			}
			i, ok := byName[s.Name]
			if !ok {
				i = len(df.Debug)
				byName[s.Name] = i
				df.Debug = append(df.Debug, &obj.Section{Name: s.Name, Align: 1})
			}
			out := df.Debug[i]
			off := alignUp(out.Size, s.Align)
			if off+s.Size > 1<<32 {
				return nil, fmt.Errorf("%s: debugging section %s would exceed 4 GiB", f.Name, s.Name)
			}
			out.Data = append(out.Data, make([]byte, off-out.Size)...)
			out.Data = append(out.Data, s.Data...)
			out.Size = uint64(len(out.Data))
			out.Align = max(out.Align, s.Align)
			places[fi][si] = debugPlace{i, off}
		}
	}
	for fi, f := range l.files {
		for si, s := range f.Sections {
			p, ok := places[fi][si]
			if !ok {
				continue
			}
			for _, r := range s.Relocs {
				if err := l.applyDebug(df.Debug[p.out].Data[p.off:], places[fi], fi, s, r); err != nil {
					return nil, err
				}
			}
		}
	}
	df.Symbols = l.debugSymbols(loaded)
	return tinyelf.MarshalDebugFile(df)
}

// applyDebug applies one relocation of debug section s of file fi, whose
// bytes in the output are buf. A symbol in a debug section stands for its
// offset in the output section (what DWARF's section offsets mean after
// a link); any other symbol for its run-time address.
func (l *linker) applyDebug(buf []byte, places map[int]debugPlace, fi int, s *obj.Section, r obj.Reloc) error {
	f := l.files[fi]
	sym := f.Symbols[r.Symbol]
	where := func() string { return fmt.Sprintf("%s: %s+%#x", f.Name, s.Name, r.Offset) }
	if r.Kind != obj.RelocAbs && r.Kind != obj.RelocAbsSigned {
		return fmt.Errorf("%s: %s relocation in debugging information is not supported", where(), tinyelf.KindName(l.arch, r.Kind, r.Size))
	}
	var S uint64
	if p, ok := places[sym.Section]; ok && !l.isGlobalRef(sym) {
		S = p.off + sym.Value
	} else {
		a, err := l.addr(fi, r.Symbol)
		if err != nil {
			return fmt.Errorf("%s: %v", where(), err)
		}
		S = a
	}
	v := S + uint64(r.Addend)
	if !fits(l.arch, r.Kind, r.Size, v) {
		return fmt.Errorf("%s: %s relocation against `%s' out of range: value %#x does not fit in %d bits", where(), tinyelf.KindName(l.arch, r.Kind, r.Size), sym.Name, v, r.Size*8)
	}
	putField(buf[r.Offset:], r.Size, v)
	return nil
}

// debugSymbols lists every named symbol defined in a loaded section (or
// absolute) at its run-time address: each file's locals, and each
// global once, from the object whose definition the link chose.
func (l *linker) debugSymbols(loaded [nGroups]int) []*obj.Symbol {
	var out []*obj.Symbol
	for fi, f := range l.files {
		for si, s := range f.Symbols {
			if s.Name == "" || s.Kind == obj.KindSection || s.Kind == obj.KindFile || s.Section == obj.SectionUndef {
				continue
			}
			if s.Binding != obj.BindLocal && l.globals[s.Name] != (symRef{fi, si}) {
				continue
			}
			ds := &obj.Symbol{Name: s.Name, Section: obj.SectionAbs, Value: s.Value, Size: s.Size, Binding: s.Binding, Kind: s.Kind, Visibility: s.Visibility}
			if s.Section != obj.SectionAbs {
				p := l.pieceOf[fi][s.Section]
				if p == nil {
					continue // in a section that is not loaded
				}
				ds.Section, ds.Value = loaded[classify(p.sec)], l.pieceAddr(p)+s.Value
			}
			out = append(out, ds)
		}
	}
	return out
}

// putField stores v little-endian in size bytes.
func putField(b []byte, size uint8, v uint64) {
	for i := uint8(0); i < size; i++ {
		b[i] = byte(v >> (8 * i))
	}
}
