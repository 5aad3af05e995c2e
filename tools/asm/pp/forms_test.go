package pp

import (
	"fmt"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
)

// nasm 2.16's forms of issue 10: %define parameter decorations, %, ,
// %xdefine parameters, %{$name}, TASM stack frames, %[...] before
// directives, %ifmacro of directives, and what the assembler answers
// for `$' and labels (Options.Assembly).
func TestNasmForms(t *testing.T) {
	for _, tc := range []struct{ name, src, want string }{
		{"greedy parameter", "%define g(a,b+) [a|b]\ndb g(1,2,3)\ndb g(1)", "db [1|2,3]\ndb [1|]"},
		{"greedy keeps later braces", "%define g(a,b+) [a|b]\ndb g(1,{2,3},{4})", "db [1|2,3,{4}]"},
		{"conditional comma", "%define g(a,b+) a %, b\ndb g(1)\ndb g(1,2)\ndb g(1,)", "db 1\ndb 1 , 2\ndb 1"},
		{"conditional comma before a word", "%define g(a,b+) a %, x b\ndb g(1)", "db 1 , x"},
		{"evaluated parameter", "%define X 4\n%define e(=a) a\ndb e(X*2+1), e(-3)", "db 9, -3"},
		{"string parameter", "%define X 5\n%define s(&a) a\ndb s(X+1), s(\"q\")", "db '5+1', '\"q\"'"},
		{"conditional string parameter", "%define s(&&a) a\ndb s(\"q\"), s(q)", "db \"q\", 'q'"},
		{"braces kept", "%define r(!a) %str(a)\ndb r({1,2})", "db '{1,2}'"},
		{"overload by count with greedy", "%define j(a) 0\n%define j(a,b,c+) 3\ndb j(1), j(1,2), j(1,2,3,4)", "db 0, 3, 3"},
		{"xdefine keeps parameters", "%idefine d dword\n%xdefine f(d) d+1\ndb f(2)", "db 2+1"},
		{"xdefine pastes parameter names", "%xdefine f(a,b) a %+ b\ndb f(1,2)", "db ab"},
		{"braced context local", "%push c\n%define %$n 7\ndb %{$n}\n%pop", "db 7"},
		{"context local joined after expansion", "%push c\n%define %$n foo\nx%{$n}_y:\n%pop", "xfoo_y:"},
		{"stack frame flat", "%push p\n%assign %$localsize 0\n%arg a:dword, b:qword\n%local l:word\nmov eax, [b]\nmov [l], eax\ndd %$localsize\n%pop",
			"mov eax, [(ebp+12)]\nmov [(ebp-4)], eax\ndd 4"},
		{"stack frame small", "%stacksize small\n%arg a:byte\nmov ax, [a]", "mov ax, [(bp+6)]"},
		{"stack frame flat64", "%stacksize flat64\n%arg a:dword, b:dword\nmov eax, [b]", "mov eax, [(rbp+24)]"},
		{"indirect in define", "%define t abc\n%define l .end_%[t]\nl:", ".end_abc:"},
		{"indirect joins a word after it", "%define n 2\n%define foo2x 9\ndb foo%[n]x, %[n]0", "db 9, 20"},
		{"ifmacro of a directive", "%ifmacro section\ny\n%endif\n%ifmacro SECTION 1\ny2\n%endif\n%ifmacro use16 1\nn\n%endif", "y\ny2"},
		{"elif after else skips", "%if 0\n%else\na\n%elif 1\nb\n%endif", "a"},
		{"negative rep runs none", "%rep -1\nx\n%endrep\ny", "y"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, diags := run(t, tc.src, Options{})
			for _, d := range diags {
				if !d.Warning {
					t.Fatalf("diagnostics: %v", diags)
				}
			}
			if got != tc.want {
				t.Fatalf("got:\n%s\nwant:\n%s", got, tc.want)
			}
		})
	}
}

func TestNasmFormsDiagnostics(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"%if 0\n%else\n%elif 1\n%endif", "t.asm:3: warning: `%elif' after `%else', ignoring content [-w+pp-else-elif]"},
		{"%if 0\n%else\n%else\n%else\n%endif", "t.asm:3: warning: `%else' after `%else', ignoring content [-w+pp-else-else]"},
		{"%if 1\n%else x\n%endif y", "t.asm:2: warning: trailing garbage after `%else' ignored [-w+pp-trailing]\nt.asm:3: warning: trailing garbage after `%endif' ignored [-w+pp-trailing]"},
		{"%if 0\n%if 1\n%else x\n%else\n%endif y\n%endif", ""},
		{"%rep -2\n%endrep", "t.asm:1: warning: negative `%rep' count: -2 [-w+pp-rep-negative]"},
		{"%fatal stop\n%error not reached", "t.asm:1: fatal: stop"},
		{"%stacksize huge", "t.asm:1: error: `%stacksize' invalid size type"},
		{"%stacksize", "t.asm:1: error: `%stacksize' missing size parameter"},
		{"%arg a:foo", "t.asm:1: error: invalid size type for `%arg' missing directive"},
		{"%arg a dword", "t.asm:1: error: syntax error processing `%arg' directive"},
		{"%local :dword", "t.asm:1: error: `%local' missing argument parameter"},
		{"%local a:word", "t.asm:1: error: `%$localsize': context stack is empty"},
		{"%define f(a+,b) a", "t.asm:1: error: parameter identifier expected in `%define'"},
		{"%if $ > 0\n%endif", "t.asm:1: error: `$' is not allowed in a constant expression"},
	} {
		_, diags := run(t, tc.src, Options{})
		var got []string
		for _, d := range diags {
			got = append(got, d.String())
		}
		if g := strings.Join(got, "\n"); g != tc.want {
			t.Errorf("%q:\n got %s\nwant %s", tc.src, g, tc.want)
		}
	}
}

// fakeAssembly answers `$' with 10 in section "s" and knows one label.
type fakeAssembly struct{ asked *[]string }

func (f fakeAssembly) Lookup(name string) (expr.Value, error) {
	*f.asked = append(*f.asked, name)
	if name == "lab" {
		return expr.Value{Const: 4, Terms: []expr.Term{{Sym: "s", Coef: 1}}}, nil
	}
	return expr.Value{}, fmt.Errorf("symbol `%s' not defined before use", name)
}

func (f fakeAssembly) Here() (expr.Value, error) {
	*f.asked = append(*f.asked, "$")
	return expr.Value{Const: 10, Terms: []expr.Term{{Sym: "s", Coef: 1}}}, nil
}

func (f fakeAssembly) SectStart() (expr.Value, error) {
	return expr.Value{Terms: []expr.Term{{Sym: "s", Coef: 1}}}, nil
}

// With Options.Assembly, `$', `$$' and labels have the assembly's values
// in critical expressions; constants of Options.Symbol come first.
func TestAssemblyValues(t *testing.T) {
	var asked []string
	opts := Options{Assembly: fakeAssembly{&asked}, Symbol: func(name string) (int64, bool) { return 3, name == "three" }}
	got, diags := run(t, "%assign a $-$$\n%assign b $-lab\n%if lab-$$ == 4\nyes\n%endif\n%rep $-lab-5\nr\n%endrep\ndb a, b, three", opts)
	if len(diags) > 0 {
		t.Fatalf("diagnostics: %v", diags)
	}
	if want := "yes\nr\ndb 10, 6, three"; got != want {
		t.Fatalf("got:\n%s\nwant:\n%s", got, want)
	}
	if strings.Join(asked, " ") != "$ $ lab lab $ lab" {
		t.Fatalf("asked %v", asked)
	}
	_, diags = run(t, "%if later\n%endif", opts)
	if len(diags) != 1 || diags[0].String() != "t.asm:1: error: symbol `later' not defined before use" {
		t.Fatalf("diagnostics: %v", diags)
	}
}
