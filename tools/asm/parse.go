package asm

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

// The parser turns preprocessed lines into statements, in source order.
// Statement keywords (times, data, reservations, align, incbin) are in
// the statements table below, assembler directives in directives.go,
// operands in operand.go.

type stmtKind uint8

const (
	sNone stmtKind = iota
	sInst
	sData
	sRes
	sEqu
	sAlign
	sIncbin
	sBytes // statements folded into their bytes (fold.go)
)

// stmt is one statement. Every statement of a program stays in memory
// for all passes, so what only instructions need is apart (instPart), and
// what few statements have is in stmtExtra.
type stmt struct {
	pos   pp.Pos
	label string // symbol defined at the start of the line ("" if none)
	sec   int    // section index
	mode  int    // BITS
	*instPart

	items []dataItem
	count expr.Node // res count, align boundary, equ value
	blob  []byte    // incbin contents, folded bytes

	line  int   // index of the preprocessed line it came from
	start int64 // offset in its section (last pass)
	size  int64 // bytes emitted by this statement in the previous pass
	width int   // data/res unit size

	kind    stmtKind
	defRel  bool
	sizeSet bool

	extra *stmtExtra // what a few statements need beyond these
}

// stmtExtra is what few statements have: section directives, align
// statements, `times`, lines from macros.
type stmtExtra struct {
	note      string      // nasm's "from macro" line for messages about the statement
	times     expr.Node   // the TIMES count
	fill      *stmt       // align: the statement repeated to pad (nil: nop / zero)
	attrs     []binAttr   // -f bin section attributes to apply in each pass
	alignText string      // an align statement's boundary as written (for nasm's message)
	noSect    bool        // align after `sectalign off`: the section's alignment stays
	smart     *smartAlign // align under %use smartalign: its NOPs when there is no fill
	redef     bool        // the label is defined again here (assemble.go checkRedef)
}

// more is st's stmtExtra, made when first needed.
func (st *stmt) more() *stmtExtra {
	if st.extra == nil {
		st.extra = &stmtExtra{}
	}
	return st.extra
}

// macroNote is the "from macro" line of messages about st, "" if none.
func (st *stmt) macroNote() string {
	if st.extra == nil {
		return ""
	}
	return st.extra.note
}

// isRedef reports whether st's label was defined by an earlier statement.
func (st *stmt) isRedef() bool { return st.extra != nil && st.extra.redef }

// timesExpr is st's TIMES count, nil if it has none.
func (st *stmt) timesExpr() expr.Node {
	if st.extra == nil {
		return nil
	}
	return st.extra.times
}

// fillStmt is an align statement's fill, nil if none.
func (st *stmt) fillStmt() *stmt {
	if st.extra == nil {
		return nil
	}
	return st.extra.fill
}

// noted gives st the note of the line being parsed.
func (p *parser) noted(st *stmt) *stmt {
	if p.note != "" {
		st.more().note = p.note
	}
	return st
}

// instPart is what an instruction statement has beyond a stmt.
type instPart struct {
	prefixes []x86.Prefix
	mnem     string
	ops      []operand
	cpu      x86.CPU // the `cpu` level in effect (cpu.go)
	// conflict: two different prefixes of one kind, nasm's error, which
	// it reports as it assembles (the line is empty).
	conflict bool
}

// parser state: positional settings that nasm applies in source order.
type parser struct {
	a        *assembler
	sec      int
	mode     int
	defRel   bool
	defBnd   bool   // `default bnd`
	scope    string // last non-local label, for .local labels
	seenBits bool
	cpuLevel x86.CPU // the last `cpu` directive's level
	// sectAlignOff is `sectalign off`: align no longer raises the
	// section's alignment.
	sectAlignOff bool
	// nextNumber is the number nasm's next macro call would take
	// (stdnumbers.go): istruc's label is named with it.
	nextNumber int
	sect       string // the last section directive, bracketed (__SECT__)
	// smart is the %use smartalign mode in force (smartalign.go), nil
	// before the package is used.
	smart *smartAlign
	// float is the `float' directive's state (floatmode.go).
	float floatState

	// the line being parsed, for messages
	pos  pp.Pos
	note string

	folded map[foldKey][]byte // lines folded to bytes (fold.go)
	kept   map[string]string  // strings kept once (keep)
	// scratch is the statement of the line being parsed (see line).
	scratch stmt

	// struc/endstruc and istruc/at/iend state
	strucNames []string // open strucs, innermost last
	strucSave  int
	istrucName string
	istrucLbl  string
}

// errorf reports an error on the line being parsed.
func (p *parser) errorf(format string, args ...any) {
	p.a.errorf(p.pos, p.note, format, args...)
}

// errorf records a parse error. Only the first MaxErrors are kept: they
// are in source order, and no more are shown.
func (a *assembler) errorf(pos pp.Pos, note string, format string, args ...any) {
	if len(a.diags) < MaxErrors {
		a.diags = append(a.diags, pp.Diag{Pos: pos, Msg: fmt.Sprintf(format, args...), Note: note, Seq: a.lineSeq})
	}
}

func (a *assembler) warnf(pos pp.Pos, format string, args ...any) {
	a.warnc(pos, "", format, args...)
}

// warnc is warnf for a warning of nasm's class class.
func (a *assembler) warnc(pos pp.Pos, class, format string, args ...any) {
	a.warns = append(a.warns, pp.Diag{Pos: pos, Warning: true, Class: class, Msg: fmt.Sprintf(format, args...), Seq: a.lineSeq})
}

// lower is an unescaped identifier in lower case, "" for anything else.
func lower(t lex.Token) string {
	if t.Kind != lex.Ident || t.Escaped {
		return ""
	}
	return strings.ToLower(t.Text)
}

var dataWidths = map[string]int{"db": 1, "dw": 2, "dd": 4, "dq": 8, "dt": 10, "do": 16, "dy": 32, "dz": 64}
var resWidths = map[string]int{"resb": 1, "resw": 2, "resd": 4, "resq": 8, "rest": 10, "reso": 16, "resy": 32, "resz": 64}
var sizeKeywords = map[string]int{"byte": 1, "word": 2, "dword": 4, "long": 4, "qword": 8, "tword": 10, "oword": 16, "yword": 32, "zword": 64} // long: nasm's dword

// statements parses what a statement keyword introduces, from toks[i]
// (the keyword) on. It is filled in init: times and align parse a
// statement again.
var statements map[string]func(p *parser, st *stmt, toks []lex.Token, i int) error

func init() {
	statements = map[string]func(*parser, *stmt, []lex.Token, int) error{
		"times":  (*parser).times,
		"align":  (*parser).align,
		"alignb": (*parser).align,
		"incbin": (*parser).incbin,
	}
	for w := range dataWidths {
		statements[w] = (*parser).data
	}
	for w := range resWidths {
		statements[w] = (*parser).res
	}
}

// isDirective reports an assembler directive, including the ones that
// are statements (align, alignb, incbin), which nasm also accepts in
// the bracketed [directive ...] form.
func isDirective(w string) bool {
	_, ok := directives[w]
	return ok || w == "align" || w == "alignb" || w == "incbin"
}

// bracketOnly are the directives nasm knows only in the bracketed form
// (it has no standard macro for them): bare, the word is a label, as in
// `list db 1, 2, 3`.
var bracketOnly = map[string]bool{"list": true, "warning": true, "debug": true, "map": true, "pragma": true}

func isStatementWord(t lex.Token) bool {
	w := lower(t)
	if w == "" {
		return false
	}
	if statements[w] != nil || isDirective(w) && !bracketOnly[w] || w == "equ" {
		return true
	}
	if _, ok := lookupPrefix(w); ok {
		return true
	}
	return isMnemonic(w)
}

// qualify turns a label reference into its full name: `.x` after `foo`
// is `foo.x`; `..@x` and `..x` are not local labels.
func (p *parser) qualify(name string) string {
	if strings.HasPrefix(name, ".") && !strings.HasPrefix(name, "..") {
		return p.scope + name
	}
	return strings.Clone(name)
}

// regPrefix starts the name under which an expression refers to a
// register (no symbol can start with a NUL).
const regPrefix = "\x00"

func (p *parser) nameOf(t lex.Token) string {
	if !t.Escaped {
		if r, ok := x86.LookupReg(t.Text); ok {
			return p.keep(regPrefix + r.String())
		}
	}
	if strings.HasPrefix(t.Text, ".") {
		return p.qualify(t.Text) // a new string (or a reserved `..' name, kept below)
	}
	if s := p.a.syms[t.Text]; s != nil {
		return s.name
	}
	return strings.Clone(t.Text)
}

// keep returns s, or the same text already kept: register names and
// mnemonics come again and again. Strings that statements keep must not
// be parts of a source line, which would keep the whole file in memory
// after preprocessing (the lexer's tokens are slices of it).
func (p *parser) keep(s string) string {
	if k, ok := p.kept[s]; ok {
		return k
	}
	if p.kept == nil {
		p.kept = map[string]string{}
	}
	s = strings.Clone(s)
	p.kept[s] = s
	return s
}

func (p *parser) parseExpr(toks []lex.Token, i int) (expr.Node, int, error) {
	// A character constant in an expression keeps its first 8 bytes under
	// BITS 64 and its first 4 otherwise (nasm 2.16), a longer one with
	// nasm's warning (`mov rax, __utf16__('abcde')', `dq 'abcde'+0').
	width := 4
	if p.mode == 64 {
		width = 8
	}
	var long []int
	for k := i; k < len(toks); k++ {
		if toks[k].Kind == lex.Str && len(toks[k].Str) > width {
			long = append(long, k)
		}
	}
	short := toks
	if long != nil {
		short = append([]lex.Token(nil), toks...)
		for _, k := range long {
			short[k].Str = short[k].Str[:width]
		}
	}
	n, end, err := expr.ParseLimit(short, i, p.nameOf, p.a.lim.Eval)
	if ferr := pp.StringFuncInExpr(toks, i, end, err != nil); ferr != nil {
		return nil, end, ferr
	}
	if err == nil {
		for _, k := range long {
			if k < end {
				p.a.warnc(p.pos, "", "character constant too long")
			}
		}
	}
	return n, end, err
}

// newStmt is an empty statement at the current position and settings.
func (p *parser) newStmt() *stmt {
	return p.noted(&stmt{pos: p.pos, sec: p.sec, mode: p.mode, defRel: p.defRel})
}

// labelOnly records a label by itself (before a directive, or when the
// rest of its line is in error, so that references to it do not cascade).
func (p *parser) labelOnly(label string) {
	if label != "" {
		p.a.addStmt(p.noted(&stmt{pos: p.pos, label: label, sec: p.sec, mode: p.mode}))
	}
}

// line parses one preprocessed line into zero or more statements.
func (p *parser) line(l pp.Line) {
	toks := l.Toks
	p.pos, p.note = l.Pos, ""
	if l.Macro != "" {
		p.note = fmt.Sprintf("%s: ... from macro `%s' defined here", l.Def, l.Macro)
	}
	if len(toks) == 0 {
		return
	}
	key, cache := p.foldKey(toks, l.Body)
	if b, ok := p.folded[key]; cache && ok {
		p.place("", b)
		return
	}
	nwarn := len(p.a.warns) // a line that warns is not cached: it must warn again
	// [directive ...] form.
	bracketed := false
	if toks[0].Is("[") && len(toks) >= 2 && isDirective(lower(toks[1])) {
		if !toks[len(toks)-1].Is("]") {
			p.errorf("missing `]' after directive")
			return
		}
		toks = toks[1 : len(toks)-1]
		bracketed = true
		// A bracketed directive has no label.
		if w := lower(toks[0]); directives[w] != nil {
			directives[w](p, w, toks[1:])
			return
		}
	}
	// The line's statement is parsed in p.scratch and copied only if it
	// is kept: most lines fold into the bytes of a run.
	st := &p.scratch
	*st = stmt{pos: p.pos, sec: p.sec, mode: p.mode, defRel: p.defRel}
	p.noted(st)
	i, ok := p.label(st, toks)
	if !ok {
		return
	}
	if i >= len(toks) {
		p.a.addStmt(st.clone())
		return
	}
	if st.label != "" && lower(toks[i]) == "equ" {
		p.equ(st, toks, i+1)
		return
	}
	if st.label == "" && lower(toks[0]) == "equ" {
		p.errorf("`equ' without a label")
		return
	}
	if h, ok := directives[lower(toks[i])]; ok && (bracketed || !bracketOnly[lower(toks[i])]) {
		p.labelOnly(st.label)
		h(p, lower(toks[i]), toks[i+1:])
		return
	}
	if err := p.body(st, toks, i); err != nil {
		p.errorf("%s", err)
		p.labelOnly(st.label)
		return
	}
	if !p.fold(st, key, cache && len(p.a.warns) == nwarn) {
		p.a.addStmt(st.clone())
	}
}

// clone is a copy of st (which is the parser's scratch statement).
func (st *stmt) clone() *stmt {
	c := *st
	return &c
}

// reservedWords are nasm's keywords that cannot name a label (`$rel:`
// can): sizes, operand specials, seg and wrt, and the float and string
// function tokens (with their `?' left out: `__?nan?__' is `__nan__').
var reservedWords = map[string]bool{
	"byte": true, "word": true, "dword": true, "qword": true, "tword": true, "oword": true, "yword": true, "zword": true,
	"abs": true, "far": true, "long": true, "near": true, "nosplit": true, "rel": true, "short": true, "strict": true, "to": true,
	"seg": true, "wrt": true,
	"__infinity__": true, "__nan__": true, "__qnan__": true, "__snan__": true,
	"__float8__": true, "__float16__": true, "__float32__": true, "__float64__": true, "__float80m__": true, "__float80e__": true,
	"__float128l__": true, "__float128h__": true, "__bfloat16__": true,
	"__utf16__": true, "__utf16le__": true, "__utf16be__": true, "__utf32__": true, "__utf32le__": true, "__utf32be__": true,
	"__ilog2e__": true, "__ilog2w__": true, "__ilog2f__": true, "__ilog2c__": true, "__masm_ptr__": true, "__masm_flat__": true,
}

// label reads the label a line may start with into st.label and returns
// the index after it (and its colon); ok is false if the line is in
// error.
func (p *parser) label(st *stmt, toks []lex.Token) (int, bool) {
	colon := len(toks) > 1 && toks[1].Is(":")
	if toks[0].Kind != lex.Ident || !colon && isStatementWord(toks[0]) && !toks[0].Escaped {
		return 0, true
	}
	name := toks[0].Text
	if strings.HasPrefix(name, "..") && !strings.HasPrefix(name, "..@") {
		p.errorf("label `%s' uses a reserved `..' prefix", name)
		return 0, false
	}
	if _, isReg := x86.LookupReg(name); (isReg || reservedWords[strings.ReplaceAll(lower(toks[0]), "?", "")]) && !toks[0].Escaped {
		p.errorf("label or instruction expected at start of line")
		return 0, false
	}
	if _, isPrefix := lookupPrefix(lower(toks[0])); isPrefix && colon && !toks[0].Escaped {
		p.errorf("parser: instruction expected") // `rep:`, `osp:`: nasm's prefixes are no labels
		return 0, false
	}
	if !colon && len(toks) > 1 && !isStatementWord(toks[1]) {
		p.errorf("parser: instruction expected")
		return 0, false
	}
	if !colon && len(toks) == 1 {
		p.a.warnc(p.pos, "label-orphan", "label alone on a line without a colon might be in error")
	}
	full := p.qualify(name)
	next := 1
	if colon {
		next = 2
	}
	// An equ name is no base for the local labels after it (nasm: only
	// labels of a place are).
	isEqu := next < len(toks) && lower(toks[next]) == "equ"
	if !strings.HasPrefix(name, ".") {
		if !strings.HasPrefix(name, "..@") && !isEqu {
			p.scope = full
		}
	} else if p.scope == "" && !strings.HasPrefix(name, "..") {
		p.errorf("local label `%s' without a preceding non-local label", name)
	}
	st.label = full
	if colon {
		return 2, true
	}
	return 1, true
}

// equ is `label equ expression`, from toks[i] on.
func (p *parser) equ(st *stmt, toks []lex.Token, i int) {
	n, end, err := p.parseExpr(toks, i)
	if err == nil && end != len(toks) {
		err = fmt.Errorf("trailing garbage after expression: `%s'", lex.Join(toks[end:]))
	}
	if err != nil {
		p.errorf("%s", err)
		return
	}
	st.kind = sEqu
	st.count = n
	p.a.addStmt(st.clone())
	if s := p.a.syms[st.label]; s != nil && s.kind == symEqu && s.pos == st.pos {
		p.noteConst(st.label, n)
	}
}

// body parses what follows a label: a statement keyword or an
// instruction.
func (p *parser) body(st *stmt, toks []lex.Token, i int) error {
	if i >= len(toks) {
		return nil
	}
	if h := statements[lower(toks[i])]; h != nil {
		return h(p, st, toks, i)
	}
	return p.instruction(st, toks, i)
}

// times is `times N statement`.
func (p *parser) times(st *stmt, toks []lex.Token, i int) error {
	n, end, err := p.parseExpr(toks, i+1)
	if err != nil {
		return err
	}
	if end >= len(toks) {
		return fmt.Errorf("`times' needs an instruction or data to repeat")
	}
	if st.timesExpr() != nil {
		return fmt.Errorf("nested `times' is not supported")
	}
	st.more().times = n
	return p.body(st, toks, end)
}

// afterPrefixes handles prefixes followed by something other than an
// instruction, as nasm does: before data (and times) they are dropped,
// before a reservation they are emitted; `es db 0` is data, not a label.
func (p *parser) afterPrefixes(st *stmt, toks []lex.Token, i int, w string) error {
	h := statements[w]
	switch {
	case len(st.prefixes) > 0 && w == "times" && p.timesInstruction(toks, i):
		// nasm applies the prefixes to the instruction times repeats
		// (`rep times 2 movsb`); instruction keeps them.
		return h(p, st, toks, i)
	case len(st.prefixes) > 0 && (dataWidths[w] != 0 || w == "times"):
		st.instPart = nil
		return h(p, st, toks, i)
	case len(st.prefixes) > 0 && resWidths[w] != 0:
		pre := p.newStmt()
		pre.label, pre.kind, pre.instPart = st.label, sInst, &instPart{prefixes: st.prefixes}
		p.a.addStmt(pre)
		st.label, st.instPart = "", nil
		return h(p, st, toks, i)
	case h != nil && w != "align" && w != "alignb" && w != "incbin":
		return fmt.Errorf("`%s' cannot follow an instruction prefix", w)
	}
	return fmt.Errorf("parser: instruction expected")
}

// timesInstruction reports whether the `times` at toks[i] repeats an
// instruction.
func (p *parser) timesInstruction(toks []lex.Token, i int) bool {
	_, end, err := p.parseExpr(toks, i+1)
	for err == nil && end < len(toks) && toks[end].Kind == lex.Ident {
		w := lower(toks[end])
		if _, ok := lookupPrefix(w); !ok {
			return isMnemonic(w) && statements[w] == nil
		}
		end++ // more prefixes after times
	}
	return false
}

// instruction parses prefixes, a mnemonic and its operands; prefixes
// written before a `times` (already in st) stay.
func (p *parser) instruction(st *stmt, toks []lex.Token, i int) error {
	var before []x86.Prefix
	if st.instPart != nil {
		before = st.prefixes
	}
	st.instPart = &instPart{prefixes: before}
	for i < len(toks) {
		if toks[i].Is("{") {
			// An encoding selector: {rex}, {vex}, {vex2}, {vex3}, {evex}.
			if i+2 >= len(toks) || toks[i+1].Kind != lex.Ident || !toks[i+2].Is("}") {
				return fmt.Errorf("label or instruction expected at start of line")
			}
			pf, ok := x86.LookupBracePrefix(toks[i+1].Text)
			if !ok {
				p.errorf("`%s' is not a valid decorator with braces", toks[i+1].Text)
				return fmt.Errorf("label or instruction expected at start of line")
			}
			st.prefixes = append(st.prefixes, pf)
			i += 3
			continue
		}
		if toks[i].Kind != lex.Ident || toks[i].Escaped {
			break
		}
		pf, ok := lookupPrefix(strings.ToLower(toks[i].Text))
		if !ok {
			break
		}
		st.prefixes = append(st.prefixes, pf)
		i++
	}
	if len(st.prefixes) > 1 {
		// nasm keeps one prefix of each kind.
		kept, redundant, err := x86.KeepPrefixes(st.prefixes)
		if err != nil {
			st.kind, st.conflict = sInst, true
			return nil
		}
		if redundant {
			p.a.warnc(p.pos, "", "instruction has redundant prefixes")
		}
		st.prefixes = kept
	}
	if i >= len(toks) {
		if len(st.prefixes) > 0 {
			st.kind = sInst // a prefix alone is emitted as its byte, as nasm does
		}
		return nil
	}
	t := toks[i]
	if t.Kind != lex.Ident && i == 0 {
		// A line that starts with a number, string or operator (`12 _x
		// equ 1' a %[...] made).
		return fmt.Errorf("label or instruction expected at start of line")
	}
	if t.Kind != lex.Ident || t.Escaped {
		return fmt.Errorf("parser: instruction expected")
	}
	w := strings.ToLower(t.Text)
	if !isMnemonic(w) {
		return p.afterPrefixes(st, toks, i, w)
	}
	st.kind, st.mnem, st.cpu = sInst, p.keep(w), p.cpuLevel
	if p.defBnd {
		st.prefixes = append(st.prefixes, x86.PrefixDefaultBnd)
	}
	if err := p.operands(st, toks, i+1); err != nil {
		return err
	}
	if w == "lea" && len(st.ops) == 2 && st.ops[1].kind == x86.OpImm {
		st.ops[1].leaImm = true
	}
	pfx, err := addrSizePrefixes(st)
	if pfx != nil {
		st.prefixes = pfx
	}
	return err
}
