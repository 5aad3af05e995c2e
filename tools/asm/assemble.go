package asm

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/obj"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

// The passes: every statement is executed in order, placing labels and
// emitting bytes, until no label moves.

// relocSize is what one relocation counts toward Limits.Output: the size
// of an ELF64 RELA entry.
const relocSize = 24

type assembler struct {
	opts       Options
	lim        Limits
	format     string
	p          *parser
	diags      []pp.Diag // parse-time errors
	warns      []pp.Diag
	stmts      []*stmt
	syms       map[string]*symbol
	symOrder   []*symbol
	secs       []*section
	org        int64
	orgSet     bool
	firstBits  int
	files      []string         // every file read (Result.Files)
	incbins    []string         // the incbin files read, in order
	autoFormat bool             // -f elf as Options has it: the first BITS chooses
	ppOnly     bool             // Preprocess: no statement is parsed
	ppSect     func() string    // Preprocess: __SECT__
	binOrigin  uint64           // -f bin: the origin, once laid out
	mapWhat    mapParts         // -f bin: what [map] asks for (binmap.go)
	mapTo      string           // and where it goes
	binList    []*section       // -f bin: every section in nasm's final order
	mangleSet  [4]bool          // symbol decorations given (pragma.go): the first stays
	consts     map[string]int64 // equ values known when parsed (constEnv)
	ppConsts   map[string]int64 // those of numbers alone (symbolValue)
	incbinData map[incbinKey][]byte
	lineSeq    int          // index of the preprocessed line being parsed
	srcs       []pp.Pos     // with Options.Debug: each preprocessed line's pp.Line.Src
	folded     []foldedLine // with Options.Debug: the lines in sBytes runs (debug.go)

	// pass state
	pass     int
	changed  bool
	nchanged int   // labels and sizes that changed in this pass
	out      int64 // output bytes in this pass (Limits.Output)
	unknown  bool
	passErrs []pp.Diag
	passWarn []pp.Diag
	fatal    bool
	regVals  map[string]expr.Value // env.Lookup's value of each register name
	// the preprocessor's view of the passes (pppass.go)
	ppQueries []ppQuery // the values it asked for, in order
	ppPrev    []int64   // the offsets the previous assembly found for them
	ppMark    int       // the next query a pass records (markHere)
	ppFence   int       // the statement count at the last `$` query (fold.go)

	inst     x86.Inst           // emitInst's scratch instruction
	instOps  []x86.Operand      // and its operands' storage
	selfRel  bool               // the last operand value was self-relative (inst.go)
	gsymOffs map[string][]int64 // offsets of each section's global symbols, gathered in pass gsymPass (wrt.go)
	gsymPass int
}

// readInclude reads n bytes (all if n < 0) from offset off of an incbin
// file, looked for like an %include. By default only that part is read,
// and only from a regular file.
func (a *assembler) readInclude(name string, off, n int64) ([]byte, string, error) {
	var first error
	for _, c := range pp.IncludeCandidates(name, a.opts.IncludeDirs) {
		data, err := a.readRange(c, off, n)
		if err == nil {
			return data, c, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, "", first
}

// incbinKey is one part of a file, as incbin asks for it.
type incbinKey struct {
	name   string
	off, n int64
}

// readRange reads a part of a file once: the same incbin again (in a
// %rep, a macro) shares the bytes.
func (a *assembler) readRange(name string, off, n int64) ([]byte, error) {
	k := incbinKey{name, off, n}
	if data, ok := a.incbinData[k]; ok {
		return data, nil
	}
	data, err := a.readRangeOnce(name, off, n)
	if err == nil {
		if a.incbinData == nil {
			a.incbinData = map[incbinKey][]byte{}
		}
		a.incbinData[k] = data
	}
	return data, err
}

func (a *assembler) readRangeOnce(name string, off, n int64) ([]byte, error) {
	if a.opts.ReadFile == nil {
		return pp.ReadFileRange(name, off, n, a.lim.Output)
	}
	data, err := a.opts.ReadFile(name)
	if err != nil {
		return nil, err
	}
	data = data[min(off, int64(len(data))):]
	if n >= 0 && n < int64(len(data)) {
		data = data[:n]
	}
	return data, nil
}

// addStmt appends a parsed statement and defines its label.
func (a *assembler) addStmt(st *stmt) {
	st.line = a.lineSeq - 1
	if st.sec < 0 {
		st.sec = a.sectionIndex(".text", st.pos)
		a.p.sec = st.sec
	}
	if f := st.fillStmt(); f != nil {
		f.sec = st.sec
	}
	if st.label != "" {
		s := a.sym(st.label)
		st.label = s.name
		switch {
		case s.kind == symCommon:
			a.errorf(st.pos, st.macroNote(), "label `%s' inconsistently redefined", st.label)
		case s.kind != 0 && s.kind != symExtern:
			// nasm accepts a second definition that gives the same
			// value; which it gives is known once the passes settle.
			st.more().redef = true
		default:
			// nasm: an extern defined here is a global
			s.global = s.global || s.kind == symExtern
			s.kind = symLabel
			if st.kind == sEqu {
				s.kind = symEqu
			}
			s.pos = st.pos
			s.sec = st.sec
			s.defSeq = st.line + 1
		}
	}
	a.stmts = append(a.stmts, st)
}

// env evaluates expressions at one statement during a pass.
type env struct {
	a    *assembler
	sec  int
	here int64
}

func (e env) Lookup(name string) (expr.Value, error) {
	a := e.a
	if strings.HasPrefix(name, regPrefix) {
		// One shared value per register: expressions never modify their
		// operands' slices, and registers are in most operands.
		if v, ok := a.regVals[name]; ok {
			return v, nil
		}
		r, _ := x86.LookupReg(name[1:])
		v := expr.Value{Regs: []expr.RegTerm{{Reg: int(r), Coef: 1}}}
		if a.regVals == nil {
			a.regVals = map[string]expr.Value{}
		}
		a.regVals[name] = v
		return v, nil
	}
	s := a.syms[name]
	if s == nil || s.kind == 0 {
		if v, ok := a.binSymbol(name); ok {
			return v, nil
		}
		return expr.Value{}, fmt.Errorf("symbol `%s' not defined", name)
	}
	switch s.kind {
	case symExtern, symCommon:
		s.used = true
		if a.format == "bin" {
			return expr.Value{}, fmt.Errorf("binary output format does not support external references (`%s')", name)
		}
		return expr.Value{Terms: []expr.Term{{Sym: name, Coef: 1}}}, nil
	case symEqu:
		if !s.known {
			a.unknown = true
			return expr.Value{Unknown: true}, nil
		}
		return *s.val, nil
	}
	if !s.known {
		// Not reached yet in the first pass: the section is known, which
		// lets the encoder see a same-section branch (optimistically short).
		a.unknown = true
		v := a.addr(s.sec, 0)
		v.Unknown = true
		return v, nil
	}
	return a.addr(s.sec, s.off), nil
}

// addr is the value of offset off in section sec: section-relative in
// every format, because nasm treats labels as relocatable even for -f bin
// (`push label` takes the imm32 form); -f bin resolves them at the end.
func (a *assembler) addr(sec int, off int64) expr.Value {
	s := a.secs[sec]
	if s.absSym != nil {
		sec, off = a.place(sec, off)
		s = a.secs[sec]
	}
	if s.absolute {
		return expr.Value{Const: s.absBase + off}
	}
	if s.terms == nil {
		s.terms = []expr.Term{{Sym: s.key, Coef: 1}}
	}
	return expr.Value{Const: off, Terms: s.terms}
}

func (e env) Here() (expr.Value, error)      { return e.a.addr(e.sec, e.here), nil }
func (e env) SectStart() (expr.Value, error) { return e.a.addr(e.sec, 0), nil }

// perr records an error of this pass; only the first MaxErrors are kept
// (they are in statement order, and no more are shown).
func (a *assembler) perr(st *stmt, format string, args ...any) {
	if len(a.passErrs) >= MaxErrors {
		return
	}
	a.passErrs = append(a.passErrs, pp.Diag{Pos: st.pos, Msg: fmt.Sprintf(format, args...), Note: st.macroNote(), Seq: st.line + 1})
}

func (a *assembler) pwarn(st *stmt, format string, args ...any) {
	a.pwarnc(st, "", format, args...)
}

// pwarnc is pwarn for a warning of nasm's class class.
func (a *assembler) pwarnc(st *stmt, class, format string, args ...any) {
	d := pp.Diag{Pos: st.pos, Warning: true, Class: class, Msg: fmt.Sprintf(format, args...), Note: st.macroNote(), Seq: st.line + 1}
	if n := len(a.passWarn); n > 0 && a.passWarn[n-1] == d {
		return // once per line, as nasm reports it
	}
	a.passWarn = append(a.passWarn, d)
}

// run performs the passes until every label keeps its value.
func (a *assembler) run() {
	stalled, prev := int64(0), -1
	for a.pass = 1; ; a.pass++ {
		a.changed, a.unknown, a.nchanged, a.out = false, false, 0, 0
		a.passErrs, a.passWarn = nil, nil
		for _, s := range a.secs {
			s.data, s.size, s.relocs, s.relSym, s.relStmt, s.gsym = s.data[:0], 0, s.relocs[:0], s.relSym[:0], s.relStmt[:0], nil
			s.bin.flags &^= perPass
		}
		a.ppMark = 0
		for i, st := range a.stmts {
			if a.ppMark < len(a.ppQueries) {
				a.markHere(i)
			}
			a.exec(st)
			if a.fatal {
				break
			}
		}
		a.markHere(len(a.stmts))
		if a.fatal || !a.changed && !a.unknown {
			break
		}
		if a.pass == 1 && !a.unknown {
			// Nothing referred forward: every value used was final when
			// used (positions depend only on what came before), so the
			// first pass is already the last.
			break
		}
		if prev >= 0 && a.nchanged >= prev {
			stalled++
		} else {
			stalled = 0
		}
		prev = a.nchanged
		if int64(a.pass) >= a.lim.Passes || stalled > a.lim.StalledPasses {
			a.unstable(stalled)
			break
		}
	}
	a.diags = append(a.diags, a.passErrs...)
	a.warns = append(a.warns, a.passWarn...)
}

// unstable reports passes that did not settle: circular definitions if
// there are any, else the pass limits.
func (a *assembler) unstable(stalled int64) {
	n := len(a.passErrs)
	for _, st := range a.stmts {
		if st.kind == sEqu {
			if s := a.syms[st.label]; s != nil && s.pos == st.pos && !s.known {
				a.perr(st, "symbol `%s' cannot be resolved (circular definition?)", st.label)
			}
		}
	}
	if len(a.passErrs) > n {
		return
	}
	msg := fmt.Sprintf("unable to find stable sizes for all instructions after %d passes (--limit-passes)", a.pass)
	if stalled > a.lim.StalledPasses {
		msg = fmt.Sprintf("unable to find stable sizes for all instructions: stalled for %d passes (--limit-stalled-passes)", stalled)
	}
	a.passErrs = append(a.passErrs, pp.Diag{Pos: pp.Pos{File: a.files[0]}, Msg: msg})
}

// eval evaluates an expression of st. `$` is the address where st's line
// starts, for every item and every `times` copy, as in nasm (`dd $, $`
// gives the same value twice).
func (a *assembler) eval(st *stmt, n expr.Node) (expr.Value, error) {
	return expr.Eval(n, env{a: a, sec: st.sec, here: st.start})
}

// exec runs one statement in the current pass.
func (a *assembler) exec(st *stmt) {
	sec := a.secs[st.sec]
	st.start = sec.size
	a.placeLabel(st, sec)
	if st.extra != nil && st.extra.attrs != nil {
		a.applyBinAttrs(st)
	}
	switch st.kind {
	case sNone:
		return
	case sEqu:
		a.execEqu(st)
		return
	}
	n := int64(1)
	if st.timesExpr() != nil {
		n = a.timesCount(st)
	}
	start := sec.size
	a.repeat(st, sec, n)
	if a.fatal {
		return
	}
	if st.sizeSet && st.size != sec.size-start {
		a.changed = true
		a.nchanged++
	}
	st.size, st.sizeSet = sec.size-start, true
}

// placeLabel gives st's label its address in this pass.
func (a *assembler) placeLabel(st *stmt, sec *section) {
	if st.label == "" {
		return
	}
	if st.isRedef() {
		if st.kind != sEqu {
			a.checkRedef(st, a.addr(st.sec, sec.size))
		}
		return
	}
	s := a.syms[st.label]
	if s != nil && s.kind == symLabel && s.pos == st.pos {
		if !s.known || s.off != sec.size || s.sec != st.sec {
			a.changed = true
			a.nchanged++
		}
		s.sec, s.off, s.known, s.defPass = st.sec, sec.size, true, a.pass
	}
}

// execEqu evaluates `label equ value` in this pass.
func (a *assembler) execEqu(st *stmt) {
	s := a.syms[st.label]
	redef := st.isRedef()
	if s == nil || !redef && (s.kind != symEqu || s.pos != st.pos) {
		return
	}
	v, err := a.eval(st, st.count)
	if err != nil {
		a.perr(st, "%s", err)
		v = expr.Value{Unknown: true}
	}
	if len(v.Regs) > 0 {
		a.perr(st, "`equ' of a register expression is not supported")
		v = expr.Value{}
	}
	if !v.Unknown && !a.equRelocatable(v, st) {
		a.perr(st, "invalid operand type")
		v = expr.Value{}
	}
	if len(v.Terms) == 1 && v.Terms[0].Coef == -1 && v.Terms[0].Sym == a.secs[st.sec].key {
		// nasm keeps a value that counts its own section backwards
		// (`X equ 0x100 - $`) as its offset part alone.
		v.Terms = nil
	}
	if redef {
		a.checkRedef(st, v)
		return
	}
	if !s.known || !sameValue(*s.val, v) {
		a.changed = true
		a.nchanged++
	}
	s.val, s.known, s.defPass = &v, !v.Unknown, a.pass
	s.off = st.start // where `$' was (a size attribute's `$', symattrs.go)
}

// checkRedef compares the value a second definition of a symbol gives
// (v) with the one it has at this point of the pass, as nasm does: the
// same value is accepted, another is an error, and becomes the value the
// next definition is compared with.
func (a *assembler) checkRedef(st *stmt, v expr.Value) {
	s := a.syms[st.label]
	if s.redef == nil || s.redef.pass != a.pass {
		s.redef = &redefState{pass: a.pass, pos: s.pos}
		switch {
		case s.kind == symLabel && s.known && s.defPass == a.pass:
			s.redef.val = a.addr(s.sec, s.off)
		case s.kind == symEqu && s.known && s.defPass == a.pass:
			s.redef.val = *s.val
		default:
			s.redef.val.Unknown = true
		}
	}
	cur := s.redef
	if v.Unknown || cur.val.Unknown {
		cur.val, cur.pos = v, st.pos
		return
	}
	if !sameValue(cur.val, v) && len(a.passErrs) < MaxErrors {
		a.passErrs = append(a.passErrs, pp.Diag{Pos: st.pos, Seq: st.line + 1,
			Msg:  fmt.Sprintf("label `%s' inconsistently redefined", s.name),
			Note: fmt.Sprintf("%s: info: label `%s' originally defined here", cur.pos, s.name)})
		cur.val, cur.pos = v, st.pos
	}
}

// equRelocatable is nasm's test of what an equ may hold: at most one
// section or external counted once, and at most one subtraction, of the
// section the equ is in (other multiples count for nothing).
func (a *assembler) equRelocatable(v expr.Value, st *stmt) bool {
	plus, minus := 0, 0
	for _, t := range v.Terms {
		switch t.Coef {
		case 1:
			plus++
		case -1:
			if t.Sym != a.secs[st.sec].key {
				return false
			}
			minus++
		}
	}
	return plus <= 1 && minus <= 1
}

// timesCount evaluates st's TIMES count; 0 on error or while unknown.
func (a *assembler) timesCount(st *stmt) int64 {
	v, err := a.eval(st, st.timesExpr())
	switch {
	case err != nil:
		a.perr(st, "%s", err)
	case v.Unknown:
	case !v.Simple():
		a.perr(st, "non-constant argument supplied to TIMES")
	case v.Const < 0:
		a.perr(st, "TIMES value %d is negative", v.Const)
	case v.Const > MaxTimes:
		a.perr(st, "TIMES value %d exceeds the limit of %d", v.Const, int64(MaxTimes))
	default:
		return v.Const
	}
	return 0
}

// repeat emits st n times. A repeated statement whose bytes do not
// depend on its position (same bytes twice in a row, no relocation) is
// copied instead of being encoded again: `times 100000 db 0` stays fast.
// Values are the same for every copy (`$` is the line's start); only
// PC-relative fields change, and those change every copy.
func (a *assembler) repeat(st *stmt, sec *section, n int64) {
	var prev []byte
	for k := int64(0); k < n; k++ {
		before := sec.size
		nrel := len(sec.relocs)
		a.emit(st, sec)
		if a.fatal {
			return
		}
		if st.timesExpr() == nil || len(sec.relocs) != nrel || sec.flags&obj.FlagNoBits != 0 {
			continue
		}
		cur := sec.data[before:sec.size]
		if len(cur) == 0 {
			return // nothing, and nothing again for every other copy
		}
		if prev != nil && bytes.Equal(prev, cur) {
			rest := n - k - 1
			if !a.grow(st, sec, rest*int64(len(cur))) {
				return
			}
			unit := append([]byte(nil), cur...)
			for ; rest > 0; rest-- {
				sec.data = append(sec.data, unit...)
			}
			sec.size = int64(len(sec.data))
			return
		}
		prev = append(prev[:0], cur...)
	}
}

// emit emits one copy of st.
func (a *assembler) emit(st *stmt, sec *section) {
	switch st.kind {
	case sData:
		a.emitData(st, sec)
	case sRes:
		a.emitRes(st, sec)
	case sAlign:
		a.emitAlign(st, sec)
	case sIncbin, sBytes:
		a.write(st, sec, st.blob)
	case sInst:
		a.emitInst(st, sec)
	}
}

func sameValue(x, y expr.Value) bool {
	if x.Const != y.Const || x.Unknown != y.Unknown || len(x.Terms) != len(y.Terms) || len(x.Regs) != len(y.Regs) {
		return false
	}
	for i := range x.Terms {
		if x.Terms[i] != y.Terms[i] {
			return false
		}
	}
	for i := range x.Regs {
		if x.Regs[i] != y.Regs[i] {
			return false
		}
	}
	return true
}
func (a *assembler) write(st *stmt, sec *section, b []byte) {
	if sec.absolute {
		a.perr(st, "attempt to assemble code or data in absolute space")
		return
	}
	if sec.flags&obj.FlagNoBits != 0 {
		a.pwarn(st, "attempt to initialize memory in BSS section `%s': ignored", sec.name)
		a.reserve(st, sec, int64(len(b)))
		return
	}
	if !a.grow(st, sec, int64(len(b))) {
		return
	}
	sec.data = append(sec.data, b...)
	sec.size += int64(len(b))
}

// grow accounts for n more bytes of output in this pass; past
// Limits.Output it reports the error, which ends the run, and is false.
func (a *assembler) grow(st *stmt, sec *section, n int64) bool {
	if a.out+n > a.lim.Output || n < 0 {
		a.perr(st, "section `%s' exceeds the output limit of %d bytes (--limit-output)", sec.name, a.lim.Output)
		a.fatal = true
		return false
	}
	a.out += n
	return true
}

func (a *assembler) reserve(st *stmt, sec *section, n int64) {
	if sec.flags&obj.FlagNoBits == 0 {
		if !a.grow(st, sec, n) {
			return
		}
		sec.data = append(sec.data, make([]byte, n)...)
		sec.size += n
		return
	}
	if sec.size+n > MaxBSSSize {
		a.perr(st, "section `%s' exceeds %d bytes", sec.name, int64(MaxBSSSize))
		a.fatal = true
		return
	}
	sec.size += n
}
func (a *assembler) addReloc(st *stmt, sec *section, off int64, size int, kind obj.RelocKind, sym string, addend int64) {
	if a.format == "elf32" && size == 8 {
		a.perr(st, "ELF32 has no 64-bit relocations (`%s')", strings.Trim(sym, "[]"))
		return
	}
	if !a.grow(st, sec, relocSize) {
		return
	}
	sec.relocs = append(sec.relocs, obj.Reloc{Offset: uint64(off), Size: uint8(size), Kind: kind, Addend: addend})
	sec.relSym = append(sec.relSym, sym)
	sec.relStmt = append(sec.relStmt, st)
}
