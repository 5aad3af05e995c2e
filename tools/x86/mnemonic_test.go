package x86

import (
	"fmt"
	"strings"
	"testing"
)

// Every mnemonic nasm 2.16 knows is one here (nasm_mnemonics.txt), so the
// front end never takes one for a label: each is assembled alone by nasm
// (testdata/nasm/mnemonics<mode>.txt), which must not take it for a label
// either, and Encode must give nasm's answer or, for the instruction sets
// it does not support, "instruction not supported: <mnemonic>".
func TestMnemonicsMatchNasm(t *testing.T) {
	var names []string
	for i := range mnemonics {
		names = append(names, mnemonics[i].name)
	}
	for _, mode := range []int{16, 32, 64} {
		want := nasmAnswers(t, fmt.Sprintf("mnemonics%d", mode), mode, names)
		r := diffResult{file: goldenPath(fmt.Sprintf("mnemonics%d", mode))}
		unsupported := 0
		for i, mn := range names {
			r.total++
			if !IsMnemonic(mn) || !IsMnemonic(strings.ToUpper(mn)) {
				t.Errorf("IsMnemonic(%q) = false", mn)
			}
			if want[i] == "no code" {
				t.Errorf("nasm takes %q for a label: not a mnemonic", mn)
				continue
			}
			got := encodeAnswer(mode, mn)
			switch {
			case got == want[i] && strings.HasPrefix(got, "error: "):
				r.okErr++
			case got == want[i]:
				r.ok++
			case got == "error: instruction not supported: "+mn && !Supported(mn):
				unsupported++
			default:
				r.diff = append(r.diff, "-"+mn+"\t"+want[i], "+"+mn+"\t"+got)
			}
		}
		reportDiff(t, fmt.Sprintf("BITS %d mnemonics alone", mode), r)
		t.Logf("BITS %d: %d of %d mnemonics not supported", mode, unsupported, len(names))
	}
	for _, label := range []string{"start", "msg", "loop1", "sysretq", "movs", "wait"} {
		if IsMnemonic(label) {
			t.Errorf("IsMnemonic(%q) = true; nasm takes it for a label or a prefix", label)
		}
	}
}
