package pp

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// mmacro is a multi-line macro. Macros of one name with different
// parameter ranges coexist (overloads).
type mmacro struct {
	name     string
	icase    bool
	min, max int // max < 0: unlimited
	greedy   bool
	nolist   bool // .nolist: debugging information attributes its lines to the invocation
	defaults [][]lex.Token
	body     []srcLine
	def      Pos
	// usesLabel: the body has %00, the label of the call, which is then
	// not defined before the expansion (nasm 2.16).
	usesLabel bool
	// recursive: defined by %rmacro, so a call inside its own expansion
	// is a call (a %macro's is not: the line passes through as written).
	recursive bool
	// inProgress counts the expansions of this macro under way, as
	// nasm's in_progress does.
	inProgress int
}

// definition is a %macro or %rep body being collected.
type definition struct {
	rep   bool
	mac   *mmacro
	count int64 // %rep count
	nest  int   // inner %macro/%rep blocks still open
	start Pos
	body  []srcLine
}

// macro is %macro, %imacro, %rmacro and %irmacro: it starts collecting
// the body. A bad header is reported and the body still swallowed, under
// no name.
func (p *pp) macro(c call) {
	m, err := parseMacroHeader(c.args, c.name == "%imacro" || c.name == "%irmacro")
	if err != nil {
		p.lineErr(c.Line, "%s", err)
		m = &mmacro{max: -1}
	}
	m.def = c.Pos
	m.recursive = c.name == "%rmacro" || c.name == "%irmacro"
	p.def = &definition{mac: m, start: c.Pos}
}

// endmacro is %endmacro or %endm outside a definition.
func (p *pp) endmacro(c call) {
	p.lineErr(c.Line, "`%s': not defining a macro", c.Toks[0].Text)
}

// parseMacroHeader reads `name min[-max|-*][+] [.nolist] [defaults...]`.
func parseMacroHeader(args []lex.Token, icase bool) (*mmacro, error) {
	if len(args) == 0 || args[0].Kind != lex.Ident {
		return nil, fmt.Errorf("`%%macro' expects a macro name")
	}
	m := &mmacro{name: args[0].Text, icase: icase}
	i := 1
	if i >= len(args) || args[i].Kind != lex.Num {
		return nil, fmt.Errorf("`%%macro' expects a parameter count after the name")
	}
	m.min = int(args[i].Val)
	m.max = m.min
	if args[i].Val < 0 || args[i].Val > 10000 {
		return nil, fmt.Errorf("invalid macro parameter count")
	}
	i++
	if i < len(args) && args[i].Is("-") {
		i++
		switch {
		case i < len(args) && args[i].Is("*"):
			m.max = -1
		case i < len(args) && args[i].Kind == lex.Num && args[i].Val >= int64(m.min) && args[i].Val <= 10000:
			m.max = int(args[i].Val)
		default:
			return nil, fmt.Errorf("invalid macro parameter range")
		}
		i++
	}
	if i < len(args) && args[i].Is("+") {
		m.greedy = true
		i++
	}
	if i < len(args) && args[i].Kind == lex.Ident && strings.EqualFold(args[i].Text, ".nolist") {
		m.nolist = true
		i++
	}
	if i < len(args) {
		m.defaults = append(m.defaults, splitArgs(args[i:])...)
	}
	return m, nil
}

// finishDef ends the definition being collected: a %rep block starts
// running, a macro is defined.
func (p *pp) finishDef() {
	d := p.def
	p.def = nil
	if d.rep {
		p.startRep(d)
		return
	}
	m := d.mac
	m.body = d.body
	if m.name == "" {
		return
	}
	for _, l := range m.body {
		for _, t := range l.toks {
			m.usesLabel = m.usesLabel || t.Kind == lex.PP && t.Text == "%00"
		}
	}
	k := strings.ToLower(m.name)
	p.mmacs[k] = append(p.mmacs[k], m)
}

// matches reports whether a call of name calls m, by its case rule.
func (m *mmacro) matches(name string) bool {
	if m.icase {
		return strings.EqualFold(m.name, name)
	}
	return m.name == name
}

// takes reports whether m accepts n parameters.
func (m *mmacro) takes(n int) bool {
	return n >= m.min && (m.max < 0 || n <= m.max || m.greedy)
}

// splitArgs splits multi-line macro arguments at top-level commas; braces
// group an argument that contains commas.
//
// The arguments share one copy of the tokens (a persistent worker splits a
// few calls per request), each capped at its end so that appending to one
// never writes into the next; an empty argument is nil. As trimSpace does,
// an argument's first token has no space before it.
func splitArgs(toks []lex.Token) [][]lex.Token {
	buf := make([]lex.Token, 0, len(toks))
	var args [][]lex.Token
	start, brace := 0, 0
	cut := func() []lex.Token {
		if len(buf) == start {
			return nil
		}
		arg := buf[start:len(buf):len(buf)]
		arg[0].Space = false
		start = len(buf)
		return arg
	}
	for _, t := range toks {
		switch {
		case t.Is("{"):
			brace++
			if brace == 1 {
				continue
			}
		case t.Is("}"):
			if brace > 0 {
				brace--
				if brace == 0 {
					continue
				}
			}
		case t.Is(",") && brace == 0:
			args = append(args, cut())
			continue
		}
		buf = append(buf, t)
	}
	return append(args, cut())
}

// lookup is what a name with a parameter count finds among the
// multi-line macros.
type lookup uint8

const (
	notMacro   lookup = iota // no macro of that name can be called here
	found                    // a macro to expand
	wrongCount               // macros of that name exist, none taking that many parameters
)

// findMmacro decides, as nasm 2.16's is_mmacro does, which overload of
// name a call with n parameters expands. Overloads are tried newest
// first, %macro and %imacro ones alike. A %macro whose expansion is
// under way does not count: the search starts at the newest overload of
// the name that is not in progress, and if the first overload from there
// taking n parameters is in progress itself, nothing is called either
// (this is what lets `%macro syscall 0` use the instruction syscall in
// its body).
func (p *pp) findMmacro(name string, n int) (*mmacro, lookup) {
	list := p.mmacs[strings.ToLower(name)]
	start := -1
	for i := len(list) - 1; i >= 0; i-- {
		if m := list[i]; m.matches(name) && (m.inProgress != 1 || m.recursive) {
			start = i
			break
		}
	}
	if start < 0 {
		return nil, notMacro
	}
	for i := start; i >= 0; i-- {
		m := list[i]
		if !m.matches(name) || !m.takes(n) {
			continue
		}
		if m.inProgress > 0 && !m.recursive {
			return nil, notMacro
		}
		return m, found
	}
	return nil, wrongCount
}

// macroCall finds the multi-line macro call in toks, if it is one: at
// the start, or after a label (`label: macro args`, `label macro args`)
// when the first word calls nothing. It returns the call's position in
// toks, the macro and its arguments. A name with overloads none of
// which takes that many arguments is nasm's warning, and no call.
func (p *pp) macroCall(l Line, toks []lex.Token) (int, *mmacro, [][]lex.Token) {
	try := func(i int) (*mmacro, [][]lex.Token) {
		if i >= len(toks) || toks[i].Kind != lex.Ident || toks[i].Escaped {
			return nil, nil
		}
		var args [][]lex.Token
		if i+1 < len(toks) {
			args = splitArgs(toks[i+1:])
		}
		m, res := p.findMmacro(toks[i].Text, len(args))
		if res == wrongCount {
			s := "s"
			if len(args) == 1 {
				s = ""
			}
			p.diag(Diag{Pos: l.Pos, Warning: true, Class: "pp-macro-params-multi", Note: p.note(l),
				Msg: fmt.Sprintf("multi-line macro `%s' exists, but not taking %d parameter%s", toks[i].Text, len(args), s)})
		}
		return m, args
	}
	if m, args := try(0); m != nil {
		return 0, m, args
	}
	if toks[0].Kind != lex.Ident {
		return -1, nil, nil
	}
	j := 1
	if j < len(toks) && toks[j].Is(":") {
		j++
	}
	if m, args := try(j); m != nil {
		return j, m, args
	}
	return -1, nil, nil
}

// callMacro expands a multi-line macro invocation, if toks is one.
func (p *pp) callMacro(l Line, toks []lex.Token) bool {
	start, m, args := p.macroCall(l, toks)
	if m == nil {
		return false
	}
	name := toks[start].Text
	if m.inProgress > 0 {
		// nasm 2.16 keeps one set of parameters per macro and, when the
		// inner call ends, marks the macro finished: it then drops every
		// line up to the end of the file. Refused rather than imitated.
		p.lineErr(l, "recursive call of `%%rmacro' `%s': nasm 2.16 drops the rest of the file after one, so it is not supported", name)
		return true
	}
	if int64(len(p.frames)) >= p.lim.MacroLevels {
		p.lineErr(l, "macro call depth limit exceeded (recursive macro `%s'?): more than %d levels (--limit-macro-levels)", name, p.lim.MacroLevels)
		p.fatal = true
		return true
	}
	if p.mcalls++; p.mcalls > p.lim.Mmacros {
		p.lineErr(l, "more than %d multi-line macro calls from one line (--limit-mmacros)", p.lim.Mmacros)
		p.fatal = true
		return true
	}
	var label []lex.Token
	if start > 0 {
		label = toks[:1]
		if !m.usesLabel {
			// nasm gives a label without a colon one (so it is no
			// orphan), after the blanks that preceded the macro name.
			lt, trailing := toks[:start:start], toks[start].Space
			if start == 1 {
				lt, trailing = append(lt, lex.Token{Kind: lex.Op, Text: ":", Space: trailing}), false
			}
			p.emit(Line{Pos: l.Pos, Toks: lt, Macro: l.Macro, Def: l.Def, Src: l.Src, Indented: l.Indented, TrailingSpace: trailing})
		}
	}
	if m.max >= 0 && len(args) > m.max && m.greedy {
		args = greedyArgs(m, args, toks[start+1:])
	}
	for k := len(args); k < m.min+len(m.defaults); k++ {
		args = append(args, m.defaults[k-m.min])
	}
	p.mdepth++
	m.inProgress++
	p.frames = append(p.frames, &frame{kind: macroFrame, lines: m.body, mac: m, params: args, label: label, uniq: p.uniq, call: l.Pos, callSrc: l.Src, conds: len(p.conds), called: name})
	p.uniq++ // numbered from 0, as nasm numbers them
	return true
}

// greedyArgs gives the last parameter of a greedy macro the rest of the
// line, commas included.
func greedyArgs(m *mmacro, args [][]lex.Token, rest []lex.Token) [][]lex.Token {
	if m.max == 1 {
		return [][]lex.Token{trimSpace(rest)}
	}
	count := 0
	brace := 0
	for k, t := range rest {
		switch {
		case t.Is("{"):
			brace++
		case t.Is("}"):
			brace--
		case t.Is(",") && brace == 0:
			count++
			if count == m.max-1 {
				return append(args[:m.max-1], trimSpace(rest[k+1:]))
			}
		}
	}
	return args
}

// substParams replaces %0, %N, %{N}, %{N:M}, %+N, %-N and %%label in a
// macro body line.
func (p *pp) substParams(toks []lex.Token, f *frame) ([]lex.Token, error) {
	has := false
	for _, t := range toks {
		if t.Kind == lex.PP || t.Is("%") {
			has = true
			break
		}
	}
	if !has {
		return macroNames(toks, f.called, f.mac.name), nil
	}
	toks = macroNames(toks, f.called, f.mac.name)
	out := make([]lex.Token, 0, len(toks))
	for _, t := range toks {
		if t.Kind != lex.PP {
			out = append(out, t)
			continue
		}
		text := t.Text
		switch {
		case strings.HasPrefix(text, "%%"):
			out = append(out, lex.Token{Kind: lex.Ident, Text: fmt.Sprintf("..@%d.%s", f.uniq, text[2:]), Space: t.Space})
			continue
		case text == "%0":
			out = append(out, paramCount(f, t.Space))
			continue

		case text == "%00":
			for k, lt := range f.label {
				if k == 0 {
					lt.Space = t.Space
				}
				out = append(out, lt)
			}
			continue
		}
		spec := text[1:]
		if strings.HasPrefix(spec, "{") {
			spec = strings.TrimSuffix(spec[1:], "}")
		}
		if len(spec) > 1 && (spec[0] == '-' || spec[0] == '+') {
			cc, ok, err := p.condParam(f, spec)
			if err != nil {
				return nil, err
			}
			if !ok {
				out = append(out, t)
				continue
			}
			out = append(out, lex.Token{Kind: lex.Ident, Text: cc, Space: t.Space})
			continue
		}
		lo, hi, isParam := paramRange(spec)
		switch {
		case !isParam:
			out = append(out, t)
		case lo == 0 && hi == 0:
			out = append(out, paramCount(f, t.Space))
		default:
			out = p.appendParams(out, f, lo, hi, t.Space)
			if int64(len(out)) > p.lim.MacroTokens {
				return nil, fmt.Errorf("line too long after macro parameter substitution: more than %d tokens (--limit-macro-tokens)", p.lim.MacroTokens)
			}
		}
	}
	if err := p.charge(len(out)); err != nil {
		return nil, err
	}
	return p.glueParams(out), nil
}

// macroNames replaces %? and %?? (lexed as `%' and `?' or `??') by
// the macro's name as called and as defined.
func macroNames(toks []lex.Token, called, defined string) []lex.Token {
	var out []lex.Token
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if t.Is("%") && i+1 < len(toks) && !toks[i+1].Space {
			name := ""
			switch q := toks[i+1]; {
			case q.Is("?"):
				name = called
			case q.Kind == lex.Ident && q.Text == "??":
				name = defined
			}
			if name != "" {
				if out == nil {
					out = append([]lex.Token(nil), toks[:i]...)
				}
				out = append(out, lex.Token{Kind: lex.Ident, Text: name, Space: t.Space})
				i++
				continue
			}
		}
		if out != nil {
			out = append(out, t)
		}
	}
	if out == nil {
		return toks
	}
	return out
}

func paramCount(f *frame, space bool) lex.Token {
	return lex.Token{Kind: lex.Num, Text: strconv.Itoa(len(f.params)), Val: int64(len(f.params)), Space: space}
}

// condParam is %+N / %-N: parameter N as a condition code, kept or
// inverted. ok is false when spec is not a parameter number.
func (p *pp) condParam(f *frame, spec string) (string, bool, error) {
	k, err := strconv.Atoi(spec[1:])
	if err != nil {
		return "", false, nil
	}
	pt := p.param(f, k)
	cc := strings.ToLower(tokText(pt))
	inv, ok := ccInverse[cc]
	if len(pt) != 1 || !ok {
		return "", false, fmt.Errorf("macro parameter %d is not a condition code", k)
	}
	if spec[0] == '-' {
		cc = inv
	}
	return cc, true, nil
}

// appendParams appends parameters lo to hi (a range may run backwards),
// comma-separated.
func (p *pp) appendParams(out []lex.Token, f *frame, lo, hi int, space bool) []lex.Token {
	first := len(out)
	step := 1
	if hi < lo {
		step = -1
	}
	for k := lo; ; k += step {
		if k != lo {
			out = append(out, lex.Token{Kind: lex.Op, Text: ","})
		}
		pt := p.param(f, k)
		if k != lo && len(pt) > 0 {
			pt[0].Space = true
		}
		out = append(out, pt...)
		if k == hi {
			break
		}
	}
	if first < len(out) {
		out[first].Space = space
	}
	return out
}

// paramRange parses "N" or "N:M".
func paramRange(spec string) (int, int, bool) {
	a, b, isRange := strings.Cut(spec, ":")
	lo, err := strconv.Atoi(a)
	if err != nil || lo < 0 {
		return 0, 0, false
	}
	hi := lo
	if isRange {
		hi, err = strconv.Atoi(b)
		if err != nil || hi < 0 {
			return 0, 0, false
		}
	}
	return lo, hi, true
}

// param is a copy of parameter k (1-based, after %rotate), nil if absent.
func (p *pp) param(f *frame, k int) []lex.Token {
	n := len(f.params)
	if k < 1 || k > n {
		return nil
	}
	src := f.params[(k-1+f.rot)%n]
	out := make([]lex.Token, len(src))
	copy(out, src)
	for i := range out {
		out[i].Space = out[i].Space && i > 0
	}
	return out
}

// glueParams joins identifier and number fragments that touch without
// whitespace (`%1_end`, `..@3.%1`), which nasm does after substitution.
// As in nasm, a single-line macro among them is expanded first (`%1%2`
// of foo, bar joins foo's value and bar's), and the joined text is read
// again as tokens (it may be several: xyzzy1e+10).
func (p *pp) glueParams(toks []lex.Token) []lex.Token {
	toks = p.expandTouching(toks)
	out := toks[:0:0]
	for i := 0; i < len(toks); i++ {
		t := toks[i]
		if len(out) > 0 && !t.Space {
			prev := out[len(out)-1]
			if textWord(prev) && textWord(t) {
				g := glueWords(prev, t)
				if len(g) == 0 || len(g) == 1 && g[0].Kind == lex.Float && exponentOpen(g[0].Text) {
					// Not a token yet: the text may go on into one
					// (`%1e+%2` of 1, 36 is 1e+36).
					var end int
					g, end = readOn(prev, toks, i)
					i = end - 1
				}
				out = append(out[:len(out)-1], g...)
				n := 0
				for _, x := range g {
					n += len(x.Text)
				}
				if p.chargeBytes(n); p.fatal {
					return out
				}
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

// expandTouching replaces each parameterless single-line macro name
// written against a word by its expansion.
func (p *pp) expandTouching(toks []lex.Token) []lex.Token {
	var out []lex.Token
	for i, t := range toks {
		touching := t.Kind == lex.Ident && !t.Escaped &&
			(i > 0 && !t.Space && textWord(toks[i-1]) || i+1 < len(toks) && !toks[i+1].Space && textWord(toks[i+1]))
		var body []lex.Token
		ok := false
		if touching {
			var err error
			if body, ok, err = p.localValue(t); err != nil {
				ok = false
			}
		}
		if !ok {
			if out != nil {
				out = append(out, t)
			}
			continue
		}
		if out == nil {
			out = append([]lex.Token(nil), toks[:i]...)
		}
		out = append(out, body...)
	}
	if out == nil {
		return toks
	}
	return out
}

// glueWords joins two words' text and reads it again as tokens: one if
// it is one, else what nasm's rescan makes of it; nil if it does not
// read.
func glueWords(a, b lex.Token) []lex.Token {
	nt, err := lex.Line(tokSource(a) + tokSource(b))
	if err != nil || len(nt) == 0 {
		return nil
	}
	nt[0].Space = a.Space
	return nt
}

// readOn joins a's text with toks[i] and the tokens written against it
// after, as far as the text still reads as one token (the longest such
// reading: `1e` is a number, and so is `1e+36`); else it is an
// identifier spelled as a and toks[i] (nasm's assembler will reject it).
// It returns the tokens and the index after those it took.
func readOn(a lex.Token, toks []lex.Token, i int) ([]lex.Token, int) {
	text := tokSource(a)
	var best []lex.Token
	end := 0
	for j := i; j < len(toks) && j < i+8 && (j == i || !toks[j].Space); j++ {
		text += tokSource(toks[j])
		if nt, err := lex.Line(text); err == nil && len(nt) == 1 {
			nt[0].Space = a.Space
			best, end = nt, j+1
		}
	}
	if best != nil {
		return best, end
	}
	return []lex.Token{{Kind: lex.Ident, Text: tokSource(a) + tokSource(toks[i]), Space: a.Space}}, i + 1
}

// exponentOpen reports whether a decimal float's text ends in its
// exponent letter, so that a sign written after it continues the number
// (`%1e+%2` of 1, 36).
func exponentOpen(text string) bool {
	return strings.HasSuffix(text, "e") || strings.HasSuffix(text, "E")
}

func isWord(t lex.Token) bool { return t.Kind == lex.Ident || t.Kind == lex.Num }

// textWord is a word or a floating-point number: what makes one token
// with a word it touches when nasm's assembler reads the line's text.
func textWord(t lex.Token) bool { return isWord(t) || t.Kind == lex.Float }

// exitmacro is %exitmacro: the innermost macro call, and everything
// opened inside it, ends now.
func (p *pp) exitmacro(c call) {
	for i := len(p.frames) - 1; i >= 0; i-- {
		if p.frames[i].kind == macroFrame {
			for _, f := range p.frames[i:] {
				f.exited = true
				f.i = len(f.lines)
			}
			return
		}
	}
	p.lineErr(c.Line, "`%%exitmacro' not within a macro")
}

// rotate is %rotate N: the innermost macro call's parameters rotate
// left by N (right if negative).
func (p *pp) rotate(c call) {
	var f *frame
	for i := len(p.frames) - 1; i >= 0; i-- {
		if p.frames[i].kind == macroFrame {
			f = p.frames[i]
			break
		}
	}
	if f == nil {
		p.lineErr(c.Line, "`%%rotate' invoked outside a macro call")
		return
	}
	n, ok := p.count(c)
	if !ok {
		return
	}
	if len(f.params) > 0 {
		k := int64(len(f.params))
		f.rot = int((int64(f.rot) + n%k + k) % k)
	}
}

// count evaluates a directive's argument as a constant; ok is false (the
// error reported) on failure.
func (p *pp) count(c call) (int64, bool) {
	toks, err := p.expandPaste(c.args)
	var n int64
	if err == nil {
		n, err = p.constExpr(toks)
	}
	if err != nil {
		p.lineErr(c.Line, "%s", err)
		return 0, false
	}
	return n, true
}

// ccInverse maps each condition code to its negation, spelled as nasm's
// %-N spells it (checked with nasm -E): a -> na, na -> a, pe -> po ...
var ccInverse = map[string]string{
	"a": "na", "ae": "nae", "b": "nb", "be": "nbe", "c": "nc", "e": "ne", "g": "ng", "ge": "nge",
	"l": "nl", "le": "nle", "na": "a", "nae": "ae", "nb": "b", "nbe": "be", "nc": "c", "ne": "e",
	"ng": "g", "nge": "ge", "nl": "l", "nle": "le", "no": "o", "np": "p", "ns": "s", "nz": "z",
	"o": "no", "p": "np", "pe": "po", "po": "pe", "s": "ns", "z": "nz",
}
