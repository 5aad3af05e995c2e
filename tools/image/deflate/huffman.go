package deflate

import (
	"cmp"
	"slices"
)

// pmNode is an item of the package-merge algorithm: a leaf (sym >= 0) or a
// package of two items.
type pmNode struct {
	weight      uint64
	sym         int
	left, right *pmNode
}

// codeLengths returns optimal prefix-code lengths of at most limit bits for
// the given symbol frequencies (package-merge: optimal under the limit, where
// a plain Huffman tree could run deeper than DEFLATE allows). Symbols of
// frequency zero get no code. At least two symbols always get a code, so
// every tree written is complete, which every inflater accepts (a lone code
// of one bit is legal but some decoders reject it).
func codeLengths(freq []uint32, limit int) []uint8 {
	if lens, ok := huffmanLengths(freq, limit); ok {
		return lens
	}
	return packageMerge(freq, limit)
}

// huffmanLengths builds a plain Huffman code (two queues over the sorted
// leaves, no allocation per node); ok is false when it runs deeper than
// limit. Both it and package-merge are optimal, so which one answered only
// matters for determinism, and the choice depends on the input alone.
func huffmanLengths(freq []uint32, limit int) (lens []uint8, ok bool) {
	type leaf struct {
		w   uint64
		sym int
	}
	var leaves []leaf
	for s, f := range freq {
		if f > 0 {
			leaves = append(leaves, leaf{uint64(f), s})
		}
	}
	for s := 0; len(leaves) < 2 && s < len(freq); s++ {
		if freq[s] == 0 {
			leaves = append(leaves, leaf{0, s})
		}
	}
	// A total order (weight, then symbol): any sort gives the same leaves.
	slices.SortFunc(leaves, func(a, b leaf) int {
		return cmp.Or(cmp.Compare(a.w, b.w), cmp.Compare(a.sym, b.sym))
	})
	m := len(leaves)
	// Nodes 0..m-1 are the leaves, m.. the merged nodes in creation
	// order, whose weights never decrease: the second queue.
	weight := make([]uint64, 2*m-1)
	parent := make([]int, 2*m-1)
	for i, l := range leaves {
		weight[i] = l.w
	}
	li, ni := 0, m
	pick := func(next int) int {
		if li < m && (ni >= next || weight[li] <= weight[ni]) {
			li++
			return li - 1
		}
		ni++
		return ni - 1
	}
	for next := m; next < 2*m-1; next++ {
		a := pick(next)
		b := pick(next)
		weight[next] = weight[a] + weight[b]
		parent[a], parent[b] = next, next
	}
	depth := make([]int, 2*m-1)
	lens = make([]uint8, len(freq))
	for i := 2*m - 3; i >= 0; i-- {
		depth[i] = depth[parent[i]] + 1
		if i < m {
			if depth[i] > limit {
				return nil, false
			}
			lens[leaves[i].sym] = uint8(depth[i])
		}
	}
	return lens, true
}

// packageMerge is codeLengths under a limit a plain Huffman code exceeds.
func packageMerge(freq []uint32, limit int) []uint8 {
	lens := make([]uint8, len(freq))
	var leaves []*pmNode
	for s, f := range freq {
		if f > 0 {
			leaves = append(leaves, &pmNode{weight: uint64(f), sym: s})
		}
	}
	// Pad to two symbols with the lowest unused ones.
	for s := 0; len(leaves) < 2 && s < len(freq); s++ {
		if freq[s] == 0 {
			leaves = append(leaves, &pmNode{weight: 0, sym: s})
		}
	}
	slices.SortFunc(leaves, func(a, b *pmNode) int {
		return cmp.Or(cmp.Compare(a.weight, b.weight), cmp.Compare(a.sym, b.sym))
	})
	list := leaves
	for level := 1; level < limit; level++ {
		packages := make([]*pmNode, 0, len(list)/2)
		for j := 0; j+1 < len(list); j += 2 {
			packages = append(packages, &pmNode{weight: list[j].weight + list[j+1].weight, sym: -1, left: list[j], right: list[j+1]})
		}
		list = mergeNodes(leaves, packages)
	}
	var count func(n *pmNode)
	count = func(n *pmNode) {
		if n.sym >= 0 {
			lens[n.sym]++
			return
		}
		count(n.left)
		count(n.right)
	}
	for _, n := range list[:2*len(leaves)-2] {
		count(n)
	}
	return lens
}

// mergeNodes merges two weight-sorted lists; on equal weights leaves come
// first, which keeps the result a function of the frequencies alone.
func mergeNodes(a, b []*pmNode) []*pmNode {
	out := make([]*pmNode, 0, len(a)+len(b))
	i, j := 0, 0
	for i < len(a) && j < len(b) {
		if a[i].weight <= b[j].weight {
			out = append(out, a[i])
			i++
		} else {
			out = append(out, b[j])
			j++
		}
	}
	out = append(out, a[i:]...)
	return append(out, b[j:]...)
}

// canonicalCodes assigns RFC 1951's canonical codes to the lengths, bit
// reversed, ready for the LSB-first bit writer.
func canonicalCodes(lens []uint8) []uint16 {
	var count [16]uint16
	for _, l := range lens {
		count[l]++
	}
	count[0] = 0
	var next [16]uint16
	code := uint16(0)
	for bits := 1; bits < 16; bits++ {
		code = (code + count[bits-1]) << 1
		next[bits] = code
	}
	codes := make([]uint16, len(lens))
	for s, l := range lens {
		if l == 0 {
			continue
		}
		codes[s] = reverse(next[l], l)
		next[l]++
	}
	return codes
}

func reverse(code uint16, n uint8) uint16 {
	var r uint16
	for i := uint8(0); i < n; i++ {
		r = r<<1 | code&1
		code >>= 1
	}
	return r
}
