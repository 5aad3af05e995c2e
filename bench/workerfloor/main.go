// Command workerfloor is the persistent-worker floor the bench measures
// `tiny build --persistent_worker` against: the same protocol loop as tiny
// (tools/worker.Serve, the same pipes and framing), whose request only
// reads the source and writes it to -o, as the Go start-up floor does for
// a fresh process. What a request costs it is what the machine charges
// for the round trip and the two file operations, with no assembling.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/rules-tiny/rules_tiny/tools/worker"
)

func main() {
	if !worker.IsWorkerArgs(os.Args[1:]) {
		fmt.Fprintln(os.Stderr, "usage: workerfloor --persistent_worker (requests: -o OUT SRC)")
		os.Exit(2)
	}
	proto, err := worker.ProtocolStdout()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	err = worker.Serve(os.Stdin, proto, func(args []string, out io.Writer) int {
		if len(args) != 3 || args[0] != "-o" {
			fmt.Fprintf(out, "workerfloor: want -o OUT SRC, got %q\n", args)
			return 2
		}
		b, err := os.ReadFile(args[2])
		if err == nil {
			err = os.WriteFile(args[1], b, 0o755)
		}
		if err != nil {
			fmt.Fprintln(out, err)
			return 1
		}
		return 0
	})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
