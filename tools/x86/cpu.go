package x86

import (
	"errors"
	"strings"
)

// CPU is a processor level of nasm's `cpu` directive. Inst.CPU selects
// it; instructions (more exactly, instruction forms) above it are errors,
// as in nasm. The zero value, CPUDefault, allows everything.
type CPU uint8

const (
	CPUDefault CPU = iota // nasm's default: every instruction
	CPU8086
	CPU186
	CPU286
	CPU386
	CPU486
	CPUPentium // 586, pentium, pentiummmx
	CPUP6      // 686, p6, ppro, pentiumpro, p2, pentiumii
	CPUKatmai  // p3, katmai
	CPUWillamette
	CPUPrescott
	CPUX64 // x64, x86-64
	CPUNehalem
	CPUWestmere
	CPUSandyBridge
	CPUFuture // ivybridge
	CPUIA64
	CPUAny
)

var cpuNames = [...]string{
	CPUDefault: "default", CPU8086: "8086", CPU186: "186", CPU286: "286", CPU386: "386", CPU486: "486",
	CPUPentium: "pentium", CPUP6: "p6", CPUKatmai: "katmai", CPUWillamette: "willamette",
	CPUPrescott: "prescott", CPUX64: "x64", CPUNehalem: "nehalem", CPUWestmere: "westmere",
	CPUSandyBridge: "sandybridge", CPUFuture: "future", CPUIA64: "ia64", CPUAny: "any",
}

func (c CPU) String() string {
	if int(c) < len(cpuNames) {
		return cpuNames[c]
	}
	return "cpu?"
}

// allows reports whether an instruction form of level need may be used
// at the level c.
func (c CPU) allows(need CPU) bool {
	return c == CPUDefault || c == CPUAny || need <= c
}

// Allows reports whether the level c lets a program use what needs the
// level need (BITS 32 needs a 386, BITS 64 an x86-64).
func (c CPU) Allows(need CPU) bool { return c.allows(need) }

// cpuDirectiveNames are the names nasm's `cpu` directive takes, in the
// order nasm tries them.
var cpuDirectiveNames = [...]struct {
	name string
	cpu  CPU
}{
	{"default", CPUDefault}, {"8086", CPU8086}, {"186", CPU186}, {"286", CPU286}, {"386", CPU386},
	{"486", CPU486}, {"586", CPUPentium}, {"pentium", CPUPentium}, {"pentiummmx", CPUPentium},
	{"686", CPUP6}, {"p6", CPUP6}, {"ppro", CPUP6}, {"pentiumpro", CPUP6}, {"p2", CPUP6},
	{"pentiumii", CPUP6}, {"p3", CPUKatmai}, {"katmai", CPUKatmai}, {"p4", CPUWillamette},
	{"willamette", CPUWillamette}, {"prescott", CPUPrescott}, {"x64", CPUX64}, {"x86-64", CPUX64},
	{"ia64", CPUIA64}, {"ia-64", CPUIA64}, {"itanium", CPUIA64}, {"itanic", CPUIA64},
	{"merced", CPUIA64}, {"nehalem", CPUNehalem}, {"westmere", CPUWestmere},
	{"sandybridge", CPUSandyBridge}, {"ivybridge", CPUFuture}, {"any", CPUAny}, {"all", CPUAny},
}

// LookupCPU parses the argument of a `cpu` directive naming a level
// (`cpu 386`, `cpu p4`, `cpu x64`), any case. Like nasm it also takes a
// leading part of a name (`cpu 8` is 8086) and the last of several names
// separated by blanks or commas wins. Of the feature flags nasm's
// directive also takes, `latevex` and `evex` (set or cleared) and setting
// `vex` change nothing this encoder does: every instruction it encodes is
// legacy or VEX-first, and nasm picks VEX for those whatever the flags.
// Clearing `vex` (`novex`, `-vex`) would make nasm emit EVEX, which the
// encoder has not: it is refused.
func LookupCPU(arg string) (CPU, error) {
	fields := strings.FieldsFunc(arg, func(r rune) bool { return r == ' ' || r == '\t' || r == ',' })
	if len(fields) == 0 {
		return CPUDefault, nil
	}
	level := CPUDefault
	modifier := byte('+') // nasm's modifier carries over to the next names
	for _, f := range fields {
		name := f
		for name != "" && strings.IndexByte("+-*", name[0]) >= 0 {
			modifier = name[0]
			name = name[1:]
		}
		if name == "" {
			continue
		}
		clear := false
		if len(name) >= 3 && strings.EqualFold(name[:2], "no") {
			name = name[2:] // nasm strips a "no" before looking the name up
			clear = true
		}
		found := false
		for _, c := range cpuDirectiveNames {
			if len(name) <= len(c.name) && strings.EqualFold(name, c.name[:len(name)]) {
				level, found = c.cpu, true
				break
			}
		}
		if found {
			continue
		}
		for _, flag := range []string{"latevex", "evex", "vex"} {
			if len(name) <= len(flag) && strings.EqualFold(name, flag[:len(name)]) {
				if flag == "vex" && clear != (modifier == '-') && modifier != '*' {
					return level, errors.New("cpu flag '" + f + "' is not supported (the encoder has no AVX-512)")
				}
				found = true
				break
			}
		}
		if found {
			continue
		}
		return level, errors.New("unknown CPU type or flag '" + f + "'")
	}
	return level, nil
}
