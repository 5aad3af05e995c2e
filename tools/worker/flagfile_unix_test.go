//go:build unix

package worker

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

func TestFlagfilesMustBeRegularAndBounded(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.params")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
	if _, err := ExpandFlagfiles([]string{"@" + fifo}); err == nil || !strings.Contains(err.Error(), "FIFO") {
		t.Errorf("a FIFO flagfile: err = %v", err)
	}
	// A flagfile naming itself 64 times would expand to 64^16 arguments
	// before the depth limit; the byte budget stops it first.
	self := filepath.Join(dir, "self.params")
	os.WriteFile(self, []byte(strings.Repeat("@"+self+"\n", 64)+strings.Repeat("x", 5<<20)+"\n"), 0o644)
	if _, err := ExpandFlagfiles([]string{"@" + self}); err == nil || !strings.Contains(err.Error(), "bytes") {
		t.Errorf("a self-multiplying flagfile: err = %v", err)
	}
}
