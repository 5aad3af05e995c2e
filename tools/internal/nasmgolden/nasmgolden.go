// Package nasmgolden keeps nasm's answers beside the tests that compare
// with them, as Go keeps amd64enc.s beside cmd/internal/obj/x86: the tests
// run on a machine without nasm, and a new nasm shows up as a diff of the
// checked-in files. `go test ./PKG -update` runs the installed nasm again
// and rewrites the answers of the tests that ran; without -update nothing
// here starts nasm.
//
// An answer is everything a test may compare with: nasm's exit status, what
// it printed (warnings, errors, -E output) and the files it wrote, kept as a
// hex dump so that a change reads as a diff. Answers are grouped in text
// files (one per test, or one per corpus case); each records a hash of the
// input it was asked about, so an input edited after the last -update is
// reported, not silently compared with an old answer.
package nasmgolden

import (
	"bytes"
	"compress/gzip"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
)

// update is the package-wide -update flag: every test binary that links
// this package has it, and a test package's other golden files (gazelle's
// BUILD.out, x86's encoding tables) are rewritten by the same flag.
var update = flag.Bool("update", false, "run the installed oracles (nasm) again and rewrite the golden answers")

// Updating tells whether the tests run with -update.
func Updating() bool { return *update }

// UpdateFlag returns the -update flag itself, for test packages that keep
// golden files of their own.
func UpdateFlag() *bool { return update }

// Answer is what nasm said to one command.
type Answer struct {
	Status int               // exit status: 0, or nasm's failure status
	Output string            // what nasm printed (Run: stdout and stderr as interleaved)
	Stdout string            // for callers that keep the two apart: stdout, Output being stderr
	Files  map[string][]byte // files nasm wrote, by the name the caller gave them
}

// File returns the file nasm wrote under name, failing the test if it
// wrote none.
func (a Answer) File(t testing.TB, name string) []byte {
	t.Helper()
	b, ok := a.Files[name]
	if !ok {
		t.Fatalf("nasm wrote no %s (status %d):\n%s", name, a.Status, a.Output)
	}
	return b
}

// OK tells whether nasm succeeded.
func (a Answer) OK() bool { return a.Status == 0 }

// Out is the placeholder for nasm's output file in Run's arguments.
const Out = "OUT"

// Run runs nasm on the files of dir (input names are relative to it, so
// nasm's messages name no host path) with args, in which Out stands for
// the output file; its content is Files[Out]. extra lists other files nasm
// writes relative to dir (a [map] file); they are read into Files. dir
// itself is left as it was. Run is for -update only: a test that gets here
// without it fails, so no test depends on the installed nasm by accident.
func Run(t testing.TB, dir string, args []string, extra ...string) Answer {
	t.Helper()
	// nasm records its working directory (DWARF's comp_dir): it runs on a
	// copy of dir at a path that depends on the test's name alone, so
	// that answers do not change from one -update to the next.
	work := filepath.Join("/tmp", fmt.Sprintf("nasmgolden-%d", os.Getuid()), fileName(t.Name()))
	if err := os.RemoveAll(work); err != nil {
		t.Fatal(err)
	}
	if err := os.CopyFS(work, os.DirFS(dir)); err != nil {
		t.Fatalf("copying %s to run nasm in: %v", dir, err)
	}
	defer os.RemoveAll(work)
	// Never /dev/null: nasm running as root deletes its output on error.
	const out = "nasmgolden.out"
	argv := make([]string, len(args))
	for i, a := range args {
		argv[i] = strings.ReplaceAll(a, Out, out)
	}
	cmd := Command(t, work, argv...)
	msgs, err := cmd.CombinedOutput()
	a := Answer{Output: strings.ReplaceAll(string(msgs), out, Out), Files: map[string][]byte{}}
	a.Status = ExitStatus(t, err)
	if b, err := os.ReadFile(filepath.Join(work, out)); err == nil {
		a.Files[Out] = b
	}
	for _, name := range extra {
		if b, err := os.ReadFile(filepath.Join(work, name)); err == nil {
			a.Files[name] = b
		}
	}
	return a
}

// Command is the installed nasm with args, to run in dir, for callers
// that need more than Run (an environment, stdout apart from stderr).
// Like Run, it fails the test without -update.
func Command(t testing.TB, dir string, args ...string) *exec.Cmd {
	t.Helper()
	if !*update {
		t.Fatal("nasm started without -update: tests must read nasm's answers from their golden files")
	}
	nasm, err := exec.LookPath("nasm")
	if err != nil {
		t.Fatal("-update needs nasm (the oracle) on PATH")
	}
	cmd := exec.Command(nasm, args...)
	cmd.Args[0] = "nasm" // nasm names itself in messages: no host path
	cmd.Dir = dir
	return cmd
}

// ExitStatus is the status an exec error stands for: 0 for none, the
// exit code of an *exec.ExitError, and the test fails on any other error
// (nasm could not be started).
func ExitStatus(t testing.TB, err error) int {
	t.Helper()
	var ee *exec.ExitError
	switch {
	case err == nil:
		return 0
	case errors.As(err, &ee):
		return ee.ExitCode()
	}
	t.Fatalf("nasm: %v", err)
	return -1
}

// Version is the first line of `nasm -v`, recorded in every golden file.
func Version(t testing.TB) string {
	out, err := exec.Command("nasm", "-v").Output()
	if err != nil {
		t.Fatalf("nasm -v: %v", err)
	}
	v, _, _ := strings.Cut(string(out), "\n")
	v, _, _ = strings.Cut(v, " compiled")
	return strings.TrimSpace(v)
}

// Set is one golden file: the answers of one test, keyed by what was asked.
type Set struct {
	path    string
	header  string
	mu      sync.Mutex
	stored  map[string]record // read from the file
	asked   map[string]record // asked during this run
	loadErr error
}

type record struct {
	input string // hash of the input the answer is for
	ans   Answer
}

// Open returns the golden set kept in path. Under -update the file is
// rewritten, when t ends, with exactly the answers asked during t;
// otherwise the answers are read from it, and when t ends having passed,
// answers no longer asked are reported as stale (so a removed case does
// not leave its answer behind). header says in a few words what the
// answers are.
func Open(t testing.TB, path, header string) *Set {
	t.Helper()
	s := &Set{path: path, header: header, asked: map[string]record{}}
	if !*update {
		s.stored, s.loadErr = readSet(path)
	}
	t.Cleanup(func() { s.close(t) })
	return s
}

var (
	perTestMu sync.Mutex
	perTest   = map[testing.TB]*Set{}
)

// ForTest is the set of the test t, in testdata/nasm/<test name>.txt.
// Helpers shared by several tests (linktest.Nasm) keep their answers
// there: one file per test, so -update on one test rewrites only its file.
func ForTest(t testing.TB) *Set {
	t.Helper()
	perTestMu.Lock()
	defer perTestMu.Unlock()
	if s, ok := perTest[t]; ok {
		return s
	}
	s := Open(t, filepath.Join("testdata", "nasm", fileName(t.Name())+".txt"), "nasm's answers for "+t.Name())
	perTest[t] = s
	t.Cleanup(func() {
		perTestMu.Lock()
		delete(perTest, t)
		perTestMu.Unlock()
	})
	return s
}

// fileName makes a test name a portable file name: subtests' slashes
// become dots, anything outside [A-Za-z0-9._-] an underscore.
func fileName(name string) string {
	b := []byte(name)
	for i, c := range b {
		switch {
		case c == '/':
			b[i] = '.'
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9', c == '.', c == '_', c == '-':
		default:
			b[i] = '_'
		}
	}
	return string(b)
}

// Hash is the short content hash recorded beside an answer.
func Hash(parts ...[]byte) string {
	h := sha256.New()
	for _, p := range parts {
		fmt.Fprintf(h, "%d:", len(p))
		h.Write(p)
	}
	return hex.EncodeToString(h.Sum(nil))[:16]
}

// Answer returns nasm's answer to key (a readable description of the
// command, unique in the set) for the given input (the bytes nasm read:
// a change to them makes the recorded answer stale). Under -update ask
// runs nasm (usually through Run); otherwise the answer comes from the
// file, and a missing or stale one fails the test with the command that
// regenerates it.
func (s *Set) Answer(t testing.TB, key string, input []byte, ask func() Answer) Answer {
	t.Helper()
	if strings.ContainsAny(key, "\n") {
		t.Fatalf("golden key %q has a newline", key)
	}
	h := Hash(input)
	if *update {
		s.mu.Lock()
		prev, dup := s.asked[key]
		s.mu.Unlock()
		if dup && prev.input != h {
			t.Fatalf("%s: %q asked twice, about different inputs: the key must tell them apart", s.path, key)
		}
		a := ask()
		s.mu.Lock()
		s.asked[key] = record{h, a}
		s.mu.Unlock()
		return a
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.loadErr != nil {
		if errors.Is(s.loadErr, os.ErrNotExist) {
			t.Fatalf("%s: no golden file for this test: run %s with nasm installed", s.path, regenerate())
		}
		t.Fatalf("%v", s.loadErr)
	}
	r, ok := s.stored[key]
	if !ok {
		t.Fatalf("%s has no answer for %q: run %s with nasm installed", s.path, key, regenerate())
	}
	if r.input != h {
		t.Fatalf("%s: the answer for %q was for another input (hash %s, now %s): run %s with nasm installed", s.path, key, r.input, h, regenerate())
	}
	s.asked[key] = r
	return r.ans
}

func (s *Set) close(t testing.TB) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if *update {
		if t.Failed() && len(s.asked) == 0 {
			return
		}
		if err := writeSet(s.path, s.header, Version(t), s.asked); err != nil {
			t.Error(err)
		}
		return
	}
	if t.Failed() || t.Skipped() || testing.Short() || s.loadErr != nil {
		return
	}
	var stale []string
	for k := range s.stored {
		if _, ok := s.asked[k]; !ok {
			stale = append(stale, k)
		}
	}
	if len(stale) > 0 {
		sort.Strings(stale)
		t.Errorf("%s: %d answers are for commands no longer asked (first: %q): run %s", s.path, len(stale), stale[0], regenerate())
	}
}

// startDir is the test binary's starting directory: its package's.
var startDir, _ = os.Getwd()

// regenerate is the command that rewrites the running package's answers.
func regenerate() string {
	pkg := "."
	if wd := startDir; wd != "" {
		for d := wd; ; d = filepath.Dir(d) {
			if _, err := os.Stat(filepath.Join(d, "go.mod")); err == nil {
				if rel, err := filepath.Rel(d, wd); err == nil {
					pkg = "./" + filepath.ToSlash(rel)
				}
				break
			}
			if filepath.Dir(d) == d {
				break
			}
		}
	}
	return "go test " + pkg + " -update"
}

// MaxShard is the most bytes one golden file holds; a larger set is split
// at line ends into NAME-1.txt, NAME-2.txt... (the repository keeps every
// file under 512 KiB).
const MaxShard = 384 << 10

// shardPath is the path of shard i (from 1) of a set kept in path.
func shardPath(path string, i int) string {
	ext := filepath.Ext(path)
	return fmt.Sprintf("%s-%d%s", strings.TrimSuffix(path, ext), i, ext)
}

// shards lists the files holding a set, in order.
func shards(path string) []string {
	if _, err := os.Stat(path); err == nil {
		return []string{path}
	}
	var out []string
	for i := 1; ; i++ {
		p := shardPath(path, i)
		if _, err := os.Stat(p); err != nil {
			return out
		}
		out = append(out, p)
	}
}

// The file format, line by line:
//
//	# comment (the header, nasm's version)
//	=== KEY
//	input HASH
//	status N
//	output N [noeol]     then N lines of what nasm printed
//	stdout N [noeol]     (if kept apart) then N lines of its stdout
//	file SIZE NAME       then the bytes, 16 a line: "OFFSET  xx xx ..."
//	gzip SIZE NAME       (files over maxHexDump) then base64 lines of the gzipped bytes
func writeSet(path, header, version string, recs map[string]record) error {
	keys := make([]string, 0, len(recs))
	for k := range recs {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n# Answers of %s; regenerate with: %s\n", header, version, regenerate())
	for _, k := range keys {
		b.WriteString(formatRecord(k, recs[k]))
	}
	// Shards are cut at line ends; the reader joins them before parsing.
	var files []string
	text := b.String()
	for len(text) > MaxShard {
		cut := strings.LastIndexByte(text[:MaxShard], '\n') + 1
		if cut == 0 {
			return fmt.Errorf("%s: a line longer than %d bytes", path, MaxShard)
		}
		files = append(files, text[:cut])
		text = text[cut:]
	}
	files = append(files, text)
	for _, p := range shards(path) {
		if err := os.Remove(p); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	for i, data := range files {
		p := path
		if len(files) > 1 {
			p = shardPath(path, i+1)
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			return err
		}
	}
	return nil
}

func formatRecord(key string, r record) string {
	var b strings.Builder
	fmt.Fprintf(&b, "=== %s\ninput %s\nstatus %d\n", key, r.input, r.ans.Status)
	writeText(&b, "output", r.ans.Output)
	if r.ans.Stdout != "" {
		writeText(&b, "stdout", r.ans.Stdout)
	}
	names := make([]string, 0, len(r.ans.Files))
	for n := range r.ans.Files {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, n := range names {
		data := r.ans.Files[n]
		if len(data) > maxHexDump {
			writeCompressed(&b, n, data)
			continue
		}
		fmt.Fprintf(&b, "file %d %s\n", len(data), n)
		for off := 0; off < len(data); off += 16 {
			end := min(off+16, len(data))
			fmt.Fprintf(&b, "%08x ", off)
			for _, c := range data[off:end] {
				fmt.Fprintf(&b, " %02x", c)
			}
			b.WriteByte('\n')
		}
	}
	return b.String()
}

// maxHexDump is the largest file kept as a hex dump (3.4 bytes of text a
// byte); a larger one (an object with 70,000 sections) is kept gzipped, in
// base64 lines: not readable as a diff, but not megabytes of text either.
const maxHexDump = 64 << 10

// writeCompressed writes a file as "gzip SIZE NAME" and base64 lines of
// its gzipped bytes.
func writeCompressed(b *strings.Builder, name string, data []byte) {
	var z bytes.Buffer
	w, _ := gzip.NewWriterLevel(&z, gzip.BestCompression)
	w.Write(data)
	w.Close()
	enc := base64.StdEncoding.EncodeToString(z.Bytes())
	fmt.Fprintf(b, "gzip %d %s\n", len(data), name)
	for len(enc) > 76 {
		b.WriteString(enc[:76] + "\n")
		enc = enc[76:]
	}
	b.WriteString(enc + "\n")
}

// readCompressed reads the base64 lines of a gzip block, from lines[i],
// into the file's bytes; it returns the index after the block.
func readCompressed(lines []string, i, size int) ([]byte, int, error) {
	var enc strings.Builder
	for i < len(lines) && lines[i] != "" && !strings.HasPrefix(lines[i], "=== ") && !strings.HasPrefix(lines[i], "file ") && !strings.HasPrefix(lines[i], "gzip ") {
		enc.WriteString(lines[i])
		i++
	}
	z, err := base64.StdEncoding.DecodeString(enc.String())
	if err != nil {
		return nil, i, err
	}
	r, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, i, err
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(size)+1))
	if err != nil {
		return nil, i, err
	}
	if len(data) != size {
		return nil, i, fmt.Errorf("%d bytes, header says %d", len(data), size)
	}
	return data, i, nil
}

// writeText writes a text block: its name, its line count and the lines.
func writeText(b *strings.Builder, name, text string) {
	noeol := ""
	if text != "" && !strings.HasSuffix(text, "\n") {
		text += "\n"
		noeol = " noeol"
	}
	fmt.Fprintf(b, "%s %d%s\n%s", name, strings.Count(text, "\n"), noeol, text)
}

// readSet reads a set's records from its file or shards.
func readSet(path string) (map[string]record, error) {
	files := shards(path)
	if len(files) == 0 {
		return nil, fmt.Errorf("%s: %w", path, os.ErrNotExist)
	}
	var text strings.Builder
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			return nil, err
		}
		text.Write(data)
	}
	name := files[0]
	if len(files) > 1 {
		name = fmt.Sprintf("%s (%d shards joined)", path, len(files))
	}
	recs := map[string]record{}
	if err := parseSet(name, text.String(), recs); err != nil {
		return nil, err
	}
	return recs, nil
}

func parseSet(path, text string, recs map[string]record) error {
	lines := strings.Split(text, "\n")
	i := 0
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%s:%d: %s", path, i+1, fmt.Sprintf(format, args...))
	}
	next := func() (string, bool) {
		if i >= len(lines) {
			return "", false
		}
		l := lines[i]
		i++
		return l, true
	}
	field := func(name string) (string, error) {
		l, ok := next()
		v, found := strings.CutPrefix(l, name+" ")
		if !ok || !found {
			i--
			return "", bad("want %q", name)
		}
		return v, nil
	}
	for i < len(lines) {
		l := lines[i]
		if l == "" || strings.HasPrefix(l, "#") {
			i++
			continue
		}
		key, ok := strings.CutPrefix(l, "=== ")
		if !ok {
			return bad("want a record (=== KEY)")
		}
		i++
		var r record
		var err error
		if r.input, err = field("input"); err != nil {
			return err
		}
		st, err := field("status")
		if err != nil {
			return err
		}
		if r.ans.Status, err = strconv.Atoi(st); err != nil {
			return bad("status %q", st)
		}
		text := func(name string) (string, error) {
			o, err := field(name)
			if err != nil {
				return "", err
			}
			ns, noeol := strings.CutSuffix(o, " noeol")
			n, err := strconv.Atoi(ns)
			if err != nil || n < 0 || i+n > len(lines) {
				return "", bad("%s count %q", name, o)
			}
			s := ""
			if n > 0 {
				s = strings.Join(lines[i:i+n], "\n")
				if !noeol {
					s += "\n"
				}
			}
			i += n
			return s, nil
		}
		if r.ans.Output, err = text("output"); err != nil {
			return err
		}
		if i < len(lines) && strings.HasPrefix(lines[i], "stdout ") {
			if r.ans.Stdout, err = text("stdout"); err != nil {
				return err
			}
		}
		r.ans.Files = map[string][]byte{}
		for i < len(lines) && (strings.HasPrefix(lines[i], "file ") || strings.HasPrefix(lines[i], "gzip ")) {
			if strings.HasPrefix(lines[i], "gzip ") {
				f := strings.SplitN(lines[i], " ", 3)
				size, err := strconv.Atoi(f[1])
				if len(f) != 3 || err != nil || size < 0 {
					return bad("want: gzip SIZE NAME")
				}
				i++
				data, next, err := readCompressed(lines, i, size)
				if err != nil {
					return bad("gzip %s: %v", f[2], err)
				}
				i = next
				r.ans.Files[f[2]] = data
				continue
			}
			f := strings.SplitN(lines[i], " ", 3)
			if len(f) != 3 {
				return bad("want: file SIZE NAME")
			}
			size, err := strconv.Atoi(f[1])
			if err != nil || size < 0 {
				return bad("file size %q", f[1])
			}
			f[1] = f[2] // the name, for the messages below
			i++
			var data bytes.Buffer
			for data.Len() < size {
				l, ok := next()
				if !ok {
					return bad("file %s ends early", f[1])
				}
				off, hexes, ok := strings.Cut(l, "  ")
				if o, err := strconv.ParseUint(off, 16, 64); !ok || err != nil || int(o) != data.Len() {
					i--
					return bad("want the bytes at offset %#x", data.Len())
				}
				b, err := hex.DecodeString(strings.ReplaceAll(hexes, " ", ""))
				if err != nil || len(b) == 0 || len(b) > 16 {
					i--
					return bad("bad hex line")
				}
				data.Write(b)
			}
			if data.Len() != size {
				return bad("file %s has %d bytes, header says %d", f[1], data.Len(), size)
			}
			r.ans.Files[f[1]] = append([]byte{}, data.Bytes()...)
		}
		if _, dup := recs[key]; dup {
			return bad("second record for %q", key)
		}
		recs[key] = r
	}
	return nil
}
