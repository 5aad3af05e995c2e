package nasmcmd

import (
	"bytes"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
)

// preprocess is -E: the preprocessed source, with nasm's %line markers,
// to the output file or the standard output. With -MD it also lists the
// files read, as nasm's single preprocessing pass finds them.
func (c *Command) preprocess(opts asm.Options, m *messages, out string, stdout io.Writer, deps *depList) bool {
	var text bytes.Buffer
	w := &lineWriter{out: &text}
	var refused []pp.Diag
	deps.add(c.Input)
	std := newStdMacros(c.Format, c.IncludeDirs)
	std.pathsFound = deps.add
	_, diags := asm.Preprocess(c.Input, opts, asm.PreprocessOptions{
		KeepEmpty: true,
		Pragmas:   true,
		Sect:      func() string { return std.sect },
		Depend:    deps.add,
		Emit: func(l pp.Line, next int) int {
			lines, used, ok, err := std.expand(l, next)
			switch {
			case err != nil:
				refused = append(refused, pp.Diag{Pos: l.Pos, Msg: err.Error(), Note: macroNote(l)})
			case ok:
				for _, t := range lines {
					w.writeText(l.Src, t)
				}
			default:
				w.write(l)
			}
			return used
		},
	})
	ok := m.report(diags)
	for _, d := range refused {
		m.error(d)
		ok = false
	}
	if !ok {
		return false
	}
	if out == "" {
		stdout.Write(text.Bytes())
		return true
	}
	if err := atomicfile.WriteFile(out, text.Bytes(), 0o644); err != nil {
		m.tool(fmt.Sprintf("error: %v", err))
		return false
	}
	return true
}

// lineWriter writes preprocessed lines as nasm -E does: a `%line N+M
// file` marker whenever the next line's source position is not where
// the previous ones lead, a blank line instead when one source line was
// skipped, and an increment of 0 while a macro expansion stands on one
// line.
type lineWriter struct {
	out     *bytes.Buffer
	file    *string // the file of the last marker (nil before the first)
	linnum  int     // the line number the next line is expected at
	lineinc int
}

func (w *lineWriter) write(l pp.Line) {
	text := renderLine(l.Toks)
	if l.Indented && text != "" {
		text = " " + text
	}
	if l.TrailingSpace {
		text += " "
	}
	w.writeText(l.Src, text)
}

// writeText writes one line of text from source position where.
func (w *lineWriter) writeText(where pp.Pos, text string) {
	switch {
	case w.file == nil || *w.file != where.File:
		f := where.File
		w.file = &f
		w.linnum, w.lineinc = -1, 1
	case w.lineinc != 0:
		if w.linnum+w.lineinc == where.Line {
			w.out.WriteByte('\n') // one line skipped
			w.linnum += w.lineinc
		} else if w.linnum-w.lineinc == where.Line {
			w.lineinc = 0 // standing still: a macro expansion
		}
	case w.linnum+1 == where.Line:
		w.lineinc = 1
	}
	if w.linnum == -1 && text == "" {
		return // a marker comes anyway
	}
	if w.linnum != where.Line {
		fmt.Fprintf(w.out, "%%line %d+%d %s\n", where.Line, w.lineinc, quoteFileName(*w.file))
	}
	w.linnum = where.Line + w.lineinc
	w.out.WriteString(text)
	w.out.WriteByte('\n')
}

// macroNote is nasm's note for a message about a line of a macro.
func macroNote(l pp.Line) string {
	if l.Macro == "" {
		return ""
	}
	return fmt.Sprintf("%s: ... from macro `%s' defined here", l.Def, l.Macro)
}

// renderLine is a line's text as nasm detokenizes it: one blank where
// the source had any (at the start too), none at the end.
func renderLine(toks []lex.Token) string {
	var b strings.Builder
	for i, t := range toks {
		if t.Space || i == 0 && t.Space {
			b.WriteByte(' ')
		}
		if t.Kind == lex.Ident && t.Escaped {
			b.WriteByte('$')
		}
		b.WriteString(t.Text)
	}
	return b.String()
}

// quoteFileName quotes a file name in a %line marker only where nasm
// does: control characters, a blank or quote at either end, two blanks
// in a row, or an empty name.
func quoteFileName(name string) string {
	need := name == ""
	if !need {
		first, last := name[0], name[len(name)-1]
		need = first <= ' ' || isQuote(first) || last <= ' ' || isQuote(last) || strings.Contains(name, "  ")
		for i := 0; i < len(name) && !need; i++ {
			need = name[i] < ' '
		}
	}
	if !need {
		return name
	}
	return nasmQuote(name)
}

func isQuote(c byte) bool { return c == '"' || c == '\'' || c == '`' }

// nasmQuote quotes a string as nasm's nasm_quote does: single quotes if
// it holds none and no control character, else double quotes if it holds
// none of those, else backquotes with C escapes.
func nasmQuote(s string) string {
	ctrl := false
	for i := 0; i < len(s); i++ {
		if s[i] < ' ' || s[i] == 0x7f {
			ctrl = true
		}
	}
	switch {
	case !ctrl && !strings.Contains(s, "'"):
		return "'" + s + "'"
	case !ctrl && !strings.Contains(s, `"`):
		return `"` + s + `"`
	}
	var b strings.Builder
	b.WriteByte('`')
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c == '`' || c == '\\':
			b.WriteByte('\\')
			b.WriteByte(c)
		case c == '\a':
			b.WriteString(`\a`)
		case c == '\b':
			b.WriteString(`\b`)
		case c == '\t':
			b.WriteString(`\t`)
		case c == '\n':
			b.WriteString(`\n`)
		case c == '\v':
			b.WriteString(`\v`)
		case c == '\f':
			b.WriteString(`\f`)
		case c == '\r':
			b.WriteString(`\r`)
		case c == 27:
			b.WriteString(`\e`)
		case c < ' ' || c == 0x7f:
			b.WriteString(`\` + strconv.FormatInt(int64(c), 8))
		default:
			b.WriteByte(c)
		}
	}
	b.WriteByte('`')
	return b.String()
}

// incbinName is the file an `incbin` line reads, if l is one.
func incbinName(l pp.Line) (string, bool) {
	toks := l.Toks
	if len(toks) >= 2 && toks[0].Kind == lex.Ident && toks[1].Is(":") {
		toks = toks[2:]
	}
	if len(toks) >= 2 && strings.EqualFold(toks[0].Text, "incbin") && toks[1].Kind == lex.Str {
		return toks[1].Str, true
	}
	return "", false
}

// pathSearch is nasm's %pathsearch, which its incbin uses: the first of
// the include candidates that exists, else the name as written.
func pathSearch(name string, dirs []string) string {
	for _, c := range pp.IncludeCandidates(name, dirs) {
		if _, err := os.Stat(c); err == nil {
			return c
		}
	}
	return name
}
