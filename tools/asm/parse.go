package asm

import (
	"encoding/binary"
	"fmt"
	"math"
	"math/big"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/obj"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

type stmtKind uint8

const (
	sNone stmtKind = iota
	sInst
	sData
	sRes
	sEqu
	sAlign
	sIncbin
)

type dataItem struct {
	str   string // a string operand (bytes), padded to the unit size
	isStr bool
	float []byte // a floating-point constant, already encoded
	e     expr.Node
	undef bool // `?`
}

type operand struct {
	kind                     x86.OpKind // OpImm for expressions (becomes OpReg if a register)
	size                     int
	strict, short, near, far bool
	e                        expr.Node
	seg                      x86.Reg
	rel, abs                 bool
	dispSize                 int
	nosplit                  bool
	plt                      bool // `wrt ..plt`
}

type stmt struct {
	pos    pp.Pos
	note   string
	label  string // symbol defined at the start of the line ("" if none)
	kind   stmtKind
	times  expr.Node
	sec    int // section index
	mode   int // BITS
	defRel bool

	prefixes []x86.Prefix
	mnem     string
	ops      []operand

	width int // data/res unit size
	items []dataItem
	count expr.Node // res count, align boundary

	fill *stmt // align: the statement repeated to pad (nil: nop / zero)

	blob []byte // incbin contents

	line  int   // index of the preprocessed line it came from
	start int64 // offset in its section (last pass)

	// per-pass state
	lastInst x86.Inst // the instruction encoded in the previous pass
	lastEnc  *x86.Encoding
	size     int64 // bytes emitted by this statement in the previous pass
	sizeSet  bool
}

type symKind uint8

const (
	symLabel symKind = iota + 1
	symEqu
	symExtern
)

type symbol struct {
	name   string
	kind   symKind
	pos    pp.Pos
	global bool

	// label
	sec int
	off int64
	// equ
	val expr.Value

	defPass int  // last pass that defined it
	known   bool // has a value from this or an earlier pass
	index   int  // obj symbol index (output)
}

type section struct {
	name    string
	key     string
	flags   obj.SectionFlags
	align   uint64
	pos     pp.Pos
	data    []byte
	size    int64
	relocs  []obj.Reloc
	relSym  []string // symbol key of each reloc (resolved to indexes at output)
	relStmt []*stmt  // statement of each reloc, for -f bin range errors
	start   int64    // -f bin: load address

	absolute bool  // an `absolute` space: labels are numbers, no bytes
	absBase  int64 // its starting address

	// terms is the symbolic part of an address in the section, shared by
	// every value that refers to it (values are never modified in place).
	terms []expr.Term
}

// parser state: positional settings that nasm applies in source order.
type parser struct {
	a        *assembler
	sec      int
	mode     int
	defRel   bool
	scope    string // last non-local label, for .local labels
	seenBits bool

	// struc/endstruc and istruc/at/iend state
	strucName  string
	strucSave  int
	inStruc    bool
	istrucName string
	istrucLbl  string
	nistruc    int
}

func (a *assembler) errorf(pos pp.Pos, note string, format string, args ...any) {
	a.diags = append(a.diags, pp.Diag{Pos: pos, Msg: fmt.Sprintf(format, args...), Note: note, Seq: a.lineSeq})
}

func (a *assembler) warnf(pos pp.Pos, format string, args ...any) {
	a.warns = append(a.warns, pp.Diag{Pos: pos, Warning: true, Msg: fmt.Sprintf(format, args...), Seq: a.lineSeq})
}

func lower(t lex.Token) string {
	if t.Kind != lex.Ident || t.Escaped {
		return ""
	}
	return strings.ToLower(t.Text)
}

var dataWidths = map[string]int{"db": 1, "dw": 2, "dd": 4, "dq": 8, "dt": 10, "do": 16, "dy": 32, "dz": 64}
var resWidths = map[string]int{"resb": 1, "resw": 2, "resd": 4, "resq": 8, "rest": 10, "reso": 16, "resy": 32, "resz": 64}
var sizeKeywords = map[string]int{"byte": 1, "word": 2, "dword": 4, "qword": 8, "tword": 10, "oword": 16, "yword": 32, "zword": 64}

var directives = map[string]bool{
	"bits": true, "use16": true, "use32": true, "use64": true, "section": true, "segment": true,
	"global": true, "extern": true, "common": true, "default": true, "org": true, "cpu": true,
	"align": true, "alignb": true, "sectalign": true, "absolute": true, "warning": true, "list": true,
	"static": true, "required": true, "float": true, "map": true, "debug": true, "incbin": true,
	"struc": true, "endstruc": true, "istruc": true, "at": true, "iend": true,
}

func isStatementWord(t lex.Token) bool {
	w := lower(t)
	if w == "" {
		return false
	}
	if dataWidths[w] != 0 || resWidths[w] != 0 || directives[w] || w == "times" || w == "equ" {
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
	return name
}

const regPrefix = "\x00"

func (p *parser) nameOf(t lex.Token) string {
	if !t.Escaped {
		if r, ok := x86.LookupReg(t.Text); ok {
			return regPrefix + r.String()
		}
	}
	return p.qualify(t.Text)
}

func (p *parser) parseExpr(toks []lex.Token, i int) (expr.Node, int, error) {
	return expr.Parse(toks, i, p.nameOf)
}

// line parses one preprocessed line into zero or more statements.
func (p *parser) line(l pp.Line) {
	a := p.a
	toks := l.Toks
	note := ""
	if l.Macro != "" {
		note = fmt.Sprintf("%s: ... from macro `%s' defined here", l.Def, l.Macro)
	}
	errf := func(format string, args ...any) { a.errorf(l.Pos, note, format, args...) }
	if len(toks) == 0 {
		return
	}
	// [directive ...] form.
	if toks[0].Is("[") && len(toks) >= 2 && directives[lower(toks[1])] {
		if !toks[len(toks)-1].Is("]") {
			errf("missing `]' after directive")
			return
		}
		toks = toks[1 : len(toks)-1]
	}
	st := &stmt{pos: l.Pos, note: note, sec: p.sec, mode: p.mode, defRel: p.defRel}
	i := 0
	// Label.
	if toks[0].Kind == lex.Ident && (len(toks) > 1 && toks[1].Is(":") || !isStatementWord(toks[0]) || toks[0].Escaped) {
		name := toks[0].Text
		if strings.HasPrefix(name, "..") && !strings.HasPrefix(name, "..@") {
			errf("label `%s' uses a reserved `..' prefix", name)
			return
		}
		colon := len(toks) > 1 && toks[1].Is(":")
		if _, isReg := x86.LookupReg(name); isReg && !toks[0].Escaped {
			errf("label or instruction expected at start of line")
			return
		}
		if !colon && len(toks) > 1 && !isStatementWord(toks[1]) {
			errf("parser: instruction expected")
			return
		}
		if !colon && len(toks) == 1 {
			a.warnf(l.Pos, "label alone on a line without a colon might be in error")
		}
		full := p.qualify(name)
		if !strings.HasPrefix(name, ".") {
			if !strings.HasPrefix(name, "..@") {
				p.scope = name
			}
		} else if p.scope == "" && !strings.HasPrefix(name, "..") {
			errf("local label `%s' without a preceding non-local label", name)
		}
		st.label = full
		i = 1
		if colon {
			i = 2
		}
	}
	if i >= len(toks) {
		a.addStmt(st)
		return
	}
	// equ
	if st.label != "" && lower(toks[i]) == "equ" {
		n, end, err := p.parseExpr(toks, i+1)
		if err == nil && end != len(toks) {
			err = fmt.Errorf("trailing garbage after expression: `%s'", lex.Join(toks[end:]))
		}
		if err != nil {
			errf("%s", err)
			return
		}
		st.kind = sEqu
		st.count = n
		a.addStmt(st)
		return
	}
	if st.label == "" && toks[0].Kind == lex.Ident && lower(toks[0]) == "equ" {
		errf("`equ' without a label")
		return
	}
	if toks[i].Kind == lex.Ident && !toks[i].Escaped {
		w := lower(toks[i])
		if directives[w] && w != "align" && w != "alignb" && w != "incbin" {
			if st.label != "" {
				a.addStmt(&stmt{pos: st.pos, note: note, label: st.label, sec: p.sec, mode: p.mode})
			}
			p.directive(w, toks[i+1:], l.Pos, note)
			return
		}
	}
	if err := p.body(st, toks, i); err != nil {
		errf("%s", err)
		// Keep the label so that references to it do not cascade.
		if st.label != "" {
			a.addStmt(&stmt{pos: st.pos, note: note, label: st.label, sec: p.sec, mode: p.mode})
		}
		return
	}
	a.addStmt(st)
}

// body parses what follows a label: times, data, reservations, align,
// or an instruction.
func (p *parser) body(st *stmt, toks []lex.Token, i int) error {
	if i >= len(toks) {
		return nil
	}
	w := lower(toks[i])
	if w == "times" {
		n, end, err := p.parseExpr(toks, i+1)
		if err != nil {
			return err
		}
		if end >= len(toks) {
			return fmt.Errorf("`times' needs an instruction or data to repeat")
		}
		if st.times != nil {
			return fmt.Errorf("nested `times' is not supported")
		}
		st.times = n
		return p.body(st, toks, end)
	}
	if width := dataWidths[w]; width != 0 {
		if width > 8 {
			return fmt.Errorf("`%s' is not supported (floating-point and wide data)", w)
		}
		st.kind, st.width = sData, width
		return p.dataItems(st, toks, i+1)
	}
	if width := resWidths[w]; width != 0 {
		st.kind, st.width = sRes, width
		n, end, err := p.parseExpr(toks, i+1)
		if err != nil {
			return err
		}
		if end != len(toks) {
			return fmt.Errorf("trailing garbage after `%s' count", w)
		}
		st.count = n
		return nil
	}
	switch w {
	case "align", "alignb":
		st.kind = sAlign
		n, end, err := p.parseExpr(toks, i+1)
		if err != nil {
			return err
		}
		st.count = n
		if w == "alignb" {
			st.width = 1 // reserve, not fill
		}
		if end < len(toks) {
			if !toks[end].Is(",") || end+1 >= len(toks) {
				return fmt.Errorf("trailing garbage after `%s'", w)
			}
			fill := &stmt{pos: st.pos, note: st.note, sec: st.sec, mode: st.mode, defRel: st.defRel}
			if err := p.body(fill, toks, end+1); err != nil {
				return err
			}
			if fill.times != nil || fill.kind == sAlign {
				return fmt.Errorf("invalid fill for `%s'", w)
			}
			st.fill = fill
		}
		return nil
	case "incbin":
		if i+1 >= len(toks) || toks[i+1].Kind != lex.Str {
			return fmt.Errorf("`incbin' expects a file name")
		}
		// incbin "file"[, skip[, length]]: constant numbers only.
		var nums []int64
		if rest := toks[i+2:]; len(rest) > 0 {
			groups := splitTop(rest[1:])
			if !rest[0].Is(",") || len(groups) > 2 {
				return fmt.Errorf("`incbin' expects a file name, then optional skip and length")
			}
			for _, grp := range groups {
				n, end, err := p.parseExpr(grp, 0)
				var v expr.Value
				if err == nil && end != len(grp) {
					err = fmt.Errorf("trailing garbage in `incbin'")
				}
				if err == nil {
					v, err = expr.Eval(n, expr.ConstEnv{})
				}
				if err != nil {
					return err
				}
				if v.Const < 0 {
					return fmt.Errorf("`incbin' skip and length must not be negative")
				}
				nums = append(nums, v.Const)
			}
		}
		data, name, err := p.a.readInclude(toks[i+1].Str)
		if err != nil {
			return fmt.Errorf("`incbin': unable to open file `%s'", toks[i+1].Str)
		}
		p.a.files = append(p.a.files, name)
		if len(nums) > 0 {
			if nums[0] > int64(len(data)) {
				nums[0] = int64(len(data))
			}
			data = data[nums[0]:]
		}
		if len(nums) > 1 && nums[1] < int64(len(data)) {
			data = data[:nums[1]]
		}
		st.kind, st.blob = sIncbin, data
		return nil
	}
	// Prefixes, then the mnemonic.
	for i < len(toks) && toks[i].Kind == lex.Ident && !toks[i].Escaped {
		pf, ok := lookupPrefix(strings.ToLower(toks[i].Text))
		if !ok {
			break
		}
		st.prefixes = append(st.prefixes, pf)
		i++
	}
	if i >= len(toks) {
		if len(st.prefixes) > 0 {
			// A prefix alone is emitted as its byte, as nasm does.
			st.kind = sInst
			return nil
		}
		return nil
	}
	t := toks[i]
	if t.Kind != lex.Ident || t.Escaped {
		return fmt.Errorf("parser: instruction expected")
	}
	w = strings.ToLower(t.Text)
	if !isMnemonic(w) {
		if dataWidths[w] != 0 || resWidths[w] != 0 || w == "times" {
			return fmt.Errorf("`%s' cannot follow an instruction prefix", w)
		}
		return fmt.Errorf("parser: instruction expected")
	}
	st.kind, st.mnem = sInst, w
	i++
	if i < len(toks) {
		n := 1
		for _, t := range toks[i:] {
			if t.Is(",") {
				n++
			}
		}
		st.ops = make([]operand, 0, n)
	}
	for i < len(toks) {
		op, end, err := p.operand(toks, i)
		if err != nil {
			return err
		}
		st.ops = append(st.ops, op)
		i = end
		if i < len(toks) {
			if !toks[i].Is(",") {
				return fmt.Errorf("comma, colon, decorator or end of line expected after operand")
			}
			i++
			if i >= len(toks) {
				return fmt.Errorf("operand expected after `,'")
			}
		}
	}
	return nil
}

func (p *parser) dataItems(st *stmt, toks []lex.Token, i int) error {
	if i >= len(toks) {
		return fmt.Errorf("no operand for data declaration")
	}
	for i < len(toks) {
		t := toks[i]
		// A lone string (not part of a larger expression) is bytes.
		if t.Kind == lex.Str && (i+1 == len(toks) || toks[i+1].Is(",")) {
			st.items = append(st.items, dataItem{str: t.Str, isStr: true})
			i++
		} else if f, n, ok, err := floatItem(toks[i:], st.width); ok {
			if err != nil {
				return err
			}
			if floatOverflow(f) {
				p.a.warnf(st.pos, "overflow in floating-point constant")
			}
			st.items = append(st.items, dataItem{float: f})
			i += n
		} else if t.Is("?") && (i+1 == len(toks) || toks[i+1].Is(",")) {
			st.items = append(st.items, dataItem{undef: true})
			i++
		} else {
			n, end, err := p.parseExpr(toks, i)
			if err != nil {
				return err
			}
			st.items = append(st.items, dataItem{e: n})
			i = end
		}
		if i < len(toks) {
			if !toks[i].Is(",") {
				return fmt.Errorf("comma expected after operand")
			}
			i++
			if i >= len(toks) {
				return fmt.Errorf("expression syntax error")
			}
		}
	}
	return nil
}

func (p *parser) operand(toks []lex.Token, i int) (operand, int, error) {
	op := operand{kind: x86.OpImm}
	for i < len(toks) && toks[i].Kind == lex.Ident && !toks[i].Escaped {
		w := strings.ToLower(toks[i].Text)
		if n := sizeKeywords[w]; n != 0 {
			if op.size != 0 {
				return op, i, fmt.Errorf("more than one size keyword")
			}
			op.size = n
		} else if w == "strict" {
			op.strict = true
		} else if w == "short" {
			op.short = true
		} else if w == "near" {
			op.near = true
		} else if w == "far" {
			op.far = true
		} else {
			break
		}
		i++
	}
	if i >= len(toks) {
		return op, i, fmt.Errorf("operand expected")
	}
	// Segment override written outside the brackets: fs:[rax]
	if i+2 < len(toks) && toks[i].Kind == lex.Ident && toks[i+1].Is(":") && toks[i+2].Is("[") {
		if r, ok := x86.LookupReg(toks[i].Text); ok && r.Class() == x86.ClassSeg && !toks[i].Escaped {
			op.seg = r
			i += 2
		}
	}
	if toks[i].Is("[") {
		op.kind = x86.OpMem
		i++
		for i < len(toks) && toks[i].Kind == lex.Ident && !toks[i].Escaped {
			w := strings.ToLower(toks[i].Text)
			if n := sizeKeywords[w]; n != 0 {
				op.dispSize = n
			} else if w == "rel" {
				op.rel = true
			} else if w == "abs" {
				op.abs = true
			} else if w == "nosplit" {
				op.nosplit = true
			} else if r, ok := x86.LookupReg(w); ok && r.Class() == x86.ClassSeg && i+1 < len(toks) && toks[i+1].Is(":") {
				if op.seg != x86.RegNone {
					return op, i, fmt.Errorf("instruction has conflicting segment overrides")
				}
				op.seg = r
				i++
			} else {
				break
			}
			i++
		}
		n, end, err := p.parseExpr(toks, i)
		if err != nil {
			return op, end, err
		}
		if end < len(toks) && toks[end].Kind == lex.Ident && strings.EqualFold(toks[end].Text, "wrt") {
			return op, end, fmt.Errorf("`wrt' is not supported")
		}
		if end >= len(toks) || !toks[end].Is("]") {
			return op, end, fmt.Errorf("expecting ]")
		}
		op.e = n
		return op, end + 1, nil
	}
	n, end, err := p.parseExpr(toks, i)
	if err != nil {
		return op, end, err
	}
	if end < len(toks) && toks[end].Kind == lex.Ident && strings.EqualFold(toks[end].Text, "wrt") {
		// Only `wrt ..plt` (calls into shared code, linked as PLT32).
		if end+1 < len(toks) && toks[end+1].Kind == lex.Ident && strings.EqualFold(toks[end+1].Text, "..plt") {
			if p.a.format == "bin" {
				return op, end, fmt.Errorf("`wrt ..plt' needs an ELF output format")
			}
			op.plt = true
			op.e = n
			return op, end + 2, nil
		}
		return op, end, fmt.Errorf("`wrt' is only supported as `wrt ..plt'")
	}
	if end < len(toks) && toks[end].Is(":") {
		return op, end, fmt.Errorf("far pointers (`seg:offset') are not supported")
	}
	op.e = n
	return op, end, nil
}

// directive handles the assembler directives that change positional state
// or declare symbols.
func (p *parser) directive(w string, args []lex.Token, pos pp.Pos, note string) {
	a := p.a
	errf := func(format string, xs ...any) { a.errorf(pos, note, format, xs...) }
	switch w {
	case "bits":
		if len(args) != 1 || args[0].Kind != lex.Num || (args[0].Val != 16 && args[0].Val != 32 && args[0].Val != 64) {
			errf("`bits' expects 16, 32 or 64")
			return
		}
		p.setBits(int(args[0].Val))
	case "use16", "use32", "use64":
		if len(args) != 0 {
			errf("`%s' takes no arguments", w)
			return
		}
		p.setBits(map[string]int{"use16": 16, "use32": 32, "use64": 64}[w])
	case "section", "segment":
		if len(args) == 0 {
			errf("`%s' expects a section name", w)
			return
		}
		// The name is everything up to the first blank (.note.GNU-stack
		// lexes as several tokens).
		n := 1
		for n < len(args) && !args[n].Space {
			n++
		}
		name := lex.Join(args[:n])
		if args[0].Kind == lex.Str {
			name = args[0].Str
		}
		idx := a.sectionIndex(name, pos)
		if err := a.sectionAttrs(idx, args[n:], pos); err != nil {
			errf("%s", err)
		}
		p.sec = idx
	case "global", "extern", "static", "required":
		if len(args) == 0 {
			errf("`%s' expects a symbol name", w)
			return
		}
		for _, grp := range splitTop(args) {
			if len(grp) == 0 || grp[0].Kind != lex.Ident {
				errf("identifier expected after `%s'", w)
				continue
			}
			name := p.qualify(grp[0].Text)
			// `:function`, `:data`, sizes and the like: accepted, not needed for linking.
			switch w {
			case "global":
				a.declareGlobal(name, pos)
			case "extern", "required":
				a.declareExtern(name, pos, note)
			}
		}
	case "common":
		errf("`common' is not supported")
	case "default":
		for _, t := range args {
			switch lower(t) {
			case "rel":
				p.defRel = true
			case "abs":
				p.defRel = false
			case "bnd", "nobnd":
			default:
				errf("unknown `default' setting `%s'", t.Text)
			}
		}
	case "org":
		if a.format != "bin" {
			errf("`org' is only valid with -f bin")
			return
		}
		n, end, err := p.parseExpr(args, 0)
		if err == nil && end != len(args) {
			err = fmt.Errorf("trailing garbage after `org'")
		}
		var v expr.Value
		if err == nil {
			v, err = expr.Eval(n, expr.ConstEnv{})
		}
		if err != nil {
			errf("%s", err)
			return
		}
		if a.orgSet && a.org != v.Const {
			errf("program origin redefined")
			return
		}
		a.org, a.orgSet = v.Const, true
	case "cpu", "warning", "list", "map", "debug", "float":
		// Informational for nasm; they do not change the bytes we produce.
	case "sectalign":
		if len(args) == 1 && lower(args[0]) == "off" || len(args) == 1 && lower(args[0]) == "on" {
			return
		}
		n, _, err := p.parseExpr(args, 0)
		var v expr.Value
		if err == nil {
			v, err = expr.Eval(n, expr.ConstEnv{})
		}
		if err != nil || v.Const <= 0 || v.Const&(v.Const-1) != 0 {
			errf("`sectalign' expects a power of two")
			return
		}
		a.raiseAlign(p.sec, uint64(v.Const))
	case "absolute":
		n, end, err := p.parseExpr(args, 0)
		if err == nil && end != len(args) {
			err = fmt.Errorf("trailing garbage after `absolute'")
		}
		var v expr.Value
		if err == nil {
			v, err = expr.Eval(n, expr.ConstEnv{})
		}
		if err != nil {
			errf("`absolute' needs a constant address: %s", err)
			return
		}
		p.sec = a.absoluteSection(v.Const, pos)
	case "struc":
		parts := splitTop(args)
		if len(args) == 0 || len(parts) > 2 || len(parts[0]) != 1 || parts[0][0].Kind != lex.Ident {
			errf("`struc' expects a structure name")
			return
		}
		if p.inStruc {
			errf("`struc' inside `struc'")
			return
		}
		base := int64(0)
		if len(parts) == 2 {
			n, _, err := p.parseExpr(parts[1], 0)
			var v expr.Value
			if err == nil {
				v, err = expr.Eval(n, expr.ConstEnv{})
			}
			if err != nil {
				errf("%s", err)
				return
			}
			base = v.Const
		}
		name := parts[0][0].Text
		p.inStruc, p.strucName, p.strucSave = true, name, p.sec
		p.sec = a.absoluteSection(base, pos)
		p.scope = name
		a.addStmt(&stmt{pos: pos, note: note, label: name, sec: p.sec, mode: p.mode})
	case "endstruc":
		if !p.inStruc {
			errf("`endstruc' without `struc'")
			return
		}
		// NAME_size equ $ - NAME
		a.addStmt(&stmt{pos: pos, note: note, label: p.strucName + "_size", kind: sEqu, sec: p.sec, mode: p.mode,
			count: expr.Binary{Op: "-", X: expr.Here{}, Y: expr.Ident{Name: p.strucName}}})
		p.inStruc = false
		p.sec = p.strucSave
	case "istruc":
		if len(args) != 1 || args[0].Kind != lex.Ident {
			errf("`istruc' expects a structure name")
			return
		}
		p.nistruc++
		p.istrucName = args[0].Text
		p.istrucLbl = fmt.Sprintf("..@istruc%d", p.nistruc)
		a.addStmt(&stmt{pos: pos, note: note, label: p.istrucLbl, sec: p.sec, mode: p.mode, defRel: p.defRel})
	case "at", "iend":
		if p.istrucName == "" {
			errf("`%s' outside `istruc'", w)
			return
		}
		// Pad with zeros up to the field (or the structure's end), as
		// nasm's standard macros do with `times ... db 0`.
		var target expr.Node
		var rest []lex.Token
		if w == "at" {
			if len(args) == 0 || args[0].Kind != lex.Ident {
				errf("`at' expects a structure field")
				return
			}
			target = expr.Binary{Op: "-", X: expr.Ident{Name: p.qualify(args[0].Text)}, Y: expr.Ident{Name: p.istrucName}}
			rest = args[1:]
			if len(rest) > 0 {
				if !rest[0].Is(",") {
					errf("comma expected after the field of `at'")
					return
				}
				rest = rest[1:]
			}
		} else {
			target = expr.Ident{Name: p.istrucName + "_size"}
			if len(args) != 0 {
				errf("`iend' takes no arguments")
				return
			}
		}
		pad := &stmt{pos: pos, note: note, sec: p.sec, mode: p.mode, kind: sData, width: 1,
			items: []dataItem{{e: expr.Num{}}},
			times: expr.Binary{Op: "-", X: target, Y: expr.Binary{Op: "-", X: expr.Here{}, Y: expr.Ident{Name: p.istrucLbl}}}}
		a.addStmt(pad)
		if w == "iend" {
			p.istrucName = ""
			return
		}
		if len(rest) > 0 {
			st := &stmt{pos: pos, note: note, sec: p.sec, mode: p.mode, defRel: p.defRel}
			if err := p.body(st, rest, 0); err != nil {
				errf("%s", err)
				return
			}
			a.addStmt(st)
		}
	}
}

func (p *parser) setBits(n int) {
	if !p.seenBits {
		p.seenBits = true
		p.a.firstBits = n
	}
	p.mode = n
}

// splitTop splits tokens at commas.
func splitTop(toks []lex.Token) [][]lex.Token {
	var out [][]lex.Token
	var cur []lex.Token
	for _, t := range toks {
		if t.Is(",") {
			out = append(out, cur)
			cur = nil
			continue
		}
		cur = append(cur, t)
	}
	return append(out, cur)
}

// floatItem recognizes a data operand that is a floating-point constant,
// optionally signed, and encodes it in IEEE format for the unit size
// (dw: half, dd: single, dq: double precision), as nasm does.
func floatItem(toks []lex.Token, width int) ([]byte, int, bool, error) {
	neg := false
	n := 0
	if len(toks) > 1 && (toks[0].Is("-") || toks[0].Is("+")) && toks[1].Kind == lex.Float {
		neg = toks[0].Is("-")
		n = 1
	}
	if len(toks) <= n || toks[n].Kind != lex.Float {
		return nil, 0, false, nil
	}
	if len(toks) > n+1 && !toks[n+1].Is(",") {
		return nil, 0, true, fmt.Errorf("floating-point constant `%s' is only allowed alone in dw/dd/dq", toks[n].Text)
	}
	text := toks[n].Text
	b := make([]byte, width)
	switch width {
	case 2:
		f, err := lex.ParseFloat(text, 64)
		if err != nil {
			return nil, 0, true, err
		}
		h := float16Bits(f)
		if neg {
			h ^= 0x8000
		}
		binary.LittleEndian.PutUint16(b, h)
	case 4:
		f, err := lex.ParseFloat(text, 32)
		if err != nil {
			return nil, 0, true, err
		}
		if math.IsInf(f, 0) && belowPow2(text, 128) {
			f = math.MaxFloat32 // nasm rounds only values of 2^128 and up to infinity
		}
		v := math.Float32bits(float32(f))
		if neg {
			v ^= 1 << 31
		}
		binary.LittleEndian.PutUint32(b, v)
	case 8:
		f, err := lex.ParseFloat(text, 64)
		if err != nil {
			return nil, 0, true, err
		}
		if math.IsInf(f, 0) && belowPow2(text, 1024) {
			f = math.MaxFloat64
		}
		v := math.Float64bits(f)
		if neg {
			v ^= 1 << 63
		}
		binary.LittleEndian.PutUint64(b, v)
	default:
		return nil, 0, true, fmt.Errorf("floating-point constants need dw, dd or dq")
	}
	return b, n + 1, true, nil
}

// float16Bits rounds f to IEEE half precision (round to nearest even),
// with subnormals and overflow to infinity.
func float16Bits(f float64) uint16 {
	bits := math.Float64bits(f)
	sign := uint16(bits>>48) & 0x8000
	f = math.Abs(f)
	switch {
	case math.IsNaN(f):
		return sign | 0x7e00
	case math.IsInf(f, 0) || f >= 65536:
		return sign | 0x7c00
	case f >= 65504:
		return sign | 0x7bff // nasm rounds only values of 2^16 and up to infinity
	}
	// Scale so that the half-precision significand is an integer, then
	// round half to even.
	exp := math.Ilogb(f)
	if f == 0 {
		return sign
	}
	if exp < -14 {
		exp = -14 // subnormal range: fixed scale 2^-24
	}
	m := math.RoundToEven(math.Ldexp(f, 10-exp))
	if m >= 2048 {
		m /= 2
		exp++
	}
	if m < 1024 { // subnormal
		return sign | uint16(m)
	}
	return sign | uint16(exp+15)<<10 | uint16(m)&0x3ff
}

// belowPow2 reports whether the literal's exact value is below 2^e.
func belowPow2(text string, e int) bool {
	v, _, err := big.ParseFloat(strings.ReplaceAll(text, "_", ""), 0, 256, big.ToZero)
	if err != nil {
		return false
	}
	v.Abs(v)
	limit := new(big.Float).SetMantExp(big.NewFloat(1), e)
	return v.Cmp(limit) < 0
}

// floatOverflow reports an encoded constant that became infinity.
func floatOverflow(b []byte) bool {
	switch len(b) {
	case 2:
		return binary.LittleEndian.Uint16(b)&0x7fff == 0x7c00
	case 4:
		return binary.LittleEndian.Uint32(b)&0x7fffffff == 0x7f800000
	case 8:
		return binary.LittleEndian.Uint64(b)&(1<<63-1) == 0x7ff0000000000000
	}
	return false
}
