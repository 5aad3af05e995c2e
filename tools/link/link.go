// Package link turns relocatable objects (obj.File, from our assembler or
// from tools/elf.ReadObject) into a static Linux executable that holds only
// what the kernel loads: an ELF header, program headers and the program's
// bytes. No section headers, no symbols, no notes, no dynamic sections, no
// C runtime.
//
// Sections are merged by kind into four groups (code, read-only data,
// data, bss), each input section at its alignment within its group. Code
// sections are the exception: x86 fetches instructions at any address, so
// their alignment (16 from nasm and gcc) is a performance hint that would
// cost up to 15 bytes per object, and it is not honoured. The groups are
// then ordered in the file to need the least padding (the 12-byte data of
// the seed program before its code keeps both aligned with none).
//
// Position-independent input links too, without a GOT: GOTPCREL(X) and
// R_386_GOT32X loads become direct address computations (mov -> lea, as ld
// relaxes them), and R_386_GOTPC/GOTOFF pairs use _GLOBAL_OFFSET_TABLE_ as a
// mere reference point.
//
// Load address: DefaultBase (0x10000) unless Options.Base says otherwise.
// It is the lowest address that mainstream kernels let an unprivileged
// process map (vm.mmap_min_addr is 65536 on Debian, Ubuntu and Fedora,
// 4096 or 32768 elsewhere). ld's 0x08048000 and 0x400000 leave room below
// the program for a dynamic loader and old conventions, which a static,
// crt-less program does not need; nothing in the output depends on the
// address being high, and a low base still leaves the first 64 KiB unmapped
// to catch null-pointer accesses.
package link

import (
	"encoding/binary"
	"fmt"
	"sort"
	"strings"

	tinyelf "github.com/rules-tiny/rules_tiny/tools/elf"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// DefaultBase is the load address of the first byte of the file.
const DefaultBase = 0x10000

const pageSize = 0x1000

// Options select the entry symbol and the file layout.
type Options struct {
	Entry   string // entry symbol; "" means _start
	WX      bool   // no segment both writable and executable
	Compact bool   // overlap headers and fill fields the kernel ignores (see COMPACT.md)
	Base    uint64 // load address of the file's first byte; 0 means DefaultBase
}

// group indices
const (
	gCode = iota
	gRodata
	gData
	gBss
	nGroups
)

type piece struct {
	fi, si int
	sec    *obj.Section
	off    uint64 // offset within its group
}

type group struct {
	pieces []*piece
	size   uint64
	align  uint64
	addr   uint64 // virtual address of the group's start
	off    uint64 // file offset (file-backed groups)
}

type symRef struct{ fi, si int }

type linker struct {
	arch    obj.Arch
	files   []*obj.File
	opts    Options
	groups  [nGroups]*group
	pieceOf [][]*piece // [file][section]
	globals map[string]symRef
	entry   symRef
}

// Link links files into an executable image. Sections that are not
// loaded (debugging information among them) are left out.
func Link(files []*obj.File, opts Options) ([]byte, error) {
	_, exe, err := link(files, opts)
	return exe, err
}

// LinkDebug links files like Link, byte for byte the same executable,
// and also returns a separate debug file for it (see debugFile).
func LinkDebug(files []*obj.File, opts Options) (exe, debug []byte, err error) {
	l, exe, err := link(files, opts)
	if err != nil {
		return nil, nil, err
	}
	if debug, err = l.debugFile(); err != nil {
		return nil, nil, err
	}
	return exe, debug, nil
}

func link(files []*obj.File, opts Options) (*linker, []byte, error) {
	if len(files) == 0 {
		return nil, nil, fmt.Errorf("no input objects")
	}
	if opts.Entry == "" {
		opts.Entry = "_start"
	}
	files = append([]*obj.File(nil), files...)
	for i, f := range files {
		if f != nil {
			files[i] = obj.AllocateCommons(f) // `common` from the assembler
		}
	}
	l := &linker{files: files, opts: opts, globals: map[string]symRef{}}
	if err := l.check(); err != nil {
		return nil, nil, err
	}
	l.collect()
	if err := l.resolve(); err != nil {
		return nil, nil, err
	}
	var exe []byte
	var err error
	if opts.Compact {
		exe, err = l.layoutCompact()
	} else {
		exe, err = l.layoutSimple()
	}
	return l, exe, err
}

// check validates every index and size in the inputs, so that later stages
// can index without fear: objects may come from anywhere.
func (l *linker) check() error {
	for fi, f := range l.files {
		if f == nil {
			return fmt.Errorf("input %d is nil", fi)
		}
		if f.Arch != obj.ArchI386 && f.Arch != obj.ArchAMD64 {
			return fmt.Errorf("%s: unsupported architecture %v", f.Name, f.Arch)
		}
		if fi == 0 {
			l.arch = f.Arch
		} else if f.Arch != l.arch {
			return fmt.Errorf("%s: architecture %v does not match %s (%v)", f.Name, f.Arch, l.files[0].Name, l.arch)
		}
		for i, s := range f.Sections {
			if s == nil {
				return fmt.Errorf("%s: section %d is nil", f.Name, i)
			}
			if s.Align&(s.Align-1) != 0 || s.Align > pageSize { // 0 is read as 1
				return fmt.Errorf("%s: section %s: alignment %d is not a power of two up to %d", f.Name, s.Name, s.Align, pageSize)
			}
			if s.Flags&obj.FlagNoBits == 0 && uint64(len(s.Data)) != s.Size {
				return fmt.Errorf("%s: section %s: %d data bytes but size %d", f.Name, s.Name, len(s.Data), s.Size)
			}
			if s.Size > 1<<31 {
				return fmt.Errorf("%s: section %s: size %#x is too large", f.Name, s.Name, s.Size)
			}
			for _, r := range s.Relocs {
				if r.Size != 1 && r.Size != 2 && r.Size != 4 && r.Size != 8 {
					return fmt.Errorf("%s: %s+%#x: relocation size %d", f.Name, s.Name, r.Offset, r.Size)
				}
				if s.Flags&obj.FlagNoBits != 0 || r.Offset > s.Size || uint64(r.Size) > s.Size-r.Offset {
					return fmt.Errorf("%s: %s+%#x: relocation outside the section's contents", f.Name, s.Name, r.Offset)
				}
				if r.Symbol == obj.NoSymbol {
					return fmt.Errorf("%s: %s+%#x: relocation against the null symbol is not supported", f.Name, s.Name, r.Offset)
				}
				if r.Symbol < 0 || r.Symbol >= len(f.Symbols) || f.Symbols[r.Symbol] == nil {
					return fmt.Errorf("%s: %s+%#x: relocation against bad symbol index %d", f.Name, s.Name, r.Offset, r.Symbol)
				}
			}
		}
		for i, s := range f.Symbols {
			if s == nil {
				return fmt.Errorf("%s: symbol %d is nil", f.Name, i)
			}
			if s.Section != obj.SectionUndef && s.Section != obj.SectionAbs && (s.Section < 0 || s.Section >= len(f.Sections)) {
				return fmt.Errorf("%s: symbol %s: bad section index %d", f.Name, s.Name, s.Section)
			}
			if int(s.Visibility) >= len(constraint) {
				return fmt.Errorf("%s: symbol %s: unknown visibility %v", f.Name, s.Name, s.Visibility)
			}
		}
	}
	return nil
}

func classify(s *obj.Section) int {
	switch {
	case s.Flags&obj.FlagNoBits != 0:
		return gBss
	case s.Flags&obj.FlagExec != 0:
		return gCode
	case s.Flags&obj.FlagWrite != 0:
		return gData
	}
	return gRodata
}

// collect assigns every allocated section to its group, in input order.
func (l *linker) collect() {
	for g := range l.groups {
		l.groups[g] = &group{align: 1}
	}
	l.pieceOf = make([][]*piece, len(l.files))
	for fi, f := range l.files {
		l.pieceOf[fi] = make([]*piece, len(f.Sections))
		for si, s := range f.Sections {
			if s.Flags&obj.FlagAlloc == 0 {
				continue
			}
			g := l.groups[classify(s)]
			a := s.Align
			if classify(s) == gCode || s.Size == 0 || a == 0 {
				a = 1
			}
			p := &piece{fi: fi, si: si, sec: s, off: alignUp(g.size, a)}
			g.size = p.off + s.Size
			if a > g.align {
				g.align = a
			}
			g.pieces = append(g.pieces, p)
			l.pieceOf[fi][si] = p
		}
	}
}

func strong(s *obj.Symbol) bool { return s.Binding == obj.BindGlobal }

// resolve builds the global symbol table and reports duplicate definitions,
// undefined references and a missing entry symbol, naming the objects.
func (l *linker) resolve() error {
	var errs []string
	for fi, f := range l.files {
		for si, s := range f.Symbols {
			if s.Binding == obj.BindLocal || s.Section == obj.SectionUndef || s.Kind == obj.KindSection || s.Kind == obj.KindFile {
				continue
			}
			prev, ok := l.globals[s.Name]
			if !ok {
				l.globals[s.Name] = symRef{fi, si}
				continue
			}
			ps := l.files[prev.fi].Symbols[prev.si]
			switch {
			case strong(ps) && strong(s):
				errs = append(errs, fmt.Sprintf("duplicate symbol `%s': defined in %s and in %s", s.Name, l.files[prev.fi].Name, f.Name))
			case !strong(ps) && strong(s):
				l.globals[s.Name] = symRef{fi, si}
			case !strong(ps) && !strong(s) && ps.Section >= 0 && s.Section >= 0 &&
				f.Sections[s.Section].Flags&obj.FlagNoBits != 0 && s.Size > ps.Size:
				// two tentative (COMMON) definitions: the larger one wins
				l.globals[s.Name] = symRef{fi, si}
			}
		}
	}
	undef := map[string]string{}
	for fi, f := range l.files {
		for si, s := range f.Sections {
			if l.pieceOf[fi][si] == nil {
				continue
			}
			for _, r := range s.Relocs {
				sym := f.Symbols[r.Symbol]
				if !l.isGlobalRef(sym) {
					continue
				}
				if _, ok := l.globals[sym.Name]; !ok && sym.Binding != obj.BindWeak && sym.Name != gotSymbol {
					if _, seen := undef[sym.Name]; !seen {
						undef[sym.Name] = f.Name
					}
				}
			}
		}
	}
	names := make([]string, 0, len(undef))
	for n := range undef {
		names = append(names, n)
	}
	sort.Strings(names)
	vis := l.undefinedVisibility(undef)
	for _, n := range names {
		what := "symbol"
		if v := vis[n]; v != obj.VisDefault {
			what = v.String() + " symbol" // as GNU ld words it: "hidden symbol `x' isn't defined"
		}
		errs = append(errs, fmt.Sprintf("undefined %s `%s' (first referenced in %s)", what, n, undef[n]))
	}
	if ref, ok := l.globals[l.opts.Entry]; ok {
		l.entry = ref
	} else {
		// Accept an entry label that was not made global, as long as only one
		// object defines it (ld would warn and start at the first byte).
		var found []symRef
		for fi, f := range l.files {
			for si, s := range f.Symbols {
				if s.Name == l.opts.Entry && s.Binding == obj.BindLocal && s.Kind != obj.KindSection && s.Section != obj.SectionUndef {
					found = append(found, symRef{fi, si})
				}
			}
		}
		switch len(found) {
		case 1:
			l.entry = found[0]
		case 0:
			errs = append(errs, fmt.Sprintf("entry symbol `%s' is not defined", l.opts.Entry))
		default:
			errs = append(errs, fmt.Sprintf("entry symbol `%s' is not global and is defined in %s and %s", l.opts.Entry, l.files[found[0].fi].Name, l.files[found[1].fi].Name))
		}
	}
	if len(errs) > 0 {
		return fmt.Errorf("%s", strings.Join(errs, "\n"))
	}
	return nil
}

// constraint ranks visibilities from the least to the most constraining
// (ELF's rule for merging the visibilities of one symbol's entries).
var constraint = [...]int{obj.VisDefault: 0, obj.VisProtected: 1, obj.VisHidden: 2, obj.VisInternal: 3}

// undefinedVisibility merges the visibilities of every entry naming an
// undefined symbol. Visibility changes nothing else in a static link:
// hidden, internal and protected symbols resolve across objects exactly
// as default ones do (GNU ld agrees), and there is no dynamic symbol
// table for it to restrict.
func (l *linker) undefinedVisibility(undef map[string]string) map[string]obj.Visibility {
	vis := map[string]obj.Visibility{}
	for _, f := range l.files {
		for _, s := range f.Symbols {
			if _, ok := undef[s.Name]; !ok || !l.isGlobalRef(s) {
				continue
			}
			if constraint[s.Visibility] > constraint[vis[s.Name]] {
				vis[s.Name] = s.Visibility
			}
		}
	}
	return vis
}

// isGlobalRef reports whether a symbol is looked up by name program-wide.
func (l *linker) isGlobalRef(s *obj.Symbol) bool {
	if s.Kind == obj.KindSection || s.Kind == obj.KindFile {
		return false
	}
	return s.Section == obj.SectionUndef || s.Binding != obj.BindLocal
}

// addr is the run-time address of symbol si of file fi (after layout).
func (l *linker) addr(fi, si int) (uint64, error) {
	s := l.files[fi].Symbols[si]
	if l.isGlobalRef(s) && s.Name == gotSymbol {
		if _, defined := l.globals[s.Name]; !defined {
			return l.got(), nil
		}
	}
	if l.isGlobalRef(s) {
		ref, ok := l.globals[s.Name]
		if !ok {
			if s.Binding == obj.BindWeak {
				return 0, nil // an undefined weak symbol is zero
			}
			return 0, fmt.Errorf("undefined symbol `%s' (referenced in %s)", s.Name, l.files[fi].Name)
		}
		fi, si = ref.fi, ref.si
		s = l.files[fi].Symbols[si]
	}
	switch s.Section {
	case obj.SectionAbs:
		return s.Value, nil
	case obj.SectionUndef:
		return 0, fmt.Errorf("undefined symbol `%s' (referenced in %s)", s.Name, l.files[fi].Name)
	}
	p := l.pieceOf[fi][s.Section]
	if p == nil {
		return 0, fmt.Errorf("%s: symbol `%s' is in section %s, which is not loaded", l.files[fi].Name, s.Name, l.files[fi].Sections[s.Section].Name)
	}
	return l.groups[classify(p.sec)].addr + p.off + s.Value, nil
}

// gotSymbol names the GOT in position-independent code. A static link
// has no GOT entries to hold, so the GOT is only a reference point for
// R_386_GOTPC / R_386_GOTOFF pairs (R_X86_64_GOTPC32 / GOTOFF64, and
// PC-relative references to the symbol itself), which cancel out: any
// fixed address works, and the start of the code group is always there.
const gotSymbol = "_GLOBAL_OFFSET_TABLE_"

func (l *linker) got() uint64 { return l.groups[gCode].addr }

func (l *linker) pieceAddr(p *piece) uint64 { return l.groups[classify(p.sec)].addr + p.off }

// relocate returns the file-backed groups' bytes with every relocation
// applied at the current addresses.
func (l *linker) relocate() ([nGroups][]byte, error) {
	var out [nGroups][]byte
	for g := gCode; g <= gData; g++ {
		grp := l.groups[g]
		buf := make([]byte, grp.size)
		if g == gCode {
			for i := range buf {
				buf[i] = 0x90 // nop between code pieces (none today: code is unaligned)
			}
		}
		for _, p := range grp.pieces {
			copy(buf[p.off:], p.sec.Data)
		}
		for _, p := range grp.pieces {
			f := l.files[p.fi]
			for _, r := range p.sec.Relocs {
				if err := l.apply(buf, p, f, r); err != nil {
					return out, err
				}
			}
		}
		out[g] = buf
	}
	return out, nil
}

func (l *linker) apply(buf []byte, p *piece, f *obj.File, r obj.Reloc) error {
	sym := f.Symbols[r.Symbol]
	where := func() string { return fmt.Sprintf("%s: %s+%#x", f.Name, p.sec.Name, r.Offset) } // built only on error
	S, err := l.addr(p.fi, r.Symbol)
	if err != nil {
		return fmt.Errorf("%s: %v", where(), err)
	}
	field := p.off + r.Offset
	P := l.pieceAddr(p) + r.Offset
	kind := r.Kind
	switch {
	case kind == obj.RelocAbs || kind == obj.RelocPCRel || kind == obj.RelocAbsSigned || kind == obj.RelocPLT:
	case kind == obj.RelocGOTPCRel && r.Size == 4 || kind == obj.RelocGOT: // relaxed below, or refused
	case (kind == obj.RelocGOTPC || kind == obj.RelocGOTOFF) && l.arch == obj.ArchI386,
		// amd64's R_X86_64_GOTPC32 and R_X86_64_GOTOFF64: the same pairs
		// around a notional GOT (GNU ld patches GOTPC32's 4 bytes even
		// under nasm's `dq x wrt ..gotpc'; so does this, read back).
		kind == obj.RelocGOTPC && r.Size == 4, kind == obj.RelocGOTOFF && r.Size == 8:
	default:
		// A GOT slot's offset, a TLS slot, or a 64-bit PC-relative GOT
		// slot: the program needs a GOT (or thread-local storage) that
		// a static link without one cannot give it. Any value written
		// here would be wrong.
		target := "`" + sym.Name + "'"
		if sym.Kind == obj.KindSection {
			target = "section " + sym.Name
		}
		return fmt.Errorf("%s: %s relocation against %s is not supported by tiny link (it needs a GOT or thread-local storage)", where(), tinyelf.KindName(l.arch, r.Kind, r.Size), target)
	}
	if kind == obj.RelocGOTPCRel {
		// A static link has no GOT: rewrite the instruction to use the
		// address directly, as ld does for GOTPCRELX.
		if l.arch != obj.ArchAMD64 || r.Size != 4 || r.Offset < 2 {
			return fmt.Errorf("%s: GOT-relative relocation against `%s' is not supported here", where(), sym.Name)
		}
		op, modrm := buf[field-2], buf[field-1]
		switch {
		case op == 0x8b && modrm&0xc7 == 0x05: // mov reg, [rip+foo@GOTPCREL] -> lea reg, [rip+foo]
			buf[field-2] = 0x8d
		case op == 0xff && modrm == 0x15: // call [rip+foo@GOTPCREL] -> addr32 call foo
			buf[field-2], buf[field-1] = 0x67, 0xe8
		case op == 0xff && modrm == 0x25: // jmp [rip+foo@GOTPCREL] -> jmp foo; nop
			buf[field-2], buf[field+3] = 0xe9, 0x90
			field--
			P--
		default:
			return fmt.Errorf("%s: GOT-relative relocation against `%s' on an instruction that cannot be relaxed (only mov, call and jmp)", where(), sym.Name)
		}
		kind = obj.RelocPCRel
	}
	if kind == obj.RelocGOT {
		// i386 R_386_GOT32X: a load of the symbol's address from its GOT
		// slot. Without a GOT, load the address itself, as ld does.
		if r.Size != 4 || r.Offset < 2 {
			return fmt.Errorf("%s: GOT relocation against `%s' is not supported here", where(), sym.Name)
		}
		op, modrm := buf[field-2], buf[field-1]
		switch {
		case op == 0x8b && modrm>>6 == 2 && modrm&7 != 4: // mov reg, [base+foo@GOT] -> lea reg, [base+foo@GOTOFF]
			buf[field-2] = 0x8d
			kind = obj.RelocGOTOFF
		case op == 0x8b && modrm&0xc7 == 0x05: // mov reg, [foo@GOT] -> mov reg, foo
			buf[field-2], buf[field-1] = 0xc7, 0xc0|(modrm>>3)&7
			kind = obj.RelocAbs
		default:
			return fmt.Errorf("%s: GOT relocation against `%s' on an instruction that cannot be relaxed (only mov)", where(), sym.Name)
		}
	}
	v := S + uint64(r.Addend)
	switch kind {
	case obj.RelocPCRel, obj.RelocPLT:
		v -= P
	case obj.RelocGOTPC:
		v = l.got() + uint64(r.Addend) - P
	case obj.RelocGOTOFF:
		v -= l.got()
	}
	if !fits(l.arch, kind, r.Size, v) {
		target := "`" + sym.Name + "'"
		if sym.Kind == obj.KindSection {
			target = "section " + sym.Name
		}
		return fmt.Errorf("%s: %s relocation against %s out of range: value %#x does not fit in %d bits", where(), tinyelf.KindName(l.arch, r.Kind, r.Size), target, int64(v), r.Size*8)
	}
	switch r.Size {
	case 1:
		buf[field] = byte(v)
	case 2:
		binary.LittleEndian.PutUint16(buf[field:], uint16(v))
	case 4:
		binary.LittleEndian.PutUint32(buf[field:], uint32(v))
	case 8:
		binary.LittleEndian.PutUint64(buf[field:], v)
	}
	return nil
}

// fits applies ld's overflow rules: PC-relative and 32S fields are signed,
// R_X86_64_32 is unsigned, other narrow absolute fields accept either
// reading ("bitfield"), and on i386 32-bit arithmetic wraps.
func fits(arch obj.Arch, kind obj.RelocKind, size uint8, v uint64) bool {
	if size == 8 || (arch == obj.ArchI386 && size == 4) {
		return true
	}
	bits := uint(size) * 8
	sv := int64(v)
	signed := sv >= -(1<<(bits-1)) && sv < 1<<(bits-1)
	unsigned := v < 1<<bits
	switch kind {
	case obj.RelocAbs:
		if arch == obj.ArchAMD64 && size == 4 {
			return unsigned
		}
		return signed || unsigned
	}
	return signed
}

func alignUp(v, a uint64) uint64 {
	if a <= 1 {
		return v
	}
	return (v + a - 1) &^ (a - 1)
}
