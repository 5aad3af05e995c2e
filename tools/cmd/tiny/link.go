//go:build !tiny_oci

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"

	"github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
	"github.com/rules-tiny/rules_tiny/tools/link"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

func init() {
	register("link", "link ELF relocatable objects into a minimal static executable", runLink)
}

// parseInterspersed parses flags that may appear before, between or after
// the positional arguments (like ld and nasm), returning the positionals.
func parseInterspersed(fs *flag.FlagSet, args []string) ([]string, error) {
	var pos []string
	for {
		if err := fs.Parse(args); err != nil {
			return nil, err
		}
		args = fs.Args()
		if len(args) == 0 {
			return pos, nil
		}
		pos = append(pos, args[0])
		args = args[1:]
	}
}

// flagExit is the exit status for a flag parsing error: 0 after -h, else 2.
func flagExit(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	return 2
}

// linkFlags are the layout flags shared by tiny link and tiny build.
type linkFlags struct {
	entry       string
	wx, compact bool
	base        string
	debugFile   string
}

// baseUsage is --base's usage (a constant: a persistent worker registers
// the flags for every request).
var baseUsage = "load address (default 0x" + strconv.FormatUint(link.DefaultBase, 16) + ")"

func (lf *linkFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&lf.entry, "entry", "_start", "entry symbol")
	fs.BoolVar(&lf.wx, "wx", false, "keep writable data out of executable pages (one more program header)")
	fs.BoolVar(&lf.compact, "compact", false, "overlap headers and use fields the kernel ignores (smallest output)")
	fs.StringVar(&lf.base, "base", "", baseUsage)
	fs.StringVar(&lf.debugFile, "debug-file", "", "also write a separate debug file (symbols and DWARF at the executable's addresses) for gdb -e OUT -s FILE; the executable is unchanged")
}

func (lf *linkFlags) options() (link.Options, error) {
	o := link.Options{Entry: lf.entry, WX: lf.wx, Compact: lf.compact}
	if lf.base != "" {
		b, err := strconv.ParseUint(lf.base, 0, 64)
		if err != nil {
			return o, fmt.Errorf("bad --base %q: %v", lf.base, err)
		}
		o.Base = b
	}
	if lf.wx && lf.compact {
		return o, fmt.Errorf("--wx and --compact cannot be combined (the compact layout has one segment)")
	}
	return o, nil
}

func runLink(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tiny link", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "a.out", "output executable")
	var lf linkFlags
	lf.register(fs)
	inputs, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "tiny link: no input objects")
		return 2
	}
	opts, err := lf.options()
	if err != nil {
		fmt.Fprintf(stderr, "tiny link: %v\n", err)
		return 2
	}
	if err := lf.checkOutputs(*out); err != nil {
		fmt.Fprintf(stderr, "tiny link: %v\n", err)
		return 2
	}
	read := elf.ReadObject
	if lf.debugFile != "" {
		read = elf.ReadObjectWithDebug
	}
	var files []*obj.File
	for _, in := range inputs {
		data, _, err := elf.ReadFile(in, elf.Sections)
		if err != nil {
			fmt.Fprintf(stderr, "tiny link: %v\n", err)
			return 1
		}
		f, err := read(data, in)
		if err != nil {
			fmt.Fprintf(stderr, "tiny link: %v\n", err)
			return 1
		}
		files = append(files, f)
	}
	var exe, debug []byte
	if lf.debugFile != "" {
		exe, debug, err = link.LinkDebug(files, opts)
	} else {
		exe, err = link.Link(files, opts)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tiny link: %v\n", err)
		return 1
	}
	return writeExecutable(*out, exe, lf.debugFile, debug, "tiny link", stderr)
}

// checkOutputs refuses a debug file at the executable's path.
func (lf *linkFlags) checkOutputs(out string) error {
	if lf.debugFile != "" && filepath.Clean(lf.debugFile) == filepath.Clean(out) {
		return fmt.Errorf("--debug-file %s is the output executable too", lf.debugFile)
	}
	return nil
}

// writeExecutable writes the executable and, when asked, its debug file,
// each atomically. The debug file goes first; if the executable then
// cannot be written, the debug file is removed, so that a failed run
// leaves no output of its own behind.
func writeExecutable(out string, exe []byte, debugPath string, debug []byte, who string, stderr io.Writer) int {
	if debugPath != "" {
		if err := atomicfile.WriteFile(debugPath, debug, 0o644); err != nil {
			fmt.Fprintf(stderr, "%s: %v\n", who, err)
			return 1
		}
	}
	if err := atomicfile.WriteFile(out, exe, 0o755); err != nil {
		// Take back the debug file just written, but only a regular file:
		// a device or pipe (--debug-file /dev/null) was written in place
		// and is not ours to delete.
		if fi, serr := os.Lstat(debugPath); debugPath != "" && serr == nil && fi.Mode().IsRegular() {
			os.Remove(debugPath)
		}
		fmt.Fprintf(stderr, "%s: %v\n", who, err)
		return 1
	}
	return 0
}
