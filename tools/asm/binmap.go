package asm

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// -f bin's map file, as nasm's bin format writes it: `[map WHAT... [FILE]]`
// asks for the origin, a summary of the sections, their details and the
// symbols, to a file, stdout or stderr.

type mapParts uint8

const (
	mapOrigin mapParts = 1 << iota
	mapSummary
	mapSections
	mapSymbols
)

var mapKeywords = map[string]mapParts{
	"all":      mapOrigin | mapSummary | mapSections | mapSymbols,
	"brief":    mapOrigin | mapSummary,
	"sections": mapOrigin | mapSummary | mapSections,
	"segments": mapOrigin | mapSummary | mapSections,
	"symbols":  mapSymbols,
}

// mapDirective is `map`: the words are keywords or, the first time, where
// the map goes; several directives add up.
func (p *parser) mapDirective(_ string, args []lex.Token) {
	a := p.a
	if a.format != "bin" {
		p.errorf("unrecognized directive [map]")
		return
	}
	for _, w := range strings.Fields(lex.Join(args)) {
		if parts, ok := mapKeywords[strings.ToLower(w)]; ok {
			a.mapWhat |= parts
			continue
		}
		if a.mapTo != "" {
			a.warnf(p.pos, "map file already specified")
			continue
		}
		a.mapTo = w
		if low := strings.ToLower(w); low == "stdout" || low == "stderr" {
			a.mapTo = low
		}
	}
	if a.mapWhat == 0 {
		a.mapWhat = mapOrigin | mapSummary
	}
	if a.mapTo == "" {
		a.mapTo = "stdout"
	}
}

// binMap renders the map once the sections are laid out.
func (a *assembler) binMap(path string) []byte {
	var b strings.Builder
	rule := func(title string, width int) {
		b.WriteString(title + " " + strings.Repeat("-", width) + "\n\n")
	}
	b.WriteString("\n- NASM Map file " + strings.Repeat("-", 63) + "\n\n")
	fmt.Fprintf(&b, "Source file:  %s\nOutput file:  %s\n\n", path, a.opts.OutputName)
	secs := a.binList
	if a.mapWhat&mapOrigin != 0 {
		rule("-- Program origin", 61)
		fmt.Fprintf(&b, "%08X\n\n", a.binOrigin)
	}
	class := func(s *section) string {
		if s.bin.flags&binProgbits != 0 {
			return "progbits"
		}
		return "nobits"
	}
	if a.mapWhat&mapSummary != 0 {
		rule("-- Sections (summary)", 57)
		b.WriteString("Vstart            Start             Stop              Length    Class     Name\n")
		for _, s := range secs {
			fmt.Fprintf(&b, "%16X  %16X  %16X  %08X  %-8s  %s\n", s.bin.vstart, s.bin.start, s.bin.start+uint64(s.size), s.size, class(s), s.name)
		}
		b.WriteString("\n")
	}
	if a.mapWhat&mapSections != 0 {
		rule("-- Sections (detailed)", 56)
		for _, s := range secs {
			dashes := 0
			if len(s.name) < 65 {
				dashes = 65 - len(s.name)
			}
			b.WriteString("---- Section " + s.name + " " + strings.Repeat("-", dashes) + "\n\n")
			fmt.Fprintf(&b, "class:     %s\nlength:    %16X\nstart:     %16X\nalign:     %s\nfollows:   %s\nvstart:    %16X\nvalign:    %s\nvfollows:  %s\n\n",
				class(s), s.size, s.bin.start, mapNumber(s.bin.flags&binAlign != 0, s.bin.align), mapName(s.bin.flags&binFollows != 0, s.bin.follows),
				s.bin.vstart, mapNumber(s.bin.flags&binVAlign != 0, s.bin.valign), mapName(s.bin.flags&binVFollows != 0, s.bin.vfollows))
		}
	}
	if a.mapWhat&mapSymbols != 0 {
		rule("-- Symbols", 68)
		a.mapSymbols(&b, secs)
	}
	return []byte(b.String())
}

func mapNumber(defined bool, v uint64) string {
	if !defined {
		return "not defined"
	}
	return fmt.Sprintf("%16X", v)
}

func mapName(defined bool, name string) string {
	if !defined {
		return "not defined"
	}
	return name
}

// mapSymbols lists the symbols in the order they are defined: those with
// a plain value (equ constants, struc fields) apart, then each section's.
func (a *assembler) mapSymbols(b *strings.Builder, secs []*section) {
	type entry struct {
		name string
		off  int64
	}
	bySec := map[*section][]entry{}
	var plain []entry
	for _, st := range a.stmts {
		if st.label == "" {
			continue
		}
		s := a.syms[st.label]
		if s == nil || s.pos != st.pos {
			continue
		}
		switch {
		case s.kind == symLabel:
			rs, off := a.place(s.sec, s.off)
			if a.secs[rs].absolute {
				plain = append(plain, entry{s.name, a.secs[rs].absBase + off})
			} else {
				bySec[a.secs[rs]] = append(bySec[a.secs[rs]], entry{s.name, off})
			}
		case s.kind == symEqu && s.val != nil && s.val.Simple():
			plain = append(plain, entry{s.name, s.val.Const})
		case s.kind == symEqu && s.val != nil && len(s.val.Terms) == 1 && s.val.Terms[0].Coef == 1:
			for _, sec := range a.secs {
				if sec.key == s.val.Terms[0].Sym && !sec.absolute {
					bySec[sec] = append(bySec[sec], entry{s.name, s.val.Const})
				}
			}
		}
	}
	if len(plain) > 0 {
		b.WriteString("---- No Section " + strings.Repeat("-", 63) + "\n\nValue     Name\n")
		for _, e := range plain {
			fmt.Fprintf(b, "%08X  %s\n", uint64(e.off), e.name)
		}
		b.WriteString("\n\n")
	}
	for _, s := range secs {
		list := bySec[s]
		if len(list) == 0 {
			continue
		}
		b.WriteString("---- Section " + s.name + " " + strings.Repeat("-", max(65-len(s.name), 0)) + "\n\nReal              Virtual           Name\n")
		for _, e := range list {
			fmt.Fprintf(b, "%16X  %16X  %s\n", s.bin.start+uint64(e.off), s.bin.vstart+uint64(e.off), e.name)
		}
		b.WriteString("\n")
	}
}
