package nasmcmd

import (
	"fmt"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
)

// nasm implements many directives (section, bits, global, struc, align,
// incbin...) as standard macros, which its -E output shows expanded. This
// assembler handles them itself, so for -E this file expands them the way
// nasm's macros do: the same text, one line per line of the macro, each
// at the position of the line that called it (they are .nolist macros),
// and the same count of the numbers nasm gives %%labels and contexts.

// stdMacros is the state the standard macros keep between calls.
type stdMacros struct {
	format     string
	dirs       []string // include directories, for incbin's %pathsearch
	sect       string   // __SECT__
	alignSects bool     // align also sets the section's alignment (sectalign on)
	strucs     []strucContext
	pathsFound func(string) // the files incbin names, as %depend lists them
}

// strucContext is the context struc or istruc pushed.
type strucContext struct {
	name string
	id   int
}

func newStdMacros(format string, dirs []string) *stdMacros {
	return &stdMacros{format: format, dirs: dirs, sect: "[section .text]", alignSects: true}
}

// expand returns the lines nasm's standard macro makes of l and how many
// of the %%label and context numbers (from next on) it takes
// (asm.StdMacroNumbers counts them). ok is false
// when l does not call one; err says why a call cannot be expanded.
func (m *stdMacros) expand(l pp.Line, next int) (lines []string, used int, ok bool, err error) {
	toks := l.Toks
	if len(toks) == 0 || toks[0].Kind != lex.Ident || toks[0].Escaped {
		return nil, 0, false, nil
	}
	used = asm.StdMacroNumbers(toks, m.format, m.alignSects)
	name := strings.ToLower(toks[0].Text)
	args := toks[1:]
	all := lex.Join(args)
	params := splitParams(args)
	one := func(text string) ([]string, int, bool, error) { return []string{text}, used, true, nil }
	switch name {
	case "bits":
		return one("[bits " + all + "]")
	case "use16", "use32", "use64":
		if len(args) == 0 {
			return one("[bits " + name[3:] + "]")
		}
	case "section", "segment", "absolute":
		if len(args) > 0 {
			m.sect = "[" + name + " " + all + "]"
			return one(m.sect)
		}
	case "sectalign":
		switch {
		case len(args) == 0:
		case strings.EqualFold(all, "off"), strings.EqualFold(all, "on"):
			m.alignSects = strings.EqualFold(all, "on")
			return nil, used, true, nil
		default:
			return one("[sectalign " + all + "]")
		}
	case "extern", "static", "global", "required", "common", "float":
		if len(params) > 0 {
			for _, p := range params {
				lines = append(lines, "["+name+" "+p+"]")
			}
			return lines, used, true, nil
		}
	case "cpu", "default":
		if len(args) > 0 {
			return one("[" + name + " " + all + "]")
		}
	case "userel", "useabs", "usebnd", "usenobnd":
		if len(args) == 0 {
			return one("[default " + name[3:] + "]")
		}
	case "org":
		if m.format != "bin" {
			return nil, 0, false, nil // a directive, not a macro, elsewhere
		}
		if len(args) > 0 {
			return one("[org " + all + "]")
		}
	case "osabi":
		if m.format == "bin" {
			return nil, 0, false, nil
		}
		if len(args) > 0 {
			return one("[" + toks[0].Text + " " + all + "]")
		}
	case "incbin":
		if len(args) > 0 && args[0].Kind == lex.Str {
			rest := "0"
			if len(params) > 1 {
				rest = paramsFrom(args, 1)
			}
			path := pathSearch(args[0].Str, m.dirs)
			if m.pathsFound != nil {
				m.pathsFound(path)
			}
			return []string{toks[0].Text + " " + nasmQuote(path) + "," + rest}, used, true, nil
		}
	case "align", "alignb":
		if len(params) > 0 {
			if m.alignSects {
				lines = append(lines, "[sectalign "+params[0]+"]")
			}
			pad := "(((" + params[0] + ") - (($-$$) % (" + params[0] + "))) % (" + params[0] + "))"
			switch {
			case len(params) > 1:
				lines = append(lines, "times "+pad+" "+paramsFrom(args, 1))
			case name == "align":
				lines = append(lines, "times "+pad+" nop")
			default:
				lines = append(lines, "[warning push]", "[warning -zeroing]", "resb "+pad, "[warning pop]")
			}
			return lines, used, true, nil
		}
	case "struc":
		if len(params) == 1 || len(params) == 2 {
			off := "0"
			if len(params) == 2 {
				off = params[1]
			}
			m.strucs = append(m.strucs, strucContext{name: params[0], id: next + 1})
			return []string{"[absolute " + off + "]", params[0] + ":"}, used, true, nil
		}
	case "endstruc":
		if len(args) == 0 && len(m.strucs) > 0 {
			s := m.strucs[len(m.strucs)-1]
			m.strucs = m.strucs[:len(m.strucs)-1]
			return []string{s.name + "_size equ ($-" + s.name + ")", m.sect}, used, true, nil
		}
	case "istruc":
		if len(params) == 1 {
			s := strucContext{name: params[0], id: next + 1}
			m.strucs = append(m.strucs, s)
			return []string{fmt.Sprintf("..@%d.strucstart:", s.id)}, used, true, nil
		}
	case "at":
		if len(params) >= 1 && len(m.strucs) > 0 {
			s := m.strucs[len(m.strucs)-1]
			field := params[0] + "-" + s.name
			if strings.HasPrefix(params[0], ".") {
				field = s.name + params[0] + "-" + s.name
			}
			data := ""
			if len(params) > 1 {
				data = paramsFrom(args, 1)
			}
			return []string{fmt.Sprintf("times (%s)-($-..@%d.strucstart) db 0", field, s.id), data}, used, true, nil
		}
	case "iend":
		if len(args) == 0 && len(m.strucs) > 0 {
			s := m.strucs[len(m.strucs)-1]
			m.strucs = m.strucs[:len(m.strucs)-1]
			return []string{fmt.Sprintf("times %s_size-($-..@%d.strucstart) db 0", s.name, s.id)}, used, true, nil
		}
	default:
		return nil, 0, false, nil
	}
	return nil, 0, true, fmt.Errorf("-E: `%s' as written here is not expanded as nasm's standard macro would be: preprocess with nasm, or assemble without -E", toks[0].Text)
}

// splitParams splits a macro call's arguments at the commas outside
// braces, as nasm does, each one as nasm writes it back.
func splitParams(args []lex.Token) []string {
	var params []string
	for _, p := range lex.SplitParams(args) {
		params = append(params, lex.Join(p))
	}
	return params
}

// paramsFrom is the text of parameters k on, for a greedy last parameter.
func paramsFrom(args []lex.Token, k int) string {
	depth := 0
	for i, t := range args {
		switch {
		case t.Is("{"):
			depth++
		case t.Is("}"):
			depth--
		case t.Is(",") && depth == 0:
			if k--; k == 0 {
				return lex.Join(args[i+1:])
			}
		}
	}
	return ""
}
