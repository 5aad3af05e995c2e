package main

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
)

// machine describes where the numbers were taken, printed at the top.
func machine(repo string, worktree bool) [][2]string {
	measuredTree := "HEAD, committed files only"
	if worktree {
		measuredTree = "working tree"
	}
	rows := [][2]string{
		{"date", time.Now().UTC().Format("2006-01-02 15:04 MST")},
		{"nproc", fmt.Sprint(runtime.NumCPU())},
		{"CPU", cpuModel()},
		{"kernel", strings.TrimSpace(readFile("/proc/sys/kernel/osrelease"))},
		{"memory", memTotal()},
		{"load average at start (1/5/15 min)", loadAvg()},
		{"Go (harness and tiny)", runtime.Version()},
		{"rules_tiny commit", gitDescribe(repo, measuredTree)},
	}
	for _, t := range []struct{ name, arg string }{
		{"nasm", "-v"}, {"gcc", "--version"}, {"ld", "--version"},
		{"umoci", "--version"}, {"skopeo", "--version"},
	} {
		rows = append(rows, [2]string{t.name, toolVersion(t.name, t.arg)})
	}
	rows = append(rows, [2]string{"bazel", bazelVersion()})
	return rows
}

func readFile(p string) string {
	b, _ := os.ReadFile(p)
	return string(b)
}

func cpuModel() string {
	s := bufio.NewScanner(strings.NewReader(readFile("/proc/cpuinfo")))
	for s.Scan() {
		if k, v, ok := strings.Cut(s.Text(), ":"); ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

func memTotal() string {
	s := bufio.NewScanner(strings.NewReader(readFile("/proc/meminfo")))
	for s.Scan() {
		var kb int64
		if _, err := fmt.Sscanf(s.Text(), "MemTotal: %d kB", &kb); err == nil {
			return fmt.Sprintf("%.1f GiB", float64(kb)/(1<<20))
		}
	}
	return "unknown"
}

func gitDescribe(repo, measured string) string {
	out, err := exec.Command("git", "-C", repo, "rev-parse", "--short=12", "HEAD").Output()
	if err != nil {
		return "unknown"
	}
	rev := strings.TrimSpace(string(out)) + " (measured: " + measured + ")"
	if st, _ := exec.Command("git", "-C", repo, "status", "--porcelain", "--untracked-files=no").Output(); len(bytes.TrimSpace(st)) > 0 && measured == "working tree" {
		rev += ", with uncommitted changes"
	}
	return rev
}

// toolVersion is the first line a tool prints about itself, or "not installed".
func toolVersion(name, arg string) string {
	if _, err := exec.LookPath(name); err != nil {
		return "not installed"
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	out, _ := exec.CommandContext(ctx, name, arg).CombinedOutput()
	line, _, _ := strings.Cut(strings.TrimSpace(string(out)), "\n")
	return line
}

// bazelVersion: Debian's bazel-bootstrap calls itself "development version",
// so ask the package manager.
func bazelVersion() string {
	if _, err := exec.LookPath("bazel"); err != nil {
		return "not installed"
	}
	out, err := exec.Command("dpkg-query", "-W", "-f", "${Version}", "bazel-bootstrap").Output()
	if err == nil && len(out) > 0 {
		return "bazel-bootstrap " + string(out) + " (Debian)"
	}
	return "installed (version unknown)"
}

func have(tool string) bool {
	_, err := exec.LookPath(tool)
	return err == nil
}

// runBinary runs a built program the way a user would, as an unprivileged
// user when the harness runs as root (root may map pages below
// vm.mmap_min_addr, which would hide a loader rejection). It returns stdout
// and the exit status.
func runBinary(path string) (string, int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	c := exec.CommandContext(ctx, path)
	if os.Geteuid() == 0 {
		// Set at fork, then execve: setpriv's execvp would hand a file the
		// kernel refuses to /bin/sh.
		c.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
	}
	var out, stderr bytes.Buffer
	c.Stdout, c.Stderr = &out, &stderr
	err := c.Run()
	if err != nil && linktest.IsI386(path) && linktest.I386Emulated() &&
		(errors.Is(err, syscall.ENOEXEC) || strings.Contains(stderr.String(), "Invalid ELF image")) {
		return "", -1, errEmulatorRefused
	}
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		if !ee.Exited() {
			return out.String(), -1, fmt.Errorf("killed: %v", ee)
		}
		return out.String(), ee.ExitCode(), nil
	}
	if err != nil {
		return "", -1, err
	}
	return out.String(), 0, nil
}

// errEmulatorRefused: the kernel here runs no i386 code, qemu-i386 runs it
// through binfmt_misc, and qemu's loader refuses this file (--compact's
// overlapping headers, which the kernel's loader takes). Not a verdict on
// the file.
var errEmulatorRefused = errors.New("not run here: this kernel runs no i386 code and qemu-i386, which stands in for it, refuses overlapping headers")

// loadAvg tells the reader how busy the machine was: the figures are only
// as quiet as the machine.
func loadAvg() string {
	f := strings.Fields(readFile("/proc/loadavg"))
	if len(f) < 3 {
		return "unknown"
	}
	return strings.Join(f[:3], " / ")
}
