package main

import (
	"bytes"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

func init() {
	register("build", "assemble and link in one step: SRC.asm|OBJ.o... -> static executable", runBuild)
}

// buildList is a repeatable string flag (-I, -D).
type buildList []string

func (s *buildList) String() string     { return strings.Join(*s, ",") }
func (s *buildList) Set(v string) error { *s = append(*s, v); return nil }

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

func runBuild(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tiny build", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "a.out", "output executable")
	machine := fs.String("m", "", "target: i386 or amd64 (default: the first BITS directive, else amd64)")
	var incs, defs buildList
	fs.Var(&incs, "I", "include directory (repeatable)")
	fs.Var(&defs, "D", "NAME[=VALUE] preprocessor definition (repeatable)")
	var lf linkFlags
	lf.register(fs)
	lim := newAsmLimits()
	lim.register(fs)
	inputs, err := parseInterspersed(fs, splitJoinedFlags(args))
	if err != nil {
		return flagExit(err)
	}
	if len(inputs) == 0 {
		fmt.Fprintln(stderr, "usage: tiny build [-o OUT] [-m i386|amd64] [-I DIR]... [-D NAME[=VAL]]... [--entry SYM] [--wx] [--compact] "+limitsUsage+" SRC.asm|OBJ.o...")
		return 2
	}
	opts, err := lf.options()
	if err != nil {
		fmt.Fprintf(stderr, "tiny build: %v\n", err)
		return 2
	}
	format := ""
	switch *machine {
	case "":
	case "i386", "386", "x86", "elf32":
		format = "elf32"
	case "amd64", "x86_64", "x86-64", "elf64":
		format = "elf64"
	default:
		fmt.Fprintf(stderr, "tiny build: unknown -m %q (want i386 or amd64)\n", *machine)
		return 2
	}
	var files []*obj.File
	for _, in := range inputs {
		data, err := asm.ReadFile(in) // a regular file: a FIFO or device would hang
		if err != nil {
			fmt.Fprintf(stderr, "tiny build: %v\n", err)
			return 1
		}
		if bytes.HasPrefix(data, []byte("\x7fELF")) {
			f, err := elf.ReadObject(data, in)
			if err != nil {
				fmt.Fprintf(stderr, "tiny build: %v\n", err)
				return 1
			}
			if format == "" {
				format = map[obj.Arch]string{obj.ArchI386: "elf32", obj.ArchAMD64: "elf64"}[f.Arch]
			}
			files = append(files, f)
			continue
		}
		f := format
		if f == "" {
			f = "elf" // the first BITS directive decides, else elf64
		}
		res, err := asm.Assemble(in, asm.Options{Format: f, IncludeDirs: incs, Defines: defs, Source: data, Limits: &lim.Limits, BuildTime: buildTime()})
		if res != nil {
			for _, w := range res.Warnings {
				fmt.Fprintln(stderr, w.String())
			}
		}
		if err != nil {
			fmt.Fprintln(stderr, err)
			return 1
		}
		format = res.Format
		files = append(files, res.Object)
	}
	return linkAndWrite(files, opts, *out, "tiny build", stderr)
}
