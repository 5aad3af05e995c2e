// Package tarball owns the tar format for the project: it writes byte-exact
// archives and reads them, both through archive/tar.
//
// Written archives are a pure function of their entries: uid/gid 0, no user
// or group names, one fixed mtime, modes exactly as given, entries sorted by
// name, POSIX ustar headers (a pax extended header only for a name or size
// that ustar cannot hold), and exactly two zero blocks at the end with no
// record padding after them. Content streams from each entry's blob, so an
// archive can be larger than memory.
package tarball

import (
	"archive/tar"
	"bytes"
	"errors"
	"fmt"
	"io"
	"path"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/rules-tiny/rules_tiny/tools/image/blob"
)

// Type is the kind of an entry.
type Type byte

const (
	Regular   Type = tar.TypeReg
	Directory Type = tar.TypeDir
)

// Entry is one member of the archive. Name is slash-separated and relative
// (no leading "/", no "." or ".." elements); directories are written with a
// trailing slash.
type Entry struct {
	Name    string
	Type    Type
	Mode    int64     // permission and setuid/setgid/sticky bits only (0..07777)
	Content blob.Blob // a regular file's bytes; nil: empty
}

const blockSize = 512

// maxOctal11 is the largest value an 11-digit octal field holds.
const maxOctal11 = 1<<33 - 1

// Limits of the names that unpackers (the kernel, in the end) accept: a path
// component longer than NAME_MAX cannot be created, and a path near
// PATH_MAX cannot be created once joined to the directory it is unpacked
// into.
const (
	MaxComponentBytes = 255
	MaxNameBytes      = 4096 - 256
)

// CheckName reports whether name is a clean relative archive path that
// unpackers can create.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty path")
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("path %q is absolute", name)
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("path %q contains a NUL byte", name)
	case !utf8.ValidString(name):
		return fmt.Errorf("path %q is not valid UTF-8", name)
	case len(name) > MaxNameBytes:
		return fmt.Errorf("path of %d bytes is too long (at most %d)", len(name), MaxNameBytes)
	case path.Clean(name) != name:
		return fmt.Errorf("path %q is not clean", name)
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." || el == "." {
			return fmt.Errorf("path %q has a %q element", name, el)
		}
		if len(el) > MaxComponentBytes {
			return fmt.Errorf("path %q has a component of %d bytes (at most %d)", name, len(el), MaxComponentBytes)
		}
	}
	return nil
}

// Sort orders entries by name, which also puts every directory before its
// contents (a parent's name is a prefix of its children's).
func Sort(entries []Entry) {
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
}

// sortedChecked returns the entries sorted, or the first problem.
func sortedChecked(entries []Entry, mtime int64) ([]Entry, error) {
	if mtime < 0 || mtime > maxOctal11 {
		return nil, fmt.Errorf("mtime %d out of range", mtime)
	}
	sorted := append([]Entry(nil), entries...)
	Sort(sorted)
	for i, e := range sorted {
		if err := CheckName(e.Name); err != nil {
			return nil, err
		}
		if i > 0 && sorted[i-1].Name == e.Name {
			return nil, fmt.Errorf("duplicate path %q", e.Name)
		}
		if e.Mode < 0 || e.Mode > 0o7777 {
			return nil, fmt.Errorf("%s: mode %o out of range", e.Name, e.Mode)
		}
		if e.Type != Regular && e.Type != Directory {
			return nil, fmt.Errorf("%s: unsupported entry type %q", e.Name, e.Type)
		}
		if e.Type == Directory && e.Content != nil && e.Content.Size() != 0 {
			return nil, fmt.Errorf("%s: directory with data", e.Name)
		}
	}
	return sorted, nil
}

func header(e Entry, mtime int64) *tar.Header {
	h := &tar.Header{
		Typeflag: byte(e.Type),
		Name:     e.Name,
		Mode:     e.Mode,
		ModTime:  time.Unix(mtime, 0),
		// PAX allows ustar, which archive/tar picks whenever the entry
		// fits it; a pax header is added only for what ustar cannot hold.
		Format: tar.FormatPAX,
	}
	if e.Type == Directory {
		h.Name += "/"
	}
	if e.Type == Regular && e.Content != nil {
		h.Size = e.Content.Size()
	}
	return h
}

// Write writes entries (sorted by name first) followed by the end-of-archive
// marker. mtime is the modification time of every entry, in seconds since
// the Unix epoch.
func Write(w io.Writer, entries []Entry, mtime int64) error {
	sorted, err := sortedChecked(entries, mtime)
	if err != nil {
		return err
	}
	tw := tar.NewWriter(w)
	for _, e := range sorted {
		h := header(e, mtime)
		if err := tw.WriteHeader(h); err != nil {
			return fmt.Errorf("%s: %w", e.Name, err)
		}
		if h.Size > 0 {
			if err := copyContent(tw, e); err != nil {
				return err
			}
		}
	}
	return tw.Close()
}

func copyContent(w io.Writer, e Entry) error {
	r, err := e.Content.Open()
	if err != nil {
		return err
	}
	defer r.Close()
	// A reader that cannot write itself out gets a buffer no larger than
	// the content: io.Copy's 32 KiB would be most of the memory a small
	// image touches.
	var buf []byte
	if _, ok := r.(io.WriterTo); !ok {
		buf = make([]byte, max(1, min(e.Content.Size(), 32<<10)))
	}
	n, err := io.CopyBuffer(w, r, buf)
	if err != nil {
		return err
	}
	if n != e.Content.Size() {
		return fmt.Errorf("%s: content gave %d bytes, want %d", e.Name, n, e.Content.Size())
	}
	return nil
}

// Size is the length of the archive Write would write, computed from the
// entries alone (no content is read).
func Size(entries []Entry, mtime int64) (int64, error) {
	sorted, err := sortedChecked(entries, mtime)
	if err != nil {
		return 0, err
	}
	total := int64(2 * blockSize)
	var c counter
	for _, e := range sorted {
		h := header(e, mtime)
		c = 0
		// A fresh writer per entry: its header bytes (with any pax
		// extended header) are what it writes before the content.
		if err := tar.NewWriter(&c).WriteHeader(h); err != nil {
			return 0, fmt.Errorf("%s: %w", e.Name, err)
		}
		total += int64(c) + (h.Size+blockSize-1)/blockSize*blockSize
	}
	return total, nil
}

type counter int64

func (c *counter) Write(p []byte) (int, error) { *c += counter(len(p)); return len(p), nil }

// Bytes is Write into memory.
func Bytes(entries []Entry, mtime int64) ([]byte, error) {
	var b bytes.Buffer
	if err := Write(&b, entries, mtime); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

// Walk reads an archive from r and calls visit with each header; the
// entry's content is skipped unless visit reads it from the reader it is
// given. Reading stops at the end-of-archive marker (what follows is left
// unread) or when visit returns an error.
func Walk(r io.Reader, visit func(h *tar.Header, content io.Reader) error) error {
	tr := tar.NewReader(r)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading tar: %w", err)
		}
		if err := visit(h, tr); err != nil {
			return err
		}
	}
}

// Members reads the headers of an archive in a seekable file and calls
// visit with each header and the offset of its content in the file, so
// that content can be read later in place. Content is skipped by seeking.
func Members(f io.ReadSeeker, visit func(h *tar.Header, offset int64) error) error {
	tr := tar.NewReader(f)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return fmt.Errorf("reading tar: %w", err)
		}
		// archive/tar reads whole blocks straight from f and never ahead,
		// so f's position is where the content starts.
		off, err := f.Seek(0, io.SeekCurrent)
		if err != nil {
			return err
		}
		if isSparse(h) {
			return errors.New("reading tar: sparse files are not supported")
		}
		if err := visit(h, off); err != nil {
			return err
		}
	}
}

// isSparse reports GNU sparse entries (old GNU type or pax records), whose
// content is not stored as one run of bytes.
func isSparse(h *tar.Header) bool {
	if h.Typeflag == tar.TypeGNUSparse {
		return true
	}
	for k := range h.PAXRecords {
		if strings.HasPrefix(k, "GNU.sparse.") {
			return true
		}
	}
	return false
}
