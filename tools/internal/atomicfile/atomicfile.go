// Package atomicfile writes outputs so that a failure never leaves a partial
// file or directory behind: content goes to a temporary sibling that is renamed
// into place only when complete.
package atomicfile

import (
	"fmt"
	"os"
	"path/filepath"
)

// WriteFile writes data to path with mode perm (not subject to umask), atomically.
// A path that names a device or a pipe (`-o /dev/null`, `-o /dev/stdout`) is
// written in place: renaming over it would replace the device with a file.
func WriteFile(path string, data []byte, perm os.FileMode) error {
	if fi, err := os.Stat(path); err == nil {
		switch {
		case fi.IsDir():
			return fmt.Errorf("%s is a directory", path)
		case fi.Mode()&(os.ModeDevice|os.ModeCharDevice|os.ModeNamedPipe) != 0:
			f, err := os.OpenFile(path, os.O_WRONLY, 0)
			if err != nil {
				return err
			}
			if _, err := f.Write(data); err != nil {
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
	f, err := os.CreateTemp(dir, "."+base+".tmp*")
	if err != nil {
		return err
	}
	tmp := f.Name()
	ok := false
	defer func() {
		if !ok {
			f.Close()
			os.Remove(tmp)
		}
	}()
	if _, err := f.Write(data); err != nil {
		return err
	}
	if err := f.Chmod(perm); err != nil {
		return err
	}
	if err := f.Close(); err != nil {
		return err
	}
	if err := os.Rename(tmp, path); err != nil {
		return err
	}
	ok = true
	return nil
}

// WriteDir builds a directory with fill in a temporary sibling of path and then
// replaces path with it. An existing directory at path is replaced only after
// fill succeeds; on error nothing at path changes.
func WriteDir(path string, fill func(tmpDir string) error) error {
	parent, base := filepath.Split(filepath.Clean(path))
	if parent == "" {
		parent = "."
	}
	tmp, err := os.MkdirTemp(parent, "."+base+".tmp*")
	if err != nil {
		return err
	}
	if err := os.Chmod(tmp, 0o755); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if err := fill(tmp); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	if fi, err := os.Lstat(path); err == nil {
		if !fi.IsDir() {
			os.RemoveAll(tmp)
			return fmt.Errorf("%s exists and is not a directory", path)
		}
		old := tmp + ".old"
		if err := os.Rename(path, old); err != nil {
			os.RemoveAll(tmp)
			return err
		}
		if err := os.Rename(tmp, path); err != nil {
			os.Rename(old, path)
			os.RemoveAll(tmp)
			return err
		}
		return os.RemoveAll(old)
	}
	if err := os.Rename(tmp, path); err != nil {
		os.RemoveAll(tmp)
		return err
	}
	return nil
}
