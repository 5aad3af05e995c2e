//go:build unix

package atomicfile

import (
	"bufio"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
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
		// Replacing a file: the new content goes to a named temporary.
		if err = os.WriteFile(filepath.Join(dir, "out"), []byte("old"), 0o644); err != nil {
			break
		}
		err = Write(filepath.Join(dir, "out"), 0o644, func(w io.Writer) error {
			w.Write([]byte("partial"))
			block()
			return nil
		})
	case "file-new":
		// A new file: where the file system takes unnamed files, there is
		// no temporary name at all.
		err = Write(filepath.Join(dir, "new"), 0o644, func(w io.Writer) error {
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
	case "held-dir":
		// Interrupts held: the write the parent interrupts completes and
		// the process ends normally.
		HoldInterrupts()
		err = WriteDir(filepath.Join(dir, "layout"), nil, func(tmp string) error {
			os.WriteFile(filepath.Join(tmp, "index.json"), []byte("{}"), 0o644)
			fmt.Println("ready")
			time.Sleep(500 * time.Millisecond)
			return os.WriteFile(filepath.Join(tmp, "oci-layout"), []byte("{}"), 0o644)
		})
		if err == nil {
			return 0
		}
	case "scratch":
		_, err = CreateTemp(dir, ".scratch.tmp*")
		block()
	case "done":
		// Every temporary is gone; the handler stays installed.
		if err = WriteFile(filepath.Join(dir, "out"), []byte("x"), 0o644); err == nil {
			block()
		}
	case "done-own-handler":
		if err = WriteFile(filepath.Join(dir, "out"), []byte("x"), 0o644); err != nil {
			break
		}
		own := make(chan os.Signal, 1)
		signal.Notify(own, syscall.SIGINT)
		fmt.Println("ready")
		select {
		case <-own:
			fmt.Println("handled")
			return 0
		case <-time.After(time.Minute):
		}
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
	}
	return 3 // not reached when the signal ends the process
}

// temporaries lists what is in dir besides the file a child replaces.
func temporaries(dir string) []string {
	ents, _ := os.ReadDir(dir)
	var names []string
	for _, e := range ents {
		if e.Name() != "out" {
			names = append(names, e.Name())
		}
	}
	return names
}

// defaultInterrupts makes the children this test starts begin with the
// interrupts at their default action, whatever this process inherited: a
// test run under nohup ignores SIGHUP, an ignored signal stays ignored
// across exec, and a signal this process handles is reset to the default
// there.
func defaultInterrupts(t *testing.T) {
	c := make(chan os.Signal, 1)
	signal.Notify(c, interrupts...)
	t.Cleanup(func() { signal.Stop(c) })
}

// startChild starts this test binary as a child in mode, writing into
// dir (behind the command prefix, if any: nohup), and waits for it to say
// it is ready. The rest of its output is left in the reader.
func startChild(t *testing.T, mode, dir string, prefix ...string) (*exec.Cmd, *bufio.Reader) {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	argv := append(append(prefix, exe), "-test.run=^$")
	cmd := exec.Command(argv[0], argv[1:]...)
	cmd.Env = append(os.Environ(), "ATOMICFILE_CHILD="+mode, "ATOMICFILE_DIR="+dir)
	out, _ := cmd.StdoutPipe()
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	r := bufio.NewReader(out)
	if line, _ := r.ReadString('\n'); line != "ready\n" {
		cmd.Process.Kill()
		t.Fatalf("child said %q", line)
	}
	return cmd, r
}

func TestInterruptRemovesTemporaries(t *testing.T) {
	defaultInterrupts(t)
	for _, mode := range []string{"file", "file-new", "dir", "scratch"} {
		for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
			t.Run(fmt.Sprintf("%s/%v", mode, sig), func(t *testing.T) {
				dir := t.TempDir()
				cmd, _ := startChild(t, mode, dir)
				want := 1
				if mode == "file-new" && unnamedSupported(dir) {
					want = 0
				}
				if tmps := temporaries(dir); len(tmps) != want {
					t.Fatalf("before the signal: %v, want %d temporaries", tmps, want)
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
				if tmps := temporaries(dir); len(tmps) != 0 {
					t.Errorf("left behind: %v", tmps)
				}
				if b, err := os.ReadFile(filepath.Join(dir, "out")); mode == "file" && string(b) != "old" {
					t.Errorf("the file being replaced: %q, %v; want it untouched", b, err)
				}
			})
		}
	}
}

// With nothing in flight, a signal gets what it would get without this
// package: the default action (death by that signal), or the handler
// someone else installed. The handler itself stays installed between
// writes (a persistent worker would otherwise install and remove it on
// every request).
func TestSignalWithoutTemporariesIsPassedOn(t *testing.T) {
	defaultInterrupts(t)
	for _, c := range []struct {
		mode string
		sig  syscall.Signal
		want string // "" : death by sig
	}{
		{"done", syscall.SIGTERM, ""},
		{"done", syscall.SIGINT, ""},
		{"done", syscall.SIGHUP, ""},
		{"done-own-handler", syscall.SIGINT, "handled\n"},
	} {
		t.Run(fmt.Sprintf("%s/%v", c.mode, c.sig), func(t *testing.T) {
			dir := t.TempDir()
			cmd, r := startChild(t, c.mode, dir)
			cmd.Process.Signal(c.sig)
			rest, _ := io.ReadAll(r)
			done := make(chan error, 1)
			go func() { done <- cmd.Wait() }()
			select {
			case <-done:
			case <-time.After(10 * time.Second):
				cmd.Process.Kill()
				t.Fatal("the child did not end")
			}
			ws := cmd.ProcessState.Sys().(syscall.WaitStatus)
			if c.want == "" {
				if !ws.Signaled() || ws.Signal() != c.sig {
					t.Errorf("child ended with %v, want death by %v", cmd.ProcessState, c.sig)
				}
			} else if ws.Signaled() || ws.ExitStatus() != 0 || string(rest) != c.want {
				t.Errorf("child ended with %v and said %q, want its own handler's %q", cmd.ProcessState, rest, c.want)
			}
			if b, err := os.ReadFile(filepath.Join(dir, "out")); err != nil || string(b) != "x" {
				t.Errorf("the finished output: %q, %v", b, err)
			}
		})
	}
}

// With interrupts held, SIGINT, SIGTERM and SIGHUP during a write neither
// end the process nor cut the write short: the output is whole, no
// temporary is left, and the process exits 0.
func TestHeldInterruptsLetTheWriteFinish(t *testing.T) {
	defaultInterrupts(t)
	dir := t.TempDir()
	cmd, _ := startChild(t, "held-dir", dir)
	for _, s := range interrupts {
		cmd.Process.Signal(s)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("the child did not finish its write: %v", err)
	}
	ents, _ := os.ReadDir(filepath.Join(dir, "layout"))
	if len(ents) != 2 {
		t.Errorf("the layout holds %d entries, want both files", len(ents))
	}
	if tmps := temporaries(dir); len(tmps) != 1 || tmps[0] != "layout" {
		t.Errorf("left in the directory: %v, want the layout alone", tmps)
	}
}

func TestHandlerStaysInstalledBetweenWrites(t *testing.T) {
	dir := t.TempDir()
	// Each write replaces the file, through a named temporary (a new file
	// is written unnamed, with no handler).
	if err := os.WriteFile(filepath.Join(dir, "f"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if err := WriteFile(filepath.Join(dir, "f"), []byte{byte(i)}, 0o644); err != nil {
			t.Fatal(err)
		}
		pending.Lock()
		sigs, n := pending.sigs, len(pending.paths)
		pending.Unlock()
		if sigs == nil || n != 0 {
			t.Fatalf("after write %d: handler installed %v, %d temporaries pending", i, sigs != nil, n)
		}
	}
}

// A process started with SIGHUP ignored (nohup) keeps it ignored: a hangup
// neither ends a write nor removes its temporary, and a SIGTERM after it
// still removes the temporary and ends the process.
func TestSignalIgnoredAtStartStaysIgnored(t *testing.T) {
	nohup, err := exec.LookPath("nohup")
	if err != nil {
		t.Skip("no nohup here to start a process with SIGHUP ignored")
	}
	defaultInterrupts(t) // SIGTERM at its default action in the child
	dir := t.TempDir()
	cmd, _ := startChild(t, "file", dir, nohup)
	done := make(chan error, 1)
	go func() { done <- cmd.Wait() }()
	cmd.Process.Signal(syscall.SIGHUP)
	select {
	case <-done:
		t.Fatalf("the hangup ended a process started to ignore it: %v", cmd.ProcessState)
	case <-time.After(500 * time.Millisecond):
	}
	if tmps := temporaries(dir); len(tmps) != 1 {
		t.Errorf("after the ignored hangup: %v, want the write's temporary", tmps)
	}
	cmd.Process.Signal(syscall.SIGTERM)
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		cmd.Process.Kill()
		t.Fatal("the child did not end on SIGTERM")
	}
	if ws := cmd.ProcessState.Sys().(syscall.WaitStatus); !ws.Signaled() || ws.Signal() != syscall.SIGTERM {
		t.Errorf("child ended with %v, want death by SIGTERM", cmd.ProcessState)
	}
	if tmps := temporaries(dir); len(tmps) != 0 {
		t.Errorf("left behind: %v", tmps)
	}
}
