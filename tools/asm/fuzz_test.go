package asm

import (
	"os"
	"path/filepath"
	"testing"
)

// FuzzAssemble feeds arbitrary source to the whole front end in every
// format: it must return output or nasm-style errors, never panic, and the
// same input must give the same bytes twice.
func FuzzAssemble(f *testing.F) {
	files, _ := filepath.Glob(filepath.Join(diffDir, "*.asm"))
	for _, p := range files {
		if data, err := os.ReadFile(p); err == nil {
			f.Add(string(data))
		}
	}
	for _, s := range []string{
		"bits 64\njmp x\ntimes 130 nop\nx: ret",
		"a: dd a - $, b\nb equ a + 4",
		"section .bss\nresb 10\nsection .text\nmov eax, [ebx*4+esp]",
		"%macro m 1+\n%%x: db %1\n%endmacro\nm 1, 'a'",
		"times 5 align 4",
		"x equ y\ny equ x",
		"a: jmp b\n%if $-a > 2\nnop\n%endif\n%assign n $-$$\ntimes n db 0\nb:",
		"s: db 1\nabsolute s+1\nf: resb 2\n%if f-s != 1\n%error x\n%endif",
		"db 3 dup (1, 2 dup (?)), %(4,5), ?, ?\ndw byte 3, 2 dup dword ('ab')",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, src string) {
		for _, format := range []string{"bin", "elf32", "elf64"} {
			opts := Options{Format: format, ReadFile: memFS(map[string]string{"t.asm": src})}
			r1, err1 := Assemble("t.asm", opts)
			r2, err2 := Assemble("t.asm", opts)
			if (err1 == nil) != (err2 == nil) {
				t.Fatalf("%s: nondeterministic success: %v / %v", format, err1, err2)
			}
			if err1 != nil {
				if err1.Error() != err2.Error() {
					t.Fatalf("%s: nondeterministic errors:\n%v\n%v", format, err1, err2)
				}
				continue
			}
			if string(r1.Binary) != string(r2.Binary) {
				t.Fatalf("%s: nondeterministic output", format)
			}
		}
	})
}
