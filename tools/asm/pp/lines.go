package pp

import (
	"math"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// srcLine is one logical source line; it is lexed when first read.
type srcLine struct {
	pos   Pos
	text  string
	toks  []lex.Token
	lexed bool
}

type frameKind uint8

const (
	fileFrame frameKind = iota
	macroFrame
	repFrame
)

// frame is one level of the input stack: a file, a multi-line macro call
// or a %rep block, each read line by line.
type frame struct {
	kind  frameKind
	lines []srcLine
	i     int
	conds int // height of the condition stack at entry

	// macro frames
	mac    *mmacro
	params [][]lex.Token
	rot    int
	uniq   int
	call   Pos // invocation position reported for every line

	// rep frames
	count, iter int64
	exited      bool
}

// splitLines splits source text into logical lines, joining lines that
// end in a backslash as nasm does.
func splitLines(file string, data []byte) []srcLine {
	s := string(data)
	out := make([]srcLine, 0, strings.Count(s, "\n")+1)
	lineNo := 0
	var cont strings.Builder
	contStart := 0
	for len(s) > 0 || cont.Len() > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		lineNo++
		line = strings.TrimSuffix(line, "\r")
		if strings.HasSuffix(line, "\\") && len(s) > 0 {
			if cont.Len() == 0 {
				contStart = lineNo
			}
			cont.WriteString(line[:len(line)-1])
			continue
		}
		start := lineNo
		if cont.Len() > 0 {
			cont.WriteString(line)
			line = cont.String()
			cont.Reset()
			start = contStart
		}
		out = append(out, srcLine{pos: Pos{file, start}, text: line})
		if len(s) == 0 {
			break
		}
	}
	return out
}

func (p *pp) pushFile(name string, data []byte) {
	lines := splitLines(name, data)
	if p.res.Lines == nil && p.opts.Emit == nil {
		// The main file's line count is a good first guess at the output's.
		p.res.Lines = make([]Line, 0, len(lines))
	}
	p.frames = append(p.frames, &frame{kind: fileFrame, lines: lines, conds: len(p.conds)})
	p.incDepth++
}

func (p *pp) top() *frame { return p.frames[len(p.frames)-1] }

// next returns the next raw line, popping finished frames.
func (p *pp) next() (srcLine, bool) {
	for len(p.frames) > 0 {
		f := p.top()
		if f.i < len(f.lines) && !f.exited {
			if p.nlines++; p.nlines > p.lim.Lines {
				p.overLimit(f.lines[f.i].pos, "more than %d lines processed (--limit-lines)", p.lim.Lines)
				return srcLine{}, false
			}
			return p.read(f), true
		}
		if f.kind == repFrame && !f.exited && f.iter+1 < f.count {
			f.iter++
			f.i = 0
			continue
		}
		p.leave(f)
	}
	return srcLine{}, false
}

// read returns frame f's next line, lexed.
func (p *pp) read(f *frame) srcLine {
	l := &f.lines[f.i]
	f.i++
	if !l.lexed {
		toks, err := lex.LineMax(l.text, int(min(p.lim.MacroTokens, math.MaxInt32)))
		l.toks, l.lexed = toks, true
		switch {
		case err == lex.ErrTooManyTokens:
			p.errorf(l.pos, "line too long: more than %d tokens (--limit-macro-tokens)", p.lim.MacroTokens)
		case err != nil && !p.skipping():
			p.errorf(l.pos, "%s", err)
		}
		if err != nil {
			l.toks = nil
		}
	}
	if f.kind != fileFrame {
		// Replayed lines are what macros multiply.
		if p.ntokens += int64(len(l.toks)); p.ntokens > p.lim.Tokens {
			p.tooManyTokens(l.pos)
		}
	}
	out := *l
	if f.kind == fileFrame {
		// A file's lines are read once: keeping their tokens here
		// would hold a second copy of the whole file until its end.
		l.toks = nil
	}
	return out
}

// leave pops the finished frame f; conditionals opened inside it must
// have been closed.
func (p *pp) leave(f *frame) {
	if len(p.conds) > f.conds {
		if f.kind == fileFrame {
			var last Pos
			if len(f.lines) > 0 {
				last = f.lines[len(f.lines)-1].pos
			}
			p.errorf(last, "expected `%%endif' before end of file")
		}
		p.conds = p.conds[:f.conds]
	}
	if f.kind == fileFrame {
		p.incDepth--
	}
	if f.kind == macroFrame {
		if p.mdepth--; p.mdepth == 0 {
			p.mcalls = 0 // back at the top level
		}
	}
	p.frames = p.frames[:len(p.frames)-1]
}

func (p *pp) tooManyTokens(pos Pos) {
	p.overLimit(pos, "macros and %%rep blocks generate more than %d tokens (--limit-tokens)", p.lim.Tokens)
}

// lineInfo is the position, macro name and definition position reported
// for line l: a line of a macro expansion is reported at the outermost
// macro call.
func lineInfo(l srcLine, frames []*frame) (Pos, string, Pos) {
	for _, f := range frames {
		if f.kind == macroFrame {
			return f.call, f.mac.name, l.pos
		}
	}
	return l.pos, "", Pos{}
}

// macroFrame is the innermost macro expansion the current line belongs to
// (through %rep blocks, not through included files).
func (p *pp) macroFrame() *frame {
	for i := len(p.frames) - 1; i >= 0; i-- {
		switch p.frames[i].kind {
		case macroFrame:
			return p.frames[i]
		case fileFrame:
			return nil
		}
	}
	return nil
}
