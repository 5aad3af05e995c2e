package x86

import (
	"fmt"
	"strings"
	"testing"
)

// cpuLevels are the levels of nasm's `cpu` directive the tests try, with
// the name nasm's directive takes.
var cpuLevels = []struct {
	name string
	cpu  CPU
}{
	{"8086", CPU8086}, {"186", CPU186}, {"286", CPU286}, {"386", CPU386}, {"486", CPU486},
	{"586", CPUPentium}, {"686", CPUP6}, {"katmai", CPUKatmai}, {"willamette", CPUWillamette},
	{"prescott", CPUPrescott}, {"x64", CPUX64}, {"nehalem", CPUNehalem}, {"westmere", CPUWestmere},
	{"sandybridge", CPUSandyBridge}, {"ivybridge", CPUFuture},
}

// cpuAnswers writes one line's answers at every level the way the golden
// file keeps them: "8086: <answer> | 386: <answer>", a level written only
// where the answer changes.
func cpuAnswers(answers []string) string {
	var parts []string
	for i, a := range answers {
		if i == 0 || a != answers[i-1] {
			parts = append(parts, cpuLevels[i].name+": "+a)
		}
	}
	return strings.Join(parts, " | ")
}

// TestCPULevelsMatchNasm assembles two lines of every form (and some
// branches) under each `cpu` level and compares with nasm's answers in
// testdata/nasm/cpu<mode>.txt: the same bytes where nasm assembles them
// (a conditional jump out of short range on an 8086 becomes the opposite
// jump over a near jmp), "no instruction for this cpu level" where not.
func TestCPULevelsMatchNasm(t *testing.T) {
	for _, mode := range []int{16, 32, 64} {
		var lines []string
		perForm := map[*form]int{}
		generateLines(mode, 60, func(f *form, line string) {
			if perForm[f] < 2 {
				perForm[f]++
				lines = append(lines, line)
			}
		})
		lines = append(lines, "jz $+0x1000", "jnz $-0x1000", "jc $+0x80", "jz $+0x7f", "jmp $+0x1000",
			"jz short $+0x1000", "jz near $+0x10", "o16 jz $+0x1000", "fs jz $+0x1000", "jcxz $+0x1000")
		name := fmt.Sprintf("cpu%d", mode)
		want := goldenAnswers(t, name, lines, func(lines []string) []string {
			per := make([][]string, len(lines))
			for _, l := range cpuLevels {
				for i, r := range nasmAssembleAfter(t, mode, "cpu "+l.name, lines) {
					per[i] = append(per[i], r.String())
				}
			}
			out := make([]string, len(lines))
			for i := range per {
				out[i] = cpuAnswers(per[i])
			}
			return out
		}, fmt.Sprintf("nasm -f bin, BITS %d, under each cpu level: the answer from the level written on.", mode))
		r := diffResult{file: goldenPath(name)}
		for i, line := range lines {
			r.total++
			var got []string
			for _, l := range cpuLevels {
				inst, err := parseTestLine(mode, line, Value{Known: true})
				if err != nil {
					got = append(got, "error: "+err.Error())
					continue
				}
				inst.CPU = l.cpu
				enc, err := Encode(inst)
				if err != nil {
					got = append(got, "error: "+err.Error())
				} else {
					got = append(got, hexBytes(enc.Bytes))
				}
			}
			if g := cpuAnswers(got); g != want[i] {
				r.diff = append(r.diff, "-"+line+"\t"+want[i], "+"+line+"\t"+g)
			} else {
				r.ok++
			}
		}
		reportDiff(t, fmt.Sprintf("BITS %d under every cpu level", mode), r)
	}
}
