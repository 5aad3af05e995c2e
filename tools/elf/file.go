package elf

import (
	"debug/elf"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/rules-tiny/rules_tiny/tools/internal/inputfile"
)

// MaxFileBytes bounds how much of an ELF input ReadFile reads: the largest
// static executables (Go programs with debug information among them) stay
// well below it.
const MaxFileBytes = 1 << 30

// Extent says how far into an ELF input a tool reads.
type Extent int

const (
	// Segments: the ELF header, the program header table and the bytes
	// program headers describe (what strip and size use). Section 0's
	// header is included when the file uses extended section numbering,
	// so that SectionTable can count the sections.
	Segments Extent = iota
	// Sections: Segments, plus the section header table and every
	// section's contents (what an object's reader uses).
	Sections
)

// ReadFile reads an ELF input of strip, size or link. path must name a
// regular file (or a symbolic link to one): named pipes, devices, sockets
// and directories are refused before anything is read from them. It reads
// the ELF header, then the tables the header declares, then the file from
// offset 0 up to the end of the last thing those tables declare (see
// Extent), never past the end of the file and never more than
// MaxFileBytes. It returns those bytes and the size of the file.
//
// A file that is not ELF, or whose headers cannot be read, yields its
// first bytes (at most a header's worth) and no error: the caller's parser
// gives the error in its own words.
func ReadFile(path string, ext Extent) (data []byte, fileSize int64, err error) {
	f, err := OpenRegular(path)
	if err != nil {
		return nil, 0, err
	}
	defer f.Close()
	fi, err := f.Stat()
	if err != nil {
		return nil, 0, err
	}
	data, err = readDeclared(f, fi.Size(), ext)
	if err != nil {
		return nil, 0, fmt.Errorf("%s: %w", path, err)
	}
	return data, fi.Size(), nil
}

// OpenRegular opens path for reading if it is a regular file (or a
// symbolic link to one), and refuses anything else without blocking; the
// check is package inputfile's, the one every input of the tool goes through.
func OpenRegular(path string) (*os.File, error) {
	f, _, err := inputfile.Open(path, true)
	return f, err
}

// readDeclared reads the prefix of a size-byte file that ext asks for.
func readDeclared(r io.ReaderAt, size int64, ext Extent) ([]byte, error) {
	if size < 0 {
		return nil, errors.New("negative file size")
	}
	fsize := uint64(size)
	head, err := readAt(r, 0, min(fsize, Ehdr64Size))
	if err != nil {
		return nil, err
	}
	h, err := ReadHeader(head)
	if err != nil || !h.Complete {
		return head, nil // the caller's parser says what is wrong
	}
	end := h.Size()
	grow := func(off, n uint64) { // end = max(end, off+n), clamped to the file
		if off < fsize {
			end = max(end, off+min(n, fsize-off))
		}
	}
	if off, n, err := progTable(h, fsize); err == nil && n > 0 {
		if n > MaxFileBytes {
			return nil, tooLarge(n)
		}
		b, err := readAt(r, off, n)
		if err != nil {
			return nil, err
		}
		grow(off, n)
		for _, p := range decodeProgs(b, h) {
			grow(p.Off, p.Filesz)
		}
	}
	if h.Shoff != 0 && (h.Shnum == 0 || h.Shstrndx == uint16(elf.SHN_XINDEX) || ext == Sections) {
		if err := readSectionExtents(r, fsize, h, ext, grow); err != nil {
			return nil, err
		}
	}
	if end > MaxFileBytes {
		return nil, tooLarge(end)
	}
	return readAt(r, 0, end)
}

// readSectionExtents grows the extent by section 0's header (extended
// numbering) and, for Sections, by the table and every section's contents.
func readSectionExtents(r io.ReaderAt, fsize uint64, h *Header, ext Extent, grow func(off, n uint64)) error {
	ent := h.ShdrSize()
	if uint64(h.Shentsize) != ent || h.Shoff > fsize || ent > fsize-h.Shoff {
		return nil // no usable table: the parser reports it if it needs one
	}
	s0, err := readAt(r, h.Shoff, ent)
	if err != nil {
		return err
	}
	grow(h.Shoff, ent)
	if ext != Sections {
		return nil
	}
	count := uint64(h.Shnum)
	if count == 0 {
		count = decodeSection(s0, h).Size
	}
	if count > (fsize-h.Shoff)/ent {
		return nil
	}
	n := count * ent
	if n > MaxFileBytes {
		return tooLarge(n)
	}
	b, err := readAt(r, h.Shoff, n)
	if err != nil {
		return err
	}
	grow(h.Shoff, n)
	for i := uint64(0); i < count; i++ {
		if s := decodeSection(b[i*ent:], h); elf.SectionType(s.Type) != elf.SHT_NOBITS {
			grow(s.Off, s.Size)
		}
	}
	return nil
}

func tooLarge(n uint64) error {
	return fmt.Errorf("declares %d bytes of headers and contents; ELF inputs are read up to %d bytes", n, MaxFileBytes)
}

// readAt reads exactly n bytes at off (the caller has checked the file's size).
func readAt(r io.ReaderAt, off, n uint64) ([]byte, error) {
	b := make([]byte, n)
	got, err := r.ReadAt(b, int64(off))
	if uint64(got) == n {
		return b, nil // io.ReaderAt may report io.EOF with the last byte
	}
	if errors.Is(err, io.EOF) {
		return nil, errors.New("file shrank while being read")
	}
	return nil, err
}
