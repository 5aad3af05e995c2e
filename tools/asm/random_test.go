package asm

import (
	"bytes"
	"fmt"
	"math/rand"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
)

// randomProgram writes a program mixing labels, jumps over random
// distances (relaxation), numeric literal forms, expressions, times,
// align, strings and macros. The seed makes it reproducible.
func randomProgram(seed int64, bits int) string {
	r := rand.New(rand.NewSource(seed))
	var b strings.Builder
	fmt.Fprintf(&b, "BITS %d\n", bits)
	b.WriteString("%macro twice 1\n%1\n%1\n%endmacro\n%define K(x) ((x) * 3 + 1)\n")
	nlabels := 8 + r.Intn(8)
	regs32 := []string{"eax", "ebx", "ecx", "edx", "esi", "edi", "ebp"}
	if bits == 64 {
		regs32 = append(regs32, "r8d", "r9d", "r12d", "r13d")
	}
	num := func() string {
		v := r.Int63n(1 << uint(1+r.Intn(31)))
		switch r.Intn(9) {
		case 0:
			return fmt.Sprintf("0x%x", v)
		case 1:
			return fmt.Sprintf("%xh", v) // may need a leading 0
		case 2:
			return fmt.Sprintf("0%xh", v)
		case 3:
			return fmt.Sprintf("%bb", v)
		case 4:
			return fmt.Sprintf("0o%o", v)
		case 5:
			return fmt.Sprintf("%oq", v)
		case 6:
			return fmt.Sprintf("-%d", v)
		case 7:
			return fmt.Sprintf("K(%d)", v%1000)
		}
		return fmt.Sprint(v)
	}
	fix := func(s string) string {
		// A hex literal with suffix must start with a digit.
		if strings.HasSuffix(s, "h") && (s[0] < '0' || s[0] > '9') {
			return "0" + s
		}
		return s
	}
	lbl := func() string { return fmt.Sprintf("L%d", r.Intn(nlabels)) }
	// Some data in another section, referring back to code labels; code
	// refers to it (relocations across sections in ELF output).
	fmt.Fprintf(&b, "section .data\nD0: dd L0, %s - $, %s\nD1: dw 1\n%%assign n 3\n%%rep n\n db n\n%%assign n n-1\n%%endrep\nsection .text\n", lbl(), lbl())
	for i := 0; i < nlabels; i++ {
		fmt.Fprintf(&b, "L%d:\n", i)
		for k := r.Intn(6); k >= 0; k-- {
			reg := regs32[r.Intn(len(regs32))]
			switch r.Intn(20) {
			case 0:
				fmt.Fprintf(&b, "  jmp %s\n", lbl())
			case 1:
				fmt.Fprintf(&b, "  j%s %s\n", []string{"z", "nz", "c", "ge", "l", "a", "be", "s"}[r.Intn(8)], lbl())
			case 2:
				fmt.Fprintf(&b, "  call %s\n", lbl())
			case 3:
				fmt.Fprintf(&b, "  times %d nop\n", r.Intn(140))
			case 4:
				fmt.Fprintf(&b, "  mov %s, %s\n", reg, fix(num()))
			case 5:
				fmt.Fprintf(&b, "  add %s, %s\n", reg, fix(num()))
			case 6:
				fmt.Fprintf(&b, "  db %s, %s & 0xff, '%c'\n", fix(num()), fix(num()), 'a'+r.Intn(26))
			case 7:
				fmt.Fprintf(&b, "  dd %s, (%s) << 2, %s - $$\n", fix(num()), fix(num()), lbl())
			case 8:
				fmt.Fprintf(&b, "  align %d\n", 1<<uint(r.Intn(5)))
			case 9:
				fmt.Fprintf(&b, "  twice {inc %s}\n", reg)
			case 10:
				fmt.Fprintf(&b, "  loop %s\n", lbl())
			case 11:
				fmt.Fprintf(&b, "  dw `\\x%02x\\n`, %s %% 7\n", r.Intn(256), fix(num()))
			case 12:
				fmt.Fprintf(&b, "  cmp %s, %s - %s\n", reg, lbl(), lbl())
			case 18:
				fmt.Fprintf(&b, "  mov %s, D%d\n", reg, r.Intn(2))
			case 19:
				fmt.Fprintf(&b, ".loc%d: dec %s\n  jnz .loc%d\n", k, reg, k)
			case 14:
				fmt.Fprintf(&b, "  mov %s, [%s + %s*%d + %s]\n", reg, regs32[r.Intn(len(regs32))], regs32[r.Intn(len(regs32))], 1<<uint(r.Intn(4)), fix(num()))
			case 15:
				fmt.Fprintf(&b, "  lea %s, [%s + %s]\n", reg, lbl(), fix(num()))
			case 16:
				if bits == 64 {
					reg = strings.TrimSuffix("r"+reg[1:], "d")
					if strings.HasPrefix(reg, "r8") || strings.HasPrefix(reg, "r9") || strings.HasPrefix(reg, "r1") {
						reg = "r" + strings.TrimPrefix(strings.TrimPrefix(reg, "r"), "r")
					}
				}
				fmt.Fprintf(&b, "  push %s\n  pop %s\n", fix(num()), reg)
			case 17:
				fmt.Fprintf(&b, "  %s %s, %d\n", []string{"shl", "sar", "rol", "and", "or", "xor", "sub", "test", "imul"}[r.Intn(9)], reg, r.Intn(300)-150)
			case 13:
				// nasm wants TIMES counts known in its first pass: only
				// labels already defined.
				fmt.Fprintf(&b, "  times ($ - L%d) & 3 int3\n", r.Intn(i+1))
			}
		}
	}
	return b.String()
}

// Randomly generated programs assemble to nasm's bytes: this exercises
// relaxation (jumps whose size depends on other jumps), expression
// evaluation and literal forms far beyond the hand-written corpus.
//
// The programs come from fixed seeds, so nasm's answers for them are
// checked in (testdata/nasm/TestRandomProgramsMatchNasm.txt), each with a
// hash of its source: a change to randomProgram shows up as stale answers
// to regenerate with -update. Deeper runs by hand
// (TINY_RANDOM_PROGRAMS=500) need -update too, and leave a golden file not
// to commit.
func TestRandomProgramsMatchNasm(t *testing.T) {
	golden := nasmgolden.ForTest(t)
	n := 40
	if testing.Short() {
		n = 8
	}
	if v, err := strconv.Atoi(os.Getenv("TINY_RANDOM_PROGRAMS")); err == nil {
		n = v // deeper runs by hand
	}
	dir := t.TempDir()
	for i := 0; i < n; i++ {
		bits := []int{32, 64, 16}[i%3]
		src := randomProgram(int64(i), bits)
		name := fmt.Sprintf("r%d.asm", i)
		if err := os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		ans := nasmSaid(t, golden, dir, []byte(src), "-f", "bin", "-o", nasmgolden.Out, name)
		res, err := Assemble(name, Options{ReadFile: readIn(dir)})
		if !ans.OK() {
			// nasm rejects it (a `loop` too far...): we must reject it on
			// the same lines.
			if err == nil {
				t.Fatalf("seed %d: nasm fails but we do not:\n%s\n%s", i, ans.Output, src)
			}
			if a, b := errorLines(err.Error()), errorLines(ans.Output); a != b {
				t.Fatalf("seed %d: errors differ:\nours:\n%s\nnasm:\n%s", i, err, ans.Output)
			}
			continue
		}
		want := ans.File(t, nasmgolden.Out)
		if err != nil {
			t.Fatalf("seed %d: %v\n%s", i, err, src)
		}
		if !bytes.Equal(res.Binary, want) {
			t.Fatalf("seed %d (BITS %d): bytes differ from nasm at offset %d (ours %d bytes, nasm %d)\n%s",
				i, bits, firstDiff(res.Binary, want), len(res.Binary), len(want), src)
		}
	}
}

// errorLines reduces diagnostics to the sorted set of "file:line" with an
// error (the encoder's wording is its own business).
func errorLines(s string) string {
	seen := map[string]bool{}
	for _, l := range strings.Split(s, "\n") {
		if i := strings.Index(l, ": error: "); i >= 0 {
			seen[l[:i]] = true
		}
	}
	var out []string
	for l := range seen {
		out = append(out, l)
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}

// The same random programs as ELF objects, ours and nasm's, linked by GNU
// ld: the loaded images must be identical (relocations, section layout).
// nasm's objects are checked in (testdata/nasm/
// TestRandomProgramsLinkLikeNasm.txt) and linked by the installed ld
// beside ours, so both images come from the same ld.
func TestRandomProgramsLinkLikeNasm(t *testing.T) {
	ld := needTool(t, "ld")
	golden := nasmgolden.ForTest(t)
	n := 16
	if testing.Short() {
		n = 4
	}
	if v, err := strconv.Atoi(os.Getenv("TINY_RANDOM_PROGRAMS")); err == nil {
		n = v
	}
	dir := t.TempDir()
	for i := 0; i < n; i++ {
		bits := []int{32, 64}[i%2]
		format := map[int]string{32: "elf32", 64: "elf64"}[bits]
		emu := map[int]string{32: "elf_i386", 64: "elf_x86_64"}[bits]
		src := randomProgram(int64(1000+i), bits)
		name := fmt.Sprintf("e%d.asm", i)
		os.WriteFile(filepath.Join(dir, name), []byte(src), 0o644)
		ans := nasmSaid(t, golden, dir, []byte(src), "-f", format, "-o", nasmgolden.Out, name)
		res, err := Assemble(name, Options{Format: format, ReadFile: readIn(dir)})
		if !ans.OK() || err != nil {
			if ans.OK() != (err == nil) || errorLines(ans.Output) != errorLines(fmt.Sprint(err)) {
				t.Fatalf("seed %d: errors differ:\nours: %v\nnasm: %s\n%s", i, err, ans.Output, src)
			}
			continue
		}
		theirs := filepath.Join(dir, name+".nasm.o")
		if err := os.WriteFile(theirs, ans.File(t, nasmgolden.Out), 0o644); err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := tinyelf.WriteObject(&buf, res.Object); err != nil {
			t.Fatal(err)
		}
		ours := filepath.Join(dir, name+".ours.o")
		os.WriteFile(ours, buf.Bytes(), 0o644)
		link := func(obj, exe string) string {
			if msg, err := exec.Command(ld, "-m", emu, "-e", "0", "-o", exe, obj).CombinedOutput(); err != nil {
				return "ld: " + string(msg)
			}
			return loaded(t, exe)
		}
		a, b := link(ours, ours+".exe"), link(theirs, theirs+".exe")
		if a != b {
			t.Fatalf("seed %d: linked images differ:\nours:\n%s\nnasm:\n%s\n%s", i, a, b, src)
		}
	}
}
