// Package lex splits one line of NASM-syntax source into tokens and converts
// NASM's numeric and string literals. It knows nothing about macros or
// instructions; the preprocessor and the parser give tokens their meaning.
package lex

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"unicode/utf8"
)

// Kind is the class of a token.
type Kind uint8

const (
	Ident Kind = iota + 1 // a name: label, mnemonic, register, keyword
	Num                   // an integer literal (Val)
	Str                   // a quoted string (Str holds the decoded bytes)
	Op                    // an operator or punctuation ("+", "<<", "[", ",", "$", "$$" ...)
	PP                    // a preprocessor token starting with '%' ("%define", "%1", "%%x", "%{1}", "%+")
	Float                 // a floating-point literal (Text holds it; only data directives accept it)
)

func (k Kind) String() string {
	switch k {
	case Ident:
		return "identifier"
	case Num:
		return "number"
	case Str:
		return "string"
	case Op:
		return "operator"
	case PP:
		return "preprocessor token"
	case Float:
		return "floating-point constant"
	}
	return "token"
}

// Token is one lexical element of a line.
type Token struct {
	Kind Kind
	// Text is the token as written (for an identifier escaped with '$', the
	// name without the '$').
	Text string
	Val  int64  // Num: the value (two's complement of the 64-bit pattern)
	Str  string // Str: the decoded bytes
	// Space reports whitespace before the token; the preprocessor needs it to
	// rebuild text and to paste tokens.
	Space bool
	// Escaped marks an identifier written with a leading '$' (never a keyword).
	Escaped bool
}

func (t Token) String() string {
	sp := ""
	if t.Space {
		sp = " "
	}
	if t.Kind == Ident && t.Escaped {
		return sp + "$" + t.Text
	}
	return sp + t.Text
}

// Is reports whether t is the operator or punctuation op.
func (t Token) Is(op string) bool { return t.Kind == Op && t.Text == op }

// Error is a lexical error; the caller adds the file and line.
type Error struct{ Msg string }

func (e *Error) Error() string { return e.Msg }

func errf(format string, args ...any) error { return &Error{fmt.Sprintf(format, args...)} }

// IsIdentStart reports whether c may begin an identifier.
func IsIdentStart(c byte) bool {
	return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '_' || c == '.' || c == '?' || c == '@'
}

// IsIdentChar reports whether c may continue an identifier.
func IsIdentChar(c byte) bool {
	return IsIdentStart(c) || c >= '0' && c <= '9' || c == '$' || c == '#' || c == '~'
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

// operators, longest first so that the first match is the longest.
var operators = []string{
	"<<<", ">>>", "<=>",
	"<<", ">>", "<=", ">=", "==", "!=", "<>", "&&", "||", "^^", "//",
	"+", "-", "*", "/", "(", ")", "[", "]", ",", ":", "~", "!", "&", "|", "^",
	"<", ">", "=", "?", "{", "}",
}

// Line tokenizes one logical line (continuations already joined). Lexing
// stops at a ';' comment outside strings.
func Line(s string) ([]Token, error) {
	// Lex into a stack buffer and copy out exactly: every line's tokens
	// stay alive until the source is parsed, so their slack would add up.
	var buf [32]Token
	toks, err := line(buf[:0], s, math.MaxInt)
	out := make([]Token, len(toks))
	copy(out, toks)
	return out, err
}

// scanner is the position in the line being lexed. Its methods take the
// tokens so far and return them with more appended: keeping the slice out
// of the struct lets Line lex into a buffer on its stack.
type scanner struct {
	s string
	i int
}

// ErrTooManyTokens is LineMax's error for a line with more tokens than
// allowed.
var ErrTooManyTokens = &Error{"too many tokens on one line"}

// LineMax is Line for a line of at most max tokens: a longer one is
// ErrTooManyTokens, found without lexing the rest of it.
func LineMax(s string, max int) ([]Token, error) {
	var buf [32]Token
	toks, err := line(buf[:0], s, max)
	if err == ErrTooManyTokens {
		return nil, err
	}
	out := make([]Token, len(toks))
	copy(out, toks)
	return out, err
}

func line(toks []Token, s string, max int) ([]Token, error) {
	sc := scanner{s: s}
	for sc.i < len(s) {
		space := sc.skipSpace()
		if sc.i == len(s) || s[sc.i] == ';' {
			break
		}
		if len(toks) >= max {
			return nil, ErrTooManyTokens
		}
		var err error
		if toks, err = sc.token(toks, space && len(toks) > 0); err != nil {
			return toks, err
		}
	}
	return toks, nil
}

// skipSpace skips blanks and reports whether there were any.
func (sc *scanner) skipSpace() bool {
	start := sc.i
	for sc.i < len(sc.s) {
		switch sc.s[sc.i] {
		case ' ', '\t', '\r', '\f', '\v':
			sc.i++
			continue
		}
		break
	}
	return sc.i > start
}

// token lexes the token at sc.i; space is the whitespace before it.
func (sc *scanner) token(toks []Token, space bool) ([]Token, error) {
	s, i := sc.s, sc.i
	c := s[i]
	switch {
	case c == '\'' || c == '"' || c == '`':
		return sc.str(toks, space)
	case isDigit(c) || c == '$' && i+1 < len(s) && isDigit(s[i+1]):
		return sc.number(toks, space)
	case c == '$':
		return sc.dollar(toks, space), nil
	case c == '?' && (i+1 >= len(s) || !IsIdentChar(s[i+1])):
		sc.i++
		return append(toks, Token{Kind: Op, Text: "?", Space: space}), nil
	case IsIdentStart(c):
		j := sc.identEnd(i + 1)
		sc.i = j
		return append(toks, Token{Kind: Ident, Text: s[i:j], Space: space}), nil
	case c == '%':
		return sc.percent(toks, space), nil
	}
	return sc.operator(toks, space)
}

func (sc *scanner) identEnd(j int) int {
	for j < len(sc.s) && IsIdentChar(sc.s[j]) {
		j++
	}
	return j
}

func (sc *scanner) str(toks []Token, space bool) ([]Token, error) {
	str, n, err := String(sc.s[sc.i:])
	if err != nil {
		return toks, err
	}
	toks = append(toks, Token{Kind: Str, Text: sc.s[sc.i : sc.i+n], Str: str, Space: space})
	sc.i += n
	return toks, nil
}

// number lexes an integer, or a floating-point literal (a sign after its
// exponent marker belongs to it).
func (sc *scanner) number(toks []Token, space bool) ([]Token, error) {
	s, i := sc.s, sc.i
	j := i + 1
	for j < len(s) && (IsIdentChar(s[j]) || (s[j] == '+' || s[j] == '-') && signFollows(s[i:j])) {
		j++
	}
	if k := j - len(".nolist"); k > i && strings.EqualFold(s[k:j], ".nolist") {
		// `%macro m 0.nolist`: the count here, the .nolist qualifier as
		// the next token (so the line's token limit still counts it).
		if _, err := Number(s[i:k]); err == nil {
			j = k
		}
	}
	text := s[i:j]
	if len(toks) > 0 && toks[len(toks)-1].Is("{") && isBroadcast(text) {
		// `{1to16}`: an AVX-512 broadcast decorator, a word in nasm.
		toks = append(toks, Token{Kind: Ident, Text: text, Space: space})
		sc.i = j
		return toks, nil
	}
	if IsFloatText(text) {
		// A malformed one is an error here already (as a glued word
		// like 1.nolists has always been); the format's size and the
		// value's warnings are for where it is encoded.
		if _, _, err := EncodeFloat(text, false, 10); err != nil {
			return toks, err
		}
		toks = append(toks, Token{Kind: Float, Text: text, Space: space})
	} else {
		v, err := Number(text)
		if err != nil {
			return toks, err
		}
		toks = append(toks, Token{Kind: Num, Text: text, Val: v, Space: space})
	}
	sc.i = j
	return toks, nil
}

// dollar lexes `$$`, an identifier escaped with `$`, or `$`.
func (sc *scanner) dollar(toks []Token, space bool) []Token {
	s, i := sc.s, sc.i
	switch {
	case i+1 < len(s) && s[i+1] == '$':
		sc.i += 2
		return append(toks, Token{Kind: Op, Text: "$$", Space: space})
	case i+1 < len(s) && IsIdentStart(s[i+1]):
		j := sc.identEnd(i + 1)
		sc.i = j
		return append(toks, Token{Kind: Ident, Text: s[i+1 : j], Space: space, Escaped: true})
	}
	sc.i++
	return append(toks, Token{Kind: Op, Text: "$", Space: space})
}

// percent lexes a preprocessor token, or `%%` or `%` as operators.
func (sc *scanner) percent(toks []Token, space bool) []Token {
	s, i := sc.s, sc.i
	switch n := ppToken(s[i:]); {
	case n > 0:
		sc.i += n
		return append(toks, Token{Kind: PP, Text: s[i : i+n], Space: space})
	case i+1 < len(s) && s[i+1] == '%':
		sc.i += 2
		return append(toks, Token{Kind: Op, Text: "%%", Space: space})
	}
	sc.i++
	return append(toks, Token{Kind: Op, Text: "%", Space: space})
}

// operator lexes the longest operator at sc.i; any other byte is an
// error.
func (sc *scanner) operator(toks []Token, space bool) ([]Token, error) {
	rest := sc.s[sc.i:]
	for _, op := range operators {
		if strings.HasPrefix(rest, op) {
			sc.i += len(op)
			return append(toks, Token{Kind: Op, Text: op, Space: space}), nil
		}
	}
	c := rest[0]
	if c >= 0x80 {
		if r, _ := utf8.DecodeRuneInString(rest); r != utf8.RuneError {
			return toks, errf("unexpected character %q", r)
		}
	}
	if c < 0x20 || c >= 0x7f {
		return toks, errf("unexpected byte 0x%02x", c)
	}
	return toks, errf("unexpected character %q", string(c))
}

// signFollows reports whether a number so far ends in an exponent marker
// that takes a sign, as nasm reads numbers: `p` always, `e` unless the
// number is hexadecimal so far (a `$` prefix, or an `h` or `x` seen).
func signFollows(s string) bool {
	switch s[len(s)-1] {
	case 'p', 'P':
		return true
	case 'e', 'E':
		return !hexSoFar(s)
	}
	return false
}

func hexSoFar(s string) bool {
	return s[0] == '$' || strings.ContainsAny(s, "hHxX")
}

// IsFloatText reports whether nasm reads the number text as a
// floating-point literal: it has a `.`, a `p` (a binary exponent, or
// packed BCD), or a decimal `e` exponent (not in a hexadecimal number).
func IsFloatText(s string) bool {
	if strings.ContainsAny(s, ".pP") {
		return true
	}
	for k := 0; k < len(s); k++ {
		if (s[k] == 'e' || s[k] == 'E') && !hexSoFar(s[:k+1]) {
			// nasm decides on e at the end of the number (1e13h is an
			// integer), unless a sign follows it.
			if k+1 < len(s) && (s[k+1] == '+' || s[k+1] == '-') || !hexSoFar(s) {
				return true
			}
		}
	}
	return false
}

// ppToken returns the length of a preprocessor token at the start of s
// (which begins with '%'), or 0 if the '%' is an operator.
func ppToken(s string) int {
	if len(s) < 2 {
		return 0
	}
	c := s[1]
	switch {
	case IsIdentStart(c) && c != '?' || c == '$' || c == '!':
		j := 2
		for j < len(s) && (IsIdentChar(s[j]) || s[j] == '$') {
			j++
		}
		return j
	case isDigit(c):
		j := 2
		for j < len(s) && isDigit(s[j]) {
			j++
		}
		return j
	case c == '-' || c == '+':
		if c == '+' && (len(s) < 3 || !isDigit(s[2])) {
			return 2 // %+ token pasting
		}
		if len(s) > 2 && isDigit(s[2]) {
			j := 3
			for j < len(s) && isDigit(s[j]) {
				j++
			}
			return j
		}
		return 0
	case c == '{':
		j := strings.IndexByte(s, '}')
		if j < 0 {
			return 0
		}
		return j + 1
	case c == '%':
		if len(s) > 2 && IsIdentStart(s[2]) {
			j := 3
			for j < len(s) && IsIdentChar(s[j]) {
				j++
			}
			return j
		}
		return 0
	}
	return 0
}

// String decodes the quoted string at the start of s and returns the bytes
// and the number of source bytes consumed. Single and double quotes take
// their contents literally; backquotes interpret C-style escapes.
func String(s string) (string, int, error) {
	q := s[0]
	if q != '`' {
		j := strings.IndexByte(s[1:], q)
		if j < 0 {
			return "", 0, errf("unterminated string")
		}
		return s[1 : 1+j], j + 2, nil
	}
	var b []byte
	i := 1
	for i < len(s) {
		c := s[i]
		if c == '`' {
			return string(b), i + 1, nil
		}
		i++
		if c != '\\' {
			b = append(b, c)
			continue
		}
		if i >= len(s) {
			break
		}
		var err error
		b, i, err = escape(b, s, i)
		if err != nil {
			return "", 0, err
		}
	}
	return "", 0, errf("unterminated string")
}

// simpleEscapes are the one-character escapes of backquoted strings.
var simpleEscapes = map[byte]byte{
	'\'': '\'', '"': '"', '`': '`', '\\': '\\', '?': '?',
	'a': 7, 'b': 8, 't': 9, 'n': 10, 'v': 11, 'f': 12, 'r': 13, 'e': 27,
}

// escape decodes the escape sequence at s[i] (after its backslash),
// appends its bytes to b and returns the index after it.
func escape(b []byte, s string, i int) ([]byte, int, error) {
	c := s[i]
	i++
	if v, ok := simpleEscapes[c]; ok {
		return append(b, v), i, nil
	}
	switch {
	case c >= '0' && c <= '7':
		v := int(c - '0')
		for k := 0; k < 2 && i < len(s) && s[i] >= '0' && s[i] <= '7'; k++ {
			v = v*8 + int(s[i]-'0')
			i++
		}
		return append(b, byte(v)), i, nil
	case c == 'x':
		v, k, end := hexDigits(s, i, 2)
		if k == 0 {
			return append(b, 'x'), i, nil // nasm keeps a bare \x as 'x'
		}
		return append(b, byte(v)), end, nil
	case c == 'u' || c == 'U':
		n := 4
		if c == 'U' {
			n = 8
		}
		v, k, end := hexDigits(s, i, n)
		if k == 0 || v > utf8.MaxRune {
			return nil, 0, errf("invalid unicode escape in backquoted string")
		}
		return utf8.AppendRune(b, rune(v)), end, nil
	}
	return append(b, c), i, nil
}

// hexDigits reads up to max hexadecimal digits at s[i]: their value,
// how many, and the index after them.
func hexDigits(s string, i, limit int) (int, int, int) {
	v, k := 0, 0
	for ; k < limit && i < len(s) && hexVal(s[i]) >= 0; k++ {
		v = v*16 + hexVal(s[i])
		i++
	}
	return v, k, i
}

func hexVal(c byte) int {
	switch {
	case c >= '0' && c <= '9':
		return int(c - '0')
	case c >= 'a' && c <= 'f':
		return int(c-'a') + 10
	case c >= 'A' && c <= 'F':
		return int(c-'A') + 10
	}
	return -1
}

func radixOf(c byte) int {
	switch c {
	case 'x', 'h':
		return 16
	case 'd', 't':
		return 10
	case 'o', 'q':
		return 8
	case 'b', 'y':
		return 2
	}
	return 0
}

// Number converts a NASM integer literal: 0x.. / 0h.., ..h / ..x, $0..,
// 0d../0t.., ..d/..t, 0o../0q.., ..o/..q, 0b../0y.., ..b/..y, decimal,
// with '_' separators anywhere. Values wrap to 64 bits as in nasm.
func Number(text string) (int64, error) {
	s := strings.ToLower(strings.ReplaceAll(text, "_", ""))
	if strings.HasPrefix(s, "$") {
		if v, ok := parseRadix(s[1:], 16); ok {
			return int64(v), nil
		}
		return 0, errf("invalid number `%s'", text)
	}
	if len(s) > 2 && s[0] == '0' {
		if r := radixOf(s[1]); r != 0 {
			if v, ok := parseRadix(s[2:], r); ok {
				return int64(v), nil
			}
		}
	}
	if len(s) > 1 {
		if r := radixOf(s[len(s)-1]); r != 0 {
			if v, ok := parseRadix(s[:len(s)-1], r); ok {
				return int64(v), nil
			}
		}
	}
	if v, ok := parseRadix(s, 10); ok {
		return int64(v), nil
	}
	if strings.ContainsAny(s, ".") || strings.ContainsAny(s, "e") && !strings.HasPrefix(s, "0x") {
		if _, err := strconv.ParseFloat(strings.TrimSuffix(s, "p"), 64); err == nil || strings.Contains(s, ".") {
			return 0, errf("floating-point constant `%s' is not supported", text)
		}
	}
	return 0, errf("invalid number `%s'", text)
}

func parseRadix(s string, radix int) (uint64, bool) {
	if s == "" {
		return 0, false
	}
	var v uint64
	for i := 0; i < len(s); i++ {
		d := hexVal(s[i])
		if d < 0 || d >= radix {
			return 0, false
		}
		v = v*uint64(radix) + uint64(d)
	}
	return v, true
}

// CharConst turns a string used as a number into its little-endian value
// (nasm's character constants: 'ab' == 0x6261). At most 8 bytes count.
func CharConst(s string) (int64, bool) {
	if len(s) > 8 {
		return 0, false
	}
	var v uint64
	for i := len(s) - 1; i >= 0; i-- {
		v = v<<8 | uint64(s[i])
	}
	return int64(v), true
}

// Join rebuilds source text from tokens, keeping recorded spacing.
func Join(toks []Token) string {
	var b strings.Builder
	for i, t := range toks {
		if i > 0 && t.Space {
			b.WriteByte(' ')
		}
		if t.Kind == Ident && t.Escaped {
			b.WriteByte('$')
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// isBroadcast reports whether text is nasm's broadcast decorator 1toN.
func isBroadcast(text string) bool {
	rest, ok := strings.CutPrefix(strings.ToLower(text), "1to")
	if !ok || rest == "" {
		return false
	}
	for _, c := range rest {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}
