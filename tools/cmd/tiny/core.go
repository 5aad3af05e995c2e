//go:build tiny_core

package main

// The core shape of tiny (go build -tags tiny_core) links the assemble and
// link path alone: asm, link, build and strip. The OCI subcommands need the
// image-spec types, the compressors and the registry client, whose package
// initialisation (regular expressions, CRC tables, the HTTP and TLS
// stacks) and 8 MB of code every process of the complete tool pays before
// main runs, `tiny build` included. The core hands them to the complete
// tool installed beside it, tiny-full, with exec: the same process,
// arguments, environment, standard streams and exit status, so callers
// (Bazel actions and persistent workers included) see no difference.

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/worker"
)

// fullCommands are the subcommands only the complete tool has, with the
// summaries `tiny help` prints (the same as the complete tool's: tested).
var fullCommands = []struct{ name, summary string }{
	{"image", "build a reproducible FROM-scratch OCI image (layout dir, tarball and/or layer blob)"},
	{"index", "combine single-platform image layouts into a multi-platform OCI image index"},
	{"size", "size breakdown of an ELF file or an image layout (--json for machines)"},
	{"push", "push an OCI image layout (image or index) to a registry"},
}

func init() {
	for _, c := range fullCommands {
		register(c.name, c.summary, runInFull(c.name))
	}
}

func isFullCommand(name string) bool {
	for _, c := range fullCommands {
		if c.name == name {
			return true
		}
	}
	return false
}

// handOff replaces this process with tiny-full when args name one of its
// subcommands, before any flagfile is expanded (tiny-full expands them
// itself, so a long command line stays in its params file). It returns
// only if args are the core's, or with the exit status of a failed exec.
func handOff(args []string) (int, bool) {
	sub := subcommandOf(args)
	if !isFullCommand(sub) {
		return 0, false
	}
	path, err := findFull()
	if err == nil {
		err = execFull(path, args)
	}
	fmt.Fprintf(os.Stderr, "tiny %s: %v\n", sub, err)
	return 1, true
}

// subcommandOf is the subcommand args run: the first argument that is not
// --persistent_worker, looked up in its flagfile if it is one.
func subcommandOf(args []string) string {
	for i, a := range args {
		if a == "--persistent_worker" {
			continue
		}
		if strings.HasPrefix(a, "@") {
			exp, err := worker.ExpandFlagfiles(args[i:])
			if err != nil || len(exp) == 0 {
				return "" // the core reports the flagfile's error itself
			}
			return exp[0]
		}
		return a
	}
	return ""
}

// findFull looks for tiny-full beside this executable: beside the path it
// was started by (inside a Bazel sandbox, where the tool is a link to the
// output tree), then beside the file the kernel ran (a tiny found on PATH,
// or a link to an installed tiny).
func findFull() (string, error) {
	var tried []string
	if dir := filepath.Dir(os.Args[0]); strings.ContainsRune(os.Args[0], os.PathSeparator) {
		tried = append(tried, filepath.Join(dir, fullName))
	}
	if exe, err := os.Executable(); err == nil {
		if p := filepath.Join(filepath.Dir(exe), fullName); len(tried) == 0 || p != tried[0] {
			tried = append(tried, p)
		}
	}
	for _, p := range tried {
		if fi, err := os.Stat(p); err == nil && fi.Mode().IsRegular() && fi.Mode()&0o111 != 0 {
			return p, nil
		}
	}
	return "", fmt.Errorf("this tiny is the assemble-and-link core (built with -tags tiny_core); "+
		"the OCI subcommands run in %s, which must be installed beside it (looked for %s)",
		fullName, strings.Join(tried, ", "))
}

// runInFull runs a tiny-full subcommand as a child process. It serves a
// call that handOff did not see, such as a persistent worker of the core
// asked for an OCI subcommand in a request.
func runInFull(name string) func(args []string, stdout, stderr io.Writer) int {
	return func(args []string, stdout, stderr io.Writer) int {
		path, err := findFull()
		if err != nil {
			fmt.Fprintf(stderr, "tiny %s: %v\n", name, err)
			return 1
		}
		cmd := exec.Command(path, append([]string{name}, args...)...)
		cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, stdout, stderr
		err = cmd.Run()
		var exit *exec.ExitError
		switch {
		case err == nil:
			return 0
		case errors.As(err, &exit) && exit.ExitCode() >= 0:
			return exit.ExitCode()
		case errors.Is(err, fs.ErrNotExist):
			fmt.Fprintf(stderr, "tiny %s: %v\n", name, err)
		default:
			fmt.Fprintf(stderr, "tiny %s: %s: %v\n", name, path, err)
		}
		return 1
	}
}
