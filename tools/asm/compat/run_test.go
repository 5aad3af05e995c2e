package compat

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// RunResult is how a program ran: Status "ok" (it exited; Exit holds the
// status), "signal N", "timeout", "nondeterministic" or why it could not
// run, and what it wrote on stdout.
type RunResult struct {
	Status string
	Exit   int    `json:",omitempty"`
	Stdout string `json:",omitempty"` // up to maxStdout bytes
}

const (
	maxStdout  = 4096
	runTimeout = 5 * time.Second
)

// Same reports whether two runs behaved alike.
func (r *RunResult) Same(o *RunResult) bool {
	return r.Status == o.Status && r.Exit == o.Exit && r.Stdout == o.Stdout
}

func (r *RunResult) String() string {
	return fmt.Sprintf("%s, exit %d, stdout %q", r.Status, r.Exit, truncate(r.Stdout, 80))
}

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return s[:n] + "..."
}

// runProgram runs exe the same way every time: copied to ./prog in a
// fresh directory, no arguments, empty stdin, a fixed environment, and
// when running as root as user 65534 (so vm.mmap_min_addr applies, as for
// users) in a network namespace of its own (corpus programs were picked
// to need no network, and this makes sure none is reached). A file the
// kernel cannot execute gets exec's error as its status, never "ok".
func runProgram(exe string) *RunResult {
	dir, err := os.MkdirTemp("", "compat-run-")
	if err != nil {
		return &RunResult{Status: err.Error()}
	}
	defer os.RemoveAll(dir)
	if err := os.Chmod(dir, 0o755); err != nil {
		return &RunResult{Status: err.Error()}
	}
	data, err := os.ReadFile(exe)
	if err != nil {
		return &RunResult{Status: err.Error()}
	}
	if err := os.WriteFile(filepath.Join(dir, "prog"), data, 0o755); err != nil {
		return &RunResult{Status: err.Error()}
	}
	ctx, cancel := context.WithTimeout(context.Background(), runTimeout)
	defer cancel()
	// Another test goroutine forking while prog was open for writing holds
	// it open in that child for a moment: exec then fails with "text file
	// busy" before anything ran, so trying again is safe.
	var out limited
	var cmd *exec.Cmd
	for try := 0; ; try++ {
		cmd = sandboxed(ctx, dir, &out)
		err = cmd.Start()
		if !errors.Is(err, syscall.ETXTBSY) || try == 100 {
			break
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err == nil {
		err = cmd.Wait()
	}
	r := &RunResult{Stdout: string(out.b)}
	var ee *exec.ExitError
	switch {
	case ctx.Err() != nil:
		r.Status = "timeout"
	case err == nil:
		r.Status = "ok"
	case errors.As(err, &ee):
		ws := ee.Sys().(syscall.WaitStatus)
		if ws.Signaled() {
			r.Status = fmt.Sprintf("signal %d", ws.Signal())
		} else {
			r.Status, r.Exit = "ok", ws.ExitStatus()
		}
	default:
		r.Status = err.Error()
	}
	return r
}

// sandboxed makes the command that runs dir/prog. The program is exec'd
// directly, with the user and the network namespace set by the kernel at
// fork: a wrapper (setpriv) would hand a file the kernel cannot execute
// (an i386 program where IA32 emulation is off) to /bin/sh, and the
// shell's complaint would pass for the program's behaviour; exec's own
// error keeps the run from being compared.
func sandboxed(ctx context.Context, dir string, out io.Writer) *exec.Cmd {
	cmd := exec.CommandContext(ctx, "./prog")
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C", "TERM=dumb"}
	cmd.Stdin = bytes.NewReader(nil)
	cmd.Stdout = out
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	if os.Geteuid() == 0 {
		cmd.SysProcAttr.Credential = &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}
		cmd.SysProcAttr.Cloneflags = syscall.CLONE_NEWNET
	}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	return cmd
}

// limited keeps the first maxStdout bytes written to it and drops the rest.
type limited struct{ b []byte }

func (l *limited) Write(p []byte) (int, error) {
	if room := maxStdout - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

var _ io.Writer = (*limited)(nil)
