package obj

// AllocateCommons returns f with each common symbol (Section ==
// SectionCommon) given a zeroed section of its own, ".bss." + name,
// aligned as the symbol asks, and the symbol made weak so that a real
// definition elsewhere wins: what a static link does with a tentative
// definition (the ELF reader does the same for SHN_COMMON). f is not
// modified; it is returned as is when it has no common symbol.
func AllocateCommons(f *File) *File {
	n := 0
	for _, s := range f.Symbols {
		if s != nil && s.Section == SectionCommon {
			n++
		}
	}
	if n == 0 {
		return f
	}
	out := *f
	out.Sections = append(make([]*Section, 0, len(f.Sections)+n), f.Sections...)
	out.Symbols = append([]*Symbol(nil), f.Symbols...)
	for i, s := range out.Symbols {
		if s == nil || s.Section != SectionCommon {
			continue
		}
		align := s.Value
		if align == 0 || align&(align-1) != 0 {
			align = 1
		}
		out.Sections = append(out.Sections, &Section{Name: ".bss." + s.Name, Flags: FlagAlloc | FlagWrite | FlagNoBits, Align: align, Size: s.Size})
		c := *s
		c.Section, c.Value, c.Binding = len(out.Sections)-1, 0, BindWeak
		out.Symbols[i] = &c
	}
	return &out
}
