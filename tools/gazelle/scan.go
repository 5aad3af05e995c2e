package tinylang

import (
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// SourceInfo is what the scanner learns from one NASM-syntax source file.
// It is an over-approximation on purpose: conditional assembly (%if, %ifdef)
// is not evaluated, so an %include inside a disabled block still counts.
// For BUILD file generation that is the safe side: a dependency too many
// costs a rebuild, a dependency too few breaks the sandboxed build.
type SourceInfo struct {
	// Includes are the quoted arguments of %include and %depend, in the order
	// of first appearance, without duplicates.
	Includes []string
	// Incbins are the file names given to incbin, in order, without duplicates.
	// They are data dependencies and are resolved like includes.
	Incbins []string
	// Globals are the symbols named by global directives, in order, without
	// duplicates (case kept: NASM symbols are case-sensitive).
	Globals []string
	// Bits is the operand size of the first BITS/USE16/USE32/USE64 directive
	// (16, 32 or 64), or 0 when the file states none.
	Bits int
}

// HasGlobal reports whether sym is declared global in the file.
func (s *SourceInfo) HasGlobal(sym string) bool {
	for _, g := range s.Globals {
		if g == sym {
			return true
		}
	}
	return false
}

// Scan reads NASM-syntax source text and returns what BUILD generation needs.
// It never fails: lines it does not understand are skipped.
//
// Recognised (directive names case-insensitive, as NASM treats them):
//
//	%include "file" | 'file' | <file>     -> Includes
//	%depend  "file"                       -> Includes
//	[label[:]] incbin "file"[, ...]       -> Incbins
//	global sym[:type ...][, sym ...]      -> Globals (also [global sym])
//	bits 16|32|64, use16, use32, use64    -> Bits (also [bits N]); first one wins
//
// Lines are split and tokenized by the assembler's own lexer (package
// asm/lex), so comments, strings, escapes and line continuations mean
// here exactly what they mean to `tiny asm`; macros are not expanded, so
// a file name or symbol that only exists after macro expansion is not
// seen.
func Scan(src []byte) SourceInfo {
	var s scanner
	lines := lex.NewSplitter(string(src))
	for {
		text, _, ok := lines.Next()
		if !ok {
			return s.info
		}
		// A line with a lexical error still gives the tokens before it.
		toks, _ := lex.Line(text)
		s.line(toks)
	}
}

type scanner struct {
	info       SourceInfo
	seenInc    map[string]bool
	seenBin    map[string]bool
	seenGlobal map[string]bool
}

func (s *scanner) line(toks []lex.Token) {
	// The bracketed "primitive" forms: [bits 32], [global _start].
	if len(toks) > 0 && toks[0].Is("[") {
		toks = toks[1:]
		for i, t := range toks {
			if t.Is("]") {
				toks = toks[:i]
				break
			}
		}
	}
	if len(toks) == 0 {
		return
	}
	word, args := keyword(toks[0]), toks[1:]
	switch word {
	case "%include", "%depend":
		if name, ok := fileName(args); ok {
			s.info.Includes = addOnce(s.info.Includes, &s.seenInc, name)
		}
	case "global":
		for _, sym := range globalSymbols(args) {
			s.info.Globals = addOnce(s.info.Globals, &s.seenGlobal, sym)
		}
	case "bits":
		if s.info.Bits == 0 && len(args) > 0 && args[0].Kind == lex.Num {
			switch v := args[0].Val; v {
			case 16, 32, 64:
				s.info.Bits = int(v)
			}
		}
	case "use16", "use32", "use64":
		if s.info.Bits == 0 && len(args) == 0 {
			s.info.Bits = map[string]int{"use16": 16, "use32": 32, "use64": 64}[word]
		}
	default:
		// incbin, after a label or not: "incbin", "data incbin",
		// "data: incbin".
		if word != "incbin" {
			if toks[0].Kind != lex.Ident {
				return
			}
			args = toks[1:]
			if len(args) > 0 && args[0].Is(":") {
				args = args[1:]
			}
			if len(args) == 0 || keyword(args[0]) != "incbin" {
				return
			}
			args = args[1:]
		}
		if len(args) > 0 && args[0].Kind == lex.Str {
			if name, ok := validName(args[0].Str); ok {
				s.info.Incbins = addOnce(s.info.Incbins, &s.seenBin, name)
			}
		}
	}
}

// keyword is a directive or identifier in lower case ("" for anything
// else, and for a `$`-escaped name, which is never a keyword).
func keyword(t lex.Token) string {
	if (t.Kind != lex.Ident || t.Escaped) && t.Kind != lex.PP {
		return ""
	}
	return strings.ToLower(t.Text)
}

func addOnce(list []string, seen *map[string]bool, s string) []string {
	if *seen == nil {
		*seen = map[string]bool{}
	}
	if (*seen)[s] {
		return list
	}
	(*seen)[s] = true
	return append(list, s)
}

// fileName is the argument of %include: a string, or <name> (the tokens
// between the brackets, as the preprocessor joins them).
func fileName(args []lex.Token) (string, bool) {
	switch {
	case len(args) >= 1 && args[0].Kind == lex.Str:
		return validName(args[0].Str)
	case len(args) >= 3 && args[0].Is("<"):
		for i, t := range args {
			if i > 0 && t.Is(">") {
				return validName(lex.Join(args[1:i]))
			}
		}
	}
	return "", false
}

// validName rejects empty names, names with control characters, and
// names with blanks around them.
func validName(name string) (string, bool) {
	if name == "" || strings.TrimSpace(name) != name {
		return "", false
	}
	for i := 0; i < len(name); i++ {
		if name[i] < 0x20 || name[i] == 0x7f {
			return "", false
		}
	}
	return name, true
}

// globalSymbols reads the operand list of a global directive: "sym",
// "sym:function", "sym:data 4", "a, b", "$sym".
func globalSymbols(args []lex.Token) []string {
	var syms []string
	first := true
	for _, t := range args {
		switch {
		case t.Is(","):
			first = true
		case first && t.Kind == lex.Ident:
			syms = append(syms, t.Text)
			first = false
		default:
			first = false
		}
	}
	return syms
}

// isIdentByte is NASM's identifier rule, as the assembler's lexer has it.
func isIdentByte(c byte, first bool) bool {
	if first {
		return lex.IsIdentStart(c)
	}
	return lex.IsIdentChar(c)
}
