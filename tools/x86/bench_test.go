package x86

import "testing"

func BenchmarkEncode(b *testing.B) {
	var insts []*Inst
	for _, l := range []string{"mov eax, [ebx+ecx*4+8]", "add eax, 1", "jmp $+10", "push ebp", "mov dword [esp+4], 0x1234", "call $+100", "xor eax, eax", "int 0x80"} {
		inst, err := parseTestLine(32, l, Value{Known: true})
		if err != nil {
			b.Fatal(err)
		}
		insts = append(insts, inst)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := Encode(insts[i%len(insts)]); err != nil {
			b.Fatal(err)
		}
	}
}
