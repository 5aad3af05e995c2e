package x86

import (
	"fmt"
	"testing"
)

// operandSyntax are lines of nasm's operand and prefix syntax beyond the
// plain forms: address sizes against moffs forms, the HLE, MPX and size
// prefixes, the encoding selectors, MPX instructions and pinsrb's byte
// register. Their bytes (or nasm's error) are nasm's, in
// testdata/nasm/operandsyntaxN.txt. Sized branches are in the assembler's
// diff cases (branches.asm), whose targets are labels.
var operandSyntax = map[int]string{
	16: `
osp movsd
osp lodsw
asp lodsb
a32 mov ax, [0x10]
bndcl bnd1, eax
bndcl bnd1, [bx]
bndmk bnd1, [eax]
bndmov bnd1, [bx]
pinsrb xmm1, sil, 0
`,
	32: `
mov eax, [0x10]
mov eax, [word 0x10]
a16 mov eax, [0x10]
xacquire lock add [esi], eax
xacquire xchg [eax], ebx
xrelease mov [eax], ecx
xrelease mov [0x10], eax
xacquire mov [0x10], al
xrelease mov eax, [0x10]
rep xacquire movsb
rep repne movsb
o16 o32 nop
bnd ret
bnd jmp eax
bnd jmp [eax]
bnd ret 4
bnd mov eax, 1
nobnd ret
osp mov eax, 1
asp mov eax, [eax]
asp mov eax, [0x10]
osp push 1
{vex} vaddps xmm1, xmm2, xmm3
{vex2} vaddps xmm1, xmm2, xmm3
{vex3} vaddps xmm1, xmm2, xmm3
{vex3} vzeroupper
{vex} add eax, edx
{vex3} nop
{rex} add eax, edx
{rex} vcomisd xmm0, xmm1
{vex} {vex3} vaddps xmm1, xmm2, xmm3
bndmk bnd1, [eax]
bndmk bnd1, [0x399]
bndmk bnd1, dword [eax]
bndmk bnd1, [bx+si]
bndmov bnd1, bnd2
bndmov bnd1, [eax]
bndmov [eax+4], bnd3
bndmov bnd1, qword [eax]
bndcl bnd1, eax
bndcl bnd1, [ecx+3]
bndcu bnd1, edx
bndcu bnd1, byte [eax]
bndcn bnd1, [eax]
bndcn bnd1, ax
bndldx bnd1, [eax+ebx]
bndldx bnd0, [eax+ebx*1+3]
bndstx [edx+0x399], bnd3
bndstx [eax], ebx, bnd2
bndstx [eax+3], bnd0, ebx
bndldx bnd2, [3], ebx
pinsrb xmm1, sil, 0
pinsrb xmm1, bl, 0
pinsrb xmm1, bh, 0
vpinsrb xmm1, bl, 0
vpinsrb xmm5, xmm1, bl, 0
vpinsrb xmm1, bh, 0
pinsrb xmm1, si, 0
`,
	64: `
mov al, [0x10]
mov al, [qword 0x10]
mov bl, [qword 0x10]
mov rax, [qword 0x10]
mov eax, [dword 0x10]
a32 mov eax, [0x10]
a32 mov ebx, [0x10]
a64 mov al, [0x10]
a32 mov rax, [qword 0x10]
mov al, [rel qword 0x10]
osp rdfsbase eax
osp rdfsbase rax
osp wrgsbase rax
asp mov eax, [eax]
asp mov eax, [rax]
{vex} vaddpd ymm1, ymm2, ymm9
{vex2} vaddpd ymm1, ymm2, ymm9
{vex2} vaddpd ymm9, ymm2, ymm3
{vex2} vaddpd ymm1, ymm12, ymm3
{vex3} vaddpd ymm1, ymm2, ymm3
{vex2} vpextrq rax, xmm1, 1
{vex2} vcomisd xmm0, [rax+r8*2]
{vex3} vcomisd xmm0, [rax+r8*2]
{rex} add eax, edx
{rex} add eax, [rdx]
{rex} mov al, [0]
{rex} movsb
{rex} nop
{rex} add ah, dl
bndmk bnd1, [rax]
bndmk bnd1, [eax]
bndcl bnd1, rax
bndcl bnd1, eax
bndcu bnd1, r9
bndmov bnd0, [r9+r10*8+5]
bndstx [r9], r10, bnd1
bndstx [r9], bnd1, r10
bndldx bnd1, [r9], r10
bndldx bnd1, [r9], r10d
pinsrb xmm1, sil, 0
pinsrb xmm1, r9b, 0
pinsrb xmm9, al, 0
vpinsrb xmm1, xmm2, r9b, 0
vpinsrb xmm1, xmm2, spl, 0
`,
}

func TestOperandSyntaxMatchNasm(t *testing.T) {
	for _, mode := range []int{16, 32, 64} {
		name := fmt.Sprintf("operandsyntax%d", mode)
		reportDiff(t, fmt.Sprintf("BITS %d operand syntax", mode), compareWithNasm(t, name, mode, handLines(operandSyntax[mode])))
	}
}
