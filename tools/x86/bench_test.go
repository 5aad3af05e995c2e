package x86

import "testing"

func benchmarkLines(b *testing.B, mode int, lines []string) {
	var insts []*Inst
	for _, l := range lines {
		inst, err := parseTestLine(mode, l, Value{Known: true})
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

func BenchmarkEncode(b *testing.B) {
	benchmarkLines(b, 32, []string{"mov eax, [ebx+ecx*4+8]", "add eax, 1", "jmp $+10", "push ebp", "mov dword [esp+4], 0x1234", "call $+100", "xor eax, eax", "int 0x80"})
}

// BenchmarkEncodeVector: SSE, AVX, x87 and a gather.
func BenchmarkEncodeVector(b *testing.B) {
	benchmarkLines(b, 64, []string{"movaps xmm0, [rax]", "addps xmm1, xmm2", "vaddps ymm0, ymm1, [rsi+rcx*4]", "vfmadd231ps xmm8, xmm9, xmm10",
		"vpxor xmm0, xmm0", "fld qword [rbp-8]", "vgatherdps ymm0, [rax+ymm1*4], ymm2", "pshufd xmm3, xmm4, 0x1b"})
}
