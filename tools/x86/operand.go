// Package x86 encodes x86 and x86-64 instructions exactly as nasm does with its
// default optimization. It knows nothing about source text: the assembler front
// end parses and evaluates operands into the types below and asks Encode for
// bytes plus the fixups that still need a symbol's address.
package x86

import "github.com/rules-tiny/rules_tiny/tools/obj"

// Value is an evaluated expression: Off plus, when Sym is not empty, the
// address of Sym. Sym is opaque to the encoder; the front end chooses the names
// (a section's identity for labels, an external symbol's name, ...). The only
// thing the encoder does with it is compare it with Inst.PC.Sym: a branch whose
// target has the same Sym as the instruction is resolved here, without a fixup.
type Value struct {
	Sym   string
	Off   int64
	Known bool // false while a forward reference is not yet resolved (early passes)
}

// Absolute reports whether v needs no relocation.
func (v Value) Absolute() bool { return v.Sym == "" }

// OpKind says which fields of an Operand are meaningful.
type OpKind uint8

const (
	OpNone OpKind = iota
	OpReg         // Reg
	OpImm         // Imm (also branch targets and far pointers' offsets)
	OpMem         // Base, Index, Scale, Disp, Seg, Rel, Abs, DispSize
)

// Operand is one evaluated instruction operand. A register operand is any
// register LookupReg knows: general-purpose, segment, control, debug, x87
// (st0-st7), MMX, XMM and YMM; AVX-512 registers (zmm, k, xmm16-31) are
// known but Encode rejects them. A memory operand may have a vector index
// (VSIB, `[rax+xmm1*4]`, built by MakeMem).
type Operand struct {
	Kind OpKind
	// Size is the explicit size keyword in bytes (byte=1, word=2, dword=4,
	// qword=8, tword=10, oword=16, yword=32, zword=64), 0 when the source
	// gave none.
	Size int
	// Strict is nasm's `strict`: keep the size given even if a shorter form exists.
	Strict bool
	// Jump distance keywords for branch targets: `short`, `near`, `far`.
	Short, Near, Far bool
	// To is nasm's `to` before an x87 register (`fadd to st1`): the
	// register is the destination, st0 the source.
	To bool

	Reg Reg
	Imm Value

	// Memory operand: [Seg: Base + Index*Scale + Disp].
	Base, Index Reg // RegNone when absent
	Scale       int // 1, 2, 4 or 8; 0 when there is no index
	Disp        Value
	Seg         Reg  // segment override, RegNone when absent
	Rel         bool // RIP-relative (explicit `rel`, or `default rel` applied by the front end)
	Abs         bool // explicit `abs`
	DispSize    int  // forced displacement size in bytes (`[byte eax+1]`, `[dword eax]`), 0 to choose
}

// Prefix is an instruction prefix written in the source before the mnemonic.
type Prefix uint8

const (
	PrefixNone Prefix = iota
	PrefixLock
	PrefixRep
	PrefixRepe  // also repz
	PrefixRepne // also repnz
	PrefixO16   // operand-size override written explicitly
	PrefixO32
	PrefixO64
	PrefixA16 // address-size override written explicitly
	PrefixA32
	PrefixA64
	PrefixCS // segment override written as a prefix
	PrefixDS
	PrefixES
	PrefixSS
	PrefixFS
	PrefixGS
	PrefixWait // nasm's `wait` prefix (9B), always written first
	// The hardware lock elision hints: F2 and F3 in the rep prefix's
	// place. Either keeps mov from its moffs store form, as in nasm.
	PrefixXacquire
	PrefixXrelease
	// MPX's bnd (F2, on near jmp/call/ret/jcc only; dropped when the jump
	// turns out short) and nobnd (no byte, same instructions).
	PrefixBnd
	PrefixNobnd
	// osp and asp: an operand-size (66) and an address-size (67) prefix
	// whatever the mode; nasm emits 66 for osp without changing the
	// operand size it encodes.
	PrefixOSP
	PrefixASP
	// nasm's encoding selectors, written in braces: {rex} forces a REX
	// prefix, {vex} a VEX form, {vex2}/{vex3} its two- or three-byte
	// encoding. {evex} is known and rejected (no AVX-512 here).
	PrefixREX
	PrefixVEX
	PrefixVEX2
	PrefixVEX3
	PrefixEVEX
	// PrefixDefaultBnd is nasm's `default bnd` in effect: bnd on every
	// near jmp, call, ret and jcc that has no bnd or nobnd of its own
	// (dropped as bnd is when a jump becomes short; nothing elsewhere).
	PrefixDefaultBnd
)

// Inst is one instruction to encode.
type Inst struct {
	Mode     int // 16, 32 or 64 (the BITS in effect)
	Prefixes []Prefix
	Mnemonic string // lower case, e.g. "mov", "jnz", "rep" never appears here
	Ops      []Operand
	// PC is the address of the instruction's first byte: Sym identifies the
	// section (the same convention as Value.Sym), Off the offset in it (for
	// -f bin, the absolute address with Sym empty).
	PC Value
	// CPU is the level of nasm's `cpu` directive in effect; CPUDefault
	// (the zero value) allows every instruction.
	CPU CPU
	// Opt is nasm's optimization level (-O); the zero value is nasm's
	// default, -Ox.
	Opt Opt
}

// Opt is nasm's -O level, which changes the immediate and jump forms it
// chooses.
type Opt uint8

const (
	// OptFull is -Ox (nasm's default; also -O2 and above): immediates
	// take the sign-extended byte form when they fit, `mov r64, imm`
	// becomes `mov r32, imm` when the value allows, segment-register
	// moves drop the operand-size prefix, and jumps are short when the
	// target is in range.
	OptFull Opt = iota
	// OptMinimal is -O1: immediates as with -Ox, but no `mov` rewriting
	// and every jump near unless written `short`.
	OptMinimal
	// OptNone is -O0: immediates take the form of the operation's size
	// unless written `byte`, `jmp` is near unless written `short`;
	// conditional jumps are still short when the target is in range (as
	// nasm 2.16 does).
	OptNone
)

// Fixup asks the object writer (or the front end for -f bin) to patch Size
// bytes at Offset (relative to the start of the instruction) with
// address(Sym) + Addend, minus the field's own address when Kind is PC-relative:
// exactly the meaning of an ELF RELA relocation. For forms whose value is
// already complete (Sym empty and not PC-relative), no fixup is emitted.
type Fixup struct {
	Offset int
	Size   int
	Kind   obj.RelocKind // RelocAbs, RelocAbsSigned or RelocPCRel
	Sym    string
	Addend int64
}

// Encoding is the result of Encode.
type Encoding struct {
	Bytes  []byte // with placeholder zeros (or the addend, see Fixup) in fixup fields
	Fixups []Fixup
}
