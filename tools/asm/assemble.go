package asm

import (
	"bytes"
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/obj"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

// Limits that keep hostile input from exhausting time or memory.
const (
	MaxTimes       = 1 << 24 // repetitions of one statement
	MaxSectionSize = 1 << 26 // bytes of initialized data in one section (64 MiB)
	MaxBSSSize     = 1 << 32 // reserved bytes in one section
	maxPasses      = 40
)

type assembler struct {
	opts      Options
	format    string
	p         *parser
	diags     []pp.Diag // parse-time errors
	warns     []pp.Diag
	stmts     []*stmt
	syms      map[string]*symbol
	symOrder  []*symbol
	secs      []*section
	org       int64
	orgSet    bool
	firstBits int
	files     []string
	lineSeq   int      // index of the preprocessed line being parsed
	srcs      []pp.Pos // with Options.Debug: each preprocessed line's pp.Line.Src

	// pass state
	pass     int
	changed  bool
	unknown  bool
	passErrs []pp.Diag
	passWarn []pp.Diag
	cur      int // current section
	fatal    bool
	regVals  map[string]expr.Value // env.Lookup's value of each register name
	inst     x86.Inst              // emitInst's scratch instruction
	instOps  []x86.Operand         // and its operands' storage
}

func (a *assembler) readInclude(name string) ([]byte, string, error) {
	cands := []string{name}
	if !strings.HasPrefix(name, "/") {
		for _, d := range a.opts.IncludeDirs {
			if strings.HasSuffix(d, "/") {
				cands = append(cands, d+name)
			} else if d != "" {
				cands = append(cands, d+"/"+name)
			}
		}
	}
	var first error
	for _, c := range cands {
		data, err := a.opts.ReadFile(c)
		if err == nil {
			return data, c, nil
		}
		if first == nil {
			first = err
		}
	}
	return nil, "", first
}

func secKey(name string) string { return "[" + name + "]" }

func (a *assembler) sectionIndex(name string, pos pp.Pos) int {
	for i, s := range a.secs {
		if s.name == name && !s.absolute {
			return i
		}
	}
	s := &section{name: name, key: secKey(name), pos: pos, align: 1, start: -1}
	switch name {
	case ".text":
		s.flags, s.align = obj.FlagAlloc|obj.FlagExec, 16
	case ".data":
		s.flags, s.align = obj.FlagAlloc|obj.FlagWrite, 4
	case ".rodata":
		s.flags, s.align = obj.FlagAlloc, 4
	case ".bss":
		s.flags, s.align = obj.FlagAlloc|obj.FlagWrite|obj.FlagNoBits, 4
	case ".comment":
		s.flags = 0
	default:
		s.flags = obj.FlagAlloc
	}
	if a.format == "bin" {
		// nasm's bin format aligns every section on 4 bytes unless told
		// otherwise; .bss is the only nobits section by default.
		s.align = 4
		if name == ".text" {
			s.flags = obj.FlagAlloc | obj.FlagExec
		}
	}
	a.secs = append(a.secs, s)
	return len(a.secs) - 1
}

// sectionAttrs applies `progbits nobits alloc noalloc exec noexec write
// nowrite align=N` from a section directive.
func (a *assembler) sectionAttrs(idx int, args []lex.Token, pos pp.Pos) error {
	s := a.secs[idx]
	for i := 0; i < len(args); i++ {
		w := strings.ToLower(args[i].Text)
		if a.format == "bin" {
			switch w {
			case "alloc", "noalloc", "exec", "noexec", "write", "nowrite":
				// The flat format has no such flags; nasm says so and goes on.
				a.warnf(pos, "ignoring unknown section attribute: \"%s\"", args[i].Text)
				continue
			}
		}
		switch w {
		case "progbits":
			s.flags &^= obj.FlagNoBits
		case "nobits":
			s.flags |= obj.FlagNoBits
		case "alloc":
			s.flags |= obj.FlagAlloc
		case "noalloc":
			s.flags &^= obj.FlagAlloc
		case "exec":
			s.flags |= obj.FlagExec
		case "noexec":
			s.flags &^= obj.FlagExec
		case "write":
			s.flags |= obj.FlagWrite
		case "nowrite":
			s.flags &^= obj.FlagWrite
		case "align":
			if i+2 >= len(args) || !args[i+1].Is("=") || args[i+2].Kind != lex.Num {
				return fmt.Errorf("`align=' expects a number")
			}
			n := args[i+2].Val
			if n <= 0 || n&(n-1) != 0 || n > 1<<16 {
				return fmt.Errorf("section alignment %d is not a power of two", n)
			}
			s.align = uint64(n)
			i += 2
		default:
			return fmt.Errorf("unknown section attribute `%s'", args[i].Text)
		}
	}
	return nil
}

// absoluteSection starts a new `absolute` space at base: labels in it are
// plain numbers and it produces no bytes (struc uses it for field offsets).
func (a *assembler) absoluteSection(base int64, pos pp.Pos) int {
	a.secs = append(a.secs, &section{name: "[absolute]", key: "", pos: pos, align: 1, flags: obj.FlagNoBits, absolute: true, absBase: base})
	return len(a.secs) - 1
}

func (a *assembler) raiseAlign(idx int, n uint64) {
	if idx >= 0 && n > a.secs[idx].align {
		a.secs[idx].align = n
	}
}

func (a *assembler) sym(name string) *symbol {
	s := a.syms[name]
	if s == nil {
		s = &symbol{name: name}
		a.syms[name] = s
		a.symOrder = append(a.symOrder, s)
	}
	return s
}

func (a *assembler) declareGlobal(name string, pos pp.Pos) {
	s := a.sym(name)
	if s.kind == symExtern {
		a.errorf(pos, "", "symbol `%s' declared both as extern and global", name)
		return
	}
	s.global = true
}

func (a *assembler) declareExtern(name string, pos pp.Pos, note string) {
	s := a.sym(name)
	switch s.kind {
	case symLabel, symEqu:
		a.warnf(pos, "symbol `%s' declared extern after its definition; ignored", name)
		return
	}
	if s.global {
		a.errorf(pos, note, "symbol `%s' declared both as extern and global", name)
		return
	}
	s.kind = symExtern
	s.pos = pos
}

func (a *assembler) addStmt(st *stmt) {
	st.line = a.lineSeq - 1
	if st.sec < 0 {
		st.sec = a.sectionIndex(".text", st.pos)
		a.p.sec = st.sec
	}
	if st.fill != nil {
		st.fill.sec = st.sec
	}
	if st.label != "" {
		s := a.sym(st.label)
		switch {
		case s.kind == symExtern:
			a.errorf(st.pos, st.note, "symbol `%s' declared extern and defined here", st.label)
		case s.kind != 0:
			a.errorf(st.pos, st.note, "symbol `%s' redefined (first defined at %s)", st.label, s.pos)
		default:
			s.kind = symLabel
			if st.kind == sEqu {
				s.kind = symEqu
			}
			s.pos = st.pos
			s.sec = st.sec
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
		return expr.Value{}, fmt.Errorf("symbol `%s' not defined", name)
	}
	switch s.kind {
	case symExtern:
		if a.format == "bin" {
			return expr.Value{}, fmt.Errorf("binary output format does not support external references (`%s')", name)
		}
		return expr.Value{Terms: []expr.Term{{Sym: name, Coef: 1}}}, nil
	case symEqu:
		if !s.known {
			a.unknown = true
			return expr.Value{Unknown: true}, nil
		}
		return s.val, nil
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

func (a *assembler) perr(st *stmt, format string, args ...any) {
	a.passErrs = append(a.passErrs, pp.Diag{Pos: st.pos, Msg: fmt.Sprintf(format, args...), Note: st.note, Seq: st.line + 1})
}

func (a *assembler) pwarn(st *stmt, format string, args ...any) {
	d := pp.Diag{Pos: st.pos, Warning: true, Msg: fmt.Sprintf(format, args...), Note: st.note, Seq: st.line + 1}
	if n := len(a.passWarn); n > 0 && a.passWarn[n-1] == d {
		return // once per line, as nasm reports it
	}
	a.passWarn = append(a.passWarn, d)
}

// run performs the passes until every label keeps its value.
func (a *assembler) run() {
	for a.pass = 1; ; a.pass++ {
		a.changed, a.unknown = false, false
		a.passErrs, a.passWarn = nil, nil
		for _, s := range a.secs {
			s.data, s.size, s.relocs, s.relSym, s.relStmt = s.data[:0], 0, s.relocs[:0], s.relSym[:0], s.relStmt[:0]
		}
		for _, st := range a.stmts {
			a.exec(st)
			if a.fatal {
				break
			}
		}
		if a.fatal || !a.changed && !a.unknown {
			break
		}
		if a.pass == 1 && !a.unknown {
			// Nothing referred forward: every value used was final when
			// used (positions depend only on what came before), so the
			// first pass is already the last.
			break
		}
		if a.pass >= maxPasses {
			n := len(a.passErrs)
			for _, st := range a.stmts {
				if st.kind == sEqu {
					if s := a.syms[st.label]; s != nil && s.pos == st.pos && !s.known {
						a.perr(st, "symbol `%s' cannot be resolved (circular definition?)", st.label)
					}
				}
			}
			if len(a.passErrs) == n {
				a.passErrs = append(a.passErrs, pp.Diag{Pos: pp.Pos{File: a.files[0]}, Msg: "unable to find stable sizes for all instructions (too many passes)"})
			}
			break
		}
	}
	a.diags = append(a.diags, a.passErrs...)
	a.warns = append(a.warns, a.passWarn...)
}

// eval evaluates an expression of st. `$` is the address where st's line
// starts, for every item and every `times` copy, as in nasm (`dd $, $`
// gives the same value twice).
func (a *assembler) eval(st *stmt, n expr.Node) (expr.Value, error) {
	return expr.Eval(n, env{a: a, sec: st.sec, here: st.start})
}

func (a *assembler) exec(st *stmt) {
	sec := a.secs[st.sec]
	st.start = sec.size
	if st.label != "" {
		s := a.syms[st.label]
		if s != nil && s.kind == symLabel && s.pos == st.pos {
			if !s.known || s.off != sec.size || s.sec != st.sec {
				a.changed = true
			}
			s.sec, s.off, s.known, s.defPass = st.sec, sec.size, true, a.pass
		}
	}
	switch st.kind {
	case sNone:
		return
	case sEqu:
		s := a.syms[st.label]
		if s == nil || s.kind != symEqu || s.pos != st.pos {
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
		if !s.known || !sameValue(s.val, v) {
			a.changed = true
		}
		s.val, s.known, s.defPass = v, !v.Unknown, a.pass
		return
	}
	n := int64(1)
	if st.times != nil {
		v, err := a.eval(st, st.times)
		switch {
		case err != nil:
			a.perr(st, "%s", err)
			n = 0
		case v.Unknown:
			n = 0
		case !v.Simple():
			a.perr(st, "non-constant argument supplied to TIMES")
			n = 0
		case v.Const < 0:
			a.perr(st, "TIMES value %d is negative", v.Const)
			n = 0
		case v.Const > MaxTimes:
			a.perr(st, "TIMES value %d exceeds the limit of %d", v.Const, MaxTimes)
			n = 0
		default:
			n = v.Const
		}
	}
	start := sec.size
	var prev []byte
	for k := int64(0); k < n; k++ {
		before := sec.size
		nrel := len(sec.relocs)
		a.emit(st, sec)
		if a.fatal {
			return
		}
		// A repeated statement whose bytes do not depend on its position
		// (same bytes twice in a row, no relocation) is copied instead of
		// being encoded again: `times 100000 db 0` stays fast. Values are
		// the same for every copy (`$` is the line's start); only
		// PC-relative fields change, and those change every copy.
		if st.times != nil && len(sec.relocs) == nrel && sec.flags&obj.FlagNoBits == 0 {
			cur := sec.data[before:sec.size]
			if prev != nil && bytes.Equal(prev, cur) && len(cur) > 0 {
				rest := n - k - 1
				if sec.size+rest*int64(len(cur)) > MaxSectionSize {
					a.perr(st, "section `%s' exceeds %d bytes", sec.name, MaxSectionSize)
					a.fatal = true
					return
				}
				unit := append([]byte(nil), cur...)
				for ; rest > 0; rest-- {
					sec.data = append(sec.data, unit...)
				}
				sec.size = int64(len(sec.data))
				break
			}
			prev = append(prev[:0], cur...)
		}
	}
	if st.sizeSet && st.size != sec.size-start {
		a.changed = true
	}
	st.size, st.sizeSet = sec.size-start, true
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
	if sec.size+int64(len(b)) > MaxSectionSize {
		a.perr(st, "section `%s' exceeds %d bytes", sec.name, MaxSectionSize)
		a.fatal = true
		return
	}
	sec.data = append(sec.data, b...)
	sec.size += int64(len(b))
}

func (a *assembler) reserve(st *stmt, sec *section, n int64) {
	if sec.flags&obj.FlagNoBits == 0 {
		if sec.size+n > MaxSectionSize {
			a.perr(st, "section `%s' exceeds %d bytes", sec.name, MaxSectionSize)
			a.fatal = true
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

func (a *assembler) emit(st *stmt, sec *section) {
	switch st.kind {
	case sData:
		a.emitData(st, sec)
	case sRes:
		v, err := a.eval(st, st.count)
		switch {
		case err != nil:
			a.perr(st, "%s", err)
		case v.Unknown:
		case !v.Simple():
			a.perr(st, "non-constant argument supplied to `res%c'", "?bwd????q"[st.width%9])
		case v.Const < 0:
			a.perr(st, "negative reservation count %d", v.Const)
		case v.Const > MaxBSSSize/int64(st.width):
			a.perr(st, "reservation of %d items is too large", v.Const)
			a.fatal = true
		default:
			if sec.flags&obj.FlagNoBits == 0 && !sec.absolute {
				a.pwarn(st, "%s", zeroingMsg(a.format, sec.name))
			}
			a.reserve(st, sec, v.Const*int64(st.width))
		}
	case sAlign:
		a.emitAlign(st, sec)
	case sIncbin:
		a.write(st, sec, st.blob)
	case sInst:
		a.emitInst(st, sec)
	}
}

func (a *assembler) emitAlign(st *stmt, sec *section) {
	v, err := a.eval(st, st.count)
	if err != nil {
		a.perr(st, "%s", err)
		return
	}
	if v.Unknown {
		return
	}
	if !v.Simple() || v.Const <= 0 {
		a.perr(st, "alignment must be a positive constant")
		return
	}
	n := v.Const
	if n > 1<<20 {
		a.perr(st, "alignment %d is too large", n)
		return
	}
	if n&(n-1) == 0 {
		a.raiseAlign(st.sec, uint64(n))
	}
	pad := (n - sec.size%n) % n
	if st.width == 1 || sec.flags&obj.FlagNoBits != 0 {
		a.reserve(st, sec, pad)
		return
	}
	if st.fill == nil {
		a.write(st, sec, bytes.Repeat([]byte{0x90}, int(pad)))
		return
	}
	st.fill.start = st.start // the fill's `$` is the align line's start
	for i := int64(0); i < pad; i++ {
		a.emit(st.fill, sec)
		if a.fatal {
			return
		}
	}
}

func putLE(b []byte, v int64, n int) {
	for i := 0; i < n; i++ {
		b[i] = byte(v >> (8 * i))
	}
}

func (a *assembler) emitData(st *stmt, sec *section) {
	w := st.width
	for _, it := range st.items {
		switch {
		case it.isStr:
			b := []byte(it.str)
			if r := len(b) % w; r != 0 {
				b = append(b, make([]byte, w-r)...)
			}
			a.write(st, sec, b)
		case it.undef:
			if sec.flags&obj.FlagNoBits != 0 {
				a.reserve(st, sec, int64(w)) // `?` is uninitialized: fine in .bss
			} else {
				a.pwarn(st, "%s", zeroingMsg(a.format, sec.name))
				a.write(st, sec, make([]byte, w))
			}
		case it.float != nil:
			a.write(st, sec, it.float)
		default:
			v, err := a.eval(st, it.e)
			field := make([]byte, w)
			if err != nil {
				a.perr(st, "%s", err)
				a.write(st, sec, field)
				continue
			}
			if len(v.Regs) > 0 {
				a.perr(st, "invalid use of a register in a data declaration")
			}
			off := sec.size
			if !v.Unknown && len(v.Terms) > 0 {
				if err := a.dataReloc(st, sec, v, off, w); err != nil {
					a.perr(st, "%s", err)
				}
			} else {
				putLE(field, v.Const, w)
				if !v.Unknown && w < 8 {
					lim := int64(1) << (8 * w)
					// nasm's bound: anything from -2^n to 2^n-1 fits n bits.
					if v.Const >= lim || v.Const < -lim {
						a.pwarn(st, "%s data exceeds bounds", map[int]string{1: "byte", 2: "word", 4: "dword"}[w])
					}
				}
			}
			a.write(st, sec, field)
		}
	}
}

// dataReloc records the relocation for a data field holding v: sym+c, or
// sym+c-$ (PC-relative) as nasm accepts.
func (a *assembler) dataReloc(st *stmt, sec *section, v expr.Value, off int64, w int) error {
	if sec.flags&obj.FlagNoBits != 0 {
		return nil
	}
	switch {
	case len(v.Terms) == 1 && v.Terms[0].Coef == 1:
		a.addReloc(st, sec, off, w, obj.RelocAbs, v.Terms[0].Sym, v.Const)
		return nil
	case len(v.Terms) == 2:
		t0, t1 := v.Terms[0], v.Terms[1]
		if t0.Coef == -1 {
			t0, t1 = t1, t0
		}
		if t0.Coef == 1 && t1.Coef == -1 && t1.Sym == sec.key {
			a.addReloc(st, sec, off, w, obj.RelocPCRel, t0.Sym, v.Const+off)
			return nil
		}
	}
	return fmt.Errorf("invalid relocatable expression (not a symbol plus a constant)")
}

func (a *assembler) addReloc(st *stmt, sec *section, off int64, size int, kind obj.RelocKind, sym string, addend int64) {
	if a.format == "elf32" && size == 8 {
		a.perr(st, "ELF32 has no 64-bit relocations (`%s')", strings.Trim(sym, "[]"))
		return
	}
	sec.relocs = append(sec.relocs, obj.Reloc{Offset: uint64(off), Size: uint8(size), Kind: kind, Addend: addend})
	sec.relSym = append(sec.relSym, sym)
	sec.relStmt = append(sec.relStmt, st)
}

// binOrder is nasm's bin layout: .text, the other progbits sections in
// declaration order, then the nobits sections.
func (a *assembler) binOrder() []int {
	var order []int
	for i, s := range a.secs {
		if s.name == ".text" && !s.absolute {
			order = append(order, i)
		}
	}
	for i, s := range a.secs {
		if s.name != ".text" && s.flags&obj.FlagNoBits == 0 && !s.absolute {
			order = append(order, i)
		}
	}
	for i, s := range a.secs {
		if s.name != ".text" && s.flags&obj.FlagNoBits != 0 && !s.absolute {
			order = append(order, i)
		}
	}
	return order
}

// layoutBin assigns every section its address for -f bin: the first at the
// origin, each next one at the end of the previous rounded up to its
// alignment.
func (a *assembler) layoutBin() {
	pc := a.org
	for k, i := range a.binOrder() {
		s := a.secs[i]
		if al := int64(s.align); k > 0 && al > 1 {
			pc = (pc + al - 1) / al * al
		}
		s.start = pc
		pc += s.size
	}
}

// zeroingMsg is nasm's warning for reserved space in a section with bytes
// (worded differently by its bin and elf back ends).
func zeroingMsg(format, sec string) string {
	if format == "bin" {
		return fmt.Sprintf("uninitialized space declared in %s section: zeroing", sec)
	}
	return fmt.Sprintf("uninitialized space declared in non-BSS section `%s': zeroing", sec)
}
