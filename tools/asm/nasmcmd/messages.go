package nasmcmd

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/pp"
)

// messages prints diagnostics as nasm does: in gnu form
// (`file:line: error: msg`) or vc form (`file(line) : error: msg`, -X vc),
// warnings with their class and as the -w options say.
type messages struct {
	vc       bool
	w        *Warnings
	out      io.Writer
	promoted bool // a warning was printed as an error (-w+error=CLASS)
}

// line renders one message line: where, the severity and the text.
func (m *messages) line(pos pp.Pos, severity, msg string) string {
	where := pos.File
	sep := ": "
	if m.vc {
		sep = " : "
		if pos.Line != 0 {
			where += "(" + strconv.Itoa(pos.Line) + ")"
		}
	} else if pos.Line != 0 {
		where += ":" + strconv.Itoa(pos.Line)
	}
	return where + sep + severity + ": " + msg
}

// note renders a diagnostic's note (`file:line: ... from macro...`) in
// the chosen form.
func (m *messages) note(note string) string {
	if !m.vc {
		return note
	}
	head, rest, ok := strings.Cut(note, ": ")
	if !ok {
		return note
	}
	i := strings.LastIndexByte(head, ':')
	if i < 0 {
		return note
	}
	if _, err := strconv.Atoi(head[i+1:]); err != nil {
		return note
	}
	return head[:i] + "(" + head[i+1:] + ") : " + rest
}

func (m *messages) print(d pp.Diag, severity, suffix string) {
	fmt.Fprintln(m.out, m.line(d.Pos, severity, d.Msg)+suffix)
	if d.Note != "" {
		fmt.Fprintln(m.out, m.note(d.Note))
	}
}

func (m *messages) error(d pp.Diag) {
	if d.Fatal {
		m.print(d, "fatal", "")
		return
	}
	m.print(d, "error", "")
}

// warn prints a warning if its class is enabled, as an error if it is
// one (and then the run fails).
func (m *messages) warn(d pp.Diag) {
	class := d.WarningClass()
	switch {
	case !m.w.Enabled(class):
	case m.w.IsError(class):
		m.promoted = true
		m.print(d, "error", " [-w+error="+class+"]")
	default:
		m.print(d, "warning", " [-w+"+class+"]")
	}
}

func (m *messages) warns(ds []pp.Diag) {
	for _, d := range ds {
		m.warn(d)
	}
}

// report prints diagnostics in order; it reports whether there was no
// error.
func (m *messages) report(ds []pp.Diag) bool {
	ok := true
	for _, d := range ds {
		if d.Warning {
			m.warn(d)
			continue
		}
		m.error(d)
		ok = false
	}
	return ok && !m.promoted
}

func (m *messages) info(file, msg string) {
	fmt.Fprintln(m.out, m.line(pp.Pos{File: file}, "info", msg))
}

// tool prints a message of tiny asm itself (not about a source line).
func (m *messages) tool(msg string) { fmt.Fprintln(m.out, "tiny asm: "+msg) }
