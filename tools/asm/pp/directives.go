package pp

import (
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// call is one directive line as its handler sees it.
type call struct {
	name string // the directive, lower case ("%define")
	Line
	args []lex.Token // the tokens after the directive
}

// directives maps each preprocessor directive other than the %if family
// (conditionals.go) to its handler. A directive not in the table is an
// error.
var directives = map[string]func(*pp, call){
	// single-line macros (smacro.go)
	"%define": (*pp).define, "%idefine": (*pp).define, "%xdefine": (*pp).define, "%ixdefine": (*pp).define,
	"%undef": (*pp).undef, "%iundef": (*pp).undef,
	"%assign": (*pp).assign, "%iassign": (*pp).assign,
	"%defstr": (*pp).defstr, "%idefstr": (*pp).defstr,
	"%deftok": (*pp).deftok, "%ideftok": (*pp).deftok,
	"%strlen": (*pp).strlen,
	"%strcat": (*pp).strcat,
	"%substr": (*pp).substr,
	// multi-line macros (mmacro.go)
	"%macro": (*pp).macro, "%imacro": (*pp).macro, "%rmacro": (*pp).macro, "%irmacro": (*pp).macro,
	"%endmacro": (*pp).endmacro, "%endm": (*pp).endmacro,
	"%exitmacro": (*pp).exitmacro,
	"%rotate":    (*pp).rotate,
	// repetition (rep.go)
	"%rep":     (*pp).rep,
	"%endrep":  (*pp).endrep,
	"%exitrep": (*pp).exitrep,
	// files (include.go)
	"%include": (*pp).include,
	// packages and aliases (packages.go)
	"%use":      (*pp).use,
	"%defalias": (*pp).defalias, "%idefalias": (*pp).defalias,
	"%undefalias": (*pp).undefalias,
	// the context stack (context.go)
	"%push": (*pp).push,
	"%repl": (*pp).repl,
	"%pop":  (*pp).pop,
	// TASM's stack frames (stack.go)
	"%stacksize": (*pp).stacksize, "%arg": (*pp).arg, "%local": (*pp).local,
	// messages
	"%error": (*pp).message, "%fatal": (*pp).message, "%warning": (*pp).message,
	// debugging positions (srcpos.go)
	"%line": (*pp).lineDirective,
	// listing and debug-info bookkeeping, with no effect on output bytes
	"%pragma": (*pp).pragma, "%clear": ignore, "%debug": ignore,
}

// directive runs the directive d (lower case) on line l.
func (p *pp) directive(d string, l Line) {
	h, ok := directives[d]
	if !ok {
		p.lineErr(l, "unknown or unsupported preprocessor directive `%s'", l.Toks[0].Text)
		return
	}
	h(p, call{name: d, Line: l, args: l.Toks[1:]})
}

func ignore(*pp, call) {}

// pragma is %pragma: with Options.EmitPragmas, the `[pragma ...]` line
// nasm makes of it for the assembler, its arguments expanded, unless its
// namespace is the preprocessor's (preproc) or it has none.
func (p *pp) pragma(c call) {
	if !p.opts.EmitPragmas {
		return
	}
	toks, err := p.expand(c.args)
	if err != nil || len(toks) == 0 || toks[0].Kind != lex.Ident || strings.EqualFold(toks[0].Text, "preproc") {
		return
	}
	line := []lex.Token{{Kind: lex.Op, Text: "["}, {Kind: lex.Ident, Text: "pragma"}}
	line = append(line, toks...)
	line[2].Space = true
	line = append(line, lex.Token{Kind: lex.Op, Text: "]"})
	l := c.Line
	l.Toks, l.Indented = line, false
	p.emit(l)
}

// message is %error, %fatal and %warning: the expanded text, or the
// string's contents when it is a single string.
func (p *pp) message(c call) {
	toks, _ := p.expand(c.args)
	msg := lex.Join(toks)
	if len(toks) == 1 && toks[0].Kind == lex.Str {
		msg = toks[0].Str
	}
	d := Diag{Pos: c.Pos, Warning: c.name == "%warning", Fatal: c.name == "%fatal", Msg: msg, Note: p.note(c.Line)}
	if d.Warning {
		d.Class = "user"
	}
	p.diag(d)
	if c.name == "%fatal" {
		p.fatal = true
	}
}
