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
// Layout: parse.go reads lines into statements (statement keywords in
// its table), operand.go their operands, directives.go dispatches the
// assembler directives to sections.go, symbols.go and struc.go;
// assemble.go runs the passes, data.go, float.go and inst.go emit the
// statements, output.go writes the results and debug.go the line table
// of -g; binsections.go is -f bin's section model and binmap.go its map
// file; preprocess.go runs the preprocessor alone (nasm -E and -M, whose
// command line is package nasmcmd).
//
// Not supported, with a clear error: SEG, WRT other than the ELF
// formats' `..got' family (wrt.go),
// %ifenv, %use masm, a recursive
// %rmacro call; instructions the encoder does
// not know (AVX-512...).
package asm

import (
	"fmt"
	"sort"
	"strings"
	"time"

	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/obj"
	"github.com/rules-tiny/rules_tiny/tools/x86"
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
	// ReadFile reads the source, include and incbin files; nil means
	// ReadFile (this package's), which reads only regular files and, for
	// incbin, only the part asked for. Paths are passed as written
	// (relative to the current directory).
	ReadFile func(name string) ([]byte, error)
	// Limits bound the work (see Limits); nil means DefaultLimits().
	Limits *Limits
	// Source, if not nil, is the contents of the file at path, already
	// read by the caller; includes and incbins are still read by ReadFile.
	Source []byte
	// FormatName is nasm's name for the format asked for, if it is not
	// Format: `-f elf` is elf32 named "elf" (__OUTPUT_FORMAT__).
	FormatName string
	// Before are source lines run before the file, after Defines: nasm's
	// -D, -U, -P, --pragma and --before, in command-line order, as
	// preprocessor lines (see pp.Options.Before).
	Before []string
	// NoLine ignores %line directives (nasm --no-line).
	NoLine bool
	// GlobalPrefix and GlobalSuffix decorate the names of global, extern
	// and static symbols in objects, LocalPrefix and LocalSuffix those of
	// other labels (nasm --gprefix, --gpostfix, --lprefix, --lpostfix).
	GlobalPrefix, GlobalSuffix, LocalPrefix, LocalSuffix string
	// OutputName is the output file's name, as -f bin's map file shows it.
	OutputName string
	// Optimize is nasm's -O level: x86.OptFull (the zero value) is -Ox,
	// nasm's default; x86.OptMinimal is -O1, x86.OptNone -O0. It
	// changes the immediate and jump forms instructions take.
	Optimize x86.Opt
	// BuildTime is the time __DATE__, __TIME__ and the like give (in
	// UTC); nil makes using them an error. The CLI takes it from
	// SOURCE_DATE_EPOCH, never from the clock.
	BuildTime *time.Time
}

// ReadFile reads a source or include file the way Assemble does by
// default: a regular file only (a FIFO, device, socket or directory is
// an error before anything is read), of bounded size.
func ReadFile(name string) ([]byte, error) { return pp.ReadFile(name) }

// Result is what Assemble produces.
type Result struct {
	Format   string    // the format actually used ("bin", "elf32", "elf64")
	Object   *obj.File // for elf32/elf64
	Binary   []byte    // for bin
	Files    []string  // every file read: the source first, then includes and incbins
	Incbins  []string  // the incbin files, as found, in source order
	Warnings []Diag
	// FirstBits is the first BITS/USE directive's value, 0 if none.
	FirstBits int
	// Passes is how many passes over the statements it took for every
	// label to keep its value.
	Passes int
	// Map is the map file a -f bin source asks for with [map ...], and
	// MapTo where it goes: "stdout", "stderr" or a file name.
	Map   []byte
	MapTo string
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
	lim := DefaultLimits()
	if opts.Limits != nil {
		lim = *opts.Limits
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
	// See pppass.go: most sources are assembled once.
	var prev []int64
	for round := 1; ; round++ {
		res, a, err := assembleOnce(path, opts, lim, format, prev)
		if len(a.ppQueries) == 0 {
			return res, err
		}
		offs, settled := a.ppSettled()
		if settled {
			return res, err
		}
		if round >= maxPPRounds {
			res.Binary, res.Object = nil, nil
			return res, Errors{ppUnsettled(path)}
		}
		prev = offs
	}
}

// assembleOnce preprocesses and assembles the file once; the
// preprocessor is given prev for `$' and labels (pppass.go).
func assembleOnce(path string, opts Options, lim Limits, format string, prev []int64) (*Result, *assembler, error) {
	a := &assembler{opts: opts, lim: lim, format: format, syms: map[string]*symbol{}, autoFormat: format == "elf" && opts.FormatName == "", ppPrev: prev}
	for k := range a.mangleSet {
		a.mangleSet[k] = *a.mangle(k) != "" // the command line's come first
	}
	a.p = &parser{a: a, sec: -1, mode: initialBits(opts.Bits, format)}
	// Lines are parsed as the preprocessor produces them, and dropped
	// once parsed: statements keep what they need (only the listing
	// reads the lines again).
	var lines []pp.Line
	ppr := pp.Preprocess(path, pp.Options{IncludeDirs: opts.IncludeDirs, Defines: opts.Defines, ReadFile: opts.ReadFile,
		Limits: &lim.Limits, Source: opts.Source, Predefines: a.predefines(), Builtin: a.builtin, Symbol: a.symbolValue, FloatMode: a.p.floatMode, Assembly: ppEnv{a}, FormatMacros: formatMacros(format),
		Before: opts.Before, NoLine: opts.NoLine, EmitPragmas: true,
		EmitNumbered: func(l pp.Line, next int) int {
			// Diagnostics found before line i was produced sort before it.
			a.lineSeq++
			if opts.Debug {
				a.srcs = append(a.srcs, l.Src)
			}
			used := StdMacroNumbers(l.Toks, a.format, !a.p.sectAlignOff)
			a.p.nextNumber = next
			a.p.line(l)
			if opts.Listing {
				lines = append(lines, l)
			}
			return used
		}})
	a.p.floatModeEnd()
	if a.format == "elf" {
		a.resolveELF(64) // no BITS directive
	}
	if a.format == "bin" {
		a.sectionIndex(".text", pp.Pos{File: path}) // nasm's bin format always has it
	}
	res := &Result{Format: a.format, FirstBits: a.firstBits}
	res.Incbins = a.incbins
	res.Files = append(ppr.Files, a.incbins...)
	if len(ppr.Files) == 0 {
		res.Files = append([]string{path}, a.incbins...)
	}
	a.files = res.Files
	var errs Errors
	for _, d := range ppr.Diags {
		if d.Warning {
			res.Warnings = append(res.Warnings, d)
		} else {
			errs = append(errs, d)
		}
	}
	errs = append(errs, a.diags...)
	res.Warnings = append(res.Warnings, a.warns...)
	// Preprocessor and parser messages interleave in source order.
	sort.SliceStable(errs, func(i, j int) bool { return errs[i].Seq < errs[j].Seq })
	res.sortWarnings()
	ran := len(errs) == 0
	if ran {
		errs = a.assemble(res, path)
	} else if len(a.ppQueries) > 0 {
		a.run() // for the layout the preprocessor's values come from
	}
	if ran && opts.Listing {
		// Like nasm, a listing is written even when the final pass has
		// errors: it shows where things ended up.
		res.Listing = a.listing(lines)
	}
	if len(errs) > 0 {
		res.Binary, res.Object = nil, nil
		if len(errs) > MaxErrors {
			errs = errs[:MaxErrors]
		}
		return res, a, errs
	}
	return res, a, nil
}

// initialBits is the BITS a source starts in: as asked, else nasm's
// default for the format. For -f elf it is not known until the first
// BITS directive (0 until then, see resolveELF).
func initialBits(bits int, format string) int {
	if bits != 0 {
		return bits
	}
	return map[string]int{"bin": 16, "elf32": 32, "elf64": 64}[format]
}

// resolveELF decides -f elf's format once the first BITS directive (bits)
// is known: elf32 for BITS 32, elf64 otherwise. Statements parsed before
// it get that format's initial BITS.
func (a *assembler) resolveELF(bits int) {
	a.format = "elf64"
	if bits == 32 {
		a.format = "elf32"
	}
	mode := initialBits(a.opts.Bits, a.format)
	for _, st := range a.stmts {
		if st.mode == 0 {
			st.mode = mode
		}
		if f := st.fillStmt(); f != nil && f.mode == 0 {
			f.mode = mode
		}
	}
	if a.p.mode == 0 {
		a.p.mode = mode
	}
}

// assemble runs the passes and produces the output into res; it returns
// the errors found.
func (a *assembler) assemble(res *Result, path string) Errors {
	a.diags = nil
	a.warns = nil
	a.run()
	res.Passes = a.pass
	errs := Errors(a.diags)
	res.Warnings = append(res.Warnings, a.warns...)
	res.sortWarnings()
	if len(errs) > 0 {
		return errs
	}
	if a.format != "bin" {
		res.Object, errs = a.object(path)
		if len(errs) > 0 {
			return errs
		}
		if a.opts.Debug {
			if err := a.debugInfo(res.Object, path); err != nil {
				return Errors{{Pos: pp.Pos{File: path}, Msg: err.Error()}}
			}
		}
		return nil
	}
	if errs = a.binAttrs(); len(errs) > 0 {
		return errs
	}
	a.warns = nil
	res.Binary, errs = a.binary()
	if len(errs) == 0 && a.mapWhat != 0 {
		res.Map, res.MapTo = a.binMap(path), a.mapTo
	}
	res.Warnings = append(res.Warnings, a.warns...)
	res.sortWarnings()
	return errs
}

func (r *Result) sortWarnings() {
	sort.SliceStable(r.Warnings, func(i, j int) bool { return r.Warnings[i].Seq < r.Warnings[j].Seq })
}
