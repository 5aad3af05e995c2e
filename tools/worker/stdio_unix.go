//go:build unix

package worker

import (
	"os"
	"syscall"
)

// ProtocolStdout takes file descriptor 1 for the protocol and points fd 1 at
// stderr instead, so a stray print to os.Stdout anywhere in the process ends
// up in Bazel's worker log rather than corrupting the response stream.
func ProtocolStdout() (*os.File, error) {
	fd, err := syscall.Dup(1)
	if err != nil {
		return nil, err
	}
	syscall.CloseOnExec(fd)
	if err := dupOnto(2, 1); err != nil {
		syscall.Close(fd)
		return nil, err
	}
	return os.NewFile(uintptr(fd), "worker-protocol"), nil
}
