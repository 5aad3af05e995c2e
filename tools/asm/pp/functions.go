package pp

import (
	"fmt"
	"math"
	"strconv"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// A preprocessor function is `%name(arguments)`, expanded wherever
// single-line macros are (nasm 2.16's "magic" macros: %eval, %str,
// %substr, %is...). Its arguments are split at top-level commas, braces
// grouping; what it returns is scanned again for macros.
type ppFunc struct {
	min, max int  // argument count; max < 0: no limit
	whole    bool // one argument: everything between the parentheses, commas too
	call     func(p *pp, name string, args [][]lex.Token, x expander) ([]lex.Token, error)
}

// expander expands a function's arguments in the context of the call.
type expander func([]lex.Token) ([]lex.Token, error)

var ppFuncs = map[string]ppFunc{
	"%abs":    {1, 1, false, (*pp).fnAbs},
	"%count":  {0, -1, false, fnCount},
	"%eval":   {1, -1, false, (*pp).fnEval},
	"%str":    {1, 1, true, fnStr},
	"%strcat": {1, -1, false, (*pp).fnStrcat},
	"%strlen": {1, 1, false, (*pp).fnStrlen},
	"%tok":    {1, 1, false, (*pp).fnTok},
	"%substr": {2, 3, false, (*pp).fnSubstr},
	"%num":    {1, 3, false, (*pp).fnNum},
	"%sel":    {2, -1, false, (*pp).fnSel},
	"%cond":   {2, 3, false, (*pp).fnCond},
}

// %is<test>(...) and %isn<test>(...) are the %if<test> conditions as
// values, 1 or 0 (added here: the conditions expand macros, which call
// functions).
func init() {
	for test := range condTests {
		for _, neg := range []bool{false, true} {
			name := "%is" + test
			if neg {
				name = "%isn" + test
			}
			ppFuncs[name] = ppFunc{0, 1, true, isFunc(condSpec{kind: condIf, test: test, neg: neg})}
		}
	}
}

func isFunc(spec condSpec) func(*pp, string, [][]lex.Token, expander) ([]lex.Token, error) {
	return func(p *pp, name string, args [][]lex.Token, _ expander) ([]lex.Token, error) {
		var a []lex.Token
		if len(args) > 0 {
			a = args[0]
		}
		l := Line{Pos: p.cur, Toks: append([]lex.Token{{Kind: lex.PP, Text: name}}, a...)}
		ok, err := p.testErr(spec, l)
		if err != nil {
			return nil, err
		}
		return numToken(b2i(ok)), nil
	}
}

func b2i(b bool) int64 {
	if b {
		return 1
	}
	return 0
}

// lookupFunc returns the function toks[i] calls, if it is one followed
// by an argument list.
func lookupFunc(toks []lex.Token, i int) (ppFunc, string, bool) {
	t := toks[i]
	if t.Kind != lex.PP || i+1 >= len(toks) || !toks[i+1].Is("(") {
		return ppFunc{}, "", false
	}
	name := strings.ToLower(t.Text)
	f, ok := ppFuncs[name]
	return f, name, ok
}

// isFunctionCall reports whether a line starting with a preprocessor
// word is a function call rather than a directive: nasm treats
// `%strlen(` and `%strcat(` so, and the functions that are not
// directives (`%substr(` stays the directive).
func isFunctionCall(toks []lex.Token) bool {
	_, name, ok := lookupFunc(toks, 0)
	return ok && (directives[name] == nil || name == "%strlen" || name == "%strcat")
}

// callFunc expands the function call at toks[i]; it returns the result
// and the index after the call.
func (p *pp) callFunc(f ppFunc, name string, toks []lex.Token, i int, x expander) ([]lex.Token, int, error) {
	args, end, ok := smacroArgs(toks, i+1)
	if !ok {
		return nil, 0, fmt.Errorf("`%s' call expects terminating `)'", toks[i].Text)
	}
	if f.whole {
		args = [][]lex.Token{trimSpace(toks[i+2 : end-1])}
	}
	if len(args) == 1 && len(args[0]) == 0 && f.min == 0 {
		args = nil
	}
	if len(args) < f.min || f.max >= 0 && len(args) > f.max {
		return nil, 0, fmt.Errorf("`%s' takes %s, not %d", toks[i].Text, argRange(f), len(args))
	}
	out, err := f.call(p, toks[i].Text, args, x)
	return out, end, err
}

func argRange(f ppFunc) string {
	switch {
	case f.max < 0:
		return fmt.Sprintf("at least %d arguments", f.min)
	case f.min == f.max:
		return fmt.Sprintf("%d argument(s)", f.min)
	}
	return fmt.Sprintf("%d to %d arguments", f.min, f.max)
}

// evalArg expands and evaluates a numeric argument.
func (p *pp) evalArg(name string, a []lex.Token, x expander) (int64, error) {
	toks, err := x(a)
	if err != nil {
		return 0, err
	}
	v, err := p.constExpr(toks)
	if err != nil {
		return 0, fmt.Errorf("`%s': %s", name, err)
	}
	return v, nil
}

// strArg expands an argument and gives it as a string: a string's
// contents, or else the argument's text (nasm's SPARM_CONDQUOTE).
func strArg(a []lex.Token, x expander) (string, error) {
	toks, err := x(a)
	if err != nil {
		return "", err
	}
	if len(toks) == 1 && toks[0].Kind == lex.Str {
		return toks[0].Str, nil
	}
	return strings.TrimLeft(lex.Join(toks), " "), nil
}

func (p *pp) fnAbs(name string, args [][]lex.Token, x expander) ([]lex.Token, error) {
	v, err := p.evalArg(name, args[0], x)
	if err != nil {
		return nil, err
	}
	u := uint64(v)
	if v < 0 {
		u = -u
	}
	return []lex.Token{{Kind: lex.Num, Text: strconv.FormatUint(u, 10), Val: int64(u)}}, nil
}

func fnCount(_ *pp, _ string, args [][]lex.Token, _ expander) ([]lex.Token, error) {
	return numToken(int64(len(args))), nil
}

// fnEval is %eval(e, ...): each expression's value, comma-separated.
func (p *pp) fnEval(name string, args [][]lex.Token, x expander) ([]lex.Token, error) {
	var out []lex.Token
	for k, a := range args {
		v, err := p.evalArg(name, a, x)
		if err != nil {
			return nil, err
		}
		if k > 0 {
			out = append(out, lex.Token{Kind: lex.Op, Text: ","})
		}
		out = append(out, numToken(v)...)
	}
	return out, nil
}

// fnStr is %str(...): the argument's text, unexpanded, as a string.
func fnStr(p *pp, _ string, args [][]lex.Token, _ expander) ([]lex.Token, error) {
	s := strings.TrimLeft(lex.Join(args[0]), " ")
	p.chargeBytes(len(s))
	return []lex.Token{strToken(s)}, nil
}

func (p *pp) fnStrcat(_ string, args [][]lex.Token, x expander) ([]lex.Token, error) {
	var b strings.Builder
	for _, a := range args {
		s, err := strArg(a, x)
		if err != nil {
			return nil, err
		}
		b.WriteString(s)
	}
	p.chargeBytes(b.Len())
	return []lex.Token{strToken(b.String())}, nil
}

func (p *pp) fnStrlen(_ string, args [][]lex.Token, x expander) ([]lex.Token, error) {
	s, err := strArg(args[0], x)
	if err != nil {
		return nil, err
	}
	return numToken(int64(len(s))), nil
}

// fnTok is %tok('text'): the text as tokens.
func (p *pp) fnTok(name string, args [][]lex.Token, x expander) ([]lex.Token, error) {
	s, err := strArg(args[0], x)
	if err != nil {
		return nil, err
	}
	toks, err := lex.LineMax(s, int(min(p.lim.MacroTokens, math.MaxInt32)))
	if err != nil {
		return nil, fmt.Errorf("`%s': %s", name, err)
	}
	return toks, nil
}

// fnSubstr is %substr('string', start[, count]): count defaults to -1,
// the rest of the string (the directive's default is 1).
func (p *pp) fnSubstr(name string, args [][]lex.Token, x expander) ([]lex.Token, error) {
	s, err := strArg(args[0], x)
	if err != nil {
		return nil, err
	}
	start, err := p.evalArg(name, args[1], x)
	if err != nil {
		return nil, err
	}
	count := int64(-1)
	if len(args) > 2 && len(args[2]) > 0 {
		if count, err = p.evalArg(name, args[2], x); err != nil {
			return nil, err
		}
	}
	return []lex.Token{strToken(substring(s, start, count))}, nil
}

// substring is nasm's %substr: from the 1-based start (before 1 counts
// as 1), count characters; a negative count leaves that many minus one
// off the end (-1: to the end). Out of range is the empty string.
func substring(s string, start, count int64) string {
	n := int64(len(s))
	start--
	if start < 0 {
		start = 0
	}
	if count < 0 {
		count = n + count + 1 - start
	}
	if start+count > n {
		count = n - start
	}
	if n == 0 || count < 0 || start >= n {
		return ""
	}
	return s[start : start+count]
}

const numDigits = "0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ@_"

// fnNum is %num(n[, digits[, base]]): n, unsigned, as a string of
// digits in base (10); digits > 0 is exactly that many digits, digits <=
// 0 at least -digits (default -1).
func (p *pp) fnNum(name string, args [][]lex.Token, x expander) ([]lex.Token, error) {
	parm := []int64{0, -1, 10}
	for k, a := range args {
		if len(a) == 0 && k > 0 {
			continue // an empty optional argument keeps its default
		}
		v, err := p.evalArg(name, a, x)
		if err != nil {
			return nil, err
		}
		parm[k] = v
	}
	n, digits, base := uint64(parm[0]), parm[1], parm[2]
	if base < 2 || base > int64(len(numDigits)) {
		return nil, fmt.Errorf("invalid base %d given to %s()", base, name)
	}
	const maxLen = 253
	more, nd := false, digits
	switch {
	case digits < -maxLen || digits > maxLen:
		return nil, fmt.Errorf("digit count %d specified to %s() too large", digits, name)
	case digits <= 0:
		more, nd = true, -digits
	}
	var b []byte
	for ; nd > 0 || more && n != 0; nd-- {
		b = append(b, numDigits[n%uint64(base)])
		n /= uint64(base)
	}
	for i, j := 0, len(b)-1; i < j; i, j = i+1, j-1 {
		b[i], b[j] = b[j], b[i]
	}
	return []lex.Token{strToken(string(b))}, nil
}

// fnSel is %sel(n, a, b, ...): the n-th of the other arguments,
// nothing (and nasm's warning) out of range.
func (p *pp) fnSel(name string, args [][]lex.Token, x expander) ([]lex.Token, error) {
	which, err := p.evalArg(name, args[0], x)
	if err != nil {
		return nil, err
	}
	switch {
	case which < 1:
		p.diag(Diag{Pos: p.cur, Warning: true, Class: "pp-sel-range", Msg: fmt.Sprintf("%s(%d) is not a valid selector", name, which)})
		return nil, nil
	case which >= int64(len(args)):
		p.diag(Diag{Pos: p.cur, Warning: true, Class: "pp-sel-range", Msg: fmt.Sprintf("%s(%d) exceeds the number of arguments", name, which)})
		return nil, nil
	}
	return x(args[which])
}

// fnCond is %cond(c, yes[, no]).
func (p *pp) fnCond(name string, args [][]lex.Token, x expander) ([]lex.Token, error) {
	c, err := p.evalArg(name, args[0], x)
	if err != nil {
		return nil, err
	}
	if c != 0 {
		return x(args[1])
	}
	if len(args) > 2 {
		return x(args[2])
	}
	return nil, nil
}
