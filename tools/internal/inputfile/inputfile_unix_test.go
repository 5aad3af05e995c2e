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
