package asm

import (
	"sort"

	"github.com/rules-tiny/rules_tiny/tools/asm/expr"
	"github.com/rules-tiny/rules_tiny/tools/obj"
)

// WRT: `x wrt ..got` and its kin ask the ELF formats for a relocation
// other than the plain one. What nasm 2.16 writes depends on the format,
// on whether the field is PC-relative (a branch, a RIP-relative address,
// `x - $`) or absolute, and on its size; wrtReloc is that table. Some
// forms refer to a global symbol rather than to the section holding the
// label (nasm's "gsym" relocations): those are resolved when the object
// is built (resolveGsyms), once every symbol's binding is known.

// gsymRef marks a relocation that nasm makes against a global symbol of
// the target's section: the one at exactly target (exact), or the
// nearest one at or before it.
type gsymRef struct {
	exact  bool
	target int64 // the referenced offset in the section (label + constant)
}

// reloc records the relocation of a field of size bytes at off in sec:
// kind as the encoder or the data directive sees it (absolute, signed
// absolute or PC-relative), against sym with addend, changed as wrt asks.
// target is the referenced address's offset from sym (without the
// PC-relative adjustment).
func (a *assembler) reloc(st *stmt, sec *section, off int64, size int, kind obj.RelocKind, sym string, addend, target int64, wrt string) {
	if a.format == "elf32" && size == 8 && sym != "" {
		// ELF32 relocates at most 32 bits: nasm relocates the low half
		// of an unsigned qword (its high half stays zero) and refuses a
		// signed or PC-relative one.
		if kind != obj.RelocAbs {
			a.perr(st, "64-bit signed relocation unsupported by output format elf32")
			return
		}
		a.pwarnc(st, "zext-reloc", "64-bit unsigned relocation zero-extended from 32 bits")
		size = 4
	}
	if wrt == "" {
		a.addReloc(st, sec, off, size, kind, sym, addend)
		return
	}
	pc := kind == obj.RelocPCRel
	if sym == "" {
		if !pc {
			// A plain number: nasm writes it as it is.
			putLE(sec.data[off:off+int64(size)], addend, size)
			return
		}
		a.perr(st, "ELF format does not support this use of WRT")
		return
	}
	if pc && sym == sec.key {
		// nasm 2.16 stops with an internal error ("intra-segment
		// OUT_REL4ADR") here.
		a.perr(st, "`wrt' cannot make a PC-relative reference to a label in the same section")
		return
	}
	unsupported := func() { a.perr(st, "Unsupported %d-bit ELF relocation", size*8) }
	gsym := 0 // 1: the exact global symbol; 2: the nearest one at or before
	var rk obj.RelocKind
	if a.format == "elf32" {
		switch {
		case pc && size != 4:
			unsupported()
			return
		case pc && wrt == "plt":
			rk = obj.RelocPLT
		case pc && (wrt == "gotpc" || wrt == "gotoff" || wrt == "got"):
			a.perr(st, "ELF format cannot produce PC-relative GOT references")
			return
		case pc:
			a.perr(st, "ELF format does not support this use of WRT")
			return
		case wrt == "sym":
			if size == 8 {
				unsupported()
				return
			}
			rk, gsym = obj.RelocAbs, 2
		case wrt == "plt":
			a.perr(st, "ELF format cannot produce non-PC-relative PLT references")
			return
		case wrt == "gottpoff":
			a.perr(st, "ELF format does not support this use of WRT")
			return
		case size != 4:
			unsupported()
			return
		case wrt == "gotpc":
			// The value is written relative to `$$'; the relocation
			// counts from the field.
			rk, addend = obj.RelocGOTPC, addend+off
		case wrt == "gotoff":
			rk = obj.RelocGOTOFF
		case wrt == "tlsie":
			rk, gsym = obj.RelocTLSIE, 1
		case wrt == "got":
			rk, gsym = obj.RelocGOTSlot, 1
		}
	} else {
		switch {
		case pc && size < 4:
			unsupported()
			return
		case pc && wrt == "plt" && size == 4:
			rk, gsym = obj.RelocPLT, 1
		case pc && (wrt == "gotpc" || wrt == "got"):
			rk, gsym = obj.RelocGOTPCRel, 1
		case pc && wrt == "gotoff" && size == 4:
			a.perr(st, "ELF64 requires ..gotoff references to be qword absolute")
			return
		case pc && wrt == "gotoff":
			a.perr(st, "ELF64 requires ..gotoff references to be absolute")
			return
		case pc && wrt == "gottpoff" && size == 4:
			rk, gsym = obj.RelocGOTTPOFF, 1
		case pc && wrt == "gottpoff":
			a.perr(st, "ELF64 requires ..gottpoff references to be dword")
			return
		case pc:
			a.perr(st, "ELF64 format does not support this use of WRT")
			return
		case wrt == "gotpc":
			if size < 4 {
				// nasm writes an R_X86_64_GOTPC32 over a byte or a word.
				a.perr(st, "tiny cannot write a %d-bit field `wrt ..gotpc' (nasm writes a 32-bit relocation over it)", size*8)
				return
			}
			rk, addend = obj.RelocGOTPC, addend+off
		case wrt == "gotoff" && size != 8:
			a.perr(st, "ELF64 requires ..gotoff references to be qword")
			return
		case wrt == "gotoff":
			rk = obj.RelocGOTOFF
		case wrt == "got" && size != 4 && size != 8:
			a.perr(st, "invalid ..got reference")
			return
		case wrt == "got":
			rk, gsym = obj.RelocGOTSlot, 1
		case wrt == "sym":
			rk, gsym = kind, 2
		case wrt == "plt":
			a.perr(st, "ELF format cannot produce non-PC-relative PLT references")
			return
		default:
			a.perr(st, "ELF format does not support this use of WRT")
			return
		}
	}
	if gsym != 0 && !a.isSectionKey(sym) {
		// An external symbol: the relocation is the plain one against it.
		if gsym == 1 && target != 0 {
			a.perr(st, "invalid access to an external symbol")
			return
		}
		if a.format == "elf32" {
			addend = 0 // nasm writes 0 in the field, whatever the offset
		}
		gsym = 0
	}
	if gsym != 0 && !a.globalAt(sym, target, gsym == 1) {
		// Said here, not when the object is built, so that it comes
		// among the pass's other errors as in nasm.
		a.perr(st, "unable to find a suitable global symbol for this reference")
		return
	}
	n := len(sec.relocs)
	a.addReloc(st, sec, off, size, rk, sym, addend)
	if gsym != 0 && len(sec.relocs) > n {
		if sec.gsym == nil {
			sec.gsym = map[int]gsymRef{}
		}
		sec.gsym[n] = gsymRef{exact: gsym == 1, target: target}
	}
}

// isSectionKey reports whether a relocation target names a section of
// this source (a label's address) rather than an external symbol.
func (a *assembler) isSectionKey(key string) bool {
	for _, s := range a.secs {
		if s.key == key {
			return true
		}
	}
	return false
}

// globalAt reports whether section key has a global symbol at target
// (exact) or at or before it: whether resolveGsyms will find one. The
// offsets are gathered once a pass (they are final in the last one,
// whose errors are the ones that count).
func (a *assembler) globalAt(key string, target int64, exact bool) bool {
	if a.gsymPass != a.pass || a.gsymOffs == nil {
		a.gsymPass, a.gsymOffs = a.pass, map[string][]int64{}
		for _, s := range a.symOrder {
			switch {
			case !s.global || !s.known:
			case s.kind == symLabel && !a.secs[s.sec].absolute:
				k := a.secs[s.sec].key
				a.gsymOffs[k] = append(a.gsymOffs[k], s.off)
			case s.kind == symEqu && s.val != nil && equSection(s.val) != "":
				k := equSection(s.val)
				a.gsymOffs[k] = append(a.gsymOffs[k], s.val.Const)
			}
		}
		for _, offs := range a.gsymOffs {
			sort.Slice(offs, func(i, j int) bool { return offs[i] < offs[j] })
		}
	}
	offs := a.gsymOffs[key]
	i := sort.Search(len(offs), func(i int) bool { return offs[i] >= target })
	if exact {
		return i < len(offs) && offs[i] == target
	}
	return len(offs) > 0 && offs[0] <= target
}

// resolveGsyms points the gsym relocations of f at the global symbol of
// their section that nasm chooses, the addend becoming the offset from
// it. nasm looks the offset up in a tree of the section's global symbols
// (gsymTree): the one at the greatest offset not above the target, and
// among several there, whichever the tree's shape puts first.
func (a *assembler) resolveGsyms(f *obj.File, secIdx []int, index map[string]int) Errors {
	var errs Errors
	trees := map[int]*rbNode{}
	for i, s := range a.secs {
		for k, g := range s.gsym {
			r := &f.Sections[secIdx[i]].Relocs[k]
			st := s.relStmt[k]
			key := s.relSym[k]
			tree, ok := trees[index[key]]
			if !ok {
				tree = a.gsymTree(f, key)
				trees[index[key]] = tree
			}
			n := tree.search(g.target)
			if n == nil || g.exact && n.key != g.target {
				errs = append(errs, Diag{Pos: st.pos, Note: st.macroNote(), Seq: st.line + 1, Msg: "unable to find a suitable global symbol for this reference"})
				continue
			}
			r.Symbol = n.sym
			r.Addend -= n.key
		}
	}
	return errs
}

// gsymTree builds nasm's tree of the global symbols of the section whose
// relocation key is key, inserted in the order nasm defines them (the
// order of their definitions in the source).
func (a *assembler) gsymTree(f *obj.File, key string) *rbNode {
	byName := map[string]int{}
	for j, sym := range f.Symbols {
		if sym.Binding != obj.BindLocal && sym.Section >= 0 {
			byName[sym.Name] = j
		}
	}
	var syms []*symbol
	for _, s := range a.symOrder {
		if !s.global {
			continue
		}
		switch {
		case s.kind == symLabel && !a.secs[s.sec].absolute && a.secs[s.sec].key == key:
		case s.kind == symEqu && s.val != nil && equSection(s.val) == key:
		default:
			continue
		}
		if _, ok := byName[a.symbolName(s)]; ok {
			syms = append(syms, s)
		}
	}
	sort.SliceStable(syms, func(i, j int) bool { return syms[i].defSeq < syms[j].defSeq })
	var root *rbNode
	for _, s := range syms {
		j := byName[a.symbolName(s)]
		root = root.insert(&rbNode{key: int64(f.Symbols[j].Value), sym: j})
	}
	return root
}

// equSection is the relocation key of the section an equ's value counts
// once (see equSymbol), or "".
func equSection(v *expr.Value) string {
	for _, t := range v.Terms {
		if t.Coef == 1 {
			return t.Sym
		}
	}
	return ""
}

// rbNode is a node of the threaded left-leaning red-black tree nasm keeps
// its symbols in. With several symbols at one offset, which one a search
// finds depends on the tree's shape, so this is the same algorithm, with
// the same rotations and colour flips: a missing child is a thread to the
// in-order neighbour, marked by rbPred/rbSucc.
type rbNode struct {
	key         int64
	sym         int // index in the object's symbols
	left, right *rbNode
	flags       uint8
}

const (
	rbPred  = 1 << iota // left is a thread, not a child
	rbSucc              // right is a thread, not a child
	rbBlack             // black (a node without it is red)
)

func (t *rbNode) insert(n *rbNode) *rbNode {
	n.left, n.right, n.flags = nil, nil, rbPred|rbSucc
	if t == nil {
		return n
	}
	return t.add(n)
}

func (t *rbNode) add(n *rbNode) *rbNode {
	if t.flags&(rbPred|rbSucc) == 0 && t.left.flags&t.right.flags&rbBlack == 0 {
		t.flags ^= rbBlack
		t.left.flags ^= rbBlack
		t.right.flags ^= rbBlack
	}
	if n.key < t.key {
		n.right = t
		if t.flags&rbPred != 0 {
			n.left = t.left
			t.flags &^= rbPred
			t.left = n
		} else {
			t.left = t.left.add(n)
		}
	} else {
		n.left = t
		if t.flags&rbSucc != 0 {
			n.right = t.right
			t.flags &^= rbSucc
			t.right = n
		} else {
			t.right = t.right.add(n)
		}
	}
	if t.flags&rbSucc == 0 && t.right.flags&rbBlack == 0 {
		t = t.rotateLeft()
	}
	if t.flags&rbPred == 0 && t.left.flags&(rbBlack|rbPred) == 0 && t.left.left.flags&rbBlack == 0 {
		t = t.rotateRight()
	}
	return t
}

func (h *rbNode) rotateLeft() *rbNode {
	x := h.right
	hf, xf := h.flags, x.flags
	if xf&rbPred != 0 {
		h.right = x
		h.flags = hf&rbPred | rbSucc
	} else {
		h.right = x.left
		h.flags = hf & rbPred
	}
	x.flags = hf&rbBlack | xf&rbSucc
	x.left = h
	return x
}

func (h *rbNode) rotateRight() *rbNode {
	x := h.left
	hf, xf := h.flags, x.flags
	if xf&rbSucc != 0 {
		h.left = x
		h.flags = hf&rbSucc | rbPred
	} else {
		h.left = x.right
		h.flags = hf & rbSucc
	}
	x.flags = hf&rbBlack | xf&rbPred
	x.right = h
	return x
}

// search finds the node with the greatest key not above key, as nasm's
// search does (the first such node on the path from the root).
func (t *rbNode) search(key int64) *rbNode {
	var best *rbNode
	for t != nil {
		if t.key > key {
			if t.flags&rbPred != 0 {
				break
			}
			t = t.left
			continue
		}
		best = t
		if t.key == key || t.flags&rbSucc != 0 {
			break
		}
		t = t.right
	}
	return best
}
