//go:build !tiny_core

package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"io"

	"github.com/rules-tiny/rules_tiny/tools/size"
)

func init() {
	register("size", "size breakdown of an ELF file or an image layout (--json for machines)", runSize)
}

func runSize(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tiny size", flag.ContinueOnError)
	fs.SetOutput(stderr)
	asJSON := fs.Bool("json", false, "print one JSON object (fields documented in tools/size)")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() != 1 {
		fmt.Fprintln(stderr, "usage: tiny size [--json] FILE|LAYOUT_DIR")
		return 2
	}
	report, err := size.Of(fs.Arg(0))
	if err != nil {
		fmt.Fprintf(stderr, "tiny size: %v\n", err)
		return 1
	}
	if *asJSON {
		b, err := json.Marshal(report)
		if err != nil {
			fmt.Fprintf(stderr, "tiny size: %v\n", err)
			return 1
		}
		fmt.Fprintf(stdout, "%s\n", b)
		return 0
	}
	if err := size.WriteText(stdout, report); err != nil {
		fmt.Fprintf(stderr, "tiny size: %v\n", err)
		return 1
	}
	return 0
}
