; nasm's encoding selectors {vex}, {vex2}, {vex3} and {rex}, and the cpu
; flags that do not change what this encoder emits (latevex, evex).
; args: -f bin
bits 64
        vaddps xmm1, xmm2, xmm3
        {vex} vaddps xmm1, xmm2, xmm3
        {vex2} vaddps xmm1, xmm2, xmm3
        {vex3} vaddps xmm1, xmm2, xmm3
        {VEX3} vaddpd ymm1, ymm2, ymm3
        {vex} vaddpd ymm1, ymm2, ymm9
        {vex2} vaddpd ymm9, ymm2, ymm3
        {vex2} vaddpd ymm1, ymm12, ymm3
        {vex3} vcomisd xmm0, xmm1
        {vex} vcomisd xmm0, [r8+rax*1]
        {vex3} vcomisd xmm0, [rax+r8*2]
        {vex3} vzeroupper
        {vex3} vfmadd132ps xmm1, xmm2, xmm0
        {rex} add eax, edx
        {rex} add al, dl
        {rex} comisd xmm0, xmm1
        {rex} mov al, [0]
        {rex} movsb
        {rex} nop
x:      {vex3} vpxor xmm0, xmm0, xmm0
        lock {rex} add [rax], edx
        cpu latevex
        vaddps ymm3, ymm1, [rsi]
        cpu nolatevex
        cpu evex
        vaddps ymm3, ymm2, [rcx]
        cpu noevex
        vaddps ymm3, ymm2, [rcx]
        cpu evex,latevex
        {vex} vaddps ymm3, ymm2, [rcx]
        cpu default
bits 32
        {vex3} vaddps xmm1, xmm2, xmm3
