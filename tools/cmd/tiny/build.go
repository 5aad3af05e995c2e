package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/build"
)

func init() {
	register("build", "assemble and link in one step: SRC.asm|OBJ.o... -> static executable", runBuild)
}

// splitJoinedFlags turns nasm's joined forms -Idir and -DNAME=1 into the
// separate form the flag package parses.
func splitJoinedFlags(args []string) []string {
	var out []string
	for _, a := range args {
		if len(a) > 2 && (strings.HasPrefix(a, "-I") || strings.HasPrefix(a, "-D")) && a[2] != '=' {
			out = append(out, a[:2], a[2:])
			continue
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
	incs, defs   listFlag
	debug        bool
	debugCompDir string
	limits       asmLimits
	link         linkFlags
}

func (bf *buildFlags) register(fs *flag.FlagSet) {
	fs.StringVar(&bf.out, "o", "a.out", "output executable")
	fs.StringVar(&bf.machine, "m", "", "target: i386 or amd64 (default: the first BITS directive, else amd64)")
	fs.Var(&bf.incs, "I", "include directory (repeatable)")
	fs.Var(&bf.defs, "D", "NAME[=VALUE] preprocessor definition (repeatable)")
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
	o.Asm = asm.Options{IncludeDirs: bf.incs, Defines: bf.defs, Debug: bf.debug, DebugCompDir: bf.debugCompDir,
		Limits: &lim, BuildTime: buildTime()}
	o.KeepDebug = bf.link.debugFile != ""
	return o, nil
}

func runBuild(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tiny build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var bf buildFlags
	bf.register(fs)
	inputs, err := parseInterspersed(fs, splitJoinedFlags(args))
	if err != nil {
		return flagExit(err)
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "usage: tiny build [-o OUT] [-m i386|amd64] [-I DIR]... [-D NAME[=VAL]]... [-g] [--entry SYM] [--wx] [--compact] [--debug-file FILE] "+limitsUsage+" SRC.asm|OBJ.o...")
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
	for _, w := range res.Warnings {
		fmt.Fprintln(stderr, w.String())
	}
	var asmErrs asm.Errors
	switch {
	case errors.As(err, &asmErrs):
		fmt.Fprintln(stderr, err) // already in nasm's form: file:line: error: ...
		return 1
	case err != nil:
		fmt.Fprintf(stderr, "tiny build: %v\n", err)
		return 1
	}
	return writeExecutable(bf.out, res.Executable, bf.link.debugFile, res.Debug, "tiny build", stderr)
}
