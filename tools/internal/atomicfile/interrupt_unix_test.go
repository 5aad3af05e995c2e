//go:build unix

package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"testing"
	"time"
)

// The child side: with ATOMICFILE_CHILD set, the test binary starts a
// write into ATOMICFILE_DIR, says "ready" once its temporary exists, and
// waits to be interrupted.
func TestMain(m *testing.M) {
	if mode := os.Getenv("ATOMICFILE_CHILD"); mode != "" {
		os.Exit(child(mode, os.Getenv("ATOMICFILE_DIR")))
	}
	os.Exit(m.Run())
}

func child(mode, dir string) int {
	block := func() {
		fmt.Println("ready")
		time.Sleep(time.Minute)
	}
	var err error
	switch mode {
	case "file":
		err = Write(filepath.Join(dir, "out"), 0o644, func(w io.Writer) error {
			w.Write([]byte("partial"))
			block()
			return nil
		})
	case "dir":
		err = WriteDir(filepath.Join(dir, "layout"), nil, func(tmp string) error {
			os.WriteFile(filepath.Join(tmp, "index.json"), []byte("{}"), 0o644)
			block()
			return nil
		})
	case "scratch":
		_, err = CreateTemp(dir, ".scratch.tmp*")
		block()
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return 3 // not reached when the signal ends the process
}

func TestInterruptRemovesTemporaries(t *testing.T) {
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	for _, mode := range []string{"file", "dir", "scratch"} {
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
			t.Run(fmt.Sprintf("%s/%v", mode, sig), func(t *testing.T) {
				dir := t.TempDir()
				cmd := exec.Command(exe, "-test.run=^$")
				cmd.Env = append(os.Environ(), "ATOMICFILE_CHILD="+mode, "ATOMICFILE_DIR="+dir)
				out, _ := cmd.StdoutPipe()
				if err := cmd.Start(); err != nil {
					t.Fatal(err)
				}
				line, _ := bufio.NewReader(out).ReadString('\n')
				if line != "ready\n" {
					cmd.Process.Kill()
					t.Fatalf("child said %q", line)
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 1 {
					t.Fatalf("before the signal: %v, want one temporary", ents)
				}
				cmd.Process.Signal(sig)
				done := make(chan error, 1)
				go func() { done <- cmd.Wait() }()
				select {
				case <-done:
				case <-time.After(10 * time.Second):
					cmd.Process.Kill()
					t.Fatal("the child did not end on the signal")
				}
				ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
				if !ws.Signaled() || ws.Signal() != sig {
					t.Errorf("child ended with %v, want death by %v", cmd.ProcessState, sig)
				}
				if ents, _ := os.ReadDir(dir); len(ents) != 0 {
					var names []string
					for _, e := range ents {
						names = append(names, e.Name())
					}
					t.Errorf("left behind: %v", names)
				}
			})
		}
	}
}

// With nothing in flight the handler is gone: the default action (death)
// or anyone else's handler applies.
func TestNoHandlerWithoutTemporaries(t *testing.T) {
	p := filepath.Join(t.TempDir(), "f")
	if err := WriteFile(p, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	pending.Lock()
	defer pending.Unlock()
	if pending.sigs != nil || len(pending.paths) != 0 {
		t.Fatalf("after the write: handler %v, %d temporaries pending", pending.sigs != nil, len(pending.paths))
	}
}
