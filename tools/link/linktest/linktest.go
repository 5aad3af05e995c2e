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
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
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
// programs in it can be run under setpriv. Its parent (the test's own
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

// Run executes path (as nobody via setpriv when running as root, so that
// vm.mmap_min_addr applies) and returns its stdout and exit status.
func Run(t testing.TB, path string, args ...string) (string, int) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var cmd *exec.Cmd
	if os.Geteuid() == 0 {
		if _, err := exec.LookPath("setpriv"); err == nil {
			cmd = exec.CommandContext(ctx, "setpriv", append([]string{"--reuid=65534", "--regid=65534", "--clear-groups", path}, args...)...)
		}
	}
	if cmd == nil {
		cmd = exec.CommandContext(ctx, path, args...)
	}
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
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
