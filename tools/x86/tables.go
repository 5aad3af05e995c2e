package x86

// The form table (ztables.go) is generated from golang.org/x/arch's
// x86/x86.csv, filtered to the instruction groups the encoder supports,
// plus nasm_extra.csv for the rows nasm has that the csv lacks or orders
// differently, nasm's memory-operand facts (nasm_memsize.txt) and CPU
// levels (nasm_cpu.txt). Encode tries every form
// of a mnemonic and keeps nasm's choice: the shortest encoding, the
// sign-extended imm8 form on a tie, then table order.
//
// Everything the generator writes is static data: arrays of constants and
// open-addressing hash tables for the mnemonic and register names, so that
// the package needs no work when a program starts.

//go:generate go run gen_tables.go

// argType is the operand pattern of one form, as in the Intel manual's tables.
type argType uint8

const (
	aNone argType = iota
	aR8
	aR16
	aR32
	aR64
	aR8op // register added to the opcode byte
	aR16op
	aR32op
	aR64op
	aRM8
	aRM16
	aRM32
	aRM64
	aM // memory of any size (lea, lgdt, fxsave...)
	aM8
	aM16
	aM32
	aM64
	aM80
	aM128
	aM256
	aImm8s // sign-extended to the operand size
	aImm8
	aImm16
	aImm32
	aImm64
	aAL
	aAX
	aEAX
	aRAX
	aCL
	aCX // loop's explicit counter, monitor's and mwait's fixed registers
	aECX
	aRCX
	aDX
	aEDX
	aOne
	aRel8
	aRel16
	aRel32
	aSreg
	aES
	aCS
	aSS
	aDS
	aFS
	aGS
	aMoffs8
	aMoffs16
	aMoffs32
	aMoffs64
	aR32M8 // a 32-bit register or a byte of memory (pinsrb)
	aR32M16
	aR64M16
	aCR
	aDR
	aTR
	aRMF16 // register only, though encoded in ModRM.rm
	aRMF32
	aRMF64
	aPtr16 // far pointer seg:off16
	aPtr32 // far pointer seg:off32
	aFar16 // memory m16:16
	aFar32
	aFar64
	aFarDef // far memory without a size keyword: nasm's default-size far jmp/call
	aMM     // MMX register
	aMMM32
	aMMM64
	aXMM
	aXMM0 // xmm0 written explicitly where the instruction implies it (blendvps)
	aXMMM8
	aXMMM16
	aXMMM32
	aXMMM64
	aXMMM128
	aYMM
	aYMMM256
	aVM32X // VSIB memory: xmm or ymm index of dwords or qwords
	aVM32Y
	aVM64X
	aVM64Y
	aST0  // st0
	aSTi  // st0..st7, added to the opcode byte
	aSTTo // `to st1`: nasm's form with the destination in the opcode byte
	numArgTypes
)

// immKind is an immediate or displacement field that follows ModRM.
type immKind uint8

const (
	imm_ib immKind = iota + 1
	imm_iw
	imm_id
	imm_io
	imm_cb  // relative 8
	imm_cw  // relative 16
	imm_cd  // relative 32
	imm_cp  // far pointer: offset then 16-bit segment
	imm_cm  // moffs: address-size field
	imm_is4 // a register number in bits 7:4 (VEX /is4)
)

// formFlag holds a form's yes/no properties.
type formFlag uint32

const (
	fD64         formFlag = 1 << iota // 64-bit by default in long mode: no REX.W there
	fM32                              // valid in 16- and 32-bit modes
	fM64                              // valid in 64-bit mode
	fFar                              // far branch (memory m16:xx or seg:off)
	fVEX                              // VEX-encoded
	fVEXL                             // VEX.L = 1 (256-bit)
	fVEXW                             // VEX.W = 1
	fWait                             // starts with the wait byte 9B, written before every prefix
	fDefSize                          // a memory operand without size takes this form's size (nasm's SD/SQ)
	fShort                            // the source may leave out operand 1 when it repeats operand 0 (vaddps xmm0, xmm1)
	fAlt                              // an alternative encoding, used only when no other form fits (SIMD stores)
	fAnySize                          // the memory operand takes any size keyword (lea)
	fNoSM                             // a register operand does not give the memory operand its size (crc32)
	fMemSized                         // nasm's template sizes the memory operand: another size is "invalid combination", not "mismatch"
	fSuffix                           // a fixed byte (sfx) follows the operands: nasm's predicate aliases (cmpeqps)
	fOwnSize                          // the mnemonic fixes the operand size, whatever the immediate (retd 4)
	fByteAnyMode                      // spl, bpl, sil, dil need no REX, in any mode (nasm's pinsrb xmm1, sil in 32-bit mode is 66 0F 3A 20 CE)
	fRepPfx                           // the mandatory F3 is a rep prefix: one the source gives replaces it (repne xsha1 is F2 0F A6 C8)
)

// form is one encoding of one mnemonic. Operand roles are indexes into
// args (-1 when the form has none): the operand in ModRM.reg, in ModRM.rm,
// in VEX.vvvv, and the register added to the last opcode byte.
type form struct {
	args  [4]argType
	nargs uint8
	opc   [4]byte // opcode bytes, with the 0F/0F38/0F3A escape for legacy forms; the opcode alone for VEX
	nopc  uint8
	ext   int8 // -1 no ModRM, 0..7 ModRM.reg digit, 8 ModRM.reg holds operand reg
	reg   int8
	rm    int8
	vvvv  int8
	plus  int8
	imm   [2]immKind
	nimm  uint8
	osz   uint8 // operand size the form encodes: 0 (none), 16, 32, 64 (REX.W)
	asz   uint8 // address size the form needs (jcxz/jecxz/jrcxz), 0 any
	pfx   uint8 // mandatory prefix 66, F2 or F3 (0: none)
	vmap  uint8 // VEX opcode map: 1 (0F), 2 (0F38), 3 (0F3A); XOP maps 8 to 10
	cpu   CPU   // lowest CPU level with this form (nasm's)
	cpu64 CPU   // the same in 64-bit mode (an operand64 form is a 64-bit one there)
	msize uint8 // the size keyword its memory operand takes (0: none, unless fAnySize)
	sfx   uint8 // the fixed last byte of fSuffix forms
	flags formFlag
}

func (f *form) has(fl formFlag) bool { return f.flags&fl != 0 }

// mnemonic is one entry of the mnemonic table: every nasm mnemonic, with
// the forms Encode supports (none for those it only knows).
type mnemonic struct {
	name string
	// Forms with n operands are formRange(byArgs[n], byArgs[n+1]), in table order.
	byArgs [6]uint16
	flags  mnFlag
}

type mnFlag uint8

const (
	mnRelBranch mnFlag = 1 << iota // every one-operand immediate form is a relative branch
	mnEVEX                         // nasm also has AVX-512 (EVEX) forms, which Encode does not support
	mnEVEXOnly                     // nasm has only AVX-512 (EVEX) forms
)

func (m *mnemonic) forms() []form { return formRange(m.byArgs[0], m.byArgs[5]) }

func (m *mnemonic) formsWith(n int) []form {
	if n > 4 {
		return nil
	}
	return formRange(m.byArgs[n], m.byArgs[n+1])
}

// formRange is forms lo..hi of the table, which is generated in two arrays
// (zforms0.go, zforms1.go); one mnemonic's forms are always in one of them.
func formRange(lo, hi uint16) []form {
	if int(lo) >= len(forms0) {
		return forms1[int(lo)-len(forms0) : int(hi)-len(forms0)]
	}
	return forms0[lo:hi]
}

// hashName is FNV-1a over the lower-cased name: the generator places every
// name of a table at its hash (linear probing), so a lookup needs neither
// a map nor an allocation.
func hashName(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		h ^= uint32(c)
		h *= 16777619
	}
	return h
}

// equalFold compares an ASCII name with a lower-case table entry.
func equalFold(s, lower string) bool {
	if len(s) != len(lower) {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'A' && c <= 'Z' {
			c += 'a' - 'A'
		}
		if c != lower[i] {
			return false
		}
	}
	return true
}

// lookupMnemonic finds a mnemonic (any case), nil if it is not one.
func lookupMnemonic(name string) *mnemonic {
	mask := uint32(len(mnemonicIndex) - 1)
	for h := hashName(name) & mask; ; h = (h + 1) & mask {
		i := mnemonicIndex[h]
		if i == 0 {
			return nil
		}
		if m := &mnemonics[i-1]; equalFold(name, m.name) {
			return m
		}
	}
}
