//go:build !tiny_oci

package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
	"github.com/rules-tiny/rules_tiny/tools/strip"
)

func init() {
	register("strip", "drop everything the loader does not map from a static ELF executable", runStrip)
}

func runStrip(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tiny strip", flag.ContinueOnError)
	fs.SetOutput(stderr)
	out := fs.String("o", "", "output file (default: replace IN)")
	inputs, err := parseInterspersed(fs, args)
	if err != nil {
		return flagExit(err)
	}
	if len(inputs) != 1 {
		fmt.Fprintln(stderr, "usage: tiny strip [-o OUT] IN")
		return 2
	}
	in := inputs[0]
	if *out == "" {
		*out = in
	}
	res, err := strip.File(in)
	if err != nil {
		fmt.Fprintf(stderr, "tiny strip: %v\n", err)
		return 1
	}
	if err := atomicfile.WriteFile(*out, res, 0o755); err != nil {
		fmt.Fprintf(stderr, "tiny strip: %v\n", err)
		return 1
	}
	return 0
}
