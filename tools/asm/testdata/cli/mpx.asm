; Intel MPX and nasm's MIB operands: bndmk, bndldx and bndstx neither split
; a scaled index nor take a scaled register as the base; bndldx/bndstx may
; name the index register as a separate operand; bnd on near branches.
; args: -f bin -O0
; args: -f elf32 -O0
bits 32
x:      bndmk bnd1, [eax]
        bndmk bnd1, [0x399]
        bndmk bnd1, [ecx+0x3]
        bndmk bnd1, [eax+ecx]
        bndmk bnd1, [ecx*1]
        bndmk bnd1, [edx+1*eax+0x3]
        bndmk bnd1, [eax*2]
        bndmov bnd1, bnd2
        bndmov bnd1, [eax]
        bndmov [ecx+3], bnd1
        bndcl bnd1, [eax]
        bndcl bnd1, ecx
        bndcu bnd2, [eax+ecx]
        bndcu bnd2, edx
        bndcn bnd3, [x]
        bndcn bnd3, eax
        bndstx [eax+ebx*1+0x3], bnd0
        bndstx [eax+0x3,ebx], bnd0
        bndstx [eax+0x3], bnd0, ebx
        bndstx [eax+0x3], ebx, bnd0
        bndstx [ecx*1], bnd2
        bndstx [,ecx*1], bnd2
        bndstx [0], bnd2, ecx
        bndstx [1*ebx+3], bnd2
        bndstx [3,1*ebx], bnd2
        bndldx bnd0, [eax+ebx*1+0x3]
        bndldx bnd2, [ebx+edx+3]
        bndldx bnd2, [eax+eax]
        bndldx bnd2, [3], ebx
        bndmk bnd1, [bx+si]
        bnd ret
        bnd call x
        bnd jmp x
        bnd jmp near x
        bnd jno x
        bnd ret 8
        bnd jmp eax
        bnd call [eax]
        nobnd jmp x
bits 64
        bndmk bnd1, [rax]
        bndmk bnd1, [r12+rax*4+8]
        bndmk bnd1, [rel x]
        bndcl bnd1, rax
        bndcu bnd1, r9
        bndmov bnd0, [r9+r10*8+5]
        bndstx [r9], r10, bnd1
        bndstx [r9], bnd1, r10
        bndldx bnd1, [r9], r10
        bndldx bnd1, [3,1*r12]
        bndstx [rax], rsp, bnd1
        bndstx [r12], rsp, bnd1
        bndstx [0], rsp, bnd1
        bndmk bnd1, [eax]
        bnd jmp x
bits 16
        bndcl bnd1, eax
        bndcl bnd1, [bx]
        bndmk bnd1, [eax]
