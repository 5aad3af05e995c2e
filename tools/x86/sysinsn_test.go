package x86

import (
	"fmt"
	"testing"
)

// sysInsnLines are cases of the groups nasm_extra.csv adds beyond the
// manual's tables (SVM, VMX, PadLock, FMA4, TBM, LWP, AMX configuration,
// enqcmd, 3DNow!, CMPccXADD, RAO-INT, GFNI, XOP...)
// that the generated samples do not reach: prefixes a form folds in (rep
// xsha1), the register an address size follows (clzero eax), FMA4's two
// memory positions, nasm's byte-register quirk of pinsrb. The same lines
// go through every mode; nasm's answers are in testdata/nasm/sysinsn<mode>.txt.
var sysInsnLines = `
rep xstore
rep xsha1
repne xsha1
rep xcryptecb
repne xcryptcbc
lock xsha256
xstore
montmul
rep vmcall
repne vmcall
rep pvalidate
vmgexit
invlpga
invlpga ax, ecx
invlpga eax, ecx
invlpga rax, ecx
clzero
clzero ax
clzero eax
clzero rax
a32 clzero
skinit
vmread [0], eax
vmread dword [0], eax
vmread qword [0], rax
vmread [0], rax
vmread eax, ebx
vmwrite eax, [0]
vmwrite rax, qword [0]
vmclear [0]
vmclear qword [0]
vmptrld [bx]
vmptrst [eax]
vmxon [rax]
invept eax, [0]
invept rbx, [0]
invept rbx, oword [0]
invvpid ecx, [esi]
pcommit
rep pcommit
vfmaddpd xmm0, xmm1, [0], xmm3
vfmaddpd xmm0, xmm1, xmm2, [0]
vfmaddpd ymm0, ymm1, ymm2, ymm3
vfmaddpd xmm0, xmm2, xmm3
vfmaddss xmm0, xmm1, [0], xmm3
vfnmsubsd xmm0, xmm1, xmm2, qword [0]
vfmaddsub312ps xmm0, xmm1, [0]
vfmadd123ss xmm0, xmm1, xmm2
vfnmsub321pd ymm0, ymm1, ymm2
bextr eax, esi, 1
bextr rax, rsi, 0x12345678
bextr eax, [0], 5
blcfill edx, ebx
blcfill edx, [ebx]
blcfill rax, rbx
t1mskc r9, r10
tzmsk eax, dword [0]
llwpcb eax
llwpcb rax
slwpcb ecx
lwpins eax, ebx, 0x12345678
lwpins rax, ebx, 5
lwpval ecx, [0], 5
ldtilecfg [rsi]
sttilecfg [rsp+8]
ldtilecfg zword [rsi]
pinsrb xmm1, sil, 0
pinsrb xmm1, spl, 0
pinsrb xmm1, bl, 0
pinsrb xmm1, bh, 0
pinsrb xmm1, r8b, 0
vpinsrb xmm1, xmm2, dil, 0
vpinsrb xmm1, bl, 0
vpinsrb xmm1, xmm2, bh, 0
xbegin $+0x100
o16 xbegin $+0x100
xbegin short $+4
xabort 5
monitorx ax, ecx, edx
monitorx rax, ecx, edx
mwaitx eax, ecx
enqcmd eax, [eax]
enqcmd ax, [si]
enqcmd eax, [bx]
enqcmd rax, [rax]
enqcmds eax, zword [esi]
pfadd mm0, [0]
pswapd mm1, qword [0]
pfrcpv mm2, mm3
pmvzb mm0, [0]
prefetch [0]
prefetch qword [0]
hreset 1, eax
ptwrite dword [0]
ptwrite [0]
ptwrite rax
cmpbexadd [rax], eax, ebx
cmpaxadd qword [rax], rcx, r9
cmpnlexadd [r8+4], r10d, eax
aadd [0], eax
axor qword [rax], rbx
vgf2p8affineqb ymm0, ymm1, [0], 5
gf2p8mulb xmm0, [0]
senduipi rax
vfrczpd xmm0
vfrczps ymm1, [0]
vphaddbw xmm2
vprotb xmm0, xmm1
vprotb xmm0, xmm1, xmm2
vprotb xmm0, [0], xmm2
vprotb xmm0, xmm1, [0]
vprotd xmm0, 5
vprotq xmm0, [0], 5
vpshad xmm3, xmm4, xmm5
vpcmov ymm0, ymm1, ymm2, [0]
vpcmov xmm0, xmm1, xmm2
vpperm xmm0, xmm1, xmm2, xmm3
vpperm xmm0, xmm1, [0], xmm3
vpcomub xmm0, xmm1, xmm2, 3
vpmacsdd xmm0, xmm1, [0], xmm3
`

func TestSysInsnMatchNasm(t *testing.T) {
	for _, mode := range []int{16, 32, 64} {
		name := fmt.Sprintf("sysinsn%d", mode)
		reportDiff(t, fmt.Sprintf("BITS %d system and AMD instructions", mode), compareWithNasm(t, name, mode, handLines(sysInsnLines)))
	}
}
