package asm

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

// nasm's `%use smartalign' makes `align N' without a fill pad with
// multi-byte NOPs chosen by `alignmode', and jump over padding longer
// than a threshold. The preprocessor's package (pp/packages.go) defines
// the alignmode macro, which hands the mode and threshold to the
// directive __?alignmode?__ below; each align statement keeps the state
// in force where it is.

// nopSeqs is, per mode width (16, 32, 64), how many bytes a group has and
// the NOP sequence of each length. A mode changes only the entries it
// sets: nasm's package defines them as macros, so what one mode leaves
// alone stays from the one before (k7 keeps the 16-bit group size).
type nopSeqs struct {
	group [3]int
	seq   [3][9][]byte
}

// smartAlign is the alignment mode in force.
type smartAlign struct {
	nops      nopSeqs
	threshold int64 // pad longer than this jumps over its NOPs; -1: never
}

// modeEntry sets one width's sequences (from length 1 up) and, if
// group > 0, its group size.
type modeEntry struct {
	width int // 0, 1, 2: 16, 32, 64 bits
	group int
	seqs  [][]byte
}

func b(v ...byte) []byte { return v }

// The byte sequences nasm 2.16's smartalign package uses for each mode.
var (
	oneNop  = [][]byte{b(0x90)}
	prefix4 = [][]byte{b(0x90), b(0x66, 0x90), b(0x66, 0x66, 0x90), b(0x66, 0x66, 0x66, 0x90)}
	p6Long  = [][]byte{b(0x90), b(0x66, 0x90), b(0x0f, 0x1f, 0x00), b(0x0f, 0x1f, 0x40, 0x00),
		b(0x0f, 0x1f, 0x44, 0x00, 0x00), b(0x66, 0x0f, 0x1f, 0x44, 0x00, 0x00),
		b(0x0f, 0x1f, 0x80, 0x00, 0x00, 0x00, 0x00), b(0x0f, 0x1f, 0x84, 0x00, 0x00, 0x00, 0x00, 0x00)}
)

var alignModes = map[string][]modeEntry{
	"nop": {{0, 1, oneNop}, {1, 1, oneNop}, {2, 1, oneNop}},
	"generic": {
		{0, 8, [][]byte{b(0x90), b(0x89, 0xf6), b(0x8d, 0x74, 0x00), b(0x8d, 0xb4, 0x00, 0x00),
			b(0x8d, 0xb4, 0x00, 0x00, 0x90), b(0x8d, 0xb4, 0x00, 0x00, 0x89, 0xff),
			b(0x8d, 0xb4, 0x00, 0x00, 0x8d, 0x7d, 0x00), b(0x8d, 0xb4, 0x00, 0x00, 0x8d, 0xbd, 0x00, 0x00)}},
		{1, 7, [][]byte{b(0x90), b(0x89, 0xf6), b(0x8d, 0x76, 0x00), b(0x8d, 0x74, 0x26, 0x00),
			b(0x90, 0x8d, 0x74, 0x26, 0x00), b(0x8d, 0xb6, 0x00, 0x00, 0x00, 0x00),
			b(0x8d, 0xb4, 0x26, 0x00, 0x00, 0x00, 0x00)}},
		{2, 4, prefix4},
	},
	"k8": {{0, 4, prefix4}, {1, 4, prefix4}, {2, 4, prefix4}},
	"k7": {
		{0, 0, prefix4}, // nasm 2.16's package sets no 16-bit group for k7
		{1, 7, [][]byte{b(0x90), b(0x8b, 0xc0), b(0x8d, 0x04, 0x20), b(0x8d, 0x44, 0x20, 0x00),
			b(0x8d, 0x44, 0x20, 0x00, 0x90), b(0x8d, 0x80, 0x00, 0x00, 0x00, 0x00),
			b(0x8d, 0x04, 0x05, 0x00, 0x00, 0x00, 0x00)}},
		{2, 4, prefix4},
	},
	"p6": {{0, 4, p6Long[:4]}, {1, 8, p6Long}, {2, 8, p6Long}},
}

// alignmodeDirective is `__?alignmode?__ MODE, THRESHOLD`, made by the
// smartalign package's alignmode macro.
func (p *parser) alignmodeDirective(_ string, args []lex.Token) {
	if len(args) < 3 || args[0].Kind != lex.Ident || !args[1].Is(",") {
		p.errorf("`alignmode' expects a mode and a jump threshold")
		return
	}
	mode := strings.ToLower(args[0].Text)
	entries, ok := alignModes[mode]
	if !ok {
		p.errorf("unknown alignment mode: %s", args[0].Text)
		return
	}
	threshold, err := p.constant(args[2:], "trailing garbage after `alignmode'")
	if err != nil {
		p.errorf("%s", err)
		return
	}
	s := &smartAlign{threshold: threshold}
	if p.smart != nil {
		s.nops = p.smart.nops
	}
	for _, e := range entries {
		if e.group > 0 {
			s.nops.group[e.width] = e.group
		}
		for k, seq := range e.seqs {
			s.nops.seq[e.width][k+1] = seq
		}
	}
	p.smart = s
}

// smartPad is the padding of pad bytes the smartalign package makes at
// section offset off for alignment n in a mode of the given bits.
func (a *assembler) smartPad(s *smartAlign, pad, off, n int64, bits int) ([]byte, error) {
	if s.threshold != -1 && pad > s.threshold {
		// jmp to the end of the padding, then plain NOPs; short only
		// when nasm's -Ox would make it so.
		if a.opts.Optimize == x86.OptFull {
			if rest := (n - (off+2)%n) % n; rest <= 127 {
				return append([]byte{0xEB, byte(rest)}, bytes.Repeat([]byte{0x90}, int(rest))...), nil
			}
		}
		size := int64(5)
		if bits == 16 {
			size = 3
		}
		rest := (n - (off+size)%n) % n
		out := []byte{0xE9}
		for k := int64(0); k < size-1; k++ {
			out = append(out, byte(rest>>(8*k)))
		}
		return append(out, bytes.Repeat([]byte{0x90}, int(rest))...), nil
	}
	w := map[int]int{16: 0, 32: 1, 64: 2}[bits]
	g := int64(s.nops.group[w])
	if g == 0 {
		return nil, fmt.Errorf("smartalign has no NOP group for %d-bit code in this mode", bits)
	}
	var out []byte
	for k := int64(0); k < pad/g; k++ {
		out = append(out, s.nops.seq[w][g]...)
	}
	if r := pad % g; r > 0 {
		if s.nops.seq[w][r] == nil {
			return nil, fmt.Errorf("smartalign has no %d-byte NOP for %d-bit code in this mode", r, bits)
		}
		out = append(out, s.nops.seq[w][r]...)
	}
	return out, nil
}
