// Package deflate writes a small DEFLATE stream (RFC 1951) for a small
// input, owning every byte of it: the tool's layer digests depend on this
// code alone, not on a compression library's release.
//
// Layers of tiny programs are a few kilobytes of tar: a header, a short
// executable and zero padding. A general-purpose compressor set up for
// such an input touches more memory for its tables (a megabyte per level,
// page faults that cost more than the compression) than the input has
// bytes, and its levels are heuristics, so the smallest output was found
// by trying all nine. Here the memory is sized by the input, and the parse
// is a shortest path under a cost model that is refined from the previous
// parse's own statistics a few times (Zopfli's method, written afresh and
// short): the result is as small as the best level's or smaller, in a
// fraction of the time.
package deflate

import "math"

const (
	windowSize = 32768
	minMatch   = 3
	maxMatch   = 258

	// MaxInput is the largest input Encode takes. Match finding and the
	// parse are linear in the input with a bounded factor (see
	// workPerByte; the parse tries at most maxMatch lengths per position
	// and round), so this bounds the time too.
	MaxInput = 256 << 10

	// maxChain bounds the earlier positions tried per position (on tar
	// layers of programs, 128 found all but a few bytes in ten thousand
	// that 512 found, in a third of the time).
	maxChain = 128
	// workPerByte is the budget of candidates and compared bytes per
	// input byte for the whole match search; an input that spends it
	// (long near-repeats everywhere) gets the nearest candidate only
	// from then on.
	workPerByte = 512
	// rounds bounds the cost-model refinements; the loop also stops at
	// the first round that finds nothing smaller (on tar layers later
	// rounds gained a few bits in a hundred thousand).
	rounds = 8
)

// match says that at a position, every length from the previous match's
// length+1 (or minMatch) to length is found at distance dist (the
// nearest such distance, which is the cheapest to code).
type match struct {
	length uint16
	dist   uint16
}

// Encode returns a DEFLATE stream of data (one final block, or stored
// blocks when the data does not compress). It panics on inputs over
// MaxInput: callers pick another encoder for those.
func Encode(data []byte) []byte {
	if len(data) > MaxInput {
		panic("deflate: input over MaxInput")
	}
	same, first := runLengthsOf(data)
	matches, starts := findMatches(data, same, first)
	var bestToks []token
	var bestHeader *dynamicHeader
	bestBits := math.MaxInt
	costs := fixedCosts()
	// The parse's arrays serve every round: a one-shot process touches
	// every page it allocates, and these are most of what it allocates.
	cost, from := make([]uint32, len(data)+1), make([]token, len(data)+1)
	for r := 0; r < rounds; r++ {
		toks := parse(data, same, matches, starts, costs, cost, from)
		bits, h := blockBits(toks)
		if bits >= bestBits {
			break
		}
		bestBits, bestToks, bestHeader = bits, toks, h
		costs = dynamicCosts(stats(toks))
	}
	out := writeBlock(bestToks, bestHeader)
	if stored := storedBlocks(data); len(stored) < len(out) {
		return stored
	}
	return out
}

// findMatches lists, for each position, the nearest distance of each
// match length (as runs of lengths sharing a distance), from hash chains
// over 3-byte prefixes. matches[starts[i]:starts[i+1]] are position i's.
//
// Inside a long run of one byte the nearest match, distance 1, already has
// the longest length, so the chains are not walked there: tar padding is
// most of a small layer.
func findMatches(data []byte, same, first []int32) (matches []match, starts []int32) {
	n := len(data)
	starts = make([]int32, n+1)
	if n < minMatch {
		return nil, starts
	}
	hashBits := 8
	for 1<<hashBits < n && hashBits < 16 {
		hashBits++
	}
	head := make([]int32, 1<<hashBits)
	for i := range head {
		head[i] = -1
	}
	prev := make([]int32, n)
	hash := func(i int) uint32 {
		v := uint32(data[i]) | uint32(data[i+1])<<8 | uint32(data[i+2])<<16
		return (v * 2654435761) >> (32 - hashBits)
	}
	// walk tries the chain's candidates for position i nearest first.
	// Where i starts a run of one byte (3 or more), a candidate in a run
	// of that byte matches exactly as far as the shorter run unless the
	// two runs are as long: the walk then moves within the candidate's
	// run straight to the position whose run is as long as i's, or past
	// the run, instead of stepping through it a byte at a time.
	work, chain := workPerByte*n, maxChain
	walk := func(i int, h uint32, limit int) {
		best := minMatch - 1
		si := int(same[i])
		for j, steps := head[h], 0; j >= 0 && i-int(j) <= windowSize && steps < chain; steps++ {
			if work--; work <= 0 {
				chain = 1
			}
			jj := int(j)
			if sj := int(same[jj]); si >= minMatch && sj >= minMatch && data[jj] == data[i] && sj != si {
				if l := min(si, sj, limit); l > best {
					matches = append(matches, match{length: uint16(l), dist: uint16(i - jj)})
					best = l
					if l == limit {
						break
					}
				}
				// sj < limit here (else the match was longest), so
				// the position whose run is min(si, limit) long is
				// in the chains.
				if back := jj - (min(si, limit) - sj); sj < si && back >= int(first[jj]) {
					j = int32(back) // a run as long as i's: compared in full next
				} else {
					j = prev[max(int(first[jj]), jj+sj-maxMatch)] // past the run
				}
				continue
			}
			if data[jj+best] == data[i+best] {
				l := 0
				for l < limit && data[jj+l] == data[i+l] {
					l++
				}
				work -= l
				if l > best {
					matches = append(matches, match{length: uint16(l), dist: uint16(i - jj)})
					best = l
					if l == limit {
						break
					}
				}
			}
			j = prev[jj]
		}
	}
	for i := 0; i < n; i++ {
		starts[i] = int32(len(matches))
		if i+minMatch > n {
			continue
		}
		h := hash(i)
		limit := min(maxMatch, n-i)
		if i > 0 && int(same[i-1]) > limit {
			matches = append(matches, match{length: uint16(limit), dist: 1})
		} else {
			walk(i, h, limit)
		}
		// A position followed by more than a longest match of its byte
		// is never a later position's best candidate: the position a
		// longest match before its run's end matches as long and is
		// nearer. Leaving it out keeps the chains through padding short.
		if same[i] <= maxMatch {
			prev[i] = head[h]
			head[h] = int32(i)
		}
	}
	starts[n] = int32(len(matches))
	return matches, starts
}

// costModel is the price in bits of each literal, match length and
// distance.
type costModel struct {
	lit  [256]uint32
	len  [maxMatch + 1]uint32
	dist [30]uint32
}

func fixedCosts() *costModel {
	return newCosts(fixedLitLen[:286], fixedDist[:])
}

// dynamicCosts prices symbols by the code lengths their counts would get;
// a symbol not used yet is priced a bit above the longest code, so the
// parse may start using it when that pays.
func dynamicCosts(lit [286]uint32, dist [30]uint32) *costModel {
	litLens := codeLengths(lit[:], 15)
	distLens := codeLengths(dist[:], 15)
	fill := func(lens []uint8) {
		longest := uint8(0)
		for _, l := range lens {
			longest = max(longest, l)
		}
		for s, l := range lens {
			if l == 0 {
				lens[s] = min(longest+2, 15)
			}
		}
	}
	fill(litLens)
	fill(distLens)
	return newCosts(litLens, distLens)
}

func newCosts(litLens, distLens []uint8) *costModel {
	c := &costModel{}
	for b := 0; b < 256; b++ {
		c.lit[b] = uint32(litLens[b])
	}
	for l := minMatch; l <= maxMatch; l++ {
		lc := lengthCodeOf[l]
		c.len[l] = uint32(litLens[257+int(lc)]) + uint32(lengthExtra[lc])
	}
	for d := range c.dist {
		c.dist[d] = uint32(distLens[d]) + uint32(distExtra[d])
	}
	return c
}

// parse finds the cheapest token sequence under the cost model (a
// shortest path over positions; ties go to the first found, so the
// result is a function of the input alone). Deep inside a run of one
// byte (a longest match from its start, two from its end) a position is
// only continued by a longest match at distance 1: the other lengths
// would be tried at each of thousands of zero bytes of tar padding for
// about the same result. The positions of the run's first longest match
// are tried in full, so every position stays reachable.
//
// Most of the work is a position's first match when the position before
// had a first match at the same distance, as all along a run: see
// firstMatch, which skips the lengths that cannot win.
//
// cost and from are len(data)+1 long, of any contents: from[i] becomes the
// token that reaches position i.
func parse(data []byte, same []int32, matches []match, starts []int32, c *costModel, cost []uint32, from []token) []token {
	n := len(data)
	clear(from)
	cost[0] = 0
	for i := 1; i <= n; i++ {
		cost[i] = math.MaxUint32
	}
	longest := c.len[maxMatch] + c.dist[0]
	rises := c.rises()
	var prev match // the previous position's first match, offered in full; dist 0 if none
	prevBase := uint32(0)
	for i := 0; i < n; i++ {
		base := cost[i]
		if i > maxMatch && int(same[i-maxMatch-1]) > 3*maxMatch+1 {
			if v := base + longest; v < cost[i+maxMatch] {
				cost[i+maxMatch], from[i+maxMatch] = v, token{length: maxMatch, dist: 1}
			}
			prev = match{}
			continue
		}
		if v := base + c.lit[data[i]]; v < cost[i+1] {
			cost[i+1], from[i+1] = v, token{length: uint16(data[i])}
		}
		ms := matches[starts[i]:starts[i+1]]
		lo := minMatch
		if len(ms) > 0 {
			m := ms[0]
			if prev.dist == m.dist && base >= prevBase {
				firstMatch(i, m, int(prev.length), base-prevBase, c, rises, cost, from)
				lo, ms = int(m.length)+1, ms[1:]
			}
			prev, prevBase = m, base
		} else {
			prev = match{}
		}
		for _, m := range ms {
			lo = relax(i, lo, m, c, cost, from)
		}
	}
	count := 0
	for i := n; i > 0; count++ {
		i -= tokenLen(from[i])
	}
	toks := make([]token, count)
	for i := n; i > 0; {
		count--
		toks[count] = from[i]
		i -= tokenLen(from[i])
	}
	return toks
}

// relax offers the lengths lo..m.length of match m at position i and
// returns the next match's first length.
func relax(i, lo int, m match, c *costModel, cost []uint32, from []token) int {
	dc := cost[i] + c.dist[distCodeOf(int(m.dist))]
	hi := int(m.length)
	if lo > hi {
		return lo
	}
	lens, reach := c.len[lo:hi+1], cost[i+lo:i+hi+1]
	for k, lc := range lens {
		if v := dc + lc; v < reach[k] {
			reach[k], from[i+lo+k] = v, token{length: uint16(lo + k), dist: m.dist}
		}
	}
	return hi + 1
}

// firstMatch offers position i's first match m when position i-1, reached
// delta bits more cheaply, offered its own first match at the same distance
// for every length up to prevLen. Length l from i ends where length l+1
// from i-1 ends, so for l+1 <= prevLen it can only win when it is cheaper:
// when c.len[l+1]-c.len[l] > delta. Within a length code the two cost the
// same, so only the lengths before a rise in price are tried, a few dozen
// instead of up to 256; skipped lengths could not have been strictly
// cheaper, so the result is the full relaxation's.
func firstMatch(i int, m match, prevLen int, delta uint32, c *costModel, rises []rise, cost []uint32, from []token) {
	dc := cost[i] + c.dist[distCodeOf(int(m.dist))]
	covered := min(int(m.length), prevLen-1)
	for _, r := range rises {
		if int(r.length) > covered {
			break
		}
		if r.by > delta {
			if l := int(r.length); dc+c.len[l] < cost[i+l] {
				cost[i+l], from[i+l] = dc+c.len[l], token{length: r.length, dist: m.dist}
			}
		}
	}
	relax(i, max(minMatch, covered+1), m, c, cost, from)
}

// rise is a length that the model prices by bits less than the next.
type rise struct {
	length uint16
	by     uint32
}

// rises lists, by length, where the price of a match length goes up.
func (c *costModel) rises() []rise {
	var rs []rise
	for l := minMatch; l < maxMatch; l++ {
		if c.len[l+1] > c.len[l] {
			rs = append(rs, rise{uint16(l), c.len[l+1] - c.len[l]})
		}
	}
	return rs
}

func tokenLen(t token) int {
	if t.dist == 0 {
		return 1
	}
	return int(t.length)
}

// runLengthsOf returns, for each position, how many bytes from it on equal
// its byte, and where the run of that byte it is in starts.
func runLengthsOf(data []byte) (same, first []int32) {
	same = make([]int32, len(data))
	first = make([]int32, len(data))
	for i := len(data) - 1; i >= 0; i-- {
		same[i] = 1
		if i+1 < len(data) && data[i+1] == data[i] {
			same[i] = same[i+1] + 1
		}
	}
	for i := range data {
		if i > 0 && data[i-1] == data[i] {
			first[i] = first[i-1]
		} else {
			first[i] = int32(i)
		}
	}
	return same, first
}
