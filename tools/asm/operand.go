package asm

import (
	"errors"
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

type operand struct {
	e                        expr.Node
	size                     int
	dispSize                 int
	seg                      x86.Reg
	kind                     x86.OpKind // OpImm for expressions (becomes OpReg if a register)
	strict, short, near, far bool
	to                       bool // `fadd to st1`: the result goes to the register
	rel, abs                 bool
	nosplit                  bool
	wrt                      string // `wrt ..NAME`: NAME ("plt", "got", ...), see wrtNames
	leaImm                   bool   // lea's second operand: a plain value is an address (`lea rsi, buf`)
	// asize is an address size written inside the brackets (`[a32 x]`):
	// nasm takes it as the instruction's a16/a32/a64 prefix.
	asize int
	// split is nasm's split address `[base+disp,index*scale]` (also
	// `[,index]`): e is the part before the comma (nil when empty), idx
	// the index after it.
	split bool
	idx   expr.Node
}

// listErrors are the messages of a comma-separated list: nasm words them
// differently for instruction operands and for data.
type listErrors struct {
	noComma  string // something other than a comma after an item
	trailing string // a comma with nothing after it; "": accepted, as in data
}

var (
	operandList = listErrors{"comma, colon, decorator or end of line expected after operand", ""} // nasm ignores a trailing comma: `imul eax,ecx,`
	dataList    = listErrors{"comma expected after operand", ""}                                  // nasm takes `db 'a',`
)

// commaList parses the items of a comma-separated list from toks[i] to
// the end of the line; item parses the one at i and returns the index
// after it.
func commaList(toks []lex.Token, i int, msgs listErrors, item func(i int) (int, error)) error {
	for i < len(toks) {
		end, err := item(i)
		if err != nil {
			return err
		}
		i = end
		if i == len(toks) {
			break
		}
		if !toks[i].Is(",") {
			return errors.New(msgs.noComma)
		}
		i++
		if i == len(toks) && msgs.trailing != "" {
			return errors.New(msgs.trailing)
		}
	}
	return nil
}

// operands parses an instruction's operands from toks[i] on.
func (p *parser) operands(st *stmt, toks []lex.Token, i int) error {
	if i < len(toks) {
		n := 1
		for _, t := range toks[i:] {
			if t.Is(",") {
				n++
			}
		}
		st.ops = make([]operand, 0, n)
	}
	return commaList(toks, i, operandList, func(i int) (int, error) {
		op, end, err := p.operand(toks, i)
		if err != nil {
			return end, err
		}
		st.ops = append(st.ops, op)
		if end < len(toks) && toks[end].Is("{") {
			// An opmask, zeroing, broadcast or rounding decorator.
			return end, errors.New("AVX-512 operand decorators ({k1}, {z}, {1toN}, {sae}, {rn-sae}...) are not supported")
		}
		if end < len(toks) && toks[end].Is(":") && op.kind == x86.OpImm {
			// A far pointer `seg:off` is two operands to the encoder,
			// the segment first, both with the size written before it.
			// A size may also follow the colon (`jmp 8:dword x`).
			off := operand{kind: x86.OpImm, strict: op.strict}
			start, err := off.modifiers(toks, end+1)
			if err != nil {
				return start, err
			}
			if off.size == 0 {
				off.size = op.size
			}
			n, after, err := p.parseExpr(toks, start)
			if err != nil {
				return after, err
			}
			off.e = n
			st.ops = append(st.ops, off)
			end = after
		}
		return end, nil
	})
}

// operand parses one operand: modifiers (size, strict, short, near,
// far, to), then a memory reference or an expression.
func (p *parser) operand(toks []lex.Token, i int) (operand, int, error) {
	op := operand{kind: x86.OpImm}
	i, err := op.modifiers(toks, i)
	if err != nil {
		return op, i, err
	}
	if i >= len(toks) {
		return op, i, fmt.Errorf("operand expected")
	}
	// Segment override written outside the brackets: fs:[rax]
	if i+2 < len(toks) && toks[i].Kind == lex.Ident && toks[i+1].Is(":") && toks[i+2].Is("[") {
		if r, ok := x86.LookupReg(toks[i].Text); ok && r.Class() == x86.ClassSeg && !toks[i].Escaped {
			op.seg = r
			i += 2
		}
	}
	if toks[i].Is("[") {
		return p.memory(op, toks, i+1)
	}
	return p.immediate(op, toks, i)
}

// modifiers reads the keywords before an operand.
func (op *operand) modifiers(toks []lex.Token, i int) (int, error) {
	for ; i < len(toks); i++ {
		w := lower(toks[i])
		if n := sizeKeywords[w]; n != 0 {
			if op.size == 0 {
				op.size = n // nasm takes the first and ignores the others
			}
			continue
		}
		switch w {
		case "strict":
			op.strict = true
		case "short":
			op.short = true
		case "near":
			op.near = true
		case "far":
			op.far = true
		case "to":
			op.to = true
		default:
			return i, nil
		}
	}
	return i, nil
}

// memory parses a memory operand after its `[`: keywords (a
// displacement size, rel, abs, nosplit, a segment override), the
// address, and the `]`.
func (p *parser) memory(op operand, toks []lex.Token, i int) (operand, int, error) {
	op.kind = x86.OpMem
	for ; i < len(toks); i++ {
		w := lower(toks[i])
		if n := sizeKeywords[w]; n != 0 {
			op.dispSize = n
			continue
		}
		switch w {
		case "rel":
			op.rel = true
			continue
		case "abs":
			op.abs = true
			continue
		case "nosplit":
			op.nosplit = true
			continue
		case "a16", "a32", "a64":
			n := int(w[1]-'0')*10 + int(w[2]-'0')
			if op.asize != 0 && op.asize != n {
				return op, i, fmt.Errorf("conflicting address size specifications")
			}
			op.asize = n
			continue
		}
		r, ok := x86.LookupReg(w)
		if w == "" || !ok || r.Class() != x86.ClassSeg || i+1 >= len(toks) || !toks[i+1].Is(":") {
			break
		}
		if op.seg != x86.RegNone {
			return op, i, fmt.Errorf("instruction has conflicting segment overrides")
		}
		op.seg = r
		i++
	}
	var n expr.Node
	end := i
	if i >= len(toks) || !toks[i].Is(",") { // `[,ecx*1]` has no base part
		var err error
		n, end, err = p.parseExpr(toks, i)
		if err != nil {
			return op, end, err
		}
	}
	if end < len(toks) && toks[end].Is(",") {
		// nasm's split address: the index after the comma.
		idx, after, err := p.parseExpr(toks, end+1)
		if err != nil {
			return op, after, err
		}
		op.split, op.idx, end = true, idx, after
	}
	var err error
	if op.wrt, end, err = p.wrt(toks, end); err != nil {
		return op, end, err
	}
	if end >= len(toks) || !toks[end].Is("]") {
		return op, end, fmt.Errorf("expecting ]")
	}
	op.e = n
	return op, end + 1, nil
}

// immediate parses an expression operand (a register, a number, a
// symbol), with an optional `wrt ..NAME`.
func (p *parser) immediate(op operand, toks []lex.Token, i int) (operand, int, error) {
	n, end, err := p.parseExpr(toks, i)
	if err != nil {
		return op, end, err
	}
	op.e = n
	op.wrt, end, err = p.wrt(toks, end)
	return op, end, err
}

// wrtNames are the special symbols nasm's ELF output formats define for
// `wrt`: the relocation a reference asks for (see wrtReloc).
var wrtNames = map[string]bool{"..got": true, "..gotpc": true, "..gotoff": true, "..plt": true, "..sym": true, "..tlsie": true, "..gottpoff": true}

// wrt parses an optional `wrt ..NAME` at toks[i] and returns NAME
// without its dots ("" when there is no `wrt`). The names exist only in
// the ELF formats (nasm defines them as symbols there, case-sensitive).
func (p *parser) wrt(toks []lex.Token, i int) (string, int, error) {
	if i >= len(toks) || toks[i].Kind != lex.Ident || !strings.EqualFold(toks[i].Text, "wrt") {
		return "", i, nil
	}
	if i+1 >= len(toks) || toks[i+1].Kind != lex.Ident {
		return "", i, fmt.Errorf("invalid right-hand operand to WRT")
	}
	name := toks[i+1].Text
	switch {
	case wrtNames[name] && p.a.format != "bin":
		return name[2:], i + 2, nil
	case strings.HasPrefix(name, "..") || p.a.format == "bin":
		return "", i, fmt.Errorf("symbol `%s' not defined", name)
	}
	return "", i, fmt.Errorf("invalid right-hand operand to WRT")
}
