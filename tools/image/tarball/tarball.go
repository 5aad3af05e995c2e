// Package tarball writes byte-exact tar archives. Every header byte is chosen
// here rather than by archive/tar, so the archive is a pure function of the
// entries: uid/gid 0, no user or group names, one fixed mtime, modes exactly as
// given, entries sorted by name, POSIX ustar headers (a pax extended header
// only for a name or size that ustar cannot hold), and exactly two zero blocks
// at the end with no record padding after them.
package tarball

import (
	"bytes"
	"fmt"
	"io"
	"path"
	"sort"
	"strconv"
	"strings"
)

// Type is the kind of an entry.
type Type byte

const (
	Regular   Type = '0'
	Directory Type = '5'
)

// Entry is one member of the archive. Name is slash-separated and relative
// (no leading "/", no "." or ".." elements); directories are written with a
// trailing slash.
type Entry struct {
	Name string
	Type Type
	Mode int64 // permission and setuid/setgid/sticky bits only (0..07777)
	Data []byte
}

const blockSize = 512

// maxOctal11 is the largest value an 11-digit octal field holds.
const maxOctal11 = 1<<33 - 1

// CheckName reports whether name is a clean relative archive path.
func CheckName(name string) error {
	switch {
	case name == "":
		return fmt.Errorf("empty path")
	case strings.HasPrefix(name, "/"):
		return fmt.Errorf("path %q is absolute", name)
	case strings.ContainsRune(name, 0):
		return fmt.Errorf("path %q contains a NUL byte", name)
	case path.Clean(name) != name:
		return fmt.Errorf("path %q is not clean", name)
	}
	for _, el := range strings.Split(name, "/") {
		if el == ".." || el == "." {
			return fmt.Errorf("path %q has a %q element", name, el)
		}
	}
	return nil
}

// Sort orders entries by name, which also puts every directory before its
// contents (a parent's name is a prefix of its children's).
func Sort(entries []Entry) {
	sort.SliceStable(entries, func(i, j int) bool { return entries[i].Name < entries[j].Name })
}

// Write writes entries (sorted by name first) followed by the end-of-archive
// marker. mtime is the modification time of every entry, in seconds since
// the Unix epoch.
func Write(w io.Writer, entries []Entry, mtime int64) error {
	if mtime < 0 || mtime > maxOctal11 {
		return fmt.Errorf("mtime %d out of range", mtime)
	}
	sorted := append([]Entry(nil), entries...)
	Sort(sorted)
	for i, e := range sorted {
		if err := CheckName(e.Name); err != nil {
			return err
		}
		if i > 0 && sorted[i-1].Name == e.Name {
			return fmt.Errorf("duplicate path %q", e.Name)
		}
		if e.Mode < 0 || e.Mode > 0o7777 {
			return fmt.Errorf("%s: mode %o out of range", e.Name, e.Mode)
		}
		if e.Type != Regular && e.Type != Directory {
			return fmt.Errorf("%s: unsupported entry type %q", e.Name, e.Type)
		}
		if e.Type == Directory && len(e.Data) != 0 {
			return fmt.Errorf("%s: directory with data", e.Name)
		}
		if err := writeEntry(w, e, mtime); err != nil {
			return err
		}
	}
	_, err := w.Write(make([]byte, 2*blockSize))
	return err
}

// Bytes is Write into memory.
func Bytes(entries []Entry, mtime int64) ([]byte, error) {
	var b bytes.Buffer
	if err := Write(&b, entries, mtime); err != nil {
		return nil, err
	}
	return b.Bytes(), nil
}

func writeEntry(w io.Writer, e Entry, mtime int64) error {
	name := e.Name
	if e.Type == Directory {
		name += "/"
	}
	prefix, short, fits := splitUstarName(name)
	size := int64(len(e.Data))
	var pax []string
	if !fits {
		pax = append(pax, paxRecord("path", name))
		prefix, short = "", truncateName(name)
	}
	if size > maxOctal11 {
		pax = append(pax, paxRecord("size", strconv.FormatInt(size, 10)))
	}
	if len(pax) > 0 {
		// Records sorted by key keep the extended header independent of the
		// order the checks above happen to run in.
		sort.Strings(pax)
		body := []byte(strings.Join(pax, ""))
		hdr := header("PaxHeaders/"+truncateName(path.Base(name)), "", 'x', 0o644, int64(len(body)), mtime)
		if err := writeBlocks(w, hdr, body); err != nil {
			return err
		}
	}
	hdrSize := size
	if hdrSize > maxOctal11 {
		hdrSize = 0
	}
	hdr := header(short, prefix, byte(e.Type), e.Mode, hdrSize, mtime)
	return writeBlocks(w, hdr, e.Data)
}

func writeBlocks(w io.Writer, hdr []byte, data []byte) error {
	if _, err := w.Write(hdr); err != nil {
		return err
	}
	if _, err := w.Write(data); err != nil {
		return err
	}
	if pad := (blockSize - len(data)%blockSize) % blockSize; pad > 0 {
		_, err := w.Write(make([]byte, pad))
		return err
	}
	return nil
}

// header builds one ustar header block.
func header(name, prefix string, typ byte, mode, size, mtime int64) []byte {
	h := make([]byte, blockSize)
	copy(h[0:100], name)
	octal(h[100:108], mode)
	octal(h[108:116], 0) // uid
	octal(h[116:124], 0) // gid
	octal(h[124:136], size)
	octal(h[136:148], mtime)
	h[156] = typ
	copy(h[257:263], "ustar\x00")
	copy(h[263:265], "00")
	// uname, gname stay empty; device numbers are zero.
	octal(h[329:337], 0)
	octal(h[337:345], 0)
	copy(h[345:500], prefix)
	// The checksum is computed with its own field read as spaces.
	copy(h[148:156], "        ")
	var sum int64
	for _, c := range h {
		sum += int64(c)
	}
	copy(h[148:156], fmt.Sprintf("%06o\x00 ", sum))
	return h
}

// octal fills field with a zero-padded octal number and a trailing NUL.
func octal(field []byte, v int64) {
	s := strconv.FormatInt(v, 8)
	n := len(field) - 1
	copy(field, strings.Repeat("0", n-len(s))+s)
	field[n] = 0
}

// splitUstarName fits name into ustar's name (100) and prefix (155) fields,
// splitting at a slash if needed.
func splitUstarName(name string) (prefix, short string, ok bool) {
	if len(name) <= 100 {
		return "", name, true
	}
	// Search for the split that leaves the longest possible prefix; a
	// trailing slash (directories) must stay in the name part.
	for i := len(name) - 1; i > 0; i-- {
		if name[i] != '/' || i == len(name)-1 {
			continue
		}
		if i <= 155 && len(name)-i-1 <= 100 && len(name)-i-1 > 0 {
			return name[:i], name[i+1:], true
		}
	}
	return "", "", false
}

func truncateName(s string) string {
	if len(s) > 100 {
		return s[:100]
	}
	return s
}

// paxRecord formats "LEN KEY=VALUE\n" where LEN counts the whole record.
func paxRecord(key, value string) string {
	body := " " + key + "=" + value + "\n"
	for total := len(body) + 1; ; total++ {
		if total == len(body)+len(strconv.Itoa(total)) {
			return strconv.Itoa(total) + body
		}
	}
}
