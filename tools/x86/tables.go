package x86

// The form table (ztables.go) is generated from golang.org/x/arch's
// x86/x86.csv, filtered to the general-purpose integer instructions, plus
// nasm_extra.csv for the few rows nasm has that the csv lacks or orders
// differently. Encode tries every form of a mnemonic and keeps nasm's
// choice: the shortest encoding, the sign-extended imm8 form on a tie, then
// table order.

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
	aM // memory of any size (lea)
	aM8
	aM16
	aM32
	aM64
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
	aR32M16
	aR64M16
	aCR
	aDR
	aRMF32 // register only, though encoded in ModRM.rm
	aRMF64
	aPtr16 // far pointer seg:off16
	aPtr32 // far pointer seg:off32
	aFar16 // memory m16:16
	aFar32
	aFar64
)

// immKind is an immediate or displacement field that follows ModRM.
type immKind uint8

const (
	imm_ib immKind = iota + 1
	imm_iw
	imm_id
	imm_io
	imm_cb // relative 8
	imm_cw // relative 16
	imm_cd // relative 32
	imm_cp // far pointer: offset then 16-bit segment
	imm_cm // moffs: address-size field
)

// form is one encoding of one mnemonic.
type form struct {
	mn   string
	args []argType
	opc  []byte
	ext  int8 // -1 no ModRM, 0..7 ModRM.reg digit, 8 ModRM.reg holds a register operand
	plus bool // register number added to the last opcode byte
	imm  []immKind
	osz  uint8 // operand size the form encodes: 0 (none), 16, 32, 64 (REX.W)
	d64  bool  // 64-bit by default in long mode: no prefix there
	asz  uint8 // address size the form needs (jcxz/jecxz/jrcxz), 0 any
	m32  bool  // valid in 16- and 32-bit modes
	m64  bool  // valid in 64-bit mode
	far  bool
}

var formsByMn = map[string][]int{}

// formsByMnArgs splits formsByMn by operand count (0 to 4), in table
// order: Encode only tries forms that can match.
var formsByMnArgs = map[string][][]int{}

func init() {
	for i, f := range forms {
		formsByMn[f.mn] = append(formsByMn[f.mn], i)
		byCount := formsByMnArgs[f.mn]
		for len(byCount) <= len(f.args) {
			byCount = append(byCount, nil)
		}
		byCount[len(f.args)] = append(byCount[len(f.args)], i)
		formsByMnArgs[f.mn] = byCount
	}
}
