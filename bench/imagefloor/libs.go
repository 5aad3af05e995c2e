//go:build libs

package main

// Built with -tags libs, the floor also links the libraries an OCI image
// writer in Go links and tiny's image path uses (the image-spec types, with
// go-digest under them, and klauspost/compress's gzip and zstd), without
// calling them: what their package initialisation and size cost a fresh
// process. The image work itself is still left out.
import (
	_ "github.com/klauspost/compress/gzip"
	_ "github.com/klauspost/compress/zstd"
	_ "github.com/opencontainers/go-digest"
	_ "github.com/opencontainers/image-spec/specs-go/v1"
)
