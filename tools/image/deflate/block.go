package deflate

import "math/bits"

// RFC 1951's tables: the base and extra bits of each length code
// (257-285) and distance code (0-29).
var (
	lengthBase  = [29]uint16{3, 4, 5, 6, 7, 8, 9, 10, 11, 13, 15, 17, 19, 23, 27, 31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258}
	lengthExtra = [29]uint8{0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2, 2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0}
	distBase    = [30]uint16{1, 2, 3, 4, 5, 7, 9, 13, 17, 25, 33, 49, 65, 97, 129, 193, 257, 385, 513, 769, 1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577}
	distExtra   = [30]uint8{0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6, 6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13}

	// The order in which the code-length code's lengths are written.
	clOrder = [19]uint8{16, 17, 18, 0, 8, 7, 9, 6, 10, 5, 11, 4, 12, 3, 13, 2, 14, 1, 15}

	lengthCodeOf [maxMatch + 1]uint8 // match length -> index into lengthBase
	fixedLitLen  [288]uint8
	fixedDist    [30]uint8
)

func init() {
	for c := 0; c < 29; c++ {
		hi := maxMatch
		if c+1 < 29 {
			hi = int(lengthBase[c+1]) - 1
		}
		for l := int(lengthBase[c]); l <= hi; l++ {
			lengthCodeOf[l] = uint8(c)
		}
	}
	// 258 has a code of its own (285), not 284's top value.
	lengthCodeOf[maxMatch] = 28
	for s := range fixedLitLen {
		switch {
		case s < 144:
			fixedLitLen[s] = 8
		case s < 256:
			fixedLitLen[s] = 9
		case s < 280:
			fixedLitLen[s] = 7
		default:
			fixedLitLen[s] = 8
		}
	}
	for s := range fixedDist {
		fixedDist[s] = 5
	}
}

// distCodeOf is the distance code of d (1..32768): codes come in pairs
// per power of two above 4, so the code is twice d-1's top bit position
// plus the bit below it. (The parse asks once per match and position.)
func distCodeOf(d int) int {
	x := uint32(d - 1)
	if x < 4 {
		return int(x)
	}
	top := bits.Len32(x) - 1
	return 2*top + int(x>>(top-1)&1)
}

// token is a literal (dist 0, length the byte) or a match.
type token struct {
	length uint16
	dist   uint16
}

// bitWriter packs bits LSB first, as DEFLATE does.
type bitWriter struct {
	out   []byte
	acc   uint64
	nbits uint
}

func (w *bitWriter) bits(v uint64, n uint8) {
	w.acc |= v << w.nbits
	w.nbits += uint(n)
	for w.nbits >= 8 {
		w.out = append(w.out, byte(w.acc))
		w.acc >>= 8
		w.nbits -= 8
	}
}

func (w *bitWriter) flush() {
	if w.nbits > 0 {
		w.out = append(w.out, byte(w.acc))
		w.acc, w.nbits = 0, 0
	}
}

// stats counts the symbols a token list uses.
func stats(toks []token) (lit [286]uint32, dist [30]uint32) {
	for _, t := range toks {
		if t.dist == 0 {
			lit[t.length]++
			continue
		}
		lit[257+int(lengthCodeOf[t.length])]++
		dist[distCodeOf(int(t.dist))]++
	}
	lit[256]++
	return lit, dist
}

// dataBits is the size of the tokens (and the end of block) coded with the
// given lengths.
func dataBits(lit [286]uint32, dist [30]uint32, litLens, distLens []uint8) int {
	n := 0
	for s, f := range lit {
		if f > 0 {
			n += int(f) * int(litLens[s])
			if s > 256 {
				n += int(f) * int(lengthExtra[s-257])
			}
		}
	}
	for s, f := range dist {
		n += int(f) * (int(distLens[s]) + int(distExtra[s]))
	}
	return n
}

// dynamicHeader is a dynamic block's code description.
type dynamicHeader struct {
	litLens, distLens []uint8
	hlit, hdist       int
	clSyms            []uint8 // code-length symbols; 16-18 followed by their repeat count
	clLens            []uint8
	hclen             int
}

func newDynamicHeader(lit [286]uint32, dist [30]uint32) *dynamicHeader {
	h := &dynamicHeader{litLens: codeLengths(lit[:], 15), distLens: codeLengths(dist[:], 15)}
	h.hlit = 286
	for h.hlit > 257 && h.litLens[h.hlit-1] == 0 {
		h.hlit--
	}
	h.hdist = 30
	for h.hdist > 1 && h.distLens[h.hdist-1] == 0 {
		h.hdist--
	}
	all := append(append([]uint8(nil), h.litLens[:h.hlit]...), h.distLens[:h.hdist]...)
	h.clSyms = runLengths(all)
	var clFreq [19]uint32
	for i := 0; i < len(h.clSyms); i++ {
		s := h.clSyms[i]
		clFreq[s]++
		if s >= 16 {
			i++
		}
	}
	h.clLens = codeLengths(clFreq[:], 7)
	h.hclen = 19
	for h.hclen > 4 && h.clLens[clOrder[h.hclen-1]] == 0 {
		h.hclen--
	}
	return h
}

// runLengths codes a sequence of code lengths with symbols 16 (repeat the
// previous 3-6 times), 17 (3-10 zeros) and 18 (11-138 zeros).
func runLengths(lens []uint8) []uint8 {
	var out []uint8
	for i := 0; i < len(lens); {
		v := lens[i]
		run := 1
		for i+run < len(lens) && lens[i+run] == v {
			run++
		}
		i += run
		if v == 0 {
			for run >= 11 {
				n := min(run, 138)
				out = append(out, 18, uint8(n-11))
				run -= n
			}
			if run >= 3 {
				out = append(out, 17, uint8(run-3))
				run = 0
			}
		} else {
			out = append(out, v)
			run--
			for run >= 3 {
				n := min(run, 6)
				out = append(out, 16, uint8(n-3))
				run -= n
			}
		}
		for ; run > 0; run-- {
			out = append(out, v)
		}
	}
	return out
}

var clExtra = [19]uint8{16: 2, 17: 3, 18: 7}

func (h *dynamicHeader) bits() int {
	n := 5 + 5 + 4 + 3*h.hclen
	for i := 0; i < len(h.clSyms); i++ {
		s := h.clSyms[i]
		n += int(h.clLens[s]) + int(clExtra[s])
		if s >= 16 {
			i++
		}
	}
	return n
}

func (h *dynamicHeader) write(w *bitWriter) {
	w.bits(uint64(h.hlit-257), 5)
	w.bits(uint64(h.hdist-1), 5)
	w.bits(uint64(h.hclen-4), 4)
	for _, s := range clOrder[:h.hclen] {
		w.bits(uint64(h.clLens[s]), 3)
	}
	codes := canonicalCodes(h.clLens)
	for i := 0; i < len(h.clSyms); i++ {
		s := h.clSyms[i]
		w.bits(uint64(codes[s]), h.clLens[s])
		if s >= 16 {
			i++
			w.bits(uint64(h.clSyms[i]), clExtra[s])
		}
	}
}

// writeTokens writes the tokens and the end of block with the given codes.
func writeTokens(w *bitWriter, toks []token, litLens, distLens []uint8) {
	litCodes, distCodes := canonicalCodes(litLens), canonicalCodes(distLens)
	for _, t := range toks {
		if t.dist == 0 {
			w.bits(uint64(litCodes[t.length]), litLens[t.length])
			continue
		}
		lc := lengthCodeOf[t.length]
		w.bits(uint64(litCodes[257+int(lc)]), litLens[257+int(lc)])
		w.bits(uint64(t.length-lengthBase[lc]), lengthExtra[lc])
		dc := distCodeOf(int(t.dist))
		w.bits(uint64(distCodes[dc]), distLens[dc])
		w.bits(uint64(int(t.dist)-int(distBase[dc])), distExtra[dc])
	}
	w.bits(uint64(litCodes[256]), litLens[256])
}

// blockBits is the size in bits of the tokens as the cheapest of a fixed
// or dynamic final block, and which; stored blocks are judged by Encode.
func blockBits(toks []token) (int, *dynamicHeader) {
	lit, dist := stats(toks)
	h := newDynamicHeader(lit, dist)
	dyn := 3 + h.bits() + dataBits(lit, dist, h.litLens, h.distLens)
	fixed := 3 + dataBits(lit, dist, fixedLitLen[:286], fixedDist[:])
	if fixed <= dyn {
		return fixed, nil
	}
	return dyn, h
}

// writeBlock writes the tokens as one final block: dynamic when h is set,
// else fixed.
func writeBlock(toks []token, h *dynamicHeader) []byte {
	var w bitWriter
	if h == nil {
		w.bits(1|1<<1, 3)
		writeTokens(&w, toks, fixedLitLen[:], fixedDist[:])
	} else {
		w.bits(1|2<<1, 3)
		h.write(&w)
		writeTokens(&w, toks, h.litLens, h.distLens)
	}
	w.flush()
	return w.out
}

// storedBlocks writes data uncompressed, in blocks of at most 65,535 bytes.
func storedBlocks(data []byte) []byte {
	var out []byte
	for first := true; first || len(data) > 0; first = false {
		n := min(len(data), 65535)
		final := byte(0)
		if n == len(data) {
			final = 1
		}
		out = append(out, final, byte(n), byte(n>>8), ^byte(n), ^byte(n>>8))
		out = append(out, data[:n]...)
		data = data[n:]
	}
	return out
}
