package pp

import (
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

var errTokens = errors.New("token limit")

// expand applies single-line macros to toks. A macro is not expanded again
// inside its own expansion, which stops recursive definitions.
func (p *pp) expand(toks []lex.Token) ([]lex.Token, error) {
	if !p.mayExpand(toks) {
		return toks, nil // the common case: nothing to expand, no copy
	}
	return p.expandWith(toks, nil, 0)
}

// mayExpand reports whether any token names a single-line macro or a
// builtin.
func (p *pp) mayExpand(toks []lex.Token) bool {
	for i, t := range toks {
		if _, _, ok := lookupFunc(toks, i); ok {
			return true
		}
		if t.Kind != lex.Ident || t.Escaped {
			continue
		}
		if strings.HasPrefix(t.Text, "__") || p.lookupSmacro(t.Text) != nil {
			return true
		}
	}
	return false
}

// floatPart is what a __?floatN?__() function gives: n bytes from byte
// from of the literal in the format of size bytes, as an integer.
type floatPart struct{ size, from, n int }

var floatFuncs = map[string]floatPart{
	"float8": {1, 0, 1}, "float16": {2, 0, 2}, "float32": {4, 0, 4}, "float64": {8, 0, 8},
	"float80m": {10, 0, 8}, "float80e": {10, 8, 2}, "float128l": {16, 0, 8}, "float128h": {16, 8, 8},
	"bfloat16": {lex.BFloat16, 0, 2},
}

// floatFunc recognizes __floatN__ and __?floatN?__.
func floatFunc(name string) (floatPart, bool) {
	if !strings.HasPrefix(name, "__") || !strings.HasSuffix(name, "__") || len(name) < 6 {
		return floatPart{}, false
	}
	n := name[2 : len(name)-2]
	q := len(n) > 2 && n[0] == '?' && n[len(n)-1] == '?'
	if q {
		n = n[1 : len(n)-1]
	}
	f, ok := floatFuncs[n]
	return f, ok && (q || n != "bfloat16") // nasm has no __bfloat16__
}

// floatCall evaluates `name(literal)` from toks[i] (after the
// parenthesis); it returns the value and the index after the call.
// touchingFloat reads the tokens from toks[i] to the next `)', written
// without blanks between them, as one floating-point number, if they
// make one; end is the index of the `)'.
func touchingFloat(toks []lex.Token, i int) (lex.Token, int, bool) {
	j := i
	var b strings.Builder
	for ; j < len(toks) && !toks[j].Is(")"); j++ {
		if j > i && toks[j].Space {
			return lex.Token{}, 0, false
		}
		b.WriteString(tokSource(toks[j]))
	}
	if j >= len(toks) || j-i < 2 {
		return lex.Token{}, 0, false
	}
	nt, err := lex.Line(b.String())
	if err != nil || len(nt) != 1 || nt[0].Kind != lex.Float {
		return lex.Token{}, 0, false
	}
	return nt[0], j, true
}

func (p *pp) floatCall(f floatPart, name string, toks []lex.Token, i int) (int64, int, error) {
	neg := false
	if i < len(toks) && (toks[i].Is("-") || toks[i].Is("+")) {
		neg = toks[i].Is("-")
		i++
	}
	skip := 0 // tokens joined into toks[i]
	if ft, end, ok := touchingFloat(toks, i); ok {
		// Pieces written together (`%1e+%2` of 1, 36) are one number
		// in the text nasm's assembler reads.
		toks = append(append(append([]lex.Token(nil), toks[:i]...), ft), toks[end:]...)
		skip = end - i - 1
	}
	if i+1 >= len(toks) || !toks[i+1].Is(")") || !(toks[i].Kind == lex.Float || toks[i].Kind == lex.Ident && lex.FloatSpecial(toks[i].Text) != "") {
		return 0, 0, fmt.Errorf("expecting floating-point number")
	}
	var mode lex.FloatMode
	if p.opts.FloatMode != nil {
		mode = p.opts.FloatMode()
	}
	b, warns, err := lex.EncodeFloatMode(toks[i].Text, neg, f.size, mode)
	if err != nil {
		return 0, 0, err
	}
	for _, w := range warns {
		p.diag(Diag{Pos: p.cur, Warning: true, Class: w.Class, Msg: w.Msg})
	}
	var v uint64
	for k := f.n - 1; k >= 0; k-- {
		v = v<<8 | uint64(b[f.from+k])
	}
	return int64(v), i + 2 + skip, nil
}

// builtin expands __FILE__ and __LINE__ (both spellings), and the names
// the assembler gives values (Options.Builtin); ok is false for other
// names.
func (p *pp) builtin(t lex.Token) ([]lex.Token, bool, error) {
	switch t.Text {
	case "__FILE__", "__?FILE?__":
		return []lex.Token{{Kind: lex.Str, Text: "'" + p.cur.File + "'", Str: p.cur.File, Space: t.Space}}, true, nil
	case "__LINE__", "__?LINE?__":
		return []lex.Token{{Kind: lex.Num, Text: strconv.Itoa(p.cur.Line), Val: int64(p.cur.Line), Space: t.Space}}, true, nil
	}
	if p.opts.Builtin == nil || !strings.HasPrefix(t.Text, "__") {
		return nil, false, nil
	}
	toks, ok, err := p.opts.Builtin(t.Text)
	if ok && len(toks) > 0 {
		toks = append([]lex.Token(nil), toks...)
		toks[0].Space = t.Space
	}
	return toks, ok, err
}

// expandWith expands toks with the macros in active already being
// expanded. Every token it handles below the line itself, at every
// level, is charged to the line's budget (Limits.MacroTokens): that is
// the work done, which the nesting multiplies.
func (p *pp) expandWith(toks []lex.Token, active []*smacro, depth int) ([]lex.Token, error) {
	if int64(depth) > p.lim.MacroLevels {
		return nil, fmt.Errorf("single-line macro expansion nested too deeply (more than %d levels; --limit-macro-levels)", p.lim.MacroLevels)
	}
	if depth > 0 { // the line's own tokens are charged as it is read
		if err := p.charge(len(toks)); err != nil {
			return nil, err
		}
	}
	var out []lex.Token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if f, name, ok := lookupFunc(toks, i); ok {
			// A function's arguments are expanded where it needs them;
			// its result is scanned again.
			x := func(a []lex.Token) ([]lex.Token, error) { return p.expandWith(a, active, depth+1) }
			res, next, err := p.callFunc(f, name, toks, i, x)
			if err != nil {
				return nil, err
			}
			if len(res) > 0 {
				res[0].Space = t.Space
			}
			if res, err = p.expandWith(res, active, depth+1); err != nil {
				return nil, err
			}
			// nasm hands the assembler text: a result touching a word
			// on either side makes one word with it (`cc_%tok(x)`).
			if len(res) > 0 && next < len(toks) && !toks[next].Space && isWord(toks[next]) && isWord(res[len(res)-1]) {
				res[len(res)-1] = glue(res[len(res)-1], toks[next])
				next++
			}
			if len(res) > 0 && len(out) > 0 && !t.Space && isWord(out[len(out)-1]) && isWord(res[0]) {
				out[len(out)-1] = glue(out[len(out)-1], res[0])
				res = res[1:]
			}
			out = append(out, res...)
			i = next - 1
			continue
		}
		if t.Kind != lex.Ident || t.Escaped {
			out = append(out, t)
			continue
		}
		if f, ok := ilog2Func(t.Text); ok && i+1 < len(toks) && toks[i+1].Is("(") {
			v, next, err := p.ilog2Call(f, toks, i, active, depth)
			if err != nil {
				return nil, err
			}
			out = append(out, lex.Token{Kind: lex.Num, Text: fmt.Sprint(v), Val: v, Space: t.Space})
			i = next - 1
			continue
		}
		if f, ok := floatFunc(t.Text); ok && i+1 < len(toks) && toks[i+1].Is("(") {
			v, next, err := p.floatCall(f, t.Text, toks, i+2)
			if err != nil {
				return nil, err
			}
			out = append(out, lex.Token{Kind: lex.Num, Text: fmt.Sprintf("0x%x", uint64(v)), Val: v, Space: t.Space})
			i = next - 1
			continue
		}
		if f, canon, ok := lookupUTF(t.Text); ok && !(i+1 < len(toks) && toks[i+1].Is(":")) {
			// (Before a colon it is a label, which the parser refuses.)
			// Its string may come from a macro later on the line: expand
			// the rest first (it is then done).
			rest, err := p.expandWith(toks[i+1:], active, depth+1)
			if err != nil {
				return nil, err
			}
			line := append([]lex.Token{t}, rest...)
			r, next, err := utfCall(f, canon, line, 0, false)
			if err != nil {
				// nasm reads the call where it is used, a data operand
				// or an expression, and words its error for that: the
				// call stays for the reader (StringFuncError), in
				// nasm's spelling (as nasm -E shows it).
				line[0] = lex.Token{Kind: lex.Ident, Text: canon, Space: t.Space}
				return append(out, line...), nil
			}
			r.Space = t.Space
			out = append(out, r)
			return append(out, line[next:]...), nil
		}
		if b, ok, err := p.builtin(t); ok || err != nil {
			if err != nil {
				return nil, err
			}
			out = append(out, b...)
			continue
		}
		m, args, next := p.pickSmacro(toks, i, active)
		if m == nil {
			out = append(out, t)
			continue
		}
		// Arguments are expanded first (an argument may call the same
		// macro: F(1, F(2, 3))), then the body is rescanned with m active.
		for k := range args {
			ea, err := p.expandWith(args[k], active, depth+1)
			if err != nil {
				return nil, err
			}
			args[k] = ea
		}
		if m.flags != nil {
			if err := p.decorate(m, args); err != nil {
				return nil, err
			}
		}
		exp, err := p.expandWith(substitute(m, args, t), append(active, m), depth+1)
		if err != nil {
			return nil, err
		}
		out = append(out, exp...)
		i = next - 1
	}
	return out, nil
}

// charge counts n tokens handled by single-line expansion or parameter
// substitution against the line's budget and the run's.
func (p *pp) charge(n int) error {
	p.budget += int64(n)
	if p.budget > p.lim.MacroTokens {
		return fmt.Errorf("macro expansion too large (more than %d tokens; --limit-macro-tokens)", p.lim.MacroTokens)
	}
	if p.ntokens += int64(n); p.ntokens > p.lim.Tokens {
		p.tooManyTokens(p.cur)
		return errTokens // reported: preprocessing ends
	}
	return nil
}

// pickSmacro chooses the overload of the macro named by toks[i]: one
// with parameters if a parenthesized argument list follows, else the one
// without. It returns nil if none applies or the macro is already being
// expanded, and the index after the call.
func (p *pp) pickSmacro(toks []lex.Token, i int, active []*smacro) (*smacro, [][]lex.Token, int) {
	list := p.lookupSmacro(toks[i].Text)
	if list == nil {
		return nil, nil, 0
	}
	if i+1 < len(toks) && toks[i+1].Is("(") {
		if a, end, ok := smacroArgs(toks, i+1); ok {
			for _, c := range list {
				if c.takes(len(a)) || c.nparams == 0 && len(a) == 1 && len(a[0]) == 0 {
					if isActive(active, c) {
						return nil, nil, 0
					}
					if c.flags != nil {
						a = c.rawArgs(toks[i+2:end-1], a)
					}
					return c, a, end
				}
			}
		}
	}
	for _, c := range list {
		if c.nparams < 0 {
			if isActive(active, c) {
				return nil, nil, 0
			}
			return c, nil, i + 1
		}
	}
	return nil, nil, 0
}

// rawArgs redoes the split of a call's arguments (inner, between the
// parentheses) for a macro with decorated parameters: a greedy last
// parameter takes the rest of the line from its start, with its commas
// and only its first brace group unwrapped, and a !parameter keeps its
// braces. Missing optional (greedy) arguments are empty.
func (m *smacro) rawArgs(inner []lex.Token, split [][]lex.Token) [][]lex.Token {
	var raw [][]lex.Token
	var cur []lex.Token
	depth, brace := 0, 0
	for _, t := range inner {
		switch {
		case t.Is("(") || t.Is("["):
			depth++
		case t.Is(")") || t.Is("]"):
			depth--
		case t.Is("{"):
			brace++
		case t.Is("}"):
			brace--
		case t.Is(",") && depth == 0 && brace == 0 && len(raw) < m.nparams-1:
			raw = append(raw, trimSpace(cur))
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	raw = append(raw, trimSpace(cur))
	out := make([][]lex.Token, m.nparams)
	for k := range out {
		switch {
		case k >= len(raw):
		case m.flags[k]&paramNoStrip != 0:
			out[k] = raw[k]
		case m.flags[k]&paramGreedy != 0:
			out[k] = unbrace(raw[k])
		case k < len(split):
			out[k] = split[k]
		}
	}
	return out
}

// unbrace drops the braces of a leading {...} group.
func unbrace(toks []lex.Token) []lex.Token {
	if len(toks) == 0 || !toks[0].Is("{") {
		return toks
	}
	depth := 0
	for i, t := range toks {
		if t.Is("{") {
			depth++
		} else if t.Is("}") {
			if depth--; depth == 0 {
				out := append(append([]lex.Token(nil), toks[1:i]...), toks[i+1:]...)
				return trimSpace(out)
			}
		}
	}
	return toks
}

// decorate applies the parameters' decorations to their (expanded)
// arguments.
func (p *pp) decorate(m *smacro, args [][]lex.Token) error {
	for k, fl := range m.flags {
		if k >= len(args) {
			break
		}
		switch {
		case fl&paramEval != 0:
			v, err := p.constExpr(args[k])
			if err != nil {
				return err
			}
			args[k] = numToken(v)
		case fl&paramStr != 0:
			if fl&paramCondQuote != 0 && len(args[k]) == 1 && args[k][0].Kind == lex.Str {
				break
			}
			args[k] = []lex.Token{strToken(lex.Join(trimSpace(args[k])))}
		}
	}
	return nil
}

// substitute is m's body with its parameters replaced by args; the first
// token takes the call's spacing. A `%,' in the body is a comma unless
// nothing but empty space follows it up to the next parameter, which
// is empty too (so `a %, b+' loses its comma when b is left out).
func substitute(m *smacro, args [][]lex.Token, call lex.Token) []lex.Token {
	space := call.Space
	body := make([]lex.Token, 0, len(m.body))
	blank := false // a blank before something that vanished stays
	for j := 0; j < len(m.body); j++ {
		b := m.body[j]
		b.Space = b.Space || blank
		blank = false
		if b.Is("%") && j+1 < len(m.body) && m.body[j+1].Is(",") && !m.body[j+1].Space && m.nparams > 0 {
			if condComma(m, args, j+2) {
				body = append(body, lex.Token{Kind: lex.Op, Text: ",", Space: b.Space})
			} else {
				blank = b.Space
			}
			j++
			continue
		}
		if b.Kind == lex.Ident && m.nparams > 0 {
			if k := m.param(b.Text); k >= 0 {
				for j, a := range args[k] {
					if j == 0 {
						a.Space = b.Space
					}
					body = append(body, a)
				}
				blank = len(args[k]) == 0 && b.Space
				continue
			}
		}
		body = append(body, b)
	}
	// %? and %?? (in the body or the arguments) are the macro's name as
	// called and as defined.
	body = macroNames(body, call.Text, m.name)
	if len(body) > 0 {
		body[0].Space = space
	}
	return body
}

// condComma reports whether `%,` at body[from] yields its comma: when
// something follows it, and, if that is a parameter, its argument is not
// empty.
func condComma(m *smacro, args [][]lex.Token, from int) bool {
	if from >= len(m.body) {
		return false
	}
	if b := m.body[from]; b.Kind == lex.Ident {
		if k := m.param(b.Text); k >= 0 {
			return len(args[k]) > 0
		}
	}
	return true
}

func isActive(active []*smacro, m *smacro) bool {
	for _, a := range active {
		if a == m {
			return true
		}
	}
	return false
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// smacroArgs splits a parenthesized argument list starting at toks[open].
func smacroArgs(toks []lex.Token, open int) ([][]lex.Token, int, bool) {
	depth := 0
	var args [][]lex.Token
	var cur []lex.Token
	brace := 0
	for i := open; i < len(toks); i++ {
		t := toks[i]
		switch {
		case t.Is("{"):
			brace++
			if brace == 1 {
				continue
			}
		case t.Is("}"):
			brace--
			if brace == 0 {
				continue
			}
		case t.Is("("):
			depth++
			if depth == 1 {
				continue
			}
		case t.Is(")"):
			depth--
			if depth == 0 {
				args = append(args, trimSpace(cur))
				return args, i + 1, true
			}
		case t.Is(",") && depth == 1 && brace == 0:
			args = append(args, trimSpace(cur))
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	return nil, 0, false
}

func trimSpace(toks []lex.Token) []lex.Token {
	if len(toks) > 0 && toks[0].Space {
		toks = append([]lex.Token(nil), toks...)
		toks[0].Space = false
	}
	return toks
}

// expandPaste expands toks, pastes %+, and expands again what pasting
// made (a pasted name may be a macro), as nasm does, until no %+ is left.
func (p *pp) expandPaste(toks []lex.Token) ([]lex.Token, error) {
	toks, err := p.indirect(toks)
	if err != nil {
		return nil, err
	}
	for {
		out, err := p.expand(toks)
		if err != nil || p.fatal {
			return out, err
		}
		// nasm pastes a name a macro made with a name or number written
		// against it (`%define f(x) x' makes `f(foo)bar' foobar), and
		// expands the result again.
		pasted := p.pasteAdjacent(out, func(a, b lex.Token) bool {
			return a.Kind == lex.Ident && (b.Kind == lex.Ident || b.Kind == lex.Num)
		})
		if !hasPaste(pasted) && len(pasted) == len(out) {
			return out, nil
		}
		toks = p.paste(pasted)
	}
}

// pasteAdjacent joins each pair of tokens written without space between
// them that join says to paste, when their text read again is one token
// (else they stay as they are).
func (p *pp) pasteAdjacent(toks []lex.Token, join func(a, b lex.Token) bool) []lex.Token {
	var out []lex.Token
	for i := 1; i < len(toks); i++ {
		a, b := toks[i-1], toks[i]
		if out != nil {
			a = out[len(out)-1]
		}
		var nt []lex.Token
		var err error
		if !b.Space && join(a, b) {
			nt, err = lex.Line(tokSource(a) + tokSource(b))
		}
		if err != nil || len(nt) != 1 {
			if out != nil {
				out = append(out, b)
			}
			continue
		}
		if out == nil {
			out = append([]lex.Token(nil), toks[:i]...)
		}
		nt[0].Space = a.Space
		out[len(out)-1] = nt[0]
		p.chargeBytes(len(nt[0].Text))
	}
	if out == nil {
		return toks
	}
	return out
}

// indirectPastes reports whether nasm joins a, written right before or
// after what a %[...] makes, with b: a name with a name or number, a
// number with a number (`%[n]_count' is one name, `%[m]_x' two tokens).
func indirectPastes(a, b lex.Token) bool {
	switch a.Kind {
	case lex.Ident, lex.Float:
		return textWord(b)
	case lex.Num:
		return b.Kind == lex.Num
	}
	return false
}

// indirect expands each %[...] in toks in place: its contents are
// macro-expanded (not evaluated) and the first token of the result is
// joined with a token written right before the construct (`Foo%[__BITS__]`
// is Foo32), and so is a word right after it: nasm hands the assembler
// text, where they make one word (`%[n]0` is 20).
func (p *pp) indirect(toks []lex.Token) ([]lex.Token, error) {
	if !hasIndirect(toks) {
		return toks, nil
	}
	var out []lex.Token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if !isIndirect(toks, i) {
			out = append(out, t)
			continue
		}
		j, depth := i+1, 0
		for ; j < len(toks); j++ {
			if toks[j].Is("[") {
				depth++
			} else if toks[j].Is("]") {
				if depth--; depth == 0 {
					break
				}
			}
		}
		if j >= len(toks) {
			return nil, fmt.Errorf("`%%[' without its `]'")
		}
		inner, err := p.expandPaste(toks[i+2 : j])
		if err != nil {
			return nil, err
		}
		inner = append([]lex.Token(nil), inner...)
		if len(inner) > 0 {
			if len(out) > 0 && !t.Space && indirectPastes(out[len(out)-1], inner[0]) {
				out[len(out)-1] = glue(out[len(out)-1], inner[0])
				inner = inner[1:]
			} else {
				inner[0].Space = t.Space
			}
		}
		out = append(out, inner...)
		i = j
		if n := len(out); n > 0 && j+1 < len(toks) && !toks[j+1].Space && indirectPastes(out[n-1], toks[j+1]) && !isIndirect(toks, j+1) {
			out[n-1] = glue(out[n-1], toks[j+1])
			i++
		}
	}
	return out, nil
}

// isIndirect reports whether toks[i] starts a %[...] construct: a `%'
// with `[' right after it.
func isIndirect(toks []lex.Token, i int) bool {
	return toks[i].Kind == lex.Op && toks[i].Text == "%" && i+1 < len(toks) && toks[i+1].Is("[") && !toks[i+1].Space
}

func hasIndirect(toks []lex.Token) bool {
	for i := range toks {
		if isIndirect(toks, i) {
			return true
		}
	}
	return false
}

func hasPaste(toks []lex.Token) bool {
	for _, t := range toks {
		if t.Kind == lex.PP && t.Text == "%+" {
			return true
		}
	}
	return false
}

// chargeBytes counts n bytes of text the preprocessor made (pasted
// names, built strings) against the run's budget, a token a byte: text
// can double with every paste, tokens cannot.
func (p *pp) chargeBytes(n int) {
	if p.ntokens += int64(n); p.ntokens > p.lim.Tokens {
		p.tooManyTokens(p.cur)
	}
}

// paste implements %+, which glues the tokens on either side into one.
func (p *pp) paste(toks []lex.Token) []lex.Token {
	if !hasPaste(toks) {
		return toks
	}
	var out []lex.Token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Kind == lex.PP && t.Text == "%+" {
			if len(out) > 0 && i+1 < len(toks) {
				g := glue(out[len(out)-1], toks[i+1])
				out[len(out)-1] = g
				if p.chargeBytes(len(g.Text)); p.fatal {
					return out
				}
				i++
			}
			continue
		}
		out = append(out, t)
	}
	return out
}

// glue joins two tokens' text and lexes it again (one token if it is
// one, else an identifier spelled so).
func glue(a, b lex.Token) lex.Token {
	text := tokSource(a) + tokSource(b)
	nt, err := lex.Line(text)
	if err == nil && len(nt) == 1 {
		nt[0].Space = a.Space
		return nt[0]
	}
	return lex.Token{Kind: lex.Ident, Text: text, Space: a.Space}
}

func tokSource(t lex.Token) string {
	if t.Kind == lex.Ident && t.Escaped {
		return "$" + t.Text
	}
	return t.Text
}
