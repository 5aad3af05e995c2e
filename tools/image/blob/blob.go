// Package blob is the content the image writer moves around: sized bytes
// that can be read more than once, held in memory when small and in files
// when not, so that a multi-gigabyte layer never has to fit in memory (the
// shape of go-containerregistry's v1.Layer: a size and an opener).
package blob

import (
	"bytes"
	"errors"
	"fmt"
	"hash"
	"io"
	"os"

	"github.com/opencontainers/go-digest"

	"github.com/rules-tiny/rules_tiny/tools/internal/atomicfile"
	"github.com/rules-tiny/rules_tiny/tools/internal/inputfile"
)

// Blob is content of a known size. Every reader from Open yields exactly
// Size bytes or fails.
type Blob interface {
	Size() int64
	Open() (io.ReadCloser, error)
}

// Bytes is content held in memory.
type Bytes []byte

func (b Bytes) Size() int64                  { return int64(len(b)) }
func (b Bytes) Open() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(b)), nil }

// File is N bytes at Offset of the regular file at Path (the whole file:
// Offset 0, N = FileSize). FileSize is the file's size when it was found;
// Open fails if the file is no longer a regular file of that size, and a
// reader fails if the file yields fewer bytes, so a file that changes under
// us is an error rather than a short or padded entry.
type File struct {
	Path     string
	Offset   int64
	N        int64
	FileSize int64
	// Follow allows Path to be a symbolic link (to a regular file).
	Follow bool
}

func (f File) Size() int64 { return f.N }

func (f File) Open() (io.ReadCloser, error) {
	fh, fi, err := inputfile.Open(f.Path, f.Follow)
	if err != nil {
		return nil, err
	}
	if fi.Size() != f.FileSize {
		fh.Close()
		return nil, fmt.Errorf("%s changed while being read (%d bytes, was %d)", f.Path, fi.Size(), f.FileSize)
	}
	if f.Offset != 0 {
		if _, err := fh.Seek(f.Offset, io.SeekStart); err != nil {
			fh.Close()
			return nil, err
		}
	}
	return &exactReader{r: fh, c: fh, left: f.N, name: f.Path}, nil
}

// exactReader yields exactly left bytes of r, or an error.
type exactReader struct {
	r    io.Reader
	c    io.Closer
	left int64
	name string
}

func (e *exactReader) Read(p []byte) (int, error) {
	if e.left <= 0 {
		return 0, io.EOF
	}
	if int64(len(p)) > e.left {
		p = p[:e.left]
	}
	n, err := e.r.Read(p)
	e.left -= int64(n)
	if err == io.EOF && e.left > 0 {
		return n, fmt.Errorf("%s ended %d bytes early (it changed while being read)", e.name, e.left)
	}
	if err == io.EOF {
		err = nil
	}
	return n, err
}

func (e *exactReader) Close() error { return e.c.Close() }

// ReadAll reads a whole blob that must not exceed max bytes.
func ReadAll(b Blob, max int64) ([]byte, error) {
	if bb, ok := b.(Bytes); ok && int64(len(bb)) <= max {
		return bb, nil
	}
	if b.Size() > max {
		return nil, fmt.Errorf("%d bytes, more than the %d accepted", b.Size(), max)
	}
	r, err := b.Open()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	data := make([]byte, 0, b.Size())
	buf := bytes.NewBuffer(data)
	if _, err := buf.ReadFrom(io.LimitReader(r, max+1)); err != nil {
		return nil, err
	}
	if int64(buf.Len()) != b.Size() {
		return nil, fmt.Errorf("read %d bytes, want %d", buf.Len(), b.Size())
	}
	return buf.Bytes(), nil
}

// Verified returns b checked against d: a reader that reaches the end of
// content whose size or digest differ fails there with a *MismatchError.
// Readers must be read to the end for the check to happen.
func Verified(b Blob, d digest.Digest) Blob { return verified{b, d} }

type verified struct {
	Blob
	d digest.Digest
}

func (v verified) Open() (io.ReadCloser, error) {
	if err := v.d.Validate(); err != nil {
		return nil, err
	}
	r, err := v.Blob.Open()
	if err != nil {
		return nil, err
	}
	return &verifyingReader{r: r, h: v.d.Algorithm().Hash(), want: v.d, size: v.Blob.Size()}, nil
}

type verifyingReader struct {
	r    io.ReadCloser
	h    hash.Hash
	n    int64
	size int64
	want digest.Digest
}

func (v *verifyingReader) Read(p []byte) (int, error) {
	n, err := v.r.Read(p)
	v.h.Write(p[:n])
	v.n += int64(n)
	if err == io.EOF {
		got := digest.NewDigest(v.want.Algorithm(), v.h)
		if v.n != v.size || got != v.want {
			return n, &MismatchError{Want: v.want, Got: got}
		}
	}
	return n, err
}

func (v *verifyingReader) Close() error { return v.r.Close() }

// MismatchError is content that does not match its digest.
type MismatchError struct{ Want, Got digest.Digest }

func (e *MismatchError) Error() string {
	return fmt.Sprintf("content does not match its digest %s (it hashes to %s)", e.Want, e.Got)
}

// Spool collects what is written to it in memory up to Limit bytes and in a
// scratch file in Dir beyond that (Dir "": the system's temporary
// directory). Close removes the scratch file; an interrupt does too.
type Spool struct {
	Dir   string
	Limit int
	buf   []byte
	f     *os.File
	n     int64
	err   error
}

func (s *Spool) Write(p []byte) (int, error) {
	if s.err != nil {
		return 0, s.err
	}
	if s.f == nil && len(s.buf)+len(p) <= s.Limit {
		s.buf = append(s.buf, p...)
		s.n += int64(len(p))
		return len(p), nil
	}
	if s.f == nil {
		f, err := atomicfile.CreateTemp(s.Dir, ".tiny-spool.tmp*")
		if err != nil {
			s.err = err
			return 0, err
		}
		s.f = f
		if _, err := f.Write(s.buf); err != nil {
			s.err = err
			return 0, err
		}
		s.buf = nil
	}
	n, err := s.f.Write(p)
	s.n += int64(n)
	if err != nil {
		s.err = err
	}
	return n, err
}

// Blob returns what was written. Nothing may be written after.
func (s *Spool) Blob() (Blob, error) {
	if s.err != nil {
		return nil, s.err
	}
	if s.f == nil {
		return Bytes(s.buf), nil
	}
	return spoolFile{path: s.f.Name(), n: s.n}, nil
}

// Close releases the spool; blobs from it are unreadable after.
func (s *Spool) Close() error {
	if s.f == nil {
		s.buf = nil
		return nil
	}
	err := s.f.Close()
	if rerr := atomicfile.Remove(s.f.Name()); err == nil {
		err = rerr
	}
	s.f = nil
	if err == nil {
		s.err = errors.New("spool closed")
	}
	return err
}

// spoolFile is a scratch file of ours: trusted, and linkable.
type spoolFile struct {
	path string
	n    int64
}

func (s spoolFile) Size() int64 { return s.n }

func (s spoolFile) Open() (io.ReadCloser, error) {
	f, err := os.Open(s.path)
	if err != nil {
		return nil, err
	}
	return &exactReader{r: f, c: f, left: s.n, name: s.path}, nil
}

// Link makes dst a hard link to the scratch file, which saves copying a
// large layer into an output on the same file system.
func (s spoolFile) Link(dst string) error { return os.Link(s.path, dst) }

// Linker is a blob that can appear at a path without being copied.
type Linker interface {
	Link(dst string) error
}
