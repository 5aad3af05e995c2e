package x86

import (
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// field is an immediate, displacement or relative field waiting for its value.
type field struct {
	off, size int
	v         Value
	kind      obj.RelocKind
	rel       bool // PC-relative (branch target or RIP-relative displacement)
	short     bool // rel8 field: range checked
	branch    bool // branch target (for the out-of-range message)
}

func defaultAddr(mode int) int {
	if mode == 16 {
		return 16
	}
	return mode
}

// addrSize works out the address size a memory operand needs.
func (e *encoder) addrSize(o *Operand) (int, error) {
	want := 0
	for _, r := range []Reg{o.Base, o.Index} {
		if r == RegNone || r.Class() != ClassGPR && r.Class() != ClassIP {
			continue // a VSIB index says nothing about the address size
		}
		s := r.Size() * 8
		if want != 0 && want != s {
			return 0, errAddrSizes
		}
		want = s
	}
	if want == 0 && e.mode != 64 && (o.DispSize == 2 || o.DispSize == 4) {
		want = o.DispSize * 8
	}
	if want == 0 && (e.mode == 64 && o.DispSize == 2 || e.mode != 64 && o.DispSize == 8) {
		return 0, errAddrSizes
	}
	if e.pfx.a != 0 {
		if want != 0 && want != e.pfx.a {
			return 0, errAddrSizes
		}
		want = e.pfx.a
	}
	if want == 0 {
		want = defaultAddr(e.mode)
	}
	if e.mode == 64 && want == 16 || e.mode != 64 && want == 64 {
		return 0, errAddrSizes
	}
	return want, nil
}

func (e *encoder) assemble(f *form, osz int, c *candidate) error {
	var regOp, rmOp, plusOp, vOp *Operand
	if f.reg >= 0 {
		regOp = &e.ops[f.reg]
	}
	if f.rm >= 0 {
		rmOp = &e.ops[f.rm]
	}
	if f.plus >= 0 {
		plusOp = &e.ops[f.plus]
	}
	if f.vvvv >= 0 {
		vOp = &e.ops[f.vvvv]
	}
	var immBuf [4]int
	immArgs := immBuf[:0]
	for k, a := range f.args[:f.nargs] {
		if isImmArg(a) {
			immArgs = append(immArgs, k)
		}
	}
	nimm := int(f.nimm)
	if nimm > 0 && f.imm[nimm-1] == imm_is4 {
		// The register in imm[7:4] is the last operand, or the one before
		// it when the last is the r/m operand (FMA4's W1 forms).
		is4 := int(f.nargs) - 1
		if int(f.rm) == is4 {
			is4--
		}
		immArgs = append(immArgs, is4)
	}
	if len(immArgs) != nimm {
		return errInvalid
	}
	if e.mode == 64 && e.mn == "xchg" && plusOp != nil && f.osz == 32 && plusOp.Reg.Num() == 0 {
		// 90 is nop in long mode; nasm encodes xchg eax,eax with ModRM.
		return errInvalid
	}

	// Address size.
	asz := defaultAddr(e.mode)
	var memOp *Operand
	if rmOp != nil && rmOp.Kind == OpMem {
		memOp = rmOp
	}
	for _, k := range immArgs {
		if e.ops[k].Kind == OpMem {
			memOp = &e.ops[k]
		}
	}
	if memOp != nil {
		s, err := e.addrSize(memOp)
		if err != nil {
			return err
		}
		asz = s
	} else if e.pfx.a != 0 {
		asz = e.pfx.a
	}
	need67 := false
	if f.asz != 0 {
		if e.pfx.a != 0 && e.pfx.a != int(f.asz) {
			return errInvalid
		}
		if memOp != nil {
			// The register gives the address size (movdir64b eax, [...])
			// and so does the memory operand: nasm writes 67 when either
			// differs from the mode's.
			need67 = int(f.asz) != defaultAddr(e.mode)
		} else {
			asz = int(f.asz)
		}
	}

	// Operand size.
	need66 := f.osz == 16 && e.mode != 16 || f.osz == 32 && e.mode == 16
	rexW := f.osz == 64
	if e.pfx.o != 0 {
		// An explicit o16/o32/o64 decides the operand-size prefix itself
		// (`o32 lodsw` is AD).
		need66 = e.pfx.o == 16 && e.mode != 16 || e.pfx.o == 32 && e.mode == 16
		rexW = rexW || e.pfx.o == 64
	}
	for _, a := range f.args[:f.nargs] {
		if a == aRel16 && e.mode != 16 || a == aRel32 && e.mode == 16 {
			need66 = true // a sized branch (`jz near word x` in BITS 32)
		}
	}
	if e.pfx.osp {
		need66 = true // osp is a 66 byte, whatever the form's size
	}
	vex := f.has(fVEX)
	switch e.pfx.enc {
	case PrefixVEX, PrefixVEX2, PrefixVEX3:
		if !vex {
			return errNotEncodable(e.pfx.enc)
		}
	case PrefixREX:
		if vex {
			return errNotEncodable(e.pfx.enc)
		}
	}
	if vex && rexW && f.osz != 64 {
		rexW = false // o64 has no meaning for a VEX form (W is the form's)
	}

	// REX (or the VEX fields that stand for it).
	rex := byte(0)
	needRex := false
	high := false
	for _, o := range e.ops {
		if o.Kind == OpReg && o.Reg.Class() == ClassGPR && o.Reg.Size() == 1 {
			if o.Reg.NeedsREX() && !f.has(fByteAnyMode) { // those take the register by number (r9b is r9d)
				needRex = true
			}
			if o.Reg.IsHighByte() {
				high = true
			}
		}
	}
	if high && f.has(fByteAnyMode) {
		if f.has(fVEX) {
			return errHighAVX
		}
		return errHighNo
	}
	if rexW {
		rex |= 8
	}
	regField := 0
	switch {
	case f.ext >= 0 && f.ext <= 7:
		regField = int(f.ext)
	case f.ext == 8 && regOp != nil:
		regField = regOp.Reg.Num()
		if regOp.Reg.Class() == ClassSeg && regField > 5 {
			return errInvalid
		}
	case f.ext == 8:
		return errInvalid
	}
	lockCR := false
	if regField >= 8 {
		rex |= 4
		if e.mode != 64 && regOp != nil && regOp.Reg.Class() == ClassCR {
			// Outside 64-bit mode nasm reaches cr8 and up with a lock
			// prefix (AMD's alternative to REX.R).
			rex &^= 4
			lockCR = true
		}
	}
	if plusOp != nil && plusOp.Reg.Class() == ClassGPR && plusOp.Reg.Num() >= 8 {
		rex |= 1
	}
	var ea eaResult
	if f.ext >= 0 {
		if rmOp == nil {
			return errInvalid
		}
		if rmOp.Kind == OpReg {
			n := rmOp.Reg.Num()
			if n >= 8 {
				rex |= 1
			}
			ea.modrm = 0xC0 | byte(regField&7)<<3 | byte(n&7)
		} else {
			var err error
			ea, err = e.encodeEA(rmOp, regField, asz)
			if err != nil {
				return err
			}
			if ea.rexX {
				rex |= 2
			}
			if ea.rexB {
				rex |= 1
			}
		}
	}
	if vex {
		if needRex || high {
			return errInvalid
		}
	} else if rex != 0 || needRex || e.pfx.enc == PrefixREX {
		if e.mode != 64 {
			return errNon64
		}
		if high {
			return errHighREX
		}
		rex |= 0x40
	}

	// Bytes: wait, lock/rep, segment, 66, 67, the mandatory prefix, REX or
	// VEX, the opcode.
	b := e.buf[:0]
	if e.pfx.wait || f.has(fWait) {
		b = append(b, 0x9B)
	}
	// nasm writes a rep/repne prefix before lock, whatever the source order;
	// a form's own rep prefix (xsha1) goes there too, unless the source
	// gives one.
	repPfx := f.has(fRepPfx) && f.pfx != 0
	if repPfx && !e.pfx.hasRep() {
		b = append(b, f.pfx)
	}
	for _, p := range e.pfx.group1 {
		if p == 0xF2 && e.pfx.bnd && f.nopc == 1 && f.opc[0] == 0xEB {
			continue // nasm drops bnd when a jmp becomes short
		}
		if p != 0xF0 {
			b = append(b, p)
		}
	}
	for _, p := range e.pfx.group1 {
		if p == 0xF0 {
			b = append(b, p)
			lockCR = false
		}
	}
	if lockCR {
		b = append(b, 0xF0)
	}
	if e.pfx.seg != 0 {
		b = append(b, e.pfx.seg)
	}
	if need66 {
		b = append(b, 0x66)
	}
	if asz != defaultAddr(e.mode) || need67 {
		b = append(b, 0x67)
	}
	if vex {
		vnum := 0
		if vOp != nil {
			vnum = vOp.Reg.Num()
		}
		pp := byte(0)
		switch f.pfx {
		case 0x66:
			pp = 1
		case 0xF3:
			pp = 2
		case 0xF2:
			pp = 3
		}
		l := byte(0)
		if f.has(fVEXL) {
			l = 4
		}
		w := f.has(fVEXW)
		last := ^byte(vnum)&15<<3 | l | pp
		two := rex&3 == 0 && !w && f.vmap == 1
		if e.pfx.enc == PrefixVEX2 && !two {
			return errNotEncodable(PrefixVEX2)
		}
		if two && e.pfx.enc != PrefixVEX3 {
			b = append(b, 0xC5, (^rex&4)<<5|last)
		} else {
			wb := byte(0)
			if w {
				wb = 0x80
			}
			esc := byte(0xC4)
			if f.vmap >= 8 {
				esc = 0x8F // AMD's XOP: opcode maps 8 to 10
			}
			b = append(b, esc, (^rex&7)<<5|f.vmap, wb|last)
		}
	} else {
		if f.pfx != 0 && !repPfx {
			b = append(b, f.pfx)
		}
		if rex != 0 {
			b = append(b, rex)
		}
	}
	b = append(b, f.opc[:f.nopc]...)
	if plusOp != nil {
		b[len(b)-1] += byte(plusOp.Reg.Num() & 7)
	}
	var fieldBuf [4]field
	fields := fieldBuf[:0]
	if f.ext >= 0 {
		b = append(b, ea.modrm)
		if ea.hasSIB {
			b = append(b, ea.sib)
		}
		if ea.dispSize > 0 {
			fl := field{off: len(b), size: ea.dispSize, v: ea.disp, kind: ea.kind, rel: ea.rip}
			fields = append(fields, fl)
			b = append(b, zeros[:ea.dispSize]...)
		}
	}
	for i, k := range f.imm[:nimm] {
		o := &e.ops[immArgs[i]]
		fl := field{off: len(b), v: o.Imm, kind: obj.RelocAbs}
		switch k {
		case imm_ib:
			fl.size = 1
		case imm_iw:
			fl.size = 2
		case imm_id:
			fl.size = 4
			if e.mode == 64 && (f.osz == 64 || f.has(fD64)) {
				fl.kind = obj.RelocAbsSigned
			}
		case imm_io:
			fl.size = 8
		case imm_is4:
			b = append(b, byte(o.Reg.Num())<<4)
			continue
		case imm_cb, imm_cw, imm_cd:
			fl.size = 1 << (k - imm_cb) // cb, cw, cd: 1, 2, 4 bytes
			fl.rel, fl.branch, fl.kind = true, true, obj.RelocPCRel
			fl.short = k == imm_cb
			if fl.short && o.Near || !fl.short && o.Short {
				return errInvalid
			}
			// A target not known yet is a forward reference: nasm's first
			// pass assumes it is near enough for a short jump.
			local := o.Imm.Sym == e.inst.PC.Sym || !o.Imm.Known
			loopLike := f.nopc == 1 && f.opc[0] >= 0xE0 && f.opc[0] <= 0xE3
			if fl.short && !local && !o.Short && !loopLike {
				// nasm reaches other sections and externals with near
				// jumps; loop and jcxz have only the short form, which
				// takes any target (a PC8 relocation if need be).
				return errInvalid
			}
		case imm_cm:
			fl.size = asz / 8
			fl.v = o.Disp
		default:
			return errInvalid
		}
		fields = append(fields, fl)
		b = append(b, zeros[:fl.size]...)
	}
	if f.has(fSuffix) {
		b = append(b, f.sfx)
	}
	return e.fill(b, fields, c)
}

// fill writes each field's value, or records a Fixup for it.
func (e *encoder) fill(b []byte, fields []field, c *candidate) error {
	end := len(b)
	c.fix = e.fixBuf[:0]
	for _, fl := range fields {
		v := fl.v
		if fl.rel {
			if v.Sym == e.inst.PC.Sym || fl.branch && !v.Known {
				val := int64(0)
				if v.Known && e.inst.PC.Known {
					val = v.Off - (e.inst.PC.Off + int64(end))
				}
				if fl.short && (val < -128 || val > 127) {
					if fl.branch {
						return errShortRange
					}
				}
				put(b[fl.off:], fl.size, val)
				continue
			}
			c.fix = append(c.fix, Fixup{Offset: fl.off, Size: fl.size, Kind: obj.RelocPCRel, Sym: v.Sym, Addend: v.Off - int64(end-fl.off)})
			continue
		}
		if v.Sym != "" {
			c.fix = append(c.fix, Fixup{Offset: fl.off, Size: fl.size, Kind: fl.kind, Sym: v.Sym, Addend: v.Off})
			continue
		}
		put(b[fl.off:], fl.size, v.Off)
	}
	c.bytes = b
	return nil
}

var zeros [8]byte

func put(b []byte, size int, v int64) {
	for i := 0; i < size; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

type eaResult struct {
	modrm, sib byte
	hasSIB     bool
	dispSize   int
	disp       Value
	kind       obj.RelocKind
	rip        bool
	rexX, rexB bool
}

// encodeEA encodes a memory operand the way nasm's process_ea does.
func (e *encoder) encodeEA(o *Operand, reg, asz int) (eaResult, error) {
	r := eaResult{disp: o.Disp, kind: obj.RelocAbs}
	rf := byte(reg&7) << 3
	// nasm takes a 32- or 64-bit address's displacement as 32 bits
	// ([rax+0xffffffff] is [rax-1], with a disp8).
	off := int64(int32(o.Disp.Off))
	simple := o.Disp.Sym == "" && o.Disp.Known
	if o.DispSize == 8 || (o.DispSize == 2) != (asz == 16) && o.DispSize != 0 && o.DispSize != 1 {
		if o.Base != RegNone || o.Index != RegNone {
			return r, eaErr(e.mode)
		}
	}
	vsib := o.Index != RegNone && o.Index.Class() != ClassGPR
	if asz == 16 {
		if vsib {
			return r, eaErr(e.mode)
		}
		return e.encodeEA16(o, rf)
	}
	base, index := o.Base, o.Index
	if base == RegNone && index == RegNone {
		if e.mode == 64 && o.Rel && !o.Abs && !simple {
			r.modrm = rf | 5
			r.dispSize = 4
			r.rip = true
			r.kind = obj.RelocPCRel
			return r, nil
		}
		if e.mode == 64 {
			r.modrm = rf | 4
			r.sib = 0x25
			r.hasSIB = true
			r.dispSize = 4
			if asz == 64 {
				r.kind = obj.RelocAbsSigned
			}
			return r, nil
		}
		r.modrm = rf | 5
		r.dispSize = 4
		return r, nil
	}
	if base != RegNone && base.Class() == ClassIP {
		if e.mode != 64 || index != RegNone {
			return r, eaErr(e.mode)
		}
		r.modrm = rf | 5
		r.dispSize = 4
		r.rip = true
		r.kind = obj.RelocPCRel
		return r, nil
	}
	if index != RegNone && index.Num() == 4 && !vsib {
		return r, eaErr(e.mode)
	}
	if e.mode == 64 && asz == 64 {
		r.kind = obj.RelocAbsSigned
	}
	bt, it := -1, -1
	if base != RegNone {
		bt = base.Num()
		r.rexB = bt >= 8
	}
	if index != RegNone {
		it = index.Num()
		r.rexX = it >= 8
	}
	mod := 2
	switch {
	case bt == -1:
		mod = 0
	case bt&7 != 5 && off == 0 && simple && o.DispSize == 0:
		mod = 0
	case o.DispSize == 1 || (off >= -128 && off <= 127 && simple && o.DispSize == 0):
		mod = 1
	}
	switch {
	case bt == -1 || mod == 2:
		r.dispSize = 4
	default:
		r.dispSize = mod
	}
	if it == -1 && bt&7 != 4 {
		r.modrm = byte(mod)<<6 | rf | byte(bt&7)
		return r, nil
	}
	_ = vsib
	index3, s := 4, 1
	if it != -1 {
		index3, s = it&7, o.Scale
	}
	var sc byte
	switch s {
	case 2:
		sc = 1
	case 4:
		sc = 2
	case 8:
		sc = 3
	}
	base3 := 5
	if bt != -1 {
		base3 = bt & 7
	}
	r.hasSIB = true
	r.modrm = byte(mod)<<6 | rf | 4
	r.sib = sc<<6 | byte(index3)<<3 | byte(base3)
	return r, nil
}

// encodeEA16 encodes 16-bit addressing ([bx+si], [bp+di+4], ...).
func (e *encoder) encodeEA16(o *Operand, rf byte) (eaResult, error) {
	r := eaResult{disp: o.Disp, kind: obj.RelocAbs}
	b, i := o.Base, o.Index
	if i != RegNone && o.Scale != 1 {
		return r, eaErr(e.mode)
	}
	if b == RegNone && i == RegNone {
		r.modrm = rf | 6
		r.dispSize = 2
		return r, nil
	}
	name := func(x Reg) string {
		if x == RegNone {
			return ""
		}
		return x.String()
	}
	bn, in := name(b), name(i)
	if bn == "" {
		bn, in = in, bn
	}
	if (bn == "si" || bn == "di") && in != "" {
		bn, in = in, bn
	}
	var rm int
	switch bn + "+" + in {
	case "bx+si":
		rm = 0
	case "bx+di":
		rm = 1
	case "bp+si":
		rm = 2
	case "bp+di":
		rm = 3
	case "si+":
		rm = 4
	case "di+":
		rm = 5
	case "bp+":
		rm = 6
	case "bx+":
		rm = 7
	default:
		return r, eaErr(e.mode)
	}
	off := int64(int16(o.Disp.Off))
	simple := o.Disp.Sym == "" && o.Disp.Known
	mod := 2
	switch {
	case off == 0 && simple && rm != 6 && o.DispSize == 0:
		mod = 0
	case o.DispSize == 1 || (off >= -128 && off <= 127 && simple && o.DispSize == 0):
		mod = 1
	}
	r.modrm = byte(mod)<<6 | rf | byte(rm)
	r.dispSize = mod
	return r, nil
}
