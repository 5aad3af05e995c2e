//go:build !unix

package worker

import "os"

// ProtocolStdout on systems without dup: the protocol uses stdout as is.
func ProtocolStdout() (*os.File, error) { return os.Stdout, nil }
