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

// macro is %macro and %imacro: it starts collecting the body. A bad
// header is reported and the body still swallowed, under no name.
func (p *pp) macro(c call) {
	m, err := parseMacroHeader(c.args, c.name == "%imacro")
	if err != nil {
		p.lineErr(c.Line, "%s", err)
		m = &mmacro{max: -1}
	}
	m.def = c.Pos
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
	if m.icase {
		k := strings.ToLower(m.name)
		p.immacs[k] = append(p.immacs[k], m)
	} else {
		p.mmacs[m.name] = append(p.mmacs[m.name], m)
	}
}

// splitArgs splits multi-line macro arguments at top-level commas; braces
// group an argument that contains commas.
func splitArgs(toks []lex.Token) [][]lex.Token {
	var args [][]lex.Token
	var cur []lex.Token
	brace := 0
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
			args = append(args, trimSpace(cur))
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	return append(args, trimSpace(cur))
}

// findMmacro returns the newest overload of name taking n parameters;
// exists reports whether any overload of the name exists.
func (p *pp) findMmacro(name string, n int) (m *mmacro, exists bool) {
	list := p.mmacs[name]
	if l := p.immacs[strings.ToLower(name)]; len(l) > 0 {
		list = append(append([]*mmacro(nil), list...), l...)
	}
	if len(list) == 0 {
		return nil, false
	}
	for i := len(list) - 1; i >= 0; i-- {
		m := list[i]
		if n >= m.min && (m.max < 0 || n <= m.max || m.greedy) {
			return m, true
		}
	}
	return nil, true
}

// macroStart returns where a multi-line macro call starts in toks: 0,
// after a label (`label: macro args`, `label macro args`), or -1 if the
// line calls none.
func (p *pp) macroStart(toks []lex.Token) int {
	if toks[0].Kind != lex.Ident || toks[0].Escaped {
		return -1
	}
	if _, exists := p.findMmacro(toks[0].Text, 0); exists {
		return 0
	}
	j := 1
	if j < len(toks) && toks[j].Is(":") {
		j++
	}
	if j < len(toks) && toks[j].Kind == lex.Ident && !toks[j].Escaped {
		if _, ok := p.findMmacro(toks[j].Text, 0); ok {
			return j
		}
	}
	return -1
}

// callMacro expands a multi-line macro invocation, if toks is one.
func (p *pp) callMacro(l Line, toks []lex.Token) bool {
	start := p.macroStart(toks)
	if start < 0 {
		return false
	}
	name := toks[start].Text
	var args [][]lex.Token
	if start+1 < len(toks) {
		args = splitArgs(toks[start+1:])
	}
	m, _ := p.findMmacro(name, len(args))
	if m == nil {
		p.lineErr(l, "macro `%s' exists, but not taking %d parameter(s)", name, len(args))
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
			p.emit(Line{Pos: l.Pos, Toks: toks[:start], Macro: l.Macro, Def: l.Def, Src: l.Src, Indented: l.Indented, TrailingSpace: toks[start].Space})
		}
	}
	if m.max >= 0 && len(args) > m.max && m.greedy {
		args = greedyArgs(m, args, toks[start+1:])
	}
	for k := len(args); k < m.min+len(m.defaults); k++ {
		args = append(args, m.defaults[k-m.min])
	}
	p.mdepth++
	p.frames = append(p.frames, &frame{kind: macroFrame, lines: m.body, mac: m, params: args, label: label, uniq: p.uniq, call: l.Pos, callSrc: l.Src, conds: len(p.conds)})
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
		if t.Kind == lex.PP {
			has = true
			break
		}
	}
	if !has {
		return toks, nil
	}
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
func (p *pp) glueParams(toks []lex.Token) []lex.Token {
	out := toks[:0:0]
	for _, t := range toks {
		if len(out) > 0 && !t.Space {
			prev := out[len(out)-1]
			if isWord(prev) && isWord(t) {
				g := glue(prev, t)
				out[len(out)-1] = g
				if p.chargeBytes(len(g.Text)); p.fatal {
					return out
				}
				continue
			}
		}
		out = append(out, t)
	}
	return out
}

func isWord(t lex.Token) bool { return t.Kind == lex.Ident || t.Kind == lex.Num }

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
