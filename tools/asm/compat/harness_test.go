package compat

// Tests of the harness itself: they need no corpus and no nasm, so they
// run everywhere and keep the classification and the ratchet honest.

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/asm"
	"github.com/rules-tiny/rules_tiny/tools/elf"
)

// object assembles src with tools/asm and writes it with tools/elf.
func object(t *testing.T, format, src string) []byte {
	t.Helper()
	dir := t.TempDir()
	path := filepath.Join(dir, "x.asm")
	if err := os.WriteFile(path, []byte(src), 0o644); err != nil {
		t.Fatal(err)
	}
	res, err := asm.Assemble(path, asm.Options{Format: format})
	if err != nil {
		t.Fatal(err)
	}
	b, err := elf.MarshalObject(res.Object)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

const prog = `
global _start
extern ext
section .data
msg: db "hi", 10
section .text
_start:
	mov eax, 4
	mov ecx, msg
	call ext
	ret
`

func TestDescriptionSeesCodeSymbolsAndRelocations(t *testing.T) {
	d, err := DescribeObject(object(t, "elf32", prog))
	if err != nil {
		t.Fatal(err)
	}
	if d.Class != "ELFCLASS32" || d.Machine != "EM_386" {
		t.Errorf("class/machine %s %s", d.Class, d.Machine)
	}
	s := d.String()
	for _, want := range []string{".data:3", ".text:"} {
		if !strings.Contains(s, want) {
			t.Errorf("description %q lacks %q", s, want)
		}
	}
	var relocs []string
	for _, r := range d.Relocs {
		relocs = append(relocs, r.Type+" "+r.Symbol)
	}
	if got := strings.Join(relocs, ", "); got != "R_386_32 section:.data, R_386_PC32 ext" {
		t.Errorf("relocations: %s", got)
	}
	for _, sec := range d.Sections {
		if sec.Name == ".note.GNU-stack" {
			t.Error("the empty .note.GNU-stack is normalised away, yet described")
		}
	}
}

func TestDiffFindsEveryKindOfDifference(t *testing.T) {
	base, err := DescribeObject(object(t, "elf64", prog))
	if err != nil {
		t.Fatal(err)
	}
	if !base.Equal(base) {
		t.Fatal("a description differs from itself")
	}
	cases := map[string]string{
		"contents":      strings.Replace(prog, "mov eax, 4", "mov eax, 5", 1),
		"size":          strings.Replace(prog, `"hi", 10`, `"hi!", 10`, 1),
		"symbol":        strings.Replace(prog, "global _start", "global _start, msg", 1),
		"relocation":    strings.Replace(prog, "call ext", "call ext\n\tcall ext", 1),
		"local label":   strings.Replace(prog, "ret", "extra:\n\tret", 1),
		"class/machine": "",
	}
	for name, src := range cases {
		var other *ObjDesc
		if name == "class/machine" {
			other, err = DescribeObject(object(t, "elf32", prog))
		} else {
			other, err = DescribeObject(object(t, "elf64", src))
		}
		if err != nil {
			t.Fatal(err)
		}
		if base.Equal(other) {
			t.Errorf("%s: difference not seen", name)
		}
	}
}

func TestUnusedLocalsAreLinkEquivalentOnly(t *testing.T) {
	a, _ := DescribeObject(object(t, "elf64", prog))
	b, _ := DescribeObject(object(t, "elf64", strings.Replace(prog, "ret", "unused:\n\tret", 1)))
	if a.Equal(b) {
		t.Fatal("an extra local label must make the objects differ")
	}
	if !a.WithoutUnusedLocals().Equal(b.WithoutUnusedLocals()) {
		t.Errorf("objects differing only in an unused local label: %v", a.Diff(b, 5))
	}
	// A local the code refers to by name (no section symbol) must stay.
	c, _ := DescribeObject(object(t, "elf64", strings.Replace(prog, "call ext", "call ext\n\tmov eax, 6", 1)))
	if a.WithoutUnusedLocals().Equal(c.WithoutUnusedLocals()) {
		t.Error("a code difference was normalised away")
	}
}

func TestDescribeObjectRejectsNonObjects(t *testing.T) {
	for name, data := range map[string][]byte{"empty": nil, "text": []byte("hello"), "truncated": object(t, "elf32", prog)[:40]} {
		if _, err := DescribeObject(data); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
}

func res(id, cat, run string) *Result {
	return &Result{Entry: &Entry{ID: id}, Category: cat, Run: run}
}

func TestCheckFailsOnUnexplainedSilentDifferences(t *testing.T) {
	results := []*Result{res("a", Different, "")}
	for name, exp := range map[string]map[string]Expectation{
		"not listed":   {},
		"no reason":    {"a": {Category: Different}},
		"placeholder":  {"a": {Category: Different, Note: unexplained}},
		"was rejected": {"a": {Category: Rejected, Note: "reason"}},
	} {
		if p, _ := Check(results, exp); len(p) != 1 {
			t.Errorf("%s: problems %q, want one", name, p)
		}
	}
	if p, _ := Check(results, map[string]Expectation{"a": {Category: Different, Note: "known: tiny keeps 8 bytes"}}); len(p) != 0 {
		t.Errorf("a listed difference with its reason fails: %q", p)
	}
}

func TestCheckFailsWhenAFileGetsWorse(t *testing.T) {
	exp := map[string]Expectation{
		"i": {Category: Identical, Run: RunSame},
		"l": {Category: LinkEquivalent},
		"r": {Category: Rejected},
	}
	worse := []*Result{res("i", LinkEquivalent, RunSame), res("l", Rejected, ""), res("r", Rejected, "")}
	p, _ := Check(worse, exp)
	if len(p) != 2 {
		t.Errorf("problems %q, want two (i and l got worse)", p)
	}
	p, _ = Check([]*Result{res("i", Identical, RunDiffers)}, exp)
	if len(p) != 1 {
		t.Errorf("a run that differs: problems %q", p)
	}
	p, _ = Check([]*Result{res("i", Identical, RunLinkError)}, exp)
	if len(p) != 1 {
		t.Errorf("a run that no longer links: problems %q", p)
	}
	p, imp := Check([]*Result{res("r", Identical, ""), res("l", Identical, "")}, exp)
	if len(p) != 0 || len(imp) != 2 {
		t.Errorf("improvements: problems %q, improvements %q", p, imp)
	}
}

// A program that runs differently from the nasm + ld build is the
// assembler's difference unless tiny link makes the very same executable
// of nasm's object: then the output depends on the linker's layout.
func TestRunVerdictSeparatesLayoutFromAssembler(t *testing.T) {
	g := &Golden{LinkSHA256: "nasm-linked", Run: &RunResult{Status: "ok", Stdout: "401000"}}
	same, other := &RunResult{Status: "ok", Stdout: "401000"}, &RunResult{Status: "ok", Stdout: "400080"}
	for _, tc := range []struct {
		got       *RunResult
		linked    string
		golden    *Golden
		want, why string
	}{
		{same, "anything", g, RunSame, "same output"},
		{other, "nasm-linked", g, RunLayout, "same executable as tiny link of nasm's object"},
		{other, "tiny-linked", g, RunDiffers, "another executable"},
		{other, "", &Golden{Run: g.Run}, RunDiffers, "no tiny link of nasm's object to compare with"},
	} {
		if got, _ := runVerdict(tc.got, tc.golden, tc.linked); got != tc.want {
			t.Errorf("%s: %s, want %s", tc.why, got, tc.want)
		}
	}
	exp := map[string]Expectation{"s": {Category: Identical, Run: RunSame}, "l": {Category: Identical, Run: RunLayout}}
	if p, _ := Check([]*Result{res("l", Identical, RunLayout)}, exp); len(p) != 0 {
		t.Errorf("a recorded layout difference fails: %q", p)
	}
	if p, _ := Check([]*Result{res("s", Identical, RunLayout)}, exp); len(p) != 1 {
		t.Errorf("a program that ran the same and now shows the layout: problems %q, want one", p)
	}
	if p, _ := Check([]*Result{res("l", Identical, RunDiffers)}, exp); len(p) != 1 {
		t.Errorf("a layout difference that becomes the assembler's: problems %q, want one", p)
	}
}

func TestExpectationsRoundTripKeepsReasons(t *testing.T) {
	path := filepath.Join(t.TempDir(), "EXPECTED.tsv")
	results := []*Result{res("b", Different, ""), res("a", Identical, RunSame), res("c", Different, "")}
	old := map[string]Expectation{"b": {Category: Different, Note: "why b differs"}}
	if err := WriteExpectations(path, results, old); err != nil {
		t.Fatal(err)
	}
	got, err := ReadExpectations(path)
	if err != nil {
		t.Fatal(err)
	}
	if got["b"].Note != "why b differs" || got["c"].Note != unexplained || got["a"] != (Expectation{Identical, RunSame, ""}) {
		t.Errorf("read back %+v", got)
	}
	if p, _ := Check(results, got); len(p) != 1 || !strings.HasPrefix(p[0], "c:") {
		t.Errorf("the new difference must fail until explained: %q", p)
	}
}

func TestManifestErrors(t *testing.T) {
	dir := t.TempDir()
	row := "id\towner/x\tp.asm\tc\tMIT\tk\tbin\t\t.\tp.asm\tno\t"
	for name, text := range map[string]string{
		"columns":   "id\tonly\n",
		"format":    strings.Replace(row, "\tbin\t", "\tcoff\t", 1) + "\n",
		"duplicate": row + "\n" + row + "\n",
	} {
		path := filepath.Join(dir, name)
		os.WriteFile(path, []byte(text), 0o644)
		if _, err := ReadManifest(path); err == nil {
			t.Errorf("%s: accepted", name)
		}
	}
	path := filepath.Join(dir, "ok")
	os.WriteFile(path, []byte("# header\n"+row+"\n"), 0o644)
	if m, err := ReadManifest(path); err != nil || len(m) != 1 || m[0].Format != "bin" {
		t.Errorf("%v %v", m, err)
	}
}

func TestFirstErrorSkipsWarnings(t *testing.T) {
	stderr := "x.asm:3: warning: label alone on a line without a colon might be in error [-w+label-orphan]\nx.asm:9: error: instruction not supported: in\n"
	if got := firstError(stderr); got != "x.asm:9: error: instruction not supported: in" {
		t.Errorf("firstError: %q", got)
	}
	if got := firstError("tiny asm: unknown option -Ox\nusage: ..."); got != "tiny asm: unknown option -Ox" {
		t.Errorf("firstError: %q", got)
	}
}

func TestRootCauses(t *testing.T) {
	for msg, want := range map[string]string{
		"tiny asm: unknown option -O0": "-O (optimisation level) not accepted",
		"x.asm:1: error: symbol `__BITS__' not defined (expression must be constant)":  "standard macros missing (__BITS__, __?NASM_...?__, ...)",
		"x.asm:1: error: symbol `xmm0' not defined":                                    "vector and x87 registers (xmm, ymm, mm, st)",
		"x.asm:1: error: instruction not supported: in":                                "port I/O (in, out, ins, outs)",
		"x.asm:1: error: instruction not supported: popcnt":                            "SSE/AVX/AVX-512 and other ISA extensions",
		"x.asm:1: error: far pointers (`seg:offset') are not supported":                "far pointers and seg:offset operands",
		"x.asm:1: error: symbol `IMAGEBASE' not defined (expression must be constant)": "labels and equ symbols in critical expressions (org, %if, times)",
	} {
		if _, got := rootCause(messageKey(msg)); got != want {
			t.Errorf("%s: cause %q, want %q", msg, got, want)
		}
	}
}

func TestRunProgramNeverHandsAnUnexecutableFileToTheShell(t *testing.T) {
	// Not an executable the kernel knows (like an i386 program on a kernel
	// without IA32 emulation): execvp-style wrappers would run it with
	// /bin/sh, and "hi" would look like the program's output.
	exe := filepath.Join(t.TempDir(), "notelf")
	if err := os.WriteFile(exe, []byte("echo hi\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := runProgram(exe)
	if r.Status == "ok" || r.Stdout != "" {
		t.Errorf("ran as a shell script: %v", r)
	}
	if !strings.Contains(r.Status, "exec format error") {
		t.Errorf("status %q does not say why it could not run", r.Status)
	}
}

func TestRunProgramRunsAProgram(t *testing.T) {
	// A shell script with its #! line is something the kernel executes:
	// the sandbox (user 65534, own network namespace when root) must let
	// an ordinary program run and report its output and status.
	exe := filepath.Join(t.TempDir(), "script")
	if err := os.WriteFile(exe, []byte("#!/bin/sh\necho hi\nexit 3\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	r := runProgram(exe)
	if r.Status != "ok" || r.Exit != 3 || r.Stdout != "hi\n" {
		t.Errorf("run: %v", r)
	}
}
