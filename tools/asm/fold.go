package asm

import (
	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/obj"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

// Folding: a statement whose bytes cannot change between passes (an
// instruction with only registers and numbers as operands, data made of
// constants) is encoded when parsed, and a run of such statements is
// kept as one sBytes statement holding their bytes. A statement costs a
// few hundred bytes of memory; its encoding, a few. Folding changes
// nothing in the output: it is skipped whenever a pass could say more
// (a warning, an error, a listing row). With Options.Debug, where each
// line's bytes start in a run is noted for the line table (debug.go).

// foldKey identifies a line by its tokens: a %rep or macro body line read
// again comes as the same token slice, and in the same mode, section and
// default (and cpu level) it folds to the same bytes. (The key keeps the
// tokens alive, so their address is not reused while it is in the cache;
// lines read from a file are lexed afresh every time and never cached,
// which would only keep their tokens in memory.)
type foldKey struct {
	tok    *lex.Token
	n      int
	mode   int
	sec    int
	defRel bool
	defBnd bool
	cpu    x86.CPU
}

const maxFoldCache = 4096

func (p *parser) foldKey(toks []lex.Token, body bool) (foldKey, bool) {
	if len(toks) == 0 || !body || p.a.opts.Listing || p.float.mode != (lex.FloatMode{}) {
		return foldKey{}, false
	}
	return foldKey{&toks[0], len(toks), p.mode, p.sec, p.defRel, p.defBnd, p.cpuLevel}, true
}

// fold encodes st now if it can (see place); it reports whether st was
// taken care of. A line without a label that folds is remembered by key.
func (p *parser) fold(st *stmt, key foldKey, cache bool) bool {
	a := p.a
	if a.opts.Listing || st.timesExpr() != nil || st.mode == 0 || st.sec < 0 {
		return false
	}
	if sec := a.secs[st.sec]; sec.absolute || sec.flags&obj.FlagNoBits != 0 {
		return false
	}
	var b []byte
	var ok bool
	switch st.kind {
	case sInst:
		b, ok = a.foldInst(st)
	case sData:
		b, ok = foldData(st)
	}
	if !ok {
		return false
	}
	if cache && st.label == "" {
		if len(p.folded) >= maxFoldCache || p.folded == nil {
			p.folded = map[foldKey][]byte{}
		}
		p.folded[key] = b
	}
	p.place(st.label, b)
	return true
}

// place appends folded bytes to the previous statement when that is a
// run in the current section, else starts a run. A label alone on the
// line before becomes the start of the run instead of a statement of its
// own: it is defined where the run starts either way.
func (p *parser) place(label string, b []byte) {
	a := p.a
	// Not across a point where the preprocessor asked for `$` (pppass.go).
	if n := len(a.stmts); label == "" && n > 0 && !(len(a.ppQueries) > 0 && a.ppFence == n) {
		switch last := a.stmts[n-1]; {
		case last.sec != p.sec:
		case last.kind == sBytes:
			a.noteFolded(n-1, len(last.blob), len(b))
			last.blob = append(last.blob, b...)
			return
		case labelOnly(last):
			last.kind, last.blob = sBytes, append([]byte(nil), b...)
			a.noteFolded(n-1, 0, len(b))
			return
		}
	}
	a.addStmt(p.noted(&stmt{pos: p.pos, label: label, kind: sBytes, sec: p.sec, mode: p.mode, blob: append([]byte(nil), b...)}))
	a.noteFolded(len(a.stmts)-1, 0, len(b))
}

// labelOnly reports a statement that only defines its label (from a
// macro or not).
func labelOnly(st *stmt) bool {
	x := st.extra
	return st.kind == sNone && st.label != "" && st.instPart == nil && st.items == nil && st.count == nil && st.blob == nil &&
		(x == nil || x.times == nil && x.fill == nil && x.attrs == nil && x.alignText == "" && !x.noSect && x.smart == nil)
}

// fixed reports an expression whose value is the same in every pass and
// at every address: numbers and registers only.
func fixed(n expr.Node) bool {
	switch n := n.(type) {
	case expr.Num:
		return true
	case expr.Ident:
		return len(n.Name) > 0 && n.Name[:1] == regPrefix
	case expr.Unary:
		return fixed(n.X)
	case expr.Binary:
		return fixed(n.X) && fixed(n.Y)
	case expr.Cond:
		return fixed(n.C) && fixed(n.A) && fixed(n.B)
	}
	return false
}

// foldInst encodes an instruction whose operands are fixed, unless its
// bytes could depend on its address (relative branches, RIP-relative
// operands) or the encoder asks for a relocation.
func (a *assembler) foldInst(st *stmt) ([]byte, bool) {
	if st.mnem == "" {
		return nil, false
	}
	for _, o := range st.ops {
		if o.wrt != "" || !fixed(o.e) {
			return nil, false
		}
	}
	// emitInst's scratch instruction: nothing of it outlives the call.
	inst := &a.inst
	*inst = x86.Inst{Mode: st.mode, Prefixes: st.prefixes, Mnemonic: st.mnem, Ops: a.instOps[:0]}
	inst.PC = x86.Value{Sym: a.secs[st.sec].key, Known: true}
	inst.Opt, inst.CPU = a.opts.Optimize, st.cpu
	for _, o := range st.ops {
		if o.kind == x86.OpMem && (o.rel || st.defRel) {
			return nil, false // the pass may warn (ea-absolute)
		}
		xo, err := a.operand(st, o)
		if err != nil || xo.Rel {
			return nil, false
		}
		inst.Ops = append(inst.Ops, xo)
	}
	a.instOps = inst.Ops
	if x86.RelBranch(inst) {
		return nil, false
	}
	enc, err := encode(inst)
	if err != nil || ignoredSegBase(st.mode, enc.Bytes) != "" { // (the pass warns)
		return nil, false
	}
	b := append([]byte(nil), enc.Bytes...)
	for _, f := range enc.Fixups {
		if f.Sym != "" || f.Kind == obj.RelocPCRel {
			return nil, false
		}
		putLE(b[f.Offset:f.Offset+f.Size], f.Addend, f.Size)
	}
	return b, true
}

// foldData encodes data whose items are strings, floats or fixed
// numbers that fit their unit without a warning.
func foldData(st *stmt) ([]byte, bool) {
	var b []byte
	for _, it := range st.items {
		w := it.unit(st)
		switch {
		case it.isStr:
			b = append(b, it.str...)
			if r := len(it.str) % w; r != 0 {
				b = append(b, make([]byte, w-r)...)
			}
		case it.float != nil:
			b = append(b, it.float...)
		case it.undef || it.wrt != "" || !fixed(it.e):
			return nil, false
		default:
			v, err := expr.Eval(it.e, expr.ConstEnv{})
			if err != nil || !v.Simple() || v.Unknown {
				return nil, false
			}
			if lim := int64(1) << (8 * w); w < 8 && (v.Const >= lim || v.Const < -lim) {
				return nil, false // the pass warns
			}
			field := make([]byte, w)
			putLE(field, v.Const, w)
			b = append(b, field...)
		}
	}
	return b, true
}
