//go:build tiny_core && !unix

package main

import (
	"errors"
	"os"
	"os/exec"
)

// execFull runs tiny-full with this process's arguments and standard
// streams and ends with its exit status (there is no exec here).
func execFull(path string, args []string) error {
	cmd := exec.Command(path, args...)
	cmd.Stdin, cmd.Stdout, cmd.Stderr = os.Stdin, os.Stdout, os.Stderr
	err := cmd.Run()
	var exit *exec.ExitError
	if errors.As(err, &exit) && exit.ExitCode() >= 0 {
		os.Exit(exit.ExitCode())
	}
	if err != nil {
		return err
	}
	os.Exit(0)
	return nil
}
