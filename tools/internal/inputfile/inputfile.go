// Package inputfile opens the files a subcommand reads, refusing anything
// that is not a regular file before a byte is read: a FIFO blocks forever,
// /dev/zero never ends, a directory or socket has no content. The check is
// made on the opened descriptor (fstat), so a path swapped for a FIFO after
// a first look cannot block the open itself: files are opened with
// O_NONBLOCK, which a regular file ignores.
package inputfile

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
)

// Open opens path for reading if it is a regular file. A symbolic link is
// refused unless follow is set, and then its target must be a regular file.
// The returned FileInfo describes the opened file.
func Open(path string, follow bool) (*os.File, fs.FileInfo, error) {
	// A first look by path, so that a device is refused without opening
	// it (opening some has side effects); the check on the descriptor
	// below is the one that counts.
	stat := os.Stat
	if !follow {
		stat = os.Lstat
	}
	fi, err := stat(path)
	if err != nil {
		return nil, nil, err
	}
	if fi.Mode()&fs.ModeSymlink != 0 {
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: ErrSymlink}
	}
	if !fi.Mode().IsRegular() {
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: &NotRegularError{Mode: fi.Mode()}}
	}
	f, err := open(path, follow)
	if err != nil {
		return nil, nil, err
	}
	fi, err = f.Stat()
	if err != nil {
		f.Close()
		return nil, nil, err
	}
	if !fi.Mode().IsRegular() {
		f.Close()
		return nil, nil, &fs.PathError{Op: "open", Path: path, Err: &NotRegularError{Mode: fi.Mode()}}
	}
	// Back to blocking reads: O_NONBLOCK only guarded the open.
	if err := clearNonblock(f); err != nil {
		f.Close()
		return nil, nil, err
	}
	return f, fi, nil
}

// ErrSymlink is the error for a symbolic link given where links are not
// followed.
var ErrSymlink = errors.New("is a symbolic link")

// NotRegularError says what kind of file was refused.
type NotRegularError struct{ Mode fs.FileMode }

func (e *NotRegularError) Error() string {
	return "is not a regular file (" + Kind(e.Mode) + ")"
}

// Kind names a file type the way people say it.
func Kind(m fs.FileMode) string {
	switch {
	case m.IsDir():
		return "a directory"
	case m&fs.ModeNamedPipe != 0:
		return "a FIFO"
	case m&fs.ModeSocket != 0:
		return "a socket"
	case m&fs.ModeCharDevice != 0:
		return "a character device"
	case m&fs.ModeDevice != 0:
		return "a block device"
	case m&fs.ModeSymlink != 0:
		return "a symbolic link"
	case m.IsRegular():
		return "a regular file"
	}
	return "an irregular file"
}

// ReadFile reads a whole regular file of at most max bytes. It never reads
// more than max+1 bytes, whatever the file claims or becomes.
func ReadFile(path string, follow bool, max int64) ([]byte, error) {
	f, fi, err := Open(path, follow)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return ReadOpened(f, fi, path, max)
}

// ReadOpened is ReadFile for a file that Open returned (fi is its info),
// read from its current offset: a caller that looked at the file first
// reads it without opening it again.
func ReadOpened(f *os.File, fi fs.FileInfo, path string, max int64) ([]byte, error) {
	if fi.Size() > max {
		return nil, &fs.PathError{Op: "read", Path: path, Err: &TooLargeError{Size: fi.Size(), Max: max}}
	}
	// Sized from the file's own size, one byte more to see its end, so a
	// small file takes one read for its content and no growing (as
	// os.ReadFile does); a file that grew meanwhile is still read to its
	// end or to max+1 bytes.
	size := fi.Size() + 1
	if size > max+1 || size < 1 {
		size = max + 1
	}
	data := make([]byte, 0, min(size, 1<<20))
	r := io.LimitReader(f, max+1)
	for {
		if len(data) == cap(data) {
			data = append(data, 0)[:len(data)]
		}
		n, err := r.Read(data[len(data):cap(data)])
		data = data[:len(data)+n]
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
	}
	if int64(len(data)) > max {
		return nil, &fs.PathError{Op: "read", Path: path, Err: &TooLargeError{Size: int64(len(data)), Max: max}}
	}
	return data, nil
}

// ReadRange reads at most n bytes (all that follow, if n < 0) from offset
// off of a regular file; an offset past the end reads nothing. More than
// limit bytes to read is a TooLargeError, found before anything is read. A
// file that shrinks while it is read gives what it still has.
func ReadRange(path string, follow bool, off, n, limit int64) ([]byte, error) {
	f, fi, err := Open(path, follow)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	size := fi.Size()
	off = min(max(off, 0), size)
	want := size - off
	if n >= 0 && n < want {
		want = n
	}
	if want > limit {
		return nil, &fs.PathError{Op: "read", Path: path, Err: &TooLargeError{Size: want, Max: limit}}
	}
	buf := make([]byte, want)
	got, err := f.ReadAt(buf, off)
	if err != nil && err != io.EOF {
		return nil, err
	}
	return buf[:got], nil
}

// TooLargeError is a file over the size a reader accepts.
type TooLargeError struct{ Size, Max int64 }

func (e *TooLargeError) Error() string {
	return fmt.Sprintf("is larger than the %d bytes accepted here", e.Max)
}
