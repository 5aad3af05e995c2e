package atomicfile

import (
	"os"
	"path/filepath"
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
	if err := WriteDir(p, func(tmp string) error { return os.WriteFile(filepath.Join(tmp, "a"), []byte("1"), 0o644) }); err != nil {
		t.Fatal(err)
	}
	failed := WriteDir(p, func(tmp string) error {
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
