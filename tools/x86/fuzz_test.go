package x86

import (
	"encoding/binary"
	"sort"
	"strings"
	"testing"

	"golang.org/x/arch/x86/x86asm"
)

var fuzzMnemonics = func() []string {
	var m []string
	for i := range mnemonics {
		if len(mnemonics[i].forms()) > 0 || i%10 == 0 {
			m = append(m, mnemonics[i].name)
		}
	}
	m = append(m, "fadd", "movaps", "", "MOV", "Jmp", "bogus")
	sort.Strings(m)
	return m
}()

// fuzzInst builds an arbitrary Inst (any field values, invalid ones included)
// from fuzzer bytes.
func fuzzInst(data []byte) *Inst {
	next := func() byte {
		if len(data) == 0 {
			return 0
		}
		b := data[0]
		data = data[1:]
		return b
	}
	next64 := func() int64 {
		var b [8]byte
		n := int(next() % 9)
		for i := 0; i < n; i++ {
			b[i] = next()
		}
		v := int64(binary.LittleEndian.Uint64(b[:]))
		if n > 0 && b[n-1]&0x80 != 0 {
			v |= -1 << (8 * n)
		}
		return v
	}
	value := func() Value {
		f := next()
		v := Value{Off: next64(), Known: f&1 != 0}
		switch f >> 1 & 3 {
		case 1:
			v.Sym = "ext"
		case 2:
			v.Sym = ".text"
		}
		return v
	}
	modes := []int{16, 32, 64, 0, 8}
	inst := &Inst{Mode: modes[int(next())%len(modes)], PC: Value{Sym: ".text", Off: int64(next()) * 3, Known: true}}
	inst.Mnemonic = fuzzMnemonics[int(next())%len(fuzzMnemonics)]
	for n := int(next() % 3); n > 0; n-- {
		inst.Prefixes = append(inst.Prefixes, Prefix(next()%20))
	}
	for n := int(next() % 5); n > 0; n-- {
		f := next()
		o := Operand{Kind: OpKind(f % 5), Size: int(next() % 11), Strict: f&8 != 0, Short: f&16 != 0, Near: f&32 != 0, Far: f&64 != 0}
		o.Reg = Reg(int(next()) * len(regTable) / 200)
		switch o.Kind {
		case OpImm:
			o.Imm = value()
		case OpMem:
			o.Base, o.Index, o.Scale = Reg(int(next())*len(regTable)/200), Reg(int(next())*len(regTable)/200), int(next()%10)
			if next()&1 == 0 {
				o.Index, o.Scale = RegNone, 0
			}
			o.Disp = value()
			g := next()
			o.Rel, o.Abs = g&1 != 0, g&2 != 0
			o.DispSize = int(g>>2) % 10
			if g&0x80 != 0 {
				o.Seg = Reg(int(next()) * len(regTable) / 200)
			}
		}
		inst.Ops = append(inst.Ops, o)
	}
	return inst
}

// FuzzEncode: no Inst makes Encode panic (its recover would turn a panic
// into an "internal encoder error", which the fuzzer reports), and every
// encoding is well formed: at most 15 bytes, fixups inside the bytes, and
// a length the x86asm decoder agrees with.
func FuzzEncode(f *testing.F) {
	for _, seed := range [][]byte{
		{1, 0, 7, 0, 2, 1, 4, 20},
		{2, 3, 100, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10},
		{1, 1, 50, 0, 3, 0, 2, 0, 1, 1, 3, 0, 0, 0},
		{0, 0, 0, 0, 0, 0, 0, 0},
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		inst := fuzzInst(data)
		enc, err := Encode(inst)
		if err != nil {
			if strings.HasPrefix(err.Error(), "internal encoder error") {
				t.Fatalf("%+v: %v", inst, err)
			}
			return
		}
		if len(enc.Bytes) == 0 || len(enc.Bytes) > 15 {
			t.Fatalf("%+v: %d bytes", inst, len(enc.Bytes))
		}
		for _, fx := range enc.Fixups {
			if fx.Offset < 0 || fx.Offset+fx.Size > len(enc.Bytes) {
				t.Fatalf("%+v: fixup %+v outside % X", inst, fx, enc.Bytes)
			}
		}
		checkDecodedLength(t, inst, enc)
	})
}

// checkDecodedLength asks golang.org/x/arch's decoder, an independent
// reading of the Intel tables, how long the encoding is.
func checkDecodedLength(t *testing.T, inst *Inst, enc *Encoding) {
	t.Helper()
	if inst.Mode == 16 || inst.Mnemonic == "sysexit" || inst.Mnemonic == "sysret" || inst.Mnemonic == "pause" ||
		inst.Mnemonic == "syscall" && inst.Mode == 32 || inst.Mnemonic == "nop" && len(inst.Ops) > 0 {
		return // x86asm lacks 16-bit mode, REX.W nop and some system forms
	}
	if m := lookupMnemonic(inst.Mnemonic); m == nil || strings.HasPrefix(m.name, "hint_nop") || m.name[0] == 'v' || m.name == "andn" || m.name == "bextr" ||
		strings.HasPrefix(m.name, "bls") || m.name == "bzhi" || m.name == "mulx" || m.name == "pdep" || m.name == "pext" ||
		m.name == "rorx" || m.name == "sarx" || m.name == "shlx" || m.name == "shrx" || hasVEXForm(m) {
		return // x86asm has no VEX (nor AMD's XOP)
	}
	switch inst.Mnemonic {
	case "ud0", "ud1", "ud2b", "feni", "fneni", "fdisi", "fndisi", "fsetpm", "adcx", "adox", "movdiri", "movdir64b",
		"wrssd", "wrssq", "wrussd", "wrussq", "rstorssp", "rdseed", "rdpid", "umwait", "tpause", "umonitor", "rdsspd",
		"rdsspq", "incsspd", "incsspq", "cldemote", "clac", "stac", "setssbsy", "clrssbsy", "serialize", "saveprevssp",
		"salc", "getsec", "endbr32", "endbr64", "rdpkru", "wrpkru",
		// AMD SVM and SEV, Intel VMX, VIA PadLock, clzero, pcommit
		"clgi", "stgi", "vmrun", "vmload", "vmsave", "vmmcall", "vmcall", "vmlaunch", "vmresume", "vmxoff", "vmfunc",
		"pvalidate", "rmpadjust", "vmgexit", "skinit", "invlpga", "clzero", "vmclear", "vmptrld", "vmptrst", "vmxon",
		"invept", "invvpid", "xstore", "xcryptecb", "xcryptcbc", "xcryptctr", "xcryptcfb", "xcryptofb", "montmul",
		"xsha1", "xsha256", "pcommit",
		// SGX, user interrupts, MSR lists, RAO-INT, enqcmd, GFNI, 3DNow! and the rest
		"encls", "enclu", "enclv", "pconfig", "clui", "stui", "testui", "uiret", "rdmsrlist", "wrmsrlist", "wrmsrns",
		"xresldtrk", "xsusldtrk", "monitorx", "mwaitx", "hreset", "ptwrite", "prefetch", "prefetchit0", "prefetchit1",
		"prefetchwt1", "aadd", "aand", "axor", "enqcmd", "enqcmds", "gf2p8affineinvqb", "gf2p8affineqb", "gf2p8mulb",
		"femms", "paveb", "pavgusb", "pf2id", "pf2iw", "pfacc", "pfadd", "pfcmpeq", "pfcmpge", "pfcmpgt", "pfmax",
		"pfmin", "pfmul", "pfnacc", "pfpnacc", "pfrcp", "pfrcpit1", "pfrcpit2", "pfrcpv", "pfrsqit1", "pfrsqrt",
		"pfrsqrtv", "pfsub", "pfsubr", "pi2fd", "pi2fw", "pmulhrwa", "pswapd", "paddsiw", "pmagw", "pmulhriw",
		"pmulhrwc", "psubsiw", "pdistib", "pmachriw", "pmvgezb", "pmvlzb", "pmvnzb", "pmvzb",
		// SSE4a, old, undocumented and Cyrix instructions
		"extrq", "insertq", "movntsd", "movntss", "cmpxchg486", "ibts", "xbts", "umov", "loadall", "loadall286", "smi",
		"rdm", "smint", "smintold", "dmint", "bb0_reset", "bb1_reset", "cpu_read", "cpu_write", "rdshr", "wrshr",
		"rsdc", "svdc", "rsldt", "svldt", "rsts", "svts":
		return // nor these
	}
	for _, p := range inst.Prefixes {
		if p == PrefixO16 || p == PrefixO32 {
			// nasm keeps the mode's branch displacement size under an
			// explicit o16/o32 (`o16 call` is 66 E8 rel32), which the
			// processor, and x86asm, read differently.
			return
		}
	}
	b := enc.Bytes
	if len(b) > 1 && b[0] == 0x9B {
		b = b[1:] // x86asm takes the wait of fstsw, finit... for an instruction
	}
	in, err := x86asm.Decode(b, inst.Mode)
	if err != nil {
		t.Errorf("%s %+v: x86asm cannot decode % X: %v", inst.Mnemonic, inst.Ops, enc.Bytes, err)
		return
	}
	if in.Len != len(b) {
		t.Errorf("%s: x86asm decodes % X as %d bytes (%v)", inst.Mnemonic, enc.Bytes, in.Len, in)
	}
}

// hasVEXForm reports whether some form of the mnemonic is VEX- or XOP-encoded.
func hasVEXForm(m *mnemonic) bool {
	for _, f := range m.forms() {
		if f.has(fVEX) {
			return true
		}
	}
	return false
}

// TestDecoderAgreesOnGeneratedForms runs every generated form through the
// x86asm decoder: a second oracle that needs no nasm.
func TestDecoderAgreesOnGeneratedForms(t *testing.T) {
	n := 0
	for _, mode := range []int{32, 64} {
		for _, l := range generatedLines(mode, 12) {
			inst, err := parseTestLine(mode, l, Value{Known: true})
			if err != nil {
				continue
			}
			enc, err := Encode(inst)
			if err != nil {
				continue
			}
			checkDecodedLength(t, inst, enc)
			n++
		}
	}
	t.Logf("%d encodings decoded by x86asm with the same length", n)
}

// FuzzMakeMem: no register term list makes MakeMem panic, and whatever it
// accepts has a valid scale and no esp/rsp index.
func FuzzMakeMem(f *testing.F) {
	f.Add([]byte{1, 1, 0, 2, 2, 1}, int64(5), false)
	f.Add([]byte{4, 3, 1}, int64(-1), true)
	f.Fuzz(func(t *testing.T, data []byte, disp int64, nosplit bool) {
		var terms []RegTerm
		for i := 0; i+2 < len(data) && len(terms) < 5; i += 3 {
			terms = append(terms, RegTerm{Reg: Reg(data[i]), Mul: int64(int8(data[i+1])), Scaled: data[i+2]&1 != 0})
		}
		op, err := MakeMem(64, terms, Value{Off: disp, Known: true}, nosplit)
		if err != nil {
			return
		}
		if op.Index != RegNone {
			if s := op.Scale; s != 1 && s != 2 && s != 4 && s != 8 {
				t.Fatalf("%+v -> scale %d", terms, s)
			}
			if op.Index.Class() == ClassGPR && op.Index.Num() == 4 && op.Index.Size() != 2 {
				t.Fatalf("%+v -> index %s", terms, op.Index)
			}
		}
	})
}
