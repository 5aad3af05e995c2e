package main

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/worker"
)

var (
	tinyOnce sync.Once
	tinyExe  string
	tinyErr  error
)

// buildTiny compiles this command once for all the tests that run it as a
// separate process (worker mode needs a real stdin/stdout).
func buildTiny(t *testing.T) string {
	t.Helper()
	tinyOnce.Do(func() {
		dir, err := os.MkdirTemp("", "tiny-worker-test-")
		if err != nil {
			tinyErr = err
			return
		}
		tinyExe = filepath.Join(dir, "tiny")
		// As the tool ships (rules/private/host_go.bzl): no cgo.
		cmd := exec.Command("go", "build", "-o", tinyExe, ".")
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		if out, err := cmd.CombinedOutput(); err != nil {
			tinyErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if tinyErr != nil {
		t.Fatal(tinyErr)
	}
	return tinyExe
}

// startWorker launches the binary the way Bazel does: startup args plus
// --persistent_worker, requests on stdin.
type workerProc struct {
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	stdout *bufio.Reader
	stderr bytes.Buffer
}

func startWorker(t *testing.T, exe, dir string, startup ...string) *workerProc {
	t.Helper()
	w := &workerProc{cmd: exec.Command(exe, append(startup, "--persistent_worker")...)}
	w.cmd.Dir = dir
	w.cmd.Stderr = &w.stderr
	var err error
	if w.stdin, err = w.cmd.StdinPipe(); err != nil {
		t.Fatal(err)
	}
	out, err := w.cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	w.stdout = bufio.NewReader(out)
	if err := w.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { w.stdin.Close(); w.cmd.Wait() })
	return w
}

func (w *workerProc) call(t *testing.T, args ...string) *worker.Response {
	t.Helper()
	if err := worker.WriteDelimited(w.stdin, worker.MarshalRequest(&worker.Request{Arguments: args})); err != nil {
		t.Fatal(err)
	}
	msg, err := worker.ReadDelimited(w.stdout)
	if err != nil {
		t.Fatalf("reading response: %v (stderr: %s)", err, w.stderr.String())
	}
	r, err := worker.UnmarshalResponse(msg)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestPersistentWorkerRunsTheSameCommandsAsTheCLI(t *testing.T) {
	exe := buildTiny(t)
	dir := t.TempDir()
	w := startWorker(t, exe, dir)

	// Usage goes to the captured output, not to the protocol stream.
	r := w.call(t, "help")
	if r.ExitCode != 0 || !strings.Contains(r.Output, "usage: tiny") {
		t.Fatalf("help: %+v", r)
	}
	r = w.call(t, "no-such-command")
	if r.ExitCode != 2 || !strings.Contains(r.Output, `unknown command "no-such-command"`) {
		t.Fatalf("unknown command: %+v", r)
	}
	// The worker survives failures and keeps answering.
	if r = w.call(t, "help"); r.ExitCode != 0 {
		t.Fatalf("help after error: %+v", r)
	}
	w.stdin.Close()
	if err := w.cmd.Wait(); err != nil {
		t.Fatalf("worker exit at EOF: %v (stderr %s)", err, w.stderr.String())
	}
}

func TestFlagfileExpandsInOneShotMode(t *testing.T) {
	exe := buildTiny(t)
	dir := t.TempDir()
	params := filepath.Join(dir, "p.params")
	os.WriteFile(params, []byte("no-such-command\n"), 0o644)
	out, err := exec.Command(exe, "@"+params).CombinedOutput()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 2 || !strings.Contains(string(out), `unknown command "no-such-command"`) {
		t.Fatalf("err %v, out %s", err, out)
	}
	out, err = exec.Command(exe, "@"+filepath.Join(dir, "missing")).CombinedOutput()
	if err == nil || !strings.Contains(string(out), "flagfile") {
		t.Fatalf("missing flagfile: err %v, out %s", err, out)
	}
}

// The real use: `tiny build @params` as one process and as a worker request
// must write identical bytes, request after request (no state carried over).
func TestWorkerBuildMatchesOneShotBuild(t *testing.T) {
	if _, ok := commands["build"]; !ok {
		t.Skip("tiny build is not registered yet")
	}
	exe := buildTiny(t)
	dir := t.TempDir()
	src := []byte("BITS 32\nsection .data\nmsg: db \"Hello World\", 10\nlen equ $-msg\nsection .text\nglobal _start\n_start:\n" +
		"mov edx,len\nmov ecx,msg\nmov ebx,1\nmov eax,4\nint 0x80\nmov ebx,0\nmov eax,1\nint 0x80\n")
	os.WriteFile(filepath.Join(dir, "hello.asm"), src, 0o644)
	os.WriteFile(filepath.Join(dir, "a.params"), []byte("-o\none\nhello.asm\n"), 0o644)
	cmd := exec.Command(exe, "build", "@a.params")
	cmd.Dir = dir
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("one-shot build: %v\n%s", err, out)
	}
	w := startWorker(t, exe, dir, "build")
	for _, args := range [][]string{{"-o", "two", "hello.asm"}, {"--compact", "-o", "c", "hello.asm"}, {"-o", "three", "hello.asm"}} {
		if r := w.call(t, args...); r.ExitCode != 0 {
			t.Fatalf("worker build %q: %+v", args, r)
		}
	}
	one, _ := os.ReadFile(filepath.Join(dir, "one"))
	for _, n := range []string{"two", "three"} {
		b, _ := os.ReadFile(filepath.Join(dir, n))
		if len(one) == 0 || !bytes.Equal(one, b) {
			t.Fatalf("%s differs from the one-shot build (%d vs %d bytes)", n, len(b), len(one))
		}
	}
	if r := w.call(t, "-o", "bad", "missing.asm"); r.ExitCode == 0 || r.Output == "" {
		t.Fatalf("missing source: %+v", r)
	}
}

// TestMain removes the binaries buildTiny and buildPair made (shared by several tests, so
// no single test's TempDir can own it), and runs the hostile suite's
// children (hostile_linux_test.go).
func TestMain(m *testing.M) {
	hostileChild() // returns unless this process is a hostile-suite child
	code := m.Run()
	if tinyExe != "" {
		os.RemoveAll(filepath.Dir(tinyExe))
	}
	if pairDir != "" {
		os.RemoveAll(pairDir)
	}
	os.Exit(code)
}
