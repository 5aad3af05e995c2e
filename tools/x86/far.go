package x86

import (
	"errors"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// farPointer encodes `jmp seg:off` / `call seg:off` (not in 64-bit mode)
// as nasm 2.16 does: the offset is a word or a dword as the size written
// before the pointer (or after the colon) says, else as the mode; the
// operand-size prefix follows an explicit o16/o32 when there is one (so
// `o32 jmp 8:x` in 16-bit mode is 66 EA with a word offset, as nasm
// writes it), else the offset's size; a16/a32, a segment override and
// lock/rep are written as given.
func (e *encoder) farPointer() (*Encoding, error) {
	seg, off := e.ops[0], e.ops[1]
	size := 0
	for _, o := range []Operand{seg, off} {
		switch {
		case o.Far || o.Near || o.Short:
			return nil, errMismatch
		case o.Size == 0:
		case o.Size != 2 && o.Size != 4 || size != 0 && size != o.Size:
			return nil, errMismatch
		default:
			size = o.Size
		}
	}
	if e.mode == 64 { // nasm checks the sizes first
		return nil, errors.New("instruction not supported in 64-bit mode")
	}
	osz := e.mode
	if size != 0 {
		osz = 8 * size
	}
	prefix := osz != e.mode
	if e.pfx.o == 16 || e.pfx.o == 32 {
		prefix = e.pfx.o != e.mode
	}
	b := e.buf[:0]
	b = append(b, e.pfx.group1...)
	if e.pfx.seg != 0 {
		b = append(b, e.pfx.seg)
	}
	if prefix {
		b = append(b, 0x66)
	}
	if e.pfx.a != 0 && e.pfx.a != e.mode {
		b = append(b, 0x67)
	}
	op := byte(0xEA)
	if e.mn == "call" {
		op = 0x9A
	}
	b = append(b, op)
	fields := []field{{off: len(b), size: osz / 8, v: off.Imm, kind: obj.RelocAbs}}
	b = append(b, zeros[:osz/8]...)
	fields = append(fields, field{off: len(b), size: 2, v: seg.Imm, kind: obj.RelocAbs})
	b = append(b, 0, 0)
	if err := e.fill(b, fields, &e.cand); err != nil {
		return nil, err
	}
	e.main.best.set(&e.cand)
	return e.main.best.encoding(), nil
}
