package asm

import (
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
)

// Symbols: the table, and the directives that declare them.

type symKind uint8

const (
	symLabel symKind = iota + 1
	symEqu
	symExtern
)

type symbol struct {
	name string
	pos  pp.Pos

	// label
	sec int
	off int64
	// equ (nil until known; a pointer: most symbols are labels)
	val *expr.Value

	defPass int // last pass that defined it

	kind   symKind
	global bool
	static bool
	known  bool // has a value from this or an earlier pass
}

// sym returns the symbol named name, created (with no kind yet) on
// first use.
func (a *assembler) sym(name string) *symbol {
	s := a.syms[name]
	if s == nil {
		s = &symbol{name: strings.Clone(name)} // not a part of a source line (see parser.keep)
		a.syms[s.name] = s
		a.symOrder = append(a.symOrder, s)
	}
	return s
}

func (a *assembler) declareGlobal(name string, pos pp.Pos) {
	s := a.sym(name)
	if s.kind == symExtern {
		a.errorf(pos, "", "symbol `%s' declared both as extern and global", name)
		return
	}
	s.global = true
}

func (a *assembler) declareExtern(name string, pos pp.Pos, note string) {
	s := a.sym(name)
	switch s.kind {
	case symLabel, symEqu:
		a.warnf(pos, "symbol `%s' declared extern after its definition; ignored", name)
		return
	}
	if s.global {
		a.errorf(pos, note, "symbol `%s' declared both as extern and global", name)
		return
	}
	s.kind = symExtern
	s.pos = pos
}

// symbols is `global`, `extern`, `static` and `required`, each with a
// comma-separated list of names. Decorations (`:function`, `:data`,
// sizes) are accepted and not needed for linking; static names are
// local already.
func (p *parser) symbols(name string, args []lex.Token) {
	if len(args) == 0 {
		p.errorf("`%s' expects a symbol name", name)
		return
	}
	for _, grp := range splitTop(args) {
		if len(grp) == 0 || grp[0].Kind != lex.Ident {
			p.errorf("identifier expected after `%s'", name)
			continue
		}
		sym := p.qualify(grp[0].Text)
		switch name {
		case "global":
			p.a.declareGlobal(sym, p.pos)
		case "extern", "required":
			p.a.declareExtern(sym, p.pos, p.note)
		case "static":
			p.a.sym(sym).static = true // decorated as a global (--gprefix)
		}
	}
}

// constEnv evaluates an expression when it is parsed, as nasm does for
// "critical" expressions (org, %if...): numbers, and equ constants
// defined before, with values known then.
type constEnv struct{ a *assembler }

func (e constEnv) Lookup(name string) (expr.Value, error) {
	if v, ok := e.a.consts[name]; ok {
		return expr.Const(v), nil
	}
	return expr.ConstEnv{}.Lookup(strings.TrimPrefix(name, regPrefix))
}
func (e constEnv) Here() (expr.Value, error)      { return expr.ConstEnv{}.Here() }
func (e constEnv) SectStart() (expr.Value, error) { return expr.ConstEnv{}.SectStart() }

// noteConst records an equ whose value is known when parsed. The
// preprocessor sees only those made of numbers alone (nasm's %if takes
// `X equ 5`, not `Y equ X+1`, which org takes).
func (p *parser) noteConst(name string, n expr.Node) {
	v, err := expr.Eval(n, constEnv{p.a})
	if err != nil || !v.Simple() || v.Unknown {
		return
	}
	if p.a.consts == nil {
		p.a.consts = map[string]int64{}
		p.a.ppConsts = map[string]int64{}
	}
	p.a.consts[name] = v.Const
	if fixed(n) {
		p.a.ppConsts[name] = v.Const
	}
}

// symbolValue is the preprocessor's view of the assembler's symbols: an
// equ of a number defined before the line (pp.Options.Symbol).
func (a *assembler) symbolValue(name string) (int64, bool) {
	v, ok := a.ppConsts[a.p.qualify(name)]
	return v, ok
}

func (p *parser) common(string, []lex.Token) {
	p.errorf("`common' is not supported")
}
