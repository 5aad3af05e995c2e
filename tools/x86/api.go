package x86

import "errors"

// IsMnemonic reports whether name (any case) is an x86 instruction
// mnemonic nasm 2.16 knows: one Encode supports, or one it knows and
// rejects with "instruction not supported: <name>" (AVX-512, 3DNow!,
// XOP, VMX...). The front end uses it to tell an instruction from a label
// written without a colon.
func IsMnemonic(name string) bool {
	return lookupMnemonic(name) != nil
}

// Supported reports whether Encode has forms for the mnemonic.
func Supported(name string) bool {
	if _, ok := mpxForms[lowerASCII(name)]; ok {
		return true
	}
	m := lookupMnemonic(name)
	return m != nil && len(m.forms()) > 0
}

// LookupPrefix finds an instruction prefix written before a mnemonic (any
// case): lock, rep, repe/repz, repne/repnz, wait, o16/o32/o64, osp,
// a16/a32/a64, asp, xacquire/xrelease, bnd/nobnd, and the segment
// registers cs/ds/es/ss/fs/gs used as prefixes (`es movsb`).
func LookupPrefix(name string) (Prefix, bool) {
	if len(name) < 2 || len(name) > 8 {
		return PrefixNone, false
	}
	var buf [8]byte
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		buf[i] = c
	}
	switch string(buf[:len(name)]) {
	case "lock":
		return PrefixLock, true
	case "rep":
		return PrefixRep, true
	case "repe", "repz":
		return PrefixRepe, true
	case "repne", "repnz":
		return PrefixRepne, true
	case "wait":
		return PrefixWait, true
	case "o16":
		return PrefixO16, true
	case "o32":
		return PrefixO32, true
	case "o64":
		return PrefixO64, true
	case "a16":
		return PrefixA16, true
	case "a32":
		return PrefixA32, true
	case "a64":
		return PrefixA64, true
	case "osp":
		return PrefixOSP, true
	case "asp":
		return PrefixASP, true
	case "xacquire":
		return PrefixXacquire, true
	case "xrelease":
		return PrefixXrelease, true
	case "bnd":
		return PrefixBnd, true
	case "nobnd":
		return PrefixNobnd, true
	case "cs":
		return PrefixCS, true
	case "ds":
		return PrefixDS, true
	case "es":
		return PrefixES, true
	case "ss":
		return PrefixSS, true
	case "fs":
		return PrefixFS, true
	case "gs":
		return PrefixGS, true
	}
	return PrefixNone, false
}

// PrefixByte is the byte a prefix written alone on a line stands for
// (`rep`, `lock`, `wait`, `fs`, `osp`), as nasm emits it; false for the
// size prefixes o16/a32..., whose byte depends on the mode (see
// AlonePrefix).
func PrefixByte(p Prefix) (byte, bool) {
	switch p {
	case PrefixLock:
		return 0xF0, true
	case PrefixRep, PrefixRepe, PrefixXrelease:
		return 0xF3, true
	case PrefixRepne, PrefixXacquire:
		return 0xF2, true
	case PrefixOSP:
		return 0x66, true
	case PrefixASP:
		return 0x67, true
	case PrefixWait:
		return 0x9B, true
	case PrefixCS:
		return 0x2E, true
	case PrefixDS:
		return 0x3E, true
	case PrefixES:
		return 0x26, true
	case PrefixSS:
		return 0x36, true
	case PrefixFS:
		return 0x64, true
	case PrefixGS:
		return 0x65, true
	}
	return 0, false
}

// LookupBracePrefix finds an encoding selector written in braces before a
// mnemonic (`{vex3} vaddps ...`): name is the word inside the braces, any
// case: rex, vex, vex2, vex3 or evex.
func LookupBracePrefix(name string) (Prefix, bool) {
	switch lowerASCII(name) {
	case "rex":
		return PrefixREX, true
	case "vex":
		return PrefixVEX, true
	case "vex2":
		return PrefixVEX2, true
	case "vex3":
		return PrefixVEX3, true
	case "evex":
		return PrefixEVEX, true
	}
	return PrefixNone, false
}

// braceName is the source spelling of an encoding selector.
func braceName(p Prefix) string {
	switch p {
	case PrefixREX:
		return "{rex}"
	case PrefixVEX:
		return "{vex}"
	case PrefixVEX2:
		return "{vex2}"
	case PrefixVEX3:
		return "{vex3}"
	}
	return "{evex}"
}

// errNotEncodable is nasm's error for an encoding selector the
// instruction cannot take.
func errNotEncodable(p Prefix) error {
	return &rankedError{"instruction not encodable with " + braceName(p) + " prefix", 2}
}

// errEVEX rejects {evex}: nasm would encode the instruction with EVEX,
// which this encoder does not do.
var errEVEX = errors.New("{evex} is not supported (the encoder has no AVX-512)")

// AlonePrefixes is what nasm emits for a line of prefixes alone (as
// KeepPrefixes leaves them): each one's AlonePrefix, in nasm's slot
// order (wait, rep, lock, segment, operand size, address size) whatever
// the order written.
func AlonePrefixes(ps []Prefix, mode int) ([]byte, error) {
	var out []byte
	for slot := slotNone; slot < nSlots; slot++ {
		for _, p := range ps {
			if prefixSlot(p) != slot {
				continue
			}
			b, err := AlonePrefix(p, mode)
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
		}
	}
	return out, nil
}

// AlonePrefix is what nasm emits for prefix p written alone on a line in
// mode: its byte, nothing (o32 in 32-bit mode), or nasm's error.
func AlonePrefix(p Prefix, mode int) ([]byte, error) {
	if b, ok := PrefixByte(p); ok {
		return []byte{b}, nil
	}
	op66, op67 := []byte{0x66}, []byte{0x67}
	switch p {
	case PrefixO16:
		if mode != 16 {
			return op66, nil
		}
		return nil, nil
	case PrefixO32:
		if mode == 16 {
			return op66, nil
		}
		return nil, nil
	case PrefixO64:
		if mode != 64 {
			return nil, errNon64
		}
	case PrefixA16:
		switch mode {
		case 32:
			return op67, nil
		case 16:
			return nil, nil
		}
		return nil, errA16In64
	case PrefixA32:
		if mode != 32 {
			return op67, nil
		}
		return nil, nil
	case PrefixA64:
		if mode == 64 {
			return nil, nil
		}
		return nil, errA64Outside64
	case PrefixBnd, PrefixNobnd:
		return nil, errBadBnd(p)
	case PrefixREX, PrefixVEX, PrefixVEX2, PrefixVEX3, PrefixEVEX:
		return nil, errNotEncodable(p)
	case PrefixDefaultBnd:
		return nil, nil
	}
	return nil, errors.New("this prefix needs an instruction on the same line")
}

// errBadBnd is nasm's error for bnd or nobnd before an instruction
// other than a near jmp, call, ret or jcc.
func errBadBnd(p Prefix) error {
	if p == PrefixNobnd {
		return errors.New("nobnd prefix is not allowed")
	}
	return errors.New("bnd prefix is not allowed")
}

// RegTerm is one register term of a parsed effective address: Reg*Mul.
// Terms are given in source order. Scaled is true when the source multiplied
// this register (`eax*1`, `2*ebx`): nasm takes the first register of the
// address as the preferred base unless the source scaled it.
type RegTerm struct {
	Reg    Reg
	Mul    int64
	Scaled bool
}

// MakeMem turns a parsed effective address (register terms in source order
// plus the displacement) into a memory operand with Base/Index/Scale chosen
// exactly as nasm chooses them: repeated registers are summed ([eax+eax] is
// eax*2), eax*2 becomes eax+eax*1 and eax*3/5/9 become eax+eax*2/4/8 (unless
// nosplit, nasm's `nosplit` keyword), esp moves to the base, and a scaled
// first register is kept out of the base ([eax*1+ebx] has base ebx).
// Impossible addresses return nasm's "invalid effective address" error.
// mode is the BITS in effect (it only shapes error messages, as in nasm).
// The caller fills in Seg, Size, Rel, Abs and DispSize afterwards.
func MakeMem(mode int, terms []RegTerm, disp Value, nosplit bool) (Operand, error) {
	op := Operand{Kind: OpMem, Disp: disp}
	badEA := eaErr(mode)
	for _, t := range terms {
		if c := t.Reg.Class(); t.Mul != 0 && (c == ClassXMM || c == ClassYMM || c == ClassZMM) {
			return vsibMem(mode, terms, disp)
		}
	}
	type term struct {
		r Reg
		v int64
	}
	var vec []term
	for _, t := range terms {
		if !t.Reg.Valid() {
			return op, badEA
		}
		found := false
		for k := range vec {
			if vec[k].r == t.Reg {
				vec[k].v += t.Mul
				found = true
			}
		}
		if !found {
			vec = append(vec, term{t.Reg, t.Mul})
		}
	}
	// nasm's hint: the first register written is the base unless scaled.
	hint, hintNotBase := RegNone, false
	if len(terms) > 0 {
		hint = terms[0].Reg
		for _, t := range terms {
			if t.Reg == hint && t.Scaled {
				hintNotBase = true
			}
		}
	}
	b, i := RegNone, RegNone
	s := int64(0)
	for _, t := range vec {
		if t.v == 0 {
			continue
		}
		isGPR := t.r.Class() == ClassGPR || t.r.Class() == ClassIP
		switch {
		case isGPR && t.v == 1 && b == RegNone:
			b = t.r
		case i == RegNone:
			i, s = t.r, t.v
		case b == RegNone:
			return op, errors.New(msgBadEA + ": two index registers")
		case !isGPR:
			return op, errors.New(msgBadEA + ": impossible register")
		default:
			return op, errors.New(msgBadEA + ": too many registers")
		}
	}
	if b != RegNone && b.Class() == ClassIP {
		if i != RegNone {
			return op, badEA
		}
		op.Base = b
		return op, nil
	}
	if b != RegNone && b.Class() != ClassGPR || i != RegNone && i.Class() != ClassGPR {
		return op, badEA
	}
	if b != RegNone && b.Size() == 1 || i != RegNone && i.Size() == 1 {
		return op, badEA
	}
	size := 0
	for _, r := range []Reg{b, i} {
		if r != RegNone {
			if size != 0 && size != r.Size() {
				return op, errors.New(msgAddrSizes)
			}
			size = r.Size()
		}
	}
	if size == 2 {
		// 16-bit addressing: nasm's checks, in the encoder's canonical order.
		if i != RegNone && s != 1 {
			return op, badEA
		}
		op.Base, op.Index = b, i
		if i != RegNone {
			op.Scale = 1
		}
		if b == RegNone && i != RegNone {
			op.Base, op.Index = i, RegNone
			op.Scale = 0
		}
		return op, nil
	}
	if b == RegNone && i == RegNone {
		return op, nil
	}
	hb := hint
	notBase, makeBase := hintNotBase, !hintNotBase
	// Swap if the hint says so.
	if s == 1 && b != i && b != RegNone && i != RegNone &&
		(hb == b && notBase || hb == i && makeBase) {
		b, i = i, b
	}
	if b == i && b != RegNone { // eax+2*eax is 3*eax
		b = RegNone
		s++
	}
	if b == RegNone && s == 1 && !(hb == i && notBase) {
		b, i = i, RegNone
	}
	if b == RegNone && i != RegNone && (s == 2 && i.Num() != 4 && !nosplit || s == 3 || s == 5 || s == 9) {
		b = i
		s--
	}
	if s == 1 && i != RegNone && i.Num() == 4 {
		b, i = i, b
	}
	if i != RegNone && (i.Num() == 4 || s != 1 && s != 2 && s != 4 && s != 8) {
		return op, badEA
	}
	op.Base, op.Index = b, i
	if i != RegNone {
		op.Scale = int(s)
	}
	return op, nil
}

// MakeSplitMem builds nasm's split address [base+disp,index*scale] (also
// [,index]): base is the register written before the comma (RegNone if
// none), index and scale what follows it. Unlike MakeMem, the index stays
// the index even when it is alone and unscaled ([,ecx] has no base);
// nasm only turns [,eax*2] (unless nosplit or mib) and [,eax*3/5/9] into
// base plus index.
func MakeSplitMem(mode int, base, index Reg, scale int64, disp Value, nosplit, mib bool) (Operand, error) {
	op := Operand{Kind: OpMem, Disp: disp}
	badEA := eaErr(mode)
	size := 0
	for _, r := range []Reg{base, index} {
		if r == RegNone {
			continue
		}
		if !r.Valid() || r.Class() != ClassGPR || r.Size() == 1 {
			return op, badEA
		}
		if size != 0 && size != r.Size() {
			return op, errors.New(msgAddrSizes)
		}
		size = r.Size()
	}
	if index == RegNone {
		scale = 0
	}
	if size == 2 {
		if index != RegNone && scale != 1 {
			return op, badEA
		}
		op.Base, op.Index = base, index
		if index != RegNone {
			op.Scale = 1
		}
		if base == RegNone && index != RegNone {
			op.Base, op.Index, op.Scale = index, RegNone, 0
		}
		return op, nil
	}
	b, i, s := base, index, scale
	if b == RegNone && i != RegNone && !mib && (s == 2 && i.Num() != 4 && !nosplit || s == 3 || s == 5 || s == 9) {
		b = i
		s--
	}
	if s == 1 && i != RegNone && i.Num() == 4 {
		b, i = i, b // esp cannot be an index: nasm makes it the base
	}
	if i != RegNone && (i.Num() == 4 || s != 1 && s != 2 && s != 4 && s != 8) {
		return op, badEA
	}
	op.Base, op.Index = b, i
	if i != RegNone {
		op.Scale = int(s)
	}
	return op, nil
}

// vsibMem builds a VSIB address (AVX2 gathers): the vector register is
// always the index, with its multiplier as the scale, and at most one
// general-purpose register is the base.
func vsibMem(mode int, terms []RegTerm, disp Value) (Operand, error) {
	op := Operand{Kind: OpMem, Disp: disp}
	type term struct {
		r Reg
		v int64
	}
	var vec []term
	for _, t := range terms {
		if !t.Reg.Valid() {
			return op, eaErr(mode)
		}
		found := false
		for k := range vec {
			if vec[k].r == t.Reg {
				vec[k].v += t.Mul
				found = true
			}
		}
		if !found {
			vec = append(vec, term{t.Reg, t.Mul})
		}
	}
	for _, t := range vec {
		switch c := t.r.Class(); {
		case t.v == 0:
		case c == ClassXMM || c == ClassYMM || c == ClassZMM:
			if op.Index != RegNone {
				return op, errors.New(msgBadEA + ": impossible register")
			}
			op.Index, op.Scale = t.r, int(t.v)
		case c == ClassGPR && t.v == 1 && op.Base == RegNone && t.r.Size() != 1:
			op.Base = t.r
		default:
			return op, eaErr(mode)
		}
	}
	if s := op.Scale; s != 1 && s != 2 && s != 4 && s != 8 {
		return op, eaErr(mode)
	}
	return op, nil
}

// eaErr is nasm's message for an impossible effective address in a mode.
func eaErr(mode int) error {
	switch mode {
	case 16:
		return errEA16
	case 32:
		return errEA32
	case 64:
		return errEA64
	}
	return errEA
}

// RelBranch reports whether inst is a branch to one immediate target
// (jmp, jcc, call, loop, jcxz...) that every form of its mnemonic encodes
// as a displacement from the next instruction. When its target is in
// inst.PC's section, the encoding then depends on the target and on PC only
// through their distance: a caller may reuse an earlier encoding for the
// same distance.
func RelBranch(inst *Inst) bool {
	if len(inst.Ops) != 1 || inst.Ops[0].Kind != OpImm || inst.Ops[0].Far {
		return false
	}
	m := lookupMnemonic(inst.Mnemonic)
	return m != nil && m.flags&mnRelBranch != 0
}
