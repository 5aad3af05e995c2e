package link_test

import (
	"strings"
	"testing"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/link"
	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// The relocations of nasm's WRT forms that need a GOT slot or
// thread-local storage are refused
// with the relocation named: a static link without a GOT has no right
// value to write there.
func TestGOTAndTLSFormsAreRefused(t *testing.T) {
	const data = "\nsection .data\ng: dd 0\n"
	cases := []struct {
		format, code, reloc string
	}{
		{"elf32", "mov eax, [ebx+g wrt ..got]", "R_386_GOT32"},
		{"elf32", "mov eax, [g wrt ..tlsie]", "R_386_TLS_IE"},
		{"elf64", "mov eax, [rbx+g wrt ..got]", "R_X86_64_GOT32"},
		{"elf64", "mov rax, [qword g wrt ..got]", "R_X86_64_GOT64"},
		{"elf64", "mov rax, [rel g wrt ..gottpoff]", "R_X86_64_GOTTPOFF"},
		{"elf64", "dq g - $ wrt ..got", "R_X86_64_GOTPCREL64"},
	}
	for _, c := range cases {
		t.Run(c.reloc, func(t *testing.T) {
			src := "global _start, g\nsection .text\n_start: " + c.code + data
			o, err := tinyelf.ReadObject(linktest.Nasm(t, c.format, src), "got.o")
			if err != nil {
				t.Fatal(err)
			}
			_, err = link.Link([]*obj.File{o}, link.Options{})
			if err == nil {
				t.Fatal("linked")
			}
			for _, w := range []string{"got.o: .text+", c.reloc, "not supported by tiny link"} {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
		})
	}
}

// R_X86_64_GOTPC32 / R_X86_64_GOTOFF64 (nasm's elf64 wrt ..gotpc and
// ..gotoff) link without a GOT, as the i386 pairs do.
func TestAMD64GOTPCAndGOTOFF(t *testing.T) {
	for _, l := range layouts {
		t.Run(l.name, func(t *testing.T) {
			runChecked(t, []*obj.File{nasmObj(t, "elf64", "pic64.asm")}, l.opts, "pic\n", 0)
		})
	}
}
