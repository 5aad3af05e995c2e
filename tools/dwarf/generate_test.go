package dwarf

import (
	"bytes"
	"debug/dwarf"
	"debug/elf"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/link/linktest"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// lineRow is a decoded row: file, line, address; end marks the end of a
// sequence.
type lineRow struct {
	file string
	line int
	addr uint64
	end  bool
}

func (r lineRow) String() string {
	if r.end {
		return fmt.Sprintf("end %#x", r.addr)
	}
	return fmt.Sprintf("%s:%d %#x", r.file, r.line, r.addr)
}

// decoded is what Go's debug/dwarf, an independent reader, makes of an
// object: the unit's attributes, its address ranges and its rows.
type decoded struct {
	attrs  map[dwarf.Attr]any
	ranges [][2]uint64
	rows   []lineRow
}

func decode(t *testing.T, object []byte) decoded {
	t.Helper()
	ef, err := elf.NewFile(bytes.NewReader(object))
	if err != nil {
		t.Fatal(err)
	}
	d, err := ef.DWARF() // applies the relocations of an ET_REL file
	if err != nil {
		t.Fatal(err)
	}
	r := d.Reader()
	cu, err := r.Next()
	if err != nil || cu == nil || cu.Tag != dwarf.TagCompileUnit {
		t.Fatalf("first entry: %v, %v", cu, err)
	}
	if cu.Children {
		t.Errorf("the unit has children")
	}
	if next, err := r.Next(); err != nil || next != nil {
		t.Errorf("entry after the unit: %v, %v", next, err)
	}
	out := decoded{attrs: map[dwarf.Attr]any{}}
	for _, f := range cu.Field {
		out.attrs[f.Attr] = f.Val
	}
	if out.ranges, err = d.Ranges(cu); err != nil {
		t.Fatal(err)
	}
	lr, err := d.LineReader(cu)
	if err != nil {
		t.Fatal(err)
	}
	for {
		var e dwarf.LineEntry
		if err := lr.Next(&e); err != nil {
			break
		}
		if e.EndSequence {
			out.rows = append(out.rows, lineRow{addr: e.Address, end: true})
			continue
		}
		out.rows = append(out.rows, lineRow{file: e.File.Name, line: e.Line, addr: e.Address})
	}
	return out
}

// program is an object with two code sections and a data section, and
// rows that exercise every kind of step: repeats, file changes, long
// forward and backward line jumps, line 0, lines out of range, rows past
// a section's end and rows on a data section.
func program(arch obj.Arch, twoCodeSections bool) (*obj.File, *Lines) {
	f := &obj.File{Name: "prog.o", Arch: arch, Sections: []*obj.Section{
		{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Align: 16, Data: make([]byte, 300), Size: 300},
		{Name: ".data", Flags: obj.FlagAlloc | obj.FlagWrite, Align: 4, Data: make([]byte, 8), Size: 8},
	}}
	f.Symbols = []*obj.Symbol{{Name: "_start", Section: 0, Binding: obj.BindGlobal}}
	l := &Lines{}
	l.Add(0, 0, "m.mac", 3)
	l.Add(0, 2, "m.mac", 3) // same position: no new row
	l.Add(0, 2, "prog.asm", 10)
	l.Add(0, 5, "prog.asm", 400)
	l.Add(1, 0, "prog.asm", 500) // data: no row
	l.Add(0, 6, "prog.asm", 2)
	l.Add(0, 7, "prog.asm", 0)
	l.Add(0, 30, "prog.asm", 7)
	l.Add(0, 30, "prog.asm", 8) // the row at 30 for line 7 covers nothing
	l.Add(0, 299, "prog.asm", 1<<40)
	l.Add(0, 300, "prog.asm", 9) // past the end
	if twoCodeSections {
		f.Sections = append(f.Sections, &obj.Section{Name: ".text.b", Flags: obj.FlagAlloc | obj.FlagExec, Align: 1, Data: make([]byte, 10), Size: 10})
		l.Add(2, 0, "b.inc", 1)
		l.Add(2, 9, "prog.asm", 4000000)
	}
	return f, l
}

func programRows(twoCodeSections bool) []lineRow {
	rows := []lineRow{
		{file: "m.mac", line: 3, addr: 0},
		{file: "prog.asm", line: 10, addr: 2},
		{file: "prog.asm", line: 400, addr: 5},
		{file: "prog.asm", line: 2, addr: 6},
		{file: "prog.asm", line: 0, addr: 7},
		{file: "prog.asm", line: 8, addr: 30},
		{file: "prog.asm", line: 0, addr: 299},
		{addr: 300, end: true},
	}
	if twoCodeSections {
		rows = append(rows, lineRow{file: "b.inc", line: 1, addr: 0}, lineRow{file: "prog.asm", line: 4000000, addr: 9}, lineRow{addr: 10, end: true})
	}
	return rows
}

var testUnit = Unit{Name: "prog.asm", CompDir: ".", Producer: "tiny test"}

func generate(t *testing.T, f *obj.File, l *Lines) []byte {
	t.Helper()
	if err := Generate(f, l, testUnit); err != nil {
		t.Fatal(err)
	}
	b, err := tinyelf.MarshalObject(f)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestGoReadsTheUnitRowsAndRanges(t *testing.T) {
	for _, arch := range []obj.Arch{obj.ArchI386, obj.ArchAMD64} {
		for _, two := range []bool{false, true} {
			t.Run(fmt.Sprintf("%v/two=%v", arch, two), func(t *testing.T) {
				f, l := program(arch, two)
				d := decode(t, generate(t, f, l))
				for a, want := range map[dwarf.Attr]any{dwarf.AttrName: "prog.asm", dwarf.AttrCompDir: ".", dwarf.AttrProducer: "tiny test", dwarf.AttrLanguage: int64(0x8001)} {
					if got := d.attrs[a]; got != want {
						t.Errorf("%v = %#v, want %#v", a, got, want)
					}
				}
				if !reflect.DeepEqual(d.rows, programRows(two)) {
					t.Errorf("rows:\n got %v\nwant %v", d.rows, programRows(two))
				}
				want := [][2]uint64{{0, 300}}
				if two {
					want = append(want, [2]uint64{0, 10}) // every section is at 0 in an object
				}
				if !reflect.DeepEqual(d.ranges, want) {
					t.Errorf("ranges %v, want %v", d.ranges, want)
				}
			})
		}
	}
}

// readelf decodes the same rows and reads every section without a
// warning; its file table starts with the unit's source.
func TestReadelfReadsEverySection(t *testing.T) {
	linktest.Need(t, "readelf")
	for _, arch := range []obj.Arch{obj.ArchI386, obj.ArchAMD64} {
		f, l := program(arch, true)
		path := filepath.Join(t.TempDir(), "prog.o")
		if err := os.WriteFile(path, generate(t, f, l), 0o644); err != nil {
			t.Fatal(err)
		}
		out := linktest.Readelf(t, path, "--debug-dump=info,abbrev,rawline,aranges,Ranges")
		for _, bad := range []string{"Warning", "Error", "corrupt"} {
			if strings.Contains(out, bad) {
				t.Fatalf("%v: readelf: %s\n%s", arch, bad, out)
			}
		}
		for _, want := range []string{
			fmt.Sprintf("Version:       %d", Version(arch)),
			"DW_AT_name        : prog.asm",
			"DW_AT_ranges",
			"  1\t0\t0\t0\tprog.asm\n  2\t0\t0\t0\tm.mac\n  3\t0\t0\t0\tb.inc\n",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("%v: readelf output lacks %q:\n%s", arch, want, out)
			}
		}
		var got []lineRow
		for _, r := range linktest.DecodedLines(t, path) {
			if r.End {
				got = append(got, lineRow{addr: r.Addr, end: true})
			} else {
				got = append(got, lineRow{file: r.File, line: r.Line, addr: r.Addr})
			}
		}
		want := programRows(true)
		for i := range want {
			if want[i].line == 0 && !want[i].end {
				want[i].line = 0 // readelf prints line 0 as 0
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%v: readelf rows:\n got %v\nwant %v", arch, got, want)
		}
	}
}

func TestGenerateIsDeterministic(t *testing.T) {
	f1, l1 := program(obj.ArchAMD64, true)
	f2, l2 := program(obj.ArchAMD64, true)
	if !bytes.Equal(generate(t, f1, l1), generate(t, f2, l2)) {
		t.Fatal("two runs differ")
	}
}

// Without code the unit is still written, with an empty line program
// and no address range.
func TestDataOnlyObjectHasAUnitWithoutRanges(t *testing.T) {
	f := &obj.File{Arch: obj.ArchI386, Sections: []*obj.Section{{Name: ".data", Flags: obj.FlagAlloc | obj.FlagWrite, Align: 1, Data: []byte{1}, Size: 1}}}
	var l Lines
	l.Add(0, 0, "prog.asm", 2)
	d := decode(t, generate(t, f, &l))
	if len(d.rows) != 0 || len(d.ranges) != 0 || d.attrs[dwarf.AttrName] != "prog.asm" {
		t.Fatalf("got %+v", d)
	}
	if _, ok := d.attrs[dwarf.AttrLowpc]; ok {
		t.Errorf("a unit without code has a low_pc")
	}
}

func TestGenerateRefuses(t *testing.T) {
	code := func() *obj.File {
		return &obj.File{Arch: obj.ArchAMD64, Sections: []*obj.Section{{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Data: []byte{0x90}, Size: 1}}}
	}
	lines := func(name string) *Lines {
		l := &Lines{}
		l.Add(0, 0, name, 1)
		return l
	}
	withInfo := code()
	withInfo.Sections = append(withInfo.Sections, &obj.Section{Name: ".debug_line"})
	for _, c := range []struct {
		name string
		f    *obj.File
		l    *Lines
		u    Unit
		want string
	}{
		{"empty file name", code(), lines(""), testUnit, "file name is empty"},
		{"NUL in a file name", code(), lines("a\x00b"), testUnit, "contains a NUL byte"},
		{"empty unit name", code(), lines("a"), Unit{CompDir: "."}, "source file name is empty"},
		{"empty compilation directory", code(), lines("a"), Unit{Name: "a"}, "compilation directory is empty"},
		{"section exists", withInfo, lines("a"), testUnit, "section .debug_line already exists"},
		{"no architecture", &obj.File{}, lines("a"), testUnit, "no DWARF for architecture"},
	} {
		err := Generate(c.f, c.l, c.u)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

// Many files and rows: file indices past one LEB128 byte, and a table
// that readers still walk to the end.
func TestManyFiles(t *testing.T) {
	const n = 70000
	f := &obj.File{Arch: obj.ArchAMD64, Sections: []*obj.Section{{Name: ".text", Flags: obj.FlagAlloc | obj.FlagExec, Data: make([]byte, n), Size: n}}}
	var l Lines
	for i := 0; i < n; i++ {
		l.Add(0, uint64(i), fmt.Sprintf("inc/f%d.mac", i), i+1)
	}
	d := decode(t, generate(t, f, &l))
	if len(d.rows) != n+1 {
		t.Fatalf("%d rows, want %d", len(d.rows), n+1)
	}
	for _, i := range []int{0, 127, 128, 16383, 16384, n - 1} {
		if want := (lineRow{file: fmt.Sprintf("inc/f%d.mac", i), line: i + 1, addr: uint64(i)}); d.rows[i] != want {
			t.Errorf("row %d = %v, want %v", i, d.rows[i], want)
		}
	}
}
