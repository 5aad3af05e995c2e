package expr

import (
	"fmt"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/asm/lex"
)

func eval(t *testing.T, src string, env Env) (Value, error) {
	t.Helper()
	toks, err := lex.Line(src)
	if err != nil {
		t.Fatalf("lex %q: %v", src, err)
	}
	n, end, err := Parse(toks, 0, nil)
	if err != nil {
		return Value{}, err
	}
	if end != len(toks) {
		return Value{}, fmt.Errorf("trailing tokens")
	}
	return Eval(n, env)
}

// Precedence and operator semantics follow nasm's manual (section 3.5);
// values checked with nasm 2.16 -f bin.
func TestConstantExpressions(t *testing.T) {
	for _, tc := range []struct {
		src  string
		want int64
	}{
		{"1 + 2 * 3", 7}, {"(1 + 2) * 3", 9}, {"10 - 4 - 3", 3}, {"2 * 3 % 4", 2},
		{"1 << 2 + 1", 8}, {"1 | 2 ^ 3 & 4", 3}, {"6 & 3 << 1", 6},
		{"7 / 2", 3}, {"-7 / 2", 0x7ffffffffffffffc}, {"-7 // 2", -3}, {"-7 %% 3", -1}, {"-7 % 3", 0},
		{"-256 >> 28", 0xfffffffff}, {"-256 >>> 2", -64}, {"1 <<< 3", 8},
		{"~0", -1}, {"!5", 0}, {"!0", 1}, {"- - 3", 3}, {"+3", 3},
		{"1 < 2", 1}, {"2 <= 1", 0}, {"3 = 3", 1}, {"3 == 4", 0}, {"3 != 4", 1}, {"3 <> 3", 0}, {"4 >= 4", 1}, {"4 > 5", 0},
		{"1 && 2", 1}, {"0 || 0", 0}, {"1 ^^ 1", 0}, {"1 ^^ 0", 1},
		{"1 < 2 && 3 > 2", 1}, {"1 || 0 && 0", 1},
		{"0 ? 5 : 6", 6}, {"2 ? 5 : 6", 5}, {"1 ? 0 ? 1 : 2 : 3", 2},
		{"'ab'", 0x6261}, {"'a' + 1", 0x62},
		{"2 <=> 1", 1}, {"1 <=> 1", 0},
	} {
		v, err := eval(t, tc.src, ConstEnv{})
		if err != nil || !v.Simple() || v.Const != tc.want {
			t.Errorf("%s = %+v, %v; want %d", tc.src, v, err, tc.want)
		}
	}
}

type symEnv map[string]Value

func (e symEnv) Lookup(n string) (Value, error) {
	if v, ok := e[n]; ok {
		return v, nil
	}
	return Value{}, fmt.Errorf("symbol `%s' not defined", n)
}
func (e symEnv) Here() (Value, error)      { return Value{Const: 100, Terms: []Term{{"[.text]", 1}}}, nil }
func (e symEnv) SectStart() (Value, error) { return Value{Terms: []Term{{"[.text]", 1}}}, nil }

func TestRelocatableArithmetic(t *testing.T) {
	env := symEnv{
		"a":   {Const: 10, Terms: []Term{{"[.text]", 1}}},
		"b":   {Const: 30, Terms: []Term{{"[.text]", 1}}},
		"d":   {Const: 4, Terms: []Term{{"[.data]", 1}}},
		"ext": {Terms: []Term{{"ext", 1}}},
		"eax": {Regs: []RegTerm{{Reg: 1, Coef: 1}}},
		"ebx": {Regs: []RegTerm{{Reg: 2, Coef: 1}}},
		"u":   {Unknown: true},
	}
	for _, tc := range []struct {
		src  string
		want string
	}{
		{"b - a", "{20 [] [] false}"},
		{"$ - $$", "{100 [] [] false}"},
		{"a + 4", "{14 [{[.text] 1}] [] false}"},
		{"ext - $", "{-100 [{ext 1} {[.text] -1}] [] false}"},
		{"d - a", "{-6 [{[.data] 1} {[.text] -1}] [] false}"},
		{"ebx + eax*4 + 8", "{8 [] [{2 1 false} {1 4 true}] false}"},
		{"eax + eax", "{0 [] [{1 2 false}] false}"},
		// nasm's first pass: an unknown quantity swallows the constant
		// and symbols added to it, and unknowns that cancel are known.
		{"u * 3 + a", "{0 [] [] true}"},
		{"u - u", "{0 [] [] false}"},
		{"eax + u - u", "{0 [] [{1 1 false}] false}"},
		{"u + 5 - u", "{0 [] [] false}"},
		{"u - u + 5", "{5 [] [] false}"},
		{"2 * u - u - u", "{0 [] [] false}"},
		{"u / 2", "{0 [] [] true}"},
	} {
		v, err := eval(t, tc.src, env)
		if err != nil {
			t.Errorf("%s: %v", tc.src, err)
			continue
		}
		if got := fmt.Sprintf("{%d %v %v %v}", v.Const, v.Terms, v.Regs, v.Unknown); got != tc.want {
			t.Errorf("%s = %s, want %s", tc.src, got, tc.want)
		}
	}
	for _, src := range []string{"a * b", "a / 2", "a & 1", "ext < 3", "1 / 0", "5 %% 0", "nope + 1", "u / 0"} {
		if _, err := eval(t, src, env); err == nil {
			t.Errorf("%s: no error", src)
		}
	}
}

func TestParseErrors(t *testing.T) {
	for _, src := range []string{"1 +", "(1", "1 ? 2", "* 3", "seg x", ""} {
		if _, err := eval(t, src, ConstEnv{}); err == nil {
			t.Errorf("%q: no error", src)
		}
	}
}

func TestParseStopsAtOperandBoundary(t *testing.T) {
	toks, _ := lex.Line("1 + 2, 3]")
	_, end, err := Parse(toks, 0, nil)
	if err != nil || end != 3 {
		t.Fatalf("end %d err %v; want 3", end, err)
	}
}

func FuzzExpr(f *testing.F) {
	for _, s := range []string{"1 + 2 * 3", "(1 << 63) // -1", "-9223372036854775808 // -1", "a - b + $", "1 ? 2 : 3", "!~-+5 %% 0", "((((((1))))))"} {
		f.Add(s)
	}
	env := symEnv{"a": {Const: 1, Terms: []Term{{"s", 1}}}, "b": {Terms: []Term{{"t", 1}}}, "r": {Regs: []RegTerm{{1, 1, false}}}}
	f.Fuzz(func(t *testing.T, s string) {
		toks, err := lex.Line(s)
		if err != nil {
			return
		}
		n, _, err := Parse(toks, 0, nil)
		if err != nil {
			return
		}
		Eval(n, env)
		Eval(n, ConstEnv{})
	})
}

// The base-register hint follows nasm's evaluator: the first register
// written is the preferred base, multiplying it makes it the preferred
// index, and adding two like terms (constants included) drops the hint.
func TestEvalHint(t *testing.T) {
	env := symEnv{
		"eax": {Regs: []RegTerm{{Reg: 1, Coef: 1}}},
		"ebx": {Regs: []RegTerm{{Reg: 2, Coef: 1}}},
		"lbl": {Const: 8, Terms: []Term{{"[.text]", 1}}},
	}
	for _, tc := range []struct {
		src  string
		want Hint
	}{
		{"eax + ebx", Hint{HintMakeBase, 1}},
		{"ebx + eax*4", Hint{HintMakeBase, 2}},
		{"eax*1 + ebx", Hint{HintNotBase, 1}},
		{"1*eax + ebx", Hint{HintNotBase, 1}},
		{"eax + ebx + 10", Hint{HintMakeBase, 1}},
		{"eax + ebx + (1) + 1", Hint{HintSummed, 1}},
		{"eax + ebx + 2*3", Hint{HintMakeBase, 1}},
		{"eax + ebx + 5 - 5", Hint{HintMakeBase, 1}},
		{"eax + eax", Hint{HintSummed, 1}},
		{"eax + lbl", Hint{HintMakeBase, 1}},
		{"eax + lbl + 4", Hint{HintSummed, 1}},
		{"-eax + ebx", Hint{HintMakeBase, 1}},
		{"5", Hint{}},
	} {
		toks, _ := lex.Line(tc.src)
		n, _, err := Parse(toks, 0, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, h, err := EvalHint(n, env)
		if err != nil {
			t.Fatalf("%s: %v", tc.src, err)
		}
		if h.Kind != tc.want.Kind || h.Kind != HintNone && h.Reg != tc.want.Reg {
			t.Errorf("%s: hint %+v, want %+v", tc.src, h, tc.want)
		}
	}
}
