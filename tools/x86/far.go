package x86

import (
	"errors"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// farPointer encodes `jmp seg:off` / `call seg:off` (not in 64-bit mode).
func (e *encoder) farPointer() (*Encoding, error) {
	if e.mode == 64 {
		return nil, errors.New("instruction not supported in 64-bit mode")
	}
	seg, off := e.ops[0], e.ops[1]
	osz := e.mode
	if seg.Size == 2 || off.Size == 2 || e.pfx.o == 16 {
		osz = 16
	}
	if off.Size == 4 || e.pfx.o == 32 {
		osz = 32
	}
	var b []byte
	b = append(b, e.pfx.group1...)
	if osz != e.mode {
		b = append(b, 0x66)
	}
	op := byte(0xEA)
	if e.mn == "call" {
		op = 0x9A
	}
	b = append(b, op)
	fields := []field{{off: len(b), size: osz / 8, v: off.Imm, kind: obj.RelocAbs}}
	b = append(b, make([]byte, osz/8)...)
	fields = append(fields, field{off: len(b), size: 2, v: seg.Imm, kind: obj.RelocAbs})
	b = append(b, 0, 0)
	if err := e.fill(b, fields, &e.cand); err != nil {
		return nil, err
	}
	e.main.best.set(&e.cand)
	return e.main.best.encoding(), nil
}
