package x86

import (
	"fmt"
	"sort"
	"strings"
	"testing"
)

// Samples per operand pattern and mode, chosen to hit nasm's choices: every
// register class (legacy, REX, high byte), every addressing shape (no SIB,
// SIB, no-base SIB, [ebp]/[r13] needing disp8 0, [esp]/[r12] needing SIB,
// disp8/disp32 edges, absolute, RIP-relative, 16-bit addressing through
// a16, segment overrides) and immediates on each side of the byte/word/dword
// boundaries.
type samples struct {
	r8, r16, r32, r64 []string
	mem               []string
	imm               map[argType][]string
	rel               []string
	cr, dr            []string
	moffs             []string
	// Vector and x87 forms share the addressing code with the integer
	// forms, so they get fewer addresses: one of each shape that changes
	// the prefixes (REX.X/B, VEX.X/B, 67, segment) or the ModRM/SIB bytes.
	vmem         []string
	xmm, ymm, mm []string
	vsibx, vsiby []string
	vimm8        []string
	st           []string
}

func sampleSet(mode int) samples {
	s := samples{
		r8:  []string{"al", "cl", "bl", "ah", "bh"},
		r16: []string{"ax", "cx", "sp", "bp", "di"},
		r32: []string{"eax", "ecx", "esp", "ebp", "esi"},
		rel: []string{"$", "$+0x10", "$-0x7e", "$+0x81", "$+0x300", "$-0x300", "short $+4", "near $+4"},
		cr:  []string{"cr0", "cr2", "cr3", "cr4"},
		dr:  []string{"dr0", "dr7"},
		imm: map[argType][]string{
			aImm8s: {"0", "1", "127", "128", "-1", "-128", "-129", "0x1234", "0x12345678", "0xffff", "0xffffffff", "byte 5", "strict dword 5"},
			aImm8:  {"0", "1", "3", "0x7f", "0xff"},
			aImm16: {"0", "5", "0x1234", "0xffff"},
			aImm32: {"0", "5", "0x80", "0x12345678", "-1", "0x7fffffff"},
			aImm64: {"5", "-5", "0xffffffff", "0x100000000", "0x123456789abcdef0", "-0x80000000", "-0x80000001"},
		},
	}
	s.xmm = []string{"xmm0", "xmm1", "xmm7"}
	s.ymm = []string{"ymm0", "ymm2", "ymm7"}
	s.mm = []string{"mm0", "mm3", "mm7"}
	s.st = []string{"st0", "st1", "st7"}
	s.vimm8 = []string{"0", "5", "0xff"}
	switch mode {
	case 16:
		s.vmem = []string{"[bx]", "[bp+di+4]", "[0x1234]", "[eax]", "[es:si]"}
		s.vsibx = []string{"[eax+xmm1*4]", "[xmm2*8+0x10]"}
		s.vsiby = []string{"[eax+ymm1*4]", "[ymm2*8+0x10]"}
	case 32:
		s.vmem = []string{"[eax]", "[esp+8]", "[ebp]", "[ebx+eax*4+0x80]", "[0x1234]", "[fs:ecx+4]", "[bx+si]"}
		s.vsibx = []string{"[eax+xmm1*4]", "[xmm7*8+0x10]", "[ebp+xmm0]", "[esp+xmm4*2]"}
		s.vsiby = []string{"[eax+ymm1*4]", "[ymm7*8+0x10]", "[ebp+ymm0]", "[esp+ymm4*2]"}
	case 64:
		s.xmm = []string{"xmm0", "xmm7", "xmm8", "xmm15"}
		s.ymm = []string{"ymm0", "ymm6", "ymm9", "ymm15"}
		s.vmem = []string{"[rax]", "[r12+8]", "[r13+r9*2]", "[rax+rcx*8+0x80]", "[rel 0x1234]", "[eax]"}
		s.vsibx = []string{"[rax+xmm1*4]", "[r13+xmm9*8+0x80]", "[xmm15]", "[rsp+xmm4*2]"}
		s.vsiby = []string{"[rax+ymm1*4]", "[r13+ymm9*8+0x80]", "[ymm15]", "[rsp+ymm4*2]"}
	}
	switch mode {
	case 16:
		s.mem = []string{"[bx]", "[bp]", "[bx+si]", "[bp+di+4]", "[si-0x81]", "[di+0x1234]", "[0x1234]", "[eax]", "[ebx+ecx*4+8]", "[es:bx]"}
		s.moffs = []string{"[0x1234]"}
	case 32:
		s.mem = []string{"[eax]", "[ebx+4]", "[ebp]", "[esp]", "[esp+8]", "[ebx+eax*4]", "[ebp+esi*2+0x80]",
			"[eax*8+0x1000]", "[0x1234]", "[ebx-129]", "[ecx+0x12345678]", "[edi+edi*2]", "[eax*2]", "[byte ebx+1]",
			"[dword ebx]", "[fs:eax+4]", "[ss:ebp-4]", "[bx+si]", "[bp+8]", "[eax*5]"}
		s.moffs = []string{"[0x1234]", "[es:0x12345678]"}
	case 64:
		s.r8 = []string{"al", "cl", "ah", "spl", "dil", "r8b", "r15b"}
		s.r16 = append(s.r16, "r9w", "r15w")
		s.r32 = append(s.r32, "r8d", "r13d")
		s.r64 = []string{"rax", "rcx", "rsp", "rbp", "r8", "r12", "r13", "r15"}
		s.mem = []string{"[rax]", "[rbx+4]", "[rbp]", "[rsp]", "[r12]", "[r13]", "[r12+8]", "[r13+rax*2]",
			"[rax+r9*8+0x80]", "[rsp+r15]", "[0x1234]", "[rel 0x1234]", "[eax]", "[ebx+ecx*2+4]", "[r8d+5]",
			"[fs:rax]", "[rbp-0x200]", "[r11*4]", "[rax*2]", "[byte r14+1]"}
		s.moffs = []string{"[qword 0x1234]", "[qword 0x123456789]"}
		s.cr = append(s.cr, "cr8")
	}
	return s
}

var sizeWord = map[int]string{1: "byte", 2: "word", 4: "dword", 8: "qword", 10: "tword", 16: "oword", 32: "yword"}

// vectorForm tells the forms sampled with the shorter vector lists: those
// with an operand the integer instructions do not have.
func vectorForm(f *form) bool {
	if f.has(fVEX) {
		return true
	}
	for _, a := range f.args[:f.nargs] {
		switch a {
		case aM80, aM128, aM256, aR32M8, aMM, aMMM32, aMMM64, aXMM, aXMM0, aXMMM8, aXMMM16, aXMMM32, aXMMM64,
			aXMMM128, aYMM, aYMMM256, aVM32X, aVM32Y, aVM64X, aVM64Y, aST0, aSTi, aSTTo:
			return true
		}
	}
	return false
}

// vectorArgTexts lists the source texts tried for one operand of a vector
// or x87 form.
func vectorArgTexts(s samples, f *form, a argType) []string {
	var out []string
	mem := func(size int) {
		for i, m := range s.vmem {
			if i == 0 && size != 0 {
				out = append(out, sizeWord[size]+" "+m)
			}
			if i == 1 {
				// A size the form does not take: nasm says "invalid
				// combination" or "mismatch in operand sizes" by whether
				// its template has a size.
				wrong := 1
				if size == 1 {
					wrong = 2
				}
				out = append(out, sizeWord[wrong]+" "+m)
			}
			out = append(out, m)
		}
	}
	switch a {
	case aMM:
		return s.mm
	case aMMM32, aMMM64:
		out = append(out, s.mm...)
		mem(int(f.msize))
	case aXMM:
		return s.xmm
	case aXMM0:
		return []string{"xmm0"}
	case aXMMM8, aXMMM16, aXMMM32, aXMMM64, aXMMM128:
		out = append(out, s.xmm...)
		mem(int(f.msize))
	case aYMM:
		return s.ymm
	case aYMMM256:
		out = append(out, s.ymm...)
		mem(int(f.msize))
	case aM, aM8, aM16, aM32, aM64, aM80, aM128, aM256:
		mem(int(f.msize))
	case aRM8, aRM16, aRM32, aRM64, aR32M8:
		out = append(out, map[argType][]string{aRM8: s.r8, aRM16: s.r16, aRM32: s.r32, aRM64: s.r64, aR32M8: s.r32}[a][:3]...)
		mem(int(f.msize))
	case aVM32X, aVM64X:
		return s.vsibx
	case aVM32Y, aVM64Y:
		return s.vsiby
	case aST0:
		return []string{"st0"}
	case aSTi:
		return s.st
	case aSTTo:
		return []string{"to st0", "to st1", "to st7"}
	case aImm8:
		return s.vimm8
	default:
		l := argTexts(s, f, a, true)
		if len(l) > 4 {
			l = l[:4]
		}
		return l
	}
	return out
}

// argTexts lists the source texts tried for one operand pattern.
func argTexts(s samples, f *form, a argType, sizedBy bool) []string {
	var out []string
	memWith := func(size int) {
		for i, m := range s.mem {
			if size != 0 {
				out = append(out, sizeWord[size]+" "+m)
			}
			if i%4 == 0 || sizedBy || size == 0 {
				out = append(out, m)
			}
		}
	}
	switch a {
	case aR8, aR8op, aRMF32:
		if a == aRMF32 {
			return s.r32
		}
		return s.r8
	case aR16, aR16op:
		return s.r16
	case aR32, aR32op:
		return s.r32
	case aR64, aR64op, aRMF64:
		return s.r64
	case aRM8, aRM16, aRM32, aRM64:
		out = append(out, map[argType][]string{aRM8: s.r8, aRM16: s.r16, aRM32: s.r32, aRM64: s.r64}[a]...)
		memWith(argSize(a))
	case aM8, aM16, aM32, aM64:
		memWith(argSize(a))
	case aM:
		memWith(0)
	case aR32M16:
		out = append(out, s.r32...)
		memWith(2)
	case aR64M16:
		out = append(out, s.r64...)
		memWith(2)
	case aImm8s, aImm8, aImm16, aImm32, aImm64:
		return s.imm[a]
	case aAL:
		return []string{"al"}
	case aAX:
		return []string{"ax"}
	case aEAX:
		return []string{"eax"}
	case aRAX:
		return []string{"rax"}
	case aCL:
		return []string{"cl"}
	case aCX:
		return []string{"cx"}
	case aECX:
		return []string{"ecx"}
	case aRCX:
		return []string{"rcx"}
	case aEDX:
		return []string{"edx"}
	case aDX:
		return []string{"dx"}
	case aTR:
		return []string{"tr3", "tr7"}
	case aOne:
		return []string{"1"}
	case aRel8, aRel16, aRel32:
		return s.rel
	case aSreg:
		return []string{"es", "cs", "ss", "ds", "fs", "gs"}
	case aES, aCS, aSS, aDS, aFS, aGS:
		return []string{[]string{"es", "cs", "ss", "ds", "fs", "gs"}[a-aES]}
	case aCR:
		return s.cr
	case aDR:
		return s.dr
	case aMoffs8, aMoffs16, aMoffs32, aMoffs64:
		return s.moffs
	case aFar16, aFar32, aFar64:
		for _, m := range s.mem[:6] {
			out = append(out, "far "+m)
		}
	case aPtr16, aPtr32:
		return []string{"0x10:0x1234"}
	}
	return out
}

// generatedLines builds every form of every supported mnemonic valid in the
// mode with sample operands (a bounded, evenly spread subset of the product).
func generatedLines(mode int, perForm int) []string {
	var lines []string
	generateLines(mode, perForm, func(f *form, line string) { lines = append(lines, line) })
	return lines
}

// generateLines calls emit for every generated line (each once), with the
// form it was made for.
func generateLines(mode int, perForm int, emit func(f *form, line string)) {
	s := sampleSet(mode)
	seen := map[string]bool{}
	for mi := range mnemonics {
		mn := mnemonics[mi].name
		fs := mnemonics[mi].forms()
		for fi := range fs {
			f := &fs[fi]
			if mode == 64 && !f.has(fM64) || mode != 64 && !f.has(fM32) {
				continue
			}
			sizedBy := false
			for _, a := range f.args[:f.nargs] {
				if a >= aR8 && a <= aR64 || a == aSreg || a == aCR || a == aDR || a >= aAL && a <= aRAX {
					sizedBy = true
				}
			}
			lists := make([][]string, f.nargs)
			total := 1
			vec := vectorForm(f)
			for k, a := range f.args[:f.nargs] {
				if vec {
					lists[k] = vectorArgTexts(s, f, a)
				} else {
					lists[k] = argTexts(s, f, a, sizedBy)
				}
				if len(lists[k]) == 0 {
					total = 0
					break
				}
				total *= len(lists[k])
			}
			if total == 0 {
				continue
			}
			limit := perForm
			if vec {
				limit = perForm / 4
			}
			step := 1
			if total > limit {
				step = total/limit + 1
			}
			// An evenly spread subset of the product, plus a diagonal so that
			// every sample of every operand appears at least once.
			var combos [][]int
			for n := 0; n < total; n += step {
				var c []int
				x := n
				for k := range lists {
					c = append(c, x%len(lists[k]))
					x /= len(lists[k])
				}
				combos = append(combos, c)
			}
			longest := 0
			for k := range lists {
				longest = max(longest, len(lists[k]))
			}
			for n := 0; n < longest; n++ {
				var c []int
				for k := range lists {
					c = append(c, (n+k)%len(lists[k]))
				}
				combos = append(combos, c)
			}
			spread := len(combos) - longest // the rest is the diagonal
			for ci, c := range combos {
				var ops []string
				for k := range lists {
					ops = append(ops, lists[k][c[k]])
				}
				line := mn
				if len(ops) > 0 {
					line += " " + strings.Join(ops, ", ")
				}
				if f.has(fFar) && len(ops) == 1 && strings.Contains(ops[0], ":") && !strings.HasPrefix(ops[0], "far") {
					line = mn + " " + ops[0]
				}
				if !seen[line] {
					seen[line] = true
					emit(f, line)
				}
				// nasm lets most AVX forms leave out the first source
				// when it is the destination (vaddps xmm0, xmm1).
				if f.has(fVEX) && f.vvvv >= 0 && f.rm != 0 && len(ops) >= 2 && ci >= spread {
					short := mn + " " + strings.Join(append(append([]string(nil), ops[:1]...), ops[2:]...), ", ")
					if !seen[short] {
						seen[short] = true
						emit(f, short)
					}
				}
			}
		}
	}
}

// TestGeneratedFormsMatchNasm checks every generated line against nasm's
// answer in testdata/nasm/generated<mode>.txt (sorted, so that a change in
// the table shows up as a small diff there).
func TestGeneratedFormsMatchNasm(t *testing.T) {
	total := 0
	for _, mode := range []int{16, 32, 64} {
		lines := generatedLines(mode, 60)
		sort.Strings(lines)
		r := compareWithNasm(t, fmt.Sprintf("generated%d", mode), mode, lines)
		total += r.total
		reportDiff(t, fmt.Sprintf("BITS %d generated", mode), r)
	}
	t.Logf("generated forms compared: %d", total)
}
