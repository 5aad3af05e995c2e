package pp

import (
	"fmt"
	"math"
	"strconv"
	"strings"
	"sync"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// smacro is a single-line macro. Macros of one name with different
// parameter counts coexist (overloads).
type smacro struct {
	name    string
	nparams int // -1: no parameter list
	params  []string
	index   map[string]int // params' positions, for long lists
	body    []lex.Token
	icase   bool
	flags   []paramFlags // each parameter's, nil if none has any
}

// paramFlags are what a %define parameter's decorations ask of its
// argument: =a evaluates it, &a makes it a string, &&a too unless it is
// one, !a keeps its braces; a+ (the last) takes the rest of the
// arguments, commas and all, and may be left out.
type paramFlags uint8

const (
	paramEval paramFlags = 1 << iota
	paramStr
	paramCondQuote
	paramNoStrip
	paramGreedy
)

// greedy reports whether m's last parameter takes the rest.
func (m *smacro) greedy() bool {
	return len(m.flags) > 0 && m.flags[len(m.flags)-1]&paramGreedy != 0
}

// takes reports whether m accepts a call with n arguments.
func (m *smacro) takes(n int) bool {
	if m.greedy() {
		return n >= m.nparams-1
	}
	return n == m.nparams
}

// param returns the position of parameter name, or -1.
func (m *smacro) param(name string) int {
	if m.index != nil {
		if k, ok := m.index[name]; ok {
			return k
		}
		return -1
	}
	return indexOf(m.params, name)
}

// commandLineDefines installs the standard macros, then the -D
// arguments.
func (p *pp) commandLineDefines() {
	for i, d := range append(append([]string(nil), p.opts.Predefines...), p.opts.Defines...) {
		var toks []lex.Token
		if i < len(p.opts.Predefines) {
			toks = predefined.tokens(d)
		} else {
			toks = defineTokens(d)
		}
		if len(toks) == 0 {
			p.errorf(Pos{"command line", 0}, "invalid -D argument `%s'", d)
			continue
		}
		p.smacs[toks[0].Text] = []*smacro{{name: toks[0].Text, nparams: -1, body: toks[1:]}}
	}
}

// defineTokens lexes NAME=VALUE as a -D does: the name, then the body
// with no space before its first token; nil if it is not a definition.
func defineTokens(d string) []lex.Token {
	name, val, _ := strings.Cut(d, "=")
	toks, err := lex.Line(name + " " + val)
	if err != nil || len(toks) == 0 || toks[0].Kind != lex.Ident {
		return nil
	}
	if len(toks) > 1 {
		toks[1].Space = false
	}
	return toks
}

// predefined keeps the lexed standard macros (__?NASM_VERSION_ID?__ and
// the like, the same few on every run) for the process: a persistent
// worker would lex them again for every request. Each run gets its own
// copy. The cache is bounded, since some values (__?DATE?__ from
// SOURCE_DATE_EPOCH) can vary from run to run.
var predefined = &tokenCache{m: map[string][]lex.Token{}}

type tokenCache struct {
	sync.Mutex
	m map[string][]lex.Token
}

const maxPredefined = 256

func (c *tokenCache) tokens(d string) []lex.Token {
	c.Lock()
	toks, ok := c.m[d]
	c.Unlock()
	if !ok {
		toks = defineTokens(d)
		c.Lock()
		if len(c.m) < maxPredefined {
			c.m[d] = toks
		}
		c.Unlock()
	}
	return append([]lex.Token(nil), toks...)
}

func (p *pp) lookupSmacro(name string) []*smacro {
	name = p.resolve(name)
	if l := p.smacs[name]; len(l) > 0 {
		return l
	}
	if l := p.ismacs[strings.ToLower(name)]; len(l) > 0 {
		return l
	}
	return nil
}

// setSmacro defines m, replacing the overload with the same parameter
// count.
func (p *pp) setSmacro(m *smacro) {
	m.name = p.resolve(m.name)
	if m.icase {
		k := strings.ToLower(m.name)
		p.ismacs[k] = replaceOverload(p.ismacs[k], m)
		return
	}
	p.smacs[m.name] = replaceOverload(p.smacs[m.name], m)
}

func replaceOverload(list []*smacro, m *smacro) []*smacro {
	out := list[:0:0]
	for _, o := range list {
		if o.nparams != m.nparams {
			out = append(out, o)
		}
	}
	return append(out, m)
}

// setValue defines a parameterless macro with the given body.
func (p *pp) setValue(name string, body []lex.Token, icase bool) {
	p.setSmacro(&smacro{name: name, nparams: -1, body: body, icase: icase})
}

// caseless reports an %i... variant.
func caseless(name string) bool { return strings.HasPrefix(name, "%i") }

// define is %define, %idefine, %xdefine and %ixdefine: NAME[(params)] body.
// The x forms expand the body now instead of at each use.
func (p *pp) define(c call) {
	args := c.args
	if len(args) == 0 || args[0].Kind != lex.Ident {
		p.lineErr(c.Line, "`%s' expects a macro identifier", c.Toks[0].Text)
		return
	}
	m := &smacro{name: args[0].Text, nparams: -1, icase: caseless(c.name)}
	rest := args[1:]
	if len(rest) > 0 && rest[0].Is("(") && !rest[0].Space {
		m.nparams = 0
		i := 1
		var fl paramFlags
		for ; i < len(rest); i++ {
			t := rest[i]
			if t.Is(")") {
				break
			}
			switch {
			case t.Is(","):
				continue
			case t.Is("="):
				fl |= paramEval
				continue
			case t.Is("&"):
				fl |= paramStr
				continue
			case t.Is("&&"):
				fl |= paramStr | paramCondQuote
				continue
			case t.Is("!"):
				fl |= paramNoStrip
				continue
			}
			if t.Kind != lex.Ident || m.greedy() {
				p.lineErr(c.Line, "parameter identifier expected in `%s'", c.Toks[0].Text)
				return
			}
			if i+1 < len(rest) && rest[i+1].Is("+") {
				fl |= paramGreedy
				i++
			}
			m.params = append(m.params, t.Text)
			if fl != 0 && m.flags == nil {
				m.flags = make([]paramFlags, m.nparams, m.nparams+1)
			}
			if m.flags != nil {
				m.flags = append(m.flags, fl)
			}
			fl = 0
			m.nparams++
		}
		if i >= len(rest) {
			p.lineErr(c.Line, "`)' expected to terminate macro parameter list")
			return
		}
		rest = rest[i+1:]
		if len(m.params) > 8 {
			// Substitution looks every body name up: keep that linear.
			m.index = make(map[string]int, len(m.params))
			for k := len(m.params) - 1; k >= 0; k-- {
				m.index[m.params[k]] = k
			}
		}
	}
	body := append([]lex.Token(nil), rest...)
	if len(body) > 0 {
		body[0].Space = false
	}
	if c.name == "%xdefine" || c.name == "%ixdefine" {
		// The parameters are not macros here: they are hidden from
		// the expansion (but pasted, as in nasm, by their names).
		hideParams(m, body, true)
		var err error
		body, err = p.expandPaste(body)
		if err != nil {
			p.lineErr(c.Line, "%s", err)
			return
		}
		body = append([]lex.Token(nil), body...)
		hideParams(m, body, false)
	}
	m.body = body
	p.setSmacro(m)
}

// hideParams marks (hide) the identifiers in body that name one of m's
// parameters so that no macro matches them, or (!hide) removes the mark.
func hideParams(m *smacro, body []lex.Token, hide bool) {
	if m.nparams <= 0 {
		return
	}
	for i, t := range body {
		switch {
		case t.Kind != lex.Ident:
		case hide && m.param(t.Text) >= 0:
			body[i].Text = "\x00" + t.Text
		case !hide && strings.Contains(t.Text, "\x00"):
			body[i].Text = strings.ReplaceAll(t.Text, "\x00", "")
		}
	}
}

// undef is %undef and %iundef; both remove every overload of the name
// in either case sensitivity.
func (p *pp) undef(c call) {
	if len(c.args) != 1 || c.args[0].Kind != lex.Ident {
		p.lineErr(c.Line, "`%s' expects a macro name", c.Toks[0].Text)
		return
	}
	name := p.resolve(c.args[0].Text)
	delete(p.smacs, name)
	delete(p.ismacs, strings.ToLower(name))
}

// expandArgs expands and pastes the tokens after the macro name; ok is
// false (the error reported) on failure.
func (p *pp) expandArgs(c call) ([]lex.Token, bool) {
	toks, err := p.expandPaste(c.args[1:])
	if err != nil {
		p.lineErr(c.Line, "%s", err)
		return nil, false
	}
	return toks, true
}

// assign is %assign and %iassign: NAME expression, evaluated now.
func (p *pp) assign(c call) {
	if len(c.args) < 2 || c.args[0].Kind != lex.Ident {
		p.lineErr(c.Line, "`%s' expects a macro name and an expression", c.Toks[0].Text)
		return
	}
	toks, ok := p.expandArgs(c)
	if !ok {
		return
	}
	v, err := p.constExpr(toks)
	if err != nil {
		p.lineErr(c.Line, "%s", err)
		return
	}
	p.setValue(c.args[0].Text, numToken(v), c.name == "%iassign")
}

// strlen is %strlen NAME 'string'.
func (p *pp) strlen(c call) {
	if len(c.args) < 2 || c.args[0].Kind != lex.Ident {
		p.lineErr(c.Line, "`%%strlen' expects a macro name and a string")
		return
	}
	toks, err := p.expand(c.args[1:])
	if err != nil || len(toks) != 1 || toks[0].Kind != lex.Str {
		p.lineErr(c.Line, "`%%strlen' requires a string")
		return
	}
	p.setValue(c.args[0].Text, numToken(int64(len(toks[0].Str))), false)
}

// defstr is %defstr and %idefstr: NAME text, the text made a string.
func (p *pp) defstr(c call) {
	if len(c.args) < 1 || c.args[0].Kind != lex.Ident {
		p.lineErr(c.Line, "`%s' expects a macro name", c.Toks[0].Text)
		return
	}
	toks, ok := p.expandArgs(c)
	if !ok {
		return
	}
	text := strings.TrimLeft(lex.Join(toks), " ")
	p.chargeBytes(len(text))
	p.setValue(c.args[0].Text, []lex.Token{strToken(text)}, c.name == "%idefstr")
}

// strcat is %strcat NAME 'a', 'b', ...
func (p *pp) strcat(c call) {
	if len(c.args) < 2 || c.args[0].Kind != lex.Ident {
		p.lineErr(c.Line, "`%%strcat' expects a macro name and strings")
		return
	}
	toks, err := p.expand(c.args[1:])
	if err != nil {
		p.lineErr(c.Line, "%s", err)
		return
	}
	var b strings.Builder
	for i, t := range toks {
		if i%2 == 1 {
			if !t.Is(",") {
				p.lineErr(c.Line, "`%%strcat': comma expected between strings")
				return
			}
			continue
		}
		if t.Kind != lex.Str {
			p.lineErr(c.Line, "`%%strcat' requires strings")
			return
		}
		b.WriteString(t.Str)
	}
	p.chargeBytes(b.Len())
	p.setValue(c.args[0].Text, []lex.Token{strToken(b.String())}, false)
}

// substr is %substr NAME 'string' [,] start [[,] count], parsed as nasm
// 2.16 does: the string (a macro may give it), an optional comma, the
// start expression, then whatever token ended it is dropped and the rest
// is the count (1 if there is none; negative counts from the end). So
// `2,-1` and `2 3` (a count of 1: the 3 ends the start) both parse.
func (p *pp) substr(c call) {
	if len(c.args) < 1 || c.args[0].Kind != lex.Ident {
		p.lineErr(c.Line, "`%%substr' expects a macro identifier")
		return
	}
	toks, ok := p.expandArgs(c)
	if !ok {
		return
	}
	if len(toks) == 0 || toks[0].Kind != lex.Str {
		p.lineErr(c.Line, "`%%substr' requires a string as parameter")
		return
	}
	str, rest := toks[0].Str, toks[1:]
	if len(rest) > 0 && rest[0].Is(",") {
		rest = rest[1:]
	}
	if len(rest) == 0 {
		p.lineErr(c.Line, "`%%substr' requires a starting index")
		return
	}
	start, end, err := p.constPrefix(rest)
	count := int64(1)
	if err == nil && end+1 < len(rest) {
		count, _, err = p.constPrefix(rest[end+1:])
	}
	if err != nil {
		p.lineErr(c.Line, "%s", err)
		return
	}
	sub := substring(str, start, count)
	p.chargeBytes(len(sub))
	p.setValue(c.args[0].Text, []lex.Token{strToken(sub)}, false)
}

// deftok is %deftok and %ideftok: NAME 'string', the string's contents
// lexed as the body.
func (p *pp) deftok(c call) {
	if len(c.args) < 2 || c.args[0].Kind != lex.Ident {
		p.lineErr(c.Line, "`%s' expects a macro name and a string", c.Toks[0].Text)
		return
	}
	toks, err := p.expand(c.args[1:])
	if err != nil || len(toks) != 1 || toks[0].Kind != lex.Str {
		p.lineErr(c.Line, "`%s' requires a string", c.Toks[0].Text)
		return
	}
	body, err := lex.LineMax(toks[0].Str, int(min(p.lim.MacroTokens, math.MaxInt32)))
	if err == lex.ErrTooManyTokens {
		err = fmt.Errorf("more than %d tokens (--limit-macro-tokens)", p.lim.MacroTokens)
	}
	if err != nil {
		p.lineErr(c.Line, "`%s': %s", c.Toks[0].Text, err)
		return
	}
	if len(body) > 0 {
		body[0].Space = false
	}
	p.setValue(c.args[0].Text, body, c.name == "%ideftok")
}

func numToken(v int64) []lex.Token {
	if v < 0 {
		return []lex.Token{{Kind: lex.Op, Text: "-"}, {Kind: lex.Num, Text: strconv.FormatUint(uint64(-v), 10), Val: -v}}
	}
	return []lex.Token{{Kind: lex.Num, Text: strconv.FormatInt(v, 10), Val: v}}
}

// strToken makes a string token for s, quoted the way nasm would print it.
func strToken(s string) lex.Token {
	var text string
	switch {
	case !strings.Contains(s, "'"):
		text = "'" + s + "'"
	case !strings.Contains(s, "\""):
		text = "\"" + s + "\""
	default:
		var b strings.Builder
		b.WriteByte('`')
		for i := 0; i < len(s); i++ {
			c := s[i]
			if c == '`' || c == '\\' {
				b.WriteByte('\\')
			}
			b.WriteByte(c)
		}
		b.WriteByte('`')
		text = b.String()
	}
	return lex.Token{Kind: lex.Str, Text: text, Str: s}
}
