//go:build tiny_core && unix

package main

import (
	"os"
	"syscall"
)

// execFull replaces this process with tiny-full; it returns only on failure.
func execFull(path string, args []string) error {
	return syscall.Exec(path, append([]string{path}, args...), os.Environ())
}
