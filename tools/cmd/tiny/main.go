// Command tiny is the rules_tiny toolchain: assembler, linker, strip and image
// writer in one hermetic binary. Each subcommand lives in its own file and is
// a thin shell over a package under tools/.
//
// It builds in shapes. `go build` gives the complete tool. With
// `-tags tiny_core` it gives the core, which links only asm, link, build and
// strip, so that those start as fast as a Go program can; it runs image,
// index, size and push by exec of tiny-full installed beside it (core.go).
// With `-tags tiny_oci` it gives that other half: image, index, size and
// push, without the assembler and linker, so that an image starts light
// too (`tiny_nopush` leaves push out as well). The toolchain ships the
// pair: `tiny` is the core, tiny-full the OCI half without push.
package main

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"
	"sort"
	"strings"
)

// fullName is the file name of the complete tool when it is installed
// beside the core.
const fullName = "tiny-full"

type command struct {
	name    string
	summary string
	run     func(args []string, stdout, stderr io.Writer) int
}

var commands = map[string]command{}

// register adds a subcommand; called from each subcommand file's init.
func register(name, summary string, run func(args []string, stdout, stderr io.Writer) int) {
	if _, dup := commands[name]; dup {
		panic("duplicate subcommand " + name)
	}
	commands[name] = command{name, summary, run}
}

func usage(w io.Writer) {
	fmt.Fprintln(w, "usage: tiny <command> [flags] [args]")
	fmt.Fprintln(w, "\ncommands:")
	names := make([]string, 0, len(commands))
	for n := range commands {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		fmt.Fprintf(w, "  %-10s %s\n", n, commands[n].summary)
	}
}

// gcPercent is the heap growth allowed between collections (Go's GOGC,
// 100 by default). What the assembler keeps lives until the output is
// written, so at the default the heap peaks near twice that; at 50 it
// peaks near 1.5 times, which takes about 2 MB off the peak RSS of a
// 20k-line program for no measurable CPU time (bench section d). GOGC in
// the environment still decides.
const gcPercent = 50

func main() {
	if _, set := os.LookupEnv("GOGC"); !set {
		debug.SetGCPercent(gcPercent)
	}
	// Persistent-worker hook (tools/cmd/tiny/worker.go): Bazel worker mode
	// when --persistent_worker is present, else @flagfile expansion then run.
	os.Exit(cliMain(os.Args[1:]))
}

func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		usage(stderr)
		return 2
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		usage(stdout)
		return 0
	}
	c, ok := commands[args[0]]
	if !ok {
		fmt.Fprintf(stderr, "tiny: unknown command %q\n", args[0])
		usage(stderr)
		return 2
	}
	return c.run(args[1:], stdout, stderr)
}

// listFlag is a repeatable string flag: each use appends one value.
type listFlag []string

func (s *listFlag) String() string     { return strings.Join(*s, ",") }
func (s *listFlag) Set(v string) error { *s = append(*s, v); return nil }
