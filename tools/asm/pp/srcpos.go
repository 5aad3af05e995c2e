package pp

import (
	"math"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// This file holds what only debugging information reads (Line.Src): the
// %line mapping and the .nolist rule. Diagnostics keep physical
// positions.

// lineMap is a file's %line mapping: the k-th line after the directive
// (at physical line at) is line n + k*step of file, as nasm 2.16 numbers
// them when it assembles.
type lineMap struct {
	at      int
	n, step int64
	file    string
}

// apply maps a physical position of the file.
func (m *lineMap) apply(pos Pos) Pos {
	if m == nil {
		return pos
	}
	return Pos{File: m.file, Line: int(m.n + int64(pos.Line-m.at)*m.step)}
}

// srcPos is Line.Src of raw line l read through frames: l's own (mapped)
// position, unless a .nolist macro's expansion encloses it; then the
// invocation of that macro (itself already attributed to any .nolist
// expansion enclosing it).
func srcPos(l srcLine, frames []*frame) Pos {
	for i := len(frames) - 1; i >= 0; i-- {
		if f := frames[i]; f.kind == macroFrame && f.mac.nolist {
			return f.callSrc
		}
	}
	return l.src
}

// lineDirective reads `%line n[+m] [file]` into the current file's
// mapping. Only a directive read straight from a file maps it; one that
// is not of that form is ignored, as before.
func (p *pp) lineDirective(c call) {
	args := c.args
	f := p.top()
	if p.opts.NoLine || f.kind != fileFrame || f.last.Line == 0 || len(args) == 0 || args[0].Kind != lex.Num || args[0].Val < 0 || args[0].Val > math.MaxInt32 {
		return
	}
	m := &lineMap{at: f.last.Line, n: args[0].Val, step: 1}
	rest := args[1:]
	if len(rest) >= 2 && rest[0].Is("+") && !rest[1].Space {
		if rest[1].Kind != lex.Num || rest[1].Val < 0 || rest[1].Val > math.MaxInt32 {
			return
		}
		m.step, rest = rest[1].Val, rest[2:]
	}
	m.file = f.fileName()
	if len(rest) == 1 && rest[0].Kind == lex.Str {
		m.file = rest[0].Str
	} else if len(rest) > 0 {
		var b strings.Builder
		for i, t := range rest {
			if i > 0 && t.Space {
				b.WriteByte(' ')
			}
			b.WriteString(t.Text)
		}
		m.file = b.String()
	}
	f.lineMap = m
}

// fileName is the name positions in file frame f carry now.
func (f *frame) fileName() string {
	if f.lineMap != nil {
		return f.lineMap.file
	}
	return f.name
}
