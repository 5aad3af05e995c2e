package x86

import (
	"bytes"
	"errors"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/rules-tiny/rules_tiny/tools/obj"
)

func mustParse(t *testing.T, mode int, line string, pc Value) *Inst {
	t.Helper()
	inst, err := parseTestLine(mode, line, pc)
	if err != nil {
		t.Fatalf("%q: %v", line, err)
	}
	return inst
}

// Forward references (Known=false) are treated as nasm treats them in its
// first pass: immediates and branches optimistically short, displacements
// pessimistically 32-bit, and mov r64 as mov r32.
func TestUnknownValuesFollowNasmFirstPass(t *testing.T) {
	pc := Value{Sym: ".text", Off: 0, Known: true}
	unknown := Value{Sym: ".text"} // a label not yet defined
	for _, tc := range []struct {
		mode int
		line string
		set  func(*Inst)
		want string
	}{
		{32, "add eax, 0", func(i *Inst) { i.Ops[1].Imm = Value{} }, "83 C0 00"},
		{32, "push 0", func(i *Inst) { i.Ops[0].Imm = Value{} }, "6A 00"},
		{32, "shl eax, 9", func(i *Inst) { i.Ops[1].Imm = Value{} }, "D1 E0"},
		{32, "imul eax, ebx, 0", func(i *Inst) { i.Ops[2].Imm = Value{} }, "6B C3 00"},
		{32, "mov eax, [ebx+0]", func(i *Inst) { i.Ops[1].Disp = Value{} }, "8B 83 00 00 00 00"},
		{32, "mov eax, [ebp+0]", func(i *Inst) { i.Ops[1].Disp = Value{} }, "8B 85 00 00 00 00"},
		{32, "jmp 0", func(i *Inst) { i.Ops[0].Imm = unknown }, "EB 00"},
		{32, "jz 0", func(i *Inst) { i.Ops[0].Imm = unknown }, "74 00"},
		{32, "jmp near 0", func(i *Inst) { i.Ops[0].Imm = unknown }, "E9 00 00 00 00"},
		{32, "loop 0", func(i *Inst) { i.Ops[0].Imm = unknown }, "E2 00"},
		{32, "jmp 0", func(i *Inst) { i.Ops[0].Imm = Value{Sym: "later"} }, "EB 00"},
		{64, "mov rax, 0", func(i *Inst) { i.Ops[1].Imm = Value{} }, "B8 00 00 00 00"},
		{16, "mov ax, [bx+0]", func(i *Inst) { i.Ops[1].Disp = Value{} }, "8B 87 00 00"},
	} {
		inst := mustParse(t, tc.mode, tc.line, pc)
		tc.set(inst)
		enc, err := Encode(inst)
		if err != nil {
			t.Errorf("%q: %v", tc.line, err)
			continue
		}
		if got := hexBytes(enc.Bytes); got != tc.want {
			t.Errorf("%q with an unknown value: got %s, want %s", tc.line, got, tc.want)
		}
	}
}

func hexBytes(b []byte) string {
	const digits = "0123456789ABCDEF"
	var out []byte
	for i, c := range b {
		if i > 0 {
			out = append(out, ' ')
		}
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// Same-section branches are resolved here; a short jump that does not reach
// is a RangeError (the front end may retry), near and external ones are not.
func TestBranchResolution(t *testing.T) {
	pc := Value{Sym: ".text", Off: 0x100, Known: true}
	enc, err := Encode(mustParse(t, 32, "jmp short $+200", pc))
	var re *RangeError
	if !errors.As(err, &re) || err.Error() != "short jump is out of range" {
		t.Fatalf("jmp short out of range: %v, % X", err, enc)
	}
	enc, err = Encode(mustParse(t, 32, "call ext+8", pc))
	if err != nil {
		t.Fatal(err)
	}
	want := []Fixup{{Offset: 1, Size: 4, Kind: obj.RelocPCRel, Sym: "ext", Addend: 4}}
	if !bytes.Equal(enc.Bytes, []byte{0xE8, 0, 0, 0, 0}) || len(enc.Fixups) != 1 || enc.Fixups[0] != want[0] {
		t.Fatalf("call ext+8: % X %+v", enc.Bytes, enc.Fixups)
	}
	// A label in another section is reached with a near jump and a fixup.
	inst := mustParse(t, 64, "jz 0", pc)
	inst.Ops[0].Imm = Value{Sym: ".data", Off: 0x10, Known: true}
	enc, err = Encode(inst)
	if err != nil || hexBytes(enc.Bytes) != "0F 84 00 00 00 00" || enc.Fixups[0].Addend != 0x10-4 {
		t.Fatalf("jz to another section: %v % X %+v", err, enc.Bytes, enc.Fixups)
	}
}

func TestErrorsNeverPanic(t *testing.T) {
	for _, inst := range []*Inst{
		nil,
		{Mode: 7, Mnemonic: "nop"},
		{Mode: 32, Mnemonic: "mov", Ops: []Operand{{Kind: OpReg, Reg: 250}, {Kind: OpImm}}},
		{Mode: 32, Mnemonic: "mov", Ops: []Operand{{Kind: 9}}},
		{Mode: 64, Mnemonic: "add", Ops: []Operand{{Kind: OpMem, Base: 200, Index: 201, Scale: 3}, {Kind: OpImm}}},
		{Mode: 64, Mnemonic: "add", Ops: make([]Operand, 9)},
		{Mode: 64, Prefixes: []Prefix{99}, Mnemonic: "nop"},
	} {
		if _, err := Encode(inst); err == nil {
			t.Errorf("%+v: no error", inst)
		}
	}
}

func TestPrefixesAndMnemonics(t *testing.T) {
	for name, want := range map[string]Prefix{"lock": PrefixLock, "REP": PrefixRep, "repz": PrefixRepe, "repnz": PrefixRepne,
		"o16": PrefixO16, "a32": PrefixA32, "fs": PrefixFS, "es": PrefixES} {
		if p, ok := LookupPrefix(name); !ok || p != want {
			t.Errorf("LookupPrefix(%q) = %v, %v", name, p, ok)
		}
	}
	if _, ok := LookupPrefix("mov"); ok {
		t.Error("mov taken for a prefix")
	}
	for _, m := range []string{"mov", "JNZ", "cmovge", "setnae", "loopnz", "jrcxz", "movsq", "int3", "retf", "xlatb", "pause", "ud2"} {
		if !IsMnemonic(m) || !Supported(m) {
			t.Errorf("%s not a supported mnemonic", m)
		}
	}
}

// TestTablesUpToDate regenerates ztables.go from x86.csv and nasm_extra.csv
// and checks that the checked-in file is what `go generate` writes.
func TestTablesUpToDate(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go run; skipped in -short")
	}
	goBin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("go tool not on PATH")
	}
	dir := t.TempDir()
	wd, _ := os.Getwd()
	// The generator finds golang.org/x/arch through this module's go.mod.
	cmd := exec.Command(goBin, "run", "gen_tables.go", "-o", filepath.Join(dir, "ztables.go"))
	cmd.Dir = wd
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen_tables: %v\n%s", err, out)
	}
	want, _ := os.ReadFile(filepath.Join(dir, "ztables.go"))
	have, _ := os.ReadFile("ztables.go")
	if !bytes.Equal(want, have) {
		t.Fatal("ztables.go is stale: run go generate ./tools/x86")
	}
}
