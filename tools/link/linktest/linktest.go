// Package linktest holds the test helpers shared by the ELF, link and strip
// tests: nasm's checked-in answers, running the GNU oracles (ld, gcc,
// readelf) and running the programs we build as an unprivileged user, as
// users hit the kernel.
package linktest

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
)

// Need skips the test when an oracle tool is not installed.
func Need(t testing.TB, tools ...string) {
	t.Helper()
	for _, tool := range tools {
		if _, err := exec.LookPath(tool); err != nil {
			t.Skipf("%s is not installed (CI installs it); skipping", tool)
		}
	}
}

// Dir is a temporary directory that an unprivileged user can read, so the
// programs in it can be run as nobody. Its parent (the test's own
// temporary root, mode 0700) is opened for traversal too: gdb and the
// shell it starts programs with look the program up by its full path.
func Dir(t testing.TB) string {
	t.Helper()
	d := t.TempDir()
	if err := os.Chmod(d, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(filepath.Dir(d), 0o711); err != nil {
		t.Fatal(err)
	}
	return d
}

// Cmd runs a command, failing the test with its output if it fails.
func Cmd(t testing.TB, name string, args ...string) []byte {
	t.Helper()
	out, err := exec.Command(name, args...).CombinedOutput()
	if err != nil {
		t.Fatalf("%s %s: %v\n%s", name, strings.Join(args, " "), err, out)
	}
	return out
}

// Nasm returns nasm -f format's object for src. nasm's answers are kept
// in the calling test's golden file, testdata/nasm/<test name>.txt (see
// nasmgolden): asked of the installed nasm under -update only, so the
// tests run without nasm.
func Nasm(t testing.TB, format, src string) []byte {
	t.Helper()
	return NasmFlags(t, format, src)
}

// NasmFlags is Nasm with more command-line flags (-g, -F dwarf...).
func NasmFlags(t testing.TB, format, src string, flags ...string) []byte {
	t.Helper()
	args := append(append([]string{"-f", format, "-o", nasmgolden.Out}, flags...), "in.asm")
	// The key names the source by its hash: one test may assemble several.
	key := fmt.Sprintf("nasm %s (in.asm %s)", strings.Join(args, " "), nasmgolden.Hash([]byte(src)))
	a := nasmgolden.ForTest(t).Answer(t, key, []byte(src), func() nasmgolden.Answer {
		d := t.TempDir()
		if err := os.WriteFile(filepath.Join(d, "in.asm"), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		return nasmgolden.Run(t, d, args)
	})
	if !a.OK() {
		t.Fatalf("nasm %s: status %d\n%s", strings.Join(args, " "), a.Status, a.Output)
	}
	return a.File(t, nasmgolden.Out)
}

// NasmIn returns nasm -f format's object for the file name in dir,
// assembled in dir so that the object (its debug information) names the
// source as name alone; like Nasm, the answer is kept in the test's golden
// file. The answer is for the sources in dir (files named *.asm, *.inc,
// *.mac, *.bin, hashed), so editing one makes it stale.
func NasmIn(t testing.TB, dir, name, format string, flags ...string) []byte {
	t.Helper()
	args := append(append([]string{"-f", format, "-o", nasmgolden.Out}, flags...), name)
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var input []byte
	for _, e := range entries { // in name order
		switch filepath.Ext(e.Name()) {
		case ".asm", ".inc", ".mac", ".bin":
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			input = append(append(append(input, e.Name()...), 0), b...)
		}
	}
	key := fmt.Sprintf("nasm %s (sources %s)", strings.Join(args, " "), nasmgolden.Hash(input))
	a := nasmgolden.ForTest(t).Answer(t, key, input, func() nasmgolden.Answer {
		return nasmgolden.Run(t, dir, args)
	})
	if !a.OK() {
		t.Fatalf("nasm %s: status %d\n%s", strings.Join(args, " "), a.Status, a.Output)
	}
	return a.File(t, nasmgolden.Out)
}

// GCC compiles C source to a freestanding, non-PIC object (-m32 or -m64).
func GCC(t testing.TB, mflag, src string) []byte {
	t.Helper()
	return GCCFlags(t, src, mflag, "-fno-pic")
}

// GCCFlags compiles freestanding C source with -c -Os and the given flags.
func GCCFlags(t testing.TB, src string, flags ...string) []byte {
	t.Helper()
	Need(t, "gcc")
	d := t.TempDir()
	in := filepath.Join(d, "in.c")
	out := filepath.Join(d, "out.o")
	if err := os.WriteFile(in, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	Cmd(t, "gcc", append(flags, "-c", "-ffreestanding", "-nostdlib", "-Os", "-o", out, in)...)
	b, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Write puts data in dir/name with mode 0755 and returns the path.
func Write(t testing.TB, dir, name string, data []byte) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, data, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(p, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

// Run executes path (as nobody when running as root, so that
// vm.mmap_min_addr applies) and returns its stdout and exit status. An i386
// file that qemu's loader refuses where qemu stands in for the kernel's
// (see I386Emulated) skips the test rather than failing it.
func Run(t testing.TB, path string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, path, args...)
	if os.Geteuid() == 0 {
		// Set at fork, then execve: a wrapper such as setpriv uses execvp,
		// which hands a file the kernel refuses (ENOEXEC) to /bin/sh.
		cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	if refusedByEmulator(path, err, stderr.String()) {
		t.Skipf("%s not run: this kernel runs no i386 code itself, and qemu-i386 (binfmt_misc), which runs it here, refuses this file: %s",
			filepath.Base(path), strings.TrimSpace(stderr.String()+" "+errString(err)))
	}
	var ee *exec.ExitError
	switch {
	case err == nil:
		return stdout.String(), 0
	case errors.As(err, &ee) && ee.Exited():
		return stdout.String(), ee.ExitCode()
	}
	t.Fatalf("running %s: %v (stderr: %s)", path, err, stderr.String())
	return "", -1
}

// Readelf runs readelf with args on path and returns its combined output.
// It fails the test if readelf exits non-zero or prints an error.
func Readelf(t testing.TB, path string, args ...string) string {
	t.Helper()
	Need(t, "readelf")
	out, err := exec.Command("readelf", append(args, path)...).CombinedOutput()
	if err != nil || bytes.Contains(out, []byte("Error:")) {
		t.Fatalf("readelf %v %s: %v\n%s", args, path, err, out)
	}
	return string(out)
}

// LineRow is one row of a DWARF line table as readelf decodes it: the
// file's name, the line and the address; End marks the end of a sequence
// (readelf prints "-" for its line).
type LineRow struct {
	File string
	Line int
	Addr uint64
	End  bool
}

func (r LineRow) String() string {
	if r.End {
		return fmt.Sprintf("%s end %#x", r.File, r.Addr)
	}
	return fmt.Sprintf("%s:%d %#x", r.File, r.Line, r.Addr)
}

// DecodedLines runs `readelf --debug-dump=decodedline` on path and returns
// every row of every sequence, in readelf's order. It fails the test on
// any readelf warning.
func DecodedLines(t testing.TB, path string) []LineRow {
	t.Helper()
	out := Readelf(t, path, "--debug-dump=decodedline")
	if strings.Contains(out, "Warning") {
		t.Fatalf("readelf warns about %s:\n%s", path, out)
	}
	var rows []LineRow
	for _, l := range strings.Split(out, "\n") {
		f := strings.Fields(l)
		if len(f) < 3 {
			continue
		}
		addr, err := strconv.ParseUint(strings.TrimPrefix(f[2], "0x"), 16, 64)
		if err != nil {
			continue
		}
		r := LineRow{File: f[0], Addr: addr, End: f[1] == "-"}
		if !r.End {
			if r.Line, err = strconv.Atoi(f[1]); err != nil {
				continue
			}
		}
		rows = append(rows, r)
	}
	return rows
}

// GDB runs gdb in batch mode on exe (none when ""), from dir, with each
// of cmds as an -ex command, and returns its output. Like Run, it runs as nobody when
// the tests run as root, with a deadline.
func GDB(t testing.TB, dir, exe string, cmds ...string) string {
	t.Helper()
	Need(t, "gdb")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	args := []string{"-batch", "-nx"}
	for _, c := range cmds {
		args = append(args, "-ex", c)
	}
	if exe != "" {
		args = append(args, exe)
	}
	if prog := gdbProgram(dir, exe, cmds); prog != "" && IsI386(prog) && I386Emulated() {
		// gdb cannot ptrace an i386 process that qemu runs: debug it
		// through qemu's gdb stub instead, which is the same program
		// under the same loader as Run uses here.
		args = remoteArgs(t, ctx, dir, prog, args)
	}
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("setpriv"); err == nil {
			cmd = exec.CommandContext(ctx, "setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", "gdb"}, args...)...)
		}
	}
	if cmd == nil {
		cmd = exec.CommandContext(ctx, "gdb", args...)
	}
	cmd.Dir = dir
	cmd.Env = []string{"HOME=" + dir, "PATH=" + os.Getenv("PATH"), "LC_ALL=C"}
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("gdb %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	return string(out)
}

// refusedByEmulator reports whether running path failed because the loader
// refused it on a machine where i386 programs go through qemu: the kernel
// here runs no 32-bit code, and qemu's ELF loader is stricter than the
// kernel's (it refuses --compact's overlapping headers, which the kernel
// takes). On a kernel that runs i386 itself, a refusal stays a failure.
func refusedByEmulator(path string, err error, stderr string) bool {
	if err == nil || !IsI386(path) || !I386Emulated() {
		return false
	}
	return errors.Is(err, syscall.ENOEXEC) ||
		strings.Contains(stderr, "Exec format error") ||
		strings.Contains(stderr, "Invalid ELF image")
}

func errString(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

// IsI386 reports whether path is an ELF file for EM_386, by the bytes the
// kernel's loader reads (e_ident's magic and e_machine), not the rest of
// e_ident, which --compact fills with code.
func IsI386(path string) bool {
	f, err := os.Open(path)
	if err != nil {
		return false
	}
	defer f.Close()
	var h [20]byte
	if _, err := io.ReadFull(f, h[:]); err != nil {
		return false
	}
	return string(h[:4]) == "\x7fELF" && h[18] == 3 && h[19] == 0
}

// I386Emulated reports whether an enabled binfmt_misc handler takes i386
// ELF files here (scripts/setup.sh registers qemu-i386-static on kernels
// that run no 32-bit code). Handlers registered with binfmt_misc come before
// the kernel's own ELF loader.
func I386Emulated() bool {
	const dir = "/proc/sys/fs/binfmt_misc"
	entries, err := os.ReadDir(dir)
	if err != nil {
		return false
	}
	for _, e := range entries {
		if e.Name() == "register" || e.Name() == "status" {
			continue
		}
		b, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			continue
		}
		enabled, offset0, magic := false, false, ""
		for _, l := range strings.Split(string(b), "\n") {
			switch {
			case l == "enabled":
				enabled = true
			case l == "offset 0":
				offset0 = true
			case strings.HasPrefix(l, "magic "):
				magic = strings.TrimPrefix(l, "magic ")
			}
		}
		// ELF magic, then e_machine = EM_386 (bytes 18-19, little-endian).
		if enabled && offset0 && strings.HasPrefix(magic, "7f454c46") && len(magic) >= 40 && magic[36:40] == "0300" {
			return true
		}
	}
	return false
}

// gdbProgram is the executable a gdb session runs: exe, or the argument of
// its "file" command.
func gdbProgram(dir, exe string, cmds []string) string {
	if exe == "" {
		for _, c := range cmds {
			if f, ok := strings.CutPrefix(c, "file "); ok {
				exe = f
			}
		}
	}
	if exe == "" {
		return ""
	}
	if !filepath.IsAbs(exe) {
		exe = filepath.Join(dir, exe)
	}
	return exe
}

// remoteArgs starts prog under qemu-i386's gdb stub (as nobody when root),
// stopped before its first instruction, and rewrites gdb's "run" into
// connecting to the stub and continuing.
func remoteArgs(t testing.TB, ctx context.Context, dir, prog string, args []string) []string {
	t.Helper()
	Need(t, "qemu-i386-static")
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	l.Close()
	q := exec.CommandContext(ctx, "qemu-i386-static", "-g", strconv.Itoa(port), prog)
	q.Dir = dir
	if os.Geteuid() == 0 {
		q.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534, Groups: []uint32{}}}
	}
	if err := q.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { q.Process.Kill(); q.Wait() })
	// A probe connection would take the stub's only connection: wait for
	// the port to be listened on instead.
	for deadline := time.Now().Add(10 * time.Second); !listening(port); {
		if time.Now().After(deadline) {
			t.Fatalf("qemu-i386-static -g %d did not listen", port)
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := make([]string, 0, len(args)+2)
	for _, a := range args {
		if a == "run" {
			out = append(out, "target remote 127.0.0.1:"+strconv.Itoa(port), "-ex", "continue")
			continue
		}
		out = append(out, a)
	}
	return out
}

// listening reports whether a TCP socket listens on port, on any address.
func listening(port int) bool {
	want := fmt.Sprintf(":%04X", port)
	for _, table := range []string{"/proc/net/tcp", "/proc/net/tcp6"} {
		b, err := os.ReadFile(table)
		if err != nil {
			continue
		}
		for _, l := range strings.Split(string(b), "\n") {
			f := strings.Fields(l)
			if len(f) > 3 && strings.HasSuffix(f[1], want) && f[3] == "0A" {
				return true
			}
		}
	}
	return false
}
