package tinylang

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
)

// nasmDeps is nasm's answer to `nasm ARGS` run in dir, its stdout (the
// -M list) apart from its messages, kept in the golden set under
// prefix + the command.
func nasmDeps(t *testing.T, golden *nasmgolden.Set, prefix, dir string, input []byte, args ...string) nasmgolden.Answer {
	t.Helper()
	return golden.Answer(t, prefix+"nasm "+strings.Join(args, " "), input, func() nasmgolden.Answer {
		cmd := nasmgolden.Command(t, dir, args...)
		var stdout, stderr bytes.Buffer
		cmd.Stdout, cmd.Stderr = &stdout, &stderr
		status := nasmgolden.ExitStatus(t, cmd.Run())
		return nasmgolden.Answer{Status: status, Output: stderr.String(), Stdout: stdout.String()}
	})
}

func TestScanRecognises(t *testing.T) {
	tests := []struct {
		name string
		src  string
		want SourceInfo
	}{
		{"include forms", "%include \"a.inc\"\n%INCLUDE 'b.inc'\n  %include <c.mac>\n%depend \"d.bin\"\n",
			SourceInfo{Includes: []string{"a.inc", "b.inc", "c.mac", "d.bin"}}},
		{"duplicates once, first order kept", "%include \"b\"\n%include \"a\"\n%include \"b\"\n",
			SourceInfo{Includes: []string{"b", "a"}}},
		{"comment after include", "%include \"x.inc\" ; the ; second\n", SourceInfo{Includes: []string{"x.inc"}}},
		{"commented-out include", "; %include \"no.inc\"\n   ;%include \"no2.inc\"\n", SourceInfo{}},
		{"macro-expanded include is not guessed", "%include FILE\n%include\n%include \"\"\n", SourceInfo{}},
		{"semicolon in a string is not a comment", "db \";\", 0\n%include \"a;b.inc\"\n", SourceInfo{Includes: []string{"a;b.inc"}}},
		{"line continuation", "%include \\\n  \"joined.inc\"\n", SourceInfo{Includes: []string{"joined.inc"}}},
		{"backslash-space is not a continuation", "%include \\ \n\"x.inc\"\nglobal a, \\\t\n b\n", SourceInfo{Globals: []string{"a"}}},
		{"include name in angle brackets with a path", "%include <../inc/sys.mac>\n", SourceInfo{Includes: []string{"../inc/sys.mac"}}},
		{"backquoted file name with an escape", "%include `a\\x41.inc`\n", SourceInfo{Includes: []string{"aA.inc"}}},
		{"CRLF", "%include \"w.inc\"\r\nglobal _start\r\nBITS 32\r\n",
			SourceInfo{Includes: []string{"w.inc"}, Globals: []string{"_start"}, Bits: 32}},
		{"global forms", "global _start\nGLOBAL main:function\n[global\tf1]\nglobal a, b:data 4, $c\n",
			SourceInfo{Globals: []string{"_start", "main", "f1", "a", "b", "c"}}},
		{"global in a comment does not count", "; global _start\nextern _start\n", SourceInfo{}},
		{"bits first wins", "BITS 64\nbits 32\n", SourceInfo{Bits: 64}},
		{"bracketed bits", "[BITS 32]\n", SourceInfo{Bits: 32}},
		{"use64", "USE64\n", SourceInfo{Bits: 64}},
		{"bits 16", "bits 16\nBITS 32\n", SourceInfo{Bits: 16}},
		{"bits with a non-number", "bits 48\nbits 32\n", SourceInfo{Bits: 32}},
		{"incbin after labels", "logo: incbin \"logo.bin\"\nicon incbin 'icon.bin', 0, 16\n  incbin \"raw\"\nx:incbin \"tight\"\n",
			SourceInfo{Incbins: []string{"logo.bin", "icon.bin", "raw", "tight"}}},
		{"incbin needs a label-like first word", "mov incbin \"x\"\n1abc incbin \"y\"\n", SourceInfo{Incbins: []string{"x"}}},
		{"backquoted string escapes", "db `a\\`;b`\n%include \"ok\"\n", SourceInfo{Includes: []string{"ok"}}},
		{"unterminated string", "%include \"open\n%include 'also\nglobal _start\n", SourceInfo{Globals: []string{"_start"}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Scan([]byte(tt.src))
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Scan(%q)\n got %+v\nwant %+v", tt.src, got, tt.want)
			}
		})
	}
}

// A backslash ends a line only as its very last character: nasm does not
// join `\ ` (backslash, blank) with the next line, and neither does the
// scanner, which splits lines with the assembler's own splitter.
//
// nasm's answers (nasm -M) are in testdata/nasm/TestScanContinuationMatchesNasm.txt.
func TestScanContinuationMatchesNasm(t *testing.T) {
	golden := nasmgolden.ForTest(t)
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "a.inc"), []byte("db 1\n"), 0o644)
	for _, tc := range []struct {
		src    string
		joined bool
	}{
		{"%include \\\n\"a.inc\"\n", true},
		{"%include \\\r\n\"a.inc\"\n", true},
		{"%include \\ \n\"a.inc\"\n", false},
		{"%include \\\t\n\"a.inc\"\n", false},
	} {
		os.WriteFile(filepath.Join(dir, "m.asm"), []byte(tc.src), 0o644)
		ans := nasmDeps(t, golden, fmt.Sprintf("%q: ", tc.src), dir, []byte(tc.src+"\x00db 1\n"), "-M", "-f", "bin", "-I", "./", "m.asm")
		nasmSees := ans.OK() && strings.Contains(ans.Stdout, "a.inc")
		info := Scan([]byte(tc.src))
		weSee := len(info.Includes) == 1 && info.Includes[0] == "a.inc"
		if nasmSees != tc.joined || weSee != tc.joined {
			t.Errorf("%q: nasm sees the include: %v, the scanner: %v; want %v", tc.src, nasmSees, weSee, tc.joined)
		}
	}
}

// TestScanIncludesMatchNasm checks the scanner's dependency list against
// nasm's own (nasm -M), on sources with every include form the scanner
// claims to understand.
//
// nasm's answers (its -M list and its object) are in
// testdata/nasm/TestScanIncludesMatchNasm.txt.
func TestScanIncludesMatchNasm(t *testing.T) {
	golden := nasmgolden.ForTest(t)
	dir := t.TempDir()
	files := map[string]string{
		"main.asm": "BITS 64\n%include \"a.inc\" ; comment\n%INCLUDE 'b.inc'\n%include \\\n \"c.mac\"\n" +
			"global _start, other:function\n[global third]\n_start: nop\nother: nop\nthird: nop\n" +
			"section .data\nlogo: incbin \"logo.bin\"\nicon incbin 'icon.bin', 0, 2\n",
		"a.inc":    "%define A 1\n",
		"b.inc":    "; %include \"not-this.inc\"\n%define B 2\n",
		"c.mac":    "%macro M 0\n nop\n%endmacro\n",
		"logo.bin": "LOGO",
		"icon.bin": "ICON",
	}
	for name, body := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var input []byte
	names := make([]string, 0, len(files))
	for name := range files {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		input = append(append(append(input, name...), 0), files[name]...)
	}
	ans := nasmDeps(t, golden, "", dir, input, "-M", "-f", "elf64", "-I", "./", "main.asm")
	if !ans.OK() {
		t.Fatalf("nasm -M: status %d\n%s", ans.Status, ans.Output)
	}
	var nasmDeps []string
	// "target : prerequisites", with backslash-newline continuations.
	deps := ans.Stdout
	if i := strings.Index(deps, ":"); i >= 0 {
		deps = deps[i+1:]
	}
	for _, f := range strings.Fields(strings.ReplaceAll(deps, "\\\n", " ")) {
		if strings.HasSuffix(f, "main.asm") {
			continue
		}
		nasmDeps = append(nasmDeps, filepath.Base(f))
	}
	info := Scan([]byte(files["main.asm"]))
	var ours []string
	for _, f := range append(append([]string{}, info.Includes...), info.Incbins...) {
		ours = append(ours, filepath.Base(f))
	}
	sort.Strings(nasmDeps)
	sort.Strings(ours)
	if !reflect.DeepEqual(ours, nasmDeps) {
		t.Errorf("scanner deps %v, nasm -M deps %v", ours, nasmDeps)
	}

	// The globals the scanner saw are the global symbols nasm put in the object.
	args := []string{"-f", "elf64", "-I", "./", "-o", nasmgolden.Out, "main.asm"}
	objAns := golden.Answer(t, "nasm "+strings.Join(args, " "), input, func() nasmgolden.Answer {
		return nasmgolden.Run(t, dir, args)
	})
	if !objAns.OK() {
		t.Fatalf("nasm: status %d\n%s", objAns.Status, objAns.Output)
	}
	f, err := elf.NewFile(bytes.NewReader(objAns.File(t, nasmgolden.Out)))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	syms, _ := f.Symbols()
	var elfGlobals []string
	for _, s := range syms {
		if elf.ST_BIND(s.Info) == elf.STB_GLOBAL {
			elfGlobals = append(elfGlobals, s.Name)
		}
	}
	got := append([]string(nil), info.Globals...)
	sort.Strings(got)
	sort.Strings(elfGlobals)
	if !reflect.DeepEqual(got, elfGlobals) {
		t.Errorf("scanner globals %v, ELF global symbols %v", got, elfGlobals)
	}
	if info.Bits != 64 {
		t.Errorf("Bits = %d, want 64", info.Bits)
	}
}

func FuzzScan(f *testing.F) {
	f.Add([]byte("BITS 64\n%include \"a.inc\"\nglobal _start\n_start: incbin \"x\"\n"))
	f.Add([]byte("%include \\\n\"a\"\r\n[global a, $b:function]\n"))
	f.Add([]byte("db `\\`;`, \"'\" ; %include \"no\"\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		a := Scan(data)
		b := Scan(data)
		if !reflect.DeepEqual(a, b) {
			t.Fatalf("Scan is not deterministic: %+v vs %+v", a, b)
		}
		switch a.Bits {
		case 0, 16, 32, 64:
		default:
			t.Fatalf("Bits = %d", a.Bits)
		}
		for _, list := range [][]string{a.Includes, a.Incbins} {
			seen := map[string]bool{}
			for _, s := range list {
				if s == "" || strings.ContainsAny(s, "\n\r\x00") || strings.TrimSpace(s) != s || seen[s] {
					t.Fatalf("bad or duplicate file name %q in %q", s, list)
				}
				seen[s] = true
			}
		}
		for _, g := range a.Globals {
			if !isSymbol(g) {
				t.Fatalf("global %q is not a symbol", g)
			}
		}
	})
}
