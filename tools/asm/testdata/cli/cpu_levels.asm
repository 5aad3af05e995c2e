; An instruction (or form) above the `cpu` level is an error in nasm's
; words; the same line is accepted again once the level allows it.
; args: -f bin
cpu 8086
        shl ax, 1
        shl ax, 3
        pusha
        push 5
        mov eax, 1
        movzx ax, bl
        fld st1
%rep 2
        cpuid
%endrep
cpu 186
        pusha
        shl ax, 3
        lgdt [0]
cpu 486
        cpuid
        bswap eax
cpu p6
        cmovz ax, bx
cpu x64
        bits 64
        syscall
        movdqa xmm0, xmm1
cpu katmai
        movdqa xmm0, xmm1
cpu default
        movdqa xmm0, xmm1
