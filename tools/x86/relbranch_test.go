package x86

import "testing"

// Branch mnemonics are relative-only; instructions taking an immediate as
// a value (push, int, ret imm) are not.
func TestRelBranchMnemonics(t *testing.T) {
	for mn, want := range map[string]bool{
		"jmp": true, "call": true, "jz": true, "jnz": true, "jecxz": true, "loop": true, "loopne": true,
		"push": false, "int": false, "ret": false, "retf": false, "mov": false, "enter": false,
	} {
		in := &Inst{Mode: 32, Mnemonic: mn, Ops: []Operand{{Kind: OpImm}}}
		if got := RelBranch(in); got != want {
			t.Errorf("RelBranch(%s) = %v, want %v", mn, got, want)
		}
	}
}

// The premise of RelBranch: moving a branch and its same-section target
// by the same amount gives the same bytes.
func TestRelBranchEncodingDependsOnDistanceOnly(t *testing.T) {
	for _, mode := range []int{16, 32, 64} {
		for _, mn := range []string{"jmp", "jz", "call", "loop", "jmp"} {
			for _, dist := range []int64{-200, -128, -2, 0, 5, 129, 4000} {
				var first []byte
				for _, pc := range []int64{0, 77, 1000, 65000} {
					in := &Inst{Mode: mode, Mnemonic: mn, PC: Value{Sym: "[.text]", Off: pc, Known: true},
						Ops: []Operand{{Kind: OpImm, Imm: Value{Sym: "[.text]", Off: pc + dist, Known: true}}}}
					enc, err := Encode(in)
					if err != nil {
						if _, ok := err.(*RangeError); ok && mn == "loop" {
							continue
						}
						t.Fatalf("%d %s %d at %d: %v", mode, mn, dist, pc, err)
					}
					if first == nil {
						first = enc.Bytes
					} else if string(first) != string(enc.Bytes) {
						t.Errorf("BITS %d %s distance %d: % X at 0, % X at %d", mode, mn, dist, first, enc.Bytes, pc)
					}
				}
			}
		}
	}
}

// Encode recycles its working state between calls: an Encoding it returned
// must keep its bytes and fixups whatever is encoded afterwards.
func TestEncodingsOutliveLaterCalls(t *testing.T) {
	first, err := Encode(&Inst{Mode: 64, Mnemonic: "mov", Ops: []Operand{
		{Kind: OpReg, Reg: mustReg(t, "rax")},
		{Kind: OpImm, Imm: Value{Sym: "ext", Off: 5, Known: true}, Size: 8}}})
	if err != nil {
		t.Fatal(err)
	}
	bytes0 := string(first.Bytes)
	fix0 := first.Fixups[0]
	for _, l := range []string{"add eax, 1", "jmp $+10", "mov dword [esp+4], 0x1234", "push ebp"} {
		inst, err := parseTestLine(32, l, Value{Known: true})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := Encode(inst); err != nil {
			t.Fatal(err)
		}
	}
	if string(first.Bytes) != bytes0 || len(first.Fixups) != 1 || first.Fixups[0] != fix0 {
		t.Fatalf("first encoding changed: % X %+v", first.Bytes, first.Fixups)
	}
}

func mustReg(t *testing.T, name string) Reg {
	r, ok := LookupReg(name)
	if !ok {
		t.Fatalf("no register %s", name)
	}
	return r
}
