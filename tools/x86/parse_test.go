package x86

import (
	"fmt"
	"strconv"
	"strings"
)

// parseTestLine is a small NASM-syntax line parser for the tests only (the
// real front end lives in tools/asm): enough to turn generated test lines
// into Inst values so the same text can go to nasm and to Encode.
// Names other than registers are symbols; `$` is the instruction's address.
func parseTestLine(mode int, line string, pc Value) (*Inst, error) {
	inst := &Inst{Mode: mode, PC: pc}
	words := strings.Fields(line)
	for len(words) > 1 {
		p, ok := LookupPrefix(words[0])
		if w := words[0]; len(w) > 2 && w[0] == '{' && w[len(w)-1] == '}' {
			p, ok = LookupBracePrefix(w[1 : len(w)-1]) // {vex3}
		}
		if !ok || strings.Contains(words[0], ":") {
			break
		}
		_, nextIsPrefix := LookupPrefix(words[1])
		if _, isReg := LookupReg(words[0]); isReg && !IsMnemonic(words[1]) && !nextIsPrefix {
			break
		}
		inst.Prefixes = append(inst.Prefixes, p)
		line = strings.TrimSpace(strings.TrimPrefix(strings.TrimSpace(line), words[0]))
		words = words[1:]
	}
	mn, rest, _ := strings.Cut(strings.TrimSpace(line), " ")
	inst.Mnemonic = strings.ToLower(mn)
	rest = strings.TrimSpace(rest)
	if rest == "" {
		return inst, nil
	}
	for _, s := range splitOps(rest) {
		ops, err := parseTestOperand(mode, strings.TrimSpace(s), pc)
		if err != nil {
			return nil, err
		}
		inst.Ops = append(inst.Ops, ops...)
	}
	return inst, nil
}

func splitOps(s string) []string {
	var out []string
	depth, start := 0, 0
	for i, c := range s {
		switch c {
		case '[':
			depth++
		case ']':
			depth--
		case ',':
			if depth == 0 {
				out = append(out, s[start:i])
				start = i + 1
			}
		}
	}
	return append(out, s[start:])
}

var sizeWords = map[string]int{"byte": 1, "word": 2, "dword": 4, "qword": 8, "tword": 10, "oword": 16, "yword": 32, "zword": 64}

func parseTestOperand(mode int, s string, pc Value) ([]Operand, error) {
	var op Operand
	for {
		w, rest, _ := strings.Cut(s, " ")
		lw := strings.ToLower(w)
		if n, ok := sizeWords[lw]; ok {
			op.Size = n
		} else if lw == "strict" {
			op.Strict = true
		} else if lw == "short" {
			op.Short = true
		} else if lw == "near" {
			op.Near = true
		} else if lw == "far" {
			op.Far = true
		} else if lw == "to" {
			op.To = true
		} else {
			break
		}
		s = strings.TrimSpace(rest)
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		m, err := parseTestMem(mode, s[1:len(s)-1], pc)
		if err != nil {
			return nil, err
		}
		m.Size, m.Strict, m.Far, m.To = op.Size, op.Strict, op.Far, op.To
		return []Operand{m}, nil
	}
	if r, ok := LookupReg(s); ok {
		op.Kind, op.Reg = OpReg, r
		return []Operand{op}, nil
	}
	if seg, off, ok := strings.Cut(s, ":"); ok {
		a, err := parseTestExpr(seg, pc)
		if err != nil {
			return nil, err
		}
		b, err := parseTestExpr(off, pc)
		if err != nil {
			return nil, err
		}
		return []Operand{{Kind: OpImm, Imm: a}, {Kind: OpImm, Imm: b, Size: op.Size}}, nil
	}
	v, err := parseTestExpr(s, pc)
	if err != nil {
		return nil, err
	}
	op.Kind, op.Imm = OpImm, v
	return []Operand{op}, nil
}

func parseTestMem(mode int, s string, pc Value) (Operand, error) {
	dispSize, rel, abs, nosplit := 0, false, false, false
	for {
		w, rest, _ := strings.Cut(strings.TrimSpace(s), " ")
		lw := strings.ToLower(w)
		if n, ok := sizeWords[lw]; ok && rest != "" {
			dispSize = n
		} else if lw == "rel" {
			rel = true
		} else if lw == "abs" {
			abs = true
		} else if lw == "nosplit" {
			nosplit = true
		} else {
			break
		}
		s = rest
	}
	seg := RegNone
	if a, b, ok := strings.Cut(s, ":"); ok {
		r, ok := LookupReg(strings.TrimSpace(a))
		if !ok {
			return Operand{}, fmt.Errorf("bad segment %q", a)
		}
		seg, s = r, b
	}
	var terms []RegTerm
	disp := Value{Known: true}
	s = strings.ReplaceAll(strings.ReplaceAll(s, " ", ""), "-", "+-")
	for _, t := range strings.Split(s, "+") {
		if t == "" {
			continue
		}
		neg := strings.HasPrefix(t, "-")
		t = strings.TrimPrefix(t, "-")
		a, b, mul := t, "", false
		if x, y, ok := strings.Cut(t, "*"); ok {
			a, b, mul = x, y, true
		}
		if r, ok := LookupReg(a); ok {
			m := int64(1)
			if mul {
				n, err := strconv.ParseInt(b, 0, 64)
				if err != nil {
					return Operand{}, err
				}
				m = n
			}
			if neg {
				m = -m
			}
			terms = append(terms, RegTerm{Reg: r, Mul: m, Scaled: mul})
			continue
		}
		if r, ok := LookupReg(b); ok && mul {
			n, err := strconv.ParseInt(a, 0, 64)
			if err != nil {
				return Operand{}, err
			}
			if neg {
				n = -n
			}
			terms = append(terms, RegTerm{Reg: r, Mul: n, Scaled: true})
			continue
		}
		v, err := parseTestExpr(t, pc)
		if err != nil {
			return Operand{}, err
		}
		if neg {
			v.Off = -v.Off
		}
		disp.Off += v.Off
		if v.Sym != "" {
			disp.Sym = v.Sym
		}
	}
	m, err := MakeMem(mode, terms, disp, nosplit)
	if err != nil {
		return m, err
	}
	m.Seg, m.DispSize, m.Rel, m.Abs = seg, dispSize, rel, abs
	return m, nil
}

// parseTestExpr handles number, $, $+n, $-n, sym, sym+n.
func parseTestExpr(s string, pc Value) (Value, error) {
	s = strings.ReplaceAll(s, " ", "")
	v := Value{Known: true}
	s = strings.ReplaceAll(s, "-", "+-")
	for _, t := range strings.Split(s, "+") {
		if t == "" {
			continue
		}
		neg := strings.HasPrefix(t, "-")
		t = strings.TrimPrefix(t, "-")
		var x int64
		switch {
		case t == "$":
			x = pc.Off
			v.Sym = pc.Sym
		case t[0] >= '0' && t[0] <= '9':
			n, err := strconv.ParseUint(t, 0, 64)
			if err != nil {
				return v, err
			}
			x = int64(n)
		default:
			v.Sym = t
		}
		if neg {
			x = -x
		}
		v.Off += x
	}
	return v, nil
}
