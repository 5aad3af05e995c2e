// Command gazelle-tiny is Gazelle with only the rules_tiny language, for
// workspaces where gazelle_binary (rules_go) is not available:
//
//	go run ./tools/cmd/gazelle-tiny -repo_root=DIR            # update BUILD files
//	go run ./tools/cmd/gazelle-tiny -repo_root=DIR -mode=diff # exit 1 if they would change
//
// It accepts every flag of `gazelle update` (and `fix` as first argument).
// Under `bazel run` it works in BUILD_WORKSPACE_DIRECTORY, as gazelle does.
package main

import (
	"context"
	"flag"
	"log"
	"os"

	"github.com/rules-tiny/rules_tiny/tools/gazelle/runner"
)

func main() {
	log.SetPrefix("gazelle-tiny: ")
	log.SetFlags(0)
	wd := os.Getenv("BUILD_WORKSPACE_DIRECTORY")
	if wd == "" {
		var err error
		if wd, err = os.Getwd(); err != nil {
			log.Fatal(err)
		}
	}
	err := runner.Run(context.Background(), wd, os.Args[1:])
	switch {
	case err == nil, err == flag.ErrHelp:
	case runner.IsDiff(err):
		os.Exit(1)
	default:
		log.Print(err)
		os.Exit(1)
	}
}
