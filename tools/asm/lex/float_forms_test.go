package lex

import (
	"encoding/hex"
	"fmt"
	"math/rand"
	"strings"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/internal/nasmgolden"
)

// nasm's bytes and warning for literals in every form it reads (each
// checked with nasm 2.16.01: `dd LIT` and so on, -f bin).
func TestFloatFormsNasmValues(t *testing.T) {
	for _, tc := range []struct {
		lit  string
		size int
		want string // little-endian bytes, hex
		warn string
	}{
		{"0x1.0", 4, "0000803f", ""},
		{"0x0.8", 4, "0000003f", ""},
		{"0x.8", 4, "0000003f", ""},
		{"$1.8", 4, "0000c03f", ""},
		{"0h1.8p1", 4, "00004040", ""},
		{"0q3.7777777774p-2", 4, "0000803f", ""},
		{"0b1.1111_1111_1111_1111_1111_1111_1111_111p-1", 4, "0000803f", ""},
		{"0d3.7282705e+4", 4, "b4a21147", ""},
		{"0t3.7282705e+4", 4, "b4a21147", ""},
		{"0x1.8p128", 4, "0000c07f", ""}, // nasm keeps the all-ones exponent
		{"0x1p128", 4, "0000807f", ""},
		{"1e5000", 4, "0000807f", "overflow in floating-point constant"},
		{"0x1.000003p0", 4, "0200803f", ""},
		{"0x1p-1075", 8, "0000000000000000", "denormal floating-point constant"}, // (the half-ulp bit stays)
		{"0x1p-1076", 8, "0000000000000000", "underflow in floating-point constant"},
		{"0x1.8p-1075", 8, "0100000000000000", "denormal floating-point constant"},
		{"1.4e23", 8, "bf35084b6aa5bd44", ""}, // not correctly rounded: nasm's arithmetic
		{"50.48e21", 8, "adfe02750d61a544", ""},
		{"0.1234567890123456789012345678901234567890123456789012345678901234567890", 8, "5ff64637dd9abf3f", "floating-point constant significand contains more than 52 digits"},
		{"1.2e28", 10, "6b0b18f75dab189b5c40", ""},
		{"0x1p16384", 10, "0000000000000080ff7f", ""},
		{"0x1p-16446", 10, "00000000000000000000", "denormal floating-point constant"},
		{"123p", 10, "23010000000000000000", ""},
		{"765_432_109_876_543_210p", 10, "10325476981032547600", ""},
		{"0p99", 10, "99000000000000000000", ""},
		{"__QNaN__", 10, "00000000000000c0ff7f", ""},
		{"65520.0", 2, "ff7b", ""},
		{"0x1p-25", 2, "0000", "denormal floating-point constant"},
		{"0x1p-10", 1, "00", "denormal floating-point constant"},
		{"248.0", 1, "77", ""},
		{"0x1.8p16384", 16, "0000000000000000000000000080ff7f", ""},
		{"1e-4960", 16, "445b0200000000000000000000000000", "denormal floating-point constant"},
		{"10e", 4, "00002041", ""},
	} {
		got, warns, err := EncodeFloat(tc.lit, false, tc.size)
		var w []string
		for _, x := range warns {
			w = append(w, x.Msg)
		}
		if err != nil || hex.EncodeToString(got) != tc.want || strings.Join(w, "; ") != tc.warn {
			t.Errorf("%d bytes of %s: got %x %q %v, nasm %s %q", tc.size, tc.lit, got, w, err, tc.want, tc.warn)
		}
	}
}

// nasm's errors for malformed literals, and for BCD outside dt.
func TestFloatFormsErrors(t *testing.T) {
	for _, tc := range []struct {
		lit  string
		size int
		want string
	}{
		{"1.2.3", 4, "too many periods in floating-point constant"},
		{"0x1.2.3", 4, "too many periods in floating-point constant"},
		{"1.5x", 4, "invalid character in floating-point constant significand: 'x'"},
		{"1.5e3q", 4, "invalid character in floating-point constant exponent: 'q'"},
		{"0q1.8", 4, "floating-point constant: `8' is invalid character"},
		{"0x1.8p1z", 4, "invalid character in floating-point constant exponent: 'z'"},
		{"123p", 4, "packed BCD requires an 80-bit format"},
		{"12a4p", 10, "invalid character `a' in packed BCD constant"},
		{"1.5", 3, "no 24-bit floating-point format supported"},
	} {
		_, _, err := EncodeFloat(tc.lit, false, tc.size)
		if err == nil || err.Error() != tc.want {
			t.Errorf("%s in %d bytes: %v, want %q", tc.lit, tc.size, err, tc.want)
		}
	}
}

// Which numbers nasm reads as floating-point, and where a sign belongs
// to the number (after p always, after e unless hexadecimal).
func TestFloatTokens(t *testing.T) {
	for _, tc := range []struct{ src, want string }{
		{"1.5", "F:1.5"},
		{"1e5", "F:1e5"},
		{"1e+5", "F:1e+5"},
		{"1e-5+2", "F:1e-5 O:+ N:2"},
		{"0x1e+5", "N:0x1e O:+ N:5"},
		{"1eh+5", "N:1eh O:+ N:5"},
		{"$1e+5", "N:$1e O:+ N:5"},
		{"0x1p+3", "F:0x1p+3"},
		{"0x1.8p-3-1", "F:0x1.8p-3 O:- N:1"},
		{"0q3.7p-2", "F:0q3.7p-2"},
		{"0b1.1p1", "F:0b1.1p1"},
		{"0d3.5e+4", "F:0d3.5e+4"},
		{"123p", "F:123p"},
		{"0p12", "F:0p12"},
		{"0x.8", "F:0x.8"},
		{"10e", "F:10e"},
		{"0e0h", "N:0e0h"},
		{"1.", "F:1."},
	} {
		toks, err := Line(tc.src)
		var got []string
		for _, tk := range toks {
			got = append(got, map[Kind]string{Float: "F", Num: "N", Op: "O"}[tk.Kind]+":"+tk.Text)
		}
		if err != nil || strings.Join(got, " ") != tc.want {
			t.Errorf("Line(%q) = %s, %v; want %s", tc.src, strings.Join(got, " "), err, tc.want)
		}
	}
}

// Random literals in every radix, in every format, give nasm's bytes:
// long mantissas (nasm keeps 192 bits), exponents near every format's
// limits, decimals beyond 52 digits. nasm's answers are in
// testdata/nasm/TestFloatRadixMatchesNasm.txt.
func TestFloatRadixMatchesNasm(t *testing.T) {
	golden := nasmgolden.ForTest(t)
	r := rand.New(rand.NewSource(12))
	digits := func(alpha string, n int) string {
		b := make([]byte, n)
		for i := range b {
			b[i] = alpha[r.Intn(len(alpha))]
		}
		return string(b)
	}
	const hexd, octd, decd = "0123456789abcdef", "01234567", "0123456789"
	edges := []int{-126, -127, -149, -150, -1022, -1023, -1074, -1075, -16382, -16383, -16445, -16446, -16494, -16495,
		-14, -15, -24, -25, 127, 128, 1023, 1024, 16383, 16384, 15, 16, 7, 8, -6, -7, -9, -10}
	var lits []string
	for i := 0; i < 600; i++ {
		switch r.Intn(9) {
		case 0:
			lits = append(lits, fmt.Sprintf("0x%s.%sp%d", digits(hexd, 1+r.Intn(40)), digits(hexd, r.Intn(40)), r.Intn(34000)-17000))
		case 1:
			lits = append(lits, fmt.Sprintf("0q%s.%sp%d", digits(octd, 1+r.Intn(30)), digits(octd, r.Intn(30)), r.Intn(400)-200))
		case 2:
			lits = append(lits, fmt.Sprintf("0b%s.%sp%d", digits("01", 1+r.Intn(80)), digits("01", r.Intn(150)), r.Intn(400)-200))
		case 3:
			lits = append(lits, fmt.Sprintf("0d%s.%se%d", digits(decd, 1+r.Intn(30)), digits(decd, r.Intn(30)), r.Intn(800)-400))
		case 4:
			lits = append(lits, fmt.Sprintf("%s.%se%d", digits(decd, 1+r.Intn(70)), digits(decd, r.Intn(70)), r.Intn(10200)-5100))
		case 5:
			lits = append(lits, fmt.Sprintf("0h1.%sp%d", digits(hexd, r.Intn(60)), edges[r.Intn(len(edges))]))
		case 6:
			lits = append(lits, fmt.Sprintf("0x1.%s1p%d", strings.Repeat("0", 20+r.Intn(40)), r.Intn(40)-20))
		case 7:
			lits = append(lits, fmt.Sprintf("0.%s%se%d", strings.Repeat("0", r.Intn(60)), digits(decd, 1+r.Intn(60)), r.Intn(60)-4960))
		case 8:
			lits = append(lits, fmt.Sprintf("$%s.%s", digits(decd, 1+r.Intn(4)), digits(hexd, r.Intn(60))))
		}
	}
	checkLiteralsMatchNasm(t, golden, r, lits, []string{"-f", "bin", "-w-all", "-o", nasmgolden.Out, "f.asm"})
}

// Any text and size: an encoding of the size or an error, never a panic.
func FuzzEncodeFloat(f *testing.F) {
	for _, s := range []string{"1.5", "0x1.8p-3", "0q7.7p+9", "0b1.1", "0d1e5", "$1.8", "123p", "0p1_2", "1e-5000", "0x1p20000", "__QNaN__", "1..2", "0x", "e"} {
		f.Add(s, 4, false)
	}
	f.Fuzz(func(t *testing.T, s string, size int, neg bool) {
		b, _, err := EncodeFloat(s, neg, size)
		if err == nil && len(b) != size && !(size == BFloat16 && len(b) == 2) {
			t.Fatalf("EncodeFloat(%q, %d) = %d bytes", s, size, len(b))
		}
	})
}
