package pp

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// stackFrame is what %stacksize sets for %arg and %local (TASM's ARG and
// LOCAL): the slot size, the frame pointer, and where the next argument
// and local go. The zero value is nasm's default, flat.
type stackFrame struct {
	set                    bool
	slot                   int64
	bp                     string
	argOffset, localOffset int64
}

func (s *stackFrame) get() *stackFrame {
	if !s.set {
		*s = stackFrame{set: true, slot: 4, bp: "ebp", argOffset: 8}
	}
	return s
}

var stackSizes = map[string]stackFrame{
	"flat":   {true, 4, "ebp", 8, 0},
	"flat64": {true, 8, "rbp", 16, 0},
	"large":  {true, 2, "bp", 4, 0},
	"small":  {true, 2, "bp", 6, 0},
}

// stacksize is %stacksize flat|flat64|large|small.
func (p *pp) stacksize(c call) {
	if len(c.args) == 0 || c.args[0].Kind != lex.Ident {
		p.lineErr(c.Line, "`%s' missing size parameter", c.Toks[0].Text)
		return
	}
	s, ok := stackSizes[strings.ToLower(c.args[0].Text)]
	if !ok {
		p.lineErr(c.Line, "`%s' invalid size type", c.Toks[0].Text)
		return
	}
	p.stack = s
}

// sizeNames are the size keywords %arg and %local take, in bytes.
var sizeNames = map[string]int64{"byte": 1, "word": 2, "dword": 4, "qword": 8, "tword": 10, "oword": 16, "yword": 32, "zword": 64}

// stackVars parses %arg's and %local's `name:size, ...` list into each
// name and its size rounded up to whole stack slots; ok is false after
// an error.
func (p *pp) stackVars(c call) (names []string, sizes []int64, ok bool) {
	s := p.stack.get()
	args := c.args
	for {
		if len(args) == 0 || args[0].Kind != lex.Ident {
			p.lineErr(c.Line, "`%s' missing argument parameter", c.Toks[0].Text)
			return nil, nil, false
		}
		if len(args) < 2 || !args[1].Is(":") {
			p.lineErr(c.Line, "syntax error processing `%s' directive", c.Toks[0].Text)
			return nil, nil, false
		}
		if len(args) < 3 || args[2].Kind != lex.Ident {
			p.lineErr(c.Line, "`%s' missing size type parameter", c.Toks[0].Text)
			return nil, nil, false
		}
		// The size may be a macro.
		st, err := p.expand([]lex.Token{{Kind: lex.Ident, Text: args[2].Text}})
		size := int64(0)
		if err == nil && len(st) == 1 {
			size = sizeNames[strings.ToLower(st[0].Text)]
		}
		if size == 0 {
			p.lineErr(c.Line, "invalid size type for `%s' missing directive", c.Toks[0].Text)
			return nil, nil, false
		}
		names = append(names, args[0].Text)
		sizes = append(sizes, (size+s.slot-1)/s.slot*s.slot)
		args = args[3:]
		if len(args) == 0 || !args[0].Is(",") {
			return names, sizes, true
		}
		args = args[1:]
	}
}

// stackMacro defines name as (bp+offset).
func (p *pp) stackMacro(name string, off int64) {
	body := []lex.Token{{Kind: lex.Op, Text: "("}, {Kind: lex.Ident, Text: p.stack.get().bp}}
	if off >= 0 {
		body = append(body, lex.Token{Kind: lex.Op, Text: "+"})
	}
	body = append(append(body, numToken(off)...), lex.Token{Kind: lex.Op, Text: ")"})
	p.setValue(name, body, false)
}

// arg is %arg name:size, ...: each name is its argument's place above
// the frame pointer. After an error the names before it are defined,
// but (as in nasm) the next %arg starts where this one did.
func (p *pp) arg(c call) {
	names, sizes, ok := p.stackVars(c)
	s := p.stack.get()
	off := s.argOffset
	for k, n := range names {
		p.stackMacro(n, off)
		off += sizes[k]
	}
	if ok {
		s.argOffset = off
	}
}

// local is %local name:size, ...: each name is its variable's place
// below the frame pointer, and the context's %$localsize grows by their
// total.
func (p *pp) local(c call) {
	names, sizes, ok := p.stackVars(c)
	s := p.stack.get()
	off, total := s.localOffset, int64(0)
	for k, n := range names {
		off += sizes[k]
		p.stackMacro(n, -off)
		total += sizes[k]
	}
	if !ok {
		return
	}
	ls, err := p.contextLocals([]lex.Token{{Kind: lex.PP, Text: "%$localsize"}})
	if err == nil {
		var toks []lex.Token
		toks, err = p.expand(append(ls, lex.Token{Kind: lex.Op, Text: "+"}, lex.Token{Kind: lex.Num, Text: fmt.Sprint(total), Val: total}))
		if err == nil {
			var v int64
			if v, err = p.constExpr(toks); err == nil {
				p.setValue(ls[0].Text, numToken(v), false)
			}
		}
	}
	if err != nil {
		p.lineErr(c.Line, "%s", err)
	}
	s.localOffset = off
}
