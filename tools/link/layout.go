package link

import (
	"debug/elf"
	"fmt"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// segment is one PT_LOAD.
type segment struct {
	off, vaddr, filesz, memsz uint64
	flags                     elf.ProgFlag
}

func (l *linker) is64() bool { return l.arch == obj.ArchAMD64 }

func (l *linker) headerSizes() (eh, ph uint64) {
	if l.is64() {
		return tinyelf.Ehdr64Size, tinyelf.Phdr64Size
	}
	return tinyelf.Ehdr32Size, tinyelf.Phdr32Size
}

func (l *linker) writable() bool {
	return l.groups[gData].size > 0 || l.groups[gBss].size > 0
}

// permutations of xs in lexicographic order of positions, so that the
// canonical order comes first and wins ties.
func permutations(xs []int) [][]int {
	if len(xs) <= 1 {
		return [][]int{append([]int(nil), xs...)}
	}
	var out [][]int
	for i := range xs {
		rest := append(append([]int(nil), xs[:i]...), xs[i+1:]...)
		for _, p := range permutations(rest) {
			out = append(out, append([]int{xs[i]}, p...))
		}
	}
	return out
}

// place lays out groups in order from file offset start and returns the end.
func (l *linker) place(order []int, start uint64) uint64 {
	cur := start
	for _, g := range order {
		grp := l.groups[g]
		if grp.size > 0 {
			cur = alignUp(cur, grp.align)
		}
		grp.off = cur
		cur += grp.size
	}
	return cur
}

func (l *linker) base() (uint64, error) {
	b := l.opts.Base
	if b == 0 {
		b = DefaultBase
	}
	if b%pageSize != 0 {
		return 0, fmt.Errorf("base address %#x is not a multiple of the page size (%#x)", b, pageSize)
	}
	return b, nil
}

// layoutSimple is the default layout (one PT_LOAD, RWX when the program has
// data, like ld -N) and the --wx layout (text R+X, data R+W on its own page).
func (l *linker) layoutSimple() ([]byte, error) {
	base, err := l.base()
	if err != nil {
		return nil, err
	}
	eh, ph := l.headerSizes()
	wx := l.opts.WX && l.writable()
	nph := uint64(1)
	if wx {
		nph = 2
	}
	hdr := eh + nph*ph

	var orders [][]int
	if !wx {
		orders = permutations([]int{gCode, gRodata, gData})
	} else {
		for _, t := range permutations([]int{gCode, gRodata}) {
			orders = append(orders, append(append([]int(nil), t...), gData))
		}
		for _, t := range permutations([]int{gCode, gRodata}) {
			orders = append(orders, append([]int{gData}, t...))
		}
	}
	best, bestEnd := 0, ^uint64(0)
	for i, o := range orders {
		if end := l.place(o, hdr); end < bestEnd {
			best, bestEnd = i, end
		}
	}
	order := orders[best]
	end := l.place(order, hdr)

	var segs []segment
	if !wx {
		for g := gCode; g <= gData; g++ {
			l.groups[g].addr = base + l.groups[g].off
		}
		bss := l.groups[gBss]
		bss.addr = alignUp(base+end, bss.align)
		flags := elf.PF_R | elf.PF_X
		if l.writable() {
			flags |= elf.PF_W
		}
		segs = []segment{{off: 0, vaddr: base, filesz: end, memsz: bss.addr + bss.size - base, flags: flags}}
	} else {
		textEnd := hdr
		for _, g := range []int{gCode, gRodata} {
			if e := l.groups[g].off + l.groups[g].size; e > textEnd {
				textEnd = e
			}
		}
		data := l.groups[gData]
		dataStart := data.off
		if data.size == 0 {
			dataStart = end
		}
		// The data pages must come after the last text page in memory while
		// keeping vaddr == offset modulo the page size.
		delta := ((textEnd-1)/pageSize+1)*pageSize - (dataStart/pageSize)*pageSize
		for _, g := range []int{gCode, gRodata} {
			l.groups[g].addr = base + l.groups[g].off
		}
		data.addr = base + delta + data.off
		dv := base + delta + dataStart
		bss := l.groups[gBss]
		bss.addr = alignUp(dv+data.size, bss.align)
		segs = []segment{
			{off: 0, vaddr: base, filesz: textEnd, memsz: textEnd, flags: elf.PF_R | elf.PF_X},
			{off: dataStart, vaddr: dv, filesz: data.size, memsz: bss.addr + bss.size - dv, flags: elf.PF_R | elf.PF_W},
		}
	}
	if err := l.checkSpace(segs); err != nil {
		return nil, err
	}
	bytes, err := l.relocate()
	if err != nil {
		return nil, err
	}
	entry, err := l.addr(l.entry.fi, l.entry.si)
	if err != nil {
		return nil, err
	}
	out := make([]byte, end)
	copy(out, l.header(entry, segs))
	for g := gCode; g <= gData; g++ {
		copy(out[l.groups[g].off:], bytes[g])
	}
	return out, nil
}

// checkSpace refuses images that do not fit the address space.
func (l *linker) checkSpace(segs []segment) error {
	limit := uint64(1) << 47
	if !l.is64() {
		limit = 1 << 32
	}
	for _, s := range segs {
		if s.vaddr+s.memsz > limit || s.vaddr+s.memsz < s.vaddr {
			return fmt.Errorf("program does not fit the %v address space (segment at %#x, %#x bytes)", l.arch, s.vaddr, s.memsz)
		}
	}
	return nil
}

// header encodes the ELF header followed by the program headers.
func (l *linker) header(entry uint64, segs []segment) []byte {
	class, machine := elf.ELFCLASS32, elf.EM_386
	if l.is64() {
		class, machine = elf.ELFCLASS64, elf.EM_X86_64
	}
	progs := make([]elf.ProgHeader, len(segs))
	for i, s := range segs {
		progs[i] = elf.ProgHeader{Type: elf.PT_LOAD, Flags: s.flags, Off: s.off, Vaddr: s.vaddr, Filesz: s.filesz, Memsz: s.memsz, Align: pageSize}
	}
	return tinyelf.MarshalExecHeader(class, machine, entry, progs)
}
