package x86

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

// nasm is the encoding oracle, but the tests do not need it installed: its
// answers (bytes, or its error message) are kept in testdata/nasm beside the
// inputs, one file per set and mode, as Go keeps amd64enc.s beside
// cmd/internal/obj/x86. `go test ./tools/x86 -update` asks the installed
// nasm again and rewrites the files; a new nasm shows up as a diff.
var update = flag.Bool("update", false, "ask the installed nasm again and rewrite testdata/nasm")

func needNasm(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("nasm"); err != nil {
		t.Fatal("-update needs nasm (the encoding oracle) on PATH")
	}
}

// nasmVersion is the first line of `nasm -v`, recorded in every golden file.
func nasmVersion(t testing.TB) string {
	out, err := exec.Command("nasm", "-v").Output()
	if err != nil {
		t.Fatalf("nasm -v: %v", err)
	}
	v, _, _ := strings.Cut(string(out), "\n")
	v, _, _ = strings.Cut(v, " compiled")
	return strings.TrimSpace(v)
}

// nasmCrash starts the answer of a line nasm crashed on.
const nasmCrash = "nasm crashes: "

type nasmLine struct {
	bytes []byte
	err   string // nasm's error for the line, "" if it assembled
}

func (n nasmLine) String() string {
	if strings.HasPrefix(n.err, nasmCrash) {
		return n.err
	}
	if n.err != "" {
		return "error: " + n.err
	}
	if len(n.bytes) == 0 {
		return "no code"
	}
	return hexBytes(n.bytes)
}

var (
	lstRe   = regexp.MustCompile(`^\s*(\d+) ([0-9A-F]{8}) ([0-9A-F]+)(-?)`)
	errRe   = regexp.MustCompile(`:(\d+): error: (.*)$`)
	panicRe = regexp.MustCompile(`^panic: .*:(\d+): (.*)$`)
)

// nasmAssemble assembles lines (one instruction each) in the given mode and
// returns nasm's bytes per line. Lines nasm rejects are blanked and reported
// with nasm's message. The lines' encodings never depend on their address
// (branch targets are written relative to `$`).
func nasmAssemble(t testing.TB, mode int, lines []string) []nasmLine {
	return nasmAssembleAfter(t, mode, "", lines)
}

// nasmAssembleAfter is nasmAssemble with a directive line (`cpu 386`)
// before the instructions.
func nasmAssembleAfter(t testing.TB, mode int, directive string, lines []string) []nasmLine {
	t.Helper()
	needNasm(t)
	head := fmt.Sprintf("BITS %d\n", mode)
	if directive != "" {
		head += directive + "\n"
	}
	first := strings.Count(head, "\n") + 1 // the source line of lines[0]
	dir := t.TempDir()
	src := filepath.Join(dir, "t.asm")
	out := make([]nasmLine, len(lines))
	work := append([]string(nil), lines...)
	for iter := 0; ; iter++ {
		text := head + strings.Join(work, "\n") + "\n"
		if err := os.WriteFile(src, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("nasm", "-f", "bin", "-w-all", "-l", filepath.Join(dir, "t.lst"), "-o", filepath.Join(dir, "t.bin"), src)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		runErr := cmd.Run()
		bad := 0
		for _, l := range strings.Split(stderr.String(), "\n") {
			if m := panicRe.FindStringSubmatch(l); m != nil {
				// nasm crashed on this line (nasm 2.16.01 does on a few
				// odd forms): it has no answer to compare with.
				n, _ := strconv.Atoi(m[1])
				if i := n - first; i >= 0 && i < len(work) && work[i] != "" {
					out[i].err = nasmCrash + m[2]
					work[i] = ""
					bad++
				}
				continue
			}
			if m := errRe.FindStringSubmatch(l); m != nil {
				n, _ := strconv.Atoi(m[1])
				if i := n - first; i >= 0 && i < len(work) && work[i] != "" {
					out[i].err = m[2]
					work[i] = ""
					bad++
				}
			}
		}
		if runErr == nil {
			break
		}
		if bad == 0 || iter > 100 {
			t.Fatalf("nasm failed: %v\n%s", runErr, stderr.String())
		}
	}
	f, err := os.Open(filepath.Join(dir, "t.lst"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		m := lstRe.FindStringSubmatch(sc.Text())
		if m == nil {
			continue
		}
		n, _ := strconv.Atoi(m[1])
		i := n - first
		if i < 0 || i >= len(out) {
			continue
		}
		b, _ := hex.DecodeString(m[3])
		out[i].bytes = append(out[i].bytes, b...)
	}
	return out
}

// goldenPath is where the answers of one set of lines are kept. A set too
// large for one file (the repository keeps every file under 512 KiB) is
// split into name-1.txt, name-2.txt, ... at line boundaries.
func goldenPath(name string) string {
	return filepath.Join("testdata", "nasm", name+".txt")
}

// maxGoldenShard is the most bytes one golden file holds.
const maxGoldenShard = 384 << 10

// goldenFiles lists the files that hold a set's answers, in order.
func goldenFiles(name string) []string {
	if _, err := os.Stat(goldenPath(name)); err == nil {
		return []string{goldenPath(name)}
	}
	var files []string
	for i := 1; ; i++ {
		p := filepath.Join("testdata", "nasm", fmt.Sprintf("%s-%d.txt", name, i))
		if _, err := os.Stat(p); err != nil {
			return files
		}
		files = append(files, p)
	}
}

// readGolden reads a golden set: after each file's comment header, one line
// per input, the input and the answer separated by a tab.
func readGolden(t testing.TB, name string) map[string]string {
	t.Helper()
	files := goldenFiles(name)
	if len(files) == 0 {
		t.Fatalf("%s: no golden file (run go test ./tools/x86 -update with nasm installed)", goldenPath(name))
	}
	m := map[string]string{}
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for n, l := range strings.Split(string(data), "\n") {
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			in, ans, ok := strings.Cut(l, "\t")
			if !ok {
				t.Fatalf("%s:%d: no tab between input and answer", p, n+1)
			}
			m[in] = ans
		}
	}
	return m
}

// writeGolden writes the answers in the order of the inputs, in as many
// files as maxGoldenShard needs, replacing the set's old files.
func writeGolden(t testing.TB, name, header string, lines, answers []string) {
	t.Helper()
	head := fmt.Sprintf("# %s\n# Answers of %s; regenerate with: go test ./tools/x86 -update\n", header, nasmVersion(t))
	var shards []string
	var b strings.Builder
	for i, l := range lines {
		if strings.ContainsAny(l, "\t\n") {
			t.Fatalf("input %q has a tab or newline", l)
		}
		row := l + "\t" + answers[i] + "\n"
		if b.Len() > 0 && b.Len()+len(row) > maxGoldenShard {
			shards = append(shards, b.String())
			b.Reset()
		}
		if b.Len() == 0 {
			b.WriteString(head)
		}
		b.WriteString(row)
	}
	if b.Len() > 0 || len(shards) == 0 {
		if b.Len() == 0 {
			b.WriteString(head)
		}
		shards = append(shards, b.String())
	}
	for _, p := range goldenFiles(name) {
		if err := os.Remove(p); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.MkdirAll(filepath.Dir(goldenPath(name)), 0o755); err != nil {
		t.Fatal(err)
	}
	for i, data := range shards {
		p := goldenPath(name)
		if len(shards) > 1 {
			p = filepath.Join("testdata", "nasm", fmt.Sprintf("%s-%d.txt", name, i+1))
		}
		if err := os.WriteFile(p, []byte(data), 0o644); err != nil {
			t.Fatal(err)
		}
	}
}

// goldenAnswers returns nasm's answer for every line: asked of nasm and
// written to the golden file under -update, read from the file otherwise.
// A line without a recorded answer, or a recorded line no longer asked,
// means the file is stale.
func goldenAnswers(t testing.TB, name string, lines []string, ask func([]string) []string, header string) []string {
	t.Helper()
	if *update {
		ans := ask(lines)
		writeGolden(t, name, header, lines, ans)
		return ans
	}
	m := readGolden(t, name)
	out := make([]string, len(lines))
	var missing []string
	asked := map[string]bool{}
	for i, l := range lines {
		a, ok := m[l]
		if !ok {
			missing = append(missing, l)
		}
		out[i] = a
		asked[l] = true
	}
	stale := 0
	for l := range m {
		if !asked[l] {
			stale++
		}
	}
	if len(missing) > 0 || stale > 0 {
		first := ""
		if len(missing) > 0 {
			first = fmt.Sprintf(" (first: %q)", missing[0])
		}
		t.Fatalf("%s is stale: %d inputs have no answer%s, %d answers are for inputs no longer tested; run go test ./tools/x86 -update with nasm installed",
			goldenPath(name), len(missing), first, stale)
	}
	return out
}

// nasmAnswers is goldenAnswers for instruction lines assembled by nasm -f bin.
func nasmAnswers(t testing.TB, name string, mode int, lines []string) []string {
	t.Helper()
	return goldenAnswers(t, name, lines, func(lines []string) []string {
		ref := nasmAssemble(t, mode, lines)
		out := make([]string, len(ref))
		for i, r := range ref {
			out[i] = r.String()
		}
		return out
	}, fmt.Sprintf("nasm -f bin, BITS %d: bytes of each line, or nasm's error.", mode))
}

type diffResult struct {
	ok, okErr, total int
	crashes          int      // lines nasm crashes on: no answer to compare with
	file             string   // the golden file
	diff             []string // pairs of -golden / +ours lines
}

// encodeAnswer encodes one line at address 0 and writes the result the way
// the golden files write nasm's.
func encodeAnswer(mode int, line string) string {
	inst, err := parseTestLine(mode, line, Value{Known: true})
	if err != nil {
		return "error: " + err.Error()
	}
	enc, err := Encode(inst)
	if err != nil {
		return "error: " + err.Error()
	}
	if len(enc.Fixups) != 0 {
		return hexBytes(enc.Bytes) + fmt.Sprintf(" fixups %+v", enc.Fixups)
	}
	return hexBytes(enc.Bytes)
}

// compareWithNasm encodes every line and compares the result with nasm's
// answer in testdata/nasm/<name>.txt: the same bytes, or the same error.
func compareWithNasm(t testing.TB, name string, mode int, lines []string) diffResult {
	t.Helper()
	want := nasmAnswers(t, name, mode, lines)
	r := diffResult{file: goldenPath(name)}
	for i, l := range lines {
		r.total++
		got := encodeAnswer(mode, l)
		switch {
		case strings.HasPrefix(want[i], nasmCrash):
			r.crashes++
		case got == want[i] && strings.HasPrefix(got, "error: "):
			r.okErr++
		case got == want[i]:
			r.ok++
		default:
			r.diff = append(r.diff, "-"+l+"\t"+want[i], "+"+l+"\t"+got)
		}
	}
	return r
}

// reportDiff prints the lines where the encoder and nasm disagree as a diff
// against the golden file (- nasm, + ours).
func reportDiff(t *testing.T, name string, r diffResult) {
	t.Helper()
	t.Logf("%s: %d lines: %d same bytes as nasm, %d rejected by both with nasm's message, %d nasm crashes on", name, r.total, r.ok, r.okErr, r.crashes)
	if len(r.diff) == 0 {
		return
	}
	d := r.diff
	more := 0
	if len(d) > 120 && os.Getenv("X86_ALL_FAILS") == "" {
		more = (len(d) - 120) / 2
		d = d[:120]
	}
	msg := fmt.Sprintf("%s: %d lines differ from nasm's answers (- nasm, + Encode):\n%s", r.file, len(r.diff)/2, strings.Join(d, "\n"))
	if more > 0 {
		msg += fmt.Sprintf("\n... and %d more (X86_ALL_FAILS=1 shows all)", more)
	}
	t.Error(msg)
}
