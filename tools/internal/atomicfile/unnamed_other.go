//go:build !linux

package atomicfile

import (
	"io"
	"os"
)

// writeUnnamed needs Linux's O_TMPFILE: elsewhere a named temporary is
// written.
func writeUnnamed(dir, path string, perm os.FileMode, fill func(io.Writer) error) (bool, error) {
	return false, nil
}

func unnamedSupported(string) bool { return false }
