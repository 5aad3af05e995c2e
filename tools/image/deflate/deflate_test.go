package deflate

import (
	"bytes"
	"compress/flate"
	"io"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"testing"
)

// inflate decodes with the standard library's inflater, which shares no
// code with this package: the oracle for every stream written here.
func inflate(t testing.TB, stream []byte) []byte {
	t.Helper()
	out, err := io.ReadAll(flate.NewReader(bytes.NewReader(stream)))
	if err != nil {
		t.Fatalf("inflate: %v", err)
	}
	return out
}

func roundTrip(t testing.TB, name string, data []byte) []byte {
	t.Helper()
	out := Encode(data)
	if back := inflate(t, out); !bytes.Equal(back, data) {
		t.Fatalf("%s: %d bytes came back as %d different bytes", name, len(data), len(back))
	}
	return out
}

// inputs are the shapes a layer takes and the edges of the format.
func inputs(t testing.TB) map[string][]byte {
	rng := rand.New(rand.NewPCG(1, 2))
	random := make([]byte, 100000)
	for i := range random {
		random[i] = byte(rng.Uint32())
	}
	text := bytes.Repeat([]byte("The quick brown fox jumps over the lazy dog. "), 300)
	// Near repeats: a block copied with one byte changed every 200, so
	// every position has many long but not longest matches.
	near := make([]byte, 0, MaxInput)
	for len(near)+300 <= MaxInput {
		blk := append([]byte(nil), random[:300]...)
		blk[len(near)%300] ^= 0x55
		near = append(near, blk...)
	}
	m := map[string][]byte{
		"empty":                 {},
		"one byte":              {42},
		"two bytes":             {1, 2},
		"three equal bytes":     {7, 7, 7},
		"zeros 258":             make([]byte, 258),
		"zeros 259":             make([]byte, 259),
		"zeros 65535":           make([]byte, 65535),
		"zeros at MaxInput":     make([]byte, MaxInput),
		"random (stored)":       random,
		"random 65536 (stored)": random[:65536],
		"text":                  text,
		"ab repeated":           bytes.Repeat([]byte("ab"), MaxInput/2),
		"near repeats":          near,
	}
	for _, name := range []string{"hello", "hello64"} {
		b, err := os.ReadFile(filepath.Join("..", "testdata", name))
		if err != nil {
			t.Fatal(err)
		}
		padded := make([]byte, 2048)
		copy(padded[512:], b)
		m["layer-like "+name] = padded
	}
	return m
}

func TestEncodeRoundTripsThroughAnIndependentInflater(t *testing.T) {
	for name, data := range inputs(t) {
		out := roundTrip(t, name, data)
		t.Logf("%s: %d -> %d", name, len(data), len(out))
	}
}

func TestIncompressibleDataIsStored(t *testing.T) {
	data := inputs(t)["random (stored)"]
	out := Encode(data)
	// Stored blocks cost 5 bytes per 65,535 bytes.
	if want := len(data) + 5*((len(data)+65534)/65535); len(out) != want {
		t.Errorf("random data: %d bytes, want stored blocks of %d", len(out), want)
	}
}

func TestEncodeIsAFunctionOfItsInput(t *testing.T) {
	data := inputs(t)["layer-like hello"]
	first := Encode(data)
	for i := 0; i < 3; i++ {
		if !bytes.Equal(Encode(append([]byte(nil), data...)), first) {
			t.Fatal("the same input gave other bytes")
		}
	}
}

func TestEncodeRefusesInputsOverTheLimit(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Fatal("no panic for an input over MaxInput")
		}
	}()
	Encode(make([]byte, MaxInput+1))
}

// TestCodeLengthsAreCompleteAndLimited: every code written is a complete
// prefix code within its limit, including when the plain Huffman code
// would be deeper (Fibonacci counts) and the package-merge path answers;
// where both answer, both are optimal, so their costs agree.
func TestCodeLengthsAreCompleteAndLimited(t *testing.T) {
	fib := make([]uint32, 30)
	fib[0], fib[1] = 1, 1
	for i := 2; i < len(fib); i++ {
		fib[i] = fib[i-1] + fib[i-2]
	}
	rng := rand.New(rand.NewPCG(3, 4))
	cases := [][]uint32{fib, {5}, {0, 0, 9}, {}, make([]uint32, 19)}
	for n := 0; n < 400; n++ {
		f := make([]uint32, 2+rng.IntN(285))
		if n%2 == 0 {
			f = f[:min(len(f), 2+rng.IntN(18))]
		}
		for i := range f {
			if rng.IntN(3) > 0 {
				f[i] = uint32(rng.IntN(1 << rng.IntN(16)))
			}
		}
		cases = append(cases, f)
	}
	for ci, freq := range cases {
		for _, limit := range []int{7, 15} {
			if len(freq) < 2 || limit == 7 && len(freq) > 19 { // 7 bits: the 19 code-length symbols
				continue
			}
			lens := codeLengths(freq, limit)
			kraft, used := 0, 0
			for s, l := range lens {
				if int(l) > limit {
					t.Fatalf("case %d: symbol %d has %d bits, limit %d", ci, s, l, limit)
				}
				if freq[s] > 0 && l == 0 {
					t.Fatalf("case %d: used symbol %d has no code", ci, s)
				}
				if l > 0 {
					kraft += 1 << (limit - int(l))
					used++
				}
			}
			if kraft != 1<<limit || used < 2 {
				t.Fatalf("case %d: Kraft sum %d/%d with %d codes: not a complete code", ci, kraft, 1<<limit, used)
			}
			if h, ok := huffmanLengths(freq, limit); ok {
				if cost(freq, h) != cost(freq, packageMerge(freq, limit)) {
					t.Fatalf("case %d: Huffman and package-merge costs differ", ci)
				}
			}
		}
	}
	if _, ok := huffmanLengths(fib, 15); ok {
		t.Error("Fibonacci counts were expected to need package-merge")
	}
}

func cost(freq []uint32, lens []uint8) int {
	n := 0
	for s, f := range freq {
		n += int(f) * int(lens[s])
	}
	return n
}

func FuzzEncode(f *testing.F) {
	for _, data := range inputs(f) {
		if len(data) < 4096 {
			f.Add(data)
		}
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		if len(data) > MaxInput {
			return
		}
		roundTrip(t, "fuzz input", data)
		if len(data) <= 1<<14 {
			checkParseAgainstFullRelaxation(t, "fuzz input", data)
		}
	})
}

// parseFull is parse without its shortcut for first matches: every length
// of every match is offered. The pruned parse must give the same tokens.
func parseFull(data []byte, same []int32, matches []match, starts []int32, c *costModel) []token {
	n := len(data)
	cost, from := make([]uint32, n+1), make([]token, n+1)
	for i := 1; i <= n; i++ {
		cost[i] = math.MaxUint32
	}
	for i := 0; i < n; i++ {
		base := cost[i]
		if i > maxMatch && int(same[i-maxMatch-1]) > 3*maxMatch+1 {
			if v := base + c.len[maxMatch] + c.dist[0]; v < cost[i+maxMatch] {
				cost[i+maxMatch], from[i+maxMatch] = v, token{length: maxMatch, dist: 1}
			}
			continue
		}
		if v := base + c.lit[data[i]]; v < cost[i+1] {
			cost[i+1], from[i+1] = v, token{length: uint16(data[i])}
		}
		lo := minMatch
		for _, m := range matches[starts[i]:starts[i+1]] {
			for l := lo; l <= int(m.length); l++ {
				if v := base + c.dist[distCodeOf(int(m.dist))] + c.len[l]; v < cost[i+l] {
					cost[i+l], from[i+l] = v, token{length: uint16(l), dist: m.dist}
				}
			}
			lo = int(m.length) + 1
		}
	}
	var toks []token
	for i := n; i > 0; i -= tokenLen(from[i]) {
		toks = append([]token{from[i]}, toks...)
	}
	return toks
}

// checkParseAgainstFullRelaxation runs Encode's rounds with both parses
// under the fixed model and each round's dynamic one.
func checkParseAgainstFullRelaxation(t *testing.T, name string, data []byte) {
	t.Helper()
	same, first := runLengthsOf(data)
	matches, starts := findMatches(data, same, first)
	cost, from := make([]uint32, len(data)+1), make([]token, len(data)+1)
	c := fixedCosts()
	for r := 0; r < 3; r++ {
		got := parse(data, same, matches, starts, c, cost, from)
		want := parseFull(data, same, matches, starts, c)
		if !slices.Equal(got, want) {
			t.Fatalf("%s, round %d: the pruned parse chose %d tokens, the full relaxation %d (or others)", name, r, len(got), len(want))
		}
		c = dynamicCosts(stats(got))
	}
}

func TestParseSkipsOnlyLengthsThatCannotWin(t *testing.T) {
	for name, data := range inputs(t) {
		checkParseAgainstFullRelaxation(t, name, data[:min(len(data), 1<<14)])
	}
	// Runs and repeats of every shape, where the shortcut does its work.
	rng := rand.New(rand.NewPCG(3, 4))
	for k := 0; k < 200; k++ {
		data := make([]byte, rng.IntN(3000))
		alphabet := 1 + rng.IntN(6)
		for i := range data {
			if rng.IntN(8) < 6 && i > 0 {
				data[i] = data[i-1-rng.IntN(min(i, 4))]
			} else {
				data[i] = byte(rng.IntN(alphabet))
			}
		}
		checkParseAgainstFullRelaxation(t, "random runs", data)
	}
}

// BenchmarkLayerLikeHello is a seed layer's tar shape.
func BenchmarkLayerLikeHello(b *testing.B) {
	data := inputs(b)["layer-like hello"]
	b.ReportAllocs()
	for i := 0; i < b.N; i++ {
		Encode(data)
	}
}

func BenchmarkWorstCases(b *testing.B) {
	in := inputs(b)
	for _, name := range []string{"near repeats", "ab repeated", "zeros at MaxInput", "random (stored)"} {
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Encode(in[name])
			}
		})
	}
}

// Every distance gets the code whose range, from RFC 1951's table, holds it.
func TestDistCodeOfMatchesTheTable(t *testing.T) {
	for d := 1; d <= windowSize; d++ {
		c := distCodeOf(d)
		hi := windowSize
		if c+1 < len(distBase) {
			hi = int(distBase[c+1]) - 1
		}
		if c < 0 || c >= len(distBase) || d < int(distBase[c]) || d > hi {
			t.Fatalf("distance %d: code %d", d, c)
		}
	}
}
