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

// FloatWarning is a warning nasm gives about a floating-point constant:
// its -w class and its message.
type FloatWarning struct{ Class, Msg string }

// Rounding modes of nasm's `float` directive.
const (
	RoundNear = iota // to nearest, ties to even (the default)
	RoundDown        // toward minus infinity
	RoundUp          // toward plus infinity
	RoundZero        // toward zero
)

// FloatMode is the state nasm's `float` directive sets: the rounding mode
// and whether denormals become zero (daz).
type FloatMode struct {
	Round int
	DAZ   bool
}

// mantBits is the working precision of nasm's conversion: its six 32-bit
// limbs. Every intermediate result is truncated to it, and the results
// are bit-exact with nasm only because the same truncations happen here.
const mantBits = 192

// maxDigits is how many significant decimal digits nasm keeps (the rest
// are dropped, with a warning).
const maxDigits = 52

// EncodeFloat encodes the floating-point literal text (or a special
// value named by FloatSpecial), negated if neg, in the format of size
// bytes, little-endian, as nasm does with its default `float` settings.
// A literal ending in `p` (or starting `0p`) is packed BCD, for the
// 10-byte format only.
func EncodeFloat(text string, neg bool, size int) (b []byte, warns []FloatWarning, err error) {
	return EncodeFloatMode(text, neg, size, FloatMode{})
}

// EncodeFloatMode is EncodeFloat under the `float` directive's mode.
//
// The conversion follows nasm's own arithmetic, not correct rounding: a
// decimal literal keeps 52 significant digits, becomes a binary fraction
// truncated to 192 bits and is scaled by powers of five with truncated
// 192-bit products; a literal in a power-of-two radix keeps its first
// 192 bits. Only then is the result rounded to the format. A value whose
// leading bit is one above the largest exponent keeps nasm's all-ones
// exponent (it reads as a NaN or infinity).
func EncodeFloatMode(text string, neg bool, size int, mode FloatMode) (b []byte, warns []FloatWarning, err error) {
	f, ok := floatFormats[size]
	if size == BFloat16 {
		f, ok, size = bfloat16, true, 2
	}
	if !ok {
		return nil, nil, errf("no %d-bit floating-point format supported", size*8)
	}
	if text == "" {
		return nil, nil, errf("invalid floating-point constant")
	}
	// Packed BCD: a trailing p, or a 0p prefix.
	if last := text[len(text)-1]; last == 'p' || last == 'P' {
		return packedBCD(text[:len(text)-1], neg, size)
	}
	if len(text) > 2 && text[0] == '0' && (text[1] == 'p' || text[1] == 'P') {
		return packedBCD(text[2:], neg, size)
	}
	warn := func(class, msg string) { warns = append(warns, FloatWarning{class, msg}) }

	const (
		kZero = iota
		kDenormal
		kNormal
		kInf
		kQNaN
		kSNaN
	)
	kind := kZero
	var mant *big.Int // the value is mant/2^mantBits * 2^exp
	exp := 0
	switch FloatSpecial(text) {
	case "inf":
		kind = kInf
	case "qnan":
		kind = kQNaN
	case "snan":
		kind = kSNaN
	default:
		mant, exp, err = convertFloat(text, warn)
		if err != nil {
			return nil, nil, err
		}
		if mant.Sign() != 0 {
			exp-- // now 1.xxx * 2^exp
			expMax := 1 << (f.expBits - 1)
			switch {
			case exp >= 2-expMax && exp <= expMax:
				kind = kNormal
			case exp > 0:
				warn("float-overflow", "overflow in floating-point constant")
				kind = kInf
			default:
				kind = kDenormal
			}
		}
	}

	// Lay the result out as nasm does: a mantBits-bit field, most
	// significant bit first, holding sign, exponent and mantissa; the
	// format's bits are its top size*8 bits.
	bits := size * 8
	head := f.expBits // bits before the leading mantissa bit
	if f.explicit {
		head++
	}
	expMax := 1 << (f.expBits - 1)
	field := new(big.Int)
	setExp := func(e int) {
		field.Or(field, new(big.Int).Lsh(big.NewInt(int64(e)), uint(mantBits-1-f.expBits)))
	}
	onePos := uint(mantBits - 1 - head) // the leading bit's position (LSB 0)
	switch kind {
	case kNormal:
		field.Rsh(mant, uint(head))
		roundField(field, bits, neg, mode.Round)
		e := exp + expMax - 1
		if field.Bit(int(onePos)+1) == 1 { // the rounding carried
			field.Rsh(field, 1)
			e++
			if e >= 2*expMax-1 {
				warn("float-overflow", "overflow in floating-point constant")
				field.SetInt64(0)
				kind = kInf
				break
			}
		}
		if !f.explicit {
			field.SetBit(field, int(onePos), 0)
		}
		setExp(e)
	case kDenormal:
		shift := -(exp + expMax - 2 - f.expBits)
		if f.explicit {
			shift++
		}
		field.Rsh(mant, uint(shift))
		roundField(field, bits, neg, mode.Round)
		switch {
		case field.Bit(int(onePos)) == 1: // rounded up to the smallest normal
			if !f.explicit {
				field.SetBit(field, int(onePos), 0)
			}
			setExp(1)
		case mode.DAZ || field.Sign() == 0:
			warn("float-underflow", "underflow in floating-point constant")
			field.SetInt64(0)
		default:
			warn("float-denorm", "denormal floating-point constant")
		}
	}
	if kind >= kInf {
		setExp(1<<f.expBits - 1)
		if f.explicit {
			field.SetBit(field, int(onePos), 1)
		}
		switch kind {
		case kQNaN:
			field.SetBit(field, int(onePos)-1, 1)
		case kSNaN:
			field.SetBit(field, mantBits-1-(head+f.fracBits), 1)
		}
	}
	if neg {
		field.SetBit(field, mantBits-1, 1)
	}
	field.Rsh(field, uint(mantBits-bits))
	be := field.FillBytes(make([]byte, size))
	b = make([]byte, size)
	for i := range be {
		b[i] = be[size-1-i]
	}
	return b, warns, nil
}

// roundField rounds field (mantBits wide) to its top bits bits, in the
// rounding mode, as nasm does: the bits below the first dropped one are
// cleared, and rounding up adds one at that bit's place. So the dropped
// bit itself can stay set (it is not output, but a denormal that rounds
// to zero with it set is "denormal", not "underflow", as in nasm), and
// rounding away from zero only moves the value when that bit is set
// (nasm's way in `float up` and `float down`).
func roundField(field *big.Int, bits int, neg bool, mode int) {
	pos := mantBits - 1 - bits // the first dropped bit
	below := new(big.Int).And(field, new(big.Int).Sub(new(big.Int).Lsh(big.NewInt(1), uint(pos)), big.NewInt(1)))
	rb := field.Bit(pos)
	up := false
	switch {
	case mode == RoundNear:
		up = rb == 1 && (below.Sign() != 0 || field.Bit(pos+1) == 1)
	case mode == RoundZero, mode == RoundUp && neg, mode == RoundDown && !neg:
	default:
		up = rb == 1 || below.Sign() != 0
	}
	field.Sub(field, below)
	if up {
		field.Add(field, new(big.Int).Lsh(big.NewInt(1), uint(pos)))
	}
	// A carry out of the top bit is lost, as in nasm's fixed-size limbs.
	field.SetBit(field, mantBits, 0)
}

// convertFloat reads a literal (not a special value, not BCD) into a
// mantissa of mantBits bits (its top bit set unless it is zero) and a
// binary exponent: the value is mant/2^mantBits * 2^exp.
func convertFloat(text string, warn func(class, msg string)) (*big.Int, int, error) {
	s := text
	if s[0] == '$' {
		return convertRadix2(s[1:], 4)
	}
	if len(s) >= 2 && s[0] == '0' {
		switch s[1] {
		case 'x', 'X', 'h', 'H':
			return convertRadix2(s[2:], 4)
		case 'o', 'O', 'q', 'Q':
			return convertRadix2(s[2:], 3)
		case 'b', 'B', 'y', 'Y':
			return convertRadix2(s[2:], 1)
		case 'd', 'D', 't', 'T':
			return convertDecimal(s[2:], warn)
		}
	}
	return convertDecimal(s, warn)
}

// readExponent reads a decimal exponent with an optional sign and '_'
// separators; its magnitude is capped at limit (so that absurd exponents
// still overflow or underflow, as in nasm).
func readExponent(s string, limit int) (int, error) {
	neg := false
	if s != "" && (s[0] == '+' || s[0] == '-') {
		neg = s[0] == '-'
		s = s[1:]
	}
	v := 0
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case isDigit(c):
			v = v*10 + int(c-'0')
			if v > limit {
				v = limit
			}
		case c == '_':
		default:
			return 0, errf("invalid character in floating-point constant exponent: '%c'", c)
		}
	}
	if neg {
		v = -v
	}
	return v, nil
}

// convertDecimal is nasm's decimal conversion (see EncodeFloatMode).
func convertDecimal(s string, warn func(class, msg string)) (*big.Int, int, error) {
	var digits []byte
	tenpwr := 0
	started, seenDot, warned := false, false, false
	i := 0
	for ; i < len(s) && s[i] != 'e' && s[i] != 'E'; i++ {
		c := s[i]
		switch {
		case c == '.':
			if seenDot {
				return nil, 0, errf("too many periods in floating-point constant")
			}
			seenDot = true
		case isDigit(c):
			if c == '0' && !started {
				if seenDot {
					tenpwr--
				}
				continue
			}
			started = true
			if len(digits) < maxDigits {
				digits = append(digits, c)
			} else if !warned {
				warn("float-toolong", "floating-point constant significand contains more than 52 digits")
				warned = true
			}
			if !seenDot {
				tenpwr++
			}
		case c == '_':
		default:
			return nil, 0, errf("invalid character in floating-point constant significand: '%c'", c)
		}
	}
	if i < len(s) {
		e, err := readExponent(s[i+1:], 5000)
		if err != nil {
			return nil, 0, err
		}
		tenpwr += e
	}
	// The value is 0.digits * 10^tenpwr. The binary fraction 0.digits,
	// truncated to mantBits significant bits:
	frac := strings.TrimRight(string(digits), "0")
	mant := new(big.Int)
	if frac == "" {
		return mant, 0, nil
	}
	d, _ := new(big.Int).SetString(frac, 10)
	den := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(len(frac))), nil)
	// Leading zero bits of the fraction: the smallest lz with
	// d*2^(lz+1) >= den.
	lz := 0
	for t := new(big.Int).Lsh(d, 1); t.Cmp(den) < 0; t.Lsh(t, 1) {
		lz++
	}
	mant.Lsh(d, uint(mantBits+lz))
	mant.Quo(mant, den)
	twopwr := -lz + tenpwr

	// Multiply by 5^tenpwr by repeated squaring of 5 (or 1/5), each
	// product truncated to mantBits bits.
	var mult *big.Int
	extra := 0
	switch {
	case tenpwr < 0:
		// 0.8 in binary, truncated, with its last bit rounded up; times
		// 2^-2 it is 1/5.
		mult = new(big.Int).Lsh(big.NewInt(1), mantBits)
		mult.Sub(mult, big.NewInt(1))
		mult.Quo(mult, big.NewInt(0xf))
		mult.Mul(mult, big.NewInt(0xc))
		mult.Add(mult, big.NewInt(1))
		extra = -2
		tenpwr = -tenpwr
	case tenpwr > 0:
		mult = new(big.Int).Lsh(big.NewInt(5), mantBits-3) // 5/8
		extra = 3
	}
	for tenpwr != 0 {
		if tenpwr&1 != 0 {
			twopwr += extra + mulMant(mant, mult)
		}
		extra = extra*2 + mulMant(mult, mult)
		tenpwr >>= 1
	}
	return mant, twopwr, nil
}

// mulMant sets to to the product of the fractions to and from (both
// with their top bit set), truncated to mantBits bits and normalized; it
// returns the change of exponent (0 or -1).
func mulMant(to, from *big.Int) int {
	p := new(big.Int).Mul(to, from)
	if p.Bit(2*mantBits-1) == 1 {
		to.Rsh(p, mantBits)
		return 0
	}
	to.Rsh(p, mantBits-1)
	return -1
}

// convertRadix2 reads the digits of a literal in radix 2^bits, with an
// optional binary exponent after p.
func convertRadix2(s string, bits int) (*big.Int, int, error) {
	d := new(big.Int)
	fracDigits, e := 0, 0
	dropped := 0 // integer digits past the bits kept (they only scale)
	seenDot := false
	radix := 1 << bits
	for i := 0; i < len(s); i++ {
		c := s[i]
		if v := hexVal(c); v >= 0 && v < radix {
			switch {
			case d.BitLen() > mantBits+8:
				// Truncated away; a long literal stays linear.
				if !seenDot {
					dropped++
				}
			default:
				d.Lsh(d, uint(bits))
				d.Or(d, big.NewInt(int64(v)))
				if seenDot {
					fracDigits++
				}
			}
			continue
		}
		switch {
		case c == '.':
			if seenDot {
				return nil, 0, errf("too many periods in floating-point constant")
			}
			seenDot = true
		case c == 'p' || c == 'P':
			var err error
			if e, err = readExponent(s[i+1:], 20000); err != nil {
				return nil, 0, err
			}
			i = len(s)
		case c == '_':
		default:
			return nil, 0, errf("floating-point constant: `%c' is invalid character", c)
		}
	}
	mant := new(big.Int)
	if d.Sign() == 0 {
		return mant, 0, nil
	}
	l := d.BitLen()
	if l <= mantBits {
		mant.Lsh(d, uint(mantBits-l))
	} else {
		mant.Rsh(d, uint(l-mantBits)) // nasm keeps the first bits only
	}
	return mant, l + bits*(dropped-fracDigits) + e, nil
}

// packedBCD encodes the digits of s (right to left, '_' ignored) as x87
// packed BCD: nine bytes of two digits each, then the sign byte.
func packedBCD(s string, neg bool, size int) ([]byte, []FloatWarning, error) {
	if size != 10 {
		return nil, nil, errf("packed BCD requires an 80-bit format")
	}
	var warns []FloatWarning
	b := make([]byte, 10)
	n := 0 // digits stored
	for i := len(s) - 1; i >= 0; i-- {
		c := s[i]
		switch {
		case isDigit(c):
			if n == 18 {
				warns = append(warns, FloatWarning{"other", "packed BCD truncated to 18 digits"})
			}
			if n < 18 {
				b[n/2] |= (c - '0') << (4 * (n % 2))
			}
			n++
		case c == '_':
		default:
			return nil, nil, errf("invalid character `%c' in packed BCD constant", c)
		}
	}
	if neg {
		b[9] = 0x80
	}
	return b, warns, nil
}
