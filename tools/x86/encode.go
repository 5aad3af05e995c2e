package x86

import (
	"errors"
	"fmt"
	"math/bits"
	"strings"
	"sync"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// RangeError reports a value that does not fit its field (a short jump out of
// range). During relaxation passes the front end may see it for a layout that
// is not final yet; only on the final pass is it a real error.
type RangeError struct{ Msg string }

func (e *RangeError) Error() string { return e.Msg }

const (
	msgInvalid     = "invalid combination of opcode and operands"
	msgNoSize      = "operation size not specified"
	msgMismatch    = "mismatch in operand sizes"
	msgNon64       = "invalid operands in non-64-bit mode"
	msgHighREX     = "cannot use high byte register in rex instruction"
	msgShortRange  = "short jump is out of range"
	msgBadEA       = "invalid effective address"
	msgAddrSizes   = "impossible combination of address sizes"
	msgSegConflict = "instruction has conflicting segment overrides"
)

// Encode returns nasm's encoding of inst (nasm 2.16, default -Ox): the bytes,
// with zeros in every field that a Fixup still has to fill.
//
// Operands must come from the front end as described in operand.go; memory
// operands should be built with MakeMem so that Base/Index/Scale are already
// in nasm's canonical order (Encode encodes them as given; a vector register
// term makes a VSIB address). A far pointer `jmp seg:off` is two OpImm
// operands, segment first. `fadd to st1` is the register operand with To
// set. Branch targets are OpImm values: a target whose Sym equals
// inst.PC.Sym is resolved here, anything else becomes a PC-relative Fixup.
// Values with Known=false are treated as nasm treats forward references in
// its first pass: immediates and jumps optimistically short, displacements
// as 32-bit. inst.CPU restricts the forms to a `cpu` level.
//
// Errors use nasm's wording; a *RangeError may disappear once values settle.
// Encode never panics.
func Encode(inst *Inst) (enc *Encoding, err error) {
	defer func() {
		if r := recover(); r != nil {
			enc, err = nil, fmt.Errorf("internal encoder error: %v", r)
		}
	}()
	if inst == nil {
		return nil, errors.New("no instruction")
	}
	e := encoders.Get().(*encoder)
	defer encoders.Put(e)
	e.reset(inst)
	enc, err = e.encode()
	e.inst = nil // keep no caller data alive in the pool
	return enc, err
}

// encoders recycles encoder state: it is large (its buffers) and every
// instruction of every pass needs one.
var encoders = sync.Pool{New: func() any { return new(encoder) }}

// lowerASCII is strings.ToLower without its allocation when s is already
// lower case (the front end passes mnemonics as written, usually lower).
func lowerASCII(s string) string {
	for i := 0; i < len(s); i++ {
		if c := s[i]; c >= 'A' && c <= 'Z' || c >= 0x80 {
			return strings.ToLower(s)
		}
	}
	return s
}

// encoder is the state of one Encode call. Trying every form of a
// mnemonic is the hot path of assembly, so a trial writes into buffers
// owned by the encoder and only the winning form's bytes are copied out.
type encoder struct {
	inst     *Inst
	mode     int
	mn       string
	mnem     *mnemonic
	ops      []Operand
	anyFar   bool // some operand is far (set once the operands are final)
	pfx      prefixState
	opsBuf   [4]Operand
	shortBuf [4]Operand
	buf      [32]byte  // bytes of the form being tried
	fixBuf   [4]Fixup  // its fixups
	cand     candidate // the form being tried
	main     slots     // the forms that fit
	alts     slots     // the alternative forms (SIMD stores) that fit
}

// reset prepares a pooled encoder for inst. Its buffers are only ever
// read up to what the current call wrote, so they are not cleared.
func (e *encoder) reset(inst *Inst) {
	e.inst, e.mode, e.mn = inst, inst.Mode, lowerASCII(inst.Mnemonic)
	e.ops, e.anyFar = nil, false
	e.pfx = prefixState{group1: e.pfx.group1[:0]}
	e.cand = candidate{}
	e.main.reset()
	e.alts.reset()
}

// slots keeps the best candidates of one kind of form.
type slots struct {
	best  slot // shortest form of any kind
	sized slot // shortest form where every operand's size was given
	sizes int  // bit n set: some form guessed an n-byte memory operand
}

func (s *slots) reset() {
	s.best.ok, s.sized.ok, s.sizes = false, false, 0
}

// slot keeps a copy of a candidate that beat the others so far.
type slot struct {
	ok  bool
	c   candidate
	buf [32]byte
	fix [4]Fixup
}

func (s *slot) set(c *candidate) {
	s.ok = true
	s.c = *c
	s.c.bytes = append(s.buf[:0], c.bytes...)
	s.c.fix = append(s.fix[:0], c.fix...)
}

// encoding copies the slot's candidate into a result of its own.
func (s *slot) encoding() *Encoding {
	// One allocation for the result and its bytes (an instruction is at
	// most 15 bytes, plus any redundant prefixes the source asked for).
	box := &struct {
		enc Encoding
		buf [16]byte
	}{}
	enc := &box.enc
	if len(s.c.bytes) <= len(box.buf) {
		enc.Bytes = box.buf[:len(s.c.bytes):len(s.c.bytes)]
		copy(enc.Bytes, s.c.bytes)
	} else {
		enc.Bytes = append([]byte(nil), s.c.bytes...)
	}
	if len(s.c.fix) > 0 {
		enc.Fixups = append([]Fixup(nil), s.c.fix...)
	}
	return enc
}

type prefixState struct {
	group1 []byte // lock and rep prefixes in source order
	seg    byte
	o, a   int    // explicit o16/o32/o64 and a16/a32/a64
	wait   bool   // `wait`
	osp    bool   // `osp`: 66 whatever the operand size
	hle    bool   // xacquire or xrelease
	bnd    bool   // `bnd` (its F2 is in group1)
	enc    Prefix // {rex}, {vex}, {vex2} or {vex3}; PrefixNone without
}

// hasRep reports whether the source gives a rep or repne prefix.
func (p *prefixState) hasRep() bool {
	for _, b := range p.group1 {
		if b == 0xF3 || b == 0xF2 {
			return true
		}
	}
	return false
}

// segPrefix is the override prefix of each segment register, by number.
var segPrefix = [8]byte{0x26, 0x2E, 0x36, 0x3E, 0x64, 0x65}

func (e *encoder) encode() (*Encoding, error) {
	if e.mode != 16 && e.mode != 32 && e.mode != 64 {
		return nil, fmt.Errorf("invalid BITS mode %d", e.mode)
	}
	e.mnem = lookupMnemonic(e.mn)
	if _, ok := mpxForms[e.mn]; ok {
		return e.mpx()
	}
	if e.mnem == nil || len(e.mnem.forms()) == 0 {
		return nil, fmt.Errorf("instruction not supported: %s", e.mn)
	}
	if err := e.prepare(); err != nil {
		return nil, err
	}
	if e.inst.Opt == OptFull {
		e.rewriteMov64()
	} else {
		e.sregOperandSize()
	}
	if e.mn == "imul" && len(e.ops) == 2 && e.ops[0].Kind == OpReg && e.ops[1].Kind == OpImm {
		// nasm's `imul r, imm` is `imul r, r, imm`.
		e.ops = []Operand{e.ops[0], e.ops[0], e.ops[1]}
	}
	for k := range e.ops {
		e.anyFar = e.anyFar || e.ops[k].Far
	}

	// Far pointer immediate: jmp/call seg:off.
	if len(e.ops) == 2 && e.ops[0].Kind == OpImm && e.ops[1].Kind == OpImm && (e.mn == "jmp" || e.mn == "call") {
		return e.farPointer()
	}

	if e.mn == "jcxz" || e.mn == "jecxz" || e.mn == "jrcxz" || strings.HasPrefix(e.mn, "loop") {
		if len(e.ops) >= 1 && (e.ops[0].Short || e.ops[0].Near) {
			return nil, errMismatch // nasm's answer to `loop short x`
		}
	}
	if (e.mn == "call" || e.mn == "xbegin") && len(e.ops) == 1 && e.ops[0].Short {
		return nil, errMismatch
	}
	if len(e.ops) == 1 && e.ops[0].Kind == OpImm && !e.ops[0].Far && !e.ops[0].Short && e.bndAllowed() && e.mn != "ret" && e.mn != "retn" {
		// A near branch sized for another mode: nasm's forms for it
		// exist, only not in this one (`jmp dword x` in BITS 64).
		if sz := e.ops[0].Size; (sz == 4 && e.mode == 64 || sz == 8 && e.mode != 64) && (e.ops[0].Near || e.mn == "jmp" || e.mn == "call") {
			return nil, badMode(e.mode)
		}
	}
	var firstErr error
	firstRank := -1
	better := func(c *candidate, b *slot) bool {
		// Shortest wins; on a tie nasm prefers the sign-extended imm8 form
		// (`add ax, -1` is 66 83 C0 FF, not 66 05 FF FF), then table order.
		return !b.ok || len(c.bytes) < len(b.c.bytes) || len(c.bytes) == len(b.c.bytes) && c.sbyte && !b.c.sbyte
	}
	// Only forms with as many operands can match; the others would fail
	// with the generic error, which ranks last anyway. AVX forms whose
	// first source repeats the destination may leave it out.
	tryForms := e.mnem.formsWith(len(e.ops))
	var shortForms []form
	if len(e.ops) >= 1 && len(e.ops) < 4 {
		shortForms = e.mnem.formsWith(len(e.ops) + 1)
	}
	if len(tryForms) == 0 && len(shortForms) == 0 {
		firstErr, firstRank = errInvalid, 0
	}
	consider := func(f *form) {
		c := &e.cand
		sl := &e.main
		if f.has(fAlt) {
			sl = &e.alts
		}
		if err := e.try(f, c); err != nil {
			// Most forms fail with the generic error: rank only the others.
			if firstErr == nil || err != errInvalid && errRank(err) > firstRank {
				firstErr, firstRank = err, errRank(err)
			}
			if c.unsizedMem > 0 && !c.defSize && (err == errBadCPU || errRank(err) == rankBadMode) {
				// nasm guesses an unsized memory operand's size before it
				// looks at the mode or CPU: such forms still make the
				// guess ambiguous.
				sl.sizes |= 1 << c.unsizedMem
			}
			return
		}
		switch {
		case c.defSize:
			// nasm's default size for an unsized memory operand.
			if better(c, &sl.sized) {
				sl.sized.set(c)
			}
		case c.unsizedMem > 0:
			sl.sizes |= 1 << c.unsizedMem
			if better(c, &sl.best) {
				sl.best.set(c)
			}
		default:
			if better(c, &sl.sized) {
				sl.sized.set(c)
			}
			if better(c, &sl.best) {
				sl.best.set(c)
			}
		}
	}
	for i := range tryForms {
		consider(&tryForms[i])
	}
	if len(shortForms) > 0 {
		given := e.ops
		e.ops = append(append(append(e.shortBuf[:0], given[0]), given[0]), given[1:]...)
		for i := range shortForms {
			if shortForms[i].has(fShort) {
				consider(&shortForms[i])
			}
		}
		e.ops = given
	}
	// Forms where every operand's size is given beat forms that would
	// guess a memory operand's size; with several guesses nasm gives up.
	// Alternative forms (SIMD stores) only count when no other form fits.
	for _, sl := range []*slots{&e.main, &e.alts} {
		if sl.sized.ok {
			return sl.sized.encoding(), nil
		}
		if sl.best.ok {
			if bits.OnesCount(uint(sl.sizes)) > 1 && e.mn != "call" && e.mn != "jmp" {
				return nil, errNoSize
			}
			return sl.best.encoding(), nil
		}
	}
	if enc, ok := e.jccOverJmp(firstErr); ok {
		return enc, nil
	}
	// nasm guesses an unsized memory operand's size before it checks the
	// CPU level or the mode: an ambiguous guess is the error then.
	if bits.OnesCount(uint(e.main.sizes|e.alts.sizes)) > 1 && e.mn != "call" && e.mn != "jmp" {
		return nil, errNoSize
	}
	if firstErr != nil && errRank(firstErr) > 1 {
		return nil, firstErr
	}
	// Distinguish a size conflict from a plainly wrong operand combination,
	// as nasm does: retry with the explicit memory and immediate sizes dropped.
	if e.hasExplicitSize() {
		saved := e.ops
		e.ops = append([]Operand(nil), saved...)
		for k := range e.ops {
			if e.ops[k].Kind != OpReg {
				e.ops[k].Size = 0
				e.ops[k].Strict = false
			}
		}
		for i := range tryForms {
			f := &tryForms[i]
			// nasm checks sizes before the CPU level and the mode.
			err := e.try(f, &e.cand)
			if (err == nil || err == errBadCPU || errRank(err) == errRank(errBadMode16)) && !e.sizedMemMismatch(f, saved) {
				return nil, errMismatch
			}
		}
		e.ops = saved
	}
	if firstErr != nil {
		return nil, firstErr
	}
	return nil, errInvalid
}

// jccOverJmp is nasm's answer to a conditional jump out of short range
// when the CPU level has no near Jcc (8086, 186, 286): the opposite short
// jump over a near jmp to the target.
func (e *encoder) jccOverJmp(why error) (*Encoding, bool) {
	if e.inst.CPU.allows(CPU386) || len(e.ops) != 1 || why != errBadCPU && why != errShortRange {
		return nil, false
	}
	o := &e.ops[0]
	if o.Kind != OpImm || o.Short || o.Near || o.Far || o.Size != 0 {
		return nil, false
	}
	short := e.mnem.formsWith(1)
	var cc byte
	found := false
	for i := range short {
		f := &short[i]
		if f.nargs == 1 && f.args[0] == aRel8 && f.nopc == 1 && f.opc[0] >= 0x70 && f.opc[0] <= 0x7F {
			cc, found = f.opc[0], true
		}
	}
	if !found {
		return nil, false
	}
	rel := 2
	if e.mode != 16 {
		rel = 4
	}
	b := e.buf[:0]
	b = append(b, e.pfx.group1...)
	if e.pfx.seg != 0 {
		b = append(b, e.pfx.seg)
	}
	if e.pfx.o == 16 && e.mode != 16 || e.pfx.o == 32 && e.mode == 16 {
		b = append(b, 0x66) // nasm keeps the mode's jump sizes all the same
	}
	b = append(b, cc^1, byte(1+rel), 0xE9)
	fields := []field{{off: len(b), size: rel, v: o.Imm, kind: obj.RelocPCRel, rel: true, branch: true}}
	b = append(b, zeros[:rel]...)
	if err := e.fill(b, fields, &e.cand); err != nil {
		return nil, false
	}
	e.main.best.set(&e.cand)
	return e.main.best.encoding(), true
}

// rankedError is an encoding error with its rank among the errors of
// the forms tried: the highest rank is reported (as nasm reports its
// most specific template error).
type rankedError struct {
	msg  string
	rank int
}

func (e *rankedError) Error() string { return e.msg }

const rankBadMode = 4

var (
	errInvalid     = &rankedError{msgInvalid, 0}
	errNoSize      = &rankedError{msgNoSize, 2}
	errMismatch    = &rankedError{msgMismatch, 2}
	errSegConflict = &rankedError{msgSegConflict, 2}
	errBadCPU      = &rankedError{"no instruction for this cpu level", 3}
	errBadMode16   = &rankedError{"instruction not supported in 16-bit mode", rankBadMode}
	errBadMode32   = &rankedError{"instruction not supported in 32-bit mode", rankBadMode}
	errBadMode64   = &rankedError{"instruction not supported in 64-bit mode", rankBadMode}
	errAddrSizes   = &rankedError{msgAddrSizes, 5}
	errEA16        = &rankedError{"invalid 16-bit effective address", 5}
	errEA32        = &rankedError{"invalid 32-bit effective address", 5}
	errEA64        = &rankedError{"invalid 64-bit effective address", 5}
	errEA          = &rankedError{msgBadEA, 5}
	errNon64       = &rankedError{msgNon64, 6}
	errHighREX     = &rankedError{msgHighREX, 6}
	errHighNo      = &rankedError{"instruction cannot use high registers", 6}
	errHighAVX     = &rankedError{"cannot use high register in AVX instruction", 6}
	errShortRange  = &RangeError{Msg: msgShortRange}
)

// badMode is nasm's error for an instruction or form the mode lacks.
func badMode(mode int) error {
	switch mode {
	case 16:
		return errBadMode16
	case 32:
		return errBadMode32
	}
	return errBadMode64
}

// errRank orders errors so that the most specific one is reported.
func errRank(err error) int {
	switch e := err.(type) {
	case *RangeError:
		return 7
	case *rankedError:
		return e.rank
	}
	return 2
}

// sizedMemMismatch reports whether the form failed on the size given to a
// memory operand its nasm template sizes: nasm calls that an invalid
// combination rather than a size mismatch.
func (e *encoder) sizedMemMismatch(f *form, given []Operand) bool {
	if !f.has(fMemSized) {
		return false
	}
	for k, o := range given {
		if o.Kind == OpMem && o.Size != 0 && k < int(f.nargs) && !memSizeOK(f, &given[k]) {
			return true
		}
	}
	return false
}

func (e *encoder) hasExplicitSize() bool {
	for _, o := range e.ops {
		if o.Kind != OpReg && o.Size != 0 {
			return true
		}
	}
	return false
}

// byteAnyMode reports whether a form of the mnemonic takes spl..dil
// without REX in any mode (pinsrb): those registers are then left to the forms.
func (e *encoder) byteAnyMode() bool {
	for _, f := range e.mnem.forms() {
		if f.has(fByteAnyMode) {
			return true
		}
	}
	return false
}

func (e *encoder) checkOperands() error {
	high, rex := false, false
	for _, o := range e.ops {
		if o.Kind == OpReg && o.Reg.Valid() && o.Reg.Class() == ClassGPR && o.Reg.Size() == 1 {
			high = high || o.Reg.IsHighByte()
			rex = rex || o.Reg.NeedsREX()
		}
	}
	if high && rex {
		// nasm's CPU level comes first: below the level of every form
		// it is "no instruction for this cpu level" (umov dil, ah at 8086).
		for _, f := range e.mnem.forms() {
			if e.mode == 64 && e.inst.CPU.allows(f.cpu64) || e.mode != 64 && e.inst.CPU.allows(f.cpu) {
				return errHighREX
			}
		}
		return errBadCPU
	}
	for _, o := range e.ops {
		switch o.Kind {
		case OpReg:
			if !o.Reg.Valid() {
				return errors.New("invalid register operand")
			}
			if o.Reg.avx512() {
				return e.evexErr()
			}
		case OpImm:
		case OpMem:
			if o.Base != RegNone && !o.Base.Valid() || o.Index != RegNone && !o.Index.Valid() {
				return eaErr(e.mode)
			}
			if o.Seg != RegNone && (!o.Seg.Valid() || o.Seg.Class() != ClassSeg || o.Seg.Num() > 5) {
				return errors.New("invalid segment override")
			}
			if o.Index != RegNone && o.Scale != 1 && o.Scale != 2 && o.Scale != 4 && o.Scale != 8 {
				return eaErr(e.mode)
			}
			if o.Base != RegNone && o.Base.Class() != ClassGPR && o.Base.Class() != ClassIP {
				return eaErr(e.mode)
			}
			if o.Index != RegNone {
				switch o.Index.Class() {
				case ClassGPR:
				case ClassXMM, ClassYMM, ClassZMM:
					if o.Index.avx512() {
						return e.evexErr()
					}
					if !e.hasVSIB() {
						return eaErr(e.mode) // a vector index outside a gather
					}
				default:
					return eaErr(e.mode)
				}
			}
			if o.Base != RegNone && o.Base.Size() == 1 || o.Index != RegNone && o.Index.Size() == 1 {
				return eaErr(e.mode)
			}
		default:
			return errInvalid
		}
		if e.mode == 64 {
			// nasm rejects a 16-bit address in 64-bit mode outright,
			// whatever forms the mnemonic has (enqcmd ax, [bx]).
			if o.Kind == OpMem && (o.Base.Valid() && o.Base.Class() == ClassGPR && o.Base.Size() == 2 ||
				o.Index.Valid() && o.Index.Class() == ClassGPR && o.Index.Size() == 2) {
				return errAddrSizes
			}
			continue
		}
		// Outside 64-bit mode nasm rejects a 64-bit address outright, and
		// a REX-only register of another size; a 64-bit register goes on
		// to the forms, which exist only in 64-bit mode (so "instruction
		// not supported in 32-bit mode").
		if o.Kind == OpMem {
			for _, r := range []Reg{o.Base, o.Index} {
				if r.Valid() && r.Class() == ClassGPR && r.Size() == 8 {
					return errAddrSizes
				}
				if r.Valid() && r.NeedsREX() {
					return errNon64
				}
			}
		}
		if o.Kind == OpReg && o.Reg.NeedsREX() && !(o.Reg.Class() == ClassGPR && o.Reg.Size() == 8) && o.Reg.Class() != ClassCR &&
			!(o.Reg.Class() == ClassGPR && o.Reg.Num() < 8 && e.byteAnyMode()) {
			return errNon64 // cr8-cr15 have a lock-prefixed encoding there
		}
	}
	return nil
}

// hasVSIB reports whether the mnemonic has forms with a VSIB address.
func (e *encoder) hasVSIB() bool {
	fs := e.mnem.forms()
	for i := range fs {
		for _, a := range fs[i].args[:fs[i].nargs] {
			if a >= aVM32X && a <= aVM64Y {
				return true
			}
		}
	}
	return false
}

// evexErr is the error for an AVX-512 register: nasm would encode the
// instruction with EVEX if it has such forms, which Encode does not.
func (e *encoder) evexErr() error {
	if e.mnem.flags&mnEVEX != 0 {
		return fmt.Errorf("instruction not supported: %s with AVX-512 (EVEX) operands", e.mn)
	}
	return errInvalid
}

// nasm's prefix slots, in the order it writes a line of prefixes alone:
// an instruction has at most one prefix in each.
const (
	slotNone = iota // the default bnd
	slotWait
	slotRep
	slotLock
	slotSeg
	slotOSize
	slotASize
	slotEnc // {rex}, {vex} ...
	nSlots
)

// prefixSlot is nasm's slot of each prefix: two different prefixes of
// one slot on an instruction conflict (`rep repne`, `o16 o32`, `cs ds`).
func prefixSlot(p Prefix) int {
	switch p {
	case PrefixWait:
		return slotWait
	case PrefixRep, PrefixRepe, PrefixRepne, PrefixXacquire, PrefixXrelease, PrefixBnd, PrefixNobnd:
		return slotRep
	case PrefixLock:
		return slotLock
	case PrefixCS, PrefixDS, PrefixES, PrefixSS, PrefixFS, PrefixGS:
		return slotSeg
	case PrefixO16, PrefixO32, PrefixO64, PrefixOSP:
		return slotOSize
	case PrefixA16, PrefixA32, PrefixA64, PrefixASP:
		return slotASize
	case PrefixREX, PrefixVEX, PrefixVEX2, PrefixVEX3, PrefixEVEX:
		return slotEnc
	}
	return slotNone
}

// KeepPrefixes is what nasm keeps of the prefixes written before an
// instruction (or alone on a line): one in each slot. The same prefix
// again is dropped as redundant (nasm warns), another prefix of its slot
// is nasm's conflict.
func KeepPrefixes(ps []Prefix) (kept []Prefix, redundant bool, err error) {
	var slots [nSlots]Prefix
	for _, p := range ps {
		n := prefixSlot(p)
		switch {
		case n == slotNone:
		case slots[n] == p:
			redundant = true
			continue
		case slots[n] != PrefixNone:
			return nil, false, errors.New("instruction has conflicting prefixes")
		}
		slots[n] = p
		kept = append(kept, p)
	}
	return kept, redundant, nil
}

func (e *encoder) collectPrefixes() error {
	var slots [nSlots]Prefix
	for _, p := range e.inst.Prefixes {
		if n := prefixSlot(p); n != slotNone && n != slotSeg { // (a segment: errSegConflict below)
			if slots[n] != PrefixNone && slots[n] != p {
				return errors.New("instruction has conflicting prefixes")
			}
			slots[n] = p
		}
	}
	switch slots[slotEnc] {
	case PrefixEVEX:
		return errEVEX
	case PrefixREX:
		if e.mode != 64 {
			return errNotEncodable(PrefixREX)
		}
	}
	e.pfx.enc = slots[slotEnc]
	switch slots[slotRep] {
	case PrefixBnd, PrefixNobnd:
		if !e.bndAllowed() {
			return errBadBnd(slots[slotRep])
		}
	}
	defaultBnd := false
	for _, p := range e.inst.Prefixes {
		if p == PrefixDefaultBnd && slots[slotRep] != PrefixBnd && slots[slotRep] != PrefixNobnd && e.bndAllowed() {
			defaultBnd = true
		}
	}
	for _, p := range e.inst.Prefixes {
		switch p {
		case PrefixLock:
			e.pfx.group1 = append(e.pfx.group1, 0xF0)
		case PrefixRep, PrefixRepe, PrefixXrelease:
			e.pfx.group1 = append(e.pfx.group1, 0xF3)
			e.pfx.hle = e.pfx.hle || p == PrefixXrelease
		case PrefixRepne, PrefixXacquire:
			e.pfx.group1 = append(e.pfx.group1, 0xF2)
			e.pfx.hle = e.pfx.hle || p == PrefixXacquire
		case PrefixBnd:
			e.pfx.group1 = append(e.pfx.group1, 0xF2)
			e.pfx.bnd = true
		case PrefixNobnd, PrefixREX, PrefixVEX, PrefixVEX2, PrefixVEX3, PrefixDefaultBnd:
		case PrefixOSP:
			e.pfx.osp = true
		case PrefixASP:
			// The other address size: 16-bit in 32-bit mode, else 32-bit.
			e.pfx.a = 32
			if e.mode == 32 {
				e.pfx.a = 16
			}
		case PrefixO16:
			e.pfx.o = 16
		case PrefixO32:
			e.pfx.o = 32
		case PrefixO64:
			if e.mode != 64 {
				return errNon64
			}
			e.pfx.o = 64
		case PrefixA16:
			if e.mode == 64 {
				return errA16In64
			}
			e.pfx.a = 16
		case PrefixA32:
			e.pfx.a = 32
		case PrefixA64:
			if e.mode != 64 {
				return errA64Outside64
			}
			e.pfx.a = 64
		case PrefixWait:
			e.pfx.wait = true
		case PrefixCS, PrefixDS, PrefixES, PrefixSS, PrefixFS, PrefixGS:
			b, _ := PrefixByte(p)
			if e.pfx.seg != 0 && e.pfx.seg != b {
				return errSegConflict
			}
			e.pfx.seg = b
		case PrefixNone:
		default:
			return errors.New("invalid prefix")
		}
	}
	if defaultBnd {
		// nasm puts bnd in the place of a rep prefix the source wrote.
		g := e.pfx.group1[:0]
		for _, b := range e.pfx.group1 {
			if b == 0xF0 {
				g = append(g, b)
			}
		}
		e.pfx.group1 = append(g, 0xF2)
		e.pfx.bnd = true
	}
	for _, o := range e.ops {
		if o.Kind == OpMem && o.Seg != RegNone {
			b := segPrefix[o.Seg.Num()]
			if e.pfx.seg != 0 && e.pfx.seg != b {
				return errSegConflict
			}
			e.pfx.seg = b
		}
	}
	return nil
}

// sregOperandSize gives a move between a segment register and a
// general-purpose register the operand size of the latter, as nasm does
// below -Ox: its forms without the prefix are optimizations (`mov ds, ax`
// in BITS 32 is 66 8E D8 with -O0 and -O1, 8E D8 with -Ox).
func (e *encoder) sregOperandSize() {
	if e.mn != "mov" || len(e.ops) != 2 || e.pfx.o != 0 {
		return
	}
	d, s := e.ops[0], e.ops[1]
	var g Operand
	switch {
	case d.Kind == OpReg && s.Kind == OpReg && d.Reg.Class() == ClassSeg && s.Reg.Class() == ClassGPR:
		g = s
	case d.Kind == OpReg && s.Kind == OpReg && s.Reg.Class() == ClassSeg && d.Reg.Class() == ClassGPR:
		g = d
	default:
		return
	}
	if sz := g.Reg.Size(); sz >= 2 && (sz != 8 || e.mode == 64) {
		e.pfx.o = 8 * sz
	}
}

// rewriteMov64 applies nasm's optimisation of `mov r64, imm` with an
// immediate that fits in 32 bits unsigned into `mov r32, imm32` (the upper
// half is zeroed by the processor anyway).
func (e *encoder) rewriteMov64() {
	if e.mn != "mov" || e.mode != 64 || len(e.ops) != 2 {
		return
	}
	d, s := e.ops[0], e.ops[1]
	if d.Kind != OpReg || d.Reg.Class() != ClassGPR || d.Reg.Size() != 8 || s.Kind != OpImm || s.Strict || s.Size == 4 {
		return // `mov rax, dword x` keeps the sign-extended form
	}
	v := s.Imm
	if v.Known && (v.Sym != "" || uint64(v.Off) > 0xFFFFFFFF) {
		return // unknown values get nasm's optimistic guess
	}
	if !e.inst.CPU.allows(CPUX64) {
		return // the 64-bit move's level stays
	}
	e.ops[0].Reg = gpr(4, d.Reg.Num())
	if s.Size == 8 {
		e.ops[1].Size = 4
	}
}

type candidate struct {
	bytes      []byte
	fix        []Fixup
	unsizedMem int  // size of the form's memory operand when the source gave none
	defSize    bool // ... and the form is nasm's default for an unsized memory operand
	sbyte      bool
}

// argSize is the operand size an argument pattern stands for (0: any/none);
// for register-or-memory patterns, the size of the memory.
func argSize(a argType) int {
	switch a {
	case aR8, aR8op, aRM8, aM8, aAL, aMoffs8, aXMMM8:
		return 1
	case aR16, aR16op, aRM16, aM16, aAX, aCX, aDX, aMoffs16, aR32M16, aR64M16, aRMF16, aXMMM16:
		return 2
	case aR32, aR32op, aRM32, aM32, aEAX, aECX, aEDX, aMoffs32, aRMF32, aMMM32, aXMMM32, aVM32X, aVM32Y:
		return 4
	case aR64, aR64op, aRM64, aM64, aRAX, aRCX, aMoffs64, aRMF64, aMM, aMMM64, aXMMM64, aVM64X, aVM64Y:
		return 8
	case aM80, aST0, aSTi, aSTTo:
		return 10
	case aM128, aXMM, aXMM0, aXMMM128:
		return 16
	case aM256, aYMM, aYMMM256:
		return 32
	case aFar16: // nasm sizes a far pointer in memory by its offset part
		return 2
	case aFar32:
		return 4
	case aFar64:
		return 8
	case aR32M8:
		return 1
	}
	return 0
}

func isImmArg(a argType) bool {
	switch a {
	case aImm8s, aImm8, aImm16, aImm32, aImm64, aRel8, aRel16, aRel32, aMoffs8, aMoffs16, aMoffs32, aMoffs64:
		return true
	}
	return false
}

// fitsS8 reports whether v, taken as an operand of osz bits, is a
// sign-extended byte (nasm's SBYTEWORD/SBYTEDWORD tests).
func fitsS8(v int64, osz int) bool {
	if osz == 16 {
		return uint16(v+128) <= 255
	}
	return uint32(v+128) <= 255
}

func isGPR(o *Operand, size int) bool {
	if o.Kind != OpReg {
		return false
	}
	ri := o.Reg.info()
	return ri.class == ClassGPR && ri.size == size
}

func isReg(o *Operand, c RegClass) bool {
	return o.Kind == OpReg && o.Reg.info().class == c
}

// plainMem reports whether o is a memory operand the form accepts: not
// far, no vector index, no size keyword or the one the form takes.
func plainMem(f *form, o *Operand) bool {
	if o.Kind != OpMem || o.Far || o.Index != RegNone && o.Index.Class() != ClassGPR {
		return false
	}
	return memSizeOK(f, o)
}

// memSizeOK reports whether the form takes the memory operand's size
// keyword (none always fits).
func memSizeOK(f *form, o *Operand) bool {
	return o.Size == 0 || int(f.msize) == o.Size || f.has(fAnySize)
}

func (e *encoder) matchArg(f *form, a argType, o *Operand, osz int) bool {
	if o.To && a != aSTTo {
		return false
	}
	switch a {
	case aR8, aR16, aR32, aR64, aR8op, aR16op, aR32op, aR64op, aRMF16, aRMF32, aRMF64:
		return isGPR(o, argSize(a))
	case aRM8, aRM16, aRM32, aRM64, aM8, aM16, aM32, aM64, aR32M16, aR64M16, aFar16, aFar32, aFar64, aR32M8:
		if o.Kind == OpReg {
			switch a {
			case aM8, aM16, aM32, aM64, aFar16, aFar32, aFar64:
				return false
			case aR32M16, aR32M8:
				return isGPR(o, 4)
			case aR64M16:
				return isGPR(o, 8)
			}
			return isGPR(o, argSize(a))
		}
		if o.Kind != OpMem || o.Index != RegNone && o.Index.Class() != ClassGPR {
			return false
		}
		if f.has(fFar) != o.Far {
			return false
		}
		return memSizeOK(f, o)
	case aM, aM80, aM128, aM256:
		return plainMem(f, o)
	case aFarDef:
		return o.Kind == OpMem && o.Far && o.Size == 0 && (o.Index == RegNone || o.Index.Class() == ClassGPR)
	case aMM:
		return isReg(o, ClassMMX)
	case aMMM32, aMMM64:
		return isReg(o, ClassMMX) || plainMem(f, o)
	case aXMM:
		return isReg(o, ClassXMM)
	case aXMM0:
		return isReg(o, ClassXMM) && o.Reg.Num() == 0
	case aXMMM8, aXMMM16, aXMMM32, aXMMM64, aXMMM128:
		return isReg(o, ClassXMM) || plainMem(f, o)
	case aYMM:
		return isReg(o, ClassYMM)
	case aYMMM256:
		return isReg(o, ClassYMM) || plainMem(f, o)
	case aVM32X, aVM64X, aVM32Y, aVM64Y:
		want := ClassXMM
		if a == aVM32Y || a == aVM64Y {
			want = ClassYMM
		}
		return o.Kind == OpMem && !o.Far && o.Index != RegNone && o.Index.Class() == want && memSizeOK(f, o)
	case aST0:
		return isReg(o, ClassFPU) && o.Reg.Num() == 0
	case aSTi:
		return isReg(o, ClassFPU)
	case aSTTo:
		return isReg(o, ClassFPU) && o.To
	case aAL, aAX, aEAX, aRAX:
		return isGPR(o, argSize(a)) && o.Reg.Num() == 0
	case aCL:
		return isGPR(o, 1) && o.Reg.Num() == 1 && !o.Reg.IsHighByte()
	case aDX:
		return isGPR(o, 2) && o.Reg.Num() == 2
	case aCX, aECX, aRCX:
		return isGPR(o, argSize(a)) && o.Reg.Num() == 1
	case aEDX:
		return isGPR(o, 4) && o.Reg.Num() == 2
	case aOne:
		// -O0 is not optimistic about a count still unknown.
		return o.Kind == OpImm && !o.Strict && (o.Size == 0 || o.Size == 1) && o.Imm.Sym == "" &&
			(!o.Imm.Known && e.inst.Opt != OptNone || o.Imm.Known && o.Imm.Off == 1)
	case aImm8s:
		if o.Kind != OpImm || o.Far || o.Short || o.Near {
			return false
		}
		if o.Size == 1 {
			return true
		}
		if e.inst.Opt == OptNone {
			return false // -O0: the sign-extended byte only when written `byte`
		}
		if o.Strict || (o.Size != 0 && o.Size != osz/8) {
			return false
		}
		if !o.Imm.Known {
			return true
		}
		return o.Imm.Sym == "" && fitsS8(o.Imm.Off, osz)
	case aImm8:
		return o.Kind == OpImm && !o.Far && !o.Short && !o.Near && (o.Size == 0 || o.Size == 1)
	case aImm16:
		return o.Kind == OpImm && !o.Far && !o.Short && !o.Near && (o.Size == 0 || o.Size == 2)
	case aImm32:
		if o.Kind != OpImm || o.Far || o.Short || o.Near {
			return false
		}
		if o.Size == 0 || o.Size == 4 && osz != 64 {
			return true
		}
		if osz == 64 {
			// A sign-extended imm32 of a 64-bit operation: nasm wants the
			// operation's size (qword) on it, except for mov, imul and push.
			switch e.mn {
			case "mov", "imul", "push":
				return o.Size == 4 || o.Size == 8
			}
			return o.Size == 8
		}
		return false
	case aImm64:
		return o.Kind == OpImm && (o.Size == 0 || o.Size == 8)
	case aRel8, aRel16, aRel32:
		if f.nargs == 1 && f.opc[0] >= 0xE0 && f.opc[0] <= 0xE3 && o.Short {
			return false // nasm rejects `short` on loop/jcxz ("mismatch in operand sizes")
		}
		if a == aRel8 && !o.Short && !e.shortJumpAllowed(f) {
			return false
		}
		if o.Kind != OpImm || o.Far {
			return false
		}
		return o.Size == 0 || e.relSizeOK(f, a, o)
	case aSreg:
		return isReg(o, ClassSeg)
	case aES, aCS, aSS, aDS, aFS, aGS:
		return isReg(o, ClassSeg) && o.Reg.Num() == int(a-aES)
	case aCR:
		return isReg(o, ClassCR)
	case aDR:
		return isReg(o, ClassDR)
	case aTR:
		return isReg(o, ClassTR)
	case aMoffs8, aMoffs16, aMoffs32, aMoffs64:
		if o.Kind != OpMem || o.Base != RegNone || o.Index != RegNone || o.Rel || o.Far {
			return false
		}
		if o.Size != 0 && o.Size != argSize(a) {
			return false
		}
		return e.moffsOK(o)
	}
	return false
}

// shortJumpAllowed reports whether the optimization level lets a jump
// take its short form f without `short` (nasm's jmp_match): -O1 never
// does, -O0 only for conditional jumps. loop and jcxz, which have only
// a short form, are not concerned.
func (e *encoder) shortJumpAllowed(f *form) bool {
	switch e.inst.Opt {
	case OptMinimal:
		return !isJumpShortForm(f)
	case OptNone:
		return !isJumpShortForm(f) || f.opc[0] != 0xEB
	}
	return true
}

// isJumpShortForm reports whether f is the rel8 form of jmp (EB) or of a
// conditional jump (70-7F).
func isJumpShortForm(f *form) bool {
	return f.nopc == 1 && (f.opc[0] == 0xEB || f.opc[0] >= 0x70 && f.opc[0] <= 0x7F)
}

// isMemArgType reports whether a pattern takes memory (alone or as the
// alternative to a register).
func isMemArgType(a argType) bool {
	switch a {
	case aRM8, aRM16, aRM32, aRM64, aM, aM8, aM16, aM32, aM64, aM80, aM128, aM256, aR32M8, aR32M16, aR64M16,
		aFar16, aFar32, aFar64, aFarDef, aMMM32, aMMM64, aXMMM8, aXMMM16, aXMMM32, aXMMM64, aXMMM128, aYMMM256,
		aVM32X, aVM32Y, aVM64X, aVM64Y:
		return true
	}
	return false
}

// try encodes inst with form f into c, whose bytes and fixups live in the
// encoder's buffers until the next try.
func (e *encoder) try(f *form, c *candidate) error {
	c.unsizedMem, c.sbyte, c.defSize = 0, false, false // bytes and fix are set by fill
	if int(f.nargs) != len(e.ops) {
		return errInvalid
	}
	// Relative jumps: 16-bit displacements belong to BITS 16, 32-bit to the others.
	for _, a := range f.args[:f.nargs] {
		if (a == aRel16 && e.mode != 16 || a == aRel32 && e.mode == 16) && !e.relSized(a) {
			return errInvalid
		}
	}
	osz := int(f.osz)
	if f.has(fD64) && e.mode == 64 {
		osz = 64
	}
	if e.anyFar != f.has(fFar) {
		return errInvalid
	}
	onlyImm := f.nargs > 0
	pinned := false
	for k, a := range f.args[:f.nargs] {
		o := &e.ops[k]
		if !e.matchArg(f, a, o, osz) {
			return errInvalid
		}
		if a == aImm8s {
			c.sbyte = true
		}
		if o.Kind != OpImm {
			onlyImm = false
		} else if o.Size != 0 && o.Size == osz/8 {
			pinned = true
		}
		if e.pfx.hle && k == 0 && a >= aMoffs8 && a <= aMoffs64 {
			return errInvalid // nasm's moffs stores take no HLE prefix
		}
		if o.Kind == OpMem && o.DispSize == 8 && e.mode == 64 && (a < aMoffs8 || a > aMoffs64) && !o.Rel && e.accumulatorMov() && e.moffsOK(o) {
			// nasm takes the first form that fits, and for `mov rax,
			// [qword x]` that is the moffs form, though longer.
			return errInvalid
		}
		if o.Kind == OpMem && f.has(fFar) && o.Size == 0 && e.mode == 64 && a != aFar64 && a != aFarDef {
			return errInvalid // nasm's far jumps through memory default to m16:64 here
		}
	}
	// Forms whose size nothing in the source pins (push imm) take the mode's
	// default operand size, or the one an explicit size or oNN asks for.
	if onlyImm && f.osz != 0 && !pinned && e.pfx.o != osz && !f.has(fOwnSize) {
		def := 32
		if e.mode == 16 {
			def = 16
		}
		if f.has(fD64) && e.mode == 64 {
			def = 64
		}
		if osz != def {
			return errInvalid
		}
	}
	// mov r64, imm32 sign-extends: nasm uses it only for values that fit.
	if e.mn == "mov" && f.osz == 64 && f.nimm == 1 && f.imm[0] == imm_id && e.ops[0].Kind == OpReg {
		o := e.ops[len(e.ops)-1]
		v := o.Imm
		// The sign-extended form of a register is an optimization nasm
		// makes only at -Ox and not for `strict` (without `dword`):
		// otherwise B8+r with the whole imm64.
		if o.Size != 4 && (e.inst.Opt != OptFull || o.Strict || v.Known && (v.Sym != "" || v.Off != int64(int32(v.Off)))) {
			return errInvalid // an explicit dword keeps this form, the value truncated as nasm does
		}
	}
	// A memory operand without a size needs a register of the same size
	// (not a shift count) to give it one.
	for k, a := range f.args[:f.nargs] {
		o := e.ops[k]
		if o.Kind != OpMem || o.Size != 0 {
			continue
		}
		sz := int(f.msize)
		if sz == 0 || f.has(fFar) || hasSreg(f) || !isMemArgType(a) {
			continue // the instruction itself fixes the size
		}
		fixed := false
		for j, b := range f.args[:f.nargs] {
			if f.has(fNoSM) {
				break
			}
			if j != k && b != aCL && b != aDX && e.ops[j].Kind == OpReg && e.ops[j].Reg.Class() == ClassGPR && argSize(b) == sz {
				fixed = true
			}
			// An immediate's explicit size gives the operation size (`add [eax], byte 5`).
			if j != k && e.ops[j].Kind == OpImm && e.ops[j].Size == sz {
				fixed = true
			}
		}
		if !fixed {
			c.unsizedMem = sz
			c.defSize = f.has(fDefSize)
		}
	}
	// nasm checks the CPU level before the mode.
	if need := f.cpu; e.mode == 64 && !e.inst.CPU.allows(f.cpu64) || e.mode != 64 && !e.inst.CPU.allows(need) {
		return errBadCPU
	}
	if e.mode == 64 && !f.has(fM64) || e.mode != 64 && !f.has(fM32) {
		// Like nasm, a form whose operands match but which does not
		// exist in this mode (`push esi` in BITS 64) says so.
		return badMode(e.mode)
	}
	return e.assemble(f, osz, c)
}

func hasSreg(f *form) bool {
	for _, a := range f.args[:f.nargs] {
		if a == aSreg || a >= aES && a <= aGS {
			return true
		}
	}
	return false
}

// accumulatorMov reports whether the instruction is a mov between
// al/ax/eax/rax and memory, which has moffs forms.
func (e *encoder) accumulatorMov() bool {
	if e.mn != "mov" || len(e.ops) != 2 {
		return false
	}
	for _, o := range e.ops {
		if o.Kind == OpReg && o.Reg.Class() == ClassGPR && o.Reg.Num() == 0 && !o.Reg.IsHighByte() {
			return true
		}
	}
	return false
}

// moffsOK reports whether memory operand o may take a moffs form: nasm
// takes it only when the displacement's size (the one written, else 16
// or 32) is the address size: in 64-bit mode `[qword x]` or `[a32 x]`,
// not `[x]` or `[a64 x]`.
func (e *encoder) moffsOK(o *Operand) bool {
	asz, err := e.addrSize(o)
	if err != nil {
		return false
	}
	ds := o.DispSize * 8
	if ds == 0 {
		ds = 32
		if asz == 16 {
			ds = 16
		}
	}
	return ds == asz
}

// bndAllowed reports whether bnd/nobnd may precede the instruction: near
// jmp, call, ret and conditional jumps (nasm's BND forms).
func (e *encoder) bndAllowed() bool {
	switch e.mn {
	case "jmp":
		return len(e.ops) != 1 || !e.ops[0].Short && !e.ops[0].Far
	case "call":
		return len(e.ops) != 1 || !e.ops[0].Far
	case "ret", "retn":
		return true
	}
	return e.mnem != nil && e.mnem.flags&mnRelBranch != 0 && strings.HasPrefix(e.mn, "j") && e.mn != "jcxz" && e.mn != "jecxz" && e.mn != "jrcxz"
}

// relSizeOK reports whether a branch target written with a size
// (`jmp word x`, `jz near dword x`) fits the relative form f: nasm
// takes the size as the operand size of a near branch (`qword` in
// 64-bit mode), and a conditional jump needs `near` as well.
func (e *encoder) relSizeOK(f *form, a argType, o *Operand) bool {
	if a == aRel8 || o.Short {
		return false
	}
	if f.nopc == 2 && f.opc[0] == 0x0F && !o.Near {
		return false // jcc: only with `near`
	}
	if o.Size == 8 && e.mode == 64 && a == aRel32 {
		return true
	}
	return a == aRel16 && o.Size == 2 || a == aRel32 && o.Size == 4
}

// relSized reports whether the operand of a relative branch asks for a
// form of the other operand size than the mode's (`jmp word x` in 32-bit
// mode): nasm then writes 66 and a displacement of that size.
func (e *encoder) relSized(a argType) bool {
	if len(e.ops) != 1 {
		return false
	}
	sz := e.ops[0].Size
	return a == aRel16 && sz == 2 || a == aRel32 && sz == 4
}

// pairError is a fault nasm reports with two messages: its address-size
// check's, then the encoder's.
type pairError struct{ first, second string }

func (e *pairError) Error() string { return e.first }

// Messages are both of nasm's messages, in its order.
func (e *pairError) Messages() []string { return []string{e.first, e.second} }

var (
	errA16In64      = &pairError{msgAddrSizes, "16-bit addressing is not supported in 64-bit mode"}
	errA64Outside64 = &pairError{msgAddrSizes, "64-bit addressing is only supported in 64-bit mode"}
)

// prepare takes the instruction's operands and prefixes in, with the
// checks every encoding path makes first.
func (e *encoder) prepare() error {
	if len(e.inst.Ops) > 4 {
		return errInvalid
	}
	e.ops = append(e.opsBuf[:0], e.inst.Ops...)
	if err := e.checkOperands(); err != nil {
		return err
	}
	return e.collectPrefixes()
}
