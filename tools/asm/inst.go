package asm

import (
	"errors"
	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/obj"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

// The encoder's entry points, named once here.
var (
	encode       = x86.Encode
	isMnemonic   = x86.IsMnemonic
	lookupPrefix = x86.LookupPrefix
)

// prefixBytes are the bytes of prefixes written alone on a line.
var prefixBytes = map[x86.Prefix]byte{
	x86.PrefixLock: 0xf0, x86.PrefixRep: 0xf3, x86.PrefixRepe: 0xf3, x86.PrefixRepne: 0xf2,
	x86.PrefixCS: 0x2e, x86.PrefixDS: 0x3e, x86.PrefixES: 0x26, x86.PrefixSS: 0x36,
	x86.PrefixFS: 0x64, x86.PrefixGS: 0x65,
}

func (a *assembler) emitInst(st *stmt, sec *section) {
	if sec.flags&obj.FlagNoBits != 0 {
		a.perr(st, "instruction in a nobits section `%s'", sec.name)
		return
	}
	if st.mnem == "" {
		for _, p := range st.prefixes {
			b, ok := prefixBytes[p]
			if !ok {
				a.perr(st, "this prefix needs an instruction on the same line")
				return
			}
			a.write(st, sec, []byte{b})
		}
		return
	}
	// One instruction value serves every statement of every pass. Nothing
	// of it is kept between passes: encoding again costs no measurable
	// time (the passes are dominated by evaluation), where a copy per
	// statement cost a few hundred bytes each.
	inst := &a.inst
	*inst = x86.Inst{Mode: st.mode, Prefixes: st.prefixes, Mnemonic: st.mnem, Ops: a.instOps[:0]}
	inst.PC = x86.Value{Sym: sec.key, Off: sec.size, Known: true}
	inst.Opt = a.opts.Optimize
	inst.CPU = st.cpu
	selfRel := 0 // operands whose value is self-relative (`x - $`)
	for i, o := range st.ops {
		xo, err := a.operand(st, o)
		if err != nil {
			a.perr(st, "%s", err)
			return
		}
		if a.selfRel {
			selfRel |= 1 << i
		}
		inst.Ops = append(inst.Ops, xo)
	}
	a.instOps = inst.Ops
	for i, o := range st.ops {
		xo := inst.Ops[i]
		if o.wrt != "" && (xo.Kind == x86.OpImm && xo.Imm.Sym == sec.key && x86.RelBranch(inst) ||
			xo.Kind == x86.OpMem && xo.Rel && xo.Disp.Sym == sec.key) {
			// The encoder resolves it without a relocation; nasm 2.16
			// stops with an internal error ("intra-segment OUT_REL4ADR").
			a.perr(st, "`wrt' cannot make a PC-relative reference to a label in the same section")
			return
		}
	}
	enc, err := encode(inst)
	if err != nil {
		var re *x86.RangeError
		isRange := errors.As(err, &re)
		if !isRange || !a.unknown {
			a.perr(st, "%s", err)
		}
		if isRange {
			// nasm still lays out an out-of-range short jump at its
			// short size; ask the encoder for that size with an in-range
			// target so later labels land where nasm puts them.
			tmp := *inst
			tmp.Ops = append([]x86.Operand(nil), inst.Ops...)
			for i := range tmp.Ops {
				if tmp.Ops[i].Kind == x86.OpImm && tmp.Ops[i].Imm.Sym == inst.PC.Sym {
					tmp.Ops[i].Imm.Off = inst.PC.Off
				}
			}
			if e2, err2 := encode(&tmp); err2 == nil {
				a.write(st, sec, make([]byte, len(e2.Bytes)))
			}
		}
		return
	}
	start := sec.size
	a.write(st, sec, enc.Bytes)
	for _, f := range enc.Fixups {
		off := start + int64(f.Offset)
		if f.Sym == "" && f.Kind != obj.RelocPCRel {
			putLE(sec.data[off:off+int64(f.Size)], f.Addend, f.Size)
			continue
		}
		kind, addend, target, wrt := f.Kind, f.Addend, f.Addend, ""
		if i := fixupOperand(inst, f.Sym); i >= 0 && i < len(st.ops) {
			wrt = st.ops[i].wrt
			if v := inst.Ops[i].Disp; v.Sym == f.Sym {
				target = v.Off
			} else {
				target = inst.Ops[i].Imm.Off
			}
			if selfRel&(1<<i) != 0 {
				// `x - $`: nasm's self-relative value, a PC-relative
				// relocation whose addend counts from the field.
				if kind == obj.RelocPCRel {
					a.perr(st, "invalid use of self-relative expression")
					continue
				}
				kind, addend = obj.RelocPCRel, addend+off
			}
		}
		a.reloc(st, sec, off, f.Size, kind, f.Sym, addend, target, wrt)
	}
}

// value is v as the encoder takes it: a symbol plus a constant, or a
// number. A symbol minus the current section's (`x - $', `x - $$', `x -
// label') is self-relative, as nasm calls it: it is returned as the
// symbol plus the constant, with a.selfRel set, and becomes a
// PC-relative relocation (emitInst).
func (a *assembler) value(v expr.Value, cur string) (x86.Value, error) {
	a.selfRel = false
	if len(v.Terms) == 2 && cur != "" {
		t0, t1 := v.Terms[0], v.Terms[1]
		if t0.Coef == -1 {
			t0, t1 = t1, t0
		}
		if t0.Coef == 1 && t1.Coef == -1 && t1.Sym == cur {
			a.selfRel = true
			return x86.Value{Sym: t0.Sym, Off: v.Const, Known: !v.Unknown}, nil
		}
	}
	if v.Unknown {
		if len(v.Terms) == 1 && v.Terms[0].Coef == 1 {
			return x86.Value{Sym: v.Terms[0].Sym}, nil
		}
		return x86.Value{}, nil
	}
	switch {
	case len(v.Terms) == 0:
		return x86.Value{Off: v.Const, Known: true}, nil
	case len(v.Terms) == 1 && v.Terms[0].Coef == 1:
		return x86.Value{Sym: v.Terms[0].Sym, Off: v.Const, Known: true}, nil
	}
	return x86.Value{}, fmt.Errorf("invalid relocatable expression (not a symbol plus a constant)")
}

func (a *assembler) operand(st *stmt, o operand) (x86.Operand, error) {
	a.selfRel = false
	xo := x86.Operand{Kind: o.kind, Size: o.size, Strict: o.strict, Short: o.short, Near: o.near, Far: o.far}
	v, hint, err := expr.EvalHint(o.e, env{a: a, sec: st.sec, here: st.start})
	if err != nil {
		return xo, err
	}
	if o.kind == x86.OpMem {
		xo.Seg, xo.Abs, xo.DispSize = o.seg, o.abs, o.dispSize
		terms := eaTerms(v.Regs, hint)
		v.Regs = nil
		disp, err := a.value(v, a.secs[st.sec].key)
		if err != nil {
			return xo, err
		}
		m, err := x86.MakeMem(st.mode, terms, disp, o.nosplit)
		if err != nil {
			return xo, err
		}
		base, index := m.Base, m.Index
		xo.Base, xo.Index, xo.Scale, xo.Disp = m.Base, m.Index, m.Scale, m.Disp
		if base.Valid() && base.Class() == x86.ClassIP {
			xo.Rel = true
		}
		if o.rel {
			xo.Rel = true
		} else if st.defRel && !o.abs && st.mode == 64 && base == x86.RegNone && index == x86.RegNone &&
			o.seg.String() != "fs" && o.seg.String() != "gs" {
			xo.Rel = true
		}
		if a.selfRel && base == x86.RegNone && index == x86.RegNone && (o.dispSize == 1 || o.dispSize == 8) {
			// nasm ignores the size (with a warning it gives once per
			// template it tries) and writes a disp32; not reproduced.
			return xo, fmt.Errorf("a byte or qword displacement on a self-relative address is not supported")
		}
		if xo.Rel && st.mode == 64 && base == x86.RegNone && index == x86.RegNone && o.wrt == "" && (a.selfRel || disp.Sym == "" && disp.Known) {
			// nasm 2.16 encodes a number, or a self-relative value, as
			// an absolute address instead. (The encoder already makes
			// a number absolute; for `[qword 5]' it then refuses where
			// nasm takes the disp32 form.)
			a.pwarnc(st, "ea-absolute", "absolute address can not be RIP-relative")
			if a.selfRel {
				xo.Rel = false
			}
		}
		return xo, nil
	}
	if len(v.Regs) > 0 {
		if len(v.Regs) == 1 && v.Regs[0].Coef == 1 && v.Const == 0 && len(v.Terms) == 0 && !v.Unknown {
			xo.Kind, xo.Reg = x86.OpReg, x86.Reg(v.Regs[0].Reg)
			return xo, nil
		}
		return xo, fmt.Errorf("invalid use of a register in an expression")
	}
	xo.Imm, err = a.value(v, a.secs[st.sec].key)
	return xo, err
}

// eaTerms orders the register terms of an address for x86.MakeMem so that
// it reproduces nasm's choice of base: the hinted register first (marked
// Scaled when the hint says "not the base"); without a hint, nasm's own
// register order, which is alphabetical by name.
func eaTerms(regs []expr.RegTerm, hint expr.Hint) []x86.RegTerm {
	terms := make([]x86.RegTerm, 0, len(regs))
	for _, r := range regs {
		t := x86.RegTerm{Reg: x86.Reg(r.Reg), Mul: r.Coef}
		// Stable insertion sort by name: there are one or two terms.
		i := len(terms)
		terms = append(terms, t)
		for ; i > 0 && t.Reg.String() < terms[i-1].Reg.String(); i-- {
			terms[i] = terms[i-1]
		}
		terms[i] = t
	}
	if hint.Kind != expr.HintMakeBase && hint.Kind != expr.HintNotBase {
		return terms
	}
	for i, t := range terms {
		if int(t.Reg) == hint.Reg {
			t.Scaled = hint.Kind == expr.HintNotBase
			copy(terms[1:i+1], terms[:i])
			terms[0] = t
			break
		}
	}
	return terms
}

// fixupOperand is the index of the operand a fixup against sym comes
// from, or -1.
func fixupOperand(inst *x86.Inst, sym string) int {
	for i, o := range inst.Ops {
		if o.Imm.Sym == sym || o.Disp.Sym == sym {
			return i
		}
	}
	return -1
}
