package lex

import (
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
)

// Every numeric form nasm documents, checked against values from nasm's
// manual (and, where odd, nasm 2.16 itself).
func TestNumberForms(t *testing.T) {
	for _, tc := range []struct {
		text string
		want int64
	}{
		{"200", 200}, {"0200", 200}, {"0200d", 200}, {"0d200", 200}, {"0t200", 200}, {"200t", 200},
		{"0c8h", 0xc8}, {"$0c8", 0xc8}, {"0xc8", 0xc8}, {"0hc8", 0xc8}, {"0c8x", 0xc8}, {"0XC8", 0xc8},
		{"310q", 0o310}, {"310o", 0o310}, {"0o310", 0o310}, {"0q310", 0o310},
		{"11001000b", 0xc8}, {"1100_1000b", 0xc8}, {"1100_1000y", 0xc8}, {"0b1100_1000", 0xc8}, {"0y1100_1000", 0xc8},
		{"0bh", 0x0b}, {"1_000_000", 1000000}, {"0xffffffffffffffff", -1}, {"0x_f_f", 255}, {"0x", 0}, {"0b", 0},
	} {
		got, err := Number(tc.text)
		if err != nil || got != tc.want {
			t.Errorf("Number(%q) = %d, %v; want %d", tc.text, got, err, tc.want)
		}
	}
	for _, bad := range []string{"12z", "0b2", "19o", "1.5", "1e10"} {
		if _, err := Number(bad); err == nil {
			t.Errorf("Number(%q): no error", bad)
		}
	}
}

func TestStrings(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{`'it''`, "it"},
		{`"a'b"`, "a'b"},
		{"`\\n\\t\\\\\\``", "\n\t\\`"},
		{"`\\x41\\101\\e\\0`", "AA\x1b\x00"},
		{"`\\u00e9`", "é"},
		{"`\\U0001F600`", "\U0001F600"},
		{`'\n'`, `\n`},
	} {
		got, _, err := String(tc.src)
		if err != nil || got != tc.want {
			t.Errorf("String(%s) = %q, %v; want %q", tc.src, got, err, tc.want)
		}
	}
	for _, bad := range []string{`'abc`, `"abc`, "`abc", "`\\u`"} {
		if _, _, err := String(bad); err == nil {
			t.Errorf("String(%s): no error", bad)
		}
	}
}

func kinds(toks []Token) string {
	var b []string
	for _, t := range toks {
		b = append(b, t.Kind.String()[:2]+":"+t.Text)
	}
	return strings.Join(b, " ")
}

func TestLineTokens(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"mov eax, [ebx+4] ; comment", "id:mov id:eax op:, op:[ id:ebx op:+ nu:4 op:]"},
		{"label: db 'a;b', 0", "id:label op:: id:db st:'a;b' op:, nu:0"},
		{"x equ $ - $$", "id:x id:equ op:$ op:- op:$$"},
		{"%define F(x) x+1", "pr:%define id:F op:( id:x op:) id:x op:+ nu:1"},
		{"%%loop: jmp %%loop", "pr:%%loop op:: id:jmp pr:%%loop"},
		{"db %1, %{2}, %0, a %+ b", "id:db pr:%1 op:, pr:%{2} op:, pr:%0 op:, id:a pr:%+ id:b"},
		{"dd 5 % 3, 5 %% 3", "id:dd nu:5 op:% nu:3 op:, nu:5 op:%% nu:3"},
		{"a << b >> c >>> d <<< e <=> f", "id:a op:<< id:b op:>> id:c op:>>> id:d op:<<< id:e op:<=> id:f"},
		{"$eax .local ..@x ?", "id:eax id:.local id:..@x op:?"},
		{"", ""},
	} {
		toks, err := Line(tc.src)
		if err != nil {
			t.Errorf("Line(%q): %v", tc.src, err)
			continue
		}
		if got := kinds(toks); got != tc.want {
			t.Errorf("Line(%q):\n got %s\nwant %s", tc.src, got, tc.want)
		}
	}
}

func TestLineRejectsControlAndNonASCIIOutsideStrings(t *testing.T) {
	for _, src := range []string{"mov\x00eax", "db \xff", "é: nop"} {
		if _, err := Line(src); err == nil {
			t.Errorf("Line(%q): no error", src)
		}
	}
	if _, err := Line("db 'é\xff'"); err != nil {
		t.Errorf("bytes inside strings must be accepted: %v", err)
	}
}

func TestCharConst(t *testing.T) {
	if v, _ := CharConst("ab"); v != 0x6261 {
		t.Fatalf("'ab' = %#x", v)
	}
	if _, ok := CharConst("123456789"); ok {
		t.Fatal("9-byte character constant accepted")
	}
}

func FuzzLex(f *testing.F) {
	for _, s := range []string{"mov eax, [ebx+ecx*4+8]", "db `\\x41\\u00e9`, 'a', \"b\"", "%define x(a) a%+1", "0x1f 1fh $0f 0b1 0o7 7q 1_0", "%%a %{1:2} %-1 %+", "??$$$"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		toks, err := Line(s)
		if err != nil {
			return
		}
		for _, tok := range toks {
			if tok.Kind == 0 {
				t.Fatalf("token without kind in %q", s)
			}
		}
		// Rebuilt text lexes to the same tokens.
		again, err := Line(Join(toks))
		if err != nil || len(again) != len(toks) {
			t.Fatalf("relex of %q (%q) gave %d tokens, err %v; want %d", s, Join(toks), len(again), err, len(toks))
		}
	})
}

// Lines join on a trailing backslash only: not when blanks follow it,
// not on the last line; CRLF endings are dropped. Each case's table is
// checked against nasm -E's output for the same source too (kept in
// testdata/nasm/TestSplitterJoinsLikeNasm.txt), as far as -E shows it:
// the number and tokens of every non-blank line.
func TestSplitterJoinsLikeNasm(t *testing.T) {
	golden := nasmgolden.ForTest(t)
	for _, tc := range []struct {
		src  string
		want []string // "line:text"
		// nasmDiffers, when set, says why nasm -E disagrees with want: a
		// known difference, checked to still be one.
		nasmDiffers string
	}{
		{"", nil, ""},
		{"\n", []string{"1:"}, ""},
		{"a\nb", []string{"1:a", "2:b"}, ""},
		{"a\nb\n", []string{"1:a", "2:b"}, ""},
		{"db 1, \\\n 2\nnop", []string{"1:db 1,  2", "3:nop"}, ""},
		{"a\\\nb\\\nc\nd", []string{"1:abc", "4:d"}, ""},
		{"a\\ \nb", []string{"1:a\\ ", "2:b"}, ""},
		{"a\\\t\nb", []string{"1:a\\\t", "2:b"}, ""},
		{"a\r\nb\\\r\nc\r\n", []string{"1:a", "2:bc"}, ""},
		{"last\\", []string{"1:last\\"}, ""},
		{"last\\\n", []string{"1:last"}, ""},
		{"a\\\nlast\\\n", []string{"1:alast"}, ""},
	} {
		var got []string
		sp := NewSplitter(tc.src)
		for {
			text, line, ok := sp.Next()
			if !ok {
				break
			}
			got = append(got, strings.Join([]string{itoa(line), text}, ":"))
		}
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("%q: got %q, want %q", tc.src, got, tc.want)
		}
		args := []string{"-E", "t.asm"}
		ans := golden.Answer(t, fmt.Sprintf("%q: nasm -E t.asm", tc.src), []byte(tc.src), func() nasmgolden.Answer {
			dir := t.TempDir()
			if err := os.WriteFile(filepath.Join(dir, "t.asm"), []byte(tc.src), 0o644); err != nil {
				t.Fatal(err)
			}
			cmd := nasmgolden.Command(t, dir, args...)
			var stdout, stderr bytes.Buffer
			cmd.Stdout, cmd.Stderr = &stdout, &stderr
			status := nasmgolden.ExitStatus(t, cmd.Run())
			return nasmgolden.Answer{Status: status, Output: stderr.String(), Stdout: stdout.String()}
		})
		if !ans.OK() {
			t.Fatalf("%q: nasm -E: status %d\n%s", tc.src, ans.Status, ans.Output)
		}
		a, b := tokenLines(tc.want), preprocessedLines(ans.Stdout)
		switch same := strings.Join(a, "|") == strings.Join(b, "|"); {
		case !same && tc.nasmDiffers == "":
			t.Errorf("%q: the table says %q, nasm -E %q", tc.src, a, b)
		case same && tc.nasmDiffers != "":
			t.Errorf("%q: nasm -E agrees with the table now: drop the note %q", tc.src, tc.nasmDiffers)
		}
	}
}

// tokenLines reduces "line:text" pairs to what nasm -E shows of them:
// blank lines dropped, blanks in a line collapsed to one space.
func tokenLines(pairs []string) []string {
	var out []string
	for _, p := range pairs {
		n, text, _ := strings.Cut(p, ":")
		if f := strings.Fields(text); len(f) > 0 {
			out = append(out, n+":"+strings.Join(f, " "))
		}
	}
	return out
}

// preprocessedLines reads nasm -E's output as tokenLines: a `%line N+M`
// marker says the next line is source line N and each after it M lines
// further on.
func preprocessedLines(out string) []string {
	var res []string
	line, step := 1, 1
	for _, l := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if rest, ok := strings.CutPrefix(l, "%line "); ok {
			spec, _, _ := strings.Cut(rest, " ")
			n, m, _ := strings.Cut(spec, "+")
			line, _ = strconv.Atoi(n)
			if step, _ = strconv.Atoi(m); m == "" {
				step = 1
			}
			continue
		}
		if f := strings.Fields(l); len(f) > 0 {
			res = append(res, strconv.Itoa(line)+":"+strings.Join(f, " "))
		}
		line += step
	}
	return res
}

func itoa(i int) string {
	if i < 10 {
		return string(rune('0' + i))
	}
	return itoa(i/10) + string(rune('0'+i%10))
}

// The splitter is the preprocessor's old splitLines, kept as the oracle
// for line numbers of joined lines.
func FuzzSplitter(f *testing.F) {
	f.Add("a\\\nb\n\\\nc\\\n\\\nd\r\n\\")
	f.Fuzz(func(t *testing.T, src string) {
		sp := NewSplitter(src)
		for _, want := range oldSplit(src) {
			text, line, ok := sp.Next()
			if !ok || text != want.text || line != want.line {
				t.Fatalf("%q: got %q@%d %v, want %q@%d", src, text, line, ok, want.text, want.line)
			}
		}
		if _, _, ok := sp.Next(); ok {
			t.Fatalf("%q: extra line", src)
		}
	})
}

type oldLine struct {
	text string
	line int
}

func oldSplit(s string) []oldLine {
	var out []oldLine
	lineNo := 0
	var cont strings.Builder
	contStart := 0
	for len(s) > 0 || cont.Len() > 0 {
		var line string
		if i := strings.IndexByte(s, '\n'); i >= 0 {
			line, s = s[:i], s[i+1:]
		} else {
			line, s = s, ""
		}
		lineNo++
		line = strings.TrimSuffix(line, "\r")
		if strings.HasSuffix(line, "\\") && len(s) > 0 {
			if cont.Len() == 0 {
				contStart = lineNo
			}
			cont.WriteString(line[:len(line)-1])
			continue
		}
		start := lineNo
		if cont.Len() > 0 {
			cont.WriteString(line)
			line = cont.String()
			cont.Reset()
			start = contStart
		}
		out = append(out, oldLine{line, start})
		if len(s) == 0 {
			break
		}
	}
	return out
}

// `%macro m 0.nolist` (nasm's own standard macros are written so): a
// count glued to .nolist is the count, then .nolist as a token of its own
// that the line's token limit counts. Other words ending in .nolist stay
// whole.
func TestCountThenNolist(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"%macro m 0.nolist", "%macro|m|0|.nolist"},
		{"%macro m 1-2.NOLIST", "%macro|m|1|-|2|.NOLIST"},
		{"%macro m 0x10.nolist", "%macro|m|0x10|.nolist"},
		{"x.nolist", "x.nolist"},
		{"1.nolists", ""}, // not a count then .nolist: an error, as before
	} {
		toks, err := Line(tc.src)
		var got []string
		for _, tk := range toks {
			got = append(got, tk.Text)
		}
		if tc.want == "" {
			if err == nil {
				t.Errorf("Line(%q) = %q, want an error", tc.src, got)
			}
			continue
		}
		if err != nil || strings.Join(got, "|") != tc.want {
			t.Errorf("Line(%q) = %q, %v; want %s", tc.src, got, err, tc.want)
		}
		if n := strings.Count(tc.want, "|"); n > 0 {
			if _, err := LineMax(tc.src, n); err != ErrTooManyTokens {
				t.Errorf("LineMax(%q, %d) = %v, want ErrTooManyTokens", tc.src, n, err)
			}
		}
	}
	toks, _ := Line("%macro m 0.nolist")
	if toks[2].Kind != Num || toks[2].Val != 0 || toks[3].Kind != Ident || toks[3].Space {
		t.Errorf("0.nolist: %+v", toks[2:])
	}
}
