package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestWriteFileReplacesOnlyWhenComplete(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out")
	if err := WriteFile(p, []byte("one"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := WriteFile(p, []byte("two"), 0o644); err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile(p)
	fi, _ := os.Stat(p)
	if string(b) != "two" || fi.Mode().Perm() != 0o644 {
		t.Fatalf("got %q mode %v", b, fi.Mode())
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Fatalf("temporary files left behind: %v", entries)
	}
}

func TestWriteFileToADeviceWritesInPlace(t *testing.T) {
	before, err := os.Stat(os.DevNull)
	if err != nil || before.Mode()&os.ModeCharDevice == 0 {
		t.Skipf("%s is not a character device here", os.DevNull)
	}
	if err := WriteFile(os.DevNull, []byte("discarded"), 0o644); err != nil {
		t.Fatal(err)
	}
	after, err := os.Stat(os.DevNull)
	if err != nil || after.Mode() != before.Mode() || !os.SameFile(before, after) {
		t.Fatalf("%s was replaced: before %v, after %v (%v)", os.DevNull, before.Mode(), after.Mode(), err)
	}
}

func TestWriteFileToADirectoryIsAnError(t *testing.T) {
	if err := WriteFile(t.TempDir(), []byte("x"), 0o644); err == nil {
		t.Fatal("writing over a directory succeeded")
	}
}

func TestWriteDirLeavesTheOldDirectoryOnFailure(t *testing.T) {
	p := filepath.Join(t.TempDir(), "layout")
	if err := WriteDir(p, nil, func(tmp string) error { return os.WriteFile(filepath.Join(tmp, "a"), []byte("1"), 0o644) }); err != nil {
		t.Fatal(err)
	}
	failed := WriteDir(p, acceptAll, func(tmp string) error {
		os.WriteFile(filepath.Join(tmp, "b"), []byte("2"), 0o644)
		return os.ErrInvalid
	})
	if failed == nil {
		t.Fatal("the failing fill reported success")
	}
	entries, _ := os.ReadDir(p)
	if len(entries) != 1 || entries[0].Name() != "a" {
		t.Fatalf("old directory changed: %v", entries)
	}
	siblings, _ := os.ReadDir(filepath.Dir(p))
	if len(siblings) != 1 {
		t.Fatalf("temporary directories left behind: %v", siblings)
	}
}

func acceptAll(string) error { return nil }

func TestWriteDirNeverReplacesADirectoryItWasNotAllowedTo(t *testing.T) {
	p := filepath.Join(t.TempDir(), "src")
	if err := os.Mkdir(p, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(p, "main.asm"), []byte("precious"), 0o644); err != nil {
		t.Fatal(err)
	}
	filled := false
	refuse := func(string) error { return errors.New("not ours") }
	for name, may := range map[string]func(string) error{"nil": nil, "refusing": refuse} {
		err := WriteDir(p, may, func(string) error { filled = true; return nil })
		if err == nil || !strings.Contains(err.Error(), "refusing to replace") {
			t.Fatalf("%s: want a refusal, got %v", name, err)
		}
	}
	if filled {
		t.Error("fill ran although the directory could not be replaced")
	}
	b, err := os.ReadFile(filepath.Join(p, "main.asm"))
	if err != nil || string(b) != "precious" {
		t.Fatalf("user file lost: %q, %v", b, err)
	}
	siblings, _ := os.ReadDir(filepath.Dir(p))
	if len(siblings) != 1 {
		t.Fatalf("temporary directories left behind: %v", siblings)
	}
}

func TestWriteDirReplacesAnEmptyDirectoryAndWhatItMayReplace(t *testing.T) {
	p := filepath.Join(t.TempDir(), "out")
	os.Mkdir(p, 0o755)
	if err := WriteDir(p, nil, func(tmp string) error { return os.WriteFile(filepath.Join(tmp, "a"), nil, 0o644) }); err != nil {
		t.Fatalf("empty directory: %v", err)
	}
	if err := WriteDir(p, acceptAll, func(tmp string) error { return os.WriteFile(filepath.Join(tmp, "b"), nil, 0o644) }); err != nil {
		t.Fatalf("accepted directory: %v", err)
	}
	entries, _ := os.ReadDir(p)
	if len(entries) != 1 || entries[0].Name() != "b" {
		t.Fatalf("got %v, want only b", entries)
	}
}

func TestWriteDirRefusesASymlinkOrFileAtThePath(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	os.Mkdir(target, 0o755)
	link := filepath.Join(dir, "link")
	if err := os.Symlink(target, link); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "file")
	os.WriteFile(file, []byte("x"), 0o644)
	for _, p := range []string{link, file} {
		if err := WriteDir(p, acceptAll, func(string) error { return nil }); err == nil {
			t.Errorf("%s: replaced", p)
		}
	}
	if fi, err := os.Lstat(link); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("symlink changed: %v %v", fi, err)
	}
}

// A new file is written without a temporary name where the file system
// takes unnamed files: nothing shows in the directory until it is whole,
// and its mode is the one asked for, whatever the umask.
func TestNewFileShowsOnlyWhenWhole(t *testing.T) {
	dir := t.TempDir()
	if !unnamedSupported(dir) {
		t.Skip("this file system takes no unnamed files: new files get a named temporary")
	}
	p := filepath.Join(dir, "new")
	err := Write(p, 0o751, func(w io.Writer) error {
		if ents, _ := os.ReadDir(dir); len(ents) != 0 {
			t.Errorf("while writing, the directory holds %v", ents)
		}
		_, err := w.Write([]byte("whole"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	fi, err := os.Stat(p)
	if b, _ := os.ReadFile(p); err != nil || string(b) != "whole" || fi.Mode().Perm() != 0o751 {
		t.Errorf("wrote %q with mode %v (%v), want \"whole\" with 0751", b, fi.Mode(), err)
	}
	if err := Write(filepath.Join(dir, "failed"), 0o644, func(w io.Writer) error {
		w.Write([]byte("part"))
		return errors.New("fill failed")
	}); err == nil {
		t.Fatal("a failed fill gave no error")
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("after a failed write: %v, want only the first file", ents)
	}
}

// A file that appears at the path while a new one is written is replaced
// as an existing one would be, with no temporary left behind.
func TestFileMadeDuringTheWriteIsReplaced(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "out")
	err := Write(p, 0o644, func(w io.Writer) error {
		if err := os.WriteFile(p, []byte("someone else's"), 0o644); err != nil {
			return err
		}
		_, err := w.Write([]byte("ours"))
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := os.ReadFile(p); string(b) != "ours" {
		t.Errorf("the path holds %q, want ours", b)
	}
	if ents, _ := os.ReadDir(dir); len(ents) != 1 {
		t.Errorf("left in the directory: %v", ents)
	}
}
