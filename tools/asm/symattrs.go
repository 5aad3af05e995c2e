package asm

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// Symbol attributes: what `global name:SPECIAL`, `extern`, `static`,
// `required` and `common` say after the colon, which ELF writes as the
// symbol's type, binding, visibility and size, as nasm does: keywords
// (any case) first, then an optional size expression evaluated once
// every label is known, with `$` the symbol's own address. The flat
// binary format has no symbol table: a defined symbol with attributes
// is an error there, as in nasm.

// symAttrs are a symbol's attributes, parsed when declared.
type symAttrs struct {
	text   string // as written, for nasm's consistency check between declarations
	kind   obj.SymKind
	vis    obj.Visibility
	bind   attrBind
	size   expr.Node   // nil: no size expression
	badExp error       // the size expression did not parse (reported when the symbol is written)
	retry  []lex.Token // what nasm evaluates again when size names an undefined symbol
	pos    pp.Pos      // the declaration, for messages about an undefined symbol
	note   string
	seq    int   // and its line's sequence number (Diag.Seq)
	align  int64 // common: the alignment after the colon (0: none)
	// badAlign is what is wrong with a common's alignment: nasm says so
	// when it writes the symbol
	badAlign string
}

type attrBind uint8

const (
	bindAsDeclared attrBind = iota
	bindWeak
	bindStrong
)

// symKeywords are nasm 2.16's attribute words and what each sets (it
// has no gnu_ifunc: later versions do).
var symKeywords = map[string]func(*symAttrs){
	"function":  func(s *symAttrs) { s.kind = obj.KindFunc },
	"data":      func(s *symAttrs) { s.kind = obj.KindObject },
	"object":    func(s *symAttrs) { s.kind = obj.KindObject },
	"notype":    func(s *symAttrs) { s.kind = obj.KindNone },
	"default":   func(s *symAttrs) { s.vis = obj.VisDefault },
	"hidden":    func(s *symAttrs) { s.vis = obj.VisHidden },
	"protected": func(s *symAttrs) { s.vis = obj.VisProtected },
	"internal":  func(s *symAttrs) { s.vis = obj.VisInternal },
	"weak":      func(s *symAttrs) { s.bind = bindWeak },
	"strong":    func(s *symAttrs) { s.bind = bindStrong },
}

// declaration splits one item of a symbol directive, `name`,
// `name:SPECIAL` or, for common, `name size[:SPECIAL]`, into the name,
// the size tokens and the special tokens.
func (p *parser) declaration(directive string, grp []lex.Token) (name string, size, special []lex.Token, ok bool) {
	if len(grp) == 0 || grp[0].Kind != lex.Ident {
		p.errorf("identifier expected after %s, got `%s'", directive, lex.Join(grp))
		return "", nil, nil, false
	}
	rest := grp[1:]
	// nasm: a blank after the name starts a size (only common has
	// one); the first colon after the name starts the special text.
	spaced := len(rest) > 0 && rest[0].Space
	if len(rest) > 0 && (!rest[0].Is(":") || spaced) {
		end := len(rest)
		for i, t := range rest {
			if t.Is(":") {
				end = i
				break
			}
		}
		size, rest = rest[:end], rest[end:]
	}
	if len(rest) > 0 {
		special = rest[1:]
	}
	if directive != "common" && spaced {
		p.errorf("invalid syntax in %s declaration", directive)
		return "", nil, nil, false
	}
	return grp[0].Text, size, special, true
}

// parseAttrs reads special tokens into attributes: keywords while they
// last, then a size expression (nasm ignores what follows it). For
// common, a number comes first: the alignment.
func (p *parser) parseAttrs(directive string, special []lex.Token) *symAttrs {
	if len(special) == 0 {
		return nil
	}
	at := &symAttrs{text: strings.ToLower(lex.Join(special)), pos: p.pos, note: p.note, seq: p.a.lineSeq}
	i := 0
	if directive == "common" {
		switch n := special[0].Val; {
		case special[0].Kind != lex.Num:
			at.badAlign = fmt.Sprintf("alignment constraint `%s' is not a valid number", lex.Join(special))
		case n <= 0 || n&(n-1) != 0:
			at.badAlign = fmt.Sprintf("alignment constraint `%s' is not a power of two", lex.Join(special))
		default:
			at.align = n
		}
		i++
	}
	for ; i < len(special); i++ {
		set := symKeywords[lower(special[i])]
		if set == nil || lower(special[i]) == "internal" && i != len(special)-1 {
			break // nasm takes `internal' only as the last word
		}
		set(at)
	}
	if i < len(special) {
		n, _, err := p.parseExpr(special, i)
		at.size, at.badExp = n, err
		// nasm evaluates a size naming an undefined symbol once more at
		// the end, from the special text less its first word.
		j := 1
		for j < len(special) && !special[j].Space {
			j++
		}
		at.retry = special[j:]
	}
	return at
}

// setAttrs records a declaration's attributes, with nasm's rules: the
// same kind of declaration again must say the same; a global or common
// replacing an extern replaces its attributes; an extern after a global
// keeps the global's.
func (p *parser) setAttrs(s *symbol, at *symAttrs, replaces bool) {
	switch {
	case at == nil:
	case s.attrs == nil || replaces:
		s.attrs = at
	case !strings.EqualFold(s.attrs.text, at.text):
		p.errorf("symbol `%s' has inconsistent attributes `%s' and `%s'", s.name, s.attrs.text, at.text)
	}
}

// applyAttrs sets what a symbol's attributes say on its object symbol.
// Errors go to errs, those nasm finds only in its final pass (a size
// naming an undefined symbol) to late: nasm never gets there when errs
// has any.
func (a *assembler) applyAttrs(s *symbol, os *obj.Symbol, errs, late *Errors) {
	at := s.attrs
	if at == nil {
		return
	}
	d := Diag{Pos: at.pos, Note: at.note, Seq: at.seq}
	if s.kind == symLabel || s.kind == symEqu {
		d = Diag{Pos: s.pos, Seq: s.defSeq}
	}
	fail := func(to *Errors, format string, args ...any) {
		d.Msg = fmt.Sprintf(format, args...)
		*to = append(*to, d)
	}
	if at.badAlign != "" {
		fail(errs, "%s", at.badAlign)
	}
	os.Kind, os.Visibility = at.kind, at.vis
	switch {
	case at.bind != bindAsDeclared && os.Binding == obj.BindLocal:
		fail(errs, "weak and strong only applies to global symbols")
	case at.bind == bindWeak:
		os.Binding = obj.BindWeak
	case at.bind == bindStrong:
		os.Binding = obj.BindGlobal
	}
	if at.badExp != nil {
		fail(errs, "%s", at.badExp)
		return
	}
	if at.size == nil {
		return
	}
	e := env{a: a}
	if s.kind == symLabel || s.kind == symEqu {
		e.sec, e.here = s.sec, s.off // `$' is where the symbol is defined
	}
	v, err := expr.Eval(at.size, e)
	to := errs
	if err != nil && strings.HasPrefix(err.Error(), "symbol `") {
		v, err = a.retrySize(at, e)
		to = late
		if err != nil && s.kind == symEqu {
			// nasm 2.16 says nothing for an equ's name (`global
			// foo:gnu_ifunc', a word it does not know, then `foo equ
			// bar'): the symbol keeps no size.
			return
		}
	}
	switch {
	case err != nil:
		fail(to, "%s", err)
	case !v.Simple() || v.Unknown:
		fail(to, "cannot use relocatable expression as symbol size")
	default:
		os.Size = uint64(v.Const)
	}
}

// binAttrs is -f bin's answer to a defined global or static symbol
// with attributes: the format has nowhere to put them.
func (a *assembler) binAttrs() Errors {
	var errs Errors
	for _, s := range a.symOrder {
		if s.attrs != nil && (s.global || s.static) && (s.kind == symLabel || s.kind == symEqu) {
			errs = append(errs, Diag{Pos: s.pos, Msg: "binary format does not support any special symbol types"})
		}
	}
	return errs
}

// retrySize is nasm's second evaluation of a size that named an
// undefined symbol (see symAttrs.retry): its error is the one shown.
func (a *assembler) retrySize(at *symAttrs, e env) (expr.Value, error) {
	if len(at.retry) == 0 {
		return expr.Value{}, fmt.Errorf("expression syntax error")
	}
	n, _, err := a.p.parseExpr(at.retry, 0)
	if err != nil {
		return expr.Value{}, err
	}
	return expr.Eval(n, e)
}
