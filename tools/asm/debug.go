package asm

import (
	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/dwarf"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// Producer is DW_AT_producer in the objects `-g` makes.
const Producer = "tiny asm (rules_tiny)"

// debugInfo appends the DWARF sections of Options.Debug to f, the object
// of the last pass: a line-table row for every statement that emitted
// bytes, at its offset, with the source position the preprocessor gives
// it for debugging (pp.Line.Src, nasm's rules). path is the source as the
// user named it.
func (a *assembler) debugInfo(f *obj.File, path string) error {
	secIdx := make([]int, len(a.secs)) // as object() numbers them: absolute sections are not written
	n := 0
	for i, s := range a.secs {
		secIdx[i] = -1
		if !s.absolute {
			secIdx[i] = n
			n++
		}
	}
	var lines dwarf.Lines
	for _, st := range a.stmts {
		if st.size > 0 && secIdx[st.sec] >= 0 && st.line < len(a.srcs) {
			src := a.srcs[st.line]
			lines.Add(secIdx[st.sec], uint64(st.start), src.File, src.Line)
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
