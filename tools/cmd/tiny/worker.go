package main

// Bazel persistent worker mode and @flagfile expansion for the CLI. The
// protocol lives in tools/worker; this file only connects it to run().

import (
	"fmt"
	"io"
	"os"

	"github.com/rules-tiny/rules_tiny/tools/worker"
)

// workerMain serves WorkRequests until Bazel closes stdin. Bazel starts the
// worker with the action's arguments that are not @flagfiles, plus
// --persistent_worker (e.g. `tiny build --persistent_worker`), and sends the
// flagfile's lines as each request's arguments; so every request runs
// run(startup + request args), the same function and flag parsing as a
// one-shot `tiny build @params`.
func workerMain(args []string, stdin io.Reader, stderr io.Writer) int {
	startup := worker.StartupArgs(args)
	proto, err := worker.ProtocolStdout()
	if err != nil {
		fmt.Fprintf(stderr, "tiny: persistent worker: %v\n", err)
		return 1
	}
	err = worker.Serve(stdin, proto, func(reqArgs []string, out io.Writer) int {
		full := make([]string, 0, len(startup)+len(reqArgs))
		full = append(append(full, startup...), reqArgs...)
		return run(full, out, out)
	})
	if err != nil {
		fmt.Fprintf(stderr, "tiny: persistent worker: %v\n", err)
		return 1
	}
	return 0
}

// cliMain is main's body: the hand-off of a subcommand this build does not
// link (core.go), worker mode, or one command with @flagfiles expanded
// (Bazel passes long command lines as `@params`).
func cliMain(args []string) int {
	if code, done := handOff(args); done {
		return code
	}
	if worker.IsWorkerArgs(args) {
		return workerMain(args, os.Stdin, os.Stderr)
	}
	expanded, err := worker.ExpandFlagfiles(args)
	if err != nil {
		fmt.Fprintf(os.Stderr, "tiny: %v\n", err)
		return 2
	}
	return run(expanded, os.Stdout, os.Stderr)
}
