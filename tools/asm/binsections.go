package asm

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// The flat-binary (-f bin) section model, as nasm 2.16's bin format has
// it: every section has a load address (start) and a run address
// (vstart), given by the section directive's attributes (start=,
// vstart=, align=, valign=, follows=, vfollows=, progbits, nobits) or
// worked out from the sections before it; labels are at vstart plus
// their offset, section.NAME.start and section.NAME.vstart name the two
// addresses, and the file holds the progbits sections at their start
// addresses minus the origin.

// binFlags are the attributes a bin section was given.
type binFlags uint16

const (
	binStart binFlags = 1 << iota
	binAlign
	binFollows
	binVStart
	binVAlign
	binVFollows
	binTyped // progbits or nobits was decided
	binProgbits
	binNobits
)

// perPass are the attributes given again in each pass (nasm clears
// them when a pass starts; the others stay).
const perPass = binStart | binVStart | binAlign | binVAlign

// binSection is a section's bin layout.
type binSection struct {
	flags             binFlags
	align, valign     uint64
	start, vstart     uint64
	follows, vfollows string
	noPrev            bool // .bss: follows the last progbits section, not the one declared before it
	next              *section
}

type binAttrKind uint8

const (
	attrStart binAttrKind = iota
	attrAlign
	attrFollows
	attrVStart
	attrVAlign
	attrVFollows
	attrNobits
	attrProgbits
	attrSectAlign // not an attribute: sectalign's value, applied in order with them
)

// binAttr is one attribute of a section directive, read as nasm reads
// the directive's text.
type binAttr struct {
	kind binAttrKind
	name string    // follows=, vfollows=
	val  expr.Node // start=, vstart=, align=, valign=; nil when it had no value
	text string
}

// binAttrNames are the attributes, matched without regard to case at
// the start of a word; those with a value end in `=`.
var binAttrNames = []struct {
	word string
	kind binAttrKind
}{
	{"align=", attrAlign}, {"start=", attrStart}, {"follows=", attrFollows},
	{"vstart=", attrVStart}, {"valign=", attrVAlign}, {"vfollows=", attrVFollows},
	{"nobits", attrNobits}, {"progbits", attrProgbits},
}

// parseBinAttrs reads the attributes after a section's name from the
// directive's text as nasm does: a value runs to the next blank unless
// it starts with `(`, where it runs to the matching `)`, so that
// `vstart=BASE + 0x1000` is vstart=BASE followed by two unknown words.
// Unknown words get nasm's warning and are ignored.
func (p *parser) parseBinAttrs(text string) []binAttr {
	var attrs []binAttr
	for {
		text = strings.TrimLeft(text, " \t")
		if text == "" {
			return attrs
		}
		kind, n, ok := binAttrWord(text)
		if !ok {
			word, rest, _ := strings.Cut(text, " ")
			p.a.warnf(p.pos, "ignoring unknown section attribute: \"%s\"", word)
			text = rest
			continue
		}
		text = text[n:]
		switch kind {
		case attrNobits, attrProgbits:
			attrs = append(attrs, binAttr{kind: kind})
			continue
		case attrFollows, attrVFollows:
			// The name runs to the next blank.
			i := strings.IndexAny(text, " \t")
			if i < 0 {
				i = len(text)
			}
			if i == 0 {
				p.errorf("expecting section name for `%s' attribute", strings.TrimSuffix(binAttrNames[kind].word, "="))
			} else {
				attrs = append(attrs, binAttr{kind: kind, name: text[:i]})
			}
			text = text[i:]
			continue
		}
		var val string
		if strings.HasPrefix(text, "(") {
			end, err := closingParen(text)
			if err != nil {
				p.errorf("%s", err)
				return attrs
			}
			val, text = text[1:end], text[end+1:]
		} else {
			i := strings.IndexAny(text, " \t")
			if i < 0 {
				i = len(text)
			}
			val, text = text[:i], text[i:]
		}
		if val == "" {
			p.a.warnf(p.pos, "No value given to attribute in `section' directive")
			continue
		}
		toks, err := lex.Line(val)
		var node expr.Node
		if err == nil {
			var end int
			node, end, err = p.parseExpr(toks, 0)
			if err == nil && end != len(toks) {
				err = fmt.Errorf("expression syntax error")
			}
		}
		if err != nil {
			p.errorf("Invalid attribute value specified in `section' directive.")
			continue
		}
		attrs = append(attrs, binAttr{kind: kind, val: node, text: val})
	}
}

// binAttrWord matches an attribute name at the start of text.
func binAttrWord(text string) (binAttrKind, int, bool) {
	for _, a := range binAttrNames {
		n := len(a.word)
		if len(text) < n || !strings.EqualFold(text[:n], a.word) {
			continue
		}
		if !strings.HasSuffix(a.word, "=") && len(text) > n && text[n] != ' ' && text[n] != '\t' {
			continue // nobits and progbits are whole words
		}
		return a.kind, n, true
	}
	return 0, 0, false
}

// closingParen finds the `)` that closes text's leading `(`, skipping
// quoted strings, as nasm does.
func closingParen(text string) (int, error) {
	depth := 0
	for i := 0; i < len(text); i++ {
		switch c := text[i]; c {
		case '(':
			depth++
		case ')':
			depth--
			if depth == 0 {
				return i, nil
			}
		case '"', '\'':
			j := strings.IndexByte(text[i+1:], c)
			if j < 0 {
				return 0, fmt.Errorf("invalid syntax in `section' directive")
			}
			i += j + 1
		}
	}
	return 0, fmt.Errorf("expecting `)'")
}

// binSectionAttrs reads a section directive's attributes for -f bin:
// progbits and nobits at once, the others in each pass.
func (p *parser) binSectionAttrs(idx int, args []lex.Token) {
	var valued []binAttr
	for _, at := range p.parseBinAttrs(lex.Join(args)) {
		switch at.kind {
		case attrNobits, attrProgbits:
			p.setBinType(p.a.secs[idx], at.kind)
		default:
			valued = append(valued, at)
		}
	}
	if s := p.a.secs[idx]; s.bin.flags&binTyped == 0 {
		p.setBinType(s, attrProgbits)
	}
	if len(valued) > 0 {
		st := p.newStmt()
		st.sec = idx
		st.more().attrs = valued
		p.a.addStmt(st)
	}
}

// setBinType applies progbits or nobits, which are known when the
// directive is read.
func (p *parser) setBinType(s *section, kind binAttrKind) {
	b := &s.bin
	switch {
	case kind == attrNobits && b.flags&binProgbits != 0:
		p.errorf("attempt to change section type from progbits to nobits")
	case kind == attrProgbits && b.flags&binNobits != 0:
		p.errorf("attempt to change section type from nobits to progbits")
	case kind == attrNobits:
		b.flags |= binTyped | binNobits
		s.flags |= obj.FlagNoBits
	default:
		b.flags |= binTyped | binProgbits
		s.flags &^= obj.FlagNoBits
	}
}

// newBinSection sets up a section's bin state as nasm creates it: .text
// and .data are progbits, .bss is nobits and follows the last progbits
// section; the others get a type from their first directive (progbits
// unless it says nobits).
func newBinSection(s *section) {
	switch s.name {
	case ".bss":
		s.bin.flags = binTyped | binNobits
		s.bin.noPrev = true
		s.flags |= obj.FlagNoBits
	case ".text", ".data":
		s.bin.flags = binTyped | binProgbits
		s.flags &^= obj.FlagNoBits
	}
}

// applyBinAttrs applies a section directive's valued attributes in this
// pass, as nasm does in each pass after the first (the values may use
// equ symbols defined anywhere, known by then).
func (a *assembler) applyBinAttrs(st *stmt) {
	sec := a.secs[st.sec]
	b := &sec.bin
	for _, at := range st.extra.attrs {
		var v uint64
		if at.val != nil {
			val, err := a.eval(st, at.val)
			switch {
			case err != nil:
				a.perr(st, "%s", err)
				continue
			case val.Unknown:
				a.unknown = true
				continue
			case !val.Simple():
				a.perr(st, "section attribute value must be a critical expression")
				continue
			}
			v = uint64(val.Const)
		}
		switch at.kind {
		case attrSectAlign:
			a.binSectAlign(st.sec, v)
		case attrAlign:
			if v == 0 || v&(v-1) != 0 {
				a.perr(st, "argument to `align' is not a power of two")
				continue
			}
			if b.flags&binAlign != 0 && v < b.align {
				v = b.align
			}
			if b.flags&binStart != 0 && b.start&(v-1) != 0 {
				a.perr(st, "`align' value conflicts with section start address")
				continue
			}
			b.align = v
			b.flags |= binAlign
		case attrVAlign:
			if v == 0 || v&(v-1) != 0 {
				a.perr(st, "argument to `valign' is not a power of two")
				continue
			}
			if b.flags&binVAlign != 0 && v < b.valign {
				v = b.valign
			}
			if b.flags&binVStart != 0 && b.vstart&(v-1) != 0 {
				a.perr(st, "`valign' value conflicts with `vstart' address")
				continue
			}
			b.valign = v
			b.flags |= binVAlign
		case attrStart:
			switch {
			case b.flags&binFollows != 0:
				a.perr(st, "cannot combine `start' and `follows' section attributes")
			case b.flags&binStart != 0 && v != b.start:
				a.perr(st, "section start address redefined")
			default:
				b.start = v
				b.flags |= binStart
				if b.flags&binAlign != 0 {
					if b.start&(b.align-1) != 0 {
						a.perr(st, "`start' address conflicts with section alignment")
					}
					b.flags &^= binAlign
				}
			}
		case attrVStart:
			switch {
			case b.flags&binVFollows != 0:
				a.perr(st, "cannot combine `vstart' and `vfollows' section attributes")
			case b.flags&binVStart != 0 && v != b.vstart:
				a.perr(st, "section virtual start address (vstart) redefined")
			default:
				b.vstart = v
				b.flags |= binVStart
				if b.flags&binVAlign != 0 {
					if b.vstart&(b.valign-1) != 0 {
						a.perr(st, "`vstart' address conflicts with `valign' value")
					}
					b.flags &^= binVAlign
				}
			}
		case attrFollows:
			if b.flags&binStart != 0 {
				a.perr(st, "cannot combine `start' and `follows' section attributes")
			}
			b.follows = at.name
			b.flags |= binFollows
		case attrVFollows:
			if b.flags&binVStart != 0 {
				a.perr(st, "cannot combine `vstart' and `vfollows' section attributes")
				continue
			}
			b.vfollows = at.name
			b.flags |= binVFollows
		}
	}
}

// binSectAlign is nasm's bin sectalign (the align directives and
// `sectalign`): it raises the section's alignment and marks it given.
func (a *assembler) binSectAlign(idx int, n uint64) {
	if idx < 0 || n == 0 || n&(n-1) != 0 {
		return
	}
	b := &a.secs[idx].bin
	if n > b.align {
		b.align = n
	}
	b.flags |= binAlign
}

// binSections are the sections in nasm's list order: .text (which nasm
// always has), then the others as they were first declared.
func (a *assembler) binSections() []*section {
	text := -1
	for i, s := range a.secs {
		if s.name == ".text" && !s.absolute {
			text = i
		}
	}
	if text < 0 {
		text = a.sectionIndex(".text", pp.Pos{})
	}
	list := []*section{a.secs[text]}
	for i, s := range a.secs {
		if i != text && !s.absolute {
			list = append(list, s)
		}
	}
	return list
}

func alignUp(v, n uint64) uint64 {
	if n == 0 {
		return v
	}
	return (v + n - 1) &^ (n - 1)
}

// layoutBin works out every section's start and vstart, as nasm's bin
// format does once the passes are done: nobits sections apart, progbits
// sections ordered by follows= and start=, start addresses from the
// origin and alignments (4 by default), then the virtual addresses. It
// returns the progbits sections in file order.
func (a *assembler) layoutBin() ([]*section, error) {
	all := a.binSections()
	for i, s := range all {
		s.bin.next = nil
		if i+1 < len(all) {
			s.bin.next = all[i+1]
		}
	}
	prev := map[*section]*section{}
	for i, s := range all {
		if i > 0 && !s.bin.noPrev {
			prev[s] = all[i-1]
		}
	}
	// Step 1: the nobits sections in a list of their own; their real and
	// virtual attributes mean the same.
	sections := all[0]
	var nobits, nobitsTail *section
	for sp := &sections.bin.next; *sp != nil; {
		s := *sp
		b := &s.bin
		if b.flags&binProgbits != 0 {
			sp = &b.next
			continue
		}
		if b.flags&(binStart|binAlign|binFollows) != 0 {
			if b.flags&(binVStart|binVAlign|binVFollows) != 0 {
				return nil, fmt.Errorf("cannot mix real and virtual attributes in nobits section (%s)", s.name)
			}
			if b.flags&binStart != 0 {
				b.vstart = b.start
				b.flags |= binVStart
			}
			if b.flags&binAlign != 0 {
				b.valign = b.align
				b.flags |= binVAlign
			}
			if b.flags&binFollows != 0 {
				b.vfollows = b.follows
				b.flags |= binVFollows
				b.flags &^= binFollows
			}
		}
		if b.flags&binVStart != 0 {
			b.start = b.vstart
			b.flags |= binStart
		}
		*sp = b.next
		b.next = nil
		if nobits == nil {
			nobits = s
		} else {
			nobitsTail.bin.next = s
		}
		nobitsTail = s
	}
	find := func(name string) *section {
		for s := sections; s != nil; s = s.bin.next {
			if s.name == name {
				return s
			}
		}
		return nil
	}
	followsThis := func(s, n *section) bool {
		return n != nil && n.bin.flags&binFollows != 0 && n.bin.follows == s.name
	}
	// Step 2: move each group that follows= another section after it. A
	// group is a section with follows= and those declared after it
	// without start= or follows=.
	gp := &sections
	for g := sections; g != nil; {
		if g.bin.flags&binFollows == 0 {
			for g.bin.next != nil && !(g.bin.next.bin.flags&binFollows != 0 && g.name != g.bin.next.bin.follows) {
				g = g.bin.next
			}
			if g.bin.next == nil {
				break
			}
			gp = &g.bin.next
			g = g.bin.next
		}
		s := find(g.bin.follows)
		switch {
		case s == nil:
			return nil, fmt.Errorf("section %s follows an invalid or unknown section (%s)", g.name, g.bin.follows)
		case s == g:
			return nil, fmt.Errorf("section %s is self following", s.name)
		case followsThis(s, s.bin.next):
			return nil, fmt.Errorf("sections %s and %s can't both follow section %s", g.name, s.bin.next.name, s.name)
		}
		gsp := &g.bin.next
		gs := g.bin.next
		for gs != nil && gs != s && gs.bin.flags&binStart == 0 {
			if gs.bin.next != nil && gs.bin.next.bin.flags&binFollows != 0 && gs.name != gs.bin.next.bin.follows {
				gsp = &gs.bin.next
				gs = gs.bin.next
				break
			}
			gsp = &gs.bin.next
			gs = gs.bin.next
		}
		*gsp = s.bin.next
		s.bin.next = g
		*gp = gs
		g = gs
	}
	// Then each group that starts with start= goes before the first
	// section with a higher start address.
	var sorted *section
	for g := sections; g != nil; {
		sp := &sorted
		s := sorted
		for ; s != nil; sp, s = &s.bin.next, s.bin.next {
			if s.bin.flags&binStart != 0 && g.bin.start < s.bin.start {
				break
			}
		}
		gsp := &g.bin.next
		gs := g.bin.next
		for gs != nil && gs.bin.flags&binStart == 0 {
			gsp, gs = &gs.bin.next, gs.bin.next
		}
		*sp = g
		*gsp = s
		g = gs
	}
	sections = sorted
	// Step 3: start addresses.
	first := &sections.bin
	origin := uint64(a.org)
	if a.orgSet {
		switch {
		case first.flags&binStart != 0:
			if first.start < origin {
				return nil, fmt.Errorf("section %s begins before program origin", sections.name)
			}
		case first.flags&binAlign != 0:
			first.start = alignUp(origin, first.align)
		default:
			first.start = origin
		}
	} else {
		if first.flags&binStart == 0 {
			first.start = 0
		}
		origin = first.start
	}
	first.flags |= binStart
	pend := first.start
	var last *section // the last section with bytes
	for g, s := sections, sections; g != nil; g = g.bin.next {
		if g == s {
			for s = g.bin.next; s != nil && (s.size == 0 || s.bin.flags&binStart == 0); s = s.bin.next {
			}
		}
		b := &g.bin
		if b.flags&binStart == 0 {
			if b.flags&binAlign == 0 {
				b.align = 4
				b.flags |= binAlign
			}
			b.start = alignUp(pend, b.align)
			b.flags |= binStart
		}
		if b.flags&(binVStart|binVFollows) == 0 {
			if b.flags&binVAlign != 0 {
				b.vstart = alignUp(pend, b.valign)
			} else {
				b.vstart = b.start
			}
			b.flags |= binVStart
		}
		if b.start < pend {
			continue // empty, within the previous section
		}
		pend = b.start + uint64(g.size)
		if s != nil {
			switch {
			case s.bin.start < origin:
				return nil, fmt.Errorf("section %s beings before program origin", s.name)
			case b.start > s.bin.start:
				lastName := ""
				if last != nil {
					lastName = last.name
				}
				return nil, fmt.Errorf("sections %s ~ %s and %s overlap%s", lastName, g.name, s.name, "!") // nasm's words
			case pend > s.bin.start:
				return nil, fmt.Errorf("sections %s and %s overlap%s", g.name, s.name, "!")
			}
		}
		last = g
	}
	a.binOrigin = origin
	// Step 4: virtual addresses, after the sections they follow.
	var lastProgbits *section
	for s := sections; s != nil; s = s.bin.next {
		lastProgbits = s
	}
	lastProgbits.bin.next = nobits
	for {
		progress := 0
		for g := sections; g != nil; g = g.bin.next {
			b := &g.bin
			if b.flags&binVStart != 0 {
				continue
			}
			var s *section
			switch {
			case b.flags&binVFollows != 0:
				if s = find(b.vfollows); s == nil {
					return nil, fmt.Errorf("section %s vfollows unknown section (%s)", g.name, b.vfollows)
				}
			case prev[g] != nil:
				s = prev[g]
			default:
				s = lastProgbits
			}
			if s.bin.flags&binVStart == 0 {
				continue
			}
			if b.flags&binVAlign == 0 {
				b.valign = 4
				b.flags |= binVAlign
			}
			b.vstart = alignUp(s.bin.vstart+uint64(s.size), b.valign)
			b.flags |= binVStart
			progress++
			if b.flags&binNobits != 0 {
				b.start = b.vstart
			}
		}
		if progress == 0 {
			break
		}
	}
	var cyclic []string
	for s := sections; s != nil; s = s.bin.next {
		if s.bin.flags&binVStart == 0 {
			cyclic = append(cyclic, fmt.Sprintf("cannot compute vstart for section %s", s.name))
		}
	}
	if cyclic != nil {
		return nil, fmt.Errorf("%s; circular vfollows path detected", strings.Join(cyclic, "; "))
	}
	var order []*section
	a.binList = nil
	for s := sections; s != nil; s = s.bin.next {
		a.binList = append(a.binList, s)
		if s.bin.flags&binProgbits != 0 && len(order) == len(a.binList)-1 {
			order = append(order, s)
		}
	}
	return order, nil
}

// binSymbol is the value of section.NAME.start or section.NAME.vstart,
// which nasm's bin format defines for every section.
func (a *assembler) binSymbol(name string) (expr.Value, bool) {
	if a.format != "bin" || !strings.HasPrefix(name, "section.") {
		return expr.Value{}, false
	}
	rest := name[len("section."):]
	secName, which := "", ""
	switch {
	case strings.HasSuffix(rest, ".vstart"):
		secName, which = strings.TrimSuffix(rest, ".vstart"), "vstart"
	case strings.HasSuffix(rest, ".start"):
		secName, which = strings.TrimSuffix(rest, ".start"), "start"
	default:
		return expr.Value{}, false
	}
	for i, s := range a.secs {
		if s.name == secName && !s.absolute {
			if which == "vstart" {
				return a.addr(i, 0), true
			}
			return expr.Value{Terms: []expr.Term{{Sym: startKey(s), Coef: 1}}}, true
		}
	}
	return expr.Value{}, false
}

// startKey is the relocation target of a section's load address.
func startKey(s *section) string { return s.key + "start" }
