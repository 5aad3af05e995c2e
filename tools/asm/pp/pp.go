// Package pp is the NASM preprocessor: it reads a source file and its
// includes, runs single-line and multi-line macros, conditionals and
// repetition blocks, and hands the assembler a flat list of token lines,
// each tagged with the source position nasm would report.
//
// The package is laid out by concern, one short method per directive,
// dispatched from the table in directives.go: conditionals.go (%if
// family), smacro.go and expand.go (single-line macros), mmacro.go
// (multi-line macros and their parameters), rep.go, include.go,
// packages.go (%use, %defalias),
// context.go (%push/%pop), lines.go (source lines and the frame stack),
// srcpos.go (the positions debugging information gives lines: %line,
// .nolist).
package pp

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// Pos is a source position.
type Pos struct {
	File string
	Line int
}

// String is "file:line", or just "file" for messages about a whole file
// (line 0), like nasm's.
func (p Pos) String() string {
	if p.Line == 0 {
		return p.File
	}
	return fmt.Sprintf("%s:%d", p.File, p.Line)
}

// Line is one preprocessed line.
type Line struct {
	Pos  Pos
	Toks []lex.Token
	// Macro, when the line comes from a multi-line macro, is the macro's
	// name and Def the position of the body line (for nasm's "from macro"
	// note).
	Macro string
	Def   Pos
	// Src is the position nasm's debugging information gives the line:
	// its own line after %line mapping (a macro body line's is in the
	// macro's definition), or, for the expansion of a .nolist macro, the
	// position of the line that invoked it.
	Src Pos
	// Indented reports a source line that starts with blanks (nasm -E
	// keeps one); TrailingSpace a label line cut before a macro call
	// with blanks between them (nasm -E keeps one too).
	Indented, TrailingSpace bool
	// Body reports a line of a macro or %rep body: the same token slice
	// may come again on the next expansion, where a line read from a
	// file is lexed afresh each time (the assembler's fold cache keys on
	// the former only, so it holds no file lines in memory).
	Body bool
}

// Diag is an error or warning.
type Diag struct {
	Pos     Pos
	Warning bool
	Msg     string
	// Note is an extra line nasm prints after the message (the macro
	// definition a message comes from); empty if none.
	Note string
	// Seq orders diagnostics from different stages: the number of
	// preprocessed lines produced before this one was found.
	Seq int
	// Fatal marks the error of %fatal (nasm's "fatal:").
	Fatal bool
	// Class is a warning's nasm class (-w+CLASS): label-orphan, user...;
	// "" is nasm's `other`.
	Class string
}

// WarningClass is the class of a warning, nasm's `other` if it has none.
func (d Diag) WarningClass() string {
	if d.Class == "" {
		return "other"
	}
	return d.Class
}

// String is the diagnostic as nasm prints it: `file:line: error: msg`,
// a warning followed by its class (`[-w+label-orphan]`), then the note
// if there is one.
func (d Diag) String() string {
	kind := "error"
	switch {
	case d.Warning:
		kind = "warning"
	case d.Fatal:
		kind = "fatal"
	}
	s := fmt.Sprintf("%s: %s: %s", d.Pos, kind, d.Msg)
	if d.Warning {
		s += " [-w+" + d.WarningClass() + "]"
	}
	if d.Note != "" {
		s += "\n" + d.Note
	}
	return s
}

// Options configure a run.
type Options struct {
	// IncludeDirs are searched, in order, after the current directory
	// (nasm does not search the including file's directory).
	IncludeDirs []string
	// Defines are -D arguments: NAME or NAME=VALUE.
	Defines []string
	// ReadFile reads a source or include file; nil means ReadFile (this
	// package's), which reads regular files only.
	ReadFile func(name string) ([]byte, error)
	// Limits bound the work; nil means DefaultLimits().
	Limits *Limits
	// Emit, if set, receives each preprocessed line as it is produced,
	// instead of Result.Lines collecting them.
	Emit func(Line)
	// Source, if not nil, is the main file's contents, already read.
	Source []byte
	// Predefines are NAME=VALUE single-line macros defined before the
	// -D ones: the assembler's standard macros (__NASM_MAJOR__...).
	Predefines []string
	// Builtin, if set, gives the value of a name starting with "__" that
	// only the assembler knows (__BITS__, __SECT__...): ok is false for
	// a name it does not know; err is reported where the name is used.
	Builtin func(name string) (toks []lex.Token, ok bool, err error)
	// Symbol, if set, gives the value of a symbol the assembler already
	// knows as a constant (an equ defined before), for %if, %assign,
	// %rep and the like.
	Symbol func(name string) (int64, bool)
	// FloatMode, if set, is the assembler's `float' directive state that
	// __?floatN?__() encodes under (the lines before it are parsed).
	FloatMode func() lex.FloatMode
	// FormatMacros are the output format's directives that nasm defines
	// as multi-line macros taking 1+ parameters (org for bin, osabi for
	// ELF), for %ifmacro.
	FormatMacros []string
	// Assembly, if set, answers for `$', `$$' and the labels defined
	// before the line in critical expressions (%if, %assign, %rep...):
	// nasm runs its preprocessor again in every pass, so they have the
	// current pass's values there. Without it they are errors.
	Assembly expr.Env
	// Before are source lines run before the file's first line, in
	// order, after the Defines (nasm's -D, -U, -P, --pragma and --before
	// as `%define`, `%undef`, `%include`... lines). Their position is
	// the file's, line 0, as nasm gives it.
	Before []string
	// NoLine ignores %line directives (nasm --no-line).
	NoLine bool
	// KeepEmpty hands Emit the lines that are empty once preprocessed
	// (blank and comment lines), as nasm -E writes them.
	KeepEmpty bool
	// EmitPragmas hands Emit the `[pragma ...]` line nasm makes of a
	// %pragma (nasm -E writes them).
	EmitPragmas bool
	// EmitNumbered, if set, is Emit for a caller that expands lines
	// itself (nasm -E's standard macros): it also gets the next number
	// for %%labels and contexts, and returns how many it used.
	EmitNumbered func(l Line, next int) int
	// Depend, if set, receives each file nasm lists as a dependency of
	// the preprocessed source (-M): an %include when its name is first
	// looked for, as the path found, or as written if it is not found.
	Depend func(name string)
	// MissingOK makes an %include that is not found no error: it is
	// skipped (nasm -M). With NoSearch, include directories are not
	// searched (nasm -MG).
	MissingOK, NoSearch bool
}

// Result is the output of Preprocess.
type Result struct {
	Lines []Line
	Files []string // every file read, main file first, in the order read
	Diags []Diag
}

type pp struct {
	opts     Options
	lim      Limits
	res      *Result
	nout     int   // lines produced
	ntokens  int64 // tokens generated (Limits.Tokens)
	mcalls   int64 // multi-line macro calls since the top level (Limits.Mmacros)
	mdepth   int   // macro frames on the stack
	frames   []*frame
	conds    []cond
	smacs    map[string][]*smacro
	ismacs   map[string][]*smacro
	mmacs    map[string][]*mmacro // by lower-case name, in definition order
	def      *definition          // the %macro or %rep body being collected
	uniq     int                  // the next number for %%labels and contexts
	nerrs    int
	fatal    bool
	budget   int64 // tokens handled for the current line (Limits.MacroTokens)
	incDepth int
	cur      Pos // position of the line being processed (__FILE__, __LINE__)
	ctx      []context
	included map[string][]byte // files read so far, by path
	searched map[string]bool   // %include names looked for (Options.Depend)
	aliases  map[string]string // %defalias
	ialiases map[string]string // %idefalias, by lower-case name
	stack    stackFrame        // %stacksize, %arg, %local
}

// Preprocess runs the preprocessor on the named file.
func Preprocess(path string, opts Options) *Result {
	if opts.ReadFile == nil {
		opts.ReadFile = ReadFile
	}
	p := &pp{
		opts:     opts,
		lim:      DefaultLimits(),
		res:      &Result{},
		smacs:    map[string][]*smacro{},
		ismacs:   map[string][]*smacro{},
		mmacs:    map[string][]*mmacro{},
		included: map[string][]byte{},
		aliases:  map[string]string{},
		ialiases: map[string]string{},
	}
	if opts.Limits != nil {
		p.lim = *opts.Limits
	}
	p.commandLineDefines()
	data, err := opts.Source, error(nil)
	if data == nil {
		data, err = opts.ReadFile(path)
	}
	if err != nil {
		p.errorf(Pos{path, 0}, "unable to open input file `%s': %s", path, ErrorText(err))
		return p.res
	}
	p.res.Files = append(p.res.Files, path)
	p.included[path] = data
	p.pushFile(path, data)
	p.pushBefore(path)
	p.run()
	return p.res
}

func (p *pp) errorf(pos Pos, format string, args ...any) {
	p.diag(Diag{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (p *pp) diag(d Diag) {
	if p.fatal {
		return // the error that ended the run was the last
	}
	d.Seq = p.nout
	if !d.Warning {
		p.nerrs++
		if p.nerrs > MaxErrors {
			p.fatal = true
			return
		}
	}
	p.res.Diags = append(p.res.Diags, d)
}

// note is nasm's second line for a message about a line from a macro.
func (p *pp) note(l Line) string {
	if l.Macro == "" {
		return ""
	}
	return fmt.Sprintf("%s: ... from macro `%s' defined here", l.Def, l.Macro)
}

func (p *pp) lineErr(l Line, format string, args ...any) {
	p.diag(Diag{Pos: l.Pos, Msg: fmt.Sprintf(format, args...), Note: p.note(l)})
}

func (p *pp) run() {
	for !p.fatal {
		l, ok := p.next()
		if !ok {
			break
		}
		pos, mname, def := lineInfo(l, p.frames)
		p.cur = pos
		p.budget = 0
		toks := l.toks
		if mf := p.macroFrame(); mf != nil && p.def == nil {
			var err error
			toks, err = p.substParams(toks, mf)
			if err != nil {
				p.errorf(pos, "%s", err)
				continue
			}
		}
		body := p.top().kind != fileFrame
		p.line(Line{Pos: pos, Toks: toks, Macro: mname, Def: def, Src: srcPos(l, p.frames), Indented: l.isIndented(), Body: body}, l)
	}
	if p.def != nil && !p.fatal {
		if p.def.rep {
			p.errorf(p.def.start, "expected `%%endrep' before end of file")
		} else {
			p.errorf(p.def.start, "end of file while still defining macro `%s'", p.def.mac.name)
		}
	}
}

// directiveName is the lower-case directive a line starts with, or "".
func directiveName(toks []lex.Token) string {
	if len(toks) == 0 || toks[0].Kind != lex.PP || isFunctionCall(toks) {
		return ""
	}
	return strings.ToLower(toks[0].Text)
}

// line processes one line: it is collected into a definition, decides a
// conditional, runs a directive, or is expanded and emitted.
func (p *pp) line(l Line, raw srcLine) {
	d := directiveName(l.Toks)
	if p.def == nil && !p.skipping() {
		toks, err := p.contextLocals(l.Toks)
		if err == nil && hasIndirect(toks) {
			// nasm resolves %[...] before it looks at the line, so
			// directives see it done (`%define x .end_%[y]`).
			toks, err = p.indirect(toks)
		}
		if err != nil {
			p.lineErr(l, "%s", err)
			return
		}
		l.Toks = toks
		d = directiveName(l.Toks)
	}
	if p.def != nil {
		p.collect(d, l, raw)
		return
	}
	if c, ok := conditionals[d]; ok {
		p.conditional(c, l)
		return
	}
	if p.skipping() {
		return
	}
	if d != "" {
		p.directive(d, l)
		return
	}
	toks, err := p.expandPaste(l.Toks)
	if err != nil {
		p.lineErr(l, "%s", err)
		return
	}
	if len(toks) == 0 {
		if p.opts.KeepEmpty {
			l.Toks = nil
			p.emit(l)
		}
		return
	}
	if p.callMacro(l, toks) {
		return
	}
	l.Toks = toks
	p.emit(l)
}

// emit hands a preprocessed line to the assembler.
func (p *pp) emit(l Line) {
	if int64(p.nout) >= p.lim.Lines {
		p.overLimit(l.Pos, "more than %d lines to assemble (--limit-lines)", p.lim.Lines)
		return
	}
	p.nout++
	if p.opts.EmitNumbered != nil {
		p.uniq += p.opts.EmitNumbered(l, p.uniq)
		return
	}
	if p.opts.Emit != nil {
		p.opts.Emit(l)
		return
	}
	p.res.Lines = append(p.res.Lines, l)
}

// overLimit reports a limit exceeded: an error that ends preprocessing.
func (p *pp) overLimit(pos Pos, format string, args ...any) {
	p.errorf(pos, format, args...)
	p.fatal = true
}

// collect adds a line to the %macro or %rep body being defined, or ends
// the definition at its matching %endmacro/%endrep.
func (p *pp) collect(d string, l Line, raw srcLine) {
	switch d {
	case "%macro", "%imacro", "%rmacro", "%irmacro", "%rep":
		p.def.nest++
	case "%endmacro", "%endm", "%endrep":
		if p.def.nest > 0 {
			p.def.nest--
			break
		}
		if p.def.rep != (d == "%endrep") {
			opener := "%rep" // the directive d itself closes
			if p.def.rep {
				opener = "%macro"
			}
			p.lineErr(l, "`%s' without matching `%s'", d, opener)
		}
		p.finishDef()
		return
	}
	p.def.body = append(p.def.body, srcLine{pos: raw.pos, src: raw.src, toks: l.Toks, lexed: true, indented: raw.isIndented()})
}
