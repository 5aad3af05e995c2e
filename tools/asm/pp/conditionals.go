package pp

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// cond is one open %if block.
type cond struct {
	state   condState
	sawElse bool
	// dead: opened inside a skipped branch, or after a second %else or
	// an %elif after %else: nasm says nothing more about the block.
	dead bool
}

type condState uint8

const (
	condActive condState = iota // this branch is taken
	condSeek                    // no branch taken yet
	condDone                    // a branch was taken, or the whole block is skipped
)

type condKind uint8

const (
	condIf condKind = iota
	condElif
	condElse
	condEndif
)

// condSpec is what a conditional directive's name says: %ifn<test> is
// kind condIf, test <test>, negated.
type condSpec struct {
	kind condKind
	test string
	neg  bool
}

// condTests evaluates each kind of condition. The ones marked expanded
// see their arguments after single-line macro expansion.
var condTests = map[string]struct {
	expanded bool
	eval     func(p *pp, l Line, args []lex.Token) (bool, error)
}{
	"":         {false, (*pp).condExpr},
	"def":      {false, (*pp).condDef},
	"macro":    {false, (*pp).condMacro},
	"env":      {false, (*pp).condEnv},
	"ctx":      {false, (*pp).condCtx},
	"defalias": {false, (*pp).condDefalias},
	"idn":      {true, condIdentical(false)},
	"idni":     {true, condIdentical(true)},
	"num":      {true, condNum},
	"id":       {true, condTokenIs(lex.Ident)},
	"str":      {true, condTokenIs(lex.Str)},
	"empty":    {true, func(_ *pp, _ Line, toks []lex.Token) (bool, error) { return len(toks) == 0, nil }},
	"token":    {true, func(_ *pp, _ Line, toks []lex.Token) (bool, error) { return len(toks) == 1, nil }},
}

// conditionals maps every directive of the %if family to its spec:
// %if<test>, %ifn<test>, %elif<test>, %elifn<test>, %else, %endif.
var conditionals = func() map[string]condSpec {
	m := map[string]condSpec{"%else": {kind: condElse}, "%endif": {kind: condEndif}}
	for test := range condTests {
		for kind, word := range map[condKind]string{condIf: "%if", condElif: "%elif"} {
			m[word+test] = condSpec{kind: kind, test: test}
			m[word+"n"+test] = condSpec{kind: kind, test: test, neg: true}
		}
	}
	return m
}()

func (p *pp) skipping() bool {
	return len(p.conds) > 0 && p.conds[len(p.conds)-1].state != condActive
}

// open reports whether a conditional opened in the current frame is
// open: %else and %endif may not close one opened by an enclosing frame.
func (p *pp) open() bool {
	return len(p.conds) > 0 && len(p.conds) > p.top().conds
}

// conditional runs a directive of the %if family; it is seen even in
// skipped branches, to keep the nesting.
func (p *pp) conditional(c condSpec, l Line) {
	switch c.kind {
	case condIf:
		p.ifDirective(c, l)
	case condElif:
		p.elifDirective(c, l)
	case condElse:
		p.elseDirective(l)
	case condEndif:
		p.endifDirective(l)
	}
}

func (p *pp) ifDirective(c condSpec, l Line) {
	if p.skipping() {
		p.conds = append(p.conds, cond{state: condDone, dead: true})
		return
	}
	st := condSeek
	if p.test(c, l) {
		st = condActive
	}
	p.conds = append(p.conds, cond{state: st})
}

func (p *pp) elifDirective(c condSpec, l Line) {
	if !p.open() {
		p.lineErr(l, "`%s' without `%%if'", l.Toks[0].Text)
		return
	}
	top := &p.conds[len(p.conds)-1]
	if top.sawElse {
		// nasm warns and skips the branch, whatever its condition.
		if !top.dead {
			p.diag(Diag{Pos: l.Pos, Warning: true, Class: "pp-else-elif", Msg: fmt.Sprintf("`%s' after `%%else', ignoring content", strings.ToLower(l.Toks[0].Text)), Note: p.note(l)})
		}
		top.state, top.dead = condDone, true
		return
	}
	switch top.state {
	case condActive:
		top.state = condDone
	case condSeek:
		// The line was read as skipped: its %$names are resolved now
		// that its condition is evaluated.
		toks, err := p.contextLocals(l.Toks)
		if err != nil {
			p.lineErr(l, "%s", err)
			return
		}
		l.Toks = toks
		if p.test(c, l) {
			top.state = condActive
		}
	}
}

func (p *pp) elseDirective(l Line) {
	if !p.open() {
		p.lineErr(l, "`%%else' without `%%if'")
		return
	}
	top := &p.conds[len(p.conds)-1]
	p.trailing(top, l)
	if top.sawElse {
		if !top.dead {
			p.diag(Diag{Pos: l.Pos, Warning: true, Class: "pp-else-else", Msg: "`%else' after `%else', ignoring content", Note: p.note(l)})
		}
		top.state, top.dead = condDone, true
		return
	}
	top.sawElse = true
	if top.state == condSeek {
		top.state = condActive
	} else {
		top.state = condDone
	}
}

func (p *pp) endifDirective(l Line) {
	if !p.open() {
		p.lineErr(l, "`%%endif' without `%%if'")
		return
	}
	p.trailing(&p.conds[len(p.conds)-1], l)
	p.conds = p.conds[:len(p.conds)-1]
}

// trailing warns, as nasm does, about anything after %else or %endif.
func (p *pp) trailing(c *cond, l Line) {
	if len(l.Toks) > 1 && !c.dead {
		p.diag(Diag{Pos: l.Pos, Warning: true, Class: "pp-trailing", Msg: fmt.Sprintf("trailing garbage after `%s' ignored", strings.ToLower(l.Toks[0].Text)), Note: p.note(l)})
	}
}

// test evaluates a condition; an error is reported and counts as false.
func (p *pp) test(c condSpec, l Line) bool {
	v, err := p.testErr(c, l)
	if err != nil {
		p.lineErr(l, "%s", err)
		return false
	}
	return v
}

// testErr evaluates the condition of l, whose first token is the
// directive (or %is function) naming it.
func (p *pp) testErr(c condSpec, l Line) (bool, error) {
	t := condTests[c.test]
	args := l.Toks[1:]
	if t.expanded {
		toks, err := p.expandPaste(args)
		if err != nil {
			return false, err
		}
		args = toks
	}
	v, err := t.eval(p, l, args)
	return v != c.neg, err
}

func (p *pp) condExpr(_ Line, args []lex.Token) (bool, error) {
	toks, err := p.expandPaste(args)
	if err != nil {
		return false, err
	}
	v, err := p.constExpr(toks)
	return v != 0, err
}

func (p *pp) condDef(l Line, args []lex.Token) (bool, error) {
	if len(args) != 1 || args[0].Kind != lex.Ident {
		return false, fmt.Errorf("`%s' expects a macro name", l.Toks[0].Text)
	}
	if _, ok, _ := p.builtin(args[0]); ok {
		return true, nil
	}
	return p.lookupSmacro(args[0].Text) != nil, nil
}

// condMacro is %ifmacro name [min[-max|-*]][+], as nasm 2.16 decides
// it: a multi-line macro of exactly that name (case counts, even for an
// %imacro) whose parameter range overlaps the one asked for, where a
// `+' on either side lifts that side's maximum. No count is any count.
// As in nasm, `-' and `+' count only right after the number (`1 - 2'
// asks for 1).
func (p *pp) condMacro(l Line, args []lex.Token) (bool, error) {
	if len(args) < 1 || args[0].Kind != lex.Ident {
		return false, fmt.Errorf("`%s' expects a macro name", l.Toks[0].Text)
	}
	name := args[0].Text
	rest, err := p.expandPaste(args[1:])
	if err != nil {
		return false, err
	}
	lo, hi, plus := 0, -1, false // hi < 0: no maximum
	if len(rest) > 0 {
		if rest[0].Kind != lex.Num {
			return false, fmt.Errorf("`%s' expects a parameter count or nothing", l.Toks[0].Text)
		}
		lo, hi = paramCountValue(rest[0]), paramCountValue(rest[0])
		i := 1
		if i+1 < len(rest) && rest[i].Is("-") && !rest[i].Space {
			switch t := rest[i+1]; {
			case t.Is("*") && !t.Space:
				hi = -1
			case t.Kind == lex.Num && !t.Space:
				if hi = paramCountValue(t); lo > hi {
					return false, fmt.Errorf("minimum parameter count exceeds maximum")
				}
			default:
				return false, fmt.Errorf("`%s' expects a parameter count after `-'", l.Toks[0].Text)
			}
			i += 2
		}
		plus = i < len(rest) && rest[i].Is("+") && !rest[i].Space
	}
	ms := p.mmacs[strings.ToLower(name)]
	if m, ok := p.directiveMacro(name); ok {
		ms = append(ms[:len(ms):len(ms)], m)
	}
	for _, m := range ms {
		if m.name == name && (hi < 0 || m.min <= hi || plus) && (m.max < 0 || lo <= m.max || m.greedy) {
			return true, nil
		}
	}
	return false, nil
}

// directiveMacros are the directives nasm 2.16 defines as multi-line
// macros in its standard macros (so %ifmacro sees them): name, minimum
// and maximum parameter counts (-1: any), greedy.
var directiveMacros = map[string]mmacro{
	"section": {min: 1, max: 1, greedy: true}, "segment": {min: 1, max: 1, greedy: true},
	"sectalign": {min: 1, max: 1, greedy: true}, "absolute": {min: 1, max: 1, greedy: true},
	"struc": {min: 1, max: 2}, "endstruc": {}, "istruc": {min: 1, max: 1},
	"at": {min: 1, max: 2, greedy: true}, "iend": {},
	"align": {min: 1, max: 2, greedy: true}, "alignb": {min: 1, max: 2, greedy: true},
	"bits": {min: 1, max: 1, greedy: true}, "use16": {}, "use32": {}, "use64": {},
	"extern": {min: 1, max: -1}, "static": {min: 1, max: -1}, "global": {min: 1, max: -1},
	"required": {min: 1, max: -1}, "common": {min: 1, max: -1},
	"cpu": {min: 1, max: 1, greedy: true}, "float": {min: 1, max: -1},
	"default": {min: 1, max: 1, greedy: true}, "userel": {}, "useabs": {}, "usebnd": {}, "usenobnd": {},
	"incbin": {min: 1, max: 2, greedy: true},
}

// directiveMacro is the standard macro of a directive named name (any
// case), nasm's or the output format's (Options.FormatMacros).
func (p *pp) directiveMacro(name string) (*mmacro, bool) {
	lower := strings.ToLower(name)
	m, ok := directiveMacros[lower]
	if !ok && indexOf(p.opts.FormatMacros, lower) >= 0 {
		m, ok = mmacro{min: 1, max: 1, greedy: true}, true
	}
	m.name, m.icase = name, true // any case: the name asked for
	return &m, ok
}

// paramCountValue is a parameter count as nasm reads one (a number
// beyond int's range is treated as none).
func paramCountValue(t lex.Token) int {
	if t.Val < 0 || t.Val > 1<<30 {
		return 0
	}
	return int(t.Val)
}

func (p *pp) condEnv(l Line, _ []lex.Token) (bool, error) {
	return false, fmt.Errorf("`%s' is not supported (builds must not depend on the environment)", l.Toks[0].Text)
}

// condIdentical is %ifidn (or %ifidni, ignoring case).
func condIdentical(fold bool) func(*pp, Line, []lex.Token) (bool, error) {
	return func(_ *pp, l Line, toks []lex.Token) (bool, error) {
		a, b, ok := splitComma(toks)
		if !ok {
			return false, fmt.Errorf("`%s' expects two comma-separated arguments", l.Toks[0].Text)
		}
		sa, sb := tokText(a), tokText(b)
		if fold {
			return strings.EqualFold(sa, sb), nil
		}
		return sa == sb, nil
	}
}

func condNum(_ *pp, _ Line, toks []lex.Token) (bool, error) {
	return len(toks) == 1 && toks[0].Kind == lex.Num || len(toks) == 2 && toks[0].Is("-") && toks[1].Kind == lex.Num, nil
}

func condTokenIs(k lex.Kind) func(*pp, Line, []lex.Token) (bool, error) {
	return func(_ *pp, _ Line, toks []lex.Token) (bool, error) {
		return len(toks) == 1 && toks[0].Kind == k, nil
	}
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

// splitComma splits at the first comma outside parentheses and brackets.
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

// charConsts truncates the character constants of an expression as nasm
// 2.16 reads them: 8 bytes under BITS 64, else 4, a longer one keeping
// its first characters, with nasm's warning (`%assign x 'abcdefgh” is
// 'abcd' in 16- and 32-bit code).
func (p *pp) charConsts(toks []lex.Token) ([]lex.Token, error) {
	width := 0
	var out []lex.Token
	for i, t := range toks {
		if t.Kind != lex.Str || len(t.Str) <= 4 {
			continue
		}
		if width == 0 {
			width = 4
			if p.opts.Builtin != nil {
				b, ok, err := p.opts.Builtin("__?BITS?__")
				if err != nil {
					return nil, err
				}
				if ok && len(b) == 1 && b[0].Kind == lex.Num && b[0].Val == 64 {
					width = 8
				}
			}
		}
		if len(t.Str) <= width {
			continue
		}
		if out == nil {
			out = append([]lex.Token(nil), toks...)
		}
		out[i].Str = t.Str[:width]
		p.diag(Diag{Pos: p.cur, Warning: true, Msg: "character constant too long"})
	}
	if out == nil {
		return toks, nil
	}
	return out, nil
}

// symbolEnv is a critical expression's environment: numbers, the
// assembler's constants and, while assembling, what nasm's preprocessor
// sees of the current pass (Options.Assembly).
type symbolEnv struct {
	symbol   func(string) (int64, bool)
	assembly expr.Env
}

func (e symbolEnv) Lookup(name string) (expr.Value, error) {
	if e.symbol != nil {
		if v, ok := e.symbol(name); ok {
			return expr.Const(v), nil
		}
	}
	if e.assembly != nil {
		return e.assembly.Lookup(name)
	}
	return expr.ConstEnv{}.Lookup(name)
}

func (e symbolEnv) Here() (expr.Value, error) {
	if e.assembly != nil {
		return e.assembly.Here()
	}
	return expr.ConstEnv{}.Here()
}

func (e symbolEnv) SectStart() (expr.Value, error) {
	if e.assembly != nil {
		return e.assembly.SectStart()
	}
	return expr.ConstEnv{}.SectStart()
}

// constExpr evaluates a critical expression: numbers, and constants the
// assembler knows already.
func (p *pp) constExpr(toks []lex.Token) (int64, error) {
	v, end, err := p.constPrefix(toks)
	if err == nil && end != len(toks) {
		err = fmt.Errorf("trailing garbage after expression: `%s'", lex.Join(toks[end:]))
	}
	return v, err
}

// constPrefix evaluates the critical expression toks starts with, and
// returns where it ends.
func (p *pp) constPrefix(toks []lex.Token) (int64, int, error) {
	if len(toks) == 0 {
		return 0, 0, fmt.Errorf("expression expected")
	}
	toks, err := p.charConsts(toks)
	if err != nil {
		return 0, 0, err
	}
	n, end, err := expr.ParseLimit(toks, 0, nil, p.lim.Eval)
	if ferr := StringFuncInExpr(toks, 0, end, err != nil); ferr != nil {
		return 0, 0, ferr
	}
	if err != nil {
		return 0, 0, err
	}
	v, err := expr.Eval(n, symbolEnv{p.opts.Symbol, p.opts.Assembly})
	if err != nil {
		return 0, 0, err
	}
	if !v.Simple() || v.Unknown {
		return 0, 0, fmt.Errorf("expression is not a constant")
	}
	return v.Const, end, nil
}
