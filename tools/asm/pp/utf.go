package pp

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// nasm's string functions __?utf16?__, __?utf16le?__, __?utf16be?__,
// __?utf32?__, __?utf32le?__ and __?utf32be?__ re-encode a UTF-8 string.
// Their result is a string: bytes in data (`dw __utf16__("é")`), a
// character constant in an expression (`mov ax, __utf16__('a')`), which
// is what a string token is in either place, so they become one here.

type utfFunc struct {
	unit      int  // 2 or 4 bytes
	bigEndian bool // the byte order of each unit
}

var utfFuncs = map[string]utfFunc{
	"utf16": {2, false}, "utf16le": {2, false}, "utf16be": {2, true},
	"utf32": {4, false}, "utf32le": {4, false}, "utf32be": {4, true},
}

// lookupUTF recognizes __utfN__ and __?utfN?__ (any case); canon is the
// name as nasm spells it in messages.
func lookupUTF(name string) (f utfFunc, canon string, ok bool) {
	n := strings.ToLower(name)
	if !strings.HasPrefix(n, "__") || !strings.HasSuffix(n, "__") || len(n) < 6 {
		return f, "", false
	}
	n = n[2 : len(n)-2]
	if len(n) > 2 && n[0] == '?' && n[len(n)-1] == '?' {
		n = n[1 : len(n)-1]
	}
	f, ok = utfFuncs[n]
	return f, "__?" + n + "?__", ok
}

// utfCall evaluates the string function at toks[i]: `name "str"` or
// `name("str")`. It returns the result as a string token and the index
// after the call. inExpr words the errors as nasm's expression evaluator
// does; otherwise they are those of a data operand.
func utfCall(f utfFunc, canon string, toks []lex.Token, i int, inExpr bool) (lex.Token, int, error) {
	start := i
	i++
	parens := i < len(toks) && toks[i].Is("(")
	if parens {
		i++
	}
	if i >= len(toks) || toks[i].Kind != lex.Str {
		if inExpr {
			return lex.Token{}, i, fmt.Errorf("expecting string as argument to %s", canon)
		}
		return lex.Token{}, i, fmt.Errorf("%s must be followed by a string constant", canon)
	}
	b, ok := utfEncode(toks[i].Str, f)
	if !ok {
		return lex.Token{}, i, fmt.Errorf("invalid input string to %s", canon)
	}
	i++
	if parens {
		if i >= len(toks) || !toks[i].Is(")") {
			if inExpr {
				return lex.Token{}, i, fmt.Errorf("expecting `)'")
			}
			return lex.Token{}, i, fmt.Errorf("unterminated %s function", canon)
		}
		i++
	}
	// The text stays the call (as nasm -E shows it, and so the data
	// parser knows a function's string, which is never part of an
	// expression there).
	call := append([]lex.Token{{Kind: lex.Ident, Text: canon}}, toks[start+1:i]...)
	return lex.Token{Kind: lex.Str, Text: lex.Join(call), Str: string(b)}, i, nil
}

// StringFuncError is nasm's error for a call of a string function at
// toks[i] that the preprocessor left in place because it is in error
// (ok is false when toks[i] is not such a call). nasm reports it where
// the call is read: in a data operand (inExpr false) or an expression,
// with different words.
func StringFuncError(toks []lex.Token, i int, inExpr bool) (err error, ok bool) {
	t := toks[i]
	if t.Kind != lex.Ident || t.Escaped {
		return nil, false
	}
	f, canon, ok := lookupUTF(t.Text)
	if !ok {
		return nil, false
	}
	_, _, err = utfCall(f, canon, toks, i, inExpr)
	return err, err != nil
}

// StringFuncInExpr is nasm's error for an expression that was parsed
// from toks[from] to toks[end] (the token it stopped at, included when
// the parse failed there) if it contains a string function's call in
// error, which nasm's evaluator reports first.
func StringFuncInExpr(toks []lex.Token, from, end int, failed bool) error {
	if failed {
		end++
	}
	for k := from; k < end && k < len(toks); k++ {
		if err, ok := StringFuncError(toks, k, true); ok {
			return err
		}
	}
	return nil
}

// IsStringFunc reports a string token that is the result of a string
// function such as __?utf16?__ (its text is the call, not a quoted
// string).
func IsStringFunc(t lex.Token) bool {
	return t.Kind == lex.Str && t.Text != "" && t.Text[0] != '\'' && t.Text[0] != '"' && t.Text[0] != '`'
}

// utfEncode decodes s as UTF-8 the way nasm does (sequences of up to six
// bytes, overlong forms and surrogates rejected; UTF-16 also rejects
// values above U+10FFFF) and encodes it in units of f.unit bytes. nasm's
// big-endian UTF-16 writes a surrogate pair low half first, and so does
// this.
func utfEncode(s string, f utfFunc) ([]byte, bool) {
	var out []byte
	emit := func(v uint32) {
		for k := 0; k < f.unit; k++ {
			shift := 8 * k
			if f.bigEndian {
				shift = 8 * (f.unit - 1 - k)
			}
			out = append(out, byte(v>>shift))
		}
	}
	for i := 0; i < len(s); {
		c := s[i]
		i++
		if c < 0x80 {
			emit(uint32(c))
			continue
		}
		var v, vmin uint32
		var more int
		switch {
		case c < 0xc0 || c >= 0xfe:
			return nil, false
		case c < 0xe0:
			v, more, vmin = uint32(c&0x1f), 1, 0x80
		case c < 0xf0:
			v, more, vmin = uint32(c&0x0f), 2, 0x800
		case c < 0xf8:
			v, more, vmin = uint32(c&0x07), 3, 0x10000
		case c < 0xfc:
			v, more, vmin = uint32(c&0x03), 4, 0x200000
		default:
			v, more, vmin = uint32(c&0x01), 5, 0x4000000
		}
		for ; more > 0; more-- {
			if i >= len(s) || s[i]&0xc0 != 0x80 {
				return nil, false
			}
			v = v<<6 | uint32(s[i]&0x3f)
			i++
		}
		if v < vmin || v >= 0xd800 && v <= 0xdfff || f.unit == 2 && v > 0x10ffff {
			return nil, false
		}
		if f.unit == 2 && v > 0xffff {
			v -= 0x10000
			hi, lo := 0xd800|v>>10, 0xdc00|v&0x3ff
			if f.bigEndian {
				hi, lo = lo, hi
			}
			emit(hi)
			emit(lo)
			continue
		}
		emit(v)
	}
	return out, true
}
