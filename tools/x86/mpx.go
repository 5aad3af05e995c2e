package x86

// Intel MPX (bndmk, bndcl, bndcu, bndcn, bndmov, bndldx, bndstx) is
// encoded here rather than from the form table: its operands are bnd
// registers, which no table form takes, and bndldx/bndstx take their
// memory operand as a split SIB (MIB, see MakeMemMIB).

// mpxForm is one of nasm's MPX templates: the operand pattern and the
// encoding.
type mpxForm struct {
	pat  string // operand kinds: b bnd register, m memory (unsized), r GPR (32-bit, or 64-bit in long mode)
	pfx  byte   // mandatory prefix (66, F2, F3) or 0
	opc  byte   // second opcode byte (after 0F)
	reg  int    // operand in ModRM.reg
	rm   int    // operand in ModRM.rm
	mibx int    // operand that is the memory operand's index (-1: none)
}

var mpxForms = map[string][]mpxForm{
	"bndmk":  {{"bm", 0xF3, 0x1B, 0, 1, -1}},
	"bndcl":  {{"bm", 0xF3, 0x1A, 0, 1, -1}, {"br", 0xF3, 0x1A, 0, 1, -1}},
	"bndcu":  {{"bm", 0xF2, 0x1A, 0, 1, -1}, {"br", 0xF2, 0x1A, 0, 1, -1}},
	"bndcn":  {{"bm", 0xF2, 0x1B, 0, 1, -1}, {"br", 0xF2, 0x1B, 0, 1, -1}},
	"bndmov": {{"bb", 0x66, 0x1A, 0, 1, -1}, {"bm", 0x66, 0x1A, 0, 1, -1}, {"mb", 0x66, 0x1B, 1, 0, -1}},
	"bndldx": {{"bm", 0, 0x1A, 0, 1, -1}, {"bmr", 0, 0x1A, 0, 1, 2}},
	"bndstx": {{"mb", 0, 0x1B, 1, 0, -1}, {"mrb", 0, 0x1B, 2, 0, 1}, {"mbr", 0, 0x1B, 1, 0, 2}},
}

// MIB reports whether the mnemonic takes its memory operand as nasm's
// MIB (split SIB) operand: bndmk, bndldx and bndstx. The front end builds
// that operand with MakeMemMIB.
func MIB(mnemonic string) bool {
	switch lowerASCII(mnemonic) {
	case "bndmk", "bndldx", "bndstx":
		return true
	}
	return false
}

// MakeMemMIB is MakeMem for a MIB operand: nasm neither splits a scaled
// index into base plus index ([eax*2] stays an index) nor takes a
// register written as scaled for the base ([ecx*1] and [1*ebx+3] have
// an index and no base); a register added to itself ([eax+eax], summed
// in nasm's terms) is base and index.
func MakeMemMIB(mode int, terms []RegTerm, disp Value, summed bool) (Operand, error) {
	op, err := MakeMem(mode, terms, disp, true)
	if err != nil || len(terms) == 0 {
		return op, err
	}
	hint, notBase := terms[0].Reg, false
	for _, t := range terms {
		if t.Reg == hint {
			notBase = notBase || t.Scaled
		}
	}
	switch {
	case op.Index == RegNone && op.Base == hint && notBase && op.Base.Class() == ClassGPR && op.Base.Size() != 2:
		op.Base, op.Index, op.Scale = RegNone, hint, 1
	case op.Base == RegNone && op.Index != RegNone && op.Scale == 2 && summed:
		op.Base, op.Scale = op.Index, 1
	}
	return op, nil
}

// mpx encodes an MPX instruction.
func (e *encoder) mpx() (*Encoding, error) {
	if err := e.prepare(); err != nil {
		return nil, err
	}
	firstErr := error(errInvalid)
	for _, mf := range mpxForms[e.mn] {
		err := e.mpxMatch(mf)
		if err == nil {
			return e.mpxEncode(mf)
		}
		if errRank(err) > errRank(firstErr) {
			firstErr = err
		}
	}
	return nil, firstErr
}

// mpxMatch checks the operands against an MPX template.
func (e *encoder) mpxMatch(mf mpxForm) error {
	if len(e.ops) != len(mf.pat) {
		return errInvalid
	}
	for k, o := range e.ops {
		switch mf.pat[k] {
		case 'b':
			if !isReg(&o, ClassBND) {
				return errInvalid
			}
		case 'm':
			if o.Kind != OpMem || o.Far || o.Index != RegNone && o.Index.Class() != ClassGPR {
				return errInvalid
			}
			if o.Size != 0 {
				return errMismatch
			}
		case 'r':
			size := 4
			if e.mode == 64 {
				size = 8
			}
			if o.Kind != OpReg || o.Reg.Class() != ClassGPR {
				return errInvalid
			}
			if o.Reg.Size() != size {
				if o.Reg.Size() == 12-size {
					return badMode(e.mode) // the other mode's register size
				}
				return errInvalid
			}
		}
	}
	return nil
}

// mpxEncode encodes the operands with a matching MPX template.
func (e *encoder) mpxEncode(mf mpxForm) (*Encoding, error) {
	if mf.mibx >= 0 {
		// nasm's separate index register (ICC's form): it replaces the
		// memory operand's index.
		m := e.ops[mf.rm]
		if m.Index != RegNone && m.Base == RegNone && m.Scale == 1 {
			m.Base = m.Index // [ecx*1] was ecx as the base to nasm
		}
		m.Index, m.Scale = e.ops[mf.mibx].Reg, 1
		if m.Index.Num() == 4 && m.Index.Size() != 2 {
			// esp cannot be an index: nasm makes it the base.
			m.Base, m.Index = m.Index, m.Base
			if m.Index == RegNone {
				m.Scale = 0
			}
		}
		if m.Index != RegNone && m.Index.Num() == 4 {
			return nil, eaErr(e.mode)
		}
		e.ops = []Operand{e.ops[mf.reg], m}
		mf.reg, mf.rm = 0, 1
	}
	f := form{nargs: uint8(len(e.ops)), nopc: 2, ext: 8, reg: int8(mf.reg), rm: int8(mf.rm),
		vvvv: -1, plus: -1, pfx: mf.pfx, cpu: CPUFuture, cpu64: CPUFuture}
	f.opc[0], f.opc[1] = 0x0F, mf.opc
	if !e.inst.CPU.allows(f.cpu) {
		return nil, errBadCPU
	}
	e.cand = candidate{}
	if err := e.assemble(&f, 0, &e.cand); err != nil {
		return nil, err
	}
	e.main.best.set(&e.cand)
	return e.main.best.encoding(), nil
}
