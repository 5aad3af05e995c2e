package asm

import (
	"bytes"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
)

// The sections of an object are nasm's: the .text a source has only by
// default (nothing before its first section directive) is left out when
// nothing goes into it, and kept when code, data, a reservation or a label
// does, or a section directive names it.
func TestObjectSectionsMatchNasm(t *testing.T) {
	golden := nasmgolden.ForTest(t)
	dir := t.TempDir()
	for i, src := range []string{
		"section .data\ndb 1\n",
		"x equ 5\nsection .data\ndb 1\n",
		"foo:\nsection .data\ndb 1\n",
		"section .text\nsection .data\ndb 1\n",
		"global foo\nfoo:\nsection .data\ndb 1\n",
		"bits 64\nsection .data\ndb 1\nsection .text\n",
		"align 4\nsection .data\ndb 1\n",
		"times 0 nop\nsection .data\ndb 1\n",
		"section .bss\nresb 4\n",
		"section .text\n",
		"nop\n",
		"resb 1\nsection .data\ndb 1\n",
		"foo equ $\nsection .data\ndb 1\n",
		"dd bar\nsection .data\nbar: db 1\n",
		"section .data\ndd $$\n",
		"%macro m 0\n%endmacro\nm\nsection .rodata\ndb 2\n",
	} {
		name := filepath.Join(dir, "s.asm")
		if err := os.WriteFile(name, []byte(src), 0o644); err != nil {
			t.Fatal(err)
		}
		// One answer per source: the key says which.
		ans := golden.Answer(t, fmt.Sprintf("%d: nasm -f elf64 -o OUT s.asm", i), []byte(src), func() nasmgolden.Answer {
			return nasmgolden.Run(t, dir, []string{"-f", "elf64", "-o", nasmgolden.Out, "s.asm"})
		})
		if !ans.OK() {
			t.Fatalf("%q: nasm: status %d\n%s", src, ans.Status, ans.Output)
		}
		want := sectionNames(t, ans.File(t, nasmgolden.Out))
		res, err := Assemble("s.asm", Options{Format: "elf64", ReadFile: readIn(dir)})
		if err != nil {
			t.Fatalf("%d: %v", i, err)
		}
		var b bytes.Buffer
		if err := tinyelf.WriteObject(&b, res.Object); err != nil {
			t.Fatal(err)
		}
		if got := sectionNames(t, b.Bytes()); got != want {
			t.Errorf("%q: sections %s, nasm %s", src, got, want)
		}
	}
}

func mustRead(t *testing.T, path string) []byte {
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// sectionNames lists an object's sections but the tables and notes.
func sectionNames(t *testing.T, data []byte) string {
	f, err := elf.NewFile(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, s := range f.Sections {
		switch {
		case s.Name == "", s.Type == elf.SHT_SYMTAB, s.Type == elf.SHT_STRTAB, s.Type == elf.SHT_RELA, s.Type == elf.SHT_REL,
			strings.HasPrefix(s.Name, ".note"), s.Name == ".comment":
			continue
		}
		names = append(names, s.Name)
	}
	sort.Strings(names)
	return strings.Join(names, " ")
}
