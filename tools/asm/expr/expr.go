// Package expr parses and evaluates NASM expressions. A value is a constant
// plus a linear combination of symbols (for relocations) and registers (for
// effective addresses), which is how nasm itself represents expressions.
package expr

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// Node is a parsed expression.
type Node interface{ node() }

type (
	// Num is an integer or character constant.
	Num struct{ V int64 }
	// Ident is a name: a symbol, a register, or a local label (already
	// qualified by the parser if Qualified is set).
	Ident struct{ Name string }
	// Here is `$`, SectStart is `$$`.
	Here      struct{}
	SectStart struct{}
	// Unary is -x, +x, ~x, !x.
	Unary struct {
		Op string
		X  Node
	}
	// Binary is x op y.
	Binary struct {
		Op   string
		X, Y Node
	}
	// Cond is c ? a : b.
	Cond struct{ C, A, B Node }
)

func (Num) node()       {}
func (Ident) node()     {}
func (Here) node()      {}
func (SectStart) node() {}
func (Unary) node()     {}
func (Binary) node()    {}
func (Cond) node()      {}

// Error is a parse or evaluation error.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errf(format string, args ...any) error { return &Error{fmt.Sprintf(format, args...)} }

// Parser reads an expression from a token slice.
type Parser struct {
	toks []lex.Token
	pos  int
	// Name maps an identifier token to the name stored in the tree (the
	// assembler qualifies local labels here); nil keeps the text.
	Name func(t lex.Token) string
	// Limit bounds the descent, nasm's --limit-eval: operands and unary
	// operators in the expression, and its nesting. It keeps the tree,
	// and the recursion that builds and evaluates it, bounded.
	Limit   int64
	descent int64 // operands and unary operators so far
	depth   int64 // nesting of parentheses, unary operators and ?:
}

// DefaultLimit is nasm's default --limit-eval.
const DefaultLimit = 8192

// Parse parses the longest expression starting at toks[start] and returns
// it and the index of the first token after it.
func Parse(toks []lex.Token, start int, name func(lex.Token) string) (Node, int, error) {
	return ParseLimit(toks, start, name, DefaultLimit)
}

// ParseLimit is Parse with the descent limit given (Parser.Limit).
func ParseLimit(toks []lex.Token, start int, name func(lex.Token) string, limit int64) (Node, int, error) {
	p := &Parser{toks: toks, pos: start, Name: name, Limit: limit}
	n, err := p.cond()
	return n, p.pos, err
}

func (p *Parser) peek() *lex.Token {
	if p.pos < len(p.toks) {
		return &p.toks[p.pos]
	}
	return nil
}

func (p *Parser) isOp(ops ...string) (string, bool) {
	t := p.peek()
	if t == nil || t.Kind != lex.Op {
		return "", false
	}
	for _, o := range ops {
		if t.Text == o {
			return o, true
		}
	}
	return "", false
}

func (p *Parser) cond() (Node, error) {
	p.depth++
	defer func() { p.depth-- }()
	if p.depth > p.Limit {
		return nil, errf("expression too deeply nested (--limit-eval)")
	}
	c, err := p.binary(0)
	if err != nil {
		return nil, err
	}
	if _, ok := p.isOp("?"); !ok {
		return c, nil
	}
	p.pos++
	a, err := p.cond()
	if err != nil {
		return nil, err
	}
	if _, ok := p.isOp(":"); !ok {
		return nil, errf("expecting `:' in conditional expression")
	}
	p.pos++
	b, err := p.cond()
	if err != nil {
		return nil, err
	}
	return Cond{c, a, b}, nil
}

// levels lists binary operators from the loosest to the tightest binding,
// following nasm's grammar.
var levels = [][]string{
	{"||"},
	{"^^"},
	{"&&"},
	{"=", "==", "!=", "<>", "<", "<=", ">", ">=", "<=>"},
	{"|"},
	{"^"},
	{"&"},
	{"<<", ">>", "<<<", ">>>"},
	{"+", "-"},
	{"*", "/", "//", "%", "%%"},
}

func (p *Parser) binary(level int) (Node, error) {
	if level == len(levels) {
		return p.unary()
	}
	x, err := p.binary(level + 1)
	if err != nil {
		return nil, err
	}
	for {
		op, ok := p.isOp(levels[level]...)
		if !ok {
			return x, nil
		}
		p.pos++
		y, err := p.binary(level + 1)
		if err != nil {
			return nil, err
		}
		x = Binary{op, x, y}
	}
}

func (p *Parser) unary() (Node, error) {
	t := p.peek()
	if t == nil {
		return nil, errf("expression syntax error")
	}
	if p.descent++; p.descent > p.Limit {
		return nil, errf("expression too long (--limit-eval)")
	}
	if op, ok := p.isOp("-", "+", "~", "!"); ok {
		p.depth++
		defer func() { p.depth-- }()
		p.pos++
		x, err := p.unary()
		if err != nil {
			return nil, err
		}
		return Unary{op, x}, nil
	}
	if t.Kind == lex.Ident && !t.Escaped && strings.EqualFold(t.Text, "seg") {
		return nil, errf("SEG is not supported")
	}
	return p.primary()
}

func (p *Parser) primary() (Node, error) {
	t := p.peek()
	if t == nil {
		return nil, errf("expression syntax error")
	}
	switch t.Kind {
	case lex.Num:
		p.pos++
		return Num{t.Val}, nil
	case lex.Str:
		v, ok := lex.CharConst(t.Str)
		if !ok {
			return nil, errf("character constant too long")
		}
		p.pos++
		return Num{v}, nil
	case lex.Ident:
		p.pos++
		name := t.Text
		if p.Name != nil {
			name = p.Name(*t)
		}
		return Ident{name}, nil
	case lex.Op:
		switch t.Text {
		case "$":
			p.pos++
			return Here{}, nil
		case "$$":
			p.pos++
			return SectStart{}, nil
		case "(":
			p.pos++
			n, err := p.cond()
			if err != nil {
				return nil, err
			}
			if _, ok := p.isOp(")"); !ok {
				return nil, errf("expecting `)'")
			}
			p.pos++
			return n, nil
		}
	case lex.PP:
		return nil, errf("unexpected `%s' outside a macro", t.Text)
	case lex.Float:
		return nil, errf("floating-point constant `%s' is only allowed alone in data or in __floatN__()", t.Text)
	}
	return nil, errf("expression syntax error")
}

// Term is a symbol with a coefficient.
type Term struct {
	Sym  string
	Coef int64
}

// RegTerm is a register with a coefficient (scale).
type RegTerm struct {
	Reg  int
	Coef int64
	// Scaled: the source multiplied this register (`eax*1`), which tells
	// nasm not to prefer it as the base.
	Scaled bool
}

// Value is Const + sum(Terms) + sum(Regs). Unknown marks a value that
// depends on a symbol whose address is not yet known (an early pass).
type Value struct {
	Const   int64
	Terms   []Term
	Regs    []RegTerm
	Unknown bool
	// UnknownCoef is how many times an unknown value counts nasm's one
	// "unknown" quantity (0 with Unknown set stands for 1): nasm adds
	// them up, so that `fwd2 - fwd1` of two labels not defined yet is
	// known, and 0, in the first pass (see add).
	UnknownCoef int64
	// HasConst: the value has a constant part in nasm's sense (a number,
	// or a symbol's offset), even if zero; it matters for Hint only.
	HasConst bool
}

// unknownCoef is v's count of nasm's unknown quantity.
func (v Value) unknownCoef() int64 {
	switch {
	case !v.Unknown:
		return 0
	case v.UnknownCoef == 0:
		return 1
	}
	return v.UnknownCoef
}

// Simple reports whether v is a plain number.
func (v Value) Simple() bool { return len(v.Terms) == 0 && len(v.Regs) == 0 }

// Const returns a known constant value.
func Const(c int64) Value { return Value{Const: c, HasConst: true} }

// Env resolves names during evaluation.
type Env interface {
	// Lookup returns the value of a name (a register is a Value with one
	// RegTerm). An undefined name in an early pass is Value{Unknown: true}.
	Lookup(name string) (Value, error)
	Here() (Value, error)
	SectStart() (Value, error)
}

// Eval evaluates n in env.
func Eval(n Node, env Env) (Value, error) {
	e := evaluator{env: env}
	return e.eval(n)
}

// HintKind is nasm's effective-address hint: which register the source
// suggests as the base. nasm tracks it while evaluating and it decides
// base and index when both could serve.
type HintKind uint8

const (
	HintNone     HintKind = iota
	HintMakeBase          // Reg was the first register written: prefer it as base
	HintNotBase           // Reg was then multiplied (`eax*1`): prefer it as index
	HintSummed            // two like terms were added: no preference (nasm's register order decides)
)

// Hint is the hint state after an evaluation.
type Hint struct {
	Kind HintKind
	Reg  int
}

// EvalHint evaluates n and also returns nasm's base-register hint.
func EvalHint(n Node, env Env) (Value, Hint, error) {
	e := evaluator{env: env}
	v, err := e.eval(n)
	return v, e.hint, err
}

type evaluator struct {
	env  Env
	hint Hint
}

func (e *evaluator) eval(n Node) (Value, error) {
	switch n := n.(type) {
	case Num:
		return Value{Const: n.V, HasConst: true}, nil
	case Ident:
		return e.ident(n)
	case Here:
		v, err := e.env.Here()
		v.HasConst = true
		return v, err
	case SectStart:
		v, err := e.env.SectStart()
		v.HasConst = true
		return v, err
	case Unary:
		return e.unary(n)
	case Binary:
		return e.binary(n)
	case Cond:
		return e.cond(n)
	}
	return Value{}, errf("expression syntax error")
}

func (e *evaluator) ident(n Ident) (Value, error) {
	v, err := e.env.Lookup(n.Name)
	if err != nil {
		return v, err
	}
	if len(v.Regs) == 1 && len(v.Terms) == 0 && !v.HasConst {
		if e.hint.Kind == HintNone {
			e.hint = Hint{HintMakeBase, v.Regs[0].Reg}
		}
	} else {
		v.HasConst = true // a symbol brings its offset, even 0
	}
	return v, nil
}

func (e *evaluator) unary(n Unary) (Value, error) {
	x, err := e.eval(n.X)
	if err != nil {
		return x, err
	}
	switch n.Op {
	case "+":
		return x, nil
	case "-":
		return scale(x, -1), nil
	}
	if x.Unknown {
		return Value{Unknown: true}, nil
	}
	if !x.Simple() {
		return Value{}, errf("`%s' applied to a non-constant value", n.Op)
	}
	if n.Op == "~" {
		return Const(^x.Const), nil
	}
	return Const(b2i(x.Const == 0)), nil
}

func (e *evaluator) binary(n Binary) (Value, error) {
	x, err := e.eval(n.X)
	if err != nil {
		return x, err
	}
	// nasm evaluates both sides; short-circuit would hide errors.
	y, err := e.eval(n.Y)
	if err != nil {
		return y, err
	}
	switch n.Op {
	case "+":
		e.noteSum(x, y)
	case "-", "=", "==", "!=", "<>", "<", "<=", ">", ">=", "<=>":
		e.noteSum(x, scale(y, -1))
	case "*":
		e.noteScaled(x, y)
	}
	return binop(n.Op, x, y)
}

// noteScaled records nasm's "not the base" hint: the register hinted as
// base was multiplied (`eax*1`).
func (e *evaluator) noteScaled(x, y Value) {
	scaled := x
	if x.Simple() {
		scaled = y
	}
	if e.hint.Kind == HintMakeBase {
		for _, r := range scaled.Regs {
			if r.Reg == e.hint.Reg {
				e.hint.Kind = HintNotBase
			}
		}
	}
}

func (e *evaluator) cond(n Cond) (Value, error) {
	c, err := e.eval(n.C)
	if err != nil {
		return c, err
	}
	a, err := e.eval(n.A)
	if err != nil {
		return a, err
	}
	b, err := e.eval(n.B)
	if err != nil {
		return b, err
	}
	if c.Unknown {
		return Value{Unknown: true}, nil
	}
	if !c.Simple() {
		return Value{}, errf("condition of `?:' is not a constant")
	}
	if c.Const != 0 {
		return a, nil
	}
	return b, nil
}

// noteSum records nasm's "summed" hint: adding two like terms (two
// constants, the same symbol, the same register) with a nonzero result.
func (e *evaluator) noteSum(x, y Value) {
	summed := x.HasConst && y.HasConst && x.Const+y.Const != 0
	for _, a := range x.Terms {
		for _, b := range y.Terms {
			if a.Sym == b.Sym && a.Coef+b.Coef != 0 {
				summed = true
			}
		}
	}
	for _, a := range x.Regs {
		for _, b := range y.Regs {
			if a.Reg == b.Reg && a.Coef+b.Coef != 0 {
				summed = true
			}
		}
	}
	if summed {
		e.hint.Kind = HintSummed
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

func scale(x Value, k int64) Value {
	r := Value{Const: x.Const * k, Unknown: x.Unknown, HasConst: x.HasConst}
	if x.Unknown {
		r.UnknownCoef = x.unknownCoef() * k
	}
	for _, t := range x.Terms {
		if t.Coef*k != 0 {
			r.Terms = append(r.Terms, Term{t.Sym, t.Coef * k})
		}
	}
	for _, t := range x.Regs {
		if t.Coef*k != 0 {
			r.Regs = append(r.Regs, RegTerm{t.Reg, t.Coef * k, t.Scaled || k != -1})
		}
	}
	return r
}

// noZeroCoef reports whether v is already in add's normal form: no
// cancelled term and nil (not empty) slices when there are none.
func noZeroCoef(v Value) bool {
	if v.Terms != nil && len(v.Terms) == 0 || v.Regs != nil && len(v.Regs) == 0 {
		return false
	}
	for _, t := range v.Terms {
		if t.Coef == 0 {
			return false
		}
	}
	for _, t := range v.Regs {
		if t.Coef == 0 {
			return false
		}
	}
	return true
}

func add(x, y Value) Value {
	if x.Unknown || y.Unknown {
		return addUnknown(x, y)
	}
	r := Value{Const: x.Const + y.Const}
	// Like nasm's vectors: two constant parts merge, and vanish if they cancel.
	r.HasConst = x.HasConst != y.HasConst || x.HasConst && r.Const != 0
	// Adding a plain number (`[rbx+8]`) keeps the other side's terms: share
	// them, since values are never modified in place.
	if len(y.Terms) == 0 && len(y.Regs) == 0 && noZeroCoef(x) {
		r.Terms, r.Regs = x.Terms, x.Regs
		return r
	}
	if len(x.Terms) == 0 && len(x.Regs) == 0 && noZeroCoef(y) {
		r.Terms, r.Regs = y.Terms, y.Regs
		return r
	}
	r.Terms = append(r.Terms, x.Terms...)
	for _, t := range y.Terms {
		found := false
		for i := range r.Terms {
			if r.Terms[i].Sym == t.Sym {
				r.Terms[i].Coef += t.Coef
				found = true
				break
			}
		}
		if !found {
			r.Terms = append(r.Terms, t)
		}
	}
	r.Regs = addRegs(x.Regs, y.Regs)
	// Drop cancelled terms (label - label in one section).
	terms := r.Terms[:0]
	for _, t := range r.Terms {
		if t.Coef != 0 {
			terms = append(terms, t)
		}
	}
	r.Terms = terms
	if len(r.Terms) == 0 {
		r.Terms = nil
	}
	return r
}

// addRegs adds the register terms of two values, dropping those that
// cancel (nil when none is left).
func addRegs(x, y []RegTerm) []RegTerm {
	if len(y) == 0 && len(x) > 0 && noZeroRegs(x) {
		return x
	}
	if len(x) == 0 && len(y) > 0 && noZeroRegs(y) {
		return y
	}
	var r []RegTerm
	r = append(r, x...)
	for _, t := range y {
		found := false
		for i := range r {
			if r[i].Reg == t.Reg {
				r[i].Coef += t.Coef
				r[i].Scaled = r[i].Scaled || t.Scaled
				found = true
				break
			}
		}
		if !found {
			r = append(r, t)
		}
	}
	regs := r[:0]
	for _, t := range r {
		if t.Coef != 0 {
			regs = append(regs, t)
		}
	}
	if len(regs) == 0 {
		return nil
	}
	return regs
}

func noZeroRegs(rs []RegTerm) bool {
	for _, t := range rs {
		if t.Coef == 0 {
			return false
		}
	}
	return true
}

// addUnknown adds values of which one at least is not known yet, as
// nasm's evaluator does in its first pass: it adds its vectors of terms
// in their order (registers, then "unknown", then the constant and the
// symbols) and stops at the unknown term when both sides still have
// terms, so that the result is the registers and the unknown quantity
// alone (which vanishes when the unknowns cancel); a side that has
// nothing but registers keeps the other side whole.
func addUnknown(x, y Value) Value {
	regs := addRegs(x.Regs, y.Regs)
	ux, uy := x.unknownCoef(), y.unknownCoef()
	more := func(v Value) bool { return v.HasConst || v.Const != 0 || len(v.Terms) > 0 }
	switch {
	case ux != 0 && uy == 0 && !more(y):
		r := x
		r.Regs = regs
		return r
	case uy != 0 && ux == 0 && !more(x):
		r := y
		r.Regs = regs
		return r
	}
	c := ux + uy
	return Value{Regs: regs, Unknown: c != 0, UnknownCoef: c}
}

func binop(op string, x, y Value) (Value, error) {
	switch op {
	case "+":
		return add(x, y), nil
	case "-":
		return add(x, scale(y, -1)), nil
	case "*":
		return mul(x, y)
	}
	if x.Unknown || y.Unknown {
		// Comparisons and the like need real values; early passes only need
		// to know that the value is not final.
		if divides[op] && y.Simple() && !y.Unknown && y.Const == 0 {
			return Value{}, errf("division by zero")
		}
		return Value{Unknown: true}, nil
	}
	if cmp, ok := comparisons[op]; ok {
		d := add(x, scale(y, -1))
		if !d.Simple() {
			return Value{}, errf("comparison of values in different sections or with externals")
		}
		return Const(b2i(cmp(d.Const, x.Const, y.Const))), nil
	}
	if !x.Simple() || !y.Simple() {
		return Value{}, errf("`%s' operator may only be applied to scalar values", op)
	}
	f, ok := scalarOps[op]
	if !ok {
		return Value{}, errf("unknown operator `%s'", op)
	}
	v, err := f(x.Const, y.Const)
	if err != nil {
		return Value{}, err
	}
	return Const(v), nil
}

func mul(x, y Value) (Value, error) {
	// A number times anything scales it, an unknown value too (nasm's
	// unknown quantity is counted, see add).
	if x.Simple() && !x.Unknown {
		return scale(y, x.Const), nil
	}
	if y.Simple() && !y.Unknown {
		return scale(x, y.Const), nil
	}
	if x.Unknown || y.Unknown {
		return Value{Unknown: true}, nil
	}
	return Value{}, errf("attempt to multiply two non-constant values")
}

// comparisons get the difference d = a - b (which may be of two
// addresses in one section) and the constant parts a and b.
var comparisons = map[string]func(d, a, b int64) bool{
	"=":  func(d, _, _ int64) bool { return d == 0 },
	"==": func(d, _, _ int64) bool { return d == 0 },
	"!=": func(d, _, _ int64) bool { return d != 0 },
	"<>": func(d, _, _ int64) bool { return d != 0 },
	"<":  func(_, a, b int64) bool { return a < b },
	"<=": func(_, a, b int64) bool { return a <= b },
	">":  func(_, a, b int64) bool { return a > b },
	">=": func(_, a, b int64) bool { return a >= b },
	// nasm 2.16.01 (the oracle) yields a > b here, not -1/0/1.
	"<=>": func(_, a, b int64) bool { return a > b },
}

// divides are the operators that fail on a zero right side.
var divides = map[string]bool{"/": true, "//": true, "%": true, "%%": true}

// scalarOps are the operators defined on plain numbers only. Shifts by
// 64 or more give 0 (or -1 for an arithmetic shift of a negative
// number); / and % are unsigned, // and %% signed.
var scalarOps = map[string]func(a, b int64) (int64, error){
	"||":  func(a, b int64) (int64, error) { return b2i(a != 0 || b != 0), nil },
	"^^":  func(a, b int64) (int64, error) { return b2i((a != 0) != (b != 0)), nil },
	"&&":  func(a, b int64) (int64, error) { return b2i(a != 0 && b != 0), nil },
	"|":   func(a, b int64) (int64, error) { return a | b, nil },
	"^":   func(a, b int64) (int64, error) { return a ^ b, nil },
	"&":   func(a, b int64) (int64, error) { return a & b, nil },
	"<<":  shiftLeft,
	"<<<": shiftLeft,
	">>": func(a, b int64) (int64, error) {
		if uint64(b) >= 64 {
			return 0, nil
		}
		return int64(uint64(a) >> uint(b)), nil
	},
	">>>": func(a, b int64) (int64, error) {
		if uint64(b) >= 64 {
			return a >> 63, nil
		}
		return a >> uint(b), nil
	},
	"/": func(a, b int64) (int64, error) {
		if b == 0 {
			return 0, errf("division by zero")
		}
		return int64(uint64(a) / uint64(b)), nil
	},
	"%": func(a, b int64) (int64, error) {
		if b == 0 {
			return 0, errf("division by zero")
		}
		return int64(uint64(a) % uint64(b)), nil
	},
	"//": func(a, b int64) (int64, error) {
		switch b {
		case 0:
			return 0, errf("division by zero")
		case -1:
			return -a, nil
		}
		return a / b, nil
	},
	"%%": func(a, b int64) (int64, error) {
		switch b {
		case 0:
			return 0, errf("division by zero")
		case -1:
			return 0, nil
		}
		return a % b, nil
	},
}

func shiftLeft(a, b int64) (int64, error) {
	if uint64(b) >= 64 {
		return 0, nil
	}
	return a << uint(b), nil
}

// ConstEnv evaluates expressions that may only contain numbers (the
// preprocessor's %if and %assign, nasm's "critical" expressions).
type ConstEnv struct{}

func (ConstEnv) Lookup(name string) (Value, error) {
	return Value{}, errf("symbol `%s' not defined (expression must be constant)", name)
}
func (ConstEnv) Here() (Value, error) {
	return Value{}, errf("`$' is not allowed in a constant expression")
}
func (ConstEnv) SectStart() (Value, error) {
	return Value{}, errf("`$$' is not allowed in a constant expression")
}
