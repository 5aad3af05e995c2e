package asm

import (
	"errors"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// isFloat reports a floating-point operand: a literal, or one of nasm's
// special values (__?Infinity?__, __?QNaN?__, __?SNaN?__).
func isFloat(t lex.Token) bool {
	return t.Kind == lex.Float || t.Kind == lex.Ident && !t.Escaped && lex.FloatSpecial(t.Text) != ""
}

// floatItem recognizes a data operand that is a floating-point constant,
// optionally signed, and encodes it in nasm's format for the unit size
// (db: 8-bit, dw: half, dd: single, dq: double, dt: x87 extended, do:
// quad precision). It returns the bytes, the tokens used, whether the
// operand is one, and nasm's warnings about the value.
func floatItem(toks []lex.Token, width int, mode lex.FloatMode) (b []byte, n int, ok bool, warns []lex.FloatWarning, err error) {
	neg := false
	if len(toks) > 1 && (toks[0].Is("-") || toks[0].Is("+")) && isFloat(toks[1]) {
		neg = toks[0].Is("-")
		n = 1
	}
	if len(toks) <= n || !isFloat(toks[n]) {
		return nil, 0, false, nil, nil
	}
	if len(toks) > n+1 && !toks[n+1].Is(",") && !toks[n+1].Is(")") {
		// nasm takes the token after a float as the comma.
		return nil, 0, true, nil, errors.New(dataList.noComma)
	}
	b, warns, err = lex.EncodeFloatMode(toks[n].Text, neg, width, mode)
	return b, n + 1, true, warns, err
}
