package asm

import (
	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/dwarf"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// Producer is DW_AT_producer in the objects `-g` makes.
const Producer = "tiny asm (rules_tiny)"

// foldedLine is where one line's bytes start in a run of folded
// statements (fold.go): the run is one statement, but each line that
// emitted bytes into it has its own line-table row, as it would unfolded.
type foldedLine struct {
	stmt int   // the run's index in assembler.stmts
	off  int64 // where the line's bytes start in the run
	line int   // the preprocessed line (stmt.line)
}

// noteFolded records, with Options.Debug, that the line being parsed
// added n bytes at offset off of run i.
func (a *assembler) noteFolded(i, off, n int) {
	if a.opts.Debug && n > 0 {
		a.folded = append(a.folded, foldedLine{stmt: i, off: int64(off), line: a.lineSeq - 1})
	}
}

// debugInfo appends the DWARF sections of Options.Debug to f, the object
// of the last pass: a line-table row for every statement that emitted
// bytes (every line, in a run of folded ones), at its offset, with the
// source position the preprocessor gives it for debugging (pp.Line.Src,
// nasm's rules). path is the source as the user named it.
func (a *assembler) debugInfo(f *obj.File, path string) error {
	secIdx := a.objectSections() // as object() numbers them
	var lines dwarf.Lines
	add := func(st *stmt, off int64, line int) {
		if secIdx[st.sec] >= 0 && line < len(a.srcs) {
			src := a.srcs[line]
			lines.Add(secIdx[st.sec], uint64(st.start+off), src.File, src.Line)
		}
	}
	folded := a.folded
	for i, st := range a.stmts {
		if st.kind == sBytes {
			for ; len(folded) > 0 && folded[0].stmt == i; folded = folded[1:] {
				add(st, folded[0].off, folded[0].line)
			}
			continue
		}
		if st.size > 0 {
			add(st, 0, st.line)
		}
	}
	dir := a.opts.DebugCompDir
	if dir == "" {
		dir = "."
	}
	if err := dwarf.Generate(f, &lines, dwarf.Unit{Name: path, CompDir: dir, Producer: Producer}); err != nil {
		return fmt.Errorf("cannot write debugging information: %v", err)
	}
	return nil
}
