package pp

import "fmt"

// rep is %rep N: it starts collecting the block. A bad count is
// reported and the block still swallowed, to run no times.
func (p *pp) rep(c call) {
	n, ok := p.count(c)
	switch {
	case !ok:
		n = 0
	case n < 0:
		// nasm warns and runs the block no times.
		p.diag(Diag{Pos: c.Pos, Warning: true, Class: "pp-rep-negative", Msg: fmt.Sprintf("negative `%%rep' count: %d", n), Note: p.note(c.Line)})
		n = 0
	case n > p.lim.Rep:
		p.lineErr(c.Line, "`%%rep' count %d exceeds the limit of %d (--limit-rep)", n, p.lim.Rep)
		n = 0
	}
	p.def = &definition{rep: true, count: n, start: c.Pos}
}

// startRep runs a collected %rep block.
func (p *pp) startRep(d *definition) {
	if d.count <= 0 || len(d.body) == 0 {
		return
	}
	if int64(len(p.frames)) >= p.lim.MacroLevels {
		p.overLimit(d.start, "`%%rep' nested too deeply (more than %d levels; --limit-macro-levels)", p.lim.MacroLevels)
		return
	}
	p.frames = append(p.frames, &frame{kind: repFrame, lines: d.body, count: d.count, conds: len(p.conds)})
}

// endrep is %endrep outside a %rep block.
func (p *pp) endrep(c call) {
	p.lineErr(c.Line, "`%%endrep': no matching `%%rep'")
}

// exitrep is %exitrep: the innermost %rep block of the current file, and
// everything opened inside it, ends now.
func (p *pp) exitrep(c call) {
	for i := len(p.frames) - 1; i >= 0; i-- {
		f := p.frames[i]
		if f.kind == repFrame {
			f.exited = true
			for _, inner := range p.frames[i+1:] {
				inner.exited = true
				inner.i = len(inner.lines)
			}
			return
		}
		if f.kind == fileFrame {
			break
		}
	}
	p.lineErr(c.Line, "`%%exitrep' not within `%%rep' block")
}
