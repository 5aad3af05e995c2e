package lex

import (
	"math/big"
	"strings"
)

// floatFormat is one of nasm's binary floating-point formats.
type floatFormat struct {
	expBits  int
	fracBits int  // fraction bits stored
	explicit bool // the integer bit is stored too (the 80-bit format)
}

// floatFormats are nasm's formats by size in bytes: its 8-bit format,
// IEEE half, single, double, x87 extended and quad precision.
var floatFormats = map[int]floatFormat{
	1:  {4, 3, false},
	2:  {5, 10, false},
	4:  {8, 23, false},
	8:  {11, 52, false},
	10: {15, 63, true},
	16: {15, 112, false},
}

// BFloat16 is the size EncodeFloat takes for bfloat16 (2 bytes, single
// precision's exponent), which has no data directive of its own.
const BFloat16 = -2

var bfloat16 = floatFormat{8, 7, false}

// FloatSpecial reports nasm's names for special values (__?Infinity?__,
// __?QNaN?__, __?SNaN?__, and __?NaN?__ for a quiet NaN, in either
// spelling, any case): "inf", "qnan", "snan", or "" for other names.
func FloatSpecial(name string) string {
	n := strings.ToLower(name)
	if !strings.HasPrefix(n, "__") || !strings.HasSuffix(n, "__") || len(n) < 5 {
		return ""
	}
	n = n[2 : len(n)-2]
	if len(n) > 2 && n[0] == '?' && n[len(n)-1] == '?' {
		n = n[1 : len(n)-1]
	}
	switch n {
	case "infinity":
		return "inf"
	case "nan", "qnan":
		return "qnan"
	case "snan":
		return "snan"
	}
	return ""
}

// FloatSizeOK reports whether nasm has a floating-point format of size
// bytes.
func FloatSizeOK(size int) bool { _, ok := floatFormats[size]; return ok }

// EncodeFloat encodes the floating-point literal text (or a special
// value named by FloatSpecial), negated if neg, in the format of size
// bytes, little-endian, as nasm does; overflow reports a value too large
// for the format (it becomes infinity, and nasm warns).
//
// Rounding is to nearest, and nasm's ways are kept: a value whose
// leading bit is one above the largest exponent keeps the all-ones
// exponent (no carry needed), exact ties of decimal literals (which nasm
// converts by truncation) go toward zero, other ties to even.
func EncodeFloat(text string, neg bool, size int) (b []byte, overflow bool, err error) {
	f, ok := floatFormats[size]
	if size == BFloat16 {
		f, ok, size = bfloat16, true, 2
	}
	if !ok {
		return nil, false, errf("no %d-bit floating-point format supported", size*8)
	}
	expMax := 1 << (f.expBits - 1)
	allOnes := 1<<f.expBits - 1
	mantWidth := f.fracBits
	if f.explicit {
		mantWidth++
	}
	var exp int
	mant := new(big.Int)
	special := FloatSpecial(text)
	if special == "" {
		v, exact, err := parseBigFloat(text)
		if err != nil {
			return nil, false, err
		}
		tiesDown := exact && !isHexFloat(text)
		exp, overflow = encodeFinite(v, f, expMax, tiesDown, mant)
		if overflow {
			special = "inf"
		}
	}
	if special != "" {
		exp = allOnes
		mant.SetInt64(0)
		if f.explicit {
			mant.SetBit(mant, f.fracBits, 1)
		}
		switch special {
		case "qnan":
			mant.SetBit(mant, f.fracBits-1, 1)
		case "snan":
			mant.SetBit(mant, 0, 1)
		}
	}
	bits := new(big.Int).Lsh(big.NewInt(int64(exp)), uint(mantWidth))
	bits.Or(bits, mant)
	if neg {
		bits.SetBit(bits, mantWidth+f.expBits, 1)
	}
	be := bits.FillBytes(make([]byte, size))
	b = make([]byte, size)
	for i := range be {
		b[i] = be[size-1-i]
	}
	return b, overflow, nil
}

// encodeFinite sets mant to the mantissa field of v (>= 0) and returns
// the exponent field; overflow means v is too large.
func encodeFinite(v *big.Float, f floatFormat, expMax int, tiesDown bool, mant *big.Int) (int, bool) {
	if v.Sign() == 0 {
		return 0, false
	}
	e := v.MantExp(nil) - 1 // v = 1.x * 2^e
	switch {
	case e > expMax:
		return 0, true
	case e >= 2-expMax:
		m := roundBig(v, uint(f.fracBits+1), tiesDown)
		e2 := m.MantExp(nil) - 1
		if e2 > e && e2+expMax-1 >= 2*expMax-1 {
			return 0, true
		}
		// The mantissa as an integer of fracBits+1 bits.
		m.SetMantExp(m, f.fracBits-e2)
		m.Int(mant)
		if !f.explicit {
			mant.SetBit(mant, f.fracBits, 0)
		}
		return e2 + expMax - 1, false
	}
	// Denormal: a multiple of the smallest step, 2^(2-expMax-fracBits).
	scaled := new(big.Float).SetPrec(v.Prec()).SetMantExp(v, expMax-2+f.fracBits)
	roundInt(scaled, tiesDown).Int(mant)
	if mant.BitLen() > f.fracBits { // rounded up to the smallest normal
		if !f.explicit {
			mant.SetBit(mant, f.fracBits, 0)
		}
		return 1, false
	}
	return 0, false
}

// roundBig rounds v to prec bits: to nearest, ties to even or toward
// zero.
func roundBig(v *big.Float, prec uint, tiesDown bool) *big.Float {
	if tiesDown {
		down := new(big.Float).SetPrec(prec).SetMode(big.ToZero).Set(v)
		up := new(big.Float).SetPrec(prec).SetMode(big.AwayFromZero).Set(v)
		mid := new(big.Float).SetPrec(v.Prec()+2).Add(down, up)
		mid.SetMantExp(mid, -1)
		if mid.Cmp(v) == 0 { // a tie
			return down
		}
	}
	return new(big.Float).SetPrec(prec).SetMode(big.ToNearestEven).Set(v)
}

// roundInt rounds v (>= 0) to an integer, the same way.
func roundInt(v *big.Float, tiesDown bool) *big.Float {
	t, _ := v.Int(nil)
	frac := new(big.Float).SetPrec(v.Prec()).Sub(v, new(big.Float).SetInt(t))
	half := big.NewFloat(0.5)
	switch c := frac.Cmp(half); {
	case c > 0, c == 0 && !tiesDown && t.Bit(0) == 1:
		t.Add(t, big.NewInt(1))
	}
	return new(big.Float).SetInt(t)
}

func isHexFloat(text string) bool {
	return strings.HasPrefix(strings.ToLower(text), "0x")
}

// parseBigFloat reads a floating-point literal precisely enough to round
// it correctly to any of the formats; exact reports no rounding at all.
func parseBigFloat(text string) (*big.Float, bool, error) {
	if _, err := ParseFloat(text, 64); err != nil {
		return nil, false, err
	}
	s := strings.ReplaceAll(text, "_", "")
	v, _, err := big.ParseFloat(s, 0, 8192, big.ToNearestEven)
	if err != nil {
		return nil, false, errf("invalid floating-point constant `%s'", text)
	}
	return v, v.Acc() == big.Exact, nil
}
