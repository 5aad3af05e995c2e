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
	_, diags := asm.Preprocess(c.Input, opts, asm.PreprocessOptions{
		KeepEmpty: true,
		Depend:    deps.add,
		Emit: func(l pp.Line) {
			if d, bad := unrendered(l); bad {
				refused = append(refused, d)
				return
			}
			if name, ok := incbinName(l); ok {
				deps.add(pathSearch(name, c.IncludeDirs))
			}
			w.write(l)
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
	where := l.Src
	text := renderLine(l.Toks)
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

// stdMacroDirectives are the directives that nasm implements as standard
// macros, which its -E output shows expanded (`[section .text]`,
// struc's labels, align's times...): this assembler handles them itself,
// so -E refuses a line that uses one rather than print it otherwise.
var stdMacroDirectives = map[string]bool{
	"section": true, "segment": true, "sectalign": true, "absolute": true,
	"struc": true, "endstruc": true, "istruc": true, "at": true, "iend": true,
	"align": true, "alignb": true, "bits": true, "use16": true, "use32": true, "use64": true,
	"extern": true, "static": true, "global": true, "required": true, "common": true,
	"cpu": true, "float": true, "default": true, "userel": true, "useabs": true, "usebnd": true, "usenobnd": true,
	"incbin": true, "org": true, "osabi": true,
}

// unrendered reports a line -E cannot print as nasm would.
func unrendered(l pp.Line) (pp.Diag, bool) {
	toks := l.Toks
	if len(toks) >= 2 && toks[0].Kind == lex.Ident && toks[1].Is(":") {
		toks = toks[2:]
	}
	if len(toks) == 0 || toks[0].Kind != lex.Ident || toks[0].Escaped {
		return pp.Diag{}, false
	}
	name := strings.ToLower(toks[0].Text)
	if !stdMacroDirectives[name] {
		return pp.Diag{}, false
	}
	return pp.Diag{Pos: l.Pos, Msg: fmt.Sprintf("-E: `%s' is one of nasm's standard macros, whose expansion -E does not show: preprocess with nasm, or assemble without -E", toks[0].Text)}, true
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
