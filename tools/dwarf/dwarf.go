// Package dwarf writes the DWARF debugging information an assembler owes a
// debugger: the line-number program (which source file and line each
// address of code comes from), one compilation-unit entry naming the
// source, and the address index (.debug_aranges, and .debug_ranges when the
// code spans several sections). That is what nasm 2.16 writes for
// `-g -F dwarf` and what gdb needs for `break file.asm:12`, `step` and
// source listings. It writes no types, no variables and no call-frame
// information: an assembly source declares none.
//
// The output is object-model sections (obj.Section, non-allocated, with
// obj.Reloc relocations against section symbols) appended to an obj.File,
// so tools/elf writes them like any other section and a linker relocates
// them like any other: nothing here knows about ELF.
//
// Versions follow nasm 2.16: DWARF 2 for i386 objects and DWARF 3 for
// amd64 ones, both in the 32-bit DWARF format. The line programs use the
// parameters nasm and GNU as use (line_base -5, line_range 14,
// opcode_base 13), so rows decode the same in every consumer.
package dwarf

import (
	"debug/dwarf"
	"fmt"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// Version is the DWARF version of the units written for arch: 2 for i386
// and 3 for amd64, as nasm 2.16 writes them.
func Version(arch obj.Arch) int {
	if arch == obj.ArchAMD64 {
		return 3
	}
	return 2
}

// Section names, in the order Generate appends them.
const (
	SecInfo    = ".debug_info"
	SecAbbrev  = ".debug_abbrev"
	SecLine    = ".debug_line"
	SecAranges = ".debug_aranges"
	SecRanges  = ".debug_ranges"
)

// form is a DW_FORM_* code. debug/dwarf reads forms but does not export
// their codes, so the few written here are listed with their DWARF 2 values.
type form uint8

const (
	formAddr   form = 0x01 // a target address (relocated)
	formData2  form = 0x05
	formData4  form = 0x06 // also lineptr and rangelistptr in DWARF 2 and 3
	formString form = 0x08 // inline NUL-terminated string
)

// Values from the DWARF specification that debug/dwarf does not export.
const (
	childrenNo        = 0x00
	langMipsAsm       = 0x8001 // DW_LANG_Mips_Assembler: what nasm and GNU as write for assembly
	arangesVersion    = 2      // .debug_aranges keeps version 2 through DWARF 4
	abbrevCompileUnit = 1      // the one abbreviation code used
)

// Unit describes the compilation unit: the source file an object was
// assembled from.
type Unit struct {
	// Name is DW_AT_name: the primary source file as the user named it.
	Name string
	// CompDir is DW_AT_comp_dir, the directory relative file names are
	// read from. The assembler passes what the user declared ("." by
	// default), never the process's working directory, so the bytes
	// depend on the inputs only.
	CompDir string
	// Producer is DW_AT_producer.
	Producer string
}

// attr is one attribute of a debugging information entry: its name, its
// form and its value. A value of form addr or data4 may be relocated
// against a section symbol (sym >= 0), the addend being num.
type attr struct {
	name dwarf.Attr
	form form
	num  uint64
	str  string
	sym  int
}

func (a attr) relocated() bool { return a.sym >= 0 }

func strAttr(name dwarf.Attr, s string) attr {
	return attr{name: name, form: formString, str: s, sym: -1}
}
func numAttr(name dwarf.Attr, f form, v uint64) attr {
	return attr{name: name, form: f, num: v, sym: -1}
}
func relAttr(name dwarf.Attr, f form, sym int, addend uint64) attr {
	return attr{name: name, form: f, num: addend, sym: sym}
}

// checkName reports whether s can be written as a DWARF string: a
// NUL-terminated string cannot hold a NUL, and in the line table's file
// list an empty name would end the list.
func checkName(what, s string) error {
	if s == "" {
		return fmt.Errorf("%s is empty", what)
	}
	for i := 0; i < len(s); i++ {
		if s[i] == 0 {
			return fmt.Errorf("%s %q contains a NUL byte", what, s)
		}
	}
	return nil
}
