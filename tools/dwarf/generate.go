package dwarf

import (
	"debug/dwarf"
	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// codeSeq is one code section's line-number sequence.
type codeSeq struct {
	sec  int
	size uint64
	rows []row
}

// Generate appends f's debugging sections, describing the rows of l and
// the unit u: .debug_info, .debug_abbrev, .debug_line, .debug_aranges
// and, when the code spans several sections, .debug_ranges. Section
// symbols are added to f.Symbols for the sections the relocations name
// and have none yet.
//
// Only executable sections get line-number sequences, as in nasm: rows
// of other sections describe data, which a debugger never steps through.
// Each sequence covers its section from its first row to its end. With
// no code, the unit has an empty line program and no address range.
func Generate(f *obj.File, l *Lines, u Unit) error {
	if f.Arch != obj.ArchI386 && f.Arch != obj.ArchAMD64 {
		return fmt.Errorf("no DWARF for architecture %v", f.Arch)
	}
	for _, name := range []string{SecInfo, SecAbbrev, SecLine, SecAranges, SecRanges} {
		if f.SectionByName(name) >= 0 {
			return fmt.Errorf("section %s already exists: it cannot hold the debugging information too", name)
		}
	}
	if err := checkName("the source file name", u.Name); err != nil {
		return err
	}
	if err := checkName("the compilation directory", u.CompDir); err != nil {
		return err
	}
	if l == nil {
		l = &Lines{}
	}
	for _, name := range l.files {
		if err := checkName("file name", name); err != nil {
			return err
		}
	}
	files, remap := fileTable(u.Name, l.files)
	var seqs []codeSeq
	for i, s := range f.Sections {
		if s == nil || s.Flags&obj.FlagExec == 0 || s.Flags&obj.FlagNoBits != 0 {
			continue
		}
		if rs := l.sequence(i, s.Size); len(rs) > 0 {
			for j := range rs {
				rs[j].file = remap[rs[j].file]
			}
			seqs = append(seqs, codeSeq{sec: i, size: s.Size, rows: rs})
		}
	}
	version, ptr := Version(f.Arch), f.Arch.PtrSize()
	symOf := sectionSymbols(f)
	// The debug sections' own symbols: they are appended next, in this order.
	first := len(f.Sections)
	infoSym, abbrevSym, lineSym := symOf(first), symOf(first+1), symOf(first+2)
	codeSyms := make([]int, len(seqs))
	for i, s := range seqs {
		codeSyms[i] = symOf(s.sec)
	}
	var rangesSym = -1
	if len(seqs) > 1 {
		rangesSym = symOf(first + 4)
	}

	attrs := []attr{
		strAttr(dwarf.AttrName, u.Name),
		strAttr(dwarf.AttrCompDir, u.CompDir),
		strAttr(dwarf.AttrProducer, u.Producer),
		numAttr(dwarf.AttrLanguage, formData2, langMipsAsm),
		relAttr(dwarf.AttrStmtList, formData4, lineSym, 0),
	}
	switch len(seqs) {
	case 0:
	case 1:
		attrs = append(attrs,
			relAttr(dwarf.AttrLowpc, formAddr, codeSyms[0], 0),
			relAttr(dwarf.AttrHighpc, formAddr, codeSyms[0], seqs[0].size))
	default:
		// Several code sections: the unit's address ranges are a range
		// list of absolute addresses (base address 0), as GNU as writes
		// it, in DWARF 2 too.
		attrs = append(attrs,
			numAttr(dwarf.AttrLowpc, formAddr, 0),
			relAttr(dwarf.AttrRanges, formData4, rangesSym, 0))
	}
	info, abbrev := compileUnit(version, ptr, abbrevSym, attrs)
	line := lineProgram(version, ptr, files, seqs, codeSyms)
	aranges := addressRanges(ptr, infoSym, seqs, codeSyms)
	f.Sections = append(f.Sections, info.section(SecInfo), abbrev.section(SecAbbrev), line.section(SecLine), aranges.section(SecAranges))
	if rangesSym >= 0 {
		f.Sections = append(f.Sections, rangeList(ptr, seqs, codeSyms).section(SecRanges))
	}
	return nil
}

// fileTable orders the line table's files: the unit's source first, as
// nasm and compilers do (DWARF before version 5 gives file 1 no special
// meaning, but tools show it as the unit's file), then the others in
// order of first use. remap takes Lines' 1-based indices to the table's.
func fileTable(name string, used []string) (files []string, remap []uint32) {
	files = append(files, name)
	remap = make([]uint32, len(used)+1)
	for i, f := range used {
		if f == name {
			remap[i+1] = 1
			continue
		}
		files = append(files, f)
		remap[i+1] = uint32(len(files))
	}
	return files, remap
}

// sectionSymbols returns a function giving the index of the section
// symbol of section i of f, adding one to f.Symbols when f has none.
// Sections from len(f.Sections) on may be named before they exist.
func sectionSymbols(f *obj.File) func(i int) int {
	have := map[int]int{}
	for si, s := range f.Symbols {
		if s != nil && s.Kind == obj.KindSection && s.Value == 0 {
			if _, dup := have[s.Section]; !dup {
				have[s.Section] = si
			}
		}
	}
	return func(i int) int {
		if si, ok := have[i]; ok {
			return si
		}
		name := ""
		if i < len(f.Sections) {
			name = f.Sections[i].Name
		}
		switch i - len(f.Sections) {
		case 0:
			name = SecInfo
		case 1:
			name = SecAbbrev
		case 2:
			name = SecLine
		case 4:
			name = SecRanges
		}
		f.Symbols = append(f.Symbols, &obj.Symbol{Name: name, Section: i, Kind: obj.KindSection, Binding: obj.BindLocal})
		have[i] = len(f.Symbols) - 1
		return have[i]
	}
}

// compileUnit writes the unit's .debug_info and its .debug_abbrev: one
// DW_TAG_compile_unit entry with no children, whose abbreviation lists
// attrs' names and forms.
func compileUnit(version, ptr, abbrevSym int, attrs []attr) (info, abbrev *buf) {
	abbrev = &buf{}
	abbrev.uleb(abbrevCompileUnit)
	abbrev.uleb(uint64(dwarf.TagCompileUnit))
	abbrev.u8(childrenNo)
	for _, a := range attrs {
		abbrev.uleb(uint64(a.name))
		abbrev.uleb(uint64(a.form))
	}
	abbrev.uleb(0)
	abbrev.uleb(0)
	abbrev.u8(0) // end of the table

	info = &buf{}
	unit := info.lengthField()
	info.u16(uint16(version))
	info.reloc(abbrevSym, 0, 4)
	info.u8(uint8(ptr))
	info.uleb(abbrevCompileUnit)
	for _, a := range attrs {
		info.value(a, ptr)
	}
	info.endLength(unit)
	return info, abbrev
}

// value writes an attribute's value in its form.
func (b *buf) value(a attr, ptr int) {
	size := 0
	switch a.form {
	case formString:
		b.cstr(a.str)
		return
	case formData2:
		b.u16(uint16(a.num))
		return
	case formData4:
		size = 4
	case formAddr:
		size = ptr
	}
	if a.relocated() {
		b.reloc(a.sym, a.num, size)
		return
	}
	b.uint(a.num, size)
}

// addressRanges writes .debug_aranges: the address range of each code
// section, for the debugger's address-to-unit lookup.
func addressRanges(ptr, infoSym int, seqs []codeSeq, codeSyms []int) *buf {
	b := &buf{}
	unit := b.lengthField()
	b.u16(arangesVersion)
	b.reloc(infoSym, 0, 4)
	b.u8(uint8(ptr))
	b.u8(0) // segment selector size
	for len(b.b)%(2*ptr) != 0 {
		b.u8(0) // the tuples are aligned to their own size
	}
	for i, s := range seqs {
		b.reloc(codeSyms[i], 0, ptr)
		b.uint(s.size, ptr)
	}
	b.uint(0, ptr)
	b.uint(0, ptr)
	b.endLength(unit)
	return b
}

// rangeList writes .debug_ranges: one list, the code sections' ranges as
// absolute begin and end addresses, then the end-of-list entry.
func rangeList(ptr int, seqs []codeSeq, codeSyms []int) *buf {
	b := &buf{}
	for i, s := range seqs {
		b.reloc(codeSyms[i], 0, ptr)
		b.reloc(codeSyms[i], s.size, ptr)
	}
	b.uint(0, ptr)
	b.uint(0, ptr)
	return b
}
