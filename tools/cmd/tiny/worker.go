package main

// Bazel persistent worker mode and @flagfile expansion for the CLI. The
// protocol lives in tools/worker; this file only connects it to run().

import (
	"fmt"
	"io"
	"os"
	"runtime/debug"

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
	if len(expanded) > 0 {
		collectLate(expanded[0])
	}
	oneShot = true
	return run(expanded, os.Stdout, os.Stderr)
}

// oneShot is set when this process runs one command and ends (not a
// persistent worker): a command may then spend process-wide settings, such
// as holding interrupts off for its final writes (writeImageOutputs).
var oneShot bool

// lateCollection are the subcommands whose one-shot runs start with the
// collector off. An image run lives for a few milliseconds, and its
// garbage (the layer in memory, the compressor's tables) would make the
// collector run a full cycle just before the process ends and frees
// everything anyway. Their memory stays bounded by design
// (inputs stream), and the soft limit below brings the collector back if a
// run ever grows that far. Assembling keeps the default: its garbage grows
// with the source, and collecting it is what keeps a large program's peak
// memory low. Persistent workers keep the default too.
var lateCollection = map[string]bool{"image": true, "index": true}

// lateCollectionLimit is the heap at which a late-collecting run collects.
const lateCollectionLimit = 128 << 20

// collectLate sets a one-shot run of sub to collect late, unless the user
// chose a collector setting (GOGC, GOMEMLIMIT).
func collectLate(sub string) {
	if !lateCollection[sub] || os.Getenv("GOGC") != "" || os.Getenv("GOMEMLIMIT") != "" {
		return
	}
	debug.SetGCPercent(-1)
	debug.SetMemoryLimit(lateCollectionLimit)
}
