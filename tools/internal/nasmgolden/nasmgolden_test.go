package nasmgolden

import (
	"bytes"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// Answers written and read back are the answers: statuses, texts with and
// without a final newline, stdout kept apart, files of every size, names
// with blanks.
func TestSetRoundTrips(t *testing.T) {
	recs := map[string]record{
		"nasm -f bin -o OUT a.asm":    {"0123456789abcdef", Answer{Output: "a.asm:1: warning: w [-w+x]\n", Files: map[string][]byte{Out: {0xb8, 1, 0, 0, 0, 0xcd, 0x80}}}},
		"\"a\\\\\\n\": nasm -E t.asm": {"fedcba9876543210", Answer{Stdout: "%line 1+1 t.asm\na\\\n\n", Files: map[string][]byte{}}},
		"refused":                     {"00", Answer{Status: 1, Output: "no newline", Files: map[string][]byte{}}},
		"empty file":                  {"11", Answer{Files: map[string][]byte{"my file.o": {}, Out: make([]byte, 33)}}},
		"=== tricky ":                 {"22", Answer{Output: "=== not a record\nfile 3 x\n", Files: map[string][]byte{}}},
		"big":                         {"44", Answer{Files: map[string][]byte{Out: bytes.Repeat([]byte("big object "), 10000), "small": {1}}}},
	}
	p := filepath.Join(t.TempDir(), "set.txt")
	if err := writeSet(p, "header", "NASM version 0", recs); err != nil {
		t.Fatal(err)
	}
	got, err := readSet(p)
	if err != nil {
		t.Fatal(err)
	}
	if text, _ := os.ReadFile(p); !bytes.Contains(text, []byte("\ngzip 110000 OUT\n")) || !bytes.Contains(text, []byte("\nfile 1 small\n00000000  01\n")) {
		t.Errorf("big files are not gzipped, or small ones are:\n%.2000s", text)
	}
	if !reflect.DeepEqual(got, recs) {
		t.Fatalf("read back:\n%+v\nwant\n%+v", got, recs)
	}
}

// A set larger than MaxShard is split at line ends into files that each
// stay under it, and reads back whole, even when one record is larger than
// a shard.
func TestLargeSetIsSharded(t *testing.T) {
	recs := map[string]record{}
	for i := 0; i < 40; i++ {
		recs[strings.Repeat("k", i+1)] = record{"33", Answer{Files: map[string][]byte{Out: make([]byte, 4000+i)}}}
	}
	recs["one big output"] = record{"55", Answer{Output: strings.Repeat("a line of -E output\n", 30000), Files: map[string][]byte{}}}
	p := filepath.Join(t.TempDir(), "big.txt")
	if err := writeSet(p, "h", "v", recs); err != nil {
		t.Fatal(err)
	}
	files := shards(p)
	if len(files) < 2 || files[0] != shardPath(p, 1) {
		t.Fatalf("shards %v", files)
	}
	for _, f := range files {
		if fi, err := os.Stat(f); err != nil || fi.Size() > MaxShard {
			t.Fatalf("%s: %v, %d bytes", f, err, fi.Size())
		}
	}
	got, err := readSet(p)
	if err != nil || !reflect.DeepEqual(got, recs) {
		t.Fatalf("read back %d records (%v), want %d", len(got), err, len(recs))
	}
	// Rewriting it small removes the shards.
	if err := writeSet(p, "h", "v", map[string]record{"one": recs["k"]}); err != nil {
		t.Fatal(err)
	}
	if files := shards(p); len(files) != 1 || files[0] != p {
		t.Fatalf("after a small rewrite: %v", files)
	}
}

// A damaged file is an error naming its line, never a silently different
// answer.
func TestDamagedSetIsRefused(t *testing.T) {
	good := "# h\n=== k\ninput 00\nstatus 0\noutput 0\nfile 3 OUT\n00000000  01 02 03\n"
	for name, text := range map[string]string{
		"no record":       "junk\n",
		"no status":       "=== k\ninput 00\noutput 0\n",
		"short output":    "=== k\ninput 00\nstatus 0\noutput 3\nx\n",
		"bad hex":         strings.Replace(good, "01 02 03", "01 0z 03", 1),
		"short file":      strings.Replace(good, "file 3", "file 4", 1),
		"wrong offset":    strings.Replace(good, "00000000", "00000010", 1),
		"duplicate":       good + "=== k\ninput 00\nstatus 0\noutput 0\n",
		"bad status":      strings.Replace(good, "status 0", "status x", 1),
		"long hex line":   "=== k\ninput 00\nstatus 0\noutput 0\nfile 17 OUT\n00000000  01 02 03 04 05 06 07 08 09 0a 0b 0c 0d 0e 0f 10 11\n",
		"negative length": strings.Replace(good, "file 3", "file -1", 1),
	} {
		if err := parseSet("t.txt", text, map[string]record{}); err == nil || !strings.HasPrefix(err.Error(), "t.txt:") {
			t.Errorf("%s: error %v, want one naming t.txt's line", name, err)
		}
	}
	if err := parseSet("t.txt", good, map[string]record{}); err != nil {
		t.Fatalf("the good file: %v", err)
	}
}

func TestFileNamesArePortable(t *testing.T) {
	for in, want := range map[string]string{
		"TestX":                   "TestX",
		"TestX/sub case":          "TestX.sub_case",
		"TestOpts/-f_elf64_j.asm": "TestOpts.-f_elf64_j.asm",
		"TestY/a:b*c":             "TestY.a_b_c",
	} {
		if got := fileName(in); got != want {
			t.Errorf("fileName(%q) = %q, want %q", in, got, want)
		}
	}
}
