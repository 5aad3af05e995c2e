//go:build unix

package inputfile

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func TestOnlyRegularFilesAreOpened(t *testing.T) {
	dir := t.TempDir()
	reg := filepath.Join(dir, "reg")
	os.WriteFile(reg, []byte("content"), 0o644)
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	sock := filepath.Join(dir, "sock")
	if ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: sock, Net: "unix"}); err == nil {
		ln.SetUnlinkOnClose(false)
		ln.Close()
	}
	os.Symlink(reg, filepath.Join(dir, "link"))
	os.Symlink("/dev/zero", filepath.Join(dir, "zero"))
	os.Symlink(fifo, filepath.Join(dir, "fifolink"))
	for _, tc := range []struct {
		name   string
		follow bool
		want   string // "" opens
	}{
		{"reg", false, ""},
		{"link", true, ""},
		{"link", false, "symbolic link"},
		{"fifo", false, "(a FIFO)"},
		{"fifolink", true, "(a FIFO)"},
		{"zero", true, "(a character device)"},
		{"sock", false, "(a socket)"},
		{".", false, "(a directory)"},
	} {
		done := make(chan error, 1)
		go func() {
			f, _, err := Open(filepath.Join(dir, tc.name), tc.follow)
			if err == nil {
				f.Close()
			}
			done <- err
		}()
		select {
		case err := <-done:
			if tc.want == "" && err != nil || tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)) {
				t.Errorf("Open(%s, follow=%v) = %v, want %q", tc.name, tc.follow, err, tc.want)
			}
		case <-time.After(5 * time.Second):
			t.Fatalf("Open(%s) blocked", tc.name)
		}
	}
}

func TestReadFileIsBounded(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("0123456789"), 0o644)
	if b, err := ReadFile(p, false, 10); err != nil || string(b) != "0123456789" {
		t.Fatalf("ReadFile at its bound: %q %v", b, err)
	}
	_, err := ReadFile(p, false, 9)
	var tl *TooLargeError
	if !errors.As(err, &tl) {
		t.Fatalf("ReadFile over its bound: %v", err)
	}
}

// ReadOpened sizes its buffer from the size Open saw; a file that grows
// after that look is still read to its end, and past max it is refused.
func TestReadOpenedReadsWhatTheFileHasNow(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	os.WriteFile(p, []byte("0123"), 0o644)
	for _, tc := range []struct {
		grow    string
		max     int64
		want    string
		tooLong bool
	}{
		{"", 100, "0123", false},
		{"456789", 100, "0123456789", false},
		{"456789", 10, "0123456789", false},
		{"456789", 9, "", true},
	} {
		os.WriteFile(p, []byte("0123"), 0o644)
		f, fi, err := Open(p, false)
		if err != nil {
			t.Fatal(err)
		}
		if tc.grow != "" {
			a, _ := os.OpenFile(p, os.O_APPEND|os.O_WRONLY, 0)
			a.WriteString(tc.grow)
			a.Close()
		}
		b, err := ReadOpened(f, fi, p, tc.max)
		f.Close()
		var tl *TooLargeError
		if tc.tooLong != errors.As(err, &tl) || (!tc.tooLong && (err != nil || string(b) != tc.want)) {
			t.Errorf("grown by %q, max %d: %q, %v; want %q (too large: %v)", tc.grow, tc.max, b, err, tc.want, tc.tooLong)
		}
	}
}

func TestReadRangeReadsOnlyThePartAskedFor(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "f")
	os.WriteFile(p, []byte("0123456789"), 0o644)
	for _, tc := range []struct {
		off, n, max int64
		want        string // "!" for a TooLargeError
	}{
		{0, -1, 10, "0123456789"},
		{0, -1, 9, "!"},
		{3, 4, 4, "3456"},
		{3, 4, 3, "!"},
		{8, 100, 2, "89"}, // n past the end: only what there is counts against max
		{20, -1, 0, ""},   // offset past the end
	} {
		b, err := ReadRange(p, false, tc.off, tc.n, tc.max)
		var tl *TooLargeError
		switch {
		case tc.want == "!" && !errors.As(err, &tl):
			t.Errorf("ReadRange(%d, %d, max %d) = %q, %v; want a TooLargeError", tc.off, tc.n, tc.max, b, err)
		case tc.want != "!" && (err != nil || string(b) != tc.want):
			t.Errorf("ReadRange(%d, %d, max %d) = %q, %v; want %q", tc.off, tc.n, tc.max, b, err, tc.want)
		}
	}
	fifo := filepath.Join(dir, "fifo")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip(err)
	}
	done := make(chan error, 1)
	go func() { _, err := ReadRange(fifo, true, 0, 1, 1); done <- err }()
	select {
	case err := <-done:
		if err == nil || !strings.Contains(err.Error(), "is not a regular file (a FIFO)") {
			t.Errorf("ReadRange(FIFO) = %v", err)
		}
	case <-time.After(5 * time.Second):
		t.Fatal("ReadRange(FIFO) blocked")
	}
}
