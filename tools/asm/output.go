package asm

import (
	"fmt"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// The outputs: a flat binary, a relocatable object, a listing.

// binary lays out -f bin output as nasm's bin format does (binsections.go):
// progbits sections at their start addresses minus the origin, gaps
// zero-filled, nobits sections not written, and every relocation
// resolved against the run addresses (vstart) of labels and the load
// addresses of section.NAME.start (an external symbol was already an
// error).
func (a *assembler) binary() ([]byte, Errors) {
	order, err := a.layoutBin()
	if err != nil {
		return nil, Errors{{Pos: pp.Pos{File: a.files[0]}, Msg: err.Error()}}
	}
	var errs Errors
	base := map[string]int64{}
	for _, s := range a.secs {
		if !s.absolute {
			base[s.key] = int64(s.bin.vstart)
			base[startKey(s)] = int64(s.bin.start)
		}
	}
	base[""] = 0 // plain addresses (`call 0x1000`)
	for _, s := range a.secs {
		for k, r := range s.relocs {
			st := s.relStmt[k]
			b, ok := base[s.relSym[k]]
			if !ok {
				errs = append(errs, Diag{Pos: st.pos, Note: st.macroNote(), Msg: fmt.Sprintf("binary output format does not support external references (`%s')", s.relSym[k])})
				continue
			}
			v := b + r.Addend
			if r.Kind == obj.RelocPCRel {
				v -= int64(s.bin.vstart) + int64(r.Offset)
			}
			if !fits(v, int(r.Size)) && st.kind == sInst && !(r.Kind == obj.RelocPCRel && s.relSym[k] == "") {
				// nasm warns and truncates an instruction's field; data
				// directives are truncated silently, and so is a branch
				// to a plain number (`jmp short 0x1000', `loop 0x1000').
				a.warns = append(a.warns, Diag{Pos: st.pos, Note: st.macroNote(), Warning: true, Class: "number-overflow", Seq: st.line + 1,
					Msg: fmt.Sprintf("%s data exceeds bounds", map[uint8]string{1: "byte", 2: "word", 4: "dword"}[r.Size])})
			}
			if s.flags&obj.FlagNoBits == 0 {
				putLE(s.data[r.Offset:r.Offset+uint64(r.Size)], v, int(r.Size))
			}
		}
	}
	var out []byte
	addr := a.binOrigin
	for _, s := range order {
		if s.size == 0 {
			continue
		}
		if s.bin.start < addr {
			return nil, Errors{{Pos: pp.Pos{File: a.files[0]}, Msg: fmt.Sprintf("section `%s' starts before the end of the one before it", s.name)}}
		}
		if pad := s.bin.start - addr; pad > 0 {
			if int64(len(out))+int64(pad) > a.lim.Output {
				return nil, Errors{{Pos: pp.Pos{File: a.files[0]}, Msg: fmt.Sprintf("the gap before section `%s' takes the output over the limit of %d bytes (--limit-output)", s.name, a.lim.Output)}}
			}
			out = append(out, make([]byte, pad)...)
		}
		out = append(out, s.data...)
		addr = s.bin.start + uint64(s.size)
	}
	return out, errs
}

// fits applies nasm's bound for an n-byte field: -2^(8n) .. 2^(8n)-1.
func fits(v int64, n int) bool {
	if n >= 8 {
		return true
	}
	lim := int64(1) << uint(8*n)
	return v >= -lim && v < lim
}

// object builds the relocatable object: one section symbol per section
// (relocations against local labels use it, as nasm does), local labels,
// then globals and externs in declaration order. Labels in `absolute`
// space (struc fields) are absolute symbols.
func (a *assembler) object(path string) (*obj.File, Errors) {
	var errs, late Errors
	f := &obj.File{Name: filepath.Base(path), Arch: obj.ArchAMD64}
	if a.format == "elf32" {
		f.Arch = obj.ArchI386
	}
	index := map[string]int{}
	secIdx := a.objectSections()
	for i, s := range a.secs {
		if s.absolute {
			secIdx[i] = obj.SectionAbs
			continue
		}
		if secIdx[i] < 0 {
			continue
		}
		os := &obj.Section{Name: s.name, Flags: s.flags, Align: s.align, Size: uint64(s.size)}
		if s.flags&obj.FlagNoBits == 0 {
			os.Data = append([]byte{}, s.data...)
		}
		f.Sections = append(f.Sections, os)
		index[s.key] = len(f.Symbols)
		f.Symbols = append(f.Symbols, &obj.Symbol{Name: s.name, Section: secIdx[i], Kind: obj.KindSection, Binding: obj.BindLocal})
	}
	// A PC-relative reference to a plain address (`call 0x1000`) is, as
	// nasm writes it, relocated against no symbol in ELF32; in ELF64 nasm
	// writes no relocation but the addend in place.
	plainInPlace := a.format == "elf64"
	index[""] = obj.NoSymbol
	label := func(s *symbol, bind obj.Binding) *obj.Symbol {
		rs, off := a.place(s.sec, s.off)
		sec := secIdx[rs]
		v := uint64(off)
		if sec == obj.SectionAbs {
			v = uint64(a.secs[rs].absBase + off)
		}
		return &obj.Symbol{Name: a.symbolName(s), Section: sec, Value: v, Binding: bind}
	}
	add := func(s *symbol, os *obj.Symbol) {
		a.applyAttrs(s, os, &errs, &late)
		f.Symbols = append(f.Symbols, os)
	}
	// Locals in the order the source defines them, as nasm writes them:
	// labels (macro-local `..@` ones too) and equ names alike.
	var locals []*symbol
	for _, s := range a.symOrder {
		if !s.global && (s.kind == symLabel || s.kind == symEqu && s.val != nil) {
			locals = append(locals, s)
		}
	}
	sort.SliceStable(locals, func(i, j int) bool { return locals[i].defSeq < locals[j].defSeq })
	for _, s := range locals {
		if s.kind == symLabel {
			add(s, label(s, obj.BindLocal))
		} else {
			add(s, a.equSymbol(s, secIdx, obj.BindLocal))
		}
	}
	for _, s := range a.symOrder {
		if d := s.externAfter; d != nil && a.externMoves(s) {
			note := d.Note
			if note == "" {
				note = fmt.Sprintf("%s: info: label `%s' originally defined here", s.pos, s.name)
			}
			errs = append(errs, Diag{Pos: d.Pos, Note: note, Seq: d.Seq, Msg: fmt.Sprintf("label `%s' inconsistently redefined", s.name)})
		}
		switch {
		case s.kind == symExtern && (s.used || s.required):
			index[s.name] = len(f.Symbols)
			add(s, &obj.Symbol{Name: a.symbolName(s), Section: obj.SectionUndef, Binding: obj.BindGlobal})
		case s.kind == symCommon:
			index[s.name] = len(f.Symbols)
			os := &obj.Symbol{Name: a.symbolName(s), Section: obj.SectionCommon, Size: uint64(s.commonSize), Binding: obj.BindGlobal}
			if s.attrs != nil {
				os.Value = uint64(s.attrs.align)
			}
			add(s, os)
		case !s.global:
		case s.kind == symLabel:
			add(s, label(s, obj.BindGlobal))
		case s.kind == symEqu && s.val != nil:
			os := a.equSymbol(s, secIdx, obj.BindGlobal)
			if os.Section == obj.SectionUndef {
				// nasm then relocates references to the external
				// against this name instead.
				errs = append(errs, Diag{Pos: s.pos, Msg: fmt.Sprintf("global `%s' equated to an external symbol is not supported", s.name), Seq: s.defSeq})
				continue
			}
			add(s, os)
		}
	}
	for i, s := range a.secs {
		for k, r := range s.relocs {
			if s.relSym[k] == "" && plainInPlace {
				if d := f.Sections[secIdx[i]].Data; d != nil {
					putLE(d[r.Offset:r.Offset+uint64(r.Size)], r.Addend, int(r.Size))
				}
				continue
			}
			r.Symbol = index[s.relSym[k]]
			f.Sections[secIdx[i]].Relocs = append(f.Sections[secIdx[i]].Relocs, r)
		}
	}
	errs = append(errs, a.resolveGsyms(f, secIdx, index)...)
	if len(errs) == 0 {
		errs = late
	}
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Seq < errs[j].Seq })
	return f, errs
}

// externMoves reports whether an `extern` after s's definition gives it
// another value in nasm: offset 0 of its section (absolute 0 for a
// number).
func (a *assembler) externMoves(s *symbol) bool {
	switch {
	case s.kind == symLabel:
		rs, off := a.place(s.sec, s.off)
		if a.secs[rs].absolute {
			return a.secs[rs].absBase+off != 0
		}
		return off != 0
	case s.kind == symEqu && s.val != nil:
		return s.val.Const != 0 || len(s.val.Terms) > 1
	}
	return false
}

// equSymbol is the symbol nasm writes for an equ name: in the section
// (or external) its value counts once, at its offset part, or absolute
// when nothing counts once (a constant, a difference, `-$`, `lbl*2`).
// nasm writes a name equated to an external as an undefined symbol of
// value 0, local or global as the name is.
func (a *assembler) equSymbol(s *symbol, secIdx []int, bind obj.Binding) *obj.Symbol {
	os := &obj.Symbol{Name: a.symbolName(s), Section: obj.SectionAbs, Value: uint64(s.val.Const), Binding: bind}
	for _, t := range s.val.Terms {
		if t.Coef != 1 {
			continue
		}
		os.Section, os.Value = obj.SectionUndef, 0
		for i, sec := range a.secs {
			if sec.key == t.Sym && secIdx[i] >= 0 {
				os.Section, os.Value = secIdx[i], uint64(s.val.Const)
			}
		}
		break
	}
	return os
}

// objectSections numbers the sections the object has: -1 for those it
// leaves out. Absolute spaces are not sections, and, as nasm does, the
// .text a source has without saying so (it starts before any section
// directive) is left out when nothing went into it: no byte, no label,
// nothing refers to it.
func (a *assembler) objectSections() []int {
	idx := make([]int, len(a.secs))
	n := 0
	for i, s := range a.secs {
		idx[i] = -1
		if !s.absolute && !a.unusedDefaultText(i) {
			idx[i] = n
			n++
		}
	}
	return idx
}

func (a *assembler) unusedDefaultText(i int) bool {
	s := a.secs[i]
	if s.name != ".text" || s.declared || s.size != 0 {
		return false
	}
	for _, sym := range a.symOrder {
		switch {
		case sym.kind == symLabel && sym.sec == i:
			return false
		case sym.kind == symEqu && sym.val != nil:
			for _, t := range sym.val.Terms {
				if t.Sym == s.key {
					return false
				}
			}
		}
	}
	for _, other := range a.secs {
		for _, k := range other.relSym {
			if k == s.key {
				return false
			}
		}
	}
	return true
}

// symbolName is a symbol's name in the object, with nasm's decorations:
// --gprefix/--gpostfix on global, extern and static symbols,
// --lprefix/--lpostfix on the others.
func (a *assembler) symbolName(s *symbol) string {
	if s.global || s.static || s.kind == symExtern || s.kind == symCommon {
		return a.opts.GlobalPrefix + s.name + a.opts.GlobalSuffix
	}
	return a.opts.LocalPrefix + s.name + a.opts.LocalSuffix
}

// listing renders one row per preprocessed line, like nasm -l: the source
// line number, then for each statement its offset and bytes (at most 10 a
// row, continued on following rows) or the reserved size.
func (a *assembler) listing(lines []pp.Line) []byte {
	var b strings.Builder
	byLine := map[int][]*stmt{}
	for _, st := range a.stmts {
		byLine[st.line] = append(byLine[st.line], st)
	}
	for i, l := range lines {
		text := lex.Join(l.Toks)
		if l.Macro != "" {
			text = "<1> " + text
		}
		printed := false
		for _, st := range byLine[i] {
			if st.size == 0 && st.kind != sNone {
				continue
			}
			sec := a.secs[st.sec]
			if st.size == 0 {
				continue
			}
			if sec.flags&obj.FlagNoBits != 0 || sec.absolute {
				fmt.Fprintf(&b, "%6d %08X <res %X>%*s%s\n", l.Pos.Line, st.start, st.size, 10, "", text)
				printed = true
				continue
			}
			data := sec.data[st.start : st.start+st.size]
			for k := 0; k < len(data); k += 10 {
				end := min(k+10, len(data))
				src := ""
				if k == 0 {
					src = text
				}
				fmt.Fprintf(&b, "%6d %08X %-20X %s\n", l.Pos.Line, st.start+int64(k), data[k:end], src)
			}
			printed = true
			text = ""
		}
		if !printed {
			fmt.Fprintf(&b, "%6d %-29s %s\n", l.Pos.Line, "", text)
		}
	}
	return []byte(b.String())
}
