package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"

	"golang.org/x/sys/unix"
)

// writeUnnamed writes a new file without ever giving it a temporary name:
// the content goes to an unnamed file in dir (O_TMPFILE), linked at path
// once complete. An interrupt has no temporary to leave behind (the kernel
// frees the unnamed file with the process), so this path needs no signal
// handler, which costs a one-shot process a thread. Bazel deletes an
// action's outputs before it runs, so this is the path of its actions.
//
// ok is false, with nothing done, where the kernel, the file system or a
// missing /proc cannot do it: the caller writes a named temporary instead.
func writeUnnamed(dir, path string, perm os.FileMode, fill func(io.Writer) error) (ok bool, err error) {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return false, nil
	}
	// Linking needs the descriptor's /proc entry (AT_EMPTY_PATH would need
	// CAP_DAC_READ_SEARCH): check that /proc is there before fill consumes
	// the content.
	if !procFDs() {
		unix.Close(fd)
		return false, nil
	}
	proc := "/proc/self/fd/" + strconv.Itoa(fd)
	f := os.NewFile(uintptr(fd), path)
	defer f.Close()
	if err := fill(f); err != nil {
		return true, err
	}
	if err := f.Chmod(perm); err != nil {
		return true, err
	}
	err = unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, path, unix.AT_SYMLINK_FOLLOW)
	if errors.Is(err, unix.EEXIST) {
		// Made meanwhile by someone else: replace it as the named path
		// does, through a tracked temporary name.
		return true, replaceFrom(dir, path, proc)
	}
	if err != nil {
		return true, &os.LinkError{Op: "link", Old: proc, New: path, Err: err}
	}
	return true, nil
}

// procFDs tells whether this process sees its descriptors in /proc. Asked
// once: a persistent worker writes an output per request, and a lookup
// in /proc is one of the few system calls a small output costs.
var procFDs = sync.OnceValue(func() bool {
	_, err := os.Stat("/proc/self/fd")
	return err == nil
})

// replaceFrom links the unnamed file at proc to a tracked temporary in dir,
// named as Write names its temporaries, and renames it over path.
func replaceFrom(dir, path, proc string) error {
	var tmp string
	err := track(func() (string, error) {
		prefix := filepath.Join(dir, "."+filepath.Base(path)+".tmp"+strconv.Itoa(os.Getpid())+"-")
		for i := 0; i < 1000; i++ {
			tmp = prefix + strconv.Itoa(i)
			err := unix.Linkat(unix.AT_FDCWD, proc, unix.AT_FDCWD, tmp, unix.AT_SYMLINK_FOLLOW)
			if !errors.Is(err, unix.EEXIST) {
				return tmp, err
			}
		}
		return "", &os.LinkError{Op: "link", Old: proc, New: prefix + "*", Err: unix.EEXIST}
	})
	if err != nil {
		return err
	}
	if err := commit(tmp, func() error { return os.Rename(tmp, path) }); err != nil {
		Remove(tmp)
		return err
	}
	return nil
}

// unnamedSupported tells whether dir takes unnamed files (for tests).
func unnamedSupported(dir string) bool {
	fd, err := unix.Open(dir, unix.O_TMPFILE|unix.O_WRONLY|unix.O_CLOEXEC, 0o600)
	if err != nil {
		return false
	}
	unix.Close(fd)
	return procFDs()
}
