// Package nasmcmd is nasm 2.16's command line for `tiny asm`: the options
// parsed the way nasm parses them (options.go), and the driver that runs
// what they ask for (run.go): assemble, preprocess only (-E, with nasm's
// %line markers, preprocess.go), write make dependencies (-M family,
// depend.go), with nasm's message formats (-X, -s, -Z, -w, messages.go)
// and warning classes (warnings.go).
//
// An option nasm has and this assembler cannot honour is refused with a
// message that says why, never accepted and ignored.
package nasmcmd

import (
	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

// Mode is what a run does, as a set: nasm can assemble and write
// dependencies in one run (-MD), or preprocess and write them.
type Mode uint8

const (
	ModeAssemble   Mode = 1 << iota // the default
	ModePreprocess                  // -E, -e
	ModeDepend                      // -M, -MG, -MD
)

// Command is a parsed command line.
type Command struct {
	Input  string // the source file
	Output string // -o; "" for nasm's default name
	// Format is the output format (bin, elf32 or elf64); FormatName is
	// nasm's name for it when that differs (`-f elf` is elf32 named elf).
	Format, FormatName string
	Mode               Mode

	Debug        bool   // -g, -F, -gFORMAT
	DebugFormat  string // -F FORMAT or -gFORMAT ("" for the default)
	DebugCompDir string // --debug-comp-dir (tiny's own)

	Listing string // -l

	Opt        x86.Opt // -O0, -O1, -Ox (-O2 and above are -Ox)
	OptVerbose bool    // -Ov: print the number of passes

	IncludeDirs []string // -I, -i, in order; nasm's are prefixes (see pp)
	// Before are the lines the preprocessor runs before the source, in
	// command-line order: -D, -U, -P (--include), --pragma, --before.
	Before []string

	Warnings *Warnings // -w, -W
	// VCErrors is -X vc: messages as `file(line) : error: ...`.
	VCErrors    bool
	ErrToStdout bool   // -s
	ErrFile     string // -Z

	// Dependencies (-M family).
	DepFile       string // -MF, -MD FILE; "" for the default
	DepTarget     string // -MT, -MQ (already quoted); "" for the output's name
	DepPhony      bool   // -MP
	DepMissingOK  bool   // -MG
	DepWatcomMake bool   // -MW

	// Symbol name decorations (--prefix, --postfix, --lprefix...).
	GlobalPrefix, GlobalSuffix, LocalPrefix, LocalSuffix string

	NoLine bool // --no-line: %line directives are ignored

	Limits asm.Limits // --limit-NAME

	// Help, Version and ListDebugFormats end the run at once with their
	// text (-h, -v, -y), as nasm does.
	Help, Version, ListDebugFormats bool

	// Notes are warnings about the command line itself (an unknown -w
	// name...), printed before anything else.
	Notes []string
}
