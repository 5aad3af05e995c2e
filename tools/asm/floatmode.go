package asm

import (
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
)

// floatState is nasm's `float' directive state: the rounding mode and
// denormals-as-zero that floating-point constants are encoded under.
//
// nasm keeps it from one pass to the next, so constants before the first
// `float' directive take the mode the file leaves at its end. tiny
// encodes them as it reads them (in the default mode) and refuses a file
// where that would differ, rather than give other bytes.
type floatState struct {
	mode    lex.FloatMode
	seen    bool   // a `float' directive has been read
	early   bool   // a constant was encoded before any
	lastPos pp.Pos // the last directive that changed the mode
}

var floatOptions = map[string]func(*lex.FloatMode){
	"daz":     func(m *lex.FloatMode) { m.DAZ = true },
	"nodaz":   func(m *lex.FloatMode) { m.DAZ = false },
	"near":    func(m *lex.FloatMode) { m.Round = lex.RoundNear },
	"up":      func(m *lex.FloatMode) { m.Round = lex.RoundUp },
	"down":    func(m *lex.FloatMode) { m.Round = lex.RoundDown },
	"zero":    func(m *lex.FloatMode) { m.Round = lex.RoundZero },
	"default": func(m *lex.FloatMode) { *m = lex.FloatMode{} },
}

// floatDirective is `float daz|nodaz|near|up|down|zero|default`.
func (p *parser) floatDirective(_ string, args []lex.Token) {
	if len(args) == 0 {
		p.errorf("`float' expects an option (daz, nodaz, near, up, down, zero or default)")
		return
	}
	v := lex.Join(args)
	set := floatOptions[strings.ToLower(v)]
	if set == nil || len(args) != 1 {
		p.errorf("unknown 'float' directive: %s", v)
		return
	}
	p.float.seen = true
	before := p.float.mode
	set(&p.float.mode)
	if p.float.mode != before {
		p.float.lastPos = p.pos
	}
}

// floatMode is the mode a constant is encoded under now.
func (p *parser) floatMode() lex.FloatMode {
	if !p.float.seen {
		p.float.early = true
	}
	return p.float.mode
}

// floatModeEnd refuses a file whose constants before its first `float'
// directive would, in nasm, take a mode other than the default.
func (p *parser) floatModeEnd() {
	if p.float.early && p.float.mode != (lex.FloatMode{}) {
		p.a.diags = append(p.a.diags, pp.Diag{Pos: p.float.lastPos, Seq: p.a.lineSeq,
			Msg: "floating-point constants before the first `float' directive would take the mode this one leaves (nasm keeps it into the next pass): not supported; end the file with `float default'"})
	}
}
