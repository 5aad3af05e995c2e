package asm

import (
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// nasm implements many directives as standard macros, and every macro
// call (and every %push in one) takes the next of the numbers that name
// %%labels and context-local labels (`..@N.name`). Those names are
// symbols in an object, so this assembler, which handles the directives
// itself, counts the numbers nasm's macros would have taken.

// StdMacroNumbers is how many of those numbers the standard macro that
// toks calls takes (0 if it calls none): format is the output format
// (org is a macro for bin only, osabi for ELF only); sectAlign is false
// after `sectalign off` (align no longer calls sectalign).
// As in nasm, a label (with or without its colon) may come before the
// call.
func StdMacroNumbers(toks []lex.Token, format string, sectAlign bool) int {
	if n := stdMacroCall(toks, format, sectAlign); n > 0 || len(toks) == 0 || toks[0].Kind != lex.Ident {
		return n
	}
	toks = toks[1:]
	if len(toks) > 0 && toks[0].Is(":") {
		toks = toks[1:]
	}
	return stdMacroCall(toks, format, sectAlign)
}

func stdMacroCall(toks []lex.Token, format string, sectAlign bool) int {
	if len(toks) == 0 || toks[0].Kind != lex.Ident || toks[0].Escaped {
		return 0
	}
	args := toks[1:]
	none, some := len(args) == 0, len(args) > 0
	params := macroParams(args)
	switch strings.ToLower(toks[0].Text) {
	case "bits":
		return 1
	case "use16", "use32", "use64", "userel", "useabs", "usebnd", "usenobnd", "endstruc", "iend":
		return count(none, 1)
	case "section", "segment", "absolute", "sectalign", "extern", "static", "global", "required", "common", "float",
		"cpu", "default", "at":
		return count(some, 1)
	case "org":
		return count(some && format == "bin", 1)
	case "osabi":
		return count(some && format != "bin", 1)
	case "incbin":
		return count(some && args[0].Kind == lex.Str, 2) // the call and %pathsearch's %push
	case "align", "alignb":
		if sectAlign {
			return count(some, 2) // align calls sectalign
		}
		return count(some, 1)
	case "struc":
		return count(params == 1 || params == 2, 2) // the call and its %push
	case "istruc":
		return count(params == 1, 2)
	}
	return 0
}

// macroParams counts a macro call's parameters as nasm splits them: at
// the commas outside braces.
func macroParams(args []lex.Token) int { return len(lex.SplitParams(args)) }

func count(ok bool, n int) int {
	if ok {
		return n
	}
	return 0
}
