package asm

import (
	"strings"
	"testing"
)

// nasm carries the `float' mode into its next pass, so constants before
// the first directive take the mode the file ends in. tiny refuses a
// file where that is not the default (nasm: `cccc8c3f' twice here), and
// takes one that ends in the default.
func TestFloatModeBeforeFirstDirective(t *testing.T) {
	_, err := Assemble("t.asm", Options{Format: "bin", ReadFile: memFS(map[string]string{"t.asm": "dd 1.1\nfloat zero\ndd 1.1\n"})})
	if err == nil || !strings.Contains(err.Error(), "t.asm:2: error: floating-point constants before the first `float' directive") {
		t.Fatalf("got %v, want the refusal at line 2", err)
	}
	for _, src := range []string{
		"dd 1.1\nfloat zero\ndd 1.1\nfloat default\n",
		"mov eax, __float32__(1.1)\nfloat up\nfloat near\n",
		"float zero\ndd 1.1\n",
	} {
		if _, err := Assemble("t.asm", Options{Format: "bin", ReadFile: memFS(map[string]string{"t.asm": src})}); err != nil {
			t.Errorf("%q: %v", src, err)
		}
	}
	_, err = Assemble("t.asm", Options{Format: "bin", ReadFile: memFS(map[string]string{"t.asm": "mov eax, __float32__(1.1)\nfloat up\n"})})
	if err == nil {
		t.Errorf("__float32__ before `float up' at the end: accepted")
	}
}
