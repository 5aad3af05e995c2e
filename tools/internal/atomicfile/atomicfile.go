// Package atomicfile writes outputs so that a failure never leaves a partial
// file or directory behind: content goes to a temporary sibling that is renamed
// into place only when complete.
//
// On Linux a new file has no temporary name at all: it is written unnamed
// (O_TMPFILE) and linked at its path once whole (unnamed_linux.go).
//
// An interrupt (SIGINT, SIGTERM, SIGHUP) while a temporary exists removes
// every temporary this process made, then ends the process as the signal
// would have: no `.tmp` file outlives a cancelled build. Every subcommand's
// outputs go through here, so all of them get this. A one-shot process that
// ends with short writes may hold interrupts off instead (HoldInterrupts):
// the writes then cannot be cut short, and no handler is installed.
package atomicfile

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
)

// WriteFile writes data to path with mode perm (not subject to umask), atomically.
// A path that names a device or a pipe (`-o /dev/null`, `-o /dev/stdout`) is
// written in place: renaming over it would replace the device with a file.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	return Write(path, perm, func(w io.Writer) error {
		_, err := w.Write(data)
		return err
	})
}

// Write is WriteFile for content produced by fill, which may be large: it
// streams into the temporary file.
func Write(path string, perm os.FileMode, fill func(w io.Writer) error) error {
	fi, err := os.Stat(path)
	if err == nil {
		switch {
		case fi.IsDir():
			return fmt.Errorf("%s is a directory", path)
		case fi.Mode()&(os.ModeDevice|os.ModeCharDevice|os.ModeNamedPipe) != 0:
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			if err := fill(f); err != nil {
				f.Close()
				return err
			}
			return f.Close()
		}
	}
	dir, base := filepath.Split(path)
	if dir == "" {
		dir = "."
	}
	if os.IsNotExist(err) {
		if ok, err := writeUnnamed(dir, path, perm, fill); ok {
			return err
		}
	}
	f, err := CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	committed := false
	defer func() {
		if !committed {
			f.Close()
			Remove(tmp)
		}
	}()
	if err := fill(f); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := commit(tmp, func() error { return os.Rename(tmp, path) }); err != nil {
		return err
	}
	committed = true
	return nil
}

// CreateTemp creates a scratch file in dir (os.CreateTemp's pattern) that an
// interrupt removes. The caller removes it with Remove when done.
func CreateTemp(dir, pattern string) (*os.File, error) {
	var f *os.File
	err := track(func() (string, error) {
		var err error
		f, err = os.CreateTemp(dir, pattern)
		if err != nil {
			return "", err
		}
		return f.Name(), nil
	})
	return f, err
}

// Remove deletes a temporary made here (a file or a whole directory) and
// forgets it.
func Remove(path string) error {
	return commit(path, func() error { return os.RemoveAll(path) })
}

// WriteDir builds a directory with fill in a temporary sibling of path and then
// puts it at path. An existing directory at path is replaced only when it is
// empty or mayReplace accepts it (the caller knows what it could have written
// there), and only after fill succeeds; otherwise nothing at path changes.
// mayReplace may be nil: then only an empty directory is replaced.
func WriteDir(path string, mayReplace func(dir string) error, fill func(tmpDir string) error) error {
	// Refuse before doing any work: a typo such as --layout src must cost
	// nothing, and must never lose the user's files.
	replace := false
	if fi, err := os.Lstat(path); err == nil {
		if !fi.IsDir() {
			return fmt.Errorf("%s exists and is not a directory; refusing to replace it", path)
		}
		if err := checkReplaceable(path, mayReplace); err != nil {
			return err
		}
		replace = true
	} else if !os.IsNotExist(err) {
		return err
	}
	parent, base := filepath.Split(filepath.Clean(path))
	if parent == "" {
		parent = "."
	}
	var tmp string
	err := track(func() (string, error) {
		var err error
		tmp, err = os.MkdirTemp(parent, "."+base+".tmp*")
		return tmp, err
	})
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		Remove(tmp)
		return err
	}
	if err := fill(tmp); err != nil {
		Remove(tmp)
		return err
	}
	if !replace {
		if err := commit(tmp, func() error { return os.Rename(tmp, path) }); err != nil {
			Remove(tmp)
			return err
		}
		return nil
	}
	// Check again: the directory may have changed while fill ran.
	if err := checkReplaceable(path, mayReplace); err != nil {
		Remove(tmp)
		return err
	}
	// The swap runs with interrupts held off (commit), so a signal cannot
	// fall between the two renames and leave neither directory at path.
	old := tmp + ".old"
	if err := track(func() (string, error) { return old, nil }); err != nil {
		Remove(tmp)
		return err
	}
	defer Remove(old)
	err = commit(tmp, func() error {
		if err := os.Rename(path, old); err != nil {
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Rename(old, path)
			return err
		}
		return nil
	})
	if err != nil {
		Remove(tmp)
		return err
	}
	return nil
}

func checkReplaceable(dir string, mayReplace func(string) error) error {
	f, err := os.Open(dir)
	if err != nil {
		return err
	}
	names, err := f.Readdirnames(1)
	f.Close()
	if len(names) == 0 && err != nil {
		return nil // empty
	}
	if mayReplace == nil {
		return fmt.Errorf("%s is a directory that is not empty; refusing to replace it", dir)
	}
	if err := mayReplace(dir); err != nil {
		return fmt.Errorf("refusing to replace %s: %v", dir, err)
	}
	return nil
}
