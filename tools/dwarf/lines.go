package dwarf

import (
	"math"
	"sort"
)

// Lines collects an object's line table while the assembler emits it:
// for each section, which source position the bytes from each offset on
// come from. The zero value is ready to use.
type Lines struct {
	files []string          // file table, in order of first use
	index map[string]uint32 // file name -> 1-based index into files
	rows  map[int][]row     // section index -> rows in the order added
}

// row says that the bytes from off on come from line of file (a 1-based
// index into the file table).
type row struct {
	off        uint64
	file, line uint32
}

// Add records that the bytes emitted at offset off of section sec come
// from line of file. Call it for each instruction or data item, with the
// position nasm would give it; a row that repeats its predecessor's
// position adds nothing, so the table holds a row where the position
// changes, as nasm writes it. A line outside 1..2^32-1, which consumers
// cannot hold (they keep the line register in 32 bits), is recorded as
// line 0, DWARF's "no source line".
func (l *Lines) Add(sec int, off uint64, file string, line int) {
	f, ok := l.index[file]
	if !ok {
		if l.index == nil {
			l.index, l.rows = map[string]uint32{}, map[int][]row{}
		}
		l.files = append(l.files, file)
		f = uint32(len(l.files))
		l.index[file] = f
	}
	ln := uint32(0)
	if line > 0 && uint64(line) <= math.MaxUint32 {
		ln = uint32(line)
	}
	rs := l.rows[sec]
	if n := len(rs); n > 0 && rs[n-1].file == f && rs[n-1].line == ln {
		return
	}
	l.rows[sec] = append(rs, row{off: off, file: f, line: ln})
}

// Files is the file table: every file named to Add, in order of first use.
func (l *Lines) Files() []string { return l.files }

// sequence is the rows of one section, normalised: offsets strictly
// increasing and below the section's size, no two neighbours alike.
func (l *Lines) sequence(sec int, size uint64) []row {
	rs := append([]row(nil), l.rows[sec]...)
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].off < rs[j].off })
	out := rs[:0]
	for _, r := range rs {
		if r.off >= size {
			break // covers no byte of the section
		}
		if n := len(out); n > 0 && out[n-1].off == r.off {
			out = out[:n-1] // the earlier row covers no byte
		}
		if n := len(out); n > 0 && out[n-1].file == r.file && out[n-1].line == r.line {
			continue
		}
		out = append(out, r)
	}
	return out
}

// Line-program parameters: those of nasm and GNU as.
const (
	minInstLength = 1
	defaultIsStmt = 1
	lineBase      = -5
	lineRange     = 14
)

// Standard opcodes of the line-number program (DWARF 3, section 6.2.5.2).
const (
	lnsCopy = iota + 1
	lnsAdvancePC
	lnsAdvanceLine
	lnsSetFile
	lnsSetColumn
	lnsNegateStmt
	lnsSetBasicBlock
	lnsConstAddPC
	lnsFixedAdvancePC
	lnsSetPrologueEnd
	lnsSetEpilogueBegin
	lnsSetISA
	opcodeBase // the first special opcode
)

// operandCounts is standard_opcode_lengths: how many LEB128 operands each
// standard opcode takes, so that a consumer can skip opcodes it does not
// know. Opcodes 10 to 12 are DWARF 3's; DWARF 2 consumers skip them by
// this table, which is why nasm and GNU as declare them in version 2 too.
var operandCounts = [opcodeBase - 1]uint8{
	lnsCopy - 1:             0,
	lnsAdvancePC - 1:        1,
	lnsAdvanceLine - 1:      1,
	lnsSetFile - 1:          1,
	lnsSetColumn - 1:        1,
	lnsNegateStmt - 1:       0,
	lnsSetBasicBlock - 1:    0,
	lnsConstAddPC - 1:       0,
	lnsFixedAdvancePC - 1:   1,
	lnsSetPrologueEnd - 1:   0,
	lnsSetEpilogueBegin - 1: 0,
	lnsSetISA - 1:           1,
}

// Extended opcodes (introduced by a 0 byte and a length).
const (
	lneEndSequence = 1
	lneSetAddress  = 2
)

// constAddPCStep is how far DW_LNS_const_add_pc advances the address:
// as far as special opcode 255 does.
const constAddPCStep = (255 - opcodeBase) / lineRange

// lineProgram writes .debug_line: the header with the file table, then
// one sequence per code section. secSym[i] is the section symbol of
// seqs[i].sec.
func lineProgram(version, ptr int, files []string, seqs []codeSeq, secSym []int) *buf {
	b := &buf{}
	unit := b.lengthField()
	b.u16(uint16(version))
	hdr := b.lengthField() // header_length
	b.u8(minInstLength)
	b.u8(defaultIsStmt)
	b.u8(uint8(256 + lineBase)) // a signed byte
	b.u8(lineRange)
	b.u8(opcodeBase)
	b.b = append(b.b, operandCounts[:]...)
	b.u8(0) // include_directories: none; directory 0 is the compilation directory
	for _, f := range files {
		b.cstr(f)
		b.uleb(0) // directory index
		b.uleb(0) // modification time: unknown (a time would make the bytes depend on the clock)
		b.uleb(0) // length: unknown
	}
	b.u8(0)
	b.endLength(hdr)
	for i, s := range seqs {
		b.sequence(ptr, s, secSym[i])
	}
	b.endLength(unit)
	return b
}

// sequence writes one section's rows and ends the sequence at the
// section's end. The state machine starts each sequence at file 1, line 1.
func (b *buf) sequence(ptr int, s codeSeq, sym int) {
	addr, file, line := s.rows[0].off, uint32(1), uint32(1)
	b.u8(0)
	b.uleb(uint64(1 + ptr))
	b.u8(lneSetAddress)
	b.reloc(sym, addr, ptr)
	for _, r := range s.rows {
		if r.file != file {
			b.u8(lnsSetFile)
			b.uleb(uint64(r.file))
			file = r.file
		}
		b.row(r.off-addr, int64(r.line)-int64(line))
		addr, line = r.off, r.line
	}
	if s.size > addr {
		b.u8(lnsAdvancePC)
		b.uleb(s.size - addr)
	}
	b.u8(0)
	b.uleb(1)
	b.u8(lneEndSequence)
}

// row appends a row dAddr bytes and dLine lines after the previous one,
// in the fewest bytes: one special opcode when both advances fit it,
// else DW_LNS_advance_line and/or an address advance, with a special
// opcode appending the row.
func (b *buf) row(dAddr uint64, dLine int64) {
	if dLine < lineBase || dLine >= lineBase+lineRange {
		b.u8(lnsAdvanceLine)
		b.sleb(dLine)
		dLine = 0
	}
	lineOp := uint64(dLine - lineBase)
	switch {
	case dAddr <= (255-opcodeBase-lineOp)/lineRange:
		b.u8(uint8(opcodeBase + lineOp + lineRange*dAddr))
		return
	case dAddr >= constAddPCStep && dAddr-constAddPCStep <= (255-opcodeBase-lineOp)/lineRange:
		b.u8(lnsConstAddPC)
		b.u8(uint8(opcodeBase + lineOp + lineRange*(dAddr-constAddPCStep)))
		return
	}
	b.u8(lnsAdvancePC)
	b.uleb(dAddr)
	b.u8(uint8(opcodeBase + lineOp))
}
