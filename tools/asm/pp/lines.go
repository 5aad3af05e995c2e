package pp

import (
	"math"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// srcLine is one logical source line; it is lexed when first read.
type srcLine struct {
	pos   Pos
	src   Pos // pos after the file's %line mapping, set when read from the file
	text  string
	toks  []lex.Token
	lexed bool
	// indented: the line started with blanks (kept for bodies, whose
	// text is not)
	indented bool
}

func (l *srcLine) isIndented() bool {
	return l.indented || l.text != "" && (l.text[0] == ' ' || l.text[0] == '\t')
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
	lines []srcLine // macro and %rep bodies
	i     int
	conds int // height of the condition stack at entry

	// file frames: split as read, so a file is held once, as text
	name    string
	src     *lex.Splitter
	last    Pos      // the line last read
	replay  bool     // the file was included before: its lines count as Tokens
	lineMap *lineMap // the last %line directive's mapping, if any

	// macro frames
	mac    *mmacro
	params [][]lex.Token
	label  []lex.Token // the call's label (%00), if any
	rot    int
	uniq   int
	called string // the name the call was written with (%?)
	call   Pos    // invocation position reported for every line
	// callSrc is the invoking line's Src: where a .nolist macro's lines
	// are attributed.
	callSrc Pos

	// rep frames
	count, iter int64
	exited      bool
}

func (p *pp) pushFile(name string, data []byte) {
	p.frames = append(p.frames, &frame{kind: fileFrame, name: name, src: lex.NewSplitter(string(data)), conds: len(p.conds)})
	p.incDepth++
}

// pushBefore puts Options.Before on top of the main file's frame: a
// block read once, whose lines have the file's name and line 0.
func (p *pp) pushBefore(path string) {
	if len(p.opts.Before) == 0 {
		return
	}
	f := &frame{kind: repFrame, count: 1, conds: len(p.conds)}
	for _, text := range p.opts.Before {
		pos := Pos{path, 0}
		f.lines = append(f.lines, srcLine{pos: pos, src: pos, text: text})
	}
	p.frames = append(p.frames, f)
}

func (p *pp) top() *frame { return p.frames[len(p.frames)-1] }

// next returns the next raw line, popping finished frames.
func (p *pp) next() (srcLine, bool) {
	for len(p.frames) > 0 {
		f := p.top()
		if l, ok := p.read(f); ok {
			return p.lex(f, l), true
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

// read returns frame f's next line, if it has one.
func (p *pp) read(f *frame) (*srcLine, bool) {
	if f.exited {
		return nil, false
	}
	if f.kind == fileFrame {
		text, n, ok := f.src.Next()
		if !ok {
			return nil, false
		}
		f.last = Pos{f.name, n}
		return &srcLine{pos: f.last, src: f.lineMap.apply(f.last), text: text}, true
	}
	if f.i >= len(f.lines) {
		return nil, false
	}
	f.i++
	return &f.lines[f.i-1], true
}

// lex returns line l of frame f, lexed (once: a body's tokens are kept).
func (p *pp) lex(f *frame, l *srcLine) srcLine {
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
	if f.kind != fileFrame || f.replay {
		// Replayed lines are what macros multiply.
		if p.ntokens += int64(max(len(l.toks), 1)); p.ntokens > p.lim.Tokens {
			p.tooManyTokens(l.pos)
		}
	}
	return *l
}

// leave pops the finished frame f; conditionals opened inside it must
// have been closed.
func (p *pp) leave(f *frame) {
	if len(p.conds) > f.conds {
		if f.kind == fileFrame {
			p.errorf(f.last, "expected `%%endif' before end of file")
		}
		p.conds = p.conds[:f.conds]
	}
	if f.kind == fileFrame {
		p.incDepth--
	}
	if f.kind == macroFrame {
		f.mac.inProgress = 0 // as nasm 2.16 does, even for a %rmacro
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
