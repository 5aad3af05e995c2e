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
// to need no network, and this makes sure none is reached).
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
	argv := []string{"./prog"}
	if os.Geteuid() == 0 {
		argv = []string{"unshare", "--net", "--", "setpriv", "--reuid=65534", "--regid=65534", "--clear-groups", "--", "./prog"}
	}
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = []string{"PATH=/usr/bin:/bin", "HOME=/nonexistent", "LANG=C", "TERM=dumb"}
	cmd.Stdin = bytes.NewReader(nil)
	cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	cmd.Cancel = func() error { return syscall.Kill(-cmd.Process.Pid, syscall.SIGKILL) }
	cmd.WaitDelay = time.Second
	var out limited
	cmd.Stdout = &out
	err = cmd.Run()
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

// limited keeps the first maxStdout bytes written to it and drops the rest.
type limited struct{ b []byte }

func (l *limited) Write(p []byte) (int, error) {
	if room := maxStdout - len(l.b); room > 0 {
		l.b = append(l.b, p[:min(room, len(p))]...)
	}
	return len(p), nil
}

var _ io.Writer = (*limited)(nil)
