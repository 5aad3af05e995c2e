package asm

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// directives maps each assembler directive to its handler, which gets
// the directive's name (lower case) and the tokens after it. The
// statement-like directives align, alignb and incbin are in statements
// (parse.go). A name in neither table is not a directive.
var directives = map[string]func(p *parser, name string, args []lex.Token){
	// modes (this file)
	"bits": (*parser).bits, "use16": (*parser).use, "use32": (*parser).use, "use64": (*parser).use,
	"default": (*parser).defaultDirective,
	// sections (sections.go)
	"section": (*parser).section, "segment": (*parser).section,
	"absolute":  (*parser).absolute,
	"org":       (*parser).org,
	"sectalign": (*parser).sectalign,
	// %use smartalign's alignment mode (smartalign.go)
	"__?alignmode?__": (*parser).alignmodeDirective,
	// symbols (symbols.go)
	"global": (*parser).symbols, "extern": (*parser).symbols, "static": (*parser).symbols, "required": (*parser).symbols,
	"common": (*parser).common,
	// structures (struc.go)
	"struc": (*parser).struc, "endstruc": (*parser).endstruc,
	"istruc": (*parser).istruc, "at": (*parser).at, "iend": (*parser).at,
	// floating-point constants' rounding and denormals (floatmode.go)
	"float": (*parser).floatDirective,
	// informational for nasm; they do not change the bytes we produce
	"cpu":     (*parser).cpu, // cpu.go
	"warning": ignored, "list": (*parser).list, "debug": (*parser).debugDirective,
	"map":    (*parser).mapDirective, // -f bin's map file (binmap.go)
	"pragma": (*parser).pragma,       // %pragma's line (pragma.go) "float": ignored,
}

func ignored(*parser, string, []lex.Token) {}

// list is `[list +]` or `[list -]` (listing on or off; there is no
// listing file): nasm looks at the first character only.
func (p *parser) list(_ string, args []lex.Token) {
	if len(args) == 0 || !strings.HasPrefix(args[0].Text, "+") && !strings.HasPrefix(args[0].Text, "-") {
		p.errorf("invalid parameter to [list] directive")
	}
}

// debugDirective is `[debug name ...]`, which nasm hands to the debug
// format; DWARF takes nothing from it.
func (p *parser) debugDirective(_ string, args []lex.Token) {
	if len(args) == 0 || args[0].Kind != lex.Ident {
		p.errorf("identifier expected after DEBUG")
	}
}

// bits is `bits 16|32|64`.
func (p *parser) bits(_ string, args []lex.Token) {
	if len(args) != 1 || args[0].Kind != lex.Num || (args[0].Val != 16 && args[0].Val != 32 && args[0].Val != 64) {
		p.errorf("`bits' expects 16, 32 or 64")
		return
	}
	p.setBits(p.bitsForCPU(int(args[0].Val)))
}

// use is use16, use32 and use64.
func (p *parser) use(name string, args []lex.Token) {
	if len(args) != 0 {
		p.errorf("`%s' takes no arguments", name)
		return
	}
	p.setBits(p.bitsForCPU(map[string]int{"use16": 16, "use32": 32, "use64": 64}[name]))
}

func (p *parser) setBits(n int) {
	if !p.seenBits {
		p.seenBits = true
		p.a.firstBits = n
		if p.a.format == "elf" {
			p.a.resolveELF(n)
		}
	}
	p.mode = n
}

// defaultDirective is `default rel|abs|bnd|nobnd ...`.
func (p *parser) defaultDirective(_ string, args []lex.Token) {
	for _, t := range args {
		switch lower(t) {
		case "rel":
			p.defRel = true
		case "abs":
			p.defRel = false
		case "bnd":
			p.defBnd = true
		case "nobnd":
			p.defBnd = false
		default:
			p.errorf("unknown `default' setting `%s'", t.Text)
		}
	}
}

var _ = fmt.Sprint
