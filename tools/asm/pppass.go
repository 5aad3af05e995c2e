package asm

import (
	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
)

// The preprocessor's view of the passes. nasm runs its preprocessor
// again in every pass, interleaved with the assembly, so `$`, `$$` and
// the labels defined before a line have that pass's values in %if,
// %assign, %rep and the like (a label defined after the line is an
// error there, as in nasm). Here the preprocessor runs once per
// assembly: when it asked for such a value, the whole assembly is done
// again with the values the previous one ended with at those points,
// until the values it was given are the ones it produced. That fixed
// point is what nasm's last pass sees (its values are final there).
// Sources that ask for none are assembled once.

// maxPPRounds bounds the assemblies of a source whose preprocessing
// depends on the layout.
const maxPPRounds = 8

// ppQuery is one value the preprocessor asked for: the offset of `$`
// at statement index k of section sec, or a label's offset.
type ppQuery struct {
	k, sec int
	sym    *symbol // a label; nil for `$`
	off    int64   // the offset it was given
	known  bool    // off comes from an earlier assembly
	actual int64   // the offset found in the last pass (settle)
}

// ppEnv is pp.Options.Assembly: the assembly so far, as the
// preprocessor sees it.
type ppEnv struct{ a *assembler }

func (e ppEnv) Here() (expr.Value, error) {
	a := e.a
	sec := a.p.sec
	if sec < 0 {
		sec = a.sectionIndex(".text", a.p.pos) // where the next statement goes
		a.p.sec = sec
	}
	a.ppFence = len(a.stmts) // the next line starts a statement of its own
	return e.in(sec, a.ppQuery(ppQuery{k: len(a.stmts), sec: sec})), nil
}

// in is the value of offset off in section sec as the preprocessor sees
// it: in an `absolute label' space, the label's value is asked for too.
func (e ppEnv) in(sec int, off int64) expr.Value {
	a := e.a
	if s := a.secs[sec]; s.absSym != nil {
		v := e.label(s.absSym)
		v.Const += s.absAdd + off
		return v
	}
	return a.addr(sec, off)
}

func (e ppEnv) label(s *symbol) expr.Value {
	return e.in(s.sec, e.a.ppQuery(ppQuery{sec: s.sec, sym: s}))
}

func (e ppEnv) SectStart() (expr.Value, error) {
	a := e.a
	sec := a.p.sec
	if sec < 0 {
		sec = a.sectionIndex(".text", a.p.pos)
		a.p.sec = sec
	}
	return a.addr(sec, 0), nil
}

func (e ppEnv) Lookup(name string) (expr.Value, error) {
	a := e.a
	s := a.syms[a.p.qualify(name)]
	if s == nil || s.kind != symLabel {
		return expr.Value{}, fmt.Errorf("symbol `%s' not defined before use", name)
	}
	return e.label(s), nil
}

// ppQuery records q and returns the offset to give it: the one the
// previous assembly found for the same query, else 0.
func (a *assembler) ppQuery(q ppQuery) int64 {
	if n := len(a.ppQueries); n < len(a.ppPrev) {
		q.off, q.known = a.ppPrev[n], true
	}
	a.ppQueries = append(a.ppQueries, q)
	return q.off
}

// markHere records, in a pass, the offsets the `$` queries stand for:
// called before statement i runs (i == len(a.stmts) at the end).
func (a *assembler) markHere(i int) {
	for a.ppMark < len(a.ppQueries) {
		q := &a.ppQueries[a.ppMark]
		if q.sym == nil && q.k != i {
			return
		}
		if q.sym == nil {
			q.actual = a.secs[q.sec].size
		}
		a.ppMark++
	}
}

// ppSettled reports whether every query was given the offset this
// assembly produced for it, and keeps the offsets for the next round.
func (a *assembler) ppSettled() ([]int64, bool) {
	settled := true
	offs := make([]int64, len(a.ppQueries))
	for i := range a.ppQueries {
		q := &a.ppQueries[i]
		if q.sym != nil {
			q.actual = q.sym.off
		}
		offs[i] = q.actual
		if !q.known || q.off != q.actual {
			settled = false
		}
	}
	return offs, settled
}

// ppUnsettled is the error for a source whose preprocessing kept
// changing the layout it depends on.
func ppUnsettled(path string) pp.Diag {
	return pp.Diag{Pos: pp.Pos{File: path}, Msg: fmt.Sprintf("preprocessor conditions on `$' or labels did not settle after %d assemblies", maxPPRounds)}
}
