//go:build ignore

// gen_tables reads golang.org/x/arch's x86.csv (the Intel manual's opcode
// tables in machine-readable form), nasm_extra.csv (rows nasm has that the
// csv lacks, rows of the csv nasm does not have, and nasm's preferences),
// nasm_memsize.txt (how nasm sizes each memory operand), nasm_cpu.txt
// (nasm's CPU level of each instruction) and nasm_mnemonics.txt (every
// mnemonic nasm 2.16 knows) and writes
// ztables.go: the encoder's form table, the mnemonic table and the
// register table, all as static data with hash indexes.
//
// Run with `go generate ./tools/x86` (the csv comes from the module cache).
package main

import (
	"bufio"
	"bytes"
	"encoding/csv"
	"flag"
	"fmt"
	"go/format"
	"log"
	"os"
	"os/exec"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
)

// features lists the csv's feature column values of the supported groups.
var features = map[string]bool{
	"": true, "MMX": true, "SSE": true, "SSE2": true, "SSE3": true, "SSSE3": true, "SSE4_1": true,
	"SSE4_2": true, "AVX": true, "AVX2": true, "FMA": true, "BMI1": true, "BMI2": true, "AES": true,
	"Both AES and AVX flags": true, "CLMUL": true, "Both CLMUL and AVX flags": true, "SHA": true,
	"RDRAND": true, "LZCNT": true, "F16C": true, "FSGSBASE": true, "XSAVEOPT": true, "PRFCHW": true,
	"INVPCID": true,
	// Groups of nasm 2.16 the csv lacks (rows in nasm_extra.csv): AMD's FMA4,
	// TBM and LWP (the last two XOP-encoded) and the AMX tile configuration.
	"FMA4": true, "TBM": true, "LWP": true, "AMX": true, "GFNI": true, "3DNOW": true, "RTM": true, "HLE or RTM": true,
	"SSE4A": true, "XOP": true,
}

// simd tells the vector groups, whose forms have no operand-size prefix
// of their own (a 66 there is part of the opcode).
var simd = map[string]bool{
	"MMX": true, "SSE": true, "SSE2": true, "SSE3": true, "SSSE3": true, "SSE4_1": true, "SSE4_2": true,
	"AES": true, "CLMUL": true, "SHA": true, "AVX": true, "AVX2": true, "FMA": true, "F16C": true,
	"Both AES and AVX flags": true, "Both CLMUL and AVX flags": true, "FMA4": true, "GFNI": true, "3DNOW": true,
	"SSE4A": true, "XOP": true,
}

type suffixAlias struct {
	name, target string
	value        int
	vex          bool
}

// suffixAliases lists nasm's mnemonics that stand for another with its
// last immediate fixed: the SSE and AVX compare predicates (the Intel
// manual's encodings, under nasm's names) and the pclmulqdq halves.
func suffixAliases() []suffixAlias {
	sse := []string{"eq", "lt", "le", "unord", "neq", "nlt", "nle", "ord"}
	avx := map[string]int{
		"eq": 0, "lt": 1, "lt_os": 1, "le": 2, "le_os": 2, "unord": 3, "unord_q": 3, "neq": 4, "neq_uq": 4,
		"nlt": 5, "nlt_us": 5, "nle": 6, "nle_us": 6, "ord": 7, "ord_q": 7, "eq_uq": 8, "nge": 9, "nge_us": 9,
		"ngt": 10, "ngt_us": 10, "false": 11, "false_oq": 11, "neq_oq": 12, "ge": 13, "ge_os": 13, "gt": 14,
		"gt_os": 14, "true": 15, "true_uq": 15, "eq_os": 16, "lt_oq": 17, "le_oq": 18, "unord_s": 19,
		"neq_us": 20, "nlt_uq": 21, "nle_uq": 22, "ord_s": 23, "eq_us": 24, "nge_uq": 25, "ngt_uq": 26,
		"false_os": 27, "neq_os": 28, "ge_oq": 29, "gt_oq": 30, "true_us": 31,
	}
	var out []suffixAlias
	for _, t := range []string{"ps", "pd", "ss", "sd"} {
		for v, p := range sse {
			out = append(out, suffixAlias{"cmp" + p + t, "cmp" + t, v, false})
		}
		for p, v := range avx {
			out = append(out, suffixAlias{"vcmp" + p + t, "vcmp" + t, v, true})
		}
	}
	for _, h := range []struct {
		name  string
		value int
	}{{"lqlq", 0x00}, {"hqlq", 0x01}, {"lqhq", 0x10}, {"hqhq", 0x11}} {
		out = append(out, suffixAlias{"pclmul" + h.name + "dq", "pclmulqdq", h.value, false})
		out = append(out, suffixAlias{"vpclmul" + h.name + "dq", "vpclmulqdq", h.value, true})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].name < out[j].name })
	return out
}

// fmaAliases pairs nasm's alias names of the FMA3 instructions with the
// names the manual uses: 312 is 132, 123 is 213 and 321 is 231.
func fmaAliases() [][2]string {
	var out [][2]string
	for _, op := range []string{"vfmadd", "vfmsub", "vfnmadd", "vfnmsub", "vfmaddsub", "vfmsubadd"} {
		types := []string{"ps", "pd", "ss", "sd"}
		if op == "vfmaddsub" || op == "vfmsubadd" {
			types = types[:2] // packed only
		}
		for _, t := range types {
			for _, d := range [][2]string{{"312", "132"}, {"123", "213"}, {"321", "231"}} {
				out = append(out, [2]string{op + d[0] + t, op + d[1] + t})
			}
		}
	}
	return out
}

// smRule lists the general-purpose integer mnemonics of nasm whose memory
// operands take their size from the other operands (nasm's SM flag), the
// encoder's rule for them; nasm_memsize.txt applies to the others.
var smRule = map[string]bool{}

func init() {
	for _, m := range strings.Fields(`adc add and bsf bsr bswap bt btc btr bts call cbw cdq cdqe
		clc cld cli cmc cmp cmpsb cmpsd cmpsq cmpsw cmpxchg cpuid cqo cwd cwde dec div enter hlt
		idiv imul inc int into jcxz jecxz jrcxz jmp lahf lea leave lodsb lodsd lodsq lodsw loop
		loope loopne mov movsb movsd movsq movsw movsx movsxd movzx mul neg nop not or pause pop
		popa popad popf popfd popfq push pusha pushad pushf pushfd pushfq rcl rcr rdtsc ret rol ror
		sahf sal sar sbb scasb scasd scasq scasw shl shr stc std sti stosb stosd stosq stosw sub
		syscall sysenter sysexit sysret test ud2 xadd xchg xlatb xor retf iret iretd iretq int3
		int1 icebp retn loopz loopnz xlat pushaw popaw pushfw popfw`) {
		smRule[m] = true
	}
}

// renames maps csv mnemonics to nasm's.
var renames = map[string]string{
	"LRET": "retf", "LJMP": "jmp", "LCALL": "call", "CMPSD_XMM": "cmpsd", "MOVSD_XMM": "movsd",
}

// argNames maps the csv's operand names to the encoder's argument types.
var argNames = map[string]string{
	"r8": "aR8", "r16": "aR16", "r32": "aR32", "r64": "aR64",
	"r32a": "aR32", "r32b": "aR32", "r64a": "aR64", "r64b": "aR64",
	"r8op": "aR8op", "r16op": "aR16op", "r32op": "aR32op", "r64op": "aR64op",
	"r/m8": "aRM8", "r/m16": "aRM16", "r/m32": "aRM32", "r/m64": "aRM64",
	"r32/m32": "aRM32", "r64/m64": "aRM64", "r32/m8": "aR32M8",
	"m": "aM", "mem": "aM", "m8": "aM8", "m16": "aM16", "m32": "aM32", "m64": "aM64",
	"m80": "aM80", "m128": "aM128", "m256": "aM256",
	"m32fp": "aM32", "m64fp": "aM64", "m80fp": "aM80", "m16int": "aM16", "m32int": "aM32", "m64int": "aM64",
	"m80bcd": "aM80", "m80dec": "aM80", "m2byte": "aM16",
	"m14/28byte": "aM", "m94/108byte": "aM", "m512byte": "aM",
	"m16&16": "aM", "m32&32": "aM", "m16&32": "aM", "m16&64": "aM",
	"imm8": "aImm8s", "imm8u": "aImm8", "imm16": "aImm16", "imm16u": "aImm16",
	"imm32": "aImm32", "imm64": "aImm64",
	"AL": "aAL", "AX": "aAX", "EAX": "aEAX", "RAX": "aRAX", "CL": "aCL", "DX": "aDX", "CX": "aCX", "ECX": "aECX", "RCX": "aRCX", "EDX": "aEDX", "1": "aOne",
	"rel8": "aRel8", "rel16": "aRel16", "rel32": "aRel32",
	"Sreg": "aSreg", "ES": "aES", "CS": "aCS", "SS": "aSS", "DS": "aDS", "FS": "aFS", "GS": "aGS",
	"moffs8": "aMoffs8", "moffs16": "aMoffs16", "moffs32": "aMoffs32", "moffs64": "aMoffs64",
	"r32/m16": "aR32M16", "r64/m16": "aR64M16",
	"CR0-CR7": "aCR", "CR8": "aCR", "DR0-DR7": "aDR", "TR0-TR7": "aTR",
	"rmf16": "aRMF16", "rmf32": "aRMF32", "rmf64": "aRMF64",
	"ptr16:16": "aPtr16", "ptr16:32": "aPtr32",
	"m16:16": "aFar16", "m16:32": "aFar32", "m16:64": "aFar64", "mfar": "aFarDef",
	"mm": "aMM", "mm1": "aMM", "mm2": "aMM", "mm/m32": "aMMM32", "mm/m64": "aMMM64", "mm2/m64": "aMMM64",
	"<XMM0>": "aXMM0",
	"vm32x":  "aVM32X", "vm32y": "aVM32Y", "vm64x": "aVM64X", "vm64y": "aVM64Y",
	"ST": "aST0", "ST(0)": "aST0", "ST(i)": "aSTi", "TO ST(i)": "aSTTo",
}

func init() {
	for _, p := range []string{"xmm", "xmm0", "xmm1", "xmm2", "xmm3", "xmm4"} {
		argNames[p] = "aXMM"
		for _, s := range []string{"8", "16", "32", "64", "128"} {
			argNames[p+"/m"+s] = "aXMMM" + s
		}
	}
	for _, p := range []string{"ymm", "ymm0", "ymm1", "ymm2", "ymm3", "ymm4"} {
		argNames[p] = "aYMM"
		argNames[p+"/m256"] = "aYMMM256"
	}
}

// csvFixes corrects the few typos of x86.csv's encoding column.
var csvFixes = strings.NewReplacer(
	"VEX128.", "VEX.128.", ".660F.", ".66.0F.", ".0F38.0 ", ".0F38.W0 ", ".W0.1D ", ".W0 1D ",
	".LIG.128.", ".LIG.",
)

type row struct {
	mn, args, enc, v32, v64, feature, tags string
	line                                   string // file:line, for messages
}

func (r row) key() string { return r.mn + " " + r.args + "|" + r.enc }

func (r row) hasTag(t string) bool {
	for _, x := range strings.Split(r.tags, ",") {
		if strings.TrimSpace(x) == t {
			return true
		}
	}
	return false
}

// tagValue returns the value of a tag written name=value.
func (r row) tagValue(name string) string {
	for _, x := range strings.Split(r.tags, ",") {
		if v, ok := strings.CutPrefix(strings.TrimSpace(x), name+"="); ok {
			return v
		}
	}
	return ""
}

func readCSV(path string) []row {
	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	var out []row
	for n, l := range strings.Split(string(data), "\n") {
		if strings.HasPrefix(l, "#") || strings.TrimSpace(l) == "" {
			continue
		}
		rec, err := csv.NewReader(strings.NewReader(l)).Read()
		if err != nil || len(rec) != 6 {
			log.Fatalf("%s:%d: bad record %q", path, n+1, l)
		}
		inst := strings.TrimSpace(rec[0])
		mn, args, _ := strings.Cut(inst, " ")
		// Typos of the csv.
		args = strings.NewReplacer("/.m", "/m", "xmm1 xmm2", "xmm1, xmm2", " /m256", "/m256").Replace(args)
		out = append(out, row{mn: mn, args: strings.TrimSpace(args), enc: csvFixes.Replace(rec[1] + " "),
			v32: rec[2], v64: rec[3], feature: rec[4], tags: rec[5], line: fmt.Sprintf("%s:%d", filepath.Base(path), n+1)})
		out[len(out)-1].enc = strings.TrimSpace(out[len(out)-1].enc)
	}
	return out
}

// cpuLevels is nasm_cpu.txt: the lowest CPU level of each mnemonic, and of
// some of its forms (a mnemonic followed by the form's operands).
type cpuTable struct {
	byMn   map[string]string
	byForm map[string]string // "mnemonic OPCODE args"
}

func readCPU(path string) cpuTable {
	t := cpuTable{map[string]string{}, map[string]string{}}
	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	for n, l := range strings.Split(string(data), "\n") {
		if i := strings.Index(l, "#"); i >= 0 {
			l = l[:i]
		}
		f := strings.Fields(l)
		if len(f) == 0 {
			continue
		}
		if f[0] == "form" {
			if len(f) != 5 || cpuConst[f[1]] == "" {
				log.Fatalf("%s:%d: want form LEVEL MNEMONIC OPCODE ARGS", path, n+1)
			}
			t.byForm[strings.Join(f[2:], " ")] = f[1]
			continue
		}
		if len(f) < 2 || cpuConst[f[0]] == "" {
			log.Fatalf("%s:%d: want LEVEL MNEMONIC...", path, n+1)
		}
		for _, m := range f[1:] {
			t.byMn[m] = f[0]
		}
	}
	return t
}

// formKey is how nasm_cpu.txt names a form.
func formKey(name string, f *genForm) string {
	args := strings.Join(f.args, ",")
	if args == "" {
		args = "-"
	}
	return fmt.Sprintf("%s %X %s", name, f.opc, args)
}

var cpuConst = map[string]string{
	"8086": "CPU8086", "186": "CPU186", "286": "CPU286", "386": "CPU386", "486": "CPU486",
	"pentium": "CPUPentium", "p6": "CPUP6", "katmai": "CPUKatmai", "willamette": "CPUWillamette",
	"prescott": "CPUPrescott", "x64": "CPUX64", "nehalem": "CPUNehalem", "westmere": "CPUWestmere",
	"sandybridge": "CPUSandyBridge", "future": "CPUFuture", "ia64": "CPUIA64", "any": "CPUAny",
}

var cpuOrder = []string{"8086", "186", "286", "386", "486", "pentium", "p6", "katmai", "willamette",
	"prescott", "x64", "nehalem", "westmere", "sandybridge", "future", "ia64", "any"}

func cpuRank(l string) int {
	for i, x := range cpuOrder {
		if x == l {
			return i
		}
	}
	log.Fatalf("unknown cpu level %q", l)
	return 0
}

// genForm is a form as the generator builds it.
type genForm struct {
	mn     string
	args   []string // argType names
	opc    []byte
	ext    int
	reg    int
	rm     int
	vvvv   int
	plus   int
	imm    []string
	osz    int
	asz    int
	pfx    byte
	vmap   int
	cpu    string
	cpu64  string
	msize  int
	msize0 int // msize before nasm's facts changed it
	sfx    int
	flags  []string
	src    string
}

// vector reports whether the form has a vector or x87 operand.
func (f *genForm) vector() bool {
	for _, a := range f.args {
		if strings.HasPrefix(a, "aXMM") || strings.HasPrefix(a, "aYMM") || strings.HasPrefix(a, "aMM") || strings.HasPrefix(a, "aST") || strings.HasPrefix(a, "aVM") {
			return true
		}
	}
	return contains(f.flags, "fVEX")
}

func (f *genForm) String() string {
	args := "[4]argType{" + strings.Join(f.args, ", ") + "}"
	var opc []string
	for _, b := range f.opc {
		opc = append(opc, fmt.Sprintf("0x%02X", b))
	}
	var ims []string
	for _, i := range f.imm {
		ims = append(ims, "imm_"+i)
	}
	flags := "0"
	if len(f.flags) > 0 {
		flags = strings.Join(f.flags, "|")
	}
	// Positional fields (the order of type form) keep the generated files
	// small enough to review and under the repository's file-size bound.
	return fmt.Sprintf("{%s, %d, [4]byte{%s}, %d, %d, %d, %d, %d, %d, [2]immKind{%s}, %d, %d, %d, 0x%02X, %d, %s, %s, %d, 0x%02X, %s},",
		args, len(f.args), strings.Join(opc, ", "), len(f.opc), f.ext, f.reg, f.rm, f.vvvv, f.plus,
		strings.Join(ims, ", "), len(f.imm), f.osz, f.asz, f.pfx, f.vmap, cpuConst[f.cpu], cpuConst[f.cpu64], f.msize, f.sfx, flags)
}

func main() {
	out := flag.String("o", ".", "output directory: ztables.go, zforms0.go and zforms1.go are written there")
	flag.Parse()
	dir, err := exec.Command("go", "list", "-m", "-f", "{{.Dir}}", "golang.org/x/arch").Output()
	if err != nil {
		log.Fatal("locating golang.org/x/arch: ", err)
	}
	csvPath := filepath.Join(strings.TrimSpace(string(dir)), "x86", "x86.csv")

	nasmMns, mnFlags := readMnemonics("nasm_mnemonics.txt")
	memFacts = readMemFacts("nasm_memsize.txt")
	cpus := readCPU("nasm_cpu.txt")

	// nasm_extra.csv rows come first (nasm prefers them when lengths tie),
	// except those tagged "after", which only fill gaps; rows tagged
	// "skip" remove the csv row with the same instruction and encoding.
	var first, after []row
	skip := map[string]bool{}
	set := map[string]string{}
	for _, r := range readCSV("nasm_extra.csv") {
		switch {
		case r.hasTag("skip"):
			skip[r.key()] = true
		case r.hasTag("set"):
			set[r.key()] = r.tags
		case r.hasTag("after"):
			after = append(after, r)
		default:
			first = append(first, r)
		}
	}
	csvRows := readCSV(csvPath)
	for k := range set {
		found := false
		for _, r := range csvRows {
			if r.key() == k {
				found = true
			}
		}
		if !found {
			log.Fatalf("nasm_extra.csv: set row %q matches no csv row", k)
		}
	}
	for k := range skip {
		found := false
		for _, r := range csvRows {
			if r.key() == k {
				found = true
			}
		}
		if !found {
			log.Fatalf("nasm_extra.csv: skip row %q matches no csv row", k)
		}
	}
	rows := append(append(first, csvRows...), after...)

	byMn := map[string][]*genForm{}
	seen := map[string]bool{}
	for _, r := range rows {
		if skip[r.key()] && !strings.HasPrefix(r.line, "nasm_extra") {
			continue
		}
		if t, ok := set[r.key()]; ok && !strings.HasPrefix(r.line, "nasm_extra") {
			r.tags += "," + t
		}
		if !features[r.feature] || r.hasTag("pseudo64") {
			continue
		}
		name := strings.ToLower(r.mn)
		if n, ok := renames[r.mn]; ok {
			name = n
		}
		if !nasmMns[name] {
			if os.Getenv("GEN_DEBUG") != "" {
				fmt.Fprintf(os.Stderr, "not nasm's %s: %s %s\n", r.line, r.mn, r.args)
			}
			continue // not a nasm mnemonic (string instructions with operands, REP...)
		}
		var args []string
		if r.args != "" {
			for _, a := range strings.Split(r.args, ",") {
				args = append(args, strings.TrimSpace(a))
			}
		}
		ok := true
		for _, a := range args {
			if _, known := argNames[a]; !known {
				ok = false // INT 3, ENTER's literal nesting levels
			}
		}
		if !ok {
			if os.Getenv("GEN_DEBUG") != "" {
				fmt.Fprintf(os.Stderr, "skipped %s: %s %s\n", r.line, r.mn, r.args)
			}
			continue
		}
		if r.hasTag("pseudo") && len(args) > 0 && strings.HasPrefix(args[0], "m") {
			continue
		}
		f, err := convert(name, args, r, cpus)
		if err != nil {
			log.Fatalf("%s: %s %s: %v", r.line, r.mn, r.args, err)
		}
		k := f.String()
		if seen[name+k] {
			continue
		}
		seen[name+k] = true
		byMn[name] = append(byMn[name], f)
	}

	// nasm's aliases with the last immediate fixed: the compare
	// predicates (cmpeqps xmm0, xmm1 is cmpps xmm0, xmm1, 0) and the
	// carry-less multiply halves.
	for _, a := range suffixAliases() {
		if !nasmMns[a.name] {
			log.Fatalf("alias %s is not a nasm mnemonic", a.name)
		}
		n := 0
		for _, f := range byMn[a.target] {
			if len(f.args) == 0 || f.args[len(f.args)-1] != "aImm8" || len(f.imm) == 0 || f.imm[len(f.imm)-1] != "ib" {
				continue
			}
			if a.vex != contains(f.flags, "fVEX") {
				continue
			}
			g := *f
			g.mn, g.args, g.imm, g.sfx = a.name, f.args[:len(f.args)-1], f.imm[:len(f.imm)-1], a.value
			g.flags = []string{"fSuffix"}
			for _, fl := range f.flags {
				if fl != "fMemSized" && fl != "fDefSize" {
					g.flags = append(g.flags, fl)
				}
			}
			g.msize = f.msize0
			applyMemKind(&g, a.name, row{})
			g.src = f.src + " as " + a.name
			if g.cpu == "" {
				g.cpu = f.cpu
			}
			byMn[a.name] = append(byMn[a.name], &g)
			n++
		}
		if n == 0 {
			log.Fatalf("alias %s: no form of %s", a.name, a.target)
		}
	}

	// nasm's second names of the FMA3 forms, the order of the operands
	// multiplied and added written the other way round.
	for _, a := range fmaAliases() {
		if !nasmMns[a[0]] || len(byMn[a[1]]) == 0 {
			log.Fatalf("alias %s of %s: not a nasm mnemonic, or no forms", a[0], a[1])
		}
		for _, f := range byMn[a[1]] {
			g := *f
			g.mn, g.src = a[0], f.src+" as "+a[0]
			byMn[a[0]] = append(byMn[a[0]], &g)
		}
	}

	const header = "// Code generated by gen_tables.go from golang.org/x/arch x86/x86.csv, nasm_extra.csv,\n// nasm_memsize.txt, nasm_cpu.txt and nasm_mnemonics.txt; DO NOT EDIT.\n\npackage x86\n\n"
	// The form table goes to two files (zforms0.go, zforms1.go), split at a
	// mnemonic boundary, so that each stays under the repository's file-size
	// bound; a mnemonic's forms never straddle the two.
	var b bytes.Buffer
	var fb [2]bytes.Buffer
	b.WriteString(header)
	fb[0].WriteString(header)
	fb[1].WriteString(header)

	// Forms grouped by mnemonic (in name order), then by operand count,
	// each group in table order.
	names := make([]string, 0, len(nasmMns))
	for m := range nasmMns {
		names = append(names, m)
	}
	sort.Strings(names)
	type mnEntry struct {
		byArgs [6]int
		flags  []string
	}
	entries := make([]mnEntry, len(names))
	total := 0
	for _, m := range names {
		total += len(byMn[m])
	}
	part := 0
	fmt.Fprintf(&fb[0], "var forms0 = [...]form{\n")
	n := 0
	for i, m := range names {
		fs := byMn[m]
		if part == 0 && n >= total/2 {
			part = 1
			fmt.Fprintf(&fb[0], "}\n")
			fmt.Fprintf(&fb[1], "var forms1 = [...]form{\n")
		}
		sort.SliceStable(fs, func(x, y int) bool { return len(fs[x].args) < len(fs[y].args) })
		for c := 0; c <= 5; c++ {
			entries[i].byArgs[c] = n
			for _, f := range fs {
				if len(f.args) == c {
					fmt.Fprintf(&fb[part], "\t// %s %s\n\t%s\n", f.mn, f.src, f)
					n++
				}
			}
		}
		entries[i].flags = mnFlags[m]
		if relBranch(fs) {
			entries[i].flags = append(entries[i].flags, "mnRelBranch")
		}
	}
	fmt.Fprintf(&fb[part], "}\n")
	if n >= 1<<16 {
		log.Fatal("too many forms for uint16 indexes")
	}
	fmt.Fprintf(&b, "var mnemonics = [...]mnemonic{\n")
	for i, m := range names {
		e := entries[i]
		fl := "0"
		if len(e.flags) > 0 {
			fl = strings.Join(e.flags, "|")
		}
		fmt.Fprintf(&b, "\t{name: %q, byArgs: [6]uint16{%d, %d, %d, %d, %d, %d}, flags: %s},\n", m,
			e.byArgs[0], e.byArgs[1], e.byArgs[2], e.byArgs[3], e.byArgs[4], e.byArgs[5], fl)
	}
	fmt.Fprintf(&b, "}\n\n")
	writeIndex(&b, "mnemonicIndex", "uint16", names)

	regs := registers()
	fmt.Fprintf(&b, "var regTable = [...]regInfo{\n\t{},\n")
	var regNames []string
	for _, r := range regs {
		fmt.Fprintf(&b, "\t{name: %q, class: %s, size: %d, num: %d, rex: %v, high: %v},\n", r.name, r.class, r.size, r.num, r.rex, r.high)
		regNames = append(regNames, r.name)
	}
	fmt.Fprintf(&b, "}\n\n")
	// Aliases: names that resolve to another register's entry.
	idx := map[string]int{}
	for i, r := range regs {
		idx[r.name] = i + 1
	}
	var all []string
	target := map[string]int{}
	for _, r := range regs {
		all = append(all, r.name)
		target[r.name] = idx[r.name]
	}
	for i := 8; i < 16; i++ {
		a := fmt.Sprintf("r%dl", i)
		all = append(all, a)
		target[a] = idx[fmt.Sprintf("r%db", i)] // nasm accepts r8l as r8b
	}
	writeRegIndex(&b, all, target)
	// gprs[size][num] for the encoder's register rewrites.
	fmt.Fprintf(&b, "var gprs = [9][16]Reg{\n")
	for _, size := range []int{1, 2, 4, 8} {
		var ids []string
		for num := 0; num < 16; num++ {
			id := 0
			for i, r := range regs {
				if r.class == "ClassGPR" && r.size == size && r.num == num && !r.high {
					id = i + 1
				}
			}
			ids = append(ids, strconv.Itoa(id))
		}
		fmt.Fprintf(&b, "\t%d: {%s},\n", size, strings.Join(ids, ", "))
	}
	fmt.Fprintf(&b, "}\n")

	writeSource(filepath.Join(*out, "ztables.go"), b.Bytes())
	writeSource(filepath.Join(*out, "zforms0.go"), fb[0].Bytes())
	writeSource(filepath.Join(*out, "zforms1.go"), fb[1].Bytes())
	fmt.Fprintf(os.Stderr, "gen_tables: %d forms, %d mnemonics, %d registers\n", n, len(names), len(regs))
}

// writeSource formats Go source and writes it to path.
func writeSource(path string, b []byte) {
	src, err := format.Source(b)
	if err != nil {
		os.WriteFile(path+".bad", b, 0o644)
		log.Fatal(err)
	}
	if err := os.WriteFile(path, src, 0o644); err != nil {
		log.Fatal(err)
	}
}

// relBranch reports whether the mnemonic's one-operand immediate forms
// are all relative branches.
func relBranch(fs []*genForm) bool {
	rel, other := false, false
	for _, f := range fs {
		if len(f.args) != 1 {
			continue
		}
		switch f.args[0] {
		case "aRel8", "aRel16", "aRel32":
			rel = true
		case "aOne", "aImm8s", "aImm8", "aImm16", "aImm32", "aImm64":
			other = true
		}
	}
	return rel && !other
}

// readMnemonics reads nasm_mnemonics.txt: every mnemonic of nasm 2.16,
// with "evex" when nasm has only AVX-512 forms for it and "vex+evex" when
// it has AVX-512 forms besides others.
func readMnemonics(path string) (map[string]bool, map[string][]string) {
	f, err := os.Open(path)
	if err != nil {
		log.Fatal(err)
	}
	defer f.Close()
	mns := map[string]bool{}
	flags := map[string][]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		l := sc.Text()
		if strings.HasPrefix(l, "#") || strings.TrimSpace(l) == "" {
			continue
		}
		fs := strings.Fields(l)
		mns[fs[0]] = true
		if len(fs) > 1 {
			switch fs[1] {
			case "evex":
				flags[fs[0]] = []string{"mnEVEX", "mnEVEXOnly"}
			case "vex+evex":
				flags[fs[0]] = []string{"mnEVEX"}
			default:
				log.Fatalf("%s: bad flag %q", path, fs[1])
			}
		}
	}
	return mns, flags
}

// fnv is the hash of tables.go's hashName.
func fnv(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

// placeAll lays names out in an open-addressing table of the given size
// (linear probing), returning the slot of each name.
func placeAll(names []string, size int) []int {
	used := make([]bool, size)
	slots := make([]int, len(names))
	for i, s := range names {
		h := int(fnv(s) & uint32(size-1))
		for used[h] {
			h = (h + 1) & (size - 1)
		}
		used[h] = true
		slots[i] = h
	}
	return slots
}

// writeIndex writes a hash index whose slots hold 1 + the name's index
// in names (0 for an empty slot); the table is at most half full.
func writeIndex(b *bytes.Buffer, varName, typ string, names []string) {
	size := 1
	for size < 2*len(names) {
		size *= 2
	}
	slots := placeAll(names, size)
	vals := make([]int, size)
	for i, s := range slots {
		vals[s] = i + 1
	}
	fmt.Fprintf(b, "var %s = [%d]%s{", varName, size, typ)
	for i, v := range vals {
		if i%32 == 0 {
			b.WriteString("\n\t")
		}
		fmt.Fprintf(b, "%d, ", v)
	}
	fmt.Fprintf(b, "\n}\n\n")
}

func writeRegIndex(b *bytes.Buffer, names []string, target map[string]int) {
	size := 1
	for size < 2*len(names) {
		size *= 2
	}
	slots := placeAll(names, size)
	fmt.Fprintf(b, "// regIndex maps a register name's hash slot to its name and register.\nvar regIndex = [%d]regSlot{\n", size)
	byslot := map[int]string{}
	for i, s := range slots {
		byslot[s] = names[i]
	}
	for s := 0; s < size; s++ {
		if n, ok := byslot[s]; ok {
			fmt.Fprintf(b, "\t%d: {%q, %d},\n", s, n, target[n])
		}
	}
	fmt.Fprintf(b, "}\n\n")
}

type genReg struct {
	name      string
	class     string
	size, num int
	rex, high bool
}

// registers lists every register nasm knows, in the encoder's order.
func registers() []genReg {
	var r []genReg
	add := func(name, class string, size, num int, rex, high bool) {
		r = append(r, genReg{name, class, size, num, rex, high})
	}
	legacy := []string{"ax", "cx", "dx", "bx", "sp", "bp", "si", "di"}
	for i, n := range legacy {
		add("r"+n, "ClassGPR", 8, i, false, false)
		add("e"+n, "ClassGPR", 4, i, false, false)
		add(n, "ClassGPR", 2, i, false, false)
	}
	for i, n := range []string{"al", "cl", "dl", "bl"} {
		add(n, "ClassGPR", 1, i, false, false)
	}
	for i, n := range []string{"ah", "ch", "dh", "bh"} {
		add(n, "ClassGPR", 1, i+4, false, true)
	}
	for i, n := range []string{"spl", "bpl", "sil", "dil"} {
		add(n, "ClassGPR", 1, i+4, true, false)
	}
	for i := 8; i < 16; i++ {
		n := fmt.Sprintf("r%d", i)
		add(n, "ClassGPR", 8, i, true, false)
		add(n+"d", "ClassGPR", 4, i, true, false)
		add(n+"w", "ClassGPR", 2, i, true, false)
		add(n+"b", "ClassGPR", 1, i, true, false)
	}
	for i, n := range []string{"es", "cs", "ss", "ds", "fs", "gs", "segr6", "segr7"} {
		add(n, "ClassSeg", 2, i, false, false)
	}
	for i := 0; i < 16; i++ {
		add(fmt.Sprintf("cr%d", i), "ClassCR", 0, i, i >= 8, false)
	}
	for i := 0; i < 16; i++ {
		add(fmt.Sprintf("dr%d", i), "ClassDR", 0, i, i >= 8, false)
	}
	for i := 0; i < 8; i++ {
		add(fmt.Sprintf("tr%d", i), "ClassTR", 0, i, false, false)
	}
	add("rip", "ClassIP", 8, 0, false, false)
	add("eip", "ClassIP", 4, 0, false, false)
	for i := 0; i < 8; i++ {
		add(fmt.Sprintf("st%d", i), "ClassFPU", 10, i, false, false)
	}
	for i := 0; i < 8; i++ {
		add(fmt.Sprintf("mm%d", i), "ClassMMX", 8, i, false, false)
	}
	for i := 0; i < 32; i++ {
		add(fmt.Sprintf("xmm%d", i), "ClassXMM", 16, i, i >= 8, false)
	}
	for i := 0; i < 32; i++ {
		add(fmt.Sprintf("ymm%d", i), "ClassYMM", 32, i, i >= 8, false)
	}
	for i := 0; i < 32; i++ {
		add(fmt.Sprintf("zmm%d", i), "ClassZMM", 64, i, i >= 8, false)
	}
	for i := 0; i < 8; i++ {
		add(fmt.Sprintf("k%d", i), "ClassK", 8, i, false, false)
	}
	for i := 0; i < 4; i++ {
		add(fmt.Sprintf("bnd%d", i), "ClassBND", 16, i, false, false)
	}
	for i := 0; i < 8; i++ {
		add(fmt.Sprintf("tmm%d", i), "ClassTMM", 1024, i, false, false)
	}
	return r
}

// memSize is the size keyword a form's memory operand takes, by pattern.
var memSize = map[string]int{
	"aRM8": 1, "aRM16": 2, "aRM32": 4, "aRM64": 8, "aM8": 1, "aM16": 2, "aM32": 4, "aM64": 8, "aM80": 10,
	"aM128": 16, "aM256": 32, "aR32M8": 1, "aR32M16": 2, "aR64M16": 2, "aFar16": 2, "aFar32": 4, "aFar64": 8,
	"aMMM32": 4, "aMMM64": 8, "aXMMM8": 1, "aXMMM16": 2, "aXMMM32": 4, "aXMMM64": 8, "aXMMM128": 16,
	"aYMMM256": 32, "aVM32X": 4, "aVM32Y": 4, "aVM64X": 8, "aVM64Y": 8, "aM": 0,
	"aMoffs8": 1, "aMoffs16": 2, "aMoffs32": 4, "aMoffs64": 8,
}

// noSizeMatch lists mnemonics whose register operand does not give an
// unsized memory operand its size in nasm (its templates lack SM).
var noSizeMatch = map[string]bool{"crc32": true}

// noShort lists AVX mnemonics with a VEX.vvvv source nasm does not let
// the source leave out.
var noShort = map[string]bool{"vmaskmovps": true, "vmaskmovpd": true}

// memFacts is nasm_memsize.txt: what nasm's templates put at a memory
// operand, by "mnemonic operands index".
var memFacts map[string][]string

func readMemFacts(path string) map[string][]string {
	data, err := os.ReadFile(path)
	if err != nil {
		log.Fatal(err)
	}
	m := map[string][]string{}
	for _, l := range strings.Split(string(data), "\n") {
		f := strings.Fields(l)
		if len(f) < 3 || strings.HasPrefix(l, "#") {
			continue
		}
		m[f[0]+" "+f[1]] = f[2:]
	}
	return m
}

// memKind classifies a form's memory operand as nasm treats it: "sized"
// (nasm's template gives its size: another size keyword is an invalid
// combination), "sflag" (no size in the template, but a default one: the
// default is taken when the source gives none, another is a size
// mismatch), "unsized" (no size at all: any keyword is a mismatch) or ""
// (the integer instructions' rule: the size comes from the other operands).
// It may change f.msize to nasm's size where nasm's table differs from
// the manual (cmpsd xmm takes an oword).
// memIndex is the index of the form's operand that may be memory, -1 if none.
func memIndex(f *genForm) int {
	for i, a := range f.args {
		switch {
		case strings.HasPrefix(a, "aRMF"):
		case strings.HasPrefix(a, "aRM"), strings.HasPrefix(a, "aM") && !strings.HasPrefix(a, "aMM"),
			strings.HasPrefix(a, "aXMMM"), strings.HasPrefix(a, "aYMMM"), strings.HasPrefix(a, "aMMM"),
			strings.HasPrefix(a, "aVM"), a == "aR32M8", a == "aR32M16", a == "aR64M16", strings.HasPrefix(a, "aFar"):
			return i
		}
	}
	return -1
}

// applyMemKind sets the form's memory-size flags from memKind.
func applyMemKind(f *genForm, name string, r row) {
	switch memKind(f, name, r) {
	case "unsized": // nasm's template: mem, xmmrm...
		f.msize = 0
	case "sflag": // nasm's template: mem with an SB/SW/SD/SQ/SO flag
		f.flags = append(f.flags, "fDefSize")
	case "sized":
		f.flags = append(f.flags, "fMemSized")
	case "sized+default":
		f.flags = append(f.flags, "fMemSized", "fDefSize")
	}
}

func memKind(f *genForm, name string, r row) string {
	switch {
	case r.hasTag("unsized"):
		return "unsized"
	case r.hasTag("sflag"):
		return "sflag"
	case r.hasTag("sized"):
		return "sized"
	}
	if smRule[name] && !f.vector() {
		return ""
	}
	mi := memIndex(f)
	if mi < 0 {
		return ""
	}
	sig := ""
	for i, a := range f.args {
		switch {
		case i == mi:
			sig += "."
		case strings.HasPrefix(a, "aXMM"):
			sig += "x"
		case strings.HasPrefix(a, "aYMM"):
			sig += "y"
		case strings.HasPrefix(a, "aMM"):
			sig += "m"
		case strings.HasPrefix(a, "aImm"):
			sig += "i"
		case strings.HasPrefix(a, "aST"):
			sig += "f"
		case strings.HasPrefix(a, "aR") || a == "aAL" || a == "aAX" || a == "aEAX" || a == "aCL" || a == "aDX" || a == "aCX" || a == "aECX" || a == "aEDX":
			sig += "r"
		default:
			sig += "?"
		}
	}
	facts := memFacts[name+" "+sig]
	if len(facts) == 0 {
		return ""
	}
	gprOther := strings.Contains(sig, "r")
	n := f.msize
	var t, s, d []int
	u, m := false, false
	for _, x := range facts {
		v, _ := strconv.Atoi(x[1:])
		switch x[0] {
		case 'd':
			d = append(d, v)
		case 't':
			t = append(t, v)
		case 's':
			s = append(s, v)
		case 'u':
			u = true
		case 'm':
			m = true
		case 'a':
			return ""
		}
	}
	if m && gprOther {
		return "" // the integer rule
	}
	u = u || m
	has := func(xs []int, v int) bool {
		for _, x := range xs {
			if x == v {
				return true
			}
		}
		return false
	}
	// A size keyword other than nasm's is a mismatch if some template
	// leaves the size open, an invalid combination if all give one.
	sized := len(s) == 0 && !u
	all := append(append(append([]int(nil), t...), d...), s...)
	if !has(all, n) {
		switch {
		case len(all) == 1:
			n = all[0] // nasm's table differs from the manual (cmpsd xmm takes an oword)
			f.msize = n
		case u:
			return "unsized"
		default:
			return ""
		}
	}
	def := has(d, n) || has(s, n)
	switch {
	case sized && def:
		return "sized+default"
	case sized:
		return "sized"
	case def:
		return "sflag"
	}
	return ""
}

// isMemArg tells the csv operand names that may be memory.
func isMemArg(a string) bool {
	return strings.Contains(a, "/m") || strings.HasPrefix(a, "m") && !strings.HasPrefix(a, "mm") ||
		strings.HasPrefix(a, "vm") || strings.HasPrefix(a, "rmf") || a == "mem" || strings.HasPrefix(a, "mm/") || strings.HasPrefix(a, "mm2/")
}

func convert(name string, args []string, r row, cpus cpuTable) (*genForm, error) {
	f := &genForm{mn: name, ext: -1, reg: -1, rm: -1, vvvv: -1, plus: -1, src: r.line}
	vex := false
	vexVVVV := ""
	rexw := false
	toks := strings.Fields(r.enc)
	for k, t := range toks {
		switch {
		case strings.HasPrefix(t, "VEX."), strings.HasPrefix(t, "XOP."):
			// AMD's XOP prefix (8F) is VEX's three-byte form with opcode
			// maps 8 to 10, which tell it from a pop (8F /0).
			vex = true
			xop := strings.HasPrefix(t, "XOP.")
			f.flags = append(f.flags, "fVEX")
			for _, p := range strings.Split(t, ".")[1:] {
				switch p {
				case "08", "09", "0A":
					if !xop {
						return nil, fmt.Errorf("VEX map %q", p)
					}
					v, _ := strconv.ParseUint(p, 16, 8)
					f.vmap = int(v)
				case "NDS", "NDD", "DDS":
					vexVVVV = p
				case "128", "LIG", "LZ", "L0":
				case "256", "L1":
					f.flags = append(f.flags, "fVEXL")
				case "66":
					f.pfx = 0x66
				case "F2":
					f.pfx = 0xF2
				case "F3":
					f.pfx = 0xF3
				case "0F":
					f.vmap = 1
				case "0F38":
					f.vmap = 2
				case "0F3A":
					f.vmap = 3
				case "W0", "WIG":
				case "W1":
					f.flags = append(f.flags, "fVEXW")
				default:
					return nil, fmt.Errorf("VEX field %q", p)
				}
			}
		case t == "REX.W":
			rexw = true
		case t == "+" || t == "REX":
		case t == "/r":
			f.ext = 8
		case len(t) == 2 && t[0] == '/' && t[1] >= '0' && t[1] <= '7':
			f.ext = int(t[1] - '0')
		case t == "/is4":
			f.imm = append(f.imm, "is4")
		case t == "ib" || t == "iw" || t == "id" || t == "io" || t == "cb" || t == "cw" || t == "cd" || t == "cp" || t == "cm":
			f.imm = append(f.imm, t)
		case strings.Contains(t, "+"):
			v, err := strconv.ParseUint(t[:2], 16, 8)
			if err != nil {
				return nil, err
			}
			f.opc = append(f.opc, byte(v))
			f.plus = -2 // resolved below
		default:
			v, err := strconv.ParseUint(t, 16, 8)
			if err != nil {
				return nil, fmt.Errorf("encoding token %q", t)
			}
			b := byte(v)
			// A leading 66/F2/F3 before the opcode is a mandatory prefix;
			// a leading 9B is the wait of fstsw and the like.
			if len(f.opc) == 0 && !vex && f.pfx == 0 && (b == 0x66 || b == 0xF2 || b == 0xF3) && k+1 < len(toks) {
				f.pfx = b
				continue
			}
			if len(f.opc) == 0 && !vex && b == 0x9B && k+1 < len(toks) {
				f.flags = append(f.flags, "fWait")
				continue
			}
			f.opc = append(f.opc, b)
		}
	}
	if len(f.opc) == 0 || len(f.opc) > 4 {
		return nil, fmt.Errorf("opcode length %d", len(f.opc))
	}
	if vex && (len(f.opc) != 1 || f.vmap == 0) {
		return nil, fmt.Errorf("VEX form with opcode % X map %d", f.opc, f.vmap)
	}

	// Argument types.
	for _, a := range args {
		n := argNames[a]
		if strings.HasPrefix(a, "m16:") && name != "jmp" && name != "call" {
			n = "aM" // lds, lfs...: a plain memory operand in nasm
		}
		if r.hasTag("modrm_regonly") {
			switch n {
			case "aRM16":
				n = "aRMF16"
			case "aRM32":
				n = "aRMF32"
			case "aRM64":
				n = "aRMF64"
			}
		}
		if a == "imm8" && (f.opc[len(f.opc)-1] != 0x83 && f.opc[len(f.opc)-1] != 0x6B && f.opc[len(f.opc)-1] != 0x6A || vex || f.pfx != 0) {
			n = "aImm8" // the csv writes imm8 for some plain byte immediates (SAL, SIMD)
		}
		f.args = append(f.args, n)
	}

	// Operand roles.
	if f.plus == -2 {
		f.plus = -1
		for i, a := range f.args {
			switch a {
			case "aR8op", "aR16op", "aR32op", "aR64op", "aSTi", "aSTTo":
				f.plus = i
			}
		}
		if f.plus < 0 {
			return nil, fmt.Errorf("+r encoding without a register operand")
		}
	}
	regArgs := func() []int { // operands that are registers only, not yet placed
		var out []int
		for i, a := range args {
			if i == f.plus || i == f.vvvv || i == f.rm || i == f.reg || isMemArg(a) || f.args[i] == "aXMM0" {
				continue
			}
			switch f.args[i] {
			case "aR8", "aR16", "aR32", "aR64", "aSreg", "aCR", "aDR", "aTR", "aMM", "aXMM", "aYMM", "aST0":
				out = append(out, i)
			}
		}
		return out
	}
	for i, a := range args {
		if strings.HasSuffix(a, "b") && (a == "r32b" || a == "r64b") {
			f.vvvv = i
		}
	}
	if v := r.tagValue("vvvv"); v != "" {
		f.vvvv, _ = strconv.Atoi(v) // XOP's shifts: the count in VEX.vvvv after the r/m source
	}
	if vexVVVV != "" && f.vvvv < 0 {
		switch {
		case vexVVVV == "NDD" && f.ext >= 0 && f.ext <= 7:
			f.vvvv = 0
		case len(args) >= 3 && isMemArg(args[0]):
			f.vvvv = 1 // store forms: vmaskmovps m, vvvv, reg
		case len(args) >= 3 && strings.HasPrefix(args[1], "vm"):
			f.vvvv = 2 // gathers: reg, vsib, vvvv
		default:
			f.vvvv = 1
		}
	}
	if f.ext >= 0 {
		for i, a := range args {
			if isMemArg(a) && i != f.vvvv {
				f.rm = i
				break
			}
		}
		regs := regArgs()
		switch {
		case f.ext == 8 && len(regs) == 0:
			// SETcc and the like: the manual's /r with nothing in ModRM.reg
			f.ext = 0
		case f.ext == 8:
			f.reg = regs[0]
			if f.rm < 0 {
				if regs = regArgs(); len(regs) == 0 {
					return nil, fmt.Errorf("/r without an r/m operand")
				}
				f.rm = regs[0]
			}
		case f.rm < 0:
			if len(regs) == 0 {
				return nil, fmt.Errorf("ModRM without an r/m operand")
			}
			f.rm = regs[0]
		}
		if f.rm < 0 {
			return nil, fmt.Errorf("ModRM without an r/m operand")
		}
	}

	// Operand size.
	isSIMD := simd[r.feature] || vex
	switch {
	case rexw && !vex:
		f.osz = 64
	case isSIMD:
		// No operand-size prefix: a 66 is part of the opcode.
	case r.hasTag("operand64"):
		f.flags = append(f.flags, "fD64")
		f.osz = 32
	case r.hasTag("operand16") && !r.hasTag("operand32"):
		f.osz = 16
	case r.hasTag("operand32") && !r.hasTag("operand16"):
		f.osz = 32
	default:
		// Untagged rows (aliases such as SAL) take their size from the operands.
	sizeLoop:
		for _, a := range args {
			switch {
			case a == "r32/m16" || a == "r64/m16" || a == "r32/m8":
				continue
			case strings.HasSuffix(a, "16") && a != "imm16" && a != "imm16u" && a != "rel16" && a != "moffs16":
				f.osz = 16
			case a == "AX":
				f.osz = 16
			case strings.HasSuffix(a, "32") && a != "imm32" && a != "rel32":
				f.osz = 32
			case a == "EAX":
				f.osz = 32
			default:
				continue
			}
			break sizeLoop
		}
	}
	if len(args) > 0 && args[0] == "Sreg" && !rexw {
		f.osz = 0 // loading a segment register needs no operand-size prefix
	}
	for _, a := range args {
		if strings.HasPrefix(a, "CR") || strings.HasPrefix(a, "DR") || strings.HasPrefix(a, "TR") {
			f.osz = 0 // control/debug register moves have a fixed size
		}
	}
	if v := r.tagValue("osz"); v != "" {
		f.osz, _ = strconv.Atoi(v)
	}
	for _, a := range []int{16, 32, 64} {
		if r.hasTag(fmt.Sprintf("address%d", a)) {
			f.asz = a
		}
	}
	m32 := r.v32 == "V"
	m64 := r.v64 == "V"
	if rexw && !vex {
		m32 = false
	}
	if m32 {
		f.flags = append(f.flags, "fM32")
	}
	if m64 {
		f.flags = append(f.flags, "fM64")
	}
	for _, a := range args {
		if (strings.HasPrefix(a, "ptr16") || strings.HasPrefix(a, "m16:") || a == "mfar") && (name == "jmp" || name == "call") {
			f.flags = append(f.flags, "fFar")
			break
		}
	}
	if v := r.tagValue("sfx"); v != "" {
		b, err := strconv.ParseUint(v, 16, 8)
		if err != nil {
			return nil, fmt.Errorf("sfx=%s", v)
		}
		f.sfx = int(b)
		f.flags = append(f.flags, "fSuffix")
	}
	if r.hasTag("anybyte") {
		f.flags = append(f.flags, "fByteAnyMode")
	}
	if r.hasTag("rep") {
		f.flags = append(f.flags, "fRepPfx")
	}
	if r.hasTag("ownsize") {
		f.flags = append(f.flags, "fOwnSize")
	}
	if r.hasTag("defsize") {
		f.flags = append(f.flags, "fDefSize")
	}
	// The size keyword the memory operand takes.
	f.msize = -1
	for i, a := range f.args {
		if i == f.rm || isMemArg(args[i]) {
			f.msize = memSize[a]
		}
	}
	if v := r.tagValue("msize"); v != "" {
		f.msize, _ = strconv.Atoi(v)
	}
	if f.msize < 0 {
		f.msize = 0
	}
	if name == "lea" {
		f.flags = append(f.flags, "fAnySize")
	}
	// nasm's vector and x87 templates size their memory operands (a wrong
	// size is an invalid combination); its integer ones take the size from
	// the other operands (a wrong size is a mismatch).
	f.msize0 = f.msize
	applyMemKind(f, name, r)
	if noSizeMatch[name] || r.hasTag("nosm") {
		f.flags = append(f.flags, "fNoSM")
	}
	// AVX forms whose first source may be left out when it is the
	// destination (nasm's xmmreg* operands).
	if vex && (vexVVVV == "NDS" && f.vvvv == 1 || vexVVVV == "NDD" && f.vvvv == 0 && f.rm == 1 || r.hasTag("short")) && !noShort[name] && len(f.args) >= 2 &&
		(f.args[0] == "aXMM" || f.args[0] == "aYMM") {
		f.flags = append(f.flags, "fShort")
	}
	// A SIMD store form is an alternative nasm uses only when the load
	// form does not fit (a memory destination): between registers the
	// load form wins even when it is longer.
	if (isSIMD || strings.HasPrefix(r.feature, "MMX")) && f.rm == 0 && f.ext == 8 && len(f.args) == 2 || r.hasTag("alt") {
		f.flags = append(f.flags, "fAlt")
	}
	f.cpu = cpuLevel(f, name, r, cpus)
	f.cpu64 = f.cpu
	if _, explicit := cpus.byForm[formKey(name, f)]; !explicit && r.tagValue("cpu") == "" &&
		(name == "push" || name == "pop") && len(f.args) > 0 && contains(f.flags, "fD64") && cpuRank(f.cpu) < cpuRank("x64") {
		f.cpu64 = "x64" // nasm's push and pop of 64-bit mode are x64 forms
	}
	return f, nil
}

// cpuLevel is the lowest CPU level nasm assembles the form at: the level of
// the form in nasm_cpu.txt, else the higher of the mnemonic's level and
// what its operands need (32-bit registers need a 386, 64-bit a x64).
func cpuLevel(f *genForm, name string, r row, cpus cpuTable) string {
	if v := r.tagValue("cpu"); v != "" {
		return v
	}
	if l, ok := cpus.byForm[formKey(name, f)]; ok {
		return l
	}
	level := "8086"
	if l, ok := cpus.byMn[name]; ok {
		level = l
	}
	need := "8086"
	if !f.vector() {
		if f.osz == 32 || f.asz == 32 {
			need = "386"
		}
		for _, a := range f.args {
			switch a {
			case "aR32", "aR32op", "aRM32", "aEAX", "aRMF32", "aFS", "aGS", "aRel32", "aMoffs32", "aFar32", "aPtr32", "aR32M16":
				need = "386"
			}
		}
	}
	if f.osz == 64 || !contains(f.flags, "fM32") {
		need = "x64"
	}
	if cpuRank(need) > cpuRank(level) {
		return need
	}
	return level
}

func contains(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}
