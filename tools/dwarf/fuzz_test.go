package dwarf

import (
	"encoding/binary"
	"fmt"
	"math"
	"testing"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

type pos struct {
	file string
	line int
}

// lineOf is the line the table must give to a line n passed to Add.
func lineOf(n int64) int {
	if n <= 0 || n > math.MaxUint32 {
		return 0
	}
	return int(n)
}

// FuzzGenerate adds rows read from the input (section, offset step,
// file, line, lines out of range included) to two code sections and a
// data section, and checks that Go's reader maps every byte of code to
// the position of the last row added at or before it.
func FuzzGenerate(f *testing.F) {
	f.Add([]byte{}, uint16(10), uint16(3))
	f.Add([]byte("\x00\x00\x01\x00\x00\x00\x00\x00\x00\x01\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x80"), uint16(300), uint16(1))
	f.Add([]byte("\x01\x10\x02\xff\xff\xff\xff\xff\xff\xff\x7f\x02\x00\x03\x01\x00\x00\x00\x00\x00\x00\x01\x00"), uint16(4096), uint16(0))
	f.Fuzz(func(t *testing.T, in []byte, size0, size2 uint16) {
		sizes := []uint64{uint64(size0 % 5000), 16, uint64(size2 % 5000)}
		for _, arch := range []obj.Arch{obj.ArchI386, obj.ArchAMD64} {
			checkFuzzRows(t, arch, in, sizes)
		}
	})
}

func checkFuzzRows(t *testing.T, arch obj.Arch, in []byte, sizes []uint64) {
	file := &obj.File{Arch: arch}
	for i, sz := range sizes {
		flags := obj.FlagAlloc | obj.FlagExec
		if i == 1 {
			flags = obj.FlagAlloc | obj.FlagWrite
		}
		file.Sections = append(file.Sections, &obj.Section{Name: fmt.Sprint(".s", i), Flags: flags, Data: make([]byte, sz), Size: sz})
	}
	var l Lines
	offs := make([]uint64, len(sizes))
	// want[s][x] is the position of byte x of section s: that of the
	// last row added at or before x (offsets only grow).
	want := make([][]*pos, len(sizes))
	for i, sz := range sizes {
		want[i] = make([]*pos, sz)
	}
	for p, rows := in, 0; len(p) >= 11 && rows < 2000; p, rows = p[11:], rows+1 {
		sec := int(p[0]) % len(sizes)
		offs[sec] += uint64(p[1] % 64)
		name := fmt.Sprintf("f%d.asm", p[2]%40)
		n := int64(binary.LittleEndian.Uint64(p[3:]))
		l.Add(sec, offs[sec], name, int(n))
		if offs[sec] < sizes[sec] {
			want[sec][offs[sec]] = &pos{name, lineOf(n)}
		}
	}
	for _, w := range want {
		for x := 1; x < len(w); x++ {
			if w[x] == nil {
				w[x] = w[x-1]
			}
		}
	}
	if err := Generate(file, &l, testUnit); err != nil {
		t.Fatal(err)
	}
	d := decode(t, marshal(t, file))
	// Replay the rows: each covers the bytes up to the next row. The
	// sequences are those of the code sections with rows, in order.
	var seq []int
	got := make([][]*pos, len(sizes))
	for i, sz := range sizes {
		got[i] = make([]*pos, sz)
		if file.Sections[i].Flags&obj.FlagExec != 0 && sz > 0 && want[i][sz-1] != nil {
			seq = append(seq, i)
		}
	}
	s := 0
	for i, r := range d.rows {
		if r.end {
			s++
			continue
		}
		if s >= len(seq) || i+1 >= len(d.rows) {
			t.Fatalf("%v: rows %v do not match the code sections %v", arch, d.rows, seq)
		}
		g := got[seq[s]]
		for x := r.addr; x < d.rows[i+1].addr && x < uint64(len(g)); x++ {
			g[x] = &pos{r.file, r.line}
		}
	}
	for sec := range sizes {
		if file.Sections[sec].Flags&obj.FlagExec == 0 {
			continue
		}
		for x := range want[sec] {
			w, g := want[sec][x], got[sec][x]
			if (w == nil) != (g == nil) || (w != nil && *w != *g) {
				t.Fatalf("%v: section %d byte %d: got %v, want %v", arch, sec, x, g, w)
			}
		}
	}
}

func marshal(t *testing.T, f *obj.File) []byte {
	t.Helper()
	b, err := tinyelf.MarshalObject(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
