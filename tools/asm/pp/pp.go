// Package pp is the NASM preprocessor: it reads a source file and its
// includes, runs single-line and multi-line macros, conditionals and
// repetition blocks, and hands the assembler a flat list of token lines,
// each tagged with the source position nasm would report.
package pp

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
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
}

func (d Diag) String() string {
	kind := "error"
	if d.Warning {
		kind = "warning"
	}
	s := fmt.Sprintf("%s: %s: %s", d.Pos, kind, d.Msg)
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
	// ReadFile reads a source or include file; nil means os.ReadFile.
	ReadFile func(name string) ([]byte, error)
	// Predefine, if set, is called with each name the assembler defines
	// itself (none today); reserved.
}

// Result is the output of Preprocess.
type Result struct {
	Lines []Line
	Files []string // every file read, main file first, in the order read
	Diags []Diag
}

// Limits that turn runaway input into errors instead of exhausting memory.
const (
	MaxIncludeDepth = 64
	MaxMacroDepth   = 1000
	MaxRep          = 1000000
	MaxLines        = 2000000
	MaxExpandTokens = 1 << 20
	MaxErrors       = 100
)

type smacro struct {
	name    string
	nparams int // -1: no parameter list
	params  []string
	body    []lex.Token
	icase   bool
}

type mmacro struct {
	name     string
	icase    bool
	min, max int // max < 0: unlimited
	greedy   bool
	nolist   bool // .nolist: debugging information attributes its lines to the invocation
	defaults [][]lex.Token
	body     []srcLine
	def      Pos
}

type srcLine struct {
	pos   Pos
	src   Pos // pos after the file's %line mapping, set when read from the file
	text  string
	toks  []lex.Token
	lexed bool
}

const (
	fileFrame = iota
	macroFrame
	repFrame
)

type frame struct {
	kind  int
	lines []srcLine
	i     int
	conds int // height of the condition stack at entry

	// macro frames
	mac    *mmacro
	params [][]lex.Token
	rot    int
	uniq   int
	call   Pos // invocation position reported for every line
	// callSrc is the invoking line's Src: where a .nolist macro's lines
	// are attributed.
	callSrc Pos

	// file frames: the last %line directive's mapping, if any
	lineMap *lineMap

	// rep frames
	count, iter int64
	exited      bool
}

type cond struct {
	state   int // condActive, condSeek (no branch taken yet), condDone
	sawElse bool
}

const (
	condActive = iota
	condSeek
	condDone
)

type definition struct {
	rep     bool
	mac     *mmacro
	count   int64
	nest    int
	start   Pos
	callPos Pos
	body    []srcLine
}

type pp struct {
	opts     Options
	res      *Result
	frames   []*frame
	conds    []cond
	smacs    map[string][]*smacro
	ismacs   map[string][]*smacro
	mmacs    map[string][]*mmacro
	immacs   map[string][]*mmacro
	def      *definition
	uniq     int
	nerrs    int
	fatal    bool
	budget   int
	incDepth int
	cur      Pos // position of the line being processed (__FILE__, __LINE__)
	ctx      []context
}

// context is one level of %push/%pop: %$name in it means ..@<id>.name.
type context struct {
	name string
	id   int
}

// Preprocess runs the preprocessor on the named file.
func Preprocess(path string, opts Options) *Result {
	if opts.ReadFile == nil {
		opts.ReadFile = os.ReadFile
	}
	p := &pp{
		opts:   opts,
		res:    &Result{},
		smacs:  map[string][]*smacro{},
		ismacs: map[string][]*smacro{},
		mmacs:  map[string][]*mmacro{},
		immacs: map[string][]*mmacro{},
	}
	for _, d := range opts.Defines {
		name, val, _ := strings.Cut(d, "=")
		toks, err := lex.Line(name + " " + val)
		if err != nil || len(toks) == 0 || toks[0].Kind != lex.Ident {
			p.errorf(Pos{"command line", 0}, "invalid -D argument `%s'", d)
			continue
		}
		body := toks[1:]
		if len(body) > 0 {
			body[0].Space = false
		}
		p.smacs[toks[0].Text] = []*smacro{{name: toks[0].Text, nparams: -1, body: body}}
	}
	data, err := opts.ReadFile(path)
	if err != nil {
		p.errorf(Pos{path, 0}, "unable to open input file `%s': %s", path, errText(err))
		return p.res
	}
	p.res.Files = append(p.res.Files, path)
	p.pushFile(path, data)
	p.run()
	return p.res
}

func errText(err error) string {
	if errors.Is(err, fs.ErrNotExist) {
		return "No such file or directory"
	}
	var pe *fs.PathError
	if errors.As(err, &pe) {
		return pe.Err.Error()
	}
	return err.Error()
}

func (p *pp) errorf(pos Pos, format string, args ...any) {
	p.diag(Diag{Pos: pos, Msg: fmt.Sprintf(format, args...)})
}

func (p *pp) diag(d Diag) {
	d.Seq = len(p.res.Lines)
	if !d.Warning {
		p.nerrs++
		if p.nerrs > MaxErrors {
			p.fatal = true
			return
		}
	}
	p.res.Diags = append(p.res.Diags, d)
}

// splitLines splits source text into logical lines, joining lines that
// end in a backslash as nasm does.
func splitLines(file string, data []byte) []srcLine {
	s := string(data)
	out := make([]srcLine, 0, strings.Count(s, "\n")+1)
	lineNo := 0
	var cont strings.Builder
	contStart := 0
	for len(s) > 0 || cont.Len() > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		lineNo++
		line = strings.TrimSuffix(line, "\r")
		if strings.HasSuffix(line, "\\") && len(s) > 0 {
			if cont.Len() == 0 {
				contStart = lineNo
			}
			cont.WriteString(line[:len(line)-1])
			continue
		}
		start := lineNo
		if cont.Len() > 0 {
			cont.WriteString(line)
			line = cont.String()
			cont.Reset()
			start = contStart
		}
		out = append(out, srcLine{pos: Pos{file, start}, text: line})
		if len(s) == 0 {
			break
		}
	}
	return out
}

func (p *pp) pushFile(name string, data []byte) {
	lines := splitLines(name, data)
	if p.res.Lines == nil {
		// The main file's line count is a good first guess at the output's.
		p.res.Lines = make([]Line, 0, len(lines))
	}
	p.frames = append(p.frames, &frame{kind: fileFrame, lines: lines, conds: len(p.conds)})
	p.incDepth++
}

func (p *pp) top() *frame { return p.frames[len(p.frames)-1] }

// next returns the next raw line, popping finished frames.
func (p *pp) next() (srcLine, *frame, bool) {
	for len(p.frames) > 0 {
		f := p.top()
		if f.i < len(f.lines) && !f.exited {
			l := &f.lines[f.i]
			f.i++
			if !l.lexed {
				toks, err := lex.Line(l.text)
				l.toks, l.lexed = toks, true
				if err != nil {
					if !p.skipping() {
						p.errorf(l.pos, "%s", err)
					}
					l.toks = nil
				}
			}
			out := *l
			if f.kind == fileFrame {
				out.src = f.lineMap.apply(out.pos)
				// A file's lines are read once: keeping their tokens here
				// would hold a second copy of the whole file until its end.
				l.toks = nil
			}
			return out, f, true
		}
		if f.kind == repFrame && !f.exited && f.iter+1 < f.count {
			f.iter++
			f.i = 0
			continue
		}
		// Leaving a frame: conditionals opened inside must be closed.
		if len(p.conds) > f.conds {
			if f.kind == fileFrame {
				var last Pos
				if len(f.lines) > 0 {
					last = f.lines[len(f.lines)-1].pos
				}
				p.errorf(last, "expected `%%endif' before end of file")
			}
			p.conds = p.conds[:f.conds]
		}
		if f.kind == fileFrame {
			p.incDepth--
		}
		p.frames = p.frames[:len(p.frames)-1]
	}
	return srcLine{}, nil, false
}

func (p *pp) skipping() bool {
	return len(p.conds) > 0 && p.conds[len(p.conds)-1].state != condActive
}

// callPos is the position reported for a line read from frame f.
func lineInfo(l srcLine, frames []*frame) (Pos, string, Pos) {
	for _, f := range frames {
		if f.kind == macroFrame {
			return f.call, f.mac.name, l.pos
		}
	}
	return l.pos, "", Pos{}
}

func (p *pp) run() {
	for !p.fatal {
		l, _, ok := p.next()
		if !ok {
			break
		}
		pos, mname, def := lineInfo(l, p.frames)
		p.cur = pos
		toks := l.toks
		if mf := p.macroFrame(); mf != nil && p.def == nil {
			var err error
			toks, err = p.substParams(toks, mf)
			if err != nil {
				p.errorf(pos, "%s", err)
				continue
			}
		}
		p.line(Line{Pos: pos, Toks: toks, Macro: mname, Def: def, Src: srcPos(l, p.frames)}, l)
		if len(p.res.Lines) > MaxLines {
			p.errorf(pos, "preprocessor output too large (more than %d lines)", MaxLines)
			return
		}
	}
	if p.def != nil && !p.fatal {
		if p.def.rep {
			p.errorf(p.def.start, "expected `%%endrep' before end of file")
		} else {
			p.errorf(p.def.start, "end of file while still defining macro `%s'", p.def.mac.name)
		}
	}
}

// macroFrame is the innermost macro expansion the current line belongs to
// (through %rep blocks, not through included files).
func (p *pp) macroFrame() *frame {
	for i := len(p.frames) - 1; i >= 0; i-- {
		switch p.frames[i].kind {
		case macroFrame:
			return p.frames[i]
		case fileFrame:
			return nil
		}
	}
	return nil
}

func directive(toks []lex.Token) string {
	if len(toks) == 0 || toks[0].Kind != lex.PP {
		return ""
	}
	return strings.ToLower(toks[0].Text)
}

func (p *pp) note(l Line) string {
	if l.Macro == "" {
		return ""
	}
	return fmt.Sprintf("%s: ... from macro `%s' defined here", l.Def, l.Macro)
}

func (p *pp) lineErr(l Line, format string, args ...any) {
	p.diag(Diag{Pos: l.Pos, Msg: fmt.Sprintf(format, args...), Note: p.note(l)})
}

func (p *pp) line(l Line, raw srcLine) {
	d := directive(l.Toks)
	if p.def == nil && !p.skipping() {
		toks, err := p.contextLocals(l.Toks)
		if err != nil {
			p.lineErr(l, "%s", err)
			return
		}
		l.Toks = toks
		d = directive(l.Toks)
	}
	if p.def != nil {
		switch d {
		case "%macro", "%imacro", "%rep":
			p.def.nest++
		case "%endmacro", "%endm", "%endrep":
			if p.def.nest > 0 {
				p.def.nest--
				break
			}
			if p.def.rep != (d == "%endrep") {
				p.lineErr(l, "`%s' without matching `%s'", d, map[bool]string{true: "%rep", false: "%macro"}[!p.def.rep])
			}
			p.finishDef()
			return
		}
		p.def.body = append(p.def.body, srcLine{pos: raw.pos, src: raw.src, toks: l.Toks, lexed: true})
		return
	}
	if d != "" && p.conditional(d, l) {
		return
	}
	if p.skipping() {
		return
	}
	if d != "" {
		p.directive(d, l)
		return
	}
	toks, err := p.expand(l.Toks)
	if err != nil {
		p.lineErr(l, "%s", err)
		return
	}
	toks = p.paste(toks)
	if len(toks) == 0 {
		return
	}
	if p.callMacro(l, toks) {
		return
	}
	l.Toks = toks
	p.res.Lines = append(p.res.Lines, l)
}

// conditional handles %if-family directives; it returns false for others.
func (p *pp) conditional(d string, l Line) bool {
	name := d[1:]
	var kind string
	switch {
	case name == "else":
		if len(p.conds) == 0 || len(p.conds) <= p.top().conds {
			p.lineErr(l, "`%%else' without `%%if'")
			return true
		}
		c := &p.conds[len(p.conds)-1]
		if c.sawElse {
			p.diag(Diag{Pos: l.Pos, Warning: true, Msg: "`%else' after `%else' ignored"})
		}
		c.sawElse = true
		if c.state == condSeek {
			c.state = condActive
		} else {
			c.state = condDone
		}
		return true
	case name == "endif":
		if len(p.conds) == 0 || len(p.conds) <= p.top().conds {
			p.lineErr(l, "`%%endif' without `%%if'")
			return true
		}
		p.conds = p.conds[:len(p.conds)-1]
		return true
	case strings.HasPrefix(name, "if"):
		kind = "if"
	case strings.HasPrefix(name, "elif"):
		kind = "elif"
	default:
		return false
	}
	test := strings.TrimPrefix(name, kind)
	neg := false
	if strings.HasPrefix(test, "n") && test != "num" {
		neg, test = true, test[1:]
	}
	switch test {
	case "", "def", "idn", "idni", "num", "id", "str", "empty", "macro", "token", "env", "ctx":
	default:
		return false
	}
	if kind == "if" {
		if p.skipping() {
			p.conds = append(p.conds, cond{state: condDone})
			return true
		}
		v, err := p.evalCond(test, l)
		if err != nil {
			p.lineErr(l, "%s", err)
		}
		st := condSeek
		if err == nil && v != neg {
			st = condActive
		}
		p.conds = append(p.conds, cond{state: st})
		return true
	}
	if len(p.conds) == 0 || len(p.conds) <= p.top().conds {
		p.lineErr(l, "`%s' without `%%if'", l.Toks[0].Text)
		return true
	}
	c := &p.conds[len(p.conds)-1]
	if c.sawElse {
		p.lineErr(l, "`%s' after `%%else'", l.Toks[0].Text)
	}
	switch c.state {
	case condActive:
		c.state = condDone
	case condSeek:
		v, err := p.evalCond(test, l)
		if err != nil {
			p.lineErr(l, "%s", err)
		}
		if err == nil && v != neg {
			c.state = condActive
		}
	}
	return true
}

func (p *pp) evalCond(test string, l Line) (bool, error) {
	args := l.Toks[1:]
	switch test {
	case "":
		toks, err := p.expand(args)
		if err != nil {
			return false, err
		}
		v, err := p.constExpr(p.paste(toks))
		return v != 0, err
	case "def":
		if len(args) != 1 || args[0].Kind != lex.Ident {
			return false, fmt.Errorf("`%s' expects a macro name", l.Toks[0].Text)
		}
		return p.lookupSmacro(args[0].Text) != nil, nil
	case "macro":
		if len(args) < 1 || args[0].Kind != lex.Ident {
			return false, fmt.Errorf("`%s' expects a macro name", l.Toks[0].Text)
		}
		return len(p.mmacs[args[0].Text]) > 0 || len(p.immacs[strings.ToLower(args[0].Text)]) > 0, nil
	case "env":
		return false, fmt.Errorf("`%s' is not supported (builds must not depend on the environment)", l.Toks[0].Text)
	case "ctx":
		if len(p.ctx) == 0 {
			return false, nil
		}
		top := p.ctx[len(p.ctx)-1].name
		for _, a := range args {
			if a.Kind == lex.Ident && a.Text == top {
				return true, nil
			}
		}
		return false, nil
	}
	toks, err := p.expand(args)
	if err != nil {
		return false, err
	}
	toks = p.paste(toks)
	switch test {
	case "idn", "idni":
		a, b, ok := splitComma(toks)
		if !ok {
			return false, fmt.Errorf("`%s' expects two comma-separated arguments", l.Toks[0].Text)
		}
		sa, sb := tokText(a), tokText(b)
		if test == "idni" {
			return strings.EqualFold(sa, sb), nil
		}
		return sa == sb, nil
	case "num":
		return len(toks) == 1 && toks[0].Kind == lex.Num || len(toks) == 2 && toks[0].Is("-") && toks[1].Kind == lex.Num, nil
	case "id":
		return len(toks) == 1 && toks[0].Kind == lex.Ident, nil
	case "str":
		return len(toks) == 1 && toks[0].Kind == lex.Str, nil
	case "empty":
		return len(toks) == 0, nil
	case "token":
		return len(toks) == 1, nil
	}
	return false, fmt.Errorf("unknown conditional")
}

// tokText renders tokens with spacing normalized: nasm compares %ifidn
// arguments token by token, ignoring whitespace differences.
func tokText(toks []lex.Token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t.Space {
			b.WriteByte(' ')
		}
		if t.Kind == lex.Ident && t.Escaped {
			b.WriteByte('$')
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

func splitComma(toks []lex.Token) ([]lex.Token, []lex.Token, bool) {
	depth := 0
	for i, t := range toks {
		switch {
		case t.Is("(") || t.Is("["):
			depth++
		case t.Is(")") || t.Is("]"):
			depth--
		case t.Is(",") && depth == 0:
			return toks[:i], toks[i+1:], true
		}
	}
	return nil, nil, false
}

func (p *pp) constExpr(toks []lex.Token) (int64, error) {
	if len(toks) == 0 {
		return 0, fmt.Errorf("expression expected")
	}
	n, end, err := expr.Parse(toks, 0, nil)
	if err != nil {
		return 0, err
	}
	if end != len(toks) {
		return 0, fmt.Errorf("trailing garbage after expression: `%s'", lex.Join(toks[end:]))
	}
	v, err := expr.Eval(n, expr.ConstEnv{})
	if err != nil {
		return 0, err
	}
	if !v.Simple() || v.Unknown {
		return 0, fmt.Errorf("expression is not a constant")
	}
	return v.Const, nil
}

func (p *pp) directive(d string, l Line) {
	args := l.Toks[1:]
	switch d {
	case "%define", "%xdefine", "%idefine", "%ixdefine":
		p.define(d, l, args)
	case "%undef", "%iundef":
		if len(args) != 1 || args[0].Kind != lex.Ident {
			p.lineErr(l, "`%s' expects a macro name", l.Toks[0].Text)
			return
		}
		delete(p.smacs, args[0].Text)
		delete(p.ismacs, strings.ToLower(args[0].Text))
	case "%assign", "%iassign":
		if len(args) < 2 || args[0].Kind != lex.Ident {
			p.lineErr(l, "`%s' expects a macro name and an expression", l.Toks[0].Text)
			return
		}
		toks, err := p.expand(args[1:])
		if err != nil {
			p.lineErr(l, "%s", err)
			return
		}
		v, err := p.constExpr(p.paste(toks))
		if err != nil {
			p.lineErr(l, "%s", err)
			return
		}
		body := numToken(v)
		p.setSmacro(&smacro{name: args[0].Text, nparams: -1, body: body, icase: d == "%iassign"})
	case "%strlen":
		if len(args) < 2 || args[0].Kind != lex.Ident {
			p.lineErr(l, "`%%strlen' expects a macro name and a string")
			return
		}
		toks, err := p.expand(args[1:])
		if err != nil || len(toks) != 1 || toks[0].Kind != lex.Str {
			p.lineErr(l, "`%%strlen' requires a string")
			return
		}
		p.setSmacro(&smacro{name: args[0].Text, nparams: -1, body: numToken(int64(len(toks[0].Str)))})
	case "%defstr", "%idefstr":
		if len(args) < 1 || args[0].Kind != lex.Ident {
			p.lineErr(l, "`%s' expects a macro name", l.Toks[0].Text)
			return
		}
		toks, err := p.expand(args[1:])
		if err != nil {
			p.lineErr(l, "%s", err)
			return
		}
		text := strings.TrimLeft(lex.Join(p.paste(toks)), " ")
		p.setSmacro(&smacro{name: args[0].Text, nparams: -1, body: []lex.Token{strToken(text)}, icase: d == "%idefstr"})
	case "%strcat":
		if len(args) < 2 || args[0].Kind != lex.Ident {
			p.lineErr(l, "`%%strcat' expects a macro name and strings")
			return
		}
		toks, err := p.expand(args[1:])
		if err != nil {
			p.lineErr(l, "%s", err)
			return
		}
		var b strings.Builder
		for i, t := range toks {
			if i%2 == 1 {
				if !t.Is(",") {
					p.lineErr(l, "`%%strcat': comma expected between strings")
					return
				}
				continue
			}
			if t.Kind != lex.Str {
				p.lineErr(l, "`%%strcat' requires strings")
				return
			}
			b.WriteString(t.Str)
		}
		p.setSmacro(&smacro{name: args[0].Text, nparams: -1, body: []lex.Token{strToken(b.String())}})
	case "%substr":
		if len(args) < 2 || args[0].Kind != lex.Ident {
			p.lineErr(l, "`%%substr' expects a macro name, a string and a position")
			return
		}
		toks, err := p.expand(args[1:])
		if err != nil {
			p.lineErr(l, "%s", err)
			return
		}
		parts := splitArgs(p.paste(toks))
		if len(parts) < 2 || len(parts) > 3 || len(parts[0]) != 1 || parts[0][0].Kind != lex.Str {
			p.lineErr(l, "`%%substr' expects a string, a start and an optional length")
			return
		}
		str := parts[0][0].Str
		start, err := p.constExpr(parts[1])
		length := int64(1)
		if err == nil && len(parts) == 3 {
			length, err = p.constExpr(parts[2])
		}
		if err != nil {
			p.lineErr(l, "%s", err)
			return
		}
		// 1-based start; a negative length counts back from the end.
		from := start - 1
		if from < 0 || from > int64(len(str)) {
			from = int64(len(str))
		}
		to := from + length
		if length < 0 {
			to = int64(len(str)) + length + 1
		}
		if to > int64(len(str)) {
			to = int64(len(str))
		}
		if to < from {
			to = from
		}
		p.setSmacro(&smacro{name: args[0].Text, nparams: -1, body: []lex.Token{strToken(str[from:to])}})
	case "%deftok", "%ideftok":
		if len(args) < 2 || args[0].Kind != lex.Ident {
			p.lineErr(l, "`%s' expects a macro name and a string", l.Toks[0].Text)
			return
		}
		toks, err := p.expand(args[1:])
		if err != nil || len(toks) != 1 || toks[0].Kind != lex.Str {
			p.lineErr(l, "`%s' requires a string", l.Toks[0].Text)
			return
		}
		body, err := lex.Line(toks[0].Str)
		if err != nil {
			p.lineErr(l, "`%s': %s", l.Toks[0].Text, err)
			return
		}
		if len(body) > 0 {
			body[0].Space = false
		}
		p.setSmacro(&smacro{name: args[0].Text, nparams: -1, body: body, icase: d == "%ideftok"})
	case "%macro", "%imacro":
		m, err := p.parseMacroHeader(args, d == "%imacro")
		if err != nil {
			p.lineErr(l, "%s", err)
			m = &mmacro{name: "?", max: -1} // swallow the body anyway
			m.name = ""
		}
		m.def = l.Pos
		p.def = &definition{mac: m, start: l.Pos}
	case "%endmacro", "%endm":
		p.lineErr(l, "`%s': not defining a macro", l.Toks[0].Text)
	case "%rep":
		toks, err := p.expand(args)
		var n int64
		if err == nil {
			n, err = p.constExpr(p.paste(toks))
		}
		if err != nil {
			p.lineErr(l, "%s", err)
			n = 0
		} else if n < 0 {
			p.lineErr(l, "negative `%%rep' count: %d", n)
			n = 0
		} else if n > MaxRep {
			p.lineErr(l, "`%%rep' count %d exceeds the limit of %d", n, MaxRep)
			n = 0
		}
		p.def = &definition{rep: true, count: n, start: l.Pos}
	case "%endrep":
		p.lineErr(l, "`%%endrep': no matching `%%rep'")
	case "%exitrep":
		for i := len(p.frames) - 1; i >= 0; i-- {
			f := p.frames[i]
			if f.kind == repFrame {
				f.exited = true
				// Close everything the rep body opened, inner frames too.
				for j := i + 1; j < len(p.frames); j++ {
					p.frames[j].exited = true
					p.frames[j].i = len(p.frames[j].lines)
				}
				return
			}
			if f.kind == fileFrame {
				break
			}
		}
		p.lineErr(l, "`%%exitrep' not within `%%rep' block")
	case "%exitmacro":
		for i := len(p.frames) - 1; i >= 0; i-- {
			f := p.frames[i]
			if f.kind == macroFrame {
				for j := i; j < len(p.frames); j++ {
					p.frames[j].exited = true
					p.frames[j].i = len(p.frames[j].lines)
				}
				return
			}
		}
		p.lineErr(l, "`%%exitmacro' not within a macro")
	case "%rotate":
		var f *frame
		for i := len(p.frames) - 1; i >= 0; i-- {
			if p.frames[i].kind == macroFrame {
				f = p.frames[i]
				break
			}
		}
		if f == nil {
			p.lineErr(l, "`%%rotate' invoked outside a macro call")
			return
		}
		toks, err := p.expand(args)
		var n int64
		if err == nil {
			n, err = p.constExpr(p.paste(toks))
		}
		if err != nil {
			p.lineErr(l, "%s", err)
			return
		}
		if len(f.params) > 0 {
			k := int64(len(f.params))
			f.rot = int((int64(f.rot) + n%k + k) % k)
		}
	case "%include":
		p.include(l, args)
	case "%error", "%fatal", "%warning":
		toks, _ := p.expand(args)
		msg := lex.Join(toks)
		if len(toks) == 1 && toks[0].Kind == lex.Str {
			msg = toks[0].Str
		}
		p.diag(Diag{Pos: l.Pos, Warning: d == "%warning", Msg: msg, Note: p.note(l)})
		if d == "%fatal" {
			p.fatal = true
		}
	case "%push", "%repl":
		name := ""
		if len(args) > 0 {
			if len(args) != 1 || args[0].Kind != lex.Ident {
				p.lineErr(l, "`%s' expects a context name", l.Toks[0].Text)
				return
			}
			name = args[0].Text
		}
		if d == "%repl" {
			if len(p.ctx) == 0 {
				p.lineErr(l, "`%%repl': context stack is empty")
				return
			}
			p.ctx[len(p.ctx)-1].name = name
			return
		}
		if len(p.ctx) >= MaxMacroDepth {
			p.lineErr(l, "context stack too deep")
			return
		}
		p.uniq++
		p.ctx = append(p.ctx, context{name: name, id: p.uniq})
	case "%pop":
		if len(p.ctx) == 0 {
			p.lineErr(l, "`%%pop': context stack is already empty")
			return
		}
		if len(args) == 1 && args[0].Kind == lex.Ident && args[0].Text != p.ctx[len(p.ctx)-1].name {
			p.lineErr(l, "`%%pop' in wrong context: %s, expected %s", p.ctx[len(p.ctx)-1].name, args[0].Text)
		}
		p.ctx = p.ctx[:len(p.ctx)-1]
	case "%line":
		p.lineDirective(args)
	case "%pragma", "%clear", "%debug":
		// Listing/debug-info bookkeeping with no effect on output bytes.
	default:
		p.lineErr(l, "unknown or unsupported preprocessor directive `%s'", l.Toks[0].Text)
	}
}

func numToken(v int64) []lex.Token {
	if v < 0 {
		return []lex.Token{{Kind: lex.Op, Text: "-"}, {Kind: lex.Num, Text: strconv.FormatUint(uint64(-v), 10), Val: -v}}
	}
	return []lex.Token{{Kind: lex.Num, Text: strconv.FormatInt(v, 10), Val: v}}
}

func (p *pp) setSmacro(m *smacro) {
	if m.icase {
		k := strings.ToLower(m.name)
		p.ismacs[k] = replaceOverload(p.ismacs[k], m)
		return
	}
	p.smacs[m.name] = replaceOverload(p.smacs[m.name], m)
}

func replaceOverload(list []*smacro, m *smacro) []*smacro {
	out := list[:0:0]
	for _, o := range list {
		if o.nparams != m.nparams {
			out = append(out, o)
		}
	}
	return append(out, m)
}

func (p *pp) define(d string, l Line, args []lex.Token) {
	if len(args) == 0 || args[0].Kind != lex.Ident {
		p.lineErr(l, "`%s' expects a macro identifier", l.Toks[0].Text)
		return
	}
	m := &smacro{name: args[0].Text, nparams: -1, icase: d == "%idefine" || d == "%ixdefine"}
	rest := args[1:]
	if len(rest) > 0 && rest[0].Is("(") && !rest[0].Space {
		m.nparams = 0
		i := 1
		for ; i < len(rest); i++ {
			t := rest[i]
			if t.Is(")") {
				break
			}
			if t.Is(",") {
				continue
			}
			if t.Kind != lex.Ident {
				p.lineErr(l, "parameter identifier expected in `%s'", l.Toks[0].Text)
				return
			}
			m.params = append(m.params, t.Text)
			m.nparams++
		}
		if i >= len(rest) {
			p.lineErr(l, "`)' expected to terminate macro parameter list")
			return
		}
		rest = rest[i+1:]
	}
	body := append([]lex.Token(nil), rest...)
	if len(body) > 0 {
		body[0].Space = false
	}
	if d == "%xdefine" || d == "%ixdefine" {
		var err error
		body, err = p.expand(body)
		if err != nil {
			p.lineErr(l, "%s", err)
			return
		}
		body = p.paste(body)
	}
	m.body = body
	p.setSmacro(m)
}

func (p *pp) lookupSmacro(name string) []*smacro {
	if l := p.smacs[name]; len(l) > 0 {
		return l
	}
	if l := p.ismacs[strings.ToLower(name)]; len(l) > 0 {
		return l
	}
	return nil
}

// expand applies single-line macros to toks. A macro is not expanded again
// inside its own expansion, which stops recursive definitions.
func (p *pp) expand(toks []lex.Token) ([]lex.Token, error) {
	p.budget = 0
	if !p.mayExpand(toks) {
		return toks, nil // the common case: nothing to expand, no copy
	}
	return p.expandWith(toks, nil, 0)
}

// mayExpand reports whether any token names a single-line macro or a
// builtin.
func (p *pp) mayExpand(toks []lex.Token) bool {
	for _, t := range toks {
		if t.Kind != lex.Ident || t.Escaped {
			continue
		}
		if strings.HasPrefix(t.Text, "__") || p.lookupSmacro(t.Text) != nil {
			return true
		}
	}
	return false
}

func (p *pp) expandWith(toks []lex.Token, active []*smacro, depth int) ([]lex.Token, error) {
	if depth > 200 {
		return nil, fmt.Errorf("single-line macro expansion nested too deeply")
	}
	var out []lex.Token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Kind != lex.Ident || t.Escaped {
			out = append(out, t)
			continue
		}
		switch t.Text {
		case "__FILE__", "__?FILE?__":
			out = append(out, lex.Token{Kind: lex.Str, Text: "'" + p.cur.File + "'", Str: p.cur.File, Space: t.Space})
			continue
		case "__LINE__", "__?LINE?__":
			out = append(out, lex.Token{Kind: lex.Num, Text: strconv.Itoa(p.cur.Line), Val: int64(p.cur.Line), Space: t.Space})
			continue
		}
		list := p.lookupSmacro(t.Text)
		if list == nil {
			out = append(out, t)
			continue
		}
		// Pick the overload: with parameters if a '(' follows.
		var m *smacro
		var args [][]lex.Token
		next := i + 1
		if next < len(toks) && toks[next].Is("(") {
			a, end, ok := smacroArgs(toks, next)
			if ok {
				for _, c := range list {
					if c.nparams == len(a) || c.nparams == 0 && len(a) == 1 && len(a[0]) == 0 {
						m, args, next = c, a, end
						break
					}
				}
			}
		}
		if m == nil {
			for _, c := range list {
				if c.nparams < 0 {
					m = c
					break
				}
			}
		}
		if m == nil || isActive(active, m) {
			out = append(out, t)
			continue
		}
		if m.nparams < 0 {
			next = i + 1
		}
		// Arguments are expanded first (an argument may call the same
		// macro: F(1, F(2, 3))), then the body is rescanned with m active.
		for k := range args {
			ea, err := p.expandWith(args[k], active, depth+1)
			if err != nil {
				return nil, err
			}
			args[k] = ea
		}
		body := make([]lex.Token, 0, len(m.body))
		for _, b := range m.body {
			if b.Kind == lex.Ident && m.nparams > 0 {
				if k := indexOf(m.params, b.Text); k >= 0 {
					arg := args[k]
					for j, a := range arg {
						if j == 0 {
							a.Space = b.Space
						}
						body = append(body, a)
					}
					continue
				}
			}
			body = append(body, b)
		}
		if len(body) > 0 {
			body[0].Space = t.Space
		}
		p.budget += len(body)
		if p.budget > MaxExpandTokens {
			return nil, fmt.Errorf("macro expansion too large")
		}
		exp, err := p.expandWith(body, append(active, m), depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, exp...)
		i = next - 1
	}
	return out, nil
}

func isActive(active []*smacro, m *smacro) bool {
	for _, a := range active {
		if a == m {
			return true
		}
	}
	return false
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// smacroArgs splits a parenthesized argument list starting at toks[open].
func smacroArgs(toks []lex.Token, open int) ([][]lex.Token, int, bool) {
	depth := 0
	var args [][]lex.Token
	var cur []lex.Token
	brace := 0
	for i := open; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.Is("{"):
			brace++
			if brace == 1 {
				continue
			}
		case t.Is("}"):
			brace--
			if brace == 0 {
				continue
			}
		case t.Is("("):
			depth++
			if depth == 1 {
				continue
			}
		case t.Is(")"):
			depth--
			if depth == 0 {
				args = append(args, trimSpace(cur))
				return args, i + 1, true
			}
		case t.Is(",") && depth == 1 && brace == 0:
			args = append(args, trimSpace(cur))
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	return nil, 0, false
}

func trimSpace(toks []lex.Token) []lex.Token {
	if len(toks) > 0 && toks[0].Space {
		toks = append([]lex.Token(nil), toks...)
		toks[0].Space = false
	}
	return toks
}

// paste implements %+ and the gluing of adjacent name fragments that
// macro parameter substitution produces.
func (p *pp) paste(toks []lex.Token) []lex.Token {
	has := false
	for _, t := range toks {
		if t.Kind == lex.PP && t.Text == "%+" {
			has = true
			break
		}
	}
	if !has {
		return toks
	}
	var out []lex.Token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Kind == lex.PP && t.Text == "%+" {
			if len(out) > 0 && i+1 < len(toks) {
				prev := out[len(out)-1]
				out = out[:len(out)-1]
				out = append(out, glue(prev, toks[i+1]))
				i++
			}
			continue
		}
		out = append(out, t)
	}
	return out
}

func glue(a, b lex.Token) lex.Token {
	text := tokSource(a) + tokSource(b)
	nt, err := lex.Line(text)
	if err == nil && len(nt) == 1 {
		nt[0].Space = a.Space
		return nt[0]
	}
	return lex.Token{Kind: lex.Ident, Text: text, Space: a.Space}
}

func tokSource(t lex.Token) string {
	if t.Kind == lex.Ident && t.Escaped {
		return "$" + t.Text
	}
	return t.Text
}

func (p *pp) parseMacroHeader(args []lex.Token, icase bool) (*mmacro, error) {
	if len(args) == 0 || args[0].Kind != lex.Ident {
		return nil, fmt.Errorf("`%%macro' expects a macro name")
	}
	m := &mmacro{name: args[0].Text, icase: icase}
	i := 1
	if i >= len(args) || args[i].Kind != lex.Num {
		return nil, fmt.Errorf("`%%macro' expects a parameter count after the name")
	}
	m.min = int(args[i].Val)
	m.max = m.min
	if args[i].Val < 0 || args[i].Val > 10000 {
		return nil, fmt.Errorf("invalid macro parameter count")
	}
	i++
	if i < len(args) && args[i].Is("-") {
		i++
		switch {
		case i < len(args) && args[i].Is("*"):
			m.max = -1
		case i < len(args) && args[i].Kind == lex.Num && args[i].Val >= int64(m.min) && args[i].Val <= 10000:
			m.max = int(args[i].Val)
		default:
			return nil, fmt.Errorf("invalid macro parameter range")
		}
		i++
	}
	if i < len(args) && args[i].Is("+") {
		m.greedy = true
		i++
	}
	if i < len(args) && args[i].Kind == lex.Ident && strings.EqualFold(args[i].Text, ".nolist") {
		m.nolist = true
		i++
	}
	if i < len(args) {
		for _, a := range splitArgs(args[i:]) {
			m.defaults = append(m.defaults, a)
		}
	}
	return m, nil
}

func (p *pp) finishDef() {
	d := p.def
	p.def = nil
	if d.rep {
		if d.count > 0 && len(d.body) > 0 {
			if len(p.frames) >= MaxMacroDepth {
				p.errorf(d.start, "`%%rep' nested too deeply")
				return
			}
			p.frames = append(p.frames, &frame{kind: repFrame, lines: d.body, count: d.count, conds: len(p.conds)})
		}
		return
	}
	m := d.mac
	m.body = d.body
	if m.name == "" {
		return
	}
	if m.icase {
		k := strings.ToLower(m.name)
		p.immacs[k] = append(p.immacs[k], m)
	} else {
		p.mmacs[m.name] = append(p.mmacs[m.name], m)
	}
}

// splitArgs splits multi-line macro arguments at top-level commas; braces
// group an argument that contains commas.
func splitArgs(toks []lex.Token) [][]lex.Token {
	var args [][]lex.Token
	var cur []lex.Token
	brace := 0
	for _, t := range toks {
		switch {
		case t.Is("{"):
			brace++
			if brace == 1 {
				continue
			}
		case t.Is("}"):
			if brace > 0 {
				brace--
				if brace == 0 {
					continue
				}
			}
		case t.Is(",") && brace == 0:
			args = append(args, trimSpace(cur))
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	return append(args, trimSpace(cur))
}

func (p *pp) findMmacro(name string, n int) (*mmacro, bool) {
	list := p.mmacs[name]
	if l := p.immacs[strings.ToLower(name)]; len(l) > 0 {
		list = append(append([]*mmacro(nil), list...), l...)
	}
	if len(list) == 0 {
		return nil, false
	}
	for i := len(list) - 1; i >= 0; i-- {
		m := list[i]
		if n >= m.min && (m.max < 0 || n <= m.max || m.greedy) {
			return m, true
		}
	}
	return nil, true
}

// callMacro expands a multi-line macro invocation, if toks is one.
func (p *pp) callMacro(l Line, toks []lex.Token) bool {
	start := 0
	if toks[0].Kind != lex.Ident || toks[0].Escaped {
		return false
	}
	if _, exists := p.findMmacro(toks[0].Text, 0); !exists {
		// `label: macro args` and `label macro args`
		j := 1
		if j < len(toks) && toks[j].Is(":") {
			j++
		}
		if j < len(toks) && toks[j].Kind == lex.Ident && !toks[j].Escaped {
			if _, ok := p.findMmacro(toks[j].Text, 0); ok {
				start = j
			}
		}
		if start == 0 {
			return false
		}
	}
	name := toks[start].Text
	var args [][]lex.Token
	if start+1 < len(toks) {
		args = splitArgs(toks[start+1:])
	}
	m, _ := p.findMmacro(name, len(args))
	if m == nil {
		p.lineErr(l, "macro `%s' exists, but not taking %d parameter(s)", name, len(args))
		return true
	}
	if len(p.frames) >= MaxMacroDepth {
		p.lineErr(l, "macro call depth limit exceeded (recursive macro `%s'?)", name)
		p.fatal = true
		return true
	}
	if start > 0 {
		p.res.Lines = append(p.res.Lines, Line{Pos: l.Pos, Toks: toks[:start], Macro: l.Macro, Def: l.Def})
	}
	if m.max >= 0 && len(args) > m.max && m.greedy {
		// The last parameter takes the rest of the line, commas included.
		rest := toks[start+1:]
		count := 0
		brace := 0
		for k, t := range rest {
			if t.Is("{") {
				brace++
			} else if t.Is("}") {
				brace--
			} else if t.Is(",") && brace == 0 {
				count++
				if count == m.max-1 {
					args = append(args[:m.max-1], trimSpace(rest[k+1:]))
					break
				}
			}
		}
		if m.max == 1 {
			args = [][]lex.Token{trimSpace(rest)}
		}
	}
	if n := m.min + len(m.defaults); len(args) < n {
		for k := len(args); k < n; k++ {
			args = append(args, m.defaults[k-m.min])
		}
	}
	p.uniq++
	call := l.Pos
	p.frames = append(p.frames, &frame{kind: macroFrame, lines: m.body, mac: m, params: args, uniq: p.uniq, call: call, callSrc: l.Src, conds: len(p.conds)})
	return true
}

// substParams replaces %0, %N, %{N}, %%label in a macro body line.
func (p *pp) substParams(toks []lex.Token, f *frame) ([]lex.Token, error) {
	has := false
	for _, t := range toks {
		if t.Kind == lex.PP {
			has = true
			break
		}
	}
	if !has {
		return toks, nil
	}
	out := make([]lex.Token, 0, len(toks))
	glueAt := []int{}
	for _, t := range toks {
		if t.Kind != lex.PP {
			out = append(out, t)
			continue
		}
		text := t.Text
		switch {
		case strings.HasPrefix(text, "%%"):
			glueAt = append(glueAt, len(out))
			out = append(out, lex.Token{Kind: lex.Ident, Text: fmt.Sprintf("..@%d.%s", f.uniq, text[2:]), Space: t.Space})
			continue
		case text == "%0":
			out = append(out, lex.Token{Kind: lex.Num, Text: strconv.Itoa(len(f.params)), Val: int64(len(f.params)), Space: t.Space})
			continue
		}
		spec := text[1:]
		if strings.HasPrefix(spec, "{") {
			spec = strings.TrimSuffix(spec[1:], "}")
		}
		if len(spec) > 1 && (spec[0] == '-' || spec[0] == '+') {
			// %-N / %+N: parameter N as a condition code, inverted or not.
			k, err := strconv.Atoi(spec[1:])
			if err != nil {
				out = append(out, t)
				continue
			}
			pt := p.param(f, k)
			cc := strings.ToLower(tokText(pt))
			inv, ok := ccInverse[cc]
			if len(pt) != 1 || !ok {
				return nil, fmt.Errorf("macro parameter %d is not a condition code", k)
			}
			if spec[0] == '-' {
				cc = inv
			}
			glueAt = append(glueAt, len(out))
			out = append(out, lex.Token{Kind: lex.Ident, Text: cc, Space: t.Space})
			continue
		}
		lo, hi, isParam := paramRange(spec)
		if !isParam {
			out = append(out, t)
			continue
		}
		if lo == 0 && hi == 0 {
			out = append(out, lex.Token{Kind: lex.Num, Text: strconv.Itoa(len(f.params)), Val: int64(len(f.params)), Space: t.Space})
			continue
		}
		first := len(out)
		step := 1
		if hi < lo {
			step = -1
		}
		for k := lo; ; k += step {
			if k != lo {
				out = append(out, lex.Token{Kind: lex.Op, Text: ","})
			}
			pt := p.param(f, k)
			if k != lo && len(pt) > 0 {
				pt[0].Space = true
			}
			out = append(out, pt...)
			if k == hi {
				break
			}
		}
		if first < len(out) {
			out[first].Space = t.Space
		}
		glueAt = append(glueAt, first, len(out)-1)
	}
	return glueParams(out), nil
}

func paramRange(spec string) (int, int, bool) {
	a, b, isRange := strings.Cut(spec, ":")
	lo, err := strconv.Atoi(a)
	if err != nil || lo < 0 {
		return 0, 0, false
	}
	hi := lo
	if isRange {
		hi, err = strconv.Atoi(b)
		if err != nil || hi < 0 {
			return 0, 0, false
		}
	}
	return lo, hi, true
}

func (p *pp) param(f *frame, k int) []lex.Token {
	n := len(f.params)
	if k < 1 || k > n {
		return nil
	}
	src := f.params[(k-1+f.rot)%n]
	out := make([]lex.Token, len(src))
	copy(out, src)
	for i := range out {
		out[i].Space = out[i].Space && i > 0
	}
	return out
}

// glueParams joins identifier and number fragments that touch without
// whitespace (`%1_end`, `..@3.%1`), which nasm does after substitution.
func glueParams(toks []lex.Token) []lex.Token {
	out := toks[:0:0]
	for _, t := range toks {
		if len(out) > 0 && !t.Space {
			prev := out[len(out)-1]
			if isWord(prev) && isWord(t) {
				out[len(out)-1] = glue(prev, t)
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

func isWord(t lex.Token) bool { return t.Kind == lex.Ident || t.Kind == lex.Num }

func (p *pp) include(l Line, args []lex.Token) {
	toks, err := p.expand(args)
	if err != nil {
		p.lineErr(l, "%s", err)
		return
	}
	var name string
	switch {
	case len(toks) == 1 && toks[0].Kind == lex.Str:
		name = toks[0].Str
	case len(toks) >= 2 && toks[0].Is("<") && toks[len(toks)-1].Is(">"):
		name = lex.Join(toks[1 : len(toks)-1])
	default:
		p.lineErr(l, "`%%include' expects a file name")
		return
	}
	if p.incDepth >= MaxIncludeDepth {
		p.lineErr(l, "include nested too deeply (more than %d levels; recursive %%include?)", MaxIncludeDepth)
		p.fatal = true
		return
	}
	cands := []string{name}
	if !strings.HasPrefix(name, "/") {
		for _, dir := range p.opts.IncludeDirs {
			if dir == "" {
				continue
			}
			if strings.HasSuffix(dir, "/") {
				cands = append(cands, dir+name)
			} else {
				cands = append(cands, dir+"/"+name)
			}
		}
	}
	var firstErr error
	for _, c := range cands {
		data, err := p.opts.ReadFile(c)
		if err != nil {
			if firstErr == nil {
				firstErr = err
			}
			continue
		}
		p.res.Files = append(p.res.Files, c)
		p.pushFile(c, data)
		return
	}
	p.lineErr(l, "unable to open include file `%s': %s", name, errText(firstErr))
}

// contextLocals rewrites %$name (and %$$name for the enclosing context)
// into a name unique to the context on the %push stack.
func (p *pp) contextLocals(toks []lex.Token) ([]lex.Token, error) {
	var out []lex.Token
	for i, t := range toks {
		if t.Kind != lex.PP || !strings.HasPrefix(t.Text, "%$") {
			if out != nil {
				out = append(out, t)
			}
			continue
		}
		if out == nil {
			out = append([]lex.Token(nil), toks[:i]...)
		}
		name := t.Text[2:]
		depth := 1
		for strings.HasPrefix(name, "$") {
			name = name[1:]
			depth++
		}
		if len(p.ctx) < depth {
			return nil, fmt.Errorf("`%s': context stack is empty", t.Text)
		}
		c := p.ctx[len(p.ctx)-depth]
		out = append(out, lex.Token{Kind: lex.Ident, Text: fmt.Sprintf("..@%d.%s", c.id, name), Space: t.Space})
	}
	if out == nil {
		return toks, nil
	}
	return glueParams(out), nil
}

// ccInverse maps each condition code to its negation, spelled as nasm's
// %-N spells it (checked with nasm -E): a -> na, na -> a, pe -> po ...
var ccInverse = map[string]string{
	"a": "na", "ae": "nae", "b": "nb", "be": "nbe", "c": "nc", "e": "ne", "g": "ng", "ge": "nge",
	"l": "nl", "le": "nle", "na": "a", "nae": "ae", "nb": "b", "nbe": "be", "nc": "c", "ne": "e",
	"ng": "g", "nge": "ge", "nl": "l", "nle": "le", "no": "o", "np": "p", "ns": "s", "nz": "z",
	"o": "no", "p": "np", "pe": "po", "po": "pe", "s": "ns", "z": "nz",
}

// strToken makes a string token for s, quoted the way nasm would print it.
func strToken(s string) lex.Token {
	var text string
	switch {
	case !strings.Contains(s, "'"):
		text = "'" + s + "'"
	case !strings.Contains(s, "\""):
		text = "\"" + s + "\""
	default:
		var b strings.Builder
		b.WriteByte('`')
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '`' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
		b.WriteByte('`')
		text = b.String()
	}
	return lex.Token{Kind: lex.Str, Text: text, Str: s}
}
