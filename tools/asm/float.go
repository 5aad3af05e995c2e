package asm

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// floatItem recognizes a data operand that is a floating-point constant,
// optionally signed, and encodes it in IEEE format for the unit size
// (dw: half, dd: single, dq: double precision), as nasm does.
func floatItem(toks []lex.Token, width int) ([]byte, int, bool, error) {
	neg := false
	n := 0
	if len(toks) > 1 && (toks[0].Is("-") || toks[0].Is("+")) && toks[1].Kind == lex.Float {
		neg = toks[0].Is("-")
		n = 1
	}
	if len(toks) <= n || toks[n].Kind != lex.Float {
		return nil, 0, false, nil
	}
	if len(toks) > n+1 && !toks[n+1].Is(",") {
		return nil, 0, true, fmt.Errorf("floating-point constant `%s' is only allowed alone in dw/dd/dq", toks[n].Text)
	}
	text := toks[n].Text
	b := make([]byte, width)
	switch width {
	case 2:
		f, err := lex.ParseFloat(text, 64)
		if err != nil {
			return nil, 0, true, err
		}
		h := float16Bits(f)
		if neg {
			h ^= 0x8000
		}
		binary.LittleEndian.PutUint16(b, h)
	case 4:
		f, err := lex.ParseFloat(text, 32)
		if err != nil {
			return nil, 0, true, err
		}
		if math.IsInf(f, 0) && belowPow2(text, 128) {
			f = math.MaxFloat32 // nasm rounds only values of 2^128 and up to infinity
		}
		v := math.Float32bits(float32(f))
		if neg {
			v ^= 1 << 31
		}
		binary.LittleEndian.PutUint32(b, v)
	case 8:
		f, err := lex.ParseFloat(text, 64)
		if err != nil {
			return nil, 0, true, err
		}
		if math.IsInf(f, 0) && belowPow2(text, 1024) {
			f = math.MaxFloat64
		}
		v := math.Float64bits(f)
		if neg {
			v ^= 1 << 63
		}
		binary.LittleEndian.PutUint64(b, v)
	default:
		return nil, 0, true, fmt.Errorf("floating-point constants need dw, dd or dq")
	}
	return b, n + 1, true, nil
}

// float16Bits rounds f to IEEE half precision (round to nearest even),
// with subnormals and overflow to infinity.
func float16Bits(f float64) uint16 {
	bits := math.Float64bits(f)
	sign := uint16(bits>>48) & 0x8000
	f = math.Abs(f)
	switch {
	case math.IsNaN(f):
		return sign | 0x7e00
	case math.IsInf(f, 0) || f >= 65536:
		return sign | 0x7c00
	case f >= 65504:
		return sign | 0x7bff // nasm rounds only values of 2^16 and up to infinity
	}
	// Scale so that the half-precision significand is an integer, then
	// round half to even.
	exp := math.Ilogb(f)
	if f == 0 {
		return sign
	}
	if exp < -14 {
		exp = -14 // subnormal range: fixed scale 2^-24
	}
	m := math.RoundToEven(math.Ldexp(f, 10-exp))
	if m >= 2048 {
		m /= 2
		exp++
	}
	if m < 1024 { // subnormal
		return sign | uint16(m)
	}
	return sign | uint16(exp+15)<<10 | uint16(m)&0x3ff
}

// belowPow2 reports whether the literal's exact value is below 2^e.
func belowPow2(text string, e int) bool {
	v, _, err := big.ParseFloat(strings.ReplaceAll(text, "_", ""), 0, 256, big.ToZero)
	if err != nil {
		return false
	}
	v.Abs(v)
	limit := new(big.Float).SetMantExp(big.NewFloat(1), e)
	return v.Cmp(limit) < 0
}

// floatOverflow reports an encoded constant that became infinity.
func floatOverflow(b []byte) bool {
	switch len(b) {
	case 2:
		return binary.LittleEndian.Uint16(b)&0x7fff == 0x7c00
	case 4:
		return binary.LittleEndian.Uint32(b)&0x7fffffff == 0x7f800000
	case 8:
		return binary.LittleEndian.Uint64(b)&(1<<63-1) == 0x7ff0000000000000
	}
	return false
}
