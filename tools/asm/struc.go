package asm

import (
	"strings"

	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// Structures: struc/endstruc declare field offsets in an absolute space;
// istruc/at/iend lay out an instance with zero padding, as nasm's
// standard macros do.

// struc is `struc name[, base]`.
func (p *parser) struc(_ string, args []lex.Token) {
	parts := splitTop(args)
	if len(args) == 0 || len(parts) > 2 || len(parts[0]) != 1 || parts[0][0].Kind != lex.Ident {
		p.errorf("`struc' expects a structure name")
		return
	}
	base := int64(0)
	if len(parts) == 2 {
		n, _, err := p.parseExpr(parts[1], 0)
		var v expr.Value
		if err == nil {
			v, err = expr.Eval(n, constEnv{p.a})
		}
		if err != nil {
			p.errorf("%s", err)
			return
		}
		base = v.Const
	}
	name := parts[0][0].Text
	// nasm's struc is a macro that pushes a context, so a struc inside
	// another (as after a misspelt endstruc) opens a new one from the
	// new base; its endstruc returns to the section before the first.
	if len(p.strucNames) == 0 {
		p.strucSave = p.sec
	}
	p.strucNames = append(p.strucNames, name)
	p.sec = p.a.absoluteSection(base, p.pos)
	p.scope = name
	p.a.addStmt(p.noted(&stmt{pos: p.pos, label: name, sec: p.sec, mode: p.mode}))
}

// endstruc defines NAME_size as `$ - NAME` and returns to the section
// before the struc.
func (p *parser) endstruc(string, []lex.Token) {
	if len(p.strucNames) == 0 {
		p.errorf("`endstruc' without `struc'")
		return
	}
	name := p.strucNames[len(p.strucNames)-1]
	p.strucNames = p.strucNames[:len(p.strucNames)-1]
	p.a.addStmt(p.noted(&stmt{pos: p.pos, label: name + "_size", kind: sEqu, sec: p.sec, mode: p.mode,
		count: expr.Binary{Op: "-", X: expr.Here{}, Y: expr.Ident{Name: name}}}))
	p.sec = p.strucSave
	if p.sec < 0 {
		// nasm's endstruc returns with __SECT__, at first `[section
		// .text]`: that declares .text, and the object has it even empty.
		p.sec = p.a.sectionIndex(".text", p.pos)
		p.a.secs[p.sec].declared = true
	}
}

// istruc is `istruc name`: an instance starts here.
func (p *parser) istruc(_ string, args []lex.Token) {
	if len(args) != 1 || args[0].Kind != lex.Ident {
		p.errorf("`istruc' expects a structure name")
		return
	}
	p.istrucName = args[0].Text
	// nasm's istruc macro pushes a context (the number after its own)
	// and labels the start in it.
	p.istrucLbl = fmt.Sprintf("..@%d.strucstart", p.nextNumber+1)
	p.a.addStmt(p.noted(&stmt{pos: p.pos, label: p.istrucLbl, sec: p.sec, mode: p.mode, defRel: p.defRel}))
}

// at is `at field[, statement]` and `iend`: zeros up to the field (or
// the structure's end), then the field's statement.
func (p *parser) at(name string, args []lex.Token) {
	if p.istrucName == "" {
		p.errorf("`%s' outside `istruc'", name)
		return
	}
	var target expr.Node
	var rest []lex.Token
	if name == "at" {
		if len(args) == 0 || args[0].Kind != lex.Ident {
			p.errorf("`at' expects a structure field")
			return
		}
		field := p.qualify(args[0].Text)
		if f := args[0].Text; strings.HasPrefix(f, ".") && !strings.HasPrefix(f, "..") {
			field = p.istrucName + f // nasm's `at .x' is a field of the structure, whatever label came last
		}
		target = expr.Binary{Op: "-", X: expr.Ident{Name: field}, Y: expr.Ident{Name: p.istrucName}}
		rest = args[1:]
		if len(rest) > 0 {
			if !rest[0].Is(",") {
				p.errorf("comma expected after the field of `at'")
				return
			}
			rest = rest[1:]
		}
	} else {
		target = expr.Ident{Name: p.istrucName + "_size"}
		if len(args) != 0 {
			p.errorf("`iend' takes no arguments")
			return
		}
	}
	pad := p.noted(&stmt{pos: p.pos, sec: p.sec, mode: p.mode, kind: sData, width: 1, items: []dataItem{{e: expr.Num{}}}})
	pad.more().times = expr.Binary{Op: "-", X: target, Y: expr.Binary{Op: "-", X: expr.Here{}, Y: expr.Ident{Name: p.istrucLbl}}}
	p.a.addStmt(pad)
	if name == "iend" {
		p.istrucName = ""
		return
	}
	if len(rest) > 0 {
		st := p.newStmt()
		if err := p.body(st, rest, 0); err != nil {
			p.errorf("%s", err)
			return
		}
		p.a.addStmt(st)
	}
}
