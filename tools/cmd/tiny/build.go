//go:build !tiny_oci

package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/asm/nasmcmd"
	"github.com/rules-tiny/rules_tiny/tools/build"
	"github.com/rules-tiny/rules_tiny/tools/x86"
)

func init() {
	register("build", "assemble and link in one step: SRC.asm|OBJ.o... -> static executable", runBuild)
}

// joinedFlags are nasm's single-letter assembler options that tiny build
// takes joined to their value too (-Iinc, -DX=1, -O0, -Wall).
const joinedFlags = "IiDdUuPpOwW"

// splitJoinedFlags turns nasm's joined forms -Idir, -DNAME=1, -O0... into
// the separate form the flag package parses; an argument that is one of
// fs's own flags (-wx) stays whole.
func splitJoinedFlags(fs *flag.FlagSet, args []string) []string {
	var out []string
	for _, a := range args {
		if len(a) > 2 && a[0] == '-' && strings.IndexByte(joinedFlags, a[1]) >= 0 && a[2] != '=' {
			if name, _, _ := strings.Cut(a[1:], "="); fs.Lookup(name) == nil {
				out = append(out, a[:2], a[2:])
				continue
			}
		}
		out = append(out, a)
	}
	return out
}

// buildFlags are tiny build's own flags; each fills build.Options in
// options(). A new assembler option is a field here, one line in
// register and one in options.
type buildFlags struct {
	out, machine string
	incs         listFlag
	before       beforeFlags // -D, -U, -P, --before, --pragma, in order
	opt          optFlag
	warnings     *nasmcmd.Warnings
	noLine       bool
	debug        bool
	debugCompDir string
	limits       asmLimits
	link         linkFlags
}

func (bf *buildFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&bf.out, "o", "a.out", "output executable")
	fs.StringVar(&bf.machine, "m", "", "target: i386 or amd64 (default: the first BITS directive, else amd64)")
	fs.Var(&bf.incs, "I", "include directory (repeatable; -i too)")
	fs.Var(&bf.incs, "i", "include directory (as -I)")
	for _, f := range []struct{ name, usage string }{
		{"D", "NAME[=VALUE] preprocessor definition (repeatable; -d too)"}, {"d", "as -D"},
		{"U", "NAME: undefine a macro (repeatable; -u too)"}, {"u", "as -U"},
		{"P", "FILE: pre-include a file (repeatable; -p and --include too)"}, {"p", "as -P"}, {"include", "as -P"},
		{"before", "LINE: a line before the source"}, {"pragma", "TEXT: %pragma TEXT before the source"},
	} {
		fs.Var(beforeFlag{&bf.before, f.name}, f.name, f.usage)
	}
	fs.Var(&bf.opt, "O", "nasm's optimization level: 0, 1 or x (default x)")
	bf.warnings = nasmcmd.NewWarnings()
	warn := warnFlag{bf.warnings}
	fs.Var(warn, "w", "nasm's warning option: +CLASS, -CLASS, +error=CLASS... (repeatable)")
	fs.Var(warn, "W", "nasm's warning option: CLASS, no-CLASS, error=CLASS... (repeatable)")
	fs.BoolVar(&bf.noLine, "no-line", false, "ignore %line directives")
	fs.BoolVar(&bf.debug, "g", false, "assemble with DWARF line information (kept only in --debug-file; the executable is unchanged)")
	fs.StringVar(&bf.debugCompDir, "debug-comp-dir", "", "with -g: the compilation directory the debugging information names (default .)")
	bf.limits = asmLimits{asm.DefaultLimits()}
	bf.limits.register(fs)
	bf.link.register(fs)
}

func (bf *buildFlags) options() (build.Options, error) {
	var o build.Options
	var err error
	if o.Link, err = bf.link.options(); err != nil {
		return o, err
	}
	if o.Arch, err = build.ParseArch(bf.machine); err != nil {
		return o, err
	}
	lim := bf.limits.Limits
	o.Asm = asm.Options{IncludeDirs: bf.incs, Before: bf.before.lines, Debug: bf.debug, DebugCompDir: bf.debugCompDir,
		Limits: &lim, BuildTime: buildTime(), Optimize: bf.opt.opt, NoLine: bf.noLine}
	o.KeepDebug = bf.link.debugFile != ""
	return o, nil
}

// beforeFlags collects the lines -D, -U, -P, --before and --pragma put
// before the source, in command-line order, as nasm runs them.
type beforeFlags struct{ lines []string }

type beforeFlag struct {
	b    *beforeFlags
	name string
}

func (f beforeFlag) String() string { return "" }

func (f beforeFlag) Set(v string) error {
	var line string
	switch f.name {
	case "D", "d":
		line = nasmcmd.DefineLine(v)
	case "U", "u":
		line = nasmcmd.UndefLine(v)
	case "P", "p", "include":
		var err error
		if line, err = nasmcmd.IncludeLine(v); err != nil {
			return err
		}
	case "before":
		line = v
	case "pragma":
		line = "%pragma " + v
	}
	f.b.lines = append(f.b.lines, line)
	return nil
}

// optFlag is -O as nasm reads it.
type optFlag struct{ opt x86.Opt }

func (f *optFlag) String() string { return "" }

func (f *optFlag) Set(v string) error {
	opt, verbose, err := nasmcmd.ParseOpt(v)
	if err == nil && verbose {
		err = fmt.Errorf("-Ov (the number of passes) is for tiny asm")
	}
	f.opt = opt
	return err
}

// warnFlag is -w and -W as nasm reads them.
type warnFlag struct{ w *nasmcmd.Warnings }

func (f warnFlag) String() string { return "" }

func (f warnFlag) Set(v string) error {
	f.w.Set(v) // an unknown name is nasm's unknown-warning, off by default
	return nil
}

func runBuild(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tiny build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var bf buildFlags
	bf.register(fs)
	inputs, err := parseInterspersed(fs, splitJoinedFlags(fs, args))
	if err != nil {
		return flagExit(err)
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "usage: tiny build [-o OUT] [-m i386|amd64] [-I DIR]... [-D NAME[=VAL]]... [-U NAME]... [-P FILE]... [-O0|-O1|-Ox] [-w...] [-g] [--entry SYM] [--wx] [--compact] [--debug-file FILE] "+limitsUsage+" SRC.asm|OBJ.o...")
		return 2
	}
	opts, err := bf.options()
	if err == nil {
		err = bf.link.checkOutputs(bf.out)
	}
	if err != nil {
		fmt.Fprintf(stderr, "tiny build: %v\n", err)
		return 2
	}
	res, err := build.Build(inputs, opts)
	promoted := false
	for _, w := range res.Warnings {
		if line, shown, isErr := bf.warnings.Format(w); shown {
			fmt.Fprintln(stderr, line)
			promoted = promoted || isErr
		}
	}
	var asmErrs asm.Errors
	switch {
	case errors.As(err, &asmErrs):
		fmt.Fprintln(stderr, err) // already in nasm's form: file:line: error: ...
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "tiny build: %v\n", err)
		return 1
	case promoted:
		return 1 // a warning made an error (-w+error=CLASS)
	}
	return writeExecutable(bf.out, res.Executable, bf.link.debugFile, res.Debug, "tiny build", stderr)
}
