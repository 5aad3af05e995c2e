package link

import (
	"debug/elf"
	"encoding/binary"
	"fmt"
	"sort"
)

// The --compact layout. COMPACT.md explains each trick and which loaders
// accept it; in short:
//
//  1. The program header overlaps the ELF header's tail (ELF32 at offset 32,
//     ELF64 at offset 48), where both headers' fields either coincide or are
//     ignored by Linux.
//  2. Bytes the kernel never reads (e_ident after the magic, e_version,
//     e_shoff, p_paddr, p_align, high bits of p_flags...) are "holes" that
//     can hold whole sections.
//  3. The code may start inside the last header fields if its bytes happen
//     to satisfy what the kernel checks there.
//
// The layout is a small search: every assignment of the file-backed groups
// to holes and every start offset for the rest, smallest file first; each
// candidate is relocated and checked against the kernel's constraints, and
// the first that passes wins. Candidates whose bytes touch no constrained
// field always pass, so the search always ends.

// fieldKind is what the kernel requires of a header field.
type fieldKind uint8

const (
	fExact  fieldKind = iota // these exact bytes
	fFlags                   // one byte whose low three bits must include the wanted PF_* bits
	fFilesz                  // p_filesz: covers the file's bytes, stays within the last file page
	fMemsz                   // p_memsz: >= p_filesz and the image, not absurdly large
)

type field struct {
	off, size int
	kind      fieldKind
	val       uint64
}

type template struct {
	phEnd    int      // end of the program header: the minimum file size
	loadBase uint64   // virtual address of file offset 0
	pOffset  uint64   // p_offset
	holes    [][2]int // byte ranges the kernel ignores, preferred first
	fields   []field  // everything else the kernel reads, in check order
	soft     []field  // conventional values for ignored bytes no section uses
	entryAt  [2]int   // e_entry's position
}

// compactMaxChecks bounds how many candidates that overlap checked header
// fields are relocated and tried: a handful of bytes is all the overlap can
// save, so large programs try fewer.
func compactMaxChecks(programSize uint64) int {
	if programSize > 4096 {
		return 16
	}
	return 512
}

func (l *linker) compactTemplate(writable bool) (template, error) {
	flags := uint64(elf.PF_R | elf.PF_X)
	if writable {
		flags |= uint64(elf.PF_W)
	}
	if !l.is64() {
		// ELF32: the program header at 32 overlaps e_shoff (= p_type 1),
		// e_flags (= p_offset 0), e_ehsize/e_phentsize (= p_vaddr, so the
		// load address is 0x0020_0000: e_phentsize 0x20 is its high half),
		// e_phnum/e_shentsize (= p_paddr, ignored), e_shnum/e_shstrndx
		// (= p_filesz).
		const vaddr = 0x00200000
		if l.opts.Base != 0 && l.opts.Base != vaddr {
			return template{}, fmt.Errorf("--compact loads i386 programs at %#x (e_phentsize doubles as the address's high half); --base %#x cannot be honoured", vaddr, l.opts.Base)
		}
		return template{
			phEnd: 64, loadBase: vaddr, pOffset: 0,
			holes: [][2]int{{20, 24}, {46, 48}, {57, 64}, {7, 16}, {4, 16}},
			fields: []field{
				{0, 4, fExact, 0x464c457f},
				{16, 2, fExact, uint64(elf.ET_EXEC)},
				{18, 2, fExact, uint64(elf.EM_386)},
				{28, 4, fExact, 32},    // e_phoff
				{32, 4, fExact, 1},     // p_type PT_LOAD (e_shoff)
				{36, 4, fExact, 0},     // p_offset (e_flags)
				{40, 4, fExact, vaddr}, // p_vaddr (e_ehsize, e_phentsize = 32)
				{44, 2, fExact, 1},     // e_phnum (low half of p_paddr)
				{56, 1, fFlags, flags}, // p_flags; upper bits and p_align are free
				{48, 4, fFilesz, 0},
				{52, 4, fMemsz, 0},
			},
			entryAt: [2]int{24, 4},
			soft:    []field{{4, 1, fExact, uint64(elf.ELFCLASS32)}, {5, 1, fExact, uint64(elf.ELFDATA2LSB)}, {6, 1, fExact, uint64(elf.EV_CURRENT)}, {20, 4, fExact, uint64(elf.EV_CURRENT)}},
		}, nil
	}
	// ELF64: the program header at 48 overlaps e_flags (= p_type 1),
	// e_ehsize/e_phentsize (= p_flags; only its low bits count),
	// e_phnum..e_shstrndx (= p_offset, which is therefore 1, so p_vaddr is
	// the load address + 1).
	base, err := l.base()
	if err != nil {
		return template{}, err
	}
	return template{
		phEnd: 104, loadBase: base, pOffset: 1,
		holes: [][2]int{{20, 24}, {40, 48}, {53, 54}, {72, 80}, {96, 104}, {7, 16}, {4, 16}},
		fields: []field{
			{0, 4, fExact, 0x464c457f},
			{16, 2, fExact, uint64(elf.ET_EXEC)},
			{18, 2, fExact, uint64(elf.EM_X86_64)},
			{32, 8, fExact, 48},       // e_phoff
			{48, 4, fExact, 1},        // p_type (e_flags)
			{52, 1, fFlags, flags},    // p_flags low byte (e_ehsize)
			{54, 2, fExact, 56},       // e_phentsize (p_flags bits 16-31, ignored)
			{56, 8, fExact, 1},        // p_offset = e_phnum 1, e_shentsize/e_shnum/e_shstrndx 0
			{64, 8, fExact, base + 1}, // p_vaddr
			{80, 8, fFilesz, 0},
			{88, 8, fMemsz, 0},
		},
		entryAt: [2]int{24, 8},
		soft:    []field{{4, 1, fExact, uint64(elf.ELFCLASS64)}, {5, 1, fExact, uint64(elf.ELFDATA2LSB)}, {6, 1, fExact, uint64(elf.EV_CURRENT)}, {20, 4, fExact, uint64(elf.EV_CURRENT)}},
	}, nil
}

type candidate struct {
	size  uint64
	offs  [nGroups]uint64
	touch bool // whether any group byte lies on a constrained field
}

func (l *linker) layoutCompact() ([]byte, error) {
	t, err := l.compactTemplate(l.writable())
	if err != nil {
		return nil, err
	}
	var blocks []int
	for g := gCode; g <= gData; g++ {
		if l.groups[g].size > 0 {
			blocks = append(blocks, g)
		}
	}
	constrained := make([]bool, t.phEnd)
	for _, f := range append(t.fields, field{off: t.entryAt[0], size: t.entryAt[1]}) {
		for i := f.off; i < f.off+f.size; i++ {
			constrained[i] = true
		}
	}
	var cands []candidate
	// assign[i] = hole index for blocks[i], or -1 for "appended".
	assign := make([]int, len(blocks))
	var rec func(i int)
	rec = func(i int) {
		if i < len(blocks) {
			for h := -1; h < len(t.holes); h++ {
				used := false
				for j := 0; j < i; j++ {
					used = used || (h >= 0 && assign[j] == h)
				}
				if used {
					continue
				}
				if h >= 0 {
					g := l.groups[blocks[i]]
					start := alignUp(uint64(t.holes[h][0]), g.align)
					if start+g.size > uint64(t.holes[h][1]) {
						continue
					}
				}
				assign[i] = h
				rec(i + 1)
			}
			return
		}
		var fixed [nGroups]uint64
		var inHoles [][2]uint64
		var rest []int
		end := uint64(t.phEnd)
		for j, g := range blocks {
			if assign[j] < 0 {
				rest = append(rest, g)
				continue
			}
			grp := l.groups[g]
			fixed[g] = alignUp(uint64(t.holes[assign[j]][0]), grp.align)
			r := [2]uint64{fixed[g], fixed[g] + grp.size}
			for _, o := range inHoles {
				if r[0] < o[1] && o[0] < r[1] {
					return // e_ident is listed twice: [7,16) keeps EI_CLASS/EI_DATA/EI_VERSION, [4,16) does not
				}
			}
			inHoles = append(inHoles, r)
		}
		if len(rest) == 0 {
			cands = append(cands, candidate{size: end, offs: fixed})
			return
		}
		for _, order := range permutations(rest) {
			first := l.groups[order[0]]
			for s := uint64(4); s <= uint64(t.phEnd); s++ {
				if alignUp(s, first.align) != s {
					continue
				}
				c := candidate{offs: fixed}
				cur := s
				for _, g := range order {
					grp := l.groups[g]
					cur = alignUp(cur, grp.align)
					c.offs[g] = cur
					cur += grp.size
				}
				clash := false
				for _, r := range inHoles {
					clash = clash || (s < r[1] && r[0] < cur)
				}
				if clash {
					continue
				}
				for i := s; i < cur && i < uint64(t.phEnd); i++ {
					c.touch = c.touch || constrained[i]
				}
				c.size = max(end, cur)
				cands = append(cands, c)
			}
		}
	}
	rec(0)
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].size < cands[j].size })

	checks := 0
	maxChecks := compactMaxChecks(l.groups[gCode].size + l.groups[gRodata].size + l.groups[gData].size)
	for _, c := range cands {
		if c.touch {
			if checks >= maxChecks {
				continue
			}
			checks++
		}
		out, err := l.tryCompact(t, c)
		if err != nil {
			return nil, err
		}
		if out != nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("--compact: no layout found") // unreachable: untouched candidates always pass
}

// tryCompact builds candidate c; it returns nil, nil when the bytes do not
// satisfy the header constraints, and an error only for link errors.
func (l *linker) tryCompact(t template, c candidate) ([]byte, error) {
	for g := gCode; g <= gData; g++ {
		l.groups[g].off = c.offs[g]
		l.groups[g].addr = t.loadBase + c.offs[g]
		if l.groups[g].size == 0 {
			l.groups[g].off, l.groups[g].addr = c.size, t.loadBase+c.size
		}
	}
	bss := l.groups[gBss]
	bss.addr = alignUp(t.loadBase+c.size, bss.align)
	segs := []segment{{vaddr: t.loadBase, memsz: bss.addr + bss.size - t.loadBase}}
	if err := l.checkSpace(segs); err != nil {
		return nil, err
	}
	groupBytes, err := l.relocate()
	if err != nil {
		return nil, err
	}
	entry, err := l.addr(l.entry.fi, l.entry.si)
	if err != nil {
		return nil, err
	}
	buf := make([]byte, c.size)
	owned := make([]bool, c.size)
	for g := gCode; g <= gData; g++ {
		copy(buf[c.offs[g]:], groupBytes[g])
		for i := uint64(0); i < l.groups[g].size; i++ {
			owned[c.offs[g]+i] = true
		}
	}
	fields := append([]field{{t.entryAt[0], t.entryAt[1], fExact, entry}}, t.fields...)
	fileNeed := c.size - t.pOffset
	fileMax := alignUp(c.size, pageSize) - t.pOffset
	memNeed := bss.addr + bss.size - (t.loadBase + t.pOffset)
	var filesz uint64
	for _, f := range fields {
		want := f.val
		switch f.kind {
		case fFilesz:
			want = fileNeed
		case fMemsz:
			want = max(filesz, memNeed)
		}
		var w [8]byte
		binary.LittleEndian.PutUint64(w[:], want)
		if f.kind == fFlags {
			if owned[f.off] {
				if uint64(buf[f.off])&want != want {
					return nil, nil
				}
			} else {
				buf[f.off] = byte(want)
			}
			continue
		}
		for i := 0; i < f.size; i++ {
			if !owned[f.off+i] {
				buf[f.off+i] = w[i]
			} else if f.kind == fExact && buf[f.off+i] != w[i] {
				return nil, nil
			}
		}
		var got uint64
		for i := f.size - 1; i >= 0; i-- {
			got = got<<8 | uint64(buf[f.off+i])
		}
		switch f.kind {
		case fFilesz:
			if got < fileNeed || got > fileMax {
				return nil, nil
			}
			filesz = got
		case fMemsz:
			if got < want || got > want+1<<24 {
				return nil, nil
			}
		}
	}
	// Where no section took an ignored byte, keep the conventional value so
	// that tools which do check e_ident (readelf, debug/elf) still can.
	for _, f := range t.soft {
		for i := 0; i < f.size; i++ {
			if !owned[f.off+i] {
				buf[f.off+i] = byte(f.val >> (8 * i))
			}
		}
	}
	return buf, nil
}
