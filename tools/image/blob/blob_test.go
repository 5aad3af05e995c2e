package blob

import (
	"bytes"
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/opencontainers/go-digest"
)

func TestFileBlobRefusesAFileThatChanged(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("0123456789"), 0o644)
	whole := File{Path: p, N: 10, FileSize: 10}
	part := File{Path: p, Offset: 3, N: 4, FileSize: 10}
	if b, err := ReadAll(whole, 100); err != nil || string(b) != "0123456789" {
		t.Fatalf("whole: %q %v", b, err)
	}
	if b, err := ReadAll(part, 100); err != nil || string(b) != "3456" {
		t.Fatalf("range: %q %v", b, err)
	}
	os.WriteFile(p, []byte("01234567890"), 0o644)
	if _, err := whole.Open(); err == nil || !strings.Contains(err.Error(), "changed") {
		t.Fatalf("a file that grew: %v", err)
	}
}

func TestVerifiedFailsAtTheEndOfOtherContent(t *testing.T) {
	good := Verified(Bytes("hello"), digest.FromString("hello"))
	if b, err := ReadAll(good, 10); err != nil || string(b) != "hello" {
		t.Fatalf("%q %v", b, err)
	}
	bad := Verified(Bytes("hellO"), digest.FromString("hello"))
	r, _ := bad.Open()
	_, err := io.Copy(io.Discard, r)
	var me *MismatchError
	if !errors.As(err, &me) || me.Got != digest.FromString("hellO") {
		t.Fatalf("err = %v", err)
	}
}

func TestSpoolSpillsToAScratchFileAndRemovesIt(t *testing.T) {
	dir := t.TempDir()
	s := &Spool{Dir: dir, Limit: 8}
	s.Write([]byte("small"))
	if b, _ := s.Blob(); b.(Bytes) == nil {
		t.Fatal("5 bytes under an 8-byte limit left memory")
	}
	data := bytes.Repeat([]byte("x"), 100)
	s.Write(data)
	b, err := s.Blob()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := b.(Linker); !ok {
		t.Fatal("105 bytes over an 8-byte limit stayed in memory")
	}
	if got, err := ReadAll(b, 1000); err != nil || string(got) != "small"+string(data) {
		t.Fatalf("%q %v", got, err)
	}
	if err := s.Close(); err != nil {
		t.Fatal(err)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 0 {
		t.Fatalf("scratch file left: %v", ents)
	}
}

func TestReadAllIsBounded(t *testing.T) {
	if _, err := ReadAll(Bytes("0123456789"), 9); err == nil {
		t.Fatal("10 bytes read under a 9-byte bound")
	}
}
