package asm_test

// Command-line cases: a testdata/cli case with `; args:` lines is run
// through `tiny asm`'s command line (nasmcmd.Main) once per line, and what
// comes out (the exit status, the messages, the output file described
// in full: bytes for -f bin; sections, symbols and relocations for ELF)
// must be what nasm 2.16 gave for the same command line. nasm's answers
// are checked in beside the case as NAME.golden, under a hash of the case
// (an edited case fails until its answers are asked again); -update (the
// flag of tools/internal/nasmgolden, one for every golden file) writes
// them again by running nasm where it is installed.

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/asm/nasmcmd"
	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
)

const casesDir = "testdata/cli"

// cliArgs are a case's `; args:` lines, each a command line without -o
// and the source.
func cliArgs(t *testing.T, path string) [][]string {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var lines [][]string
	for _, l := range strings.Split(string(data), "\n") {
		if a, ok := strings.CutPrefix(l, "; args:"); ok {
			lines = append(lines, strings.Fields(a))
		}
	}
	return lines
}

func TestCommandLineCasesMatchNasm(t *testing.T) {
	paths, _ := filepath.Glob(filepath.Join(casesDir, "*.asm"))
	n := 0
	for _, path := range paths {
		argLines := cliArgs(t, path)
		if len(argLines) == 0 {
			continue
		}
		n++
		name := filepath.Base(path)
		golden := strings.TrimSuffix(path, ".asm") + ".golden"
		t.Run(name, func(t *testing.T) {
			src, err := os.ReadFile(path)
			if err != nil {
				t.Fatal(err)
			}
			header := "# nasm's answers for " + name + " " + nasmgolden.Hash(src) + "\n"
			if nasmgolden.Updating() {
				want := header
				for _, args := range argLines {
					want += nasmAnswer(t, name, args)
				}
				if err := os.WriteFile(golden, []byte(want), 0o644); err != nil {
					t.Fatal(err)
				}
			}
			data, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./tools/asm -update with nasm installed)", err)
			}
			exp, ok := strings.CutPrefix(string(data), header)
			if !ok {
				t.Fatalf("%s was written for another version of %s: run go test ./tools/asm -update with nasm installed", golden, name)
			}
			var got strings.Builder
			for _, args := range argLines {
				got.WriteString(tinyAnswer(t, name, args))
			}
			if got.String() != exp {
				t.Errorf("tiny asm differs from nasm (%s):\n%s", golden, lineDiff(got.String(), exp))
			}
		})
	}
	if n == 0 {
		t.Fatal("no case with `; args:' lines")
	}
}

// nasmAnswer runs nasm on a case (in testdata/cli) and describes what it did.
func nasmAnswer(t *testing.T, name string, args []string) string {
	out := filepath.Join(t.TempDir(), "out")
	cmd := nasmgolden.Command(t, casesDir, append(append(append([]string{}, args...), "-o", out), name)...)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	code := nasmgolden.ExitStatus(t, cmd.Run())
	return describeRun(t, args, code, stderr.String(), out)
}

// tinyAnswer runs `tiny asm` the same way.
func tinyAnswer(t *testing.T, name string, args []string) string {
	out := filepath.Join(t.TempDir(), "out")
	wd, _ := os.Getwd()
	t.Chdir(casesDir)
	defer t.Chdir(wd)
	var stdout, stderr bytes.Buffer
	code := nasmcmd.Main(append(append(append([]string{}, args...), "-o", out), name), nasmcmd.Env{}, &stdout, &stderr)
	return describeRun(t, args, code, stderr.String(), out)
}

// describeRun is the text a golden file holds for one command line.
// Exit statuses are compared as success or failure (tiny exits 2 for a
// usage error where nasm exits 1).
func describeRun(t *testing.T, args []string, code int, msgs, out string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "=== %s\n", strings.Join(args, " "))
	fmt.Fprintf(&b, "ok: %v\n", code == 0)
	for _, l := range strings.Split(strings.TrimRight(msgs, "\n"), "\n") {
		if l != "" {
			fmt.Fprintf(&b, "msg: %s\n", l)
		}
	}
	if code != 0 {
		return b.String()
	}
	data, err := os.ReadFile(out)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.HasPrefix(data, []byte(elf.ELFMAG)) {
		b.WriteString(describeObject(t, data))
	} else {
		hexLines(&b, "", data)
	}
	return b.String()
}

func hexLines(b *strings.Builder, indent string, data []byte) {
	for i := 0; i < len(data); i += 32 {
		fmt.Fprintf(b, "%s%04x %x\n", indent, i, data[i:min(i+32, len(data))])
	}
}

// describeObject describes what a relocatable object means, not how its
// tables are laid out: its sections (but the tables, the producer's
// .comment and an empty .note.GNU-stack, which tools/elf writes on
// purpose), its symbols but the file and section symbols, sorted by
// name, and its relocations, with section symbols written
// `section:NAME`.
func describeObject(t *testing.T, data []byte) string {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "class %v machine %v\n", f.Class, f.Machine)
	secName := func(i elf.SectionIndex) string {
		switch {
		case i == elf.SHN_UNDEF:
			return "UND"
		case i == elf.SHN_ABS:
			return "ABS"
		case i == elf.SHN_COMMON:
			return "COM"
		case int(i) < len(f.Sections):
			return f.Sections[i].Name
		}
		return fmt.Sprint(i)
	}
	var secs []string
	for _, s := range f.Sections {
		switch {
		case s.Type == elf.SHT_NULL, s.Type == elf.SHT_SYMTAB, s.Type == elf.SHT_STRTAB, s.Type == elf.SHT_REL, s.Type == elf.SHT_RELA,
			s.Name == ".comment", s.Name == ".note.GNU-stack" && s.Size == 0:
			continue
		}
		var sb strings.Builder
		fmt.Fprintf(&sb, "section %s %v %v align %d entsize %d size %d\n", s.Name, s.Type, s.Flags, s.Addralign, s.Entsize, s.Size)
		if s.Type != elf.SHT_NOBITS {
			d, _ := s.Data()
			hexLines(&sb, "  ", d)
		}
		secs = append(secs, sb.String())
	}
	sort.Strings(secs) // section order means nothing to a linker
	for _, s := range secs {
		b.WriteString(s)
	}
	syms, _ := f.Symbols()
	var lines []string
	for _, s := range syms {
		typ := elf.ST_TYPE(s.Info)
		if typ == elf.STT_FILE || typ == elf.STT_SECTION {
			continue
		}
		lines = append(lines, fmt.Sprintf("symbol %q %v %v %v %s %#x size %d", s.Name, elf.ST_BIND(s.Info), typ,
			elf.ST_VISIBILITY(s.Other), secName(s.Section), s.Value, s.Size))
	}
	sort.Strings(lines)
	for _, l := range lines {
		b.WriteString(l + "\n")
	}
	var rows []string
	for _, s := range f.Sections {
		if s.Type != elf.SHT_REL && s.Type != elf.SHT_RELA {
			continue
		}
		d, _ := s.Data()
		patched := f.Sections[s.Info].Name
		for len(d) > 0 {
			var off, info uint64
			var addend int64
			switch {
			case f.Class == elf.ELFCLASS64 && s.Type == elf.SHT_RELA:
				off, info, addend = f.ByteOrder.Uint64(d), f.ByteOrder.Uint64(d[8:]), int64(f.ByteOrder.Uint64(d[16:]))
				d = d[24:]
			case f.Class == elf.ELFCLASS32 && s.Type == elf.SHT_REL:
				off, info = uint64(f.ByteOrder.Uint32(d)), uint64(f.ByteOrder.Uint32(d[4:]))
				info = info>>8<<32 | info&0xff
				d = d[8:]
			default:
				t.Fatalf("%s: unexpected relocation section kind %v in %v", s.Name, s.Type, f.Class)
			}
			symIdx, typ := int(info>>32), uint32(info&0xffffffff)
			target := "none"
			if symIdx > 0 && symIdx <= len(syms) {
				sym := syms[symIdx-1]
				target = fmt.Sprintf("%q", sym.Name)
				if elf.ST_TYPE(sym.Info) == elf.STT_SECTION {
					target = "section:" + secName(sym.Section)
				}
			}
			tname := fmt.Sprint(elf.R_X86_64(typ))
			if f.Machine == elf.EM_386 {
				tname = fmt.Sprint(elf.R_386(typ))
			}
			rows = append(rows, fmt.Sprintf("reloc %s %#06x %s %s %+d", patched, off, tname, target, addend))
		}
	}
	sort.Strings(rows)
	for _, r := range rows {
		b.WriteString(r + "\n")
	}
	return b.String()
}

// lineDiff shows the lines of got and want that differ, first ones first.
func lineDiff(got, want string) string {
	g, w := strings.Split(got, "\n"), strings.Split(want, "\n")
	var b strings.Builder
	shown := 0
	for i := 0; i < len(g) || i < len(w); i++ {
		var gl, wl string
		if i < len(g) {
			gl = g[i]
		}
		if i < len(w) {
			wl = w[i]
		}
		if gl != wl {
			fmt.Fprintf(&b, "line %d:\n  tiny: %s\n  nasm: %s\n", i+1, gl, wl)
			if shown++; shown == 12 {
				b.WriteString("...\n")
				break
			}
		}
	}
	return b.String()
}
