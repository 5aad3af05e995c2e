package elf

import (
	"bytes"
	"debug/elf"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// exec64 is a minimal ELF64 executable image: header, one PT_LOAD over
// the first size bytes, then the bytes themselves.
func exec64(size uint64) []byte {
	b := Marshal(elf.Header64{Ident: Ident(elf.ELFCLASS64), Type: uint16(elf.ET_EXEC), Machine: uint16(elf.EM_X86_64), Version: 1,
		Entry: 0x10078, Phoff: Ehdr64Size, Ehsize: Ehdr64Size, Phentsize: Phdr64Size, Phnum: 1})
	b = appendLE(b, elf.Prog64{Type: uint32(elf.PT_LOAD), Flags: uint32(elf.PF_R | elf.PF_X), Vaddr: 0x10000, Filesz: size, Memsz: size, Align: 0x1000})
	return append(b, make([]byte, int(size)-len(b))...)
}

func TestReadFileRefusesWhatIsNotARegularFile(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Fatal(err)
	}
	sock := filepath.Join(dir, "sock")
	l, err := net.Listen("unix", sock)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	link := filepath.Join(dir, "link")
	os.Symlink("/dev/zero", link)
	for path, want := range map[string]string{
		fifo: "is not a regular file (a FIFO)", "/dev/zero": "is not a regular file (a character device)", link: "(a character device)",
		dir: "is not a regular file (a directory)", sock: "is not a regular file (a socket)", filepath.Join(dir, "none"): "no such file",
	} {
		for _, ext := range []Extent{Segments, Sections} {
			if _, _, err := ReadFile(path, ext); err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("ReadFile(%s): err = %v, want %q", path, err, want)
			}
		}
	}
}

// Bytes after what the headers declare are not read; the file's size is
// still reported.
func TestReadFileReadsWhatTheHeadersDeclare(t *testing.T) {
	dir := t.TempDir()
	img := exec64(200)
	p := filepath.Join(dir, "exe")
	os.WriteFile(p, append(append([]byte(nil), img...), bytes.Repeat([]byte{0xaa}, 1<<20)...), 0o644)
	data, size, err := ReadFile(p, Segments)
	if err != nil || !bytes.Equal(data, img) || size != int64(len(img))+1<<20 {
		t.Errorf("ReadFile = %d bytes, size %d, %v; want the %d-byte image and size %d", len(data), size, err, len(img), len(img)+1<<20)
	}
	// A sparse 4 GiB file whose headers declare 200 bytes reads 200 bytes.
	sparse := filepath.Join(dir, "sparse")
	os.WriteFile(sparse, img, 0o644)
	if err := os.Truncate(sparse, 4<<30); err != nil {
		t.Skip(err)
	}
	if data, size, err := ReadFile(sparse, Sections); err != nil || len(data) != 200 || size != 4<<30 {
		t.Errorf("sparse: %d bytes, size %d, %v", len(data), size, err)
	}
	// A segment declared past MaxFileBytes is refused before it is read.
	big := exec64(200)
	copy(big[Ehdr64Size+32:], Marshal(uint64(MaxFileBytes+1))) // p_filesz
	os.WriteFile(sparse, big, 0o644)
	os.Truncate(sparse, 4<<30)
	if _, _, err := ReadFile(sparse, Segments); err == nil || !strings.Contains(err.Error(), "read up to") {
		t.Errorf("a 1 GiB + 1 segment: err = %v", err)
	}
	// Not ELF: the first bytes, for the caller to say what is wrong.
	txt := filepath.Join(dir, "txt")
	os.WriteFile(txt, bytes.Repeat([]byte("text "), 1000), 0o644)
	if data, _, err := ReadFile(txt, Sections); err != nil || len(data) != Ehdr64Size {
		t.Errorf("text: %d bytes, %v", len(data), err)
	}
}

// Whatever the input, readDeclared returns a prefix of it (or an error)
// and never panics.
func FuzzReadDeclared(f *testing.F) {
	f.Add(exec64(200), false)
	f.Fuzz(func(t *testing.T, data []byte, sections bool) {
		ext := Segments
		if sections {
			ext = Sections
		}
		got, err := readDeclared(bytes.NewReader(data), int64(len(data)), ext)
		if err == nil && !bytes.HasPrefix(data, got) {
			t.Fatalf("read %d bytes that are not a prefix of the %d-byte input", len(got), len(data))
		}
	})
}
