//go:build linux

package main

// The hostile-input suite (issue 11): inputs nobody should give the tool,
// and peers that misbehave. Every case runs the real binary in a child
// process under RLIMIT_AS and a timeout, so a regression fails the case
// instead of eating the machine. Each case must end within its bound with a
// clear error (or a correct output), leave no temporary file, and leave
// every file it did not write as it was; a case that fails must write
// nothing at all. Inputs are generated here; the large ones are sparse
// files or crafted compressed streams, so nothing large is checked in and
// little is written to disk. The cases are by side: images, layouts,
// pushes and workers here, ELF inputs in hostile_elf_linux_test.go,
// assembly in hostile_asm_linux_test.go (tools/asm has its own suite of
// the assembler's bombs and limits, in process).

import (
	"archive/tar"
	"bufio"
	"bytes"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/klauspost/compress/gzip"
	"github.com/opencontainers/go-digest"
	specs "github.com/opencontainers/image-spec/specs-go"
	ocispec "github.com/opencontainers/image-spec/specs-go/v1"
	"golang.org/x/sys/unix"

	"github.com/rules-tiny/rules_tiny/tools/image/layout"
	"github.com/rules-tiny/rules_tiny/tools/image/tarball"
)

const (
	// A Go process (built without cgo, as the tool ships) reserves about
	// 800 MiB of address space before it allocates anything; the limit
	// leaves it about 700 MiB of heap.
	childAddressSpace = 1536 << 20
	// The memory bound every case is held to (peak resident set).
	defaultMaxRSS = 256 << 20

	envExe = "TINY_HOSTILE_EXE"
	envAS  = "TINY_HOSTILE_AS"
	envRSS = "TINY_HOSTILE_RSS"
)

// hostileChild is the child side: with envExe set, this test binary runs
// tiny as its own child under the address-space limit, passes interrupts
// on, and reports tiny's peak resident set in the file envRSS names (from
// this small process: a child forked straight from the big test process
// would be charged that process's memory too). It then ends as tiny ended:
// the same exit status, or death by the same signal.
func hostileChild() {
	exe := os.Getenv(envExe)
	if exe == "" {
		return
	}
	fail := func(err error) {
		fmt.Fprintln(os.Stderr, "hostile child:", err)
		os.Exit(99)
	}
	as, err := strconv.ParseUint(os.Getenv(envAS), 10, 64)
	if err != nil {
		fail(err)
	}
	var env []string
	for _, e := range os.Environ() {
		if !strings.HasPrefix(e, "TINY_HOSTILE_") {
			env = append(env, e)
		}
	}
	sigs := make(chan os.Signal, 4)
	signal.Notify(sigs, syscall.SIGINT, syscall.SIGTERM)
	cmd := exec.Command(exe, os.Args[1:]...)
	cmd.Env, cmd.Stdin, cmd.Stdout, cmd.Stderr = env, os.Stdin, os.Stdout, os.Stderr
	if err := cmd.Start(); err != nil {
		fail(err)
	}
	// Limited from its start: the Go runtime's own reservations come
	// first and fit; everything it maps after counts against the limit.
	if err := unix.Prlimit(cmd.Process.Pid, unix.RLIMIT_AS, &unix.Rlimit{Cur: as, Max: as}, nil); err != nil {
		cmd.Process.Kill()
		fail(err)
	}
	go func() {
		for s := range sigs {
			cmd.Process.Signal(s)
		}
	}()
	cmd.Wait()
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		os.WriteFile(os.Getenv(envRSS), []byte(strconv.FormatInt(ru.Maxrss<<10, 10)), 0o644)
	}
	if ws, ok := cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		signal.Reset()
		syscall.Kill(os.Getpid(), ws.Signal())
		time.Sleep(time.Second)
	}
	os.Exit(cmd.ProcessState.ExitCode())
}

type result struct {
	code   int
	signal syscall.Signal
	stderr string
	rss    int64
	took   time.Duration
}

// limited is a prepared child: tiny args run under the limits.
type limited struct {
	cmd     *exec.Cmd
	stderr  bytes.Buffer
	start   time.Time
	rssFile string
}

func startLimited(t *testing.T, dir string, stdin io.Reader, args ...string) *limited {
	t.Helper()
	return startLimitedOut(t, dir, stdin, io.Discard, args...)
}

func startLimitedOut(t *testing.T, dir string, stdin io.Reader, stdout io.Writer, args ...string) *limited {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	l := &limited{cmd: exec.Command(self, args...), rssFile: filepath.Join(t.TempDir(), "rss")}
	l.cmd.Dir = dir
	l.cmd.Env = append(os.Environ(), envExe+"="+buildTiny(t), envAS+"="+strconv.Itoa(childAddressSpace), envRSS+"="+l.rssFile)
	l.cmd.Stdin = stdin
	l.cmd.Stdout = stdout
	l.cmd.Stderr = &l.stderr
	l.cmd.SysProcAttr = &syscall.SysProcAttr{Setpgid: true}
	l.start = time.Now()
	if err := l.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return l
}

func (l *limited) wait(t *testing.T, timeout time.Duration) result {
	t.Helper()
	done := make(chan error, 1)
	go func() { done <- l.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(timeout):
		syscall.Kill(-l.cmd.Process.Pid, syscall.SIGKILL)
		<-done
		t.Errorf("did not end within %v (killed); stderr: %s", timeout, l.stderr.String())
	}
	r := result{code: l.cmd.ProcessState.ExitCode(), stderr: l.stderr.String(), took: time.Since(l.start)}
	if ws, ok := l.cmd.ProcessState.Sys().(syscall.WaitStatus); ok && ws.Signaled() {
		r.signal = ws.Signal()
	}
	if b, err := os.ReadFile(l.rssFile); err == nil {
		r.rss, _ = strconv.ParseInt(string(b), 10, 64)
	} else if r.signal == 0 {
		t.Errorf("no peak RSS reported: %v", err)
	}
	return r
}

// snapshot records what is in dir: path -> identity (size, mtime, inode,
// and a digest for files small enough to hash quickly).
func snapshot(t *testing.T, dir string) map[string]string {
	t.Helper()
	m := map[string]string{}
	filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || p == dir {
			return nil
		}
		rel, _ := filepath.Rel(dir, p)
		fi, err := os.Lstat(p)
		if err != nil {
			return nil
		}
		id := fmt.Sprintf("%v %d %d %d", fi.Mode(), fi.Size(), fi.ModTime().UnixNano(), fi.Sys().(*syscall.Stat_t).Ino)
		if fi.Mode().IsRegular() && fi.Size() < 1<<20 {
			b, _ := os.ReadFile(p)
			id += fmt.Sprintf(" %x", sha256.Sum256(b))
		}
		m[rel] = id
		return nil
	})
	return m
}

// hostileCase is one entry of the suite.
type hostileCase struct {
	name string
	// setup makes the inputs in dir and returns tiny's arguments.
	setup   func(t *testing.T, dir string) []string
	timeout time.Duration
	// want is a part of the error message; "" means the command succeeds.
	want string
	// outputs are paths (relative to dir) the command may create or
	// replace; everything else in dir must stay as it was.
	outputs []string
	maxRSS  int64
	big     bool // skipped with -short
	stdin   func() io.Reader
	check   func(t *testing.T, dir string)
}

func runHostile(t *testing.T, cases []hostileCase) {
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if c.big && testing.Short() {
				t.Skip("large input; skipped with -short")
			}
			dir := t.TempDir()
			args := c.setup(t, dir)
			before := snapshot(t, dir)
			var stdin io.Reader
			if c.stdin != nil {
				stdin = c.stdin()
			}
			timeout := c.timeout
			if timeout == 0 {
				timeout = 20 * time.Second
			}
			r := startLimited(t, dir, stdin, args...).wait(t, timeout)
			t.Logf("exit %d in %v, peak RSS %d MiB: %s", r.code, r.took.Round(time.Millisecond), r.rss>>20, strings.TrimSpace(r.stderr))
			switch {
			case c.want == "" && r.code != 0:
				t.Errorf("failed: exit %d, %s", r.code, r.stderr)
			case c.want != "" && (r.code != 1 || !strings.Contains(r.stderr, c.want)):
				t.Errorf("exit %d, stderr %q; want exit 1 with %q", r.code, r.stderr, c.want)
			}
			if strings.Contains(r.stderr, "panic") || strings.Contains(r.stderr, "goroutine ") {
				t.Errorf("panicked: %s", r.stderr)
			}
			max := c.maxRSS
			if max == 0 {
				max = defaultMaxRSS
			}
			if r.rss > max {
				t.Errorf("peak RSS %d MiB, bound %d MiB", r.rss>>20, max>>20)
			}
			checkNothingLost(t, dir, before, c.outputs)
			if c.want != "" {
				checkNothingWritten(t, dir, before)
			}
			if c.check != nil {
				c.check(t, dir)
			}
		})
	}
}

// checkNothingLost: no temporary is left, and every file that was there
// before is unchanged unless it is (under) a declared output.
func checkNothingLost(t *testing.T, dir string, before map[string]string, outputs []string) {
	t.Helper()
	after := snapshot(t, dir)
	isOutput := func(p string) bool {
		for _, o := range outputs {
			if p == o || strings.HasPrefix(p, o+string(filepath.Separator)) {
				return true
			}
		}
		return false
	}
	for p, id := range before {
		if !isOutput(p) && after[p] != id {
			t.Errorf("%s changed or vanished: %q -> %q", p, id, after[p])
		}
	}
	for p := range after {
		if strings.Contains(filepath.Base(p), ".tmp") {
			t.Errorf("temporary left behind: %s", p)
		}
	}
}

// checkNothingWritten: a run that failed left no file that was not there
// before, declared output or not.
func checkNothingWritten(t *testing.T, dir string, before map[string]string) {
	t.Helper()
	for p := range snapshot(t, dir) {
		if _, ok := before[p]; !ok {
			t.Errorf("failed, but wrote %s", p)
		}
	}
}

// ---- inputs ---------------------------------------------------------------

func seedELF(t *testing.T, dir, name string) string {
	t.Helper()
	b, err := os.ReadFile("../../image/testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, b, 0o755); err != nil {
		t.Fatal(err)
	}
	return p
}

func mkfifo(t *testing.T, p string) {
	t.Helper()
	if err := syscall.Mkfifo(p, 0o644); err != nil {
		t.Skipf("mkfifo: %v", err)
	}
}

func mksocket(t *testing.T, p string) {
	t.Helper()
	ln, err := net.ListenUnix("unix", &net.UnixAddr{Name: p, Net: "unix"})
	if err != nil {
		t.Skipf("unix socket: %v", err)
	}
	ln.SetUnlinkOnClose(false)
	ln.Close()
}

func sparse(t *testing.T, p string, size int64) {
	t.Helper()
	f, err := os.Create(p)
	if err != nil {
		t.Fatal(err)
	}
	// A little content at both ends, zeros (holes) between.
	f.WriteAt([]byte("start of a large input"), 0)
	f.WriteAt([]byte("end"), size-3)
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
}

// seedLayout writes a small image layout in dir/name and returns the path
// of its layer blob.
func seedLayout(t *testing.T, dir, name string) (string, string) {
	t.Helper()
	elf := seedELF(t, dir, "hello")
	out := filepath.Join(dir, name)
	r := startLimited(t, dir, nil, "image", "--file", elf+":/hello", "--layout", out).wait(t, 20*time.Second)
	if r.code != 0 {
		t.Fatalf("tiny image: %s", r.stderr)
	}
	l, err := layout.Read(out)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := l.Bytes(l.Index.Manifests[0].Digest)
	if err != nil {
		t.Fatal(err)
	}
	var m ocispec.Manifest
	json.Unmarshal(raw, &m)
	return out, filepath.Join(out, layout.BlobPath(m.Layers[0].Digest))
}

// layerLayout writes a layout whose one layer is the given blob.
func layerLayout(t *testing.T, dir string, mediaType string, layer []byte) string {
	t.Helper()
	l := layout.New()
	ld := l.AddBlob(mediaType, layer)
	cd, err := l.AddJSON(ocispec.MediaTypeImageConfig, ocispec.Image{
		Platform: ocispec.Platform{OS: "linux", Architecture: "amd64"},
		RootFS:   ocispec.RootFS{Type: "layers", DiffIDs: []digest.Digest{ld.Digest}},
	})
	if err != nil {
		t.Fatal(err)
	}
	md, err := l.AddJSON(ocispec.MediaTypeImageManifest, ocispec.Manifest{
		Versioned: specs.Versioned{SchemaVersion: 2}, MediaType: ocispec.MediaTypeImageManifest,
		Config: cd, Layers: []ocispec.Descriptor{ld},
	})
	if err != nil {
		t.Fatal(err)
	}
	l.Index.Manifests = []ocispec.Descriptor{md}
	p := filepath.Join(dir, "bomb")
	if err := l.WriteDir(p); err != nil {
		t.Fatal(err)
	}
	return p
}

// tarHeader is the ustar header of one regular file of the given size.
func tarHeader(t *testing.T, size int64) []byte {
	t.Helper()
	var b bytes.Buffer
	tw := tar.NewWriter(&b)
	if err := tw.WriteHeader(&tar.Header{Name: "bomb", Typeflag: tar.TypeReg, Mode: 0o644, Size: size, Format: tar.FormatUSTAR}); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()[:512]
}

// zstdBomb is a zstd frame of a tar holding one 8 GiB file of zeros, then
// zeros up to content bytes: a tar header in a raw block, then run-length
// blocks of 128 KiB each, four bytes apiece. 10 GB of content take 300 KiB.
func zstdBomb(t *testing.T, content int64) []byte {
	t.Helper()
	const block = 128 << 10
	out := []byte{0x28, 0xb5, 0x2f, 0xfd, 0x00, 0x50} // magic; no checksum, no size; 1 MiB window
	hdr := tarHeader(t, 1<<33-1)
	out = appendBlockHeader(out, false, 0, len(hdr)) // raw
	out = append(out, hdr...)
	for left := content - int64(len(hdr)); left > 0; left -= block {
		n := int(min(left, block))
		out = appendBlockHeader(out, left <= block, 1, n) // RLE
		out = append(out, 0)
	}
	return out
}

func appendBlockHeader(b []byte, last bool, typ, size int) []byte {
	v := uint32(size)<<3 | uint32(typ)<<1
	if last {
		v |= 1
	}
	var h [4]byte
	binary.LittleEndian.PutUint32(h[:], v)
	return append(b, h[:3]...)
}

// gzipBomb is gzip members, concatenated: a tar header and zeros, then
// members of 64 MiB of zeros (about 64 KiB each), content bytes in all.
func gzipBomb(t *testing.T, content int64) []byte {
	t.Helper()
	member := func(prefix []byte, n int64) []byte {
		var b bytes.Buffer
		w, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
		w.Write(prefix)
		io.CopyN(w, zeroReader{}, n-int64(len(prefix)))
		w.Close()
		return b.Bytes()
	}
	const chunk = 64 << 20
	first := member(tarHeader(t, 1<<33-1), chunk)
	rest := member(nil, chunk)
	out := append([]byte(nil), first...)
	for n := int64(chunk); n < content; n += chunk {
		out = append(out, rest...)
	}
	return out
}

type zeroReader struct{}

func (zeroReader) Read(p []byte) (int, error) { clear(p); return len(p), nil }

// silentRegistry accepts connections and never answers.
func silentRegistry(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	var conns []net.Conn
	t.Cleanup(func() {
		ln.Close()
		for _, c := range conns {
			c.Close()
		}
	})
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			conns = append(conns, c)
		}
	}()
	return ln.Addr().String()
}

// endlessJSON is a worker request that never ends.
type endlessJSON struct{ started bool }

func (e *endlessJSON) Read(p []byte) (int, error) {
	if !e.started {
		e.started = true
		return copy(p, `{"arguments":["`), nil
	}
	for i := range p {
		p[i] = 'x'
	}
	return len(p), nil
}

// ---- the suite --------------------------------------------------------------

func TestHostileInputs(t *testing.T) {
	elfArgs := func(dir string, extra ...string) []string {
		return append([]string{"image", "--file", "hello:/hello", "--layout", "out"}, extra...)
	}
	badFile := func(kind string, make func(t *testing.T, p string), want string, extra ...string) hostileCase {
		return hostileCase{
			name: "image input is " + kind,
			setup: func(t *testing.T, dir string) []string {
				seedELF(t, dir, "hello")
				make(t, filepath.Join(dir, "in"))
				return append(elfArgs(dir, "--file", "in:/in"), extra...)
			},
			want: want,
		}
	}
	cases := []hostileCase{
		badFile("a FIFO", mkfifo, "in: is not a regular file (a FIFO)"),
		badFile("a socket", mksocket, "is not a regular file (a socket)"),
		badFile("a directory", func(t *testing.T, p string) { os.Mkdir(p, 0o755) }, "is not a regular file (a directory)"),
		badFile("/dev/zero", func(t *testing.T, p string) { os.Symlink("/dev/zero", p) }, "is a symbolic link"),
		badFile("a link to /dev/zero, followed", func(t *testing.T, p string) { os.Symlink("/dev/zero", p) },
			"is not a regular file (a character device)", "--follow-symlinks"),
		badFile("a link to a FIFO, followed", func(t *testing.T, p string) { mkfifo(t, p+".fifo"); os.Symlink(p+".fifo", p) },
			"is not a regular file (a FIFO)", "--follow-symlinks"),
		{
			name: "image of a 2 GiB file, uncompressed, in bounded memory",
			setup: func(t *testing.T, dir string) []string {
				seedELF(t, dir, "hello")
				sparse(t, filepath.Join(dir, "big"), 2<<30)
				return elfArgs(dir, "--file", "big:/big", "--compression", "none", "--tarball", "out.tar")
			},
			outputs: []string{"out", "out.tar"},
			timeout: 3 * time.Minute,
			big:     true,
			check: func(t *testing.T, dir string) {
				checkSize(t, dir, "out", 2<<30+127)
				checkSize(t, dir, "out.tar", 2<<30+127)
			},
		},
		{
			name: "image of a 2 GiB file, gzip, in bounded memory",
			setup: func(t *testing.T, dir string) []string {
				seedELF(t, dir, "hello")
				sparse(t, filepath.Join(dir, "big"), 2<<30)
				return elfArgs(dir, "--file", "big:/big")
			},
			outputs: []string{"out"},
			timeout: 5 * time.Minute,
			big:     true,
			check:   func(t *testing.T, dir string) { checkSize(t, dir, "out", 2<<30+127) },
		},
		{
			name: "image config strings with NUL and control characters",
			setup: func(t *testing.T, dir string) []string {
				seedELF(t, dir, "hello")
				// Arguments cannot carry a NUL; a flagfile (as Bazel passes
				// arguments) can.
				os.WriteFile(filepath.Join(dir, "p"), []byte("image\n--file\nhello:/hello\n--layout\nout\n--user\nroot\x00:0\n"), 0o644)
				return []string{"@p"}
			},
			want: `user "root\x00:0" contains the control character U+0000`,
		},
		{
			name: "image label with an escape character",
			setup: func(t *testing.T, dir string) []string {
				seedELF(t, dir, "hello")
				return elfArgs(dir, "--label", "a=\x1b[31mred")
			},
			want: "contains the control character U+001B",
		},
		{
			name: "image entrypoint with a NUL (worker request)",
			setup: func(t *testing.T, dir string) []string {
				seedELF(t, dir, "hello")
				return []string{"image", "--persistent_worker"}
			},
			stdin: func() io.Reader {
				return strings.NewReader(`{"arguments":["--file","hello:/hello","--layout","out","--entrypoint","/hello\u0000x"]}`)
			},
			check: func(t *testing.T, dir string) {
				if _, err := os.Stat(filepath.Join(dir, "out")); err == nil {
					t.Error("an image was written for an entrypoint with a NUL")
				}
			},
		},
		{
			name: "platform that is not the ELF's machine",
			setup: func(t *testing.T, dir string) []string {
				seedELF(t, dir, "hello64")
				return []string{"image", "--file", "hello64:/hello", "--platform", "linux/arm64", "--layout", "out"}
			},
			want: "--platform linux/arm64 does not match hello64, an ELF file for linux/amd64",
		},
		{
			name: "platform mismatch allowed explicitly",
			setup: func(t *testing.T, dir string) []string {
				seedELF(t, dir, "hello64")
				return []string{"image", "--file", "hello64:/hello", "--platform", "linux/arm64", "--allow-platform-mismatch", "--layout", "out"}
			},
			outputs: []string{"out"},
		},
		{
			name: "file mode that is not octal",
			setup: func(t *testing.T, dir string) []string {
				seedELF(t, dir, "hello")
				return elfArgs(dir, "--file", "hello:/x:abc")
			},
			want: `mode "abc" is not an octal number`,
		},
		{
			name: "path component over 255 bytes",
			setup: func(t *testing.T, dir string) []string {
				seedELF(t, dir, "hello")
				return elfArgs(dir, "--file", "hello:/"+strings.Repeat("n", 256))
			},
			want: "a component of 256 bytes (at most 255)",
		},
		{
			name: "layout over a directory of the user's",
			setup: func(t *testing.T, dir string) []string {
				seedELF(t, dir, "hello")
				os.MkdirAll(filepath.Join(dir, "out", "src"), 0o755)
				os.WriteFile(filepath.Join(dir, "out", "src", "main.go"), []byte("package main"), 0o644)
				return elfArgs(dir)
			},
			want: "refusing to replace it",
		},
		{
			name: "size of a layout whose layer is a FIFO",
			setup: func(t *testing.T, dir string) []string {
				out, layer := seedLayout(t, dir, "img")
				os.Remove(layer)
				mkfifo(t, layer)
				return []string{"size", out}
			},
			want: "is not a regular file (a FIFO)",
		},
		{
			name: "size of a layout whose layer links to /dev/zero",
			setup: func(t *testing.T, dir string) []string {
				out, layer := seedLayout(t, dir, "img")
				os.Remove(layer)
				os.Symlink("/dev/zero", layer)
				return []string{"size", out}
			},
			want: "is not a regular file (a character device)",
		},
		{
			name: "size of a FIFO",
			setup: func(t *testing.T, dir string) []string {
				mkfifo(t, filepath.Join(dir, "f"))
				return []string{"size", "f"}
			},
			want: "is not a regular file (a FIFO)",
		},
		{
			name: "index of a layout whose layer links to /dev/zero",
			setup: func(t *testing.T, dir string) []string {
				out, layer := seedLayout(t, dir, "img")
				os.Remove(layer)
				os.Symlink("/dev/zero", layer)
				return []string{"index", "--layout", "idx", out}
			},
			want: "is not a regular file (a character device)",
		},
		{
			name: "index of a layout whose layer is a FIFO",
			setup: func(t *testing.T, dir string) []string {
				out, layer := seedLayout(t, dir, "img")
				os.Remove(layer)
				mkfifo(t, layer)
				return []string{"index", "--layout", "idx", out}
			},
			want: "is not a regular file (a FIFO)",
		},
		{
			name: "index of a layout whose layer was tampered with",
			setup: func(t *testing.T, dir string) []string {
				out, layer := seedLayout(t, dir, "img")
				b, _ := os.ReadFile(layer)
				b[len(b)/2] ^= 1
				os.Chmod(layer, 0o644)
				os.WriteFile(layer, b, 0o644)
				return []string{"index", "--layout", "idx", "--tarball", "idx.tar", out}
			},
			want: "content does not match its digest",
		},
		{
			name: "size of a zstd layer that inflates to 10 GB (300 KiB)",
			setup: func(t *testing.T, dir string) []string {
				return []string{"size", layerLayout(t, dir, ocispec.MediaTypeImageLayerZstd, zstdBomb(t, 10_000_000_000))}
			},
			want:    "decompresses to more than 4294967296 bytes",
			timeout: time.Minute,
		},
		{
			name: "size of a gzip layer that inflates to 4.5 GiB",
			setup: func(t *testing.T, dir string) []string {
				return []string{"size", layerLayout(t, dir, ocispec.MediaTypeImageLayerGzip, gzipBomb(t, 72<<26))}
			},
			want:    "decompresses to more than 4294967296 bytes",
			timeout: 2 * time.Minute,
			big:     true,
		},
		{
			name: "push of a layout whose layer is a FIFO",
			setup: func(t *testing.T, dir string) []string {
				out, layer := seedLayout(t, dir, "img")
				os.Remove(layer)
				mkfifo(t, layer)
				return []string{"push", "--layout", out, "--repository", silentRegistry(t) + "/x"}
			},
			want: "is not a regular file (a FIFO)",
		},
		{
			name: "push of a layout whose layer links to /dev/zero",
			setup: func(t *testing.T, dir string) []string {
				out, layer := seedLayout(t, dir, "img")
				os.Remove(layer)
				os.Symlink("/dev/zero", layer)
				return []string{"push", "--layout", out, "--repository", silentRegistry(t) + "/x"}
			},
			want: "is not a regular file (a character device)",
		},
		{
			name: "push to a registry that accepts and never answers",
			setup: func(t *testing.T, dir string) []string {
				out, _ := seedLayout(t, dir, "img")
				return []string{"push", "--layout", out, "--repository", silentRegistry(t) + "/x", "--response-timeout", "1s", "--idle-timeout", "1s", "--retries", "0"}
			},
			want: "registry 127.0.0.1:",
			check: func(t *testing.T, dir string) {
				// (the message is checked in tools/push; here: it ended)
			},
		},
		{
			name:    "worker JSON request that never ends",
			setup:   func(t *testing.T, dir string) []string { return []string{"image", "--persistent_worker"} },
			stdin:   func() io.Reader { return &endlessJSON{} },
			want:    "request exceeds the 67108864 byte limit",
			timeout: time.Minute,
		},
	}
	cases = append(cases, elfHostileCases()...) // hostile_elf_linux_test.go
	cases = append(cases, asmHostileCases()...) // hostile_asm_linux_test.go
	runHostile(t, cases)
}

// checkSize runs tiny size on an output and checks its file content bytes.
func checkSize(t *testing.T, dir, out string, content int64) {
	t.Helper()
	var stdout bytes.Buffer
	r := startLimitedOut(t, dir, nil, &stdout, "size", "--json", out).wait(t, 2*time.Minute)
	if r.code != 0 {
		t.Fatalf("tiny size %s: %s", out, r.stderr)
	}
	if r.rss > defaultMaxRSS {
		t.Errorf("tiny size %s: peak RSS %d MiB", out, r.rss>>20)
	}
	var rep struct {
		ContentBytes int64 `json:"content_bytes"`
	}
	json.Unmarshal(stdout.Bytes(), &rep)
	if rep.ContentBytes != content {
		t.Errorf("tiny size %s: content %d bytes, want %d", out, rep.ContentBytes, content)
	}
}

// TestInterruptedImageLeavesNothingBehind: SIGTERM or SIGINT while a large
// image is being written ends the process by that signal, removes every
// temporary, and leaves the previous output as it was.
func TestInterruptedImageLeavesNothingBehind(t *testing.T) {
	if testing.Short() {
		t.Skip("large input; skipped with -short")
	}
	for _, sig := range []syscall.Signal{syscall.SIGTERM, syscall.SIGINT} {
		for _, outFlag := range []string{"--layout", "--tarball"} {
			t.Run(fmt.Sprintf("%v/%s", sig, outFlag), func(t *testing.T) {
				dir := t.TempDir()
				seedELF(t, dir, "hello")
				r := startLimited(t, dir, nil, "image", "--file", "hello:/hello", outFlag, "out").wait(t, 20*time.Second)
				if r.code != 0 {
					t.Fatal(r.stderr)
				}
				sparse(t, filepath.Join(dir, "big"), 2<<30)
				before := snapshot(t, dir)
				l := startLimited(t, dir, nil, "image", "--file", "hello:/hello", "--file", "big:/big", "--compression", "none", outFlag, "out")
				// Wait for a temporary to appear, then interrupt.
				deadline := time.Now().Add(30 * time.Second)
				for !hasTemporary(dir) && time.Now().Before(deadline) {
					time.Sleep(5 * time.Millisecond)
				}
				if !hasTemporary(dir) {
					l.cmd.Process.Kill()
					t.Fatal("no temporary appeared")
				}
				time.Sleep(50 * time.Millisecond)
				l.cmd.Process.Signal(sig)
				r = l.wait(t, 30*time.Second)
				if r.signal != sig {
					t.Errorf("exit %d, signal %v; want death by %v (stderr %s)", r.code, r.signal, sig, r.stderr)
				}
				checkNothingLost(t, dir, before, nil)
			})
		}
	}
}

func hasTemporary(dir string) bool {
	ents, _ := os.ReadDir(dir)
	for _, e := range ents {
		if strings.Contains(e.Name(), ".tmp") {
			return true
		}
	}
	return false
}

// TestLayerWithManyEntriesIsMeasuredInLinearTime: 200,000 entries.
func TestLayerWithManyEntriesIsMeasuredInLinearTime(t *testing.T) {
	dir := t.TempDir()
	var tb bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&tb, gzip.BestSpeed)
	w := bufio.NewWriter(zw)
	var entries []tarball.Entry
	for i := 0; i < 200000; i++ {
		entries = append(entries, tarball.Entry{Name: fmt.Sprintf("d%03d/f%06d", i%1000, i), Type: tarball.Regular, Mode: 0o644})
	}
	for i := 0; i < 1000; i++ {
		entries = append(entries, tarball.Entry{Name: fmt.Sprintf("d%03d", i), Type: tarball.Directory, Mode: 0o755})
	}
	if err := tarball.Write(w, entries, 0); err != nil {
		t.Fatal(err)
	}
	w.Flush()
	zw.Close()
	p := layerLayout(t, dir, ocispec.MediaTypeImageLayerGzip, tb.Bytes())
	r := startLimited(t, dir, nil, "size", p).wait(t, 30*time.Second)
	t.Logf("exit %d in %v, peak RSS %d MiB", r.code, r.took, r.rss>>20)
	if r.code != 0 || r.rss > 32<<20 {
		t.Errorf("exit %d, RSS %d MiB: %s", r.code, r.rss>>20, r.stderr)
	}
}
