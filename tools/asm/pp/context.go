package pp

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// context is one level of %push/%pop: %$name in it means ..@<id>.name.
type context struct {
	name string
	id   int
}

// contextName reads the optional context name of %push and %repl.
func (p *pp) contextName(c call) (string, bool) {
	if len(c.args) == 0 {
		return "", true
	}
	if len(c.args) != 1 || c.args[0].Kind != lex.Ident {
		p.lineErr(c.Line, "`%s' expects a context name", c.Toks[0].Text)
		return "", false
	}
	return c.args[0].Text, true
}

// push is %push [name]: a new context on the stack.
func (p *pp) push(c call) {
	name, ok := p.contextName(c)
	if !ok {
		return
	}
	if int64(len(p.ctx)) >= p.lim.MacroLevels {
		p.lineErr(c.Line, "context stack too deep")
		return
	}
	p.ctx = append(p.ctx, context{name: name, id: p.uniq})
	p.uniq++
}

// repl is %repl [name]: the top context is renamed.
func (p *pp) repl(c call) {
	name, ok := p.contextName(c)
	if !ok {
		return
	}
	if len(p.ctx) == 0 {
		p.lineErr(c.Line, "`%%repl': context stack is empty")
		return
	}
	p.ctx[len(p.ctx)-1].name = name
}

// pop is %pop [name]: the top context goes; a name that is not the top
// context's is an error.
func (p *pp) pop(c call) {
	if len(p.ctx) == 0 {
		p.lineErr(c.Line, "`%%pop': context stack is already empty")
		return
	}
	top := p.ctx[len(p.ctx)-1].name
	if len(c.args) == 1 && c.args[0].Kind == lex.Ident && c.args[0].Text != top {
		p.lineErr(c.Line, "`%%pop' in wrong context: %s, expected %s", top, c.args[0].Text)
	}
	p.ctx = p.ctx[:len(p.ctx)-1]
}

// condCtx is %ifctx name...: whether the top context has one of the names.
func (p *pp) condCtx(_ Line, args []lex.Token) (bool, error) {
	if len(p.ctx) == 0 {
		return false, nil
	}
	top := p.ctx[len(p.ctx)-1].name
	for _, a := range args {
		if a.Kind == lex.Ident && a.Text == top {
			return true, nil
		}
	}
	return false, nil
}

// contextLocals rewrites %$name (and %$$name for the enclosing context)
// into a name unique to the context on the %push stack.
func (p *pp) contextLocals(toks []lex.Token) ([]lex.Token, error) {
	var out []lex.Token
	for i, t := range toks {
		name, ok := contextLocal(t)
		if !ok {
			if out != nil {
				out = append(out, t)
			}
			continue
		}
		if out == nil {
			out = append([]lex.Token(nil), toks[:i]...)
		}
		depth := 1
		for strings.HasPrefix(name, "$") {
			name = name[1:]
			depth++
		}
		if len(p.ctx) < depth {
			return nil, fmt.Errorf("`%s': context stack is empty", t.Text)
		}
		c := p.ctx[len(p.ctx)-depth]
		// A context-local single-line macro touching a word is expanded
		// before the two are joined (`%{$name}%1`): glueParams.
		out = append(out, lex.Token{Kind: lex.Ident, Text: fmt.Sprintf("..@%d.%s", c.id, name), Space: t.Space})
	}
	if out == nil {
		return toks, nil
	}
	return p.glueParams(out), nil
}

// contextLocal is the name after "%$" of a context-local token, %$name
// or its braced form %{$name}.
func contextLocal(t lex.Token) (string, bool) {
	if t.Kind != lex.PP {
		return "", false
	}
	if strings.HasPrefix(t.Text, "%{$") && strings.HasSuffix(t.Text, "}") {
		return t.Text[3 : len(t.Text)-1], true
	}
	if strings.HasPrefix(t.Text, "%$") {
		return t.Text[2:], true
	}
	return "", false
}

// localValue is the expansion of the parameterless single-line macro
// named by t, if there is one.
func (p *pp) localValue(t lex.Token) ([]lex.Token, bool, error) {
	for _, m := range p.lookupSmacro(t.Text) {
		if m.nparams != -1 {
			continue
		}
		body, err := p.expand(append([]lex.Token(nil), m.body...))
		if err != nil || len(body) == 0 {
			return nil, false, err
		}
		body = append([]lex.Token(nil), body...)
		body[0].Space = t.Space
		return body, true, nil
	}
	return nil, false, nil
}
