//go:build !tiny_core

package main

import (
	"flag"
	"fmt"
	"io"

	"github.com/rules-tiny/rules_tiny/tools/image"
	"github.com/rules-tiny/rules_tiny/tools/image/layout"
)

func init() {
	register("index", "combine single-platform image layouts into a multi-platform OCI image index", runIndex)
}

func runIndex(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("tiny index", flag.ContinueOnError)
	fs.SetOutput(stderr)
	layoutDir := fs.String("layout", "", "write the OCI image layout directory (holding the index) here")
	tarPath := fs.String("tarball", "", "write the loadable tarball here")
	tag := fs.String("tag", "", "REPO[:TAG] to name the index")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if *layoutDir == "" && *tarPath == "" {
		fmt.Fprintln(stderr, "tiny index: give --layout DIR and/or --tarball OUT.tar")
		return 2
	}
	if fs.NArg() == 0 {
		fmt.Fprintln(stderr, "tiny index: give one or more image layout directories")
		return 2
	}
	var images []*layout.Layout
	for _, dir := range fs.Args() {
		l, err := layout.Read(dir)
		if err != nil {
			fmt.Fprintf(stderr, "tiny index: %v\n", err)
			return 1
		}
		images = append(images, l)
	}
	res, err := image.BuildIndex(images, *tag)
	if err != nil {
		fmt.Fprintf(stderr, "tiny index: %v\n", err)
		return 1
	}
	if err := writeOutputs(res, *layoutDir, *tarPath); err != nil {
		fmt.Fprintf(stderr, "tiny index: %v\n", err)
		return 1
	}
	fmt.Fprintln(stdout, res.Manifest.Digest)
	return 0
}
