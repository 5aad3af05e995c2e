package pp

import "github.com/rules-tiny/rules_tiny/tools/internal/inputfile"

// Limits bound the preprocessor's work, after nasm's --limit-* options,
// so that any input ends, with an error naming the limit, in bounded
// time and memory. The assembler's own limits are in package asm.
type Limits struct {
	// MacroLevels is the nesting of macro expansion: multi-line macro
	// calls, %rep blocks and includes inside one another, and single-line
	// macros inside one another (--limit-macro-levels).
	MacroLevels int64
	// MacroTokens is the number of tokens one line may have, as read or
	// as single-line macros expand it (--limit-macro-tokens).
	MacroTokens int64
	// Mmacros is the number of multi-line macro calls before the input
	// returns to the top level (--limit-mmacros).
	Mmacros int64
	// Rep is the largest %rep count (--limit-rep).
	Rep int64
	// Eval is the expression descent: operators and operands in one
	// expression (--limit-eval).
	Eval int64
	// Lines is the number of lines the preprocessor hands to the
	// assembler, as nasm counts them (--limit-lines); it bounds the
	// assembler's statements.
	Lines int64
	// Tokens is the work the preprocessor does beyond reading the
	// source once: tokens of the lines it replays from macro and %rep
	// bodies (at least one per line, even an empty one or a directive),
	// and the tokens single-line macro expansion handles
	// (--limit-tokens). It bounds what macros and %rep can multiply.
	Tokens int64
}

// Unlimited is the value of a limit set to `unlimited` (nasm's
// LIMIT_MAX_VAL): far beyond what any run can reach.
const Unlimited = int64(1<<63-1) >> 1

// DefaultLimits are chosen so that any input stops within about a minute
// on a small machine, with memory of the order of ten times the input
// plus a few hundred megabytes; real programs stay far below them.
// MacroLevels, Mmacros, Rep and Eval are nasm's defaults.
func DefaultLimits() Limits {
	return Limits{
		MacroLevels: 10000,
		MacroTokens: 1000000,
		Mmacros:     100000,
		Rep:         1000000,
		Eval:        8192,
		Lines:       1000000,
		Tokens:      20000000,
	}
}

// Other bounds, not worth a flag.
const (
	MaxIncludeDepth = 64
	MaxErrors       = 100
	// MaxSourceSize bounds one source or include file.
	MaxSourceSize = 1 << 30
)

// ReadFile reads a source or include file. Only a regular file is read
// (package inputfile, the project's one input check): a FIFO, device,
// socket or directory is refused before anything is read from it, and so
// is a file larger than MaxSourceSize.
func ReadFile(name string) ([]byte, error) {
	return inputfile.ReadFile(name, true, MaxSourceSize)
}

// ReadFileRange reads at most n bytes (all, if n < 0) from offset off of
// the regular file name; more than limit bytes to read is an error.
func ReadFileRange(name string, off, n, limit int64) ([]byte, error) {
	return inputfile.ReadRange(name, true, off, n, limit)
}
