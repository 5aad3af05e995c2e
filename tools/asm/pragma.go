package asm

import (
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// [pragma FACILITY OPERATION ...], which the preprocessor makes of
// %pragma (and --pragma): nasm acts on the output facilities' symbol
// decorations and on limits, and ignores the others (an unknown pragma
// is no error in nasm: later versions may add some).

// pragmaOutputs are the facility names that reach the output format's
// pragmas for the format in use.
func (a *assembler) pragmaOutputs(facility string) bool {
	switch f := strings.ToLower(facility); f {
	case "output":
		return true
	case "elf":
		return a.format == "elf32" || a.format == "elf64" || a.format == "elf"
	default:
		return f == a.format
	}
}

// pragmaMangles are the decorations the output pragmas set, by operation.
var pragmaMangles = map[string]int{
	"prefix": 0, "gprefix": 0, "suffix": 1, "gsuffix": 1, "lprefix": 2, "lsuffix": 3,
}

func (p *parser) pragma(_ string, args []lex.Token) {
	a := p.a
	words := strings.Fields(lex.Join(args))
	if len(words) < 2 {
		return // nasm: an empty pragma, ignored
	}
	facility, op := words[0], strings.ToLower(words[1])
	tail := strings.TrimSpace(strings.SplitN(lex.Join(args), words[1], 2)[1])
	switch {
	case strings.EqualFold(facility, "limit"):
		if err := a.lim.Set(words[1], tail); err != nil {
			a.warnc(p.pos, "pragma-bad", "%s", err)
		}
	case a.pragmaOutputs(facility):
		if k, ok := pragmaMangles[op]; ok && !a.mangleSet[k] {
			a.mangleSet[k] = true
			*a.mangle(k) = tail
		}
	}
}

// mangle is one of the symbol decorations (see Options.GlobalPrefix).
func (a *assembler) mangle(k int) *string {
	return []*string{&a.opts.GlobalPrefix, &a.opts.GlobalSuffix, &a.opts.LocalPrefix, &a.opts.LocalSuffix}[k]
}
