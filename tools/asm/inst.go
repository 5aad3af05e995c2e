package asm

import (
	"errors"
	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/obj"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

// The encoder's entry points, named once here.
var (
	encode       = x86.Encode
	isMnemonic   = x86.IsMnemonic
	lookupPrefix = x86.LookupPrefix
)

func (a *assembler) emitInst(st *stmt, sec *section) {
	if sec.flags&obj.FlagNoBits != 0 {
		a.perr(st, "instruction in a nobits section `%s'", sec.name)
		return
	}
	if st.conflict {
		a.perr(st, "instruction has conflicting prefixes")
		return
	}
	if st.mnem == "" {
		b, err := x86.AlonePrefixes(st.prefixes, st.mode)
		if err != nil {
			a.instErr(st, err)
			return
		}
		for _, p := range st.prefixes {
			if p == x86.PrefixLock {
				a.pwarnc(st, "prefix-lock", "instruction is not lockable")
			}
		}
		a.segBaseWarn(st, b)
		a.write(st, sec, b)
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
			a.instErr(st, err)
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
	a.segBaseWarn(st, enc.Bytes)
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
	xo := x86.Operand{Kind: o.kind, Size: o.size, Strict: o.strict, Short: o.short, Near: o.near, Far: o.far, To: o.to}
	if o.split {
		return a.splitMem(st, o, xo)
	}
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
		return a.memOperand(st, o, xo, terms, disp, hint.Kind == expr.HintSummed)
	}
	if o.leaImm && len(v.Regs) == 0 {
		// nasm's `lea reg, imm`: the value is the address, as [imm].
		disp, err := a.value(v, a.secs[st.sec].key)
		if err != nil {
			return xo, err
		}
		xo.Kind, xo.Size, xo.Strict = x86.OpMem, 0, false
		return a.memOperand(st, o, xo, nil, disp, false)
	}
	if len(v.Regs) > 0 {
		if len(v.Regs) == 1 && v.Regs[0].Coef == 1 && v.Const == 0 && len(v.Terms) == 0 && !v.Unknown {
			xo.Kind, xo.Reg = x86.OpReg, x86.Reg(v.Regs[0].Reg)
			if xo.Reg.Class() == x86.ClassFPU && xo.Size != 0 {
				// nasm's x87 registers match no size (`fadd dword st1`).
				return xo, fmt.Errorf("mismatch in operand sizes")
			}
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

// memOperand finishes a memory operand from its register terms (in the
// order x86.MakeMem wants) and displacement; summed tells nasm's hint
// that like registers were added ([eax+eax]).
func (a *assembler) memOperand(st *stmt, o operand, xo x86.Operand, terms []x86.RegTerm, disp x86.Value, summed bool) (x86.Operand, error) {
	var m x86.Operand
	var err error
	if x86.MIB(st.mnem) {
		m, err = x86.MakeMemMIB(st.mode, terms, disp, summed)
	} else {
		m, err = x86.MakeMem(st.mode, terms, disp, o.nosplit)
	}
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

// splitMem evaluates nasm's split address `[base+disp,index*scale]`: the
// part before the comma gives the base and displacement (no index), the
// part after it only the index; the base, if any, stays the base.
func (a *assembler) splitMem(st *stmt, o operand, xo x86.Operand) (x86.Operand, error) {
	xo.Seg, xo.Abs, xo.DispSize = o.seg, o.abs, o.dispSize
	ev := env{a: a, sec: st.sec, here: st.start}
	var v expr.Value
	if o.e != nil {
		var err error
		if v, err = expr.Eval(o.e, ev); err != nil {
			return xo, err
		}
	}
	iv, err := expr.Eval(o.idx, ev)
	if err != nil {
		return xo, err
	}
	errMIB := errors.New("invalid mib expression")
	// The first part: at most a base (a register written once).
	base := x86.RegNone
	for _, r := range v.Regs {
		if r.Coef == 0 {
			continue
		}
		if base != x86.RegNone || r.Coef != 1 {
			return xo, errMIB
		}
		base = x86.Reg(r.Reg)
	}
	// The second part: one register, nothing else.
	index, scale := x86.RegNone, int64(0)
	for _, r := range iv.Regs {
		if r.Coef == 0 {
			continue
		}
		if index != x86.RegNone {
			return xo, errMIB
		}
		index, scale = x86.Reg(r.Reg), r.Coef
	}
	if iv.Const != 0 || len(iv.Terms) > 0 || iv.Unknown {
		return xo, errMIB
	}
	v.Regs = nil
	disp, err := a.value(v, a.secs[st.sec].key)
	if err != nil {
		return xo, err
	}
	m, err := x86.MakeSplitMem(st.mode, base, index, scale, disp, o.nosplit, x86.MIB(st.mnem))
	if err != nil {
		return xo, err
	}
	xo.Base, xo.Index, xo.Scale, xo.Disp = m.Base, m.Index, m.Scale, m.Disp
	if o.rel {
		xo.Rel = true
	}
	return xo, nil
}

// addrSizePrefixes adds to st's prefixes the address sizes written inside
// brackets (`[a32 x]`), as nasm does; nil when there are none.
func addrSizePrefixes(st *stmt) ([]x86.Prefix, error) {
	var out []x86.Prefix
	for _, o := range st.ops {
		if o.asize == 0 {
			continue
		}
		p := map[int]x86.Prefix{16: x86.PrefixA16, 32: x86.PrefixA32, 64: x86.PrefixA64}[o.asize]
		if out == nil {
			out = append([]x86.Prefix(nil), st.prefixes...)
		}
		dup := false
		for _, q := range out {
			switch q {
			case p:
				dup = true
			case x86.PrefixA16, x86.PrefixA32, x86.PrefixA64:
				return nil, errors.New("conflicting address size specifications")
			}
		}
		if !dup {
			out = append(out, p)
		}
	}
	return out, nil
}

// instErr reports an encoding error: some are two messages in nasm (its
// address-size check, then the encoder's).
// segBaseWarn is nasm's warning for a CS, DS, ES or SS prefix among the
// prefixes b of an instruction in 64-bit mode, where the segment's base
// is ignored. nasm gives it twice (as it sizes and as it writes).
func (a *assembler) segBaseWarn(st *stmt, b []byte) {
	if name := ignoredSegBase(st.mode, b); name != "" {
		w := pp.Diag{Pos: st.pos, Warning: true, Class: "prefix-seg", Note: st.macroNote(), Seq: st.line + 1,
			Msg: name + " segment base generated, but will be ignored in 64-bit mode"}
		a.passWarn = append(a.passWarn, w, w)
	}
}

// ignoredSegBase is the segment (cs, ds, es or ss) whose prefix starts
// the encoding b in mode 64, "" if none.
func ignoredSegBase(mode int, b []byte) string {
	if mode != 64 {
		return ""
	}
	for _, c := range b {
		switch c {
		case 0x2e:
			return "cs"
		case 0x36:
			return "ss"
		case 0x3e:
			return "ds"
		case 0x26:
			return "es"
		case 0xf0, 0xf2, 0xf3, 0x64, 0x65, 0x66, 0x67, 0x9b: // the other prefixes
			continue
		}
		return ""
	}
	return ""
}

func (a *assembler) instErr(st *stmt, err error) {
	var m interface{ Messages() []string }
	if errors.As(err, &m) {
		for _, msg := range m.Messages() {
			a.perr(st, "%s", msg)
		}
		return
	}
	a.perr(st, "%s", err)
}
