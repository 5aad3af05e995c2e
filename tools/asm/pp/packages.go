package pp

import (
	"fmt"
	"math/bits"
	"strings"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

// Macro packages (%use) and aliases (%defalias).

// packages are the %use packages this preprocessor has, as source it
// reads like an include. Their definitions are this project's, made to
// behave as nasm 2.16's packages of the same names.
var packages = map[string]func() string{
	"altreg": altregPackage,
	"ifunc": func() string {
		return "%idefine ilog2(x) (__?ilog2e?__(x))\n%idefine ilog2e(x) (__?ilog2e?__(x))\n" +
			"%idefine ilog2w(x) (__?ilog2w?__(x))\n%idefine ilog2fw(x) (__?ilog2w?__(x))\n" +
			"%idefine ilog2f(x) (__?ilog2f?__(x))\n%idefine ilog2c(x) (__?ilog2c?__(x))\n" +
			"%idefine ilog2cw(x) (__?ilog2w?__(x) * 0 + __?ilog2c?__(x))\n"
	},
	"smartalign": smartalignPackage,
	"fp": func() string {
		var b strings.Builder
		b.WriteString("%define Inf __?Infinity?__\n%define NaN __?QNaN?__\n%define QNaN __?QNaN?__\n%define SNaN __?SNaN?__\n")
		for _, f := range []string{"float8", "float16", "bfloat16", "float32", "float64", "float80m", "float80e", "float128l", "float128h"} {
			fmt.Fprintf(&b, "%%define %s(x) __?%s?__(x)\n", f, f)
		}
		b.WriteString("%imacro bf16 1-*.nolist\n%rep %0\ndw __?bfloat16?__(%1)\n%rotate 1\n%endrep\n%endmacro\n")
		return b.String()
	},
}

// unsupportedPackages are nasm's other packages: refused by name.
var unsupportedPackages = map[string]bool{"masm": true}

// smartalignThresholds is each smartalign mode's default jump
// threshold: padding longer than this is jumped over.
var smartalignThresholds = []struct {
	mode      string
	threshold int
}{{"nop", 16}, {"generic", 8}, {"k8", 16}, {"k7", 16}, {"p6", 16}}

// smartalignPackage defines alignmode MODE[, THRESHOLD|nojmp], which
// sets __?ALIGNMODE?__ and hands the mode to the assembler's
// __?alignmode?__ directive (tools/asm/smartalign.go: the NOP sequences
// and the padding), then selects the generic mode, as nasm's package
// does.
func smartalignPackage() string {
	var b strings.Builder
	b.WriteString("%imacro alignmode 1-2.nolist\n")
	for i, m := range smartalignThresholds {
		kw := "%elifidni"
		if i == 0 {
			kw = "%ifidni"
		}
		fmt.Fprintf(&b, "%s %%1, %s\n%%define __?ALIGN_JMP_THRESHOLD?__ %d\n", kw, m.mode, m.threshold)
	}
	b.WriteString("%else\n%error unknown alignment mode: %1\n%exitmacro\n%endif\n" +
		"%ifnempty %2\n%ifidni %2, nojmp\n%xdefine __?ALIGN_JMP_THRESHOLD?__ -1\n" +
		"%else\n%xdefine __?ALIGN_JMP_THRESHOLD?__ %2\n%endif\n%endif\n" +
		"%xdefine __?ALIGNMODE?__ %1,__?ALIGN_JMP_THRESHOLD?__\n" +
		"__?alignmode?__ %1, __?ALIGN_JMP_THRESHOLD?__\n%endmacro\n" +
		"%defalias __ALIGNMODE__ __?ALIGNMODE?__\nalignmode generic\n")
	return b.String()
}

// altregPackage names the general registers by number, as r0..r15 with
// the d, w, b (also l) and, for the first four, h suffixes.
func altregPackage() string {
	var b strings.Builder
	names := [][5]string{ // 64, 32, 16, low 8, high 8
		{"rax", "eax", "ax", "al", "ah"}, {"rcx", "ecx", "cx", "cl", "ch"},
		{"rdx", "edx", "dx", "dl", "dh"}, {"rbx", "ebx", "bx", "bl", "bh"},
		{"rsp", "esp", "sp", "spl", ""}, {"rbp", "ebp", "bp", "bpl", ""},
		{"rsi", "esi", "si", "sil", ""}, {"rdi", "edi", "di", "dil", ""},
	}
	for i, n := range names {
		fmt.Fprintf(&b, "%%idefine r%d %s\n%%idefine r%dd %s\n%%idefine r%dw %s\n%%idefine r%db %s\n%%idefine r%dl %s\n",
			i, n[0], i, n[1], i, n[2], i, n[3], i, n[3])
		if n[4] != "" {
			fmt.Fprintf(&b, "%%idefine r%dh %s\n", i, n[4])
		}
	}
	for i := 8; i < 16; i++ {
		fmt.Fprintf(&b, "%%idefine r%dl r%db\n", i, i)
	}
	return b.String()
}

// use is %use package: its macros are defined (once), and
// __?USE_PACKAGE?__.
func (p *pp) use(c call) {
	var name string
	switch {
	case len(c.args) == 1 && c.args[0].Kind == lex.Str:
		name = c.args[0].Str
	case len(c.args) == 1 && c.args[0].Kind == lex.Ident:
		name = c.args[0].Text
	default:
		p.lineErr(c.Line, "`%%use' expects a package name")
		return
	}
	name = strings.ToLower(name)
	src, ok := packages[name]
	switch {
	case unsupportedPackages[name]:
		p.lineErr(c.Line, "`%%use' package `%s' is not supported", name)
		return
	case !ok:
		p.lineErr(c.Line, "unknown `%%use' package: `%s'", name)
		return
	}
	flag := "__?USE_" + strings.ToUpper(name) + "?__"
	if p.lookupSmacro(flag) != nil {
		return
	}
	p.setValue(flag, nil, false)
	p.pushFile(fmt.Sprintf("%%use %s", name), []byte(src()))
}

// ilog2Funcs are ifunc's builtins: log2 of a constant, exact (an error
// otherwise), warning, floor or ceiling.
var ilog2Funcs = map[string]func(uint64) (int64, string){
	"ilog2e": func(v uint64) (int64, string) { return floorLog2(v), exactLog2(v, "error") },
	"ilog2w": func(v uint64) (int64, string) { return floorLog2(v), exactLog2(v, "warning") },
	"ilog2f": func(v uint64) (int64, string) { return floorLog2(v), "" },
	"ilog2c": func(v uint64) (int64, string) {
		if v <= 1 {
			return 0, ""
		}
		return int64(bits.Len64(v - 1)), ""
	},
}

func floorLog2(v uint64) int64 {
	if v == 0 {
		return 0
	}
	return int64(bits.Len64(v) - 1)
}

func exactLog2(v uint64, kind string) string {
	if v == 0 || v&(v-1) != 0 {
		return kind
	}
	return ""
}

// ilog2Call evaluates __?ilog2X?__(expr) at toks[i] and returns the
// value and the index after the call.
func (p *pp) ilog2Call(f func(uint64) (int64, string), toks []lex.Token, i int, active []*smacro, depth int) (int64, int, error) {
	args, end, ok := smacroArgs(toks, i+1)
	if !ok || len(args) != 1 {
		return 0, 0, fmt.Errorf("`%s' expects one argument", toks[i].Text)
	}
	arg, err := p.expandWith(args[0], active, depth+1)
	if err != nil {
		return 0, 0, err
	}
	v, err := p.constExpr(arg)
	if err != nil {
		return 0, 0, err
	}
	r, problem := f(uint64(v))
	switch problem {
	case "error":
		return 0, 0, fmt.Errorf("ilog2 argument is not a power of two")
	case "warning":
		p.diag(Diag{Pos: p.cur, Warning: true, Msg: "ilog2 argument is not a power of two"})
	}
	return r, end, nil
}

// ilog2Func recognizes __?ilog2e?__ and the others (only so spelled).
func ilog2Func(name string) (func(uint64) (int64, string), bool) {
	n, ok := strings.CutPrefix(name, "__?")
	if !ok {
		return nil, false
	}
	n, ok = strings.CutSuffix(n, "?__")
	f := ilog2Funcs[n]
	return f, ok && f != nil
}

// defalias is %defalias and %idefalias OLD NEW: OLD names NEW from now
// on, in uses, definitions and %undef alike.
func (p *pp) defalias(c call) {
	if len(c.args) != 2 || c.args[0].Kind != lex.Ident || c.args[1].Kind != lex.Ident {
		p.lineErr(c.Line, "`%s' expects an alias and a macro name", c.Toks[0].Text)
		return
	}
	if c.name == "%idefalias" {
		p.ialiases[strings.ToLower(c.args[0].Text)] = c.args[1].Text
		return
	}
	p.aliases[c.args[0].Text] = c.args[1].Text
}

// undefalias is %undefalias OLD.
func (p *pp) undefalias(c call) {
	if len(c.args) != 1 || c.args[0].Kind != lex.Ident {
		p.lineErr(c.Line, "`%s' expects an alias", c.Toks[0].Text)
		return
	}
	delete(p.aliases, c.args[0].Text)
	delete(p.ialiases, strings.ToLower(c.args[0].Text))
}

// resolve follows aliases from name to the macro it names.
func (p *pp) resolve(name string) string {
	for k := 0; k < 64; k++ { // an alias loop ends somewhere
		to, ok := p.aliases[name]
		if !ok {
			to, ok = p.ialiases[strings.ToLower(name)]
		}
		if !ok {
			break
		}
		name = to
	}
	return name
}

// condDefalias is %ifdefalias name.
func (p *pp) condDefalias(l Line, args []lex.Token) (bool, error) {
	if len(args) != 1 || args[0].Kind != lex.Ident {
		return false, fmt.Errorf("`%s' expects an alias", l.Toks[0].Text)
	}
	_, ok := p.aliases[args[0].Text]
	_, iok := p.ialiases[strings.ToLower(args[0].Text)]
	return ok || iok, nil
}
