package asm

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

// Hostile input: every case generates its input, then assembles it in a
// child process (this test binary again) under an address-space limit
// and a timeout, so that a regression fails the test instead of taking
// the machine. Each must end within its bounds, with the error it names
// or with output, and within memory of 20 times its input plus a
// constant. The figures are logged (go test -v -run TestHostileInput).

const (
	hostileMemConstant = 1 << 30 // RSS allowed beyond 20x the input
	hostileTimeout     = 2 * time.Minute
)

type hostileCase struct {
	name string
	// files are written to the case's directory; main is assembled.
	files map[string]string
	main  string
	// setup makes special files (FIFOs, sparse files) in dir.
	setup func(t *testing.T, dir string)
	args  []string // limit flags, as for tiny asm: name=value
	want  string   // substring of the error; "" means success
	// heavy cases run the default limits to their end (seconds of CPU);
	// -short skips them.
	heavy bool
}

func repeat(s string, n int) string { return strings.Repeat(s, n) }

func terms(n int, term, op string) string {
	return strings.TrimSuffix(repeat(term+op, n), op)
}

func hostileCases() []hostileCase {
	return []hostileCase{
		// Expressions: nasm's --limit-eval, not the stack.
		{name: "sum of 600k terms", files: map[string]string{"t.asm": "db " + terms(600000, "1", "+") + "\n"},
			want: "t.asm:1: error: line too long: more than 1000000 tokens (--limit-macro-tokens)"},
		{name: "sum of 100k terms", files: map[string]string{"t.asm": "db " + terms(100000, "1", "+") + "\n"},
			want: "t.asm:1: error: expression too long (--limit-eval)"},
		{name: "400 KB expression", files: map[string]string{"t.asm": "dd " + terms(400000/6, "(1*2)", "+") + "\n"},
			want: "t.asm:1: error: expression too long (--limit-eval)"},
		{name: "100k nested parentheses", files: map[string]string{"t.asm": "db " + repeat("(", 100000) + "1" + repeat(")", 100000) + "\n"},
			want: "t.asm:1: error: expression too deeply nested (--limit-eval)"},
		{name: "100k unary minus", files: map[string]string{"t.asm": "db " + repeat("-", 100000) + "1\n"},
			want: "t.asm:1: error: expression too long (--limit-eval)"},
		{name: "%if of 100k terms", files: map[string]string{"t.asm": "%if " + terms(100000, "1", "+") + "\n%endif\n"},
			want: "t.asm:1: error: expression too long (--limit-eval)"},
		// Long lines.
		{name: "10 MB db line", files: map[string]string{"t.asm": "db " + terms(5<<20, "1", ",") + "\n"},
			want: "t.asm:1: error: line too long: more than 1000000 tokens (--limit-macro-tokens)"},
		{name: "10 MB line of commas", files: map[string]string{"t.asm": "db " + repeat(",", 10<<20) + "\n"},
			want: "--limit-macro-tokens"},
		{name: "10 MB identifier", files: map[string]string{"t.asm": "dd " + repeat("a", 10<<20) + "\n"},
			want: "t.asm:1: error: symbol `aaaa"},
		// Repetition and macros.
		{name: "nested %rep of 10^12 lines", files: map[string]string{"t.asm": "%rep 1000000\n%rep 1000000\nnop\n%endrep\n%endrep\n"},
			want: "t.asm:3: error: more than 1000000 lines to assemble (--limit-lines)"},
		{name: "nested %rep of 10^12 %assign", files: map[string]string{"t.asm": "%assign x 0\n%rep 1000000\n%rep 1000000\n%assign x x+1\n%endrep\n%endrep\n"},
			want: "error: macros and %rep blocks generate more than 20000000 tokens (--limit-tokens)", heavy: true},
		{name: "nested %rep of empty lines", files: map[string]string{"t.asm": "%rep 1000000\n%rep 1000000\n\n%endrep\n%endrep\n"},
			want: "--limit-tokens", heavy: true},
		{name: "%rep count over the limit", files: map[string]string{"t.asm": "%rep 1000000000000\nnop\n%endrep\n"},
			want: "t.asm:1: error: `%rep' count 1000000000000 exceeds the limit of 1000000 (--limit-rep)"},
		// A %macro is not expanded inside itself (nasm), so only %rmacro
		// recurses, and its recursion is refused.
		{name: "recursive multi-line macro", files: map[string]string{"t.asm": "%rmacro m 0\nnop\nm\n%endmacro\nm\n"},
			want: "recursive call of `%rmacro' `m'"},
		{name: "a million macro calls from one line", files: map[string]string{"t.asm": fanOut(6, 10)},
			want: "error: more than 100000 multi-line macro calls from one line (--limit-mmacros)"},
		{name: "exponential single-line macros", files: map[string]string{"t.asm": "%define a0 x\n" + defineChain(60) + "db a60\n"},
			want: "macro expansion too large (more than 1000000 tokens; --limit-macro-tokens)"},
		{name: "deep single-line macro chain", files: map[string]string{"t.asm": chain(20000) + "db c20000\n"},
			want: "single-line macro expansion nested too deeply (more than 10000 levels; --limit-macro-levels)"},
		{name: "%strcat doubling a string", files: map[string]string{"t.asm": "%define s 'x'\n%rep 100\n%strcat s s, s\n%endrep\n"},
			want: "--limit-tokens"},
		{name: "%+ doubling a name", files: map[string]string{"t.asm": "%xdefine s x\n%rep 100\n%xdefine s s %+ s\n%endrep\n"},
			want: "--limit-tokens"},
		{name: "parameter repeated with a huge argument", files: map[string]string{"t.asm": "%macro m 1\ndb " + terms(2000, "%1", ",") + "\n%endmacro\nm " + terms(1000, "1", "+") + "\n"},
			want: "line too long after macro parameter substitution: more than 1000000 tokens (--limit-macro-tokens)"},
		{name: "single-line macro with 100k parameters", files: map[string]string{"t.asm": "%define f(" + names("p", 100000, ",") + ") " + names("p", 100000, ",") + "\ndb f(" + terms(100000, "1", ",") + ")\n"}},
		{name: "a file included 100k times", files: map[string]string{"t.asm": "%rep 100000\n%include 'a.inc'\n%endrep\n", "a.inc": repeat("%assign x 1\n", 1000)},
			want: "--limit-tokens", heavy: true},
		{name: "a million labels", files: map[string]string{"t.asm": "%assign i 0\n%rep 1000000\nl %+ i:\n%assign i i+1\n%endrep\n"}, heavy: true},
		{name: "a million errors", files: map[string]string{"t.asm": "%rep 1000000\nbogus eax\n%endrep\n"},
			want: "t.asm:2: error: parser: instruction expected"},
		// Output size.
		{name: "200 lines of times 16777216 db \"\"", files: map[string]string{"t.asm": repeat("times 16777216 db \"\"\n", 200)}},
		{name: "times giving gigabytes", files: map[string]string{"t.asm": repeat("times 16777216 dq 1\n", 200)},
			want: "t.asm:1: error: section `.text' exceeds the output limit of 67108864 bytes (--limit-output)"},
		{name: "resb giving gigabytes", files: map[string]string{"t.asm": repeat("resb 1 << 30\n", 20)},
			want: "(--limit-output)"},
		{name: "relocations giving gigabytes", main: "t.asm", files: map[string]string{"t.asm": "extern f\n" + repeat("times 16777216 dd f\n", 20)},
			args: []string{"format=elf32"}, want: "(--limit-output)"},
		{name: "incbin of a 1 MB file 100k times", files: map[string]string{"t.asm": "%rep 100000\nincbin 'big.bin'\n%endrep\n", "big.bin": repeat("x", 1<<20)},
			want: "(--limit-output)"},
		{name: "incbin of a part of a large file", setup: sparse("big.bin", 4<<30),
			files: map[string]string{"t.asm": "incbin 'big.bin', 3 << 30, 16\n"}},
		// Files that are not regular files.
		{name: "incbin /dev/zero", files: map[string]string{"t.asm": "incbin \"/dev/zero\"\n"},
			want: "t.asm:1: error: `incbin': unable to open file `/dev/zero': is not a regular file (a character device)"},
		{name: "%include /dev/zero", files: map[string]string{"t.asm": "%include \"/dev/zero\"\n"},
			want: "t.asm:1: error: unable to open include file `/dev/zero': is not a regular file (a character device)"},
		{name: "%include a FIFO", setup: fifo("f.inc"), files: map[string]string{"t.asm": "%include \"f.inc\"\n"},
			want: "t.asm:1: error: unable to open include file `f.inc': is not a regular file (a FIFO)"},
		{name: "incbin a FIFO", setup: fifo("f.bin"), files: map[string]string{"t.asm": "incbin \"f.bin\"\n"},
			want: "t.asm:1: error: `incbin': unable to open file `f.bin': is not a regular file (a FIFO)"},
		{name: "source is a FIFO", setup: fifo("f.asm"), main: "f.asm",
			want: "f.asm: error: unable to open input file `f.asm': is not a regular file (a FIFO)"},
		{name: "%include a directory", setup: mkdir("d"), files: map[string]string{"t.asm": "%include \"d\"\n"},
			want: "t.asm:1: error: unable to open include file `d': is not a regular file (a directory)"},
		{name: "source larger than 1 GiB", setup: sparse("huge.asm", 2<<30), main: "huge.asm",
			want: "huge.asm: error: unable to open input file `huge.asm': is larger than the 1073741824 bytes accepted here"},
		// Limits given on the command line apply.
		{name: "lower --limit-rep", files: map[string]string{"t.asm": "%rep 10\nnop\n%endrep\n"}, args: []string{"rep=5"},
			want: "t.asm:1: error: `%rep' count 10 exceeds the limit of 5 (--limit-rep)"},
		{name: "higher --limit-eval", files: map[string]string{"t.asm": "db " + terms(20000, "0", "+") + "\n"}, args: []string{"eval=30000"}},
	}
}

// fanOut is macros m0..m<depth> where each calls the next width times:
// width^depth calls from one line, none recursive.
func fanOut(depth, width int) string {
	var b strings.Builder
	for i := depth; i >= 1; i-- {
		fmt.Fprintf(&b, "%%macro m%d 0\n%s%%endmacro\n", i, repeat(fmt.Sprintf("m%d\n", i+1), width))
	}
	fmt.Fprintf(&b, "%%macro m%d 0\n%%endmacro\nm1\n", depth+1)
	return b.String()
}

// chain is c0..cn, each defined as the previous one.
func chain(n int) string {
	var b strings.Builder
	b.WriteString("%define c0 1\n")
	for i := 1; i <= n; i++ {
		fmt.Fprintf(&b, "%%define c%d c%d\n", i, i-1)
	}
	return b.String()
}

func names(prefix string, n int, sep string) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteString(sep)
		}
		fmt.Fprintf(&b, "%s%d", prefix, i)
	}
	return b.String()
}

func fifo(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := syscall.Mkfifo(filepath.Join(dir, name), 0o644); err != nil {
			t.Skipf("mkfifo: %v", err)
		}
	}
}

func mkdir(name string) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		if err := os.Mkdir(filepath.Join(dir, name), 0o755); err != nil {
			t.Fatal(err)
		}
	}
}

// sparse makes a file of size bytes that takes no disk space.
func sparse(name string, size int64) func(*testing.T, string) {
	return func(t *testing.T, dir string) {
		f, err := os.Create(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		defer f.Close()
		if err := f.Truncate(size); err != nil {
			t.Skipf("truncate: %v", err)
		}
	}
}

func TestHostileInput(t *testing.T) {
	for _, tc := range hostileCases() {
		t.Run(tc.name, func(t *testing.T) {
			if tc.heavy && testing.Short() {
				t.Skip("runs a default limit to its end; not in -short")
			}
			dir := t.TempDir()
			var size int64
			for name, body := range tc.files {
				if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
					t.Fatal(err)
				}
				size += int64(len(body))
			}
			if tc.setup != nil {
				tc.setup(t, dir)
			}
			main := tc.main
			if main == "" {
				main = "t.asm"
			}
			memBound := 20*size + hostileMemConstant
			ctx, cancel := context.WithTimeout(context.Background(), hostileTimeout)
			defer cancel()
			cmd := exec.CommandContext(ctx, os.Args[0], "-test.run=^TestHostileChild$")
			cmd.Dir = dir
			// The address-space limit is a guard for the machine: Go maps
			// more than it uses. The bound itself is checked on VmHWM.
			cmd.Env = append(os.Environ(), "TINY_HOSTILE_MAIN="+main, "TINY_HOSTILE_ARGS="+strings.Join(tc.args, " "),
				fmt.Sprintf("TINY_HOSTILE_AS=%d", 4*memBound+2<<30))
			var out bytes.Buffer
			cmd.Stdout, cmd.Stderr = &out, &out
			start := time.Now()
			err := cmd.Run()
			wall := time.Since(start)
			if ctx.Err() != nil {
				t.Fatalf("did not end within %v", hostileTimeout)
			}
			var cpu time.Duration
			if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
				cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
			}
			// The child's own peak (rusage's would count the parent's
			// pages it shared before exec).
			var rss int64
			text, hwm, _ := strings.Cut(out.String(), "\nVmHWM:")
			fmt.Sscan(strings.TrimSpace(strings.TrimSuffix(strings.TrimSpace(hwm), "kB")), &rss)
			rss <<= 10
			t.Logf("input %d bytes: %.2fs wall, %.2fs cpu, %d MiB max RSS", size, wall.Seconds(), cpu.Seconds(), rss>>20)
			var ee *exec.ExitError
			if err != nil && !errors.As(err, &ee) {
				t.Fatal(err)
			}
			switch {
			case strings.Contains(text, "fatal error") || strings.Contains(text, "panic:") || strings.Contains(text, "goroutine "):
				t.Fatalf("crashed:\n%.2000s", text)
			case tc.want == "" && err != nil:
				t.Fatalf("failed:\n%.2000s", text)
			case tc.want != "" && err == nil:
				t.Fatalf("succeeded; want an error containing %q", tc.want)
			case tc.want != "" && !strings.Contains(text, tc.want):
				t.Fatalf("errors:\n%.2000s\nwant one containing %q", text, tc.want)
			}
			if rss > memBound {
				t.Errorf("max RSS %d MiB, more than 20x the input plus %d MiB", rss>>20, hostileMemConstant>>20)
			}
		})
	}
}

// TestHostileChild is the child process of TestHostileInput: it assembles
// TINY_HOSTILE_MAIN under RLIMIT_AS = TINY_HOSTILE_AS and prints the
// errors; the exit status says whether there were any.
func TestHostileChild(t *testing.T) {
	main := os.Getenv("TINY_HOSTILE_MAIN")
	if main == "" {
		t.Skip("run by TestHostileInput")
	}
	var as int64
	fmt.Sscan(os.Getenv("TINY_HOSTILE_AS"), &as)
	if err := syscall.Setrlimit(syscall.RLIMIT_AS, &syscall.Rlimit{Cur: uint64(as), Max: uint64(as)}); err != nil {
		t.Fatalf("setrlimit: %v", err)
	}
	lim := DefaultLimits()
	opts := Options{Format: "bin", Limits: &lim}
	for _, a := range strings.Fields(os.Getenv("TINY_HOSTILE_ARGS")) {
		name, val, _ := strings.Cut(a, "=")
		if name == "format" {
			opts.Format = val
			continue
		}
		if err := lim.Set(name, val); err != nil {
			t.Fatal(err)
		}
	}
	_, err := Assemble(main, opts)
	code := 0
	if err != nil {
		fmt.Println(err)
		code = 1
	}
	// The peak resident size, for the parent.
	status, _ := os.ReadFile("/proc/self/status")
	for _, l := range strings.Split(string(status), "\n") {
		if strings.HasPrefix(l, "VmHWM:") {
			fmt.Println()
			fmt.Println(l)
		}
	}
	os.Exit(code)
}
