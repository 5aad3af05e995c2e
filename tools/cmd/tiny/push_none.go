//go:build !tiny_core && tiny_nopush

package main

// A complete tool built with -tags tiny_nopush leaves push out: the registry
// client brings the HTTP and TLS stacks, some 40% of what a first build of
// the tool compiles. rules_tiny's WORKSPACE toolchain builds its tiny-full
// so, for the image, index and size actions every build runs, and builds the
// complete tool only when a tiny_push target is asked for.

import (
	"fmt"
	"io"
)

func init() {
	register("push", "push an OCI image layout (image or index) to a registry", func(_ []string, _, stderr io.Writer) int {
		fmt.Fprintln(stderr, "tiny push: this tiny-full was built without push (-tags tiny_nopush); "+
			"run push from a complete build of tiny (go build ./tools/cmd/tiny), as rules_tiny's tiny_push target does")
		return 1
	})
}
