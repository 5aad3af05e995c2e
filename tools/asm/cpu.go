package asm

import (
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

// cpu is `cpu LEVEL` (nasm's CPU directive): from here on, instructions
// above LEVEL are errors in nasm's words, and, below a 386, a
// conditional jump out of short range becomes the opposite short jump
// over a near jmp (the encoder does both given x86.Inst.CPU). `cpu`
// alone is nasm's default level, which allows everything.
func (p *parser) cpu(_ string, args []lex.Token) {
	level, err := x86.LookupCPU(lex.Join(args))
	if err != nil {
		p.errorf("%s", err)
		return
	}
	p.cpuLevel = level
}

// bitsForCPU is the mode `bits n` gives under the `cpu` level: as nasm,
// a mode the processor does not have is an error, and 16 instead.
func (p *parser) bitsForCPU(n int) int {
	switch {
	case n == 32 && !p.cpuLevel.Allows(x86.CPU386):
		p.errorf("cannot specify 32-bit segment on processor below a 386")
		return 16
	case n == 64 && !p.cpuLevel.Allows(x86.CPUX64):
		p.errorf("cannot specify 64-bit segment on processor below an x86-64")
		return 16
	}
	return n
}
