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

// TestTablesUpToDate regenerates ztables.go and zforms*.go from x86.csv and nasm_extra.csv
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
	cmd := exec.Command(goBin, "run", "gen_tables.go", "-o", dir)
	cmd.Dir = wd
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("gen_tables: %v\n%s", err, out)
	}
	for _, name := range []string{"ztables.go", "zforms0.go", "zforms1.go"} {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		have, _ := os.ReadFile(name)
		if !bytes.Equal(want, have) {
			t.Fatalf("%s is stale: run go generate ./tools/x86", name)
		}
	}
}

// The cpu directive's argument: nasm's names, a leading part of one, the
// last of several; feature flags the encoder cannot honour are refused.
func TestLookupCPUTakesNasmNames(t *testing.T) {
	for arg, want := range map[string]CPU{
		"8086": CPU8086, "186": CPU186, "286": CPU286, "386": CPU386, "486": CPU486, "586": CPUPentium,
		"pentium": CPUPentium, "PENTIUM": CPUPentium, "686": CPUP6, "ppro": CPUP6, "p2": CPUP6, "p3": CPUKatmai,
		"katmai": CPUKatmai, "p4": CPUWillamette, "willamette": CPUWillamette, "prescott": CPUPrescott,
		"x64": CPUX64, "x86-64": CPUX64, "ia64": CPUIA64, "nehalem": CPUNehalem, "westmere": CPUWestmere,
		"sandybridge": CPUSandyBridge, "ivybridge": CPUFuture, "any": CPUAny, "all": CPUAny, "default": CPUDefault,
		"8": CPU8086, "386 686": CPUP6, "386,p4": CPUWillamette, "": CPUDefault,
		// Flags that change nothing the encoder does (it has no late-VEX
		// instruction and always prefers VEX, as nasm does).
		"latevex": CPUDefault, "nolatevex": CPUDefault, "evex": CPUDefault, "noevex": CPUDefault,
		"vex": CPUDefault, "386,latevex": CPU386, "evex,*vex,latevex": CPUDefault,
	} {
		got, err := LookupCPU(arg)
		if err != nil || got != want {
			t.Errorf("LookupCPU(%q) = %v, %v; want %v", arg, got, err, want)
		}
	}
	for arg, msg := range map[string]string{
		"z80":       "unknown CPU type or flag 'z80'",
		"novex":     "cpu flag 'novex' is not supported (the encoder has no AVX-512)",
		"-vex":      "cpu flag '-vex' is not supported (the encoder has no AVX-512)",
		"-evex,vex": "cpu flag 'vex' is not supported (the encoder has no AVX-512)", // the - carries over
		"386 xx":    "unknown CPU type or flag 'xx'",
	} {
		if _, err := LookupCPU(arg); err == nil || err.Error() != msg {
			t.Errorf("LookupCPU(%q): %v, want %q", arg, err, msg)
		}
	}
}

// A prefix alone on a line is its byte; `wait` is one (9B), written before
// every other prefix of an instruction.
func TestPrefixBytes(t *testing.T) {
	for name, want := range map[string]byte{"lock": 0xF0, "rep": 0xF3, "repne": 0xF2, "wait": 0x9B, "WAIT": 0x9B, "fs": 0x64, "es": 0x26} {
		p, ok := LookupPrefix(name)
		b, ok2 := PrefixByte(p)
		if !ok || !ok2 || b != want {
			t.Errorf("%s: %v %v % X", name, ok, ok2, b)
		}
	}
	for _, name := range []string{"o16", "a32", "o64"} {
		p, _ := LookupPrefix(name)
		if _, ok := PrefixByte(p); ok {
			t.Errorf("%s has a byte of its own", name)
		}
	}
	inst := mustParse(t, 32, "fnstsw ax", Value{Known: true})
	inst.Prefixes = []Prefix{PrefixLock, PrefixFS, PrefixWait}
	enc, err := Encode(inst)
	if err != nil || hexBytes(enc.Bytes) != "9B F0 64 DF E0" {
		t.Errorf("lock fs wait fnstsw ax: %v %v", err, enc)
	}
}

// `to` belongs to the x87 register forms only.
func TestToOnlyOnX87Registers(t *testing.T) {
	for line, want := range map[string]string{
		"fadd to st1":   "DC C1",
		"fmul to st7":   "DC CF",
		"fadd st1":      "D8 C1",
		"faddp to st1":  "error: invalid combination of opcode and operands",
		"fld to st1":    "error: invalid combination of opcode and operands",
		"mov to eax, 1": "error: invalid combination of opcode and operands",
	} {
		if got := encodeAnswer(32, line); got != want {
			t.Errorf("%s: %s, want %s", line, got, want)
		}
	}
}
