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
	symCommon // `common name size`: an external reference in ELF, allocated by the linker
)

type symbol struct {
	name       string
	pos        pp.Pos
	attrs      *symAttrs // after the colon (symattrs.go)
	defSeq     int       // the preprocessed line that defines it, counting from 1 (messages sort by it)
	commonSize int64
	// externAfter is an `extern` of the name after its definition: nasm
	// takes it as offset 0 in the symbol's section, an error unless the
	// symbol is there (checked once values are final).
	externAfter *pp.Diag

	// label
	sec int
	off int64
	// equ (nil until known; a pointer: most symbols are labels)
	val *expr.Value

	defPass int // last pass that defined it

	kind   symKind
	global bool
	static bool
	// required: `required name` (written even when nothing uses it);
	// used: an expression of some pass referred to it (an extern nothing
	// uses is left out of the object, as nasm leaves it out)
	required, used bool
	known          bool // has a value from this or an earlier pass
	redef          *redefState
}

// redefState is the value a symbol defined more than once has at this
// point of a pass, and the definition that gave it (nasm's note).
type redefState struct {
	pass int
	pos  pp.Pos
	val  expr.Value
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

func (a *assembler) declareGlobal(name string, pos pp.Pos) bool {
	s := a.sym(name)
	if s.kind == symExtern {
		a.errorf(pos, "", "symbol `%s' declared both as extern and global", name)
		return false
	}
	s.global = true
	return true
}

// declareExtern makes name an external symbol; false if it is not one
// after all (it is defined here, or common).
func (a *assembler) declareExtern(name string, pos pp.Pos, note string) bool {
	s := a.sym(name)
	switch s.kind {
	case symLabel, symEqu:
		s.global = true // nasm: an extern defined here is a global
		if s.externAfter == nil {
			s.externAfter = &pp.Diag{Pos: pos, Note: note, Seq: a.lineSeq}
		}
		return false
	case symCommon:
		return false // nasm: a common ignores a later extern
	}
	if s.global {
		a.errorf(pos, note, "symbol `%s' declared both as extern and global", name)
		return false
	}
	s.kind = symExtern
	s.pos = pos
	return true
}

// symbols is `global`, `extern`, `static` and `required`, each with a
// comma-separated list of names, each name with optional attributes
// after a colon (symattrs.go); static names are local already.
func (p *parser) symbols(name string, args []lex.Token) {
	if len(args) == 0 {
		p.errorf("`%s' expects a symbol name", name)
		return
	}
	for _, grp := range splitTop(args) {
		id, _, special, ok := p.declaration(name, grp)
		if !ok {
			continue
		}
		sym := p.qualify(id)
		at := p.parseAttrs(name, special)
		s := p.a.sym(sym)
		switch name {
		case "global":
			wasExtern := s.kind == symExtern
			if p.a.declareGlobal(sym, p.pos) {
				p.setAttrs(s, at, wasExtern)
			}
		case "extern", "required":
			if p.a.declareExtern(sym, p.pos, p.note) {
				p.setAttrs(s, at, false)
				s.required = s.required || name == "required"
			} else if s.attrs == nil {
				s.attrs = at // nasm keeps an extern's attributes when there were none
			}
		case "static":
			s.static = true // decorated as a global (--gprefix)
			p.setAttrs(s, at, false)
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

// common is `common name size[:align attributes]`, one or more
// comma-separated: a block of size bytes the linker allocates (merging
// the same name from every object), an external reference here.
func (p *parser) common(name string, args []lex.Token) {
	if len(args) == 0 {
		p.errorf("`%s' expects a symbol name", name)
		return
	}
	for _, grp := range splitTop(args) {
		id, size, special, ok := p.declaration(name, grp)
		if !ok {
			continue
		}
		if len(size) == 0 && (len(grp) == 1 || !grp[1].Space) {
			p.errorf("no size specified in common declaration")
			continue
		}
		if len(size) != 1 || size[0].Kind != lex.Num || size[0].Val < 0 {
			p.errorf("invalid size specified in common declaration")
			continue
		}
		if p.a.format == "bin" {
			p.errorf("binary output format does not support common variables")
			continue
		}
		s := p.a.sym(p.qualify(id))
		at := p.parseAttrs(name, special)
		switch {
		case s.kind == symExtern || s.kind == 0 && !s.global:
			s.kind, s.pos, s.commonSize = symCommon, p.pos, size[0].Val
			s.attrs = nil
			p.setAttrs(s, at, true)
		case s.kind == symCommon && s.commonSize == size[0].Val:
			p.setAttrs(s, at, false)
		default:
			p.errorf("label `%s' inconsistently redefined", s.name)
		}
	}
}
