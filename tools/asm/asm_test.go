package asm

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

const diffDir = "testdata/diff"

// readIn makes Assemble resolve names relative to dir, the way nasm
// resolves them relative to its working directory.
func readIn(dir string) func(string) ([]byte, error) {
	return func(name string) ([]byte, error) {
		if filepath.IsAbs(name) {
			return os.ReadFile(name)
		}
		return os.ReadFile(filepath.Join(dir, name))
	}
}

// corpusFlags returns the -I/-D flags a corpus file asks for in a
// `; flags:` comment.
func corpusFlags(t *testing.T, path string) []string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	for _, l := range strings.Split(string(data), "\n") {
		if f, ok := strings.CutPrefix(l, "; flags:"); ok {
			return strings.Fields(f)
		}
	}
	return nil
}

func optsFor(format string, flags []string, dir string) Options {
	o := Options{Format: format, ReadFile: readIn(dir)}
	for _, f := range flags {
		switch {
		case strings.HasPrefix(f, "-I"):
			o.IncludeDirs = append(o.IncludeDirs, f[2:])
		case strings.HasPrefix(f, "-D"):
			o.Defines = append(o.Defines, f[2:])
		}
	}
	return o
}

func needTool(t *testing.T, name string) string {
	p, err := exec.LookPath(name)
	if err != nil {
		t.Skipf("%s not installed: this test compares against it", name)
	}
	return p
}

// nasmSaid returns nasm's answer to `nasm ARGS` run in dir (nasmgolden.Out
// standing for the output file), kept in the golden set s: asked of the
// installed nasm under -update, read from the checked-in file otherwise.
// input is what the answer depends on (the sources nasm reads), so that
// an edited input makes the answer stale rather than wrong.
func nasmSaid(t *testing.T, s *nasmgolden.Set, dir string, input []byte, args ...string) nasmgolden.Answer {
	t.Helper()
	return s.Answer(t, "nasm "+strings.Join(args, " "), input, func() nasmgolden.Answer {
		return nasmgolden.Run(t, dir, args)
	})
}

// nasmOK is nasmSaid for a command nasm must accept: its messages (the
// warnings) and its output file.
func nasmOK(t *testing.T, s *nasmgolden.Set, dir string, input []byte, args ...string) (msgs string, out []byte) {
	t.Helper()
	a := nasmSaid(t, s, dir, input, args...)
	if !a.OK() {
		t.Fatalf("nasm %v: status %d\n%s", args, a.Status, a.Output)
	}
	return a.Output, a.File(t, nasmgolden.Out)
}

// corpusInput is what a corpus program's answers depend on: the program
// and the include directory its flags may point into.
func corpusInput(t *testing.T, path string) []byte {
	t.Helper()
	data := mustRead(t, path)
	incs, _ := filepath.Glob(filepath.Join(diffDir, "inc", "*"))
	sort.Strings(incs)
	for _, p := range incs {
		data = append(append(data, "\x00"+filepath.Base(p)+"\x00"...), mustRead(t, p)...)
	}
	return data
}

// corpusGolden is the golden set of one corpus program and one kind of
// answer: testdata/diff/NAME.nasm-KIND.txt beside NAME.asm.
func corpusGolden(t *testing.T, path, kind string) *nasmgolden.Set {
	return nasmgolden.Open(t, strings.TrimSuffix(path, ".asm")+".nasm-"+kind+".txt",
		"nasm's answers (-f "+kind+") for "+filepath.Base(path))
}

func corpus(t *testing.T) []string {
	files, err := filepath.Glob(filepath.Join(diffDir, "*.asm"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no corpus in %s: %v", diffDir, err)
	}
	return files
}

// offByDefault are the warning classes the assembler reports that nasm
// (and tiny's command line, nasmcmd) show only when asked (-w+CLASS).
var offByDefault = map[string]bool{"float-denorm": true, "float-underflow": true}

// Every corpus program assembles to the same bytes as nasm -f bin.
func TestCorpusMatchesNasmBin(t *testing.T) {
	for _, path := range corpus(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			flags := corpusFlags(t, path)
			msgs, wantBytes := nasmOK(t, corpusGolden(t, path, "bin"), diffDir, corpusInput(t, path),
				append(append([]string{"-f", "bin", "-o", nasmgolden.Out}, flags...), name)...)
			res, err := Assemble(name, optsFor("bin", flags, diffDir))
			if err != nil {
				t.Fatalf("Assemble: %v", err)
			}
			// Same warnings, in nasm's words, with nasm's [-w+class] tags.
			var got, exp []string
			for _, w := range res.Warnings {
				if !offByDefault[w.WarningClass()] {
					got = append(got, w.String())
				}
			}
			for _, l := range strings.Split(strings.TrimSpace(msgs), "\n") {
				if l != "" {
					exp = append(exp, l)
				}
			}
			if strings.Join(got, "\n") != strings.Join(exp, "\n") {
				t.Errorf("warnings differ from nasm's:\nours:\n%s\nnasm:\n%s", strings.Join(got, "\n"), strings.Join(exp, "\n"))
			}
			if !bytes.Equal(res.Binary, wantBytes) {
				t.Fatalf("bytes differ from nasm: first difference at offset %d (ours %d bytes, nasm %d bytes)",
					firstDiff(res.Binary, wantBytes), len(res.Binary), len(wantBytes))
			}
		})
	}
}

func firstDiff(a, b []byte) int {
	for i := 0; i < len(a) && i < len(b); i++ {
		if a[i] != b[i] {
			return i
		}
	}
	if len(a) < len(b) {
		return len(a)
	}
	return len(b)
}

// Objects written by us and by nasm link with GNU ld into executables that
// load the same bytes at the same addresses. nasm's object is checked in
// and linked by the installed ld beside ours: the comparison is of two
// links by the same ld, so an ld upgrade cannot make it fail spuriously,
// and nasm's bytes are exactly what it wrote.
func TestCorpusELFLinksLikeNasm(t *testing.T) {
	ld := needTool(t, "ld")
	for _, path := range corpus(t) {
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			flags := corpusFlags(t, path)
			if data, _ := os.ReadFile(path); bytes.Contains(data, []byte("\n; bin-only")) {
				t.Skip("program uses org: only meaningful for -f bin")
			}
			opts := optsFor("elf", flags, diffDir)
			res, err := Assemble(name, opts)
			if err != nil {
				t.Fatalf("Assemble: %v", err)
			}
			if res.Format == "bin" || res.Object == nil {
				t.Fatalf("format %q, no object", res.Format)
			}
			tmp := t.TempDir()
			ours := filepath.Join(tmp, "ours.o")
			var buf bytes.Buffer
			if err := tinyelf.WriteObject(&buf, res.Object); err != nil {
				t.Fatalf("WriteObject: %v", err)
			}
			if err := os.WriteFile(ours, buf.Bytes(), 0o644); err != nil {
				t.Fatal(err)
			}
			theirs := filepath.Join(tmp, "nasm.o")
			_, nasmObj := nasmOK(t, corpusGolden(t, path, "elf"), diffDir, corpusInput(t, path),
				append(append([]string{"-f", res.Format, "-o", nasmgolden.Out}, flags...), name)...)
			if err := os.WriteFile(theirs, nasmObj, 0o644); err != nil {
				t.Fatal(err)
			}
			emu := map[string]string{"elf32": "elf_i386", "elf64": "elf_x86_64"}[res.Format]
			link := func(obj, out string) {
				cmd := exec.Command(ld, "-m", emu, "-e", "0", "-o", out, obj)
				if msg, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("ld %s: %v\n%s", obj, err, msg)
				}
			}
			link(ours, filepath.Join(tmp, "ours"))
			link(theirs, filepath.Join(tmp, "nasm"))
			a, b := loaded(t, filepath.Join(tmp, "ours")), loaded(t, filepath.Join(tmp, "nasm"))
			if a != b {
				t.Fatalf("linked images differ:\nours:\n%s\nnasm:\n%s", a, b)
			}
		})
	}
}

// loaded describes what the loader maps from an executable: each
// allocated section's name, address, size and bytes.
func loaded(t *testing.T, path string) string {
	f, err := elf.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var b strings.Builder
	for _, s := range f.Sections {
		if s.Flags&elf.SHF_ALLOC == 0 || s.Name == ".note.gnu.property" || strings.HasPrefix(s.Name, ".note") {
			continue
		}
		data := []byte{}
		if s.Type != elf.SHT_NOBITS {
			data, _ = s.Data()
		}
		fmt.Fprintf(&b, "%s addr=%#x size=%#x flags=%v %x\n", s.Name, s.Addr, s.Size, s.Flags, data)
	}
	return b.String()
}

// The seed programs, assembled by us, linked by ld, print and exit 0.
func TestHelloProgramsRun(t *testing.T) {
	ld := needTool(t, "ld")
	for _, tc := range []struct{ file, emu, want string }{
		{"hello32.asm", "elf_i386", "Hello World\n"},
		{"hello64.asm", "elf_x86_64", "Hello World\n"},
		{"include.asm", "elf_i386", "included\n"},
	} {
		t.Run(tc.file, func(t *testing.T) {
			res, err := Assemble(tc.file, optsFor("elf", corpusFlags(t, filepath.Join(diffDir, tc.file)), diffDir))
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			var buf bytes.Buffer
			if err := tinyelf.WriteObject(&buf, res.Object); err != nil {
				t.Fatal(err)
			}
			obj := filepath.Join(tmp, "p.o")
			exe := filepath.Join(tmp, "p")
			os.WriteFile(obj, buf.Bytes(), 0o644)
			if msg, err := exec.Command(ld, "-m", tc.emu, "-o", exe, obj).CombinedOutput(); err != nil {
				t.Fatalf("ld: %v\n%s", err, msg)
			}
			out, err := exec.Command(exe).Output()
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if string(out) != tc.want {
				t.Fatalf("output %q, want %q", out, tc.want)
			}
		})
	}
}

// A generated 10k-line program assembles quickly; memory and time stay
// linear (see BenchmarkAssemble10k for the numbers).
func TestLargeProgramIsFast(t *testing.T) {
	src := bigProgram(10000)
	start := time.Now()
	res, err := Assemble("big.asm", Options{Format: "elf64", ReadFile: func(string) ([]byte, error) { return src, nil }})
	if err != nil {
		t.Fatal(err)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("10k lines took %v", d)
	}
	if len(res.Object.Sections[0].Data) == 0 {
		t.Fatal("no code")
	}
}

func bigProgram(n int) []byte {
	var b bytes.Buffer
	b.WriteString("bits 64\nsection .text\n")
	for i := 0; i < n/4; i++ {
		fmt.Fprintf(&b, "l%d: mov rax, [rbx+rcx*4+%d]\n add eax, %d\n jnz l%d\n jmp l%d\n", i, i, i, i, (i+7)%(n/4))
	}
	return b.Bytes()
}

func BenchmarkAssemble10k(b *testing.B) {
	src := bigProgram(10000)
	b.SetBytes(int64(len(src)))
	for i := 0; i < b.N; i++ {
		if _, err := Assemble("big.asm", Options{Format: "elf64", ReadFile: func(string) ([]byte, error) { return src, nil }}); err != nil {
			b.Fatal(err)
		}
	}
}

// Two objects referring to each other through extern/global (calls, data
// pointers, `dd sym - $`) link and run the same whether we or nasm
// assembled them (nasm's objects are checked in, testdata/link/nasm.txt).
func TestMultiObjectLinkMatchesNasm(t *testing.T) {
	ld := needTool(t, "ld")
	dir := "testdata/link"
	golden := nasmgolden.Open(t, filepath.Join(dir, "nasm.txt"), "nasm's objects of the programs in testdata/link")
	for _, tc := range []struct{ format, emu, suffix string }{
		{"elf32", "elf_i386", "32"},
		{"elf64", "elf_x86_64", "64"},
	} {
		t.Run(tc.format, func(t *testing.T) {
			tmp := t.TempDir()
			var ours, theirs []string
			for _, name := range []string{"main" + tc.suffix + ".asm", "lib" + tc.suffix + ".asm"} {
				res, err := Assemble(name, Options{Format: tc.format, ReadFile: readIn(dir)})
				if err != nil {
					t.Fatal(err)
				}
				var buf bytes.Buffer
				if err := tinyelf.WriteObject(&buf, res.Object); err != nil {
					t.Fatal(err)
				}
				o := filepath.Join(tmp, "ours-"+name+".o")
				os.WriteFile(o, buf.Bytes(), 0o644)
				ours = append(ours, o)
				n := filepath.Join(tmp, "nasm-"+name+".o")
				_, nasmObj := nasmOK(t, golden, dir, mustRead(t, filepath.Join(dir, name)), "-f", tc.format, "-o", nasmgolden.Out, name)
				if err := os.WriteFile(n, nasmObj, 0o644); err != nil {
					t.Fatal(err)
				}
				theirs = append(theirs, n)
			}
			run := func(objs []string, exe string) (string, int) {
				if msg, err := exec.Command(ld, append([]string{"-m", tc.emu, "-o", exe}, objs...)...).CombinedOutput(); err != nil {
					t.Fatalf("ld: %v\n%s", err, msg)
				}
				out, err := exec.Command(exe).Output()
				code := 0
				if ee, ok := err.(*exec.ExitError); ok {
					code = ee.ExitCode()
				} else if err != nil {
					t.Fatal(err)
				}
				return string(out), code
			}
			out, code := run(ours, filepath.Join(tmp, "ours"))
			if out != "from lib\n" || code != 7 {
				t.Fatalf("ours: output %q exit %d; want \"from lib\\n\" and 7", out, code)
			}
			run(theirs, filepath.Join(tmp, "nasm"))
			if a, b := loaded(t, filepath.Join(tmp, "ours")), loaded(t, filepath.Join(tmp, "nasm")); a != b {
				t.Fatalf("linked images differ:\nours:\n%s\nnasm:\n%s", a, b)
			}
		})
	}
}

// `call f wrt ..plt` becomes a PLT32 relocation that GNU ld resolves
// against a C function compiled by gcc.
func TestPLTCallIntoGCCObject(t *testing.T) {
	ld := needTool(t, "ld")
	gcc := needTool(t, "gcc")
	dir := t.TempDir()
	os.WriteFile(filepath.Join(dir, "f.c"), []byte("int add1(int x) { return x + 1; }\n"), 0o644)
	if msg, err := exec.Command(gcc, "-c", "-O2", "-ffreestanding", "-fno-stack-protector", "-o", filepath.Join(dir, "f.o"), filepath.Join(dir, "f.c")).CombinedOutput(); err != nil {
		t.Fatalf("gcc: %v\n%s", err, msg)
	}
	src := "bits 64\nextern add1\nglobal _start\nsection .text\n_start:\n mov edi, 41\n call add1 wrt ..plt\n mov edi, eax\n mov eax, 60\n syscall\n"
	res, err := Assemble("s.asm", Options{Format: "elf64", ReadFile: memFS(map[string]string{"s.asm": src})})
	if err != nil {
		t.Fatal(err)
	}
	if r := res.Object.Sections[0].Relocs; len(r) != 1 || r[0].Kind != obj.RelocPLT {
		t.Fatalf("relocations %+v, want one RelocPLT", r)
	}
	var buf bytes.Buffer
	if err := tinyelf.WriteObject(&buf, res.Object); err != nil {
		t.Fatal(err)
	}
	os.WriteFile(filepath.Join(dir, "s.o"), buf.Bytes(), 0o644)
	exe := filepath.Join(dir, "prog")
	if msg, err := exec.Command(ld, "-o", exe, filepath.Join(dir, "s.o"), filepath.Join(dir, "f.o")).CombinedOutput(); err != nil {
		t.Fatalf("ld: %v\n%s", err, msg)
	}
	err = exec.Command(exe).Run()
	if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 42 {
		t.Fatalf("exit: %v, want status 42", err)
	}
}

// Corpus programs with a `; run:` line are linked with ld and run; their
// output must match the line (with \n escapes), as must the output of the
// same program assembled by nasm.
func TestCorpusProgramsRun(t *testing.T) {
	ld := needTool(t, "ld")
	for _, path := range corpus(t) {
		data, _ := os.ReadFile(path)
		var want, args string
		hasRun := false
		for _, l := range strings.Split(string(data), "\n") {
			if v, ok := strings.CutPrefix(l, "; run: "); ok {
				want, hasRun = strings.ReplaceAll(v, `\n`, "\n"), true
			}
			if v, ok := strings.CutPrefix(l, "; run-args: "); ok {
				args = v
			}
		}
		if !hasRun {
			continue
		}
		name := filepath.Base(path)
		t.Run(name, func(t *testing.T) {
			res, err := Assemble(name, optsFor("elf", corpusFlags(t, path), diffDir))
			if err != nil {
				t.Fatal(err)
			}
			tmp := t.TempDir()
			var buf bytes.Buffer
			if err := tinyelf.WriteObject(&buf, res.Object); err != nil {
				t.Fatal(err)
			}
			objPath, exe := filepath.Join(tmp, "p.o"), filepath.Join(tmp, "p")
			os.WriteFile(objPath, buf.Bytes(), 0o644)
			emu := map[string]string{"elf32": "elf_i386", "elf64": "elf_x86_64"}[res.Format]
			if msg, err := exec.Command(ld, "-m", emu, "-o", exe, objPath).CombinedOutput(); err != nil {
				t.Fatalf("ld: %v\n%s", err, msg)
			}
			out, err := exec.Command(exe, strings.Fields(args)...).Output()
			if err != nil {
				t.Fatalf("run: %v", err)
			}
			if string(out) != want {
				t.Fatalf("output %q, want %q", out, want)
			}
		})
	}
}

// A source that declares its own .note.GNU-stack gets exactly that one
// section in the object (not a second one from the writer), and GNU ld
// still links it with a non-executable stack.
func TestDeclaredGNUStackNoteIsNotDuplicated(t *testing.T) {
	ld := needTool(t, "ld")
	readelf := needTool(t, "readelf")
	for _, tc := range []struct {
		format, emu, src string
		declared         bool
	}{
		{"elf64", "elf_x86_64", "section .note.GNU-stack noalloc noexec nowrite progbits\nsection .text\nglobal _start\n_start: mov eax, 60\nxor edi, edi\nsyscall\n", true},
		{"elf32", "elf_i386", "section .text\nglobal _start\n_start: mov eax, 1\nint 0x80\nsection .note.GNU-stack noalloc noexec nowrite progbits\n", true},
		{"elf64", "elf_x86_64", "section .text\nglobal _start\n_start: mov eax, 60\nxor edi, edi\nsyscall\n", false},
	} {
		res, err := Assemble("s.asm", Options{Format: tc.format, ReadFile: func(string) ([]byte, error) { return []byte(tc.src), nil }})
		if err != nil {
			t.Fatal(err)
		}
		var buf bytes.Buffer
		if err := tinyelf.WriteObject(&buf, res.Object); err != nil {
			t.Fatal(err)
		}
		f, err := elf.NewFile(bytes.NewReader(buf.Bytes()))
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, s := range f.Sections {
			if s.Name == ".note.GNU-stack" {
				n++
				if s.Flags&elf.SHF_EXECINSTR != 0 {
					t.Errorf("%s: .note.GNU-stack is executable", tc.format)
				}
			}
		}
		if n != 1 {
			t.Errorf("%s (declared %v): %d .note.GNU-stack sections, want 1", tc.format, tc.declared, n)
		}
		// The bookkeeping sections shift by one: names (read through
		// e_shstrndx) and the symtab's link must still be right.
		if st := f.Section(".symtab"); st == nil || f.Sections[st.Link].Name != ".strtab" {
			t.Errorf("%s: .symtab missing or not linked to .strtab", tc.format)
		}
		tmp := t.TempDir()
		o, exe := filepath.Join(tmp, "s.o"), filepath.Join(tmp, "s")
		os.WriteFile(o, buf.Bytes(), 0o644)
		if out, err := exec.Command(readelf, "-W", "-s", o).CombinedOutput(); err != nil || !strings.Contains(string(out), "_start") {
			t.Fatalf("readelf -s: %v\n%s", err, out)
		}
		if out, err := exec.Command(ld, "-m", tc.emu, "-o", exe, o).CombinedOutput(); err != nil {
			t.Fatalf("ld: %v\n%s", err, out)
		}
		out, err := exec.Command(readelf, "-W", "-l", exe).CombinedOutput()
		if err != nil {
			t.Fatal(err)
		}
		if !regexp.MustCompile(`GNU_STACK.* RW `).Match(out) {
			t.Errorf("%s: linked program's stack is not RW:\n%s", tc.format, out)
		}
	}
}

// __DATE__ and its kin come from Options.BuildTime, in UTC whatever TZ
// says, in nasm's forms: the output is a function of the input alone.
func TestBuildTimeMacros(t *testing.T) {
	t.Setenv("TZ", "Asia/Kolkata")
	bt := time.Unix(1700000000, 0) // 2023-11-14 22:13:20 UTC
	src := "db __DATE__, __TIME__, __UTC_DATE__, __?UTC_TIME?__\ndd __DATE_NUM__, __TIME_NUM__, __POSIX_TIME__\n"
	res, err := Assemble("t.asm", Options{BuildTime: &bt, ReadFile: memFS(map[string]string{"t.asm": src})})
	if err != nil {
		t.Fatal(err)
	}
	var want bytes.Buffer
	want.WriteString("2023-11-1422:13:202023-11-1422:13:20")
	for _, v := range []uint32{20231114, 221320, 1700000000} {
		want.Write([]byte{byte(v), byte(v >> 8), byte(v >> 16), byte(v >> 24)})
	}
	if !bytes.Equal(res.Binary, want.Bytes()) {
		t.Fatalf("got %q, want %q", res.Binary, want.Bytes())
	}
}

// Every golden answer in the corpus belongs to a corpus program: a program
// removed or renamed takes its answers with it.
func TestCorpusGoldenFilesHaveInputs(t *testing.T) {
	files, err := filepath.Glob(filepath.Join(diffDir, "*.nasm-*.txt"))
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		base := filepath.Base(f)
		prog := base[:strings.Index(base, ".nasm-")] + ".asm"
		if _, err := os.Stat(filepath.Join(diffDir, prog)); err != nil {
			t.Errorf("%s: no %s: remove the answers of a removed program", f, prog)
		}
	}
}

// Every limit has its own name, the names come sorted (help and errors
// list them so), and each name reaches its own field.
func TestLimitNamesAreSortedAndReachTheirOwnFields(t *testing.T) {
	names := LimitNames()
	if !sort.StringsAreSorted(names) {
		t.Errorf("limit names not sorted: %v", names)
	}
	var l Limits
	seen := map[*int64]string{}
	for i, n := range names {
		if i > 0 && names[i-1] == n {
			t.Errorf("limit %s listed twice", n)
		}
		f, ok := l.field(strings.ToUpper(n))
		if !ok {
			t.Fatalf("limit %s has no field", n)
		}
		if other, dup := seen[f]; dup {
			t.Errorf("limits %s and %s share a field", other, n)
		}
		seen[f] = n
	}
	if len(seen) != 10 {
		t.Errorf("%d limits, want nasm's 8 plus tokens and output", len(seen))
	}
}
