package pp

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"syscall"
)

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

// ReadFile reads a source or include file. Only a regular file is read:
// a FIFO, device, socket or directory is refused before anything is read
// from it (opening does not block on a FIFO), and so is a file larger
// than MaxSourceSize.
func ReadFile(name string) ([]byte, error) {
	return ReadFileRange(name, 0, -1, MaxSourceSize)
}

// ReadFileRange reads at most n bytes (all, if n < 0) from offset off of
// the regular file name; more than limit bytes to read is an error.
func ReadFileRange(name string, off, n, limit int64) ([]byte, error) {
	// O_NONBLOCK: opening a FIFO for reading would wait for a writer.
	f, err := os.OpenFile(name, os.O_RDONLY|syscall.O_NONBLOCK, 0)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	if !st.Mode().IsRegular() {
		return nil, &fs.PathError{Op: "read", Path: name, Err: notRegular{st.Mode()}}
	}
	size := st.Size()
	off = min(max(off, 0), size)
	want := size - off
	if n >= 0 && n < want {
		want = n
	}
	if want > limit {
		return nil, &fs.PathError{Op: "read", Path: name, Err: fmt.Errorf("%d bytes to read, more than the limit of %d", want, limit)}
	}
	buf := make([]byte, want)
	got, err := f.ReadAt(buf, off)
	if err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	// A file that shrank while being read gives what it still had.
	return buf[:got], nil
}

// notRegular says what a path is instead of a regular file.
type notRegular struct{ mode fs.FileMode }

func (e notRegular) Error() string {
	kind := "not a regular file"
	switch t := e.mode.Type(); {
	case t&fs.ModeDir != 0:
		kind = "is a directory"
	case t&fs.ModeNamedPipe != 0:
		kind = "is a FIFO, not a regular file"
	case t&fs.ModeSocket != 0:
		kind = "is a socket, not a regular file"
	case t&fs.ModeCharDevice != 0:
		kind = "is a character device, not a regular file"
	case t&fs.ModeDevice != 0:
		kind = "is a block device, not a regular file"
	}
	return kind
}
