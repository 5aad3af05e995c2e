package x86

// RegClass groups registers by what instructions accept them.
type RegClass uint8

const (
	ClassNone RegClass = iota
	ClassGPR
	ClassSeg
	ClassCR
	ClassDR
	ClassTR  // test registers tr0-tr7 (386/486)
	ClassIP  // rip/eip, only inside memory operands
	ClassFPU // x87 st0-st7
	ClassMMX // mm0-mm7
	ClassXMM // xmm0-xmm31 (xmm16 and up only with AVX-512)
	ClassYMM // ymm0-ymm31 (ymm16 and up only with AVX-512)
	ClassZMM // AVX-512: known, never encoded
	ClassK   // AVX-512 mask registers k0-k7: known, never encoded
	ClassBND // MPX bnd0-bnd3: known, never encoded
	ClassTMM // AMX tmm0-tmm7: known, never encoded
)

// Reg is a register, an index into the register table (ztables.go, every
// register nasm knows). RegNone is the zero value.
type Reg uint16

type regInfo struct {
	name  string
	class RegClass
	size  int  // bytes
	num   int  // encoding number 0..31
	rex   bool // needs a REX prefix (r8..r15, spl/bpl/sil/dil, xmm8...)
	high  bool // ah, ch, dh, bh: cannot be used with REX
}

// regSlot is one slot of the register name index.
type regSlot struct {
	name string
	reg  Reg
}

// RegNone means "no register".
const RegNone Reg = 0

// LookupReg finds a register by name, case-insensitively: every register
// name nasm knows, including those of instruction sets the encoder rejects
// (zmm, k, bnd, tmm), so that none is ever taken for a symbol.
func LookupReg(name string) (Reg, bool) {
	mask := uint32(len(regIndex) - 1)
	for h := hashName(name) & mask; ; h = (h + 1) & mask {
		s := &regIndex[h]
		if s.reg == RegNone {
			return RegNone, false
		}
		if equalFold(name, s.name) {
			return s.reg, true
		}
	}
}

func (r Reg) info() *regInfo {
	if int(r) < len(regTable) {
		return &regTable[r]
	}
	return &regTable[0]
}

func (r Reg) String() string   { return r.info().name }
func (r Reg) Class() RegClass  { return r.info().class }
func (r Reg) Size() int        { return r.info().size }
func (r Reg) Num() int         { return r.info().num }
func (r Reg) NeedsREX() bool   { return r.info().rex }
func (r Reg) IsHighByte() bool { return r.info().high }
func (r Reg) Valid() bool      { return r != RegNone && int(r) < len(regTable) }

// avx512 reports whether the register exists only with AVX-512 (EVEX):
// zmm, k, and xmm/ymm 16-31.
func (r Reg) avx512() bool {
	switch r.Class() {
	case ClassZMM, ClassK:
		return true
	case ClassXMM, ClassYMM:
		return r.Num() >= 16
	}
	return false
}

// gpr returns the general-purpose register of the given size and number.
func gpr(size, num int) Reg {
	if size < 0 || size >= len(gprs) || num < 0 || num >= 16 {
		return RegNone
	}
	return gprs[size][num]
}
