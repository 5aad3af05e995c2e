package asm

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// Sections: the model, the directives that switch and shape them
// (section, absolute, org, sectalign), and the -f bin layout.

type section struct {
	name    string
	key     string
	flags   obj.SectionFlags
	align   uint64
	pos     pp.Pos
	data    []byte
	size    int64
	relocs  []obj.Reloc
	relSym  []string        // symbol key of each reloc (resolved to indexes at output)
	relStmt []*stmt         // statement of each reloc, for -f bin range errors
	gsym    map[int]gsymRef // relocations nasm makes against a global symbol, by index (wrt.go)
	start   int64           // -f bin: load address

	absolute bool  // an `absolute` space: labels are numbers, no bytes
	absBase  int64 // its starting address
	// absSym, for `absolute label+absAdd` (label defined before): the
	// space starts there, in the label's section (see place).
	absSym *symbol
	absAdd int64

	bin binSection // -f bin: addresses and attributes (binsections.go)

	// declared: a section directive named it (a .text that is only
	// the default is left out of objects when empty)
	declared bool

	// terms is the symbolic part of an address in the section, shared by
	// every value that refers to it (values are never modified in place).
	terms []expr.Term
}

func secKey(name string) string { return "[" + name + "]" }

// standardSections are the flags and alignment ELF gives the usual
// section names; any other name is allocated, read-only data.
var standardSections = map[string]struct {
	flags obj.SectionFlags
	align uint64
}{
	".text":    {obj.FlagAlloc | obj.FlagExec, 16},
	".data":    {obj.FlagAlloc | obj.FlagWrite, 4},
	".rodata":  {obj.FlagAlloc, 4},
	".bss":     {obj.FlagAlloc | obj.FlagWrite | obj.FlagNoBits, 4},
	".comment": {0, 1},
}

// sectionIndex returns the section named name, created on first use.
func (a *assembler) sectionIndex(name string, pos pp.Pos) int {
	for i, s := range a.secs {
		if s.name == name && !s.absolute {
			return i
		}
	}
	name = strings.Clone(name) // not a part of a source line (see parser.keep)
	s := &section{name: name, key: secKey(name), pos: pos, align: 1, start: -1, flags: obj.FlagAlloc}
	if std, ok := standardSections[name]; ok {
		s.flags, s.align = std.flags, std.align
	}
	if a.format == "bin" {
		newBinSection(s)
	}
	a.secs = append(a.secs, s)
	return len(a.secs) - 1
}

// sectionAttrFlags are the section attributes that set or clear a flag.
var sectionAttrFlags = map[string]struct {
	flag obj.SectionFlags
	set  bool
}{
	"progbits": {obj.FlagNoBits, false}, "nobits": {obj.FlagNoBits, true},
	"alloc": {obj.FlagAlloc, true}, "noalloc": {obj.FlagAlloc, false},
	"exec": {obj.FlagExec, true}, "noexec": {obj.FlagExec, false},
	"write": {obj.FlagWrite, true}, "nowrite": {obj.FlagWrite, false},
}

// sectionAttrs applies `progbits nobits alloc noalloc exec noexec write
// nowrite align=N` from a section directive.
func (a *assembler) sectionAttrs(idx int, args []lex.Token, pos pp.Pos) error {
	s := a.secs[idx]
	for i := 0; i < len(args); i++ {
		w := strings.ToLower(args[i].Text)
		if f, ok := sectionAttrFlags[w]; ok {
			switch {
			case a.format == "bin" && w != "progbits" && w != "nobits":
				// The flat format has no such flags; nasm says so and goes on.
				a.warnf(pos, "ignoring unknown section attribute: \"%s\"", args[i].Text)
			case f.set:
				s.flags |= f.flag
			default:
				s.flags &^= f.flag
			}
			continue
		}
		if w != "align" {
			return fmt.Errorf("unknown section attribute `%s'", args[i].Text)
		}
		if i+2 >= len(args) || !args[i+1].Is("=") || args[i+2].Kind != lex.Num {
			return fmt.Errorf("`align=' expects a number")
		}
		n := args[i+2].Val
		if n <= 0 || n&(n-1) != 0 || n > 1<<16 {
			return fmt.Errorf("section alignment %d is not a power of two", n)
		}
		s.align = uint64(n)
		i += 2
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

// section is `section name [attributes]` (and `segment`).
func (p *parser) section(name string, args []lex.Token) {
	if len(args) == 0 {
		p.errorf("`%s' expects a section name", name)
		return
	}
	// The name is everything up to the first blank (.note.GNU-stack
	// lexes as several tokens). Quotes stay part of it, as in nasm 2.16:
	// `section ".text"` is another section than .text.
	n := 1
	for n < len(args) && !args[n].Space {
		n++
	}
	secName := lex.Join(args[:n])
	idx := p.a.sectionIndex(secName, p.pos)
	p.a.secs[idx].declared = true
	if p.a.format == "bin" {
		p.binSectionAttrs(idx, args[n:])
	} else if err := p.a.sectionAttrs(idx, args[n:], p.pos); err != nil {
		p.errorf("%s", err)
	}
	p.sec = idx
	p.sect = "[" + name + " " + lex.Join(args) + "]"
}

// org is `org address`, -f bin only.
func (p *parser) org(_ string, args []lex.Token) {
	a := p.a
	if a.format != "bin" {
		p.errorf("`org' is only valid with -f bin")
		return
	}
	v, err := p.constant(args, "trailing garbage after `org'")
	if err != nil {
		p.errorf("%s", err)
		return
	}
	if a.orgSet && a.org != v {
		p.errorf("program origin redefined")
		return
	}
	a.org, a.orgSet = v, true
}

// sectalign is `sectalign N|on|off`: it raises the current section's
// alignment.
func (p *parser) sectalign(_ string, args []lex.Token) {
	if len(args) == 1 && (lower(args[0]) == "off" || lower(args[0]) == "on") {
		p.sectAlignOff = lower(args[0]) == "off"
		return
	}
	n, _, err := p.parseExpr(args, 0)
	var v expr.Value
	if err == nil {
		v, err = expr.Eval(n, constEnv{p.a})
	}
	if err != nil || v.Const <= 0 || v.Const&(v.Const-1) != 0 {
		p.errorf("`sectalign' expects a power of two")
		return
	}
	p.a.raiseAlign(p.sec, uint64(v.Const))
	if p.a.format == "bin" && p.sec >= 0 {
		// nasm's bin format marks the alignment given, in each pass.
		st := p.newStmt()
		st.more().attrs = []binAttr{{kind: attrSectAlign, val: n}}
		p.a.addStmt(st)
	}
}

// absolute is `absolute address`: what follows defines labels with
// plain values and emits nothing.
func (p *parser) absolute(_ string, args []lex.Token) {
	v, err := p.constant(args, "trailing garbage after `absolute'")
	if err != nil {
		if sym, add, ok := p.labelBase(args); ok {
			p.sec = p.a.absoluteSection(0, p.pos)
			p.a.secs[p.sec].absSym, p.a.secs[p.sec].absAdd = sym, add
			p.sect = "[absolute " + lex.Join(args) + "]"
			return
		}
		p.errorf("`absolute' needs a constant address: %s", err)
		return
	}
	p.sec = p.a.absoluteSection(v, p.pos)
	p.sect = "[absolute " + lex.Join(args) + "]"
}

// labelBase recognizes `absolute label+n`, a label defined before plus
// a constant: nasm then places the space's labels in the label's
// section, at addresses that move with it.
func (p *parser) labelBase(args []lex.Token) (*symbol, int64, bool) {
	n, end, err := p.parseExpr(args, 0)
	if err != nil || end != len(args) {
		return nil, 0, false
	}
	v, err := expr.Eval(n, labelEnv{p})
	if err != nil || len(v.Terms) != 1 || v.Terms[0].Coef != 1 || len(v.Regs) > 0 || v.Unknown {
		return nil, 0, false
	}
	return p.a.syms[v.Terms[0].Sym], v.Const, true
}

// labelEnv evaluates labels defined so far as themselves, for
// labelBase.
type labelEnv struct{ p *parser }

func (e labelEnv) Lookup(name string) (expr.Value, error) {
	if s := e.p.a.syms[e.p.qualify(name)]; s != nil && s.kind == symLabel {
		return expr.Value{Terms: []expr.Term{{Sym: s.name, Coef: 1}}}, nil
	}
	return constEnv{e.p.a}.Lookup(name)
}
func (e labelEnv) Here() (expr.Value, error)      { return expr.ConstEnv{}.Here() }
func (e labelEnv) SectStart() (expr.Value, error) { return expr.ConstEnv{}.SectStart() }

// place is where offset off of section sec is: through `absolute
// label` spaces, the section the label is in and the offset there.
func (a *assembler) place(sec int, off int64) (int, int64) {
	for range a.secs { // each step goes to an earlier space: no loop
		s := a.secs[sec]
		if s.absSym == nil {
			break
		}
		off += s.absSym.off + s.absAdd
		sec = s.absSym.sec
	}
	return sec, off
}
