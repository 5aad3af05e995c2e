package x86

import (
	"bufio"
	"bytes"
	"encoding/hex"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
)

func needNasm(t testing.TB) {
	t.Helper()
	if _, err := exec.LookPath("nasm"); err != nil {
		t.Skip("nasm (the encoding oracle) is not installed")
	}
}

type nasmLine struct {
	addr  int64
	bytes []byte
	err   string // nasm's error for the line, "" if it assembled
}

var (
	lstRe = regexp.MustCompile(`^\s*(\d+) ([0-9A-F]{8}) ([0-9A-F]+)(-?)`)
	errRe = regexp.MustCompile(`:(\d+): error: (.*)$`)
)

// nasmAssemble assembles lines (one instruction each) in the given mode and
// returns nasm's bytes and address per line. Lines nasm rejects are blanked
// and reported with nasm's message.
func nasmAssemble(t testing.TB, mode int, lines []string) []nasmLine {
	t.Helper()
	dir := t.TempDir()
	src := filepath.Join(dir, "t.asm")
	out := make([]nasmLine, len(lines))
	work := append([]string(nil), lines...)
	for iter := 0; ; iter++ {
		text := fmt.Sprintf("BITS %d\n%s\n", mode, strings.Join(work, "\n"))
		if err := os.WriteFile(src, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command("nasm", "-f", "bin", "-w-all", "-l", filepath.Join(dir, "t.lst"), "-o", filepath.Join(dir, "t.bin"), src)
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		runErr := cmd.Run()
		bad := 0
		for _, l := range strings.Split(stderr.String(), "\n") {
			if m := errRe.FindStringSubmatch(l); m != nil {
				n, _ := strconv.Atoi(m[1])
				if i := n - 2; i >= 0 && i < len(work) && work[i] != "" {
					out[i].err = m[2]
					work[i] = ""
					bad++
				}
			}
		}
		if runErr == nil {
			break
		}
		if bad == 0 || iter > 5 {
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
		i := n - 2
		if i < 0 || i >= len(out) {
			continue
		}
		addr, _ := strconv.ParseInt(m[2], 16, 64)
		b, _ := hex.DecodeString(m[3])
		if out[i].bytes == nil {
			out[i].addr = addr
		}
		out[i].bytes = append(out[i].bytes, b...)
	}
	return out
}

type diffResult struct {
	ok, okErr, total int
	sameMsg          int
	msgDiffs         map[string]int
	fails            []string
}

// compareWithNasm encodes every line and compares with nasm's bytes, or
// checks that Encode errors where nasm does.
func compareWithNasm(t testing.TB, mode int, lines []string) diffResult {
	t.Helper()
	ref := nasmAssemble(t, mode, lines)
	var r diffResult
	for i, l := range lines {
		r.total++
		want := ref[i]
		inst, perr := parseTestLine(mode, l, Value{Off: want.addr, Known: true})
		var got *Encoding
		var err error
		if perr != nil {
			err = perr
		} else {
			got, err = Encode(inst)
		}
		switch {
		case want.err != "" && err != nil:
			r.okErr++
			if err.Error() == want.err {
				r.sameMsg++
			} else {
				if r.msgDiffs == nil {
					r.msgDiffs = map[string]int{}
				}
				r.msgDiffs[fmt.Sprintf("nasm %q, we %q (%s)", want.err, err.Error(), l)]++
				r.fails = append(r.fails, fmt.Sprintf("BITS %d %-40q nasm error %q, we %q", mode, l, want.err, err.Error()))
			}
		case want.err != "":
			r.fails = append(r.fails, fmt.Sprintf("BITS %d %-40q nasm error %q, we gave % X", mode, l, want.err, got.Bytes))
		case err != nil:
			r.fails = append(r.fails, fmt.Sprintf("BITS %d %-40q nasm % X, we: %v", mode, l, want.bytes, err))
		case !bytes.Equal(got.Bytes, want.bytes) || len(got.Fixups) != 0:
			r.fails = append(r.fails, fmt.Sprintf("BITS %d %-40q nasm % X, we % X %v", mode, l, want.bytes, got.Bytes, got.Fixups))
		default:
			r.ok++
		}
	}
	return r
}

func reportDiff(t *testing.T, name string, r diffResult) {
	t.Helper()
	t.Logf("%s: %d lines: %d same bytes as nasm, %d rejected by both (%d with nasm's message)", name, r.total, r.ok, r.okErr, r.sameMsg)
	if os.Getenv("X86_MSG_DIFFS") != "" {
		for m, n := range r.msgDiffs {
			t.Logf("  %5d x %s", n, m)
		}
	}
	for i, f := range r.fails {
		if i >= 60 && os.Getenv("X86_ALL_FAILS") == "" {
			t.Errorf("... and %d more", len(r.fails)-i)
			break
		}
		t.Error(f)
	}
}
