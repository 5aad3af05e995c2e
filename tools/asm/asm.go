// Package asm is the NASM-syntax assembler front end: it preprocesses a
// source file (package pp), parses statements, evaluates expressions over
// as many passes as jump sizes need to settle, encodes instructions with
// package x86, and produces either a relocatable object (obj.File, written
// as ELF by package elf) or a flat binary (-f bin).
//
// Conventions shared with the encoder and the object writer:
//   - x86.Value.Sym for a label is "[" + section name + "]" (a name no
//     identifier can take); for an external symbol it is the symbol's name.
//     Relocations against local or global labels use the section symbol,
//     as nasm does; obj.File.Symbols starts with one KindSection symbol per
//     section, then local labels, then globals and externs.
//   - Relocated fields hold zeros in Section.Data; the addend is in Reloc.
//   - `$` is the address where the statement's line starts (for every data
//     item and every `times` copy), as in nasm.
//
// Not supported, with a clear error: SEG and WRT (except `wrt ..plt`),
// `common`, far pointers, dt/do/dy/dz and floats outside dw/dd/dq,
// %ifenv and %use; instructions the encoder does not know (SSE, x87...).
package asm

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// Diag is an error or warning with nasm's `file:line: error: msg` form.
type Diag = pp.Diag

// Options configure Assemble.
type Options struct {
	// Format is "bin" (nasm's default), "elf32", "elf64", or "elf": elf32
	// if the first BITS directive says 32, elf64 otherwise (what `tiny
	// build` uses when -m is not given). Empty means "bin".
	Format string
	// IncludeDirs are searched after the current directory, like nasm -I.
	IncludeDirs []string
	// Defines are -D arguments, NAME or NAME=VALUE.
	Defines []string
	// Bits overrides the initial BITS (default: 16 for bin, 32 for elf32,
	// 64 for elf64, as nasm).
	Bits int
	// Listing asks for Result.Listing, a nasm-like listing file.
	Listing bool
	// Debug asks for DWARF debugging information in ELF objects (nasm's
	// -g -F dwarf): a line table giving each instruction and data item
	// the source position nasm gives it. It is ignored for bin.
	Debug bool
	// DebugCompDir is the compilation directory written with Debug; ""
	// means ".", so that the object does not depend on where it was
	// built (nasm writes the working directory).
	DebugCompDir string
	// ReadFile reads the source and include files; nil means os.ReadFile.
	// Paths are passed as written (relative to the current directory).
	ReadFile func(name string) ([]byte, error)
}

// Result is what Assemble produces.
type Result struct {
	Format   string    // the format actually used ("bin", "elf32", "elf64")
	Object   *obj.File // for elf32/elf64
	Binary   []byte    // for bin
	Files    []string  // every file read: the source first, then includes and incbins
	Warnings []Diag
	// FirstBits is the first BITS/USE directive's value, 0 if none.
	FirstBits int
	// Listing is the listing text when Options.Listing is set: source
	// line number, offset in the section, bytes (relocated fields as
	// assembled, before linking) and the preprocessed line.
	Listing []byte
}

// Errors is the error Assemble returns: every error found, in source order.
type Errors []Diag

func (e Errors) Error() string {
	var b strings.Builder
	for i, d := range e {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(d.String())
	}
	return b.String()
}

// MaxErrors caps how many errors one run reports.
const MaxErrors = 50

// Assemble assembles the file at path. On failure it returns a Result
// (with Files and Warnings filled in as far as known) and an Errors value.
func Assemble(path string, opts Options) (*Result, error) {
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	format := opts.Format
	if format == "" {
		format = "bin"
	}
	switch format {
	case "bin", "elf32", "elf64", "elf":
	default:
		return &Result{}, Errors{{Pos: pp.Pos{File: "command line"}, Msg: fmt.Sprintf("unrecognised output format `%s'", format)}}
	}
	ppr := pp.Preprocess(path, pp.Options{IncludeDirs: opts.IncludeDirs, Defines: opts.Defines, ReadFile: opts.ReadFile})
	res := &Result{Files: ppr.Files}
	var errs Errors
	for _, d := range ppr.Diags {
		if d.Warning {
			res.Warnings = append(res.Warnings, d)
		} else {
			errs = append(errs, d)
		}
	}
	if format == "elf" {
		format = "elf64"
		for _, l := range ppr.Lines {
			if b := firstBits(l); b != 0 {
				if b == 32 {
					format = "elf32"
				}
				break
			}
		}
	}
	res.Format = format
	a := &assembler{opts: opts, format: format, syms: map[string]*symbol{}, files: ppr.Files}
	if len(a.files) == 0 {
		a.files = []string{path}
	}
	bits := opts.Bits
	if bits == 0 {
		bits = map[string]int{"bin": 16, "elf32": 32, "elf64": 64}[format]
	}
	a.p = &parser{a: a, sec: -1, mode: bits}
	for i, l := range ppr.Lines {
		// Diagnostics found before line i was produced sort before it.
		a.lineSeq = i + 1
		if opts.Debug {
			a.srcs = append(a.srcs, l.Src)
		}
		a.p.line(l)
		if !opts.Listing {
			// Statements keep what they need: a line's tokens can go once
			// it is parsed (only the listing reads them again).
			ppr.Lines[i] = pp.Line{}
		}
	}
	if !opts.Listing {
		ppr.Lines = nil
	}
	res.FirstBits = a.firstBits
	res.Files = a.files
	errs = append(errs, a.diags...)
	res.Warnings = append(res.Warnings, a.warns...)
	// Preprocessor and parser messages interleave in source order.
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Seq < errs[j].Seq })
	sort.SliceStable(res.Warnings, func(i, j int) bool { return res.Warnings[i].Seq < res.Warnings[j].Seq })
	ran := false
	if len(errs) == 0 {
		a.diags = nil
		a.warns = nil
		a.run()
		ran = true
		errs = append(errs, a.diags...)
		res.Warnings = append(res.Warnings, a.warns...)
		sort.SliceStable(res.Warnings, func(i, j int) bool { return res.Warnings[i].Seq < res.Warnings[j].Seq })
	}
	if len(errs) == 0 {
		if format == "bin" {
			a.warns = nil
			res.Binary, errs = a.binary()
			res.Warnings = append(res.Warnings, a.warns...)
			sort.SliceStable(res.Warnings, func(i, j int) bool { return res.Warnings[i].Seq < res.Warnings[j].Seq })
		} else {
			res.Object = a.object(path)
			if opts.Debug {
				if err := a.debugInfo(res.Object, path); err != nil {
					errs = append(errs, Diag{Pos: pp.Pos{File: path}, Msg: err.Error()})
				}
			}
		}
	}
	if ran && opts.Listing {
		// Like nasm, a listing is written even when the final pass has
		// errors: it shows where things ended up.
		res.Listing = a.listing(ppr.Lines)
	}
	if len(errs) > 0 {
		res.Binary, res.Object = nil, nil
		if len(errs) > MaxErrors {
			errs = errs[:MaxErrors]
		}
		return res, errs
	}
	return res, nil
}

// firstBits recognizes `bits N`, `[bits N]` and useN in a preprocessed line.
func firstBits(l pp.Line) int {
	t := l.Toks
	if len(t) > 0 && t[0].Is("[") {
		t = t[1:]
	}
	if len(t) == 0 {
		return 0
	}
	switch lower(t[0]) {
	case "bits":
		if len(t) > 1 {
			return int(t[1].Val)
		}
	case "use16":
		return 16
	case "use32":
		return 32
	case "use64":
		return 64
	}
	return 0
}

// binary lays out -f bin output: sections at their addresses, gaps
// zero-filled, nobits sections not written, and every relocation resolved
// (an external symbol was already an error).
func (a *assembler) binary() ([]byte, Errors) {
	a.layoutBin()
	var errs Errors
	base := map[string]int64{}
	for _, s := range a.secs {
		if !s.absolute {
			base[s.key] = s.start
		}
	}
	base[""] = 0 // plain addresses (`call 0x1000`)
	for _, s := range a.secs {
		for k, r := range s.relocs {
			st := s.relStmt[k]
			b, ok := base[s.relSym[k]]
			if !ok {
				errs = append(errs, Diag{Pos: st.pos, Note: st.note, Msg: fmt.Sprintf("binary output format does not support external references (`%s')", s.relSym[k])})
				continue
			}
			v := b + r.Addend
			if r.Kind == obj.RelocPCRel {
				v -= s.start + int64(r.Offset)
			}
			if !fits(v, int(r.Size)) && st.kind == sInst {
				// nasm warns and truncates an instruction's field; data
				// directives are truncated silently.
				a.warns = append(a.warns, Diag{Pos: st.pos, Note: st.note, Warning: true, Seq: st.line + 1,
					Msg: fmt.Sprintf("%s data exceeds bounds", map[uint8]string{1: "byte", 2: "word", 4: "dword"}[r.Size])})
			}
			if s.flags&obj.FlagNoBits == 0 {
				putLE(s.data[r.Offset:r.Offset+uint64(r.Size)], v, int(r.Size))
			}
		}
	}
	var out []byte
	for _, i := range a.binOrder() {
		s := a.secs[i]
		if s.flags&obj.FlagNoBits != 0 {
			continue
		}
		off := s.start - a.org
		if off > int64(len(out)) {
			out = append(out, make([]byte, off-int64(len(out)))...)
		}
		out = append(out[:off], s.data...)
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
func (a *assembler) object(path string) *obj.File {
	f := &obj.File{Name: filepath.Base(path), Arch: obj.ArchAMD64}
	if a.format == "elf32" {
		f.Arch = obj.ArchI386
	}
	index := map[string]int{}
	secIdx := make([]int, len(a.secs))
	for i, s := range a.secs {
		if s.absolute {
			secIdx[i] = obj.SectionAbs
			continue
		}
		os := &obj.Section{Name: s.name, Flags: s.flags, Align: s.align, Size: uint64(s.size)}
		if s.flags&obj.FlagNoBits == 0 {
			os.Data = append([]byte{}, s.data...)
		}
		secIdx[i] = len(f.Sections)
		f.Sections = append(f.Sections, os)
		index[s.key] = len(f.Symbols)
		f.Symbols = append(f.Symbols, &obj.Symbol{Name: s.name, Section: secIdx[i], Kind: obj.KindSection, Binding: obj.BindLocal})
	}
	// A PC-relative reference to a plain address (`call 0x1000`) is
	// relocated against an absolute zero symbol, like nasm's *ABS*.
	for _, s := range a.secs {
		for _, k := range s.relSym {
			if k == "" {
				if _, ok := index[""]; !ok {
					index[""] = len(f.Symbols)
					f.Symbols = append(f.Symbols, &obj.Symbol{Name: "", Section: obj.SectionAbs, Binding: obj.BindLocal})
				}
			}
		}
	}
	label := func(s *symbol, bind obj.Binding) *obj.Symbol {
		sec := secIdx[s.sec]
		v := uint64(s.off)
		if sec == obj.SectionAbs {
			v = uint64(a.secs[s.sec].absBase + s.off)
		}
		return &obj.Symbol{Name: s.name, Section: sec, Value: v, Binding: bind}
	}
	for _, s := range a.symOrder {
		if s.global || s.kind != symLabel || strings.HasPrefix(s.name, "..@") {
			continue
		}
		f.Symbols = append(f.Symbols, label(s, obj.BindLocal))
	}
	for _, s := range a.symOrder {
		switch {
		case s.kind == symExtern:
			index[s.name] = len(f.Symbols)
			f.Symbols = append(f.Symbols, &obj.Symbol{Name: s.name, Section: obj.SectionUndef, Binding: obj.BindGlobal})
		case !s.global:
		case s.kind == symLabel:
			f.Symbols = append(f.Symbols, label(s, obj.BindGlobal))
		case s.kind == symEqu && s.val.Simple():
			f.Symbols = append(f.Symbols, &obj.Symbol{Name: s.name, Section: obj.SectionAbs, Value: uint64(s.val.Const), Binding: obj.BindGlobal})
		case s.kind == symEqu && len(s.val.Terms) == 1 && s.val.Terms[0].Coef == 1:
			// A global equ of a label: a symbol in that label's section.
			for i, sec := range a.secs {
				if sec.key == s.val.Terms[0].Sym && !sec.absolute {
					f.Symbols = append(f.Symbols, &obj.Symbol{Name: s.name, Section: secIdx[i], Value: uint64(s.val.Const), Binding: obj.BindGlobal})
				}
			}
		}
	}
	for i, s := range a.secs {
		for k, r := range s.relocs {
			r.Symbol = index[s.relSym[k]]
			f.Sections[secIdx[i]].Relocs = append(f.Sections[secIdx[i]].Relocs, r)
		}
	}
	return f
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
