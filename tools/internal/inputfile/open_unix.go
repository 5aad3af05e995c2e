//go:build unix

package inputfile

import (
	"errors"
	"io/fs"
	"os"
	"syscall"

	"golang.org/x/sys/unix"
)

// open opens without blocking on a FIFO and, unless follow, without
// following a symbolic link swapped in after the first look.
func open(path string, follow bool) (*os.File, error) {
	flags := os.O_RDONLY | syscall.O_NONBLOCK | syscall.O_CLOEXEC
	if !follow {
		flags |= syscall.O_NOFOLLOW
	}
	f, err := os.OpenFile(path, flags, 0)
	if err != nil {
		if !follow && errors.Is(err, syscall.ELOOP) {
			return nil, &fs.PathError{Op: "open", Path: path, Err: ErrSymlink}
		}
		return nil, err
	}
	return f, nil
}

// clearNonblock restores blocking reads: O_NONBLOCK only guarded the open.
// One F_SETFL with no flag, without reading them first: the file was
// opened with O_NONBLOCK as its only status flag F_SETFL can change (the
// access mode and O_CLOEXEC are not status flags it touches).
func clearNonblock(f *os.File) error {
	rc, err := f.SyscallConn()
	if err != nil {
		return err
	}
	var serr error
	if err := rc.Control(func(fd uintptr) { _, serr = unix.FcntlInt(fd, unix.F_SETFL, 0) }); err != nil {
		return err
	}
	return serr
}
