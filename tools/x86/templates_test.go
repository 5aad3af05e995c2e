package x86

import (
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

// knownGaps are forms nasm 2.16 assembles that Encode rejects on purpose,
// by mnemonic: forms of instruction sets it does not support give
// "instruction not supported"; these give another error.
var knownGaps = map[string]string{
	"lea":     "lea reg, imm (nasm's address without brackets)",
	"bextr":   "bextr reg, rm, imm32 (AMD TBM, XOP-encoded)",
	"pinsrb":  "pinsrb xmm, reg8, imm (nasm's byte-register source)",
	"vpinsrb": "vpinsrb xmm, xmm, reg8, imm (nasm's byte-register source)",
	"jmpe":    "jmpe (IA-64)",
	"ptwrite": "ptwrite (nasm 2.16 encodes it without its F3 prefix)",
}

// TestNasmFormsNeverEncodedWrongly feeds Encode one line per operand kind
// of every instruction template of nasm 2.16 (AVX-512, 3DNow!, XOP and the
// other sets Encode does not support included), kept with nasm's answers
// in testdata/nasm/templates<mode>.txt. Whatever nasm encodes, Encode must
// encode the same or refuse; whatever nasm refuses, Encode must refuse.
// Encode refusing a form of an instruction it supports, other than the
// known gaps above, fails too, so that the table does not silently lose
// forms.
//
// The inputs were made once from nasm's instruction table (insns.dat) and
// live only in the golden files; -update asks nasm again for the same
// inputs (X86_TEMPLATE_INPUTS=dir takes new ones from dir/tl<mode>.txt).
func TestNasmFormsNeverEncodedWrongly(t *testing.T) {
	for _, mode := range []int{16, 32, 64} {
		name := fmt.Sprintf("templates%d", mode)
		lines := templateInputs(t, name, mode)
		want := nasmAnswers(t, name, mode, lines)
		r := diffResult{file: goldenPath(name)}
		unsupported, crashes, evex := 0, 0, 0
		gaps := map[string]int{}
		for i, l := range lines {
			r.total++
			mn := strings.Fields(l)[0]
			got := encodeAnswer(mode, l)
			nasmErr := strings.HasPrefix(want[i], "error: ")
			ourErr := strings.HasPrefix(got, "error: ")
			switch {
			case strings.HasPrefix(want[i], nasmCrash):
				crashes++
			case got == want[i] && nasmErr:
				r.okErr++
			case got == want[i]:
				r.ok++
			case nasmErr && ourErr:
				r.okErr++ // both refuse, in other words
			case !nasmErr && ourErr && !Supported(mn):
				unsupported++
			case !nasmErr && ourErr && evexAnswer(want[i]):
				evex++ // AVX-512: nasm encodes it with EVEX
			case !nasmErr && ourErr && knownGaps[mn] != "":
				gaps[mn]++
			default:
				r.diff = append(r.diff, "-"+l+"\t"+want[i], "+"+l+"\t"+got)
			}
		}
		reportDiff(t, fmt.Sprintf("BITS %d nasm templates", mode), r)
		var g []string
		for mn, n := range gaps {
			g = append(g, fmt.Sprintf("%s:%d", mn, n))
		}
		sort.Strings(g)
		t.Logf("BITS %d: refused: %d lines of instructions not supported, %d AVX-512 (EVEX) forms, known gaps %s; %d lines nasm crashes on",
			mode, unsupported, evex, strings.Join(g, " "), crashes)
	}
}

// templateInputs returns the input lines of a template set: from the
// golden file, or under -update from X86_TEMPLATE_INPUTS if set.
func templateInputs(t *testing.T, name string, mode int) []string {
	if dir := os.Getenv("X86_TEMPLATE_INPUTS"); dir != "" && *update {
		data, err := os.ReadFile(filepath.Join(dir, fmt.Sprintf("tl%d.txt", mode)))
		if err != nil {
			t.Fatal(err)
		}
		return strings.Split(strings.TrimSpace(string(data)), "\n")
	}
	files := goldenFiles(name)
	if len(files) == 0 {
		t.Fatalf("%s: missing (the inputs live in the golden file)", goldenPath(name))
	}
	var lines []string
	for _, p := range files {
		data, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		for _, l := range strings.Split(string(data), "\n") {
			if l == "" || strings.HasPrefix(l, "#") {
				continue
			}
			in, _, _ := strings.Cut(l, "\t")
			lines = append(lines, in)
		}
	}
	return lines
}

// evexAnswer reports whether nasm's bytes are an EVEX instruction: 62
// after any legacy prefixes.
func evexAnswer(s string) bool {
	for _, b := range strings.Fields(s) {
		switch b {
		case "26", "2E", "36", "3E", "64", "65", "66", "67", "F0", "F2", "F3":
			continue
		}
		return b == "62"
	}
	return false
}
