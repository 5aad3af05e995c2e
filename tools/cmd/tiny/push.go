//go:build !tiny_core && !tiny_nopush

package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"time"

	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
	"github.com/rules-tiny/rules_tiny/tools/push"
)

func init() {
	register("push", "push an OCI image layout (image or index) to a registry", runPush)
}

func runPush(args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("push", flag.ContinueOnError)
	fs.SetOutput(stderr)
	var (
		opts       push.Options
		tags       listFlag
		digestFile string
	)
	fs.StringVar(&opts.Layout, "layout", "", "OCI image layout directory to push (required)")
	fs.StringVar(&opts.Repository, "repository", "", "HOST[:PORT]/PATH to push to (required; the last one given wins)")
	fs.Var(&tags, "tag", "tag to point at the pushed manifest (repeatable; none: push by digest only)")
	// -r and -t as rules_oci's oci_push spells them, for muscle memory.
	fs.StringVar(&opts.Repository, "r", "", "short for --repository")
	fs.Var(&tags, "t", "short for --tag")
	fs.BoolVar(&opts.Index, "index", false, "push index.json itself as an image index (when it lists several manifests)")
	fs.BoolVar(&opts.Insecure, "insecure", false, "allow plain HTTP and unverified TLS for any registry (loopback registries may always use HTTP)")
	fs.StringVar(&digestFile, "digest-file", "", "also write the pushed digest (sha256:...) to this file")
	d := push.DefaultTimeouts
	fs.DurationVar(&opts.Timeouts.Connect, "connect-timeout", d.Connect, "give up connecting to the registry after this long")
	fs.DurationVar(&opts.Timeouts.TLS, "tls-timeout", d.TLS, "give up on a TLS handshake after this long")
	fs.DurationVar(&opts.Timeouts.Response, "response-timeout", d.Response, "give up waiting for a response (after sending a request), and then for its body, after this long")
	fs.DurationVar(&opts.Timeouts.Idle, "idle-timeout", d.Idle, "give up on a connection that sends or receives nothing for this long")
	retries := fs.Int("retries", push.DefaultRetries, "retry a request that failed with 429, a 5xx status or a dropped connection this many times (pauses of 1s, 3s, 9s...)")
	fs.Usage = func() {
		fmt.Fprintln(stderr, "usage: tiny push --layout DIR --repository HOST/REPO [--tag T]... [--index] [--insecure] [--digest-file F] [--*-timeout D] [--retries N]")
		fmt.Fprintln(stderr, "\nPrints REPOSITORY@sha256:... on stdout. Credentials: docker config.json ($DOCKER_CONFIG or ~/.docker),")
		fmt.Fprintln(stderr, "its credential helpers, then podman's auth.json, as crane and docker read them.")
		fmt.Fprintln(stderr)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		if err == flag.ErrHelp {
			return 0
		}
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "tiny push: unexpected argument %q\n", fs.Arg(0))
		fs.Usage()
		return 2
	}
	if opts.Layout == "" || opts.Repository == "" {
		fmt.Fprintln(stderr, "tiny push: --layout and --repository are required")
		fs.Usage()
		return 2
	}
	for _, t := range []time.Duration{opts.Timeouts.Connect, opts.Timeouts.TLS, opts.Timeouts.Response, opts.Timeouts.Idle} {
		if t <= 0 {
			fmt.Fprintln(stderr, "tiny push: timeouts must be positive")
			return 2
		}
	}
	switch {
	case *retries < 0 || *retries > 10:
		fmt.Fprintln(stderr, "tiny push: --retries must be 0..10")
		return 2
	case *retries == 0:
		opts.Retries = -1
	default:
		opts.Retries = *retries
	}
	opts.Tags = tags
	opts.Log = stderr

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	res, err := push.Push(ctx, opts)
	if err != nil {
		fmt.Fprintf(stderr, "tiny push: %v\n", err)
		return 1
	}
	if digestFile != "" {
		if err := atomicfile.WriteFile(digestFile, []byte(res.Digest+"\n"), 0o644); err != nil {
			fmt.Fprintf(stderr, "tiny push: pushed %s but could not write the digest file: %v\n", res.Ref, err)
			return 1
		}
	}
	fmt.Fprintf(stderr, "pushed %s (%s)\n", res.Digest, res.MediaType)
	fmt.Fprintln(stdout, res.Ref)
	return 0
}
