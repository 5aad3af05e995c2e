package nasmcmd

import (
	"strings"
)

// Make dependencies (-M family), in nasm 2.16's exact text.

// quoteForMake quotes a file name for a Makefile rule: POSIX make (GNU
// make's rules: blanks and `#` escaped with a backslash, `$` doubled,
// backslashes before a blank or at the end doubled), or Watcom make
// (-MW: double quotes around names with blanks, `&` or `"`; `$` and `#`
// escaped with `$`).
func quoteForMake(s string, watcom bool) string {
	var b strings.Builder
	if watcom {
		quote := strings.ContainsAny(s, " \t&\"")
		if quote {
			b.WriteByte('"')
		}
		for i := 0; i < len(s); i++ {
			switch c := s[i]; c {
			case '$', '#':
				b.WriteByte('$')
				b.WriteByte(c)
			case '"':
				b.WriteString(`""`)
			default:
				b.WriteByte(c)
			}
		}
		if quote {
			b.WriteByte('"')
		}
		return b.String()
	}
	backslashes := 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; c {
		case ' ', '\t':
			b.WriteString(strings.Repeat(`\`, backslashes+1))
			b.WriteByte(c)
			backslashes = 0
		case '$':
			b.WriteString("$$")
			backslashes = 0
		case '#':
			b.WriteString(`\#`)
			backslashes = 0
		case '\\':
			b.WriteByte(c)
			backslashes++
		default:
			b.WriteByte(c)
			backslashes = 0
		}
	}
	b.WriteString(strings.Repeat(`\`, backslashes))
	return b.String()
}

// dependencies renders a rule `target : files...` as nasm writes it:
// lines wrapped before they pass 62 columns, a blank line after, and with
// phony, an empty rule for every file (-MP).
func dependencies(target string, files []string, phony, watcom bool) []byte {
	wrap, nullTarget := " \\\n ", ""
	if watcom {
		wrap, nullTarget = " &\n ", "\t%null\n"
	}
	var b strings.Builder
	b.WriteString(target + " :")
	col := len(target) + 2
	for _, f := range files {
		q := quoteForMake(f, watcom)
		if col+len(q) > 62 && col > 1 {
			b.WriteString(wrap)
			col = 1
		}
		b.WriteString(" " + q)
		col += len(q) + 1
	}
	b.WriteString("\n\n")
	if phony {
		for _, f := range files {
			b.WriteString(quoteForMake(f, watcom) + " :\n" + nullTarget + "\n")
		}
	}
	return []byte(b.String())
}

// depList collects dependency names once each, in the order met.
type depList struct {
	names []string
	seen  map[string]bool
}

func (d *depList) add(name string) {
	if d.seen == nil {
		d.seen = map[string]bool{}
	}
	if !d.seen[name] {
		d.seen[name] = true
		d.names = append(d.names, name)
	}
}
