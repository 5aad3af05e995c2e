package asm

import (
	"bytes"
	"errors"
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// Data statements: db/dw/dd/dq, the res* reservations, align/alignb and
// incbin; their parsing and what they emit in each pass.

type dataItem struct {
	str   string // a string operand (bytes), padded to the unit size
	float []byte // a floating-point constant, already encoded
	e     expr.Node
	isStr bool
	undef bool   // `?`
	wrt   string // `wrt ..NAME` after the expression (see operand.wrt)
	width int    // the unit, when a size says so (dup.go); 0: the statement's
	count int64  // `?' only: how many units (`N dup (?)'); 0 is one
}

// unit is the width of one of it's values in st.
func (it *dataItem) unit(st *stmt) int {
	if it.width != 0 {
		return it.width
	}
	return st.width
}

// data is `db item, ...` (and dw, dd, dq).
func (p *parser) data(st *stmt, toks []lex.Token, i int) error {
	w := lower(toks[i])
	width := dataWidths[w]
	st.kind, st.width = sData, width
	i++
	if i >= len(toks) {
		// nasm warns and emits nothing (a label on the line is defined).
		p.a.warnc(st.pos, "db-empty", "no operand for data declaration")
		return nil
	}
	if dataForms(toks[i:]) {
		return p.dataOperands(st, toks[i:], 0, &st.items)
	}
	return p.laxDataList(st, toks, i)
}

// laxDataList parses db's operands from toks[i] as nasm 2.16 does, which
// is laxer than a comma list: after an expression one more token is
// skipped before the comma (`db 1 2` is `db 1`), and a `)` ends the list
// with the rest of the line ignored (`db 1 ) 2`, `db 1, )`).
func (p *parser) laxDataList(st *stmt, toks []lex.Token, i int) error {
	endOfList := func(k int) bool { return k >= len(toks) || toks[k].Is(")") }
	for !endOfList(i) {
		n := len(st.items)
		end, err := p.dataItem(st, toks, i)
		if err != nil {
			return err
		}
		if len(st.items) > n && st.items[n].e != nil {
			// An expression: nasm stands on the token after it.
			if endOfList(end) {
				return nil
			}
			if toks[end].Is(",") {
				i = end + 1
				continue
			}
		} else {
			// A string, float or `?': nasm stands on its last token.
			end--
		}
		// nasm takes the next token as the comma (or the end).
		end++
		if endOfList(end) {
			return nil
		}
		if !toks[end].Is(",") {
			return errors.New(dataList.noComma)
		}
		i = end + 1
	}
	if len(st.items) == 0 {
		p.a.warnc(st.pos, "db-empty", "no operand for data declaration")
	}
	return nil
}

// dataForms reports whether toks use dup.go's forms: `dup', `%(', or
// a size keyword.
func dataForms(toks []lex.Token) bool {
	for i, t := range toks {
		switch {
		case t.Kind == lex.Ident && !t.Escaped && (strings.EqualFold(t.Text, "dup") || sizeKeywords[strings.ToLower(t.Text)] != 0):
			return true
		case t.Is("%") && i+1 < len(toks) && toks[i+1].Is("("), t.Is("?"):
			return true
		}
	}
	return false
}

// dataItem parses one data operand: a string, a float, `?`, or an
// expression.
func (p *parser) dataItem(st *stmt, toks []lex.Token, i int) (int, error) {
	t := toks[i]
	alone := i+1 == len(toks) || toks[i+1].Is(",") || toks[i+1].Is(")")
	// A lone string (not part of a larger expression) is bytes; so is a
	// string function's result, always.
	if t.Kind == lex.Str && (alone || pp.IsStringFunc(t)) {
		st.items = append(st.items, dataItem{str: strings.Clone(t.Str), isStr: true}) // not a part of the line (see parser.keep)
		return i + 1, nil
	}
	if err, ok := pp.StringFuncError(toks, i, false); ok {
		return i, err // a call the preprocessor could not make
	}
	if f, n, ok, warns, err := floatItem(toks[i:], st.width, p.floatMode()); ok {
		if err != nil {
			return i, err
		}
		for _, w := range warns {
			p.a.warnc(st.pos, w.Class, "%s", w.Msg)
		}
		st.items = append(st.items, dataItem{float: f})
		return i + n, nil
	}
	if t.Is("?") && alone {
		st.items = append(st.items, dataItem{undef: true})
		return i + 1, nil
	}
	if st.width > 8 {
		// Only strings, floats and `?` fill units wider than 64 bits.
		return i, fmt.Errorf("integer supplied as %d-bit data", st.width*8)
	}
	n, end, err := p.parseExpr(toks, i)
	if err != nil {
		return end, err
	}
	wrt, end, err := p.wrt(toks, end)
	if err != nil {
		return end, err
	}
	st.items = append(st.items, dataItem{e: n, wrt: wrt})
	return end, nil
}

// res is `resb count` (and resw, resd ...).
func (p *parser) res(st *stmt, toks []lex.Token, i int) error {
	w := lower(toks[i])
	st.kind, st.width = sRes, resWidths[w]
	n, end, err := p.parseExpr(toks, i+1)
	if err != nil {
		return err
	}
	if end == len(toks)-1 && toks[end].Is(",") {
		end++ // nasm takes `resb 2,`
	}
	if end != len(toks) {
		return fmt.Errorf("trailing garbage after `%s' count", w)
	}
	st.count = n
	return nil
}

// align is `align N[, fill statement]` and `alignb N`.
func (p *parser) align(st *stmt, toks []lex.Token, i int) error {
	w := lower(toks[i])
	st.kind = sAlign
	n, end, err := p.parseExpr(toks, i+1)
	if err != nil {
		return err
	}
	st.count = n
	x := st.more()
	x.alignText, x.noSect, x.smart = lex.Join(toks[i+1:end]), p.sectAlignOff, p.smart
	if w == "alignb" {
		st.width = 1 // reserve, not fill
	}
	if end == len(toks) {
		return nil
	}
	if !toks[end].Is(",") || end+1 >= len(toks) {
		return fmt.Errorf("trailing garbage after `%s'", w)
	}
	fill := p.noted(&stmt{pos: st.pos, sec: st.sec, mode: st.mode, defRel: st.defRel})
	if err := p.body(fill, toks, end+1); err != nil {
		return err
	}
	if fill.timesExpr() != nil || fill.kind == sAlign {
		return fmt.Errorf("invalid fill for `%s'", w)
	}
	st.more().fill = fill
	return nil
}

// incbin is `incbin "file"[, skip[, length]]`, with constant numbers.
func (p *parser) incbin(st *stmt, toks []lex.Token, i int) error {
	if i+1 >= len(toks) || toks[i+1].Kind != lex.Str {
		return fmt.Errorf("`incbin' expects a file name")
	}
	nums := []int64{0, -1} // skip, length (-1: to the end)
	if rest := toks[i+2:]; len(rest) > 0 {
		groups := splitTop(rest[1:])
		if !rest[0].Is(",") || len(groups) > 2 {
			return fmt.Errorf("`incbin' expects a file name, then optional skip and length")
		}
		for k, grp := range groups {
			v, err := p.constant(grp, "trailing garbage in `incbin'")
			if err != nil {
				return err
			}
			if v < 0 {
				return fmt.Errorf("`incbin' skip and length must not be negative")
			}
			nums[k] = v
		}
	}
	data, name, err := p.a.readInclude(toks[i+1].Str, nums[0], nums[1])
	if err != nil {
		return fmt.Errorf("`incbin': unable to open file `%s': %s", toks[i+1].Str, pp.ErrorText(err))
	}
	p.a.incbins = append(p.a.incbins, name)
	st.kind, st.blob = sIncbin, data
	return nil
}

// constant evaluates toks, all of them, as a number known now; trailing
// is the message for tokens left over.
func (p *parser) constant(toks []lex.Token, trailing string) (int64, error) {
	n, end, err := p.parseExpr(toks, 0)
	if err == nil && end != len(toks) {
		err = fmt.Errorf("%s", trailing)
	}
	var v expr.Value
	if err == nil {
		v, err = expr.Eval(n, constEnv{p.a})
	}
	return v.Const, err
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

// emitRes reserves a res statement's space: in a nobits section it only
// grows the size; elsewhere nasm warns and writes zeros.
func (a *assembler) emitRes(st *stmt, sec *section) {
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
			a.pwarnc(st, "zeroing", "%s", zeroingMsg(a.format, sec.name))
		}
		a.reserve(st, sec, v.Const*int64(st.width))
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
	if !st.extra.noSect {
		// nasm's align is `sectalign N` then the padding: the section
		// takes the alignment, which must be a power of two.
		if n&(n-1) != 0 {
			a.perr(st, "segment alignment `%s' is not power of two", st.extra.alignText)
			return
		}
		a.raiseAlign(st.sec, uint64(n))
		if a.format == "bin" {
			a.binSectAlign(st.sec, uint64(n))
		}
	}
	pad := (n - sec.size%n) % n
	if st.width == 1 || sec.flags&obj.FlagNoBits != 0 {
		a.reserve(st, sec, pad)
		return
	}
	fill := st.fillStmt()
	if fill == nil && st.extra.smart != nil && st.width != 1 {
		b, err := a.smartPad(st.extra.smart, pad, sec.size, n, st.mode)
		if err != nil {
			a.perr(st, "%s", err)
			return
		}
		a.write(st, sec, b)
		return
	}
	if fill == nil {
		a.write(st, sec, bytes.Repeat([]byte{0x90}, int(pad)))
		return
	}
	fill.start = st.start // the fill's `$` is the align line's start
	for i := int64(0); i < pad; i++ {
		a.emit(fill, sec)
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
	for _, it := range st.items {
		w := it.unit(st)
		switch {
		case it.isStr:
			b := []byte(it.str)
			if r := len(b) % w; r != 0 {
				b = append(b, make([]byte, w-r)...)
			}
			a.write(st, sec, b)
		case it.undef:
			n := int64(w) * max(it.count, 1)
			if sec.flags&obj.FlagNoBits != 0 {
				a.reserve(st, sec, n) // `?` is uninitialized: fine in .bss
			} else {
				if st.timesExpr() == nil {
					// One warning per run of `?' (dup.go merged the runs).
					a.passWarn = append(a.passWarn, pp.Diag{Pos: st.pos, Warning: true, Class: "zeroing", Msg: zeroingMsg(a.format, sec.name), Note: st.macroNote(), Seq: st.line + 1})
				} else {
					a.pwarnc(st, "zeroing", "%s", zeroingMsg(a.format, sec.name))
				}
				a.write(st, sec, make([]byte, n))
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
				if err := a.dataReloc(st, sec, v, off, w, it.wrt); err != nil {
					a.perr(st, "%s", err)
				}
			} else {
				putLE(field, v.Const, w)
				if !v.Unknown && w < 8 {
					lim := int64(1) << (8 * w)
					// nasm's bound: anything from -2^n to 2^n-1 fits n bits.
					if v.Const >= lim || v.Const < -lim {
						a.pwarnc(st, "number-overflow", "%s data exceeds bounds", map[int]string{1: "byte", 2: "word", 4: "dword"}[w])
					}
				}
			}
			a.write(st, sec, field)
		}
	}
}

// dataReloc records the relocation for a data field holding v: sym+c, or
// sym+c-$ (PC-relative) as nasm accepts, as wrt asks (wrt.go).
func (a *assembler) dataReloc(st *stmt, sec *section, v expr.Value, off int64, w int, wrt string) error {
	if sec.flags&obj.FlagNoBits != 0 {
		return nil
	}
	switch {
	case len(v.Terms) == 1 && v.Terms[0].Coef == 1:
		a.reloc(st, sec, off, w, obj.RelocAbs, v.Terms[0].Sym, v.Const, v.Const, wrt)
		return nil
	case len(v.Terms) == 2:
		t0, t1 := v.Terms[0], v.Terms[1]
		if t0.Coef == -1 {
			t0, t1 = t1, t0
		}
		if t0.Coef == 1 && t1.Coef == -1 && t1.Sym == sec.key {
			a.reloc(st, sec, off, w, obj.RelocPCRel, t0.Sym, v.Const+off, v.Const, wrt)
			return nil
		}
	}
	return fmt.Errorf("invalid relocatable expression (not a symbol plus a constant)")
}

// zeroingMsg is nasm's warning for reserved space in a section with bytes
// (worded differently by its bin and elf back ends).
func zeroingMsg(format, sec string) string {
	if format == "bin" {
		return fmt.Sprintf("uninitialized space declared in %s section: zeroing", sec)
	}
	return fmt.Sprintf("uninitialized space declared in non-BSS section `%s': zeroing", sec)
}
