package asm

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// nasm 2.16's data operand forms beyond one value: `N dup item` and
// `N dup (list)` (nested), `%(list)` (a group), and a size before an
// operand or a group (`dw byte 1`, `db 7 dup dword (?, word ?)`). They
// are flattened into items when parsed; the count is a critical
// expression, as in nasm.

// dataOperands parses toks, a comma-separated list of data operands
// (a trailing comma is allowed, as nasm allows it), into items of unit
// width w (0: the statement's).
func (p *parser) dataOperands(st *stmt, toks []lex.Token, w int, out *[]dataItem) error {
	for _, op := range splitOperands(toks) {
		if len(op) == 0 {
			continue
		}
		before := len(*out)
		if err := p.dataOperand(st, op, w, false, out); err != nil {
			return err
		}
		// Operands of `?' in a row make one uninitialized run, as in
		// nasm (one zeroing warning); the copies of a dup do not.
		if before > 0 && len(*out) > before {
			a, b := &(*out)[before-1], (*out)[before]
			if a.undef && b.undef && a.unit(st) == b.unit(st) {
				a.count = max(a.count, 1) + max(b.count, 1)
				*out = append((*out)[:before], (*out)[before+1:]...)
			}
		}
	}
	return nil
}

// splitOperands splits toks at commas outside brackets; an empty last
// part (a trailing comma) is dropped. An empty part elsewhere is kept,
// for the caller's error.
func splitOperands(toks []lex.Token) [][]lex.Token {
	var out [][]lex.Token
	depth, start := 0, 0
	for i, t := range toks {
		switch {
		case t.Is("(") || t.Is("["):
			depth++
		case t.Is(")") || t.Is("]"):
			depth--
		case t.Is(",") && depth == 0:
			out = append(out, toks[start:i])
			start = i + 1
		}
	}
	if start < len(toks) {
		out = append(out, toks[start:])
	}
	return out
}

// closing is the index of the bracket closing toks[open], or -1.
func closing(toks []lex.Token, open int) int {
	depth := 0
	for i := open; i < len(toks); i++ {
		switch {
		case toks[i].Is("(") || toks[i].Is("["):
			depth++
		case toks[i].Is(")") || toks[i].Is("]"):
			if depth--; depth == 0 {
				return i
			}
		}
	}
	return -1
}

// dupIndex is the index of a `dup' outside brackets in op, or -1.
func dupIndex(op []lex.Token) int {
	depth := 0
	for i, t := range op {
		switch {
		case t.Is("(") || t.Is("["):
			depth++
		case t.Is(")") || t.Is("]"):
			depth--
		case depth == 0 && i > 0 && t.Kind == lex.Ident && !t.Escaped && strings.EqualFold(t.Text, "dup"):
			return i
		}
	}
	return -1
}

// dataOperand parses one operand. group says a bare parenthesized list
// is a group (after `dup' or a size), not an expression.
func (p *parser) dataOperand(st *stmt, op []lex.Token, w int, group bool, out *[]dataItem) error {
	if k := dupIndex(op); k > 0 {
		return p.dup(st, op[:k], op[k+1:], w, out)
	}
	if len(op) > 1 && op[0].Kind == lex.Ident && !op[0].Escaped {
		if n := sizeKeywords[strings.ToLower(op[0].Text)]; n != 0 {
			w, op, group = n, op[1:], true
		}
	}
	switch {
	case len(op) > 2 && op[0].Is("%") && op[1].Is("(") && !op[1].Space:
		if closing(op, 1) != len(op)-1 {
			return fmt.Errorf("expecting `,' or end of line after `%%(...)'")
		}
		return p.dataOperands(st, op[2:len(op)-1], w, out)
	case group && op[0].Is("(") && closing(op, 0) == len(op)-1:
		return p.dataOperands(st, op[1:len(op)-1], w, out)
	}
	var one stmt
	one.width, one.pos = st.width, st.pos
	if w != 0 {
		one.width = w
	}
	end, err := p.dataItem(&one, op, 0)
	if err != nil {
		return err
	}
	if end != len(op) {
		return fmt.Errorf("comma expected after operand")
	}
	for _, it := range one.items {
		if w != 0 {
			it.width = w
		}
		*out = append(*out, it)
	}
	return nil
}

// dup is `count dup rest`: rest's items, count times. `N dup (?)`
// stays one item of N units (nasm warns about it once).
func (p *parser) dup(st *stmt, count, rest []lex.Token, w int, out *[]dataItem) error {
	if len(rest) == 0 {
		p.a.warnc(st.pos, "db-empty", "no operand for data declaration") // as nasm says
		return nil
	}
	n, end, err := p.parseExpr(count, 0)
	if err != nil || end != len(count) {
		return fmt.Errorf("expression syntax error")
	}
	v, err := expr.Eval(n, constEnv{p.a})
	if err != nil || !v.Simple() || v.Unknown {
		return fmt.Errorf("non-constant argument supplied to DUP")
	}
	if v.Const < 0 {
		return fmt.Errorf("negative argument supplied to DUP")
	}
	var sub []dataItem
	if err := p.dataOperand(st, rest, w, true, &sub); err != nil {
		return err
	}
	if len(sub) == 1 && sub[0].undef {
		u := sub[0]
		u.count = max(u.count, 1) * v.Const
		if u.count/max(v.Const, 1) != max(sub[0].count, 1) || u.count > p.a.lim.Output {
			return fmt.Errorf("DUP count %d is too large (--limit-output)", v.Const)
		}
		*out = append(*out, u)
		return nil
	}
	if v.Const > 0 && int64(len(sub))*v.Const > p.a.lim.Output-int64(len(*out)) {
		return fmt.Errorf("DUP count %d is too large (--limit-output)", v.Const)
	}
	for k := int64(0); k < v.Const; k++ {
		*out = append(*out, sub...)
	}
	return nil
}
