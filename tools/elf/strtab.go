package elf

import (
	"bytes"
	"fmt"
)

// strtab reads names out of a string table. The names it makes are
// bounded in total by a small multiple of the table's size: a hostile
// table can point every symbol at one long name, or at every suffix of it,
// and would otherwise make far more string bytes than it holds.
type strtab struct {
	b      []byte
	budget int
}

func newStrtab(b []byte) *strtab { return &strtab{b: b, budget: 4*len(b) + 1<<16} }

// name returns the NUL-terminated string at off.
func (t *strtab) name(off uint32) (string, error) {
	if uint64(off) >= uint64(len(t.b)) {
		if off == 0 {
			return "", nil // an empty table holds only the empty name
		}
		return "", fmt.Errorf("name offset %d outside the %d-byte string table", off, len(t.b))
	}
	n := bytes.IndexByte(t.b[off:], 0)
	if n < 0 {
		return "", fmt.Errorf("name at offset %d runs past the end of the string table", off)
	}
	if t.budget -= n; t.budget < 0 {
		return "", fmt.Errorf("names add up to more than 4 times the %d-byte string table", len(t.b))
	}
	return string(t.b[off : int(off)+n]), nil
}

// strtabWriter builds a string table in which equal names share one entry.
type strtabWriter struct {
	b   []byte
	idx map[string]uint32
}

func newStrtabWriter() *strtabWriter {
	return &strtabWriter{b: []byte{0}, idx: map[string]uint32{"": 0}}
}

func (t *strtabWriter) add(s string) uint32 {
	if i, ok := t.idx[s]; ok {
		return i
	}
	i := uint32(len(t.b))
	t.b = append(append(t.b, s...), 0)
	t.idx[s] = i
	return i
}
